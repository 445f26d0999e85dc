/* Tree operations on struct ynode. */
#include "compose/ynode.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ynode *yn_new(enum ynode_kind kind, const struct ynode *where)
{
	struct ynode *n = xcalloc(1, sizeof(*n));
	n->kind = kind;
	if (where) {
		n->file = where->file;
		n->line = where->line;
		n->col = where->col;
	}
	return n;
}

struct ynode *yn_scalar(const char *s, enum yscalar style)
{
	struct ynode *n = yn_new(YN_SCALAR, NULL);
	n->len = strlen(s);
	n->str = xstrndup(s, n->len);
	n->style = style;
	return n;
}

/* Recursion is bounded: trees are at most YNODE_MAX_DEPTH deep. */
struct ynode *yn_copy(const struct ynode *n)
{
	struct ynode *c = xmalloc(sizeof(*c));
	*c = *n;
	c->items = NULL;
	c->pairs = NULL;
	c->cap = 0;
	if (n->str)
		c->str = xstrndup(n->str, n->len);
	if (n->kind == YN_SEQ && n->n) {
		c->items = xmalloc(n->n * sizeof(*c->items));
		c->cap = n->n;
		for (size_t i = 0; i < n->n; i++)
			c->items[i] = yn_copy(n->items[i]);
	} else if (n->kind == YN_MAP && n->n) {
		c->pairs = xmalloc(n->n * sizeof(*c->pairs));
		c->cap = n->n;
		for (size_t i = 0; i < n->n; i++) {
			c->pairs[i].key = yn_copy(n->pairs[i].key);
			c->pairs[i].val = yn_copy(n->pairs[i].val);
		}
	}
	return c;
}

void yn_free(struct ynode *n)
{
	if (!n)
		return;
	for (size_t i = 0; n->kind == YN_SEQ && i < n->n; i++)
		yn_free(n->items[i]);
	for (size_t i = 0; n->kind == YN_MAP && i < n->n; i++) {
		yn_free(n->pairs[i].key);
		yn_free(n->pairs[i].val);
	}
	free(n->items);
	free(n->pairs);
	free(n->str);
	free(n);
}

void yn_push(struct ynode *seq, struct ynode *item)
{
	GROW(seq->items, seq->cap, seq->n + 1);
	seq->items[seq->n++] = item;
}

long yn_find(const struct ynode *map, const char *key)
{
	if (!map || map->kind != YN_MAP)
		return -1;
	for (size_t i = 0; i < map->n; i++)
		if (map->pairs[i].key->kind == YN_SCALAR && streq(map->pairs[i].key->str, key))
			return (long)i;
	return -1;
}

struct ynode *yn_get(const struct ynode *map, const char *key)
{
	long i = yn_find(map, key);
	return i < 0 ? NULL : map->pairs[i].val;
}

/* Replace or append; takes ownership of val. */
void yn_set(struct ynode *map, const char *key, struct ynode *val)
{
	long i = yn_find(map, key);
	if (i >= 0) {
		yn_free(map->pairs[i].val);
		map->pairs[i].val = val;
		return;
	}
	yn_append(map, key, val);
}

void yn_append(struct ynode *map, const char *key, struct ynode *val)
{
	GROW(map->pairs, map->cap, map->n + 1);
	struct ynode *k = yn_scalar(key, YS_STR);
	k->file = val->file;
	k->line = val->line;
	k->col = val->col;
	map->pairs[map->n].key = k;
	map->pairs[map->n].val = val;
	map->n++;
}

void yn_remove(struct ynode *map, size_t i)
{
	yn_free(map->pairs[i].key);
	yn_free(map->pairs[i].val);
	memmove(map->pairs + i, map->pairs + i + 1, (map->n - i - 1) * sizeof(*map->pairs));
	map->n--;
}

bool yn_is_null(const struct ynode *n)
{
	if (!n)
		return true;
	if (n->kind != YN_SCALAR)
		return false;
	if (n->style == YS_NULL)
		return true;
	if (n->style != YS_PLAIN)
		return false;
	return !*n->str || streq(n->str, "~") || streq(n->str, "null") ||
	       streq(n->str, "Null") || streq(n->str, "NULL");
}

static int pair_cmp(const void *a, const void *b)
{
	const struct ypair *x = a, *y = b;
	return strcmp(x->key->str, y->key->str);
}

void yn_sort(struct ynode *n)
{
	if (n->kind == YN_MAP && n->n > 1)
		qsort(n->pairs, n->n, sizeof(*n->pairs), pair_cmp);
	if (n->kind == YN_MAP) {
		for (size_t i = 0; i < n->n; i++)
			yn_sort(n->pairs[i].val);
	} else if (n->kind == YN_SEQ) {
		for (size_t i = 0; i < n->n; i++)
			yn_sort(n->items[i]);
	}
}

void yn_where(struct strbuf *sb, const struct ynode *n)
{
	sb_addf(sb, "%s:%u:%u: ", n->file ? n->file : "<input>", n->line, n->col);
}

static int ykey_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ykey *)a)->key, ((const struct ykey *)b)->key);
}

struct ykey *yn_index(const struct ynode *map)
{
	struct ykey *idx = xmalloc((map->n ? map->n : 1) * sizeof(*idx));
	for (size_t i = 0; i < map->n; i++)
		idx[i] = (struct ykey){ map->pairs[i].key->str, i };
	if (map->n > 1)
		qsort(idx, map->n, sizeof(*idx), ykey_cmp);
	return idx;
}

long yn_index_find(const struct ykey *idx, size_t n, const char *key)
{
	struct ykey want = { key, 0 };
	const struct ykey *hit = n ? bsearch(&want, idx, n, sizeof(*idx), ykey_cmp) : NULL;
	return hit ? (long)hit->pos : -1;
}
