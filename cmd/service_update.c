/* cswarm service update|rollback|inspect: docker's daily service commands.
 *
 * An update is written as a second stack document that is merged over the
 * stack's own, with the rules of several -c files (cswarm config shows
 * them): the changed service is validated exactly as a deploy would, then
 * the stack converges with its update_config. A later deploy of the stack
 * file wins again. A rollback puts back the service's previous member of
 * the stack document (kept by run_set_stack) and rolls with its
 * rollback_config. */
#include "cmd/cmd.h"
#include "engine/converge.h"
#include "compose/lists.h"
#include "engine/tasks.h"
#include "util/json.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct update_args {
	const char *image;
	struct optlist env_add, env_rm, label_add, label_rm, cons_add, cons_rm, pub_add, pub_rm;
	int replicas;		/* -1: unchanged */
	int force;
	const char *service;
};

enum { MAX_REPLICAS = 10000000 };

#define UPDATE_LIST(l, argh, f, h) OPT_LIST(0, l, argh, struct update_args, f, h, NULL)

static const struct opt update_options[] = {
	OPT_STRING(0, "image", "IMAGE", struct update_args, image, "the image to run", NULL),
	UPDATE_LIST("env-add", "K=V", env_add, "add or change an environment variable"),
	UPDATE_LIST("env-rm", "K", env_rm, "remove an environment variable"),
	UPDATE_LIST("label-add", "K=V", label_add, "add or change a service label"),
	UPDATE_LIST("label-rm", "K", label_rm, "remove a service label"),
	UPDATE_LIST("constraint-add", "EXPR", cons_add, "add a placement constraint"),
	UPDATE_LIST("constraint-rm", "EXPR", cons_rm, "remove a placement constraint"),
	UPDATE_LIST("publish-add", "[PUB:]TARGET[/PROTO]", pub_add, "publish a port"),
	UPDATE_LIST("publish-rm", "TARGET[/PROTO]", pub_rm, "stop publishing a port"),
	OPT_INT(0, "replicas", "N", struct update_args, replicas, 0, MAX_REPLICAS,
		"number of tasks of a replicated service"),
	OPT_FLAG(0, "force", struct update_args, force, "replace every task even when nothing changed"),
	OPT_INCLUDE(cluster_options),
	OPT_END(),
};

static int parse_update(const struct subcmd *self, struct run *r, int argc, char **argv,
			struct update_args *a)
{
	a->replicas = -1;
	if (parse_options(self, argc, argv, a, r) != EXIT_OK)
		return EXIT_USAGE;
	if (optind + 1 != argc)
		return usage_error("service update: expected one SERVICE (STACK_SERVICE)");
	a->service = argv[optind];
	for (size_t i = 0; i < a->env_add.n; i++)
		if (!strchr(a->env_add.v[i], '=') || a->env_add.v[i][0] == '=')
			return usage_error("--env-add: expected KEY=VALUE, got '%s'", a->env_add.v[i]);
	return EXIT_OK;
}

/* --- the change as a stack document --------------------------------------- */

/* "K=V" (or "K") as a member "K":"V" of a JSON object being written. */
static void kv_member(struct strbuf *doc, const char *kv, int *first)
{
	const char *eq = strchr(kv, '=');
	char *key = eq ? xstrndup(kv, (size_t)(eq - kv)) : xstrdup(kv);
	sb_adds(doc, *first ? "" : ",");
	json_string(doc, key);
	sb_addc(doc, ':');
	json_string(doc, eq ? eq + 1 : "");
	*first = 0;
	free(key);
}

/* A mapping that adds and removes keys (!reset drops a key in the merge). */
static void kv_changes(struct strbuf *doc, const char *key, const struct optlist *add,
		       const struct optlist *rm, int *first)
{
	if (!add->n && !rm->n)
		return;
	int inner = 1;
	sb_addf(doc, "%s\"%s\":{", *first ? "" : ",", key);
	for (size_t i = 0; i < add->n; i++)
		kv_member(doc, add->v[i], &inner);
	for (size_t i = 0; i < rm->n; i++) {
		sb_adds(doc, inner ? "" : ",");
		json_string(doc, rm->v[i]);
		sb_adds(doc, ": !reset null");
		inner = 0;
	}
	sb_addc(doc, '}');
	*first = 0;
}

static int listed(const struct optlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (streq(l->v[i], s))
			return 1;
	return 0;
}

