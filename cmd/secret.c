/* cswarm secret and the object subcommands of cswarm config: create, ls,
 * inspect, rm, update, as docker's, over the cluster state (state/objects.h).
 * A secret's value is never printed; a config's only by inspect --pretty. */
#include "cmd/cmd.h"
#include "engine/converge.h"
#include "engine/files.h"
#include "state/objects.h"
#include "util/json.h"
#include "util/jsonw.h"
#include "util/table.h"
#include "util/util.h"

#include <errno.h>
#include <getopt.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct obj_args {
	enum object_kind kind;
	const char *sub;		/* the subcommand */
	const char *format;		/* NULL (table/text) or "json" */
	int pretty, quiet;
	struct kv *labels;
	size_t nlabels, labels_cap;
	char **names;			/* positional arguments */
	size_t nnames;
};

static const char *what(const struct obj_args *a)
{
	return object_kind_name(a->kind);
}

static int add_label(void *args, const char *arg)
{
	struct obj_args *a = args;
	const char *eq = strchr(arg, '=');
	if (eq == arg)
		return usage_error("--label: expected KEY=VALUE, not '%s'", arg);
	GROW(a->labels, a->labels_cap, a->nlabels + 1);
	a->labels[a->nlabels].key = eq ? xstrndup(arg, (size_t)(eq - arg)) : xstrdup(arg);
	a->labels[a->nlabels].value = xstrdup(eq ? eq + 1 : "");
	a->nlabels++;
	return EXIT_OK;
}

static int parse_args(const struct subcmd *self, struct run *r, struct obj_args *a, int argc,
		      char **argv)
{
	if (parse_options(self, argc, argv, a, r) != EXIT_OK)
		return EXIT_USAGE;
	a->format = streq(r->opts.format, "json") ? "json" : NULL;
	a->names = argv + optind;
	a->nnames = (size_t)(argc - optind);
	return EXIT_OK;
}

/* --- values from a file or stdin ------------------------------------------------ */

/* At most OBJECT_MAX_SIZE bytes of path, or stdin for "-". */
static int read_value(const char *path, struct strbuf *out)
{
	int from_stdin = streq(path, "-");
	if ((from_stdin ? sb_read_stream(out, stdin, OBJECT_MAX_SIZE) :
			  sb_read_file(out, path, OBJECT_MAX_SIZE)) == 0)
		return 0;
	if (errno == EFBIG)
		return error("%s: larger than 500KiB: refused, as Swarm does", from_stdin ? "stdin" : path);
	return error("%s: %s", from_stdin ? "stdin" : path, strerror(errno));
}

/* Seal the value of path as obj's next version; 0 or -1 (printed). */
static int store_from(struct run *r, const struct obj_args *a, struct state_object *obj,
		      const char *path)
{
	struct strbuf value = STRBUF_INIT, err = STRBUF_INIT;
	int rc = read_value(path, &value);
	if (rc == 0 && (engine_key(r, 1, 0, &err) != 0 ||
			object_add_version(r->key, a->kind, obj, value.buf, value.len,
					   (long long)time(NULL), &err) != 0)) {
		error("%s", err.buf);
		rc = -1;
	}
	OPENSSL_cleanse(value.buf, value.len);
	sb_free(&value);
	sb_free(&err);
	return rc;
}

static int commit(struct run *r, const struct obj_args *a, const char *name)
{
	char *change = xasprintf("%s %s %s", what(a), a->sub, name);
	int ret = run_commit(r, change);
	free(change);
	return ret;
}

/* --- create, update ---------------------------------------------------------------- */

