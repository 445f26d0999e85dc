/* Growable, always NUL-terminated byte buffer (after git's strbuf). */
#ifndef CSWARM_STRBUF_H
#define CSWARM_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *buf;	/* never NULL after sb_init; buf[len] == '\0' */
	size_t len;
	size_t cap;
};

#define STRBUF_INIT { 0 }

void sb_init(struct strbuf *sb);
void sb_free(struct strbuf *sb);
void sb_reset(struct strbuf *sb);
void sb_add(struct strbuf *sb, const void *data, size_t n);
void sb_adds(struct strbuf *sb, const char *s);
void sb_addc(struct strbuf *sb, char c);
void sb_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Take ownership of the buffer; sb is left empty. */
char *sb_detach(struct strbuf *sb);
/* Drop trailing whitespace. */
void sb_rtrim(struct strbuf *sb);
/* The buffer as a C string; "" for a never-used buffer. */
const char *sb_str(const struct strbuf *sb);

#endif
