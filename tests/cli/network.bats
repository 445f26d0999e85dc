#!/usr/bin/env bats
# Cross-host service networking on the local cluster (the overlay, on by default):
# DNS names, VIP load balancing, the routing mesh, isolation, MTU, rolling
# updates without a failed request, repair and idempotence. One stack is
# deployed for the whole file (cluster "netbats", its own state dir and
# overlay pool 10.215.0.0/16), so no lock is needed.

load helpers

setup_file() {
	cli_setup
	export NET_DIR=$CSWARM_CLUSTER_DIR/netbats
	export INV=$NET_DIR/inventory OPTS="--cluster netbats"
	mkdir -p "$NET_DIR"
	{ cat "$CSWARM_INVENTORY"; cat <<-EOF
	cswarm_net_pool=10.215.0.0/16
	cswarm_net_size=20
	cswarm_state_dir=$NET_DIR/state
	EOF
	} >"$INV"
	"$CSWARM" init -i "$INV" $OPTS >/dev/null
	"$CSWARM" deploy -i "$INV" $OPTS "$BATS_TEST_DIRNAME/stacks/net.yml" >/dev/null
}

teardown_file() {
	"$CSWARM" stack rm -i "$INV" $OPTS other >/dev/null 2>&1 || true
	"$CSWARM" stack rm -i "$INV" $OPTS shop >/dev/null 2>&1 || true
	rm -rf "$NET_DIR"
}

setup() {
	cli_setup
}

teardown() {
	cluster_restore_all
}

csw() { "$CSWARM" "$@" -i "$INV" $OPTS; }

id_of() {	# SERVICE HOST: id of the running container of shop_SERVICE there
	cluster_docker "$2" ps -q --filter "label=cswarm.service=$1" --filter status=running | head -1
}

client() {	# sh -c SCRIPT in the client container on h1
	cluster_docker h1 exec "$(id_of client h1)" sh -c "$1"
}

task_ip() {	# SERVICE HOST: its task's address on shop_default
	cluster_docker "$2" inspect -f '{{(index .NetworkSettings.Networks "shop_default").IPAddress}}' \
		"$(id_of "$1" "$2")"
}

vip() { client "nslookup $1" | awk '/^Address/ && !/:53$/ { print $2 }'; }

# The body of http://HOST/PATH, fetched inside a container with nc: the
# test image's busybox wget (static glibc) segfaults in these containers.
get() {	# HOST [PATH [PORT]]
	echo "printf 'GET /${2:-} HTTP/1.0\r\n\r\n' | nc -w 10 $1 ${3:-80} | sed '1,/^\r\?\$/d'"
}

# What a second push must leave as it is, on every host.
net_snapshot() {
	local h
	for h in $CLUSTER_HOSTS; do
		cluster_in_host "$h" sh -c 'iptables-save | grep -v "^#" | sed "s/\[[0-9]*:[0-9]*\]//g"
			ip route; for d in $(ip -o link show type vxlan | awk -F": " "{ print \$2 }"); do
			ip -d link show "$d" | sed -n 2,3p; ip neigh show dev "$d" | sort; bridge fdb show dev "$d" | sort; done'
	done
}

@test "network: svc resolves to one VIP; 20 requests from h1 reach both tasks on h2 and h3" {
	v=$(vip api)
	[[ $v == 10.215.* ]]
	[ "$(vip shop_api)" = "$v" ]
	[ "$(vip backend)" = "$v" ]			# network alias
	: >"$BATS_TEST_TMPDIR/seen"
	for _ in $(seq 20); do
		client "$(get api)" >>"$BATS_TEST_TMPDIR/seen"
	done
	[ "$(wc -l <"$BATS_TEST_TMPDIR/seen")" -eq 20 ]
	grep -qx "$(id_of api h2 | cut -c1-12)" "$BATS_TEST_TMPDIR/seen"
	grep -qx "$(id_of api h3 | cut -c1-12)" "$BATS_TEST_TMPDIR/seen"
}

@test "network: tasks.api lists both task IPs; dnsrr resolves the service to its tasks" {
	run client 'nslookup tasks.api'
	[[ $output == *"$(task_ip api h2)"* ]]
	[[ $output == *"$(task_ip api h3)"* ]]
	run vip worker
	[ "$(wc -l <<<"$output")" -eq 2 ]
	[[ $output != *10.215.31.* ]]			# no VIP: the VIP block is .31
}

