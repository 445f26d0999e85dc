/* The inventory builder shared by the INI and YAML parsers. */
#include "inventory/build.h"
#include "inventory/value.h"
#include "util/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ib_init(struct inv_build *b, const char *file, struct strbuf *err)
{
	memset(b, 0, sizeof(*b));
	b->file = file;
	b->err = err;
	ib_group(b, "all", 0);
	ib_group(b, "ungrouped", 0);
	b->groups[GROUP_ALL].defined = 1;
	b->groups[GROUP_UNGROUPED].defined = 1;
	/* As Ansible: "ungrouped" is the first child of "all". */
	ib_add_child(b, GROUP_ALL, GROUP_UNGROUPED, 0);
}

void ib_free_vars(struct ivars *vs)
{
	for (size_t i = 0; i < vs->n; i++) {
		free(vs->v[i].key);
		free(vs->v[i].value);
		free(vs->v[i].json);
	}
	free(vs->v);
	strmap_free(&vs->index);
}

void ib_free(struct inv_build *b)
{
	for (size_t i = 0; i < b->ngroups; i++) {
		struct igroup *g = &b->groups[i];
		free(g->name);
		free(g->children);
		free(g->hosts);
		ib_free_vars(&g->vars);
		ib_free_vars(&g->file_vars);
	}
	for (size_t i = 0; i < b->nhosts; i++) {
		free(b->hosts[i].name);
		ib_free_vars(&b->hosts[i].vars);
		ib_free_vars(&b->hosts[i].file_vars);
	}
	for (size_t i = 0; i < b->nfiles; i++)
		free(b->files[i]);
	for (size_t i = 0; i < b->nwarnings; i++)
		free(b->warnings[i]);
	free(b->warnings);
	free(b->files);
	free(b->groups);
	free(b->hosts);
	strmap_free(&b->group_index);
	strmap_free(&b->host_index);
}

static void located(struct strbuf *out, const char *file, int line, int col, const char *fmt,
		    va_list ap)
{
	if (col > 0)
		sb_addf(out, "%s:%d:%d: ", file, line, col);
	else
		sb_addf(out, "%s:%d: ", file, line);
	sb_vaddf(out, fmt, ap);
}

static int verror(struct inv_build *b, const char *file, int line, int col, const char *fmt,
		  va_list ap)
{
	sb_reset(b->err);
	located(b->err, file, line, col, fmt, ap);
	return -1;
}

void ib_warn(struct inv_build *b, int line, int col, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	located(&msg, b->file, line, col, fmt, ap);
	va_end(ap);
	GROW(b->warnings, b->cap_warnings, b->nwarnings + 1);
	b->warnings[b->nwarnings++] = sb_detach(&msg);
}

int ib_error(struct inv_build *b, int line, int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verror(b, b->file, line, col, fmt, ap);
	va_end(ap);
	return -1;
}

int ib_var_error(struct inv_build *b, const struct ivar *v, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verror(b, v->file, v->line, v->col, fmt, ap);
	va_end(ap);
	return -1;
}

size_t ib_group(struct inv_build *b, const char *name, int line)
{
	size_t i = strmap_get(&b->group_index, name);
	if (i != (size_t)-1)
		return i;
	GROW(b->groups, b->cap_groups, b->ngroups + 1);
	struct igroup *g = &b->groups[b->ngroups];
	memset(g, 0, sizeof(*g));
	g->name = xstrdup(name);
	g->line = line;
	g->priority = 1;
	strmap_put(&b->group_index, g->name, b->ngroups);
	return b->ngroups++;
}

size_t ib_host(struct inv_build *b, const char *name, int line)
{
	size_t i = strmap_get(&b->host_index, name);
	if (i != (size_t)-1)
		return i;
	GROW(b->hosts, b->cap_hosts, b->nhosts + 1);
	struct ihost *h = &b->hosts[b->nhosts];
	memset(h, 0, sizeof(*h));
	h->name = xstrdup(name);
	h->line = line;
	h->last_group = (size_t)-1;
	strmap_put(&b->host_index, h->name, b->nhosts);
	return b->nhosts++;
}

static int spend(struct inv_build *b, int line)
{
	if (++b->work > INV_MAX_WORK)
		return ib_error(b, line, 0, "inventory too large (over %d host and group references)",
				INV_MAX_WORK);
	return 0;
}

