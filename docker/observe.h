/* What runs on a host: every container of the cluster, in one command per
 * host, read back from `docker inspect`. */
#ifndef CSWARM_DOCKER_OBSERVE_H
#define CSWARM_DOCKER_OBSERVE_H

#include "util/kv.h"
#include "util/strbuf.h"

#include <stddef.h>

/* One cswarm container, as its labels and the engine describe it. Strings
 * are NULL when absent. */
struct observed {
	char *container_id, *name;
	char *stack, *service, *task_id, *node, *hash;	/* cswarm.* labels */
	int slot;		/* 0: global (or no slot label) */
	char *state;		/* created|running|restarting|exited|dead|paused|removing */
	int exit_code;
	char *health;		/* NULL (no healthcheck)|starting|healthy|unhealthy */
	char *started_at, *finished_at;	/* RFC 3339, "0001-01-01T00:00:00Z" if never */
	char *error;		/* the engine's error for a failed start, or NULL */
	char *image;		/* as given to docker run */
	char *restart_policy;	/* the engine's, as docker_restart_observed says it */
	int restart_count;	/* restarts the engine made (RestartCount) */
	char **ports;		/* "0.0.0.0:8080->80/tcp" */
	size_t nports;
	struct kv *addrs;	/* network name -> IPv4 address on it */
	size_t naddrs;
};

/* Append the command to run on each host: it prints a JSON array of the
 * `docker inspect` of every container labelled cswarm.cluster=cluster_id
 * ("[]" when there is none) and fails when the daemon does. A container
 * removed between the listing and the inspection fails it too: retry. */
void docker_observe_command(const char *cluster_id, struct strbuf *out);

/* Parse that output into *out (n entries, sorted by name). Empty output
 * or "[]" is zero containers. -1 with err on anything but a JSON array of
 * objects. */
int docker_observe_parse(const char *json, size_t len, struct observed **out, size_t *n,
			 struct strbuf *err);
void docker_observed_free(struct observed *o, size_t n);

#endif
