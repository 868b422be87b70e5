# tunnel: build, test and measure. Everything a fresh Debian machine with the Swift
# toolchain needs is installed by `make deps` (as root).

SWIFT      ?= swift
APT_PKGS   := libnl-3-dev libnl-route-3-dev libssl-dev libqrencode-dev iproute2 iputils-ping iputils-tracepath \
              iperf3 socat curl wireguard-go wireguard-tools tcpdump python3 \
              libsystemd-dev python3-prometheus-client dpkg-dev libcurl4-openssl-dev nftables \
              etcd-server etcd-client systemd-container debootstrap
# `make bench` needs these (wireguard-go's NAT); without them bench/nft_masquerade.py
# installs the same rule over nfnetlink. (nftables is in APT_PKGS too: ServerEgressSystemTests
# puts a FORWARD chain that drops in front of the server; etcd for the cluster tests;
# systemd-container and debootstrap for make systemd-test.)
BENCH_PKGS := nftables
RELEASE_BIN = $(CURDIR)/.build/release/tunnel

.PHONY: all deps build test unit-test system-test systemd-test systemd-test-run bench flood-bench scale-bench crypto-bench demo clean static man completions units dist install uninstall deb docs-check package-test fuzz-build fuzz fuzz-smoke fuzz-corpus soak

all: build

# Installs only what is missing, without recommended packages (wireguard-tools would
# otherwise pull in a kernel image).
deps:
	@missing=""; for p in $(APT_PKGS); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    echo "installing:$$missing"; \
	    if [ "$$(id -u)" != 0 ]; then echo "make deps: run as root to install:$$missing" >&2; exit 1; fi; \
	    apt-get update -qq -o Acquire::http::Timeout=30 -o Acquire::Retries=2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# The release binary links the Swift runtime statically: the one build serves the tests,
# the benches and the package (a machine without the toolchain runs it), so CI compiles
# SwiftNIO and the rest once in release, not twice.
build: deps
	$(SWIFT) build -c release --product tunnel --static-swift-stdlib

# Unit and system tests in one run; system tests use the release binary built above.
# Then the docs against the tree (docs-check), install, uninstall and the .deb
# (package-test), the units under a real systemd (systemd-test, where systemd-nspawn
# is; under CI its absence fails the run), and a short fuzz run (fuzz-smoke). The three measurement suites
# skipped here are `make flood-bench`, `make scale-bench` and `make crypto-bench`.
# The log is kept so the skipped tests can be counted: under CI any skip fails the run.
# The tests run as TEST_WORKERS processes side by side (.ci/parallel-test): the system
# tests mostly wait on timers and the network.
TEST_LOG = $(CURDIR)/.build/test.log
TEST_WORKERS ?= 3
TEST_SKIP = FloodMeasurement|testMeasureManyPeers|CipherLaneMeasurement
test: build
	$(SWIFT) build --build-tests --disable-swift-testing
	TUNNEL_BIN=$(RELEASE_BIN) bash .ci/parallel-test $(CURDIR)/.build/debug/tunnelPackageTests.xctest $(TEST_LOG) $(TEST_WORKERS) '$(TEST_SKIP)'
	@bash .ci/count-skips $(TEST_LOG)
	$(MAKE) --no-print-directory docs-check
	$(MAKE) --no-print-directory package-test
	@if command -v systemd-nspawn >/dev/null; then $(MAKE) --no-print-directory systemd-test-run; \
	 else case "$${CI:-}" in ""|false|0) echo "systemd-test: systemd-nspawn not installed (make deps), skipped";; \
	      *) echo "CI: systemd-nspawn missing, systemd-test cannot run" >&2; exit 1;; esac; fi
	$(MAKE) --no-print-directory fuzz-smoke

unit-test: deps
	$(SWIFT) test --disable-swift-testing --skip SystemTests --skip CipherLaneMeasurement

system-test: build
	TUNNEL_BIN=$(RELEASE_BIN) $(SWIFT) test --disable-swift-testing --filter SystemTests --skip FloodMeasurement --skip testMeasureManyPeers

# Startup, RSS, reload stall, `wg show` and `tunnel status` time with 1,000, 4,000 and
# 10,000 peers (as root).
scale-bench: build
	TUNNEL_BIN=$(RELEASE_BIN) $(SWIFT) test --disable-swift-testing --filter testMeasureManyPeers

# A legitimate client's ping during handshake floods, tunnel against wireguard-go as the
# server (as root; a measurement, see Docs/performance.md).
flood-bench: build
	TUNNEL_BIN=$(RELEASE_BIN) $(SWIFT) test --disable-swift-testing --filter FloodMeasurement 2>&1 | sed -n '/^FLOODS/,/^Test Suite/p'

