/* The command state_write runs on each manager, run here with /bin/sh:
 * atomic replace, history and its pruning, refusal of short input and of
 * writes fenced by a newer version, hostile directory names. And the
 * quorum choice of a read among the managers' copies (state_choose). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "state/state.h"
#include "state/store.h"
#include "util/util.h"
#include "unit_helpers.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run cmd with /bin/sh, input on stdin; its exit status. */
static int run_sh(const char *cmd, const char *input, size_t len)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[0], 0);
		close(fds[1]);
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 2);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	/* The script may stop reading early (a refused version). */
	signal(SIGPIPE, SIG_IGN);
	if (len)
		(void)!write(fds[1], input, len);
	close(fds[1]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;
	sb_init(&sb);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sb_add(&sb, buf, n);
	fclose(f);
	return sb_detach(&sb);
}

/* Write version v of a small state of cluster `cluster` to dir, as a run
 * that read version read_v would; the script's exit status. cut > 0 sends
 * that many bytes fewer than announced. */
static int write_as(const char *dir, long long v, long long read_v, const char *cluster, size_t cut,
		    char **doc)
{
	struct state st = { .version = v, .cluster = (char *)cluster,
			    .cluster_id = "0123456789abcdef0123456789abcdef" };
	struct strbuf json = STRBUF_INIT, input = STRBUF_INIT, cmd = STRBUF_INIT;
	state_write_json(&st, &json);
	sb_addf(&input, "%lld\t2026-11-25T10:00:00Z\tme@here\tchange %lld\n", v, v);
	sb_add(&input, json.buf, json.len - cut);
	state_write_command(&cmd, dir, v, read_v, json.len);
	int rc = run_sh(cmd.buf, input.buf, input.len);
	if (doc)
		*doc = sb_detach(&json);
	sb_free(&json);
	sb_free(&input);
	sb_free(&cmd);
	return rc;
}

static int write_fenced(const char *dir, long long v, long long read_v, size_t cut, char **doc)
{
	return write_as(dir, v, read_v, "t", cut, doc);
}

/* Write version v as the next one after v - 1. */
static int write_version(const char *dir, long long v, size_t cut, char **doc)
{
	return write_fenced(dir, v, v - 1, cut, doc);
}

/* Temporary files of the write script (.state.json.PID) left in dir. */
static size_t temp_files(const char *dir)
{
	DIR *d = opendir(dir);
	size_t n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		n += starts_with(e->d_name, ".state.json.");
	if (d)
		closedir(d);
	return n;
}

