/* Ansible's YAML inventory format:
 *
 *   all:
 *     vars: { ansible_user: deploy }
 *     children:
 *       managers:
 *         hosts:
 *           m1: { ansible_host: 10.0.0.1 }
 *       workers:
 *         hosts:
 *           w[01:03].example.com:
 *             cswarm_labels: { zone: a }
 *
 * Read through libyaml's document API, which keeps line and column of every
 * node. Aliases may make the tree a DAG (or worse), so walking it is bounded
 * by depth and by the builder's work budget. */
#include "inventory/build.h"
#include "util/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define MAX_DEPTH 64

struct yaml_state {
	struct inv_build *b;
	yaml_document_t doc;
};

static int line_of(const yaml_node_t *n)
{
	return (int)n->start_mark.line + 1;
}

static int col_of(const yaml_node_t *n)
{
	return (int)n->start_mark.column + 1;
}

static yaml_node_t *node(struct yaml_state *st, int id)
{
	return yaml_document_get_node(&st->doc, id);
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* An empty value ("hosts:" with nothing after it) or an explicit null. */
static int is_null(const yaml_node_t *n)
{
	const char *s = scalar(n);
	if (!s || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	return !*s || streq(s, "~") || streq(s, "null") || streq(s, "Null") || streq(s, "NULL");
}

static int node_error(struct yaml_state *st, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int node_error(struct yaml_state *st, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	ib_error(st->b, line_of(n), col_of(n), "%s", msg);
	free(msg);
	return -1;
}

/* A scalar key of a mapping pair, with duplicate keys rejected. libyaml
 * does not check them; a strmap keeps big host lists linear. */
static const char *pair_key(struct yaml_state *st, yaml_node_pair_t *pair, struct strmap *seen,
			    const char *where)
{
	yaml_node_t *k = node(st, pair->key);
	const char *key = scalar(k);
	if (!key) {
		node_error(st, k, "%s: keys must be plain strings", where);
		return NULL;
	}
	if (strmap_get(seen, key) != (size_t)-1) {
		node_error(st, k, "duplicate key \"%s\" in %s", key, where);
		return NULL;
	}
	strmap_put(seen, key, 0);
	return key;
}

/* cswarm_labels may be a mapping: flatten it to "k=v,k2=v2". */
static int labels_text(struct yaml_state *st, yaml_node_t *map, struct strbuf *out)
{
	struct strmap seen = STRMAP_INIT;
	int ret = 0;

	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top && !ret; p++) {
		const char *key = pair_key(st, p, &seen, "cswarm_labels");
		yaml_node_t *v = node(st, p->value);
		if (!key)
			ret = -1;
		else if (!scalar(v))
			ret = node_error(st, v, "cswarm_labels: value of \"%s\" must be a string", key);
		else if (strchr(key, ',') || strchr(key, '=') || strchr(scalar(v), ','))
			ret = node_error(st, v, "cswarm_labels: \"%s\" or its value contains ',' or '='", key);
		else
			sb_addf(out, "%s%s=%s", out->len ? "," : "", key, is_null(v) ? "" : scalar(v));
	}
	strmap_free(&seen);
	return ret;
}

static int is_vault(const yaml_node_t *n)
{
	return n->tag && streq((const char *)n->tag, "!vault");
}

/* One variable. Lists and other mappings are not used by cswarm and are
 * skipped (Ansible roles may well have them), and so are Vault-encrypted
 * values, unless cswarm would need them. */
static int set_var(struct yaml_state *st, struct ivars *vars, const char *key, yaml_node_t *v,
		   int origin)
{
	struct strbuf text = STRBUF_INIT;
	int ret = 0;

	if (is_vault(v) && inv_var_used(key))
		ret = node_error(st, v, "%s is Vault-encrypted; cswarm cannot decrypt it", key);
	else if (is_vault(v))
		goto out;
	else if (scalar(v))
		sb_adds(&text, is_null(v) ? "" : scalar(v));
	else if (streq(key, "cswarm_labels") && v->type == YAML_MAPPING_NODE)
		ret = labels_text(st, v, &text);
	else
		goto out;
	if (!ret)
		ret = ib_set_var(st->b, vars, key, sb_str(&text), line_of(v), col_of(v), origin);
out:
	sb_free(&text);
	return ret;
}

/* A vars mapping (group vars, or one host's vars). */
static int parse_vars(struct yaml_state *st, yaml_node_t *map, struct ivars *vars, const char *where)
{
	struct strmap seen = STRMAP_INIT;
	int origin = ++st->b->next_origin, ret = 0;

	if (is_null(map))
		return 0;
	if (map->type != YAML_MAPPING_NODE)
		return node_error(st, map, "%s must be a mapping of variables", where);
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top && !ret; p++) {
		const char *key = pair_key(st, p, &seen, where);
		ret = key ? set_var(st, vars, key, node(st, p->value), origin) : -1;
	}
	strmap_free(&seen);
	return ret;
}

static int add_hosts(struct yaml_state *st, size_t group, yaml_node_t *k, yaml_node_t *v)
{
	struct inv_build *b = st->b;
	char **names = NULL;
	long n;
	int ret = 0;

	if (!*scalar(k))
		return node_error(st, k, "empty host name");
	n = inv_expand_range(b, scalar(k), line_of(k), col_of(k), &names);
	for (long i = 0; i < n && !ret; i++) {
		size_t h = ib_host(b, names[i], line_of(k));
		char *where = xasprintf("vars of host \"%s\"", names[i]);
		ret = ib_add_member(b, group, h, line_of(k));
		if (!ret)
			ret = parse_vars(st, v, &b->hosts[h].vars, where);
		free(where);
	}
	if (n < 0)
		return -1;
	inv_free_names(names, n);
	return ret;
}

static int parse_hosts(struct yaml_state *st, size_t group, yaml_node_t *map)
{
	struct strmap seen = STRMAP_INIT;
	int ret = 0;

	if (is_null(map))
		return 0;
	if (map->type != YAML_MAPPING_NODE)
		return node_error(st, map, "hosts of group \"%s\" must be a mapping (host: vars)",
				  st->b->groups[group].name);
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top && !ret; p++) {
		const char *name = pair_key(st, p, &seen, "hosts");
		ret = name ? add_hosts(st, group, node(st, p->key), node(st, p->value)) : -1;
	}
	strmap_free(&seen);
	return ret;
}

