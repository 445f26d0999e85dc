/* What runs on a host: every container of the cluster, in one command per
 * host, read back from `docker inspect`. */
#ifndef CSWARM_DOCKER_OBSERVE_H
#define CSWARM_DOCKER_OBSERVE_H

#include "util/kv.h"
#include "util/strbuf.h"

#include <stddef.h>

/* docker's State.Status, parsed once by docker_observe_parse. Anything else
 * (absent, or a word a newer engine may add) is CONTAINER_UNKNOWN. */
enum container_state {
	CONTAINER_UNKNOWN,
	CONTAINER_CREATED,
	CONTAINER_RUNNING,
	CONTAINER_RESTARTING,
	CONTAINER_PAUSED,
	CONTAINER_REMOVING,
	CONTAINER_EXITED,
	CONTAINER_DEAD,
	CONTAINER_NSTATES
};

/* State.Health.Status. HEALTH_NONE: no healthcheck (no Health, or docker's
 * "none"); HEALTH_UNKNOWN: a word docker does not document, which counts
 * as not yet healthy. */
enum container_health {
	HEALTH_NONE,
	HEALTH_STARTING,
	HEALTH_HEALTHY,
	HEALTH_UNHEALTHY,
	HEALTH_UNKNOWN,
	HEALTH_NSTATES
};

/* What a container's state means for its task: the one rule that planning
 * (engine/converge.c), waiting for started tasks (engine/apply.c), the
 * listings (engine/tasks.c) and the overlay's endpoints (engine/net_push.c)
 * all decide by. */
enum container_phase {
	PHASE_GONE,		/* no container */
	PHASE_STARTING,		/* created, restarting, or running with its
				 * healthcheck not passed yet */
	PHASE_RUNNING,		/* running, and healthy when it has a healthcheck */
	PHASE_UNHEALTHY,	/* running, healthcheck failing: failed */
	PHASE_ENDED,		/* exited, dead or being removed: its restart
				 * policy decides what follows */
	PHASE_HELD,		/* paused, or a state docker does not document:
				 * neither running nor ended, left as it is */
};

/* The `docker events` actions of a container that the watcher (engine/
 * watch.c) acts on or logs; EVENT_OTHER: any other. */
enum container_event {
	EVENT_OTHER,
	EVENT_START,
	EVENT_DIE,
	EVENT_OOM,
	EVENT_DESTROY,
	EVENT_UNHEALTHY,	/* "health_status: unhealthy" */
	EVENT_NKINDS
};

/* One cswarm container, as its labels and the engine describe it. Strings
 * are NULL when absent.
 * INVARIANT: never changed after docker_observe_parse: plans, rollbacks
 * and listings borrow its strings (a rollback plans again on the same
 * observation); only a new observation replaces it. */
struct observed {
	char *container_id, *name;
	char *stack, *service, *task_id, *node, *hash;	/* cswarm.* labels */
	int slot;		/* 0: global (or no slot label) */
	enum container_state state;
	int exit_code;
	enum container_health health;
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

/* The phase of container c; NULL (no container) is PHASE_GONE. */
enum container_phase container_phase(const struct observed *c);

/* Words as docker spells them ("running", "healthy"), for printing only;
 * CONTAINER_UNKNOWN is "unknown", HEALTH_NONE "none". */
const char *container_state_name(enum container_state s);
const char *container_health_name(enum container_health h);
/* The parsers docker_observe_parse uses: NULL or an unknown word gives
 * CONTAINER_UNKNOWN; for health, NULL and "none" give HEALTH_NONE, an
 * unknown word HEALTH_UNKNOWN. */
enum container_state container_state_parse(const char *s);
enum container_health container_health_parse(const char *s);
/* An event's Action; NULL or another word gives EVENT_OTHER. Its name is
 * docker's word, NULL for EVENT_OTHER. */
enum container_event container_event_parse(const char *action);
const char *container_event_name(enum container_event e);

#endif
