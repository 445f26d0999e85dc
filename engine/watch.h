/* cswarm reconcile --watch: a foreground process on the operator's side
 * that repairs the cluster within seconds of a failure.
 *
 * One SSH connection per host follows `docker events` for the cluster's
 * containers, with a heartbeat line every second from the host's shell
 * (libssh2's keepalives keep the connection probed, but libssh2 does not
 * report a missing reply: the heartbeat is what proves the host answers).
 * A task event (die, oom, destroy, unhealthy) or a host that falls silent
 * for host_down_ms or comes back triggers a repair pass, in a thread of its
 * own so that liveness is judged meanwhile: read the state and observe
 * without the lock; only when converge has something to do, take the lock
 * (failing at once when it is busy, then retrying), check that no other run
 * wrote the state since, and apply. The engine restarts crashed tasks
 * itself (docker/restart.h); the watcher does what it cannot. See
 * docs/self-healing.md. */
#ifndef CSWARM_ENGINE_WATCH_H
#define CSWARM_ENGINE_WATCH_H

#include "engine/run.h"

/* How long a host may stay silent before its tasks move, unless told. */
#define WATCH_HOST_DOWN_MS 10000L
/* A full pass at least this often, events or not (a missed event, a
 * restart delay running out). */
#define WATCH_PERIOD_MS 30000L

struct watch_opts {
	long host_down_ms;
	long wait_ms;		/* for started tasks to run (--wait) */
	int rebalance;
	int json;		/* one JSON object per line instead of plain lines */
};

/* Watch until SIGINT or SIGTERM. proto carries the parsed options (run_init
 * and the options parsed, not opened). Returns EXIT_OK after a clean stop, or the
 * exit code when the watch cannot start (no inventory, no state). */
int engine_watch(const struct run *proto, const struct watch_opts *o, int argc, char **argv);

#endif
