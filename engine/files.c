/* Secrets and configs from the state to the tasks; see files.h. */
#include "engine/files.h"
#include "docker/secrets.h"
#include "state/keystore.h"
#include "util/util.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int engine_key(struct run *r, int create, int dry_run, struct strbuf *err)
{
	if (r->key)
		return 0;
	struct cluster_key *k = xcalloc(1, sizeof(*k));
	int rc = 0;
	if (!r->st.key_id && create && dry_run)
		cluster_key_new(k);	/* never installed: nothing is written */
	else
		rc = cluster_key_load(&r->cluster, &r->st, create, k, err);
	if (rc == 0)
		r->key = k;
	else
		free(k);
	return rc;
}

static enum object_kind kind_of(const char *key)
{
	return streq(key, "secrets") ? OBJ_SECRET : OBJ_CONFIG;
}

/* --- at deploy --------------------------------------------------------------- */

static int pin_external(struct run *r, enum object_kind kind, const char *stack, struct file_obj *o,
			struct strbuf *err)
{
	const char *what = object_kind_name(kind);
	struct state_object *obj = state_find_object(&r->st, kind, o->name);
	if (!obj || !object_latest(obj)) {
		sb_addf(err, "stack %s: %ss.%s: %s %s does not exist: create it first (cswarm %s create "
			"%s FILE)", stack, what, o->key, what, o->name, what, o->name);
		return -1;
	}
	if (o->version && !object_version(obj, o->version)) {
		sb_addf(err, "stack %s: %ss.%s: version %lld of %s %s is not kept (cswarm %s inspect %s)",
			stack, what, o->key, o->version, what, o->name, what, o->name);
		return -1;
	}
	if (!o->version)
		o->version = object_latest(obj)->version;
	return 0;
}

/* The object of a stack's own value: new, or this stack's already. */
static struct state_object *own_object(struct run *r, enum object_kind kind, const char *stack,
				       const struct file_obj *o, struct strbuf *err)
{
	const char *what = object_kind_name(kind);
	if (!object_name_ok(o->name)) {
		sb_addf(err, "stack %s: %ss.%s: \"%s\" is not a valid %s name (letters, digits, '_', "
			"'.', '-', at most 64, starting and ending with a letter or digit)",
			stack, what, o->key, o->name, what);
		return NULL;
	}
	struct state_object *obj = state_find_object(&r->st, kind, o->name);
	if (!obj)
		return state_add_object(&r->st, kind, o->name, stack);
	if (obj->stack && streq(obj->stack, stack))
		return obj;
	sb_addf(err, "stack %s: %ss.%s: %s %s already exists (%s%s): declare it external: true to "
		"use it", stack, what, o->key, what, o->name, obj->stack ? "of stack " : "created with "
		"cswarm create", obj->stack ? obj->stack : "");
	return NULL;
}

/* Store the value if it is new (a new version when it changed). */
static int store_value(struct run *r, enum object_kind kind, struct state_object *obj,
		       const struct strbuf *value, struct strbuf *err)
{
	const struct state_version *last = object_latest(obj);
	struct strbuf old = STRBUF_INIT;
	int same = 0;
	if (last) {
		if (object_open(r->key, kind, obj, last, &old, err) != 0)
			return -1;
		same = old.len == value->len && memcmp(old.buf, value->buf, value->len) == 0;
		OPENSSL_cleanse(old.buf, old.len);
		sb_free(&old);
	}
	if (same)
		return 0;
	return object_add_version(r->key, kind, obj, value->buf, value->len, (long long)time(NULL), err);
}

static int store_own(struct run *r, enum object_kind kind, const char *stack, struct file_obj *o,
		     struct strbuf *err)
{
	const char *what = object_kind_name(kind);
	struct strbuf value = STRBUF_INIT, why = STRBUF_INIT;
	struct state_object *obj = NULL;
	int rc = docker_file_local_value(NULL, kind == OBJ_SECRET ? "secrets" : "configs", o, &value, &why);
	if (rc != 0)
		sb_addf(err, "stack %s: %ss.%s: %s", stack, what, o->key, why.buf);
	else if (value.len > OBJECT_MAX_SIZE)
		rc = -1, sb_addf(err, "stack %s: %ss.%s: larger than 500KiB", stack, what, o->key);
	else if (!(obj = own_object(r, kind, stack, o, err)) || store_value(r, kind, obj, &value, err) != 0)
		rc = -1;
	else
		object_set_labels(obj, o->labels.v, o->labels.n);
	OPENSSL_cleanse(value.buf, value.len);
	sb_free(&value);
	sb_free(&why);
	if (rc != 0)
		return -1;
	free(o->file);
	free(o->environment);
	free(o->content);
	o->file = o->environment = o->content = NULL;
	o->external = true;
	o->version = object_latest(obj)->version;
	return 0;
}

int engine_store_stack_files(struct run *r, struct stack *st, int dry_run, struct strbuf *err)
{
	if (!st->nsecrets && !st->nconfigs)
		return 0;
	if (engine_key(r, 1, dry_run, err) != 0)
		return -1;
	for (int k = 0; k < 2; k++) {
		enum object_kind kind = k ? OBJ_CONFIG : OBJ_SECRET;
		struct file_obj *objs = k ? st->configs : st->secrets;
		size_t n = k ? st->nconfigs : st->nsecrets;
		for (size_t i = 0; i < n; i++) {
			int rc = objs[i].external ? pin_external(r, kind, st->name, &objs[i], err) :
				 store_own(r, kind, st->name, &objs[i], err);
			if (rc != 0)
				return -1;
		}
	}
	return 0;
}

