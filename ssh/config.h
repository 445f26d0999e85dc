/* The OpenSSH client configuration (~/.ssh/config) for one host alias, with
 * OpenSSH's semantics: the first value obtained for a keyword wins, except
 * IdentityFile which accumulates. See docs/inventory.md for the keywords
 * honoured; the others are ignored. */
#ifndef CSWARM_SSH_CONFIG_H
#define CSWARM_SSH_CONFIG_H

#include <stddef.h>

#include "util/strbuf.h"

enum {
	SSH_SHKC_UNSET = 0,
	SSH_SHKC_YES,
	SSH_SHKC_NO,
	SSH_SHKC_ASK,
	SSH_SHKC_ACCEPT_NEW,
};

struct ssh_host_config {
	char *hostname;			/* HostName (tokens expanded), NULL = unset */
	char *user;			/* NULL = unset */
	int port;			/* 0 = unset */
	char **identity_files;		/* ~ and %-tokens expanded */
	size_t nidentity_files;
	char *proxy_jump;		/* NULL = none */
	char **known_hosts_files;	/* UserKnownHostsFile; none set = default */
	size_t nknown_hosts_files;
	char **global_known_hosts_files;
	size_t nglobal_known_hosts_files;
	int strict_host_key_checking;	/* SSH_SHKC_* */
	int connect_timeout;		/* seconds, 0 = unset */
	int server_alive_interval;	/* seconds, 0 = unset */
	int identities_only;		/* 1 = yes, 0 = no or unset */
};

/* Fill *out for original_host (the alias as given). path NULL means
 * $HOME/.ssh/config; a missing file is an empty config. local_user is for
 * %u (and %r when no User is set). 0 on success; -1 with "file:line: ..."
 * in err. *out is always safe to pass to ssh_host_config_free. */
int ssh_config_lookup(const char *path, const char *original_host, const char *local_user,
		      struct ssh_host_config *out, struct strbuf *err);
void ssh_host_config_free(struct ssh_host_config *c);

/* One hop of a ProxyJump chain. */
struct ssh_jump {
	char *user;	/* NULL = unset */
	char *host;
	int port;	/* 0 = unset */
};

/* Parse "[user@]host[:port]" hops separated by commas (also
 * "ssh://[user@]host[:port]" and "[v6addr]:port"). "none" gives 0 hops.
 * Returns the hop count, or -1 with err filled. */
long ssh_proxy_jump_parse(const char *spec, struct ssh_jump **hops, struct strbuf *err);
void ssh_jumps_free(struct ssh_jump *hops, long n);

#endif
