# tunnel: build, test and measure. Everything a fresh Debian machine with the Swift
# toolchain needs is installed by `make deps` (as root).

SWIFT      ?= swift
APT_PKGS   := libnl-3-dev libnl-route-3-dev libssl-dev libqrencode-dev iproute2 iputils-ping iputils-tracepath \
              iperf3 socat curl wireguard-go wireguard-tools tcpdump python3
RELEASE_BIN = $(CURDIR)/.build/release/tunnel

.PHONY: all deps build test unit-test system-test bench demo clean fuzz-build fuzz fuzz-smoke

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
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	$(SWIFT) build -c release --product tunnel

# Unit and system tests in one run; system tests use the release binary built above.
test: build
	TUNNEL_BIN=$(RELEASE_BIN) $(SWIFT) test --disable-swift-testing
	$(MAKE) fuzz-smoke

unit-test: deps
	$(SWIFT) test --disable-swift-testing --skip SystemTests

system-test: build
	TUNNEL_BIN=$(RELEASE_BIN) $(SWIFT) test --disable-swift-testing --filter SystemTests

# Throughput and latency: veth alone, wireguard-go, tunnel (as root; never fails the
# build). BENCH_SECONDS=3 for a quick run, BENCH_ONLY=veth,wireguard-go to pick halves.
bench: build
	TUNNEL_BIN=$(RELEASE_BIN) bash bench/bench.sh

# The README's first command (as root): a server, two clients and a web server in
# network namespaces, a ping and downloads through the tunnel; removes it all after.
demo: build
	@TUNNEL_BIN=$(RELEASE_BIN) bash demo/demo.sh

# Fuzzing with libFuzzer (in the Swift toolchain) and AddressSanitizer, in a build of its
# own (.build-fuzz) so the sanitizer flags never touch .build. `make fuzz` runs each
# target FUZZ_SECONDS; `make fuzz-smoke` (part of `make test`) a few seconds each.
# Debug assertions stay on, so unsafe-buffer accesses are bounds-checked. See Docs/testing.md.
FUZZ_TARGETS       := FuzzWireGuardMessage FuzzPacketNAT FuzzConfig FuzzUAPIRequest
FUZZ_SECONDS       ?= 60
FUZZ_SMOKE_SECONDS ?= 5
FUZZ_BUILD_FLAGS   := -c release --scratch-path $(CURDIR)/.build-fuzz -Xswiftc -DFUZZING \
                      -Xswiftc -sanitize=fuzzer,address -Xswiftc -assert-config -Xswiftc Debug

fuzz-build: deps
	@for t in $(FUZZ_TARGETS); do $(SWIFT) build $(FUZZ_BUILD_FLAGS) --product $$t || exit 1; done

fuzz: fuzz-build
	bash Fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	bash Fuzz/run.sh $(FUZZ_SMOKE_SECONDS) $(FUZZ_TARGETS)

clean:
	rm -rf .build .build-fuzz .bench
