/* Typed conversion of the merged tree into struct stack: a field table per
 * object, generic converters for scalars, and errors that carry
 * file:line:col and the key path. */
#ifndef CSWARM_COMPOSE_SCHEMA_H
#define CSWARM_COMPOSE_SCHEMA_H

#include "compose/compose.h"
#include "compose/interp.h"
#include "compose/lists.h"
#include "compose/ynode.h"

#include <stddef.h>

struct ctx {
	struct strbuf *err;
	struct strbuf path;	/* "services.web.deploy" */
	struct env *env;
	const char *workdir;	/* relative paths resolve against it */
	struct strlist ignored;	/* ignored keys already warned about */
	bool quiet;
};

typedef int (*conv_fn)(struct ctx *c, const struct ynode *n, void *dst);

struct field {
	const char *key;
	conv_fn fn;
	size_t off;
};

#define FIELD(key, fn, type, member) { key, fn, offsetof(type, member) }
/* A key the model has no place for: fn gets dst == the object itself. */
#define KEY(key, fn) { key, fn, 0 }

/* Returns -1 after writing "file:line:col: path: message" to c->err. */
int c_fail(struct ctx *c, const struct ynode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void c_warn(struct ctx *c, const struct ynode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Path segments: push returns the mark to pop back to. */
size_t c_push(struct ctx *c, const char *key);
size_t c_push_index(struct ctx *c, size_t i);
void c_pop(struct ctx *c, size_t mark);

/* Convert a mapping through a table; x- keys are skipped, unknown keys are
 * errors with a suggestion. A null node is an empty object. */
int conv_object(struct ctx *c, const struct ynode *n, const struct field *table,
		size_t ntable, void *obj);
#define CONV_OBJECT(c, n, table, obj) conv_object(c, n, table, ARRAY_SIZE(table), obj)

/* Scalar text of n, or -1 (with "expected <what>") when n is not a scalar. */
int c_scalar(struct ctx *c, const struct ynode *n, const char *what, const char **out);
int c_enum(struct ctx *c, const struct ynode *n, const char *const *allowed, char **dst);
/* The same check into an enum (dst points at one, of int's size: every
 * enum of the model has no negative value): the index of n's word in
 * words[0..nwords) (NULL entries are never allowed). */
int c_word(struct ctx *c, const struct ynode *n, const char *const *words, size_t nwords, void *dst);

/* Generic converters; dst points at the typed member. */
int conv_str(struct ctx *c, const struct ynode *n, void *dst);		/* char * */
int conv_bool(struct ctx *c, const struct ynode *n, void *dst);		/* bool */
int conv_uint(struct ctx *c, const struct ynode *n, void *dst);		/* uint64_t */
int conv_int(struct ctx *c, const struct ynode *n, void *dst);		/* int64_t */
int conv_duration(struct ctx *c, const struct ynode *n, void *dst);	/* long long ms */
int conv_bytes(struct ctx *c, const struct ynode *n, void *dst);	/* uint64_t */
int conv_cpus(struct ctx *c, const struct ynode *n, void *dst);		/* int64_t nano */
int conv_ratio(struct ctx *c, const struct ynode *n, void *dst);	/* double 0..1 */
int conv_strings(struct ctx *c, const struct ynode *n, void *dst);	/* strlist: string or list */
int conv_words(struct ctx *c, const struct ynode *n, void *dst);	/* strlist: shell words or list */
int conv_kvlist(struct ctx *c, const struct ynode *n, void *dst);	/* kvlist: map or ["k=v"] */
/* The same, keeping a key without value as NULL (environment: unset). */
int conv_kvlist_raw(struct ctx *c, const struct ynode *n, void *dst);
/* Accepted and ignored, with a warning (once per key name). */
int conv_ignored(struct ctx *c, const struct ynode *n, void *dst);
/* Handled elsewhere (after the table pass). */
int conv_later(struct ctx *c, const struct ynode *n, void *dst);

int parse_bool_word(const char *s, bool *out);
int parse_uint_text(const char *s, uint64_t max, uint64_t *out);
int shell_split(const char *s, struct strlist *out);
/* Absolute, ~-expanded path resolved against the working dir. */
char *resolve_path(const struct ctx *c, const char *p);
/* Closest key in table within edit distance 2, or NULL. */
const char *did_you_mean(const char *key, const struct field *table, size_t ntable);

/* Converters for composite parts (service.c, deploy.c, mounts.c). */
int conv_service(struct ctx *c, const char *name, const struct ynode *n, struct service *svc);
int conv_deploy(struct ctx *c, const struct ynode *n, void *dst);
int conv_ports(struct ctx *c, const struct ynode *n, void *dst);
int conv_volumes(struct ctx *c, const struct ynode *n, void *dst);
int conv_secrets(struct ctx *c, const struct ynode *n, void *dst);
int conv_configs(struct ctx *c, const struct ynode *n, void *dst);
int conv_toplevel(struct ctx *c, const struct ynode *root, const char *name, struct stack *st);
int stack_validate(struct ctx *c, const struct ynode *root, struct stack *st);

#endif
