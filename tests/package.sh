#!/usr/bin/env bash
# Installing like a real tool: make install (DESTDIR), make dist, make deb
# installed with apt and removed again. TAP output. Needs root (apt) and
# the static build's dependencies (make static).
set -uo pipefail
cd "$(dirname "$0")/.."
n=0 fail=0
check() {	# description, command...
	local what=$1; shift
	n=$((n + 1))
	if "$@" >>build/test-logs/package.log 2>&1; then echo "ok $n - $what"
	else echo "not ok $n - $what"; fail=1; fi
}
mkdir -p build/test-logs
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

installed_tree() {
	make install DESTDIR="$root" PREFIX=/opt/cs &&
	"$root/opt/cs/bin/cswarm" --version | grep -q '^cswarm ' &&
	[ -f "$root/opt/cs/share/man/man1/cswarm-deploy.1" ] &&
	grep -q 'complete -o filenames -F _cswarm cswarm' "$root/opt/cs/share/bash-completion/completions/cswarm" &&
	[ -s "$root/opt/cs/share/zsh/vendor-completions/_cswarm" ] &&
	[ -s "$root/opt/cs/share/fish/vendor_completions.d/cswarm.fish" ]
}

completion_works() {
	# shellcheck disable=SC1090
	source <("$root/opt/cs/bin/cswarm" completion bash)
	COMP_WORDS=(cswarm node dr) COMP_CWORD=2
	_cswarm
	[ "${COMPREPLY[*]}" = drain ] || return 1
	COMP_WORDS=(cswarm deploy --pr) COMP_CWORD=2
	_cswarm
	[ "${COMPREPLY[*]}" = --prune ]
}

dist_ok() {
	make dist &&
	(cd build/dist && sha256sum -c cswarm-*-linux-x86_64.tar.gz.sha256) &&
	tar -tzf build/dist/cswarm-*-linux-x86_64.tar.gz | grep -c '/bin/cswarm$' >/dev/null
}

static_small() {
	local size
	size=$(stat -c %s cswarm-static)
	echo "cswarm-static: $size bytes"
	[ "$size" -lt $((6 * 1024 * 1024)) ] && file cswarm-static | grep -q 'statically linked'
}

deb_installs() {
	make deb &&
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q ./build/dist/cswarm_*_amd64.deb </dev/null &&
	/usr/bin/cswarm --version | grep -q "^cswarm $(cat VERSION) " &&
	[ -f /usr/share/man/man1/cswarm.1.gz ] &&
	DEBIAN_FRONTEND=noninteractive apt-get remove -y -q cswarm </dev/null &&
	[ ! -e /usr/bin/cswarm ]
}

check "make install puts binary, man pages and completions under DESTDIR/PREFIX" installed_tree
check "the bash completion completes subcommands and options" completion_works
check "the static binary is under 6 MB and static" static_small
check "make dist: a versioned tarball whose SHA-256 file checks" dist_ok
check "make deb: apt installs the package and removes it cleanly" deb_installs
n=$((n + 1))
if command -v lintian >/dev/null; then
	if lintian build/dist/cswarm_*_amd64.deb 2>/dev/null | grep -E '^[EW]:' >>build/test-logs/package.log
	then echo "not ok $n - lintian finds errors or warnings"; fail=1
	else echo "ok $n - lintian is clean"; fi
else
	echo "ok $n - lintian is clean # SKIP lintian not installed"
fi
echo "1..$n"
exit $fail
