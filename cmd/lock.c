/* cswarm lock status: who holds the cluster lock. */
#include "cmd/cmd.h"
#include "cmd/common.h"
#include "engine/run.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>

/* The lock is taken on every reachable manager (a majority must hold it):
 * one line per manager that answers. */
static int show_status(struct cluster_ctx *c)
{
	struct strbuf err = STRBUF_INIT;
	size_t answered = 0;
	int ret = EXIT_OK;

	fleet_each(&c->managers, NULL, NULL);
	for (size_t i = 0; i < c->ninventory; i++) {
		struct fleet_host *h = &c->managers.hosts[i];
		char *holder = NULL;
		sb_reset(&err);
		if (h->fail != SSH_OK) {
			warning("manager %s unreachable: %s", h->target.name, sb_str(&h->error));
			continue;
		}
		answered++;
		if (lock_status(h->conn, c->dirs[i], c->timeout_ms, &holder, &err) != 0) {
			error("%s: %s", h->target.name, sb_str(&err));
			ret = EXIT_FAIL;
		} else if (holder) {
			printf("locked on %s by %s\n", h->target.name, holder);
		} else {
			printf("unlocked (%s)\n", h->target.name);
		}
		free(holder);
	}
	if (!answered) {
		error("no manager reachable");
		ret = EXIT_UNREACHABLE;
	}
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
