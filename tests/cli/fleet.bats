#!/usr/bin/env bats
# The simulated fleet (tests/fleet, issue 16): 50 hosts with a real sshd
# each and tests/fleet/fake-docker as their docker. Deploy, a no-op
# reconcile and a drain at that size; and the same stack on 3 simulated
# hosts and on the 3 real hosts of the local cluster must give the same
# placement, the same changes and the same container formats.
# Self-cleaning: the fleet goes down in teardown_file, the real hosts lose
# what this file's cluster created.

load helpers

STACK=$BATS_TEST_DIRNAME/../fleet/stack.yml

setup_file() {
	export CSWARM_FLEET_NAME=fltci CSWARM_FLEET_NET=10.214.8
	make -s -C "$REPO" build/fleet/fake-docker >&2
	"$REPO/tests/fleet/up" 50 >&2
}

teardown_file() {
	export CSWARM_FLEET_NAME=fltci CSWARM_FLEET_NET=10.214.8
	"$REPO/tests/fleet/down" >&2
	real_cleanup
}

setup() {
	export CSWARM_FLEET_NAME=fltci CSWARM_FLEET_NET=10.214.8
	FDIR=$REPO/tests/fleet/run-$CSWARM_FLEET_NAME
	. "$FDIR/env"
	unset SSH_AUTH_SOCK
	[ -x "$CSWARM" ] || { echo "no $CSWARM: run make unit" >&2; return 1; }
	export API_REPLICAS=200 WORKER_REPLICAS=200 CACHE_REPLICAS=50
}

# Running containers of the cluster of STATE_JSON on HOSTS, through
# `docker ps` over SSH: "hK service.slot", sorted.
fleet_placement() {	# STATE_JSON HOSTS...
	local id h
	id=$(cluster_id_of "$1"); shift
	for h in "$@"; do
		ssh -F "$FLEET_SSH_CONFIG" "$(awk -v h="$h" '$1 == h { print $2 }' "$FDIR/hosts")" \
			docker ps --filter "label=cswarm.cluster=$id" --format "'{{json .}}'" | names_of "$h"
	done | sort
}

# The same for all 50 hosts, read from fake-docker's records directly
# (50 sequential logins would take most of the test's time).
fleet_records() {	# STATE_JSON
	python3 -c '
import glob, json, os, sys
cid = json.load(open(sys.argv[1]))["cluster_id"]
for f in glob.glob(os.path.join(sys.argv[2], "h*", "docker", "c", "*.json")):
    c = json.load(open(f))
    if c["status"] == "running" and c["labels"].get("cswarm.cluster") == cid:
        print(f.split("/")[-4], c["name"].rsplit(".", 1)[0])' "$1" "$FDIR" | sort
}

all_hosts() { seq -f 'h%g' 1 50; }

real_placement() {
	local h
	for h in $CLUSTER_HOSTS; do
		cluster_ssh "$h" docker ps --filter "label=cswarm.cluster=$(real_cluster_id)" \
			--format "'{{json .}}'" | names_of "$h"
	done | sort
}

# docker ps JSON lines -> "HOST service.slot" (the task id cut off).
names_of() {
	python3 -c '
import json, sys
for line in sys.stdin:
    name = json.loads(line)["Names"]
    print(sys.argv[1], name.rsplit(".", 1)[0])' "$1"
}

count_calls() {	# PATTERN: docker calls of every simulated host matching
	cat "$FDIR"/h*/docker/calls.log | grep -c -- "$1" || true
}

@test "fleet: deploy on 50 simulated hosts places 500 tasks, about 10 a host" {
	run "$CSWARM" init --cluster fltci
	[ "$status" -eq 0 ]
	run "$CSWARM" deploy --cluster fltci "$STACK"
	echo "$output" | tail -3
	[ "$status" -eq 0 ]
	[[ "$output" == *"500 started, 0 stopped, 0 failed, 0 pending"* ]]
	no_sanitizer_report
	placement=$(fleet_records "$FDIR/state/state.json")
	[ "$(wc -l <<<"$placement")" -eq 500 ]
	# global: one agent on every host; workers never on the manager h1
	[ "$(grep -c ' fleet_agent\.' <<<"$placement")" -eq 50 ]
	! grep -q '^h1 fleet_worker' <<<"$placement" || false
	# spread: no host more than one task above the mean of its service
	for h in $(all_hosts); do
		[ "$(grep -c "^$h fleet_api\." <<<"$placement")" -le 5 ]
	done
}

