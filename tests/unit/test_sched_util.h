/* Helpers shared by the scheduler tests (header-only, static). */
#ifndef TEST_SCHED_UTIL_H
#define TEST_SCHED_UTIL_H

#include "sched/sched.h"
#include "util/strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GiB (1024LL * 1024 * 1024)

/* A ready, active linux/amd64 worker called `name`. */
static inline struct sched_node mk_node(const char *name)
{
	struct sched_node n = {
		.id = name, .hostname = name, .ready = 1,
		.os = "linux", .arch = "x86_64", .ip = "10.0.0.1",
	};
	return n;
}

static inline struct sched_service mk_replicated(const char *name, uint32_t n)
{
	struct sched_service s = { .name = name, .mode = SCHED_REPLICATED,
				   .replicas = n };
	return s;
}

/* Plan or fail the test, printing the error. */
static inline void plan_ok(const struct sched_input *in,
			   const struct sched_options *opt, struct sched_plan *p)
{
	struct strbuf err = STRBUF_INIT;
	int rc = sched_plan(in, opt, p, &err);
	if (rc)
		fprintf(stderr, "sched_plan: %s\n", sb_str(&err));
	sb_free(&err);
	if (rc)
		abort();
}

static inline int occupies(const struct sched_item *it)
{
	return it->action == SCHED_KEEP || it->action == SCHED_START ||
	       it->action == SCHED_MOVE;
}

/* Tasks of service svc (SCHED_NONE: any) running on node after the plan. */
static inline unsigned on_node(const struct sched_plan *p, uint32_t svc,
			       uint32_t node)
{
	unsigned n = 0;
	for (size_t i = 0; i < p->nitems; i++)
		n += occupies(&p->items[i]) && p->items[i].to == node &&
		     (svc == SCHED_NONE || p->items[i].service == svc);
	return n;
}

static inline unsigned with_action(const struct sched_plan *p, uint32_t svc,
				   enum sched_action a)
{
	unsigned n = 0;
	for (size_t i = 0; i < p->nitems; i++)
		n += p->items[i].action == a && p->items[i].service == svc;
	return n;
}

/* The tasks a plan leaves behind, all running: the input of a redeploy.
 * Returns the count; *tasks is malloc'ed. */
static inline size_t tasks_after(const struct sched_plan *p,
				 struct sched_task **tasks)
{
	size_t n = 0;
	*tasks = calloc(p->nitems + 1, sizeof(**tasks));
	for (size_t i = 0; i < p->nitems; i++) {
		const struct sched_item *it = &p->items[i];
		if (!occupies(it))
			continue;
		struct sched_task t = { .id = "t", .service = it->service,
					.slot = it->slot, .node = it->to,
					.state = SCHED_TASK_RUNNING };
		(*tasks)[n++] = t;
	}
	return n;
}

#endif
