/* stack_free and lookups on a loaded stack. */
#include "compose/compose.h"
#include "compose/lists.h"
#include "util/util.h"

#include <stdlib.h>

static void free_refs(struct file_ref *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].source);
		free(r[i].target);
		free(r[i].uid);
		free(r[i].gid);
	}
	free(r);
}

static void free_resources(struct resources *r)
{
	kv_free(&r->generic);
}

static void free_deploy(struct deploy *d)
{
	free(d->endpoint_mode);
	kv_free(&d->labels);
	sl_free(&d->constraints);
	sl_free(&d->spread);
	free_resources(&d->limits);
	free_resources(&d->reservations);
}

static void free_mounts(struct mount *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(m[i].source);
		free(m[i].target);
		free(m[i].consistency);
		free(m[i].propagation);
		free(m[i].subpath);
	}
	free(m);
}

static void free_ports(struct port *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].protocol);
		free(p[i].mode);
		free(p[i].host_ip);
	}
	free(p);
}

static void free_service_networks(struct service_network *sn, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(sn[i].name);
		sl_free(&sn[i].aliases);
		free(sn[i].ipv4_address);
		free(sn[i].ipv6_address);
		kv_free(&sn[i].driver_opts);
	}
	free(sn);
}

static void free_service(struct service *s)
{
	char *strs[] = { s->name, s->image, s->user, s->working_dir, s->hostname, s->stop_signal,
			 s->logging.driver, s->network_mode };
	struct strlist *lists[] = { &s->command, &s->entrypoint, &s->extra_hosts, &s->dns,
				    &s->dns_search, &s->dns_opt, &s->cap_add, &s->cap_drop,
				    &s->tmpfs, &s->devices, &s->security_opt, &s->group_add,
				    &s->healthcheck.test };
	struct kvlist *kvs[] = { &s->environment, &s->labels, &s->sysctls, &s->logging.options };
	for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
		free(strs[i]);
	for (size_t i = 0; i < ARRAY_SIZE(lists); i++)
		sl_free(lists[i]);
	for (size_t i = 0; i < ARRAY_SIZE(kvs); i++)
		kv_free(kvs[i]);
	free_ports(s->ports, s->nports);
	free_service_networks(s->networks, s->nnetworks);
	free_mounts(s->mounts, s->nmounts);
	free_refs(s->secrets, s->nsecrets);
	free_refs(s->configs, s->nconfigs);
	for (size_t i = 0; i < s->nulimits; i++)
		free(s->ulimits[i].name);
	free(s->ulimits);
	free_deploy(&s->deploy);
}

static void free_file_objs(struct file_obj *o, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(o[i].key);
		free(o[i].name);
		free(o[i].file);
		free(o[i].environment);
		free(o[i].content);
		free(o[i].template_driver);
		kv_free(&o[i].labels);
	}
	free(o);
}

void stack_free(struct stack *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->nservices; i++)
		free_service(&st->services[i]);
	free(st->services);
	for (size_t i = 0; i < st->nnetworks; i++) {
		struct network *n = &st->networks[i];
		free(n->key);
		free(n->name);
		free(n->driver);
		free(n->ipam_driver);
		kv_free(&n->driver_opts);
		kv_free(&n->labels);
		sl_free(&n->subnets);
	}
	free(st->networks);
	for (size_t i = 0; i < st->nvolumes; i++) {
		free(st->volumes[i].key);
		free(st->volumes[i].name);
		free(st->volumes[i].driver);
		kv_free(&st->volumes[i].driver_opts);
		kv_free(&st->volumes[i].labels);
	}
	free(st->volumes);
	free_file_objs(st->secrets, st->nsecrets);
	free_file_objs(st->configs, st->nconfigs);
	free(st->name);
	free(st);
}

const struct service *stack_service(const struct stack *st, const char *name)
{
	for (size_t i = 0; i < st->nservices; i++)
		if (streq(st->services[i].name, name))
			return &st->services[i];
	return NULL;
}
