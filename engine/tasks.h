/* The tasks of the cluster as the read commands show them: every task
 * record of the state joined with what its host reports about its
 * container, and the columns Docker Swarm prints for tasks and services
 * (`stack ps`, `service ps`, `service ls`, and later `node ps`). */
#ifndef CSWARM_ENGINE_TASKS_H
#define CSWARM_ENGINE_TASKS_H

#include "engine/run.h"

/* One task of the state, or a stray container; every pointer is borrowed
 * from the run. */
struct task_row {
	const struct state_task *task;	/* NULL: a stray container (c, stray) */
	const struct stack *stack;	/* NULL: the stack is no longer in the state */
	const struct service *svc;	/* NULL: the service is gone */
	long host;			/* fleet index; -1: the node left the inventory */
	const struct host_view *view;	/* NULL when host is -1 */
	const struct observed *c;	/* NULL: host down, or no container found */
	const char *node;		/* the task's node, or the stray's host */
	const char *stray;		/* NULL for a task; for a container of the
					 * cluster that no task record places on its
					 * host, "stale copy" (the record places the
					 * task elsewhere) or "orphan" (no record):
					 * the next change or reconcile removes it */
};

/* Which tasks to list; NULL fields match everything. */
struct task_filter {
	const char *stack;
	const char *service;	/* the service's name within its stack */
	const char *node;
	int strays;		/* also the stray containers on the hosts that
				 * node matches, after the tasks (node ps) */
};

/* The matching tasks, ordered by stack, service, slot (global: node), in
 * a new array (free() it; the rows borrow from r), then the strays by
 * container name. Needs RUN_OBSERVE and RUN_STACKS. */
void tasks_collect(const struct run *r, const struct task_filter *f, struct task_row **rows,
		   size_t *n);

/* Split "stack_service" at the first '_' that names a service of a stack
 * in the run: 0 with *stack and *svc set, or -1 (unknown service). */
int tasks_find_service(const struct run *r, const char *full, const struct stack **stack,
		       const struct service **svc);

/* "stack_service.slot", or for a global task "stack_service.node". */
void task_name(const struct state_task *t, struct strbuf *out);
/* The row's task_name, or a stray's container name. */
void task_row_name(const struct task_row *row, struct strbuf *out);
/* ID: the task's, or the one a stray's label names (NULL if none). */
const char *task_row_id(const struct task_row *row);
/* DESIRED STATE: "Running", or "Remove" for a stray. */
const char *task_desired_state(const struct task_row *row);
/* CURRENT STATE: "Running 5 minutes ago (healthy)", "Exited (1) 2 minutes
 * ago", "Starting", "Missing", "Unknown (host unreachable)". */
void task_current_state(const struct task_row *row, long long now, struct strbuf *out);
/* A one-word state for scripts: running, starting, exited, missing, unknown... */
const char *task_state_word(const struct task_row *row);
/* ERROR: why a stray is one, the engine's error, a non-zero exit, an
 * unhealthy container, or why the host cannot tell; empty when there is
 * none. */
void task_error(const struct task_row *row, struct strbuf *out);
/* PORTS of the task's container ("*:8080->80/tcp", comma-separated). */
void task_ports(const struct task_row *row, struct strbuf *out);
/* Is the task running (and healthy when it has a healthcheck)? */
int task_running(const struct task_row *row);

/* PORTS of a service from its spec ("*:8080->80/tcp", comma-separated). */
void service_ports(const struct service *svc, struct strbuf *out);
/* "replicated" or "global". */
const char *service_mode(const struct service *svc);
int service_is_global(const struct service *svc);
/* Running tasks and the desired count: replicas, or for a global service
 * the nodes the scheduler placed it on at the last converge. */
void service_replicas(const struct run *r, const struct stack *st, const struct service *svc,
		      size_t *running, size_t *desired);

/* Docker's human durations, lower case: "less than a second", "about a
 * minute", "5 minutes", "3 days". */
void human_duration(long long seconds, struct strbuf *out);
/* Seconds of an RFC 3339 UTC time as docker prints it; 0 if unparsable
 * or docker's zero time. */
long long docker_time(const char *s);

#endif
