#!/usr/bin/env bash
# Transformer forward+backward speed (no optimizer) for the tiny, small and iwslt presets on
# ~4,096-target-token batches, against this machine's cblas_sgemm peak (2048³) measured in
# the same run, and against PyTorch (same model, same shapes, same thread count) when torch
# is installed. Prints tokens/s, GFLOP/s and % of peak counting the GEMM FLOPs of real tokens
# only (what nmt's padding-free passes execute; the line also says how many more a padded
# implementation, like the PyTorch peer, executes),
# and peak resident memory, and a per-phase breakdown of our fastest step (nmt-bench
# --profile: wall time of each kernel group, forward and backward).
# Batches are synthetic: ids uniform over an 8,000 vocabulary, sentence lengths 20..40
# (mean ~30, like the Bible verses in BPE pieces); the data/bible corpus is not used because
# encoding it needs the Text module's BPE (same shapes either way, so the speed is the same).
# Usage: scripts/bench/30-model.sh [threads] [steps]
set -euo pipefail
cd "$(dirname "$0")/../.."
THREADS="${1:-$(nproc)}"
STEPS="${2:-3}"
swift build -c release --product nmt-bench >/dev/null
BIN="$(swift build -c release --show-bin-path)/nmt-bench"
SHAPES="$(mktemp -d)"
trap 'rm -rf "$SHAPES"' EXIT
for preset in tiny small iwslt; do
    "$BIN" --preset "$preset" --tokens 4096 --threads "$THREADS" --steps "$STEPS" --shape-out "$SHAPES/$preset.json" --profile
    if python3 -c 'import torch' 2>/dev/null; then
        python3 scripts/bench/model_peer.py "$preset" "$SHAPES/$preset.json" "$THREADS" "$STEPS"
    else
        echo "$preset: PyTorch not installed, peer skipped"
    fi
done
