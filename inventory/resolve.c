/* Resolve the parsed inventory as Ansible does: every group hangs under
 * "all", hosts in no group are "ungrouped", a host belongs to its groups'
 * ancestors too, and variables apply from the shallowest group to the
 * deepest (ties by name), then the host's own (see merge_layers). */
#include "inventory/build.h"
#include "util/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct resolver {
	struct inv_build *b;
	size_t *topo;		/* groups, parents before children */
	int *depth;		/* longest path from "all" */
	size_t *rank;		/* position when sorted by (depth, name) */
	size_t *by_rank;
	size_t *parent_start, *parents;	/* CSR: parents of each group */
	size_t *member_start, *members;	/* CSR: direct groups of each host */
	size_t *stamp;		/* marks visited groups, per host */
	size_t *queue;		/* scratch for host_groups */
	size_t resolved;	/* against INV_MAX_RESOLVED */
};

static int link_top_level(struct inv_build *b)
{
	unsigned char *has_parent = xcalloc(b->ngroups, 1);
	int ret = 0;

	for (size_t g = 0; g < b->ngroups; g++)
		for (size_t i = 0; i < b->groups[g].nchildren; i++)
			has_parent[b->groups[g].children[i].group] = 1;
	for (size_t g = GROUP_UNGROUPED; g < b->ngroups && !ret; g++)
		if (!has_parent[g])
			ret = ib_add_child(b, GROUP_ALL, g, b->groups[g].line);
	free(has_parent);
	return ret;
}

struct frame {
	size_t group, next;
};

static int cycle_error(struct inv_build *b, const struct frame *stack, size_t sp, size_t child,
		       int line)
{
	struct strbuf path = STRBUF_INIT;
	size_t from = sp;
	while (stack[from - 1].group != child)
		from--;
	for (size_t i = from - 1; i < sp; i++)
		sb_addf(&path, "%s -> ", b->groups[stack[i].group].name);
	sb_adds(&path, b->groups[child].name);
	ib_error(b, line, 0, "cycle in group children: %s", sb_str(&path));
	sb_free(&path);
	return -1;
}

/* Depth-first over children without recursion (a hostile inventory may
 * nest thousands deep): rejects cycles, and fills r->topo. */
static int order_groups(struct resolver *r)
{
	struct inv_build *b = r->b;
	unsigned char *color = xcalloc(b->ngroups, 1);	/* 0 new, 1 open, 2 done */
	struct frame *stack = xcalloc(b->ngroups, sizeof(*stack));
	size_t ndone = b->ngroups;
	int ret = 0;

	for (size_t root = 0; root < b->ngroups && !ret; root++) {
		size_t sp = 0;
		if (color[root])
			continue;
		color[root] = 1;
		stack[sp++] = (struct frame){ root, 0 };
		while (sp && !ret) {
			struct frame *top = &stack[sp - 1];
			struct igroup *g = &b->groups[top->group];
			if (top->next == g->nchildren) {
				color[top->group] = 2;
				r->topo[--ndone] = top->group;
				sp--;
				continue;
			}
			struct child_edge *e = &g->children[top->next++];
			if (color[e->group] == 1)
				ret = cycle_error(b, stack, sp, e->group, e->line);
			else if (!color[e->group]) {
				color[e->group] = 1;
				stack[sp++] = (struct frame){ e->group, 0 };
			}
		}
	}
	free(stack);
	free(color);
	return ret;
}

static int cmp_size(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	return a < b ? -1 : a > b;
}

struct rank_key {
	int depth;
	long priority;
	const char *name;
	size_t group;
};

static int by_depth_name(const void *pa, const void *pb)
{
	const struct rank_key *a = pa, *b = pb;
	if (a->depth != b->depth)
		return a->depth < b->depth ? -1 : 1;
	if (a->priority != b->priority)
		return a->priority < b->priority ? -1 : 1;
	return strcmp(a->name, b->name);
}

/* Depth = longest path from "all", as Ansible's group depth; variables
 * apply in (depth, ansible_group_priority, name) order. */
static void rank_groups(struct resolver *r)
{
	struct inv_build *b = r->b;
	struct rank_key *keys = xcalloc(b->ngroups, sizeof(*keys));

	for (size_t i = 0; i < b->ngroups; i++) {
		struct igroup *g = &b->groups[r->topo[i]];
		for (size_t c = 0; c < g->nchildren; c++) {
			size_t child = g->children[c].group;
			if (r->depth[child] < r->depth[r->topo[i]] + 1)
				r->depth[child] = r->depth[r->topo[i]] + 1;
		}
	}
	for (size_t g = 0; g < b->ngroups; g++)
		keys[g] = (struct rank_key){ r->depth[g], b->groups[g].priority, b->groups[g].name, g };
	qsort(keys, b->ngroups, sizeof(*keys), by_depth_name);
	for (size_t i = 0; i < b->ngroups; i++) {
		r->rank[keys[i].group] = i;
		r->by_rank[i] = keys[i].group;
	}
	free(keys);
}

