/* engine/converge: state + observation -> container operations, without
 * any host: a run is built in memory (inventory, views, state, stacks) and
 * "applied" by recording what the operations would have done. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "converge_world.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static void test_fresh_deploy_then_stable(void **state)
{
	(void)state;
	struct run *r = world();
	struct converge cv;
	plan(r, &cv);
	assert_int_equal(count(&cv, OP_START, "new"), 6);	/* 3 web + 3 global */
	assert_int_equal(count(&cv, OP_STOP, NULL), 0);
	assert_int_equal(cv.nwaves, 1);
	apply(r, &cv);
	converge_free(&cv);
	plan(r, &cv);
	assert_int_equal(cv.nops, 0);	/* nothing moves on a second run */
	converge_free(&cv);
	world_free(r);
}

static void test_restart_policy(void **state)
{
	(void)state;
	struct run *r = world();
	struct converge cv;
	deployed(r);

	/* on-failure with exit 0: complete, never restarted. */
	exit_task(r, task_of(r, "web"), 0, "2020-01-01T00:00:00Z");
	plan(r, &cv);
	assert_int_equal(cv.nops, 0);
	converge_free(&cv);

	/* exit 1: replaced in its slot, with the restart counted. */
	struct state_task *t = task_of(r, "web");
	int slot = t->slot;
	exit_task(r, t, 1, "2020-01-01T00:00:00Z");
	plan(r, &cv);
	assert_int_equal(count(&cv, OP_STOP, "task exited"), 1);
	assert_int_equal(count(&cv, OP_START, "restart"), 1);
	for (size_t i = 0; i < cv.nops; i++)
		if (cv.ops[i].kind == OP_START) {
			assert_int_equal(cv.ops[i].task.slot, slot);
			assert_int_equal(cv.ops[i].task.restarts, 1);
		}
	apply(r, &cv);
	converge_free(&cv);

	/* The second failure restarts again (max_attempts 2), the third not. */
	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < r->st.ntasks; i++)
			if (r->st.tasks[i].slot == slot && streq(r->st.tasks[i].service, "web"))
				t = &r->st.tasks[i];
		exit_task(r, t, 1, "2020-01-01T00:00:00Z");
		plan(r, &cv);
		assert_int_equal(count(&cv, OP_START, "restart"), round == 0 ? 1 : 0);
		apply(r, &cv);
		converge_free(&cv);
	}
	world_free(r);
}

/* Set the state of the observed container of t (a new observation). */
static void set_container(struct run *r, const struct state_task *t, enum container_state s,
			  enum container_health h)
{
	long host = run_host(r, t->node);
	struct observed *o = (struct observed *)view_find_task(&r->views[host], t->id);
	o->state = s;
	o->health = h;
}

/* The planner's side of container_phase: a paused task or one in a state
 * docker does not document is left as it is (the latter was a strcmp on
 * NULL when State.Status was missing), a starting one keeps its slot, an
 * unhealthy one is replaced at once. */
