# Shared set-up for CLI tests against the local cluster (load from bats).
# $CSWARM is the binary under test: the ASan/UBSan build by default.
REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
. "$REPO/tests/cluster/lib.sh"
CSWARM=${CSWARM:-$REPO/build/asan/cswarm}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

cli_setup() {
	cluster_require || return 1
	[ -x "$CSWARM" ] || { echo "no $CSWARM: run make unit" >&2; return 1; }
	unset SSH_AUTH_SOCK
}

# Output of the last `run` must not contain a sanitizer report.
no_sanitizer_report() {
	! grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' <<<"$output"
}

# The cluster id of a state.json (a path; /dev/stdin for a pipe).
cluster_id_of() {	# FILE
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cluster_id"])' "$1"
}

# PREFIX and a hash of the test's name: a cluster name no other test uses.
own_cluster_name() {	# PREFIX
	echo "$1$(printf %s "$BATS_TEST_NAME" | md5sum | cut -c1-8)"
}

# A cluster of the test's own, PREFIX and a hash of the test's name, its
# state in STATE_DIR (default /var/lib/cswarm, h1's under the cluster's
# inventory; the hosts share this machine's filesystem): $CLUSTER,
# $STATE_DIR and $CSWARM_OPTS for the commands. own_cluster_teardown
# removes what the test's runs created, whatever state they left.
own_cluster_setup() {	# PREFIX [STATE_DIR]
	cli_setup
	CLUSTER=$(own_cluster_name "$1")
	STATE_DIR=${2:-/var/lib/cswarm}
	export CLUSTER STATE_DIR CSWARM_OPTS="--cluster $CLUSTER"
}

own_cluster_init() {
	"$CSWARM" init $CSWARM_OPTS >/dev/null
}

# Its cluster id (empty when it has no state).
own_cluster_id() {
	cluster_id_of "$STATE_DIR/$CLUSTER/state.json" 2>/dev/null
}

own_cluster_teardown() {
	cluster_restore_all
	# A failed test's log ends with what the hosts ran.
	[ -n "${BATS_TEST_COMPLETED:-}" ] || cluster_dump "$(own_cluster_id)"
	cluster_remove_objects "$(own_cluster_id)"
	rm -rf "${STATE_DIR:?}/${CLUSTER:?}"
}

# own_cluster_setup with an inventory of its own (h1 the manager, its state
# under $CSWARM_CLUSTER_DIR/h1/PREFIX-state: no shared lock needed),
# initialised; sets CSWARM_INVENTORY and CLUSTER_ID too.
own_cluster() {	# PREFIX
	own_cluster_setup "$1" "$CSWARM_CLUSTER_DIR/h1/$1-state"
	export CSWARM_INVENTORY=$BATS_TEST_TMPDIR/hosts
	cluster_inventory "$CSWARM_INVENTORY" "$STATE_DIR/$CLUSTER"
	own_cluster_init
	CLUSTER_ID=$(own_cluster_id)
}

# Deploy $STACK to the test's cluster.
deploy() {
	"$CSWARM" deploy $CSWARM_OPTS "$STACK" "$@"
}

# A client that, like a load balancer, tries every host's PORT each round,
# until $BATS_TEST_TMPDIR/stop exists or LIMIT seconds passed; then writes
# the number of rounds no host answered to $BATS_TEST_TMPDIR/fails. Run it
# in the background.
poll_port() {	# PORT LIMIT
	local fails=0 ok h end=$((SECONDS + $2))
	while [ $SECONDS -lt $end ] && [ ! -f "$BATS_TEST_TMPDIR/stop" ]; do
		ok=0
		for h in $CLUSTER_HOSTS; do
			timeout 2 busybox wget -q -O /dev/null "http://$(cluster_addr "$h"):$1/" 2>/dev/null &&
				{ ok=1; break; }
		done
		[ $ok = 1 ] || fails=$((fails + 1))
		sleep 0.1
	done
	echo "$fails" >"$BATS_TEST_TMPDIR/fails"
}
