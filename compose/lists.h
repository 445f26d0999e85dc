/* strlist and kvlist helpers (types in compose/compose.h). */
#ifndef CSWARM_COMPOSE_LISTS_H
#define CSWARM_COMPOSE_LISTS_H

#include "compose/compose.h"

void sl_push(struct strlist *l, const char *s);
bool sl_has(const struct strlist *l, const char *s);
void sl_free(struct strlist *l);

/* Insert or replace (value may be NULL); the list stays sorted by key. */
void kv_set(struct kvlist *l, const char *key, const char *value);
/* Bulk building in O(n log n): append freely, then kv_finish sorts by key
 * and keeps the last value given for each key. */
void kv_add(struct kvlist *l, const char *key, const char *value);
void kv_finish(struct kvlist *l);
struct kv *kv_find(const struct kvlist *l, const char *key);
/* kv_find among the first n (sorted) entries only. */
struct kv *kv_find_in(const struct kvlist *l, size_t n, const char *key);
void kv_free(struct kvlist *l);

#endif
