# Test tool for the ssh layer (not part of ./cswarm): ssh_resolve prints a
# resolved target in `ssh -G` form for tests/sshcfg-diff (the differential
# test against OpenSSH). Built by `make unit` with ASan/UBSan, by the
# build/asan/tools/% rule of mk/docker_tests.mk.

ifneq ($(BUILD),build/asan)
unit: build/asan/tools/ssh_resolve
endif
