/* Parallel fan-out over many hosts: bounded concurrency, one connection per
 * host reused for every command of a run, results kept in inventory order. */
#ifndef CSWARM_FANOUT_H
#define CSWARM_FANOUT_H

#include "ssh/ssh.h"

struct fleet_host {
	struct ssh_target target;
	struct ssh_conn *conn;	/* NULL until connected, or when it failed */
	enum ssh_fail fail;	/* why the host is unusable; SSH_OK if usable */
	struct strbuf error;	/* message for fail */
	void *data;		/* per-command scratch */
	const atomic_int *cancel;	/* optional: abandon its commands (ssh_exec) */
};

struct fleet {
	struct fleet_host *hosts;
	size_t n;
	int forks;		/* hosts worked on at once */
};

/* Called for one host from a worker thread. Must touch only its host. */
typedef void (*fleet_fn)(struct fleet_host *h, size_t index, void *ctx);

/* Connect every host not yet tried (in parallel), then call fn on each
 * connected host (in parallel). fn may be NULL to only connect. */
void fleet_each(struct fleet *f, fleet_fn fn, void *ctx);
/* How many hosts could not be reached. */
size_t fleet_unreachable(const struct fleet *f);
void fleet_free(struct fleet *f);

/* ssh_exec on one host, recording a failure (e.g. timeout) on the host. */
enum ssh_fail fleet_exec(struct fleet_host *h, const struct ssh_exec *x, struct ssh_result *res);

#endif