static int obj_create(struct run *r, struct obj_args *a, int argc, char **argv)
{
	if (a->nnames != 2)
		return usage_error("%s create: expected NAME FILE|- (cswarm %s create NAME FILE)", what(a), what(a));
	const char *name = a->names[0];
	if (!object_name_ok(name))
		return usage_error("%s create: \"%s\" is not a valid name (letters, digits, '_', '.', '-', "
				   "at most 64, starting and ending with a letter or digit)", what(a), name);
	int ret = run_open(r, RUN_LOCK, argc, argv);
	if (ret != EXIT_OK)
		return ret;
	if (state_find_object(&r->st, a->kind, name)) {
		error("%s %s already exists (cswarm %s update %s FILE makes a new version)",
		      what(a), name, what(a), name);
		return EXIT_FAIL;
	}
	struct state_object *obj = state_add_object(&r->st, a->kind, name, NULL);
	object_set_labels(obj, a->labels, a->nlabels);
	if (store_from(r, a, obj, a->names[1]) != 0)
		return EXIT_FAIL;
	if ((ret = commit(r, a, name)) == EXIT_OK)
		printf("%s\n", name);
	return ret;
}

/* Does a stack document use object name of this kind? Its key then. */
static struct file_obj *stack_object(enum object_kind kind, struct stack *st, const char *name)
{
	struct file_obj *objs = kind == OBJ_SECRET ? st->secrets : st->configs;
	size_t n = kind == OBJ_SECRET ? st->nsecrets : st->nconfigs;
	for (size_t i = 0; i < n; i++)
		if (objs[i].external && streq(objs[i].name, name))
			return &objs[i];
	return NULL;
}

/* Move every stack that uses name to version and converge it, rolling
 * its services per update_config. Returns the failed operations. */
static long roll_users(struct run *r, const struct obj_args *a, const char *name, long long version)
{
	long failed = 0;
	size_t nstacks = r->st.nstacks;
	char **names = xcalloc(nstacks + 1, sizeof(*names));
	for (size_t i = 0; i < nstacks; i++)
		names[i] = xstrdup(r->st.stacks[i].name);
	for (size_t i = 0; i < nstacks; i++) {
		const struct state_stack *ss = state_find_stack(&r->st, names[i]);
		struct stack *st = ss ? run_load_stack_json(ss->name, ss->spec_json) : NULL;
		struct file_obj *o = st ? stack_object(a->kind, st, name) : NULL;
		if (o) {
			o->version = version;
			printf("rolling stack %s to %s %s version %lld\n", st->name, what(a), name, version);
			long f = deploy_stack_model(r, st);
			failed += f < 0 ? 1 : f;
		}
		if (st)
			stack_free(st);
		free(names[i]);
	}
	free(names);
	return failed;
}

static int obj_update(struct run *r, struct obj_args *a, int argc, char **argv)
{
	if (a->nnames != 2)
		return usage_error("%s update: expected NAME FILE|-", what(a));
	const char *name = a->names[0];
	int ret = run_open(r, RUN_LOCK | RUN_OBSERVE | RUN_STACKS, argc, argv);
	if (ret != EXIT_OK)
		return ret;
	struct state_object *obj = state_find_object(&r->st, a->kind, name);
	if (!obj) {
		error("%s %s does not exist (cswarm %s create %s FILE)", what(a), name, what(a), name);
		return EXIT_FAIL;
	}
	if (obj->stack) {
		error("%s %s belongs to stack %s: change it in the stack file and deploy", what(a), name,
		      obj->stack);
		return EXIT_FAIL;
	}
	if (store_from(r, a, obj, a->names[1]) != 0)
		return EXIT_FAIL;
	long long version = object_latest(obj)->version;
	printf("%s %s: version %lld\n", what(a), name, version);
	long failed = roll_users(r, a, name, version);
	ret = commit(r, a, name);
	return ret == EXIT_OK && failed ? EXIT_FAIL : ret;
}

/* --- rm ------------------------------------------------------------------------ */

void objects_users(const struct run *r, int is_config, const char *name, struct strbuf *out)
{
	enum object_kind kind = is_config ? OBJ_CONFIG : OBJ_SECRET;
	for (size_t i = 0; i < r->st.nstacks; i++) {
		struct stack *st = r->stacks[i];
		const struct file_obj *o = stack_object(kind, st, name);
		for (size_t s = 0; o && s < st->nservices; s++) {
			const struct service *svc = &st->services[s];
			const struct file_ref *refs = kind == OBJ_SECRET ? svc->secrets : svc->configs;
			size_t n = kind == OBJ_SECRET ? svc->nsecrets : svc->nconfigs, k = 0;
			while (k < n && !streq(refs[k].source, o->key))
				k++;
			if (k < n)
				sb_addf(out, "%s%s_%s", out->len ? ", " : "", st->name, svc->name);
		}
	}
}

