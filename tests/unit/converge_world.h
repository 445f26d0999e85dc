/* A run built in memory for engine tests, without any host: an inventory
 * of three hosts (h1 manager, h2 and h3 workers), their views, the state
 * and a stack "app" (web: 3 replicas with a restart_policy; agent: global).
 * Operations are "applied" by recording what they would have done. Include
 * after cmocka.h. */
#ifndef CSWARM_CONVERGE_WORLD_H
#define CSWARM_CONVERGE_WORLD_H

#include "engine/converge.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* Placement only: no overlay (it would want the hosts' addresses). */
static const char inventory_text[] =
	"[managers]\nh1\n[workers]\nh2\nh3\n[all:vars]\ncswarm_network=bridge\n";

static const char base_stack[] =
	"name: app\n"
	"services:\n"
	"  web:\n"
	"    image: busybox:latest\n"
	"    environment: { V: \"%s\" }\n"
	"    deploy:\n"
	"      replicas: 3\n"
	"      restart_policy: { condition: on-failure, delay: %s, max_attempts: 2 }\n"
	"  agent:\n"
	"    image: busybox:latest\n"
	"    deploy: { mode: global }\n";

/* Put a stack into the run as deploy does: state documents and models. */
static inline void set_stack_yaml(struct run *r, const char *yaml)
{
	struct compose_opts co = { .name = "app", .quiet = true, .working_dir = "/" };
	struct stack *st = NULL;
	struct strbuf err = STRBUF_INIT, json = STRBUF_INIT;
	assert_int_equal(compose_load_buffer("app.yml", yaml, strlen(yaml), &co, &st, &err), 0);
	compose_write_json(st, &json);
	state_set_stack(&r->st, "app", json.buf);
	for (size_t i = 0; i < st->nservices; i++) {
		struct strbuf spec = STRBUF_INIT;
		compose_service_json(st, &st->services[i], &spec);
		assert_non_null(state_set_service(&r->st, "app", st->services[i].name, spec.buf, &err));
		sb_free(&spec);
	}
	if (r->stacks)
		stack_free(r->stacks[0]);
	else
		r->stacks = xcalloc(1, sizeof(*r->stacks));
	r->stacks[0] = st;
	sb_free(&json);
	sb_free(&err);
}

static inline void set_stack(struct run *r, const char *version, const char *delay)
{
	char *yaml = xasprintf(base_stack, version, delay);
	set_stack_yaml(r, yaml);
	free(yaml);
}

static inline struct run *world(void)
{
	struct run *r = xcalloc(1, sizeof(*r));
	struct strbuf err = STRBUF_INIT;
	run_init(r);
	assert_int_equal(inventory_load_buffer("inv", inventory_text, strlen(inventory_text),
					       &r->inv, &err), 0);
	r->fleet.n = r->inv.nhosts;
	r->fleet.hosts = xcalloc(r->fleet.n, sizeof(*r->fleet.hosts));
	r->index = xcalloc(r->fleet.n, sizeof(*r->index));
	r->views = xcalloc(r->fleet.n, sizeof(*r->views));
	for (size_t i = 0; i < r->fleet.n; i++) {
		r->fleet.hosts[i].target.name = xstrdup(r->inv.hosts[i].name);
		r->fleet.hosts[i].target.address = xstrdup(r->inv.hosts[i].name);
		sb_init(&r->fleet.hosts[i].error);
		r->index[i] = i;
		sb_init(&r->views[i].detail);
		r->views[i].info.version = xstrdup("20.10.24");
		r->views[i].info.os_type = xstrdup("linux");
		r->views[i].info.arch = xstrdup("x86_64");
		r->views[i].info.ncpu = 2;
		r->views[i].info.mem_total = 8LL << 30;
	}
	run_index_hosts(r);
	r->st.cluster = xstrdup("default");
	r->st.cluster_id = xstrdup("0123456789abcdef0123456789abcdef");
	set_stack(r, "1", "0s");
	sb_free(&err);
	return r;
}

static inline void world_free(struct run *r)
{
	run_close(r);
	free(r);
}

/* Give a host a container as docker inspect would show it. */
static inline void observe(struct run *r, size_t host, const struct state_task *t,
			   const char *state, int exit_code, const char *finished)
{
	struct host_view *v = &r->views[host];
	v->containers = xrealloc(v->containers, (v->ncontainers + 1) * sizeof(*v->containers));
	struct observed *o = &v->containers[v->ncontainers++];
	memset(o, 0, sizeof(*o));
	o->name = xasprintf("%s_%s.%d.%s", t->stack, t->service, t->slot, t->id);
	o->stack = xstrdup(t->stack);
	o->service = xstrdup(t->service);
	o->task_id = xstrdup(t->id);
	o->hash = xstrdup(t->hash);
	o->slot = t->slot;
	o->state = container_state_parse(state);
	o->exit_code = exit_code;
	o->finished_at = xstrdup(finished);
}

/* What converge_apply would record, with every container running. */
static inline void apply(struct run *r, struct converge *cv)
{
	for (size_t i = 0; i < cv->nops; i++) {
		struct op *op = &cv->ops[i];
		if (op->kind == OP_START) {
			state_add_task(&r->st, &op->task);
			observe(r, op->host, &op->task, "running", 0, "0001-01-01T00:00:00Z");
		} else if (op->kind == OP_STOP && op->task.id) {
			state_remove_task(&r->st, op->task.id);
		}
	}
}

static inline void plan(struct run *r, struct converge *cv)
{
	struct strbuf err = STRBUF_INIT;
	struct converge_opts o = { .remove_orphans = 1 };
	assert_int_equal(converge_plan(r, &o, cv, &err), 0);
	sb_free(&err);
}

static inline size_t count(const struct converge *cv, enum op_kind kind, const char *why)
{
	size_t n = 0;
	for (size_t i = 0; i < cv->nops; i++)
		n += cv->ops[i].kind == kind && (!why || streq(op_why(&cv->ops[i]), why));
	return n;
}

static inline void deployed(struct run *r)
{
	struct converge cv;
	plan(r, &cv);
	apply(r, &cv);
	converge_free(&cv);
}

static inline struct state_task *task_of(struct run *r, const char *service)
{
	for (size_t i = 0; i < r->st.ntasks; i++)
		if (streq(r->st.tasks[i].service, service))
			return &r->st.tasks[i];
	return NULL;
}

/* Mark the observed container of t exited with the code. */
static inline void exit_task(struct run *r, const struct state_task *t, int code,
			     const char *finished)
{
	long h = run_host(r, t->node);
	struct observed *o = (struct observed *)view_find_task(&r->views[h], t->id);
	free(o->finished_at);
	o->state = CONTAINER_EXITED;
	o->exit_code = code;
	o->finished_at = xstrdup(finished);
}

#endif
