/* What each libFuzzer target feeds to cswarm: everything read from a file
 * the user hands over (the inventory, ~/.ssh/config) or back from hosts
 * and managers (docker info and inspect output, the markers of observation
 * and apply scripts, state.json). Header-only so that the fuzz driver
 * (fuzz/fuzz_one.c) and the replay of fuzz/regressions/TARGET/ in
 * tests/unit/test_fuzz_regress.c run the very same code. */
#ifndef CSWARM_FUZZ_TARGETS_H
#define CSWARM_FUZZ_TARGETS_H

#include "docker/info.h"
#include "docker/observe.h"
#include "engine/converge.h"
#include "engine/observe.h"
#include "inventory/inventory.h"
#include "ssh/config.h"
#include "state/state.h"
#include "util/util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Input as a C string (parsers of remote output see text). */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
	char *s = xmalloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

static inline void fuzz_inventory(const uint8_t *data, size_t size)
{
	struct inventory inv;
	struct strbuf err = STRBUF_INIT;
	if (inventory_load_buffer("fuzz.ini", (const char *)data, size, &inv, &err) == 0)
		inventory_free(&inv);
	sb_free(&err);
}

/* The reader takes a path: the input goes to a file of this process. */
static inline void fuzz_ssh_config(const uint8_t *data, size_t size)
{
	char path[64];
	snprintf(path, sizeof(path), "/tmp/cswarm-fuzz-ssh-config.%ld", (long)getpid());
	FILE *f = fopen(path, "wb");
	if (!f)
		return;
	fwrite(data, 1, size, f);
	fclose(f);
	struct ssh_host_config c = { 0 };
	struct strbuf err = STRBUF_INIT;
	struct ssh_config_query q = { .path = path, .host = "h1.example.com", .user = "root",
				      .local_user = "root", .home = "/nonexistent" };
	ssh_config_lookup(&q, &c, &err);
	ssh_host_config_free(&c);
	char *spec = fuzz_text(data, size);
	struct ssh_jump *hops = NULL;
	long n = ssh_proxy_jump_parse(spec, &hops, &err);
	if (n > 0)
		ssh_jumps_free(hops, n);
	free(spec);
	sb_free(&err);
	unlink(path);
}

/* docker info, docker inspect, the observation (clock line, mark) and the
 * apply script's markers, all on the same bytes. */
static inline void fuzz_docker(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	struct strbuf err = STRBUF_INIT, msg = STRBUF_INIT;
	struct docker_info info;
	if (docker_info_parse(text, size, &info, &err) == 0)
		docker_info_free(&info);
	struct observed *o = NULL;
	size_t n = 0;
	if (docker_observe_parse(text, size, &o, &n, &err) == 0)
		docker_observed_free(o, n);
	struct host_view v = { 0 };
	struct ssh_result res;
	ssh_result_init(&res);
	sb_init(&v.detail);
	sb_add(&res.out, text, size);
	res.exit_status = 0;
	observe_parse_output(&v, "fuzz", &res, 1);
	docker_info_free(&v.info);
	docker_observed_free(v.containers, v.ncontainers);
	sb_free(&v.detail);
	ssh_result_free(&res);
	for (size_t i = 0; i < 3; i++) {
		converge_op_result(text, "n1", i, &msg);
		sb_reset(&msg);
	}
	sb_free(&msg);
	sb_free(&err);
	free(text);
}

/* A state read back must write out and read back again to the same. */
static inline void fuzz_state(const uint8_t *data, size_t size)
{
	struct state st, again;
	struct strbuf err = STRBUF_INIT, a = STRBUF_INIT, b = STRBUF_INIT;
	if (state_parse((const char *)data, size, &st, &err) == 0) {
		state_write_json(&st, &a);
		if (state_parse(a.buf, a.len, &again, &err) != 0)
			abort();
		state_write_json(&again, &b);
		if (!streq(a.buf, b.buf))
			abort();
		state_free(&again);
		state_free(&st);
	}
	sb_free(&a);
	sb_free(&b);
	sb_free(&err);
}

#endif
