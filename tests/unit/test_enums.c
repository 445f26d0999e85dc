/* Enums at the edges (util/words.h): every parser against every word it
 * knows and against words it does not, each name function back, and the
 * one rule (container_phase) that every reader of a container's state
 * decides by. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "compose/compose.h"
#include "docker/observe.h"
#include "engine/tasks.h"
#include "state/state.h"
#include "util/util.h"
#include "util/words.h"

#include <stdlib.h>
#include <string.h>

static void test_word_index(void **state)
{
	(void)state;
	static const char *const words[] = { "a", NULL, "c" };
	assert_int_equal(word_index(words, 3, "a"), 0);
	assert_int_equal(word_index(words, 3, "c"), 2);
	assert_int_equal(word_index(words, 2, "c"), -1);
	assert_int_equal(word_index(words, 3, "b"), -1);
	assert_int_equal(word_index(words, 3, NULL), -1);
}

static void test_container_state_words(void **state)
{
	(void)state;
	static const char *const docker[] = { "created", "running", "restarting", "paused",
					      "removing", "exited", "dead" };
	for (size_t i = 0; i < ARRAY_SIZE(docker); i++) {
		enum container_state s = container_state_parse(docker[i]);
		assert_int_not_equal(s, CONTAINER_UNKNOWN);
		assert_string_equal(container_state_name(s), docker[i]);
	}
	assert_int_equal(container_state_parse(NULL), CONTAINER_UNKNOWN);
	assert_int_equal(container_state_parse("hibernating"), CONTAINER_UNKNOWN);
	assert_int_equal(container_state_parse("unknown"), CONTAINER_UNKNOWN);
	assert_int_equal(container_state_parse("Running"), CONTAINER_UNKNOWN);
	assert_string_equal(container_state_name(CONTAINER_UNKNOWN), "unknown");
	assert_string_equal(container_state_name((enum container_state)99), "unknown");
}

static void test_container_health_words(void **state)
{
	(void)state;
	static const char *const docker[] = { "starting", "healthy", "unhealthy" };
	for (size_t i = 0; i < ARRAY_SIZE(docker); i++) {
		enum container_health h = container_health_parse(docker[i]);
		assert_true(h != HEALTH_NONE && h != HEALTH_UNKNOWN);
		assert_string_equal(container_health_name(h), docker[i]);
	}
	assert_int_equal(container_health_parse(NULL), HEALTH_NONE);
	assert_int_equal(container_health_parse("none"), HEALTH_NONE);
	assert_int_equal(container_health_parse("sickly"), HEALTH_UNKNOWN);
	assert_int_equal(container_health_parse("unknown"), HEALTH_UNKNOWN);
	assert_string_equal(container_health_name((enum container_health)99), "unknown");
}

static void test_container_event_words(void **state)
{
	(void)state;
	static const char *const docker[] = { "start", "die", "oom", "destroy",
					      "health_status: unhealthy" };
	for (size_t i = 0; i < ARRAY_SIZE(docker); i++) {
		enum container_event e = container_event_parse(docker[i]);
		assert_int_not_equal(e, EVENT_OTHER);
		assert_string_equal(container_event_name(e), docker[i]);
	}
	/* actions the watcher leaves alone */
	static const char *const other[] = { "create", "kill", "stop", "health_status: healthy",
					     "exec_start: sh", "", "Die" };
	for (size_t i = 0; i < ARRAY_SIZE(other); i++)
		assert_int_equal(container_event_parse(other[i]), EVENT_OTHER);
	assert_int_equal(container_event_parse(NULL), EVENT_OTHER);
	assert_null(container_event_name(EVENT_OTHER));
}

/* docker inspect with a State that has no Status, or one no engine
 * documents: parsed as unknown (a plan on it used to strcmp NULL). */
