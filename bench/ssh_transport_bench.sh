#!/usr/bin/env bash
# What the transport costs: `cswarm exec -- true` on one host connected
# directly, through `ProxyCommand nc %h %p`, through ProxyJump (a bastion)
# and through `ProxyCommand ssh -W %h:%p` (the bastion via OpenSSH), each
# against `ssh HOST true` measured in the same run. Reports medians of N
# runs and the ratios to direct. Needs a running local cluster
# (tests/cluster/up 3; CSWARM_CLUSTER_NAME/NET for another one) and a
# built ./cswarm.
#
# Usage: bench/ssh_transport_bench.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-11}
. tests/cluster/lib.sh
cluster_env
CSWARM=${CSWARM:-./cswarm}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

now() { date +%s%N; }

median_ms() {	# command...: median wall time of RUNS runs, in ms
	local i t0 times=()
	for ((i = 0; i < RUNS; i++)); do
		t0=$(now)
		"$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
		times+=($(( ($(now) - t0) / 1000000 )))
	done
	printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"
}

config() {	# name, lines for h2's address: a config file
	local name=$1; shift
	{ echo "Host $(cluster_addr h2)"; printf '  %s\n' "$@"; cat "$CSWARM_SSH_CONFIG"; } >"$dir/$name"
	echo "$dir/$name"
}

direct=$(median_ms "$CSWARM" exec --limit h2 -- true)
nc=$(median_ms "$CSWARM" exec --ssh-config "$(config nc 'ProxyCommand nc %h %p')" --limit h2 -- true)
jump=$(median_ms "$CSWARM" exec --ssh-config "$(config jump "ProxyJump root@$(cluster_addr h1)")" --limit h2 -- true)
sshw=$(median_ms "$CSWARM" exec --ssh-config \
	"$(config sshw "ProxyCommand ssh -F $CSWARM_SSH_CONFIG -W %h:%p h1")" --limit h2 -- true)
openssh=$(median_ms ssh -F "$CSWARM_SSH_CONFIG" h2 true)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / (b ? b : 1) }'; }
printf '%-40s %6s ms\n' "ssh h2 true (OpenSSH, baseline)" "$openssh"
printf '%-40s %6s ms  %sx OpenSSH\n' "cswarm exec, direct" "$direct" "$(ratio "$direct" "$openssh")"
for row in "ProxyCommand nc:$nc" "ProxyJump h1:$jump" "ProxyCommand ssh -W via h1:$sshw"; do
	printf '%-40s %6s ms  %sx direct\n' "cswarm exec, ${row%%:*}" "${row##*:}" "$(ratio "${row##*:}" "$direct")"
done
