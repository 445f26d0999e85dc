/* Placement constraints and platform matching (swarmkit's syntax).
 *
 * "KEY==VALUE" or "KEY!=VALUE"; keys are case-insensitive, label names are
 * not, values compare case-insensitively, and a missing label equals "". */
#include "sched/internal.h"
#include "util/strbuf.h"
#include "util/util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	enum sched_key key;
} fixed_keys[] = {
	{ "node.id", SCHED_KEY_ID },
	{ "node.hostname", SCHED_KEY_HOSTNAME },
	{ "node.role", SCHED_KEY_ROLE },
	{ "node.platform.os", SCHED_KEY_OS },
	{ "node.platform.arch", SCHED_KEY_ARCH },
	{ "node.ip", SCHED_KEY_IP },
};

static const struct {
	const char *prefix;
	enum sched_key key;
} label_keys[] = {
	{ "node.labels.", SCHED_KEY_NODE_LABEL },
	{ "engine.labels.", SCHED_KEY_ENGINE_LABEL },
};

static const char *skip_space(const char *s, const char *end)
{
	while (s < end && isspace((unsigned char)*s))
		s++;
	return s;
}

static const char *trim_end(const char *start, const char *end)
{
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	return end;
}

static int has_control_chars(const char *s)
{
	for (; *s; s++)
		if (iscntrl((unsigned char)*s))
			return 1;
	return 0;
}

static int valid_label_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s) ||
		    *s == '=' || *s == '!')
			return 0;
	return 1;
}

static int resolve_key(const char *key, struct sched_constraint *out,
		       struct strbuf *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(fixed_keys); i++)
		if (!strcasecmp(key, fixed_keys[i].name)) {
			out->key = fixed_keys[i].key;
			return 0;
		}
	for (size_t i = 0; i < ARRAY_SIZE(label_keys); i++) {
		size_t n = strlen(label_keys[i].prefix);
		if (strncasecmp(key, label_keys[i].prefix, n))
			continue;
		if (!valid_label_name(key + n)) {
			sb_addf(err, "invalid label name \"%s\"", key + n);
			return -1;
		}
		out->key = label_keys[i].key;
		out->label = xstrdup(key + n);
		return 0;
	}
	sb_addf(err, "unknown key \"%s\" (expected node.id, node.hostname, "
		"node.role, node.platform.os, node.platform.arch, node.ip, "
		"node.labels.NAME or engine.labels.NAME)", key);
	return -1;
}

/* "10.0.0.0/8", "10.1.2.3", "fd00::/8" into family, address and prefix. */
static int parse_ip(const char *value, struct sched_constraint *out)
{
	const char *slash = strchr(value, '/');
	char *addr = slash ? xstrndup(value, (size_t)(slash - value)) : xstrdup(value);
	int ok = 0;

	if (inet_pton(AF_INET, addr, out->addr) == 1)
		out->family = AF_INET, out->prefix = 32, ok = 1;
	else if (inet_pton(AF_INET6, addr, out->addr) == 1)
		out->family = AF_INET6, out->prefix = 128, ok = 1;
	free(addr);
	if (!ok || !slash)
		return ok ? 0 : -1;
	char *end;
	unsigned long bits = strtoul(slash + 1, &end, 10);
	if (!isdigit((unsigned char)slash[1]) || *end || bits > out->prefix)
		return -1;
	out->prefix = (unsigned)bits;
	return 0;
}

static int check_value(struct sched_constraint *out, struct strbuf *err)
{
	if (has_control_chars(out->value)) {
		sb_adds(err, "value contains control characters");
		return -1;
	}
	if (strstr(out->value, "==") || strstr(out->value, "!=")) {
		sb_adds(err, "more than one operator");
		return -1;
	}
	if (out->key == SCHED_KEY_IP && parse_ip(out->value, out)) {
		sb_addf(err, "node.ip: \"%s\" is not an IP address or CIDR",
			out->value);
		return -1;
	}
	if (out->key == SCHED_KEY_ROLE && strcasecmp(out->value, "manager") &&
	    strcasecmp(out->value, "worker")) {
		sb_addf(err, "node.role: \"%s\" is not manager or worker",
			out->value);
		return -1;
	}
	return 0;
}

int sched_constraint_parse(const char *expr, struct sched_constraint *out,
			   struct strbuf *err)
{
	memset(out, 0, sizeof(*out));
	if (!expr) {
		sb_adds(err, "constraint: missing expression");
		return -1;
	}
	const char *eq = strstr(expr, "=="), *ne = strstr(expr, "!=");
	const char *op = !eq ? ne : !ne ? eq : eq < ne ? eq : ne;
	const char *end = expr + strlen(expr);

