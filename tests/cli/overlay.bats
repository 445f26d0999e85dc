#!/usr/bin/env bats
# The overlay as the default (no cswarm_network in the inventory): a
# service on two networks, names that follow a deploy, a host that lacks
# vxlan or the statistic match, a subnet that overlaps a network in use, a
# push that hangs on one host.
# Cluster names ovl*, state and pools of their own: no lock needed.

load helpers

setup_file() {
	cli_setup
	export OVL_DIR=$CSWARM_CLUSTER_DIR/ovlbats
	export INV=$OVL_DIR/inventory OPTS="--cluster ovlbats"
	export STACK=$BATS_TEST_DIRNAME/stacks/net-multi.yml
	mkdir -p "$OVL_DIR"
	ovl_inventory "$OVL_DIR" 10.217.0.0/16 >"$INV"
	"$CSWARM" init -i "$INV" $OPTS >/dev/null
	"$CSWARM" deploy -i "$INV" $OPTS "$STACK" >/dev/null
}

teardown_file() {
	"$CSWARM" stack rm -i "$INV" $OPTS multi >/dev/null 2>&1 || true
	rm -rf "$OVL_DIR"
}

setup() {
	cli_setup
}

teardown() {
	local c
	[ ! -e "$BATS_TEST_TMPDIR/sshd_config.h3" ] || unshim_h3
	cluster_restore_all
	# What a failed test's cluster of its own (ovl_cluster) left behind.
	c=$(cat "$BATS_TEST_TMPDIR/own_cluster" 2>/dev/null) || return 0
	[ ! -e "$CSWARM_CLUSTER_DIR/$c/state/state.json" ] ||
		cluster_remove_objects "$(cluster_id_of "$CSWARM_CLUSTER_DIR/$c/state/state.json")"
	rm -rf "${CSWARM_CLUSTER_DIR:?}/${c:?}"
}

ovl_inventory() {	# STATE_DIR POOL: the cluster's inventory, overlay by default
	grep -v '^cswarm_network=' "$CSWARM_INVENTORY"
	printf 'cswarm_net_pool=%s\ncswarm_net_size=20\ncswarm_state_dir=%s/state\n' "$2" "$1"
}

csw() { "$CSWARM" "$@" -i "$INV" $OPTS; }

# A test's cluster NAME of its own, overlay pool POOL, initialised: its
# directory in $dir, inventory in $inv, id in $id (the caller's locals);
# teardown removes what it leaves.
ovl_cluster() {	# NAME POOL
	dir=$CSWARM_CLUSTER_DIR/$1
	echo "$1" >"$BATS_TEST_TMPDIR/own_cluster"
	mkdir -p "$dir"
	inv=$dir/inventory
	ovl_inventory "$dir" "$2" >"$inv"
	"$CSWARM" init -i "$inv" --cluster "$1" >/dev/null
	id=$(cluster_id_of "$dir/state/state.json")
}

id_of() {	# SERVICE HOST: its running container there
	cluster_docker "$2" ps -q --filter "label=cswarm.service=$1" --filter status=running | head -1
}

in_task() {	# SERVICE HOST SCRIPT
	cluster_docker "$2" exec "$(id_of "$1" "$2")" sh -c "$3"
}

addrs() {	# SERVICE HOST NAME: the addresses NAME resolves to in that task
	in_task "$1" "$2" "nslookup $3" 2>/dev/null | awk '/^Address/ && !/:53$/ { print $2 }' | sort
}

net_ip() {	# SERVICE HOST NETWORK: the task's address on multi_NETWORK
	cluster_docker "$2" inspect -f "{{(index .NetworkSettings.Networks \"multi_$3\").IPAddress}}" \
		"$(id_of "$1" "$2")"
}

# Until NAME resolves in fclient to what CHECK (a shell test on $got)
# accepts: a push reloads dnsmasq with SIGHUP, which returns before it has
# read the file. At most 5 tries, a second apart.
resolves() {	# NAME CHECK
	local got i
	for i in 1 2 3 4 5; do
		got=$(addrs fclient h1 "$1")
		eval "$2" && return 0
		sleep 1
	done
	echo "$1 resolved to: ${got:-nothing}" >&2
	return 1
}

