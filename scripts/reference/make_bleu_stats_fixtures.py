#!/usr/bin/env python3
"""Writes the TER/chrF, per-sentence-statistics and command-line fixtures under Tests/Fixtures/bleu-stats/.

Needs sacreBLEU 2.6.0 (`pip install sacrebleu==2.6.0`). Run from anywhere:

    python3 scripts/reference/make_bleu_stats_fixtures.py --only metrics      (the committed fixture)
    python3 scripts/reference/make_bleu_stats_fixtures.py [--measure-timing] [--only metrics|cli]

(About 20 minutes on 2 cores, plus about 6 more when the timing is measured: TER on the long,
repetitive bible500 outputs is slow.)

It writes two files:

metrics.json
    For every text set of Tests/Fixtures/bleu (hypothesis + all of its reference files) and every
    system of Tests/Fixtures/bleu-stats (bible500.beam{1,2,5} vs bible500.ref, small30.{adam,radam} vs
    small30.ref): the corpus TER (sacrebleu.metrics.TER, all 16 combinations of case_sensitive,
    no_punct, normalized, asian_support: score, num_edits, ref_length) and the corpus chrF
    (sacrebleu.metrics.CHRF for a fixed list of settings: name, score). A signature depends only on
    the setting and the number of references, so "ter_configs"/"chrf_configs" hold, per setting, its
    options and str(metric.get_signature()) per reference count ("signatures": {"1": ..., "2": ...}).
    Files are read the way sacreBLEU's command line reads them: open(newline="\\n"), then line.rstrip().
    "sentence_stats" holds, for a few small sets, each segment's sufficient statistics
    (metric._extract_corpus_statistics) for BLEU, chrF2, chrF2++ and TER, plus each segment's
    sentence-level score as `sacrebleu -sl` computes it.

cli.json (not committed: the tests check nmt's command line against significance.json, written by
make_significance_fixtures.py; `--only cli` writes this broader record of sacreBLEU's behaviour to study)
    The exact stdout and exit status of `python3 -m sacrebleu ...` (run with the current
    interpreter, cwd = package root, paths relative to it, stdout a pipe so colorama strips the
    colour codes) for single-system scoring, --confidence, multi-system tables and the paired
    tests --paired-bs / --paired-ar, in the default output format (json) and in `--format text`,
    with SACREBLEU_SEED unset and, for some cases, SACREBLEU_SEED=7. SACREBLEU_FORMAT and NO_COLOR
    are removed from the environment; "env" lists what was added on top. A failing run (sacreBLEU
    2.6.0's --paired-bs cannot write json once chrF or TER is involved) also records the last line
    of its stderr.
    The informational timing fields (timing_paired_bs_3000x3_seconds, ...) come from
    `--paired-bs` on a 3,000-line, 3-system corpus (bible500 files concatenated 6 times, in a
    temporary directory). Timings are not reproducible, so they are measured only with
    --measure-timing or when cli.json has none yet; otherwise the previous values are kept.

Everything else is deterministic: rerunning rewrites identical files.
"""
import argparse
import concurrent.futures
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy
import sacrebleu
from sacrebleu.metrics import BLEU, CHRF, TER

from fixture_json import dumps

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BLEU_DIR = "Tests/Fixtures/bleu"
STATS_DIR = "Tests/Fixtures/bleu-stats"
OUT = os.path.join(ROOT, STATS_DIR)

# (system files, reference file) of the real-system corpora, relative to STATS_DIR.
STATS_CORPORA = {
    "bible500": (["bible500.beam1.txt", "bible500.beam2.txt", "bible500.beam5.txt"], "bible500.ref.txt"),
    "small30": (["small30.adam.txt", "small30.radam.txt"], "small30.ref.txt"),
}

TER_OPTIONS = ["case_sensitive", "no_punct", "normalized", "asian_support"]

# name -> CHRF keyword arguments
CHRF_CONFIGS = {
    "chrF2": {},
    "chrF2++": {"word_order": 2},
    "chrF2 nc4": {"char_order": 4},
    "chrF1": {"beta": 1},
    "chrF3": {"beta": 3},
    "chrF2 whitespace": {"whitespace": True},
    "chrF2 lowercase": {"lowercase": True},
    "chrF2++ lowercase": {"word_order": 2, "lowercase": True},
}

