"""Statistical tests of the statistics: simulated systems with known differences and known ties.

Under the null (systems drawn from one distribution) the rate of "significantly different" must not
exceed alpha; under a known alternative the power must match the paired t-test's theoretical power;
tie groups and rank intervals must recover a planted structure on boards of 3, 60 and 300 systems.
The larger simulation (more seeds, corpus-level metrics, sparse differences, timings) is
benchmarks/significance.py, results in benchmarks/results/significance.md.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from rexbench import stats as st

ALPHA = 0.05


def micro_f1(summed: np.ndarray) -> np.ndarray:
    """Micro F1 from summed (tp, fp, fn)."""
    tp, fp, fn = summed[..., 0], summed[..., 1], summed[..., 2]
    return 2 * tp / (2 * tp + fp + fn)


def upper_bound(hits: int, trials: int, level: float = 0.99) -> float:
    """One-sided Clopper-Pearson upper bound of a rate."""
    return float(sps.beta.ppf(level, hits + 1, trials - hits)) if hits < trials else 1.0


def lower_bound(hits: int, trials: int, level: float = 0.99) -> float:
    return float(sps.beta.ppf(1 - level, hits, trials - hits + 1)) if hits > 0 else 0.0


def _null_pairs(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Two systems with the same mean on shared, skewed per-study difficulty."""
    difficulty = rng.beta(2, 5, size=n)
    return (difficulty + rng.normal(0, 0.1, size=n), difficulty + rng.normal(0, 0.1, size=n))


def test_t_test_is_scipys_paired_t_test_for_mean_metrics():
    rng = np.random.default_rng(0)
    for n in (2, 3, 17, 400):
        a, b = _null_pairs(rng, n)
        b = b + 0.03
        ours = st.paired_t_test(a, b)
        ref = sps.ttest_rel(a, b)
        assert ours.p_value == pytest.approx(ref.pvalue, rel=1e-9)
        ci = ref.confidence_interval(0.95)
        assert (ours.low, ours.high) == (pytest.approx(ci.low, rel=1e-9), pytest.approx(ci.high, rel=1e-9))
        assert ours.diff == pytest.approx(a.mean() - b.mean()) and ours.test == st.T_TEST


def test_t_test_corpus_level_uses_the_jackknife_of_the_reaggregated_difference():
    rng = np.random.default_rng(1)
    n = 60
    sa = np.column_stack([rng.poisson(3, n), rng.poisson(1, n), rng.poisson(1, n)]).astype(float)
    sb = np.column_stack([rng.poisson(2.5, n), rng.poisson(1.2, n), rng.poisson(1, n)]).astype(float)
    res = st.paired_t_test(stats_a=sa, stats_b=sb, aggregate=micro_f1)
    # hand-written leave-one-out loop
    jack = np.array([micro_f1(np.delete(sa, i, 0).sum(0)) - micro_f1(np.delete(sb, i, 0).sum(0)) for i in range(n)])
    se = np.sqrt((n - 1) / n * ((jack - jack.mean()) ** 2).sum())
    diff = micro_f1(sa.sum(0)) - micro_f1(sb.sum(0))
    assert res.diff == pytest.approx(diff)
    assert res.p_value == pytest.approx(2 * sps.t.sf(abs(diff) / se, n - 1), rel=1e-9)


def test_t_test_degenerate_cases():
    a = np.linspace(0, 1, 20)
    assert st.paired_t_test(a, a.copy()).p_value == 1.0           # identical: no evidence
    assert st.paired_t_test(a, a - 0.1).p_value < 1e-100          # the same margin on every study
    assert st.paired_t_test(a[:5], a[:5] - 0.125).p_value == 0.0   # exact in binary: SE exactly 0
    assert st.paired_t_test([0.3], [0.1]).p_value == 1.0           # one study cannot show anything


def test_false_positive_rate_under_the_null_is_at_most_alpha():
    """4,000 null pairs at n = 30 (small n, where a normal approximation would be anti-conservative)."""
    rng = np.random.default_rng(2024)
    trials, hits = 4000, 0
    for _ in range(trials):
        a, b = _null_pairs(rng, 30)
        hits += st.paired_t_test(a, b).p_value < ALPHA
    rate = hits / trials
    assert upper_bound(hits, trials) >= ALPHA * 0.6          # the test does reject: not trivially conservative
    assert lower_bound(hits, trials) <= ALPHA, f"false-positive rate {rate:.4f} is above alpha"


def test_false_positive_rate_corpus_level_micro_f1():
    rng = np.random.default_rng(7)
    trials, hits, n = 1500, 0, 120
    for _ in range(trials):
        positives = rng.poisson(2.0, size=n)
        def system() -> np.ndarray:
            tp = rng.binomial(positives, 0.7)
            return np.column_stack([tp, rng.poisson(0.6, size=n), positives - tp]).astype(float)
        hits += st.paired_t_test(stats_a=system(), stats_b=system(), aggregate=micro_f1).p_value < ALPHA
    assert lower_bound(hits, trials) <= ALPHA, f"false-positive rate {hits / trials:.4f} is above alpha"


def test_power_matches_the_paired_t_tests_theory():
    """Effect 0.4 sd of the per-study difference at n = 50: power = P(|T'| > t_crit), T' noncentral t."""
    n, effect, trials = 50, 0.4, 1500
    crit = sps.t.ppf(1 - ALPHA / 2, n - 1)
    nc = effect * np.sqrt(n)
    theory = sps.nct.sf(crit, n - 1, nc) + sps.nct.cdf(-crit, n - 1, nc)
    rng = np.random.default_rng(11)
    hits = 0
    for _ in range(trials):
        base = rng.beta(2, 5, size=n)
        d = rng.normal(effect * 0.1, 0.1, size=n)
        hits += st.paired_t_test(base + d, base).p_value < ALPHA
    assert lower_bound(hits, trials) <= theory <= upper_bound(hits, trials)
    assert 0.75 < theory < 0.85


