#include "engine/converge.h"
#include "engine/run.h"
#include "engine/net.h"
#include "engine/converge.h"
#include "state/lock.h"
#include "state/objects.h"
#include "util/util.h"

#include <openssl/crypto.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

void run_init(struct run *r)
{
	memset(r, 0, sizeof(*r));
	host_opts_init(&r->opts);
	r->wait_ms = CONVERGE_WAIT_MS;
	trace_phase("start");
}

/* A run that changes the cluster needs the last written state; one that
 * only shows it may use the best it found. */
static int check_current(struct run *r, int flags)
{
	const struct state_store *s = &r->cluster.store;
	if (s->current)
		return EXIT_OK;
	if (!(flags & RUN_LOCK)) {
		warning("the state shown may not be the latest: %s", sb_str(&s->unproven));
		return EXIT_OK;
	}
	error("refusing to change the cluster: the state cannot be proven current "
	      "(nothing is removed or moved on a state that may be stale): %s", sb_str(&s->unproven));
	return fleet_unreachable(&r->cluster.managers) ? EXIT_UNREACHABLE : EXIT_FAIL;
}

static int read_state(struct run *r, int flags)
{
	struct strbuf err = STRBUF_INIT;
	int ret = EXIT_OK;
	switch (cluster_read_state(&r->cluster, &r->st, &err)) {
	case STATE_READ_OK:
		ret = check_current(r, flags);
		break;
	case STATE_READ_MISSING:
		error("%s", sb_str(&err));
		ret = EXIT_FAIL;
		break;
	case STATE_READ_FAIL:
		error("%s", sb_str(&err));
		ret = fleet_unreachable(&r->cluster.managers) == r->cluster.managers.n ?
		      EXIT_UNREACHABLE : EXIT_FAIL;
		break;
	}
	sb_free(&err);
	return ret;
}

struct stack *run_load_stack_json(const char *name, const char *json)
{
	struct compose_opts co = { .name = name, .quiet = true, .resolved = true, .working_dir = "/" };
	struct strbuf err = STRBUF_INIT;
	struct stack *st = NULL;
	char *label = xasprintf("state:stacks.%s", name);
	if (compose_load_buffer(label, json, strlen(json), &co, &st, &err) != 0)
		error("stack %s: %s", name, sb_str(&err));
	free(label);
	sb_free(&err);
	return st;
}

static int load_stacks(struct run *r)
{
	r->stacks = xcalloc(r->st.nstacks ? r->st.nstacks : 1, sizeof(*r->stacks));
	for (size_t i = 0; i < r->st.nstacks; i++)
		if (!(r->stacks[i] = run_load_stack_json(r->st.stacks[i].name, r->st.stacks[i].spec_json)))
			return EXIT_FAIL;
	return EXIT_OK;
}

static void fail_silent(struct fleet_host *h)
{
	h->fail = SSH_FAIL_TIMEOUT;
	sb_reset(&h->error);
	sb_adds(&h->error, "no answer (reconcile --watch)");
}

/* Hosts the caller already knows to be unreachable fail at once instead
 * of costing a connect timeout each. */
static void mark_silent(struct run *r)
{
	for (size_t i = 0; r->silent && i < r->fleet.n; i++) {
		r->fleet.hosts[i].cancel = &r->silent[r->index[i]];
		if (atomic_load(&r->silent[r->index[i]]))
			fail_silent(&r->fleet.hosts[i]);
	}
	for (size_t k = 0; r->silent && k < r->cluster.ninventory; k++)
		if (atomic_load(&r->silent[r->cluster.manager_index[k]]))
			fail_silent(&r->cluster.managers.hosts[k]);
}

static int open_cluster(struct run *r)
{
	struct strbuf err = STRBUF_INIT;
	struct host_opts all = r->opts;

	all.limit = NULL;	/* placement needs every host */
	if (open_fleet(&all, &r->inv, &r->fleet, &r->index) != 0)
		return EXIT_FAIL;
	run_index_hosts(r);
	if (cluster_open(&r->cluster, &r->inv, &r->opts.target, r->copts.name, r->opts.forks,
			 r->opts.timeout_ms, &err) != 0) {
		error("%s", sb_str(&err));
		sb_free(&err);
		return EXIT_FAIL;
	}
	r->cluster_opened = 1;
	mark_silent(r);
	sb_free(&err);
	return EXIT_OK;
}

/* One login per host and run: every host is connected at once, and the
 * managers' state reads, locks and writes go over the same sessions as
 * their observation and waves (a host that could not be reached is not
 * tried again there). */
