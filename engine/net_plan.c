/* The overlay's settings and address plan (engine/net.h): what every host,
 * stack network and service gets, kept in the cluster state. */
#include "engine/net.h"
#include "docker/netpush.h"
#include "sched/sched.h"
#include "util/util.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_POOL "10.224.0.0/12"
#define DEFAULT_NET_LEN 18
#define DEFAULT_HOST_LEN 24
#define DEFAULT_PORT 8472
#define DEFAULT_DNS_IMAGE "4km3/dnsmasq:2.90-r3"

const char *net_ip_str(uint32_t ip, char buf[16])
{
	struct in_addr a = { htonl(ip) };
	return inet_ntop(AF_INET, &a, buf, 16) ? buf : "?";
}

int net_parse_cidr(const char *s, uint32_t *ip, int *len)
{
	char addr[16];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	struct in_addr a;
	if (n >= sizeof(addr) || (!slash) != (!len))
		return -1;
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (inet_pton(AF_INET, addr, &a) != 1)
		return -1;
	*ip = ntohl(a.s_addr);
	if (!len)
		return 0;
	char *end;
	long l = strtol(slash + 1, &end, 10);
	if (!slash[1] || *end || l < 0 || l > 32)
		return -1;
	*len = (int)l;
	return 0;
}

static uint32_t mask_of(int len)
{
	return len ? ~(uint32_t)0 << (32 - len) : 0;
}

static uint32_t block_size(int len)
{
	return len ? (uint32_t)1 << (32 - len) : 0;
}

/* --- settings -------------------------------------------------------------- */

static const struct host *inv_host(const struct run *r, size_t h)
{
	return &r->inv.hosts[r->index[h]];
}

/* A cluster-wide setting: the same on every host, or an error. */
static const char *setting(const struct run *r, const char *key, struct strbuf *err)
{
	const char *v = r->fleet.n ? host_var(inv_host(r, 0), key) : NULL;
	for (size_t h = 1; h < r->fleet.n; h++) {
		const char *o = host_var(inv_host(r, h), key);
		if ((o == NULL) != (v == NULL) || (o && !streq(o, v))) {
			sb_addf(err, "inventory: %s differs between hosts %s and %s: it is cluster-wide",
				key, r->fleet.hosts[0].target.name, r->fleet.hosts[h].target.name);
			return NULL;
		}
	}
	return v;
}

static int number_setting(const struct run *r, const char *key, long lo, long hi, long dflt,
			  long *out, struct strbuf *err)
{
	size_t before = err->len;
	const char *v = setting(r, key, err);
	if (err->len != before)
		return -1;
	*out = dflt;
	if (!v)
		return 0;
	char *end;
	*out = strtol(v[0] == '/' ? v + 1 : v, &end, 10);
	if (!*v || *end || *out < lo || *out > hi) {
		sb_addf(err, "inventory: %s: \"%s\" is not a number from %ld to %ld", key, v, lo, hi);
		return -1;
	}
	return 0;
}

static int read_pool(struct net_config *c, const struct run *r, struct strbuf *err)
{
	size_t before = err->len;
	const char *pool = setting(r, "cswarm_net_pool", err);
	if (err->len != before)
		return -1;
	if (!pool)
		pool = DEFAULT_POOL;
	if (net_parse_cidr(pool, &c->pool, &c->pool_len) != 0 || (c->pool & ~mask_of(c->pool_len))) {
		sb_addf(err, "inventory: cswarm_net_pool: \"%s\" is not a network like 10.224.0.0/12", pool);
		return -1;
	}
	return 0;
}

static int read_sizes(struct net_config *c, const struct run *r, struct strbuf *err)
{
	long net_len, host_len, port, vni;
	char hex[7] = { 0 };	/* the VNI defaults to a number of the cluster id */
	memcpy(hex, r->st.cluster_id, 6);
	unsigned long id = strtoul(hex, NULL, 16);
	if (number_setting(r, "cswarm_net_size", 8, 28, DEFAULT_NET_LEN, &net_len, err) ||
	    number_setting(r, "cswarm_net_host_size", 9, 30, DEFAULT_HOST_LEN, &host_len, err) ||
	    number_setting(r, "cswarm_vxlan_port", 1, 65535, DEFAULT_PORT, &port, err) ||
	    number_setting(r, "cswarm_vxlan_vni", 1, 16777215, (long)(id % 16000000 + 4096), &vni, err))
		return -1;
	if (net_len <= c->pool_len || host_len <= net_len) {
		sb_addf(err, "inventory: want cswarm_net_pool /%d < cswarm_net_size /%ld < "
			"cswarm_net_host_size /%ld", c->pool_len, net_len, host_len);
		return -1;
	}
	c->net_len = (int)net_len;
	c->host_len = (int)host_len;
	c->port = (unsigned)port;
	c->vni = (unsigned)vni;
	return 0;
}

