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
static size_t kv_pos(const struct kvlist *l, const char *key, bool *found)
{
	size_t lo = 0, hi = l->n;
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
	bool found;
	size_t i = kv_pos(l, key, &found);
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
