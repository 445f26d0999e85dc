/* Pushing the overlay (engine/net.h): from the plan and what the hosts run
 * to one script per host, sent to every usable host in parallel. The
 * endpoints of a service are its running (and healthy, where checked)
 * containers as observed, minus the tasks the coming wave stops. */
#include "engine/converge.h"
#include "engine/net.h"
#include "docker/netpush.h"
#include "util/util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define MARK "0x2000/0x2000"	/* SNAT this connection (mesh, hairpin, host) */

static uint32_t host_block(const struct net_plan *p, const struct net_network *nn, unsigned slot)
{
	return nn->base + slot * ((uint32_t)1 << (32 - p->cfg.host_len));
}

uint32_t net_host_subnet(const struct net_plan *p, size_t net, size_t h)
{
	return host_block(p, &p->nets[net], p->hosts[h].slot);
}

/* --- endpoints ---------------------------------------------------------------- */

struct endpoints {
	char (*ip)[16];
	size_t n, cap;
};

static void endpoints_of(const struct run *r, const struct converge *cv, int wave,
			 const struct stack *st, const struct service *svc, const char *network,
			 struct endpoints *e);

static int stopping(const struct converge *cv, int wave, const char *task_id)
{
	for (size_t i = 0; cv && task_id && i < cv->nops; i++)
		if (cv->ops[i].wave == wave && cv->ops[i].kind == OP_STOP && cv->ops[i].task.id &&
		    streq(cv->ops[i].task.id, task_id))
			return 1;
	return 0;
}

static const char *addr_on(const struct observed *c, const char *network)
{
	for (size_t i = 0; i < c->naddrs; i++)
		if (streq(c->addrs[i].key, network))
			return c->addrs[i].value;
	return NULL;
}

static int overlaps_pool(const struct net_plan *p, uint32_t addr)
{
	return p && (!p->cfg.pool_len || ((addr ^ p->cfg.pool) >> (32 - p->cfg.pool_len)) == 0);
}

static int by_ip(const void *a, const void *b)
{
	return strcmp(a, b);
}

size_t net_endpoints(const struct run *r, const struct stack *st, const struct service *svc,
		     const char *network, char (**ips)[16])
{
	struct endpoints e = { 0 };
	endpoints_of(r, NULL, -1, st, svc, network, &e);
	*ips = e.ip;
	return e.n;
}

/* Task IPs of svc on network, every usable host, sorted (stable rules). */
static void endpoints_of(const struct run *r, const struct converge *cv, int wave,
			 const struct stack *st, const struct service *svc, const char *network,
			 struct endpoints *e)
{
	e->n = 0;
	for (size_t h = 0; h < r->fleet.n; h++) {
		const struct host_view *v = &r->views[h];
		if (v->down)
			continue;
		for (size_t i = 0; i < v->ncontainers; i++) {
			const struct observed *c = &v->containers[i];
			const char *ip = addr_on(c, network);
			uint32_t addr;
			/* From a host: hostile until parsed (it goes into every
			 * host's script); written back in canonical form. */
			if (!ip || net_parse_cidr(ip, &addr, NULL) != 0 || !c->stack || !c->service || !streq(c->stack, st->name) ||
			    !streq(c->service, svc->name) || container_phase(c) != PHASE_RUNNING ||
			    stopping(cv, wave, c->task_id) ||
			    !overlaps_pool(r->net, addr))
				continue;
			GROW(e->ip, e->cap, e->n + 1);
			net_ip_str(addr, e->ip[e->n++]);
		}
	}
	if (e->n)
		qsort(e->ip, e->n, sizeof(*e->ip), by_ip);
}

/* The overlay network a service's mesh and DNS use: its first one. */
static size_t service_net(const struct net_plan *p, const struct stack *st, const struct service *svc)
{
	for (size_t k = 0; !svc->network_mode && k < svc->nnetworks; k++)
		for (size_t i = 0; i < p->nnets; i++)
			if (p->nets[i].stack == st && streq(p->nets[i].n->key, svc->networks[k].name))
				return i;
	return (size_t)-1;
}

