/* Unit tests for the stack-file loader: interpolation, units, every key's
 * short and long forms, merge rules, hostile input and error messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "compose/compose.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct compose_opts quiet_opts = { .quiet = true, .working_dir = "/w", .name = "t" };

static int load(const char *yaml, struct stack **st, struct strbuf *err)
{
	return compose_load_buffer("t.yml", yaml, strlen(yaml), &quiet_opts, st, err);
}

static struct stack *load_ok(const char *yaml)
{
	struct strbuf err = STRBUF_INIT;
	struct stack *st = NULL;
	if (load(yaml, &st, &err) < 0)
		fail_msg("unexpected error: %s\n--- input:\n%s", err.buf, yaml);
	sb_free(&err);
	return st;
}

/* The error message, to be freed. */
static char *load_err(const char *yaml)
{
	struct strbuf err = STRBUF_INIT;
	struct stack *st = NULL;
	if (load(yaml, &st, &err) == 0) {
		stack_free(st);
		fail_msg("loaded, but an error was expected:\n%s", yaml);
	}
	return sb_detach(&err);
}

static const char *kv_value_or_null(const struct kvlist *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (streq(l->v[i].key, key))
			return l->v[i].value;
	return NULL;
}

static const struct service *svc0(const struct stack *st)
{
	assert_true(st->nservices >= 1);
	return &st->services[0];
}

/* --- units ------------------------------------------------------------- */

static void test_durations(void **state)
{
	static const struct { const char *in; long long ms; } cases[] = {
		{ "1m30s", 90000 }, { "500ms", 500 }, { "1h", 3600000 }, { "1.5s", 1500 },
		{ "0", 0 }, { "2h1m1s", 7261000 }, { "10", -1 }, { "", -1 }, { "s", -1 },
		{ "-1s", -1 }, { "1x", -1 }, { "1m30", -1 }, { "3 s", -1 },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		long long got = compose_parse_duration(cases[i].in);
		if (got != cases[i].ms)
			fail_msg("duration \"%s\": got %lld, want %lld", cases[i].in, got, cases[i].ms);
	}
}

static void test_format_duration(void **state)
{
	static const struct { long long ms; const char *out; } cases[] = {
		{ 0, "0s" }, { 500, "500ms" }, { 1500, "1.5s" }, { 90000, "1m30s" },
		{ 60000, "1m0s" }, { 3600000, "1h0m0s" }, { 120000, "2m0s" }, { 1001, "1.001s" },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf sb = STRBUF_INIT;
		compose_format_duration(&sb, cases[i].ms);
		assert_string_equal(sb_str(&sb), cases[i].out);
		sb_free(&sb);
	}
}

static void test_bytes(void **state)
{
	static const struct { const char *in; int rc; uint64_t v; } cases[] = {
		{ "512", 0, 512 }, { "512M", 0, 512ull << 20 }, { "1g", 0, 1ull << 30 },
		{ "1GiB", 0, 1ull << 30 }, { "10mb", 0, 10ull << 20 }, { "1.5k", 0, 1536 },
		{ "2b", 0, 2 }, { "1t", 0, 1ull << 40 }, { "", -1, 0 }, { "M", -1, 0 },
		{ "1x", -1, 0 }, { "-1", -1, 0 }, { "1gg", -1, 0 }, { "99999999999p", -1, 0 },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t v = 0;
		int rc = compose_parse_bytes(cases[i].in, &v);
		if (rc != cases[i].rc || (rc == 0 && v != cases[i].v))
			fail_msg("bytes \"%s\": rc %d value %llu", cases[i].in, rc, (unsigned long long)v);
	}
}

static void test_cpus(void **state)
{
	static const struct { const char *in; int rc; int64_t nano; } cases[] = {
		{ "0.5", 0, 500000000 }, { "2", 0, 2000000000 }, { "0.001", 0, 1000000 },
		{ ".25", 0, 250000000 }, { "1.000000001", 0, 1000000001 },
		{ "1.0000000001", -1, 0 }, { "", -1, 0 }, { "-1", -1, 0 }, { "one", -1, 0 },
		{ "1.5x", -1, 0 }, { ".", -1, 0 },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int64_t v = 0;
		int rc = compose_parse_cpus(cases[i].in, &v);
		if (rc != cases[i].rc || (rc == 0 && v != cases[i].nano))
			fail_msg("cpus \"%s\": rc %d value %lld", cases[i].in, rc, (long long)v);
	}
}

/* --- interpolation ----------------------------------------------------- */

static void test_interpolation(void **state)
{
	static const struct { const char *value, *want; } cases[] = {
		{ "$SET", "value" }, { "${SET}", "value" }, { "a${SET}b", "avalueb" },
		{ "${UNSET_X}", "" }, { "$UNSET_X", "" },
		{ "${UNSET_X:-def}", "def" }, { "${UNSET_X-def}", "def" },
		{ "${EMPTY:-def}", "def" }, { "${EMPTY-def}", "" },
		{ "${SET:-def}", "value" }, { "${SET:+alt}", "alt" }, { "${SET+alt}", "alt" },
		{ "${EMPTY:+alt}", "" }, { "${EMPTY+alt}", "alt" }, { "${UNSET_X+alt}", "" },
		{ "${UNSET_X:-${SET}}", "value" }, { "${UNSET_X:-${UNSET_Y:-deep}}", "deep" },
		{ "$$SET", "$SET" }, { "$${SET}", "${SET}" }, { "cost: $$5", "cost: $5" },
		{ "${SET:?must}", "value" }, { "${EMPTY?must}", "" },
		{ "${UNSET_X:-a b}", "a b" }, { "${UNSET_X:-}", "" },
		{ "${UNSET_X:-$2y$05$abc}", "$2y$05$abc" }, { "${SET:+$ x$}", "$ x$" },
		{ "${UNSET_X:-$SET$}", "$SET$" }, { "${UNSET_X:-$${SET}}", "${SET}" },
		{ "$SET.suffix", "value.suffix" }, { "${DOTENV_ONLY}", "from-dotenv-no" },
	};
	(void)state;
	setenv("SET", "value", 1);
	setenv("EMPTY", "", 1);
	setenv("DOTENV_ONLY", "from-dotenv-no", 1);
	unsetenv("UNSET_X");
	unsetenv("UNSET_Y");
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *yaml = xasprintf("services:\n  web:\n    image: x\n    user: \"%s\"\n", cases[i].value);
		struct stack *st = load_ok(yaml);
		const char *got = svc0(st)->user ? svc0(st)->user : "";
		if (!streq(got, cases[i].want))
			fail_msg("interpolating \"%s\": got \"%s\", want \"%s\"", cases[i].value, got, cases[i].want);
		stack_free(st);
		free(yaml);
	}
}

