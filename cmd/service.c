/* cswarm service ls|ps|scale|logs, and the listings `stack services` and
 * `stack ps` share with them: Docker Swarm's columns, read from the state
 * and from what the hosts run now. Reading takes no lock. */
#include "cmd/cmd.h"
#include "engine/converge.h"
#include "engine/tasks.h"
#include "util/shell.h"
#include "util/table.h"
#include "util/util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { MAX_ERROR_LEN = 30, MAX_REPLICAS = 10000000 };

struct read_args {
	int no_trunc, follow, timestamps;
	const char *tail;
	const char **names;	/* positional arguments */
	size_t nnames;
};

static int set_tail(void *args, const char *value)
{
	struct read_args *a = args;
	if (!streq(value, "all") && strspn(value, "0123456789") != strlen(value))
		return usage_error("--tail: expected a number or 'all', got '%s'", value);
	a->tail = value;
	return EXIT_OK;
}

static const struct opt read_options[] = {
	OPT_INCLUDE(cluster_options),
	OPT_END(),
};

static const struct opt ps_options[] = {
	OPT_FLAG(0, "no-trunc", struct read_args, no_trunc, "do not shorten ids and errors"),
	OPT_INCLUDE(cluster_options),
	OPT_END(),
};

static const struct opt logs_options[] = {
	OPT_FLAG(0, "follow", struct read_args, follow, "keep printing new lines until interrupted"),
	OPT_CALLBACK(0, "tail", "N", set_tail, "the last N lines of each task (or all)", "all"),
	OPT_FLAG(0, "timestamps", struct read_args, timestamps, "prefix each line with its time"),
	OPT_INCLUDE(cluster_options),
	OPT_END(),
};

/* The options of the form (self's table), and its arguments. */
static int parse_read(const struct subcmd *self, struct run *r, int argc, char **argv,
		      struct read_args *a)
{
	memset(a, 0, sizeof(*a));
	if (parse_options(self, argc, argv, a, r) != EXIT_OK)
		return EXIT_USAGE;
	a->names = (const char **)argv + optind;
	a->nnames = (size_t)(argc - optind);
	return EXIT_OK;
}

static int want_json(const struct run *r)
{
	return streq(r->opts.format, "json");
}

/* "a, b" -> ["a","b"] */
static void json_list(struct strbuf *out, const char *key, const char *list)
{
	sb_addc(out, ',');
	json_string(out, key);
	sb_adds(out, ":[");
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");
		char *item = xstrndup(p, len);
		if (p != list)
			sb_addc(out, ',');
		json_string(out, item);
		free(item);
		p += len;
		p += strspn(p, ", ");
	}
	sb_addc(out, ']');
}

/* --- service ls / stack services ----------------------------------------- */

static void service_row(struct run *r, const struct stack *st, const struct service *svc,
			struct table *t, struct strbuf *json)
{
	const struct state_service *ss = state_find_service(&r->st, st->name, svc->name);
	char id[13] = "-";
	size_t running, desired;
	struct strbuf ports = STRBUF_INIT;
	char *name = xasprintf("%s_%s", st->name, svc->name);

	if (ss)
		snprintf(id, sizeof(id), "%.12s", ss->hash);
	service_replicas(r, st, svc, &running, &desired);
	service_ports(svc, &ports);
	char *replicas = xasprintf("%zu/%zu", running, desired);
	if (json) {
		sb_adds(json, json->len > 1 ? ",\n{" : "{");
		json_member(json, "id", id);
		json_member(json, "name", name);
		json_member(json, "stack", st->name);
		json_member(json, "service", svc->name);
		json_member(json, "mode", service_mode(svc));
		json_member(json, "replicas", replicas);
		sb_addf(json, ",\"running\":%zu,\"desired\":%zu", running, desired);
		json_member(json, "image", svc->image);
		json_list(json, "ports", sb_str(&ports));
		sb_addc(json, '}');
	} else {
		const char *cells[] = { id, name, service_mode(svc), replicas, svc->image,
					ports.len ? ports.buf : "" };
		table_row(t, cells);
	}
	free(replicas);
	free(name);
	sb_free(&ports);
}