/* --- iptables ------------------------------------------------------------------ */

static void chain_name(const struct net_plan *p, char kind, const char *what, char out[32])
{
	char *h = state_hash(what);
	snprintf(out, 32, "%s-%c%.10s", p->cfg.chain, kind, h);
	free(h);
}

/* kube-proxy's spread: rule i of n takes 1/(n-i) of what reaches it. */
static void balance(struct strbuf *rules, const char *chain, const struct endpoints *e,
		    const char *match, const char *port)
{
	for (size_t i = 0; i < e->n; i++) {
		sb_addf(rules, "-A %s%s", chain, match);
		if (i + 1 < e->n)
			sb_addf(rules, " -m statistic --mode random --probability %.11f", 1.0 / (double)(e->n - i));
		sb_addf(rules, " -j DNAT --to-destination %s%s%s\n", e->ip[i], port ? ":" : "", port ? port : "");
	}
}

static void vip_rules(const struct run *r, const struct converge *cv, int wave, const struct net_vip *v,
		      struct strbuf *decl, struct strbuf *rules)
{
	const struct net_plan *p = r->net;
	struct endpoints e = { 0 };
	char chain[32], ip[16];
	char *what = xasprintf("vip %s %s %s", v->stack->name, v->svc->name, p->nets[v->net].n->name);
	chain_name(p, 'S', what, chain);
	free(what);
	endpoints_of(r, cv, wave, v->stack, v->svc, p->nets[v->net].n->name, &e);
	sb_addf(decl, ":%s - [0:0]\n", chain);
	sb_addf(rules, "-A %s-VIPS -d %s/32 -j %s\n", p->cfg.chain, net_ip_str(v->ip, ip), chain);
	for (size_t i = 0; i < e.n; i++)	/* a task calling its own VIP: hairpin */
		sb_addf(rules, "-A %s -s %s/32 -j MARK --set-xmark " MARK "\n", chain, e.ip[i]);
	balance(rules, chain, &e, "", NULL);
	free(e.ip);
}

static void mesh_rules(const struct run *r, const struct converge *cv, int wave, const struct stack *st,
		       const struct service *svc, struct strbuf *decl, struct strbuf *rules)
{
	const struct net_plan *p = r->net;
	size_t net = service_net(p, st, svc);
	struct endpoints e = { 0 };
	for (size_t q = 0; net != (size_t)-1 && q < svc->nports; q++) {
		const struct port *port = &svc->ports[q];
		if (!port->published || !net_port_is_ingress(port))
			continue;
		const char *proto = port->protocol ? port->protocol : "tcp";
		char chain[32], target[16], match[32];
		char *what = xasprintf("mesh %s %" PRIu32, proto, port->published);
		chain_name(p, 'M', what, chain);
		free(what);
		if (!e.n)
			endpoints_of(r, cv, wave, st, svc, p->nets[net].n->name, &e);
		snprintf(target, sizeof(target), "%" PRIu32, port->target);
		snprintf(match, sizeof(match), " -p %s", proto);
		sb_addf(decl, ":%s - [0:0]\n", chain);
		sb_addf(rules, "-A %s-MESH -p %s -m %s --dport %" PRIu32 " -j %s\n", p->cfg.chain, proto, proto,
			port->published, chain);
		sb_addf(rules, "-A %s -j MARK --set-xmark " MARK "\n", chain);
		balance(rules, chain, &e, match, target);
	}
	free(e.ip);
}

