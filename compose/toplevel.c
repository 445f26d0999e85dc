/* The top level: stack name, networks, volumes, secrets, configs, then the
 * services, then cross-references between them. */
#include "compose/schema.h"
#include "util/names.h"
#include "util/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* external: true, or the legacy external: {name: N}. */
struct external {
	bool external;
	char *name;
};

static int conv_external(struct ctx *c, const struct ynode *n, void *dst)
{
	struct external *e = dst;
	if (n->kind == YN_SCALAR)
		return conv_bool(c, n, &e->external);
	const struct ynode *name = yn_get(n, "name");
	if (n->kind != YN_MAP || n->n != 1 || !name)
		return c_fail(c, n, "expected true, false or {name: NAME}");
	e->external = true;
	return conv_str(c, name, &e->name);
}

struct ipam {
	char *driver;
	struct strlist subnets;
};

static int conv_pool(struct ctx *c, const struct ynode *n, void *dst)
{
	const struct ynode *subnet = yn_get(n, "subnet");
	if (!subnet || subnet->kind != YN_SCALAR)
		return c_fail(c, n, "expected {subnet: CIDR, gateway: IP, ip_range: CIDR}");
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, subnet->str);
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *k = n->pairs[i].key, *v = n->pairs[i].val;
		if (streq(k->str, "subnet") || streq(k->str, "aux_addresses"))
			continue;
		if ((!streq(k->str, "gateway") && !streq(k->str, "ip_range")) || v->kind != YN_SCALAR) {
			sb_free(&sb);
			return c_fail(c, k, "unknown key \"%s\" in an IPAM pool", k->str);
		}
		sb_addf(&sb, ",%s=%s", k->str, v->str);
	}
	sl_push(dst, sb.buf);
	sb_free(&sb);
	return 0;
}

