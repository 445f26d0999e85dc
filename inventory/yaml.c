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
#include "inventory/value.h"
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
	struct strbuf msg = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	sb_vaddf(&msg, fmt, ap);
	va_end(ap);
	ib_error(st->b, line_of(n), col_of(n), "%s", sb_str(&msg));
	sb_free(&msg);
	return -1;
}

struct pair {
	yaml_node_t *key, *value;
	int explicit;	/* written in this mapping, not merged in with "<<" */
};

struct pairs {
	struct pair *v;
	size_t n, cap;
	struct strmap index;	/* key -> position in v */
};

static void pairs_free(struct pairs *ps)
{
	free(ps->v);
	strmap_free(&ps->index);
}

static int is_merge_key(const yaml_node_t *k)
{
	const char *s = scalar(k);
	return s && streq(s, "<<") && k->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* Add one pair as a Python dict does: a key seen before keeps its place
 * and takes the new value. */
static int add_pair(struct yaml_state *st, struct pairs *ps, yaml_node_t *k, yaml_node_t *v,
		    int explicit, const char *where)
{
	const char *key = scalar(k);
	size_t i;

	if (!key)
		return node_error(st, k, "%s: keys must be plain strings", where);
	if (++st->b->work > INV_MAX_WORK)
		return node_error(st, k, "inventory too large (over %d host and group references)",
				  INV_MAX_WORK);
	i = strmap_get(&ps->index, key);
	if (i == (size_t)-1) {
		GROW(ps->v, ps->cap, ps->n + 1);
		ps->v[ps->n] = (struct pair){ k, v, explicit };
		strmap_put(&ps->index, key, ps->n++);
		return 0;
	}
	if (explicit && ps->v[i].explicit)
		ib_warn(st->b, line_of(k), col_of(k),
			"duplicate key \"%s\" in %s; the last value wins, as in Ansible", key, where);
	ps->v[i].value = v;
	ps->v[i].explicit |= explicit;
	return 0;
}

static int collect_pairs(struct yaml_state *st, yaml_node_t *map, struct pairs *ps, int explicit,
			 const char *where, int depth);

/* "<<: *base" or "<<: [*a, *b]": the merged mappings' pairs, earlier
 * mappings of a list winning over later ones (PyYAML's order). */
static int merge_pairs(struct yaml_state *st, yaml_node_t *v, struct pairs *ps, const char *where,
		       int depth)
{
	if (v->type == YAML_MAPPING_NODE)
		return collect_pairs(st, v, ps, 0, where, depth + 1);
	if (v->type != YAML_SEQUENCE_NODE)
		return node_error(st, v, "%s: \"<<\" must merge a mapping or a list of mappings", where);
	for (yaml_node_item_t *it = v->data.sequence.items.top; it > v->data.sequence.items.start;) {
		yaml_node_t *m = node(st, *--it);
		if (m->type != YAML_MAPPING_NODE)
			return node_error(st, m, "%s: \"<<\" must merge a mapping or a list of mappings", where);
		if (collect_pairs(st, m, ps, 0, where, depth + 1))
			return -1;
	}
	return 0;
}

/* Merged pairs first, then the mapping's own, which override them. */
static int collect_pairs(struct yaml_state *st, yaml_node_t *map, struct pairs *ps, int explicit,
			 const char *where, int depth)
{
	yaml_node_pair_t *p, *start = map->data.mapping.pairs.start, *top = map->data.mapping.pairs.top;

	if (depth > MAX_DEPTH)
		return node_error(st, map, "%s: merges (<<) nested too deeply", where);
	for (p = start; p < top; p++)
		if (is_merge_key(node(st, p->key)) && merge_pairs(st, node(st, p->value), ps, where, depth))
			return -1;
	for (p = start; p < top; p++)
		if (!is_merge_key(node(st, p->key)) &&
		    add_pair(st, ps, node(st, p->key), node(st, p->value), explicit, where))
			return -1;
	return 0;
}

/* The pairs of mapping map as Ansible's YAML loader makes its dict. */
static int map_pairs(struct yaml_state *st, yaml_node_t *map, const char *where, struct pairs *ps)
{
	memset(ps, 0, sizeof(*ps));
	return collect_pairs(st, map, ps, 1, where, 0);
}

static int is_vault(const yaml_node_t *n)
{
	return n->tag && streq((const char *)n->tag, "!vault");
}

/* An explicit !!int, !!float, !!bool or !!null: typed even when quoted.
 * (An explicit !!str cannot be told from no tag in libyaml's documents.) */
static int typed_tag(const yaml_node_t *n)
{
	static const char *const tags[] = { YAML_INT_TAG, YAML_FLOAT_TAG, YAML_BOOL_TAG, YAML_NULL_TAG };
	for (size_t i = 0; n->tag && i < ARRAY_SIZE(tags); i++)
		if (streq((const char *)n->tag, tags[i]))
			return 1;
	return 0;
}

/* n as Ansible's loader types it, as JSON. */
static int node_json(struct yaml_state *st, yaml_node_t *n, struct strbuf *out, int depth)
{
	struct pairs ps;
	int ret = 0;

	if (depth > MAX_DEPTH)
		return node_error(st, n, "value nested too deeply");
	if (++st->b->work > INV_MAX_WORK)
		return node_error(st, n, "inventory too large (over %d values)", INV_MAX_WORK);
	if (is_vault(n) && scalar(n)) {
		sb_adds(out, "{\"__ansible_vault\":");
		inv_json_string(out, scalar(n), n->data.scalar.length);
		sb_addc(out, '}');
	} else if (scalar(n) && (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE || typed_tag(n))) {
		inv_yaml_plain(scalar(n), out);
	} else if (scalar(n)) {
		inv_json_string(out, scalar(n), n->data.scalar.length);
	} else if (n->type == YAML_SEQUENCE_NODE) {
		sb_addc(out, '[');
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top && !ret; it++) {
			if (it > n->data.sequence.items.start)
				sb_addc(out, ',');
			ret = node_json(st, node(st, *it), out, depth + 1);
		}
		sb_addc(out, ']');
	} else if (n->type == YAML_MAPPING_NODE) {
		ret = map_pairs(st, n, "mapping", &ps);
		sb_addc(out, '{');
		for (size_t i = 0; i < ps.n && !ret; i++) {
			if (i)
				sb_addc(out, ',');
			inv_json_string(out, scalar(ps.v[i].key), ps.v[i].key->data.scalar.length);
			sb_addc(out, ':');
			ret = node_json(st, ps.v[i].value, out, depth + 1);
		}
		sb_addc(out, '}');
		pairs_free(&ps);
	}
	return ret;
}

