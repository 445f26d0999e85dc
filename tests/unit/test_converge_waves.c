/* Rolling updates and the stack's lifetime, without any host (see
 * converge_world.h): update_config's parallelism and order as waves,
 * max_failure_ratio and failure_action after a failed batch, the
 * restart_policy window, and what deploy removes or keeps with and without
 * --prune. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "converge_world.h"
#include "cmd/deploy_int.h"
#include "engine/apply_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* web and api: 3 replicas each, with the update_config given (a flow
 * mapping's members); agent: global, never changed. V changes a spec. */
static void set_update_stack(struct run *r, const char *version, const char *web_update,
			     const char *api_update, const char *web_extra)
{
	char *yaml = xasprintf(
		"name: app\n"
		"services:\n"
		"  web:\n"
		"    image: busybox:latest\n"
		"    environment: { V: \"%s\" }\n"
		"%s"
		"    deploy:\n"
		"      replicas: 3\n"
		"      update_config: { %s }\n"
		"  api:\n"
		"    image: busybox:latest\n"
		"    environment: { V: \"%s\" }\n"
		"    deploy:\n"
		"      replicas: 3\n"
		"      update_config: { %s }\n"
		"  agent:\n"
		"    image: busybox:latest\n"
		"    deploy: { mode: global }\n",
		version, web_extra, web_update, version, api_update);
	set_stack_yaml(r, yaml);
	free(yaml);
}

/* A world where web and api run at version 1 and their specs changed to
 * version 2: cv holds the rolling update. */
static struct run *updating(struct converge *cv, const char *web_update, const char *api_update,
			    const char *web_extra)
{
	struct run *r = world();
	set_update_stack(r, "1", web_update, api_update, web_extra);
	deployed(r);
	set_update_stack(r, "2", web_update, api_update, web_extra);
	plan(r, cv);
	return r;
}

static size_t in_wave(const struct converge *cv, int wave, const char *svc, enum op_kind kind)
{
	size_t n = 0;
	for (size_t i = 0; i < cv->nops; i++)
		n += cv->ops[i].wave == wave && cv->ops[i].kind == kind &&
		     streq(cv->ops[i].svc->name, svc);
	return n;
}

/* --- parallelism and order ------------------------------------------------- */

static void test_parallelism_sets_the_batches(void **state)
{
	(void)state;
	struct converge cv;
	struct run *r = updating(&cv, "parallelism: 2", "parallelism: 0", "");
	/* web: 2 then 1; api (0: all at once): 3 in the first batch. */
	assert_int_equal(cv.nwaves, WAVE_UPDATE + 2);
	assert_int_equal(in_wave(&cv, WAVE_UPDATE, "web", OP_STOP), 2);
	assert_int_equal(in_wave(&cv, WAVE_UPDATE, "web", OP_START), 2);
	assert_int_equal(in_wave(&cv, WAVE_UPDATE + 1, "web", OP_STOP), 1);
	assert_int_equal(in_wave(&cv, WAVE_UPDATE + 1, "web", OP_START), 1);
	assert_int_equal(in_wave(&cv, WAVE_UPDATE, "api", OP_STOP), 3);
	assert_int_equal(in_wave(&cv, WAVE_UPDATE, "api", OP_START), 3);
	assert_int_equal(count(&cv, OP_START, NULL), 6);	/* agent untouched */
	converge_free(&cv);
	world_free(r);
}

/* Per updated slot of svc: 1 if its new copy comes before the old one's
 * stop in the operations (what the wave's host script runs in order), 0
 * if after. Every slot must agree. */
static int starts_first(const struct converge *cv, const char *svc)
{
	int verdict = -1;
	for (size_t i = 0; i < cv->nops; i++) {
		const struct op *a = &cv->ops[i];
		if (!streq(a->svc->name, svc) || a->kind == OP_UPDATE)
			continue;
		for (size_t j = i + 1; j < cv->nops; j++) {
			const struct op *b = &cv->ops[j];
			if (b->svc != a->svc || b->task.slot != a->task.slot || b->kind == a->kind)
				continue;
			assert_int_equal(a->wave, b->wave);	/* one batch */
			int first = a->kind == OP_START;
			if (verdict >= 0 && verdict != first)
				fail_msg("%s: slot %d orders its start and stop differently", svc, a->task.slot);
			verdict = first;
		}
	}
	assert_true(verdict >= 0);
	return verdict;
}

static void test_order_stop_first_and_start_first(void **state)
{
	(void)state;
	struct converge cv;
	struct run *r = updating(&cv, "order: start-first", "order: stop-first", "");
	assert_int_equal(starts_first(&cv, "web"), 1);
	assert_int_equal(starts_first(&cv, "api"), 0);
	converge_free(&cv);
	world_free(r);
	/* Unset: swarm's default, stop-first. */
	r = updating(&cv, "parallelism: 1", "delay: 0s", "");
	assert_int_equal(starts_first(&cv, "web"), 0);
	assert_int_equal(starts_first(&cv, "api"), 0);
	converge_free(&cv);
	world_free(r);
}

