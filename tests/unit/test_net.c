/* The overlay's address plan (engine/net_plan.c), its scripts
 * (docker/netpush.c), the cluster-wide ingress check (sched/ingress.c) and
 * the plan's place in the state file, on an in-memory run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "docker/netpush.h"
#include "engine/net.h"
#include "sched/sched.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

static const char overlay_vars[] =
	"[all:vars]\ncswarm_network=overlay\ncswarm_net_pool=10.215.0.0/16\ncswarm_net_size=20\n";

static const char shop[] =
	"name: shop\n"
	"services:\n"
	"  api:\n"
	"    image: busybox\n"
	"    ports: [\"8080:80\"]\n"
	"  db:\n"
	"    image: busybox\n"
	"    deploy: { endpoint_mode: dnsrr }\n";

static void load_stack(struct run *r, const char *yaml)
{
	struct compose_opts co = { .name = "shop", .quiet = true, .working_dir = "/" };
	struct stack *st = NULL;
	struct strbuf err = STRBUF_INIT, json = STRBUF_INIT;
	assert_int_equal(compose_load_buffer("shop.yml", yaml, strlen(yaml), &co, &st, &err), 0);
	compose_write_json(st, &json);
	if (r->stacks) {
		stack_free(r->stacks[0]);
	} else {
		r->stacks = xcalloc(1, sizeof(*r->stacks));
		state_set_stack(&r->st, st->name, json.buf);
	}
	r->stacks[0] = st;
	sb_free(&json);
	sb_free(&err);
}

/* hosts: INI lines of the hosts; vars: [all:vars] section. */
static struct run *world(const char *hosts, const char *vars, const char *stack)
{
	struct run *r = xcalloc(1, sizeof(*r));
	struct strbuf err = STRBUF_INIT;
	char *text = xasprintf("%s%s", hosts, vars);
	run_init(r);
	assert_int_equal(inventory_load_buffer("inv", text, strlen(text), &r->inv, &err), 0);
	r->fleet.n = r->inv.nhosts;
	r->fleet.hosts = xcalloc(r->fleet.n, sizeof(*r->fleet.hosts));
	r->index = xcalloc(r->fleet.n, sizeof(*r->index));
	for (size_t i = 0; i < r->fleet.n; i++) {
		r->fleet.hosts[i].target.name = xstrdup(r->inv.hosts[i].name);
		r->fleet.hosts[i].target.address = xstrdup(r->inv.hosts[i].address);
		sb_init(&r->fleet.hosts[i].error);
		r->index[i] = i;
	}
	r->st.version = 1;
	r->st.cluster = xstrdup("default");
	r->st.cluster_id = xstrdup("0123456789abcdef0123456789abcdef");
	load_stack(r, stack);
	free(text);
	sb_free(&err);
	return r;
}

static void world_free(struct run *r)
{
	run_close(r);
	free(r);
}

static const char three_hosts[] = "h1 ansible_host=10.0.0.1\nh2 ansible_host=10.0.0.2\n"
				  "h3 ansible_host=10.0.0.3\n";

static void plan_ok(struct run *r)
{
	struct strbuf err = STRBUF_INIT;
	int rc = net_plan(r, &err);
	if (rc != 0)
		fail_msg("net_plan: %s", sb_str(&err));
	sb_free(&err);
}

/* The error of a plan that must fail. */
static char *plan_error(struct run *r)
{
	struct strbuf err = STRBUF_INIT;
	assert_int_equal(net_plan(r, &err), -1);
	assert_null(r->net);
	return sb_detach(&err);
}

/* The overlay is the default; cswarm_network=bridge opts out. */
static void test_on_by_default(void **state)
{
	(void)state;
	struct run *r = world(three_hosts, "", shop);
	plan_ok(r);
	assert_non_null(r->net);
	assert_string_equal(r->net->cfg.dns_image, "4km3/dnsmasq:2.90-r3");
	assert_string_equal(state_net_get(&r->st, "net/shop_default"), "10.224.64.0/18");
	world_free(r);
	r = world("h1 ansible_host=localhost\n", "", shop);	/* a name: resolved */
	plan_ok(r);
	assert_int_equal(r->net->hosts[0].underlay, 0x7f000001);
	world_free(r);
	r = world(three_hosts, "[all:vars]\ncswarm_network=bridge\n", shop);
	plan_ok(r);
	assert_null(r->net);
	assert_int_equal(r->st.nnet, 0);
	world_free(r);
}

