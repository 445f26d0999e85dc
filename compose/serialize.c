/* struct stack to an output tree (then JSON or YAML). Field names follow
 * the Compose file format so that `cswarm config` output is itself a valid
 * stack file; unset fields are left out. */
#include "compose/compose.h"
#include "compose/ynode.h"
#include "util/util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct ynode *map_new(void)
{
	return yn_new(YN_MAP, NULL);
}

/* Keys are unique by construction (the model's maps are). */
static void put(struct ynode *map, const char *key, struct ynode *val)
{
	yn_append(map, key, val);
}

static void put_str(struct ynode *map, const char *key, const char *s)
{
	if (s)
		put(map, key, yn_scalar(s, YS_STR));
}

static void put_num(struct ynode *map, const char *key, long long v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%lld", v);
	put(map, key, yn_scalar(buf, YS_NUM));
}

static void put_unum(struct ynode *map, const char *key, uint64_t v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	put(map, key, yn_scalar(buf, YS_NUM));
}

static void put_true(struct ynode *map, const char *key, bool b)
{
	if (b)
		put(map, key, yn_scalar("true", YS_BOOL));
}

static void put_dur(struct ynode *map, const char *key, long long ms)
{
	struct strbuf sb = STRBUF_INIT;
	if (ms < 0)
		return;
	compose_format_duration(&sb, ms);
	put(map, key, yn_scalar(sb.buf, YS_STR));
	sb_free(&sb);
}

static void put_cpus(struct ynode *map, const char *key, int64_t nano)
{
	char buf[40];
	if (!nano)
		return;
	int n = snprintf(buf, sizeof(buf), "%" PRId64 ".%09" PRId64, nano / 1000000000, nano % 1000000000);
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
	put(map, key, yn_scalar(buf, YS_STR));
}

static struct ynode *seq_of(const struct strlist *l)
{
	struct ynode *seq = yn_new(YN_SEQ, NULL);
	for (size_t i = 0; i < l->n; i++)
		yn_push(seq, yn_scalar(l->v[i], YS_STR));
	return seq;
}

static void put_list(struct ynode *map, const char *key, const struct strlist *l, bool even_empty)
{
	if (l->n || even_empty)
		put(map, key, seq_of(l));
}

static void put_kv(struct ynode *map, const char *key, const struct kvlist *l)
{
	if (!l->n)
		return;
	struct ynode *m = map_new();
	for (size_t i = 0; i < l->n; i++)
		put(m, l->v[i].key, l->v[i].value ? yn_scalar(l->v[i].value, YS_STR) : yn_scalar("", YS_NULL));
	put(map, key, m);
}

static void put_map(struct ynode *map, const char *key, struct ynode *m)
{
	if (m->n)
		put(map, key, m);
	else
		yn_free(m);
}

static struct ynode *port_node(const struct port *p)
{
	struct ynode *m = map_new();
	put_num(m, "target", p->target);
	if (p->published)
		put_num(m, "published", p->published);
	put_str(m, "protocol", p->protocol);
	put_str(m, "mode", p->mode);
	put_str(m, "host_ip", p->host_ip);
	return m;
}

static struct ynode *mount_node(const struct mount *mt)
{
	static const char *const types[] = { "volume", "bind", "tmpfs", "npipe", "cluster" };
	struct ynode *m = map_new(), *sub = map_new();
	put_str(m, "type", types[mt->type]);
	put_str(m, "source", mt->source);
	put_str(m, "target", mt->target);
	put_true(m, "read_only", mt->read_only);
	put_str(m, "consistency", mt->consistency);
	if (mt->type == MOUNT_BIND) {
		put_str(sub, "propagation", mt->propagation);
		put_true(sub, "create_host_path", mt->create_host_path);
	} else if (mt->type == MOUNT_VOLUME) {
		put_true(sub, "nocopy", mt->nocopy);
		put_str(sub, "subpath", mt->subpath);
	} else if (mt->type == MOUNT_TMPFS) {
		if (mt->tmpfs_size)
			put_unum(sub, "size", mt->tmpfs_size);
		if (mt->tmpfs_mode)
			put_num(sub, "mode", mt->tmpfs_mode);
	}
	put_map(m, types[mt->type], sub);
	return m;
}

static struct ynode *ref_node(const struct file_ref *r)
{
	struct ynode *m = map_new();
	put_str(m, "source", r->source);
	put_str(m, "target", r->target);
	put_str(m, "uid", r->uid);
	put_str(m, "gid", r->gid);
	if (r->mode >= 0)
		put_num(m, "mode", r->mode);
	return m;
}