static int obj_rm(struct run *r, struct obj_args *a, int argc, char **argv)
{
	if (!a->nnames)
		return usage_error("%s rm: expected NAME...", what(a));
	int ret = run_open(r, RUN_LOCK | RUN_STACKS, argc, argv), removed = 0;
	for (size_t i = 0; ret == EXIT_OK && i < a->nnames; i++) {
		struct strbuf users = STRBUF_INIT;
		objects_users(r, a->kind == OBJ_CONFIG, a->names[i], &users);
		if (!state_find_object(&r->st, a->kind, a->names[i])) {
			error("%s %s does not exist", what(a), a->names[i]);
			ret = EXIT_FAIL;
		} else if (users.len) {
			error("%s %s is in use by services %s: remove it from them first", what(a),
			      a->names[i], users.buf);
			ret = EXIT_FAIL;
		} else {
			state_remove_object(&r->st, a->kind, a->names[i]);
			removed++;
		}
		sb_free(&users);
	}
	if (ret == EXIT_OK && removed)
		ret = commit(r, a, a->names[0]);
	for (size_t i = 0; ret == EXIT_OK && i < a->nnames; i++)
		printf("%s\n", a->names[i]);
	return ret;
}

/* --- ls, inspect --------------------------------------------------------------- */

static int obj_ls(struct run *r, struct obj_args *a, int argc, char **argv)
{
	if (a->nnames)
		return usage_error("%s ls: unexpected argument '%s'", what(a), a->names[0]);
	int ret = run_open(r, 0, argc, argv);
	if (ret != EXIT_OK)
		return ret;
	size_t *n;
	struct state_object *objs = *objects_of(&r->st, a->kind, &n);
	static const char *const header[] = { "NAME", "VERSION", "STACK", "CREATED", "UPDATED" };
	static const char *const keys[] = { "name", "version", "stack", "created", "updated" };
	struct table t;
	table_init(&t, ARRAY_SIZE(header), header);
	struct strbuf json = STRBUF_INIT;
	sb_addc(&json, '[');
	for (size_t i = 0; i < *n; i++) {
		const struct state_version *v = object_latest(&objs[i]);
		char version[24], created[21], updated[21];
		snprintf(version, sizeof(version), "%lld", v ? v->version : 0);
		state_format_time(objs[i].created, created);
		state_format_time(v ? v->created : objs[i].created, updated);
		const char *cells[] = { objs[i].name, version, objs[i].stack, created, updated };
		if (a->quiet)
			printf("%s\n", objs[i].name);
		table_row(&t, cells);
		sb_adds(&json, i ? ",{" : "{");
		for (size_t c = 0; c < ARRAY_SIZE(header); c++)
			if (c == 1)	/* a number */
				sb_addf(&json, ",\"%s\":%s", keys[c], cells[c]);
			else
				json_member(&json, keys[c], cells[c]);
		sb_addc(&json, '}');
	}
	sb_adds(&json, "]\n");
	if (a->format)
		fputs(json.buf, stdout);
	else if (!a->quiet)
		table_print(&t, stdout);
	table_free(&t);
	sb_free(&json);
	return EXIT_OK;
}

/* The version of name a task runs: from the spec its hash was made of
 * (x-cswarm-files: "secrets/KEY": "NAME@VERSION"); 0 when it has none. */
static long long task_version(struct run *r, const struct obj_args *a, const struct state_task *t,
			      const char *name)
{
	const struct state_service *s = state_find_service(&r->st, t->stack, t->service);
	const char *spec = !s ? NULL : streq(t->hash, s->hash) ? s->spec_json :
			   s->prev_hash && streq(t->hash, s->prev_hash) ? s->prev_spec_json : NULL;
	struct json j;
	struct strbuf err = STRBUF_INIT;
	long long version = 0;
	if (spec && json_parse(&j, spec, strlen(spec), &err) == 0) {
		int files = json_get(&j, 0, "x-cswarm-files");
		const char *prefix = a->kind == OBJ_SECRET ? "secrets/" : "configs/";
		for (int m = 0, k = files + 1; files >= 0 && m < json_size(&j, files);
		     m++, k = json_skip(&j, k + 1)) {
			char *key = json_str(&j, k), *value = json_str(&j, k + 1);
			char *at = strrchr(value, '@');
			if (starts_with(key, prefix) && at && (size_t)(at - value) == strlen(name) &&
			    !strncmp(value, name, strlen(name)))
				version = atoll(at + 1);
			free(key);
			free(value);
		}
		json_free(&j);
	}
	sb_free(&err);
	return version;
}