/* Every service, or only those of stack. */
static int list_services(struct run *r, const char *stack)
{
	static const char *const header[] = { "ID", "NAME", "MODE", "REPLICAS", "IMAGE", "PORTS" };
	struct table t;
	struct strbuf json = STRBUF_INIT;
	int found = 0;

	table_init(&t, 6, header);
	sb_adds(&json, "[");
	for (size_t i = 0; i < r->st.nstacks; i++) {
		const struct stack *st = r->stacks[i];
		if (stack && !streq(st->name, stack))
			continue;
		found = 1;
		for (size_t j = 0; j < st->nservices; j++)
			service_row(r, st, &st->services[j], &t, want_json(r) ? &json : NULL);
	}
	sb_adds(&json, "]\n");
	if (stack && !found)
		error("nothing found in stack: %s", stack);
	else if (want_json(r))
		fputs(json.buf, stdout);
	else
		table_print(&t, stdout);
	table_free(&t);
	sb_free(&json);
	return stack && !found ? EXIT_FAIL : fleet_exit_code(&r->fleet, 1);
}

/* service ls, or stack services NAME (variant 1) */
static int service_ls_main(const struct subcmd *self, int argc, char **argv)
{
	struct run r;
	struct read_args a;
	int of_stack = self->variant, ret;

	run_init(&r);
	if ((ret = parse_read(self, &r, argc, argv, &a)) != EXIT_OK)
		goto out;
	if (a.nnames != (of_stack ? 1u : 0u)) {
		ret = usage_error(of_stack ? "stack services: expected one stack name" :
				  "service ls: unexpected argument");
		goto out;
	}
	if ((ret = run_open(&r, RUN_OBSERVE | RUN_STACKS, argc, argv)) == EXIT_OK)
		ret = list_services(&r, of_stack ? a.names[0] : NULL);
out:
	run_close(&r);
	return ret;
}

/* --- service ps / stack ps ----------------------------------------------- */

static void ellipsis(struct strbuf *sb, size_t max)
{
	if (sb->len > max) {
		sb->len = max - 1;
		sb->buf[sb->len] = '\0';
		sb_adds(sb, "…");
	}
}

static void task_image(const struct task_row *row, int no_trunc, struct strbuf *out)
{
	const char *image = row->c && row->c->image ? row->c->image : row->svc ? row->svc->image : "";
	size_t at = strcspn(image, "@");
	sb_add(out, image, no_trunc ? strlen(image) : at);	/* Docker hides the digest */
}

struct task_cols {
	struct strbuf name, image, state, error, ports;
};

static void task_cols(const struct task_row *row, int no_trunc, long long now, struct task_cols *c)
{
	memset(c, 0, sizeof(*c));
	task_row_name(row, &c->name);
	task_image(row, no_trunc, &c->image);
	task_current_state(row, now, &c->state);
	task_error(row, &c->error);
	task_ports(row, &c->ports);
}

static void task_cols_free(struct task_cols *c)
{
	sb_free(&c->name);
	sb_free(&c->image);
	sb_free(&c->state);
	sb_free(&c->error);
	sb_free(&c->ports);
}

static void task_json(const struct task_row *row, const struct task_cols *c, struct strbuf *out)
{
	const struct state_task *t = row->task;
	sb_adds(out, out->len > 1 ? ",\n{" : "{");
	json_member(out, "id", task_row_id(row));
	json_member(out, "name", c->name.buf);
	json_member(out, "image", c->image.buf);
	json_member(out, "node", row->node);
	json_member(out, "desired_state", task_desired_state(row));
	json_member(out, "current_state", c->state.buf);
	json_member(out, "state", task_state_word(row));
	json_member(out, "error", c->error.buf);
	json_list(out, "ports", sb_str(&c->ports));
	json_member(out, "stack", t ? t->stack : row->c->stack);
	json_member(out, "service", t ? t->service : row->c->service);
	sb_addf(out, ",\"slot\":%d", t ? t->slot : row->c->slot);
	json_member(out, "container", row->c ? row->c->name : NULL);
	sb_addc(out, '}');
}

