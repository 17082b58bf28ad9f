"""Tests for rexbench.stats: bootstrap CIs, paired tests, ranking, tie groups, subgroups."""

from __future__ import annotations

import itertools
import json
import types

import numpy as np
import pytest
from numpy.random import PCG64, Generator
from scipy import stats as sps

from rexbench import stats as st


def precision(summed: np.ndarray) -> np.ndarray:
    """Micro precision from summed (tp, fp) statistics."""
    return summed[..., 0] / (summed[..., 0] + summed[..., 1])


def scipy_precision(tp, fp, axis=-1):
    return tp.sum(axis=axis) / (tp + fp).sum(axis=axis)


@pytest.fixture
def skewed() -> np.ndarray:
    return np.random.default_rng(7).exponential(size=60)


@pytest.fixture
def tpfp() -> np.ndarray:
    rng = np.random.default_rng(8)
    tp = rng.poisson(3, size=80).astype(float)
    fp = rng.poisson(1.5, size=80) * (rng.random(80) < 0.5)
    return np.column_stack([tp, fp]).astype(float)


# ---- resampling ---------------------------------------------------------------------------------

def test_resample_counts_definition_and_chunking():
    n, B, seed = 13, 11, 5
    counts = st.resample_counts(n, B, seed)
    assert counts.shape == (B, n) and counts.dtype == np.int32
    assert (counts.sum(axis=1) == n).all()
    rng = Generator(PCG64(seed))            # documented definition: n index draws per resample, in order
    ref = np.stack([np.bincount(rng.integers(0, n, size=n), minlength=n) for _ in range(B)])
    np.testing.assert_array_equal(counts, ref)
    for rows in (1, 3, 7, 100):
        chunks = np.concatenate(list(st.iter_resample_counts(n, B, seed, chunk_rows=rows)))
        np.testing.assert_array_equal(chunks, counts)
    np.testing.assert_array_equal(st.resample_counts(n, B, seed), counts)
    assert not np.array_equal(st.resample_counts(n, B, seed + 1), counts)


def test_resample_counts_are_multinomial():
    counts = st.resample_counts(500, 2000, 1)
    # Multinomial(n, 1/n): mean 1, variance 1 - 1/n, about 1e6 cells so SE of the mean is ~1e-3.
    assert abs(counts.mean() - 1) < 1e-12          # rows sum to n exactly
    assert abs(counts.var() - (1 - 1 / 500)) < 0.01


# ---- confidence intervals -----------------------------------------------------------------------

@pytest.mark.parametrize("method,scipy_method", [("percentile", "percentile"), ("bca", "BCa")])
def test_ci_equals_scipy_on_the_same_resamples(skewed, tpfp, method, scipy_method):
    # Feeding our bootstrap distribution to scipy (n_resamples=0) isolates the interval formulas:
    # they must agree to rounding, including the jackknife acceleration for a corpus-level ratio.
    cases = [((skewed,), np.mean, {"values": skewed}, False),
             ((tpfp[:, 0], tpfp[:, 1]), scipy_precision, {"stats": tpfp, "aggregate": precision}, True)]
    for data, statistic, kw, paired in cases:
        dist = st.bootstrap_distribution(**kw, n_resamples=2000, seed=3)
        ci = st.bootstrap_ci(**kw, n_resamples=2000, seed=3, method=method)
        ref = sps.bootstrap(data, statistic, n_resamples=0, method=scipy_method, paired=paired,
                            bootstrap_result=types.SimpleNamespace(bootstrap_distribution=dist), rng=0)
        assert ci.low == pytest.approx(ref.confidence_interval.low, abs=1e-12)
        assert ci.high == pytest.approx(ref.confidence_interval.high, abs=1e-12)
        assert ci.std_err == pytest.approx(ref.standard_error, rel=1e-12)
        assert ci.point == pytest.approx(statistic(*data), rel=1e-12)


