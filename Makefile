# tunnel: build, test and measure. Everything a fresh Debian machine with the Swift
# toolchain needs is installed by `make deps` (as root).

SWIFT      ?= swift
APT_PKGS   := libnl-3-dev libnl-route-3-dev libssl-dev libqrencode-dev iproute2 iputils-ping iputils-tracepath \
              iperf3 socat curl wireguard-go wireguard-tools tcpdump python3 python3-jsonschema
RELEASE_BIN = $(CURDIR)/.build/release/tunnel

.PHONY: all deps build test unit-test system-test bench soak demo clean

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

unit-test: deps
	$(SWIFT) test --disable-swift-testing --skip SystemTests

system-test: build
	TUNNEL_BIN=$(RELEASE_BIN) $(SWIFT) test --disable-swift-testing --filter SystemTests

# Throughput and latency: veth alone, wireguard-go, tunnel (as root; never fails the
# build). BENCH_SECONDS=3 for a quick run, BENCH_ONLY=veth,wireguard-go to pick halves.
bench: build
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

clean:
	rm -rf .build .bench .soak