static void share_logins(struct run *r)
{
	struct fleet *m = &r->cluster.managers;
	for (size_t i = 0; i < r->fleet.n; i++) {
		const struct fleet_host *h = &r->fleet.hosts[i];
		for (size_t k = 0; k < m->n; k++) {
			struct fleet_host *mh = &m->hosts[k];
			if (r->cluster.manager_index[k] != r->index[i] || mh->conn || mh->fail != SSH_OK)
				continue;
			mh->conn = ssh_conn_share(h->conn);
			if (h->fail != SSH_OK) {
				mh->fail = h->fail;
				sb_reset(&mh->error);
				sb_adds(&mh->error, sb_str(&h->error));
			}
		}
	}
}

void run_log_in(struct run *r)
{
	fleet_each(&r->fleet, NULL, NULL);
	share_logins(r);
}

static int take_lock(struct run *r, int argc, char **argv)
{
	struct strbuf err = STRBUF_INIT;
	char *holder = lock_holder_line(argc, argv);
	int ret = cluster_lock(&r->cluster, holder, r->copts.lock_wait_ms, &err);
	if (ret != 0)
		error("%s", sb_str(&err));
	free(holder);
	sb_free(&err);
	return ret;
}

/* --limit has one meaning for a run: show only what is on those hosts.
 * A command that places, changes or counts tasks needs every host, and
 * says so rather than ignoring the option. */
static int apply_limit(struct run *r, int flags, const char *command)
{
	struct strbuf err = STRBUF_INIT;
	if (!r->opts.limit)
		return EXIT_OK;
	if (!(flags & RUN_LIMIT))
		return usage_error("%s: --limit is not supported here: placement and changes need "
				   "every host (--limit works with node ls, exec, and ps and logs "
				   "of stacks and services)", command);
	unsigned char *sel = xcalloc(r->inv.nhosts + 1, 1);
	int ret = EXIT_OK;
	if (inventory_select(&r->inv, r->opts.limit, sel, &err) != 0) {
		error("--limit: %s", sb_str(&err));
		ret = EXIT_USAGE;
	} else {
		r->in_limit = xcalloc(r->fleet.n + 1, 1);
		for (size_t i = 0; i < r->fleet.n; i++)
			r->in_limit[i] = sel[r->index[i]];
	}
	free(sel);
	sb_free(&err);
	return ret;
}

/* sha256 of st as it would be written. */
static char *state_digest(const struct state *st)
{
	struct strbuf json = STRBUF_INIT;
	state_write_json(st, &json);
	char *hash = state_hash(sb_str(&json));
	sb_free(&json);
	return hash;
}

int run_open(struct run *r, int flags, int argc, char **argv)
{
	int ret;
	if (host_opts_check(&r->opts))
		return EXIT_USAGE;
	if ((ret = open_cluster(r)) != EXIT_OK)
		return ret;
	if ((ret = apply_limit(r, flags, argc > 0 ? argv[0] : "cswarm")) != EXIT_OK)
		return ret;
	if (flags & RUN_OBSERVE) {
		run_log_in(r);
		run_fault_point("after-login");
	}
	if ((flags & RUN_LOCK) && (ret = take_lock(r, argc, argv)) != EXIT_OK)
		return ret;
	r->locked = (flags & RUN_LOCK) != 0;
	if (r->locked)
		run_fault_point("after-lock");
	if (flags & RUN_NO_STATE)
		return EXIT_OK;
	if ((ret = read_state(r, flags)) != EXIT_OK)
		return ret;
	if (r->locked)
		r->read_hash = state_digest(&r->st);
	if (flags & RUN_OBSERVE)
		share_logins(r);	/* managers promoted in the state */
	if ((flags & RUN_STACKS) && (ret = load_stacks(r)) != EXIT_OK)
		return ret;
	if (flags & RUN_OBSERVE) {
		r->views = xcalloc(r->fleet.n ? r->fleet.n : 1, sizeof(*r->views));
		engine_observe(&r->fleet, r->st.cluster_id, r->opts.timeout_ms, r->views);
		run_fault_point("after-observe");
	}
	return EXIT_OK;
}

/* Test hook, documented in docs/reliability.md: CSWARM_FAULT=PHASE:sigkill
 * kills this process with SIGKILL when the run reaches PHASE (after-lock,
 * after-intent, after-wave, before-commit), as a crash would;
 * PHASE:sigstop stops it there until SIGCONT, so that a test injects a
 * fault at that exact point without timing. */
void run_fault_point(const char *phase)
{
	trace_phase(phase);
	const char *f = getenv("CSWARM_FAULT");
	size_t n = strlen(phase);
	if (!f || strncmp(f, phase, n) != 0 || f[n] != ':')
		return;
	fflush(NULL);
	if (streq(f + n + 1, "sigkill"))
		raise(SIGKILL);
	else if (streq(f + n + 1, "sigstop"))
		raise(SIGSTOP);
}

int run_check_lock(struct run *r)
{
	struct strbuf err = STRBUF_INIT;
	if (r->stop || !r->locked)
		return r->stop;
	if (cluster_lock_check(&r->cluster, &err) != 0) {
		error("%s: stopped before changing more hosts; run cswarm reconcile once the "
		      "managers answer", sb_str(&err));
		r->stop = EXIT_LOCK_LOST;
	}
	sb_free(&err);
	return r->stop;
}