static void print_tasks(const struct run *r, const struct task_row *rows, size_t n, int no_trunc)
{
	static const char *const header[] = { "ID", "NAME", "IMAGE", "NODE", "DESIRED STATE",
					      "CURRENT STATE", "ERROR", "PORTS" };
	struct table t;
	struct strbuf json = STRBUF_INIT;
	long long now = (long long)time(NULL);

	table_init(&t, 8, header);
	sb_adds(&json, "[");
	for (size_t i = 0; i < n; i++) {
		struct task_cols c;
		task_cols(&rows[i], no_trunc, now, &c);
		if (want_json(r)) {
			task_json(&rows[i], &c, &json);
		} else {
			if (!no_trunc)
				ellipsis(&c.error, MAX_ERROR_LEN);
			char *error = c.error.len ? xasprintf("\"%s\"", c.error.buf) : xstrdup("");
			const char *cells[] = { task_row_id(&rows[i]), c.name.buf, c.image.buf,
						rows[i].node, task_desired_state(&rows[i]), c.state.buf, error,
						sb_str(&c.ports) };
			table_row(&t, cells);
			free(error);
		}
		task_cols_free(&c);
	}
	sb_adds(&json, "]\n");
	if (want_json(r))
		fputs(json.buf, stdout);
	else
		table_print(&t, stdout);
	table_free(&t);
	sb_free(&json);
}

/* The filter of one name given to `stack ps`, `service ps` or `node ps`;
 * -1 (error printed) when it names nothing. */
static int name_filter(const struct run *r, enum task_scope scope, const char *name,
		       struct task_filter *f)
{
	const struct stack *st;
	const struct service *svc;
	memset(f, 0, sizeof(*f));
	switch (scope) {
	case TASKS_OF_STACK:
		f->stack = name;
		if (run_stack(r, name))
			return 0;
		error("nothing found in stack: %s", name);
		return -1;
	case TASKS_OF_SERVICE:
		if (tasks_find_service(r, name, &st, &svc) == 0) {
			f->stack = st->name;
			f->service = svc->name;
			return 0;
		}
		error("no such service: %s (services are named STACK_SERVICE)", name);
		return -1;
	case TASKS_OF_NODE:
		f->node = name;
		f->strays = 1;	/* rows without a task: node ps only, no logs */
		if (run_host(r, name) >= 0)
			return 0;
		error("no such node: %s", name);
		return -1;
	}
	return -1;
}

/* The tasks of every name, in the order given. */
static int collect_named(const struct run *r, enum task_scope scope, const struct read_args *a,
			 struct task_row **rows, size_t *n)
{
	*rows = NULL;
	*n = 0;
	for (size_t i = 0; i < a->nnames; i++) {
		struct task_filter f;
		struct task_row *part;
		size_t k;
		if (name_filter(r, scope, a->names[i], &f) != 0) {
			free(*rows);
			return -1;
		}
		tasks_collect(r, &f, &part, &k);
		*rows = xrealloc(*rows, (*n + k + 1) * sizeof(**rows));
		memcpy(*rows + *n, part, k * sizeof(*part));
		*n += k;
		free(part);
	}
	return 0;
}

/* What ps and logs share: the options, the names they were given, the run
 * (no lock), and the tasks of those names. EXIT_OK or the code to return. */
static int open_named_tasks(const struct subcmd *self, struct run *r, int argc, char **argv,
			    struct read_args *a, struct task_row **rows, size_t *n)
{
	enum task_scope scope = (enum task_scope)self->variant;
	int ret;
	if ((ret = parse_read(self, r, argc, argv, a)) != EXIT_OK)
		return ret;
	if (!a->nnames)
		return usage_error("%s: expected a %s name", argv[0],
				   scope == TASKS_OF_STACK ? "stack" :
				   scope == TASKS_OF_SERVICE ? "service (STACK_SERVICE)" : "node");
	if ((ret = run_open(r, RUN_OBSERVE | RUN_STACKS | RUN_LIMIT, argc, argv)) != EXIT_OK)
		return ret;
	return collect_named(r, scope, a, rows, n) != 0 ? EXIT_FAIL : EXIT_OK;
}

/* The tasks of the stacks, services or nodes the arguments name (the
 * form's variant is the scope). */
static int tasks_ps_main(const struct subcmd *self, int argc, char **argv)
{
	struct run r;
	struct read_args a;
	struct task_row *rows = NULL;
	size_t n = 0;

	run_init(&r);
	int ret = open_named_tasks(self, &r, argc, argv, &a, &rows, &n);
	if (ret == EXIT_OK) {
		print_tasks(&r, rows, n, a.no_trunc);
		ret = fleet_exit_code(&r.fleet, 1);
	}
	free(rows);
	run_close(&r);
	return ret;
}

/* --- service scale --------------------------------------------------------- */