def test_tie_groups_familywise_error_under_the_complete_null():
    """Ten indistinguishable systems: the board splits (any group boundary) in at most alpha of boards."""
    rng = np.random.default_rng(5)
    trials, splits = 400, 0
    for _ in range(trials):
        difficulty = rng.beta(2, 5, size=80)
        systems = {f"s{i}": difficulty + rng.normal(0, 0.1, size=80) for i in range(10)}
        splits += len(st.tie_groups(systems, higher_is_better=True).groups) > 1
    assert lower_bound(splits, trials) <= ALPHA, f"board split rate {splits / trials:.3f} above alpha"


def _planted(n_clusters: int, per_cluster: int, n: int = 300, seed: int = 0,
             gap: float = 0.08) -> tuple[dict[str, np.ndarray], list[set[str]]]:
    """Clusters of systems with equal true means; clusters `gap` apart (about 14 SE), best cluster first."""
    rng = np.random.default_rng(seed)
    difficulty = rng.beta(2, 5, size=n)
    systems, clusters = {}, []
    for c in range(n_clusters):
        names = {f"c{c}s{j:03d}" for j in range(per_cluster)}
        for name in sorted(names):
            systems[name] = 0.5 - gap * c + difficulty + rng.normal(0, 0.05, size=n)
        clusters.append(names)
    return systems, clusters


@pytest.mark.parametrize("n_clusters,per_cluster", [(3, 1), (3, 20), (5, 60)])
def test_tie_groups_recover_planted_clusters_on_3_60_and_300_systems(n_clusters, per_cluster):
    systems, clusters = _planted(n_clusters, per_cluster)
    tg = st.tie_groups(systems, higher_is_better=True)
    assert [set(g) for g in tg.groups] == clusters
    low = st.tie_groups({k: -v for k, v in systems.items()}, higher_is_better=False)
    assert [set(g) for g in low.groups] == clusters


@pytest.mark.parametrize("n_clusters,per_cluster", [(3, 1), (3, 20), (5, 60)])
def test_rank_intervals_stay_inside_planted_clusters(n_clusters, per_cluster):
    systems, clusters = _planted(n_clusters, per_cluster, seed=1)
    out = st.rank_intervals(systems, higher_is_better=True, n_resamples=200, seed=3)
    assert len(out) == n_clusters * per_cluster
    for c, names in enumerate(clusters):
        first, last = c * per_cluster + 1, (c + 1) * per_cluster
        for r in out:
            if r.system in names:
                assert first <= r.low <= r.rank <= r.high <= last
    if per_cluster > 1:                     # equal systems: their ranks are uncertain within the cluster
        widths = [r.high - r.low for r in out]
        assert np.median(widths) >= per_cluster // 3


def test_t_test_record_and_confidence_bounds():
    a, b = np.array([0.2, 0.5, 0.9, 0.4]), np.array([0.1, 0.6, 0.7, 0.2])
    res = st.paired_t_test(a, b, higher_is_better=False, confidence=0.9)
    ref = sps.ttest_rel(a, b)
    ci = ref.confidence_interval(0.9)
    assert res.to_dict() == {"test": "jackknife_t", "score_a": pytest.approx(0.5), "score_b": pytest.approx(0.4),
                             "diff": pytest.approx(0.1), "p_value": pytest.approx(ref.pvalue, rel=1e-9),
                             "low": pytest.approx(ci.low, rel=1e-9), "high": pytest.approx(ci.high, rel=1e-9),
                             "better": "b", "higher_is_better": False, "n_resamples": 0, "seed": None,
                             "confidence": 0.9, "method": "t"}
    assert st.paired_t_test(a, b).better == "a"
    one = st.paired_t_test([0.3], [0.1])
    assert (one.low, one.high) == (pytest.approx(0.2), pytest.approx(0.2))     # no spread to measure
    for bad in (0.0, 1.0, 1.5):
        with pytest.raises(ValueError, match=r"^confidence must be in \(0, 1\)"):
            st.paired_t_test(a, b, confidence=bad)


def test_pairwise_tests_two_systems_near_identical_and_argument_checks():
    rng = np.random.default_rng(9)
    a = rng.random(50)
    systems = {"a": a, "b": a + 0.01 + rng.normal(0, 0.02, 50), "c": a + 1e-9 * rng.normal(size=50)}
    two = st.PairwiseTests.of({"a": systems["a"], "b": systems["b"]})
    assert two.test("a", "b")[0] == pytest.approx(st.paired_t_test(systems["a"], systems["b"]).p_value, rel=1e-9)
    assert two.test("a", "b")[0] < 0.05
    # a and c differ by ~1e-9: the Gram shortcut cancels, the direct sum must give the t-test's p
    three = st.PairwiseTests.of(systems)
    assert three.test("a", "c")[0] == pytest.approx(st.paired_t_test(systems["a"], systems["c"]).p_value, rel=1e-6)
    tg = st.tie_groups({"a": systems["a"], "b": systems["b"]}, higher_is_better=False)
    assert tg.groups == (("a",), ("b",)) and tg.family_size == 1
    for bad in (0.0, 1.0, 1.5):
        with pytest.raises(ValueError, match=r"^alpha must be in \(0, 1\)"):
            st.tie_groups(systems, higher_is_better=True, alpha=bad)
    with pytest.raises(ValueError, match="^tie_groups: `tests` were made for other systems$"):
        st.tie_groups(systems, higher_is_better=True, tests=two)
    assert st.tie_groups({}, higher_is_better=True).groups == ()
