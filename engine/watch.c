/* reconcile --watch: event streams per host (threads), liveness and repair
 * passes (main thread). See engine/watch.h. */
#include "engine/watch.h"
#include "engine/converge.h"
#include "docker/run.h"
#include "state/lock.h"
#include "util/json.h"
#include "util/jsonw.h"
#include "util/shell.h"
#include "util/util.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
	TICK_MS = 200,		/* main loop: liveness checks */
	DEBOUNCE_MS = 300,	/* an event's pass waits for the ones that follow */
	RETRY_MS = 500,		/* lock busy, restart delay, a host unsettled */
	RECONNECT_MS = 1000,	/* a stream that ended */
	STREAM_CONNECT_MAX_MS = 5000,
	DELAY_WAIT_MS = 3000,	/* a pass waits this long for a restart delay */
	DELAY_STEP_MS = 250,
	LINE_MAX_BYTES = 65536,	/* longer event lines are dropped */
};

/* Set by SIGINT/SIGTERM; also cancels every event stream. */
static atomic_int stopping;

struct watch;

enum pass_result { PASS_DONE, PASS_RETRY };

struct watched {
	struct watch *w;
	struct ssh_target target;	/* shallow copy of the fleet's, own timeouts */
	pthread_t thread;
	int started;
	atomic_llong last_heard;	/* monotonic ms of the last line */
	atomic_int events;		/* task events since the last pass */
	atomic_int cancel;		/* end the stream: stopping, or declared down */
	int ever_heard;			/* stream thread: a stream ever worked */
	struct strbuf line;		/* partial line (stream thread only) */
	int heard;			/* stream thread: a line since it connected */
	int down;			/* main thread: declared down */
};

struct watch {
	const struct watch_opts *o;
	struct run base;		/* inventory, targets, cluster id */
	struct watched *hosts;
	size_t n;
	atomic_int *silent;		/* per inventory host: declared down */
	const struct run *proto;
	int argc;
	char **argv;
	pthread_mutex_t log_lock;
	int cut_off;			/* reaching fewer than half of the hosts */
	int lock_busy;			/* the last pass found the lock held */
	pthread_t pass_thread;		/* passes run aside: liveness goes on */
	int pass_started;
	atomic_int pass_running;
	enum pass_result pass_result;	/* of the last pass */
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);	/* a signal ends it early: fine */
}

/* --- log: one line per event, plain or JSON ------------------------------ */

static void wlog(struct watch *w, const char *host, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void wlog(struct watch *w, const char *host, const char *event, const char *fmt, ...)
{
	char when[32];
	time_t t = time(NULL);
	struct tm tm;
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	struct strbuf msg = STRBUF_INIT, out = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&msg, fmt, ap);
	va_end(ap);
	if (w->o->json) {
		sb_addc(&out, '{');
		json_member(&out, "time", when);
		json_member(&out, "event", event);
		json_member(&out, "host", host);
		json_member(&out, "message", msg.buf);
		sb_adds(&out, "}\n");
	} else {
		sb_addf(&out, "%s %s%s%s\n", when, host ? host : "", host ? ": " : "", msg.buf);
	}
	pthread_mutex_lock(&w->log_lock);
	fputs(out.buf, stdout);
	fflush(stdout);
	pthread_mutex_unlock(&w->log_lock);
	sb_free(&msg);
	sb_free(&out);
}

/* --- event streams ------------------------------------------------------- */

/* The docker events of the cluster's containers, as JSON lines, and a "."
 * every second while they flow: silence means the host (or its daemon)
 * stopped answering. The stream ends when the daemon does; the traps end
 * `docker events` when the SSH channel closes. */
static void events_command(const char *cluster_id, struct strbuf *out)
{
	char *filter = xasprintf("label=%s=%s", LABEL_CLUSTER, cluster_id);
	sb_adds(out, "docker version --format '{{.Server.Version}}' >/dev/null || exit 1\n"
		"docker events --filter type=container --filter");
	sh_arg(out, filter);
	sb_adds(out, " --format '{{json .}}' & e=$!\n"
		"trap 'kill $e 2>/dev/null' EXIT\n"
		"trap 'exit 0' HUP INT TERM PIPE\n"
		"while kill -0 $e 2>/dev/null; do echo .; sleep 1; done\n"
		"wait $e\n");
	free(filter);
}

