/* ~/.ssh/config lookups against temporary files under a temporary $HOME. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/table_tests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ssh/config.h"
#include "util/util.h"

static char home[64];

static void write_file(const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", home, rel);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

static int setup(void **state)
{
	(void)state;
	strcpy(home, "/tmp/cswarm-sshcfg-XXXXXX");
	if (!mkdtemp(home))
		return -1;
	setenv("HOME", home, 1);
	char *dir = xasprintf("%s/.ssh", home);
	char *sub = xasprintf("%s/.ssh/conf.d", home);
	int r = mkdir(dir, 0700) || mkdir(sub, 0700);
	free(dir);
	free(sub);
	return r;
}

static int teardown(void **state)
{
	(void)state;
	char *cmd = xasprintf("rm -rf '%s'", home);
	int r = system(cmd);
	free(cmd);
	return r;
}

static const char *nz(const char *s)
{
	return s ? s : "-";
}

static void add_list(struct strbuf *sb, const char *tag, char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sb_addf(sb, " %s=%s", tag, v[i]);
	if (!n)
		sb_addf(sb, " %s=(none)", tag);
}

static int is_default(char **v, size_t n, const char *first, size_t count)
{
	char *want = xasprintf("%s/%s", home, first);
	int r = n == count && streq(v[0], want);
	free(want);
	return r;
}

/* "host user port jump|command shkc timeout alive ionly" then the lists
 * unless they are OpenSSH's defaults, with $HOME written as ~. */
static char *summary(const struct ssh_host_config *c)
{
	struct strbuf sb = STRBUF_INIT, out = STRBUF_INIT;
	sb_addf(&sb, "%s %s %d %s %d %d %d %d", c->hostname, c->user, c->port,
		c->proxy_command ? c->proxy_command_expanded : nz(c->proxy_jump),
		c->strict_host_key_checking, c->connect_timeout, c->server_alive_interval,
		c->identities_only);
	if (!is_default(c->identity_files, c->nidentity_files, ".ssh/id_rsa", 7))
		add_list(&sb, "id", c->identity_files, c->nidentity_files);
	if (!is_default(c->known_hosts_files, c->nknown_hosts_files, ".ssh/known_hosts", 2))
		add_list(&sb, "kh", c->known_hosts_files, c->nknown_hosts_files);
	if (c->nglobal_known_hosts_files != 2 ||
	    !streq(c->global_known_hosts_files[0], "/etc/ssh/ssh_known_hosts"))
		add_list(&sb, "gkh", c->global_known_hosts_files, c->nglobal_known_hosts_files);
	sb_adds(&out, "");
	for (const char *p = sb.buf; *p;) {
		if (starts_with(p, home)) {
			sb_addc(&out, '~');
			p += strlen(home);
		} else {
			sb_addc(&out, *p++);
		}
	}
	sb_free(&sb);
	return sb_detach(&out);
}

/* host is "alias [user [port]]", as `ssh -l user -p port alias`. */
struct lookup_case {
	const char *what, *config, *host, *want;
};

