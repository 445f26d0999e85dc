/* Quoting for POSIX sh. Everything from a stack file, inventory or the
 * network reaches a remote shell only through these. */
#ifndef CSWARM_SHELL_H
#define CSWARM_SHELL_H

#include "util/strbuf.h"

/* Append s as one single-quoted sh word ('it'\''s'). */
void sh_quote(struct strbuf *out, const char *s);
/* Append " " then the quoted word: for building argument lists. */
void sh_arg(struct strbuf *out, const char *s);

#endif
