/* sched_plan(): keep what still fits, then place what is missing.
 *
 * Phase 1 walks every service's current tasks and keeps those whose node
 * still qualifies, charging them to their node first, so that phase 2 sees
 * the real free capacity when it places new and displaced tasks.  Global
 * services go first in both phases: they need one task on every node. */
#include "sched/internal.h"
#include "util/strbuf.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const action_names[SCHED_NACTIONS] = {
	"keep", "start", "move", "stop", "pending",
};

const char *sched_action_name(enum sched_action a)
{
	return (unsigned)a < SCHED_NACTIONS ? action_names[a] : "?";
}

/* --- setup ---------------------------------------------------------------- */

static int check_service(const struct sched_service *s, struct strbuf *err)
{
	const char *name = s->name ? s->name : "?";

	if (s->mode == SCHED_REPLICATED && s->replicas > SCHED_MAX_REPLICAS) {
		sb_addf(err, "service \"%s\": %u replicas exceeds the limit of %u",
			name, s->replicas, SCHED_MAX_REPLICAS);
		return -1;
	}
	if (s->nspread > SCHED_MAX_SPREAD) {
		sb_addf(err, "service \"%s\": more than %d spread preferences",
			name, SCHED_MAX_SPREAD);
		return -1;
	}
	if (s->reserve_memory < 0 || s->reserve_nano_cpus < 0) {
		sb_addf(err, "service \"%s\": negative reservation", name);
		return -1;
	}
	for (size_t i = 0; i < s->nports; i++)
		if ((unsigned)s->ports[i].proto > SCHED_SCTP) {
			sb_addf(err, "service \"%s\": port %u: bad protocol",
				name, s->ports[i].port);
			return -1;
		}
	return 0;
}

static int parse_constraints(struct svc_rules *r, const struct sched_service *s,
			     struct strbuf *err)
{
	r->cons = xcalloc(s->nconstraints, sizeof(*r->cons));
	for (size_t i = 0; i < s->nconstraints; i++, r->ncons++) {
		struct strbuf why = STRBUF_INIT;
		if (sched_constraint_parse(s->constraints[i], &r->cons[i], &why)) {
			sb_addf(err, "service \"%s\": %s", s->name ? s->name : "?",
				sb_str(&why));
			sb_free(&why);
			return -1;
		}
		sb_free(&why);
	}
	return 0;
}

static int value_cmp(const void *a, const void *b, void *arg)
{
	const struct ctx *c = arg;
	const struct spread_key *k = &c->keys[c->nkeys - 1];
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	const char *vx = node_label(&c->in->nodes[x], k->engine, k->label);
	const char *vy = node_label(&c->in->nodes[y], k->engine, k->label);

	/* nodes without the label form their own branch, sorted first */
	if (!vx != !vy)
		return vx ? 1 : -1;
	int d = vx ? strcmp(vx, vy) : 0;
	return d ? d : (x > y) - (x < y);
}

/* Number the distinct values of the newest key (c->keys[nkeys - 1]). */
static void number_values(struct ctx *c, struct spread_key *k)
{
	size_t n = c->in->nnodes;
	uint32_t *idx = xmalloc(n * sizeof(*idx));
	const char *prev = NULL;

	for (size_t i = 0; i < n; i++)
		idx[i] = (uint32_t)i;
	qsort_r(idx, n, sizeof(*idx), value_cmp, c);
	k->value_of = xmalloc(n * sizeof(*k->value_of));
	for (size_t i = 0; i < n; i++) {
		const char *v = node_label(&c->in->nodes[idx[i]], k->engine, k->label);
		if (!i || !v != !prev || (v && strcmp(v, prev)))
			k->nvalues++;
		k->value_of[idx[i]] = k->nvalues - 1;
		prev = v;
	}
	k->branch_of = xmalloc((k->nvalues + 1) * sizeof(*k->branch_of));
	memset(k->branch_of, 0xff, (k->nvalues + 1) * sizeof(*k->branch_of));
	free(idx);
}

static uint32_t intern_key(struct ctx *c, int engine, const char *label)
{
	for (size_t i = 0; i < c->nkeys; i++)
		if (c->keys[i].engine == engine && streq(c->keys[i].label, label))
			return (uint32_t)i;
	GROW(c->keys, c->keycap, c->nkeys + 1);
	struct spread_key *k = &c->keys[c->nkeys++];
	memset(k, 0, sizeof(*k));
	k->engine = engine;
	k->label = xstrdup(label);
	number_values(c, k);
	return (uint32_t)(c->nkeys - 1);
}

