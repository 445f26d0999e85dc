/* The capped file readers built on sb_read_file / sb_read_stream: each
 * says which file and which cap, and none hangs on a FIFO or an endless
 * device named by a stack file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "compose/interp.h"
#include "docker/secrets.h"
#include "inventory/build.h"
#include "util/util.h"
#include "unit_helpers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A file of n bytes 'x' in unit_tmpdir; its path. */
static char *file_of(const char *name, size_t n)
{
	char *path = xasprintf("%s/%s", unit_tmpdir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	for (size_t i = 0; i < n; i++)
		fputc('x', f);
	assert_int_equal(fclose(f), 0);
	return path;
}

static void expect_error(int rc, const struct strbuf *err, const char *want)
{
	assert_int_equal(rc, -1);
	if (!streq(sb_str(err), want))
		fail_msg("got '%s', expected '%s'", sb_str(err), want);
}

/* Paths from a stack file (env_file, includes): regular files only. */
static void test_compose_small_file(void **unused)
{
	(void)unused;
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	char *path = file_of("env", 10), *fifo = xasprintf("%s/fifo", unit_tmpdir);
	assert_int_equal(read_small_file(path, 10, &out, &err), 0);
	assert_int_equal(out.len, 10);
	sb_reset(&out);
	char *want = xasprintf("%s: not a regular file of at most 9 bytes", path);
	expect_error(read_small_file(path, 9, &out, &err), &err, want);
	free(want);
	sb_reset(&err);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	want = xasprintf("%s: not a regular file of at most 100 bytes", fifo);
	expect_error(read_small_file(fifo, 100, &out, &err), &err, want);	/* no hang */
	free(want);
	sb_reset(&err);
	expect_error(read_small_file("/dev/zero", 100, &out, &err), &err,
		     "/dev/zero: not a regular file of at most 100 bytes");
	sb_reset(&err);
	expect_error(read_small_file("/nonexistent/env", 100, &out, &err), &err,
		     "/nonexistent/env: No such file or directory");
	assert_int_equal(out.len, 0);
	free(fifo);
	free(path);
	sb_free(&out);
	sb_free(&err);
}

static void test_inventory_file(void **unused)
{
	(void)unused;
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	char *path = file_of("hosts", 3 << 20);
	assert_int_equal(inv_read_file(path, 3L << 20, &out, &err), 0);
	assert_int_equal(out.len, (size_t)3 << 20);
	sb_reset(&out);
	char *want = xasprintf("%s: larger than 2 MiB", path);
	expect_error(inv_read_file(path, 2L << 20, &out, &err), &err, want);
	assert_int_equal(out.len, 0);
	expect_error(inv_read_file("/nonexistent/hosts", 1L << 20, &out, &err), &err,
		     "/nonexistent/hosts: cannot open: No such file or directory");
	free(want);
	free(path);
	sb_free(&out);
	sb_free(&err);
}

/* A secret's file: swarm's 500 KiB, and the path when it cannot be read. */
static void test_secret_source_file(void **unused)
{
	(void)unused;
	struct strbuf out = STRBUF_INIT, why = STRBUF_INIT;
	char *ok = file_of("ok", 500 * 1024), *big = file_of("big", 500 * 1024 + 1);
	struct file_obj o = { .key = "s", .file = ok };
	assert_int_equal(docker_file_local_value(NULL, "secrets", &o, &out, &why), 0);
	assert_int_equal(out.len, 500 * 1024);
	sb_reset(&out);
	o.file = big;
	expect_error(docker_file_local_value(NULL, "secrets", &o, &out, &why), &why,
		     "larger than 500KiB");
	sb_reset(&why);
	o.file = "/nonexistent/s";
	expect_error(docker_file_local_value(NULL, "secrets", &o, &out, &why), &why,
		     "/nonexistent/s: No such file or directory");
	free(ok);
	free(big);
	sb_free(&out);
	sb_free(&why);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compose_small_file),
		cmocka_unit_test(test_inventory_file),
		cmocka_unit_test(test_secret_source_file),
	};
	return cmocka_run_group_tests_name("file readers", tests, unit_tmpdir_setup, unit_tmpdir_teardown);
}