static void inspect_json(struct run *r, const struct obj_args *a, const struct state_object *o,
			 struct strbuf *out)
{
	char when[21];
	sb_addc(out, '{');
	json_member(out, "name", o->name);
	json_member(out, "stack", o->stack);
	sb_adds(out, ",\"labels\":{");
	for (size_t i = 0; i < o->nlabels; i++)
		json_member(out, o->labels[i].key, o->labels[i].value);
	state_format_time(o->created, when);
	sb_adds(out, "},");
	json_member(out, "created", when);
	sb_adds(out, ",\"versions\":[");
	for (size_t i = 0; i < o->nversions; i++) {
		const struct state_version *v = &o->versions[i];
		state_format_time(v->created, when);
		sb_addf(out, "%s{\"version\":%lld,\"size\":%lld,", i ? "," : "", v->version, v->size);
		json_member(out, "created", when);
		sb_adds(out, ",\"tasks\":[");
		for (size_t k = 0, first = 1; k < r->st.ntasks; k++) {
			const struct state_task *t = &r->st.tasks[k];
			if (task_version(r, a, t, o->name) != v->version)
				continue;
			sb_adds(out, first ? "{" : ",{");
			first = 0;
			json_member(out, "id", t->id);
			char *svc = xasprintf("%s_%s", t->stack, t->service);
			json_member(out, "service", svc);
			json_member(out, "node", t->node);
			free(svc);
			sb_addc(out, '}');
		}
		sb_adds(out, "]}");
	}
	sb_adds(out, "]}");
}

/* --pretty: the JSON's facts as text, and a config's content. */
static int inspect_pretty(struct run *r, const struct obj_args *a, struct state_object *o)
{
	char when[21];
	state_format_time(o->created, when);
	printf("Name:\t\t%s\nStack:\t\t%s\nCreated at:\t%s\n", o->name, o->stack ? o->stack : "-", when);
	for (size_t i = 0; i < o->nlabels; i++)
		printf("Label:\t\t%s=%s\n", o->labels[i].key, o->labels[i].value);
	for (size_t i = 0; i < o->nversions; i++) {
		size_t users = 0;
		for (size_t k = 0; k < r->st.ntasks; k++)
			users += task_version(r, a, &r->st.tasks[k], o->name) == o->versions[i].version;
		state_format_time(o->versions[i].created, when);
		printf("Version %lld:\t%lld bytes, %s, %zu tasks\n", o->versions[i].version,
		       o->versions[i].size, when, users);
	}
	const struct state_version *v = object_latest(o);
	if (a->kind == OBJ_SECRET || !v)
		return 0;
	struct strbuf value = STRBUF_INIT, err = STRBUF_INIT;
	int rc = engine_key(r, 0, 0, &err) == 0 ? object_open(r->key, a->kind, o, v, &value, &err) : -1;
	if (rc == 0)
		printf("Data:\n%s%s", value.buf, value.len && value.buf[value.len - 1] != '\n' ? "\n" : "");
	else
		error("%s", err.buf);
	sb_free(&value);
	sb_free(&err);
	return rc;
}

