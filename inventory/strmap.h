/* String -> index hash map for the inventory builder: inventories may hold
 * 100,000 hosts, so name lookups must not be linear. Keys are borrowed, not
 * copied: they must outlive the map. */
#ifndef CSWARM_INVENTORY_STRMAP_H
#define CSWARM_INVENTORY_STRMAP_H

#include <stddef.h>

struct strmap {
	const char **keys;
	size_t *vals;
	size_t cap;	/* power of two, or 0 */
	size_t n;
};

#define STRMAP_INIT { 0 }

/* The value stored for key, or (size_t)-1. */
size_t strmap_get(const struct strmap *m, const char *key);
/* Store key -> val; key must not be present yet. */
void strmap_put(struct strmap *m, const char *key, size_t val);
void strmap_free(struct strmap *m);

#endif
