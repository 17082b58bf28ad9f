"""Property-based tests (hypothesis) of every metric that runs offline.

For random report-like corpora and arbitrary Unicode:
* bounds: every per-study value and the corpus score lie in the metric's range;
* identical texts give the maximum: a prediction equal to its reference scores at least as high as any
  other prediction of that reference, and exactly the maximum where the metric defines one (1.0);
* order of studies does not matter: permuting the studies permutes the per-study values and leaves the
  corpus score unchanged;
* Unicode input (any code point, combining marks, RTL, emoji, control characters) never crashes and
  stays within the bounds.
Examples are few (each metric call costs real time) and there is no deadline (model start-up varies).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from rexbench import registry

# metric -> (low, high, exact maximum for identical texts or None)
METRICS = {
    "bleu2_rexrank": (0.0, 1.0, 1.0),
    "bleu": (0.0, 1.0, 1.0),
    "rouge_l": (0.0, 1.0, 1.0),
    "meteor": (0.0, 1.0, None),           # METEOR's fragmentation penalty keeps identical texts just below 1
    "chexpert_f1": (0.0, 1.0, None),      # labels, not words: identical texts agree, the F1 depends on the labels
    "bertscore_minilm": (-1.0, 1.0, 1.0),
}
SLOW = {"bertscore_minilm", "meteor", "chexpert_f1"}
WORDS = ("heart", "size", "is", "normal", "the", "lungs", "are", "clear", "no", "pleural", "effusion",
         "pneumothorax", "small", "left", "right", "lower", "lobe", "opacity", "cardiomegaly", "stable",
         "mild", "atelectasis", "edema", "consolidation", "tube", "in", "place", "without", "acute", "findings")
SETTINGS = settings(max_examples=6, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

sentence = st.lists(st.sampled_from(WORDS), min_size=4, max_size=12).map(lambda w: " ".join(w).capitalize() + ".")
report = st.lists(sentence, min_size=1, max_size=3).map(" ".join)
corpus = st.lists(st.tuples(report, report), min_size=2, max_size=6)
unicode_text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=80).filter(
    lambda t: t.strip() != "")


@pytest.fixture(scope="module")
def metrics() -> dict:
    loaded = {}
    for name in METRICS:
        metric = registry.load(name)
        if metric.readiness() is None:
            loaded[name] = metric
    return loaded


def get(metrics: dict, name: str):
    if name not in metrics:
        pytest.skip(f"{name} cannot run here: {registry.load(name).readiness()}")
    return metrics[name]


def compute(metric, refs: list[str], preds: list[str]):
    return metric.compute(references=refs, predictions=preds)


def in_bounds(name: str, out) -> None:
    low, high, _ = METRICS[name]
    eps = 1e-9
    assert np.all(out.per_study >= low - eps) and np.all(out.per_study <= high + eps), out.per_study
    assert low - eps <= out.score <= high + eps, out.score


PARAMS = [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in METRICS]


@pytest.mark.parametrize("name", PARAMS)
def test_bounds_and_order_of_studies(metrics: dict, name: str) -> None:
    metric = get(metrics, name)

    @SETTINGS
    @given(pairs=corpus, data=st.data())
    def check(pairs, data) -> None:
        refs, preds = [r for r, _ in pairs], [p for _, p in pairs]
        out = compute(metric, refs, preds)
        in_bounds(name, out)
        order = data.draw(st.permutations(range(len(pairs))))
        shuffled = compute(metric, [refs[i] for i in order], [preds[i] for i in order])
        np.testing.assert_allclose(shuffled.per_study, out.per_study[list(order)], rtol=1e-6, atol=1e-7)
        assert shuffled.score == pytest.approx(out.score, rel=1e-9, abs=1e-12)

    check()


@pytest.mark.parametrize("name", PARAMS)
def test_identical_texts_give_the_maximum(metrics: dict, name: str) -> None:
    metric = get(metrics, name)
    _, _, top = METRICS[name]

    @SETTINGS
    @given(pairs=corpus)
    def check(pairs) -> None:
        refs, others = [r for r, _ in pairs], [p for _, p in pairs]
        assume(all(r != o for r, o in zip(refs, others)))
        same = compute(metric, refs, refs)
        other = compute(metric, refs, others)
        assert np.all(same.per_study >= other.per_study - 1e-6), (same.per_study, other.per_study)
        if top is not None:
            np.testing.assert_allclose(same.per_study, top, atol=1e-5)
            assert same.score == pytest.approx(top, abs=1e-5)

    check()


@pytest.mark.parametrize("name", PARAMS)
def test_unicode_never_crashes(metrics: dict, name: str) -> None:
    metric = get(metrics, name)

    @SETTINGS
    @given(refs=st.lists(unicode_text, min_size=2, max_size=4), preds=st.lists(unicode_text, min_size=2, max_size=4))
    def check(refs, preds) -> None:
        n = min(len(refs), len(preds))
        out = compute(metric, refs[:n], preds[:n])
        assert out.per_study.shape == (n,)
        in_bounds(name, out)

    check()