/* The whole new constraint list, replacing the old one (!override). */
static void constraints_change(struct strbuf *doc, const struct service *svc,
			       const struct update_args *a, int *first)
{
	if (!a->cons_add.n && !a->cons_rm.n)
		return;
	int inner = 1;
	sb_addf(doc, "%s\"placement\":{\"constraints\": !override [", *first ? "" : ",");
	for (size_t i = 0; i < svc->deploy.constraints.n; i++) {
		const char *c = svc->deploy.constraints.v[i];
		if (listed(&a->cons_rm, c) || listed(&a->cons_add, c))
			continue;
		sb_adds(doc, inner ? "" : ",");
		json_string(doc, c);
		inner = 0;
	}
	for (size_t i = 0; i < a->cons_add.n; i++) {
		sb_adds(doc, inner ? "" : ",");
		json_string(doc, a->cons_add.v[i]);
		inner = 0;
	}
	sb_adds(doc, "]}");
	*first = 0;
}

/* A published port goes by its target or its published port ("80",
 * "8080:80", "80/udp" as docker's --publish-rm). */
static int port_removed(const struct port *p, const struct optlist *rm)
{
	for (size_t i = 0; i < rm->n; i++) {
		char *end;
		const char *colon = strchr(rm->v[i], ':');
		unsigned long n = strtoul(colon ? colon + 1 : rm->v[i], &end, 10);
		const char *proto = *end == '/' ? end + 1 : "tcp";
		if ((*end && *end != '/') || !streq(proto, p->protocol ? p->protocol : "tcp"))
			continue;
		if (n == p->target || (!colon && n == p->published))
			return 1;
	}
	return 0;
}

static void ports_change(struct strbuf *doc, const struct service *svc, const struct update_args *a,
			 int *first)
{
	if (!a->pub_add.n && !a->pub_rm.n)
		return;
	int inner = 1;
	sb_addf(doc, "%s\"ports\": !override [", *first ? "" : ",");
	for (size_t i = 0; i < svc->nports; i++) {
		const struct port *p = &svc->ports[i];
		if (port_removed(p, &a->pub_rm))
			continue;
		sb_addf(doc, "%s{\"target\":%u,\"published\":%u", inner ? "" : ",", p->target, p->published);
		sb_adds(doc, ",\"protocol\":");
		json_string(doc, p->protocol ? p->protocol : "tcp");
		sb_adds(doc, ",\"mode\":");
		json_string(doc, p->mode ? p->mode : "ingress");
		if (p->host_ip) {
			sb_adds(doc, ",\"host_ip\":");
			json_string(doc, p->host_ip);
		}
		sb_addc(doc, '}');
		inner = 0;
	}
	for (size_t i = 0; i < a->pub_add.n; i++) {
		sb_adds(doc, inner ? "" : ",");
		json_string(doc, a->pub_add.v[i]);
		inner = 0;
	}
	sb_addc(doc, ']');
	*first = 0;
}

/* --force: a new value of a container label, so every task is replaced. */
static void force_label(struct strbuf *doc, const struct service *svc, int *first)
{
	const struct kv *old = kv_find(&svc->labels, "io.cswarm.force-update");
	long n = old && old->value ? strtol(old->value, NULL, 10) + 1 : 1;
	sb_addf(doc, "%s\"labels\":{\"io.cswarm.force-update\":\"%ld\"}", *first ? "" : ",", n);
	*first = 0;
}

static void change_document(const struct service *svc, const struct update_args *a,
			    struct strbuf *doc)
{
	int first = 1, dfirst = 1;
	sb_adds(doc, "{\"services\":{");
	json_string(doc, svc->name);
	sb_adds(doc, ":{");
	if (a->image) {
		sb_adds(doc, "\"image\":");
		json_string(doc, a->image);
		first = 0;
	}
	kv_changes(doc, "environment", &a->env_add, &a->env_rm, &first);
	if (a->force)
		force_label(doc, svc, &first);
	ports_change(doc, svc, a, &first);
	sb_addf(doc, "%s\"deploy\":{", first ? "" : ",");
	if (a->replicas >= 0) {
		sb_addf(doc, "\"replicas\":%d", a->replicas);
		dfirst = 0;
	}
	kv_changes(doc, "labels", &a->label_add, &a->label_rm, &dfirst);
	constraints_change(doc, svc, a, &dfirst);
	sb_adds(doc, "}}}}");
}