# Sets (name in "sets") whose per-segment statistics go into "sentence_stats".
SENTENCE_STATS_SETS = ["basic", "empty_lines", "two_references", "all_empty_hypothesis", "small30.adam"]

ENV_REMOVED = ["SACREBLEU_SEED", "SACREBLEU_FORMAT", "NO_COLOR"]


def read_lines(path):
    """sacreBLEU's command line: smart_open(newline="\\n") then line.rstrip()."""
    with open(os.path.join(ROOT, path), encoding="utf-8", newline="\n") as f:
        return [line.rstrip() for line in f]


def text_sets():
    """[(name, hyp path, [ref paths])], paths relative to ROOT, in a fixed order."""
    sets = []
    for fname in sorted(os.listdir(os.path.join(ROOT, BLEU_DIR))):
        if not fname.endswith(".hyp.txt"):
            continue
        name = fname[: -len(".hyp.txt")]
        refs, i = [], 1
        while os.path.exists(os.path.join(ROOT, BLEU_DIR, f"{name}.ref{i}.txt")):
            refs.append(f"{BLEU_DIR}/{name}.ref{i}.txt")
            i += 1
        sets.append((name, f"{BLEU_DIR}/{fname}", refs))
    for corpus, (systems, ref) in STATS_CORPORA.items():
        for system in systems:
            sets.append((system[: -len(".txt")], f"{STATS_DIR}/{system}", [f"{STATS_DIR}/{ref}"]))
    return sets


def ter_configs():
    """All 16 option combinations; the name lists the options that are on ("default" if none)."""
    configs = {}
    for values in itertools.product([False, True], repeat=len(TER_OPTIONS)):
        opts = dict(zip(TER_OPTIONS, values))
        on = [k for k in TER_OPTIONS if opts[k]]
        name = "default" if not on else ("all" if len(on) == len(TER_OPTIONS) else "+".join(on))
        configs[name] = opts
    return dict(sorted(configs.items(), key=lambda kv: (sum(kv[1].values()), [not kv[1][k] for k in TER_OPTIONS])))


def set_metrics(task):
    """Corpus TER and chrF of one text set (runs in a worker process)."""
    name, hyp_path, ref_paths = task
    hyps = read_lines(hyp_path)
    refs = [read_lines(p) for p in ref_paths]
    ter = {}
    for cname, opts in ter_configs().items():
        metric = TER(**opts)
        score = metric.corpus_score(hyps, refs)
        ter[cname] = {"score": score.score, "num_edits": score.num_edits, "ref_length": score.ref_length,
                      "signature": str(metric.get_signature())}  # moved to ter_configs by write_metrics
    chrf = {}
    for cname, kwargs in CHRF_CONFIGS.items():
        metric = CHRF(**kwargs)
        score = metric.corpus_score(hyps, refs)
        chrf[cname] = {"name": score.name, "score": score.score, "signature": str(metric.get_signature())}
    return {"name": name, "hyp": hyp_path, "refs": ref_paths, "lines": len(hyps), "ter": ter, "chrf": chrf}


def sentence_stats(name, hyp_path, ref_paths):
    hyps = read_lines(hyp_path)
    refs = [read_lines(p) for p in ref_paths]
    metrics = {
        "bleu": BLEU(),
        "chrf": CHRF(),
        "chrf++": CHRF(word_order=2),
        "ter": TER(),
        "ter all": TER(case_sensitive=True, no_punct=True, normalized=True, asian_support=True),
    }
    # `sacrebleu -sl` turns effective_order on for BLEU.
    sentence_bleu = BLEU(effective_order=True)
    per_metric = {k: m._extract_corpus_statistics(hyps, refs) for k, m in metrics.items()}
    segments = []
    for i, hyp in enumerate(hyps):
        seg_refs = [r[i] for r in refs]
        seg = {"line": i + 1}
        for key, metric in metrics.items():
            stats = per_metric[key][i]
            if key == "bleu":
                sent = sentence_bleu.sentence_score(hyp, seg_refs).score
            else:
                sent = metric.sentence_score(hyp, seg_refs).score
            seg[key] = {"stats": stats, "sentence_score": sent}
        segments.append(seg)
    corpus = {}
    for key, metric in metrics.items():
        score = metric.corpus_score(hyps, refs)
        corpus[key] = {"score": score.score, "signature": str(metric.get_signature())}
    return {"name": name, "hyp": hyp_path, "refs": ref_paths, "corpus": corpus, "segments": segments}


