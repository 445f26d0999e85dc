/* docker/run.c: the docker run line of every stack-file key, compared with
 * the exact expected text; hostile values reach a real sh as one literal
 * argument each; secret files survive any byte and never leak into errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/unit_helpers.h"

#include "compose/compose.h"
#include "docker/run.h"
#include "docker/secrets.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The fixed parts of a minimal service's line (stack s, service s). */
#define PREFIX "docker run -d --name 's_s.1.t' --restart 'unless-stopped'"
#define LABELS " --label 'cswarm.cluster=c' --label 'cswarm.stack=s' --label 'cswarm.service=s'" \
	" --label 'cswarm.slot=1' --label 'cswarm.task=t' --label 'cswarm.hash=h'" \
	" --label 'com.docker.stack.namespace=s' --label 'com.docker.swarm.service.name=s_s'"
#define DEFAULT_NET " --network 's_default' --network-alias 's'"
#define IMAGE " -- 'busybox'\n"

static const struct task_ref task = {
	.cluster_id = "c", .stack = "s", .service = "s", .task_id = "t", .hash = "h", .slot = 1,
};

/* A stack "s" with one service "s" (image busybox) plus the given service
 * keys (each line indented by 4) and top-level sections. */
static struct stack *load(const char *svc_keys, const char *top)
{
	struct strbuf yaml = STRBUF_INIT, err = STRBUF_INIT;
	sb_addf(&yaml, "name: s\nservices:\n  s:\n    image: busybox\n    %s\n%s\n", svc_keys, top ? top : "");
	struct compose_opts opts = { .quiet = true };
	struct stack *st = NULL;
	if (compose_load_buffer("t.yml", yaml.buf, yaml.len, &opts, &st, &err) < 0)
		fail_msg("compose: %s\n%s", err.buf, yaml.buf);
	sb_free(&yaml);
	sb_free(&err);
	return st;
}

/* The run command of service s, or NULL with the error in err. */
static char *render(const char *svc_keys, const char *top, struct strbuf *err)
{
	struct stack *st = load(svc_keys, top);
	struct strbuf out = STRBUF_INIT;
	int rc = docker_run_command(st, stack_service(st, "s"), &task, NULL, &out, err);
	stack_free(st);
	if (rc < 0) {
		assert_true(err->len > 0);
		sb_free(&out);
		return NULL;
	}
	assert_int_equal(err->len, 0);
	return sb_detach(&out);
}

struct run_case {
	const char *keys, *top;
	const char *flags;	/* between the network and the image */
};