@test "network: the mesh port answers on h1, which runs no api task; h1 reaches the VIP" {
	[ -z "$(id_of api h1)" ]
	run curl -sS -m 5 "http://$(cluster_addr h1):8080/"
	[ "$status" -eq 0 ]
	[[ $output == "$(id_of api h2 | cut -c1-12)" || $output == "$(id_of api h3 | cut -c1-12)" ]]
	# The host itself reaches the VIP too (it needs a route to it).
	run cluster_in_host h1 curl -sS -m 5 "http://$(vip api)/"
	[[ $output == "$(id_of api h2 | cut -c1-12)" || $output == "$(id_of api h3 | cut -c1-12)" ]]
}

@test "network: a task reaches its own service's VIP (hairpin)" {
	v=$(vip api)
	id=$(id_of api h2)
	self=$(cut -c1-12 <<<"$id") other=$(id_of api h3 | cut -c1-12)
	# The VIP picks a task at random: ask until it picks this one (the
	# chance of 40 misses is 2^-40), and every answer must come from a task.
	for _ in $(seq 40); do
		got=$(cluster_docker h2 exec "$id" sh -c "$(get "$v")")
		[[ $got == "$self" || $got == "$other" ]]
		[ "$got" != "$self" ] || break
	done
	[ "$got" = "$self" ]
}

@test "network: 5 MB across hosts by task IP and by VIP (MTU)" {
	run client "$(get "$(task_ip api h2)" big) | wc -c"
	[ "$output" -eq 5242880 ]
	run client "$(get api big) | wc -c"
	[ "$output" -eq 5242880 ]
	mtu=$(cluster_in_host h1 ip -o link show type vxlan | sed 's/.* mtu \([0-9]*\).*/\1/')
	up=$(cluster_in_host h1 ip -o link show dev eth0 | sed 's/.* mtu \([0-9]*\).*/\1/')
	[ "$mtu" -eq $((up - 50)) ]
}

@test "network: another stack's (internal) network is unreachable across hosts, and its names unknown" {
	csw deploy "$BATS_TEST_DIRNAME/stacks/net-other.yml" >/dev/null
	ip=$(cluster_docker h2 inspect -f '{{(index .NetworkSettings.Networks "other_default").IPAddress}}' \
		"$(id_of secret h2)")
	[[ $ip == 10.215.* ]]
	# Reachable inside its own network from h2 itself (the control) ...
	cluster_in_host h2 curl -sS -m 5 "http://$ip/" | grep -qx secret
	# ... not from shop's client on h1, by address or by name.
	run client "$(get "$ip")"
	[[ $output != *secret* ]]
	run client 'nslookup secret'
	[[ $output != *"$ip"* ]]
	# other_default is internal: its task reaches nothing outside it (the
	# mesh port on h1 answers shop's client, not it).
	mesh=$(get "$(cluster_addr h1)" "" 8080)
	[ -n "$(client "$mesh")" ]
	[ -z "$(cluster_docker h2 exec "$(id_of secret h2)" sh -c "$mesh" 2>/dev/null)" ]
}

@test "network: zero failed requests through the VIP during a rolling update" {
	client 'rm -f /tmp/stop /tmp/log; (while [ ! -f /tmp/stop ]; do
		if [ -n "$('"$(get api)"')" ]; then echo ok; else echo fail; fi
		done >/tmp/log) >/dev/null 2>&1 &'
	sleep 1
	before=$(id_of api h2)
	GREETING=changed csw deploy "$BATS_TEST_DIRNAME/stacks/net.yml" >/dev/null
	sleep 1
	client 'touch /tmp/stop'
	sleep 6
	[ "$(id_of api h2)" != "$before" ]		# really replaced
	run client 'cat /tmp/log'
	echo "$output" | sort | uniq -c
	[ "$(grep -c ok <<<"$output")" -gt 20 ]
	[ "$(grep -c fail <<<"$output")" -eq 0 ]
}