static const struct lookup_case lookup_cases[] = {
	{ "empty config", "", "h", "h me 22 - 0 -1 -1 0" },
	{ "first value wins, also across blocks",
	  "Host h\n  User first\n  Port 1\nHost *\n  User second\n  Port 2\n  HostName other\n",
	  "h", "other first 1 - 0 -1 -1 0" },
	{ "lines before any Host apply to all",
	  "User top\nHost h\n  User late\n", "h", "h top 22 - 0 -1 -1 0" },
	{ "several patterns, wildcards",
	  "Host a b?c web*\n  User w\n", "bxc", "bxc w 22 - 0 -1 -1 0" },
	{ "negation excludes even when another pattern matches",
	  "Host web* !web3\n  User w\nHost *\n  User other\n", "web3", "web3 other 22 - 0 -1 -1 0" },
	{ "negation alone never matches",
	  "Host !web3\n  User w\n", "db", "db me 22 - 0 -1 -1 0" },
	{ "case-insensitive keywords, Key=value forms",
	  "HOST web1\n  hostNAME=Ten.example.com\n  user = u\n  PORT=2222\n", "web1",
	  "ten.example.com u 2222 - 0 -1 -1 0" },
	{ "issue 14.1: Host patterns are case-sensitive",
	  "Host bastion\n  User b\n  Port 2201\n", "BASTION", "bastion me 22 - 0 -1 -1 0" },
	{ "issue 14.1: Match user is case-sensitive",
	  "Match user deploy\n  Port 2300\n", "h Deploy", "h Deploy 22 - 0 -1 -1 0" },
	{ "issue 14.1: Match host and originalhost are not",
	  "Match host web1\n  Port 2400\nMatch originalhost WEB*\n  User orig\n", "WEB1",
	  "web1 orig 2400 - 0 -1 -1 0" },
	{ "issue 14.2: Match user sees the inventory's user",
	  "User cfg\nMatch user deploy\n  Port 2202\n", "h deploy", "h deploy 2202 - 0 -1 -1 0" },
	{ "issue 14.2: %r and %p are the inventory's user and port",
	  "User cfg\nPort 2000\nIdentityFile /k/%r@%h:%p\n", "h deploy 2222",
	  "h deploy 2222 - 0 -1 -1 0 id=/k/deploy@h:2222" },
	{ "issue 14.3: no second pass after HostName alone (as ssh -G)",
	  "Host web\n  HostName 10.1.2.3\nHost 10.1.2.3\n  Port 2222\n", "web",
	  "10.1.2.3 me 22 - 0 -1 -1 0" },
	{ "issue 14.3: Match final reads the file again with the final name",
	  "Host web\n  HostName Web.Example.com\nMatch final host *.example.com\n  Port 2222\n"
	  "Host web.example.com\n  User second\nMatch !final\n  IdentityFile /k/first\n",
	  "web", "web.example.com second 2222 - 0 -1 -1 0 id=/k/first" },
	{ "issue 14.3: CanonicalizeHostname yes: second pass, Match canonical",
	  "Host web\n  CanonicalizeHostname yes\n  HostName web.internal\nHost web.internal\n  User canon\n"
	  "Match canonical\n  Port 2022\n", "web", "web.internal canon 2022 - 0 -1 -1 0" },
	{ "issue 14.5: ProxyCommand, tokens expanded, first of ProxyCommand/ProxyJump wins",
	  "Host h\n  ProxyCommand nc %h %p # for the shell\n  ProxyJump later\n", "h u 2200",
	  "h u 2200 exec nc h 2200 # for the shell 0 -1 -1 0" },
	{ "issue 14.5: ProxyJump first blocks a later ProxyCommand",
	  "Host h\n  ProxyJump j\n  ProxyCommand nc %h %p\n", "h", "h me 22 j 0 -1 -1 0" },
	{ "issue 14.5: ProxyCommand none blocks a later ProxyJump",
	  "Host h\n  ProxyCommand none\nHost *\n  ProxyJump j\n", "h", "h me 22 - 0 -1 -1 0" },
	{ "issue 14.6: ~ and %d are the home given, not $HOME",
	  "IdentityFile ~/.ssh/id_%u\nIdentityFile %d/k\n", "h", "h me 22 - 0 -1 -1 0 id=~/.ssh/id_me id=~/k" },
	{ "issue 14.7: IdentityFile none: no keys, no defaults",
	  "IdentityFile none\n", "h", "h me 22 - 0 -1 -1 0 id=(none)" },
	{ "issue 14.7: duplicate IdentityFile lines are tried once",
	  "Host h\n  IdentityFile /k/a\n  IdentityFile /k/b\nHost *\n  IdentityFile /k/a\n", "h",
	  "h me 22 - 0 -1 -1 0 id=/k/a id=/k/b" },
	{ "issue 14.7: ConnectTimeout 0 is no timeout, none sets nothing",
	  "Host h\n  ConnectTimeout none\n  ConnectTimeout 0\nHost *\n  ConnectTimeout 7\n", "h",
	  "h me 22 - 0 0 -1 0" },
	{ "issue 14.7: the final host name is lowercased, addresses are not",
	  "Host h\n  HostName MiXeD.Example\nHost a\n  HostName FE80::1\n", "h",
	  "mixed.example me 22 - 0 -1 -1 0" },
	{ "addresses are written in their numeric form, as OpenSSH",
	  "Host h\n  HostName 010.001.1.1\nHost *\n  IdentityFile /k/%h\n", "h",
	  "8.1.1.1 me 22 - 0 -1 -1 0 id=/k/8.1.1.1" },
	{ "IPv6 addresses too",
	  "HostName 2001:DB8:0:0::1\n", "h", "2001:db8::1 me 22 - 0 -1 -1 0" },
	{ "issue 14.8: IgnoreUnknown lists keywords to skip",
	  "IgnoreUnknown UseKeychain,Foo*\nUseKeychain yes\nFooBar 1\nUser u\n", "h",
	  "h u 22 - 0 -1 -1 0" },
	{ "issue 14.8: Port takes a service name",
	  "Port ssh\n", "h", "h me 22 - 0 -1 -1 0" },
	{ "HostName %h token and %%",
	  "Host web1\n  HostName %h.%%.example.com\n", "web1", "web1.%.example.com me 22 - 0 -1 -1 0" },
	{ "IdentityFile accumulates, ~ and tokens expanded last",
	  "Host h\n  IdentityFile ~/.ssh/id_%h_%r_%p\n  User u\n  Port 2200\n"
	  "  HostName real\nHost *\n  IdentityFile %d/k_%u_%n\n  IdentityFile \"/with space/k\"\n",
	  "h", "real u 2200 - 0 -1 -1 0 id=~/.ssh/id_real_u_2200 id=~/k_me_h id=/with space/k" },
	{ "%r defaults to the local user, %p to 22",
	  "IdentityFile /k/%r-%p\n", "h", "h me 22 - 0 -1 -1 0 id=/k/me-22" },
	{ "the inventory key file comes first, then IdentityFile",
	  "IdentityFile /k/cfg\n", "h - 0 /k/inv", "h me 22 - 0 -1 -1 0 id=/k/inv id=/k/cfg" },
	{ "ProxyJump chain, first wins",
	  "Host h\n  ProxyJump u@jump1:2200,jump2\nHost *\n  ProxyJump other\n", "h",
	  "h me 22 u@jump1:2200,jump2 0 -1 -1 0" },
	{ "ProxyJump none wins when first",
	  "Host h\n  ProxyJump none\nHost *\n  ProxyJump other\n", "h", "h me 22 - 0 -1 -1 0" },
	{ "known hosts files: several per line, first line wins, none",
	  "Host h\n  UserKnownHostsFile ~/.ssh/kh1 \"/etc/kh 2\"\n  UserKnownHostsFile /no\n"
	  "  GlobalKnownHostsFile /etc/ssh/g1 /etc/ssh/g2\nHost g\n  UserKnownHostsFile none\n",
	  "h", "h me 22 - 0 -1 -1 0 kh=~/.ssh/kh1 kh=/etc/kh 2 gkh=/etc/ssh/g1 gkh=/etc/ssh/g2" },
	{ "StrictHostKeyChecking values",
	  "Host a\n  StrictHostKeyChecking accept-new\nHost b\n  StrictHostKeyChecking off\n"
	  "Host c\n  StrictHostKeyChecking ask\nHost *\n  StrictHostKeyChecking yes\n",
	  "b", "b me 22 - 2 -1 -1 0" },
	{ "timeouts and IdentitiesOnly",
	  "ConnectTimeout 1m30s\nServerAliveInterval 15\nIdentitiesOnly yes\n", "h",
	  "h me 22 - 0 90 15 1" },
	{ "Match all, Match host (after HostName), Match originalhost, user",
	  "Host h\n  HostName real.example.com\nMatch host *.example.com\n  User fromhost\n"
	  "Match originalhost h\n  Port 7\nMatch user fromhost\n  ConnectTimeout 5\nMatch all\n  ServerAliveInterval 9\n",
	  "h", "real.example.com fromhost 7 - 0 5 9 0" },
	{ "Match negated criterion and pattern lists",
	  "Match !host h\n  User no\nMatch host x,h,!y\n  User yes\n", "h", "h yes 22 - 0 -1 -1 0" },
	{ "Match exec runs the command when the criteria before it match",
	  "Match host h exec \"test %h = h\"\n  User exec-true\nMatch exec false\n  User exec-false\n",
	  "h", "h exec-true 22 - 0 -1 -1 0" },
	{ "known keywords are accepted, comments and blank lines too",
	  "# comment\n\n  ForwardAgent yes\nSendEnv LANG LC_*\nHost h # trailing comment\n  User u\n",
	  "h", "h u 22 - 0 -1 -1 0" },
	{ "CRLF",
	  "Host h\r\n  User u\r\n", "h", "h u 22 - 0 -1 -1 0" },
};

