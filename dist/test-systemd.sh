#!/bin/bash
# `make systemd-test`: the units under a real systemd. Two containers boot the cached
# Debian 12 tree (dist/systemd-rootfs.sh) with systemd as PID 1, each on a tmpfs overlay
# (the tree stays as it was), in network namespaces of this run joined by a veth pair:
# 192.0.2.1 the server's machine, 192.0.2.2 a client's. The .deb is installed in both;
# then, through nsenter into each container's init:
#   - tunnel-server.service starts and becomes active (Type=notify: through READY=1),
#     its StatusText is the server's STATUS= line, and the journal of that start has no
#     line at priority warning or above and none a library wrote to syslog;
#   - `tunnel peer add alice` on the server: the server's journal shows the peer added
#     and its STATUS counts it;
#   - tunnel-client@alice.service with that config becomes active, with a clean journal,
#     and pings the server's tunnel address;
#   - the server stopped with SIGSTOP is restarted by the watchdog within WatchdogSec
#     (the unit's, shortened to a few seconds by a drop-in) plus a margin (NRestarts up by one, a new main pid, active again, and the client
#     pings through it again);
#   - `systemctl stop` of both leaves each machine's rules, routes, links and sysctls as
#     they were before the start.
# Everything this run made (containers, namespaces, files) is removed at the end, pass
# or fail. Needs root, systemd-nspawn, /dev/net/tun.
# Usage: test-systemd.sh TOPDIR DEB
set -euo pipefail

[ "$(id -u)" = 0 ] || { echo "systemd-test: needs root" >&2; exit 1; }
for tool in systemd-nspawn nsenter ip; do
    command -v "$tool" >/dev/null || { echo "systemd-test: $tool is not installed (make deps)" >&2; exit 1; }
done
[ -c /dev/net/tun ] || { echo "systemd-test: no /dev/net/tun" >&2; exit 1; }

top=$1
deb=$(readlink -f "$2")
rootfs=$top/.build/systemd-rootfs
tag=tsd$$
server_ns=$tag-s client_ns=$tag-c
server_ip=192.0.2.1 client_ip=192.0.2.2
# The server's first tunnel address (Docs/server.md: the default --address).
server_tunnel_ip=100.64.0.1
watchdog_margin=${SYSTEMD_TEST_WATCHDOG_MARGIN:-20}
# WatchdogSec for this run's server (a drop-in over the shipped 30 s).
watchdog_test_seconds=6
boot_timeout=${SYSTEMD_TEST_BOOT_TIMEOUT:-90}

work=$(mktemp -d /tmp/tunnel-systemd-test.XXXXXX)
declare -A nspawn_pid=() leader=() cgroups=()
started=$(date +%s)

log() { printf 'systemd-test: %s\n' "$*" >&2; }
fail() {
    log "FAIL: $*"
    for m in "${!leader[@]}"; do
        log "--- journal of $m (last 60 lines) ---"
        in_c "$m" journalctl -b --no-pager -q -n 60 -o short-monotonic 2>&1 | sed "s/^/$m: /" >&2 || true
    done
    exit 1
}

# Runs CMD... inside container M (all its namespaces, a clean environment).
in_c() {
    local m=$1; shift
    nsenter -t "${leader[$m]}" -m -u -i -n -p -C -r -w \
        env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 SYSTEMD_PAGER= SYSTEMD_COLORS=0 "$@"
}

