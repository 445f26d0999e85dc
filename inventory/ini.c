/* Ansible's INI inventory format:
 *
 *   host1 ansible_port=2222            # before any section: ungrouped
 *   [web]                              # hosts, with inline host vars
 *   web[01:20].example.com "cswarm_labels=zone=a,ssd=true"
 *   [web:vars]                         # key=value group vars
 *   [prod:children]                    # one child group per line
 *
 * Host lines are split like Python's shlex (which Ansible uses): quotes
 * group words and are removed, '#' starts a comment. Values, on host lines
 * and in [g:vars], are then read as Ansible reads them: a Python literal
 * when ast.literal_eval takes them ("5" is 5, "'a' 'b'" is ab, "x # y"
 * keeps its '#'), else the text as it stands. */
#include "inventory/build.h"
#include "inventory/value.h"
#include "util/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

enum section { SEC_HOSTS, SEC_VARS, SEC_CHILDREN };

/* A group named in [p:children] before any section declares it: as in
 * Ansible, it becomes p's child only when declared (which decides the
 * order of p's children), and never being declared is an error. */
struct pending {
	char *name;
	struct child_edge *parents;	/* child_edge.group = the parent */
	size_t n, cap;
};

struct ini_state {
	struct inv_build *b;
	struct pending *pending;
	size_t npending, cap_pending;
	struct strmap pending_index;	/* name -> position in pending */
	enum section sec;
	size_t group;
	int line;
	int origin;	/* of the current [g:vars] section */
};

struct words {
	char **w;
	size_t n, cap;
};

static void words_free(struct words *ws)
{
	for (size_t i = 0; i < ws->n; i++)
		free(ws->w[i]);
	free(ws->w);
	memset(ws, 0, sizeof(*ws));
}

/* Split s into words as shlex.split(s, comments=True) does. NULL on success,
 * else what is wrong. */
static const char *split_words(const char *s, struct words *ws)
{
	struct strbuf tok = STRBUF_INIT;
	int in_word = 0;
	char quote = 0;

	for (;; s++) {
		char c = *s;
		if (quote) {
			if (!c) {
				sb_free(&tok);
				return quote == '"' ? "unterminated \" quote" : "unterminated ' quote";
			}
			if (c == quote)
				quote = 0;
			else if (quote == '"' && c == '\\' && (s[1] == '"' || s[1] == '\\'))
				sb_addc(&tok, *++s);
			else
				sb_addc(&tok, c);
			continue;
		}
		if (!c || c == '#' || isspace((unsigned char)c)) {
			if (in_word) {
				GROW(ws->w, ws->cap, ws->n + 1);
				ws->w[ws->n++] = sb_detach(&tok);
				in_word = 0;
			}
			if (!c || c == '#')
				break;
			continue;
		}
		in_word = 1;
		if (c == '"' || c == '\'')
			quote = c;
		else if (c == '\\' && s[1])
			sb_addc(&tok, *++s);
		else
			sb_addc(&tok, c);
	}
	sb_free(&tok);
	return NULL;
}

static void add_pending(struct ini_state *st, const char *name, size_t parent)
{
	size_t i = strmap_get(&st->pending_index, name);
	if (i == (size_t)-1) {
		GROW(st->pending, st->cap_pending, st->npending + 1);
		st->pending[st->npending] = (struct pending){ xstrdup(name), NULL, 0, 0 };
		i = st->npending++;
		strmap_put(&st->pending_index, st->pending[i].name, i);
	}
	struct pending *p = &st->pending[i];
	GROW(p->parents, p->cap, p->n + 1);
	p->parents[p->n++] = (struct child_edge){ parent, st->line };
}

/* Group g is declared: it joins the parents that named it earlier. */
static int add_pending_children(struct ini_state *st, size_t g)
{
	size_t i = strmap_get(&st->pending_index, st->b->groups[g].name);
	int ret = 0;

	if (i == (size_t)-1)
		return 0;
	struct pending *p = &st->pending[i];
	for (size_t e = 0; e < p->n && !ret; e++)
		ret = ib_add_child(st->b, p->parents[e].group, g, p->parents[e].line);
	p->n = 0;
	return ret;
}

