/* ~/.ssh/config lines and keywords, after OpenSSH 9.2's readconf.c: lines
 * apply while the last Host/Match line matched, the first value obtained
 * for a keyword wins (IdentityFile accumulates), Include reads more files
 * in place. Values of the keywords cswarm uses are checked even in blocks
 * that do not apply, and a keyword OpenSSH does not know is refused unless
 * IgnoreUnknown lists it, as OpenSSH does, so a typo is reported whichever
 * host is being looked up. */
#include "ssh/config_int.h"
#include "util/util.h"

#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <stdint.h>

#define MAX_INCLUDE_DEPTH 16	/* as OpenSSH's READCONF_MAX_DEPTH */
#define MAX_FILES_READ 1024	/* "Include config config" doubles per level */
#define MAX_CONFIG_SIZE (4L << 20)

int cfg_error(struct lookup *lk, const char *fmt, ...)
{
	va_list ap;
	sb_reset(lk->err);
	sb_addf(lk->err, "%s:%d: ", lk->file, lk->line);
	va_start(ap, fmt);
	sb_vaddf(lk->err, fmt, ap);
	va_end(ap);
	return -1;
}

/* --- words ---------------------------------------------------------------- */

void args_free(struct args *a)
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

/* --- values --------------------------------------------------------------- */

/* OpenSSH's convtime(): "90", "1m30s", "2h", "1w" (no fractions, no ms);
 * -1 if bad. */
static long convtime(const char *s)
{
	static const char units[] = "sSmMhHdDwW";
	static const long mult[] = { 1, 1, 60, 60, 3600, 3600, 86400, 86400, 604800, 604800 };
	long total = 0;

	if (!*s)
		return -1;
	while (*s) {
		char *end;
		errno = 0;
		long v = strtol(s, &end, 10);
		if (end == s || errno || v < 0)
			return -1;
		long m = 1;
		if (*end) {
			const char *u = strchr(units, *end);
			if (!u)
				return -1;
			m = mult[u - units];
			end++;
		}
		if (v > INT_MAX / m || total > INT_MAX - v * m)
			return -1;
		total += v * m;
		s = end;
	}
	return total;
}

static int parse_time(struct lookup *lk, const char *key, const char *arg, int *out)
{
	long v = convtime(arg);
	if (v < 0)
		return cfg_error(lk, "bad %s \"%s\" (expected seconds, e.g. 10 or 1m30s)", key, arg);
	*out = (int)v;
	return 0;
}

/* OpenSSH's multistate values: the index of arg among names, or -1. */
static int choice(const char *arg, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(arg, names[i]))
			return (int)i;
	return -1;
}

int ssh_parse_port(const char *s)
{
	char *end;
	errno = 0;
	long p = strtol(s, &end, 10);
	if (end != s && !*end)	/* strtonum(), as OpenSSH: "+22" is 22 */
		return !errno && p >= 0 && p <= 65535 ? (int)p : -1;
	/* Not a number: a service name, as OpenSSH's a2port(). */
	struct servent *se = getservbyname(s, "tcp");
	return se ? ntohs((uint16_t)se->s_port) : -1;
}

/* --- keywords ------------------------------------------------------------- */

static void pending_add(struct lookup *lk, struct pending_list *l, const char *value)
{
	GROW(l->v, l->cap, l->n + 1);
	l->v[l->n].value = xstrdup(value);
	l->v[l->n].where = xasprintf("%s:%d", lk->file, lk->line);
	l->n++;
}

/* First value wins: store only in a block that applies, and only once. */
static void set_string(struct lookup *lk, char **field, const char *value)
{
	if (lk->active && !*field)
		*field = xstrdup(value);
}

static void set_int(struct lookup *lk, int *field, int value)
{
	if (lk->active && *field < 0)
		*field = value;
}

static int kw_hostname(struct lookup *lk, struct args *a)
{
	/* Only %h and %% can be expanded in HostName. */
	for (const char *p = strchr(a->v[1], '%'); p; p = strchr(p + 2, '%'))
		if (p[1] != 'h' && p[1] != '%')
			return cfg_error(lk, "unknown token %%%c in \"%s\"", p[1] ? p[1] : ' ', a->v[1]);
	set_string(lk, &lk->hostname, a->v[1]);
	return 0;
}

static int kw_user(struct lookup *lk, struct args *a)
{
	set_string(lk, &lk->user, a->v[1]);
	return 0;
}

static int kw_port(struct lookup *lk, struct args *a)
{
	int v = ssh_parse_port(a->v[1]);
	if (v <= 0)
		return cfg_error(lk, "bad Port \"%s\" (expected 1-65535 or a service name)", a->v[1]);
	if (lk->active && !lk->port)
		lk->port = v;
	return 0;
}

