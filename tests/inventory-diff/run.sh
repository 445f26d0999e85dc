#!/usr/bin/env bash
# Differential test: every inventory under cases/ is read by
# `ansible-inventory --list` (Debian's ansible-core) and by
# `cswarm inventory --list`; both JSON outputs are normalised with python3
# (keys sorted) and compared. A case may differ only if expected-differences
# lists it with a reason; a listed case that agrees fails too, so the list
# stays true. Prints TAP, then the agreement count.
#
# Usage: tests/inventory-diff/run.sh [CASE...]    (CSWARM: binary to test)
# ansible-inventory takes about 2 s per run: cases run two at a time.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cswarm=${CSWARM:-$root/build/asan/cswarm}
[ -x "$cswarm" ] || cswarm=$root/cswarm
expected=$here/expected-differences

if ! command -v ansible-inventory >/dev/null; then
	echo "1..0 # skip ansible-inventory not installed (tests/install-deps)"
	exit 0
fi

normalise() {
	python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin), sort_keys=True, indent=1))'
}

inventory_of() {
	for f in hosts hosts.yml hosts.yaml hosts.ini; do
		[ -f "$1/$f" ] && { echo "$1/$f"; return; }
	done
}

# --one CASE OUT: both readers on one case, results in OUT/CASE.{a,c}.*
if [ "${1:-}" = --one ]; then
	inv=$(inventory_of "$here/cases/$2")
	out=$3/$2
	ansible-inventory -i "$inv" --list 2>"$out.a.err" | normalise >"$out.a.json" 2>>"$out.a.err"
	echo $? >"$out.a.status"
	"$cswarm" inventory -i "$inv" --list 2>"$out.c.err" | normalise >"$out.c.json" 2>>"$out.c.err"
	echo $? >"$out.c.status"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Keep Ansible from writing to ~/.ansible or reading a user's ansible.cfg.
touch "$tmp/ansible.cfg"
export ANSIBLE_HOME=$tmp/ansible ANSIBLE_LOCAL_TEMP=$tmp/ansible/tmp ANSIBLE_CONFIG=$tmp/ansible.cfg
export ANSIBLE_INVENTORY_UNPARSED_FAILED=True ANSIBLE_NOCOLOR=1 ANSIBLE_DEPRECATION_WARNINGS=False
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 CSWARM=$cswarm

# The reason a case is expected to differ, empty if none.
reason_for() {
	awk -v c="$1" '$1 == c { $1 = ""; sub(/^ /, ""); print; exit }' "$expected" 2>/dev/null
}

if [ $# -gt 0 ]; then
	cases=("$@")
else
	cases=()
	for d in "$here"/cases/*/; do cases+=("$(basename "$d")"); done
fi
(cd "$tmp" && printf '%s\n' "${cases[@]}" | xargs -P 2 -I{} "$here/run.sh" --one {} "$tmp")
echo "1..${#cases[@]}"
n=0 same=0 failed=0
for c in "${cases[@]}"; do
	n=$((n + 1))
	reason=$(reason_for "$c")
	r=$tmp/$c
	if [ "$(cat "$r.a.status")" -ne 0 ]; then
		echo "not ok $n - $c: ansible-inventory failed"
		sed 's/^/#   /' "$r.a.err"
		failed=$((failed + 1))
	elif [ "$(cat "$r.c.status")" -eq 0 ] && cmp -s "$r.a.json" "$r.c.json"; then
		same=$((same + 1))
		if [ -n "$reason" ]; then
			echo "not ok $n - $c: identical, but listed in expected-differences (remove it)"
			failed=$((failed + 1))
		else
			echo "ok $n - $c"
		fi
	elif [ -n "$reason" ]; then
		echo "ok $n - $c # expected difference: $reason"
	else
		echo "not ok $n - $c: differs from ansible-inventory --list"
		sed 's/^/#   cswarm: /' "$r.c.err"
		diff -u "$r.a.json" "$r.c.json" | sed 's/^/#   /' | head -40
		failed=$((failed + 1))
	fi
done
echo "# $same of $n inventories identical to ansible-inventory --list"
[ "$failed" -eq 0 ]