static int read_config(struct net_config *c, const struct run *r, struct strbuf *err)
{
	size_t before = err->len;
	const char *mode = setting(r, "cswarm_network", err);
	if (err->len != before)
		return -1;
	if (mode && !streq(mode, "overlay") && !streq(mode, "bridge")) {
		sb_addf(err, "inventory: cswarm_network: \"%s\" is neither overlay nor bridge", mode);
		return -1;
	}
	c->enabled = !mode || streq(mode, "overlay");	/* on unless opted out */
	if (!c->enabled)
		return 0;
	if (read_pool(c, r, err) || read_sizes(c, r, err))
		return -1;
	const char *image = setting(r, "cswarm_dns_image", err);
	if (err->len != before)
		return -1;
	c->dns_image = xstrdup(image ? image : DEFAULT_DNS_IMAGE);
	snprintf(c->dev, sizeof(c->dev), "cswvx-%.8s", r->st.cluster_id);
	snprintf(c->chain, sizeof(c->chain), "CSW%.6s", r->st.cluster_id);
	return 0;
}

/* --- hosts ----------------------------------------------------------------- */

/* A name resolves here as the other hosts would resolve it, unless the
 * host is reached through a proxy (then only it knows its address). */
static int resolve_ipv4(const struct ssh_target *t, const char *name, uint32_t *ip)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *res = NULL;
	if (t->jump || t->proxy_command || getaddrinfo(name, NULL, &hints, &res) != 0)
		return -1;
	*ip = ntohl(((const struct sockaddr_in *)(const void *)res->ai_addr)->sin_addr.s_addr);
	freeaddrinfo(res);
	return 0;
}

static int host_underlay(const struct run *r, size_t h, uint32_t *ip, struct strbuf *err)
{
	const struct ssh_target *t = &r->fleet.hosts[h].target;
	const char *v = host_var(inv_host(r, h), "cswarm_net_address");
	const char *addr = v ? v : inv_host(r, h)->address;
	if (net_parse_cidr(addr, ip, NULL) == 0 ||
	    (!v && (net_parse_cidr(t->address, ip, NULL) == 0 || resolve_ipv4(t, t->address, ip) == 0)))
		return 0;
	sb_addf(err, "host %s: %s \"%s\" is not an IPv4 address%s: set cswarm_net_address "
		"to the address the other hosts reach it on (or cswarm_network=bridge: no overlay)",
		t->name, v ? "cswarm_net_address" : "its address", addr,
		v ? "" : " and does not resolve to one here");
	return -1;
}

static unsigned max_slots(const struct net_config *c)
{
	return block_size(c->host_len) ? (1u << (c->host_len - c->net_len)) - 1 : 0;
}

/* Keep every host's slot; give new hosts the lowest free ones. */
static int assign_slots(struct run *r, struct net_plan *p, struct strbuf *err)
{
	unsigned nslots = max_slots(&p->cfg);
	unsigned char *used = xcalloc(nslots + 1, 1);
	int ret = 0;
	for (int pass = 0; pass < 2 && ret == 0; pass++)
		for (size_t h = 0; h < r->fleet.n && ret == 0; h++) {
			char *key = xasprintf("slot/%s", r->fleet.hosts[h].target.name);
			const char *v = state_net_get(&r->st, key);
			unsigned s = v ? (unsigned)strtoul(v, NULL, 10) : nslots;
			if (pass == 0 && v && s < nslots && !used[s]) {
				used[s] = 1;
				p->hosts[h].slot = s;
			} else if (pass == 1 && !(v && s < nslots && p->hosts[h].slot == s)) {
				for (s = 0; s < nslots && used[s]; s++)
					;
				if (s == nslots) {
					sb_addf(err, "host %s: no overlay slot left: cswarm_net_size /%d - "
						"cswarm_net_host_size /%d leaves room for %u hosts",
						r->fleet.hosts[h].target.name, p->cfg.net_len, p->cfg.host_len, nslots);
					ret = -1;
				} else {
					used[s] = 1;
					p->hosts[h].slot = s;
					char num[16];
					snprintf(num, sizeof(num), "%u", s);
					state_net_set(&r->st, key, num);
					p->changed = 1;
				}
			}
			free(key);
		}
	free(used);
	return ret;
}

