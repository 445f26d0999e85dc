/* Applying converge operations: wave by wave, one script per host sent on
 * stdin (never argv: it may carry secret files), hosts in parallel, then
 * waiting for what was started to run before the next wave. */
#include "engine/apply_int.h"
#include "engine/converge.h"
#include "engine/files.h"
#include "docker/restart.h"
#include "engine/net.h"
#include "docker/run.h"
#include "util/shell.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { WAIT_POLL_MS = 300 };

struct host_script {
	const char *nonce;	/* in the markers: a task's output cannot forge them */
	struct strbuf text;
	size_t *ops;		/* indexes into cv->ops, in script order */
	size_t nops, cap;
	size_t *group;		/* stops running in the background, not reported yet */
	size_t ngroup, group_cap;
	int has_tmp;		/* the script made its $T directory */
	const struct stack **prepared_stacks;
	size_t nstacks, stacks_cap;
	const struct service **prepared_svcs;
	size_t nsvcs, svcs_cap;
	struct ssh_result res;
	int ran;
};

static int prepared(const void **list, size_t n, const void *p)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == p)
			return 1;
	return 0;
}

/* Networks once per stack, volumes once per service, in each host's script
 * before the first container needing them; then the task's own secret and
 * config files. */
static int prepare(struct run *r, struct host_script *hs, const struct op *op, struct strbuf *block,
		   struct strbuf *err)
{
	if (!prepared((const void **)hs->prepared_stacks, hs->nstacks, op->stack)) {
		if (docker_network_script(op->stack, r->st.cluster_id, block, err) != 0)
			return -1;
		GROW(hs->prepared_stacks, hs->stacks_cap, hs->nstacks + 1);
		hs->prepared_stacks[hs->nstacks++] = op->stack;
	}
	if (!prepared((const void **)hs->prepared_svcs, hs->nsvcs, op->svc)) {
		if (docker_volume_script(op->stack, op->svc, r->st.cluster_id, block, err) != 0)
			return -1;
		GROW(hs->prepared_svcs, hs->svcs_cap, hs->nsvcs + 1);
		hs->prepared_svcs[hs->nsvcs++] = op->svc;
	}
	return engine_files_script(r, op, block, err);
}

static struct task_ref ref_of(const struct run *r, const struct op *op, char dns[16])
{
	const struct state_task *t = &op->task;
	struct task_ref ref = { r->st.cluster_id, t->stack, t->service, t->id, t->node, t->hash, t->slot,
				t->restarts, NULL };
	if (op->svc && net_task_dns(r, op->host, op->stack, op->svc, dns) == 0)
		ref.dns = dns;
	return ref;
}

static const char *verb(enum op_kind kind)
{
	return kind == OP_START ? "start" : kind == OP_STOP ? "stop" : "update";
}

static const char *verb_past(enum op_kind kind)
{
	return kind == OP_START ? "started" : kind == OP_STOP ? "stopped" : "updated";
}

static void restart_policy_command(const struct op *op, struct strbuf *out)
{
	struct strbuf policy = STRBUF_INIT;
	docker_restart_policy(&op->svc->deploy.restart_policy, op->task.restarts, &policy);
	sb_adds(out, "docker update --restart");
	sh_arg(out, policy.buf);
	sh_arg(out, op->container);
	sb_adds(out, " >/dev/null\n");
	sb_free(&policy);
}

/* The commands of one operation (without preparation). */
static int op_commands(struct run *r, const struct op *op, struct strbuf *out, struct strbuf *err)
{
	if (op->kind == OP_STOP) {
		long long grace = op->svc ? op->svc->stop_grace_period_ms : -1;
		/* Gone already (lost, or removed by hand) counts as stopped. */
		sb_adds(out, "if docker container inspect");
		sh_arg(out, op->container);
		sb_adds(out, " >/dev/null 2>&1; then ");
		docker_stop_command(op->container, grace, out);
		sb_rtrim(out);
		sb_adds(out, "; fi\n");
		return 0;
	}
	if (op->kind == OP_UPDATE) {
		restart_policy_command(op, out);
		return 0;
	}
	char dns[16];
	struct task_ref ref = ref_of(r, op, dns);
	const char *files_root = engine_files_root(r, op->host, err);
	return files_root ? docker_run_command(op->stack, op->svc, &ref, files_root, out, err) : -1;
}

