#!/usr/bin/env bash
# What secrets cost, measured in the same run on the local cluster: a
# deploy (from nothing, then stack rm) of 3 replicas without secrets
# (baseline) and of the same with an external secret, a stack file secret
# and a config (the key fetched from the manager, values decrypted, files
# written to tmpfs per task, unused ones cleaned up); and a no-op reconcile
# of each, which must cost nothing extra (no key is fetched). Reports
# medians of RUNS runs and the ratios. Needs a running local cluster
# (tests/cluster/up 3) and a built ./cswarm.
#
# Usage: bench/secrets_bench.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
. "tests/cluster/run${CSWARM_CLUSTER_NAME:+-$CSWARM_CLUSTER_NAME}/env"
CSWARM=${CSWARM:-$PWD/cswarm}
W=$CSWARM_CLUSTER_DIR/secbench
rm -rf "$W" && mkdir -p "$W"
cleanup() {
	rm -rf "$W"
	for h in h1 h2 h3; do
		rm -rf "$CSWARM_CLUSTER_DIR/$h/secbench" "$CSWARM_CLUSTER_DIR/$h/.secbench.key"
	done
	DOCKER_HOST=$CLUSTER_DOCKER_HOST_h1 docker run --rm -v /dev/shm:/shm busybox:latest \
		rm -rf /shm/cswarm-secbench >/dev/null 2>&1 || true
}
trap cleanup EXIT

cat >"$W/hosts" <<EOF
[managers]
h1 ansible_host=$CLUSTER_ADDR_h1 cswarm_state_dir=$CSWARM_CLUSTER_DIR/h1/secbench
[workers]
h2 ansible_host=$CLUSTER_ADDR_h2 cswarm_state_dir=$CSWARM_CLUSTER_DIR/h2/secbench
h3 ansible_host=$CLUSTER_ADDR_h3 cswarm_state_dir=$CSWARM_CLUSTER_DIR/h3/secbench
[all:vars]
ansible_user=root
ansible_ssh_private_key_file=$CSWARM_SSH_KEY
cswarm_dns_image=$CLUSTER_DNS_IMAGE
cswarm_files_dir=/dev/shm/cswarm-secbench
EOF
plain='services: {app: {image: busybox:latest, command: [sleep, "3600"], stop_grace_period: 1s, deploy: {replicas: 3}}}'
printf '%s\n' "$plain" >"$W/plain.yml"
cat >"$W/secret.yml" <<EOF
services:
  app:
    image: busybox:latest
    command: [sleep, "3600"]
    stop_grace_period: 1s
    secrets: [db_pw, own]
    configs: [conf]
    deploy: {replicas: 3}
secrets:
  db_pw: {external: true}
  own: {file: ./own.txt}
configs:
  conf: {content: "key=value"}
EOF
head -c 4096 /dev/urandom | base64 >"$W/own.txt"
cs() { "$CSWARM" "$@" -i "$W/hosts" --cluster secbench; }
. bench/lib.sh

deploy_and_rm() {	# FILE
	(cd "$W" && cs deploy "$1" -n b) && cs stack rm b
}

cs init >/dev/null
head -c 32 /dev/urandom | base64 | cs secret create db_pw - >/dev/null
base=$(median_ms deploy_and_rm plain.yml)
with=$(median_ms deploy_and_rm secret.yml)
(cd "$W" && cs deploy plain.yml -n b >/dev/null)
rec_base=$(median_ms cs reconcile)
cs stack rm b >/dev/null
(cd "$W" && cs deploy secret.yml -n b >/dev/null)
rec_with=$(median_ms cs reconcile)
cs stack rm b >/dev/null

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "3 replicas on 3 hosts, runs: $RUNS (medians)"
printf '%-48s %6s ms\n' "deploy + stack rm, no secrets (baseline)" "$base"
printf '%-48s %6s ms   ratio %s\n' "deploy + stack rm, 2 secrets + 1 config" "$with" "$(ratio "$with" "$base")"
printf '%-48s %6s ms\n' "no-op reconcile, no secrets (baseline)" "$rec_base"
printf '%-48s %6s ms   ratio %s\n' "no-op reconcile, 2 secrets + 1 config" "$rec_with" "$(ratio "$rec_with" "$rec_base")"