@test "overlay: a service on two networks has a VIP on each, and answers through both" {
	f=$(addrs fclient h1 mapi)
	b=$(addrs bclient h3 mapi)
	[[ $f == 10.217.* && $b == 10.217.* && $f != "$b" ]]
	[ "$(wc -l <<<"$f")" -eq 1 ]
	host=$(cluster_docker h2 exec "$(id_of mapi h2)" hostname 2>/dev/null || true)
	[ -z "$host" ] && host=$(cluster_docker h3 exec "$(id_of mapi h3)" hostname)
	get='printf "GET / HTTP/1.0\r\n\r\n" | nc -w 10 mapi 80 | tail -1'
	[ "$(in_task fclient h1 "$get")" = "$host" ]
	[ "$(in_task bclient h3 "$get")" = "$host" ]
	# tasks.mapi on each network: the task's own address there.
	h=h2; [ -n "$(id_of mapi h2)" ] || h=h3
	[ "$(addrs fclient h1 tasks.mapi)" = "$(net_ip mapi $h front)" ]
	[ "$(addrs bclient h3 tasks.mapi)" = "$(net_ip mapi $h back)" ]
}

@test "overlay: a task on two networks resolves the names of both; a task on one, its network's alone" {
	h=h2; [ -n "$(id_of mapi h2)" ] || h=h3
	[ -n "$(addrs mapi $h bclient)" ]
	# fonly is on front alone, mapi's second network: mapi's own server
	# (the set back+front) answers it as front's does.
	fonly=$(addrs mapi $h fonly)
	[ -n "$fonly" ]
	[ "$fonly" = "$(addrs fclient h1 fonly)" ]
	# A name both networks have answers as on the first (back).
	[ "$(addrs mapi $h mapi)" = "$(addrs bclient h3 mapi)" ]
	# bclient is on back alone: front's names are not its business.
	[ -z "$(addrs bclient h3 fonly)" ]
	in_task mapi $h "ping -c 1 -W 5 $(addrs mapi $h tasks.fonly)" >/dev/null
	# The server mapi's resolver forwards to is the set's, as network
	# inspect shows it.
	ns=$(cluster_docker $h inspect -f '{{range .HostConfig.Dns}}{{.}}{{end}}' "$(id_of mapi $h)")
	csw network inspect multi_front --format json |
		grep -qF "\"dns_sets\":[{\"networks\":\"multi_back+multi_front\",\"address\":\"$ns\"}]"
}

@test "overlay: names follow a deploy within seconds: a new service, a scaled one, a removed one" {
	printf '  late:\n    image: busybox:latest\n    command: ["sleep", "1000000"]\n    networks: [front]\n' |
		cat "$STACK" - >"$BATS_TEST_TMPDIR/late.yml"
	MAPI_REPLICAS=2 csw deploy "$BATS_TEST_TMPDIR/late.yml" >/dev/null
	resolves late '[[ $got == 10.217.* ]]'
	resolves tasks.mapi '[ "$(wc -l <<<"$got")" -eq 2 ]'
	csw deploy --prune "$STACK" >/dev/null
	resolves late '[ -z "$got" ]'
	resolves tasks.mapi '[ "$(wc -l <<<"$got")" -eq 1 ]'
}

@test "overlay: a subnet that overlaps a network in use is refused; that network keeps its range" {
	before=$(csw network ls)
	range=$(awk '$1 == "multi_front" { print $4 }' <<<"$before")
	[[ $range == 10.217.* ]]
	printf 'name: ovr\nservices:\n  a:\n    image: busybox:latest\nnetworks:\n  default:\n    ipam:\n      config: [{subnet: %s}]\n' \
		"$range" >"$BATS_TEST_TMPDIR/ovr.yml"
	run csw deploy "$BATS_TEST_TMPDIR/ovr.yml"
	[ "$status" -ne 0 ]
	[[ $output == *"stack ovr: network default: subnet $range overlaps another network in use: multi_front"* ]]
	[ "$(csw network ls)" = "$before" ]
	[ -z "$(cluster_docker h1 ps -aq --filter name=ovr_)" ]
}

# PATH shims on h3 through its sshd, as a host with other tools would
# have: each TOOL argument is a shim_TOOL function that prints the shim.
shim_h3() {	# TOOL...
	local cfg=$CSWARM_CLUSTER_DIR/h3/sshd_config d=$BATS_TEST_TMPDIR/shim t
	mkdir -p "$d"
	for t in "$@"; do
		"shim_$t" >"$d/$t"
		chmod 755 "$d/$t"
	done
	cp "$cfg" "$BATS_TEST_TMPDIR/sshd_config.h3"
	sed -i "s|^SetEnv DOCKER_HOST=\(.*\)\$|SetEnv DOCKER_HOST=\1 PATH=$d:/usr/bin:/bin:/usr/sbin:/sbin|" "$cfg"
	cluster_stop_sshd h3 && cluster_start_sshd h3
}

