/* cswarm inventory: the inventory as cswarm reads it, in ansible-inventory's
 * forms (--list JSON, --host JSON, --graph tree), so users can check what
 * cswarm will do and scripts written for ansible-inventory keep working;
 * and --host NAME --resolved: what cswarm connects with, in `ssh -G` form. */
#include "cmd/cmd.h"
#include "cmd/common.h"
#include "engine/run.h"
#include "inventory/value.h"
#include "util/util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --graph of a DAG repeats shared subtrees: bound the output. */
#define MAX_GRAPH_LINES 1000000
#define MAX_GRAPH_DEPTH 1000	/* an INI chain of children may be far deeper */

enum inv_mode { MODE_NONE, MODE_LIST, MODE_HOST, MODE_GRAPH };

struct inv_args {
	struct host_opts host;
	enum inv_mode mode;
	const char *name;	/* --host NAME, --graph [GROUP] */
	int resolved;
};

static int set_mode(struct inv_args *a, enum inv_mode mode)
{
	if (a->mode != MODE_NONE && a->mode != mode)
		return usage_error("inventory: give one of --list, --host NAME, --graph");
	a->mode = mode;
	return 0;
}

static int want_list(void *args, const char *value)
{
	(void)value;
	return set_mode(args, MODE_LIST);
}

static int want_graph(void *args, const char *value)
{
	(void)value;
	return set_mode(args, MODE_GRAPH);
}

static int want_host(void *args, const char *value)
{
	struct inv_args *a = args;
	a->name = value;
	return set_mode(a, MODE_HOST);
}

static const struct opt inventory_options[] = {
	OPT_CALLBACK(0, "list", NULL, want_list,
		     "every group and every host's variables as JSON (ansible-inventory --list)", NULL),
	OPT_CALLBACK(0, "host", "NAME", want_host, "one host's variables as JSON", "node"),
	OPT_CALLBACK(0, "graph", NULL, want_graph, "the group tree from GROUP (default all)", NULL),
	OPT_FLAG(0, "resolved", struct inv_args, resolved,
		 "with --host: what cswarm connects with, in ssh -G's form"),
	OPT_INCLUDE(host_options),
	OPT_END(),
};

static int parse_args(const struct subcmd *self, int argc, char **argv, struct inv_args *a)
{
	struct run r;

	run_init(&r);
	if (parse_options(self, argc, argv, a, &r) != EXIT_OK)
		return EXIT_USAGE;
	a->host = r.opts;
	if (a->mode == MODE_GRAPH && optind < argc)
		a->name = argv[optind++];
	if (optind < argc)
		return usage_error("inventory: unexpected argument '%s'", argv[optind]);
	if (a->mode == MODE_NONE)
		return usage_error("inventory: give one of --list, --host NAME, --graph");
	if (a->resolved && a->mode != MODE_HOST)
		return usage_error("inventory: --resolved goes with --host NAME");
	return host_opts_check(&a->host) ? EXIT_USAGE : EXIT_OK;
}

/* --- JSON as ansible-inventory prints it: keys sorted, indent 4 ---------- */

static void indent(struct strbuf *out, int depth)
{
	sb_addc(out, '\n');
	for (int i = 0; i < depth * 4; i++)
		sb_addc(out, ' ');
}

/* The variables' JSON is cswarm's own compact output (inventory/value.c,
 * inventory/yaml.c): well formed, strings escaped by inv_json_string. It
 * is re-indented by scanning it, not by a JSON parser, which would be
 * quadratic on long lists of objects. */