static const struct run_case flag_cases[] = {
	{ "", NULL, "" },
	{ "environment: {B: '2', A: x y}", NULL, " --env 'A=x y' --env 'B=2'" },
	{ "environment: [EMPTY=]", NULL, " --env 'EMPTY='" },
	{ "user: '1000:1000'\n    working_dir: /app\n    hostname: h", NULL,
	  " --user '1000:1000' --workdir '/app' --hostname 'h'" },
	{ "stop_signal: SIGINT\n    stop_grace_period: 1500ms", NULL,
	  " --stop-signal 'SIGINT' --stop-timeout '2'" },
	{ "stop_grace_period: 1m", NULL, " --stop-timeout '60'" },
	{ "tty: true\n    stdin_open: true\n    init: true", NULL, " --tty --interactive --init" },
	{ "ports: ['8080:80', '127.0.0.1:53:53/udp', '9000']", NULL,
	  " --publish '8080:80/tcp' --publish '127.0.0.1:53:53/udp' --publish '9000/tcp'" },
	{ "ports: ['[::1]:8443:443']", NULL, " --publish '[::1]:8443:443/tcp'" },
	{ "ports: [{target: 80, published: 8081, mode: host}, {target: 81, published: 8082, mode: ingress}]",
	  NULL, " --publish '8081:80/tcp' --publish '8082:81/tcp'" },
	{ "volumes: ['data:/data', 'ext:/ext:ro', '/anon']",
	  "volumes:\n  data: {}\n  ext: {external: true}",
	  " --mount 'type=volume,source=s_data,target=/data'"
	  " --mount 'type=volume,source=ext,target=/ext,readonly'"
	  " --mount 'type=volume,target=/anon'" },
	{ "volumes: [{type: volume, source: named, target: /n, volume: {nocopy: true}}]",
	  "volumes:\n  named: {name: custom}",
	  " --mount 'type=volume,source=custom,volume-nocopy=true,target=/n'" },
	{ "volumes: [{type: bind, source: /srv, target: /srv, bind: {propagation: rshared, create_host_path: false}}]",
	  NULL, " --mount 'type=bind,source=/srv,bind-propagation=rshared,target=/srv'" },
	{ "volumes: [{type: tmpfs, target: /t, tmpfs: {size: 1k, mode: 01777}}]", NULL,
	  " --mount 'type=tmpfs,tmpfs-size=1024,tmpfs-mode=1777,target=/t'" },
	{ "deploy:\n      resources:\n        limits: {cpus: '1.5', memory: 1G, pids: 10}\n"
	  "        reservations: {cpus: '0.25', memory: 512M}", NULL,
	  " --cpus '1.5' --memory '1073741824' --memory-reservation '536870912' --pids-limit '10'" },
	{ "cpus: 0.125\n    mem_limit: 1m\n    mem_reservation: 1k\n    pids_limit: 5\n    shm_size: 64m", NULL,
	  " --cpus '0.125' --memory '1048576' --memory-reservation '1024' --pids-limit '5'"
	  " --shm-size '67108864'" },
	{ "healthcheck: {test: 'wget -q -O- http://localhost/ || exit 1', interval: 10s, timeout: 2s,"
	  " retries: 3, start_period: 1m30s}", NULL,
	  " --health-cmd 'wget -q -O- http://localhost/ || exit 1' --health-interval '10s'"
	  " --health-timeout '2s' --health-start-period '1m30s' --health-retries '3'" },
	{ "healthcheck: {test: [CMD, wget, '-q', \"it's\"]}", NULL,
	  " --health-cmd ''\\''wget'\\'' '\\''-q'\\'' '\\''it'\\''\\'\\'''\\''s'\\'''" },
	{ "healthcheck: {disable: true}", NULL, " --no-healthcheck" },
	{ "healthcheck: {test: [NONE]}", NULL, " --no-healthcheck" },
	{ "logging: {driver: json-file, options: {max-size: 1m, max-file: '3'}}", NULL,
	  " --log-driver 'json-file' --log-opt 'max-file=3' --log-opt 'max-size=1m'" },
	{ "ulimits: {nproc: 65535, nofile: {soft: 1024, hard: 2048}}\n    sysctls: {net.core.somaxconn: 1024}",
	  NULL, " --ulimit 'nofile=1024:2048' --ulimit 'nproc=65535:65535' --sysctl 'net.core.somaxconn=1024'" },
	{ "cap_add: [NET_ADMIN]\n    cap_drop: [ALL]\n    read_only: true\n    privileged: true", NULL,
	  " --cap-add 'NET_ADMIN' --cap-drop 'ALL' --read-only --privileged" },
	{ "security_opt: ['no-new-privileges:true']\n    group_add: ['100']\n    devices: ['/dev/fuse']", NULL,
	  " --security-opt 'no-new-privileges:true' --group-add '100' --device '/dev/fuse'" },
	{ "tmpfs: [/run, '/tmp:size=64k']", NULL, " --tmpfs '/run' --tmpfs '/tmp:size=64k'" },
	{ "dns: [1.1.1.1]\n    dns_search: [example.com]\n    dns_opt: ['ndots:2']", NULL,
	  " --dns '1.1.1.1' --dns-search 'example.com' --dns-option 'ndots:2'" },
	{ "extra_hosts: ['db:10.0.0.5', 'v6=::1']", NULL, " --add-host 'db:10.0.0.5' --add-host 'v6:::1'" },
	{ "secrets: [pw, {source: pw, target: other}]\n    configs: [{source: conf, target: /etc/c.conf}, conf]",
	  "secrets:\n  pw: {file: /etc/hostname}\nconfigs:\n  conf: {content: x}",
	  " --mount 'type=bind,source=/run/cswarm/c/t/secrets/pw,target=/run/secrets/pw,readonly'"
	  " --mount 'type=bind,source=/run/cswarm/c/t/secrets/pw,target=/run/secrets/other,readonly'"
	  " --mount 'type=bind,source=/run/cswarm/c/t/configs/conf,target=/etc/c.conf,readonly'"
	  " --mount 'type=bind,source=/run/cswarm/c/t/configs/conf,target=/conf,readonly'" },
};

