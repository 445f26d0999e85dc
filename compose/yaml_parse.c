/* libyaml events to ynode trees: anchors and aliases (copied, within a node
 * budget so that "billion laughs" fails fast), `<<` merge keys, the Compose
 * tags !reset and !override, a nesting limit, duplicate-key detection. */
#include "compose/ynode.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct frame {
	struct ynode *node;
	struct ynode *key;	/* mapping: key waiting for its value */
	char *anchor;
};

struct anchor {
	char *name;
	struct ynode *copy;	/* a private copy: the tree itself may change */
};

struct builder {
	const char *file;
	struct strbuf *err;
	struct frame stack[YNODE_MAX_DEPTH + 1];
	size_t depth;
	struct anchor *anchors;
	size_t nanchors, anchors_cap;
	size_t nodes;		/* budget used, aliases included */
	struct ynode *root;
};

static int fail_at(struct builder *b, yaml_mark_t mark, const char *fmt, const char *arg)
{
	sb_addf(b->err, "%s:%zu:%zu: ", b->file, mark.line + 1, mark.column + 1);
	sb_addf(b->err, fmt, arg);
	return -1;
}

/* Count nodes of n, stopping early once over limit. */
static size_t count_nodes(const struct ynode *n, size_t limit)
{
	size_t total = 1;
	for (size_t i = 0; n->kind == YN_SEQ && i < n->n && total <= limit; i++)
		total += count_nodes(n->items[i], limit - total);
	for (size_t i = 0; n->kind == YN_MAP && i < n->n && total <= limit; i++)
		total += 1 + count_nodes(n->pairs[i].val, limit - total);
	return total;
}

static int charge(struct builder *b, const struct ynode *n, yaml_mark_t mark)
{
	size_t left = YNODE_MAX_NODES - b->nodes;
	size_t need = count_nodes(n, left);
	if (need > left)
		return fail_at(b, mark, "document too large: more than %s nodes after expanding aliases",
			       "2000000");
	b->nodes += need;
	return 0;
}

static enum ytag parse_tag(const unsigned char *tag, enum yscalar *style)
{
	if (!tag)
		return YT_NONE;
	if (streq((const char *)tag, "!reset"))
		return YT_RESET;
	if (streq((const char *)tag, "!override"))
		return YT_OVERRIDE;
	if (streq((const char *)tag, "tag:yaml.org,2002:str"))
		*style = YS_QUOTED;
	else if (streq((const char *)tag, "tag:yaml.org,2002:null"))
		*style = YS_NULL;
	return YT_NONE;
}

static struct ynode *node_at(struct builder *b, enum ynode_kind kind, yaml_mark_t mark)
{
	struct ynode *n = yn_new(kind, NULL);
	n->file = b->file;
	n->line = (unsigned)mark.line + 1;
	n->col = (unsigned)mark.column + 1;
	return n;
}

static int add_anchor(struct builder *b, char *name, const struct ynode *n, yaml_mark_t mark)
{
	if (!name)
		return 0;
	GROW(b->anchors, b->anchors_cap, b->nanchors + 1);
	b->anchors[b->nanchors].name = name;
	b->anchors[b->nanchors].copy = yn_copy(n);
	b->nanchors++;
	return charge(b, n, mark);
}

static int check_key(struct builder *b, struct frame *f, struct ynode *key, yaml_mark_t mark)
{
	if (key->kind != YN_SCALAR) {
		yn_free(key);
		return fail_at(b, mark, "mapping keys must be %s", "strings");
	}
	f->key = key;
	return 0;
}

/* Attach a finished node to its parent (or make it the document root). */
static int attach(struct builder *b, struct ynode *n, yaml_mark_t mark)
{
	if (b->depth == 0) {
		b->root = n;
		return 0;
	}
	struct frame *f = &b->stack[b->depth - 1];
	if (f->node->kind == YN_SEQ) {
		yn_push(f->node, n);
		return 0;
	}
	if (!f->key)
		return check_key(b, f, n, mark);
	GROW(f->node->pairs, f->node->cap, f->node->n + 1);
	f->node->pairs[f->node->n].key = f->key;
	f->node->pairs[f->node->n].val = n;
	f->node->n++;
	f->key = NULL;
	return 0;
}

static char *dup_anchor(const yaml_char_t *a)
{
	return a ? xstrdup((const char *)a) : NULL;
}

