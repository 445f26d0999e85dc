#!/usr/bin/env bats
# Cluster state and the leader lock against the local cluster:
# tests/cli/state.bats. h1 and h2 are managers, h3 a worker. The hosts share
# this machine's filesystem, so every host gets its own state directory
# (cswarm_state_dir) under the cluster's run directory.

load helpers

setup_file() {
	local root
	root=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	[ -f "$root/tests/cluster/run/env" ] || "$root/tests/cluster/up" 3 3>&-
}

setup() {
	cli_setup || return 1
	INV=$BATS_TEST_TMPDIR/hosts
	for h in h1 h2 h3; do
		eval "D_$h=\$CSWARM_CLUSTER_DIR/$h/state-bats"
		rm -rf "$CSWARM_CLUSTER_DIR/$h/state-bats"
	done
	cat >"$INV" <<-EOF
	[managers]
	h1 ansible_host=$(cluster_addr h1) cswarm_state_dir=$D_h1
	h2 ansible_host=$(cluster_addr h2) cswarm_state_dir=$D_h2
	[workers]
	h3 ansible_host=$(cluster_addr h3) cswarm_state_dir=$D_h3
	[all:vars]
	ansible_user=root
	ansible_ssh_private_key_file=$CSWARM_SSH_KEY
	cswarm_dns_image=$CLUSTER_DNS_IMAGE
	EOF
}