static int plan_hosts(struct run *r, struct net_plan *p, struct strbuf *err)
{
	p->hosts = xcalloc(r->fleet.n + 1, sizeof(*p->hosts));
	for (size_t h = 0; h < r->fleet.n; h++) {
		p->hosts[h].usable = (!r->views || !r->views[h].down) && r->fleet.hosts[h].fail == SSH_OK;
		if (host_underlay(r, h, &p->hosts[h].underlay, err) != 0)
			return -1;
	}
	if (assign_slots(r, p, err) != 0)
		return -1;
	for (size_t h = 0; h < r->fleet.n; h++) {
		p->hosts[h].vtep = p->cfg.pool + p->hosts[h].slot + 1;
		if (p->hosts[h].slot + 1 > p->slots_used)
			p->slots_used = p->hosts[h].slot + 1;
	}
	return 0;
}

/* --- networks ---------------------------------------------------------------- */

int net_is_overlay(const struct net_plan *p, const struct network *n)
{
	return p && p->cfg.enabled && netpush_is_overlay(n);
}

static int overlaps(uint32_t a, int alen, uint32_t b, int blen)
{
	int len = alen < blen ? alen : blen;
	return ((a ^ b) & mask_of(len)) == 0;
}

/* ipam.config: one plain subnet, inside which every host gets its block. */
static int explicit_range(const struct net_plan *p, const struct stack *st, const struct network *n,
			  struct net_network *out, struct strbuf *err)
{
	if (n->subnets.n > 1 || strchr(n->subnets.v[0], ',')) {
		sb_addf(err, "stack %s: network %s: ipam.config: the overlay takes one subnet without "
			"gateway or ip_range (cswarm gives each host its own block and gateway)",
			st->name, n->key);
		return -1;
	}
	if (net_parse_cidr(n->subnets.v[0], &out->base, &out->len) != 0 ||
	    (out->base & ~mask_of(out->len))) {
		sb_addf(err, "stack %s: network %s: ipam.config.subnet \"%s\" is not a network address",
			st->name, n->key, n->subnets.v[0]);
		return -1;
	}
	unsigned need = p->slots_used;
	if (out->len >= p->cfg.host_len || (1u << (p->cfg.host_len - out->len)) - 1 < need) {
		sb_addf(err, "stack %s: network %s: subnet %s is too small for %u hosts of "
			"/%d each plus a block of VIPs", st->name, n->key, n->subnets.v[0], need,
			p->cfg.host_len);
		return -1;
	}
	if (out->len < p->cfg.pool_len || !overlaps(out->base, out->len, p->cfg.pool, p->cfg.pool_len)) {
		sb_addf(err, "stack %s: network %s: subnet %s is outside cswarm_net_pool (the "
			"isolation and NAT rules cover the pool)", st->name, n->key, n->subnets.v[0]);
		return -1;
	}
	if (overlaps(out->base, out->len, p->cfg.pool, p->cfg.net_len)) {
		sb_addf(err, "stack %s: network %s: subnet %s overlaps the vxlan addresses (%s's "
			"first /%d)", st->name, n->key, n->subnets.v[0], "cswarm_net_pool", p->cfg.net_len);
		return -1;
	}
	return 0;
}

static int range_free(const struct net_plan *p, uint32_t base, int len)
{
	if (overlaps(base, len, p->cfg.pool, p->cfg.net_len))
		return 0;
	for (size_t i = 0; i < p->nnets; i++)
		if (p->nets[i].len && overlaps(base, len, p->nets[i].base, p->nets[i].len))
			return 0;
	return 1;
}

