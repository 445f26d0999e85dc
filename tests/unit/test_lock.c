/* The cluster lock's scripts (state/lock.c), run here with /bin/sh and
 * flock(1) as a manager runs them over SSH: the lock lives exactly as long
 * as the holder's stdin (its SSH channel), a second run is refused with the
 * holder's line, status probes without taking it, and a hostile directory
 * name stays one argument. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "state/lock.h"
#include "state/lock_int.h"
#include "util/util.h"
#include "unit_helpers.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* A lock script running locally: its stdin stays open (the channel). */
struct taker {
	pid_t pid;
	int in, out;
	char line[512];	/* its first line of output */
};

/* Start the take script for dir with the holder line; wait for its first
 * line ("locked PID" or "held ..."). */
static void take(struct taker *t, const char *dir, const char *holder, const char *wait)
{
	struct strbuf cmd = STRBUF_INIT;
	int in[2], out[2];
	lock_take_command(&cmd, dir, wait);
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	t->pid = fork();
	assert_true(t->pid >= 0);
	if (t->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl("/bin/sh", "sh", "-c", cmd.buf, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	t->in = in[1];
	t->out = out[0];
	signal(SIGPIPE, SIG_IGN);
	(void)!write(t->in, holder, strlen(holder));
	(void)!write(t->in, "\n", 1);
	size_t n = 0;
	char c;
	while (n + 1 < sizeof(t->line) && read(t->out, &c, 1) == 1 && c != '\n')
		t->line[n++] = c;
	t->line[n] = '\0';
	sb_free(&cmd);
}

/* Close the taker's stdin (the channel goes) and reap it: its exit status. */
static int drop(struct taker *t)
{
	int status;
	close(t->in);
	assert_int_equal(waitpid(t->pid, &status, 0), t->pid);
	close(t->out);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The status script's output line. */
static char *status_of(const char *dir)
{
	struct strbuf cmd = STRBUF_INIT;
	lock_status_command(&cmd, dir);
	char *out = sh_stdout(cmd.buf, NULL);
	sb_free(&cmd);
	out[strcspn(out, "\n")] = '\0';
	return out;
}

static void expect_status(const char *dir, const char *want)
{
	char *got = status_of(dir);
	assert_string_equal(got, want);
	free(got);
}

static void test_held_while_the_channel_is_open(void **unused)
{
	(void)unused;
	char *dir = xasprintf("%s/held", unit_tmpdir);
	struct taker a, b;
	take(&a, dir, "alice@laptop pid 1 since then: cswarm deploy", "0.5");
	assert_true(starts_with(a.line, "locked "));
	long pid = strtol(a.line + strlen("locked "), NULL, 10);
	assert_true(pid > 0);
	assert_int_equal(kill((pid_t)pid, 0), 0);	/* the process lock_alive probes */
	expect_status(dir, "held alice@laptop pid 1 since then: cswarm deploy");

	/* A second run waits, then is refused with the holder's line. */
	take(&b, dir, "bob@ci pid 2 since now: cswarm update", "0.2");
	assert_string_equal(b.line, "held alice@laptop pid 1 since then: cswarm deploy");
	assert_int_equal(drop(&b), 4);

	/* The channel closes (the run ends, or dies): the lock is gone. */
	assert_int_equal(drop(&a), 0);
	expect_status(dir, "unlocked");
	take(&b, dir, "bob@ci pid 2 since now: cswarm update", "0.2");
	assert_true(starts_with(b.line, "locked "));
	expect_status(dir, "held bob@ci pid 2 since now: cswarm update");
	assert_int_equal(drop(&b), 0);
	free(dir);
}

/* The directory comes from the inventory: quoted, created private. */
static void test_hostile_directory_and_private_files(void **unused)
{
	(void)unused;
	char *dir = xasprintf("%s/it's $(touch pwned) `touch pwned2`; x", unit_tmpdir);
	char *lock = xasprintf("%s/lock", dir), *holder = xasprintf("%s/lock.holder", dir);
	struct taker a;
	take(&a, dir, "me", "0.5");
	assert_true(starts_with(a.line, "locked "));
	const char *const paths[] = { dir, lock, holder };
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		struct stat sb;
		assert_int_equal(stat(paths[i], &sb), 0);
		if (sb.st_mode & 077)
			fail_msg("%s: mode %o", paths[i], (unsigned)(sb.st_mode & 07777));
	}
	expect_status(dir, "held me");
	assert_int_equal(drop(&a), 0);
	assert_int_equal(access("pwned", F_OK), -1);
	assert_int_equal(access("pwned2", F_OK), -1);
	free(lock);
	free(holder);
	free(dir);
}

/* Status never creates the directory (a manager without state). */
static void test_status_of_a_missing_directory(void **unused)
{
	(void)unused;
	char *dir = xasprintf("%s/never", unit_tmpdir);
	expect_status(dir, "unlocked");
	assert_int_equal(access(dir, F_OK), -1);
	free(dir);
}

static void test_describe_holder(void **unused)
{
	(void)unused;
	static const struct { const char *out, *err; } cases[] = {
		{ "held alice pid 1\n", "lock held by alice pid 1" },
		{ "held alice\nsecond line\n", "lock held by alice" },
		{ "held \n", "lock held by unknown" },
		{ "", "lock held by unknown" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
		sb_adds(&out, cases[i].out);
		lock_describe_holder(&out, &err);
		assert_string_equal(sb_str(&err), cases[i].err);
		sb_free(&out);
		sb_free(&err);
	}
}

/* The holder line is one line whatever the arguments hold: the script
 * reads one line and status prints it. */
static void test_holder_line_is_one_line(void **unused)
{
	(void)unused;
	char a0[] = "deploy", a1[] = "evil\nheld fake\rname", *argv[] = { a0, a1 };
	char *line = lock_holder_line(2, argv);
	assert_null(strpbrk(line, "\n\r"));
	assert_non_null(strstr(line, ": cswarm deploy evil held fake name"));
	assert_non_null(strstr(line, " pid "));
	free(line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_held_while_the_channel_is_open),
		cmocka_unit_test(test_hostile_directory_and_private_files),
		cmocka_unit_test(test_status_of_a_missing_directory),
		cmocka_unit_test(test_describe_holder),
		cmocka_unit_test(test_holder_line_is_one_line),
	};
	return cmocka_run_group_tests_name("lock", tests, unit_tmpdir_setup, unit_tmpdir_teardown);
}
