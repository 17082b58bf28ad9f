"""Derived (composite) metrics: inputs computed once and shared, signatures folded, cache keys chained;
RadCliQ-v1 against the published per-study values of a ReXrank entrant."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest

from rexbench import registry, scoring
from rexbench.cache import ScoreCache
from rexbench.metric import DerivedMetric, Metric

from .conftest import REPO, SHARED, needs_shared

MOERAD = SHARED / "data" / "public_reports" / "moerad_iu_xray" / "report_scores.csv"

DIFF_METRIC = '''
from dataclasses import dataclass
from rexbench.metric import DerivedMetric, mean_output

@dataclass(frozen=True)
class P:
    weight: float = 1.0

class RougeMinusBleu(DerivedMetric):
    name = "rouge_minus_bleu"
    Params = P
    value_range = (-1.0, 1.0)

    def input_specs(self):
        return ("rouge_l", "bleu2_rexrank")

    def combine(self, inputs):
        return mean_output(self.params.weight * inputs["rouge_l"] - inputs["bleu2_rexrank"])
'''

REFS = ["The lungs are clear. No effusion.", "Mild cardiomegaly.", "No pneumothorax.", ""]
PREDS = ["Lungs are clear.", "Heart size is mildly enlarged.", "No pneumothorax is seen.", "Clear lungs."]


@pytest.fixture
def derived_registry(tmp_path, monkeypatch):
    """A metrics folder with the real rouge_l and bleu2_rexrank plus a small derived metric over them."""
    root = tmp_path / "metrics"
    root.mkdir()
    for name in ("rouge_l", "bleu2_rexrank"):
        shutil.copytree(REPO / "metrics" / name, root / name)
    (root / "rouge_minus_bleu").mkdir()
    (root / "rouge_minus_bleu" / "rouge_minus_bleu.py").write_text(DIFF_METRIC, encoding="utf-8")
    monkeypatch.setenv("REXBENCH_METRICS_DIR", str(root))
    registry.metric_class.cache_clear()
    yield root
    registry.metric_class.cache_clear()


def _count_computes(monkeypatch) -> list[str]:
    calls: list[str] = []
    original = Metric.compute

    def counting(self, **kwargs):
        calls.append(self.spec)
        return original(self, **kwargs)

    monkeypatch.setattr(Metric, "compute", counting)
    return calls


def test_inputs_computed_once_and_shared_with_requested_metrics(derived_registry, tmp_path, monkeypatch):
    calls = _count_computes(monkeypatch)
    metrics = [registry.load("rouge_minus_bleu"), registry.load("rouge_l")]
    assert [m.spec for m in scoring.computation_order(metrics)] == ["rouge_l", "bleu2_rexrank", "rouge_minus_bleu"]
    done = scoring.compute_all(metrics, REFS, PREDS, ScoreCache(tmp_path / "c"), show_progress=False)
    assert sorted(calls) == ["bleu2_rexrank", "rouge_l"]          # each input once; the composite combines
    expected = done["rouge_l"][0].per_study - done["bleu2_rexrank"][0].per_study
    np.testing.assert_array_equal(done["rouge_minus_bleu"][0].per_study, expected)
    # The same numbers as the metric computed standalone (compute() computes its own inputs).
    alone = registry.load("rouge_minus_bleu").compute(references=REFS, predictions=PREDS)
    np.testing.assert_array_equal(alone.per_study, expected)


def test_signature_folds_the_inputs_signatures(derived_registry):
    metric = registry.load("rouge_minus_bleu:weight=2")
    fields = metric.signature_fields()
    assert fields["weight"] == "2.0"
    assert fields["in.rouge_l"] == ",".join(f"{k}={v}" for k, v in registry.load("rouge_l").signature_fields().items())
    assert "in.bleu2_rexrank" in fields


def test_cache_key_holds_the_inputs_keys(derived_registry, tmp_path, monkeypatch):
    metric = registry.load("rouge_minus_bleu")
    before = scoring.score_key(metric, REFS, PREDS)
    assert before == scoring.score_key(registry.load("rouge_minus_bleu"), REFS, PREDS)
    # An input's key changes (say its code changed) -> the composite's key changes too.
    original = registry.code_hash
    monkeypatch.setattr(registry, "code_hash", lambda name: original(name) + ("x" if name == "bleu2_rexrank" else ""))
    assert scoring.score_key(registry.load("rouge_minus_bleu"), REFS, PREDS) != before

    cache = ScoreCache(tmp_path / "c")
    first = scoring.compute_all([metric], REFS, PREDS, cache, show_progress=False)
    again = scoring.compute_all([registry.load("rouge_minus_bleu")], REFS, PREDS, cache, show_progress=False)
    assert not first["rouge_minus_bleu"][1] and again["rouge_minus_bleu"][1]     # second run: a cache hit
    np.testing.assert_array_equal(first["rouge_minus_bleu"][0].per_study, again["rouge_minus_bleu"][0].per_study)


def test_derived_readiness_names_each_missing_input(monkeypatch):
    metric = registry.load("radcliq_v1")
    for m in metric.input_metrics():
        monkeypatch.setattr(m, "readiness", lambda m=m: f"{m.spec} weights missing" if m.spec != "bleu2_rexrank" else None)
    message = metric.readiness()
    assert message == ("input radgraph_combined: radgraph_combined weights missing; input bertscore: bertscore "
                       "weights missing; input semb_score: semb_score weights missing")


def test_combine_refuses_missing_or_ragged_inputs():
    metric = registry.load("radcliq_v1")
    good = {name: np.zeros(3) for name in metric.input_specs()}
    with pytest.raises(Exception, match="missing input 'semb_score'"):
        metric.combine_checked({k: v for k, v in good.items() if k != "semb_score"})
    with pytest.raises(Exception, match="equal-length"):
        metric.combine_checked({**good, "bleu2_rexrank": np.zeros(2)})


def test_radcliq_is_lower_better_and_reports_the_inverse_mean():
    metric = registry.load("radcliq_v1")
    assert isinstance(metric, DerivedMetric) and not metric.higher_is_better
    perfect = {name: np.ones(2) for name in metric.input_specs()}
    out = metric.combine_checked(perfect)
    # A perfect report scores about -1.44 raw (METRICS.md); ReXrank's column is 1/mean.
    by_hand = (-0.37708368 * (1 - 0.53792312) / 0.30282584 - 0.37030010 * (1 - 0.61757256) / 0.22430938
               - 0.25261622 * (1 - 0.76479421) / 0.25394391)
    assert out.score == pytest.approx(by_hand, abs=1e-9) and -1.45 < out.score < -1.43
    assert out.details["inverse_mean"] == pytest.approx(1 / out.score)
    np.testing.assert_array_equal(out.components["semb_score"], np.ones(2))


def _moerad_rows():
    with MOERAD.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.shared
@needs_shared
def test_radcliq_v1_equals_published_per_study_values():
    """MoERad's own CXR-Report-Metric run: its four per-study components through our RadCliQ-v1 give its
    published RadCliQ-v1 column, within the bound set by the 8 printed decimals of the model parameters."""
    metric = registry.load("radcliq_v1")
    module = type(metric).__module__
    import sys

    rounding_bound = sys.modules[module].rounding_bound
    rows = _moerad_rows()
    assert len(rows) == 590
    columns = {"radgraph_combined": "radgraph_combined", "bertscore": "bertscore", "semb_score": "semb_score",
               "bleu2_rexrank": "bleu_score"}
    inputs = {spec: np.array([float(r[col]) for r in rows]) for spec, col in columns.items()}
    # CXR-Report-Metric held BertScore and SembScore as float32 (torch outputs; the CSV prints bertscore with
    # float32's 8 digits): cast back to the exact values it combined, as rexbench's own inputs are.
    for spec in ("bertscore", "semb_score"):
        inputs[spec] = inputs[spec].astype(np.float32).astype(np.float64)
    published = np.array([float(r["RadCliQ-v1"]) for r in rows])
    out = metric.combine_checked(inputs)
    diff = np.abs(out.per_study - published)
    bound = rounding_bound(np.column_stack([inputs[s] for s in metric.input_specs()]))
    assert (diff <= bound).all(), f"max diff {diff.max():.3g} over its bound at study {int(np.argmax(diff - bound))}"
    assert diff.max() < 3e-8                     # measured 2.6e-8 (6.6e-8 without the float32 cast)
    assert out.score == pytest.approx(published.mean(), abs=1e-7)


@pytest.mark.shared
@needs_shared
def test_radcliq_v1_equals_the_cxr_report_metric_example():
    """The 3-pair example published with a CXR-Report-Metric fork: same check, same bound."""
    import sys

    metric = registry.load("radcliq_v1")
    rounding_bound = sys.modules[type(metric).__module__].rounding_bound
    path = SHARED / "data" / "public_reports" / "cxr_report_metric_example" / "metric_scores.txt"
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    columns = {"radgraph_combined": "radgraph_combined", "bertscore": "bertscore", "semb_score": "semb_score",
               "bleu2_rexrank": "bleu_score"}
    inputs = {spec: np.array([float(r[col]) for r in rows]) for spec, col in columns.items()}
    for spec in ("bertscore", "semb_score"):
        inputs[spec] = inputs[spec].astype(np.float32).astype(np.float64)
    out = metric.combine_checked(inputs)
    diff = np.abs(out.per_study - np.array([float(r["RadCliQ-v1"]) for r in rows]))
    assert (diff <= rounding_bound(np.column_stack([inputs[s] for s in metric.input_specs()]))).all()
    assert diff.max() < 2e-8                     # measured 1.7e-8