@pytest.mark.parametrize("method,scipy_method,tol", [("percentile", "percentile", 0.25), ("bca", "BCa", 0.3)])
def test_ci_agrees_with_scipy_resampling_within_monte_carlo_error(skewed, tpfp, method, scipy_method, tol):
    # Independent resamples (ours vs scipy's), B = 5000 each. An endpoint is a 2.5% quantile of the
    # bootstrap distribution; for a near-normal distribution with sd s its Monte-Carlo SE is
    # sqrt(.025 * .975 / B) / phi(1.96) * s = 0.038 s, so the difference of two independent estimates
    # has SE 0.053 s (measured: 0.054 s percentile, 0.066 s BCa over 10 seeds). Tolerances of 0.25 s and
    # 0.3 s are about 4.5 SE: a wrong quantile level (e.g. 90% instead of 95%, ~0.3 s off per end) or an
    # unpaired resampling of the ratio would fail.
    cases = [((skewed,), np.mean, {"values": skewed}, False),
             ((tpfp[:, 0], tpfp[:, 1]), scipy_precision, {"stats": tpfp, "aggregate": precision}, True)]
    for data, statistic, kw, paired in cases:
        ci = st.bootstrap_ci(**kw, n_resamples=5000, seed=11, method=method)
        ref = sps.bootstrap(data, statistic, n_resamples=5000, method=scipy_method, paired=paired,
                            vectorized=True, rng=2024)
        assert abs(ci.low - ref.confidence_interval.low) < tol * ci.std_err
        assert abs(ci.high - ref.confidence_interval.high) < tol * ci.std_err
        assert ci.std_err == pytest.approx(ref.standard_error, rel=0.06)   # SE of an sd estimate ~ 1/sqrt(2B)


def test_corpus_level_bootstrap_recomputes_the_corpus_statistic(tpfp):
    n = tpfp.shape[0]
    counts = st.resample_counts(n, 300, 9)
    dist = st.bootstrap_distribution(stats=tpfp, aggregate=precision, counts=counts)
    slow = []                                   # explicit reference: materialise each resample
    for row in counts:
        idx = np.repeat(np.arange(n), row)
        slow.append(tpfp[idx, 0].sum() / (tpfp[idx, 0] + tpfp[idx, 1]).sum())
    np.testing.assert_allclose(dist, slow, rtol=1e-12)

    ci = st.bootstrap_ci(stats=tpfp, aggregate=precision, counts=counts, seed=9)
    assert ci.point == pytest.approx(tpfp[:, 0].sum() / tpfp.sum())
    assert (ci.n_resamples, ci.seed) == (300, 9)
    # The mean of per-study precisions is a different statistic with a different bootstrap: make the
    # studies with many findings the less precise ones, so micro and macro precision part ways.
    total = tpfp.sum(axis=1)
    weighted = tpfp * np.where(tpfp[:, 0] < total * 0.75, 6.0, 1.0)[:, None]
    micro = st.bootstrap_ci(stats=weighted, aggregate=precision, counts=counts)
    per_study = np.divide(weighted[:, 0], weighted.sum(axis=1), out=np.zeros(n), where=total > 0)
    macro = st.bootstrap_ci(per_study, counts=counts)
    assert macro.point == pytest.approx(ci.point, abs=0.02)          # unweighted: nearly the same point
    assert macro.point - micro.point > 0.05
    assert macro.low - micro.low > 0.05 and macro.high - micro.high > 0.05


def test_bca_jackknife_for_corpus_level_matches_loop(tpfp):
    # BCa through scipy (explicit leave-one-out loop) already matches; here check our closed form too.
    sc = st._score(stats=tpfp, aggregate=precision)
    loop = [precision(np.delete(tpfp, i, axis=0).sum(axis=0)) for i in range(tpfp.shape[0])]
    np.testing.assert_allclose(sc.jackknife(), loop, rtol=1e-12)
    x = np.arange(10.0) ** 2
    np.testing.assert_allclose(st._score(x).jackknife(), [np.delete(x, i).mean() for i in range(10)], rtol=1e-12)


def test_degenerate_and_invalid_inputs():
    for method in ("percentile", "bca"):
        ci = st.bootstrap_ci(np.full(20, 0.3), method=method)
        assert ci.low == pytest.approx(0.3, abs=1e-12) and ci.high == pytest.approx(0.3, abs=1e-12)
        assert ci.std_err == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="non-finite"):
        st.bootstrap_ci([0.1, float("nan")])
    with pytest.raises(ValueError, match="either"):
        st.bootstrap_ci([0.1], stats=[[1, 2]], aggregate=precision)
    with pytest.raises(ValueError, match="aggregate"):
        st.bootstrap_ci(stats=[[1, 2]])
    with pytest.raises(ValueError, match="counts"):
        st.bootstrap_ci([0.1, 0.2], counts=np.ones((5, 3)))
    with pytest.raises(ValueError, match="method"):
        st.bootstrap_ci([0.1, 0.2], method="bc")
    with pytest.raises(ValueError, match="non-finite"), np.errstate(invalid="ignore"):
        # 0/0 in a resample is an error, never a NaN averaged away
        st.bootstrap_ci(stats=[[0.0, 0.0], [1.0, 0.0]], aggregate=precision, n_resamples=50)


