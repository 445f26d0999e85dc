/* Secrets and configs in the state: sealed versions round-trip through
 * state.json, open only with the right key, object and version, never
 * appear as plaintext; key ids and key texts; and on a host, the files
 * cleanup keeps exactly the listed tasks and a non-tmpfs root is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/unit_helpers.h"

#include "docker/secrets.h"
#include "state/keystore.h"
#include "state/objects.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char VALUE[] = "p@ss\nw0rd \x01\xff";

static void base_state(struct state *st)
{
	memset(st, 0, sizeof(*st));
	st->version = 3;
	st->cluster = xstrdup("prod");
	st->cluster_id = xstrdup("0123456789abcdef0123456789abcdef");
}

static void add(struct state *st, const struct cluster_key *k, enum object_kind kind,
		const char *name, const char *value)
{
	struct strbuf err = STRBUF_INIT;
	struct state_object *o = state_find_object(st, kind, name);
	if (!o)
		o = state_add_object(st, kind, name, kind == OBJ_CONFIG ? "web" : NULL);
	assert_int_equal(object_add_version(k, kind, o, value, strlen(value), 1764067202, &err), 0);
	sb_free(&err);
}

static void test_round_trip_and_open(void **unused)
{
	(void)unused;
	struct cluster_key k;
	struct state st, back;
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT, err = STRBUF_INIT, plain = STRBUF_INIT;
	cluster_key_new(&k);
	base_state(&st);
	st.key_id = xstrdup(k.id);
	add(&st, &k, OBJ_SECRET, "db_pw", VALUE);
	add(&st, &k, OBJ_SECRET, "db_pw", "second");
	add(&st, &k, OBJ_CONFIG, "web_conf", "a=1");
	state_write_json(&st, &a);
	assert_null(strstr(a.buf, "p@ss"));
	assert_null(strstr(a.buf, "second"));
	assert_int_equal(state_parse(a.buf, a.len, &back, &err), 0);
	state_write_json(&back, &b);
	assert_string_equal(a.buf, b.buf);
	struct state_object *o = state_find_object(&back, OBJ_SECRET, "db_pw");
	assert_non_null(o);
	assert_int_equal(o->nversions, 2);
	assert_int_equal(object_open(&k, OBJ_SECRET, o, &o->versions[0], &plain, &err), 0);
	assert_int_equal(plain.len, strlen(VALUE));
	assert_memory_equal(plain.buf, VALUE, plain.len);
	/* a version's value moved onto another version, object or kind fails */
	struct state_version swapped = o->versions[1];
	swapped.sealed = o->versions[0].sealed;
	assert_int_equal(object_open(&k, OBJ_SECRET, o, &swapped, &plain, &err), -1);
	assert_int_equal(object_open(&k, OBJ_CONFIG, o, &o->versions[0], &plain, &err), -1);
	/* another key fails, with a message that names the object only */
	struct cluster_key other;
	cluster_key_new(&other);
	sb_reset(&err);
	assert_int_equal(object_open(&other, OBJ_SECRET, o, &o->versions[0], &plain, &err), -1);
	assert_non_null(strstr(err.buf, "secret db_pw version 1 does not decrypt"));
	assert_null(strstr(err.buf, "p@ss"));
	/* reseal under a new key: the old one no longer opens it */
	assert_int_equal(objects_reseal(&back, &k, &other, &err), 0);
	sb_reset(&plain);
	assert_int_equal(object_open(&other, OBJ_SECRET, o, &o->versions[1], &plain, &err), 0);
	assert_string_equal(plain.buf, "second");
	assert_int_equal(object_open(&k, OBJ_SECRET, o, &o->versions[1], &plain, &err), -1);
	state_free(&st);
	state_free(&back);
	sb_free(&a), sb_free(&b), sb_free(&err), sb_free(&plain);
}

static void test_versions_and_limits(void **unused)
{
	(void)unused;
	struct cluster_key k;
	struct state st;
	struct strbuf err = STRBUF_INIT;
	cluster_key_new(&k);
	base_state(&st);
	for (int i = 0; i < OBJECT_KEEP_VERSIONS + 3; i++)
		add(&st, &k, OBJ_SECRET, "s", "v");
	struct state_object *o = state_find_object(&st, OBJ_SECRET, "s");
	assert_int_equal(o->nversions, OBJECT_KEEP_VERSIONS);
	assert_int_equal(object_latest(o)->version, OBJECT_KEEP_VERSIONS + 3);
	assert_null(object_version(o, 1));
	char *big = xcalloc(OBJECT_MAX_SIZE + 2, 1);
	memset(big, 'x', OBJECT_MAX_SIZE + 1);
	assert_int_equal(object_add_version(&k, OBJ_SECRET, o, big, OBJECT_MAX_SIZE + 1, 0, &err), -1);
	assert_non_null(strstr(err.buf, "larger than 500KiB"));
	assert_int_equal(object_add_version(&k, OBJ_SECRET, o, big, OBJECT_MAX_SIZE, 0, &err), 0);
	free(big);
	assert_int_equal(state_remove_object(&st, OBJ_SECRET, "s"), 0);
	assert_int_equal(state_remove_object(&st, OBJ_SECRET, "s"), -1);
	state_free(&st);
	sb_free(&err);
}

