/* The state model and state.json: round trips, hostile strings, strict
 * errors that name the key path, hashes and ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "state/state.h"
#include "state/store.h"
#include "util/jsonw.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

static const char SPEC[] = "{\"image\":\"nginx:1.27\",\"replicas\":3}";
/* sha256 of SPEC, computed with sha256sum. */
static const char SPEC_SHA[] = "45e58c1e2e9a3a5005c30cce6bd89bd7a4784af8fad9bd5747494a1ba9fd4daf";

static void build(struct state *st)
{
	struct strbuf err = STRBUF_INIT;
	memset(st, 0, sizeof(*st));
	st->version = 7;
	st->cluster = xstrdup("prod");
	st->cluster_id = xstrdup("0123456789abcdef0123456789abcdef");
	st->updated_at = xstrdup("2026-11-25T10:40:02Z");
	st->updated_by = xstrdup("alice@laptop");
	st->change = xstrdup("deploy web");
	state_set_stack(st, "web", "{\"services\":{\"api\":{\"image\":\"nginx:1.27\"}}}");
	assert_non_null(state_set_service(st, "web", "api", SPEC, &err));
	assert_non_null(state_set_service(st, "web", "db", "{ \"image\" : \"postgres\" }", &err));
	struct state_task t = { .id = "a1b2c3d4e5f6", .stack = "web", .service = "api", .slot = 1,
				.node = "h1", .hash = st->services[0].hash, .desired = "running",
				.created = 1764067202, .restarts = 2, .last_restart = 1764067300 };
	state_add_task(st, &t);
	t.id = "0000000000ff";
	t.slot = 0;
	t.desired = "shutdown";
	state_add_task(st, &t);
	struct state_node *n = state_node(st, "h2");
	n->availability = AVAIL_DRAIN;
	state_node_set_label(n, "zone", "east");
	state_node_set_label(n, "gone", NULL);
	sb_free(&err);
}

static void test_round_trip(void **unused)
{
	(void)unused;
	struct state st, back;
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT, err = STRBUF_INIT;
	build(&st);
	state_write_json(&st, &a);
	assert_int_equal(state_parse(a.buf, a.len, &back, &err), 0);
	state_write_json(&back, &b);
	assert_string_equal(a.buf, b.buf);
	assert_int_equal(back.version, 7);
	assert_int_equal(back.ntasks, 2);
	assert_int_equal(back.tasks[0].restarts, 2);
	assert_int_equal(back.tasks[1].slot, 0);
	assert_string_equal(back.nodes[0].labels[0].value, "east");
	assert_null(back.nodes[0].labels[1].value);
	assert_int_equal(back.nodes[0].availability, AVAIL_DRAIN);
	assert_int_equal(back.nodes[0].role, ROLE_UNSET);
	assert_string_equal(state_find_service(&back, "web", "db")->spec_json, "{\"image\":\"postgres\"}");
	assert_int_equal(back.nstacks, 1);
	assert_string_equal(state_find_stack(&back, "web")->spec_json,
			    "{\"services\":{\"api\":{\"image\":\"nginx:1.27\"}}}");
	/* One task per line: readable with less. */
	assert_non_null(strstr(a.buf, "\n{\"id\":\"a1b2c3d4e5f6\""));
	state_free(&st);
	state_free(&back);
	sb_free(&a);
	sb_free(&b);
	sb_free(&err);
}

static void test_empty_state(void **unused)
{
	(void)unused;
	struct state st = { .version = 1, .cluster = "c", .cluster_id = "ffffffffffffffffffffffffffffffff" };
	struct state back;
	struct strbuf a = STRBUF_INIT, err = STRBUF_INIT;
	state_write_json(&st, &a);
	assert_int_equal(state_parse(a.buf, a.len, &back, &err), 0);
	assert_int_equal(back.nservices + back.ntasks + back.nnodes, 0);
	assert_null(back.change);
	state_free(&back);
	sb_free(&a);
	sb_free(&err);
}

