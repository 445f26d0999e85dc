#include "docker/restart.h"
#include "util/util.h"

void docker_restart_policy(const struct restart_policy *p, int used, struct strbuf *out)
{
	if (p->condition == CONDITION_NONE) {
		sb_adds(out, "no");
		return;
	}
	if (p->max_attempts <= 0) {
		sb_adds(out, p->condition == CONDITION_ON_FAILURE ? "on-failure" : "unless-stopped");
		return;
	}
	/* The engine cannot restart after exit 0 a bounded number of times:
	 * with max_attempts it restarts failures only, cswarm the rest. */
	long long left = p->max_attempts - (p->window_ms > 0 || used < 0 ? 0 : used);
	if (left <= 0)
		sb_adds(out, "no");
	else
		sb_addf(out, "on-failure:%lld", left);
}

void docker_restart_observed(const char *name, long long max_retries, struct strbuf *out)
{
	if (!name || !*name || streq(name, "no"))
		sb_adds(out, "no");
	else if (streq(name, "on-failure") && max_retries > 0)
		sb_addf(out, "on-failure:%lld", max_retries);
	else
		sb_adds(out, name);
}
