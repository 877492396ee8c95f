# Sourced by the translation benchmarks (60-translate, 62-ctranslate2, 65-serve): the binary,
# the vocabulary, and the benchmark models they share, trained once and cached under
# out/bench/translate, with `translate` over one of them.
#   trained  `small` with the `make train-small` recipe (RAdam, lr 5e-4 constant) for 1,300
#            updates: a model that translates (the benchmarks print its test BLEU; it must be
#            ≥ 10), so the search, not the length limit, decides the work.
#   short    `small` after 300 Adam updates (BLEU ~2.7): most outputs run to the length limit;
#            kept as a second line, comparable with earlier figures.
# Expects THREADS to be set. MODEL is the trained model unless MODEL_KIND=short.
NMT=.build/release/nmt
VOCAB=vocab/bible.8k.bpe
WORK=out/bench/translate
MODEL_TRAINED="$WORK/small-radam-1300.safetensors"
MODEL_SHORT="$WORK/small-300.safetensors"
# MODEL_RUN: the run in $WORK/model.sqlite that MODEL was exported from.
if [ "${MODEL_KIND:-trained}" = short ]; then MODEL="$MODEL_SHORT"; MODEL_RUN=small300; else MODEL="$MODEL_TRAINED"; MODEL_RUN=small-radam-1300; fi

# Trains and exports one model unless it is cached (the runs stay in $WORK/model.sqlite).
ensure_model() {
    local kind="$1" out name
    mkdir -p "$WORK"
    if [ "$kind" = short ]; then out="$MODEL_SHORT"; name=small300; else out="$MODEL_TRAINED"; name=small-radam-1300; fi
    [ -f "$out" ] && return 0
    echo "training the $kind benchmark model once (cached as $out)" >&2
    if [ "$kind" = short ]; then
        "$NMT" train --db "$WORK/model.sqlite" --name "$name" --preset small --optimizer adam --lr 1e-3 --warmup 100 \
            --max-update 300 --max-tokens 4096 --valid-every 300 --save-every 300 --log-every 50 --threads "$THREADS" --quiet >/dev/null
    else
        "$NMT" train --db "$WORK/model.sqlite" --name "$name" --preset small --optimizer radam --lr 5e-4 --schedule constant \
            --max-update 1300 --max-tokens 4096 --valid-every 500 --save-every 250 --log-every 50 --threads "$THREADS" --quiet >/dev/null
    fi
    "$NMT" export "$name" --db "$WORK/model.sqlite" --checkpoint last --out "$out.tmp" >/dev/null
    mv "$out.tmp" "$out"
}

ensure_translate_model() { ensure_model "${MODEL_KIND:-trained}"; }

translate() { "$NMT" translate --model "$MODEL" --vocab "$VOCAB" --threads "$THREADS" --quiet "$@"; }
