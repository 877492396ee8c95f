#!/usr/bin/env bash
# The equal-wall-clock comparison of the `make train-small` recipe against the PyTorch peer
# (scripts/recipe/pytorch_equal_time.py: same batches, architecture, dropout, label smoothing,
# RAdam, learning rate and schedule, same threads; pure training, no validation or checkpoints).
# Both models are decoded by `nmt translate` (beam 5) on the whole test set and scored with
# `nmt bleu` (= sacreBLEU), so only the training differs. Needs torch (pip).
#
#   equal-wall-clock.sh --together DB RECIPE...   nmt trains RECIPE (the flags of `nmt train`,
#       with --max-time) into a new run in DB while the peer trains for the same --max-time,
#       at the same time, one core each: both measured in the same run on the same machine.
#   equal-wall-clock.sh DB RUN UPDATE [threads]   an existing run's checkpoint at UPDATE against
#       the peer trained afterwards for the seconds that run needed to reach UPDATE.
set -euo pipefail
cd "$(dirname "$0")/../.."
NMT=.build/release/nmt
WORK=out/recipe/equal-wall-clock
mkdir -p "$WORK"
python3 -c 'import torch' 2>/dev/null || { echo "equal-wall-clock: needs torch (pip install torch)" >&2; exit 1; }

# The run's recipe as the peer needs it, from the run's stored configuration:
# PRESET LR SCHEDULE WARMUP MAX_UPDATE MAX_TOKENS VOCAB MAX_TIME_SECONDS.
run_settings() {  # DB RUN UPDATE-or-0
    python3 - "$@" <<'PY'
import json, sqlite3, sys
db, run, update = sys.argv[1], sys.argv[2], int(sys.argv[3])
c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
row = c.execute("select config_json from runs where name = ?", (run,)).fetchone()
if row is None:
    sys.exit(f"equal-wall-clock: {db} has no run {run}")
cfg = json.loads(row[0])
o, s, t, m = cfg["optimizer"], cfg["schedule"], cfg["trainer"], cfg["model"]
if o["kind"] != "radam":
    sys.exit("equal-wall-clock: the peer trains RAdam runs only")
preset = {128: "tiny", 256: "small", 512: "iwslt"}[m["modelDimension"]]
# Only the linear schedule needs the run's max-update; otherwise the peer may take as many updates as its time allows.
max_update = s.get("maxUpdate", 0) if s["kind"] == "linear" else (20 * update if update else 20000)
print(preset, s["lr"], s["kind"], s.get("warmup", 0), max_update, t["maxTokens"], cfg["data"]["vocabulary"],
      t.get("maxTimeSeconds") or 0)
PY
}

# The run's newest stored (not averaged) checkpoint at or before UPDATE (0: the newest of all),
# its update and the training seconds the run had spent when it was saved.
run_checkpoint() {  # DB RUN UPDATE-or-0
    python3 - "$@" <<'PY'
import sqlite3, sys
db, run, update = sys.argv[1], sys.argv[2], int(sys.argv[3])
c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
(run_id,) = c.execute("select id from runs where name = ?", (run,)).fetchone()
where = "and update_step = ?" if update else "and update_step >= ?"
row = c.execute(f"select id, update_step from checkpoints where run_id = ? and kind != 'average' {where} "
                "order by update_step desc, id desc", (run_id, update)).fetchone()
if row is None:
    sys.exit(f"equal-wall-clock: run {run} has no checkpoint" + (f" at update {update}" if update else ""))
seconds = c.execute("select max(wall_seconds) from metrics where run_id = ? and update_step <= ?", (run_id, row[1])).fetchone()[0]
print(row[0], row[1], seconds)
PY
}

run_peer() {  # DB RUN THREADS SECONDS SETTINGS...: writes $WORK/pytorch.safetensors and $WORK/pytorch.json
    local db=$1 run=$2 threads=$3 seconds=$4 preset=$5 lr=$6 schedule=$7 warmup=$8 max_update=$9 max_tokens=${10}
    python3 scripts/recipe/pytorch_equal_time.py "$(dirname "$db")/.nmt-cache" "$(wc -l < data/bible/train.es)" "$max_tokens" \
        "$threads" "$preset" "$lr" "$schedule" "$warmup" "$max_update" "$seconds" "$db" "$run" \
        "$WORK/pytorch.safetensors" > "$WORK/pytorch.json"
}

score() {  # NAME: decodes $WORK/NAME.safetensors, prints "BLEU chrF"
    "$NMT" translate --model "$WORK/$1.safetensors" --vocab "$VOCAB" --beam 5 --threads "$(nproc)" --quiet \
        < data/bible/test.es > "$WORK/$1.test.hyp"
    "$NMT" bleu data/bible/test.en -i "$WORK/$1.test.hyp" -m bleu chrf -b | paste -sd' '
}

