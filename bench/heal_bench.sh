#!/usr/bin/env bash
# Self-healing, cswarm against Docker Swarm on the same hosts in the same
# run: the time from a crashed task (kill -9 of its process) and from a
# task killed by hand (docker kill) to a running task again, and from a
# host cut off the network to its tasks running elsewhere. cswarm runs its
# tasks with the engine's restart policy and `reconcile --watch` (default
# --host-down-after 10s); Swarm runs in swarm mode on the same daemons
# (`docker swarm init` on h1, the others join; `docker service create
# --no-resolve-image`). Both services: 3 replicas of busybox, restart_policy
# left at its defaults. Times are polled every 100 ms through the docker
# CLI, so they carry that much resolution.
#
# Needs a running local cluster of 3 hosts (tests/cluster/up 3, with the
# CSWARM_CLUSTER_NAME/NET of that cluster exported) and a built ./cswarm.
#
# Usage: bench/heal_bench.sh [RUNS]     (RUNS for the kill rows, default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
. tests/cluster/lib.sh
cluster_env
CSWARM=${CSWARM:-$PWD/cswarm}
WORK=$CSWARM_CLUSTER_DIR/heal-bench
CSW_SERVICE=cswbench_web	# label com.docker.swarm.service.name of each
SWARM_SERVICE=swarmbench

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# "host id" of every running container of SERVICE, hosts but SKIP.
running() {
	local h
	for h in $CLUSTER_HOSTS; do
		[ "$h" = "${2:-}" ] && continue
		cluster_docker "$h" ps -q --no-trunc --filter status=running \
			--filter "label=com.docker.swarm.service.name=$1" | sed "s/^/$h /"
	done
}

# 3 tasks run again: the killed one restarted in place, or a replacement.
healed() {	# SERVICE HOST KILLED_ID RESTARTS_BEFORE
	local n=0 h id rc
	while read -r h id; do
		if [ "$id" = "$3" ]; then
			rc=$(cluster_docker "$2" inspect -f '{{.RestartCount}}' "$id")
			[ "$rc" -gt "$4" ] && n=$((n + 1))
		else
			n=$((n + 1))
		fi
	done < <(running "$1")
	[ "$n" -ge 3 ]
}

moved() { [ "$(running "$1" "$2" | wc -l)" -ge 3 ]; }	# SERVICE HOST
gone() { [ "$(running "$1" | grep -c "^$2 ")" -eq 0 ]; }	# SERVICE HOST
has_task() { ! gone "$@"; }

