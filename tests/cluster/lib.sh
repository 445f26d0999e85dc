# Helpers for tests that use the local cluster (source from bats or bash).
# The cluster must be up: tests/cluster/up [N]. See docs/local-cluster.md.
#
#   cluster_ssh HOST CMD...        run CMD on HOST with OpenSSH (docker there
#                                  reaches HOST's daemon: sshd sets DOCKER_HOST)
#   cluster_docker HOST ARGS...    docker CLI against HOST's socket, from here
#   cluster_stop_sshd HOST / cluster_start_sshd HOST
#   cluster_stop_dockerd HOST / cluster_start_dockerd HOST   (start waits)
#   cluster_link_down HOST / cluster_link_up HOST   cut HOST off the network
#   cluster_blackhole HOST / cluster_unblackhole HOST   HOST drops SSH silently
#   cluster_wrong_hostkey HOST / cluster_restore_hostkey HOST
#   cluster_in_host HOST CMD...    run CMD here, inside HOST's network namespace
#   cluster_addr HOST              10.213.0.(10+K)
#   cluster_env                    export CSWARM_INVENTORY, CLUSTER_HOSTS...
#   cluster_require                fail (or skip in bats) unless the cluster is up
#   cluster_restore_all            undo every fault injected above
#   cluster_remove_objects ID      remove the containers, networks and volumes
#                                  of cswarm cluster ID from every host, and
#                                  its overlay (DNS containers, vxlan device,
#                                  iptables chains), as `stack rm` would

. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

cluster_env() {
	[ -f "$CL_DIR/env" ] || { echo "cluster: not up ($CL_DIR/env missing)" >&2; return 1; }
	. "$CL_DIR/env"
}

cluster_addr() { cl_addr "$1"; }

# In bats, skip the test when the cluster is not up, unless the run insists
# on it (CSWARM_REQUIRE_CLUSTER=1, as CI sets): then fail.
cluster_require() {
	local h
	for h in $(cl_hosts); do
		cl_daemons_alive "$h" && continue
		cluster_not_up "$h is down"
		return 1
	done
	[ -n "$(cl_hosts)" ] || { cluster_not_up "no hosts"; return 1; }
	cluster_env
}

# Cheap (no docker info): runs in every test's setup and teardown.
cl_daemons_alive() {
	cl_pid_alive "$(cl_hdir "$1")/dockerd.pid" dockerd &&
		cl_pid_alive "$(cl_hdir "$1")/sshd.pid" sshd
}

cluster_not_up() {
	local why="test cluster not up ($1): run tests/cluster/up"
	if [ "${CSWARM_REQUIRE_CLUSTER:-0}" != 1 ] && declare -F skip >/dev/null; then
		skip "$why"
	fi
	echo "$why" >&2
}

cluster_ssh() {
	local h=$1; shift
	ssh -F "$CL_DIR/ssh_config" "$h" -- "$@"
}

cluster_docker() {
	local h=$1; shift
	DOCKER_HOST="unix://$(cl_sock "$h")" docker "$@"
}

cluster_in_host() {
	cl_check_host "$1"
	cl_in_ns "$@"
}

cluster_stop_sshd()  { cl_check_host "$1"; cl_shared cl_stop_sshd "$1"; }
cluster_start_sshd() { cl_check_host "$1"; cl_shared cl_start_sshd "$1" && cl_wait_sshd "$1"; }

cluster_stop_dockerd()  { cl_check_host "$1"; cl_shared cl_stop_dockerd "$1"; }
cluster_start_dockerd() { cl_check_host "$1"; cl_shared cl_start_dockerd "$1" && cl_wait_dockerd "$1"; }

# A partition: HOST's cable is pulled (its veth on the bridge goes down).
# Connections to it then time out; they are not refused.
cluster_link_down() { cl_check_host "$1"; ip link set "$(cl_veth "$1")" down; }
cluster_link_up()   { cl_check_host "$1"; ip link set "$(cl_veth "$1")" up; }

# HOST drops SSH connections without a word: a connect there times out
# exactly (a link down ends in "No route to host" once ARP gives up).
CL_BLACKHOLE=(INPUT -p tcp --dport 22 -m comment --comment cswarm-test-blackhole -j DROP)
cluster_blackhole() { cl_check_host "$1"; cl_in_ns "$1" iptables -I "${CL_BLACKHOLE[@]}"; }
cluster_unblackhole() {
	cl_check_host "$1"
	while cl_in_ns "$1" iptables -D "${CL_BLACKHOLE[@]}" 2>/dev/null; do :; done
}

# Make known_hosts name another key for HOST, as after a reinstall or under
# a man in the middle. cluster_restore_hostkey puts the true key back.
cluster_wrong_hostkey() {
	cl_check_host "$1"
	cl_set_known_host "$1" "$CL_DIR/wrong_hostkey.pub"
}

