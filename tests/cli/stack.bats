#!/usr/bin/env bats
# The read commands of stacks and services (ls, services, ps, logs), scale
# and stack rm, on real Docker hosts. One stack on a cluster state of its
# own, deployed once; the tests run in order and the last removes it.

load helpers

CL=tstack
NAME=st

setup_file() {
	cli_setup || return 0
	STACKDIR=$(mktemp -d)
	cat >"$STACKDIR/stack.yml" <<'YML'
services:
  web:
    image: busybox:latest
    command: ["sh", "-c", "mkdir -p /www && echo hello > /www/index.html && echo web-ready && exec httpd -f -p 80 -h /www"]
    ports: ["18081:80"]
    deploy:
      replicas: 3
  agent:
    image: busybox:latest
    command: ["sh", "-c", "echo agent-out; echo agent-err >&2; exec sleep 1000000"]
    ports: [{target: 81, published: 18082, mode: host}]
    deploy:
      mode: global
  worker:
    image: busybox:latest
    command: ["sleep", "1000000"]
    volumes: ["data:/data"]
    deploy:
      replicas: 2
volumes:
  data:
YML
	"$CSWARM" init --cluster $CL >/dev/null
	"$CSWARM" stack rm --cluster $CL $NAME >/dev/null 2>&1 || true
	local rc=0
	"$CSWARM" stack deploy --cluster $CL -c "$STACKDIR/stack.yml" $NAME >/dev/null || rc=$?
	rm -rf "$STACKDIR"
	return $rc
}

teardown_file() {
	cli_setup || return 0
	cluster_restore_all
	"$CSWARM" stack rm --cluster $CL $NAME >/dev/null 2>&1 || true
}

setup() {
	cli_setup
}

cs() {
	"$CSWARM" "$@" --cluster $CL
}

json() {	# python3 expression on the parsed JSON output, as `d`
	python3 -c "import json,sys; d=json.load(sys.stdin); print($1)" <<<"$output"
}

containers_of() {	# HOST [ps flags]: names of the stack's containers
	local h=$1; shift
	cluster_docker "$h" ps "$@" --filter "label=cswarm.stack=$NAME" --format '{{.Names}}'
}

@test "stack ls: the stack and its service count, also as JSON" {
	run cs stack ls
	[ "$status" -eq 0 ]
	grep -Eq "^NAME +SERVICES$" <<<"$output"
	grep -Eq "^$NAME +3$" <<<"$output"
	run cs stack ls --format json
	[ "$status" -eq 0 ]
	[ "$(json "[s['services'] for s in d if s['name'] == '$NAME'][0]")" = 3 ]
	no_sanitizer_report
}

@test "stack services: replicas running/desired, global on every node, ports" {
	run cs stack services $NAME
	[ "$status" -eq 0 ]
	echo "$output"
	grep -Eq "^ID +NAME +MODE +REPLICAS +IMAGE +PORTS$" <<<"$output"
	grep -Eq "^[0-9a-f]{12} +${NAME}_web +replicated +3/3 +busybox:latest +\*:18081->80/tcp$" <<<"$output"
	grep -Eq "^[0-9a-f]{12} +${NAME}_agent +global +3/3 +busybox:latest +\*:18082->81/tcp$" <<<"$output"
	grep -Eq "^[0-9a-f]{12} +${NAME}_worker +replicated +2/2 " <<<"$output"
	run cs stack services $NAME --format json
	[ "$status" -eq 0 ]
	[ "$(json "sorted((s['name'], s['replicas']) for s in d)")" = \
	  "[('${NAME}_agent', '3/3'), ('${NAME}_web', '3/3'), ('${NAME}_worker', '2/2')]" ]
	run cs service ls
	[ "$status" -eq 0 ]
	grep -q "${NAME}_web" <<<"$output"
	run cs stack services nosuchstack
	[ "$status" -eq 1 ]
	no_sanitizer_report
}

# PORTS of a task: its own bindings (mode: host), as in Swarm; an ingress
# port (the routing mesh) is the service's, shown by `stack services`.
@test "stack ps: one Running row per task, with node and ports" {
	run cs stack ps $NAME
	[ "$status" -eq 0 ]
	echo "$output"
	grep -Eq "^ID +NAME +IMAGE +NODE +DESIRED STATE +CURRENT STATE +ERROR +PORTS$" <<<"$output"
	[ "$(grep -Ec "^[0-9a-f]{12} +${NAME}_web\.[1-3] +busybox:latest +h[1-3] +Running +Running .* ago *$" <<<"$output")" = 3 ]
	[ "$(grep -Ec "^[0-9a-f]{12} +${NAME}_agent\.h[1-3] +busybox:latest +h[1-3] +Running +Running .* ago +\*:18082->81/tcp$" <<<"$output")" = 3 ]
	[ "$(grep -Ec "${NAME}_worker\.[12] .* Running " <<<"$output")" = 2 ]
	run cs stack ps $NAME --format json
	[ "$status" -eq 0 ]
	[ "$(json "len([t for t in d if t['state'] == 'running'])")" = 8 ]
	[ "$(json "sorted(t['node'] for t in d if t['service'] == 'agent')")" = "['h1', 'h2', 'h3']" ]
	no_sanitizer_report
}

