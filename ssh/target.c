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
		t->nuser_known_hosts = t->nknown_hosts;
		return;
	}
	for (size_t i = 0; i < c->nknown_hosts_files; i++)
		push(&t->known_hosts, &t->nknown_hosts, c->known_hosts_files[i]);
	t->nuser_known_hosts = t->nknown_hosts;
	for (size_t i = 0; i < c->nglobal_known_hosts_files; i++)
		push(&t->known_hosts, &t->nknown_hosts, c->global_known_hosts_files[i]);
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
		   struct ssh_target *via, struct ssh_target *t, struct strbuf *err);

/* ProxyJump a,b,c as OpenSSH runs it: `ssh -W host:port c` with -J a,b,
 * so c's own ProxyJump/ProxyCommand are overridden, c is reached through b
 * the same way, and only a is resolved with its own configuration. Returns
 * the last hop, or NULL with err filled. */
static struct ssh_target *resolve_chain(const struct ssh_jump *hops, long n,
					const struct target_opts *o, int depth,
					struct strbuf *err)
{
	struct ssh_target *via = NULL;

	if (depth + n > MAX_JUMPS) {
		sb_addf(err, "ProxyJump chain too long (more than %d hops)", MAX_JUMPS);
		return NULL;
	}
	for (long i = 0; i < n; i++) {
		struct target_hint h = { hops[i].host, hops[i].host, hops[i].port, hops[i].user, NULL };
		struct ssh_target *hop = xcalloc(1, sizeof(*hop));
		/* hop owns via from here, also when resolving it fails. */
		if (resolve(&h, o, depth + (int)i + 1, via, hop, err) != 0) {
			ssh_target_free(hop);
			free(hop);
			return NULL;
		}
		via = hop;
	}
	return via;
}

static int is_numeric_host(const char *h)
{
	return strchr(h, ':') || strspn(h, "0123456789.") == strlen(h);
}

/* "proxyjump SPEC" as ssh -G prints it: the earlier hops as written, the
 * last one rebuilt from its parts. */
static char *jump_display(const char *spec, const struct ssh_jump *last)
{
	const char *comma = strrchr(spec, ',');
	struct strbuf sb = STRBUF_INIT;

	sb_adds(&sb, "proxyjump ");
	if (comma)
		sb_addf(&sb, "%.*s,", (int)(comma - spec), spec);
	if (last->user)
		sb_addf(&sb, "%s@", last->user);
	sb_addf(&sb, is_numeric_host(last->host) ? "[%s]" : "%s", last->host);
	if (last->port)
		sb_addf(&sb, ":%d", last->port);
	return sb_detach(&sb);
}

static int proxy_jump(const struct ssh_host_config *c, const struct target_opts *o, int depth,
		      struct ssh_target *t, struct strbuf *err)
{
	struct ssh_jump *hops = NULL;
	long n = ssh_proxy_jump_parse(c->proxy_jump, &hops, err);
	if (n <= 0)
		return (int)n;
	const struct ssh_jump *last = &hops[n - 1];
	int ret = -1;
	/* OpenSSH's "jumphost loop" check, on the last hop. */
	if (streq(last->host, c->hostname) && (last->port ? last->port : 22) == c->port &&
	    streq(last->user ? last->user : c->user, c->user))
		sb_addf(err, "ProxyJump loop via %s", last->host);
	else if ((t->jump = resolve_chain(hops, n, o, depth, err)))
		ret = 0;
	t->proxy_spec = jump_display(c->proxy_jump, last);
	ssh_jumps_free(hops, n);
	return ret;
}

/* How to reach the host: through the hops given (a later hop of a chain),
 * else the configuration's ProxyJump or ProxyCommand. */
static int proxy(const struct ssh_host_config *c, const struct target_opts *o, int depth,
		 struct ssh_target *via, struct ssh_target *t, struct strbuf *err)
{
	if (via)
		return 0;
	if (c->proxy_command) {
		t->proxy_command = xstrdup(c->proxy_command_expanded);
		t->proxy_spec = xasprintf("proxycommand %s", c->proxy_command);
		return 0;
	}
	return c->proxy_jump ? proxy_jump(c, o, depth, t, err) : 0;
}

static int resolve(const struct target_hint *hint, const struct target_opts *o, int depth,
		   struct ssh_target *via, struct ssh_target *t, struct strbuf *err)
{
	struct ssh_host_config c = { 0 };
	const char *alias = hint->address ? hint->address : hint->name;
	struct ssh_config_query q = {
		.path = o->ssh_config ? o->ssh_config : getenv("CSWARM_SSH_CONFIG"),
		.host = alias, .user = hint->user, .port = hint->port, .key_file = hint->key_file,
	};

	memset(t, 0, sizeof(*t));
	t->jump = via;
	if (ssh_config_lookup(&q, &c, err) != 0)
		return -1;
	t->name = xstrdup(hint->name);
	t->address = xstrdup(c.hostname);
	t->port = c.port;
	t->user = xstrdup(c.user);
	for (size_t i = 0; i < c.nidentity_files; i++)
		push(&t->identities, &t->nidentities, c.identity_files[i]);
	t->identities_only = c.identities_only;
	known_hosts_files(&c, t);
	t->strict = strictness(&c, o);
	t->connect_timeout_ms = o->connect_timeout_flag_ms > 0 ? o->connect_timeout_flag_ms
				: c.connect_timeout >= 0 ? c.connect_timeout * 1000L : o->connect_timeout_ms;
	t->keepalive_s = c.server_alive_interval >= 0 ? c.server_alive_interval : DEFAULT_KEEPALIVE_S;
	int ret = proxy(&c, o, depth, via, t, err);
	ssh_host_config_free(&c);
	return ret;
}

int ssh_target_resolve(const struct target_hint *hint, const struct target_opts *o,
		       struct ssh_target *t, struct strbuf *err)
{
	int r = resolve(hint, o, 0, NULL, t, err);
	if (r != 0)
		ssh_target_free(t);
	return r;
}
