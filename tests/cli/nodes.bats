#!/usr/bin/env bats
# Node management on real Docker hosts: drain without downtime, activate
# with rebalance, pause, labels, promote/demote, a host cut off and back.
# Each test uses its own cluster name, so its state and containers are its
# own. Run under the shared lock:
#   flock /run/cswarm-cluster-tests.lock bats --tap tests/cli/nodes.bats

load helpers

setup() {
	own_cluster_setup n
	STACK=$BATS_TEST_TMPDIR/nodes.yml
	cat >"$STACK" <<-'EOF'
	name: nodes
	services:
	  web:
	    image: busybox:latest
	    command: ["httpd", "-f", "-p", "80", "-h", "/"]
	    ports: ["28080:80"]
	    deploy:
	      replicas: 2
	  app:
	    image: busybox:latest
	    command: ["sleep", "1000000"]
	    stop_grace_period: 1s
	    deploy:
	      replicas: ${APP_REPLICAS:-3}
	  agent:
	    image: busybox:latest
	    command: ["sleep", "1000000"]
	    stop_grace_period: 1s
	    deploy:
	      mode: global
	EOF
	own_cluster_init
}

teardown() {
	local h
	own_cluster_teardown
	for h in h1 h2 h3; do cluster_ssh "$h" rm -rf "/var/lib/cswarm-nodetest/$CLUSTER"; done
}

node() {
	"$CSWARM" node "$@" $CSWARM_OPTS
}

# Running containers of nodes_SERVICE on HOST (all services without one).
running_on() {
	cluster_docker "$1" ps --filter "label=cswarm.cluster=$ID" --format '{{.Names}}' |
		grep -c "^nodes_${2:-}" || true
}

running() {	# SERVICE: running containers of it on all hosts
	local n=0 h
	for h in $CLUSTER_HOSTS; do n=$((n + $(running_on "$h" "$1"))); done
	echo "$n"
}

all_on() {	# HOST: every container of the cluster there, any state
	cluster_docker "$1" ps -a --filter "label=cswarm.cluster=$ID" --format '{{.Names}}'
}

# In the background until $STOP exists: per round, does any host answer on
# 28080 (what a load balancer in front would see), and how many web and app
# containers run. One line per round: "answered web app".
watch_service() {
	local h ok
	while [ ! -e "$STOP" ]; do
		ok=0
		for h in $CLUSTER_HOSTS; do
			timeout 1 bash -c ": </dev/tcp/$(cluster_addr "$h")/28080" 2>/dev/null && { ok=1; break; }
		done
		echo "$ok $(running web) $(running app)" >>"$WATCH"
	done
}

@test "node drain: start-first, the port keeps answering, no task left on h2, global task stopped" {
	run deploy
	[ "$status" -eq 0 ]
	ID=$(own_cluster_id)
	[ "$(running web)" -eq 2 ]
	[ "$(running app)" -eq 3 ]
	[ "$(running_on h2)" -ge 2 ]	# agent and an app task at least
	STOP=$BATS_TEST_TMPDIR/stop WATCH=$BATS_TEST_TMPDIR/watch
	watch_service &
	local watcher=$!
	sleep 1
	run node drain h2
	sleep 1
	touch "$STOP"
	wait "$watcher"
	[ "$status" -eq 0 ]
	no_sanitizer_report
	[ "$(wc -l <"$WATCH")" -ge 2 ]
	# zero rounds without an answer, never fewer web or app tasks than asked
	[ "$(awk '$1 == 0' "$WATCH" | wc -l)" -eq 0 ]
	[ "$(awk '$2 < 2 || $3 < 3' "$WATCH" | wc -l)" -eq 0 ]
	[ -z "$(all_on h2)" ]
	[ "$(running web)" -eq 2 ]
	[ "$(running app)" -eq 3 ]
	[ "$(running agent)" -eq 2 ]
	run node ls
	grep -E '^h2 .* drain +-? *0$|^h2 .*drain .* 0$' <<<"$output"
	cluster_ssh h1 cat "/var/lib/cswarm/$CLUSTER/history.log" | grep -q "node drain h2$"
	run node ps h2
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
}

@test "node activate: takes new tasks, --rebalance moves tasks back; pause keeps tasks" {
	deploy
	ID=$(own_cluster_id)
	node drain h2
	[ -z "$(all_on h2)" ]
	run node activate h2
	[ "$status" -eq 0 ]
	[ "$(running_on h2 agent)" -eq 1 ]	# the global task comes back
	[ "$(running_on h2 app)" -eq 0 ]	# nothing moves without --rebalance
	run node activate --rebalance h2
	[ "$status" -eq 0 ]
	no_sanitizer_report
	[ "$(running_on h2 app)" -eq 1 ]
	[ "$(running app)" -eq 3 ]
	before=$(all_on h2 | sort)
	run node pause h2
	[ "$status" -eq 0 ]
	[ "$(all_on h2 | sort)" = "$before" ]
	grep -E '^h2 .*pause' <<<"$("$CSWARM" node ls $CSWARM_OPTS)"
	# a paused node takes no new task: two more app replicas go elsewhere
	APP_REPLICAS=5 run deploy
	[ "$status" -eq 0 ]
	[ "$(all_on h2 | sort)" = "$before" ]
	[ "$(running app)" -eq 5 ]
}