static int obj_inspect(struct run *r, struct obj_args *a, int argc, char **argv)
{
	if (!a->nnames)
		return usage_error("%s inspect: expected NAME...", what(a));
	int ret = run_open(r, 0, argc, argv);
	struct strbuf out = STRBUF_INIT;
	sb_addc(&out, '[');
	for (size_t i = 0; ret == EXIT_OK && i < a->nnames; i++) {
		struct state_object *o = state_find_object(&r->st, a->kind, a->names[i]);
		if (!o) {
			error("%s %s does not exist", what(a), a->names[i]);
			ret = EXIT_FAIL;
		} else if (a->pretty) {
			ret = inspect_pretty(r, a, o) == 0 ? EXIT_OK : EXIT_FAIL;
		} else {
			if (i)
				sb_addc(&out, ',');
			inspect_json(r, a, o, &out);
		}
	}
	sb_adds(&out, "]\n");
	if (ret == EXIT_OK && !a->pretty)
		fputs(out.buf, stdout);
	sb_free(&out);
	return ret;
}

/* --- the forms ------------------------------------------------------------------ */

static const struct opt create_options[] = {
	OPT_CALLBACK(0, "label", "K=V", add_label, "a label of the object", NULL, .flags = OPT_REPEATS),
	OPT_INCLUDE(cluster_options),
	OPT_END(),
};

static const struct opt ls_options[] = {
	OPT_FLAG('q', "quiet", struct obj_args, quiet, "names only"),
	OPT_INCLUDE(cluster_options),
	OPT_END(),
};

static const struct opt inspect_options[] = {
	OPT_FLAG(0, "pretty", struct obj_args, pretty, "as text (a config's content included)"),
	OPT_INCLUDE(cluster_options),
	OPT_END(),
};

static const struct opt plain_options[] = {
	OPT_INCLUDE(cluster_options),
	OPT_END(),
};

enum object_form { FORM_CREATE, FORM_LS, FORM_INSPECT, FORM_RM, FORM_UPDATE };

static int (*const ops[])(struct run *, struct obj_args *, int, char **) = {
	[FORM_CREATE] = obj_create, [FORM_LS] = obj_ls, [FORM_INSPECT] = obj_inspect, [FORM_RM] = obj_rm,
	[FORM_UPDATE] = obj_update,
};

/* secret|config create|ls|inspect|rm|update: the kind is the command's,
 * the operation the form's variant. */
static int objects_main(const struct subcmd *self, int argc, char **argv)
{
	struct obj_args a = { .kind = starts_with(self->path, "config ") ? OBJ_CONFIG : OBJ_SECRET,
			      .sub = argv[0] };
	struct run r;
	run_init(&r);
	int ret = parse_args(self, &r, &a, argc, argv);
	if (ret == EXIT_OK)
		ret = ops[self->variant](&r, &a, argc, argv);
	run_close(&r);
	for (size_t i = 0; i < a.nlabels; i++) {
		free(a.labels[i].key);
		free(a.labels[i].value);
	}
	free(a.labels);
	return ret;
}

#define OBJECT_FORMS(kind, what) \
	{ kind " create", "NAME FILE|-", "store a new " what, create_options, \
	  .complete = "file", .fn = objects_main, .variant = FORM_CREATE }, \
	{ kind " ls", NULL, "every " what, ls_options, .aliases = "list", .fn = objects_main, \
	  .variant = FORM_LS }, \
	{ kind " inspect", "NAME...", "a " what "'s metadata", inspect_options, .fn = objects_main, \
	  .variant = FORM_INSPECT }, \
	{ kind " rm", "NAME...", "remove unused " what "s", plain_options, .aliases = "remove", \
	  .fn = objects_main, .variant = FORM_RM }, \
	{ kind " update", "NAME FILE|-", "a new version, rolled to the services using it", \
	  plain_options, .complete = "file", .fn = objects_main, .variant = FORM_UPDATE }

static const struct subcmd secret_forms[] = { OBJECT_FORMS("secret", "secret") };
static const struct subcmd config_forms[] = { OBJECT_FORMS("config", "config") };

const struct subcmd *const secret_subcommands[] = {
	&secret_forms[FORM_CREATE], &secret_forms[FORM_LS], &secret_forms[FORM_INSPECT],
	&secret_forms[FORM_RM], &secret_forms[FORM_UPDATE], NULL,
};
const struct subcmd *const config_subcommands[] = {
	&config_cmd, &config_forms[FORM_CREATE], &config_forms[FORM_LS], &config_forms[FORM_INSPECT],
	&config_forms[FORM_RM], &config_forms[FORM_UPDATE], NULL,
};
