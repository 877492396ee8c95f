#!/usr/bin/env python3
"""Optimizer trajectories from the RAdam authors' own code, for Tests/OptimTests.

Run by hand (needs `pip install torch` and a copy of github.com/LiyuanLucasLiu/RAdam):

    python3 scripts/reference/make_authors_optim_fixtures.py --repo PATH/TO/RAdam
    python3 scripts/reference/make_authors_optim_fixtures.py --git-dir PATH/TO/RAdam.git   (a bare mirror)

It loads, unchanged, `radam/radam.py` (class RAdam, degenerated_to_sgd False = nmt's
`--radam-degenerate skip`, True = `sgd`) and `nmt/my_module/adam2.py` (class Adam2 = nmt's
`--adam-freeze N`). adam2.py imports fairseq and tensorboardX at module level; neither is used
by the optimizer class itself, so small stand-ins are put in sys.modules. Adam2 freezes only
when 'adam_1k' is in its name (how the authors' fairseq wrapper tags the Adam-2k arm), so the
script names it that way. Writes Tests/Fixtures/optim/authors_trajectories.json with the same
fields as trajectories.json plus `degenerate` and `adam_freeze`.

It also writes Tests/Fixtures/optim/authors_eps_trajectories.json: gradients whose per-step
scale is log-uniform over 1e-10 .. 1 (stratified, so every decade gets several steps), where
epsilon matters. Cases: adam2.py (eps_mode "inside": it adds eps to sqrt(v) and multiplies by
sqrt(1 - beta2^t) afterwards), torch.optim.AdamW (foreach=False, eps_mode "torch": eps added to
sqrt(v)/sqrt(1 - beta2^t)) and radam/radam.py in both degenerate modes (eps_mode "torch": as in
torch.optim.RAdam, and so the same placement as torch's RAdam: eps is added to the raw sqrt(v)
and the step then scaled by sqrt(1 - beta2^t)). Same fields plus `eps_mode`, `source` and
`gradient_pattern`. To stay under 400 KB, gradients are rounded to two significant digits and
every Float32 value is written in its shortest round-tripping decimal form (checked: parsing it
as a Double and rounding to Float gives the same Float32).

The recipe's RAdam arm (`--optimizer radam --user-dir ./my_module`) runs nmt/my_module/radam.py,
not radam/radam.py: always degenerating to SGD. The script replays every `sgd` case with it too
and stops unless the trajectory is the same (it is not stored: it would be a duplicate).
"""
import argparse
import json
import pathlib
import subprocess
import sys
import types
import warnings
from decimal import Decimal

import numpy as np
import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from make_optim_fixtures import STEPS, SIZE, gradients, schedule  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parents[2] / "Tests/Fixtures/optim/authors_trajectories.json"
EPS_OUT = OUT.with_name("authors_eps_trajectories.json")

CASES = [
    dict(name="authors-radam-skip-b2-0.999", source="radam", degenerate="skip", beta2=0.999, eps=1e-8, weight_decay=0.0, lr=1e-3, warmup=0),
    dict(name="authors-radam-skip-b2-0.98-wd", source="radam", degenerate="skip", beta2=0.98, eps=1e-8, weight_decay=0.05, lr=2e-3, warmup=0),
    dict(name="authors-radam-sgd-b2-0.999-wd", source="radam", degenerate="sgd", beta2=0.999, eps=1e-8, weight_decay=0.01, lr=1e-3, warmup=0),
    dict(name="authors-adam2-freeze-10-b2-0.98", source="adam2", adam_freeze=10, beta2=0.98, eps=1e-8, weight_decay=0.0, lr=1e-3, warmup=0),
    dict(name="authors-adam2-freeze-25-b2-0.999-wd", source="adam2", adam_freeze=25, beta2=0.999, eps=1e-8, weight_decay=0.01, lr=3e-3, warmup=10),
]


def read_source(args, path):
    if args.repo:
        return (pathlib.Path(args.repo) / path).read_text()
    return subprocess.run(["git", "--git-dir", args.git_dir, "show", f"HEAD:{path}"], check=True,
                          capture_output=True, text=True).stdout


