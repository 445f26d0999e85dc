/* The overlay's shell scripts: see docker/netpush.h. Lines run under
 * `set -e` (engine/net_push.c starts the script with it). */
#include "docker/netpush.h"
#include "util/shell.h"
#include "util/util.h"

#include <search.h>
#include <stdlib.h>
#include <string.h>

#define HEREDOC_END "CSWARM_EOF"

int netpush_is_overlay(const struct network *n)
{
	return !n->external && (!n->driver || streq(n->driver, "overlay") || streq(n->driver, "bridge"));
}

void netpush_step(struct strbuf *sb, const char *what, const char *name)
{
	char *line = xasprintf(NETPUSH_STEP "%s %s", what, name);
	sb_adds(sb, "echo");
	sh_arg(sb, line);
	sb_addc(sb, '\n');
	free(line);
}

char *netpush_last_step(const char *out)
{
	const char *last = NULL;
	for (const char *at = out; (at = strstr(at, NETPUSH_STEP)); at += strlen(NETPUSH_STEP))
		if (at == out || at[-1] == '\n')
			last = at + strlen(NETPUSH_STEP);
	return last ? xstrndup(last, strcspn(last, "\n")) : NULL;
}

void netpush_check(struct strbuf *sb, const char *dev)
{
	sb_adds(sb, "csw_missing=\n"
		"for csw_tool in ip bridge iptables iptables-restore iptables-save cksum docker; do\n"
		"\tcommand -v \"$csw_tool\" >/dev/null 2>&1 || csw_missing=\"$csw_missing $csw_tool(command)\"\n"
		"done\n"
		"if ! ip link show");
	sh_arg(sb, dev);
	sb_adds(sb, " >/dev/null 2>&1; then\n"
		"\tif ip link add cswprobe$$ type vxlan id 1 dstport 0 2>/dev/null; then ip link del cswprobe$$\n"
		"\telse csw_missing=\"$csw_missing vxlan(kernel module)\"; fi\n"
		"fi\n"
		"iptables -t nat -N CSWPROBE$$ 2>/dev/null || true\n"
		"for csw_m in 'statistic:-m statistic --mode random --probability 0.5 -j RETURN' "
		"'addrtype:-m addrtype --dst-type LOCAL -j RETURN' "
		"'conntrack:-m conntrack --ctstate DNAT -j RETURN' 'MASQUERADE:-p tcp -j MASQUERADE' "
		"'DNAT:-p tcp -j DNAT --to-destination 127.0.0.1:1'; do\n"
		"\t# shellcheck disable=SC2086\n"
		"\tiptables -t nat -A CSWPROBE$$ ${csw_m#*:} 2>/dev/null ||"
		" csw_missing=\"$csw_missing iptables-${csw_m%%:*}\"\n"
		"done\n"
		"iptables -t nat -F CSWPROBE$$ 2>/dev/null; iptables -t nat -X CSWPROBE$$ 2>/dev/null || true\n"
		"[ -z \"$csw_missing\" ] || { echo \"cswarm: the overlay needs what this host lacks:"
		"$csw_missing\" >&2; exit 1; }\n");
}

/* `... | while read -r csw_x csw_rest; do case ' keep ' in *" $csw_x "*) ;; *) del;; esac; done` */
static void prune_lines(struct strbuf *sb, const char *list_cmd, const struct strbuf *keep,
			const char *del_cmd)
{
	sb_addf(sb, "%s | while read -r csw_x csw_y csw_z csw_rest; do case", list_cmd);
	struct strbuf padded = STRBUF_INIT;
	sb_addf(&padded, " %s ", sb_str(keep));
	sh_arg(sb, padded.buf);
	sb_addf(sb, " in *\" $csw_x \"*) ;; *) %s ;; esac; done\n", del_cmd);
	sb_free(&padded);
}

