/* The overlay's shell scripts (engine/net.h computes what goes in them).
 * Every block is idempotent: it compares what the host has with what it
 * should have and changes only the difference, so a second push changes
 * nothing and a push after a reboot or a flushed firewall repairs all.
 * Every word from a stack file or the inventory is shell-quoted. */
#ifndef CSWARM_DOCKER_NETPUSH_H
#define CSWARM_DOCKER_NETPUSH_H

#include "compose/compose.h"
#include "util/strbuf.h"

#include <stddef.h>

/* Whether a stack network becomes part of the overlay when it is on:
 * not external, driver overlay or bridge (or none). */
int netpush_is_overlay(const struct network *n);

/* Where the DNS servers' hosts files live on the hosts. */
#define NETPUSH_DIR "/var/lib/cswarm/net"

/* Print "cswarm: this host lacks: ..." and fail when the kernel or the
 * tools miss what the overlay needs (vxlan, iptables statistic, addrtype,
 * conntrack and MASQUERADE, ip/bridge/iptables-restore). dev: the vxlan
 * device, whose presence proves vxlan already. */
void netpush_check(struct strbuf *sb, const char *dev);

struct netpush_peer {
	const char *underlay, *vtep, *mac;	/* dotted quads, "02:..." */
};

struct netpush_route {
	const char *dst, *via;			/* "10.1.2.0/24" via a peer's vtep,
						 * or via NULL: just the device */
};

/* The vxlan device (recreated when its id, port or local address differ),
 * its MTU (uplink's - 50, left in $csw_mtu for the bridges), addresses
 * (/32 each) and one neighbour, FDB entry and /32 route per peer plus the
 * routes to the peers' subnets; entries that are not wanted any more are
 * removed. */
struct netpush_device {
	const char *dev;
	unsigned vni, port;
	const char *local, *mac;		/* underlay address, device MAC */
	const char *const *addrs;		/* the vtep first, then the DNS sets' */
	size_t naddrs;
	const struct netpush_peer *peers;
	size_t npeers;
	const struct netpush_route *routes;
	size_t nroutes;
};
void netpush_device(struct strbuf *sb, const struct netpush_device *d);

/* A stack network's bridge (Linux device `bridge`, hairpin mode on its
 * ports) with this host's subnet and gateway, MTU $csw_mtu, labelled like cswarm's other networks; a bridge of that name
 * with another subnet is replaced when no container uses it (else the
 * script fails naming both subnets). labels: "k=v" words, n of them. */
void netpush_bridge(struct strbuf *sb, const char *cluster_id, const char *name, const char *bridge, const char *subnet, const char *gateway,
		    const char *const *labels, size_t nlabels);

/* A DNS server: container `name` (host network) running dnsmasq from
 * image, answering on listen from the hosts file written at dir/hosts
 * (replaced and reloaded with SIGHUP only when it changed). Containers are
 * labelled cswarm.net.cluster=cluster_id (not cswarm.cluster: they are no
 * tasks). */
void netpush_dns(struct strbuf *sb, const char *cluster_id, const char *name, const char *image,
		 const char *listen, const char *dir, const char *hosts);

/* The hosts file of a DNS server for several networks: the lines of each
 * network's file (n of them, in the set's order) without the names an
 * earlier one gave already, so every name answers as on the first
 * network that has it. */
void netpush_hosts_merge(struct strbuf *out, const char *const *files, size_t n);

/* Remove this cluster's DNS containers whose names are not in keep; with
 * dir (the host's directory), only when keep differs from the last prune
 * there. */
void netpush_dns_prune(struct strbuf *sb, const char *cluster_id, const char *dir,
		       const char *const *keep, size_t nkeep);

/* Load rules (an iptables-restore --noflush document declaring every
 * chain named PREFIX-*), make sure the jumps PREROUTING/OUTPUT/POSTROUTING
 * -> PREFIX-PRE/-OUT/-POST (nat) and DOCKER-USER (or FORWARD) -> PREFIX-FWD
 * exist, first in their chain, then delete PREFIX- chains that rules no
 * longer declares. */
void netpush_rules(struct strbuf *sb, const char *prefix, const char *rules);

/* Skipping a push that would change nothing. A push ends with its seal:
 * it writes the probe (a script printing what the overlay consists of on
 * this host: the device, its routes, neighbours and FDB, the bridges and
 * their ports' hairpin flags, our iptables chains and which rule comes
 * first where we hook in, the DNS servers' processes) to DIR/.probe, and
 * "DIGEST FINGERPRINT" to DIR/.applied, where DIGEST names the push and
 * FINGERPRINT is the cksum of the probe's output. Every observation runs
 * the probe again and prints NETPUSH_SEEN "APPLIED|FINGERPRINT NOW"; the
 * next push with the same digest is skipped when the two fingerprints
 * agree, so a no-op run costs no push, and anything changed by hand (a
 * flushed chain, a deleted route, a DNS server gone) still brings it. A
 * push starts by removing DIR/.applied (netpush_unseal): one that fails
 * halfway is never taken for done. DIR: NETPUSH_DIR/CLUSTER/HOST. */
#define NETPUSH_SEEN "@@cswarm-net "
/* Every part of a push that calls docker or may wait starts by printing
 * NETPUSH_STEP and what it does: a push that fails or times out is
 * reported with the last step it reached (netpush_last_step). */
#define NETPUSH_STEP "@@cswarm-step "
void netpush_step(struct strbuf *sb, const char *what, const char *name);
/* The step of the last NETPUSH_STEP line in out, or NULL. */
char *netpush_last_step(const char *out);
/* NETPUSH_DIR/CLUSTER/HOST: where a host keeps the overlay's files. */
char *netpush_host_dir(const char *cluster_id, const char *host);
/* The text of the NETPUSH_SEEN line that starts at line (just after the
 * marker), or NULL when it is too long to be ours. */
char *netpush_seen_value(const char *line);
void netpush_probe(struct strbuf *sb, const char *dev, const char *prefix,
		   const char *const *bridges, size_t nbridges, const char *const *dns_dirs, size_t ndirs);
void netpush_unseal(struct strbuf *sb, const char *dir);
/* Also prints the NETPUSH_SEEN line for the state just sealed. */
void netpush_seal(struct strbuf *sb, const char *dir, const char *probe, const char *digest);
void netpush_seen_command(struct strbuf *sb, const char *dir);
/* Whether seen (the text after NETPUSH_SEEN) says the push named digest
 * was applied and nothing changed since. */
int netpush_unchanged(const char *seen, const char *digest);

/* Take everything down: jumps, chains, the device, DNS containers, and
 * the host's directory dir (NETPUSH_DIR/CLUSTER/HOST). */
void netpush_teardown(struct strbuf *sb, const char *cluster_id, const char *dir, const char *dev,
		      const char *prefix);

#endif
