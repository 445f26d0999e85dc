/* ~/.ssh/config: which blocks apply (Host, Match), %-token and ~
 * expansion, and the passes over the file, as OpenSSH 9.2's ssh.c and
 * readconf.c do them for `ssh -l USER -p PORT HOST`. */
#include "ssh/config_int.h"
#include "util/util.h"

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <openssl/evp.h>
#include <pwd.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* --- patterns ------------------------------------------------------------- */

/* OpenSSH's match_pattern(): '*' any run, '?' one character, case
 * sensitive. Iterative, backtracking only to the last '*', so hostile
 * patterns cost O(len(s) * len(pat)) at worst. */
static int wildmatch(const char *s, const char *pat)
{
	const char *star = NULL, *resume = NULL;

	while (*s) {
		if (*pat == '*') {
			star = pat++;
			resume = s;
		} else if (*pat && (*pat == '?' || *pat == *s)) {
			pat++;
			s++;
		} else if (star) {
			pat = star + 1;
			s = ++resume;
		} else {
			return 0;
		}
	}
	while (*pat == '*')
		pat++;
	return !*pat;
}

int match_pattern_list(const char *s, const char *list, int dolower)
{
	char *copy = xstrdup(list), *save = NULL;
	int matched = 0;
	if (dolower)
		for (char *p = copy; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		int negated = *p == '!';
		if (wildmatch(s, p + negated)) {
			if (negated) {
				matched = -1;
				break;
			}
			matched = 1;
		}
	}
	free(copy);
	return matched;
}

/* Host and domain names compare case-insensitively in Match host and
 * originalhost (OpenSSH's match_hostname()). */
