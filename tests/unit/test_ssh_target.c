/* Target resolution (ssh/target.c): inventory hints and ~/.ssh/config to
 * an ssh_target, ProxyJump chains as OpenSSH runs them, ProxyCommand, and
 * the `ssh -G` rendering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/table_tests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ssh/target.h"
#include "util/util.h"

static char path[64];

/* Every config starts with this and ends with "Host *  User u", so that
 * results do not depend on the account running the tests. */
#define BASE "IdentityFile /k/id\nUserKnownHostsFile /kh\nGlobalKnownHostsFile /gkh\n"

static int setup(void **state)
{
	(void)state;
	strcpy(path, "/tmp/cswarm-sshtarget-XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	unsetenv("CSWARM_KNOWN_HOSTS");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return unlink(path);
}

/* Resolve host (with the inventory's user, port, key) under config, with
 * --connect-timeout flag_ms (0: not given); 0 or -1 with err filled. */
static int resolve_flag(const char *config, long flag_ms, const struct target_hint *h,
			struct ssh_target *t, struct strbuf *err)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%s\nHost *\n  User u\n", config);
	fclose(f);
	struct target_opts o = { .ssh_config = path, .connect_timeout_ms = 10000,
				 .connect_timeout_flag_ms = flag_ms };
	return ssh_target_resolve(h, &o, t, err);
}

static int resolve(const char *config, const struct target_hint *h, struct ssh_target *t,
		   struct strbuf *err)
{
	return resolve_flag(config, 0, h, t, err);
}

/* "user@address:port" of t and each jump host after it, " <- " between,
 * "|PROXYCOMMAND" after one that has a ProxyCommand. */
static char *chain(const struct ssh_target *t)
{
	struct strbuf sb = STRBUF_INIT;
	for (; t; t = t->jump) {
		sb_addf(&sb, "%s%s@%s:%d", sb.len ? " <- " : "", t->user, t->address, t->port);
		if (t->proxy_command)
			sb_addf(&sb, "|%s", t->proxy_command);
	}
	return sb_detach(&sb);
}

struct chain_case {
	const char *what, *config, *host, *want;
};

static const struct chain_case chain_cases[] = {
	{ "direct", BASE, "h", "u@h:22" },
	{ "ProxyCommand on the first hop is honoured",
	  BASE "Host t\n  ProxyJump a\nHost a\n  ProxyCommand nc %h %p\n",
	  "t", "u@t:22 <- u@a:22|exec nc a 22" },
	{ "a later hop's own ProxyJump is overridden (ssh -J a b)",
	  BASE "Host t\n  ProxyJump a,b:2200\nHost b\n  ProxyJump x\n  User bu\n",
	  "t", "u@t:22 <- bu@b:2200 <- u@a:22" },
	{ "the first hop's own ProxyJump is honoured",
	  BASE "Host t\n  ProxyJump a,b\nHost a\n  ProxyJump first\n",
	  "t", "u@t:22 <- u@b:22 <- u@a:22 <- u@first:22" },
	{ "a hop's user and port come from the hop, not from the target",
	  BASE "Host t\n  ProxyJump j1,ju@j2:2022\nHost j1\n  Port 2001\n",
	  "t", "u@t:22 <- ju@j2:2022 <- u@j1:2001" },
	{ "a hop's HostName applies",
	  BASE "Host t\n  ProxyJump bastion\nHost bastion\n  HostName 10.0.0.1\n",
	  "t", "u@t:22 <- u@10.0.0.1:22" },
	{ "a hop's ProxyCommand is overridden as well",
	  BASE "Host t\n  ProxyJump a,b\nHost b\n  ProxyCommand nc %h %p\n",
	  "t", "u@t:22 <- u@b:22 <- u@a:22" },
};

static void test_chain(void **state)
{
	const struct chain_case *cc = *state;
	struct target_hint h = { cc->host, cc->host, 0, NULL, NULL };
	struct ssh_target t;
	struct strbuf err = STRBUF_INIT;

	if (resolve(cc->config, &h, &t, &err))
		fail_msg("%s: %s", cc->what, sb_str(&err));
	char *got = chain(&t);
	if (strcmp(got, cc->want))
		fail_msg("%s:\nwant: %s\ngot:  %s", cc->what, cc->want, got);
	free(got);
	ssh_target_free(&t);
	sb_free(&err);
}

static void test_render(void **state)
{
	struct target_hint h = { "web", "web", 2222, "deploy", "/k/inventory" };
	struct ssh_target t;
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	(void)state;

	assert_int_equal(resolve(BASE "Host web\n  HostName Web.Example\n  ProxyJump ssh://b@j:2,[::1]:3\n"
				 "  ConnectTimeout 0\n  StrictHostKeyChecking accept-new\n", &h, &t, &err), 0);
	ssh_target_render(&t, &out);
	assert_string_equal(sb_str(&out),
			    "hostname web.example\nport 2222\nuser deploy\n"
			    "identityfile /k/inventory\nidentityfile /k/id\n"
			    "proxyjump ssh://b@j:2,[::1]:3\nuserknownhostsfile /kh\n"
			    "stricthostkeychecking accept-new\nconnecttimeout none\n");
	assert_int_equal(t.connect_timeout_ms, 0);
	assert_int_equal(t.nknown_hosts, 2);
	assert_int_equal(t.nuser_known_hosts, 1);
	ssh_target_free(&t);
	sb_free(&out);
	sb_free(&err);
}

