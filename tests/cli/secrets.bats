#!/usr/bin/env bats
# Secrets and configs as cluster objects (docs/secrets.md) on the local
# cluster: created, used by a stack, delivered on tmpfs, never stored or
# left as plaintext, rotated, refused while in use, autolocked.
# One cluster (secbats) for the whole file, with its own state directories
# under the cluster's run directory and its files on /dev/shm (a tmpfs:
# this machine's /run is not one), so no lock with other test files is
# needed. The tests build on each other, in order.

load helpers

VALUE='S3cr3t-value-4711 $(touch /tmp/cswarm-sec-pwned)'
ROTATED='R0tated-value-0815'
FILEVAL='from-a-file-9a8b7c'
CONFVAL='conf-value-3e5f1d'

cs() { "$CSWARM" "$@" -i "$INV" --cluster "$CL"; }

setup_file() {
	[ -f "$REPO/tests/cluster/run${CSWARM_CLUSTER_NAME:+-$CSWARM_CLUSTER_NAME}/env" ] ||
		"$REPO/tests/cluster/up" 3 3>&-
}

setup() {
	cli_setup
	CL=secbats
	FILES=/dev/shm/cswarm-secbats
	INV=$CSWARM_CLUSTER_DIR/secbats.hosts
	WORK=$CSWARM_CLUSTER_DIR/secbats-work
	mkdir -p "$WORK"
	cat >"$INV" <<-EOF
	[managers]
	h1 ansible_host=$(cluster_addr h1) cswarm_state_dir=$CSWARM_CLUSTER_DIR/h1/secbats
	[workers]
	h2 ansible_host=$(cluster_addr h2) cswarm_state_dir=$CSWARM_CLUSTER_DIR/h2/secbats
	h3 ansible_host=$(cluster_addr h3) cswarm_state_dir=$CSWARM_CLUSTER_DIR/h3/secbats
	[all:vars]
	ansible_user=root
	ansible_ssh_private_key_file=$CSWARM_SSH_KEY
	cswarm_dns_image=$CLUSTER_DNS_IMAGE
	cswarm_files_dir=$FILES
	EOF
	cat >"$WORK/stack.yml" <<-EOF
	services:
	  app:
	    image: busybox:latest
	    command: [sleep, "3600"]
	    stop_grace_period: 1s
	    secrets:
	      - db_pw
	      - {source: own, target: own.txt, uid: "1000", mode: 0400}
	    configs: [{source: conf, target: /etc/app.conf}]
	    deploy:
	      replicas: 2
	      update_config: {parallelism: 1, order: start-first}
	secrets:
	  db_pw: {external: true}
	  own: {file: ./own.txt}
	configs:
	  conf: {content: "$CONFVAL"}
	EOF
}

state_file() { echo "$CSWARM_CLUSTER_DIR/h1/secbats/state.json"; }

cluster_id() { cluster_id_of "$(state_file)"; }

# "host container" of every running task of sec_app
app_tasks() {
	local h id
	id=$(cluster_id)
	for h in $CLUSTER_HOSTS; do
		cluster_docker "$h" ps --filter "label=cswarm.cluster=$id" --format "$h {{.Names}}"
	done | sort
}

# Task directories under FILES as HOST's docker daemon sees them (the
# hosts' /dev/shm is not this shell's).
files_on() {
	cluster_docker "$1" run --rm -v "$FILES:/f" busybox:latest sh -c "ls /f/$(cluster_id) 2>/dev/null || true"
}

in_every_task() {	# COMMAND...: run in every task, print outputs
	local h c
	while read -r h c; do
		cluster_docker "$h" exec "$c" "$@"
	done < <(app_tasks)
}

@test "create: names as docker's, values over 500KiB refused, a secret from stdin" {
	"$CSWARM" init -i "$INV" --cluster "$CL" >/dev/null
	run cs secret create 'bad/name' /dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *'"bad/name" is not a valid name'* ]]
	head -c 600000 /dev/zero >"$WORK/big"
	run cs secret create big "$WORK/big"
	[ "$status" -eq 1 ]
	[[ "$output" == *"larger than 500KiB"* ]]
	run cs secret create --label team=db db_pw - <<<"$VALUE"
	[ "$status" -eq 0 ]
	[ "$output" = db_pw ]
	run cs secret create db_pw /dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"already exists"* ]]
	run cs secret ls
	[[ "$output" == *"db_pw"*"1"* ]]
	run cs secret inspect db_pw
	[ "$status" -eq 0 ]
	[[ "$output" == *'"team":"db"'* ]]
	[[ "$output" != *S3cr3t* ]]
}

