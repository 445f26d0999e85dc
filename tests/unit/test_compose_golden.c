/* docker/cli's loader test file, full-example.yml, against the normalized
 * output Docker's own loader produces (testdata/full-example.json.golden,
 * workingDir /foo, homeDir /bar): the meaning must match field by field
 * where the two models overlap.
 *
 * Differences, by design (see docs/stack-file.md):
 * - The file is loaded with four edits, because cswarm refuses what
 *   `docker stack deploy` would fail on later: secret4 and config4 have
 *   only a name (no file, environment or external) so they are made
 *   external; the network other-other-network and the volume datavolume are
 *   used but not declared, so they are declared.
 * - Keys stack deploy ignores (build, cgroup_parent, container_name,
 *   depends_on, domainname, expose, external_links, ipc, links, mac_address,
 *   pid, restart when deploy.restart_policy is set, x-*) are not in the
 *   model; network_mode container:... is ignored with a warning.
 * - Ports keep their host_ip (127.0.0.1), which Docker's output drops.
 * - ulimits are always {soft, hard}; Docker writes a single number as is.
 * - Byte sizes are numbers (Docker: strings); cpus strings are the same.
 * - Top-level networks, volumes, secrets and configs get their host-side
 *   name (STACK_KEY) and a default driver; the cluster volume's
 *   x-cluster-spec is an extension and is dropped.
 * - generic_resources, healthcheck, update/rollback configs: identical. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "compose/compose.h"
#include "util/util.h"

#include "util/jsmn_config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct json {
	char *text;
	jsmntok_t *tok;
	int ntok;
};

static int json_parse(struct json *j, char *text)
{
	jsmn_parser p;
	j->text = text;
	jsmn_init(&p);
	j->ntok = jsmn_parse(&p, text, strlen(text), NULL, 0);
	if (j->ntok <= 0)
		return -1;
	j->tok = xcalloc((size_t)j->ntok, sizeof(*j->tok));
	jsmn_init(&p);
	return jsmn_parse(&p, text, strlen(text), j->tok, (unsigned)j->ntok) == j->ntok ? 0 : -1;
}

/* Index of the token after the subtree at i. */
static int subtree_end(const struct json *j, int i)
{
	int end = i + 1;
	for (int k = 0; k < j->tok[i].size; k++)
		end = subtree_end(j, end);
	return end;
}

static bool tok_is(const struct json *j, int i, const char *s)
{
	int len = j->tok[i].end - j->tok[i].start;
	return (int)strlen(s) == len && !strncmp(j->text + j->tok[i].start, s, (size_t)len);
}

/* The value at a '/'-separated path ("services/foo/ports/3/target"). */
static int json_at(const struct json *j, const char *path)
{
	char *copy = xstrdup(path), *save = NULL;
	int i = 0;
	for (char *seg = strtok_r(copy, "/", &save); seg && i >= 0; seg = strtok_r(NULL, "/", &save)) {
		int child = i + 1, found = -1;
		for (int k = 0; k < j->tok[i].size && found < 0; k++) {
			if (j->tok[i].type == JSMN_ARRAY) {
				if (k == atoi(seg))
					found = child;
				child = subtree_end(j, child);
			} else {
				if (tok_is(j, child, seg))
					found = child + 1;
				child = subtree_end(j, child + 1);
			}
		}
		i = found;
	}
	free(copy);
	return i;
}

static char *json_value(const struct json *j, const char *path, const char *tmpdir)
{
	int i = json_at(j, path);
	if (i < 0)
		return xstrdup("<missing>");
	char *v = xstrndup(j->text + j->tok[i].start, (size_t)(j->tok[i].end - j->tok[i].start));
	if (tmpdir && starts_with(v, tmpdir)) {
		char *r = xasprintf("/foo%s", v + strlen(tmpdir));
		free(v);
		v = r;
	}
	return v;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;
	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sb_add(&sb, buf, n);
	fclose(f);
	return sb_detach(&sb);
}

