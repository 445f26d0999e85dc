/* Variables: the process environment, then a .env file; ${...}
 * interpolation of scalar values exactly as the Compose spec describes. */
#ifndef CSWARM_COMPOSE_INTERP_H
#define CSWARM_COMPOSE_INTERP_H

#include "compose/lists.h"
#include "compose/ynode.h"

struct env {
	struct kvlist dotenv;
	struct strlist warned;	/* unset variables already reported */
	bool quiet;
	bool literal;		/* no interpolation (compose_opts.resolved) */
};

/* NULL when the variable is unset everywhere. */
const char *env_lookup(const struct env *e, const char *name);
void env_free(struct env *e);

/* Parse KEY=VALUE lines (comments, blank lines, `export`, quotes) into out.
 * file names the source in messages. */
int dotenv_parse(struct kvlist *out, const char *file, const char *buf, size_t len,
		 struct strbuf *err);
/* A service's env_file, as docker reads it (see compose/dotenv.c). */
int envfile_parse(struct kvlist *out, const char *file, const char *buf, size_t len,
		  const struct env *env, struct strbuf *err);
/* Read a small regular file; -1 with a message when missing or too big. */
int read_small_file(const char *path, size_t max, struct strbuf *out, struct strbuf *err);

/* Expand s (of the scalar at where) into out. */
int interpolate(struct env *e, const struct ynode *where, const char *path,
		const char *s, struct strbuf *out, struct strbuf *err);
/* Interpolate every scalar value (never a key) of the tree in place. */
int interpolate_tree(struct env *e, struct ynode *n, struct strbuf *path, struct strbuf *err);

#endif