static void test_inspect_state_unknown(void **state)
{
	(void)state;
	static const char doc[] =
		"[{\"Id\":\"a\",\"Name\":\"/a\",\"State\":{\"ExitCode\":0}},"
		"{\"Id\":\"b\",\"Name\":\"/b\",\"State\":{\"Status\":\"hibernating\","
		"\"Health\":{\"Status\":\"none\"}}},"
		"{\"Id\":\"c\",\"Name\":\"/c\",\"State\":{\"Status\":\"running\","
		"\"Health\":{\"Status\":\"unhealthy\"}}}]";
	struct observed *o;
	size_t n;
	struct strbuf err = STRBUF_INIT;
	assert_int_equal(docker_observe_parse(doc, strlen(doc), &o, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(o[0].state, CONTAINER_UNKNOWN);
	assert_int_equal(o[0].health, HEALTH_NONE);
	assert_int_equal(o[1].state, CONTAINER_UNKNOWN);
	assert_int_equal(o[1].health, HEALTH_NONE);
	assert_int_equal(o[2].state, CONTAINER_RUNNING);
	assert_int_equal(o[2].health, HEALTH_UNHEALTHY);
	docker_observed_free(o, n);
	sb_free(&err);
}

/* The whole table of the shared rule, and what the listings make of it. */
static void test_phase_table(void **state)
{
	(void)state;
	static const struct {
		enum container_state s;
		enum container_health h;
		enum container_phase phase;
		const char *word;	/* task_state_word */
		int running;		/* task_running */
	} cases[] = {
		{ CONTAINER_RUNNING, HEALTH_NONE, PHASE_RUNNING, "running", 1 },
		{ CONTAINER_RUNNING, HEALTH_HEALTHY, PHASE_RUNNING, "running", 1 },
		{ CONTAINER_RUNNING, HEALTH_STARTING, PHASE_STARTING, "starting", 0 },
		{ CONTAINER_RUNNING, HEALTH_UNKNOWN, PHASE_STARTING, "starting", 0 },
		{ CONTAINER_RUNNING, HEALTH_UNHEALTHY, PHASE_UNHEALTHY, "running", 0 },
		{ CONTAINER_CREATED, HEALTH_NONE, PHASE_STARTING, "starting", 0 },
		{ CONTAINER_RESTARTING, HEALTH_NONE, PHASE_STARTING, "starting", 0 },
		{ CONTAINER_EXITED, HEALTH_NONE, PHASE_ENDED, "exited", 0 },
		{ CONTAINER_EXITED, HEALTH_HEALTHY, PHASE_ENDED, "exited", 0 },
		{ CONTAINER_DEAD, HEALTH_NONE, PHASE_ENDED, "dead", 0 },
		{ CONTAINER_REMOVING, HEALTH_NONE, PHASE_ENDED, "removing", 0 },
		{ CONTAINER_PAUSED, HEALTH_HEALTHY, PHASE_HELD, "paused", 0 },
		{ CONTAINER_UNKNOWN, HEALTH_NONE, PHASE_HELD, "unknown", 0 },
	};
	struct host_view v;
	memset(&v, 0, sizeof(v));
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct observed c = { .state = cases[i].s, .health = cases[i].h };
		struct task_row row = { .view = &v, .c = &c };
		assert_int_equal(container_phase(&c), cases[i].phase);
		assert_string_equal(task_state_word(&row), cases[i].word);
		assert_int_equal(task_running(&row), cases[i].running);
	}
	struct task_row gone = { .view = &v };
	assert_int_equal(container_phase(NULL), PHASE_GONE);
	assert_string_equal(task_state_word(&gone), "missing");
	assert_int_equal(task_running(&gone), 0);
}

/* CURRENT STATE and ERROR as ps prints them, from the enums. */
static void test_current_state_text(void **state)
{
	(void)state;
	static const struct {
		enum container_state s;
		enum container_health h;
		int exit_code;
		const char *current, *error;
	} cases[] = {
		{ CONTAINER_RUNNING, HEALTH_HEALTHY, 0, "Running (healthy)", "" },
		{ CONTAINER_RUNNING, HEALTH_UNHEALTHY, 0, "Running (unhealthy)", "task: unhealthy container" },
		{ CONTAINER_RUNNING, HEALTH_STARTING, 0, "Starting", "" },
		{ CONTAINER_RUNNING, HEALTH_NONE, 0, "Running", "" },
		{ CONTAINER_CREATED, HEALTH_NONE, 0, "Starting", "" },
		{ CONTAINER_EXITED, HEALTH_NONE, 3, "Exited (3)", "task: non-zero exit (3)" },
		{ CONTAINER_DEAD, HEALTH_NONE, 0, "Dead (0)", "" },
		/* the last health of a container that ended is not its state
		 * (node ps printed "healthy" for this one) */
		{ CONTAINER_DEAD, HEALTH_HEALTHY, 0, "Dead (0)", "" },
		{ CONTAINER_EXITED, HEALTH_UNHEALTHY, 1, "Exited (1)", "task: non-zero exit (1)" },
		{ CONTAINER_PAUSED, HEALTH_NONE, 0, "Paused", "" },
		{ CONTAINER_REMOVING, HEALTH_NONE, 0, "Removing", "" },
		{ CONTAINER_UNKNOWN, HEALTH_NONE, 0, "Unknown", "" },
	};
	struct host_view v;
	memset(&v, 0, sizeof(v));
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct observed c = { .state = cases[i].s, .health = cases[i].h,
				      .exit_code = cases[i].exit_code };
		struct task_row row = { .view = &v, .c = &c };
		struct strbuf cur = STRBUF_INIT, err = STRBUF_INIT;
		task_current_state(&row, 0, &cur);
		task_error(&row, &err);
		assert_string_equal(sb_str(&cur), cases[i].current);
		assert_string_equal(sb_str(&err), cases[i].error);
		sb_free(&cur);
		sb_free(&err);
	}
}

