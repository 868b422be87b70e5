# lib/netns.sh: what bench/bench.sh (with bench/nat.sh and bench/flood.sh),
# soak/soak.sh and demo/demo.sh share: names unique to this run, the tunnel binary,
# namespaces and veth links, background processes, waiting for a condition, keys,
# and a cleanup that removes all of it on exit, on failure and on signals.
# Sourced, never run; needs bash. A script sets LOG_NAME (the prefix of its `log`
# lines) before it sources this file, then calls `netns_traps` once.
#
# House rules it serves: nothing here touches the root namespace's links, routes or
# rules; every namespace a script registers with `own_namespaces` and every process
# it starts with `start_in` or `track` is removed or stopped when the script ends.

# The repository, the binary under test, and names unique to this run: every
# namespace and interface name carries the script's pid. Tunnel interface names must
# be unique machine-wide (at most 15 bytes; pids have at most 7 digits): the UAPI
# socket directory and tunnel's state directory are shared by all namespaces.
readonly ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly TUNNEL_BIN=${TUNNEL_BIN:-$ROOT/.build/release/tunnel}
readonly TAG=$$
readonly UAPI_DIR=/var/run/wireguard STATE_DIR=/run/tunnel

WORK=""          # the run's temporary directory, removed at the end (unless KEEP_WORK)
KEEP_WORK=""
PIDS=()          # every background process this script started and has not reaped
OWNED_NS=()      # namespaces to remove at the end, in this order
OWNED_IF=()      # interface names whose socket and state files to remove at the end
LAST_PID=""
# How long a process gets between SIGTERM and SIGKILL, in tenths of a second.
STOP_GRACE_TENTHS=${STOP_GRACE_TENTHS:-30}

log() { printf '%s: %s\n' "${LOG_NAME:-netns}" "$*" >&2; }

# One fact per line into WORK/results, for the script's report.py (a message that
# spans lines, such as a tool's error output, is kept on one).
record() { local line="$*"; printf '%s\n' "${line//$'\n'/ }" >>"$WORK/results"; }

now_ms() { date +%s%3N; }

# ---------------------------------------------------------------- checks

need_root() { [ "$(id -u)" = 0 ]; }

# Prints the TOOLs that are not on PATH, space-separated, each after a space.
missing_tools() {
    local tool missing=""
    for tool in "$@"; do command -v "$tool" >/dev/null || missing="$missing $tool"; done
    printf '%s' "$missing"
}

# Lines "key<TAB>value" every report starts from: when and where it ran.
machine_facts() {
    printf 'date\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    printf 'stamp\t%s\n' "$(date +%Y%m%d-%H%M%S)"
    printf 'kernel\t%s\n' "$(uname -r)"
    printf 'cores\t%s\n' "$(nproc)"
    printf 'loadavg\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
}

# ---------------------------------------------------------------- processes

# Starts CMD... in namespace NS in the background, output to LOGFILE; its pid goes to
# LAST_PID and PIDS. `ip netns exec` execs in place, so the pid is the program itself.
start_in() {
    local ns=$1 logfile=$2; shift 2
    ip netns exec "$ns" "$@" >"$logfile" 2>&1 &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
}

# Remembers PID (a background job of this shell) so that the cleanup stops it.
track() { PIDS+=("$1"); LAST_PID=$1; }

forget_pid() {
    local keep=() p
    for p in "${PIDS[@]+"${PIDS[@]}"}"; do [ "$p" != "$1" ] && keep+=("$p"); done
    PIDS=("${keep[@]+"${keep[@]}"}")
}