wait_for() {	# LIMIT_S CMD...: poll every 100 ms
	local deadline=$(( $(now_ms) + $1 * 1000 ))
	shift
	until "$@"; do
		[ "$(now_ms)" -lt "$deadline" ] || { echo "timeout: $*" >&2; return 1; }
		sleep 0.1
	done
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# One kill of a task of SERVICE (on h2 when it has one); prints the ms
# until 3 tasks run again.
kill_once() {	# SERVICE crash|docker-kill
	local h id rc t0
	read -r h id < <({ running "$1" | grep '^h2 ' || true; running "$1"; } | head -1)
	rc=$(cluster_docker "$h" inspect -f '{{.RestartCount}}' "$id")
	t0=$(now_ms)
	if [ "$2" = crash ]; then
		kill -9 "$(cluster_docker "$h" inspect -f '{{.State.Pid}}' "$id")"
	else
		cluster_docker "$h" kill "$id" >/dev/null
	fi
	wait_for 120 healed "$1" "$h" "$id" "$rc"
	echo $(( $(now_ms) - t0 ))
	sleep 2	# let the system settle before the next run
}

kill_median() {	# SERVICE MODE
	local i
	for ((i = 0; i < RUNS; i++)); do kill_once "$1" "$2"; done | median
}

# Cut h3 off; prints "ms to running elsewhere" and "ms from its return
# until its stale copies are gone".
cut_once() {	# SERVICE
	local t0 moved_ms
	wait_for 60 has_task "$1" h3
	t0=$(now_ms)
	cluster_link_down h3
	wait_for 180 moved "$1" h3
	moved_ms=$(( $(now_ms) - t0 ))
	cluster_link_up h3
	t0=$(now_ms)
	wait_for 180 gone "$1" h3
	echo "$moved_ms $(( $(now_ms) - t0 ))"
}

cleanup() {
	cluster_link_up h3 2>/dev/null || true
	[ -f "$WORK/watch.pid" ] && kill -TERM "$(cat "$WORK/watch.pid")" 2>/dev/null || true
	cluster_docker h1 service rm "$SWARM_SERVICE" >/dev/null 2>&1 || true
	local h
	for h in $CLUSTER_HOSTS; do
		cluster_docker "$h" swarm leave --force >/dev/null 2>&1 || true
	done
	CSWARM_INVENTORY=$WORK/hosts "$CSWARM" stack rm cswbench --cluster healbench >/dev/null 2>&1 || true
	for h in $CLUSTER_HOSTS; do
		cluster_docker "$h" ps -aq --filter "label=com.docker.swarm.service.name=$CSW_SERVICE" |
			xargs -r docker -H "unix://$(cl_sock "$h")" rm -f >/dev/null 2>&1 || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT

# --- cswarm ----------------------------------------------------------------
mkdir -p "$WORK"
cluster_inventory "$WORK/hosts" "$WORK/state"
cat >"$WORK/stack.yml" <<'EOF'
name: cswbench
services:
  web:
    image: busybox:latest
    command: ["sleep", "1000000"]
    deploy:
      replicas: 3
EOF
export CSWARM_INVENTORY=$WORK/hosts
"$CSWARM" init --cluster healbench >/dev/null
"$CSWARM" deploy --cluster healbench "$WORK/stack.yml" >/dev/null
"$CSWARM" reconcile --watch --cluster healbench >"$WORK/watch.log" 2>&1 &
echo $! >"$WORK/watch.pid"
wait_for 30 grep -q 'h3: following' "$WORK/watch.log"
c_crash=$(kill_median "$CSW_SERVICE" crash)
c_kill=$(kill_median "$CSW_SERVICE" docker-kill)
read -r c_cut c_back < <(cut_once "$CSW_SERVICE")
kill -TERM "$(cat "$WORK/watch.pid")"
rm -f "$WORK/watch.pid"
unset CSWARM_INVENTORY

# --- Docker Swarm ------------------------------------------------------------
cluster_docker h1 swarm init --advertise-addr "$(cluster_addr h1)" >/dev/null
token=$(cluster_docker h1 swarm join-token -q worker)
for h in h2 h3; do
	cluster_docker "$h" swarm join --token "$token" "$(cluster_addr h1):2377" >/dev/null
done
cluster_docker h1 service create --detach --name "$SWARM_SERVICE" --replicas 3 --no-resolve-image \
	busybox:latest sleep 1000000 >/dev/null
wait_for 60 moved "$SWARM_SERVICE" none
s_crash=$(kill_median "$SWARM_SERVICE" crash)
s_kill=$(kill_median "$SWARM_SERVICE" docker-kill)
read -r s_cut s_back < <(cut_once "$SWARM_SERVICE")

secs() { awk -v ms="$1" 'BEGIN { printf "%.1f s", ms / 1000 }'; }
echo "3 hosts, 3 replicas; kill rows: median of $RUNS runs"
printf '%-46s %10s %10s\n' "" cswarm "Docker Swarm"
printf '%-46s %10s %10s\n' "crashed task (kill -9) -> running again" "$(secs "$c_crash")" "$(secs "$s_crash")"
printf '%-46s %10s %10s\n' "docker kill -> running again" "$(secs "$c_kill")" "$(secs "$s_kill")"
printf '%-46s %10s %10s\n' "host cut off -> its tasks running elsewhere" "$(secs "$c_cut")" "$(secs "$s_cut")"
printf '%-46s %10s %10s\n' "host back -> its stale copies gone" "$(secs "$c_back")" "$(secs "$s_back")"
