/* docker/restart: a task's restart_policy as the engine's --restart policy,
 * and the policy docker inspect reports, in the same words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/table_tests.h"

#include "docker/restart.h"

struct policy_row {
	enum restart_condition condition;	/* UNSET: swarm's any */
	int64_t max_attempts;		/* -1: unset */
	long long window_ms;
	int used;			/* restarts the task already spent */
	const char *want;
};

static const struct policy_row policy_rows[] = {
	{ CONDITION_UNSET, -1, 0, 0, "unless-stopped" },
	{ CONDITION_ANY, -1, 0, 0, "unless-stopped" },
	{ CONDITION_ANY, 0, 0, 5, "unless-stopped" },		/* 0: unlimited, as in swarm */
	{ CONDITION_NONE, -1, 0, 0, "no" },
	{ CONDITION_NONE, 3, 0, 0, "no" },
	{ CONDITION_ON_FAILURE, -1, 0, 0, "on-failure" },
	{ CONDITION_ON_FAILURE, 3, 0, 0, "on-failure:3" },
	{ CONDITION_ON_FAILURE, 3, 0, 1, "on-failure:2" },	/* a replacement has fewer left */
	{ CONDITION_ON_FAILURE, 3, 0, 3, "no" },		/* none left */
	{ CONDITION_ON_FAILURE, 3, 0, 7, "no" },
	{ CONDITION_ANY, 2, 0, 0, "on-failure:2" },		/* exit 0 is left to cswarm */
	{ CONDITION_ANY, 2, 60000, 5, "on-failure:2" },		/* a window: cswarm counts */
};

static void test_policy(void **state)
{
	const struct policy_row *row = *state;
	struct restart_policy p = { .set = true, .condition = row->condition,
				    .delay_ms = -1, .window_ms = row->window_ms,
				    .max_attempts = row->max_attempts };
	struct strbuf out = STRBUF_INIT;
	docker_restart_policy(&p, row->used, &out);
	assert_string_equal(out.buf, row->want);
	sb_free(&out);
}

struct observed_row {
	const char *name;
	long long max;
	const char *want;
};

static const struct observed_row observed_rows[] = {
	{ NULL, 0, "no" },
	{ "", 0, "no" },
	{ "no", 0, "no" },
	{ "always", 0, "always" },
	{ "unless-stopped", 0, "unless-stopped" },
	{ "on-failure", 0, "on-failure" },
	{ "on-failure", 4, "on-failure:4" },
};

static void test_observed(void **state)
{
	const struct observed_row *row = *state;
	struct strbuf out = STRBUF_INIT;
	docker_restart_observed(row->name, row->max, &out);
	assert_string_equal(out.buf, row->want);
	sb_free(&out);
}

/* What cswarm asks for reads back the same from inspect, so a redeploy
 * updates no container whose policy did not change. */
static void test_round_trip(void **state)
{
	const struct policy_row *row = *state;
	struct restart_policy p = { .set = true, .condition = row->condition,
				    .window_ms = row->window_ms, .max_attempts = row->max_attempts };
	struct strbuf asked = STRBUF_INIT, back = STRBUF_INIT;
	docker_restart_policy(&p, row->used, &asked);
	char *colon = strchr(asked.buf, ':');
	long long max = colon ? atoll(colon + 1) : 0;
	if (colon)
		*colon = '\0';
	docker_restart_observed(asked.buf, max, &back);
	assert_string_equal(back.buf, row->want);
	sb_free(&asked);
	sb_free(&back);
}

int main(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(policy_rows); i++) {
		char *label = xasprintf("%s max %lld used %d -> %s",
					policy_rows[i].condition ? restart_condition_name(policy_rows[i].condition) : "unset",
					(long long)policy_rows[i].max_attempts, policy_rows[i].used,
					policy_rows[i].want);
		add_test(test_policy, &policy_rows[i], "policy %s", label);
		add_test(test_round_trip, &policy_rows[i], "round trip %s", label);
		free(label);
	}
	for (size_t i = 0; i < ARRAY_SIZE(observed_rows); i++)
		add_test(test_observed, &observed_rows[i], "observed %s",
			 observed_rows[i].name ? observed_rows[i].name : "(null)");
	return run_added_tests("restart", NULL, NULL);
}