static void nat_table(const struct run *r, const struct converge *cv, int wave, struct strbuf *out)
{
	const struct net_plan *p = r->net;
	const char *c = p->cfg.chain;
	char pool[24], ip[16];
	struct strbuf decl = STRBUF_INIT, rules = STRBUF_INIT;
	snprintf(pool, sizeof(pool), "%s/%d", net_ip_str(p->cfg.pool, ip), p->cfg.pool_len);
	sb_addf(&decl, "*nat\n:%s-PRE - [0:0]\n:%s-OUT - [0:0]\n:%s-POST - [0:0]\n:%s-VIPS - [0:0]\n"
		":%s-MESH - [0:0]\n", c, c, c, c, c);
	sb_addf(&rules, "-A %s-PRE -j %s-VIPS\n-A %s-PRE -m addrtype --dst-type LOCAL -j %s-MESH\n"
		"-A %s-OUT -j %s-VIPS\n-A %s-OUT -m addrtype --dst-type LOCAL -j %s-MESH\n",
		c, c, c, c, c, c, c, c);
	sb_addf(&rules, "-A %s-POST -m mark --mark " MARK " -j MASQUERADE\n"
		"-A %s-POST -d %s -m addrtype --src-type LOCAL -m conntrack --ctstate DNAT -j MASQUERADE\n"
		"-A %s-POST -s %s -d %s -j ACCEPT\n", c, c, pool, c, pool, pool);
	for (size_t i = 0; i < p->nvips; i++)
		vip_rules(r, cv, wave, &p->vips[i], &decl, &rules);
	for (size_t i = 0; i < r->st.nstacks; i++)
		for (size_t s = 0; s < r->stacks[i]->nservices; s++)
			mesh_rules(r, cv, wave, r->stacks[i], &r->stacks[i]->services[s], &decl, &rules);
	sb_addf(out, "%s%sCOMMIT\n", sb_str(&decl), sb_str(&rules));
	sb_free(&decl);
	sb_free(&rules);
}

/* Isolation: a network reaches only itself across hosts; internal ones
 * nothing else at all. */
static void filter_table(const struct net_plan *p, struct strbuf *out)
{
	const char *c = p->cfg.chain;
	char pool[24], ip[16];
	snprintf(pool, sizeof(pool), "%s/%d", net_ip_str(p->cfg.pool, ip), p->cfg.pool_len);
	sb_addf(out, "*filter\n:%s-FWD - [0:0]\n-A %s-FWD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
		"-A %s-FWD -m mark --mark " MARK " -j ACCEPT\n", c, c, c);
	for (size_t i = 0; i < p->nnets; i++) {
		char range[24];
		snprintf(range, sizeof(range), "%s/%d", net_ip_str(p->nets[i].base, ip), p->nets[i].len);
		sb_addf(out, "-A %s-FWD -s %s -d %s -j ACCEPT\n", c, range, range);
		if (p->nets[i].n->internal)
			sb_addf(out, "-A %s-FWD -s %s -j DROP\n-A %s-FWD -d %s -j DROP\n", c, range, c, range);
	}
	/* From a vxlan address: SNATed by a peer (mesh, hairpin, a host). */
	sb_addf(out, "-A %s-FWD -s %s/%d -j ACCEPT\n", c, net_ip_str(p->cfg.pool, ip), p->cfg.net_len);
	sb_addf(out, "-A %s-FWD -s %s -d %s -j DROP\nCOMMIT\n", c, pool, pool);
}

/* --- DNS ------------------------------------------------------------------------- */

static int dns_name_ok(const char *s)
{
	return *s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == strlen(s);
}

static void names_of(const struct stack *st, const struct service *svc, const char *net_key,
		     const char *prefix, struct strbuf *out)
{
	sb_addf(out, " %s%s %s%s_%s", prefix, svc->name, prefix, st->name, svc->name);
	for (size_t k = 0; !*prefix && k < svc->nnetworks; k++) {
		if (!streq(svc->networks[k].name, net_key))
			continue;
		for (size_t a = 0; a < svc->networks[k].aliases.n; a++)
			if (dns_name_ok(svc->networks[k].aliases.v[a]))
				sb_addf(out, " %s", svc->networks[k].aliases.v[a]);
	}
}

static uint32_t vip_of(const struct net_plan *p, const struct service *svc, size_t net)
{
	for (size_t i = 0; i < p->nvips; i++)
		if (p->vips[i].svc == svc && p->vips[i].net == net)
			return p->vips[i].ip;
	return 0;
}

