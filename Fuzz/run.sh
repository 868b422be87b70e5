#!/usr/bin/env bash
# Runs the fuzz targets built by `make fuzz-build`, one after the other, and prints one
# line per target: executions, executions per second, coverage. Fails if any target
# crashed, leaked, or hung; the input that did it is kept in .build-fuzz/artifacts/TARGET/.
#
#   Fuzz/run.sh time SECONDS TARGET...       `make fuzz`: depth. Each target for SECONDS,
#       growing .build-fuzz/corpus/TARGET from run to run, with the committed
#       Fuzz/corpus/TARGET read as well. libFuzzer picks the seed; the line shows it.
#   Fuzz/run.sh smoke RUNS SEED TARGET...    `make fuzz-smoke`: RUNS inputs per target
#       from the committed corpus alone, with -seed=SEED. The same tree, RUNS and SEED
#       give the same run anywhere (same inputs, same coverage), so a CI failure replays
#       with the command it prints.
#   Fuzz/run.sh corpus SECONDS SEED TARGET... `make fuzz-corpus`: makes Fuzz/corpus/TARGET
#       again: a seeded run of SECONDS from the target's own seeds, inputs of at most
#       FUZZ_CORPUS_MAX_LEN bytes, then minimised (-merge=1) to the inputs that each add
#       coverage.
set -u
mode=$1; shift
case $mode in
    time) seconds=$1; shift ;;
    smoke) runs=$1 seed=$2; shift 2 ;;
    corpus) seconds=$1 seed=$2; shift 2 ;;
    *) echo "usage: $0 time SECONDS | smoke RUNS SEED | corpus SECONDS SEED, then TARGET..." >&2; exit 2 ;;
esac
dir=${FUZZ_DIR:-$(pwd)/.build-fuzz}
committed=$(cd "$(dirname "$0")" && pwd)/corpus
# libFuzzer must see the trap itself to save the input; Swift's backtracer would take it.
export SWIFT_BACKTRACE=enable=no
# Swift seeds its hashing per process; with it, dictionary probes (edges libFuzzer
# counts) differ between runs, and so would the corpus a seeded run grows.
export SWIFT_DETERMINISTIC_HASHING=1
# Dictionaries keyed by ObjectIdentifier hash heap addresses, and ASLR moves the heap
# from run to run; without it a seeded run takes the same paths every time. Where
# personality(2) is refused (some container profiles) runs may differ by a few edges.
fixed=()
if setarch "$(uname -m)" -R true 2>/dev/null; then
    fixed=(setarch "$(uname -m)" -R)
elif [ "$mode" != time ]; then
    echo "note: setarch -R refused here; address randomisation stays on, so runs may differ slightly" >&2
fi

# The committed inputs as one -seed_inputs list, in name order: libFuzzer keeps the
# order of a list, where a folder's would be the file system's.
seed_list() {
    find "$committed/$1" -type f -printf '%p\n' 2>/dev/null | LC_ALL=C sort | paste -sd, -
}

status=0
summary=""
case $mode in
    smoke) echo "fuzz-smoke: seed $seed, $runs inputs per target, from Fuzz/corpus/TARGET" ;;
    corpus) echo "fuzz-corpus: seed $seed, ${seconds}s per target, into Fuzz/corpus/TARGET" ;;
esac
for target in "$@"; do
    artifacts=$dir/artifacts/$target/ log=$dir/logs/$target.log
    mkdir -p "$artifacts" "$(dirname "$log")"
    binary=$dir/release/$target
    common=(-timeout=10 -print_final_stats=1 -artifact_prefix="$artifacts")
    case $mode in
        time)
            corpus=$dir/corpus/$target
            mkdir -p "$corpus"
            echo "fuzzing $target for ${seconds}s (log: $log)"
            "$binary" "$corpus" "$committed/$target" -max_total_time="$seconds" "${common[@]}" >"$log" 2>&1
            rc=$? ;;
        smoke)
            inputs=$(seed_list "$target")
            [ -n "$inputs" ] || { echo "fuzz-smoke: no committed corpus in Fuzz/corpus/$target (make fuzz-corpus)" >&2; exit 1; }
            echo "fuzzing $target, $runs inputs (log: $log)"
            "${fixed[@]}" "$binary" -seed_inputs="$inputs" -seed="$seed" -runs="$runs" "${common[@]}" >"$log" 2>&1
            rc=$? ;;
        corpus)
            work=$(mktemp -d) && mkdir "$work/run" "$work/min"
            echo "growing a corpus for $target for ${seconds}s (log: $log)"
            # The program writes its seeds into the first folder; the run grows it.
            "${fixed[@]}" "$binary" "$work/run" -seed="$seed" -max_total_time="$seconds" \
                -max_len="${FUZZ_CORPUS_MAX_LEN:-256}" "${common[@]}" >"$log" 2>&1
            rc=$?
            if [ $rc -eq 0 ]; then
                "$binary" -merge=1 "$work/min" "$work/run" -max_len="${FUZZ_CORPUS_MAX_LEN:-256}" >>"$log" 2>&1
                rc=$?
            fi
            if [ $rc -eq 0 ]; then
                rm -rf "${committed:?}/$target" && mkdir -p "$committed" && cp -r "$work/min" "$committed/$target"
                chmod -R u=rwX,go=rX "$committed/$target"
            fi
            rm -rf "$work" ;;
    esac
    executed=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -a -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*/[0-9.a-zA-Z]*' "$log" | tail -1)
    used=$(sed -n 's/^INFO: Seed: *//p' "$log" | head -1)
    # exec/s last: it is the one field two runs of the same smoke may differ in.
    line=$(printf '%-22s seed %-10s runs %-9s %-36s exec/s %s' "$target" "${used:-?}" "${executed:-?}" "${cov:-}" "${rate:-?}")
    if [ "$mode" = corpus ] && [ $rc -eq 0 ]; then
        line="$line  -> $(find "$committed/$target" -type f | wc -l) inputs, $(find "$committed/$target" -type f -printf "%s\n" | awk "{ s += \$1 } END { print s }") bytes"
    fi
    if [ $rc -ne 0 ]; then
        status=1
        line="$line  FAILED (exit $rc): $(grep -a -m1 -E 'Fatal error|ERROR: |SUMMARY' "$log")"
        grep -a 'Test unit written to' "$log" >&2
        if [ "$mode" = smoke ]; then
            echo "replay this run: make fuzz-smoke FUZZ_TARGETS=$target FUZZ_SEED=$seed FUZZ_SMOKE_RUNS=$runs" >&2
        fi
    fi
    summary="$summary$line"$'\n'
done
printf '\n%s' "$summary"
exit $status
