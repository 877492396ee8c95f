#!/usr/bin/env bash
# BPE: learn 8,000 pieces on the Bible training set (train.es + train.en) and encode it, with the
# release nmt binary and, in the same run, with SentencePiece (model_type=bpe, vocab_size=8000,
# character_coverage=1.0, all sentences). Prints wall times, the ratios and tokens per sentence.
# Goal: faster than SentencePiece with tokens per sentence within 3% of it.
# Override the input with BPE_BENCH_FILES="a.txt b.txt" (default data/bible/train.{es,en}).
set -euo pipefail
cd "$(dirname "$0")/../.."
NMT=${NMT:-.build/release/nmt}
read -r -a FILES <<< "${BPE_BENCH_FILES:-data/bible/train.es data/bible/train.en}"
for f in "${FILES[@]}"; do
  [ -s "$f" ] || { echo "20-bpe: missing $f (run 'make data')" >&2; exit 1; }
done
[ -x "$NMT" ] || { echo "20-bpe: missing $NMT (run 'make build')" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat "${FILES[@]}" > "$tmp/all.txt"
lines=$(wc -l < "$tmp/all.txt")
now() { date +%s.%N; }
# Arithmetic with awk (bc is not always installed).
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }

t0=$(now)
"$NMT" bpe learn --vocab-size 8000 --out "$tmp/nmt.bpe" "${FILES[@]}" 2> "$tmp/learn.log"
t1=$(now)
"$NMT" bpe encode --model "$tmp/nmt.bpe" < "$tmp/all.txt" > "$tmp/nmt.pieces"
t2=$(now)
nmt_learn=$(calc "$t1 - $t0")
nmt_encode=$(calc "$t2 - $t1")
nmt_tps=$(awk '{n += NF} END {printf "%.2f", n / NR}' "$tmp/nmt.pieces")
printf "nmt            learn %6.2f s   encode %6.2f s   %s tokens/sentence (%d lines)\n" "$nmt_learn" "$nmt_encode" "$nmt_tps" "$lines"

run_spm_cli() {
  local t0 t1 t2 inputs
  inputs=$(IFS=,; echo "${FILES[*]}")
  t0=$(now)
  spm_train --input="$inputs" --model_prefix="$tmp/spm" --model_type=bpe --vocab_size=8000 \
    --character_coverage=1.0 --input_sentence_size=0 --minloglevel=2 > /dev/null 2>&1
  t1=$(now)
  spm_encode --model="$tmp/spm.model" --output_format=piece < "$tmp/all.txt" > "$tmp/spm.pieces"
  t2=$(now)
  echo "$(calc "$t1 - $t0") $(calc "$t2 - $t1") $(awk '{n += NF} END {printf "%.2f", n / NR}' "$tmp/spm.pieces")"
}

run_spm_python() {
  python3 - "$tmp" "${FILES[@]}" <<'PY'
import sys, time
import sentencepiece as spm
tmp, files = sys.argv[1], sys.argv[2:]
t0 = time.perf_counter()
spm.SentencePieceTrainer.train(input=",".join(files), model_prefix=tmp + "/spm", model_type="bpe",
    vocab_size=8000, character_coverage=1.0, input_sentence_size=0, minloglevel=2)
t1 = time.perf_counter()
sp = spm.SentencePieceProcessor(model_file=tmp + "/spm.model")
with open(tmp + "/all.txt", encoding="utf-8") as f:
    lines = f.read().split("\n")[:-1]
pieces = sp.encode(lines, out_type=str)
with open(tmp + "/spm.pieces", "w", encoding="utf-8") as f:
    for p in pieces: f.write(" ".join(p) + "\n")
t2 = time.perf_counter()
print(f"{t1 - t0} {t2 - t1} {sum(map(len, pieces)) / len(lines):.2f}")
PY
}

if command -v spm_train > /dev/null && command -v spm_encode > /dev/null; then
  peer="spm_train/spm_encode"; result=$(run_spm_cli)
elif python3 -c "import sentencepiece" 2> /dev/null; then
  peer="sentencepiece (python $(python3 -c 'import sentencepiece; print(sentencepiece.__version__)'))"; result=$(run_spm_python)
else
  echo "sentencepiece       skipped: neither spm_train on PATH nor the python module sentencepiece"
  exit 0
fi
read -r spm_learn spm_encode spm_tps <<< "$result"
printf "sentencepiece  learn %6.2f s   encode %6.2f s   %s tokens/sentence   [%s]\n" "$spm_learn" "$spm_encode" "$spm_tps" "$peer"
printf "ratio (sentencepiece / nmt time): learn %.2fx  encode %.2fx;  tokens/sentence nmt vs sentencepiece: %+.2f%%\n" \
  "$(calc "$spm_learn / $nmt_learn")" "$(calc "$spm_encode / $nmt_encode")" \
  "$(calc "($nmt_tps - $spm_tps) * 100 / $spm_tps")"
