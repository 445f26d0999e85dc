#!/usr/bin/env bats
# Hardening against hostile input and broken hosts (issue 15): names that
# would reach `rm` on the hosts, state directories, file modes, a host that
# streams without end, --limit. Each test has its own cluster name (prefix
# hrd) and its own state directory under the cluster's run directory.

load helpers

setup() {
	cli_setup
	CLUSTER=$(own_cluster_name hrd)
	D=$CSWARM_CLUSTER_DIR/h1/state-$CLUSTER
	D2=$CSWARM_CLUSTER_DIR/h2/state-$CLUSTER
	INV=$BATS_TEST_TMPDIR/hosts
	write_inventory "$D" "$D2"
	STACK=$BATS_TEST_TMPDIR/stack.yml
	cat >"$STACK" <<-'EOF'
	services:
	  agent:
	    image: busybox:latest
	    command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"]
	    deploy: { mode: global }
	EOF
}

# write_inventory DIR_OF_H1 DIR_OF_H2: h1 manager, h2 and h3 workers.
write_inventory() {
	cat >"$INV" <<-EOF
	[managers]
	h1 ansible_host=$(cluster_addr h1) cswarm_state_dir=$1
	[workers]
	h2 ansible_host=$(cluster_addr h2) cswarm_state_dir=$2
	h3 ansible_host=$(cluster_addr h3)
	[all:vars]
	ansible_user=root
	ansible_ssh_private_key_file=$CSWARM_SSH_KEY
	cswarm_dns_image=$CLUSTER_DNS_IMAGE
	cswarm_cluster=$CLUSTER
	EOF
}

teardown() {
	[ ! -e "$BATS_TEST_TMPDIR/sshd_config.h2" ] || unshim_h2
	cluster_remove_objects "$(cluster_id_of "$D/state.json" 2>/dev/null)"
	rm -rf "$D" "$D2"
}

cs() { "$CSWARM" "$@" -i "$INV"; }

# h2's `docker` streams output without end (a PATH shim through its sshd).
shim_h2() {
	local cfg=$CSWARM_CLUSTER_DIR/h2/sshd_config
	mkdir -p "$BATS_TEST_TMPDIR/shim"
	printf '#!/bin/sh\nexec yes "hostile host output, without end"\n' >"$BATS_TEST_TMPDIR/shim/docker"
	chmod 755 "$BATS_TEST_TMPDIR/shim/docker"
	cp "$cfg" "$BATS_TEST_TMPDIR/sshd_config.h2"
	sed -i "s|^SetEnv DOCKER_HOST=\(.*\)\$|SetEnv DOCKER_HOST=\1 PATH=$BATS_TEST_TMPDIR/shim:/usr/bin:/bin:/usr/sbin:/sbin|" "$cfg"
	cluster_stop_sshd h2 && cluster_start_sshd h2
}

unshim_h2() {
	cp "$BATS_TEST_TMPDIR/sshd_config.h2" "$CSWARM_CLUSTER_DIR/h2/sshd_config"
	rm -f "$BATS_TEST_TMPDIR/sshd_config.h2"
	cluster_stop_sshd h2 && cluster_start_sshd h2
}

containers_on() {	# HOST: names of this cluster's containers there
	local id
	id=$(cluster_id_of "$D/state.json")
	cluster_docker "$1" ps -a --filter "label=cswarm.cluster=$id" --format '{{.Names}}' | sort
}

@test "stack rm ../../docker and ../default are refused before anything runs" {
	cs init >/dev/null
	cs deploy -n app "$STACK" >/dev/null
	cp "$D/state.json" "$BATS_TEST_TMPDIR/before.json"
	before=$(for h in h1 h2 h3; do containers_on "$h"; done)
	[ -n "$before" ]
	# Harmless names first: were the check ever gone, the test stops there.
	for name in "a/b" "app;rm" "" ../../docker ../default; do
		run cs stack rm "$name"
		[ "$status" -eq 2 ]
		[[ "$output" == *"bad stack name"* ]]
		no_sanitizer_report
	done
	# Nothing changed: no state write, no lock left, every container there.
	cmp "$D/state.json" "$BATS_TEST_TMPDIR/before.json"
	[ "$(for h in h1 h2 h3; do containers_on "$h"; done)" = "$before" ]
}