# ---- paired tests -------------------------------------------------------------------------------

def _pair(seed: int, shift: float, n: int = 500):
    rng = np.random.default_rng(seed)
    a = rng.beta(2, 3, size=n)
    if shift:
        return a, a + shift + rng.normal(0, 0.1, size=n)
    return a, rng.beta(2, 3, size=n)


def test_known_difference_is_detected_by_both_tests():
    a, b = _pair(0, 0.05)
    boot = st.paired_bootstrap(a, b, seed=1)
    perm = st.permutation_test(a, b, seed=1)
    assert boot.p_value < 0.01 and perm.p_value < 0.01
    assert boot.diff == pytest.approx(a.mean() - b.mean())
    assert boot.low < -0.05 + 0.02 < 0 and boot.high > -0.05 - 0.02
    assert boot.better == "b" and perm.better == "b"
    lower = st.paired_bootstrap(a, b, seed=1, higher_is_better=False)
    assert lower.better == "a" and lower.p_value == boot.p_value


def test_same_distribution_gives_large_p_values():
    boot, perm = [], []
    for seed in range(8):
        a, b = _pair(100 + seed, 0.0)
        boot.append(st.paired_bootstrap(a, b, seed=seed).p_value)
        perm.append(st.permutation_test(a, b, seed=seed, n_permutations=2000).p_value)
    assert np.mean(boot) > 0.2 and np.mean(perm) > 0.2
    a, _ = _pair(1, 0.0)
    assert st.paired_bootstrap(a, a.copy()).p_value == 1.0
    assert st.permutation_test(a, a.copy(), n_permutations=200).p_value == 1.0


def test_paired_bootstrap_uses_shared_resamples_and_shift_pvalue(tpfp):
    other = tpfp.copy()
    other[::3, 1] += 1
    res = st.paired_bootstrap(stats_a=tpfp, stats_b=other, aggregate=precision, seed=4, n_resamples=500)
    da = st.bootstrap_distribution(stats=tpfp, aggregate=precision, seed=4, n_resamples=500)
    db = st.bootstrap_distribution(stats=other, aggregate=precision, seed=4, n_resamples=500)
    diff = precision(tpfp.sum(0)) - precision(other.sum(0))
    expected = (1 + np.sum(np.abs((da - db) - diff) >= abs(diff))) / 501
    assert res.diff == pytest.approx(diff) and res.p_value == pytest.approx(expected)
    assert (res.low, res.high) == pytest.approx(tuple(np.percentile(da - db, [2.5, 97.5])))


def _slow_permutation(sa, sb, agg, R, seed):
    """Reference: the documented masks, applied study by study."""
    u = Generator(PCG64(seed)).random((R, sa.shape[0]))
    obs = abs(agg(sa.sum(0)) - agg(sb.sum(0)))
    hits = 0
    for r in range(R):
        xa, xb = sa.copy(), sb.copy()
        for i in range(sa.shape[0]):
            if u[r, i] < 0.5:
                xa[i], xb[i] = sb[i], sa[i]
        hits += abs(agg(xa.sum(0)) - agg(xb.sum(0))) >= obs - 1e-12
    return (1 + hits) / (1 + R)


def test_permutation_test_matches_loop_reference(tpfp):
    other = tpfp[::-1].copy()
    res = st.permutation_test(stats_a=tpfp, stats_b=other, aggregate=precision, n_permutations=200, seed=3)
    assert res.p_value == pytest.approx(_slow_permutation(tpfp, other, precision, 200, 3))
    assert res.diff == pytest.approx(precision(tpfp.sum(0)) - precision(other.sum(0)))
    a, b = _pair(5, 0.0, n=40)
    mean_res = st.permutation_test(a, b, n_permutations=200, seed=3)
    mean_agg = lambda s: s[..., 0] / 40  # noqa: E731
    assert mean_res.p_value == pytest.approx(_slow_permutation(a[:, None], b[:, None], mean_agg, 200, 3))


def test_permutation_test_approaches_exact_enumeration():
    a, b = _pair(2, 0.03, n=10)
    d = a - b
    signs = np.array(list(itertools.product([1, -1], repeat=10)))
    exact = np.mean(np.abs(signs @ d) >= abs(d.sum()) - 1e-12)
    res = st.permutation_test(a, b, n_permutations=20000, seed=0)
    assert abs(res.p_value - exact) < 4 * np.sqrt(exact * (1 - exact) / 20000) + 1e-4


