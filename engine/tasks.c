#include "engine/tasks.h"
#include "util/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct service *find_svc(const struct stack *st, const char *name)
{
	return st ? stack_service(st, name) : NULL;
}

static int row_matches(const struct state_task *t, const struct task_filter *f)
{
	return (!f->stack || streq(t->stack, f->stack)) &&
	       (!f->service || streq(t->service, f->service)) &&
	       (!f->node || streq(t->node, f->node));
}

static int row_cmp(const void *a, const void *b)
{
	const struct state_task *x = ((const struct task_row *)a)->task;
	const struct state_task *y = ((const struct task_row *)b)->task;
	int c = strcmp(x->stack, y->stack);
	if (!c)
		c = strcmp(x->service, y->service);
	if (!c)
		c = (x->slot > y->slot) - (x->slot < y->slot);
	if (!c)
		c = strcmp(x->node, y->node);
	return c ? c : strcmp(x->id, y->id);
}

static int stray_cmp(const void *a, const void *b)
{
	return strcmp(((const struct task_row *)a)->c->name, ((const struct task_row *)b)->c->name);
}

static int host_listed(const struct run *r, long host)
{
	return !r->in_limit || (host >= 0 && r->in_limit[host]);
}

/* The containers on host h that no task record places there. */
static void add_strays(const struct run *r, size_t h, struct task_row **rows, size_t *n,
		       size_t *cap)
{
	const char *node = r->fleet.hosts[h].target.name;
	const struct host_view *v = &r->views[h];
	for (size_t i = 0; !v->down && i < v->ncontainers; i++) {
		const struct observed *c = &v->containers[i];
		const struct state_task *t = c->task_id ? state_find_task(&r->st, c->task_id) : NULL;
		if (t && streq(t->node, node))
			continue;
		GROW(*rows, *cap, *n + 1);
		(*rows)[(*n)++] = (struct task_row){ .host = (long)h, .view = v, .c = c, .node = node,
						     .stray = t ? "stale copy" : "orphan" };
	}
}

void tasks_collect(const struct run *r, const struct task_filter *f, struct task_row **rows,
		   size_t *n)
{
	size_t cap = r->st.ntasks + 1, ntasks;
	*rows = xcalloc(cap, sizeof(**rows));
	*n = 0;
	for (size_t i = 0; i < r->st.ntasks; i++) {
		const struct state_task *t = &r->st.tasks[i];
		long host = run_host(r, t->node);
		if (!row_matches(t, f) || !host_listed(r, host))
			continue;
		struct task_row *row = &(*rows)[(*n)++];
		row->task = t;
		row->node = t->node;
		row->stack = run_stack(r, t->stack);
		row->svc = find_svc(row->stack, t->service);
		row->host = host;
		row->view = row->host < 0 || !r->views ? NULL : &r->views[row->host];
		row->c = row->view && !row->view->down ? view_find_task(row->view, t->id) : NULL;
	}
	ntasks = *n;
	for (size_t h = 0; f->strays && r->views && h < r->fleet.n; h++)
		if ((!f->node || streq(f->node, r->fleet.hosts[h].target.name)) && host_listed(r, (long)h))
			add_strays(r, h, rows, n, &cap);
	qsort(*rows, ntasks, sizeof(**rows), row_cmp);
	qsort(*rows + ntasks, *n - ntasks, sizeof(**rows), stray_cmp);
}

int tasks_find_service(const struct run *r, const char *full, const struct stack **stack,
		       const struct service **svc)
{
	/* Stack names may hold '_' too: try every split. */
	for (const char *us = strchr(full, '_'); us; us = strchr(us + 1, '_')) {
		char *name = xstrndup(full, (size_t)(us - full));
		const struct stack *st = run_stack(r, name);
		free(name);
		if (st && (*svc = stack_service(st, us + 1))) {
			*stack = st;
			return 0;
		}
	}
	return -1;
}

void task_name(const struct state_task *t, struct strbuf *out)
{
	if (t->slot > 0)
		sb_addf(out, "%s_%s.%d", t->stack, t->service, t->slot);
	else
		sb_addf(out, "%s_%s.%s", t->stack, t->service, t->node);
}

void task_row_name(const struct task_row *row, struct strbuf *out)
{
	if (row->task)
		task_name(row->task, out);
	else
		sb_adds(out, row->c->name);
}

const char *task_row_id(const struct task_row *row)
{
	return row->task ? row->task->id : row->c->task_id;
}

const char *task_desired_state(const struct task_row *row)
{
	return row->stray ? "Remove" : "Running";
}

long long docker_time(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%S", &tm))
		return 0;
	long long t = (long long)timegm(&tm);
	return t > 0 ? t : 0;
}

/* github.com/docker/go-units HumanDuration, which `docker service ps`
 * prints in lower case. */
void human_duration(long long seconds, struct strbuf *out)
{
	long long minutes = seconds / 60, hours = (seconds + 1800) / 3600;
	if (seconds < 1)
		sb_adds(out, "less than a second");
	else if (seconds == 1)
		sb_adds(out, "1 second");
	else if (seconds < 60)
		sb_addf(out, "%lld seconds", seconds);
	else if (minutes == 1)
		sb_adds(out, "about a minute");
	else if (minutes < 60)
		sb_addf(out, "%lld minutes", minutes);
	else if (hours == 1)
		sb_adds(out, "about an hour");
	else if (hours < 48)
		sb_addf(out, "%lld hours", hours);
	else if (hours < 24 * 7 * 2)
		sb_addf(out, "%lld days", hours / 24);
	else if (hours < 24 * 30 * 2)
		sb_addf(out, "%lld weeks", hours / 24 / 7);
	else if (hours < 24 * 365 * 2)
		sb_addf(out, "%lld months", hours / 24 / 30);
	else
		sb_addf(out, "%lld years", hours / 24 / 365);
}