@test "a missing external secret: a clear error at deploy, nothing changes" {
	sed 's/db_pw: {external: true}/db_pw: {external: true, name: nosuch}/' "$WORK/stack.yml" >"$WORK/missing.yml"
	echo "$FILEVAL" >"$WORK/own.txt"
	local before
	before=$(grep '^"version"' "$(state_file)")
	run cs deploy "$WORK/missing.yml" -n sec
	[ "$status" -eq 1 ]
	[[ "$output" == *"secret nosuch does not exist: create it first"* ]]
	[ "$(grep '^"version"' "$(state_file)")" = "$before" ]
	[ -z "$(app_tasks)" ]
}

@test "external secret in a stack: its content at /run/secrets/NAME, owner and mode as asked" {
	echo "$FILEVAL" >"$WORK/own.txt"
	run cs deploy "$WORK/stack.yml" -n sec
	[ "$status" -eq 0 ]
	[ "$(app_tasks | wc -l)" -eq 2 ]
	run in_every_task cat /run/secrets/db_pw
	[ "$output" = "$(printf '%s\n%s' "$VALUE" "$VALUE")" ]
	run in_every_task stat -c '%a %u' /run/secrets/own.txt /etc/app.conf
	[ "$output" = "$(printf '400 1000\n444 0\n400 1000\n444 0')" ]
	run in_every_task cat /run/secrets/own.txt /etc/app.conf
	[[ "$output" == *"$FILEVAL"*"$CONFVAL"* ]]
	# the mounts come from a tmpfs
	local h c src
	read -r h c < <(app_tasks)
	src=$(cluster_docker "$h" inspect -f '{{range .Mounts}}{{if eq .Destination "/run/secrets/db_pw"}}{{.Source}}{{end}}{{end}}' "$c")
	[[ "$src" == "$FILES/$(cluster_id)/"* ]]
	[ "$(cluster_docker "$h" exec "$c" stat -f -c %T /run/secrets/db_pw)" = tmpfs ]
}

@test "no plaintext in the state, its history, the key file, the hosts' disks, inspect or --dry-run" {
	local dirs="$CSWARM_CLUSTER_DIR/h1 $CSWARM_CLUSTER_DIR/h2 $CSWARM_CLUSTER_DIR/h3"
	run grep -rlasF -D skip -e S3cr3t-value -e "$FILEVAL" -e "$CONFVAL" $dirs /var/lib/cswarm
	echo "plaintext in: $output"
	[ -z "$output" ]
	# the state keeps the stack's file: secret as a cluster object, no path
	run grep -c "$WORK/own.txt" "$(state_file)"
	[ "$output" = 0 ]
	python3 - "$(state_file)" <<-'EOF'
	import json, sys
	own = [s for s in json.load(open(sys.argv[1]))["stacks"] if s["name"] == "sec"][0]["spec"]["secrets"]["own"]
	assert own == {"external": True, "name": "sec_own", "x-cswarm-version": 1}, own
	EOF
	# the key file sits beside the state directory, root only
	[ "$(stat -c %a "$CSWARM_CLUSTER_DIR/h1/.secbats.key")" = 600 ]
	[ ! -e "$CSWARM_CLUSTER_DIR/h1/secbats/.secbats.key" ]
	local h c
	read -r h c < <(app_tasks)
	run cluster_docker "$h" inspect "$c"
	[[ "$output" != *S3cr3t* ]]
	run cs deploy "$WORK/stack.yml" -n sec --dry-run
	[ "$status" -eq 0 ]
	[[ "$output" != *S3cr3t* && "$output" != *"$FILEVAL"* ]]
}

@test "reconcile from a directory without the stack's source files delivers the stored values" {
	rm -f "$WORK/own.txt"
	local h c
	read -r h c < <(app_tasks)
	cluster_docker "$h" rm -f "$c" >/dev/null
	run sh -c "cd /tmp && '$CSWARM' reconcile -i '$INV' --cluster $CL"
	[ "$status" -eq 0 ]
	[ "$(app_tasks | wc -l)" -eq 2 ]
	run in_every_task cat /run/secrets/own.txt
	[ "$output" = "$(printf '%s\n%s' "$FILEVAL" "$FILEVAL")" ]
	# the removed task's files went with it
	run files_on "$h"
	[ "$status" -eq 0 ]
	[[ "$output" != *"${c##*.}"* ]]
	[ "$(wc -l <<<"$output")" -le 2 ]
}