static void test_plan_layout(void **state)
{
	(void)state;
	struct run *r = world(three_hosts, overlay_vars, shop);
	plan_ok(r);
	assert_non_null(r->net);
	assert_string_equal(state_net_get(&r->st, "slot/h1"), "0");
	assert_string_equal(state_net_get(&r->st, "slot/h3"), "2");
	/* Pool block 0 is the vxlan addresses: the network takes block 1. */
	assert_string_equal(state_net_get(&r->st, "net/shop_default"), "10.215.16.0/20");
	/* VIPs from the network's last /24; dnsrr gets none. */
	assert_string_equal(state_net_get(&r->st, "vip/shop_api@shop_default"), "10.215.31.1");
	assert_null(state_net_get(&r->st, "vip/shop_db@shop_default"));
	char ip[16];
	assert_string_equal(net_ip_str(net_host_subnet(r->net, 0, 1), ip), "10.215.17.0");
	assert_int_equal(net_task_dns(r, 2, r->stacks[0], &r->stacks[0]->services[0], ip), 0);
	assert_string_equal(ip, "10.215.18.1");
	assert_true(r->net->changed);
	/* A second plan keeps every address and changes nothing. */
	plan_ok(r);
	assert_false(r->net->changed);
	assert_string_equal(state_net_get(&r->st, "net/shop_default"), "10.215.16.0/20");
	world_free(r);
}

static const char two_nets[] =
	"name: shop\n"
	"services:\n"
	"  proxy: { image: busybox, networks: [front, back] }\n"
	"  gate: { image: busybox, networks: [back, front] }\n"
	"  api: { image: busybox, networks: [back] }\n"
	"networks: { front: {}, back: {} }\n";

static const struct service *svc_named(const struct run *r, const char *name)
{
	for (size_t i = 0; i < r->stacks[0]->nservices; i++)
		if (streq(r->stacks[0]->services[i].name, name))
			return &r->stacks[0]->services[i];
	fail_msg("no service %s", name);
	return NULL;
}

/* A service on several networks asks a server of its own set: an address
 * of the first network's VIP block, after the VIPs kept, and kept itself. */
static void test_dns_sets(void **state)
{
	(void)state;
	struct run *r = world(three_hosts, overlay_vars, two_nets);
	state_net_set(&r->st, "dns/shop_back+shop_front", "10.215.31.1");	/* kept */
	state_net_set(&r->st, "dns/shop_gone+shop_back", "10.215.31.9");	/* a set gone */
	plan_ok(r);
	const struct service *proxy = svc_named(r, "proxy"), *api = svc_named(r, "api");
	assert_int_equal(r->net->nsets, 1);	/* [front, back] sorts as [back, front] */
	char *name = net_set_name(r->net, &r->net->sets[0]);
	assert_string_equal(name, "shop_back+shop_front");
	free(name);
	char ip[16];
	assert_int_equal(net_task_dns(r, 1, r->stacks[0], proxy, ip), 0);
	assert_string_equal(ip, "10.215.31.1");
	assert_null(state_net_get(&r->st, "dns/shop_gone+shop_back"));
	/* One network: its gateway on the host. */
	assert_int_equal(net_task_dns(r, 1, r->stacks[0], api, ip), 0);
	assert_string_equal(ip, "10.215.17.1");
	/* A set's address is taken for VIPs, and the other way round. */
	for (size_t i = 0; i < r->net->nvips; i++)
		assert_int_not_equal(r->net->vips[i].ip, r->net->sets[0].ip);
	world_free(r);
	r = world(three_hosts, overlay_vars, two_nets);
	plan_ok(r);
	assert_int_equal(net_task_dns(r, 0, r->stacks[0], svc_named(r, "gate"), ip), 0);
	assert_string_equal(state_net_get(&r->st, "dns/shop_back+shop_front"), ip);
	/* After back's three VIPs (proxy, gate, api). */
	assert_string_equal(ip, "10.215.31.4");
	world_free(r);
}

/* Each name answers as on the first network of the set that has it. */
static void test_hosts_merge(void **state)
{
	(void)state;
	const char *files[] = {
		"10.1.15.1 api shop_api\n10.1.0.2 tasks.api tasks.shop_api\n10.1.0.3 tasks.api tasks.shop_api\n",
		"10.2.15.1 web shop_web\n10.2.15.2 api shop_api alias\n10.2.0.9 tasks.api tasks.shop_api\n",
	};
	struct strbuf sb = STRBUF_INIT;
	netpush_hosts_merge(&sb, files, 2);
	assert_string_equal(sb.buf, "10.1.15.1 api shop_api\n10.1.0.2 tasks.api tasks.shop_api\n"
			    "10.1.0.3 tasks.api tasks.shop_api\n10.2.15.1 web shop_web\n10.2.15.2 alias\n");
	sb_free(&sb);
	netpush_hosts_merge(&sb, files, 0);
	assert_int_equal(sb.len, 0);
	sb_free(&sb);
}

