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

struct op {
	enum op_kind kind;
	int wave;
	size_t host;			/* fleet index */
	const struct stack *stack;
	const struct service *svc;	/* NULL: an orphan container */
	struct state_task task;		/* START: the new record; STOP: the old one (copy) */
	char *container;		/* container name */
	const char *why;		/* static text */
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
/* Print the plan per host with the exact docker commands (no secrets). */
void converge_print(struct run *r, const struct converge *cv, FILE *out);

#endif
