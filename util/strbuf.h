/* Growable, always NUL-terminated byte buffer (after git's strbuf). */
#ifndef CSWARM_STRBUF_H
#define CSWARM_STRBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* The contract (git's): buf is never NULL and buf[len] == '\0'. A new
 * buffer points at the shared empty sb_slopbuf with cap 0 and allocates on
 * the first add; sb_free returns it to that state, so a freed buffer can be
 * used again. Appending never fails (allocation failure dies). For errors:
 * a function that fails appends one line, without a trailing newline or
 * period, to the caller's err buffer and returns -1; the caller adds context
 * in front ("h2: ...") and reports it once. */
struct strbuf {
	char *buf;
	size_t len;
	size_t cap;	/* 0: buf is sb_slopbuf, nothing allocated */
};

extern char sb_slopbuf[1];
#define STRBUF_INIT { sb_slopbuf, 0, 0 }

void sb_init(struct strbuf *sb);
void sb_free(struct strbuf *sb);
void sb_reset(struct strbuf *sb);
void sb_add(struct strbuf *sb, const void *data, size_t n);
void sb_adds(struct strbuf *sb, const char *s);
void sb_addc(struct strbuf *sb, char c);
void sb_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Append the file's contents, at most max bytes: -1 with errno set when it
 * cannot be opened or read, or EFBIG when it is larger (curl's dynbuf cap);
 * on failure sb is left as it was. */
int sb_read_file(struct strbuf *sb, const char *path, size_t max);
/* The same for what is left of an open stream (stdin, an fdopen'ed fd);
 * the caller closes it. The one capped read loop. */
int sb_read_stream(struct strbuf *sb, FILE *f, size_t max);
/* Take ownership of the buffer; sb is left empty. */
char *sb_detach(struct strbuf *sb);
/* Drop trailing whitespace. */
void sb_rtrim(struct strbuf *sb);
/* The buffer as a C string; "" for a never-used buffer. */
const char *sb_str(const struct strbuf *sb);

#endif
