/* docker/observe.c: the per-host command, and parsing the real output of
 * `docker inspect` (Docker 20.10, captured from the local cluster: a
 * healthy replicated web task with ports, a job that exited 3, a global
 * task). Run from the top of the tree (tests/run does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/unit_helpers.h"

#include "docker/observe.h"
#include "util/util.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SAMPLE "tests/unit/data/docker_inspect.json"

static char *read_sample(size_t *len)
{
	char *text = read_file(SAMPLE, len);
	if (!text)
		fail_msg("%s: cannot open (run from the top of the tree)", SAMPLE);
	return text;
}

static void test_command(void **state)
{
	(void)state;
	struct strbuf out = STRBUF_INIT;
	docker_observe_command("c'1", &out);
	assert_string_equal(out.buf,
		"ids=$(docker ps -aq --no-trunc --filter 'label=cswarm.cluster=c'\\''1') && "
		"if [ -z \"$ids\" ]; then echo '[]'; else docker inspect $ids; fi");
	sb_free(&out);
}

static void test_real_inspect(void **state)
{
	(void)state;
	size_t len, n;
	char *text = read_sample(&len);
	struct observed *o;
	struct strbuf err = STRBUF_INIT;
	assert_int_equal(docker_observe_parse(text, len, &o, &n, &err), 0);
	assert_int_equal(n, 3);
	/* Sorted by name: demo_agent.h3.t3, demo_job.2.t2, demo_web.1.t1. */
	assert_string_equal(o[0].name, "demo_agent.h3.t3");
	assert_string_equal(o[0].service, "agent");
	assert_string_equal(o[0].node, "h3");
	assert_int_equal(o[0].slot, 0);
	assert_int_equal(o[0].state, CONTAINER_RUNNING);
	assert_int_equal(o[0].health, HEALTH_NONE);
	assert_int_equal(o[0].nports, 0);
	assert_string_equal(o[0].restart_policy, "no");
	assert_int_equal(o[0].restart_count, 0);

	assert_string_equal(o[1].name, "demo_job.2.t2");
	assert_int_equal(o[1].slot, 2);
	assert_null(o[1].node);
	assert_int_equal(o[1].state, CONTAINER_EXITED);
	assert_int_equal(o[1].exit_code, 3);
	assert_non_null(o[1].finished_at);
	assert_null(o[1].error);

	const struct observed *w = &o[2];
	assert_string_equal(w->name, "demo_web.1.t1");
	assert_int_equal(strlen(w->container_id), 64);
	assert_string_equal(w->stack, "demo");
	assert_string_equal(w->service, "web");
	assert_string_equal(w->task_id, "t1");
	assert_int_equal(w->slot, 1);
	assert_int_equal(strlen(w->hash), 12);
	assert_int_equal(w->state, CONTAINER_RUNNING);
	assert_int_equal(w->exit_code, 0);
	assert_int_equal(w->health, HEALTH_HEALTHY);
	assert_string_equal(w->image, "busybox:latest");
	assert_true(starts_with(w->started_at, "20"));
	bool http = false;
	for (size_t i = 0; i < w->nports; i++)
		http |= streq(w->ports[i], "0.0.0.0:18080->8080/tcp");
	assert_true(http);
	docker_observed_free(o, n);
	sb_free(&err);
	free(text);
}

static void test_empty(void **state)
{
	(void)state;
	static const char *const none[] = { "", "\n", "[]", "[]\n", " [ ] " };
	for (size_t i = 0; i < ARRAY_SIZE(none); i++) {
		struct observed *o = (struct observed *)1;
		size_t n = 99;
		struct strbuf err = STRBUF_INIT;
		assert_int_equal(docker_observe_parse(none[i], strlen(none[i]), &o, &n, &err), 0);
		assert_int_equal(n, 0);
		docker_observed_free(o, n);
		sb_free(&err);
	}
}

/* Odd but valid JSON: missing pieces are NULL or 0, never a crash. */
static void test_sparse(void **state)
{
	(void)state;
	static const char doc[] =
		"[{\"Id\":\"abc\",\"Name\":\"/x\",\"Config\":{\"Labels\":{\"cswarm.slot\":\"99999999999\","
		"\"cswarm.service\":7}},\"State\":{\"Status\":\"dead\",\"ExitCode\":\"1\",\"Health\":null,"
		"\"Error\":\"oci runtime error\"},\"NetworkSettings\":{\"Ports\":{\"80/tcp\":null,"
		"\"81/tcp\":[{\"HostIp\":\"::\",\"HostPort\":\"81\"}],\"82/tcp\":7}}}]";
	struct observed *o;
	size_t n;
	struct strbuf err = STRBUF_INIT;
	assert_int_equal(docker_observe_parse(doc, strlen(doc), &o, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(o[0].name, "x");
	assert_int_equal(o[0].slot, 0);
	assert_null(o[0].service);
	assert_int_equal(o[0].state, CONTAINER_DEAD);
	assert_int_equal(o[0].exit_code, 0);
	assert_int_equal(o[0].health, HEALTH_NONE);
	assert_string_equal(o[0].error, "oci runtime error");
	assert_int_equal(o[0].nports, 1);
	assert_string_equal(o[0].ports[0], "[::]:81->81/tcp");
	docker_observed_free(o, n);
	sb_free(&err);
}

/* The engine's restart policy and count, read back for max_attempts. */
static void test_restart_fields(void **state)
{
	(void)state;
	static const char doc[] =
		"[{\"Id\":\"a\",\"Name\":\"/a\",\"RestartCount\":4,\"HostConfig\":{\"RestartPolicy\":"
		"{\"Name\":\"on-failure\",\"MaximumRetryCount\":3}}},"
		"{\"Id\":\"b\",\"Name\":\"/b\",\"RestartCount\":-2,\"HostConfig\":{\"RestartPolicy\":"
		"{\"Name\":\"unless-stopped\",\"MaximumRetryCount\":0}}}]";
	struct observed *o;
	size_t n;
	struct strbuf err = STRBUF_INIT;
	assert_int_equal(docker_observe_parse(doc, strlen(doc), &o, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(o[0].restart_policy, "on-failure:3");
	assert_int_equal(o[0].restart_count, 4);
	assert_string_equal(o[1].restart_policy, "unless-stopped");
	assert_int_equal(o[1].restart_count, 0);
	docker_observed_free(o, n);
	sb_free(&err);
}

static void test_bad(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"{}", "[1]", "[{\"Name\":\"/x\"}]", "[{\"Id\":\"a\",\"Name\":\"/x\"},", "Error: No such object",
		"[{\"Id\":\"a\",\"Name\":\"/x\"},\"str\"]", "null",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct observed *o;
		size_t n;
		struct strbuf err = STRBUF_INIT;
		if (docker_observe_parse(bad[i], strlen(bad[i]), &o, &n, &err) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_true(err.len > 0);
		sb_free(&err);
	}
}

/* Every prefix of the real output: an error or a result, never a crash. */
static void test_truncated(void **state)
{
	(void)state;
	size_t len;
	char *text = read_sample(&len);
	for (size_t cut = 0; cut < len; cut += 7) {
		char *part = xstrndup(text, cut);
		struct observed *o;
		size_t n;
		struct strbuf err = STRBUF_INIT;
		if (docker_observe_parse(part, cut, &o, &n, &err) == 0)
			docker_observed_free(o, n);
		sb_free(&err);
		free(part);
	}
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_command),
		cmocka_unit_test(test_real_inspect),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_sparse),
		cmocka_unit_test(test_restart_fields),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_truncated),
	};
	return cmocka_run_group_tests_name("docker_observe", tests, NULL, NULL);
}
