#include "ssh/fanout.h"
#include "util/util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/resource.h>

struct job {
	struct fleet *fleet;
	fleet_fn fn;
	void *ctx;
	atomic_size_t next;
};

static void work_on(struct job *j, size_t i)
{
	struct fleet_host *h = &j->fleet->hosts[i];
	if (!h->conn && h->fail == SSH_OK) {
		h->fail = ssh_connect(&h->target, &h->conn, &h->error);
	}
	if (h->conn && j->fn)
		j->fn(h, i, j->ctx);
}

static void *worker(void *arg)
{
	struct job *j = arg;
	size_t i;
	while ((i = atomic_fetch_add(&j->next, 1)) < j->fleet->n)
		work_on(j, i);
	return NULL;
}

/* Every host's connection stays open for the whole run (one handshake per
 * host), each a socket and, through a ProxyJump, a socket pair more: at a
 * thousand hosts that passes the usual soft limit of 1024 descriptors.
 * Raise it towards the hard limit, once, as far as this fleet needs. */
static void room_for_connections(size_t hosts)
{
	static atomic_int warned;
	struct rlimit rl;
	rlim_t need = (rlim_t)hosts * 3 + 64;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ? need : rl.rlim_max;
	if ((setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < need) && !atomic_exchange(&warned, 1))
		warning("%zu hosts may need %llu file descriptors; the limit is %llu (ulimit -n)",
			hosts, (unsigned long long)need, (unsigned long long)rl.rlim_cur);
}

void fleet_each(struct fleet *f, fleet_fn fn, void *ctx)
{
	room_for_connections(f->n);
	struct job j = { .fleet = f, .fn = fn, .ctx = ctx };
	size_t nthreads = f->forks > 0 ? (size_t)f->forks : 1;
	if (nthreads > f->n)
		nthreads = f->n;
	atomic_init(&j.next, 0);

	pthread_t *threads = xcalloc(nthreads ? nthreads : 1, sizeof(*threads));
	size_t started = 0;
	for (; started < nthreads; started++)
		if (pthread_create(&threads[started], NULL, worker, &j) != 0)
			break;
	if (started == 0)
		worker(&j);	/* no thread could start: do it all here */
	for (size_t t = 0; t < started; t++)
		pthread_join(threads[t], NULL);
	free(threads);
}

size_t fleet_unreachable(const struct fleet *f)
{
	size_t n = 0;
	for (size_t i = 0; i < f->n; i++)
		n += f->hosts[i].fail != SSH_OK;
	return n;
}

enum ssh_fail fleet_exec(struct fleet_host *h, const struct ssh_exec *x, struct ssh_result *res)
{
	struct strbuf err = STRBUF_INIT;
	struct ssh_exec cancellable = *x;
	if (!cancellable.cancel)
		cancellable.cancel = h->cancel;
	enum ssh_fail f = ssh_exec(h->conn, &cancellable, res, &err);
	if (f != SSH_OK) {
		/* A session that failed mid-command is not reused. */
		h->fail = f;
		sb_reset(&h->error);
		sb_adds(&h->error, sb_str(&err));
		ssh_close(h->conn);
		h->conn = NULL;
	}
	sb_free(&err);
	return f;
}

void fleet_free(struct fleet *f)
{
	for (size_t i = 0; i < f->n; i++) {
		ssh_close(f->hosts[i].conn);
		ssh_target_free(&f->hosts[i].target);
		sb_free(&f->hosts[i].error);
	}
	free(f->hosts);
	f->hosts = NULL;
	f->n = 0;
}