/* What a task event means for the watcher: the words to log (NULL: not
 * logged) and whether it calls for a repair pass. */
static const struct {
	const char *words;
	int repair;
} event_meaning[EVENT_NKINDS] = {
	[EVENT_DIE] = { "exited", 1 },
	[EVENT_OOM] = { "ran out of memory", 1 },
	[EVENT_DESTROY] = { "removed", 1 },
	[EVENT_UNHEALTHY] = { "unhealthy", 1 },
	[EVENT_START] = { "started", 0 },
};

static void task_event(struct watched *h, const char *line, size_t len)
{
	struct json j;
	struct strbuf err = STRBUF_INIT;
	if (json_parse(&j, line, len, &err) != 0) {
		sb_free(&err);
		return;
	}
	int attrs = json_get(&j, json_get(&j, 0, "Actor"), "Attributes");
	char *action = json_str(&j, json_get(&j, 0, "Action"));
	char *name = json_str(&j, json_get(&j, attrs, "name"));
	char *code = json_str(&j, json_get(&j, attrs, "exitCode"));
	enum container_event ev = container_event_parse(action);
	if (event_meaning[ev].words) {
		wlog(h->w, h->target.name, container_event_name(ev), "%s %s%s%s%s", name ? name : "a task",
		     event_meaning[ev].words, code ? " (exit " : "", code ? code : "", code ? ")" : "");
		if (event_meaning[ev].repair)
			atomic_fetch_add(&h->events, 1);
	}
	free(action);
	free(name);
	free(code);
	json_free(&j);
	sb_free(&err);
}

static void on_output(int stream, const char *data, size_t len, void *arg)
{
	struct watched *h = arg;
	if (stream != 0)
		return;		/* docker's complaints: the stream ends, we reconnect */
	sb_add(&h->line, data, len);
	char *start = h->line.buf, *nl;
	while ((nl = memchr(start, '\n', h->line.len - (size_t)(start - h->line.buf)))) {
		atomic_store(&h->last_heard, now_ms());
		if (!h->heard) {
			h->heard = 1;
			wlog(h->w, h->target.name, "following", "following its events");
			/* Events may have been missed while there was no stream
			 * (the first pass covers the time before the first one). */
			if (h->ever_heard)
				atomic_fetch_add(&h->events, 1);
			h->ever_heard = 1;
		}
		if (*start == '{')
			task_event(h, start, (size_t)(nl - start));
		start = nl + 1;
	}
	size_t rest = h->line.len - (size_t)(start - h->line.buf);
	memmove(h->line.buf, start, rest);
	h->line.len = rest;
	h->line.buf[rest] = '\0';
	if (h->line.len > LINE_MAX_BYTES)
		sb_reset(&h->line);
}

static void follow(struct watched *h, struct ssh_conn *c, const char *command)
{
	struct ssh_exec x = { .command = command, .on_output = on_output, .on_output_arg = h,
			      .cancel = &h->cancel };
	struct ssh_result res;
	struct strbuf err = STRBUF_INIT;
	ssh_result_init(&res);
	sb_reset(&h->line);
	h->heard = 0;
	ssh_exec(c, &x, &res, &err);
	ssh_result_free(&res);
	sb_free(&err);
}

static void *stream_main(void *arg)
{
	struct watched *h = arg;
	struct strbuf command = STRBUF_INIT;
	events_command(h->w->base.st.cluster_id, &command);
	while (!atomic_load(&stopping)) {
		struct ssh_conn *c = NULL;
		struct strbuf err = STRBUF_INIT;
		atomic_store(&h->cancel, 0);
		if (ssh_connect(&h->target, &c, &err) == SSH_OK) {
			follow(h, c, command.buf);
			ssh_close(c);
		}
		sb_free(&err);
		for (long waited = 0; waited < RECONNECT_MS && !atomic_load(&stopping); waited += TICK_MS)
			sleep_ms(TICK_MS);
	}
	sb_free(&command);
	return NULL;
}

