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
}

/* "host user port jump shkc timeout alive ionly" then the lists, with
 * $HOME written as ~. */
static char *summary(const struct ssh_host_config *c)
{
	struct strbuf sb = STRBUF_INIT, out = STRBUF_INIT;
	sb_addf(&sb, "%s %s %d %s %d %d %d %d", nz(c->hostname), nz(c->user), c->port,
		nz(c->proxy_jump), c->strict_host_key_checking, c->connect_timeout,
		c->server_alive_interval, c->identities_only);
	add_list(&sb, "id", c->identity_files, c->nidentity_files);
	add_list(&sb, "kh", c->known_hosts_files, c->nknown_hosts_files);
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

struct lookup_case {
	const char *what, *config, *host, *want;
};

static const struct lookup_case lookup_cases[] = {
	{ "empty config", "", "h", "- - 0 - 0 0 0 0" },
	{ "first value wins, also across blocks",
	  "Host h\n  User first\n  Port 1\nHost *\n  User second\n  Port 2\n  HostName other\n",
	  "h", "other first 1 - 0 0 0 0" },
	{ "lines before any Host apply to all",
	  "User top\nHost h\n  User late\n", "h", "- top 0 - 0 0 0 0" },
	{ "several patterns, wildcards",
	  "Host a b?c web*\n  User w\n", "bxc", "- w 0 - 0 0 0 0" },
	{ "negation excludes even when another pattern matches",
	  "Host web* !web3\n  User w\nHost *\n  User other\n", "web3", "- other 0 - 0 0 0 0" },
	{ "negation alone never matches",
	  "Host !web3\n  User w\n", "db", "- - 0 - 0 0 0 0" },
	{ "case-insensitive keywords and host names, Key=value forms",
	  "HOST WEB1\n  hostNAME=Ten.example.com\n  user = u\n  PORT=2222\n", "web1",
	  "Ten.example.com u 2222 - 0 0 0 0" },
	{ "HostName %h token and %%",
	  "Host web1\n  HostName %h.%%.example.com\n", "web1", "web1.%.example.com - 0 - 0 0 0 0" },
	{ "IdentityFile accumulates, ~ and tokens expanded last",
	  "Host h\n  IdentityFile ~/.ssh/id_%h_%r_%p\n  User u\n  Port 2200\n"
	  "  HostName real\nHost *\n  IdentityFile %d/k_%u_%n\n  IdentityFile \"/with space/k\"\n",
	  "h", "real u 2200 - 0 0 0 0 id=~/.ssh/id_real_u_2200 id=~/k_me_h id=/with space/k" },
	{ "%r defaults to the local user, %p to 22",
	  "IdentityFile /k/%r-%p\n", "h", "- - 0 - 0 0 0 0 id=/k/me-22" },
	{ "ProxyJump chain, first wins",
	  "Host h\n  ProxyJump u@jump1:2200,jump2\nHost *\n  ProxyJump other\n", "h",
	  "- - 0 u@jump1:2200,jump2 0 0 0 0" },
	{ "ProxyJump none wins when first",
	  "Host h\n  ProxyJump none\nHost *\n  ProxyJump other\n", "h", "- - 0 - 0 0 0 0" },
	{ "known hosts files: several per line, first line wins",
	  "Host h\n  UserKnownHostsFile ~/.ssh/kh1 \"/etc/kh 2\"\n  UserKnownHostsFile /no\n"
	  "  GlobalKnownHostsFile /etc/ssh/g1 /etc/ssh/g2\n",
	  "h", "- - 0 - 0 0 0 0 kh=~/.ssh/kh1 kh=/etc/kh 2 gkh=/etc/ssh/g1 gkh=/etc/ssh/g2" },
	{ "StrictHostKeyChecking values",
	  "Host a\n  StrictHostKeyChecking accept-new\nHost b\n  StrictHostKeyChecking off\n"
	  "Host c\n  StrictHostKeyChecking ask\nHost *\n  StrictHostKeyChecking yes\n",
	  "b", "- - 0 - 2 0 0 0" },
	{ "timeouts and IdentitiesOnly",
	  "ConnectTimeout 1m\nServerAliveInterval 15\nIdentitiesOnly yes\n", "h",
	  "- - 0 - 0 60 15 1" },
	{ "Match all, Match host (after HostName), Match originalhost, user",
	  "Host h\n  HostName real.example.com\nMatch host *.example.com\n  User fromhost\n"
	  "Match originalhost h\n  Port 7\nMatch user fromhost\n  ConnectTimeout 5\nMatch all\n  ServerAliveInterval 9\n",
	  "h", "real.example.com fromhost 7 - 0 5 9 0" },
	{ "Match negated criterion and pattern lists",
	  "Match !host h\n  User no\nMatch host x,h,!y\n  User yes\n", "h", "- yes 0 - 0 0 0 0" },
	{ "unsupported Match criterion skips its block",
	  "Match exec \"true\"\n  User exec\nHost *\n  User plain\n", "h", "- plain 0 - 0 0 0 0" },
	{ "unknown keywords are ignored, comments and blank lines too",
	  "# comment\n\n  ForwardAgent yes\nSendEnv LANG LC_*\nHost h # trailing comment\n  User u\n",
	  "h", "- u 0 - 0 0 0 0" },
	{ "CRLF",
	  "Host h\r\n  User u\r\n", "h", "- u 0 - 0 0 0 0" },
};

static void lookup(const char *config, const char *host, struct ssh_host_config *c)
{
	struct strbuf err = STRBUF_INIT;
	write_file(".ssh/config", config);
	if (ssh_config_lookup(NULL, host, "me", c, &err))
		fail_msg("unexpected error: %s\nconfig:\n%s", sb_str(&err), config);
	sb_free(&err);
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
	assert_string_equal(got, "- from-a 2020 - 0 0 0 0 id=/after");
	free(got);
	ssh_host_config_free(&c);
}

static void test_include_depth(void **state)
{
	struct ssh_host_config c;
	struct strbuf err = STRBUF_INIT;
	(void)state;
	write_file(".ssh/config", "Include config\n");
	assert_int_equal(ssh_config_lookup(NULL, "h", "me", &c, &err), -1);
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
	assert_int_equal(ssh_config_lookup(NULL, "h", "me", &c, &err), -1);
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
	assert_int_equal(ssh_config_lookup(NULL, "h", "me", &c, &err), 0);
	assert_null(c.user);
	ssh_host_config_free(&c);
	assert_int_equal(ssh_config_lookup(path, "h", "me", &c, &err), -1);
	assert_non_null(strstr(sb_str(&err), "cannot read ssh config"));
	free(path);
	sb_free(&err);
}

struct error_case {
	const char *config, *want;	/* want follows "<file>:" */
};

static const struct error_case error_cases[] = {
	{ "Host h\n  Port 0\n", ":2: bad Port \"0\" (expected 1-65535)" },
	{ "Host other\n  Port abc\n", ":2: bad Port \"abc\"" },
	{ "Port 22 23\n", ":1: Port takes one argument, got \"23\" after it" },
	{ "User\n", ":1: User needs an argument" },
	{ "Host\n", ":1: Host needs at least one pattern" },
	{ "Match\n", ":1: Match needs criteria" },
	{ "Match host\n", ":1: Match host needs an argument" },
	{ "\n\nStrictHostKeyChecking maybe\n", ":3: bad StrictHostKeyChecking \"maybe\"" },
	{ "ConnectTimeout soon\n", ":1: bad ConnectTimeout \"soon\"" },
	{ "IdentitiesOnly perhaps\n", ":1: bad IdentitiesOnly \"perhaps\" (expected yes or no)" },
	{ "User \"unterminated\n", ":1: User: unterminated quote" },
	{ "ProxyJump a,,b\n", ":1: bad ProxyJump \"a,,b\": empty hop" },
	{ "ProxyJump u@h:99999\n", ":1: bad ProxyJump \"u@h:99999\": bad port" },
	{ "HostName %z\n", ":1: unknown token %z" },
	{ "\nIdentityFile /k/%q\n", ":2: unknown token %q" },
	{ "IdentityFile ~bob/k\n", ":1: \"~bob/k\": ~user is not supported" },
};

static void test_error(void **state)
{
	const struct error_case *ec = *state;
	struct ssh_host_config c;
	struct strbuf err = STRBUF_INIT;

	write_file(".ssh/config", ec->config);
	int r = ssh_config_lookup(NULL, "h", "me", &c, &err);
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
		if (ssh_config_lookup(NULL, "h", "me", &c, &err) == 0)
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
	add_test(test_include_depth, NULL, "%s", "Include: depth and file count limits");
	add_test(test_missing_files, NULL, "%s", "missing default file is empty, explicit is an error");
	add_test(test_garbage, NULL, "%s", "no crash on garbage");

	return run_added_tests("ssh_config", setup, teardown);
}