static int parse_spread(struct ctx *c, struct svc_rules *r,
			const struct sched_service *s, struct strbuf *err)
{
	r->spread = xcalloc(s->nspread, sizeof(*r->spread));
	for (size_t i = 0; i < s->nspread; i++) {
		const char *d = s->spread[i] ? s->spread[i] : "";
		int engine = !strncasecmp(d, "engine.labels.", 14);
		size_t skip = engine ? 14 : 12;

		if ((!engine && strncasecmp(d, "node.labels.", 12)) || !d[skip]) {
			sb_addf(err, "service \"%s\": spread preference \"%s\": "
				"expected node.labels.NAME or engine.labels.NAME",
				s->name ? s->name : "?", d);
			return -1;
		}
		r->spread[i] = intern_key(c, engine, d + skip);
	}
	return 0;
}

static int setup_rules(struct ctx *c, struct strbuf *err)
{
	const struct sched_input *in = c->in;

	if (in->nnodes >= SCHED_NONE || in->nservices >= SCHED_NONE ||
	    in->ntasks >= SCHED_NONE) {
		sb_adds(err, "too many nodes, services or tasks");
		return -1;
	}
	c->rules = xcalloc(in->nservices, sizeof(*c->rules));
	for (size_t i = 0; i < in->nservices; i++) {
		const struct sched_service *s = &in->services[i];
		enum sched_strategy st = s->strategy ? s->strategy : c->opt->strategy;
		c->rules[i].binpack = st == SCHED_BINPACK;
		if (check_service(s, err) || parse_constraints(&c->rules[i], s, err) ||
		    parse_spread(c, &c->rules[i], s, err))
			return -1;
	}
	return 0;
}

static uint32_t max_replicas(const struct sched_input *in)
{
	uint32_t max = 0;
	for (size_t s = 0; s < in->nservices; s++)
		if (in->services[s].mode == SCHED_REPLICATED &&
		    in->services[s].replicas > max)
			max = in->services[s].replicas;
	return max;
}

static void alloc_state(struct ctx *c)
{
	size_t n = c->in->nnodes, t = c->in->ntasks;

	c->total = xcalloc(n, sizeof(*c->total));
	c->cnt = xcalloc(n, sizeof(*c->cnt));
	c->cpu_used = xcalloc(n, sizeof(*c->cpu_used));
	c->mem_used = xcalloc(n, sizeof(*c->mem_used));
	c->ports = xcalloc(n, sizeof(*c->ports));
	c->elig = xcalloc(n, 1);
	c->pos_a = xcalloc(n, sizeof(*c->pos_a));
	c->pos_b = xcalloc(n, sizeof(*c->pos_b));
	c->moves_head = xmalloc((n + 1) * sizeof(*c->moves_head));
	memset(c->moves_head, 0xff, (n + 1) * sizeof(*c->moves_head));
	c->moves_next = xcalloc(t, sizeof(*c->moves_next));
	c->slot_used = xcalloc((size_t)max_replicas(c->in) + 1, 1);
}

static void free_ctx(struct ctx *c)
{
	for (size_t i = 0; c->rules && i < c->in->nservices; i++) {
		for (size_t j = 0; j < c->rules[i].ncons; j++)
			sched_constraint_free(&c->rules[i].cons[j]);
		free(c->rules[i].cons);
		free(c->rules[i].spread);
	}
	for (size_t i = 0; i < c->nkeys; i++) {
		free(c->keys[i].label);
		free(c->keys[i].value_of);
		free(c->keys[i].branch_of);
	}
	for (size_t i = 0; c->ports && i < c->in->nnodes; i++)
		free(c->ports[i].v);
	free(c->rules); free(c->keys); free(c->total); free(c->cnt);
	free(c->cpu_used); free(c->mem_used); free(c->ports); free(c->elig);
	free(c->pos_a); free(c->pos_b); free(c->moves_head);
	free(c->moves_next); free(c->group); free(c->first); free(c->slot_used);
}

/* --- items ---------------------------------------------------------------- */

/* Phase 1 leaves the tasks that need a node as PENDING without a message. */
static int to_place(const struct sched_item *it)
{
	return it->action == SCHED_PENDING && !it->message;
}

