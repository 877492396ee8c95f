#!/usr/bin/env python3
"""Writes Tests/Fixtures/bleu-stats/rng.json: what numpy's default_rng draws for sacreBLEU's statistics.

sacreBLEU 2.6.0 (--confidence, --paired-bs, --paired-ar) seeds `numpy.random.default_rng(seed)` with
seed = int(os.environ.get("SACREBLEU_SEED", "12345")), i.e. SeedSequence(seed) -> PCG64, and draws
  * bootstrap: rng.choice(n, size=(n_samples, n), replace=True)  (a fresh generator per system/metric set)
  * paired AR: rng.integers(2, size=(n_trials, n), dtype=bool), then, only when the API is given
    n_ar_confidence > 0, rng.choice(n, size=(n_ar_confidence, n), replace=True) from the same generator.

For each seed (12345, sacreBLEU's default, and 1) the file records:
  * seed_sequence_pool_uint32: SeedSequence(seed).pool (4 uint32 words after mix_entropy)
  * generate_state_4_uint32 / generate_state_4_uint64: SeedSequence(seed).generate_state(4, dtype)
  * pcg64_state_after_seeding: PCG64(seed).state -> {"state", "inc"} (128-bit, decimal strings)
  * random_raw_first_8: the first 8 PCG64(seed).random_raw() values (uint64, decimal strings)
  * next_uint32_first_8: the first 8 next_uint32 values of a fresh PCG64(seed) (low half of each
    64-bit output first, then its high half)
  * calls: direct numpy calls with small sizes, each with the exact call in "numpy_call" and its "value"
  * sacrebleu_call_log: every Generator call sacreBLEU itself makes (numpy.random.default_rng wrapped
    by a recording proxy) while running its real PairedTest / corpus_score code on a 7-sentence corpus
    with 3 resamples / trials, in call order, with arguments and results.
64-bit integers are written as decimal strings; index matrices and bool matrices (as 0/1) as JSON arrays.
Deterministic: rerunning rewrites an identical file (given the same numpy/sacrebleu versions).

Usage (from the package root): python3 scripts/reference/make_rng_fixtures.py
Needs: pip install sacrebleu==2.6.0 numpy
"""
import json
import os
import platform

import numpy as np
import sacrebleu
from sacrebleu.metrics import BLEU, CHRF, TER
from sacrebleu.significance import PairedTest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.normpath(os.path.join(ROOT, "Tests", "Fixtures", "bleu-stats", "rng.json"))
SEEDS = [12345, 1]


def next_uint32_values(seed, count):
    bg = np.random.PCG64(seed)
    fn = bg.ctypes.next_uint32
    st = bg.ctypes.state
    return [str(int(fn(st))) for _ in range(count)]


def direct_calls(seed):
    calls = {}

    def add(key, call_text, fn, **meta):
        value = fn(np.random.default_rng(seed))
        entry = {"numpy_call": call_text.replace("SEED", str(seed))}
        entry.update(meta)
        entry["value"] = value
        calls[key] = entry

    add("bootstrap_n7_k3", "np.random.default_rng(SEED).choice(7, size=(3, 7), replace=True)",
        lambda g: g.choice(7, size=(3, 7), replace=True).tolist(), kind="bootstrap", n=7, k=3)
    add("bootstrap_n1_k2", "np.random.default_rng(SEED).choice(1, size=(2, 1), replace=True)  # no draws",
        lambda g: g.choice(1, size=(2, 1), replace=True).tolist(), kind="bootstrap", n=1, k=2)
    add("bootstrap_n2_k4", "np.random.default_rng(SEED).choice(2, size=(4, 2), replace=True)",
        lambda g: g.choice(2, size=(4, 2), replace=True).tolist(), kind="bootstrap", n=2, k=4)
    add("ar_n7_t3", "np.random.default_rng(SEED).integers(2, size=(3, 7), dtype=bool)",
        lambda g: {"pos_sel": g.integers(2, size=(3, 7), dtype=bool).astype(int).tolist()},
        kind="ar", n=7, trials=3)
    add("ar_n33_t2", "np.random.default_rng(SEED).integers(2, size=(2, 33), dtype=bool)  # 66 bools: 3 uint32 words",
        lambda g: {"pos_sel": g.integers(2, size=(2, 33), dtype=bool).astype(int).tolist()},
        kind="ar", n=33, trials=2)

    def ar_then_bootstrap(g):
        pos = g.integers(2, size=(3, 7), dtype=bool).astype(int).tolist()
        bs = g.choice(7, size=(2, 7), replace=True).tolist()
        return {"pos_sel": pos, "bs_idxs": bs}

    add("ar_n7_t3_then_bootstrap_k2",
        "g = np.random.default_rng(SEED); g.integers(2, size=(3, 7), dtype=bool); g.choice(7, size=(2, 7), replace=True)",
        ar_then_bootstrap, kind="ar", n=7, trials=3, n_ar_confidence=2)

    def boot_then_raw(g):
        g.choice(7, size=(3, 7), replace=True)
        return {"next_random_raw": str(int(g.bit_generator.random_raw()))}

    add("bootstrap_n7_k3_then_random_raw",
        "g = np.random.default_rng(SEED); g.choice(7, size=(3, 7), replace=True); g.bit_generator.random_raw()"
        "  # 21 next_uint32 = 11 outputs, the 22nd half stays buffered; random_raw ignores the buffer",
        boot_then_raw, kind="bootstrap_then_state", n=7, k=3)
    add("integers_lemire32_rejections",
        "np.random.default_rng(SEED).integers(0, 3000000000, size=16, dtype=np.int64)"
        "  # large bound: the Lemire rejection branch is taken often",
        lambda g: g.integers(0, 3000000000, size=16, dtype=np.int64).tolist(),
        kind="integers", low=0, high=3000000000, count=16)
    return calls


