/* cswarm network ls|inspect: the stack networks, and for the overlay
 * (cswarm_network=overlay) each one's subnet per host, VIPs and the
 * endpoints behind them as the hosts run them now. Reads only: no lock. */
#include "cmd/cmd.h"
#include "docker/netpush.h"
#include "engine/net.h"
#include "util/jsonw.h"
#include "util/table.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t plan_index(const struct net_plan *p, const struct network *n)
{
	for (size_t i = 0; p && i < p->nnets; i++)
		if (p->nets[i].n == n)
			return i;
	return (size_t)-1;
}

static const char *kind_of(const struct net_plan *p, const struct network *n)
{
	if (n->external)
		return "external";
	return plan_index(p, n) != (size_t)-1 ? "overlay" : "bridge";
}

static void range_of(const struct net_plan *p, const struct network *n, char out[24])
{
	size_t i = plan_index(p, n);
	char ip[16];
	if (i == (size_t)-1)
		snprintf(out, 24, "%s", n->subnets.n ? n->subnets.v[0] : "-");
	else
		snprintf(out, 24, "%s/%d", net_ip_str(p->nets[i].base, ip), p->nets[i].len);
}

/* --- ls ------------------------------------------------------------------------ */

static void list_networks(const struct run *r)
{
	static const char *const header[] = { "NAME", "STACK", "DRIVER", "SUBNET", "INTERNAL" };
	struct table t;
	struct strbuf json = STRBUF_INIT;
	table_init(&t, 5, header);
	sb_adds(&json, "[");
	for (size_t i = 0; i < r->st.nstacks; i++)
		for (size_t k = 0; k < r->stacks[i]->nnetworks; k++) {
			const struct network *n = &r->stacks[i]->networks[k];
			char range[24];
			range_of(r->net, n, range);
			const char *cells[] = { n->name, r->stacks[i]->name, kind_of(r->net, n), range,
						n->internal ? "true" : "false" };
			table_row(&t, cells);
			sb_adds(&json, json.len > 1 ? ",\n{" : "{");
			json_member(&json, "name", n->name);
			json_member(&json, "stack", r->stacks[i]->name);
			json_member(&json, "driver", cells[2]);
			json_member(&json, "subnet", *range != '-' ? range : NULL);
			sb_addf(&json, ",\"internal\":%s}", cells[4]);
		}
	sb_adds(&json, "]\n");
	table_emit(&t, &json, streq(r->opts.format, "json"), stdout);
}

/* --- inspect ------------------------------------------------------------------- */

static void inspect_hosts(const struct run *r, size_t net, struct table *t, struct strbuf *json)
{
	sb_adds(json, ",\"hosts\":[");
	for (size_t h = 0; h < r->fleet.n; h++) {
		char ip[16], gw[16], subnet[24];
		uint32_t block = net_host_subnet(r->net, net, h);
		snprintf(subnet, sizeof(subnet), "%s/%d", net_ip_str(block, ip), r->net->cfg.host_len);
		net_ip_str(block + 1, gw);
		const char *cells[] = { "host", r->fleet.hosts[h].target.name, subnet, gw };
		table_row(t, cells);
		sb_adds(json, h ? ",{" : "{");
		json_member(json, "host", cells[1]);
		json_member(json, "subnet", subnet);
		json_member(json, "gateway", gw);
		json_member(json, "dns", gw);
		sb_addc(json, '}');
	}
	sb_addc(json, ']');
}

static void inspect_services(const struct run *r, size_t net, struct table *t, struct strbuf *json)
{
	const struct net_network *nn = &r->net->nets[net];
	size_t nsvc = 0;
	sb_adds(json, ",\"services\":[");
	for (size_t s = 0; s < nn->stack->nservices; s++) {
		const struct service *svc = &nn->stack->services[s];
		const char *vip = NULL;
		char ip[16];
		int on = 0;
		for (size_t k = 0; !svc->network_mode && k < svc->nnetworks; k++)
			on |= streq(svc->networks[k].name, nn->n->key);
		if (!on)
			continue;
		for (size_t v = 0; v < r->net->nvips; v++)
			if (r->net->vips[v].svc == svc && r->net->vips[v].net == net)
				vip = net_ip_str(r->net->vips[v].ip, ip);
		char (*eps)[16] = NULL;
		size_t neps = net_endpoints(r, nn->stack, svc, nn->n->name, &eps);
		struct strbuf list = STRBUF_INIT;
		sb_adds(json, nsvc++ ? ",{" : "{");
		json_member(json, "service", svc->name);
		json_member(json, "vip", vip);
		sb_adds(json, ",\"endpoints\":[");
		for (size_t e = 0; e < neps; e++) {
			sb_addf(&list, "%s%s", e ? "," : "", eps[e]);
			if (e)
				sb_addc(json, ',');
			json_string(json, eps[e]);
		}
		sb_adds(json, "]}");
		const char *cells[] = { "service", svc->name, vip ? vip : "dnsrr", list.len ? list.buf : "-" };
		table_row(t, cells);
		sb_free(&list);
		free(eps);
	}
	sb_addc(json, ']');
}

