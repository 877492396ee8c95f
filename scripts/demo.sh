#!/usr/bin/env bash
# The main job on the built-in corpus, end to end, in miniature: `nmt study run demo --quick` trains
# every arm of the warmup-vs-RAdam study (adam, adam-warmup, adam-untuned, adam-2k, adam-eps, radam,
# radam-skip, adam-preln) at two learning rates and two seeds on a small model, evaluates each run on
# the first 100 test sentences, prints `nmt study show demo` and writes the HTML report.
# The full study is `nmt study run bible` (docs/study.md).
set -euo pipefail
cd "$(dirname "$0")/.."
NMT=${NMT:-.build/release/nmt}
mkdir -p out
DB=out/demo.sqlite
REPORT=out/demo-study.html
rm -f "$DB" "$DB-wal" "$DB-shm"
"$NMT" version
echo "== corpus: data/bible (Spanish → English), vocabulary vocab/bible.8k.bpe"
wc -l data/bible/{train,valid,test}.{es,en}
echo "== baseline: BLEU of copying the Spanish source as the 'translation' of the test set"
"$NMT" bleu data/bible/test.en --hyp data/bible/test.es
echo "== the study in miniature: nmt study run demo --quick"
"$NMT" study run demo --quick --db "$DB"
echo "== results"
"$NMT" study show demo --db "$DB"
echo "== report"
"$NMT" study report demo --db "$DB" --html "$REPORT"
echo "open $REPORT in a browser (self-contained: inline SVG, no network)"