@test "a state directory that is relative, has .., starts with - or holds other clusters' state is refused" {
	for dir in relative/state "$D/../x" "/tmp/-rf" /var/lib/cswarm /var/lib "/"; do
		write_inventory "$dir" "$D2"
		run cs init
		[ "$status" -ne 0 ]
		[[ "$output" == *"cswarm_state_dir"* ]]
		no_sanitizer_report
	done
	[ ! -e relative ] && [ ! -e "$D" ] && [ ! -e /tmp/-rf ]
}

@test "state, history, lock and its holder are the owner's only, whatever the umask" {
	umask 022
	cs init >/dev/null
	cs deploy -n app "$STACK" >/dev/null
	[ "$(stat -c %a "$D")" = 700 ]
	[ "$(stat -c %a "$D/history")" = 700 ]
	for f in "$D/state.json" "$D/history.log" "$D/lock" "$D/lock.holder" "$D"/history/*.json; do
		mode=$(stat -c %a "$f")
		[ "$mode" = 600 ] || { echo "$f: $mode"; false; }
	done
}

@test "a host streaming endless output fails alone; the others converge; memory stays bounded" {
	cs init >/dev/null
	shim_h2
	run cs deploy -n app "$STACK"
	[ "$status" -eq 0 ]
	[[ "$output" == *"h2: output exceeds 67108864 bytes"*"(output too large)"* ]]
	no_sanitizer_report
	# h1 and h3 run their global task; h2 was never changed.
	containers_on h1 | grep -q '^app_agent\.h1\.'
	containers_on h3 | grep -q '^app_agent\.h3\.'
	[ -z "$(containers_on h2)" ]
	run /usr/bin/time -f 'maxrss %M' "$CSWARM" reconcile -i "$INV"
	[ "$status" -eq 3 ]
	[[ "$output" == *"h2: output exceeds 67108864 bytes"* ]]
	no_sanitizer_report
	# At most one limit's worth of output is kept (the ASan build: its
	# quarantine included), where an endless stream would take it all.
	rss=$(sed -n 's/^maxrss //p' <<<"$output")
	echo "maxrss ${rss} KB"
	[ "$rss" -lt $((400 * 1024)) ]
	CSWARM_MAX_OUTPUT=1048576 run cs reconcile
	[ "$status" -eq 3 ]
	[[ "$output" == *"h2: output exceeds 1048576 bytes"* ]]
	[ "$(containers_on h1 | wc -l)" -eq 1 ] && [ "$(containers_on h3 | wc -l)" -eq 1 ]
}

@test "--limit: ps lists the tasks on those hosts; deploy, reconcile and stack rm refuse it" {
	cs init >/dev/null
	cs deploy -n app "$STACK" >/dev/null
	run cs stack ps app --limit h2
	[ "$status" -eq 0 ]
	[ "$(grep -c 'app_agent' <<<"$output")" -eq 1 ]
	[[ "$output" == *h2* ]] && [[ "$output" != *" h3 "* ]]
	for cmd in "reconcile" "deploy -n app $STACK" "stack rm app" "service scale app_agent=1"; do
		run cs $cmd --limit h2
		[ "$status" -eq 2 ]
		[[ "$output" == *"--limit is not supported"* ]]
	done
	[ "$(containers_on h2 | wc -l)" -eq 1 ]
}

@test "node demote removes only cswarm's files from the demoted host's state directory" {
	cs init >/dev/null
	cs node promote h2 >/dev/null
	[ -e "$D2/state.json" ]
	echo keep >"$D2/not-cswarm"
	run cs node demote h2
	[ "$status" -eq 0 ]
	no_sanitizer_report
	[ ! -e "$D2/state.json" ] && [ ! -e "$D2/history" ] && [ ! -e "$D2/history.log" ]
	[ "$(cat "$D2/not-cswarm")" = keep ]
	[ -e "$D/state.json" ]
}
