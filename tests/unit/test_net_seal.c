/* The overlay's seal (docker/netpush.h): a push's seal and a later
 * observation's line, run here under /bin/sh in a directory of the test's
 * own, with a probe that prints a file; the observation's parser keeps the
 * line. A push is skipped only for the same digest with the fingerprint
 * unchanged; within a push, the DNS prune only when its list changed; a
 * push that stops names the step it reached. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_helpers.h"
#include "docker/netpush.h"
#include "engine/observe.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

#define DIGEST "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define OTHER "0f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

struct sealed {
	char dir[64];
	char *probe;	/* prints $dir/kernel: what the host "has" */
};

static void sealed_init(struct sealed *s)
{
	strcpy(s->dir, "/tmp/cswarm-seal-XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	s->probe = xasprintf("cat '%s/kernel'\n", s->dir);
}

static void sealed_free(struct sealed *s)
{
	char *rm = xasprintf("rm -rf '%s'", s->dir);
	assert_int_equal(system(rm), 0);
	free(rm);
	free(s->probe);
}

static void kernel_has(struct sealed *s, const char *what)
{
	char *cmd = xasprintf("echo '%s' >'%s/kernel'", what, s->dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

/* The text after NETPUSH_SEEN in what script printed. */
static char *seen_after(const char *script)
{
	char *out = sh_stdout(script, NULL);
	char *line = strstr(out, NETPUSH_SEEN);
	assert_non_null(line);
	line += strlen(NETPUSH_SEEN);
	char *seen = xstrndup(line, strcspn(line, "\n"));
	free(out);
	return seen;
}

static char *push(struct sealed *s, const char *digest)
{
	struct strbuf sb = STRBUF_INIT;
	netpush_unseal(&sb, s->dir);
	netpush_seal(&sb, s->dir, s->probe, digest);
	char *seen = seen_after(sb.buf);
	sb_free(&sb);
	return seen;
}

static char *observe(struct sealed *s)
{
	struct strbuf sb = STRBUF_INIT;
	netpush_seen_command(&sb, s->dir);
	char *seen = seen_after(sb.buf);
	sb_free(&sb);
	return seen;
}

static void test_unchanged_after_push(void **unused)
{
	(void)unused;
	struct sealed s;
	sealed_init(&s);
	kernel_has(&s, "vxlan up");
	char *pushed = push(&s, DIGEST), *seen = observe(&s);
	assert_string_equal(seen, pushed);
	assert_true(netpush_unchanged(seen, DIGEST));
	assert_false(netpush_unchanged(seen, OTHER));		/* another push */
	free(seen);
	/* Changed by hand: the fingerprints differ, the same push goes again. */
	kernel_has(&s, "vxlan gone");
	seen = observe(&s);
	assert_false(netpush_unchanged(seen, DIGEST));
	free(seen);
	free(pushed);
	sealed_free(&s);
}

/* A push that fails halfway leaves no seal: the next one is never skipped. */
static void test_unsealed_until_done(void **unused)
{
	(void)unused;
	struct sealed s;
	sealed_init(&s);
	kernel_has(&s, "vxlan up");
	free(push(&s, DIGEST));
	struct strbuf sb = STRBUF_INIT;
	netpush_unseal(&sb, s.dir);
	sb_adds(&sb, "false\n");
	assert_int_not_equal(system(sb.buf), 0);
	sb_free(&sb);
	char *seen = observe(&s);
	assert_false(netpush_unchanged(seen, DIGEST));
	free(seen);
	sealed_free(&s);
}

static void test_malformed_lines(void **unused)
{
	(void)unused;
	static const char *const bad[] = {
		"", "|", DIGEST, DIGEST "|", DIGEST " 1 2", DIGEST " 1 2|", DIGEST " 1 2|1 3",
		DIGEST "1 2|1 2", " 1 2|1 2", DIGEST " |", "x " DIGEST " 1 2|1 2",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_false(netpush_unchanged(bad[i], DIGEST));
	assert_false(netpush_unchanged(NULL, DIGEST));
	assert_true(netpush_unchanged(DIGEST " 1 2|1 2", DIGEST));
}

/* The observation keeps the line after the clock, and drops one too long
 * to be ours. */
static void test_observation_keeps_the_line(void **unused)
{
	(void)unused;
	const char *info = "{\"ServerVersion\":\"20.10.24\",\"Name\":\"h2\"}";
	char *longer = xstrndup("", 0);
	for (int round = 0; round < 2; round++) {
		struct host_view v;
		memset(&v, 0, sizeof(v));
		sb_init(&v.detail);
		struct ssh_result res;
		ssh_result_init(&res);
		sb_addf(&res.out, "@@cswarm-clock 1700000000\n" NETPUSH_SEEN "%s " "1 2|1 2%s\n%s",
			DIGEST, longer, info);
		assert_int_equal(observe_parse_output(&v, "h2", &res, 0), 0);
		assert_string_equal(v.info.name, "h2");
		if (round == 0)
			assert_true(netpush_unchanged(v.net_seen, DIGEST));
		else
			assert_null(v.net_seen);
		ssh_result_free(&res);
		struct host_view *copy = xcalloc(1, sizeof(*copy));
		*copy = v;
		host_views_free(copy, 1);
		free(longer);
		longer = xcalloc(300, 1);
		memset(longer, 'x', 299);
	}
	free(longer);
}

/* The DNS prune lists the containers only when the kept list changed. */
static void test_prune_only_when_kept_list_changes(void **unused)
{
	(void)unused;
	struct sealed s;
	sealed_init(&s);
	static const char fake_docker[] =
		"docker() { echo \"docker $*\" >>\"$LOG\"; case $1 in\n"
		"ps) printf 'csw-dns-a\\ncsw-dns-b\\n' ;; esac; }\n";
	const char *const keep_a[] = { "csw-dns-a" }, *const keep_ab[] = { "csw-dns-a", "csw-dns-b" };
	const char *const *keeps[] = { keep_a, keep_a, keep_ab };
	const size_t nkeeps[] = { 1, 1, 2 };
	const char *const logged[] = { "docker rm -f csw-dns-b", "", "docker ps" };
	for (size_t i = 0; i < ARRAY_SIZE(keeps); i++) {
		struct strbuf sb = STRBUF_INIT;
		sb_addf(&sb, "LOG='%s/log'; : >\"$LOG\"\n%s", s.dir, fake_docker);
		netpush_dns_prune(&sb, "cid", s.dir, keeps[i], nkeeps[i]);
		sb_addf(&sb, "cat \"$LOG\"\n");
		char *out = sh_stdout(sb.buf, NULL);
		if (*logged[i])
			assert_non_null(strstr(out, logged[i]));
		else
			assert_null(strstr(out, "docker"));
		if (i == 2)
			assert_null(strstr(out, "rm -f"));
		free(out);
		sb_free(&sb);
	}
	sealed_free(&s);
}

/* A push that stops (here: docker run fails under set -e) is reported with
 * the last step it reached; a marker inside a line is no step. */
static void test_last_step(void **unused)
{
	(void)unused;
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "trap 'echo stopped; exit 0' EXIT\nset -e\ndocker() { case $1 in run) return 1;; esac; }\necho x " NETPUSH_STEP "no\n");
	netpush_step(&sb, "an earlier", "step");
	netpush_dns(&sb, "cid", "csw-dns-a", "img", "10.0.0.1", "/tmp/cswarm-step-test", "");
	sb_adds(&sb, "echo not reached\n");
	char *out = sh_stdout(sb.buf, NULL), *step = netpush_last_step(out);
	assert_string_equal(step, "DNS server csw-dns-a");
	assert_null(strstr(out, "not reached"));
	assert_non_null(strstr(out, "stopped"));
	free(step);
	assert_null(netpush_last_step("echo x " NETPUSH_STEP "no\n"));
	assert_int_equal(system("rm -rf /tmp/cswarm-step-test"), 0);
	free(out);
	sb_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unchanged_after_push),
		cmocka_unit_test(test_unsealed_until_done),
		cmocka_unit_test(test_malformed_lines),
		cmocka_unit_test(test_observation_keeps_the_line),
		cmocka_unit_test(test_prune_only_when_kept_list_changes),
		cmocka_unit_test(test_last_step),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
