#!/usr/bin/env bash
# bench/bench.sh: measures `tunnel` against Debian's wireguard-go, on the same
# topology each time: point to point over one veth pair (TCP with the CPU per GB of
# both ends, ping, UDP packet rate; the bare veth as the ceiling), through a server's
# NAT to a host behind it (one client, then two at once, with the CPU per GB of the
# server and of all tunnel processes), and a legitimate client's
# ping during handshake floods (the FloodMeasurement XCTest, bench/flood.sh). A
# benchmark, not a test: it prints what it measured and what failed, and always exits
# 0 (except when interrupted).
#
# Environment:
#   BENCH_SECONDS  iperf3 TCP duration per direction (default 10)
#   BENCH_ONLY     comma-separated parts to run (default all):
#                  veth, wireguard-go, tunnel  point to point TCP (with CPU/GB) and ping
#                  udp                         point to point UDP packets/s, both tunnels
#                  nat                         through the server's NAT, both tunnels
#                  two-clients                 two clients at once through the NAT
#                  flood                       handshake floods (needs the test build)
#   BENCH_PINGS    pings per idle ping run (default 500)
#   TUNNEL_BIN     the tunnel binary (default .build/release/tunnel)
#   BENCH_OUT      directory for the JSON results (default .bench)
#   BENCH_TEST_BUNDLE  the XCTest bundle for `flood`
#                  (default .build/debug/tunnelPackageTests.xctest)

set -u

readonly BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LOG_NAME=bench STOP_GRACE_TENTHS=20
source "$BENCH_DIR/../lib/netns.sh"

readonly SECS=${BENCH_SECONDS:-10}
readonly ALL_PARTS=veth,wireguard-go,tunnel,udp,nat,two-clients,flood
readonly ONLY=${BENCH_ONLY:-$ALL_PARTS}
readonly PINGS=${BENCH_PINGS:-500}
readonly TEST_BUNDLE=${BENCH_TEST_BUNDLE:-$ROOT/.build/debug/tunnelPackageTests.xctest}
readonly OUT_DIR=${BENCH_OUT:-$ROOT/.bench}

# Names carry this run's pid (TAG, from lib/netns.sh).
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

own_interfaces "$WG_A" "$WG_B" "$TUN_A" "$TUN_B"
# The flood test's leftovers, if it was stopped halfway (bench/flood.sh).
cleanup_last() { flood_cleanup; }
netns_traps

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
    need_root || { log "needs root (network namespaces, TUN devices)"; return 1; }
    local missing
    missing=$(missing_tools ip iperf3 ping python3 timeout ss)
    [ -z "$missing" ] || { log "missing tools:$missing (make deps installs them)"; return 1; }
}

# ---------------------------------------------------------------- results

# One line per fact (`record`, lib/netns.sh): HALF KEY VALUE...; python turns them
# into the table and JSON.
fail_run() { record "$1" error "$2"; log "$1: FAILED: $2"; }
# A point-to-point half that could not be set up fails its TCP run and its UDP run.
fail_half() {
    want "$1" && record "$1" error "$2"
    [ "$1" != veth ] && want udp && record "udp/$1" error "$2"
    log "$1: FAILED: $2"
}

# ---------------------------------------------------------------- topology

make_topology() {
    add_namespaces "$NS_A" "$NS_B" \
        && veth_pair "$NS_A" "$VETH_A" "$UNDER_A/24" "$NS_B" "$VETH_B" "$UNDER_B/24"
}

# ---------------------------------------------------------------- measuring

