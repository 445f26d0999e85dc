/* Typed inventory values: Python literals (INI) and YAML 1.1 scalars. */
#include "inventory/value.h"
#include "util/json.h"
#include "util/util.h"

#include <ctype.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void inv_json_string(struct strbuf *out, const char *s, size_t len)
{
	sb_addc(out, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\')
			sb_addf(out, "\\%c", ch);
		else if (ch == '\n')
			sb_adds(out, "\\n");
		else if (ch == '\t')
			sb_adds(out, "\\t");
		else if (ch < 0x20 || ch == 0x7f)
			sb_addf(out, "\\u%04x", ch);
		else
			sb_addc(out, (char)ch);
	}
	sb_addc(out, '"');
}

/* Shortest text that reads back as d (Python's repr), JSON-valid. */
static void add_float(struct strbuf *out, double d)
{
	char buf[40];

	if (isnan(d)) {
		sb_adds(out, "null");	/* JSON has no NaN */
		return;
	}
	if (isinf(d)) {
		sb_adds(out, d < 0 ? "-1e999" : "1e999");	/* reads back as infinity */
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	sb_adds(out, buf);
	if (!strpbrk(buf, ".eEn"))
		sb_adds(out, ".0");
}

/* digits (underscores allowed) in base; -1 on overflow or a bad digit. */
static int parse_unsigned(const char *s, size_t n, int base, unsigned long long *out)
{
	unsigned long long v = 0;
	int any = 0;

	for (size_t i = 0; i < n; i++) {
		int c = tolower((unsigned char)s[i]), d;
		if (c == '_')
			continue;
		d = isdigit(c) ? c - '0' : c >= 'a' && c <= 'z' ? c - 'a' + 10 : 99;
		if (d >= base || v > (~0ULL - (unsigned)d) / (unsigned)base)
			return -1;
		v = v * (unsigned)base + (unsigned)d;
		any = 1;
	}
	*out = v;
	return any ? 0 : -1;
}

static void add_signed(struct strbuf *out, int negative, unsigned long long v)
{
	sb_addf(out, "%s%llu", negative && v ? "-" : "", v);
}

/* The n bytes at s without '_' (digit separators), lowercased. */
static char *without_underscores(const char *s, size_t n)
{
	char *out = xmalloc(n + 1), *w = out;
	for (size_t i = 0; i < n; i++)
		if (s[i] != '_')
			*w++ = (char)tolower((unsigned char)s[i]);
	*w = '\0';
	return out;
}

/* Decimal digits with '_' removed and leading zeros dropped. */
static void add_decimal(struct strbuf *out, int negative, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && (s[i] == '0' || s[i] == '_'))
		i++;
	if (i == n) {
		sb_addc(out, '0');
		return;
	}
	if (negative)
		sb_addc(out, '-');
	for (; i < n; i++)
		if (s[i] != '_')
			sb_addc(out, s[i]);
}

/* --- Python literals (ast.literal_eval) ---------------------------------- */

struct py {
	const char *p;
	int depth;
};

enum py_type { PY_FAIL, PY_NUM, PY_STR, PY_BYTES, PY_OTHER };

static void py_space(struct py *py)
{
	for (;;) {
		while (*py->p == ' ' || *py->p == '\t' || *py->p == '\f')
			py->p++;
		if (*py->p != '#')
			return;
		py->p += strlen(py->p);
	}
}

