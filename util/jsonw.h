/* Writing JSON: string literals, and re-emitting a value parsed with
 * util/json.h in compact canonical form (no whitespace, strings re-escaped),
 * so that equal values always give equal bytes (and equal hashes). */
#ifndef CSWARM_JSONW_H
#define CSWARM_JSONW_H

#include "util/json.h"
#include "util/strbuf.h"

/* Append s as a JSON string literal. */
void json_string(struct strbuf *out, const char *s);
/* Append "key":"value" (null for a NULL value) as a member of the object
 * being written, with the comma that separates it from a previous member
 * (none right after '{', '[' or ','). */
void json_member(struct strbuf *out, const char *key, const char *value);
/* Append the value at token tok of j in compact form; -1 if tok is not a
 * value of j or nests deeper than 256 levels (out is then partly written). */
int json_write_value(struct strbuf *out, const struct json *j, int tok);
/* Parse text and write it back compact; 0, or -1 with err filled. */
int json_canonical(const char *text, size_t len, struct strbuf *out, struct strbuf *err);

#endif