	if (!op) {
		sb_addf(err, "constraint \"%s\": expected KEY==VALUE or KEY!=VALUE",
			expr);
		return -1;
	}
	out->negate = op == ne;
	const char *kstart = skip_space(expr, op);
	char *key = xstrndup(kstart, (size_t)(trim_end(kstart, op) - kstart));
	const char *vstart = skip_space(op + 2, end);
	out->value = xstrndup(vstart, (size_t)(trim_end(vstart, end) - vstart));

	struct strbuf why = STRBUF_INIT;
	int rc = resolve_key(key, out, &why);
	if (!rc)
		rc = check_value(out, &why);
	free(key);
	if (rc) {
		sb_addf(err, "constraint \"%s\": %s", expr, sb_str(&why));
		sched_constraint_free(out);
	}
	sb_free(&why);
	return rc;
}

void sched_constraint_free(struct sched_constraint *c)
{
	free(c->label);
	free(c->value);
	c->label = c->value = NULL;
}

const char *node_label(const struct sched_node *n, int engine, const char *name)
{
	const struct sched_kv *kv = engine ? n->engine_labels : n->labels;
	size_t count = engine ? n->nengine_labels : n->nlabels;

	for (size_t i = 0; i < count; i++)
		if (kv[i].key && streq(kv[i].key, name))
			return kv[i].value ? kv[i].value : "";
	return NULL;
}

/* A missing label equals "" (swarmkit's rule). */
static const char *label_or_empty(const struct sched_node *n, int engine,
				  const char *name)
{
	const char *v = node_label(n, engine, name);
	return v ? v : "";
}

/* Docker reports uname names ("x86_64"), images use Go's ("amd64"). */
static const char *canonical_arch(const char *arch)
{
	static const struct { const char *alias, *name; } map[] = {
		{ "x86_64", "amd64" }, { "x86-64", "amd64" },
		{ "aarch64", "arm64" }, { "armv8", "arm64" },
		{ "armv7l", "arm" }, { "armhf", "arm" }, { "armv7", "arm" },
		{ "i386", "386" }, { "i686", "386" },
	};
	if (!arch)
		return "";
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (!strcasecmp(arch, map[i].alias))
			return map[i].name;
	return arch;
}

static int ip_match(const struct sched_constraint *c, const char *ip)
{
	unsigned char addr[16];
	int family = ip && strchr(ip, ':') ? AF_INET6 : AF_INET;

	if (!ip || family != c->family || inet_pton(family, ip, addr) != 1)
		return 0;
	unsigned full = c->prefix / 8, rest = c->prefix % 8;
	if (memcmp(addr, c->addr, full))
		return 0;
	if (!rest)
		return 1;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (addr[full] & mask) == (c->addr[full] & mask);
}

static int str_match(const char *have, const char *want)
{
	return !strcasecmp(have ? have : "", want);
}

int sched_constraint_match(const struct sched_constraint *c,
			   const struct sched_node *n)
{
	int eq = 0;

	switch (c->key) {
	case SCHED_KEY_ID:
		eq = str_match(n->id, c->value);
		break;
	case SCHED_KEY_HOSTNAME:
		eq = str_match(n->hostname, c->value);
		break;
	case SCHED_KEY_ROLE:
		eq = str_match(n->role == SCHED_MANAGER ? "manager" : "worker",
			       c->value);
		break;
	case SCHED_KEY_OS:
		eq = str_match(n->os, c->value);
		break;
	case SCHED_KEY_ARCH:
		eq = str_match(canonical_arch(n->arch), canonical_arch(c->value));
		break;
	case SCHED_KEY_IP:
		eq = ip_match(c, n->ip);
		break;
	case SCHED_KEY_NODE_LABEL:
		eq = str_match(label_or_empty(n, 0, c->label), c->value);
		break;
	case SCHED_KEY_ENGINE_LABEL:
		eq = str_match(label_or_empty(n, 1, c->label), c->value);
		break;
	}
	return eq != c->negate;
}

static int field_match(const char *want, const char *have)
{
	return !want || !*want || str_match(have, want);
}

int sched_platform_match(const struct sched_service *svc,
			 const struct sched_node *node)
{
	if (!svc->nplatforms)
		return 1;
	for (size_t i = 0; i < svc->nplatforms; i++) {
		const struct sched_platform *p = &svc->platforms[i];
		if (field_match(p->os, node->os) &&
		    (!p->arch || !*p->arch ||
		     str_match(canonical_arch(node->arch), canonical_arch(p->arch))))
			return 1;
	}
	return 0;
}
