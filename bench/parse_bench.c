/* JSON parsing at fleet size (issue 16), each parse the best of RUNS:
 * - a state of TASKS tasks on TASKS/10 nodes (state_parse);
 * - an array of CONTAINERS `docker ps --format '{{json .}}'` objects (a
 *   line of a real docker 20.10), tokenised and read (ID, Names, Labels);
 * - `docker inspect` of 10 containers (copies of those in
 *   tests/unit/data/docker_inspect.json, from a real dockerd) parsed once
 *   per host for TASKS/10 hosts (docker_observe_parse), as a reconcile does;
 * - removing every other task of that state, in one pass
 *   (state_remove_tasks, as a wave records its stops) and one at a time.
 * "before" tokenises the same text with jsmn as it was built before
 * (bench/jsmn_before.c, at BEFORE objects for the ps array: it is
 * quadratic), "tokens" with jsmn as it is built now.
 *
 *   parse_bench TASKS CONTAINERS BEFORE [inspect.json] */
#include "bench/jsmn_before.h"
#include "docker/observe.h"
#include "state/state.h"
#include "util/json.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { RUNS = 3 };

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

typedef int (*parse_fn)(const char *text, size_t len);

static double best_ms(parse_fn fn, const char *text, size_t len, int runs)
{
	double best = -1;
	for (int i = 0; i < runs; i++) {
		double t0 = now_ms();
		if (fn(text, len) != 0)
			die("bench: parse failed");
		double t = now_ms() - t0;
		if (best < 0 || t < best)
			best = t;
	}
	return best;
}

static int before(const char *text, size_t len)
{
	return jsmn_before_tokens(text, len) > 0 ? 0 : -1;
}

static int tokens_now(const char *text, size_t len)
{
	struct json j;
	struct strbuf err = STRBUF_INIT;
	int ret = json_parse(&j, text, len, &err);
	json_free(&j);
	sb_free(&err);
	return ret;
}

static int parse_state(const char *text, size_t len)
{
	struct state st;
	struct strbuf err = STRBUF_INIT;
	int ret = state_parse(text, len, &st, &err);
	if (ret != 0)
		fprintf(stderr, "%s\n", sb_str(&err));
	else
		state_free(&st);
	sb_free(&err);
	return ret;
}

static size_t inspect_hosts;

/* One host's docker inspect, once per host. */
static int parse_inspect(const char *text, size_t len)
{
	int ret = 0;
	for (size_t h = 0; h < inspect_hosts && ret == 0; h++) {
		struct observed *o;
		size_t n;
		struct strbuf err = STRBUF_INIT;
		ret = docker_observe_parse(text, len, &o, &n, &err);
		if (ret != 0)
			fprintf(stderr, "%s\n", sb_str(&err));
		else
			docker_observed_free(o, n);
		sb_free(&err);
	}
	return ret;
}

/* A docker ps array: every object's ID, Names and Labels read. */
static int parse_ps(const char *text, size_t len)
{
	struct json j;
	struct strbuf err = STRBUF_INIT;
	int ret = json_parse(&j, text, len, &err);
	for (int i = 0, tok = 1; ret == 0 && i < json_size(&j, 0); i++, tok = json_skip(&j, tok)) {
		const char *keys[] = { "ID", "Names", "Labels" };
		for (size_t k = 0; k < ARRAY_SIZE(keys); k++)
			free(json_str(&j, json_get(&j, tok, keys[k])));
	}
	if (ret == 0)
		json_free(&j);
	sb_free(&err);
	return ret;
}

/* A line of `docker ps --format '{{json .}}'` from docker 20.10. */
static const char PS_LINE[] =
	"{\"Command\":\"\\\"sleep 300\\\"\",\"CreatedAt\":\"2026-11-28 07:08:14 +0000 UTC\","
	"\"ID\":\"%012zx\",\"Image\":\"busybox:latest\",\"Labels\":\"cswarm.cluster="
	"0123456789abcdef0123456789abcdef,cswarm.hash=45e58c1e2e9a3a50,cswarm.node=h%zu,"
	"cswarm.service=api,cswarm.slot=%zu,cswarm.stack=app,cswarm.task=%012zx\","
	"\"LocalVolumes\":\"0\",\"Mounts\":\"\",\"Names\":\"app_api.%zu.%012zx\","
	"\"Networks\":\"bridge\",\"Platform\":null,\"Ports\":\"0.0.0.0:8081-\\u003e80/tcp\","
	"\"RunningFor\":\"1 second ago\",\"Size\":\"0B (virtual 1.98MB)\",\"State\":\"running\","
	"\"Status\":\"Up Less than a second\"}";

static void make_ps(size_t n, struct strbuf *out)
{
	sb_addc(out, '[');
	for (size_t i = 0; i < n; i++) {
		sb_adds(out, i ? ",\n" : "\n");
		sb_addf(out, PS_LINE, i, i / 10, i + 1, i, i + 1, i);
	}
	sb_adds(out, "\n]\n");
}

