#!/usr/bin/env bash
# Data-parallel training on this machine: the `small` preset, the same batches per update,
# as 2 MPI ranks × 1 thread (`mpirun -np 2 nmt train --threads 1`) against 1 process × 2
# threads (`nmt train --update-freq 2 --threads 2`), measured in the same run. Prints target
# tokens/s of both (mean over the updates after the first 3), their ratio, and the all-reduce
# time per update (after a barrier, so waiting for the slower rank is reported apart), and
# checks that both runs took the same updates (train loss after the last one).
# Needs `make build data` and mpirun (make deps). Usage: scripts/bench/70-mpi.sh [updates]
set -euo pipefail
cd "$(dirname "$0")/../.."
UPDATES="${1:-20}"
NMT=.build/release/nmt
[ -x "$NMT" ] || { echo "70-mpi: $NMT not found; run make build" >&2; exit 1; }
command -v mpirun >/dev/null || { echo "70-mpi: mpirun not found; run make deps" >&2; exit 1; }
WORK=out/bench/mpi
mkdir -p "$WORK"
rm -f "$WORK"/mpi.sqlite*
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
COMMON=(--db "$WORK/mpi.sqlite" --preset small --optimizer adam --seed 1 --max-update "$UPDATES" --max-tokens 4096
        --log-every 1 --save-every "$UPDATES" --valid-every "$UPDATES" --no-diagnostics)

"$NMT" train --name one-process "${COMMON[@]}" --update-freq 2 --threads 2 2> "$WORK/one.log" >/dev/null
mpirun -np 2 --bind-to none "$NMT" train --name two-ranks "${COMMON[@]}" --threads 1 2> "$WORK/two.log" >/dev/null
REDUCE=$(grep -o 'all-reduce of the gradients: .*' "$WORK/two.log" | tr -d '\r' | tail -1)

python3 - "$WORK/mpi.sqlite" "$REDUCE" <<'PY'
import sqlite3, sys
db, reduce_line = sys.argv[1], sys.argv[2]
c = sqlite3.connect(db)
def rows(name):
    return c.execute("""select update_step, tokens_per_second, train_loss from metrics m join runs r on r.id = m.run_id
                        where r.name = ? order by update_step""", (name,)).fetchall()
one, two = rows("one-process"), rows("two-ranks")
def mean_rate(r):
    steady = [x[1] for x in r[3:]] or [x[1] for x in r]
    return sum(steady) / len(steady)
a, b = mean_rate(one), mean_rate(two)
print(f"small, {len(one)} updates of 2 batches of <= 4096 tokens")
print(f"  1 process x 2 threads, update-freq 2: {a:,.0f} target tokens/s")
print(f"  2 ranks x 1 thread (mpirun):          {b:,.0f} target tokens/s  ({b / a:.2f}x)")
print(f"  {reduce_line}")
la, lb = one[-1][2], two[-1][2]
print(f"  train loss after update {one[-1][0]}: {la:.6f} vs {lb:.6f} (relative difference {abs(la - lb) / la:.1e})")
PY
