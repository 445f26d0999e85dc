/* Field tables, key paths, and the scalar converters every object uses. */
#include "compose/schema.h"
#include "util/util.h"
#include "util/words.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void located(struct strbuf *sb, struct ctx *c, const struct ynode *n)
{
	yn_where(sb, n);
	if (c->path.len)
		sb_addf(sb, "%s: ", c->path.buf);
}

int c_fail(struct ctx *c, const struct ynode *n, const char *fmt, ...)
{
	va_list ap;
	located(c->err, c, n);
	va_start(ap, fmt);
	sb_vaddf(c->err, fmt, ap);
	va_end(ap);
	return -1;
}

void c_warn(struct ctx *c, const struct ynode *n, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	if (c->quiet)
		return;
	located(&sb, c, n);
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	warning("%s", sb_str(&sb));
	sb_free(&sb);
}

size_t c_push(struct ctx *c, const char *key)
{
	size_t mark = c->path.len;
	sb_addf(&c->path, "%s%s", mark ? "." : "", key);
	return mark;
}

size_t c_push_index(struct ctx *c, size_t i)
{
	size_t mark = c->path.len;
	sb_addf(&c->path, "[%zu]", i);
	return mark;
}

void c_pop(struct ctx *c, size_t mark)
{
	c->path.len = mark;
	if (c->path.buf)
		c->path.buf[mark] = '\0';
}

const char *did_you_mean(const char *key, const struct field *table, size_t ntable)
{
	const char *best = NULL;
	size_t best_d = 3;
	for (size_t i = 0; i < ntable; i++) {
		size_t d = edit_distance(key, table[i].key);
		if (d < best_d) {
			best_d = d;
			best = table[i].key;
		}
	}
	return best;
}

static int unknown_key(struct ctx *c, const struct ynode *k, const struct field *table, size_t ntable)
{
	const char *hint = did_you_mean(k->str, table, ntable);
	if (hint)
		return c_fail(c, k, "unknown key \"%s\" (did you mean \"%s\"?)", k->str, hint);
	return c_fail(c, k, "unknown key \"%s\"", k->str);
}

static const struct field *find_field(const char *key, const struct field *table, size_t ntable)
{
	for (size_t i = 0; i < ntable; i++)
		if (streq(table[i].key, key))
			return &table[i];
	return NULL;
}

int conv_object(struct ctx *c, const struct ynode *n, const struct field *table,
		size_t ntable, void *obj)
{
	if (yn_is_null(n))
		return 0;
	if (n->kind != YN_MAP)
		return c_fail(c, n, "expected a mapping");
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *k = n->pairs[i].key, *v = n->pairs[i].val;
		if (starts_with(k->str, "x-"))
			continue;
		const struct field *f = find_field(k->str, table, ntable);
		if (!f) {
			size_t m = c->path.len;
			int rc = unknown_key(c, k, table, ntable);
			c_pop(c, m);
			return rc;
		}
		if (yn_is_null(v) && f->fn != conv_ignored)
			continue;
		size_t mark = c_push(c, k->str);
		int rc = f->fn(c, v, (char *)obj + f->off);
		c_pop(c, mark);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static const char *kind_name(const struct ynode *n)
{
	return n->kind == YN_MAP ? "a mapping" : n->kind == YN_SEQ ? "a list" : "a scalar";
}

int c_scalar(struct ctx *c, const struct ynode *n, const char *what, const char **out)
{
	if (n->kind != YN_SCALAR)
		return c_fail(c, n, "expected %s, got %s", what, kind_name(n));
	*out = n->str;
	return 0;
}

/* The index of n's word in words[0..nwords), or -1 with an error listing
 * them. */
static int find_word(struct ctx *c, const struct ynode *n, const char *const *words, size_t nwords)
{
	const char *s = NULL;
	if (c_scalar(c, n, "a string", &s) < 0)
		return -1;
	int at = word_index(words, nwords, s);
	if (at >= 0)
		return at;
	struct strbuf all = STRBUF_INIT;
	for (size_t i = 0; i < nwords; i++)
		if (words[i])
			sb_addf(&all, "%s%s", all.len ? ", " : "", words[i]);
	c_fail(c, n, "expected one of %s, got \"%s\"", all.buf, s);
	sb_free(&all);
	return -1;
}

int c_enum(struct ctx *c, const struct ynode *n, const char *const *allowed, char **dst)
{
	size_t nwords = 0;
	while (allowed[nwords])
		nwords++;
	int at = find_word(c, n, allowed, nwords);
	if (at < 0)
		return -1;
	free(*dst);
	*dst = xstrdup(allowed[at]);
	return 0;
}

int c_word(struct ctx *c, const struct ynode *n, const char *const *words, size_t nwords, void *dst)
{
	int at = find_word(c, n, words, nwords);
	if (at < 0)
		return -1;
	*(unsigned *)dst = (unsigned)at;	/* gcc's and clang's type of such an enum */
	return 0;
}

int conv_str(struct ctx *c, const struct ynode *n, void *dst)
{
	char **p = dst;
	const char *s = NULL;
	if (c_scalar(c, n, "a string", &s) < 0)
		return -1;
	free(*p);
	*p = xstrdup(s);
	return 0;
}

int parse_bool_word(const char *s, bool *out)
{
	static const char *const yes[] = { "y", "yes", "true", "on" };
	static const char *const no[] = { "n", "no", "false", "off" };
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i]))
			return *out = true, 0;
		if (!strcasecmp(s, no[i]))
			return *out = false, 0;
	}
	return -1;
}

