/* Where and how to reach a host: inventory vars, then ~/.ssh/config, then
 * defaults (Ansible's precedence: inventory variables win). */
#ifndef CSWARM_TARGET_H
#define CSWARM_TARGET_H

#include "ssh/ssh.h"

struct target_opts {
	const char *ssh_config;		/* NULL: $CSWARM_SSH_CONFIG, else ~/.ssh/config */
	int accept_new;			/* --accept-new */
	long connect_timeout_ms;	/* used when ssh config sets none */
	long connect_timeout_flag_ms;	/* --connect-timeout: wins over the
					 * ssh config, as ssh -o does; 0: not given */
};

/* What the inventory says about a host (any field may be NULL/0). */
struct target_hint {
	const char *name;
	const char *address;
	int port;
	const char *user;
	const char *key_file;
};

int ssh_target_resolve(const struct target_hint *hint, const struct target_opts *o,
		       struct ssh_target *t, struct strbuf *err);

#endif
