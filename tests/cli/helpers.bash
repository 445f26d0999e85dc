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

# A cswarm cluster of the test's own: named PREFIX and a hash of the test's
# name, its state under $CSWARM_CLUSTER_DIR/h1/PREFIX-state (absolute, on
# the shared filesystem), h1 the manager: it needs no shared lock. Sets
# CLUSTER, STATE_DIR, CSWARM_INVENTORY and, once initialised, CLUSTER_ID.
own_cluster() {
	export CLUSTER="$1$(printf %s "$BATS_TEST_NAME" | md5sum | cut -c1-8)"
	export STATE_DIR=$CSWARM_CLUSTER_DIR/h1/$1-state
	export CSWARM_INVENTORY=$BATS_TEST_TMPDIR/hosts
	cluster_inventory "$CSWARM_INVENTORY" "$STATE_DIR/$CLUSTER"
	"$CSWARM" init --cluster "$CLUSTER" >/dev/null
	CLUSTER_ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cluster_id"])' \
		"$STATE_DIR/$CLUSTER/state.json")
}

# What own_cluster's cluster left: containers, networks, volumes, state.
own_cluster_remove() {
	cluster_remove_objects "$CLUSTER_ID"
	rm -rf "${STATE_DIR:?}/${CLUSTER:?}"
}