/* Compressed adjacency lists: start[i]..start[i+1] index into list. */
struct csr {
	size_t *start, *list, *fill;
};

static void count_edge(size_t from, size_t to, void *ctx)
{
	(void)to;
	((struct csr *)ctx)->start[from + 1]++;
}

static void place_edge(size_t from, size_t to, void *ctx)
{
	struct csr *c = ctx;
	c->list[c->start[from] + c->fill[from]++] = to;
}

static void each_parent_edge(struct inv_build *b, void (*fn)(size_t, size_t, void *), void *ctx)
{
	for (size_t g = 0; g < b->ngroups; g++)
		for (size_t i = 0; i < b->groups[g].nchildren; i++)
			fn(b->groups[g].children[i].group, g, ctx);
}

static void each_member_edge(struct inv_build *b, void (*fn)(size_t, size_t, void *), void *ctx)
{
	for (size_t g = 0; g < b->ngroups; g++)
		for (size_t i = 0; i < b->groups[g].nhosts; i++)
			fn(b->groups[g].hosts[i], g, ctx);
}

static void build_csr(size_t n, size_t **start, size_t **list, size_t nedges,
		      void (*each)(struct inv_build *, void (*)(size_t, size_t, void *), void *),
		      struct inv_build *b)
{
	struct csr c;
	c.start = xcalloc(n + 1, sizeof(size_t));
	c.list = xcalloc(nedges, sizeof(size_t));
	c.fill = xcalloc(n, sizeof(size_t));
	each(b, count_edge, &c);
	for (size_t i = 0; i < n; i++)
		c.start[i + 1] += c.start[i];
	each(b, place_edge, &c);
	free(c.fill);
	*start = c.start;
	*list = c.list;
}

static void build_adjacency(struct resolver *r)
{
	struct inv_build *b = r->b;
	size_t nchild = 0, nmember = 0;
	for (size_t g = 0; g < b->ngroups; g++) {
		nchild += b->groups[g].nchildren;
		nmember += b->groups[g].nhosts;
	}
	build_csr(b->ngroups, &r->parent_start, &r->parents, nchild, each_parent_edge, b);
	build_csr(b->nhosts, &r->member_start, &r->members, nmember, each_member_edge, b);
}

/* Mark every group host h is in (direct groups and their ancestors) with
 * stamp h + 1, and return them sorted by rank in *out. */
static size_t host_groups(struct resolver *r, size_t h, size_t **out)
{
	size_t mark = h + 1, n = 0, head = 0, *queue = r->queue;
	int grouped = 0;

	for (size_t i = r->member_start[h]; i < r->member_start[h + 1]; i++) {
		size_t g = r->members[i];
		if (g != GROUP_ALL && g != GROUP_UNGROUPED)
			grouped = 1;
		if (r->stamp[g] != mark) {
			r->stamp[g] = mark;
			queue[n++] = g;
		}
	}
	/* As Ansible: "ungrouped" holds only hosts in no other group. */
	if (!grouped && r->stamp[GROUP_UNGROUPED] != mark) {
		r->stamp[GROUP_UNGROUPED] = mark;
		queue[n++] = GROUP_UNGROUPED;
	}
	for (; head < n; head++) {
		size_t g = queue[head];
		for (size_t i = r->parent_start[g]; i < r->parent_start[g + 1]; i++) {
			size_t p = r->parents[i];
			if (grouped && p == GROUP_UNGROUPED)
				continue;
			if (r->stamp[p] != mark) {
				r->stamp[p] = mark;
				queue[n++] = p;
			}
		}
	}
	if (grouped && r->stamp[GROUP_UNGROUPED] == mark) {
		for (size_t i = 0; i < n; i++)
			if (queue[i] == GROUP_UNGROUPED)
				queue[i] = queue[--n];
		r->stamp[GROUP_UNGROUPED] = 0;
	}
	for (size_t i = 0; i < n; i++)
		queue[i] = r->rank[queue[i]];
	qsort(queue, n, sizeof(size_t), cmp_size);
	*out = xcalloc(n, sizeof(size_t));
	for (size_t i = 0; i < n; i++)
		(*out)[i] = r->by_rank[queue[i]];
	return n;
}

