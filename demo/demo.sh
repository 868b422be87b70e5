#!/usr/bin/env bash
# demo/demo.sh: `make demo`. Tells the story of `tunnel` on one machine: a web server
# on "the internet", a VPN server, and two laptops (alice and bob), each a network
# namespace joined by veth cables. The laptops connect with `tunnel client`, ping and
# download through the server, and the internet host shows it only ever saw the
# server's address. Everything it creates is removed at the end, on failure, and on
# Ctrl-C. Needs root; touches none of this machine's own links, routes or rules.
#
# Environment:
#   TUNNEL_BIN   the tunnel binary (default .build/release/tunnel)
#   DEMO_PAUSE=1 wait for Enter before cleaning up, to look around the sandbox
#   NO_COLOR     no colour even on a terminal

set -u

LOG_NAME=demo
source "$(dirname "${BASH_SOURCE[0]}")/../lib/netns.sh"
readonly STARTED=$SECONDS

# Names carry this run's pid (TAG, from lib/netns.sh), so two runs never collide.
readonly NS_INTERNET=demo$TAG-internet NS_SERVER=demo$TAG-server NS_ALICE=demo$TAG-alice NS_BOB=demo$TAG-bob
readonly ALL_NS="$NS_INTERNET $NS_SERVER $NS_ALICE $NS_BOB"
readonly IF_SERVER=d${TAG}srv IF_ALICE=d${TAG}alice IF_BOB=d${TAG}bob
readonly ALL_IF="$IF_SERVER $IF_ALICE $IF_BOB"

# Underlay from the documentation ranges; the tunnel from the shared address space.
readonly INTERNET_IP=198.51.100.2 SERVER_WAN_IP=198.51.100.1
readonly SERVER_LAN_IP=192.0.2.1 ALICE_IP=192.0.2.2 BOB_IP=192.0.2.3
readonly TUNNEL_NET4=100.64.0.1/24 TUNNEL_NET6=2001:db8:64::1/64 SERVER_TUNNEL_IP=100.64.0.1
readonly LISTEN_PORT=51820 HTTP_PORT=80 FILE_MB=8
readonly FILE_URL=http://$INTERNET_IP/file.bin

readonly CONNECT_TIMEOUT=15 START_TIMEOUT=10

# ---------------------------------------------------------------- output

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ] && [ "${TERM:-dumb}" != dumb ]; then
    B=$'\e[1m' DIM=$'\e[2m' CMD=$'\e[36m' OK=$'\e[32m' BAD=$'\e[31m' R=$'\e[0m'
else
    B="" DIM="" CMD="" OK="" BAD="" R=""
fi

STEP=0
step() { STEP=$((STEP + 1)); printf '\n%s%d. %s%s\n' "$B" "$STEP" "$*" "$R"; }
say() { printf '   %s\n' "$@"; }
good() { printf '   %s✓%s %s\n' "$OK" "$R" "$*"; }
# Indents a program's output under the command that printed it.
indent() { sed 's/^/     /'; }

# Shows a command as a person would type it in that machine: `[alice] $ tunnel ...`.
show() {
    local host=$1 words="" a special="[[:space:]'\"*|;&]"; shift
    for a in "$@"; do
        [ "$a" = "$TUNNEL_BIN" ] && a=tunnel
        [[ "$a" =~ $special ]] && a="'$a'"
        words="$words $a"
    done
    printf '   %s[%s] $%s%s\n' "$CMD" "$host" "$words" "$R"
}

# Strips the timestamp and level a log line starts with: "... info tunnel.x: [Tunnel] msg".
log_text() { sed -E 's/^[^ ]+ [a-z]+ [^ ]+: (\[[A-Za-z]+\] )?//'; }

fail() {
    printf '\n%sdemo failed: %s%s\n' "$BAD" "$1" "$R" >&2
    shift
    local f
    for f in "$@"; do
        [ -s "$f" ] || continue
        printf '%s--- last lines of %s%s\n' "$DIM" "${f##*/}" "$R" >&2
        tail -n 15 "$f" >&2
    done
    exit 1
}

# ---------------------------------------------------------------- cleanup

# The cleanup (lib/netns.sh) stops what runs in the namespaces in the order they were
# registered (clients before the server, so each can still say goodbye to it; TERM
# first, so each puts back its routes, rules and sysctls), then removes them.
interrupted() { printf '\n%sinterrupted (%s): removing the sandbox%s\n' "$BAD" "$1" "$R" >&2; }
netns_traps

