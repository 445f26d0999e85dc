/* Inventory values typed as Ansible types them, kept as compact JSON text:
 * INI values go through Python's ast.literal_eval (so "5" is an int and
 * "'a' 'b'" the string ab), YAML plain scalars through YAML 1.1's implicit
 * types (PyYAML's resolver: 010 is 8, yes is true, 1.5e3 a string). */
#ifndef CSWARM_INVENTORY_VALUE_H
#define CSWARM_INVENTORY_VALUE_H

#include "util/strbuf.h"

/* Deepest list/dict nesting accepted in an INI literal. */
#define INV_MAX_LITERAL_DEPTH 64

/* 1 and the value as JSON in json when text is a Python literal that
 * ast.literal_eval accepts (str, bytes, int, float, bool, None, list,
 * tuple, dict); 0 when it is not (Ansible then keeps the text as a
 * string), json then unchanged. */
int inv_pyliteral(const char *text, struct strbuf *json);
/* A YAML plain (unquoted) scalar as YAML 1.1 types it: null, bool, int,
 * float or string. Timestamps stay strings. */
void inv_yaml_plain(const char *text, struct strbuf *json);
/* Append s (len bytes, may hold NULs) as a JSON string literal. */
void inv_json_string(struct strbuf *out, const char *s, size_t len);
/* The text cswarm uses for a JSON value: a string decoded, null empty,
 * anything else as written. Never NULL. */
char *inv_json_text(const char *json);

#endif
