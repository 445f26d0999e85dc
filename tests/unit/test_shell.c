/* sh_quote: every byte string must reach a real /bin/sh as one literal word. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/unit_helpers.h"

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
	char *out = sh_stdout(cmd.buf, NULL);
	sb_free(&cmd);
	return out;
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