@test "service ps: the tasks of one service; unknown services are refused" {
	run cs service ps ${NAME}_web
	[ "$status" -eq 0 ]
	[ "$(grep -c "${NAME}_web\." <<<"$output")" = 3 ]
	! grep -q "${NAME}_agent" <<<"$output" || false
	run cs service ps ${NAME}_nosuch
	[ "$status" -eq 1 ]
	grep -q "no such service" <<<"$output"
	no_sanitizer_report
}

@test "service scale: up to 5 then down to 1, the remaining tasks untouched" {
	run cs stack ps $NAME --format json
	before=$(json "' '.join(sorted(t['id'] for t in d if t['service'] == 'worker'))")
	run cs service scale ${NAME}_worker=5
	echo "$output"
	[ "$status" -eq 0 ]
	n=0
	for h in $CLUSTER_HOSTS; do
		n=$((n + $(containers_of "$h" | grep -c "^${NAME}_worker\." || true)))
	done
	[ "$n" = 5 ]
	run cs stack ps $NAME --format json
	after=$(json "' '.join(sorted(t['id'] for t in d if t['service'] == 'worker'))")
	for id in $before; do grep -qw "$id" <<<"$after"; done
	run cs service scale ${NAME}_worker=1
	[ "$status" -eq 0 ]
	n=0
	for h in $CLUSTER_HOSTS; do
		n=$((n + $(containers_of "$h" -a | grep -c "^${NAME}_worker\." || true)))
	done
	[ "$n" = 1 ]
	run cs stack services $NAME
	grep -Eq "${NAME}_worker +replicated +1/1 " <<<"$output"
	run cs service scale ${NAME}_agent=2
	[ "$status" -eq 1 ]
	grep -q "global" <<<"$output"
	run cs service scale ${NAME}_worker=x
	[ "$status" -eq 1 ]
	no_sanitizer_report
}

@test "service logs: every task's lines, prefixed, stdout and stderr apart" {
	run cs service logs ${NAME}_agent
	[ "$status" -eq 0 ]
	echo "$output"
	[ "$(grep -Ec "^${NAME}_agent\.h[1-3]\.[0-9a-f]{12}@h[1-3] +\| agent-out$" <<<"$output")" = 3 ]
	[ "$(cs service logs ${NAME}_agent 2>/dev/null | grep -c 'agent-err')" = 0 ]
	[ "$(cs service logs ${NAME}_agent 2>&1 >/dev/null | grep -c '| agent-err$')" = 3 ]
	run timeout 5 "$CSWARM" service logs ${NAME}_agent --follow --cluster $CL
	[ "$status" -eq 124 ]	# still following when stopped
	[ "$(grep -c "| agent-out$" <<<"$output")" = 3 ]
	run cs stack logs $NAME --tail 1
	[ "$status" -eq 0 ]
	[ "$(grep -c "${NAME}_web\..*| web-ready$" <<<"$output")" = 3 ]
	no_sanitizer_report
}

@test "stack ps: a killed container shows Exited and its exit code" {
	local victim
	victim=$(containers_of h2 | grep "^${NAME}_worker\." | head -n1)
	[ -n "$victim" ] || victim=$(containers_of h2 | grep "^${NAME}_agent\." | head -n1)
	cluster_docker h2 kill "$victim" >/dev/null
	run cs stack ps $NAME
	echo "$output"
	grep -Eq "h2 +Running +Exited \(137\) .* ago +\"task: non-zero exit \(137\)\"" <<<"$output"
	no_sanitizer_report
}

@test "stack rm: nothing labelled with the stack is left on any host" {
	local h volumes=
	for h in $CLUSTER_HOSTS; do
		volumes+=$(cluster_docker "$h" volume ls -q --filter "label=cswarm.stack=$NAME")
	done
	[ -n "$volumes" ]
	run cs stack rm $NAME
	echo "$output"
	[ "$status" -eq 0 ]
	for h in $CLUSTER_HOSTS; do
		[ -z "$(cluster_docker "$h" ps -aq --filter "label=cswarm.stack=$NAME")" ]
		[ -z "$(cluster_docker "$h" network ls -q --filter "label=cswarm.stack=$NAME")" ]
		[ -z "$(cluster_docker "$h" volume ls -q --filter "label=cswarm.stack=$NAME")" ]
	done
	run cs stack ls
	! grep -q "^$NAME " <<<"$output" || false
	run cs stack rm $NAME
	[ "$status" -eq 0 ]
	grep -q "Nothing found in stack" <<<"$output"
	no_sanitizer_report
}
