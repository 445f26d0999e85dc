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