teardown() {
	# Wake readers blocked on a state.json FIFO, then kill what we started.
	for f in "$D_h1/state.json" "$D_h2/state.json"; do
		[ -p "$f" ] && timeout 2 sh -c ": >'$f'" || true
	done
	for p in $(cat "$BATS_TEST_TMPDIR"/*.pid 2>/dev/null); do
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}

# HOST refuses connections (its inventory port is closed). Not by stopping
# its sshd: other test files may use the cluster at the same time.
host_down() {
	sed -i "s/^$1 ansible_host=[0-9.]*/& ansible_port=1/" "$INV"
}

version_of() {	# FILE -> the "version" of a state file
	sed -n 's/^"version":\([0-9]*\),$/\1/p' "$1"
}

# Wait until `cswarm lock status` says the lock is held.
wait_locked() {
	for _ in $(seq 50); do
		"$CSWARM" lock status -i "$INV" 2>/dev/null | grep -q '^locked' && return 0
		sleep 0.2
	done
	return 1
}

# Make h2's state.json a FIFO: reading it blocks, so a run holds the lock
# (taken on h1) while it reads the state.
block_reads_on_h2() {
	mkdir -p "$D_h2"
	mkfifo "$D_h2/state.json"
}

@test "init creates the state on every manager, not on workers" {
	run "$CSWARM" init -i "$INV" --cluster prod
	[ "$status" -eq 0 ]
	[[ "$output" == *"cluster prod initialised"*"version 1) on h1 h2"* ]]
	for d in "$D_h1" "$D_h2"; do
		[ "$(version_of "$d/state.json")" = 1 ]
		grep -q '^"cluster":"prod",$' "$d/state.json"
		[ -f "$d/history/1.json" ]
		grep -q "^1	.*Z	.*@.*	init\$" "$d/history.log"
	done
	[ ! -e "$D_h3" ]
	# Both managers got the same cluster id (random, 32 hex digits).
	id1=$(grep '^"cluster_id"' "$D_h1/state.json")
	[[ "$id1" =~ ^\"cluster_id\":\"[0-9a-f]{32}\",$ ]]
	[ "$id1" = "$(grep '^"cluster_id"' "$D_h2/state.json")" ]
	! ls -a "$D_h1" | grep -q "^\.state\.json\." || false
}

@test "init on an initialised cluster says so and changes nothing" {
	"$CSWARM" init -i "$INV"
	before=$(cat "$D_h1/state.json" "$D_h2/state.json" | md5sum)
	run "$CSWARM" init -i "$INV"
	[ "$status" -eq 0 ]
	[[ "$output" == *"cluster default already initialised"*"version 1"* ]]
	[ "$(cat "$D_h1/state.json" "$D_h2/state.json" | md5sum)" = "$before" ]
	[ "$(wc -l <"$D_h1/history.log")" -eq 1 ]
}

@test "a deploy of the same file writes nothing; with a manager behind, it writes and repairs it" {
	echo cswarm_network=bridge >>"$INV"
	# A run before that failed halfway left its stack (of another cluster id).
	for h in $CLUSTER_HOSTS; do
		ids=$(cluster_docker "$h" ps -aq --filter label=cswarm.stack=same)
		[ -z "$ids" ] || cluster_docker "$h" rm -f $ids >/dev/null
		cluster_docker "$h" network rm same_default >/dev/null 2>&1 || true
	done
	printf 'name: same\nservices:\n  a:\n    image: busybox:latest\n    command: ["sleep", "1000000"]\n' \
		>"$BATS_TEST_TMPDIR/s.yml"
	"$CSWARM" init -i "$INV" >/dev/null
	"$CSWARM" deploy -i "$INV" "$BATS_TEST_TMPDIR/s.yml" >/dev/null
	v=$(version_of "$D_h1/state.json")
	"$CSWARM" deploy -i "$INV" "$BATS_TEST_TMPDIR/s.yml" >/dev/null
	[ "$(version_of "$D_h1/state.json")" = "$v" ]
	[ "$(version_of "$D_h2/state.json")" = "$v" ]
	[ "$(wc -l <"$D_h1/history.log")" -eq "$v" ]
	# h2 one version behind: the same deploy writes, and h2 catches up.
	cp "$D_h2/history/$((v - 1)).json" "$D_h2/state.json"
	"$CSWARM" deploy -i "$INV" "$BATS_TEST_TMPDIR/s.yml" >/dev/null 2>&1
	[ "$(version_of "$D_h1/state.json")" = $((v + 1)) ]
	[ "$(version_of "$D_h2/state.json")" = $((v + 1)) ]
	"$CSWARM" stack rm -i "$INV" same >/dev/null
}

@test "lock status: unlocked" {
	run "$CSWARM" lock status -i "$INV"
	[ "$status" -eq 0 ]
	[ "$output" = "unlocked (h1)
unlocked (h2)" ]
}

@test "a held lock: the second run exits 4 naming the holder" {
	block_reads_on_h2
	"$CSWARM" init -i "$INV" --timeout 60s 3>&- &
	echo $! >"$BATS_TEST_TMPDIR/first.pid"
	wait_locked
	run "$CSWARM" init -i "$INV"
	[ "$status" -eq 4 ]
	[[ "$output" == *"lock held by "*"@"*" pid $(cat "$BATS_TEST_TMPDIR/first.pid") since "*"Z: cswarm init -i $INV --timeout 60s"* ]]
	run "$CSWARM" lock status -i "$INV"
	[ "$status" -eq 0 ]
	[[ "$output" == "locked on h1 by "*"cswarm init"*"locked on h2 by "*"cswarm init"* ]]
}

@test "SIGKILL of the holder frees the lock at once" {
	block_reads_on_h2
	"$CSWARM" init -i "$INV" --timeout 60s 3>&- &
	echo $! >"$BATS_TEST_TMPDIR/first.pid"
	wait_locked
	kill -KILL "$(cat "$BATS_TEST_TMPDIR/first.pid")"
	for _ in $(seq 10); do
		[ "$("$CSWARM" lock status -i "$INV" | grep -c '^unlocked')" = 2 ] && break
		sleep 0.2
	done
	run "$CSWARM" lock status -i "$INV"
	[ "$output" = "unlocked (h1)
unlocked (h2)" ]
	rm -f "$D_h2/state.json"
	run "$CSWARM" init -i "$INV"
	[ "$status" -eq 0 ]
}

@test "--lock-wait waits for the holder and then gets the lock" {
	block_reads_on_h2
	# The holder gives up on h2 after 3s (init then refuses: h2 may hold
	# the state) and releases the lock.
	"$CSWARM" init -i "$INV" --timeout 3s 3>&- &
	echo $! >"$BATS_TEST_TMPDIR/first.pid"
	wait_locked
	start=$SECONDS
	run "$CSWARM" init -i "$INV" --lock-wait 20s --timeout 3s
	[ "$status" -eq 3 ]
	[[ "$output" != *"lock held"* ]]
	# The state is read with the lock (one script): h2's hung read fails
	# its lock, so the run has no majority; nothing is written either way.
	[[ "$output" == *"init needs every manager of the inventory, and h2"*"nothing written"* ||
	   "$output" == *"the cluster lock needs a majority of the 2 managers (2), held on h1; h2: "*"timed out"* ]]
	[ $((SECONDS - start)) -ge 1 ]
	[ ! -e "$D_h1/state.json" ]
}

@test "--lock-wait gives up with exit 4 when the lock stays held" {
	block_reads_on_h2
	"$CSWARM" init -i "$INV" --timeout 60s 3>&- &
	echo $! >"$BATS_TEST_TMPDIR/first.pid"
	wait_locked
	run "$CSWARM" init -i "$INV" --lock-wait 1s
	[ "$status" -eq 4 ]
	[[ "$output" == *"lock held by"* ]]
}

@test "one of two managers down: no majority for the lock, nothing written" {
	host_down h1
	run "$CSWARM" init -i "$INV"
	[ "$status" -eq 3 ]
	[[ "$output" == *"manager h1 unreachable"* ]]
	[[ "$output" == *"the cluster lock needs a majority of the 2 managers (2), held on h2; h1: "* ]]
	[ ! -e "$D_h2/state.json" ] && [ ! -e "$D_h1/state.json" ]
}

@test "no manager reachable: refuses" {
	host_down h1
	host_down h2
	run "$CSWARM" init -i "$INV"
	[ "$status" -eq 3 ]
	[[ "$output" == *"the cluster lock needs a majority of the 2 managers (2), held on none"* ]]
	[ ! -e "$D_h1/state.json" ] && [ ! -e "$D_h2/state.json" ]
}

@test "a manager behind: the highest version wins, with a warning" {
	"$CSWARM" init -i "$INV"
	sed -i 's/^"version":1,$/"version":2,/' "$D_h2/state.json"
	run "$CSWARM" init -i "$INV"
	[ "$status" -eq 0 ]
	[[ "$output" == *"manager h1 is behind: version 1, h2 has 2"* ]]
	[[ "$output" == *"already initialised"*"version 2"* ]]
}

@test "managers disagreeing at one version refuse; a broken state: a warning" {
	"$CSWARM" init -i "$INV"
	sed -i 's/^"change":"init",$/"change":"edited",/' "$D_h2/state.json"
	run "$CSWARM" init -i "$INV"
	[ "$status" -eq 1 ]
	[[ "$output" == *"the managers disagree, nothing written: managers h1 and h2 hold different states at version 1"* ]]
	echo '{"format":1,' >"$D_h1/state.json"
	run "$CSWARM" init -i "$INV"
	[ "$status" -eq 0 ]
	[[ "$output" == *"manager h1: $D_h1/state.json: truncated JSON"* ]]
	[[ "$output" == *"already initialised"* ]]
}

@test "a broken state everywhere is an error, not a new cluster" {
	mkdir -p "$D_h1" "$D_h2"
	echo '{"format":1,"version":"x"}' >"$D_h1/state.json"
	echo 'garbage' >"$D_h2/state.json"
	run "$CSWARM" init -i "$INV"
	[ "$status" -eq 1 ]
	[[ "$output" == *"h1: $D_h1/state.json: version: expected an integer"* ]]
	[ "$(cat "$D_h2/state.json")" = garbage ]
}

@test "bad cluster name, no managers: usage errors with the reason" {
	run "$CSWARM" init -i "$INV" --cluster ../etc
	[ "$status" -eq 1 ]
	[[ "$output" == *'bad cluster name "../etc"'* ]]
	printf '[workers]\nh3 ansible_host=%s\n' "$(cluster_addr h3)" >"$BATS_TEST_TMPDIR/w"
	run "$CSWARM" lock status -i "$BATS_TEST_TMPDIR/w"
	[ "$status" -eq 1 ]
	[[ "$output" == *"no managers"* ]]
	run "$CSWARM" lock -i "$INV"
	[ "$status" -eq 2 ]
}
