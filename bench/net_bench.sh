#!/usr/bin/env bash
# The overlay's cost, measured in one run on the local cluster:
#  - first deploy and no-op reconcile of a three-service stack (4 tasks, a
#    published port), overlay (the default) against cswarm_network=bridge:
#    the deploy from a fresh cluster state, so it includes the host check,
#    the vxlan devices, bridges and DNS containers;
#  - push: a `reconcile` that must push (every host's seal removed first,
#    as after a change: device, routes, bridges, DNS and all rules to every
#    host) and a no-op one (the seal says nothing changed: no push), with 1,
#    100 and 1000 services, against the same reconcile with the overlay
#    off; bytes of rules and hosts files that one host holds for that many
#    services;
#  - latency: mean request time from h1 through a VIP and through the mesh
#    port, against the task's own address (all across hosts).
# Services of the push part have no replicas (each still gets a VIP, a
# chain and DNS names), so no container start blurs the figures.
#
# Usage: CSWARM_CLUSTER_NAME=net CSWARM_CLUSTER_NET=10.213.8 bench/net_bench.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
. "tests/cluster/run${CSWARM_CLUSTER_NAME:+-$CSWARM_CLUSTER_NAME}/env"
CSWARM=${CSWARM:-./cswarm}
DIR=$CSWARM_CLUSTER_DIR/netbench
mkdir -p "$DIR"

. bench/lib.sh

inventory() {	# MODE: overlay or bridge
	cat "$CSWARM_INVENTORY"
		# /22 host blocks: the VIP block of a network holds 1022 VIPs
	printf 'cswarm_network=%s\ncswarm_net_pool=10.216.0.0/16\ncswarm_net_size=18\ncswarm_net_host_size=22\n' "$1"
	printf 'cswarm_state_dir=%s/state\n' "$DIR"
}
inventory overlay >"$DIR/overlay"
inventory bridge >"$DIR/bridge"

stack() {	# N: a stack of N services without replicas
	echo "name: bench"; echo "services:"
	for ((i = 0; i < $1; i++)); do
		printf '  s%d:\n    image: busybox:latest\n    deploy: { replicas: 0 }\n' "$i"
	done
}

cs() { "$CSWARM" "$@" --cluster netbench; }