#define PUT_SEQ(map, key, arr, n, fn) \
	do { \
		if (n) { \
			struct ynode *seq_ = yn_new(YN_SEQ, NULL); \
			for (size_t i_ = 0; i_ < (n); i_++) \
				yn_push(seq_, fn(&(arr)[i_])); \
			put(map, key, seq_); \
		} \
	} while (0)

static struct ynode *networks_node(const struct service *s)
{
	struct ynode *m = map_new();
	for (size_t i = 0; i < s->nnetworks; i++) {
		const struct service_network *sn = &s->networks[i];
		struct ynode *v = map_new();
		put_list(v, "aliases", &sn->aliases, false);
		put_str(v, "ipv4_address", sn->ipv4_address);
		put_str(v, "ipv6_address", sn->ipv6_address);
		put_kv(v, "driver_opts", &sn->driver_opts);
		if (!v->n) {
			yn_free(v);
			v = yn_scalar("", YS_NULL);
		}
		put(m, sn->name, v);
	}
	return m;
}

static struct ynode *healthcheck_node(const struct healthcheck *h)
{
	struct ynode *m = map_new();
	put_list(m, "test", &h->test, false);
	put_true(m, "disable", h->disable);
	put_dur(m, "interval", h->interval_ms);
	put_dur(m, "timeout", h->timeout_ms);
	put_dur(m, "start_period", h->start_period_ms);
	put_dur(m, "start_interval", h->start_interval_ms);
	if (h->retries >= 0)
		put_num(m, "retries", h->retries);
	return m;
}

static struct ynode *resources_node(const struct resources *r)
{
	struct ynode *m = map_new();
	put_cpus(m, "cpus", r->nano_cpus);
	if (r->memory)
		put_unum(m, "memory", r->memory);
	if (r->pids)
		put_num(m, "pids", r->pids);
	if (r->generic.n) {
		struct ynode *seq = yn_new(YN_SEQ, NULL);
		for (size_t i = 0; i < r->generic.n; i++) {
			struct ynode *spec = map_new(), *item = map_new();
			put_str(spec, "kind", r->generic.v[i].key);
			put(spec, "value", yn_scalar(r->generic.v[i].value, YS_NUM));
			put(item, "discrete_resource_spec", spec);
			yn_push(seq, item);
		}
		put(m, "generic_resources", seq);
	}
	return m;
}

static struct ynode *restart_node(const struct restart_policy *r)
{
	struct ynode *m = map_new();
	put_str(m, "condition", restart_condition_name(r->condition));
	put_dur(m, "delay", r->delay_ms);
	if (r->max_attempts >= 0)
		put_num(m, "max_attempts", r->max_attempts);
	put_dur(m, "window", r->window_ms);
	return m;
}

static struct ynode *update_node(const struct update_config *u)
{
	struct ynode *m = map_new();
	char buf[32];
	put_unum(m, "parallelism", u->parallelism);
	put_dur(m, "delay", u->delay_ms);
	put_str(m, "failure_action", failure_action_name(u->failure_action));
	put_dur(m, "monitor", u->monitor_ms);
	snprintf(buf, sizeof(buf), "%g", u->max_failure_ratio);
	put(m, "max_failure_ratio", yn_scalar(buf, YS_NUM));
	put_str(m, "order", update_order_name(u->order));
	return m;
}

static struct ynode *deploy_node(const struct deploy *d)
{
	struct ynode *m = map_new(), *placement = map_new(), *res = map_new();
	put_str(m, "mode", deploy_mode_name(d->mode));
	if (d->mode != MODE_GLOBAL)
		put_unum(m, "replicas", d->replicas);
	put_str(m, "endpoint_mode", d->endpoint_mode);
	put_kv(m, "labels", &d->labels);
	put_list(placement, "constraints", &d->constraints, false);
	if (d->spread.n) {
		struct ynode *seq = yn_new(YN_SEQ, NULL);
		for (size_t i = 0; i < d->spread.n; i++) {
			struct ynode *p = map_new();
			put_str(p, "spread", d->spread.v[i]);
			yn_push(seq, p);
		}
		put(placement, "preferences", seq);
	}
	if (d->max_replicas_per_node)
		put_unum(placement, "max_replicas_per_node", d->max_replicas_per_node);
	put_map(m, "placement", placement);
	put_map(res, "limits", resources_node(&d->limits));
	put_map(res, "reservations", resources_node(&d->reservations));
	put_map(m, "resources", res);
	if (d->restart_policy.set)
		put(m, "restart_policy", restart_node(&d->restart_policy));
	if (d->update_config.set)
		put(m, "update_config", update_node(&d->update_config));
	if (d->rollback_config.set)
		put(m, "rollback_config", update_node(&d->rollback_config));
	return m;
}

