/* cswarm init: create the cluster state on the managers. */
#include "cmd/cmd.h"
#include "cmd/common.h"
#include "engine/run.h"
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
	struct run r;
	int ret;

	run_init(&r);
	if (run_parse_options(&r, argc, argv) != EXIT_OK)
		return EXIT_USAGE;
	if (optind < argc)
		return usage_error("init: unexpected argument '%s'", argv[optind]);
	ret = run_open(&r, RUN_LOCK | RUN_NO_STATE, argc, argv);
	if (ret == EXIT_OK)
		ret = init_state(&r.cluster);
	run_close(&r);
	return ret;
}