/* --- the stack file: restart_policy.condition, failure_action ---------- */

static const struct compose_opts quiet = { .quiet = true, .working_dir = "/w", .name = "t" };

static int load_deploy(const char *deploy, struct stack **st, struct strbuf *err)
{
	char *yaml = xasprintf("services:\n  s:\n    image: x\n    deploy: %s\n", deploy);
	int rc = compose_load_buffer("t.yml", yaml, strlen(yaml), &quiet, st, err);
	free(yaml);
	return rc;
}

/* Each word in, the enum, and the same word out in the stored document. */
static void expect_word(const char *deploy, const char *word, int (*get)(const struct deploy *),
			int want)
{
	struct stack *st = NULL;
	struct strbuf err = STRBUF_INIT, json = STRBUF_INIT;
	char *doc = xasprintf(deploy, word);
	if (load_deploy(doc, &st, &err) != 0)
		fail_msg("%s: %s", doc, err.buf);
	assert_int_equal(get(&st->services[0].deploy), want);
	compose_write_json(st, &json);
	char *quoted = xasprintf("\"%s\"", word);
	assert_non_null(strstr(json.buf, quoted));
	free(quoted);
	free(doc);
	sb_free(&json);
	sb_free(&err);
	stack_free(st);
}

static int condition_of(const struct deploy *d) { return (int)d->restart_policy.condition; }
static int update_action_of(const struct deploy *d) { return (int)d->update_config.failure_action; }
static int rollback_action_of(const struct deploy *d) { return (int)d->rollback_config.failure_action; }
static int update_order_of(const struct deploy *d) { return (int)d->update_config.order; }
static int mode_of(const struct deploy *d) { return (int)d->mode; }

static const char *condition_name(int v) { return restart_condition_name((enum restart_condition)v); }
static const char *action_name(int v) { return failure_action_name((enum failure_action)v); }
static const char *order_name(int v) { return update_order_name((enum update_order)v); }
static const char *mode_name(int v) { return deploy_mode_name((enum deploy_mode)v); }

