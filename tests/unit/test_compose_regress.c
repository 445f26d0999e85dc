/* Every input the fuzzer once crashed on (fuzz/regressions/) must now load
 * or be refused with a message, under ASan/UBSan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "compose/compose.h"
#include "util/util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;
	assert_non_null(f);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sb_add(&sb, buf, n);
	fclose(f);
	*len = sb.len;
	return sb.buf ? sb_detach(&sb) : xstrdup("");
}

/* Tests run from the repository root; CSWARM_SRCDIR overrides. */
static char *regressions_dir(void)
{
	const char *src = getenv("CSWARM_SRCDIR");
	return xasprintf("%s/fuzz/regressions", src ? src : ".");
}

static void test_fuzz_regressions(void **state)
{
	(void)state;
	static const struct compose_opts opts = { .quiet = true, .working_dir = "/fuzz", .name = "fuzz" };
	char *dir = regressions_dir();
	DIR *d = opendir(dir);
	if (!d) {
		free(dir);
		skip();
	}
	int seen = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.' || e->d_type == DT_DIR)	/* other targets' */
			continue;
		char *path = xasprintf("%s/%s", dir, e->d_name);
		size_t len;
		char *buf = slurp(path, &len);
		struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
		struct stack *st = NULL;
		if (compose_load_buffer(e->d_name, buf, len, &opts, &st, &err) == 0) {
			compose_write_json(st, &out);
			stack_free(st);
		} else {
			assert_true(err.len > 0);
		}
		sb_free(&err);
		sb_free(&out);
		free(buf);
		free(path);
		seen++;
	}
	closedir(d);
	free(dir);
	assert_true(seen > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fuzz_regressions),
	};
	return cmocka_run_group_tests_name("compose_regress", tests, NULL, NULL);
}