/* The DNS servers of the sets of networks this one is part of. */
static void inspect_sets(const struct run *r, size_t net, struct table *t, struct strbuf *json)
{
	size_t nsets = 0;
	sb_adds(json, ",\"dns_sets\":[");
	for (size_t i = 0; i < r->net->nsets; i++) {
		const struct net_dns_set *set = &r->net->sets[i];
		int on = 0;
		for (size_t k = 0; k < set->n; k++)
			on |= set->nets[k] == net;
		if (!on)
			continue;
		char ip[16], *names = net_set_name(r->net, set);
		const char *cells[] = { "dns", names, net_ip_str(set->ip, ip), "tasks on all of these" };
		table_row(t, cells);
		sb_adds(json, nsets++ ? ",{" : "{");
		json_member(json, "networks", names);
		json_member(json, "address", ip);
		sb_addc(json, '}');
		free(names);
	}
	sb_addc(json, ']');
}

static int inspect_network(const struct run *r, const char *name)
{
	for (size_t i = 0; i < r->st.nstacks; i++)
		for (size_t k = 0; k < r->stacks[i]->nnetworks; k++) {
			const struct network *n = &r->stacks[i]->networks[k];
			if (!streq(n->name, name))
				continue;
			size_t net = plan_index(r->net, n);
			char range[24];
			range_of(r->net, n, range);
			static const char *const header[] = { "KIND", "NAME", "ADDRESS", "DETAIL" };
			struct table t;
			struct strbuf json = STRBUF_INIT;
			table_init(&t, 4, header);
			const char *cells[] = { "network", n->name, range, kind_of(r->net, n) };
			table_row(&t, cells);
			sb_addc(&json, '{');
			json_member(&json, "name", n->name);
			json_member(&json, "stack", r->stacks[i]->name);
			json_member(&json, "driver", cells[3]);
			json_member(&json, "subnet", *range != '-' ? range : NULL);
			if (net != (size_t)-1) {
				inspect_hosts(r, net, &t, &json);
				inspect_services(r, net, &t, &json);
				inspect_sets(r, net, &t, &json);
			}
			sb_adds(&json, "}\n");
			table_emit(&t, &json, streq(r->opts.format, "json"), stdout);
			return EXIT_OK;
		}
	error("network inspect: no stack network named %s (see cswarm network ls)", name);
	return EXIT_FAIL;
}

/* --- dispatch -------------------------------------------------------------------- */

static const struct opt network_options[] = {
	OPT_INCLUDE(cluster_options),
	OPT_END(),
};

/* network ls (variant 0) or network inspect NAME (1) */
static int network_run(const struct subcmd *self, int argc, char **argv)
{
	struct run r;
	struct strbuf err = STRBUF_INIT;
	int inspect = self->variant, ret;
	run_init(&r);
	if ((ret = parse_options(self, argc, argv, NULL, &r)) == EXIT_OK && inspect != (optind + 1 == argc))
		ret = usage_error(inspect ? "network inspect: expected one network name"
				  : "network ls: unexpected argument");
	if (ret == EXIT_OK)
		ret = run_open(&r, RUN_STACKS | (inspect ? RUN_OBSERVE : 0), argc, argv);
	/* The plan as the next push would make it (nothing is written). */
	if (ret == EXIT_OK && net_plan(&r, &err) != 0) {
		error("%s", sb_str(&err));
		ret = EXIT_FAIL;
	}
	if (ret == EXIT_OK && inspect)
		ret = inspect_network(&r, argv[optind]);
	else if (ret == EXIT_OK)
		list_networks(&r);
	sb_free(&err);
	run_close(&r);
	return ret;
}

static const struct subcmd network_ls_cmd = {
	"network ls", NULL, "every stack network", network_options, .aliases = "list",
	.fn = network_run,
};
static const struct subcmd network_inspect_cmd = {
	"network inspect", "NAME", "a network's subnets, VIPs and endpoints", network_options,
	.fn = network_run, .variant = 1,
};
const struct subcmd *const network_subcommands[] = { &network_ls_cmd, &network_inspect_cmd, NULL };
