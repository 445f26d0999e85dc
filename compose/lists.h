/* strlist and kvlist helpers (types in compose/compose.h). */
#ifndef CSWARM_COMPOSE_LISTS_H
#define CSWARM_COMPOSE_LISTS_H

#include "compose/compose.h"

void sl_push(struct strlist *l, const char *s);
bool sl_has(const struct strlist *l, const char *s);
void sl_free(struct strlist *l);

/* Insert or replace (value may be NULL); the list stays sorted by key. */
void kv_set(struct kvlist *l, const char *key, const char *value);
struct kv *kv_find(const struct kvlist *l, const char *key);
void kv_free(struct kvlist *l);

#endif