@test "network: reconcile repairs a deleted vxlan device and flushed chains; a second changes nothing" {
	csw reconcile >/dev/null
	net_snapshot >"$BATS_TEST_TMPDIR/before"
	cluster_in_host h2 sh -c 'ip link del "$(ip -o link show type vxlan | awk -F": " "{ print \$2; exit }")"
		for c in $(iptables -t nat -S | sed -n "s/^-N \(CSW[0-9a-f]*-[A-Za-z0-9]*\)$/\1/p"); do iptables -t nat -F "$c"; done
		for c in $(iptables -S | sed -n "s/^-N \(CSW[0-9a-f]*-[A-Za-z0-9]*\)$/\1/p"); do iptables -F "$c"; done'
	[ -z "$(client "$(get "$(task_ip api h2)")" 2>/dev/null)" ]	# broken indeed
	csw reconcile
	[ -n "$(client "$(get "$(task_ip api h2)")")" ]
	net_snapshot >"$BATS_TEST_TMPDIR/after"
	diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
	csw reconcile >/dev/null
	net_snapshot >"$BATS_TEST_TMPDIR/again"
	diff "$BATS_TEST_TMPDIR/after" "$BATS_TEST_TMPDIR/again"
}

# The time each host's overlay was last pushed (its seal, docker/netpush.h).
seals() {
	local h cid
	cid=$(cluster_docker h2 inspect -f '{{index .Config.Labels "cswarm.cluster"}}' "$(id_of api h2)")
	for h in $CLUSTER_HOSTS; do
		echo "$h $(stat -c %y "/var/lib/cswarm/net/$cid/$h/.applied")"
	done
}

@test "network: a no-op reconcile pushes to no host; a change by hand brings a push to that host alone" {
	csw reconcile >/dev/null
	seals >"$BATS_TEST_TMPDIR/before"
	csw reconcile >/dev/null
	seals | diff "$BATS_TEST_TMPDIR/before" -
	# h3's DNS server removed, a route deleted on h2.
	dns=$(cluster_docker h3 ps -q --filter name=-shop_default)
	[ -n "$dns" ]
	cluster_docker h3 rm -f "$dns" >/dev/null
	routes=$(cluster_in_host h2 sh -c 'ip route show dev "$(ip -o link show type vxlan | awk -F": " "{ print \$2; exit }")"')
	cluster_in_host h2 sh -c 'd=$(ip -o link show type vxlan | awk -F": " "{ print \$2; exit }")
		ip route del $(ip route show dev "$d" | head -1) dev "$d"'
	csw reconcile >/dev/null
	seals >"$BATS_TEST_TMPDIR/after"
	diff <(grep h1 "$BATS_TEST_TMPDIR/before") <(grep h1 "$BATS_TEST_TMPDIR/after")
	[ "$(grep h2 "$BATS_TEST_TMPDIR/before")" != "$(grep h2 "$BATS_TEST_TMPDIR/after")" ]
	[ "$(grep h3 "$BATS_TEST_TMPDIR/before")" != "$(grep h3 "$BATS_TEST_TMPDIR/after")" ]
	[ "$(cluster_in_host h2 sh -c 'ip route show dev "$(ip -o link show type vxlan | awk -F": " "{ print \$2; exit }")"')" = "$routes" ]
	run cluster_docker h3 exec "$(id_of api h3)" nslookup tasks.api
	[[ $output == *"$(task_ip api h2)"* ]]
	# And then nothing again.
	csw reconcile >/dev/null
	seals | diff "$BATS_TEST_TMPDIR/after" -
}