static void test_proxy_command(void **state)
{
	struct target_hint h = { "h", "h", 0, "inv", NULL };
	struct ssh_target t;
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	(void)state;

	assert_int_equal(resolve(BASE "ProxyCommand ssh -W %h:%p -l %r %n # 100%%\nServerAliveInterval 0\n",
				 &h, &t, &err), 0);
	assert_null(t.jump);
	assert_string_equal(t.proxy_command, "exec ssh -W h:22 -l inv h # 100%");
	assert_int_equal(t.keepalive_s, 0);
	assert_int_equal(t.connect_timeout_ms, 10000);
	ssh_target_render(&t, &out);
	assert_non_null(strstr(sb_str(&out), "\nproxycommand ssh -W %h:%p -l %r %n # 100%%\n"));
	ssh_target_free(&t);
	sb_free(&out);
	sb_free(&err);
}

struct error_case {
	const char *config, *host, *want;
};

static const struct error_case error_cases[] = {
	{ BASE "Host *\n  ProxyJump bastion\n", "bastion", "ProxyJump loop via bastion" },
	{ BASE "Host *\n  ProxyJump bastion\n", "h", "ProxyJump loop via bastion" },
	{ BASE "Host t\n  ProxyJump a\nHost a\n  ProxyJump t\n", "t", "ProxyJump chain too long" },
	{ BASE "Host b\n  Port 0\n", "b", ":5: bad Port \"0\"" },
};

static void test_error(void **state)
{
	const struct error_case *ec = *state;
	struct target_hint h = { ec->host, ec->host, 0, NULL, NULL };
	struct ssh_target t;
	struct strbuf err = STRBUF_INIT;

	if (resolve(ec->config, &h, &t, &err) == 0 || !strstr(sb_str(&err), ec->want))
		fail_msg("want \"%s\", got \"%s\"", ec->want, sb_str(&err));
	assert_null(t.address);
	sb_free(&err);
}

static void test_known_hosts_env(void **state)
{
	struct target_hint h = { "h", "h", 0, NULL, NULL };
	struct ssh_target t;
	struct strbuf err = STRBUF_INIT;
	(void)state;

	setenv("CSWARM_KNOWN_HOSTS", "/a:/b", 1);
	assert_int_equal(resolve(BASE, &h, &t, &err), 0);
	unsetenv("CSWARM_KNOWN_HOSTS");
	assert_int_equal(t.nknown_hosts, 2);
	assert_string_equal(t.known_hosts[1], "/b");
	ssh_target_free(&t);
	sb_free(&err);
}

struct timeout_case {
	const char *what, *config;
	long flag_ms, want_ms;
};

/* --connect-timeout wins over ConnectTimeout (as ssh -o over the config);
 * the config over the default. */
static const struct timeout_case timeout_cases[] = {
	{ "neither: the default", BASE, 0, 10000 },
	{ "the flag alone", BASE, 2000, 2000 },
	{ "the config alone", BASE "Host h\n  ConnectTimeout 7\n", 0, 7000 },
	{ "the flag over the config", BASE "Host h\n  ConnectTimeout 7\n", 2000, 2000 },
	{ "the config's none", BASE "Host h\n  ConnectTimeout 0\n", 0, 0 },
	{ "the flag over the config's none", BASE "Host h\n  ConnectTimeout 0\n", 3000, 3000 },
};

static void test_connect_timeout(void **state)
{
	const struct timeout_case *tc = *state;
	struct target_hint h = { "h", "h", 0, NULL, NULL };
	struct ssh_target t;
	struct strbuf err = STRBUF_INIT;

	assert_int_equal(resolve_flag(tc->config, tc->flag_ms, &h, &t, &err), 0);
	assert_int_equal(t.connect_timeout_ms, tc->want_ms);
	ssh_target_free(&t);
	sb_free(&err);
}

int main(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(chain_cases); i++)
		add_test(test_chain, &chain_cases[i], "chain: %s", chain_cases[i].what);
	for (size_t i = 0; i < ARRAY_SIZE(error_cases); i++)
		add_test(test_error, &error_cases[i], "error: %s", error_cases[i].want);
	for (size_t i = 0; i < ARRAY_SIZE(timeout_cases); i++)
		add_test(test_connect_timeout, &timeout_cases[i], "connect timeout: %s", timeout_cases[i].what);
	add_test(test_render, NULL, "%s", "render in ssh -G form");
	add_test(test_proxy_command, NULL, "%s", "ProxyCommand: tokens, exec prefix, shown as written");
	add_test(test_known_hosts_env, NULL, "%s", "CSWARM_KNOWN_HOSTS replaces every file");
	return run_added_tests("ssh_target", setup, teardown);
}