/* The device carries the vtep and the sets' addresses, and no other. */
static void test_device_addresses(void **state)
{
	(void)state;
	const char *addrs[] = { "10.215.0.2", "10.215.31.4" };
	const struct netpush_peer peer = { "10.0.0.1", "10.215.0.1", "02:c5:0a:d7:00:01" };
	const struct netpush_device d = { "cswvx-1", 42, 8472, "10.0.0.2", "02:c5:0a:d7:00:02",
					  addrs, 2, &peer, 1, NULL, 0 };
	struct strbuf sb = STRBUF_INIT;
	netpush_device(&sb, &d);
	assert_non_null(strstr(sb.buf, "address replace 10.215.0.2/32 dev cswvx-1\n"
				       "address replace 10.215.31.4/32 dev cswvx-1\n"));
	assert_non_null(strstr(sb.buf, "ip -o -4 addr show dev cswvx-1 | awk '{ print $4 }' | while read"));
	assert_non_null(strstr(sb.buf, "' 10.215.0.2/32 10.215.31.4/32 ' in *\" $csw_x \"*) ;; *) "
				       "ip addr del \"$csw_x\" dev cswvx-1 ;;"));
	sb_free(&sb);
}

static void test_slots_stable(void **state)
{
	(void)state;
	struct run *r = world(three_hosts, overlay_vars, shop);
	state_net_set(&r->st, "slot/h1", "2");	/* kept from an earlier run */
	state_net_set(&r->st, "slot/gone", "0");	/* a host that left */
	state_net_set(&r->st, "checked/h2", "1");	/* passed the overlay check */
	state_net_set(&r->st, "checked/gone", "1");
	plan_ok(r);
	assert_string_equal(state_net_get(&r->st, "checked/h2"), "1");
	assert_null(state_net_get(&r->st, "checked/gone"));
	assert_string_equal(state_net_get(&r->st, "slot/h1"), "2");
	assert_string_equal(state_net_get(&r->st, "slot/h2"), "0");
	assert_string_equal(state_net_get(&r->st, "slot/h3"), "1");
	assert_null(state_net_get(&r->st, "slot/gone"));
	world_free(r);
}

static void test_bad_input(void **state)
{
	(void)state;
	static const struct {
		const char *hosts, *vars, *stack, *want;
	} cases[] = {
		{ "h1 ansible_host=db.invalid\n", overlay_vars, shop,
		  "host h1: its address \"db.invalid\" is not an IPv4 address and does not resolve "
		  "to one here: set cswarm_net_address" },
		{ three_hosts, "[all:vars]\ncswarm_network=overlay\ncswarm_net_size=8\n", shop,
		  "want cswarm_net_pool /12 < cswarm_net_size /8" },
		{ three_hosts, "[all:vars]\ncswarm_network=vxlan\n", shop, "neither overlay nor bridge" },
		{ "h1 ansible_host=10.0.0.1 cswarm_net_pool=10.1.0.0/16\nh2 ansible_host=10.0.0.2\n",
		  overlay_vars, shop, "cswarm_net_pool differs between hosts h1 and h2" },
		{ three_hosts, overlay_vars,
		  "name: shop\nservices:\n  a: { image: busybox }\nnetworks:\n  default:\n"
		  "    ipam: { config: [{ subnet: 10.215.128.0/25 }] }\n",
		  "subnet 10.215.128.0/25 is too small for 3 hosts" },
		{ three_hosts, overlay_vars,
		  "name: shop\nservices:\n  a: { image: busybox, networks: [n1, n2] }\nnetworks:\n"
		  "  n1: { ipam: { config: [{ subnet: 10.215.128.0/20 }] } }\n"
		  "  n2: { ipam: { config: [{ subnet: 10.215.136.0/21 }] } }\n",
		  "network n2: subnet 10.215.136.0/21 overlaps another network" },
		{ three_hosts, overlay_vars,
		  "name: shop\nservices:\n  a: { image: busybox }\nnetworks:\n  default:\n"
		  "    ipam: { config: [{ subnet: 10.215.128.0/20, gateway: 10.215.128.1 }] }\n",
		  "without gateway or ip_range" },
		{ three_hosts, overlay_vars,
		  "name: shop\nservices:\n  a: { image: busybox }\nnetworks:\n  default:\n"
		  "    ipam: { config: [{ subnet: 10.216.0.0/20 }] }\n",
		  "subnet 10.216.0.0/20 is outside cswarm_net_pool" },
		{ three_hosts, overlay_vars,
		  "name: shop\nservices:\n  a: { image: busybox, ports: [\"80:80\"] }\n"
		  "  b: { image: busybox, ports: [{ target: 81, published: 80, mode: host }] }\n",
		  "published port 80/tcp: services a and b both publish it" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct run *r = world(cases[i].hosts, cases[i].vars, cases[i].stack);
		char *err = plan_error(r);
		if (!strstr(err, cases[i].want))
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err, cases[i].want);
		free(err);
		world_free(r);
	}
}