static int conv_pools(struct ctx *c, const struct ynode *n, void *dst)
{
	if (n->kind != YN_SEQ)
		return c_fail(c, n, "expected a list of pools");
	for (size_t i = 0; i < n->n; i++) {
		size_t mark = c_push_index(c, i);
		int rc = conv_pool(c, n->items[i], dst);
		c_pop(c, mark);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static const struct field ipam_fields[] = {
	FIELD("driver", conv_str, struct ipam, driver),
	FIELD("config", conv_pools, struct ipam, subnets),
	KEY("options", conv_ignored),
};

static int conv_ipam(struct ctx *c, const struct ynode *n, void *dst)
{
	struct network *net = dst;
	struct ipam ipam = { 0 };
	int rc = CONV_OBJECT(c, n, ipam_fields, &ipam);
	net->ipam_driver = ipam.driver;
	net->subnets = ipam.subnets;
	return rc;
}

struct net_in {
	struct network net;
	struct external ext;
};

static const struct field network_fields[] = {
	FIELD("name", conv_str, struct net_in, net.name),
	FIELD("driver", conv_str, struct net_in, net.driver),
	FIELD("driver_opts", conv_kvlist, struct net_in, net.driver_opts),
	FIELD("labels", conv_kvlist, struct net_in, net.labels),
	FIELD("attachable", conv_bool, struct net_in, net.attachable),
	FIELD("internal", conv_bool, struct net_in, net.internal),
	FIELD("enable_ipv6", conv_bool, struct net_in, net.enable_ipv6),
	FIELD("external", conv_external, struct net_in, ext),
	FIELD("ipam", conv_ipam, struct net_in, net),
	KEY("enable_ipv4", conv_ignored),
};

struct vol_in {
	struct volume vol;
	struct external ext;
};

static const struct field volume_fields[] = {
	FIELD("name", conv_str, struct vol_in, vol.name),
	FIELD("driver", conv_str, struct vol_in, vol.driver),
	FIELD("driver_opts", conv_kvlist, struct vol_in, vol.driver_opts),
	FIELD("labels", conv_kvlist, struct vol_in, vol.labels),
	FIELD("external", conv_external, struct vol_in, ext),
};

struct obj_in {
	struct file_obj obj;
	struct external ext;
	char *file;
};

static const struct field file_obj_fields[] = {
	FIELD("name", conv_str, struct obj_in, obj.name),
	FIELD("file", conv_str, struct obj_in, file),
	FIELD("environment", conv_str, struct obj_in, obj.environment),
	FIELD("content", conv_str, struct obj_in, obj.content),
	FIELD("template_driver", conv_str, struct obj_in, obj.template_driver),
	FIELD("labels", conv_kvlist, struct obj_in, obj.labels),
	FIELD("external", conv_external, struct obj_in, ext),
	KEY("driver", conv_ignored),
	KEY("driver_opts", conv_ignored),
};

/* The name on the hosts: explicit, external as is, or STACK_KEY. An empty
 * name (often "${VAR}" with VAR unset) counts as none, as in docker. */
static char *resource_name(const char *stack, const char *key, char *name, const struct external *e)
{
	if (e->name && *e->name) {
		free(name);
		return e->name;
	}
	free(e->name);
	if (name && *name)
		return name;
	free(name);
	return e->external ? xstrdup(key) : xasprintf("%s_%s", stack, key);
}

static int one_network(struct ctx *c, const char *stack, const char *key, const struct ynode *n, struct network *out)
{
	struct net_in in = { 0 };
	int rc = CONV_OBJECT(c, n, network_fields, &in);
	*out = in.net;
	out->key = xstrdup(key);
	out->external = in.ext.external;
	out->name = resource_name(stack, key, out->name, &in.ext);
	if (!out->driver && !out->external)
		out->driver = xstrdup("overlay");
	return rc;
}

static int one_volume(struct ctx *c, const char *stack, const char *key, const struct ynode *n, struct volume *out)
{
	struct vol_in in = { 0 };
	int rc = CONV_OBJECT(c, n, volume_fields, &in);
	*out = in.vol;
	out->key = xstrdup(key);
	out->external = in.ext.external;
	out->name = resource_name(stack, key, out->name, &in.ext);
	if (!out->driver && !out->external)
		out->driver = xstrdup("local");
	return rc;
}

static int one_file_obj(struct ctx *c, const char *stack, const char *key, const struct ynode *n,
			struct file_obj *out, bool is_config)
{
	struct obj_in in = { 0 };
	int rc = CONV_OBJECT(c, n, file_obj_fields, &in);
	*out = in.obj;
	out->key = xstrdup(key);
	out->external = in.ext.external;
	out->name = resource_name(stack, key, out->name, &in.ext);
	out->file = in.file ? resolve_path(c, in.file) : NULL;
	free(in.file);
	const struct ynode *pin = yn_get(n, "x-cswarm-version");
	if (rc == 0 && pin) {
		int64_t version = 0;
		size_t mark = c_push(c, "x-cswarm-version");
		rc = conv_int(c, pin, &version);
		if (rc == 0 && version < 1)
			rc = c_fail(c, pin, "expected a version number from 1");
		out->version = version;
		c_pop(c, mark);
	}
	int sources = !!out->file + !!out->environment + !!out->content + out->external;
	if (rc == 0 && out->content && !is_config)
		rc = c_fail(c, yn_get(n, "content"), "content is only allowed for configs");
	if (rc == 0 && sources != 1)
		rc = c_fail(c, n, "exactly one of file, environment%s or external is required",
			    is_config ? ", content" : "");
	return rc;
}

/* Run one(...) for each NAME: SPEC of a top-level section, into a fresh
 * array of elem-sized records. */
typedef int (*one_fn)(struct ctx *c, const char *stack, const char *key, const struct ynode *n, void *out);

static int section(struct ctx *c, const struct ynode *root, const char *name, const char *stack,
		   void **arr, size_t *len, size_t elem, one_fn one)
{
	const struct ynode *n = yn_get(root, name);
	if (yn_is_null(n))
		return 0;
	size_t mark = c_push(c, name);
	int rc = n->kind == YN_MAP ? 0 : c_fail(c, n, "expected a mapping");
	if (rc == 0)
		*arr = xcalloc(n->n ? n->n : 1, elem);
	for (size_t i = 0; rc == 0 && i < n->n; i++) {
		const char *key = n->pairs[i].key->str;
		if (starts_with(key, "x-"))
			continue;
		size_t m2 = c_push(c, key);
		rc = one(c, stack, key, n->pairs[i].val, (char *)*arr + *len * elem);
		(*len)++;
		c_pop(c, m2);
	}
	c_pop(c, mark);
	return rc;
}

/* Network, volume, secret and config keys name docker objects
 * ("STACK_KEY") and files on the hosts. */
static int valid_key(struct ctx *c, const char *what, const char *key, const struct ynode *n)
{
	if (name_valid(key, NAME_MAX_LEN))
		return 0;
	return c_fail(c, n, "invalid %s name \"%s\": use letters, digits, '_', '.' and '-', "
		      "at most %d characters", what, key, NAME_MAX_LEN);
}

static int net_one(struct ctx *c, const char *stack, const char *key, const struct ynode *n, void *out)
{
	return valid_key(c, "network", key, n) ? -1 : one_network(c, stack, key, n, out);
}

static int vol_one(struct ctx *c, const char *stack, const char *key, const struct ynode *n, void *out)
{
	return valid_key(c, "volume", key, n) ? -1 : one_volume(c, stack, key, n, out);
}

static int secret_one(struct ctx *c, const char *stack, const char *key, const struct ynode *n, void *out)
{
	return valid_key(c, "secret", key, n) ? -1 : one_file_obj(c, stack, key, n, out, false);
}

static int config_one(struct ctx *c, const char *stack, const char *key, const struct ynode *n, void *out)
{
	return valid_key(c, "config", key, n) ? -1 : one_file_obj(c, stack, key, n, out, true);
}

static int svc_one(struct ctx *c, const char *stack, const char *key, const struct ynode *n, void *out)
{
	(void)stack;
	int rc = conv_service(c, key, n, out);
	/* Service names become container and DNS names. */
	if (rc == 0 && !name_valid(key, NAME_MAX_LEN))
		rc = c_fail(c, n, "invalid service name \"%s\": use letters, digits, '_', '.' and '-', "
			    "at most %d characters", key, NAME_MAX_LEN);
	return rc;
}

static const char *const top_keys[] = {
	"version", "name", "services", "networks", "volumes", "secrets", "configs",
};

static int check_top_keys(struct ctx *c, const struct ynode *root)
{
	struct field table[ARRAY_SIZE(top_keys)];
	for (size_t i = 0; i < ARRAY_SIZE(top_keys); i++)
		table[i] = (struct field){ top_keys[i], conv_later, 0 };
	for (size_t i = 0; i < root->n; i++) {
		const struct ynode *k = root->pairs[i].key;
		if (streq(k->str, "include"))
			return c_fail(c, k, "include is not supported: pass each file with -c");
		if (!streq(k->str, "services") && !starts_with(k->str, "x-") &&
		    (yn_get(root->pairs[i].val, "image") || yn_get(root->pairs[i].val, "build")))
			return c_fail(c, k, "unknown top-level key \"%s\": services belong under services: "
				      "(version 1 files are not supported)", k->str);
		if (streq(k->str, "models")) {
			c_warn(c, k, "models: ignored, not supported by stack deploy");
			continue;
		}
	}
	struct ynode copy = *root;	/* conv_object on a view without the handled keys */
	copy.n = 0;
	copy.pairs = xmalloc((root->n ? root->n : 1) * sizeof(*copy.pairs));
	for (size_t i = 0; i < root->n; i++)
		if (!streq(root->pairs[i].key->str, "models"))
			copy.pairs[copy.n++] = root->pairs[i];
	int rc = conv_object(c, &copy, table, ARRAY_SIZE(table), &copy);
	free(copy.pairs);
	return rc;
}

/* Lower case, [a-z0-9_-], as `docker stack deploy` and compose want. */
static char *normalize_name(const char *s)
{
	char *out = xmalloc(strlen(s) + 1), *w = out;
	for (; *s; s++) {
		char ch = (char)tolower((unsigned char)*s);
		if (isalnum((unsigned char)ch) || ((ch == '_' || ch == '-') && w != out))
			*w++ = ch;
	}
	*w = '\0';
	return out;
}

static int stack_name(struct ctx *c, const struct ynode *root, const char *given, struct stack *st)
{
	const struct ynode *n = yn_get(root, "name");
	const char *base = strrchr(c->workdir, '/');
	const char *raw = given ? given : (n && n->kind == YN_SCALAR && *n->str) ? n->str : base ? base + 1 : c->workdir;
	st->name = normalize_name(raw);
	if (strlen(st->name) > NAME_MAX_LEN) {
		sb_addf(c->err, "stack name \"%s\" is longer than %d characters", st->name, NAME_MAX_LEN);
		return -1;
	}
	if (*st->name)
		return 0;
	if (n && !given)
		return c_fail(c, n, "name: \"%s\" has no letter or digit", n->str);
	sb_addf(c->err, "cannot derive a stack name from \"%s\": use --name", raw);
	return -1;
}

int conv_toplevel(struct ctx *c, const struct ynode *root, const char *name, struct stack *st)
{
	if (check_top_keys(c, root) < 0 || stack_name(c, root, name, st) < 0)
		return -1;
	if (section(c, root, "networks", st->name, (void **)&st->networks, &st->nnetworks, sizeof(struct network), net_one) < 0 ||
	    section(c, root, "volumes", st->name, (void **)&st->volumes, &st->nvolumes, sizeof(struct volume), vol_one) < 0 ||
	    section(c, root, "secrets", st->name, (void **)&st->secrets, &st->nsecrets, sizeof(struct file_obj), secret_one) < 0 ||
	    section(c, root, "configs", st->name, (void **)&st->configs, &st->nconfigs, sizeof(struct file_obj), config_one) < 0)
		return -1;
	const struct ynode *svcs = yn_get(root, "services");
	if (yn_is_null(svcs))
		return c_fail(c, root, "services: at least one service is required");
	return section(c, root, "services", st->name, (void **)&st->services, &st->nservices,
		       sizeof(struct service), svc_one);
}
