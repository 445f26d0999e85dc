/* Applying converge operations: wave by wave, one script per host sent on
 * stdin (never argv: it may carry secret files), hosts in parallel, then
 * waiting for what was started to run before the next wave. */
#include "engine/converge.h"
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
	struct strbuf text;
	size_t *ops;		/* indexes into cv->ops, in script order */
	size_t nops, cap;
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

/* Networks once per stack, volumes and secret/config files once per
 * service, in each host's script before the first container needing them. */
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
		if (docker_volume_script(op->stack, op->svc, r->st.cluster_id, block, err) != 0 ||
		    docker_files_script(op->stack, op->svc, NULL, block, err) != 0)
			return -1;
		GROW(hs->prepared_svcs, hs->svcs_cap, hs->nsvcs + 1);
		hs->prepared_svcs[hs->nsvcs++] = op->svc;
	}
	return 0;
}

static struct task_ref ref_of(const struct run *r, const struct op *op)
{
	const struct state_task *t = &op->task;
	return (struct task_ref){ r->st.cluster_id, t->stack, t->service, t->id, t->node, t->hash, t->slot };
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
	struct task_ref ref = ref_of(r, op);
	return docker_run_command(op->stack, op->svc, &ref, NULL, out, err);
}

static void add_block(struct host_script *hs, size_t index, const struct strbuf *block)
{
	sb_addf(&hs->text, "echo '@@op %zu'\n(\n%s) 2>&1\necho \"@@rc %zu $?\"\n", index, sb_str(block), index);
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
			add_block(h, i, &block);
		}
		sb_free(&block);
		sb_free(&err);
	}
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
			      .stdin_len = hs->text.len, .timeout_ms = job->timeout_ms };
	hs->ran = fleet_exec(h, &x, &hs->res) == SSH_OK;
}

/* The output between "@@op N" and "@@rc N X" and X; -1 when absent. */
static int op_result(const char *out, size_t index, struct strbuf *msg)
{
	char start[40], end[40];
	snprintf(start, sizeof(start), "@@op %zu\n", index);
	snprintf(end, sizeof(end), "@@rc %zu ", index);
	const char *a = strstr(out, start), *b = a ? strstr(a, end) : NULL;
	if (!a || !b)
		return -1;
	a += strlen(start);
	sb_add(msg, a, (size_t)(b - a));
	sb_rtrim(msg);
	return atoi(b + strlen(end));
}

static void report_op(struct run *r, const struct op *op, int ok, const char *msg)
{
	const char *host = r->fleet.hosts[op->host].target.name;
	const char *verb = op->kind == OP_START ? "start" : "stop";
	if (ok)
		printf("%s: %sed %s (%s)\n", host, op->kind == OP_START ? "start" : "stopp",
		       op->container, op->why);
	else
		error("%s: %s %s failed: %s", host, verb, op->container, msg && *msg ? msg : "no result");
	fflush(stdout);
}

