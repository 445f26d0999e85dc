/* ports, volumes, secrets and configs of a service: short and long forms. */
#include "compose/schema.h"
#include "util/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* --- ports ------------------------------------------------------------- */

struct range {
	uint32_t lo, hi;
};

static int parse_range(const char *s, size_t len, uint32_t min, struct range *r)
{
	char *txt = xstrndup(s, len), *dash = strchr(txt, '-');
	uint64_t lo, hi;
	if (dash)
		*dash = '\0';
	int rc = parse_uint_text(txt, 65535, &lo);
	if (rc == 0)
		rc = dash ? parse_uint_text(dash + 1, 65535, &hi) : (hi = lo, 0);
	free(txt);
	if (rc < 0 || lo < min || hi < lo)
		return -1;
	r->lo = (uint32_t)lo;
	r->hi = (uint32_t)hi;
	return 0;
}

static struct port *add_port(struct service *svc)
{
	GROW(svc->ports, svc->ports_cap, svc->nports + 1);
	struct port *p = &svc->ports[svc->nports++];
	memset(p, 0, sizeof(*p));
	return p;
}

static void set_port_defaults(struct port *p, const char *proto, const char *mode, const char *ip)
{
	p->protocol = xstrdup(proto ? proto : "tcp");
	p->mode = xstrdup(mode ? mode : "ingress");
	p->host_ip = ip && *ip ? xstrdup(ip) : NULL;
}

/* "[ip:][published[-range]:]target[-range][/protocol]" */
static int short_port(struct ctx *c, const struct ynode *n, struct service *svc)
{
	char *spec = xstrdup(n->str), *proto = strrchr(spec, '/'), *ip = NULL;
	struct range tgt, pub = { 0, 0 };
	int rc = -1;
	if (proto)
		*proto++ = '\0';
	char *colon = strrchr(spec, ':');
	const char *target = colon ? colon + 1 : spec;
	if (colon) {
		*colon = '\0';
		char *c2 = strrchr(spec, ':');
		const char *published = c2 ? c2 + 1 : spec;
		if (c2) {
			*c2 = '\0';
			ip = spec;
		}
		if (*published && parse_range(published, strlen(published), 1, &pub) < 0)
			goto out;
	}
	if (parse_range(target, strlen(target), 1, &tgt) < 0)
		goto out;
	if (pub.lo && pub.hi - pub.lo != tgt.hi - tgt.lo)
		goto out;
	if (proto && !streq(proto, "tcp") && !streq(proto, "udp") && !streq(proto, "sctp"))
		goto out;
	if (ip && ip[0] == '[' && ip[strlen(ip) - 1] == ']') {
		ip[strlen(ip) - 1] = '\0';
		ip++;
	}
	for (uint32_t t = tgt.lo; t <= tgt.hi; t++) {
		struct port *p = add_port(svc);
		p->target = t;
		p->published = pub.lo ? pub.lo + (t - tgt.lo) : 0;
		set_port_defaults(p, proto, NULL, ip);
	}
	rc = 0;
out:
	free(spec);
	if (rc < 0)
		return c_fail(c, n, "invalid port \"%s\": expected [IP:][PUBLISHED:]TARGET[/PROTOCOL] with ports 1-65535 and ranges of equal length", n->str);
	return 0;
}

struct long_port {
	uint64_t target;
	char *published, *protocol, *mode, *host_ip, *name, *app_protocol;
};

static int conv_protocol(struct ctx *c, const struct ynode *n, void *dst)
{
	static const char *const ok[] = { "tcp", "udp", "sctp", NULL };
	return c_enum(c, n, ok, dst);
}

static int conv_port_mode(struct ctx *c, const struct ynode *n, void *dst)
{
	static const char *const ok[] = { "ingress", "host", NULL };
	return c_enum(c, n, ok, dst);
}

static const struct field long_port_fields[] = {
	FIELD("target", conv_uint, struct long_port, target),
	FIELD("published", conv_str, struct long_port, published),
	FIELD("protocol", conv_protocol, struct long_port, protocol),
	FIELD("mode", conv_port_mode, struct long_port, mode),
	FIELD("host_ip", conv_str, struct long_port, host_ip),
	FIELD("name", conv_str, struct long_port, name),
	FIELD("app_protocol", conv_str, struct long_port, app_protocol),
};

