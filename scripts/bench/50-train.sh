#!/usr/bin/env bash
# Training speed: 50 full updates (forward, backward, Adam step) of the `small` preset on the
# Bible corpus with `nmt train` (fresh run database, ~4,096-token batches), in target tokens/s,
# and — when torch is installed — the PyTorch peer (scripts/bench/train_peer.py) on exactly the
# same batches in the same order, same architecture, dropout, label smoothing and optimizer, at
# the same thread count, measured in the same run; prints the ratio (goal: nmt faster).
# Diagnostics are off here (the peer computes none; at --log-every 1 they would run every
# update): their cost is scripts/bench/55-diagnostics.sh.
# Also the checkpoint save time of `small` (goal < 1 s): the run checkpoints every 10 updates.
# The report is scripts/bench/train_summary.py (reads the run's metrics from SQLite).
# Needs `make build data`. Usage: scripts/bench/50-train.sh [threads] [updates]
set -euo pipefail
cd "$(dirname "$0")/../.."
THREADS="${1:-$(nproc)}"
UPDATES="${2:-50}"
MAX_TOKENS=4096
SAVE_EVERY=10
NMT=.build/release/nmt
[ -x "$NMT" ] || { echo "50-train: $NMT not found; run make build" >&2; exit 1; }
[ -f data/bible/train.es ] || { echo "50-train: data/bible missing; run make data" >&2; exit 1; }

WORK=out/bench/train
mkdir -p "$WORK"
# A fresh run database each time; the encoded-corpus cache beside it is kept (it only skips BPE).
rm -f "$WORK"/train.sqlite "$WORK"/train.sqlite-wal "$WORK"/train.sqlite-shm "$WORK"/peer.json
PAIRS=$(wc -l < data/bible/train.es)

"$NMT" train --db "$WORK/train.sqlite" --name bench --preset small --optimizer adam --seed 1 \
    --max-update "$UPDATES" --max-tokens "$MAX_TOKENS" --threads "$THREADS" \
    --log-every 1 --save-every "$SAVE_EVERY" --valid-every "$UPDATES" --no-diagnostics --quiet >/dev/null

PEER_JSON=()
if python3 -c 'import torch' 2>/dev/null; then
    python3 scripts/bench/train_peer.py "$WORK/.nmt-cache" "$PAIRS" "$UPDATES" "$MAX_TOKENS" "$THREADS" small > "$WORK/peer.json"
    PEER_JSON=("$WORK/peer.json")
fi
python3 scripts/bench/train_summary.py "$WORK/train.sqlite" bench "$WORK/.nmt-cache" "$PAIRS" "$UPDATES" "$MAX_TOKENS" \
    "$SAVE_EVERY" "$THREADS" "${PEER_JSON[@]}"
