#!/usr/bin/env bash
# The opt-in lexical shortlist (`nmt shortlist learn`, `--shortlist`) on the trained benchmark
# model (scripts/bench/lib/translate-model.sh): speed and test BLEU of the whole test set
# (1,003 verses) with full-vocabulary search and with the shortlist, beam 5 and greedy, in the
# same run, and the share of identical outputs. Goal: ≤ 0.3 BLEU lost. Times are `nmt
# translate` wall times minus its start-up on empty input (model and shortlist loading);
# BLEU is `nmt bleu` (= sacreBLEU) against data/bible/test.en.
# Needs `make build data`. Usage: scripts/bench/63-shortlist.sh [threads] [best] [frequent]
set -euo pipefail
cd "$(dirname "$0")/../.."
THREADS="${1:-$(nproc)}"
BEST="${2:-100}"
FREQUENT="${3:-100}"
source scripts/bench/lib/translate-model.sh
[ -x "$NMT" ] || { echo "63-shortlist: $NMT not found; run make build" >&2; exit 1; }
[ -f data/bible/test.es ] || { echo "63-shortlist: data/bible missing; run make data" >&2; exit 1; }
ensure_model trained
RUN=small-radam-1300
DB="$WORK/model.sqlite"
"$NMT" shortlist learn "$RUN" --db "$DB" --best "$BEST" --frequent "$FREQUENT" --threads "$THREADS"
now() { date +%s.%N; }
run_translate() { "$NMT" translate --run "$RUN" --db "$DB" --checkpoint last --threads "$THREADS" --quiet "$@"; }
for mode in full shortlist; do
    flag=(); [ "$mode" = shortlist ] && flag=(--shortlist)
    best_startup=""
    for _ in 1 2; do
        t0=$(now); run_translate "${flag[@]}" < /dev/null > /dev/null; t1=$(now)
        best_startup=$(python3 -c "import sys; a = float(sys.argv[1]) - float(sys.argv[2]); print(a if not sys.argv[3] else min(a, float(sys.argv[3])))" "$t1" "$t0" "$best_startup")
    done
    echo "$best_startup" > "$WORK/shortlist.$mode.startup"
    for beam in 5 1; do
        t0=$(now); run_translate "${flag[@]}" --beam "$beam" < data/bible/test.es > "$WORK/shortlist.$mode.beam$beam.txt"; t1=$(now)
        echo "$t0 $t1" > "$WORK/shortlist.$mode.beam$beam.time"
        "$NMT" bleu data/bible/test.en -i "$WORK/shortlist.$mode.beam$beam.txt" -m bleu > "$WORK/shortlist.$mode.beam$beam.bleu"
    done
done
python3 - "$WORK" <<'PY'
import re, sys
work = sys.argv[1]
def measure(mode, beam):
    startup = float(open(f"{work}/shortlist.{mode}.startup").read())
    t0, t1 = map(float, open(f"{work}/shortlist.{mode}.beam{beam}.time").read().split())
    bleu = float(re.search(r"BLEU[^=]*= ([0-9.]+)", open(f"{work}/shortlist.{mode}.beam{beam}.bleu").read()).group(1))
    lines = open(f"{work}/shortlist.{mode}.beam{beam}.txt", encoding="utf-8").read().split("\n")[:-1]
    return t1 - t0 - startup, bleu, lines
print("shortlist, trained `small` model, data/bible/test.es (1,003 verses), lenpen 1, max length 1.2·src+10")
for beam in (5, 1):
    (s0, b0, a), (s1, b1, b) = measure("full", beam), measure("shortlist", beam)
    n = len(a)
    same = sum(x == y for x, y in zip(a, b))
    name = "greedy" if beam == 1 else f"beam {beam}"
    print(f"  {name:7} full vocabulary {n / s0:6.1f} sentences/s BLEU {b0:.2f} | shortlist {n / s1:6.1f} sentences/s BLEU {b1:.2f} | "
          f"speed {s0 / s1:.2f}x, BLEU {b1 - b0:+.2f} (goal ≥ -0.30), identical outputs {same}/{n}")
PY