static int on_scalar(struct builder *b, yaml_event_t *ev)
{
	struct ynode *n = node_at(b, YN_SCALAR, ev->start_mark);
	n->len = ev->data.scalar.length;
	n->str = xstrndup((const char *)ev->data.scalar.value, n->len);
	if (strlen(n->str) != n->len) {
		yn_free(n);
		return fail_at(b, ev->start_mark, "NUL byte in a %s", "string");
	}
	n->style = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? YS_PLAIN : YS_QUOTED;
	n->tag = parse_tag(ev->data.scalar.tag, &n->style);
	if (++b->nodes > YNODE_MAX_NODES) {
		yn_free(n);
		return fail_at(b, ev->start_mark, "document too large (more than %s nodes)", "2000000");
	}
	if (add_anchor(b, dup_anchor(ev->data.scalar.anchor), n, ev->start_mark) < 0) {
		yn_free(n);
		return -1;
	}
	return attach(b, n, ev->start_mark);
}

static int on_alias(struct builder *b, yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	for (size_t i = b->nanchors; i-- > 0;) {
		if (!streq(b->anchors[i].name, name))
			continue;
		if (charge(b, b->anchors[i].copy, ev->start_mark) < 0)
			return -1;
		struct ynode *n = yn_copy(b->anchors[i].copy);
		return attach(b, n, ev->start_mark);
	}
	return fail_at(b, ev->start_mark, "unknown anchor '%s'", name);
}

static int on_start(struct builder *b, yaml_event_t *ev, enum ynode_kind kind)
{
	if (b->depth >= YNODE_MAX_DEPTH)
		return fail_at(b, ev->start_mark, "nesting deeper than %s levels", "100");
	if (++b->nodes > YNODE_MAX_NODES)
		return fail_at(b, ev->start_mark, "document too large (more than %s nodes)", "2000000");
	struct ynode *n = node_at(b, kind, ev->start_mark);
	const yaml_char_t *tag = kind == YN_MAP ? ev->data.mapping_start.tag : ev->data.sequence_start.tag;
	const yaml_char_t *anchor = kind == YN_MAP ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
	n->tag = parse_tag(tag, &n->style);
	b->stack[b->depth].node = n;
	b->stack[b->depth].key = NULL;
	b->stack[b->depth].anchor = dup_anchor(anchor);
	b->depth++;
	return 0;
}

static bool is_merge_key(const struct ynode *k)
{
	return k->style == YS_PLAIN && streq(k->str, "<<");
}

/* Add the pairs of src that map does not define yet. */
static int merge_from(struct builder *b, struct ynode *map, const struct ynode *src, yaml_mark_t mark)
{
	if (src->kind != YN_MAP) {
		sb_addf(b->err, "%s:%u:%u: ", src->file, src->line, src->col);
		sb_adds(b->err, "merge key '<<' needs a mapping or a list of mappings");
		return -1;
	}
	size_t known = map->n;
	struct ykey *idx = yn_index(map);
	int rc = 0;
	for (size_t i = 0; i < src->n && rc == 0; i++) {
		if (yn_index_find(idx, known, src->pairs[i].key->str) >= 0)
			continue;
		if ((rc = charge(b, src->pairs[i].val, mark)) < 0)
			break;
		GROW(map->pairs, map->cap, map->n + 1);
		map->pairs[map->n].key = yn_copy(src->pairs[i].key);
		map->pairs[map->n].val = yn_copy(src->pairs[i].val);
		map->n++;
	}
	free(idx);
	return rc;
}

/* Explicit keys win over merged ones; in a list of merges the first wins. */
static int apply_merge_keys(struct builder *b, struct ynode *map, yaml_mark_t mark)
{
	struct ynode *merges = NULL;
	for (size_t i = 0; i < map->n; i++) {
		if (!is_merge_key(map->pairs[i].key))
			continue;
		if (merges) {
			yn_free(merges);
			return fail_at(b, mark, "more than one merge key '%s' in a mapping", "<<");
		}
		merges = map->pairs[i].val;
		map->pairs[i].val = NULL;
		yn_remove(map, i--);
	}
	if (!merges)
		return 0;
	int rc = 0;
	if (merges->kind == YN_SEQ) {
		for (size_t i = 0; i < merges->n && rc == 0; i++)
			rc = merge_from(b, map, merges->items[i], mark);
	} else {
		rc = merge_from(b, map, merges, mark);
	}
	yn_free(merges);
	return rc;
}

static int key_cmp(const void *a, const void *b)
{
	const struct ypair *const *x = a, *const *y = b;
	return strcmp((*x)->key->str, (*y)->key->str);
}

