# Shared definitions for the local test cluster (sourced by up, down, lib.sh).
# Bash only. Every host hK is a network namespace plus a UTS namespace with
# its own dockerd (and the containerd it manages) and its own sshd.

CL_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Names and subnet are global on the machine; a second cluster beside the
# default one needs its own: CSWARM_CLUSTER_NAME=t2 CSWARM_CLUSTER_NET=10.213.2
CL_NAME=${CSWARM_CLUSTER_NAME:-cswarm}
CL_NET=${CSWARM_CLUSTER_NET:-10.213.0}	# a /24 used only inside our namespaces
case $CL_NAME in
[a-z]|[a-z][a-z0-9]|[a-z][a-z0-9][a-z0-9]|[a-z][a-z0-9][a-z0-9][a-z0-9]|[a-z][a-z0-9][a-z0-9][a-z0-9][a-z0-9]|[a-z][a-z0-9][a-z0-9][a-z0-9][a-z0-9][a-z0-9]) ;;
*) echo "cluster: error: CSWARM_CLUSTER_NAME='$CL_NAME': want 1-6 of [a-z0-9], starting with a letter" >&2; exit 2 ;;
esac
[[ $CL_NET =~ ^10\.213\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])$ ]] ||
	{ echo "cluster: error: CSWARM_CLUSTER_NET='$CL_NET': want 10.213.X" >&2; exit 2; }

if [ "$CL_NAME" = cswarm ]; then CL_DIR=${CSWARM_CLUSTER_DIR:-$CL_SRC/run}
else CL_DIR=${CSWARM_CLUSTER_DIR:-$CL_SRC/run-$CL_NAME}; fi
case $CL_DIR in /*) ;; *) CL_DIR=$PWD/$CL_DIR ;; esac
CL_DIR=${CL_DIR%/}

CL_BRIDGE=$CL_NAME-br0
CL_GW=$CL_NET.1		# the bridge's address in the root namespace
CL_LOCK=/run/$CL_NAME-cluster.lock
CL_OWNER=/run/$CL_NAME-cluster.owner	# which state dir owns the names
CL_MAX_HOSTS=50
CL_TIMEOUT=${CSWARM_CLUSTER_TIMEOUT:-30}	# seconds per wait
CL_DNS_IMAGE=cswarm-test/dnsmasq:1	# built by tests/cli/net_dns_image.sh

# dockerd and sshd live in /usr/sbin, which a non-login PATH may lack.
PATH=$PATH:/usr/sbin:/sbin

cl_die() { echo "cluster: error: $*" >&2; exit 1; }
cl_log() { echo "cluster: $*" >&2; }

cl_ns()   { echo "$CL_NAME-$1"; }		# h2 -> cswarm-h2
cl_num()  { echo "${1#h}"; }			# h2 -> 2
cl_addr() { echo "$CL_NET.$((10 + ${1#h}))"; }	# h2 -> 10.213.0.12
cl_veth() { echo "$CL_NAME-v${1#h}"; }		# root side of h2's veth
cl_hdir() { echo "$CL_DIR/$1"; }
cl_sock() { echo "$CL_DIR/$1/docker.sock"; }

# The hosts recorded by the last `up`, in order.
cl_hosts() {
	[ -f "$CL_DIR/hosts" ] && cut -d' ' -f1 "$CL_DIR/hosts"
}

cl_check_host() {
	case $1 in h[1-9]|h[1-9][0-9]) ;; *) cl_die "bad host name '$1' (want h1..h$CL_MAX_HOSTS)" ;; esac
	[ -d "$CL_DIR/$1" ] || cl_die "$1: no such host in $CL_DIR (run tests/cluster/up)"
}

# Take the cluster lock exclusively (up, down) on fd 9 until exit. A down
# that up runs to clear leftovers inherits the lock instead of waiting on it.
cl_lock() {
	[ "${CL_LOCK_HELD:-}" = "$CL_LOCK" ] && return 0
	exec 9>"$CL_LOCK"
	flock -w 120 9 || cl_die "another cluster up or down holds $CL_LOCK"
	export CL_LOCK_HELD=$CL_LOCK
}

# Run a command under the cluster lock, shared: tests may change hosts side
# by side, but not while up or down (which take it exclusively) rebuild them.
cl_shared() {
	(
		flock -s -w 120 9 || cl_die "cannot take $CL_LOCK"
		"$@"
	) 9>"$CL_LOCK"
}

# nsenter, not `ip netns exec`: the latter remounts /sys in a private mount
# namespace, and dockerd then dies with "Devices cgroup isn't mounted".
cl_in_ns() {
	local h=$1; shift
	nsenter --net="/var/run/netns/$(cl_ns "$h")" --uts="$(cl_hdir "$h")/uts" -- "$@"
}

cl_ns_exists() {
	[ -e "/var/run/netns/$(cl_ns "$1")" ] && return 0
	echo "cluster: error: $1: its namespace $(cl_ns "$1") is gone (run tests/cluster/up)" >&2
	return 1
}

cl_pid_alive() {	# PIDFILE [COMM]: is the process named in PIDFILE running?
	local pid
	pid=$(cat "$1" 2>/dev/null) || return 1
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
	[ -z "${2:-}" ] || [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ]
}

# Wait until COMMAND succeeds, at most CL_TIMEOUT seconds.
cl_wait() {
	local deadline=$((SECONDS + CL_TIMEOUT))
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.1
	done
}

# Send SIGTERM to the process of PIDFILE if it is still a COMM (the pid may
# have been reused), SIGKILL if still there after SECS.
cl_kill_pidfile() {
	local pidfile=$1 comm=$2 secs=$3 pid i
	if cl_pid_alive "$pidfile" "$comm"; then
		pid=$(cat "$pidfile")
		kill "$pid" 2>/dev/null || true
		for ((i = 0; i < secs * 10; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$pidfile"
}

cl_docker_ok() {
	DOCKER_HOST="unix://$(cl_sock "$1")" docker info --format '{{.ID}}'
}

cl_dockerd_running() {
	cl_pid_alive "$(cl_hdir "$1")/dockerd.pid" dockerd && cl_docker_ok "$1" >/dev/null 2>&1
}

# Start the host's dockerd in the background; does not wait for it.
# Close every descriptor above 2 of the current (sub)shell.
cl_close_fds() {
	local fd
	for fd in /proc/$BASHPID/fd/*; do
		fd=${fd##*/}
		[ "$fd" -gt 2 ] && eval "exec $fd>&-"
	done
	# No 2>/dev/null on the loop: bash keeps the stderr it would restore
	# in a descriptor above 2, which the loop closes, and a dockerd
	# started after it then logged to /dev/null.
	return 0
}

