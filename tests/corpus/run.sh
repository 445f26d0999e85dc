#!/bin/sh
# Run `cswarm config` (the ASan/UBSan build) on every compose file of the
# shared corpus and emit TAP. A file passes when it loads, or is refused
# with exit code 1 and a located error; a crash, a signal, a sanitizer
# report or a timeout fails it. A file whose load/refuse status differs from
# expected-refusals.txt fails too, so behaviour changes are noticed.
#
#   tests/corpus/run.sh            run (from the repository root or anywhere)
#   tests/corpus/run.sh --update   rewrite expected-refusals.txt
#
# Environment: CSWARM_CORPUS or CORPUS (the corpus directory; default
# /work/shared/corpus or ../shared/corpus beside the checkout), CSWARM_BIN
# (default build/asan/cswarm).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
expected="$here/expected-refusals.txt"
bin=${CSWARM_BIN:-$root/build/asan/cswarm}
corpus=${CSWARM_CORPUS:-${CORPUS:-}}
if [ -z "$corpus" ]; then
	for d in /work/shared/corpus "$root/../shared/corpus"; do
		[ -d "$d" ] && corpus=$d && break
	done
fi
if [ -z "$corpus" ] || [ ! -d "$corpus" ]; then
	echo "1..0 # SKIP no corpus (set CSWARM_CORPUS)"
	exit 0
fi
if [ ! -x "$bin" ]; then
	echo "Bail out! $bin not built (make unit)"
	exit 1
fi
corpus=$(cd "$corpus" && pwd)
update=${1:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

(cd "$corpus" && find . -type f \( -name '*.yml' -o -name '*.yaml' \) | sed 's|^\./||' | LC_ALL=C sort) >"$tmp/files"
total=$(wc -l <"$tmp/files")
echo "1..$total"
n=0 loaded=0 refused=0 failed=0
: >"$tmp/refusals"
while IFS= read -r rel; do
	n=$((n + 1))
	timeout 10 "$bin" config -c "$corpus/$rel" >/dev/null 2>"$tmp/err" </dev/null
	rc=$?
	first=$(grep -m1 '^cswarm: error: ' "$tmp/err" | sed "s|$corpus/||g")
	if grep -q -e 'Sanitizer' -e 'runtime error:' "$tmp/err"; then
		status="sanitizer report"
	elif [ $rc -eq 0 ]; then
		status=loaded
	elif [ $rc -eq 1 ] && printf '%s\n' "$first" | grep -Eq '^cswarm: error: .*(:[0-9]+:[0-9]+: |: (No such file|not a regular file|Permission denied))'; then
		status=refused
		printf '%s\t%s\n' "$rel" "$first" >>"$tmp/refusals"
	elif [ $rc -eq 124 ]; then
		status="timeout"
	else
		status="exit $rc without a located error"
	fi
	was=loaded
	[ -f "$expected" ] && cut -f1 "$expected" | grep -Fxq -- "$rel" && was=refused
	case $status in
	loaded | refused)
		[ $status = loaded ] && loaded=$((loaded + 1)) || refused=$((refused + 1))
		if [ "$update" != --update ] && [ -f "$expected" ] && [ $status != $was ]; then
			echo "not ok $n - $rel # was $was, now $status"
			[ -n "$first" ] && echo "# $first"
			failed=$((failed + 1))
		else
			echo "ok $n - $rel"
		fi
		;;
	*)
		echo "not ok $n - $rel # $status"
		sed 's/^/# /' "$tmp/err" | head -20
		failed=$((failed + 1))
		;;
	esac
done <"$tmp/files"
echo "# loaded $loaded, refused $refused, failed $failed"
if [ "$update" = --update ]; then
	cp "$tmp/refusals" "$expected"
	echo "# wrote $expected"
fi
[ $failed -eq 0 ]