static size_t collect(struct run *r, struct converge *cv, struct host_script *hs)
{
	size_t failed = 0;
	for (size_t h = 0; h < r->fleet.n; h++) {
		for (size_t k = 0; k < hs[h].nops; k++) {
			struct op *op = &cv->ops[hs[h].ops[k]];
			struct strbuf msg = STRBUF_INIT;
			int rc = hs[h].ran ? op_result(sb_str(&hs[h].res.out), hs[h].ops[k], &msg) : -1;
			if (!hs[h].ran)
				sb_adds(&msg, sb_str(&r->fleet.hosts[h].error));
			op->done = rc == 0;
			failed += !op->done;
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
	const struct observed *c = view_find_task(v, op->task.id);
	if (!c)
		return 0;
	if (streq(c->state, "running"))
		return !c->health || streq(c->health, "healthy") ? 1 :
		       streq(c->health, "unhealthy") ? -1 : 0;
	if (streq(c->state, "exited") || streq(c->state, "dead"))
		return -1;
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
		usleep(WAIT_POLL_MS * 1000);
		engine_reobserve(&r->fleet, r->st.cluster_id, r->opts.timeout_ms, r->views, want);
	}
	size_t bad = 0;
	for (size_t i = 0; i < cv->nops; i++) {
		struct op *op = &cv->ops[i];
		if (op->wave == wave && op->kind == OP_START && op->done &&
		    task_settled(&r->views[op->host], op) != 1) {
			error("%s: %s did not reach running%s", r->fleet.hosts[op->host].target.name,
			      op->container, unsettled ? " in time" : "");
			bad++;
		}
	}
	free(want);
	return bad;
}

/* Record what the wave did in the state's task list. */
static void record_wave(struct run *r, struct converge *cv, int wave)
{
	for (size_t i = 0; i < cv->nops; i++) {
		struct op *op = &cv->ops[i];
		if (op->wave != wave || !op->done)
			continue;
		if (op->kind == OP_START)
			state_add_task(&r->st, &op->task);
		else if (op->task.id && *op->task.id)
			state_remove_task(&r->st, op->task.id);
	}
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

/* The failure_action of a failed update batch: "continue" only when every
 * service in it says so, "rollback" when one asks for it, else "pause"
 * (swarm's default). */
static const char *update_failure_action(const struct converge *cv, int wave)
{
	const char *verdict = "continue";
	for (size_t i = 0; i < cv->nops; i++) {
		const struct op *op = &cv->ops[i];
		const char *action = op->svc ? op->svc->deploy.update_config.failure_action : NULL;
		if (op->wave != wave || (action && streq(action, "continue")))
			continue;
		if (action && streq(action, "rollback"))
			return "rollback";
		verdict = "pause";
	}
	return verdict;
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
	size_t failed = 0;
	/* The plan reaches a majority of the managers before any host
	 * changes, and the lock is checked before every wave. */
	if (run_write_intent(r, cv) != EXIT_OK)
		return undone(cv);
	for (int wave = 0; wave < cv->nwaves; wave++) {
		if (run_check_lock(r) != EXIT_OK)
			return undone(cv);
		struct host_script *hs = xcalloc(r->fleet.n ? r->fleet.n : 1, sizeof(*hs));
		for (size_t h = 0; h < r->fleet.n; h++) {
			sb_init(&hs[h].text);
			ssh_result_init(&hs[h].res);
		}
		size_t wave_failed = 0;
		if (build_wave(r, cv, wave, hs, &wave_failed)) {
			struct wave_job job = { hs, r->opts.timeout_ms };
			fleet_each(&r->fleet, run_script, &job);
			wave_failed += collect(r, cv, hs);
			unsigned char *want = xcalloc(r->fleet.n ? r->fleet.n : 1, 1);
			for (size_t h = 0; h < r->fleet.n; h++)
				want[h] = hs[h].nops > 0;
			engine_reobserve(&r->fleet, r->st.cluster_id, r->opts.timeout_ms, r->views, want);
			free(want);
			wave_failed += wait_wave(r, cv, wave, wait_ms);
		}
		record_wave(r, cv, wave);
		run_fault_point("after-wave");
		scripts_free(hs, r->fleet.n);
		failed += wave_failed;
		const char *action = wave >= WAVE_UPDATE && wave_failed ?
				     update_failure_action(cv, wave) : "continue";
		if (!streq(action, "continue")) {
			cv->rollback = streq(action, "rollback");
			error("update %s after a failed batch (update_config.failure_action)",
			      cv->rollback ? "stopped, rolling back," : "paused");
			break;
		}
		if (wave >= WAVE_UPDATE && wave + 1 < cv->nwaves)
			usleep((useconds_t)(update_delay_ms(cv, wave) * 1000));
	}
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
					op->kind == OP_START ? "start" : "stop", op->container, op->why,
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
}
