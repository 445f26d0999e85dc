/* Scheduler properties over many random clusters (fixed seed, own PRNG, so
 * every run checks the same clusters):
 *   - no node over capacity, no host port used twice, max_replicas holds;
 *   - every placed task satisfies its constraints and platform, on a node
 *     that takes new tasks;
 *   - replicated services get exactly `replicas` tasks (placed or pending);
 *   - global services cover every eligible node;
 *   - spread preferences: sibling branches within one task of each other;
 *   - a redeploy of the unchanged stack moves nothing; same input, same plan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_sched_util.h"

#define CLUSTERS 400
#define MAX_NODES 24
#define MAX_SERVICES 5

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)	/* xorshift64*, uniform enough for tests */
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ULL) >> 33) % n;
}

struct cluster {
	struct sched_node nodes[MAX_NODES];
	struct sched_kv labels[MAX_NODES][2];
	struct sched_service svcs[MAX_SERVICES];
	const char *cons[MAX_SERVICES][2];
	const char *spread[MAX_SERVICES][2];
	struct sched_port port;
	struct sched_input in;
	int simple;		/* no resources, ports or limits: spread is exact */
};

static const char *const zones[] = { "a", "b", "c" };
static const char *const racks[] = { "1", "2" };
/* The oracle for constraints is written here by hand, apart from the
 * scheduler's parser and matcher, so a bug shared by both cannot hide.
 * The pool holds each constraint with == and with !=, so a cache keyed on
 * anything but the whole constraint shows. */
static const char *label_of(const struct sched_node *n, const char *key)
{
	for (size_t i = 0; i < n->nlabels; i++)
		if (strcmp(n->labels[i].key, key) == 0)
			return n->labels[i].value;
	return NULL;
}

static int label_is(const struct sched_node *n, const char *key, const char *v)
{
	const char *got = label_of(n, key);
	return got && strcmp(got, v) == 0;
}

static int zone_a(const struct sched_node *n) { return label_is(n, "zone", "a"); }
static int zone_b(const struct sched_node *n) { return label_is(n, "zone", "b"); }
static int rack_1(const struct sched_node *n) { return label_is(n, "rack", "1"); }
static int worker(const struct sched_node *n) { return n->role == SCHED_WORKER; }
static int amd64(const struct sched_node *n) { return strcmp(n->arch, "x86_64") == 0; }
static int in_net(const struct sched_node *n) { return strncmp(n->ip, "10.0.0.", 7) == 0; }

static const struct {
	const char *expr;
	int (*holds)(const struct sched_node *);
	int negate;
} constraint_pool[] = {
	{ "node.labels.zone==a", zone_a, 0 }, { "node.labels.zone!=a", zone_a, 1 },
	{ "node.labels.zone!=b", zone_b, 1 }, { "node.labels.zone==b", zone_b, 0 },
	{ "node.role==worker", worker, 0 }, { "node.role!=worker", worker, 1 },
	{ "node.labels.rack==1", rack_1, 0 }, { "node.labels.rack!=1", rack_1, 1 },
	{ "node.platform.arch==amd64", amd64, 0 }, { "node.platform.arch!=amd64", amd64, 1 },
	{ "node.ip==10.0.0.0/24", in_net, 0 }, { "node.ip!=10.0.0.0/24", in_net, 1 },
};
#define POOL_SIZE (sizeof(constraint_pool) / sizeof(constraint_pool[0]))

static void random_node(struct cluster *c, int i, int simple)
{
	struct sched_node *n = &c->nodes[i];
	*n = mk_node("n");
	n->role = rnd(4) ? SCHED_WORKER : SCHED_MANAGER;
	n->arch = rnd(5) ? "x86_64" : "aarch64";
	n->ip = rnd(2) ? "10.0.0.7" : "10.0.1.7";
	size_t nl = 0;
	if (rnd(5))
		c->labels[i][nl].key = "zone", c->labels[i][nl++].value = zones[rnd(3)];
	if (rnd(4))
		c->labels[i][nl].key = "rack", c->labels[i][nl++].value = racks[rnd(2)];
	n->labels = c->labels[i], n->nlabels = nl;
	if (simple)
		return;
	n->availability = rnd(6) ? SCHED_ACTIVE : rnd(2) ? SCHED_PAUSE : SCHED_DRAIN;
	n->ready = rnd(8) != 0;
	n->memory_bytes = rnd(3) ? (int64_t)(1 + rnd(8)) * GiB : 0;
	n->nano_cpus = rnd(3) ? (int64_t)(1 + rnd(4)) * 1000000000 : 0;
}

