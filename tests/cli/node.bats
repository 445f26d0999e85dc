#!/usr/bin/env bats
# node ls and exec against real Docker hosts (the local cluster).

load helpers

setup() {
	cli_setup
}

teardown() {
	cluster_restore_all
}

@test "node ls: 3 hosts Ready with engine, cpus and memory" {
	run "$CSWARM" node ls
	[ "$status" -eq 0 ]
	no_sanitizer_report
	[ "${#lines[@]}" -eq 4 ]
	[[ "${lines[0]}" == NAME*ADDRESS*ROLE*STATUS*AVAILABILITY*ENGINE*CPUS*MEMORY* ]]
	local a1 a2 a3
	a1=$(cluster_addr h1) a2=$(cluster_addr h2) a3=$(cluster_addr h3)
	[[ "${lines[1]}" =~ ^h1\ +${a1//./\\.}\ +manager\ +Ready\ +active\ +[0-9]+\.[0-9]+ ]]
	[[ "${lines[2]}" =~ ^h2\ +${a2//./\\.}\ +worker\ +Ready ]]
	[[ "${lines[3]}" =~ ^h3\ +${a3//./\\.}\ +worker\ +Ready ]]
}

@test "node ls --format json is machine readable" {
	run "$CSWARM" node ls --format json
	[ "$status" -eq 0 ]
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert [n["status"] for n in d]==["ready"]*3; assert d[0]["cpus"]>0 and d[0]["memory"]>0' <<<"$output"
}

@test "node ls: sshd stopped -> that host Down (refused), others Ready, exit 3" {
	cluster_stop_sshd h2
	run "$CSWARM" node ls
	[ "$status" -eq 3 ]
	no_sanitizer_report
	[[ "$output" == *"h2: connect to $(cluster_addr h2) port 22"*"refused"* ]]
	grep -E '^h2 .*Down \(refused\)' <<<"$output"
	grep -E '^h1 .*Ready' <<<"$output"
	grep -E '^h3 .*Ready' <<<"$output"
}

@test "node ls: dockerd stopped -> Down (docker not running)" {
	cluster_stop_dockerd h3
	run "$CSWARM" node ls
	[ "$status" -eq 3 ]
	grep -E '^h3 .*Down \(docker not running\)' <<<"$output"
}

@test "node ls: a host cut off times out without stalling the others" {
	cluster_link_down h2
	run "$CSWARM" node ls
	[ "$status" -eq 3 ]
	# Which comes first, the 10 s of the test cluster's ConnectTimeout or
	# ARP giving up, depends on what the kernel last knew of h2.
	grep -E '^h2 .*Down \((timeout|unreachable)\)' <<<"$output"
	grep -E '^h1 .*Ready' <<<"$output"
}

@test "node ls: --connect-timeout wins over the ssh config's ConnectTimeout" {
	cluster_blackhole h2
	grep -qx $'\tConnectTimeout 10' "$CSWARM_SSH_CONFIG"
	run "$CSWARM" node ls --connect-timeout 6s
	[ "$status" -eq 3 ]
	grep -E '^h2 .*Down \(timeout\)' <<<"$output"
	[[ "$output" == *"h2: connect to $(cluster_addr h2) port 22: timed out after 6000 ms"* ]]
	grep -E '^h1 .*Ready' <<<"$output"
}

@test "wrong host key is refused with the fingerprint; others still work" {
	cluster_wrong_hostkey h1
	run "$CSWARM" node ls
	[ "$status" -eq 3 ]
	grep -E '^h1 .*Down \(host key\)' <<<"$output"
	[[ "$output" == *"CHANGED host key for $(cluster_addr h1) (ssh-ed25519 key SHA256:"* ]]
	grep -E '^h2 .*Ready' <<<"$output"
}

@test "unknown host is refused by default and recorded (hashed) with --accept-new" {
	kh=$BATS_TEST_TMPDIR/known_hosts
	: >"$kh"
	CSWARM_KNOWN_HOSTS=$kh run "$CSWARM" node ls --limit h2
	[ "$status" -eq 3 ]
	[[ "$output" == *"unknown host key for $(cluster_addr h2)"*"--accept-new"* ]]
	CSWARM_KNOWN_HOSTS=$kh run "$CSWARM" node ls --limit h2 --accept-new
	[ "$status" -eq 0 ]
	grep -q '^|1|' "$kh"
	ssh-keygen -F $(cluster_addr h2) -f "$kh" | grep -q 'ssh-ed25519'
	CSWARM_KNOWN_HOSTS=$kh run "$CSWARM" node ls --limit h2
	[ "$status" -eq 0 ]
}

@test "exec: output prefixed per host, exit codes reported per host" {
	run "$CSWARM" exec -- 'echo out-$(hostname); echo err-$(hostname) >&2; [ $(hostname) != h2 ]'
	[ "$status" -eq 1 ]
	no_sanitizer_report
	for h in h1 h2 h3; do
		grep -qx "$h: out-$h" <<<"$output"
		grep -qx "$h: err-$h" <<<"$output"
	done
	[[ "$output" == *"h2: exit status 1"* ]]
	[[ "$output" != *"h1: exit status"* ]]
}

@test "exec: --limit picks hosts by pattern and group" {
	run "$CSWARM" exec --limit 'workers:!h3' -- hostname
	[ "$status" -eq 0 ]
	[ "$output" = "h2: h2" ]
	run "$CSWARM" exec --limit managers -- hostname
	[ "$output" = "h1: h1" ]
}

@test "exec: runs docker on each host's own engine" {
	run "$CSWARM" exec -- 'docker run --rm busybox:latest echo ok'
	[ "$status" -eq 0 ]
	[ "$(grep -c ': ok$' <<<"$output")" -eq 3 ]
}

@test "exec: per-command timeout" {
	run "$CSWARM" exec --limit h1 --timeout 1s -- sleep 30
	[ "$status" -eq 3 ]
	[[ "$output" == *"h1: unreachable (timeout): command timed out"* ]]
}

@test "exec: large stdout arrives whole" {
	run "$CSWARM" exec --limit h1 -- 'head -c 3000000 /dev/zero | tr "\0" x; echo'
	[ "$status" -eq 0 ]
	[ "${#output}" -eq 3000004 ]
}

@test "exec: a host reached through ProxyJump (bastion h1)" {
	cfg=$BATS_TEST_TMPDIR/ssh_config
	{
		echo "Host $(cluster_addr h3)"
		echo "  ProxyJump root@$(cluster_addr h1)"
		cat "$CSWARM_SSH_CONFIG"
	} >"$cfg"
	# h3 is reachable only through h1 once its direct route is blocked.
	cluster_ssh h3 true
	run "$CSWARM" exec --ssh-config "$cfg" --limit h3 -- 'echo $SSH_CONNECTION'
	[ "$status" -eq 0 ]
	[[ "$output" == "h3: $(cluster_addr h1) "* ]]
}

@test "static binary runs node ls against the cluster" {
	[ -x "$REPO/cswarm-static" ] || skip "no cswarm-static (make static)"
	file "$REPO/cswarm-static" | grep -q 'statically linked'
	run "$REPO/cswarm-static" node ls
	[ "$status" -eq 0 ]
	[ "$(grep -c Ready <<<"$output")" -eq 3 ]
}