static void test_hostile_strings(void **unused)
{
	(void)unused;
	static const char *const nasty[] = {
		"quote\" back\\slash", "new\nline\ttab\r\x01\x1f", "'; rm -rf / #", "$(reboot)`id`",
		"\xc3\xa9t\xc3\xa9 \xf0\x9f\x90\xb3", "\xff\xfe not utf-8", "",
	};
	for (size_t i = 0; i < ARRAY_SIZE(nasty); i++) {
		struct state st, back;
		struct strbuf a = STRBUF_INIT, err = STRBUF_INIT;
		build(&st);
		free(st.change);
		st.change = xstrdup(nasty[i]);
		state_node_set_label(state_node(&st, nasty[i]), nasty[i], nasty[i]);
		state_write_json(&st, &a);
		if (state_parse(a.buf, a.len, &back, &err) != 0)
			fail_msg("string %zu: %s", i, err.buf);
		assert_string_equal(back.change, nasty[i]);
		assert_non_null(state_find_node(&back, nasty[i]));
		state_free(&st);
		state_free(&back);
		sb_free(&a);
		sb_free(&err);
	}
}

/* Replace the first occurrence of from by to in the written state and
 * check the parse error. */
static void expect_error(const char *from, const char *to, const char *message)
{
	struct state st, back;
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT, err = STRBUF_INIT;
	build(&st);
	state_write_json(&st, &a);
	char *at = strstr(a.buf, from);
	assert_non_null(at);
	sb_add(&b, a.buf, (size_t)(at - a.buf));
	sb_adds(&b, to);
	sb_adds(&b, at + strlen(from));
	assert_int_equal(state_parse(b.buf, b.len, &back, &err), -1);
	if (!strstr(err.buf, message))
		fail_msg("expected '%s' in '%s'", message, err.buf);
	assert_int_equal(back.ntasks + back.nservices + back.nnodes, 0);
	state_free(&st);
	sb_free(&a);
	sb_free(&b);
	sb_free(&err);
}

static void test_errors_name_the_key(void **unused)
{
	(void)unused;
	expect_error("\"slot\":0", "\"slot\":-1", "tasks[1].slot: expected an integer");
	expect_error("\"slot\":1", "\"slot\":\"1\"", "tasks[0].slot: expected an integer");
	expect_error("\"id\":\"0000000000ff\"", "\"id\":\"0000000000FF\"", "tasks[1].id: expected 12 lowercase hex");
	expect_error("\"desired\":\"running\"", "\"desired\":\"paused\"", "tasks[0].desired: 'paused' is not one of running shutdown");
	expect_error("\"availability\":\"drain\"", "\"availability\":7", "nodes[0].availability: expected a string");
	expect_error("\"role\":null", "\"role\":\"boss\"", "nodes[0].role: 'boss' is not one of");
	expect_error("\"name\":\"h2\"", "\"name\":\"h2\",\"color\":1", "nodes[0].color: unknown key");
	expect_error("\"name\":\"api\"", "\"name\":\"api\",\"name\":\"x\"", "services[0].name: duplicate key");
	expect_error("\"replicas\":3", "\"replicas\":4", "services[0].hash: does not match");
	expect_error("\"version\":7", "\"version\":0", "version: expected an integer from 1");
	expect_error("\"format\":1", "\"format\":2", "format: 2 is newer");
	expect_error("\"cluster\":\"prod\",", "", "cluster: missing");
	/* The root object is left open: its last '}' closes {"x":...}. */
	expect_error("\"tasks\": [", "\"tasks\": {\"x\":[", "truncated JSON");
	expect_error("\"tasks\": [", "\"tasks\": [}", "invalid JSON");
	expect_error("\"nodes\": [", "\"nodes\": [{\"name\":\"h2\"},", "nodes[1].name: h2 also at nodes[0]");
	expect_error("\"name\":\"db\"", "\"name\":\"api\"", "services[1]: service web/api also at services[0]");
	expect_error("\"id\":\"0000000000ff\"", "\"id\":\"a1b2c3d4e5f6\"", "tasks[1].id: a1b2c3d4e5f6 also at tasks[0]");
	expect_error("\"nodes\": [", "\"nodes\": 3, \"x\": [", "x: unknown key");
	expect_error("\n}\n", "\n} {}\n", "more than one JSON value");
	expect_error("{\"name\":\"web\",\"spec\"", "{\"name\":\"web\",\"x\":1,\"spec\"", "stacks[0].x: unknown key");
	expect_error("\"stacks\": [", "\"stacks\": [{\"name\":\"web\",\"spec\":{}},", "stacks[1].name: web also at stacks[0]");
	expect_error("\"labels\":{", "\"labels\":{\"a\":1,", "nodes[0].labels.a: expected a string");
	expect_error("\"labels\":{", "\"labels\":{\"a\" \"b\",", "invalid JSON");
	expect_error("{\"name\":\"web\",\"spec\"", "{\"name\":\"../../docker\",\"spec\"",
		     "stacks[0].name: not a valid name");
}