static void long_port_free(struct long_port *lp)
{
	free(lp->published);
	free(lp->protocol);
	free(lp->mode);
	free(lp->host_ip);
	free(lp->name);
	free(lp->app_protocol);
}

static int long_port(struct ctx *c, const struct ynode *n, struct service *svc)
{
	struct long_port lp = { 0 };
	struct range pub = { 0, 0 };
	int rc = CONV_OBJECT(c, n, long_port_fields, &lp);
	if (rc == 0 && (lp.target < 1 || lp.target > 65535))
		rc = c_fail(c, n, "target: expected a port number 1-65535");
	if (rc == 0 && lp.published && *lp.published &&
	    (parse_range(lp.published, strlen(lp.published), 1, &pub) < 0 || pub.lo != pub.hi))
		rc = c_fail(c, n, "published: expected a port number 1-65535, got \"%s\"", lp.published);
	if (rc == 0) {
		struct port *p = add_port(svc);
		p->target = (uint32_t)lp.target;
		p->published = pub.lo;
		set_port_defaults(p, lp.protocol, lp.mode, lp.host_ip);
	}
	long_port_free(&lp);
	return rc;
}

/* Calls one(c, item, obj) for each item of a list, with the path indexed. */
static int each_item(struct ctx *c, const struct ynode *n, void *obj,
		     int (*one)(struct ctx *, const struct ynode *, void *))
{
	if (n->kind != YN_SEQ)
		return c_fail(c, n, "expected a list");
	for (size_t i = 0; i < n->n; i++) {
		size_t mark = c_push_index(c, i);
		int rc = one(c, n->items[i], obj);
		c_pop(c, mark);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int one_port(struct ctx *c, const struct ynode *n, void *svc)
{
	return n->kind == YN_SCALAR ? short_port(c, n, svc) : long_port(c, n, svc);
}

int conv_ports(struct ctx *c, const struct ynode *n, void *dst)
{
	return each_item(c, n, dst, one_port);
}

/* --- volumes ----------------------------------------------------------- */

static struct mount *add_mount(struct service *svc)
{
	GROW(svc->mounts, svc->mounts_cap, svc->nmounts + 1);
	struct mount *m = &svc->mounts[svc->nmounts++];
	memset(m, 0, sizeof(*m));
	return m;
}

static bool is_path(const char *s)
{
	return s[0] == '/' || s[0] == '.' || s[0] == '~';
}

static int apply_volume_options(struct mount *m, const char *opts)
{
	static const char *const consistency[] = { "consistent", "cached", "delegated" };
	static const char *const propagation[] = { "shared", "slave", "private", "rshared", "rslave", "rprivate" };
	char *copy = xstrdup(opts), *save = NULL;
	int rc = 0;
	for (char *o = strtok_r(copy, ",", &save); o && rc == 0; o = strtok_r(NULL, ",", &save)) {
		bool known = streq(o, "rw") || streq(o, "z") || streq(o, "Z");
		if (streq(o, "ro"))
			m->read_only = known = true;
		if (streq(o, "nocopy"))
			m->nocopy = known = true;
		for (size_t i = 0; i < ARRAY_SIZE(consistency); i++)
			if (streq(o, consistency[i]) && (known = true))
				m->consistency = xstrdup(o);
		for (size_t i = 0; i < ARRAY_SIZE(propagation) && m->type == MOUNT_BIND; i++)
			if (streq(o, propagation[i]) && (known = true))
				m->propagation = xstrdup(o);
		rc = known ? 0 : -1;
	}
	free(copy);
	return rc;
}

/* "[SOURCE:]TARGET[:OPTIONS]" */
static int short_volume(struct ctx *c, const struct ynode *n, struct service *svc)
{
	char *spec = xstrdup(n->str), *parts[3] = { spec, NULL, NULL };
	size_t np = 1;
	for (char *p = spec; *p && np <= 3; p++)
		if (*p == ':') {
			*p = '\0';
			if (np < 3)
				parts[np] = p + 1;
			np++;
		}
	struct mount *m = add_mount(svc);
	int rc = -1;
	if (np > 3 || !*parts[0] || (np > 1 && !*parts[1]))
		goto out;
	m->type = np == 1 || !is_path(parts[0]) ? MOUNT_VOLUME : MOUNT_BIND;
	m->target = xstrdup(np == 1 ? parts[0] : parts[1]);
	if (np > 1)
		m->source = m->type == MOUNT_BIND ? resolve_path(c, parts[0]) : xstrdup(parts[0]);
	rc = np == 3 ? apply_volume_options(m, parts[2]) : 0;
	if (rc == 0 && m->target[0] != '/')
		rc = -1;
out:
	free(spec);
	if (rc < 0)
		return c_fail(c, n, "invalid volume \"%s\": expected [SOURCE:]TARGET[:OPTIONS] with an absolute TARGET", n->str);
	return 0;
}

struct long_volume {
	char *type, *source, *target, *consistency;
	bool read_only;
	struct mount *m;
};

struct bind_opts {
	char *propagation, *selinux;
	bool create_host_path;
};

struct volume_opts {
	bool nocopy;
	char *subpath;
};

struct tmpfs_opts {
	uint64_t size, mode;
};

static const struct field bind_fields[] = {
	FIELD("propagation", conv_str, struct bind_opts, propagation),
	FIELD("create_host_path", conv_bool, struct bind_opts, create_host_path),
	FIELD("selinux", conv_str, struct bind_opts, selinux),
};

static const struct field volume_opt_fields[] = {
	FIELD("nocopy", conv_bool, struct volume_opts, nocopy),
	FIELD("subpath", conv_str, struct volume_opts, subpath),
};

static int conv_octal(struct ctx *c, const struct ynode *n, void *dst);

static const struct field tmpfs_fields[] = {
	FIELD("size", conv_bytes, struct tmpfs_opts, size),
	FIELD("mode", conv_octal, struct tmpfs_opts, mode),
};

static int conv_bind_opts(struct ctx *c, const struct ynode *n, void *dst)
{
	struct mount *m = ((struct long_volume *)dst)->m;
	struct bind_opts b = { 0 };
	int rc = CONV_OBJECT(c, n, bind_fields, &b);
	m->propagation = b.propagation;
	m->create_host_path = b.create_host_path;
	free(b.selinux);
	return rc;
}

static int conv_volume_opts(struct ctx *c, const struct ynode *n, void *dst)
{
	struct mount *m = ((struct long_volume *)dst)->m;
	struct volume_opts v = { 0 };
	int rc = CONV_OBJECT(c, n, volume_opt_fields, &v);
	m->nocopy = v.nocopy;
	m->subpath = v.subpath;
	return rc;
}

static int conv_tmpfs_opts(struct ctx *c, const struct ynode *n, void *dst)
{
	struct mount *m = ((struct long_volume *)dst)->m;
	struct tmpfs_opts t = { 0 };
	int rc = CONV_OBJECT(c, n, tmpfs_fields, &t);
	m->tmpfs_size = t.size;
	m->tmpfs_mode = (uint32_t)t.mode;
	return rc;
}

static int conv_volume_type(struct ctx *c, const struct ynode *n, void *dst)
{
	static const char *const ok[] = { "volume", "bind", "tmpfs", "npipe", "cluster", NULL };
	return c_enum(c, n, ok, dst);
}

static const struct field long_volume_fields[] = {
	FIELD("type", conv_volume_type, struct long_volume, type),
	FIELD("source", conv_str, struct long_volume, source),
	FIELD("target", conv_str, struct long_volume, target),
	FIELD("read_only", conv_bool, struct long_volume, read_only),
	FIELD("consistency", conv_str, struct long_volume, consistency),
	KEY("bind", conv_bind_opts),
	KEY("volume", conv_volume_opts),
	KEY("tmpfs", conv_tmpfs_opts),
};

static enum mount_type mount_type_of(const char *t)
{
	static const char *const names[] = { "volume", "bind", "tmpfs", "npipe", "cluster" };
	for (size_t i = 0; t && i < ARRAY_SIZE(names); i++)
		if (streq(t, names[i]))
			return (enum mount_type)i;
	return MOUNT_VOLUME;
}

static int long_volume(struct ctx *c, const struct ynode *n, struct service *svc)
{
	struct long_volume lv = { .m = add_mount(svc) };
	int rc = CONV_OBJECT(c, n, long_volume_fields, &lv);
	struct mount *m = lv.m;
	m->type = mount_type_of(lv.type);
	m->read_only = lv.read_only;
	m->consistency = lv.consistency;
	m->target = lv.target;
	if (m->type == MOUNT_BIND && lv.source)
		m->source = resolve_path(c, lv.source);
	else
		m->source = lv.source ? xstrdup(lv.source) : NULL;
	free(lv.source);
	free(lv.type);
	if (rc == 0 && (!m->target || !*m->target))
		rc = c_fail(c, n, "target is required");
	if (rc == 0 && m->type == MOUNT_BIND && !m->source)
		rc = c_fail(c, n, "a bind mount needs a source");
	return rc;
}

static int one_volume(struct ctx *c, const struct ynode *n, void *svc)
{
	return n->kind == YN_SCALAR ? short_volume(c, n, svc) : long_volume(c, n, svc);
}

int conv_volumes(struct ctx *c, const struct ynode *n, void *dst)
{
	return each_item(c, n, dst, one_volume);
}

/* --- secrets and configs ------------------------------------------------ */

/* File modes: 0440 and 0o440 are octal, as in YAML 1.1 and Docker. */
static int conv_octal(struct ctx *c, const struct ynode *n, void *dst)
{
	const char *s = NULL;
	char *end;
	if (c_scalar(c, n, "a file mode", &s) < 0)
		return -1;
	const char *digits = !strncmp(s, "0o", 2) ? s + 2 : s;
	int base = digits != s || (s[0] == '0' && s[1]) ? 8 : 10;
	errno = 0;
	unsigned long v = strtoul(digits, &end, base);
	if (errno || end == digits || *end || v > 07777 || *digits == '-' || *digits == '+')
		return c_fail(c, n, "expected a file mode like 0440, got \"%s\"", s);
	*(uint64_t *)dst = v;
	return 0;
}

struct long_ref {
	char *source, *target, *uid, *gid;
	uint64_t mode;
	bool mode_set;
};

static int conv_ref_mode(struct ctx *c, const struct ynode *n, void *dst)
{
	struct long_ref *r = dst;
	r->mode_set = true;
	return conv_octal(c, n, &r->mode);
}

static const struct field ref_fields[] = {
	FIELD("source", conv_str, struct long_ref, source),
	FIELD("target", conv_str, struct long_ref, target),
	FIELD("uid", conv_str, struct long_ref, uid),
	FIELD("gid", conv_str, struct long_ref, gid),
	KEY("mode", conv_ref_mode),
};

static int one_ref(struct ctx *c, const struct ynode *n, struct file_ref **arr, size_t *len, size_t *cap)
{
	struct long_ref r = { 0 };
	int rc = 0;
	if (n->kind == YN_SCALAR)
		r.source = xstrdup(n->str);
	else
		rc = CONV_OBJECT(c, n, ref_fields, &r);
	if (rc == 0 && (!r.source || !*r.source))
		rc = c_fail(c, n, "source is required");
	GROW(*arr, *cap, *len + 1);
	struct file_ref *f = &(*arr)[(*len)++];
	f->source = r.source;
	f->target = r.target;
	f->uid = r.uid;
	f->gid = r.gid;
	f->mode = r.mode_set ? (int32_t)r.mode : -1;
	return rc;
}

static int one_secret(struct ctx *c, const struct ynode *n, void *dst)
{
	struct service *s = dst;
	return one_ref(c, n, &s->secrets, &s->nsecrets, &s->secrets_cap);
}

static int one_config(struct ctx *c, const struct ynode *n, void *dst)
{
	struct service *s = dst;
	return one_ref(c, n, &s->configs, &s->nconfigs, &s->configs_cap);
}

int conv_secrets(struct ctx *c, const struct ynode *n, void *dst)
{
	return each_item(c, n, dst, one_secret);
}

int conv_configs(struct ctx *c, const struct ynode *n, void *dst)
{
	return each_item(c, n, dst, one_config);
}
