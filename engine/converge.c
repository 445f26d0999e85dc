/* Planning: state + observation -> scheduler input -> container operations. */
#include "engine/converge.h"
#include "engine/net.h"
#include "engine/tasks.h"
#include "docker/restart.h"
#include "inventory/strmap.h"
#include "docker/run.h"
#include "sched/sched.h"
#include "util/util.h"
#include "util/words.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Swarm's defaults for restart_policy and update_config. */
enum { DEFAULT_RESTART_DELAY_MS = 5000 };

/* A service of some stack in the state, flattened for the scheduler. */
struct svc_ref {
	const struct stack *stack;
	const struct service *svc;
	const char *hash;
	int in_scope;
};

struct build {
	struct run *r;
	const struct converge_opts *o;
	struct sched_node *nodes;
	struct sched_kv **labels, **engine_labels;	/* per node, owned */
	struct svc_ref *refs;
	struct sched_service *services;
	struct sched_port **ports;			/* per service, owned */
	size_t nservices;
	struct sched_task *tasks;
	struct state_task **task_rec;			/* sched task -> state record */
	size_t ntasks;
	long long now;
};

/* --- nodes --------------------------------------------------------------- */

static struct sched_kv *node_labels(const struct host *h, const struct state_node *ov, size_t *n)
{
	struct sched_kv *kv = xcalloc(h->nlabels + (ov ? ov->nlabels : 0) + 1, sizeof(*kv));
	size_t k = 0;
	for (size_t i = 0; i < h->nlabels; i++)
		kv[k++] = (struct sched_kv){ h->labels[i].key, h->labels[i].value };
	for (size_t i = 0; ov && i < ov->nlabels; i++) {
		size_t j = 0;
		while (j < k && !streq(kv[j].key, ov->labels[i].key))
			j++;
		if (ov->labels[i].value) {
			kv[j] = (struct sched_kv){ ov->labels[i].key, ov->labels[i].value };
			k += j == k;
		} else if (j < k) {
			kv[j] = kv[--k];	/* removed by `node update --label-rm` */
		}
	}
	*n = k;
	return kv;
}

/* The observation's engine labels, borrowed (a plan never changes what
 * was observed: a rollback plans again on the same views). */
static struct sched_kv *engine_labels(const struct docker_info *d, size_t *n)
{
	struct sched_kv *kv = xcalloc(d->nlabels + 1, sizeof(*kv));
	for (size_t i = 0; i < d->nlabels; i++)
		kv[i] = (struct sched_kv){ d->labels[i].key, d->labels[i].value };
	*n = d->nlabels;
	return kv;
}

static enum sched_availability availability(const struct state_node *ov)
{
	switch (ov ? ov->availability : AVAIL_UNSET) {
	case AVAIL_DRAIN:
		return SCHED_DRAIN;
	case AVAIL_PAUSE:
		return SCHED_PAUSE;
	case AVAIL_UNSET:
	case AVAIL_ACTIVE:
	case AVAIL_NWORDS:
		break;
	}
	return SCHED_ACTIVE;
}

static enum sched_role role(const struct host *h, const struct state_node *ov)
{
	if (ov && ov->role != ROLE_UNSET)
		return ov->role == ROLE_MANAGER ? SCHED_MANAGER : SCHED_WORKER;
	return h->is_manager ? SCHED_MANAGER : SCHED_WORKER;
}

static void build_nodes(struct build *b)
{
	struct run *r = b->r;
	size_t n = r->fleet.n ? r->fleet.n : 1;
	b->nodes = xcalloc(n, sizeof(*b->nodes));
	b->labels = xcalloc(n, sizeof(*b->labels));
	b->engine_labels = xcalloc(n, sizeof(*b->engine_labels));
	for (size_t i = 0; i < r->fleet.n; i++) {
		const struct host *h = &r->inv.hosts[r->index[i]];
		struct host_view *v = &r->views[i];
		const struct state_node *ov = state_find_node(&r->st, h->name);
		struct sched_node *sn = &b->nodes[i];
		sn->id = h->name;
		sn->hostname = v->info.name ? v->info.name : h->name;
		sn->role = role(h, ov);
		sn->availability = availability(ov);
		sn->ready = v->down == NULL;
		b->labels[i] = node_labels(h, ov, &sn->nlabels);
		sn->labels = b->labels[i];
		b->engine_labels[i] = engine_labels(&v->info, &sn->nengine_labels);
		sn->engine_labels = b->engine_labels[i];
		sn->os = v->info.os_type;
		sn->arch = v->info.arch;
		sn->ip = r->fleet.hosts[i].target.address;
		sn->nano_cpus = v->info.ncpu * 1000000000LL;
		sn->memory_bytes = v->info.mem_total;
	}
}

