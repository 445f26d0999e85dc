/* The scheduler, rule by rule (docs/placement.md has the same examples). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_sched_util.h"

/* --- constraint parsing ---------------------------------------------------- */

static const struct {
	const char *expr;
	const char *error;	/* NULL: valid */
	enum sched_key key;
	int negate;
	const char *label, *value;
} parse_cases[] = {
	{ "node.labels.zone==east", NULL, SCHED_KEY_NODE_LABEL, 0, "zone", "east" },
	{ "  node.labels.zone  !=  east ", NULL, SCHED_KEY_NODE_LABEL, 1, "zone", "east" },
	{ "NODE.ROLE==Manager", NULL, SCHED_KEY_ROLE, 0, NULL, "Manager" },
	{ "node.hostname!=db1", NULL, SCHED_KEY_HOSTNAME, 1, NULL, "db1" },
	{ "node.id==abc", NULL, SCHED_KEY_ID, 0, NULL, "abc" },
	{ "node.platform.os==linux", NULL, SCHED_KEY_OS, 0, NULL, "linux" },
	{ "node.platform.arch==amd64", NULL, SCHED_KEY_ARCH, 0, NULL, "amd64" },
	{ "engine.labels.gpu==yes", NULL, SCHED_KEY_ENGINE_LABEL, 0, "gpu", "yes" },
	{ "node.ip==10.0.0.0/8", NULL, SCHED_KEY_IP, 0, NULL, "10.0.0.0/8" },
	{ "node.ip!=fd00::1", NULL, SCHED_KEY_IP, 1, NULL, "fd00::1" },
	{ "node.labels.zone==", NULL, SCHED_KEY_NODE_LABEL, 0, "zone", "" },
	{ "node.labels.zone", "expected KEY==VALUE", 0, 0, NULL, NULL },
	{ "", "expected KEY==VALUE", 0, 0, NULL, NULL },
	{ "node.labls.zone==x", "unknown key \"node.labls.zone\"", 0, 0, NULL, NULL },
	{ "node.labels.==x", "invalid label name", 0, 0, NULL, NULL },
	{ "node.labels.a b==x", "invalid label name", 0, 0, NULL, NULL },
	{ "node.role==boss", "not manager or worker", 0, 0, NULL, NULL },
	{ "node.ip==10.0.0.0/33", "not an IP address or CIDR", 0, 0, NULL, NULL },
	{ "node.ip==banana", "not an IP address or CIDR", 0, 0, NULL, NULL },
	{ "node.labels.a==b==c", "more than one operator", 0, 0, NULL, NULL },
	{ "node.labels.a==b\tc\n", "control characters", 0, 0, NULL, NULL },
	{ "node.labels.a==b\x01", "control characters", 0, 0, NULL, NULL },
};

static void test_constraint_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		struct sched_constraint c;
		struct strbuf err = STRBUF_INIT;
		int rc = sched_constraint_parse(parse_cases[i].expr, &c, &err);
		if (parse_cases[i].error) {
			assert_int_equal(rc, -1);
			assert_non_null(strstr(sb_str(&err), parse_cases[i].error));
			/* the message names the constraint */
			assert_non_null(strstr(sb_str(&err), "constraint \""));
		} else {
			if (rc)
				fail_msg("%s: %s", parse_cases[i].expr, sb_str(&err));
			assert_int_equal(c.key, parse_cases[i].key);
			assert_int_equal(c.negate, parse_cases[i].negate);
			assert_string_equal(c.value, parse_cases[i].value);
			if (parse_cases[i].label)
				assert_string_equal(c.label, parse_cases[i].label);
			assert_int_equal(err.len, 0);
			sched_constraint_free(&c);
		}
		sb_free(&err);
	}
}

static int matches(const char *expr, const struct sched_node *n)
{
	struct sched_constraint c;
	struct strbuf err = STRBUF_INIT;
	assert_int_equal(sched_constraint_parse(expr, &c, &err), 0);
	int m = sched_constraint_match(&c, n);
	sched_constraint_free(&c);
	sb_free(&err);
	return m;
}

