/* cswarm deploy: converge the cluster to a stack file. */
#include "cmd/cmd.h"
#include "cmd/deploy_int.h"
#include "engine/converge.h"
#include "engine/files.h"
#include "util/json.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct deploy_args {
	struct optlist files;
	const char *env_file;
	const char *name;
	int prune, dry_run, rebalance;
};

/* Services of the previous deploy that the file no longer lists stay, as
 * with `docker stack deploy` without --prune: their members of the old
 * stack document are put back into the new one, which is loaded again.
 * NULL when nothing is kept. */
char *deploy_keep_unlisted(const char *old_json, const char *new_json, const struct stack *st,
			   struct strbuf *kept)
{
	struct json o, n;
	struct strbuf err = STRBUF_INIT, extra = STRBUF_INIT;
	char *merged = NULL;
	int ok_o = json_parse(&o, old_json, strlen(old_json), &err) == 0;
	int ok_n = json_parse(&n, new_json, strlen(new_json), &err) == 0;
	int osvcs = ok_o ? json_get(&o, 0, "services") : -1;
	int nsvcs = ok_n ? json_get(&n, 0, "services") : -1;

	for (int m = 0, tok = osvcs + 1; osvcs >= 0 && m < json_size(&o, osvcs);
	     m++, tok = json_skip(&o, tok + 1)) {
		char *name = json_str(&o, tok);
		size_t klen, vlen;
		const char *key = json_raw(&o, tok, &klen), *value = json_raw(&o, tok + 1, &vlen);
		if (!stack_service(st, name)) {
			sb_add(&extra, key, klen);
			sb_addc(&extra, ':');
			sb_add(&extra, value, vlen);
			sb_addc(&extra, ',');
			sb_addf(kept, " %s", name);
		}
		free(name);
	}
	if (extra.len && nsvcs >= 0) {
		size_t len;
		const char *open = json_raw(&n, nsvcs, &len);
		size_t at = (size_t)(open - new_json) + 1;	/* just inside "services": { */
		struct strbuf doc = STRBUF_INIT;
		if (json_size(&n, nsvcs) == 0)
			extra.buf[--extra.len] = '\0';	/* no member follows */
		sb_add(&doc, new_json, at);
		sb_add(&doc, extra.buf, extra.len);
		sb_adds(&doc, new_json + at);
		merged = sb_detach(&doc);
	}
	if (ok_o)
		json_free(&o);
	if (ok_n)
		json_free(&n);
	sb_free(&extra);
	sb_free(&err);
	return merged;
}

static int load_file(const struct deploy_args *a, struct stack **st)
{
	struct compose_opts co = { .files = a->files.v, .nfiles = a->files.n, .env_file = a->env_file,
				   .name = a->name };
	struct strbuf err = STRBUF_INIT;
	int ret = compose_load(&co, st, &err);
	if (ret != 0)
		error("%s", sb_str(&err));
	sb_free(&err);
	return ret;
}

/* Put the new stack into the state and the run's models. */
static int set_stack(struct run *r, struct stack *file_st, int prune)
{
	struct strbuf json = STRBUF_INIT, kept = STRBUF_INIT, err = STRBUF_INIT;
	const struct state_stack *old = state_find_stack(&r->st, file_st->name);
	struct stack *st = file_st;
	int ret = -1;

	compose_write_json(file_st, &json);
	if (old && !prune) {
		char *merged = deploy_keep_unlisted(old->spec_json, json.buf, file_st, &kept);
		if (merged) {
			sb_reset(&json);
			sb_adds(&json, merged);
			free(merged);
			if (!(st = run_load_stack_json(file_st->name, json.buf))) {
				error("services kept from the last deploy:%s; deploy with --prune to remove them",
				      sb_str(&kept));
				goto out;
			}
			warning("services not in the file are kept:%s (deploy with --prune to remove them)",
				sb_str(&kept));
		}
	}
	if (run_set_stack(r, st, json.buf) != 0)
		goto out;
	ret = 0;
out:
	if (st && st != file_st)
		stack_free(st);
	sb_free(&json);
	sb_free(&kept);
	sb_free(&err);
	return ret;
}

static void summary(const struct converge *cv, size_t failed)
{
	size_t starts = 0, stops = 0;
	for (size_t i = 0; i < cv->nops; i++) {
		starts += cv->ops[i].kind == OP_START && cv->ops[i].done;
		stops += cv->ops[i].kind == OP_STOP && cv->ops[i].done;
	}
	if (cv->npending)
		fputs(sb_str(&cv->pending), stderr);
	printf("%zu started, %zu stopped, %zu failed, %zu pending\n", starts, stops, failed, cv->npending);
}

/* Plan and apply (or print, with --dry-run) the stack's convergence;
 * returns the operations that failed, or -1 when no plan could be made. */
static long converge_stack(struct run *r, const struct deploy_args *a, const char *name,
			   struct converge *cv)
{
	struct strbuf err = STRBUF_INIT;
	struct converge_opts co = { .stack = name, .rebalance = a->rebalance, .remove_orphans = 1 };
	if (converge_plan(r, &co, cv, &err) != 0) {
		error("%s", sb_str(&err));
		sb_free(&err);
		return -1;
	}
	sb_free(&err);
	if (a->dry_run) {
		converge_print(r, cv, stdout);
		printf("dry run: %zu operations, nothing changed\n", cv->nops);
		return 0;
	}
	long failed = (long)converge_apply(r, cv, r->wait_ms);
	summary(cv, (size_t)failed);
	return failed;
}

/* update_config.failure_action rollback: the previous stack document goes
 * back into the state and the cluster converges to it again. */
