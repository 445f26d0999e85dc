/* The OpenSSH client configuration (~/.ssh/config) for one host, with the
 * semantics of OpenSSH 9.2's `ssh -l USER -p PORT HOST`: the first value
 * obtained for a keyword wins (IdentityFile accumulates), the inventory's
 * user and port act as ssh's command line, a second pass over the file runs
 * after `Match final` or CanonicalizeHostname. See docs/ssh.md for the
 * keywords honoured and what is refused. */
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

/* What is looked up: what `ssh [-i KEY] [-l USER] [-p PORT] HOST` gets. */
struct ssh_config_query {
	const char *path;	/* NULL: ~/.ssh/config; a missing file is empty */
	const char *host;	/* the alias as given */
	const char *user;	/* -l: NULL = none */
	int port;		/* -p: 0 = none */
	const char *key_file;	/* -i: NULL = none */
	const char *local_user;	/* NULL: from the passwd entry (tests set it) */
	const char *home;	/* NULL: from the passwd entry (tests set it) */
};

/* The result, with OpenSSH's defaults filled in. */
struct ssh_host_config {
	char *hostname;			/* HostName (%h expanded) or the alias, lowercased
					 * unless an address */
	char *user;			/* -l, else User, else the local user */
	int port;			/* -p, else Port, else 22 */
	char **identity_files;		/* -i then IdentityFile, expanded, deduplicated,
					 * "none" dropped; OpenSSH's defaults when none */
	size_t nidentity_files;
	char *proxy_jump;		/* as written; NULL = none */
	char *proxy_command;		/* as written; NULL = none */
	char *proxy_command_expanded;	/* %h %p %r %n %k %% expanded, "exec " prefixed */
	char **known_hosts_files;	/* UserKnownHostsFile, expanded; "none" = empty */
	size_t nknown_hosts_files;
	char **global_known_hosts_files;
	size_t nglobal_known_hosts_files;
	int strict_host_key_checking;	/* SSH_SHKC_* */
	int connect_timeout;		/* seconds, 0 = no timeout, -1 = unset */
	int server_alive_interval;	/* seconds, 0 = off, -1 = unset */
	int identities_only;		/* 1 = yes, 0 = no or unset */
};

/* 0 on success; -1 with "file:line: ..." in err. *out is always safe to
 * pass to ssh_host_config_free. */
int ssh_config_lookup(const struct ssh_config_query *q, struct ssh_host_config *out,
		      struct strbuf *err);
void ssh_host_config_free(struct ssh_host_config *c);

/* The local account as OpenSSH sees it: the passwd entry of getuid(), or
 * $USER and $HOME when there is none (a static binary without NSS). */
const char *ssh_local_user(void);
const char *ssh_local_home(void);

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

/* A port number or a service name from /etc/services, as OpenSSH's
 * a2port(); -1 if neither. */
int ssh_parse_port(const char *s);

#endif