int conv_bool(struct ctx *c, const struct ynode *n, void *dst)
{
	const char *s = NULL;
	if (c_scalar(c, n, "a boolean", &s) < 0)
		return -1;
	if (parse_bool_word(s, dst) < 0)
		return c_fail(c, n, "expected a boolean, got \"%s\"", s);
	return 0;
}

int parse_uint_text(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

int conv_uint(struct ctx *c, const struct ynode *n, void *dst)
{
	const char *s = NULL;
	if (c_scalar(c, n, "an integer", &s) < 0)
		return -1;
	if (parse_uint_text(s, UINT64_MAX, dst) < 0)
		return c_fail(c, n, "expected a non-negative integer, got \"%s\"", s);
	return 0;
}

int conv_int(struct ctx *c, const struct ynode *n, void *dst)
{
	const char *s = NULL;
	uint64_t v;
	if (c_scalar(c, n, "an integer", &s) < 0)
		return -1;
	bool neg = *s == '-';
	if (parse_uint_text(s + neg, INT64_MAX, &v) < 0)
		return c_fail(c, n, "expected an integer, got \"%s\"", s);
	*(int64_t *)dst = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

int conv_duration(struct ctx *c, const struct ynode *n, void *dst)
{
	const char *s = NULL;
	if (c_scalar(c, n, "a duration", &s) < 0)
		return -1;
	long long ms = compose_parse_duration(s);
	if (ms < 0)
		return c_fail(c, n, "expected a duration like 1m30s or 500ms, got \"%s\"", s);
	*(long long *)dst = ms;
	return 0;
}

int conv_bytes(struct ctx *c, const struct ynode *n, void *dst)
{
	const char *s = NULL;
	if (c_scalar(c, n, "a byte size", &s) < 0)
		return -1;
	if (compose_parse_bytes(s, dst) < 0)
		return c_fail(c, n, "expected a byte size like 512M or 1g, got \"%s\"", s);
	return 0;
}

int conv_cpus(struct ctx *c, const struct ynode *n, void *dst)
{
	const char *s = NULL;
	if (c_scalar(c, n, "a cpu count", &s) < 0)
		return -1;
	if (compose_parse_cpus(s, dst) < 0)
		return c_fail(c, n, "expected a cpu count like 0.5 or 2, got \"%s\"", s);
	return 0;
}

int conv_ratio(struct ctx *c, const struct ynode *n, void *dst)
{
	const char *s = NULL;
	char *end;
	if (c_scalar(c, n, "a number", &s) < 0)
		return -1;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0 && v <= 1))
		return c_fail(c, n, "expected a number between 0 and 1, got \"%s\"", s);
	*(double *)dst = v;
	return 0;
}

/* Items of a list of scalars; a scalar alone is a one-item list. */
static int scalar_items(struct ctx *c, const struct ynode *n, struct strlist *l)
{
	const char *s = NULL;
	if (n->kind == YN_SCALAR) {
		sl_push(l, n->str);
		return 0;
	}
	if (n->kind != YN_SEQ)
		return c_fail(c, n, "expected a string or a list of strings");
	for (size_t i = 0; i < n->n; i++) {
		size_t mark = c_push_index(c, i);
		int rc = c_scalar(c, n->items[i], "a string", &s);
		c_pop(c, mark);
		if (rc < 0)
			return -1;
		sl_push(l, s);
	}
	return 0;
}

int conv_strings(struct ctx *c, const struct ynode *n, void *dst)
{
	sl_free(dst);
	return scalar_items(c, n, dst);
}

int conv_words(struct ctx *c, const struct ynode *n, void *dst)
{
	sl_free(dst);
	if (n->kind != YN_SCALAR)
		return scalar_items(c, n, dst);
	if (shell_split(n->str, dst) < 0)
		return c_fail(c, n, "unterminated quote in \"%s\"", n->str);
	return 0;
}

