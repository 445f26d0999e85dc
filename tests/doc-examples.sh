#!/usr/bin/env bash
# Every `cswarm ...` example in README.md, docs/*.md and the man pages'
# EXAMPLES must be a command line cswarm accepts: run against no inventory
# (reaching no host), it may fail for want of hosts or files (exit 1, 3)
# but never as a usage error (exit 2: unknown command or option, missing
# argument). TAP output.
set -uo pipefail
cd "$(dirname "$0")/.."
bin=${CSWARM:-$PWD/build/asan/cswarm}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Fenced code lines "cswarm ..." or "$ cswarm ...", comments dropped;
# synopses with [optional] parts or ... are not examples.
md_examples() {
	awk -v f="$1" '
		/^```/ { code = !code; next }
		code && /^(\$ )?cswarm / {
			line = $0; sub(/^\$ /, "", line); sub(/[ \t]+#.*$/, "", line)
			if (line !~ /[\[\]|<>]|\.\.\./) print f ":" FNR ": " line
		}' "$1"
}

man_examples() {
	awk -v f="$1" '
		/^\.SH/ { ex = ($0 ~ /EXAMPLE/); next }
		ex && /^(\.B )?cswarm / {
			line = $0; gsub(/\\-/, "-", line); gsub(/\\f[BIRP]/, "", line); sub(/^\.B /, "", line)
			sub(/[ \t]+#.*$/, "", line)
			if (line !~ /[\[\]|<>]|\.\.\./) print f ":" FNR ": " line
		}' "$1"
}

{
	for f in README.md docs/*.md; do md_examples "$f"; done
	for f in man/*.1; do man_examples "$f"; done
} >"$work/examples"

n=0 fail=0
while IFS= read -r ex; do
	where=${ex%%: cswarm *}
	cmdline=${ex#*: cswarm }
	n=$((n + 1))
	# The example's words as the shell splits them (quotes included).
	eval "args=($cmdline)"
	(cd "$work" && CSWARM_INVENTORY=/nonexistent/inventory timeout 10 \
		"$bin" "${args[@]}" </dev/null >"$work/out" 2>&1)
	status=$?
	if [ $status -eq 2 ] || grep -qE 'AddressSanitizer|runtime error' "$work/out"; then
		echo "not ok $n - $where: cswarm $cmdline"
		sed 's/^/# /' "$work/out" | head -3
		fail=1
	else
		echo "ok $n - $where: cswarm $cmdline"
	fi
done <"$work/examples"
echo "1..$n"
exit $fail