static const char *skip_value(const char *p)
{
	int depth = 0;

	do {
		if (*p == '"') {
			for (p++; *p != '"'; p++)
				p += *p == '\\';
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if (*p == '}' || *p == ']') {
			depth--;
		} else if (!depth) {
			return p + strcspn(p, ",:]}");
		}
		p++;
	} while (depth > 0);
	return p;
}

/* A key as Python compares it: decoded (the escapes inv_json_string makes). */
static char *decode_key(const char *p, const char *end)
{
	struct strbuf k = STRBUF_INIT;
	for (p++, end--; p < end; p++) {
		char c = *p;
		if (c == '\\') {
			c = *++p;
			if (c == 'u') {
				c = (char)strtol((char[]){ p[3], p[4], 0 }, NULL, 16);
				p += 4;
			} else {
				c = c == 'n' ? '\n' : c == 't' ? '\t' : c;
			}
		}
		sb_addc(&k, c);
	}
	return sb_detach(&k);
}

struct member {
	char *key;
	const char *raw_key, *value;
	size_t key_len, pos;
};

static int by_key(const void *pa, const void *pb)
{
	const struct member *a = pa, *b = pb;
	int c = strcmp(a->key, b->key);
	return c ? c : a->pos < b->pos ? -1 : 1;
}

static const char *pretty(struct strbuf *out, const char *p, int depth);

/* Members sorted by key; of repeated keys the last one, as Python's dict. */
static const char *pretty_object(struct strbuf *out, const char *p, int depth)
{
	struct member *m = NULL;
	size_t n = 0, cap = 0;
	int first = 1;

	for (p++; *p != '}'; p += *p == ',') {
		const char *key_end = skip_value(p);
		GROW(m, cap, n + 1);
		m[n] = (struct member){ decode_key(p, key_end), p, key_end + 1, (size_t)(key_end - p), n };
		n++;
		p = skip_value(key_end + 1);
	}
	if (n)
		qsort(m, n, sizeof(*m), by_key);
	sb_addc(out, '{');
	for (size_t i = 0; i < n; i++) {
		if (i + 1 < n && streq(m[i].key, m[i + 1].key))
			continue;
		sb_adds(out, first ? "" : ",");
		first = 0;
		indent(out, depth + 1);
		sb_add(out, m[i].raw_key, m[i].key_len);
		sb_adds(out, ": ");
		pretty(out, m[i].value, depth + 1);
	}
	if (!first)
		indent(out, depth);
	sb_addc(out, '}');
	for (size_t i = 0; i < n; i++)
		free(m[i].key);
	free(m);
	return p + 1;
}

/* Writes the value at p as json.dumps(indent=4, sort_keys=True) would;
 * returns the end of the value. */
static const char *pretty(struct strbuf *out, const char *p, int depth)
{
	if (*p == '{')
		return pretty_object(out, p, depth);
	if (*p != '[') {
		const char *end = skip_value(p);
		sb_add(out, p, (size_t)(end - p));
		return end;
	}
	sb_addc(out, '[');
	int n = 0;
	for (p++; *p != ']'; p += *p == ',') {
		sb_adds(out, n++ ? "," : "");
		indent(out, depth + 1);
		p = pretty(out, p, depth + 1);
	}
	if (n)
		indent(out, depth);
	sb_addc(out, ']');
	return p + 1;
}

/* ",\n<indent>"key": " of an object member (no comma before the first). */
static void member(struct strbuf *out, int *first, int depth, const char *key)
{
	sb_adds(out, *first ? "" : ",");
	*first = 0;
	indent(out, depth);
	inv_json_string(out, key, strlen(key));
	sb_adds(out, ": ");
}

static void close_object(struct strbuf *out, int first, int depth)
{
	if (!first)
		indent(out, depth);
	sb_addc(out, '}');
}

static const struct kv *sort_base;

static int by_var_key(const void *a, const void *b)
{
	return strcmp(sort_base[*(const size_t *)a].key, sort_base[*(const size_t *)b].key);
}

/* A host's variables as an object, keys sorted. */
static void host_vars_json(struct strbuf *out, const struct host *h, int depth)
{
	size_t *order = xcalloc(h->nvars ? h->nvars : 1, sizeof(size_t));
	int first = 1;

	for (size_t i = 0; i < h->nvars; i++)
		order[i] = i;
	sort_base = h->vars;
	qsort(order, h->nvars, sizeof(size_t), by_var_key);
	sb_addc(out, '{');
	for (size_t i = 0; i < h->nvars; i++) {
		member(out, &first, depth + 1, h->vars[order[i]].key);
		pretty(out, h->vars_json[order[i]], depth + 1);
	}
	close_object(out, first, depth);
	free(order);
}

static void name_list(struct strbuf *out, int *first, const char *key, const char *const *names,
		      size_t n)
{
	member(out, first, 2, key);
	sb_addc(out, '[');
	for (size_t i = 0; i < n; i++) {
		sb_adds(out, i ? "," : "");
		indent(out, 3);
		inv_json_string(out, names[i], strlen(names[i]));
	}
	indent(out, 2);
	sb_addc(out, ']');
}

/* "children" then "hosts" (sorted keys), each left out when empty. */
static void group_json(struct strbuf *out, const struct inventory *inv, size_t g)
{
	const struct inv_group *t = &inv->tree[g];
	const char **names = xcalloc(t->nhosts + t->nchildren + 1, sizeof(*names));
	int first = 1;

	sb_addc(out, '{');
	for (size_t i = 0; i < t->nchildren; i++)
		names[i] = inv->groups[t->children[i]];
	if (t->nchildren)
		name_list(out, &first, "children", names, t->nchildren);
	for (size_t i = 0; i < t->nhosts; i++)
		names[i] = inv->hosts[t->hosts[i]].name;
	if (t->nhosts)
		name_list(out, &first, "hosts", names, t->nhosts);
	close_object(out, first, 1);
	free(names);
}

/* Top-level members: "_meta" and the groups that have hosts or children,
 * in sorted order (a group "A" sorts before "_meta"). */
struct top {
	const char *name;
	long group;	/* -1 for _meta */
};

static int by_top_name(const void *a, const void *b)
{
	return strcmp(((const struct top *)a)->name, ((const struct top *)b)->name);
}

static int by_host_name(const void *a, const void *b)
{
	return strcmp(((const struct host *)*(const struct host *const *)a)->name,
		      ((const struct host *)*(const struct host *const *)b)->name);
}

/* "_meta": {"hostvars": {...}}, flushed to stdout host by host. */
static void meta_json(struct strbuf *out, const struct inventory *inv)
{
	const struct host **hosts = xcalloc(inv->nhosts ? inv->nhosts : 1, sizeof(*hosts));
	int first = 1;

	for (size_t i = 0; i < inv->nhosts; i++)
		hosts[i] = &inv->hosts[i];
	qsort(hosts, inv->nhosts, sizeof(*hosts), by_host_name);
	sb_adds(out, "{");
	indent(out, 2);
	sb_adds(out, "\"hostvars\": {");
	for (size_t i = 0; i < inv->nhosts; i++) {
		if (!hosts[i]->nvars)
			continue;
		member(out, &first, 3, hosts[i]->name);
		host_vars_json(out, hosts[i], 3);
		fputs(sb_str(out), stdout);
		sb_reset(out);
	}
	close_object(out, first, 2);
	indent(out, 1);
	sb_addc(out, '}');
	free(hosts);
}

/* ansible-inventory --list's layout: keys sorted, indent 4. Written piece
 * by piece: one JSON document of 100,000 hosts would be slow to re-read. */
static int print_list(const struct inventory *inv)
{
	struct strbuf out = STRBUF_INIT;
	struct top *top = xcalloc(inv->ngroups + 1, sizeof(*top));
	size_t n = 0;
	int first = 1;

	top[n++] = (struct top){ "_meta", -1 };
	for (size_t g = 0; g < inv->ngroups; g++)
		if (inv->tree[g].nhosts || inv->tree[g].nchildren)
			top[n++] = (struct top){ inv->groups[g], (long)g };
	qsort(top, n, sizeof(*top), by_top_name);
	sb_addc(&out, '{');
	for (size_t i = 0; i < n; i++) {
		member(&out, &first, 1, top[i].name);
		if (top[i].group < 0)
			meta_json(&out, inv);
		else
			group_json(&out, inv, (size_t)top[i].group);
	}
	close_object(&out, first, 0);
	puts(sb_str(&out));
	sb_free(&out);
	free(top);
	return EXIT_OK;
}

static long find_host(const struct inventory *inv, const char *name)
{
	long h = inventory_find(inv, name);
	if (h < 0)
		error("inventory: no host \"%s\" in %s", name, inv->path);
	return h;
}

static int print_host(const struct inventory *inv, const char *name)
{
	struct strbuf out = STRBUF_INIT;
	long h = find_host(inv, name);

	if (h < 0)
		return EXIT_FAIL;
	host_vars_json(&out, &inv->hosts[h], 0);
	puts(sb_str(&out));
	sb_free(&out);
	return EXIT_OK;
}

/* --- --graph ---------------------------------------------------------------- */

static void graph_line(struct strbuf *out, int depth, const char *prefix, const char *name,
		       const char *suffix)
{
	for (int i = 0; i < depth; i++)
		sb_adds(out, "  |");
	sb_addf(out, "%s%s%s%s\n", depth ? "--" : "", prefix, name, suffix);
}

static int graph_group(struct strbuf *out, const struct inventory *inv, size_t g, int depth,
		       long *lines)
{
	const struct inv_group *t = &inv->tree[g];

	*lines += 1 + (long)t->nhosts;
	if (*lines > MAX_GRAPH_LINES || depth > MAX_GRAPH_DEPTH) {
		error("inventory: the graph is over %d lines or %d levels deep", MAX_GRAPH_LINES,
		      MAX_GRAPH_DEPTH);
		return -1;
	}
	graph_line(out, depth, "@", inv->groups[g], ":");
	for (size_t i = 0; i < t->nchildren; i++)
		if (graph_group(out, inv, t->children[i], depth + 1, lines))
			return -1;
	for (size_t i = 0; i < t->nhosts; i++)
		graph_line(out, depth + 1, "", inv->hosts[t->hosts[i]].name, "");
	return 0;
}

static int print_graph(const struct inventory *inv, const char *group)
{
	struct strbuf out = STRBUF_INIT;
	long lines = 0;
	size_t g = 0;

	if (group) {
		for (g = 0; g < inv->ngroups && !streq(inv->groups[g], group); g++)
			;
		if (g == inv->ngroups) {
			error("inventory: no group \"%s\" in %s", group, inv->path);
			return EXIT_FAIL;
		}
	}
	int ret = graph_group(&out, inv, g, 0, &lines);
	if (!ret)
		fputs(sb_str(&out), stdout);
	sb_free(&out);
	return ret ? EXIT_FAIL : EXIT_OK;
}

/* --- --host NAME --resolved ----------------------------------------------- */

static int print_resolved(const struct inventory *inv, const char *name,
			  const struct target_opts *opts)
{
	struct strbuf err = STRBUF_INIT;
	struct ssh_target t;
	long i = find_host(inv, name);

	if (i < 0)
		return EXIT_FAIL;
	const struct host *h = &inv->hosts[i];
	struct target_hint hint = { h->name, h->address, h->port, h->user, h->key_file };
	memset(&t, 0, sizeof(t));
	if (ssh_target_resolve(&hint, opts, &t, &err)) {
		error("%s: %s", h->name, sb_str(&err));
		sb_free(&err);
		return EXIT_FAIL;
	}
	struct strbuf out = STRBUF_INIT;
	ssh_target_render(&t, &out);
	fputs(sb_str(&out), stdout);
	sb_free(&out);
	ssh_target_free(&t);
	sb_free(&err);
	return EXIT_OK;
}

static int inventory_main(const struct subcmd *self, int argc, char **argv)
{
	struct inv_args a = { 0 };
	struct inventory inv;
	struct strbuf err = STRBUF_INIT;
	int ret = parse_args(self, argc, argv, &a);

	if (ret)
		return ret;
	if (inventory_load(a.host.inventory, &inv, &err)) {
		error("%s", sb_str(&err));
		sb_free(&err);
		return EXIT_FAIL;
	}
	sb_free(&err);
	for (size_t i = 0; i < inv.nwarnings; i++)
		warning("%s", inv.warnings[i]);
	if (a.mode == MODE_LIST)
		ret = print_list(&inv);
	else if (a.mode == MODE_GRAPH)
		ret = print_graph(&inv, a.name);
	else if (a.resolved)
		ret = print_resolved(&inv, a.name, &a.host.target);
	else
		ret = print_host(&inv, a.name);
	inventory_free(&inv);
	return ret;
}

static const struct subcmd inventory_cmd = {
	"inventory", "[GROUP]", NULL, inventory_options, .fn = inventory_main,
};
const struct subcmd *const inventory_subcommands[] = { &inventory_cmd, NULL };
