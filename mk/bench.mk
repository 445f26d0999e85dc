# Benchmarks: `make bench` builds and runs every bench/*.sh target listed
# here (optimised build, no sanitizers).

BENCH_CFLAGS := -O2 -g

build/bench/sched_bench: bench/sched_bench.c $(wildcard sched/*.c sched/*.h) util/util.c util/strbuf.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WARN) $(BENCH_CFLAGS) -o $@ bench/sched_bench.c $(wildcard sched/*.c) util/util.c util/strbuf.c

.PHONY: sched-bench
sched-bench: build/bench/sched_bench
	bench/sched_bench.sh build/bench/sched_bench

bench: sched-bench

# cswarm vs Ansible vs Docker Swarm on the local cluster (root; starts and
# stops cluster `ub` unless it is up). Not part of `make bench`: minutes long.
.PHONY: bench-update
bench-update: cswarm
	bench/update_bench.sh $(BENCH_RUNS)
