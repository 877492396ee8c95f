#!/usr/bin/env python3
"""Writes Tests/Fixtures/bleu-cli/cases.json from the real sacreBLEU 2.6.0 command line.

For every invocation in CASES, the `sacrebleu` console script (installed with
`pip install sacrebleu==2.6.0`, found next to this Python interpreter or on PATH) is run as a
subprocess with the working directory Tests/Fixtures/bleu, so every file path in "args" is relative
to that directory. Each case records:

  name    unique case name
  args    sacreBLEU's argv after the program name
  stdout  exact standard output (UTF-8)
  exit    process exit status
  stderr  exact standard error, only when it is non-empty and holds no Python traceback
  error   for a run that died with an uncaught exception: the final "ExceptionType: message"
          block of the traceback (file paths and line numbers left out)

Before running, the script writes the tab-joined multi-reference files that `-nr/--num-refs`
reads into Tests/Fixtures/bleu-cli/ (built from the existing Tests/Fixtures/bleu/*.refN.txt).

Determinism: the subprocess environment is built from scratch (PATH, HOME, LANG=C.UTF-8,
PYTHONHASHSEED=0, COLUMNS=80 so argparse's usage text wraps identically, NO_COLOR=1); in
particular SACREBLEU_FORMAT (which would override -f) and SACREBLEU_SEED are not passed. No case
uses bootstrap resampling (-ci / paired tests), so no random seed matters. The cases that show the
error for a missing optional tokenizer package (ja-mecab, ko-mecab, flores*/spm) are left out, with
a warning, when that package happens to be installed, because sacreBLEU would then tokenize (and,
for the SentencePiece models, download a model). Rerunning in the same environment rewrites
identical files.

Usage (from the package root):
    pip install sacrebleu==2.6.0
    python3 scripts/reference/make_sacrebleu_cli_fixtures.py
"""
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
IN_DIR = os.path.join(ROOT, "Tests", "Fixtures", "bleu")
OUT_DIR = os.path.join(ROOT, "Tests", "Fixtures", "bleu-cli")
SACREBLEU_VERSION = "2.6.0"


def find_sacrebleu():
    here = os.path.join(os.path.dirname(sys.executable), "sacrebleu")
    if os.path.exists(here):
        return here
    found = shutil.which("sacrebleu")
    if not found:
        sys.exit("sacrebleu console script not found; pip install sacrebleu==%s" % SACREBLEU_VERSION)
    return found


def read_lines(path):
    # the way sacreBLEU reads files: newline="\n", then rstrip()
    with open(path, encoding="utf-8", newline="\n") as f:
        return [line.rstrip() for line in f]