static void device_link(struct strbuf *sb, const struct netpush_device *d)
{
	sb_adds(sb, "csw_uplink=$(ip -o -4 addr show | awk -v a=");
	sh_quote(sb, d->local);
	sb_adds(sb, " '{ split($4, p, \"/\"); if (p[1] == a) { print $2; exit } }')\n"
		"[ -n \"$csw_uplink\" ] || { echo \"cswarm: no interface has the overlay address\"");
	sh_arg(sb, d->local);
	sb_adds(sb, "\" (cswarm_net_address)\" >&2; exit 1; }\n"
		/* ip, not /sys: /sys may show another network namespace */
		"csw_mtu=$(( $(ip -o link show dev \"$csw_uplink\" | sed 's/.* mtu \\([0-9]*\\).*/\\1/') - 50 ))\n"
		"if ! ip -d link show");
	sh_arg(sb, d->dev);
	sb_adds(sb, " 2>/dev/null | grep -q");
	char *want = xasprintf("vxlan id %u local %s .*dstport %u ", d->vni, d->local, d->port);
	sh_arg(sb, want);
	free(want);
	sb_adds(sb, "; then\n\tip link del");
	sh_arg(sb, d->dev);
	sb_adds(sb, " 2>/dev/null || true\n\tip link add");
	sh_arg(sb, d->dev);
	sb_addf(sb, " address %s type vxlan id %u local", d->mac, d->vni);
	sh_arg(sb, d->local);
	sb_addf(sb, " dstport %u nolearning\nfi\nip link set", d->port);
	sh_arg(sb, d->dev);
	sb_addf(sb, " address %s mtu \"$csw_mtu\" up\n", d->mac);
}

void netpush_device(struct strbuf *sb, const struct netpush_device *d)
{
	netpush_step(sb, "vxlan device", d->dev);
	struct strbuf ipb = STRBUF_INIT, fdb = STRBUF_INIT, want_routes = STRBUF_INIT,
		      want_neigh = STRBUF_INIT, want_fdb = STRBUF_INIT, want_addrs = STRBUF_INIT;
	const char *dev = d->dev;
	device_link(sb, d);
	/* Addresses and MACs are ours (dotted quads, hex): no quoting needed
	 * inside the batch files. */
	for (size_t i = 0; i < d->naddrs; i++) {
		sb_addf(&ipb, "address replace %s/32 dev %s\n", d->addrs[i], dev);
		sb_addf(&want_addrs, "%s%s/32", i ? " " : "", d->addrs[i]);
	}
	for (size_t i = 0; i < d->npeers; i++) {
		const struct netpush_peer *p = &d->peers[i];
		sb_addf(&ipb, "neigh replace %s lladdr %s dev %s nud permanent\n", p->vtep, p->mac, dev);
		sb_addf(&ipb, "route replace %s/32 dev %s\n", p->vtep, dev);
		sb_addf(&fdb, "fdb replace %s dev %s dst %s self permanent\n", p->mac, dev, p->underlay);
		sb_addf(&want_routes, "%s%s", i ? " " : "", p->vtep);
		sb_addf(&want_neigh, "%s%s", i ? " " : "", p->vtep);
		sb_addf(&want_fdb, "%s%s", i ? " " : "", p->mac);
	}
	for (size_t i = 0; i < d->nroutes; i++) {
		const struct netpush_route *r = &d->routes[i];
		if (r->via)
			sb_addf(&ipb, "route replace %s via %s dev %s onlink\n", r->dst, r->via, dev);
		else
			sb_addf(&ipb, "route replace %s dev %s\n", r->dst, dev);
		sb_addf(&want_routes, " %s", r->dst);
	}
	sb_addf(sb, "ip -batch - <<'" HEREDOC_END "'\n%s" HEREDOC_END "\n", sb_str(&ipb));
	sb_addf(sb, "bridge -batch - <<'" HEREDOC_END "'\n%s" HEREDOC_END "\n", sb_str(&fdb));
	char *list = xasprintf("ip -o -4 addr show dev %s | awk '{ print $4 }'", dev),
	     *del = xasprintf("ip addr del \"$csw_x\" dev %s", dev);
	prune_lines(sb, list, &want_addrs, del);
	free(list);
	free(del);
	list = xasprintf("ip route show dev %s", dev);
	del = xasprintf("ip route del \"$csw_x\" dev %s", dev);
	prune_lines(sb, list, &want_routes, del);
	free(list);
	free(del);
	list = xasprintf("ip neigh show dev %s", dev);
	del = xasprintf("ip neigh del \"$csw_x\" dev %s", dev);
	prune_lines(sb, list, &want_neigh, del);
	free(list);
	free(del);
	list = xasprintf("bridge fdb show dev %s", dev);
	del = xasprintf("bridge fdb del \"$csw_x\" dev %s ${csw_z:+dst \"$csw_z\"} self", dev);
	prune_lines(sb, list, &want_fdb, del);
	free(list);
	free(del);
	sb_free(&ipb);
	sb_free(&fdb);
	sb_free(&want_routes);
	sb_free(&want_neigh);
	sb_free(&want_fdb);
	sb_free(&want_addrs);
}