/* Wait for the stops running in the background, then report each between
 * its markers, in order. A heartbeat line every few seconds keeps the
 * (idle) command timeout from firing while they honour long grace periods. */
static void flush_group(struct host_script *hs)
{
	if (!hs->ngroup)
		return;
	sb_adds(&hs->text, "(while :; do sleep 5; echo '@@alive'; done) & hb=$!\n"
		"wait $P; kill $hb; wait $hb 2>/dev/null; P=\n");
	for (size_t i = 0; i < hs->ngroup; i++)
		sb_addf(&hs->text, "echo '@@op %s %zu'; cat \"$T/%zu\"; "
			"printf '\\n@@rc %s %zu %%s\\n' \"$(cat \"$T/%zu.rc\" 2>/dev/null || echo 1)\"\n",
			hs->nonce, hs->group[i], hs->group[i], hs->nonce, hs->group[i], hs->group[i]);
	hs->ngroup = 0;
}

/* One operation's commands in the host's script, between markers that
 * collect() reads back. Consecutive stops run together: stopping four tasks
 * that ignore SIGTERM costs one grace period, not four. */
static void add_block(struct host_script *hs, size_t index, const struct strbuf *block,
		      int background)
{
	if (!background) {
		flush_group(hs);
		/* The rc marker starts a line of its own even after output
		 * without a final newline. */
		sb_addf(&hs->text, "echo '@@op %s %zu'\n(\n%s) 2>&1\nprintf '\\n@@rc %s %zu %%s\\n' \"$?\"\n",
			hs->nonce, index, sb_str(block), hs->nonce, index);
	} else {
		if (!hs->has_tmp) {
			sb_adds(&hs->text, "T=$(mktemp -d) || exit 1; trap 'rm -rf \"$T\"' EXIT; P=\n");
			hs->has_tmp = 1;
		}
		sb_addf(&hs->text, "( (\n%s) >\"$T/%zu\" 2>&1; echo $? >\"$T/%zu.rc\" ) & P=\"$P $!\"\n",
			sb_str(block), index, index);
		GROW(hs->group, hs->group_cap, hs->ngroup + 1);
		hs->group[hs->ngroup++] = index;
	}
	GROW(hs->ops, hs->cap, hs->nops + 1);
	hs->ops[hs->nops++] = index;
}

/* Build every host's script for one wave; ops that cannot even be written
 * down (bad stack content) fail here. Returns how many hosts have work. */
static size_t build_wave(struct run *r, struct converge *cv, int wave, struct host_script *hs,
			 size_t *failed)
{
	size_t hosts = 0;
	/* Outside rolling updates (whose order is update_config.order), a
	 * host stops before it starts: a removed or orphan task frees its
	 * ports and names for the new ones. */
	int passes = wave >= WAVE_UPDATE ? 1 : 2;
	for (int pass = 0; pass < passes; pass++)
	for (size_t i = 0; i < cv->nops; i++) {
		struct op *op = &cv->ops[i];
		if (op->wave != wave || op->done)
			continue;
		if (passes == 2 && (op->kind == OP_STOP) != (pass == 0))
			continue;
		if (r->views[op->host].down || r->fleet.hosts[op->host].fail != SSH_OK) {
			/* Unreachable: a stop is only forgotten (the container
			 * goes when the host returns); a start fails. */
			op->done = op->kind == OP_STOP;
			if (op->kind == OP_START)
				(*failed)++;
			continue;
		}
		struct strbuf block = STRBUF_INIT, err = STRBUF_INIT;
		struct host_script *h = &hs[op->host];
		if ((op->kind == OP_START && prepare(r, h, op, &block, &err) != 0) ||
		    op_commands(r, op, &block, &err) != 0) {
			error("%s: %s: %s", r->fleet.hosts[op->host].target.name, op->container, sb_str(&err));
			(*failed)++;
		} else {
			hosts += h->nops == 0;
			add_block(h, i, &block, op->kind == OP_STOP);
		}
		sb_free(&block);
		sb_free(&err);
	}
	for (size_t h = 0; h < r->fleet.n; h++)
		flush_group(&hs[h]);
	return hosts;
}

struct wave_job {
	struct host_script *hs;
	long timeout_ms;
};