/* Index in r->st.stacks of the stack holding service full, and the
 * service in the run's (mutable) model; -1 when there is none. */
static long stack_index(struct run *r, const char *full, struct service **svc)
{
	const struct stack *st;
	const struct service *found;
	if (tasks_find_service(r, full, &st, &found) != 0)
		return -1;
	for (size_t i = 0; i < r->st.nstacks; i++)
		for (size_t j = 0; r->stacks[i] == st && j < st->nservices; j++)
			if (&st->services[j] == found) {
				*svc = &r->stacks[i]->services[j];
				return (long)i;
			}
	return -1;
}

/* Set the replicas of "SVC=N" in the stack model; the stack index, or -1. */
static long set_replicas(struct run *r, const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct service *svc = NULL;
	char *end, *full = eq ? xstrndup(arg, (size_t)(eq - arg)) : NULL;
	long i = full ? stack_index(r, full, &svc) : -1;
	unsigned long long n = 0;

	if (!eq)
		error("service scale: expected SERVICE=REPLICAS, got '%s'", arg);
	else if (i < 0)
		error("no such service: %s (services are named STACK_SERVICE)", full);
	else if (eq[1] < '0' || eq[1] > '9' || (n = strtoull(eq + 1, &end, 10), *end) ||
		 n > MAX_REPLICAS)
		error("%s: replicas must be a number from 0 to %d, got '%s'", full, MAX_REPLICAS, eq + 1);
	else if (service_is_global(svc))
		error("%s: scale can only be used with replicated mode (it is a global service)", full);
	else {
		svc->deploy.replicas = n;
		printf("%s scaled to %llu\n", full, n);
		free(full);
		return i;
	}
	free(full);
	return -1;
}

size_t service_converge(struct run *r, size_t i, size_t *pending, int *rollback)
{
	struct strbuf err = STRBUF_INIT;
	struct converge cv;
	struct converge_opts co = { .stack = r->st.stacks[i].name };
	size_t failed = 1;

	if (converge_plan(r, &co, &cv, &err) != 0) {
		error("%s", sb_str(&err));
	} else {
		failed = converge_apply(r, &cv, r->wait_ms);
		fputs(sb_str(&cv.pending), stderr);
		*pending += cv.npending;
		if (rollback)
			*rollback = cv.rollback;
		converge_free(&cv);
	}
	sb_free(&err);
	return failed;
}

/* Store the changed model of stack i as its document and converge it. */
static size_t store_and_converge(struct run *r, size_t i, size_t *pending)
{
	struct strbuf json = STRBUF_INIT;
	compose_write_json(r->stacks[i], &json);
	state_set_stack(&r->st, r->st.stacks[i].name, json.buf);
	sb_free(&json);
	return service_converge(r, i, pending, NULL);
}

static int scale(struct run *r, const struct read_args *a)
{
	unsigned char *touched = xcalloc(r->st.nstacks + 1, 1);
	size_t failed = 0, pending = 0;
	int ret = EXIT_OK;

	for (size_t k = 0; k < a->nnames; k++) {
		long i = set_replicas(r, a->names[k]);
		if (i < 0) {
			free(touched);
			return EXIT_FAIL;
		}
		touched[i] = 1;
	}
	for (size_t i = 0; i < r->st.nstacks; i++)
		if (touched[i])
			failed += store_and_converge(r, i, &pending);
	free(touched);
	struct strbuf change = STRBUF_INIT;
	sb_adds(&change, "service scale");
	for (size_t k = 0; k < a->nnames; k++)
		sb_addf(&change, " %s", a->names[k]);
	ret = run_commit(r, change.buf);
	sb_free(&change);
	if (failed)
		error("%zu operations failed", failed);
	if (pending)
		error("%zu tasks pending: no node can run them now (see above)", pending);
	return ret == EXIT_OK && (failed || pending) ? EXIT_FAIL : ret;
}

static int service_scale(const struct subcmd *self, int argc, char **argv)
{
	struct run r;
	struct read_args a;
	int ret;

	run_init(&r);
	if ((ret = parse_read(self, &r, argc, argv, &a)) != EXIT_OK)
		goto out;
	if (!a.nnames) {
		ret = usage_error("service scale: expected SERVICE=REPLICAS...");
		goto out;
	}
	if ((ret = run_open(&r, RUN_LOCK | RUN_OBSERVE | RUN_STACKS, argc, argv)) == EXIT_OK)
		ret = scale(&r, &a);
out:
	run_close(&r);
	return ret;
}

