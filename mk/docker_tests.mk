# Test tools for the docker layer (not part of ./cswarm): render_task prints
# the scripts docker/run.c builds for one task of a stack file, so that
# tests/cli/docker_run.bats can run them on the local cluster. Built by
# `make unit`, with ASan/UBSan like the unit tests.

ifneq ($(BUILD),build/asan)
TOOLS_BIN := build/asan/tools/render_task

unit: $(TOOLS_BIN)

build/asan/tools/%: tests/tools/%.c asan-build
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WARN) $(ASAN_FLAGS) -o $@ $< build/asan/libcswarm.a $(LIBS)
endif
