/* Every input a fuzz target once failed on (fuzz/regressions/TARGET/) and
 * every seed (fuzz/seeds/TARGET/) runs again through the same target code
 * (fuzz/targets.h), here under ASan/UBSan: none may crash or leak. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fuzz/targets.h"
#include "unit_helpers.h"

#include <dirent.h>

/* Run fn on every file of DIR/TARGET; how many there were. */
static int replay(const char *dir, const char *target, void (*fn)(const uint8_t *, size_t))
{
	const char *src = getenv("CSWARM_SRCDIR");
	char *path = xasprintf("%s/%s/%s", src ? src : ".", dir, target);
	DIR *d = opendir(path);
	int seen = 0;
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char *file = xasprintf("%s/%s", path, e->d_name);
		size_t len;
		char *buf = read_file(file, &len);
		assert_non_null(buf);
		fn((const uint8_t *)buf, len);
		free(buf);
		free(file);
		seen++;
	}
	if (d)
		closedir(d);
	free(path);
	return seen;
}

static void check(const char *target, void (*fn)(const uint8_t *, size_t))
{
	assert_true(replay("fuzz/seeds", target, fn) > 0);
	replay("fuzz/regressions", target, fn);
}

static void test_inventory(void **unused) { (void)unused; check("inventory", fuzz_inventory); }
static void test_ssh_config(void **unused) { (void)unused; check("ssh_config", fuzz_ssh_config); }
static void test_docker(void **unused) { (void)unused; check("docker", fuzz_docker); }
static void test_state(void **unused) { (void)unused; check("state", fuzz_state); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inventory),
		cmocka_unit_test(test_ssh_config),
		cmocka_unit_test(test_docker),
		cmocka_unit_test(test_state),
	};
	return cmocka_run_group_tests_name("fuzz_regress", tests, NULL, NULL);
}