static void test_interpolation_errors(void **state)
{
	static const struct { const char *value, *want; } cases[] = {
		{ "${UNSET_X:?must be set}", "t.yml:4:11: required variable UNSET_X is missing a value: must be set" },
		{ "${EMPTY:?}", "t.yml:4:11: required variable EMPTY is missing a value" },
		{ "${UNSET_X?oops}", "t.yml:4:11: required variable UNSET_X is missing a value: oops" },
		{ "a $ b", "t.yml:4:11: services.web.user: invalid interpolation format for \"a $ b\": use $$ for a literal $" },
		{ "${", "t.yml:4:11: services.web.user: invalid interpolation format for \"${\": use $$ for a literal $" },
		{ "${1A}", "t.yml:4:11: services.web.user: invalid interpolation format for \"${1A}\"" },
		{ "${A*B}", "t.yml:4:11: services.web.user: invalid interpolation format for \"${A*B}\"" },
		{ "$(cmd)", "t.yml:4:11: services.web.user: invalid interpolation format for \"$(cmd)\": use $$ for a literal $" },
	};
	(void)state;
	setenv("EMPTY", "", 1);
	unsetenv("UNSET_X");
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *yaml = xasprintf("services:\n  web:\n    image: x\n    user: \"%s\"\n", cases[i].value);
		char *err = load_err(yaml);
		assert_string_equal(err, cases[i].want);
		free(err);
		free(yaml);
	}
}

static void test_interpolation_values_only(void **state)
{
	(void)state;
	setenv("SET", "value", 1);
	struct stack *st = load_ok("services:\n  web:\n    image: x\n    labels:\n      $SET: ${SET}\n");
	assert_int_equal(svc0(st)->labels.n, 1);
	assert_string_equal(svc0(st)->labels.v[0].key, "$SET");
	assert_string_equal(svc0(st)->labels.v[0].value, "value");
	stack_free(st);
}

static void test_type_casting(void **state)
{
	(void)state;
	setenv("N", "3", 1);
	setenv("B", "yes", 1);
	setenv("P", "8080", 1);
	struct stack *st = load_ok("services:\n  web:\n    image: x\n    read_only: ${B}\n    tty: on\n"
				   "    init: Y\n    stdin_open: \"false\"\n"
				   "    ports: [\"${P}:80\"]\n    deploy:\n      replicas: ${N}\n");
	const struct service *s = svc0(st);
	assert_int_equal(s->deploy.replicas, 3);
	assert_true(s->read_only);
	assert_true(s->tty);
	assert_true(s->init);
	assert_false(s->stdin_open);
	assert_int_equal(s->ports[0].published, 8080);
	stack_free(st);
}

/* --- YAML features ----------------------------------------------------- */

static void test_anchors_and_merge_keys(void **state)
{
	(void)state;
	struct stack *st = load_ok(
		"x-base: &base\n  image: base\n  user: root\n"
		"x-more: &more\n  user: nobody\n  hostname: h\n"
		"x-labels: &labels\n  k: v\n"
		"services:\n"
		"  a:\n    <<: *base\n    user: me\n"
		"  b:\n    <<: [*more, *base]\n"
		"  c:\n    image: c\n    labels: *labels\n");
	const struct service *a = stack_service(st, "a"), *b = stack_service(st, "b"), *c = stack_service(st, "c");
	assert_string_equal(a->image, "base");
	assert_string_equal(a->user, "me");	/* explicit keys win */
	assert_string_equal(b->user, "nobody");	/* the first merge wins */
	assert_string_equal(b->image, "base");
	assert_string_equal(b->hostname, "h");
	assert_string_equal(c->labels.v[0].value, "v");
	stack_free(st);
}

static void test_multi_document(void **state)
{
	(void)state;
	struct stack *st = load_ok("services:\n  web:\n    image: a\n    user: u\n---\n"
				   "services:\n  web:\n    image: b\n");
	assert_string_equal(svc0(st)->image, "b");
	assert_string_equal(svc0(st)->user, "u");
	stack_free(st);
}

static void test_reset_and_override_tags(void **state)
{
	(void)state;
	struct stack *st = load_ok(
		"services:\n  web:\n    image: a\n    user: u\n    ports: [\"80:80\"]\n    labels: {a: \"1\", b: \"2\"}\n---\n"
		"services:\n  web:\n    user: !reset null\n    ports: !reset []\n    labels: !override {c: \"3\"}\n");
	const struct service *s = svc0(st);
	assert_null(s->user);
	assert_int_equal(s->nports, 0);
	assert_int_equal(s->labels.n, 1);
	assert_string_equal(s->labels.v[0].key, "c");
	stack_free(st);
}

