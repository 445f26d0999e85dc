/* Override rules (compose-spec/13-merge.md): mappings merge, scalars are
 * replaced, sequences append; environment, labels and friends merge by
 * key; ports, volumes, secrets and configs by their identity; command,
 * entrypoint and healthcheck test are replaced. !reset removes, !override
 * replaces without merging. Where docker stack deploy (docker/cli's
 * loader/merge.go) differs, cswarm does as it does: dns lists append with
 * repeats, secrets and configs are one per source, a network's aliases
 * are replaced. */
#include "compose/merge.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

enum rule { R_DEFAULT, R_KVMAP, R_NAMEMAP, R_REPLACE, R_VOLUMES, R_FILEREFS, R_PORTS, R_APPEND };

static const struct { const char *key; enum rule rule; } rules[] = {
	{ "environment", R_KVMAP }, { "labels", R_KVMAP }, { "sysctls", R_KVMAP },
	{ "annotations", R_KVMAP }, { "args", R_KVMAP }, { "driver_opts", R_KVMAP },
	{ "extra_hosts", R_DEFAULT }, { "networks", R_NAMEMAP },
	{ "command", R_REPLACE }, { "entrypoint", R_REPLACE }, { "test", R_REPLACE },
	{ "volumes", R_VOLUMES }, { "secrets", R_FILEREFS }, { "configs", R_FILEREFS },
	{ "ports", R_PORTS }, { "aliases", R_REPLACE },
	{ "dns", R_APPEND }, { "dns_search", R_APPEND }, { "dns_opt", R_APPEND },
};

static enum rule rule_for(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		if (streq(rules[i].key, key))
			return rules[i].rule;
	return R_DEFAULT;
}

static struct ynode *seq_to_map(struct ynode *seq, bool split_eq)
{
	if (seq->kind != YN_SEQ)
		return seq;
	for (size_t i = 0; i < seq->n; i++)
		if (seq->items[i]->kind != YN_SCALAR)
			return seq;
	struct ynode *map = yn_new(YN_MAP, seq);
	map->tag = seq->tag;
	for (size_t i = 0; i < seq->n; i++) {
		struct ynode *it = seq->items[i];
		char *eq = split_eq ? strchr(it->str, '=') : NULL;
		struct ynode *val = yn_new(YN_SCALAR, it);
		if (eq) {
			*eq = '\0';
			val->str = xstrdup(eq + 1);
			val->len = strlen(val->str);
			val->style = YS_QUOTED;
		} else {
			val->str = xstrdup("");
			val->style = YS_NULL;
		}
		yn_set(map, it->str, val);
		map->pairs[map->n - 1].key->line = it->line;
		map->pairs[map->n - 1].key->col = it->col;
	}
	yn_free(seq);
	return map;
}

struct ynode *kv_seq_to_map(struct ynode *seq)
{
	return seq_to_map(seq, true);
}

/* The identity of a sequence item under rule; NULL: always appended. */
static char *item_key(const struct ynode *it, enum rule rule)
{
	if (rule == R_APPEND)
		return NULL;
	if (it->kind == YN_SCALAR) {
		if (rule != R_VOLUMES)
			return xstrdup(it->str);
		const char *c = strchr(it->str, ':');
		if (!c)
			return xstrdup(it->str);
		const char *end = strchr(c + 1, ':');
		return end ? xstrndup(c + 1, (size_t)(end - c - 1)) : xstrdup(c + 1);
	}
	if (it->kind != YN_MAP)
		return NULL;
	const struct ynode *t = yn_get(it, rule == R_FILEREFS ? "source" : "target");
	if (rule == R_PORTS) {
		const struct ynode *p = yn_get(it, "published"), *pr = yn_get(it, "protocol");
		const struct ynode *ip = yn_get(it, "host_ip");
		return xasprintf("%s/%s/%s/%s", t && t->str ? t->str : "", p && p->str ? p->str : "",
				 pr && pr->str ? pr->str : "tcp", ip && ip->str ? ip->str : "");
	}
	return t && t->kind == YN_SCALAR ? xstrdup(t->str) : NULL;
}

