/* Aligned text tables, as `docker ps` prints them. */
#ifndef CSWARM_TABLE_H
#define CSWARM_TABLE_H

#include <stdio.h>
#include <stddef.h>

struct table {
	size_t ncols;
	char **cells;	/* row-major, ncols per row; row 0 is the header */
	size_t nrows;
	size_t cap;
};

/* Header given as ncols strings. */
void table_init(struct table *t, size_t ncols, const char *const *header);
/* Append a row of ncols cells (copied; NULL prints as "-"). */
void table_row(struct table *t, const char *const *cells);
void table_print(const struct table *t, FILE *out);
void table_free(struct table *t);

struct strbuf;
/* A listing's end: print json (as_json) or the table to out, free both. */
void table_emit(struct table *t, struct strbuf *json, int as_json, FILE *out);

#endif