static void test_container_phases_in_plan(void **state)
{
	(void)state;
	static const struct {
		enum container_state s;
		enum container_health h;
		size_t restarts;
	} cases[] = {
		{ CONTAINER_PAUSED, HEALTH_NONE, 0 },
		{ CONTAINER_UNKNOWN, HEALTH_NONE, 0 },
		{ CONTAINER_CREATED, HEALTH_NONE, 0 },
		{ CONTAINER_RESTARTING, HEALTH_NONE, 0 },
		{ CONTAINER_RUNNING, HEALTH_STARTING, 0 },
		{ CONTAINER_RUNNING, HEALTH_UNKNOWN, 0 },
		{ CONTAINER_RUNNING, HEALTH_UNHEALTHY, 1 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct run *r = world();
		struct converge cv;
		deployed(r);
		set_container(r, task_of(r, "web"), cases[i].s, cases[i].h);
		plan(r, &cv);
		assert_int_equal(count(&cv, OP_START, "restart"), cases[i].restarts);
		assert_int_equal(cv.nops, cases[i].restarts ? 2 : 0);
		converge_free(&cv);
		world_free(r);
	}
}

/* A task of a host whose clock is skew seconds ahead of ours exits now by
 * that clock: inside its one-hour delay it waits, it is not replaced. */
static void expect_restart_waits(long long skew)
{
	struct run *r = world();
	struct converge cv;
	set_stack(r, "1", "1h");
	deployed(r);
	struct state_task *t = task_of(r, "web");
	r->views[run_host(r, t->node)].clock_skew = skew;
	char finished[32];
	time_t at = time(NULL) + (time_t)skew;
	strftime(finished, sizeof(finished), "%Y-%m-%dT%H:%M:%SZ", gmtime(&at));
	exit_task(r, t, 1, finished);
	plan(r, &cv);
	assert_int_equal(cv.nops, 0);
	assert_int_equal(cv.waiting_restart, 1);
	converge_free(&cv);
	world_free(r);
}

static void test_restart_delay(void **state)
{
	(void)state;
	expect_restart_waits(0);
}

/* FinishedAt is the host's clock: two hours behind ours, a task that has
 * just exited is still inside a one-hour delay. */
static void test_restart_delay_by_host_clock(void **state)
{
	(void)state;
	expect_restart_waits(-7200);
}

static void test_observation_reads_host_clock(void **state)
{
	(void)state;
	struct host_view v = { 0 };
	struct ssh_result res;
	ssh_result_init(&res);
	sb_init(&v.detail);
	sb_addf(&res.out, "@@cswarm-clock %lld\n{\"ServerVersion\":\"20.10\"}\n", (long long)time(NULL) + 100);
	res.exit_status = 0;
	assert_int_equal(observe_parse_output(&v, "h1", &res, 0), 0);
	assert_true(v.clock_skew >= 95 && v.clock_skew <= 100);
	assert_string_equal(v.info.version, "20.10");
	docker_info_free(&v.info);
	sb_free(&v.detail);
	ssh_result_free(&res);
}

/* A task's output (a pulled image's messages, a container's error) cannot
 * forge another operation's result: the markers carry the run's nonce. */
static void test_op_result_markers(void **state)
{
	(void)state;
	static const struct { const char *out; size_t index; int rc; const char *msg; } cases[] = {
		{ "@@op n1 0\nabc123\n\n@@rc n1 0 0\n", 0, 0, "abc123" },
		{ "@@op n1 0\n\n@@rc n1 0 0\n", 0, 0, "" },
		{ "@@op n1 3\nno newline\n@@rc n1 3 125\n", 3, 125, "no newline" },
		{ "@@op n1 0\n@@rc 0 0\n\n@@rc n1 0 1\n", 0, 1, "@@rc 0 0" },
		{ "@@op n1 1\nx\n@@rc n1 10 0\n", 1, -1, "" },
		{ "@@op n1 0\n\n@@rc n1 0 x\n", 0, -1, "" },
		{ "@@op n1 0\n\n@@rc n1 0 999\n", 0, -1, "" },
		{ "@@op n1 0\n", 0, -1, "" },
		{ "", 0, -1, "" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf msg = STRBUF_INIT;
		int rc = converge_op_result(cases[i].out, "n1", cases[i].index, &msg);
		if (rc != cases[i].rc || (rc >= 0 && !streq(sb_str(&msg), cases[i].msg)))
			fail_msg("case %zu: rc %d msg '%s'", i, rc, sb_str(&msg));
		sb_free(&msg);
	}
}

/* Restarts the engine made in place count toward max_attempts (2 here)
 * and are handed on to the replacement. */
static void test_engine_restarts_count(void **state)
{
	(void)state;
	struct run *r = world();
	struct converge cv;
	deployed(r);
	struct state_task *t = task_of(r, "web");
	long h = run_host(r, t->node);
	struct observed *o = (struct observed *)view_find_task(&r->views[h], t->id);
	exit_task(r, t, 1, "2020-01-01T00:00:00Z");
	o->restart_count = 1;
	plan(r, &cv);
	assert_int_equal(count(&cv, OP_START, "restart"), 1);
	for (size_t i = 0; i < cv.nops; i++)
		if (cv.ops[i].kind == OP_START)
			assert_int_equal(cv.ops[i].task.restarts, 2);
	converge_free(&cv);

	o->restart_count = 2;	/* the engine used them all: complete */
	plan(r, &cv);
	assert_int_equal(cv.nops, 0);
	converge_free(&cv);
	world_free(r);
}

/* restart_policy is not in the spec hash: a container whose engine policy
 * differs gets `docker update`, nothing restarts. */
static void test_restart_policy_updated_in_place(void **state)
{
	(void)state;
	struct run *r = world();
	struct converge cv;
	deployed(r);
	for (size_t h = 0; h < r->fleet.n; h++)
		for (size_t i = 0; i < r->views[h].ncontainers; i++) {
			struct observed *o = &r->views[h].containers[i];
			o->restart_policy = xstrdup(streq(o->service, "web") ? "no" : "unless-stopped");
		}
	plan(r, &cv);
	assert_int_equal(count(&cv, OP_UPDATE, "restart policy"), 3);	/* web: on-failure:2 */
	assert_int_equal(cv.nops, 3);
	converge_free(&cv);
	world_free(r);
}

static void test_orphans_and_lost_containers(void **state)
{
	(void)state;
	struct run *r = world();
	struct converge cv;
	deployed(r);
	/* A container of this cluster that no record owns. */
	struct state_task ghost = { .id = "aaaaaaaaaaaa", .stack = "app", .service = "web",
				    .slot = 9, .node = "h2", .hash = "x" };
	observe(r, 1, &ghost, "running", 0, "0001-01-01T00:00:00Z");
	plan(r, &cv);
	assert_int_equal(count(&cv, OP_STOP, "orphan"), 1);
	assert_int_equal(cv.nops, 1);
	converge_free(&cv);
	world_free(r);
}

static void test_unreachable_host_moves_replicated_tasks(void **state)
{
	(void)state;
	struct run *r = world();
	struct converge cv;
	deployed(r);
	size_t on_h3 = 0;
	for (size_t i = 0; i < r->st.ntasks; i++)
		on_h3 += streq(r->st.tasks[i].node, "h3") && streq(r->st.tasks[i].service, "web");
	r->views[2].down = "timeout";
	plan(r, &cv);
	assert_int_equal(cv.lost, on_h3 + 1);	/* its web tasks and its global task */
	assert_int_equal(count(&cv, OP_START, "moved"), on_h3);
	for (size_t i = 0; i < cv.nops; i++) {
		if (cv.ops[i].kind == OP_START)
			assert_int_not_equal(cv.ops[i].host, 2);
		else	/* the old copy goes only once the new one runs */
			assert_int_equal(cv.ops[i].wave, WAVE_MOVED);
	}
	converge_free(&cv);
	world_free(r);
}

static void test_changed_spec_rolls_one_by_one(void **state)
{
	(void)state;
	struct run *r = world();
	struct converge cv;
	deployed(r);
	set_stack(r, "2", "0s");	/* web's environment changes */
	plan(r, &cv);
	assert_int_equal(count(&cv, OP_STOP, "update"), 3);
	assert_int_equal(count(&cv, OP_START, "update"), 3);
	assert_int_equal(cv.nwaves, WAVE_UPDATE + 3);	/* parallelism 1 */
	for (size_t i = 0; i < cv.nops; i++) {
		assert_true(cv.ops[i].wave >= WAVE_UPDATE);
		assert_string_equal(cv.ops[i].svc->name, "web");	/* agent untouched */
	}
	converge_free(&cv);
	world_free(r);
}

/* A rollback plans twice on one observation: the second plan must see the
 * engine labels the first one saw. */
static void test_planning_twice_keeps_engine_labels(void **state)
{
	(void)state;
	struct run *r = world();
	struct docker_info *east = &r->views[1].info;
	east->labels = xcalloc(1, sizeof(*east->labels));
	east->labels[0] = (struct kv){ xstrdup("zone"), xstrdup("east") };
	east->nlabels = 1;
	set_stack_yaml(r, "name: app\nservices:\n  web:\n    image: busybox\n    deploy:\n"
		       "      replicas: 2\n      placement: { constraints: [engine.labels.zone == east] }\n");
	for (int round = 0; round < 2; round++) {
		struct converge cv;
		plan(r, &cv);
		assert_int_equal(count(&cv, OP_START, "new"), 2);
		for (size_t i = 0; i < cv.nops; i++)
			assert_int_equal(cv.ops[i].host, 1);
		converge_free(&cv);
	}
	assert_string_equal(east->labels[0].key, "zone");
	assert_string_equal(east->labels[0].value, "east");
	world_free(r);
}

/* Issue 15.11: a node the inventory does not list (a typo, a partial
 * inventory) is not unreachable: its tasks stay, their service is left as
 * it is, and the plan says why. */
static void test_node_missing_from_inventory_keeps_its_tasks(void **state)
{
	(void)state;
	struct run *r = world();
	struct converge cv;
	deployed(r);
	struct state_task *t = task_of(r, "web");
	free(t->node);
	t->node = xstrdup("h9");
	plan(r, &cv);
	/* Nothing starts in its place; only its container on the host the
	 * record no longer names goes, as a stale copy. */
	assert_int_equal(count(&cv, OP_START, NULL), 0);
	assert_int_equal(count(&cv, OP_STOP, NULL), 1);
	assert_int_equal(count(&cv, OP_STOP, "stale copy"), 1);
	assert_int_equal(cv.npending, 1);
	assert_non_null(strstr(sb_str(&cv.pending), "is on h9, which is not in the inventory"));
	assert_non_null(state_find_task(&r->st, t->id));
	converge_free(&cv);
	world_free(r);
}

/* run_set_stack keeps the run's models parallel to the state's stacks
 * (the INVARIANT in engine/run.h): a new stack at the end, a replaced one
 * in place. */
static void put_stack(struct run *r, const char *name, const char *image)
{
	struct compose_opts co = { .name = name, .quiet = true, .working_dir = "/" };
	char *yaml = xasprintf("services:\n  s:\n    image: %s\n", image);
	struct stack *st = NULL;
	struct strbuf err = STRBUF_INIT, json = STRBUF_INIT;
	assert_int_equal(compose_load_buffer("x.yml", yaml, strlen(yaml), &co, &st, &err), 0);
	compose_write_json(st, &json);
	assert_int_equal(run_set_stack(r, st, json.buf), 0);
	stack_free(st);
	sb_free(&json);
	sb_free(&err);
	free(yaml);
}

static void test_run_stacks_stay_parallel(void **state)
{
	(void)state;
	struct run *r = world();
	put_stack(r, "zeta", "busybox:1");
	put_stack(r, "beta", "busybox:1");
	put_stack(r, "zeta", "busybox:2");
	assert_int_equal(r->st.nstacks, 3);
	for (size_t i = 0; i < r->st.nstacks; i++)
		assert_string_equal(r->stacks[i]->name, r->st.stacks[i].name);
	assert_string_equal(r->st.stacks[1].name, "zeta");
	assert_string_equal(r->stacks[1]->services[0].image, "busybox:2");
	world_free(r);
}

/* Every reason has its words; the scheduler's own reason is printed as
 * it gave it. */
static void test_op_reason_names(void **state)
{
	(void)state;
	for (int why = 0; why < WHY_NREASONS; why++) {
		struct op op = { .why = (enum op_reason)why };
		assert_non_null(op_why(&op));
		assert_string_not_equal(op_why(&op), "unknown");
	}
	struct op op = { .why = WHY_RESTART };
	assert_string_equal(op_why(&op), "restart");
	op = (struct op){ .why = WHY_SCHEDULER, .sched_reason = "node drained" };
	assert_string_equal(op_why(&op), "node drained");
	op = (struct op){ .why = WHY_NREASONS };
	assert_string_equal(op_why(&op), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh_deploy_then_stable),
		cmocka_unit_test(test_restart_policy),
		cmocka_unit_test(test_container_phases_in_plan),
		cmocka_unit_test(test_restart_delay),
		cmocka_unit_test(test_restart_delay_by_host_clock),
		cmocka_unit_test(test_observation_reads_host_clock),
		cmocka_unit_test(test_op_result_markers),
		cmocka_unit_test(test_op_reason_names),
		cmocka_unit_test(test_run_stacks_stay_parallel),
		cmocka_unit_test(test_engine_restarts_count),
		cmocka_unit_test(test_restart_policy_updated_in_place),
		cmocka_unit_test(test_orphans_and_lost_containers),
		cmocka_unit_test(test_unreachable_host_moves_replicated_tasks),
		cmocka_unit_test(test_changed_spec_rolls_one_by_one),
		cmocka_unit_test(test_planning_twice_keeps_engine_labels),
		cmocka_unit_test(test_node_missing_from_inventory_keeps_its_tasks),
	};
	return cmocka_run_group_tests_name("converge", tests, NULL, NULL);
}