def write_tsv(out_name, ref_names):
    columns = [read_lines(os.path.join(IN_DIR, n)) for n in ref_names]
    assert len({len(c) for c in columns}) == 1, ref_names
    rows = []
    for fields in zip(*columns):
        assert all("\t" not in f for f in fields), fields
        rows.append("\t".join(fields))
    with open(os.path.join(OUT_DIR, out_name), "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(rows) + "\n")
    return "../bleu-cli/" + out_name


def hr(stem, nrefs=1):
    """Positional reference files, then -i hypothesis, as the CLI expects (refs before -i)."""
    return ["%s.ref%d.txt" % (stem, k) for k in range(1, nrefs + 1)] + ["-i", "%s.hyp.txt" % stem]


def build_cases(tsv2, tsv3, tsv_one_col):
    B = hr("basic")
    C = hr("cjk")
    cases = []

    def add(name, args, needs_missing=None):
        cases.append((name, args, needs_missing))

    # --- output formats / metric combinations (default -f is json) ---
    add("default_format", B)
    add("json_bleu", B + ["-f", "json", "-m", "bleu"])
    add("json_bleu_chrf", B + ["-f", "json", "-m", "bleu", "chrf"])
    add("json_bleu_chrf_ter", B + ["-f", "json", "-m", "bleu", "chrf", "ter"])
    add("json_ter_chrf_bleu_order", B + ["-f", "json", "-m", "ter", "chrf", "bleu"])
    add("json_chrf", B + ["-f", "json", "-m", "chrf"])
    add("json_ter", B + ["-f", "json", "-m", "ter"])
    add("text_bleu", B + ["-f", "text"])
    add("text_bleu_chrf", B + ["-f", "text", "-m", "bleu", "chrf"])
    add("text_bleu_chrf_ter", B + ["-f", "text", "-m", "bleu", "chrf", "ter"])
    add("text_chrf", B + ["-f", "text", "-m", "chrf"])
    add("text_short", B + ["-f", "text", "-sh"])
    add("text_short_bleu_chrf_ter", B + ["-f", "text", "-sh", "-m", "bleu", "chrf", "ter"])
    add("json_short_ignored", B + ["-f", "json", "-sh", "-m", "bleu", "chrf"])
    add("long_flags", ["basic.ref1.txt", "--input", "basic.hyp.txt", "--format", "text",
                       "--metrics", "bleu", "--tokenize", "intl", "--lowercase", "--width", "2"])
    add("abbreviated_long_flag", B + ["-f", "text", "--token", "char"])

    # --- lowercase ---
    add("lc_json", B + ["-lc"])
    add("lc_text", B + ["-f", "text", "--lowercase"])
    add("lc_bleu_chrf_text", B + ["-f", "text", "-lc", "-m", "bleu", "chrf"])
    add("lc_accents_text", hr("accents") + ["-f", "text", "-lc"])
    add("lc_accents_json", hr("accents") + ["-lc"])

    # --- tokenizers ---
    for tok in ["13a", "intl", "char", "none", "zh"]:
        add("tok_%s_json" % tok, B + ["-tok", tok])
        add("tok_%s_text" % tok, B + ["-f", "text", "--tokenize", tok])
    add("cjk_default_13a_text", C + ["-f", "text"])
    for tok in ["zh", "char", "intl"]:
        add("cjk_tok_%s_json" % tok, C + ["-tok", tok])
        add("cjk_tok_%s_text" % tok, C + ["-f", "text", "-tok", tok])
    add("cjk_tok_zh_lc_text", C + ["-f", "text", "-tok", "zh", "-lc"])
    add("cjk_tok_zh_sentence", C + ["-tok", "zh", "-sl"])
    for stem in ["unicode_punctuation", "accents", "numbers", "urls_and_entities", "emoji",
                 "tabs_and_spaces"]:
        add("%s_tok_zh_text" % stem, hr(stem) + ["-f", "text", "-tok", "zh"])
        add("%s_tok_zh_sentence" % stem, hr(stem) + ["-tok", "zh", "-sl"])
    add("tok_ja_mecab_missing", B + ["-tok", "ja-mecab"], "MeCab")
    add("tok_ko_mecab_missing", B + ["-tok", "ko-mecab"], "mecab_ko")
    for tok in ["flores101", "flores200", "spm", "spBLEU-1K"]:
        add("tok_%s_missing" % tok, B + ["-tok", tok], "sentencepiece")
    add("tok_invalid", B + ["-tok", "foo"])
    # -l with external references: only the target language is used (default tokenizer choice)
    add("langpair_en_zh_default_tok_text", C + ["-l", "en-zh", "-f", "text"])
    add("langpair_en_zh_tok_13a_warns_text", C + ["-l", "en-zh", "-tok", "13a", "-f", "text"])

    # --- smoothing ---
    # basic: every order has matches; empty_lines, nfd -tok none, cjk (13a): some order has
    # zero matches but non-zero totals; short_hypotheses: no 3/4-grams at all.
    for stem, extra in [("basic", []), ("short_hypotheses", []), ("two_references", []),
                        ("empty_lines", []), ("nfd", ["-tok", "none"]), ("cjk", [])]:
        files = hr(stem, 2 if stem == "two_references" else 1)
        for method in ["none", "floor", "add-k", "exp"]:
            add("smooth_%s_%s%s_text" % (method, stem, "_tok_none" if extra else ""),
                files + extra + ["-f", "text", "--smooth-method", method])
    add("smooth_floor_value_0.5_empty_lines_text", hr("empty_lines") + ["-f", "text", "-s", "floor", "-sv", "0.5"])
    add("smooth_addk_value_0.5_empty_lines_text", hr("empty_lines") + ["-f", "text", "-s", "add-k", "-sv", "0.5"])
    add("smooth_floor_value_0.25_empty_lines_json", hr("empty_lines") + ["-s", "floor", "-sv", "0.25"])
    add("smooth_floor_json", B + ["-s", "floor"])
    add("smooth_addk_json", B + ["-s", "add-k"])
    add("smooth_floor_value_0.5_text", hr("short_hypotheses") + ["-f", "text", "-s", "floor", "-sv", "0.5"])
    add("smooth_floor_value_0.125_text", hr("short_hypotheses") + ["-f", "text", "-s", "floor", "--smooth-value", "0.125"])
    add("smooth_floor_value_0_text", hr("short_hypotheses") + ["-f", "text", "-s", "floor", "-sv", "0"])
    add("smooth_floor_value_1_json", B + ["-s", "floor", "-sv", "1"])
    add("smooth_addk_value_2_text", hr("short_hypotheses") + ["-f", "text", "-s", "add-k", "-sv", "2"])
    add("smooth_addk_value_0.5_text", B + ["-f", "text", "-s", "add-k", "-sv", "0.5"])
    add("smooth_addk_value_0_text", hr("short_hypotheses") + ["-f", "text", "-s", "add-k", "-sv", "0"])
    add("smooth_exp_value_ignored_text", B + ["-f", "text", "-s", "exp", "-sv", "0.5"])
    add("smooth_none_value_ignored_text", B + ["-f", "text", "-s", "none", "-sv", "0.5"])
    add("smooth_value_alone_text", B + ["-f", "text", "-sv", "0.5"])
    add("smooth_none_no_match_text", hr("no_match") + ["-f", "text", "-s", "none"])
    add("smooth_addk_no_match_text", hr("no_match") + ["-f", "text", "-s", "add-k"])
    add("smooth_invalid", B + ["-s", "foo"])

    # --- sentence level ---
    add("sl_bleu_text", B + ["-sl", "-f", "text"])
    add("sl_bleu_json", B + ["-sl", "-f", "json"])
    add("sl_bleu_default_format", B + ["--sentence-level"])
    add("sl_chrf_text", B + ["-sl", "-m", "chrf", "-f", "text"])
    add("sl_chrf_json", B + ["-sl", "-m", "chrf", "-f", "json"])
    add("sl_ter_text", B + ["-sl", "-m", "ter", "-f", "text"])
    add("sl_bleu_score_only", B + ["-sl", "-b"])
    add("sl_chrf_score_only", B + ["-sl", "-m", "chrf", "-b"])
    add("sl_bleu_width_3", B + ["-sl", "-w", "3"])
    add("sl_bleu_short", B + ["-sl", "-sh"])
    add("sl_bleu_lc_intl", B + ["-sl", "-lc", "-tok", "intl"])
    add("sl_bleu_smooth_none", hr("short_hypotheses") + ["-sl", "-s", "none"])
    add("sl_bleu_smooth_floor", hr("short_hypotheses") + ["-sl", "-s", "floor"])
    add("sl_bleu_smooth_floor_0.3", hr("short_hypotheses") + ["-sl", "-s", "floor", "-sv", "0.3"])
    add("sl_bleu_smooth_addk", hr("short_hypotheses") + ["-sl", "-s", "add-k"])
    add("sl_bleu_smooth_exp", hr("short_hypotheses") + ["-sl", "-s", "exp"])
    for method in ["none", "floor", "add-k"]:
        add("sl_bleu_smooth_%s_basic" % method, B + ["-sl", "-s", method])
    add("sl_bleu_smooth_addk_0.5_basic", B + ["-sl", "-s", "add-k", "-sv", "0.5"])
    add("sl_bleu_empty_lines", hr("empty_lines") + ["-sl"])
    add("sl_chrf_empty_lines", hr("empty_lines") + ["-sl", "-m", "chrf"])
    add("sl_bleu_all_empty_hypothesis", hr("all_empty_hypothesis") + ["-sl"])
    add("sl_bleu_two_refs", hr("two_references", 2) + ["-sl"])
    add("sl_chrf_three_refs", hr("three_references", 3) + ["-sl", "-m", "chrf"])
    add("sl_two_metrics_error", B + ["-sl", "-m", "bleu", "chrf"])

    # --- -nr / --num-refs with one tab-separated reference file ---
    add("nr2_tsv_json", [tsv2, "-i", "two_references.hyp.txt", "-nr", "2"])
    add("nr2_tsv_text", [tsv2, "-i", "two_references.hyp.txt", "--num-refs", "2", "-f", "text", "-m", "bleu", "chrf", "ter"])
    add("nr2_separate_files_text", hr("two_references", 2) + ["-f", "text", "-m", "bleu", "chrf", "ter"])
    add("nr2_tsv_sentence", [tsv2, "-i", "two_references.hyp.txt", "-nr", "2", "-sl"])
    add("nr3_tsv_text", [tsv3, "-i", "three_references.hyp.txt", "-nr", "3", "-f", "text"])
    add("nr3_separate_files_text", hr("three_references", 3) + ["-f", "text"])
    add("nr2_on_three_column_tsv_text", [tsv3, "-i", "three_references.hyp.txt", "-nr", "2", "-f", "text"])
    add("nr1_on_tsv_text", [tsv2, "-i", "two_references.hyp.txt", "-f", "text"])
    add("nr3_on_two_column_tsv_error", [tsv2, "-i", "two_references.hyp.txt", "-nr", "3"])
    add("nr2_on_one_column_error", [tsv_one_col, "-i", "two_references.hyp.txt", "-nr", "2"])
    add("nr2_with_two_files_error", hr("two_references", 2) + ["-nr", "2"])
    add("ref_count_mismatch_error", ["basic.ref1.txt", "-i", "two_references.hyp.txt"])

    # --- -b score only ---
    add("score_only_json", B + ["-b"])
    add("score_only_json_bleu_chrf_ter", B + ["-b", "-m", "bleu", "chrf", "ter"])
    add("score_only_text", B + ["-b", "-f", "text"])
    add("score_only_text_bleu_chrf_ter", B + ["--score-only", "-f", "text", "-m", "bleu", "chrf", "ter"])
    add("score_only_width_4", B + ["-b", "-w", "4"])

    # --- -w width ---
    add("width_4_json", B + ["-w", "4"])
    add("width_4_text", B + ["-w", "4", "-f", "text"])
    add("width_4_json_bleu_chrf_ter", B + ["-w", "4", "-m", "bleu", "chrf", "ter"])
    add("width_4_text_bleu_chrf_ter", B + ["--width", "4", "-f", "text", "-m", "bleu", "chrf", "ter"])
    add("width_0_json", B + ["-w", "0", "-m", "bleu", "chrf"])
    add("width_0_text", B + ["-w", "0", "-f", "text"])
    # a score below 1e-4 printed with many decimals: JSON shows Python's repr (1.1e-06 style)
    add("width_8_json_tiny_score", hr("empty_lines") + ["-w", "8", "-s", "floor", "-sv", "1e-30"])
    add("width_8_text_tiny_score", hr("empty_lines") + ["-w", "8", "-s", "floor", "-sv", "1e-30", "-f", "text"])
    add("width_8_json_score_only_tiny_score", hr("empty_lines") + ["-w", "8", "-s", "floor", "-sv", "1e-30", "-b"])
    add("width_2_json_trailing_zero", hr("cjk") + ["-w", "2", "-m", "bleu", "chrf", "-tok", "zh"])

    # --- every text set at corpus level, default settings and three metrics ---
    for stem, nrefs in [("accents", 1), ("all_empty_hypothesis", 1),
                        ("byte_order_mark_no_final_newline", 1), ("emoji", 1), ("empty_lines", 1),
                        ("long_corpus", 1), ("nfd", 1), ("no_match", 1), ("numbers", 1),
                        ("short_hypotheses", 1), ("tabs_and_spaces", 1), ("three_references", 3),
                        ("two_references", 2), ("unicode_punctuation", 1), ("urls_and_entities", 1)]:
        add("set_%s_text" % stem, hr(stem, nrefs) + ["-f", "text", "-m", "bleu", "chrf", "ter"])
    add("set_long_corpus_json", hr("long_corpus") + ["-w", "4"])

    names = [c[0] for c in cases]
    assert len(names) == len(set(names)), "duplicate case names"
    return cases


def clean_env():
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONIOENCODING": "utf-8",
        "COLUMNS": "80",
        "NO_COLOR": "1",
    }
    for key in ["PYENV_VERSION", "PYENV_ROOT", "VIRTUAL_ENV", "PYTHONPATH"]:
        if key in os.environ:
            env[key] = os.environ[key]
    return env