/* Apply vs over merged: a key set again takes the new value in place. */
static void merge_vars(struct ivars *merged, const struct ivars *vs)
{
	for (size_t i = 0; i < vs->n; i++) {
		size_t j = strmap_get(&merged->index, vs->v[i].key);
		if (j == (size_t)-1) {
			j = merged->n;
			GROW(merged->v, merged->cap, ++merged->n);
			strmap_put(&merged->index, vs->v[i].key, j);
		}
		merged->v[j] = vs->v[i];	/* borrowed strings */
	}
}

static const struct ivar *find_var(const struct ivars *vs, const char *key, const char *alias)
{
	for (size_t i = 0; i < vs->n; i++)
		if (streq(vs->v[i].key, key))
			return &vs->v[i];
	return alias ? find_var(vs, alias, NULL) : NULL;
}

static char *expand_home(const char *path)
{
	const char *home = getenv("HOME");
	if (home && (streq(path, "~") || starts_with(path, "~/")))
		return xasprintf("%s%s", home, path + 1);
	return xstrdup(path);
}

static int parse_port(struct inv_build *b, const struct host *h, const struct ivar *v, int *port)
{
	char *end;
	long p;

	errno = 0;
	p = strtol(v->value, &end, 10);
	if (errno || end == v->value || *end || p < 1 || p > 65535 || v->value[0] == '+' ||
	    v->value[0] == '-' || v->value[0] == ' ')
		return ib_var_error(b, v, "host \"%s\": bad %s \"%s\" (expected 1-65535)",
				h->name, v->key, v->value);
	*port = (int)p;
	return 0;
}

static char *trimmed(const char *s, size_t n)
{
	for (; n && isspace((unsigned char)*s); n--)
		s++;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return xstrndup(s, n);
}

/* "zone=a, ssd=true": a bare "k" is a label with an empty value, empty
 * entries are skipped. */
static int parse_labels(struct inv_build *b, struct host *h, const struct ivar *v)
{
	size_t cap = 0, n;

	for (const char *p = v->value; *p; p += n + (p[n] == ',')) {
		n = strcspn(p, ",");
		const char *eq = memchr(p, '=', n);
		size_t klen = eq ? (size_t)(eq - p) : n;
		char *key = trimmed(p, klen);
		const char *why = !*key && eq ? "empty label name" :
				  *key && host_label(h, key) ? "label set twice" : NULL;
		if (why || !*key) {
			free(key);
			if (!why)
				continue;
			return ib_var_error(b, v, "host \"%s\": bad cswarm_labels \"%s\": %s",
					h->name, v->value, why);
		}
		GROW(h->labels, cap, h->nlabels + 1);
		h->labels[h->nlabels++] = (struct kv){ key, eq ? trimmed(eq + 1, n - klen - 1) : xstrdup("") };
	}
	return 0;
}

static int parse_role(struct inv_build *b, struct host *h, const struct ivar *v)
{
	if (streq(v->value, "manager"))
		h->is_manager = 1;
	else if (streq(v->value, "worker"))
		h->is_manager = 0;
	else
		return ib_var_error(b, v, "host \"%s\": bad cswarm_role \"%s\" (expected manager or worker)",
				h->name, v->value);
	return 0;
}

/* The vars cswarm reads: their values must be usable as they are. */
static const char *const used_vars[] = {
	"ansible_host", "ansible_ssh_host", "ansible_port", "ansible_ssh_port",
	"ansible_user", "ansible_ssh_user", "ansible_ssh_private_key_file",
	"ansible_private_key_file", "cswarm_labels", "cswarm_role",
};

int inv_var_used(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(used_vars); i++)
		if (streq(key, used_vars[i]))
			return 1;
	return 0;
}

/* *out = the var key (or its older alias); -1 if it is a Jinja template,
 * which cswarm cannot evaluate and must not use as an address or user. */
static int get_var(struct inv_build *b, const struct host *h, const struct ivars *vs,
		   const char *key, const char *alias, const struct ivar **out)
{
	const struct ivar *v = find_var(vs, key, alias);
	/* None (INI) or null (YAML) leaves the setting to its default. */
	if (v && streq(v->json, "null"))
		v = NULL;
	*out = v;
	if (v && (strstr(v->value, "{{") || strstr(v->value, "{%")))
		return ib_var_error(b, v,
				"host \"%s\": %s is a Jinja template (\"%s\"), which cswarm does not evaluate",
				h->name, v->key, v->value);
	return 0;
}