void netpush_bridge(struct strbuf *sb, const char *cluster_id, const char *name, const char *bridge,
		    const char *subnet, const char *gateway, const char *const *labels, size_t nlabels)
{
	netpush_step(sb, "network", name);
	/* The bridge up with our gateway is our network with our subnet (its
	 * name comes from the cluster's id): no docker call. Else one inspect
	 * for owner and subnet: every docker call costs a push. */
	const char *len = strchr(subnet, '/');
	char *have = xasprintf(" %s%s ", gateway, len ? len : "");
	sb_adds(sb, "if ! ip -o -4 addr show dev");
	sh_arg(sb, bridge);
	sb_adds(sb, " 2>/dev/null | grep -qF --");
	sh_arg(sb, have);
	free(have);
	sb_adds(sb, "; then\n");
	sb_adds(sb, "csw_ni=$(docker network inspect -f "
		"'{{index .Labels \"cswarm.cluster\"}}|{{range .IPAM.Config}}{{.Subnet}} {{end}}'");
	sh_arg(sb, name);
	sb_adds(sb, " 2>/dev/null) || csw_ni='-|'\n"
		"csw_owner=${csw_ni%%|*} csw_sub=${csw_ni#*|}\n"
		"[ \"$csw_owner\" = - ] || [ \"$csw_owner\" =");
	sh_arg(sb, cluster_id);
	sb_adds(sb, " ] || { echo \"cswarm: network\"");
	sh_arg(sb, name);
	sb_adds(sb, "\" exists and was not created by this cluster\" >&2; exit 1; }\n"
		"if [ -n \"$csw_sub\" ] && [ \"$csw_sub\" !=");
	char *want = xasprintf("%s ", subnet);
	sh_arg(sb, want);
	free(want);
	sb_adds(sb, " ]; then\n\tif [ -n \"$(docker network inspect -f '{{range $k, $v := .Containers}}{{$k}}{{end}}'");
	sh_arg(sb, name);
	sb_adds(sb, ")\" ]; then\n\t\techo \"cswarm: network\"");
	sh_arg(sb, name);
	sb_adds(sb, "\" has subnet $csw_sub here and the overlay gives it\"");
	sh_arg(sb, subnet);
	sb_adds(sb, "\": remove its containers (cswarm stack rm) and deploy again\" >&2\n\t\texit 1\n\tfi\n"
		"\tdocker network rm");
	sh_arg(sb, name);
	sb_adds(sb, " >/dev/null\n\tcsw_sub=\nfi\nif [ -z \"$csw_sub\" ]; then\n"
		"\tdocker network create --driver bridge --subnet");
	sh_arg(sb, subnet);
	sb_adds(sb, " --gateway");
	sh_arg(sb, gateway);
	sb_adds(sb, " --opt \"com.docker.network.driver.mtu=$csw_mtu\" --opt");
	char *opt = xasprintf("com.docker.network.bridge.name=%s", bridge);
	sh_arg(sb, opt);
	free(opt);
	for (size_t i = 0; i < nlabels; i++) {
		sb_adds(sb, " --label");
		sh_arg(sb, labels[i]);
	}
	sb_adds(sb, " --");
	sh_arg(sb, name);
	sb_adds(sb, " >/dev/null\nfi\nfi\n");
	/* A task calling its own VIP is DNATed back to itself on the bridge
	 * (br_netfilter): its port must send frames back where they came from. */
	sb_adds(sb, "for csw_p in $(ip -o link show master");
	sh_arg(sb, bridge);
	sb_adds(sb, " | awk -F': ' '{ sub(/@.*/, \"\", $2); print $2 }'); do\n"
		"\tbridge -d link show dev \"$csw_p\" | grep -q 'hairpin on' || bridge link set dev \"$csw_p\" hairpin on\n"
		"done\n");
}

