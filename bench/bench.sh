#!/usr/bin/env bash
# bench/bench.sh: measures `tunnel` against Debian's wireguard-go, on the same
# topology each time: point to point over one veth pair (TCP, ping, UDP packet rate;
# the bare veth as the ceiling), through a server's NAT to a host behind it (one
# client, then two at once, with the server's CPU per GB), and a legitimate client's
# ping during handshake floods (the FloodMeasurement XCTest, bench/flood.sh). A
# benchmark, not a test: it prints what it measured and what failed, and always exits
# 0 (except when interrupted).
#
# Environment:
#   BENCH_SECONDS  iperf3 TCP duration per direction (default 10)
#   BENCH_ONLY     comma-separated parts to run (default all):
#                  veth, wireguard-go, tunnel  point to point TCP and ping
#                  udp                         point to point UDP packets/s, both tunnels
#                  nat                         through the server's NAT, both tunnels
#                  two-clients                 two clients at once through the NAT
#                  flood                       handshake floods (needs the test build)
#   BENCH_PINGS    pings per run (default 200)
#   TUNNEL_BIN     the tunnel binary (default .build/release/tunnel)
#   BENCH_OUT      directory for the JSON results (default .bench)
#   BENCH_TEST_BUNDLE  the XCTest bundle for `flood`
#                  (default .build/debug/tunnelPackageTests.xctest)

set -u

readonly BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

readonly ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly SECS=${BENCH_SECONDS:-10}
readonly ALL_PARTS=veth,wireguard-go,tunnel,udp,nat,two-clients,flood
readonly ONLY=${BENCH_ONLY:-$ALL_PARTS}
readonly PINGS=${BENCH_PINGS:-200}
readonly TUNNEL_BIN=${TUNNEL_BIN:-$ROOT/.build/release/tunnel}
readonly TEST_BUNDLE=${BENCH_TEST_BUNDLE:-$ROOT/.build/debug/tunnelPackageTests.xctest}
readonly OUT_DIR=${BENCH_OUT:-$ROOT/.bench}

# Every name carries this run's pid, so two runs (or a test suite) never collide.
# Tunnel interface names must be unique machine-wide: the UAPI socket directory
# /var/run/wireguard is shared by all namespaces.
readonly TAG=$$
readonly NS_A=bn$TAG-a NS_B=bn$TAG-b
readonly VETH_A=bn$TAG-va VETH_B=bn$TAG-vb
readonly WG_A=bw${TAG}a WG_B=bw${TAG}b
readonly TUN_A=bt${TAG}a TUN_B=bt${TAG}b
readonly UNDER_A=192.0.2.1 UNDER_B=192.0.2.2
readonly INNER_A=100.64.0.1 INNER_B=100.64.0.2
readonly INNER6_A=2001:db8:100::1 INNER6_B=2001:db8:100::2
readonly WG_PORT=51820 IPERF_PORT=5201 IPERF_PORT2=5202 TUNNEL_MTU=1420
readonly UP_TIMEOUT=15
# UDP runs are shorter than TCP ones: a packet rate settles within a second or two.
readonly UDP_SECS=$(( (SECS * 3 + 9) / 10 ))
# 64 bytes, and the largest UDP payload that fits the tunnel MTU unfragmented
# (1420 - 20 IPv4 - 8 UDP).
readonly UDP_SIZES="64 1392"
readonly UAPI_DIR=/var/run/wireguard STATE_DIR=/run/tunnel

WORK=""
NAT_NAMESPACES="" NAT_INTERFACES=""   # set by bench/nat.sh
PIDS=()          # every background process this script started
CLEANED=0

log() { printf 'bench: %s\n' "$*" >&2; }

# ---------------------------------------------------------------- cleanup

