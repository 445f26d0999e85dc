/* cswarm lock status: who holds the cluster lock. */
#include "cmd/cmd.h"
#include "cmd/common.h"
#include "state/cluster.h"
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
	static const struct option longopts[] = { HOST_LONGOPTS, CLUSTER_LONGOPTS, { NULL, 0, NULL, 0 } };
	struct host_opts o;
	struct cluster_opts co = { 0 };
	struct inventory inv = { 0 };
	struct cluster_ctx c = { 0 };
	struct strbuf err = STRBUF_INIT;
	int opt, ret = EXIT_FAIL;

	host_opts_init(&o);
	while ((opt = getopt_long(argc, argv, HOST_SHORTOPTS, longopts, NULL)) != -1)
		if (host_opt(&o, opt, optarg) != 1 && cluster_opt(&co, opt, optarg) != 1)
			return EXIT_USAGE;
	if (optind >= argc || !streq(argv[optind], "status"))
		return usage_error("lock: expected 'status' (cswarm lock status -i INVENTORY)");
	if (optind + 1 < argc)
		return usage_error("lock status: unexpected argument '%s'", argv[optind + 1]);
	if (host_opts_check(&o))
		return EXIT_USAGE;
	if (inventory_load(o.inventory, &inv, &err) != 0 ||
	    cluster_open(&c, &inv, &o.target, co.name, o.forks, o.timeout_ms, &err) != 0)
		error("%s", sb_str(&err));
	else
		ret = show_status(&c);
	cluster_close(&c);
	inventory_free(&inv);
	sb_free(&err);
	return ret;
}
