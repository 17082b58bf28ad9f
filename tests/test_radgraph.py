"""radgraph_combined and radgraph_f1 end to end through the upstream radgraph package, on a tiny randomly
initialised DyGIE model written in the archive layout the package unpacks (`<dir>/radgraph/` with
config.json, vocabulary/, weights.th) over a tiny BERT folder; and the F1 arithmetic on hand-made
annotations. Skipped without the radgraph extra."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("radgraph")
torch = pytest.importorskip("torch")

from rexbench import radgraph_adapter as rg, registry  # noqa: E402

WORDS = ("no acute cardiopulmonary process small left right pleural effusion mild cardiomegaly lungs are clear "
         "the heart size is normal with edema and none a b . , : - ( )").split()   # a, b: allennlp probes them
NER = ["", "ANAT-DP", "OBS-DP", "OBS-U", "OBS-DA"]
RELATIONS = ["", "modify", "located_at", "suggestive_of"]
REFS = ["No acute cardiopulmonary process.", "Small left pleural effusion.", "Mild cardiomegaly.",
        "The lungs are clear.", "Heart size is normal."]
PREDS = ["No acute process.", "Small right pleural effusion with edema.", "Mild cardiomegaly.",
         "Lungs are clear.", ""]


def write_tiny_radgraph(root: Path, model_type: str = "radgraph", seed: int = 0) -> Path:
    """A folder holding `<model_type>/` as radgraph.RadGraph reads it; its transformer is a tiny BERT folder."""
    from transformers import BertConfig, BertTokenizer

    from radgraph.allennlp.data import Vocabulary
    from radgraph.allennlp.modules import text_field_embedders, token_embedders
    from radgraph.dygie.models import dygie

    bert = root / "tiny-bert"
    bert.mkdir(parents=True)
    vocab_words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + sorted(set(WORDS))
    (bert / "vocab.txt").write_text("\n".join(vocab_words) + "\n", encoding="utf-8")
    BertConfig(vocab_size=len(vocab_words), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
               intermediate_size=32, max_position_embeddings=128).save_pretrained(bert)
    BertTokenizer(str(bert / "vocab.txt")).save_pretrained(bert)

    model_dir = root / "archive" / model_type
    vocab_dir = model_dir / "vocabulary"
    vocab_dir.mkdir(parents=True)
    (vocab_dir / "non_padded_namespaces.txt").write_text("*tags\n*labels\n", encoding="utf-8")
    (vocab_dir / f"{model_type}__ner_labels.txt").write_text("\n".join(NER) + "\n", encoding="utf-8")
    (vocab_dir / f"{model_type}__relation_labels.txt").write_text("\n".join(RELATIONS) + "\n", encoding="utf-8")
    bert_cfg = {"type": "pretrained_transformer_mismatched", "model_name": str(bert), "max_length": 128}
    model_cfg = {
        "type": "dygie", "embedder": {"token_embedders": {"bert": bert_cfg}},
        "initializer": {}, "module_initializer": {},
        "loss_weights": {"ner": 0.2, "relation": 1.0, "coref": 0.0, "events": 0.0},
        "feature_size": 4, "max_span_width": 4, "target_task": "relation",
        "feedforward_params": {"num_layers": 1, "hidden_dims": 8, "dropout": 0.0},
        "modules": {"coref": {"spans_per_word": 0.3, "max_antecedents": 10, "coref_prop": 0}, "ner": {},
                    "relation": {"spans_per_word": 0.5},
                    "events": {"trigger_spans_per_word": 0.3, "argument_spans_per_word": 0.8,
                               "loss_weights": {"trigger": 1.0, "arguments": 1.0}}},
    }
    config = {"dataset_reader": {"type": "dygie", "token_indexers": {"bert": bert_cfg}, "max_span_width": 4},
              "model": model_cfg}
    (model_dir / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")

    # Build the model exactly as radgraph.RadGraph does, with random weights, and save them.
    torch.manual_seed(seed)
    vocab = Vocabulary.from_files(str(vocab_dir))
    with rg.transformers4_tokenizers():
        embedder = text_field_embedders.BasicTextFieldEmbedder({"bert": token_embedders.PretrainedTransformerMismatchedEmbedder(
            model_name=str(bert), max_length=128)})
    kwargs = {k: v for k, v in model_cfg.items() if k not in ("type", "embedder", "initializer", "module_initializer")}
    model = dygie.DyGIE(vocab=vocab, embedder=embedder, **json.loads(json.dumps(kwargs)))
    with torch.no_grad():   # make the tiny scorer find entities and relations (random init scores them all null)
        for name, p in model.named_parameters():
            if "_ner_scorers" in name or "_relation_scorers" in name or "_mention_pruners" in name:
                p.normal_(0.0, 2.0)
    torch.save(model.state_dict(), model_dir / "weights.th")
    return root / "archive"


def archive_sha256(model_dir: Path) -> str:
    """Independent: sha256 over 'relative path:sha256' lines of weights.th, config.json and vocabulary/*."""
    files = sorted([model_dir / "weights.th", model_dir / "config.json"] + list((model_dir / "vocabulary").iterdir()))
    lines = "".join(f"{model_dir.name}/{p.relative_to(model_dir).as_posix()}:{hashlib.sha256(p.read_bytes()).hexdigest()}\n"
                    for p in files)
    return hashlib.sha256(lines.encode()).hexdigest()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return write_tiny_radgraph(tmp_path_factory.mktemp("radgraph"))


def test_set_f1_and_combined_match_cxr_report_metric_definitions():
    ref = {"entities": {"1": {"tokens": "effusion", "label": "OBS-DP", "relations": [["located_at", "2"]]},
                        "2": {"tokens": "pleural", "label": "ANAT-DP", "relations": []}}}
    hyp = {"entities": {"1": {"tokens": "effusion", "label": "OBS-DP", "relations": []},
                        "2": {"tokens": "pleural", "label": "ANAT-DP", "relations": []},
                        "3": {"tokens": "edema", "label": "OBS-DP", "relations": []}}}
    entity, relation = rg.combined_f1(ref, hyp)
    assert entity == pytest.approx(2 * (2 / 3) * 1 / (2 / 3 + 1))   # P 2/3, R 1
    assert relation == 0.0                                             # the reference's one relation is missed
    assert rg.combined_f1(ref, ref) == (1.0, 1.0)
    assert rg.set_f1(set(), set()) == 0.0                              # compute_f1: 0 when both are empty


def test_radgraph_metrics_end_to_end_on_a_tiny_model(tiny, tmp_cache):
    combined = registry.metric_class("radgraph_combined")(model=str(tiny), device="cpu")
    assert combined.readiness() is None
    out = combined.compute(references=REFS, predictions=PREDS)
    n = len(REFS)
    assert out.per_study.shape == (n,) and ((0 <= out.per_study) & (out.per_study <= 1)).all()
    np.testing.assert_array_equal(out.per_study, (out.components["entity_f1"] + out.components["relation_f1"]) / 2)

    # Independent: the upstream RadGraph model itself on the same texts, scored with CRM's definitions.
    from radgraph import RadGraph

    with rg.transformers4_tokenizers():
        model = RadGraph(model_type="radgraph", model_cache_dir=str(rg.private_model_dir(tiny, "radgraph")), cuda=-1)
        notes = model(REFS + PREDS)
    assert sum(len(notes[str(i)]["entities"]) for i in range(2 * n)) > 0    # the tiny model does annotate
    expected = [np.mean(rg.combined_f1(notes[str(i)], notes[str(n + i)])) for i in range(n)]
    np.testing.assert_array_equal(out.per_study, expected)
    assert out.per_study[2] == 1.0 or not notes["2"]["entities"]            # identical texts agree fully

    # radgraph_f1 = the package's own F1RadGraph rewards (same annotations, shared: no second model pass).
    from radgraph import F1RadGraph

    for level in rg.REWARD_LEVELS:
        metric = registry.metric_class("radgraph_f1")(reward_level=level, model=str(tiny), device="cpu")
        ours = metric.compute(references=REFS, predictions=PREDS)
        with rg.transformers4_tokenizers():
            upstream = F1RadGraph(reward_level=level, model_type="radgraph",
                                  model_cache_dir=str(rg.private_model_dir(tiny, "radgraph")), cuda=-1)
            _, rewards, _, _ = upstream(refs=REFS, hyps=PREDS)
        np.testing.assert_allclose(ours.per_study, rewards, rtol=0, atol=0)
        assert ours.per_study[-1] == 0.0                                      # empty prediction


def test_signature_shares_and_determinism(tiny, tmp_cache, monkeypatch):
    metric = registry.metric_class("radgraph_combined")(model=str(tiny), device="cpu")
    fields = metric.signature_fields()
    assert fields["w.radgraph"] == archive_sha256(tiny / "radgraph")[:16]
    # The label vocabulary is part of the model: a change to it moves the signature.
    (tiny / "radgraph" / "vocabulary" / "radgraph__relation_labels.txt").write_text("\n".join(RELATIONS[:-1]) + "\n")
    try:
        assert registry.metric_class("radgraph_combined")(model=str(tiny)).signature_fields()["w.radgraph"] \
            != fields["w.radgraph"]
    finally:
        (tiny / "radgraph" / "vocabulary" / "radgraph__relation_labels.txt").write_text("\n".join(RELATIONS) + "\n")
    assert fields["model_type"] == "radgraph" and "radgraph" in fields and "device" not in fields
    calls = []
    original = rg._model

    def counting(*args):
        calls.append(args)
        return original(*args)

    monkeypatch.setattr(rg, "_model", counting)
    first = metric.compute(references=REFS, predictions=PREDS)
    registry.metric_class("radgraph_f1")(model=str(tiny)).compute(references=REFS, predictions=PREDS)
    assert calls == []                                  # everything annotated above is reused
    monkeypatch.setattr(rg, "_ANNOTATIONS", {})
    again = registry.metric_class("radgraph_combined")(model=str(tiny), device="cpu").compute(
        references=REFS, predictions=PREDS)
    np.testing.assert_array_equal(first.per_study, again.per_study)