/* Duplicates (the same text, as OpenSSH compares) are dropped. */
static int kw_identity_file(struct lookup *lk, struct args *a)
{
	if (!lk->active)
		return 0;
	for (size_t i = 0; i < lk->identity.n; i++)
		if (streq(lk->identity.v[i].value, a->v[1]))
			return 0;
	pending_add(lk, &lk->identity, a->v[1]);
	return 0;
}

/* OpenSSH 9.2 (Debian): a ProxyJump host sets ProxyCommand to "none", so
 * the first of the two wins; but "ProxyJump none" only stops later
 * ProxyJump lines, and ProxyCommand (even "none") stops later ProxyJumps. */
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
	if (!lk->active || lk->proxy_jump || lk->proxy_command)
		return 0;
	lk->proxy_jump = xstrdup(a->v[1]);
	if (n > 0)
		lk->proxy_command = xstrdup("none");
	return 0;
}

/* ProxyCommand takes the rest of the line as written (quotes and all): it
 * is for the shell. */
static int kw_proxy_command(struct lookup *lk, const char *rest)
{
	if (!strcmp(rest, "-"))
		return cfg_error(lk, "ProxyCommand - (stdin/stdout) is not supported");
	if (lk->active && !lk->proxy_command) {
		lk->proxy_command = xstrdup(rest);
		lk->proxy_where = xasprintf("%s:%d", lk->file, lk->line);
	}
	return 0;
}

static int kw_strict_host_key_checking(struct lookup *lk, struct args *a)
{
	static const char *const names[] = { "yes", "true", "no", "false", "off", "ask", "accept-new" };
	static const int values[] = { SSH_SHKC_YES, SSH_SHKC_YES, SSH_SHKC_NO, SSH_SHKC_NO,
				      SSH_SHKC_NO, SSH_SHKC_ASK, SSH_SHKC_ACCEPT_NEW };
	int i = choice(a->v[1], names, ARRAY_SIZE(names));
	if (i < 0)
		return cfg_error(lk, "bad StrictHostKeyChecking \"%s\" (expected yes, no, ask or accept-new)",
				 a->v[1]);
	if (lk->active && !lk->shkc)
		lk->shkc = values[i];
	return 0;
}

/* "none" sets nothing, as in OpenSSH: a later ConnectTimeout still applies. */
static int kw_connect_timeout(struct lookup *lk, struct args *a)
{
	int v = 0;
	if (!strcmp(a->v[1], "none"))
		return 0;
	if (parse_time(lk, a->v[0], a->v[1], &v))
		return -1;
	set_int(lk, &lk->timeout, v);
	return 0;
}

static int kw_server_alive_interval(struct lookup *lk, struct args *a)
{
	int v = 0;
	if (parse_time(lk, a->v[0], a->v[1], &v))
		return -1;
	set_int(lk, &lk->alive, v);
	return 0;
}

static int kw_flag(struct lookup *lk, struct args *a, int *field)
{
	static const char *const names[] = { "no", "false", "yes", "true" };
	int i = choice(a->v[1], names, ARRAY_SIZE(names));
	if (i < 0)
		return cfg_error(lk, "bad %s \"%s\" (expected yes or no)", a->v[0], a->v[1]);
	set_int(lk, field, i >= 2);
	return 0;
}

static int kw_identities_only(struct lookup *lk, struct args *a)
{
	return kw_flag(lk, a, &lk->ionly);
}

static int kw_canonicalize_hostname(struct lookup *lk, struct args *a)
{
	static const char *const names[] = { "no", "false", "yes", "true", "always" };
	static const int values[] = { 0, 0, 1, 1, 2 };
	int i = choice(a->v[1], names, ARRAY_SIZE(names));
	if (i < 0)
		return cfg_error(lk, "bad CanonicalizeHostname \"%s\" (expected yes, no or always)", a->v[1]);
	set_int(lk, &lk->canonicalize, values[i]);
	return 0;
}

/* UserKnownHostsFile / GlobalKnownHostsFile: several files on one line;
 * the first line that applies sets the whole list. */
static int set_list(struct lookup *lk, struct pending_list *l, struct args *a)
{
	for (size_t i = 1; i < a->n; i++)
		if (!strcasecmp(a->v[i], "none") && a->n > 2)
			return cfg_error(lk, "%s: \"none\" must appear alone", a->v[0]);
	if (lk->active && !l->n)
		for (size_t i = 1; i < a->n; i++)
			pending_add(lk, l, a->v[i]);
	return 0;
}

static int kw_user_known_hosts_file(struct lookup *lk, struct args *a)
{
	return set_list(lk, &lk->known, a);
}

static int kw_global_known_hosts_file(struct lookup *lk, struct args *a)
{
	return set_list(lk, &lk->global_known, a);
}

