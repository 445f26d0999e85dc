#!/bin/sh
# Time `cswarm config` on a generated 5,000-service stack file against a
# baseline measured in the same run: a bare libyaml event parse of the same
# file (bench/compose_yaml_baseline.c). Prints both and their ratio; no
# pass/fail (the acceptance is "well under a second").
#
#   bench/compose_bench.sh [SERVICES]     (default 5000; uses ./cswarm)
set -eu
n=${1:-5000}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CSWARM_BIN:-$root/cswarm}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

cc -O2 -o "$tmp/baseline" "$root/bench/compose_yaml_baseline.c" -lyaml

{
	echo "services:"
	i=0
	while [ $i -lt "$n" ]; do
		cat <<EOS
  svc$i:
    image: "registry.example.com/app/svc$i:\${TAG:-1.0}"
    command: ["serve", "--port", "80$((i % 10))"]
    environment:
      - ROLE=svc$i
      - LOG_LEVEL=info
    labels:
      com.example.team: team$((i % 7))
    ports:
      - "$((10000 + i)):80"
    networks: [front, back]
    volumes:
      - data$((i % 10)):/data
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost/health"]
      interval: 30s
      timeout: 5s
    deploy:
      replicas: $((i % 5 + 1))
      resources:
        limits: {cpus: '0.5', memory: 256M}
      restart_policy: {condition: on-failure, delay: 5s}
      placement:
        constraints: [node.role == worker]
EOS
		i=$((i + 1))
	done
	echo "networks:"
	echo "  front:"
	echo "  back:"
	echo "volumes:"
	i=0
	while [ $i -lt 10 ]; do echo "  data$i:"; i=$((i + 1)); done
} >"$tmp/stack.yml"

# Best of three wall-clock runs, in milliseconds.
best_ms() {
	best=
	for _ in 1 2 3; do
		start=$(date +%s%N)
		"$@" >/dev/null
		end=$(date +%s%N)
		t=$(((end - start) / 1000000))
		if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
	done
	echo "$best"
}

size=$(wc -c <"$tmp/stack.yml")
base=$(best_ms "$tmp/baseline" "$tmp/stack.yml")
conf=$(best_ms "$bin" config -q -c "$tmp/stack.yml")
echo "services:        $n ($size bytes)"
echo "libyaml parse:   ${base} ms (baseline)"
echo "cswarm config:   ${conf} ms"
if [ "$base" -gt 0 ]; then
	echo "ratio:           $(awk "BEGIN { printf \"%.1f\", $conf / $base }")x the bare parse"
fi
