#include "compose/lists.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

void sl_push(struct strlist *l, const char *s)
{
	GROW(l->v, l->cap, l->n + 1);
	l->v[l->n++] = xstrdup(s);
}

bool sl_has(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (streq(l->v[i], s))
			return true;
	return false;
}

void sl_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* Binary search: position of key, or where it would be inserted. */
static size_t kv_pos_in(const struct kvlist *l, size_t n, const char *key, bool *found)
{
	size_t lo = 0, hi = n;
	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(l->v[mid].key, key);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t kv_pos(const struct kvlist *l, const char *key, bool *found)
{
	return kv_pos_in(l, l->n, key, found);
}

void kv_set(struct kvlist *l, const char *key, const char *value)
{
	bool found;
	size_t i = kv_pos(l, key, &found);
	char *v = value ? xstrdup(value) : NULL;
	if (found) {
		free(l->v[i].value);
		l->v[i].value = v;
		return;
	}
	GROW(l->v, l->cap, l->n + 1);
	memmove(l->v + i + 1, l->v + i, (l->n - i) * sizeof(*l->v));
	l->v[i].key = xstrdup(key);
	l->v[i].value = v;
	l->n++;
}

struct kv *kv_find(const struct kvlist *l, const char *key)
{
	return kv_find_in(l, l->n, key);
}

struct kv *kv_find_in(const struct kvlist *l, size_t n, const char *key)
{
	bool found;
	size_t i = kv_pos_in(l, n, key, &found);
	return found ? &l->v[i] : NULL;
}

void kv_free(struct kvlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].value);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void kv_add(struct kvlist *l, const char *key, const char *value)
{
	GROW(l->v, l->cap, l->n + 1);
	l->v[l->n].key = xstrdup(key);
	l->v[l->n].value = value ? xstrdup(value) : NULL;
	l->n++;
}

struct kv_order {
	struct kv kv;
	size_t seq;
};

static int kv_order_cmp(const void *a, const void *b)
{
	const struct kv_order *x = a, *y = b;
	int c = strcmp(x->kv.key, y->kv.key);
	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

void kv_finish(struct kvlist *l)
{
	if (l->n < 2)
		return;
	struct kv_order *o = xmalloc(l->n * sizeof(*o));
	for (size_t i = 0; i < l->n; i++)
		o[i] = (struct kv_order){ l->v[i], i };
	qsort(o, l->n, sizeof(*o), kv_order_cmp);
	size_t w = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (i + 1 < l->n && streq(o[i].kv.key, o[i + 1].kv.key)) {
			free(o[i].kv.key);	/* a later value for the same key wins */
			free(o[i].kv.value);
			continue;
		}
		l->v[w++] = o[i].kv;
	}
	l->n = w;
	free(o);
}