/* A port published on the host is still held by the old copy on the same
 * node: start-first would fail there, so that task stops first. */
static void test_start_first_with_a_host_port_stops_first(void **state)
{
	(void)state;
	struct converge cv;
	struct run *r = updating(&cv, "order: start-first", "order: start-first",
				 "    ports: [ { target: 80, published: 8080, mode: host } ]\n");
	assert_int_equal(starts_first(&cv, "web"), 0);
	assert_int_equal(starts_first(&cv, "api"), 1);
	converge_free(&cv);
	world_free(r);
}

/* --- max_failure_ratio and failure_action ----------------------------------- */

/* What converge_apply does after each update batch with these failures. */
static void expect_actions(const char *web_update, const char *api_update, const size_t *failures,
			   const char *const *actions, size_t n)
{
	struct converge cv;
	struct run *r = updating(&cv, web_update, api_update, "");
	size_t update_failed = 0;
	for (size_t k = 0; k < n; k++) {
		const char *got = failure_action_name(after_update_wave(&cv, WAVE_UPDATE + (int)k, failures[k], &update_failed));
		if (!streq(got, actions[k]))
			fail_msg("%s / %s: batch %zu with %zu failed: %s, expected %s",
				 web_update, api_update, k, failures[k], got, actions[k]);
	}
	converge_free(&cv);
	world_free(r);
}

static void test_failure_action(void **state)
{
	(void)state;
	/* Without max_failure_ratio any failure acts; pause by default. */
	expect_actions("parallelism: 1", "parallelism: 1", (size_t[]){ 0, 1 },
		       (const char *[]){ "continue", "pause" }, 2);
	expect_actions("failure_action: rollback", "failure_action: rollback", (size_t[]){ 1 },
		       (const char *[]){ "rollback" }, 1);
	expect_actions("failure_action: continue", "failure_action: continue", (size_t[]){ 1, 2 },
		       (const char *[]){ "continue", "continue" }, 2);
	/* A batch holds a task of each service: one asking for rollback
	 * wins; "continue" needs every service to say it. */
	expect_actions("failure_action: continue", "failure_action: rollback", (size_t[]){ 1 },
		       (const char *[]){ "rollback" }, 1);
	expect_actions("failure_action: continue", "parallelism: 1", (size_t[]){ 1 },
		       (const char *[]){ "pause" }, 1);
}

static void test_max_failure_ratio(void **state)
{
	(void)state;
	/* 6 update tasks (3 batches of 2): 2 failures are 1/3. */
	const char *tolerant = "max_failure_ratio: 0.4, failure_action: rollback";
	expect_actions(tolerant, tolerant, (size_t[]){ 1, 1, 1 },
		       (const char *[]){ "continue", "continue", "rollback" }, 3);
	/* The failures add up across batches: 1 + 2 = 3 of 6 > 0.4. */
	expect_actions(tolerant, tolerant, (size_t[]){ 1, 0, 2 },
		       (const char *[]){ "continue", "continue", "rollback" }, 3);
	/* Exactly at the ratio still goes on. */
	const char *half = "max_failure_ratio: 0.5";
	expect_actions(half, half, (size_t[]){ 3, 1 }, (const char *[]){ "continue", "pause" }, 2);
}

/* The waves before the rolling update (new, moved, removed tasks) never
 * stop the run, whatever failed in them. */
static void test_failures_outside_an_update_go_on(void **state)
{
	(void)state;
	struct converge cv;
	struct run *r = updating(&cv, "parallelism: 1", "parallelism: 1", "");
	size_t update_failed = 0;
	assert_int_equal(after_update_wave(&cv, WAVE_FIRST, 5, &update_failed), FAILURE_CONTINUE);
	assert_int_equal(after_update_wave(&cv, WAVE_MOVED, 5, &update_failed), FAILURE_CONTINUE);
	assert_int_equal(update_failed, 0);
	converge_free(&cv);
	world_free(r);
}

/* --- restart_policy window --------------------------------------------------- */

/* web: max_attempts 1, and a window when given; its first task has used
 * its attempt (restarted once, last at restarted_ago seconds) and exits 1. */
static size_t restarts_planned(const char *window, long long restarted_ago)
{
	struct run *r = world();
	struct converge cv;
	char *yaml = xasprintf("name: app\nservices:\n  web:\n    image: busybox:latest\n"
			       "    deploy:\n      replicas: 3\n      restart_policy: { condition: "
			       "on-failure, delay: 0s, max_attempts: 1%s%s }\n"
			       "  agent:\n    image: busybox:latest\n    deploy: { mode: global }\n",
			       window ? ", window: " : "", window ? window : "");
	set_stack_yaml(r, yaml);
	free(yaml);
	deployed(r);
	struct state_task *t = task_of(r, "web");
	t->restarts = 1;
	t->last_restart = (long long)time(NULL) - restarted_ago;
	exit_task(r, t, 1, "2020-01-01T00:00:00Z");
	plan(r, &cv);
	size_t n = count(&cv, OP_START, "restart");
	converge_free(&cv);
	world_free(r);
	return n;
}