struct item_key {
	char *key;
	size_t pos;
};

static int item_key_cmp(const void *a, const void *b)
{
	return strcmp(((const struct item_key *)a)->key, ((const struct item_key *)b)->key);
}

/* Append over's items; one with the identity of a base item replaces it.
 * Base identities are indexed once (sorted), not searched per item. */
static void merge_seq(struct ynode *base, struct ynode *over, enum rule rule)
{
	struct item_key *idx = xmalloc((base->n ? base->n : 1) * sizeof(*idx));
	size_t nidx = 0;
	for (size_t i = 0; i < base->n; i++) {
		char *k = item_key(base->items[i], rule);
		if (k)
			idx[nidx++] = (struct item_key){ k, i };
	}
	if (nidx > 1)
		qsort(idx, nidx, sizeof(*idx), item_key_cmp);
	for (size_t i = 0; i < over->n; i++) {
		struct item_key want = { item_key(over->items[i], rule), 0 };
		struct item_key *hit = want.key && nidx ? bsearch(&want, idx, nidx, sizeof(*idx), item_key_cmp) : NULL;
		free(want.key);
		if (hit) {
			yn_free(base->items[hit->pos]);
			base->items[hit->pos] = over->items[i];
		} else {
			yn_push(base, over->items[i]);
		}
	}
	for (size_t i = 0; i < nidx; i++)
		free(idx[i].key);
	free(idx);
	over->n = 0;
	yn_free(over);
}

static void merge_value(struct ynode **slot, struct ynode *over, enum rule rule)
{
	struct ynode *base = *slot;
	if (rule == R_KVMAP || rule == R_NAMEMAP) {
		base = *slot = seq_to_map(base, rule == R_KVMAP);
		over = seq_to_map(over, rule == R_KVMAP);
	}
	if (over->tag == YT_OVERRIDE || rule == R_REPLACE || base->kind != over->kind ||
	    base->kind == YN_SCALAR) {
		yn_free(base);
		*slot = over;
	} else if (base->kind == YN_MAP) {
		merge_tree(base, over);
	} else {
		merge_seq(base, over, rule);
	}
}

/* Keys of over are unique (the parser checks), so only base's original
 * keys need an index; a !reset leaves a hole that is closed at the end. */
void merge_tree(struct ynode *base, struct ynode *over)
{
	size_t known = base->n;
	struct ykey *idx = yn_index(base);
	for (size_t i = 0; i < over->n; i++) {
		struct ynode *k = over->pairs[i].key, *v = over->pairs[i].val;
		long at = yn_index_find(idx, known, k->str);
		if (v->tag == YT_RESET) {
			if (at >= 0) {
				yn_free(base->pairs[at].val);
				base->pairs[at].val = NULL;
			}
			yn_free(k);
			yn_free(v);
		} else if (at < 0 || !base->pairs[at].val) {
			GROW(base->pairs, base->cap, base->n + 1);
			base->pairs[base->n++] = over->pairs[i];
		} else {
			merge_value(&base->pairs[at].val, v, rule_for(k->str));
			yn_free(k);
		}
	}
	free(idx);
	size_t w = 0;
	for (size_t i = 0; i < base->n; i++) {
		if (base->pairs[i].val)
			base->pairs[w++] = base->pairs[i];
		else
			yn_free(base->pairs[i].key);
	}
	base->n = w;
	over->n = 0;
	yn_free(over);
}

void merge_strip_resets(struct ynode *n)
{
	for (size_t i = 0; n->kind == YN_MAP && i < n->n; i++) {
		if (n->pairs[i].val->tag == YT_RESET)
			yn_remove(n, i--);
		else
			merge_strip_resets(n->pairs[i].val);
	}
	for (size_t i = 0; n->kind == YN_SEQ && i < n->n; i++)
		merge_strip_resets(n->items[i]);
}