# How a batch's encryption and decryption scale over the crypto lanes, apart from the
# rest of the data path (a measurement, see Docs/performance.md).
crypto-bench: deps
	$(SWIFT) test --disable-swift-testing --filter CipherLaneMeasurement 2>&1 | sed -n '/^CIPHER LANES/,/^Test Suite/p'

# tunnel against wireguard-go: point to point, through the server's NAT, two clients,
# UDP packet rate, handshake floods (as root; never fails the build). BENCH_SECONDS=3
# for a quick run, BENCH_ONLY=... to pick parts (Docs/performance.md).
bench: build
	-@timeout -s KILL 120 $(MAKE) --no-print-directory APT_PKGS="$(BENCH_PKGS)" deps   # an unreachable mirror must not stall the bench
	$(SWIFT) build --build-tests   # the flood part runs the FloodMeasurement test
	TUNNEL_BIN=$(RELEASE_BIN) bash bench/bench.sh

# Pass/fail endurance run (as root; not part of `make test`): a server and two clients
# under mixed traffic with rekeys, client restarts and peer churn. SOAK_SECONDS=60
# for a short run; the result goes to .soak/latest.json.
soak: build
	TUNNEL_BIN=$(RELEASE_BIN) SOAK_SECONDS=$(or $(SOAK_SECONDS),600) bash soak/soak.sh

# The README's first command (as root): a server, two clients and a web server in
# network namespaces, a ping and downloads through the tunnel; removes it all after.
demo: build
	@TUNNEL_BIN=$(RELEASE_BIN) bash demo/demo.sh

# --- Install and package (Docs/operations.md) -----------------------------------------
# `make install` / `make uninstall` (PREFIX, DESTDIR) and `make deb`. The installed
# binary links the Swift runtime statically (a machine without the toolchain runs it);
# it is the ordinary release build (`make build`).
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man/man1
UNITDIR    ?= $(PREFIX)/lib/systemd/system
DOCDIR     ?= $(PREFIX)/share/doc/tunnel
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
STATIC_BIN  = $(RELEASE_BIN)
DIST        = $(CURDIR)/.build/dist
UNITS       = tunnel-server.service tunnel-client@.service
DOCS        = README.md Docs/operations.md
VERSION    := $(shell sed -n 's/.*string = "\(.*\)".*/\1/p' Sources/Tunnel/TunnelVersion.swift)

static: build

# The manual from the argument parser, with swift-argument-parser's generate-manual
# tool (mdoc(7), one page for all subcommands); made again when the binary changed. The
# tool runs on the release binary itself: the plugin around it would first build every
# target in release, TestSupport too, whose @testable imports only build for testing.
# `--help` has SwiftPM build the plugin's tool, into the host's debug directory.
man: build
	@if [ ! -f $(DIST)/tunnel.1.gz ] || [ $(RELEASE_BIN) -nt $(DIST)/tunnel.1.gz ]; then \
	    $(SWIFT) package plugin generate-manual --help >/dev/null && \
	    mkdir -p $(DIST)/man && \
	    "$$($(SWIFT) build --show-bin-path)/generate-manual-tool" $(RELEASE_BIN) --authors "the tunnel authors" \
	        --output-directory $(DIST)/man >/dev/null && \
	    gzip -9n -c $(DIST)/man/tunnel.1 > $(DIST)/tunnel.1.gz; \
	fi

# bash sources its completion files, never runs them: the generator's `#!/bin/bash` goes
# (lintian: bash-completion-with-hashbang).
completions: build
	mkdir -p $(DIST)
	$(RELEASE_BIN) --generate-completion-script bash | sed '1{/^#!/d}' > $(DIST)/tunnel.bash
	$(RELEASE_BIN) --generate-completion-script zsh > $(DIST)/_tunnel
	$(RELEASE_BIN) --generate-completion-script fish > $(DIST)/tunnel.fish

units:
	mkdir -p $(DIST)
	for u in $(UNITS); do sed 's|@BINDIR@|$(BINDIR)|g' dist/systemd/$$u.in > $(DIST)/$$u; done

dist: static man completions units