static void spit(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

static char *replace(char *s, const char *from, const char *to)
{
	char *at = strstr(s, from);
	assert_non_null(at);
	char *r = xasprintf("%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
	free(s);
	return r;
}

static const char *corpus_dir(void)
{
	static const char *const dirs[] = { "/work/shared/corpus", "../shared/corpus", "../../../shared/corpus" };
	const char *env = getenv("CSWARM_CORPUS");
	if (env)
		return env;
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (access(dirs[i], R_OK) == 0)
			return dirs[i];
	return NULL;
}

/* golden path, cswarm path (NULL: the same). */
static const char *const fields[][2] = {
	{ "services/foo/image", NULL }, { "services/foo/command/4", NULL },
	{ "services/foo/entrypoint/0", NULL }, { "services/foo/entrypoint/2", NULL },
	{ "services/foo/cap_add/0", NULL }, { "services/foo/cap_drop/1", NULL },
	{ "services/foo/configs/0/source", NULL }, { "services/foo/configs/1/target", NULL },
	{ "services/foo/configs/1/uid", NULL }, { "services/foo/configs/1/mode", NULL },
	{ "services/foo/secrets/1/source", NULL }, { "services/foo/secrets/1/target", NULL },
	{ "services/foo/secrets/1/gid", NULL }, { "services/foo/secrets/1/mode", NULL },
	{ "services/foo/deploy/mode", NULL }, { "services/foo/deploy/replicas", NULL },
	{ "services/foo/deploy/labels/FOO", NULL }, { "services/foo/deploy/endpoint_mode", NULL },
	{ "services/foo/deploy/update_config/parallelism", NULL },
	{ "services/foo/deploy/update_config/delay", NULL },
	{ "services/foo/deploy/update_config/monitor", NULL },
	{ "services/foo/deploy/update_config/max_failure_ratio", NULL },
	{ "services/foo/deploy/update_config/order", NULL },
	{ "services/foo/deploy/update_config/failure_action", NULL },
	{ "services/foo/deploy/rollback_config/monitor", NULL },
	{ "services/foo/deploy/resources/limits/cpus", NULL },
	{ "services/foo/deploy/resources/limits/memory", NULL },
	{ "services/foo/deploy/resources/limits/pids", NULL },
	{ "services/foo/deploy/resources/reservations/cpus", NULL },
	{ "services/foo/deploy/resources/reservations/memory", NULL },
	{ "services/foo/deploy/resources/reservations/generic_resources/0/discrete_resource_spec/kind", NULL },
	{ "services/foo/deploy/resources/reservations/generic_resources/1/discrete_resource_spec/value", NULL },
	{ "services/foo/deploy/restart_policy/condition", NULL },
	{ "services/foo/deploy/restart_policy/delay", NULL },
	{ "services/foo/deploy/restart_policy/max_attempts", NULL },
	{ "services/foo/deploy/restart_policy/window", NULL },
	{ "services/foo/deploy/placement/constraints/0", NULL },
	{ "services/foo/deploy/placement/preferences/0/spread", NULL },
	{ "services/foo/deploy/placement/max_replicas_per_node", NULL },
	{ "services/foo/devices/0", NULL }, { "services/foo/dns/1", NULL },
	{ "services/foo/dns_search/0", NULL },
	{ "services/foo/environment/BAR", NULL }, { "services/foo/environment/BAZ", NULL },
	{ "services/foo/environment/FOO", NULL }, { "services/foo/environment/QUX", NULL },
	{ "services/foo/extra_hosts/2", NULL }, { "services/foo/hostname", NULL },
	{ "services/foo/healthcheck/test/0", NULL }, { "services/foo/healthcheck/test/1", NULL },
	{ "services/foo/healthcheck/interval", NULL }, { "services/foo/healthcheck/timeout", NULL },
	{ "services/foo/healthcheck/retries", NULL }, { "services/foo/healthcheck/start_period", NULL },
	{ "services/foo/healthcheck/start_interval", NULL },
	{ "services/foo/labels/com.example.description", NULL },
	{ "services/foo/labels/com.example.empty-label", NULL },
	{ "services/foo/labels/com.example.number", NULL },
	{ "services/foo/logging/driver", NULL }, { "services/foo/logging/options/syslog-address", NULL },
	{ "services/foo/networks/some-network/aliases/1", NULL },
	{ "services/foo/networks/some-network/driver_opts/driveropt1", NULL },
	{ "services/foo/networks/other-network/ipv4_address", NULL },
	{ "services/foo/networks/other-network/ipv6_address", NULL },
	{ "services/foo/ports/0/target", NULL }, { "services/foo/ports/0/mode", NULL },
	{ "services/foo/ports/5/target", NULL }, { "services/foo/ports/7/published", NULL },
	{ "services/foo/ports/8/target", NULL }, { "services/foo/ports/9/published", NULL },
	{ "services/foo/ports/21/target", NULL }, { "services/foo/ports/21/protocol", NULL },
	{ "services/foo/privileged", NULL }, { "services/foo/read_only", NULL },
	{ "services/foo/security_opt/1", NULL }, { "services/foo/stdin_open", NULL },
	{ "services/foo/stop_grace_period", NULL }, { "services/foo/stop_signal", NULL },
	{ "services/foo/sysctls/net.core.somaxconn", NULL }, { "services/foo/tmpfs/1", NULL },
	{ "services/foo/tty", NULL }, { "services/foo/user", NULL }, { "services/foo/working_dir", NULL },
	{ "services/foo/ulimits/nofile/soft", NULL }, { "services/foo/ulimits/nofile/hard", NULL },
	{ "services/foo/ulimits/nproc", "services/foo/ulimits/nproc/soft" },
	{ "services/foo/volumes/0/type", NULL }, { "services/foo/volumes/0/target", NULL },
	{ "services/foo/volumes/1/source", NULL }, { "services/foo/volumes/2/source", NULL },
	{ "services/foo/volumes/3/source", NULL }, { "services/foo/volumes/4/source", NULL },
	{ "services/foo/volumes/4/read_only", NULL }, { "services/foo/volumes/5/source", NULL },
	{ "services/foo/volumes/6/source", NULL }, { "services/foo/volumes/6/consistency", NULL },
	{ "services/foo/volumes/7/tmpfs/size", NULL }, { "services/foo/volumes/8/type", NULL },
	{ "networks/other-network/driver", NULL }, { "networks/other-network/driver_opts/baz", NULL },
	{ "networks/other-network/ipam/driver", NULL },
	{ "networks/other-network/ipam/config/1/subnet", NULL },
	{ "networks/other-network/labels/foo", NULL },
	{ "networks/external-network/external", NULL }, { "networks/other-external-network/name", NULL },
	{ "volumes/another-volume/name", NULL }, { "volumes/another-volume/driver_opts/baz", NULL },
	{ "volumes/other-volume/driver", NULL }, { "volumes/other-external-volume/name", NULL },
	{ "volumes/external-volume3/name", NULL }, { "volumes/external-volume3/external", NULL },
	{ "secrets/secret1/file", NULL }, { "secrets/secret1/labels/foo", NULL },
	{ "secrets/secret2/name", NULL }, { "secrets/secret3/name", NULL },
	{ "configs/config1/file", NULL }, { "configs/config2/name", NULL },
	{ "configs/config2/external", NULL },
};

static char *load_example(const char *corpus, char *tmpdir)
{
	const char *loader = "docker+cli/loader";
	char *src = xasprintf("%s/%s/full-example.yml", corpus, loader);
	char *yml = slurp(src);
	assert_non_null(yml);
	yml = replace(yml, "  secret4:\n    name: bar\n", "  secret4:\n    name: bar\n    external: true\n");
	yml = replace(yml, "  config4:\n    name: foo\n", "  config4:\n    name: foo\n    external: true\n");
	yml = replace(yml, "\nnetworks:\n", "\nnetworks:\n  other-other-network:\n");
	yml = replace(yml, "\nvolumes:\n", "\nvolumes:\n  datavolume:\n");
	spit(tmpdir, "full-example.yml", yml);
	for (int i = 1; i <= 2; i++) {
		char *p = xasprintf("%s/%s/example%d.env", corpus, loader, i), *name = xasprintf("example%d.env", i);
		char *text = slurp(p);
		assert_non_null(text);
		spit(tmpdir, name, text);
		free(text);
		free(p);
		free(name);
	}
	char *file = xasprintf("%s/full-example.yml", tmpdir);
	const char *files[] = { file };
	struct compose_opts o = { .files = files, .nfiles = 1, .quiet = true, .name = "full-example" };
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct stack *st;
	setenv("HOME", "/bar", 1);
	setenv("QUX", "qux_from_environment", 1);
	if (compose_load(&o, &st, &err) < 0)
		fail_msg("%s", err.buf);
	compose_write_json(st, &out);
	stack_free(st);
	sb_free(&err);
	free(src);
	free(yml);
	free(file);
	return sb_detach(&out);
}

static void test_full_example_matches_docker(void **state)
{
	(void)state;
	const char *corpus = corpus_dir();
	if (!corpus)
		skip();
	char tmpdir[] = "/tmp/cswarm-golden-XXXXXX";
	assert_non_null(mkdtemp(tmpdir));
	char *gpath = xasprintf("%s/docker+cli/loader/testdata/full-example.json.golden", corpus);
	struct json golden, mine;
	assert_int_equal(json_parse(&golden, slurp(gpath)), 0);
	assert_int_equal(json_parse(&mine, load_example(corpus, tmpdir)), 0);
	int bad = 0;
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		char *want = json_value(&golden, fields[i][0], NULL);
		char *got = json_value(&mine, fields[i][1] ? fields[i][1] : fields[i][0], tmpdir);
		if (streq(want, "<missing>") || !streq(want, got)) {
			print_error("%s: docker \"%s\", cswarm \"%s\"\n", fields[i][0], want, got);
			bad++;
		}
		free(want);
		free(got);
	}
	assert_int_equal(bad, 0);
	char *cleanup = xasprintf("rm -rf '%s'", tmpdir);
	assert_int_equal(system(cleanup), 0);
	free(cleanup);
	free(gpath);
	free(golden.text);
	free(golden.tok);
	free(mine.text);
	free(mine.tok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_example_matches_docker),
	};
	return cmocka_run_group_tests_name("compose_golden", tests, NULL, NULL);
}
