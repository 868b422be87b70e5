#!/usr/bin/env bash
# soak/soak.sh: runs a `tunnel server` with two `tunnel client`s for SOAK_SECONDS under
# mixed traffic (iperf3 TCP bursts, UDP echoes, pings, HTTP downloads), with a rekey
# every 10 s (the clients' hidden --test-rekey-after), a client restarted every
# minute and a throwaway peer added and removed every 20 s. Unlike bench.sh it is a
# pass/fail check: it exits 1 on a crash, on the server's RSS growing more than
# SOAK_LEAK_MB between the end of the warm-up and the end, on a client without a
# ping reply for more than SOAK_DOWN_LIMIT seconds (restarts included), on a corrupt
# download, or on a peer change the server did not pick up.
#
# Topology (namespaces named after this run's pid, removed on exit and on signals):
#   client1 -- server -- internet
#   client2 -- server
#
# Environment:
#   SOAK_SECONDS     run length (default 600)
#   SOAK_IPERF_RATE  iperf3 bitrate per burst (default 100M)
#   SOAK_LEAK_MB     allowed RSS growth of the server (default 8)
#   SOAK_DOWN_LIMIT  longest allowed stretch without a ping reply, seconds (default 10)
#   TUNNEL_BIN       the tunnel binary (default .build/release/tunnel)
#   SOAK_OUT         directory for the JSON result (default .soak)

set -u

LOG_NAME=soak
source "$(dirname "${BASH_SOURCE[0]}")/../lib/netns.sh"

readonly SECS=${SOAK_SECONDS:-600}
readonly IPERF_RATE=${SOAK_IPERF_RATE:-100M}
readonly LEAK_MB=${SOAK_LEAK_MB:-8}
readonly DOWN_LIMIT=${SOAK_DOWN_LIMIT:-10}
readonly OUT_DIR=${SOAK_OUT:-$ROOT/.soak}
KEEP_WORK=${SOAK_KEEP:-}

# Names carry this run's pid (TAG, from lib/netns.sh).
readonly NS_SERVER=sk$TAG-server NS_INTERNET=sk$TAG-internet
readonly NS_CLIENTS=(sk$TAG-client1 sk$TAG-client2)
readonly TUN_SERVER=sk${TAG}s
readonly TUN_CLIENTS=(sk${TAG}a sk${TAG}b)
readonly CLIENT_NAMES=(client1 client2)
# Each client reaches the server over its own link, as in ServerSystemTests.
readonly CLIENT_UNDER=(192.0.2.2/25 192.0.2.130/25)
readonly SERVER_UNDER=(192.0.2.1/25 192.0.2.129/25)
readonly SERVER_EXT=198.51.100.1 INTERNET=198.51.100.2
readonly SERVER_INNER=100.64.0.1/24 SERVER_INNER6=2001:db8:100::1/64
readonly SERVER_TUNNEL6=2001:db8:100::1
readonly WG_PORT=51820 HTTP_PORT=80 ECHO_PORT=7777
readonly IPERF_PORTS=(5201 5202)
readonly REKEY_SECONDS=10 RESTART_EVERY=60 CHURN_EVERY=20 RSS_EVERY=10
readonly DOWNLOAD_MB=8 UP_TIMEOUT=15 STOP_TIMEOUT=10 CHURN_TIMEOUT=10

CLIENT_PIDS=(0 0)
SERVER_PID=0
START_EPOCH=0

own_interfaces "$TUN_SERVER" "${TUN_CLIENTS[@]}"
# The traffic loops look for WORK/stop before each round.
cleanup_first() { [ -n "$WORK" ] && [ -d "$WORK" ] && touch "$WORK/stop"; return 0; }
netns_traps

# ---------------------------------------------------------------- checks

check_inputs() {
    if ! [[ "$SECS" =~ ^[0-9]+$ ]] || [ "$SECS" -lt 30 ]; then
        log "SOAK_SECONDS must be an integer of at least 30, got '$SECS'"; return 1
    fi
    if ! [[ "$LEAK_MB" =~ ^[0-9]+$ ]] || ! [[ "$DOWN_LIMIT" =~ ^[1-9][0-9]*$ ]]; then
        log "SOAK_LEAK_MB and SOAK_DOWN_LIMIT must be integers"; return 1
    fi
    need_root || { log "needs root (network namespaces, TUN devices)"; return 1; }
    [ -x "$TUNNEL_BIN" ] || { log "no binary at $TUNNEL_BIN (make build)"; return 1; }
    local missing
    missing=$(missing_tools ip iperf3 ping python3 timeout ss socat curl sha256sum)
    [ -z "$missing" ] || { log "missing tools:$missing (make deps installs them)"; return 1; }
}

