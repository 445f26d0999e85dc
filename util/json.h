/* Reading JSON (docker's --format '{{json .}}' output) with jsmn.
 * Tokens are addressed by index; 0 is the root value. */
#ifndef CSWARM_JSON_H
#define CSWARM_JSON_H

#include "util/strbuf.h"

#include <stddef.h>

struct json {
	const char *text;
	size_t len;
	void *tokens;	/* jsmntok_t[], private to json.c */
	int ntokens;
};

enum json_kind { JSON_OTHER, JSON_OBJECT, JSON_ARRAY, JSON_STRING, JSON_PRIMITIVE };

/* Deeper documents are refused (recursive walkers stay within the stack). */
#define JSON_MAX_DEPTH 256

/* Parse text (not copied: it must outlive j): exactly one value, every
 * object member a key with its value, at most JSON_MAX_DEPTH deep, so that
 * json_size() and json_skip() can be trusted. 0 ok, -1 with err filled. */
int json_parse(struct json *j, const char *text, size_t len, struct strbuf *err);
void json_free(struct json *j);

enum json_kind json_kind(const struct json *j, int tok);
/* Number of elements (array) or members (object). */
int json_size(const struct json *j, int tok);
/* The token after tok and all it contains; for walking arrays. */
int json_skip(const struct json *j, int tok);
/* Value of key in object tok, or -1. */
int json_get(const struct json *j, int tok, const char *key);
/* Decoded string (escapes resolved) or primitive text; NULL if tok < 0. */
char *json_str(const struct json *j, int tok);
/* The token's text as it stands in the document (strings with their
 * quotes); *len gets its length. NULL if tok is out of range. */
const char *json_raw(const struct json *j, int tok, size_t *len);
/* Integer value of a primitive; -1 if absent or not an integer. */
int json_int(const struct json *j, int tok, long long *out);

#endif