static void start_streams(struct watch *w)
{
	long long now = now_ms();
	for (size_t i = 0; i < w->n; i++) {
		struct watched *h = &w->hosts[i];
		h->w = w;
		h->target = w->base.fleet.hosts[i].target;
		if (h->target.connect_timeout_ms <= 0 || h->target.connect_timeout_ms > STREAM_CONNECT_MAX_MS)
			h->target.connect_timeout_ms = STREAM_CONNECT_MAX_MS;
		/* Probe the connection a few times per host-down period. */
		h->target.keepalive_s = (int)(w->o->host_down_ms / 3000) > 1 ?
					(int)(w->o->host_down_ms / 3000) : 1;
		sb_init(&h->line);
		atomic_init(&h->last_heard, now);	/* a silent host is down after the period */
		atomic_init(&h->events, 0);
		atomic_init(&h->cancel, 0);
		h->started = pthread_create(&h->thread, NULL, stream_main, h) == 0;
		if (!h->started)
			wlog(w, h->target.name, "error", "cannot start its event stream: %s", strerror(errno));
	}
}

static void stop_streams(struct watch *w)
{
	for (size_t i = 0; i < w->n; i++)
		atomic_store(&w->hosts[i].cancel, 1);
	for (size_t i = 0; i < w->n; i++) {
		if (w->hosts[i].started)
			pthread_join(w->hosts[i].thread, NULL);
		sb_free(&w->hosts[i].line);
	}
}

/* --- liveness ------------------------------------------------------------- */

/* Declare hosts down or back; returns 1 when that calls for a pass. */
static int check_hosts(struct watch *w, size_t *alive)
{
	long long now = now_ms();
	int changed = 0;
	*alive = 0;
	for (size_t i = 0; i < w->n; i++) {
		struct watched *h = &w->hosts[i];
		int down = now - atomic_load(&h->last_heard) >= w->o->host_down_ms;
		*alive += !down;
		if (down == h->down)
			continue;
		h->down = down;
		changed = 1;
		atomic_store(&w->silent[w->base.index[i]], down);
		if (down) {
			/* A new connection notices its return sooner than the
			 * old one's TCP retransmissions, which back off. */
			atomic_store(&h->cancel, 1);
			wlog(w, h->target.name, "host_down", "no answer for %lds: its tasks move elsewhere",
			     w->o->host_down_ms / 1000);
		}
		else
			wlog(w, h->target.name, "host_up", "answers again: its stale copies go");
	}
	return changed;
}

/* Never move tasks from the side that is cut off: with fewer than half of
 * the hosts in reach, the fault is more likely here. */
static int quorum(struct watch *w, size_t alive)
{
	int cut_off = alive * 2 < w->n;
	if (cut_off != w->cut_off)
		wlog(w, NULL, cut_off ? "cut_off" : "reconnected",
		     cut_off ? "reaching %zu of %zu hosts: this side may be cut off, not moving tasks" :
			       "reaching %zu of %zu hosts again", alive, w->n);
	w->cut_off = cut_off;
	return !cut_off;
}

/* --- repair passes ------------------------------------------------------- */

static int open_pass(struct watch *w, struct run *r)
{
	run_init(r);
	r->opts = w->proto->opts;
	r->copts = w->proto->copts;
	r->silent = w->silent;
	/* A host that stops answering during a pass holds it up no longer
	 * than it takes to declare it down. */
	struct target_opts *t = &r->opts.target;
	if (t->connect_timeout_ms <= 0 || t->connect_timeout_ms > w->o->host_down_ms)
		t->connect_timeout_ms = w->o->host_down_ms;
	if (t->connect_timeout_flag_ms > w->o->host_down_ms)
		t->connect_timeout_flag_ms = w->o->host_down_ms;
	return run_open(r, RUN_OBSERVE | RUN_STACKS, w->argc, w->argv);
}

/* Not now: a host that the pass sees down while the watcher still hears
 * it (its daemon restarting, a slow answer) gets the full host-down period
 * before its tasks move; and with fewer than half of the hosts in reach
 * (some fell silent since the pass began), nothing moves. */
