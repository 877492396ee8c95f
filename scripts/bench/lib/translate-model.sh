# Sourced by the translation benchmarks (60-translate, 62-ctranslate2, 65-serve): the binary,
# the vocabulary, and the benchmark model they share (a short `small` run of 300 updates,
# trained once and cached under out/bench/translate), with `translate` over it.
# Expects THREADS to be set.
NMT=.build/release/nmt
VOCAB=vocab/bible.8k.bpe
WORK=out/bench/translate
MODEL="$WORK/small-300.safetensors"

# Trains and exports the model unless it is cached (the run stays in $WORK/model.sqlite as small300).
ensure_translate_model() {
    mkdir -p "$WORK"
    [ -f "$MODEL" ] && return 0
    echo "training small for 300 updates once (cached as $MODEL)" >&2
    rm -f "$WORK"/model.sqlite "$WORK"/model.sqlite-wal "$WORK"/model.sqlite-shm
    "$NMT" train --db "$WORK/model.sqlite" --name small300 --preset small --optimizer adam --lr 1e-3 --warmup 100 \
        --max-update 300 --max-tokens 4096 --valid-every 300 --save-every 300 --log-every 50 --threads "$THREADS" --quiet >/dev/null
    "$NMT" export small300 --db "$WORK/model.sqlite" --checkpoint last --out "$MODEL.tmp" >/dev/null
    mv "$MODEL.tmp" "$MODEL"
}

translate() { "$NMT" translate --model "$MODEL" --vocab "$VOCAB" --threads "$THREADS" --quiet "$@"; }
