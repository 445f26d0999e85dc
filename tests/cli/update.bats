#!/usr/bin/env bats
# Rolling updates and the service commands on real Docker hosts: service
# update/rollback/inspect, update_config monitor, max_failure_ratio and
# failure_action rollback, start-first without a failed request, stops of
# one host running together. Each test uses its own cluster name.

load helpers

STACK=$BATS_TEST_DIRNAME/stacks/update.yml

setup() {
	own_cluster_setup u
	own_cluster_init
}

teardown() {
	own_cluster_teardown
}

# "name state" of SERVICE's task containers (up_SERVICE.*) on every host.
tasks_of() {
	local id h
	id=$(own_cluster_id)
	for h in $CLUSTER_HOSTS; do
		cluster_docker "$h" ps -a --filter "label=cswarm.cluster=$id" \
			--format '{{.Names}} {{.State}}' | grep "^up_$1\." || true
	done
}

running_of() { tasks_of "$1" | grep -c ' running$' || true; }

# The value of env var VAR in every running container of up_web, one a line.
web_env() {
	local id h
	id=$(own_cluster_id)
	for h in $CLUSTER_HOSTS; do
		for c in $(cluster_docker "$h" ps -q --filter "label=cswarm.cluster=$id" \
				--filter "label=cswarm.service=web"); do
			cluster_docker "$h" exec "$c" sh -c "echo \"\${$1:-unset}\""
		done
	done
}

@test "service update --env-add changes every task; inspect shows it; deploy --dry-run shows the way back" {
	deploy >/dev/null
	run "$CSWARM" service update $CSWARM_OPTS --env-add COLOR=blue --env-rm GREETING \
		--label-add tier=front up_web
	[ "$status" -eq 0 ]
	no_sanitizer_report
	[ "$(grep -c 'started up_web.*(update)' <<<"$output")" -eq 2 ]
	[ "$(web_env COLOR | sort -u)" = blue ]
	[ "$(web_env GREETING | sort -u)" = unset ]
	[ "$(running_of web)" -eq 2 ]
	run "$CSWARM" service inspect $CSWARM_OPTS up_web
	[ "$status" -eq 0 ]
	python3 -c '
import json, sys
d = json.loads(sys.argv[1])[0]
assert d["Spec"]["environment"] == {"COLOR": "blue"}, d["Spec"]
assert d["Spec"]["deploy"]["labels"] == {"tier": "front"}, d["Spec"]
assert d["PreviousSpec"]["environment"] == {"GREETING": "hello"}, d["PreviousSpec"]
' "$output"
	run "$CSWARM" service inspect $CSWARM_OPTS --pretty up_web
	[[ "$output" == *"Env:"*"COLOR=blue"* ]]
	[[ "$output" == *"Parallelism:        1"* ]]
	# The stack file again: its plan puts GREETING back on both tasks.
	run deploy --dry-run
	[ "$status" -eq 0 ]
	[ "$(grep -c 'start up_web.*(update)' <<<"$output")" -eq 2 ]
}

@test "service rollback puts the previous spec back with rollback_config; a second one undoes it" {
	deploy >/dev/null
	"$CSWARM" service update $CSWARM_OPTS --env-add COLOR=blue up_web >/dev/null
	run "$CSWARM" service rollback $CSWARM_OPTS up_web
	[ "$status" -eq 0 ]
	[[ "$output" == *"rolling back to the previous spec"* ]]
	[ "$(grep -c 'started up_web' <<<"$output")" -eq 2 ]
	[ "$(web_env COLOR | sort -u)" = unset ]
	[ "$(web_env GREETING | sort -u)" = hello ]
	run "$CSWARM" service rollback $CSWARM_OPTS up_web
	[ "$status" -eq 0 ]
	[ "$(web_env COLOR | sort -u)" = blue ]
}

@test "service update: --replicas, --publish-add/rm, --force, bad input" {
	deploy >/dev/null
	run "$CSWARM" service update $CSWARM_OPTS --replicas 3 up_web
	[ "$status" -eq 0 ]
	[ "$(running_of web)" -eq 3 ]
	run "$CSWARM" service update $CSWARM_OPTS --publish-rm 80 --publish-add 18081:80 up_web
	[ "$status" -eq 0 ]
	run "$CSWARM" service inspect $CSWARM_OPTS --pretty up_web
	[[ "$output" == *"18081 -> 80/tcp"* ]]
	[[ "$output" != *"18080 ->"* ]]
	before=$(tasks_of web | awk '{print $1}' | sort)
	run "$CSWARM" service update $CSWARM_OPTS --force up_web
	[ "$status" -eq 0 ]
	[ "$(grep -c 'started up_web.*(update)' <<<"$output")" -eq 3 ]
	[ "$(tasks_of web | awk '{print $1}' | sort)" != "$before" ]
	run "$CSWARM" service update $CSWARM_OPTS --env-add NOEQUALS up_web
	[ "$status" -eq 2 ]
	[[ "$output" == *"--env-add: expected KEY=VALUE"* ]]
	run "$CSWARM" service update $CSWARM_OPTS --image x up_nosuch
	[ "$status" -eq 1 ]
	[[ "$output" == *"no such service: up_nosuch"* ]]
	run "$CSWARM" service rollback $CSWARM_OPTS up_stubborn
	[ "$status" -eq 1 ]
	[[ "$output" == *"no previous spec"* ]]
}

