/* engine/converge: state + observation -> container operations, without
 * any host: a run is built in memory (inventory, views, state, stacks) and
 * "applied" by recording what the operations would have done. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/converge.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char inventory_text[] = "[managers]\nh1\n[workers]\nh2\nh3\n";

static const char base_stack[] =
	"name: app\n"
	"services:\n"
	"  web:\n"
	"    image: busybox:latest\n"
	"    environment: { V: \"%s\" }\n"
	"    deploy:\n"
	"      replicas: 3\n"
	"      restart_policy: { condition: on-failure, delay: %s, max_attempts: 2 }\n"
	"  agent:\n"
	"    image: busybox:latest\n"
	"    deploy: { mode: global }\n";

/* Put a stack into the run as deploy does: state documents and models. */
static void set_stack_yaml(struct run *r, const char *yaml)
{
	struct compose_opts co = { .name = "app", .quiet = true, .working_dir = "/" };
	struct stack *st = NULL;
	struct strbuf err = STRBUF_INIT, json = STRBUF_INIT;
	assert_int_equal(compose_load_buffer("app.yml", yaml, strlen(yaml), &co, &st, &err), 0);
	compose_write_json(st, &json);
	state_set_stack(&r->st, "app", json.buf);
	for (size_t i = 0; i < st->nservices; i++) {
		struct strbuf spec = STRBUF_INIT;
		compose_service_json(st, &st->services[i], &spec);
		assert_non_null(state_set_service(&r->st, "app", st->services[i].name, spec.buf, &err));
		sb_free(&spec);
	}
	if (r->stacks)
		stack_free(r->stacks[0]);
	else
		r->stacks = xcalloc(1, sizeof(*r->stacks));
	r->stacks[0] = st;
	sb_free(&json);
	sb_free(&err);
}

static void set_stack(struct run *r, const char *version, const char *delay)
{
	char *yaml = xasprintf(base_stack, version, delay);
	set_stack_yaml(r, yaml);
	free(yaml);
}

static struct run *world(void)
{
	struct run *r = xcalloc(1, sizeof(*r));
	struct strbuf err = STRBUF_INIT;
	run_init(r);
	assert_int_equal(inventory_load_buffer("inv", inventory_text, strlen(inventory_text),
					       &r->inv, &err), 0);
	r->fleet.n = r->inv.nhosts;
	r->fleet.hosts = xcalloc(r->fleet.n, sizeof(*r->fleet.hosts));
	r->index = xcalloc(r->fleet.n, sizeof(*r->index));
	r->views = xcalloc(r->fleet.n, sizeof(*r->views));
	for (size_t i = 0; i < r->fleet.n; i++) {
		r->fleet.hosts[i].target.name = xstrdup(r->inv.hosts[i].name);
		r->fleet.hosts[i].target.address = xstrdup(r->inv.hosts[i].name);
		sb_init(&r->fleet.hosts[i].error);
		r->index[i] = i;
		sb_init(&r->views[i].detail);
		r->views[i].info.version = xstrdup("20.10.24");
		r->views[i].info.os_type = xstrdup("linux");
		r->views[i].info.arch = xstrdup("x86_64");
		r->views[i].info.ncpu = 2;
		r->views[i].info.mem_total = 8LL << 30;
	}
	run_index_hosts(r);
	r->st.cluster = xstrdup("default");
	r->st.cluster_id = xstrdup("0123456789abcdef0123456789abcdef");
	set_stack(r, "1", "0s");
	sb_free(&err);
	return r;
}

static void world_free(struct run *r)
{
	run_close(r);
	free(r);
}

/* Give a host a container as docker inspect would show it. */
static void observe(struct run *r, size_t host, const struct state_task *t, const char *state,
		    int exit_code, const char *finished)
{
	struct host_view *v = &r->views[host];
	v->containers = xrealloc(v->containers, (v->ncontainers + 1) * sizeof(*v->containers));
	struct observed *o = &v->containers[v->ncontainers++];
	memset(o, 0, sizeof(*o));
	o->name = xasprintf("%s_%s.%d.%s", t->stack, t->service, t->slot, t->id);
	o->stack = xstrdup(t->stack);
	o->service = xstrdup(t->service);
	o->task_id = xstrdup(t->id);
	o->hash = xstrdup(t->hash);
	o->slot = t->slot;
	o->state = xstrdup(state);
	o->exit_code = exit_code;
	o->finished_at = xstrdup(finished);
}

/* What converge_apply would record, with every container running. */
static void apply(struct run *r, struct converge *cv)
{
	for (size_t i = 0; i < cv->nops; i++) {
		struct op *op = &cv->ops[i];
		if (op->kind == OP_START) {
			state_add_task(&r->st, &op->task);
			observe(r, op->host, &op->task, "running", 0, "0001-01-01T00:00:00Z");
		} else if (op->kind == OP_STOP && op->task.id) {
			state_remove_task(&r->st, op->task.id);
		}
	}
}

static void plan(struct run *r, struct converge *cv)
{
	struct strbuf err = STRBUF_INIT;
	struct converge_opts o = { .remove_orphans = 1 };
	assert_int_equal(converge_plan(r, &o, cv, &err), 0);
	sb_free(&err);
}

static size_t count(const struct converge *cv, enum op_kind kind, const char *why)
{
	size_t n = 0;
	for (size_t i = 0; i < cv->nops; i++)
		n += cv->ops[i].kind == kind && (!why || streq(cv->ops[i].why, why));
	return n;
}

static void deployed(struct run *r)
{
	struct converge cv;
	plan(r, &cv);
	apply(r, &cv);
	converge_free(&cv);
}

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

static struct state_task *task_of(struct run *r, const char *service)
{
	for (size_t i = 0; i < r->st.ntasks; i++)
		if (streq(r->st.tasks[i].service, service))
			return &r->st.tasks[i];
	return NULL;
}

/* Mark the observed container of t exited with the code. */
static void exit_task(struct run *r, const struct state_task *t, int code, const char *finished)
{
	long h = run_host(r, t->node);
	struct observed *o = (struct observed *)view_find_task(&r->views[h], t->id);
	free(o->state);
	free(o->finished_at);
	o->state = xstrdup("exited");
	o->exit_code = code;
	o->finished_at = xstrdup(finished);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh_deploy_then_stable),
		cmocka_unit_test(test_restart_policy),
		cmocka_unit_test(test_restart_delay),
		cmocka_unit_test(test_restart_delay_by_host_clock),
		cmocka_unit_test(test_observation_reads_host_clock),
		cmocka_unit_test(test_op_result_markers),
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
