/* The lock and the state read in one round trip: what the lock script
 * prints once it holds the lock (run here with /bin/sh on a directory of
 * our own), and lock_parse_reply on good, cut-short and forged replies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_helpers.h"
#include "state/lock.h"
#include "state/state.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MARK "@@cswarm-state-0123abcd"

static const char doc[] = "{\n\"version\":7,\n\"cluster_id\":\"c1\"\n}\n";

static int parse(const char *reply, const char *mark, long *pid, struct state_fetched *copy)
{
	struct strbuf err = STRBUF_INIT;
	int ret = lock_parse_reply(reply, strlen(reply), mark, pid, copy, &err);
	if (ret)
		assert_true(err.len > 0);
	sb_free(&err);
	return ret;
}

static void test_reply_with_state(void **state)
{
	(void)state;
	struct state_fetched copy = { 0 };
	long pid;
	char *reply = xasprintf("locked 4242\n%s\n" MARK " 0\n", doc);
	assert_int_equal(parse(reply, MARK, &pid, &copy), 0);
	assert_int_equal(pid, 4242);
	assert_int_equal(copy.have, 1);
	assert_int_equal(copy.status, 0);
	assert_string_equal(sb_str(&copy.out), doc);
	state_fetched_reset(&copy);
	free(reply);
}

static void test_reply_without_state(void **state)
{
	(void)state;
	struct state_fetched copy = { 0 };
	long pid;
	assert_int_equal(parse("locked 9\n\n" MARK " 66\n", MARK, &pid, &copy), 0);
	assert_int_equal(copy.status, STATE_NO_STATE);
	assert_int_equal(copy.out.len, 0);
	assert_int_equal(parse("locked 9\n", NULL, &pid, &copy), 0);
	assert_int_equal(pid, 9);
	state_fetched_reset(&copy);
}

/* Cut short anywhere, forged or unknown end lines, bad first lines: never
 * taken for a copy. */
static void test_reply_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "locked 5", "lockd 5\n\n" MARK " 0\n", "locked x\n\n" MARK " 0\n",
		"locked 0\n\n" MARK " 0\n", "locked 5 6\n\n" MARK " 0\n", "locked -3\n\n" MARK " 0\n",
		"locked 5\n{\"version\":7", "locked 5\n{}\n" MARK, "locked 5\n{}\n" MARK " 0",
		"locked 5\n{}\n" MARK " \n", "locked 5\n{}\n" MARK " 0x\n", "locked 5\n{}\n" MARK " 1000\n",
		"locked 5\n{}\n" MARK " -1\n", "locked 5\n{}\n" MARK "0\n", "locked 5\n" MARK " 0\n",
		"locked 5\n{}\n@@cswarm-state-ffffffff 0\n", "locked 5\n{}\n" MARK " 0\n{}\n",
		"locked 5\n{}\nX" MARK " 0\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct state_fetched copy = { 0 };
		long pid;
		if (parse(bad[i], MARK, &pid, &copy) == 0)
			fail_msg("taken: \"%s\"", bad[i]);
		assert_int_equal(copy.have, 0);
		state_fetched_reset(&copy);
	}
}

/* The real script under /bin/sh: it takes the lock, prints the copy
 * whole (beside the shell), then echoes probes until its stdin ends. */
static char *run_lock(const char *dir, const char *input)
{
	struct lock_request rq = { .dir = dir, .holder = "test", .read_mark = MARK };
	struct strbuf cmd = STRBUF_INIT, script = STRBUF_INIT;
	lock_command(&rq, &cmd);
	sb_addf(&script, "printf '%%b' '%s' | %s", input, cmd.buf);
	char *out = sh_stdout(script.buf, NULL);
	sb_free(&cmd);
	sb_free(&script);
	return out;
}

static void test_script_reads_under_the_lock(void **state)
{
	(void)state;
	char dir[] = "/tmp/cswarm-lock-test-XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct state_fetched copy = { 0 };
	long pid;

	char *out = run_lock(dir, "holder\\n");
	assert_int_equal(parse(out, MARK, &pid, &copy), 0);
	assert_int_equal(copy.status, STATE_NO_STATE);
	free(out);

	char *path = xasprintf("%s/state.json", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(doc, f);
	fclose(f);
	out = run_lock(dir, "holder\\n");
	assert_int_equal(parse(out, MARK, &pid, &copy), 0);
	assert_int_equal(copy.status, 0);
	assert_string_equal(sb_str(&copy.out), doc);
	assert_true(pid > 0);
	state_fetched_reset(&copy);
	free(out);
	/* Probes are echoed (the client sends them once it has the copy). */
	out = run_lock(dir, "holder\\n@@cswarm-lock-alive 1\\n");
	assert_non_null(strstr(out, "\n@@cswarm-lock-alive 1\n"));
	free(out);

	char *clean = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(clean), 0);
	free(clean);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_with_state),
		cmocka_unit_test(test_reply_without_state),
		cmocka_unit_test(test_reply_refused),
		cmocka_unit_test(test_script_reads_under_the_lock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
