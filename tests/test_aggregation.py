"""Corpus aggregation against independent values: BLEU's vectorised `aggregate` against sacrebleu's own
compute_bleu on synthetic statistics (every edge: empty hypothesis, brevity, zero matches at each order,
orders without n-grams, both smoothings), chexpert_f1's `aggregate` on empty and stacked sums,
`mean_output` and `MetricScore.corpus_scores` against hand-worked numbers.
"""

from __future__ import annotations

import numpy as np
import pytest

from rexbench import registry
from rexbench.metric import Metric, MetricOutput, mean_output
from rexbench.scoring import MetricScore


def _bleu_rows(rng: np.random.Generator, n: int) -> np.ndarray:
    """n rows of sacrebleu's 10 corpus statistics [sys_len, ref_len, correct_1..4, total_1..4], edges included."""
    rows = []
    for i in range(n):
        sys_len = int(rng.integers(0, 9)) if i % 3 else int(rng.integers(0, 4))   # many short hypotheses
        ref_len = int(rng.integers(0, 12))
        total = [max(0, sys_len - k) for k in range(4)]
        correct = [int(rng.integers(0, t + 1)) if rng.random() < 0.7 else 0 for t in total]
        rows.append([sys_len, ref_len] + correct + total)
    return np.asarray(rows, dtype=np.float64)


def _sacrebleu(row: np.ndarray, smooth: str) -> float:
    from sacrebleu.metrics import BLEU

    r = row.astype(int).tolist()
    return BLEU.compute_bleu(r[2:6], r[6:10], r[0], r[1], smooth_method=smooth).score / 100


@pytest.mark.parametrize("smooth", ["exp", "none"])
def test_bleu_aggregate_equals_sacrebleu_compute_bleu(smooth):
    metric = registry.load(f"bleu:smooth_method={smooth}")
    rows = _bleu_rows(np.random.default_rng(7), 400)
    hand = np.array([[3, 5, 2, 1, 0, 0, 3, 2, 1, 0],      # brevity penalty, zero 3-gram matches, no 4-grams
                     [0, 4, 0, 0, 0, 0, 0, 0, 0, 0],      # empty hypothesis
                     [6, 4, 6, 5, 4, 3, 6, 5, 4, 3],      # longer than the reference: no penalty
                     [4, 4, 4, 0, 2, 1, 4, 3, 2, 1],      # zero bigram matches, later orders match
                     [2, 2, 1, 0, 0, 0, 2, 1, 0, 0],
                     [300, 300, 5, 1, 0, 0, 300, 299, 298, 297],       # precisions under 1% (p < 1 of 100)
                     [400, 420, 3, 2, 1, 1, 400, 399, 398, 397]], dtype=np.float64)
    rows = np.vstack([hand, rows[:398]])
    expected = np.array([_sacrebleu(r, smooth) for r in rows])
    np.testing.assert_allclose(metric.aggregate(rows), expected, rtol=0, atol=1e-12)
    # vectorised over leading axes: (a, b, 10) -> (a, b)
    np.testing.assert_allclose(metric.aggregate(rows[:400].reshape(20, 20, 10)), expected[:400].reshape(20, 20),
                               rtol=0, atol=1e-12)
    # sums of rows, as a bootstrap resample aggregates them
    sums = rows.reshape(81, 5, 10).sum(axis=1)
    np.testing.assert_allclose(metric.aggregate(sums), [_sacrebleu(r, smooth) for r in sums], rtol=0, atol=1e-12)