# ---------------------------------------------------------------- results

# One line per fact (`record`, lib/netns.sh): KIND FIELDS...; report.py turns them
# into the table, the JSON and the verdict.
elapsed() { echo $(( $(date +%s) - START_EPOCH )); }

# ---------------------------------------------------------------- topology

make_topology() {
    local i
    add_namespaces "${NS_CLIENTS[@]}" "$NS_SERVER" "$NS_INTERNET" || return 1
    for i in 0 1; do
        veth_pair "${NS_CLIENTS[$i]}" eth0 "${CLIENT_UNDER[$i]}" "$NS_SERVER" "c$((i + 1))" \
            "${SERVER_UNDER[$i]}" || return 1
        ip -n "${NS_CLIENTS[$i]}" route add default via "${SERVER_UNDER[$i]%/*}" || return 1
    done
    veth_pair "$NS_SERVER" eth1 "$SERVER_EXT/24" "$NS_INTERNET" eth0 "$INTERNET/24" || return 1
    # The internet host has no route back to the clients' underlay or tunnel
    # addresses: a reply reaches a client only through the server's NAT.
    ip -n "$NS_SERVER" route add default via "$INTERNET"
}

start_internet() {
    mkdir -p "$WORK/www"
    dd if=/dev/urandom of="$WORK/www/file.bin" bs=1M count=$DOWNLOAD_MB status=none || return 1
    sha256sum "$WORK/www/file.bin" | cut -c1-64 >"$WORK/www.sha256"
    start_in "$NS_INTERNET" "$WORK/http.log" python3 -m http.server "$HTTP_PORT" --bind "$INTERNET" \
        --directory "$WORK/www"
    start_in "$NS_INTERNET" "$WORK/echo.log" socat "UDP4-RECVFROM:$ECHO_PORT,bind=$INTERNET,fork" PIPE
    local port
    for port in "${IPERF_PORTS[@]}"; do
        start_iperf_server "$NS_INTERNET" "$INTERNET" "$port" "$WORK/iperf3-server-$port.log" || return 1
    done
    wait_until 10 tcp_listening "$NS_INTERNET" "$HTTP_PORT"
}

start_server() {
    start_in "$NS_SERVER" "$WORK/server.log" "$TUNNEL_BIN" server --listen "0.0.0.0:$WG_PORT" \
        --config "$WORK/server.conf" --interface "$TUN_SERVER" \
        --address "$SERVER_INNER" --address "$SERVER_INNER6"
    SERVER_PID=$LAST_PID
    wait_until $UP_TIMEOUT link_exists "$NS_SERVER" "$TUN_SERVER" && kill -0 "$SERVER_PID" 2>/dev/null
}

# Client I (0 or 1) from its config in WORK; returns once a ping crosses the tunnel.
start_client() {
    local i=$1
    start_in "${NS_CLIENTS[$i]}" "$WORK/${CLIENT_NAMES[$i]}-run$2.log" "$TUNNEL_BIN" client \
        --config "$WORK/${CLIENT_NAMES[$i]}.conf" --interface "${TUN_CLIENTS[$i]}" \
        --test-rekey-after $REKEY_SECONDS
    CLIENT_PIDS[$i]=$LAST_PID
    wait_until $UP_TIMEOUT link_exists "${NS_CLIENTS[$i]}" "${TUN_CLIENTS[$i]}"
}

