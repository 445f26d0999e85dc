#include "util/json.h"
#include "util/jsmn_config.h"
#include "util/util.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define TOK(j, i) (&((jsmntok_t *)(j)->tokens)[i])

/* Where the value at tok ends (the next token's index), or -1 when the
 * tree is not what JSON allows: jsmn accepts a key without its value
 * ({"a" "b"} is an object of two members), so every member must be a key
 * with its one value (size 1) and every other string or primitive have no
 * children. Checked once here so that walkers can trust sizes. */
static int check_value(const jsmntok_t *t, int n, int tok, int depth)
{
	if (tok >= n || depth > JSON_MAX_DEPTH)
		return -1;
	int next = tok + 1;
	switch (t[tok].type) {
	case JSMN_STRING:
	case JSMN_PRIMITIVE:
		return t[tok].size == 0 ? next : -1;
	case JSMN_OBJECT:
	case JSMN_ARRAY:
		for (int m = 0; m < t[tok].size && next >= 0; m++) {
			if (t[tok].type == JSMN_OBJECT) {
				if (next >= n || t[next].type != JSMN_STRING || t[next].size != 1)
					return -1;
				next++;
			}
			next = check_value(t, n, next, depth + 1);
		}
		return next;
	default:
		return -1;
	}
}

static const char *parse_error(int n)
{
	return n == 0 ? "empty JSON document" :
	       n == JSMN_ERROR_PART ? "truncated JSON" : "invalid JSON";
}

/* One pass: tokens start at a guess from the length and double when jsmn
 * runs out (it resumes where it stopped). */
int json_parse(struct json *j, const char *text, size_t len, struct strbuf *err)
{
	jsmn_parser p;
	memset(j, 0, sizeof(*j));
	if (len > INT_MAX / 2) {
		sb_adds(err, "JSON document too large");
		return -1;
	}
	j->text = text;
	j->len = len;
	jsmn_init(&p);
	size_t cap = len / 8 + 16;
	jsmntok_t *tokens = xcalloc(cap, sizeof(*tokens));
	int n;
	while ((n = jsmn_parse(&p, text, len, tokens, (unsigned)cap)) == JSMN_ERROR_NOMEM) {
		tokens = xrealloc(tokens, 2 * cap * sizeof(*tokens));
		cap *= 2;
	}
	if (n <= 0) {
		sb_adds(err, parse_error(n));
		free(tokens);
		return -1;
	}
	j->tokens = tokens;
	j->ntokens = n;
	int end = check_value(j->tokens, n, 0, 0);
	if (end != n) {
		sb_adds(err, end < 0 ? "invalid JSON (a key without a value, or nested deeper than 256)" :
			"more than one JSON value");
		json_free(j);
		return -1;
	}
	return 0;
}

void json_free(struct json *j)
{
	free(j->tokens);
	j->tokens = NULL;
	j->ntokens = 0;
}

static int valid(const struct json *j, int tok)
{
	return tok >= 0 && tok < j->ntokens;
}

enum json_kind json_kind(const struct json *j, int tok)
{
	if (!valid(j, tok))
		return JSON_OTHER;
	switch (TOK(j, tok)->type) {
	case JSMN_OBJECT: return JSON_OBJECT;
	case JSMN_ARRAY: return JSON_ARRAY;
	case JSMN_STRING: return JSON_STRING;
	case JSMN_PRIMITIVE: return JSON_PRIMITIVE;
	default: return JSON_OTHER;
	}
}

int json_size(const struct json *j, int tok)
{
	return valid(j, tok) ? TOK(j, tok)->size : 0;
}

int json_skip(const struct json *j, int tok)
{
	/* Children follow their parent: walk until past the parent's end. */
	if (!valid(j, tok))
		return j->ntokens;
	int end = TOK(j, tok)->end;
	int i = tok + 1;
	while (i < j->ntokens && TOK(j, i)->start < end)
		i++;
	return i;
}

static int key_is(const struct json *j, int tok, const char *key)
{
	const jsmntok_t *t = TOK(j, tok);
	size_t n = (size_t)(t->end - t->start);
	return t->type == JSMN_STRING && strlen(key) == n && !memcmp(j->text + t->start, key, n);
}