def test_holm_hand_computed():
    # sorted: .005*4=.02, .01*3=.03, .03*2=.06, .04*1=.04 -> running max .02 .03 .06 .06
    np.testing.assert_allclose(st.holm([0.01, 0.04, 0.03, 0.005]), [0.03, 0.06, 0.06, 0.02])
    np.testing.assert_allclose(st.holm([0.5, 0.6]), [1.0, 1.0])
    np.testing.assert_allclose(st.holm([0.02]), [0.02])
    assert st.holm([]).size == 0
    with pytest.raises(ValueError):
        st.holm([0.1, 1.5])


# ---- ranking and tie groups ---------------------------------------------------------------------

def _clusters(n: int = 400, seed: int = 0) -> dict[str, np.ndarray]:
    """Two clusters: A1-A3 around 0.70, B1-B2 around 0.60 (shared per-study difficulty)."""
    rng = np.random.default_rng(seed)
    difficulty = rng.normal(0, 0.15, size=n)
    means = {"A1": 0.702, "A2": 0.700, "A3": 0.699, "B1": 0.601, "B2": 0.600}
    return {k: m + difficulty + rng.normal(0, 0.05, size=n) for k, m in means.items()}


def test_rank_systems_direction_ties_and_missing():
    scores = {"x": 0.5, "y": 0.7, "z": 0.5, "w": None, "v": 0.1}
    assert st.rank_systems(scores, higher_is_better=True) == [("y", 1), ("x", 2), ("z", 2), ("v", 4), ("w", None)]
    assert st.rank_systems(scores, higher_is_better=False) == [("v", 1), ("x", 2), ("z", 2), ("y", 4), ("w", None)]
    with pytest.raises(ValueError, match="NaN"):
        st.rank_systems({"x": float("nan")}, higher_is_better=True)


def test_tie_groups_two_clusters_both_directions():
    systems = _clusters()
    tg = st.tie_groups(systems, higher_is_better=True)
    assert [set(g) for g in tg.groups] == [{"A1", "A2", "A3"}, {"B1", "B2"}]
    assert tg.groups[0][0] == max(systems, key=lambda k: systems[k].mean())
    assert tg.group_of("B2") == 2 and tg.group_of("nope") is None
    first = [c for c in tg.comparisons if c.leader == tg.groups[0][0]]
    assert [c.system for c in first] == list(tg.groups[0][1:] + tg.groups[1])   # family: all lower systems
    assert [c.significant for c in first] == [False, False, True, True]
    assert all(c.significant == (c.p_adjusted < 0.05) for c in tg.comparisons)   # Holm: every pair (below)
    # RadCliQ-style: lower is better. Negated scores give the same clusters, the B cluster first.
    low = st.tie_groups({k: -v for k, v in systems.items()}, higher_is_better=False)
    assert [set(g) for g in low.groups] == [{"A1", "A2", "A3"}, {"B1", "B2"}]
    flipped = st.tie_groups(systems, higher_is_better=False)
    assert [set(g) for g in flipped.groups] == [{"B1", "B2"}, {"A1", "A2", "A3"}]
    assert tg.family_size == 10 and tg.test == st.T_TEST


def test_tie_groups_are_contiguous():
    # X is consistently a little worse than L (significant); Y is worse still on average but so noisy
    # that it is not significantly different from L. Y must not jump over X into L's group.
    rng = np.random.default_rng(4)
    base = rng.random(400)
    noise = rng.normal(0, 1.0, size=400)
    systems = {"L": base, "X": base - 0.01, "Y": base - 0.02 + noise - noise.mean()}
    tg = st.tie_groups(systems, higher_is_better=True)
    family = {c.system: c for c in tg.comparisons if c.leader == "L"}
    assert family["X"].significant and not family["Y"].significant
    assert tg.groups == (("L",), ("X", "Y"))


def test_tie_groups_family_is_every_pair():
    systems = _clusters(n=50)
    tg = st.tie_groups(systems, higher_is_better=True)
    tests = st.PairwiseTests.of(systems)
    names = list(systems)
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]
    raw = [st.paired_t_test(systems[a], systems[b]).p_value for a, b in pairs]
    adjusted = dict(zip(pairs, st.holm(raw)))
    for (a, b), p in zip(pairs, raw):
        assert tests.test(a, b) == (pytest.approx(p, rel=1e-9), pytest.approx(adjusted[(a, b)], rel=1e-9))
        assert tests.test(b, a) == tests.test(a, b)
    for c in tg.comparisons:
        assert c.p_adjusted == pytest.approx(tests.test(c.leader, c.system)[1], rel=1e-12)