add_clients() {
    local i
    for i in 0 1; do
        (umask 077; "$TUNNEL_BIN" peer add "soak-${CLIENT_NAMES[$i]}" --config "$WORK/server.conf" \
            --endpoint "${SERVER_UNDER[$i]%/*}:$WG_PORT" >"$WORK/${CLIENT_NAMES[$i]}.conf") || return 1
    done
    # Started only once the server has both peers, so that no first initiation is
    # refused and counted as a drop.
    wait_until $UP_TIMEOUT peer_count_is 2 || { log "the server did not pick up the two clients"; return 1; }
    for i in 0 1; do
        start_client $i 0 || { log "${CLIENT_NAMES[$i]}: no interface within ${UP_TIMEOUT}s"; return 1; }
    done
    for i in 0 1; do
        wait_until $UP_TIMEOUT pinged "${NS_CLIENTS[$i]}" "$INTERNET" \
            || { log "${CLIENT_NAMES[$i]}: no ping through the tunnel within ${UP_TIMEOUT}s"; return 1; }
    done
}

# ---------------------------------------------------------------- traffic

# Each loop runs until WORK/stop exists and logs one line per attempt:
# "EPOCH_MS ok|fail|corrupt DETAIL" into WORK/traffic-KIND-CLIENT.
stopped() { [ -e "$WORK/stop" ]; }

download_loop() {
    local i=$1 ns=${NS_CLIENTS[$1]} out=$WORK/traffic-http-${CLIENT_NAMES[$1]} want
    want=$(cat "$WORK/www.sha256")
    while ! stopped; do
        if timeout 40 ip netns exec "$ns" curl -sS --max-time 30 -o "$WORK/dl-$i.bin" \
                "http://$INTERNET:$HTTP_PORT/file.bin" 2>>"$out.err"; then
            if [ "$(sha256sum "$WORK/dl-$i.bin" | cut -c1-64)" = "$want" ]; then
                echo "$(now_ms) ok $(stat -c %s "$WORK/dl-$i.bin")" >>"$out"
            else
                echo "$(now_ms) corrupt $(stat -c %s "$WORK/dl-$i.bin")" >>"$out"
            fi
        else
            echo "$(now_ms) fail 0" >>"$out"
            sleep 1
        fi
        rm -f "$WORK/dl-$i.bin"
        sleep 1
    done
}

iperf_loop() {
    local i=$1 ns=${NS_CLIENTS[$1]} port=${IPERF_PORTS[$1]} out=$WORK/traffic-iperf-${CLIENT_NAMES[$1]}
    local n=0 flag json=$WORK/iperf-$1.json
    while ! stopped; do
        flag=""; [ $((n % 2)) = 1 ] && flag=-R
        if timeout 20 ip netns exec "$ns" iperf3 -c "$INTERNET" -p "$port" -t 4 -b "$IPERF_RATE" \
                --connect-timeout 3000 -J $flag >"$json" 2>/dev/null; then
            echo "$(now_ms) ok $(python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["end"]["sum_received"]["bytes"]))' "$json" 2>/dev/null || echo 0)" >>"$out"
        else
            echo "$(now_ms) fail 0" >>"$out"
        fi
        n=$((n + 1))
        sleep 3
    done
}

echo_loop() {
    local i=$1 ns=${NS_CLIENTS[$1]} out=$WORK/traffic-udp-${CLIENT_NAMES[$1]} n=0 text got
    while ! stopped; do
        text="${CLIENT_NAMES[$i]}-$n"
        got=$(printf '%s\n' "$text" | timeout 5 ip netns exec "$ns" socat -T 2 - "UDP4:$INTERNET:$ECHO_PORT" 2>/dev/null)
        if [ "$got" = "$text" ]; then echo "$(now_ms) ok ${#text}" >>"$out"
        else echo "$(now_ms) fail 0" >>"$out"; fi
        n=$((n + 1))
        sleep 1
    done
}

# Pings through the tunnel, timestamped (-D) and saying when a reply is late (-O):
# report.py finds the longest stretch without a reply in these.
start_pings() {
    local i
    for i in 0 1; do
        start_in "${NS_CLIENTS[$i]}" "$WORK/ping-${CLIENT_NAMES[$i]}.log" ping -n -D -O -i 0.2 -W 1 "$INTERNET"
        start_in "${NS_CLIENTS[$i]}" "$WORK/ping6-${CLIENT_NAMES[$i]}.log" ping -6 -n -D -O -i 1 -W 1 "$SERVER_TUNNEL6"
    done
}

start_traffic() {
    local i
    start_pings
    for i in 0 1; do
        download_loop $i & track $!
        iperf_loop $i & track $!
        echo_loop $i & track $!
    done
}

# ---------------------------------------------------------------- events