def load(args, path, name, extra_globals=None):
    """Executes one of the authors' files as a module, with stand-ins for its unused imports."""
    fairseq = types.ModuleType("fairseq")
    optim = types.ModuleType("fairseq.optim")
    optim.FairseqOptimizer = type("FairseqOptimizer", (), {"__init__": lambda self, *a, **k: None})
    optim.register_optimizer = lambda _name: (lambda cls: cls)
    fairseq.optim = optim
    tbx = types.ModuleType("tensorboardX")
    tbx.SummaryWriter = object
    sys.modules.update({"fairseq": fairseq, "fairseq.optim": optim, "tensorboardX": tbx})
    module = types.ModuleType(name)
    module.__dict__.update(extra_globals or {})
    exec(compile(read_source(args, path), path, "exec"), module.__dict__)
    return module


def run(case, seed, radam, adam2):
    torch.manual_seed(seed)
    p = torch.nn.Parameter(torch.randn(SIZE, dtype=torch.float32))
    initial = p.detach().clone()
    lrs = schedule(case["lr"], case["warmup"])
    betas = (0.9, case["beta2"])
    if case["source"] == "radam":
        opt = radam.RAdam([p], lr=lrs[0], betas=betas, eps=case["eps"], weight_decay=case["weight_decay"],
                          degenerated_to_sgd=case["degenerate"] == "sgd")
    else:
        opt = adam2.Adam2([p], lr=lrs[0], betas=betas, eps=case["eps"], weight_decay=case["weight_decay"],
                          adam_freeze=case["adam_freeze"])
        opt.name = "adam_1k_" + opt.name  # the tag under which adam2.py freezes
    grads = gradients(seed)
    params, m1, m2 = [], [], []
    for t in range(STEPS):
        for group in opt.param_groups:
            group["lr"] = lrs[t]
        p.grad = torch.from_numpy(grads[t].copy())
        opt.step()
        params.append(p.detach().tolist())
        st = opt.state[p]
        m1.append(st["exp_avg"].tolist())
        m2.append(st["exp_avg_sq"].tolist())
    out = {k: case[k] for k in ("name", "beta2", "eps", "weight_decay")}
    out.update(optimizer="radam" if case["source"] == "radam" else "adam", degenerate=case.get("degenerate", "sgd"),
               adam_freeze=case.get("adam_freeze", 0), beta1=0.9, momentum=0.9, initial=initial.tolist(), lrs=lrs,
               gradients=grads.tolist(), params=params, first_moment=m1, second_moment=m2)
    return out


# Small gradients, where epsilon matters. lr is a constant or the inverse-sqrt warmup schedule.
EPS_CASES = [
    # the authors' adam2.py (eps added before the sqrt(1 - beta2^t) factor)
    dict(name="eps-adam2-f0-b2-0.98", source="adam2", adam_freeze=0, beta2=0.98, eps=1e-8, weight_decay=0.0, lr=1e-2, warmup=0),
    dict(name="eps-adam2-f0-b2-0.999-wd", source="adam2", adam_freeze=0, beta2=0.999, eps=1e-8, weight_decay=0.01, lr=1e-2, warmup=0),
    dict(name="eps-adam2-f0-b2-0.999-eps1e-4", source="adam2", adam_freeze=0, beta2=0.999, eps=1e-4, weight_decay=0.0, lr=1e-2, warmup=0),
    dict(name="eps-adam2-f0-b2-0.98-eps1e-4-wd", source="adam2", adam_freeze=0, beta2=0.98, eps=1e-4, weight_decay=0.01, lr=1e-2, warmup=10),
    dict(name="eps-adam2-f5-b2-0.98", source="adam2", adam_freeze=5, beta2=0.98, eps=1e-8, weight_decay=0.0, lr=1e-2, warmup=0),
    dict(name="eps-adam2-f5-b2-0.98-eps1e-4-wd", source="adam2", adam_freeze=5, beta2=0.98, eps=1e-4, weight_decay=0.01, lr=1e-2, warmup=0),
    dict(name="eps-adam2-f5-b2-0.999-wd", source="adam2", adam_freeze=5, beta2=0.999, eps=1e-8, weight_decay=0.01, lr=1e-2, warmup=0),
    dict(name="eps-adam2-f20-b2-0.98-wd", source="adam2", adam_freeze=20, beta2=0.98, eps=1e-8, weight_decay=0.01, lr=1e-2, warmup=0),
    dict(name="eps-adam2-f20-b2-0.999", source="adam2", adam_freeze=20, beta2=0.999, eps=1e-8, weight_decay=0.0, lr=1e-2, warmup=0),
    dict(name="eps-adam2-f20-b2-0.999-eps1e-4-wd", source="adam2", adam_freeze=20, beta2=0.999, eps=1e-4, weight_decay=0.01, lr=1e-2, warmup=0, pattern="mixed"),
    # torch.optim.AdamW (eps added after dividing sqrt(v) by sqrt(1 - beta2^t))
    dict(name="eps-adamw-b2-0.98", source="torch-adamw", beta2=0.98, eps=1e-8, weight_decay=0.0, lr=1e-2, warmup=0),
    dict(name="eps-adamw-b2-0.999-wd", source="torch-adamw", beta2=0.999, eps=1e-8, weight_decay=0.01, lr=1e-2, warmup=0),
    dict(name="eps-adamw-b2-0.999-eps1e-4", source="torch-adamw", beta2=0.999, eps=1e-4, weight_decay=0.0, lr=1e-2, warmup=0),
    dict(name="eps-adamw-b2-0.98-eps1e-4-wd", source="torch-adamw", beta2=0.98, eps=1e-4, weight_decay=0.01, lr=1e-2, warmup=10),
    # the authors' radam/radam.py, both degenerate modes
    dict(name="eps-radam-skip-b2-0.999", source="radam", degenerate="skip", beta2=0.999, eps=1e-8, weight_decay=0.0, lr=1e-2, warmup=0),
    dict(name="eps-radam-skip-b2-0.98-wd", source="radam", degenerate="skip", beta2=0.98, eps=1e-8, weight_decay=0.01, lr=1e-2, warmup=0),
    dict(name="eps-radam-sgd-b2-0.999-eps1e-4-wd", source="radam", degenerate="sgd", beta2=0.999, eps=1e-4, weight_decay=0.01, lr=1e-2, warmup=0),
    dict(name="eps-radam-sgd-b2-0.98-mixed", source="radam", degenerate="sgd", beta2=0.98, eps=1e-8, weight_decay=0.0, lr=1e-2, warmup=0, pattern="mixed"),
]


