# bench/nat.sh: the NAT paths of bench/bench.sh (sourced by it, not run alone).
# Clients reach a host behind a server through the server's NAT:
#
#   c1 203.0.113.2 --+
#                    +-- lan 203.0.113.1  server  wan 198.51.100.1 ---- 198.51.100.2 internet
#   c2 203.0.113.3 --+   (bridge)
#
# `tunnel server` NATs in userspace; wireguard-go's server forwards in the kernel with
# one nftables masquerade rule. Each side gets a fresh copy of the topology. Clients
# route only 198.51.100.0/24 into the tunnel (for both sides alike), so the underlay
# to the server stays outside it. The internet host has no route back to the tunnel
# addresses: what reaches it has been NATed.

readonly NS_S=bn$TAG-s NS_I=bn$TAG-i NS_C1=bn$TAG-c1 NS_C2=bn$TAG-c2
readonly TS_SERVER=bt${TAG}s TS_C1=bt${TAG}1 TS_C2=bt${TAG}2
readonly WS_SERVER=bw${TAG}s WS_C1=bw${TAG}1 WS_C2=bw${TAG}2
# Clients first: SIGTERM reaches each tunnel process before its server, so that it
# puts back what it changed while the server is still there.
readonly NAT_NAMESPACES="$NS_C2 $NS_C1 $NS_S $NS_I"
readonly NAT_INTERFACES="$TS_SERVER $TS_C1 $TS_C2 $WS_SERVER $WS_C1 $WS_C2"
own_interfaces $NAT_INTERFACES
readonly LAN_S=203.0.113.1 LAN_C1=203.0.113.2 LAN_C2=203.0.113.3
readonly WAN_S=198.51.100.1 HOST=198.51.100.2 HOST_NET=198.51.100.0/24
readonly NAT_NET4=100.64.0.1/24 NAT_NET6=2001:db8:64::1/64
readonly NAT_C1=100.64.0.2 NAT_C2=100.64.0.3
readonly WAN_IF=wan

# The clients this run needs: c1 always, c2 for two-clients.
nat_clients() { if want two-clients; then echo "1 2"; else echo 1; fi; }
client_ns() { [ "$1" = 1 ] && echo "$NS_C1" || echo "$NS_C2"; }

make_nat_topology() {
    local c
    add_namespaces $NAT_NAMESPACES || return 1
    veth_pair "$NS_S" "$WAN_IF" "$WAN_S/24" "$NS_I" eth0 "$HOST/24" || return 1
    add_bridge "$NS_S" lan "$LAN_S/24" || return 1
    for c in 1 2; do
        plug_into_bridge "$NS_S" lan "p$c" "$(client_ns $c)" "203.0.113.$((c + 1))/24" || return 1
    done
    ip -n "$NS_S" route add default via "$HOST" dev "$WAN_IF"
}

# Waits until client C can ping the internet host through the NAT, while PIDS... run.
wait_nat_ping() {
    local c=$1 deadline=$((SECONDS + UP_TIMEOUT)) pid; shift
    while [ $SECONDS -lt $deadline ]; do
        for pid in "$@"; do kill -0 "$pid" 2>/dev/null || return 1; done
        pinged "$(client_ns "$c")" "$HOST" && return 0
        sleep 0.2
    done
    return 1
}

# ---------------------------------------------------------------- tunnel

# Starts `tunnel server` and one `tunnel client` per client and waits until each
# client's ping reaches the internet host; sets SERVER_PID. On failure NAT_WHY says why.
setup_nat_tunnel() {
    local dir=$1 c
    [ -x "$TUNNEL_BIN" ] || { NAT_WHY="no binary at $TUNNEL_BIN (make build)"; return 1; }
    start_in "$NS_S" "$dir/server.log" "$TUNNEL_BIN" server --listen "$LAN_S:$WG_PORT" \
        --config "$dir/server.conf" --interface "$TS_SERVER" --address "$NAT_NET4" --address "$NAT_NET6" \
        --egress "$WAN_IF" --log-level info
    SERVER_PID=$LAST_PID; NAT_PIDS=("$SERVER_PID")
    wait_until -p "$SERVER_PID" "$UP_TIMEOUT" logged "$dir/server.log" "server on" \
        || { NAT_WHY="tunnel server did not start: $(tunnel_log_tail "$dir/server.log")"; return 1; }
    for c in $(nat_clients); do
        # The client config holds a private key: mode 0600, or `tunnel client` refuses it.
        (umask 077; ip netns exec "$NS_S" "$TUNNEL_BIN" peer add "c$c" --config "$dir/server.conf" \
            --endpoint "$LAN_S:$WG_PORT" --allowed-ips "$HOST_NET" >"$dir/c$c.conf" 2>"$dir/peer-c$c.log") \
            || { NAT_WHY="tunnel peer add failed: $(head -c 200 "$dir/peer-c$c.log")"; return 1; }
        # The server rereads its file every second; a handshake before that is refused.
        wait_until -p "$SERVER_PID" "$UP_TIMEOUT" logged "$dir/server.log" "peer c$c added" \
            || { NAT_WHY="tunnel server did not pick up peer c$c"; return 1; }
    done
    local ifname
    for c in $(nat_clients); do
        ifname=$TS_C1; [ "$c" = 2 ] && ifname=$TS_C2
        start_in "$(client_ns "$c")" "$dir/client-c$c.log" "$TUNNEL_BIN" client --config "$dir/c$c.conf" \
            --interface "$ifname" --log-level info
        NAT_PIDS+=("$LAST_PID")
    done
    for c in $(nat_clients); do
        wait_nat_ping "$c" "${NAT_PIDS[@]}" || {
            NAT_WHY="client c$c got no ping through the NAT within ${UP_TIMEOUT}s: $(tunnel_log_tail \
                "$dir/client-c$c.log" "$dir/server.log")"; return 1; }
    done
}