server_rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status" 2>/dev/null; }
server_fds() { ls "/proc/$SERVER_PID/fd" 2>/dev/null | wc -l; }

server_status() { ip netns exec "$NS_SERVER" "$TUNNEL_BIN" status "$TUN_SERVER" --json 2>/dev/null; }

server_peer_count() {
    server_status | python3 -c 'import json,sys; print(json.load(sys.stdin)["interfaces"][0]["peer_count"])' 2>/dev/null
}

peer_count_is() { [ "$(server_peer_count)" = "$1" ]; }

# Stops the tunnel process PID (called NAME in failures) with SIGTERM: it must exit
# with status 0 within STOP_TIMEOUT. One that had already exited was reported by
# check_alive.
stop_checked() {
    local name=$1 pid=$2
    kill -0 "$pid" 2>/dev/null || return 0
    stop_child "$pid" $STOP_TIMEOUT || record failure "$name did not stop within ${STOP_TIMEOUT}s of SIGTERM"
    [ "$STOP_STATUS" = 0 ] || record failure "$name exited with status $STOP_STATUS on SIGTERM"
}

# Restarts client I: SIGTERM, a clean exit within STOP_TIMEOUT, then a new run.
restart_client() {
    local i=$1 run=$2 t0
    t0=$(now_ms)
    log "t=$(elapsed)s: restarting ${CLIENT_NAMES[$i]}"
    stop_checked "${CLIENT_NAMES[$i]}" "${CLIENT_PIDS[$i]}"
    if ! start_client "$i" "$run"; then
        record failure "${CLIENT_NAMES[$i]} restart $run: no interface within ${UP_TIMEOUT}s"
    fi
    record restart "${CLIENT_NAMES[$i]}" "$t0" "$(now_ms)"
}

# Adds (or removes) the throwaway peer and waits until the server's peer count says
# it noticed.
churn_peer() {
    local what=$1 n=$2 want=$3 t0 rc
    t0=$(now_ms)
    if [ "$what" = add ]; then
        "$TUNNEL_BIN" peer add "soak-churn-$n" --config "$WORK/server.conf" \
            --endpoint "${SERVER_UNDER[0]%/*}:$WG_PORT" >/dev/null 2>"$WORK/churn.err"
    else
        "$TUNNEL_BIN" peer remove "soak-churn-$n" --config "$WORK/server.conf" >/dev/null 2>"$WORK/churn.err"
    fi
    rc=$?
    t0=$(now_ms)
    if [ $rc != 0 ]; then
        record failure "tunnel peer $what soak-churn-$n failed: $(head -c 200 "$WORK/churn.err")"
    elif wait_until $CHURN_TIMEOUT peer_count_is "$want"; then
        record churn "$what" "$(( $(now_ms) - t0 ))"
    else
        record failure "the server did not see peer $what soak-churn-$n within ${CHURN_TIMEOUT}s"
    fi
}

check_alive() {
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        wait "$SERVER_PID"
        record failure "the server exited (status $?) at t=$(elapsed)s: $(tail -n 3 "$WORK/server.log" | tr '\n' ' ' | head -c 300)"
        return 1
    fi
    local i
    for i in 0 1; do
        if ! kill -0 "${CLIENT_PIDS[$i]}" 2>/dev/null; then
            wait "${CLIENT_PIDS[$i]}"
            record failure "${CLIENT_NAMES[$i]} exited (status $?) at t=$(elapsed)s"
            return 1
        fi
    done
}