static void add_ago(struct strbuf *out, const char *when, long long now)
{
	long long t = docker_time(when);
	if (!t)
		return;
	sb_addc(out, ' ');
	human_duration(now > t ? now - t : 0, out);
	sb_adds(out, " ago");
}

const char *task_state_word(const struct task_row *row)
{
	if (!row->view || row->view->down)
		return "unknown";
	switch (container_phase(row->c)) {
	case PHASE_GONE:
		return "missing";
	case PHASE_STARTING:
		return "starting";
	case PHASE_RUNNING:
	case PHASE_UNHEALTHY:
		return "running";
	case PHASE_ENDED:
	case PHASE_HELD:
		break;
	}
	return container_state_name(row->c->state);
}

int task_running(const struct task_row *row)
{
	return container_phase(row->c) == PHASE_RUNNING;
}

static int ended(const struct observed *c)
{
	return c->state == CONTAINER_EXITED || c->state == CONTAINER_DEAD;
}

void task_current_state(const struct task_row *row, long long now, struct strbuf *out)
{
	const struct observed *c = row->c;
	const char *word = task_state_word(row);

	if (!row->view) {
		sb_adds(out, "Unknown (node not in the inventory)");
	} else if (row->view->down) {
		sb_adds(out, "Unknown (host unreachable)");
	} else if (!c) {
		sb_adds(out, "Missing");
	} else if (c->state == CONTAINER_RUNNING) {
		sb_adds(out, streq(word, "starting") ? "Starting" : "Running");
		add_ago(out, c->started_at, now);
		if (c->health != HEALTH_NONE && c->health != HEALTH_STARTING)
			sb_addf(out, " (%s)", container_health_name(c->health));
	} else if (streq(word, "starting")) {
		sb_adds(out, "Starting");
	} else if (ended(c)) {
		sb_addf(out, "%s (%d)", c->state == CONTAINER_DEAD ? "Dead" : "Exited", c->exit_code);
		add_ago(out, c->finished_at, now);
	} else {
		/* paused, removing, unknown: the word, capitalised. */
		sb_addc(out, (char)toupper((unsigned char)*word));
		sb_adds(out, word + 1);
	}
}

void task_error(const struct task_row *row, struct strbuf *out)
{
	const struct observed *c = row->c;
	if (row->stray)
		sb_adds(out, row->stray);
	else if (row->view && row->view->down)
		sb_addf(out, "host %s", row->view->down);
	else if (!c)
		sb_adds(out, row->view ? "no container found" : "");
	else if (c->error && *c->error)
		sb_adds(out, c->error);
	else if (ended(c) && c->exit_code != 0)
		sb_addf(out, "task: non-zero exit (%d)", c->exit_code);
	else if (c->health == HEALTH_UNHEALTHY)
		sb_adds(out, "task: unhealthy container");
}

/* "0.0.0.0:8080->80/tcp" -> "*:8080->80/tcp"; Docker lists the IPv4 and
 * IPv6 bindings of one port apart, which then read the same. */
static char *port_display(const char *p)
{
	static const char *const any[] = { "0.0.0.0:", "[::]:", ":" };
	for (size_t i = 0; i < sizeof(any) / sizeof(*any); i++)
		if (starts_with(p, any[i]))
			return xasprintf("*:%s", p + strlen(any[i]));
	return xstrdup(p);
}

static void add_unique(struct strbuf *out, const char *item)
{
	size_t len = strlen(item);
	for (const char *at = out->buf ? strstr(out->buf, item) : NULL; at; at = strstr(at + 1, item))
		if ((at == out->buf || at[-1] == ' ') && (at[len] == ',' || at[len] == '\0'))
			return;
	if (out->len)
		sb_adds(out, ", ");
	sb_adds(out, item);
}

void task_ports(const struct task_row *row, struct strbuf *out)
{
	for (size_t i = 0; row->c && i < row->c->nports; i++) {
		char *p = port_display(row->c->ports[i]);
		add_unique(out, p);
		free(p);
	}
}

void service_ports(const struct service *svc, struct strbuf *out)
{
	for (size_t i = 0; i < svc->nports; i++) {
		const struct port *p = &svc->ports[i];
		if (!p->published)
			continue;
		char *s = xasprintf("%s:%u->%u/%s", p->host_ip ? p->host_ip : "*", p->published,
				    p->target, p->protocol ? p->protocol : "tcp");
		add_unique(out, s);
		free(s);
	}
}

int service_is_global(const struct service *svc)
{
	return svc->deploy.mode == MODE_GLOBAL;
}

const char *service_mode(const struct service *svc)
{
	return deploy_mode_name(svc->deploy.mode);
}

void service_replicas(const struct run *r, const struct stack *st, const struct service *svc,
		      size_t *running, size_t *desired)
{
	struct task_filter f = { .stack = st->name, .service = svc->name };
	struct task_row *rows;
	size_t n;
	tasks_collect(r, &f, &rows, &n);
	*running = 0;
	for (size_t i = 0; i < n; i++)
		*running += (size_t)task_running(&rows[i]);
	*desired = service_is_global(svc) ? n : (size_t)svc->deploy.replicas;
	free(rows);
}