/* --- converging one changed stack ---------------------------------------- */

/* Load the stack document doc of stack name, put it into the run. */
static int set_stack_document(struct run *r, const char *name, const struct compose_layer *layers,
			      size_t n)
{
	struct compose_opts co = { .name = name, .quiet = true, .resolved = true, .working_dir = "/" };
	struct strbuf err = STRBUF_INIT, json = STRBUF_INIT;
	struct stack *st = NULL;
	int ret = -1;
	if (compose_load_layers(layers, n, &co, &st, &err) != 0) {
		error("%s", sb_str(&err));
	} else {
		compose_write_json(st, &json);
		ret = run_set_stack(r, st, json.buf);
		stack_free(st);
	}
	sb_free(&err);
	sb_free(&json);
	return ret;
}

/* Converge the changed stack i; when its update_config asks for it, put
 * back prev_doc, the stack's document before the change, rolled with
 * rollback_config. */
static int converge_changed(struct run *r, long i, const char *prev_doc, const char *change)
{
	size_t pending = 0;
	int rollback = 0;
	const char *outcome = "";
	size_t failed = service_converge(r, (size_t)i, &pending, &rollback);
	if (failed && rollback && prev_doc) {
		const char *name = r->st.stacks[i].name;
		struct compose_layer layer = { "previous document", prev_doc, strlen(prev_doc) };
		printf("rolling back %s to its previous spec\n", name);
		if (set_stack_document(r, name, &layer, 1) == 0) {
			run_use_rollback_config(r, (size_t)i, NULL);
			size_t again = 0;
			outcome = service_converge(r, (size_t)i, &again, NULL) == 0 && !again ?
				  ": rolled back" : ": rollback failed";
		}
	}
	char *what = xasprintf("%s%s", change, outcome);
	int ret = run_commit(r, what);
	free(what);
	if (failed)
		error("%zu operations failed%s", failed, outcome);
	if (pending)
		error("%zu tasks pending: no node can run them now (see above)", pending);
	return ret == EXIT_OK && (failed || pending) ? EXIT_FAIL : ret;
}

static int find(struct run *r, const char *full, const struct service **svc, long *i)
{
	const struct stack *st;
	*i = -1;
	if (tasks_find_service(r, full, &st, svc) != 0)
		return error("no such service: %s (services are named STACK_SERVICE)", full);
	*i = run_stack_index(r, st->name);
	return *i < 0 ? error("%s: stack %s is not in the state", full, st->name) : 0;
}

static int update(struct run *r, const struct update_args *a, int argc, char **argv)
{
	const struct service *svc;
	long i = -1;
	if (find(r, a->service, &svc, &i) != 0)
		return EXIT_FAIL;
	if (a->replicas >= 0 && service_is_global(svc))
		return error("%s: --replicas can only be used with replicated mode", a->service),
		       EXIT_USAGE;
	struct strbuf doc = STRBUF_INIT;
	change_document(svc, a, &doc);
	char *old = xstrdup(r->st.stacks[i].spec_json);
	struct compose_layer layers[] = {
		{ "state", old, strlen(old) }, { "service update", doc.buf, doc.len },
	};
	int ret = set_stack_document(r, r->st.stacks[i].name, layers, 2);
	sb_free(&doc);
	if (ret != 0) {
		free(old);
		return EXIT_FAIL;
	}
	struct strbuf change = STRBUF_INIT;
	sb_adds(&change, "service update");
	for (int k = 1; k < argc; k++)
		sb_addf(&change, " %s", argv[k]);
	printf("%s\n", a->service);
	ret = converge_changed(r, i, old, change.buf);
	sb_free(&change);
	free(old);
	return ret;
}

static int service_update_main(const struct subcmd *self, int argc, char **argv)
{
	struct run r;
	struct update_args a = { 0 };
	int ret;
	run_init(&r);
	if ((ret = parse_update(self, &r, argc, argv, &a)) == EXIT_OK &&
	    (ret = run_open(&r, RUN_LOCK | RUN_OBSERVE | RUN_STACKS, argc, argv)) == EXIT_OK)
		ret = update(&r, &a, argc, argv);
	options_free(self->options, &a);
	run_close(&r);
	return ret;
}

/* --- rollback ------------------------------------------------------------- */

