#include "util/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static _Noreturn void oom(size_t n)
{
	fprintf(stderr, "cswarm: out of memory allocating %zu bytes\n", n);
	exit(EXIT_FAIL);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		oom(nmemb * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		oom(strlen(fmt));
	va_end(ap);
	return s;
}

void *xgrow(void *p, size_t *cap, size_t n, size_t elem)
{
	if (n <= *cap)
		return p;
	size_t want = *cap ? *cap : 8;
	while (want < n) {
		if (want > SIZE_MAX / 2)
			oom(SIZE_MAX);
		want *= 2;
	}
	if (want > SIZE_MAX / elem)
		oom(SIZE_MAX);
	p = xrealloc(p, want * elem);
	*cap = want;
	return p;
}

static void vreport(const char *prefix, const char *fmt, va_list ap)
{
	fprintf(stderr, "cswarm: %s", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("error: ", fmt, ap);
	va_end(ap);
	return -1;
}

void warning(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("warning: ", fmt, ap);
	va_end(ap);
}

void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("fatal: ", fmt, ap);
	va_end(ap);
	exit(EXIT_FAIL);
}

int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("usage: ", fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

int streq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

/* One row of the matrix, kept as the previous row is overwritten. */
size_t edit_distance(const char *a, const char *b)
{
	size_t n = strlen(b), *row = xcalloc(n + 1, sizeof(*row));
	for (size_t j = 0; j <= n; j++)
		row[j] = j;
	for (size_t i = 1; a[i - 1]; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= n; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	size_t d = row[n];
	free(row);
	return d;
}

int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

long long parse_duration_ms(const char *s)
{
	static const struct { const char *unit; double ms; } units[] = {
		{ "ns", 1e-6 }, { "us", 1e-3 }, { "ms", 1 }, { "s", 1000 },
		{ "m", 60000 }, { "h", 3600000 },
	};
	double total = 0;
	int parts = 0;

	if (!s || !*s)
		return -1;
	while (*s) {
		char *end;
		if (!isdigit((unsigned char)*s) && *s != '.')
			return -1;
		errno = 0;
		double v = strtod(s, &end);
		if (errno || end == s)
			return -1;
		s = end;
		size_t ulen = 0;
		while (isalpha((unsigned char)s[ulen]))
			ulen++;
		if (ulen == 0) {
			/* A bare number is seconds, but only on its own. */
			if (parts || *s)
				return -1;
			return (long long)(v * 1000);
		}
		size_t i;
		for (i = 0; i < ARRAY_SIZE(units); i++)
			if (strlen(units[i].unit) == ulen && !strncmp(s, units[i].unit, ulen))
				break;
		if (i == ARRAY_SIZE(units))
			return -1;
		total += v * units[i].ms;
		if (total > 1e15)
			return -1;
		s += ulen;
		parts++;
	}
	return (long long)total;
}

/* CSWARM_TRACE set: "cswarm: trace: MS PHASE" on stderr, MS counted from
 * the first call (the process's first phase). */
void trace_phase(const char *phase)
{
	static struct timespec start;
	if (!getenv("CSWARM_TRACE"))
		return;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!start.tv_sec && !start.tv_nsec)
		start = now;
	long ms = (long)(now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
	fprintf(stderr, "cswarm: trace: %6ld ms %s\n", ms, phase);
}
