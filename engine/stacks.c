/* Putting a stack into the run: the state's records and the run's models
 * change together (see "the run's parallel arrays" in docs/hacking.md). */
#include "engine/run.h"
#include "util/json.h"
#include "util/jsonw.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* The state's service records: the hash of each one's canonical spec. */
static int set_services(struct run *r, const struct stack *st)
{
	struct strbuf err = STRBUF_INIT;
	for (size_t i = 0; i < r->st.nservices;) {
		struct state_service *s = &r->st.services[i];
		if (streq(s->stack, st->name) && !stack_service(st, s->name))
			state_remove_service(&r->st, s->stack, s->name);
		else
			i++;
	}
	for (size_t i = 0; i < st->nservices; i++) {
		struct strbuf spec = STRBUF_INIT;
		compose_service_json(st, &st->services[i], &spec);
		int bad = !state_set_service(&r->st, st->name, st->services[i].name, spec.buf, &err);
		sb_free(&spec);
		if (bad) {
			error("service %s: %s", st->services[i].name, sb_str(&err));
			sb_free(&err);
			return -1;
		}
	}
	sb_free(&err);
	return 0;
}

/* The raw member services.NAME of a parsed stack document; NULL if none. */
static const char *service_member(const struct json *j, const char *name, size_t *len)
{
	int svcs = json_get(j, 0, "services");
	int tok = svcs >= 0 ? json_get(j, svcs, name) : -1;
	return tok >= 0 ? json_raw(j, tok, len) : NULL;
}

/* Each service whose member of the stack document changes keeps the old
 * member as its previous spec: what `service rollback` puts back. */
static int remember_previous(struct run *r, const struct stack *st, const char *old_json,
			     const char *new_json)
{
	struct json o, n;
	struct strbuf err = STRBUF_INIT;
	int ret = -1;
	if (json_parse(&o, old_json, strlen(old_json), &err) != 0)
		goto out;
	if (json_parse(&n, new_json, strlen(new_json), &err) != 0) {
		json_free(&o);
		goto out;
	}
	ret = 0;
	for (size_t i = 0; i < st->nservices && ret == 0; i++) {
		size_t olen = 0, nlen = 0;
		const char *was = service_member(&o, st->services[i].name, &olen);
		const char *now = service_member(&n, st->services[i].name, &nlen);
		struct state_service *s = state_find_service(&r->st, st->name, st->services[i].name);
		if (!was || !now || !s)
			continue;
		/* the state keeps documents canonical: compare like with like */
		struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
		ret = json_canonical(was, olen, &a, &err) | json_canonical(now, nlen, &b, &err);
		if (ret == 0 && !streq(a.buf, b.buf))
			ret = state_set_previous(s, a.buf, &err);
		sb_free(&a);
		sb_free(&b);
	}
	json_free(&o);
	json_free(&n);
out:
	if (ret != 0)
		error("stack %s: previous specs: %s", st->name, sb_str(&err));
	sb_free(&err);
	return ret;
}

int run_set_stack(struct run *r, const struct stack *st, const char *json)
{
	const struct state_stack *old = state_find_stack(&r->st, st->name);
	if (set_services(r, st) != 0 ||
	    (old && remember_previous(r, st, old->spec_json, json) != 0))
		return -1;
	size_t before = r->st.nstacks;
	state_set_stack(&r->st, st->name, json);
	if (r->st.nstacks > before) {
		r->stacks = xrealloc(r->stacks, r->st.nstacks * sizeof(*r->stacks));
		r->stacks[r->st.nstacks - 1] = NULL;
	}
	/* The run's model is read back from what the state now holds. */
	for (size_t i = 0; i < r->st.nstacks; i++) {
		if (!streq(r->st.stacks[i].name, st->name))
			continue;
		if (r->stacks[i])
			stack_free(r->stacks[i]);
		if (!(r->stacks[i] = run_load_stack_json(st->name, json)))
			return -1;
	}
	return 0;
}

long run_stack_index(const struct run *r, const char *name)
{
	for (size_t i = 0; i < r->st.nstacks; i++)
		if (streq(r->st.stacks[i].name, name))
			return (long)i;
	return -1;
}

void run_use_rollback_config(struct run *r, size_t i, const char *svc)
{
	struct stack *st = r->stacks[i];
	for (size_t k = 0; st && k < st->nservices; k++) {
		struct deploy *d = &st->services[k].deploy;
		if ((svc && !streq(st->services[k].name, svc)) || !d->rollback_config.set)
			continue;
		/* swapped, not copied: each string keeps one owner */
		struct update_config u = d->update_config;
		d->update_config = d->rollback_config;
		d->rollback_config = u;
	}
}
