#!/usr/bin/env python3
"""Writes Tests/Fixtures/bleu-stats/significance.json: what `python3 -m sacrebleu -f text` prints for paired
tests (--paired-bs, --paired-ar) and --confidence on the committed real-system corpora of
Tests/Fixtures/bleu-stats (the Bible test set's first 500 verses translated by one model at beam 1, 2 and 5;
30 verses translated by two tiny Adam and RAdam runs).

Each case records the arguments (file paths relative to the package root), SACREBLEU_SEED when set, and
sacreBLEU's stdout. `nmt bleu` with the same arguments must print the same paired tables byte for byte, and the
same means and intervals for --confidence. Deterministic: rerunning rewrites an identical file.

Usage (from the package root): python3 scripts/reference/make_significance_fixtures.py
Needs: pip install sacrebleu==2.6.0 numpy
"""
import json
import os
import subprocess

import sacrebleu

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
D = "Tests/Fixtures/bleu-stats"
BIBLE = [f"{D}/bible500.ref.txt", "-i", f"{D}/bible500.beam1.txt", f"{D}/bible500.beam2.txt", f"{D}/bible500.beam5.txt"]
SMALL = [f"{D}/small30.ref.txt", "-i", f"{D}/small30.adam.txt", f"{D}/small30.radam.txt"]
# A synthetic 2,500-line corpus (Tests/Fixtures/bleu/long_corpus) with a second system made here by
# dropping every fifth word of the first, and a two-reference corpus whose third reference plays a system.
LONG = ["Tests/Fixtures/bleu/long_corpus.ref1.txt", "-i", "Tests/Fixtures/bleu/long_corpus.hyp.txt", f"{D}/long2500.sys2.txt"]
MULTI = ["Tests/Fixtures/bleu/three_references.ref1.txt", "Tests/Fixtures/bleu/three_references.ref2.txt", "-i",
         "Tests/Fixtures/bleu/three_references.hyp.txt", "Tests/Fixtures/bleu/three_references.ref3.txt"]
CASES = [
    ("bible paired-bs bleu chrf ter", BIBLE + ["-m", "bleu", "chrf", "ter", "--paired-bs", "-w", "4"], None),
    ("bible paired-bs bleu w1", BIBLE + ["-m", "bleu", "--paired-bs", "-w", "1"], None),
    ("bible paired-ar bleu chrf ter", BIBLE + ["-m", "bleu", "chrf", "ter", "--paired-ar", "-w", "4"], None),
    ("bible paired-ar 500 chrF++", BIBLE + ["-m", "chrf", "--chrf-word-order", "2", "--paired-ar", "--paired-ar-n", "500", "-w", "4"], None),
    ("small paired-bs bleu chrf ter", SMALL + ["-m", "bleu", "chrf", "ter", "--paired-bs", "-w", "4"], None),
    ("small paired-bs 200 seed 7", SMALL + ["-m", "bleu", "chrf", "--paired-bs", "--paired-bs-n", "200", "-w", "4"], "7"),
    ("small paired-ar ter normalized", SMALL + ["-m", "ter", "--ter-normalized", "--paired-ar", "-w", "4"], None),
    ("long paired-bs bleu chrf ter", LONG + ["-m", "bleu", "chrf", "ter", "--paired-bs", "-w", "4"], None),
    ("long paired-ar bleu", LONG + ["-m", "bleu", "--paired-ar", "--paired-ar-n", "2000", "-w", "4"], None),
    ("two references paired-bs", MULTI + ["-m", "bleu", "chrf", "ter", "--paired-bs", "-w", "4"], None),
    ("bible confidence beam5", [f"{D}/bible500.ref.txt", "-i", f"{D}/bible500.beam5.txt", "-m", "bleu", "chrf", "ter", "--confidence", "-w", "4"], None),
    ("small confidence 200 radam", [f"{D}/small30.ref.txt", "-i", f"{D}/small30.radam.txt", "-m", "bleu", "chrf", "ter",
                                    "--confidence", "--confidence-n", "200", "-w", "4"], None),
    ("bible confidence seed 7", [f"{D}/bible500.ref.txt", "-i", f"{D}/bible500.beam2.txt", "-m", "bleu", "--confidence", "-w", "4"], "7"),
]


def write_second_system():
    with open(os.path.join(ROOT, "Tests/Fixtures/bleu/long_corpus.hyp.txt"), encoding="utf-8", newline="\n") as f:
        lines = [line.rstrip("\n") for line in f]
    with open(os.path.join(ROOT, D, "long2500.sys2.txt"), "w", encoding="utf-8", newline="\n") as f:
        for line in lines:
            words = line.split()
            f.write(" ".join(w for i, w in enumerate(words) if i % 5 != 4) + "\n")


def main():
    write_second_system()
    cases = []
    for name, args, seed in CASES:
        env = dict(os.environ)
        env.pop("SACREBLEU_SEED", None)
        if seed is not None:
            env["SACREBLEU_SEED"] = seed
        run = subprocess.run(["python3", "-m", "sacrebleu", *args, "-f", "text"], cwd=ROOT, env=env,
                             capture_output=True, text=True, check=True)
        cases.append({"name": name, "args": args, "seed": seed, "stdout": run.stdout})
    out = {"sacrebleu": sacrebleu.__version__, "generator": "scripts/reference/make_significance_fixtures.py", "cases": cases}
    with open(os.path.join(ROOT, D, "significance.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