/* Fill the connection fields and cswarm's own settings from h's vars. */
static int derive_fields(struct inv_build *b, struct host *h, const struct ivars *vs)
{
	const struct ivar *v;

	if (get_var(b, h, vs, "ansible_host", "ansible_ssh_host", &v))
		return -1;
	h->address = xstrdup(v ? v->value : h->name);
	if (get_var(b, h, vs, "ansible_port", "ansible_ssh_port", &v) ||
	    (v && parse_port(b, h, v, &h->port)))
		return -1;
	if (get_var(b, h, vs, "ansible_user", "ansible_ssh_user", &v))
		return -1;
	h->user = v ? xstrdup(v->value) : NULL;
	if (get_var(b, h, vs, "ansible_ssh_private_key_file", "ansible_private_key_file", &v))
		return -1;
	h->key_file = v ? expand_home(v->value) : NULL;
	if (get_var(b, h, vs, "cswarm_labels", NULL, &v) || (v && parse_labels(b, h, v)))
		return -1;
	for (size_t i = 0; i < h->ngroups; i++)
		if (streq(h->groups[i], "managers"))
			h->is_manager = 1;
	if (get_var(b, h, vs, "cswarm_role", NULL, &v) || (v && parse_role(b, h, v)))
		return -1;
	return 0;
}

/* Ansible's order, lowest first: group vars from the inventory file (by
 * depth, then name), group_vars/all, group_vars/ of the other groups, host
 * vars from the inventory file, host_vars/. groups[] holds "all" first. */
static void merge_layers(struct inv_build *b, struct ivars *merged, const struct ihost *ih,
			 const size_t *groups, size_t n)
{
	for (size_t i = 0; i < n; i++)
		merge_vars(merged, &b->groups[groups[i]].vars);
	merge_vars(merged, &b->groups[GROUP_ALL].file_vars);
	for (size_t i = 0; i < n; i++)
		if (groups[i] != GROUP_ALL)
			merge_vars(merged, &b->groups[groups[i]].file_vars);
	merge_vars(merged, &ih->vars);
	merge_vars(merged, &ih->file_vars);
}

/* Small files can still multiply out: 20,000 hosts under a 20,000 deep
 * chain of groups would make 4e8 memberships. Checked before the work. */
static int over_budget(struct resolver *r, size_t hi, const size_t *groups, size_t n)
{
	struct inv_build *b = r->b;
	r->resolved += n + b->hosts[hi].vars.n + b->hosts[hi].file_vars.n;
	for (size_t i = 0; i < n; i++)
		r->resolved += b->groups[groups[i]].vars.n + b->groups[groups[i]].file_vars.n;
	if (r->resolved <= INV_MAX_RESOLVED)
		return 0;
	return ib_error(b, b->hosts[hi].line, 0,
			"inventory too large (hosts times their groups and variables exceed %d)",
			INV_MAX_RESOLVED);
}

static int resolve_host(struct resolver *r, size_t hi, struct host *h)
{
	struct inv_build *b = r->b;
	struct ihost *ih = &b->hosts[hi];
	struct ivars merged = { 0 };
	size_t *groups, n = host_groups(r, hi, &groups);
	int ret = -1;

	h->name = xstrdup(ih->name);
	h->file = xstrdup(b->file);
	h->line = ih->line;
	if (over_budget(r, hi, groups, n))
		goto out;
	h->groups = xcalloc(n, sizeof(*h->groups));
	for (size_t i = 0; i < n; i++)
		h->groups[h->ngroups++] = xstrdup(b->groups[groups[i]].name);
	merge_layers(b, &merged, ih, groups, n);
	h->vars = xcalloc(merged.n, sizeof(*h->vars));
	h->vars_json = xcalloc(merged.n, sizeof(*h->vars_json));
	for (size_t i = 0; i < merged.n; i++) {
		h->vars_json[h->nvars] = xstrdup(merged.v[i].json);
		h->vars[h->nvars++] = (struct kv){ xstrdup(merged.v[i].key), xstrdup(merged.v[i].value) };
	}
	ret = derive_fields(b, h, &merged);
out:
	free(merged.v);
	strmap_free(&merged.index);
	free(groups);
	return ret;
}

/* Append x to list unless stamp[x] already holds mark. */
static void add_once(size_t *list, size_t *n, size_t *stamp, size_t mark, size_t x)
{
	if (stamp[x] == mark)
		return;
	stamp[x] = mark;
	list[(*n)++] = x;
}

