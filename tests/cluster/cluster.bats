#!/usr/bin/env bats
# Checks that the local test cluster itself works: tests/cluster/cluster.bats
# Brings the cluster up (idempotent); in CI the last test takes it down,
# checks that nothing is left behind and brings it up again.

CLUSTER=$BATS_TEST_DIRNAME

setup_file() {
	"$BATS_TEST_DIRNAME/up" 3 3>&-
}

setup() {
	. "$CLUSTER/lib.sh"
	cluster_env
}

teardown() {
	cluster_restore_all
}

@test "every host answers docker info over ssh, under its own name" {
	for h in $CLUSTER_HOSTS; do
		run cluster_ssh "$h" 'hostname; docker info --format "{{.Name}}"'
		[ "$status" -eq 0 ]
		[ "${lines[0]}" = "$h" ]
		[ "${lines[1]}" = "$h" ]
	done
}

@test "every host has its own engine ID" {
	ids=$(for h in $CLUSTER_HOSTS; do cluster_docker "$h" info --format '{{.ID}}'; done)
	[ "$(echo "$ids" | sort -u | wc -l)" -eq 3 ]
}

@test "inventory, known_hosts and env describe the hosts" {
	[ "$CLUSTER_HOSTS" = "h1 h2 h3" ]
	grep -qx "h1 ansible_host=$CLUSTER_ADDR_h1" "$CSWARM_INVENTORY"
	grep -qx "h3 ansible_host=$CLUSTER_ADDR_h3" "$CSWARM_INVENTORY"
	[ "$CLUSTER_ADDR_h3" = "${CLUSTER_ADDR_h1%.11}.13" ]
	grep -qx "ansible_ssh_private_key_file=$CSWARM_SSH_KEY" "$CSWARM_INVENTORY"
	[ "$(sed -n 1p "$CSWARM_INVENTORY")" = "[managers]" ]
	[ "$(wc -l <"$CSWARM_KNOWN_HOSTS")" -eq 3 ]
	grep -q "^$CLUSTER_ADDR_h2 ssh-ed25519 AAAA" "$CSWARM_KNOWN_HOSTS"
}

@test "busybox runs on every host" {
	for h in $CLUSTER_HOSTS; do
		run cluster_docker "$h" run --rm busybox:latest echo "hi from $h"
		[ "$status" -eq 0 ]
		[ "$output" = "hi from $h" ]
	done
}

@test "a port published on h1 is reachable from root ns, h2 and a container on h3" {
	cluster_docker h1 rm -f cl-web-test >/dev/null 2>&1 || true
	cluster_docker h1 run -d --name cl-web-test -p 18080:80 busybox:latest httpd -f -p 80 -h /www
	url=http://$CLUSTER_ADDR_h1:18080/
	# busybox 1.35 wget crashes with -T: bound it with timeout instead.
	for i in $(seq 30); do timeout 3 busybox wget -q -O /dev/null "$url" 2>/dev/null && break; sleep 0.1; done
	run timeout 5 busybox wget -q -O - "$url"
	[[ "$output" == *"cswarm test page"* ]]
	run cluster_in_host h2 timeout 5 busybox wget -q -O - "$url"
	[[ "$output" == *"cswarm test page"* ]]
	run cluster_docker h3 run --rm busybox:latest timeout 5 wget -q -O - "$url"
	[[ "$output" == *"cswarm test page"* ]]
	cluster_docker h1 rm -f cl-web-test
}

@test "link down: ssh to that host fails within the connect timeout, then recovers" {
	cluster_link_down h2
	start=$SECONDS
	run ssh -F "$CSWARM_SSH_CONFIG" -o ConnectTimeout=2 h2 true
	[ "$status" -ne 0 ]
	[ $((SECONDS - start)) -le 4 ]
	run cluster_ssh h1 true		# the others are unaffected
	[ "$status" -eq 0 ]
	cluster_link_up h2
	run cluster_ssh h2 true
	[ "$status" -eq 0 ]
}

@test "sshd stopped: connection refused; started again: works" {
	cluster_stop_sshd h3
	run cluster_ssh h3 true
	[ "$status" -eq 255 ]
	[[ "$output" == *"refused"* ]]
	cluster_start_sshd h3
	run cluster_ssh h3 true
	[ "$status" -eq 0 ]
}

@test "dockerd stopped: docker over ssh fails; started again: works" {
	cluster_stop_dockerd h2
	run cluster_ssh h2 docker info
	[ "$status" -ne 0 ]
	cluster_start_dockerd h2
	run cluster_ssh h2 docker run --rm busybox:latest true
	[ "$status" -eq 0 ]
}

@test "wrong host key: ssh refuses; restored: works" {
	cluster_wrong_hostkey h1
	run cluster_ssh h1 true
	[ "$status" -eq 255 ]
	[[ "$output" == *"verification failed"* ]]
	cluster_restore_hostkey h1
	run cluster_ssh h1 true
	[ "$status" -eq 0 ]
}

@test "up again keeps the running daemons" {
	before=$(cat "$CSWARM_CLUSTER_DIR"/h*/dockerd.pid "$CSWARM_CLUSTER_DIR"/h*/sshd.pid)
	run "$CLUSTER/up" 3 3>&-
	[ "$status" -eq 0 ]
	[ "$(cat "$CSWARM_CLUSTER_DIR"/h*/dockerd.pid "$CSWARM_CLUSTER_DIR"/h*/sshd.pid)" = "$before" ]
}

@test "down leaves nothing behind; up again from scratch works" {
	# Taking the cluster down under tests that run beside us would break
	# them: only in CI (serial) or when asked.
	[ "${CI:-}" = true ] || [ "${CSWARM_CLUSTER_CYCLE:-0}" = 1 ] ||
		skip "set CSWARM_CLUSTER_CYCLE=1 (CI does) to cycle the cluster"
	cluster_docker h1 run -d --name cl-busy busybox:latest sleep 1000
	"$CLUSTER/down"
	run "$CLUSTER/check-clean"
	echo "$output"
	[ "$status" -eq 0 ]
	"$CLUSTER/up" 3 3>&-
	run cluster_ssh h3 docker run --rm busybox:latest echo ok
	[ "$output" = ok ]
}