/* Every word each stack-file enum knows: in, its value, out again. */
static void test_stack_file_words(void **state)
{
	(void)state;
	static const struct {
		const char *deploy, *word;
		int (*get)(const struct deploy *);
		const char *(*name)(int);
		int want;
	} cases[] = {
		{ "{restart_policy: {condition: %s}}", "none", condition_of, condition_name, CONDITION_NONE },
		{ "{restart_policy: {condition: %s}}", "on-failure", condition_of, condition_name,
		  CONDITION_ON_FAILURE },
		{ "{restart_policy: {condition: %s}}", "any", condition_of, condition_name, CONDITION_ANY },
		{ "{update_config: {failure_action: %s}}", "continue", update_action_of, action_name,
		  FAILURE_CONTINUE },
		{ "{update_config: {failure_action: %s}}", "rollback", update_action_of, action_name,
		  FAILURE_ROLLBACK },
		{ "{update_config: {failure_action: %s}}", "pause", update_action_of, action_name,
		  FAILURE_PAUSE },
		{ "{rollback_config: {failure_action: %s}}", "continue", rollback_action_of, action_name,
		  FAILURE_CONTINUE },
		{ "{rollback_config: {failure_action: %s}}", "rollback", rollback_action_of, action_name,
		  FAILURE_ROLLBACK },
		{ "{rollback_config: {failure_action: %s}}", "pause", rollback_action_of, action_name,
		  FAILURE_PAUSE },
		{ "{update_config: {order: %s}}", "stop-first", update_order_of, order_name, ORDER_STOP_FIRST },
		{ "{update_config: {order: %s}}", "start-first", update_order_of, order_name, ORDER_START_FIRST },
		{ "{mode: %s}", "replicated", mode_of, mode_name, MODE_REPLICATED },
		{ "{mode: %s}", "global", mode_of, mode_name, MODE_GLOBAL },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		expect_word(cases[i].deploy, cases[i].word, cases[i].get, cases[i].want);
		assert_string_equal(cases[i].name(cases[i].want), cases[i].word);
	}
	/* UNSET has no word: never written */
	assert_null(restart_condition_name(CONDITION_UNSET));
	assert_null(failure_action_name(FAILURE_UNSET));
	assert_null(update_order_name(ORDER_UNSET));
	assert_null(restart_condition_name(CONDITION_NWORDS));
	assert_null(deploy_mode_name(MODE_NWORDS));
}

/* Unset stays unset (swarm's defaults apply where decided), and is not
 * written back. */
static void test_unset_words(void **state)
{
	(void)state;
	struct stack *st = NULL;
	struct strbuf err = STRBUF_INIT, json = STRBUF_INIT;
	assert_int_equal(load_deploy("{restart_policy: {delay: 1s}, update_config: {delay: 1s}}", &st, &err), 0);
	assert_int_equal(st->services[0].deploy.restart_policy.condition, CONDITION_UNSET);
	assert_int_equal(st->services[0].deploy.update_config.failure_action, FAILURE_UNSET);
	assert_int_equal(st->services[0].deploy.update_config.order, ORDER_UNSET);
	compose_write_json(st, &json);
	assert_null(strstr(json.buf, "condition"));
	assert_null(strstr(json.buf, "failure_action"));
	assert_null(strstr(json.buf, "order"));
	sb_free(&json);
	sb_free(&err);
	stack_free(st);
}