# ---------------------------------------------------------------- helpers

check_prerequisites() {
    need_root || fail "run as root (it creates network namespaces and TUN devices): sudo make demo"
    [ -x "$TUNNEL_BIN" ] || fail "no tunnel binary at $TUNNEL_BIN: run make build"
    [ -c /dev/net/tun ] || fail "/dev/net/tun is missing: load the tun module (modprobe tun)"
    local missing
    missing=$(missing_tools ip ping curl tcpdump python3 sha256sum ss timeout)
    [ -z "$missing" ] || fail "missing tools:$missing (make deps installs them)"
    PYTHON=$(command -v /usr/bin/python3 || command -v python3)
}


# ---------------------------------------------------------------- the story

build_sandbox() {
    add_namespaces $ALL_NS || return 1
    # server eth0 <-> internet eth0: the server's way out, its default route.
    veth_pair "$NS_SERVER" eth0 "$SERVER_WAN_IP/24" "$NS_INTERNET" eth0 "$INTERNET_IP/24" || return 1
    # A bridge in the server joins the laptops' cables into one LAN, 192.0.2.0/24.
    add_bridge "$NS_SERVER" lan "$SERVER_LAN_IP/24" || return 1
    plug_into_bridge "$NS_SERVER" lan alice "$NS_ALICE" "$ALICE_IP/24" || return 1
    plug_into_bridge "$NS_SERVER" lan bob "$NS_BOB" "$BOB_IP/24" || return 1
    ip -n "$NS_SERVER" route add default via "$INTERNET_IP" dev eth0
}

story_sandbox() {
    step "A sandbox: four network namespaces stand in for four machines, joined by virtual cables."
    build_sandbox >"$WORK/sandbox.log" 2>&1 || fail "could not build the namespaces" "$WORK/sandbox.log"
    cat <<EOF
     alice  $ALICE_IP --+
                         +-- $SERVER_LAN_IP  server  $SERVER_WAN_IP ---- $INTERNET_IP  internet
     bob    $BOB_IP --+        (VPN exit)                          (web server)
EOF
    say "A line starting with [alice] \$ is a command run inside alice's namespace (ip netns exec)."
}

story_no_way_out() {
    step "Without a VPN, alice cannot reach the internet host, and the internet has no route back to VPN addresses."
    show alice ping -c 1 "$INTERNET_IP"
    ip netns exec "$NS_ALICE" ping -n -c 1 -W 1 "$INTERNET_IP" 2>&1 | indent
    show internet ip route get 100.64.0.2
    ip netns exec "$NS_INTERNET" ip route get 100.64.0.2 2>&1 | indent
}

story_internet() {
    step "The internet host serves file.bin (${FILE_MB} MB) over HTTP, and tcpdump records every packet that reaches it."
    mkdir -p "$WORK/www" && head -c "${FILE_MB}M" /dev/urandom >"$WORK/www/file.bin" || fail "could not write the test file"
    ORIGINAL_SUM=$(sha256sum "$WORK/www/file.bin" | cut -d' ' -f1)
    show internet python3 -m http.server --bind "$INTERNET_IP" "$HTTP_PORT"
    start_in "$NS_INTERNET" "$WORK/http.log" "$PYTHON" -u -m http.server --bind "$INTERNET_IP" --directory "$WORK/www" "$HTTP_PORT"
    local http_pid=$LAST_PID
    # -Z root: tcpdump would otherwise drop to a user that cannot write into $WORK.
    show internet tcpdump -n -i eth0 -w internet.pcap
    start_in "$NS_INTERNET" "$WORK/tcpdump.log" tcpdump -n -U -Z root -i eth0 -w "$WORK/internet.pcap" ip
    TCPDUMP_PID=$LAST_PID
    wait_until -p "$http_pid" "$START_TIMEOUT" tcp_listening "$NS_INTERNET" "$HTTP_PORT" ||
        fail "the web server did not start" "$WORK/http.log"
    wait_until -p "$TCPDUMP_PID" "$START_TIMEOUT" logged "$WORK/tcpdump.log" "listening on" ||
        fail "tcpdump did not start" "$WORK/tcpdump.log"
    good "serving file.bin, sha256 ${ORIGINAL_SUM:0:16}…"
}