/* The hosts file of network net: svc, stack_svc and aliases -> the VIP
 * (dnsrr: the task IPs); tasks.svc, tasks.stack_svc -> the task IPs. */
static void hosts_file(const struct run *r, const struct converge *cv, int wave, size_t net,
		       struct strbuf *out)
{
	const struct net_plan *p = r->net;
	const struct net_network *nn = &p->nets[net];
	struct endpoints e = { 0 };
	char ip[16];
	for (size_t s = 0; s < nn->stack->nservices; s++) {
		const struct service *svc = &nn->stack->services[s];
		int on = 0;
		for (size_t k = 0; !svc->network_mode && k < svc->nnetworks; k++)
			on |= streq(svc->networks[k].name, nn->n->key);
		if (!on || !dns_name_ok(svc->name))
			continue;
		endpoints_of(r, cv, wave, nn->stack, svc, nn->n->name, &e);
		uint32_t vip = vip_of(p, svc, net);
		if (vip) {
			sb_adds(out, net_ip_str(vip, ip));
			names_of(nn->stack, svc, nn->n->key, "", out);
			sb_addc(out, '\n');
		}
		for (size_t i = 0; i < e.n; i++) {
			sb_adds(out, e.ip[i]);
			names_of(nn->stack, svc, nn->n->key, "tasks.", out);
			if (!vip)
				names_of(nn->stack, svc, nn->n->key, "", out);
			sb_addc(out, '\n');
		}
	}
	free(e.ip);
}

/* --- per host ---------------------------------------------------------------------- */

static void mac_of(uint32_t vtep, char mac[18])
{
	snprintf(mac, 18, "02:c5:%02x:%02x:%02x:%02x", vtep >> 24, (vtep >> 16) & 255,
		 (vtep >> 8) & 255, vtep & 255);
}

struct peer_text {
	char underlay[16], vtep[16], mac[18];
};

static void device_script(const struct run *r, size_t h, struct strbuf *sb)
{
	const struct net_plan *p = r->net;
	const struct net_host *me = &p->hosts[h];
	struct netpush_peer *peers = xcalloc(r->fleet.n + 1, sizeof(*peers));
	struct peer_text *txt = xcalloc(r->fleet.n + 1, sizeof(*txt));
	struct netpush_route *routes = xcalloc((r->fleet.n + 1) * p->nnets + 1, sizeof(*routes));
	char (*dst)[24] = xcalloc((r->fleet.n + 1) * p->nnets + 1, sizeof(*dst));
	size_t npeers = 0, nroutes = 0;
	/* VIPs are DNATed before routing, except for the host's own
	 * connections, which need a route to exist first. */
	for (size_t n = 0; n < p->nnets; n++) {
		char ip[16];
		snprintf(dst[nroutes], sizeof(*dst), "%s/%d", net_ip_str(net_vip_block(p, &p->nets[n]), ip),
			 p->cfg.host_len);
		routes[nroutes] = (struct netpush_route){ dst[nroutes], NULL };
		nroutes++;
	}
	for (size_t o = 0; o < r->fleet.n; o++) {
		if (o == h)
			continue;
		struct peer_text *t = &txt[npeers];
		net_ip_str(p->hosts[o].underlay, t->underlay);
		net_ip_str(p->hosts[o].vtep, t->vtep);
		mac_of(p->hosts[o].vtep, t->mac);
		peers[npeers++] = (struct netpush_peer){ t->underlay, t->vtep, t->mac };
		for (size_t n = 0; n < p->nnets; n++) {
			char ip[16];
			snprintf(dst[nroutes], sizeof(*dst), "%s/%d",
				 net_ip_str(host_block(p, &p->nets[n], p->hosts[o].slot), ip), p->cfg.host_len);
			routes[nroutes] = (struct netpush_route){ dst[nroutes], t->vtep };
			nroutes++;
		}
	}
	char local[16], mac[18], (*addrs)[16] = xcalloc(p->nsets + 1, sizeof(*addrs));
	const char **addr_list = xcalloc(p->nsets + 1, sizeof(*addr_list));
	mac_of(me->vtep, mac);
	addr_list[0] = net_ip_str(me->vtep, addrs[0]);
	for (size_t i = 0; i < p->nsets; i++)
		addr_list[i + 1] = net_ip_str(p->sets[i].ip, addrs[i + 1]);
	struct netpush_device d = { p->cfg.dev, p->cfg.vni, p->cfg.port, net_ip_str(me->underlay, local), mac,
				    addr_list, p->nsets + 1, peers, npeers, routes, nroutes };
	netpush_device(sb, &d);
	free(addrs);
	free(addr_list);
	free(peers);
	free(txt);
	free(routes);
	free(dst);
}