def exception_tail(stderr):
    """The last 'SomeError: message' block of a traceback, without file/line frames."""
    lines = stderr.split("\n")
    start = None
    for i, line in enumerate(lines):
        if re.match(r"^[A-Za-z_][\w.]*(Error|Exception)\b", line):
            start = i
    if start is None:
        return lines[-2] if len(lines) > 1 else stderr
    return "\n".join(lines[start:]).rstrip("\n")


def main():
    exe = find_sacrebleu()
    env = clean_env()
    version = subprocess.run([exe, "--version"], capture_output=True, text=True, env=env).stdout.strip()
    if version != "sacrebleu %s" % SACREBLEU_VERSION:
        sys.exit("need sacreBLEU %s, found %r" % (SACREBLEU_VERSION, version))

    os.makedirs(OUT_DIR, exist_ok=True)
    tsv2 = write_tsv("two_references.refs.tsv", ["two_references.ref1.txt", "two_references.ref2.txt"])
    tsv3 = write_tsv("three_references.refs.tsv",
                     ["three_references.ref1.txt", "three_references.ref2.txt", "three_references.ref3.txt"])
    tsv_one = "two_references.ref1.txt"

    out = []
    for name, args, needs_missing in build_cases(tsv2, tsv3, tsv_one):
        if needs_missing and importlib.util.find_spec(needs_missing) is not None:
            print("warning: %s is installed, leaving out case %s" % (needs_missing, name), file=sys.stderr)
            continue
        proc = subprocess.run([exe] + args, cwd=IN_DIR, env=env, capture_output=True)
        stdout = proc.stdout.decode("utf-8")
        stderr = proc.stderr.decode("utf-8")
        case = {"name": name, "args": args, "stdout": stdout, "exit": proc.returncode}
        if "Traceback (most recent call last)" in stderr:
            case["error"] = exception_tail(stderr)
        elif stderr:
            case["stderr"] = stderr
        out.append(case)

    path = os.path.join(OUT_DIR, "cases.json")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("wrote %d cases to %s (%d bytes)" % (len(out), os.path.relpath(path, ROOT), os.path.getsize(path)))


if __name__ == "__main__":
    main()