story_server() {
    step "The VPN server starts: its first run creates server.conf with a new key pair, and it will NAT its clients out through eth0."
    show server "$TUNNEL_BIN" server --listen "$SERVER_LAN_IP:$LISTEN_PORT" --config server.conf \
        --interface "$IF_SERVER" --address "$TUNNEL_NET4" --address "$TUNNEL_NET6"
    start_in "$NS_SERVER" "$WORK/server.log" "$TUNNEL_BIN" server --listen "$SERVER_LAN_IP:$LISTEN_PORT" \
        --config server.conf --interface "$IF_SERVER" --address "$TUNNEL_NET4" --address "$TUNNEL_NET6"
    SERVER_PID=$LAST_PID
    wait_until -p "$SERVER_PID" "$START_TIMEOUT" udp_listening "$NS_SERVER" "$LISTEN_PORT" ||
        fail "tunnel server did not start listening on UDP port $LISTEN_PORT" "$WORK/server.log"
    wait_until -p "$SERVER_PID" 2 logged "$WORK/server.log" "server on"
    grep -E "public key|server on" "$WORK/server.log" | log_text | indent
    ls -l server.conf | awk '{print $1, $NF}' | indent
}

# Adds NAME with `tunnel peer add`; its client config lands in NAME.conf.
add_peer() {
    local name=$1
    show server "$TUNNEL_BIN" peer add "$name" --config server.conf ">" "$name.conf"
    ip netns exec "$NS_SERVER" "$TUNNEL_BIN" peer add "$name" --config server.conf >"$name.conf" 2>"$WORK/peer-$name.log" ||
        fail "tunnel peer add $name failed" "$WORK/peer-$name.log"
    grep -v -i warning "$WORK/peer-$name.log" | indent
}

story_peers() {
    step "alice is invited: tunnel peer invite prints a one-time code; her key will be made on her laptop, never on the server."
    show server "$TUNNEL_BIN" peer invite alice --config server.conf ">" alice.code
    ip netns exec "$NS_SERVER" "$TUNNEL_BIN" peer invite alice --config server.conf >alice.code 2>"$WORK/invite-alice.log" ||
        fail "tunnel peer invite alice failed" "$WORK/invite-alice.log"
    indent <"$WORK/invite-alice.log"
    say "The code (one word to paste; the server keeps only a public key derived from it): $(cut -c1-24 alice.code)..."
    step "bob is added the other way: tunnel peer add makes his keys and prints a whole config, for apps that import a file."
    add_peer bob
    say "bob.conf, a wg-quick file that tunnel client and every WireGuard app accept (secrets hidden here):"
    sed -E 's/^((PrivateKey|PresharedKey) = ).*/\1<secret>/' bob.conf | grep -v '^$' | indent
    # The server rereads its file every second; the first handshake waits for that.
    wait_until -p "$SERVER_PID" 3 logged "$WORK/server.log" "peer bob added"
}

# Starts `tunnel client` for NAME in NS on IFACE (with any further arguments, such as
# --invite CODE) and waits for its first handshake.
connect() {
    local name=$1 ns=$2 ifname=$3
    shift 3
    local shown=("$@")
    [ "${1:-}" = --invite ] && shown=(--invite "$(cut -c1-12 <<<"$2")...")
    show "$name" "$TUNNEL_BIN" client "${shown[@]}" --config "$name.conf" --interface "$ifname"
    start_in "$ns" "$WORK/client-$name.log" "$TUNNEL_BIN" client "$@" --config "$name.conf" --interface "$ifname"
    local pid=$LAST_PID
    CLIENT_PID=$pid
    wait_until -p "$pid" "$CONNECT_TIMEOUT" pinged "$ns" "$SERVER_TUNNEL_IP" ||
        fail "$name could not reach the server through the tunnel ($SERVER_TUNNEL_IP)" \
            "$WORK/client-$name.log" "$WORK/server.log"
    log_text <"$WORK/client-$name.log" | head -n 4 | indent
}

story_connect() {
    step "alice's laptop enrols with the code: it makes its key pair, gets its addresses over the server's UDP port, writes alice.conf, and connects."
    connect alice "$NS_ALICE" "$IF_ALICE" --invite "$(cat alice.code)"
    ALICE_PID=$CLIENT_PID
    say "alice.conf (mode $(stat -c %a alice.conf)) holds her own private key; server.conf has only her public key:"
    grep -E "^(Address|Endpoint|AllowedIPs)" alice.conf | indent
    local alice_private
    alice_private=$(sed -n 's/^PrivateKey = //p' alice.conf)
    if grep -qF "$alice_private" server.conf server.conf.invites.json 2>/dev/null; then
        fail "alice's private key is in the server's files" "$WORK/server.log"
    fi
    grep -A3 "Name = alice" server.conf | grep -E "Name|PublicKey" | indent
    say "Her route to the internet host now goes into the tunnel:"
    show alice ip route get "$INTERNET_IP"
    ip netns exec "$NS_ALICE" ip route get "$INTERNET_IP" | head -n 1 | sed 's/ uid .*//' | indent
    step "bob's laptop connects the same way, with his own keys and tunnel address."
    connect bob "$NS_BOB" "$IF_BOB"
    BOB_PID=$CLIENT_PID
}

