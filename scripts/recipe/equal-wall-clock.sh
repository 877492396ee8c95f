#!/usr/bin/env bash
# The equal-wall-clock comparison of the `make train-small` recipe: nmt's checkpoint at update
# UPDATE of run RUN (its training time read from the run's metrics) against the PyTorch peer
# (scripts/recipe/pytorch_equal_time.py: same batches, architecture, dropout, label smoothing,
# RAdam, learning rate and schedule, same threads) trained for the same number of seconds on
# this machine, measured one after the other. Both are decoded by `nmt translate` (beam 5) on
# the whole test set and scored with `nmt bleu` (= sacreBLEU), so only the training differs.
# Needs torch (pip). Usage: scripts/recipe/equal-wall-clock.sh DB RUN UPDATE [threads]
set -euo pipefail
cd "$(dirname "$0")/../.."
DB=$1 RUN=$2 UPDATE=$3 THREADS=${4:-$(nproc)}
NMT=.build/release/nmt
WORK=out/recipe/equal-wall-clock
mkdir -p "$WORK"
python3 -c 'import torch' 2>/dev/null || { echo "equal-wall-clock: needs torch (pip install torch)" >&2; exit 1; }

read -r CHECKPOINT TRAIN_SECONDS SETTINGS < <(python3 - "$DB" "$RUN" "$UPDATE" <<'PY'
import json, sqlite3, sys
db, run, update = sys.argv[1], sys.argv[2], int(sys.argv[3])
c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
run_id, config = c.execute("select id, config_json from runs where name = ?", (run,)).fetchone()
checkpoint = c.execute("select id from checkpoints where run_id = ? and update_step = ? and kind != 'average' order by id desc",
                       (run_id, update)).fetchone()
if checkpoint is None:
    sys.exit(f"equal-wall-clock: run {run} has no checkpoint at update {update}")
seconds = c.execute("select max(wall_seconds) from metrics where run_id = ? and update_step <= ?", (run_id, update)).fetchone()[0]
cfg = json.loads(config)
o, s, t, m = cfg["optimizer"], cfg["schedule"], cfg["trainer"], cfg["model"]
if o["kind"] != "radam":
    sys.exit("equal-wall-clock: the peer trains RAdam runs only")
preset = {128: "tiny", 256: "small", 512: "iwslt"}[m["modelDimension"]]
# Only the linear schedule needs the run's max-update; otherwise the peer may take as many updates as its time allows.
max_update = s.get("maxUpdate", 0) if s["kind"] == "linear" else 20 * update
print(checkpoint[0], seconds, preset, s["lr"], s["kind"], s.get("warmup", 0), max_update,
      t["maxTokens"], cfg["data"]["vocabulary"])
PY
)
read -r PRESET LR SCHEDULE WARMUP MAX_UPDATE MAX_TOKENS VOCAB <<<"$SETTINGS"
echo "nmt: run $RUN, checkpoint $CHECKPOINT at update $UPDATE after $TRAIN_SECONDS s of training; peer: $PRESET, RAdam lr $LR, $SCHEDULE (warmup $WARMUP, max-update $MAX_UPDATE), $MAX_TOKENS tokens, $THREADS threads" >&2

"$NMT" export "$RUN" --db "$DB" --checkpoint "$CHECKPOINT" --out "$WORK/nmt.safetensors" --quiet >/dev/null
PAIRS=$(wc -l < data/bible/train.es)
python3 scripts/recipe/pytorch_equal_time.py "$(dirname "$DB")/.nmt-cache" "$PAIRS" "$MAX_TOKENS" "$THREADS" "$PRESET" "$LR" "$SCHEDULE" \
    "$WARMUP" "$MAX_UPDATE" "$TRAIN_SECONDS" "$WORK/nmt.safetensors" "$WORK/pytorch.safetensors" > "$WORK/pytorch.json"
cat "$WORK/pytorch.json" >&2

for side in nmt pytorch; do
    "$NMT" translate --model "$WORK/$side.safetensors" --vocab "$VOCAB" --beam 5 --threads "$THREADS" --quiet < data/bible/test.es > "$WORK/$side.test.hyp"
done
NMT_SCORES=$("$NMT" bleu data/bible/test.en -i "$WORK/nmt.test.hyp" -m bleu chrf -b | paste -sd' ')
PEER_SCORES=$("$NMT" bleu data/bible/test.en -i "$WORK/pytorch.test.hyp" -m bleu chrf -b | paste -sd' ')
python3 - "$WORK/pytorch.json" "$UPDATE" "$TRAIN_SECONDS" "$NMT_SCORES" "$PEER_SCORES" <<'PY'
import json, sys
peer = json.load(open(sys.argv[1]))
update, seconds = int(sys.argv[2]), float(sys.argv[3])
nmt_bleu, nmt_chrf = map(float, sys.argv[4].split())
peer_bleu, peer_chrf = map(float, sys.argv[5].split())
print(f"| side | training seconds | updates | test BLEU (beam 5) | chrF2 |")
print(f"|---|---|---|---|---|")
print(f"| nmt | {seconds:.0f} | {update} | {nmt_bleu:.2f} | {nmt_chrf:.2f} |")
print(f"| PyTorch {peer['torch']} | {peer['seconds']:.0f} | {peer['updates']} | {peer_bleu:.2f} | {peer_chrf:.2f} |")
print(f"updates in the same time: nmt / PyTorch = {update / peer['updates']:.2f}x")
PY
