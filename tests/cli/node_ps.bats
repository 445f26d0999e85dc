#!/usr/bin/env bats
# `cswarm node ps` through the shared tasks listing (engine/tasks.c): the
# columns and rules of `stack ps`, plus the node's stray containers.
# Own cluster names (enums*) and state directory: no shared lock needed.

load helpers

setup() {
	cli_setup
	own_cluster enums
	STACK=$BATS_TEST_TMPDIR/eps.yml
	cat >"$STACK" <<-EOF
	services:
	  web:
	    image: busybox:latest
	    command: ["sleep", "3600"]
	    deploy:
	      replicas: 3
	      placement:
	        max_replicas_per_node: 1
	EOF
}

teardown() {
	own_cluster_teardown
}

# The task of slot 1 of eps_web: "ID NODE".
task_of_slot1() {
	python3 -c 'import json,sys
for t in json.load(open(sys.argv[1]))["tasks"]:
    if t["slot"] == 1: print(t["id"], t["node"])' "$STATE_DIR/$CLUSTER/state.json"
}

@test "node ps: the rows of stack ps for that node, same columns" {
	"$CSWARM" deploy --cluster "$CLUSTER" -n eps "$STACK" >/dev/null
	run "$CSWARM" node ps --cluster "$CLUSTER" h2
	[ "$status" -eq 0 ]
	no_sanitizer_report
	# the same header (column widths follow the rows)
	[ "$(tr -s ' ' <<<"${lines[0]}")" = "$("$CSWARM" stack ps --cluster "$CLUSTER" eps | head -1 | tr -s ' ')" ]
	[[ "${lines[0]}" == "ID "*" NAME "*" ERROR "*" PORTS" ]]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[1]}" =~ ^[0-9a-f]{12}\ +eps_web\.[123]\ +busybox:latest\ +h2\ +Running\ +Running\  ]]
	want=$("$CSWARM" stack ps --cluster "$CLUSTER" --format json eps |
		python3 -c 'import json,sys; print(sorted(t["id"] for t in json.load(sys.stdin) if t["node"] == "h2"))')
	got=$("$CSWARM" node ps --cluster "$CLUSTER" --format json h2 |
		python3 -c 'import json,sys; print(sorted(t["id"] for t in json.load(sys.stdin)))')
	[ "$got" = "$want" ]
}

@test "node ps: stale copies and orphans on the node, desired Remove" {
	"$CSWARM" deploy --cluster "$CLUSTER" -n eps "$STACK" >/dev/null
	read -r id node < <(task_of_slot1)
	other=h2
	[ "$node" != h2 ] || other=h3
	cluster_docker "$other" run -d --name eps_web.1.stale --label "cswarm.cluster=$CLUSTER_ID" \
		--label "cswarm.task=$id" --label cswarm.stack=eps --label cswarm.service=web \
		--label cswarm.slot=1 busybox:latest sleep 3600 >/dev/null
	cluster_docker "$other" run -d --name eps_stray --label "cswarm.cluster=$CLUSTER_ID" \
		busybox:latest sleep 3600 >/dev/null
	run "$CSWARM" node ps --cluster "$CLUSTER" "$other"
	[ "$status" -eq 0 ]
	no_sanitizer_report
	[ "${#lines[@]}" -eq 4 ]
	[[ "${lines[2]}" =~ ^-\ +eps_stray\ +busybox:latest\ +$other\ +Remove\ +Running\ .*\"orphan\" ]]
	[[ "${lines[3]}" =~ ^$id\ +eps_web\.1\.stale\ +busybox:latest\ +$other\ +Remove\ +Running\ .*\"stale\ copy\" ]]
	run "$CSWARM" node ps --cluster "$CLUSTER" --format json "$other"
	[ "$status" -eq 0 ]
	python3 -c 'import json,sys
rows = json.loads(sys.argv[1])
strays = [r for r in rows if r["desired_state"] == "Remove"]
assert [r["error"] for r in strays] == ["orphan", "stale copy"], strays
assert strays[1]["id"] == sys.argv[2] and strays[1]["slot"] == 1, strays' "$output" "$id"
	# The next change removes them; node ps is back to the tasks only.
	"$CSWARM" reconcile --cluster "$CLUSTER" >/dev/null
	run "$CSWARM" node ps --cluster "$CLUSTER" "$other"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
}

@test "node ps: an unknown node is an error, as in service ps" {
	run "$CSWARM" node ps --cluster "$CLUSTER" h9
	[ "$status" -eq 1 ]
	[[ "$output" == *"no such node: h9"* ]]
	run "$CSWARM" node ps --cluster "$CLUSTER"
	[ "$status" -eq 2 ]
	[[ "$output" == *"expected a node name"* ]]
}
