/* Scheduler internals shared by sched/plan.c, filter.c and place.c. */
#ifndef CSWARM_SCHED_INTERNAL_H
#define CSWARM_SCHED_INTERNAL_H

#include "sched/sched.h"

/* Why a node cannot take a task, in filter order (the pending message
 * lists them in this order, like swarmkit's). */
enum refusal {
	FIT_OK,
	FIT_UNAVAILABLE,	/* not ready, or not active */
	FIT_MEMORY,
	FIT_CPU,
	FIT_CONSTRAINT,
	FIT_PLATFORM,
	FIT_PORT,
	FIT_MAX_REPLICAS,
	FIT_NREASONS
};

/* A spread preference ("node.labels.zone"): every node's value as a small
 * integer, so grouping nodes into branches needs no string work. */
struct spread_key {
	char *label;
	int engine;
	uint32_t *value_of;	/* per node; distinct values, "missing" too */
	uint32_t nvalues;
	uint32_t *branch_of;	/* scratch per value, SCHED_NONE between uses */
};

struct svc_rules {
	struct sched_constraint *cons;
	size_t ncons;
	uint32_t *spread;	/* indexes into ctx.keys, outermost first */
	int binpack;
};

struct port_set {
	uint32_t *v;		/* proto << 16 | port */
	size_t n, cap;
};

struct ctx {
	const struct sched_input *in;
	const struct sched_options *opt;
	struct sched_plan *out;
	struct svc_rules *rules;
	struct spread_key *keys;
	size_t nkeys, keycap;

	/* Load of every node, updated as tasks are kept and placed. */
	uint32_t *total;
	int64_t *cpu_used, *mem_used;
	struct port_set *ports;

	/* Per-service scratch, valid while one service is being handled. */
	uint32_t cur;
	uint32_t *cnt;		/* tasks of the service per node */
	uint8_t *elig;		/* constraints/platform verdict per node */
	uint32_t elig_for;	/* the service elig was computed for */
	uint32_t *pos_a, *pos_b;	/* rebalance heap positions */
	uint32_t *moves_head, *moves_next;	/* rebalance: kept tasks per node */
	uint8_t *slot_used;	/* replicated: slot numbers in use */

	/* Input tasks grouped by service: group[first[s] .. first[s + 1]) */
	uint32_t *group, *first;
	const char *pending_msg[FIT_NREASONS];	/* interned per service */
};

/* constraint.c: a node's label value, NULL if it has no such label. */
const char *node_label(const struct sched_node *n, int engine, const char *name);

/* filter.c */
int node_takes_new(const struct sched_node *n);
/* Compute the service-only filters (constraints, platform) for service s
 * and make it the current one. */
void select_service(struct ctx *c, uint32_t s);
/* The filters that change as tasks are placed: resources, ports, limits. */
enum refusal fit_dynamic(const struct ctx *c, uint32_t node);
/* Charge (sign 1) or release (sign -1) one task of the service on node. */
void commit(struct ctx *c, uint32_t node, int sign);
/* Why no node (or only_node) takes a task of the current service. */
const char *pending_message(struct ctx *c, uint32_t only_node);

/* place.c: place n tasks of the current service, writing the nodes chosen
 * to dst; returns how many were placed.  With rebalance, then also evens out
 * its kept tasks (moving the fewest). */
uint32_t place_replicas(struct ctx *c, uint32_t n, uint32_t *dst, int rebalance);

#endif
