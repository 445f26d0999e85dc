#include "util/strbuf.h"
#include "util/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

char sb_slopbuf[1];

void sb_init(struct strbuf *sb)
{
	sb->buf = sb_slopbuf;
	sb->len = sb->cap = 0;
}

void sb_free(struct strbuf *sb)
{
	if (sb->cap)
		free(sb->buf);
	sb_init(sb);
}

void sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->cap)
		sb->buf[0] = '\0';
}

static void sb_reserve(struct strbuf *sb, size_t extra)
{
	if (sb->len + extra + 1 < sb->len)
		die("string too large");
	if (!sb->cap)
		sb->buf = NULL;	/* never realloc the shared empty buffer */
	sb->buf = xgrow(sb->buf, &sb->cap, sb->len + extra + 1, 1);
}

void sb_add(struct strbuf *sb, const void *data, size_t n)
{
	sb_reserve(sb, n);
	memcpy(sb->buf + sb->len, data, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void sb_adds(struct strbuf *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

void sb_addc(struct strbuf *sb, char c)
{
	sb_add(sb, &c, 1);
}

void sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list again;
	sb_reserve(sb, 64);
	size_t room = sb->cap - sb->len;
	va_copy(again, ap);
	int n = vsnprintf(sb->buf + sb->len, room, fmt, ap);
	if (n < 0)
		die("bad format string");
	if ((size_t)n >= room) {
		/* Did not fit: grow to the exact size and format again. */
		sb_reserve(sb, (size_t)n);
		vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, again);
	}
	va_end(again);
	sb->len += (size_t)n;
}

void sb_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(sb, fmt, ap);
	va_end(ap);
}

int sb_read_stream(struct strbuf *sb, FILE *f, size_t max)
{
	size_t start = sb->len, n;
	char chunk[8192];
	int err = 0;
	errno = 0;
	while (!err && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (sb->len - start + n > max)
			err = EFBIG;
		else
			sb_add(sb, chunk, n);
	}
	if (!err && ferror(f))
		err = errno ? errno : EIO;
	/* The chunk may have held a secret's value. */
	explicit_bzero(chunk, sizeof(chunk));
	if (!err)
		return 0;
	sb->len = start;
	if (sb->cap)
		sb->buf[start] = '\0';
	errno = err;
	return -1;
}

int sb_read_file(struct strbuf *sb, const char *path, size_t max)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	int ret = sb_read_stream(sb, f, max);
	int saved = errno;
	fclose(f);
	errno = saved;
	return ret;
}

char *sb_detach(struct strbuf *sb)
{
	char *s = sb->cap ? sb->buf : xstrdup("");
	sb_init(sb);
	return s;
}

void sb_rtrim(struct strbuf *sb)
{
	while (sb->len && isspace((unsigned char)sb->buf[sb->len - 1]))
		sb->buf[--sb->len] = '\0';
}

const char *sb_str(const struct strbuf *sb)
{
	return sb->buf ? sb->buf : "";
}