if [[ ${1:-} == --together ]]; then
    DB=$2; shift 2
    RUN=equal-time-nmt
    rm -f "$DB" "$DB"-wal "$DB"-shm
    mkdir -p "$(dirname "$DB")"
    "$NMT" train --db "$DB" --name "$RUN" "$@" --threads 1 > "$WORK/nmt-train.log" 2>&1 &
    TRAIN_PID=$!
    # The peer reads nmt's encoded corpus and the run's configuration, both written before the first update.
    until [[ -n $(ls "$(dirname "$DB")"/.nmt-cache/*.ids 2>/dev/null) ]] && run_settings "$DB" "$RUN" 0 >/dev/null 2>&1; do
        kill -0 "$TRAIN_PID" 2>/dev/null || { cat "$WORK/nmt-train.log" >&2; exit 1; }
        sleep 1
    done
    read -r PRESET LR SCHEDULE WARMUP MAX_UPDATE MAX_TOKENS VOCAB MAX_TIME < <(run_settings "$DB" "$RUN" 0)
    [[ $MAX_TIME != 0 ]] || { echo "equal-wall-clock: --together needs --max-time in the recipe" >&2; exit 1; }
    echo "together: nmt (1 thread, log $WORK/nmt-train.log) and PyTorch (1 thread) train $PRESET, RAdam lr $LR, $SCHEDULE, for $MAX_TIME s each" >&2
    run_peer "$DB" "$RUN" 1 "$MAX_TIME" "$PRESET" "$LR" "$SCHEDULE" "$WARMUP" "$MAX_UPDATE" "$MAX_TOKENS"
    wait "$TRAIN_PID"
    read -r CHECKPOINT UPDATE TRAIN_SECONDS < <(run_checkpoint "$DB" "$RUN" 0)
    "$NMT" average "$RUN" --db "$DB" --last 3 --quiet >/dev/null
    "$NMT" export "$RUN" --db "$DB" --checkpoint avg --out "$WORK/nmt-avg.safetensors" --quiet >/dev/null
    AVG_SCORES=$(score nmt-avg)
else
    DB=$1 RUN=$2 UPDATE=$3 THREADS=${4:-$(nproc)}
    read -r CHECKPOINT UPDATE TRAIN_SECONDS < <(run_checkpoint "$DB" "$RUN" "$UPDATE")
    read -r PRESET LR SCHEDULE WARMUP MAX_UPDATE MAX_TOKENS VOCAB _ < <(run_settings "$DB" "$RUN" "$UPDATE")
    echo "nmt: run $RUN, checkpoint $CHECKPOINT at update $UPDATE after $TRAIN_SECONDS s of training; peer: $PRESET, RAdam lr $LR, $SCHEDULE, $THREADS threads" >&2
    run_peer "$DB" "$RUN" "$THREADS" "$TRAIN_SECONDS" "$PRESET" "$LR" "$SCHEDULE" "$WARMUP" "$MAX_UPDATE" "$MAX_TOKENS"
    AVG_SCORES=
fi
cat "$WORK/pytorch.json" >&2
"$NMT" export "$RUN" --db "$DB" --checkpoint "$CHECKPOINT" --out "$WORK/nmt.safetensors" --quiet >/dev/null
NMT_SCORES=$(score nmt)
PEER_SCORES=$(score pytorch)
python3 - "$WORK/pytorch.json" "$UPDATE" "$TRAIN_SECONDS" "$NMT_SCORES" "$PEER_SCORES" "$AVG_SCORES" <<'PY'
import json, sys
peer = json.load(open(sys.argv[1]))
update, seconds = int(sys.argv[2]), float(sys.argv[3])
nmt_bleu, nmt_chrf = map(float, sys.argv[4].split())
peer_bleu, peer_chrf = map(float, sys.argv[5].split())
print(f"| side | training seconds | updates | test BLEU (beam 5) | chrF2 |")
print(f"|---|---|---|---|---|")
print(f"| nmt, last checkpoint | {seconds:.0f} | {update} | {nmt_bleu:.2f} | {nmt_chrf:.2f} |")
if sys.argv[6]:
    avg_bleu, avg_chrf = map(float, sys.argv[6].split())
    print(f"| nmt, average of the last 3 checkpoints | {seconds:.0f} | {update} | {avg_bleu:.2f} | {avg_chrf:.2f} |")
print(f"| PyTorch {peer['torch']} | {peer['seconds']:.0f} | {peer['updates']} | {peer_bleu:.2f} | {peer_chrf:.2f} |")
print(f"updates in the same time: nmt / PyTorch = {update / peer['updates']:.2f}x")
PY