static int kw_ignore_unknown(struct lookup *lk, struct args *a)
{
	set_string(lk, &lk->ignore_unknown, a->v[1]);
	return 0;
}

/* The keywords cswarm uses. */
static const struct keyword {
	const char *name;
	int (*fn)(struct lookup *lk, struct args *a);
	int several;	/* takes several arguments */
} keywords[] = {
	{ "hostname", kw_hostname, 0 },
	{ "user", kw_user, 0 },
	{ "port", kw_port, 0 },
	{ "identityfile", kw_identity_file, 0 },
	{ "identityfile2", kw_identity_file, 0 },
	{ "proxyjump", kw_proxy_jump, 0 },
	{ "stricthostkeychecking", kw_strict_host_key_checking, 0 },
	{ "connecttimeout", kw_connect_timeout, 0 },
	{ "serveraliveinterval", kw_server_alive_interval, 0 },
	{ "identitiesonly", kw_identities_only, 0 },
	{ "canonicalizehostname", kw_canonicalize_hostname, 0 },
	{ "userknownhostsfile", kw_user_known_hosts_file, 1 },
	{ "globalknownhostsfile", kw_global_known_hosts_file, 1 },
	{ "ignoreunknown", kw_ignore_unknown, 0 },
};

/* The other keywords OpenSSH knows: accepted, not used. */
static const char *const ignored_keywords[] = {
	"protocol", "cipher", "fallbacktorsh", "globalknownhostsfile2", "rhostsauthentication",
	"userknownhostsfile2", "useroaming", "usersh", "useprivilegedport", "afstokenpassing",
	"kerberosauthentication", "kerberostgtpassing", "rsaauthentication",
	"rhostsrsaauthentication", "compressionlevel", "gssapiauthentication",
	"gssapidelegatecredentials", "gssapikeyexchange", "gssapitrustdns",
	"gssapiclientidentity", "gssapiserveridentity", "gssapirenewalforcesrekey",
	"gssapikexalgorithms", "pkcs11provider", "smartcarddevice", "forwardagent", "forwardx11",
	"forwardx11trusted", "forwardx11timeout", "exitonforwardfailure", "xauthlocation",
	"gatewayports", "passwordauthentication", "kbdinteractiveauthentication",
	"kbdinteractivedevices", "challengeresponseauthentication", "skeyauthentication",
	"tisauthentication", "pubkeyauthentication", "dsaauthentication",
	"hostbasedauthentication", "certificatefile", "addkeystoagent", "identityagent",
	"hostkeyalias", "ciphers", "macs", "remoteforward", "localforward", "permitremoteopen",
	"escapechar", "connectionattempts", "batchmode", "checkhostip", "compression",
	"tcpkeepalive", "keepalive", "numberofpasswordprompts", "syslogfacility", "loglevel",
	"logverbose", "dynamicforward", "preferredauthentications", "hostkeyalgorithms",
	"casignaturealgorithms", "bindaddress", "bindinterface", "clearallforwardings",
	"enablesshkeysign", "verifyhostkeydns", "nohostauthenticationforlocalhost", "rekeylimit",
	"addressfamily", "serveralivecountmax", "sendenv", "setenv", "controlpath",
	"controlmaster", "controlpersist", "hashknownhosts", "tunnel", "tunneldevice",
	"localcommand", "permitlocalcommand", "remotecommand", "visualhostkey", "kexalgorithms",
	"ipqos", "requesttty", "sessiontype", "stdinnull", "forkafterauthentication",
	"proxyusefdpass", "canonicaldomains", "canonicalizefallbacklocal",
	"canonicalizemaxdots", "canonicalizepermittedcnames", "streamlocalbindmask",
	"streamlocalbindunlink", "revokedhostkeys", "fingerprinthash", "updatehostkeys",
	"hostbasedacceptedalgorithms", "hostbasedkeytypes", "pubkeyacceptedalgorithms",
	"pubkeyacceptedkeytypes", "securitykeyprovider", "knownhostscommand", "requiredrsasize",
	"enableescapecommandline",
	/* Added by later OpenSSH releases (up to 10.1): a config written for
	 * the ssh on the user's machine must not be refused for them. */
	"channeltimeout", "obscurekeystroketiming", "refuseconnection", "tag",
	"versionaddendum", "warnweakcrypto",
};

/* An unknown keyword is an error, unless the IgnoreUnknown obtained so far
 * lists it (OpenSSH compares lowercased). */
