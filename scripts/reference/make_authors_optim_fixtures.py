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
"""
import argparse
import json
import pathlib
import subprocess
import sys
import types
import warnings

import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from make_optim_fixtures import STEPS, SIZE, gradients, schedule  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parents[2] / "Tests/Fixtures/optim/authors_trajectories.json"

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


def load(args, path, name):
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


if __name__ == "__main__":
    main()