static int allocate_range(const struct net_plan *p, const struct stack *st, const struct network *n,
			  struct net_network *out, struct strbuf *err)
{
	uint32_t blocks = 1u << (p->cfg.net_len - p->cfg.pool_len);
	for (uint32_t b = 1; b < blocks; b++) {
		uint32_t base = p->cfg.pool + b * block_size(p->cfg.net_len);
		if (range_free(p, base, p->cfg.net_len)) {
			out->base = base;
			out->len = p->cfg.net_len;
			return 0;
		}
	}
	sb_addf(err, "stack %s: network %s: cswarm_net_pool is full (%u networks of /%d)",
		st->name, n->key, blocks - 1, p->cfg.net_len);
	return -1;
}

static void range_key(const struct net_network *nn, char *buf, size_t size)
{
	char ip[16];
	snprintf(buf, size, "%s/%d", net_ip_str(nn->base, ip), nn->len);
}

/* An overlay network of the stacks, by its full name. */
static int is_planned_network(const struct run *r, const struct net_plan *p, const char *name)
{
	for (size_t i = 0; i < r->st.nstacks; i++)
		for (size_t k = 0; k < r->stacks[i]->nnetworks; k++)
			if (net_is_overlay(p, &r->stacks[i]->networks[k]) &&
			    streq(r->stacks[i]->networks[k].name, name))
				return 1;
	return 0;
}

/* The network (other than n) whose recorded range an explicit subnet
 * overlaps, or NULL: taking it would renumber a network in use. */
static const char *recorded_overlap(const struct run *r, const struct net_plan *p,
				    const struct network *n, const struct net_network *nn)
{
	for (size_t i = 0; i < r->st.nnet; i++) {
		const char *key = r->st.net[i].key, *name = key + 4;
		uint32_t base;
		int len;
		if (strncmp(key, "net/", 4) != 0 || streq(name, n->name) || !r->st.net[i].value ||
		    net_parse_cidr(r->st.net[i].value, &base, &len) != 0)
			continue;
		if (overlaps(nn->base, nn->len, base, len) && is_planned_network(r, p, name))
			return name;
	}
	return NULL;
}

/* One network: the state's range when it is still right, else a new one. */
static int plan_network(struct run *r, struct net_plan *p, const struct stack *st,
			const struct network *n, struct strbuf *err)
{
	struct net_network nn = { st, n, 0, 0 };
	char *key = xasprintf("net/%s", n->name), cidr[24];
	const char *old = state_net_get(&r->st, key);
	int ret = 0;
	if (n->subnets.n) {
		ret = explicit_range(p, st, n, &nn, err);
		const char *other = ret == 0 ? recorded_overlap(r, p, n, &nn) : NULL;
		if (ret == 0 && (other || !range_free(p, nn.base, nn.len))) {
			sb_addf(err, "stack %s: network %s: subnet %s overlaps another network%s%s",
				st->name, n->key, n->subnets.v[0], other ? " in use: " : "",
				other ? other : "");
			ret = -1;
		}
	} else if (!old || net_parse_cidr(old, &nn.base, &nn.len) != 0 || nn.len != p->cfg.net_len ||
		   !overlaps(nn.base, nn.len, p->cfg.pool, p->cfg.pool_len) || !range_free(p, nn.base, nn.len)) {
		ret = allocate_range(p, st, n, &nn, err);
	}
	if (ret == 0) {
		range_key(&nn, cidr, sizeof(cidr));
		if (!old || !streq(old, cidr)) {
			state_net_set(&r->st, key, cidr);
			p->changed = 1;
		}
		GROW(p->nets, p->nnets_cap, p->nnets + 1);
		p->nets[p->nnets++] = nn;
	}
	free(key);
	return ret;
}

