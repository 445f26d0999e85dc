/* .env files and env_file entries. */
#include "compose/interp.h"
#include "util/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *env_lookup(const struct env *e, const char *name)
{
	const char *v = getenv(name);
	if (v)
		return v;
	struct kv *kv = e ? kv_find(&e->dotenv, name) : NULL;
	return kv ? kv->value : NULL;
}

void env_free(struct env *e)
{
	kv_free(&e->dotenv);
	sl_free(&e->warned);
}

/* O_NONBLOCK and the regular-file check keep a FIFO or /dev/zero from
 * hanging the loader. */
int read_small_file(const char *path, size_t max, struct strbuf *out, struct strbuf *err)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0) {
		sb_addf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
		sb_addf(err, "%s: not a regular file of at most %zu bytes", path, max);
		close(fd);
		return -1;
	}
	FILE *f = fdopen(fd, "rb");
	if (!f) {
		sb_addf(err, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	int rc = sb_read_stream(out, f, max);
	if (rc != 0 && errno == EFBIG)	/* it grew since fstat */
		sb_addf(err, "%s: not a regular file of at most %zu bytes", path, max);
	else if (rc != 0)
		sb_addf(err, "%s: %s", path, strerror(errno));
	fclose(f);
	return rc;
}

static const char *skip_space(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* A quoted value ends at its closing quote; a plain one at " #" or EOL. */
static int parse_value(const char *p, const char *end, struct strbuf *val)
{
	if (p < end && (*p == '"' || *p == '\'')) {
		char q = *p++;
		while (p < end && *p != q) {
			if (q == '"' && *p == '\\' && p + 1 < end) {
				p++;
				sb_addc(val, *p == 'n' ? '\n' : *p);
			} else {
				sb_addc(val, *p);
			}
			p++;
		}
		return p < end ? 0 : -1;
	}
	const char *start = p;
	while (p < end && !(*p == '#' && p > start && (p[-1] == ' ' || p[-1] == '\t')))
		p++;
	sb_add(val, start, (size_t)(p - start));
	sb_rtrim(val);
	return 0;
}

static int parse_line(struct kvlist *out, const char *p, const char *end)
{
	p = skip_space(p, end);
	if (p == end || *p == '#')
		return 0;
	if ((size_t)(end - p) > 7 && !strncmp(p, "export ", 7))
		p = skip_space(p + 7, end);
	const char *name = p;
	while (p < end && (isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == '-'))
		p++;
	size_t nlen = (size_t)(p - name);
	p = skip_space(p, end);
	if (nlen == 0 || (p < end && *p != '='))
		return -1;
	char *key = xstrndup(name, nlen);
	struct strbuf val = STRBUF_INIT;
	int rc = 0;
	if (p == end)
		kv_add(out, key, NULL);	/* a bare name: unset */
	else if ((rc = parse_value(skip_space(p + 1, end), end, &val)) == 0)
		kv_add(out, key, sb_str(&val));
	free(key);
	sb_free(&val);
	return rc;
}

typedef int line_fn(struct kvlist *out, const char *p, const char *end,
		    const struct env *env, struct strbuf *why);

static int dotenv_line(struct kvlist *out, const char *p, const char *end,
		       const struct env *env, struct strbuf *why)
{
	(void)env;
	if (parse_line(out, p, end) == 0)
		return 0;
	sb_adds(why, "invalid line, expected KEY=VALUE");
	return -1;
}

/* An env_file line as docker's opts.ParseEnvFile reads it: leading blanks
 * and '#' lines skipped, the value taken verbatim (quotes and '#' kept), a
 * bare KEY taken from the environment, or dropped when it has no value. */
static int envfile_line(struct kvlist *out, const char *p, const char *end,
			const struct env *env, struct strbuf *why)
{
	p = skip_space(p, end);
	if (p == end || *p == '#')
		return 0;
	const char *eq = memchr(p, '=', (size_t)(end - p));
	const char *name_end = eq ? eq : end;
	if (name_end == p) {
		sb_addf(why, "no variable name on line '%.*s'", (int)(end - p), p);
		return -1;
	}
	for (const char *q = p; q < name_end; q++)
		if (isspace((unsigned char)*q)) {
			sb_addf(why, "variable '%.*s' contains whitespaces", (int)(name_end - p), p);
			return -1;
		}
	char *key = xstrndup(p, (size_t)(name_end - p));
	const char *v = eq ? NULL : env_lookup(env, key);
	if (eq) {
		char *val = xstrndup(eq + 1, (size_t)(end - eq - 1));
		kv_add(out, key, val);
		free(val);
	} else if (v) {
		kv_add(out, key, v);
	}
	free(key);
	return 0;
}

static int parse_lines(struct kvlist *out, const char *file, const char *buf, size_t len,
		       line_fn *fn, const struct env *env, struct strbuf *err)
{
	const char *end = buf + len;
	unsigned line = 1;
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		buf += 3;	/* a UTF-8 byte order mark */
	for (const char *p = buf; p < end; line++) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		const char *stop = eol > p && eol[-1] == '\r' ? eol - 1 : eol;
		struct strbuf why = STRBUF_INIT;
		if (fn(out, p, stop, env, &why) < 0) {
			sb_addf(err, "%s:%u:1: %s", file, line, sb_str(&why));
			sb_free(&why);
			kv_finish(out);
			return -1;
		}
		p = eol + (eol < end);
	}
	kv_finish(out);
	return 0;
}

int dotenv_parse(struct kvlist *out, const char *file, const char *buf, size_t len,
		 struct strbuf *err)
{
	return parse_lines(out, file, buf, len, dotenv_line, NULL, err);
}

int envfile_parse(struct kvlist *out, const char *file, const char *buf, size_t len,
		  const struct env *env, struct strbuf *err)
{
	return parse_lines(out, file, buf, len, envfile_line, env, err);
}
