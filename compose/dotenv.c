/* .env files and env_file entries. */
#include "compose/interp.h"
#include "util/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
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
	char chunk[65536];
	ssize_t got;
	while ((got = read(fd, chunk, sizeof(chunk))) > 0 && out->len + (size_t)got <= max)
		sb_add(out, chunk, (size_t)got);
	close(fd);
	if (got < 0) {
		sb_addf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
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

int dotenv_parse(struct kvlist *out, const char *file, const char *buf, size_t len,
		 struct strbuf *err)
{
	const char *end = buf + len;
	unsigned line = 1;
	for (const char *p = buf; p < end; line++) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		const char *stop = eol > p && eol[-1] == '\r' ? eol - 1 : eol;
		if (parse_line(out, p, stop) < 0) {
			sb_addf(err, "%s:%u:1: invalid line, expected KEY=VALUE", file, line);
			kv_finish(out);
			return -1;
		}
		p = eol + (eol < end);
	}
	kv_finish(out);
	return 0;
}
