#!/usr/bin/env bash
# Opt-in int8 decoding (`--int8`: every decoder matrix product on int8 weights, CInt8's
# AVX-512 VNNI / AVX2 / baseline kernel picked at run time) against float32 search, in the same
# run: the step's products alone (nmt-bench --int8-products), then speed and test BLEU on the whole test set (1,003 verses), beam 5 and greedy, and the share
# of identical outputs, for the trained benchmark model (scripts/bench/lib/translate-model.sh)
# and for the bundled models/bible-es-en. Goal: ≤ 0.3 BLEU lost. Times are `nmt translate` wall
# times minus its start-up on empty input (model loading and, for int8, quantizing the weights);
# BLEU is `nmt bleu` (= sacreBLEU) against data/bible/test.en.
# Needs `make build data`. Usage: scripts/bench/64-int8.sh [threads]
set -euo pipefail
cd "$(dirname "$0")/../.."
THREADS="${1:-$(nproc)}"
source scripts/bench/lib/translate-model.sh
[ -x "$NMT" ] || { echo "64-int8: $NMT not found; run make build" >&2; exit 1; }
[ -f data/bible/test.es ] || { echo "64-int8: data/bible missing; run make data" >&2; exit 1; }
ensure_model trained
# The decoder step's products alone: OpenBLAS sgemm against each int8 kernel, one thread.
swift build -c release --product nmt-bench >/dev/null
"$(swift build -c release --show-bin-path)/nmt-bench" --int8-products --steps 20
now() { date +%s.%N; }
for model in bench bundled; do
    if [ "$model" = bench ]; then source_flags=(--model "$MODEL_TRAINED" --vocab "$VOCAB"); else source_flags=(--model models/bible-es-en); fi
    for mode in float32 int8; do
        flags=("${source_flags[@]}"); [ "$mode" = int8 ] && flags+=(--int8)
        best_startup=""
        for _ in 1 2; do
            t0=$(now); "$NMT" translate "${flags[@]}" --threads "$THREADS" --quiet < /dev/null > /dev/null; t1=$(now)
            best_startup=$(python3 -c "import sys; a = float(sys.argv[1]) - float(sys.argv[2]); print(a if not sys.argv[3] else min(a, float(sys.argv[3])))" "$t1" "$t0" "$best_startup")
        done
        for beam in 5 1; do
            out="$WORK/int8.$model.$mode.beam$beam"
            t0=$(now); "$NMT" translate "${flags[@]}" --beam "$beam" --threads "$THREADS" --quiet < data/bible/test.es > "$out.txt"; t1=$(now)
            echo "$t0 $t1 $best_startup" > "$out.time"
            "$NMT" bleu data/bible/test.en -i "$out.txt" -m bleu -b > "$out.bleu"
        done
    done
done
python3 - "$WORK" "$THREADS" "$("$NMT" version | sed -n "s/^int8 decoding kernel //p")" <<'PY'
import sys
work, threads, kernel = sys.argv[1], sys.argv[2], sys.argv[3]
def measure(model, mode, beam):
    base = f"{work}/int8.{model}.{mode}.beam{beam}"
    t0, t1, startup = map(float, open(f"{base}.time").read().split())
    lines = open(f"{base}.txt", encoding="utf-8").read().split("\n")[:-1]
    return t1 - t0 - startup, float(open(f"{base}.bleu").read()), lines
print(f"int8 decoding, data/bible/test.es (1,003 verses), lenpen 1, max length 1.2·src+10, {threads} threads" + (f", kernel {kernel}" if kernel else ""))
for model, label in (("bench", "trained benchmark model"), ("bundled", "bundled models/bible-es-en")):
    print(f" {label}:")
    for beam in (5, 1):
        (s0, b0, a), (s1, b1, b) = measure(model, "float32", beam), measure(model, "int8", beam)
        n, same = len(a), sum(x == y for x, y in zip(a, b))
        name = "greedy" if beam == 1 else f"beam {beam}"
        print(f"  {name:7} float32 {n / s0:6.1f} sentences/s BLEU {b0:.2f} | int8 {n / s1:6.1f} sentences/s BLEU {b1:.2f} | "
              f"speed {s0 / s1:.2f}x, BLEU {b1 - b0:+.2f} (goal ≥ -0.30), identical outputs {same}/{n}")
PY