/* The Linux bridge of network nn: "csb-" and 10 hex chars (IFNAMSIZ). */
static char *bridge_name(const struct run *r, const struct net_network *nn)
{
	char *what = xasprintf("%s %s", r->st.cluster_id, nn->n->name), *hash = state_hash(what);
	char *name = xasprintf("csb-%.10s", hash);
	free(what);
	free(hash);
	return name;
}

/* Where host h keeps the overlay's files: the seal and, under it, one
 * directory per network for its DNS server. */
static char *host_dir(const struct run *r, size_t h)
{
	return netpush_host_dir(r->st.cluster_id, r->fleet.hosts[h].target.name);
}

/* A DNS server's directory on host h and its container, by the server's
 * name: its network's, or its set's id. */
static char *server_dir(const struct run *r, size_t h, const char *server)
{
	char *host = host_dir(r, h), *dir = xasprintf("%s/%s", host, server);
	free(host);
	return dir;
}

static char *server_container(const struct run *r, const char *server)
{
	return xasprintf("csw-dns-%.8s-%s", r->st.cluster_id, server);
}

static char *dns_dir(const struct run *r, size_t h, const struct net_network *nn)
{
	return server_dir(r, h, nn->n->name);
}

static void bridge_script(const struct run *r, size_t h, const struct net_network *nn, struct strbuf *sb)
{
	const struct net_plan *p = r->net;
	uint32_t block = host_block(p, nn, p->hosts[h].slot);
	char subnet[24], gw[16], ip[16];
	snprintf(subnet, sizeof(subnet), "%s/%d", net_ip_str(block, ip), p->cfg.host_len);
	net_ip_str(block + 1, gw);
	size_t nlabels = 3 + nn->n->labels.n;
	char **labels = xcalloc(nlabels, sizeof(*labels));
	labels[0] = xasprintf("cswarm.cluster=%s", r->st.cluster_id);
	labels[1] = xasprintf("cswarm.stack=%s", nn->stack->name);
	labels[2] = xasprintf("com.docker.stack.namespace=%s", nn->stack->name);
	for (size_t i = 0; i < nn->n->labels.n; i++)
		labels[3 + i] = xasprintf("%s=%s", nn->n->labels.v[i].key,
					  nn->n->labels.v[i].value ? nn->n->labels.v[i].value : "");
	char *bridge = bridge_name(r, nn);
	netpush_bridge(sb, r->st.cluster_id, nn->n->name, bridge, subnet, gw, (const char *const *)labels, nlabels);
	free(bridge);
	for (size_t i = 0; i < nlabels; i++)
		free(labels[i]);
	free(labels);
}

static char *dns_container(const struct run *r, const struct net_network *nn)
{
	return server_container(r, nn->n->name);
}

static void dns_script(const struct run *r, size_t h, size_t net, const char *hosts, struct strbuf *sb)
{
	const struct net_plan *p = r->net;
	const struct net_network *nn = &p->nets[net];
	char gw[16];
	net_ip_str(host_block(p, nn, p->hosts[h].slot) + 1, gw);
	char *name = dns_container(r, nn);
	char *dir = dns_dir(r, h, nn);
	netpush_dns(sb, r->st.cluster_id, name, p->cfg.dns_image, gw, dir, hosts);
	free(name);
	free(dir);
}

