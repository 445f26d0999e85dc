/* state.json: strict reading and canonical writing. Every parse error names
 * the key path it is about ("tasks[2].slot: ..."). */
#include "state/objects.h"
#include "state/state.h"
#include "inventory/strmap.h"
#include "util/json.h"
#include "util/jsonw.h"
#include "util/names.h"
#include "util/util.h"
#include "util/words.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* --- writing ------------------------------------------------------------ */

static void write_stack(struct strbuf *out, const struct state_stack *s)
{
	json_member(out, "name", s->name);
	sb_addf(out, ",\"spec\":%s", s->spec_json);
}

static void write_service(struct strbuf *out, const struct state_service *s)
{
	json_member(out, "stack", s->stack);
	json_member(out, "name", s->name);
	json_member(out, "hash", s->hash);
	sb_addf(out, ",\"spec\":%s", s->spec_json);
	if (s->prev_spec_json) {
		json_member(out, "prev_hash", s->prev_hash);
		sb_addf(out, ",\"prev_spec\":%s", s->prev_spec_json);
	}
}

static void write_task(struct strbuf *out, const struct state_task *t)
{
	json_member(out, "id", t->id);
	json_member(out, "stack", t->stack);
	json_member(out, "service", t->service);
	sb_addf(out, ",\"slot\":%d", t->slot);
	json_member(out, "node", t->node);
	json_member(out, "hash", t->hash);
	json_member(out, "desired", t->desired);
	sb_addf(out, ",\"created\":%lld,\"restarts\":%d,\"last_restart\":%lld",
		t->created, t->restarts, t->last_restart);
}

static void write_kv(struct strbuf *out, const struct kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_member(out, kv[i].key, kv[i].value);
}

static void write_labels(struct strbuf *out, const struct kv *labels, size_t n)
{
	sb_adds(out, ",\"labels\":{");
	write_kv(out, labels, n);
	sb_addc(out, '}');
}

/* The words of enum node_availability and enum node_role, by value: the
 * reader, the writer and the node commands share them. */
static const char *const availability_names[AVAIL_NWORDS] = {
	[AVAIL_ACTIVE] = "active",
	[AVAIL_PAUSE] = "pause",
	[AVAIL_DRAIN] = "drain",
};

static const char *const role_names[ROLE_NWORDS] = {
	[ROLE_MANAGER] = "manager",
	[ROLE_WORKER] = "worker",
};

const char *node_availability_name(enum node_availability a)
{
	return word_name(availability_names, AVAIL_NWORDS, (int)a, NULL);
}

const char *node_role_name(enum node_role r)
{
	return word_name(role_names, ROLE_NWORDS, (int)r, NULL);
}

enum node_availability node_availability_parse(const char *s)
{
	int at = word_index(availability_names, AVAIL_NWORDS, s);
	return at >= 0 ? (enum node_availability)at : AVAIL_UNSET;
}

static void write_node(struct strbuf *out, const struct state_node *n)
{
	json_member(out, "name", n->name);
	json_member(out, "availability", node_availability_name(n->availability));
	json_member(out, "role", node_role_name(n->role));
	write_labels(out, n->labels, n->nlabels);
}

static void write_object(struct strbuf *out, const struct state_object *o)
{
	json_member(out, "name", o->name);
	json_member(out, "stack", o->stack);
	write_labels(out, o->labels, o->nlabels);
	sb_addf(out, ",\"created\":%lld,\"versions\":[", o->created);
	for (size_t i = 0; i < o->nversions; i++) {
		const struct state_version *v = &o->versions[i];
		sb_addf(out, "%s{\"version\":%lld,\"created\":%lld,\"size\":%lld", i ? "," : "",
			v->version, v->created, v->size);
		json_member(out, "value", v->sealed);
		sb_addc(out, '}');
	}
	sb_addc(out, ']');
}

/* One element per line: "key": [\n{...},\n{...}\n] */
#define WRITE_LIST(out, key, arr, n, write_one) do { \
	sb_adds(out, ",\n\"" key "\": ["); \
	for (size_t i_ = 0; i_ < (n); i_++) { \
		sb_adds(out, i_ ? ",\n{" : "\n{"); \
		write_one(out, &(arr)[i_]); \
		sb_addc(out, '}'); \
	} \
	sb_adds(out, (n) ? "\n]" : "]"); \
} while (0)

