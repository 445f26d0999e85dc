/* The engine as the first line of self-healing: which `--restart` policy
 * dockerd gets for a task, so that it restarts a crashed task within about
 * a second and brings tasks back after a daemon restart or a reboot,
 * without cswarm running. What the engine cannot express stays cswarm's
 * (reconcile, reconcile --watch): condition none, restarts after a clean
 * exit when max_attempts is set, a task that must move to another host,
 * and restart_policy.window. See docs/self-healing.md. */
#ifndef CSWARM_DOCKER_RESTART_H
#define CSWARM_DOCKER_RESTART_H

#include "compose/compose.h"
#include "util/strbuf.h"

/* Append the engine policy, in the form `docker inspect` reports it back
 * (docker_restart_observed): "no", "unless-stopped", "on-failure" or
 * "on-failure:N".
 *   condition none                     -> no
 *   condition any, no max_attempts     -> unless-stopped (never always: a
 *                                         container stopped by cswarm or by
 *                                         hand stays stopped after a daemon
 *                                         restart)
 *   on-failure, no max_attempts        -> on-failure
 *   any or on-failure, max_attempts N  -> on-failure:(N - used), used being
 *                                         the restarts the task already
 *                                         spent (0 with a window, which
 *                                         cswarm applies); "no" when none
 *                                         is left.
 * delay is docker's own back-off (100 ms, doubling) for engine restarts. */
void docker_restart_policy(const struct restart_policy *p, int used, struct strbuf *out);

/* The same form from inspect's HostConfig.RestartPolicy Name and
 * MaximumRetryCount ("" is "no"). */
void docker_restart_observed(const char *name, long long max_retries, struct strbuf *out);

#endif
