/* util/names: the names and paths that reach hosts' command lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/names.h"
#include "util/util.h"

#include <string.h>

static void test_names(void **unused)
{
	(void)unused;
	static const char *const good[] = { "web", "a.b-c_d", "0app", "A" };
	static const char *const bad[] = { "../../docker", "../default", ".", "..", "-rf", "_x",
		"", "a b", "a/b", "a\nb", "é", "x;rm" };
	char max[NAME_MAX_LEN + 2];
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		assert_true(name_valid(good[i], NAME_MAX_LEN));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (name_valid(bad[i], NAME_MAX_LEN))
			fail_msg("accepted \"%s\"", bad[i]);
	memset(max, 'a', sizeof(max) - 1);
	max[sizeof(max) - 1] = '\0';
	assert_false(name_valid(max, NAME_MAX_LEN));
	max[NAME_MAX_LEN] = '\0';
	assert_true(name_valid(max, NAME_MAX_LEN));
	assert_false(name_valid(NULL, NAME_MAX_LEN));

	struct strbuf err = STRBUF_INIT;
	assert_int_equal(name_check("stack", "../../docker", NAME_MAX_LEN, &err), -1);
	assert_non_null(strstr(err.buf, "bad stack name \"../../docker\""));
	sb_free(&err);
}

static void test_state_dirs(void **unused)
{
	(void)unused;
	static const char *const good[] = { "/var/lib/cswarm/prod", "/srv/x y/state", "/a" };
	static const char *const bad[] = { "var/lib/cswarm", "", "/", "/a/../b", "/a/..", "/a//b",
		"/a/", "/a/./b", "/-rf", "/a/-b", "/a\nb", "/a\tb" };
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		struct strbuf err = STRBUF_INIT;
		if (state_dir_check(good[i], &err) != 0)
			fail_msg("refused \"%s\": %s", good[i], err.buf);
		sb_free(&err);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct strbuf err = STRBUF_INIT;
		if (state_dir_check(bad[i], &err) == 0)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_true(starts_with(err.buf, "cswarm_state_dir"));
		sb_free(&err);
	}
}

static void test_path_contains(void **unused)
{
	(void)unused;
	assert_true(path_contains("/var/lib", "/var/lib/cswarm"));
	assert_true(path_contains("/var/lib/cswarm", "/var/lib/cswarm"));
	assert_true(path_contains("/", "/var"));
	assert_false(path_contains("/var/lib/cs", "/var/lib/cswarm"));
	assert_false(path_contains("/var/lib/cswarm/a", "/var/lib/cswarm"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_state_dirs),
		cmocka_unit_test(test_path_contains),
	};
	return cmocka_run_group_tests_name("names", tests, NULL, NULL);
}
