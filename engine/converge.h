/* From desired state and observation to the container operations that
 * converge the cluster: the scheduler decides placement (sched/), this
 * decides what that means for containers, in which order, and which tasks
 * restart per their restart_policy. */
#ifndef CSWARM_ENGINE_CONVERGE_H
#define CSWARM_ENGINE_CONVERGE_H

#include "engine/run.h"

#include <stdio.h>

/* How long commands wait for started tasks to run unless told (--wait). */
#define CONVERGE_WAIT_MS 120000L

/* OP_UPDATE: `docker update --restart` of a kept task's container. */
enum op_kind { OP_START, OP_STOP, OP_UPDATE };

/* Waves run one after another; the hosts of one wave run in parallel.
 *  WAVE_FIRST: starts of new and moved tasks, stops of removed ones;
 *  WAVE_MOVED: stops of the old copies of moved tasks, once the new copies
 *              run (start-first, so drained services never drop a replica);
 *  WAVE_UPDATE + k: rolling update batch k (stop-first per task). */
enum { WAVE_FIRST = 0, WAVE_MOVED = 1, WAVE_UPDATE = 2 };

/* Why an operation happens: decided on as an enum, printed (op_why) in the
 * operation's line, the plan and the watch log. */
enum op_reason {
	WHY_NEW,		/* start: a slot (global: a node) without a task */
	WHY_RESTART,		/* start: replaces a task that exited (restart_policy) */
	WHY_RESCHEDULED,	/* start: the old task's host left the inventory */
	WHY_HOST_LEFT,		/* stop: its host left the inventory */
	WHY_MOVED,		/* start, and stop without a scheduler's reason */
	WHY_UPDATE,		/* both halves of a rolling update */
	WHY_STOPPED,		/* stop without a scheduler's reason */
	WHY_MUST_LEAVE,		/* stop of a task left pending, no scheduler's reason */
	WHY_RESTART_POLICY,	/* update: the engine's restart policy in place */
	WHY_STALE_COPY,		/* stop: a container its task record places elsewhere */
	WHY_ORPHAN,		/* stop: a container without a task record */
	WHY_SCHEDULER,		/* the scheduler's reason, op->sched_reason */
	WHY_NREASONS
};

struct op {
	enum op_kind kind;
	int wave;
	size_t host;			/* fleet index */
	const struct stack *stack;
	const struct service *svc;	/* NULL: an orphan container */
	struct state_task task;		/* START: the new record; STOP: the old one (copy) */
	char *container;		/* container name */
	enum op_reason why;
	const char *sched_reason;	/* WHY_SCHEDULER: sched_item.reason (static) */
	int done;			/* applied successfully */
};

struct converge_opts {
	const char *stack;		/* only this stack's services; NULL: all */
	int rebalance;
	int remove_orphans;		/* cluster containers unknown to the state */
};

struct converge {
	struct op *ops;
	size_t nops, cap;
	int nwaves;
	int rollback;			/* set by converge_apply: a failed update
					 * batch asks for update_config rollback */
	struct strbuf pending;		/* one line per service with unplaced tasks */
	size_t npending;
	size_t waiting_restart;		/* exited tasks inside their restart delay */
	size_t lost;			/* tasks on unreachable hosts */
	int quiet;			/* set before converge_apply: no stdout line
					 * per operation (failures still go to stderr) */
};

/* Compute the operations; 0, or -1 with err. */
int converge_plan(struct run *r, const struct converge_opts *o, struct converge *cv,
		  struct strbuf *err);
void converge_free(struct converge *cv);

/* Apply wave by wave, waiting for started tasks to run between waves, and
 * update r->st's task records for what succeeded. Returns the number of
 * operations that failed. */
size_t converge_apply(struct run *r, struct converge *cv, long wait_ms);
/* In a host's script output, what operation index printed between its
 * markers ("@@op NONCE N" ... "@@rc NONCE N STATUS", each on a line of its
 * own) into msg; its exit status, or -1 when the markers are missing or
 * malformed. Input is untrusted: fuzzed. */
int converge_op_result(const char *out, const char *nonce, size_t index, struct strbuf *msg);
/* Why op happens, as its lines print it: "restart", "node drained"... */
const char *op_why(const struct op *op);
/* Print the plan per host with the exact docker commands (no secrets). */
void converge_print(struct run *r, const struct converge *cv, FILE *out);

#endif
