#include "util/jsonw.h"

#include <string.h>
#include "util/util.h"

#include <stdlib.h>

void json_string(struct strbuf *out, const char *s)
{
	sb_addc(out, '"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			sb_addf(out, "\\%c", ch);
		else if (ch == '\n')
			sb_adds(out, "\\n");
		else if (ch == '\t')
			sb_adds(out, "\\t");
		else if (ch < 0x20)
			sb_addf(out, "\\u%04x", ch);
		else
			sb_addc(out, (char)ch);
	}
	sb_addc(out, '"');
}

/* Write the string or primitive at tok; returns the next token. */
static int write_scalar(struct strbuf *out, const struct json *j, int tok)
{
	char *s = json_str(j, tok);
	if (json_kind(j, tok) == JSON_STRING)
		json_string(out, s);
	else
		sb_adds(out, s);
	free(s);
	return tok + 1;
}

/* Write the value at tok; returns the token after it, or -1. */
static int write_at(struct strbuf *out, const struct json *j, int tok, int depth)
{
	enum json_kind kind = json_kind(j, tok);
	int n = json_size(j, tok), next = tok + 1;

	if (kind == JSON_STRING || kind == JSON_PRIMITIVE)
		return write_scalar(out, j, tok);
	if ((kind != JSON_OBJECT && kind != JSON_ARRAY) || depth >= JSON_MAX_DEPTH)
		return -1;
	sb_addc(out, kind == JSON_OBJECT ? '{' : '[');
	for (int m = 0; m < n; m++) {
		if (m)
			sb_addc(out, ',');
		if (kind == JSON_OBJECT) {
			if (json_kind(j, next) != JSON_STRING)
				return -1;
			next = write_scalar(out, j, next);
			sb_addc(out, ':');
		}
		next = write_at(out, j, next, depth + 1);
		if (next < 0)
			return -1;
	}
	sb_addc(out, kind == JSON_OBJECT ? '}' : ']');
	return next;
}

int json_write_value(struct strbuf *out, const struct json *j, int tok)
{
	return write_at(out, j, tok, 0) < 0 ? -1 : 0;
}

int json_canonical(const char *text, size_t len, struct strbuf *out, struct strbuf *err)
{
	struct json j;
	if (json_parse(&j, text, len, err) != 0)
		return -1;
	int ret = 0;
	if (json_skip(&j, 0) != j.ntokens) {
		sb_adds(err, "more than one JSON value");
		ret = -1;
	} else if (json_write_value(out, &j, 0) != 0) {
		sb_adds(err, "malformed or too deeply nested JSON value");
		ret = -1;
	}
	json_free(&j);
	return ret;
}

void json_member(struct strbuf *out, const char *key, const char *value)
{
	size_t n = out->len;
	while (n && (out->buf[n - 1] == ' ' || out->buf[n - 1] == '\n'))
		n--;
	if (n && !strchr("{[,", out->buf[n - 1]))
		sb_addc(out, ',');
	json_string(out, key);
	sb_addc(out, ':');
	if (value)
		json_string(out, value);
	else
		sb_adds(out, "null");
}