static struct ynode *ulimits_node(const struct service *s)
{
	struct ynode *m = map_new();
	for (size_t i = 0; i < s->nulimits; i++) {
		struct ynode *v = map_new();
		put_num(v, "soft", s->ulimits[i].soft);
		put_num(v, "hard", s->ulimits[i].hard);
		put(m, s->ulimits[i].name, v);
	}
	return m;
}

static void put_service_scalars(struct ynode *m, const struct service *s)
{
	put_str(m, "image", s->image);
	put_str(m, "user", s->user);
	put_str(m, "working_dir", s->working_dir);
	put_str(m, "hostname", s->hostname);
	put_str(m, "stop_signal", s->stop_signal);
	put_dur(m, "stop_grace_period", s->stop_grace_period_ms);
	put_true(m, "read_only", s->read_only);
	put_true(m, "init", s->init);
	put_true(m, "tty", s->tty);
	put_true(m, "stdin_open", s->stdin_open);
	put_true(m, "privileged", s->privileged);
	put_str(m, "network_mode", s->network_mode);
	put_cpus(m, "cpus", s->nano_cpus);
	if (s->mem_limit)
		put_unum(m, "mem_limit", s->mem_limit);
	if (s->mem_reservation)
		put_unum(m, "mem_reservation", s->mem_reservation);
	if (s->shm_size)
		put_unum(m, "shm_size", s->shm_size);
	if (s->pids_limit)
		put_num(m, "pids_limit", s->pids_limit);
}

static void put_service_lists(struct ynode *m, const struct service *s)
{
	put_list(m, "command", &s->command, s->command_set);
	put_list(m, "entrypoint", &s->entrypoint, s->entrypoint_set);
	put_list(m, "extra_hosts", &s->extra_hosts, false);
	put_list(m, "dns", &s->dns, false);
	put_list(m, "dns_search", &s->dns_search, false);
	put_list(m, "dns_opt", &s->dns_opt, false);
	put_list(m, "cap_add", &s->cap_add, false);
	put_list(m, "cap_drop", &s->cap_drop, false);
	put_list(m, "tmpfs", &s->tmpfs, false);
	put_list(m, "devices", &s->devices, false);
	put_list(m, "security_opt", &s->security_opt, false);
	put_list(m, "group_add", &s->group_add, false);
	put_kv(m, "environment", &s->environment);
	put_kv(m, "labels", &s->labels);
	put_kv(m, "sysctls", &s->sysctls);
}

static struct ynode *service_node(const struct service *s)
{
	struct ynode *m = map_new(), *logging = map_new();
	put_service_scalars(m, s);
	put_service_lists(m, s);
	PUT_SEQ(m, "ports", s->ports, s->nports, port_node);
	PUT_SEQ(m, "volumes", s->mounts, s->nmounts, mount_node);
	PUT_SEQ(m, "secrets", s->secrets, s->nsecrets, ref_node);
	PUT_SEQ(m, "configs", s->configs, s->nconfigs, ref_node);
	put_map(m, "networks", networks_node(s));
	put_map(m, "ulimits", ulimits_node(s));
	if (s->healthcheck.set)
		put(m, "healthcheck", healthcheck_node(&s->healthcheck));
	put_str(logging, "driver", s->logging.driver);
	put_kv(logging, "options", &s->logging.options);
	put_map(m, "logging", logging);
	put(m, "deploy", deploy_node(&s->deploy));
	return m;
}

