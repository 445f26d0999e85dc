/* cswarm init: create the cluster state on the managers. */
#include "cmd/cmd.h"
#include "cmd/common.h"
#include "state/cluster.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>

/* Under the lock: create the state unless a manager already has one. */
static int init_state(struct cluster_ctx *c)
{
	struct strbuf err = STRBUF_INIT;
	struct state st;
	int ret = EXIT_FAIL;

	switch (cluster_read_state(c, &st, &err)) {
	case STATE_READ_OK:
		printf("cluster %s already initialised (id %s, version %lld): nothing to do\n",
		       st.cluster, st.cluster_id, st.version);
		ret = EXIT_OK;
		goto out;
	case STATE_READ_FAIL:
		error("%s", sb_str(&err));
		ret = fleet_unreachable(&c->managers) == c->managers.n ? EXIT_UNREACHABLE : EXIT_FAIL;
		goto out;
	case STATE_READ_MISSING:
		break;
	}
	sb_reset(&err);
	st.cluster = xstrdup(c->name);
	st.cluster_id = state_new_cluster_id();
	if (cluster_write_state(c, &st, "init", &err) != 0) {
		error("%s", sb_str(&err));
		goto out;
	}
	printf("cluster %s initialised (id %s, version %lld) on", st.cluster, st.cluster_id, st.version);
	for (size_t i = 0; i < c->managers.n; i++)
		if (c->managers.hosts[i].fail == SSH_OK)
			printf(" %s", c->managers.hosts[i].target.name);
	printf("\n");
	ret = fleet_unreachable(&c->managers) ? EXIT_UNREACHABLE : EXIT_OK;
out:
	state_free(&st);
	sb_free(&err);
	return ret;
}

int cmd_init(int argc, char **argv)
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
	if (optind < argc)
		return usage_error("init: unexpected argument '%s'", argv[optind]);
	if (host_opts_check(&o))
		return EXIT_USAGE;
	if (inventory_load(o.inventory, &inv, &err) != 0 ||
	    cluster_open(&c, &inv, &o.target, co.name, o.forks, o.timeout_ms, &err) != 0) {
		error("%s", sb_str(&err));
		goto out;
	}
	char *holder = lock_holder_line(argc, argv);
	ret = cluster_lock(&c, holder, co.lock_wait_ms, &err);
	free(holder);
	if (ret != 0)
		error("%s", sb_str(&err));
	else
		ret = init_state(&c);
out:
	cluster_close(&c);
	inventory_free(&inv);
	sb_free(&err);
	return ret;
}
