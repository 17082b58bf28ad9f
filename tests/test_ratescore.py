"""ratescore end to end through the installed RaTEScore package on tiny randomly initialised models in the
real layout (a DeBERTa-v2 token classifier with RaTE-NER's labels, a BERT encoder folder). medspacy (its
sentence splitter) is not installed in CI (it pins numpy<2): a stand-in splitter replaces that one call.
Skipped without the RaTEScore package."""

from __future__ import annotations

import hashlib
import sys
import types
from pathlib import Path

import numpy as np
import pytest

import importlib.util  # noqa: E402

if importlib.util.find_spec("RaTEScore") is None:   # importing it needs medspacy: only look for it
    pytest.skip("the RaTEScore package is not installed", allow_module_level=True)
torch = pytest.importorskip("torch")

from rexbench import registry  # noqa: E402

WORDS = "no acute process small left right pleural effusion mild cardiomegaly lungs are clear heart size normal edema".split()
TYPES = ["ABNORMALITY", "ANATOMY", "DISEASE", "NON-ABNORMALITY", "NON-DISEASE"]
LABELS = ["O"] + [f"{p}-{t}" for t in TYPES for p in ("B", "I")]
REFS = ["No acute process. Small left pleural effusion.", "Mild cardiomegaly.", "Lungs are clear.", "Heart size normal."]
PREDS = ["Small right pleural effusion.", "Mild cardiomegaly.", "Edema.", "Lungs are clear. Heart size normal."]


def _vocab(folder: Path) -> None:
    from transformers import BertTokenizer

    (folder / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "."] + WORDS) + "\n",
                                      encoding="utf-8")
    BertTokenizer(str(folder / "vocab.txt")).save_pretrained(folder)


def write_tiny_ratescore_models(root: Path, seed: int = 0) -> tuple[Path, Path]:
    from transformers import BertConfig, BertModel, DebertaV2Config, DebertaV2ForTokenClassification

    torch.manual_seed(seed)
    ner, enc = root / "RaTE-NER-Deberta", root / "BioLORD-2023-C"
    ner.mkdir(parents=True)
    enc.mkdir()
    _vocab(ner)
    _vocab(enc)
    config = DebertaV2Config(vocab_size=6 + len(WORDS), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                             intermediate_size=32, max_position_embeddings=64,
                             id2label=dict(enumerate(LABELS)), label2id={l: i for i, l in enumerate(LABELS)})
    model = DebertaV2ForTokenClassification(config)
    with torch.no_grad():
        model.classifier.weight.normal_(0, 3.0)   # tag some tokens as entities
    model.save_pretrained(ner)
    BertModel(BertConfig(vocab_size=6 + len(WORDS), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=32, max_position_embeddings=64)).save_pretrained(enc)
    return ner, enc


class _Sentences:
    """medspacy.load()'s pipeline, reduced to what RaTEScore reads: `nlp(text).sents`."""

    def __call__(self, text):
        parts = [s.strip() + "." for s in text.split(".") if s.strip()]
        return types.SimpleNamespace(sents=parts)


@pytest.fixture
def stand_in_medspacy(monkeypatch):
    fake = types.ModuleType("medspacy")
    fake.load = lambda **kwargs: _Sentences()
    monkeypatch.setitem(sys.modules, "medspacy", fake)
    for name in [m for m in sys.modules if m.split(".")[0] == "RaTEScore"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr("importlib.util.find_spec", _find_spec_with("medspacy"))
    yield


def _find_spec_with(name):
    import importlib.machinery
    import importlib.util

    real = importlib.util.find_spec

    def find_spec(module, *args, **kwargs):
        if module == name:
            return importlib.machinery.ModuleSpec(name, None)
        return real(module, *args, **kwargs)
    return find_spec


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return write_tiny_ratescore_models(tmp_path_factory.mktemp("ratescore"))


def test_ratescore_end_to_end_equals_the_package(tiny, stand_in_medspacy, tmp_cache):
    ner, enc = tiny
    metric = registry.metric_class("ratescore")(ner_model=str(ner), encoder=str(enc), device="cpu")
    assert metric.readiness() is None
    out = metric.compute(references=REFS, predictions=PREDS)
    assert out.per_study.shape == (len(REFS),) and ((0 <= out.per_study) & (out.per_study <= 1)).all()

    from RaTEScore import RaTEScore

    direct = RaTEScore(bert_model=str(ner), eval_model=str(enc), batch_size=1, use_gpu=False).compute_score(PREDS, REFS)
    np.testing.assert_array_equal(out.per_study, np.asarray(direct, dtype=np.float64))
    assert out.per_study[1] == pytest.approx(1.0, abs=1e-6) or out.per_study[1] == 0.5   # identical texts
    again = registry.metric_class("ratescore")(ner_model=str(ner), encoder=str(enc), device="cpu",
                                              batch_size=3).compute(references=REFS, predictions=PREDS)
    np.testing.assert_allclose(again.per_study, out.per_study, rtol=0, atol=1e-6)   # batching: float rounding only

    fields = metric.signature_fields()
    assert fields["w.RaTE-NER-Deberta"] == hashlib.sha256((ner / "model.safetensors").read_bytes()).hexdigest()[:16]
    assert fields["matrix"] == "long" and "ner" not in fields and "device" not in fields


def test_ratescore_without_medspacy_names_the_extra(tmp_cache, monkeypatch):
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a, **k: None if name == "medspacy" else object())
    message = registry.metric_class("ratescore")().readiness()
    assert "pip install 'rexbench[ratescore]'" in message and "medspacy" in message and "numpy<2" in message