static int unsettled(const struct watch *w, const struct run *r)
{
	size_t reached = 0;
	for (size_t i = 0; i < r->fleet.n && i < w->n; i++) {
		int silent = atomic_load(&w->silent[w->base.index[i]]);
		if (r->views[i].down && !silent)
			return 1;
		reached += !r->views[i].down && !silent;
	}
	return reached * 2 < r->fleet.n;
}

static int plan(struct watch *w, struct run *r, struct converge *cv)
{
	struct strbuf err = STRBUF_INIT;
	struct converge_opts co = { .rebalance = w->o->rebalance, .remove_orphans = 1 };
	int ret = converge_plan(r, &co, cv, &err);
	if (ret != 0)
		wlog(w, NULL, "error", "planning: %s", sb_str(&err));
	sb_free(&err);
	return ret;
}

static void log_ops(struct watch *w, const struct run *r, const struct converge *cv)
{
	static const char *const past[] = { "started", "stopped", "updated" };
	static const char *const event[] = { "task_started", "task_stopped", "task_updated" };
	for (size_t i = 0; i < cv->nops; i++) {
		const struct op *op = &cv->ops[i];
		if (!op->done || op->host >= r->fleet.n)
			continue;
		const char *host = r->fleet.hosts[op->host].target.name;
		if (r->views[op->host].down)	/* a stop there is only forgotten */
			wlog(w, host, "task_lost", "%s left behind (%s): removed when the host answers",
			     op->container, op_why(op));
		else
			wlog(w, host, event[op->kind], "%s %s (%s)", past[op->kind], op->container, op_why(op));
	}
	if (cv->npending)
		wlog(w, NULL, "pending", "%s", sb_str(&cv->pending));
}

/* After taking the lock: has another run written the state since this
 * pass read it? Then its plan is stale: the next pass plans again. */
static int state_moved_on(struct run *r)
{
	struct state now;
	struct strbuf err = STRBUF_INIT;
	memset(&now, 0, sizeof(now));
	int same = cluster_read_state(&r->cluster, &now, &err) == STATE_READ_OK &&
		   now.version == r->st.version;
	state_free(&now);
	sb_free(&err);
	return !same;
}

/* The cluster lock, on the pass's own managers: 0, or EXIT_LOCKED/... */
static int lock_pass(struct watch *w, struct run *r)
{
	struct strbuf err = STRBUF_INIT;
	char *holder = lock_holder_line(w->argc, w->argv);
	int ret = cluster_lock(&r->cluster, holder, 0, &err);
	r->locked = ret == 0;	/* so the run checks it before each wave and write */
	if (ret == EXIT_LOCKED && !w->lock_busy)
		wlog(w, NULL, "lock_busy", "%s: retrying", sb_str(&err));
	else if (ret != 0 && ret != EXIT_LOCKED)
		wlog(w, NULL, "error", "taking the cluster lock: %s", sb_str(&err));
	w->lock_busy = ret == EXIT_LOCKED;
	free(holder);
	sb_free(&err);
	return ret;
}

/* Under the lock: apply the plan, write the state. */
static enum pass_result repair(struct watch *w, struct run *r, struct converge *cv)
{
	cv->quiet = 1;
	size_t failed = converge_apply(r, cv, w->o->wait_ms);
	log_ops(w, r, cv);
	char *change = xasprintf("reconcile --watch: %zu operations, %zu failed", cv->nops, failed);
	int committed = run_commit(r, change);
	free(change);
	return failed || committed != EXIT_OK || cv->waiting_restart ? PASS_RETRY : PASS_DONE;
}

/* A task waiting out its restart delay: plan again on the same
 * observation for a while (an exited container stays exited) rather than
 * observing every host again; the delay passes sooner than a new pass
 * would see it. 0, or -1 when planning failed (cv freed). */
static int wait_for_delay(struct watch *w, struct run *r, struct converge *cv)
{
	for (long waited = 0; !cv->nops && cv->waiting_restart && waited < DELAY_WAIT_MS &&
	     !atomic_load(&stopping); waited += DELAY_STEP_MS) {
		converge_free(cv);
		sleep_ms(DELAY_STEP_MS);
		if (plan(w, r, cv) != 0)
			return -1;
	}
	return 0;
}

/* Plan without the lock (most passes find nothing to do); take it only to
 * change something, and only if no other run wrote the state meanwhile. */
