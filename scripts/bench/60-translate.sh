#!/usr/bin/env bash
# Translation speed of the `small` preset: the first 500 sentences of data/bible/test.es with
# beam 5 and greedy (beam 1), lenpen 1, max length 1.2·source + 10, in sentences/s and target
# tokens/s, and — when torch is installed — the PyTorch peer (scripts/bench/translate_peer.py:
# the same batched fairseq-style beam search with cached keys/values, PyTorch eager) on the
# same weights, settings, batching and thread count, measured in the same run. Prints the
# speed ratio (goal ≥ 3×) and the share of sentences whose outputs are identical (goal ≥ 99%).
# nmt --int8 (opt-in int8 decoding) is timed too, against float32 nmt and the peer.
# Weights: both benchmark models of scripts/bench/lib/translate-model.sh, trained once and cached
# under out/bench/translate: `trained` (1,300 RAdam updates; its BLEU on these sentences is
# printed, goal ≥ 10) and `short` (300 updates, BLEU ~2.7, most outputs at the length limit).
# nmt's time is the `nmt translate` wall time minus its start-up (model load) measured on empty
# input; the peer times its search only. Target tokens are the BPE pieces of the output text.
# Needs `make build data`. Usage: scripts/bench/60-translate.sh [threads]
set -euo pipefail
cd "$(dirname "$0")/../.."
THREADS="${1:-$(nproc)}"
SENTENCES=500
source scripts/bench/lib/translate-model.sh
[ -x "$NMT" ] || { echo "60-translate: $NMT not found; run make build" >&2; exit 1; }
[ -f data/bible/test.es ] || { echo "60-translate: data/bible missing; run make data" >&2; exit 1; }
head -n "$SENTENCES" data/bible/test.es > "$WORK/src.es"
head -n "$SENTENCES" data/bible/test.en > "$WORK/ref.en"
for MODEL_KIND in trained short; do
source scripts/bench/lib/translate-model.sh
ensure_translate_model
echo "model: $MODEL_KIND ($MODEL)"

"$NMT" bpe encode --ids --model "$VOCAB" < "$WORK/src.es" > "$WORK/src.ids"
now() { date +%s.%N; }

# Start-up (loading model and vocabulary), the best of two runs on empty input.
startup=""
for _ in 1 2; do
    t0=$(now); translate --beam 5 < /dev/null > /dev/null; t1=$(now)
    startup=$(python3 -c "import sys; a = float(sys.argv[1]) - float(sys.argv[2]); print(a if not sys.argv[3] else min(a, float(sys.argv[3])))" "$t1" "$t0" "$startup")
done

HAS_TORCH=0
if python3 -c 'import torch, safetensors' 2>/dev/null; then HAS_TORCH=1; else echo "60-translate: PyTorch or safetensors not installed, peer skipped"; fi
REPORT=()
for beam in 5 1; do
    t0=$(now); translate --beam "$beam" < "$WORK/src.es" > "$WORK/nmt.beam$beam.txt"; t1=$(now)
    # The opt-in int8 search (scripts/bench/64-int8.sh has its BLEU on the whole test set).
    i0=$(now); translate --beam "$beam" --int8 < "$WORK/src.es" > "$WORK/nmt-int8.beam$beam.txt"; i1=$(now)
    echo "$i0 $i1" > "$WORK/nmt-int8.beam$beam.time"
    peer_json=""
    if [ "$HAS_TORCH" = 1 ]; then
        python3 scripts/bench/translate_peer.py "$MODEL" "$WORK/src.ids" "$WORK/peer.beam$beam.ids" "$beam" "$THREADS" > "$WORK/peer.beam$beam.json"
        "$NMT" bpe decode --ids --model "$VOCAB" < "$WORK/peer.beam$beam.ids" > "$WORK/peer.beam$beam.txt"
        peer_json="$WORK/peer.beam$beam.json"
    fi
    REPORT+=("$beam" "$t0" "$t1" "$peer_json")
done

for beam in 5 1; do
    "$NMT" bpe encode --model "$VOCAB" < "$WORK/nmt.beam$beam.txt" > "$WORK/nmt.beam$beam.pieces"
    [ "$HAS_TORCH" = 0 ] || "$NMT" bpe encode --model "$VOCAB" < "$WORK/peer.beam$beam.txt" > "$WORK/peer.beam$beam.pieces"
done

python3 - "$WORK" "$SENTENCES" "$THREADS" "$startup" "${REPORT[@]}" <<'PY'
import json, sys
work, n, threads, startup = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
args = sys.argv[5:]

def lines(path):
    return open(path, encoding="utf-8").read().split("\n")[:-1]

def pieces(path):
    return sum(len(l.split()) for l in lines(path))

print(f"translate small: {n} sentences of data/bible/test.es, lenpen 1, max length 1.2·src+10, {threads} threads "
      f"(nmt: wall time minus {startup:.2f} s start-up; target tokens = BPE pieces of the output)")
for i in range(0, len(args), 4):
    beam, t0, t1, peer = int(args[i]), float(args[i + 1]), float(args[i + 2]), args[i + 3]
    name = "greedy" if beam == 1 else f"beam {beam}"
    secs = max(t1 - t0 - startup, 1e-9)
    tokens = pieces(f"{work}/nmt.beam{beam}.pieces")
    print(f"  {name:7} nmt      {n / secs:7.1f} sentences/s {tokens / secs:8.0f} target tokens/s ({secs:.2f} s)")
    i0, i1 = map(float, open(f"{work}/nmt-int8.beam{beam}.time").read().split())
    isecs = max(i1 - i0 - startup, 1e-9)
    same8 = sum(a == b for a, b in zip(lines(f"{work}/nmt.beam{beam}.txt"), lines(f"{work}/nmt-int8.beam{beam}.txt")))
    print(f"  {name:7} nmt int8 {n / isecs:7.1f} sentences/s ({isecs:.2f} s; {secs / isecs:.2f}x float32 nmt, "
          f"{same8}/{n} outputs identical to it)")
    if not peer:
        continue
    p = json.load(open(peer))
    ptokens = pieces(f"{work}/peer.beam{beam}.pieces")
    print(f"  {name:7} PyTorch  {n / p['seconds']:7.1f} sentences/s {ptokens / p['seconds']:8.0f} target tokens/s "
          f"({p['seconds']:.2f} s; torch {p['torch']} eager)")
    ours, theirs = lines(f"{work}/nmt.beam{beam}.txt"), lines(f"{work}/peer.beam{beam}.txt")
    same = sum(a == b for a, b in zip(ours, theirs))
    first = next((k + 1 for k, (a, b) in enumerate(zip(ours, theirs)) if a != b), None)
    print(f"  {name:7} ratio nmt int8/PyTorch {p['seconds'] / isecs:.2f}x")
    print(f"  {name:7} ratio nmt/PyTorch {p['seconds'] / secs:.2f}x (goal ≥ 3x); identical outputs {same}/{len(ours)} "
          f"= {100 * same / len(ours):.1f}% (goal ≥ 99%)" + (f"; first difference at line {first}" if first else ""))
PY
echo "  beam 5  nmt on these sentences: $("$NMT" bleu "$WORK/ref.en" -i "$WORK/nmt.beam5.txt" -m bleu | grep -m1 '^BLEU = ' | cut -d' ' -f1-3)"
done
