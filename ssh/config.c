/* ~/.ssh/config for one host, after OpenSSH's readconf.c: lines apply while
 * the last Host/Match line matched, the first value obtained for a keyword
 * wins (IdentityFile accumulates), Include reads more files in place. Values
 * are checked even in blocks that do not apply, as OpenSSH does, so a typo
 * is reported whichever host is being looked up. */
#include "ssh/config.h"
#include "util/util.h"

#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_INCLUDE_DEPTH 16	/* as OpenSSH's READCONF_MAX_DEPTH */
#define MAX_FILES_READ 1024	/* "Include config config" doubles per level */
#define MAX_CONFIG_SIZE (4L << 20)
#define MAX_JUMP_HOPS 32

/* A value whose %-tokens can only be expanded once the whole file is read
 * (%h needs the final HostName), with its origin for error messages. */
struct pending {
	char *value;
	char *where;	/* "file:line" */
};

struct pending_list {
	struct pending *v;
	size_t n, cap;
	int set;	/* for first-wins lists */
};

struct lookup {
	const char *original_host, *local_user, *home;
	struct strbuf *err;
	struct ssh_host_config *out;
	int port_set, proxy_jump_set, shkc_set, timeout_set, alive_set, ionly_set;
	struct pending_list identity, known, global_known;
	/* The line being processed. */
	const char *file;
	int line;
	int active;
	int files_read;
};