/* "alias [user|- [port [key]]]" */
static void lookup(const char *config, const char *spec, struct ssh_host_config *c)
{
	struct strbuf err = STRBUF_INIT;
	char alias[64] = "", user[64] = "-", key[64] = "";
	int port = 0;
	sscanf(spec, "%63s %63s %d %63s", alias, user, &port, key);
	struct ssh_config_query q = { .host = alias, .user = streq(user, "-") ? NULL : user,
				      .port = port, .key_file = *key ? key : NULL,
				      .local_user = "me", .home = home };
	write_file(".ssh/config", config);
	if (ssh_config_lookup(&q, c, &err))
		fail_msg("unexpected error: %s\nconfig:\n%s", sb_str(&err), config);
	sb_free(&err);
}

static int lookup_error(const char *path, struct ssh_host_config *c, struct strbuf *err)
{
	struct ssh_config_query q = { .path = path, .host = "h", .local_user = "me", .home = home };
	return ssh_config_lookup(&q, c, err);
}

static void test_lookup(void **state)
{
	const struct lookup_case *lc = *state;
	struct ssh_host_config c;

	lookup(lc->config, lc->host, &c);
	char *got = summary(&c);
	if (strcmp(got, lc->want))
		fail_msg("%s:\nwant: %s\ngot:  %s", lc->what, lc->want, got);
	free(got);
	ssh_host_config_free(&c);
}

