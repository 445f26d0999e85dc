/* sh_quote: every byte string must reach a real /bin/sh as one literal word. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/shell.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run `printf %s QUOTED` in sh and return what it printed. */
static char *through_sh(const char *word)
{
	struct strbuf cmd = STRBUF_INIT;
	sb_adds(&cmd, "printf %s");
	sh_arg(&cmd, word);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		execl("/bin/sh", "sh", "-c", cmd.buf, (char *)NULL);
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
	sb_free(&cmd);
	return sb_detach(&out);
}

static void test_hostile_words(void **state)
{
	(void)state;
	static const char *const words[] = {
		"", "plain", "it's", "'", "''", "\"", "$(touch /tmp/pwned)", "`id`", "${HOME}",
		"a b\tc", "line1\nline2", "\\", "\\'", "*", "?", "[a-z]", "~root", "-n", "--", ";rm -rf /",
		"a|b&c>d<e", "!event", "#comment", "\xff\xfe\x01", "%s%n", "trailing\\",
	};
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		char *got = through_sh(words[i]);
		assert_string_equal(got, words[i]);
		free(got);
	}
	assert_int_equal(access("/tmp/pwned", F_OK), -1);
}

static void test_random_bytes(void **state)
{
	(void)state;
	uint32_t x = 12345;
	for (int round = 0; round < 200; round++) {
		char word[64];
		size_t len = (size_t)(round % 63);
		for (size_t i = 0; i < len; i++) {
			x = x * 1103515245u + 12345u;
			word[i] = (char)(1 + (x >> 16) % 255);	/* any byte but NUL */
		}
		word[len] = '\0';
		char *got = through_sh(word);
		assert_string_equal(got, word);
		free(got);
	}
}

static void test_quote_form(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	sh_quote(&sb, "it's");
	assert_string_equal(sb.buf, "'it'\\''s'");
	sb_reset(&sb);
	sh_arg(&sb, "a");
	sh_arg(&sb, "b c");
	assert_string_equal(sb.buf, "'a' 'b c'");
	sb_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote_form),
		cmocka_unit_test(test_hostile_words),
		cmocka_unit_test(test_random_bytes),
	};
	return cmocka_run_group_tests_name("shell", tests, NULL, NULL);
}
