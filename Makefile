# cswarm build. Each layer is a folder; every .c in it is part of the binary.
# `make` builds ./cswarm (dynamic), `make static` a fully static binary,
# `make check` installs test dependencies and runs the whole suite.

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -std=c11 -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral
CPPFLAGS += -D_GNU_SOURCE -I.
LIBS    := -lssh2 -lyaml -lssl -lcrypto -lz -lpthread

LAYERS  := cmd ssh compose sched inventory docker state engine util
SRCS    := $(foreach d,$(LAYERS),$(wildcard $(d)/*.c))
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

BUILD   ?= build/dev
OBJS    := $(SRCS:%.c=$(BUILD)/%.o)
DEPS    := $(OBJS:.o=.d) $(BUILD)/main.d

.PHONY: all static check unit asan demo clean fuzz bench FORCE
all: cswarm

cswarm: $(BUILD)/main.o $(BUILD)/libcswarm.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/libcswarm.a: $(OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -DCSWARM_VERSION='"$(VERSION)"' $(WARN) $(CFLAGS) -MMD -MP -c -o $@ $<

# --- tests -----------------------------------------------------------------
# Unit tests: tests/unit/test_*.c, each a cmocka program linked against the
# library, built with ASan/UBSan (the suite must be clean under them), as is
# build/asan/cswarm which the CLI tests run.
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=build/asan/tests/%)

$(BUILD)/cswarm: $(BUILD)/main.o $(BUILD)/libcswarm.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

ifneq ($(BUILD),build/asan)
.PHONY: asan-build
asan-build:
	$(MAKE) --no-print-directory BUILD=build/asan CFLAGS='$(ASAN_FLAGS)' LDFLAGS='$(ASAN_FLAGS)' build/asan/cswarm

unit: $(UNIT_BINS)
asan: asan-build

build/asan/tests/%: tests/unit/%.c asan-build
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WARN) $(ASAN_FLAGS) -o $@ $< build/asan/libcswarm.a $(LIBS) -lcmocka
endif

check:
	tests/run

demo:
	tests/demo

FORCE:

clean:
	rm -rf build cswarm cswarm-static

-include $(DEPS)
-include mk/*.mk
