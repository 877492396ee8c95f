#!/usr/bin/env python3
"""Writes the BLEU/chrF fixtures under Tests/Fixtures/bleu/ from sacreBLEU itself.

Each text set is a hypothesis file and 1-3 reference files. For every set and every BLEU setting
(tokenizer 13a/none/intl/char, lowercase or not) expected.json records what sacrebleu's Python API
(sacrebleu.metrics.BLEU / CHRF, corpus_score) reports. Files are read the way sacreBLEU's command
line reads them: open(newline="\n"), then line.rstrip(). tokenizers.json records the tokenized form
of individual lines. Everything is deterministic: rerunning rewrites identical files.

Usage: python3 scripts/reference/make_bleu_fixtures.py   (from the package root)
"""
import json
import os
import random

import sacrebleu
from sacrebleu.metrics import BLEU, CHRF

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.normpath(os.path.join(ROOT, "Tests", "Fixtures", "bleu"))
TOKENIZERS = ["13a", "none", "intl", "char", "zh"]

# name -> (hypothesis lines, [reference lines, ...]); lines are written joined by "\n" plus a final "\n"
# unless the set says otherwise (raw bytes).
SETS = {}

SETS["basic"] = (
    ["The cat is on the mat.", "Hello world! It cost $3.50 today", "I don't know, maybe (later)?",
     "She said: \"yes\" -- then left.", "A quick brown fox jumps over the lazy dog"],
    [["The cat sat on the mat.", "Hello, world! It costs $3.50 today.", "I do not know; maybe later?",
      "She said \"yes\" and then she left.", "The quick brown fox jumps over the lazy dog."]],
)

SETS["empty_lines"] = (
    ["", "The house is big.", "", "", "Nothing here", ""],
    [["Something", "The house is large.", "", "Another line", "Nothing is here", ""]],
)

SETS["all_empty_hypothesis"] = (
    ["", "", "", ""],
    [["The first line.", "", "Third line here.", "Four."]],
)

SETS["unicode_punctuation"] = (
    ["“Quoted” text — with dashes… and «guillemets»!", "¿Qué pasa? ¡Nada!", "日本語、テスト。",
     "He said ‘hi’ ‒ twice ― really ‐ truly", "Price: 5€, 3£ or ¥100 • bullet · dot", "x ≤ y ≥ z ± 1 × 2 ÷ 3"],
    [["“Quoted” text — with dashes … and « guillemets »!", "¿Qué pasa? ¡Nada de nada!", "日本語、テスト です。",
      "He said ‘hello’ ‒ twice ― really ‐ truly", "Price: 5 €, 3 £ or ¥ 100 • bullet · dot", "x ≤ y ≥ z ± 1 × 2 = 2"]],
)

SETS["accents"] = (
    ["El NIÑO comió PIÑA en la ciudad de MÉXICO.", "Ça va très bien, À BIENTÔT!", "ΟΔΟΣ ΚΑΙ ΣΟΦΙΑ ΤΟΥ ΚΟΣΜΟΥ Σ",
     "İstanbul ve IĞDIR büyük şehirler", "Straße GROSS Ǆemal ǅ", "Ａｂｃ ＡＢＣ ｘｙｚ"],
    [["El niño comió piña en la ciudad de México.", "Ça va très bien, à bientôt !", "οδος και σοφια του κοσμου σ",
      "istanbul ve ığdır büyük şehirler", "strasse gross ǆemal ǆ", "ａｂｃ ａｂｃ ｘｙｚ"]],
)

SETS["cjk"] = (
    ["我爱北京天安门。", "今日は良い天気ですね！", "한국어 문장입니다.", "中文和English混合123。", "これはペンです"],
    [["我爱北京的天安门。", "今日はいい天気ですね！", "한국어 문장 입니다.", "中文与English混合123。", "それはペンです"]],
)

SETS["emoji"] = (
    ["I love pizza 🍕🍕 so much 😀!", "Family: 👨‍👩‍👧‍👦 and flags 🇪🇸🇬🇧", "Thumbs 👍🏽 up", "❤️ hearts ♥ and ★ stars"],
    [["I love pizza 🍕 so much 😀 !", "Family: 👨‍👩‍👧‍👦 and flags 🇪🇸 🇬🇧", "Thumbs 👍 up", "❤️ hearts ♥ and ☆ stars"]],
)