# An `ip` that cannot make a vxlan device.
shim_ip() {
	printf '#!/bin/sh\ncase " $* " in *" type vxlan "*) echo "Error: Unknown device type." >&2; exit 2 ;; esac\nexec %s "$@"\n' \
		"$(command -v ip)"
}

# An `iptables` without the statistic match.
shim_iptables() {
	printf '#!/bin/sh\ncase " $* " in *" -m statistic "*) echo "iptables: Couldn'"'"'t load match \\`statistic'"'"'" >&2; exit 2 ;; esac\nexec %s "$@"\n' \
		"$(command -v iptables)"
}

# A `docker` that hangs starting a DNS server (40 s, then fails: a push
# left behind changes nothing).
shim_docker() {
	printf '#!/bin/sh\ncase " $* " in *" run -d --name csw-dns-"*) sleep 40; exit 1 ;; esac\nexec %s "$@"\n' \
		"$(command -v docker)"
}

unshim_h3() {
	cp "$BATS_TEST_TMPDIR/sshd_config.h3" "$CSWARM_CLUSTER_DIR/h3/sshd_config"
	rm -f "$BATS_TEST_TMPDIR/sshd_config.h3"
	cluster_stop_sshd h3 && cluster_start_sshd h3
}

nothing_of() {	# CLUSTER_ID: no container, device, chain or DNS server of it on any host
	local h
	for h in $CLUSTER_HOSTS; do
		[ -z "$(cluster_docker "$h" ps -aq --filter "label=cswarm.cluster=$1")" ]
		[ -z "$(cluster_docker "$h" ps -aq --filter "label=cswarm.net.cluster=$1")" ]
		! cluster_in_host "$h" ip link show "cswvx-${1:0:8}" >/dev/null 2>&1 || false
		! cluster_in_host "$h" iptables-save | grep -q "CSW${1:0:6}" || false
	done
}

@test "overlay: a host without vxlan or the statistic match fails the deploy by name, nothing applied; stack rm takes it all down" {
	local dir inv id
	ovl_cluster ovlchk 10.218.0.0/16
	shim_h3 ip iptables
	run "$CSWARM" deploy -i "$inv" --cluster ovlchk "$BATS_TEST_DIRNAME/stacks/net-other.yml"
	[ "$status" -ne 0 ]
	[[ $output == *"h3: overlay check (nothing was changed): cswarm: the overlay needs what this host lacks: vxlan(kernel module) iptables-statistic"* ]]
	[[ $output != *"h1: overlay check"* && $output != *"h2: overlay check"* ]]
	nothing_of "$id"
	unshim_h3
	run "$CSWARM" deploy -i "$inv" --cluster ovlchk "$BATS_TEST_DIRNAME/stacks/net-other.yml"
	[ "$status" -eq 0 ]
	cluster_in_host h3 ip link show "cswvx-${id:0:8}" >/dev/null
	# A host is checked once (the state records it): the shims back, a
	# reconcile makes no check round and passes.
	grep -q '"checked/h3":"1"' "$dir/state/state.json"
	shim_h3 ip iptables
	run "$CSWARM" reconcile -i "$inv" --cluster ovlchk
	[ "$status" -eq 0 ]
	[[ $output != *"overlay check"* ]]
	unshim_h3
	"$CSWARM" stack rm -i "$inv" --cluster ovlchk other >/dev/null
	nothing_of "$id"		# the last stack gone, so is the overlay
	rm -rf "$dir"
}

@test "overlay: a push that hangs on one host fails there naming its step; the other hosts go on" {
	local dir inv id
	ovl_cluster ovlhang 10.219.0.0/16
	shim_h3 docker
	run "$CSWARM" deploy -i "$inv" --cluster ovlhang --timeout 20s "$BATS_TEST_DIRNAME/stacks/net-other.yml"
	[ "$status" -eq 1 ]
	[[ $output == *"h3: overlay: command timed out after 20000 ms (at the step: DNS server csw-dns-${id:0:8}-"* ]]
	[[ $output != *"h1: overlay"* && $output != *"h2: overlay"* ]]
	[ -n "$(cluster_docker h2 ps -q --filter "label=cswarm.cluster=$id" --filter status=running)" ]
	unshim_h3
	run "$CSWARM" deploy -i "$inv" --cluster ovlhang "$BATS_TEST_DIRNAME/stacks/net-other.yml"
	[ "$status" -eq 0 ]
	[ -n "$(cluster_docker h3 ps -q --filter "label=cswarm.net.cluster=$id" --filter status=running)" ]
	"$CSWARM" stack rm -i "$inv" --cluster ovlhang other >/dev/null
	nothing_of "$id"
	rm -rf "$dir"
}
