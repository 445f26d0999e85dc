/* The observation command with docker info beside the listing: both run
 * at once, the output keeps its order, and the daemon's failure is still
 * reported from docker info. Run with /bin/sh and a
 * docker shell function. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_helpers.h"
#include "engine/observe.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

#define ID "0123456789abcdef0123456789abcdef"

/* With TOGETHER (a directory), info and ps each wait (5 s at most) for
 * the other to have started, and fail without it (info also on a second
 * call): they must run at once, info once.
 * DOWN fails both. */
static const char fake_docker[] =
	"meet() { [ -z \"$TOGETHER\" ] && return 0; : >\"$TOGETHER/$1\"; i=0\n"
	"  while [ ! -e \"$TOGETHER/$2\" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done\n"
	"  [ -e \"$TOGETHER/$2\" ]; }\n"
	"docker() { [ -z \"$DOWN\" ] || { echo 'Cannot connect to the Docker daemon' >&2; return 1; }\n"
	"case $1 in\n"
	"info) [ -z \"$TOGETHER\" ] || [ ! -e \"$TOGETHER/info\" ] || return 1\n"
	"  meet info ps || return 1\n"
	"  echo '{\"ServerVersion\":\"20.10.24\",\"Name\":\"h2\",\"NCPU\":2}' ;;\n"
	"ps) meet ps info || return 1; echo c1 ;;\n"
	"inspect) echo '[{\"Id\":\"c1\",\"Name\":\"/app_web.1.a1b2c3d4e5f6\",\"State\":{\"Status\":\"running\"},"
	"\"Config\":{\"Labels\":{\"cswarm.task\":\"a1b2c3d4e5f6\"}}}]' ;;\n"
	"esac; }\n";

static int observe_with(const char *setup, struct host_view *v)
{
	struct strbuf script = STRBUF_INIT;
	sb_adds(&script, fake_docker);
	sb_adds(&script, setup);
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

static void check_seen(const char *setup)
{
	struct host_view v;
	assert_int_equal(observe_with(setup, &v), 0);
	assert_null(v.down);
	assert_string_equal(v.info.name, "h2");
	assert_int_equal(v.ncontainers, 1);
	assert_string_equal(v.containers[0].task_id, "a1b2c3d4e5f6");
	view_free(&v);
}

static void test_info_beside_the_listing(void **unused)
{
	(void)unused;
	char dir[] = "/tmp/cswarm-observe-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *setup = xasprintf("TOGETHER=%s\n", dir);
	check_seen(setup);
	char *clean = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(clean), 0);
	free(clean);
	free(setup);
}

static void test_daemon_down(void **unused)
{
	(void)unused;
	struct host_view v;
	assert_int_equal(observe_with("DOWN=1\n", &v), -1);
	assert_non_null(v.down);
	assert_non_null(strstr(sb_str(&v.detail), "docker info exited 1"));
	view_free(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_info_beside_the_listing),
		cmocka_unit_test(test_daemon_down),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
