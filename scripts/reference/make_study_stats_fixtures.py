#!/usr/bin/env python3
"""Writes Tests/Fixtures/stats/paired_statistics.json: reference values for the optimizer study's paired
seed statistics (Student t CDF and quantile, paired t-test, t confidence interval, TOST equivalence, Holm).

Usage (from the package root): python3 scripts/reference/make_study_stats_fixtures.py
Needs: pip install scipy numpy statsmodels   (made with scipy 1.17.1, numpy 2.4.6, statsmodels 0.15.0)
Deterministic: rerunning with the same versions rewrites an identical file. Numbers are float64 written with
Python's shortest round-trip repr, so a Double parsed from the JSON is the exact value scipy returned.
Layout: indent 1, one line per leaf object or list (the style of make_bleu_stats_fixtures.py).

Fields
  versions     scipy / numpy / statsmodels / python that made the file.
  t_cdf        [{"t", "df", "cdf", "sf"}]: scipy.stats.t.cdf(t, df) and scipy.stats.t.sf(t, df) (= 1 - cdf,
               but accurate in the upper tail; p-values come from sf/cdf tails, so test both) for
               df in {1,2,3,4,5,6,9,19,29,100} x t in {-30,-8,-3,-2.5,-1,-0.3,0,0.4,1.2,2.0,2.776,4.5,12,50}.
  t_quantile   [{"p", "df", "t"}]: scipy.stats.t.ppf(p, df) for p in {0.5,0.9,0.95,0.975,0.995,0.9995,0.025}.
  paired       cases {"name", "a", "b", "delta", "confidence", "n", "df", "d", "mean", "sd", "se", "t_stat",
               "ci_low", "ci_high", "p_two_sided", "p_tost_lower", "p_tost_upper", "p_tost",
               "tost_ci_low", "tost_ci_high", "equivalent_at_0_05", "note"?}.  a = arm's final validation loss
               per seed, b = baseline's, paired by index (same seed).
                 d          = a[i] - b[i] in float64 (negative = arm better, lower loss)
                 n, df      = len(d), n - 1
                 mean       = numpy.mean(d)
                 sd         = numpy.std(d, ddof=1)              (sample sd)
                 se         = sd / sqrt(n)
                 t_stat     = mean / se                          (null when sd == 0)
                 ci_low/high= mean -/+ t.ppf(1 - (1 - confidence)/2, df) * se   (two-sided Student t interval;
                              equal to scipy.stats.ttest_1samp(d, 0).confidence_interval(confidence))
                 p_two_sided= scipy.stats.ttest_rel(a, b).pvalue  (alternative='two-sided')
                 p_tost_lower = scipy.stats.ttest_1samp(d, -delta, alternative='greater').pvalue
                              (H0: mean d <= -delta; p = sf((mean + delta)/se, df))
                 p_tost_upper = scipy.stats.ttest_1samp(d, +delta, alternative='less').pvalue
                              (H0: mean d >= +delta; p = cdf((mean - delta)/se, df))
                 p_tost     = max(p_tost_lower, p_tost_upper)
                 tost_ci_low/high = the (1 - 2*alpha) t interval of mean d with alpha = 1 - confidence, i.e.
                              the 90% interval when confidence = 0.95: mean -/+ t.ppf(1 - alpha, df) * se
                 equivalent_at_0_05 = p_tost < 0.05 (equivalently -delta < tost_ci_low and tost_ci_high < delta)
               Degenerate sd == 0 (all d identical, exactly, in float64): sd = 0, se = 0, ci and tost_ci collapse
               to [mean, mean], and t_stat, p_two_sided, p_tost_lower, p_tost_upper, p_tost are null
               (undefined: the Swift API should report them as absent/nil, not as 0 or 1), and
               equivalent_at_0_05 is null. What scipy itself returns there is written in "note": for d all
               zero ttest_rel gives statistic nan, p nan; for a constant nonzero d it gives statistic +-inf,
               p 0.0 (with a "Precision loss" RuntimeWarning). The TOST one-sided tests see d -/+ delta != 0,
               so they give t = +-inf and p 0.0 (1.0 for a side whose H0 holds), i.e. scipy would "show"
               equivalence from zero spread. When d (or d - popmean) is not exactly constant after rounding,
               e.g. a = b + 0.1 in decimal, sd is ~1e-16 instead of 0 and scipy returns a huge finite t and a
               p like 1e-58: rounding noise, not a result (no such case is in the fixture).
  holm         [{"p", "adjusted"}]: Holm step-down adjusted p-values in input order, from
               statsmodels.stats.multitest.multipletests(p, method='holm')[1], cross-checked against
               holm() below: sort ascending p_(1) <= ... <= p_(m); adj_(i) = min(1, max_{j<=i} (m-j+1) p_(j)).
"""
import json
import math
import os
import platform
import warnings