static void run_script(struct fleet_host *h, size_t i, void *ctx)
{
	struct wave_job *job = ctx;
	struct host_script *hs = &job->hs[i];
	if (!hs->nops)
		return;
	struct ssh_exec x = { .command = "sh -s", .stdin_data = hs->text.buf,
			      .stdin_len = hs->text.len, .timeout_ms = job->timeout_ms,
			      .idle_timeout = 1 };
	hs->ran = fleet_exec(h, &x, &hs->res) == SSH_OK;
}

int converge_op_result(const char *out, const char *nonce, size_t index, struct strbuf *msg)
{
	char *start = xasprintf("@@op %s %zu\n", nonce, index);
	char *end = xasprintf("\n@@rc %s %zu ", nonce, index);
	const char *a = strstr(out, start), *b = a ? strstr(a + strlen(start) - 1, end) : NULL;
	long rc = -1;
	if (a && b) {
		char *stop;
		const char *num = b + strlen(end);
		rc = strtol(num, &stop, 10);
		if (stop == num || (*stop && *stop != '\n') || rc < 0 || rc > 255)
			rc = -1;
		a += strlen(start);
		sb_add(msg, a, a < b ? (size_t)(b - a) : 0);
		sb_rtrim(msg);
	}
	free(start);
	free(end);
	return (int)rc;
}

/* --- progress on a terminal ------------------------------------------------ */

/* When stdout is a terminal, one line kept at the bottom shows the wave and,
 * per service, the tasks started so far of those to start, and failures
 * (docker service update's progress, condensed). Pipes, CI and cron get
 * the plain lines only. */
static int progress_on = -1;

static int progress_enabled(void)
{
	if (progress_on < 0)
		progress_on = isatty(STDOUT_FILENO) && !getenv("CSWARM_NO_PROGRESS");
	return progress_on;
}

static void progress_clear(void)
{
	if (progress_enabled())
		fputs("\r\033[K", stdout);
}

static void progress_draw(const struct converge *cv, int wave)
{
	if (!progress_enabled())
		return;
	struct strbuf line = STRBUF_INIT;
	sb_addf(&line, "\r\033[K[wave %d/%d]", wave + 1, cv->nwaves);
	for (size_t i = 0; i < cv->nops; i++) {
		const struct op *op = &cv->ops[i];
		int seen = 0;
		for (size_t k = 0; k < i && !seen; k++)
			seen = cv->ops[k].svc == op->svc && cv->ops[k].stack == op->stack;
		if (seen || !op->svc)
			continue;
		size_t total = 0, started = 0, failed = 0;
		for (size_t k = i; k < cv->nops; k++) {
			const struct op *o = &cv->ops[k];
			if (o->svc != op->svc || o->kind != OP_START)
				continue;
			total++;
			started += o->done;
			failed += !o->done && o->wave < wave;
		}
		if (total)
			sb_addf(&line, "  %s_%s %zu/%zu%s", op->stack->name, op->svc->name, started, total,
				failed ? " (failures)" : "");
	}
	fputs(sb_str(&line), stdout);
	fflush(stdout);
	sb_free(&line);
}

static void report_op(struct run *r, const struct op *op, int ok, const char *msg)
{
	progress_clear();
	const char *host = r->fleet.hosts[op->host].target.name;
	if (ok)
		printf("%s: %s %s (%s)\n", host, verb_past(op->kind), op->container, op_why(op));
	else
		error("%s: %s %s failed: %s", host, verb(op->kind), op->container,
		      msg && *msg ? msg : "no result");
	fflush(stdout);
}

static size_t collect(struct run *r, struct converge *cv, struct host_script *hs)
{
	size_t failed = 0;
	for (size_t h = 0; h < r->fleet.n; h++) {
		for (size_t k = 0; k < hs[h].nops; k++) {
			struct op *op = &cv->ops[hs[h].ops[k]];
			struct strbuf msg = STRBUF_INIT;
			int rc = hs[h].ran ? converge_op_result(sb_str(&hs[h].res.out), hs[h].nonce,
								 hs[h].ops[k], &msg) : -1;
			if (!hs[h].ran)
				sb_adds(&msg, sb_str(&r->fleet.hosts[h].error));
			op->done = rc == 0;
			failed += !op->done;
			if (!op->done || !cv->quiet)
				report_op(r, op, op->done, msg.buf);
			sb_free(&msg);
		}
	}
	return failed;
}

static void scripts_free(struct host_script *hs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		sb_free(&hs[i].text);
		free(hs[i].ops);
		free(hs[i].group);
		free(hs[i].prepared_stacks);
		free(hs[i].prepared_svcs);
		ssh_result_free(&hs[i].res);
	}
	free(hs);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 1 running (and healthy where checked), -1 failed, 0 not yet. */
