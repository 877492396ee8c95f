#!/usr/bin/env python3
"""Learning rates per update from the RAdam authors' linear schedule and fairseq's
polynomial_decay, for the schedule tests.

Run by hand (plain Python 3, no torch):

    python3 scripts/reference/make_authors_schedule_fixture.py \\
        --git-dir PATH/TO/RAdam.git --fairseq-git-dir PATH/TO/fairseq.git      (bare mirrors)

(--repo / --fairseq-repo take checkouts instead; an unpacked fairseq-fixed 0.12.3.1 sdist
serves as --fairseq-repo, its scheduler files are fairseq's.)

Loaded unchanged, at run time:
  - nmt/my_module/linear_schedule.py from LiyuanLucasLiu/RAdam (`--lr-scheduler linear` of
    every NMT recipe), on top of fairseq v0.8.0's fairseq_lr_scheduler.py (the authors' code is
    of fairseq 0.6-0.8: `FairseqOptimizer(args, params)`, `self.args`); from a fairseq checkout
    without tags, its LegacyFairseqLRScheduler (the same args-based class) stands in;
  - fairseq/optim/lr_scheduler/polynomial_decay_schedule.py and fairseq_lr_scheduler.py from
    fairseq's newest commit (power 1, end_learning_rate 0, total_num_update = max_update).
Their imports of fairseq's registry, dataclass helpers and omegaconf are replaced by small
stand-ins (nothing of them is used by the rates).

The rates are read the way fairseq's trainer (v0.7.0 and later, fairseq/trainer.py) drives a
scheduler: `_build_optimizer` builds it and calls `step_update(0)`; each `train_step` calls
`optimizer.step()` and then `set_num_updates(n + 1)`, whose `lr_step_update()` calls
`step_update(n + 1)`; training stops once num_updates >= max_update. So update k (1-based)
uses the rate set by step_update(k - 1). (Epoch boundaries call the scheduler's step /
step_begin_epoch and then lr_step_update() again, which leaves these two schedules' rates
unchanged.) Writes Tests/Fixtures/optim/authors_schedule.json:
{"cases": [{"name", "source", "peak_lr", "warmup", "warmup_init_lr", "max_update", "end_lr",
"updates", "lrs", "lr_after_init"}]} where lrs[i] is the rate used BY update updates[i] and
lr_after_init the rate the scheduler's constructor sets (what update 1 would use with fairseq
0.6's trainer, which has no step_update(0)).
"""
import argparse
import json
import pathlib
import subprocess
import sys
import types
from types import SimpleNamespace

OUT = pathlib.Path(__file__).resolve().parents[2] / "Tests/Fixtures/optim/authors_schedule.json"


def reader(repo, git_dir):
    def read(path, rev="HEAD"):
        if repo:
            return (pathlib.Path(repo) / path).read_text()
        return subprocess.run(["git", "--git-dir", git_dir, "show", f"{rev}:{path}"], check=True,
                              capture_output=True, text=True).stdout
    return read


class FairseqOptimizer:
    """Stand-in for fairseq's optimizer wrapper: only the learning rate (get_lr/set_lr as in
    fairseq, over param_groups)."""

    def __init__(self):
        self.param_groups = [{"lr": None}]

    def get_lr(self):
        return self.param_groups[0]["lr"]

    def set_lr(self, lr):
        for group in self.param_groups:
            group["lr"] = lr


def stand_ins():
    fairseq = types.ModuleType("fairseq")
    fairseq.__path__ = []
    optim = types.ModuleType("fairseq.optim")
    optim.__path__ = []
    optim.FairseqOptimizer = FairseqOptimizer
    optim.register_optimizer = lambda *a, **k: (lambda cls: cls)
    sched = types.ModuleType("fairseq.optim.lr_scheduler")
    sched.__path__ = []
    sched.register_lr_scheduler = lambda *a, **k: (lambda cls: cls)
    dataclass_mod = types.ModuleType("fairseq.dataclass")
    dataclass_mod.__path__ = []
    dataclass_mod.FairseqDataclass = type("FairseqDataclass", (), {})
    dataclass_utils = types.ModuleType("fairseq.dataclass.utils")
    dataclass_utils.gen_parser_from_dataclass = lambda *a, **k: None
    omegaconf = types.ModuleType("omegaconf")
    omegaconf.II = lambda key: "${" + key + "}"
    omegaconf.DictConfig = dict
    fairseq.optim, optim.lr_scheduler, fairseq.dataclass, dataclass_mod.utils = optim, sched, dataclass_mod, dataclass_utils
    sys.modules.update({"fairseq": fairseq, "fairseq.optim": optim, "fairseq.optim.lr_scheduler": sched,
                        "fairseq.dataclass": dataclass_mod, "fairseq.dataclass.utils": dataclass_utils,
                        "omegaconf": omegaconf})
    return sched