static int match_hostname(const char *host, const char *list)
{
	char *lower = xstrdup(host);
	for (char *p = lower; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	int r = match_pattern_list(lower, list, 1);
	free(lower);
	return r;
}

/* "Host a b !c": some pattern matches and no negated one does; patterns
 * are case-sensitive and compared with the alias as given (the final host
 * name in the second pass). */
int keyword_host(struct lookup *lk, struct args *a, int never_match)
{
	int matched = 0;
	for (size_t i = 1; i < a->n; i++) {
		const char *pat = a->v[i];
		if (!*pat)
			return cfg_error(lk, "Host: empty pattern");
		int negated = *pat == '!';
		if (wildmatch(lk->host, pat + negated)) {
			if (negated) {
				matched = 0;
				break;
			}
			matched = 1;
		}
	}
	lk->active = matched && !never_match;
	return 0;
}

/* --- tokens --------------------------------------------------------------- */

static char *local_hostname(int shorten)
{
	char buf[256];
	if (gethostname(buf, sizeof(buf) - 1))
		strcpy(buf, "localhost");
	buf[sizeof(buf) - 1] = '\0';
	if (shorten)
		buf[strcspn(buf, ".")] = '\0';
	return xstrdup(buf);
}

/* %C: sha1 of local host name, host, port and user, as OpenSSH. */
static char *connection_hash(const char *host, const char *port, const char *user)
{
	char *l = local_hostname(0);
	char *text = xasprintf("%s%s%s%s", l, host, port, user);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	struct strbuf hex = STRBUF_INIT;

	if (!EVP_Digest(text, strlen(text), md, &mdlen, EVP_sha1(), NULL))
		die("sha1 for %%C failed");	/* as OpenSSH, which stops there too */
	sb_adds(&hex, "");
	for (unsigned i = 0; i < mdlen; i++)
		sb_addf(&hex, "%02x", md[i]);
	free(l);
	free(text);
	return sb_detach(&hex);
}

/* The value of token t, from the letters allowed; NULL if not allowed. */
static char *token_value(struct lookup *lk, char t, const char *allowed)
{
	const char *host = lk->hostname ? lk->hostname : lk->q->host;
	const char *user = lk->user ? lk->user : lk->local_user;
	char port[16];

	snprintf(port, sizeof(port), "%d", lk->port ? lk->port : 22);
	if (t == '%')
		return xstrdup("%");
	if (!strchr(allowed, t))
		return NULL;
	switch (t) {
	case 'h': return xstrdup(host);
	case 'n': case 'k': return xstrdup(lk->q->host);
	case 'd': return xstrdup(lk->home);
	case 'u': return xstrdup(lk->local_user);
	case 'r': return xstrdup(user);
	case 'p': return xstrdup(port);
	case 'i': return xasprintf("%ld", (long)getuid());
	case 'l': return local_hostname(0);
	case 'L': return local_hostname(1);
	case 'C': return connection_hash(host, port, user);
	}
	return NULL;
}

/* "${NAME}" at s (after the '$'): its value appended; the length used, or
 * -1 with err filled. */
static long expand_env(struct lookup *lk, const char *s, const char *where, struct strbuf *out)
{
	const char *close = strchr(s, '}');
	if (!close || close == s + 1) {
		sb_reset(lk->err);
		sb_addf(lk->err, "%s: bad ${...} in \"%s\"", where, s - 1);
		return -1;
	}
	char *name = xstrndup(s + 1, (size_t)(close - s - 1));
	const char *value = getenv(name);
	if (!value) {
		sb_reset(lk->err);
		sb_addf(lk->err, "%s: environment variable %s is not set", where, name);
	} else {
		sb_adds(out, value);
	}
	free(name);
	return value ? close - s : -1;
}

/* Expand %-tokens from the letters in allowed (and ${VAR} when dollar);
 * NULL with err filled (where = "file:line") on an unknown token. */
static char *expand_tokens(struct lookup *lk, const char *s, const char *allowed, int dollar,
			   const char *where)
{
	struct strbuf out = STRBUF_INIT;
	const char *value = s;

	sb_adds(&out, "");
	for (; *s; s++) {
		if (dollar && s[0] == '$' && s[1] == '{') {
			long used = expand_env(lk, s + 1, where, &out);
			if (used < 0)
				goto fail;
			s += used + 1;
			continue;
		}
		if (*s != '%') {
			sb_addc(&out, *s);
			continue;
		}
		char *v = s[1] ? token_value(lk, *++s, allowed) : NULL;
		if (!v) {
			sb_reset(lk->err);
			sb_addf(lk->err, "%s: unknown token %%%c in \"%s\"", where, *s && *s != '%' ? *s : ' ',
				value);
			goto fail;
		}
		sb_adds(&out, v);
		free(v);
	}
	return sb_detach(&out);
fail:
	sb_free(&out);
	return NULL;
}

char *expand_tilde(struct lookup *lk, const char *path, const char *where)
{
	if (path[0] != '~')
		return xstrdup(path);
	const char *rest = path + 1 + strcspn(path + 1, "/");
	const char *home = lk->home;
	if (rest != path + 1) {
		char *name = xstrndup(path + 1, (size_t)(rest - path - 1));
		struct passwd *pw = getpwnam(name);
		free(name);
		if (!pw) {
			sb_reset(lk->err);
			sb_addf(lk->err, "%s: \"%s\": no such user", where, path);
			return NULL;
		}
		home = pw->pw_dir;
	}
	rest += strspn(rest, "/");
	size_t len = strlen(home);
	return xasprintf("%s%s%s", home, len && home[len - 1] == '/' ? "" : "/", rest);
}

/* IdentityFile, UserKnownHostsFile: ~, then tokens and ${VAR}. */
static char *expand_path(struct lookup *lk, const char *path, const char *where)
{
	char *tilde = expand_tilde(lk, path, where);
	if (!tilde)
		return NULL;
	char *full = expand_tokens(lk, tilde, "CdhikLlnpru", 1, where);
	free(tilde);
	return full;
}

/* --- Match ---------------------------------------------------------------- */

/* Match exec: the command through /bin/sh, true when it exits 0. */
static int run_exec(struct lookup *lk, const char *cmd)
{
	char *where = xasprintf("%s:%d", lk->file, lk->line);
	char *full = expand_tokens(lk, cmd, "CdhikLlnpru", 0, where);
	free(where);
	if (!full)
		return -1;
	char *argv[] = { "sh", "-c", full, NULL };
	pid_t pid;
	int status = 0, r = posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ);
	if (r == 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	free(full);
	if (r)
		return cfg_error(lk, "Match exec: cannot run /bin/sh: %s", strerror(r));
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* The host a Match host sees: HostName with %h, else the alias. */
static char *match_host(struct lookup *lk)
{
	struct strbuf h = STRBUF_INIT;
	const char *s = lk->hostname;
	if (!s || lk->final_pass)
		return xstrdup(s ? s : lk->q->host);
	sb_adds(&h, "");
	for (; *s; s++) {
		if (s[0] == '%' && s[1] == 'h')
			sb_adds(&h, lk->q->host), s++;
		else if (s[0] == '%' && s[1] == '%')
			sb_addc(&h, '%'), s++;
		else
			sb_addc(&h, *s);
	}
	return sb_detach(&h);
}

/* One criterion taking an argument: 1 matched, 0 not, -1 error. */
static int match_with_arg(struct lookup *lk, const char *crit, const char *arg, int skip_exec)
{
	if (!strcasecmp(crit, "host")) {
		char *h = match_host(lk);
		int r = match_hostname(h, arg) == 1;
		free(h);
		return r;
	}
	if (!strcasecmp(crit, "originalhost"))
		return match_hostname(lk->q->host, arg) == 1;
	if (!strcasecmp(crit, "user"))
		return match_pattern_list(lk->user ? lk->user : lk->local_user, arg, 0) == 1;
	if (!strcasecmp(crit, "localuser"))
		return match_pattern_list(lk->local_user, arg, 0) == 1;
	if (!strcasecmp(crit, "exec"))
		return skip_exec ? 0 : run_exec(lk, arg);
	return cfg_error(lk, "Match: unsupported criterion \"%s\"", crit);
}

/* Match criteria are and-ed; "all" stands alone; "final" asks for the
 * second pass, where it and "canonical" are true. */
int keyword_match(struct lookup *lk, struct args *a, int never_match)
{
	int result = 1, attributes = 0;

	for (size_t i = 1; i < a->n; i++) {
		const char *crit = a->v[i];
		int negate = crit[0] == '!', r;
		crit += negate;
		if (!strcasecmp(crit, "all")) {
			if (attributes > 1 || i + 1 < a->n)
				return cfg_error(lk, "Match all cannot be combined with other criteria");
			result = result && !negate;
			attributes++;
			break;
		}
		attributes++;
		if (!strcasecmp(crit, "final") || !strcasecmp(crit, "canonical")) {
			if (!strcasecmp(crit, "final"))
				lk->want_final = 1;
			r = lk->final_pass;
		} else if (i + 1 >= a->n) {
			return cfg_error(lk, "Match %s needs an argument", crit);
		} else if ((r = match_with_arg(lk, crit, a->v[++i], !result || never_match)) < 0) {
			return -1;
		}
		if (r == negate)
			result = 0;
	}
	lk->active = result && !never_match;
	return 0;
}

/* --- the lookup ----------------------------------------------------------- */

static int pending_expand(struct lookup *lk, struct pending_list *l, char ***out, size_t *n)
{
	*out = xcalloc(l->n ? l->n : 1, sizeof(char *));
	*n = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (!strcasecmp(l->v[i].value, "none"))
			continue;
		char *v = expand_path(lk, l->v[i].value, l->v[i].where);
		if (!v)
			return -1;
		(*out)[(*n)++] = v;
	}
	return 0;
}

static void pending_free(struct pending_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].value);
		free(l->v[i].where);
	}
	free(l->v);
}