cl_start_dockerd() {
	local h=$1 d
	d=$(cl_hdir "$h")
	cl_ns_exists "$h" || return 1
	cl_pid_alive "$d/dockerd.pid" dockerd && return 0
	rm -f "$d/dockerd.pid" "$d/docker.sock"
	# Docker < 23 takes its engine ID (`docker info` ID) from a key.json,
	# by default /etc/docker/key.json shared by all hosts: give each its own.
	# Docker 23 ignores the key and keeps the ID in the data root.
	[ -s "$d/daemon.json" ] ||
		printf '{ "deprecated-key-path": "%s/key.json" }\n' "$d" >"$d/daemon.json"
	# dockerd must keep no descriptor of ours: not our lock, not a caller's
	# pipe (bats waits for every writer of its output pipes, whatever fd
	# number it uses), so the background subshell closes all but 0-2 and
	# then execs: $! is dockerd itself.
	(
		cl_close_fds
		exec nsenter --net="/var/run/netns/$(cl_ns "$h")" --uts="$d/uts" -- setsid dockerd \
			--config-file "$d/daemon.json" \
			--data-root "$d/data" \
			--exec-root "$d/x" \
			--pidfile "$d/dockerd.pid" \
			-H "unix://$d/docker.sock" \
			--bip "172.30.$(cl_num "$h").1/24" \
			--default-address-pool "base=172.31.0.0/16,size=24" \
			--cgroup-parent "$(cl_ns "$h")" \
			--shutdown-timeout 1
	) </dev/null >>"$d/dockerd.log" 2>&1 &
	echo $! >"$d/dockerd.launched"
}

# Ready, or dead: no use waiting for a dockerd that exited.
cl_dockerd_settled() {
	cl_dockerd_running "$1" || ! cl_pid_alive "$(cl_hdir "$1")/dockerd.launched"
}

cl_wait_dockerd() {
	cl_wait cl_dockerd_settled "$1" && cl_dockerd_running "$1" && return 0
	echo "cluster: error: $1: dockerd exited or did not answer within ${CL_TIMEOUT}s; last log lines:" >&2
	tail -n 5 "$(cl_hdir "$1")/dockerd.log" >&2
	return 1
}

# dockerd stops its containerd, containers and their mounts on SIGTERM.
cl_stop_dockerd() {
	cl_kill_pidfile "$(cl_hdir "$1")/dockerd.pid" dockerd 10
}

