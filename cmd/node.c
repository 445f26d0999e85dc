/* cswarm node: the hosts of the cluster, and taking them in and out of
 * service. The inventory says which hosts exist; their availability, the
 * labels added by commands and their roles are kept in the cluster state
 * and override it. Every change takes the lock, converges every stack (a
 * drained node's tasks start elsewhere before they stop there) and is
 * recorded in the state's history. See docs/nodes.md. */
#include "cmd/cmd.h"
#include "cmd/common.h"
#include "engine/converge.h"
#include "util/jsonw.h"
#include "util/table.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- what a node is now ---------------------------------------------------- */

struct node_row {
	const struct host *h;
	const struct host_view *v;
	const char *address;
	const char *role;		/* the state's override, else the inventory's */
	const char *availability;	/* the state's, else active */
	const char *manager_status;	/* Leader, Reachable, Unreachable; "" for workers */
	size_t tasks;			/* task records placing a running task here */
};

static enum node_role node_role(struct run *r, const struct host *h)
{
	const struct state_node *ov = state_find_node(&r->st, h->name);
	if (ov && ov->role != ROLE_UNSET)
		return ov->role;
	return h->is_manager ? ROLE_MANAGER : ROLE_WORKER;
}

/* Reachable as the run saw it: through the host's view when it was
 * observed, else through the managers' own connection. */
static int manager_reachable(struct run *r, size_t m)
{
	const struct fleet_host *fh = &r->cluster.managers.hosts[m];
	long at = run_host(r, fh->target.name);
	if (at >= 0 && r->views)
		return r->views[at].down == NULL;
	return fh->conn != NULL && fh->fail == SSH_OK;
}

/* The leader is the manager cswarm takes the lock on: the first reachable
 * one, the inventory's managers before promoted hosts. */
static const char *manager_status(struct run *r, const struct host *h)
{
	if (!r->cluster_opened || node_role(r, h) != ROLE_MANAGER)
		return "";
	long me = cluster_manager(&r->cluster, h->name);
	if (me < 0)
		return "";
	for (size_t m = 0; m < (size_t)me; m++) {
		long inv = run_host(r, r->cluster.managers.hosts[m].target.name);
		int demoted = inv >= 0 && node_role(r, &r->inv.hosts[r->index[inv]]) != ROLE_MANAGER;
		if (!demoted && manager_reachable(r, m))
			return manager_reachable(r, (size_t)me) ? "Reachable" : "Unreachable";
	}
	return manager_reachable(r, (size_t)me) ? "Leader" : "Unreachable";
}

static void node_row(struct run *r, size_t i, struct node_row *row)
{
	const struct host *h = &r->inv.hosts[r->index[i]];
	const struct state_node *ov = state_find_node(&r->st, h->name);
	memset(row, 0, sizeof(*row));
	row->h = h;
	row->v = &r->views[i];
	row->address = r->fleet.hosts[i].target.address;
	row->role = node_role_name(node_role(r, h));
	row->availability = node_availability_name(ov && ov->availability ? ov->availability : AVAIL_ACTIVE);
	row->manager_status = manager_status(r, h);
	for (size_t t = 0; t < r->st.ntasks; t++)
		row->tasks += streq(r->st.tasks[t].node, h->name) &&
			      (!r->st.tasks[t].desired || streq(r->st.tasks[t].desired, "running"));
}

/* Inventory labels, then the state's overrides (NULL: removed). */
static void each_label(struct run *r, const struct host *h,
		       void (*fn)(const char *key, const char *value, void *ctx), void *ctx)
{
	const struct state_node *ov = state_find_node(&r->st, h->name);
	for (size_t i = 0; i < h->nlabels; i++) {
		int overridden = 0;
		for (size_t k = 0; ov && k < ov->nlabels; k++)
			overridden |= streq(ov->labels[k].key, h->labels[i].key);
		if (!overridden)
			fn(h->labels[i].key, h->labels[i].value, ctx);
	}
	for (size_t k = 0; ov && k < ov->nlabels; k++)
		if (ov->labels[k].value)
			fn(ov->labels[k].key, ov->labels[k].value, ctx);
}

