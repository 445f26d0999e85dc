/* cswarm stack deploy|rm|ls|services|ps|logs: Docker Swarm's stack
 * commands. The listings are shared with `service` (cmd/service.c). */
#include "cmd/cmd.h"
#include "docker/run.h"
#include "engine/converge.h"
#include "state/objects.h"
#include "util/names.h"
#include "util/table.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- stack ls -------------------------------------------------------------- */

static void list_stacks(const struct run *r)
{
	static const char *const header[] = { "NAME", "SERVICES" };
	struct table t;
	struct strbuf json = STRBUF_INIT;

	table_init(&t, 2, header);
	sb_adds(&json, "[");
	for (size_t i = 0; i < r->st.nstacks; i++) {
		char *count = xasprintf("%zu", r->stacks[i]->nservices);
		const char *cells[] = { r->st.stacks[i].name, count };
		table_row(&t, cells);
		sb_adds(&json, i ? ",\n{\"name\":" : "{\"name\":");
		json_string(&json, r->st.stacks[i].name);
		sb_addf(&json, ",\"services\":%s}", count);
		free(count);
	}
	sb_adds(&json, "]\n");
	table_emit(&t, &json, streq(r->opts.format, "json"), stdout);
}

static const struct opt stack_options[] = {
	OPT_INCLUDE(cluster_options),
	OPT_END(),
};

static int stack_ls(const struct subcmd *self, int argc, char **argv)
{
	struct run r;
	int ret;

	run_init(&r);
	if ((ret = parse_options(self, argc, argv, NULL, &r)) == EXIT_OK && optind != argc)
		ret = usage_error("stack ls: unexpected argument '%s'", argv[optind]);
	if (ret == EXIT_OK && (ret = run_open(&r, RUN_STACKS, argc, argv)) == EXIT_OK)
		list_stacks(&r);
	run_close(&r);
	return ret;
}

/* --- stack rm -------------------------------------------------------------- */

/* Remove the stack, its services' records and its model from the run,
 * keeping r->stacks parallel to r->st.stacks. 0 if it was there. */
static int forget_stack(struct run *r, const char *name)
{
	for (size_t i = 0; i < r->st.nservices;) {
		struct state_service *s = &r->st.services[i];
		if (streq(s->stack, name)) {
			printf("Removing service %s_%s\n", s->stack, s->name);
			state_remove_service(&r->st, s->stack, s->name);
		} else {
			i++;
		}
	}
	for (size_t i = 0; i < r->st.nstacks; i++) {
		if (!streq(r->st.stacks[i].name, name))
			continue;
		stack_free(r->stacks[i]);
		memmove(&r->stacks[i], &r->stacks[i + 1], (r->st.nstacks - i - 1) * sizeof(*r->stacks));
		state_remove_stack(&r->st, name);
		return 0;
	}
	return -1;
}

/* The secrets and configs stored from the stack's file go with it, unless
 * another stack uses one (external: true): that one stays, unowned. */
static void remove_own_objects(struct run *r, const char *name)
{
	for (int k = 0; k < 2; k++) {
		size_t *n;
		struct state_object **objs = objects_of(&r->st, k ? OBJ_CONFIG : OBJ_SECRET, &n);
		for (size_t i = 0; i < *n; i++) {
			struct state_object *o = &(*objs)[i];
			struct strbuf users = STRBUF_INIT;
			if (!o->stack || !streq(o->stack, name))
				continue;
			objects_users(r, k, o->name, &users);
			if (users.len) {
				warning("%s %s of stack %s is kept: services %s use it", k ? "config" : "secret",
					o->name, name, users.buf);
				free(o->stack);
				o->stack = NULL;
			} else {
				printf("Removing %s %s\n", k ? "config" : "secret", o->name);
				state_remove_object(&r->st, k ? OBJ_CONFIG : OBJ_SECRET, o->name);
				i--;
			}
			sb_free(&users);
		}
	}
}

struct cleanup_job {
	const char *script;
	long timeout_ms;
	int *failed;	/* per fleet host */
};