SETS["numbers"] = (
    ["In 2019-2020 it grew 3.5% to 1,000,000 units.", "Call 555-1234 at 10:30, or 11.", "Pi is 3.14159; e is 2.718.",
     "-5 degrees and +7 degrees, 1.2.3 version", "Chapter 12, verse 3.", "1st, 2nd and 3rd place: 100m, 200m"],
    [["In 2019 - 2020 it grew 3.5 % to 1,000,000 units.", "Call 555-1234 at 10:30 , or 11 .", "Pi is 3.14159 ; e is 2.718 .",
      "-5 degrees and +7 degrees , 1.2.3 version", "Chapter 12 , verse 3.", "1st , 2nd and 3rd place : 100m, 200m"]],
)

SETS["urls_and_entities"] = (
    ["See https://example.com/a?b=c&d=e#frag now.", "Mail me at john.doe@example.org, thanks.",
     "Tom &amp; Jerry &quot;rock&quot; &lt;3 &gt; &amp;lt;", "Skip <skipped> this <skipped>part", "path/to/file.txt and C:\\dir\\x"],
    [["See https://example.com/a?b=c&d=e#frag now.", "Mail me at john.doe@example.org , thanks.",
      "Tom & Jerry \"rock\" <3 > &lt;", "Skip this part", "path/to/file.txt and C:\\dir\\y"]],
)

# Raw text: tabs inside lines, CRLF endings, non-breaking and other Unicode spaces, trailing whitespace.
SETS["tabs_and_spaces"] = (
    "one\ttwo\tthree\r\nfour  five\u00a0six \t\nseven\u3000eight\u2003nine\u2028ten\n   leading spaces\n\tx\x0by\x0cz\x1cw\n",
    ["one two three\nfour five six\nseven eight nine ten\nleading spaces\nx y z w\n"],
)

SETS["nfd"] = (
    ["Cafe\u0301 au lait, tre\u0300s bien", "n\u0303o and A\u030a", "e\u0301e\u0301e\u0301 done"],
    [["Café au lait, très bien", "ño and Å", "e\u0301e\u0301e\u0301 done"]],
)

SETS["byte_order_mark_no_final_newline"] = (
    "\ufeffFirst line here\nSecond line",
    ["\ufeffFirst line here\nSecond line too"],
)

SETS["short_hypotheses"] = (
    ["a", "b c", "", "d"],
    [["a b c d", "b c", "x", "e"]],
)

SETS["no_match"] = (
    ["zzz yyy xxx www", "qqq ppp"],
    [["aaa bbb ccc ddd", "eee fff"]],
)

SETS["two_references"] = (
    ["The cat is on the mat.", "There is a cat on the mat here", "It is raining."],
    [["The cat sat on the mat.", "A cat is on the mat.", "It rains heavily today."],
     ["There is a cat on the mat.", "The cat is on the mat here.", "It is raining outside."]],
)

SETS["three_references"] = (
    ["the the the the the the the", "a b c d e f", "short", "Exactly tied length here ok"],
    [["the cat is on the mat", "a b c", "a much longer reference line", "tied length one here"],
     ["there is a cat on the mat", "a b c d e f g h", "short", "tied length two here ok"],
     ["the the cat", "b c d e", "short one", "Exactly tied length here ok yes"]],
)