SENTENCE_STATS_LAYOUT = {
    "line": "1-based line number in the hyp/ref files",
    "bleu": "BLEU(): [hyp_len, closest_ref_len, correct_1..4, total_1..4]; "
            "sentence_score = BLEU(effective_order=True).sentence_score (what -sl prints)",
    "chrf": "CHRF(): [hyp, ref, match] for char orders 1..6 (18 ints); with several references the stats "
            "of the reference with the best sentence F-score (first on ties)",
    "chrf++": "CHRF(word_order=2): char orders 1..6 then word orders 1..2 (24 ints)",
    "ter": "TER(): [min edits over references, average reference length over references]",
    "ter all": "TER(case_sensitive=True, no_punct=True, normalized=True, asian_support=True): as ter",
}


# ----------------------------------------------------------------------------------------------
# Command line

def cli_cases():
    cases = []

    def add(case_id, args, env=None):
        cases.append({"id": case_id, "argv": ["python3", "-m", "sacrebleu"] + args, "env": env or {}})

    # Single-system scoring.
    singles = []
    for corpus, (systems, ref) in STATS_CORPORA.items():
        for system in systems:
            singles.append((system[: -len(".txt")], [f"{STATS_DIR}/{ref}"], f"{STATS_DIR}/{system}"))
    for name in ["basic", "empty_lines", "two_references", "all_empty_hypothesis"]:
        refs = [r for (n, h, rs) in text_sets() if n == name for r in rs]
        singles.append((name, refs, f"{BLEU_DIR}/{name}.hyp.txt"))
    for name, refs, hyp in singles:
        base = refs + ["-i", hyp, "-m", "bleu", "chrf", "ter"]
        for fmt in ["json", "text"]:
            f = [] if fmt == "json" else ["-f", "text"]
            add(f"single {name} {fmt}", base + f)
            add(f"single {name} -b {fmt}", base + ["-b"] + f)
            add(f"single {name} -w 4 {fmt}", base + ["-w", "4"] + f)

    # TER / chrF options on the command line (signatures).
    ref, hyp = f"{STATS_DIR}/small30.ref.txt", f"{STATS_DIR}/small30.radam.txt"
    for fmt in ["json", "text"]:
        f = [] if fmt == "json" else ["-f", "text"]
        add(f"single small30.radam ter-all-options {fmt}",
            [ref, "-i", hyp, "-m", "ter", "--ter-case-sensitive", "--ter-no-punct", "--ter-normalized",
             "--ter-asian-support"] + f)
        add(f"single small30.radam chrf-options {fmt}",
            [ref, "-i", hyp, "-m", "chrf", "--chrf-word-order", "2", "--chrf-lowercase", "--chrf-whitespace",
             "--chrf-char-order", "4", "--chrf-beta", "3"] + f)

    # Confidence intervals (single system).
    for name, refs, hyp in singles[:5]:
        if name == "bible500.beam2":
            continue  # keeps cli.json small; beam1 and beam5 cover the corpus
        base = refs + ["-i", hyp, "-m", "bleu", "chrf", "ter", "--confidence"]
        for fmt in ["json", "text"]:
            f = [] if fmt == "json" else ["-f", "text"]
            add(f"confidence {name} {fmt}", base + f)
            add(f"confidence {name} n200 {fmt}", base + ["--confidence-n", "200"] + f)
            if name in ("bible500.beam1", "small30.adam"):
                add(f"confidence {name} {fmt} seed7", base + f, {"SACREBLEU_SEED": "7"})

    # Multi-system and paired tests.
    for corpus, (systems, ref) in STATS_CORPORA.items():
        base = [f"{STATS_DIR}/{ref}", "-i"] + [f"{STATS_DIR}/{s}" for s in systems]
        metric_sets = {
            "bleu chrf ter": ["-m", "bleu", "chrf", "ter"],
            "bleu": ["-m", "bleu"],
            "bleu chrf ter cw2": ["-m", "bleu", "chrf", "ter", "--chrf-word-order", "2"],
        }
        tests = {
            "paired-bs": ["--paired-bs"],
            "paired-bs n200": ["--paired-bs", "--paired-bs-n", "200"],
            "paired-ar": ["--paired-ar"],
            "paired-ar n500": ["--paired-ar", "--paired-ar-n", "500"],
        }
        for fmt in ["json", "text"]:
            f = [] if fmt == "json" else ["-f", "text"]
            add(f"multi {corpus} bleu chrf ter {fmt}", base + metric_sets["bleu chrf ter"] + f)
            for tname, targs in tests.items():
                for mname, margs in metric_sets.items():
                    # -m bleu and --chrf-word-order 2 only with the default number of samples (size).
                    if mname == "bleu chrf ter" or tname in ("paired-bs", "paired-ar"):
                        add(f"{tname} {corpus} {mname} {fmt}", base + margs + targs + f)
                if tname in ("paired-bs", "paired-ar"):
                    add(f"{tname} {corpus} bleu chrf ter {fmt} seed7", base + metric_sets["bleu chrf ter"] + targs + f,
                        {"SACREBLEU_SEED": "7"})
    return cases


