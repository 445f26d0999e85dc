#!/usr/bin/env bats
# Self-healing on real Docker hosts: the engine restarts what crashed
# (docker/restart.h), `reconcile --watch` does what the engine cannot.
# Own cluster names (heal*) and state directory: no shared lock needed.

load helpers

STACK=$BATS_TEST_DIRNAME/stacks/heal.yml

setup() {
	cli_setup
	own_cluster heal
}

teardown() {
	stop_watch || true
	cp "$BATS_TEST_TMPDIR/watch.log" "$CSWARM_CLUSTER_DIR/heal-last-watch.log" 2>/dev/null || true
	own_cluster_teardown
}

deploy() {
	"$CSWARM" deploy --cluster "$CLUSTER" "$STACK" "$@"
}

# Containers of the test's cluster on HOST: "name state restarts" lines.
tasks_on() {
	cluster_docker "$1" ps -aq --filter "label=cswarm.cluster=$CLUSTER_ID" |
		xargs -r docker -H "unix://$(cl_sock "$1")" inspect \
			--format '{{slice .Name 1}} {{.State.Status}} {{.RestartCount}}'
}

running() {	# SERVICE [HOST...]: running containers of heal_SERVICE
	local h n=0 hosts=${*:2}
	for h in ${hosts:-$CLUSTER_HOSTS}; do
		n=$((n + $(tasks_on "$h" | grep -c "^heal_$1\.[^ ]* running " || true)))
	done
	echo "$n"
}

# Poll CMD... every half second for up to SECONDS: a generous bound, never
# a timing assertion.
eventually() {
	local limit=$1 i
	shift
	for ((i = 0; i < limit * 2; i++)); do
		"$@" && return 0
		sleep 0.5
	done
	echo "not within ${limit}s: $*" >&2
	return 1
}