# utime + stime of PID... in clock ticks (all their threads, summed), from
# /proc/PID/stat; the fields are counted after the command name, which may hold
# spaces. Prints "gone" if one of them has exited (report.py then gives no figure).
cpu_ticks() {
    local pid rest fields total=0
    for pid in "$@"; do
        rest=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null)
        read -r -a fields <<<"$rest"
        [ ${#fields[@]} -gt 12 ] || { echo gone; return; }
        total=$(( total + fields[11] + fields[12] ))
    done
    echo "$total"
}

# The tunnel processes at both ends of the point-to-point half being measured (none
# for the bare veth): their CPU time is read around each TCP run.
END_PIDS=()

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

    local label flag before loaded
    for label in fwd rev; do
        flag=""; [ $label = rev ] && flag=-R
        log "$half: iperf3 $label ${SECS}s"
        [ ${#END_PIDS[@]} -gt 0 ] && before=$(cpu_ticks "${END_PIDS[@]}")
        loaded=""
        [ $label = fwd ] && { ping_under_load "$NS_A" "$addr" "$dir/ping-load"; loaded=$LAST_PID; }
        run_waiting "$dir/iperf3-$label.json" "$dir/iperf3-$label.err" \
            timeout $((SECS + 30)) ip netns exec "$NS_A" \
            iperf3 -c "$addr" -p "$IPERF_PORT" -t "$SECS" -J --connect-timeout 5000 $flag
        [ ${#END_PIDS[@]} -gt 0 ] && record "$half" "cpu_ends_$label" "$before" "$(cpu_ticks "${END_PIDS[@]}")"
        record "$half" "iperf_$label" "$dir/iperf3-$label.json"
        if [ -n "$loaded" ]; then
            wait "$loaded"; forget_pid "$loaded"
            record "$half" ping_load "$dir/ping-load.txt"
        fi
    done

    log "$half: $PINGS pings"
    run_waiting "$dir/ping.txt" "$dir/ping.err" \
        timeout $((PINGS / 50 + 30)) ip netns exec "$NS_A" ping -n -c "$PINGS" -i 0.01 -W 2 "$addr"
    record "$half" ping "$dir/ping.txt"
}

# Starts pinging ADDR from namespace NS every 20 ms for the first SECS-1 seconds of the
# iperf3 run that starts next (the latency a packet sees behind a full queue); output in
# PREFIX.txt, the pid in LAST_PID.
ping_under_load() {
    local ns=$1 addr=$2 prefix=$3
    ip netns exec "$ns" ping -n -c $(( (SECS > 1 ? SECS - 1 : 1) * 50 )) -i 0.02 -W 2 "$addr" \
        >"$prefix.txt" 2>"$prefix.err" &
    track $!
}

# UDP packets per second A->B: iperf3 sends as fast as it can (-b 0); the receiver's
# count is in the JSON's end.sum_received. Around each run, the bytes the receiving
# tunnel took in from its peer (`wg show IF transfer` in B, which both implementations
# answer): on two shared cores the receiving iperf3's socket overflows before the
# tunnels do, so its count alone measures the whole machine, not the tunnel.
measure_udp() {
    local half=$1 addr=$2 dir=$3 size before
    for size in $UDP_SIZES; do
        log "$half: iperf3 UDP ${size}-byte payloads ${UDP_SECS}s"
        before=$(received_by_tunnel_b)
        run_waiting "$dir/udp-$size.json" "$dir/udp-$size.err" \
            timeout $((UDP_SECS + 30)) ip netns exec "$NS_A" \
            iperf3 -c "$addr" -p "$IPERF_PORT" -u -b 0 -l "$size" -t "$UDP_SECS" -J --connect-timeout 5000
        record "udp/$half" "udp_$size" "$dir/udp-$size.json"
        record "udp/$half" "udp_rx_$size" "$before" "$(received_by_tunnel_b)"
    done
}

# The interface in B of the half being measured (for received_by_tunnel_b).
IF_B=""

# Bytes B's tunnel has received from its one peer, as `wg show` reports them.
received_by_tunnel_b() {
    local out
    out=$(ip netns exec "$NS_B" wg show "$IF_B" transfer 2>/dev/null) || { echo gone; return; }
    awk 'NR == 1 { print $2 }' <<<"$out"
}

# ---------------------------------------------------------------- halves

run_veth() {
    measure veth "$UNDER_B"
}

wg_configure() {
    local ns=$1 ifname=$2 key=$3 peer_pub=$4 peer_ip=$5 peer6=$6 endpoint=$7 addr=$8 addr6=$9
    ip netns exec "$ns" wg set "$ifname" private-key "$key" listen-port "$WG_PORT" \
        peer "$peer_pub" allowed-ips "$peer_ip/32,$peer6/128" endpoint "$endpoint:$WG_PORT" || return 1
    ip -n "$ns" addr add "$addr/24" dev "$ifname" || return 1
    ip -n "$ns" addr add "$addr6/64" dev "$ifname" nodad || return 1
    ip -n "$ns" link set "$ifname" mtu "$TUNNEL_MTU" up
}

# wireguard-go in the foreground (-f) on IFNAME in NS; pid in LAST_PID.
start_wireguard_go() {
    local ns=$1 ifname=$2 logfile=$3
    start_in "$ns" "$logfile" env WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 wireguard-go -f "$ifname"
}

# Stops the two sides PA (in A) and PB (in B) of a half and waits (up to 5 s) until
# their interfaces IF_A and IF_B are gone, so the next half starts clean.
stop_pair() {
    local pa=$1 pb=$2 if_a=$3 if_b=$4
    kill_pids "$pa" "$pb"; forget_pid "$pa"; forget_pid "$pb"
    wait_until 5 link_gone "$NS_A" "$if_a"; wait_until 5 link_gone "$NS_B" "$if_b"
}

run_wireguard_go() {
    local half=wireguard-go dir=$WORK/wireguard-go
    mkdir -p "$dir"
    command -v wireguard-go >/dev/null && command -v wg >/dev/null || {
        fail_half $half "wireguard-go or wg not installed (make deps)"; return; }
    wg_keypairs "$dir" a b || { fail_half $half "wg genkey failed"; return; }

    local pa pb
    start_wireguard_go "$NS_A" "$WG_A" "$dir/wireguard-go-a.log"; pa=$LAST_PID
    start_wireguard_go "$NS_B" "$WG_B" "$dir/wireguard-go-b.log"; pb=$LAST_PID
    if ! wait_until 5 uapi_sockets "$WG_A" "$WG_B"; then
        fail_half $half "wireguard-go did not open its UAPI socket (see logs)"
    elif ! wg_configure "$NS_A" "$WG_A" "$dir/a.key" "$(cat "$dir/b.pub")" "$INNER_B" "$INNER6_B" \
            "$UNDER_B" "$INNER_A" "$INNER6_A" \
        || ! wg_configure "$NS_B" "$WG_B" "$dir/b.key" "$(cat "$dir/a.pub")" "$INNER_A" "$INNER6_A" \
            "$UNDER_A" "$INNER_B" "$INNER6_B"; then
        fail_half $half "configuring the wireguard-go interfaces failed"
    elif ! wait_until "$UP_TIMEOUT" pinged "$NS_A" "$INNER_B"; then
        fail_half $half "no ping through the tunnel within ${UP_TIMEOUT}s"
    else
        END_PIDS=("$pa" "$pb"); IF_B=$WG_B
        measure $half "$INNER_B"
        END_PIDS=()
    fi
    stop_pair "$pa" "$pb" "$WG_A" "$WG_B"
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
    wg_keypairs "$dir" a b || { fail_half $half "wg genkey failed"; return; }
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
        END_PIDS=("$pa" "$pb"); IF_B=$TUN_B
        measure $half "$INNER_B"
        END_PIDS=()
    else
        fail_half $half "$why: $(tunnel_log_tail "$dir")"
    fi
    stop_pair "$pa" "$pb" "$TUN_A" "$TUN_B"
}

# Waits (up to UP_TIMEOUT) for both tunnel interfaces and a ping through them; gives
# up early when a side has exited. Prints why it gave up.
tunnel_up() {
    local pa=$1 pb=$2 deadline=$((SECONDS + UP_TIMEOUT))
    local links=0
    while [ $SECONDS -lt $deadline ]; do
        if process_gone "$pa" || process_gone "$pb"; then
            echo "tunnel client exited"; return 1
        fi
        if [ $links = 0 ]; then
            link_exists "$NS_A" "$TUN_A" && link_exists "$NS_B" "$TUN_B" && links=1
        elif pinged "$NS_A" "$INNER_B"; then
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
        machine_facts
        printf 'cpu\t%s\n' "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
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
