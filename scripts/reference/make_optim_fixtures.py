#!/usr/bin/env python3
"""Optimizer trajectories from torch.optim, for Tests/OptimTests.

Run by hand (needs `pip install torch`); writes Tests/Fixtures/optim/trajectories.json.
Each case: a parameter vector, a fixed sequence of gradients and learning rates, and after
every step the parameters and the optimizer's moments as torch computes them (single-tensor
code path, foreach=False, so the operation order is the documented one).
"""
import json
import pathlib

import numpy as np
import torch

STEPS = 60
SIZE = 8
OUT = pathlib.Path(__file__).resolve().parents[2] / "Tests/Fixtures/optim/trajectories.json"


def gradients(seed):
    rng = np.random.default_rng(seed)
    # Varying scales (one tiny, one huge step) so rectification and eps both matter.
    scales = np.exp(rng.normal(0, 1, STEPS)).astype(np.float32)
    scales[7] = 1e-4
    scales[23] = 50.0
    g = rng.normal(0, 1, (STEPS, SIZE)).astype(np.float32) * scales[:, None]
    return g.astype(np.float32)


def schedule(base, warmup):
    # An inverse-sqrt schedule with warmup, so per-step learning rates are exercised.
    return [base * min(t / warmup, (warmup / t) ** 0.5) if warmup else base for t in range(1, STEPS + 1)]


CASES = [
    dict(name="adam-b2-0.98", optimizer="adam", cls="Adam", beta2=0.98, eps=1e-8, weight_decay=0.0, lr=1e-3, warmup=10),
    dict(name="adamw-b2-0.999-wd", optimizer="adam", cls="AdamW", beta2=0.999, eps=1e-8, weight_decay=0.01, lr=5e-3, warmup=0),
    dict(name="adam-b2-0.9995-eps1e-6", optimizer="adam", cls="Adam", beta2=0.9995, eps=1e-6, weight_decay=0.0, lr=3e-3, warmup=0),
    dict(name="radam-b2-0.98", optimizer="radam", cls="RAdam", beta2=0.98, eps=1e-8, weight_decay=0.0, lr=1e-3, warmup=0),
    dict(name="radam-b2-0.999", optimizer="radam", cls="RAdam", beta2=0.999, eps=1e-8, weight_decay=0.0, lr=1e-3, warmup=0),
    dict(name="radam-b2-0.9995-wd", optimizer="radam", cls="RAdam", beta2=0.9995, eps=1e-8, weight_decay=0.05, lr=2e-3, warmup=0),
    dict(name="sgd-momentum", optimizer="sgd", cls="SGD", beta2=0.0, eps=0.0, weight_decay=1e-4, lr=1e-2, warmup=5),
]


def run(case, seed):
    torch.manual_seed(seed)
    p = torch.nn.Parameter(torch.randn(SIZE, dtype=torch.float32))
    initial = p.detach().clone()
    lrs = schedule(case["lr"], case["warmup"])
    if case["cls"] == "SGD":
        opt = torch.optim.SGD([p], lr=lrs[0], momentum=0.9, weight_decay=case["weight_decay"], foreach=False)
    elif case["cls"] == "RAdam":
        opt = torch.optim.RAdam([p], lr=lrs[0], betas=(0.9, case["beta2"]), eps=case["eps"],
                                weight_decay=case["weight_decay"], decoupled_weight_decay=True, foreach=False)
    else:
        cls = getattr(torch.optim, case["cls"])
        opt = cls([p], lr=lrs[0], betas=(0.9, case["beta2"]), eps=case["eps"],
                  weight_decay=case["weight_decay"], foreach=False)
    grads = gradients(seed)
    params, m1, m2 = [], [], []
    for t in range(STEPS):
        for group in opt.param_groups:
            group["lr"] = lrs[t]
        p.grad = torch.from_numpy(grads[t].copy())
        opt.step()
        params.append(p.detach().tolist())
        st = opt.state[p]
        if case["cls"] == "SGD":
            m1.append(st["momentum_buffer"].tolist())
            m2.append([])
        else:
            m1.append(st["exp_avg"].tolist())
            m2.append(st["exp_avg_sq"].tolist())
    out = {k: case[k] for k in ("name", "optimizer", "beta2", "eps", "weight_decay")}
    out.update(beta1=0.9, momentum=0.9, initial=initial.tolist(), lrs=lrs, gradients=grads.tolist(),
               params=params, first_moment=m1, second_moment=m2)
    return out


def main():
    cases = [run(c, 1000 + i) for i, c in enumerate(CASES)]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"torch": torch.__version__, "steps": STEPS, "cases": cases}))
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(cases)} cases)")


if __name__ == "__main__":
    main()
