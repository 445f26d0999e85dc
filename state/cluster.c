/* The managers of an inventory, their state directories and the lock. */
#include "state/cluster.h"
#include "state/keystore.h"
#include "util/names.h"
#include "util/shell.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

int cluster_opt(struct cluster_opts *o, int c, const char *arg)
{
	long long ms;
	switch (c) {
	case 'C':
		o->name = arg;
		return 1;
	case 'W':
		ms = parse_duration_ms(arg);
		if (ms < 0 || ms > 86400000LL) {
			usage_error("--lock-wait: bad duration '%s' (e.g. 30s, 5m)", arg);
			return -1;
		}
		o->lock_wait_ms = (long)ms;
		return 1;
	}
	return 0;
}

static const char *cluster_name(const struct host *first_manager, const char *name)
{
	if (name)
		return name;
	const char *var = host_var(first_manager, "cswarm_cluster");
	return var ? var : CLUSTER_DEFAULT_NAME;
}

static int add_manager(struct cluster_ctx *c, size_t inv_index, const struct target_opts *t,
		       struct strbuf *err)
{
	const struct host *h = &c->inv->hosts[inv_index];
	struct target_hint hint = { h->name, h->address, h->port, h->user, h->key_file };
	struct fleet_host *fh = &c->managers.hosts[c->managers.n];
	struct strbuf why = STRBUF_INIT;

	if (ssh_target_resolve(&hint, t, &fh->target, &why) != 0) {
		sb_addf(err, "%s: %s", h->name, sb_str(&why));
		sb_free(&why);
		return -1;
	}
	sb_init(&fh->error);
	const char *dir = host_var(h, "cswarm_state_dir");
	c->dirs[c->managers.n] = dir ? xstrdup(dir) : xasprintf("%s/%s", CLUSTER_STATE_ROOT, c->name);
	c->manager_index[c->managers.n++] = inv_index;
	sb_free(&why);
	return 0;
}

/* Before anything runs: every state directory is a plain absolute path
 * that holds no other cluster's state (the default root where every
 * cluster keeps its own, another manager's directory), since `node
 * demote` empties it. */
static int check_dirs(const struct cluster_ctx *c, struct strbuf *err)
{
	for (size_t i = 0; i < c->managers.n; i++) {
		const char *dir = c->dirs[i], *host = c->managers.hosts[i].target.name;
		const char *other = NULL;
		if (state_dir_check(dir, err) != 0) {
			sb_addf(err, " (host %s)", host);
			return -1;
		}
		if (path_contains(dir, CLUSTER_STATE_ROOT))
			other = CLUSTER_STATE_ROOT;
		for (size_t k = 0; !other && k < c->managers.n; k++)
			if (!streq(dir, c->dirs[k]) && path_contains(dir, c->dirs[k]))
				other = c->dirs[k];
		if (other) {
			sb_addf(err, "host %s: cswarm_state_dir \"%s\" contains %s, where other clusters' "
				"state lives: give each cluster a directory of its own", host, dir, other);
			return -1;
		}
	}
	return 0;
}

int cluster_open(struct cluster_ctx *c, const struct inventory *inv, const struct target_opts *t,
		 const char *name, int forks, long timeout_ms, struct strbuf *err)
{
	size_t n = inv->nhosts ? inv->nhosts : 1;
	long first = -1;

	memset(c, 0, sizeof(*c));
	c->inv = inv;
	c->timeout_ms = timeout_ms;
	c->topts = t;
	for (size_t i = 0; i < inv->nhosts && first < 0; i++)
		if (inv->hosts[i].is_manager)
			first = (long)i;
	if (first < 0) {
		sb_addf(err, "%s: no managers (put the hosts that keep the cluster state in group 'managers')",
			inv->path ? inv->path : "inventory");
		return -1;
	}
	c->name = xstrdup(cluster_name(&inv->hosts[first], name));
	/* The name becomes a directory beside the hosts' secret files. */
	if (name_check("cluster", c->name, NAME_MAX_LEN, err) != 0)
		goto fail;
	if (streq(c->name, CLUSTER_FILES_NAME)) {
		sb_addf(err, "bad cluster name \"%s\": reserved for the hosts' secret and config files",
			c->name);
		goto fail;
	}
	c->managers.hosts = xcalloc(n, sizeof(*c->managers.hosts));
	c->managers.forks = forks;
	c->manager_index = xcalloc(n, sizeof(*c->manager_index));
	c->dirs = xcalloc(n, sizeof(*c->dirs));
	for (size_t i = 0; i < inv->nhosts; i++)
		if (inv->hosts[i].is_manager && add_manager(c, i, t, err) != 0)
			goto fail;
	c->ninventory = c->managers.n;
	c->store = (struct state_store){ &c->managers, c->dirs, timeout_ms };
	if (check_dirs(c, err) == 0)
		return 0;
fail:
	cluster_close(c);
	return -1;
}

int cluster_lock(struct cluster_ctx *c, const char *holder_line, long wait_ms, struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT;
	for (size_t i = 0; i < c->managers.n; i++) {
		const struct ssh_target *t = &c->managers.hosts[i].target;
		sb_reset(&why);
		int ret = lock_acquire(t, c->dirs[i], holder_line, wait_ms, c->timeout_ms, &c->lock, &why);
		if (ret != EXIT_UNREACHABLE) {
			sb_adds(err, sb_str(&why));
			sb_free(&why);
			return ret;
		}
		warning("manager %s unreachable for the lock: %s", t->name, sb_str(&why));
		/* Do not wait for it a second time when reading the state. */
		c->managers.hosts[i].fail = SSH_FAIL_UNREACHABLE;
		sb_adds(&c->managers.hosts[i].error, sb_str(&why));
	}
	sb_free(&why);
	sb_adds(err, "no manager reachable: not taking the cluster lock");
	return EXIT_UNREACHABLE;
}