story_ping() {
    step "alice pings the internet host: each ping travels encrypted to the server, which sends it on from its own address."
    show alice ping -c 3 "$INTERNET_IP"
    ip netns exec "$NS_ALICE" timeout 10 ping -n -c 3 -i 0.3 -W 2 "$INTERNET_IP" >"$WORK/ping.log" 2>&1 ||
        fail "alice's ping through the tunnel failed" "$WORK/ping.log" "$WORK/client-alice.log" "$WORK/server.log"
    grep -E "bytes from|transmitted|rtt" "$WORK/ping.log" | indent
}

# Downloads the file in NS into NAME.bin in the background; the pid lands in LAST_PID.
start_download() {
    local name=$1 ns=$2
    show "$name" curl -o "$name.bin" "$FILE_URL"
    ip netns exec "$ns" curl -sS --noproxy '*' --max-time 20 -o "$name.bin" \
        -w '%{size_download} %{time_total}\n' "$FILE_URL" >"$WORK/curl-$name.log" 2>&1 &
    track $!
}

check_download() {
    local name=$1 pid=$2 size secs sum
    wait "$pid" || fail "$name's download failed" "$WORK/curl-$name.log" "$WORK/client-$name.log" "$WORK/server.log"
    read -r size secs <"$WORK/curl-$name.log"
    sum=$(sha256sum "$name.bin" | cut -d' ' -f1)
    [ "$sum" = "$ORIGINAL_SUM" ] || fail "$name's download is corrupt: sha256 $sum, expected $ORIGINAL_SUM"
    good "$(awk -v n="$name" -v b="$size" -v s="$secs" -v h="${sum:0:16}" 'BEGIN {
        printf "%-5s %.1f MB in %.2f s (%.0f Mbit/s), sha256 %s… same as the original", n, b / 1048576, s, b * 8 / (s > 0 ? s : 1) / 1e6, h }')"
}

story_download() {
    step "alice and bob download the ${FILE_MB} MB file at the same time, and both copies match the original."
    start_download alice "$NS_ALICE"
    local alice_pid=$LAST_PID
    start_download bob "$NS_BOB"
    local bob_pid=$LAST_PID
    check_download alice "$alice_pid"
    check_download bob "$bob_pid"
}

# "IP 198.51.100.1.61234 > 198.51.100.2.80: tcp 0" -> "198.51.100.1 tcp 61234"
pcap_sources() {
    tcpdump -n -q -r "$WORK/internet.pcap" "ip dst host $INTERNET_IP" 2>/dev/null | awk '$2 == "IP" {
        n = split($3, a, "."); proto = ($0 ~ /ICMP/) ? "icmp" : tolower($6); sub(/,$/, "", proto)
        print a[1] "." a[2] "." a[3] "." a[4], proto, (n == 5 ? a[5] : "-") }'
}

# One line per source address and protocol: packets, and the source ports used.
summarize_sources() {
    pcap_sources | sort -k1,1 -k2,2 -k3,3n | awk '
        { key = $1 " " $2; count[key]++; if ($3 != "-" && !((key, $3) in seen)) { seen[key, $3] = 1; ports[key] = ports[key] (ports[key] == "" ? "" : ", ") $3 } }
        END { for (k in count) { split(k, f, " ")
            printf "%d %s packets from %s%s\n", count[k], toupper(f[2]), f[1], (ports[k] == "" ? "" : ", source ports " ports[k] " (NAT ports)") } }' | sort -k3
}