# Exactly the files `uninstall` removes (and the .deb ships).
install: dist
	install -D -m 0755 $(STATIC_BIN) $(DESTDIR)$(BINDIR)/tunnel
	install -D -m 0644 $(DIST)/tunnel.1.gz $(DESTDIR)$(MANDIR)/tunnel.1.gz
	for u in $(UNITS); do install -D -m 0644 $(DIST)/$$u $(DESTDIR)$(UNITDIR)/$$u; done
	install -D -m 0644 $(DIST)/tunnel.bash $(DESTDIR)$(BASHCOMPDIR)/tunnel
	install -D -m 0644 $(DIST)/_tunnel $(DESTDIR)$(ZSHCOMPDIR)/_tunnel
	install -D -m 0644 $(DIST)/tunnel.fish $(DESTDIR)$(FISHCOMPDIR)/tunnel.fish
	for d in $(DOCS); do install -D -m 0644 $$d $(DESTDIR)$(DOCDIR)/$$(basename $$d); done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/tunnel $(DESTDIR)$(MANDIR)/tunnel.1.gz \
	      $(addprefix $(DESTDIR)$(UNITDIR)/,$(UNITS)) $(DESTDIR)$(BASHCOMPDIR)/tunnel \
	      $(DESTDIR)$(ZSHCOMPDIR)/_tunnel $(DESTDIR)$(FISHCOMPDIR)/tunnel.fish \
	      $(addprefix $(DESTDIR)$(DOCDIR)/,$(notdir $(DOCS)))
	rmdir --ignore-fail-on-non-empty $(DESTDIR)$(DOCDIR) 2>/dev/null || true

# tunnel_VERSION_ARCH.deb in the checkout: the install above under /usr, stripped, with
# Depends computed from the shared libraries the binary links (dist/deb/build-deb.sh).
deb: dist
	bash dist/deb/build-deb.sh "$(VERSION)" "$(CURDIR)"

# README's speed figures and package list, and the usage blocks of Docs/server.md and
# Docs/client.md, against Docs/performance.md, APT_PKGS and the binary's --help.
docs-check: build
	python3 Docs/check.py $(RELEASE_BIN)

package-test:
	bash dist/test-packaging.sh "$(CURDIR)" "$(VERSION)"

# The .deb in two booted Debian 12 containers (systemd-nspawn, systemd as PID 1): the
# server and client units' start, status, peer add, watchdog and stop, with a clean
# journal (as root; dist/test-systemd.sh). The root file system is made once with
# debootstrap and kept in .build/systemd-rootfs (made again when the package list changes).
# `make test` runs systemd-test-run, on the package package-test has just made.
SYSTEMD_ROOTFS = $(CURDIR)/.build/systemd-rootfs
SYSTEMD_DEB    = $(CURDIR)/tunnel_$(VERSION)_$$(dpkg --print-architecture).deb
systemd-test: deb
	$(MAKE) --no-print-directory systemd-test-run

systemd-test-run:
	bash dist/systemd-rootfs.sh "$(SYSTEMD_ROOTFS)" "$(SYSTEMD_DEB)" >/dev/null
	bash dist/test-systemd.sh "$(CURDIR)" "$(SYSTEMD_DEB)"

# Fuzzing with libFuzzer (in the Swift toolchain) and AddressSanitizer, in a build of its
# own (.build-fuzz) so the sanitizer flags never touch .build. `make fuzz` runs each
# target FUZZ_SECONDS, for depth; `make fuzz-smoke` (part of `make test`) FUZZ_SMOKE_RUNS
# inputs each from the committed corpus (Fuzz/corpus/TARGET) with -seed=FUZZ_SEED, so a
# failure replays exactly; `make fuzz-corpus` makes that corpus again. Debug assertions
# stay on, so unsafe-buffer accesses are bounds-checked. See Docs/testing.md.
FUZZ_TARGETS        := FuzzWireGuardMessage FuzzPacketNAT FuzzConfig FuzzUAPIRequest
FUZZ_SECONDS        ?= 60
FUZZ_SMOKE_RUNS     ?= 20000
FUZZ_SEED           ?= 1
FUZZ_CORPUS_SECONDS ?= 30
FUZZ_BUILD_FLAGS    := -c release --scratch-path $(CURDIR)/.build-fuzz -Xswiftc -DFUZZING \
                       -Xswiftc -sanitize=fuzzer,address -Xswiftc -assert-config -Xswiftc Debug

fuzz-build: deps
	@for t in $(FUZZ_TARGETS); do $(SWIFT) build $(FUZZ_BUILD_FLAGS) --product $$t || exit 1; done

fuzz: fuzz-build
	bash Fuzz/run.sh time $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	bash Fuzz/run.sh smoke $(FUZZ_SMOKE_RUNS) $(FUZZ_SEED) $(FUZZ_TARGETS)

fuzz-corpus: fuzz-build
	bash Fuzz/run.sh corpus $(FUZZ_CORPUS_SECONDS) $(FUZZ_SEED) $(FUZZ_TARGETS)

clean:
	rm -rf .build .build-fuzz .bench
	rm -rf .build .bench .soak