def base_env():
    env = dict(os.environ)
    for key in ENV_REMOVED:
        env.pop(key, None)
    return env


def run_case(case):
    env = base_env()
    env.update(case["env"])
    argv = [sys.executable] + case["argv"][1:]
    proc = subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = dict(case)
    out["exit_status"] = proc.returncode
    out["stdout"] = proc.stdout.decode("utf-8")
    if proc.returncode != 0:
        # Only the final line (the exception message): tracebacks hold machine-specific paths.
        out["stderr_last_line"] = proc.stderr.decode("utf-8").rstrip("\n").split("\n")[-1]
    return out


def measure_timing():
    """Median of 3 wall-clock runs of --paired-bs on bible500 x 6 (3,000 lines, 3 systems)."""
    result = {}
    with tempfile.TemporaryDirectory() as tmp:
        names = ["bible500.ref.txt", "bible500.beam1.txt", "bible500.beam2.txt", "bible500.beam5.txt"]
        for fname in names:
            with open(os.path.join(ROOT, STATS_DIR, fname), "rb") as f:
                data = f.read()
            with open(os.path.join(tmp, fname.replace("500", "3000")), "wb") as f:
                f.write(data * 6)
        files = [os.path.join(tmp, n.replace("500", "3000")) for n in names]
        for key, metric_args in [("bleu", []), ("bleu chrf ter", ["-m", "bleu", "chrf", "ter"])]:
            # -f text: the default json output crashes for chrF/TER after the test has run (see cli.json).
            argv = [files[0], "-i"] + files[1:] + metric_args + ["--paired-bs", "-f", "text"]
            runs = []
            for _ in range(3):
                start = time.perf_counter()
                proc = subprocess.run([sys.executable, "-m", "sacrebleu"] + argv, cwd=ROOT, env=base_env(),
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                runs.append(round(time.perf_counter() - start, 2))
                assert proc.returncode == 0, argv
            shown = ["python3", "-m", "sacrebleu"] + [a.replace(tmp, "<tmp>") for a in argv]
            result[key] = {"argv": shown, "runs_seconds": runs, "median_seconds": statistics.median(runs)}
    return result


# ----------------------------------------------------------------------------------------------
# Output

def write_json(path, obj):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(dumps(obj))
        f.write("\n")


def check_cli_against_api(sets, results):
    """The -w 4 json runs must agree with the API scores in metrics.json (rounded to 4 places)."""
    by_hyp = {s["hyp"]: s for s in sets}
    checked = 0
    for r in results:
        if not (r["id"].startswith("single ") and r["id"].endswith("-w 4 json")):
            continue
        hyp = r["argv"][r["argv"].index("-i") + 1]
        scores = {d["name"]: d["score"] for d in json.loads(r["stdout"])}
        s = by_hyp[hyp]
        assert scores["TER"] == round(s["ter"]["default"]["score"], 4), (r["id"], scores)
        assert scores["chrF2"] == round(s["chrf"]["chrF2"]["score"], 4), (r["id"], scores)
        checked += 1
    return checked


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--measure-timing", action="store_true",
                        help="re-measure the informational --paired-bs timing (otherwise kept from cli.json)")
    parser.add_argument("--jobs", type=int, default=max(1, os.cpu_count() or 1))
    parser.add_argument("--only", choices=["metrics", "cli"], help="write just one of the two files")
    args = parser.parse_args()
    assert sacrebleu.__version__ == "2.6.0", f"need sacrebleu 2.6.0, found {sacrebleu.__version__}"

    metrics_path = os.path.join(OUT, "metrics.json")
    if args.only != "cli":
        write_metrics(metrics_path, args.jobs)
    if args.only != "metrics":
        with open(metrics_path, encoding="utf-8") as f:
            write_cli(os.path.join(OUT, "cli.json"), json.load(f)["sets"], args)


