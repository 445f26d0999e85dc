/* cswarm lock status: who holds the cluster lock. */
#include "cmd/cmd.h"
#include "cmd/common.h"
#include "engine/run.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>

/* The lock lives on the first reachable manager (as cluster_lock takes it). */
static int show_status(struct cluster_ctx *c)
{
	struct strbuf err = STRBUF_INIT;
	char *holder = NULL;
	int ret = EXIT_UNREACHABLE;

	fleet_each(&c->managers, NULL, NULL);
	for (size_t i = 0; i < c->managers.n; i++) {
		struct fleet_host *h = &c->managers.hosts[i];
		if (h->fail != SSH_OK) {
			warning("manager %s unreachable: %s", h->target.name, sb_str(&h->error));
			continue;
		}
		if (lock_status(h->conn, c->dirs[i], c->timeout_ms, &holder, &err) != 0) {
			error("%s: %s", h->target.name, sb_str(&err));
			ret = EXIT_FAIL;
		} else if (holder) {
			printf("locked on %s by %s\n", h->target.name, holder);
			ret = EXIT_OK;
		} else {
			printf("unlocked (%s)\n", h->target.name);
			ret = EXIT_OK;
		}
		break;
	}
	if (ret == EXIT_UNREACHABLE)
		error("no manager reachable");
	free(holder);
	sb_free(&err);
	return ret;
}

int cmd_lock(int argc, char **argv)
{
	struct run r;
	int ret;

	run_init(&r);
	if (run_parse_options(&r, argc, argv) != EXIT_OK)
		return EXIT_USAGE;
	if (optind >= argc || !streq(argv[optind], "status"))
		return usage_error("lock: expected 'status' (cswarm lock status -i INVENTORY)");
	if (optind + 1 < argc)
		return usage_error("lock status: unexpected argument '%s'", argv[optind + 1]);
	ret = run_open(&r, RUN_NO_STATE, argc, argv);
	if (ret == EXIT_OK)
		ret = show_status(&r.cluster);
	run_close(&r);
	return ret;
}