@test "an update to an image no host has rolls back by itself and exits non-zero" {
	deploy >/dev/null
	before=$(tasks_of web | awk '{print $1}' | sort)
	run "$CSWARM" service update $CSWARM_OPTS --wait 20s --image busybox:no-such-tag up_web
	[ "$status" -eq 1 ]
	[[ "$output" == *"rolling back"* ]]
	[ "$(running_of web)" -eq 2 ]
	! tasks_of web | grep -q 'no-such-tag' || false
	# Every running task is on the previous image.
	id=$(own_cluster_id)
	for h in $CLUSTER_HOSTS; do
		for c in $(cluster_docker "$h" ps -q --filter "label=cswarm.cluster=$id" --filter "label=cswarm.service=web"); do
			[ "$(cluster_docker "$h" inspect -f '{{.Config.Image}}' "$c")" = busybox:latest ]
		done
	done
}

@test "update_config.monitor: a task that exits after a few seconds fails the update, which rolls back" {
	deploy >/dev/null
	# The task lives 25 s: longer than the batch takes (start-first: the new
	# task starts beside the old one, whose httpd, PID 1, waits out the 10 s
	# stop grace period), shorter than the monitor period.
	MONITOR=45s WEB_CMD='sleep 25; exit 3' run deploy --wait 30s
	[ "$status" -eq 1 ]
	[[ "$output" == *"failed within the update's monitor period"* ]]
	[[ "$output" == *"rolling back up to its previous deploy"* ]]
	[ "$(running_of web)" -eq 2 ]
	[ "$(web_env GREETING | sort -u)" = hello ]
}

@test "max_failure_ratio 1: a failed batch does not stop the update" {
	deploy >/dev/null
	# The change fails on every task, but failures are tolerated.
	sed 's/failure_action: .*/failure_action: pause\n        max_failure_ratio: 1/' "$STACK" >"$BATS_TEST_TMPDIR/ratio.yml"
	WEB_IMAGE=busybox:no-such-tag run "$CSWARM" deploy $CSWARM_OPTS --wait 10s "$BATS_TEST_TMPDIR/ratio.yml"
	[ "$status" -eq 1 ]
	[[ "$output" == *"within max_failure_ratio: going on"* ]]
	[[ "$output" != *"update paused"* ]]
	[ "$(grep -c 'start up_web.*failed' <<<"$output")" -eq 2 ]
}

@test "a start-first update through the published port fails no request" {
	deploy >/dev/null
	poll_port 18080 60 &
	poller=$!
	run "$CSWARM" service update $CSWARM_OPTS --env-add COLOR=green up_web
	touch "$BATS_TEST_TMPDIR/stop"
	wait $poller
	[ "$status" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/fails")" -eq 0 ]
	[ "$(web_env COLOR | sort -u)" = green ]
}

@test "stack rm: the stops of one host run together (four tasks that ignore SIGTERM)" {
	deploy >/dev/null
	[ "$(running_of stubborn)" -eq 4 ]
	since=$(date +%s)
	run "$CSWARM" stack rm $CSWARM_OPTS up
	[ "$status" -eq 0 ]
	[ -z "$(tasks_of stubborn)" ]
	# Every SIGTERM came before the first container died: the stops ran at
	# once, not one grace period after another.
	cluster_docker h2 events --since "$since" --until "$(date +%s)" \
		--filter event=kill --filter event=die --filter label=cswarm.service=stubborn \
		--format '{{.Action}} {{.Actor.Attributes.signal}}' >"$BATS_TEST_TMPDIR/events"
	first_die=$(grep -n '^die' "$BATS_TEST_TMPDIR/events" | head -1 | cut -d: -f1)
	last_term=$(grep -n '^kill 15$' "$BATS_TEST_TMPDIR/events" | tail -1 | cut -d: -f1)
	[ "$(grep -c '^die' "$BATS_TEST_TMPDIR/events")" -eq 4 ]
	[ "$(grep -c '^kill 15$' "$BATS_TEST_TMPDIR/events")" -eq 4 ]
	[ "$last_term" -lt "$first_die" ]
}

@test "progress: a live line per service on a terminal, plain lines in a pipe" {
	run script -qec "$CSWARM deploy $CSWARM_OPTS $STACK" /dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *"[wave 1/1]"*"up_stubborn 4/4"*"up_web 2/2"* ]]
	run deploy
	[ "$status" -eq 0 ]
	[[ "$output" != *"[wave"* ]]
	[[ "$output" != *$'\033'* ]]
}
