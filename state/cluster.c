/* The managers of an inventory, their state directories and the lock. */
#include "state/cluster.h"
#include "state/keystore.h"
#include "util/names.h"
#include "util/shell.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

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
	c->store = (struct state_store){ .managers = &c->managers, .dirs = c->dirs,
					 .timeout_ms = timeout_ms, .voters = c->ninventory };
	sb_init(&c->store.unproven);
	c->locks = xcalloc(c->ninventory, sizeof(*c->locks));
	if (check_dirs(c, err) == 0)
		return 0;
fail:
	cluster_close(c);
	return -1;
}

static void release_locks(struct cluster_ctx *c)
{
	for (size_t i = 0; c->locks && i < c->ninventory; i++) {
		lock_release(c->locks[i]);
		c->locks[i] = NULL;
	}
}

static size_t locks_held(const struct cluster_ctx *c)
{
	size_t n = 0;
	for (size_t i = 0; i < c->ninventory; i++)
		n += c->locks[i] != NULL;
	return n;
}

/* "the cluster lock needs 2 of 3 managers, got h1; h2: why; h3: why". */
static void explain_no_majority(const struct cluster_ctx *c, const char *what,
				const struct strbuf *whys, struct strbuf *err)
{
	size_t listed = 0;
	sb_addf(err, "%s needs a majority of the %zu managers (%zu), held on", what,
		c->ninventory, state_write_quorum(c->ninventory));
	for (size_t i = 0; i < c->ninventory; i++)
		if (c->locks[i])
			sb_addf(err, "%s %s", listed++ ? "," : "", c->managers.hosts[i].target.name);
	if (!listed)
		sb_adds(err, " none");
	for (size_t i = 0; i < c->ninventory; i++)
		if (!c->locks[i])
			sb_addf(err, "; %s: %s", c->managers.hosts[i].target.name, sb_str(&whys[i]));
	sb_adds(err, ". Bring the managers back, or fix the inventory if they left the cluster");
}

static struct strbuf *new_whys(size_t n)
{
	struct strbuf *w = xcalloc(n ? n : 1, sizeof(*w));
	for (size_t i = 0; i < n; i++)
		sb_init(&w[i]);
	return w;
}

static void free_whys(struct strbuf *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sb_free(&w[i]);
	free(w);
}

/* A manager whose login or lock script failed: said once, and not waited
 * for a second time when reading or writing the state. */
static void unreachable_for_lock(struct fleet_host *h, struct strbuf *why)
{
	if (!h->conn)
		sb_adds(why, sb_str(&h->error));
	warning("manager %s unreachable for the lock: %s", h->target.name, sb_str(why));
	h->fail = h->fail != SSH_OK ? h->fail : SSH_FAIL_UNREACHABLE;
	sb_reset(&h->error);
	sb_adds(&h->error, sb_str(why));
	ssh_close(h->conn);
	h->conn = NULL;
}

/* A lock held on some manager does not stop the run while the majority
 * can still be had: that holder may be a run that died while cut off from
 * that manager (whose sshd has not noticed yet). Only one run can get a
 * majority; the others release what they took. */
static int lock_each(struct cluster_ctx *c, const struct lock_request *base, struct strbuf *why,
		     size_t *majority_at, struct strbuf *err)
{
	size_t held_elsewhere = 0, need = state_write_quorum(c->ninventory);
	int unreachable = 0;
	*majority_at = c->ninventory;
	for (size_t i = 0; i < c->ninventory && c->ninventory - held_elsewhere >= need; i++) {
		struct fleet_host *h = &c->managers.hosts[i];
		struct lock_request rq = *base;
		rq.dir = c->dirs[i];
		int got = h->conn ? lock_acquire(h->conn, h->target.name, &rq, &c->locks[i],
						 &c->store.fetched[i], &why[i]) : EXIT_UNREACHABLE;
		if (got == 0 && locks_held(c) == need)
			*majority_at = i;
		if (got == EXIT_LOCKED) {
			if (!held_elsewhere++)
				sb_adds(err, sb_str(&why[i]));
		} else if (got == EXIT_UNREACHABLE) {
			unreachable_for_lock(h, &why[i]);
			unreachable = 1;
		} else if (got != 0) {
			warning("manager %s: %s", h->target.name, sb_str(&why[i]));
		}
	}
	if (locks_held(c) >= need) {
		for (size_t i = 0; i < c->ninventory; i++)
			if (held_elsewhere && !c->locks[i] && starts_with(sb_str(&why[i]), "lock held"))
				warning("manager %s: %s (a run that died cut off from it?): going on "
					"with the majority", c->managers.hosts[i].target.name,
					sb_str(&why[i]));
		sb_reset(err);
		return 0;
	}
	if (held_elsewhere)
		return EXIT_LOCKED;
	explain_no_majority(c, "the cluster lock", why, err);
	return unreachable ? EXIT_UNREACHABLE : EXIT_FAIL;
}

