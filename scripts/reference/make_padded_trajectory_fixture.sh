#!/usr/bin/env bash
# Tests/Fixtures/trajectory/padded-passes-30-updates.safetensors: the weights after 30 Adam
# updates (dropout on at every site) of the last nmt whose training passes ran over padded
# [B, T] batches (commit 850de09), on the checked-in small corpus, one thread. The passes
# now run on the real tokens only; CLITests/PaddingFreeTrajectoryTests trains the same run
# and checks it lands within Float32 summation noise of these weights (so the packed passes
# compute the same function and drop exactly the same elements).
# Usage: scripts/reference/make_padded_trajectory_fixture.sh (builds that commit in a temporary worktree)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
WORK="$(mktemp -d)"
trap 'git worktree remove --force "$WORK/src" 2>/dev/null || true; rm -rf "$WORK"' EXIT
git worktree add --detach "$WORK/src" 850de09 >/dev/null
(cd "$WORK/src" && swift build -c release --product nmt >/dev/null)
NMT="$WORK/src/.build/release/nmt"
cd "$WORK"
cp "$ROOT"/Tests/Fixtures/corpus-small/*.es "$ROOT"/Tests/Fixtures/corpus-small/*.en .
"$NMT" bpe learn --vocab-size 600 --out small.bpe train.es train.en >/dev/null
# Keep these flags equal to PaddingFreeTrajectoryTests.flags.
"$NMT" train --name padded --src train.es --tgt train.en --valid-src valid.es --valid-tgt valid.en --vocab small.bpe \
    --d-model 32 --heads 2 --ffn 64 --encoder-layers 2 --decoder-layers 2 --max-tokens 600 \
    --dropout 0.1 --attention-dropout 0.1 --relu-dropout 0.1 --optimizer adam --lr 1e-3 --warmup 5 --max-update 30 --seed 7 \
    --valid-every 1000 --save-every 1000 --threads 1 --quiet
mkdir -p "$ROOT/Tests/Fixtures/trajectory"
"$NMT" export padded --out "$ROOT/Tests/Fixtures/trajectory/padded-passes-30-updates.safetensors" --quiet
