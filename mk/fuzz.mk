# libFuzzer targets:
#   fuzz_compose     the stack-file loader (compose/)
#   fuzz_inventory   the Ansible inventory reader
#   fuzz_ssh_config  ~/.ssh/config and ProxyJump specs
#   fuzz_docker      docker info/inspect output, observation and apply markers
#   fuzz_state       state.json (and its write-read round trip)
#
#   make fuzz                        build and run each target in turn
#   make fuzz FUZZ_TIME=600          seconds per target (default 60)
#   make fuzz FUZZ_TARGETS=fuzz_state
# Crashing inputs land in fuzz/regressions/ (compose) and
# fuzz/regressions/TARGET/ (the others); tests/unit/test_compose_regress
# and test_fuzz_regress replay every file there.
FUZZ_CC    ?= clang-14
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZ_SRCS  := $(wildcard compose/*.c) util/util.c util/strbuf.c util/names.c
FUZZ_TIME  ?= 60
FUZZ_TARGETS ?= fuzz_compose fuzz_inventory fuzz_ssh_config fuzz_docker fuzz_state
FUZZ_LIB   := build/fuzz/lib/libcswarm.a

build/fuzz/fuzz_compose: fuzz/fuzz_compose.c $(FUZZ_SRCS) $(wildcard compose/*.h)
	@mkdir -p $(dir $@) build/fuzz/corpus
	$(FUZZ_CC) $(CPPFLAGS) -std=c11 $(FUZZ_FLAGS) -o $@ fuzz/fuzz_compose.c $(FUZZ_SRCS) -lyaml

# The other targets link the whole library, built with the fuzzer's
# instrumentation (but not its main) by this Makefile's own rules.
ifneq ($(BUILD),build/fuzz/lib)
.PHONY: fuzz-lib
fuzz-lib:
	$(MAKE) --no-print-directory BUILD=build/fuzz/lib CC=$(FUZZ_CC) \
		CFLAGS='-O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all' \
		$(FUZZ_LIB)

build/fuzz/fuzz_%: fuzz/fuzz_one.c fuzz/targets.h fuzz-lib
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) -std=c11 $(FUZZ_FLAGS) -DFUZZ_TARGET=fuzz_$* -o $@ $< $(FUZZ_LIB) $(LIBS)
endif

fuzz: $(FUZZ_TARGETS:%=build/fuzz/%)
	@for t in $(FUZZ_TARGETS); do \
		if [ $$t = fuzz_compose ]; then out=fuzz/regressions/; seed=fuzz/corpus-seed; dict=-dict=fuzz/compose.dict; \
		else out=fuzz/regressions/$${t#fuzz_}/; seed=fuzz/seeds/$${t#fuzz_}; dict=; fi; \
		mkdir -p build/fuzz/corpus-$$t $$out; \
		echo "fuzz: $$t for $(FUZZ_TIME) s"; \
		build/fuzz/$$t -max_total_time=$(FUZZ_TIME) -max_len=16384 -timeout=10 \
			-artifact_prefix=$$out $$dict build/fuzz/corpus-$$t $$seed || exit 1; \
	done