/* INVARIANT: the version is the document's second line, `"version":N,`
 * exactly (the comma from the loop below): the write script on each manager
 * (write_script in state/store.c) finds the version it fences on with sed
 * on that line, without a JSON parser. Moving it, or putting a space or
 * another member on its line, turns the fence off silently on every
 * manager; test_write_fenced_by_a_newer_version (tests/unit/
 * test_state_store.c) runs the script on this writer's output. */
void state_write_json(const struct state *st, struct strbuf *out)
{
	sb_addf(out, "{\"format\":%d,\n\"version\":%lld", STATE_FORMAT, st->version);
	const char *keys[] = { "cluster", "cluster_id", "updated_at", "updated_by", "change" };
	const char *values[] = { st->cluster, st->cluster_id, st->updated_at, st->updated_by, st->change };
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		sb_adds(out, ",\n");
		json_member(out, keys[i], values[i]);
	}
	WRITE_LIST(out, "stacks", st->stacks, st->nstacks, write_stack);
	WRITE_LIST(out, "services", st->services, st->nservices, write_service);
	WRITE_LIST(out, "tasks", st->tasks, st->ntasks, write_task);
	WRITE_LIST(out, "nodes", st->nodes, st->nnodes, write_node);
	/* Written once there are any, so older states keep their bytes. */
	if (st->key_id)
		sb_addf(out, ",\n\"key\":{\"id\":\"%s\",\"autolock\":%s}", st->key_id,
			st->autolock ? "true" : "false");
	if (st->nsecrets)
		WRITE_LIST(out, "secrets", st->secrets, st->nsecrets, write_object);
	if (st->nconfigs)
		WRITE_LIST(out, "configs", st->configs, st->nconfigs, write_object);
	if (st->nnet) {	/* absent until the overlay is used: older files stay byte-equal */
		sb_adds(out, ",\n\"net\": {");
		write_kv(out, st->net, st->nnet);
		sb_addc(out, '}');
	}
	sb_adds(out, "\n}\n");
}

/* --- reading ------------------------------------------------------------ */

struct reader {
	struct json j;
	struct strbuf *err;
};

static int fail(struct reader *r, const char *path, const char *key, const char *msg)
{
	sb_addf(r->err, "%s%s%s: %s", path, *path ? "." : "", key, msg);
	return -1;
}

/* Object tok must be an object whose keys are all in allowed, each once. */
static int check_keys(struct reader *r, int tok, const char *path, const char *const *allowed)
{
	if (json_kind(&r->j, tok) != JSON_OBJECT) {
		sb_addf(r->err, "%s: expected an object", *path ? path : "state");
		return -1;
	}
	int n = json_size(&r->j, tok), k = tok + 1;
	for (int m = 0; m < n; m++, k = json_skip(&r->j, k + 1)) {
		char *key = json_str(&r->j, k);
		const char *const *a = allowed;
		while (*a && !streq(*a, key))
			a++;
		int ok = *a && json_get(&r->j, tok, key) == k + 1;
		if (!ok)
			fail(r, path, key, *a ? "duplicate key" : "unknown key");
		free(key);
		if (!ok)
			return -1;
	}
	return 0;
}

enum { OPTIONAL = 0, REQUIRED = 1 };

/* The string at token v (-1: absent) for key; absent or null gives NULL
 * unless required. */
static int str_at(struct reader *r, int v, const char *path, const char *key, int required,
		  char **out)
{
	char *raw = v >= 0 && json_kind(&r->j, v) == JSON_PRIMITIVE ? json_str(&r->j, v) : NULL;
	int is_null = raw && streq(raw, "null");
	free(raw);
	*out = NULL;
	if (v < 0 || is_null)
		return required ? fail(r, path, key, v < 0 ? "missing" : "must not be null") : 0;
	if (json_kind(&r->j, v) != JSON_STRING)
		return fail(r, path, key, "expected a string");
	*out = json_str(&r->j, v);
	return 0;
}