static int task_settled(const struct host_view *v, const struct op *op)
{
	if (v->down)
		return -1;
	switch (container_phase(view_find_task(v, op->task.id))) {
	case PHASE_RUNNING:
		return 1;
	case PHASE_UNHEALTHY:
	case PHASE_ENDED:
		return -1;
	case PHASE_GONE:	/* not seen yet */
	case PHASE_STARTING:
	case PHASE_HELD:
		break;
	}
	return 0;
}

/* Wait until the tasks started in this wave run; returns how many did not. */
static size_t wait_wave(struct run *r, struct converge *cv, int wave, long wait_ms)
{
	unsigned char *want = xcalloc(r->fleet.n ? r->fleet.n : 1, 1);
	long long deadline = now_ms() + wait_ms;
	size_t unsettled;
	for (;;) {
		unsettled = 0;
		memset(want, 0, r->fleet.n);
		for (size_t i = 0; i < cv->nops; i++) {
			struct op *op = &cv->ops[i];
			if (op->wave != wave || op->kind != OP_START || !op->done)
				continue;
			int s = task_settled(&r->views[op->host], op);
			if (s == 0) {
				unsettled++;
				want[op->host] = 1;
			}
		}
		if (!unsettled || now_ms() >= deadline)
			break;
		progress_draw(cv, wave);
		usleep(WAIT_POLL_MS * 1000);
		engine_reobserve(&r->fleet, r->st.cluster_id, r->opts.timeout_ms, r->views, want);
	}
	size_t bad = 0;
	for (size_t i = 0; i < cv->nops; i++) {
		struct op *op = &cv->ops[i];
		if (op->wave == wave && op->kind == OP_START && op->done &&
		    task_settled(&r->views[op->host], op) != 1) {
			progress_clear();
			error("%s: %s did not reach running%s", r->fleet.hosts[op->host].target.name,
			      op->container, unsettled ? " in time" : "");
			bad++;
		}
	}
	free(want);
	return bad;
}

/* The longest update_config.monitor among the services started in the wave. */
static long long monitor_ms(const struct converge *cv, int wave)
{
	long long ms = 0;
	for (size_t i = 0; i < cv->nops; i++) {
		const struct op *op = &cv->ops[i];
		if (op->wave == wave && op->kind == OP_START && op->done && op->svc &&
		    op->svc->deploy.update_config.monitor_ms > ms)
			ms = op->svc->deploy.update_config.monitor_ms;
	}
	return ms;
}

/* update_config.monitor: a task of the wave that stops running within the
 * period (it exited, turned unhealthy, or its engine restarted it: another
 * StartedAt) counts as failed. Returns how many did. */
static size_t monitor_wave(struct run *r, struct converge *cv, int wave)
{
	long long period = monitor_ms(cv, wave);
	if (period <= 0)
		return 0;
	char **started = xcalloc(cv->nops ? cv->nops : 1, sizeof(*started));
	unsigned char *want = xcalloc(r->fleet.n ? r->fleet.n : 1, 1), *bad = xcalloc(cv->nops ? cv->nops : 1, 1);
	size_t failed = 0;
	for (long long deadline = now_ms() + period;;) {
		for (size_t i = 0; i < cv->nops; i++) {
			struct op *op = &cv->ops[i];
			if (op->wave != wave || op->kind != OP_START || !op->done || bad[i])
				continue;
			want[op->host] = 1;
			const struct observed *c = view_find_task(&r->views[op->host], op->task.id);
			if (c && !started[i])
				started[i] = xstrdup(c->started_at ? c->started_at : "");
			if (c && task_settled(&r->views[op->host], op) == 1 &&
			    streq(started[i], c->started_at ? c->started_at : ""))
				continue;
			bad[i] = 1;
			failed++;
			progress_clear();
			error("%s: %s failed within the update's monitor period",
			      r->fleet.hosts[op->host].target.name, op->container);
		}
		if (now_ms() >= deadline)
			break;
		usleep(WAIT_POLL_MS * 1000);
		engine_reobserve(&r->fleet, r->st.cluster_id, r->opts.timeout_ms, r->views, want);
	}
	for (size_t i = 0; i < cv->nops; i++)
		free(started[i]);
	free(started);
	free(want);
	free(bad);
	return failed;
}