@test "fleet: a no-op reconcile only observes, one docker info per host" {
	rm -f "$FDIR"/h*/docker/calls.log
	run "$CSWARM" reconcile --cluster fltci
	echo "$output"
	[ "$status" -eq 0 ]
	no_sanitizer_report
	[ "$(count_calls "^docker 'info'")" -eq 50 ]
	[ "$(count_calls "^docker 'ps'")" -eq 50 ]
	[ "$(count_calls "^docker 'inspect'")" -eq 50 ]
	[ "$(count_calls "'run'\|'stop'\|'rm'\|'create'")" -eq 0 ]
}

@test "fleet: drain empties a host of replicated tasks, the rest stay put" {
	before=$(fleet_records "$FDIR/state/state.json")
	run "$CSWARM" node drain --cluster fltci h2
	echo "$output" | tail -3
	[ "$status" -eq 0 ]
	no_sanitizer_report
	after=$(fleet_records "$FDIR/state/state.json")
	! grep -q '^h2 ' <<<"$after" || false
	[ "$(wc -l <<<"$after")" -eq 499 ]	# its global agent is not replaced
	# Only h2's replicated tasks moved: every other task is where it was.
	moved=$(comm -13 <(echo "$before") <(echo "$after") | wc -l)
	[ "$moved" -eq "$(($(grep -c '^h2 ' <<<"$before") - 1))" ]
	rm -f "$FDIR"/h*/docker/calls.log
	run "$CSWARM" reconcile --cluster fltci
	[ "$status" -eq 0 ]
	[ "$(count_calls "'run'\|'stop'\|'rm'")" -eq 0 ]
}

# --- the same stack on 3 simulated and 3 real hosts ---------------------------

real_inventory() {
	cluster_env
	local inv=$CSWARM_CLUSTER_DIR/fltcmp-inventory
	# Bridge networks, as the simulated fleet has (fake-docker has no overlay).
	{ cat "$CSWARM_INVENTORY"; echo "cswarm_state_dir=$CSWARM_CLUSTER_DIR/fltcmp-state"
	  echo "cswarm_network=bridge"; } >"$inv"
	echo "$inv"
}

real_cluster_id() {
	cluster_id_of "$CSWARM_CLUSTER_DIR/fltcmp-state/state.json" 2>/dev/null
}

real_cleanup() {
	[ -f "$CL_DIR/env" ] || return 0
	cluster_env
	cluster_remove_objects "$(real_cluster_id)"
	rm -rf "$CSWARM_CLUSTER_DIR/fltcmp-state" "$CSWARM_CLUSTER_DIR/fltcmp-inventory"
}

sim_inventory() {	# the fleet's inventory cut to h1..h3
	awk '/^h[0-9]+ / { split($1, n, "h"); if (n[2] + 0 > 3) next } { print }' \
		"$FDIR/inventory" | sed "s|^cswarm_state_dir=.*|cswarm_state_dir=$FDIR/cmp-state|" \
		>"$FDIR/cmp-inventory"
	echo "$FDIR/cmp-inventory"
}

# deploy, reconcile, drain h2; each output sorted, without task ids. The
# stack is named fltcmp: the fleet's hosts already have fleet_default.
run_story() {	# INVENTORY KNOWN_HOSTS
	local inv=$1 step
	export CSWARM_KNOWN_HOSTS=$2
	"$CSWARM" init -i "$inv" --cluster fltcmp >/dev/null
	for step in "deploy -n fltcmp $STACK" "reconcile" "node drain h2" "reconcile"; do
		echo "## $step"
		"$CSWARM" $step -i "$inv" --cluster fltcmp 2>&1 | sed -E 's/\.[0-9a-f]{12}\b/.ID/g' | sort
	done
}

@test "fleet: 3 simulated hosts and 3 real hosts give the same deploy, reconcile and drain" {
	local sim_known=$CSWARM_KNOWN_HOSTS
	cluster_require || return 1	# the real cluster's env from here on
	export API_REPLICAS=4 WORKER_REPLICAS=3 CACHE_REPLICAS=2
	real=$(run_story "$(real_inventory)" "$CSWARM_KNOWN_HOSTS")
	real_after=$(real_placement)
	sim=$(run_story "$(sim_inventory)" "$sim_known")
	sim_after=$(fleet_placement "$FDIR/cmp-state/state.json" h1 h2 h3)
	diff <(echo "$real") <(echo "$sim")
	diff <(echo "$real_after") <(echo "$sim_after")
	[[ "$real" == *"h2: drain; "* ]]
	[ "$(wc -l <<<"$real_after")" -eq 11 ]	# h2's agent is not replaced
}