def synthetic_corpus(lines, seed):
    """Deterministic Bible-like lines and a perturbed copy (word drops, swaps, substitutions)."""
    rng = random.Random(seed)
    words = ("and the of to in that he shall unto for his a lord they be is him not them it with all "
             "thou thy was which my me said but ye their have will were are god from as this were people "
             "Israel king son house day land man men children say come hand David Jesus Moses Jerusalem "
             "brought father went made out up upon before against also there went any great").split()
    punct = [",", ".", ";", ":", "!", "?", "'s", "-"]
    refs, hyps = [], []
    for _ in range(lines):
        n = rng.randint(3, 30)
        toks = [rng.choice(words) for _ in range(n)]
        if rng.random() < 0.3:
            toks.insert(rng.randint(0, len(toks)), str(rng.randint(1, 2000)))
        line = " ".join(toks)
        line = line[0].upper() + line[1:] + rng.choice([".", "!", "?", ";", ""])
        if rng.random() < 0.3:
            i = line.find(" ", rng.randint(0, len(line) - 1))
            if i > 0:
                line = line[:i] + rng.choice(punct) + line[i:]
        refs.append(line)
        hyp = line.split(" ")
        for _ in range(rng.randint(0, 4)):
            op = rng.random()
            k = rng.randint(0, len(hyp) - 1)
            if op < 0.3 and len(hyp) > 1:
                del hyp[k]
            elif op < 0.6:
                hyp[k] = rng.choice(words)
            elif op < 0.8 and k + 1 < len(hyp):
                hyp[k], hyp[k + 1] = hyp[k + 1], hyp[k]
            else:
                hyp.insert(k, rng.choice(words))
        hyps.append(" ".join(hyp))
    return hyps, refs


_long_hyp, _long_ref = synthetic_corpus(2500, seed=20240501)
SETS["long_corpus"] = (_long_hyp, [_long_ref])


def as_text(lines):
    return lines if isinstance(lines, str) else "\n".join(lines) + "\n"


def read_lines(path):
    """sacreBLEU's command line: smart_open(newline="\\n") then line.rstrip()."""
    with open(path, encoding="utf-8", newline="\n") as f:
        return [line.rstrip() for line in f]


def write(path, text):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = []
    for name, (hyp, refs) in SETS.items():
        hyp_file = f"{name}.hyp.txt"
        write(os.path.join(OUT, hyp_file), as_text(hyp))
        ref_files = []
        for i, ref in enumerate(refs, 1):
            ref_files.append(f"{name}.ref{i}.txt")
            write(os.path.join(OUT, ref_files[-1]), as_text(ref))

        hyps = read_lines(os.path.join(OUT, hyp_file))
        references = [read_lines(os.path.join(OUT, f)) for f in ref_files]
        chrf = CHRF().corpus_score(hyps, references).score
        for tokenize in TOKENIZERS:
            for lowercase in (False, True):
                metric = BLEU(tokenize=tokenize, lowercase=lowercase)
                score = metric.corpus_score(hyps, references)
                cases.append({
                    "name": f"{name} tok:{tokenize}{' lc' if lowercase else ''}",
                    "hyp": hyp_file,
                    "refs": ref_files,
                    "tokenize": tokenize,
                    "lowercase": lowercase,
                    "bleu": {
                        "score": score.score,
                        "precisions": score.precisions,
                        "bp": score.bp,
                        "sys_len": score.sys_len,
                        "ref_len": score.ref_len,
                        "signature": str(metric.get_signature()),
                    },
                    "chrf": chrf,
                })

    with open(os.path.join(OUT, "expected.json"), "w", encoding="utf-8") as f:
        json.dump({"sacrebleu": sacrebleu.__version__, "cases": cases}, f, indent=1, ensure_ascii=False)
        f.write("\n")

    # Tokenizer outputs line by line, to pin the tokenizers independently of the scores.
    samples = []
    for name, (hyp, refs) in SETS.items():
        if name == "long_corpus":
            continue
        for text in [as_text(hyp)] + [as_text(r) for r in refs]:
            samples.extend(line.rstrip() for line in text.split("\n"))
    samples = list(dict.fromkeys(samples))
    rows = []
    for line in samples:
        row = {"line": line}
        for tokenize in TOKENIZERS:
            for lowercase in (False, True):
                metric = BLEU(tokenize=tokenize, lowercase=lowercase)
                row[tokenize + (" lc" if lowercase else "")] = metric._preprocess_segment(line).split()
        rows.append(row)
    with open(os.path.join(OUT, "tokenizers.json"), "w", encoding="utf-8") as f:
        json.dump(rows, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {len(cases)} cases and {len(rows)} tokenizer samples to {OUT}")


if __name__ == "__main__":
    main()
