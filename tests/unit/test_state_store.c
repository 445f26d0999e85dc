/* The command state_write runs on each manager, run here with /bin/sh:
 * atomic replace, history and its pruning, refusal of short input and of
 * older versions, hostile directory names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "state/state.h"
#include "state/store.h"
#include "util/util.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char base[64];

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

/* Write version v of a small state to dir; the script's exit status.
 * cut > 0 sends that many bytes fewer than announced. */
static int write_version(const char *dir, long long v, size_t cut, char **doc)
{
	struct state st = { .version = v, .cluster = "t", .cluster_id = "0123456789abcdef0123456789abcdef" };
	struct strbuf json = STRBUF_INIT, input = STRBUF_INIT, cmd = STRBUF_INIT;
	state_write_json(&st, &json);
	sb_addf(&input, "%lld\t2026-11-25T10:00:00Z\tme@here\tchange %lld\n", v, v);
	sb_add(&input, json.buf, json.len - cut);
	state_write_command(&cmd, dir, v, json.len);
	int rc = run_sh(cmd.buf, input.buf, input.len);
	if (doc)
		*doc = sb_detach(&json);
	sb_free(&json);
	sb_free(&input);
	sb_free(&cmd);
	return rc;
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
	char *dir = xasprintf("%s/it's a $(dir) `x`", base), *doc;
	assert_int_equal(write_version(dir, 1, 0, &doc), 0);
	char *p = path_in(dir, "state.json"), *h = path_in(dir, "history/1.json");
	char *log = path_in(dir, "history.log"), *tmp = path_in(dir, ".state.json.tmp");
	char *got = slurp(p), *hist = slurp(h), *lines = slurp(log);
	assert_non_null(got);
	assert_string_equal(got, doc);
	assert_string_equal(hist, doc);
	assert_string_equal(lines, "1\t2026-11-25T10:00:00Z\tme@here\tchange 1\n");
	assert_int_equal(access(tmp, F_OK), -1);
	/* The owner's only, whatever the caller's umask (022 here). */
	const char *const paths[] = { dir, p, h, log };
	for (size_t i = 0; i < 4; i++) {
		struct stat sb;
		assert_int_equal(stat(paths[i], &sb), 0);
		if (sb.st_mode & 077)
			fail_msg("%s: mode %o", paths[i], (unsigned)(sb.st_mode & 07777));
	}
	free(got); free(hist); free(lines);
	free(p); free(h); free(log); free(tmp); free(doc); free(dir);
}

static void test_short_input_is_not_installed(void **unused)
{
	(void)unused;
	char *dir = xasprintf("%s/short", base), *doc;
	assert_int_equal(write_version(dir, 1, 0, &doc), 0);
	assert_int_not_equal(write_version(dir, 2, 10, NULL), 0);
	char *p = path_in(dir, "state.json"), *tmp = path_in(dir, ".state.json.tmp");
	char *got = slurp(p);
	assert_string_equal(got, doc);
	assert_int_equal(access(tmp, F_OK), -1);
	free(got); free(p); free(tmp); free(doc); free(dir);
}

static void test_older_version_is_refused(void **unused)
{
	(void)unused;
	char *dir = xasprintf("%s/older", base), *doc;
	assert_int_equal(write_version(dir, 5, 0, &doc), 0);
	assert_int_equal(write_version(dir, 5, 0, NULL), 75);
	assert_int_equal(write_version(dir, 3, 0, NULL), 75);
	char *p = path_in(dir, "state.json"), *got = slurp(p);
	assert_string_equal(got, doc);
	free(got); free(p); free(doc); free(dir);
}

static void test_history_keeps_the_last_50(void **unused)
{
	(void)unused;
	char *dir = xasprintf("%s/history", base);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_write),
		cmocka_unit_test(test_short_input_is_not_installed),
		cmocka_unit_test(test_older_version_is_refused),
		cmocka_unit_test(test_history_keeps_the_last_50),
	};
	strcpy(base, "/tmp/cswarm-test-store.XXXXXX");
	if (!mkdtemp(base))
		return 1;
	int ret = cmocka_run_group_tests(tests, NULL, NULL);
	char *rm = xasprintf("rm -rf '%s'", base);
	if (system(rm) != 0)
		ret = 1;
	free(rm);
	return ret;
}