/* --- opening ----------------------------------------------------------------- */

/* The hosts (--limit applies) and, when the cluster has a state, that
 * state: node ls and inspect also work before `cswarm init`. */
static int open_view(struct run *r)
{
	struct strbuf err = STRBUF_INIT;
	if (host_opts_check(&r->opts))
		return EXIT_USAGE;
	if (open_fleet(&r->opts, &r->inv, &r->fleet, &r->index) != 0)
		return EXIT_FAIL;
	run_index_hosts(r);
	/* No managers or no state: the inventory's defaults, silently. */
	if (cluster_open(&r->cluster, &r->inv, &r->opts.target, r->copts.name, r->opts.forks,
			 r->opts.timeout_ms, &err) == 0) {
		r->cluster_opened = 1;
		sb_reset(&err);
		run_log_in(r);
		if (cluster_read_state(&r->cluster, &r->st, &err) == STATE_READ_FAIL)
			warning("cluster state not read (%s): showing the inventory's roles and availability",
				sb_str(&err));
	}
	sb_free(&err);
	r->views = xcalloc(r->fleet.n ? r->fleet.n : 1, sizeof(*r->views));
	engine_observe(&r->fleet, r->st.cluster_id, r->opts.timeout_ms, r->views);
	return EXIT_OK;
}

/* Fleet position of the inventory host name; an error (with the nearest
 * name) and -1 if the inventory has no such host. */
static long find_node(struct run *r, const char *name)
{
	long at = run_host(r, name);
	if (at >= 0)
		return at;
	const char *near = NULL;
	size_t best = 3;
	for (size_t i = 0; i < r->inv.nhosts; i++) {
		size_t d = edit_distance(name, r->inv.hosts[i].name);
		if (d < best) {
			best = d;
			near = r->inv.hosts[i].name;
		}
	}
	if (near)
		error("%s: no host '%s' in the inventory (did you mean '%s'?)", r->inv.path, name, near);
	else
		error("%s: no host '%s' in the inventory", r->inv.path, name);
	return -1;
}

/* --- ls, inspect, ps ------------------------------------------------------- */

static void report_down(const struct run *r)
{
	for (size_t i = 0; i < r->fleet.n; i++)
		if (r->views[i].down)
			error("%s", sb_str(&r->views[i].detail));
}

static void print_table(struct run *r)
{
	static const char *const header[] = { "NAME", "ADDRESS", "ROLE", "STATUS", "AVAILABILITY",
					      "ENGINE", "CPUS", "MEMORY", "MANAGER STATUS", "TASKS" };
	struct table t;
	table_init(&t, ARRAY_SIZE(header), header);
	for (size_t i = 0; i < r->fleet.n; i++) {
		struct node_row row;
		struct strbuf status = STRBUF_INIT, cpus = STRBUF_INIT, mem = STRBUF_INIT,
			      tasks = STRBUF_INIT;
		node_row(r, i, &row);
		if (row.v->down)
			sb_addf(&status, "Down (%s)", row.v->down);
		else {
			sb_adds(&status, "Ready");
			sb_addf(&cpus, "%lld", row.v->info.ncpu);
			human_bytes(&mem, row.v->info.mem_total);
		}
		sb_addf(&tasks, "%zu", row.tasks);
		const char *cells[] = { row.h->name, row.address, row.role, sb_str(&status),
					row.availability, row.v->down ? NULL : row.v->info.version,
					row.v->down ? NULL : sb_str(&cpus), row.v->down ? NULL : sb_str(&mem),
					row.manager_status, sb_str(&tasks) };
		table_row(&t, cells);
		sb_free(&status);
		sb_free(&cpus);
		sb_free(&mem);
		sb_free(&tasks);
	}
	table_print(&t, stdout);
	table_free(&t);
}

static void json_label(const char *key, const char *value, void *ctx)
{
	struct strbuf *out = ctx;
	json_member(out, key, value);
}

