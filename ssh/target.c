#include "ssh/target.h"
#include "ssh/config.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

enum { MAX_JUMPS = 8, DEFAULT_KEEPALIVE_S = 15 };

static void push(char ***arr, size_t *n, const char *s)
{
	*arr = xrealloc(*arr, (*n + 1) * sizeof(**arr));
	(*arr)[(*n)++] = xstrdup(s);
}

static const char *home_dir(void)
{
	const char *h = getenv("HOME");
	return h && *h ? h : "/root";
}

static void add_home_file(char ***arr, size_t *n, const char *rel)
{
	char *p = xasprintf("%s/%s", home_dir(), rel);
	push(arr, n, p);
	free(p);
}

/* $CSWARM_KNOWN_HOSTS (colon-separated) replaces every known_hosts file:
 * tests and CI jobs use it to pin a cluster's keys. */
static void known_hosts_files(const struct ssh_host_config *c, struct ssh_target *t)
{
	const char *env = getenv("CSWARM_KNOWN_HOSTS");
	if (env && *env) {
		char *copy = xstrdup(env), *save = NULL;
		for (char *p = strtok_r(copy, ":", &save); p; p = strtok_r(NULL, ":", &save))
			push(&t->known_hosts, &t->nknown_hosts, p);
		free(copy);
		return;
	}
	if (c->nknown_hosts_files) {
		for (size_t i = 0; i < c->nknown_hosts_files; i++)
			push(&t->known_hosts, &t->nknown_hosts, c->known_hosts_files[i]);
	} else {
		add_home_file(&t->known_hosts, &t->nknown_hosts, ".ssh/known_hosts");
		add_home_file(&t->known_hosts, &t->nknown_hosts, ".ssh/known_hosts2");
	}
	if (c->nglobal_known_hosts_files) {
		for (size_t i = 0; i < c->nglobal_known_hosts_files; i++)
			push(&t->known_hosts, &t->nknown_hosts, c->global_known_hosts_files[i]);
	} else {
		push(&t->known_hosts, &t->nknown_hosts, "/etc/ssh/ssh_known_hosts");
		push(&t->known_hosts, &t->nknown_hosts, "/etc/ssh/ssh_known_hosts2");
	}
}

static void identities(const struct target_hint *hint, const struct ssh_host_config *c,
		       struct ssh_target *t)
{
	static const char *const defaults[] = { ".ssh/id_ed25519", ".ssh/id_ecdsa", ".ssh/id_rsa" };
	if (hint->key_file)
		push(&t->identities, &t->nidentities, hint->key_file);
	for (size_t i = 0; i < c->nidentity_files; i++)
		push(&t->identities, &t->nidentities, c->identity_files[i]);
	if (c->nidentity_files == 0 && !hint->key_file)
		for (size_t i = 0; i < ARRAY_SIZE(defaults); i++)
			add_home_file(&t->identities, &t->nidentities, defaults[i]);
	t->identities_only = c->identities_only > 0;
}

static enum ssh_strict strictness(const struct ssh_host_config *c, const struct target_opts *o)
{
	if (o->accept_new)
		return SSH_STRICT_ACCEPT_NEW;
	switch (c->strict_host_key_checking) {
	case SSH_SHKC_ACCEPT_NEW: return SSH_STRICT_ACCEPT_NEW;
	case SSH_SHKC_NO: return SSH_STRICT_NO;
	default: return SSH_STRICT_YES;	/* unset, yes, and ask (nobody to ask) */
	}
}

static int resolve(const struct target_hint *hint, const struct target_opts *o, int depth,
		   struct ssh_target *t, struct strbuf *err);

/* ProxyJump a,b: reach a, then b through a, then the target through b. */
static int resolve_jumps(const char *chain, const struct target_opts *o, int depth,
			 struct ssh_target *t, struct strbuf *err)
{
	struct ssh_jump *hops = NULL;
	long n = ssh_proxy_jump_parse(chain, &hops, err);
	if (n < 0)
		return -1;
	if (depth + n > MAX_JUMPS) {
		sb_addf(err, "ProxyJump chain too long (more than %d hops): %s", MAX_JUMPS, chain);
		ssh_jumps_free(hops, n);
		return -1;
	}
	int ret = 0;
	struct ssh_target *via = NULL;
	for (long i = 0; i < n && ret == 0; i++) {
		struct target_hint h = { hops[i].host, hops[i].host, hops[i].port, hops[i].user, NULL };
		struct ssh_target *hop = xcalloc(1, sizeof(*hop));
		ret = resolve(&h, o, depth + (int)i + 1, hop, err);
		if (!hop->jump) {
			hop->jump = via;
		} else if (via) {	/* the hop's own ProxyJump wins */
			ssh_target_free(via);
			free(via);
		}
		via = hop;
	}
	t->jump = via;
	ssh_jumps_free(hops, n);
	return ret;
}

static int resolve(const struct target_hint *hint, const struct target_opts *o, int depth,
		   struct ssh_target *t, struct strbuf *err)
{
	struct ssh_host_config c = { 0 };
	const char *user_env = getenv("USER");
	const char *config = o->ssh_config ? o->ssh_config : getenv("CSWARM_SSH_CONFIG");
	const char *alias = hint->address ? hint->address : hint->name;

	memset(t, 0, sizeof(*t));
	if (ssh_config_lookup(config, alias, user_env ? user_env : "root", &c, err) != 0)
		return -1;
	t->name = xstrdup(hint->name);
	t->address = xstrdup(c.hostname ? c.hostname : alias);
	t->port = hint->port ? hint->port : c.port ? c.port : 22;
	t->user = xstrdup(hint->user ? hint->user : c.user ? c.user : user_env ? user_env : "root");
	identities(hint, &c, t);
	known_hosts_files(&c, t);
	t->strict = strictness(&c, o);
	t->connect_timeout_ms = c.connect_timeout > 0 ? c.connect_timeout * 1000L : o->connect_timeout_ms;
	t->keepalive_s = c.server_alive_interval > 0 ? c.server_alive_interval : DEFAULT_KEEPALIVE_S;
	int ret = 0;
	if (c.proxy_jump && strcmp(c.proxy_jump, "none") != 0)
		ret = resolve_jumps(c.proxy_jump, o, depth, t, err);
	ssh_host_config_free(&c);
	return ret;
}

int ssh_target_resolve(const struct target_hint *hint, const struct target_opts *o,
		       struct ssh_target *t, struct strbuf *err)
{
	int r = resolve(hint, o, 0, t, err);
	if (r != 0)
		ssh_target_free(t);
	return r;
}