static int plan_networks(struct run *r, struct net_plan *p, struct strbuf *err)
{
	/* Explicit subnets first: allocated ranges then step around them. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < r->st.nstacks; i++) {
			const struct stack *st = r->stacks[i];
			for (size_t k = 0; k < st->nnetworks; k++) {
				const struct network *n = &st->networks[k];
				if (net_is_overlay(p, n) && (n->subnets.n > 0) == (pass == 0) &&
				    plan_network(r, p, st, n, err) != 0)
					return -1;
			}
		}
	return 0;
}

/* --- VIPs -------------------------------------------------------------------- */

static size_t find_net(const struct net_plan *p, const struct stack *st, const char *key)
{
	for (size_t i = 0; i < p->nnets; i++)
		if (p->nets[i].stack == st && streq(p->nets[i].n->key, key))
			return i;
	return (size_t)-1;
}

uint32_t net_vip_block(const struct net_plan *p, const struct net_network *nn)
{
	return nn->base + ((1u << (p->cfg.host_len - nn->len)) - 1) * block_size(p->cfg.host_len);
}

static int address_taken(const struct net_plan *p, size_t net, uint32_t ip)
{
	for (size_t i = 0; i < p->nvips; i++)
		if (p->vips[i].net == net && p->vips[i].ip == ip)
			return 1;
	for (size_t i = 0; i < p->nsets; i++)
		if (p->sets[i].nets[0] == net && p->sets[i].ip == ip)
			return 1;
	return 0;
}

/* The address state.net keeps at key when it is still in network net's
 * VIP block and free, else the block's first free one (kept in state). */
static int take_address(struct run *r, struct net_plan *p, size_t net, const char *key,
			const char *what, uint32_t *out, struct strbuf *err)
{
	const struct net_network *nn = &p->nets[net];
	uint32_t lo = net_vip_block(p, nn) + 1, hi = net_vip_block(p, nn) + block_size(p->cfg.host_len) - 2, ip;
	const char *old = state_net_get(&r->st, key);
	char buf[16];
	if (old && net_parse_cidr(old, &ip, NULL) == 0 && ip >= lo && ip <= hi && !address_taken(p, net, ip)) {
		*out = ip;
		return 0;
	}
	for (ip = lo; ip <= hi && address_taken(p, net, ip); ip++)
		;
	if (ip > hi) {
		sb_addf(err, "stack %s: network %s: no address left for %s (%u in use)",
			nn->stack->name, nn->n->key, what, hi - lo + 1);
		return -1;
	}
	state_net_set(&r->st, key, net_ip_str(ip, buf));
	p->changed = 1;
	*out = ip;
	return 0;
}

static char *vip_key(const struct stack *st, const struct service *svc, const struct net_network *nn)
{
	return xasprintf("vip/%s_%s@%s", st->name, svc->name, nn->n->name);
}

static int plan_vip(struct run *r, struct net_plan *p, const struct stack *st,
		    const struct service *svc, size_t net, struct strbuf *err)
{
	char *key = vip_key(st, svc, &p->nets[net]), *what = xasprintf("the VIP of service %s", svc->name);
	uint32_t ip;
	int ret = take_address(r, p, net, key, what, &ip, err);
	if (ret == 0) {
		GROW(p->vips, p->nvips_cap, p->nvips + 1);
		p->vips[p->nvips++] = (struct net_vip){ st, svc, net, ip };
	}
	free(key);
	free(what);
	return ret;
}

static int is_dnsrr(const struct service *svc)
{
	return svc->deploy.endpoint_mode && streq(svc->deploy.endpoint_mode, "dnsrr");
}

/* The overlay networks of svc (indexes in p->nets, its order) into *out
 * (to be freed); their number. */
static size_t service_nets(const struct net_plan *p, const struct stack *st, const struct service *svc,
			   size_t **out)
{
	size_t n = 0;
	*out = xcalloc(svc->nnetworks + 1, sizeof(**out));
	for (size_t k = 0; !svc->network_mode && k < svc->nnetworks; k++) {
		size_t net = find_net(p, st, svc->networks[k].name);
		if (net != (size_t)-1)
			(*out)[n++] = net;
	}
	return n;
}

/* The VIPs kept (pass 0) or new (pass 1). */
static int plan_vips(struct run *r, struct net_plan *p, int pass, struct strbuf *err)
{
	for (size_t i = 0; i < r->st.nstacks; i++) {
		const struct stack *st = r->stacks[i];
		for (size_t s = 0; s < st->nservices; s++) {
			const struct service *svc = &st->services[s];
			size_t *nets, n = service_nets(p, st, svc, &nets);
			int ret = 0;
			for (size_t k = 0; k < n && ret == 0 && !is_dnsrr(svc); k++) {
				char *key = vip_key(st, svc, &p->nets[nets[k]]);
				int kept = state_net_get(&r->st, key) != NULL;
				free(key);
				if (kept == (pass == 0))
					ret = plan_vip(r, p, st, svc, nets[k], err);
			}
			free(nets);
			if (ret != 0)
				return -1;
		}
	}
	return 0;
}

/* --- DNS sets ------------------------------------------------------------------ */

static struct net_dns_set *find_set(const struct net_plan *p, const size_t *nets, size_t n)
{
	for (size_t i = 0; i < p->nsets; i++)
		if (p->sets[i].n == n && !memcmp(p->sets[i].nets, nets, n * sizeof(*nets)))
			return &p->sets[i];
	return NULL;
}

char *net_set_name(const struct net_plan *p, const struct net_dns_set *set)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < set->n; i++)
		sb_addf(&sb, "%s%s", i ? "+" : "", p->nets[set->nets[i]].n->name);
	return sb_detach(&sb);
}

