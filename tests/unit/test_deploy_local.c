/* `deploy` run in this process against three local "hosts" (local_sshd.h:
 * sshd -i with tests/fleet/fake-docker as docker): converge_apply's waves
 * as the hosts see them. A rolling update stops each old task before its
 * replacement starts (or after, start-first); a failed batch pauses the
 * update before the next one, unless max_failure_ratio tolerates it; a
 * task restarted within update_config.monitor fails its batch;
 * deploy --prune stops what the file no longer lists, and only that. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cmd/cmd.h"
#include "util/util.h"
#include "local_sshd.h"
#include "unit_helpers.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const hosts[] = { "h1", "h2", "h3" };

static const char stack_text[] =
	"name: app\n"
	"services:\n"
	"  web:\n"
	"    image: busybox:latest\n"
	"    environment: { V: \"%s\" }\n"
	"    deploy: { replicas: 3, placement: { max_replicas_per_node: 1 },\n"
	"              update_config: { parallelism: 1, %s } }\n";

static char *in_dir(const char *fmt, const char *name)
{
	char *rel = xasprintf(fmt, name), *path = xasprintf("%s/%s", sshd.dir, rel);
	free(rel);
	return path;
}

/* cswarm ARGS... in this process; its exit status. */
static int cswarm(const char *first, ...)
{
	char *argv[16];
	int argc = 0;
	va_list ap;
	va_start(ap, first);
	for (const char *a = first; a && argc < 15; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	optind = 0;	/* getopt starts afresh for each command */
	const struct cmd *c = find_command(argv[0]);
	assert_non_null(c);
	int rc = run_command(c, argc, argv);
	fflush(NULL);
	return rc;
}

/* Three hosts, h1 the manager; the cluster initialised. */
static void hosts_up(void)
{
	local_sshd_start(&sshd, NULL);
	local_sshd_docker(&sshd, "h1 h2 h3");
	char *inv = in_dir("%s", "hosts.ini"), *text;
	text = xasprintf("[managers]\nh1 cswarm_state_dir=%s/state\n[workers]\nh2\nh3\n"
			 "[all:vars]\ncswarm_network=bridge\n", sshd.dir);
	local_sshd_write(inv, text);
	setenv("CSWARM_INVENTORY", inv, 1);
	setenv("CSWARM_SSH_CONFIG", sshd.ssh_config, 1);
	setenv("CSWARM_NO_PROGRESS", "1", 1);
	free(text);
	free(inv);
	assert_int_equal(cswarm("init", NULL), 0);
}

static int deploy(const char *version, const char *update_config)
{
	char *path = in_dir("%s", "stack.yml"), *text = xasprintf(stack_text, version, update_config);
	local_sshd_write(path, text);
	int rc = cswarm("deploy", path, NULL);
	free(text);
	free(path);
	return rc;
}

/* Forget the docker calls so far. */
static void calls_reset(void)
{
	for (size_t h = 0; h < ARRAY_SIZE(hosts); h++) {
		char *log = in_dir("hosts/%s/calls.log", hosts[h]);
		unlink(log);
		free(log);
	}
}

/* What docker did on host since calls_reset: "run" or "stop" a line.
 * fake-docker logs each word quoted: docker 'run' '-d' ... */
static char *changes_on(const char *host)
{
	char *log = in_dir("hosts/%s/calls.log", host);
	size_t len = 0;
	char *text = read_file(log, &len);
	struct strbuf out = STRBUF_INIT;
	for (char *line = text, *end; line && *line; line = end + 1) {
		end = strchr(line, '\n');
		if (!end)
			break;
		if (starts_with(line, "docker 'run'") || starts_with(line, "docker 'stop'"))
			sb_addf(&out, "%.*s\n", line[8] == 'r' ? 3 : 4, line + 8);
	}
	free(text);
	free(log);
	return sb_detach(&out);
}

static size_t runs_everywhere(void)
{
	size_t n = 0;
	for (size_t h = 0; h < ARRAY_SIZE(hosts); h++) {
		char *c = changes_on(hosts[h]);
		for (const char *p = c; (p = strstr(p, "run\n")); p++)
			n++;
		free(c);
	}
	return n;
}

/* A marker file of local_sshd_docker's on host. */
static void mark(const char *host, const char *name)
{
	char *marker = xasprintf("%s/hosts/%s/%s", sshd.dir, host, name);
	local_sshd_write(marker, "");
	free(marker);
}

static void expect_changes(const char *host, const char *want)
{
	char *got = changes_on(host);
	if (!streq(got, want))
		fail_msg("%s: docker did\n%s, expected\n%s", host, got, want);
	free(got);
}

static void test_rolling_update_order(void **unused)
{
	(void)unused;
	hosts_up();
	assert_int_equal(deploy("1", "order: stop-first"), 0);
	assert_int_equal(runs_everywhere(), 3);
	calls_reset();
	assert_int_equal(deploy("2", "order: stop-first"), 0);
	for (size_t h = 0; h < ARRAY_SIZE(hosts); h++)
		expect_changes(hosts[h], "stop\nrun\n");
	calls_reset();
	assert_int_equal(deploy("3", "order: start-first"), 0);
	for (size_t h = 0; h < ARRAY_SIZE(hosts); h++)
		expect_changes(hosts[h], "run\nstop\n");
	calls_reset();
	assert_int_equal(deploy("3", "order: start-first"), 0);	/* nothing to do */
	assert_int_equal(runs_everywhere(), 0);
}

/* Every start fails: the first batch fails, and the update pauses there
 * (failure_action pause): the two other tasks are never touched. */
static void test_failed_batch_pauses_the_update(void **unused)
{
	(void)unused;
	hosts_up();
	assert_int_equal(deploy("1", "failure_action: pause"), 0);
	for (size_t h = 0; h < ARRAY_SIZE(hosts); h++)
		mark(hosts[h], "fail-run");
	calls_reset();
	assert_int_not_equal(deploy("2", "failure_action: pause"), 0);
	assert_int_equal(runs_everywhere(), 1);
}

/* One host refuses starts: 1 of 3 is within max_failure_ratio 0.5, so
 * every batch runs. */
static void test_failures_within_the_ratio_go_on(void **unused)
{
	(void)unused;
	hosts_up();
	assert_int_equal(deploy("1", "failure_action: pause, max_failure_ratio: 0.5"), 0);
	mark("h2", "fail-run");
	calls_reset();
	assert_int_not_equal(deploy("2", "failure_action: pause, max_failure_ratio: 0.5"), 0);
	assert_int_equal(runs_everywhere(), 3);
}

/* update_config.monitor: a new task the engine restarts within the
 * period counts as failed, and the update pauses after that batch. */
static void test_monitor_sees_a_restart(void **unused)
{
	(void)unused;
	hosts_up();
	assert_int_equal(deploy("1", "monitor: 1s, failure_action: pause"), 0);
	for (size_t h = 0; h < ARRAY_SIZE(hosts); h++)
		mark(hosts[h], "restart-on-inspect");
	calls_reset();
	assert_int_not_equal(deploy("2", "monitor: 1s, failure_action: pause"), 0);
	assert_int_equal(runs_everywhere(), 1);
}

/* web and, when with_api, api: one task each on h1. */
static int deploy_two(int with_api, const char *flag)
{
	char *path = in_dir("%s", "two.yml");
	local_sshd_write(path, with_api ?
			 "name: app\nservices:\n"
			 "  web: { image: busybox:latest, deploy: { placement: { constraints: [node.role == manager] } } }\n"
			 "  api: { image: busybox:latest, deploy: { placement: { constraints: [node.role == manager] } } }\n" :
			 "name: app\nservices:\n"
			 "  web: { image: busybox:latest, deploy: { placement: { constraints: [node.role == manager] } } }\n");
	int rc = flag ? cswarm("deploy", flag, path, NULL) : cswarm("deploy", path, NULL);
	free(path);
	return rc;
}

/* A service the file no longer lists keeps running without --prune, and
 * only it goes with --prune. */
static void test_prune(void **unused)
{
	(void)unused;
	hosts_up();
	assert_int_equal(deploy_two(1, NULL), 0);
	expect_changes("h1", "run\nrun\n");
	calls_reset();
	assert_int_equal(deploy_two(0, NULL), 0);
	expect_changes("h1", "");
	assert_int_equal(deploy_two(0, "--prune"), 0);
	expect_changes("h1", "stop\n");
	char *log = in_dir("hosts/%s/calls.log", "h1"), *text = read_file(log, &(size_t){ 0 });
	assert_non_null(strstr(text, "docker 'stop' '-t' '10' 'app_api.1."));
	free(text);
	free(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		WITH_SSHD(test_rolling_update_order),
		WITH_SSHD(test_failed_batch_pauses_the_update),
		WITH_SSHD(test_failures_within_the_ratio_go_on),
		WITH_SSHD(test_monitor_sees_a_restart),
		WITH_SSHD(test_prune),
	};
	return cmocka_run_group_tests_name("deploy to local hosts", tests, local_sshd_group_setup, NULL);
}
