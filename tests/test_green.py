"""green's adapter code path on a tiny random causal LM folder (real layout: config, weights, tokenizer),
with green-score's GREEN replaced by a stand-in: green-score 0.0.12 requires Python ==3.12.1 and cannot be
installed here. What is tested: model lookup and its sha256 in the signature, the device / batch size /
output folder handed to the package, per-study scores and the seven error-count columns turned into
per-study values and components, and the errors for unparsable judge answers."""

from __future__ import annotations

import hashlib
import sys
import types

import numpy as np
import pandas as pd
import pytest

from rexbench import registry
from rexbench.errors import MetricError

# green-score's result_df columns: its sub_categories, then "Matched Findings" (green_score/green.py).
UPSTREAM_COLUMNS = ["(a) False report of a finding in the candidate", "(b) Missing a finding present in the reference",
                    "(c) Misidentification of a finding's anatomic location/position",
                    "(d) Misassessment of the severity of a finding",
                    "(e) Mentioning a comparison that isn't in the reference",
                    "(f) Omitting a comparison detailing a change from a prior study", "Matched Findings"]
COMPONENTS = ["sig_a_false_finding", "sig_b_missing_finding", "sig_c_wrong_location", "sig_d_wrong_severity",
              "sig_e_extra_comparison", "sig_f_missing_comparison", "matched_findings"]

REFS = ["Small left pleural effusion.", "Mild cardiomegaly.", "Lungs are clear."]
PREDS = ["Left pleural effusion.", "Heart size is normal.", "Lungs are clear."]


@pytest.fixture(scope="module")
def tiny_llm(tmp_path_factory):
    torch = pytest.importorskip("torch")
    from transformers import GPT2Config, GPT2LMHeadModel, GPT2Tokenizer

    folder = tmp_path_factory.mktemp("green") / "GREEN-radllama2-7b"
    folder.mkdir()
    vocab = {"<|endoftext|>": 0, "a": 1, "b": 2, "Ġ": 3}
    (folder / "vocab.json").write_text(__import__("json").dumps(vocab), encoding="utf-8")
    (folder / "merges.txt").write_text("#version: 0.2\n", encoding="utf-8")
    GPT2Tokenizer(str(folder / "vocab.json"), str(folder / "merges.txt")).save_pretrained(folder)
    torch.manual_seed(0)
    GPT2LMHeadModel(GPT2Config(vocab_size=4, n_embd=8, n_layer=1, n_head=2, n_positions=32)).save_pretrained(folder)
    return folder


class StandInGreen:
    """green_score.GREEN's interface: GREEN(model_name, output_dir, cpu); scorer(refs, hyps) ->
    (mean, std, green_score_list, summary, result_df)."""
    calls: list[dict] = []
    answers: dict[str, tuple] = {}

    def __init__(self, model_name, output_dir=".", cpu=False):
        self.model_name, self.output_dir, self.cpu, self.batch_size = model_name, output_dir, cpu, 16

    def __call__(self, refs, hyps):
        StandInGreen.calls.append({"model": self.model_name, "cpu": self.cpu, "batch_size": self.batch_size,
                                   "out": self.output_dir, "refs": list(refs), "hyps": list(hyps)})
        rows = [StandInGreen.answers[h] for h in hyps]
        table = pd.DataFrame([dict(zip(UPSTREAM_COLUMNS, counts)) for counts, _ in rows])
        scores = [score for _, score in rows]
        return float(np.mean([s for s in scores if s is not None] or [0])), 0.0, scores, "summary", table


@pytest.fixture
def stand_in_green(monkeypatch):
    module = types.ModuleType("green_score")
    module.GREEN = StandInGreen
    monkeypatch.setitem(sys.modules, "green_score", module)
    real = __import__("importlib.util").util.find_spec
    monkeypatch.setattr("importlib.util.find_spec",
                        lambda name, *a, **k: object() if name == "green_score" else real(name, *a, **k))
    StandInGreen.calls = []
    StandInGreen.answers = {
        # (a)..(f) significant errors, matched findings -> GREEN = matched / (matched + sum of errors)
        "Left pleural effusion.": ((0, 0, 1, 0, 0, 0, 1), 0.5),
        "Heart size is normal.": ((0, 1, 0, 0, 0, 0, 0), 0.0),
        "Lungs are clear.": ((0, 0, 0, 0, 0, 0, 1), 1.0),
    }
    yield


def test_green_per_study_scores_and_error_counts(tiny_llm, stand_in_green, tmp_cache):
    metric = registry.metric_class("green")(model=str(tiny_llm), device="cpu", batch_size=2)
    assert metric.readiness() is None
    out = metric.compute(references=REFS, predictions=PREDS)
    np.testing.assert_array_equal(out.per_study, [0.5, 0.0, 1.0])
    assert out.score == pytest.approx(0.5)
    np.testing.assert_array_equal(out.components["sig_c_wrong_location"], [1, 0, 0])
    np.testing.assert_array_equal(out.components["sig_b_missing_finding"], [0, 1, 0])
    np.testing.assert_array_equal(out.components["matched_findings"], [1, 0, 1])
    assert set(out.components) == set(COMPONENTS)
    call = StandInGreen.calls[-1]
    assert call["model"] == str(tiny_llm) and call["cpu"] is True and call["batch_size"] == 2
    assert call["refs"] == REFS and call["hyps"] == PREDS
    fields = metric.signature_fields()
    assert fields["w.GREEN-radllama2-7b"] == hashlib.sha256((tiny_llm / "model.safetensors").read_bytes()).hexdigest()[:16]
    assert "model" not in fields and "device" not in fields


def test_green_unparsable_answer_is_an_error_naming_the_study(tiny_llm, stand_in_green, tmp_cache):
    StandInGreen.answers["Heart size is normal."] = ((0, 0, 0, 0, 0, 0, 2), None)
    metric = registry.metric_class("green")(model=str(tiny_llm), device="cpu")
    with pytest.raises(MetricError, match="study index 1"):
        metric.compute(references=REFS, predictions=PREDS)


def test_green_without_the_package_names_python_3121(tmp_cache, monkeypatch):
    real = __import__("importlib.util").util.find_spec
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a, **k: None if name == "green_score" else real(name, *a, **k))
    message = registry.metric_class("green")().readiness()
    assert "pip install 'rexbench[green]'" in message and "Python ==3.12.1" in message