/* A DNS set's server: "set-" and 10 hex chars name its directory and
 * container (a set's networks can be many and long). */
static char *set_id(const struct run *r, const struct net_dns_set *set)
{
	char *name = net_set_name(r->net, set), *what = xasprintf("%s %s", r->st.cluster_id, name);
	char *hash = state_hash(what), *id = xasprintf("set-%.10s", hash);
	free(name);
	free(what);
	free(hash);
	return id;
}

static char *set_dir(const struct run *r, size_t h, const struct net_dns_set *set)
{
	char *id = set_id(r, set), *dir = server_dir(r, h, id);
	free(id);
	return dir;
}

static char *set_container(const struct run *r, const struct net_dns_set *set)
{
	char *id = set_id(r, set), *name = server_container(r, id);
	free(id);
	return name;
}

static void set_script(const struct run *r, size_t h, const struct net_dns_set *set, const char *hosts,
		       struct strbuf *sb)
{
	char ip[16], *name = set_container(r, set), *dir = set_dir(r, h, set);
	netpush_dns(sb, r->st.cluster_id, name, r->net->cfg.dns_image, net_ip_str(set->ip, ip), dir, hosts);
	free(name);
	free(dir);
}

/* The hosts file of a set: its networks' files merged (the same on every
 * host: made once per push). */
static void set_hosts_file(const struct net_dns_set *set, struct strbuf *const *hosts, struct strbuf *out)
{
	const char **files = xcalloc(set->n + 1, sizeof(*files));
	for (size_t i = 0; i < set->n; i++)
		files[i] = sb_str(hosts[set->nets[i]]);
	netpush_hosts_merge(out, files, set->n);
	free(files);
}

/* hosts: the hosts file of each network, then of each DNS set. */
static void host_script(const struct run *r, size_t h, const char *rules, struct strbuf *const *hosts,
			struct strbuf *sb)
{
	const struct net_plan *p = r->net;
	char *dir = host_dir(r, h);
	sb_adds(sb, "set -e\n");
	netpush_unseal(sb, dir);
	if (!p->nnets) {
		netpush_teardown(sb, r->st.cluster_id, dir, p->cfg.dev, p->cfg.chain);
		free(dir);
		return;
	}
	device_script(r, h, sb);
	size_t nkeep = p->nnets + p->nsets;
	char **keep = xcalloc(nkeep + 1, sizeof(*keep));
	for (size_t n = 0; n < p->nnets; n++) {
		bridge_script(r, h, &p->nets[n], sb);
		dns_script(r, h, n, sb_str(hosts[n]), sb);
		keep[n] = dns_container(r, &p->nets[n]);
	}
	for (size_t i = 0; i < p->nsets; i++) {
		set_script(r, h, &p->sets[i], sb_str(hosts[p->nnets + i]), sb);
		keep[p->nnets + i] = set_container(r, &p->sets[i]);
	}
	netpush_dns_prune(sb, r->st.cluster_id, dir, (const char *const *)keep, nkeep);
	free(dir);
	for (size_t n = 0; n < nkeep; n++)
		free(keep[n]);
	free(keep);
	netpush_rules(sb, p->cfg.chain, rules);
}

/* --- the seal (docker/netpush.h) ------------------------------------------------------ */

static void probe_script(const struct run *r, size_t h, struct strbuf *sb)
{
	const struct net_plan *p = r->net;
	size_t ndirs = p->nnets + p->nsets;
	char **bridges = xcalloc(p->nnets + 1, sizeof(*bridges)), **dirs = xcalloc(ndirs + 1, sizeof(*dirs));
	for (size_t n = 0; n < p->nnets; n++) {
		bridges[n] = bridge_name(r, &p->nets[n]);
		dirs[n] = dns_dir(r, h, &p->nets[n]);
	}
	for (size_t i = 0; i < p->nsets; i++)
		dirs[p->nnets + i] = set_dir(r, h, &p->sets[i]);
	netpush_probe(sb, p->cfg.dev, p->cfg.chain, (const char *const *)bridges, p->nnets,
		      (const char *const *)dirs, ndirs);
	for (size_t n = 0; n < p->nnets; n++)
		free(bridges[n]);
	for (size_t n = 0; n < ndirs; n++)
		free(dirs[n]);
	free(bridges);
	free(dirs);
}