static void stop(struct sched_item *it, const char *reason)
{
	it->action = SCHED_STOP;
	it->to = SCHED_NONE;
	it->reason = reason;
}

static int is_outdated(const struct sched_service *s, const struct sched_task *t)
{
	if (!s->spec_hash)
		return 0;
	return !t->spec_hash || !streq(s->spec_hash, t->spec_hash);
}

static void init_items(struct ctx *c)
{
	const struct sched_input *in = c->in;
	size_t want = in->ntasks;

	for (size_t s = 0; s < in->nservices; s++)
		want += in->services[s].mode == SCHED_GLOBAL ?
			in->nnodes : in->services[s].replicas;
	/* calloc'ed pages cost nothing until used; beyond this, grow */
	want = in->ntasks + (want - in->ntasks < (1 << 24) ? want - in->ntasks : (1 << 24));
	c->out->items = xcalloc(want, sizeof(*c->out->items));
	c->out->cap = want;
	c->out->nitems = in->ntasks;
	for (size_t i = 0; i < in->ntasks; i++) {
		const struct sched_task *t = &in->tasks[i];
		struct sched_item *it = &c->out->items[i];
		int placed = t->state != SCHED_TASK_PENDING;

		it->task = (uint32_t)i;
		it->service = t->service < in->nservices ? t->service : SCHED_NONE;
		it->slot = t->slot;
		it->from = placed && t->node < in->nnodes ? t->node : SCHED_NONE;
		it->to = SCHED_NONE;
		it->action = SCHED_PENDING;
		if (it->service == SCHED_NONE)
			stop(it, "service removed");
		else if (t->state == SCHED_TASK_EXITED)
			stop(it, "task exited");
		else
			it->outdated = (uint8_t)is_outdated(&in->services[t->service], t);
	}
}

/* Counting sort of the live tasks by service. */
static void group_by_service(struct ctx *c)
{
	const struct sched_item *items = c->out->items;
	size_t ns = c->in->nservices, nt = c->in->ntasks;

	c->first = xcalloc(ns + 2, sizeof(*c->first));
	c->group = xcalloc(nt, sizeof(*c->group));
	for (size_t i = 0; i < nt; i++)
		if (items[i].action == SCHED_PENDING)
			c->first[items[i].service + 2]++;
	for (size_t s = 2; s < ns + 2; s++)
		c->first[s] += c->first[s - 1];
	for (size_t i = 0; i < nt; i++)
		if (items[i].action == SCHED_PENDING)
			c->group[c->first[items[i].service + 1]++] = (uint32_t)i;
}

static uint32_t *service_tasks(const struct ctx *c, uint32_t s, uint32_t *n)
{
	*n = c->first[s + 1] - c->first[s];
	return c->group + c->first[s];
}

static const char reason_unreachable[] = "node unreachable";

/* Why a task that is on a node must leave it, or NULL if it may stay. */
static const char *leave_reason(const struct ctx *c, uint32_t t)
{
	uint32_t node = c->in->tasks[t].node;

	if (node >= c->in->nnodes)
		return "node removed";
	const struct sched_node *n = &c->in->nodes[node];
	if (!n->ready)
		return reason_unreachable;
	if (n->availability == SCHED_DRAIN)
		return "node drained";
	if (c->elig[node] == FIT_CONSTRAINT)
		return "constraints no longer satisfied";
	if (c->elig[node] == FIT_PLATFORM)
		return "platform not supported";
	return NULL;
}

static const char *refusal_reason(enum refusal r)
{
	switch (r) {
	case FIT_MEMORY: return "insufficient memory";
	case FIT_CPU: return "insufficient CPU";
	case FIT_PORT: return "host-mode port conflict";
	case FIT_MAX_REPLICAS: return "max replicas per node exceeded";
	default: return "node not available";
	}
}

static int keepable(const struct sched_item *it)
{
	return it->from != SCHED_NONE && !it->reason;
}

/* Classify each live task: may it stay (reason NULL, from set)? */
static void note_leave_reasons(struct ctx *c, uint32_t *L, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		struct sched_item *it = &c->out->items[L[i]];
		const struct sched_task *t = &c->in->tasks[L[i]];
		if (t->state != SCHED_TASK_PENDING)
			it->reason = leave_reason(c, L[i]);
	}
}

/* Keep the task on its node if it still fits there; else it is placed in
 * phase 2 (the reason tells why it moves). */
