# `make static`: ./cswarm-static, a fully static x86-64 binary bundling
# libssh2 1.11.x (built by scripts/static-deps from the source package of the
# next Debian release), OpenSSL, zlib and libyaml. See docs/building.md.
#
# `make LIBSSH2=1.11 ...` makes any other build (cswarm, unit, asan) use that
# same libssh2, linked statically into an otherwise dynamic binary;
# `make deps-1.11` only builds it (into build/deps, cached).

LIBSSH2_SERIES := 1.11
LIBSSH2_SUITE  ?= trixie
LIBSSH2        ?= system
DEPS_PREFIX    := build/deps
DEPS_STAMP     := $(DEPS_PREFIX)/libssh2-$(LIBSSH2_SERIES).stamp
STATIC_BUILD   := build/static

.PHONY: deps-1.11

deps-1.11: $(DEPS_STAMP)

# The stamp is written last, so an interrupted build is redone; its name
# carries the series, so changing LIBSSH2_SERIES rebuilds.
$(DEPS_STAMP):
	scripts/static-deps $(DEPS_PREFIX) $(LIBSSH2_SERIES) $(LIBSSH2_SUITE)

ifeq ($(LIBSSH2),$(LIBSSH2_SERIES))
CPPFLAGS += -I$(DEPS_PREFIX)/include
LIBS     := $(DEPS_PREFIX)/lib/libssh2.a $(filter-out -lssh2,$(LIBS))
$(OBJS) $(BUILD)/main.o: | $(DEPS_STAMP)
else ifneq ($(LIBSSH2),system)
$(error LIBSSH2 must be "system" or "$(LIBSSH2_SERIES)", not "$(LIBSSH2)")
endif

# Objects compiled against one libssh2's headers must be rebuilt when
# switching to the other: remember the choice per build dir. Nothing is
# written (and nothing rebuilt) until LIBSSH2 is first set to non-default.
LIBSSH2_CHOICE := $(BUILD)/.libssh2
ifneq ($(wildcard $(LIBSSH2_CHOICE))$(filter-out system,$(LIBSSH2)),)
ifneq ($(file <$(LIBSSH2_CHOICE)),$(LIBSSH2))
$(shell mkdir -p $(BUILD))
$(file >$(LIBSSH2_CHOICE),$(LIBSSH2))
endif
$(OBJS) $(BUILD)/main.o: $(LIBSSH2_CHOICE)
endif

ifeq ($(BUILD),$(STATIC_BUILD))
CPPFLAGS += -DCSWARM_STATIC
# static_init.o is named explicitly: nothing references its constructor, so
# as a member of libcswarm.a it would be left out. glibc warns that
# getaddrinfo/getpwuid/dlopen need its shared libraries at run time: not with
# the NSS set-up of util/static_init.c (see docs/building.md).
cswarm-static: $(BUILD)/main.o $(BUILD)/util/static_init.o $(BUILD)/libcswarm.a
	$(CC) $(CFLAGS) $(LDFLAGS) -static -o $@ $^ -L$(DEPS_PREFIX)/lib $(LIBS)
else
# Built for size: -Os, unused sections dropped, symbols stripped (-s); the
# debug build is ./cswarm.
STATIC_CFLAGS  := -Os -ffunction-sections -fdata-sections
STATIC_LDFLAGS := -Wl,--gc-sections -s
static cswarm-static: $(DEPS_STAMP) FORCE
	$(MAKE) --no-print-directory BUILD=$(STATIC_BUILD) LIBSSH2=$(LIBSSH2_SERIES) \
		CFLAGS='$(STATIC_CFLAGS)' LDFLAGS='$(STATIC_LDFLAGS)' cswarm-static
endif
