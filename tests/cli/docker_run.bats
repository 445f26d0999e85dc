#!/usr/bin/env bats
# docker/run.c against a real host of the local cluster: the scripts that
# tests/tools/render_task prints for a stack file are piped to `sh -s` over
# SSH, as the deploy engine does, then the containers are inspected.

load helpers

RENDER=${RENDER:-$REPO/build/asan/tools/render_task}
HOST=h2
PWNED=/tmp/cswarm-bats-pwned
# Secret and config files go to a tmpfs (this machine's /run is not one).
FILES=/dev/shm/cswarm-bats-drt

# `! cmd` does not fail a bats test; a function returning non-zero does.
refute() { ! "$@"; }

setup_file() {
	[ -f "$REPO/tests/cluster/run/env" ] || "$REPO/tests/cluster/up" 3 >&2
	[ -x "$RENDER" ] || make -C "$REPO" -s build/asan/tools/render_task >&2
	export CLUSTER_ID=bats-run-$$ PORT=$((18000 + $$ % 1000))
	local d=$BATS_FILE_TMPDIR
	mkdir -p "$d/www"
	echo "hello from $HOST" >"$d/www/index.html"
	printf 'pa$$w0rd\n'"'"'quoted'"'"' $(touch %s)\n' "$PWNED" >"$d/secret.txt"
	cat >"$d/stack.yml" <<EOF
name: drt
services:
  web:
    image: busybox:latest
    command: [httpd, -f, -p, "8080", -h, /www]
    user: "1000"
    environment:
      HOSTILE: "\$\$(touch $PWNED) \`touch $PWNED\` 'q' \"d\" ;|&"
      PLAIN: plain
    labels: {app.tier: front}
    ports: ["$PORT:8080"]
    volumes:
      - data:/data
      - $d/www:/www:ro
    secrets: [pw]
    configs: [{source: conf, target: /etc/app.conf}]
    healthcheck:
      test: [CMD, wget, -q, -O-, "http://127.0.0.1:8080/"]
      interval: 1s
      timeout: 1s
      retries: 3
    deploy:
      resources:
        limits: {cpus: "0.5", memory: 64M, pids: 50}
    stop_grace_period: 1500ms
    networks: [front, back]
networks:
  front: {}
  back: {driver: overlay}
volumes:
  data: {}
secrets:
  pw: {file: ./secret.txt}
configs:
  conf: {content: "key=value\n"}
EOF
}

setup() {
	cli_setup
}

teardown_file() {
	local name
	for name in $(cluster_docker $HOST ps -aq --filter "label=cswarm.cluster=$CLUSTER_ID" 2>/dev/null); do
		cluster_docker $HOST rm -f "$name" >/dev/null 2>&1
	done
	"$RENDER" rm-stack "$CLUSTER_ID" drt | cluster_ssh $HOST sh -s >/dev/null 2>&1
	cluster_docker $HOST network rm drt_foreign drt_front >/dev/null 2>&1
	rm -f "$PWNED"
	cluster_docker $HOST run --rm -v /dev/shm:/shm busybox:latest rm -rf /shm/cswarm-bats-drt >/dev/null 2>&1
	true
}

inspect() {	# FORMAT [OBJECT]
	cluster_docker $HOST inspect -f "$1" "${2:-drt_web.1.t1}"
}

@test "docker run script: the task container starts on the host" {
	rm -f "$PWNED"
	run "$RENDER" run "$BATS_FILE_TMPDIR/stack.yml" web "$CLUSTER_ID" t1 1 "$FILES"
	[ "$status" -eq 0 ]
	no_sanitizer_report
	run cluster_ssh $HOST sh -s <<<"$output"
	[ "$status" -eq 0 ]
	[[ "${lines[-1]}" =~ ^[0-9a-f]{64}$ ]]
	[ "$(inspect '{{.State.Status}}')" = running ]
}

@test "labels: cluster, stack, service, slot, task, hash, namespace, own" {
	run inspect '{{json .Config.Labels}}'
	[ "$status" -eq 0 ]
	python3 -c '
import json, sys
l = json.loads(sys.argv[1])
want = {"cswarm.cluster": sys.argv[2], "cswarm.stack": "drt", "cswarm.service": "web",
        "cswarm.slot": "1", "cswarm.task": "t1", "com.docker.stack.namespace": "drt",
        "com.docker.swarm.service.name": "drt_web", "app.tier": "front"}
assert all(l.get(k) == v for k, v in want.items()), l
assert len(l["cswarm.hash"]) == 12, l' "$output" "$CLUSTER_ID"
}

@test "a hostile env value arrives literally and runs nothing" {
	run inspect '{{range .Config.Env}}{{println .}}{{end}}'
	[ "$status" -eq 0 ]
	grep -qxF "HOSTILE=\$(touch $PWNED) \`touch $PWNED\` 'q' \"d\" ;|&" <<<"$output"
	grep -qx 'PLAIN=plain' <<<"$output"
	[ ! -e "$PWNED" ]
}

@test "restart policy (any: unless-stopped), resources, stop timeout, user, command" {
	[ "$(inspect '{{.HostConfig.RestartPolicy.Name}}')" = unless-stopped ]
	[ "$(inspect '{{.HostConfig.NanoCpus}} {{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}')" = "500000000 67108864 50" ]
	[ "$(inspect '{{.Config.StopTimeout}}')" = 2 ]
	[ "$(inspect '{{.Config.User}}')" = 1000 ]
	[ "$(inspect '{{json .Config.Cmd}}')" = '["httpd","-f","-p","8080","-h","/www"]' ]
}

