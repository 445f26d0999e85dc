/* A task as a plain container: the docker run command line of a service,
 * the networks and volumes it needs (its secret and config files:
 * secrets.c). Every word from the stack file goes through sh_arg. */
#include "docker/internal.h"
#include "docker/run.h"
#include "docker/secrets.h"
#include "util/names.h"
#include "docker/restart.h"
#include "docker/netpush.h"
#include "util/shell.h"
#include "util/util.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- small builders ------------------------------------------------------ */

/* Append a fixed word (a flag, a command name): never from the stack file. */
static void sb_arg_raw(struct strbuf *sb, const char *word)
{
	if (sb->len && sb->buf[sb->len - 1] != '\n')
		sb_addc(sb, ' ');
	sb_adds(sb, word);
}

static void flag(struct strbuf *sb, const char *name, const char *value)
{
	sb_arg_raw(sb, name);
	sh_arg(sb, value);
}

static void flag_kv(struct strbuf *sb, const char *name, const char *key, const char *value)
{
	char *kv = xasprintf("%s=%s", key, value ? value : "");
	flag(sb, name, kv);
	free(kv);
}

static void flag_num(struct strbuf *sb, const char *name, long long v)
{
	char num[32];
	snprintf(num, sizeof(num), "%lld", v);
	flag(sb, name, num);
}

static void flag_duration(struct strbuf *sb, const char *name, long long ms)
{
	struct strbuf d = STRBUF_INIT;
	compose_format_duration(&d, ms);
	flag(sb, name, d.buf);
	sb_free(&d);
}

static void flag_list(struct strbuf *sb, const char *name, const struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		flag(sb, name, l->v[i]);
}

int svc_error(struct strbuf *err, const struct service *svc, const char *key,
		     const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	size_t size = n > 0 ? (size_t)n + 1 : 1;
	char *msg = xmalloc(size);
	*msg = '\0';
	va_start(ap, fmt);
	vsnprintf(msg, size, fmt, ap);
	va_end(ap);
	sb_addf(err, "service %s: %s: %s", svc->name, key, msg);
	free(msg);
	return -1;
}