static long long update_delay_ms(const struct converge *cv, int wave)
{
	long long delay = 0;
	for (size_t i = 0; i < cv->nops; i++)
		if (cv->ops[i].wave == wave && cv->ops[i].svc &&
		    cv->ops[i].svc->deploy.update_config.delay_ms > delay)
			delay = cv->ops[i].svc->deploy.update_config.delay_ms;
	return delay;
}

/* update_config.max_failure_ratio: the largest tolerance of the wave's
 * services (0 unless set: any failure acts). */
static double failure_tolerance(const struct converge *cv, int wave)
{
	double ratio = 0;
	for (size_t i = 0; i < cv->nops; i++)
		if (cv->ops[i].wave == wave && cv->ops[i].svc &&
		    cv->ops[i].svc->deploy.update_config.max_failure_ratio > ratio)
			ratio = cv->ops[i].svc->deploy.update_config.max_failure_ratio;
	return ratio;
}

static size_t update_starts(const struct converge *cv)
{
	size_t n = 0;
	for (size_t i = 0; i < cv->nops; i++)
		n += cv->ops[i].wave >= WAVE_UPDATE && cv->ops[i].kind == OP_START;
	return n;
}

/* The failure_action of a failed update batch: continue only when every
 * service in it says so, rollback when one asks for it, else pause
 * (swarm's default). */
static enum failure_action update_failure_action(const struct converge *cv, int wave)
{
	enum failure_action verdict = FAILURE_CONTINUE;
	for (size_t i = 0; i < cv->nops; i++) {
		const struct op *op = &cv->ops[i];
		enum failure_action action = op->svc ? op->svc->deploy.update_config.failure_action :
					     FAILURE_UNSET;
		if (op->wave != wave || action == FAILURE_CONTINUE)
			continue;
		if (action == FAILURE_ROLLBACK)
			return FAILURE_ROLLBACK;
		verdict = FAILURE_PAUSE;
	}
	return verdict;
}

/* Hosts where a task with secret or config files started or stopped: their
 * unused files go. */
static void clean_files(struct run *r, const struct converge *cv)
{
	unsigned char *hosts = xcalloc(r->fleet.n + 1, 1);
	int any = 0;
	for (size_t i = 0; i < cv->nops; i++)
		if (engine_op_has_files(&cv->ops[i]))
			any = hosts[cv->ops[i].host] = 1;
	if (any)
		engine_files_cleanup(r, hosts);
	free(hosts);
}

/* What to do after an update wave: the failure action once the failures
 * of the update so far exceed max_failure_ratio of its tasks. */
enum failure_action after_update_wave(const struct converge *cv, int wave,
				      size_t wave_failed, size_t *update_failed)
{
	if (wave < WAVE_UPDATE || !wave_failed)
		return FAILURE_CONTINUE;
	*update_failed += wave_failed;
	size_t total = update_starts(cv);
	double ratio = total ? (double)*update_failed / (double)total : 1;
	if (ratio <= failure_tolerance(cv, wave)) {
		warning("update: %zu of %zu tasks failed, within max_failure_ratio: going on",
			*update_failed, total);
		return FAILURE_CONTINUE;
	}
	return update_failure_action(cv, wave);
}

/* The hosts of the wave as their scripts saw them at the end; those whose
 * script did not run or whose observation failed are observed again. */
static void observe_after_wave(struct run *r, const struct host_script *hs)
{
	unsigned char *want = xcalloc(r->fleet.n ? r->fleet.n : 1, 1);
	size_t again = 0;
	for (size_t h = 0; h < r->fleet.n; h++) {
		want[h] = hs[h].nops > 0 &&
			  (!hs[h].ran || engine_view_from_script(&r->views[h], r->fleet.hosts[h].target.name,
								  r->st.cluster_id, sb_str(&hs[h].res.out)) != 0);
		again += want[h];
	}
	if (again)
		engine_reobserve(&r->fleet, r->st.cluster_id, r->opts.timeout_ms, r->views, want);
	free(want);
}

/* Operations left undone when the run stops (lock lost, state not written). */
static size_t undone(const struct converge *cv)
{
	size_t n = 0;
	for (size_t i = 0; i < cv->nops; i++)
		n += !cv->ops[i].done;
	return n;
}