static void test_include(void **state)
{
	struct ssh_host_config c;
	(void)state;
	write_file(".ssh/conf.d/10-a.conf", "Host web1\n  User from-a\n");
	write_file(".ssh/conf.d/20-b.conf", "Host *\n  Port 2020\n  User from-b\n");
	write_file(".ssh/conf.d/skip.txt", "User never\n");
	write_file(".ssh/inactive.conf", "User inactive\nHost *\n  Port 9\n");
	/* An Include in a block that does not apply reads nothing (even its
	 * Host *); after an Include the including block applies again. */
	lookup("Host db\n  Include inactive.conf\nHost web1\n  Include conf.d/*.conf ~/.ssh/none\n  IdentityFile /after\n",
	       "web1", &c);
	char *got = summary(&c);
	assert_string_equal(got, "web1 from-a 2020 - 0 -1 -1 0 id=/after");
	free(got);
	ssh_host_config_free(&c);
}

/* Issue 14.6: the account is the passwd entry's, not $USER/$HOME; $HOME
 * is only where Include finds ~/.ssh. */
static void test_local_account(void **state)
{
	const struct passwd *pw = getpwuid(getuid());
	struct ssh_host_config c;
	struct strbuf err = STRBUF_INIT;
	struct ssh_config_query q = { .host = "h", .local_user = "me", .home = "/passwd-home" };
	(void)state;

	assert_non_null(pw);
	setenv("USER", "", 1);
	assert_string_equal(ssh_local_user(), pw->pw_name);
	assert_string_equal(ssh_local_home(), pw->pw_dir);
	write_file(".ssh/inc.conf", "IdentityFile ~/k\n");
	char *path = xasprintf("%s/.ssh/config", home);
	q.path = path;
	write_file(".ssh/config", "Include inc.conf\nUserKnownHostsFile %d/kh\n");
	assert_int_equal(ssh_config_lookup(&q, &c, &err), 0);
	assert_int_equal(c.nidentity_files, 1);
	assert_string_equal(c.identity_files[0], "/passwd-home/k");
	assert_string_equal(c.known_hosts_files[0], "/passwd-home/kh");
	assert_string_equal(c.user, "me");
	ssh_host_config_free(&c);
	free(path);
	sb_free(&err);
}