/* --- services ------------------------------------------------------------ */

/* Without the routing mesh every published port is bound on the host that
 * runs the task, so each one is a host port for placement; with it, only
 * mode: host ports are (ingress ones are checked cluster-wide by net_plan). */
static struct sched_port *host_ports(const struct run *r, const struct service *svc, size_t *n)
{
	struct sched_port *p = xcalloc(svc->nports + 1, sizeof(*p));
	*n = 0;
	for (size_t i = 0; i < svc->nports; i++) {
		const struct port *port = &svc->ports[i];
		if (!port->published || (r->net && net_port_is_ingress(port)))
			continue;
		enum sched_proto proto = SCHED_TCP;
		if (port->protocol && streq(port->protocol, "udp"))
			proto = SCHED_UDP;
		else if (port->protocol && streq(port->protocol, "sctp"))
			proto = SCHED_SCTP;
		p[(*n)++] = (struct sched_port){ (uint16_t)port->published, proto };
	}
	return p;
}

static void add_service(struct build *b, const struct stack *st, const struct service *svc)
{
	size_t k = b->nservices++;
	const struct state_service *ss = state_find_service(&b->r->st, st->name, svc->name);
	const struct deploy *d = &svc->deploy;
	struct sched_service *s = &b->services[k];

	b->refs[k] = (struct svc_ref){ st, svc, ss ? ss->hash : NULL,
				       !b->o->stack || streq(b->o->stack, st->name) };
	s->name = svc->name;
	s->mode = d->mode == MODE_GLOBAL ? SCHED_GLOBAL : SCHED_REPLICATED;
	s->replicas = (uint32_t)(d->replicas > SCHED_MAX_REPLICAS ? SCHED_MAX_REPLICAS : d->replicas);
	s->constraints = (const char *const *)d->constraints.v;
	s->nconstraints = d->constraints.n;
	s->spread = (const char *const *)d->spread.v;
	s->nspread = d->spread.n;
	s->reserve_nano_cpus = d->reservations.nano_cpus;
	s->reserve_memory = (int64_t)d->reservations.memory;
	s->max_replicas_per_node = (uint32_t)d->max_replicas_per_node;
	b->ports[k] = host_ports(b->r, svc, &s->nports);
	s->ports = b->ports[k];
	s->spec_hash = b->refs[k].hash;
}

static void build_services(struct build *b)
{
	struct run *r = b->r;
	size_t total = 0;
	for (size_t i = 0; i < r->st.nstacks; i++)
		total += r->stacks[i]->nservices;
	b->refs = xcalloc(total + 1, sizeof(*b->refs));
	b->services = xcalloc(total + 1, sizeof(*b->services));
	b->ports = xcalloc(total + 1, sizeof(*b->ports));
	for (size_t i = 0; i < r->st.nstacks; i++)
		for (size_t j = 0; j < r->stacks[i]->nservices; j++)
			add_service(b, r->stacks[i], &r->stacks[i]->services[j]);
}

static uint32_t find_service(const struct build *b, const char *stack, const char *name)
{
	for (size_t k = 0; k < b->nservices; k++)
		if (streq(b->refs[k].stack->name, stack) && streq(b->refs[k].svc->name, name))
			return (uint32_t)k;
	return SCHED_NONE;
}

/* --- tasks and restart policy ------------------------------------------------ */

enum restart { RESTART_NOW, RESTART_LATER, RESTART_NEVER };

/* now: our clock, which last_restart was taken by; host_now: the task's
 * host's clock, which FinishedAt was taken by. */
static enum restart restart_verdict(const struct restart_policy *p, const struct state_task *t,
				    const struct observed *c, long long now, long long host_now)
{
	if (p->condition == CONDITION_NONE || (p->condition == CONDITION_ON_FAILURE && c->exit_code == 0))
		return RESTART_NEVER;
	/* Attempts: cswarm's replacements plus the engine's restarts in place,
	 * within the window only (all of them without one). The engine's last
	 * restart is the container's last start. */
	int attempts = t->restarts + c->restart_count;
	long long last = t->last_restart;
	if (c->restart_count && docker_time(c->started_at) > last)
		last = docker_time(c->started_at);
	if (p->window_ms > 0 && last && (now - last) * 1000 > p->window_ms)
		attempts = 0;
	if (p->max_attempts > 0 && attempts >= p->max_attempts)
		return RESTART_NEVER;
	long long delay = p->delay_ms >= 0 ? p->delay_ms : DEFAULT_RESTART_DELAY_MS;
	long long finished = docker_time(c->finished_at);
	if (finished && (host_now - finished) * 1000 < delay)
		return RESTART_LATER;
	return RESTART_NOW;
}