def execute(source, path, name, package):
    module = types.ModuleType(name)
    module.__package__ = package
    sys.modules[name] = module
    exec(compile(source, path, "exec"), module.__dict__)
    return module


BASE = "fairseq/optim/lr_scheduler/fairseq_lr_scheduler.py"


def load_authors_linear(read_authors, read_fairseq, fairseq_is_git):
    sched = stand_ins()
    if fairseq_is_git:  # the base class of the authors' fairseq (args-based)
        base = execute(read_fairseq(BASE, "v0.8.0"), BASE, "fairseq.optim.lr_scheduler.fairseq_lr_scheduler",
                       "fairseq.optim.lr_scheduler")
        sched.FairseqLRScheduler = base.FairseqLRScheduler
    else:
        base = execute(read_fairseq(BASE), BASE, "fairseq.optim.lr_scheduler.fairseq_lr_scheduler",
                       "fairseq.optim.lr_scheduler")
        sched.FairseqLRScheduler = base.LegacyFairseqLRScheduler
    path = "nmt/my_module/linear_schedule.py"
    return execute(read_authors(path), path, "authors_linear_schedule", "").LinearSchedule


def load_polynomial_decay(read_fairseq):
    sched = stand_ins()
    base = execute(read_fairseq(BASE), BASE, "fairseq.optim.lr_scheduler.fairseq_lr_scheduler",
                   "fairseq.optim.lr_scheduler")
    sched.FairseqLRScheduler = base.FairseqLRScheduler
    sched.LegacyFairseqLRScheduler = base.LegacyFairseqLRScheduler
    path = "fairseq/optim/lr_scheduler/polynomial_decay_schedule.py"
    return execute(read_fairseq(path), path, "fairseq.optim.lr_scheduler.polynomial_decay_schedule",
                   "fairseq.optim.lr_scheduler").PolynomialDecayLRSchedule