/* 10 services of one stack, ntasks tasks spread over ntasks/10 nodes. */
static void make_state(size_t ntasks, struct strbuf *out)
{
	struct state st = { .version = 7 };
	struct strbuf err = STRBUF_INIT;
	st.cluster = xstrdup("bench");
	st.cluster_id = xstrdup("0123456789abcdef0123456789abcdef");
	state_set_stack(&st, "app", "{\"services\":{}}");
	for (int s = 0; s < 10; s++) {
		char name[16], spec[64];
		snprintf(name, sizeof(name), "svc%d", s);
		snprintf(spec, sizeof(spec), "{\"image\":\"nginx:1.%d\",\"replicas\":%zu}", s, ntasks / 10);
		if (!state_set_service(&st, "app", name, spec, &err))
			die("bench: %s", sb_str(&err));
	}
	size_t nnodes = ntasks / 10 ? ntasks / 10 : 1;
	for (size_t n = 0; n < nnodes; n++) {
		char node[32];
		snprintf(node, sizeof(node), "h%zu", n);
		state_node(&st, node)->availability = AVAIL_ACTIVE;
	}
	for (size_t i = 0; i < ntasks; i++) {
		char id[24], node[32], service[24];
		snprintf(id, sizeof(id), "%012zx", i);
		snprintf(node, sizeof(node), "h%zu", i % nnodes);
		snprintf(service, sizeof(service), "svc%zu", i % 10);
		struct state_task t = { .id = id, .stack = "app", .service = service,
					.slot = (int)(i / 10 + 1), .node = node,
					.hash = st.services[i % 10].hash, .desired = "running",
					.created = 1764000000 };
		state_add_task(&st, &t);
	}
	state_write_json(&st, out);
	state_free(&st);
	sb_free(&err);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct strbuf sb = STRBUF_INIT;
	char buf[65536];
	size_t n;
	if (!f)
		die("bench: %s: cannot open", path);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sb_add(&sb, buf, n);
	fclose(f);
	*len = sb.len;
	return sb_detach(&sb);
}

/* An array of n containers, copies of those in the sample. */
static void make_inspect(const char *sample_path, size_t n, struct strbuf *out)
{
	size_t len;
	char *sample = slurp(sample_path, &len);
	struct json j;
	struct strbuf err = STRBUF_INIT;
	if (json_parse(&j, sample, len, &err) != 0 || json_size(&j, 0) < 1)
		die("bench: %s: %s", sample_path, sb_str(&err));
	int count = json_size(&j, 0);
	sb_addc(out, '[');
	for (size_t i = 0, tok = 1; i < n; i++) {
		size_t rlen;
		const char *raw = json_raw(&j, (int)tok, &rlen);
		sb_adds(out, i ? ",\n" : "\n");
		sb_add(out, raw, rlen);
		tok = (i + 1) % (size_t)count ? (size_t)json_skip(&j, (int)tok) : 1;
	}
	sb_adds(out, "\n]\n");
	json_free(&j);
	free(sample);
	sb_free(&err);
}

static void report(const char *what, size_t n, const char *text, size_t len, parse_fn parse,
		   int with_before)
{
	double now = best_ms(tokens_now, text, len, RUNS);
	double whole = best_ms(parse, text, len, RUNS);
	printf("parse: %s=%zu bytes=%zu parse_ms=%.1f tokens_ms=%.1f", what, n, len, whole, now);
	if (with_before) {
		double old = best_ms(before, text, len, 1);	/* slow: once */
		printf(" before_tokens_ms=%.1f before/after=%.1f", old, old / (now > 0.01 ? now : 0.01));
	}
	printf("\n");
}

/* Every other task of the state in text removed, in one batch or one by
 * one (each a pass over the tasks); its time in ms. */
static double remove_half(const char *text, size_t len, int batch)
{
	struct state st;
	struct strbuf err = STRBUF_INIT;
	if (state_parse(text, len, &st, &err) != 0)
		die("bench: %s", sb_str(&err));
	size_t n = st.ntasks / 2, had = st.ntasks;
	char **ids = xcalloc(n + 1, sizeof(*ids));
	for (size_t i = 0; i < n; i++)
		ids[i] = xstrdup(st.tasks[2 * i].id);
	double t0 = now_ms();
	if (batch)
		state_remove_tasks(&st, (const char *const *)ids, n);
	for (size_t i = 0; !batch && i < n; i++)
		state_remove_task(&st, ids[i]);
	double t = now_ms() - t0;
	if (st.ntasks != had - n)
		die("bench: %zu tasks left of %zu, %zu removed", st.ntasks, had, n);
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	state_free(&st);
	sb_free(&err);
	return t;
}

int main(int argc, char **argv)
{
	size_t ntasks = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
	size_t ncont = argc > 2 ? strtoul(argv[2], NULL, 10) : 100000;
	size_t nbefore = argc > 3 ? strtoul(argv[3], NULL, 10) : 20000;
	const char *sample = argc > 4 ? argv[4] : "tests/unit/data/docker_inspect.json";
	struct strbuf text = STRBUF_INIT;

	sb_init(&text);
	make_state(ntasks, &text);
	report("state_tasks", ntasks, text.buf, text.len, parse_state, 1);
	printf("state: tasks=%zu removed=%zu batch_ms=%.1f one_by_one_ms=%.1f\n", ntasks, ntasks / 2,
	       remove_half(text.buf, text.len, 1), remove_half(text.buf, text.len, 0));
	sb_reset(&text);
	make_ps(nbefore, &text);
	report("ps_containers", nbefore, text.buf, text.len, parse_ps, 1);
	sb_reset(&text);
	make_ps(ncont, &text);
	report("ps_containers", ncont, text.buf, text.len, parse_ps, 0);
	sb_reset(&text);
	inspect_hosts = ntasks / 10 ? ntasks / 10 : 1;
	make_inspect(sample, 10, &text);
	report("inspect_10_containers_x_hosts", inspect_hosts, text.buf, text.len, parse_inspect, 0);
	sb_free(&text);
	return 0;
}