def test_tie_groups_corpus_level_and_missing(tpfp):
    worse = tpfp.copy()
    worse[:, 1] += 2                                     # many more false positives
    tg = st.tie_groups(stats={"a": tpfp, "a2": tpfp + 0.0, "w": worse, "gone": None}, aggregate=precision,
                       higher_is_better=True)
    assert tg.groups == (("a", "a2"), ("w",)) and tg.unranked == ("gone",)


def test_rank_intervals_two_clusters():
    systems = _clusters()
    out = st.rank_intervals(dict(systems, missing=None), higher_is_better=True)
    by = {r.system: r for r in out}
    assert [r.system for r in out][-1] == "missing" and by["missing"].rank is None and by["missing"].low is None
    for k in ("A1", "A2", "A3"):
        assert 1 <= by[k].low <= by[k].rank <= by[k].high <= 3
        assert by[k].high - by[k].low >= 1                # near-identical systems: uncertain ranks
    for k in ("B1", "B2"):
        assert 4 <= by[k].low <= by[k].high <= 5
    low = {r.system: r for r in st.rank_intervals({k: -v for k, v in systems.items()}, higher_is_better=False)}
    assert all((low[k].low, low[k].high) == (by[k].low, by[k].high) for k in systems)
    # Against a loop reference on the same resamples.
    names = [r.system for r in out[:-1]]
    counts = st.resample_counts(400, 200, 1)
    boot = np.array([[counts[b] @ systems[k] / 400 for k in names] for b in range(200)])
    ranks = np.array([[1 + np.sum(row > row[j]) for j in range(len(names))] for row in boot])
    straddles = set()
    for conf in (0.25, 0.5, 0.865, 0.88, 0.9):    # levels chosen to fall between two different ranks
        ref = st.rank_intervals(systems, higher_is_better=True, counts=counts, confidence=conf)
        q = (1 - conf) / 2
        for j, r in enumerate(ref[:5]):
            assert r.low == int(np.quantile(ranks[:, j], q, method="lower"))
            assert r.high == int(np.quantile(ranks[:, j], 1 - q, method="higher"))
            if np.quantile(ranks[:, j], q, method="higher") != r.low:
                straddles.add("low")
            if np.quantile(ranks[:, j], 1 - q, method="lower") != r.high:
                straddles.add("high")
    assert straddles == {"low", "high"}           # the check above can tell the conservative rounding
    matrix = st.rank_intervals(np.stack([systems[k] for k in sorted(systems)]), higher_is_better=True)
    assert [r.system for r in matrix][:3] == [sorted(systems).index(k) for k in names[:3]]


# ---- determinism --------------------------------------------------------------------------------

def _everything(seed: int) -> str:
    systems = _clusters(n=200)
    a, b = systems["A1"], systems["B1"]
    out = {
        "ci": st.bootstrap_ci(a, seed=seed, method="bca").to_dict(),
        "boot": st.paired_bootstrap(a, b, seed=seed).to_dict(),
        "perm": st.permutation_test(a, b, seed=seed, n_permutations=500).to_dict(),
        "ranks": [r.to_dict() for r in st.rank_intervals(systems, higher_is_better=True, seed=seed)],
        "ties": st.tie_groups(systems, higher_is_better=True).to_dict(),
        "sub": [r.to_dict() for r in st.subgroup_table(a, ["m", "f"] * 100, seed=seed)],
    }
    return json.dumps(out, sort_keys=True)


def test_fixed_seed_gives_identical_json_and_seeds_differ():
    first = _everything(12345)
    assert first == _everything(12345)
    other = json.loads(_everything(1))
    base = json.loads(first)
    assert other["ci"]["low"] != base["ci"]["low"] and other["ci"]["seed"] == 1
    assert other["boot"]["high"] != base["boot"]["high"]
    assert other["ci"]["point"] == base["ci"]["point"]


# ---- subgroups ----------------------------------------------------------------------------------

def test_subgroup_table_flags_small_groups_without_hiding_them():
    rng = np.random.default_rng(3)
    values = rng.random(100)
    groups = ["60-79"] * 60 + ["80+"] * 25 + [None] * 10 + ["18-39"] * 5
    rows = st.subgroup_table(values, groups, min_n=30)
    assert [r.group for r in rows] == ["18-39", "60-79", "80+", None]
    by = {r.group: r for r in rows}
    assert by["60-79"].n == 60 and not by["60-79"].too_small and by["60-79"].low < by["60-79"].high
    assert by["60-79"].score == pytest.approx(values[:60].mean())
    for g, n in (("80+", 25), (None, 10), ("18-39", 5)):
        assert by[g].too_small and by[g].n == n and by[g].low is None and by[g].high is None
    assert by["80+"].score == pytest.approx(values[60:85].mean())
    with pytest.raises(ValueError, match="labels"):
        st.subgroup_table(values, groups[:-1])