static size_t count_files(const char *dir)
{
	DIR *d = opendir(dir);
	size_t n = 0;
	struct dirent *e;
	if (!d)
		return 0;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static char *path_in(const char *dir, const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static void test_first_write(void **unused)
{
	(void)unused;
	char *dir = xasprintf("%s/it's a $(dir) `x`", unit_tmpdir), *doc;
	assert_int_equal(write_version(dir, 1, 0, &doc), 0);
	char *p = path_in(dir, "state.json"), *h = path_in(dir, "history/1.json");
	char *log = path_in(dir, "history.log");
	char *got = slurp(p), *hist = slurp(h), *lines = slurp(log);
	assert_non_null(got);
	assert_string_equal(got, doc);
	assert_string_equal(hist, doc);
	assert_string_equal(lines, "1\t2026-11-25T10:00:00Z\tme@here\tchange 1\n");
	assert_int_equal(temp_files(dir), 0);
	/* The owner's only, whatever the caller's umask (022 here). */
	const char *const paths[] = { dir, p, h, log };
	for (size_t i = 0; i < 4; i++) {
		struct stat sb;
		assert_int_equal(stat(paths[i], &sb), 0);
		if (sb.st_mode & 077)
			fail_msg("%s: mode %o", paths[i], (unsigned)(sb.st_mode & 07777));
	}
	free(got); free(hist); free(lines);
	free(p); free(h); free(log); free(doc); free(dir);
}

static void test_short_input_is_not_installed(void **unused)
{
	(void)unused;
	char *dir = xasprintf("%s/short", unit_tmpdir), *doc;
	assert_int_equal(write_version(dir, 1, 0, &doc), 0);
	assert_int_not_equal(write_version(dir, 2, 10, NULL), 0);
	char *p = path_in(dir, "state.json");
	char *got = slurp(p);
	assert_string_equal(got, doc);
	assert_int_equal(temp_files(dir), 0);
	free(got); free(p); free(doc); free(dir);
}

static void test_older_version_is_refused(void **unused)
{
	(void)unused;
	char *dir = xasprintf("%s/older", unit_tmpdir), *doc;
	assert_int_equal(write_version(dir, 5, 0, &doc), 0);
	assert_int_equal(write_as(dir, 5, 4, "other", 0, NULL), 75);	/* same version, other bytes */
	assert_int_equal(write_version(dir, 3, 0, NULL), 75);
	char *p = path_in(dir, "state.json"), *got = slurp(p);
	assert_string_equal(got, doc);
	free(got); free(p); free(doc); free(dir);
}

/* A run that read version 4 cannot overwrite the 5 another run wrote
 * since: the fence that stops a run which lost the lock. */
static void test_write_fenced_by_a_newer_version(void **unused)
{
	(void)unused;
	char *dir = xasprintf("%s/fenced", unit_tmpdir), *doc;
	assert_int_equal(write_version(dir, 5, 0, &doc), 0);
	assert_int_equal(write_as(dir, 5, 4, "other", 0, NULL), STATE_FENCED);
	assert_int_equal(write_fenced(dir, 6, 4, 0, NULL), STATE_FENCED);
	char *p = path_in(dir, "state.json"), *got = slurp(p);
	assert_string_equal(got, doc);
	free(got); free(p); free(doc); free(dir);
}

/* Two managers whose directories are one (a shared filesystem): the
 * second write of the same version and bytes finds it done, not fenced,
 * and logs nothing twice. */
static void test_same_write_twice_counts_as_written(void **unused)
{
	(void)unused;
	char *dir = xasprintf("%s/shared", unit_tmpdir), *doc;
	assert_int_equal(write_version(dir, 1, 0, NULL), 0);
	assert_int_equal(write_version(dir, 2, 0, &doc), 0);
	assert_int_equal(write_version(dir, 2, 0, NULL), 0);
	char *p = path_in(dir, "state.json"), *log = path_in(dir, "history.log");
	char *got = slurp(p), *lines = slurp(log);
	assert_string_equal(got, doc);
	assert_string_equal(lines, "1\t2026-11-25T10:00:00Z\tme@here\tchange 1\n"
			    "2\t2026-11-25T10:00:00Z\tme@here\tchange 2\n");
	assert_int_equal(temp_files(dir), 0);
	free(got); free(lines); free(p); free(log); free(doc); free(dir);
}

/* A manager behind (it missed writes), or with a broken file, catches up. */
static void test_write_brings_a_manager_behind_up(void **unused)
{
	(void)unused;
	char *dir = xasprintf("%s/behind", unit_tmpdir), *doc;
	assert_int_equal(write_version(dir, 2, 0, NULL), 0);
	assert_int_equal(write_fenced(dir, 9, 8, 0, &doc), 0);
	char *p = path_in(dir, "state.json"), *got = slurp(p);
	assert_string_equal(got, doc);
	free(got);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs("{\"format\":1,\n\"vers", f);
	fclose(f);
	free(doc);
	assert_int_equal(write_fenced(dir, 10, 9, 0, &doc), 0);
	got = slurp(p);
	assert_string_equal(got, doc);
	free(got); free(p); free(doc); free(dir);
}

static void test_history_keeps_the_last_50(void **unused)
{
	(void)unused;
	char *dir = xasprintf("%s/history", unit_tmpdir);
	for (long long v = 1; v <= 60; v++)
		assert_int_equal(write_version(dir, v, 0, NULL), 0);
	char *h = path_in(dir, "history"), *h10 = path_in(dir, "history/10.json");
	char *h11 = path_in(dir, "history/11.json"), *h60 = path_in(dir, "history/60.json");
	char *log = path_in(dir, "history.log"), *lines = slurp(log);
	assert_int_equal(count_files(h), STATE_HISTORY);
	assert_int_equal(access(h10, F_OK), -1);
	assert_int_equal(access(h11, F_OK), 0);
	assert_int_equal(access(h60, F_OK), 0);
	size_t n = 0;
	for (const char *c = lines; *c; c++)
		n += *c == '\n';
	assert_int_equal(n, 60);
	free(h); free(h10); free(h11); free(h60); free(log); free(lines); free(dir);
}

/* --- state_choose ---------------------------------------------------------- */

#define ID_A "0123456789abcdef0123456789abcdef"
#define ID_B "fedcba9876543210fedcba9876543210"
#define OK(v, id, doc) { COPY_OK, v, id, doc }
#define DOWN { COPY_UNREACHABLE, 0, NULL, NULL }
#define NONE { COPY_MISSING, 0, NULL, NULL }
#define BAD { COPY_BAD, 0, NULL, NULL }

static struct state_choice choose(const struct state_copy *c, size_t n)
{
	struct state_choice ch;
	state_choose(c, n, &ch);
	return ch;
}

static void test_quorum_sizes(void **unused)
{
	(void)unused;
	static const size_t w[] = { 1, 1, 2, 2, 3, 3, 4 }, r[] = { 0, 1, 1, 2, 2, 3, 3 };
	for (size_t n = 1; n <= 6; n++) {
		assert_int_equal(state_write_quorum(n), w[n]);
		assert_int_equal(state_read_quorum(n), r[n]);
		/* Every read quorum meets every write quorum. */
		assert_true(state_read_quorum(n) + state_write_quorum(n) > n);
		assert_true(2 * state_write_quorum(n) > n);
	}
}

static void test_choose_highest_version(void **unused)
{
	(void)unused;
	const struct state_copy c[] = { OK(3, ID_A, "v3"), OK(5, ID_A, "v5"), OK(4, ID_A, "v4") };
	struct state_choice ch = choose(c, 3);
	assert_int_equal(ch.verdict, VERDICT_CURRENT);
	assert_int_equal(ch.best, 1);
	assert_int_equal(ch.good, 3);
	/* The highest wins wherever it is, and whatever the order. */
	const struct state_copy d[] = { OK(7, ID_A, "v7"), OK(5, ID_A, "v5"), DOWN };
	ch = choose(d, 3);
	assert_int_equal(ch.verdict, VERDICT_CURRENT);
	assert_int_equal(ch.best, 0);
}

/* Issue 15's stale manager: of three, only one answers with an old
 * version. It is shown (best), never trusted (UNPROVEN). */
static void test_choose_needs_a_read_quorum(void **unused)
{
	(void)unused;
	const struct state_copy c[] = { DOWN, OK(1, ID_A, "old"), DOWN };
	struct state_choice ch = choose(c, 3);
	assert_int_equal(ch.verdict, VERDICT_UNPROVEN);
	assert_int_equal(ch.best, 1);
	/* Missing and broken copies do not count either. */
	const struct state_copy d[] = { NONE, OK(2, ID_A, "x"), BAD };
	assert_int_equal(choose(d, 3).verdict, VERDICT_UNPROVEN);
	/* Two of three are enough; one of two too (a write needs both). */
	const struct state_copy e[] = { OK(2, ID_A, "x"), DOWN, OK(2, ID_A, "x") };
	assert_int_equal(choose(e, 3).verdict, VERDICT_CURRENT);
	const struct state_copy f[] = { DOWN, OK(2, ID_A, "x") };
	assert_int_equal(choose(f, 2).verdict, VERDICT_CURRENT);
	/* Of four, two. */
	const struct state_copy g[] = { DOWN, OK(2, ID_A, "x"), DOWN, DOWN };
	assert_int_equal(choose(g, 4).verdict, VERDICT_UNPROVEN);
	const struct state_copy h[] = { DOWN, OK(2, ID_A, "x"), DOWN, OK(1, ID_A, "y") };
	assert_int_equal(choose(h, 4).verdict, VERDICT_CURRENT);
	assert_int_equal(choose(h, 4).best, 1);
	const struct state_copy one[] = { OK(1, ID_A, "x") };
	assert_int_equal(choose(one, 1).verdict, VERDICT_CURRENT);
}

/* Two contents at one version (a write that reached a minority, then
 * another run's write): the side more managers hold wins; a tie cannot be
 * decided. */
static void test_choose_equal_versions(void **unused)
{
	(void)unused;
	const struct state_copy c[] = { OK(6, ID_A, "lost"), OK(6, ID_A, "won"), OK(6, ID_A, "won") };
	struct state_choice ch = choose(c, 3);
	assert_int_equal(ch.verdict, VERDICT_CURRENT);
	assert_int_equal(ch.best, 1);
	const struct state_copy d[] = { OK(6, ID_A, "lost"), OK(6, ID_A, "won"), DOWN };
	ch = choose(d, 3);
	assert_int_equal(ch.verdict, VERDICT_CONFLICT);
	assert_int_equal(ch.best, 0);
	assert_int_equal(ch.other, 1);
	/* Equal content is no conflict; a lower version does not vote. */
	const struct state_copy e[] = { OK(6, ID_A, "x"), OK(5, ID_A, "y"), OK(6, ID_A, "x") };
	assert_int_equal(choose(e, 3).verdict, VERDICT_CURRENT);
	assert_int_equal(choose(e, 3).other, -1);
}

static void test_choose_two_clusters(void **unused)
{
	(void)unused;
	const struct state_copy c[] = { OK(9, ID_A, "a"), OK(1, ID_B, "b"), OK(9, ID_A, "a") };
	struct state_choice ch = choose(c, 3);
	assert_int_equal(ch.verdict, VERDICT_SPLIT);
	assert_int_equal(ch.best, 0);
	assert_int_equal(ch.other, 1);
}

static void test_choose_nothing_usable(void **unused)
{
	(void)unused;
	const struct state_copy none[] = { NONE, DOWN, NONE };
	assert_int_equal(choose(none, 3).verdict, VERDICT_MISSING);
	assert_int_equal(choose(none, 3).best, -1);
	const struct state_copy bad[] = { NONE, BAD, DOWN };
	assert_int_equal(choose(bad, 3).verdict, VERDICT_NONE);
	const struct state_copy down[] = { DOWN, DOWN };
	assert_int_equal(choose(down, 2).verdict, VERDICT_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_write),
		cmocka_unit_test(test_short_input_is_not_installed),
		cmocka_unit_test(test_older_version_is_refused),
		cmocka_unit_test(test_history_keeps_the_last_50),
		cmocka_unit_test(test_write_fenced_by_a_newer_version),
		cmocka_unit_test(test_same_write_twice_counts_as_written),
		cmocka_unit_test(test_write_brings_a_manager_behind_up),
		cmocka_unit_test(test_quorum_sizes),
		cmocka_unit_test(test_choose_highest_version),
		cmocka_unit_test(test_choose_needs_a_read_quorum),
		cmocka_unit_test(test_choose_equal_versions),
		cmocka_unit_test(test_choose_two_clusters),
		cmocka_unit_test(test_choose_nothing_usable),
	};
	return cmocka_run_group_tests(tests, unit_tmpdir_setup, unit_tmpdir_teardown);
}