static void pending_default(struct pending_list *l, const char *const *values, size_t n)
{
	if (l->n)
		return;
	for (size_t i = 0; i < n; i++) {
		GROW(l->v, l->cap, l->n + 1);
		l->v[l->n].value = xstrdup(values[i]);
		l->v[l->n].where = xstrdup("default");
		l->n++;
	}
}

/* OpenSSH's is_addr() and resolve_addr(): an address is not lowercased
 * but written in its numeric form ("010.1.1.1" is 8.1.1.1, "2001:DB8:0::1"
 * is 2001:db8::1), which known_hosts lines are matched against. 1 if *h is
 * an address. */
static int canonical_address(char **h)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	char buf[NI_MAXHOST];
	int fast = strchr(*h, ':') || strchr(*h, '%') || strspn(*h, "0123456789.") == strlen(*h);

	if (getaddrinfo(*h, "22", &hints, &res) != 0)
		return fast;
	if (!res->ai_next && !getnameinfo(res->ai_addr, res->ai_addrlen, buf, sizeof(buf), NULL, 0,
					  NI_NUMERICHOST) && strcasecmp(buf, *h)) {
		free(*h);
		*h = xstrdup(buf);
	}
	freeaddrinfo(res);
	return 1;
}

/* Between the passes: HostName (%h = the alias) becomes the host,
 * lowercased unless it is an address. */