static int roll_back(struct run *r, const struct deploy_args *a, const char *name,
		     const char *prev_json)
{
	struct converge cv;
	struct stack *prev = run_load_stack_json(name, prev_json);
	if (!prev || set_stack(r, prev, 1) != 0) {
		if (prev)
			stack_free(prev);
		return -1;
	}
	stack_free(prev);
	run_use_rollback_config(r, (size_t)run_stack_index(r, name), NULL);
	printf("rolling back %s to its previous deploy\n", name);
	long failed = converge_stack(r, a, name, &cv);
	converge_free(&cv);
	return failed == 0 ? 0 : -1;
}

static int deploy(struct run *r, const struct deploy_args *a, struct stack *file_st, int argc, char **argv)
{
	struct converge cv;
	int ret = run_open(r, (a->dry_run ? 0 : RUN_LOCK) | RUN_OBSERVE | RUN_STACKS, argc, argv);
	if (ret != EXIT_OK)
		return ret;
	const struct state_stack *old = state_find_stack(&r->st, file_st->name);
	char *prev_json = old ? xstrdup(old->spec_json) : NULL;
	const char *outcome = "";
	struct strbuf err = STRBUF_INIT;

	/* Secrets and configs go into the cluster first: a missing one, or a
	 * missing key, stops the deploy before anything changes. */
	if (engine_store_stack_files(r, file_st, a->dry_run, &err) != 0 ||
	    set_stack(r, file_st, a->prune) != 0) {
		if (err.len)
			error("%s", err.buf);
		sb_free(&err);
		free(prev_json);
		return EXIT_FAIL;
	}
	sb_free(&err);
	run_warn_down(r);
	long failed = converge_stack(r, a, file_st->name, &cv);
	if (failed != 0 || (!a->dry_run && cv.npending))
		ret = EXIT_FAIL;
	if (failed > 0 && cv.rollback && prev_json)
		outcome = roll_back(r, a, file_st->name, prev_json) == 0 ? ": rolled back" :
			  ": rollback failed";
	if (!a->dry_run && failed >= 0) {
		char *change = xasprintf("deploy %s (%zu services)%s", file_st->name,
					 file_st->nservices, outcome);
		int written = run_commit(r, change);
		if (written != EXIT_OK)
			ret = written;
		free(change);
	}
	converge_free(&cv);
	free(prev_json);
	return ret;
}

long deploy_stack_model(struct run *r, struct stack *st)
{
	struct deploy_args a = { 0 };
	struct converge cv;
	const struct state_stack *old = state_find_stack(&r->st, st->name);
	char *prev_json = old ? xstrdup(old->spec_json) : NULL;
	if (set_stack(r, st, 1) != 0) {
		free(prev_json);
		return -1;
	}
	long failed = converge_stack(r, &a, st->name, &cv);
	if (failed > 0 && cv.rollback && prev_json && roll_back(r, &a, st->name, prev_json) != 0)
		error("stack %s: rollback failed", st->name);
	converge_free(&cv);
	free(prev_json);
	return failed;
}

static const struct opt deploy_options[] = {
	OPT_LIST('c', "compose-file", "FILE", struct deploy_args, files,
		 "a stack file; more are merged with the Compose override rules", "file"),
	OPT_STRING('n', "name", "NAME", struct deploy_args, name,
		   "stack name (default: the file's name: key or its directory)", NULL),
	OPT_STRING(0, "env-file", "FILE", struct deploy_args, env_file,
		   "variables for interpolation (default: .env beside the first file)", "file"),
	OPT_FLAG(0, "prune", struct deploy_args, prune,
		 "remove services of the stack that the file no longer lists"),
	OPT_FLAG(0, "dry-run", struct deploy_args, dry_run,
		 "print the plan per host with the docker commands; change nothing"),
	OPT_FLAG(0, "rebalance", struct deploy_args, rebalance,
		 "also move the fewest tasks needed to even out the nodes"),
	OPT_INCLUDE(cluster_options),
	OPT_END(),
};

/* deploy FILE...  |  stack deploy -c FILE... NAME (variant 1) */
static int parse_args(const struct subcmd *self, struct run *r, struct deploy_args *a, int argc,
		      char **argv)
{
	int stack_form = self->variant;
	if (parse_options(self, argc, argv, a, r) != EXIT_OK)
		return EXIT_USAGE;
	for (; optind < argc; optind++) {
		if (stack_form && !a->name && optind == argc - 1) {
			a->name = argv[optind];
			continue;
		}
		GROW(a->files.v, a->files.cap, a->files.n + 1);
		a->files.v[a->files.n++] = argv[optind];
	}
	if (!a->files.n)
		return usage_error("deploy: no stack file (cswarm deploy STACK.yml -i INVENTORY)");
	if (stack_form && !a->name)
		return usage_error("stack deploy: no stack name (cswarm stack deploy -c FILE NAME)");
	return 0;
}

static int deploy_main(const struct subcmd *self, int argc, char **argv)
{
	struct run r;
	struct deploy_args a = { 0 };
	struct stack *st = NULL;
	int ret;

	run_init(&r);
	if ((ret = parse_args(self, &r, &a, argc, argv)) != 0)
		goto out;
	ret = EXIT_FAIL;
	if (load_file(&a, &st) != 0)
		goto out;
	ret = deploy(&r, &a, st, argc, argv);
out:
	if (st)
		stack_free(st);
	run_close(&r);
	free(a.files.v);
	return ret;
}

static const struct subcmd deploy_cmd = {
	"deploy", "[STACK.yml...]", NULL, deploy_options, .complete = "file", .fn = deploy_main,
};
const struct subcmd stack_deploy_cmd = {
	"stack deploy", "NAME", "as cswarm deploy", deploy_options, .aliases = "up",
	.complete = "stack", .fn = deploy_main, .variant = 1,
};
const struct subcmd *const deploy_subcommands[] = { &deploy_cmd, NULL };