/* Seal host h's script, or empty it when the host says it took this very
 * push and nothing changed there since. */
static void seal(const struct run *r, size_t h, struct strbuf *script)
{
	struct strbuf probe = STRBUF_INIT, both = STRBUF_INIT;
	probe_script(r, h, &probe);
	sb_addf(&both, "%s%s", probe.buf, sb_str(script));
	char *digest = state_hash(both.buf);
	sb_free(&both);
	if (netpush_unchanged(r->views[h].net_seen, digest)) {
		sb_reset(script);
	} else {
		char *dir = host_dir(r, h);
		netpush_seal(script, dir, probe.buf, digest);
		free(dir);
	}
	free(digest);
	sb_free(&probe);
}

/* --- running ------------------------------------------------------------------------ */

struct push_job {
	struct strbuf *scripts;		/* per host; empty: skip */
	struct ssh_result *res;
	int *ok;
	long timeout_ms;
	struct host_view *views;	/* their net_seen follows the pushes */
};

/* The host's seal as its push's output printed it, or NULL. */
static char *seen_in(const struct strbuf *out)
{
	const char *line = strstr(sb_str(out), NETPUSH_SEEN);
	return line ? netpush_seen_value(line + strlen(NETPUSH_SEEN)) : NULL;
}

static void push_one(struct fleet_host *h, size_t i, void *ctx)
{
	struct push_job *job = ctx;
	if (!job->scripts[i].len)
		return;
	struct ssh_exec x = { .command = "sh -s", .stdin_data = job->scripts[i].buf,
			      .stdin_len = job->scripts[i].len, .timeout_ms = job->timeout_ms };
	job->ok[i] = fleet_exec(h, &x, &job->res[i]) == SSH_OK && job->res[i].exit_status == 0;
	free(job->views[i].net_seen);
	job->views[i].net_seen = job->ok[i] ? seen_in(&job->res[i].out) : NULL;
}

static int usable(const struct run *r, size_t h)
{
	return !r->views[h].down && r->fleet.hosts[h].fail == SSH_OK;
}

/* Run scripts[h] on every usable host; -1 when one failed (printed). */
static int run_all(struct run *r, struct strbuf *scripts, const char *what)
{
	struct push_job job = { scripts, xcalloc(r->fleet.n + 1, sizeof(*job.res)),
				xcalloc(r->fleet.n + 1, sizeof(int)), r->opts.timeout_ms, r->views };
	for (size_t h = 0; h < r->fleet.n; h++)
		ssh_result_init(&job.res[h]);
	fleet_each(&r->fleet, push_one, &job);
	int ret = 0;
	for (size_t h = 0; h < r->fleet.n; h++) {
		if (scripts[h].len && !job.ok[h]) {
			struct strbuf *msg = &job.res[h].err;
			char *step = netpush_last_step(sb_str(&job.res[h].out));
			char *at = step ? xasprintf(" (at the step: %s)", step) : xstrdup("");
			sb_rtrim(msg);
			error("%s: %s: %s%s", r->fleet.hosts[h].target.name, what,
			      msg->len ? msg->buf : sb_str(&r->fleet.hosts[h].error), at);
			free(step);
			free(at);
			ret = -1;
		}
		ssh_result_free(&job.res[h]);
	}
	free(job.res);
	free(job.ok);
	return ret;
}

/* The state key that records host h passed the check: a host is checked
 * once, not on every run (a round trip less for every reconcile). */
static char *checked_key(const struct run *r, size_t h)
{
	return xasprintf("checked/%s", r->fleet.hosts[h].target.name);
}

