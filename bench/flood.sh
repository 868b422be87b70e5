# bench/flood.sh: the `flood` part of bench/bench.sh (sourced by it, not run alone).
# Runs the FloodMeasurement XCTest (what `make flood-bench` runs: a client's ping to
# the server during 5 s of each handshake flood, tunnel server and wireguard-go as the
# server) straight from the test bundle, and keeps its output for report.py, which
# reads the lines after "FLOODS". The bundle comes from `swift build --build-tests`;
# without it the part is reported as not run.

FLOOD_PID=""

run_flood() {
    local dir=$WORK/flood
    mkdir -p "$dir"
    if ! [ -x "$TEST_BUNDLE" ]; then
        fail_run flood "not run: no test build at $TEST_BUNDLE (swift build --build-tests)"
        return
    fi
    [ -x "$TUNNEL_BIN" ] || { fail_run flood "no binary at $TUNNEL_BIN (make build)"; return; }
    log "flood: FloodMeasurement (about 40 s)"
    # Not through `timeout`, so that FLOOD_PID is the test process itself and its
    # namespaces can be found by its pid if it has to be stopped.
    env TUNNEL_BIN="$TUNNEL_BIN" "$TEST_BUNDLE" SystemTests.FloodMeasurement/testMeasureHandshakeFloods \
        >"$dir/output.txt" 2>&1 &
    FLOOD_PID=$!
    track "$FLOOD_PID"
    wait "$FLOOD_PID"
    local rc=$?
    forget_pid "$FLOOD_PID"
    FLOOD_PID=""
    if ! grep -q '^FLOODS' "$dir/output.txt"; then
        fail_run flood "FloodMeasurement printed no FLOODS table (exit $rc): $(grep -m 1 -E 'error|failed' \
            "$dir/output.txt" | head -c 200)"
        return
    fi
    record flood output "$dir/output.txt"
}

# If the test process was stopped halfway (Ctrl-C), its teardown did not run: remove
# what the harness made under its pid. Topology names namespaces "tt<pid>x<n>..." and
# its interfaces (and their files) "t<pid in base 36><n>...".
flood_cleanup() {
    [ -n "$FLOOD_PID" ] || return 0
    kill_pids "$FLOOD_PID"
    local ns prefix36 f
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
        [[ "$ns" == "tt${FLOOD_PID}x"* ]] && remove_namespace "$ns"
    done
    prefix36=t$(python3 -c "import sys
n = int(sys.argv[1]); d = ''
while n: n, r = divmod(n, 36); d = '0123456789abcdefghijklmnopqrstuvwxyz'[r] + d
print(d)" "$FLOOD_PID")
    # The counter is 1 to 4 here (four topologies), which keeps other pids' files out.
    for f in "$UAPI_DIR/$prefix36"[1-4]* "$STATE_DIR/$prefix36"[1-4]*; do
        [ -e "$f" ] && rm -f "$f"
    done
    rm -rf "/tmp/tt${FLOOD_PID}x"*
    FLOOD_PID=""
}