static int kv_from_seq(struct ctx *c, const struct ynode *n, struct kvlist *l)
{
	for (size_t i = 0; i < n->n; i++) {
		const char *s = NULL;
		size_t mark = c_push_index(c, i);
		int rc = c_scalar(c, n->items[i], "a KEY=VALUE string", &s);
		c_pop(c, mark);
		if (rc < 0)
			return -1;
		const char *eq = strchr(s, '=');
		char *key = eq ? xstrndup(s, (size_t)(eq - s)) : xstrdup(s);
		kv_add(l, key, eq ? eq + 1 : NULL);
		free(key);
	}
	return 0;
}

static int kv_collect(struct ctx *c, const struct ynode *n, struct kvlist *l);

int conv_kvlist(struct ctx *c, const struct ynode *n, void *dst)
{
	struct kvlist *l = dst;
	if (conv_kvlist_raw(c, n, dst) < 0)
		return -1;
	for (size_t i = 0; i < l->n; i++)
		if (!l->v[i].value)
			l->v[i].value = xstrdup("");
	return 0;
}

int conv_kvlist_raw(struct ctx *c, const struct ynode *n, void *dst)
{
	int rc = kv_collect(c, n, dst);
	kv_finish(dst);
	return rc;
}

static int kv_collect(struct ctx *c, const struct ynode *n, struct kvlist *l)
{
	if (n->kind == YN_SEQ)
		return kv_from_seq(c, n, l);
	if (n->kind != YN_MAP)
		return c_fail(c, n, "expected a mapping or a list of KEY=VALUE strings");
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *v = n->pairs[i].val;
		const char *s = NULL;
		size_t mark = c_push(c, n->pairs[i].key->str);
		int rc = yn_is_null(v) ? (s = NULL, 0) : c_scalar(c, v, "a string", &s);
		c_pop(c, mark);
		if (rc < 0)
			return -1;
		kv_add(l, n->pairs[i].key->str, s);
	}
	return 0;
}

int conv_ignored(struct ctx *c, const struct ynode *n, void *dst)
{
	(void)dst;
	const char *key = strrchr(c->path.buf, '.');
	key = key ? key + 1 : c->path.buf;
	if (!sl_has(&c->ignored, key)) {
		sl_push(&c->ignored, key);
		c_warn(c, n, "ignored: not supported by stack deploy");
	}
	return 0;
}

int conv_later(struct ctx *c, const struct ynode *n, void *dst)
{
	(void)c;
	(void)n;
	(void)dst;
	return 0;
}

/* POSIX-shell-like word splitting for string commands (as Docker's shlex). */
int shell_split(const char *s, struct strlist *out)
{
	struct strbuf w = STRBUF_INIT;
	bool in_word = false;
	int rc = 0;
	for (const char *p = s; rc == 0 && *p; p++) {
		if (isspace((unsigned char)*p)) {
			if (in_word)
				sl_push(out, sb_str(&w));
			sb_reset(&w);
			in_word = false;
			continue;
		}
		in_word = true;
		if (*p == '\\' && p[1]) {
			sb_addc(&w, *++p);
		} else if (*p == '\'' || *p == '"') {
			char q = *p;
			for (p++; *p && *p != q; p++) {
				if (q == '"' && *p == '\\' && (p[1] == '"' || p[1] == '\\'))
					p++;
				sb_addc(&w, *p);
			}
			if (!*p)
				rc = -1;
		} else {
			sb_addc(&w, *p);
		}
	}
	if (rc == 0 && in_word)
		sl_push(out, sb_str(&w));
	sb_free(&w);
	return rc;
}

char *resolve_path(const struct ctx *c, const char *p)
{
	struct strbuf sb = STRBUF_INIT;
	if (p[0] == '~' && (p[1] == '/' || !p[1])) {
		const char *home = getenv("HOME");
		sb_adds(&sb, home ? home : "");
		p++;
	} else if (p[0] != '/') {
		sb_adds(&sb, c->workdir);
		sb_addc(&sb, '/');
	}
	sb_adds(&sb, p);
	/* Normalize "/./", "/../" and trailing "/." like filepath.Clean. */
	char *out = sb_detach(&sb);
	char *r = out, *w = out;
	while (*r) {
		if (r[0] == '/' && r[1] == '.' && (r[2] == '/' || !r[2])) {
			r += 2;
		} else if (r[0] == '/' && r[1] == '.' && r[2] == '.' && (r[3] == '/' || !r[3])) {
			while (w > out && *--w != '/')
				;
			r += 3;
		} else if (r[0] == '/' && r[1] == '/') {
			r++;
		} else {
			*w++ = *r++;
		}
	}
	if (w == out)
		*w++ = '/';
	else if (w > out + 1 && w[-1] == '/')
		w--;
	*w = '\0';
	return out;
}
