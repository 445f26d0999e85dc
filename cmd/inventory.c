/* cswarm inventory: the inventory as cswarm reads it, in ansible-inventory's
 * forms (--list JSON, --host JSON, --graph tree), so users can check what
 * cswarm will do and scripts written for ansible-inventory keep working;
 * and --host NAME --resolved: what cswarm connects with, in `ssh -G` form. */
#include "cmd/cmd.h"
#include "cmd/common.h"
#include "inventory/value.h"
#include "util/util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --graph of a DAG repeats shared subtrees: bound the output. */
#define MAX_GRAPH_LINES 1000000

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

static int parse_args(int argc, char **argv, struct inv_args *a)
{
	static const struct option longopts[] = {
		{ "list", no_argument, NULL, 'L' },
		{ "host", required_argument, NULL, 'H' },
		{ "graph", no_argument, NULL, 'G' },
		{ "resolved", no_argument, NULL, 'R' },
		HOST_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int opt, r;

	host_opts_init(&a->host);
	optind = 1;
	while ((opt = getopt_long(argc, argv, HOST_SHORTOPTS, longopts, NULL)) != -1) {
		if (opt == 'L' || opt == 'G' || opt == 'H') {
			if (set_mode(a, opt == 'L' ? MODE_LIST : opt == 'G' ? MODE_GRAPH : MODE_HOST))
				return EXIT_USAGE;
			if (opt == 'H')
				a->name = optarg;
		} else if (opt == 'R') {
			a->resolved = 1;
		} else if ((r = host_opt(&a->host, opt, optarg)) != 1) {
			return r < 0 ? EXIT_USAGE :
				usage_error("usage: cswarm inventory -i FILE --list | --host NAME [--resolved] | --graph [GROUP]");
		}
	}
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

struct member {
	char *key;
	int tok;
	size_t pos;
};

static int by_key(const void *pa, const void *pb)
{
	const struct member *a = pa, *b = pb;
	int c = strcmp(a->key, b->key);
	return c ? c : a->pos < b->pos ? -1 : 1;
}

static void indent(struct strbuf *out, int depth)
{
	sb_addc(out, '\n');
	for (int i = 0; i < depth * 4; i++)
		sb_addc(out, ' ');
}

static int pretty(struct strbuf *out, const struct json *j, int tok, int depth);

/* Members sorted by key; of repeated keys the last one, as Python's dict. */
static int pretty_object(struct strbuf *out, const struct json *j, int tok, int depth)
{
	int n = json_size(j, tok), next = tok + 1, first = 1;
	struct member *m = xcalloc(n ? (size_t)n : 1, sizeof(*m));

	for (int i = 0; i < n; i++) {
		m[i] = (struct member){ json_str(j, next), next + 1, (size_t)i };
		next = json_skip(j, next + 1);
	}
	qsort(m, (size_t)n, sizeof(*m), by_key);
	sb_addc(out, '{');
	for (int i = 0; i < n; i++) {
		if (i + 1 < n && streq(m[i].key, m[i + 1].key))
			continue;
		sb_adds(out, first ? "" : ",");
		first = 0;
		indent(out, depth + 1);
		inv_json_string(out, m[i].key, strlen(m[i].key));
		sb_adds(out, ": ");
		pretty(out, j, m[i].tok, depth + 1);
	}
	if (!first)
		indent(out, depth);
	sb_addc(out, '}');
	for (int i = 0; i < n; i++)
		free(m[i].key);
	free(m);
	return next;
}

/* Writes the value at tok; returns the token after it. */
static int pretty(struct strbuf *out, const struct json *j, int tok, int depth)
{
	enum json_kind kind = json_kind(j, tok);
	int n = json_size(j, tok), next = tok + 1;
	size_t len;

	if (kind == JSON_OBJECT)
		return pretty_object(out, j, tok, depth);
	if (kind != JSON_ARRAY) {
		const char *raw = json_raw(j, tok, &len);
		sb_add(out, raw, len);
		return next;
	}
	sb_addc(out, '[');
	for (int i = 0; i < n; i++) {
		sb_adds(out, i ? "," : "");
		indent(out, depth + 1);
		next = pretty(out, j, next, depth + 1);
	}
	if (n)
		indent(out, depth);
	sb_addc(out, ']');
	return next;
}

static int print_pretty(const struct strbuf *compact)
{
	struct json j;
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	int ret = EXIT_OK;

	if (json_parse(&j, sb_str(compact), compact->len, &err)) {
		error("inventory: cannot print the variables as JSON: %s", sb_str(&err));
		ret = EXIT_FAIL;
	} else {
		pretty(&out, &j, 0, 0);
		json_free(&j);
		puts(sb_str(&out));
	}
	sb_free(&err);
	sb_free(&out);
	return ret;
}

/* --- --list, --host --------------------------------------------------------- */

static void host_vars_json(struct strbuf *out, const struct host *h)
{
	sb_addc(out, '{');
	for (size_t i = 0; i < h->nvars; i++) {
		sb_adds(out, i ? "," : "");
		json_string(out, h->vars[i].key);
		sb_addc(out, ':');
		sb_adds(out, h->vars_json[i]);
	}
	sb_addc(out, '}');
}

static void name_list(struct strbuf *out, const char *key, char *const *names, const size_t *idx,
		      size_t n, const struct host *hosts)
{
	json_string(out, key);
	sb_adds(out, ":[");
	for (size_t i = 0; i < n; i++) {
		sb_adds(out, i ? "," : "");
		json_string(out, hosts ? hosts[idx[i]].name : names[idx[i]]);
	}
	sb_addc(out, ']');
}

/* A group with hosts or children, as ,"name":{...}; empty ones are left
 * out, as ansible-inventory does. */
static void group_json(struct strbuf *out, const struct inventory *inv, size_t g)
{
	const struct inv_group *t = &inv->tree[g];
	if (!t->nhosts && !t->nchildren)
		return;
	sb_addc(out, ',');
	json_string(out, inv->groups[g]);
	sb_adds(out, ":{");
	if (t->nchildren)
		name_list(out, "children", inv->groups, t->children, t->nchildren, NULL);
	if (t->nchildren && t->nhosts)
		sb_addc(out, ',');
	if (t->nhosts)
		name_list(out, "hosts", NULL, t->hosts, t->nhosts, inv->hosts);
	sb_addc(out, '}');
}

static int print_list(const struct inventory *inv)
{
	struct strbuf out = STRBUF_INIT;
	int ret;

	sb_adds(&out, "{\"_meta\":{\"hostvars\":{");
	for (size_t i = 0, n = 0; i < inv->nhosts; i++) {
		if (!inv->hosts[i].nvars)
			continue;
		sb_adds(&out, n++ ? "," : "");
		json_string(&out, inv->hosts[i].name);
		sb_addc(&out, ':');
		host_vars_json(&out, &inv->hosts[i]);
	}
	sb_adds(&out, "}}");
	for (size_t g = 0; g < inv->ngroups; g++)
		group_json(&out, inv, g);
	sb_addc(&out, '}');
	ret = print_pretty(&out);
	sb_free(&out);
	return ret;
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
	int ret;

	if (h < 0)
		return EXIT_FAIL;
	host_vars_json(&out, &inv->hosts[h]);
	ret = print_pretty(&out);
	sb_free(&out);
	return ret;
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
	if (*lines > MAX_GRAPH_LINES) {
		error("inventory: the graph is over %d lines (groups shared by many parents)",
		      MAX_GRAPH_LINES);
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

/* A ProxyJump chain as ssh -G prints it: the first hop first. */
static void jump_chain(struct strbuf *out, const struct ssh_target *t)
{
	if (t->jump)
		jump_chain(out, t->jump);
	sb_adds(out, out->len ? "," : "");
	if (t->user)
		sb_addf(out, "%s@", t->user);
	sb_addf(out, strchr(t->address, ':') ? "[%s]" : "%s", t->address);
	if (t->port && t->port != 22)
		sb_addf(out, ":%d", t->port);
}

static const char *strict_name(enum ssh_strict s)
{
	return s == SSH_STRICT_ACCEPT_NEW ? "accept-new" : s == SSH_STRICT_NO ? "false" : "true";
}

static void print_target(const struct ssh_target *t)
{
	printf("hostname %s\nport %d\n", t->address, t->port ? t->port : 22);
	if (t->user)
		printf("user %s\n", t->user);
	for (size_t i = 0; i < t->nidentities; i++)
		printf("identityfile %s\n", t->identities[i]);
	if (t->jump) {
		struct strbuf chain = STRBUF_INIT;
		jump_chain(&chain, t->jump);
		printf("proxyjump %s\n", sb_str(&chain));
		sb_free(&chain);
	}
	printf("userknownhostsfile");
	for (size_t i = 0; i < t->nknown_hosts; i++)
		printf(" %s", t->known_hosts[i]);
	printf("\nstricthostkeychecking %s\n", strict_name(t->strict));
	if (t->connect_timeout_ms > 0)
		printf("connecttimeout %ld\n", (t->connect_timeout_ms + 999) / 1000);
	else
		printf("connecttimeout none\n");
}

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
	print_target(&t);
	ssh_target_free(&t);
	sb_free(&err);
	return EXIT_OK;
}

int cmd_inventory(int argc, char **argv)
{
	struct inv_args a = { 0 };
	struct inventory inv;
	struct strbuf err = STRBUF_INIT;
	int ret = parse_args(argc, argv, &a);

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