class RecordingGenerator:
    """Wraps numpy's Generator and logs every call sacreBLEU makes on it."""

    def __init__(self, real_default_rng, seed, log):
        self._g = real_default_rng(seed)
        self._log = log
        log.append({"call": "np.random.default_rng", "args": [seed]})

    def _record(self, name, args, kwargs, result):
        kw = {}
        for k, v in kwargs.items():
            if isinstance(v, type):
                v = v.__name__
            elif isinstance(v, tuple):
                v = list(v)
            kw[k] = v
        res = np.asarray(result)
        if res.dtype == np.bool_:
            res = res.astype(int)
        self._log.append({"call": name, "args": list(args), "kwargs": kw,
                          "result_dtype": str(np.asarray(result).dtype), "result": res.tolist()})

    def choice(self, *args, **kwargs):
        r = self._g.choice(*args, **kwargs)
        self._record("choice", args, kwargs, r)
        return r

    def integers(self, *args, **kwargs):
        r = self._g.integers(*args, **kwargs)
        self._record("integers", args, kwargs, r)
        return r

    def __getattr__(self, name):
        raise AttributeError(f"sacreBLEU used an unrecorded Generator method: {name}")


HYPS_BASE = ["the cat sat on the mat", "a dog ran", "hello world", "it is raining today",
             "we went home", "good morning to you", "the end"]
HYPS_SYS = ["the cat is on the mat", "the dog ran away", "hello there world", "it rains today",
            "we go home now", "good morning", "end"]
REFS = [["the cat sat on the mat", "a dog ran away", "hello world", "it is raining today",
         "we went home", "good morning to you all", "the end"]]


def sacrebleu_call_log(seed):
    """Runs sacreBLEU's own code with a recording default_rng."""
    real = np.random.default_rng
    scenarios = {}
    old_env = os.environ.get("SACREBLEU_SEED")
    os.environ["SACREBLEU_SEED"] = str(seed)
    try:
        def run(name, fn):
            log = []
            np.random.default_rng = lambda s=None: RecordingGenerator(real, s, log)
            try:
                fn()
            finally:
                np.random.default_rng = real
            scenarios[name] = log

        def metrics():
            return {"BLEU": BLEU(references=REFS), "CHRF": CHRF(references=REFS), "TER": TER(references=REFS)}

        systems = [("Baseline: base", HYPS_BASE), ("sys", HYPS_SYS)]
        run("cli_paired_bs (PairedTest test_type='bs', n_samples=3; metrics BLEU, CHRF, TER)",
            lambda: PairedTest(systems, metrics(), references=None, test_type="bs", n_samples=3)())
        run("cli_paired_ar (PairedTest test_type='ar', n_samples=3; n_ar_confidence=-1 as on the command line)",
            lambda: PairedTest(systems, metrics(), references=None, test_type="ar", n_samples=3)())
        run("api_paired_ar_with_confidence (PairedTest test_type='ar', n_samples=3, n_ar_confidence=2)",
            lambda: PairedTest(systems, metrics(), references=None, test_type="ar", n_samples=3,
                               n_ar_confidence=2)())
        run("cli_confidence (BLEU().corpus_score(hyps, refs, n_bootstrap=3), then CHRF, TER)",
            lambda: [m.corpus_score(HYPS_SYS, REFS, n_bootstrap=3) for m in (BLEU(), CHRF(), TER())])
    finally:
        if old_env is None:
            del os.environ["SACREBLEU_SEED"]
        else:
            os.environ["SACREBLEU_SEED"] = old_env
    return scenarios


def main():
    seeds = {}
    for seed in SEEDS:
        ss = np.random.SeedSequence(seed)
        bg = np.random.PCG64(seed)
        st = bg.state["state"]
        seeds[str(seed)] = {
            "seed_sequence_pool_uint32": [str(int(x)) for x in ss.pool],
            "generate_state_4_uint32": [str(int(x)) for x in ss.generate_state(4, np.uint32)],
            "generate_state_4_uint64": [str(int(x)) for x in ss.generate_state(4, np.uint64)],
            "pcg64_state_after_seeding": {"state": str(st["state"]), "inc": str(st["inc"])},
            "random_raw_first_8": [str(int(x)) for x in np.random.PCG64(seed).random_raw(8)],
            "next_uint32_first_8": next_uint32_values(seed, 8),
            "calls": direct_calls(seed),
            "sacrebleu_call_log": sacrebleu_call_log(seed),
        }
    doc = {
        "generator": "scripts/reference/make_rng_fixtures.py",
        "versions": {"numpy": np.__version__, "sacrebleu": sacrebleu.__version__,
                     "python": platform.python_version()},
        "seeds": seeds,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    text = json.dumps(doc, indent=1, ensure_ascii=False)
    # keep small integer rows on one line
    import re
    text = re.sub(r"\[\s+((?:-?\d+,\s+)*-?\d+)\s+\]", lambda m: "[" + re.sub(r"\s+", " ", m.group(1)) + "]", text)
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text + "\n")
    print(f"wrote {OUT} ({len(text) + 1} bytes)")


if __name__ == "__main__":
    main()
