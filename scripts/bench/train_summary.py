"""Report of scripts/bench/50-train.sh (standard library only): nmt's training speed read
from the run's metrics in SQLite, the PyTorch peer's from its JSON, their ratio, and the
checkpoint save time.

The run logs every update (--log-every 1), so each update's wall time is the difference of
consecutive `wall_seconds`. Updates whose interval also holds a periodic checkpoint (the
update after each save) are left out of the speed on both sides and give the checkpoint
estimate instead: that interval minus the update's tokens at the run's own speed. The last
checkpoint is also timed exactly from the outside of the trainer loop: its `created_at` (when
the store starts hashing and writing it) to the run's `ended_at` (written right after it).
Usage: train_summary.py DB RUN CACHE_DIR TRAIN_PAIRS UPDATES MAX_TOKENS SAVE_EVERY THREADS [PEER_JSON]
"""
import json
import os
import sqlite3
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nmt_batches  # noqa: E402


def main():
    db_path, run, cache_dir, pair_count, updates, max_tokens, save_every, threads = sys.argv[1:9]
    updates, max_tokens, save_every = int(updates), int(max_tokens), int(save_every)
    peer = json.load(open(sys.argv[9])) if len(sys.argv) > 9 else None

    pairs = nmt_batches.read_cache(nmt_batches.find_cache(cache_dir, int(pair_count)))
    tokens = [nmt_batches.target_tokens(b) for b in nmt_batches.training_batches(pairs, updates, max_tokens)]

    db = sqlite3.connect(db_path)
    (run_id, ended_at), = db.execute("SELECT id, ended_at FROM runs WHERE name = ?", (run,))
    wall = dict(db.execute("SELECT update_step, wall_seconds FROM metrics WHERE run_id = ?", (run_id,)))
    if sorted(wall) != list(range(1, updates + 1)):
        sys.exit(f"train_summary: run {run} logged updates {sorted(wall)[:3]}…, expected 1…{updates}")
    last = db.execute("SELECT created_at, length(weights), length(optimizer), state FROM checkpoints "
                      "WHERE run_id = ? AND update_step = ? ORDER BY id DESC LIMIT 1", (run_id, updates)).fetchone()
    created_at, weight_bytes, optimizer_bytes, state = last
    seen = json.loads(state)["tokensSeen"]
    if seen != sum(tokens):
        sys.exit(f"train_summary: nmt saw {seen} target tokens, the rebuilt batches hold {sum(tokens)}: batches differ")

    seconds = [wall[1]] + [wall[k] - wall[k - 1] for k in range(2, updates + 1)]
    after_save = {k for k in range(1, updates + 1) if k > 1 and (k - 1) % save_every == 0}
    plain = [k - 1 for k in range(1, updates + 1) if k not in after_save]

    def speed(secs):
        return sum(tokens[i] for i in plain) / sum(secs[i] for i in plain)

    nmt_speed = speed(seconds)
    print(f"train small: {updates} updates (forward, backward, Adam) on the Bible corpus, {sum(tokens)} target tokens "
          f"in batches of ≤ {max_tokens} tokens, {threads} threads; speed over the {len(plain)} updates without a checkpoint")
    print(f"  nmt      {nmt_speed:8.0f} target tokens/s  ({sum(seconds[i] for i in plain):.1f} s)")
    if peer is not None:
        if peer["tokens"] != tokens:
            sys.exit("train_summary: the PyTorch peer trained on other batches than nmt")
        torch_speed = speed(peer["seconds"])
        print(f"  PyTorch  {torch_speed:8.0f} target tokens/s  ({sum(peer['seconds'][i] for i in plain):.1f} s; "
              f"torch {peer['torch']} eager, same {len(tokens)} batches, {peer['threads']} threads)")
        print(f"  ratio nmt/PyTorch {nmt_speed / torch_speed:.2f}x (goal > 1)")
    else:
        print("  PyTorch  not installed, peer skipped")

    estimates = [seconds[k - 1] - tokens[k - 1] / nmt_speed for k in sorted(after_save)]
    size = (weight_bytes + optimizer_bytes) / 1e6
    print(f"checkpoint small ({weight_bytes / 4e6:.2f}M weights + optimizer state = {size:.0f} MB):")
    print(f"  last save, store part (created_at → ended_at): {ended_at - created_at:.3f} s (goal < 1 s)")
    if estimates:
        shown = ", ".join(f"{e:.2f}" for e in estimates)
        print(f"  periodic saves, whole (update interval minus its tokens at the run's speed): median "
              f"{statistics.median(estimates):.2f} s [{shown}] (noisy: ± the spread of per-update times)")


if __name__ == "__main__":
    main()