/* --- logs ------------------------------------------------------------------ */

/* Each host runs `docker logs` for all its tasks at once; every output line
 * comes back tagged with the task's index ("3 text"), on the stream it was
 * written to, and is printed here whole, under a lock, behind the task's
 * prefix. Each line is written with one printf, so lines of two tasks
 * never mix. */
static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;

struct log_host {
	char **prefixes;	/* per tagged index */
	size_t n;
	struct strbuf script;
	struct strbuf partial[2];
	int width;
};

struct log_job {
	struct log_host *hosts;
	long timeout_ms;
};

static void print_log_line(const struct log_host *lh, int stream, const char *line, size_t len)
{
	FILE *out = stream ? stderr : stdout;
	char *end;
	unsigned long k = strtoul(line, &end, 10);
	const char *prefix = "?";
	if (end != line && *end == ' ' && k < lh->n) {
		prefix = lh->prefixes[k];
		len -= (size_t)(end + 1 - line);
		line = end + 1;
	}
	pthread_mutex_lock(&print_lock);
	fprintf(out, "%-*s | %.*s\n", lh->width, prefix, (int)len, line);
	fflush(out);
	pthread_mutex_unlock(&print_lock);
}

static void on_log_output(int stream, const char *data, size_t len, void *arg)
{
	struct log_host *lh = arg;
	struct strbuf *sb = &lh->partial[stream];
	sb_add(sb, data, len);
	char *start = sb->buf, *nl;
	while ((nl = memchr(start, '\n', sb->len - (size_t)(start - sb->buf)))) {
		print_log_line(lh, stream, start, (size_t)(nl - start));
		start = nl + 1;
	}
	size_t rest = sb->len - (size_t)(start - sb->buf);
	memmove(sb->buf, start, rest);
	sb->len = rest;
	sb->buf[rest] = '\0';
}

static void logs_one(struct fleet_host *h, size_t i, void *ctx)
{
	struct log_job *job = ctx;
	struct log_host *lh = &job->hosts[i];
	if (!lh->n)
		return;
	struct ssh_exec x = { .command = "sh -s", .stdin_data = lh->script.buf,
			      .stdin_len = lh->script.len, .timeout_ms = job->timeout_ms,
			      .on_output = on_log_output, .on_output_arg = lh };
	struct ssh_result res;
	ssh_result_init(&res);
	if (fleet_exec(h, &x, &res) != SSH_OK)
		error("%s: %s", h->target.name, sb_str(&h->error));
	for (int s = 0; s < 2; s++)
		if (lh->partial[s].len)
			print_log_line(lh, s, lh->partial[s].buf, lh->partial[s].len);
	ssh_result_free(&res);
}

/* The shell functions every host's script starts with: tag prefixes
 * each line with $1; tagged runs docker logs for container $2, its stderr
 * through fd 3 so that it is tagged apart from stdout. The read loop, not
 * awk or sed, because those buffer their input from a pipe (mawk) or their
 * output: with --follow a line must come out as soon as it is written. */
static void log_script_head(const struct read_args *a, struct strbuf *s)
{
	sb_adds(s, "tag() { while IFS= read -r l || [ -n \"$l\" ]; do printf '%s %s\\n' \"$1\" \"$l\"; done; }\n"
		   "tagged() { { docker logs");
	if (a->follow)
		sb_adds(s, " --follow");
	if (a->timestamps)
		sb_adds(s, " --timestamps");
	if (a->tail) {
		sb_adds(s, " --tail ");
		sh_quote(s, a->tail);
	}
	sb_adds(s, " \"$2\" 2>&1 1>&3 3>&- | tag \"$1\" 1>&2 3>&-; } 3>&1 | tag \"$1\"; }\n");
}

static void add_log_task(struct log_host *lh, const struct task_row *row, const struct read_args *a)
{
	struct strbuf prefix = STRBUF_INIT;
	if (!lh->n)
		log_script_head(a, &lh->script);
	task_name(row->task, &prefix);
	sb_addf(&prefix, ".%s@%s", row->task->id, row->task->node);
	if ((int)prefix.len > lh->width)
		lh->width = (int)prefix.len;
	lh->prefixes = xrealloc(lh->prefixes, (lh->n + 1) * sizeof(*lh->prefixes));
	lh->prefixes[lh->n] = sb_detach(&prefix);
	sb_addf(&lh->script, "tagged %zu ", lh->n++);
	sh_quote(&lh->script, row->c->name);
	sb_adds(&lh->script, " &\n");
}

