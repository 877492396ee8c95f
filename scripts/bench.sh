#!/usr/bin/env bash
# Runs every benchmark in scripts/bench/ in order. Each prints its own numbers together with
# the reference it is compared against, measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
# Benchmarks compare against numpy/torch, so keep OpenBLAS on this CPU's proper kernel;
# nmt itself fixes the kernel at start-up (see Sources/Tensor/BLASRuntime.swift).
for script in scripts/bench/*.sh; do
  [ -e "$script" ] || continue
  echo "== $(basename "$script" .sh)"
  bash "$script"
done
