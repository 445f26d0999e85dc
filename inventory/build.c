/* The inventory builder shared by the INI and YAML parsers. */
#include "inventory/build.h"
#include "util/util.h"

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
}

static void ivars_free(struct ivars *vs)
{
	for (size_t i = 0; i < vs->n; i++) {
		free(vs->v[i].key);
		free(vs->v[i].value);
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
		ivars_free(&g->vars);
		ivars_free(&g->file_vars);
	}
	for (size_t i = 0; i < b->nhosts; i++) {
		free(b->hosts[i].name);
		ivars_free(&b->hosts[i].vars);
		ivars_free(&b->hosts[i].file_vars);
	}
	for (size_t i = 0; i < b->nfiles; i++)
		free(b->files[i]);
	free(b->files);
	free(b->groups);
	free(b->hosts);
	strmap_free(&b->group_index);
	strmap_free(&b->host_index);
}

static int verror(struct inv_build *b, const char *file, int line, int col, const char *fmt,
		  va_list ap)
{
	char *msg;

	if (vasprintf(&msg, fmt, ap) < 0)
		die("out of memory");
	sb_reset(b->err);
	if (col > 0)
		sb_addf(b->err, "%s:%d:%d: %s", file, line, col, msg);
	else
		sb_addf(b->err, "%s:%d: %s", file, line, msg);
	free(msg);
	return -1;
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
	       const char *value, int line, int col, int origin)
{
	size_t i = strmap_get(&vs->index, key);

	if (spend(b, line))
		return -1;
	if (i != (size_t)-1) {
		struct ivar *v = &vs->v[i];
		if (v->origin == origin)
			return ib_error(b, line, col, "duplicate key \"%s\" (first set on line %d)",
					key, v->line);
		free(v->value);
		v->value = xstrdup(value);
		v->file = b->file;
		v->line = line;
		v->col = col;
		v->origin = origin;
		return 0;
	}
	GROW(vs->v, vs->cap, vs->n + 1);
	vs->v[vs->n] = (struct ivar){ xstrdup(key), xstrdup(value), b->file, line, col, origin };
	strmap_put(&vs->index, vs->v[vs->n].key, vs->n);
	vs->n++;
	return 0;
}
