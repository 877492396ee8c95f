#!/usr/bin/env bash
# The main job on the built-in corpus, end to end. First the bundled model (models/bible-es-en, the
# `make train-small` recipe) translates a few test verses, shown next to the reference, and the whole
# test set is scored. Then, in miniature, `nmt study run demo --quick` trains
# the arms of the warmup-vs-RAdam study (adam, adam-warmup-12, adam-untuned, adam-2k, adam-eps, radam,
# radam-skip, adam-preln and the source-blind control) at two learning rates and two seeds on a small
# model, evaluates each run on the first 100 test sentences, measures the adaptive rate's variance over
# gradient noise at updates 1 and 10, prints `nmt study show demo` (the seed-level comparisons with
# their verdicts) and writes the HTML report. The full study: `nmt study plan bible` and
# `nmt study run bible` (docs/study-method.md, docs/study.md).
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
echo "== the bundled model (models/bible-es-en): a few test verses, its translation beside the reference"
mkdir -p out/demo
echo "  \$ echo 'En el principio creó Dios los cielos y la tierra.' | nmt translate"
echo "  $(echo 'En el principio creó Dios los cielos y la tierra.' | "$NMT" translate --quiet)"
echo
"$NMT" translate --beam 5 --quiet < data/bible/test.es > out/demo/bundled.test.hyp
for line in 1 120 400 777; do
  echo "  source:    $(sed -n "${line}p" data/bible/test.es)"
  echo "  nmt:       $(sed -n "${line}p" out/demo/bundled.test.hyp)"
  echo "  reference: $(sed -n "${line}p" data/bible/test.en)"
  echo
done
echo "== its BLEU on the whole test set (1,003 verses, beam 5), and the baseline of copying the Spanish source"
"$NMT" bleu data/bible/test.en --hyp out/demo/bundled.test.hyp -m bleu chrf
"$NMT" bleu data/bible/test.en --hyp data/bible/test.es
echo "== the study in miniature: nmt study run demo --quick"
"$NMT" study run demo --quick --db "$DB"
echo "== results"
"$NMT" study show demo --db "$DB"
echo "== report"
"$NMT" study report demo --db "$DB" --html "$REPORT"
echo "open $REPORT in a browser (self-contained: inline SVG, no network)"