bool valid_name(const char *s)
{
	if (!s || !isalnum((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
			return false;
	return true;
}

void mount_field(struct mount_spec *m, const char *field, const char *value)
{
	if (m->rc < 0)
		return;
	if (strpbrk(value, ",\"\n\r"))
		m->rc = svc_error(m->err, m->svc, m->key, "\"%s\" contains a comma, quote or newline, "
				  "which docker's --mount syntax cannot carry", value);
	else
		sb_addf(&m->sb, "%s%s=%s", m->sb.len ? "," : "", field, value);
}

int mount_done(struct mount_spec *m, struct strbuf *sb)
{
	if (m->rc == 0)
		flag(sb, "--mount", m->sb.buf);
	sb_free(&m->sb);
	return m->rc;
}

/* --- names and labels ---------------------------------------------------- */

void docker_container_name(const struct task_ref *t, struct strbuf *out)
{
	if (t->slot > 0)
		sb_addf(out, "%s_%s.%d.%s", t->stack, t->service, t->slot, t->task_id);
	else
		sb_addf(out, "%s_%s.%s.%s", t->stack, t->service, t->node, t->task_id);
}

static bool reserved_label(const char *key)
{
	return starts_with(key, "cswarm.") || starts_with(key, "com.docker.stack.") ||
	       starts_with(key, "com.docker.swarm.");
}

static int add_labels(struct strbuf *sb, const struct service *svc, const struct task_ref *t,
		      struct strbuf *err)
{
	for (size_t i = 0; i < svc->labels.n; i++) {
		const struct kv *l = &svc->labels.v[i];
		if (reserved_label(l->key))
			return svc_error(err, svc, "labels", "\"%s\" is reserved for cswarm's own labels", l->key);
		flag_kv(sb, "--label", l->key, l->value);
	}
	char slot[16], *swarm_name = xasprintf("%s_%s", t->stack, t->service);
	snprintf(slot, sizeof(slot), "%d", t->slot);
	flag_kv(sb, "--label", LABEL_CLUSTER, t->cluster_id);
	flag_kv(sb, "--label", LABEL_STACK, t->stack);
	flag_kv(sb, "--label", LABEL_SERVICE, t->service);
	if (t->slot > 0)
		flag_kv(sb, "--label", LABEL_SLOT, slot);
	else
		flag_kv(sb, "--label", LABEL_NODE, t->node);
	flag_kv(sb, "--label", LABEL_TASK, t->task_id);
	flag_kv(sb, "--label", LABEL_HASH, t->hash);
	flag_kv(sb, "--label", LABEL_NAMESPACE, t->stack);
	flag_kv(sb, "--label", LABEL_SWARM_SVC, swarm_name);
	free(swarm_name);
	return 0;
}

static int check_task(const struct stack *st, const struct service *svc, const struct task_ref *t,
		      struct strbuf *err)
{
	if (!t->cluster_id || !*t->cluster_id || !t->task_id || !t->hash || !t->stack || !t->service ||
	    (t->slot <= 0 && !t->node))
		return svc_error(err, svc, "task", "incomplete task reference");
	if (!streq(t->stack, st->name) || !streq(t->service, svc->name))
		return svc_error(err, svc, "task", "belongs to %s_%s", t->stack, t->service);
	struct strbuf name = STRBUF_INIT;
	docker_container_name(t, &name);
	bool ok = name_valid(name.buf, DOCKER_NAME_MAX_LEN) && name_valid(svc->name, NAME_MAX_LEN);
	if (!ok)
		svc_error(err, svc, "name", "\"%s\" is not a valid container name "
			  "(letters, digits, '_', '.', '-')", name.buf);
	sb_free(&name);
	return ok ? 0 : -1;
}

/* --- networks ------------------------------------------------------------ */

static const struct network *find_network(const struct stack *st, const char *key)
{
	for (size_t i = 0; i < st->nnetworks; i++)
		if (streq(st->networks[i].key, key))
			return &st->networks[i];
	return NULL;
}

/* --alias flags (run: --network-alias) and addresses of one attachment;
 * on the overlay, names are its DNS server's, not Docker's. */
static void endpoint_flags(struct strbuf *sb, const struct network *n, const struct service *svc,
			   const struct service_network *sn, const struct task_ref *t,
			   const char *alias_flag)
{
	if (!t->dns || !netpush_is_overlay(n)) {
		flag(sb, alias_flag, svc->name);
		flag_list(sb, alias_flag, &sn->aliases);
	}
	if (sn->ipv4_address)
		flag(sb, "--ip", sn->ipv4_address);
	if (sn->ipv6_address)
		flag(sb, "--ip6", sn->ipv6_address);
}

static int check_networks(const struct stack *st, const struct service *svc, struct strbuf *err)
{
	if (svc->network_mode && svc->nnetworks)
		return svc_error(err, svc, "network_mode", "cannot be combined with networks");
	for (size_t i = 0; i < svc->nnetworks; i++) {
		if (!find_network(st, svc->networks[i].name))
			return svc_error(err, svc, "networks", "\"%s\" is not declared", svc->networks[i].name);
		if (svc->networks[i].driver_opts.n)
			return svc_error(err, svc, "networks", "%s: driver_opts: not supported by docker run",
					 svc->networks[i].name);
	}
	return 0;
}

static void first_network(struct strbuf *sb, const struct stack *st, const struct service *svc,
			  const struct task_ref *t)
{
	if (svc->network_mode) {
		flag(sb, "--network", svc->network_mode);
		return;
	}
	if (!svc->nnetworks)	/* not from compose_load, which adds "default" */
		return;
	const struct network *n = find_network(st, svc->networks[0].name);
	flag(sb, "--network", n->name);
	endpoint_flags(sb, n, svc, &svc->networks[0], t, "--network-alias");
	if (t->dns)
		flag(sb, "--dns", t->dns);
}

static void connect_networks(struct strbuf *sb, const struct stack *st, const struct service *svc,
			     const struct task_ref *t, const char *container)
{
	for (size_t i = 1; i < svc->nnetworks; i++) {
		const struct network *n = find_network(st, svc->networks[i].name);
		sb_adds(sb, " &&\n");
		sb_arg_raw(sb, "docker network connect");
		endpoint_flags(sb, n, svc, &svc->networks[i], t, "--alias");
		sh_arg(sb, n->name);
		sh_arg(sb, container);
	}
}

/* --- ports and mounts ---------------------------------------------------- */

/* Without the overlay both modes publish on the task's host; with it,
 * ingress ports are the routing mesh's (engine/net.h), not Docker's. */
static void add_ports(struct strbuf *sb, const struct service *svc, const struct task_ref *t)
{
	for (size_t i = 0; i < svc->nports; i++) {
		const struct port *p = &svc->ports[i];
		if (t->dns && p->published && (!p->mode || streq(p->mode, "ingress")))
			continue;
		struct strbuf spec = STRBUF_INIT;
		if (p->host_ip)
			sb_addf(&spec, strchr(p->host_ip, ':') ? "[%s]:" : "%s:", p->host_ip);
		if (p->published)
			sb_addf(&spec, "%" PRIu32 ":", p->published);
		else if (p->host_ip)
			sb_addc(&spec, ':');	/* ip::target: any free port on ip */
		sb_addf(&spec, "%" PRIu32 "/%s", p->target, p->protocol ? p->protocol : "tcp");
		flag(sb, "--publish", spec.buf);
		sb_free(&spec);
	}
}

static const struct volume *find_volume(const struct stack *st, const char *key)
{
	for (size_t i = 0; i < st->nvolumes; i++)
		if (streq(st->volumes[i].key, key))
			return &st->volumes[i];
	return NULL;
}

static void volume_spec(const struct stack *st, const struct mount *mt, struct mount_spec *m)
{
	mount_field(m, "type", "volume");
	if (mt->source) {
		const struct volume *v = find_volume(st, mt->source);
		if (!v)
			m->rc = svc_error(m->err, m->svc, m->key, "\"%s\" is not declared", mt->source);
		else
			mount_field(m, "source", v->name);
	}
	if (mt->nocopy)
		mount_field(m, "volume-nocopy", "true");
	if (mt->subpath)
		mount_field(m, "volume-subpath", mt->subpath);
}

static void bind_spec(const struct mount *mt, struct mount_spec *m)
{
	if (!mt->source || mt->source[0] != '/') {
		m->rc = svc_error(m->err, m->svc, m->key, "bind source \"%s\" must be an absolute path",
				  mt->source ? mt->source : "");
		return;
	}
	mount_field(m, "type", "bind");
	mount_field(m, "source", mt->source);
	if (mt->propagation)
		mount_field(m, "bind-propagation", mt->propagation);
}

static void tmpfs_spec(const struct mount *mt, struct mount_spec *m)
{
	sb_adds(&m->sb, "type=tmpfs");
	if (mt->tmpfs_size)
		sb_addf(&m->sb, ",tmpfs-size=%" PRIu64, mt->tmpfs_size);
	if (mt->tmpfs_mode)
		sb_addf(&m->sb, ",tmpfs-mode=%o", mt->tmpfs_mode);
}

static int add_mount(struct strbuf *sb, const struct stack *st, const struct service *svc,
		     const struct mount *mt, struct strbuf *err)
{
	struct mount_spec m = { STRBUF_INIT, svc, "volumes", err, 0 };
	switch (mt->type) {
	case MOUNT_VOLUME:
		volume_spec(st, mt, &m);
		break;
	case MOUNT_BIND:
		bind_spec(mt, &m);
		break;
	case MOUNT_TMPFS:
		tmpfs_spec(mt, &m);
		break;
	default:
		m.rc = svc_error(err, svc, "volumes", "%s: npipe and cluster mounts are not supported",
				 mt->target ? mt->target : "");
	}
	mount_field(&m, "target", mt->target ? mt->target : "");
	if (mt->consistency)
		mount_field(&m, "consistency", mt->consistency);
	if (mt->read_only)
		sb_adds(&m.sb, ",readonly");
	return mount_done(&m, sb);
}

/* Bind sources that compose would create (create_host_path) are created
 * before the container: `--mount type=bind` refuses a missing source. */
static void create_bind_sources(struct strbuf *sb, const struct service *svc)
{
	for (size_t i = 0; i < svc->nmounts; i++) {
		const struct mount *m = &svc->mounts[i];
		if (m->type == MOUNT_BIND && m->create_host_path && m->source) {
			sb_arg_raw(sb, "mkdir -p");
			sh_arg(sb, m->source);
			sb_adds(sb, " &&\n");
		}
	}
}

static int add_mounts(struct strbuf *sb, const struct stack *st, const struct service *svc,
		      const struct task_ref *t, const char *files_dir, struct strbuf *err)
{
	for (size_t i = 0; i < svc->nmounts; i++)
		if (add_mount(sb, st, svc, &svc->mounts[i], err) < 0)
			return -1;
	return file_mounts(sb, st, svc, t, files_dir, err);
}

/* --- resources, health, the rest ------------------------------------------ */

static void add_cpus(struct strbuf *sb, int64_t nano)
{
	char num[48];
	int len = snprintf(num, sizeof(num), "%" PRId64 ".%09" PRId64, nano / 1000000000,
			   nano % 1000000000);
	while (len > 0 && num[len - 1] == '0')
		num[--len] = '\0';
	if (len > 0 && num[len - 1] == '.')
		num[--len] = '\0';
	flag(sb, "--cpus", num);
}

/* deploy.resources wins over the service-level keys (compose requires
 * them to agree when both are set). CPU reservations and generic
 * resources only steer placement: docker run has no flag for them. */
static void add_resources(struct strbuf *sb, const struct service *svc)
{
	const struct resources *lim = &svc->deploy.limits, *res = &svc->deploy.reservations;
	int64_t cpus = lim->nano_cpus ? lim->nano_cpus : svc->nano_cpus;
	uint64_t mem = lim->memory ? lim->memory : svc->mem_limit;
	uint64_t mem_res = res->memory ? res->memory : svc->mem_reservation;
	int64_t pids = lim->pids ? lim->pids : svc->pids_limit;
	if (cpus)
		add_cpus(sb, cpus);
	if (mem)
		flag_num(sb, "--memory", (long long)mem);
	if (mem_res)
		flag_num(sb, "--memory-reservation", (long long)mem_res);
	if (pids)
		flag_num(sb, "--pids-limit", pids);
	if (svc->shm_size)
		flag_num(sb, "--shm-size", (long long)svc->shm_size);
}

/* docker run can only give a shell command (CMD-SHELL): the exec form
 * ["CMD", args...] becomes its arguments, each quoted for that shell. */
static int add_healthcheck(struct strbuf *sb, const struct service *svc, struct strbuf *err)
{
	const struct healthcheck *h = &svc->healthcheck;
	if (!h->set)
		return 0;
	if (h->disable || (h->test.n && streq(h->test.v[0], "NONE"))) {
		sb_arg_raw(sb, "--no-healthcheck");
		return 0;
	}
	if (h->test.n >= 2 && streq(h->test.v[0], "CMD-SHELL")) {
		flag(sb, "--health-cmd", h->test.v[1]);
	} else if (h->test.n >= 2 && streq(h->test.v[0], "CMD")) {
		struct strbuf cmd = STRBUF_INIT;
		for (size_t i = 1; i < h->test.n; i++)
			sh_arg(&cmd, h->test.v[i]);
		flag(sb, "--health-cmd", cmd.buf);
		sb_free(&cmd);
	} else if (h->test.n) {
		return svc_error(err, svc, "healthcheck.test", "expected [\"CMD\", ...], "
				 "[\"CMD-SHELL\", COMMAND] or [\"NONE\"]");
	}
	if (h->interval_ms >= 0)
		flag_duration(sb, "--health-interval", h->interval_ms);
	if (h->timeout_ms >= 0)
		flag_duration(sb, "--health-timeout", h->timeout_ms);
	if (h->start_period_ms >= 0)
		flag_duration(sb, "--health-start-period", h->start_period_ms);
	if (h->start_interval_ms >= 0)
		flag_duration(sb, "--health-start-interval", h->start_interval_ms);
	if (h->retries >= 0)
		flag_num(sb, "--health-retries", h->retries);
	return 0;
}

static void add_logging_and_limits(struct strbuf *sb, const struct service *svc)
{
	if (svc->logging.driver)
		flag(sb, "--log-driver", svc->logging.driver);
	for (size_t i = 0; i < svc->logging.options.n; i++)
		flag_kv(sb, "--log-opt", svc->logging.options.v[i].key, svc->logging.options.v[i].value);
	for (size_t i = 0; i < svc->nulimits; i++) {
		const struct ulimit *u = &svc->ulimits[i];
		char *v = xasprintf("%s=%" PRId64 ":%" PRId64, u->name, u->soft, u->hard);
		flag(sb, "--ulimit", v);
		free(v);
	}
	for (size_t i = 0; i < svc->sysctls.n; i++)
		flag_kv(sb, "--sysctl", svc->sysctls.v[i].key, svc->sysctls.v[i].value);
}

/* "host=ip" (compose's map form) is "host:ip" for docker; docker splits
 * at the first colon, so IPv6 addresses stay whole. */
static void add_extra_hosts(struct strbuf *sb, const struct service *svc)
{
	for (size_t i = 0; i < svc->extra_hosts.n; i++) {
		char *h = xstrdup(svc->extra_hosts.v[i]), *eq = strchr(h, '=');
		if (eq && (!strchr(h, ':') || strchr(h, ':') > eq))
			*eq = ':';
		flag(sb, "--add-host", h);
		free(h);
	}
}

static void add_process(struct strbuf *sb, const struct service *svc)
{
	for (size_t i = 0; i < svc->environment.n; i++)
		flag_kv(sb, "--env", svc->environment.v[i].key, svc->environment.v[i].value);
	if (svc->user)
		flag(sb, "--user", svc->user);
	if (svc->working_dir)
		flag(sb, "--workdir", svc->working_dir);
	if (svc->hostname)
		flag(sb, "--hostname", svc->hostname);
	if (svc->stop_signal)
		flag(sb, "--stop-signal", svc->stop_signal);
	if (svc->stop_grace_period_ms >= 0)
		flag_num(sb, "--stop-timeout", (svc->stop_grace_period_ms + 999) / 1000);
	if (svc->tty)
		sb_arg_raw(sb, "--tty");
	if (svc->stdin_open)
		sb_arg_raw(sb, "--interactive");
	if (svc->init)
		sb_arg_raw(sb, "--init");
}

static void add_security(struct strbuf *sb, const struct service *svc)
{
	flag_list(sb, "--cap-add", &svc->cap_add);
	flag_list(sb, "--cap-drop", &svc->cap_drop);
	if (svc->read_only)
		sb_arg_raw(sb, "--read-only");
	if (svc->privileged)
		sb_arg_raw(sb, "--privileged");
	flag_list(sb, "--security-opt", &svc->security_opt);
	flag_list(sb, "--group-add", &svc->group_add);
	flag_list(sb, "--device", &svc->devices);
	flag_list(sb, "--tmpfs", &svc->tmpfs);
	flag_list(sb, "--dns", &svc->dns);
	flag_list(sb, "--dns-search", &svc->dns_search);
	flag_list(sb, "--dns-option", &svc->dns_opt);
	add_extra_hosts(sb, svc);
}

/* A list entrypoint: its first word is --entrypoint, the others lead the
 * arguments after the image. An empty one clears the image's. */
static int add_image_and_args(struct strbuf *sb, const struct service *svc, struct strbuf *err)
{
	if (!svc->image)
		return svc_error(err, svc, "image", "required (cswarm does not build images)");
	if (svc->command_set && !svc->command.n && !svc->entrypoint_set)
		return svc_error(err, svc, "command", "an empty command cannot clear the image's "
				 "with docker run: give the command");
	if (svc->entrypoint_set)
		flag(sb, "--entrypoint", svc->entrypoint.n ? svc->entrypoint.v[0] : "");
	sb_arg_raw(sb, "--");
	sh_arg(sb, svc->image);
	for (size_t i = 1; i < svc->entrypoint.n; i++)
		sh_arg(sb, svc->entrypoint.v[i]);
	for (size_t i = 0; i < svc->command.n; i++)
		sh_arg(sb, svc->command.v[i]);
	return 0;
}

/* The engine restarts the task in place where its restart_policy allows
 * (docker/restart.h); cswarm's reconcile does the rest and may place a
 * replacement on another host, which the engine cannot. */
static int run_flags(struct strbuf *sb, const struct stack *st, const struct service *svc,
		     const struct task_ref *t, const char *files_dir, const char *name,
		     struct strbuf *err)
{
	struct strbuf restart = STRBUF_INIT;
	docker_restart_policy(&svc->deploy.restart_policy, t->restarts, &restart);
	flag(sb, "--name", name);
	flag(sb, "--restart", restart.buf);
	sb_free(&restart);
	if (add_labels(sb, svc, t, err) < 0)
		return -1;
	first_network(sb, st, svc, t);
	add_process(sb, svc);
	add_ports(sb, svc, t);
	if (add_mounts(sb, st, svc, t, files_dir, err) < 0)
		return -1;
	add_resources(sb, svc);
	if (add_healthcheck(sb, svc, err) < 0)
		return -1;
	add_logging_and_limits(sb, svc);
	add_security(sb, svc);
	return add_image_and_args(sb, svc, err);
}

int docker_run_command(const struct stack *st, const struct service *svc,
		       const struct task_ref *t, const char *files_dir,
		       struct strbuf *script, struct strbuf *err)
{
	if (check_task(st, svc, t, err) < 0 || check_networks(st, svc, err) < 0)
		return -1;
	struct strbuf sb = STRBUF_INIT, name = STRBUF_INIT;
	docker_container_name(t, &name);
	bool create = svc->nnetworks > 1;
	create_bind_sources(&sb, svc);
	sb_arg_raw(&sb, create ? "docker create" : "docker run -d");
	int rc = run_flags(&sb, st, svc, t, files_dir ? files_dir : DOCKER_TASK_FILES, name.buf, err);
	if (rc == 0 && create) {
		connect_networks(&sb, st, svc, t, name.buf);
		sb_adds(&sb, " &&\ndocker start");
		sh_arg(&sb, name.buf);
		sb_adds(&sb, " >/dev/null");
	}
	if (rc == 0) {
		sb_add(script, sb.buf, sb.len);
		sb_addc(script, '\n');
	}
	sb_free(&sb);
	sb_free(&name);
	return rc;
}

/* --- networks, volumes, removal ------------------------------------------ */

static void cswarm_labels(struct strbuf *sb, const char *cluster_id, const char *stack)
{
	flag_kv(sb, "--label", LABEL_CLUSTER, cluster_id);
	flag_kv(sb, "--label", LABEL_STACK, stack);
	flag_kv(sb, "--label", LABEL_NAMESPACE, stack);
}

/* "if it exists, it must be ours; else create it:" the caller appends the
 * create command and "fi". A network or volume of the same name that this
 * cluster did not create is never used: the script fails instead. */
static void if_missing(struct strbuf *sb, const char *kind, const char *name, const char *cluster_id)
{
	sb_addf(sb, "if cswarm_owner=$(docker %s inspect -f", kind);
	sh_arg(sb, "{{index .Labels \"" LABEL_CLUSTER "\"}}");
	sh_arg(sb, name);
	sb_adds(sb, " 2>/dev/null); then\n[ \"$cswarm_owner\" =");
	sh_arg(sb, cluster_id);
	sb_adds(sb, " ] || { printf 'cswarm: %s %s exists and was not created by this cluster\\n'");
	sh_arg(sb, kind);
	sh_arg(sb, name);
	sb_adds(sb, " >&2; exit 1; }\nelse\n");
}

/* "subnet[,gateway=G][,ip_range=R]" from the model, as docker flags. */
static void ipam_flags(struct strbuf *sb, const struct network *n)
{
	if (n->ipam_driver)
		flag(sb, "--ipam-driver", n->ipam_driver);
	for (size_t i = 0; i < n->subnets.n; i++) {
		char *pool = xstrdup(n->subnets.v[i]), *save = NULL;
		for (char *f = strtok_r(pool, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
			if (starts_with(f, "gateway="))
				flag(sb, "--gateway", f + 8);
			else if (starts_with(f, "ip_range="))
				flag(sb, "--ip-range", f + 9);
			else
				flag(sb, "--subnet", f);
		}
		free(pool);
	}
}

/* There is no swarm, so no overlay: every network is a bridge local to
 * its host, and a service reaches only the tasks on its own host. */
static void create_network(struct strbuf *sb, const struct network *n, const char *cluster_id,
			   const char *stack)
{
	if_missing(sb, "network", n->name, cluster_id);
	sb_adds(sb, "docker network create --driver");
	sh_arg(sb, n->driver && !streq(n->driver, "overlay") ? n->driver : "bridge");
	cswarm_labels(sb, cluster_id, stack);
	for (size_t i = 0; i < n->labels.n; i++)
		flag_kv(sb, "--label", n->labels.v[i].key, n->labels.v[i].value);
	for (size_t i = 0; i < n->driver_opts.n; i++)
		flag_kv(sb, "--opt", n->driver_opts.v[i].key, n->driver_opts.v[i].value);
	if (n->internal)
		sb_arg_raw(sb, "--internal");
	if (n->attachable)
		sb_arg_raw(sb, "--attachable");
	if (n->enable_ipv6)
		sb_arg_raw(sb, "--ipv6");
	ipam_flags(sb, n);
	sb_arg_raw(sb, "--");
	sh_arg(sb, n->name);
	sb_adds(sb, " >/dev/null\nfi\n");
}

static void require_external(struct strbuf *sb, const char *kind, const char *name)
{
	sb_addf(sb, "docker %s inspect", kind);
	sh_arg(sb, name);
	sb_addf(sb, " >/dev/null || { echo \"cswarm: external %s ", kind);
	sh_quote(sb, name);
	sb_adds(sb, " does not exist on this host\" >&2; exit 1; }\n");
}

int docker_network_script(const struct stack *st, const char *cluster_id,
			  struct strbuf *script, struct strbuf *err)
{
	if (!cluster_id || !*cluster_id) {
		sb_adds(err, "networks: no cluster id");
		return -1;
	}
	for (size_t i = 0; i < st->nnetworks; i++) {
		const struct network *n = &st->networks[i];
		if (n->external)
			require_external(script, "network", n->name);
		else
			create_network(script, n, cluster_id, st->name);
	}
	return 0;
}

static bool service_mounts(const struct service *svc, const char *volume_key)
{
	for (size_t i = 0; i < svc->nmounts; i++)
		if (svc->mounts[i].type == MOUNT_VOLUME && svc->mounts[i].source &&
		    streq(svc->mounts[i].source, volume_key))
			return true;
	return false;
}

static void create_volume(struct strbuf *sb, const struct volume *v, const char *cluster_id,
			  const char *stack)
{
	if_missing(sb, "volume", v->name, cluster_id);
	sb_adds(sb, "docker volume create --driver");
	sh_arg(sb, v->driver ? v->driver : "local");
	cswarm_labels(sb, cluster_id, stack);
	for (size_t i = 0; i < v->labels.n; i++)
		flag_kv(sb, "--label", v->labels.v[i].key, v->labels.v[i].value);
	for (size_t i = 0; i < v->driver_opts.n; i++)
		flag_kv(sb, "--opt", v->driver_opts.v[i].key, v->driver_opts.v[i].value);
	sb_arg_raw(sb, "--");
	sh_arg(sb, v->name);
	sb_adds(sb, " >/dev/null\nfi\n");
}

int docker_volume_script(const struct stack *st, const struct service *svc,
			 const char *cluster_id, struct strbuf *script, struct strbuf *err)
{
	if (!cluster_id || !*cluster_id) {
		sb_adds(err, "volumes: no cluster id");
		return -1;
	}
	for (size_t i = 0; i < st->nvolumes; i++) {
		const struct volume *v = &st->volumes[i];
		if (svc && !service_mounts(svc, v->key))
			continue;
		if (v->external)
			require_external(script, "volume", v->name);
		else
			create_volume(script, v, cluster_id, st->name);
	}
	return 0;
}

void docker_stop_command(const char *container_name, long long grace_ms, struct strbuf *script)
{
	sb_adds(script, "docker stop -t");
	sb_addf(script, " %lld", grace_ms < 0 ? 10 : (grace_ms + 999) / 1000);
	sh_arg(script, container_name);
	sb_adds(script, " >/dev/null && docker rm");
	sh_arg(script, container_name);
	sb_adds(script, " >/dev/null\n");
}

/* Network IDs are hex, volume names [a-zA-Z0-9_.-] (docker's rule):
 * the unquoted $(...) splits them right. */
static void rm_labelled(struct strbuf *sb, const char *kind, const char *cluster_id, const char *stack)
{
	char *by_cluster = xasprintf("label=%s=%s", LABEL_CLUSTER, cluster_id);
	char *by_stack = xasprintf("label=%s=%s", LABEL_STACK, stack);
	sb_addf(sb, "for id in $(docker %s ls -q --filter", kind);
	sh_arg(sb, by_cluster);
	sb_adds(sb, " --filter");
	sh_arg(sb, by_stack);
	sb_addf(sb, "); do docker %s rm \"$id\" >/dev/null || status=1; done\n", kind);
	free(by_cluster);
	free(by_stack);
}

void docker_rm_stack_script(const char *cluster_id, const char *stack,
			    const char *files_dir, struct strbuf *script)
{
	char *dir = xasprintf("%s/%s", files_dir ? files_dir : DOCKER_FILES_DIR, stack);
	sb_adds(script, "status=0\n");
	rm_labelled(script, "network", cluster_id, stack);
	rm_labelled(script, "volume", cluster_id, stack);
	sb_adds(script, "rm -rf --");
	sh_arg(script, dir);
	sb_adds(script, " || status=1\n(exit $status)\n");
	free(dir);
}