static void test_garbage_never_crashes(void **unused)
{
	(void)unused;
	static const char *const junk[] = { "", "null", "[]", "{", "{\"format\":1}", "\"x\"",
		"{\"format\":1e999}", "[[[[[[[[[[", "{\"a\":}", "\0\0", "{\"format\":1,\"version\":9223372036854775807}",
		/* jsmn takes a key without a value as a member: a manager's
		 * 12 bytes that once made check_keys read past the tokens. */
		"{\"format\"\"\"}", "{\"format\":1,\"nodes\":[{\"labels\":{\"a\" \"b\"}}]}" };
	for (size_t i = 0; i < ARRAY_SIZE(junk); i++) {
		struct state st;
		struct strbuf err = STRBUF_INIT;
		assert_int_equal(state_parse(junk[i], i == 9 ? 2 : strlen(junk[i]), &st, &err), -1);
		assert_true(err.len > 0);
		sb_free(&err);
	}
	/* Deep nesting in a spec is refused, not a stack overflow. */
	struct strbuf deep = STRBUF_INIT, out = STRBUF_INIT, err = STRBUF_INIT;
	for (int i = 0; i < 100000; i++)
		sb_addc(&deep, '[');
	for (int i = 0; i < 100000; i++)
		sb_addc(&deep, ']');
	assert_int_equal(json_canonical(deep.buf, deep.len, &out, &err), -1);
	sb_free(&deep);
	sb_free(&out);
	sb_free(&err);
}

static void test_hash_and_ids(void **unused)
{
	(void)unused;
	char *h = state_hash(SPEC);
	assert_string_equal(h, SPEC_SHA);
	free(h);
	char *a = state_new_task_id(), *b = state_new_task_id(), *c = state_new_cluster_id();
	assert_int_equal(strlen(a), 12);
	assert_int_equal(strspn(a, "0123456789abcdef"), 12);
	assert_string_not_equal(a, b);
	assert_int_equal(strlen(c), 32);
	free(a);
	free(b);
	free(c);
}

static void test_service_update_keeps_previous(void **unused)
{
	(void)unused;
	struct state st;
	struct strbuf err = STRBUF_INIT;
	build(&st);
	struct state_service *s = state_set_service(&st, "web", "api", "{\"replicas\":3,\"image\":\"nginx:1.27\"}", &err);
	assert_string_equal(s->prev_hash, SPEC_SHA);
	assert_string_equal(s->prev_spec_json, SPEC);
	char *old = xstrdup(s->hash);
	/* The same spec again changes nothing. */
	s = state_set_service(&st, "web", "api", "{\"replicas\":3, \"image\":\"nginx:1.27\"}", &err);
	assert_string_equal(s->hash, old);
	assert_string_equal(s->prev_hash, SPEC_SHA);
	assert_null(state_set_service(&st, "web", "bad", "{not json", &err));
	assert_true(err.len > 0);
	assert_int_equal(state_remove_stack(&st, "web"), 0);
	assert_int_equal(state_remove_stack(&st, "web"), -1);
	assert_int_equal(state_remove_service(&st, "web", "api"), 0);
	assert_int_equal(state_remove_service(&st, "web", "api"), -1);
	assert_int_equal(st.nservices, 1);
	assert_int_equal(state_remove_task(&st, "a1b2c3d4e5f6"), 0);
	assert_null(state_find_task(&st, "a1b2c3d4e5f6"));
	assert_non_null(state_find_task(&st, "0000000000ff"));
	free(old);
	state_free(&st);
	sb_free(&err);
}

static void test_one_line_and_time(void **unused)
{
	(void)unused;
	char s[] = "deploy\nrm -rf\t/\x7f";
	char when[21];
	state_one_line(s);
	assert_string_equal(s, "deploy rm -rf / ");
	state_format_time(1764067202, when);
	assert_string_equal(when, "2025-11-25T10:40:02Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_empty_state),
		cmocka_unit_test(test_hostile_strings),
		cmocka_unit_test(test_errors_name_the_key),
		cmocka_unit_test(test_garbage_never_crashes),
		cmocka_unit_test(test_hash_and_ids),
		cmocka_unit_test(test_service_update_keeps_previous),
		cmocka_unit_test(test_one_line_and_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