# ---------------------------------------------------------------- wireguard-go

# The same as setup_nat_tunnel, with wireguard-go on every side and the kernel
# forwarding and NATing in the server's namespace (nftables masquerade, by `nft` or,
# without it, by nft_masquerade.py over nfnetlink; if both fail the internet host routes
# the tunnel subnet back instead, and the run says so).
setup_nat_wireguard_go() {
    local dir=$1 c ns ifname peers=() masq_err
    command -v wireguard-go >/dev/null && command -v wg >/dev/null || {
        NAT_WHY="wireguard-go or wg not installed (make deps)"; return 1; }
    NAT_PIDS=()
    wg_keypairs "$dir" s $(nat_clients) || { NAT_WHY="wg genkey failed"; return 1; }
    start_wireguard_go "$NS_S" "$WS_SERVER" "$dir/wireguard-go-s.log"
    SERVER_PID=$LAST_PID; NAT_PIDS+=("$LAST_PID")
    local ifnames=("$WS_SERVER")
    for c in $(nat_clients); do
        ifname=$WS_C1; [ "$c" = 2 ] && ifname=$WS_C2
        start_wireguard_go "$(client_ns "$c")" "$ifname" "$dir/wireguard-go-c$c.log"
        NAT_PIDS+=("$LAST_PID"); ifnames+=("$ifname")
    done
    wait_until 5 uapi_sockets "${ifnames[@]}" || { NAT_WHY="wireguard-go did not open its UAPI socket (see logs)"; return 1; }

    for c in $(nat_clients); do
        peers+=(peer "$(cat "$dir/$c.pub")" allowed-ips "100.64.0.$((c + 1))/32")
    done
    ip netns exec "$NS_S" wg set "$WS_SERVER" private-key "$dir/s.key" listen-port "$WG_PORT" "${peers[@]}" \
        && ip -n "$NS_S" addr add "$NAT_NET4" dev "$WS_SERVER" \
        && ip -n "$NS_S" link set "$WS_SERVER" mtu "$TUNNEL_MTU" up \
        || { NAT_WHY="configuring the server's wireguard-go failed"; return 1; }
    for c in $(nat_clients); do
        ns=$(client_ns "$c"); ifname=$WS_C1; [ "$c" = 2 ] && ifname=$WS_C2
        ip netns exec "$ns" wg set "$ifname" private-key "$dir/$c.key" \
            peer "$(cat "$dir/s.pub")" endpoint "$LAN_S:$WG_PORT" allowed-ips "100.64.0.0/24,$HOST_NET" \
            && ip -n "$ns" addr add "100.64.0.$((c + 1))/24" dev "$ifname" \
            && ip -n "$ns" link set "$ifname" mtu "$TUNNEL_MTU" up \
            && ip -n "$ns" route add "$HOST_NET" dev "$ifname" \
            || { NAT_WHY="configuring client c$c's wireguard-go failed"; return 1; }
    done
    ip netns exec "$NS_S" sysctl -qw net.ipv4.ip_forward=1 || { NAT_WHY="ip_forward failed"; return 1; }
    if command -v nft >/dev/null; then
        ip netns exec "$NS_S" nft add table ip nat \
            && ip netns exec "$NS_S" nft add chain ip nat postrouting \
                '{ type nat hook postrouting priority 100 ; }' \
            && ip netns exec "$NS_S" nft add rule ip nat postrouting oifname "$WAN_IF" masquerade \
            || { NAT_WHY="nft masquerade rule failed"; return 1; }
    elif ! masq_err=$(ip netns exec "$NS_S" python3 "$BENCH_DIR/nft_masquerade.py" --oifname "$WAN_IF" 2>&1); then
        local why="nft missing and nft_masquerade.py failed (${masq_err:-no message}): routed without NAT"
        ip -n "$NS_I" route add 100.64.0.0/24 via "$WAN_S" || { NAT_WHY="route back failed"; return 1; }
        want nat && record "nat/wireguard-go" note "$why"
        want two-clients && record "two-clients/wireguard-go" note "$why"
        log "nat/wireguard-go: $why; the internet host routes back"
    fi
    for c in $(nat_clients); do
        wait_nat_ping "$c" "${NAT_PIDS[@]}" || {
            NAT_WHY="client c$c got no ping through the server within ${UP_TIMEOUT}s"; return 1; }
    done
}

