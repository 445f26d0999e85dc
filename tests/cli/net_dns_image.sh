#!/bin/sh
# Build the DNS server image the network tests use, offline: Debian's own
# dnsmasq binary and the libraries ldd names, in a tarball given to
# `docker import` on every cluster host. Same server, same command line and
# hosts-file format as the default public image (cswarm_dns_image).
# Usage: net_dns_image.sh IMAGE_NAME  (env from tests/cluster/run-*/env)
set -eu
image=${1:?image name}
bin=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
[ -x "$bin" ] || { echo "net_dns_image: no dnsmasq: apt-get install dnsmasq-base" >&2; exit 1; }
tar=$CSWARM_CLUSTER_DIR/dnsmasq.tar
if [ ! -s "$tar" ]; then
	root=$(mktemp -d)
	trap 'rm -rf "$root"' EXIT
	mkdir -p "$root/usr/sbin" "$root/etc" "$root/tmp" "$root/var/run"
	cp "$bin" "$root/usr/sbin/dnsmasq"
	for lib in $(ldd "$bin" | awk '/=>/ { print $3 } /^\t\/lib/ { print $1 }'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
	tar -C "$root" -cf "$tar.tmp" . && mv "$tar.tmp" "$tar"
fi
for h in $CLUSTER_HOSTS; do
	sock=$CSWARM_CLUSTER_DIR/$h/docker.sock
	docker -H "unix://$sock" image inspect "$image" >/dev/null 2>&1 ||
		docker -H "unix://$sock" import "$tar" "$image" >/dev/null
done