static void take_hostname(struct lookup *lk)
{
	char *h = match_host(lk);
	if (!canonical_address(&h))
		for (char *p = h; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	free(lk->hostname);
	lk->hostname = h;
}

static int read_pass(struct lookup *lk)
{
	lk->active = 1;	/* lines before the first Host apply to every host */
	lk->files_read = 0;
	if (lk->q->path)
		return read_config(lk, lk->q->path, 0, 0);
	char *path = xasprintf("%s/.ssh/config", lk->home);
	int r = read_config(lk, path, 0, 0);
	free(path);
	return r;
}

static int read_passes(struct lookup *lk)
{
	if (read_pass(lk))
		return -1;
	take_hostname(lk);
	lk->host = lk->hostname;
	if (lk->canonicalize <= 0 && !lk->want_final)
		return 0;
	lk->final_pass = 1;
	return read_pass(lk);
}

static int finish(struct lookup *lk, struct ssh_host_config *c)
{
	static const char *const ids[] = {
		"~/.ssh/id_rsa", "~/.ssh/id_ecdsa", "~/.ssh/id_ecdsa_sk", "~/.ssh/id_ed25519",
		"~/.ssh/id_ed25519_sk", "~/.ssh/id_xmss", "~/.ssh/id_dsa",
	};
	static const char *const known[] = { "~/.ssh/known_hosts", "~/.ssh/known_hosts2" };
	static const char *const global[] = { "/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2" };

	if (!lk->user)
		lk->user = xstrdup(lk->local_user);
	if (!lk->port)
		lk->port = 22;
	pending_default(&lk->identity, ids, ARRAY_SIZE(ids));
	pending_default(&lk->known, known, ARRAY_SIZE(known));
	pending_default(&lk->global_known, global, ARRAY_SIZE(global));
	if (pending_expand(lk, &lk->identity, &c->identity_files, &c->nidentity_files) ||
	    pending_expand(lk, &lk->known, &c->known_hosts_files, &c->nknown_hosts_files) ||
	    pending_expand(lk, &lk->global_known, &c->global_known_hosts_files,
			   &c->nglobal_known_hosts_files))
		return -1;
	if (lk->proxy_command && strcasecmp(lk->proxy_command, "none")) {
		char *cmd = expand_tokens(lk, lk->proxy_command, "hknpr", 0, lk->proxy_where);
		if (!cmd)
			return -1;
		/* As OpenSSH: the shell replaced by the command, no process between. */
		c->proxy_command_expanded = xasprintf("exec %s", cmd);
		free(cmd);
		c->proxy_command = xstrdup(lk->proxy_command);
	}
	if (lk->proxy_jump && strcasecmp(lk->proxy_jump, "none"))
		c->proxy_jump = xstrdup(lk->proxy_jump);
	c->hostname = xstrdup(lk->hostname);
	c->user = xstrdup(lk->user);
	c->port = lk->port;
	c->strict_host_key_checking = lk->shkc;
	c->connect_timeout = lk->timeout;
	c->server_alive_interval = lk->alive;
	c->identities_only = lk->ionly > 0;
	return 0;
}

static void lookup_free(struct lookup *lk)
{
	free(lk->hostname);
	free(lk->user);
	free(lk->proxy_jump);
	free(lk->proxy_command);
	free(lk->ignore_unknown);
	free(lk->proxy_where);
	pending_free(&lk->identity);
	pending_free(&lk->known);
	pending_free(&lk->global_known);
}

int ssh_config_lookup(const struct ssh_config_query *q, struct ssh_host_config *out,
		      struct strbuf *err)
{
	struct lookup lk = { .q = q, .err = err, .host = q->host, .port = q->port,
			     .canonicalize = -1, .timeout = -1, .alive = -1, .ionly = -1 };
	int ret;

	memset(out, 0, sizeof(*out));
	lk.local_user = q->local_user ? q->local_user : ssh_local_user();
	lk.home = q->home ? q->home : ssh_local_home();
	lk.user = q->user ? xstrdup(q->user) : NULL;
	if (q->key_file) {
		lk.file = "-i";
		GROW(lk.identity.v, lk.identity.cap, 1);
		lk.identity.v[lk.identity.n].value = xstrdup(q->key_file);
		lk.identity.v[lk.identity.n++].where = xstrdup("inventory key file");
	}
	if (q->path && access(q->path, F_OK)) {
		sb_reset(err);
		sb_addf(err, "%s: cannot read ssh config: %s", q->path, strerror(errno));
		ret = -1;
	} else {
		ret = read_passes(&lk);
	}
	if (!ret)
		ret = finish(&lk, out);
	lookup_free(&lk);
	if (ret)
		ssh_host_config_free(out);
	return ret;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void ssh_host_config_free(struct ssh_host_config *c)
{
	free(c->hostname);
	free(c->user);
	free_list(c->identity_files, c->nidentity_files);
	free(c->proxy_jump);
	free(c->proxy_command);
	free(c->proxy_command_expanded);
	free_list(c->known_hosts_files, c->nknown_hosts_files);
	free_list(c->global_known_hosts_files, c->nglobal_known_hosts_files);
	memset(c, 0, sizeof(*c));
	c->connect_timeout = c->server_alive_interval = -1;
}

/* --- the local account ---------------------------------------------------- */

/* Copied once: getpwuid()'s storage is reused by getpwnam(). The first
 * call is made by target resolution, before any thread starts. */
static const char *local_account(int home)
{
	static char *name, *dir;
	if (!name) {
		const struct passwd *pw = getpwuid(getuid());
		const char *user = getenv("USER"), *env_home = getenv("HOME");
		name = xstrdup(pw ? pw->pw_name : user && *user ? user : "root");
		dir = xstrdup(pw ? pw->pw_dir : env_home && *env_home ? env_home : "/");
	}
	return home ? dir : name;
}

const char *ssh_local_user(void)
{
	return local_account(0);
}

const char *ssh_local_home(void)
{
	return local_account(1);
}
