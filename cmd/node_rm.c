/* cswarm node rm [--force] NODE...: a node leaves the cluster. As in
 * Docker, membership changes only by an explicit command: a node missing
 * from the inventory (a typo, a partial inventory) keeps its tasks, which
 * are reported and never moved, until `node rm` says it is gone. Its task
 * records are then forgotten and the cluster converges as `reconcile`
 * does, so their replacements start on the remaining nodes. */
#include "cmd/cmd.h"
#include "engine/converge.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>

static size_t tasks_on(const struct state *st, const char *node)
{
	size_t n = 0;
	for (size_t i = 0; i < st->ntasks; i++)
		n += streq(st->tasks[i].node, node);
	return n;
}

/* Forget node in r->st; EXIT_OK, or EXIT_FAIL with the reason printed. */
static int forget_node(struct run *r, const char *node, int force)
{
	size_t n = tasks_on(&r->st, node);
	if (run_host(r, node) >= 0) {
		error("node rm %s: it is in the inventory; remove it from there first "
		      "(`cswarm node drain %s` moves its tasks away without downtime)", node, node);
		return EXIT_FAIL;
	}
	if (!n && !state_find_node(&r->st, node)) {
		error("node rm %s: no such node in the cluster state", node);
		return EXIT_FAIL;
	}
	if (n && !force) {
		error("node rm %s: %zu tasks of the state are on it; `cswarm node rm --force %s` "
		      "forgets them and starts replacements on the other nodes (containers still "
		      "running on %s are not stopped: it is out of reach)", node, n, node, node);
		return EXIT_FAIL;
	}
	const char **gone = xcalloc(n ? n : 1, sizeof(*gone));
	for (size_t i = 0, k = 0; i < r->st.ntasks && k < n; i++)
		if (streq(r->st.tasks[i].node, node))
			gone[k++] = r->st.tasks[i].id;
	state_remove_tasks(&r->st, gone, n);
	free(gone);
	state_remove_node(&r->st, node);
	printf("%s removed from the cluster (%zu tasks forgotten)\n", node, n);
	return EXIT_OK;
}

struct rm_args {
	int force;
};

static const struct opt rm_options[] = {
	OPT_FLAG(0, "force", struct rm_args, force,
		 "also when the node still has tasks: they are forgotten and start elsewhere"),
	OPT_INCLUDE(cluster_options),
	OPT_END(),
};

static int node_rm_main(const struct subcmd *self, int argc, char **argv)
{
	struct run r;
	struct rm_args a = { 0 };
	int ret;
	struct strbuf change = STRBUF_INIT;

	run_init(&r);
	if ((ret = parse_options(self, argc, argv, &a, &r)) != EXIT_OK)
		goto out;
	if (optind >= argc) {
		ret = usage_error("node rm: which node? (cswarm node rm [--force] NODE...)");
		goto out;
	}
	if ((ret = run_open(&r, RUN_LOCK | RUN_OBSERVE | RUN_STACKS, argc, argv)) != EXIT_OK)
		goto out;
	sb_adds(&change, "node rm");
	for (int i = optind; i < argc && ret == EXIT_OK; i++) {
		ret = forget_node(&r, argv[i], a.force);
		sb_addf(&change, " %s", argv[i]);
	}
	if (ret == EXIT_OK)
		ret = run_commit(&r, change.buf);
	if (ret == EXIT_OK)
		ret = reconcile_run(&r, CONVERGE_WAIT_MS, 0, 0);
out:
	sb_free(&change);
	run_close(&r);
	return ret;
}

const struct subcmd node_rm_cmd = {
	"node rm", "NODE...", "a node no longer in the inventory leaves the cluster", rm_options,
	.complete = "node", .fn = node_rm_main,
};
