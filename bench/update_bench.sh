#!/usr/bin/env bash
# cswarm against Ansible (community.docker.docker_container over SSH) and
# Docker Swarm (`docker stack deploy`) on the same local cluster, in the same
# run: 12 tasks that ignore SIGTERM (stop_grace_period 3s), update
# parallelism 4. Four figures each: first deploy, unchanged redeploy, env
# update of every task, removal. Prints each figure's median of RUNS rounds
# (the three tools take turns within a round), the ratios cswarm/ansible and
# cswarm/swarm, and the load average.
#
# Uses the cluster CSWARM_CLUSTER_NAME (default ub, net 10.213.10); starts it
# (tests/cluster/up 3) and stops it again when it is not up. Removes
# everything it created: containers, the cswarm state, the swarm.
# Needs root, a built ./cswarm (make cswarm), ansible-playbook with the
# community.docker collection (Debian: apt-get install ansible).
#
# Usage: bench/update_bench.sh [RUNS]    (default 3; `make bench-update`)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
export CSWARM_CLUSTER_NAME=${CSWARM_CLUSTER_NAME:-ub}
export CSWARM_CLUSTER_NET=${CSWARM_CLUSTER_NET:-10.213.10}
. tests/cluster/lib.sh
CSWARM=${CSWARM:-$PWD/cswarm}
DIR=$PWD/bench/update_bench
STACK=$DIR/stack.yml
CLUSTER=ubench			# cswarm's cluster name: its own state dir
LOG=$(mktemp /tmp/update_bench.XXXXXX)
STARTED_CLUSTER=0

die() { echo "update_bench: $*" >&2; exit 1; }

for tool in "$CSWARM" ansible-playbook docker; do
	command -v "$tool" >/dev/null || die "$tool not found (make cswarm; apt-get install ansible)"
done

now() { date +%s%N; }

# Run a step, its output to the log; fail loudly (with the log's tail) if it fails.
step() {
	echo "+ $*" >>"$LOG"
	"$@" >>"$LOG" 2>&1 || { tail -n 20 "$LOG" >&2; die "failed: $*"; }
}

declare -A TIMES	# "tool step" -> space-separated seconds of each round

timed() {	# KEY COMMAND...: run COMMAND as a step, add its seconds to KEY
	local key=$1 t0
	shift
	t0=$(now)
	step "$@"
	TIMES[$key]+="$(awk -v d=$(($(now) - t0)) 'BEGIN { printf "%.1f", d / 1e9 }') "
}

median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

host_var() {	# NAME HOST: the cluster env's CLUSTER_NAME_HOST
	local v=CLUSTER_$1_$2
	echo "${!v}"
}

host_docker() {	# HOST ARGS...: docker against HOST's daemon, from here
	local h=$1
	shift
	DOCKER_HOST=$(host_var DOCKER_HOST "$h") docker "$@"
}

# Wait until no host has a container with LABEL (filter label=...), at
# most 2 minutes.
wait_no_containers() {
	local h deadline=$((SECONDS + 120))
	for h in $CLUSTER_HOSTS; do
		while [ -n "$(host_docker "$h" ps -aq --filter "label=$1")" ]; do
			[ $SECONDS -lt $deadline ] || return 1
			sleep 0.2
		done
	done
}

# --- cswarm ---------------------------------------------------------------
cs() {	# COMMAND SUBCOMMAND ARGS...
	local cmd=$1 sub=$2
	shift 2
	"$CSWARM" "$cmd" "$sub" --cluster "$CLUSTER" "$@"
}
cs_rm() { cs stack rm cs; }

cswarm_round() {
	timed "cswarm deploy" cs stack deploy -c "$STACK" cs
	timed "cswarm redeploy" cs stack deploy -c "$STACK" cs
	timed "cswarm update" cs service update --env-add "BENCH=$1" cs_idle
	timed "cswarm rm" cs_rm
}

# --- Ansible ----------------------------------------------------------------
playbook() {
	ANSIBLE_SSH_ARGS="-F $CSWARM_SSH_CONFIG" ANSIBLE_NOCOLOR=1 \
		ansible-playbook -i "$CSWARM_INVENTORY" "$DIR/playbook.yml" "$@"
}