size_t converge_apply(struct run *r, struct converge *cv, long wait_ms)
{
	size_t failed = 0, update_failed = 0;
	struct strbuf err = STRBUF_INIT;
	if (engine_files_ready(r, cv, &err) != 0) {
		error("%s: nothing changed", err.buf);
		sb_free(&err);
		return cv->nops;
	}
	sb_free(&err);
	/* The plan reaches a majority of the managers before any host
	 * changes, and the lock is checked before every wave. */
	if (run_write_intent(r, cv) != EXIT_OK)
		return undone(cv);
	char *nonce = state_new_task_id();
	/* The overlay first (a host that cannot take it stops everything; one
	 * whose push fails fails its own tasks), then before each wave: new
	 * tasks join the endpoints once they run, tasks leave them before they
	 * stop. */
	int pushed = net_push(r, cv, 0);
	run_fault_point("after-push");
	if (pushed < 0) {
		free(nonce);
		return cv->nops ? cv->nops : 1;
	}
	failed += (size_t)pushed;
	for (int wave = 0; wave < cv->nwaves; wave++) {
		if (run_check_lock(r) != EXIT_OK) {
			free(nonce);
			return undone(cv);
		}
		if (wave > 0 && net_push(r, cv, wave) != 0)
			failed++;
		struct host_script *hs = xcalloc(r->fleet.n ? r->fleet.n : 1, sizeof(*hs));
		for (size_t h = 0; h < r->fleet.n; h++) {
			hs[h].nonce = nonce;
			sb_init(&hs[h].text);
			ssh_result_init(&hs[h].res);
		}
		size_t wave_failed = 0;
		if (build_wave(r, cv, wave, hs, &wave_failed)) {
			struct wave_job job = { hs, r->opts.timeout_ms };
			for (size_t h = 0; h < r->fleet.n; h++)
				if (hs[h].nops)
					engine_observe_append(r->st.cluster_id, r->fleet.hosts[h].target.name,
							      &hs[h].text);
			fleet_each(&r->fleet, run_script, &job);
			wave_failed += collect(r, cv, hs);
			observe_after_wave(r, hs);
			run_fault_point("after-wave-script");
			wave_failed += wait_wave(r, cv, wave, wait_ms);
			if (wave >= WAVE_UPDATE && !wave_failed)
				wave_failed += monitor_wave(r, cv, wave);
		}
		run_state_record(&r->st, cv, wave);
		progress_draw(cv, wave);
		run_fault_point("after-wave");
		scripts_free(hs, r->fleet.n);
		failed += wave_failed;
		enum failure_action action = after_update_wave(cv, wave, wave_failed, &update_failed);
		if (action != FAILURE_CONTINUE) {
			cv->rollback = action == FAILURE_ROLLBACK;
			progress_clear();
			error("update %s after a failed batch (update_config.failure_action)",
			      cv->rollback ? "stopped, rolling back," : "paused");
			break;
		}
		if (wave >= WAVE_UPDATE && wave + 1 < cv->nwaves)
			usleep((useconds_t)(update_delay_ms(cv, wave) * 1000));
	}
	if (cv->nwaves && net_push(r, cv, -1) != 0)
		failed++;
	run_fault_point("after-last-push");
	clean_files(r, cv);
	if (cv->nops && progress_enabled()) {
		progress_draw(cv, cv->nwaves - 1);
		fputc('\n', stdout);
	}
	free(nonce);
	return failed;
}

void converge_print(struct run *r, const struct converge *cv, FILE *out)
{
	for (int wave = 0; wave < cv->nwaves; wave++) {
		for (size_t h = 0; h < r->fleet.n; h++) {
			for (size_t i = 0; i < cv->nops; i++) {
				const struct op *op = &cv->ops[i];
				if (op->wave != wave || op->host != h)
					continue;
				struct strbuf cmd = STRBUF_INIT, err = STRBUF_INIT;
				fprintf(out, "%s: %s %s (%s)%s\n", r->fleet.hosts[h].target.name,
					verb(op->kind), op->container, op_why(op),
					wave >= WAVE_UPDATE ? " [rolling update]" : wave == WAVE_MOVED ?
					" [after the new copy runs]" : "");
				if (op_commands(r, op, &cmd, &err) == 0)
					fprintf(out, "    %s", sb_str(&cmd));
				else
					fprintf(out, "    error: %s\n", sb_str(&err));
				sb_free(&cmd);
				sb_free(&err);
			}
		}
	}
	fputs(sb_str(&cv->pending), out);
	net_print(r, out);
}