@test "secret update: a new version rolls the tasks, which see the new content" {
	local before
	before=$(app_tasks)
	run cs secret update db_pw - <<<"$ROTATED"
	[ "$status" -eq 0 ]
	[[ "$output" == *"version 2"*"rolling stack sec"* ]]
	[ "$(app_tasks | wc -l)" -eq 2 ]
	[ -z "$(comm -12 <(echo "$before") <(app_tasks))" ]
	run in_every_task cat /run/secrets/db_pw
	[ "$output" = "$(printf '%s\n%s' "$ROTATED" "$ROTATED")" ]
	run cs secret inspect db_pw
	python3 - "$output" <<-'EOF'
	import json, sys
	o = json.loads(sys.argv[1])[0]
	v = {x["version"]: x for x in o["versions"]}
	assert len(v[2]["tasks"]) == 2 and v[1]["tasks"] == [], o
	EOF
	run grep -rlasF R0tated-value "$CSWARM_CLUSTER_DIR/h1/secbats" "$CSWARM_CLUSTER_DIR/h1/.secbats.key"
	echo "plaintext in: $output"
	[ -z "$output" ]
}

@test "a changed file: at deploy is a new version of the stack's secret, and its tasks roll" {
	echo "changed-$FILEVAL" >"$WORK/own.txt"
	run cs deploy "$WORK/stack.yml" -n sec
	[ "$status" -eq 0 ]
	[ "$(grep -c 'started sec_app.*(update)' <<<"$output")" -eq 2 ]
	run in_every_task cat /run/secrets/own.txt
	[ "$output" = "$(printf 'changed-%s\nchanged-%s' "$FILEVAL" "$FILEVAL")" ]
	run cs secret ls --format json
	[[ "$output" == *'{"name":"sec_own","version":2,"stack":"sec"'* ]]
	# the same file again: no new version, no container changed
	run cs deploy "$WORK/stack.yml" -n sec
	[ "$status" -eq 0 ]
	[[ "$output" == *"0 started, 0 stopped"* ]]
}

@test "rm is refused while a service uses the secret; the stack's own ones go with it" {
	run cs secret rm db_pw
	[ "$status" -eq 1 ]
	[[ "$output" == *"secret db_pw is in use by services sec_app"* ]]
	run cs config ls
	[[ "$output" == *sec_conf* ]]
	run cs stack rm sec
	[ "$status" -eq 0 ]
	[[ "$output" == *"Removing secret sec_own"*"Removing config sec_conf"* ]]
	for h in $CLUSTER_HOSTS; do
		run files_on "$h"
		[ -z "$output" ]
	done
	run cs secret rm db_pw
	[ "$status" -eq 0 ]
	run cs secret ls -q
	[ -z "$output" ]
}

@test "a rotation whose new tasks fail rolls back to the previous version (update_config rollback)" {
	cs secret create rb_pw - <<<"good-one" >/dev/null
	cat >"$WORK/rb.yml" <<-EOF
	services:
	  app:
	    image: busybox:latest
	    command: [sleep, "3600"]
	    stop_grace_period: 1s
	    secrets: [rb_pw]
	    healthcheck:
	      test: [CMD, grep, -q, good, /run/secrets/rb_pw]
	      interval: 1s
	      timeout: 1s
	      retries: 1
	    deploy:
	      update_config: {failure_action: rollback, order: start-first}
	secrets:
	  rb_pw: {external: true}
	EOF
	run cs deploy "$WORK/rb.yml" -n rb
	[ "$status" -eq 0 ]
	run cs secret update rb_pw - --wait 20s <<<"bad-one"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"rolling back rb"* ]]
	local h c
	read -r h c < <(app_tasks)
	[ "$(cluster_docker "$h" exec "$c" cat /run/secrets/rb_pw)" = good-one ]
	run cs secret inspect rb_pw
	python3 - "$output" <<-'EOF'
	import json, sys
	v = {x["version"]: x for x in json.loads(sys.argv[1])[0]["versions"]}
	assert len(v[1]["tasks"]) == 1 and v[2]["tasks"] == [], v
	EOF
	cs stack rm rb >/dev/null
	cs secret rm rb_pw >/dev/null
}