static int keep_if_fits(struct ctx *c, uint32_t t)
{
	struct sched_item *it = &c->out->items[t];
	enum refusal r;

	if (!keepable(it))
		return 0;
	if ((r = fit_dynamic(c, it->from))) {
		it->reason = refusal_reason(r);
		return 0;
	}
	commit(c, it->from, 1);
	it->action = SCHED_KEEP;
	it->to = it->from;
	return 1;
}

/* --- phase 1: replicated -------------------------------------------------- */

static int running(const struct ctx *c, uint32_t t)
{
	return c->in->tasks[t].state == SCHED_TASK_RUNNING;
}

static int cmp_u32(uint32_t a, uint32_t b)
{
	return (a > b) - (a < b);
}

/* Slot order; within a slot the task to keep first. */
static int slot_cmp(const void *a, const void *b, void *arg)
{
	const struct ctx *c = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	const struct sched_item *ix = &c->out->items[x], *iy = &c->out->items[y];
	int d;

	if ((d = cmp_u32(ix->slot, iy->slot)) ||
	    (d = keepable(iy) - keepable(ix)) ||
	    (d = running(c, y) - running(c, x)))
		return d;
	return cmp_u32(x, y);
}

static uint32_t drop_duplicates(struct ctx *c, uint32_t *L, uint32_t n)
{
	uint32_t live = 0;

	for (uint32_t i = 0; i < n; i++) {
		struct sched_item *it = &c->out->items[L[i]];
		if (!it->slot)
			stop(it, "service mode changed");
		else if (i && it->slot == c->out->items[L[i - 1]].slot)
			stop(it, "duplicate slot");
		else
			live++;
	}
	return live;
}

struct victim {
	uint32_t task;
	uint32_t node;		/* SCHED_NONE: cannot stay anyway */
	uint32_t copy;		/* nth copy of the service on its node */
};

static int by_node_cmp(const void *a, const void *b, void *arg)
{
	const struct victim *x = a, *y = b;
	int d;

	if ((d = cmp_u32(x->node, y->node)) ||
	    (d = running(arg, y->task) - running(arg, x->task)))
		return d;
	return cmp_u32(x->task, y->task);
}

/* Remove first: tasks that cannot stay, then the highest copy counts
 * (nodes with most copies), non-running first, then the highest slots. */
static int victim_cmp(const void *a, const void *b, void *arg)
{
	const struct ctx *c = arg;
	const struct victim *x = a, *y = b;
	int d;

	if ((d = cmp_u32(y->copy, x->copy)) ||
	    (d = running(c, x->task) - running(c, y->task)) ||
	    (d = cmp_u32(c->out->items[y->task].slot, c->out->items[x->task].slot)))
		return d;
	return cmp_u32(x->task, y->task);
}

static void scale_down(struct ctx *c, const uint32_t *L, uint32_t n, uint32_t excess)
{
	struct victim *v = xcalloc(n, sizeof(*v));
	uint32_t k = 0;

	for (uint32_t i = 0; i < n; i++) {
		const struct sched_item *it = &c->out->items[L[i]];
		if (it->action != SCHED_PENDING)
			continue;
		v[k].task = L[i];
		v[k++].node = keepable(it) ? it->from : SCHED_NONE;
	}
	qsort_r(v, k, sizeof(*v), by_node_cmp, c);
	for (uint32_t i = 0; i < k; i++)
		v[i].copy = v[i].node == SCHED_NONE ? SCHED_NONE :
			    i && v[i - 1].node == v[i].node ? v[i - 1].copy + 1 : 1;
	qsort_r(v, k, sizeof(*v), victim_cmp, c);
	for (uint32_t i = 0; i < excess && i < k; i++)
		stop(&c->out->items[v[i].task], "scaled down");
	free(v);
}

static void keep_replicated(struct ctx *c, uint32_t s)
{
	uint32_t n, *L = service_tasks(c, s, &n);
	uint32_t replicas = c->in->services[s].replicas;

	note_leave_reasons(c, L, n);
	qsort_r(L, n, sizeof(*L), slot_cmp, c);
	uint32_t live = drop_duplicates(c, L, n);
	if (live > replicas)
		scale_down(c, L, n, live - replicas);
	for (uint32_t i = 0; i < n; i++)
		if (c->out->items[L[i]].action == SCHED_PENDING)
			keep_if_fits(c, L[i]);
	memset(c->cnt, 0, c->in->nnodes * sizeof(*c->cnt));
}

/* --- phase 1: global ------------------------------------------------------ */

