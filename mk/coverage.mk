# `make coverage`: line coverage per folder from the unit tests alone (no
# cluster), built with gcov instrumentation in build/cov. Prints one line per
# layer: "FOLDER  LINES_HIT/LINES  PERCENT".

COV_FLAGS := -O0 -g --coverage
COV_BINS  := $(UNIT_SRCS:tests/unit/%.c=build/cov/tests/%)

.PHONY: coverage cov-build
ifneq ($(BUILD),build/cov)
cov-build:
	$(MAKE) --no-print-directory BUILD=build/cov CFLAGS='$(COV_FLAGS)' LDFLAGS='--coverage' build/cov/libcswarm.a

build/cov/tests/%: tests/unit/%.c cov-build
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WARN) $(COV_FLAGS) -o $@ $< build/cov/libcswarm.a $(LIBS) -lcmocka

coverage: $(COV_BINS)
	find build/cov -name '*.gcda' -delete
	for t in $(COV_BINS); do ./$$t >/dev/null 2>&1 || true; done
	scripts/coverage-report build/cov $(LAYERS)
endif