static int is_ident(char c)
{
	return isalnum((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80;
}

static void add_utf8(struct strbuf *out, unsigned long cp)
{
	if (cp < 0x80) {
		sb_addc(out, (char)cp);
	} else if (cp < 0x800) {
		sb_addc(out, (char)(0xc0 | (cp >> 6)));
		sb_addc(out, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		sb_addc(out, (char)(0xe0 | (cp >> 12)));
		sb_addc(out, (char)(0x80 | ((cp >> 6) & 0x3f)));
		sb_addc(out, (char)(0x80 | (cp & 0x3f)));
	} else {
		sb_addc(out, (char)(0xf0 | (cp >> 18)));
		sb_addc(out, (char)(0x80 | ((cp >> 12) & 0x3f)));
		sb_addc(out, (char)(0x80 | ((cp >> 6) & 0x3f)));
		sb_addc(out, (char)(0x80 | (cp & 0x3f)));
	}
}

/* \xhh, \uhhhh, \Uhhhhhhhh: exactly n hex digits. */
static int hex_escape(const char **p, int n, unsigned long *cp)
{
	unsigned long v = 0;
	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (!isxdigit((unsigned char)c))
			return -1;
		v = v * 16 + (unsigned long)(isdigit((unsigned char)c) ? c - '0' : tolower((unsigned char)c) - 'a' + 10);
	}
	*p += n;
	*cp = v;
	return 0;
}

/* One backslash escape of a non-raw literal, p after the backslash. */
static int py_escape(const char **p, int bytes, struct strbuf *out)
{
	static const char simple[] = "\\\\''\"\"a\ab\bf\fn\nr\rt\tv\v";
	char c = *(*p)++;
	unsigned long cp;

	for (size_t i = 0; simple[i]; i += 2)
		if (simple[i] == c) {
			sb_addc(out, simple[i + 1]);
			return 0;
		}
	if (c >= '0' && c <= '7') {
		cp = (unsigned long)(c - '0');
		for (int i = 0; i < 2 && **p >= '0' && **p <= '7'; i++)
			cp = cp * 8 + (unsigned long)(*(*p)++ - '0');
	} else if (c == 'x') {
		if (hex_escape(p, 2, &cp))
			return -1;
	} else if (!bytes && (c == 'u' || c == 'U')) {
		if (hex_escape(p, c == 'u' ? 4 : 8, &cp) || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
			return -1;
	} else if (!bytes && c == 'N') {
		return -1;	/* \N{name}: not worth a Unicode name table */
	} else {
		sb_addc(out, '\\');	/* unknown escapes stay as written */
		(*p)--;
		return 0;
	}
	if (bytes && cp > 0xff)
		return -1;
	if (bytes)
		sb_addc(out, (char)cp);
	else
		add_utf8(out, cp);
	return 0;
}

/* The length of the prefix (r, b, u, f, rb...) of the string literal at p;
 * (size_t)-1 if p starts no string literal. */
static size_t py_prefix(const char *p, int *raw, int *bytes, int *fmt)
{
	size_t n = 0;
	*raw = *bytes = *fmt = 0;
	while (n < 3 && strchr("rRbBuUfF", p[n]) && p[n]) {
		char c = (char)tolower((unsigned char)p[n++]);
		*raw |= c == 'r';
		*bytes |= c == 'b';
		*fmt |= c == 'f';
	}
	return p[n] == '\'' || p[n] == '"' ? n : (size_t)-1;
}

/* One string literal (prefix already read) into out; -1 if malformed. */
static int py_one_string(struct py *py, int raw, int bytes, struct strbuf *out)
{
	char q = *py->p;
	int triple = py->p[1] == q && py->p[2] == q;
	const char *p = py->p + (triple ? 3 : 1);

	for (;;) {
		if (!*p)
			return -1;
		if (*p == q && (!triple || (p[1] == q && p[2] == q))) {
			py->p = p + (triple ? 3 : 1);
			return 0;
		}
		if (bytes && (unsigned char)*p >= 0x80)
			return -1;
		if (*p == '\\' && !raw) {
			p++;
			if (!*p || py_escape(&p, bytes, out))
				return -1;
		} else if (*p == '\\' && p[1]) {
			sb_addc(out, *p++);	/* raw: the backslash stays and escapes nothing */
			sb_addc(out, *p++);
		} else {
			sb_addc(out, *p++);
		}
	}
}

/* Adjacent string literals concatenate ("'a' 'b'" is ab). */
static enum py_type py_strings(struct py *py, struct strbuf *json)
{
	struct strbuf s = STRBUF_INIT;
	int raw, bytes, fmt, kind = -1;
	size_t n;
	enum py_type t = PY_FAIL;

	while ((n = py_prefix(py->p, &raw, &bytes, &fmt)) != (size_t)-1) {
		if (fmt || (kind != -1 && kind != bytes))
			goto out;
		kind = bytes;
		py->p += n;
		if (py_one_string(py, raw, bytes, &s))
			goto out;
		py_space(py);
	}
	/* Bytes become text as Ansible's to_text does: UTF-8 only. */
	inv_json_string(json, s.buf ? s.buf : "", s.len);
	t = kind ? PY_BYTES : PY_STR;
out:
	sb_free(&s);
	return t;
}

static size_t span_digits(const char *p, const char *set)
{
	size_t n = 0;
	while (p[n] && strchr(set, p[n]) && (p[n] != '_' || (n && p[n + 1] && strchr(set, p[n + 1]) && p[n + 1] != '_')))
		n++;
	return n;
}

static enum py_type py_number(struct py *py, int negative, struct strbuf *json)
{
	const char *s = py->p;
	unsigned long long v;
	static const struct { char letter; int base; const char *digits; } bases[] = {
		{ 'x', 16, "0123456789abcdefABCDEF_" }, { 'o', 8, "01234567_" }, { 'b', 2, "01_" },
	};

	for (size_t i = 0; s[0] == '0' && i < ARRAY_SIZE(bases); i++) {
		if (tolower((unsigned char)s[1]) != bases[i].letter)
			continue;
		const char *d = s + 2 + (s[2] == '_');
		size_t n = span_digits(d, bases[i].digits);
		if (!n || is_ident(d[n]) || parse_unsigned(d, n, bases[i].base, &v))
			return PY_FAIL;
		py->p = d + n;
		add_signed(json, negative, v);
		return PY_NUM;
	}
	size_t ni = span_digits(s, "0123456789_"), nf = 0, ne = 0;
	const char *e = s + ni;
	if (*e == '.') {
		nf = 1 + span_digits(e + 1, "0123456789_");
		e += nf;
	}
	if ((*e == 'e' || *e == 'E') && (isdigit((unsigned char)e[1]) ||
	    ((e[1] == '+' || e[1] == '-') && isdigit((unsigned char)e[2])))) {
		ne = 1 + (e[1] == '+' || e[1] == '-');
		ne += span_digits(e + ne, "0123456789_");
		e += ne;
	}
	if ((!ni && nf < 2) || is_ident(*e))
		return PY_FAIL;	/* "." alone, 1j, 1abc */
	py->p = e;
	if (!nf && !ne) {
		/* Python refuses leading zeros: 010 is a syntax error. */
		if (s[0] == '0' && strspn(s, "0_") != ni)
			return PY_FAIL;
		add_decimal(json, negative, s, ni);
		return PY_NUM;
	}
	char *text = without_underscores(s, (size_t)(e - s));
	double d = strtod(text, NULL);
	free(text);
	add_float(json, negative ? -d : d);
	return PY_NUM;
}

static enum py_type py_value(struct py *py, struct strbuf *json);

/* After a dict key (its JSON in key, its type t) and the ':': the key as
 * a JSON key (1 becomes "1", as json.dumps does), then the value. */
static int py_dict_entry(struct py *py, const struct strbuf *key, enum py_type t, struct strbuf *json)
{
	if (t == PY_STR || t == PY_BYTES)
		sb_add(json, key->buf, key->len);
	else if (t == PY_NUM || (t == PY_OTHER && key->len && strchr("tfn", key->buf[0])))
		inv_json_string(json, key->buf, key->len);
	else
		return -1;	/* a list as a key: unhashable */
	sb_addc(json, ':');
	return py_value(py, json) == PY_FAIL ? -1 : 0;
}

/* The items after the first, up to close: ", item" each, a trailing comma
 * allowed. */
static int py_more_items(struct py *py, char close, int dict, struct strbuf *json)
{
	for (;;) {
		py_space(py);
		if (*py->p == close) {
			py->p++;
			return 0;
		}
		if (*py->p != ',')
			return -1;
		py->p++;
		py_space(py);
		if (*py->p == close)
			continue;
		sb_addc(json, ',');
		struct strbuf key = STRBUF_INIT;
		enum py_type t = py_value(py, dict ? &key : json);
		int bad = t == PY_FAIL;
		if (!bad && dict) {
			py_space(py);
			bad = *py->p++ != ':' || py_dict_entry(py, &key, t, json);
		}
		sb_free(&key);
		if (bad)
			return -1;
	}
}

/* [..], (..) or {..}. The first item, read once, decides what it is:
 * {k: v} a dict ({a, b} is a set, which JSON lacks), (x) is x, (x,) a
 * tuple. */
static enum py_type py_container(struct py *py, struct strbuf *json)
{
	char open = *py->p++, close = open == '[' ? ']' : open == '(' ? ')' : '}';
	struct strbuf first = STRBUF_INIT;
	enum py_type t = PY_OTHER, ft;

	if (++py->depth > INV_MAX_LITERAL_DEPTH)
		return PY_FAIL;
	py_space(py);
	if (*py->p == close) {
		py->p++;
		sb_adds(json, open == '{' ? "{}" : "[]");
		py->depth--;
		return PY_OTHER;
	}
	ft = py_value(py, &first);
	py_space(py);
	if (ft == PY_FAIL || (open == '{' && *py->p != ':')) {
		t = PY_FAIL;
	} else if (open == '(' && *py->p == ')') {
		py->p++;
		sb_add(json, first.buf, first.len);
		t = ft;
	} else {
		int dict = open == '{';
		sb_addc(json, dict ? '{' : '[');
		if (dict) {
			py->p++;
			if (py_dict_entry(py, &first, ft, json))
				t = PY_FAIL;
		} else {
			sb_add(json, first.buf, first.len);
		}
		if (t != PY_FAIL && py_more_items(py, close, dict, json))
			t = PY_FAIL;
		sb_addc(json, dict ? '}' : ']');
	}
	sb_free(&first);
	py->depth--;
	return t;
}

static enum py_type py_value(struct py *py, struct strbuf *json)
{
	static const struct { const char *name, *json; } names[] = {
		{ "True", "true" }, { "False", "false" }, { "None", "null" },
	};
	int raw, bytes, fmt;
	const char *p;

	py_space(py);
	p = py->p;
	if (*p == '[' || *p == '(' || *p == '{')
		return py_container(py, json);
	if (py_prefix(p, &raw, &bytes, &fmt) != (size_t)-1)
		return py_strings(py, json);
	if (*p == '-' || *p == '+') {
		py->p++;
		py_space(py);
		if (!isdigit((unsigned char)*py->p) && *py->p != '.')
			return PY_FAIL;
		return py_number(py, *p == '-', json);
	}
	if (isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1])))
		return py_number(py, 0, json);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		size_t n = strlen(names[i].name);
		if (!strncmp(p, names[i].name, n) && !is_ident(p[n])) {
			py->p += n;
			sb_adds(json, names[i].json);
			return PY_OTHER;
		}
	}
	return PY_FAIL;
}