static void random_service(struct cluster *c, int i, int simple)
{
	struct sched_service *s = &c->svcs[i];
	*s = mk_replicated("svc", rnd(40));
	if (!rnd(4))
		s->mode = SCHED_GLOBAL;
	for (size_t k = rnd(3); k > 0; k--)
		c->cons[i][s->nconstraints++] = constraint_pool[rnd(POOL_SIZE)].expr;
	s->constraints = c->cons[i];
	c->spread[i][0] = "node.labels.zone";
	c->spread[i][1] = "node.labels.rack";
	s->spread = c->spread[i], s->nspread = rnd(3);
	if (simple)
		return;
	s->reserve_memory = rnd(2) ? (int64_t)rnd(3) * GiB / 2 : 0;
	s->reserve_nano_cpus = rnd(2) ? (int64_t)rnd(3) * 500000000 : 0;
	s->max_replicas_per_node = rnd(3) ? 0 : 1 + rnd(3);
	if (!rnd(5))
		s->ports = &c->port, s->nports = 1;
	s->strategy = rnd(5) ? SCHED_STRATEGY_DEFAULT : SCHED_BINPACK;
}

static void random_cluster(struct cluster *c, int simple)
{
	memset(c, 0, sizeof(*c));
	c->simple = simple;
	c->port.port = 8080;
	size_t nn = 1 + rnd(MAX_NODES), ns = 1 + rnd(MAX_SERVICES);
	for (size_t i = 0; i < nn; i++)
		random_node(c, (int)i, simple);
	for (size_t i = 0; i < ns; i++)
		random_service(c, (int)i, simple);
	c->in.nodes = c->nodes, c->in.nnodes = nn;
	c->in.services = c->svcs, c->in.nservices = ns;
}

static int constraint_holds(const char *expr, const struct sched_node *n)
{
	for (size_t i = 0; i < POOL_SIZE; i++)
		if (constraint_pool[i].expr == expr)
			return constraint_pool[i].holds(n) != constraint_pool[i].negate;
	fail_msg("constraint %s is not in the pool", expr);
	return 0;
}

static int qualifies(const struct cluster *c, uint32_t s, uint32_t node)
{
	const struct sched_service *svc = &c->svcs[s];
	const struct sched_node *n = &c->nodes[node];
	for (size_t i = 0; i < svc->nconstraints; i++)
		if (!constraint_holds(svc->constraints[i], n))
			return 0;
	return sched_platform_match(svc, n);
}

static void check_capacity(const struct cluster *c, const struct sched_plan *p)
{
	for (uint32_t node = 0; node < c->in.nnodes; node++) {
		int64_t mem = 0, cpu = 0;
		unsigned port = 0;
		for (size_t i = 0; i < p->nitems; i++) {
			const struct sched_item *it = &p->items[i];
			if (!occupies(it) || it->to != node)
				continue;
			mem += c->svcs[it->service].reserve_memory;
			cpu += c->svcs[it->service].reserve_nano_cpus;
			port += c->svcs[it->service].nports;
		}
		const struct sched_node *n = &c->nodes[node];
		assert_true(!n->memory_bytes || mem <= n->memory_bytes);
		assert_true(!n->nano_cpus || cpu <= n->nano_cpus);
		assert_true(port <= 1);
	}
}

static void check_items(const struct cluster *c, const struct sched_plan *p)
{
	for (size_t i = 0; i < p->nitems; i++) {
		const struct sched_item *it = &p->items[i];
		if (it->action == SCHED_START || it->action == SCHED_MOVE) {
			assert_true(c->nodes[it->to].ready);
			assert_int_equal(c->nodes[it->to].availability, SCHED_ACTIVE);
		}
		if (!occupies(it))
			continue;
		assert_true(qualifies(c, it->service, it->to));
		const struct sched_service *s = &c->svcs[it->service];
		if (s->max_replicas_per_node)
			assert_true(on_node(p, it->service, it->to) <= s->max_replicas_per_node);
	}
}

static void check_counts(const struct cluster *c, const struct sched_plan *p)
{
	for (uint32_t s = 0; s < c->in.nservices; s++) {
		unsigned n = with_action(p, s, SCHED_KEEP) + with_action(p, s, SCHED_START) +
			     with_action(p, s, SCHED_MOVE) + with_action(p, s, SCHED_PENDING);
		if (c->svcs[s].mode == SCHED_REPLICATED) {
			assert_int_equal(n, c->svcs[s].replicas);
			continue;
		}
		for (uint32_t node = 0; node < c->in.nnodes; node++) {
			int eligible = c->nodes[node].ready && qualifies(c, s, node) &&
				       c->nodes[node].availability == SCHED_ACTIVE;
			unsigned have = 0;
			for (size_t i = 0; i < p->nitems; i++)
				have += p->items[i].service == s && p->items[i].to == node &&
					(occupies(&p->items[i]) ||
					 p->items[i].action == SCHED_PENDING);
			assert_int_equal(have, (unsigned)eligible);
		}
	}
}

