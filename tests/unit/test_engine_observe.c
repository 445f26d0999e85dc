/* The observation folded into a wave's script (engine_observe_append,
 * engine_view_from_script): the script runs here under /bin/sh with a
 * docker shell function standing in for the daemon, after operations
 * whose output might look like anything. docker info runs beside the
 * listing: both at once, the output keeps its order, and the daemon's
 * failure is still reported from docker info. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/observe.h"
#include "util/util.h"
#include "unit_helpers.h"

#include <stdlib.h>
#include <string.h>

#define ID "0123456789abcdef0123456789abcdef"

/* A docker with one container of this cluster. PS_FAILS fails the
 * listing, DOWN every call. With TOGETHER (a directory), info and ps each
 * wait (5 s at most) for the other to have started, and fail without it
 * (info also on a second call): they must run at once, info once. */
static const char fake_docker[] =
	"meet() { [ -z \"$TOGETHER\" ] && return 0; : >\"$TOGETHER/$1\"; i=0\n"
	"  while [ ! -e \"$TOGETHER/$2\" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done\n"
	"  [ -e \"$TOGETHER/$2\" ]; }\n"
	"docker() { [ -z \"$DOWN\" ] || { echo 'Cannot connect to the Docker daemon' >&2; return 1; }\n"
	"case $1 in\n"
	"info) [ -z \"$TOGETHER\" ] || [ ! -e \"$TOGETHER/info\" ] || return 1\n"
	"  meet info ps || return 1\n"
	"  echo '{\"ServerVersion\":\"20.10.24\",\"Name\":\"h2\",\"NCPU\":2}' ;;\n"
	"ps) [ -z \"$PS_FAILS\" ] || { echo 'Cannot connect' >&2; return 1; }\n"
	"  meet ps info || return 1; echo c1 ;;\n"
	"inspect) echo '[{\"Id\":\"c1\",\"Name\":\"/app_web.1.a1b2c3d4e5f6\",\"State\":{\"Status\":\"running\"},"
	"\"Config\":{\"Labels\":{\"cswarm.task\":\"a1b2c3d4e5f6\"}}}]' ;;\n"
	"esac; }\n";

/* Run operations' output, then the appended observation; parse it. */
static int observe_after(const char *ops, struct host_view *v)
{
	struct strbuf script = STRBUF_INIT;
	sb_adds(&script, fake_docker);
	sb_adds(&script, ops);
	engine_observe_append(ID, "h2", &script);
	char *out = sh_stdout(script.buf, NULL);
	memset(v, 0, sizeof(*v));
	sb_init(&v->detail);
	int ret = engine_view_from_script(v, "h2", ID, out);
	free(out);
	sb_free(&script);
	return ret;
}

static void view_free(struct host_view *v)
{
	struct host_view *copy = xcalloc(1, sizeof(*copy));
	*copy = *v;
	host_views_free(copy, 1);
}

static void test_view_after_operations(void **unused)
{
	(void)unused;
	struct host_view v;
	/* Operations that print the markers themselves come first. */
	assert_int_equal(observe_after("echo '@@op 0'; echo '@@cswarm-observe-rc 9'; echo x\n", &v), 0);
	assert_null(v.down);
	assert_string_equal(v.info.name, "h2");
	assert_int_equal(v.ncontainers, 1);
	assert_string_equal(v.containers[0].task_id, "a1b2c3d4e5f6");
	assert_non_null(view_find_task(&v, "a1b2c3d4e5f6"));
	view_free(&v);
}

static void test_info_beside_the_listing(void **unused)
{
	(void)unused;
	char dir[] = "/tmp/cswarm-observe-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *setup = xasprintf("TOGETHER=%s\n", dir);
	struct host_view v;
	assert_int_equal(observe_after(setup, &v), 0);
	assert_null(v.down);
	assert_int_equal(v.ncontainers, 1);
	view_free(&v);
	char *clean = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(clean), 0);
	free(clean);
	free(setup);
}

static void test_daemon_down(void **unused)
{
	(void)unused;
	struct host_view v;
	assert_int_equal(observe_after("DOWN=1\n", &v), -1);
	assert_non_null(v.down);
	assert_non_null(strstr(sb_str(&v.detail), "docker info exited 1"));
	view_free(&v);
}

static void test_failed_observation_asks_again(void **unused)
{
	(void)unused;
	struct host_view v;
	assert_int_equal(observe_after("PS_FAILS=1\n", &v), -1);
	assert_non_null(v.down);
	view_free(&v);
	memset(&v, 0, sizeof(v));
	sb_init(&v.detail);
	/* A script cut short (no exit status line) is no observation. */
	assert_int_equal(engine_view_from_script(&v, "h2", ID, "@@op 0\n@@rc 0 0\n"), -1);
	view_free(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_view_after_operations),
		cmocka_unit_test(test_failed_observation_asks_again),
		cmocka_unit_test(test_info_beside_the_listing),
		cmocka_unit_test(test_daemon_down),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