static void test_flags(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(flag_cases); i++) {
		const struct run_case *c = &flag_cases[i];
		struct strbuf err = STRBUF_INIT;
		char *got = render(c->keys, c->top, &err);
		if (!got)
			fail_msg("case %zu (%s): %s", i, c->keys, err.buf);
		char *want = xasprintf(PREFIX LABELS DEFAULT_NET "%s" IMAGE, c->flags);
		if (!streq(got, want))
			fail_msg("case %zu (%s):\n got: %s\nwant: %s", i, c->keys, got, want);
		free(want);
		free(got);
		sb_free(&err);
	}
}

/* Keys that change other parts of the line: the whole text. */
static const struct run_case full_cases[] = {
	{ "labels: {z: '1', a.b: x}", NULL,
	  PREFIX " --label 'a.b=x' --label 'z=1'" LABELS DEFAULT_NET IMAGE },
	{ "command: [sh, -c, 'echo $$HOME']", NULL,
	  PREFIX LABELS DEFAULT_NET " -- 'busybox' 'sh' '-c' 'echo $HOME'\n" },
	{ "entrypoint: [/bin/sh, -c]\n    command: ['exit 3']", NULL,
	  PREFIX LABELS DEFAULT_NET " --entrypoint '/bin/sh' -- 'busybox' '-c' 'exit 3'\n" },
	{ "entrypoint: []", NULL, PREFIX LABELS DEFAULT_NET " --entrypoint '' -- 'busybox'\n" },
	/* as docker: "" resets the image's entrypoint, as [] does */
	{ "entrypoint: \"\"", NULL, PREFIX LABELS DEFAULT_NET " --entrypoint '' -- 'busybox'\n" },
	{ "network_mode: host", NULL, PREFIX LABELS " --network 'host'" IMAGE },
	{ "networks: {front: {aliases: [www]}, back: {ipv4_address: 10.9.0.5}}",
	  "networks:\n  front: {}\n  back: {name: backnet, driver: overlay}",
	  "docker create --name 's_s.1.t' --restart 'unless-stopped'" LABELS
	  " --network 'backnet' --network-alias 's' --ip '10.9.0.5' -- 'busybox' &&\n"
	  "docker network connect --alias 's' --alias 'www' 's_front' 's_s.1.t' &&\n"
	  "docker start 's_s.1.t' >/dev/null\n" },
	{ "volumes: [{type: bind, source: /srv/data, target: /data, bind: {create_host_path: true}}]", NULL,
	  "mkdir -p '/srv/data' &&\n" PREFIX LABELS DEFAULT_NET
	  " --mount 'type=bind,source=/srv/data,target=/data'" IMAGE },
};

static void test_full_lines(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(full_cases); i++) {
		struct strbuf err = STRBUF_INIT;
		char *got = render(full_cases[i].keys, full_cases[i].top, &err);
		if (!got)
			fail_msg("case %zu (%s): %s", i, full_cases[i].keys, err.buf);
		if (!streq(got, full_cases[i].flags))
			fail_msg("case %zu (%s):\n got: %s\nwant: %s", i, full_cases[i].keys, got,
				 full_cases[i].flags);
		free(got);
		sb_free(&err);
	}
}

static void test_global_task(void **state)
{
	(void)state;
	struct task_ref t = task;
	t.slot = 0;
	t.node = "h2";
	struct strbuf name = STRBUF_INIT, out = STRBUF_INIT, err = STRBUF_INIT;
	docker_container_name(&t, &name);
	assert_string_equal(name.buf, "s_s.h2.t");
	struct stack *st = load("", NULL);
	assert_int_equal(docker_run_command(st, stack_service(st, "s"), &t, NULL, &out, &err), 0);
	assert_non_null(strstr(out.buf, " --label 'cswarm.node=h2' "));
	assert_null(strstr(out.buf, "cswarm.slot"));
	stack_free(st);
	sb_free(&name);
	sb_free(&out);
	sb_free(&err);
}

struct error_case {
	const char *keys, *top, *message;
};

