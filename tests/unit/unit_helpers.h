/* Small helpers shared by unit test programs. Include after cmocka.h. */
#ifndef CSWARM_UNIT_HELPERS_H
#define CSWARM_UNIT_HELPERS_H

#include "util/strbuf.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run script with /bin/sh -c; it must exit 0. Returns its stdout (its
 * length in *len, which may be NULL). */
static inline char *sh_stdout(const char *script, size_t *len)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		execl("/bin/sh", "sh", "-c", script, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	struct strbuf out = STRBUF_INIT;
	char buf[4096];
	ssize_t n;
	while ((n = read(fds[0], buf, sizeof(buf))) > 0)
		sb_add(&out, buf, (size_t)n);
	close(fds[0]);
	int status;
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	if (len)
		*len = out.len;
	return sb_detach(&out);
}

/* The whole file (its length in *len), or NULL if it cannot be opened. */
static inline char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sb_add(&sb, buf, n);
	fclose(f);
	*len = sb.len;
	return sb_detach(&sb);
}

/* A directory of the test program's own under /tmp, made by the group
 * setup and removed with whatever the tests left in it by the teardown:
 *	cmocka_run_group_tests(tests, unit_tmpdir_setup, unit_tmpdir_teardown) */
static char unit_tmpdir[64] __attribute__((unused));

static inline int unit_tmpdir_setup(void **state)
{
	(void)state;
	strcpy(unit_tmpdir, "/tmp/cswarm-test.XXXXXX");
	return mkdtemp(unit_tmpdir) ? 0 : -1;
}

static inline int unit_tmpdir_teardown(void **state)
{
	(void)state;
	char *rm = xasprintf("rm -rf '%s'", unit_tmpdir);
	int rc = system(rm);
	free(rm);
	return rc == 0 ? 0 : -1;
}

#endif