@test "network: bad input is refused before anything changes" {
	printf 'name: bad\nservices:\n  a:\n    image: busybox:latest\n    ports: ["8080:80"]\n' \
		>"$BATS_TEST_TMPDIR/port.yml"
	run csw deploy "$BATS_TEST_TMPDIR/port.yml"
	[ "$status" -ne 0 ]
	[[ $output == *"8080/tcp"*"routing mesh"* ]]
	printf 'name: bad\nservices:\n  a:\n    image: busybox:latest\n    networks: [n1, n2]\nnetworks:\n  n1:\n    ipam:\n      config: [{subnet: 10.215.128.0/20}]\n  n2:\n    ipam:\n      config: [{subnet: 10.215.136.0/21}]\n' \
		>"$BATS_TEST_TMPDIR/overlap.yml"
	run csw deploy "$BATS_TEST_TMPDIR/overlap.yml"
	[ "$status" -ne 0 ]
	[[ $output == *"overlaps another network"* ]]
	printf 'name: bad\nservices:\n  a:\n    image: busybox:latest\nnetworks:\n  default:\n    ipam:\n      config: [{subnet: 10.215.128.0/25}]\n' \
		>"$BATS_TEST_TMPDIR/small.yml"
	run csw deploy "$BATS_TEST_TMPDIR/small.yml"
	[ "$status" -ne 0 ]
	[[ $output == *"too small"* ]]
	[ -z "$(cluster_docker h1 ps -aq --filter name=bad_)" ]
}

@test "network: ls and inspect show subnets per host, VIPs and endpoints; deploy --dry-run the plan per host" {
	run csw network ls
	[ "$status" -eq 0 ]
	[[ $output == *"shop_default"*"overlay"*"10.215."* ]]
	run csw network inspect shop_default --format json
	[ "$status" -eq 0 ]
	python3 -c 'import json, sys
d = json.loads(sys.argv[1])
assert [h["host"] for h in d["hosts"]] == ["h1", "h2", "h3"], d
api = [s for s in d["services"] if s["service"] == "api"][0]
assert api["vip"].startswith("10.215.") and len(api["endpoints"]) == 2, api' "$output"
	run csw network inspect nosuch
	[ "$status" -ne 0 ]
	run csw deploy --dry-run "$BATS_TEST_DIRNAME/stacks/net.yml"
	[ "$status" -eq 0 ]
	[[ $output == *"h2: overlay"*"network shop_default subnet 10.215."* ]]
}

@test "network: zero failed requests on the VIP and the mesh port during node drain and scale down" {
	client 'rm -f /tmp/stop /tmp/log; (while [ ! -f /tmp/stop ]; do
		if [ -n "$('"$(get api)"')" ]; then echo ok; else echo fail; fi
		done >/tmp/log) >/dev/null 2>&1 &'
	rm -f "$BATS_TEST_TMPDIR/stop"
	(while [ ! -f "$BATS_TEST_TMPDIR/stop" ]; do
		if curl -sf -m 5 -o /dev/null "http://$(cluster_addr h1):8080/"; then echo ok; else echo fail; fi
	done >"$BATS_TEST_TMPDIR/mesh") 3>&- &
	sleep 1
	csw node drain h3 >/dev/null || true		# api: one task left (one per node)
	[ -z "$(id_of api h3)" ]
	csw node activate h3 >/dev/null
	csw service scale shop_api=1 >/dev/null
	csw service scale shop_api=2 >/dev/null
	sleep 1
	client 'touch /tmp/stop'
	touch "$BATS_TEST_TMPDIR/stop"
	sleep 6
	run client 'cat /tmp/log'
	echo "$output" | sort | uniq -c
	[ "$(grep -c ok <<<"$output")" -gt 20 ]
	[ "$(grep -c fail <<<"$output")" -eq 0 ]
	sort "$BATS_TEST_TMPDIR/mesh" | uniq -c
	[ "$(grep -c ok "$BATS_TEST_TMPDIR/mesh")" -gt 20 ]
	[ "$(grep -c fail "$BATS_TEST_TMPDIR/mesh")" -eq 0 ]
}

@test "network: a host that does not answer leaves every other host's rules and DNS" {
	h3ip=$(task_ip api h3)
	[[ $(client 'nslookup tasks.api') == *"$h3ip"* ]]
	cluster_stop_sshd h3
	run csw reconcile
	[ "$status" -ne 0 ]				# unreachable (and api short of a task)
	run client 'nslookup tasks.api'
	[[ $output == *"$(task_ip api h2)"* ]]
	[[ $output != *"$h3ip"* ]]
	! cluster_in_host h1 iptables-save -t nat | grep -q -- "--to-destination $h3ip\b" || false
	[ -n "$(client "$(get api)")" ]		# the VIP still answers, from h2
	cluster_start_sshd h3
	csw reconcile >/dev/null || true
	[[ $(client 'nslookup tasks.api') == *"$h3ip"* ]]
}