int ib_add_member(struct inv_build *b, size_t group, size_t host, int line)
{
	struct igroup *g = &b->groups[group];
	struct ihost *h = &b->hosts[host];

	if (spend(b, line))
		return -1;
	/* Membership is checked only against the last group: the common
	 * repeats are consecutive, and duplicates are harmless to resolve. */
	if (h->last_group == group)
		return 0;
	h->last_group = group;
	GROW(g->hosts, g->cap_hosts, g->nhosts + 1);
	g->hosts[g->nhosts++] = host;
	return 0;
}

int ib_add_child(struct inv_build *b, size_t parent, size_t child, int line)
{
	struct igroup *p = &b->groups[parent];

	if (spend(b, line))
		return -1;
	if (child == GROUP_ALL)
		return ib_error(b, line, 0, "group \"all\" cannot be a child of \"%s\"", p->name);
	if (child == parent)
		return ib_error(b, line, 0, "group \"%s\" cannot be its own child", p->name);
	/* A repeated edge is harmless to resolve, so it is not searched for. */
	GROW(p->children, p->cap_children, p->nchildren + 1);
	p->children[p->nchildren].group = child;
	p->children[p->nchildren].line = line;
	p->nchildren++;
	b->groups[child].defined = 1;
	return 0;
}

int ib_set_var(struct inv_build *b, struct ivars *vs, const char *key,
	       const char *value, const char *json, int line, int col, int origin)
{
	size_t i = strmap_get(&vs->index, key);
	struct strbuf quoted = STRBUF_INIT;

	if (spend(b, line))
		return -1;
	if (!json) {
		inv_json_string(&quoted, value, strlen(value));
		json = sb_str(&quoted);
	}
	if (i != (size_t)-1) {
		struct ivar *v = &vs->v[i];
		if (v->origin == origin)
			ib_warn(b, line, col, "key \"%s\" repeated (first set on line %d); the last value wins",
				key, v->line);
		free(v->value);
		free(v->json);
		v->value = xstrdup(value);
		v->json = xstrdup(json);
		v->file = b->file;
		v->line = line;
		v->col = col;
		v->origin = origin;
	} else {
		GROW(vs->v, vs->cap, vs->n + 1);
		vs->v[vs->n] = (struct ivar){ xstrdup(key), xstrdup(value), xstrdup(json), b->file,
					      line, col, origin };
		strmap_put(&vs->index, vs->v[vs->n].key, vs->n);
		vs->n++;
	}
	sb_free(&quoted);
	return 0;
}

int ib_set_json(struct inv_build *b, struct ivars *vars, const char *key,
		const char *json, int line, int col, int origin)
{
	char *value = inv_json_text(json);
	int ret = ib_set_var(b, vars, key, value, json, line, col, origin);
	free(value);
	return ret;
}

int ib_group_priority(struct inv_build *b, size_t group, const char *json, int line, int col)
{
	char *text = inv_json_text(json), *end;
	long p;

	/* Ansible applies int() to it: "10" and 10 both work. */
	errno = 0;
	p = strtol(text, &end, 10);
	if (errno || end == text || *end || p < -1000000000L || p > 1000000000L) {
		ib_error(b, line, col, "group \"%s\": bad ansible_group_priority \"%s\" (expected an integer)",
			 b->groups[group].name, text);
		free(text);
		return -1;
	}
	free(text);
	b->groups[group].priority = p;
	return 0;
}

int ib_split_port(struct inv_build *b, int line, int col, char *name, long *port)
{
	char *colon = NULL, *end;
	int depth = 0, ncolons = 0;

	*port = -1;
	for (char *p = name; *p; p++) {
		if (*p == '[')
			depth++;
		else if (*p == ']')
			depth--;
		else if (*p == ':' && !depth) {
			colon = p;
			ncolons++;
		}
	}
	if (ncolons != 1)
		return 0;
	errno = 0;
	*port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || !isdigit((unsigned char)colon[1]) || *port > 65535)
		return ib_error(b, line, col, "bad port in host \"%s\"", name);
	*colon = '\0';
	return 0;
}

int ib_set_port(struct inv_build *b, struct ivars *vars, long port, int line, int col)
{
	char json[24];
	snprintf(json, sizeof(json), "%ld", port);
	return ib_set_json(b, vars, "ansible_port", json, line, col, ++b->next_origin);
}