static void test_include_depth(void **state)
{
	struct ssh_host_config c;
	struct strbuf err = STRBUF_INIT;
	(void)state;
	write_file(".ssh/config", "Include config\n");
	assert_int_equal(lookup_error(NULL, &c, &err), -1);
	assert_non_null(strstr(sb_str(&err), "/.ssh/config:1: Include nested more than 16 deep"));
	/* Branching includes must stop early: 12 levels of files that
	 * include the next three times would be 3^12 reads. */
	for (int i = 0; i < 12; i++) {
		char name[32], text[64];
		snprintf(name, sizeof(name), ".ssh/l%d", i);
		snprintf(text, sizeof(text), "Include l%d l%d l%d\n", i + 1, i + 1, i + 1);
		write_file(name, text);
	}
	write_file(".ssh/config", "Include l0\n");
	assert_int_equal(lookup_error(NULL, &c, &err), -1);
	assert_non_null(strstr(sb_str(&err), "Include reads more than 1024 files"));
	sb_free(&err);
}

static void test_missing_files(void **state)
{
	struct ssh_host_config c;
	struct strbuf err = STRBUF_INIT;
	(void)state;
	char *path = xasprintf("%s/.ssh/config", home);
	unlink(path);
	assert_int_equal(lookup_error(NULL, &c, &err), 0);
	assert_string_equal(c.user, "me");
	ssh_host_config_free(&c);
	assert_int_equal(lookup_error(path, &c, &err), -1);
	assert_non_null(strstr(sb_str(&err), "cannot read ssh config"));
	free(path);
	sb_free(&err);
}

struct error_case {
	const char *config, *want;	/* want follows "<file>:" */
};

static const struct error_case error_cases[] = {
	{ "Host h\n  Port 0\n", ":2: bad Port \"0\" (expected 1-65535 or a service name)" },
	{ "Host other\n  Port abc\n", ":2: bad Port \"abc\"" },
	{ "Port 22 23\n", ":1: Port takes one argument, got \"23\" after it" },
	{ "User\n", ":1: User needs an argument" },
	{ "Host\n", ":1: Host needs an argument" },
	{ "Match\n", ":1: Match needs an argument" },
	{ "Host h\n  FrobnicateHosts yes\n", ":2: unknown keyword \"FrobnicateHosts\" (list it in IgnoreUnknown" },
	{ "Host other\n  Misspeled yes\n", ":2: unknown keyword \"Misspeled\"" },
	{ "UseKeychain yes\nIgnoreUnknown UseKeychain\n", ":1: unknown keyword \"UseKeychain\"" },
	{ "Port nosuchservice\n", ":1: bad Port \"nosuchservice\" (expected 1-65535 or a service name)" },
	{ "Match frobnicate x\n", ":1: Match: unsupported criterion \"frobnicate\"" },
	{ "Match all host h\n", ":1: Match all cannot be combined" },
	{ "UserKnownHostsFile none /x\n", ":1: UserKnownHostsFile: \"none\" must appear alone" },
	{ "ProxyCommand -\n", ":1: ProxyCommand - (stdin/stdout) is not supported" },
	{ "ConnectTimeout 500ms\n", ":1: bad ConnectTimeout \"500ms\"" },
	{ "Match host\n", ":1: Match host needs an argument" },
	{ "\n\nStrictHostKeyChecking maybe\n", ":3: bad StrictHostKeyChecking \"maybe\"" },
	{ "ConnectTimeout soon\n", ":1: bad ConnectTimeout \"soon\"" },
	{ "IdentitiesOnly perhaps\n", ":1: bad IdentitiesOnly \"perhaps\" (expected yes or no)" },
	{ "User \"unterminated\n", ":1: User: unterminated quote" },
	{ "ProxyJump a,,b\n", ":1: bad ProxyJump \"a,,b\": empty hop" },
	{ "ProxyJump u@h:99999\n", ":1: bad ProxyJump \"u@h:99999\": bad port" },
	{ "HostName %z\n", ":1: unknown token %z" },
	{ "\nIdentityFile /k/%q\n", ":2: unknown token %q" },
	{ "IdentityFile ~nosuchuserxyz/k\n", ":1: \"~nosuchuserxyz/k\": no such user" },
};

static void test_error(void **state)
{
	const struct error_case *ec = *state;
	struct ssh_host_config c;
	struct strbuf err = STRBUF_INIT;

	write_file(".ssh/config", ec->config);
	int r = lookup_error(NULL, &c, &err);
	char *want = xasprintf("%s/.ssh/config%s", home, ec->want);
	if (r != -1 || !strstr(sb_str(&err), want))
		fail_msg("want \"%s\"\ngot \"%s\"", want, sb_str(&err));
	assert_null(c.user);
	assert_null(c.identity_files);
	free(want);
	sb_free(&err);
}