# is FUNCTION ARGS... VALUE: FUNCTION's output is VALUE.
is() { [ "$($1 "${@:2:$#-2}")" = "${*: -1}" ]; }

all_tasks() { local h; for h in $CLUSTER_HOSTS; do tasks_on "$h"; done; }
restarted_in_place() { tasks_on "$1" | grep -q "^$2 running [1-9]"; }
flaky_gave_up() { all_tasks | grep -q '^heal_flaky\.[^ ]* exited 2$'; }
policies() {	# "name policy:max" of every container of the test's cluster
	local h
	for h in $CLUSTER_HOSTS; do
		cluster_docker "$h" ps -aq --filter "label=cswarm.cluster=$CLUSTER_ID" |
			xargs -r docker -H "unix://$(cl_sock "$h")" inspect --format \
			'{{slice .Name 1}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}'
	done
}
running_names() {
	cluster_docker "$1" ps --filter "label=cswarm.cluster=$CLUSTER_ID" --format '{{.Names}}' | sort
}

start_watch() {
	"$CSWARM" reconcile --watch --cluster "$CLUSTER" "$@" >"$BATS_TEST_TMPDIR/watch.log" 2>&1 3>&- &
	echo $! >"$BATS_TEST_TMPDIR/watch.pid"
	eventually 30 streams_up 3
}

streams_up() { [ "$(grep -c 'following its events' "$BATS_TEST_TMPDIR/watch.log")" -ge "$1" ]; }

stop_watch() {
	local pid
	pid=$(cat "$BATS_TEST_TMPDIR/watch.pid" 2>/dev/null) || return 0
	rm -f "$BATS_TEST_TMPDIR/watch.pid"
	kill -TERM "$pid" 2>/dev/null || return 0
	wait "$pid"
}

@test "tasks run with the engine restart policy of their restart_policy" {
	FLAKY_REPLICAS=1 run deploy	# flaky may exit before deploy sees it run
	no_sanitizer_report
	policies >"$BATS_TEST_TMPDIR/policies"
	[ "$(grep -c '^heal_web\..* unless-stopped:0$' "$BATS_TEST_TMPDIR/policies")" -eq 3 ]
	grep -q '^heal_flaky\..* on-failure:2$' "$BATS_TEST_TMPDIR/policies"
}

@test "a changed restart_policy is applied with docker update: nothing restarts" {
	deploy >/dev/null
	local before
	before=$(all_tasks | awk '{print $1}' | sort)
	WEB_RESTART=none run deploy
	[ "$status" -eq 0 ]
	no_sanitizer_report
	[[ "$output" == *"updated heal_web."*"(restart policy)"* ]]
	[ "$(all_tasks | awk '{print $1}' | sort)" = "$before" ]
	[ "$(policies | grep -c '^heal_web\..* no:0$')" -eq 3 ]
	WEB_RESTART=none run deploy	# and a redeploy changes nothing more
	[[ "$output" != *"updated"* ]]
}

@test "a crashed task is restarted in place by the engine, no cswarm command run" {
	deploy >/dev/null
	local name pid
	name=$(tasks_on h2 | awk '/^heal_web\./ {print $1; exit}')
	[ -n "$name" ]
	pid=$(cluster_docker h2 inspect --format '{{.State.Pid}}' "$name")
	kill -9 "$pid"
	eventually 30 restarted_in_place h2 "$name"
	[ "$(running web)" -eq 3 ]
}

@test "max_attempts holds with engine restarts: reconcile does not start it again" {
	FLAKY_REPLICAS=1 deploy --wait 1s >/dev/null 2>&1 || true
	# The engine restarts it twice (on-failure:2), then it stays exited.
	eventually 60 flaky_gave_up
	run "$CSWARM" reconcile --cluster "$CLUSTER"
	no_sanitizer_report
	[[ "$output" != *"started heal_flaky"* ]]
	local n
	n=$(all_tasks | grep -c '^heal_flaky\.')
	[ "$n" -eq 1 ]
}

@test "dockerd restarted on a host: its tasks come back without cswarm" {
	deploy >/dev/null
	local before
	before=$(tasks_on h2 | awk '/ running /{print $1}' | sort)
	[ -n "$before" ]
	cluster_stop_dockerd h2
	cluster_start_dockerd h2
	eventually 30 is running_names h2 "$before"
}

@test "tasks cswarm stopped (update, drain) stay stopped, even after a daemon restart" {
	deploy >/dev/null
	local old
	old=$(all_tasks | awk '{print $1}' | sort)
	VERSION=2 run deploy
	[ "$status" -eq 0 ]
	run "$CSWARM" node drain --cluster "$CLUSTER" h2
	[ "$status" -eq 0 ]
	cluster_stop_dockerd h2
	cluster_start_dockerd h2
	sleep 2	# time for the engine to restart what it would restart
	local now
	now=$(all_tasks | awk '{print $1}' | sort)
	[ -z "$(comm -12 <(echo "$old") <(echo "$now"))" ]	# no old task is back
	[ -z "$(tasks_on h2)" ]					# drained h2 runs nothing
	[ "$(running web)" -eq 3 ]
}

@test "watch: a task killed by hand is replaced within seconds, JSON lines, SIGTERM stops it" {
	deploy >/dev/null
	start_watch --format json
	local name
	name=$(tasks_on h2 | awk '/^heal_web\./ {print $1; exit}')
	cluster_docker h2 kill "$name" >/dev/null	# the engine leaves a manual stop alone
	eventually 60 grep -q '"event":"task_started"' "$BATS_TEST_TMPDIR/watch.log"
	eventually 30 is running web 3
	stop_watch
	run cat "$BATS_TEST_TMPDIR/watch.log"
	no_sanitizer_report
	python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' <"$BATS_TEST_TMPDIR/watch.log"
	grep -q '"event":"die"' "$BATS_TEST_TMPDIR/watch.log"
	grep -q '"event":"stopped"' "$BATS_TEST_TMPDIR/watch.log"
}

@test "watch: a host cut off has its tasks started elsewhere, its stale copies go when it returns" {
	deploy >/dev/null
	[ "$(running web h3)" -ge 1 ]
	start_watch --host-down-after 3s
	cluster_link_down h3
	eventually 60 is running web h1 h2 3
	grep -q 'h3: no answer for 3s' "$BATS_TEST_TMPDIR/watch.log"
	cluster_link_up h3
	eventually 60 is running web h3 0
	grep -q 'h3: answers again' "$BATS_TEST_TMPDIR/watch.log"
	[ "$(running web)" -eq 3 ]
	stop_watch
	run cat "$BATS_TEST_TMPDIR/watch.log"
	no_sanitizer_report
}

@test "watch: cut off from most hosts, it moves nothing and says so" {
	deploy >/dev/null
	local on_h1
	on_h1=$(running web h1)
	start_watch --host-down-after 2s
	cluster_link_down h2
	cluster_link_down h3
	eventually 30 grep -q 'reaching 1 of 3 hosts: this side may be cut off' "$BATS_TEST_TMPDIR/watch.log"
	sleep 3	# a pass would have started tasks by now
	[ "$(running web h1)" -eq "$on_h1" ]
	! grep -q 'started heal_web' "$BATS_TEST_TMPDIR/watch.log" || false
}

@test "watch: a deploy from another process succeeds while the watcher runs" {
	deploy >/dev/null
	start_watch
	VERSION=2 run deploy --lock-wait 1m
	[ "$status" -eq 0 ]
	no_sanitizer_report
	sleep 2	# the watcher sees the deploy's events and finds nothing to repair
	kill -0 "$(cat "$BATS_TEST_TMPDIR/watch.pid")"
	[ "$(running web)" -eq 3 ]
	! grep -q 'started heal_web' "$BATS_TEST_TMPDIR/watch.log" || false
}

@test "watch: a daemon restart shorter than --host-down-after moves nothing" {
	deploy >/dev/null
	local before
	before=$(running_names h2)
	[ -n "$before" ]
	start_watch
	cluster_stop_dockerd h2
	cluster_start_dockerd h2
	eventually 60 is running_names h2 "$before"	# the engine brought them back
	eventually 30 streams_up 4			# the watcher follows h2 again
	[ "$(running web)" -eq 3 ]
	! grep -q 'started heal_web\|no answer' "$BATS_TEST_TMPDIR/watch.log" || false
}
