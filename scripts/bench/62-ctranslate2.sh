#!/usr/bin/env bash
# nmt against CTranslate2 (pip ctranslate2) on the same weights: the cached `small` model of
# 60-translate.sh exported with `nmt export --format ctranslate2`, the first 500 sentences of
# data/bible/test.es, beam 5 and greedy, same threads, CTranslate2 in float32 and int8
# (quantized at load) against nmt in float32 and with --int8. Prints sentences/s of each, the
# ratio nmt/CTranslate2 (float32 against float32, int8 against int8), and the share of
# outputs identical to nmt's. nmt's time is its wall time minus start-up (empty input);
# CTranslate2's is its translate_batch calls only (scripts/reference/ctranslate2_reference.py,
# batches of 64 sentences sorted by length; "exact" calls it once per distinct a·|src|+b length
# limit, as nmt limits each sentence, "batch" once per batch with the longest one's limit).
# Needs `make build data` and `pip install ctranslate2`. Usage: scripts/bench/62-ctranslate2.sh [threads]
set -euo pipefail
cd "$(dirname "$0")/../.."
THREADS="${1:-$(nproc)}"
source scripts/bench/lib/translate-model.sh
python3 -c 'import ctranslate2' 2>/dev/null || { echo "62-ctranslate2: pip ctranslate2 not installed, skipped"; exit 0; }
ensure_translate_model
"$NMT" export "$MODEL_RUN" --db "$WORK/model.sqlite" --checkpoint last --format ctranslate2 --out "$WORK/ct2" >/dev/null
head -n 500 data/bible/test.es > "$WORK/ct2.es"
"$NMT" bpe encode --model "$VOCAB" < "$WORK/ct2.es" > "$WORK/ct2.src.pieces"
now() { date +%s.%N; }
t0=$(now); translate --beam 5 < /dev/null > /dev/null; t1=$(now)
startup=$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$t0" "$t1")
for beam in 5 1; do
    # nmt float32 against CTranslate2 float32, nmt --int8 against CTranslate2 int8.
    for mode in float32 int8; do
        flags=(); [ "$mode" = int8 ] && flags=(--int8)
        t0=$(now); translate --beam "$beam" "${flags[@]}" < "$WORK/ct2.es" > "$WORK/ct2.nmt.$mode.$beam.txt"; t1=$(now)
        "$NMT" bpe encode --model "$VOCAB" < "$WORK/ct2.nmt.$mode.$beam.txt" > "$WORK/ct2.nmt.$mode.$beam.pieces"
        python3 -c "import sys; print(max(float(sys.argv[2]) - float(sys.argv[1]) - float(sys.argv[3]), 1e-9))" "$t0" "$t1" "$startup" > "$WORK/ct2.nmt.$mode.$beam.seconds"
    done
    for run in float32:exact float32:batch int8:batch; do
        type=${run%%:*}; grouping=${run##*:}
        json=$(python3 scripts/reference/ctranslate2_reference.py translate "$WORK/ct2" "$WORK/ct2.src.pieces" "$WORK/ct2.$type.$beam.pieces" \
            --beam "$beam" --threads "$THREADS" --compute-type "$type" --grouping "$grouping")
        python3 - "$json" "$(cat "$WORK/ct2.nmt.$type.$beam.seconds")" "$WORK/ct2.nmt.$type.$beam.pieces" "$WORK/ct2.$type.$beam.pieces" "$beam" "$type:$grouping" "$THREADS" "$type" <<'PY'
import json, sys
r, nmt_s, ours, theirs, beam, kind, threads, mode = json.loads(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7], sys.argv[8]
a = open(ours, encoding="utf-8").read().split("\n")[:-1]
b = open(theirs, encoding="utf-8").read().split("\n")[:-1]
n = r["sentences"]
same = sum(x == y for x, y in zip(a, b))
name = "greedy" if beam == "1" else f"beam {beam}"
ours_name = "nmt --int8" if mode == "int8" else "nmt"
print(f"{name:7} {threads} threads: {ours_name:10} {n / nmt_s:6.1f} sent/s, CTranslate2 {kind:13} {n / r['seconds']:6.1f} sent/s, "
      f"{ours_name}/CTranslate2 {r['seconds'] / nmt_s:.2f}x, identical outputs {100 * same / n:.1f}%")
PY
    done
done