def test_subgroup_table_corpus_level_reaggregates(tpfp):
    """Each subgroup's CI by hand from the documented definition: the group's studies resampled with
    `n_group` index draws per resample from PCG64(seed), precision re-aggregated, 2.5/97.5 percentiles."""
    groups = ["b", "a"] * 40                         # interleaved: members are not a contiguous block
    rows = st.subgroup_table(stats=tpfp, aggregate=precision, groups=groups, min_n=30, n_resamples=200, seed=9)
    for row, label in zip(rows, ("a", "b")):
        part = tpfp[[i for i, g in enumerate(groups) if g == label]]
        rng = Generator(PCG64(9))
        boot = []
        for _ in range(200):
            idx = rng.integers(0, len(part), size=len(part))
            tp, fp = part[idx, 0].sum(), part[idx, 1].sum()
            boot.append(tp / (tp + fp))
        assert row.group == label and row.n == 40
        assert row.score == pytest.approx(part[:, 0].sum() / part.sum())
        assert (row.low, row.high) == (pytest.approx(np.percentile(boot, 2.5), abs=1e-12),
                                       pytest.approx(np.percentile(boot, 97.5), abs=1e-12))


def test_subgroup_ci_agrees_with_scipy_bootstrap():
    """Different resamples, same estimator: with many resamples the percentile CI of a subgroup's mean
    agrees with scipy.stats.bootstrap to Monte Carlo precision."""
    rng = np.random.default_rng(12)
    values = rng.exponential(size=300)
    groups = ["x" if i % 3 else "y" for i in range(300)]
    rows = {r.group: r for r in st.subgroup_table(values, groups, min_n=30, n_resamples=20_000, seed=1)}
    for label in ("x", "y"):
        part = values[[i for i, g in enumerate(groups) if g == label]]
        ref = sps.bootstrap((part,), np.mean, n_resamples=20_000, method="percentile", rng=2).confidence_interval
        width = ref.high - ref.low
        assert rows[label].low == pytest.approx(ref.low, abs=0.03 * width)
        assert rows[label].high == pytest.approx(ref.high, abs=0.03 * width)


def test_parse_dicom_age_and_age_band():
    assert st.parse_dicom_age("045Y") == 45
    assert st.parse_dicom_age("007M") == pytest.approx(7 / 12)
    assert st.parse_dicom_age("002D") == pytest.approx(2 / 365.25)
    assert st.parse_dicom_age("003W") == pytest.approx(21 / 365.25)
    assert st.parse_dicom_age(" 090y ") == 90
    for bad in ("45", "45Y", "0045Y", "04XY", "045Q", "", None, 45):
        assert st.parse_dicom_age(bad) is None
    cases = {0.5: "<18", 17.99: "<18", 18: "18-39", 39.9: "18-39", 40: "40-59", 59.99: "40-59",
             60: "60-79", 79.5: "60-79", 80: "80+", 104: "80+"}
    for age, band in cases.items():
        assert st.age_band(age) == band
    assert st.age_band(None) is None and st.age_band(-1) is None and st.age_band(float("nan")) is None
    assert st.age_band(st.parse_dicom_age("007M")) == "<18"


# ---- cases found by mutation testing (benchmarks/results/mutation.md) ----------------------------

def test_bca_levels_hand_worked_when_the_estimate_is_outside_the_resamples():
    """theta_hat below every resample: the bias-correction fraction is clamped to 0.5/B (z0 finite);
    a constant jackknife gives acceleration 0. Both checked against the textbook formula by hand."""
    theta_b = np.linspace(1.0, 2.0, 200)
    jack = np.full(30, 0.7)                          # constant: no acceleration
    lo, hi = st._bca_levels(theta_b, 0.5, jack, 0.025)
    z0 = sps.norm.ppf(0.5 / 200)
    assert lo == pytest.approx(sps.norm.cdf(2 * z0 + sps.norm.ppf(0.025)), rel=1e-12)
    assert hi == pytest.approx(sps.norm.cdf(2 * z0 + sps.norm.ppf(0.975)), rel=1e-12)
    lo2, hi2 = st._bca_levels(theta_b, 2.5, jack, 0.025)         # above every resample
    z0 = sps.norm.ppf(1 - 0.5 / 200)
    assert (lo2, hi2) == (pytest.approx(sps.norm.cdf(2 * z0 + sps.norm.ppf(0.025)), rel=1e-12),
                          pytest.approx(sps.norm.cdf(2 * z0 + sps.norm.ppf(0.975)), rel=1e-12))
    skew = np.array([0.0, 0.0, 0.0, 1.0])               # acceleration a = sum d^3 / (6 (sum d^2)^1.5)
    d = skew.mean() - skew
    a = (d ** 3).sum() / (6 * ((d ** 2).sum()) ** 1.5)
    lo3, _ = st._bca_levels(theta_b, 1.5, skew, 0.025)
    z0 = sps.norm.ppf(((theta_b < 1.5).sum() + (theta_b <= 1.5).sum()) / 400)
    z = sps.norm.ppf(0.025)
    assert lo3 == pytest.approx(sps.norm.cdf(z0 + (z0 + z) / (1 - a * (z0 + z))), rel=1e-12)


