# Installing like a real tool.
#
#   make install [PREFIX=/usr/local] [DESTDIR=...]   the binary, man pages, completions
#   make dist     build/dist/cswarm-VERSION-linux-x86_64.tar.gz + .sha256 (static binary)
#   make deb      build/dist/cswarm_VERSION_amd64.deb (static binary), for apt install ./...
#
# `make install` installs ./cswarm (linked against the system's libraries)
# unless INSTALL_BIN names another binary (make install INSTALL_BIN=cswarm-static).

PREFIX      ?= /usr/local
INSTALL_BIN ?= cswarm
BINDIR      := $(PREFIX)/bin
MANDIR      := $(PREFIX)/share/man/man1
BASHCOMPDIR := $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  := $(PREFIX)/share/zsh/vendor-completions
FISHCOMPDIR := $(PREFIX)/share/fish/vendor_completions.d
MANPAGES    := $(wildcard man/*.1)
DIST        := build/dist
COMPLETIONS := build/completions

.PHONY: install dist deb completions

# The scripts come from the binary itself (cswarm completion SHELL): they
# list what its help lists.
completions: $(INSTALL_BIN)
	@mkdir -p $(COMPLETIONS)
	./$(INSTALL_BIN) completion bash >$(COMPLETIONS)/cswarm
	./$(INSTALL_BIN) completion zsh >$(COMPLETIONS)/_cswarm
	./$(INSTALL_BIN) completion fish >$(COMPLETIONS)/cswarm.fish

install: $(INSTALL_BIN) completions
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR) $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 0755 $(INSTALL_BIN) $(DESTDIR)$(BINDIR)/cswarm
	install -m 0644 $(MANPAGES) $(DESTDIR)$(MANDIR)/
	install -m 0644 $(COMPLETIONS)/cswarm $(DESTDIR)$(BASHCOMPDIR)/cswarm
	install -m 0644 $(COMPLETIONS)/_cswarm $(DESTDIR)$(ZSHCOMPDIR)/_cswarm
	install -m 0644 $(COMPLETIONS)/cswarm.fish $(DESTDIR)$(FISHCOMPDIR)/cswarm.fish

# A relocatable tree (bin/, share/) in a versioned tarball, with its SHA-256.
DIST_NAME := cswarm-$(VERSION)-linux-x86_64
dist: static
	rm -rf $(DIST)/$(DIST_NAME)
	$(MAKE) --no-print-directory install INSTALL_BIN=cswarm-static PREFIX= DESTDIR=$(DIST)/$(DIST_NAME)
	install -m 0644 README.md $(DIST)/$(DIST_NAME)/
	tar -C $(DIST) --owner=0 --group=0 --sort=name -czf $(DIST)/$(DIST_NAME).tar.gz $(DIST_NAME)
	cd $(DIST) && sha256sum $(DIST_NAME).tar.gz >$(DIST_NAME).tar.gz.sha256
	@echo "$(DIST)/$(DIST_NAME).tar.gz"

# A Debian package of the static binary: no run-time dependencies.
DEB_ROOT := $(DIST)/deb
deb: static
	rm -rf $(DEB_ROOT)
	$(MAKE) --no-print-directory install INSTALL_BIN=cswarm-static PREFIX=/usr DESTDIR=$(DEB_ROOT)
	gzip -9n $(DEB_ROOT)/usr/share/man/man1/*.1
	install -d $(DEB_ROOT)/DEBIAN $(DEB_ROOT)/usr/share/doc/cswarm
	scripts/deb-meta $(VERSION) $(DEB_ROOT)
	dpkg-deb --root-owner-group -Zxz --build $(DEB_ROOT) $(DIST)/cswarm_$(VERSION)_amd64.deb