static int node_cmp(const void *a, const void *b, void *arg)
{
	const struct ctx *c = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	const struct sched_item *ix = &c->out->items[x], *iy = &c->out->items[y];
	int d;

	if ((d = cmp_u32(ix->from, iy->from)) ||
	    (d = keepable(iy) - keepable(ix)) ||
	    (d = running(c, y) - running(c, x)))
		return d;
	return cmp_u32(x, y);
}

/* One task per node: keep the first that still qualifies, stop the rest.
 * Pending tasks (no node yet) wait for phase 2. */
static void keep_global(struct ctx *c, uint32_t s)
{
	uint32_t n, *L = service_tasks(c, s, &n);

	note_leave_reasons(c, L, n);
	qsort_r(L, n, sizeof(*L), node_cmp, c);
	for (uint32_t i = 0; i < n; i++) {
		struct sched_item *it = &c->out->items[L[i]];
		if (c->in->tasks[L[i]].state == SCHED_TASK_PENDING)
			continue;
		/* nowhere else to go, and it resumes when the node is back */
		if (it->reason == reason_unreachable && c->elig[it->from] == FIT_OK &&
		    c->in->nodes[it->from].availability != SCHED_DRAIN)
			it->reason = NULL;
		if (it->from == SCHED_NONE)
			stop(it, "node removed");
		else if (it->reason)
			stop(it, it->reason);
		else if (c->cnt[it->from])
			stop(it, "duplicate task on node");
		else if (!keep_if_fits(c, L[i]))
			stop(it, it->reason);
	}
	memset(c->cnt, 0, c->in->nnodes * sizeof(*c->cnt));
}

/* --- phase 2 -------------------------------------------------------------- */

static struct sched_item *new_item(struct ctx *c, uint32_t slot)
{
	struct sched_plan *p = c->out;
	GROW(p->items, p->cap, p->nitems + 1);
	struct sched_item *it = &p->items[p->nitems++];
	memset(it, 0, sizeof(*it));
	it->task = SCHED_NONE;
	it->service = c->cur;
	it->slot = slot;
	it->from = SCHED_NONE;
	it->to = SCHED_NONE;
	it->action = SCHED_PENDING;
	return it;
}

static void land(struct sched_item *it, uint32_t node)
{
	it->to = node;
	it->action = it->from == SCHED_NONE ? SCHED_START : SCHED_MOVE;
}

/* Count the service's kept tasks per node. */
static void count_kept(struct ctx *c, const uint32_t *L, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (c->out->items[L[i]].action == SCHED_KEEP)
			c->cnt[c->out->items[L[i]].to]++;
}

/* Start the task on node if it fits there, else leave it pending there
 * (counted, so that the node gets no second task). */
static void start_global(struct ctx *c, struct sched_item *it, uint32_t node)
{
	if (fit_dynamic(c, node)) {
		it->to = node;
		it->message = pending_message(c, node);
		c->cnt[node]++;
		return;
	}
	commit(c, node, 1);
	land(it, node);
}

static int wants_global(const struct ctx *c, uint32_t node)
{
	return node < c->in->nnodes && !c->cnt[node] && c->elig[node] == FIT_OK &&
	       node_takes_new(&c->in->nodes[node]);
}

static void place_global(struct ctx *c, uint32_t s)
{
	uint32_t n, *L = service_tasks(c, s, &n);

	select_service(c, s);
	count_kept(c, L, n);
	for (uint32_t i = 0; i < n; i++) {
		struct sched_item *it = &c->out->items[L[i]];
		uint32_t node = c->in->tasks[L[i]].node;
		if (!to_place(it))
			continue;
		if (!wants_global(c, node)) {
			stop(it, "node no longer eligible");
			continue;
		}
		start_global(c, it, node);
	}
	for (uint32_t node = 0; node < c->in->nnodes; node++)
		if (wants_global(c, node))
			start_global(c, new_item(c, 0), node);
	memset(c->cnt, 0, c->in->nnodes * sizeof(*c->cnt));
}