@test "node update: labels added by commands steer a constrained service" {
	cat >"$BATS_TEST_TMPDIR/pinned.yml" <<-'EOF'
	name: pinned
	services:
	  one:
	    image: busybox:latest
	    command: ["sleep", "1000000"]
	    stop_grace_period: 1s
	    deploy:
	      placement:
	        constraints: ["node.labels.nodetest == yes"]
	EOF
	run node update --label-add nodetest=yes --label-add other=1 h3
	[ "$status" -eq 0 ]
	run "$CSWARM" deploy $CSWARM_OPTS "$BATS_TEST_TMPDIR/pinned.yml"
	[ "$status" -eq 0 ]
	ID=$(own_cluster_id)
	[ "$(all_on h3 | grep -c '^pinned_one')" -eq 1 ]
	run node inspect h3
	[[ "$output" == *'"labels":{"nodetest":"yes","other":"1"}'* ]]
	# moving the label moves the task (start-first) in the same command
	node update --label-add nodetest=yes h2
	[ "$(all_on h3 | grep -c '^pinned_one')" -eq 1 ]
	run node update --label-rm nodetest h3
	[ "$status" -eq 0 ]
	[[ "$output" == *"h2: started pinned_one.1."*"h3: stopped pinned_one.1."* ]]
	[ "$(all_on h2 | grep -c '^pinned_one')" -eq 1 ]
	[ "$(all_on h3 | grep -c '^pinned_one')" -eq 0 ]
	run node update --availability bogus h2
	[ "$status" -eq 2 ]
	run node update --label-add novalue h2
	[ "$status" -eq 2 ]
	run node drain hh2
	[ "$status" -eq 1 ]
	[[ "$output" == *"no host 'hh2' in the inventory (did you mean 'h2'?)"* ]]
}

@test "node promote/demote: the state copy moves; the inventory's last manager is never demoted" {
	local inv=$BATS_TEST_TMPDIR/inventory d=/var/lib/cswarm-nodetest/$CLUSTER
	cat >"$inv" <<-EOF
	[managers]
	h1 ansible_host=$(cluster_addr h1) cswarm_state_dir=$d/h1
	[workers]
	h2 ansible_host=$(cluster_addr h2) cswarm_state_dir=$d/h2
	h3 ansible_host=$(cluster_addr h3) cswarm_state_dir=$d/h3
	[all:vars]
	ansible_user=root
	ansible_ssh_private_key_file=$CSWARM_SSH_KEY
	cswarm_dns_image=$CLUSTER_DNS_IMAGE
	EOF
	export CSWARM_INVENTORY=$inv
	"$CSWARM" init >/dev/null
	! cluster_ssh h2 test -e "$d/h2/state.json" || false
	run "$CSWARM" node promote h2
	[ "$status" -eq 0 ]
	no_sanitizer_report
	cluster_ssh h2 test -e "$d/h2/state.json"
	cmp <(cluster_ssh h1 cat "$d/h1/state.json") <(cluster_ssh h2 cat "$d/h2/state.json")
	run "$CSWARM" node ls
	grep -E '^h1 .*manager .*Leader' <<<"$output"
	grep -E '^h2 .*manager .*Reachable' <<<"$output"
	# the next change reaches the copy too
	"$CSWARM" node update --label-add a=b h3
	cmp <(cluster_ssh h1 cat "$d/h1/state.json") <(cluster_ssh h2 cat "$d/h2/state.json")
	run "$CSWARM" node promote h2
	[ "$status" -eq 0 ]
	[[ "$output" == *"h2 is already a manager"* ]]
	run "$CSWARM" node demote h1
	[ "$status" -eq 1 ]
	[[ "$output" == *"refusing to demote"* ]]
	run "$CSWARM" node demote h2
	[ "$status" -eq 0 ]
	! cluster_ssh h2 test -e "$d/h2" || false
	run "$CSWARM" node ls
	grep -E '^h2 .*worker ' <<<"$output"
	cluster_ssh h1 cat "$d/h1/history.log" | grep -q "node demote h2$"
}

@test "node demote keeps a state directory another manager shares (one filesystem)" {
	# the local cluster's hosts share one filesystem: h3's default state
	# directory is h1's
	run node promote h3
	[ "$status" -eq 0 ]
	run node demote h3
	[ "$status" -eq 0 ]
	[[ "$output" == *"shared filesystem"* ]]
	cluster_ssh h1 test -e "/var/lib/cswarm/$CLUSTER/state.json"
	run node ls
	[ "$status" -eq 0 ]
	grep -E '^h3 .*worker ' <<<"$output"
}

@test "a host cut off: reconcile replaces its tasks; back up: the next reconcile removes the stale copies" {
	deploy
	ID=$(own_cluster_id)
	[ "$(running_on h3 app)" -eq 1 ]
	cluster_link_down h3
	run "$CSWARM" reconcile $CSWARM_OPTS
	[ "$status" -eq 3 ]
	no_sanitizer_report
	[ "$(( $(running_on h1 app) + $(running_on h2 app) ))" -eq 3 ]
	[ "$(( $(running_on h1 web) + $(running_on h2 web) ))" -eq 2 ]
	cluster_link_up h3
	run "$CSWARM" reconcile $CSWARM_OPTS
	[ "$status" -eq 0 ]
	no_sanitizer_report
	[ "$(running app)" -eq 3 ]
	[ "$(running web)" -eq 2 ]
	[ "$(running_on h3 app)" -eq 0 ]
	[ "$(running_on h3 agent)" -eq 1 ]
	run "$CSWARM" reconcile $CSWARM_OPTS
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}
