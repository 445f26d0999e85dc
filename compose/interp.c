/* ${...} interpolation, following the Compose spec: $VAR, ${VAR},
 * ${VAR:-d}, ${VAR-d}, ${VAR:?e}, ${VAR?e}, ${VAR:+a}, ${VAR+a}, nesting in
 * the word after the operator, and $$ for a literal dollar. */
#include "compose/interp.h"
#include "util/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NESTING 32

struct interp {
	struct env *env;
	const struct ynode *where;
	const char *path;
	const char *whole;	/* the original value, for messages */
	struct strbuf *err;
};

static int expand(struct interp *in, const char *s, size_t len, struct strbuf *out, int depth);

static int fail(struct interp *in, const char *msg, const char *arg)
{
	yn_where(in->err, in->where);
	if (*in->path)
		sb_addf(in->err, "%s: ", in->path);
	sb_addf(in->err, msg, arg);
	return -1;
}

static bool name_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static size_t name_len(const char *s, size_t len)
{
	size_t i = 0;
	if (len == 0 || !name_start(s[0]))
		return 0;
	while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '_'))
		i++;
	return i;
}

static const char *lookup(struct interp *in, const char *name, bool warn_unset)
{
	const char *v = env_lookup(in->env, name);
	if (v || !warn_unset || sl_has(&in->env->warned, name))
		return v;
	sl_push(&in->env->warned, name);
	if (!in->env->quiet)
		warning("%s:%u:%u: the \"%s\" variable is not set, defaulting to a blank string",
			in->where->file, in->where->line, in->where->col, name);
	return v;
}

/* Length of a ${...} body starting after "${", honouring nested braces;
 * 0 when unterminated. */
static size_t braced_len(const char *s, size_t len)
{
	int open = 1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '$' && i + 1 < len && s[i + 1] == '{') {
			open++;
			i++;
		} else if (s[i] == '}' && --open == 0) {
			return i + 1;
		}
	}
	return 0;
}

static int apply_op(struct interp *in, const char *name, const char *op, const char *word,
		    size_t wlen, struct strbuf *out, int depth)
{
	bool colon = *op == ':';
	char kind = colon ? op[1] : op[0];
	const char *v = lookup(in, name, kind == 0);
	bool set = v && !(colon && !*v);

	switch (kind) {
	case 0:
		sb_adds(out, v ? v : "");
		return 0;
	case '-':
		return set ? (sb_adds(out, v), 0) : expand(in, word, wlen, out, depth + 1);
	case '+':
		return set ? expand(in, word, wlen, out, depth + 1) : 0;
	default: /* '?' */
		if (set) {
			sb_adds(out, v);
			return 0;
		}
		struct strbuf msg = STRBUF_INIT;
		int rc = expand(in, word, wlen, &msg, depth + 1);
		if (rc == 0) {
			yn_where(in->err, in->where);
			sb_addf(in->err, "required variable %s is missing a value", name);
			if (msg.len)
				sb_addf(in->err, ": %s", msg.buf);
			rc = -1;
		}
		sb_free(&msg);
		return rc;
	}
}

/* The operator after the name: "" for ${VAR}, NULL when malformed. */
static const char *find_op(const char *s, size_t len)
{
	static const char *const ops[] = { ":-", ":?", ":+", "-", "?", "+" };
	if (len == 0)
		return "";
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
		size_t olen = strlen(ops[i]);
		if (olen <= len && !strncmp(s, ops[i], olen))
			return ops[i];
	}
	return NULL;
}

static int braced(struct interp *in, const char *body, size_t len, struct strbuf *out, int depth)
{
	size_t n = name_len(body, len);
	const char *op = n ? find_op(body + n, len - n) : NULL;
	if (!op)
		return fail(in, "invalid interpolation format for \"%s\"", in->whole);
	char *name = xstrndup(body, n);
	size_t skip = n + strlen(op);
	int rc = apply_op(in, name, op, body + skip, len - skip, out, depth);
	free(name);
	return rc;
}

static int dollar(struct interp *in, const char *s, size_t len, size_t *used, struct strbuf *out, int depth)
{
	if (len >= 2 && s[1] == '$') {
		sb_addc(out, '$');
		*used = 2;
		return 0;
	}
	if (depth > 0 && (len < 2 || s[1] != '{')) {
		/* Inside a default or alternative word (depth > 0) docker takes
		 * the word literally but for nested ${...}: a bcrypt hash in
		 * ${PW:-$2y$05$salt...} stays as written. */
		sb_addc(out, '$');
		*used = 1;
		return 0;
	}
	size_t n = name_len(s + 1, len - 1);
	if (n) {
		char *name = xstrndup(s + 1, n);
		const char *v = lookup(in, name, true);
		sb_adds(out, v ? v : "");
		free(name);
		*used = 1 + n;
		return 0;
	}
	size_t blen = len >= 2 && s[1] == '{' ? braced_len(s + 2, len - 2) : 0;
	if (blen == 0)
		return fail(in, "invalid interpolation format for \"%s\": use $$ for a literal $", in->whole);
	*used = 2 + blen;
	return braced(in, s + 2, blen - 1, out, depth);
}

static int expand(struct interp *in, const char *s, size_t len, struct strbuf *out, int depth)
{
	if (depth > MAX_NESTING)
		return fail(in, "interpolation nested too deeply in \"%s\"", in->whole);
	for (size_t i = 0; i < len;) {
		const char *d = memchr(s + i, '$', len - i);
		size_t plain = d ? (size_t)(d - (s + i)) : len - i;
		sb_add(out, s + i, plain);
		i += plain;
		if (i == len)
			break;
		size_t used = 0;	/* set by dollar() on success; -Os cannot see it */
		if (dollar(in, s + i, len - i, &used, out, depth) < 0)
			return -1;
		i += used;
	}
	return 0;
}

int interpolate(struct env *e, const struct ynode *where, const char *path,
		const char *s, struct strbuf *out, struct strbuf *err)
{
	struct interp in = { e, where, path, s, err };
	return expand(&in, s, strlen(s), out, 0);
}

static int interpolate_scalar(struct env *e, struct ynode *n, struct strbuf *path, struct strbuf *err)
{
	if (!memchr(n->str, '$', n->len))
		return 0;
	struct strbuf out = STRBUF_INIT;
	if (interpolate(e, n, sb_str(path), n->str, &out, err) < 0) {
		sb_free(&out);
		return -1;
	}
	free(n->str);
	n->len = out.len;
	n->str = out.len ? sb_detach(&out) : xstrdup("");
	sb_free(&out);
	/* The result is a string: an empty one is not null. Typed fields
	 * still cast it ("3" -> 3). */
	n->style = YS_QUOTED;
	return 0;
}

int interpolate_tree(struct env *e, struct ynode *n, struct strbuf *path, struct strbuf *err)
{
	size_t mark = path->len;
	int rc = 0;
	if (n->kind == YN_SCALAR)
		return interpolate_scalar(e, n, path, err);
	for (size_t i = 0; i < n->n && rc == 0; i++) {
		if (n->kind == YN_SEQ) {
			sb_addf(path, "[%zu]", i);
			rc = interpolate_tree(e, n->items[i], path, err);
		} else {
			sb_addf(path, "%s%s", mark ? "." : "", n->pairs[i].key->str);
			rc = interpolate_tree(e, n->pairs[i].val, path, err);
		}
		path->len = mark;
		if (path->buf)
			path->buf[mark] = '\0';
	}
	return rc;
}