/* Tasks of service s per value of `label` among the nodes of `within`
 * (value of `parent` label equal to `pv`, or all if parent is NULL). */
static void check_branches(const struct cluster *c, const struct sched_plan *p,
			   uint32_t s, const char *label, const char *parent,
			   const char *pv)
{
	unsigned count[4] = { 0 }, present[4] = { 0 };
	for (uint32_t node = 0; node < c->in.nnodes; node++) {
		const char *vals[4] = { "a", "b", "c", NULL };
		const char *v = NULL, *pvv = NULL;
		for (size_t l = 0; l < c->nodes[node].nlabels; l++) {
			if (!strcmp(c->nodes[node].labels[l].key, label))
				v = c->nodes[node].labels[l].value;
			if (parent && !strcmp(c->nodes[node].labels[l].key, parent))
				pvv = c->nodes[node].labels[l].value;
		}
		if (parent && (pv ? !pvv || strcmp(pv, pvv) : pvv != NULL))
			continue;
		if (!qualifies(c, s, node))
			continue;
		if (!strcmp(label, "rack"))
			vals[0] = "1", vals[1] = "2", vals[2] = "-";
		size_t b = 3;
		for (size_t k = 0; v && k < 3; k++)
			if (!strcmp(v, vals[k]))
				b = k;
		present[b] = 1;
		count[b] += on_node(p, s, node);
	}
	unsigned lo = UINT32_MAX, hi = 0;
	for (int b = 0; b < 4; b++)
		if (present[b]) {
			lo = count[b] < lo ? count[b] : lo;
			hi = count[b] > hi ? count[b] : hi;
		}
	assert_true(hi <= lo + 1 || lo == UINT32_MAX);
}

static void check_spread(const struct cluster *c, const struct sched_plan *p)
{
	static const char *const zone_vals[] = { "a", "b", "c", NULL };
	for (uint32_t s = 0; s < c->in.nservices; s++) {
		const struct sched_service *svc = &c->svcs[s];
		if (svc->mode != SCHED_REPLICATED || !svc->nspread)
			continue;
		if (svc->nspread == 1) {
			check_branches(c, p, s, "zone", NULL, NULL);
			continue;
		}
		check_branches(c, p, s, "zone", NULL, NULL);
		for (int z = 0; z < 4; z++)
			check_branches(c, p, s, "rack", "zone", zone_vals[z]);
	}
}

static void check_redeploy(struct cluster *c, const struct sched_plan *p)
{
	struct sched_task *tasks;
	struct sched_plan q;
	c->in.ntasks = tasks_after(p, &tasks);
	c->in.tasks = tasks;
	plan_ok(&c->in, NULL, &q);
	assert_int_equal(q.count[SCHED_START], 0);
	assert_int_equal(q.count[SCHED_MOVE], 0);
	assert_int_equal(q.count[SCHED_STOP], 0);
	assert_int_equal(q.count[SCHED_KEEP], c->in.ntasks);
	assert_int_equal(q.count[SCHED_PENDING], p->count[SCHED_PENDING]);
	sched_plan_free(&q);
	c->in.tasks = NULL, c->in.ntasks = 0;
	free(tasks);
}

static void check_same(const struct sched_plan *a, const struct sched_plan *b)
{
	assert_int_equal(a->nitems, b->nitems);
	for (size_t i = 0; i < a->nitems; i++) {
		assert_int_equal(a->items[i].action, b->items[i].action);
		assert_int_equal(a->items[i].to, b->items[i].to);
		assert_int_equal(a->items[i].slot, b->items[i].slot);
	}
}

static void run_clusters(int simple, uint64_t seed)
{
	struct cluster *c = calloc(1, sizeof(*c));
	rng_state = seed;
	for (int round = 0; round < CLUSTERS; round++) {
		struct sched_plan p, again;
		random_cluster(c, simple);
		plan_ok(&c->in, NULL, &p);
		check_capacity(c, &p);
		check_items(c, &p);
		check_counts(c, &p);
		if (simple)
			check_spread(c, &p);
		plan_ok(&c->in, NULL, &again);
		check_same(&p, &again);
		sched_plan_free(&again);
		check_redeploy(c, &p);
		sched_plan_free(&p);
	}
	free(c);
}