host_bytes() {	# rules and hosts files on h1, in bytes
	cluster_in() { nsenter --net="/var/run/netns/$CSWARM_CLUSTER_NAME-h1" "$@"; }
	local rules files
	rules=$(cluster_in iptables-save | grep 'CSW' | wc -c)
	files=$(cat /var/lib/cswarm/net/*/h1/bench_default/hosts 2>/dev/null | wc -c)
	echo "$((rules + files))"
}

# A small real stack: api (2 tasks), web (published 8090), worker.
small_stack() {
	printf 'name: small\nservices:\n'
	printf '  api:\n    image: busybox:latest\n    command: ["sleep", "1000000"]\n    deploy: { replicas: 2 }\n'
	printf '  web:\n    image: busybox:latest\n    command: ["sleep", "1000000"]\n    ports: ["8090:80"]\n'
	printf '  worker:\n    image: busybox:latest\n    command: ["sleep", "1000000"]\n'
}
small_stack >"$DIR/small.yml"

first_deploy_ms() {	# MODE: median time of a deploy from a fresh cluster state
	local i t0 times=()
	for ((i = 0; i < RUNS; i++)); do
		rm -rf "$DIR/state"
		"$CSWARM" init -i "$DIR/$1" --cluster netfirst >/dev/null
		t0=$(now)
		"$CSWARM" deploy -i "$DIR/$1" --cluster netfirst "$DIR/small.yml" >/dev/null 2>&1 || true
		times+=($(( ($(now) - t0) / 1000000 )))
		"$CSWARM" stack rm -i "$DIR/$1" --cluster netfirst small >/dev/null 2>&1 || true
	done
	printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"
}

noop_ms() {	# MODE: median no-op reconcile of the small stack
	rm -rf "$DIR/state"
	"$CSWARM" init -i "$DIR/$1" --cluster netfirst >/dev/null
	"$CSWARM" deploy -i "$DIR/$1" --cluster netfirst "$DIR/small.yml" >/dev/null 2>&1 || true
	median_ms "$CSWARM" reconcile -i "$DIR/$1" --cluster netfirst
	"$CSWARM" stack rm -i "$DIR/$1" --cluster netfirst small >/dev/null 2>&1 || true
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / (b ? b : 1) }'; }

echo "small stack (3 services, 4 tasks, 3 hosts, median of $RUNS)"
printf '%-16s %10s %10s %7s\n' step overlay_ms bridge_ms ratio
on=$(first_deploy_ms overlay); off=$(first_deploy_ms bridge)
printf '%-16s %10s %10s %7s\n' first-deploy "$on" "$off" "$(ratio "$on" "$off")"
on=$(noop_ms overlay); off=$(noop_ms bridge)
printf '%-16s %10s %10s %7s\n' no-op-reconcile "$on" "$off" "$(ratio "$on" "$off")"
rm -rf "$DIR/state"
echo

cs init -i "$DIR/overlay" >/dev/null
unseal() {	# every host's seal of the bench's overlay: the next run pushes
	local d
	for d in /var/lib/cswarm/net/*/h*/bench_default; do rm -f "${d%/*}/.applied"; done
}
echo "push (reconcile, 3 hosts, median of $RUNS)"
printf '%-9s %10s %10s %10s %7s %7s %12s\n' services pushed_ms noop_ms bridge_ms pushed noop bytes/host
for n in 1 100 1000; do
	stack "$n" >"$DIR/stack.yml"
	cs deploy -i "$DIR/overlay" "$DIR/stack.yml" >/dev/null
	pushed=$(BEFORE_EACH=unseal median_ms cs reconcile -i "$DIR/overlay")
	noop=$(median_ms cs reconcile -i "$DIR/overlay")
	off=$(median_ms cs reconcile -i "$DIR/bridge")
	printf '%-9s %10s %10s %10s %7s %7s %12s\n' "$n" "$pushed" "$noop" "$off" "$(ratio "$pushed" "$off")" \
		"$(ratio "$noop" "$off")" "$(host_bytes)"
done

# Latency: one web task on h2, requests from h1's host namespace.
cat >"$DIR/stack.yml" <<'EOF'
name: bench
services:
  web:
    image: busybox:latest
    command: ["sh", "-c", "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 80 -h /www"]
    ports: ["8089:80"]
    deploy:
      placement: { constraints: ["node.hostname == h2"] }
EOF
cs stack rm -i "$DIR/overlay" bench >/dev/null
cs deploy -i "$DIR/overlay" "$DIR/stack.yml" >/dev/null
vip=$(cs network inspect -i "$DIR/overlay" bench_default --format json |
	python3 -c 'import json,sys; print([s for s in json.load(sys.stdin)["services"] if s["service"]=="web"][0]["vip"])')
task=$(cs network inspect -i "$DIR/overlay" bench_default --format json |
	python3 -c 'import json,sys; print([s for s in json.load(sys.stdin)["services"] if s["service"]=="web"][0]["endpoints"][0])')
in_h1() { nsenter --net="/var/run/netns/$CSWARM_CLUSTER_NAME-h1" "$@"; }
mean_us() {	# URL: mean of 200 requests from h1, in microseconds ("failed" if one did)
	in_h1 sh -c 'for i in $(seq 200); do curl -s -o /dev/null -w "%{http_code} %{time_total}\n" "$1" || :; done' sh "$1" |
		awk '$1 != 200 { bad++ } { s += $2 } END { if (bad) print "failed"; else printf "%d", s / NR * 1000000 }'
}
for _ in $(seq 50); do	# the task answers (httpd up, endpoints pushed)
	in_h1 curl -sf -m 2 -o /dev/null "http://$CLUSTER_ADDR_h1:8089/" && break
	sleep 0.2
done
direct=$(mean_us "http://$task/")
via_vip=$(mean_us "http://$vip/")
mesh=$(mean_us "http://$CLUSTER_ADDR_h1:8089/")
echo
echo "latency from h1 to a task on h2 (mean of 200 requests)"
printf '%-12s %8s %7s\n' path us ratio
for row in "task-ip $direct" "vip $via_vip" "mesh $mesh"; do
	set -- $row
	printf '%-12s %8s %7s\n' "$1" "$2" "$(awk -v a="$2" -v b="$direct" 'BEGIN { printf "%.2f", a / b }')"
done

cs stack rm -i "$DIR/overlay" bench >/dev/null
rm -rf "$DIR"