static void test_restart_window(void **state)
{
	(void)state;
	/* Inside the window the attempt counts: no more restarts. */
	assert_int_equal(restarts_planned("1m", 10), 0);
	/* Past it, the count starts again. */
	assert_int_equal(restarts_planned("1m", 3600), 1);
	/* Without a window every attempt counts, however old. */
	assert_int_equal(restarts_planned(NULL, 3600), 0);
}

/* --- deploy: --prune removes, without it services are kept ------------------- */

/* The stack file no longer lists agent: with --prune deploy puts the
 * file's document into the run as it is. */
static void test_prune_removes_unlisted_services(void **state)
{
	(void)state;
	struct run *r = world();
	struct converge cv;
	struct stack *file_st = NULL;
	deployed(r);
	struct strbuf err = STRBUF_INIT, json = STRBUF_INIT;
	static const char file[] = "name: app\nservices:\n  web:\n    image: busybox:latest\n"
				   "    environment: { V: \"1\" }\n    deploy:\n      replicas: 3\n"
				   "      restart_policy: { condition: on-failure, delay: 0s, max_attempts: 2 }\n";
	struct compose_opts co = { .name = "app", .quiet = true, .working_dir = "/" };
	assert_int_equal(compose_load_buffer("app.yml", file, strlen(file), &co, &file_st, &err), 0);
	compose_write_json(file_st, &json);
	assert_int_equal(run_set_stack(r, file_st, json.buf), 0);
	assert_null(state_find_service(&r->st, "app", "agent"));
	assert_non_null(state_find_service(&r->st, "app", "web"));
	plan(r, &cv);
	/* agent's task on each host stops; web, unchanged, is left alone. */
	assert_int_equal(cv.nops, 3);
	for (size_t i = 0; i < cv.nops; i++) {
		assert_int_equal(cv.ops[i].kind, OP_STOP);
		assert_string_equal(cv.ops[i].task.service, "agent");
		assert_string_equal(op_why(&cv.ops[i]), "service removed");
	}
	converge_free(&cv);
	stack_free(file_st);
	sb_free(&json);
	sb_free(&err);
	world_free(r);
}

/* Without --prune the previous document's agent is put back (and named);
 * the merged document keeps web as the file says. */
static void test_without_prune_unlisted_services_are_kept(void **state)
{
	(void)state;
	struct run *r = world();
	struct stack *file_st = NULL;
	struct strbuf err = STRBUF_INIT, json = STRBUF_INIT, kept = STRBUF_INIT;
	static const char file[] = "name: app\nservices:\n  web:\n    image: busybox:latest\n"
				   "    environment: { V: \"9\" }\n";
	struct compose_opts co = { .name = "app", .quiet = true, .working_dir = "/" };
	assert_int_equal(compose_load_buffer("app.yml", file, strlen(file), &co, &file_st, &err), 0);
	compose_write_json(file_st, &json);
	const struct state_stack *old = state_find_stack(&r->st, "app");
	assert_non_null(old);
	char *merged = deploy_keep_unlisted(old->spec_json, json.buf, file_st, &kept);
	assert_non_null(merged);
	assert_string_equal(sb_str(&kept), " agent");
	struct stack *st = run_load_stack_json("app", merged);
	assert_non_null(st);
	assert_int_equal(st->nservices, 2);
	assert_non_null(stack_service(st, "agent"));
	const struct service *web = stack_service(st, "web");
	assert_non_null(web);
	assert_string_equal(web->environment.v[0].value, "9");
	/* Nothing unlisted: nothing merged. */
	sb_reset(&kept);
	assert_null(deploy_keep_unlisted(merged, merged, st, &kept));
	assert_int_equal(kept.len, 0);
	stack_free(st);
	free(merged);
	stack_free(file_st);
	sb_free(&json);
	sb_free(&kept);
	sb_free(&err);
	world_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parallelism_sets_the_batches),
		cmocka_unit_test(test_order_stop_first_and_start_first),
		cmocka_unit_test(test_start_first_with_a_host_port_stops_first),
		cmocka_unit_test(test_failure_action),
		cmocka_unit_test(test_max_failure_ratio),
		cmocka_unit_test(test_failures_outside_an_update_go_on),
		cmocka_unit_test(test_restart_window),
		cmocka_unit_test(test_prune_removes_unlisted_services),
		cmocka_unit_test(test_without_prune_unlisted_services_are_kept),
	};
	return cmocka_run_group_tests_name("converge waves", tests, NULL, NULL);
}
