/* util/strbuf: the contract every caller relies on (util/strbuf.h). */
#include "util/strbuf.h"
#include "util/util.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

static void test_new_buffer_is_empty_string(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	assert_non_null(sb.buf);
	assert_string_equal(sb.buf, "");
	assert_int_equal(sb.len, 0);
	sb_reset(&sb);
	sb_rtrim(&sb);
	assert_string_equal(sb_str(&sb), "");
	char *s = sb_detach(&sb);	/* an empty buffer detaches as "" */
	assert_string_equal(s, "");
	free(s);
	sb_free(&sb);
	assert_ptr_equal(sb.buf, sb_slopbuf);
}

static void test_grows_and_stays_terminated(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < 1000; i++)
		sb_addf(&sb, "%04d,", i);
	assert_int_equal(sb.len, 5000);
	assert_int_equal(strlen(sb.buf), 5000);
	assert_memory_equal(sb.buf + 4995, "0999,", 5);
	sb_addc(&sb, ' ');
	sb_adds(&sb, "  \t\n");
	sb_rtrim(&sb);
	assert_int_equal(sb.len, 5000);
	sb_free(&sb);
	sb_adds(&sb, "again");	/* a freed buffer is a new one */
	assert_string_equal(sb.buf, "again");
	char *s = sb_detach(&sb);
	assert_string_equal(s, "again");
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
	free(s);
}

static void add_twice(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(sb, fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	sb_vaddf(sb, fmt, ap);
	va_end(ap);
}

static void test_vaddf_formats_long_values(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	char big[300];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	add_twice(&sb, "[%s]", big);
	assert_int_equal(sb.len, 2 * (sizeof(big) + 1));
	assert_int_equal(sb.buf[sizeof(big)], ']');
	sb_free(&sb);
}

static void test_read_file_is_capped(void **state)
{
	(void)state;
	char path[] = "/tmp/cswarm-strbuf-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	char data[20000];
	memset(data, 'a', sizeof(data));
	assert_int_equal(write(fd, data, sizeof(data)), (ssize_t)sizeof(data));
	close(fd);

	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "head:");
	assert_int_equal(sb_read_file(&sb, path, sizeof(data)), 0);
	assert_int_equal(sb.len, 5 + sizeof(data));
	sb_reset(&sb);
	sb_adds(&sb, "head:");
	errno = 0;
	assert_int_equal(sb_read_file(&sb, path, sizeof(data) - 1), -1);
	assert_int_equal(errno, EFBIG);
	assert_string_equal(sb.buf, "head:");	/* nothing of the file kept */
	unlink(path);
	assert_int_equal(sb_read_file(&sb, path, 10), -1);
	assert_int_equal(errno, ENOENT);
	sb_free(&sb);
}

/* A failed read leaves the buffer as it was: never-used stays unallocated. */
static void test_failed_read_leaves_the_buffer(void **state)
{
	(void)state;
	char path[] = "/tmp/cswarm-strbuf-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0123456789", 10), 10);
	close(fd);

	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(sb_read_file(&sb, path, 9), -1);
	assert_int_equal(errno, EFBIG);
	assert_ptr_equal(sb.buf, sb_slopbuf);
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb_str(&sb), "");
	/* Exactly the cap is allowed; a cap of 0 takes an empty file only. */
	assert_int_equal(sb_read_file(&sb, path, 10), 0);
	assert_string_equal(sb.buf, "0123456789");
	sb_reset(&sb);
	assert_int_equal(sb_read_file(&sb, "/dev/null", 0), 0);
	assert_int_equal(sb.len, 0);
	/* A directory opens but does not read: its errno, not a made-up one. */
	assert_int_equal(sb_read_file(&sb, "/tmp", 100), -1);
	assert_int_equal(errno, EISDIR);
	/* An endless file stops at the cap. */
	sb_adds(&sb, "kept");
	assert_int_equal(sb_read_file(&sb, "/dev/zero", 100000), -1);
	assert_int_equal(errno, EFBIG);
	assert_string_equal(sb.buf, "kept");
	assert_int_equal(sb.len, 4);
	unlink(path);
	sb_free(&sb);
}

/* A stream (stdin, a pipe) is read to its end; the caller closes it. */
static void test_read_stream(void **state)
{
	(void)state;
	FILE *f = tmpfile();
	assert_non_null(f);
	fputs("line one\nline two\n", f);
	rewind(f);
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(sb_read_stream(&sb, f, 18), 0);
	assert_string_equal(sb.buf, "line one\nline two\n");
	rewind(f);
	assert_int_equal(sb_read_stream(&sb, f, 17), -1);
	assert_int_equal(errno, EFBIG);
	assert_int_equal(sb.len, 18);
	fclose(f);
	sb_free(&sb);
}

/* Bytes, not C strings: a NUL inside counts and is kept. */
static void test_binary_and_empty_adds(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	sb_add(&sb, "", 0);
	assert_string_equal(sb_str(&sb), "");
	sb_addf(&sb, "%s", "");
	assert_int_equal(sb.len, 0);
	sb_add(&sb, "a\0b", 3);
	assert_int_equal(sb.len, 3);
	assert_memory_equal(sb.buf, "a\0b", 4);	/* and the terminator */
	sb_reset(&sb);
	sb_adds(&sb, " \t\n ");
	sb_rtrim(&sb);
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
	sb_free(&sb);
}

static void test_error_returns_minus_one(void **state)
{
	(void)state;
	assert_int_equal(error("%s", "a test error, expected"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_buffer_is_empty_string),
		cmocka_unit_test(test_grows_and_stays_terminated),
		cmocka_unit_test(test_vaddf_formats_long_values),
		cmocka_unit_test(test_read_file_is_capped),
		cmocka_unit_test(test_failed_read_leaves_the_buffer),
		cmocka_unit_test(test_read_stream),
		cmocka_unit_test(test_binary_and_empty_adds),
		cmocka_unit_test(test_error_returns_minus_one),
	};
	return cmocka_run_group_tests_name("strbuf", tests, NULL, NULL);
}
