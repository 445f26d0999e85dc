# Fleet scale (issue 16): JSON parsing at fleet size, and a simulated fleet
# of N hosts (real sshd each, tests/fleet/fake-docker instead of dockerd)
# to time cswarm against plain parallel ssh on the same hosts.
#
#   make parse-bench                 10k-task state, 100k containers
#   make bench-fleet [FLEET=1000]    200 simulated hosts by default (root)

PARSE_BENCH_TASKS      ?= 10000
PARSE_BENCH_CONTAINERS ?= 100000
PARSE_BENCH_BEFORE     ?= 20000

build/bench/parse_bench: bench/parse_bench.c bench/jsmn_before.c bench/jsmn_before.h $(BUILD)/libcswarm.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WARN) $(BENCH_CFLAGS) -o $@ bench/parse_bench.c bench/jsmn_before.c \
		$(BUILD)/libcswarm.a $(LIBS)

.PHONY: parse-bench
parse-bench: build/bench/parse_bench
	build/bench/parse_bench $(PARSE_BENCH_TASKS) $(PARSE_BENCH_CONTAINERS) $(PARSE_BENCH_BEFORE)

bench: parse-bench

# The docker stand-in of the simulated fleet (a test tool, optimised: it
# runs once per docker command on every simulated host).
build/fleet/fake-docker: tests/fleet/fake-docker.c $(BUILD)/libcswarm.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WARN) $(BENCH_CFLAGS) -o $@ tests/fleet/fake-docker.c $(BUILD)/libcswarm.a $(LIBS)

# make bench-fleet [FLEET=N]: N simulated hosts (default 200), ~10 tasks
# each; bench/fleet_bench.sh prints the fleet: lines. Root only.
FLEET ?= 200
.PHONY: bench-fleet bench-fleet-1000
bench-fleet: cswarm build/fleet/fake-docker
	bench/fleet_bench.sh $(FLEET)

# At 1000 hosts the default-kex floor alone takes minutes: skipped.
bench-fleet-1000:
	RUNS=1 FLOOR_DEFAULT_KEX=0 $(MAKE) bench-fleet FLEET=1000
