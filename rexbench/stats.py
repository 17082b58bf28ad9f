"""Uncertainty for leaderboard numbers: bootstrap CIs, paired tests, ranking, tie groups, subgroups.

Pure numpy. Every random draw comes from `numpy.random.Generator(PCG64(seed))`; the same seed gives
the same numbers (and byte-identical `to_dict()` JSON).

Resampling is expressed as a count matrix: `counts[b, i]` is how often study i is drawn in
resample b (`resample_counts`). It depends only on (n, n_resamples, seed), so every submission on a
split is resampled identically (paired), and a resampled score is one matrix product:

* mean metrics: `counts @ values / n`;
* corpus-level metrics (Metric contract: per-study sufficient statistics `stats` (n, k) and
  `aggregate(summed (..., k)) -> (...)`): `aggregate(counts @ stats)`, exactly like the point estimate
  `aggregate(stats.sum(0))`.

Internally a mean metric is the corpus-level statistic with stats `[value, 1]` and aggregate
`sum / count`, so leave-one-out (jackknife) and permutation formulas are shared by both kinds.

Significance ("is A different from B") uses a studentised paired test (`paired_t_test`): the
difference over its jackknife standard error, against Student's t with n - 1 degrees of freedom.
For mean metrics it is exactly the paired t-test; for corpus-level metrics the jackknife gives the
delta-method standard error of the re-aggregated difference. Its p-value has no resampling floor, so
Holm's correction can reach any alpha whatever the number of systems (a bootstrap or permutation
p is at least 1/(B+1), and Holm multiplies the smallest by the family size). docs/ranking.md states
the design and the simulations that check its false-positive rate.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from statistics import NormalDist
from typing import Any, Literal

import numpy as np
from numpy.random import PCG64, Generator

DEFAULT_SEED = 12345
DEFAULT_RESAMPLES = 1000

Aggregate = Callable[[np.ndarray], np.ndarray]
Method = Literal["percentile", "bca"]

_NORMAL = NormalDist()
T_TEST = "jackknife_t"              # name of the significance test in results, leaderboard.json and compare
PERMUTATION_MARGIN = 20             # permutation rounds >= margin x family size / alpha (min_permutations)
_CHUNK_CELLS = 2_000_000          # resample rows are drawn in blocks of about this many cells


def _rng(seed: int) -> Generator:
    return Generator(PCG64(seed))


# ---- resampling ---------------------------------------------------------------------------------

def iter_resample_counts(n: int, n_resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED,
                         *, chunk_rows: int | None = None) -> Iterator[np.ndarray]:
    """Yield the rows of `resample_counts(n, n_resamples, seed)` in (rows, n) int32 blocks.

    Each resample draws n study indices with `rng.integers(0, n, size=n)` in order, so the blocks
    concatenate to the same matrix whatever `chunk_rows` is.
    """
    for block in _draw(n, n_resamples, seed, chunk_rows):
        yield block.astype(np.int32)


def _draw(n: int, n_resamples: int, seed: int, chunk_rows: int | None = None) -> Iterator[np.ndarray]:
    """Count blocks as bincount's int64; int32 index draws give the same stream as int64 ones."""
    if n < 1 or n_resamples < 1:
        raise ValueError(f"need n >= 1 and n_resamples >= 1 (got n={n}, n_resamples={n_resamples})")
    rng = _rng(seed)
    rows = chunk_rows or _block_rows(n)
    dtype = np.int32 if n * rows < 2**31 else np.int64
    for start in range(0, n_resamples, rows):
        c = min(rows, n_resamples - start)
        idx = rng.integers(0, n, size=(c, n), dtype=dtype)
        idx += np.arange(0, c * n, n, dtype=dtype)[:, None]
        yield np.bincount(idx.ravel(), minlength=c * n).reshape(c, n)