/* The scheduler's view of a task from its container; an exited task
 * inside its restart delay counts in *waiting. */
static enum sched_task_state observed_state(struct build *b, const struct state_task *t,
					    const struct service *svc, const struct host_view *v,
					    size_t *waiting)
{
	const struct observed *c = view_find_task(v, t->id);
	switch (container_phase(c)) {
	case PHASE_GONE:		/* lost: the container is gone */
	case PHASE_UNHEALTHY:
		return SCHED_TASK_EXITED;
	case PHASE_STARTING:
		return SCHED_TASK_STARTING;
	case PHASE_RUNNING:
	case PHASE_HELD:
		return SCHED_TASK_RUNNING;
	case PHASE_ENDED:
		break;
	}
	if (!svc)
		return SCHED_TASK_RUNNING;
	switch (restart_verdict(&svc->deploy.restart_policy, t, c, b->now, b->now + v->clock_skew)) {
	case RESTART_NOW:
		return SCHED_TASK_EXITED;
	case RESTART_LATER:
		(*waiting)++;
		return SCHED_TASK_RUNNING;	/* keeps its slot until the delay passed */
	case RESTART_NEVER:
		break;
	}
	return SCHED_TASK_RUNNING;	/* complete: stays, is not replaced */
}

/* A task on a node the inventory does not list (a typo, a partial
 * inventory): the node is still in the cluster until `cswarm node rm`, so
 * its service is left alone in this run (nothing started, stopped or
 * moved) and the task is reported. */
static void hold_absent(struct build *b, struct converge *cv, const struct state_task *t,
			uint32_t service)
{
	if (service == SCHED_NONE || !b->refs[service].in_scope)
		return;
	b->refs[service].in_scope = 0;
	sb_addf(&cv->pending, "%s_%s: left as it is: task %d is on %s, which is not in the inventory "
		"(fix the inventory, or `cswarm node rm %s` if it left the cluster)\n",
		t->stack, t->service, t->slot, t->node, t->node);
	cv->npending++;
}

static void build_tasks(struct build *b, struct converge *cv)
{
	struct run *r = b->r;
	b->tasks = xcalloc(r->st.ntasks + 1, sizeof(*b->tasks));
	b->task_rec = xcalloc(r->st.ntasks + 1, sizeof(*b->task_rec));
	for (size_t i = 0; i < r->st.ntasks; i++) {
		struct state_task *t = &r->st.tasks[i];
		struct sched_task *s = &b->tasks[b->ntasks];
		long host = run_host(r, t->node);
		s->id = t->id;
		s->service = find_service(b, t->stack, t->service);
		s->slot = (uint32_t)t->slot;
		s->spec_hash = t->hash;
		s->node = host < 0 ? SCHED_NONE : (uint32_t)host;
		const struct service *svc = s->service == SCHED_NONE ? NULL : b->refs[s->service].svc;
		if (host < 0) {
			s->state = SCHED_TASK_PENDING;
			hold_absent(b, cv, t, s->service);
		} else if (r->views[host].down) {
			s->state = SCHED_TASK_RUNNING;	/* the scheduler moves it: node not ready */
			cv->lost++;
		} else {
			s->state = observed_state(b, t, svc, &r->views[host], &cv->waiting_restart);
		}
		b->task_rec[b->ntasks++] = t;
	}
}

/* --- operations ---------------------------------------------------------- */

static const char *const reason_names[WHY_NREASONS] = {
	[WHY_NEW] = "new",
	[WHY_RESTART] = "restart",
	[WHY_RESCHEDULED] = "rescheduled",
	[WHY_HOST_LEFT] = "host left the inventory",
	[WHY_MOVED] = "moved",
	[WHY_UPDATE] = "update",
	[WHY_STOPPED] = "stopped",
	[WHY_MUST_LEAVE] = "must leave",
	[WHY_RESTART_POLICY] = "restart policy",
	[WHY_STALE_COPY] = "stale copy",
	[WHY_ORPHAN] = "orphan",
	[WHY_SCHEDULER] = "scheduled",
};