static const struct error_case error_cases[] = {
	{ "volumes: ['/a:/b,c']", NULL, "service s: volumes: \"/b,c\" contains a comma, quote or newline" },
	{ "volumes: ['/a\"x:/b']", NULL, "service s: volumes: \"/a\"x\" contains a comma" },
	{ "volumes: [{type: bind, source: '/a,1', target: '/b,2', bind: {propagation: 'x,y'}}]", NULL,
	  "service s: volumes: \"/a,1\" contains a comma" },
	{ "volumes: [{type: bind, source: \"/a\\nb\", target: /b}]", NULL, "contains a comma, quote or newline" },
	{ "secrets: [{source: pw, target: 'a,b'}]", "secrets:\n  pw: {file: /etc/hostname}",
	  "service s: secrets: \"/run/secrets/a,b\" contains a comma" },
	{ "labels: {cswarm.cluster: forged}", NULL, "service s: labels: \"cswarm.cluster\" is reserved" },
	{ "labels: {com.docker.stack.namespace: other}", NULL, "is reserved" },
	{ "command: []", NULL, "service s: command: an empty command cannot clear" },
};

static void test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(error_cases); i++) {
		struct strbuf err = STRBUF_INIT;
		char *got = render(error_cases[i].keys, error_cases[i].top, &err);
		if (got)
			fail_msg("case %zu (%s): no error, got %s", i, error_cases[i].keys, got);
		if (!strstr(err.buf, error_cases[i].message))
			fail_msg("case %zu: error \"%s\" lacks \"%s\"", i, err.buf, error_cases[i].message);
		if (strstr(err.buf + 1, "service s:"))
			fail_msg("case %zu: more than one message: %s", i, err.buf);
		sb_free(&err);
	}
}

/* --- through a real shell ------------------------------------------------ */

/* Run script in sh with `docker` a function that prints each argument
 * NUL-terminated; returns what it printed (len in *len). */
static char *argv_through_sh(const char *script, size_t *len)
{
	struct strbuf cmd = STRBUF_INIT;
	sb_adds(&cmd, "docker() { for a in \"$@\"; do printf '%s\\0' \"$a\"; done; }; mkdir() { :; }\n");
	sb_adds(&cmd, script);
	char *out = sh_stdout(cmd.buf, len);
	sb_free(&cmd);
	return out;
}

/* Is want one of the NUL-separated words? */
static bool has_word(const char *words, size_t len, const char *want)
{
	for (size_t off = 0; off < len; off += strlen(words + off) + 1)
		if (streq(words + off, want))
			return true;
	return false;
}

static const char *const hostile[] = {
	"$(touch /tmp/cswarm-pwned)", "`touch /tmp/cswarm-pwned`", "it's", "\"dq\"", "a\nb", "\\n",
	"; touch /tmp/cswarm-pwned", "${HOME}", "*", "--privileged", "-- x",
};

static void test_hostile_values(void **state)
{
	(void)state;
	unlink("/tmp/cswarm-pwned");
	for (size_t i = 0; i < ARRAY_SIZE(hostile); i++) {
		/* Through the YAML too: a double-quoted scalar, $ doubled. */
		struct strbuf esc = STRBUF_INIT;
		for (const char *p = hostile[i]; *p; p++)
			sb_adds(&esc, *p == '"' ? "\\\"" : *p == '\\' ? "\\\\" : *p == '\n' ? "\\n" :
				      *p == '$' ? "$$" : (char[]){ *p, 0 });
		char *keys = xasprintf("environment: {V: \"%s\"}\n    command: [\"%s\"]\n"
				       "    hostname: \"%s\"\n    labels: {l: \"%s\"}",
				       esc.buf, esc.buf, esc.buf, esc.buf);
		struct strbuf err = STRBUF_INIT;
		char *script = render(keys, NULL, &err);
		assert_non_null(script);
		size_t len;
		char *words = argv_through_sh(script, &len);
		char *env = xasprintf("V=%s", hostile[i]), *label = xasprintf("l=%s", hostile[i]);
		assert_true(has_word(words, len, env));
		assert_true(has_word(words, len, label));
		assert_true(has_word(words, len, hostile[i]));	/* command and hostname */
		assert_true(has_word(words, len, "busybox"));
		free(env);
		free(label);
		free(words);
		free(script);
		free(keys);
		sb_free(&esc);
		sb_free(&err);
	}
	assert_int_equal(access("/tmp/cswarm-pwned", F_OK), -1);
}

/* --- networks, volumes, removal ------------------------------------------ */

