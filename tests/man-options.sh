#!/usr/bin/env bash
# The man pages agree with the option tables (cmd/options.h): TAP output.
#  - the SYNOPSIS of man/cswarm-CMD.1 is what `cswarm help --man CMD`
#    writes from CMD's tables (`make man` rewrites it);
#  - an option a page's OPTIONS section describes (a .TP tag) is one of
#    CMD's tables;
#  - cswarm.1's OPTIONS FOR COMMANDS THAT REACH HOSTS describes exactly the
#    shared host and cluster options.
set -uo pipefail
cd "$(dirname "$0")/.."
bin=${CSWARM:-$PWD/build/asan/cswarm}
n=0 fail=0

result() {	# ok, description, details
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		fail=$((fail + 1))
		echo "not ok $n - $2"
		sed 's/^/#   /' <<<"$3"
	fi
}

# Lines of the section whose .SH line matches $2 (the .SH line included).
section() {
	awk -v want="$2" '/^\.SH / { in_it = ($0 ~ want) } in_it' "$1"
}

# The long options of the .TP tags of a section, one per line, sorted.
tagged_options() {
	awk '/^\.TP/ { tag = 1; next } tag { print; tag = 0 }' |
		grep -oE '\\-\\-[a-z][a-z\\-]*' | sed 's/\\-/-/g' | sort -u
}

# Every long option `cswarm help CMD` lists (the tables of all its forms).
table_options() {
	"$bin" help "$@" | grep -oE '^ +(-[a-zA-Z], )?--[a-z][a-z-]*' | grep -oE -- '--[a-z-]+' | sort -u
}

for page in man/cswarm-*.1; do
	cmd=${page#man/cswarm-}
	cmd=${cmd%.1}
	want=$("$bin" help --man "$cmd" 2>&1)
	got=$(section "$page" '^\.SH SYNOPSIS$')
	result "$([ "$want" = "$got" ]; echo $?)" "$page: SYNOPSIS written from the tables (make man)" \
		"$(diff <(echo "$got") <(echo "$want"))"
	extra=$(comm -23 <(section "$page" '^\.SH OPTIONS' | tagged_options) <(table_options "$cmd"))
	result "$([ -z "$extra" ]; echo $?)" "$page: OPTIONS describes only options of the tables" \
		"not in cswarm help $cmd: $extra"
done

shared=$(section man/cswarm.1 '^\.SH OPTIONS FOR COMMANDS THAT REACH HOSTS' | tagged_options)
tables=$("$bin" help node ls | sed -n '/(cluster options):$/,$p' | grep -oE '^ +(-[a-zA-Z], )?--[a-z-]+' |
	grep -oE -- '--[a-z-]+' | sort -u)
result "$([ "$shared" = "$tables" ]; echo $?)" \
	"man/cswarm.1: OPTIONS FOR COMMANDS THAT REACH HOSTS describes the shared options" \
	"$(diff <(echo "$shared") <(echo "$tables"))"
echo "1..$n"
[ "$fail" -eq 0 ]