def write_metrics(metrics_path, jobs):
    sets = text_sets()
    with concurrent.futures.ProcessPoolExecutor(jobs) as pool:
        set_results = list(pool.map(set_metrics, sets))
    by_name = {s[0]: s for s in sets}
    # Signatures: one per (setting, number of references); check that is all they depend on.
    ter_table = {name: {"options": opts, "signatures": {}} for name, opts in ter_configs().items()}
    chrf_table = {name: {"options": kw, "signatures": {}} for name, kw in CHRF_CONFIGS.items()}
    for result in set_results:
        nrefs = str(len(result["refs"]))
        for table, key in ((ter_table, "ter"), (chrf_table, "chrf")):
            for cname, entry in result[key].items():
                sig = entry.pop("signature")
                assert table[cname]["signatures"].setdefault(nrefs, sig) == sig, (cname, nrefs, sig)
    for table in (ter_table, chrf_table):
        for entry in table.values():
            entry["signatures"] = dict(sorted(entry["signatures"].items()))
    metrics_doc = {
        "sacrebleu": sacrebleu.__version__,
        "generator": "scripts/reference/make_bleu_stats_fixtures.py",
        "reading": "open(path, encoding='utf-8', newline='\\n'), each line .rstrip() (as sacreBLEU's CLI)",
        "ter_configs": ter_table,
        "chrf_configs": chrf_table,
        "sets": set_results,
        "sentence_stats_layout": SENTENCE_STATS_LAYOUT,
        "sentence_stats": [sentence_stats(*by_name[n]) for n in SENTENCE_STATS_SETS],
    }
    write_json(metrics_path, metrics_doc)
    print(f"wrote {len(set_results)} sets to {STATS_DIR}/metrics.json")


def write_cli(cli_path, set_results, args):
    cases = cli_cases()
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(run_case, cases))
    checked = check_cli_against_api(set_results, results)

    timing = None
    if not args.measure_timing and os.path.exists(cli_path):
        with open(cli_path, encoding="utf-8") as f:
            timing = json.load(f).get("timing_paired_bs_3000x3")
    if timing is None:
        print("measuring the --paired-bs timing (3 x 2 runs) ...", flush=True)
        timing = measure_timing()
    else:
        print("keeping the timing recorded in cli.json (--measure-timing re-measures it)", flush=True)
        timing["note"] = ("informational only: wall-clock seconds, median of 3 runs, on the machine that "
                          "generated this file; bible500 files concatenated 6 times; kept as is on reruns "
                          "unless --measure-timing is given")
    cli_doc = {
        "sacrebleu": sacrebleu.__version__,
        "numpy": numpy.__version__,
        "generator": "scripts/reference/make_bleu_stats_fixtures.py",
        "cwd": "package root (paths in argv are relative to it)",
        "stdout": "a pipe (colorama strips ANSI colours); decoded as UTF-8",
        "env_removed": ENV_REMOVED,
        "timing_paired_bs_3000x3_seconds": timing["bleu"]["median_seconds"],
        "timing_paired_bs_3000x3_all_metrics_seconds": timing["bleu chrf ter"]["median_seconds"],
        "timing_paired_bs_3000x3": timing,
        "cases": results,
    }
    write_json(cli_path, cli_doc)
    print(f"wrote {len(results)} command lines to {os.path.relpath(cli_path, ROOT)} ({checked} checked against the API)")


if __name__ == "__main__":
    main()
