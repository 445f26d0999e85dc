/* Node filters, load accounting and pending messages for sched_plan().
 *
 * The filters run in swarmkit's order (ready, resources, constraints,
 * platform, host ports, max replicas); the first that refuses a node is the
 * reason counted for it in a pending task's message. */
#include "sched/internal.h"
#include "util/strbuf.h"
#include "util/util.h"

#include <string.h>

/* --- node filters ------------------------------------------------------- */

int node_takes_new(const struct sched_node *n)
{
	return n->ready && n->availability == SCHED_ACTIVE;
}

static const struct sched_service *cur_service(const struct ctx *c)
{
	return &c->in->services[c->cur];
}

static enum refusal fit_resources(const struct ctx *c, uint32_t node)
{
	const struct sched_service *s = cur_service(c);
	const struct sched_node *n = &c->in->nodes[node];

	/* used <= capacity always holds, so the subtraction cannot wrap */
	if (s->reserve_memory && n->memory_bytes > 0 &&
	    s->reserve_memory > n->memory_bytes - c->mem_used[node])
		return FIT_MEMORY;
	if (s->reserve_nano_cpus && n->nano_cpus > 0 &&
	    s->reserve_nano_cpus > n->nano_cpus - c->cpu_used[node])
		return FIT_CPU;
	return FIT_OK;
}

static uint32_t port_key(const struct sched_port *p)
{
	return (uint32_t)p->proto << 16 | p->port;
}

static int port_used(const struct port_set *set, uint32_t key)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->v[i] == key)
			return 1;
	return 0;
}

static enum refusal fit_slots(const struct ctx *c, uint32_t node)
{
	const struct sched_service *s = cur_service(c);

	for (size_t i = 0; i < s->nports; i++)
		if (port_used(&c->ports[node], port_key(&s->ports[i])))
			return FIT_PORT;
	if (s->max_replicas_per_node && c->cnt[node] >= s->max_replicas_per_node)
		return FIT_MAX_REPLICAS;
	return FIT_OK;
}

/* The filters that change as tasks are placed. */
enum refusal fit_dynamic(const struct ctx *c, uint32_t node)
{
	enum refusal r = fit_resources(c, node);
	return r ? r : fit_slots(c, node);
}

/* Every filter, in swarmkit's order: what the pending message reports. */
static enum refusal fit_full(const struct ctx *c, uint32_t node)
{
	enum refusal r;

	if (!node_takes_new(&c->in->nodes[node]))
		return FIT_UNAVAILABLE;
	if ((r = fit_resources(c, node)) || (r = c->elig[node]))
		return r;
	return fit_slots(c, node);
}

static void ports_update(struct port_set *set, uint32_t key, int sign)
{
	if (sign > 0) {
		GROW(set->v, set->cap, set->n + 1);
		set->v[set->n++] = key;
		return;
	}
	for (size_t i = 0; i < set->n; i++)
		if (set->v[i] == key) {
			set->v[i] = set->v[--set->n];
			return;
		}
}

/* Charge (sign 1) or release (sign -1) one task of the service on node. */
void commit(struct ctx *c, uint32_t node, int sign)
{
	const struct sched_service *s = cur_service(c);
	const struct sched_node *n = &c->in->nodes[node];

	c->cnt[node] += (uint32_t)sign;
	c->total[node] += (uint32_t)sign;
	/* capacity 0 means unknown: nothing to check, so nothing to count */
	if (n->memory_bytes > 0)
		c->mem_used[node] += sign * s->reserve_memory;
	if (n->nano_cpus > 0)
		c->cpu_used[node] += sign * s->reserve_nano_cpus;
	for (size_t i = 0; i < s->nports; i++)
		ports_update(&c->ports[node], port_key(&s->ports[i]), sign);
}

static int constraints_hold(const struct ctx *c, const struct sched_node *n)
{
	const struct svc_rules *r = &c->rules[c->cur];
	for (size_t i = 0; i < r->ncons; i++)
		if (!sched_constraint_match(&r->cons[i], n))
			return 0;
	return 1;
}

static int same_str(const char *a, const char *b)
{
	return a == b || (a && b && streq(a, b));
}

static int same_constraint(const struct sched_constraint *a,
			   const struct sched_constraint *b)
{
	return a->key == b->key && a->negate == b->negate &&
	       same_str(a->label, b->label) && same_str(a->value, b->value);
}