import numpy as np
import scipy
import statsmodels
from scipy import stats
from statsmodels.stats.multitest import multipletests

from fixture_json import dumps

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "stats", "paired_statistics.json")

DFS = [1, 2, 3, 4, 5, 6, 9, 19, 29, 100]
TS = [-30, -8, -3, -2.5, -1, -0.3, 0, 0.4, 1.2, 2.0, 2.776, 4.5, 12, 50]
PS = [0.5, 0.9, 0.95, 0.975, 0.995, 0.9995, 0.025]

# (name, a = arm, b = baseline, delta). Losses in nats, four decimals as a training log prints them.
# The constant-difference case uses dyadic values so that every a[i] - b[i] is exactly 0.03125 in float64.
PAIRED = [
    ("identical arms n3", [4.8123, 4.7971, 4.8302], [4.8123, 4.7971, 4.8302], 0.02),
    ("constant difference n4 (dyadic, exact)", [5.28125, 5.15625, 5.40625, 5.09375], [5.25, 5.125, 5.375, 5.0625], 0.05),
    ("clear improvement n5", [3.9512, 3.9874, 3.9421, 3.9733, 3.9608], [4.2135, 4.2391, 4.1987, 4.2290, 4.2207], 0.02),
    ("clear regression n3", [5.6120, 5.5893, 5.6348], [5.2011, 5.1876, 5.2290], 0.05),
    ("tiny noisy difference n6", [4.4021, 4.3987, 4.4105, 4.3950, 4.4068, 4.4012],
     [4.4003, 4.4011, 4.4079, 4.3978, 4.4031, 4.4020], 0.02),
    ("equivalent within delta n8", [3.3142, 3.3209, 3.3087, 3.3175, 3.3231, 3.3120, 3.3166, 3.3198],
     [3.3101, 3.3188, 3.3092, 3.3120, 3.3175, 3.3107, 3.3149, 3.3140], 0.02),
    ("not shown equivalent (too noisy) n3", [4.0213, 4.0497, 4.0089], [4.0301, 4.0155, 4.0102], 0.02),
    ("not equivalent (real difference) n6", [4.6512, 4.6634, 4.6498, 4.6587, 4.6550, 4.6621],
     [4.6013, 4.6102, 4.6054, 4.6049, 4.6111, 4.6087], 0.02),
    ("minimal n2", [5.0412, 4.9987], [4.9210, 4.9187], 0.1),
    ("large losses, big gains n4", [6.0214, 5.8876, 6.1320, 5.9542], [6.8931, 6.8127, 6.9510, 6.7788], 0.1),
    ("mixed signs, mean near zero n7", [3.5012, 3.4870, 3.5231, 3.4795, 3.5120, 3.4988, 3.5064],
     [3.4921, 3.5013, 3.5102, 3.4897, 3.5011, 3.5092, 3.4987], 0.01),
    ("small negative, just misses equivalence n5", [4.1190, 4.1254, 4.1083, 4.1221, 4.1170],
     [4.1262, 4.1290, 4.1208, 4.1265, 4.1293], 0.012),
    ("opposite signs n2", [4.3010, 4.2890], [4.2910, 4.2990], 0.02),
    ("one outlier seed n6", [3.7021, 3.7088, 3.6995, 3.9412, 3.7050, 3.7012],
     [3.7103, 3.7150, 3.7077, 3.7131, 3.7128, 3.7090], 0.05),
]