static void test_constraint_match(void **state)
{
	(void)state;
	struct sched_kv labels[] = { { "zone", "East" }, { "ssd", "" } };
	struct sched_kv engine[] = { { "gpu", "yes" } };
	struct sched_node n = mk_node("web1");
	n.labels = labels, n.nlabels = 2;
	n.engine_labels = engine, n.nengine_labels = 1;
	n.ip = "192.168.1.20";
	n.role = SCHED_MANAGER;
	static const struct { const char *expr; int want; } cases[] = {
		{ "node.labels.zone==east", 1 },	/* values ignore case */
		{ "node.labels.zone!=east", 0 },
		{ "node.labels.zone==west", 0 },
		{ "node.labels.Zone==east", 0 },	/* label names do not */
		{ "node.labels.rack==", 1 },		/* missing label is "" */
		{ "node.labels.rack!=a1", 1 },
		{ "node.labels.ssd==", 1 },
		{ "engine.labels.gpu==YES", 1 },
		{ "engine.labels.zone==east", 0 },
		{ "node.hostname==WEB1", 1 },
		{ "node.id!=web1", 0 },
		{ "node.role==manager", 1 },
		{ "node.role!=worker", 1 },
		{ "node.platform.os==linux", 1 },
		{ "node.platform.arch==amd64", 1 },	/* x86_64 is amd64 */
		{ "node.platform.arch!=arm64", 1 },
		{ "node.ip==192.168.1.20", 1 },
		{ "node.ip==192.168.0.0/16", 1 },
		{ "node.ip==192.168.1.16/29", 1 },
		{ "node.ip==192.168.1.24/29", 0 },
		{ "node.ip!=10.0.0.0/8", 1 },
		{ "node.ip==::/0", 0 },			/* other family */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (matches(cases[i].expr, &n) != cases[i].want)
			fail_msg("%s: want %d", cases[i].expr, cases[i].want);
	n.ip = "fd00::17";
	assert_true(matches("node.ip==fd00::/64", &n));
	assert_false(matches("node.ip==fd01::/16", &n));
	n.ip = NULL;
	assert_false(matches("node.ip==0.0.0.0/0", &n));
}

static void test_platform(void **state)
{
	(void)state;
	struct sched_node n = mk_node("pi");
	n.arch = "aarch64";
	struct sched_platform arm[] = { { "linux", "arm64" } };
	struct sched_platform amd[] = { { "linux", "amd64" }, { "windows", "" } };
	struct sched_service s = mk_replicated("x", 1);
	assert_true(sched_platform_match(&s, &n));	/* none listed: any */
	s.platforms = arm, s.nplatforms = 1;
	assert_true(sched_platform_match(&s, &n));
	s.platforms = amd, s.nplatforms = 2;
	assert_false(sched_platform_match(&s, &n));
	n.os = "windows";
	assert_true(sched_platform_match(&s, &n));
}

/* --- replicated placement --------------------------------------------------- */

static void test_fill_evenly(void **state)
{
	(void)state;
	struct sched_node nodes[3] = { mk_node("a"), mk_node("b"), mk_node("c") };
	struct sched_service svc = mk_replicated("web", 7);
	struct sched_input in = { nodes, 3, &svc, 1, NULL, 0 };
	struct sched_plan p;
	plan_ok(&in, NULL, &p);
	assert_int_equal(p.nitems, 7);
	assert_int_equal(p.count[SCHED_START], 7);
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(p.items[i].slot, i + 1);
	/* ties go by node order: a gets the extra task */
	assert_int_equal(on_node(&p, 0, 0), 3);
	assert_int_equal(on_node(&p, 0, 1), 2);
	assert_int_equal(on_node(&p, 0, 2), 2);
	sched_plan_free(&p);
}

static void test_rank_total_tasks(void **state)
{
	(void)state;
	/* node a already runs two tasks of another service */
	struct sched_node nodes[2] = { mk_node("a"), mk_node("b") };
	struct sched_service svcs[2] = { mk_replicated("db", 2),
					 mk_replicated("web", 2) };
	struct sched_task tasks[2] = {
		{ "d1", 0, 1, 0, SCHED_TASK_RUNNING, NULL },
		{ "d2", 0, 2, 0, SCHED_TASK_RUNNING, NULL },
	};
	struct sched_input in = { nodes, 2, svcs, 2, tasks, 2 };
	struct sched_plan p;
	plan_ok(&in, NULL, &p);
	assert_int_equal(p.items[0].action, SCHED_KEEP);
	assert_int_equal(p.items[1].action, SCHED_KEEP);
	/* web: one per node (service count first), then the emptier b */
	assert_int_equal(on_node(&p, 1, 0), 1);
	assert_int_equal(on_node(&p, 1, 1), 1);
	assert_int_equal(p.items[2].to, 1);
	sched_plan_free(&p);
}

static void test_constraints_filter(void **state)
{
	(void)state;
	struct sched_kv east[] = { { "zone", "east" } }, west[] = { { "zone", "west" } };
	struct sched_node nodes[3] = { mk_node("a"), mk_node("b"), mk_node("c") };
	nodes[0].labels = west, nodes[0].nlabels = 1;
	nodes[1].labels = east, nodes[1].nlabels = 1;
	nodes[2].labels = east, nodes[2].nlabels = 1;
	const char *cons[] = { "node.labels.zone==east", "node.hostname!=c" };
	struct sched_service svc = mk_replicated("web", 3);
	svc.constraints = cons, svc.nconstraints = 2;
	struct sched_input in = { nodes, 3, &svc, 1, NULL, 0 };
	struct sched_plan p;
	plan_ok(&in, NULL, &p);
	assert_int_equal(on_node(&p, 0, 1), 3);
	sched_plan_free(&p);
}

/* Two services whose constraints differ only in == and != must not share
 * the eligibility verdicts cached for the first. */
static void test_constraints_negation_not_cached(void **state)
{
	(void)state;
	struct sched_kv east[] = { { "zone", "east" } }, west[] = { { "zone", "west" } };
	struct sched_node nodes[2] = { mk_node("e"), mk_node("w") };
	nodes[0].labels = east, nodes[0].nlabels = 1;
	nodes[1].labels = west, nodes[1].nlabels = 1;
	const char *in_east[] = { "node.labels.zone==east" };
	const char *off_east[] = { "node.labels.zone!=east" };
	struct sched_service svcs[2] = { mk_replicated("a", 2), mk_replicated("b", 2) };
	svcs[0].constraints = in_east, svcs[0].nconstraints = 1;
	svcs[1].constraints = off_east, svcs[1].nconstraints = 1;
	struct sched_input in = { nodes, 2, svcs, 2, NULL, 0 };
	struct sched_plan p;
	plan_ok(&in, NULL, &p);
	assert_int_equal(on_node(&p, 0, 0), 2);
	assert_int_equal(on_node(&p, 1, 1), 2);
	assert_int_equal(on_node(&p, 1, 0), 0);
	sched_plan_free(&p);
}

static void test_bad_input(void **state)
{
	(void)state;
	struct sched_node n = mk_node("a");
	const char *cons[] = { "node.labels.zone=east" };
	const char *spread[] = { "node.zone" };
	struct sched_service svc = mk_replicated("web", 1);
	struct sched_input in = { &n, 1, &svc, 1, NULL, 0 };
	struct strbuf err = STRBUF_INIT;
	struct sched_plan p;

	svc.constraints = cons, svc.nconstraints = 1;
	assert_int_equal(sched_plan(&in, NULL, &p, &err), -1);
	assert_string_equal(sb_str(&err), "service \"web\": constraint "
			    "\"node.labels.zone=east\": expected KEY==VALUE or KEY!=VALUE");
	sb_reset(&err);
	svc.nconstraints = 0;
	svc.spread = spread, svc.nspread = 1;
	assert_int_equal(sched_plan(&in, NULL, &p, &err), -1);
	assert_non_null(strstr(sb_str(&err), "spread preference \"node.zone\""));
	sb_reset(&err);
	svc.nspread = 0;
	svc.replicas = SCHED_MAX_REPLICAS + 1;
	assert_int_equal(sched_plan(&in, NULL, &p, &err), -1);
	assert_non_null(strstr(sb_str(&err), "exceeds the limit"));
	sb_free(&err);
}

static void test_resources(void **state)
{
	(void)state;
	struct sched_node nodes[2] = { mk_node("a"), mk_node("b") };
	nodes[0].memory_bytes = 2 * GiB, nodes[0].nano_cpus = 4000000000;
	nodes[1].memory_bytes = 8 * GiB, nodes[1].nano_cpus = 1000000000;
	struct sched_service svc = mk_replicated("web", 6);
	svc.reserve_memory = 1 * GiB;
	svc.reserve_nano_cpus = 500000000;
	struct sched_input in = { nodes, 2, &svc, 1, NULL, 0 };
	struct sched_plan p;
	plan_ok(&in, NULL, &p);
	/* a: 2 by memory; b: 2 by CPU */
	assert_int_equal(on_node(&p, 0, 0), 2);
	assert_int_equal(on_node(&p, 0, 1), 2);
	assert_int_equal(p.count[SCHED_PENDING], 2);
	assert_string_equal(p.items[5].message, "no suitable node "
			    "(insufficient memory on 1 node; insufficient CPU on 1 node)");
	sched_plan_free(&p);
}

static void test_pending_message(void **state)
{
	(void)state;
	struct sched_kv ssd[] = { { "disk", "ssd" } };
	struct sched_node nodes[8];
	for (int i = 0; i < 8; i++)
		nodes[i] = mk_node("n");
	nodes[0].labels = ssd, nodes[0].nlabels = 1, nodes[0].memory_bytes = GiB;
	nodes[1].ready = 0;
	nodes[2].labels = ssd, nodes[2].nlabels = 1, nodes[2].availability = SCHED_PAUSE;
	const char *cons[] = { "node.labels.disk==ssd" };
	struct sched_service svc = mk_replicated("db", 1);
	svc.constraints = cons, svc.nconstraints = 1;
	svc.reserve_memory = 2 * GiB;
	struct sched_input in = { nodes, 8, &svc, 1, NULL, 0 };
	struct sched_plan p;
	plan_ok(&in, NULL, &p);
	assert_int_equal(p.items[0].action, SCHED_PENDING);
	assert_string_equal(p.items[0].message, "no suitable node "
			    "(constraints not satisfied on 5 nodes; 2 nodes not "
			    "available for new tasks; insufficient memory on 1 node)");
	sched_plan_free(&p);

	in.nnodes = 0;
	plan_ok(&in, NULL, &p);
	assert_string_equal(p.items[0].message, "no suitable node (no nodes)");
	sched_plan_free(&p);
}

static void test_max_replicas_per_node(void **state)
{
	(void)state;
	struct sched_node nodes[2] = { mk_node("a"), mk_node("b") };
	struct sched_service svc = mk_replicated("web", 5);
	svc.max_replicas_per_node = 2;
	struct sched_input in = { nodes, 2, &svc, 1, NULL, 0 };
	struct sched_plan p;
	plan_ok(&in, NULL, &p);
	assert_int_equal(on_node(&p, 0, 0), 2);
	assert_int_equal(on_node(&p, 0, 1), 2);
	assert_int_equal(p.items[4].action, SCHED_PENDING);
	assert_int_equal(p.items[4].slot, 5);
	assert_string_equal(p.items[4].message,
			    "no suitable node (max replicas per node reached on 2 nodes)");
	sched_plan_free(&p);
}

static void test_host_ports(void **state)
{
	(void)state;
	struct sched_node nodes[3] = { mk_node("a"), mk_node("b"), mk_node("c") };
	struct sched_port http[] = { { 80, SCHED_TCP } }, dns[] = { { 80, SCHED_UDP } };
	struct sched_service svcs[3] = { mk_replicated("lb", 2),
		mk_replicated("web", 2), mk_replicated("dns", 3) };
	svcs[0].ports = http, svcs[0].nports = 1;
	svcs[1].ports = http, svcs[1].nports = 1;
	svcs[2].ports = dns, svcs[2].nports = 1;
	struct sched_input in = { nodes, 3, svcs, 3, NULL, 0 };
	struct sched_plan p;
	plan_ok(&in, NULL, &p);
	assert_int_equal(with_action(&p, 0, SCHED_START), 2);
	assert_int_equal(with_action(&p, 1, SCHED_START), 1);	/* only c left */
	assert_int_equal(on_node(&p, 1, 2), 1);
	assert_int_equal(with_action(&p, 1, SCHED_PENDING), 1);
	assert_int_equal(with_action(&p, 2, SCHED_START), 3);	/* udp is another port */
	for (size_t i = 0; i < p.nitems; i++)
		if (p.items[i].action == SCHED_PENDING)
			assert_string_equal(p.items[i].message, "no suitable node "
					    "(host-mode port already in use on 3 nodes)");
	sched_plan_free(&p);
}

static void test_lowest_free_slots(void **state)
{
	(void)state;
	struct sched_node n = mk_node("a");
	struct sched_service svc = mk_replicated("web", 4);
	struct sched_task tasks[2] = {
		{ "t1", 0, 1, 0, SCHED_TASK_RUNNING, NULL },
		{ "t3", 0, 3, 0, SCHED_TASK_RUNNING, NULL },
	};
	struct sched_input in = { &n, 1, &svc, 1, tasks, 2 };
	struct sched_plan p;
	plan_ok(&in, NULL, &p);
	assert_int_equal(p.nitems, 4);
	assert_int_equal(p.items[2].slot, 2);
	assert_int_equal(p.items[3].slot, 4);
	sched_plan_free(&p);
}

static void test_scale_down(void **state)
{
	(void)state;
	struct sched_node nodes[2] = { mk_node("a"), mk_node("b") };
	struct sched_service svc = mk_replicated("web", 2);
	/* a runs 3 (slot 4 still starting), b runs 1 */
	struct sched_task tasks[4] = {
		{ "t1", 0, 1, 0, SCHED_TASK_RUNNING, NULL },
		{ "t2", 0, 2, 1, SCHED_TASK_RUNNING, NULL },
		{ "t3", 0, 3, 0, SCHED_TASK_RUNNING, NULL },
		{ "t4", 0, 4, 0, SCHED_TASK_STARTING, NULL },
	};
	struct sched_input in = { nodes, 2, &svc, 1, tasks, 4 };
	struct sched_plan p;
	plan_ok(&in, NULL, &p);
	/* a has most copies: its starting task goes first, then slot 3 */
	assert_int_equal(p.items[0].action, SCHED_KEEP);
	assert_int_equal(p.items[1].action, SCHED_KEEP);
	assert_int_equal(p.items[2].action, SCHED_STOP);
	assert_int_equal(p.items[3].action, SCHED_STOP);
	assert_string_equal(p.items[3].reason, "scaled down");
	sched_plan_free(&p);

	svc.replicas = 3;	/* only the non-running one goes */
	plan_ok(&in, NULL, &p);
	assert_int_equal(p.count[SCHED_STOP], 1);
	assert_int_equal(p.items[3].action, SCHED_STOP);
	sched_plan_free(&p);

	svc.replicas = 0;
	plan_ok(&in, NULL, &p);
	assert_int_equal(p.count[SCHED_STOP], 4);
	sched_plan_free(&p);
}

static void test_task_hygiene(void **state)
{
	(void)state;
	struct sched_node nodes[2] = { mk_node("a"), mk_node("b") };
	struct sched_service svc = mk_replicated("web", 2);
	svc.spec_hash = "v2";
	struct sched_task tasks[5] = {
		{ "dup1", 0, 1, 0, SCHED_TASK_STARTING, "v2" },
		{ "dup2", 0, 1, 1, SCHED_TASK_RUNNING, "v1" },	/* running wins */
		{ "gone", SCHED_NONE, 1, 0, SCHED_TASK_RUNNING, NULL },
		{ "dead", 0, 2, 0, SCHED_TASK_EXITED, "v2" },
		{ "zero", 0, 0, 1, SCHED_TASK_RUNNING, "v2" },
	};
	struct sched_input in = { nodes, 2, &svc, 1, tasks, 5 };
	struct sched_plan p;
	plan_ok(&in, NULL, &p);
	assert_int_equal(p.items[0].action, SCHED_STOP);
	assert_string_equal(p.items[0].reason, "duplicate slot");
	assert_int_equal(p.items[1].action, SCHED_KEEP);
	assert_true(p.items[1].outdated);
	assert_int_equal(p.items[2].action, SCHED_STOP);
	assert_string_equal(p.items[2].reason, "service removed");
	assert_int_equal(p.items[2].service, SCHED_NONE);
	assert_int_equal(p.items[3].action, SCHED_STOP);
	assert_string_equal(p.items[3].reason, "task exited");
	assert_int_equal(p.items[4].action, SCHED_STOP);
	assert_string_equal(p.items[4].reason, "service mode changed");
	/* slot 2 is refilled on the emptier node */
	assert_int_equal(p.nitems, 6);
	assert_int_equal(p.items[5].action, SCHED_START);
	assert_int_equal(p.items[5].slot, 2);
	assert_int_equal(p.items[5].to, 0);
	assert_false(p.items[5].outdated);
	sched_plan_free(&p);
}

static void test_pending_task_started(void **state)
{
	(void)state;
	struct sched_node nodes[2] = { mk_node("a"), mk_node("b") };
	struct sched_service svc = mk_replicated("web", 2);
	struct sched_task tasks[2] = {
		{ "t1", 0, 1, 0, SCHED_TASK_RUNNING, NULL },
		{ "t2", 0, 2, SCHED_NONE, SCHED_TASK_PENDING, NULL },
	};
	struct sched_input in = { nodes, 2, &svc, 1, tasks, 2 };
	struct sched_plan p;
	plan_ok(&in, NULL, &p);
	assert_int_equal(p.nitems, 2);
	assert_int_equal(p.items[1].action, SCHED_START);
	assert_int_equal(p.items[1].task, 1);
	assert_int_equal(p.items[1].to, 1);
	sched_plan_free(&p);
}

/* --- node availability ------------------------------------------------------ */

static void test_drain_pause_unreachable(void **state)
{
	(void)state;
	struct sched_node nodes[4] = { mk_node("a"), mk_node("b"), mk_node("c"),
				       mk_node("d") };
	nodes[0].availability = SCHED_DRAIN;
	nodes[1].availability = SCHED_PAUSE;
	nodes[2].ready = 0;
	struct sched_service svc = mk_replicated("web", 5);
	struct sched_task tasks[4] = {
		{ "t1", 0, 1, 0, SCHED_TASK_RUNNING, NULL },
		{ "t2", 0, 2, 1, SCHED_TASK_RUNNING, NULL },
		{ "t3", 0, 3, 2, SCHED_TASK_RUNNING, NULL },
		{ "t4", 0, 4, 3, SCHED_TASK_RUNNING, NULL },
	};
	struct sched_input in = { nodes, 4, &svc, 1, tasks, 4 };
	struct sched_plan p;
	plan_ok(&in, NULL, &p);
	assert_int_equal(p.items[0].action, SCHED_MOVE);
	assert_string_equal(p.items[0].reason, "node drained");
	assert_int_equal(p.items[0].from, 0);
	assert_int_equal(p.items[0].to, 3);
	assert_int_equal(p.items[1].action, SCHED_KEEP);	/* paused keeps */
	assert_int_equal(p.items[2].action, SCHED_MOVE);
	assert_string_equal(p.items[2].reason, "node unreachable");
	assert_int_equal(p.items[3].action, SCHED_KEEP);
	/* the new slot 5 cannot go to the paused node either */
	assert_int_equal(on_node(&p, 0, 3), 4);
	assert_int_equal(on_node(&p, 0, 1), 1);
	sched_plan_free(&p);
}

static void test_moves_fail_pending(void **state)
{
	(void)state;
	struct sched_kv east[] = { { "zone", "east" } };
	struct sched_node nodes[2] = { mk_node("a"), mk_node("b") };
	nodes[0].labels = east, nodes[0].nlabels = 1;
	const char *cons[] = { "node.labels.zone==west" };
	struct sched_service svc = mk_replicated("web", 1);
	svc.constraints = cons, svc.nconstraints = 1;
	struct sched_task t = { "t1", 0, 1, 0, SCHED_TASK_RUNNING, NULL };
	struct sched_input in = { nodes, 2, &svc, 1, &t, 1 };
	struct sched_plan p;
	plan_ok(&in, NULL, &p);
	assert_int_equal(p.items[0].action, SCHED_PENDING);
	assert_int_equal(p.items[0].from, 0);
	assert_string_equal(p.items[0].reason, "constraints no longer satisfied");
	assert_string_equal(p.items[0].message,
			    "no suitable node (constraints not satisfied on 2 nodes)");
	sched_plan_free(&p);
}

/* --- global ------------------------------------------------------------------ */

static void test_global(void **state)
{
	(void)state;
	struct sched_kv east[] = { { "zone", "east" } };
	struct sched_node nodes[5] = { mk_node("a"), mk_node("b"), mk_node("c"),
				       mk_node("d"), mk_node("e") };
	for (int i = 0; i < 5; i++)
		nodes[i].labels = east, nodes[i].nlabels = 1;
	nodes[1].nlabels = 0;			/* fails the constraint */
	nodes[2].availability = SCHED_DRAIN;
	nodes[3].availability = SCHED_PAUSE;
	nodes[4].memory_bytes = GiB;		/* too small */
	const char *cons[] = { "node.labels.zone==east" };
	struct sched_service svc = { .name = "agent", .mode = SCHED_GLOBAL,
		.constraints = cons, .nconstraints = 1, .reserve_memory = 2 * GiB };
	struct sched_task tasks[3] = {
		{ "on-b", 0, 0, 1, SCHED_TASK_RUNNING, NULL },
		{ "on-c", 0, 0, 2, SCHED_TASK_RUNNING, NULL },
		{ "on-d", 0, 0, 3, SCHED_TASK_RUNNING, NULL },
	};
	struct sched_input in = { nodes, 5, &svc, 1, tasks, 3 };
	struct sched_plan p;
	plan_ok(&in, NULL, &p);
	assert_int_equal(p.items[0].action, SCHED_STOP);
	assert_string_equal(p.items[0].reason, "constraints no longer satisfied");
	assert_int_equal(p.items[1].action, SCHED_STOP);
	assert_string_equal(p.items[1].reason, "node drained");
	assert_int_equal(p.items[2].action, SCHED_KEEP);	/* paused keeps */
	assert_int_equal(p.nitems, 5);
	assert_int_equal(p.items[3].action, SCHED_START);
	assert_int_equal(p.items[3].to, 0);
	assert_int_equal(p.items[3].slot, 0);
	assert_int_equal(p.items[4].action, SCHED_PENDING);
	assert_int_equal(p.items[4].to, 4);
	assert_string_equal(p.items[4].message,
			    "no suitable node (insufficient memory on 1 node)");
	sched_plan_free(&p);
}

static void test_global_unreachable_kept(void **state)
{
	(void)state;
	struct sched_node nodes[2] = { mk_node("a"), mk_node("b") };
	nodes[1].ready = 0;
	struct sched_service svc = { .name = "agent", .mode = SCHED_GLOBAL };
	struct sched_task t = { "b", 0, 0, 1, SCHED_TASK_RUNNING, NULL };
	struct sched_input in = { nodes, 2, &svc, 1, &t, 1 };
	struct sched_plan p;
	plan_ok(&in, NULL, &p);
	assert_int_equal(p.items[0].action, SCHED_KEEP);
	assert_int_equal(p.nitems, 2);
	assert_int_equal(p.items[1].to, 0);
	sched_plan_free(&p);
}

static void test_global_duplicates_and_pending(void **state)
{
	(void)state;
	struct sched_node nodes[2] = { mk_node("a"), mk_node("b") };
	struct sched_service svc = { .name = "agent", .mode = SCHED_GLOBAL };
	struct sched_task tasks[3] = {
		{ "a1", 0, 0, 0, SCHED_TASK_STARTING, NULL },
		{ "a2", 0, 0, 0, SCHED_TASK_RUNNING, NULL },
		{ "b", 0, 0, 1, SCHED_TASK_PENDING, NULL },
	};
	struct sched_input in = { nodes, 2, &svc, 1, tasks, 3 };
	struct sched_plan p;
	plan_ok(&in, NULL, &p);
	assert_int_equal(p.items[0].action, SCHED_STOP);
	assert_string_equal(p.items[0].reason, "duplicate task on node");
	assert_int_equal(p.items[1].action, SCHED_KEEP);
	assert_int_equal(p.items[2].action, SCHED_START);
	assert_int_equal(p.items[2].to, 1);
	assert_int_equal(p.nitems, 3);
	sched_plan_free(&p);
}

/* --- spread preferences ------------------------------------------------------- */

static void test_spread(void **state)
{
	(void)state;
	/* zone a has 3 nodes, b 1, c 1, and one node has no zone label */
	struct sched_kv za[] = { { "zone", "a" } }, zb[] = { { "zone", "b" } },
			zc[] = { { "zone", "c" } };
	struct sched_node nodes[6];
	const struct sched_kv *zone[6] = { za, za, za, zb, zc, NULL };
	for (int i = 0; i < 6; i++) {
		nodes[i] = mk_node("n");
		nodes[i].labels = zone[i], nodes[i].nlabels = zone[i] ? 1 : 0;
	}
	const char *spread[] = { "node.labels.zone" };
	struct sched_service svc = mk_replicated("web", 10);
	svc.spread = spread, svc.nspread = 1;
	struct sched_input in = { nodes, 6, &svc, 1, NULL, 0 };
	struct sched_plan p;
	plan_ok(&in, NULL, &p);
	/* four branches: 3, 3, 2, 2 (remainders in node order: a, b) */
	assert_int_equal(on_node(&p, 0, 0) + on_node(&p, 0, 1) + on_node(&p, 0, 2), 3);
	assert_int_equal(on_node(&p, 0, 3), 3);
	assert_int_equal(on_node(&p, 0, 4), 2);
	assert_int_equal(on_node(&p, 0, 5), 2);
	sched_plan_free(&p);

	/* zone b's node has room for one: the rest share its part */
	nodes[3].memory_bytes = GiB;
	svc.reserve_memory = GiB;
	plan_ok(&in, NULL, &p);
	assert_int_equal(on_node(&p, 0, 3), 1);
	assert_int_equal(on_node(&p, 0, 0) + on_node(&p, 0, 1) + on_node(&p, 0, 2), 3);
	assert_int_equal(on_node(&p, 0, 4), 3);
	assert_int_equal(on_node(&p, 0, 5), 3);
	assert_int_equal(p.count[SCHED_START], 10);
	sched_plan_free(&p);
}

static void test_spread_two_levels(void **state)
{
	(void)state;
	struct sched_kv l[4][2] = {
		{ { "zone", "a" }, { "rack", "1" } }, { { "zone", "a" }, { "rack", "2" } },
		{ { "zone", "b" }, { "rack", "1" } }, { { "zone", "b" }, { "rack", "1" } },
	};
	struct sched_node nodes[4];
	for (int i = 0; i < 4; i++) {
		nodes[i] = mk_node("n");
		nodes[i].labels = l[i], nodes[i].nlabels = 2;
	}
	const char *spread[] = { "node.labels.zone", "node.labels.rack" };
	struct sched_service svc = mk_replicated("web", 8);
	svc.spread = spread, svc.nspread = 2;
	struct sched_input in = { nodes, 4, &svc, 1, NULL, 0 };
	struct sched_plan p;
	plan_ok(&in, NULL, &p);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(on_node(&p, 0, i), 2);
	sched_plan_free(&p);
	/* existing tasks count: zone a already has 4 */
	struct sched_task tasks[4] = {
		{ "t1", 0, 1, 0, SCHED_TASK_RUNNING, NULL },
		{ "t2", 0, 2, 0, SCHED_TASK_RUNNING, NULL },
		{ "t3", 0, 3, 1, SCHED_TASK_RUNNING, NULL },
		{ "t4", 0, 4, 1, SCHED_TASK_RUNNING, NULL },
	};
	in.tasks = tasks, in.ntasks = 4;
	svc.replicas = 6;
	plan_ok(&in, NULL, &p);
	assert_int_equal(on_node(&p, 0, 2), 1);
	assert_int_equal(on_node(&p, 0, 3), 1);
	assert_int_equal(p.count[SCHED_KEEP], 4);
	sched_plan_free(&p);
}

/* --- strategies ------------------------------------------------------------- */

static void test_binpack(void **state)
{
	(void)state;
	struct sched_node nodes[3] = { mk_node("a"), mk_node("b"), mk_node("c") };
	for (int i = 0; i < 3; i++)
		nodes[i].memory_bytes = 2 * GiB;
	struct sched_service svc = mk_replicated("batch", 3);
	svc.reserve_memory = GiB;
	svc.strategy = SCHED_BINPACK;
	struct sched_input in = { nodes, 3, &svc, 1, NULL, 0 };
	struct sched_plan p;
	plan_ok(&in, NULL, &p);
	assert_int_equal(on_node(&p, 0, 0), 2);
	assert_int_equal(on_node(&p, 0, 1), 1);
	assert_int_equal(on_node(&p, 0, 2), 0);
	sched_plan_free(&p);
	/* or for every service, from the options */
	svc.strategy = SCHED_STRATEGY_DEFAULT;
	struct sched_options opt = { 0, SCHED_BINPACK };
	plan_ok(&in, &opt, &p);
	assert_int_equal(on_node(&p, 0, 0), 2);
	sched_plan_free(&p);
}

static void test_rebalance(void **state)
{
	(void)state;
	/* b and c came back after a and d took all tasks */
	struct sched_node nodes[4] = { mk_node("a"), mk_node("b"), mk_node("c"),
				       mk_node("d") };
	struct sched_service svc = mk_replicated("web", 8);
	struct sched_task tasks[8];
	for (uint32_t i = 0; i < 8; i++) {
		struct sched_task t = { "t", 0, i + 1, i < 5 ? 0 : 3,
					SCHED_TASK_RUNNING, NULL };
		tasks[i] = t;
	}
	struct sched_input in = { nodes, 4, &svc, 1, tasks, 8 };
	struct sched_plan p;
	plan_ok(&in, NULL, &p);	/* stable by default */
	assert_int_equal(p.count[SCHED_KEEP], 8);
	sched_plan_free(&p);

	struct sched_options opt = { 1, SCHED_SPREAD };
	plan_ok(&in, &opt, &p);
	assert_int_equal(p.count[SCHED_MOVE], 4);	/* 5,0,0,3 -> 2,2,2,2 */
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(on_node(&p, 0, i), 2);
	for (size_t i = 0; i < p.nitems; i++)
		if (p.items[i].action == SCHED_MOVE)
			assert_string_equal(p.items[i].reason, "rebalance");
	/* the highest slots move first */
	assert_int_equal(p.items[4].action, SCHED_MOVE);
	assert_int_equal(p.items[0].action, SCHED_KEEP);
	sched_plan_free(&p);
}

static void test_rebalance_with_moves(void **state)
{
	(void)state;
	/* a is drained (one task), b runs four, c came back empty; the
	 * second service keeps all its slots (no slot numbers leak over) */
	struct sched_node nodes[3] = { mk_node("a"), mk_node("b"), mk_node("c") };
	nodes[0].availability = SCHED_DRAIN;
	struct sched_service svcs[3] = { mk_replicated("web", 5),
		mk_replicated("db", 1), mk_replicated("cache", 2) };
	struct sched_task tasks[6] = {
		{ "w1", 0, 1, 1, SCHED_TASK_RUNNING, NULL },
		{ "w2", 0, 2, 1, SCHED_TASK_RUNNING, NULL },
		{ "w3", 0, 3, 0, SCHED_TASK_RUNNING, NULL },
		{ "w4", 0, 4, 1, SCHED_TASK_RUNNING, NULL },
		{ "w5", 0, 5, 1, SCHED_TASK_RUNNING, NULL },
		{ "d1", 1, 1, 1, SCHED_TASK_RUNNING, NULL },
	};
	struct sched_input in = { nodes, 3, svcs, 3, tasks, 6 };
	struct sched_plan p;
	for (int rebalance = 0; rebalance < 2; rebalance++) {
		struct sched_options opt = { rebalance, SCHED_SPREAD };
		plan_ok(&in, &opt, &p);
		assert_int_equal(p.items[2].action, SCHED_MOVE);
		assert_string_equal(p.items[2].reason, "node drained");
		assert_int_equal(p.items[2].to, 2);
		assert_int_equal(on_node(&p, 0, 1), rebalance ? 3 : 4);
		assert_int_equal(on_node(&p, 0, 2), rebalance ? 2 : 1);
		assert_int_equal(p.count[SCHED_MOVE], rebalance ? 2 : 1);
		assert_int_equal(p.items[5].action, SCHED_KEEP);
		assert_int_equal(p.nitems, 8);
		assert_int_equal(p.items[6].slot, 1);
		assert_int_equal(p.items[7].slot, 2);
		sched_plan_free(&p);
	}
}

static void test_deterministic(void **state)
{
	(void)state;
	struct sched_kv z[3][1] = { { { "zone", "x" } }, { { "zone", "y" } },
				    { { "zone", "x" } } };
	struct sched_node nodes[3];
	for (int i = 0; i < 3; i++) {
		nodes[i] = mk_node("n");
		nodes[i].labels = z[i], nodes[i].nlabels = 1;
	}
	const char *spread[] = { "node.labels.zone" };
	struct sched_service svcs[2] = { mk_replicated("a", 9), mk_replicated("b", 4) };
	svcs[1].spread = spread, svcs[1].nspread = 1;
	struct sched_input in = { nodes, 3, svcs, 2, NULL, 0 };
	struct sched_plan p1, p2;
	plan_ok(&in, NULL, &p1);
	plan_ok(&in, NULL, &p2);
	assert_int_equal(p1.nitems, p2.nitems);
	for (size_t i = 0; i < p1.nitems; i++) {
		assert_int_equal(p1.items[i].to, p2.items[i].to);
		assert_int_equal(p1.items[i].slot, p2.items[i].slot);
	}
	sched_plan_free(&p1);
	sched_plan_free(&p2);
}

static void test_redeploy_moves_nothing(void **state)
{
	(void)state;
	struct sched_node nodes[3] = { mk_node("a"), mk_node("b"), mk_node("c") };
	struct sched_service svcs[2] = { mk_replicated("web", 5),
					 { .name = "agent", .mode = SCHED_GLOBAL } };
	struct sched_input in = { nodes, 3, svcs, 2, NULL, 0 };
	struct sched_plan p, q;
	plan_ok(&in, NULL, &p);
	struct sched_task *tasks;
	in.ntasks = tasks_after(&p, &tasks);
	in.tasks = tasks;
	plan_ok(&in, NULL, &q);
	assert_int_equal(q.count[SCHED_KEEP], 8);
	assert_int_equal(q.nitems, 8);
	sched_plan_free(&p);
	sched_plan_free(&q);
	free(tasks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_constraint_parse),
		cmocka_unit_test(test_constraint_match),
		cmocka_unit_test(test_platform),
		cmocka_unit_test(test_fill_evenly),
		cmocka_unit_test(test_rank_total_tasks),
		cmocka_unit_test(test_constraints_filter),
		cmocka_unit_test(test_constraints_negation_not_cached),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_resources),
		cmocka_unit_test(test_pending_message),
		cmocka_unit_test(test_max_replicas_per_node),
		cmocka_unit_test(test_host_ports),
		cmocka_unit_test(test_lowest_free_slots),
		cmocka_unit_test(test_scale_down),
		cmocka_unit_test(test_task_hygiene),
		cmocka_unit_test(test_pending_task_started),
		cmocka_unit_test(test_drain_pause_unreachable),
		cmocka_unit_test(test_moves_fail_pending),
		cmocka_unit_test(test_global),
		cmocka_unit_test(test_global_unreachable_kept),
		cmocka_unit_test(test_global_duplicates_and_pending),
		cmocka_unit_test(test_spread),
		cmocka_unit_test(test_spread_two_levels),
		cmocka_unit_test(test_binpack),
		cmocka_unit_test(test_rebalance),
		cmocka_unit_test(test_rebalance_with_moves),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_redeploy_moves_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
