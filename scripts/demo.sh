#!/usr/bin/env bash
# The main job on the built-in corpus, end to end: the warmup-vs-RAdam comparison in small.
# Two `tiny` runs with the same learning rate and linear decay: Adam with 100 warmup updates,
# RAdam with none. Then `nmt compare`, each run's test-set translation scored with BLEU, and a
# paired bootstrap test of the two (sacreBLEU's).
set -euo pipefail
cd "$(dirname "$0")/.."
NMT=${NMT:-.build/release/nmt}
UPDATES=${DEMO_UPDATES:-300}
mkdir -p out
DB=out/demo.sqlite
rm -f "$DB" "$DB-wal" "$DB-shm"
"$NMT" version
echo "== corpus: data/bible (Spanish → English), vocabulary vocab/bible.8k.bpe"
wc -l data/bible/{train,valid,test}.{es,en}
echo "== baseline: BLEU of copying the Spanish source as the 'translation' of the test set"
"$NMT" bleu data/bible/test.en --hyp data/bible/test.es
common=(--db "$DB" --preset tiny --lr 2e-3 --schedule linear --max-update "$UPDATES" --valid-every 50 --log-every 10 --save-every 100)
echo "== training: Adam with warmup"
"$NMT" train --name adam-warmup --optimizer adam --warmup 100 "${common[@]}"
echo "== training: RAdam without warmup"
"$NMT" train --name radam --optimizer radam --warmup 0 "${common[@]}"
echo "== comparison"
"$NMT" compare adam-warmup radam --db "$DB"
for run in adam-warmup radam; do
  echo "== $run: translate the test set (greedy) and score it"
  "$NMT" eval "$run" --db "$DB" --split test --beam 1 --out "out/$run.test.hyp"
  head -3 "out/$run.test.hyp" | sed 's/^/  /'
done
"$NMT" runs --db "$DB"
echo "== is the difference significant? (paired bootstrap on the test set, as sacreBLEU)"
"$NMT" compare adam-warmup radam --db "$DB" --split test | sed -n '/^╒/,/^╘/p'