static void cleanup_one(struct fleet_host *h, size_t i, void *ctx)
{
	struct cleanup_job *job = ctx;
	struct ssh_exec x = { .command = "sh -s", .stdin_data = job->script,
			      .stdin_len = strlen(job->script), .timeout_ms = job->timeout_ms };
	struct ssh_result res;
	ssh_result_init(&res);
	if (fleet_exec(h, &x, &res) != SSH_OK || res.exit_status != 0) {
		sb_rtrim(&res.err);
		error("%s: removing the stack's networks, volumes and files: %s", h->target.name,
		      res.err.len ? res.err.buf : sb_str(&h->error));
		job->failed[i] = 1;
	}
	ssh_result_free(&res);
}

/* Networks, volumes and secret/config files of the stack, on every host
 * that answered; 0 when all of them succeeded. */
static int cleanup_hosts(struct run *r, const char *name)
{
	struct strbuf script = STRBUF_INIT;
	struct cleanup_job job = { NULL, r->opts.timeout_ms,
				   xcalloc(r->fleet.n + 1, sizeof(*job.failed)) };
	int failed = 0;

	docker_rm_stack_script(r->st.cluster_id, name, NULL, &script);
	job.script = script.buf;
	fleet_each(&r->fleet, cleanup_one, &job);
	for (size_t i = 0; i < r->fleet.n; i++)
		failed |= job.failed[i];
	free(job.failed);
	sb_free(&script);
	return failed ? -1 : 0;
}

static int remove_stack(struct run *r, const char *name)
{
	struct converge cv;
	struct strbuf err = STRBUF_INIT;
	struct converge_opts co = { .stack = name, .remove_orphans = 1 };
	int known = forget_stack(r, name) == 0, ret;
	remove_own_objects(r, name);
	size_t failed, left = 0;

	if (converge_plan(r, &co, &cv, &err) != 0) {
		error("%s", sb_str(&err));
		sb_free(&err);
		return EXIT_FAIL;
	}
	failed = converge_apply(r, &cv, r->wait_ms);
	for (size_t i = 0; i < r->st.ntasks; i++)
		left += streq(r->st.tasks[i].stack, name);
	if (!known && !cv.nops)
		printf("Nothing found in stack: %s\n", name);
	int dirty = !r->stop && cleanup_hosts(r, name) != 0;
	char *change = xasprintf("stack rm %s", name);
	ret = known || cv.nops ? run_commit(r, change) : EXIT_OK;
	free(change);
	if (left)
		warning("%zu tasks of %s could not be stopped (host unreachable?): "
			"`cswarm reconcile` removes them once their hosts answer", left, name);
	converge_free(&cv);
	sb_free(&err);
	if (ret == EXIT_OK && (failed || dirty))
		ret = EXIT_FAIL;
	return ret == EXIT_OK ? fleet_exit_code(&r->fleet, 1) : ret;
}

static int stack_rm(const struct subcmd *self, int argc, char **argv)
{
	struct run r;
	int ret;

	run_init(&r);
	if ((ret = parse_options(self, argc, argv, NULL, &r)) == EXIT_OK && optind >= argc)
		ret = usage_error("stack rm: expected a stack name (cswarm stack rm NAME)");
	/* The name reaches rm on every host: checked before anything runs. */
	for (int i = optind; ret == EXIT_OK && i < argc; i++) {
		struct strbuf err = STRBUF_INIT;
		if (name_check("stack", argv[i], NAME_MAX_LEN, &err) != 0)
			ret = usage_error("stack rm: %s", err.buf);
		sb_free(&err);
	}
	if (ret == EXIT_OK)
		ret = run_open(&r, RUN_LOCK | RUN_OBSERVE | RUN_STACKS, argc, argv);
	for (int i = optind; ret == EXIT_OK && i < argc; i++)
		ret = remove_stack(&r, argv[i]);
	run_close(&r);
	return ret;
}

/* --- dispatch -------------------------------------------------------------- */

static const struct subcmd stack_ls_cmd = {
	"stack ls", NULL, "every stack", stack_options, .aliases = "list", .fn = stack_ls,
};
static const struct subcmd stack_rm_cmd = {
	"stack rm", "NAME...", "remove stacks", stack_options, .aliases = "remove down",
	.complete = "stack", .fn = stack_rm,
};
const struct subcmd *const stack_subcommands[] = {
	&stack_deploy_cmd, &stack_rm_cmd, &stack_ls_cmd, &stack_services_cmd, &stack_ps_cmd,
	&stack_logs_cmd, NULL,
};