static void node_json(struct run *r, size_t i, struct strbuf *out)
{
	struct node_row row;
	node_row(r, i, &row);
	sb_addc(out, '{');
	json_member(out, "name", row.h->name);
	json_member(out, "address", row.address);
	json_member(out, "role", row.role);
	json_member(out, "status", row.v->down ? "down" : "ready");
	json_member(out, "reason", row.v->down);
	json_member(out, "error", row.v->down ? sb_str(&row.v->detail) : NULL);
	json_member(out, "availability", row.availability);
	json_member(out, "manager_status", *row.manager_status ? row.manager_status : NULL);
	json_member(out, "engine", row.v->down ? NULL : row.v->info.version);
	json_member(out, "os", row.v->down ? NULL : row.v->info.os_type);
	json_member(out, "arch", row.v->down ? NULL : row.v->info.arch);
	sb_addf(out, ",\"cpus\":%lld,\"memory\":%lld,\"tasks\":%zu,\"labels\":{",
		row.v->info.ncpu, row.v->info.mem_total, row.tasks);
	each_label(r, row.h, json_label, out);
	sb_adds(out, "}}");
}

struct read_args {
	int pretty;
};

static const struct opt read_options[] = {
	OPT_INCLUDE(cluster_options),
	OPT_END(),
};

static const struct opt inspect_options[] = {
	OPT_FLAG(0, "pretty", struct read_args, pretty, "as text instead of JSON"),
	OPT_INCLUDE(cluster_options),
	OPT_END(),
};

static int all_ready(const struct run *r)
{
	for (size_t i = 0; i < r->fleet.n; i++)
		if (r->views[i].down)
			return 0;
	return 1;
}