static void test_alias_bomb(void **state)
{
	(void)state;
	struct strbuf y = STRBUF_INIT;
	sb_adds(&y, "x-a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
	for (int i = 1; i < 10; i++) {
		sb_addf(&y, "x-a%d: &a%d [", i, i);
		for (int j = 0; j < 10; j++)
			sb_addf(&y, "%s*a%d", j ? ", " : "", i - 1);
		sb_adds(&y, "]\n");
	}
	sb_adds(&y, "services:\n  web:\n    image: x\n");
	char *err = load_err(y.buf);
	assert_non_null(strstr(err, "document too large"));
	free(err);
	sb_free(&y);
}

static void test_deep_nesting(void **state)
{
	(void)state;
	struct strbuf y = STRBUF_INIT;
	sb_adds(&y, "x-deep: ");
	for (int i = 0; i < 5000; i++)
		sb_addc(&y, '[');
	char *err = load_err(y.buf);
	assert_non_null(strstr(err, "t.yml:1:"));
	assert_non_null(strstr(err, "nesting deeper than 100 levels"));
	free(err);
	sb_free(&y);
}

/* --- every key, short and long forms ----------------------------------- */

static void test_command_forms(void **state)
{
	(void)state;
	struct stack *st = load_ok("services:\n  a:\n    image: x\n    command: sh -c 'echo \"hi there\"'\n"
				   "    entrypoint: [\"/bin/tini\", \"--\"]\n"
				   "  b:\n    image: x\n    command: []\n");
	const struct service *a = stack_service(st, "a"), *b = stack_service(st, "b");
	assert_int_equal(a->command.n, 3);
	assert_string_equal(a->command.v[2], "echo \"hi there\"");
	assert_int_equal(a->entrypoint.n, 2);
	assert_true(b->command_set);
	assert_int_equal(b->command.n, 0);
	assert_false(b->entrypoint_set);
	stack_free(st);
}

static void test_environment_forms(void **state)
{
	(void)state;
	setenv("FROM_SHELL", "shell", 1);
	unsetenv("NOT_SET_ANYWHERE");
	struct stack *st = load_ok("services:\n  a:\n    image: x\n    environment:\n      - A=1\n      - B=x=y\n"
				   "      - FROM_SHELL\n      - NOT_SET_ANYWHERE\n"
				   "  b:\n    image: x\n    environment:\n      A: 1\n      B: true\n      C:\n      D: ''\n");
	const struct service *a = stack_service(st, "a"), *b = stack_service(st, "b");
	assert_int_equal(a->environment.n, 3);
	assert_string_equal(a->environment.v[1].value, "x=y");
	assert_string_equal(a->environment.v[2].value, "shell");
	assert_int_equal(b->environment.n, 3);
	assert_string_equal(b->environment.v[1].value, "true");
	assert_string_equal(b->environment.v[2].key, "D");
	assert_string_equal(b->environment.v[2].value, "");
	stack_free(st);
}

static void test_ports_forms(void **state)
{
	static const struct { const char *spec; size_t n; uint32_t target, published; const char *proto, *ip; } cases[] = {
		{ "3000", 1, 3000, 0, "tcp", NULL },
		{ "\"3000-3002\"", 3, 3000, 0, "tcp", NULL },
		{ "\"8000:80\"", 1, 80, 8000, "tcp", NULL },
		{ "\"9090-9091:8080-8081\"", 2, 8080, 9090, "tcp", NULL },
		{ "\"127.0.0.1:8001:8001\"", 1, 8001, 8001, "tcp", "127.0.0.1" },
		{ "\"53:53/udp\"", 1, 53, 53, "udp", NULL },
		{ "\"[::1]:80:80\"", 1, 80, 80, "tcp", "::1" },
		{ "\"127.0.0.1::80\"", 1, 80, 0, "tcp", "127.0.0.1" },
		{ "{target: 80, published: 8080, protocol: udp, mode: host}", 1, 80, 8080, "udp", NULL },
		{ "{target: 80, published: \"8080\", host_ip: 10.0.0.1}", 1, 80, 8080, "tcp", "10.0.0.1" },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *yaml = xasprintf("services:\n  web:\n    image: x\n    ports:\n      - %s\n", cases[i].spec);
		struct stack *st = load_ok(yaml);
		const struct service *s = svc0(st);
		assert_int_equal(s->nports, cases[i].n);
		assert_int_equal(s->ports[0].target, cases[i].target);
		assert_int_equal(s->ports[0].published, cases[i].published);
		assert_string_equal(s->ports[0].protocol, cases[i].proto);
		if (cases[i].ip)
			assert_string_equal(s->ports[0].host_ip, cases[i].ip);
		else
			assert_null(s->ports[0].host_ip);
		stack_free(st);
		free(yaml);
	}
}

static void test_volume_forms(void **state)
{
	(void)state;
	setenv("HOME", "/home/u", 1);
	struct stack *st = load_ok(
		"services:\n  web:\n    image: x\n    volumes:\n"
		"      - /anon\n"
		"      - data:/data:ro,nocopy\n"
		"      - ./rel:/rel\n"
		"      - ~/cfg:/cfg:ro\n"
		"      - /abs/../host:/host:rshared\n"
		"      - type: tmpfs\n        target: /tmp\n        tmpfs: {size: 64m, mode: 01777}\n"
		"      - type: bind\n        source: src\n        target: /src\n        read_only: true\n        bind: {propagation: rprivate, create_host_path: true}\n"
		"      - type: volume\n        source: data\n        target: /v\n        volume: {nocopy: true, subpath: sub}\n"
		"volumes:\n  data:\n");
	const struct service *s = svc0(st);
	const struct mount *m = s->mounts;
	assert_int_equal(s->nmounts, 8);
	assert_int_equal(m[0].type, MOUNT_VOLUME);
	assert_null(m[0].source);
	assert_string_equal(m[1].source, "data");
	assert_true(m[1].read_only && m[1].nocopy);
	assert_int_equal(m[2].type, MOUNT_BIND);
	assert_string_equal(m[2].source, "/w/rel");
	assert_string_equal(m[3].source, "/home/u/cfg");
	assert_string_equal(m[4].source, "/host");
	assert_string_equal(m[4].propagation, "rshared");
	assert_int_equal(m[5].type, MOUNT_TMPFS);
	assert_int_equal(m[5].tmpfs_size, 64 << 20);
	assert_int_equal(m[5].tmpfs_mode, 01777);
	assert_string_equal(m[6].source, "/w/src");
	assert_true(m[6].read_only && m[6].create_host_path);
	assert_string_equal(m[7].subpath, "sub");
	stack_free(st);
}

static void test_secret_config_forms(void **state)
{
	(void)state;
	struct stack *st = load_ok(
		"services:\n  web:\n    image: x\n    secrets:\n      - s1\n"
		"      - {source: s2, target: /run/s, uid: '103', gid: \"104\", mode: 0440}\n"
		"    configs:\n      - c1\n      - source: c2\n        mode: 0o644\n"
		"secrets:\n  s1: {file: ./s1.txt}\n  s2: {external: true}\n"
		"configs:\n  c1: {content: hello}\n  c2: {environment: CFG}\n");
	const struct service *s = svc0(st);
	assert_int_equal(s->nsecrets, 2);
	assert_int_equal(s->secrets[0].mode, -1);
	assert_string_equal(s->secrets[1].target, "/run/s");
	assert_string_equal(s->secrets[1].uid, "103");
	assert_int_equal(s->secrets[1].mode, 0440);
	assert_int_equal(s->configs[1].mode, 0644);
	assert_string_equal(st->secrets[0].file, "/w/s1.txt");
	assert_string_equal(st->secrets[0].name, "t_s1");
	assert_string_equal(st->secrets[1].name, "s2");
	assert_string_equal(st->configs[0].content, "hello");
	stack_free(st);
}

static void test_network_forms(void **state)
{
	(void)state;
	struct stack *st = load_ok(
		"services:\n  a:\n    image: x\n    networks: [front, back]\n"
		"  b:\n    image: x\n    networks:\n      front:\n        aliases: [web]\n        ipv4_address: 10.0.0.2\n      back:\n"
		"  c:\n    image: x\n"
		"networks:\n  front:\n  back:\n    external: {name: shared}\n");
	const struct service *b = stack_service(st, "b"), *c = stack_service(st, "c");
	assert_int_equal(b->nnetworks, 2);
	assert_string_equal(b->networks[1].name, "front");	/* sorted */
	assert_string_equal(b->networks[1].aliases.v[0], "web");
	assert_string_equal(c->networks[0].name, "default");
	assert_int_equal(st->nnetworks, 3);
	assert_string_equal(st->networks[0].name, "shared");
	assert_true(st->networks[0].external);
	assert_string_equal(st->networks[1].name, "t_default");
	assert_string_equal(st->networks[2].driver, "overlay");
	stack_free(st);
}

static void test_healthcheck_forms(void **state)
{
	(void)state;
	struct stack *st = load_ok(
		"services:\n  a:\n    image: x\n    healthcheck:\n      test: curl -f http://localhost\n      interval: 1m30s\n"
		"      timeout: 500ms\n      retries: 3\n      start_period: 10s\n"
		"  b:\n    image: x\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n"
		"  c:\n    image: x\n    healthcheck:\n      disable: true\n"
		"  d:\n    image: x\n    healthcheck:\n      test: [\"NONE\"]\n");
	const struct service *a = stack_service(st, "a"), *b = stack_service(st, "b");
	assert_string_equal(a->healthcheck.test.v[0], "CMD-SHELL");
	assert_int_equal(a->healthcheck.interval_ms, 90000);
	assert_int_equal(a->healthcheck.timeout_ms, 500);
	assert_int_equal(a->healthcheck.retries, 3);
	assert_string_equal(b->healthcheck.test.v[0], "CMD");
	assert_true(stack_service(st, "c")->healthcheck.disable);
	assert_true(stack_service(st, "d")->healthcheck.disable);
	stack_free(st);
}

static void test_deploy_full(void **state)
{
	(void)state;
	struct stack *st = load_ok(
		"services:\n  web:\n    image: x\n    deploy:\n      mode: replicated\n      replicas: 6\n"
		"      endpoint_mode: dnsrr\n      labels: [FOO=BAR]\n"
		"      placement:\n        constraints: [node.role==worker]\n        preferences:\n          - spread: node.labels.az\n"
		"        max_replicas_per_node: 2\n"
		"      resources:\n        limits: {cpus: '0.5', memory: 512M, pids: 100}\n"
		"        reservations: {cpus: '0.25', memory: 1g}\n"
		"      restart_policy: {condition: on-failure, delay: 5s, max_attempts: 3, window: 2m}\n"
		"      update_config: {parallelism: 2, delay: 10s, failure_action: rollback, monitor: 1m, max_failure_ratio: 0.3, order: start-first}\n"
		"      rollback_config: {parallelism: 1, order: stop-first}\n"
		"  g:\n    image: x\n    deploy: {mode: global}\n");
	const struct deploy *d = &stack_service(st, "web")->deploy;
	assert_int_equal(d->replicas, 6);
	assert_string_equal(d->endpoint_mode, "dnsrr");
	assert_string_equal(d->labels.v[0].value, "BAR");
	assert_string_equal(d->constraints.v[0], "node.role==worker");
	assert_string_equal(d->spread.v[0], "node.labels.az");
	assert_int_equal(d->max_replicas_per_node, 2);
	assert_int_equal(d->limits.nano_cpus, 500000000);
	assert_int_equal(d->limits.memory, 512 << 20);
	assert_int_equal(d->limits.pids, 100);
	assert_int_equal(d->reservations.memory, 1 << 30);
	assert_int_equal(d->restart_policy.condition, CONDITION_ON_FAILURE);
	assert_int_equal(d->update_config.failure_action, FAILURE_ROLLBACK);
	assert_int_equal(d->restart_policy.window_ms, 120000);
	assert_int_equal(d->update_config.parallelism, 2);
	assert_int_equal(d->update_config.order, ORDER_START_FIRST);
	assert_int_equal(d->rollback_config.order, ORDER_STOP_FIRST);
	assert_true(d->update_config.max_failure_ratio > 0.29 && d->update_config.max_failure_ratio < 0.31);
	assert_true(d->rollback_config.set);
	assert_int_equal(stack_service(st, "g")->deploy.replicas, 0);
	stack_free(st);
	/* restart: "no" (and YAML 1.1's unquoted no) is docker's --restart no */
	st = load_ok("services:\n  a:\n    image: x\n    restart: \"no\"\n"
		     "  b:\n    image: x\n    restart: no\n");
	assert_int_equal(stack_service(st, "a")->deploy.restart_policy.condition, CONDITION_NONE);
	assert_int_equal(stack_service(st, "b")->deploy.restart_policy.condition, CONDITION_NONE);
	stack_free(st);
	/* an external name that is empty (an unset ${VAR}) is the key */
	st = load_ok("services:\n  a:\n    image: x\n    networks: [proxy]\n    volumes: [data:/d]\n"
		     "networks:\n  proxy: {external: true, name: \"\"}\n"
		     "volumes:\n  data: {external: {name: \"\"}}\n");
	assert_string_equal(st->networks[0].name, "proxy");
	assert_string_equal(st->volumes[0].name, "data");
	stack_free(st);
	/* docker's default parallelism is 1; an explicit 0 is all at once */
	st = load_ok("services:\n  a:\n    image: x\n    deploy: {update_config: {delay: 1s}}\n"
		     "  b:\n    image: x\n    deploy: {update_config: {parallelism: 0}}\n"
		     "  c:\n    image: x\n");
	assert_int_equal(stack_service(st, "a")->deploy.update_config.parallelism, 1);
	assert_int_equal(stack_service(st, "b")->deploy.update_config.parallelism, 0);
	assert_int_equal(stack_service(st, "c")->deploy.update_config.parallelism, 1);
	assert_int_equal(stack_service(st, "c")->deploy.rollback_config.parallelism, 1);
	stack_free(st);
}

static void test_misc_service_keys(void **state)
{
	(void)state;
	struct stack *st = load_ok(
		"services:\n  web:\n    image: x\n    user: \"1000:1000\"\n    working_dir: /app\n    hostname: h\n"
		"    extra_hosts: [\"a:1.2.3.4\"]\n    dns: 8.8.8.8\n    dns_search: [example.com]\n"
		"    cap_add: [NET_ADMIN]\n    cap_drop: [ALL]\n    stop_signal: SIGTERM\n    stop_grace_period: 1m30s\n"
		"    sysctls: {net.core.somaxconn: 1024}\n    ulimits: {nproc: 65535, nofile: {soft: 20000, hard: 40000}}\n"
		"    logging: {driver: json-file, options: {max-size: 10m}}\n    tmpfs: /run\n"
		"    privileged: true\n    devices: [\"/dev/fuse\"]\n    network_mode: host\n    cpus: 1.5\n    mem_limit: 1g\n"
		"    restart: unless-stopped\n");
	const struct service *s = svc0(st);
	assert_string_equal(s->user, "1000:1000");
	assert_string_equal(s->dns.v[0], "8.8.8.8");
	assert_int_equal(s->stop_grace_period_ms, 90000);
	assert_string_equal(s->sysctls.v[0].value, "1024");
	assert_int_equal(s->nulimits, 2);
	assert_string_equal(s->ulimits[0].name, "nofile");
	assert_int_equal(s->ulimits[0].hard, 40000);
	assert_int_equal(s->ulimits[1].soft, 65535);
	assert_string_equal(s->logging.options.v[0].value, "10m");
	assert_string_equal(s->tmpfs.v[0], "/run");
	assert_true(s->privileged);
	assert_string_equal(s->network_mode, "host");
	assert_int_equal(s->nnetworks, 0);	/* host networking: no default network */
	assert_int_equal(s->nano_cpus, 1500000000);
	assert_int_equal(s->mem_limit, 1 << 30);
	assert_int_equal(s->deploy.restart_policy.condition, CONDITION_ANY);
	stack_free(st);
}

/* --- bad input: each message checked ---------------------------------- */

static void test_errors(void **state)
{
	static const struct { const char *yaml, *want; } cases[] = {
		{ "services:\n  web:\n    image: x\n    deploy:\n      replicas: three\n",
		  "t.yml:5:17: services.web.deploy.replicas: expected an integer, got \"three\"" },
		{ "services:\n  web:\n    image: x\n    imagee: y\n",
		  "t.yml:4:5: services.web: unknown key \"imagee\" (did you mean \"image\"?)" },
		{ "services:\n  web:\n    image: x\n    deploy:\n      replica: 2\n",
		  "t.yml:5:7: services.web.deploy: unknown key \"replica\" (did you mean \"replicas\"?)" },
		{ "services:\n  web:\n    image: x\n    frobnicate: 1\n",
		  "t.yml:4:5: services.web: unknown key \"frobnicate\"" },
		{ "servics:\n  web:\n    image: x\n",
		  "t.yml:1:1: unknown key \"servics\" (did you mean \"services\"?)" },
		{ "services:\n  web:\n    image: x\n    stop_grace_period: 10\n",
		  "t.yml:4:24: services.web.stop_grace_period: expected a duration like 1m30s or 500ms, got \"10\"" },
		{ "services:\n  web:\n    image: x\n    deploy:\n      resources:\n        limits:\n          memory: lots\n",
		  "t.yml:7:19: services.web.deploy.resources.limits.memory: expected a byte size like 512M or 1g, got \"lots\"" },
		{ "services:\n  web:\n    image: x\n    deploy:\n      resources:\n        limits:\n          cpus: half\n",
		  "t.yml:7:17: services.web.deploy.resources.limits.cpus: expected a cpu count like 0.5 or 2, got \"half\"" },
		{ "services:\n  web:\n    image: x\n    read_only: maybe\n",
		  "t.yml:4:16: services.web.read_only: expected a boolean, got \"maybe\"" },
		{ "services:\n  web:\n    image: x\n    deploy:\n      mode: sometimes\n",
		  "t.yml:5:13: services.web.deploy.mode: expected one of replicated, global, got \"sometimes\"" },
		{ "services:\n  web:\n    image: x\n    ports: [\"99999:80\"]\n",
		  "t.yml:4:13: services.web.ports[0]: invalid port \"99999:80\": expected [IP:][PUBLISHED:]TARGET[/PROTOCOL] with ports 1-65535 and ranges of equal length" },
		{ "services:\n  web:\n    image: x\n    ports: [\"80-81:80-82\"]\n",
		  "t.yml:4:13: services.web.ports[0]: invalid port \"80-81:80-82\": expected [IP:][PUBLISHED:]TARGET[/PROTOCOL] with ports 1-65535 and ranges of equal length" },
		{ "services:\n  web:\n    image: x\n    volumes: [\"a:b:c:d\"]\n",
		  "t.yml:4:15: services.web.volumes[0]: invalid volume \"a:b:c:d\": expected [SOURCE:]TARGET[:OPTIONS] with an absolute TARGET" },
		{ "services:\n  web:\n    image: x\n    volumes: [\"data:/d\"]\n",
		  "t.yml:4:15: services.web.volumes[0]: volume \"data\" is not declared in the top-level volumes section" },
		{ "services:\n  web:\n    image: x\n    secrets: [nope]\n",
		  "t.yml:4:15: services.web.secrets[0]: secret \"nope\" is not declared in the top-level secrets section" },
		{ "services:\n  web:\n    image: x\n    networks: {back: {}}\n",
		  "t.yml:4:16: services.web.networks.back: network \"back\" is not declared in the top-level networks section" },
		{ "services:\n  web:\n    user: u\n",
		  "t.yml:3:5: services.web: image is required (stack deploy does not build images)" },
		{ "services:\n  web:\n    image: \"\"\n",
		  "t.yml:3:5: services.web: image is required (stack deploy does not build images)" },
		{ "services:\n  \"web app\":\n    image: x\n",
		  "t.yml:3:5: services.web app: invalid service name \"web app\": use letters, digits, '_', '.' and '-', at most 63 characters" },
		{ "services:\n  web:\n    image: x\nsecrets:\n  ../x:\n    file: ./a\n",
		  "t.yml:6:5: secrets.../x: invalid secret name \"../x\": use letters, digits, '_', '.' and '-', at most 63 characters" },
		{ "services:\n  web:\n    image: [x]\n",
		  "t.yml:3:12: services.web.image: expected a string, got a list" },
		{ "services:\n  web:\n    image: x\n    deploy:\n      mode: global\n      replicas: 2\n",
		  "t.yml:6:17: services.web.deploy: replicas cannot be set in global mode" },
		{ "services:\n  web:\n    image: x\n    extends: base\n",
		  "t.yml:4:14: services.web.extends: not supported by cswarm: the result would differ from what Compose does" },
		{ "include:\n  - other.yml\nservices:\n  web:\n    image: x\n",
		  "t.yml:1:1: include is not supported: pass each file with -c" },
		{ "web:\n  image: x\n",
		  "t.yml:1:1: unknown top-level key \"web\": services belong under services: (version 1 files are not supported)" },
		{ "services:\n  web:\n    image: x\n  web:\n    image: y\n",
		  "t.yml:4:3: mapping key \"web\" already defined" },
		{ "services:\n  web: *nope\n", "t.yml:2:8: unknown anchor 'nope'" },
		{ "services: [a\n", "t.yml:2:1: invalid YAML: did not find expected ',' or ']' while parsing a flow sequence at line 1" },
		{ "- a\n- b\n", "t.yml:1:1: the top level must be a mapping" },
		{ "", "t.yml:1:1: empty stack file" },
		{ "version: '3'\n", "t.yml:1:1: services: at least one service is required" },
		{ "services:\n  web:\n    image: x\n    healthcheck:\n      test: [\"BOGUS\"]\n",
		  "t.yml:5:13: services.web.healthcheck.test: the first item must be CMD, CMD-SHELL or NONE" },
		{ "secrets:\n  s: {file: a, external: true}\nservices:\n  web:\n    image: x\n",
		  "t.yml:2:6: secrets.s: exactly one of file, environment or external is required" },
		{ "services:\n  web:\n    image: x\n    restart: sometimes\n",
		  "t.yml:4:14: services.web.restart: expected no, always, on-failure[:N] or unless-stopped" },
		{ "services:\n  web:\n    image: x\n    secrets:\n      - {source: s, mode: 99999}\nsecrets:\n  s: {external: true}\n",
		  "t.yml:5:27: services.web.secrets[0].mode: expected a file mode like 0440, got \"99999\"" },
		{ "services:\n  web:\n    image: x\n    deploy:\n      update_config:\n        max_failure_ratio: 2\n",
		  "t.yml:6:28: services.web.deploy.update_config.max_failure_ratio: expected a number between 0 and 1, got \"2\"" },
		{ "services:\n  web:\n    image: x\n    env_file: /nonexistent/cswarm.env\n",
		  "t.yml:4:15: services.web.env_file: env file /nonexistent/cswarm.env: No such file or directory" },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *err = load_err(cases[i].yaml);
		if (!streq(err, cases[i].want))
			fail_msg("case %zu:\n got: %s\nwant: %s", i, err, cases[i].want);
		free(err);
	}
}

static void test_optional_env_file(void **state)
{
	(void)state;
	struct stack *st = load_ok("services:\n  web:\n    image: x\n    env_file:\n      - path: /nonexistent/x.env\n        required: false\n");
	assert_int_equal(svc0(st)->environment.n, 0);
	stack_free(st);
}

/* --- several files ----------------------------------------------------- */

static char *write_tmp(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_merge_rules(void **state)
{
	(void)state;
	char dir[] = "/tmp/cswarm-compose-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *a = write_tmp(dir, "a.yml",
		"services:\n  web:\n    image: a\n    command: [one, two]\n    environment: [A=1, B=2]\n"
		"    labels: {l1: a}\n    ports: [\"80:80\", \"443:443\"]\n    volumes: [\"/a:/data\", \"/b:/b\"]\n"
		"    secrets: [s1]\n    dns: [1.1.1.1]\n    deploy: {replicas: 2, resources: {limits: {memory: 1g}}}\n"
		"secrets:\n  s1: {external: true}\n  s2: {external: true}\n");
	char *b = write_tmp(dir, "b.yml",
		"services:\n  web:\n    image: b\n    command: [three]\n    environment: {B: \"20\", C: \"3\"}\n"
		"    labels: [l2=b]\n    ports: [\"80:80\", \"8080:8080\"]\n    volumes: [\"/c:/data\"]\n"
		"    secrets: [{source: s1, target: s1}, s2]\n    dns: [1.1.1.1, 8.8.8.8]\n    deploy: {resources: {limits: {cpus: '1'}}}\n");
	char *env = write_tmp(dir, ".env", "IGNORED=1\n");
	const char *files[] = { a, b };
	struct compose_opts o = { .files = files, .nfiles = 2, .quiet = true };
	struct strbuf err = STRBUF_INIT;
	struct stack *st = NULL;
	if (compose_load(&o, &st, &err) < 0)
		fail_msg("%s", err.buf);
	const struct service *s = svc0(st);
	assert_string_equal(s->image, "b");				/* scalar replaced */
	assert_int_equal(s->command.n, 1);				/* command replaced */
	assert_int_equal(s->environment.n, 3);				/* by key */
	assert_string_equal(kv_value_or_null(&s->environment, "B"), "20");
	assert_int_equal(s->labels.n, 2);
	assert_int_equal(s->nports, 3);					/* keyed, appended */
	assert_int_equal(s->nmounts, 2);				/* keyed by target */
	assert_string_equal(s->mounts[0].source, "/c");
	assert_int_equal(s->nsecrets, 2);
	assert_int_equal(s->dns.n, 3);					/* appended, as docker */
	assert_int_equal(s->deploy.replicas, 2);			/* mappings merged */
	assert_int_equal(s->deploy.limits.memory, 1 << 30);
	assert_int_equal(s->deploy.limits.nano_cpus, 1000000000);
	stack_free(st);
	sb_free(&err);
	unlink(a);
	unlink(b);
	unlink(env);
	rmdir(dir);
	free(a);
	free(b);
	free(env);
}

/* Where docker stack deploy merges differently from compose: secrets and
 * configs one per source (the later file's wins), aliases replaced. */
static void test_merge_as_docker(void **state)
{
	(void)state;
	char dir[] = "/tmp/cswarm-compose-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *a = write_tmp(dir, "a.yml",
		"services:\n  web:\n    image: a\n    secrets: [{source: s1, target: /a}]\n"
		"    configs: [c1]\n    networks: {front: {aliases: [one, two]}}\n"
		"networks:\n  front: {}\nsecrets:\n  s1: {external: true}\nconfigs:\n  c1: {external: true}\n");
	char *b = write_tmp(dir, "b.yml",
		"services:\n  web:\n    secrets: [{source: s1, target: /b}]\n"
		"    configs: [{source: c1, target: /etc/c1}]\n    networks: {front: {aliases: [three]}}\n");
	const char *files[] = { a, b };
	struct compose_opts o = { .files = files, .nfiles = 2, .quiet = true };
	struct strbuf err = STRBUF_INIT;
	struct stack *st = NULL;
	if (compose_load(&o, &st, &err) < 0)
		fail_msg("%s", err.buf);
	const struct service *s = svc0(st);
	assert_int_equal(s->nsecrets, 1);
	assert_string_equal(s->secrets[0].target, "/b");
	assert_int_equal(s->nconfigs, 1);
	assert_string_equal(s->configs[0].target, "/etc/c1");
	assert_int_equal(s->nnetworks, 1);
	assert_int_equal(s->networks[0].aliases.n, 1);
	assert_string_equal(s->networks[0].aliases.v[0], "three");
	stack_free(st);
	sb_free(&err);
	unlink(a);
	unlink(b);
	rmdir(dir);
	free(a);
	free(b);
}

