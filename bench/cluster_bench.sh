#!/usr/bin/env bash
# cswarm against raw parallel OpenSSH on the same hosts, measured in the
# same run (taking turns), medians of RUNS runs each, one line each:
#   node ls            vs `ssh HOST docker info` on every host at once
#   no-op reconcile    vs `ssh HOST docker ps` on every host at once
#   first deploy       vs one ssh per host creating the stack's network and
#                      running `docker run -d` for its share of the 12 tasks
#   no-op redeploy     vs `ssh HOST docker ps` on every host at once
# The floor's OpenSSH uses cswarm's key exchange (curve25519): OpenSSH's
# default post-quantum one costs several times more CPU per login.
# The stack is 12 busybox tasks on the cluster's hosts, in a state
# directory and cluster of the bench's own (CSWARM_CLUSTER_DIR/bench-state),
# on a per-host bridge network (cswarm_network=bridge); NETWORK=overlay
# measures the overlay network instead, whose first deploy's floor also
# starts the network's DNS server on every host (the inventory's
# cswarm_dns_image, as the local cluster names it, with DNS off: the
# container's start is the cost).
# Needs a running local cluster (tests/cluster/up 3; CSWARM_CLUSTER_NAME
# picks which) and a built ./cswarm.
#
# Usage: bench/cluster_bench.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-7}
. tests/cluster/common.sh
. "$CL_DIR/env"
CSWARM=${CSWARM:-./cswarm}
NETWORK=${NETWORK:-bridge}
TASKS=12

. bench/lib.sh

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CSWARM_INVENTORY=$work/inventory
sed "s|^\[all:vars\]|[all:vars]\ncswarm_state_dir=$CL_DIR/bench-state\ncswarm_cluster=bench\ncswarm_network=$NETWORK|" \
	"$CL_DIR/inventory" >"$CSWARM_INVENTORY"
cat >"$work/stack.yml" <<EOF
name: cbench
services:
  web:
    image: busybox:latest
    command: ["sleep", "1000000"]
    deploy:
      replicas: $TASKS
EOF

ssh_floor() {	# HOST CMD
	ssh -F "$CSWARM_SSH_CONFIG" -o KexAlgorithms=curve25519-sha256 "$1" "$2" >/dev/null 2>&1
}

parallel_ssh() {	# remote command on every host at once, like pssh
	local h pids=()
	for h in $CLUSTER_HOSTS; do
		ssh_floor "$h" "$1" &
		pids+=($!)
	done
	wait "${pids[@]}"
}

hosts=$(wc -w <<<"$CLUSTER_HOSTS")
dns_image=$(sed -n 's/^cswarm_dns_image=//p' "$CSWARM_INVENTORY" | tail -1)
dns_image=${dns_image:-4km3/dnsmasq:2.90-r3}
per_host=$(( (TASKS + hosts - 1) / hosts ))

# What a first deploy must do at least: the network, then one host's share
# of the tasks, one ssh per host, hosts at once.
floor_deploy() {
	local h pids=() i cmd
	for h in $CLUSTER_HOSTS; do
		cmd="docker network create --driver bridge --label floor=1 floor_net >/dev/null"
		[ "$NETWORK" != overlay ] ||
			cmd+=" && docker run -d --name floor_dns --label floor=1 --network host --entrypoint dnsmasq $dns_image --keep-in-foreground --port=0 >/dev/null"
		for ((i = 0; i < per_host; i++)); do
			cmd+=" && docker run -d --name floor_$i --label floor=1 --network floor_net busybox:latest sleep 1000000 >/dev/null"
		done
		ssh_floor "$h" "$cmd" &
		pids+=($!)
	done
	wait "${pids[@]}"
}

floor_clean() {
	parallel_ssh "docker ps -aq --filter label=floor=1 | xargs -r docker rm -f; docker network rm floor_net" || true
}

cswarm_clean() {
	"$CSWARM" stack rm cbench >/dev/null 2>&1 || true
}

# The floor and cswarm take turns, RUNS times each, so that the load of a
# shared machine weighs on both alike; each after CLEAN (not timed).
# Prints "FLOOR_MEDIAN CSWARM_MEDIAN".
pair() {	# CLEAN FLOOR_FN CSWARM_ARGS...
	local clean=$1 floor=$2 i t0 f=() c=()
	shift 2
	for ((i = 0; i < RUNS; i++)); do
		"$clean"
		t0=$(now); "$floor" >/dev/null 2>&1 || true; f+=($(( ($(now) - t0) / 1000000 )))
		"$clean"
		t0=$(now); "$CSWARM" "$@" >/dev/null 2>&1 || true; c+=($(( ($(now) - t0) / 1000000 )))
	done
	echo "$(median "${f[@]}") $(median "${c[@]}")"
}

median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
nothing() { :; }
ssh_info() { parallel_ssh "docker info --format '{{json .}}'"; }
ssh_ps() { parallel_ssh "docker ps -a --filter label=cswarm.cluster"; }
deploy_clean() { floor_clean; cswarm_clean; }

"$CSWARM" init >/dev/null 2>&1 || true
read -r info_floor node_ls < <(pair nothing ssh_info node ls)
read -r deploy_floor deploy < <(pair deploy_clean floor_deploy deploy "$work/stack.yml")
floor_clean
"$CSWARM" deploy "$work/stack.yml" >/dev/null
read -r ps_floor reconcile < <(pair nothing ssh_ps reconcile)
read -r ps_floor2 redeploy < <(pair nothing ssh_ps deploy "$work/stack.yml")
cswarm_clean

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
line() {	# WHAT CSWARM_MS FLOOR WHAT_FLOOR
	printf 'cluster: %-26s cswarm_ms=%-6s floor_ms=%-6s ratio=%s  (floor: %s)\n' \
		"$1" "$2" "$3" "$(ratio "$2" "$3")" "$4"
}
echo "cluster: hosts=$hosts tasks=$TASKS network=$NETWORK runs=$RUNS (medians)"
line "node ls" "$node_ls" "$info_floor" "parallel ssh docker info"
line "no-op reconcile" "$reconcile" "$ps_floor" "parallel ssh docker ps"
floor_what="network create + $per_host docker run -d"
[ "$NETWORK" != overlay ] || floor_what="network create + DNS server + $per_host docker run -d"
line "first deploy" "$deploy" "$deploy_floor" "parallel ssh: $floor_what"
line "no-op redeploy" "$redeploy" "$ps_floor2" "parallel ssh docker ps"
