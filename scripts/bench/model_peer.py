"""PyTorch peer for scripts/bench/30-model.sh: the same model (scripts/reference/
transformer_reference.py, float32, dropout off) on the same batch shape (JSON from
nmt-bench --shape-out), forward+backward with torch.set_num_threads(threads).
Usage: model_peer.py PRESET SHAPE_JSON THREADS STEPS"""
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
import transformer_reference as ref  # noqa: E402

PRESETS = {"tiny": (128, 4, 512, 2, 2), "small": (256, 4, 1024, 3, 3), "iwslt": (512, 4, 1024, 6, 6)}


def main():
    preset, shape_path, threads, steps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    shape = json.load(open(shape_path))
    d, h, f, le, ld = PRESETS[preset]
    V = 8000
    cfg = dict(vocabularySize=V, modelDimension=d, heads=h, ffnDimension=f, encoderLayers=le, decoderLayers=ld, normalizeBefore=False)
    g = torch.Generator().manual_seed(1)
    P = {n: (torch.randn(*s, generator=g) * 0.05).requires_grad_(True) for n, s in ref.parameter_shapes(cfg)}
    B, S, T = shape["batch"], shape["source_length"], shape["target_length"]
    src = torch.zeros(B, S, dtype=torch.long)
    tin = torch.zeros(B, T, dtype=torch.long)
    tout = torch.zeros(B, T, dtype=torch.long)
    for r, (ls, lt) in enumerate(zip(shape["source_lengths"], shape["target_lengths"])):
        src[r, :ls] = torch.randint(3, V, (ls,), generator=g)
        tin[r, :lt] = torch.randint(3, V, (lt,), generator=g)
        tout[r, :lt] = torch.randint(3, V, (lt,), generator=g)
    table = ref.sinusoidal_table(max(S, T) + 2, d, torch.float32)
    tokens = int(tout.ne(0).sum())

    def step():
        for p in P.values():
            p.grad = None
        logits = ref.forward(P, cfg, src, tin, table)
        loss, _, _ = ref.label_smoothed_loss(logits, tout, 0.1)
        loss.backward()

    step()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    t = min(times)
    print(f"{preset}: PyTorch {torch.__version__} forward+backward {t:.3f} s (best of {steps}), {tokens / t:.0f} target tokens/s, {threads} threads")


if __name__ == "__main__":
    main()