static void test_dotenv_and_env_file(void **state)
{
	(void)state;
	char dir[] = "/tmp/cswarm-compose-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *f = write_tmp(dir, "stack.yml",
		"services:\n  web:\n    image: \"nginx:${TAG}\"\n    env_file: app.env\n    environment: [OVER=compose]\n");
	char *env = write_tmp(dir, ".env", "# comment\nexport TAG=1.25\nQUOTED=\"a b\"\n");
	/* docker's env_file rules: values verbatim, bare names from the
	 * environment or dropped, blanks before a name and '#' lines skipped */
	char *app = write_tmp(dir, "app.env", "APP=1\nOVER=file\nQ='x y' # trailing\n"
			      "  # note\n  LEAD=v \nFROM_ENV\nBARE_UNSET\n");
	unsetenv("TAG");
	unsetenv("BARE_UNSET");
	setenv("FROM_ENV", "env value", 1);
	const char *files[] = { f };
	struct compose_opts o = { .files = files, .nfiles = 1, .quiet = true };
	struct strbuf err = STRBUF_INIT;
	struct stack *st = NULL;
	if (compose_load(&o, &st, &err) < 0)
		fail_msg("%s", err.buf);
	const struct service *s = svc0(st);
	assert_string_equal(s->image, "nginx:1.25");
	assert_string_equal(kv_value_or_null(&s->environment, "APP"), "1");
	assert_string_equal(kv_value_or_null(&s->environment, "OVER"), "compose");
	assert_string_equal(kv_value_or_null(&s->environment, "Q"), "'x y' # trailing");
	assert_string_equal(kv_value_or_null(&s->environment, "LEAD"), "v ");
	assert_string_equal(kv_value_or_null(&s->environment, "FROM_ENV"), "env value");
	assert_null(kv_value_or_null(&s->environment, "BARE_UNSET"));
	unsetenv("FROM_ENV");
	assert_true(starts_with(st->name, "cswarm-compose-"));	/* the directory's name */
	stack_free(st);
	sb_free(&err);
	unlink(f);
	unlink(env);
	unlink(app);
	rmdir(dir);
	free(f);
	free(env);
	free(app);
}