def test_bleu_corpus_score_and_statistics_of_short_hypotheses_equal_sacrebleu():
    """Hypotheses under 4 words have no 4-grams: the corpus score uses no effective order (sacrebleu's
    corpus_bleu), and the statistics are sacrebleu's 10 per pair, nothing else."""
    import sacrebleu
    from sacrebleu.metrics import BLEU

    refs, hyps = ["clear lungs", "no effusion seen", "small left effusion"], ["clear lungs", "no effusion", "left effusion"]
    out = registry.load("bleu").compute(references=refs, predictions=hyps)
    assert out.score == pytest.approx(sacrebleu.corpus_bleu(hyps, [refs]).score / 100, abs=1e-12)
    expected = BLEU()._extract_corpus_statistics(hyps, [refs])
    np.testing.assert_array_equal(out.stats, np.asarray(expected, dtype=np.float64))


def test_bleu_aggregate_refuses_a_smoothing_it_cannot_vectorise():
    with pytest.raises(NotImplementedError, match="^vectorised BLEU supports smooth_method exp and none$"):
        registry.load("bleu:smooth_method=floor").aggregate(np.ones(10))


def test_chexpert_f1_aggregate_of_nothing_is_zero_and_keeps_leading_axes():
    """No positives anywhere (or no studies, for the example average) scores 0, as sklearn's zero_division=0."""
    for average, k in (("micro", 42), ("macro", 42), ("example", 2)):
        m = registry.load(f"chexpert_f1:average={average}")
        assert float(m.aggregate(np.zeros(k))) == 0.0
        assert m.aggregate(np.zeros((3, 4, k))).shape == (3, 4)
    # example average: the mean of per-study F1 (sum, count)
    example = registry.load("chexpert_f1:average=example")
    np.testing.assert_allclose(example.aggregate([[1.5, 2.0], [3.0, 4.0], [0.0, 0.0]]), [0.75, 0.75, 0.0])
    # micro and macro on two labels, hand-worked: label A tp=2 fp=1 fn=1 (F1 4/6), label B tp=0 fp=1 fn=0 (F1 0)
    sums = np.zeros(42)
    sums[0:3] = [2, 1, 1]
    sums[3:6] = [0, 1, 0]
    assert float(registry.load("chexpert_f1").aggregate(sums)) == pytest.approx(4 / 7)     # 2*2 / (2*2 + 2 + 1)
    assert float(registry.load("chexpert_f1:average=macro").aggregate(sums)) == pytest.approx((4 / 6) / 14)
    assert float(registry.load("chexpert_f1:average=macro:label_set=5").aggregate(sums[:15])) == \
        pytest.approx((4 / 6) / 5)


def test_mean_output():
    out = mean_output([0.25, 0.5, 1.0], details={"x": 1})
    assert out.score == pytest.approx(1.75 / 3)
    assert out.per_study.dtype == np.float64 and out.per_study.tolist() == [0.25, 0.5, 1.0]
    assert out.details == {"x": 1} and out.stats is None
    assert np.isnan(mean_output([]).score)
    ints = mean_output(np.array([1, 2], dtype=np.int64))
    assert ints.score == 1.5 and ints.per_study.dtype == np.float64


def test_base_metric_aggregate_is_for_corpus_level_metrics_only():
    with pytest.raises(NotImplementedError, match="rouge_l is not a corpus-level metric"):
        Metric.aggregate(registry.load("rouge_l"), np.ones(3))


def test_corpus_scores_of_resamples():
    counts = np.array([[2, 0, 1], [0, 3, 0], [1, 1, 1]])
    rouge = registry.load("rouge_l")
    out = MetricOutput(per_study=np.array([0.3, 0.6, 0.9]), score=0.6)
    ms = MetricScore("rouge_l", rouge, out, None, None, False)
    np.testing.assert_allclose(ms.corpus_scores(counts), [(0.6 + 0.9) / 3, 0.6, 0.6])
    f1 = registry.load("chexpert_f1:average=example")
    stats = np.array([[1.0, 1.0], [0.5, 1.0], [0.0, 1.0]])
    ms = MetricScore("chexpert_f1", f1, MetricOutput(per_study=stats[:, 0], score=0.5, stats=stats), None, None, False)
    np.testing.assert_allclose(ms.corpus_scores(counts), [2 / 3, 0.5, 0.5])
