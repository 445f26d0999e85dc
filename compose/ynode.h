/* The YAML document tree the loader works on between parsing and typed
 * conversion. Every node remembers where it came from so that errors found
 * late (after merging several files) still point at the right line. */
#ifndef CSWARM_COMPOSE_YNODE_H
#define CSWARM_COMPOSE_YNODE_H

#include "util/strbuf.h"

#include <stdbool.h>
#include <stddef.h>

enum ynode_kind { YN_SCALAR, YN_SEQ, YN_MAP };

/* What a scalar means once written out (serializer only; parsed scalars are
 * YS_PLAIN or YS_QUOTED and are typed by the schema). */
enum yscalar { YS_PLAIN, YS_QUOTED, YS_STR, YS_NUM, YS_BOOL, YS_NULL };

enum ytag { YT_NONE, YT_RESET, YT_OVERRIDE };

struct ynode;

struct ypair {
	struct ynode *key, *val;
};

struct ynode {
	enum ynode_kind kind;
	enum yscalar style;
	enum ytag tag;
	const char *file;	/* owned by the loader, outlives the tree */
	unsigned line, col;	/* 1-based */
	char *str;		/* scalar text, NUL-terminated */
	size_t len;
	struct ynode **items;	/* sequence */
	struct ypair *pairs;	/* mapping */
	size_t n, cap;
};

/* Limits that keep hostile input from exhausting memory or the stack. */
#define YNODE_MAX_DEPTH 100
#define YNODE_MAX_NODES 2000000

struct ynode *yn_new(enum ynode_kind kind, const struct ynode *where);
struct ynode *yn_scalar(const char *s, enum yscalar style);
struct ynode *yn_copy(const struct ynode *n);
void yn_free(struct ynode *n);
void yn_push(struct ynode *seq, struct ynode *item);
void yn_set(struct ynode *map, const char *key, struct ynode *val);
/* Append without looking for key: for maps built with unique keys. */
void yn_append(struct ynode *map, const char *key, struct ynode *val);
struct ynode *yn_get(const struct ynode *map, const char *key);
/* Index of key in map, or -1. */
long yn_find(const struct ynode *map, const char *key);
void yn_remove(struct ynode *map, size_t i);
bool yn_is_null(const struct ynode *n);

/* A sorted index of a mapping's keys, so that merging two big mappings is
 * O(n log n) rather than quadratic. */
struct ykey {
	const char *key;
	size_t pos;
};
struct ykey *yn_index(const struct ynode *map);
/* Position of key in the map indexed (n entries), or -1. */
long yn_index_find(const struct ykey *idx, size_t n, const char *key);
void yn_sort(struct ynode *n);
/* "file:line:col: " for messages. */
void yn_where(struct strbuf *sb, const struct ynode *n);

/* Parse every document of a YAML buffer. Returns 0 and the documents (one
 * mapping each, NULL for empty ones), or -1 with a located message. */
int yaml_parse_docs(const char *file, const char *buf, size_t len,
		    struct ynode ***docs, size_t *ndocs, struct strbuf *err);

/* Writers (compose/emit.c). */
void yn_write_json(const struct ynode *n, struct strbuf *out);
void yn_write_yaml(const struct ynode *n, struct strbuf *out);

#endif