/* The lowest `want` slot numbers that no live task of the service uses. */
static uint32_t *free_slots(struct ctx *c, const uint32_t *L, uint32_t n,
			    uint32_t want)
{
	uint32_t replicas = c->in->services[c->cur].replicas;
	uint32_t *slots = xmalloc(((size_t)want + 1) * sizeof(*slots));
	uint32_t k = 0;

	for (uint32_t i = 0; i < n; i++) {
		const struct sched_item *it = &c->out->items[L[i]];
		if ((it->action == SCHED_KEEP || to_place(it)) && it->slot <= replicas)
			c->slot_used[it->slot] = 1;
	}
	for (uint32_t slot = 1; slot <= replicas && k < want; slot++)
		if (!c->slot_used[slot])
			slots[k++] = slot;
	memset(c->slot_used, 0, (size_t)replicas + 1);
	return slots;
}

/* The tasks phase 1 displaced, in slot order, then `fresh` new ones. */
static struct sched_item **to_land(struct ctx *c, const uint32_t *L, uint32_t n,
				   uint32_t want, uint32_t fresh)
{
	struct sched_item **todo = xmalloc(((size_t)want + 1) * sizeof(*todo));
	uint32_t *slots = free_slots(c, L, n, fresh);
	uint32_t k = 0;

	for (uint32_t i = 0; i < n; i++)
		if (to_place(&c->out->items[L[i]]))
			todo[k++] = &c->out->items[L[i]];
	/* new_item may move the items array: indexes first, pointers after */
	size_t base = c->out->nitems;
	for (uint32_t i = 0; i < fresh; i++)
		new_item(c, slots[i]);
	for (uint32_t i = 0; i < fresh; i++)
		todo[k++] = &c->out->items[base + i];
	free(slots);
	return todo;
}

static void place_replicated(struct ctx *c, uint32_t s)
{
	uint32_t n, *L = service_tasks(c, s, &n);
	uint32_t replicas = c->in->services[s].replicas, live = 0, moving = 0;

	select_service(c, s);
	count_kept(c, L, n);
	for (uint32_t i = 0; i < n; i++) {
		const struct sched_item *it = &c->out->items[L[i]];
		live += it->action == SCHED_KEEP || to_place(it);
		moving += to_place(it);
	}
	uint32_t fresh = replicas > live ? replicas - live : 0;
	uint32_t want = moving + fresh;
	int rebalance = c->opt->rebalance && !c->rules[s].binpack;
	if (want || rebalance) {
		struct sched_item **todo = to_land(c, L, n, want, fresh);
		uint32_t *dst = xmalloc(((size_t)want + 1) * sizeof(*dst));
		uint32_t placed = place_replicas(c, want, dst, rebalance);
		for (uint32_t i = 0; i < want; i++)
			if (i < placed)
				land(todo[i], dst[i]);
			else
				todo[i]->message = pending_message(c, SCHED_NONE);
		free(todo);
		free(dst);
	}
	memset(c->cnt, 0, c->in->nnodes * sizeof(*c->cnt));
}

/* --- entry point ---------------------------------------------------------- */

static void each_service(struct ctx *c, enum sched_mode mode,
			 void (*fn)(struct ctx *, uint32_t))
{
	for (uint32_t s = 0; s < c->in->nservices; s++)
		if (c->in->services[s].mode == mode)
			fn(c, s);
}

static void keep_service(struct ctx *c, uint32_t s)
{
	select_service(c, s);
	if (c->in->services[s].mode == SCHED_GLOBAL)
		keep_global(c, s);
	else
		keep_replicated(c, s);
}

int sched_plan(const struct sched_input *in, const struct sched_options *opt,
	       struct sched_plan *out, struct strbuf *err)
{
	static const struct sched_options defaults = { 0, SCHED_SPREAD };
	struct ctx c = { .in = in, .opt = opt ? opt : &defaults, .out = out,
			 .elig_for = SCHED_NONE };

	memset(out, 0, sizeof(*out));
	if (setup_rules(&c, err)) {
		free_ctx(&c);
		return -1;
	}
	alloc_state(&c);
	init_items(&c);
	group_by_service(&c);
	each_service(&c, SCHED_GLOBAL, keep_service);
	each_service(&c, SCHED_REPLICATED, keep_service);
	each_service(&c, SCHED_GLOBAL, place_global);
	each_service(&c, SCHED_REPLICATED, place_replicated);
	for (size_t i = 0; i < out->nitems; i++)
		out->count[out->items[i].action]++;
	free_ctx(&c);
	return 0;
}

void sched_plan_free(struct sched_plan *plan)
{
	for (size_t i = 0; i < plan->nmessages; i++)
		free(plan->messages[i]);
	free(plan->messages);
	free(plan->items);
	memset(plan, 0, sizeof(*plan));
}