enum state_read_result cluster_read_state(struct cluster_ctx *c, struct state *st, struct strbuf *err)
{
	enum state_read_result ret = state_read(&c->store, st, err);
	if (ret == STATE_READ_OK && cluster_add_promoted(c, st, err) != 0) {
		state_free(st);
		return STATE_READ_FAIL;
	}
	return ret;
}

long cluster_manager(const struct cluster_ctx *c, const char *host)
{
	for (size_t i = 0; i < c->managers.n; i++)
		if (streq(c->managers.hosts[i].target.name, host))
			return (long)i;
	return -1;
}

int cluster_add_promoted(struct cluster_ctx *c, struct state *st, struct strbuf *err)
{
	for (size_t i = 0; i < c->inv->nhosts; i++) {
		const struct host *h = &c->inv->hosts[i];
		const struct state_node *ov = state_find_node(st, h->name);
		if (!ov || !ov->role || !streq(ov->role, "manager") || cluster_manager(c, h->name) >= 0)
			continue;
		if (add_manager(c, i, c->topts, err) != 0)
			return -1;
	}
	return check_dirs(c, err);
}

/* Dropping a copy: mark the directory on the demoted host, look for the
 * mark on the other managers (same directory through a shared filesystem:
 * keep it), then remove the directory or only the mark. */
enum drop_step { DROP_MARK, DROP_LOOK, DROP_REMOVE };

struct drop_job {
	struct cluster_ctx *c;
	size_t host;
	enum drop_step step;
	char *marker;
	unsigned char *seen;	/* per manager: the mark is visible there */
	int shared;
	struct strbuf err;
};

static void drop_on(struct fleet_host *h, size_t i, void *ctx)
{
	struct drop_job *j = ctx;
	struct strbuf cmd = STRBUF_INIT;
	struct ssh_result res;
	int mine = i == j->host;

	if (mine == (j->step == DROP_LOOK))
		return;
	switch (j->step) {
	case DROP_MARK:
		sb_adds(&cmd, "mkdir -p");
		sh_arg(&cmd, j->c->dirs[i]);
		sb_adds(&cmd, " && cd");
		sh_arg(&cmd, j->c->dirs[i]);
		sb_adds(&cmd, " && : >");
		sh_arg(&cmd, j->marker);
		break;
	case DROP_LOOK:
		sb_adds(&cmd, "cd");
		sh_arg(&cmd, j->c->dirs[i]);
		sb_adds(&cmd, " 2>/dev/null && test -e");
		sh_arg(&cmd, j->marker);
		break;
	case DROP_REMOVE:
		/* Only what cswarm keeps there, then the directory if empty:
		 * never anything else that lives in it. */
		sb_adds(&cmd, "cd");
		sh_arg(&cmd, j->c->dirs[i]);
		sb_adds(&cmd, j->shared ? " && rm -f --" : " && rm -rf -- " STATE_DIR_FILES);
		sh_arg(&cmd, j->marker);
		if (!j->shared) {	/* the cluster key goes with the copy */
			char *key = keystore_path(j->c->dirs[i]);
			sb_adds(&cmd, " && rm -f --");
			sh_arg(&cmd, key);
			free(key);
			sb_adds(&cmd, " && cd / && { rmdir --");
			sh_arg(&cmd, j->c->dirs[i]);
			sb_adds(&cmd, " 2>/dev/null || :; }");
		}
		break;
	}
	ssh_result_init(&res);
	struct ssh_exec x = { .command = cmd.buf, .timeout_ms = j->c->timeout_ms };
	int ran = fleet_exec(h, &x, &res) == SSH_OK;
	if (j->step == DROP_LOOK)
		j->seen[i] = ran && res.exit_status == 0;
	else if (!ran || res.exit_status != 0) {
		sb_rtrim(&res.err);
		sb_addf(&j->err, "%s: %s", h->target.name, ran ? sb_str(&res.err) : sb_str(&h->error));
	}
	ssh_result_free(&res);
	sb_free(&cmd);
}

int cluster_drop_copy(struct cluster_ctx *c, const char *host, struct strbuf *err)
{
	long at = cluster_manager(c, host);
	if (at < 0)
		return 0;
	char *id = state_new_task_id();
	struct drop_job j = { c, (size_t)at, DROP_MARK, xasprintf(".cswarm-demote-%s", id),
			      xcalloc(c->managers.n, 1), 0, STRBUF_INIT };
	for (j.step = DROP_MARK; j.step <= DROP_REMOVE && !j.err.len; j.step++) {
		fleet_each(&c->managers, drop_on, &j);
		for (size_t i = 0; i < c->managers.n; i++)
			j.shared |= j.seen[i];
	}
	if (j.shared)
		warning("%s: %s is also the state directory of another manager (shared filesystem): kept",
			host, c->dirs[at]);
	int ret = j.err.len ? -1 : 0;
	if (ret)
		sb_addf(err, "removing the state copy in %s: %s", c->dirs[at], sb_str(&j.err));
	free(id);
	free(j.marker);
	free(j.seen);
	sb_free(&j.err);
	return ret;
}

int cluster_write_state(struct cluster_ctx *c, struct state *st, const char *change, struct strbuf *err)
{
	return state_write(&c->store, st, change, err);
}

void cluster_close(struct cluster_ctx *c)
{
	lock_release(c->lock);
	c->lock = NULL;
	if (c->dirs)
		for (size_t i = 0; i < c->managers.n; i++)
			free(c->dirs[i]);
	fleet_free(&c->managers);
	free(c->dirs);
	free(c->manager_index);
	free(c->name);
	memset(c, 0, sizeof(*c));
}