ansible_round() {
	timed "ansible deploy" playbook
	timed "ansible redeploy" playbook
	timed "ansible update" playbook -e "bench_env=$1"
	timed "ansible rm" playbook -e state=absent
}

# --- Docker Swarm -------------------------------------------------------------
swarm_leave() {
	local h
	for h in $CLUSTER_HOSTS; do host_docker "$h" swarm leave --force; done
}

swarm_up() {
	local h token
	swarm_leave >/dev/null 2>&1 || true	# what a killed run left
	host_docker h1 swarm init --advertise-addr "$CLUSTER_ADDR_h1"
	token=$(host_docker h1 swarm join-token -q worker)
	for h in $CLUSTER_HOSTS; do
		[ "$h" = h1 ] && continue
		host_docker "$h" swarm join --token "$token" --advertise-addr "$(host_var ADDR "$h")" \
			"$CLUSTER_ADDR_h1:2377"
	done
}

swarm_deploy() { host_docker h1 stack deploy --resolve-image never --detach=false -c "$STACK" sw; }
swarm_update() { host_docker h1 service update --detach=false --env-add "BENCH=$1" sw_idle; }
swarm_rm() {
	host_docker h1 stack rm sw
	wait_no_containers com.docker.stack.namespace=sw
}

swarm_round() {
	timed "swarm deploy" swarm_deploy
	timed "swarm redeploy" swarm_deploy
	timed "swarm update" swarm_update "$1"
	timed "swarm rm" swarm_rm
}

# --- set-up and clean-up -------------------------------------------------------
cluster_is_up() {
	local h
	[ -n "$(cl_hosts)" ] || return 1
	for h in $(cl_hosts); do cl_daemons_alive "$h" || return 1; done
}

# Each tool's own removal first (a stack's swarm service would restart its
# containers), then whatever a failed step left, by label.
cleanup() {
	local h
	set +e
	echo "+ cleanup" >>"$LOG"
	{
		cs_rm
		host_docker h1 stack rm sw && wait_no_containers com.docker.stack.namespace=sw
		swarm_leave
		for h in $CLUSTER_HOSTS; do
			host_docker "$h" ps -aq --filter label=cswarm.bench=ansible |
				xargs -r env "DOCKER_HOST=$(host_var DOCKER_HOST "$h")" docker rm -f
			host_docker "$h" network rm docker_gwbridge	# swarm's, left by leave
		done
		cluster_ssh h1 rm -rf "/var/lib/cswarm/$CLUSTER"
	} >>"$LOG" 2>&1
	[ "$STARTED_CLUSTER" = 0 ] || tests/cluster/down >>"$LOG" 2>&1
	echo "log: $LOG" >&2
}

if ! cluster_is_up; then
	STARTED_CLUSTER=1
	tests/cluster/up 3 >>"$LOG" 2>&1 || { tail -n 20 "$LOG" >&2; die "cluster up failed"; }
fi
cluster_env
trap cleanup EXIT
step "$CSWARM" init --cluster "$CLUSTER"
step swarm_up

for ((round = 1; round <= RUNS; round++)); do
	echo "round $round/$RUNS ($(cut -d' ' -f1-3 /proc/loadavg))" >&2
	cswarm_round "$round"
	ansible_round "$round"
	swarm_round "$round"
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "hosts: $(wc -w <<<"$CLUSTER_HOSTS"), 12 tasks (4 a host), update parallelism 4," \
	"stop_grace_period 3s; median of $RUNS; load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| %-18s | %8s | %8s | %8s | %14s | %12s |\n' step cswarm Ansible Swarm cswarm/Ansible cswarm/Swarm
printf '|%s|%s|%s|%s|%s|%s|\n' -------------------- ---------- ---------- ---------- ---------------- --------------
declare -A LABEL=([deploy]="first deploy" [redeploy]="unchanged redeploy"
	[update]="env update" [rm]="remove")
for s in deploy redeploy update rm; do
	c=$(median "${TIMES[cswarm $s]}") a=$(median "${TIMES[ansible $s]}") w=$(median "${TIMES[swarm $s]}")
	printf '| %-18s | %7ss | %7ss | %7ss | %14s | %12s |\n' "${LABEL[$s]}" "$c" "$a" "$w" \
		"$(ratio "$c" "$a")" "$(ratio "$c" "$w")"
done