static int check_pending(struct ini_state *st)
{
	for (size_t i = 0; i < st->npending; i++) {
		const struct pending *p = &st->pending[i];
		if (p->n)
			return ib_error(st->b, p->parents[0].line, 0,
					"[%s:children] names group \"%s\", which no section declares",
					st->b->groups[p->parents[0].group].name, p->name);
	}
	return 0;
}

static void free_pending(struct ini_state *st)
{
	for (size_t i = 0; i < st->npending; i++) {
		free(st->pending[i].name);
		free(st->pending[i].parents);
	}
	free(st->pending);
	strmap_free(&st->pending_index);
}

/* "[name]" or "[name:type]", optionally followed by a comment. */
static int parse_section(struct ini_state *st, char *text)
{
	struct inv_build *b = st->b;
	char *close = strchr(text, ']');
	char *rest = close ? close + 1 : NULL;

	while (rest && isspace((unsigned char)*rest))
		rest++;
	if (!close || (*rest && *rest != '#' && *rest != ';'))
		return ib_error(b, st->line, 0, "bad section header \"%s\"", text);
	*close = '\0';
	char *name = text + 1, *type = strchr(name, ':');
	if (type)
		*type++ = '\0';
	if (!*name || strpbrk(name, " \t[]"))
		return ib_error(b, st->line, 0, "bad group name \"%s\"", name);

	st->group = ib_group(b, name, st->line);
	struct igroup *g = &b->groups[st->group];
	if (!type || streq(type, "hosts")) {
		st->sec = SEC_HOSTS;
		g->defined = 1;
		return add_pending_children(st, st->group);
	} else if (streq(type, "children")) {
		st->sec = SEC_CHILDREN;
		g->defined = 1;
		return add_pending_children(st, st->group);
	} else if (streq(type, "vars")) {
		st->sec = SEC_VARS;
		st->origin = ++b->next_origin;
		if (!g->vars_line)
			g->vars_line = st->line;
	} else {
		return ib_error(b, st->line, 0,
				"unknown section type \"%s\" in [%s:%s] (expected vars or children)",
				type, name, type);
	}
	return 0;
}

/* Check the key=value words of a host line once, before any host gets
 * them (a repeated key is found by ib_set_var). */
static int check_host_vars(struct ini_state *st, const struct words *ws)
{
	for (size_t i = 1; i < ws->n; i++) {
		char *eq = strchr(ws->w[i], '=');
		if (!eq || eq == ws->w[i])
			return ib_error(st->b, st->line, 0,
					"bad host variable \"%s\" (expected key=value)", ws->w[i]);
	}
	return 0;
}

/* key = text, typed as Ansible's INI plugin types it. */
static int set_ini_var(struct inv_build *b, struct ivars *vars, const char *key, const char *text,
		       int line, int origin)
{
	struct strbuf json = STRBUF_INIT;
	int ret = inv_pyliteral(text, &json) ?
		ib_set_json(b, vars, key, sb_str(&json), line, 0, origin) :
		ib_set_var(b, vars, key, text, NULL, line, 0, origin);
	sb_free(&json);
	return ret;
}

/* Add one host of a host line with the line's vars (already checked). The
 * port of "name:port" may be overridden by an ansible_port on the line. */
static int add_host(struct ini_state *st, const char *name, long port,
		    const struct words *ws)
{
	struct inv_build *b = st->b;
	size_t known = b->nhosts, h = ib_host(b, name, st->line);
	struct ivars *vars = &b->hosts[h].vars;

	if (ib_add_member(b, st->group, h, st->line))
		return -1;
	/* As Ansible: the port of "name:port" applies where the host is new. */
	if (port >= 0 && h == known && ib_set_port(b, vars, port, st->line, 0))
		return -1;
	int origin = ++b->next_origin;
	for (size_t i = 1; i < ws->n; i++) {
		char *eq = strchr(ws->w[i], '=');
		*eq = '\0';
		int r = set_ini_var(b, vars, ws->w[i], eq + 1, st->line, origin);
		*eq = '=';
		if (r)
			return -1;
	}
	return 0;
}