static int node_ls(const struct subcmd *self, int argc, char **argv)
{
	struct run r;
	int ret;
	run_init(&r);
	if ((ret = parse_options(self, argc, argv, NULL, &r)) != EXIT_OK)
		goto out;
	if (optind != argc) {
		ret = usage_error("node ls: unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if ((ret = open_view(&r)) != EXIT_OK)
		goto out;
	report_down(&r);
	if (streq(r.opts.format, "json")) {
		struct strbuf out = STRBUF_INIT;
		sb_addc(&out, '[');
		for (size_t i = 0; i < r.fleet.n; i++) {
			if (i)
				sb_addc(&out, ',');
			node_json(&r, i, &out);
		}
		sb_adds(&out, "]\n");
		fputs(out.buf, stdout);
		sb_free(&out);
	} else {
		print_table(&r);
	}
	ret = all_ready(&r) ? EXIT_OK : EXIT_UNREACHABLE;
out:
	run_close(&r);
	return ret;
}

static void pretty_label(const char *key, const char *value, void *ctx)
{
	(void)ctx;
	printf("  %s=%s\n", key, value);
}

static void print_pretty(struct run *r, size_t i)
{
	struct node_row row;
	struct strbuf mem = STRBUF_INIT;
	node_row(r, i, &row);
	printf("Name:            %s\n", row.h->name);
	printf("Address:         %s\n", row.address);
	printf("Role:            %s\n", row.role);
	if (*row.manager_status)
		printf("Manager status:  %s\n", row.manager_status);
	printf("Availability:    %s\n", row.availability);
	if (row.v->down) {
		printf("Status:          Down (%s): %s\n", row.v->down, sb_str(&row.v->detail));
	} else {
		human_bytes(&mem, row.v->info.mem_total);
		printf("Status:          Ready\n");
		printf("Engine:          %s\n", row.v->info.version ? row.v->info.version : "-");
		printf("Platform:        %s/%s\n", row.v->info.os_type ? row.v->info.os_type : "-",
		       row.v->info.arch ? row.v->info.arch : "-");
		printf("Resources:       %lld CPUs, %s\n", row.v->info.ncpu, sb_str(&mem));
	}
	printf("Tasks:           %zu\n", row.tasks);
	printf("Labels:\n");
	each_label(r, row.h, pretty_label, NULL);
	sb_free(&mem);
}

static int node_inspect(const struct subcmd *self, int argc, char **argv)
{
	struct run r;
	struct read_args a = { 0 };
	int ret;
	long at;
	run_init(&r);
	if ((ret = parse_options(self, argc, argv, &a, &r)) != EXIT_OK)
		goto out;
	if (optind != argc - 1) {
		ret = usage_error("usage: cswarm node inspect NODE [--pretty]");
		goto out;
	}
	if ((ret = open_view(&r)) != EXIT_OK)
		goto out;
	if ((at = find_node(&r, argv[optind])) < 0) {
		ret = EXIT_FAIL;
		goto out;
	}
	if (a.pretty) {
		print_pretty(&r, (size_t)at);
	} else {
		struct strbuf out = STRBUF_INIT;
		node_json(&r, (size_t)at, &out);
		puts(out.buf);
		sb_free(&out);
	}
	ret = r.views[at].down ? EXIT_UNREACHABLE : EXIT_OK;
out:
	run_close(&r);
	return ret;
}

/* --- changes ------------------------------------------------------------------- */

struct change {
	const char *sub;		/* the subcommand */
	const char *node;
	const char *availability;	/* NULL: unchanged */
	enum node_role role;		/* promote/demote; UNSET: neither */
	struct optlist label_add, label_rm;
	int rebalance;
};

static int valid_availability(const char *s)
{
	return node_availability_parse(s) != AVAIL_UNSET;
}

/* "k=v" with a non-empty key; label keys follow docker's characters. */
static int valid_label(const char *s, int with_value)
{
	size_t k = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/");
	return k > 0 && (with_value ? s[k] == '=' : s[k] == '\0');
}

static int check_change(const struct change *ch)
{
	int update = streq(ch->sub, "update");
	if (update && !ch->availability && !ch->label_add.n && !ch->label_rm.n)
		return usage_error("node update: nothing to change (--availability, --label-add, --label-rm)");
	if (ch->availability && !valid_availability(ch->availability))
		return usage_error("node update: --availability must be active, pause or drain, not '%s'",
				   ch->availability);
	if (ch->rebalance && !(ch->availability && streq(ch->availability, "active")))
		return usage_error("node %s: --rebalance goes with activating a node", ch->sub);
	for (size_t i = 0; i < ch->label_add.n; i++)
		if (!valid_label(ch->label_add.v[i], 1))
			return usage_error("node update: --label-add '%s': expected KEY=VALUE", ch->label_add.v[i]);
	for (size_t i = 0; i < ch->label_rm.n; i++)
		if (!valid_label(ch->label_rm.v[i], 0))
			return usage_error("node update: --label-rm '%s': expected a label KEY", ch->label_rm.v[i]);
	return EXIT_OK;
}

static const struct opt update_options[] = {
	OPT_STRING(0, "availability", "active|pause|drain", struct change, availability,
		   "whether the node takes tasks, keeps them or moves them away", "active pause drain"),
	OPT_LIST(0, "label-add", "K=V", struct change, label_add, "add or change a node label", NULL),
	OPT_LIST(0, "label-rm", "K", struct change, label_rm, "remove a node label", NULL),
	OPT_FLAG(0, "rebalance", struct change, rebalance,
		 "with active: move the fewest tasks needed to even out the nodes"),
	OPT_INCLUDE(cluster_options),
	OPT_END(),
};

static const struct opt availability_options[] = {
	OPT_FLAG(0, "rebalance", struct change, rebalance,
		 "with activate: move the fewest tasks needed to even out the nodes"),
	OPT_INCLUDE(cluster_options),
	OPT_END(),
};

static int parse_change(const struct subcmd *self, struct run *r, struct change *ch, int argc,
			char **argv)
{
	if (parse_options(self, argc, argv, ch, r) != EXIT_OK)
		return EXIT_USAGE;
	if (optind != argc - 1)
		return usage_error("usage: cswarm node %s [options] NODE (see 'cswarm help node')", ch->sub);
	ch->node = argv[optind];
	return check_change(ch);
}

/* promote/demote: which copies of the state change. 1 when there is
 * nothing to do, -1 refused, 0 go. */
static int change_role(struct run *r, const struct change *ch, size_t at, struct state_node *n)
{
	const struct host *h = &r->inv.hosts[r->index[at]];
	struct strbuf err = STRBUF_INIT;
	if (ch->role == node_role(r, h)) {
		printf("%s is already a %s\n", ch->node, node_role_name(ch->role));
		return 1;
	}
	if (ch->role == ROLE_MANAGER) {
		if (r->views[at].down) {
			error("%s: unreachable, cannot copy the state there: %s", ch->node,
			      sb_str(&r->views[at].detail));
			return -1;
		}
		n->role = ROLE_MANAGER;
		int bad = cluster_add_promoted(&r->cluster, &r->st, &err) != 0;
		if (bad)
			error("%s", sb_str(&err));
		sb_free(&err);
		return bad ? -1 : 0;
	}
	/* The lock and every read go to the inventory's managers: one of
	 * them must always keep the state, so those are never demoted here. */
	if (h->is_manager) {
		error("%s is a manager in the inventory %s, which cswarm reads the state from: "
		      "refusing to demote the last manager it can rely on; move the host out of "
		      "group 'managers' (or set cswarm_role=worker) to demote it", ch->node, r->inv.path);
		return -1;
	}
	n->role = ROLE_UNSET;
	return 0;
}

static int change_node(struct run *r, const struct change *ch, size_t at)
{
	struct state_node *n = state_node(&r->st, ch->node);
	if (ch->role != ROLE_UNSET)
		return change_role(r, ch, at, n);
	if (ch->availability)
		n->availability = node_availability_parse(ch->availability);
	for (size_t i = 0; i < ch->label_add.n; i++) {
		char *key = xstrdup(ch->label_add.v[i]), *eq = strchr(key, '=');
		*eq = '\0';
		state_node_set_label(n, key, eq + 1);
		free(key);
	}
	for (size_t i = 0; i < ch->label_rm.n; i++)
		state_node_set_label(n, ch->label_rm.v[i], NULL);
	return 0;
}

/* One line for the state history: "node update h2: availability=drain label-add zone=a". */
static char *history_line(const struct change *ch)
{
	struct strbuf s = STRBUF_INIT;
	sb_addf(&s, "node %s %s", ch->sub, ch->node);
	if (streq(ch->sub, "update")) {
		sb_addc(&s, ':');
		if (ch->availability)
			sb_addf(&s, " availability=%s", ch->availability);
		for (size_t i = 0; i < ch->label_add.n; i++)
			sb_addf(&s, " label-add %s", ch->label_add.v[i]);
		for (size_t i = 0; i < ch->label_rm.n; i++)
			sb_addf(&s, " label-rm %s", ch->label_rm.v[i]);
	}
	if (ch->rebalance)
		sb_adds(&s, " --rebalance");
	return sb_detach(&s);
}

/* Every stack, so that what the node change means (tasks leaving a drained
 * node, constraints on new labels or roles) happens now. */
static int converge_all(struct run *r, const struct change *ch)
{
	struct converge cv;
	struct strbuf err = STRBUF_INIT;
	struct converge_opts co = { .stack = NULL, .rebalance = ch->rebalance, .remove_orphans = 1 };
	int ret = EXIT_OK;
	if (converge_plan(r, &co, &cv, &err) != 0) {
		error("%s", sb_str(&err));
		sb_free(&err);
		return EXIT_FAIL;
	}
	size_t failed = cv.nops || r->net ? converge_apply(r, &cv, r->wait_ms) : 0, started = 0, stopped = 0;
	for (size_t i = 0; i < cv.nops; i++) {
		started += cv.ops[i].kind == OP_START && cv.ops[i].done;
		stopped += cv.ops[i].kind == OP_STOP && cv.ops[i].done;
	}
	char *line = history_line(ch);
	ret = run_commit(r, line);
	free(line);
	fputs(sb_str(&cv.pending), stderr);
	printf("%s: %s; %zu started, %zu stopped, %zu failed, %zu pending\n", ch->node,
	       ch->role != ROLE_UNSET ? node_role_name(ch->role) : ch->availability ? ch->availability : "updated",
	       started, stopped, failed, cv.npending);
	if (ret == EXIT_OK && (failed || cv.npending))
		ret = EXIT_FAIL;
	converge_free(&cv);
	sb_free(&err);
	return ret;
}

enum change_kind { CHANGE_UPDATE, CHANGE_DRAIN, CHANGE_PAUSE, CHANGE_ACTIVATE, CHANGE_PROMOTE,
		   CHANGE_DEMOTE };

/* What each form changes before its options (the form's variant). */
static const struct change change_presets[] = {
	[CHANGE_UPDATE] = { .sub = "update" },
	[CHANGE_DRAIN] = { .sub = "drain", .availability = "drain" },
	[CHANGE_PAUSE] = { .sub = "pause", .availability = "pause" },
	[CHANGE_ACTIVATE] = { .sub = "activate", .availability = "active" },
	[CHANGE_PROMOTE] = { .sub = "promote", .role = ROLE_MANAGER },
	[CHANGE_DEMOTE] = { .sub = "demote", .role = ROLE_WORKER },
};

static int node_change(const struct subcmd *self, int argc, char **argv)
{
	struct change c = change_presets[self->variant], *ch = &c;
	struct run r;
	long at;
	int ret;
	run_init(&r);
	if ((ret = parse_change(self, &r, ch, argc, argv)) != EXIT_OK)
		goto out;
	if ((ret = run_open(&r, RUN_LOCK | RUN_OBSERVE | RUN_STACKS, argc, argv)) != EXIT_OK)
		goto out;
	ret = EXIT_FAIL;
	if ((at = find_node(&r, ch->node)) < 0)
		goto out;
	int verdict = change_node(&r, ch, (size_t)at);
	if (verdict != 0) {
		ret = verdict > 0 ? EXIT_OK : EXIT_FAIL;
		goto out;
	}
	ret = converge_all(&r, ch);
	if (ch->role == ROLE_WORKER && !r.stop) {
		struct strbuf err = STRBUF_INIT;
		if (cluster_drop_copy(&r.cluster, ch->node, &err) != 0) {
			error("%s", sb_str(&err));
			ret = EXIT_FAIL;
		}
		sb_free(&err);
	}
	if (ret == EXIT_OK && fleet_unreachable(&r.fleet))
		ret = EXIT_UNREACHABLE;
out:
	run_close(&r);
	free(ch->label_add.v);
	free(ch->label_rm.v);
	return ret;
}

#define NODE_FORM(word, opts, v, what) \
	{ "node " word, "NODE", what, opts, .complete = "node", .fn = node_change, .variant = (v) }

static const struct subcmd node_change_cmds[] = {
	NODE_FORM("update", update_options, CHANGE_UPDATE, "availability and labels"),
	NODE_FORM("drain", availability_options, CHANGE_DRAIN, "move the node's tasks away"),
	NODE_FORM("pause", availability_options, CHANGE_PAUSE, "no new tasks on the node"),
	NODE_FORM("activate", availability_options, CHANGE_ACTIVATE, "the node takes tasks again"),
	NODE_FORM("promote", read_options, CHANGE_PROMOTE, "the node keeps a copy of the state"),
	NODE_FORM("demote", read_options, CHANGE_DEMOTE, "the node drops its copy of the state"),
};

static const struct subcmd node_ls_cmd = {
	"node ls", NULL, "every host", read_options, .aliases = "list", .fn = node_ls,
};
static const struct subcmd node_inspect_cmd = {
	"node inspect", "NODE", "one host", inspect_options, .complete = "node", .fn = node_inspect,
};

const struct subcmd *const node_subcommands[] = {
	&node_ls_cmd, &node_inspect_cmd, &node_ps_cmd, &node_change_cmds[CHANGE_UPDATE],
	&node_change_cmds[CHANGE_DRAIN], &node_change_cmds[CHANGE_PAUSE],
	&node_change_cmds[CHANGE_ACTIVATE], &node_change_cmds[CHANGE_PROMOTE],
	&node_change_cmds[CHANGE_DEMOTE], &node_rm_cmd, NULL,
};