static void test_random_clusters(void **state)
{
	(void)state;
	run_clusters(0, 0x9e3779b97f4a7c15ULL);
}

static void test_random_spread(void **state)
{
	(void)state;
	run_clusters(1, 0x2545f4914f6cdd1dULL);
}

/* Without spread preferences, a rebalanced service is even over the nodes
 * it may use. */
static void check_even(const struct cluster *c, const struct sched_plan *p)
{
	for (uint32_t s = 0; s < c->in.nservices; s++) {
		unsigned lo = UINT32_MAX, hi = 0;
		if (c->svcs[s].mode != SCHED_REPLICATED || c->svcs[s].nspread)
			continue;
		for (uint32_t node = 0; node < c->in.nnodes; node++) {
			if (!qualifies(c, s, node) ||
			    c->nodes[node].availability != SCHED_ACTIVE)
				continue;
			unsigned n = on_node(p, s, node);
			lo = n < lo ? n : lo;
			hi = n > hi ? n : hi;
		}
		assert_true(lo == UINT32_MAX || hi <= lo + 1);
	}
}

/* Nodes go away and come back: every plan stays valid, rebalance evens
 * out, and a second rebalance has nothing left to do. */
static void test_random_churn(void **state)
{
	(void)state;
	struct cluster *c = calloc(1, sizeof(*c));
	struct sched_options opt = { 1, SCHED_SPREAD };
	rng_state = 0x853c49e6748fea9bULL;
	for (int round = 0; round < CLUSTERS / 2; round++) {
		struct sched_plan p, q, r;
		struct sched_task *tasks;
		random_cluster(c, 1);
		for (size_t i = 0; i < c->in.nnodes; i++)
			if (!rnd(3))
				c->nodes[i].availability = SCHED_DRAIN;
		plan_ok(&c->in, NULL, &p);
		for (size_t i = 0; i < c->in.nnodes; i++)
			c->nodes[i].availability = rnd(6) ? SCHED_ACTIVE : SCHED_DRAIN;
		c->in.ntasks = tasks_after(&p, &tasks);
		c->in.tasks = tasks;
		plan_ok(&c->in, &opt, &q);
		check_capacity(c, &q);
		check_items(c, &q);
		check_counts(c, &q);
		check_even(c, &q);
		free(tasks);
		c->in.ntasks = tasks_after(&q, &tasks);
		c->in.tasks = tasks;
		plan_ok(&c->in, &opt, &r);
		assert_int_equal(r.count[SCHED_MOVE], 0);
		free(tasks);
		c->in.tasks = NULL, c->in.ntasks = 0;
		sched_plan_free(&p);
		sched_plan_free(&q);
		sched_plan_free(&r);
	}
	free(c);
}

/* Arbitrary current tasks (bad indexes, duplicates, any state): the plan
 * still accounts for every task once and keeps every rule. */
static void test_random_garbage_tasks(void **state)
{
	(void)state;
	struct cluster *c = calloc(1, sizeof(*c));
	struct sched_task tasks[64];
	static const uint32_t odd[] = { 0, 1, 2, 7, 40, UINT32_MAX - 1, SCHED_NONE };
	rng_state = 0xda942042e4dd58b5ULL;
	for (int round = 0; round < CLUSTERS; round++) {
		struct sched_plan p;
		random_cluster(c, round % 2);
		size_t nt = rnd(64);
		for (size_t i = 0; i < nt; i++) {
			struct sched_task t = {
				.id = "x",
				.service = rnd(4) ? rnd((uint32_t)c->in.nservices) : odd[rnd(7)],
				.slot = rnd(3) ? 1 + rnd(45) : odd[rnd(7)],
				.node = rnd(4) ? rnd((uint32_t)c->in.nnodes) : odd[rnd(7)],
				.state = (enum sched_task_state)rnd(4),
				.spec_hash = rnd(2) ? "h" : NULL,
			};
			tasks[i] = t;
		}
		c->in.tasks = tasks, c->in.ntasks = nt;
		plan_ok(&c->in, NULL, &p);
		for (size_t i = 0; i < nt; i++)
			assert_int_equal(p.items[i].task, i);
		check_capacity(c, &p);
		check_items(c, &p);
		if (round % 2)
			check_counts(c, &p);
		sched_plan_free(&p);
		c->in.tasks = NULL, c->in.ntasks = 0;
	}
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_clusters),
		cmocka_unit_test(test_random_spread),
		cmocka_unit_test(test_random_churn),
		cmocka_unit_test(test_random_garbage_tasks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
