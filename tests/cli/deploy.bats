#!/usr/bin/env bats
# The orchestration core on real Docker hosts: deploy, redeploy, rolling
# update, scale, reconcile, the lock. Each test uses its own cluster name,
# so its state and containers are its own.

load helpers

STACK=$BATS_TEST_DIRNAME/stacks/app.yml

setup() {
	own_cluster_setup t
	own_cluster_init
}

teardown() {
	own_cluster_teardown
}

# Task containers of the test's cluster on HOST: "name state" lines.
tasks_on() {
	local id
	id=$(own_cluster_id)
	cluster_docker "$1" ps -a --filter "label=cswarm.cluster=$id" --format '{{.Names}} {{.State}}'
}

count_running() {	# SERVICE: running containers of app_SERVICE on all hosts
	local n=0 h
	for h in $CLUSTER_HOSTS; do
		n=$((n + $(tasks_on "$h" | grep -c "^app_$1\..* running$" || true)))
	done
	echo "$n"
}

ids_of() {	# container ids of the test's cluster, all hosts, sorted
	local h
	for h in $CLUSTER_HOSTS; do tasks_on "$h"; done | awk '{print $1}' | sort
}

@test "deploy: every service placed by its rules, checked through docker itself" {
	run deploy
	[ "$status" -eq 0 ]
	no_sanitizer_report
	[ "$(count_running web)" -eq 2 ]
	[ "$(count_running agent)" -eq 3 ]
	[ "$(count_running worker)" -eq 2 ]
	# The constraint keeps workers off the manager h1; global is on every host.
	! tasks_on h1 | grep -q '^app_worker' || false
	for h in h1 h2 h3; do tasks_on "$h" | grep -q "^app_agent\.$h\."; done
	# Labels and the published port.
	name=$(tasks_on h2 | awk '/^app_web/ {print $1; exit}')
	[ -n "$name" ] || name=$(tasks_on h3 | awk '/^app_web/ {print $1; exit}')
	[ -n "$name" ]
	checked=0
	for h in $CLUSTER_HOSTS; do
		cluster_docker "$h" inspect "$name" >/dev/null 2>&1 || continue
		[ "$(cluster_docker "$h" inspect -f '{{index .Config.Labels "com.docker.stack.namespace"}}' "$name")" = app ]
		busybox wget -qO- "http://$(cluster_addr "$h"):8080/" | grep -q 'cswarm test page'
		checked=$((checked + 1))
	done
	[ "$checked" -eq 1 ]
}

@test "redeploy of an unchanged stack changes no container" {
	deploy
	before=$(ids_of)
	run deploy
	[ "$status" -eq 0 ]
	[[ "$output" == *"0 started, 0 stopped, 0 failed, 0 pending"* ]]
	[ "$(ids_of)" = "$before" ]
}

@test "--dry-run prints the docker commands and changes nothing" {
	run deploy --dry-run
	[ "$status" -eq 0 ]
	[[ "$output" == *"docker run -d --name 'app_web.1."* ]]
	[[ "$output" == *"dry run:"* ]]
	[ -z "$(ids_of)" ]
}

@test "a changed env var replaces tasks one by one; the port keeps answering" {
	deploy
	poll_port 8080 25 &
	poller=$!
	GREETING=changed run deploy
	touch "$BATS_TEST_TMPDIR/stop"
	wait $poller
	[ "$status" -eq 0 ]
	[ "$(grep -c 'stopped app_web.*(update)' <<<"$output")" -eq 2 ]
	[ "$(grep -c 'started app_web.*(update)' <<<"$output")" -eq 2 ]
	[ "$(cat "$BATS_TEST_TMPDIR/fails")" -eq 0 ]
	# Only web changed: agent and worker kept their containers.
	[[ "$output" != *"app_agent"* ]]
	[ "$(count_running web)" -eq 2 ]
}

@test "scale up and down by redeploying with another replica count" {
	deploy
	WEB_REPLICAS=3 run deploy
	[ "$status" -eq 0 ]
	[ "$(count_running web)" -eq 3 ]
	WEB_REPLICAS=1 run deploy
	[ "$status" -eq 0 ]
	[ "$(count_running web)" -eq 1 ]
}