const char *op_why(const struct op *op)
{
	if (op->why == WHY_SCHEDULER && op->sched_reason)
		return op->sched_reason;
	return word_name(reason_names, WHY_NREASONS, (int)op->why, "unknown");
}

static struct op *add_op(struct converge *cv, enum op_kind kind, int wave, size_t host,
			 const struct svc_ref *ref, enum op_reason why)
{
	GROW(cv->ops, cv->cap, cv->nops + 1);
	struct op *op = &cv->ops[cv->nops++];
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->wave = wave;
	op->host = host;
	op->stack = ref ? ref->stack : NULL;
	op->svc = ref ? ref->svc : NULL;
	op->why = why;
	if (wave + 1 > cv->nwaves)
		cv->nwaves = wave + 1;
	return op;
}

static void copy_task(struct state_task *dst, const struct state_task *src)
{
	dst->id = xstrdup(src->id);
	dst->stack = xstrdup(src->stack);
	dst->service = xstrdup(src->service);
	dst->slot = src->slot;
	dst->node = xstrdup(src->node);
	dst->hash = src->hash ? xstrdup(src->hash) : NULL;
	dst->desired = xstrdup(src->desired ? src->desired : "running");
	dst->created = src->created;
	dst->restarts = src->restarts;
	dst->last_restart = src->last_restart;
}

static char *container_of(const char *cluster_id, const struct state_task *t)
{
	struct strbuf name = STRBUF_INIT;
	struct task_ref ref = { cluster_id, t->stack, t->service, t->id, t->node, t->hash, t->slot,
				 t->restarts, NULL };
	docker_container_name(&ref, &name);
	return sb_detach(&name);
}

static struct op *stop_task(struct build *b, struct converge *cv, const struct state_task *t,
			    int wave, const struct svc_ref *ref, enum op_reason why)
{
	long host = run_host(b->r, t->node);
	/* A task whose host left the inventory cannot be stopped: it is only
	 * forgotten (the host's containers are cleaned if it comes back). */
	struct op *op = add_op(cv, OP_STOP, wave, host < 0 ? 0 : (size_t)host, ref, why);
	copy_task(&op->task, t);
	op->container = container_of(b->r->st.cluster_id, t);
	if (host < 0)
		op->done = 1;
	return op;
}

/* A stop the scheduler gave a reason for (it->reason), else fallback. */
static void sched_stop(struct build *b, struct converge *cv, const struct state_task *t, int wave,
		       const struct svc_ref *ref, const struct sched_item *it, enum op_reason fallback)
{
	struct op *op = stop_task(b, cv, t, wave, ref, it->reason ? WHY_SCHEDULER : fallback);
	op->sched_reason = it->reason;
}

/* Restarts the engine made in place for task t (0 when its host is down
 * or its container gone). */
static int engine_restarts(const struct build *b, const struct state_task *t)
{
	long host = run_host(b->r, t->node);
	const struct observed *c = host < 0 || b->r->views[host].down ? NULL :
				   view_find_task(&b->r->views[host], t->id);
	return c ? c->restart_count : 0;
}

/* A replaced task hands its restart count on (the engine's included), so
 * max_attempts holds across replacements. */
static void start_task(struct build *b, struct converge *cv, const struct svc_ref *ref,
		       uint32_t slot, uint32_t node, int wave, const struct state_task *prev,
		       enum op_reason why)
{
	struct op *op = add_op(cv, OP_START, wave, node, ref, why);
	struct state_task *t = &op->task;
	t->id = state_new_task_id();
	t->stack = xstrdup(ref->stack->name);
	t->service = xstrdup(ref->svc->name);
	t->slot = (int)slot;
	t->node = xstrdup(b->r->fleet.hosts[node].target.name);
	t->hash = ref->hash ? xstrdup(ref->hash) : NULL;
	t->desired = xstrdup("running");
	t->created = b->now;
	if (prev && why == WHY_RESTART) {
		t->restarts = prev->restarts + engine_restarts(b, prev) + 1;
		t->last_restart = b->now;
	} else if (prev) {
		t->restarts = prev->restarts + engine_restarts(b, prev);
		t->last_restart = prev->last_restart;
	}
	op->container = container_of(b->r->st.cluster_id, t);
}

/* The task that last held slot (or, global, node) of service s, for its
 * restart count. */