/* --- canonical output -------------------------------------------------- */

static void test_canonical_json_stable(void **state)
{
	(void)state;
	struct stack *a = load_ok("services:\n  web:\n    image: x\n    labels: {b: \"2\", a: \"1\"}\n    environment: [Z=1, A=2]\n");
	struct stack *b = load_ok("services:\n  web:\n    environment: {A: \"2\", Z: \"1\"}\n    labels: [a=1, b=2]\n    image: x\n");
	struct strbuf ja = STRBUF_INIT, jb = STRBUF_INIT, y = STRBUF_INIT;
	compose_service_json(a, svc0(a), &ja);
	compose_service_json(b, svc0(b), &jb);
	assert_string_equal(ja.buf, jb.buf);
	assert_non_null(strstr(ja.buf, "\"stack\": \"t\""));
	compose_write_yaml(a, &y);
	assert_non_null(strstr(y.buf, "image: x\n"));
	sb_free(&ja);
	sb_free(&jb);
	sb_free(&y);
	stack_free(a);
	stack_free(b);
}

/* `cswarm config` output is a stack file: loading it gives the same stack. */
static void test_yaml_round_trip(void **state)
{
	(void)state;
	struct stack *a = load_ok(
		"services:\n  web:\n    image: x\n    command: [\"sh\", \"-c\", \"echo $$HOME\"]\n"
		"    ports: [\"127.0.0.1:80:8080/udp\"]\n    volumes: [\"data:/d:ro\", \"/h:/h\"]\n"
		"    environment: {A: \"true\", B: \"0x10\", C: \"1:2\", D: \"\"}\n"
		"    healthcheck: {test: \"true\", interval: 1m30s}\n"
		"    deploy: {mode: global, resources: {limits: {cpus: '0.5', memory: 1g}},"
		" update_config: {parallelism: 2, max_failure_ratio: 0.25}}\n"
		"networks:\n  default:\n    ipam: {config: [{subnet: 10.0.0.0/24, gateway: 10.0.0.1}]}\n"
		"volumes:\n  data:\n");
	struct strbuf y1 = STRBUF_INIT, y2 = STRBUF_INIT, err = STRBUF_INIT;
	struct stack *b = NULL;
	compose_write_yaml(a, &y1);
	assert_non_null(strstr(y1.buf, "echo $$HOME"));
	if (compose_load_buffer("out.yml", y1.buf, y1.len, &quiet_opts, &b, &err) < 0)
		fail_msg("%s\n%s", err.buf, y1.buf);
	compose_write_yaml(b, &y2);
	assert_string_equal(y1.buf, y2.buf);
	assert_string_equal(svc0(b)->command.v[2], "echo $HOME");
	sb_free(&y1);
	sb_free(&y2);
	sb_free(&err);
	stack_free(a);
	stack_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_format_duration),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_cpus),
		cmocka_unit_test(test_interpolation),
		cmocka_unit_test(test_interpolation_errors),
		cmocka_unit_test(test_interpolation_values_only),
		cmocka_unit_test(test_type_casting),
		cmocka_unit_test(test_anchors_and_merge_keys),
		cmocka_unit_test(test_multi_document),
		cmocka_unit_test(test_reset_and_override_tags),
		cmocka_unit_test(test_alias_bomb),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_command_forms),
		cmocka_unit_test(test_environment_forms),
		cmocka_unit_test(test_ports_forms),
		cmocka_unit_test(test_volume_forms),
		cmocka_unit_test(test_secret_config_forms),
		cmocka_unit_test(test_network_forms),
		cmocka_unit_test(test_healthcheck_forms),
		cmocka_unit_test(test_deploy_full),
		cmocka_unit_test(test_misc_service_keys),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_optional_env_file),
		cmocka_unit_test(test_merge_rules),
		cmocka_unit_test(test_merge_as_docker),
		cmocka_unit_test(test_dotenv_and_env_file),
		cmocka_unit_test(test_canonical_json_stable),
		cmocka_unit_test(test_yaml_round_trip),
	};
	return cmocka_run_group_tests_name("compose", tests, NULL, NULL);
}