/* Write st under the lock; sets and returns r->stop on failure. */
static int write_state(struct run *r, struct state *st, const char *change, const char *what)
{
	struct strbuf err = STRBUF_INIT;
	int fenced = 0;
	if (run_check_lock(r) != EXIT_OK)
		return r->stop;
	if (cluster_write_state(&r->cluster, st, change, &fenced, &err) != 0) {
		error("writing the cluster state%s: %s", what, sb_str(&err));
		r->stop = fenced ? EXIT_LOCK_LOST :
			  fleet_unreachable(&r->cluster.managers) ? EXIT_UNREACHABLE : EXIT_FAIL;
	}
	sb_free(&err);
	return r->stop;
}

void run_state_record(struct state *st, const struct converge *cv, int wave)
{
	const char **gone = xcalloc(cv->nops ? cv->nops : 1, sizeof(*gone));
	size_t ngone = 0;
	for (size_t i = 0; i < cv->nops; i++) {
		const struct op *op = &cv->ops[i];
		if (wave >= 0 && (op->wave != wave || !op->done))
			continue;
		if (op->kind == OP_START)
			state_add_task(st, &op->task);
		else if (op->kind == OP_STOP && op->task.id && *op->task.id)
			gone[ngone++] = op->task.id;
	}
	state_remove_tasks(st, gone, ngone);
	free(gone);
}

int run_write_intent(struct run *r, const struct converge *cv)
{
	struct strbuf json = STRBUF_INIT, err = STRBUF_INIT;
	struct state next;
	size_t changes = 0;

	if (r->stop)
		return r->stop;
	for (size_t i = 0; i < cv->nops; i++)
		changes += !cv->ops[i].done;
	if (!changes)
		return EXIT_OK;
	state_write_json(&r->st, &json);
	if (state_parse(json.buf, json.len, &next, &err) != 0)
		die("state copy: %s", sb_str(&err));
	run_state_record(&next, cv, -1);
	char *change = xasprintf("plan: %zu operations (the run applies them next)", changes);
	if (write_state(r, &next, change, " before changing any host") == EXIT_OK) {
		r->st.version = next.version;
		run_fault_point("after-intent");
	}
	free(change);
	state_free(&next);
	sb_free(&json);
	sb_free(&err);
	return r->stop;
}

int run_commit(struct run *r, const char *change)
{
	if (r->stop)
		return r->stop;
	run_fault_point("before-commit");
	/* Nothing to record and every manager holds the state already (a
	 * write repairs one that is behind or broken, or a promoted host's
	 * copy, which reads do not see): no write, no history entry, one
	 * round trip less for a no-op deploy. */
	char *now = state_digest(&r->st);
	int same = r->read_hash && streq(now, r->read_hash) && r->cluster.store.in_sync &&
		   r->cluster.managers.n == r->cluster.ninventory;
	free(now);
	return same ? EXIT_OK : write_state(r, &r->st, change, "");
}

void run_close(struct run *r)
{
	if (r->stacks)
		for (size_t i = 0; i < r->st.nstacks; i++)
			stack_free(r->stacks[i]);
	free(r->stacks);
	net_plan_free(r->net);
	if (r->views)
		host_views_free(r->views, r->fleet.n);
	if (r->cluster_opened)
		cluster_close(&r->cluster);
	state_free(&r->st);
	if (r->key)
		OPENSSL_cleanse(r->key, sizeof(*r->key));
	free(r->key);
	strmap_free(&r->host_at);
	fleet_free(&r->fleet);
	free(r->index);
	free(r->in_limit);
	free(r->read_hash);
	inventory_free(&r->inv);
	memset(r, 0, sizeof(*r));
}

void run_warn_down(const struct run *r)
{
	for (size_t i = 0; r->views && i < r->fleet.n; i++)
		if (r->views[i].down)
			warning("%s (%s)", sb_str(&r->views[i].detail), r->views[i].down);
}

void run_index_hosts(struct run *r)
{
	for (size_t i = 0; i < r->fleet.n; i++)
		if (strmap_get(&r->host_at, r->fleet.hosts[i].target.name) == (size_t)-1)
			strmap_put(&r->host_at, r->fleet.hosts[i].target.name, i);
}

long run_host(const struct run *r, const char *name)
{
	size_t at = name ? strmap_get(&r->host_at, name) : (size_t)-1;
	return at == (size_t)-1 ? -1 : (long)at;
}

const struct stack *run_stack(const struct run *r, const char *stack)
{
	for (size_t i = 0; r->stacks && i < r->st.nstacks; i++)
		if (streq(r->st.stacks[i].name, stack))
			return r->stacks[i];
	return NULL;
}