int json_get(const struct json *j, int tok, const char *key)
{
	if (json_kind(j, tok) != JSON_OBJECT)
		return -1;
	int members = TOK(j, tok)->size;
	int i = tok + 1;
	for (int m = 0; m < members && i + 1 < j->ntokens; m++) {
		if (key_is(j, i, key))
			return i + 1;
		i = json_skip(j, i + 1);
	}
	return -1;
}

static int hex4(const char *s, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		v <<= 4;
		if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
		else return -1;
	}
	*out = v;
	return 0;
}

static void utf8(struct strbuf *sb, unsigned cp)
{
	if (cp < 0x80) {
		sb_addc(sb, (char)cp);
	} else if (cp < 0x800) {
		sb_addc(sb, (char)(0xC0 | (cp >> 6)));
		sb_addc(sb, (char)(0x80 | (cp & 0x3F)));
	} else if (cp < 0x10000) {
		sb_addc(sb, (char)(0xE0 | (cp >> 12)));
		sb_addc(sb, (char)(0x80 | ((cp >> 6) & 0x3F)));
		sb_addc(sb, (char)(0x80 | (cp & 0x3F)));
	} else {
		sb_addc(sb, (char)(0xF0 | (cp >> 18)));
		sb_addc(sb, (char)(0x80 | ((cp >> 12) & 0x3F)));
		sb_addc(sb, (char)(0x80 | ((cp >> 6) & 0x3F)));
		sb_addc(sb, (char)(0x80 | (cp & 0x3F)));
	}
}

/* Decode one \u escape (with a following low surrogate if needed); returns
 * characters consumed after the backslash-u, or -1. */
static int unicode_escape(const char *s, const char *end, struct strbuf *sb)
{
	unsigned cp, lo;
	if (end - s < 4 || hex4(s, &cp) < 0)
		return -1;
	if (cp >= 0xD800 && cp < 0xDC00 && end - s >= 10 && s[4] == '\\' && s[5] == 'u' &&
	    hex4(s + 6, &lo) == 0 && lo >= 0xDC00 && lo < 0xE000) {
		utf8(sb, 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00));
		return 10;
	}
	utf8(sb, cp >= 0xD800 && cp < 0xE000 ? 0xFFFD : cp);
	return 4;
}

char *json_str(const struct json *j, int tok)
{
	if (!valid(j, tok))
		return NULL;
	const jsmntok_t *t = TOK(j, tok);
	const char *s = j->text + t->start, *end = j->text + t->end;
	struct strbuf sb = STRBUF_INIT;
	sb_init(&sb);
	if (t->type != JSMN_STRING) {
		sb_add(&sb, s, (size_t)(end - s));
		return sb_detach(&sb);
	}
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	while (s < end) {
		if (*s != '\\' || s + 1 >= end) {
			sb_addc(&sb, *s++);
			continue;
		}
		const char *e = strchr(from, s[1]);
		if (s[1] == 'u') {
			int used = unicode_escape(s + 2, end, &sb);
			s += used < 0 ? 2 : 2 + used;
		} else {
			sb_addc(&sb, e && *e ? to[e - from] : s[1]);
			s += 2;
		}
	}
	return sb_detach(&sb);
}

const char *json_raw(const struct json *j, int tok, size_t *len)
{
	if (!valid(j, tok))
		return NULL;
	const jsmntok_t *t = TOK(j, tok);
	int quoted = t->type == JSMN_STRING;
	*len = (size_t)(t->end - t->start) + (quoted ? 2 : 0);
	return j->text + t->start - quoted;
}

int json_int(const struct json *j, int tok, long long *out)
{
	if (json_kind(j, tok) != JSON_PRIMITIVE)
		return -1;
	const jsmntok_t *t = TOK(j, tok);
	char buf[32];
	size_t n = (size_t)(t->end - t->start);
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, j->text + t->start, n);
	buf[n] = '\0';
	char *endp;
	errno = 0;
	long long v = strtoll(buf, &endp, 10);
	if (errno || *endp)
		return -1;
	*out = v;
	return 0;
}
