#!/usr/bin/env bash
# cswarm against raw parallel OpenSSH on the same hosts, measured in the
# same run: `node ls` vs `ssh HOST docker info` on every host at once, and a
# no-op `reconcile` vs `ssh HOST docker ps` on every host at once. Reports
# medians of N runs and the ratios. Needs a running local cluster
# (tests/cluster/up 3) and a built ./cswarm.
#
# Usage: bench/cluster_bench.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-7}
. tests/cluster/run/env
CSWARM=${CSWARM:-./cswarm}

. bench/lib.sh

parallel_ssh() {	# remote command on every host at once, like pssh
	local h pids=()
	for h in $CLUSTER_HOSTS; do
		ssh -F "$CSWARM_SSH_CONFIG" "$h" "$1" >/dev/null 2>&1 &
		pids+=($!)
	done
	wait "${pids[@]}"
}

"$CSWARM" init >/dev/null
ssh_info=$(median_ms parallel_ssh "docker info --format '{{json .}}'")
node_ls=$(median_ms "$CSWARM" node ls)
ssh_ps=$(median_ms parallel_ssh "docker ps -a --filter label=cswarm.cluster")
reconcile=$(median_ms "$CSWARM" reconcile)

hosts=$(wc -w <<<"$CLUSTER_HOSTS")
echo "hosts: $hosts, runs: $RUNS (medians)"
printf '%-42s %6s ms\n' "parallel ssh docker info (baseline)" "$ssh_info"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
printf '%-42s %6s ms   ratio %s\n' "cswarm node ls" "$node_ls" "$(ratio "$node_ls" "$ssh_info")"
printf '%-42s %6s ms\n' "parallel ssh docker ps (baseline)" "$ssh_ps"
printf '%-42s %6s ms   ratio %s\n' "cswarm reconcile (no-op)" "$reconcile" "$(ratio "$reconcile" "$ssh_ps")"