static char *set_key(const struct net_plan *p, const struct net_dns_set *set)
{
	char *name = net_set_name(p, set), *key = xasprintf("dns/%s", name);
	free(name);
	return key;
}

/* The set of svc's networks, when it has several and it is new (kept
 * address: pass 0, new one: pass 1). */
static int plan_set(struct run *r, struct net_plan *p, const struct stack *st, const struct service *svc,
		    int pass, struct strbuf *err)
{
	struct net_dns_set set = { 0 };
	set.n = service_nets(p, st, svc, &set.nets);
	char *key = set.n > 1 && !find_set(p, set.nets, set.n) ? set_key(p, &set) : NULL;
	int ret = 0;
	if (key && (state_net_get(&r->st, key) != NULL) == (pass == 0)) {
		char *what = xasprintf("the DNS server of service %s's networks", svc->name);
		ret = take_address(r, p, set.nets[0], key, what, &set.ip, err);
		free(what);
		if (ret == 0) {
			GROW(p->sets, p->nsets_cap, p->nsets + 1);
			p->sets[p->nsets++] = set;
			set.nets = NULL;
		}
	}
	free(key);
	free(set.nets);
	return ret;
}

static int plan_sets(struct run *r, struct net_plan *p, int pass, struct strbuf *err)
{
	for (size_t i = 0; i < r->st.nstacks; i++)
		for (size_t s = 0; s < r->stacks[i]->nservices; s++)
			if (plan_set(r, p, r->stacks[i], &r->stacks[i]->services[s], pass, err) != 0)
				return -1;
	return 0;
}

/* Kept addresses first (so a new VIP or set never takes one), then new ones. */
static int plan_addresses(struct run *r, struct net_plan *p, struct strbuf *err)
{
	for (int pass = 0; pass < 2; pass++)
		if (plan_vips(r, p, pass, err) != 0 || plan_sets(r, p, pass, err) != 0)
			return -1;
	return 0;
}

/* --- the plan ----------------------------------------------------------------- */

static int key_in_plan(const struct run *r, const struct net_plan *p, const char *key)
{
	char *want = NULL;
	int found = 0;
	for (size_t h = 0; h < r->fleet.n && !found; h++) {
		const char *name = r->fleet.hosts[h].target.name;
		found = (!strncmp(key, "slot/", 5) || !strncmp(key, "checked/", 8)) &&
			streq(strchr(key, '/') + 1, name);
	}
	for (size_t i = 0; i < p->nnets && !found; i++) {
		want = xasprintf("net/%s", p->nets[i].n->name);
		found = streq(want, key);
		free(want);
	}
	for (size_t i = 0; i < p->nvips && !found; i++) {
		want = vip_key(p->vips[i].stack, p->vips[i].svc, &p->nets[p->vips[i].net]);
		found = streq(want, key);
		free(want);
	}
	for (size_t i = 0; i < p->nsets && !found; i++) {
		want = set_key(p, &p->sets[i]);
		found = streq(want, key);
		free(want);
	}
	return found;
}