# Holm families. The first is worked by hand in check_holm_by_hand().
HOLM = [
    [0.01, 0.04, 0.03, 0.005],                      # unsorted; monotonicity raises 0.04 -> 0.06
    [0.03],                                         # single p: unchanged
    [0.02, 0.02, 0.5],                              # tie
    [1.0, 0.001, 0.2],                              # p = 1
    [0.4, 0.3, 0.6, 0.01],                          # caps: raw 0.9, 0.8, 0.6 -> 0.9, 0.9, 0.9
    [0.5, 0.6, 0.7],                                # all capped at 1
    [0.05, 0.05, 0.05, 0.05, 0.05],                 # all tied
    [0.0, 0.3],                                     # p = 0
    [0.0012, 0.0381, 0.0094, 0.2150, 0.0107, 0.0463],  # a realistic family of six arms vs baseline
    [0.001, 0.011, 0.0125, 0.03, 0.2, 0.9, 0.04],   # several steps where cummax matters
]


def holm(p):
    """Holm step-down, independent of statsmodels. Returns adjusted p in input order."""
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    out = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):          # rank 0 is the smallest p, multiplier m
        running = max(running, (m - rank) * p[i])
        out[i] = min(1.0, running)
    return out


def check_holm_by_hand():
    # m = 4, sorted 0.005, 0.01, 0.03, 0.04 -> raw 4*0.005 = 0.02, 3*0.01 = 0.03, 2*0.03 = 0.06, 1*0.04 = 0.04
    # cumulative max -> 0.02, 0.03, 0.06, 0.06; back in input order [0.01, 0.04, 0.03, 0.005]:
    expected = [0.03, 0.06, 0.06, 0.02]
    got = holm([0.01, 0.04, 0.03, 0.005])
    assert all(math.isclose(g, e, rel_tol=1e-12) for g, e in zip(got, expected)), got


def t_tables():
    cdf = [{"t": float(t), "df": df, "cdf": float(stats.t.cdf(t, df)), "sf": float(stats.t.sf(t, df))}
           for df in DFS for t in TS]
    ppf = [{"p": p, "df": df, "t": float(stats.t.ppf(p, df))} for df in DFS for p in PS]
    # Round-trip sanity: cdf(ppf(p)) == p.
    for row in ppf:
        assert math.isclose(stats.t.cdf(row["t"], row["df"]), row["p"], rel_tol=1e-12), row
    return cdf, ppf


def none_if_nan(x):
    x = float(x)
    return None if math.isnan(x) else x