static enum pass_result pass(struct watch *w)
{
	struct run r;
	struct converge cv;
	enum pass_result res = PASS_RETRY;
	if (open_pass(w, &r) != EXIT_OK || unsettled(w, &r) || plan(w, &r, &cv) != 0 ||
	    wait_for_delay(w, &r, &cv) != 0) {
		run_close(&r);
		return PASS_RETRY;
	}
	if (!cv.nops)
		res = cv.waiting_restart ? PASS_RETRY : PASS_DONE;
	else if (lock_pass(w, &r) == 0 && !state_moved_on(&r) && !unsettled(w, &r))
		res = repair(w, &r, &cv);
	converge_free(&cv);
	run_close(&r);	/* releases the lock */
	return res;
}

/* --- main loop ----------------------------------------------------------- */

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&stopping, 1);
}

static int events_pending(struct watch *w)
{
	int any = 0;
	for (size_t i = 0; i < w->n; i++)
		any |= atomic_exchange(&w->hosts[i].events, 0) != 0;
	return any;
}

static void *pass_main(void *arg)
{
	struct watch *w = arg;
	w->pass_result = pass(w);
	atomic_store(&w->pass_running, 0);
	return NULL;
}

/* Wait for the pass thread; its result sets when the next pass is due. */
static long long join_pass(struct watch *w)
{
	if (!w->pass_started)
		return 0;
	pthread_join(w->pass_thread, NULL);
	w->pass_started = 0;
	return now_ms() + (w->pass_result == PASS_RETRY ? RETRY_MS : WATCH_PERIOD_MS);
}

static void start_pass(struct watch *w)
{
	atomic_store(&w->pass_running, 1);
	w->pass_started = pthread_create(&w->pass_thread, NULL, pass_main, w) == 0;
	if (!w->pass_started)
		pass_main(w);	/* no thread: run it here */
}

static void loop(struct watch *w)
{
	long long due = now_ms();	/* of the next pass: a first one at once */
	long long asked = 0;		/* when a trigger wants a pass (0: none) */
	while (!atomic_load(&stopping)) {
		size_t alive;
		long long now = now_ms();
		if (check_hosts(w, &alive))
			asked = now;
		if (events_pending(w) && !asked)
			asked = now + DEBOUNCE_MS;
		int enough = quorum(w, alive);
		if (!atomic_load(&w->pass_running)) {
			if (w->pass_started)
				due = join_pass(w);
			if (asked && asked < due)
				due = asked;
			if (enough && now >= due) {
				asked = 0;
				start_pass(w);
			}
		}
		sleep_ms(TICK_MS);
	}
	join_pass(w);	/* a repair in progress ends first */
}

static int open_base(struct watch *w)
{
	run_init(&w->base);
	w->base.opts = w->proto->opts;
	w->base.copts = w->proto->copts;
	int ret = run_open(&w->base, 0, w->argc, w->argv);
	if (ret != EXIT_OK)
		return ret;
	w->n = w->base.fleet.n;
	w->hosts = xcalloc(w->n ? w->n : 1, sizeof(*w->hosts));
	w->silent = xcalloc(w->base.inv.nhosts ? w->base.inv.nhosts : 1, sizeof(*w->silent));
	return EXIT_OK;
}

int engine_watch(const struct run *proto, const struct watch_opts *o, int argc, char **argv)
{
	struct watch w = { .o = o, .proto = proto, .argc = argc, .argv = argv };
	struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
	pthread_mutex_init(&w.log_lock, NULL);
	int ret = open_base(&w);
	if (ret == EXIT_OK) {
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, &old_int);
		sigaction(SIGTERM, &sa, &old_term);
		atomic_store(&stopping, 0);
		wlog(&w, NULL, "watching", "watching %zu hosts of cluster %s (host down after %lds)",
		     w.n, w.base.st.cluster, o->host_down_ms / 1000);
		start_streams(&w);
		loop(&w);
		stop_streams(&w);
		wlog(&w, NULL, "stopped", "stopped");
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
	}
	free(w.hosts);
	free(w.silent);
	run_close(&w.base);
	pthread_mutex_destroy(&w.log_lock);
	return ret;
}