/* The server (re)created by docker when it is not running with this spec;
 * its pid and spec kept in $csw_d for the next push and the probe. */
static void dns_by_docker(struct strbuf *sb, const char *cluster_id, const char *name, const char *image,
			  const char *listen, const char *spec)
{
	char *running = xasprintf("true %s", spec);
	sb_adds(sb, "\tcsw_di=$(docker inspect -f '{{.State.Running}} {{index .Config.Labels \"cswarm.net.spec\"}}|{{.State.Pid}}'");
	sh_arg(sb, name);
	sb_adds(sb, " 2>/dev/null) || csw_di=\n\tif [ \"${csw_di%|*}\" !=");
	sh_arg(sb, running);
	sb_adds(sb, " ]; then\n\t\t[ -z \"$csw_di\" ] || docker rm -f");
	sh_arg(sb, name);
	sb_adds(sb, " >/dev/null 2>&1 || true\n\t\tdocker run -d --name");
	sh_arg(sb, name);
	sb_adds(sb, " --restart always --network host --label");
	char *label = xasprintf("cswarm.net.cluster=%s", cluster_id);
	sh_arg(sb, label);
	free(label);
	label = xasprintf("cswarm.net.spec=%s", spec);
	sb_adds(sb, " --label");
	sh_arg(sb, label);
	free(label);
	sb_adds(sb, " -v \"$csw_d:/etc/cswarm:ro\" --entrypoint dnsmasq --");
	sh_arg(sb, image);
	sb_adds(sb, " --keep-in-foreground --log-facility=- --no-hosts --addn-hosts=/etc/cswarm/hosts"
		" --bind-dynamic --local-ttl=1 --no-negcache --listen-address=");
	sh_quote(sb, listen);
	sb_adds(sb, " >/dev/null\n\t\tcsw_di=$(docker inspect -f '|{{.State.Pid}}'");
	sh_arg(sb, name);
	sb_adds(sb, ")\n\telif [ -n \"$csw_hup\" ]; then\n\t\tdocker kill -s HUP");
	sh_arg(sb, name);
	sb_adds(sb, " >/dev/null\n\tfi\n\techo \"${csw_di##*|}\" >\"$csw_d/.pid\"\n\tprintf '%s\\n'");
	sh_arg(sb, spec);
	sb_adds(sb, " >\"$csw_d/.spec\"\n");
	free(running);
}

