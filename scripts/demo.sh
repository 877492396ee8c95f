#!/usr/bin/env bash
# The main job on the built-in corpus, end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
NMT=${NMT:-.build/release/nmt}
"$NMT" version
echo "== corpus: data/bible"
wc -l data/bible/{train,valid,test}.{es,en}
echo "== baseline: BLEU of copying the Spanish source as the 'translation' of the test set"
"$NMT" bleu data/bible/test.en --hyp data/bible/test.es