static int keyword_unknown(struct lookup *lk, const char *key)
{
	char *lower = xstrdup(key);
	for (char *p = lower; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	int ignored = choice(lower, ignored_keywords, ARRAY_SIZE(ignored_keywords)) >= 0 ||
		      (lk->ignore_unknown && match_pattern_list(lower, lk->ignore_unknown, 1) == 1);
	free(lower);
	if (ignored)
		return 0;
	return cfg_error(lk, "unknown keyword \"%s\" (list it in IgnoreUnknown to skip it)", key);
}

static int keyword_setting(struct lookup *lk, struct args *a)
{
	for (size_t i = 0; i < ARRAY_SIZE(keywords); i++) {
		const struct keyword *k = &keywords[i];
		if (strcasecmp(a->v[0], k->name))
			continue;
		if (a->n > 2 && !k->several)
			return cfg_error(lk, "%s takes one argument, got \"%s\" after it",
					 a->v[0], a->v[2]);
		for (size_t j = 1; j < a->n; j++)
			if (!*a->v[j])
				return cfg_error(lk, "%s: empty argument", a->v[0]);
		return k->fn(lk, a);
	}
	return keyword_unknown(lk, a->v[0]);
}

static int keyword_include(struct lookup *lk, struct args *a, int depth);

static int dispatch(struct lookup *lk, struct args *a, const char *rest, int depth, int never_match)
{
	const char *key = a->v[0];

	if (a->n < 2)
		return cfg_error(lk, "%s needs an argument", key);
	if (!strcasecmp(key, "host"))
		return keyword_host(lk, a, never_match);
	if (!strcasecmp(key, "match"))
		return keyword_match(lk, a, never_match);
	if (!strcasecmp(key, "include"))
		return keyword_include(lk, a, depth);
	if (!strcasecmp(key, "proxycommand"))
		return kw_proxy_command(lk, rest);
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
	rest += strspn(rest, " \t");
	text[klen] = '\0';
	GROW(a.v, a.cap, 1);
	a.v[a.n++] = xstrdup(text);
	if ((why = split_args(rest, &a)))
		ret = cfg_error(lk, "%s: %s", text, why);
	else
		ret = dispatch(lk, &a, rest, depth, never_match);
	args_free(&a);
	return ret;
}

/* Include: relative paths are under ~/.ssh, where ~ is $HOME as glob()'s
 * GLOB_TILDE reads it (OpenSSH's only use of $HOME); the included lines
 * see, and may not change, the including block's state. */
static int keyword_include(struct lookup *lk, struct args *a, int depth)
{
	const char *file = lk->file;
	int line = lk->line, active = lk->active, ret = 0;

	for (size_t i = 1; i < a->n && !ret; i++) {
		char *path = a->v[i][0] == '/' || a->v[i][0] == '~' ? xstrdup(a->v[i]) :
			     xasprintf("~/.ssh/%s", a->v[i]);
		glob_t g;
		if (glob(path, GLOB_TILDE, NULL, &g) == 0) {
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

/* 1 when path cannot be read (a missing Include is no error). */
static int read_whole(struct lookup *lk, const char *path, struct strbuf *data)
{
	if (sb_read_file(data, path, MAX_CONFIG_SIZE) == 0)
		return 0;
	if (errno != EFBIG)
		return 1;
	sb_reset(lk->err);
	sb_addf(lk->err, "%s: larger than %ld MiB", path, MAX_CONFIG_SIZE >> 20);
	return -1;
}

/* Run every line of data; the buffer of an empty file is NULL. */
static int process_lines(struct lookup *lk, const struct strbuf *data, int depth, int never_match)
{
	struct strbuf line = STRBUF_INIT;
	int ret = 0;

	for (size_t off = 0; off < data->len && !ret;) {
		const char *p = data->buf + off;
		const char *nl = memchr(p, '\n', data->len - off);
		size_t len = nl ? (size_t)(nl - p) : data->len - off;
		lk->line++;
		sb_reset(&line);
		sb_add(&line, p, len);
		sb_rtrim(&line);
		char *text = line.buf + strspn(line.buf, " \t");
		if (memchr(p, '\0', len))
			ret = cfg_error(lk, "NUL byte in line");
		else if (*text && *text != '#')
			ret = process_line(lk, text, depth, never_match);
		off += len + 1;
	}
	sb_free(&line);
	return ret;
}

int read_config(struct lookup *lk, const char *path, int depth, int never_match)
{
	struct strbuf data = STRBUF_INIT;
	int ret;

	if (depth > MAX_INCLUDE_DEPTH)
		return cfg_error(lk, "Include nested more than %d deep", MAX_INCLUDE_DEPTH);
	if (++lk->files_read > MAX_FILES_READ)
		return cfg_error(lk, "Include reads more than %d files", MAX_FILES_READ);
	ret = read_whole(lk, path, &data);
	if (ret == 0) {
		lk->file = path;
		lk->line = 0;
		ret = process_lines(lk, &data, depth, never_match);
	}
	sb_free(&data);
	return ret < 0 ? -1 : 0;
}