static void test_ingress_conflict(void **state)
{
	(void)state;
	const struct sched_port ports[] = { { 80, SCHED_TCP }, { 80, SCHED_UDP }, { 80, SCHED_TCP },
					    { 443, SCHED_TCP }, { 443, SCHED_TCP } };
	const uint32_t owner[] = { 0, 1, 0, 2, 3 };
	const unsigned char ingress[] = { 1, 1, 1, 0, 0 };
	size_t a = 9, b = 9;
	/* Same service twice, other protocol: fine; two host-mode ports of two
	 * services: the scheduler's business per host, not a conflict here. */
	assert_int_equal(sched_ingress_conflict(ports, owner, ingress, 5, &a, &b), 0);
	const unsigned char ingress2[] = { 1, 1, 1, 1, 0 };
	assert_int_equal(sched_ingress_conflict(ports, owner, ingress2, 5, &a, &b), 1);
	assert_int_equal(a, 3);
	assert_int_equal(b, 4);
}

static void test_state_roundtrip(void **state)
{
	(void)state;
	struct run *r = world(three_hosts, overlay_vars, shop);
	plan_ok(r);
	struct strbuf json = STRBUF_INIT, again = STRBUF_INIT, err = STRBUF_INIT;
	state_write_json(&r->st, &json);
	struct state st;
	if (state_parse(json.buf, json.len, &st, &err) != 0)
		fail_msg("state_parse: %s", err.buf);
	assert_string_equal(state_net_get(&st, "vip/shop_api@shop_default"), "10.215.31.1");
	state_write_json(&st, &again);
	/* The plan's line comes back byte for byte. */
	const char *net = strstr(json.buf, "\n\"net\": {\"slot/h1\":\"0\"");
	assert_non_null(net);
	assert_string_equal(net, strstr(again.buf, "\n\"net\": {"));
	state_free(&st);
	const char *bad = "{\"format\":1,\"version\":1,\"cluster\":\"c\","
			  "\"cluster_id\":\"0123456789abcdef0123456789abcdef\",\"stacks\":[],"
			  "\"services\":[],\"tasks\":[],\"nodes\":[],\"net\":{\"slot/h1\":3}}";
	assert_int_equal(state_parse(bad, strlen(bad), &st, &err), -1);
	if (!strstr(err.buf, "net.slot/h1: expected a string"))
		fail_msg("got %s", err.buf);
	sb_free(&json);
	sb_free(&again);
	sb_free(&err);
	world_free(r);
}

/* Every word from a stack file reaches the shell as one quoted word. */
static void test_scripts_quote(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	const char *labels[] = { "x=$(reboot)" };
	netpush_bridge(&sb, "cid", "shop_n'; reboot; '", "csb-1", "10.1.0.0/24", "10.1.0.1", labels, 1);
	assert_non_null(strstr(sb.buf, "'shop_n'\\''; reboot; '\\'''"));
	assert_non_null(strstr(sb.buf, "--label 'x=$(reboot)'"));
	sb_free(&sb);
	netpush_rules(&sb, "CSWabc", "*nat\n:CSWabc-PRE - [0:0]\n:CSWabc-S1 - [0:0]\nCOMMIT\n");
	assert_non_null(strstr(sb.buf, "iptables-restore --noflush <<'CSWARM_EOF'\n*nat\n"));
	assert_non_null(strstr(sb.buf, "csw_first nat PREROUTING CSWabc-PRE"));
	/* Chains the document does not declare are deleted. */
	assert_non_null(strstr(sb.buf, "' CSWabc-PRE CSWabc-S1 '"));
	sb_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_on_by_default),
		cmocka_unit_test(test_plan_layout),
		cmocka_unit_test(test_dns_sets),
		cmocka_unit_test(test_hosts_merge),
		cmocka_unit_test(test_device_addresses),
		cmocka_unit_test(test_slots_stable),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_ingress_conflict),
		cmocka_unit_test(test_state_roundtrip),
		cmocka_unit_test(test_scripts_quote),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