def test_rank_systems_nan_message():
    with pytest.raises(ValueError, match=r"^rank_systems: NaN score \(use None for a missing metric\)$"):
        st.rank_systems({"x": float("nan")}, higher_is_better=True)


def test_rank_intervals_refuse_bad_confidence_and_reuse_given_resamples(tpfp):
    systems = _clusters(n=120)
    for bad in (0.0, 1.0, -0.1, 1.5):
        with pytest.raises(ValueError, match="confidence"):
            st.rank_intervals(systems, higher_is_better=True, confidence=bad)
    counts = st.resample_counts(120, 300, 4)
    direct = st.rank_intervals(systems, higher_is_better=True, counts=counts)
    boot = st.bootstrap_scores(systems, counts=counts)
    assert set(boot) == set(systems) and all(v.shape == (300,) for v in boot.values())
    np.testing.assert_allclose(boot["A1"], counts @ systems["A1"] / 120)
    assert st.rank_intervals(systems, higher_is_better=True, boot=boot) == direct
    # corpus-level: stats re-aggregated per resample, as a loop over the same resamples does
    worse = tpfp.copy()
    worse[:, 1] += 1
    corpus = {"a": tpfp, "w": worse, "b": tpfp[::-1].copy()}
    counts = st.resample_counts(80, 200, 2)
    out = {r.system: r for r in st.rank_intervals(stats=corpus, aggregate=precision, higher_is_better=True,
                                                    counts=counts, confidence=0.5)}
    res = np.array([[precision(counts[b] @ corpus[k]) for k in ("a", "w", "b")] for b in range(200)])
    ranks = 1 + (res[:, None, :] > res[:, :, None]).sum(axis=2)
    for j, k in enumerate(("a", "w", "b")):
        assert (out[k].low, out[k].high) == (int(np.quantile(ranks[:, j], 0.25, method="lower")),
                                             int(np.quantile(ranks[:, j], 0.75, method="higher")))
    assert out["w"].rank == 3


def test_pairwise_tests_corpus_level_equal_paired_t_tests(tpfp):
    worse = tpfp.copy()
    worse[::3, 1] += 1
    corpus = {"a": tpfp, "w": worse, "b": tpfp[::-1].copy()}
    tests = st.PairwiseTests.of(stats=corpus, aggregate=precision)
    assert tests.family_size == 3 and sorted(tests.names) == ["a", "b", "w"]
    pairs = [("a", "w"), ("a", "b"), ("w", "b")]
    raw = [st.paired_t_test(stats_a=corpus[x], stats_b=corpus[y], aggregate=precision).p_value for x, y in pairs]
    for (x, y), p, adj in zip(pairs, raw, st.holm(raw)):
        assert tests.test(x, y) == (pytest.approx(p, rel=1e-9), pytest.approx(adj, rel=1e-9))


def test_resample_ranks_hand_worked_with_ties():
    res = np.array([[3.0, 2.0, 2.0, 1.0],
                    [2.0, 2.0, 2.0, 2.0],
                    [1.0, 3.0, 3.0, 0.0],
                    [0.5, 0.5, 0.7, 0.7]])
    expected = np.array([[1, 2, 2, 4], [1, 1, 1, 1], [3, 1, 1, 4], [3, 3, 1, 1]])
    np.testing.assert_array_equal(st._resample_ranks(res), expected)
    assert st._resample_ranks(res).dtype.kind == "i"