struct jump_case {
	const char *spec, *want;	/* "user@host:port|..." or "error: ..." */
};

static const struct jump_case jump_cases[] = {
	{ "bastion", "-@bastion:0" },
	{ "u@bastion:2200", "u@bastion:2200" },
	{ "a,u@b:1,ssh://v@c:3", "-@a:0|u@b:1|v@c:3" },
	{ "[2001:db8::1]:2222", "-@2001:db8::1:2222" },
	{ "user@name@host", "user@name@host:0" },
	{ "none", "" },
	{ "", "error: empty hop" },
	{ "a,", "error: empty hop" },
	{ "2001:db8::1", "error: IPv6 addresses need brackets" },
	{ "@h", "error: empty user" },
	{ "h:0", "error: bad port" },
	{ "h:", "error: bad port" },
	{ "[h", "error: bad [address]:port" },
};

static void test_proxy_jump(void **state)
{
	const struct jump_case *jc = *state;
	struct ssh_jump *hops;
	struct strbuf err = STRBUF_INIT, got = STRBUF_INIT;

	sb_adds(&got, "");
	long n = ssh_proxy_jump_parse(jc->spec, &hops, &err);
	if (n < 0)
		sb_addf(&got, "error: %s", sb_str(&err));
	for (long h = 0; h < n; h++)
		sb_addf(&got, "%s%s@%s:%d", h ? "|" : "", nz(hops[h].user), hops[h].host, hops[h].port);
	int ok = starts_with(jc->want, "error: ") ? strstr(sb_str(&got), jc->want + 7) != NULL :
		 streq(sb_str(&got), jc->want);
	if (!ok)
		fail_msg("want \"%s\", got \"%s\"", jc->want, sb_str(&got));
	if (n >= 0)
		ssh_jumps_free(hops, n);
	sb_free(&err);
	sb_free(&got);
}

/* Random configs built from keywords and junk must give a result or an
 * error with a location, never a crash. */
static void test_garbage(void **state)
{
	static const char *const words[] = {
		"Host", "Match", "Include", "User", "Port", "IdentityFile", "ProxyJump", "HostName",
		"UserKnownHostsFile", "StrictHostKeyChecking", "ConnectTimeout", "all", "host", "!h",
		"*", "%h", "%", "~", "\"", "'", "=", "#", "\\", "config", "h,!x", "1", "none", "\n",
	};
	(void)state;
	srand(4242);
	for (int iter = 0; iter < 1500; iter++) {
		struct strbuf cfg = STRBUF_INIT;
		int n = rand() % 40;
		sb_adds(&cfg, "");
		for (int w = 0; w < n; w++)
			sb_addf(&cfg, "%s%s", words[rand() % (int)ARRAY_SIZE(words)], rand() % 3 ? " " : "");
		write_file(".ssh/config", sb_str(&cfg));
		struct ssh_host_config c;
		struct strbuf err = STRBUF_INIT;
		if (lookup_error(NULL, &c, &err) == 0)
			ssh_host_config_free(&c);
		else if (!strstr(sb_str(&err), "/.ssh/config:"))
			fail_msg("error without location: %s\nconfig:\n%s", sb_str(&err), sb_str(&cfg));
		sb_free(&err);
		sb_free(&cfg);
	}
}

int main(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(lookup_cases); i++)
		add_test(test_lookup, &lookup_cases[i], "lookup: %s", lookup_cases[i].what);
	for (size_t i = 0; i < ARRAY_SIZE(error_cases); i++)
		add_test(test_error, &error_cases[i], "error: %s", error_cases[i].want + 1);
	for (size_t i = 0; i < ARRAY_SIZE(jump_cases); i++)
		add_test(test_proxy_jump, &jump_cases[i], "ProxyJump \"%s\"", jump_cases[i].spec);
	add_test(test_include, NULL, "%s", "Include: globs, relative to ~/.ssh, block state");
	add_test(test_local_account, NULL, "%s", "issue 14.6: local user and home from passwd, $HOME for Include");
	add_test(test_include_depth, NULL, "%s", "Include: depth and file count limits");
	add_test(test_missing_files, NULL, "%s", "missing default file is empty, explicit is an error");
	add_test(test_garbage, NULL, "%s", "no crash on garbage");

	return run_added_tests("ssh_config", setup, teardown);
}
