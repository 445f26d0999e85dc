/* One service: its field table and the parts with their own syntax
 * (healthcheck, networks, ulimits, logging, environment and env_file). */
#include "compose/schema.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* --- healthcheck ------------------------------------------------------- */

static int conv_test(struct ctx *c, const struct ynode *n, void *dst)
{
	struct strlist *t = dst;
	sl_free(t);
	if (n->kind == YN_SCALAR) {
		sl_push(t, "CMD-SHELL");
		sl_push(t, n->str);
		return 0;
	}
	if (conv_strings(c, n, t) < 0)
		return -1;
	if (!t->n || !(streq(t->v[0], "CMD") || streq(t->v[0], "CMD-SHELL") || streq(t->v[0], "NONE")))
		return c_fail(c, n, "the first item must be CMD, CMD-SHELL or NONE");
	return 0;
}

static const struct field health_fields[] = {
	FIELD("test", conv_test, struct healthcheck, test),
	FIELD("disable", conv_bool, struct healthcheck, disable),
	FIELD("interval", conv_duration, struct healthcheck, interval_ms),
	FIELD("timeout", conv_duration, struct healthcheck, timeout_ms),
	FIELD("start_period", conv_duration, struct healthcheck, start_period_ms),
	FIELD("start_interval", conv_duration, struct healthcheck, start_interval_ms),
	FIELD("retries", conv_int, struct healthcheck, retries),
};

static int conv_healthcheck(struct ctx *c, const struct ynode *n, void *dst)
{
	struct healthcheck *h = dst;
	h->set = true;
	if (CONV_OBJECT(c, n, health_fields, h) < 0)
		return -1;
	if (h->test.n && streq(h->test.v[0], "NONE"))
		h->disable = true;
	if (h->disable && h->test.n && !streq(h->test.v[0], "NONE"))
		return c_fail(c, n, "disable: true conflicts with test");
	return 0;
}

/* --- networks ---------------------------------------------------------- */

static const struct field svc_net_fields[] = {
	FIELD("aliases", conv_strings, struct service_network, aliases),
	FIELD("ipv4_address", conv_str, struct service_network, ipv4_address),
	FIELD("ipv6_address", conv_str, struct service_network, ipv6_address),
	FIELD("driver_opts", conv_kvlist, struct service_network, driver_opts),
	KEY("priority", conv_ignored),
	KEY("link_local_ips", conv_ignored),
	KEY("mac_address", conv_ignored),
	KEY("gw_priority", conv_ignored),
	KEY("interface_name", conv_ignored),
};

static struct service_network *add_network(struct service *svc, const char *name)
{
	GROW(svc->networks, svc->networks_cap, svc->nnetworks + 1);
	struct service_network *sn = &svc->networks[svc->nnetworks++];
	memset(sn, 0, sizeof(*sn));
	sn->name = xstrdup(name);
	return sn;
}

