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

static const struct opt lock_options[] = {
	OPT_INCLUDE(cluster_options),
	OPT_END(),
};

static int lock_status_main(const struct subcmd *self, int argc, char **argv)
{
	struct run r;
	int ret;

	run_init(&r);
	if (parse_options(self, argc, argv, NULL, &r) != EXIT_OK)
		return EXIT_USAGE;
	if (optind < argc)
		return usage_error("lock status: unexpected argument '%s'", argv[optind]);
	ret = run_open(&r, RUN_NO_STATE, argc, argv);
	if (ret == EXIT_OK)
		ret = show_status(&r.cluster);
	run_close(&r);
	return ret;
}

static const struct subcmd lock_status_cmd = {
	"lock status", NULL, "who holds the cluster lock", lock_options, .fn = lock_status_main,
};
const struct subcmd *const lock_subcommands[] = { &lock_status_cmd, NULL };
