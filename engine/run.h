/* One run of a command against the cluster: the inventory, a connection
 * per host, the managers' state (under the lock when the command changes
 * anything) and what every host runs now. Every command that reads or
 * changes services starts here:
 *
 *	struct run r;
 *	run_init(&r);
 *	... parse_options(): the shared options (cmd/options.h) fill r ...
 *	if ((ret = run_open(&r, RUN_LOCK | RUN_OBSERVE, argc, argv)) != 0) goto out;
 *	... plan, apply, change r.st ...
 *	run_commit(&r, "deploy web");
 *	out: run_close(&r);
 */
#ifndef CSWARM_ENGINE_RUN_H
#define CSWARM_ENGINE_RUN_H

#include "engine/hostopts.h"
#include "compose/compose.h"
#include "engine/observe.h"
#include "inventory/strmap.h"
#include "state/cluster.h"
#include "state/state.h"

struct cluster_key;

enum run_flags {
	RUN_LOCK = 1,		/* take the cluster lock before reading the state */
	RUN_OBSERVE = 2,	/* observe every host */
	RUN_STACKS = 4,		/* load the stack models kept in the state */
	RUN_NO_STATE = 8,	/* do not read the state (init, lock status) */
	RUN_LIMIT = 16,		/* the command honours --limit (lists only the tasks on
				 * those hosts); without it --limit is refused */
};

struct run {
	struct host_opts opts;
	struct cluster_opts copts;
	struct inventory inv;
	struct fleet fleet;		/* every inventory host, inventory order */
	struct strmap host_at;		/* host name -> fleet position (run_host) */
	size_t *index;			/* fleet position -> inventory index */
	struct cluster_ctx cluster;
	int cluster_opened;
	struct state st;
	struct host_view *views;	/* per fleet host, with RUN_OBSERVE */
	/* With RUN_STACKS: stacks[i] is the model of st.stacks[i].
	 * INVARIANT: parallel to st.stacks, same length and order. Loaded
	 * in run_open; a stack is added or replaced only by run_set_stack
	 * (engine/stacks.c), dropped by forget_stack (cmd/stack.c), and a
	 * model changed in place is stored back under the same index
	 * (cmd/service.c store_and_converge). */
	struct stack **stacks;
	long wait_ms;			/* --wait: for started tasks to run */
	struct cluster_key *key;	/* loaded on first use (engine/files.h) */
	unsigned char *in_limit;	/* per fleet host, with RUN_LIMIT and --limit; else NULL */
	/* Per inventory host, optional (reconcile --watch): nonzero when the
	 * host is known to be unreachable: not connected to, reported down;
	 * turning nonzero during the run abandons its commands there. */
	const atomic_int *silent;
	struct net_plan *net;		/* the overlay's plan (engine/net.h), or NULL */
	int locked;			/* RUN_LOCK: the lock is held on a majority */
	char *read_hash;		/* RUN_LOCK: sha256 of the state as read, so
					 * that a commit changing nothing writes nothing */
	int stop;			/* not EXIT_OK: the run must change nothing more
					 * (lock lost, a state write failed); its exit code */
};

void run_init(struct run *r);
/* Open the run; returns EXIT_OK or the exit code to return (error printed). */
int run_open(struct run *r, int flags, int argc, char **argv);
/* Write r->st as the next version, after checking the lock is still held;
 * EXIT_OK, or the exit code (error printed): EXIT_LOCK_LOST when the lock
 * was lost or another run wrote meanwhile, EXIT_UNREACHABLE when too few
 * managers took it, EXIT_FAIL. Returns r->stop when set (nothing written). */
int run_commit(struct run *r, const char *change);
/* Before changing hosts (each wave): EXIT_OK while the lock is held on a
 * majority; else sets and returns r->stop (EXIT_LOCK_LOST, error printed). */
int run_check_lock(struct run *r);
/* Write-ahead: before the first host changes, the state as it will be once
 * every operation of cv succeeded (new tasks added, stopped ones removed)
 * is written to a majority, so that a run killed mid-way leaves a state
 * that owns every container it started, and a write that fails leaves the
 * hosts untouched. Sets r->st.version to the version written (the fence of
 * run_commit). EXIT_OK, or sets and returns r->stop. */
struct converge;
/* Test hook (CSWARM_FAULT=PHASE:sigkill, see docs/reliability.md). */
void run_fault_point(const char *phase);
int run_write_intent(struct run *r, const struct converge *cv);
/* Into st, what the operations of wave did (those done; wave -1: every
 * operation, done or not, as the plan): tasks started added, tasks
 * stopped removed in one pass. */
void run_state_record(struct state *st, const struct converge *cv, int wave);
void run_close(struct run *r);

/* A stack document as the state keeps it (canonical JSON, values final:
 * no interpolation) loaded into a model; NULL with the error printed. */
struct stack *run_load_stack_json(const char *name, const char *json);
/* Put stack st (whose canonical document is json) into the state: its
 * service records and stack document, and the run's model, read back from
 * json. 0, or -1 with the error reported (engine/stacks.c). */
int run_set_stack(struct run *r, const struct stack *st, const char *json);
/* For a rollback: service svc (all services when NULL) of stack i rolls
 * with its rollback_config, where it has one. Only the run's model changes,
 * never the stored document. */
void run_use_rollback_config(struct run *r, size_t i, const char *svc);
/* Index of the stack in r->st.stacks (and r->stacks), or -1. */
long run_stack_index(const struct run *r, const char *name);
/* A warning per observed host that cannot run tasks now, with the reason
 * (unreachable, docker down, output too large...). */
void run_warn_down(const struct run *r);
/* Log into every host of r->fleet at once, the managers' state reads and
 * writes then going over the same sessions (run_open does it with
 * RUN_OBSERVE; a command that opens the fleet and the cluster itself calls
 * it before reading the state). */
void run_log_in(struct run *r);
/* Index r->fleet by host name for run_host (run_open does it; a command
 * that opens the fleet itself calls it after open_fleet). */
void run_index_hosts(struct run *r);
/* Fleet position of the inventory host named name, or -1; hashed, so
 * that a loop over 10k tasks does not scan 1000 hosts for each. */
long run_host(const struct run *r, const char *name);
/* The stack model and service of a state service, or NULL. */
const struct stack *run_stack(const struct run *r, const char *stack);

#endif
