/* cswarm node: the hosts of the cluster as Docker sees them. */
#include "cmd/cmd.h"
#include "cmd/common.h"
#include "engine/observe.h"
#include "util/table.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Errors first (stderr), then the table: a host is Down with a reason. */
static void report_down(const struct host_view *views, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (views[i].down)
			error("%s", sb_str(&views[i].detail));
}

static void print_table(const struct inventory *inv, const struct fleet *f, const size_t *index,
			const struct host_view *rows)
{
	static const char *const header[] = { "NAME", "ADDRESS", "ROLE", "STATUS", "AVAILABILITY",
					      "ENGINE", "CPUS", "MEMORY" };
	struct table t;
	table_init(&t, ARRAY_SIZE(header), header);
	for (size_t i = 0; i < f->n; i++) {
		const struct host *h = &inv->hosts[index[i]];
		const struct host_view *r = &rows[i];
		struct strbuf status = STRBUF_INIT, cpus = STRBUF_INIT, mem = STRBUF_INIT;
		if (r->down)
			sb_addf(&status, "Down (%s)", r->down);
		else {
			sb_adds(&status, "Ready");
			sb_addf(&cpus, "%lld", r->info.ncpu);
			human_bytes(&mem, r->info.mem_total);
		}
		const char *cells[] = { h->name, f->hosts[i].target.address,
					h->is_manager ? "manager" : "worker", sb_str(&status),
					"active", r->down ? NULL : r->info.version,
					r->down ? NULL : sb_str(&cpus), r->down ? NULL : sb_str(&mem) };
		table_row(&t, cells);
		sb_free(&status);
		sb_free(&cpus);
		sb_free(&mem);
	}
	table_print(&t, stdout);
	table_free(&t);
}

static void json_field(struct strbuf *out, const char *key, const char *value, int comma)
{
	if (comma)
		sb_addc(out, ',');
	json_string(out, key);
	sb_addc(out, ':');
	if (value)
		json_string(out, value);
	else
		sb_adds(out, "null");
}

static void print_json(const struct inventory *inv, const struct fleet *f, const size_t *index,
		       const struct host_view *rows)
{
	struct strbuf out = STRBUF_INIT;
	sb_addc(&out, '[');
	for (size_t i = 0; i < f->n; i++) {
		const struct host *h = &inv->hosts[index[i]];
		const struct host_view *r = &rows[i];
		sb_adds(&out, i ? ",{" : "{");
		json_field(&out, "name", h->name, 0);
		json_field(&out, "address", f->hosts[i].target.address, 1);
		json_field(&out, "role", h->is_manager ? "manager" : "worker", 1);
		json_field(&out, "status", r->down ? "down" : "ready", 1);
		json_field(&out, "reason", r->down, 1);
		json_field(&out, "error", r->down ? sb_str(&r->detail) : NULL, 1);
		json_field(&out, "availability", "active", 1);
		json_field(&out, "engine", r->down ? NULL : r->info.version, 1);
		json_field(&out, "os", r->down ? NULL : r->info.os_type, 1);
		json_field(&out, "arch", r->down ? NULL : r->info.arch, 1);
		sb_addf(&out, ",\"cpus\":%lld,\"memory\":%lld}", r->info.ncpu, r->info.mem_total);
	}
	sb_adds(&out, "]\n");
	fputs(out.buf, stdout);
	sb_free(&out);
}

static int node_ls(int argc, char **argv)
{
	static const struct option longopts[] = { HOST_LONGOPTS, { NULL, 0, NULL, 0 } };
	struct host_opts o;
	struct inventory inv = { 0 };
	struct fleet f;
	size_t *index = NULL;
	int c, ret = EXIT_FAIL;

	host_opts_init(&o);
	while ((c = getopt_long(argc, argv, HOST_SHORTOPTS, longopts, NULL)) != -1)
		if (host_opt(&o, c, optarg) != 1)
			return EXIT_USAGE;
	if (optind != argc)
		return usage_error("node ls: unexpected argument '%s'", argv[optind]);
	if (host_opts_check(&o))
		return EXIT_USAGE;
	if (open_fleet(&o, &inv, &f, &index) != 0)
		goto out;

	struct host_view *views = xcalloc(f.n ? f.n : 1, sizeof(*views));
	engine_observe(&f, NULL, o.timeout_ms, views);
	report_down(views, f.n);
	if (streq(o.format, "json"))
		print_json(&inv, &f, index, views);
	else
		print_table(&inv, &f, index, views);
	int all_ready = 1;
	for (size_t i = 0; i < f.n; i++)
		all_ready &= !views[i].down;
	host_views_free(views, f.n);
	ret = all_ready ? EXIT_OK : EXIT_UNREACHABLE;
out:
	fleet_free(&f);
	free(index);
	inventory_free(&inv);
	return ret;
}

int cmd_node(int argc, char **argv)
{
	static const struct cmd subcommands[] = {
		{ "ls", node_ls, NULL, NULL },
		{ NULL, NULL, NULL, NULL },
	};
	if (argc < 2)
		return usage_error("cswarm node ls (see 'cswarm help node')");
	for (const struct cmd *s = subcommands; s->name; s++)
		if (streq(argv[1], s->name))
			return s->fn(argc - 1, argv + 1);
	return usage_error("node: unknown subcommand '%s' (see 'cswarm help node')", argv[1]);
}