/* An unknown word is refused with its place and the words allowed. */
static void test_unknown_words(void **state)
{
	(void)state;
	static const struct { const char *deploy, *want; } cases[] = {
		{ "{restart_policy: {condition: always}}",
		  "t.yml:4:42: services.s.deploy.restart_policy.condition: expected one of none, "
		  "on-failure, any, got \"always\"" },
		{ "{update_config: {failure_action: stop}}",
		  "t.yml:4:46: services.s.deploy.update_config.failure_action: expected one of "
		  "continue, rollback, pause, got \"stop\"" },
		{ "{update_config: {order: first}}",
		  "t.yml:4:37: services.s.deploy.update_config.order: expected one of stop-first, "
		  "start-first, got \"first\"" },
		{ "{rollback_config: {failure_action: Pause}}",
		  "t.yml:4:48: services.s.deploy.rollback_config.failure_action: expected one of "
		  "continue, rollback, pause, got \"Pause\"" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct stack *st = NULL;
		struct strbuf err = STRBUF_INIT;
		assert_int_equal(load_deploy(cases[i].deploy, &st, &err), -1);
		assert_string_equal(err.buf, cases[i].want);
		sb_free(&err);
	}
}

/* --- the state: node availability and role ------------------------------ */

/* A state with node h1 set to availability a and role r, as state.json. */
static void node_json(enum node_availability a, enum node_role r, struct strbuf *out)
{
	struct state st;
	memset(&st, 0, sizeof(st));
	st.version = 1;
	st.cluster = xstrdup("c");
	st.cluster_id = xstrdup("0123456789abcdef0123456789abcdef");
	struct state_node *n = state_node(&st, "h1");
	n->availability = a;
	n->role = r;
	state_write_json(&st, out);
	state_free(&st);
}

static void test_node_words_round_trip(void **state)
{
	(void)state;
	static const char *const avail[] = { NULL, "active", "pause", "drain" };
	static const char *const roles[] = { NULL, "manager", "worker" };
	for (int a = AVAIL_UNSET; a < AVAIL_NWORDS; a++) {
		for (int r = ROLE_UNSET; r < ROLE_NWORDS; r++) {
			struct strbuf json = STRBUF_INIT, again = STRBUF_INIT, err = STRBUF_INIT;
			struct state back;
			node_json((enum node_availability)a, (enum node_role)r, &json);
			assert_int_equal(state_parse(json.buf, json.len, &back, &err), 0);
			assert_int_equal(back.nodes[0].availability, a);
			assert_int_equal(back.nodes[0].role, r);
			state_write_json(&back, &again);
			assert_string_equal(json.buf, again.buf);	/* byte for byte */
			state_free(&back);
			sb_free(&json);
			sb_free(&again);
			sb_free(&err);
		}
		if (avail[a])
			assert_string_equal(node_availability_name((enum node_availability)a), avail[a]);
		assert_int_equal(node_availability_parse(avail[a]), a);
	}
	for (int r = ROLE_UNSET; r < ROLE_NWORDS; r++)
		if (roles[r])
			assert_string_equal(node_role_name((enum node_role)r), roles[r]);
	assert_null(node_availability_name(AVAIL_UNSET));
	assert_null(node_role_name(ROLE_UNSET));
	assert_int_equal(node_availability_parse("Drain"), AVAIL_UNSET);
	assert_int_equal(node_availability_parse(""), AVAIL_UNSET);
}

/* The words in state.json exactly as written; null is unset; anything
 * else is refused with its key path and the words allowed. */
static void test_node_words_refused(void **state)
{
	(void)state;
	static const struct { const char *from, *to, *want; } cases[] = {
		{ "\"availability\":\"drain\"", "\"availability\":\"away\"",
		  "nodes[0].availability: 'away' is not one of active pause drain" },
		{ "\"availability\":\"drain\"", "\"availability\":\"Drain\"",
		  "nodes[0].availability: 'Drain' is not one of active pause drain" },
		{ "\"role\":\"worker\"", "\"role\":\"boss\"",
		  "nodes[0].role: 'boss' is not one of manager worker" },
		{ "\"role\":\"worker\"", "\"role\":1", "nodes[0].role: expected a string" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf json = STRBUF_INIT, bad = STRBUF_INIT, err = STRBUF_INIT;
		struct state back;
		node_json(AVAIL_DRAIN, ROLE_WORKER, &json);
		const char *at = strstr(json.buf, cases[i].from);
		assert_non_null(at);
		sb_add(&bad, json.buf, (size_t)(at - json.buf));
		sb_adds(&bad, cases[i].to);
		sb_adds(&bad, at + strlen(cases[i].from));
		assert_int_equal(state_parse(bad.buf, bad.len, &back, &err), -1);
		if (!strstr(err.buf, cases[i].want))
			fail_msg("expected '%s' in '%s'", cases[i].want, err.buf);
		sb_free(&json);
		sb_free(&bad);
		sb_free(&err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_word_index),
		cmocka_unit_test(test_container_state_words),
		cmocka_unit_test(test_container_health_words),
		cmocka_unit_test(test_container_event_words),
		cmocka_unit_test(test_inspect_state_unknown),
		cmocka_unit_test(test_phase_table),
		cmocka_unit_test(test_current_state_text),
		cmocka_unit_test(test_stack_file_words),
		cmocka_unit_test(test_unset_words),
		cmocka_unit_test(test_unknown_words),
		cmocka_unit_test(test_node_words_round_trip),
		cmocka_unit_test(test_node_words_refused),
	};
	return cmocka_run_group_tests_name("enums", tests, NULL, NULL);
}