/* cswarm_labels may be a mapping: flatten it to "k=v,k2=v2". */
static int labels_text(struct yaml_state *st, yaml_node_t *map, struct strbuf *out)
{
	struct pairs ps;
	int ret = map_pairs(st, map, "cswarm_labels", &ps);

	for (size_t i = 0; i < ps.n && !ret; i++) {
		const char *key = scalar(ps.v[i].key);
		yaml_node_t *v = ps.v[i].value;
		if (!scalar(v))
			ret = node_error(st, v, "cswarm_labels: value of \"%s\" must be a string", key);
		else if (strchr(key, ',') || strchr(key, '=') || strchr(scalar(v), ','))
			ret = node_error(st, v, "cswarm_labels: \"%s\" or its value contains ',' or '='", key);
		else
			sb_addf(out, "%s%s=%s", out->len ? "," : "", key, is_null(v) ? "" : scalar(v));
	}
	pairs_free(&ps);
	return ret;
}

/* One variable, typed. Vault-encrypted values are kept (as Ansible shows
 * them) unless cswarm would need them. */
static int set_var(struct yaml_state *st, struct ivars *vars, const char *key, yaml_node_t *v,
		   int origin)
{
	struct strbuf json = STRBUF_INIT, labels = STRBUF_INIT;
	int ret;

	if (is_vault(v) && inv_var_used(key))
		return node_error(st, v, "%s is Vault-encrypted; cswarm cannot decrypt it", key);
	ret = node_json(st, v, &json, 0);
	if (!ret && streq(key, "cswarm_labels") && v->type == YAML_MAPPING_NODE) {
		ret = labels_text(st, v, &labels);
		if (!ret)
			ret = ib_set_var(st->b, vars, key, sb_str(&labels), sb_str(&json), line_of(v),
					 col_of(v), origin);
	} else if (!ret) {
		ret = ib_set_json(st->b, vars, key, sb_str(&json), line_of(v), col_of(v), origin);
	}
	sb_free(&json);
	sb_free(&labels);
	return ret;
}

