/* Observing the cluster: one command per host, all hosts in parallel, that
 * returns both what the engine is (docker info) and every container of the
 * cluster on it (docker inspect). */
#ifndef CSWARM_ENGINE_OBSERVE_H
#define CSWARM_ENGINE_OBSERVE_H

#include "docker/info.h"
#include "docker/observe.h"
#include "ssh/fanout.h"

struct host_view {
	const char *down;	/* NULL when usable, else the reason (node ls words) */
	struct strbuf detail;	/* message behind down */
	struct docker_info info;
	struct observed *containers;	/* sorted by name */
	size_t ncontainers;
	long long clock_skew;	/* seconds the host's clock is ahead of ours */
	char *net_seen;		/* the overlay's fingerprint line, or NULL
				 * (docker/netpush.h: NETPUSH_SEEN) */
};

/* Observe every host of the fleet; views has f->n entries (initialised
 * here). cluster_id NULL skips the containers (docker info only). */
void engine_observe(struct fleet *f, const char *cluster_id, long timeout_ms,
		    struct host_view *views);
/* Observe again only the hosts with want[i] set (the others keep their view). */
void engine_reobserve(struct fleet *f, const char *cluster_id, long timeout_ms,
		      struct host_view *views, const unsigned char *want);
void host_views_free(struct host_view *views, size_t n);
/* Parse one host's observation output (its clock line, docker info, the
 * mark, docker inspect) into v, which must be reset; 0, or -1 with
 * v->down and v->detail set. Input is untrusted: fuzzed. */
int observe_parse_output(struct host_view *v, const char *name, const struct ssh_result *res,
			 int with_containers);

/* The observation folded into a script that changes the host (a wave of
 * starts and stops): appended at its end, so that the host is seen again
 * in the same round trip instead of one more. */
void engine_observe_append(const char *cluster_id, const char *host, struct strbuf *script);
/* The view of host name from the output of such a script; 0, or -1 (the
 * observation is missing or failed: observe the host again). */
int engine_view_from_script(struct host_view *v, const char *name, const char *cluster_id,
			    const char *out);

/* The container of task id on that host, or NULL. */
const struct observed *view_find_task(const struct host_view *v, const char *task_id);

#endif
