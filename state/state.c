/* The state model: lookups, edits, ids and hashes. JSON is in state_json.c. */
#include "state/objects.h"
#include "state/state.h"
#include "inventory/strmap.h"
#include "util/jsonw.h"
#include "util/util.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

static char *hex(const unsigned char *b, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char *s = xmalloc(2 * n + 1);
	for (size_t i = 0; i < n; i++) {
		s[2 * i] = digits[b[i] >> 4];
		s[2 * i + 1] = digits[b[i] & 15];
	}
	s[2 * n] = '\0';
	return s;
}

static char *random_hex(size_t bytes)
{
	unsigned char b[32];
	if (bytes > sizeof(b) || RAND_bytes(b, (int)bytes) != 1)
		die("no random bytes from OpenSSL RAND_bytes");
	return hex(b, bytes);
}

char *state_new_task_id(void)
{
	return random_hex(6);
}

char *state_new_cluster_id(void)
{
	return random_hex(16);
}

char *state_hash(const char *s)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL) != 1)
		die("OpenSSL SHA-256 failed");
	return hex(md, n);
}

static void stack_rec_free(struct state_stack *s)
{
	free(s->name);
	free(s->spec_json);
}

static void service_free(struct state_service *s)
{
	free(s->stack);
	free(s->name);
	free(s->spec_json);
	free(s->hash);
	free(s->prev_spec_json);
	free(s->prev_hash);
}

void state_task_free(struct state_task *t)
{
	free(t->id);
	free(t->stack);
	free(t->service);
	free(t->node);
	free(t->hash);
	free(t->desired);
}

static void node_free(struct state_node *n)
{
	free(n->name);
	for (size_t i = 0; i < n->nlabels; i++) {
		free(n->labels[i].key);
		free(n->labels[i].value);
	}
	free(n->labels);
}

void state_free(struct state *st)
{
	for (size_t i = 0; i < st->nstacks; i++)
		stack_rec_free(&st->stacks[i]);
	free(st->stacks);
	for (size_t i = 0; i < st->nservices; i++)
		service_free(&st->services[i]);
	for (size_t i = 0; i < st->ntasks; i++)
		state_task_free(&st->tasks[i]);
	for (size_t i = 0; i < st->nnodes; i++)
		node_free(&st->nodes[i]);
	free(st->services);
	free(st->tasks);
	free(st->nodes);
	for (size_t i = 0; i < st->nnet; i++) {
		free(st->net[i].key);
		free(st->net[i].value);
	}
	free(st->net);
	free(st->cluster);
	free(st->cluster_id);
	free(st->updated_at);
	free(st->updated_by);
	free(st->change);
	state_objects_free(st);
	memset(st, 0, sizeof(*st));
}

/* Room for one more element. struct state keeps no capacity (its users
 * only read n) and holds hundreds of entries at most: realloc each time. */
static void *grow_one(void *arr, size_t n, size_t elem)
{
	return xrealloc(arr, (n + 1) * elem);
}

struct state_service *state_find_service(struct state *st, const char *stack, const char *name)
{
	for (size_t i = 0; i < st->nservices; i++)
		if (streq(st->services[i].stack, stack) && streq(st->services[i].name, name))
			return &st->services[i];
	return NULL;
}

struct state_service *state_set_service(struct state *st, const char *stack, const char *name,
					const char *spec_json, struct strbuf *err)
{
	struct strbuf canon = STRBUF_INIT;
	sb_init(&canon);
	if (json_canonical(spec_json, strlen(spec_json), &canon, err) != 0) {
		sb_free(&canon);
		return NULL;
	}
	char *hash = state_hash(canon.buf);
	struct state_service *s = state_find_service(st, stack, name);
	if (!s) {
		st->services = grow_one(st->services, st->nservices, sizeof(*s));
		s = &st->services[st->nservices++];
		memset(s, 0, sizeof(*s));
		s->stack = xstrdup(stack);
		s->name = xstrdup(name);
	} else if (streq(s->hash, hash)) {
		free(hash);
		sb_free(&canon);
		return s;
	} else {
		free(s->prev_spec_json);
		free(s->prev_hash);
		s->prev_spec_json = s->spec_json;
		s->prev_hash = s->hash;
	}
	s->spec_json = sb_detach(&canon);
	s->hash = hash;
	return s;
}

int state_set_previous(struct state_service *s, const char *spec_json, struct strbuf *err)
{
	struct strbuf canon = STRBUF_INIT;
	if (json_canonical(spec_json, strlen(spec_json), &canon, err) != 0) {
		sb_free(&canon);
		return -1;
	}
	free(s->prev_spec_json);
	free(s->prev_hash);
	s->prev_hash = state_hash(canon.buf);
	s->prev_spec_json = sb_detach(&canon);
	return 0;
}

struct state_stack *state_find_stack(struct state *st, const char *name)
{
	for (size_t i = 0; i < st->nstacks; i++)
		if (streq(st->stacks[i].name, name))
			return &st->stacks[i];
	return NULL;
}

void state_set_stack(struct state *st, const char *name, const char *spec_json)
{
	struct state_stack *s = state_find_stack(st, name);
	if (!s) {
		st->stacks = grow_one(st->stacks, st->nstacks, sizeof(*s));
		s = &st->stacks[st->nstacks++];
		s->name = xstrdup(name);
	} else {
		free(s->spec_json);
	}
	/* Canonical, as a state read back gives it: a deploy of the same
	 * file leaves the state byte for byte as it was (and writes nothing). */
	struct strbuf canon = STRBUF_INIT, err = STRBUF_INIT;
	if (json_canonical(spec_json, strlen(spec_json), &canon, &err) == 0)
		s->spec_json = sb_detach(&canon);
	else
		s->spec_json = xstrdup(spec_json);
	sb_free(&canon);
	sb_free(&err);
}