cluster_restore_hostkey() {
	cl_check_host "$1"
	cl_set_known_host "$1" "$(cl_hdir "$1")/ssh_host_ed25519_key.pub"
}

cl_set_known_host() {	# HOST PUBKEY_FILE
	local addr key
	addr=$(cl_addr "$1")
	key=$(cut -d' ' -f1,2 "$2")
	awk -v a="$addr" -v k="$key" '$1 == a { print a " " k; next } { print }' \
		"$CL_DIR/known_hosts" >"$CL_DIR/known_hosts.tmp" &&
		mv "$CL_DIR/known_hosts.tmp" "$CL_DIR/known_hosts"
}

cluster_restore_all() {
	local h rc=0
	for h in $(cl_hosts); do
		cluster_link_up "$h" || rc=1
		cluster_unblackhole "$h"
		cluster_restore_hostkey "$h" || rc=1
		cl_pid_alive "$(cl_hdir "$h")/dockerd.pid" dockerd || cluster_start_dockerd "$h" || rc=1
		cl_pid_alive "$(cl_hdir "$h")/sshd.pid" sshd || cluster_start_sshd "$h" || rc=1
	done
	return $rc
}

# An inventory of hosts h1 (the manager, its state directory STATE_DIR), h2
# and h3, reached as root with the cluster's key, written to FILE.
cluster_inventory() {	# FILE STATE_DIR
	cat >"$1" <<-EOF
	[managers]
	h1 ansible_host=$(cluster_addr h1) cswarm_state_dir=$2
	[workers]
	h2 ansible_host=$(cluster_addr h2)
	h3 ansible_host=$(cluster_addr h3)
	[all:vars]
	ansible_user=root
	ansible_ssh_private_key_file=$CSWARM_SSH_KEY
	cswarm_dns_image=$CLUSTER_DNS_IMAGE
	EOF
}

# Everything a test's cswarm cluster left on the hosts, whatever its state.
# What every host runs of cluster ID, one line per container (for the log
# of a failed test).
cluster_dump() {
	local h label
	for h in $(cl_hosts); do
		for label in cswarm.cluster cswarm.net.cluster; do
			cluster_docker "$h" ps -a --filter "label=$label=$1" \
				--format "$h {{.Names}} {{.Status}}" 2>&1 || true
		done
		grep -E 'level=(error|warning|fatal)' "$(cl_hdir "$h")/dockerd.log" 2>/dev/null |
			tail -n 5 | sed "s/^/$h dockerd: /"
	done
	# A step that hung (a push that timed out): what still runs, what
	# the kernel said last.
	echo "# commands running for 20 s or more:"
	ps -eo etimes=,stat=,wchan:24=,args= |
		awk '$1 >= 20 && $4 !~ /^(dockerd|containerd|sshd|bats|bash|sleep)/ && /docker|iptables|ip |sh -s/' |
		head -20
	echo "# the kernel's warnings:"
	dmesg 2>/dev/null | grep -iE 'hung|blocked for|unregister_netdevice|out of memory|call trace' |
		tail -n 12 || true
}

cluster_remove_objects() {
	local id=$1 h kind
	[ -n "$id" ] || return 0
	for h in $(cl_hosts); do
		cluster_docker "$h" ps -aq --filter "label=cswarm.cluster=$id" |
			xargs -r docker -H "unix://$(cl_sock "$h")" rm -f >/dev/null 2>&1
		for kind in network volume; do
			cluster_docker "$h" "$kind" ls -q --filter "label=cswarm.cluster=$id" |
				xargs -r docker -H "unix://$(cl_sock "$h")" "$kind" rm >/dev/null 2>&1
		done
		cluster_remove_overlay "$h" "$id"
	done
	rm -rf "/var/lib/cswarm/net/$id"
	return 0
}

# HOST ID: what the overlay of cswarm cluster ID left on HOST, when a test
# removes its cluster's objects directly rather than with `stack rm`. The
# names are those of engine/net_plan.c: device cswvx-ID[0:8], chains
# CSWID[0:6]-*, DNS containers labelled cswarm.net.cluster=ID.
cluster_remove_overlay() {
	local h=$1 id=$2
	cluster_docker "$h" ps -aq --filter "label=cswarm.net.cluster=$id" |
		xargs -r docker -H "unix://$(cl_sock "$h")" rm -f >/dev/null 2>&1
	cl_in_ns "$h" sh -c 'p=$1; for t in nat filter; do
		iptables-save -t $t | grep -- "^-A [A-Z-]* -j $p-" | cut -c4- |
			while read -r r; do eval "iptables -t $t -D $r"; done
		c=$(iptables -t $t -S | sed -n "s/^-N \($p-[A-Za-z0-9]*\)$/\1/p")
		for x in $c; do iptables -t $t -F "$x"; done
		for x in $c; do iptables -t $t -X "$x"; done
	done
	ip link del "$2" 2>/dev/null || true' sh "CSW${id:0:6}" "cswvx-${id:0:8}"
}