/* Use an existing network or volume only if this cluster (c) made it. */
#define IF_MISSING(kind, name) \
	"if cswarm_owner=$(docker " kind " inspect -f '{{index .Labels \"cswarm.cluster\"}}' '" name "'" \
	" 2>/dev/null); then\n[ \"$cswarm_owner\" = 'c' ] || { printf 'cswarm: %s %s exists and was not" \
	" created by this cluster\\n' '" kind "' '" name "' >&2; exit 1; }\nelse\n"

static void test_network_script(void **state)
{
	(void)state;
	struct stack *st = load("networks: [a, b, c]",
				"networks:\n  a: {driver: overlay, internal: true, labels: {k: v},"
				" ipam: {config: [{subnet: 10.5.0.0/24, gateway: 10.5.0.1}]}}\n"
				"  b: {external: true, name: shared}\n  c: {driver_opts: {o: '1'}}");
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	assert_int_equal(docker_network_script(st, "c", &out, &err), 0);
	assert_string_equal(out.buf,
		IF_MISSING("network", "s_a")
		"docker network create --driver 'bridge' --label 'cswarm.cluster=c' --label 'cswarm.stack=s'"
		" --label 'com.docker.stack.namespace=s' --label 'k=v' --internal --subnet '10.5.0.0/24'"
		" --gateway '10.5.0.1' -- 's_a' >/dev/null\nfi\n"
		"docker network inspect 'shared' >/dev/null || { echo \"cswarm: external network 'shared'"
		" does not exist on this host\" >&2; exit 1; }\n"
		IF_MISSING("network", "s_c")
		"docker network create --driver 'bridge' --label 'cswarm.cluster=c' --label 'cswarm.stack=s'"
		" --label 'com.docker.stack.namespace=s' --opt 'o=1' -- 's_c' >/dev/null\nfi\n");
	sb_reset(&out);
	stack_free(st);
	st = load("", NULL);	/* the implicit default network */
	assert_int_equal(docker_network_script(st, "c", &out, &err), 0);
	assert_non_null(strstr(out.buf, "docker network create --driver 'bridge' --label 'cswarm.cluster=c'"));
	assert_non_null(strstr(out.buf, " -- 's_default' >/dev/null\nfi\n"));
	assert_int_equal(docker_network_script(st, "", &out, &err), -1);
	stack_free(st);
	sb_free(&out);
	sb_free(&err);
}

static void test_volume_script(void **state)
{
	(void)state;
	struct stack *st = load("volumes: ['used:/u']",
				"volumes:\n  used: {driver_opts: {type: tmpfs, device: tmpfs}, labels: [a=b]}\n"
				"  unused: {}");
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	assert_int_equal(docker_volume_script(st, stack_service(st, "s"), "c", &out, &err), 0);
	assert_string_equal(out.buf,
		IF_MISSING("volume", "s_used")
		"docker volume create --driver 'local' --label 'cswarm.cluster=c' --label 'cswarm.stack=s'"
		" --label 'com.docker.stack.namespace=s' --label 'a=b' --opt 'device=tmpfs' --opt 'type=tmpfs'"
		" -- 's_used' >/dev/null\nfi\n");
	sb_reset(&out);
	assert_int_equal(docker_volume_script(st, NULL, "c", &out, &err), 0);
	assert_non_null(strstr(out.buf, "'s_unused'"));
	stack_free(st);
	sb_free(&out);
	sb_free(&err);
}

static void test_stop_and_rm(void **state)
{
	(void)state;
	struct strbuf out = STRBUF_INIT;
	docker_stop_command("s_s.1.t", 1500, &out);
	assert_string_equal(out.buf, "docker stop -t 2 's_s.1.t' >/dev/null && docker rm 's_s.1.t' >/dev/null\n");
	sb_reset(&out);
	docker_stop_command("x", -1, &out);
	assert_non_null(strstr(out.buf, "docker stop -t 10 'x'"));
	sb_reset(&out);
	docker_rm_stack_script("c'1", "s", "/d", &out);
	assert_string_equal(out.buf,
		"status=0\n"
		"for id in $(docker network ls -q --filter 'label=cswarm.cluster=c'\\''1' --filter 'label=cswarm.stack=s');"
		" do docker network rm \"$id\" >/dev/null || status=1; done\n"
		"for id in $(docker volume ls -q --filter 'label=cswarm.cluster=c'\\''1' --filter 'label=cswarm.stack=s');"
		" do docker volume rm \"$id\" >/dev/null || status=1; done\n"
		"rm -rf -- '/d/s' || status=1\n(exit $status)\n");
	sb_free(&out);
}