@test "config create/inspect --pretty shows a config; unlock-key --rotate; 'config -c' still prints the stack" {
	printf 'a=1\n' >"$WORK/c.conf"
	run cs config create appconf "$WORK/c.conf"
	[ "$status" -eq 0 ]
	run cs config inspect --pretty appconf
	[[ "$output" == *"Data:"*"a=1"* ]]
	# a new key: the values open with it, the old one leaves the managers
	local old
	old=$(cut -d' ' -f1 "$CSWARM_CLUSTER_DIR/h1/.secbats.key")
	run cs unlock-key --rotate
	[ "$status" -eq 0 ]
	[ "$(wc -l <"$CSWARM_CLUSTER_DIR/h1/.secbats.key")" -eq 1 ]
	run grep -c "^$old " "$CSWARM_CLUSTER_DIR/h1/.secbats.key"
	[ "$output" = 0 ]
	run cs config inspect --pretty appconf
	[[ "$output" == *"Data:"*"a=1"* ]]
	run "$CSWARM" config -c "$WORK/stack.yml"
	[ "$status" -eq 0 ]
	[[ "$output" == *"services:"* ]]
	run cs config rm appconf
	[ "$status" -eq 0 ]
}

@test "autolock: without the key, or with a wrong one, a clear error and nothing changes" {
	sed 's/secbats$/secbatslock/' "$INV" >"$INV.lock"
	INV=$INV.lock
	run "$CSWARM" init -i "$INV" --cluster secbatslock --autolock
	echo "$output"
	[ "$status" -eq 0 ]
	local key state="$CSWARM_CLUSTER_DIR/h1/secbatslock/state.json" before
	key=$(grep -o 'CSWKEY-1-[0-9a-f]*' <<<"$output")
	[ -n "$key" ]
	run env -u CSWARM_UNLOCK_KEY "$CSWARM" secret create s1 - -i "$INV" --cluster secbatslock <<<x
	[ "$status" -eq 1 ]
	[[ "$output" == *"the cluster is autolocked: give its unlock key in \$CSWARM_UNLOCK_KEY"* ]]
	before=$(cat "$state")
	CSWARM_UNLOCK_KEY=CSWKEY-1-$(printf '%064d' 0) run "$CSWARM" secret create s1 - -i "$INV" --cluster secbatslock <<<x
	[ "$status" -eq 1 ]
	[[ "$output" == *"wrong unlock key"* ]]
	[ "$(cat "$state")" = "$before" ]
	echo "$key" >"$WORK/unlock"
	CSWARM_UNLOCK_KEY_FILE=$WORK/unlock run "$CSWARM" secret create s1 - -i "$INV" --cluster secbatslock <<<x
	[ "$status" -eq 0 ]
	# the managers never hold the key
	[ ! -e "$CSWARM_CLUSTER_DIR/h1/.secbatslock.key" ]
	run grep -rlasF -D skip "${key#CSWKEY-1-}" "$CSWARM_CLUSTER_DIR/h1"
	[ -z "$output" ]
	CSWARM_UNLOCK_KEY=$key run "$CSWARM" unlock-key --rotate -i "$INV" --cluster secbatslock
	[ "$status" -eq 0 ]
	local new
	new=$(grep -o 'CSWKEY-1-[0-9a-f]*' <<<"$output")
	CSWARM_UNLOCK_KEY=$key run "$CSWARM" secret inspect --pretty s1 -i "$INV" --cluster secbatslock
	[ "$status" -eq 0 ]	# inspect never needs the key for a secret
	CSWARM_UNLOCK_KEY=$key run "$CSWARM" unlock-key -i "$INV" --cluster secbatslock
	[ "$status" -eq 1 ]
	CSWARM_UNLOCK_KEY=$new run "$CSWARM" unlock-key -i "$INV" --cluster secbatslock
	[ "$status" -eq 0 ]
}

teardown_file() {
	cluster_env	# setup's variables are gone here
	local h id d=$CSWARM_CLUSTER_DIR
	id=$(cluster_id_of "$d/h1/secbats/state.json" 2>/dev/null) || id=
	cluster_remove_objects "$id"
	cluster_docker h1 run --rm -v /dev/shm:/shm busybox:latest rm -rf /shm/cswarm-secbats >/dev/null 2>&1
	rm -rf "$d/secbats-work" "$d/secbats.hosts" "$d/secbats.hosts.lock" /tmp/cswarm-sec-pwned
	for h in h1 h2 h3; do
		rm -rf "$d/$h/secbats" "$d/$h/secbatslock" "$d/$h/.secbats.key" "$d/$h/.secbatslock.key"
	done
}
