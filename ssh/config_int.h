/* Internals of the ~/.ssh/config reader shared by config_read.c (lines and
 * keywords) and config_match.c (Host/Match, tokens, the passes). */
#ifndef CSWARM_SSH_CONFIG_INT_H
#define CSWARM_SSH_CONFIG_INT_H

#include "ssh/config.h"

/* A value whose %-tokens can only be expanded once the whole file is read
 * (%h needs the final HostName), with its origin for error messages. */
struct pending {
	char *value;
	char *where;	/* "file:line" */
};

struct pending_list {
	struct pending *v;
	size_t n, cap;
};

struct args {
	char **v;
	size_t n, cap;
};

struct lookup {
	const struct ssh_config_query *q;
	const char *local_user, *home;
	const char *host;	/* what Host patterns see: the alias, then the final name */
	int final_pass;		/* the second pass (Match final/canonical are true) */
	int want_final;		/* a Match final was seen */
	struct strbuf *err;
	/* Values, the first one obtained wins (-1/NULL = not yet). */
	char *hostname, *user, *proxy_jump, *proxy_command, *ignore_unknown;
	char *proxy_where;	/* "file:line" of the ProxyCommand */
	int port, canonicalize, shkc, timeout, alive, ionly;
	struct pending_list identity, known, global_known;
	/* The line being processed. */
	const char *file;
	int line;
	int active;
	int files_read;
};

int cfg_error(struct lookup *lk, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void args_free(struct args *a);

/* config_read.c: read one file (and what it includes); 0 when missing. */
int read_config(struct lookup *lk, const char *path, int depth, int never_match);

/* config_match.c */
int keyword_host(struct lookup *lk, struct args *a, int never_match);
int keyword_match(struct lookup *lk, struct args *a, int never_match);
/* "~/x", "~user/x" with the passwd home; NULL with err filled. */
char *expand_tilde(struct lookup *lk, const char *path, const char *where);
/* OpenSSH's pattern lists "a,b,!c" (1 match, -1 negated match, 0 none). */
int match_pattern_list(const char *s, const char *list, int dolower);

#endif