/* A string member of object obj. */
static int get_str(struct reader *r, int obj, const char *path, const char *key, int required,
		   char **out)
{
	return str_at(r, json_get(&r->j, obj, key), path, key, required, out);
}

/* A required string that is one of the words in choices (NULL-terminated),
 * or null when not required. */
static int not_one_of(struct reader *r, const char *path, const char *key, const char *value,
		      const char *const *choices, size_t n)
{
	struct strbuf msg = STRBUF_INIT;
	sb_addf(&msg, "'%s' is not one of", value);
	for (size_t i = 0; i < n; i++)
		if (choices[i])
			sb_addf(&msg, " %s", choices[i]);
	fail(r, path, key, msg.buf);
	sb_free(&msg);
	return -1;
}

static int get_word(struct reader *r, int obj, const char *path, const char *key, int required,
		    const char *const *choices, char **out)
{
	if (get_str(r, obj, path, key, required, out) != 0)
		return -1;
	size_t n = 0;
	while (choices[n])
		n++;
	if (!*out || word_index(choices, n, *out) >= 0)
		return 0;
	return not_one_of(r, path, key, *out, choices, n);
}

/* An optional word into an enum whose value 0 is unset (the member absent
 * or null) and whose other values have words[v]. */
static int get_enum(struct reader *r, int obj, const char *path, const char *key,
		    const char *const *words, size_t nwords, int *out)
{
	char *s = NULL;
	int ret = 0;
	if (get_str(r, obj, path, key, OPTIONAL, &s) != 0)
		return -1;
	*out = s ? word_index(words, nwords, s) : 0;
	if (*out < 0)
		ret = not_one_of(r, path, key, s, words, nwords);
	free(s);
	return ret;
}

/* A required stack or service name: it becomes a path and a container
 * name on the hosts, so a hostile manager's state must not smuggle one. */
static int get_name(struct reader *r, int obj, const char *path, const char *key, char **out)
{
	if (get_str(r, obj, path, key, REQUIRED, out) != 0)
		return -1;
	return name_valid(*out, NAME_MAX_LEN) ? 0 :
	       fail(r, path, key, "not a valid name (letters, digits, '_', '.', '-')");
}