/* A vars mapping (group vars, or one host's vars); group is the group
 * whose vars these are, (size_t)-1 for a host or a vars file. */
static int parse_vars(struct yaml_state *st, yaml_node_t *map, struct ivars *vars, size_t group,
		      const char *where)
{
	struct pairs ps;
	int origin = ++st->b->next_origin, ret;

	if (!map || is_null(map))
		return 0;
	if (map->type != YAML_MAPPING_NODE)
		return node_error(st, map, "%s must be a mapping of variables", where);
	ret = map_pairs(st, map, where, &ps);
	for (size_t i = 0; i < ps.n && !ret; i++) {
		const char *key = scalar(ps.v[i].key);
		yaml_node_t *v = ps.v[i].value;
		if (group != (size_t)-1 && streq(key, "ansible_group_priority")) {
			struct strbuf json = STRBUF_INIT;
			ret = node_json(st, v, &json, 0);
			if (!ret)
				ret = ib_group_priority(st->b, group, sb_str(&json), line_of(v), col_of(v));
			sb_free(&json);
		} else {
			ret = set_var(st, vars, key, v, origin);
		}
	}
	pairs_free(&ps);
	return ret;
}

/* One key of a group's hosts: a name, a range, or either with ":port".
 * Its vars are read once, then given to every host of the range. */
static int add_hosts(struct yaml_state *st, size_t group, yaml_node_t *k, yaml_node_t *v)
{
	struct inv_build *b = st->b;
	struct ivars vars = { 0 };
	char **names = NULL, *pattern = xstrdup(scalar(k));
	char *where = xasprintf("vars of host \"%s\"", pattern);
	long n = -1, port;
	int origin = ++b->next_origin, ret;

	if (!*pattern)
		ret = node_error(st, k, "empty host name");
	else
		ret = ib_split_port(b, line_of(k), col_of(k), pattern, &port);
	if (!ret)
		ret = parse_vars(st, v, &vars, (size_t)-1, where);
	if (!ret)
		n = inv_expand_range(b, pattern, line_of(k), col_of(k), &names);
	for (long i = 0; i < n && !ret; i++) {
		size_t known = b->nhosts, h = ib_host(b, names[i], line_of(k));
		ret = ib_add_member(b, group, h, line_of(k));
		if (!ret && port >= 0 && h == known)	/* as Ansible: for a new host only */
			ret = ib_set_port(b, &b->hosts[h].vars, port, line_of(k), col_of(k));
		for (size_t j = 0; j < vars.n && !ret; j++) {
			const struct ivar *iv = &vars.v[j];
			ret = ib_set_var(b, &b->hosts[h].vars, iv->key, iv->value, iv->json, iv->line,
					 iv->col, origin);
		}
	}
	if (n >= 0)
		inv_free_names(names, n);
	ib_free_vars(&vars);
	free(pattern);
	free(where);
	return n < 0 ? -1 : ret;
}

/* The entries of a group's hosts or children: a mapping, or (as Ansible
 * allows) a single name. fn gets each key and its value (NULL for none). */