/* Check the hosts never checked; none changes unless all pass. */
static int check_hosts(struct run *r)
{
	struct strbuf *scripts = xcalloc(r->fleet.n + 1, sizeof(*scripts));
	int any = 0;
	for (size_t h = 0; h < r->fleet.n; h++) {
		sb_init(&scripts[h]);
		char *key = checked_key(r, h);
		if (usable(r, h) && !state_net_get(&r->st, key)) {
			netpush_check(&scripts[h], r->net->cfg.dev);
			any = 1;
		}
		free(key);
	}
	int ret = any ? run_all(r, scripts, "overlay check (nothing was changed)") : 0;
	for (size_t h = 0; h < r->fleet.n; h++) {
		if (ret == 0 && scripts[h].len) {
			char *key = checked_key(r, h);
			state_net_set(&r->st, key, "1");
			r->net->changed = 1;
			free(key);
		}
		sb_free(&scripts[h]);
	}
	free(scripts);
	return ret;
}

int net_push(struct run *r, const struct converge *cv, int wave)
{
	struct net_plan *p = r->net;
	if (!p)
		return 0;
	if (!p->checked) {
		if (check_hosts(r) != 0)
			return -1;
		p->checked = 1;
	}
	struct strbuf rules = STRBUF_INIT;
	size_t nfiles = p->nnets + p->nsets;
	struct strbuf **hosts = xcalloc(nfiles + 1, sizeof(*hosts));
	nat_table(r, cv, wave, &rules);
	filter_table(p, &rules);
	for (size_t n = 0; n < nfiles; n++) {
		hosts[n] = xcalloc(1, sizeof(**hosts));
		sb_init(hosts[n]);
		if (n < p->nnets)
			hosts_file(r, cv, wave, n, hosts[n]);
		else
			set_hosts_file(&p->sets[n - p->nnets], hosts, hosts[n]);
	}
	struct strbuf *scripts = xcalloc(r->fleet.n + 1, sizeof(*scripts));
	for (size_t h = 0; h < r->fleet.n; h++) {
		sb_init(&scripts[h]);
		if (usable(r, h)) {
			host_script(r, h, rules.buf, hosts, &scripts[h]);
			seal(r, h, &scripts[h]);
		}
	}
	int ret = run_all(r, scripts, "overlay") != 0;
	for (size_t h = 0; h < r->fleet.n; h++)
		sb_free(&scripts[h]);
	free(scripts);
	for (size_t n = 0; n < nfiles; n++) {
		sb_free(hosts[n]);
		free(hosts[n]);
	}
	free(hosts);
	sb_free(&rules);
	return ret;
}

void net_print(const struct run *r, FILE *out)
{
	const struct net_plan *p = r->net;
	if (!p)
		return;
	for (size_t h = 0; h < r->fleet.n; h++) {
		char ip[16];
		fprintf(out, "%s: overlay %s vtep %s\n", r->fleet.hosts[h].target.name, p->cfg.dev,
			net_ip_str(p->hosts[h].vtep, ip));
		for (size_t n = 0; n < p->nnets; n++) {
			uint32_t block = host_block(p, &p->nets[n], p->hosts[h].slot);
			char gw[16];
			fprintf(out, "    network %s subnet %s/%d (dns %s)\n", p->nets[n].n->name,
				net_ip_str(block, ip), p->cfg.host_len, net_ip_str(block + 1, gw));
		}
	}
	for (size_t i = 0; i < p->nvips; i++) {
		char ip[16];
		fprintf(out, "vip %s_%s on %s: %s\n", p->vips[i].stack->name, p->vips[i].svc->name,
			p->nets[p->vips[i].net].n->name, net_ip_str(p->vips[i].ip, ip));
	}
	for (size_t i = 0; i < p->nsets; i++) {
		char ip[16], *name = net_set_name(p, &p->sets[i]);
		fprintf(out, "dns for %s: %s\n", name, net_ip_str(p->sets[i].ip, ip));
		free(name);
	}
}