/* The stack document with services.NAME replaced by member. */
static char *with_member(const char *doc, const char *name, const char *member)
{
	struct json j;
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	if (json_parse(&j, doc, strlen(doc), &err) != 0) {
		sb_free(&err);
		return NULL;
	}
	int svcs = json_get(&j, 0, "services");
	int tok = svcs >= 0 ? json_get(&j, svcs, name) : -1;
	size_t len = 0;
	const char *at = tok >= 0 ? json_raw(&j, tok, &len) : NULL;
	if (at) {
		sb_add(&out, doc, (size_t)(at - doc));
		sb_adds(&out, member);
		sb_adds(&out, at + len);
	}
	json_free(&j);
	sb_free(&err);
	return at ? sb_detach(&out) : NULL;
}

static int rollback(struct run *r, const char *full)
{
	const struct service *svc;
	long i = -1;
	if (find(r, full, &svc, &i) != 0)
		return EXIT_FAIL;
	const char *stack = r->st.stacks[i].name;
	const struct state_service *s = state_find_service(&r->st, stack, svc->name);
	if (!s || !s->prev_spec_json)
		return error("%s: no previous spec to roll back to (it was never updated)", full),
		       EXIT_FAIL;
	char *doc = with_member(r->st.stacks[i].spec_json, svc->name, s->prev_spec_json);
	if (!doc)
		return error("%s: the stack document in the state has no such service", full),
		       EXIT_FAIL;
	struct compose_layer layer = { "previous spec", doc, strlen(doc) };
	char *name = xstrdup(svc->name);
	int ret = set_stack_document(r, stack, &layer, 1);
	free(doc);
	if (ret == 0) {
		run_use_rollback_config(r, (size_t)i, name);
		printf("%s: rolling back to the previous spec\n", full);
		char *change = xasprintf("service rollback %s", full);
		ret = converge_changed(r, i, NULL, change);
		free(change);
	} else {
		ret = EXIT_FAIL;
	}
	free(name);
	return ret;
}

static int service_rollback_main(const struct subcmd *self, int argc, char **argv)
{
	struct run r;
	int ret;
	run_init(&r);
	if ((ret = parse_options(self, argc, argv, NULL, &r)) == EXIT_OK && optind + 1 != argc)
		ret = usage_error("service rollback: expected one SERVICE (STACK_SERVICE)");
	if (ret == EXIT_OK &&
	    (ret = run_open(&r, RUN_LOCK | RUN_OBSERVE | RUN_STACKS, argc, argv)) == EXIT_OK)
		ret = rollback(&r, argv[optind]);
	run_close(&r);
	return ret;
}

/* --- inspect --------------------------------------------------------------- */

static void inspect_json(struct run *r, const struct stack *st, const struct service *svc,
			 struct strbuf *out)
{
	long i = run_stack_index(r, st->name);
	const struct state_service *s = state_find_service(&r->st, st->name, svc->name);
	struct json j;
	struct strbuf err = STRBUF_INIT;
	const char *doc = r->st.stacks[i].spec_json, *member = "null";
	size_t len = 4;
	int parsed = json_parse(&j, doc, strlen(doc), &err) == 0;
	if (parsed) {
		int svcs = json_get(&j, 0, "services");
		int tok = svcs >= 0 ? json_get(&j, svcs, svc->name) : -1;
		if (tok >= 0)
			member = json_raw(&j, tok, &len);
	}
	sb_adds(out, "{\"Name\":");
	char *full = xasprintf("%s_%s", st->name, svc->name);
	json_string(out, full);
	free(full);
	sb_adds(out, ",\"Stack\":");
	json_string(out, st->name);
	sb_adds(out, ",\"Hash\":");
	json_string(out, s && s->hash ? s->hash : "");
	sb_adds(out, ",\"Spec\":");
	sb_add(out, member, len);
	sb_adds(out, ",\"PreviousSpec\":");
	sb_adds(out, s && s->prev_spec_json ? s->prev_spec_json : "null");
	sb_addc(out, '}');
	if (parsed)
		json_free(&j);
	sb_free(&err);
}

static void print_list(const char *title, const struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		printf("%-20s %s\n", i ? "" : title, l->v[i]);
}

