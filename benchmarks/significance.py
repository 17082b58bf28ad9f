"""Simulations of rexbench's significance design (docs/ranking.md) and leaderboard ranking timings.

1. False-positive rate of "significantly different" under the null, with a 95% Clopper-Pearson CI:
   the studentised paired test (stats.paired_t_test) on mean and corpus-level metrics, including
   sparse differences (few studies differ), beside the bootstrap shift test it replaced.
2. Power under known alternatives, against the paired t-test's theoretical power (noncentral t).
3. Family-wise error of tie groups on boards of equal systems (any split is a false positive).
4. Timings of leaderboard.rank_track (rank intervals, tie groups, adjacent comparisons) for 2 to 500
   systems x 10,000 studies (mean metric, 1,000 resamples) and 100 systems with a k=42 corpus metric.

Usage: python benchmarks/significance.py [--write] [--quick]   (--write: benchmarks/results/significance.md)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
from scipy import stats as sps

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from rexbench import stats as st  # noqa: E402
from rexbench.leaderboard import rank_track  # noqa: E402

ALPHA = 0.05


def cp(hits: int, trials: int) -> tuple[float, float]:
    """Two-sided 95% Clopper-Pearson interval."""
    low = sps.beta.ppf(0.025, hits, trials - hits + 1) if hits else 0.0
    high = sps.beta.ppf(0.975, hits + 1, trials - hits) if hits < trials else 1.0
    return float(low), float(high)


def micro_f1(summed: np.ndarray) -> np.ndarray:
    tp, fp, fn = summed[..., 0], summed[..., 1], summed[..., 2]
    return 2 * tp / (2 * tp + fp + fn)


# ---- scenarios: each returns (inputs for system a, inputs for system b) ---------------------------

def mean_null(rng, n):
    d = rng.beta(2, 5, size=n)
    return {"a": d + rng.normal(0, 0.1, n), "b": d + rng.normal(0, 0.1, n)}


def mean_alt(effect):
    def make(rng, n):
        d = rng.beta(2, 5, size=n)
        return {"a": d + rng.normal(effect * 0.1, 0.1, n), "b": d}
    return make


def bounded_null(rng, n):
    """Scores in [0, 1] with many exact 0s and 1s (as BLEU-2 or ROUGE on short reports)."""
    d = rng.random(n)
    def sys_():
        return np.clip(d + rng.normal(0, 0.3, n), 0, 1)
    return {"a": sys_(), "b": sys_()}


def sparse_null(k_differ):
    """Identical outputs except on k_differ studies, where each system is right half the time."""
    def make(rng, n):
        base = (rng.random(n) < 0.5).astype(float)
        a, b = base.copy(), base.copy()
        idx = rng.choice(n, size=k_differ, replace=False)
        win = rng.random(k_differ) < 0.5
        a[idx], b[idx] = win.astype(float), (~win).astype(float)
        return {"a": a, "b": b}
    return make


def f1_null(rng, n):
    pos = rng.poisson(2.0, size=n)
    def sys_():
        tp = rng.binomial(pos, 0.7)
        return np.column_stack([tp, rng.poisson(0.6, size=n), pos - tp]).astype(float)
    return {"stats_a": sys_(), "stats_b": sys_(), "aggregate": micro_f1}


def f1_rare_null(rng, n):
    """A rare label: most studies have no positive, so few studies carry all the information."""
    pos = (rng.random(n) < 0.05).astype(int)
    def sys_():
        tp = rng.binomial(pos, 0.6)
        return np.column_stack([tp, (rng.random(n) < 0.02).astype(int), pos - tp]).astype(float)
    return {"stats_a": sys_(), "stats_b": sys_(), "aggregate": micro_f1}


def rejection_rate(make, n, trials, seed, boot_trials=0):
    """(t-test rejections in `trials`, bootstrap shift-test rejections in the first `boot_trials`)."""
    rng = np.random.default_rng(seed)
    t_hits = b_hits = 0
    for i in range(trials):
        kw = make(rng, n)
        t_hits += st.paired_t_test(**kw).p_value < ALPHA
        if i < boot_trials:
            b_hits += st.paired_bootstrap(**kw, n_resamples=1000,
                                          seed=int(rng.integers(2**31))).p_value < ALPHA
    return t_hits, b_hits


def board_split_rate(S, n, trials, seed):
    rng = np.random.default_rng(seed)
    splits = 0
    for _ in range(trials):
        d = rng.beta(2, 5, size=n)
        systems = {i: d + rng.normal(0, 0.1, n) for i in range(S)}
        splits += len(st.tie_groups(systems, higher_is_better=True).groups) > 1
    return splits


class _Mean:
    higher_is_better, corpus_level, aggregate = True, False, None


class _Corpus:
    higher_is_better, corpus_level = True, True

    @staticmethod
    def aggregate(summed):
        """Micro F1 over 14 labels from (tp, fp, fn) triples: k = 42, like chexpert_f1."""
        s = summed.reshape(summed.shape[:-1] + (14, 3)).sum(-2)
        return micro_f1(s)


def board_timing(S, n, corpus=False, seed=0):
    rng = np.random.default_rng(seed)
    if corpus:
        pos = rng.poisson(0.3, size=(n, 14))
        arrays = {}
        for s in range(S):
            tp = rng.binomial(pos, 0.5 + 0.002 * s)
            arrays[f"s{s:03d}"] = np.stack([tp, rng.poisson(0.1, (n, 14)), pos - tp], -1).reshape(n, 42).astype(float)
        metric = _Corpus
    else:
        d = rng.beta(2, 5, size=n)
        arrays = {f"s{s:03d}": d + 0.0005 * s + rng.normal(0, 0.1, n) for s in range(S)}
        metric = _Mean
    t = time.perf_counter()
    ranking = rank_track(metric, "m", arrays, 1000, st.DEFAULT_SEED)
    return time.perf_counter() - t, len(ranking.groups.groups)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--quick", action="store_true", help="fewer trials (a smoke run)")
    args = ap.parse_args()
    scale = 0.1 if args.quick else 1.0
    T = lambda k: max(50, int(k * scale))  # noqa: E731
    lines = ["## 1. False-positive rate under the null (alpha = 0.05)", "",
             "| scenario | n | trials | studentised t: rate [95% CI] | bootstrap shift (B=1000): rate [95% CI] |",
             "|---|---|---|---|---|"]
    null_cases = [
        ("mean metric, continuous", mean_null, 30, T(20000), 0),
        ("mean metric, continuous", mean_null, 400, T(10000), T(2000)),
        ("mean metric in [0,1] with ties at 0/1", bounded_null, 100, T(10000), 0),
        ("micro-F1 (corpus-level, k=3)", f1_null, 120, T(10000), T(2000)),
        ("micro-F1, rare label (5% positive)", f1_rare_null, 400, T(10000), 0),
        ("binary, 40 of 400 studies differ", sparse_null(40), 400, T(10000), 0),
        ("binary, 10 of 400 studies differ", sparse_null(10), 400, T(10000), 0),
    ]
    for i, (name, make, n, trials, boot) in enumerate(null_cases):
        t_hits, b_hits = rejection_rate(make, n, trials, seed=100 + i, boot_trials=boot)
        lo, hi = cp(t_hits, trials)
        b = "–"
        if boot:
            blo, bhi = cp(b_hits, boot)
            b = f"{b_hits / boot:.4f} [{blo:.4f}, {bhi:.4f}] ({boot} trials)"
        lines.append(f"| {name} | {n} | {trials} | {t_hits / trials:.4f} [{lo:.4f}, {hi:.4f}] | {b} |")
        print(lines[-1], flush=True)

    lines += ["", "## 2. Power under known alternatives", "",
              "Effect in units of the per-study difference's sd; theory: paired t-test power (noncentral t).", "",
              "| n | effect | trials | observed power [95% CI] | theory |", "|---|---|---|---|---|"]
    for j, (n, effect) in enumerate([(50, 0.2), (50, 0.4), (200, 0.2), (400, 0.15)]):
        trials = T(5000)
        hits, _ = rejection_rate(mean_alt(effect), n, trials, seed=200 + j)
        crit = sps.t.ppf(1 - ALPHA / 2, n - 1)
        nc = effect * np.sqrt(n)
        theory = sps.nct.sf(crit, n - 1, nc) + sps.nct.cdf(-crit, n - 1, nc)
        lo, hi = cp(hits, trials)
        lines.append(f"| {n} | {effect} | {trials} | {hits / trials:.4f} [{lo:.4f}, {hi:.4f}] | {theory:.4f} |")
        print(lines[-1], flush=True)

    lines += ["", "## 3. Tie groups on boards of equal systems: rate of any split (family-wise error)", "",
              "| systems | n | boards | split rate [95% CI] |", "|---|---|---|---|"]
    for k, (S, n, trials) in enumerate([(3, 100, T(4000)), (10, 100, T(2000)), (60, 200, T(400))]):
        splits = board_split_rate(S, n, trials, seed=300 + k)
        lo, hi = cp(splits, trials)
        lines.append(f"| {S} | {n} | {trials} | {splits / trials:.4f} [{lo:.4f}, {hi:.4f}] |")
        print(lines[-1], flush=True)

    lines += ["", "## 4. leaderboard.rank_track timings (1,000 resamples; ranks, rank intervals, tie groups, "
              "adjacent comparisons)", "", "| systems | studies | metric | seconds | tie groups |", "|---|---|---|---|---|"]
    for S, n, corpus in [(2, 10_000, False), (60, 10_000, False), (100, 10_000, False), (300, 10_000, False),
                         (500, 10_000, False), (100, 10_000, True)]:
        sec, groups = board_timing(S, n, corpus)
        kind = "corpus-level, k=42" if corpus else "mean"
        lines.append(f"| {S} | {n:,} | {kind} | {sec:.2f} | {groups} |")
        print(lines[-1], flush=True)

    if args.write:
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        head = ["# Significance simulations and ranking timings", "",
                "Generated by `python benchmarks/significance.py --write`; rerun to update, do not edit by hand.", "",
                f"- date: {dt.date.today().isoformat()}",
                f"- machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores (load average {load} "
                f"at the end), Python {platform.python_version()}, numpy {np.__version__}",
                "- design: docs/ranking.md", ""]
        out = Path(__file__).resolve().parent / "results" / "significance.md"
        out.write_text("\n".join(head + lines) + "\n", encoding="utf-8")
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
