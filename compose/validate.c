/* Cross-references (networks, named volumes, secrets, configs must be
 * declared), the implicit default network, and canonical ordering. */
#include "compose/schema.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

static bool has_network(const struct stack *st, const char *key)
{
	for (size_t i = 0; i < st->nnetworks; i++)
		if (streq(st->networks[i].key, key))
			return true;
	return false;
}

static bool has_volume(const struct stack *st, const char *key)
{
	for (size_t i = 0; i < st->nvolumes; i++)
		if (streq(st->volumes[i].key, key))
			return true;
	return false;
}

static bool has_file_obj(const struct file_obj *objs, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (streq(objs[i].key, key))
			return true;
	return false;
}

/* The node of the i-th entry of a service's list-or-map key. */
static const struct ynode *entry_node(const struct ynode *svc, const char *key, size_t i)
{
	const struct ynode *n = yn_get(svc, key);
	if (n && n->kind == YN_SEQ && i < n->n)
		return n->items[i];
	if (n && n->kind == YN_MAP && i < n->n)
		return n->pairs[i].key;
	return n ? n : svc;
}

static int undefined(struct ctx *c, const struct ynode *svc, const char *key, size_t i,
		     const char *what, const char *name)
{
	const struct ynode *list = yn_get(svc, key);
	size_t mark = c_push(c, key);
	if (list && list->kind == YN_MAP)
		c_push(c, name);
	else
		c_push_index(c, i);
	c_fail(c, entry_node(svc, key, i), "%s \"%s\" is not declared in the top-level %s section",
	       what, name, key);
	c_pop(c, mark);
	return -1;
}

static void add_default_network(struct stack *st)
{
	st->networks = xrealloc(st->networks, (st->nnetworks + 1) * sizeof(*st->networks));
	struct network *net = &st->networks[st->nnetworks++];
	memset(net, 0, sizeof(*net));
	net->key = xstrdup("default");
	net->name = xasprintf("%s_default", st->name);
	net->driver = xstrdup("overlay");
}

static int check_service(struct ctx *c, struct stack *st, struct service *svc, const struct ynode *n)
{
	if (!svc->nnetworks && !svc->network_mode) {
		GROW(svc->networks, svc->networks_cap, 1);
		memset(svc->networks, 0, sizeof(*svc->networks));
		svc->networks[0].name = xstrdup("default");
		svc->nnetworks = 1;
		if (!has_network(st, "default"))
			add_default_network(st);
	}
	for (size_t i = 0; i < svc->nnetworks; i++) {
		if (streq(svc->networks[i].name, "default") && !has_network(st, "default"))
			add_default_network(st);
		if (!has_network(st, svc->networks[i].name))
			return undefined(c, n, "networks", i, "network", svc->networks[i].name);
	}
	for (size_t i = 0; i < svc->nmounts; i++) {
		const struct mount *m = &svc->mounts[i];
		if (m->type == MOUNT_VOLUME && m->source && !has_volume(st, m->source))
			return undefined(c, n, "volumes", i, "volume", m->source);
	}
	for (size_t i = 0; i < svc->nsecrets; i++)
		if (!has_file_obj(st->secrets, st->nsecrets, svc->secrets[i].source))
			return undefined(c, n, "secrets", i, "secret", svc->secrets[i].source);
	for (size_t i = 0; i < svc->nconfigs; i++)
		if (!has_file_obj(st->configs, st->nconfigs, svc->configs[i].source))
			return undefined(c, n, "configs", i, "config", svc->configs[i].source);
	return 0;
}

/* qsort, which must not see a NULL base even for zero items. */
static void sort_items(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

static int by_service_name(const void *a, const void *b)
{
	return strcmp(((const struct service *)a)->name, ((const struct service *)b)->name);
}

static int by_network_name(const void *a, const void *b)
{
	return strcmp(((const struct service_network *)a)->name, ((const struct service_network *)b)->name);
}

#define BY_KEY(fn, type) \
	static int fn(const void *a, const void *b) \
	{ \
		return strcmp(((const type *)a)->key, ((const type *)b)->key); \
	}
BY_KEY(by_net_key, struct network)
BY_KEY(by_vol_key, struct volume)
BY_KEY(by_obj_key, struct file_obj)

static int by_ulimit_name(const void *a, const void *b)
{
	return strcmp(((const struct ulimit *)a)->name, ((const struct ulimit *)b)->name);
}

int stack_validate(struct ctx *c, const struct ynode *root, struct stack *st)
{
	const struct ynode *svcs = yn_get(root, "services");
	size_t k = 0;
	for (size_t i = 0; i < svcs->n; i++) {
		const char *name = svcs->pairs[i].key->str;
		if (starts_with(name, "x-"))
			continue;
		size_t mark = c_push(c, "services");
		c_push(c, name);
		int rc = check_service(c, st, &st->services[k++], svcs->pairs[i].val);
		c_pop(c, mark);
		if (rc < 0)
			return -1;
	}
	for (size_t i = 0; i < st->nservices; i++) {
		struct service *svc = &st->services[i];
		sort_items(svc->networks, svc->nnetworks, sizeof(*svc->networks), by_network_name);
		sort_items(svc->ulimits, svc->nulimits, sizeof(*svc->ulimits), by_ulimit_name);
	}
	sort_items(st->services, st->nservices, sizeof(*st->services), by_service_name);
	sort_items(st->networks, st->nnetworks, sizeof(*st->networks), by_net_key);
	sort_items(st->volumes, st->nvolumes, sizeof(*st->volumes), by_vol_key);
	sort_items(st->secrets, st->nsecrets, sizeof(*st->secrets), by_obj_key);
	sort_items(st->configs, st->nconfigs, sizeof(*st->configs), by_obj_key);
	return 0;
}