# ---------------------------------------------------------------- measuring

# iperf3 from client C to the internet host on PORT, FLAG "" (up) or -R (down), in the
# background; pid in LAST_PID.
start_nat_iperf() {
    local c=$1 port=$2 flag=$3 out=$4
    timeout $((SECS + 30)) ip netns exec "$(client_ns "$c")" \
        iperf3 -c "$HOST" -p "$port" -t "$SECS" -J --connect-timeout 5000 $flag >"$out" 2>"$out.err" &
    track $!
}

# CPU ticks of the server, then of every tunnel process of the run (server and
# clients), as "SERVER ALL".
nat_cpu_ticks() { echo "$(cpu_ticks "$SERVER_PID") $(cpu_ticks "${NAT_PIDS[@]}")"; }

# Records RUN's CPU time during the iperf3 run LABEL, from BEFORE (nat_cpu_ticks) to
# now: the server's (cpu_LABEL) and all tunnel processes' (cpu_ends_LABEL).
record_nat_cpu() {
    local run=$1 label=$2 before_server before_all after_server after_all
    read -r before_server before_all <<<"$3"
    read -r after_server after_all <<<"$(nat_cpu_ticks)"
    record "$run" "cpu_ends_$label" "$before_all" "$after_all"
    record "$run" "cpu_$label" "$before_server" "$after_server"
}

# One client, up and down, with the CPU time around each run; then pings.
measure_nat() {
    local impl=$1 dir=$2 run=nat/$1 label flag before pid loaded
    for label in fwd rev; do
        flag=""; [ $label = rev ] && flag=-R
        log "$run: iperf3 $label ${SECS}s"
        before=$(nat_cpu_ticks)
        loaded=""
        [ $label = fwd ] && { ping_under_load "$NS_C1" "$HOST" "$dir/nat-ping-load"; loaded=$LAST_PID; }
        start_nat_iperf 1 "$IPERF_PORT" "$flag" "$dir/nat-$label.json"
        pid=$LAST_PID; wait "$pid"; forget_pid "$pid"
        record_nat_cpu "$run" "$label" "$before"
        record "$run" "iperf_$label" "$dir/nat-$label.json"
        if [ -n "$loaded" ]; then
            wait "$loaded"; forget_pid "$loaded"
            record "$run" ping_load "$dir/nat-ping-load.txt"
        fi
    done
    log "$run: $PINGS pings"
    run_waiting "$dir/nat-ping.txt" "$dir/nat-ping.err" \
        timeout $((PINGS / 50 + 30)) ip netns exec "$NS_C1" ping -n -c "$PINGS" -i 0.01 -W 2 "$HOST"
    record "$run" ping "$dir/nat-ping.txt"
}

# Both clients at once, each to its own iperf3 server on the internet host; up only,
# to keep the whole run short.
measure_two_clients() {
    local impl=$1 dir=$2 run=two-clients/$1 label flag before p1 p2
    for label in fwd rev; do
        flag=""; [ $label = rev ] && flag=-R
        log "$run: two iperf3 $label at once ${SECS}s"
        before=$(nat_cpu_ticks)
        start_nat_iperf 1 "$IPERF_PORT" "$flag" "$dir/two-c1-$label.json"; p1=$LAST_PID
        start_nat_iperf 2 "$IPERF_PORT2" "$flag" "$dir/two-c2-$label.json"; p2=$LAST_PID
        wait "$p1"; wait "$p2"; forget_pid "$p1"; forget_pid "$p2"
        record_nat_cpu "$run" "$label" "$before"
        record "$run" "iperf_$label" "$dir/two-c1-$label.json" "$dir/two-c2-$label.json"
    done
}

run_nat_side() {
    local impl=$1 dir=$WORK/nat-$1 why
    mkdir -p "$dir"
    SERVER_PID="" NAT_PIDS=()
    if ! make_nat_topology >"$dir/topology.log" 2>&1; then
        why="could not build the NAT topology: $(head -c 200 "$dir/topology.log")"
    else
        start_iperf_server "$NS_I" "$HOST" "$IPERF_PORT" "$dir/iperf3-server.log"
        want two-clients && start_iperf_server "$NS_I" "$HOST" "$IPERF_PORT2" "$dir/iperf3-server2.log"
        log "nat/$impl: setting up"
        NAT_WHY=""
        if [ "$impl" = tunnel ]; then setup_nat_tunnel "$dir"; else setup_nat_wireguard_go "$dir"; fi
        why=$NAT_WHY
    fi
    if [ -z "$why" ]; then
        want nat && measure_nat "$impl" "$dir"
        want two-clients && measure_two_clients "$impl" "$dir"
    else
        want nat && fail_run "nat/$impl" "$why"
        want two-clients && fail_run "two-clients/$impl" "$why"
    fi
    local ns
    for ns in $NAT_NAMESPACES; do remove_namespace "$ns"; done
    remove_interface_files $NAT_INTERFACES
}

run_nat() {
    run_nat_side wireguard-go
    run_nat_side tunnel
}
