/* Scheduler benchmark: place TASKS tasks on NODES nodes, with constraints
 * and two levels of spread (zone, then rack), then plan the unchanged
 * redeploy of the result.  Prints one line of key=value pairs:
 *
 *   sched_bench NODES TASKS [SERVICES]
 *
 * Each size runs in its own process so peak RSS (getrusage) is its own. */
#include "sched/sched.h"
#include "util/strbuf.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#define ZONES 10
#define RACKS_PER_ZONE 10

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static long peak_rss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* Node i: zone i % 10, rack (i / 10) % 10; every 10th node is a db node
 * (excluded by the constraint), every 7th a manager. */
static struct sched_node *make_nodes(size_t n, struct sched_kv **labels_out,
				     char **names_out)
{
	static const char *const digits[] = { "0", "1", "2", "3", "4", "5",
					      "6", "7", "8", "9" };
	struct sched_node *nodes = xcalloc(n, sizeof(*nodes));
	struct sched_kv *labels = xcalloc(n * 3, sizeof(*labels));
	char *names = xcalloc(n, 24);

	for (size_t i = 0; i < n; i++) {
		struct sched_kv *l = &labels[i * 3];
		snprintf(names + i * 24, 24, "node%zu", i);
		l[0].key = "zone", l[0].value = digits[i % ZONES];
		l[1].key = "rack", l[1].value = digits[(i / ZONES) % RACKS_PER_ZONE];
		l[2].key = "tier", l[2].value = i % 10 == 9 ? "db" : "app";
		nodes[i].id = nodes[i].hostname = names + i * 24;
		nodes[i].ready = 1;
		nodes[i].role = i % 7 ? SCHED_WORKER : SCHED_MANAGER;
		nodes[i].labels = l, nodes[i].nlabels = 3;
		nodes[i].os = "linux", nodes[i].arch = "x86_64";
		nodes[i].memory_bytes = 1LL << 40;
		nodes[i].nano_cpus = 1000LL * 1000000000;
	}
	*labels_out = labels;
	*names_out = names;
	return nodes;
}

static const char *const constraints[] = {
	"node.labels.tier!=db", "node.platform.os==linux",
};
static const char *const spread[] = { "node.labels.zone", "node.labels.rack" };

static struct sched_service *make_services(size_t n, size_t tasks)
{
	struct sched_service *s = xcalloc(n, sizeof(*s));
	for (size_t i = 0; i < n; i++) {
		s[i].name = "svc";
		s[i].mode = SCHED_REPLICATED;
		s[i].replicas = (uint32_t)(tasks / n + (i < tasks % n));
		s[i].constraints = constraints, s[i].nconstraints = 2;
		s[i].spread = spread, s[i].nspread = 2;
		s[i].reserve_memory = 64 << 20;
		s[i].reserve_nano_cpus = 10000000;
	}
	return s;
}

static struct sched_task *running_tasks(const struct sched_plan *p, size_t *n)
{
	struct sched_task *t = xcalloc(p->nitems + 1, sizeof(*t));
	*n = 0;
	for (size_t i = 0; i < p->nitems; i++) {
		if (p->items[i].action != SCHED_START)
			continue;
		t[*n].id = "t";
		t[*n].service = p->items[i].service;
		t[*n].slot = p->items[i].slot;
		t[*n].node = p->items[i].to;
		t[(*n)++].state = SCHED_TASK_RUNNING;
	}
	return t;
}

/* Wall-clock milliseconds; *cpu gets the CPU time (less noisy on a busy
 * machine). */
static double timed_plan(const struct sched_input *in, struct sched_plan *p,
			 double *cpu)
{
	struct strbuf err = STRBUF_INIT;
	double t0 = now_ms(), c0 = cpu_ms();
	if (sched_plan(in, NULL, p, &err))
		die("%s", sb_str(&err));
	*cpu = cpu_ms() - c0;
	return now_ms() - t0;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		die("usage: sched_bench NODES TASKS [SERVICES]");
	size_t nn = strtoul(argv[1], NULL, 10), nt = strtoul(argv[2], NULL, 10);
	size_t ns = argc > 3 ? strtoul(argv[3], NULL, 10) : 100;
	struct sched_kv *labels;
	char *names;
	struct sched_node *nodes = make_nodes(nn, &labels, &names);
	struct sched_service *svcs = make_services(ns ? ns : 1, nt);
	struct sched_input in = { nodes, nn, svcs, ns ? ns : 1, NULL, 0 };
	struct sched_plan p, q;
	long rss_before = peak_rss_kb();

	double place_cpu, redeploy_cpu;
	double place_ms = timed_plan(&in, &p, &place_cpu);
	in.tasks = running_tasks(&p, &in.ntasks);
	double redeploy_ms = timed_plan(&in, &q, &redeploy_cpu);

	printf("nodes=%zu tasks=%zu services=%zu placed=%zu pending=%zu "
	       "place_ms=%.1f place_cpu_ms=%.1f redeploy_ms=%.1f "
	       "redeploy_cpu_ms=%.1f kept=%zu peak_rss_kb=%ld input_rss_kb=%ld\n",
	       nn, nt, ns, p.count[SCHED_START], p.count[SCHED_PENDING],
	       place_ms, place_cpu, redeploy_ms, redeploy_cpu,
	       q.count[SCHED_KEEP], peak_rss_kb(), rss_before);
	sched_plan_free(&p);
	sched_plan_free(&q);
	free((void *)in.tasks);
	free(svcs);
	free(nodes);
	free(labels);
	free(names);
	return 0;
}