static int conv_networks(struct ctx *c, const struct ynode *n, void *dst)
{
	struct service *svc = dst;
	const char *s = NULL;
	for (size_t i = 0; n->kind == YN_SEQ && i < n->n; i++) {
		size_t mark = c_push_index(c, i);
		int rc = c_scalar(c, n->items[i], "a network name", &s);
		c_pop(c, mark);
		if (rc < 0)
			return -1;
		add_network(svc, s);
	}
	if (n->kind == YN_SEQ)
		return 0;
	if (n->kind != YN_MAP)
		return c_fail(c, n, "expected a list or a mapping of networks");
	for (size_t i = 0; i < n->n; i++) {
		struct service_network *sn = add_network(svc, n->pairs[i].key->str);
		size_t mark = c_push(c, sn->name);
		int rc = CONV_OBJECT(c, n->pairs[i].val, svc_net_fields, sn);
		c_pop(c, mark);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* --- ulimits, logging -------------------------------------------------- */

struct soft_hard {
	int64_t soft, hard;
};

static const struct field ulimit_fields[] = {
	FIELD("soft", conv_int, struct soft_hard, soft),
	FIELD("hard", conv_int, struct soft_hard, hard),
};

static int one_ulimit(struct ctx *c, const struct ynode *v, struct ulimit *u)
{
	struct soft_hard sh = { 0, 0 };
	if (v->kind == YN_SCALAR) {
		if (conv_int(c, v, &sh.soft) < 0)
			return -1;
		sh.hard = sh.soft;
	} else if (CONV_OBJECT(c, v, ulimit_fields, &sh) < 0) {
		return -1;
	} else if (!yn_get(v, "soft") || !yn_get(v, "hard")) {
		return c_fail(c, v, "expected a number or {soft: N, hard: N}");
	}
	u->soft = sh.soft;
	u->hard = sh.hard;
	return 0;
}

static int conv_ulimits(struct ctx *c, const struct ynode *n, void *dst)
{
	struct service *svc = dst;
	if (n->kind != YN_MAP)
		return c_fail(c, n, "expected a mapping of limits");
	for (size_t i = 0; i < n->n; i++) {
		GROW(svc->ulimits, svc->ulimits_cap, svc->nulimits + 1);
		struct ulimit *u = &svc->ulimits[svc->nulimits++];
		u->name = xstrdup(n->pairs[i].key->str);
		size_t mark = c_push(c, u->name);
		int rc = one_ulimit(c, n->pairs[i].val, u);
		c_pop(c, mark);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static const struct field logging_fields[] = {
	FIELD("driver", conv_str, struct logging, driver),
	FIELD("options", conv_kvlist, struct logging, options),
};

static int conv_logging(struct ctx *c, const struct ynode *n, void *dst)
{
	return CONV_OBJECT(c, n, logging_fields, dst);
}

/* --- environment ------------------------------------------------------- */

/* `environment` entries without a value take the variable from the
 * environment cswarm runs in, and are dropped when it is unset there too. */
static int conv_environment(struct ctx *c, const struct ynode *n, void *dst)
{
	struct kvlist raw = { 0 };
	int rc = conv_kvlist_raw(c, n, &raw);
	for (size_t i = 0; rc == 0 && i < raw.n; i++) {
		const char *v = raw.v[i].value ? raw.v[i].value : env_lookup(c->env, raw.v[i].key);
		if (v)
			kv_add(dst, raw.v[i].key, v);	/* raw is sorted: so is dst */
	}
	kv_free(&raw);
	return rc;
}

static int read_env_file(struct ctx *c, const struct ynode *at, const char *path,
			 bool required, struct kvlist *vars)
{
	char *abs = resolve_path(c, path);
	struct strbuf buf = STRBUF_INIT, why = STRBUF_INIT;
	int rc = read_small_file(abs, 1 << 20, &buf, &why);
	if (rc < 0 && required)
		c_fail(c, at, "env file %s", why.buf);
	else if (rc == 0 && (rc = envfile_parse(vars, abs, buf.buf, buf.len, c->env, c->err)) < 0)
		c_fail(c, at, "in this env file");
	else
		rc = 0;
	free(abs);
	sb_free(&buf);
	sb_free(&why);
	return rc;
}

struct env_file_entry {
	char *path, *format;
	bool required;
};

static const struct field env_file_fields[] = {
	FIELD("path", conv_str, struct env_file_entry, path),
	FIELD("required", conv_bool, struct env_file_entry, required),
	FIELD("format", conv_str, struct env_file_entry, format),
};

static int one_env_file(struct ctx *c, const struct ynode *it, struct kvlist *vars)
{
	struct env_file_entry e = { .required = true };
	int rc = it->kind == YN_SCALAR ? (e.path = xstrdup(it->str), 0)
				       : CONV_OBJECT(c, it, env_file_fields, &e);
	if (rc == 0 && !e.path)
		rc = c_fail(c, it, "path is required");
	if (rc == 0)
		rc = read_env_file(c, it, e.path, e.required, vars);
	free(e.path);
	free(e.format);
	return rc;
}

/* Values from env_file come first; `environment` overrides them. */
static int apply_env_files(struct ctx *c, const struct ynode *svc_node, struct service *svc)
{
	const struct ynode *n = yn_get(svc_node, "env_file");
	if (yn_is_null(n))
		return 0;
	struct kvlist vars = { 0 };
	size_t mark = c_push(c, "env_file");
	int rc = 0;
	if (n->kind == YN_SEQ) {
		for (size_t i = 0; i < n->n && rc == 0; i++) {
			size_t m2 = c_push_index(c, i);
			rc = one_env_file(c, n->items[i], &vars);
			c_pop(c, m2);
		}
	} else {
		rc = one_env_file(c, n, &vars);
	}
	c_pop(c, mark);
	size_t had = svc->environment.n;
	for (size_t i = 0; rc == 0 && i < vars.n; i++)
		if (vars.v[i].value && !kv_find_in(&svc->environment, had, vars.v[i].key))
			kv_add(&svc->environment, vars.v[i].key, vars.v[i].value);
	kv_finish(&svc->environment);
	kv_free(&vars);
	return rc;
}

/* --- restart: the fallback for deploy.restart_policy -------------------- */

static int apply_restart(struct ctx *c, const struct ynode *svc_node, struct service *svc)
{
	static const char *const from[] = { "no", "always", "on-failure", "unless-stopped" };
	static const enum restart_condition to[] = { CONDITION_NONE, CONDITION_ANY,
						     CONDITION_ON_FAILURE, CONDITION_ANY };
	const struct ynode *n = yn_get(svc_node, "restart");
	if (yn_is_null(n) || (n->kind == YN_SCALAR && !*n->str))
		return 0;
	size_t mark = c_push(c, "restart");
	int rc = -1;
	if (n->kind == YN_SCALAR) {
		char *colon = strchr(n->str, ':');
		size_t len = colon ? (size_t)(colon - n->str) : n->len;
		for (size_t i = 0; i < ARRAY_SIZE(from) && rc < 0; i++)
			if (strlen(from[i]) == len && !strncmp(n->str, from[i], len))
				rc = (int)i;
	}
	if (rc < 0) {
		rc = c_fail(c, n, "expected no, always, on-failure[:N] or unless-stopped");
	} else if (svc->deploy.restart_policy.set) {
		c_warn(c, n, "ignored: deploy.restart_policy is set");
		rc = 0;
	} else {
		struct restart_policy *r = &svc->deploy.restart_policy;
		uint64_t max;
		const char *colon = strchr(n->str, ':');
		r->set = true;
		r->condition = to[rc];
		if (colon && parse_uint_text(colon + 1, INT64_MAX, &max) == 0)
			r->max_attempts = (int64_t)max;
		rc = 0;
	}
	c_pop(c, mark);
	return rc;
}

/* --- keys with no counterpart ------------------------------------------ */

static int conv_unsupported(struct ctx *c, const struct ynode *n, void *dst)
{
	(void)dst;
	return c_fail(c, n, "not supported by cswarm: the result would differ from what Compose does");
}

static int conv_network_mode(struct ctx *c, const struct ynode *n, void *dst)
{
	const char *s = NULL;
	if (c_scalar(c, n, "a string", &s) < 0)
		return -1;
	if (streq(s, "host") || streq(s, "none") || streq(s, "bridge"))
		return conv_str(c, n, dst);
	/* container: and service: modes need both on one host: ignored, as
	 * stack deploy ignores every network_mode. */
	c_warn(c, n, "ignored: only host, none and bridge are honoured");
	return 0;
}

static const struct field service_fields[] = {
	FIELD("image", conv_str, struct service, image),
	FIELD("command", conv_words, struct service, command),
	FIELD("entrypoint", conv_words, struct service, entrypoint),
	FIELD("environment", conv_environment, struct service, environment),
	KEY("env_file", conv_later),
	FIELD("labels", conv_kvlist, struct service, labels),
	KEY("ports", conv_ports),
	KEY("networks", conv_networks),
	KEY("volumes", conv_volumes),
	KEY("secrets", conv_secrets),
	KEY("configs", conv_configs),
	FIELD("healthcheck", conv_healthcheck, struct service, healthcheck),
	FIELD("user", conv_str, struct service, user),
	FIELD("working_dir", conv_str, struct service, working_dir),
	FIELD("hostname", conv_str, struct service, hostname),
	FIELD("extra_hosts", conv_strings, struct service, extra_hosts),
	FIELD("dns", conv_strings, struct service, dns),
	FIELD("dns_search", conv_strings, struct service, dns_search),
	FIELD("dns_opt", conv_strings, struct service, dns_opt),
	FIELD("cap_add", conv_strings, struct service, cap_add),
	FIELD("cap_drop", conv_strings, struct service, cap_drop),
	FIELD("read_only", conv_bool, struct service, read_only),
	FIELD("init", conv_bool, struct service, init),
	FIELD("tty", conv_bool, struct service, tty),
	FIELD("stdin_open", conv_bool, struct service, stdin_open),
	FIELD("stop_signal", conv_str, struct service, stop_signal),
	FIELD("stop_grace_period", conv_duration, struct service, stop_grace_period_ms),
	FIELD("sysctls", conv_kvlist, struct service, sysctls),
	KEY("ulimits", conv_ulimits),
	FIELD("logging", conv_logging, struct service, logging),
	FIELD("tmpfs", conv_strings, struct service, tmpfs),
	FIELD("deploy", conv_deploy, struct service, deploy),
	KEY("restart", conv_later),
	/* Honoured: cswarm runs the containers itself. */
	FIELD("privileged", conv_bool, struct service, privileged),
	FIELD("devices", conv_strings, struct service, devices),
	FIELD("security_opt", conv_strings, struct service, security_opt),
	FIELD("group_add", conv_strings, struct service, group_add),
	FIELD("network_mode", conv_network_mode, struct service, network_mode),
	FIELD("cpus", conv_cpus, struct service, nano_cpus),
	FIELD("mem_limit", conv_bytes, struct service, mem_limit),
	FIELD("mem_reservation", conv_bytes, struct service, mem_reservation),
	FIELD("shm_size", conv_bytes, struct service, shm_size),
	FIELD("pids_limit", conv_int, struct service, pids_limit),
	/* Changes the meaning of the file: refused rather than ignored. */
	KEY("extends", conv_unsupported),
	KEY("volumes_from", conv_unsupported),
	/* Ignored by `docker stack deploy`, and here. */
	KEY("build", conv_ignored), KEY("depends_on", conv_ignored),
	KEY("container_name", conv_ignored), KEY("links", conv_ignored),
	KEY("external_links", conv_ignored), KEY("expose", conv_ignored),
	KEY("cgroup_parent", conv_ignored), KEY("cgroup", conv_ignored),
	KEY("cgroupns_mode", conv_ignored), KEY("domainname", conv_ignored),
	KEY("ipc", conv_ignored), KEY("pid", conv_ignored), KEY("uts", conv_ignored),
	KEY("mac_address", conv_ignored), KEY("userns_mode", conv_ignored),
	KEY("profiles", conv_ignored), KEY("platform", conv_ignored),
	KEY("pull_policy", conv_ignored), KEY("scale", conv_ignored),
	KEY("develop", conv_ignored), KEY("runtime", conv_ignored),
	KEY("isolation", conv_ignored), KEY("credential_spec", conv_ignored),
	KEY("annotations", conv_ignored), KEY("attach", conv_ignored),
	KEY("blkio_config", conv_ignored), KEY("cpu_count", conv_ignored),
	KEY("cpu_percent", conv_ignored), KEY("cpu_period", conv_ignored),
	KEY("cpu_quota", conv_ignored), KEY("cpu_rt_period", conv_ignored),
	KEY("cpu_rt_runtime", conv_ignored), KEY("cpu_shares", conv_ignored),
	KEY("cpuset", conv_ignored), KEY("device_cgroup_rules", conv_ignored),
	KEY("gpus", conv_ignored), KEY("label_file", conv_ignored),
	KEY("mem_swappiness", conv_ignored), KEY("memswap_limit", conv_ignored),
	KEY("oom_kill_disable", conv_ignored), KEY("oom_score_adj", conv_ignored),
	KEY("post_start", conv_ignored), KEY("pre_stop", conv_ignored),
	KEY("pre_start", conv_ignored),
	KEY("storage_opt", conv_ignored), KEY("stop_timeout", conv_ignored),
	KEY("use_api_socket", conv_ignored), KEY("provider", conv_ignored),
	KEY("models", conv_ignored), KEY("driver_opts", conv_ignored),
	KEY("log_driver", conv_ignored), KEY("log_opt", conv_ignored),
	KEY("lifecycle_hooks", conv_ignored),
};

static void service_init(struct service *svc, const char *name)
{
	memset(svc, 0, sizeof(*svc));
	svc->name = xstrdup(name);
	svc->stop_grace_period_ms = -1;
	struct healthcheck *h = &svc->healthcheck;
	h->interval_ms = h->timeout_ms = h->start_period_ms = h->start_interval_ms = -1;
	h->retries = -1;
	struct deploy *d = &svc->deploy;
	d->replicas = 1;
	d->restart_policy.delay_ms = d->restart_policy.window_ms = -1;
	d->restart_policy.max_attempts = -1;
	d->update_config.delay_ms = d->update_config.monitor_ms = -1;
	d->rollback_config.delay_ms = d->rollback_config.monitor_ms = -1;
	/* docker's default; an explicit 0 means all tasks at once */
	d->update_config.parallelism = d->rollback_config.parallelism = 1;
}

int conv_service(struct ctx *c, const char *name, const struct ynode *n, struct service *svc)
{
	service_init(svc, name);
	if (n->kind != YN_MAP && !yn_is_null(n))
		return c_fail(c, n, "expected a mapping");
	if (CONV_OBJECT(c, n, service_fields, svc) < 0 || apply_env_files(c, n, svc) < 0 ||
	    apply_restart(c, n, svc) < 0)
		return -1;
	svc->command_set = !yn_is_null(yn_get(n, "command"));
	svc->entrypoint_set = !yn_is_null(yn_get(n, "entrypoint"));
	if (!svc->image || !*svc->image)
		return c_fail(c, n, "image is required (stack deploy does not build images)");
	if (svc->deploy.mode == MODE_GLOBAL)
		svc->deploy.replicas = 0;
	return 0;
}
