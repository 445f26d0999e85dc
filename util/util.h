/* Small shared helpers: error reporting and checked allocation.
 *
 * Allocation failure is not recoverable for a command-line tool that holds a
 * few megabytes at most, so the x* allocators report and exit (as git does);
 * every other error is returned to the caller with context. */
#ifndef CSWARM_UTIL_H
#define CSWARM_UTIL_H

#include <stddef.h>
#include <stdarg.h>

/* Exit codes (documented in man/cswarm.1). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_UNREACHABLE = 3,	/* some hosts could not be reached */
	EXIT_LOCKED = 4,	/* the leader lock is held by another run */
	EXIT_LOCK_LOST = 5,	/* the run lost the lock, or another run wrote the
				 * state meanwhile: it stopped changing hosts */
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Grow *p (of *cap elements of size elem) to hold at least n elements. */
void *xgrow(void *p, size_t *cap, size_t n, size_t elem);
#define GROW(arr, cap, n) ((arr) = xgrow((arr), &(cap), (n), sizeof(*(arr))))

/* Print "cswarm: error: ..." and return -1, so a caller can
 * `return error("h2: %s", ...)`. */
int error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "cswarm: usage: ..." and return EXIT_USAGE. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int streq(const char *a, const char *b);
/* Levenshtein distance, for "did you mean" suggestions. */
size_t edit_distance(const char *a, const char *b);
int starts_with(const char *s, const char *prefix);
/* With CSWARM_TRACE set, print "cswarm: trace: MS PHASE" to stderr, MS
 * since the first call: where a run's time goes, phase by phase. */
void trace_phase(const char *phase);

/* Parse "1h2m3.5s", "500ms", "10" (seconds) into milliseconds; -1 if bad. */
long long parse_duration_ms(const char *s);

#endif
