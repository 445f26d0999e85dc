#!/bin/sh
# Scheduler benchmark (issue 4): 100,000 tasks on 1,000 nodes and 1,000,000
# tasks on 10,000 nodes, constraints and two levels of spread.  Each size
# runs RUNS times (default 5) in its own process; the best run is reported
# (the machine is shared), with the cost ratio between the two sizes.
#
# Usage: bench/sched_bench.sh [path/to/sched_bench]
set -eu
BIN=${1:-build/bench/sched_bench}
RUNS=${RUNS:-5}

# Print the run with the smallest place_ms among RUNS runs of BIN $1 $2.
best() {
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		"$BIN" "$1" "$2"
		i=$((i + 1))
	done | awk '{
		for (f = 1; f <= NF; f++) { split($f, kv, "="); v[kv[1]] = kv[2] }
		if (best == "" || v["place_ms"] + 0 < min) { min = v["place_ms"] + 0; best = $0 }
	} END { print best }'
}

field() {	# line key
	echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

small=$(best 1000 100000)
large=$(best 10000 1000000)
echo "small: $small"
echo "large: $large"
awk -v s="$(field "$small" place_ms)" -v l="$(field "$large" place_ms)" \
    -v sc="$(field "$small" place_cpu_ms)" -v lc="$(field "$large" place_cpu_ms)" \
    -v sm="$(field "$small" peak_rss_kb)" -v lm="$(field "$large" peak_rss_kb)" '
BEGIN {
	printf "place 100k tasks / 1k nodes:  %7.1f ms (cpu %.1f ms)  target < 100 ms: %s\n", s, sc, s < 100 ? "ok" : "MISSED"
	printf "place 1M tasks / 10k nodes:   %7.1f ms (cpu %.1f ms)  target < 2000 ms: %s\n", l, lc, l < 2000 ? "ok" : "MISSED"
	printf "time ratio (10x the size):    %7.1f (cpu %.1f; 10 is linear)\n", l / s, lc / sc
	printf "peak RSS:  %.1f MB and %.1f MB, ratio %.1f\n", sm / 1024, lm / 1024, lm / sm
	exit (s < 100 && l < 2000) ? 0 : 1
}'