def test_rank_intervals_seed_scores_and_equal_systems():
    systems = _clusters(n=100)
    seeded = st.rank_intervals(systems, higher_is_better=True, seed=7, n_resamples=150)
    same = st.rank_intervals(systems, higher_is_better=True, counts=st.resample_counts(100, 150, 7))
    assert seeded == same
    assert all(r.score == pytest.approx(systems[r.system].mean(), rel=1e-12) for r in seeded)
    # identical systems tie on every resample: both rank 1 everywhere, the third is always 3rd
    base = systems["A1"]
    tied = st.rank_intervals({"p": base, "q": base.copy(), "r": base - 1.0}, higher_is_better=True)
    assert [(r.system, r.rank, r.low, r.high) for r in tied] == [("p", 1, 1, 1), ("q", 1, 1, 1), ("r", 3, 3, 3)]
    assert st.rank_systems({"a": 1.0, "b": 1.0}, higher_is_better=True) == [("a", 1), ("b", 1)]


def test_subgroup_table_min_n_boundary_and_label_order():
    rng = np.random.default_rng(5)
    values = rng.random(30 + 29 + 31)
    groups = [10] * 30 + [9] * 29 + ["a"] * 31      # mixed label types sort by their string form
    rows = st.subgroup_table(values, groups, n_resamples=100)
    assert [r.group for r in rows] == [10, 9, "a"]
    by = {r.group: r for r in rows}
    assert by[10].too_small is False and by[10].low is not None     # exactly 30 (the default min_n): a CI
    assert by[9].too_small is True and by[9].low is None            # 29: none
    assert by["a"].too_small is False


def test_paired_bootstrap_record_and_bca_by_hand(tpfp):
    """Every field of the result, and the BCa interval of the difference computed by hand (Efron &
    Tibshirani 14.3) from the same resamples and a leave-one-out loop."""
    other = tpfp.copy()
    other[::4, 1] += 1
    counts = st.resample_counts(80, 400, 3)
    res = st.paired_bootstrap(stats_a=tpfp, stats_b=other, aggregate=precision, counts=counts, seed=3,
                              method="bca", confidence=0.9, higher_is_better=False)
    diff_b = precision(counts @ tpfp) - precision(counts @ other)
    diff = precision(tpfp.sum(0)) - precision(other.sum(0))
    jack = np.array([precision(np.delete(tpfp, i, 0).sum(0)) - precision(np.delete(other, i, 0).sum(0))
                     for i in range(80)])
    z0 = sps.norm.ppf(((diff_b < diff).sum() + (diff_b <= diff).sum()) / 800)
    d = jack.mean() - jack
    a = (d ** 3).sum() / (6 * ((d ** 2).sum()) ** 1.5)
    levels = [sps.norm.cdf(z0 + (z0 + z) / (1 - a * (z0 + z))) for z in sps.norm.ppf([0.05, 0.95])]
    low, high = np.percentile(diff_b, [100 * levels[0], 100 * levels[1]])
    assert res.to_dict() == {
        "test": "paired_bootstrap", "score_a": pytest.approx(precision(tpfp.sum(0))),
        "score_b": pytest.approx(precision(other.sum(0))), "diff": pytest.approx(diff),
        "p_value": pytest.approx((1 + np.sum(np.abs(diff_b - diff) >= abs(diff))) / 401),
        "low": pytest.approx(low, rel=1e-9), "high": pytest.approx(high, rel=1e-9),
        "better": "b", "higher_is_better": False, "n_resamples": 400, "seed": 3, "confidence": 0.9,
        "method": "bca"}
    assert st.paired_bootstrap(stats_a=tpfp, stats_b=other, aggregate=precision, counts=counts).seed is None
    assert st.paired_bootstrap(stats_a=tpfp, stats_b=other, aggregate=precision, n_resamples=50).seed == st.DEFAULT_SEED
    seeded = st.paired_bootstrap(stats_a=tpfp, stats_b=other, aggregate=precision, n_resamples=50, seed=8)
    assert seeded.seed == 8 and seeded.low == st.paired_bootstrap(
        stats_a=tpfp, stats_b=other, aggregate=precision, counts=st.resample_counts(80, 50, 8)).low


def test_permutation_test_record_and_exact_ties():
    a, b = np.array([0.9, 0.4, 0.6]), np.array([0.5, 0.5, 0.1])
    res = st.permutation_test(a, b, n_permutations=1, seed=4, higher_is_better=True)
    assert (res.test, res.n_resamples, res.seed, res.higher_is_better) == ("permutation", 1, 4, True)
    assert (res.score_a, res.score_b) == (pytest.approx(a.mean()), pytest.approx(b.mean()))
    with pytest.raises(ValueError, match="^n_permutations must be >= 1$"):
        st.permutation_test(a, b, n_permutations=0)
    # one study: every swap gives |diff| = |observed| exactly, so every round counts and p = 1
    assert st.permutation_test([1.0], [0.0], n_permutations=50).p_value == 1.0
