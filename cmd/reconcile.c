/* cswarm reconcile: from cron or CI, bring the cluster back to its state:
 * restart exited tasks per restart_policy, replace tasks of unreachable
 * hosts, remove orphan containers. Quiet when there was nothing to do.
 * With --watch it stays in the foreground and does so within seconds of
 * each failure (engine/watch.h). */
#include "cmd/cmd.h"
#include "engine/converge.h"
#include "engine/watch.h"
#include "engine/net.h"
#include "util/jsonw.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct outcome {
	size_t started, stopped, failed;
};

static void count(const struct converge *cv, size_t failed, struct outcome *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < cv->nops; i++) {
		out->started += cv->ops[i].kind == OP_START && cv->ops[i].done;
		out->stopped += cv->ops[i].kind == OP_STOP && cv->ops[i].done;
	}
	out->failed = failed;
}

static int converged(const struct converge *cv, const struct outcome *o)
{
	return !o->failed && !cv->npending && !cv->waiting_restart;
}

static void print_json(const struct run *r, const struct converge *cv, const struct outcome *o)
{
	struct strbuf out = STRBUF_INIT;
	sb_addf(&out, "{\"converged\":%s,\"started\":%zu,\"stopped\":%zu,\"failed\":%zu,"
		"\"pending\":%zu,\"waiting_restart\":%zu,\"unreachable\":[",
		converged(cv, o) ? "true" : "false", o->started, o->stopped, o->failed,
		cv->npending, cv->waiting_restart);
	for (size_t i = 0, n = 0; i < r->fleet.n; i++)
		if (r->views[i].down) {
			if (n++)
				sb_addc(&out, ',');
			json_string(&out, r->fleet.hosts[i].target.name);
		}
	sb_adds(&out, "]}\n");
	fputs(out.buf, stdout);
	sb_free(&out);
}

/* Hosts that cannot run tasks now: no SSH, or no working docker. */
static size_t unreachable(const struct run *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->fleet.n; i++)
		n += r->views[i].down != NULL;
	return n;
}


int reconcile_run(struct run *r, long wait_ms, int rebalance, int json)
{
	struct converge cv;
	struct strbuf err = STRBUF_INIT;
	struct converge_opts co = { .rebalance = rebalance, .remove_orphans = 1 };
	struct outcome o;
	int ret = EXIT_OK;

	if (converge_plan(r, &co, &cv, &err) != 0) {
		error("%s", sb_str(&err));
		sb_free(&err);
		return EXIT_FAIL;
	}
	run_warn_down(r);
	/* With the overlay, every run pushes it: that is what repairs a host. */
	size_t failed = cv.nops || r->net ? converge_apply(r, &cv, wait_ms) : 0;
	count(&cv, failed, &o);
	if (cv.nops || (r->net && r->net->changed)) {
		char *change = xasprintf("reconcile: %zu started, %zu stopped", o.started, o.stopped);
		ret = run_commit(r, change);
		free(change);
	}
	if (json)
		print_json(r, &cv, &o);
	else if (cv.nops || cv.npending || cv.waiting_restart) {
		fputs(sb_str(&cv.pending), stderr);
		printf("%zu started, %zu stopped, %zu failed, %zu pending, %zu waiting to restart\n",
		       o.started, o.stopped, o.failed, cv.npending, cv.waiting_restart);
	}
	if (ret == EXIT_OK && !converged(&cv, &o))
		ret = EXIT_FAIL;
	if (ret == EXIT_OK && unreachable(r))
		ret = EXIT_UNREACHABLE;
	converge_free(&cv);
	sb_free(&err);
	return ret;
}

struct reconcile_args {
	int rebalance, watch;
	long host_down_ms;
};

static const struct opt reconcile_options[] = {
	OPT_FLAG(0, "rebalance", struct reconcile_args, rebalance,
		 "also move the fewest tasks needed to even out the nodes"),
	OPT_FLAG(0, "watch", struct reconcile_args, watch,
		 "stay in the foreground: follow docker events and heartbeats, repair within seconds"),
	OPT_DURATION(0, "host-down-after", struct reconcile_args, host_down_ms, 1000, 0,
		     "with --watch: silence before a host's tasks move (default 10s)"),
	OPT_INCLUDE(cluster_options),
	OPT_END(),
};

static int reconcile_main(const struct subcmd *self, int argc, char **argv)
{
	struct run r;
	struct reconcile_args a = { .host_down_ms = WATCH_HOST_DOWN_MS };
	int ret;

	run_init(&r);
	if (parse_options(self, argc, argv, &a, &r) != EXIT_OK)
		return EXIT_USAGE;
	if (optind != argc)
		return usage_error("reconcile: unexpected argument '%s'", argv[optind]);
	if (a.watch) {
		struct watch_opts wo = { .host_down_ms = a.host_down_ms, .wait_ms = r.wait_ms,
					 .rebalance = a.rebalance, .json = streq(r.opts.format, "json") };
		if (host_opts_check(&r.opts))
			return EXIT_USAGE;
		return engine_watch(&r, &wo, argc, argv);
	}
	ret = run_open(&r, RUN_LOCK | RUN_OBSERVE | RUN_STACKS, argc, argv);
	if (ret == EXIT_OK)
		ret = reconcile_run(&r, r.wait_ms, a.rebalance, streq(r.opts.format, "json"));
	run_close(&r);
	return ret;
}

static const struct subcmd reconcile_cmd = {
	"reconcile", NULL, NULL, reconcile_options, .fn = reconcile_main,
};
const struct subcmd *const reconcile_subcommands[] = { &reconcile_cmd, NULL };