/* "1, 2" without brackets is a tuple too; first is the value before the
 * first comma. */
static int py_bare_tuple(struct py *py, const struct strbuf *first, struct strbuf *json)
{
	sb_addc(json, '[');
	sb_add(json, first->buf, first->len);
	while (*py->p == ',') {
		py->p++;
		py_space(py);
		if (!*py->p)
			break;
		sb_addc(json, ',');
		if (py_value(py, json) == PY_FAIL)
			return -1;
		py_space(py);
	}
	sb_addc(json, ']');
	return 0;
}

int inv_pyliteral(const char *text, struct strbuf *json)
{
	struct py py = { text, 0 };
	struct strbuf out = STRBUF_INIT, tuple = STRBUF_INIT;
	enum py_type t = py_value(&py, &out);
	int ok;

	py_space(&py);
	if (t != PY_FAIL && *py.p == ',') {
		t = py_bare_tuple(&py, &out, &tuple) ? PY_FAIL : PY_OTHER;
		sb_reset(&out);
		sb_add(&out, tuple.buf, tuple.len);
	}
	ok = t != PY_FAIL && *py.p == '\0';
	if (ok)
		sb_add(json, out.buf, out.len);
	sb_free(&out);
	sb_free(&tuple);
	return ok;
}

/* --- YAML 1.1 plain scalars (PyYAML's implicit resolvers) ---------------- */

