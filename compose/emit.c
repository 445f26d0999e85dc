/* Writers for output trees: JSON by hand (jsmn only parses), YAML through
 * libyaml's emitter. Mapping keys are written in the order they are in:
 * callers sort first (yn_sort) for canonical output. */
#include "compose/schema.h"
#include "compose/ynode.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

static void json_string(struct strbuf *out, const char *s)
{
	sb_addc(out, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			sb_addf(out, "\\%c", *p);
		else if (*p == '\n')
			sb_adds(out, "\\n");
		else if (*p == '\t')
			sb_adds(out, "\\t");
		else if (*p == '\r')
			sb_adds(out, "\\r");
		else if (*p < 0x20 || *p == 0x7f)
			sb_addf(out, "\\u%04x", *p);
		else
			sb_addc(out, (char)*p);
	}
	sb_addc(out, '"');
}

static void indent(struct strbuf *out, int depth)
{
	sb_addc(out, '\n');
	for (int i = 0; i < depth; i++)
		sb_adds(out, "  ");
}

static void json_node(const struct ynode *n, struct strbuf *out, int depth)
{
	if (n->kind == YN_SCALAR) {
		if (n->style == YS_NUM || n->style == YS_BOOL)
			sb_adds(out, n->str);
		else if (n->style == YS_NULL)
			sb_adds(out, "null");
		else
			json_string(out, n->str);
		return;
	}
	bool map = n->kind == YN_MAP;
	sb_addc(out, map ? '{' : '[');
	for (size_t i = 0; i < n->n; i++) {
		sb_adds(out, i ? "," : "");
		indent(out, depth + 1);
		if (map) {
			json_string(out, n->pairs[i].key->str);
			sb_adds(out, ": ");
		}
		json_node(map ? n->pairs[i].val : n->items[i], out, depth + 1);
	}
	if (n->n)
		indent(out, depth);
	sb_addc(out, map ? '}' : ']');
}

void yn_write_json(const struct ynode *n, struct strbuf *out)
{
	json_node(n, out, 0);
	sb_addc(out, '\n');
}

/* Would a plain scalar s be read back as something other than a string? */
static bool needs_quotes(const char *s)
{
	bool b;
	char *end;
	if (!*s || parse_bool_word(s, &b) == 0 || streq(s, "~") || !strcasecmp(s, "null") ||
	    streq(s, "<<") || strchr(s, '\n'))
		return true;
	strtod(s, &end);
	if (!*end)
		return true;
	return (s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) || strchr(s, ':') != NULL;
}

static int write_handler(void *data, unsigned char *buf, size_t size)
{
	sb_add(data, buf, size);
	return 1;
}

static void emit(yaml_emitter_t *e, yaml_event_t *ev)
{
	if (!yaml_emitter_emit(e, ev))
		die("yaml emitter: %s", e->problem ? e->problem : "failed");
}

/* Values are written as a stack file would hold them: a literal $ is $$,
 * so that the output loads again to the same stack. Keys are never
 * interpolated and are written as they are. */
static void yaml_scalar(yaml_emitter_t *e, const struct ynode *n, bool is_value)
{
	yaml_event_t ev;
	struct strbuf esc = STRBUF_INIT;
	const char *s = n->style == YS_NULL ? "null" : n->str;
	yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;
	bool string = n->style == YS_STR || n->style == YS_QUOTED || n->style == YS_PLAIN;
	if (string && needs_quotes(s))
		style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	if (string && is_value && strchr(s, '$')) {
		for (const char *p = s; *p; p++) {
			if (*p == '$')
				sb_addc(&esc, '$');
			sb_addc(&esc, *p);
		}
		s = esc.buf;
	}
	yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), 1, 1, style);
	emit(e, &ev);
	sb_free(&esc);
}

static void yaml_node(yaml_emitter_t *e, const struct ynode *n)
{
	yaml_event_t ev;
	if (n->kind == YN_SCALAR) {
		yaml_scalar(e, n, true);
		return;
	}
	if (n->kind == YN_MAP) {
		yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
		emit(e, &ev);
		for (size_t i = 0; i < n->n; i++) {
			yaml_scalar(e, n->pairs[i].key, false);
			yaml_node(e, n->pairs[i].val);
		}
		yaml_mapping_end_event_initialize(&ev);
	} else {
		yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
		emit(e, &ev);
		for (size_t i = 0; i < n->n; i++)
			yaml_node(e, n->items[i]);
		yaml_sequence_end_event_initialize(&ev);
	}
	emit(e, &ev);
}

void yn_write_yaml(const struct ynode *n, struct strbuf *out)
{
	yaml_emitter_t e;
	yaml_event_t ev;
	yaml_emitter_initialize(&e);
	yaml_emitter_set_output(&e, write_handler, out);
	yaml_emitter_set_unicode(&e, 1);
	yaml_emitter_set_width(&e, -1);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	emit(&e, &ev);
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	emit(&e, &ev);
	yaml_node(&e, n);
	yaml_document_end_event_initialize(&ev, 1);
	emit(&e, &ev);
	yaml_stream_end_event_initialize(&ev);
	emit(&e, &ev);
	yaml_emitter_delete(&e);
}