@test "a killed container is restarted by reconcile; a converged reconcile is quiet" {
	deploy
	name=$(tasks_on h2 | awk '/^app_worker/ {print $1; exit}')
	cluster_docker h2 kill "$name" >/dev/null
	run "$CSWARM" reconcile $CSWARM_OPTS
	[ "$status" -eq 0 ]
	[[ "$output" == *"1 started, 1 stopped"* ]]
	[ "$(count_running worker)" -eq 2 ]
	run "$CSWARM" reconcile $CSWARM_OPTS
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "a host whose dockerd stopped: reconcile moves its replicated tasks" {
	deploy
	cluster_stop_dockerd h3
	run "$CSWARM" reconcile $CSWARM_OPTS
	[ "$status" -eq 3 ]
	[[ "$output" == *"h3"*"docker not running"* ]]
	[ "$(count_running web)" -eq 2 ]
	[ "$(count_running worker)" -eq 2 ]
	! tasks_on h1 | grep -q '^app_worker' || false
	! tasks_on h3 | grep -q ' running$' || false
}

@test "two deploys at once: the second fails with exit 4 naming the holder, or waits with --lock-wait" {
	deploy
	GREETING=slow "$CSWARM" deploy $CSWARM_OPTS "$STACK" >/dev/null 2>&1 &
	first=$!
	for _ in $(seq 100); do
		"$CSWARM" lock status $CSWARM_OPTS 2>/dev/null | grep -q '^locked' && break
		sleep 0.1
	done
	run deploy
	wait $first || true
	# The first holds the lock for seconds (its tasks wait for health),
	# so the second must find it held.
	[ "$status" -eq 4 ]
	[[ "$output" == *"lock held by"*"cswarm deploy"* ]]
	run deploy --lock-wait 60s
	[ "$status" -eq 0 ]
}

@test "SIGKILL of a deploy mid-way: the next run gets the lock at once and converges" {
	# cswarm itself in the background (a function would put a subshell
	# between $! and the process to kill).
	GREETING=x "$CSWARM" deploy $CSWARM_OPTS "$STACK" >/dev/null 2>&1 &
	pid=$!
	sleep 1.2
	kill -KILL $pid
	wait $pid || true
	run deploy
	[ "$status" -eq 0 ]
	[ "$(count_running web)" -eq 2 ]
	[ "$(count_running agent)" -eq 3 ]
	[ "$(count_running worker)" -eq 2 ]
	run "$CSWARM" reconcile $CSWARM_OPTS
	[ "$status" -eq 0 ]
}

@test "a hostile value from the stack file reaches the container literally" {
	HOSTILE="\$(touch /tmp/pwned-cswarm) \`id\` 'q' \"d\" ;rm -rf /" run deploy
	[ "$status" -eq 0 ]
	[ ! -e /tmp/pwned-cswarm ]
	name=$(tasks_on h2 | awk '/^app_worker/ {print $1; exit}')
	[ -n "$name" ] || name=$(tasks_on h3 | awk '/^app_worker/ {print $1; exit}')
	[ -n "$name" ]
	checked=0
	for h in h2 h3; do
		cluster_docker "$h" inspect "$name" >/dev/null 2>&1 || continue
		got=$(cluster_docker "$h" exec "$name" cat /tmp/hostile)
		[ "$got" = "\$(touch /tmp/pwned-cswarm) \`id\` 'q' \"d\" ;rm -rf /" ]
		checked=$((checked + 1))
	done
	[ "$checked" -eq 1 ]
}

@test "a failed rolling update with failure_action rollback returns to the previous spec" {
	rb=$BATS_TEST_DIRNAME/stacks/rollback.yml
	run "$CSWARM" deploy $CSWARM_OPTS "$rb"
	[ "$status" -eq 0 ]
	before=$(ids_of | grep '^rb_api' | wc -l)
	[ "$before" -eq 2 ]
	# An image no host has (and none can pull): the first batch fails.
	API_IMAGE=busybox:no-such-tag run "$CSWARM" deploy $CSWARM_OPTS --wait 20s "$rb"
	[ "$status" -eq 1 ]
	[[ "$output" == *"rolling back rb to its previous deploy"* ]]
	# Both tasks run the previous image again; a redeploy of it is a no-op.
	for h in $CLUSTER_HOSTS; do
		! tasks_on "$h" | grep -q '^rb_api.* exited$' || false
	done
	[ "$(for h in $CLUSTER_HOSTS; do tasks_on "$h"; done | grep -c '^rb_api.* running$')" -eq 2 ]
	run "$CSWARM" deploy $CSWARM_OPTS "$rb"
	[ "$status" -eq 0 ]
	[[ "$output" == *"0 started, 0 stopped, 0 failed, 0 pending"* ]]
	"$CSWARM" stack rm $CSWARM_OPTS rb >/dev/null
}