/* Would services a and b pass the same nodes?  Stacks repeat the same
 * constraints (or none) on many services: the verdicts are then reused. */
static int same_filters(const struct ctx *c, uint32_t a, uint32_t b)
{
	const struct svc_rules *ra = &c->rules[a], *rb = &c->rules[b];
	const struct sched_service *sa = &c->in->services[a];
	const struct sched_service *sb = &c->in->services[b];

	if (ra->ncons != rb->ncons || sa->nplatforms != sb->nplatforms)
		return 0;
	for (size_t i = 0; i < ra->ncons; i++)
		if (!same_constraint(&ra->cons[i], &rb->cons[i]))
			return 0;
	for (size_t i = 0; i < sa->nplatforms; i++)
		if (!same_str(sa->platforms[i].os, sb->platforms[i].os) ||
		    !same_str(sa->platforms[i].arch, sb->platforms[i].arch))
			return 0;
	return 1;
}

/* The filters that depend only on the service: once per service. */
void select_service(struct ctx *c, uint32_t s)
{
	c->cur = s;
	memset(c->pending_msg, 0, sizeof(c->pending_msg));
	if (c->elig_for != SCHED_NONE && same_filters(c, s, c->elig_for))
		return;
	c->elig_for = s;
	for (size_t i = 0; i < c->in->nnodes; i++) {
		const struct sched_node *n = &c->in->nodes[i];
		c->elig[i] = !constraints_hold(c, n) ? FIT_CONSTRAINT :
			     !sched_platform_match(&c->in->services[s], n) ?
			     FIT_PLATFORM : FIT_OK;
	}
}

/* --- pending messages ---------------------------------------------------- */

static const char *const refusal_text[FIT_NREASONS] = {
	[FIT_UNAVAILABLE] = "%u node%s not available for new tasks",
	[FIT_MEMORY] = "insufficient memory on %u node%s",
	[FIT_CPU] = "insufficient CPU on %u node%s",
	[FIT_CONSTRAINT] = "constraints not satisfied on %u node%s",
	[FIT_PLATFORM] = "unsupported platform on %u node%s",
	[FIT_PORT] = "host-mode port already in use on %u node%s",
	[FIT_MAX_REPLICAS] = "max replicas per node reached on %u node%s",
};

static const char *keep_message(struct sched_plan *p, char *msg)
{
	GROW(p->messages, p->msgcap, p->nmessages + 1);
	p->messages[p->nmessages++] = msg;
	return msg;
}

/* The reason that ruled out most nodes (filter order breaks ties), as
 * swarmkit lists them; FIT_OK when none is left. */
static int most_refused(const unsigned *count)
{
	int best = FIT_OK;
	for (int r = FIT_UNAVAILABLE; r < FIT_NREASONS; r++)
		if (count[r] && (best == FIT_OK || count[r] > count[best]))
			best = r;
	return best;
}

/* "no suitable node (constraints not satisfied on 5 nodes; insufficient
 * memory on 1 node)", over every node or only one (global services).
 * Interned: one string per service (per reason for global services). */
const char *pending_message(struct ctx *c, uint32_t only_node)
{
	unsigned count[FIT_NREASONS] = { 0 };
	size_t from = only_node == SCHED_NONE ? 0 : only_node;
	size_t to = only_node == SCHED_NONE ? c->in->nnodes : only_node + 1;
	enum refusal key = FIT_OK;

	for (size_t i = from; i < to; i++)
		count[key = fit_full(c, (uint32_t)i)]++;
	if (only_node == SCHED_NONE)
		key = FIT_OK;
	if (c->pending_msg[key])
		return c->pending_msg[key];

	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "no suitable node");
	const char *sep = " (";
	for (int r; (r = most_refused(count)) != FIT_OK; count[r] = 0) {
		sb_adds(&sb, sep);
		sb_addf(&sb, refusal_text[r], count[r], count[r] == 1 ? "" : "s");
		sep = "; ";
	}
	if (!c->in->nnodes)
		sb_adds(&sb, " (no nodes)");
	else if (*sep == ';')
		sb_adds(&sb, ")");
	return c->pending_msg[key] = keep_message(c->out, sb_detach(&sb));
}