kill_pids() {
    local pid alive=()
    for pid in "$@"; do
        kill -TERM "$pid" 2>/dev/null && alive+=("$pid")
    done
    # Give daemons a moment to remove their own sockets and interfaces.
    local i
    for i in $(seq 1 20); do
        local left=()
        for pid in "${alive[@]}"; do kill -0 "$pid" 2>/dev/null && left+=("$pid"); done
        [ ${#left[@]} -eq 0 ] && return 0
        alive=("${left[@]}")
        sleep 0.1
    done
    for pid in "${alive[@]}"; do kill -KILL "$pid" 2>/dev/null; done
    return 0
}

stop_started() {
    [ ${#PIDS[@]} -gt 0 ] && kill_pids "${PIDS[@]}"
    PIDS=()
}

# Removes namespace NS if it exists, stopping first whatever runs inside (anything
# in our own namespaces was started by this script).
remove_namespace() {
    local ns=$1 stray
    if [ -e "/var/run/netns/$ns" ]; then
        stray=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
        [ -n "$stray" ] && kill_pids $stray
        ip netns del "$ns" 2>/dev/null
    fi
    rm -rf "/etc/netns/$ns"
}

# Files a daemon keeps under its interface's name, left behind if it was killed.
remove_interface_files() {
    local ifname
    for ifname in "$@"; do
        rm -f "$UAPI_DIR/$ifname.sock" "$STATE_DIR/$ifname.state" "$STATE_DIR/$ifname.resolv.conf"
    done
}

cleanup() {
    [ "$CLEANED" = 1 ] && return
    CLEANED=1
    stop_started
    flood_cleanup
    local ns
    for ns in "$NS_A" "$NS_B" $NAT_NAMESPACES; do remove_namespace "$ns"; done
    remove_interface_files "$WG_A" "$WG_B" "$TUN_A" "$TUN_B" $NAT_INTERFACES
    [ -n "$WORK" ] && rm -rf "$WORK"
}

on_signal() {
    log "interrupted ($1), cleaning up"
    cleanup
    trap - EXIT
    exit "$2"
}

trap cleanup EXIT
trap 'on_signal SIGINT 130' INT
trap 'on_signal SIGTERM 143' TERM

# Runs CMD... in the background with stdout to OUT and stderr to ERR, and waits for
# it, so that a signal reaches the traps at once instead of after a 10 s iperf3 run.
# (The redirections live here, not on the call, so the traps still print to stderr.)
run_waiting() {
    local out=$1 err=$2; shift 2
    "$@" >"$out" 2>"$err" &
    local pid=$!
    PIDS+=("$pid")
    wait "$pid"
    local rc=$?
    forget_pid "$pid"
    return $rc
}

forget_pid() {
    local keep=() p
    for p in "${PIDS[@]}"; do [ "$p" != "$1" ] && keep+=("$p"); done
    PIDS=("${keep[@]+"${keep[@]}"}")
}

# ---------------------------------------------------------------- checks

want() { [[ ",$ONLY," == *",$1,"* ]]; }

check_inputs() {
    if ! [[ "$SECS" =~ ^[1-9][0-9]*$ ]]; then
        log "BENCH_SECONDS must be a positive integer, got '$SECS'"; return 1
    fi
    if ! [[ "$PINGS" =~ ^[1-9][0-9]*$ ]]; then
        log "BENCH_PINGS must be a positive integer, got '$PINGS'"; return 1
    fi
    local h
    for h in ${ONLY//,/ }; do
        [[ ",$ALL_PARTS," == *",$h,"* ]] || {
            log "BENCH_ONLY: unknown part '$h' (known: ${ALL_PARTS//,/, })"; return 1; }
    done
    if [ "$(id -u)" != 0 ]; then
        log "needs root (network namespaces, TUN devices)"; return 1
    fi
    local tool missing=""
    for tool in ip iperf3 ping python3 timeout ss; do
        command -v "$tool" >/dev/null || missing="$missing $tool"
    done
    if [ -n "$missing" ]; then
        log "missing tools:$missing (make deps installs them)"; return 1
    fi
}

# ---------------------------------------------------------------- results

# One line per fact: HALF KEY VALUE...; python turns them into the table and JSON.
# (A message that spans lines, such as a tool's error output, is kept on one.)
record() { local line="$*"; printf '%s\n' "${line//$'\n'/ }" >>"$WORK/results"; }
fail_run() { record "$1" error "$2"; log "$1: FAILED: $2"; }
# A point-to-point half that could not be set up fails its TCP run and its UDP run.
fail_half() {
    want "$1" && record "$1" error "$2"
    [ "$1" != veth ] && want udp && record "udp/$1" error "$2"
    log "$1: FAILED: $2"
}

# ---------------------------------------------------------------- topology

make_topology() {
    ip netns add "$NS_A" && ip netns add "$NS_B" || return 1
    ip -n "$NS_A" link add "$VETH_A" type veth peer name "$VETH_B" netns "$NS_B" || return 1
    ip -n "$NS_A" link set lo up && ip -n "$NS_B" link set lo up || return 1
    ip -n "$NS_A" addr add "$UNDER_A/24" dev "$VETH_A" || return 1
    ip -n "$NS_B" addr add "$UNDER_B/24" dev "$VETH_B" || return 1
    ip -n "$NS_A" link set "$VETH_A" up && ip -n "$NS_B" link set "$VETH_B" up
}

# Waits until NS can ping ADDR once, or TIMEOUT seconds pass.
wait_ping() {
    local ns=$1 addr=$2 timeout=$3 deadline=$((SECONDS + $3))
    while [ $SECONDS -lt $deadline ]; do
        ip netns exec "$ns" ping -n -c 1 -W 1 "$addr" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    return 1
}

wait_gone() {
    local ns=$1 ifname=$2 i
    for i in $(seq 1 50); do
        ip -n "$ns" link show dev "$ifname" >/dev/null 2>&1 || return 0
        sleep 0.1
    done
    return 1
}

# Starts CMD... in namespace NS in the background, output to LOG; remembers its pid.
# `ip netns exec` execs in place, so $! is the daemon itself.
start_in() {
    local ns=$1 logfile=$2; shift 2
    ip netns exec "$ns" "$@" >"$logfile" 2>&1 &
    PIDS+=("$!")
    LAST_PID=$!
}

# ---------------------------------------------------------------- measuring

# Starts `iperf3 -s` in NS on ADDR:PORT and waits until it listens; pid in LAST_PID.
start_iperf_server() {
    local ns=$1 addr=$2 port=$3 logfile=$4 i
    start_in "$ns" "$logfile" iperf3 -s -B "$addr" -p "$port"
    for i in $(seq 1 50); do
        ip netns exec "$ns" ss -Hltn "sport = :$port" | grep -q . && break
        sleep 0.1
    done
}

# Measures one half through ADDR (the server side address in namespace B): TCP both
# ways and ping if the half itself was asked for, the UDP packet rate if `udp` was.
measure() {
    local half=$1 addr=$2 dir=$WORK/$1
    mkdir -p "$dir"
    start_iperf_server "$NS_B" "$addr" "$IPERF_PORT" "$dir/iperf3-server.log"
    local server=$LAST_PID
    want "$half" && measure_tcp_ping "$half" "$addr" "$dir"
    [ "$half" != veth ] && want udp && measure_udp "$half" "$addr" "$dir"
    kill_pids "$server"; forget_pid "$server"
}

measure_tcp_ping() {
    local half=$1 addr=$2 dir=$3

    local label flag
    for label in fwd rev; do
        flag=""; [ $label = rev ] && flag=-R
        log "$half: iperf3 $label ${SECS}s"
        run_waiting "$dir/iperf3-$label.json" "$dir/iperf3-$label.err" \
            timeout $((SECS + 30)) ip netns exec "$NS_A" \
            iperf3 -c "$addr" -p "$IPERF_PORT" -t "$SECS" -J --connect-timeout 5000 $flag
        record "$half" "iperf_$label" "$dir/iperf3-$label.json"
    done

    log "$half: $PINGS pings"
    run_waiting "$dir/ping.txt" "$dir/ping.err" \
        timeout $((PINGS / 50 + 30)) ip netns exec "$NS_A" ping -n -c "$PINGS" -i 0.01 -W 2 "$addr"
    record "$half" ping "$dir/ping.txt"
}

# UDP packets per second A->B: iperf3 sends as fast as it can (-b 0); the receiver's
# count is in the JSON's end.sum_received.
measure_udp() {
    local half=$1 addr=$2 dir=$3 size
    for size in $UDP_SIZES; do
        log "$half: iperf3 UDP ${size}-byte payloads ${UDP_SECS}s"
        run_waiting "$dir/udp-$size.json" "$dir/udp-$size.err" \
            timeout $((UDP_SECS + 30)) ip netns exec "$NS_A" \
            iperf3 -c "$addr" -p "$IPERF_PORT" -u -b 0 -l "$size" -t "$UDP_SECS" -J --connect-timeout 5000
        record "udp/$half" "udp_$size" "$dir/udp-$size.json"
    done
}

# ---------------------------------------------------------------- halves

run_veth() {
    measure veth "$UNDER_B"
}

genkeys() {
    local dir=$1 side
    for side in a b; do
        (umask 077; wg genkey >"$dir/$side.key") && wg pubkey <"$dir/$side.key" >"$dir/$side.pub" \
            || return 1
    done
}

wg_configure() {
    local ns=$1 ifname=$2 key=$3 peer_pub=$4 peer_ip=$5 peer6=$6 endpoint=$7 addr=$8 addr6=$9
    ip netns exec "$ns" wg set "$ifname" private-key "$key" listen-port "$WG_PORT" \
        peer "$peer_pub" allowed-ips "$peer_ip/32,$peer6/128" endpoint "$endpoint:$WG_PORT" || return 1
    ip -n "$ns" addr add "$addr/24" dev "$ifname" || return 1
    ip -n "$ns" addr add "$addr6/64" dev "$ifname" nodad || return 1
    ip -n "$ns" link set "$ifname" mtu "$TUNNEL_MTU" up
}

run_wireguard_go() {
    local half=wireguard-go dir=$WORK/wireguard-go
    mkdir -p "$dir"
    command -v wireguard-go >/dev/null && command -v wg >/dev/null || {
        fail_half $half "wireguard-go or wg not installed (make deps)"; return; }
    genkeys "$dir" || { fail_half $half "wg genkey failed"; return; }

    local ns ifname pa pb
    start_in "$NS_A" "$dir/wireguard-go-a.log" env WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 \
        wireguard-go -f "$WG_A"
    pa=$LAST_PID
    start_in "$NS_B" "$dir/wireguard-go-b.log" env WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 \
        wireguard-go -f "$WG_B"
    pb=$LAST_PID
    local i
    for i in $(seq 1 50); do
        [ -S "$UAPI_DIR/$WG_A.sock" ] && [ -S "$UAPI_DIR/$WG_B.sock" ] && break
        sleep 0.1
    done
    if ! [ -S "$UAPI_DIR/$WG_A.sock" ] || ! [ -S "$UAPI_DIR/$WG_B.sock" ]; then
        fail_half $half "wireguard-go did not open its UAPI socket (see logs)"
    elif ! wg_configure "$NS_A" "$WG_A" "$dir/a.key" "$(cat "$dir/b.pub")" "$INNER_B" "$INNER6_B" \
            "$UNDER_B" "$INNER_A" "$INNER6_A" \
        || ! wg_configure "$NS_B" "$WG_B" "$dir/b.key" "$(cat "$dir/a.pub")" "$INNER_A" "$INNER6_A" \
            "$UNDER_A" "$INNER_B" "$INNER6_B"; then
        fail_half $half "configuring the wireguard-go interfaces failed"
    elif ! wait_ping "$NS_A" "$INNER_B" "$UP_TIMEOUT"; then
        fail_half $half "no ping through the tunnel within ${UP_TIMEOUT}s"
    else
        measure $half "$INNER_B"
    fi
    kill_pids "$pa" "$pb"; forget_pid "$pa"; forget_pid "$pb"
    wait_gone "$NS_A" "$WG_A"; wait_gone "$NS_B" "$WG_B"
}

# Writes a wg-quick config for one side (mode 0600: it holds a private key).
write_tunnel_config() {
    local file=$1 key=$2 addr=$3 addr6=$4 peer_pub=$5 endpoint=$6 peer_ip=$7 peer6=$8
    (umask 077; cat >"$file" <<EOF
[Interface]
PrivateKey = $(cat "$key")
Address = $addr/24, $addr6/64
ListenPort = $WG_PORT
MTU = $TUNNEL_MTU

[Peer]
PublicKey = $peer_pub
Endpoint = $endpoint:$WG_PORT
AllowedIPs = $peer_ip/32, $peer6/128
EOF
    )
}

run_tunnel() {
    local half=tunnel dir=$WORK/tunnel
    mkdir -p "$dir"
    [ -x "$TUNNEL_BIN" ] || { fail_half $half "no binary at $TUNNEL_BIN (make build)"; return; }
    command -v wg >/dev/null || { fail_half $half "wg not installed (make deps)"; return; }
    genkeys "$dir" || { fail_half $half "wg genkey failed"; return; }
    write_tunnel_config "$dir/a.conf" "$dir/a.key" "$INNER_A" "$INNER6_A" "$(cat "$dir/b.pub")" \
        "$UNDER_B" "$INNER_B" "$INNER6_B" || { fail_half $half "writing config failed"; return; }
    write_tunnel_config "$dir/b.conf" "$dir/b.key" "$INNER_B" "$INNER6_B" "$(cat "$dir/a.pub")" \
        "$UNDER_A" "$INNER_A" "$INNER6_A" || { fail_half $half "writing config failed"; return; }

    local pa pb
    start_in "$NS_A" "$dir/tunnel-a.log" "$TUNNEL_BIN" client --config "$dir/a.conf" --interface "$TUN_A"
    pa=$LAST_PID
    start_in "$NS_B" "$dir/tunnel-b.log" "$TUNNEL_BIN" client --config "$dir/b.conf" --interface "$TUN_B"
    pb=$LAST_PID
    local why
    if why=$(tunnel_up "$pa" "$pb"); then
        measure $half "$INNER_B"
    else
        fail_half $half "$why: $(tunnel_log_tail "$dir")"
    fi
    kill_pids "$pa" "$pb"; forget_pid "$pa"; forget_pid "$pb"
    wait_gone "$NS_A" "$TUN_A"; wait_gone "$NS_B" "$TUN_B"
}

# Waits (up to UP_TIMEOUT) for both tunnel interfaces and a ping through them; gives
# up early when a side has exited. Prints why it gave up.
tunnel_up() {
    local pa=$1 pb=$2 deadline=$((SECONDS + UP_TIMEOUT))
    local links=0
    while [ $SECONDS -lt $deadline ]; do
        if ! kill -0 "$pa" 2>/dev/null || ! kill -0 "$pb" 2>/dev/null; then
            echo "tunnel client exited"; return 1
        fi
        if [ $links = 0 ]; then
            ip -n "$NS_A" link show dev "$TUN_A" >/dev/null 2>&1 \
                && ip -n "$NS_B" link show dev "$TUN_B" >/dev/null 2>&1 && links=1
        elif ip netns exec "$NS_A" ping -n -c 1 -W 1 "$INNER_B" >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.2
    done
    if [ $links = 0 ]; then
        echo "tunnel interfaces did not appear within ${UP_TIMEOUT}s"
    else
        echo "no ping through the tunnel within ${UP_TIMEOUT}s"
    fi
    return 1
}

# What the tunnel processes logged (the first error line, else the last line), so a
# failed half says why. Arguments: a directory with tunnel-a.log and tunnel-b.log, or
# log files.
tunnel_log_tail() {
    local f line files=("$@")
    [ -d "$1" ] && files=("$1/tunnel-a.log" "$1/tunnel-b.log")
    for f in "${files[@]}"; do
        line=$(grep -i -m 1 'error' "$f" 2>/dev/null)
        [ -n "$line" ] || line=$(grep -v '^[[:space:]]*$' "$f" 2>/dev/null | tail -n 1)
        if [ -n "$line" ]; then
            printf '%s' "$line" | sed 's/^[[:space:]]*//' | head -c 200
            return
        fi
    done
    printf 'no output'
}

source "$BENCH_DIR/nat.sh"
source "$BENCH_DIR/flood.sh"

# ---------------------------------------------------------------- main

record_machine() {
    local wgv tv
    wgv=$(timeout 5 wireguard-go --version 2>/dev/null | head -n 1)
    tv=$(timeout 5 "$TUNNEL_BIN" --version 2>/dev/null | head -n 1)
    {
        printf 'date\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
        printf 'stamp\t%s\n' "$(date +%Y%m%d-%H%M%S)"
        printf 'kernel\t%s\n' "$(uname -r)"
        printf 'cpu\t%s\n' "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
        printf 'cores\t%s\n' "$(nproc)"
        printf 'loadavg\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
        printf 'wireguard-go\t%s\n' "${wgv:-not installed}"
        printf 'tunnel\t%s\n' "${tv:-not built}"
        printf 'iperf3\t%s\n' "$(iperf3 --version 2>/dev/null | head -n 1)"
        printf 'seconds\t%s\n' "$SECS"
        printf 'pings\t%s\n' "$PINGS"
        printf 'halves\t%s\n' "$ONLY"
        printf 'udp_seconds\t%s\n' "$UDP_SECS"
        printf 'clk_tck\t%s\n' "$(getconf CLK_TCK)"
    } >"$WORK/machine"
}

main() {
    check_inputs || { log "nothing measured"; return 0; }
    WORK=$(mktemp -d /tmp/bench.XXXXXX) || { log "mktemp failed"; return 0; }
    : >"$WORK/results"
    record_machine
    if ! make_topology; then
        log "could not build the namespace topology; nothing measured"
        return 0
    fi
    want veth && run_veth
    { want wireguard-go || want udp; } && run_wireguard_go
    { want tunnel || want udp; } && run_tunnel
    { want nat || want two-clients; } && run_nat
    want flood && run_flood
    mkdir -p "$OUT_DIR"
    python3 "$ROOT/bench/report.py" "$WORK/machine" "$WORK/results" "$OUT_DIR" "$ONLY" \
        || log "report failed"
    return 0
}

main
exit 0