static int parse_group(struct yaml_state *st, yaml_node_t *k, yaml_node_t *body, size_t parent,
		       int depth);

static int parse_children(struct yaml_state *st, size_t group, yaml_node_t *map, int depth)
{
	struct strmap seen = STRMAP_INIT;
	int ret = 0;

	if (is_null(map))
		return 0;
	if (map->type != YAML_MAPPING_NODE)
		return node_error(st, map, "children of group \"%s\" must be a mapping of groups",
				  group == (size_t)-1 ? "all" : st->b->groups[group].name);
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top && !ret; p++) {
		ret = pair_key(st, p, &seen, "children") ?
			parse_group(st, node(st, p->key), node(st, p->value), group, depth + 1) : -1;
	}
	strmap_free(&seen);
	return ret;
}

static int parse_group_key(struct yaml_state *st, size_t g, const char *key, yaml_node_t *v,
			   int depth)
{
	struct inv_build *b = st->b;
	if (streq(key, "hosts"))
		return parse_hosts(st, g, v);
	if (streq(key, "children"))
		return parse_children(st, g, v, depth);
	if (streq(key, "vars")) {
		char *where = xasprintf("vars of group \"%s\"", b->groups[g].name);
		int ret = parse_vars(st, v, &b->groups[g].vars, where);
		free(where);
		return ret;
	}
	return -2;
}

/* "name: {hosts: ..., vars: ..., children: ...}"; parent (size_t)-1 for a
 * top-level group. */
