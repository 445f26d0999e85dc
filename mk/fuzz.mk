# libFuzzer target for the stack-file loader (compose/).
#   make fuzz                 build build/fuzz/fuzz_compose and run it
#   make fuzz FUZZ_TIME=600   seconds to run (default 60)
# Crashing inputs land in fuzz/regressions/ (tests/unit/test_compose_regress
# replays every file there).
FUZZ_CC    ?= clang-14
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZ_SRCS  := $(wildcard compose/*.c) util/util.c util/strbuf.c util/names.c
FUZZ_TIME  ?= 60

build/fuzz/fuzz_compose: fuzz/fuzz_compose.c $(FUZZ_SRCS) $(wildcard compose/*.h)
	@mkdir -p $(dir $@) build/fuzz/corpus
	$(FUZZ_CC) $(CPPFLAGS) -std=c11 $(FUZZ_FLAGS) -o $@ fuzz/fuzz_compose.c $(FUZZ_SRCS) -lyaml

fuzz: build/fuzz/fuzz_compose
	build/fuzz/fuzz_compose -max_total_time=$(FUZZ_TIME) -max_len=16384 -timeout=10 \
		-artifact_prefix=fuzz/regressions/ -dict=fuzz/compose.dict \
		build/fuzz/corpus fuzz/corpus-seed
