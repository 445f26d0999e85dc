/* Table-driven cmocka programs: every table row is a test of its own,
 * named after its input, so TAP shows which row failed. Include after
 * cmocka.h in one test program. */
#ifndef CSWARM_TABLE_TESTS_H
#define CSWARM_TABLE_TESTS_H

#include "util/strbuf.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

static struct CMUnitTest *tests;
static size_t ntests, cap_tests;

static void add_test(CMUnitTestFunction fn, const void *row, const char *fmt, const char *arg)
{
	struct strbuf name = STRBUF_INIT;
	sb_addf(&name, fmt, arg);
	for (size_t i = 0; i < name.len; i++)
		if (strchr("\n\r#", name.buf[i]))	/* '#' starts a TAP directive */
			name.buf[i] = ' ';
	GROW(tests, cap_tests, ntests + 1);
	tests[ntests++] = (struct CMUnitTest){ sb_detach(&name), fn, NULL, NULL, (void *)row };
}

/* Run the tests added so far as one group, then free them. */
static int run_added_tests(const char *group, CMFixtureFunction setup, CMFixtureFunction teardown)
{
	int ret = _cmocka_run_group_tests(group, tests, ntests, setup, teardown);
	for (size_t i = 0; i < ntests; i++)
		free((char *)tests[i].name);
	free(tests);
	return ret;
}

#endif