static int parse_group(struct yaml_state *st, yaml_node_t *k, yaml_node_t *body, size_t parent,
		       int depth)
{
	struct inv_build *b = st->b;
	struct strmap seen = STRMAP_INIT;
	const char *name = scalar(k);
	int ret = 0;

	if (depth > MAX_DEPTH)
		return node_error(st, k, "groups nested too deeply at \"%s\"", name);
	if (!*name || strpbrk(name, " \t[]:"))
		return node_error(st, k, "bad group name \"%s\"", name);
	size_t g = ib_group(b, name, line_of(k));
	b->groups[g].defined = 1;
	if (parent != (size_t)-1 && ib_add_child(b, parent, g, line_of(k)))
		return -1;
	if (is_null(body))
		return 0;
	if (body->type != YAML_MAPPING_NODE)
		return node_error(st, body, "group \"%s\" must be a mapping with hosts, vars or children",
				  name);
	for (yaml_node_pair_t *p = body->data.mapping.pairs.start;
	     p < body->data.mapping.pairs.top && !ret; p++) {
		char *where = xasprintf("group \"%s\"", name);
		const char *key = pair_key(st, p, &seen, where);
		free(where);
		if (!key)
			ret = -1;
		else if ((ret = parse_group_key(st, g, key, node(st, p->value), depth)) == -2)
			ret = node_error(st, node(st, p->key),
					 "unexpected key \"%s\" in group \"%s\" (expected hosts, vars or children)",
					 key, name);
	}
	strmap_free(&seen);
	return ret;
}

static int load_error(struct yaml_state *st, yaml_parser_t *p)
{
	int line = (int)p->problem_mark.line + 1, col = (int)p->problem_mark.column + 1;
	if (p->context)
		return ib_error(st->b, line, col, "bad YAML: %s %s", p->problem ? p->problem : "error",
				p->context);
	return ib_error(st->b, line, col, "bad YAML: %s", p->problem ? p->problem : "error");
}

/* Only one YAML document: a second one would be silently ignored. */
static int check_single_document(struct yaml_state *st, yaml_parser_t *parser)
{
	yaml_document_t next;
	int ret = 0;

	if (!yaml_parser_load(parser, &next))
		return load_error(st, parser);
	yaml_node_t *root = yaml_document_get_root_node(&next);
	if (root)
		ret = ib_error(st->b, line_of(root), col_of(root),
			       "more than one YAML document in the inventory");
	yaml_document_delete(&next);
	return ret;
}

/* Load the single document of data and hand its root (never NULL, maybe a
 * null scalar) to fn. */
static int with_document(struct inv_build *b, const char *data, size_t len,
			 int (*fn)(struct yaml_state *, yaml_node_t *, void *), void *ctx)
{
	struct yaml_state st = { .b = b };
	yaml_parser_t parser;
	int ret = 0;

	if (!yaml_parser_initialize(&parser))
		die("out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	if (!yaml_parser_load(&parser, &st.doc)) {
		ret = load_error(&st, &parser);
		yaml_parser_delete(&parser);
		return ret;
	}
	yaml_node_t *root = yaml_document_get_root_node(&st.doc);
	if (root) {
		ret = fn(&st, root, ctx);
		if (!ret)
			ret = check_single_document(&st, &parser);
	}
	yaml_document_delete(&st.doc);
	yaml_parser_delete(&parser);
	return ret;
}

static int inventory_root(struct yaml_state *st, yaml_node_t *root, void *ctx)
{
	(void)ctx;
	if (is_null(root))
		return 0;
	if (root->type != YAML_MAPPING_NODE)
		return node_error(st, root, "inventory must be a mapping of groups (e.g. all:)");
	/* "plugin: aws_ec2" configures an Ansible inventory plugin. */
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(st, p->key);
		if (scalar(k) && streq(scalar(k), "plugin"))
			return node_error(st, k, "Ansible inventory plugins are not supported; "
				"export the hosts with ansible-inventory -i FILE --list --yaml");
	}
	return parse_children(st, (size_t)-1, root, 0);
}

int inv_parse_yaml(struct inv_build *b, const char *data, size_t len)
{
	return with_document(b, data, len, inventory_root, NULL);
}

static int vars_root(struct yaml_state *st, yaml_node_t *root, void *vars)
{
	return parse_vars(st, root, vars, "vars file");
}

int inv_parse_vars_file(struct inv_build *b, const char *data, size_t len, struct ivars *vars)
{
	return with_document(b, data, len, vars_root, vars);
}