def paired_case(name, a, b, delta, confidence=0.95):
    a_arr, b_arr = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    d = a_arr - b_arr
    n = len(d)
    df = n - 1
    alpha = 1.0 - confidence
    mean = float(np.mean(d))
    sd = float(np.std(d, ddof=1))
    se = sd / math.sqrt(n)
    t2 = float(stats.t.ppf(1.0 - alpha / 2.0, df))
    t1 = float(stats.t.ppf(1.0 - alpha, df))
    case = {"name": name, "a": a, "b": b, "delta": delta, "confidence": confidence, "n": n, "df": df,
            "d": [float(x) for x in d], "mean": mean, "sd": sd, "se": se}

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rel = stats.ttest_rel(a_arr, b_arr)
        lower = stats.ttest_1samp(d, -delta, alternative="greater")
        upper = stats.ttest_1samp(d, delta, alternative="less")
    # scipy warns "Precision loss occurred in moment calculation" for a (near-)constant nonzero d only.
    assert sd == 0.0 or not caught, (name, [str(w.message) for w in caught])
    warned = sorted({str(w.message).split(" due to")[0] for w in caught})
    if sd == 0.0:
        assert np.all(d == d[0])
        case.update({"t_stat": None, "ci_low": mean, "ci_high": mean, "p_two_sided": None,
                     "p_tost_lower": None, "p_tost_upper": None, "p_tost": None,
                     "tost_ci_low": mean, "tost_ci_high": mean, "equivalent_at_0_05": None})
        case["note"] = (f"sd == 0: p values undefined, recorded as null. scipy {scipy.__version__} gives "
                        f"ttest_rel statistic {float(rel.statistic)!r}, pvalue {float(rel.pvalue)!r}; "
                        f"TOST ttest_1samp(d, -delta, 'greater') statistic {float(lower.statistic)!r}, "
                        f"pvalue {float(lower.pvalue)!r}; ttest_1samp(d, +delta, 'less') statistic "
                        f"{float(upper.statistic)!r}, pvalue {float(upper.pvalue)!r}"
                        + (f" (RuntimeWarning: {'; '.join(warned)})" if warned else " (no warning)"))
        return case

    ci = (mean - t2 * se, mean + t2 * se)
    tost_ci = (mean - t1 * se, mean + t1 * se)
    # Cross-check against scipy's own interval and statistic.
    sci = stats.ttest_1samp(d, 0.0).confidence_interval(confidence)
    sci90 = stats.ttest_1samp(d, 0.0).confidence_interval(1.0 - 2.0 * alpha)
    for mine, theirs in [(ci[0], sci.low), (ci[1], sci.high), (tost_ci[0], sci90.low), (tost_ci[1], sci90.high)]:
        assert math.isclose(mine, theirs, rel_tol=1e-12, abs_tol=1e-15), (name, mine, theirs)
    assert math.isclose(mean / se, float(rel.statistic), rel_tol=1e-12), name
    p_two = float(rel.pvalue)
    assert math.isclose(p_two, 2.0 * stats.t.sf(abs(mean / se), df), rel_tol=1e-12), name
    p_lo, p_hi = float(lower.pvalue), float(upper.pvalue)
    assert math.isclose(p_lo, stats.t.sf((mean + delta) / se, df), rel_tol=1e-9), name
    assert math.isclose(p_hi, stats.t.cdf((mean - delta) / se, df), rel_tol=1e-9), name
    p_tost = max(p_lo, p_hi)
    equivalent = p_tost < alpha
    assert equivalent == (-delta < tost_ci[0] and tost_ci[1] < delta), name
    case.update({"t_stat": none_if_nan(rel.statistic), "ci_low": ci[0], "ci_high": ci[1], "p_two_sided": p_two,
                 "p_tost_lower": p_lo, "p_tost_upper": p_hi, "p_tost": p_tost,
                 "tost_ci_low": tost_ci[0], "tost_ci_high": tost_ci[1], "equivalent_at_0_05": bool(equivalent)})
    return case


def holm_cases():
    check_holm_by_hand()
    out = []
    for p in HOLM:
        adj = [float(x) for x in multipletests(p, method="holm")[1]]
        mine = holm(p)
        assert all(math.isclose(x, y, rel_tol=1e-15, abs_tol=0.0) for x, y in zip(adj, mine)), (p, adj, mine)
        assert all(0.0 <= x <= 1.0 for x in adj)
        srt = sorted(range(len(p)), key=lambda i: p[i])
        assert all(adj[srt[k]] <= adj[srt[k + 1]] for k in range(len(p) - 1)), p
        out.append({"p": p, "adjusted": adj})
    return out


def main():
    cdf, ppf = t_tables()
    doc = {
        "generator": "scripts/reference/make_study_stats_fixtures.py",
        "versions": {"scipy": scipy.__version__, "numpy": np.__version__, "statsmodels": statsmodels.__version__,
                     "python": platform.python_version()},
        "t_cdf": cdf,
        "t_quantile": ppf,
        "paired": [paired_case(*c) for c in PAIRED],
        "holm": holm_cases(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        f.write(dumps(doc, allow_nan=False))
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT, ROOT)}: {len(cdf)} cdf, {len(ppf)} quantiles, "
          f"{len(doc['paired'])} paired cases, {len(doc['holm'])} holm families")


if __name__ == "__main__":
    main()
