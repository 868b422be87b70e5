#!/usr/bin/env bash
# Runs each fuzz target (built by `make fuzz-build`) for FUZZ_SECONDS and prints one line
# per target: executions, executions per second, coverage. Fails if any target crashed,
# leaked, or hung; the input that did it is kept in .build-fuzz/artifacts/TARGET/.
# Usage: Fuzz/run.sh SECONDS TARGET...
set -u
seconds=$1; shift
dir=${FUZZ_DIR:-$(pwd)/.build-fuzz}
# libFuzzer must see the trap itself to save the input; Swift's backtracer would take it.
export SWIFT_BACKTRACE=enable=no
status=0
summary=""
for target in "$@"; do
    corpus=$dir/corpus/$target artifacts=$dir/artifacts/$target/ log=$dir/logs/$target.log
    mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
    echo "fuzzing $target for ${seconds}s (log: $log)"
    "$dir/release/$target" "$corpus" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$artifacts" >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    cov=$(grep -a -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*/[0-9a-zA-Z]*' "$log" | tail -1)
    line=$(printf '%-22s runs %-10s exec/s %-7s %s' "$target" "${runs:-?}" "${rate:-?}" "${cov:-}")
    if [ $rc -ne 0 ]; then
        status=1
        line="$line  FAILED (exit $rc): $(grep -a -m1 -E 'Fatal error|ERROR: |SUMMARY' "$log")"
        grep -a 'Test unit written to' "$log" >&2
    fi
    summary="$summary$line"$'\n'
done
printf '\n%s' "$summary"
exit $status
