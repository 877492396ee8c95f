#!/usr/bin/env bash
# BLEU/chrF benchmark: `nmt bleu` against `python3 -m sacrebleu` on the same 30,000-line corpus in the
# same run. Reference: data/bible/train.en (first 30,000 lines) when `make data` has built it, otherwise a
# deterministic synthetic corpus; hypothesis: a deterministic perturbation of the reference (word drops,
# substitutions, swaps). Prints both times (best of 3), their ratio, and checks the scores agree to 0.01.
set -euo pipefail
cd "$(dirname "$0")/../.."
NMT_BIN=${NMT_BIN:-.build/release/nmt}
LINES=30000
RUNS=3
[ -x "$NMT_BIN" ] || { echo "40-bleu: $NMT_BIN is missing (run 'make build')" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -f data/bible/train.en ] && [ "$(wc -l < data/bible/train.en)" -ge "$LINES" ]; then
  head -n "$LINES" data/bible/train.en > "$work/ref.txt"
  corpus="data/bible/train.en, first $LINES lines"
else
  # A Bible-like synthetic corpus from a linear congruential generator (deterministic everywhere).
  awk -v n="$LINES" 'BEGIN {
    split("and the of to in that he shall unto for his a lord they be is him not them it with all thou thy was which my me said but ye their have will were are god from as this people Israel king son house day land man men children say come hand David Moses Jerusalem brought father went made out up upon before against also there any great", w, " ")
    nw = length(w); s = 12345
    for (i = 1; i <= n; i++) {
      s = (s * 1103515245 + 12345) % 2147483648; len = 5 + s % 30; line = ""
      for (j = 1; j <= len; j++) {
        s = (s * 1103515245 + 12345) % 2147483648; word = w[1 + s % nw]
        if (s % 17 == 0) word = word ","
        if (s % 29 == 0) word = (s % 1000) ""
        line = line (j > 1 ? " " : "") word
      }
      print toupper(substr(line, 1, 1)) substr(line, 2) "."
    }
  }' > "$work/ref.txt"
  corpus="synthetic, $LINES lines (data/bible/train.en not built)"
fi

# Perturb: drop one word, replace one, swap a pair on every third line.
awk '{
  n = split($0, t, " ")
  if (n > 3) { d = 1 + (NR * 7) % n; for (k = d; k < n; k++) t[k] = t[k + 1]; n-- }
  if (n > 1) t[1 + (NR * 13) % n] = "the"
  if (n > 2 && NR % 3 == 0) { k = 1 + NR % (n - 1); x = t[k]; t[k] = t[k + 1]; t[k + 1] = x }
  line = ""; for (k = 1; k <= n; k++) line = line (k > 1 ? " " : "") t[k]
  print line
}' "$work/ref.txt" > "$work/hyp.txt"

now() { date +%s.%N; }
# best_time VAR command...: runs the command RUNS times, keeps the fastest wall time and the last output.
best_time() {
  local var=$1; shift
  local best="" start end elapsed
  for _ in $(seq "$RUNS"); do
    start=$(now); "$@" > "$work/out.txt"; end=$(now)
    elapsed=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f", b - a }')
    if [ -z "$best" ] || awk -v e="$elapsed" -v b="$best" 'BEGIN { exit !(e < b) }'; then best=$elapsed; fi
  done
  printf -v "$var" '%.3f' "$best"
}

echo "corpus: $corpus; $(wc -w < "$work/ref.txt") reference words"
have_sacrebleu=1
python3 -c 'import sacrebleu' 2>/dev/null || have_sacrebleu=0
[ "$have_sacrebleu" = 1 ] || echo "sacrebleu (pip) not installed: timing nmt only"

status=0
for mode in bleu "bleu+chrf"; do
  if [ "$mode" = bleu ]; then nmt_flags=(); metrics=(bleu); else nmt_flags=(--chrf); metrics=(bleu chrf); fi
  best_time nmt_time "$NMT_BIN" bleu "$work/ref.txt" --hyp "$work/hyp.txt" --json "${nmt_flags[@]}"
  nmt_scores=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["bleu"]["score"], d.get("chrf",{}).get("score",""))' "$work/out.txt" 2>/dev/null \
    || sed -E 's/.*"bleu": \{"score": ([0-9.e+-]+).*/\1/' "$work/out.txt")
  if [ "$have_sacrebleu" = 0 ]; then
    echo "$mode: nmt ${nmt_time}s (scores: $nmt_scores)"
    continue
  fi
  best_time sb_time python3 -m sacrebleu "$work/ref.txt" -i "$work/hyp.txt" -m "${metrics[@]}" -b -w 4
  sb_scores=$(tr -d '[],' < "$work/out.txt" | tr '\n' ' ')
  ratio=$(awk -v a="$sb_time" -v b="$nmt_time" 'BEGIN { print a / b }')
  agree=$(python3 -c 'import sys; a=[float(x) for x in sys.argv[1].split()]; b=[float(x) for x in sys.argv[2].split()]; print("yes" if len(a)==len(b) and all(abs(x-y)<0.01 for x,y in zip(a,b)) else "NO")' "$nmt_scores" "$sb_scores")
  printf '%s: nmt %ss, sacrebleu %ss, nmt is %.1fx faster; scores nmt [%s] sacrebleu [%s] agree: %s\n' \
    "$mode" "$nmt_time" "$sb_time" "$ratio" "$nmt_scores" "$(echo $sb_scores)" "$agree"
  [ "$agree" = yes ] || status=1
done
exit $status
