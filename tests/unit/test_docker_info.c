/* JSON reading (jsmn) and `docker info` parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "docker/info.h"
#include "util/json.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* Trimmed from a real `docker info --format '{{json .}}'` of Docker 20.10. */
static const char sample[] =
	"{\"ID\":\"abc\",\"Containers\":3,\"Name\":\"h1\",\"NCPU\":2,\"MemTotal\":25165824000,"
	"\"ServerVersion\":\"20.10.24+dfsg1\",\"OperatingSystem\":\"Debian GNU/Linux 12 (bookworm)\","
	"\"OSType\":\"linux\",\"Architecture\":\"x86_64\",\"Labels\":[\"zone=east\",\"ssd=true\"],"
	"\"Swarm\":{\"NodeID\":\"\",\"LocalNodeState\":\"inactive\"},\"Warnings\":null,"
	"\"RegistryConfig\":{\"IndexConfigs\":{\"docker.io\":{\"Name\":\"docker.io\"}}}}";

static void test_docker_info(void **state)
{
	(void)state;
	struct docker_info d;
	struct strbuf err = STRBUF_INIT;
	assert_int_equal(docker_info_parse(sample, strlen(sample), &d, &err), 0);
	assert_string_equal(d.version, "20.10.24+dfsg1");
	assert_string_equal(d.name, "h1");
	assert_string_equal(d.os_type, "linux");
	assert_string_equal(d.arch, "x86_64");
	assert_int_equal(d.ncpu, 2);
	assert_true(d.mem_total == 25165824000LL);
	assert_int_equal(d.nlabels, 2);
	assert_string_equal(d.labels[1].key, "ssd");
	assert_string_equal(d.labels[1].value, "true");
	docker_info_free(&d);
	sb_free(&err);
}

static void test_docker_info_errors(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "{", "[1,2]", "{\"ServerVersion\":\"\"}", "{\"Name\":\"x\"}", "not json",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct docker_info d;
		struct strbuf err = STRBUF_INIT;
		assert_int_equal(docker_info_parse(bad[i], strlen(bad[i]), &d, &err), -1);
		assert_true(err.len > 0);
		sb_free(&err);
	}
}

static void test_failure_reason(void **state)
{
	(void)state;
	assert_string_equal(docker_failure_reason(1, "", "Cannot connect to the Docker daemon at unix:///x. Is the docker daemon running?"),
			    "docker not running");
	assert_string_equal(docker_failure_reason(127, "", "sh: docker: not found"), "docker not installed");
	assert_string_equal(docker_failure_reason(1, "", "permission denied while trying to connect"),
			    "docker permission denied");
}

static void test_json_strings(void **state)
{
	(void)state;
	static const char text[] = "{\"a\":\"x\\\"y\\\\z\\n\\u00e9\\ud83d\\ude00\",\"b\":[1,{\"c\":2}],\"d\":-7}";
	struct json j;
	struct strbuf err = STRBUF_INIT;
	assert_int_equal(json_parse(&j, text, strlen(text), &err), 0);
	char *a = json_str(&j, json_get(&j, 0, "a"));
	assert_string_equal(a, "x\"y\\z\n\xc3\xa9\xf0\x9f\x98\x80");
	free(a);
	int b = json_get(&j, 0, "b");
	assert_int_equal(json_kind(&j, b), JSON_ARRAY);
	assert_int_equal(json_size(&j, b), 2);
	long long v = 0;
	assert_int_equal(json_int(&j, json_get(&j, 0, "d"), &v), 0);
	assert_true(v == -7);
	assert_int_equal(json_get(&j, 0, "c"), -1);	/* nested keys are not top-level */
	assert_int_equal(json_get(&j, b, "c"), -1);
	json_free(&j);
	sb_free(&err);
}

/* jsmn accepts these; json_parse must not, or walkers step out of bounds. */
static void test_json_structure(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"{\"format\"\"\"}", "{\"a\" \"b\"}", "{\"a\":1,\"b\"}", "[\"a\":1]",
		"{\"Labels\":{\"x\" \"y\"},\"ServerVersion\":\"1\"}", "{} {}", "1 2",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct json j;
		struct strbuf err = STRBUF_INIT;
		if (json_parse(&j, bad[i], strlen(bad[i]), &err) == 0)
			fail_msg("accepted %s", bad[i]);
		assert_true(err.len > 0);
		sb_free(&err);
	}
	struct strbuf deep = STRBUF_INIT, err = STRBUF_INIT;
	struct json j;
	for (int i = 0; i < JSON_MAX_DEPTH + 1; i++)
		sb_adds(&deep, "{\"a\":");
	sb_adds(&deep, "1");
	for (int i = 0; i < JSON_MAX_DEPTH + 1; i++)
		sb_addc(&deep, '}');
	assert_int_equal(json_parse(&j, deep.buf, deep.len, &err), -1);
	sb_reset(&err);
	assert_int_equal(json_parse(&j, deep.buf + 5, deep.len - 6, &err), 0);
	json_free(&j);
	sb_free(&deep);
	sb_free(&err);
}

static void test_human_bytes(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	human_bytes(&sb, 512);
	assert_string_equal(sb.buf, "512B");
	sb_reset(&sb);
	human_bytes(&sb, 25165824000LL);
	assert_string_equal(sb.buf, "23.4GiB");
	sb_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker_info),
		cmocka_unit_test(test_docker_info_errors),
		cmocka_unit_test(test_failure_reason),
		cmocka_unit_test(test_json_strings),
		cmocka_unit_test(test_json_structure),
		cmocka_unit_test(test_human_bytes),
	};
	return cmocka_run_group_tests_name("docker_info", tests, NULL, NULL);
}
