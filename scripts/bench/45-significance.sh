#!/usr/bin/env bash
# Paired significance: `nmt bleu --paired-bs` (1,000 resamples) against `python3 -m sacrebleu --paired-bs` on
# 3,000 sentences and 3 systems (the committed Bible test systems of Tests/Fixtures/bleu-stats repeated 6
# times), metrics BLEU and chrF, in the same run; best of RUNS wall times, their ratio (goal ≥ 20×), and
# whether the two reports are identical. nmt computes each system's per-sentence statistics once and only
# re-adds them per resample.
set -euo pipefail
cd "$(dirname "$0")/../.."
NMT_BIN=${NMT_BIN:-.build/release/nmt}
RUNS=${RUNS:-3}
[ -x "$NMT_BIN" ] || { echo "45-significance: $NMT_BIN is missing (run 'make build')" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src=Tests/Fixtures/bleu-stats
for f in ref beam1 beam2 beam5; do
  for _ in 1 2 3 4 5 6; do cat "$src/bible500.$f.txt"; done > "$work/$f.txt"
done
args=("$work/ref.txt" -i "$work/beam1.txt" "$work/beam2.txt" "$work/beam5.txt" -m bleu chrf --paired-bs -w 4)
best() {  # best wall time of RUNS runs of "$@", output kept in $work/out
  local best_t=""
  for _ in $(seq "$RUNS"); do
    local t0 t1; t0=$(date +%s.%N); "$@" > "$work/out" 2> "$work/err" || { echo "45-significance: $* failed: $(head -1 "$work/err")" >&2; exit 1; }; t1=$(date +%s.%N)
    best_t=$(awk -v a="$best_t" -v b="$(awk -v x="$t0" -v y="$t1" 'BEGIN { print y - x }')" 'BEGIN { print (a == "" || b < a) ? b : a }')
  done
  echo "$best_t"
}
nmt_t=$(best "$NMT_BIN" bleu "${args[@]}"); cp "$work/out" "$work/nmt.txt"
printf 'paired-bs 3000 sentences x 3 systems, BLEU+chrF, 1000 resamples: nmt %.3f s\n' "$nmt_t"
if python3 -c 'import sacrebleu' 2>/dev/null; then
  RUNS=1 sb_t=$(RUNS=1 best python3 -m sacrebleu "${args[@]}" -f text); cp "$work/out" "$work/sacrebleu.txt"
  printf '  sacrebleu %s: %.3f s; ratio sacrebleu/nmt %.1fx (goal >= 20x); reports %s\n' "$(python3 -c 'import sacrebleu; print(sacrebleu.__version__)')" \
    "$sb_t" "$(awk -v a="$sb_t" -v b="$nmt_t" 'BEGIN { print a / b }')" "$(cmp -s "$work/nmt.txt" "$work/sacrebleu.txt" && echo identical || echo DIFFERENT)"
else
  echo "  sacrebleu (pip) not installed: timing nmt only"
fi