/* A copy read with a lock taken before the majority was held may predate
 * a write made meanwhile by a run holding the other managers; the copies
 * read from the lock that made the majority on are not. When those are
 * too few for a current read, the early ones are read again (state_read
 * asks the managers whose copy is not kept). */
static void keep_safe_copies(struct cluster_ctx *c, size_t majority_at)
{
	size_t safe = 0;
	for (size_t i = majority_at; i < c->ninventory; i++)
		safe += c->store.fetched[i].have && c->store.fetched[i].status == 0;
	if (safe >= state_read_quorum(c->ninventory))
		return;
	for (size_t i = 0; i < majority_at && i < c->ninventory; i++)
		state_fetched_reset(&c->store.fetched[i]);
}

int cluster_lock(struct cluster_ctx *c, const char *holder_line, long wait_ms, struct strbuf *err)
{
	struct strbuf *why = new_whys(c->ninventory);
	char *nonce = state_new_task_id();
	char *mark = xasprintf("@@cswarm-state-%s", nonce);
	struct lock_request rq = { .holder = holder_line, .wait_ms = wait_ms,
				   .timeout_ms = c->timeout_ms, .read_mark = mark };
	size_t majority_at;

	/* Every manager's login at once; the locks then go in inventory order. */
	fleet_each(&c->managers, NULL, NULL);
	if (!c->store.fetched)
		c->store.fetched = xcalloc(c->ninventory ? c->ninventory : 1, sizeof(*c->store.fetched));
	for (size_t i = 0; i < c->ninventory; i++)
		state_fetched_reset(&c->store.fetched[i]);
	int ret = lock_each(c, &rq, why, &majority_at, err);
	if (ret == 0)
		keep_safe_copies(c, majority_at);
	else
		release_locks(c);
	for (size_t i = 0; ret != 0 && i < c->ninventory; i++)
		state_fetched_reset(&c->store.fetched[i]);
	free_whys(why, c->ninventory);
	free(mark);
	free(nonce);
	return ret;
}

int cluster_lock_check(struct cluster_ctx *c, struct strbuf *err)
{
	struct strbuf *why = new_whys(c->ninventory);
	size_t lost = 0;
	for (size_t i = 0; i < c->ninventory; i++) {
		if (!c->locks[i] || lock_alive(c->locks[i], c->timeout_ms, &why[i]) == 0)
			continue;
		warning("lost the cluster lock on manager %s: %s", c->managers.hosts[i].target.name,
			sb_str(&why[i]));
		lock_release(c->locks[i]);
		c->locks[i] = NULL;
		lost++;
	}
	for (size_t i = 0; i < c->ninventory; i++)
		if (!c->locks[i] && !why[i].len)
			sb_adds(&why[i], "not locked at the start of the run");
	int ret = 0;
	if (lost && locks_held(c) < state_write_quorum(c->ninventory)) {
		explain_no_majority(c, "lost the cluster lock: it", why, err);
		ret = -1;
	}
	free_whys(why, c->ninventory);
	return ret;
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
		if (!ov || ov->role != ROLE_MANAGER || cluster_manager(c, h->name) >= 0)
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

int cluster_write_state(struct cluster_ctx *c, struct state *st, const char *change, int *fenced,
			struct strbuf *err)
{
	return state_write(&c->store, st, change, fenced, err);
}

void cluster_close(struct cluster_ctx *c)
{
	release_locks(c);
	free(c->locks);
	state_store_free(&c->store);
	if (c->dirs)
		for (size_t i = 0; i < c->managers.n; i++)
			free(c->dirs[i]);
	fleet_free(&c->managers);
	free(c->dirs);
	free(c->manager_index);
	free(c->name);
	memset(c, 0, sizeof(*c));
}
