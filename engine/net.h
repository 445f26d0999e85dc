/* Cross-host service networking: the overlay (one vxlan device per host,
 * a bridge per stack network with a per-host subnet), DNS (a dnsmasq
 * container per network and host), VIP load balancing and the ingress
 * routing mesh (iptables chains of our own). Nothing runs on the hosts
 * but what the scripts sent here start; every push sends the whole
 * desired state, so the next one repairs whatever a host lost.
 *
 * The address plan lives in the cluster state (state.net), so it is the
 * same from any machine and stable while a host, network or service
 * exists:
 *   "slot/HOST"          -> "3"               the host's place in every network
 *   "net/NETWORK"        -> "10.224.64.0/18"  a stack network's range
 *   "vip/STACK_SVC@NET"  -> "10.224.127.2"    a service's VIP on a network
 *   "dns/NET1+NET2"      -> "10.224.127.9"    the DNS server of a set of networks
 * A network's range is cut into per-host subnets (slot k: the k-th block of
 * cswarm_net_host_size); its last block holds the VIPs. Pool block 0 holds
 * the vxlan device addresses. See docs/networking.md. */
#ifndef CSWARM_ENGINE_NET_H
#define CSWARM_ENGINE_NET_H

#include "engine/run.h"

#include <stdint.h>
#include <stdio.h>

struct converge;

struct net_config {
	int enabled;			/* cswarm_network: overlay (default) */
	uint32_t pool;			/* cswarm_net_pool */
	int pool_len;
	int net_len;			/* cswarm_net_size: each network's prefix */
	int host_len;			/* cswarm_net_host_size: each host's prefix */
	unsigned port, vni;		/* cswarm_vxlan_port, cswarm_vxlan_vni */
	char *dns_image;		/* cswarm_dns_image */
	char dev[16];			/* vxlan device name */
	char chain[16];			/* iptables chain prefix */
};

struct net_host {
	int usable;			/* reachable, docker answers */
	unsigned slot;
	uint32_t underlay;		/* address peers send vxlan to */
	uint32_t vtep;			/* the vxlan device's address */
};

struct net_network {
	const struct stack *stack;
	const struct network *n;
	uint32_t base;			/* the range */
	int len;
};

struct net_vip {
	const struct stack *stack;
	const struct service *svc;
	size_t net;			/* index in nets */
	uint32_t ip;
};

/* The DNS server of the tasks of services on several overlay networks:
 * it answers the names of all of them (where two name the same, the
 * first's answer), on an address of the first network's VIP block that
 * every host carries on its vxlan device (a task reaches it through its
 * gateway, like a VIP). A task on one network asks that network's server
 * on its gateway. */
struct net_dns_set {
	size_t *nets;			/* indexes in nets, in the services' order */
	size_t n;
	uint32_t ip;
};

struct net_plan {
	struct net_config cfg;
	struct net_host *hosts;		/* per fleet host */
	unsigned slots_used;		/* highest slot + 1 */
	struct net_network *nets;
	size_t nnets, nnets_cap;
	struct net_vip *vips;
	size_t nvips, nvips_cap;
	struct net_dns_set *sets;
	size_t nsets, nsets_cap;
	int changed;			/* the plan in r->st changed: commit */
	int checked;			/* hosts passed the kernel checks this run */
};

/* Read the settings, allocate what the state's stacks need (slots,
 * ranges, VIPs, dropping what is gone) into r->st, and check ingress
 * ports. Sets r->net (NULL when the overlay is off). 0, or -1 with err. */
int net_plan(struct run *r, struct strbuf *err);
void net_plan_free(struct net_plan *p);

/* Push the networking of every usable host: before wave `wave` of cv
 * (the tasks it stops are no endpoints any more), or wave -1 (after the
 * last: endpoints as observed). The first push of a run checks the hosts
 * never checked and applies nothing when one lacks something: -1. 0 when
 * every host took the push, 1 when one did not (errors printed; the
 * others did). No-op when the overlay is off. */
int net_push(struct run *r, const struct converge *cv, int wave);

/* The DNS server a task of svc on fleet host h uses (its overlay
 * network's gateway there, or its set's address when it is on several),
 * written into dns (16 bytes); 0, or -1 when it has none (overlay off, no
 * overlay network). */
int net_task_dns(const struct run *r, size_t h, const struct stack *st,
		 const struct service *svc, char dns[16]);

/* Whether a published port goes through the routing mesh (mode ingress,
 * the default) rather than the task's host alone. */
int net_port_is_ingress(const struct port *port);

/* Whether stack network n is part of the overlay. */
int net_is_overlay(const struct net_plan *p, const struct network *n);

/* The endpoints of svc on network as observed (running, healthy where
 * checked, on a usable host), sorted; *ips is to be freed. */
size_t net_endpoints(const struct run *r, const struct stack *st, const struct service *svc,
		     const char *network, char (**ips)[16]);
/* "NET1+NET2...": the networks of a DNS set; to be freed. */
char *net_set_name(const struct net_plan *p, const struct net_dns_set *set);
/* The first address of a network's VIP block (its last host-sized block). */
uint32_t net_vip_block(const struct net_plan *p, const struct net_network *nn);
/* The subnet of network net (index in p->nets) on fleet host h. */
uint32_t net_host_subnet(const struct net_plan *p, size_t net, size_t h);

/* What the overlay looks like per host (deploy --dry-run). */
void net_print(const struct run *r, FILE *out);

/* "a.b.c.d" of ip into buf (16 bytes). */
const char *net_ip_str(uint32_t ip, char buf[16]);
/* Parse "a.b.c.d/len" (len 0..32) or, with len NULL, "a.b.c.d"; 0 or -1. */
int net_parse_cidr(const char *s, uint32_t *ip, int *len);

#endif