int state_remove_stack(struct state *st, const char *name)
{
	struct state_stack *s = state_find_stack(st, name);
	if (!s)
		return -1;
	stack_rec_free(s);
	size_t i = (size_t)(s - st->stacks);
	memmove(s, s + 1, (st->nstacks - i - 1) * sizeof(*s));
	st->nstacks--;
	return 0;
}

int state_remove_service(struct state *st, const char *stack, const char *name)
{
	struct state_service *s = state_find_service(st, stack, name);
	if (!s)
		return -1;
	service_free(s);
	size_t i = (size_t)(s - st->services);
	memmove(s, s + 1, (st->nservices - i - 1) * sizeof(*s));
	st->nservices--;
	return 0;
}

struct state_task *state_find_task(const struct state *st, const char *id)
{
	for (size_t i = 0; i < st->ntasks; i++)
		if (streq(st->tasks[i].id, id))
			return &st->tasks[i];
	return NULL;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

struct state_task *state_add_task(struct state *st, const struct state_task *t)
{
	st->tasks = grow_one(st->tasks, st->ntasks, sizeof(*t));
	struct state_task *n = &st->tasks[st->ntasks++];
	*n = *t;
	n->id = dup_or_null(t->id);
	n->stack = dup_or_null(t->stack);
	n->service = dup_or_null(t->service);
	n->node = dup_or_null(t->node);
	n->hash = dup_or_null(t->hash);
	n->desired = dup_or_null(t->desired);
	return n;
}

size_t state_remove_tasks(struct state *st, const char *const *ids, size_t n)
{
	struct strmap gone = STRMAP_INIT;
	for (size_t i = 0; i < n; i++)
		if (ids[i] && strmap_get(&gone, ids[i]) == (size_t)-1)
			strmap_put(&gone, ids[i], i);
	/* Marked first: ids may be the tasks' own, freed below. */
	unsigned char *drop = xcalloc(st->ntasks + 1, 1);
	for (size_t i = 0; i < st->ntasks; i++)
		drop[i] = st->tasks[i].id && strmap_get(&gone, st->tasks[i].id) != (size_t)-1;
	strmap_free(&gone);
	size_t kept = 0;
	for (size_t i = 0; i < st->ntasks; i++) {
		if (drop[i])
			state_task_free(&st->tasks[i]);
		else
			st->tasks[kept++] = st->tasks[i];
	}
	size_t removed = st->ntasks - kept;
	st->ntasks = kept;
	free(drop);
	return removed;
}

int state_remove_task(struct state *st, const char *id)
{
	struct state_task *t = state_find_task(st, id);
	if (!t)
		return -1;
	state_task_free(t);
	size_t i = (size_t)(t - st->tasks);
	memmove(t, t + 1, (st->ntasks - i - 1) * sizeof(*t));
	st->ntasks--;
	return 0;
}

struct state_node *state_find_node(struct state *st, const char *name)
{
	for (size_t i = 0; i < st->nnodes; i++)
		if (streq(st->nodes[i].name, name))
			return &st->nodes[i];
	return NULL;
}

int state_remove_node(struct state *st, const char *name)
{
	struct state_node *n = state_find_node(st, name);
	if (!n)
		return -1;
	node_free(n);
	size_t i = (size_t)(n - st->nodes);
	memmove(n, n + 1, (st->nnodes - i - 1) * sizeof(*n));
	st->nnodes--;
	return 0;
}

struct state_node *state_node(struct state *st, const char *name)
{
	struct state_node *n = state_find_node(st, name);
	if (n)
		return n;
	st->nodes = grow_one(st->nodes, st->nnodes, sizeof(*n));
	n = &st->nodes[st->nnodes++];
	memset(n, 0, sizeof(*n));
	n->name = xstrdup(name);
	return n;
}

void state_node_set_label(struct state_node *n, const char *key, const char *value)
{
	for (size_t i = 0; i < n->nlabels; i++) {
		if (streq(n->labels[i].key, key)) {
			free(n->labels[i].value);
			n->labels[i].value = dup_or_null(value);
			return;
		}
	}
	n->labels = grow_one(n->labels, n->nlabels, sizeof(*n->labels));
	n->labels[n->nlabels].key = xstrdup(key);
	n->labels[n->nlabels].value = dup_or_null(value);
	n->nlabels++;
}

const char *state_net_get(const struct state *st, const char *key)
{
	for (size_t i = 0; i < st->nnet; i++)
		if (streq(st->net[i].key, key))
			return st->net[i].value;
	return NULL;
}

void state_net_set(struct state *st, const char *key, const char *value)
{
	for (size_t i = 0; i < st->nnet; i++) {
		if (!streq(st->net[i].key, key))
			continue;
		free(st->net[i].value);
		if (value) {
			st->net[i].value = xstrdup(value);
			return;
		}
		free(st->net[i].key);
		st->net[i] = st->net[--st->nnet];
		return;
	}
	if (!value)
		return;
	st->net = grow_one(st->net, st->nnet, sizeof(*st->net));
	st->net[st->nnet].key = xstrdup(key);
	st->net[st->nnet].value = xstrdup(value);
	st->nnet++;
}