/* --- secret and config files ---------------------------------------------- */

static const struct file_source local = { docker_file_local_value, NULL };

/* On a tmpfs: the files script refuses anything else. */
static char *tmp_dir(void)
{
	char tmpl[] = "/dev/shm/cswarm-test-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	return xstrdup(tmpl);
}

static char *read_all(const char *path, size_t *len)
{
	char *text = read_file(path, len);
	assert_non_null(text);
	return text;
}

static void run_sh(const char *script)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", script, (char *)NULL);
		_exit(127);
	}
	int status;
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Every byte value, from a file source, written by a real sh. */
static void test_files_any_bytes(void **state)
{
	(void)state;
	char *dir = tmp_dir(), *src = xasprintf("%s/src", dir), *files = xasprintf("%s/files", dir);
	unsigned char bytes[1000];
	for (size_t i = 0; i < sizeof(bytes); i++)
		bytes[i] = (unsigned char)(i * 7);
	FILE *f = fopen(src, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(bytes, 1, sizeof(bytes), f), sizeof(bytes));
	fclose(f);
	setenv("CSWARM_TEST_SECRET", "from env $(touch /tmp/cswarm-pwned)", 1);
	char *keys = xasprintf("secrets: [{source: bin, uid: '%u', gid: '%u', mode: 0600}, env]\n"
			       "    configs: [{source: conf, uid: '%u', gid: '%u'}]",
			       getuid(), getgid(), getuid(), getgid());
	char *top = xasprintf("secrets:\n  bin: {file: %s}\n  env: {environment: CSWARM_TEST_SECRET}\n"
			      "configs:\n  conf: {content: \"line1\\nline2\\n\"}", src);
	struct stack *st = load(keys, top);
	struct strbuf script = STRBUF_INIT, err = STRBUF_INIT;
	assert_int_equal(docker_files_script(st, stack_service(st, "s"), &task, files, &local, &script, &err), 0);
	if (getuid() != 0) {	/* chown 0:0 of the env secret needs root */
		char *p = strstr(script.buf, "chown '0:0'");
		assert_non_null(p);
		memcpy(p, "true ", 5);
	}
	run_sh(script.buf);

	size_t len;
	char *path = xasprintf("%s/c/t/secrets/bin", files), *got = read_all(path, &len);
	assert_int_equal(len, sizeof(bytes));
	assert_memory_equal(got, bytes, sizeof(bytes));
	struct stat sbuf;
	assert_int_equal(stat(path, &sbuf), 0);
	assert_int_equal(sbuf.st_mode & 07777, 0600);
	free(got);
	free(path);
	path = xasprintf("%s/c/t/secrets/env", files);
	got = read_all(path, &len);
	assert_string_equal(got, "from env $(touch /tmp/cswarm-pwned)");
	assert_int_equal(stat(path, &sbuf), 0);
	assert_int_equal(sbuf.st_mode & 07777, 0444);
	free(got);
	free(path);
	path = xasprintf("%s/c/t/configs/conf", files);
	got = read_all(path, &len);
	assert_string_equal(got, "line1\nline2\n");
	assert_int_equal(stat(path, &sbuf), 0);
	assert_int_equal(sbuf.st_mode & 07777, 0444);
	path[strlen(path) - 5] = '\0';	/* .../configs */
	assert_int_equal(stat(path, &sbuf), 0);
	assert_int_equal(sbuf.st_mode & 0777, 0700);
	assert_int_equal(access("/tmp/cswarm-pwned", F_OK), -1);
	free(got);
	free(path);

	char *rm = xasprintf("rm -rf '%s'", dir);
	run_sh(rm);
	free(rm);
	stack_free(st);
	sb_free(&script);
	sb_free(&err);
	free(keys);
	free(top);
	free(src);
	free(files);
	free(dir);
}

static int files_error(const char *keys, const char *top, struct strbuf *err)
{
	struct stack *st = load(keys, top);
	struct strbuf script = STRBUF_INIT;
	int rc = docker_files_script(st, stack_service(st, "s"), &task, "/x", &local, &script, err);
	stack_free(st);
	sb_free(&script);
	return rc;
}