static int is_hex(const char *s, size_t len)
{
	if (strlen(s) != len)
		return 0;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

static int get_hex(struct reader *r, int obj, const char *path, const char *key, size_t len,
		   char **out)
{
	if (get_str(r, obj, path, key, REQUIRED, out) != 0)
		return -1;
	if (is_hex(*out, len))
		return 0;
	char *msg = xasprintf("expected %zu lowercase hex digits", len);
	fail(r, path, key, msg);
	free(msg);
	return -1;
}

static int get_int(struct reader *r, int obj, const char *path, const char *key,
		   long long min, long long max, long long *out)
{
	int v = json_get(&r->j, obj, key);
	if (v < 0)
		return fail(r, path, key, "missing");
	if (json_int(&r->j, v, out) != 0 || *out < min || *out > max) {
		char *msg = xasprintf("expected an integer from %lld to %lld", min, max);
		fail(r, path, key, msg);
		free(msg);
		return -1;
	}
	return 0;
}

/* The JSON value of key, canonicalised; absent or null gives NULL. */
static int get_raw(struct reader *r, int obj, const char *path, const char *key, int required,
		   char **out)
{
	int v = json_get(&r->j, obj, key);
	*out = NULL;
	if (v < 0)
		return required ? fail(r, path, key, "missing") : 0;
	if (json_kind(&r->j, v) != JSON_OBJECT)
		return fail(r, path, key, "expected an object");
	struct strbuf sb = STRBUF_INIT;
	sb_init(&sb);
	if (json_write_value(&sb, &r->j, v) != 0) {
		sb_free(&sb);
		return fail(r, path, key, "nested too deeply");
	}
	*out = sb_detach(&sb);
	return 0;
}

static int check_hash(struct reader *r, const char *path, const char *key, const char *spec,
		      const char *hash)
{
	char *h = state_hash(spec);
	int ok = streq(h, hash);
	free(h);
	return ok ? 0 : fail(r, path, key, "does not match the sha256 of the spec (edited by hand?)");
}

static const char *const stack_keys[] = { "name", "spec", NULL };

static int read_stack(struct reader *r, int tok, const char *path, struct state_stack *s)
{
	if (check_keys(r, tok, path, stack_keys) != 0 ||
	    get_name(r, tok, path, "name", &s->name) != 0 ||
	    get_raw(r, tok, path, "spec", REQUIRED, &s->spec_json) != 0)
		return -1;
	return 0;
}

static const char *const service_keys[] = { "stack", "name", "hash", "spec", "prev_hash", "prev_spec", NULL };

static int read_service(struct reader *r, int tok, const char *path, struct state_service *s)
{
	if (check_keys(r, tok, path, service_keys) != 0 ||
	    get_name(r, tok, path, "stack", &s->stack) != 0 ||
	    get_name(r, tok, path, "name", &s->name) != 0 ||
	    get_hex(r, tok, path, "hash", 64, &s->hash) != 0 ||
	    get_raw(r, tok, path, "spec", REQUIRED, &s->spec_json) != 0 ||
	    check_hash(r, path, "hash", s->spec_json, s->hash) != 0 ||
	    get_raw(r, tok, path, "prev_spec", OPTIONAL, &s->prev_spec_json) != 0)
		return -1;
	if (!s->prev_spec_json)
		return json_get(&r->j, tok, "prev_hash") < 0 ? 0 :
			fail(r, path, "prev_hash", "given without prev_spec");
	if (get_hex(r, tok, path, "prev_hash", 64, &s->prev_hash) != 0)
		return -1;
	return check_hash(r, path, "prev_hash", s->prev_spec_json, s->prev_hash);
}

static const char *const task_keys[] = { "id", "stack", "service", "slot", "node", "hash",
	"desired", "created", "restarts", "last_restart", NULL };
static const char *const desired_words[] = { "running", "shutdown", NULL };

static int read_task(struct reader *r, int tok, const char *path, struct state_task *t)
{
	long long slot, restarts;
	if (check_keys(r, tok, path, task_keys) != 0 ||
	    get_hex(r, tok, path, "id", 12, &t->id) != 0 ||
	    get_name(r, tok, path, "stack", &t->stack) != 0 ||
	    get_name(r, tok, path, "service", &t->service) != 0 ||
	    get_int(r, tok, path, "slot", 0, 1000000, &slot) != 0 ||
	    get_str(r, tok, path, "node", REQUIRED, &t->node) != 0 ||
	    get_hex(r, tok, path, "hash", 64, &t->hash) != 0 ||
	    get_word(r, tok, path, "desired", REQUIRED, desired_words, &t->desired) != 0 ||
	    get_int(r, tok, path, "created", 0, 1LL << 40, &t->created) != 0 ||
	    get_int(r, tok, path, "restarts", 0, 1000000000, &restarts) != 0 ||
	    get_int(r, tok, path, "last_restart", 0, 1LL << 40, &t->last_restart) != 0)
		return -1;
	t->slot = (int)slot;
	t->restarts = (int)restarts;
	return 0;
}

static const char *const node_keys[] = { "name", "availability", "role", "labels", NULL };

/* An optional object of strings (null allowed when nulls) under key. */
static int read_kv(struct reader *r, int tok, const char *path, const char *key, int nulls,
		   struct kv **out, size_t *n)
{
	int v = json_get(&r->j, tok, key);
	if (v < 0)
		return 0;
	if (json_kind(&r->j, v) != JSON_OBJECT)
		return fail(r, path, key, "expected an object");
	int count = json_size(&r->j, v), k = v + 1;
	*out = xcalloc((size_t)count + 1, sizeof(**out));
	char *lpath = xasprintf("%s%s%s", path, *path ? "." : "", key);
	int ret = 0;
	for (int m = 0; m < count && ret == 0; m++, k = json_skip(&r->j, k + 1)) {
		struct kv *l = &(*out)[(*n)++];
		l->key = json_str(&r->j, k);
		for (size_t e = 0; e + 1 < *n && ret == 0; e++)
			if (streq((*out)[e].key, l->key))
				ret = fail(r, lpath, l->key, "duplicate key");
		if (ret == 0)
			ret = str_at(r, k + 1, lpath, l->key, nulls ? OPTIONAL : REQUIRED, &l->value);
	}
	free(lpath);
	return ret;
}

static int read_labels(struct reader *r, int tok, const char *path, struct kv **labels,
		       size_t *nlabels)
{
	return read_kv(r, tok, path, "labels", 1, labels, nlabels);
}

static int read_node(struct reader *r, int tok, const char *path, struct state_node *n)
{
	int availability, role;
	if (check_keys(r, tok, path, node_keys) != 0 ||
	    get_str(r, tok, path, "name", REQUIRED, &n->name) != 0 ||
	    get_enum(r, tok, path, "availability", availability_names, AVAIL_NWORDS, &availability) != 0 ||
	    get_enum(r, tok, path, "role", role_names, ROLE_NWORDS, &role) != 0)
		return -1;
	n->availability = (enum node_availability)availability;
	n->role = (enum node_role)role;
	return read_labels(r, tok, path, &n->labels, &n->nlabels);
}

static const char *const object_keys[] = { "name", "stack", "labels", "created", "versions", NULL };
static const char *const version_keys[] = { "version", "created", "size", "value", NULL };

static int read_version(struct reader *r, int tok, const char *path, struct state_version *v,
			long long after)
{
	if (check_keys(r, tok, path, version_keys) != 0 ||
	    get_int(r, tok, path, "version", 1, 1LL << 53, &v->version) != 0 ||
	    get_int(r, tok, path, "created", 0, 1LL << 40, &v->created) != 0 ||
	    get_int(r, tok, path, "size", 0, OBJECT_MAX_SIZE, &v->size) != 0 ||
	    get_str(r, tok, path, "value", REQUIRED, &v->sealed) != 0)
		return -1;
	return v->version > after ? 0 : fail(r, path, "version", "not above the version before it");
}

static int read_versions(struct reader *r, int tok, const char *path, struct state_object *o)
{
	int v = json_get(&r->j, tok, "versions");
	if (v < 0 || json_kind(&r->j, v) != JSON_ARRAY)
		return fail(r, path, "versions", v < 0 ? "missing" : "expected an array");
	int count = json_size(&r->j, v), t = v + 1, ret = 0;
	o->versions = xcalloc((size_t)count + 1, sizeof(*o->versions));
	for (int i = 0; i < count && ret == 0; i++, t = json_skip(&r->j, t)) {
		char *vpath = xasprintf("%s.versions[%d]", path, i);
		long long after = i ? o->versions[i - 1].version : 0;
		o->nversions++;
		ret = read_version(r, t, vpath, &o->versions[i], after);
		free(vpath);
	}
	return ret;
}

static int read_object(struct reader *r, int tok, const char *path, struct state_object *o)
{
	if (check_keys(r, tok, path, object_keys) != 0 ||
	    get_str(r, tok, path, "name", REQUIRED, &o->name) != 0 ||
	    get_str(r, tok, path, "stack", OPTIONAL, &o->stack) != 0 ||
	    get_int(r, tok, path, "created", 0, 1LL << 40, &o->created) != 0 ||
	    read_labels(r, tok, path, &o->labels, &o->nlabels) != 0)
		return -1;
	if (!object_name_ok(o->name))
		return fail(r, path, "name", "not a valid secret or config name");
	return read_versions(r, tok, path, o);
}

static const char *const key_keys[] = { "id", "autolock", NULL };

/* "key": {"id": 16 hex, "autolock": bool}, optional. */
static int read_key(struct reader *r, struct state *st)
{
	int v = json_get(&r->j, 0, "key");
	if (v < 0)
		return 0;
	if (check_keys(r, v, "key", key_keys) != 0 || get_hex(r, v, "key", "id", 16, &st->key_id) != 0)
		return -1;
	int a = json_get(&r->j, v, "autolock");
	char *word = a >= 0 && json_kind(&r->j, a) == JSON_PRIMITIVE ? json_str(&r->j, a) : NULL;
	int ok = word && (streq(word, "true") || streq(word, "false"));
	st->autolock = ok && streq(word, "true");
	free(word);
	return ok ? 0 : fail(r, "key", "autolock", "expected true or false");
}

/* Read the array key of the root with read_one into a new array of
 * elements of size elem (zeroed first). Returns the array even on error
 * (*ret = -1), with *n counting the elements begun, so that state_free
 * releases a partly read array. Does nothing once *ret is -1. */
static void *read_list(struct reader *r, const char *key, size_t *n, size_t elem,
		       int (*read_one)(struct reader *, int, const char *, void *), int *ret)
{
	int v = json_get(&r->j, 0, key);
	if (*ret != 0)
		return NULL;
	if (v < 0 || json_kind(&r->j, v) != JSON_ARRAY) {
		*ret = fail(r, "", key, v < 0 ? "missing" : "expected an array");
		return NULL;
	}
	int count = json_size(&r->j, v), tok = v + 1;
	char *arr = xcalloc((size_t)count + 1, elem);
	for (int i = 0; i < count && *ret == 0; i++, tok = json_skip(&r->j, tok)) {
		char *path = xasprintf("%s[%d]", key, i);
		(*n)++;
		*ret = read_one(r, tok, path, arr + (size_t)i * elem);
		free(path);
	}
	return arr;
}

static int read_stack_v(struct reader *r, int tok, const char *path, void *p)
{
	return read_stack(r, tok, path, p);
}

static int read_service_v(struct reader *r, int tok, const char *path, void *p)
{
	return read_service(r, tok, path, p);
}

static int read_task_v(struct reader *r, int tok, const char *path, void *p)
{
	return read_task(r, tok, path, p);
}

static int read_node_v(struct reader *r, int tok, const char *path, void *p)
{
	return read_node(r, tok, path, p);
}

static int read_object_v(struct reader *r, int tok, const char *path, void *p)
{
	return read_object(r, tok, path, p);
}

/* "secrets" or "configs": optional (states from before they existed). */
static void read_objects(struct reader *r, const char *key, struct state_object **arr, size_t *n,
			 int *ret)
{
	if (json_get(&r->j, 0, key) >= 0)
		*arr = read_list(r, key, n, sizeof(**arr), read_object_v, ret);
}

/* The index of the first of n names (the char * at offset in each of n
 * records of stride bytes from base) equal to an earlier one, with that
 * earlier one's in *first; -1 if all differ. One hash lookup each: states
 * hold thousands of tasks. */
static long first_duplicate(const void *base, size_t n, size_t stride, size_t offset,
			    size_t *first)
{
	struct strmap seen = STRMAP_INIT;
	long dup = -1;
	for (size_t i = 0; i < n && dup < 0; i++) {
		const char *name = *(char *const *)((const char *)base + i * stride + offset);
		if ((*first = strmap_get(&seen, name)) != (size_t)-1)
			dup = (long)i;
		else
			strmap_put(&seen, name, i);
	}
	strmap_free(&seen);
	return dup;
}

#define FIRST_DUPLICATE(arr, n, field, first) \
	first_duplicate((arr), (n), sizeof(*(arr)), offsetof(__typeof__(*(arr)), field), (first))

/* A service is identified by (stack, name): one key that no other pair
 * gives, the stack's length first. */
static long first_duplicate_service(const struct state *st, size_t *first)
{
	char **keys = xcalloc(st->nservices + 1, sizeof(*keys));
	for (size_t i = 0; i < st->nservices; i++)
		keys[i] = xasprintf("%zu:%s/%s", strlen(st->services[i].stack),
				    st->services[i].stack, st->services[i].name);
	long dup = first_duplicate(keys, st->nservices, sizeof(*keys), 0, first);
	for (size_t i = 0; i < st->nservices; i++)
		free(keys[i]);
	free(keys);
	return dup;
}

/* Stacks, services, tasks and nodes are identified by name, (stack, name),
 * id and name. */
static int check_unique(struct reader *r, const struct state *st)
{
	size_t k;
	long i;
	if ((i = FIRST_DUPLICATE(st->stacks, st->nstacks, name, &k)) >= 0)
		sb_addf(r->err, "stacks[%ld].name: %s also at stacks[%zu]", i, st->stacks[i].name, k);
	else if ((i = first_duplicate_service(st, &k)) >= 0)
		sb_addf(r->err, "services[%ld]: service %s/%s also at services[%zu]",
			i, st->services[i].stack, st->services[i].name, k);
	else if ((i = FIRST_DUPLICATE(st->tasks, st->ntasks, id, &k)) >= 0)
		sb_addf(r->err, "tasks[%ld].id: %s also at tasks[%zu]", i, st->tasks[i].id, k);
	else if ((i = FIRST_DUPLICATE(st->nodes, st->nnodes, name, &k)) >= 0)
		sb_addf(r->err, "nodes[%ld].name: %s also at nodes[%zu]", i, st->nodes[i].name, k);
	else if ((i = FIRST_DUPLICATE(st->secrets, st->nsecrets, name, &k)) >= 0)
		sb_addf(r->err, "secrets[%ld].name: %s also at secrets[%zu]", i, st->secrets[i].name, k);
	else if ((i = FIRST_DUPLICATE(st->configs, st->nconfigs, name, &k)) >= 0)
		sb_addf(r->err, "configs[%ld].name: %s also at configs[%zu]", i, st->configs[i].name, k);
	return i >= 0 ? -1 : 0;
}

static const char *const root_keys[] = { "format", "version", "cluster", "cluster_id",
	"updated_at", "updated_by", "change", "stacks", "services", "tasks", "nodes", "key", "secrets",
	"configs", "net", NULL };

static int read_root(struct reader *r, struct state *st)
{
	long long format;
	if (json_skip(&r->j, 0) != r->j.ntokens) {
		sb_adds(r->err, "more than one JSON value");
		return -1;
	}
	if (check_keys(r, 0, "", root_keys) != 0 ||
	    get_int(r, 0, "", "format", 1, 1000, &format) != 0)
		return -1;
	if (format > STATE_FORMAT) {
		sb_addf(r->err, "format: %lld is newer than this cswarm reads (%d): upgrade cswarm",
			format, STATE_FORMAT);
		return -1;
	}
	int ret = get_int(r, 0, "", "version", 1, 1LL << 53, &st->version) != 0 ||
		  get_str(r, 0, "", "cluster", REQUIRED, &st->cluster) != 0 ||
		  get_hex(r, 0, "", "cluster_id", 32, &st->cluster_id) != 0 ||
		  get_str(r, 0, "", "updated_at", OPTIONAL, &st->updated_at) != 0 ||
		  get_str(r, 0, "", "updated_by", OPTIONAL, &st->updated_by) != 0 ||
		  get_str(r, 0, "", "change", OPTIONAL, &st->change) != 0 ? -1 : 0;
	st->stacks = read_list(r, "stacks", &st->nstacks, sizeof(*st->stacks), read_stack_v, &ret);
	st->services = read_list(r, "services", &st->nservices, sizeof(*st->services),
				 read_service_v, &ret);
	st->tasks = read_list(r, "tasks", &st->ntasks, sizeof(*st->tasks), read_task_v, &ret);
	st->nodes = read_list(r, "nodes", &st->nnodes, sizeof(*st->nodes), read_node_v, &ret);
	read_objects(r, "secrets", &st->secrets, &st->nsecrets, &ret);
	read_objects(r, "configs", &st->configs, &st->nconfigs, &ret);
	if (ret == 0)
		ret = read_key(r, st);
	if (ret == 0)
		ret = read_kv(r, 0, "", "net", 0, &st->net, &st->nnet);
	return ret == 0 ? check_unique(r, st) : -1;
}

int state_parse(const char *text, size_t len, struct state *st, struct strbuf *err)
{
	struct reader r = { .err = err };
	memset(st, 0, sizeof(*st));
	if (memchr(text, '\0', len)) {
		sb_adds(err, "NUL byte in state file");
		return -1;
	}
	if (json_parse(&r.j, text, len, err) != 0)
		return -1;
	int ret = read_root(&r, st);
	json_free(&r.j);
	if (ret != 0)
		state_free(st);
	return ret;
}
