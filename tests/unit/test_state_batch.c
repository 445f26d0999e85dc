/* state_remove_tasks: many tasks removed in one pass, as a wave records
 * its stops and node rm forgets a node's tasks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "state/state.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add_tasks(struct state *st, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char id[32], node[32];
		snprintf(id, sizeof(id), "t%zu", i);
		snprintf(node, sizeof(node), "h%zu", i % 3);
		struct state_task t = { .id = id, .stack = "s", .service = "web", .slot = (int)i + 1,
					.node = node, .hash = "x", .desired = "running" };
		state_add_task(st, &t);
	}
}

static void test_remove_some_keeps_order(void **state)
{
	(void)state;
	struct state st = { 0 };
	add_tasks(&st, 10);
	const char *ids[] = { "t3", "t0", "nope", NULL, "t3", "t9" };
	assert_int_equal(state_remove_tasks(&st, ids, 6), 3);
	assert_int_equal(st.ntasks, 7);
	const char *left[] = { "t1", "t2", "t4", "t5", "t6", "t7", "t8" };
	for (size_t i = 0; i < st.ntasks; i++)
		assert_string_equal(st.tasks[i].id, left[i]);
	assert_int_equal(state_remove_tasks(&st, ids, 0), 0);
	assert_int_equal(st.ntasks, 7);
	state_free(&st);
}

/* The ids may be the tasks' own strings (node rm): freed only after. */
static void test_remove_by_own_ids(void **state)
{
	(void)state;
	struct state st = { 0 };
	add_tasks(&st, 2000);
	const char **ids = xcalloc(st.ntasks, sizeof(*ids));
	size_t n = 0;
	for (size_t i = 0; i < st.ntasks; i++)
		if (streq(st.tasks[i].node, "h1"))
			ids[n++] = st.tasks[i].id;
	assert_int_equal(state_remove_tasks(&st, ids, n), n);
	assert_int_equal(st.ntasks, 2000 - n);
	for (size_t i = 0; i < st.ntasks; i++)
		assert_string_not_equal(st.tasks[i].node, "h1");
	free(ids);
	state_free(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_remove_some_keeps_order),
		cmocka_unit_test(test_remove_by_own_ids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