void netpush_dns(struct strbuf *sb, const char *cluster_id, const char *name, const char *image,
		 const char *listen, const char *dir, const char *hosts)
{
	netpush_step(sb, "DNS server", name);
	char *spec = xasprintf("%s %s", image, listen);
	sb_adds(sb, "csw_d=");
	sh_quote(sb, dir);
	sb_addf(sb, "\nmkdir -p \"$csw_d\"\ncat >\"$csw_d/hosts.new\" <<'" HEREDOC_END "'\n%s" HEREDOC_END "\n"
		"if cmp -s \"$csw_d/hosts.new\" \"$csw_d/hosts\"; then rm -f \"$csw_d/hosts.new\"; csw_hup=\n"
		"else mv -f \"$csw_d/hosts.new\" \"$csw_d/hosts\"; csw_hup=1; fi\n", hosts);
	/* The server of the last push still alive with the same spec: no
	 * docker call (a reload is a signal). The pid is the host's view of
	 * the container's dnsmasq; where /proc does not show it, docker. */
	sb_adds(sb, "csw_pid=$(cat \"$csw_d/.pid\" 2>/dev/null) || csw_pid=\n"
		"if [ -n \"$csw_pid\" ] && [ \"$(cat \"/proc/$csw_pid/comm\" 2>/dev/null)\" = dnsmasq ] &&\n"
		"   [ \"$(cat \"$csw_d/.spec\" 2>/dev/null)\" =");
	sh_arg(sb, spec);
	sb_adds(sb, " ]; then\n\t[ -z \"$csw_hup\" ] || kill -HUP \"$csw_pid\" 2>/dev/null || docker kill -s HUP");
	sh_arg(sb, name);
	sb_adds(sb, " >/dev/null\nelse\n");
	dns_by_docker(sb, cluster_id, name, image, listen, spec);
	sb_adds(sb, "fi\n");
	free(spec);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void keep_node(void *node)
{
	(void)node;	/* the names are freed from their array */
}

/* The names of line (after its address) that tree lacks, as " a b", each
 * also appended to names (owned there). */
static void new_names(const char *line, size_t len, void *const *tree, char ***names, size_t *n,
		      size_t *cap, struct strbuf *kept)
{
	for (const char *w = line; w < line + len;) {
		w += strspn(w, " ");
		size_t wn = strcspn(w, " \n");
		if (!wn)
			break;
		char *name = xstrndup(w, wn);
		if (tfind(name, tree, cmp_name)) {
			free(name);
		} else {
			sb_addf(kept, " %s", name);
			GROW(*names, *cap, *n + 1);
			(*names)[(*n)++] = name;
		}
		w += wn;
	}
}

void netpush_hosts_merge(struct strbuf *out, const char *const *files, size_t n)
{
	void *before = NULL;	/* the names of the files merged so far */
	char **names = NULL;
	size_t nnames = 0, cap = 0, merged = 0;
	for (size_t f = 0; f < n; f++) {
		for (const char *line = files[f]; *line;) {
			size_t len = strcspn(line, "\n"), ip = strcspn(line, " ");
			struct strbuf kept = STRBUF_INIT;
			if (ip < len)
				new_names(line + ip, len - ip, &before, &names, &nnames, &cap, &kept);
			if (kept.len) {
				sb_add(out, line, ip);
				sb_addf(out, "%s\n", kept.buf);
			}
			sb_free(&kept);
			line += len + (line[len] == '\n');
		}
		for (; merged < nnames; merged++)
			if (!tsearch(names[merged], &before, cmp_name))
				die("out of memory");
	}
	tdestroy(before, keep_node);
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
}

static void cluster_dns_list(struct strbuf *sb, const char *cluster_id)
{
	char *filter = xasprintf("label=cswarm.net.cluster=%s", cluster_id);
	sb_adds(sb, "docker ps -a --format '{{.Names}}' --filter");
	sh_arg(sb, filter);
	free(filter);
}

void netpush_dns_prune(struct strbuf *sb, const char *cluster_id, const char *dir,
		       const char *const *keep, size_t nkeep)
{
	netpush_step(sb, "prune of the DNS servers of cluster", cluster_id);
	struct strbuf list = STRBUF_INIT, want = STRBUF_INIT, done = STRBUF_INIT;
	cluster_dns_list(&list, cluster_id);
	for (size_t i = 0; i < nkeep; i++)
		sb_addf(&want, "%s%s", i ? " " : "", keep[i]);
	/* What the last prune kept is in dir/.dns: the same list again needs
	 * no listing (a server gone since is the DNS block's business). */
	char *file = dir ? xasprintf("%s/.dns", dir) : NULL;
	if (file) {
		sb_addf(&done, "keep: %s", sb_str(&want));
		sb_adds(sb, "if [ \"$(cat");
		sh_arg(sb, file);
		sb_adds(sb, " 2>/dev/null)\" !=");
		sh_arg(sb, done.buf);
		sb_adds(sb, " ]; then\n");
	}
	prune_lines(sb, sb_str(&list), &want, "docker rm -f \"$csw_x\" >/dev/null");
	if (file) {
		sb_adds(sb, "mkdir -p");
		sh_arg(sb, dir);
		sb_adds(sb, "; printf '%s\\n'");
		sh_arg(sb, done.buf);
		sb_adds(sb, " >");
		sh_arg(sb, file);
		sb_adds(sb, "\nfi\n");
	}
	free(file);
	sb_free(&list);
	sb_free(&want);
	sb_free(&done);
}

/* The jumps into our chains, each kept first in its chain: Docker inserts
 * its own rules at the top when it creates a network or restarts. */
static void jumps(struct strbuf *sb, const char *prefix)
{
	sb_adds(sb, "csw_first() {\n"
		"\t[ \"$(iptables -t \"$1\" -S \"$2\" | sed -n 2p)\" = \"-A $2 -j $3\" ] && return 0\n"
		"\twhile iptables -t \"$1\" -D \"$2\" -j \"$3\" 2>/dev/null; do :; done\n"
		"\tiptables -t \"$1\" -I \"$2\" 1 -j \"$3\"\n}\n");
	sb_addf(sb, "csw_first nat PREROUTING %s-PRE\ncsw_first nat OUTPUT %s-OUT\n"
		"csw_first nat POSTROUTING %s-POST\ncsw_fwd=FORWARD\n"
		"iptables -S DOCKER-USER >/dev/null 2>&1 && csw_fwd=DOCKER-USER\n"
		"csw_first filter \"$csw_fwd\" %s-FWD\n", prefix, prefix, prefix, prefix);
}

static void chains_of(const char *rules, struct strbuf *out)
{
	for (const char *line = rules; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (*line != ':')
			continue;
		size_t n = strcspn(line + 1, " \n");
		sb_addf(out, "%s%.*s", out->len ? " " : "", (int)n, line + 1);
	}
}

static void prune_chains(struct strbuf *sb, const char *prefix, const struct strbuf *keep)
{
	for (int t = 0; t < 2; t++) {
		const char *table = t ? "filter" : "nat";
		char *list = xasprintf("iptables -t %s -S | sed -n 's/^-N \\(%s-[A-Za-z0-9]*\\)$/\\1/p'", table, prefix);
		char *del = xasprintf("iptables -t %s -F \"$csw_x\"; iptables -t %s -X \"$csw_x\"", table, table);
		prune_lines(sb, list, keep, del);
		free(list);
		free(del);
	}
}

void netpush_rules(struct strbuf *sb, const char *prefix, const char *rules)
{
	netpush_step(sb, "firewall chains", prefix);
	struct strbuf keep = STRBUF_INIT;
	sb_addf(sb, "iptables-restore --noflush <<'" HEREDOC_END "'\n%s" HEREDOC_END "\n", rules);
	jumps(sb, prefix);
	chains_of(rules, &keep);
	prune_chains(sb, prefix, &keep);
	sb_free(&keep);
}

void netpush_teardown(struct strbuf *sb, const char *cluster_id, const char *dir, const char *dev,
		      const char *prefix)
{
	netpush_step(sb, "teardown of", dev);
	static const char *const hooks[][3] = {
		{ "nat", "PREROUTING", "PRE" }, { "nat", "OUTPUT", "OUT" }, { "nat", "POSTROUTING", "POST" },
		{ "filter", "DOCKER-USER", "FWD" }, { "filter", "FORWARD", "FWD" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(hooks); i++)
		sb_addf(sb, "while iptables -t %s -D %s -j %s-%s 2>/dev/null; do :; done\n",
			hooks[i][0], hooks[i][1], prefix, hooks[i][2]);
	struct strbuf none = STRBUF_INIT;
	/* Flush all before deleting any: they jump to each other. */
	for (int t = 0; t < 2; t++)
		sb_addf(sb, "for csw_c in $(iptables -t %s -S | sed -n 's/^-N \\(%s-[A-Za-z0-9]*\\)$/\\1/p'); do "
			"iptables -t %s -F \"$csw_c\"; done\n", t ? "filter" : "nat", prefix, t ? "filter" : "nat");
	prune_chains(sb, prefix, &none);
	sb_adds(sb, "ip link del");
	sh_arg(sb, dev);
	sb_adds(sb, " 2>/dev/null || true\n");
	netpush_dns_prune(sb, cluster_id, NULL, NULL, 0);
	/* This host's directory only: hosts that share a filesystem (the
	 * local test cluster) tear down at the same time. */
	sb_adds(sb, "rm -rf");
	sh_arg(sb, dir);
	sb_addc(sb, '\n');
	sb_free(&none);
}

/* --- the seal ------------------------------------------------------------------ */

void netpush_probe(struct strbuf *sb, const char *dev, const char *prefix,
		   const char *const *bridges, size_t nbridges, const char *const *dns_dirs, size_t ndirs)
{
	static const char *const of_dev[] = {
		"ip -d -o link show dev", "ip -o -4 addr show dev", "ip route show dev",
		"ip neigh show dev", "bridge fdb show dev",
	};
	for (size_t i = 0; i < ARRAY_SIZE(of_dev); i++) {
		sb_adds(sb, of_dev[i]);
		sh_arg(sb, dev);
		sb_addc(sb, '\n');
	}
	struct strbuf set = STRBUF_INIT;
	for (size_t i = 0; i < nbridges; i++) {
		sb_adds(sb, "ip -o link show dev");
		sh_arg(sb, bridges[i]);
		sb_adds(sb, "\nip -o link show master");
		sh_arg(sb, bridges[i]);
		sb_addc(sb, '\n');
		sb_addf(&set, " %s", bridges[i]);
	}
	sb_addc(&set, ' ');
	/* The hairpin flag of every port of our bridges. */
	sb_adds(sb, "bridge -d link show | awk -v b=");
	sh_quote(sb, set.buf);
	sb_adds(sb, " '/^[0-9]/ { port = \"\"; for (i = 1; i < NF; i++) "
		"if ($i == \"master\" && index(b, \" \" $(i + 1) \" \")) port = $2 }\n"
		"port && /hairpin/ { print port, ($0 ~ /hairpin on/) }'\n");
	/* Our chains whole, and which rule comes first in each chain we hook. */
	sb_adds(sb, "{ iptables-save -t nat; iptables-save -t filter; } | sed 's/ \\[[0-9]*:[0-9]*\\]$//' | awk -v p=");
	char *word = xasprintf("%s-", prefix);
	sh_quote(sb, word);
	free(word);
	sb_adds(sb, " 'index($0, p) { print }\n"
		"/^-A (PREROUTING|OUTPUT|POSTROUTING|FORWARD|DOCKER-USER) / && !seen[$2]++ { print \"first\", $0 }'\n");
	for (size_t i = 0; i < ndirs; i++) {
		sb_adds(sb, "cat \"/proc/$(cat");
		char *pidfile = xasprintf("%s/.pid", dns_dirs[i]);
		sh_arg(sb, pidfile);
		free(pidfile);
		sb_adds(sb, ")/comm\"\n");
	}
	sb_free(&set);
}

char *netpush_host_dir(const char *cluster_id, const char *host)
{
	return xasprintf("%s/%s/%s", NETPUSH_DIR, cluster_id, host);
}

/* Longer is no line of ours: "DIGEST CRC SIZE|CRC SIZE". */
#define SEEN_MAX 200

char *netpush_seen_value(const char *line)
{
	size_t n = strcspn(line, "\n");
	return n <= SEEN_MAX ? xstrndup(line, n) : NULL;
}

static void probe_files(struct strbuf *sb, const char *dir)
{
	sb_adds(sb, "csw_s=");
	sh_quote(sb, dir);
	sb_addc(sb, '\n');
}

void netpush_unseal(struct strbuf *sb, const char *dir)
{
	probe_files(sb, dir);
	sb_adds(sb, "rm -f \"$csw_s/.applied\"\n");
}

void netpush_seal(struct strbuf *sb, const char *dir, const char *probe, const char *digest)
{
	probe_files(sb, dir);
	sb_addf(sb, "mkdir -p \"$csw_s\"\ncat >\"$csw_s/.probe\" <<'" HEREDOC_END "'\n%s" HEREDOC_END "\n"
		"csw_fp=$(sh \"$csw_s/.probe\" 2>&1 | cksum)\n"
		"echo '%s' \"$csw_fp\" >\"$csw_s/.applied\"\n"
		"echo \"" NETPUSH_SEEN "%s $csw_fp|$csw_fp\"\n", probe, digest, digest);
}

void netpush_seen_command(struct strbuf *sb, const char *dir)
{
	probe_files(sb, dir);
	sb_adds(sb, "[ ! -f \"$csw_s/.probe\" ] || echo \"" NETPUSH_SEEN
		"$(cat \"$csw_s/.applied\" 2>/dev/null)|$(sh \"$csw_s/.probe\" 2>&1 | cksum)\"\n");
}

int netpush_unchanged(const char *seen, const char *digest)
{
	if (!seen || !digest)
		return 0;
	size_t d = strlen(digest);
	const char *bar = strchr(seen, '|');
	if (!bar || strncmp(seen, digest, d) != 0 || seen[d] != ' ')
		return 0;
	const char *then = seen + d + 1, *now = bar + 1;
	return (size_t)(bar - then) == strlen(now) && strncmp(then, now, strlen(now)) == 0 && *now;
}