static const struct state_task *slot_holder(const struct build *b, const struct sched_plan *p,
					    const struct sched_item *it)
{
	for (size_t i = 0; i < b->ntasks; i++) {
		const struct sched_item *old = &p->items[i];
		if (old->service != it->service || old->action != SCHED_STOP)
			continue;
		if (it->slot ? old->slot == it->slot : old->from == it->to)
			return b->task_rec[i];
	}
	return NULL;
}

struct update_batch {
	uint32_t service;
	size_t done;		/* outdated tasks of the service scheduled so far */
};

static size_t update_parallelism(const struct service *svc)
{
	/* The loader defaults it to 1 (docker's); 0 means all at once. */
	uint64_t p = svc->deploy.update_config.parallelism;
	return p ? (size_t)p : SIZE_MAX;
}

/* Does a task of svc bind a port on its host? Ingress ports do not when
 * the overlay's routing mesh carries them (as docker/run.c's add_ports). */
static int binds_host_port(const struct service *svc, int mesh)
{
	for (size_t i = 0; i < svc->nports; i++) {
		const struct port *p = &svc->ports[i];
		if (!mesh || !p->published || (p->mode && !streq(p->mode, "ingress")))
			return 1;
	}
	return 0;
}

static void rolling_update(struct build *b, struct converge *cv, const struct sched_item *it,
			   size_t *per_service)
{
	const struct svc_ref *ref = &b->refs[it->service];
	const struct state_task *old = b->task_rec[it->task];
	size_t k = per_service[it->service]++;
	int wave = WAVE_UPDATE + (int)(k / update_parallelism(ref->svc));
	/* The new copy starts on the old one's node, where a port published
	 * on the host is still taken by the old copy: it must go first. */
	int start_first = ref->svc->deploy.update_config.order == ORDER_START_FIRST &&
			  !binds_host_port(ref->svc, b->r->net != NULL);

	if (start_first)
		start_task(b, cv, ref, it->slot, it->from, wave, old, WHY_UPDATE);
	stop_task(b, cv, old, wave, ref, WHY_UPDATE);
	if (!start_first)
		start_task(b, cv, ref, it->slot, it->from, wave, old, WHY_UPDATE);
}

/* A kept task whose engine restart policy is not the one its service asks
 * for now (restart_policy changed, or started by an older cswarm): the
 * policy is not part of the spec hash, so `docker update` sets it in place
 * and nothing restarts. */
static void restart_policy_update(struct build *b, struct converge *cv, const struct svc_ref *ref,
				  const struct state_task *t)
{
	long host = run_host(b->r, t->node);
	if (host < 0 || b->r->views[host].down)
		return;
	const struct observed *c = view_find_task(&b->r->views[host], t->id);
	if (!c || !c->restart_policy || c->state == CONTAINER_REMOVING || c->state == CONTAINER_DEAD)
		return;
	struct strbuf want = STRBUF_INIT;
	docker_restart_policy(&ref->svc->deploy.restart_policy, t->restarts, &want);
	if (!streq(want.buf, c->restart_policy)) {
		struct op *op = add_op(cv, OP_UPDATE, WAVE_FIRST, (size_t)host, ref, WHY_RESTART_POLICY);
		copy_task(&op->task, t);
		op->container = xstrdup(c->name);
	}
	sb_free(&want);
}

static void pending(struct build *b, struct converge *cv, const struct sched_item *it)
{
	const struct svc_ref *ref = &b->refs[it->service];
	sb_addf(&cv->pending, "%s_%s: task %u pending: %s\n", ref->stack->name, ref->svc->name,
		it->slot ? it->slot : 0, it->message ? it->message : "no suitable node");
	cv->npending++;
}