static int each_entry(struct yaml_state *st, size_t group, yaml_node_t *map, const char *what,
		      int (*fn)(struct yaml_state *, size_t, yaml_node_t *, yaml_node_t *, int),
		      int depth)
{
	struct pairs ps;
	const char *name = group == (size_t)-1 ? "all" : st->b->groups[group].name;
	char *where;
	int ret;

	if (is_null(map))
		return 0;
	if (scalar(map))
		return fn(st, group, map, NULL, depth);
	if (map->type != YAML_MAPPING_NODE)
		return node_error(st, map, "%s of group \"%s\" must be a mapping", what, name);
	where = xasprintf("%s of group \"%s\"", what, name);
	ret = map_pairs(st, map, where, &ps);
	free(where);
	for (size_t i = 0; i < ps.n && !ret; i++)
		ret = fn(st, group, ps.v[i].key, ps.v[i].value, depth);
	pairs_free(&ps);
	return ret;
}

static int host_entry(struct yaml_state *st, size_t group, yaml_node_t *k, yaml_node_t *v, int depth)
{
	(void)depth;
	return add_hosts(st, group, k, v);
}

static int parse_group(struct yaml_state *st, yaml_node_t *k, yaml_node_t *body, size_t parent,
		       int depth);

static int group_entry(struct yaml_state *st, size_t group, yaml_node_t *k, yaml_node_t *v, int depth)
{
	return parse_group(st, k, v, group, depth + 1);
}

static int parse_group_key(struct yaml_state *st, size_t g, const char *key, yaml_node_t *v,
			   int depth)
{
	struct inv_build *b = st->b;
	if (streq(key, "hosts"))
		return each_entry(st, g, v, "hosts", host_entry, depth);
	if (streq(key, "children"))
		return each_entry(st, g, v, "children", group_entry, depth);
	if (streq(key, "vars")) {
		char *where = xasprintf("vars of group \"%s\"", b->groups[g].name);
		int ret = parse_vars(st, v, &b->groups[g].vars, g, where);
		free(where);
		return ret;
	}
	return -2;
}

/* "name: {hosts: ..., vars: ..., children: ...}"; parent (size_t)-1 for a
 * top-level group; body NULL for none. */
static int parse_group(struct yaml_state *st, yaml_node_t *k, yaml_node_t *body, size_t parent,
		       int depth)
{
	struct inv_build *b = st->b;
	struct pairs ps;
	const char *name = scalar(k);
	char *where;
	int ret;

	if (depth > MAX_DEPTH)
		return node_error(st, k, "groups nested too deeply at \"%s\"", name);
	if (!*name || strpbrk(name, " \t[]:"))
		return node_error(st, k, "bad group name \"%s\"", name);
	size_t g = ib_group(b, name, line_of(k));
	b->groups[g].defined = 1;
	if (parent != (size_t)-1 && ib_add_child(b, parent, g, line_of(k)))
		return -1;
	if (!body || is_null(body))
		return 0;
	if (body->type != YAML_MAPPING_NODE)
		return node_error(st, body, "group \"%s\" must be a mapping with hosts, vars or children",
				  name);
	where = xasprintf("group \"%s\"", name);
	ret = map_pairs(st, body, where, &ps);
	free(where);
	for (size_t i = 0; i < ps.n && !ret; i++) {
		const char *key = scalar(ps.v[i].key);
		if ((ret = parse_group_key(st, g, key, ps.v[i].value, depth)) == -2)
			ret = node_error(st, ps.v[i].key,
					 "unexpected key \"%s\" in group \"%s\" (expected hosts, vars or children)",
					 key, name);
	}
	pairs_free(&ps);
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
	return each_entry(st, (size_t)-1, root, "children", group_entry, -1);
}

int inv_parse_yaml(struct inv_build *b, const char *data, size_t len)
{
	return with_document(b, data, len, inventory_root, NULL);
}

static int vars_root(struct yaml_state *st, yaml_node_t *root, void *vars)
{
	return parse_vars(st, root, vars, (size_t)-1, "vars file");
}

int inv_parse_vars_file(struct inv_build *b, const char *data, size_t len, struct ivars *vars)
{
	return with_document(b, data, len, vars_root, vars);
}