static int cfg_error(struct lookup *lk, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int cfg_error(struct lookup *lk, const char *fmt, ...)
{
	va_list ap;
	sb_reset(lk->err);
	sb_addf(lk->err, "%s:%d: ", lk->file, lk->line);
	va_start(ap, fmt);
	char *msg;
	if (vasprintf(&msg, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	sb_adds(lk->err, msg);
	free(msg);
	return -1;
}

/* --- words ---------------------------------------------------------------- */

struct args {
	char **v;
	size_t n, cap;
};

static void args_free(struct args *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

/* Split like OpenSSH's argv_split(): blanks separate, "..." and '...' group,
 * backslash escapes a quote, blank or backslash, '#' starting a word ends
 * the line. NULL, or what is wrong. */
static const char *split_args(const char *s, struct args *a)
{
	struct strbuf w = STRBUF_INIT;

	for (;;) {
		s += strspn(s, " \t");
		if (!*s || *s == '#')
			break;
		char quote = 0;
		sb_reset(&w);
		sb_adds(&w, "");
		for (; *s && (quote || (*s != ' ' && *s != '\t')); s++) {
			if (*s == '\\' && strchr("\"' \t\\", s[1]) && s[1])
				sb_addc(&w, *++s);
			else if (quote && *s == quote)
				quote = 0;
			else if (!quote && (*s == '"' || *s == '\''))
				quote = *s;
			else
				sb_addc(&w, *s);
		}
		if (quote) {
			sb_free(&w);
			return "unterminated quote";
		}
		GROW(a->v, a->cap, a->n + 1);
		a->v[a->n++] = xstrdup(sb_str(&w));
	}
	sb_free(&w);
	return NULL;
}

/* --- patterns ------------------------------------------------------------- */

/* OpenSSH wildcards: '*' any run, '?' one character; case-insensitive as
 * host names are. Iterative, backtracking only to the last '*', so hostile
 * patterns cost O(len(s) * len(pat)) at worst. */
static int wildmatch(const char *s, const char *pat)
{
	const char *star = NULL, *resume = NULL;

	while (*s) {
		if (*pat == '*') {
			star = pat++;
			resume = s;
		} else if (*pat == '?' || (*pat && tolower((unsigned char)*pat) == tolower((unsigned char)*s))) {
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

/* One pattern of a list: 1 matched, -1 matched a negated pattern, 0 not. */
static int match_one(const char *s, const char *pat)
{
	if (*pat == '!')
		return wildmatch(s, pat + 1) ? -1 : 0;
	return wildmatch(s, pat);
}

/* "Host a b !c": some positive pattern matches and no negated one does. */
static int match_patterns(const char *s, char **pats, size_t n)
{
	int matched = 0;
	for (size_t i = 0; i < n; i++) {
		int r = match_one(s, pats[i]);
		if (r < 0)
			return 0;
		matched |= r;
	}
	return matched;
}

/* "a,b,!c" as in Match criteria. */
static int match_list(const char *s, const char *list)
{
	char *copy = xstrdup(list), *save = NULL;
	int matched = 0;
	for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		int r = match_one(s, p);
		if (r < 0) {
			matched = 0;
			break;
		}
		matched |= r;
	}
	free(copy);
	return matched;
}

/* --- tokens --------------------------------------------------------------- */

static char *local_hostname(void)
{
	char buf[256];
	if (gethostname(buf, sizeof(buf) - 1))
		return xstrdup("localhost");
	buf[sizeof(buf) - 1] = '\0';
	return xstrdup(buf);
}

/* Expand %-tokens in s from the letters in allowed; NULL with err filled
 * (where = "file:line") on an unknown token. */
static char *expand_tokens(struct lookup *lk, const char *s, const char *allowed, const char *where)
{
	struct strbuf out = STRBUF_INIT;
	struct ssh_host_config *c = lk->out;
	const char *value = s;

	sb_adds(&out, "");
	for (; *s; s++) {
		if (*s != '%') {
			sb_addc(&out, *s);
			continue;
		}
		char t = *++s;
		if (!t || (t != '%' && !strchr(allowed, t))) {
			sb_reset(lk->err);
			sb_addf(lk->err, "%s: unknown token %%%c in \"%s\"", where, t ? t : ' ', value);
			sb_free(&out);
			return NULL;
		}
		char *host;
		switch (t) {
		case '%': sb_addc(&out, '%'); break;
		case 'h': sb_adds(&out, c->hostname ? c->hostname : lk->original_host); break;
		case 'n': sb_adds(&out, lk->original_host); break;
		case 'd': sb_adds(&out, lk->home); break;
		case 'u': sb_adds(&out, lk->local_user); break;
		case 'r': sb_adds(&out, c->user ? c->user : lk->local_user); break;
		case 'p': sb_addf(&out, "%d", c->port ? c->port : 22); break;
		case 'i': sb_addf(&out, "%ld", (long)getuid()); break;
		case 'l':
		case 'L':
			host = local_hostname();
			if (t == 'L')
				host[strcspn(host, ".")] = '\0';
			sb_adds(&out, host);
			free(host);
			break;
		}
	}
	return sb_detach(&out);
}

/* "~/x" -> "$HOME/x"; "~user/x" needs the password database, which a
 * static binary cannot use, so it is refused. */
static char *expand_tilde(struct lookup *lk, const char *path, const char *where)
{
	if (path[0] != '~')
		return xstrdup(path);
	if (path[1] && path[1] != '/') {
		sb_reset(lk->err);
		sb_addf(lk->err, "%s: \"%s\": ~user is not supported, write the full path", where, path);
		return NULL;
	}
	return xasprintf("%s%s", lk->home, path + 1);
}

static char *expand_path(struct lookup *lk, const char *path, const char *where)
{
	char *tilde = expand_tilde(lk, path, where);
	if (!tilde)
		return NULL;
	char *full = expand_tokens(lk, tilde, "dhilLnpru", where);
	free(tilde);
	return full;
}

/* --- keywords ------------------------------------------------------------- */

static void pending_add(struct lookup *lk, struct pending_list *l, const char *value)
{
	GROW(l->v, l->cap, l->n + 1);
	l->v[l->n].value = xstrdup(value);
	l->v[l->n].where = xasprintf("%s:%d", lk->file, lk->line);
	l->n++;
}

static void pending_free(struct pending_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].value);
		free(l->v[i].where);
	}
	free(l->v);
}

/* Expand a pending list into an output array. */
static int pending_expand(struct lookup *lk, struct pending_list *l, char ***out, size_t *n)
{
	*out = xcalloc(l->n, sizeof(char *));
	for (size_t i = 0; i < l->n; i++) {
		char *p = expand_path(lk, l->v[i].value, l->v[i].where);
		if (!p)
			return -1;
		(*out)[(*n)++] = p;
	}
	return 0;
}

static int parse_seconds(struct lookup *lk, const char *key, const char *arg, int *out)
{
	long long ms = parse_duration_ms(arg);
	if (ms < 0 || ms / 1000 > 86400L * 365)
		return cfg_error(lk, "bad %s \"%s\" (expected seconds, e.g. 10 or 1m)", key, arg);
	*out = (int)((ms + 999) / 1000);
	return 0;
}

static int parse_yes_no(struct lookup *lk, const char *key, const char *arg, int *out)
{
	if (!strcasecmp(arg, "yes") || !strcasecmp(arg, "true"))
		*out = 1;
	else if (!strcasecmp(arg, "no") || !strcasecmp(arg, "false"))
		*out = 0;
	else
		return cfg_error(lk, "bad %s \"%s\" (expected yes or no)", key, arg);
	return 0;
}

static int parse_shkc(struct lookup *lk, const char *arg, int *out)
{
	static const struct { const char *name; int value; } names[] = {
		{ "yes", SSH_SHKC_YES }, { "true", SSH_SHKC_YES },
		{ "no", SSH_SHKC_NO }, { "false", SSH_SHKC_NO }, { "off", SSH_SHKC_NO },
		{ "ask", SSH_SHKC_ASK }, { "accept-new", SSH_SHKC_ACCEPT_NEW },
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcasecmp(arg, names[i].name)) {
			*out = names[i].value;
			return 0;
		}
	return cfg_error(lk, "bad StrictHostKeyChecking \"%s\" (expected yes, no, ask or accept-new)", arg);
}

static int parse_port(struct lookup *lk, const char *arg, int *out)
{
	char *end;
	errno = 0;
	long p = strtol(arg, &end, 10);
	if (errno || end == arg || *end || p < 1 || p > 65535 || !isdigit((unsigned char)arg[0]))
		return cfg_error(lk, "bad Port \"%s\" (expected 1-65535)", arg);
	*out = (int)p;
	return 0;
}

/* First value wins: store only in a block that applies, and only once. */
static void set_string(struct lookup *lk, char **field, const char *value)
{
	if (lk->active && !*field)
		*field = xstrdup(value);
}

static void set_int(struct lookup *lk, int *set, int *field, int value)
{
	if (lk->active && !*set) {
		*set = 1;
		*field = value;
	}
}

static int kw_hostname(struct lookup *lk, struct args *a)
{
	char *where = xasprintf("%s:%d", lk->file, lk->line);
	char *h = expand_tokens(lk, a->v[1], "h", where);
	free(where);
	if (!h)
		return -1;
	set_string(lk, &lk->out->hostname, h);
	free(h);
	return 0;
}

static int kw_user(struct lookup *lk, struct args *a)
{
	set_string(lk, &lk->out->user, a->v[1]);
	return 0;
}

static int kw_port(struct lookup *lk, struct args *a)
{
	int v = 0;
	if (parse_port(lk, a->v[1], &v))
		return -1;
	set_int(lk, &lk->port_set, &lk->out->port, v);
	return 0;
}

static int kw_identity_file(struct lookup *lk, struct args *a)
{
	if (lk->active)
		pending_add(lk, &lk->identity, a->v[1]);
	return 0;
}

static int kw_proxy_jump(struct lookup *lk, struct args *a)
{
	struct ssh_jump *hops;
	long n = ssh_proxy_jump_parse(a->v[1], &hops, lk->err);
	if (n < 0) {
		char *msg = sb_detach(lk->err);
		cfg_error(lk, "%s", msg);
		free(msg);
		return -1;
	}
	ssh_jumps_free(hops, n);
	/* "none" counts as the first value: it wins over later ones. */
	if (lk->active && !lk->proxy_jump_set++ && n > 0)
		lk->out->proxy_jump = xstrdup(a->v[1]);
	return 0;
}

static int kw_strict_host_key_checking(struct lookup *lk, struct args *a)
{
	int v = 0;
	if (parse_shkc(lk, a->v[1], &v))
		return -1;
	set_int(lk, &lk->shkc_set, &lk->out->strict_host_key_checking, v);
	return 0;
}

static int kw_connect_timeout(struct lookup *lk, struct args *a)
{
	int v = 0;
	if (strcasecmp(a->v[1], "none") && parse_seconds(lk, a->v[0], a->v[1], &v))
		return -1;
	set_int(lk, &lk->timeout_set, &lk->out->connect_timeout, v);
	return 0;
}

static int kw_server_alive_interval(struct lookup *lk, struct args *a)
{
	int v = 0;
	if (parse_seconds(lk, a->v[0], a->v[1], &v))
		return -1;
	set_int(lk, &lk->alive_set, &lk->out->server_alive_interval, v);
	return 0;
}

static int kw_identities_only(struct lookup *lk, struct args *a)
{
	int v = 0;
	if (parse_yes_no(lk, a->v[0], a->v[1], &v))
		return -1;
	set_int(lk, &lk->ionly_set, &lk->out->identities_only, v);
	return 0;
}

/* UserKnownHostsFile / GlobalKnownHostsFile: several files on one line;
 * the first line that applies sets the whole list. */
static void set_list(struct lookup *lk, struct pending_list *l, struct args *a)
{
	if (lk->active && !l->set++)
		for (size_t i = 1; i < a->n; i++)
			pending_add(lk, l, a->v[i]);
}

static int kw_user_known_hosts_file(struct lookup *lk, struct args *a)
{
	set_list(lk, &lk->known, a);
	return 0;
}

static int kw_global_known_hosts_file(struct lookup *lk, struct args *a)
{
	set_list(lk, &lk->global_known, a);
	return 0;
}

/* The keywords cswarm uses; all others are ignored. */
static const struct keyword {
	const char *name;
	int (*fn)(struct lookup *lk, struct args *a);
	int several;	/* takes several arguments */
} keywords[] = {
	{ "hostname", kw_hostname, 0 },
	{ "user", kw_user, 0 },
	{ "port", kw_port, 0 },
	{ "identityfile", kw_identity_file, 0 },
	{ "proxyjump", kw_proxy_jump, 0 },
	{ "stricthostkeychecking", kw_strict_host_key_checking, 0 },
	{ "connecttimeout", kw_connect_timeout, 0 },
	{ "serveraliveinterval", kw_server_alive_interval, 0 },
	{ "identitiesonly", kw_identities_only, 0 },
	{ "userknownhostsfile", kw_user_known_hosts_file, 1 },
	{ "globalknownhostsfile", kw_global_known_hosts_file, 1 },
};

static int keyword_setting(struct lookup *lk, struct args *a)
{
	for (size_t i = 0; i < ARRAY_SIZE(keywords); i++) {
		const struct keyword *k = &keywords[i];
		if (strcasecmp(a->v[0], k->name))
			continue;
		if (a->n < 2)
			return cfg_error(lk, "%s needs an argument", a->v[0]);
		if (a->n > 2 && !k->several)
			return cfg_error(lk, "%s takes one argument, got \"%s\" after it",
					 a->v[0], a->v[2]);
		return k->fn(lk, a);
	}
	return 0;
}

static atomic_int warned_match, warned_proxy_command;

static void warn_once(atomic_int *flag, const char *fmt, const char *file, int line,
		      const char *what)
{
	if (!atomic_exchange(flag, 1))
		warning(fmt, file, line, what);
}

/* One Match criterion at a->v[*i]; 1 true, 0 false, -1 error, -2 not
 * supported here. */
static int match_criterion(struct lookup *lk, struct args *a, size_t *i)
{
	const char *crit = a->v[*i];
	int negate = crit[0] == '!';
	crit += negate;

	if (!strcasecmp(crit, "all"))
		return !negate;
	const char *subject;
	struct ssh_host_config *c = lk->out;
	if (!strcasecmp(crit, "host"))
		subject = c->hostname ? c->hostname : lk->original_host;
	else if (!strcasecmp(crit, "originalhost"))
		subject = lk->original_host;
	else if (!strcasecmp(crit, "user"))
		subject = c->user ? c->user : lk->local_user;
	else if (!strcasecmp(crit, "localuser"))
		subject = lk->local_user;
	else
		return -2;
	if (++*i >= a->n)
		return cfg_error(lk, "Match %s needs an argument", crit);
	return match_list(subject, a->v[*i]) != negate;
}

static int keyword_match(struct lookup *lk, struct args *a, int never_match)
{
	int all = 1;
	if (a->n < 2)
		return cfg_error(lk, "Match needs criteria (e.g. Match host NAME)");
	for (size_t i = 1; i < a->n; i++) {
		int r = match_criterion(lk, a, &i);
		if (r == -1)
			return -1;
		if (r == -2) {
			warn_once(&warned_match, "%s:%d: Match %s is not supported; cswarm skips such blocks",
				  lk->file, lk->line, a->v[i]);
			all = 0;
			break;
		}
		all &= r;
	}
	lk->active = all && !never_match;
	return 0;
}

static int read_config(struct lookup *lk, const char *path, int depth, int never_match);

/* Include: relative paths are under ~/.ssh, globs allowed; the included
 * lines see, and may not change, the including block's state. */
static int keyword_include(struct lookup *lk, struct args *a, int depth)
{
	const char *file = lk->file;
	int line = lk->line, active = lk->active, ret = 0;

	for (size_t i = 1; i < a->n && !ret; i++) {
		char *where = xasprintf("%s:%d", file, line);
		char *path = expand_tilde(lk, a->v[i], where);
		free(where);
		if (!path)
			return -1;
		if (path[0] != '/') {
			char *abs = xasprintf("%s/.ssh/%s", lk->home, path);
			free(path);
			path = abs;
		}
		glob_t g;
		if (glob(path, 0, NULL, &g) == 0) {
			for (size_t k = 0; k < g.gl_pathc && !ret; k++) {
				struct stat st;
				/* Directories matched by a glob, or a FIFO that would
				 * block, are not config files. */
				if (stat(g.gl_pathv[k], &st) || !S_ISREG(st.st_mode))
					continue;
				ret = read_config(lk, g.gl_pathv[k], depth + 1, !active);
				lk->active = active;
			}
			globfree(&g);
		}
		free(path);
		lk->file = file;
		lk->line = line;
	}
	return ret;
}

static int keyword_host(struct lookup *lk, struct args *a, int never_match)
{
	if (a->n < 2)
		return cfg_error(lk, "Host needs at least one pattern");
	lk->active = !never_match && match_patterns(lk->original_host, a->v + 1, a->n - 1);
	return 0;
}

static int dispatch(struct lookup *lk, struct args *a, int depth, int never_match)
{
	const char *key = a->v[0];

	if (!strcasecmp(key, "host"))
		return keyword_host(lk, a, never_match);
	if (!strcasecmp(key, "match"))
		return keyword_match(lk, a, never_match);
	if (!strcasecmp(key, "include"))
		return a->n < 2 ? cfg_error(lk, "Include needs a file") : keyword_include(lk, a, depth);
	if (!strcasecmp(key, "proxycommand")) {
		if (lk->active)
			warn_once(&warned_proxy_command, "%s:%d: %s is not supported (use ProxyJump); ignored",
				  lk->file, lk->line, "ProxyCommand");
		return 0;
	}
	return keyword_setting(lk, a);
}

/* "Keyword args" or "Keyword=args". */
static int process_line(struct lookup *lk, char *text, int depth, int never_match)
{
	struct args a = { 0 };
	size_t klen = strcspn(text, " \t=");
	char *rest = text + klen;
	const char *why;
	int ret;

	rest += strspn(rest, " \t");
	if (*rest == '=')
		rest++;
	text[klen] = '\0';
	GROW(a.v, a.cap, 1);
	a.v[a.n++] = xstrdup(text);
	if ((why = split_args(rest, &a)))
		ret = cfg_error(lk, "%s: %s", text, why);
	else
		ret = dispatch(lk, &a, depth, never_match);
	args_free(&a);
	return ret;
}

static int read_whole(struct lookup *lk, const char *path, struct strbuf *data)
{
	FILE *f = fopen(path, "rb");
	char buf[8192];
	size_t n;

	if (!f)
		return 1;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0 && data->len < MAX_CONFIG_SIZE)
		sb_add(data, buf, n);
	fclose(f);
	if (data->len >= MAX_CONFIG_SIZE) {
		sb_reset(lk->err);
		sb_addf(lk->err, "%s: larger than %ld MiB", path, MAX_CONFIG_SIZE >> 20);
		return -1;
	}
	return 0;
}

/* Read one file; 0 also when it does not exist (as for Include globs). */
static int read_config(struct lookup *lk, const char *path, int depth, int never_match)
{
	struct strbuf data = STRBUF_INIT, line = STRBUF_INIT;
	int ret;

	if (depth > MAX_INCLUDE_DEPTH)
		return cfg_error(lk, "Include nested more than %d deep", MAX_INCLUDE_DEPTH);
	if (++lk->files_read > MAX_FILES_READ)
		return cfg_error(lk, "Include reads more than %d files", MAX_FILES_READ);
	ret = read_whole(lk, path, &data);
	if (ret) {
		sb_free(&data);
		return ret < 0 ? -1 : 0;
	}
	lk->file = path;
	lk->line = 0;
	for (const char *p = data.buf, *end = data.buf + data.len; p < end && !ret;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl ? nl : end;
		lk->line++;
		sb_reset(&line);
		sb_add(&line, p, (size_t)(stop - p));
		sb_rtrim(&line);
		char *text = line.buf + strspn(line.buf, " \t");
		if (memchr(p, '\0', (size_t)(stop - p)))
			ret = cfg_error(lk, "NUL byte in line");
		else if (*text && *text != '#')
			ret = process_line(lk, text, depth, never_match);
		p = stop + 1;
	}
	sb_free(&line);
	sb_free(&data);
	return ret;
}

static int finish(struct lookup *lk)
{
	struct ssh_host_config *c = lk->out;
	if (pending_expand(lk, &lk->identity, &c->identity_files, &c->nidentity_files) ||
	    pending_expand(lk, &lk->known, &c->known_hosts_files, &c->nknown_hosts_files) ||
	    pending_expand(lk, &lk->global_known, &c->global_known_hosts_files,
			   &c->nglobal_known_hosts_files))
		return -1;
	return 0;
}

int ssh_config_lookup(const char *path, const char *original_host, const char *local_user,
		      struct ssh_host_config *out, struct strbuf *err)
{
	struct lookup lk = { 0 };
	char *default_path = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	lk.original_host = original_host;
	lk.local_user = local_user ? local_user : "";
	lk.home = getenv("HOME") ? getenv("HOME") : "";
	lk.err = err;
	lk.out = out;
	lk.active = 1;	/* lines before the first Host apply to every host */
	if (!path) {
		default_path = xasprintf("%s/.ssh/config", lk.home);
		ret = read_config(&lk, default_path, 0, 0);
	} else if (access(path, F_OK)) {
		sb_reset(err);
		sb_addf(err, "%s: cannot read ssh config: %s", path, strerror(errno));
		ret = -1;
	} else {
		ret = read_config(&lk, path, 0, 0);
	}
	if (!ret)
		ret = finish(&lk);
	pending_free(&lk.identity);
	pending_free(&lk.known);
	pending_free(&lk.global_known);
	free(default_path);
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
	free_list(c->known_hosts_files, c->nknown_hosts_files);
	free_list(c->global_known_hosts_files, c->nglobal_known_hosts_files);
	memset(c, 0, sizeof(*c));
}

/* --- ProxyJump ------------------------------------------------------------ */

static const char *parse_hop(char *s, struct ssh_jump *hop)
{
	char *at, *port = NULL;

	if (starts_with(s, "ssh://"))
		s += 6;
	if ((at = strrchr(s, '@'))) {
		*at = '\0';
		if (!*s)
			return "empty user";
		hop->user = xstrdup(s);
		s = at + 1;
	}
	if (*s == '[') {
		char *close = strchr(s, ']');
		if (!close || (close[1] && close[1] != ':'))
			return "bad [address]:port";
		*close = '\0';
		s++;
		port = close[1] ? close + 2 : NULL;
	} else if ((port = strchr(s, ':'))) {
		if (strchr(port + 1, ':'))
			return "IPv6 addresses need brackets: [addr]:port";
		*port++ = '\0';
	}
	if (!*s || strpbrk(s, " \t/"))
		return "bad host";
	hop->host = xstrdup(s);
	if (port) {
		char *end;
		long p = strtol(port, &end, 10);
		if (!isdigit((unsigned char)*port) || *end || p < 1 || p > 65535)
			return "bad port";
		hop->port = (int)p;
	}
	return NULL;
}

long ssh_proxy_jump_parse(const char *spec, struct ssh_jump **hops, struct strbuf *err)
{
	char *copy = xstrdup(spec), *save = NULL;
	long n = 0;
	const char *why = NULL;

	*hops = NULL;
	if (!strcasecmp(spec, "none")) {
		free(copy);
		return 0;
	}
	*hops = xcalloc(MAX_JUMP_HOPS, sizeof(**hops));
	if (!*spec || spec[strlen(spec) - 1] == ',' || spec[0] == ',' || strstr(spec, ",,"))
		why = "empty hop";
	for (char *p = strtok_r(copy, ",", &save); p && !why; p = strtok_r(NULL, ",", &save)) {
		if (n == MAX_JUMP_HOPS)
			why = "too many hops";
		else
			why = parse_hop(p, &(*hops)[n++]);
	}
	free(copy);
	if (why) {
		ssh_jumps_free(*hops, n);
		*hops = NULL;
		sb_reset(err);
		sb_addf(err, "bad ProxyJump \"%s\": %s", spec, why);
		return -1;
	}
	return n;
}

void ssh_jumps_free(struct ssh_jump *hops, long n)
{
	for (long i = 0; i < n; i++) {
		free(hops[i].user);
		free(hops[i].host);
	}
	free(hops);
}