static void print_update_config(const char *title, const struct update_config *u)
{
	struct strbuf d = STRBUF_INIT, m = STRBUF_INIT;
	compose_format_duration(&d, u->delay_ms > 0 ? u->delay_ms : 0);
	compose_format_duration(&m, u->monitor_ms > 0 ? u->monitor_ms : 0);
	printf("%s:\n Parallelism:        %llu%s\n Delay:              %s\n"
	       " On failure:         %s\n Monitoring Period:  %s\n"
	       " Max failure ratio:  %g\n Update order:       %s\n", title,
	       (unsigned long long)u->parallelism, u->parallelism ? "" : " (all at once)",
	       sb_str(&d), u->failure_action ? failure_action_name(u->failure_action) : "pause", sb_str(&m),
	       u->max_failure_ratio, u->order ? update_order_name(u->order) : "stop-first");
	sb_free(&d);
	sb_free(&m);
}

static void inspect_pretty(const struct stack *st, const struct service *svc)
{
	const struct deploy *d = &svc->deploy;
	printf("Name:                %s_%s\n", st->name, svc->name);
	if (service_is_global(svc))
		printf("Mode:                Global\n");
	else
		printf("Mode:                Replicated\n Replicas:          %llu\n",
		       (unsigned long long)d->replicas);
	printf("Image:               %s\n", svc->image ? svc->image : "");
	for (size_t i = 0; i < svc->environment.n; i++)
		printf("%-20s %s=%s\n", i ? "" : "Env:", svc->environment.v[i].key,
		       svc->environment.v[i].value ? svc->environment.v[i].value : "");
	for (size_t i = 0; i < d->labels.n; i++)
		printf("%-20s %s=%s\n", i ? "" : "Labels:", d->labels.v[i].key,
		       d->labels.v[i].value ? d->labels.v[i].value : "");
	print_list("Placement:", &d->constraints);
	for (size_t i = 0; i < svc->nports; i++)
		printf("%-20s %u -> %u/%s (%s)\n", i ? "" : "Ports:", svc->ports[i].published,
		       svc->ports[i].target, svc->ports[i].protocol ? svc->ports[i].protocol : "tcp",
		       svc->ports[i].mode ? svc->ports[i].mode : "ingress");
	print_update_config("UpdateConfig", &d->update_config);
	print_update_config("RollbackConfig", &d->rollback_config);
}

struct inspect_args {
	int pretty;
};

static const struct opt inspect_options[] = {
	OPT_FLAG(0, "pretty", struct inspect_args, pretty, "as text instead of JSON"),
	OPT_INCLUDE(cluster_options),
	OPT_END(),
};

static int service_inspect_main(const struct subcmd *self, int argc, char **argv)
{
	struct run r;
	struct inspect_args a = { 0 };
	int ret;
	run_init(&r);
	ret = parse_options(self, argc, argv, &a, &r);
	if (ret == EXIT_OK && optind >= argc)
		ret = usage_error("service inspect: expected SERVICE (STACK_SERVICE)...");
	if (ret == EXIT_OK)
		ret = run_open(&r, RUN_STACKS, argc, argv);
	struct strbuf out = STRBUF_INIT;
	sb_addc(&out, '[');
	for (int k = optind; ret == EXIT_OK && k < argc; k++) {
		const struct stack *st;
		const struct service *svc;
		if (tasks_find_service(&r, argv[k], &st, &svc) != 0) {
			error("no such service: %s (services are named STACK_SERVICE)", argv[k]);
			ret = EXIT_FAIL;
		} else if (a.pretty) {
			inspect_pretty(st, svc);
		} else {
			sb_adds(&out, k > optind ? "," : "");
			inspect_json(&r, st, svc, &out);
		}
	}
	if (ret == EXIT_OK && !a.pretty)
		printf("%s]\n", sb_str(&out));
	sb_free(&out);
	run_close(&r);
	return ret;
}

static const struct opt rollback_options[] = {
	OPT_INCLUDE(cluster_options),
	OPT_END(),
};

const struct subcmd service_update_cmd = {
	"service update", "STACK_SERVICE", "change a service and roll its tasks", update_options,
	.complete = "service", .fn = service_update_main,
};
const struct subcmd service_rollback_cmd = {
	"service rollback", "STACK_SERVICE", "back to the spec before the last change",
	rollback_options, .complete = "service", .fn = service_rollback_main,
};
const struct subcmd service_inspect_cmd = {
	"service inspect", "STACK_SERVICE...", "a service's spec", inspect_options,
	.complete = "service", .fn = service_inspect_main,
};
