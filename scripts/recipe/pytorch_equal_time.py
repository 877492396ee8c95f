"""The PyTorch peer of the `make train-small` recipe, for the equal-wall-clock comparison
(scripts/recipe/equal-wall-clock.sh): the same batches as `nmt train` (nmt_batches.py: same
pairs, same epoch order), the same architecture, dropout, label smoothing and loss
normalisation as scripts/bench/train_peer.py, and the recipe's optimizer — torch.optim.RAdam
(betas 0.9/0.98, eps 1e-8; it rectifies once rho_t > 5 and takes un-rectified momentum steps
before, as nmt's default --radam-degenerate sgd) at the recipe's learning rate and schedule —
trained for a wall-clock budget of training time (no validation, no checkpoints in between),
from nmt's initialization scheme (train_peer.init_parameters' "fairseq"; its all-Xavier default, fine for timing,
left this recipe stuck at loss 6.5 at lr 1e-3).
Writes the weights as safetensors with nmt's tensor names and the metadata nmt writes for the
run's model configuration (read from the run database), so `nmt translate --model` decodes them with the
same beam search as nmt's own model. Prints a JSON summary on stdout.
Usage: pytorch_equal_time.py CACHE_DIR TRAIN_PAIRS MAX_TOKENS THREADS PRESET LR SCHEDULE
       WARMUP MAX_UPDATE SECONDS RUN_DB RUN_NAME OUT.safetensors
"""
import json
import os
import sqlite3
import struct
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "bench"))
sys.path.insert(0, os.path.join(HERE, "..", "reference"))
import nmt_batches  # noqa: E402
import train_peer  # noqa: E402
import transformer_reference as ref  # noqa: E402


def learning_rate(schedule, lr, warmup, max_update, t):
    """nmt's Schedule.learningRate (Sources/Optim/Schedule.swift) for warmup-init-lr 0, min-lr 0."""
    if schedule != "constant" and warmup > 0 and t <= warmup:
        return lr * t / warmup
    if schedule == "constant":
        return lr
    if schedule == "inverse-sqrt":
        return lr * (max(warmup, 1) / t) ** 0.5
    if schedule == "linear":
        return lr * (1 - min(1.0, (t - warmup) / (max_update - warmup)))
    raise ValueError(f"unknown schedule {schedule}")


def config_metadata(db, run):
    """The safetensors metadata `nmt export` writes: the run's stored model configuration."""
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    (config,) = connection.execute("select config_json from runs where name = ?", (run,)).fetchone()
    model = json.loads(config)["model"]
    return {"nmt.transformer_config": json.dumps(model, sort_keys=True, separators=(",", ":"))}


def write_safetensors(path, tensors, metadata):
    header, offset, blobs = {"__metadata__": metadata}, 0, []
    for name, t in tensors:
        data = t.detach().contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def main():
    (cache_dir, pair_count, max_tokens, threads, preset, lr, schedule, warmup, max_update, seconds,
     run_db, run_name, out) = sys.argv[1:14]
    max_tokens, threads, warmup, max_update = int(max_tokens), int(threads), int(warmup), int(max_update)
    lr, seconds = float(lr), float(seconds)
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    pairs = nmt_batches.read_cache(nmt_batches.find_cache(cache_dir, int(pair_count)))
    batches = nmt_batches.training_batches(pairs, max_update, max_tokens)
    d, h, f, le, ld = train_peer.PRESETS[preset]
    cfg = dict(vocabularySize=8000, modelDimension=d, heads=h, ffnDimension=f, encoderLayers=le, decoderLayers=ld,
               normalizeBefore=False)
    P = train_peer.init_parameters(cfg, 1, scheme="fairseq")
    params = list(P.values())
    table = ref.sinusoidal_table(1026, d, torch.float32)
    try:
        opt = torch.optim.RAdam(params, lr=lr, betas=(0.9, 0.98), eps=1e-8, foreach=True)
    except TypeError:
        opt = torch.optim.RAdam(params, lr=lr, betas=(0.9, 0.98), eps=1e-8)
    start, updates, tokens, losses = time.perf_counter(), 0, 0, []
    for update, batch in enumerate(batches, start=1):
        if time.perf_counter() - start >= seconds:
            break
        src, tin, tout = train_peer.tensors(batch)
        for g in opt.param_groups:
            g["lr"] = learning_rate(schedule, lr, warmup, max_update, update)
        opt.zero_grad(set_to_none=True)
        logits = train_peer.forward(P, cfg, src, tin, table)
        loss, _, n = ref.label_smoothed_loss(logits, tout, 0.1)
        (loss / n).backward()
        opt.step()
        updates, tokens = update, tokens + n
        losses.append(loss.item() / n)
        if update % 100 == 0:
            elapsed = time.perf_counter() - start
            print(f"update {update} | {elapsed:.0f} s | loss {losses[-1]:.3f} | {tokens / elapsed:.0f} tok/s", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - start
    names = [name for name, _ in ref.parameter_shapes(cfg)]
    write_safetensors(out, [(name, P[name]) for name in names], config_metadata(run_db, run_name))
    print(json.dumps({"torch": torch.__version__, "threads": threads, "updates": updates, "seconds": elapsed,
                      "target_tokens_per_second": tokens / elapsed, "final_train_loss": sum(losses[-20:]) / len(losses[-20:])}))


if __name__ == "__main__":
    main()
