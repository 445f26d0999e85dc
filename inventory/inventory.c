/* Loading an inventory: read, detect the format, parse, resolve. */
#include "inventory/inventory.h"
#include "inventory/build.h"
#include "util/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILE_SIZE (64L << 20)

/* YAML if the first meaningful line is a document marker or a "key:"
 * mapping entry; INI otherwise ("[group]", "host var=x", "host:2222"). */
static int looks_like_yaml(const char *data, size_t len)
{
	const char *p = data, *end = data + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl ? nl : end, *s = p;
		while (s < stop && isspace((unsigned char)*s))
			s++;
		const char *e = stop;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		p = stop + 1;
		if (s == e || *s == '#' || *s == ';')
			continue;
		if (*s == '[')
			return 0;
		if ((e - s >= 3 && !memcmp(s, "---", 3)) || (e - s >= 5 && !memcmp(s, "%YAML", 5)) ||
		    *s == '{' || *s == '-')
			return 1;
		const char *colon = memchr(s, ':', (size_t)(e - s));
		/* "web[1:3]" and "h:22" are INI host names, "k: v" YAML. */
		if (!colon)
			return 0;
		for (const char *k = s; k < colon; k++)
			if (*k == '=' || *k == '[' || *k == ']')
				return 0;
		return colon + 1 == e || colon[1] == ' ' || colon[1] == '\t';
	}
	return 0;
}

/* Parse data; vars_base, if set, is the inventory file whose directory may
 * hold group_vars/ and host_vars/. */
static int load(const char *name, const char *data, size_t len, const char *vars_base,
		struct inventory *inv, struct strbuf *err)
{
	struct inv_build b;
	const char *nul = memchr(data, '\0', len);
	int ret;

	memset(inv, 0, sizeof(*inv));
	inv->path = xstrdup(name);
	ib_init(&b, name, err);
	if (nul) {
		int line = 1;
		for (const char *p = data; p < nul; p++)
			line += *p == '\n';
		ret = ib_error(&b, line, 0, "NUL byte in inventory (binary file?)");
	} else if (looks_like_yaml(data, len)) {
		ret = inv_parse_yaml(&b, data, len);
	} else {
		ret = inv_parse_ini(&b, data, len);
	}
	if (!ret && vars_base)
		ret = inv_load_vars_dirs(&b, vars_base);
	if (!ret)
		ret = inv_resolve(&b, inv);
	ib_free(&b);
	if (ret)
		inventory_free(inv);
	return ret;
}

int inventory_load_buffer(const char *name, const char *data, size_t len,
			  struct inventory *inv, struct strbuf *err)
{
	return load(name, data, len, NULL, inv, err);
}

int inv_read_file(const char *path, long max, struct strbuf *out, struct strbuf *err)
{
	sb_reset(err);
	if (sb_read_file(out, path, (size_t)max) == 0)
		return 0;
	if (errno == EFBIG)
		sb_addf(err, "%s: larger than %ld MiB", path, max >> 20);
	else
		sb_addf(err, "%s: cannot open: %s", path, strerror(errno));
	return -1;
}

int inventory_load(const char *path, struct inventory *inv, struct strbuf *err)
{
	struct strbuf data = STRBUF_INIT;
	int ret;

	memset(inv, 0, sizeof(*inv));
	ret = inv_read_file(path, MAX_FILE_SIZE, &data, err);
	if (!ret)
		ret = load(path, data.buf ? data.buf : "", data.len, path, inv, err);
	sb_free(&data);
	return ret;
}

static void free_kvs(struct kv *kvs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kvs[i].key);
		free(kvs[i].value);
	}
	free(kvs);
}

static void host_free(struct host *h)
{
	free(h->name);
	free(h->address);
	free(h->user);
	free(h->key_file);
	for (size_t i = 0; i < h->ngroups; i++)
		free(h->groups[i]);
	free(h->groups);
	free_kvs(h->labels, h->nlabels);
	for (size_t i = 0; i < h->nvars; i++)
		free(h->vars_json[i]);
	free(h->vars_json);
	free_kvs(h->vars, h->nvars);
	free(h->file);
}

void inventory_free(struct inventory *inv)
{
	for (size_t i = 0; i < inv->nhosts; i++)
		host_free(&inv->hosts[i]);
	for (size_t i = 0; i < inv->ngroups; i++) {
		free(inv->groups[i]);
		if (inv->tree) {
			free(inv->tree[i].hosts);
			free(inv->tree[i].children);
		}
	}
	for (size_t i = 0; i < inv->nwarnings; i++)
		free(inv->warnings[i]);
	free(inv->warnings);
	free(inv->tree);
	free(inv->hosts);
	free(inv->groups);
	free(inv->path);
	memset(inv, 0, sizeof(*inv));
}

static const char *kv_get(const struct kv *kvs, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (streq(kvs[i].key, key))
			return kvs[i].value;
	return NULL;
}

const char *host_var(const struct host *h, const char *key)
{
	return kv_get(h->vars, h->nvars, key);
}

const char *host_label(const struct host *h, const char *key)
{
	return kv_get(h->labels, h->nlabels, key);
}

long inventory_find(const struct inventory *inv, const char *name)
{
	for (size_t i = 0; i < inv->nhosts; i++)
		if (streq(inv->hosts[i].name, name))
			return (long)i;
	return -1;
}
