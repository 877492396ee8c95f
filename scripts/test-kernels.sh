#!/usr/bin/env bash
# Runs the whole test suite once under each OpenBLAS kernel this CPU can execute, at 1 and 2
# threads (NMT_THREADS sets the default of every --threads, in-process tests and CLI tests
# alike). Rounding differs between kernels (and even with the cache sizes a kernel is
# tuned for), so a numerics test whose verdict depends on the kernel shows up here.
# Expects `swift build --build-tests` to have run (the Makefile target does it).
set -uo pipefail
cd "$(dirname "$0")/.."
kernels=${KERNELS:-"Prescott Sandybridge Haswell Zen SkylakeX Cooperlake"}
threads=${THREADS:-"1 2"}
flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
has() { for f in "$@"; do [[ $flags == *" $f "* ]] || return 1; done; }
runnable() {
  case $1 in
    Prescott) has sse3 || has pni ;;
    Sandybridge) has avx ;;
    Haswell|Zen) has avx2 fma ;;
    SkylakeX) has avx512f avx512bw avx512vl avx512dq avx512cd ;;
    Cooperlake) has avx512f avx512bw avx512vl avx512dq avx512cd avx512_bf16 ;;
    *) return 1 ;;
  esac
}
log=${TEST_KERNELS_LOGS:-.build/test-kernels}
mkdir -p "$log"
passed=() failed=() skipped=()
for k in $kernels; do
  if ! runnable "$k"; then skipped+=("$k"); echo "test-kernels: $k skipped: this CPU lacks its instructions"; continue; fi
  core=$(OPENBLAS_CORETYPE=$k .build/debug/nmt version | sed -n 's/^OpenBLAS core \([^,]*\),.*/\1/p')
  if [ "$core" != "$k" ]; then failed+=("$k(kernel-not-taken:$core)"); echo "test-kernels: OPENBLAS_CORETYPE=$k gave kernel '$core'"; continue; fi
  for t in $threads; do
    taken=$(OPENBLAS_CORETYPE=$k NMT_THREADS=$t .build/debug/nmt version | sed -n 's/^OpenBLAS core [^,]*, \([0-9]*\) thread.*/\1/p')
    if [ "$taken" != "$t" ]; then failed+=("$k/$t(threads-not-taken:$taken)"); echo "test-kernels: NMT_THREADS=$t gave $taken threads"; continue; fi
    start=$(date +%s)
    if OPENBLAS_CORETYPE=$k NMT_THREADS=$t swift test --skip-build >"$log/$k-$t.log" 2>&1; then
      passed+=("$k/$t")
      echo "test-kernels: $k, $t thread(s): $(grep -E 'Test run with [0-9]+ tests' "$log/$k-$t.log" | tail -1 | sed 's/^[^T]*//') ($(( $(date +%s) - start )) s)"
    else
      failed+=("$k/$t")
      echo "test-kernels: $k, $t thread(s): FAILED ($log/$k-$t.log)"
      grep -E '✘|error:' "$log/$k-$t.log" | head -20
    fi
  done
done
# The measured errors the numerics tests print, worst over every run, for the margins in notes.
echo "test-kernels: logs in $log; measured values per run: grep -h 'max abs\|worst\|max rel\|ulp' $log/*.log"
echo "test-kernels: passed ${passed[*]:-none}; failed ${failed[*]:-none}; skipped ${skipped[*]:-none}"
[ ${#failed[@]} -eq 0 ] && [ ${#passed[@]} -gt 0 ]