def small_gradients(seed, pattern):
    """Per-step scales 10^u, u stratified-uniform over [-10, 0] (one u in each of STEPS equal
    slices, so about six steps per decade): "rising" in increasing order (v stays small for the
    first half, so eps matters there), "mixed" shuffled. Entries are N(0, 1) times the scale,
    rounded to two significant digits (exact in the JSON)."""
    rng = np.random.default_rng(seed)
    u = -10 + 10 * (np.arange(STEPS) + rng.uniform(0, 1, STEPS)) / STEPS
    if pattern == "mixed":
        u = rng.permutation(u)
    g = rng.normal(0, 1, (STEPS, SIZE)) * 10.0 ** u[:, None]
    return np.array([[float(f"{x:.1e}") for x in row] for row in g], dtype=np.float32)


def short(values):
    """Float32 values as the Python floats of their shortest decimal forms (round trip checked
    through Double, as JSONDecoder reads them)."""
    out = []
    for x in np.asarray(values, dtype=np.float32).reshape(-1):
        d = float(str(x))
        assert np.float32(d) == x and np.float32(str(x)) == x, (x, d)
        out.append(d)
    return out


def make_eps_optimizer(case, p, lr, modules):
    radam, adam2, nmt_radam = modules
    common = dict(lr=lr, betas=(0.9, case["beta2"]), eps=case["eps"], weight_decay=case["weight_decay"])
    source = case["source"]
    if source == "radam":
        return radam.RAdam([p], degenerated_to_sgd=case["degenerate"] == "sgd", **common)
    if source == "nmt-radam":
        return nmt_radam.RAdam([p], **common)
    if source == "torch-adamw":
        return torch.optim.AdamW([p], foreach=False, **common)
    opt = adam2.Adam2([p], adam_freeze=case["adam_freeze"], **common)
    opt.name = "adam_1k_" + opt.name  # the tag under which adam2.py freezes
    return opt


def trajectory(case, initial, lrs, grads, modules):
    p = torch.nn.Parameter(initial.clone())
    opt = make_eps_optimizer(case, p, lrs[0], modules)
    params, m1, m2 = [], [], []
    for t in range(STEPS):
        for group in opt.param_groups:
            group["lr"] = lrs[t]
        p.grad = torch.from_numpy(grads[t].copy())
        opt.step()
        params.append(p.detach().numpy().copy())
        st = opt.state[p]
        m1.append(st["exp_avg"].numpy().copy())
        m2.append(st["exp_avg_sq"].numpy().copy())
    return np.array(params), np.array(m1), np.array(m2)