@test "published port answers from the root namespace" {
	run busybox wget -qO- "http://$(cluster_addr $HOST):$PORT/"
	[ "$status" -eq 0 ]
	[ "$output" = "hello from $HOST" ]
}

@test "secret and config files: exact content, read-only, readable by the task's user" {
	run cluster_docker $HOST exec drt_web.1.t1 cat /run/secrets/pw
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat "$BATS_FILE_TMPDIR/secret.txt")" ]
	run cluster_docker $HOST exec drt_web.1.t1 cat /etc/app.conf
	[ "$output" = "key=value" ]
	run cluster_docker $HOST exec drt_web.1.t1 sh -c 'echo x >/run/secrets/pw'
	[ "$status" -ne 0 ]
	run inspect '{{range .Mounts}}{{println .Type .Destination .RW}}{{end}}'
	grep -qx 'bind /run/secrets/pw false' <<<"$output"
	grep -qx 'bind /etc/app.conf false' <<<"$output"
	grep -qx 'volume /data true' <<<"$output"
	refute grep -q 'pa\$\$w0rd' <<<"$(inspect '{{json .}}')"
}

@test "two networks: both attached, service name as alias on each" {
	run inspect '{{range $k, $v := .NetworkSettings.Networks}}{{println $k $v.Aliases}}{{end}}'
	[ "$status" -eq 0 ]
	grep -qE '^drt_back \[web ' <<<"$output"
	grep -qE '^drt_front \[web ' <<<"$output"
	[ "$(inspect '{{.Driver}} {{index .Labels "cswarm.cluster"}}' drt_back)" = "bridge $CLUSTER_ID" ]
	[ "$(cluster_docker $HOST volume inspect -f '{{index .Labels "cswarm.stack"}}' drt_data)" = drt ]
}

@test "healthcheck: observe reports the task healthy" {
	local i
	for i in $(seq 1 30); do
		run sh -c "'$RENDER' observe '$CLUSTER_ID' | ssh -F '$CSWARM_SSH_CONFIG' $HOST sh -s | '$RENDER' parse"
		[[ "$output" == *"health=healthy"* ]] && break
		sleep 0.5
	done
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^drt_web\.1\.t1\ drt/web\ slot=1\ node=-\ task=t1\ state=running\ exit=0\ health=healthy\ .*0\.0\.0\.0:$PORT-\>8080/tcp ]]
}

@test "observe: a host without cluster containers is zero tasks" {
	run sh -c "'$RENDER' observe no-such-cluster | ssh -F '$CSWARM_SSH_CONFIG' $HOST sh -s"
	[ "$status" -eq 0 ]
	[ "$output" = "[]" ]
}

@test "networks and volumes scripts are idempotent" {
	run "$RENDER" run "$BATS_FILE_TMPDIR/stack.yml" web "$CLUSTER_ID" t2 2 "$FILES"
	[ "$status" -eq 0 ]
	run cluster_ssh $HOST sh -s <<<"$(sed '/^docker create/,$d' <<<"$output")"
	[ "$status" -eq 0 ]
	[ "$(cluster_docker $HOST network ls -q --filter name=drt_front | wc -l)" -eq 1 ]
}

@test "a bad mount is refused before anything reaches a host" {
	sed 's|data:/data|"/tmp:/a,b"|' "$BATS_FILE_TMPDIR/stack.yml" >"$BATS_FILE_TMPDIR/bad.yml"
	run "$RENDER" run "$BATS_FILE_TMPDIR/bad.yml" web "$CLUSTER_ID" t9 9 "$FILES"
	[ "$status" -eq 1 ]
	[[ "$output" == *'service web: volumes: "/a,b" contains a comma'* ]]
}

@test "stop, then rm-stack: only what carries the cluster label is removed" {
	cluster_docker $HOST network create drt_foreign >/dev/null
	run sh -c "'$RENDER' stop drt_web.1.t1 1500 | ssh -F '$CSWARM_SSH_CONFIG' $HOST sh -s"
	[ "$status" -eq 0 ]
	run cluster_docker $HOST ps -aq --filter name=drt_web.1.t1
	[ -z "$output" ]
	run sh -c "'$RENDER' rm-stack '$CLUSTER_ID' drt | ssh -F '$CSWARM_SSH_CONFIG' $HOST sh -s"
	[ "$status" -eq 0 ]
	run cluster_docker $HOST network ls --format '{{.Name}}'
	grep -qx drt_foreign <<<"$output"
	refute grep -qE '^drt_(front|back)$' <<<"$output"
	run cluster_docker $HOST volume ls -q
	refute grep -qx drt_data <<<"$output"
	[ ! -e /var/lib/cswarm/files/drt ]
}

@test "a network of the stack's name that cswarm did not create is refused" {
	cluster_docker $HOST network create drt_front >/dev/null
	run "$RENDER" run "$BATS_FILE_TMPDIR/stack.yml" web "$CLUSTER_ID" t3 3 "$FILES"
	[ "$status" -eq 0 ]
	run cluster_ssh $HOST sh -s <<<"$output"
	cluster_docker $HOST network rm drt_front >/dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"cswarm: network drt_front exists and was not created by this cluster"* ]]
	run cluster_docker $HOST ps -aq --filter "label=cswarm.cluster=$CLUSTER_ID"
	[ -z "$output" ]
}