def _block_rows(n: int) -> int:
    return max(1, _CHUNK_CELLS // n)


def resample_counts(n: int, n_resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED) -> np.ndarray:
    """(n_resamples, n) int32 bootstrap counts: how often each study index is drawn in each resample.

    Depends only on (n, n_resamples, seed): every system scored on the same split gets the same
    resamples, which makes bootstrap comparisons paired. Rows sum to n.
    """
    return np.concatenate(list(iter_resample_counts(n, n_resamples, seed)))


# ---- one score (mean or corpus-level) -----------------------------------------------------------

@dataclass(frozen=True)
class _Score:
    """A system's per-study data as sufficient statistics; a mean metric is stats [v, 1]."""
    stats: np.ndarray          # (n, k)
    aggregate: Aggregate       # (..., k) -> (...)
    point: float

    @property
    def n(self) -> int:
        return self.stats.shape[0]

    @property
    def total(self) -> np.ndarray:
        return self.stats.sum(axis=0)

    def jackknife(self) -> np.ndarray:
        """(n,) leave-one-out scores: aggregate(total - stats_i)."""
        return _finite(self.aggregate(self.total - self.stats), "leave-one-out score")


def _ratio(summed: np.ndarray) -> np.ndarray:
    return summed[..., 0] / summed[..., 1]


def _score(values: Any = None, stats: Any = None, aggregate: Aggregate | None = None,
           what: str = "values") -> _Score:
    if (values is None) == (stats is None):
        raise ValueError(f"{what}: give either per-study values or stats (with aggregate), not both or neither")
    if values is not None:
        v = np.asarray(values, dtype=np.float64)
        if v.ndim != 1 or v.size == 0:
            raise ValueError(f"{what}: per-study values must be a non-empty 1-D array, got shape {v.shape}")
        _finite(v, what)
        return _Score(np.column_stack([v, np.ones_like(v)]), _ratio, float(v.mean()))
    if aggregate is None:
        raise ValueError(f"{what}: corpus-level stats need an aggregate function")
    s = np.asarray(stats, dtype=np.float64)
    if s.ndim != 2 or s.shape[0] == 0:
        raise ValueError(f"{what}: stats must be a non-empty (n, k) array, got shape {s.shape}")
    _finite(s, what)
    return _Score(s, aggregate, float(_finite(np.asarray(aggregate(s.sum(axis=0))), "corpus score")))


def _finite(x: np.ndarray, what: str) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{what}: non-finite value (a metric failure is an error, never averaged away)")
    return x


def _resampled(scores: Sequence[_Score], counts: Any, n_resamples: int, seed: int | None) -> np.ndarray:
    """(B, S) resampled scores of several systems on the same resamples.

    `counts` (B, n) if given, else drawn from `seed` (None: DEFAULT_SEED). Works block by block (a few
    MB of float64 counts at a time, one BLAS product per block for all systems), so the full count
    matrix is never converted or, when drawn here, never held in memory.
    """
    n = scores[0].n
    if counts is None:
        blocks: Iterator[np.ndarray] = _draw(n, n_resamples, DEFAULT_SEED if seed is None else seed)
    else:
        c = np.asarray(counts)
        if c.ndim != 2 or c.shape[1] != n or c.shape[0] < 1:
            raise ValueError(f"counts must have shape (n_resamples, {n}), got {c.shape}")
        rows = _block_rows(n)
        blocks = (c[i:i + rows] for i in range(0, c.shape[0], rows))
    stacked = np.concatenate([sc.stats for sc in scores], axis=1)
    edges = np.cumsum([0] + [sc.stats.shape[1] for sc in scores])
    sums = np.concatenate([block.astype(np.float64, copy=False) @ stacked for block in blocks])
    out = [sc.aggregate(sums[:, edges[j]:edges[j + 1]]) for j, sc in enumerate(scores)]
    return _finite(np.column_stack(out), "resampled score")


# ---- confidence intervals -----------------------------------------------------------------------

@dataclass(frozen=True)
class CI:
    low: float
    high: float
    point: float
    std_err: float             # standard deviation of the bootstrap distribution (ddof=1)
    n_resamples: int
    seed: int | None           # None: resamples were passed in and their seed was not given
    method: str                # "percentile" or "bca"
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def bootstrap_distribution(values: Any = None, *, stats: Any = None, aggregate: Aggregate | None = None,
                           counts: Any = None, n_resamples: int = DEFAULT_RESAMPLES,
                           seed: int | None = None) -> np.ndarray:
    """(B,) resampled scores (see `bootstrap_ci` for the arguments)."""
    return _resampled([_score(values, stats, aggregate)], counts, n_resamples, seed)[:, 0]


def bootstrap_ci(values: Any = None, *, stats: Any = None, aggregate: Aggregate | None = None,
                 counts: Any = None, n_resamples: int = DEFAULT_RESAMPLES, seed: int | None = None,
                 confidence: float = 0.95, method: Method = "percentile") -> CI:
    """Bootstrap CI of a score: the mean of `values` (n,), or `aggregate` of summed `stats` (n, k).

    `counts` (B, n) reuses resamples from `resample_counts` (then pass the seed that made them, for the
    record; a float64 copy of them skips a per-call conversion when many metrics share them);
    otherwise they are drawn from `seed` (None means DEFAULT_SEED). `method="percentile"`
    takes the alpha/2 and 1-alpha/2 percentiles (linear interpolation) of the resampled scores;
    `"bca"` is Efron's bias-corrected and accelerated interval with jackknife acceleration, as in
    `scipy.stats.bootstrap`.
    """
    sc = _score(values, stats, aggregate)
    theta_b = _resampled([sc], counts, n_resamples, seed)[:, 0]
    seed = DEFAULT_SEED if (seed is None and counts is None) else seed
    low, high = _interval(theta_b, sc.point, sc.jackknife if method == "bca" else None, confidence, method)
    return CI(low, high, sc.point, _std(theta_b), theta_b.size, seed, method, float(confidence))


def bootstrap_scores(values: Mapping[Any, Any] | None = None, *, stats: Mapping[Any, Any] | None = None,
                     aggregate: Aggregate | None = None, counts: Any = None, n_resamples: int = DEFAULT_RESAMPLES,
                     seed: int | None = None) -> dict[Any, np.ndarray]:
    """name -> (B,) resampled scores of every scored system, all on the same resamples (one matrix
    product for the whole board); differences of two entries are paired bootstrap differences."""
    scorers, _ = _systems(values, stats, aggregate)
    if not scorers:
        return {}
    res = _resampled(list(scorers.values()), counts, n_resamples, seed)
    return {k: res[:, j] for j, k in enumerate(scorers)}


def percentile_interval(theta_b: Any, confidence: float = 0.95) -> tuple[float, float]:
    """The percentile interval of resampled values (as `bootstrap_ci(method="percentile")`)."""
    theta_b = np.asarray(theta_b, dtype=np.float64)
    return _interval(theta_b, float("nan"), None, confidence, "percentile")


def _std(x: np.ndarray) -> float:
    return float(np.std(x, ddof=1)) if x.size > 1 else 0.0


def _interval(theta_b: np.ndarray, theta_hat: float, jackknife: Callable[[], np.ndarray] | None,
              confidence: float, method: str) -> tuple[float, float]:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    if method not in ("percentile", "bca"):
        raise ValueError(f"method must be 'percentile' or 'bca', got {method!r}")
    alpha = (1.0 - confidence) / 2.0
    if theta_b.min() == theta_b.max():                 # degenerate: every resample scores the same
        return float(theta_b[0]), float(theta_b[0])
    if method == "percentile":
        q = (100 * alpha, 100 * (1 - alpha))
    else:
        q = tuple(100 * p for p in _bca_levels(theta_b, theta_hat, jackknife(), alpha))
    low, high = np.percentile(theta_b, q)
    return float(low), float(high)


def _bca_levels(theta_b: np.ndarray, theta_hat: float, jack: np.ndarray, alpha: float) -> tuple[float, float]:
    """Adjusted percentile levels (Efron & Tibshirani 1993, 14.3; same formulas as scipy)."""
    B = theta_b.size
    below = ((theta_b < theta_hat).sum() + (theta_b <= theta_hat).sum()) / (2 * B)
    below = min(max(below, 0.5 / B), 1 - 0.5 / B)      # keep z0 finite when theta_hat is outside
    z0 = _NORMAL.inv_cdf(below)
    d = jack.mean() - jack
    den = 6.0 * float((d ** 2).sum()) ** 1.5
    # A constant jackknife means no acceleration; its rounding noise (mean - value ~ 1e-16) would
    # otherwise give a = +-1/(6 sqrt(n)), a sizeable shift of the interval.
    flat = np.ptp(jack) <= 1e-12 * max(1.0, float(np.abs(jack).max()))
    a = float((d ** 3).sum()) / den if (den > 0 and not flat) else 0.0
    levels = []
    for z in (_NORMAL.inv_cdf(alpha), _NORMAL.inv_cdf(1 - alpha)):
        levels.append(_NORMAL.cdf(z0 + (z0 + z) / (1 - a * (z0 + z))))
    return levels[0], levels[1]


# ---- paired tests -------------------------------------------------------------------------------

@dataclass(frozen=True)
class PairedResult:
    test: str                  # "paired_bootstrap" or "permutation"
    score_a: float
    score_b: float
    diff: float                # score_a - score_b
    p_value: float             # two-sided
    low: float | None          # CI of diff (paired bootstrap only)
    high: float | None
    better: str | None         # "a" / "b": the system with the better observed score; None if equal
    higher_is_better: bool
    n_resamples: int
    seed: int | None
    confidence: float | None
    method: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _better(diff: float, higher_is_better: bool) -> str | None:
    if diff == 0:
        return None
    return "a" if (diff > 0) == higher_is_better else "b"


def _pair(a: Any, b: Any, stats_a: Any, stats_b: Any, aggregate: Aggregate | None) -> tuple[_Score, _Score]:
    sa = _score(a, stats_a, aggregate, "system a")
    sb = _score(b, stats_b, aggregate, "system b")
    if sa.stats.shape != sb.stats.shape:
        raise ValueError("paired systems must cover the same studies: "
                         f"shapes {sa.stats.shape} and {sb.stats.shape}")
    return sa, sb


def _shift_pvalue(diff_b: np.ndarray, diff_hat: float) -> float:
    """Two-sided bootstrap p-value of H0: diff = 0 with the shift method.

    The bootstrap distribution of the difference, shifted to mean zero under H0 (diff_b - diff_hat),
    is compared with the observed difference (Efron & Tibshirani 1993, 16.4; Berg-Kirkpatrick et al.
    2012 for NLP): p = (1 + #{|diff_b - diff_hat| >= |diff_hat|}) / (1 + B).
    """
    hits = int(np.count_nonzero(np.abs(diff_b - diff_hat) >= abs(diff_hat)))
    return (1 + hits) / (1 + diff_b.size)


def paired_bootstrap(a: Any = None, b: Any = None, *, stats_a: Any = None, stats_b: Any = None,
                     aggregate: Aggregate | None = None, higher_is_better: bool = True, counts: Any = None,
                     n_resamples: int = DEFAULT_RESAMPLES, seed: int | None = None,
                     confidence: float = 0.95, method: Method = "percentile") -> PairedResult:
    """Paired bootstrap of diff = score(A) - score(B) on the same studies (same resample for both).

    Returns the CI of the difference and the two-sided shift-method p-value (`_shift_pvalue`).
    """
    sa, sb = _pair(a, b, stats_a, stats_b, aggregate)
    both = _resampled([sa, sb], counts, n_resamples, seed)
    seed = DEFAULT_SEED if (seed is None and counts is None) else seed
    diff_b = both[:, 0] - both[:, 1]
    diff = sa.point - sb.point
    low, high = _interval(diff_b, diff, lambda: sa.jackknife() - sb.jackknife(), confidence, method)
    return PairedResult("paired_bootstrap", sa.point, sb.point, diff, _shift_pvalue(diff_b, diff), low, high,
                        _better(diff, higher_is_better), higher_is_better, diff_b.size, seed,
                        float(confidence), method)


def _permutation_diffs(pairs: Sequence[tuple[_Score, _Score]], n_permutations: int, seed: int) -> np.ndarray:
    """(P, R) differences under random per-study swaps, one row per pair; masks shared by all pairs.

    Mask row r swaps study i between the two systems when u[r, i] < 1/2, u ~ rng.random((R, n)).
    Swapping moves stats_b[i] - stats_a[i] from B's sum to A's, so for every pair
    sum_A' = total_A + mask @ delta and sum_B' = total_B - mask @ delta.
    """
    n = pairs[0][0].n
    deltas = [sb.stats - sa.stats for sa, sb in pairs]
    edges = np.cumsum([0] + [d.shape[1] for d in deltas])
    delta = np.concatenate(deltas, axis=1)
    tot_a = [sa.total for sa, _ in pairs]
    tot_b = [sb.total for _, sb in pairs]
    out = np.empty((len(pairs), n_permutations))
    rng = _rng(seed)
    rows = _block_rows(n)
    for start in range(0, n_permutations, rows):
        c = min(rows, n_permutations - start)
        moved = (rng.random((c, n)) < 0.5).astype(np.float64) @ delta
        for p, (sa, sb) in enumerate(pairs):
            m = moved[:, edges[p]:edges[p + 1]]
            out[p, start:start + c] = sa.aggregate(tot_a[p] + m) - sb.aggregate(tot_b[p] - m)
    return _finite(out, "permuted score")


def _permutation_pvalue(perm: np.ndarray, sa: _Score, sb: _Score) -> float:
    """p = (1 + #{|diff_perm| >= |diff_obs|}) / (1 + R), the observed difference computed the same way
    as the permuted ones, with a 1e-12 relative tolerance so that exact ties in real arithmetic count."""
    obs = abs(float(sa.aggregate(sa.total) - sb.aggregate(sb.total)))
    tol = 1e-12 * max(abs(sa.point), abs(sb.point), obs)
    return (1 + int(np.count_nonzero(np.abs(perm) >= obs - tol))) / (1 + perm.size)


def permutation_test(a: Any = None, b: Any = None, *, stats_a: Any = None, stats_b: Any = None,
                     aggregate: Aggregate | None = None, higher_is_better: bool = True,
                     n_permutations: int = 10_000, seed: int = DEFAULT_SEED) -> PairedResult:
    """Approximate randomisation test (Noreen 1989; as in sacrebleu's paired_ar): each study's A and B
    outputs are swapped with probability 1/2, the scores recomputed (re-aggregated for corpus-level
    metrics), and p = (1 + #{|diff_perm| >= |diff_obs|}) / (1 + R), two-sided.
    """
    if n_permutations < 1:
        raise ValueError("n_permutations must be >= 1")
    sa, sb = _pair(a, b, stats_a, stats_b, aggregate)
    perm = _permutation_diffs([(sa, sb)], n_permutations, seed)[0]
    diff = sa.point - sb.point
    return PairedResult("permutation", sa.point, sb.point, diff, _permutation_pvalue(perm, sa, sb), None, None,
                        _better(diff, higher_is_better), higher_is_better, n_permutations, seed, None, None)


def _t_pvalues(diff: np.ndarray, se: np.ndarray, n: int) -> np.ndarray:
    """Two-sided p of diff / se against Student's t(n - 1).

    A zero standard error means every leave-one-out difference is the same: p = 1 when the difference is
    0 too, else 0 (the systems differ by the same amount on every study). Fewer than 2 studies: p = 1.
    """
    from scipy.special import stdtr          # Student's t CDF (scipy.special imports much faster than scipy.stats)

    diff, se = np.asarray(diff, dtype=np.float64), np.asarray(se, dtype=np.float64)
    if n < 2:
        return np.ones_like(diff)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.abs(diff) / se
    p = np.where(se > 0, 2.0 * stdtr(n - 1, -stat), np.where(diff == 0, 1.0, 0.0))
    return np.minimum(1.0, p)


def _jackknife_se(jack_diff: np.ndarray) -> float:
    """Jackknife standard error from leave-one-out values: sqrt((n-1)/n * sum (J_i - mean J)^2)."""
    n = jack_diff.size
    return float(np.sqrt((n - 1) / n * np.sum((jack_diff - jack_diff.mean()) ** 2))) if n > 1 else 0.0


def paired_t_test(a: Any = None, b: Any = None, *, stats_a: Any = None, stats_b: Any = None,
                  aggregate: Aggregate | None = None, higher_is_better: bool = True,
                  confidence: float = 0.95) -> PairedResult:
    """Studentised paired test of diff = score(A) - score(B): t = diff / SE_jackknife, two-sided p from
    Student's t with n - 1 degrees of freedom, and the CI diff +- t_(1-alpha/2) SE.

    The leave-one-out difference is aggregate(total_A - stats_A[i]) - aggregate(total_B - stats_B[i]), so
    corpus-level metrics are re-aggregated; for mean metrics SE is sd(a - b) / sqrt(n) and this is
    exactly the paired t-test (scipy.stats.ttest_rel). No resampling: the p-value has no floor.
    """
    from scipy.special import stdtrit        # Student's t quantile

    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    sa, sb = _pair(a, b, stats_a, stats_b, aggregate)
    diff = sa.point - sb.point
    se = _jackknife_se(sa.jackknife() - sb.jackknife()) if sa.n > 1 else 0.0
    p = float(_t_pvalues(np.array([diff]), np.array([se]), sa.n)[0])
    half = float(stdtrit(sa.n - 1, 0.5 + confidence / 2)) * se if sa.n > 1 else 0.0
    return PairedResult(T_TEST, sa.point, sb.point, diff, p, diff - half, diff + half,
                        _better(diff, higher_is_better), higher_is_better, 0, None, float(confidence), "t")


def min_permutations(family_size: int, alpha: float) -> int:
    """Permutation rounds that let every Holm-corrected p of a family reach alpha with room to spare:
    the smallest p is 1/(R+1) and Holm multiplies it by the family size, so R + 1 >= margin x m / alpha."""
    return max(1, math.ceil(PERMUTATION_MARGIN * max(family_size, 1) / alpha))


def holm(pvalues: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm-Bonferroni step-down adjusted p-values, in the input order (monotone, capped at 1)."""
    p = np.asarray(pvalues, dtype=np.float64)
    if p.ndim != 1 or np.any(np.isnan(p)) or np.any((p < 0) | (p > 1)):
        raise ValueError("holm: p-values must be a 1-D sequence of numbers in [0, 1]")
    m = p.size
    order = np.argsort(p, kind="stable")
    adj = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = adj
    return out


# ---- ranking ------------------------------------------------------------------------------------
# Missing metric: a system whose value (score, per-study values or stats) is None is unranked. It is
# listed after every ranked system, in name order, with rank None. NaN is an error, never "missing".

def _order(scores: Mapping[str, float], higher_is_better: bool) -> list[str]:
    """Best first; exact ties in score are broken by name."""
    sign = -1.0 if higher_is_better else 1.0
    return sorted(scores, key=lambda name: (sign * scores[name], name))


def _competition_ranks(ordered: Sequence[str], scores: Mapping[str, float]) -> dict[str, int]:
    """Standard competition ranking ("1224"): equal scores share the best rank."""
    ranks: dict[str, int] = {}
    for i, name in enumerate(ordered):
        same = i > 0 and scores[name] == scores[ordered[i - 1]]
        ranks[name] = ranks[ordered[i - 1]] if same else i + 1
    return ranks


def rank_systems(scores: Mapping[str, float | None], *, higher_is_better: bool) -> list[tuple[str, int | None]]:
    """[(name, rank)] best first (competition ranking, ties by name); unranked (None) systems last."""
    known = {k: float(v) for k, v in scores.items() if v is not None}
    if any(math.isnan(v) for v in known.values()):
        raise ValueError("rank_systems: NaN score (use None for a missing metric)")
    ordered = _order(known, higher_is_better)
    ranks = _competition_ranks(ordered, known)
    return [(k, ranks[k]) for k in ordered] + [(k, None) for k in sorted(set(scores) - set(known))]


def _systems(values: Mapping[str, Any] | np.ndarray | None, stats: Mapping[str, Any] | None,
             aggregate: Aggregate | None) -> tuple[dict[Any, _Score], list[Any]]:
    if (values is None) == (stats is None):
        raise ValueError("give either per-study values per system or stats per system (with aggregate)")
    if values is not None:
        if isinstance(values, np.ndarray):
            values = dict(enumerate(values))
        scorers = {k: _score(v, None, None, f"system {k!r}") for k, v in values.items() if v is not None}
        missing = sorted(k for k, v in values.items() if v is None)
    else:
        scorers = {k: _score(None, s, aggregate, f"system {k!r}") for k, s in stats.items() if s is not None}
        missing = sorted(k for k, s in stats.items() if s is None)
    shapes = {sc.stats.shape for sc in scorers.values()}
    if len(shapes) > 1:
        raise ValueError(f"all systems must cover the same studies (got shapes {sorted(shapes)})")
    return scorers, missing


@dataclass(frozen=True)
class RankInterval:
    system: Any
    rank: int | None           # competition rank of the point scores
    low: int | None            # best rank in the interval
    high: int | None           # worst rank in the interval
    score: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def rank_intervals(values: Mapping[str, Any] | np.ndarray | None = None, *, stats: Mapping[str, Any] | None = None,
                   aggregate: Aggregate | None = None, higher_is_better: bool, counts: Any = None,
                   n_resamples: int = DEFAULT_RESAMPLES, seed: int | None = None,
                   confidence: float = 0.95, boot: Mapping[Any, np.ndarray] | None = None) -> list[RankInterval]:
    """Bootstrap rank intervals: systems are re-ranked on every (paired) resample.

    Per resample, rank = 1 + number of systems with a strictly better resampled score. The interval is
    [lower alpha/2 quantile, upper 1 - alpha/2 quantile] of those ranks (integer, conservative). `values`
    maps name -> per-study values (a 2-D (S, n) array is keyed by row index); corpus-level metrics pass
    `stats` name -> (n, k) and `aggregate`. Ranked systems come best first, unranked (None) ones last.
    `boot`: the systems' resampled scores from `bootstrap_scores`, when the caller has them already.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    scorers, missing = _systems(values, stats, aggregate)
    tail = [RankInterval(k, None, None, None, None) for k in missing]
    if not scorers:
        return tail
    points = {k: sc.point for k, sc in scorers.items()}
    ordered = _order(points, higher_is_better)
    ranks = _competition_ranks(ordered, points)
    if boot is not None:
        res = np.column_stack([boot[k] for k in ordered])
    else:
        res = _resampled([scorers[k] for k in ordered], counts, n_resamples, seed)   # (B, S)
    if not higher_is_better:
        res = -res
    boot_ranks = _resample_ranks(res)                                            # (B, S)
    alpha = (1.0 - confidence) / 2.0
    low = np.quantile(boot_ranks, alpha, axis=0, method="lower")
    high = np.quantile(boot_ranks, 1 - alpha, axis=0, method="higher")
    return [RankInterval(k, ranks[k], int(low[j]), int(high[j]), points[k]) for j, k in enumerate(ordered)] + tail


def _resample_ranks(res: np.ndarray) -> np.ndarray:
    """(B, S) competition ranks per row (higher is better): 1 + the number of strictly higher scores.

    One sort per row, O(B S log S), instead of comparing every pair of systems on every resample.
    """
    B, S = res.shape
    order = np.argsort(-res, axis=1, kind="stable")
    ordered = np.take_along_axis(res, order, axis=1)
    starts = np.ones((B, S), dtype=bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]         # first of each run of equal scores
    first = np.maximum.accumulate(np.where(starts, np.arange(S), 0), axis=1)
    ranks = np.empty((B, S), dtype=np.int64)
    np.put_along_axis(ranks, order, first + 1, axis=1)
    return ranks


@dataclass(frozen=True)
class Comparison:
    leader: Any
    system: Any
    diff: float                # score(leader) - score(system)
    p_value: float
    p_adjusted: float          # Holm, within the leader's family of comparisons
    significant: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TieGroups:
    groups: tuple[tuple[Any, ...], ...]        # best group first; leader first, then rank order
    comparisons: tuple[Comparison, ...]        # each leader against every lower-ranked ungrouped system
    unranked: tuple[Any, ...]
    higher_is_better: bool
    alpha: float
    test: str                                  # T_TEST
    family_size: int                           # comparisons Holm corrects over: every pair of ranked systems

    def group_of(self, system: Any) -> int | None:
        """1-based group number of a system, None when unranked."""
        for i, g in enumerate(self.groups, 1):
            if system in g:
                return i
        return None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class PairwiseTests:
    """Studentised paired tests (`paired_t_test`) between every pair of systems, Holm over all pairs.

    With J (S, n) the centred leave-one-out scores, var(a - b) = (n-1)/n |J_a - J_b|^2
    = (n-1)/n (G_aa + G_bb - 2 G_ab) with G = J J^T: one matrix product for all pairs. Where the
    subtraction cancels (nearly identical systems) the pair is recomputed directly.

    The family is every pair, not one leader's comparisons: a leader is the best *observed* system,
    and comparing a selected maximum with the rest as if it had been chosen in advance inflates the
    false-positive rate (with 10 equal systems, about 14% of boards split at alpha = 0.05). Holm over
    all pairs bounds the chance of any false "different" on the board by alpha, whatever is selected.
    """

    def __init__(self, names: Sequence[Any], scorers: Sequence[_Score]):
        self.names = list(names)
        self._index = {k: i for i, k in enumerate(self.names)}
        self.n = scorers[0].n if scorers else 0
        jack = np.stack([sc.jackknife() for sc in scorers]) if self.n > 1 else None
        self.points = np.array([sc.point for sc in scorers])
        S = len(scorers)
        self.p = np.ones((S, S))
        self.p_adjusted = np.ones((S, S))
        if S < 2:
            return
        rows, cols = np.triu_indices(S, 1)
        diffs = self.points[rows] - self.points[cols]
        se = np.zeros(rows.size)
        if jack is not None:
            centred = jack - jack.mean(axis=1, keepdims=True)
            gram = centred @ centred.T
            both = gram[rows, rows] + gram[cols, cols]
            ss = both - 2.0 * gram[rows, cols]
            for k in np.flatnonzero(ss <= 1e-6 * both):
                ss[k] = float(np.sum((centred[rows[k]] - centred[cols[k]]) ** 2))
            se = np.sqrt((self.n - 1) / self.n * np.maximum(ss, 0.0))
        p = _t_pvalues(diffs, se, self.n)
        adj = holm(p)
        self.p[rows, cols] = self.p[cols, rows] = p
        self.p_adjusted[rows, cols] = self.p_adjusted[cols, rows] = adj

    @classmethod
    def of(cls, values: Mapping[str, Any] | None = None, *, stats: Mapping[str, Any] | None = None,
           aggregate: Aggregate | None = None) -> PairwiseTests:
        """Every ranked system of `values` (name -> per-study values) or `stats` (name -> (n, k))."""
        scorers, _ = _systems(values, stats, aggregate)
        return cls(list(scorers), list(scorers.values()))

    def test(self, a: Any, b: Any) -> tuple[float, float]:
        """(p, Holm-adjusted p) of systems a and b."""
        i, j = self._index[a], self._index[b]
        return float(self.p[i, j]), float(self.p_adjusted[i, j])

    @property
    def family_size(self) -> int:
        S = self.points.size
        return S * (S - 1) // 2


def tie_groups(values: Mapping[str, Any] | np.ndarray | None = None, *, stats: Mapping[str, Any] | None = None,
               aggregate: Aggregate | None = None, higher_is_better: bool, alpha: float = 0.05,
               tests: PairwiseTests | None = None) -> TieGroups:
    """Groups of systems not significantly different from the group's best system.

    Rule: sort systems best first (ties by name). Every pair of ranked systems is compared with
    `paired_t_test` and the p-values are Holm-corrected as one family (`PairwiseTests`). The best
    system not yet grouped leads a new group; going down the ranking, systems join it while their
    adjusted p against the leader is >= alpha; the first significantly different system ends the
    group, and the next group starts with it. Groups are contiguous in rank order, and every member
    is statistically indistinguishable from its leader. No resampling, so any number of systems
    works and the chance that a board of equal systems shows any split is at most alpha.
    `tests`: the same systems' `PairwiseTests`, when the caller has them already.
    """
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    scorers, missing = _systems(values, stats, aggregate)
    points = {k: sc.point for k, sc in scorers.items()}
    ordered = _order(points, higher_is_better)
    S = len(ordered)
    if S and tests is None:
        tests = PairwiseTests(ordered, [scorers[k] for k in ordered])
    if S and sorted(map(str, tests.names)) != sorted(map(str, ordered)):
        raise ValueError("tie_groups: `tests` were made for other systems")
    pos = np.array([tests._index[k] for k in ordered]) if S else np.zeros(0, dtype=int)
    groups: list[tuple[Any, ...]] = []
    comparisons: list[Comparison] = []
    start = 0
    while start < S:
        idx = np.arange(start + 1, S)
        lead, others = pos[start], pos[idx]
        adj = tests.p_adjusted[lead, others]
        sig = adj < alpha
        comparisons += [Comparison(ordered[start], ordered[j], float(tests.points[lead] - tests.points[pos[j]]),
                                   float(tests.p[lead, pos[j]]), float(adj[r]), bool(sig[r]))
                        for r, j in enumerate(idx)]
        size = 1 + (int(np.argmax(sig)) if sig.any() else idx.size)
        groups.append(tuple(ordered[start:start + size]))
        start += size
    return TieGroups(tuple(groups), tuple(comparisons), tuple(missing), higher_is_better, float(alpha),
                     T_TEST, tests.family_size if tests else 0)


# ---- subgroups ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class SubgroupRow:
    group: Any                 # label; None = unknown
    n: int
    score: float
    low: float | None          # None when too_small
    high: float | None
    too_small: bool            # n < min_n: reported, without a CI, never dropped

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def subgroup_table(values: Any = None, groups: Sequence[Hashable | None] = (), *, stats: Any = None,
                   aggregate: Aggregate | None = None, min_n: int = 30, n_resamples: int = DEFAULT_RESAMPLES,
                   seed: int = DEFAULT_SEED, confidence: float = 0.95,
                   method: Method = "percentile") -> list[SubgroupRow]:
    """Score and bootstrap CI per subgroup (group labels aligned with studies; None = unknown).

    Rows are sorted by label (as strings), unknown last. Groups with fewer than `min_n` studies keep
    their row and score but get no CI and `too_small=True`. Each group is resampled with
    `resample_counts(n_group, n_resamples, seed)`, so submissions on the same split stay paired.
    """
    full = _score(values, stats, aggregate)
    labels = list(groups)
    if len(labels) != full.n:
        raise ValueError(f"subgroup_table: {len(labels)} group labels for {full.n} studies")
    members: dict[Any, list[int]] = {}
    for i, g in enumerate(labels):
        members.setdefault(g, []).append(i)
    keys = sorted((g for g in members if g is not None), key=str) + ([None] if None in members else [])
    rows = []
    for key in keys:
        idx = np.asarray(members[key])
        if values is not None:
            part: dict[str, Any] = {"values": full.stats[idx, 0]}
        else:
            part = {"stats": full.stats[idx], "aggregate": aggregate}
        if idx.size < min_n:
            point = _score(what=f"subgroup {key!r}", **part).point
            rows.append(SubgroupRow(key, int(idx.size), point, None, None, True))
            continue
        ci = bootstrap_ci(**part, n_resamples=n_resamples, seed=seed, confidence=confidence, method=method)
        rows.append(SubgroupRow(key, int(idx.size), ci.point, ci.low, ci.high, False))
    return rows


_AS_UNITS = {"D": 1 / 365.25, "W": 7 / 365.25, "M": 1 / 12, "Y": 1.0}


def parse_dicom_age(text: str | None) -> float | None:
    """DICOM Age String (VR AS, "nnnD/W/M/Y", e.g. "045Y", "007M") -> age in years; None if not one."""
    if not isinstance(text, str):
        return None
    s = text.strip().upper()
    if len(s) != 4 or not s[:3].isdigit() or s[3] not in _AS_UNITS:
        return None
    return int(s[:3]) * _AS_UNITS[s[3]]


def age_band(age_years: float | None) -> str | None:
    """"<18", "18-39", "40-59", "60-79" or "80+"; None for a missing, negative or non-finite age."""
    if age_years is None:
        return None
    age = float(age_years)
    if not math.isfinite(age) or age < 0:
        return None
    if age < 18:
        return "<18"
    if age < 40:
        return "18-39"
    if age < 60:
        return "40-59"
    if age < 80:
        return "60-79"
    return "80+"