story_internet_view() {
    step "What the internet host saw: only the server's address $SERVER_WAN_IP; alice's and bob's addresses never left the tunnel."
    kill_pids "$TCPDUMP_PID"
    show internet cat access.log
    grep '"GET' "$WORK/http.log" | indent
    show internet tcpdump -n -r internet.pcap
    local sources
    sources=$(summarize_sources)
    [ -n "$sources" ] || fail "tcpdump recorded nothing on the internet host" "$WORK/tcpdump.log"
    printf '%s\n' "$sources" | indent
    local others
    others=$(pcap_sources | awk -v s="$SERVER_WAN_IP" '$1 != s { print $1 }' | sort -u | tr '\n' ' ')
    [ -z "$others" ] || fail "the internet host saw packets from $others: the NAT let a client address out"
    grep '"GET' "$WORK/http.log" | grep -qv "^$SERVER_WAN_IP " &&
        fail "the web server saw a request from an address other than $SERVER_WAN_IP" "$WORK/http.log"
    good "every packet and every request came from $SERVER_WAN_IP: the server's NAT rewrote each source address and port"
}

# `tunnel status`: the server's peers, their traffic, and its NAT table.
story_status() {
    step "The server's view: which clients it has, what each sent, and the NAT table."
    show server "$TUNNEL_BIN" status "$IF_SERVER"
    ip netns exec "$NS_SERVER" "$TUNNEL_BIN" status "$IF_SERVER" >"$WORK/status.log" 2>&1 ||
        fail "tunnel status failed" "$WORK/status.log"
    indent <"$WORK/status.log"
}

pause_if_asked() {
    [ "${DEMO_PAUSE:-}" = 1 ] && [ -r /dev/tty ] || return 0
    step "Paused: the sandbox is still up. Look around, for example:"
    say "ip netns exec $NS_ALICE curl -sI --noproxy '*' $FILE_URL" \
        "ip netns exec $NS_SERVER ip rule" \
        "ip netns exec $NS_ALICE ip route show table all | grep $IF_ALICE" \
        "tail -f $WORK/server.log"
    printf '   Press Enter to clean up. '
    read -r _ </dev/tty
}

# Stops one tunnel process with SIGTERM, as Ctrl-C would, and checks it exited cleanly.
stop_tunnel() {
    local what=$1 ns=$2 pid=$3 logfile=$4
    [ "$(ip netns identify "$pid" 2>/dev/null)" = "$ns" ] || fail "$what had stopped before the end" "$logfile"
    stop_child "$pid" 5 || fail "$what did not exit within 5 s of SIGTERM" "$logfile"
    [ "$STOP_STATUS" = 0 ] || fail "$what exited with status $STOP_STATUS" "$logfile"
}

story_cleanup() {
    step "Clean up: the clients and the server exit, putting back their routes, rules and settings; the namespaces go."
    stop_tunnel "tunnel client (alice)" "$NS_ALICE" "$ALICE_PID" "$WORK/client-alice.log"
    stop_tunnel "tunnel client (bob)" "$NS_BOB" "$BOB_PID" "$WORK/client-bob.log"
    stop_tunnel "tunnel server" "$NS_SERVER" "$SERVER_PID" "$WORK/server.log"
    good "tunnel client and tunnel server exited cleanly on SIGTERM"
    cd / && cleanup
    local left
    left=$(leftovers)
    [ -z "$left" ] || fail "left behind: $(echo $left)"
    good "nothing left: no namespaces, processes, sockets or temporary files"
}

what_next() {
    printf '\n%sDone in %d s.%s What to try next:\n' "$B" $((SECONDS - STARTED)) "$R"
    say "- Run it for real, on a server: tunnel server --listen 0.0.0.0:51820" \
        "- Add a phone: tunnel peer add phone --endpoint vpn.example.com:51820 --qr, and scan the code with the WireGuard app." \
        "- Invite a laptop: tunnel peer invite laptop --endpoint vpn.example.com:51820," \
        "  then on the laptop: tunnel client --invite CODE --config laptop.conf" \
        "- Look around this sandbox: DEMO_PAUSE=1 make demo waits for Enter before cleaning up." \
        "- Read on: tunnel --help, README.md, Docs/architecture.md."
}

main() {
    check_prerequisites
    # From here on the cleanup removes these, in this order.
    own_namespaces "$NS_ALICE" "$NS_BOB" "$NS_SERVER" "$NS_INTERNET"
    own_interfaces $ALL_IF
    WORK=$(mktemp -d /tmp/tunnel-demo.XXXXXX) || fail "could not create a temporary directory"
    cd "$WORK" || fail "could not enter $WORK"
    umask 077
    printf '%stunnel demo:%s a VPN server, two laptops and a web server, each in its own network namespace.\n' "$B" "$R"
    story_sandbox
    story_no_way_out
    story_internet
    story_server
    story_peers
    story_connect
    story_ping
    story_download
    story_internet_view
    story_status
    pause_if_asked
    story_cleanup
    what_next
}

main "$@"