/* "ungrouped" as Ansible lists it: its own hosts that joined no other
 * group, then every other host in no group (such as those of "all"). */
static void tree_ungrouped(struct inv_build *b, struct inv_group *t, const unsigned char *grouped,
			   size_t *stamp)
{
	const struct igroup *g = &b->groups[GROUP_UNGROUPED];
	size_t mark = GROUP_UNGROUPED + 1;

	t->hosts = xcalloc(b->nhosts ? b->nhosts : 1, sizeof(size_t));
	for (size_t i = 0; i < g->nhosts; i++)
		if (!grouped[g->hosts[i]])
			add_once(t->hosts, &t->nhosts, stamp, mark, g->hosts[i]);
	for (size_t h = 0; h < b->nhosts; h++)
		if (!grouped[h])
			add_once(t->hosts, &t->nhosts, stamp, mark, h);
}

/* Each group's hosts and children without repeats, for --list and --graph. */
static void build_tree(struct inv_build *b, struct inventory *inv)
{
	unsigned char *grouped = xcalloc(b->nhosts ? b->nhosts : 1, 1);
	size_t *host_stamp = xcalloc(b->nhosts ? b->nhosts : 1, sizeof(size_t));
	size_t *group_stamp = xcalloc(b->ngroups, sizeof(size_t));

	for (size_t g = GROUP_UNGROUPED + 1; g < b->ngroups; g++)
		for (size_t i = 0; i < b->groups[g].nhosts; i++)
			grouped[b->groups[g].hosts[i]] = 1;
	inv->tree = xcalloc(b->ngroups, sizeof(*inv->tree));
	for (size_t g = 0; g < b->ngroups; g++) {
		const struct igroup *ig = &b->groups[g];
		struct inv_group *t = &inv->tree[g];
		t->children = xcalloc(ig->nchildren ? ig->nchildren : 1, sizeof(size_t));
		for (size_t i = 0; i < ig->nchildren; i++)
			add_once(t->children, &t->nchildren, group_stamp, g + 1, ig->children[i].group);
		if (g == GROUP_UNGROUPED) {
			tree_ungrouped(b, t, grouped, host_stamp);
		} else if (g != GROUP_ALL) {
			t->hosts = xcalloc(ig->nhosts ? ig->nhosts : 1, sizeof(size_t));
			for (size_t i = 0; i < ig->nhosts; i++)
				add_once(t->hosts, &t->nhosts, host_stamp, g + 1, ig->hosts[i]);
		}
	}
	free(grouped);
	free(host_stamp);
	free(group_stamp);
}

/* Warnings go to the inventory, which outlives the builder. */
static void take_warnings(struct inv_build *b, struct inventory *inv)
{
	inv->warnings = b->warnings;
	inv->nwarnings = b->nwarnings;
	b->warnings = NULL;
	b->nwarnings = b->cap_warnings = 0;
}

static void resolver_free(struct resolver *r)
{
	free(r->topo);
	free(r->depth);
	free(r->rank);
	free(r->by_rank);
	free(r->parent_start);
	free(r->parents);
	free(r->member_start);
	free(r->members);
	free(r->stamp);
	free(r->queue);
}

int inv_resolve(struct inv_build *b, struct inventory *inv)
{
	struct resolver r = { .b = b };
	int ret;

	if (link_top_level(b))
		return -1;
	r.topo = xcalloc(b->ngroups, sizeof(size_t));
	r.depth = xcalloc(b->ngroups, sizeof(int));
	r.rank = xcalloc(b->ngroups, sizeof(size_t));
	r.by_rank = xcalloc(b->ngroups, sizeof(size_t));
	r.stamp = xcalloc(b->ngroups, sizeof(size_t));
	r.queue = xcalloc(b->ngroups, sizeof(size_t));
	ret = order_groups(&r);
	if (!ret) {
		rank_groups(&r);
		build_adjacency(&r);
		inv->groups = xcalloc(b->ngroups, sizeof(char *));
		for (; inv->ngroups < b->ngroups; inv->ngroups++)
			inv->groups[inv->ngroups] = xstrdup(b->groups[inv->ngroups].name);
		inv->hosts = xcalloc(b->nhosts, sizeof(struct host));
		inv->nhosts = b->nhosts;
		for (size_t h = 0; h < b->nhosts && !ret; h++)
			ret = resolve_host(&r, h, &inv->hosts[h]);
		build_tree(b, inv);
		take_warnings(b, inv);
	}
	resolver_free(&r);
	return ret;
}