static int parse_host_line(struct ini_state *st, const struct words *ws)
{
	char **names;
	long n, port;
	int ret = 0;

	if (check_host_vars(st, ws) || ib_split_port(st->b, st->line, 0, ws->w[0], &port))
		return -1;
	n = inv_expand_range(st->b, ws->w[0], st->line, 0, &names);
	if (n < 0)
		return -1;
	for (long i = 0; i < n && !ret; i++)
		ret = add_host(st, names[i], port, ws);
	inv_free_names(names, n);
	return ret;
}

static int parse_child_line(struct ini_state *st, const struct words *ws)
{
	struct inv_build *b = st->b;
	if (ws->n != 1)
		return ib_error(b, st->line, 0, "expected one group name per line in [%s:children], got \"%s %s\"",
				b->groups[st->group].name, ws->w[0], ws->w[1]);
	size_t child = strmap_get(&b->group_index, ws->w[0]);
	if (child == (size_t)-1) {
		add_pending(st, ws->w[0], st->group);
		return 0;
	}
	return ib_add_child(b, st->group, child, st->line);
}

/* "key = value": the value is the rest of the line, trimmed; a '#' in it
 * is a comment only where Python would see one (after a literal). */
static int parse_var_line(struct ini_state *st, char *text)
{
	struct inv_build *b = st->b;
	struct igroup *g = &b->groups[st->group];
	char *eq = strchr(text, '=');

	if (!eq)
		return ib_error(b, st->line, 0, "expected key=value in [%s:vars], got \"%s\"",
				g->name, text);
	char *key_end = eq;
	while (key_end > text && isspace((unsigned char)key_end[-1]))
		key_end--;
	*key_end = '\0';
	if (!*text || strpbrk(text, " \t"))
		return ib_error(b, st->line, 0, "bad variable name \"%s\"", text);
	char *value = eq + 1;
	value += strspn(value, " \t");
	if (streq(text, "ansible_group_priority")) {
		struct strbuf json = STRBUF_INIT;
		if (!inv_pyliteral(value, &json))
			inv_json_string(&json, value, strlen(value));
		int ret = ib_group_priority(b, st->group, sb_str(&json), st->line, 0);
		sb_free(&json);
		return ret;
	}
	return set_ini_var(b, &g->vars, text, value, st->line, st->origin);
}

static int parse_line(struct ini_state *st, char *text)
{
	struct words ws = { 0 };
	const char *why;
	int ret;

	if (text[0] == '[')
		return parse_section(st, text);
	if (st->sec == SEC_VARS)
		return parse_var_line(st, text);
	if ((why = split_words(text, &ws))) {
		words_free(&ws);
		return ib_error(st->b, st->line, 0, "%s in \"%s\"", why, text);
	}
	if (!ws.n)
		ret = 0;
	else if (st->sec == SEC_CHILDREN)
		ret = parse_child_line(st, &ws);
	else
		ret = parse_host_line(st, &ws);
	words_free(&ws);
	return ret;
}

/* [g:vars] for a group nothing else declares is a typo, as in Ansible. */
static int check_vars_groups(struct inv_build *b)
{
	for (size_t i = 0; i < b->ngroups; i++)
		if (!b->groups[i].defined)
			return ib_error(b, b->groups[i].vars_line, 0,
					"[%s:vars] for a group that is not defined", b->groups[i].name);
	return 0;
}

int inv_parse_ini(struct inv_build *b, const char *data, size_t len)
{
	struct ini_state st = { .b = b, .sec = SEC_HOSTS, .group = GROUP_UNGROUPED };
	struct strbuf line = STRBUF_INIT;
	const char *p = data, *end = data + len;
	int ret = 0;

	while (p < end && !ret) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl ? nl : end;
		st.line++;
		sb_reset(&line);
		sb_add(&line, p, (size_t)(stop - p));
		sb_rtrim(&line);	/* also drops the \r of CRLF */
		char *text = line.buf + strspn(line.buf, " \t");
		if (*text && *text != '#' && *text != ';')
			ret = parse_line(&st, text);
		p = stop + 1;
	}
	sb_free(&line);
	if (!ret)
		ret = check_pending(&st);
	free_pending(&st);
	return ret ? ret : check_vars_groups(b);
}