static int logs(struct run *r, const struct task_row *rows, size_t n, const struct read_args *a)
{
	struct log_job job = { xcalloc(r->fleet.n + 1, sizeof(*job.hosts)),
			       a->follow ? 0 : r->opts.timeout_ms };
	int width = 0, ok = 1;

	for (size_t i = 0; i < n; i++) {
		struct strbuf name = STRBUF_INIT;
		if (rows[i].c) {
			add_log_task(&job.hosts[rows[i].host], &rows[i], a);
			continue;
		}
		task_name(rows[i].task, &name);
		warning("%s.%s@%s: no logs: %s", name.buf, rows[i].task->id, rows[i].task->node,
			rows[i].view && rows[i].view->down ? "host unreachable" : "no container found");
		sb_free(&name);
		ok = 0;
	}
	for (size_t h = 0; h < r->fleet.n; h++) {
		sb_adds(&job.hosts[h].script, "wait\n");
		width = job.hosts[h].width > width ? job.hosts[h].width : width;
	}
	for (size_t h = 0; h < r->fleet.n; h++)
		job.hosts[h].width = width;	/* one column for all hosts */
	fleet_each(&r->fleet, logs_one, &job);
	for (size_t h = 0; h < r->fleet.n; h++) {
		struct log_host *lh = &job.hosts[h];
		for (size_t k = 0; k < lh->n; k++)
			free(lh->prefixes[k]);
		free(lh->prefixes);
		sb_free(&lh->script);
		sb_free(&lh->partial[0]);
		sb_free(&lh->partial[1]);
	}
	free(job.hosts);
	return fleet_exit_code(&r->fleet, ok);
}

static int tasks_logs_main(const struct subcmd *self, int argc, char **argv)
{
	struct run r;
	struct read_args a;
	struct task_row *rows = NULL;
	size_t n = 0;

	run_init(&r);
	int ret = open_named_tasks(self, &r, argc, argv, &a, &rows, &n);
	if (ret == EXIT_OK)
		ret = logs(&r, rows, n, &a);
	free(rows);
	run_close(&r);
	return ret;
}

/* --- dispatch -------------------------------------------------------------- */

static const struct subcmd service_ls_cmd = {
	"service ls", NULL, "every service", read_options, .aliases = "list", .fn = service_ls_main,
};
static const struct subcmd service_ps_cmd = {
	"service ps", "STACK_SERVICE...", "the services' tasks", ps_options, .complete = "service",
	.fn = tasks_ps_main, .variant = TASKS_OF_SERVICE,
};
static const struct subcmd service_scale_cmd = {
	"service scale", "STACK_SERVICE=N...", "set replicas", read_options, .complete = "service",
	.fn = service_scale,
};
static const struct subcmd service_logs_cmd = {
	"service logs", "STACK_SERVICE...", "the services' logs", logs_options,
	.complete = "service", .fn = tasks_logs_main, .variant = TASKS_OF_SERVICE,
};
const struct subcmd stack_services_cmd = {
	"stack services", "NAME", "the stack's services", read_options, .complete = "stack",
	.fn = service_ls_main, .variant = 1,
};
const struct subcmd stack_ps_cmd = {
	"stack ps", "NAME...", "the stack's tasks", ps_options, .complete = "stack",
	.fn = tasks_ps_main, .variant = TASKS_OF_STACK,
};
const struct subcmd node_ps_cmd = {
	"node ps", "NODE...", "the tasks on hosts, and strays there", ps_options, .complete = "node",
	.fn = tasks_ps_main, .variant = TASKS_OF_NODE,
};
const struct subcmd stack_logs_cmd = {
	"stack logs", "NAME...", "the stack's logs", logs_options, .complete = "stack",
	.fn = tasks_logs_main, .variant = TASKS_OF_STACK,
};
const struct subcmd *const service_subcommands[] = {
	&service_ls_cmd, &service_ps_cmd, &service_scale_cmd, &service_logs_cmd, &service_update_cmd,
	&service_rollback_cmd, &service_inspect_cmd, NULL,
};