# SIGTERM to each PID, then up to STOP_GRACE_TENTHS for them to go (daemons remove
# their own sockets and interfaces and put back what they changed), then SIGKILL.
kill_pids() {
    local pid alive=() i left
    for pid in "$@"; do kill -TERM "$pid" 2>/dev/null && alive+=("$pid"); done
    for ((i = 0; i < STOP_GRACE_TENTHS; i++)); do
        left=()
        for pid in "${alive[@]+"${alive[@]}"}"; do kill -0 "$pid" 2>/dev/null && left+=("$pid"); done
        [ ${#left[@]} -eq 0 ] && return 0
        alive=("${left[@]}")
        sleep 0.1
    done
    for pid in "${alive[@]}"; do kill -KILL "$pid" 2>/dev/null; done
    return 0
}

# Stops every process in PIDS and what each runs right now (a loop in a subshell, or
# the command behind `timeout`). Only pids that are still this shell's children: one
# that has exited may have been reused by the system for someone else's process.
stop_started() {
    local pid mine=() kids=()
    for pid in "${PIDS[@]+"${PIDS[@]}"}"; do
        [ "$(ps -o ppid= -p "$pid" 2>/dev/null | tr -d ' ')" = "$$" ] || continue
        mine+=("$pid")
        kids+=($(ps -o pid= --ppid "$pid" 2>/dev/null))
    done
    [ ${#mine[@]} -gt 0 ] && kill_pids "${mine[@]}"
    [ ${#kids[@]} -gt 0 ] && kill_pids "${kids[@]}"
    PIDS=()
}

# Starts `iperf3 -s` in NS on ADDR:PORT and waits (up to 10 s) until it
# listens; pid in LAST_PID.
start_iperf_server() {
    local ns=$1 addr=$2 port=$3 logfile=$4
    start_in "$ns" "$logfile" iperf3 -s -B "$addr" -p "$port"
    wait_until -p "$LAST_PID" 10 tcp_listening "$ns" "$port"
}

# Sends SIGTERM to PID, a child of this shell, and waits up to TIMEOUT seconds for it
# to exit. Returns 0 if it did, 1 if it had to be killed; either way it is reaped,
# forgotten, and its exit status is in STOP_STATUS.
stop_child() {
    local pid=$1 timeout=$2 rc=0
    kill -TERM "$pid" 2>/dev/null
    if ! wait_until "$timeout" process_gone "$pid"; then
        kill -KILL "$pid" 2>/dev/null
        rc=1
    fi
    wait "$pid"
    STOP_STATUS=$?
    forget_pid "$pid"
    return $rc
}

# Runs CMD... in the background with stdout to OUT and stderr to ERR, and waits for
# it, so that a signal reaches the traps at once instead of after a long run. (The
# redirections live here, not on the call, so the traps still print to stderr.)
run_waiting() {
    local out=$1 err=$2 rc; shift 2
    "$@" >"$out" 2>"$err" &
    track $!
    wait "$LAST_PID"
    rc=$?
    forget_pid "$LAST_PID"
    return $rc
}

# ---------------------------------------------------------------- waiting

# wait_until [-p PID] TIMEOUT CHECK...: runs CHECK... every 0.1 s until it succeeds
# (0) or TIMEOUT seconds pass (1); with -p, gives up (1) as soon as PID has exited.
wait_until() {
    local pid=""
    if [ "$1" = -p ]; then pid=$2; shift 2; fi
    local deadline=$(( $(now_ms) + $1 * 1000 )); shift
    while [ "$(now_ms)" -lt $deadline ]; do
        "$@" 2>/dev/null && return 0
        [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null && return 1
        sleep 0.1
    done
    return 1
}

# Checks for wait_until.
process_gone() { ! kill -0 "$1" 2>/dev/null; }
link_exists() { ip -n "$1" link show dev "$2" >/dev/null 2>&1; }
link_gone() { ! link_exists "$@"; }
tcp_listening() { [ -n "$(ip netns exec "$1" ss -Hltn "sport = :$2")" ]; }
udp_listening() { [ -n "$(ip netns exec "$1" ss -Hlun "sport = :$2")" ]; }
pinged() { ip netns exec "$1" ping -n -c 1 -W 1 "$2" >/dev/null 2>&1; }
logged() { grep -q -F "$2" "$1" 2>/dev/null; }
# The UAPI socket of every IFNAME exists.
uapi_sockets() {
    local ifname
    for ifname in "$@"; do [ -S "$UAPI_DIR/$ifname.sock" ] || return 1; done
}

# ---------------------------------------------------------------- topology

# Registers NS... for removal at the end, creates them and brings up their loopback.
add_namespaces() {
    local ns
    own_namespaces "$@"
    for ns in "$@"; do ip netns add "$ns" && ip -n "$ns" link set lo up || return 1; done
}

# Registers NS... (or, below, interface names) once each for the cleanup.
own_namespaces() {
    local ns
    for ns in "$@"; do [[ " ${OWNED_NS[*]+${OWNED_NS[*]}} " == *" $ns "* ]] || OWNED_NS+=("$ns"); done
}
own_interfaces() { OWNED_IF+=("$@"); }

# A veth pair: NAME_A in NS_A with ADDR_A (CIDR; "" for none), NAME_B in NS_B with
# ADDR_B, both up. Created inside NS_A, so the root namespace never sees it.
veth_pair() {
    local ns_a=$1 name_a=$2 addr_a=$3 ns_b=$4 name_b=$5 addr_b=$6
    ip -n "$ns_a" link add "$name_a" type veth peer name "$name_b" netns "$ns_b" || return 1
    if [ -n "$addr_a" ]; then ip -n "$ns_a" addr add "$addr_a" dev "$name_a" || return 1; fi
    if [ -n "$addr_b" ]; then ip -n "$ns_b" addr add "$addr_b" dev "$name_b" || return 1; fi
    ip -n "$ns_a" link set "$name_a" up && ip -n "$ns_b" link set "$name_b" up
}

# A bridge NAME in NS with address ADDR (CIDR), up.
add_bridge() {
    local ns=$1 name=$2 addr=$3
    ip -n "$ns" link add "$name" type bridge && ip -n "$ns" addr add "$addr" dev "$name" \
        && ip -n "$ns" link set "$name" up
}

# Plugs namespace NS into bridge BRIDGE in BRIDGE_NS: a veth PORT on the bridge, its
# other end eth0 in NS with ADDR (CIDR).
plug_into_bridge() {
    local bridge_ns=$1 bridge=$2 port=$3 ns=$4 addr=$5
    veth_pair "$bridge_ns" "$port" "" "$ns" eth0 "$addr" \
        && ip -n "$bridge_ns" link set "$port" master "$bridge"
}

# ---------------------------------------------------------------- keys

# A WireGuard key pair in DIR/NAME.key (mode 0600) and DIR/NAME.pub, for each NAME.
wg_keypairs() {
    local dir=$1 name; shift
    for name in "$@"; do
        (umask 077; wg genkey >"$dir/$name.key") && wg pubkey <"$dir/$name.key" >"$dir/$name.pub" \
            || return 1
    done
}

# ---------------------------------------------------------------- cleanup

# Removes namespace NS if it exists, stopping first whatever runs inside (anything in
# our own namespaces was started by this script).
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

# What a finished run should have removed and did not: one line each.
leftovers() {
    local ns ifname
    for ns in "${OWNED_NS[@]+"${OWNED_NS[@]}"}"; do
        [ -e "/var/run/netns/$ns" ] && echo "namespace $ns"
        [ -e "/etc/netns/$ns" ] && echo "/etc/netns/$ns"
    done
    for ifname in "${OWNED_IF[@]+"${OWNED_IF[@]}"}"; do
        [ -e "$UAPI_DIR/$ifname.sock" ] && echo "$UAPI_DIR/$ifname.sock"
        [ -e "$STATE_DIR/$ifname.state" ] && echo "$STATE_DIR/$ifname.state"
    done
    [ -n "$WORK" ] && [ -e "$WORK" ] && echo "$WORK"
    return 0
}

# Hooks a script may define again after sourcing this file: cleanup_first runs before
# anything is stopped, cleanup_last after the processes and namespaces are gone.
cleanup_first() { :; }
cleanup_last() { :; }

# Removes everything the script made. Safe to run again, and run again in full if a
# signal cut it short: processes are stopped namespace by namespace in the order they
# were registered (so clients can say goodbye to a server registered after them), then
# whatever else was started, then the namespaces go, then files and WORK.
cleanup() {
    [ "${CLEANED:-0}" = 1 ] && return 0
    cleanup_first
    local ns
    for ns in "${OWNED_NS[@]+"${OWNED_NS[@]}"}"; do remove_namespace "$ns"; done
    stop_started
    cleanup_last
    remove_interface_files "${OWNED_IF[@]+"${OWNED_IF[@]}"}"
    if [ -n "$WORK" ] && [ -e "$WORK" ]; then
        if [ -n "$KEEP_WORK" ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
    fi
    CLEANED=1
    return 0
}

# How a signal is announced; a script may define it again.
interrupted() { log "interrupted ($1), cleaning up"; }

on_signal() {
    # A second Ctrl-C must not cut the cleanup short; it takes a few seconds at most.
    trap '' INT TERM HUP
    interrupted "$1"
    cleanup
    trap - EXIT
    exit "$2"
}

on_exit() {
    trap '' INT TERM HUP
    cleanup
}

# Installs the traps: the cleanup runs on every exit, and a signal exits 128 + its
# number once it has run.
netns_traps() {
    trap on_exit EXIT
    trap 'on_signal SIGINT 130' INT
    trap 'on_signal SIGTERM 143' TERM
    trap 'on_signal SIGHUP 129' HUP
}
