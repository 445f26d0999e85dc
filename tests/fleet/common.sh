# Shared definitions of the simulated fleet (sourced by tests/fleet/up and
# down). One network namespace holds every host's address; each host is a
# real sshd listening on its own address, whose `docker` is fake-docker
# with its own state directory. See docs/local-cluster.md.

FL_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FL_ROOT=$(cd "$FL_SRC/../.." && pwd)
FL_NAME=${CSWARM_FLEET_NAME:-fleet}
FL_NET=${CSWARM_FLEET_NET:-10.214.0}	# 10.214.B.0/21: hosts from 10.214.B.10
FL_MAX_HOSTS=1600
case $FL_NAME in
[a-z]|[a-z][a-z0-9]|[a-z][a-z0-9][a-z0-9]|[a-z][a-z0-9][a-z0-9][a-z0-9]|[a-z][a-z0-9][a-z0-9][a-z0-9][a-z0-9]|[a-z][a-z0-9][a-z0-9][a-z0-9][a-z0-9][a-z0-9]) ;;
*) echo "fleet: error: CSWARM_FLEET_NAME='$FL_NAME': want 1-6 of [a-z0-9], starting with a letter" >&2; exit 2 ;;
esac
[[ $FL_NET =~ ^10\.214\.([0-9]+)$ ]] && [ "${BASH_REMATCH[1]}" -le 248 ] &&
	[ $((BASH_REMATCH[1] % 8)) -eq 0 ] ||
	{ echo "fleet: error: CSWARM_FLEET_NET='$FL_NET': want 10.214.B, B a multiple of 8 up to 248" >&2; exit 2; }
FL_B=${FL_NET##*.}
FL_DIR=${CSWARM_FLEET_DIR:-$FL_SRC/run-$FL_NAME}
FL_NS=$FL_NAME-fleet
FL_VETH=$FL_NAME-fv
FL_GW=10.214.$((FL_B + 7)).254	# the root namespace's side
FL_LOCK=/run/$FL_NAME-fleet.lock
PATH=$PATH:/usr/sbin:/sbin

fl_die() { echo "fleet: error: $*" >&2; exit 1; }
fl_log() { echo "fleet: $*" >&2; }

# hK -> 10.214.(B + (K-1)/200).(10 + (K-1)%200)
fl_addr() {
	local k=${1#h}
	echo "10.214.$((FL_B + (k - 1) / 200)).$((10 + (k - 1) % 200))"
}
fl_hdir() { echo "$FL_DIR/$1"; }
fl_in_ns() { nsenter --net="/var/run/netns/$FL_NS" -- "$@"; }
fl_hosts() { [ -f "$FL_DIR/hosts" ] && cut -d' ' -f1 "$FL_DIR/hosts"; }

fl_lock() {
	exec 8>"$FL_LOCK"
	flock -w 120 8 || fl_die "another fleet up or down holds $FL_LOCK"
}