/* "SUBNET[,gateway=G][,ip_range=R]" back to {subnet, gateway, ip_range}. */
static struct ynode *pool_node(const char *spec)
{
	struct ynode *m = map_new();
	char *copy = xstrdup(spec), *save = NULL;
	char *subnet = strtok_r(copy, ",", &save);
	put_str(m, "subnet", subnet ? subnet : "");
	for (char *kv = strtok_r(NULL, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		if (eq) {
			*eq = '\0';
			put_str(m, kv, eq + 1);
		}
	}
	free(copy);
	return m;
}

static struct ynode *network_node(const struct network *n)
{
	struct ynode *m = map_new(), *ipam = map_new();
	put_str(m, "name", n->name);
	put_str(m, "driver", n->driver);
	put_kv(m, "driver_opts", &n->driver_opts);
	put_kv(m, "labels", &n->labels);
	put_true(m, "external", n->external);
	put_true(m, "attachable", n->attachable);
	put_true(m, "internal", n->internal);
	put_true(m, "enable_ipv6", n->enable_ipv6);
	put_str(ipam, "driver", n->ipam_driver);
	if (n->subnets.n) {
		struct ynode *pools = yn_new(YN_SEQ, NULL);
		for (size_t i = 0; i < n->subnets.n; i++)
			yn_push(pools, pool_node(n->subnets.v[i]));
		put(ipam, "config", pools);
	}
	put_map(m, "ipam", ipam);
	return m;
}

static struct ynode *volume_node(const struct volume *v)
{
	struct ynode *m = map_new();
	put_str(m, "name", v->name);
	put_str(m, "driver", v->driver);
	put_kv(m, "driver_opts", &v->driver_opts);
	put_kv(m, "labels", &v->labels);
	put_true(m, "external", v->external);
	return m;
}

static struct ynode *file_obj_node(const struct file_obj *o)
{
	struct ynode *m = map_new();
	put_str(m, "name", o->name);
	put_str(m, "file", o->file);
	put_str(m, "environment", o->environment);
	put_str(m, "content", o->content);
	put_str(m, "template_driver", o->template_driver);
	put_kv(m, "labels", &o->labels);
	put_true(m, "external", o->external);
	if (o->version)
		put_num(m, "x-cswarm-version", o->version);
	return m;
}

#define PUT_KEYED(map, key, arr, n, keyfield, fn) \
	do { \
		struct ynode *sec_ = map_new(); \
		for (size_t i_ = 0; i_ < (n); i_++) \
			put(sec_, (arr)[i_].keyfield, fn(&(arr)[i_])); \
		put_map(map, key, sec_); \
	} while (0)

static struct ynode *stack_node(const struct stack *st)
{
	struct ynode *m = map_new();
	put_str(m, "name", st->name);
	struct ynode *services = map_new();	/* kept even when empty: a stack file needs it */
	for (size_t i = 0; i < st->nservices; i++)
		put(services, st->services[i].name, service_node(&st->services[i]));
	put(m, "services", services);
	PUT_KEYED(m, "networks", st->networks, st->nnetworks, key, network_node);
	PUT_KEYED(m, "volumes", st->volumes, st->nvolumes, key, volume_node);
	PUT_KEYED(m, "secrets", st->secrets, st->nsecrets, key, file_obj_node);
	PUT_KEYED(m, "configs", st->configs, st->nconfigs, key, file_obj_node);
	yn_sort(m);
	return m;
}

void compose_write_json(const struct stack *st, struct strbuf *out)
{
	struct ynode *n = stack_node(st);
	yn_write_json(n, out);
	yn_free(n);
}

void compose_write_yaml(const struct stack *st, struct strbuf *out)
{
	struct ynode *n = stack_node(st);
	yn_write_yaml(n, out);
	yn_free(n);
}

/* Of deploy, only what shapes a task's container: scaling, placement,
 * restart and update settings change no running container (as in swarm:
 * `docker service scale` restarts nothing). */
static struct ynode *container_deploy_node(const struct deploy *d)
{
	struct ynode *m = map_new(), *res = map_new();
	put_str(m, "mode", deploy_mode_name(d->mode));
	put_map(res, "limits", resources_node(&d->limits));
	put_map(res, "reservations", resources_node(&d->reservations));
	put_map(m, "resources", res);
	return m;
}

/* "secrets/SOURCE": "NAME@VERSION" for each secret and config the service
 * mounts: a new value of one of them changes the hash, which rolls the
 * service. */
static void put_file_versions(struct ynode *files, const char *kind, const struct file_ref *refs,
			      size_t nrefs, const struct file_obj *objs, size_t nobjs)
{
	for (size_t i = 0; i < nrefs; i++)
		for (size_t k = 0; k < nobjs; k++) {
			if (!streq(objs[k].key, refs[i].source))
				continue;
			char *key = xasprintf("%s/%s", kind, refs[i].source);
			char *value = xasprintf("%s@%lld", objs[k].name, objs[k].version);
			put_str(files, key, value);
			free(key);
			free(value);
		}
}

/* The service plus the names it resolves to on the hosts, so that renaming
 * a network or an external secret also changes the hash. */
void compose_service_json(const struct stack *st, const struct service *svc, struct strbuf *out)
{
	struct ynode *n = service_node(svc);
	long deploy = yn_find(n, "deploy");
	if (deploy >= 0)
		yn_remove(n, (size_t)deploy);
	put(n, "deploy", container_deploy_node(&svc->deploy));
	put_str(n, "stack", st->name);
	if (svc->nsecrets || svc->nconfigs) {
		struct ynode *files = map_new();
		put_file_versions(files, "secrets", svc->secrets, svc->nsecrets, st->secrets, st->nsecrets);
		put_file_versions(files, "configs", svc->configs, svc->nconfigs, st->configs, st->nconfigs);
		put_map(n, "x-cswarm-files", files);
	}
	yn_sort(n);
	yn_write_json(n, out);
	yn_free(n);
}
