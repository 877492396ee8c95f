#!/usr/bin/env bash
# Cost of the adaptive-rate diagnostics: `nmt train --preset small` at --log-every 10 with the
# diagnostics on (default) and off (--no-diagnostics), alternating A B A B in the same run,
# same batches and seed. Compares the training rate (target tokens/s of the update loop, which
# includes the diagnostics' measurement; validation and checkpoints excluded) and prints the
# overhead per update. Goal: < 3%. Needs `make build data`.
# Usage: scripts/bench/55-diagnostics.sh [threads] [updates] [repeats]
set -euo pipefail
cd "$(dirname "$0")/../.."
THREADS="${1:-$(nproc)}"
UPDATES="${2:-60}"
REPEATS="${3:-3}"
NMT=.build/release/nmt
[ -x "$NMT" ] || { echo "55-diagnostics: $NMT not found; run make build" >&2; exit 1; }
WORK=out/bench/diagnostics
mkdir -p "$WORK"
rm -f "$WORK"/d.sqlite*
for r in $(seq 1 "$REPEATS"); do
  for arm in on off; do
    flags=(); [ "$arm" = off ] && flags=(--no-diagnostics)
    "$NMT" train --db "$WORK/d.sqlite" --name "$arm-$r" --preset small --optimizer radam --seed 1 --max-update "$UPDATES" \
      --threads "$THREADS" --log-every 10 --save-every 0 --valid-every 0 --quiet "${flags[@]}" >/dev/null
  done
done
python3 - "$WORK/d.sqlite" "$REPEATS" <<'PY'
import sqlite3, statistics, sys
db, repeats = sys.argv[1], int(sys.argv[2])
con = sqlite3.connect(db)
def rate(name):
    # tokens/s of each 10-update interval, the first one dropped (warm-up: caches, page faults)
    rows = [r[0] for r in con.execute(
        "select tokens_per_second from metrics m join runs r on r.id = m.run_id where r.name = ? order by update_step", (name,))]
    return statistics.mean(rows[1:])
on = [rate(f"on-{r}") for r in range(1, repeats + 1)]
off = [rate(f"off-{r}") for r in range(1, repeats + 1)]
groups = con.execute("select count(distinct group_name) from diagnostics d join runs r on r.id = d.run_id where r.name = 'on-1'").fetchone()[0]
print(f"diagnostics on : {' '.join(f'{x:.0f}' for x in on)} target tokens/s ({groups} groups, every 10 updates)")
print(f"diagnostics off: {' '.join(f'{x:.0f}' for x in off)} target tokens/s")
# Each on/off pair ran back to back, so its ratio is the least disturbed by the machine's drift.
pairs = [b / a - 1 for a, b in zip(on, off)]
print(f"overhead per pair: {' '.join(f'{100 * p:+.2f}%' for p in pairs)}")
print(f"overhead per update: {100 * statistics.median(pairs):+.2f}% (median of {len(pairs)} pairs; goal < 3%)")
PY