static void test_names_and_keys(void **unused)
{
	(void)unused;
	static const char *const good[] = { "a", "db_pw", "A.b-c_9", "x23456789012345678901234567890123456789012345678901234567890123" };
	static const char *const bad[] = { "", "-a", "a-", "_a", "a/b", "a b", "../x", "é",
		"x2345678901234567890123456789012345678901234567890123456789012345" };
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		assert_true(object_name_ok(good[i]));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_false(object_name_ok(bad[i]));
	struct cluster_key k, back;
	struct strbuf text = STRBUF_INIT;
	cluster_key_new(&k);
	cluster_key_format(&k, &text);
	assert_true(starts_with(text.buf, "CSWKEY-1-"));
	sb_addc(&text, '\n');
	assert_int_equal(cluster_key_parse(text.buf, &back), 0);
	assert_memory_equal(back.key, k.key, sizeof(k.key));
	assert_string_equal(back.id, k.id);
	assert_int_equal(strlen(k.id), 16);
	assert_int_equal(cluster_key_parse(text.buf + 9, &back), 0);
	assert_int_equal(cluster_key_parse("CSWKEY-1-00", &back), -1);
	assert_int_equal(cluster_key_parse("", &back), -1);
	char *p = keystore_path("/var/lib/cswarm/prod");
	assert_string_equal(p, "/var/lib/cswarm/.prod.key");
	free(p);
	p = keystore_path("/srv/state/");
	assert_string_equal(p, "/srv/.state.key");
	free(p);
	sb_free(&text);
}

/* Strict reading of the new members names the key path. */
static void test_strict_parse(void **unused)
{
	(void)unused;
	static const struct { const char *members, *error; } cases[] = {
		{ ",\"key\":{\"id\":\"xyz\",\"autolock\":false}", "key.id: expected 16 lowercase hex digits" },
		{ ",\"key\":{\"id\":\"0123456789abcdef\",\"autolock\":1}", "key.autolock: expected true or false" },
		{ ",\"secrets\":[{\"name\":\"a/b\",\"stack\":null,\"labels\":{},\"created\":0,\"versions\":[]}]",
		  "secrets[0].name: not a valid secret or config name" },
		{ ",\"secrets\":[{\"name\":\"a\",\"stack\":null,\"labels\":{},\"created\":0,\"versions\":"
		  "[{\"version\":2,\"created\":0,\"size\":1,\"value\":\"x\"},{\"version\":2,\"created\":0,\"size\":1,\"value\":\"x\"}]}]",
		  "secrets[0].versions[1].version: not above the version before it" },
		{ ",\"configs\":[{\"name\":\"a\",\"stack\":null,\"labels\":{},\"created\":0,\"versions\":[],\"x\":1}]",
		  "configs[0].x: unknown key" },
		{ ",\"configs\":[{\"name\":\"a\",\"created\":0,\"versions\":[]},{\"name\":\"a\",\"created\":0,\"versions\":[]}]",
		  "configs[1].name: a also at configs[0]" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf doc = STRBUF_INIT, err = STRBUF_INIT;
		struct state st;
		sb_addf(&doc, "{\"format\":1,\"version\":1,\"cluster\":\"c\",\"cluster_id\":"
			"\"0123456789abcdef0123456789abcdef\",\"stacks\":[],\"services\":[],\"tasks\":[],"
			"\"nodes\":[]%s}", cases[i].members);
		assert_int_equal(state_parse(doc.buf, doc.len, &st, &err), -1);
		if (!streq(err.buf, cases[i].error))
			fail_msg("case %zu: got %s", i, err.buf);
		sb_free(&doc), sb_free(&err);
	}
}

static char *shm_dir(void)
{
	char tmpl[] = "/dev/shm/cswarm-test-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	return xstrdup(tmpl);
}

/* The cleanup keeps the listed tasks' directories, removes the others,
 * and the directory itself once it is empty. */
static void test_cleanup_script(void **unused)
{
	(void)unused;
	char *root = shm_dir();
	char *mk = xasprintf("mkdir -p %s/c1/aaaaaaaaaaaa/secrets %s/c1/bbbbbbbbbbbb %s/c1/cccccccccccc "
			     "%s/c2/dddddddddddd", root, root, root, root);
	free(sh_stdout(mk, NULL));
	const char *keep[] = { "bbbbbbbbbbbb" };
	struct strbuf script = STRBUF_INIT;
	docker_files_cleanup_script(root, "c1", keep, 1, &script);
	char *ls = xasprintf("%s\nls %s/c1 %s/c2", script.buf, root, root);
	char *out = sh_stdout(ls, NULL);
	char *want = xasprintf("%s/c1:\nbbbbbbbbbbbb\n\n%s/c2:\ndddddddddddd\n", root, root);
	assert_string_equal(out, want);
	sb_reset(&script);
	docker_files_cleanup_script(root, "c1", NULL, 0, &script);
	free(sh_stdout(script.buf, NULL));
	struct stat sb;
	char *c1 = xasprintf("%s/c1", root), *rm = xasprintf("rm -rf %s", root);
	assert_int_equal(stat(c1, &sb), -1);
	free(sh_stdout(rm, NULL));
	free(rm), free(ls), free(out), free(mk), free(root), free(want), free(c1);
	sb_free(&script);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_and_open),
		cmocka_unit_test(test_versions_and_limits),
		cmocka_unit_test(test_names_and_keys),
		cmocka_unit_test(test_strict_parse),
		cmocka_unit_test(test_cleanup_script),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