def number(x):
    """The shortest JSON spelling of a float's shortest decimal digits (Python writes 6e-05 and
    0.0006 where 6e-5 and 6e-4 will do); the value is unchanged, and checked."""
    if x == 0:
        return "0.0"
    sign, digits, exp = Decimal(repr(x)).normalize().as_tuple()
    body = "".join(map(str, digits))
    point = len(body) + exp  # decimal point after this many digits of body
    if 0 < point <= len(body):
        positional = body[:point] + "." + (body[point:] or "0")
    elif point <= 0:
        positional = "0." + "0" * -point + body
    else:
        positional = body + "0" * (point - len(body)) + ".0"
    scientific = body[0] + ("." + body[1:] if len(body) > 1 else "") + f"e{point - 1}"
    text = ("-" if sign else "") + min(positional, scientific, key=len)
    assert float(text) == x, (x, text)
    return text


def dumps(value):
    """json.dumps without spaces, floats spelled by `number`."""
    if isinstance(value, float):
        return number(value)
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(k) + ":" + dumps(v) for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    return json.dumps(value)


def run_eps(case, seed, modules):
    torch.manual_seed(seed)
    initial = torch.from_numpy(np.round(torch.randn(SIZE).numpy(), 3).astype(np.float32))
    lrs = schedule(case["lr"], case["warmup"])
    pattern = case.get("pattern", "rising")
    grads = small_gradients(seed, pattern)
    params, m1, m2 = trajectory(case, initial, lrs, grads, modules)
    if case["source"] == "radam" and case["degenerate"] == "sgd":
        other = trajectory(dict(case, source="nmt-radam"), initial, lrs, grads, modules)
        worst = max(float(np.max(np.abs(a - b))) for a, b in zip((params, m1, m2), other))
        print(f"{case['name']}: nmt/my_module/radam.py differs from radam/radam.py by at most {worst:.3g}")
        assert worst <= 1e-7, "nmt/my_module/radam.py no longer matches radam.py's degenerated_to_sgd=True"
    out = {k: case[k] for k in ("name", "beta2", "eps", "weight_decay")}
    out.update(optimizer="radam" if case["source"] == "radam" else "adam", degenerate=case.get("degenerate", "sgd"),
               adam_freeze=case.get("adam_freeze", 0), eps_mode="inside" if case["source"] == "adam2" else "torch",
               source=case["source"], gradient_pattern=pattern, beta1=0.9, momentum=0.9, initial=short(initial.numpy()),
               lrs=lrs, gradients=[short(row) for row in grads], params=[short(r) for r in params],
               first_moment=[short(r) for r in m1], second_moment=[short(r) for r in m2])
    return out

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--repo", help="a checkout of LiyuanLucasLiu/RAdam")
    where.add_argument("--git-dir", help="a bare clone of it")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=UserWarning)  # the authors' code uses deprecated add_(scalar, tensor)
    radam = load(args, "radam/radam.py", "authors_radam")
    adam2 = load(args, "nmt/my_module/adam2.py", "authors_adam2")
    cases = [run(c, 2000 + i, radam, adam2) for i, c in enumerate(CASES)]
    OUT.write_text(json.dumps({"torch": torch.__version__, "steps": STEPS, "cases": cases}))
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(cases)} cases)")
    # nmt/my_module/radam.py increments a module-level iter_idx it never defines (its
    # `iter_idx = 0` is commented out): the stand-in defines it, nothing reads it.
    nmt_radam = load(args, "nmt/my_module/radam.py", "authors_nmt_radam", extra_globals={"iter_idx": 0})
    eps_cases = [run_eps(c, 3000 + i, (radam, adam2, nmt_radam)) for i, c in enumerate(EPS_CASES)]
    text = dumps({"torch": torch.__version__, "steps": STEPS, "cases": eps_cases})
    assert json.loads(text) == json.loads(json.dumps({"torch": torch.__version__, "steps": STEPS, "cases": eps_cases}))
    EPS_OUT.write_text(text)
    print(f"wrote {EPS_OUT} ({EPS_OUT.stat().st_size} bytes, {len(eps_cases)} cases)")


if __name__ == "__main__":
    main()