/* Failures after the content was read name the secret, never show it. */
static void test_files_errors_hide_content(void **state)
{
	(void)state;
	struct strbuf err = STRBUF_INIT;
	setenv("CSWARM_TEST_SECRET", "s3cr3t-value", 1);
	unsetenv("CSWARM_TEST_UNSET");
	assert_int_equal(files_error("secrets: [ext]", "secrets:\n  ext: {external: true}", &err), -1);
	assert_string_equal(err.buf, "service s: secrets: ext: external secrets are kept in the cluster, not read here");
	sb_reset(&err);
	assert_int_equal(files_error("secrets: [a, b]", "secrets:\n  a: {environment: CSWARM_TEST_SECRET}\n"
				     "  b: {environment: CSWARM_TEST_UNSET}", &err), -1);
	assert_string_equal(err.buf, "service s: secrets: b: environment variable CSWARM_TEST_UNSET is not set");
	sb_reset(&err);
	assert_int_equal(files_error("secrets: [{source: a, uid: root}]",
				     "secrets:\n  a: {environment: CSWARM_TEST_SECRET}", &err), -1);
	assert_string_equal(err.buf, "service s: secrets: a: uid and gid must be numbers");
	sb_reset(&err);
	assert_int_equal(files_error("secrets: [{source: a, target: /x}, {source: a, target: /y, mode: 0400}]",
				     "secrets:\n  a: {environment: CSWARM_TEST_SECRET}", &err), -1);
	assert_non_null(strstr(err.buf, "mounted twice with different uid, gid or mode"));
	sb_reset(&err);
	assert_int_equal(files_error("secrets: [f]", "secrets:\n  f: {file: /nonexistent/cswarm}", &err), -1);
	assert_string_equal(err.buf, "service s: secrets: f: /nonexistent/cswarm: No such file or directory");
	sb_reset(&err);
	char *big = xmalloc(600 * 1024 + 1);
	memset(big, 'S', 600 * 1024);
	big[600 * 1024] = '\0';
	setenv("CSWARM_TEST_BIG", big, 1);
	assert_int_equal(files_error("secrets: [big]", "secrets:\n  big: {environment: CSWARM_TEST_BIG}", &err), -1);
	assert_string_equal(err.buf, "service s: secrets: big: larger than 500KiB");
	assert_null(strstr(err.buf, "s3cr3t"));
	unsetenv("CSWARM_TEST_BIG");
	free(big);
	sb_free(&err);
}

/* Values never reach a disk: a files root that is not a tmpfs is refused
 * on the host, before anything is written. */
static void test_files_need_tmpfs(void **state)
{
	(void)state;
	char tmpl[] = "/var/tmp/cswarm-test-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	struct stack *st = load("configs: [conf]", "configs:\n  conf: {content: x}");
	struct strbuf script = STRBUF_INIT, err = STRBUF_INIT;
	assert_int_equal(docker_files_script(st, stack_service(st, "s"), &task, tmpl, &local, &script, &err), 0);
	sb_adds(&script, "echo wrote\n");
	char *run = xasprintf("(%s) 2>&1; true", script.buf);
	char *out = sh_stdout(run, NULL);
	if (!strstr(out, "is not a tmpfs: secret and config files are never written to disk"))
		fail_msg("got: %s", out);
	char *conf = xasprintf("%s/c/t/configs/conf", tmpl);
	assert_int_equal(access(conf, F_OK), -1);
	rmdir(tmpl);
	free(conf), free(out), free(run);
	stack_free(st);
	sb_free(&script), sb_free(&err);
}

/* The run line names the file, never the content. */
static void test_run_line_has_no_secret(void **state)
{
	(void)state;
	struct strbuf err = STRBUF_INIT;
	setenv("CSWARM_TEST_SECRET", "s3cr3t-value", 1);
	char *line = render("secrets: [a]", "secrets:\n  a: {environment: CSWARM_TEST_SECRET}", &err);
	assert_non_null(line);
	assert_null(strstr(line, "s3cr3t"));
	free(line);
	sb_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_full_lines),
		cmocka_unit_test(test_global_task),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_hostile_values),
		cmocka_unit_test(test_network_script),
		cmocka_unit_test(test_volume_script),
		cmocka_unit_test(test_stop_and_rm),
		cmocka_unit_test(test_files_any_bytes),
		cmocka_unit_test(test_files_errors_hide_content),
		cmocka_unit_test(test_run_line_has_no_secret),
		cmocka_unit_test(test_files_need_tmpfs),
	};
	return cmocka_run_group_tests_name("docker_run", tests, NULL, NULL);
}