enum yaml_kind { Y_BOOL, Y_FLOAT, Y_INT, Y_NULL, NKINDS };

static const char *const yaml_patterns[NKINDS] = {
	[Y_BOOL] = "^(yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$",
	[Y_FLOAT] = "^([-+]?([0-9][0-9_]*)\\.[0-9_]*([eE][-+][0-9]+)?"
		    "|\\.[0-9][0-9_]*([eE][-+][0-9]+)?"
		    "|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\\.[0-9_]*"
		    "|[-+]?\\.(inf|Inf|INF)"
		    "|\\.(nan|NaN|NAN))$",
	[Y_INT] = "^([-+]?0b[0-1_]+"
		  "|[-+]?0[0-7_]+"
		  "|[-+]?(0|[1-9][0-9_]*)"
		  "|[-+]?0x[0-9a-fA-F_]+"
		  "|[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+)$",
	[Y_NULL] = "^(~|null|Null|NULL|)$",
};

static int yaml_is(enum yaml_kind k, const char *s)
{
	static regex_t re[NKINDS];
	static int compiled;

	if (!compiled) {
		for (int i = 0; i < NKINDS; i++)
			if (regcomp(&re[i], yaml_patterns[i], REG_EXTENDED | REG_NOSUB))
				die("bad built-in YAML pattern %d", i);
		compiled = 1;
	}
	return !regexec(&re[k], s, 0, NULL, 0);
}