cleanup() {
    local rc=$? m p group
    set +e
    for m in "${!nspawn_pid[@]}"; do
        p=${nspawn_pid[$m]}
        # nspawn turns SIGTERM into an orderly shutdown of the container.
        kill -TERM "$p" 2>/dev/null
    done
    for m in "${!nspawn_pid[@]}"; do
        p=${nspawn_pid[$m]}
        for _ in $(seq 1 150); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$p" 2>/dev/null; then
            log "container $m did not shut down in 15 s: killing it"
            kill -KILL "$p" 2>/dev/null
            [ -n "${leader[$m]:-}" ] && kill -KILL "${leader[$m]}" 2>/dev/null
        fi
        wait "$p" 2>/dev/null
    done
    for m in "${!cgroups[@]}"; do
        for group in ${cgroups[$m]}; do
            find "$group" -depth -type d -exec rmdir {} + 2>/dev/null
            [ -d "$group" ] && log "could not remove cgroup $group"
        done
    done
    ip netns del "$server_ns" 2>/dev/null
    ip netns del "$client_ns" 2>/dev/null
    rm -rf "$work"
    log "$([ $rc = 0 ] && echo passed || echo failed) in $(( $(date +%s) - started )) s"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# Waits up to SECONDS for CMD... to succeed.
wait_for() {
    local seconds=$1; shift
    local deadline=$(( $(date +%s) + seconds ))
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}

# ------------------------------------------------------------------ machines

ip netns add "$server_ns"
ip netns add "$client_ns"
# The pair is made inside the run's own namespaces: the host's links are never touched.
ip -n "$server_ns" link add host0 type veth peer name host0 netns "$client_ns"
ip -n "$server_ns" addr add "$server_ip/24" dev host0
ip -n "$client_ns" addr add "$client_ip/24" dev host0
for ns in "$server_ns" "$client_ns"; do
    ip -n "$ns" link set lo up
    ip -n "$ns" link set host0 up
done
# Each machine's way out (the server finds its egress from the default route): through
# the other end, as on a real network.
ip -n "$server_ns" route add default via "$client_ip" dev host0
ip -n "$client_ns" route add default via "$server_ip" dev host0

# The cgroup directories this shell is in, where systemd-nspawn would make its "payload"
# and "supervisor" groups: the unified hierarchy and, on a hybrid host, systemd's named
# one. Each container's nspawn starts in a group of its own below them instead, removed
# at the end with everything nspawn and the container's systemd made inside it.
own_cgroups() {
    local line path
    while IFS= read -r line; do
        case $line in
            0::*) path=${line#0::}
                  if [ -d /sys/fs/cgroup/unified ]; then echo "/sys/fs/cgroup/unified${path%/}"
                  elif [ -f /sys/fs/cgroup/cgroup.controllers ]; then echo "/sys/fs/cgroup${path%/}"; fi ;;
            *:name=systemd:*) path=${line#*:name=systemd:}
                  [ -d /sys/fs/cgroup/systemd ] && echo "/sys/fs/cgroup/systemd${path%/}" ;;
        esac
    done </proc/self/cgroup
}
boot() {
    local m=$1 ns=$2 base
    for base in $(own_cgroups); do
        mkdir "$base/$m"
        cgroups[$m]+=" $base/$m"
    done
    # shellcheck disable=SC2086
    (for group in ${cgroups[$m]}; do echo "$BASHPID" >"$group/cgroup.procs"; done
     exec systemd-nspawn --quiet --register=no --keep-unit --boot --directory="$rootfs" --volatile=overlay \
        --machine="$m" --network-namespace-path="/run/netns/$ns" \
        --capability=CAP_NET_ADMIN,CAP_NET_RAW --bind=/dev/net/tun --console=passive) \
        >"$work/$m.console" 2>&1 </dev/null &
    nspawn_pid[$m]=$!
}

# The container's init: the process under nspawn that is PID 1 in its own namespace.
find_leader() {
    local m=$1 p c
    for p in $(cat /proc/"${nspawn_pid[$m]}"/task/*/children 2>/dev/null); do
        c=$(sed -n 's/^NSpid:\t[0-9]*\t\([0-9]*\)$/\1/p' "/proc/$p/status" 2>/dev/null)
        if [ "$c" = 1 ]; then leader[$m]=$p; return 0; fi
    done
    return 1
}

# Degraded counts: a unit of the minimal OS failing (logged below) is not ours to judge.
booted() {
    local state
    state=$(in_c "$1" systemctl is-system-running 2>/dev/null) || true
    [ "$state" = running ] || [ "$state" = degraded ]
}

server=$tag-server client=$tag-client
boot "$server" "$server_ns"
boot "$client" "$client_ns"
for m in "$server" "$client"; do
    wait_for 30 find_leader "$m" || { cat "$work/$m.console" >&2; fail "container $m has no init after 30 s"; }
done
for m in "$server" "$client"; do
    wait_for "$boot_timeout" booted "$m" || {
        cat "$work/$m.console" >&2
        fail "container $m not booted after $boot_timeout s: $(in_c "$m" systemctl is-system-running 2>&1)"
    }
    if [ "$(in_c "$m" systemctl is-system-running || true)" = degraded ]; then
        log "$m is degraded: $(in_c "$m" systemctl --failed --no-legend --plain | tr '\n' ' ')"
    fi
done
log "containers booted in $(( $(date +%s) - started )) s"

for m in "$server" "$client"; do
    cp "$deb" "/proc/${leader[$m]}/root/root/tunnel.deb"
    in_c "$m" dpkg -i /root/tunnel.deb >"$work/$m.dpkg" 2>&1 || { cat "$work/$m.dpkg" >&2; fail "dpkg -i in $m"; }
done

# What the services change and must put back: rules (the `lookup local` priority among
# them), routes of every table, links, and the sysctls they set.
host_state() {
    in_c "$1" sh -c 'ip -4 rule; ip -6 rule; ip -4 route show table all; ip -6 route show table all;
        ip -o link | cut -d: -f2; ip -br addr;
        cd /proc/sys/net && grep -H . ipv4/ip_forward ipv6/conf/all/forwarding ipv4/conf/all/src_valid_mark \
            ipv4/conf/all/rp_filter ipv4/conf/default/rp_filter' | sort
}
host_state "$server" >"$work/server.before" || fail "cannot read the server machine's network state"
host_state "$client" >"$work/client.before" || fail "cannot read the client machine's network state"

# A journal cursor taken before a start, so that checks read only what followed it.
# Read with --cursor (from that entry on), never --after-cursor: with matches, journalctl
# 252 then skips the first matching entry when the cursor's own entry does not match.
# The cursor's entry itself predates what is checked and belongs to no unit under test.
cursor() { in_c "$1" journalctl -n 0 --show-cursor -q | sed -n 's/^-- cursor: //p'; }
# Lines of UNIT since CURSOR at priority warning or above, systemd's own included, and
# what the unit's processes wrote to syslog: the program logs to standard error with
# its own levels, so a syslog line comes from a library. libdispatch's "Failed to set
# thread priority for worker thread ... errno=13" arrives that way, at notice.
warnings_since() {
    in_c "$1" journalctl --no-pager -q -o short-monotonic -p warning --cursor="$3" -u "$2"
    in_c "$1" journalctl --no-pager -q -o short-monotonic --cursor="$3" \
        "_SYSTEMD_UNIT=$2.service" _TRANSPORT=syslog
}
unit_prop() { in_c "$1" systemctl show -p "$3" --value "$2"; }
is_active() { [ "$(in_c "$1" systemctl is-active "$2")" = active ]; }

# ------------------------------------------------------------------ the server

printf 'LISTEN=%s:51820\n' "$server_ip" >"/proc/${leader[$server]}/root/etc/default/tunnel-server"
# The shipped unit has a watchdog; this run shortens it with a drop-in, as an operator
# would, so that waiting for it to fire takes seconds, not half a minute.
grep -q '^WatchdogSec=[1-9]' "/proc/${leader[$server]}/root/lib/systemd/system/tunnel-server.service" ||
    fail "the installed tunnel-server.service sets no WatchdogSec"
mkdir -p "/proc/${leader[$server]}/root/etc/systemd/system/tunnel-server.service.d"
printf '[Service]\nWatchdogSec=%ss\n' "$watchdog_test_seconds" \
    >"/proc/${leader[$server]}/root/etc/systemd/system/tunnel-server.service.d/test-watchdog.conf"
in_c "$server" systemctl daemon-reload || fail "systemctl daemon-reload failed"
c0=$(cursor "$server")
log "systemctl start tunnel-server"
in_c "$server" timeout 60 systemctl start tunnel-server || fail "systemctl start tunnel-server failed"
wait_for 20 is_active "$server" tunnel-server || fail "tunnel-server is $(in_c "$server" systemctl is-active tunnel-server)"
status=$(unit_prop "$server" tunnel-server StatusText)
[[ "$status" =~ ^[0-9]+\ peers?,\ [0-9]+\ sessions?$ ]] || fail "tunnel-server StatusText is '$status', not the STATUS= line"
log "tunnel-server active, status '$status'"
server_pid=$(unit_prop "$server" tunnel-server MainPID)
# What the server changed, so that the comparison after its stop means something.
host_state "$server" | cmp -s - "$work/server.before" && fail "the running server changed no rule, route, link or sysctl"
# Past the worker lanes' and the first status timer's start, where warnings came.
sleep 6
w=$(warnings_since "$server" tunnel-server "$c0")
[ -z "$w" ] || fail "tunnel-server's start logged at warning or above, or through syslog:"$'\n'"$w"

(umask 077; in_c "$server" tunnel peer add alice >"$work/alice.conf") || fail "tunnel peer add alice"
grep -q "^Endpoint = $server_ip:51820" "$work/alice.conf" || fail "alice.conf has no 'Endpoint = $server_ip:51820'"
peer_added() { in_c "$server" journalctl --no-pager -q -u tunnel-server --cursor="$c0" | grep -q 'peer alice added'; }
wait_for 10 peer_added || fail "the server's journal does not show 'peer alice added' within 10 s"
one_peer() { [[ "$(unit_prop "$server" tunnel-server StatusText)" == "1 peer,"* ]]; }
wait_for 15 one_peer || fail "StatusText does not count the new peer: '$(unit_prop "$server" tunnel-server StatusText)'"
log "peer add: journal and status follow"

# ------------------------------------------------------------------ a client

install -m 0600 "$work/alice.conf" "/proc/${leader[$client]}/root/etc/tunnel/alice.conf" 2>/dev/null || {
    mkdir -p -m 0700 "/proc/${leader[$client]}/root/etc/tunnel"
    install -m 0600 "$work/alice.conf" "/proc/${leader[$client]}/root/etc/tunnel/alice.conf"
}
c1=$(cursor "$client")
log "systemctl start tunnel-client@alice"
in_c "$client" timeout 60 systemctl start tunnel-client@alice || fail "systemctl start tunnel-client@alice failed"
wait_for 20 is_active "$client" tunnel-client@alice || fail "tunnel-client@alice is not active"
ping_server() { in_c "$client" ping -c 1 -W 1 "$server_tunnel_ip"; }
wait_for 15 ping_server || fail "the client does not reach $server_tunnel_ip through the tunnel"
host_state "$client" | cmp -s - "$work/client.before" && fail "the running client changed no rule, route, link or sysctl"
log "tunnel-client@alice active, status '$(unit_prop "$client" tunnel-client@alice StatusText)', pings $server_tunnel_ip"
sleep 6
w=$(warnings_since "$client" tunnel-client@alice "$c1")
[ -z "$w" ] || fail "tunnel-client@alice's start logged at warning or above, or through syslog:"$'\n'"$w"
one_session() { [[ "$(unit_prop "$server" tunnel-server StatusText)" == *", 1 session" ]]; }
wait_for 10 one_session || fail "server StatusText shows no session: '$(unit_prop "$server" tunnel-server StatusText)'"

# ------------------------------------------------------------------ the watchdog

watchdog_usec=$(unit_prop "$server" tunnel-server WatchdogUSec)
watchdog=$(in_c "$server" systemd-analyze timespan "$watchdog_usec" | sed -n 's/^ *μs: *//p')
[[ "$watchdog" =~ ^[0-9]+$ ]] || fail "cannot read WatchdogSec ('$watchdog_usec')"
watchdog=$(( watchdog / 1000000 ))
restarts=$(unit_prop "$server" tunnel-server NRestarts)
c2=$(cursor "$server")
log "SIGSTOP to the server (main pid $server_pid); WatchdogSec=${watchdog}s"
in_c "$server" sh -c 'kill -STOP "$1"' sh "$server_pid"
stopped_at=$(date +%s)
restarted() {
    [ "$(unit_prop "$server" tunnel-server NRestarts)" -gt "$restarts" ] &&
        is_active "$server" tunnel-server &&
        [ "$(unit_prop "$server" tunnel-server MainPID)" != "$server_pid" ]
}
wait_for $(( watchdog + watchdog_margin )) restarted ||
    fail "not restarted within WatchdogSec ${watchdog}s + ${watchdog_margin}s: $(in_c "$server" systemctl status --no-pager tunnel-server 2>&1 | head -n 8)"
new_pid=$(unit_prop "$server" tunnel-server MainPID)
log "restarted after $(( $(date +%s) - stopped_at )) s: NRestarts $(unit_prop "$server" tunnel-server NRestarts), main pid $new_pid"
in_c "$server" journalctl --no-pager -q -u tunnel-server --cursor="$c2" | grep -q -i watchdog ||
    fail "the journal does not say the watchdog fired"
wait_for 30 ping_server || fail "the client does not reach the restarted server"
sleep 2
# The restarted server's own lines: a normal start again.
w=$(in_c "$server" journalctl --no-pager -q -p warning "_PID=$new_pid"
   in_c "$server" journalctl --no-pager -q "_PID=$new_pid" _TRANSPORT=syslog)
[ -z "$w" ] || fail "the restarted server logged at warning or above, or through syslog:"$'\n'"$w"
log "the client pings through the restarted server"

# ------------------------------------------------------------------ stop

for pair in "$client tunnel-client@alice client" "$server tunnel-server server"; do
    read -r m unit name <<<"$pair"
    in_c "$m" timeout 30 systemctl stop "$unit" || fail "systemctl stop $unit failed"
    state=$(in_c "$m" systemctl is-active "$unit" || true)
    [ "$state" = inactive ] || fail "$unit is $state after stop"
    result=$(unit_prop "$m" "$unit" Result)
    [ "$result" = success ] || fail "$unit stopped with result $result"
    host_state "$m" >"$work/$name.after"
    diff -u "$work/$name.before" "$work/$name.after" >&2 || fail "$unit did not put back the $name's network state"
    log "$unit stopped cleanly; rules, routes, links and sysctls as before"
done