cl_start_sshd() {
	local h=$1 d
	d=$(cl_hdir "$h")
	cl_ns_exists "$h" || return 1
	cl_pid_alive "$d/sshd.pid" sshd && return 0
	mkdir -p /run/sshd		# privilege separation directory
	# TCP keepalive in the host's namespace (sshd turns it on for its
	# sockets): a session whose client died while the link was cut, such
	# as a lock holder's, ends seconds after the link is back, not hours.
	cl_in_ns "$h" sysctl -q -w net.ipv4.tcp_keepalive_time=5 \
		net.ipv4.tcp_keepalive_intvl=2 net.ipv4.tcp_keepalive_probes=3 >/dev/null 2>&1 || true
	nsenter --net="/var/run/netns/$(cl_ns "$h")" --uts="$d/uts" -- \
		/usr/sbin/sshd -f "$d/sshd_config" -E "$d/sshd.log" \
		</dev/null >/dev/null 2>&1 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-
}

cl_stop_sshd() {	# also ends the sessions that sshd had accepted
	local h=$1 pid=""
	cl_pid_alive "$(cl_hdir "$h")/sshd.pid" sshd && pid=$(cat "$(cl_hdir "$h")/sshd.pid")
	cl_kill_pidfile "$(cl_hdir "$h")/sshd.pid" sshd 3
	[ -z "$pid" ] || pkill -KILL -P "$pid" 2>/dev/null || true
}

cl_ssh_ok() {
	ssh -F "$CL_DIR/ssh_config" -o ConnectTimeout=2 "$1" true </dev/null
}

cl_wait_sshd() {
	cl_wait cl_ssh_ok "$1" && return 0
	echo "cluster: error: $1: sshd at $(cl_addr "$1"):22 did not accept our key within ${CL_TIMEOUT}s; last log lines:" >&2
	tail -n 5 "$(cl_hdir "$1")/sshd.log" >&2
	return 1
}

# Every process that belongs to host H: those in its network namespace
# (dockerd, containerd, shims, sshd and its sessions) and those in its
# containers' cgroups (a container process has its own network namespace).
cl_host_pids() {
	local h=$1 f
	ip netns pids "$(cl_ns "$h")" 2>/dev/null
	grep -ls -- ":/$(cl_ns "$h")/" /proc/[0-9]*/cgroup | sed 's|^/proc/\([0-9]*\)/cgroup$|\1|'
	return 0
}

# Unmount everything under DIR, deepest first; lazily if busy.
cl_umount_under() {
	local dir=$1 mnt pass
	for pass in 1 2 3; do
		mnt=$(awk -v d="$dir" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/mounts | sort -r)
		[ -n "$mnt" ] || return 0
		for m in $mnt; do
			umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
		done
	done
	[ -z "$(awk -v d="$dir" '$2 == d || index($2, d "/") == 1' /proc/mounts)" ]
}

cl_rm_cgroups() {	# the --cgroup-parent of host H, in every hierarchy
	local dir
	for dir in /sys/fs/cgroup/*/"$(cl_ns "$1")" /sys/fs/cgroup/"$(cl_ns "$1")"; do
		[ -d "$dir" ] || continue
		find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || true
	done
}

# Tear host H down completely, whatever state it is in. Returns non-zero
# (after doing all it can) if something could not be removed.
cl_remove_host() {
	local h=$1 d pids rc=0
	d=$(cl_hdir "$h")
	cl_stop_sshd "$h"
	cl_stop_dockerd "$h"
	# A killed process can take a while to go on a busy machine: one was
	# still there 0.2 s after SIGKILL at the end of a full test run. Up to
	# 5 s, killing again what is still there (and what it forked).
	local tries=50
	pids=$(cl_host_pids "$h" | sort -u)
	while [ -n "$pids" ] && [ $tries -gt 0 ]; do
		kill -KILL $pids 2>/dev/null
		sleep 0.1
		tries=$((tries - 1))
		pids=$(cl_host_pids "$h" | sort -u)
	done
	[ -z "$pids" ] || { cl_log "$h: processes still alive: $pids"; rc=1; }
	cl_umount_under "$d" || { cl_log "$h: mounts left under $d"; rc=1; }
	cl_rm_cgroups "$h"
	ip link del "$(cl_veth "$h")" 2>/dev/null
	ip netns del "$(cl_ns "$h")" 2>/dev/null
	[ $rc -ne 0 ] || rm -rf "$d"
	return $rc
}
