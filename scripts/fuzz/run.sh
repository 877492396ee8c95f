#!/usr/bin/env bash
# make fuzz: runs each target of Sources/FuzzTargets under libFuzzer (with AddressSanitizer) for
# SECONDS, starting from Tests/Fixtures/fuzz/TARGET and growing .build-fuzz/corpus/TARGET; prints
# per target the executions, coverage (libFuzzer's cov: edges, ft: features) and corpus size.
# A crash leaves its input in .build-fuzz/crashes/ and the exit status non-zero.
# Usage: scripts/fuzz/run.sh NMT_FUZZ_BINARY SECONDS [TARGET ...]
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN="$1"; SECONDS_EACH="$2"; shift 2
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=($(ls Tests/Fixtures/fuzz | grep -v README))
mkdir -p .build-fuzz/crashes .build-fuzz/logs
failed=0
printf '%-16s %10s %8s %8s %7s %s\n' target executions cov ft corpus result
for t in "${TARGETS[@]}"; do
    mkdir -p ".build-fuzz/corpus/$t"
    log=".build-fuzz/logs/$t.log"
    NMT_FUZZ_TARGET="$t" ASAN_OPTIONS=detect_leaks=0 "$BIN" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=4096 \
        -print_final_stats=1 -artifact_prefix=".build-fuzz/crashes/$t-" ".build-fuzz/corpus/$t" "Tests/Fixtures/fuzz/$t" > "$log" 2>&1
    status=$?
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    cov=$(echo "$last" | grep -o 'cov: [0-9]*' | grep -o '[0-9]*')
    ft=$(echo "$last" | grep -o 'ft: [0-9]*' | grep -o '[0-9]*')
    corpus=$(ls ".build-fuzz/corpus/$t" | wc -l)
    result=ok
    if [ $status -ne 0 ]; then result="CRASH (see $log)"; failed=1; fi
    printf '%-16s %10s %8s %8s %7s %s\n' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$corpus" "$result"
done
exit $failed