# The schedule, in seconds since the start: restarts alternate between the clients,
# the churn peer is added every CHURN_EVERY seconds and removed half a period later.
# Each event has its next due time, so a slow step (a restart) delays events but
# never skips one.
run_schedule() {
    local warmup=$(( SECS / 4 < 30 ? SECS / 4 : 30 ))
    local t=0 restarts=0 churn=0 churn_present=0 rss have_start=0
    local next_rss=0 next_restart=$RESTART_EVERY next_add=0 next_remove=0
    START_EPOCH=$(date +%s)
    record start "$(now_ms)"
    while :; do
        t=$(elapsed)
        [ "$t" -ge "$SECS" ] && break
        check_alive || return 1
        if [ $have_start = 0 ] && [ "$t" -ge "$warmup" ]; then
            have_start=1
            rss=$(server_rss_kb); record rss_start "$t" "$rss"; record fds_start "$(server_fds)"
            log "t=${t}s: server RSS after warm-up ${rss} kB"
        fi
        if [ "$t" -ge $next_rss ]; then
            record rss "$t" "$(server_rss_kb)"; next_rss=$((next_rss + RSS_EVERY))
        fi
        if [ "$t" -ge $next_restart ]; then
            restarts=$((restarts + 1))
            restart_client $(( (restarts - 1) % 2 )) "$restarts"
            next_restart=$((next_restart + RESTART_EVERY))
        fi
        if [ $churn_present = 1 ] && [ "$t" -ge $next_remove ]; then
            churn_peer remove "$churn" 2
            churn_present=0
        elif [ $churn_present = 0 ] && [ "$t" -ge $next_add ]; then
            churn=$((churn + 1))
            churn_peer add "$churn" 3
            churn_present=1
            next_remove=$((next_add + CHURN_EVERY / 2))
            next_add=$((next_add + CHURN_EVERY))
        fi
        sleep 0.2
    done
    check_alive || return 1
    rss=$(server_rss_kb); record rss_end "$(elapsed)" "$rss"; record fds_end "$(server_fds)"
    log "t=$(elapsed)s: server RSS at the end ${rss} kB"
    server_status >"$WORK/status-end.json"
    # Packets the kernel had for the server but dropped because its TUN queue was full
    # (congestion, not counted by tunnel itself).
    ip -n "$NS_SERVER" -s -j link show dev "$TUN_SERVER" >"$WORK/tun-end.json" 2>/dev/null
    record end "$(now_ms)"
}

# Stops the traffic, then each client and the server with SIGTERM: each must exit 0.
stop_all() {
    touch "$WORK/stop"
    stop_started_traffic
    local i
    for i in 0 1; do stop_checked "${CLIENT_NAMES[$i]}" "${CLIENT_PIDS[$i]}"; done
    stop_checked "the server" "$SERVER_PID"
}

# Everything but the tunnel processes: loops, pings, internet services.
stop_started_traffic() {
    local keep=() p
    for p in "${PIDS[@]}"; do
        [ "$p" = "$SERVER_PID" ] || [ "$p" = "${CLIENT_PIDS[0]}" ] || [ "$p" = "${CLIENT_PIDS[1]}" ] && keep+=("$p")
    done
    local others=() k
    for p in "${PIDS[@]}"; do
        k=0; for q in "${keep[@]+"${keep[@]}"}"; do [ "$p" = "$q" ] && k=1; done
        [ $k = 0 ] && others+=("$p")
    done
    PIDS=("${others[@]+"${others[@]}"}")
    stop_started
    PIDS=("${keep[@]+"${keep[@]}"}")
}

# ---------------------------------------------------------------- main

record_machine() {
    {
        machine_facts
        printf 'tunnel\t%s\n' "$(timeout 5 "$TUNNEL_BIN" --version 2>/dev/null | head -n 1)"
        printf 'seconds\t%s\n' "$SECS"
        printf 'leak_limit_mb\t%s\n' "$LEAK_MB"
        printf 'down_limit_s\t%s\n' "$DOWN_LIMIT"
        printf 'rekey_s\t%s\n' "$REKEY_SECONDS"
        printf 'iperf_rate\t%s\n' "$IPERF_RATE"
    } >"$WORK/machine"
}

main() {
    check_inputs || return 1
    WORK=$(mktemp -d /tmp/soak.XXXXXX) || { log "mktemp failed"; return 1; }
    : >"$WORK/results"
    record_machine
    make_topology || { log "could not build the namespace topology"; return 1; }
    start_internet || { log "the internet host's services did not start"; return 1; }
    start_server || { log "the server did not start: $(tail -n 3 "$WORK/server.log")"; return 1; }
    add_clients || return 1
    start_traffic
    log "running ${SECS}s: rekey every ${REKEY_SECONDS}s, a client restart every ${RESTART_EVERY}s, peer churn every ${CHURN_EVERY}s"
    run_schedule
    printf 'loadavg_end\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$WORK/machine"
    stop_all
    mkdir -p "$OUT_DIR"
    python3 "$ROOT/soak/report.py" "$WORK" "$OUT_DIR"
}

main
