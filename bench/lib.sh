# Shared by the bench scripts (source it; set RUNS first).

now() { date +%s%N; }

median_ms() {	# command...: median wall time of RUNS runs, in ms
	local i t0 times=()
	for ((i = 0; i < RUNS; i++)); do
		[ -z "${BEFORE_EACH:-}" ] || $BEFORE_EACH	# not timed
		t0=$(now)
		"$@" >/dev/null 2>&1 || true
		times+=($(( ($(now) - t0) / 1000000 )))
	done
	printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"
}