static int check_duplicates(struct builder *b, const struct ynode *map)
{
	if (map->n < 2)
		return 0;
	const struct ypair **sorted = xmalloc(map->n * sizeof(*sorted));
	for (size_t i = 0; i < map->n; i++)
		sorted[i] = &map->pairs[i];
	qsort(sorted, map->n, sizeof(*sorted), key_cmp);
	const struct ynode *dup = NULL;
	for (size_t i = 1; i < map->n && !dup; i++)
		if (streq(sorted[i]->key->str, sorted[i - 1]->key->str))
			dup = sorted[i]->key->line > sorted[i - 1]->key->line ? sorted[i]->key : sorted[i - 1]->key;
	free(sorted);
	if (!dup)
		return 0;
	sb_addf(b->err, "%s:%u:%u: mapping key \"%s\" already defined", dup->file, dup->line, dup->col, dup->str);
	return -1;
}

static int on_end(struct builder *b, yaml_event_t *ev)
{
	struct frame f = b->stack[--b->depth];
	int rc = 0;
	if (f.node->kind == YN_MAP) {
		rc = apply_merge_keys(b, f.node, ev->start_mark);
		if (rc == 0)
			rc = check_duplicates(b, f.node);
	}
	if (rc == 0)
		rc = add_anchor(b, f.anchor, f.node, ev->start_mark);
	else
		free(f.anchor);
	if (rc < 0) {
		yn_free(f.node);
		return -1;
	}
	return attach(b, f.node, ev->start_mark);
}

static int on_event(struct builder *b, yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return on_scalar(b, ev);
	case YAML_ALIAS_EVENT:
		return on_alias(b, ev);
	case YAML_SEQUENCE_START_EVENT:
		return on_start(b, ev, YN_SEQ);
	case YAML_MAPPING_START_EVENT:
		return on_start(b, ev, YN_MAP);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return on_end(b, ev);
	default:
		return 0;
	}
}

static void builder_reset(struct builder *b)
{
	while (b->depth > 0) {
		struct frame *f = &b->stack[--b->depth];
		yn_free(f->node);
		yn_free(f->key);
		free(f->anchor);
	}
	for (size_t i = 0; i < b->nanchors; i++) {
		free(b->anchors[i].name);
		yn_free(b->anchors[i].copy);
	}
	free(b->anchors);
	b->anchors = NULL;
	b->nanchors = b->anchors_cap = 0;
}

static int parser_error(struct builder *b, yaml_parser_t *p)
{
	sb_addf(b->err, "%s:%zu:%zu: invalid YAML: %s", b->file, p->problem_mark.line + 1,
		p->problem_mark.column + 1, p->problem ? p->problem : "syntax error");
	if (p->context)
		sb_addf(b->err, " %s at line %zu", p->context, p->context_mark.line + 1);
	return -1;
}

/* A document's root must be a mapping; an empty document is skipped. */
static int finish_doc(struct builder *b, struct ynode ***docs, size_t *ndocs, size_t *cap)
{
	struct ynode *root = b->root;
	b->root = NULL;
	builder_reset(b);	/* anchors do not cross documents */
	if (!root || yn_is_null(root)) {
		yn_free(root);
		return 0;
	}
	if (root->kind != YN_MAP) {
		sb_addf(b->err, "%s:%u:%u: the top level must be a mapping", root->file, root->line, root->col);
		yn_free(root);
		return -1;
	}
	GROW(*docs, *cap, *ndocs + 1);
	(*docs)[(*ndocs)++] = root;
	return 0;
}

int yaml_parse_docs(const char *file, const char *buf, size_t len,
		    struct ynode ***docs, size_t *ndocs, struct strbuf *err)
{
	struct builder b = { .file = file, .err = err };
	yaml_parser_t parser;
	size_t cap = 0;
	int rc = 0, done = 0;

	*docs = NULL;
	*ndocs = 0;
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (!done && rc == 0) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&parser, &ev)) {
			rc = parser_error(&b, &parser);
			break;
		}
		rc = on_event(&b, &ev);
		if (rc == 0 && ev.type == YAML_DOCUMENT_END_EVENT)
			rc = finish_doc(&b, docs, ndocs, &cap);
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	yn_free(b.root);
	builder_reset(&b);
	if (rc < 0) {
		for (size_t i = 0; i < *ndocs; i++)
			yn_free((*docs)[i]);
		free(*docs);
		*docs = NULL;
		*ndocs = 0;
	}
	return rc;
}