/* Hosts, networks and services that are gone free their addresses. */
static void drop_stale(struct run *r, struct net_plan *p)
{
	for (size_t i = r->st.nnet; i-- > 0;)
		if (!key_in_plan(r, p, r->st.net[i].key)) {
			char *key = xstrdup(r->st.net[i].key);
			state_net_set(&r->st, key, NULL);
			free(key);
			p->changed = 1;
		}
}

static enum sched_proto proto_of(const struct port *port)
{
	if (port->protocol && streq(port->protocol, "udp"))
		return SCHED_UDP;
	if (port->protocol && streq(port->protocol, "sctp"))
		return SCHED_SCTP;
	return SCHED_TCP;
}

int net_port_is_ingress(const struct port *port)
{
	return !port->mode || streq(port->mode, "ingress");
}

/* An ingress port is taken on every node: refuse a second owner. */
static int check_ingress(const struct run *r, struct strbuf *err)
{
	struct sched_port *ports = NULL;
	uint32_t *owner = NULL;
	unsigned char *ingress = NULL;
	const struct service **svcs = NULL;
	size_t n = 0, cap = 0, cap2 = 0, cap3 = 0, cap4 = 0, a, b;
	uint32_t k = 0;
	for (size_t i = 0; i < r->st.nstacks; i++)
		for (size_t s = 0; s < r->stacks[i]->nservices; s++, k++) {
			const struct service *svc = &r->stacks[i]->services[s];
			for (size_t q = 0; q < svc->nports; q++) {
				if (!svc->ports[q].published)
					continue;
				GROW(ports, cap, n + 1);
				GROW(owner, cap2, n + 1);
				GROW(ingress, cap3, n + 1);
				GROW(svcs, cap4, n + 1);
				ports[n] = (struct sched_port){ (uint16_t)svc->ports[q].published,
								proto_of(&svc->ports[q]) };
				owner[n] = k;
				ingress[n] = (unsigned char)net_port_is_ingress(&svc->ports[q]);
				svcs[n++] = svc;
			}
		}
	int ret = 0;
	if (sched_ingress_conflict(ports, owner, ingress, n, &a, &b)) {
		sb_addf(err, "published port %u/%s: services %s and %s both publish it, and an "
			"ingress port is taken on every node (routing mesh)", ports[a].port,
			ports[a].proto == SCHED_UDP ? "udp" : ports[a].proto == SCHED_SCTP ? "sctp" : "tcp",
			svcs[a]->name, svcs[b]->name);
		ret = -1;
	}
	free(ports);
	free(owner);
	free(ingress);
	free(svcs);
	return ret;
}

int net_plan(struct run *r, struct strbuf *err)
{
	/* Again on every call: the stacks may have changed (a rollback). */
	struct net_plan *p = xcalloc(1, sizeof(*p));
	p->checked = r->net && r->net->checked;
	net_plan_free(r->net);
	r->net = NULL;
	if (read_config(&p->cfg, r, err) != 0) {
		net_plan_free(p);
		return -1;
	}
	if (!p->cfg.enabled) {
		net_plan_free(p);
		return 0;
	}
	if (plan_hosts(r, p, err) != 0 || plan_networks(r, p, err) != 0 ||
	    plan_addresses(r, p, err) != 0 || check_ingress(r, err) != 0) {
		net_plan_free(p);
		return -1;
	}
	drop_stale(r, p);
	r->net = p;
	return 0;
}

void net_plan_free(struct net_plan *p)
{
	if (!p)
		return;
	free(p->cfg.dns_image);
	free(p->hosts);
	free(p->nets);
	free(p->vips);
	for (size_t i = 0; i < p->nsets; i++)
		free(p->sets[i].nets);
	free(p->sets);
	free(p);
}

int net_task_dns(const struct run *r, size_t h, const struct stack *st,
		 const struct service *svc, char dns[16])
{
	const struct net_plan *p = r->net;
	if (!p)
		return -1;
	size_t *nets, n = service_nets(p, st, svc, &nets);
	const struct net_dns_set *set = n > 1 ? find_set(p, nets, n) : NULL;
	if (set)
		net_ip_str(set->ip, dns);
	else if (n)
		net_ip_str(p->nets[nets[0]].base + p->hosts[h].slot * block_size(p->cfg.host_len) + 1, dns);
	free(nets);
	return n ? 0 : -1;
}