/* --- delivery ------------------------------------------------------------------ */

/* A value as the state holds it: never a local file or variable, even
 * if an old stack document still names one. */
static int stored_value(void *ctx, const char *key, const struct file_obj *o, struct strbuf *out,
			struct strbuf *why)
{
	struct run *r = ctx;
	enum object_kind kind = kind_of(key);
	const char *what = object_kind_name(kind);
	if (!o->external) {
		sb_addf(why, "the stack kept in the cluster names where the value was read, not the "
			"value (deployed by an older cswarm): deploy the stack again to store it");
		return -1;
	}
	const struct state_object *obj = state_find_object(&r->st, kind, o->name);
	const struct state_version *v = !obj ? NULL : o->version ? object_version(obj, o->version) :
					object_latest(obj);
	if (!obj)
		sb_addf(why, "%s %s does not exist", what, o->name);
	else if (!v)
		sb_addf(why, "version %lld of %s %s is no longer kept", o->version, what, o->name);
	if (!v || engine_key(r, 0, 0, why) != 0)
		return -1;
	return object_open(r->key, kind, obj, v, out, why);
}

/* Absolute, no "." or ".." component, only [A-Za-z0-9_.-/]: the cleanup
 * removes directories under it. */
static int plain_path(const char *p)
{
	if (p[0] != '/' || strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-/") != strlen(p))
		return 0;
	for (const char *c = p; (c = strchr(c, '/')); c++)
		if (c[1] == '/' || (c[1] == '.' && (c[2] == '/' || !c[2] || (c[2] == '.' && (c[3] == '/' || !c[3])))))
			return 0;
	return strlen(p) > 1;
}

const char *engine_files_root(const struct run *r, size_t h, struct strbuf *err)
{
	const char *dir = host_var(&r->inv.hosts[r->index[h]], "cswarm_files_dir");
	if (!dir)
		return DOCKER_TASK_FILES;
	if (plain_path(dir))
		return dir;
	sb_addf(err, "cswarm_files_dir \"%s\" of host %s: expected an absolute path of letters, "
		"digits, '_', '.', '-' without . or .. components", dir, r->fleet.hosts[h].target.name);
	return NULL;
}

int engine_files_script(struct run *r, const struct op *op, struct strbuf *script,
			struct strbuf *err)
{
	const struct state_task *t = &op->task;
	struct task_ref ref = { r->st.cluster_id, t->stack, t->service, t->id, t->node, t->hash, t->slot,
				 t->restarts, NULL };
	struct file_source src = { stored_value, r };
	const char *root = engine_files_root(r, op->host, err);
	return root ? docker_files_script(op->stack, op->svc, &ref, root, &src, script, err) : -1;
}

int engine_op_has_files(const struct op *op)
{
	return !op->svc || op->svc->nsecrets || op->svc->nconfigs;
}

int engine_files_ready(struct run *r, const struct converge *cv, struct strbuf *err)
{
	for (size_t i = 0; i < cv->nops; i++)
		if (cv->ops[i].kind == OP_START && engine_op_has_files(&cv->ops[i]))
			return engine_key(r, 0, 0, err);
	return 0;
}

struct cleanup_job {
	struct strbuf *scripts;	/* per fleet host; empty: nothing to do */
	long timeout_ms;
};

static void cleanup_on(struct fleet_host *h, size_t i, void *ctx)
{
	struct cleanup_job *j = ctx;
	if (!j->scripts[i].len)
		return;
	struct ssh_exec x = { .command = "sh -s", .stdin_data = j->scripts[i].buf,
			      .stdin_len = j->scripts[i].len, .timeout_ms = j->timeout_ms };
	struct ssh_result res;
	ssh_result_init(&res);
	if (fleet_exec(h, &x, &res) != SSH_OK || res.exit_status != 0)
		warning("%s: removing unused secret and config files failed: %s", h->target.name,
			res.err.len ? sb_str(&res.err) : sb_str(&h->error));
	ssh_result_free(&res);
}

void engine_files_cleanup(struct run *r, const unsigned char *hosts)
{
	struct cleanup_job j = { xcalloc(r->fleet.n + 1, sizeof(*j.scripts)), r->opts.timeout_ms };
	const char **keep = xcalloc(r->st.ntasks + 1, sizeof(*keep));
	for (size_t h = 0; h < r->fleet.n; h++) {
		struct strbuf err = STRBUF_INIT;
		const char *root = engine_files_root(r, h, &err);
		sb_free(&err);
		if (!root || !hosts[h] || r->views[h].down || r->fleet.hosts[h].fail != SSH_OK)
			continue;
		size_t n = 0;
		for (size_t i = 0; i < r->st.ntasks; i++)
			if (streq(r->st.tasks[i].node, r->fleet.hosts[h].target.name))
				keep[n++] = r->st.tasks[i].id;
		docker_files_cleanup_script(root, r->st.cluster_id, keep, n, &j.scripts[h]);
	}
	fleet_each(&r->fleet, cleanup_on, &j);
	for (size_t h = 0; h < r->fleet.n; h++)
		sb_free(&j.scripts[h]);
	free(j.scripts);
	free(keep);
}
