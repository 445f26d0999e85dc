# tests/fleet/fake-docker for the unit tests that deploy to local sshd
# "hosts" (tests/unit/local_sshd.h): built by `make unit` with the same
# sanitizers, at build/asan/tools/fake-docker.

ifneq ($(BUILD),build/asan)
unit: build/asan/tools/fake-docker

build/asan/tools/fake-docker: tests/fleet/fake-docker.c asan-build
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WARN) $(ASAN_FLAGS) -o $@ $< build/asan/libcswarm.a $(LIBS)
endif