/* "1:30:05" in base 60 (YAML 1.1 sexagesimal). */
static double sexagesimal(const char *s)
{
	double v = 0;
	for (;;) {
		char *end;
		v = v * 60 + strtod(s, &end);
		if (*end != ':')
			return v;
		s = end + 1;
	}
}

static void yaml_int(const char *s, struct strbuf *json)
{
	const char *body = s + (*s == '-' || *s == '+');
	char *clean = without_underscores(body, strlen(body));
	unsigned long long v;
	int negative = *s == '-';

	if (strchr(clean, ':')) {
		double v60 = sexagesimal(clean);
		if (v60 < 9e15)
			sb_addf(json, "%s%.0f", negative && v60 ? "-" : "", v60);
		else
			inv_json_string(json, s, strlen(s));	/* beyond exact integers */
	} else if (clean[0] == '0' && clean[1]) {
		int base = clean[1] == 'b' ? 2 : clean[1] == 'x' ? 16 : 8;
		const char *digits = base == 8 ? clean : clean + 2;
		if (parse_unsigned(digits, strlen(digits), base, &v))
			inv_json_string(json, s, strlen(s));	/* beyond 64 bits */
		else
			add_signed(json, negative, v);
	} else {
		add_decimal(json, negative, clean, strlen(clean));
	}
	free(clean);
}

static void yaml_float(const char *s, struct strbuf *json)
{
	char *clean = without_underscores(s, strlen(s));
	const char *body = clean + (*clean == '-' || *clean == '+');
	double d = streq(body, ".inf") ? INFINITY : streq(body, ".nan") ? NAN :
		   strchr(body, ':') ? sexagesimal(body) : strtod(body, NULL);
	add_float(json, *clean == '-' ? -d : d);
	free(clean);
}

void inv_yaml_plain(const char *s, struct strbuf *json)
{
	if (yaml_is(Y_NULL, s))
		sb_adds(json, "null");
	else if (yaml_is(Y_BOOL, s))
		sb_adds(json, !strcasecmp(s, "yes") || !strcasecmp(s, "true") || !strcasecmp(s, "on") ?
			      "true" : "false");
	else if (yaml_is(Y_FLOAT, s))
		yaml_float(s, json);
	else if (yaml_is(Y_INT, s))
		yaml_int(s, json);
	else
		inv_json_string(json, s, strlen(s));
}

char *inv_json_text(const char *json)
{
	struct json j;
	struct strbuf err = STRBUF_INIT;
	char *text;

	if (streq(json, "null"))
		return xstrdup("");
	if (json[0] != '"')
		return xstrdup(json);
	if (json_parse(&j, json, strlen(json), &err)) {
		sb_free(&err);
		return xstrdup(json);
	}
	text = json_str(&j, 0);
	json_free(&j);
	sb_free(&err);
	return text ? text : xstrdup("");
}