static void item_ops(struct build *b, struct converge *cv, const struct sched_plan *p,
		     const struct sched_item *it, size_t *per_service)
{
	const struct svc_ref *ref = it->service == SCHED_NONE ? NULL : &b->refs[it->service];
	const struct state_task *old = it->task == SCHED_NONE ? NULL : b->task_rec[it->task];

	if (ref && !ref->in_scope)
		return;
	if (!ref && old && b->o->stack && !streq(old->stack, b->o->stack))
		return;
	switch ((enum sched_action)it->action) {
	case SCHED_KEEP:
		if (it->outdated && ref)
			rolling_update(b, cv, it, per_service);
		else if (ref && old)
			restart_policy_update(b, cv, ref, old);
		break;
	case SCHED_START: {
		/* A START of an input task: its host left the inventory. A new
		 * task in a slot whose exited task was just stopped: a restart. */
		const struct state_task *prev = old ? old : slot_holder(b, p, it);
		if (old)
			stop_task(b, cv, old, WAVE_FIRST, ref, WHY_HOST_LEFT);
		start_task(b, cv, ref, it->slot, it->to, WAVE_FIRST, prev,
			   old ? WHY_RESCHEDULED : prev ? WHY_RESTART : WHY_NEW);
		break;
	}
	case SCHED_MOVE:
		start_task(b, cv, ref, it->slot, it->to, WAVE_FIRST, old, WHY_MOVED);
		sched_stop(b, cv, old, WAVE_MOVED, ref, it, WHY_MOVED);
		break;
	case SCHED_STOP:
		if (old)
			sched_stop(b, cv, old, WAVE_FIRST, ref, it, WHY_STOPPED);
		break;
	case SCHED_PENDING:
		if (old && it->from != SCHED_NONE)
			sched_stop(b, cv, old, WAVE_FIRST, ref, it, WHY_MUST_LEAVE);
		if (ref)
			pending(b, cv, it);
		break;
	case SCHED_NACTIONS:
		break;
	}
}

/* Containers of this cluster that no task record places on their host:
 * left over from a run that died before writing the state, or stale copies
 * on a host that was unreachable while its tasks moved away. */
static void orphan_ops(struct build *b, struct converge *cv)
{
	struct run *r = b->r;
	/* Every container is looked up: by hash, not through the task list. */
	struct strmap tasks = STRMAP_INIT;
	for (size_t i = 0; i < r->st.ntasks; i++)
		strmap_put(&tasks, r->st.tasks[i].id, i);
	for (size_t h = 0; h < r->fleet.n; h++) {
		const struct host_view *v = &r->views[h];
		for (size_t i = 0; i < v->ncontainers; i++) {
			const struct observed *c = &v->containers[i];
			if (b->o->stack && (!c->stack || !streq(c->stack, b->o->stack)))
				continue;
			size_t at = c->task_id ? strmap_get(&tasks, c->task_id) : (size_t)-1;
			const struct state_task *t = at == (size_t)-1 ? NULL : &r->st.tasks[at];
			if (t && streq(t->node, r->fleet.hosts[h].target.name))
				continue;
			struct op *op = add_op(cv, OP_STOP, WAVE_FIRST, h, NULL, t ? WHY_STALE_COPY : WHY_ORPHAN);
			op->container = xstrdup(c->name);
			op->task.id = xstrdup(c->task_id ? c->task_id : "");
		}
	}
	strmap_free(&tasks);
}

static void build_free(struct build *b)
{
	for (size_t i = 0; i < b->r->fleet.n; i++) {
		free(b->labels[i]);
		free(b->engine_labels[i]);
	}
	for (size_t k = 0; k < b->nservices; k++)
		free(b->ports[k]);
	free(b->labels);
	free(b->engine_labels);
	free(b->nodes);
	free(b->refs);
	free(b->services);
	free(b->ports);
	free(b->tasks);
	free(b->task_rec);
}

int converge_plan(struct run *r, const struct converge_opts *o, struct converge *cv,
		  struct strbuf *err)
{
	struct build b = { .r = r, .o = o, .now = (long long)time(NULL) };
	struct sched_plan plan = { 0 };
	struct sched_options so = { .rebalance = o->rebalance };
	int ret = -1;

	memset(cv, 0, sizeof(*cv));
	sb_init(&cv->pending);
	if (net_plan(r, err) != 0)
		return -1;
	build_nodes(&b);
	build_services(&b);
	build_tasks(&b, cv);
	struct sched_input in = { b.nodes, r->fleet.n, b.services, b.nservices, b.tasks, b.ntasks };
	if (sched_plan(&in, &so, &plan, err) == 0) {
		size_t *per_service = xcalloc(b.nservices + 1, sizeof(*per_service));
		for (size_t i = 0; i < plan.nitems; i++)
			item_ops(&b, cv, &plan, &plan.items[i], per_service);
		free(per_service);
		if (o->remove_orphans)
			orphan_ops(&b, cv);
		ret = 0;
	}
	sched_plan_free(&plan);
	build_free(&b);
	return ret;
}

void converge_free(struct converge *cv)
{
	for (size_t i = 0; i < cv->nops; i++) {
		state_task_free(&cv->ops[i].task);
		free(cv->ops[i].container);
	}
	free(cv->ops);
	sb_free(&cv->pending);
	memset(cv, 0, sizeof(*cv));
}
