/* The cluster lock and the state's fence across three managers, through
 * real SSH sessions to local sshds (local_sshd.h) and the real scripts:
 * one run holds the majority, another is refused; a lock left on one
 * manager does not stop a run that gets the majority; a run that cannot
 * get it releases what it took; a write based on an older version is
 * refused once another run wrote a newer one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "state/cluster.h"
#include "util/util.h"
#include "local_sshd.h"

#include <stdlib.h>
#include <string.h>

#define HOLDER_A "alice@laptop pid 1 since then: cswarm deploy"

/* A run's view of the managers: an inventory of them and its cluster. */
struct managers {
	struct inventory inv;
	struct cluster_ctx c;
};

/* Open the managers named (space separated) of the sshd's hosts: each
 * keeps its state in DIR/NAME, whichever inventory names it. */
static void open_managers(struct managers *m, const struct local_sshd *s, const char *names)
{
	struct strbuf text = STRBUF_INIT, err = STRBUF_INIT;
	char *copy = xstrdup(names), *save = NULL;
	sb_adds(&text, "[managers]\n");
	for (char *n = strtok_r(copy, " ", &save); n; n = strtok_r(NULL, " ", &save))
		sb_addf(&text, "%s cswarm_state_dir=%s/%s\n", n, s->dir, n);
	assert_int_equal(inventory_load_buffer("inv", text.buf, text.len, &m->inv, &err), 0);
	if (cluster_open(&m->c, &m->inv, &s->topts, "t", 3, 10000, &err) != 0)
		fail_msg("cluster_open: %s", sb_str(&err));
	free(copy);
	sb_free(&text);
	sb_free(&err);
}

static void close_managers(struct managers *m)
{
	cluster_close(&m->c);
	inventory_free(&m->inv);
}

/* cluster_lock's result; its error in err (reset first). */
static int lock(struct managers *m, const char *holder, struct strbuf *err)
{
	sb_reset(err);
	return cluster_lock(&m->c, holder, 0, err);
}

static void test_one_run_holds_the_majority(void **unused)
{
	(void)unused;
	struct managers a, b;
	struct strbuf err = STRBUF_INIT;
	local_sshd_start(&sshd, NULL);
	open_managers(&a, &sshd, "m1 m2 m3");
	open_managers(&b, &sshd, "m1 m2 m3");
	assert_int_equal(lock(&a, HOLDER_A, &err), 0);
	assert_int_equal(lock(&b, "bob", &err), EXIT_LOCKED);
	assert_string_equal(sb_str(&err), "lock held by " HOLDER_A);
	/* The first run ends: its channels close, the lock goes with them. */
	close_managers(&a);
	assert_int_equal(lock(&b, "bob", &err), 0);
	close_managers(&b);
	sb_free(&err);
}

/* m1 still holds the lock of a run that died cut off from it: the other
 * two are a majority. */
static void test_a_lock_left_on_one_manager_does_not_stop_the_majority(void **unused)
{
	(void)unused;
	struct managers stale, a;
	struct strbuf err = STRBUF_INIT;
	local_sshd_start(&sshd, NULL);
	open_managers(&stale, &sshd, "m1");
	assert_int_equal(lock(&stale, "a run that died", &err), 0);
	open_managers(&a, &sshd, "m1 m2 m3");
	assert_int_equal(lock(&a, HOLDER_A, &err), 0);
	assert_int_equal(err.len, 0);
	close_managers(&a);
	close_managers(&stale);
	sb_free(&err);
}

/* m1 held elsewhere and m3 down: m2 alone is no majority. The run is
 * refused as locked and leaves m2 free. */
static void test_no_majority_releases_what_it_took(void **unused)
{
	(void)unused;
	struct managers stale, a, m2;
	struct strbuf err = STRBUF_INIT;
	local_sshd_start(&sshd, "m3");
	open_managers(&stale, &sshd, "m1");
	assert_int_equal(lock(&stale, "the other run", &err), 0);
	open_managers(&a, &sshd, "m1 m2 m3");
	assert_int_equal(lock(&a, HOLDER_A, &err), EXIT_LOCKED);
	assert_string_equal(sb_str(&err), "lock held by the other run");
	open_managers(&m2, &sshd, "m2");
	assert_int_equal(lock(&m2, "probe", &err), 0);
	close_managers(&m2);
	close_managers(&a);
	close_managers(&stale);
	sb_free(&err);
}

/* Two of three down: the error names what was held and why the others
 * failed; nothing stays locked. */
static void test_unreachable_majority(void **unused)
{
	(void)unused;
	struct managers a, m1;
	struct strbuf err = STRBUF_INIT;
	local_sshd_start(&sshd, "m2 m3");
	open_managers(&a, &sshd, "m1 m2 m3");
	assert_int_equal(lock(&a, HOLDER_A, &err), EXIT_UNREACHABLE);
	if (!starts_with(sb_str(&err), "the cluster lock needs a majority of the 3 managers (2), "
			 "held on m1; m2: ") || !strstr(sb_str(&err), "; m3: "))
		fail_msg("%s", sb_str(&err));
	assert_int_equal(a.c.managers.hosts[1].fail, SSH_FAIL_PROXY);	/* the ProxyCommand exited */
	open_managers(&m1, &sshd, "m1");
	assert_int_equal(lock(&m1, "probe", &err), 0);
	close_managers(&m1);
	close_managers(&a);
	sb_free(&err);
}

static void new_state(struct state *st)
{
	memset(st, 0, sizeof(*st));
	st->cluster = xstrdup("t");
	st->cluster_id = xstrdup("0123456789abcdef0123456789abcdef");
}

/* Run a read version 1; run b wrote version 2 since (a lost its lock
 * while cut off): a's write is fenced on every manager, none takes it. */
static void test_write_fenced_by_a_newer_version(void **unused)
{
	(void)unused;
	struct managers m;
	struct state a, b, got;
	struct strbuf err = STRBUF_INIT;
	int fenced = 0;
	local_sshd_start(&sshd, NULL);
	open_managers(&m, &sshd, "m1 m2 m3");
	new_state(&a);
	new_state(&b);
	assert_int_equal(cluster_write_state(&m.c, &a, "init", &fenced, &err), 0);
	b.version = a.version;
	assert_int_equal(cluster_write_state(&m.c, &b, "run b", &fenced, &err), 0);
	assert_int_equal(b.version, 2);
	assert_int_equal(cluster_write_state(&m.c, &a, "run a", &fenced, &err), -1);
	assert_true(fenced);
	assert_non_null(strstr(sb_str(&err), "another run changed the state since this one read it"));
	assert_int_equal(cluster_read_state(&m.c, &got, &err), STATE_READ_OK);
	assert_int_equal(got.version, 2);
	assert_string_equal(got.change, "run b");
	assert_true(m.c.store.current);
	state_free(&got);
	state_free(&a);
	state_free(&b);
	close_managers(&m);
	sb_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		WITH_SSHD(test_one_run_holds_the_majority),
		WITH_SSHD(test_a_lock_left_on_one_manager_does_not_stop_the_majority),
		WITH_SSHD(test_no_majority_releases_what_it_took),
		WITH_SSHD(test_unreachable_majority),
		WITH_SSHD(test_write_fenced_by_a_newer_version),
	};
	return cmocka_run_group_tests_name("cluster lock", tests, local_sshd_group_setup, NULL);
}