def rates(make_scheduler, max_update, updates):
    """The rate each of `updates` (1-based) uses, as fairseq's trainer sets it."""
    optimizer = FairseqOptimizer()
    scheduler = make_scheduler(optimizer)
    after_init = optimizer.get_lr()
    scheduler.step_update(0)  # Trainer._build_optimizer
    used = {}
    for k in range(1, max_update + 1):
        used[k] = optimizer.get_lr()  # optimizer.step() of update k
        scheduler.step_update(k)  # Trainer.set_num_updates(k) -> lr_step_update()
    return after_init, [used[k] for k in updates]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    authors = parser.add_mutually_exclusive_group(required=True)
    authors.add_argument("--repo", help="a checkout of LiyuanLucasLiu/RAdam")
    authors.add_argument("--git-dir", help="a bare clone of it")
    fairseq = parser.add_mutually_exclusive_group(required=True)
    fairseq.add_argument("--fairseq-repo", help="a checkout of facebookresearch/fairseq (or an unpacked fairseq-fixed sdist)")
    fairseq.add_argument("--fairseq-git-dir", help="a bare clone of facebookresearch/fairseq")
    args = parser.parse_args()
    read_authors = reader(args.repo, args.git_dir)
    read_fairseq = reader(args.fairseq_repo, args.fairseq_git_dir)

    linear = load_authors_linear(read_authors, read_fairseq, args.fairseq_git_dir is not None)
    polynomial = load_polynomial_decay(read_fairseq)

    def authors_case(name, peak, warmup, max_update, end_lr=0.0, warmup_init_lr=-1.0, updates=None):
        updates = updates or list(range(1, max_update + 1))
        # warmup_init_lr -1 is the authors' default: "= lr" (no ramp); the recipes pass 1e-8 or nothing.
        ns = lambda: argparse.Namespace(lr=[peak], warmup_updates=warmup, warmup_init_lr=warmup_init_lr,
                                        min_lr=end_lr, max_update=max_update)
        after_init, lrs = rates(lambda opt: linear(ns(), opt), max_update, updates)
        return dict(name=name, source="authors-linear", peak_lr=peak, warmup=warmup,
                    warmup_init_lr=peak if warmup_init_lr < 0 else warmup_init_lr, max_update=max_update,
                    end_lr=end_lr, updates=updates, lrs=lrs, lr_after_init=after_init)

    def polynomial_case(name, peak, warmup, max_update, end_lr=0.0, updates=None):
        updates = updates or list(range(1, max_update + 1))
        cfg = lambda: SimpleNamespace(lr=[peak], warmup_updates=warmup, force_anneal=None, end_learning_rate=end_lr,
                                      power=1.0, total_num_update=max_update)
        after_init, lrs = rates(lambda opt: polynomial(cfg(), opt), max_update, updates)
        return dict(name=name, source="fairseq-polynomial_decay", peak_lr=peak, warmup=warmup, warmup_init_lr=0.0,
                    max_update=max_update, end_lr=end_lr, updates=updates, lrs=lrs, lr_after_init=after_init)

    # The authors' schedule cannot run without warmup: lr_step = (lr - init) / warmup_updates.
    try:
        authors_case("warmup-0", 1e-3, 0, 20)
        raise SystemExit("linear_schedule.py accepted --warmup-updates 0: update the notes below")
    except ZeroDivisionError:
        pass

    long_updates = [1, 2, 3, 3999, 4000, 4001, 4002, 69999, 70000]
    cases = [
        # "no warmup" in the authors' recipes is --warmup-updates 1 without --warmup-init-lr
        authors_case("authors-linear-1e-3-w1-T20", 1e-3, 1, 20),
        authors_case("authors-linear-1e-3-w5-T20-init0", 1e-3, 5, 20, warmup_init_lr=0.0),
        authors_case("authors-linear-3.086e-4-w1-T25", 3.086e-4, 1, 25),
        authors_case("authors-linear-3e-4-w4000-T70000-init0", 3e-4, 4000, 70000, warmup_init_lr=0.0, updates=long_updates),
        # the recipes exactly (min-lr 1e-9): Adam with warmup, Adam-2k, RAdam / Adam-eps
        authors_case("authors-recipe-adam-warmup", 3e-4, 4000, 70000, end_lr=1e-9, warmup_init_lr=1e-8, updates=long_updates),
        authors_case("authors-recipe-adam-2k", 3.086e-4, 1, 72000, end_lr=1e-9,
                     updates=[1, 2, 3, 1999, 2000, 2001, 2002, 71999, 72000]),
        authors_case("authors-recipe-radam-adam-eps", 3e-4, 1, 70000, end_lr=1e-9, updates=[1, 2, 3, 69999, 70000]),
        polynomial_case("fairseq-poly-1e-3-w0-T20", 1e-3, 0, 20),
        polynomial_case("fairseq-poly-1e-3-w5-T20", 1e-3, 5, 20),
        polynomial_case("fairseq-poly-3.086e-4-w0-T25", 3.086e-4, 0, 25),
        polynomial_case("fairseq-poly-3e-4-w4000-T70000", 3e-4, 4000, 70000, updates=long_updates),
    ]
    notes = {
        "convention": "lrs[i] is the rate used by update updates[i] (1-based): fairseq's trainer calls "
                      "step_update(0) after building the scheduler and step_update(k) after update k, "
                      "so update k uses step_update(k - 1)",
        "authors_warmup_0": "nmt/my_module/linear_schedule.py raises ZeroDivisionError with --warmup-updates 0 "
                            "(lr_step = (lr - warmup_init_lr) / warmup_updates); its recipes use 1",
    }
    OUT.write_text(json.dumps({"notes": notes, "cases": cases}, indent=1) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(cases)} cases)")


if __name__ == "__main__":
    main()
