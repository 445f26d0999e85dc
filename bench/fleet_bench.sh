#!/bin/bash
# Fleet bench (issue 16): cswarm on a simulated fleet of N hosts (real sshd
# each, tests/fleet/fake-docker instead of dockerd) against the floor
# measured in the same run on the same hosts: OpenSSH running `docker ps`
# on every host, as many at once as cswarm's --forks. Prints
#
#   fleet: hosts=N reconcile_ms=X floor_ms=Y ratio=X/Y rss_kb=Z cpu_ms=W
#
# (reconcile of a deployed stack that has nothing to do; medians of RUNS)
# and one line for each other command: first deploy, node ls, a deploy that
# changes one service, node drain, with their own RSS and CPU. No verdict.
#
#   bench/fleet_bench.sh [N]     (default 200; root; uses ./cswarm)
#   RUNS=3 (medians of), FORKS=64, TIMEOUT=60s, FLOOR_DEFAULT_KEX=0 skips
#   the slow floor
set -euo pipefail
N=${1:-200}
RUNS=${RUNS:-3}
FORKS=${FORKS:-64}
# Logins queue behind each other on a small machine: a host that takes more
# than the default 10 s to log in would count as down and its tasks move.
TIMEOUT=${TIMEOUT:-60s}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${CSWARM_BIN:-$ROOT/cswarm}
export CSWARM_FLEET_NAME=${CSWARM_FLEET_NAME:-fbench}
export CSWARM_FLEET_NET=${CSWARM_FLEET_NET:-10.214.0}
FDIR=${CSWARM_FLEET_DIR:-$ROOT/tests/fleet/run-$CSWARM_FLEET_NAME}
TMP=$(mktemp -d)

cleanup() {
	"$ROOT/tests/fleet/down" || echo "fleet_bench: down failed: see tests/fleet/down" >&2
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$ROOT/tests/fleet/up" "$N"
. "$FDIR/env"
# About 10 tasks per host: a global agent, and 9 per host over 3 services.
export API_REPLICAS=$((4 * N)) WORKER_REPLICAS=$((4 * N)) CACHE_REPLICAS=$N

# Run a command once; append "wall_ms rss_kb cpu_ms" to FILE.
measure() {	# FILE CMD...
	local file=$1; shift
	/usr/bin/time -o "$TMP/time" -f '%e %M %U %S' "$@" >"$TMP/out" 2>&1 ||
		{ echo "fleet_bench: failed: $*" >&2; tail -5 "$TMP/out" >&2; exit 1; }
	awk '{ printf "%d %d %d\n", $1 * 1000, $2, ($3 + $4) * 1000 }' "$TMP/time" >>"$file"
}

# The median of column COL of FILE.
median() {	# FILE COL
	sort -n -k"$2","$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'
}

# The floor: one OpenSSH `docker ps` per host, FORKS at once. OpenSSH 9
# picks the post-quantum sntrup761x25519 key exchange, which costs about
# 60 ms of CPU per login on each side; libssh2 (cswarm) does curve25519:
# the floor is given both ways, the ratio against the same key exchange.
FLOOR="awk '{ print \$2 }' '$FDIR/hosts' | xargs -P $FORKS -I{} ssh -F '$FLEET_SSH_CONFIG' -o ConnectTimeout=${TIMEOUT%s} {} docker ps >/dev/null"
FLOOR_KEX="awk '{ print \$2 }' '$FDIR/hosts' | xargs -P $FORKS -I{} ssh -F '$FLEET_SSH_CONFIG' -o ConnectTimeout=${TIMEOUT%s} -o KexAlgorithms=curve25519-sha256 {} docker ps >/dev/null"

line() {	# NAME FILE
	printf 'fleet: hosts=%d %s_ms=%d rss_kb=%d cpu_ms=%d\n' "$N" "$1" \
		"$(median "$2" 1)" "$(median "$2" 2)" "$(median "$2" 3)"
}

measure "$TMP/init" "$BIN" init --forks "$FORKS" --timeout "$TIMEOUT"
measure "$TMP/deploy" "$BIN" deploy "$ROOT/tests/fleet/stack.yml" --forks "$FORKS" --timeout "$TIMEOUT"
line first_deploy "$TMP/deploy"
tasks=$(cat "$FDIR"/h*/docker/c/*.json | wc -l)
state_bytes=$(wc -c <"$FDIR/state/state.json")

# Alternate the two so that a drift of the shared machine hits both.
for i in $(seq 1 "$RUNS"); do
	measure "$TMP/reconcile" "$BIN" reconcile --forks "$FORKS" --timeout "$TIMEOUT"
	measure "$TMP/floor_kex" sh -c "$FLOOR_KEX"
done
# Once, and not at all with FLOOR_DEFAULT_KEX=0: the heaviest on the machine.
[ "${FLOOR_DEFAULT_KEX:-1}" = 0 ] && echo "0 0 0" >"$TMP/floor" || measure "$TMP/floor" sh -c "$FLOOR"
r=$(median "$TMP/reconcile" 1) f=$(median "$TMP/floor_kex" 1)
printf 'fleet: hosts=%d reconcile_ms=%d floor_ms=%d ratio=%s rss_kb=%d cpu_ms=%d floor_cpu_ms=%d\n' \
	"$N" "$r" "$f" "$(awk -v r="$r" -v f="$f" 'BEGIN { printf "%.2f", r / f }')" \
	"$(median "$TMP/reconcile" 2)" "$(median "$TMP/reconcile" 3)" "$(median "$TMP/floor_kex" 3)"
printf 'fleet: hosts=%d floor_default_kex_ms=%d floor_default_kex_cpu_ms=%d tasks=%d state_bytes=%d\n' \
	"$N" "$(median "$TMP/floor" 1)" "$(median "$TMP/floor" 3)" "$tasks" "$state_bytes"

for i in $(seq 1 "$RUNS"); do measure "$TMP/nodels" "$BIN" node ls --forks "$FORKS" --timeout "$TIMEOUT"; done
line node_ls "$TMP/nodels"
CACHE_VERSION=2 measure "$TMP/change" "$BIN" deploy "$ROOT/tests/fleet/stack.yml" --forks "$FORKS" --timeout "$TIMEOUT"
line deploy_one_service "$TMP/change"
measure "$TMP/drain" "$BIN" node drain h2 --forks "$FORKS" --timeout "$TIMEOUT"
line node_drain "$TMP/drain"
