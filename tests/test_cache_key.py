"""The score cache key covers everything that can change a number: one test per ingredient.

Each test scores once (a miss, stored), checks that the unchanged rerun hits, changes one ingredient
and checks that the rerun misses (and, where the ingredient moves the score, that the new score is the
fresh one, not the stale cached one). Model ingredients use a tiny randomly initialised BERT saved to
a temp folder; nothing downloads.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from rexbench import models, nltk_resources, registry
from rexbench.cache import ScoreCache
from rexbench.scoring import compute_cached

REFS = ["the lungs are clear without focal consolidation", "heart size is normal and there is no effusion"]
PREDS = ["lungs clear no consolidation", "normal heart size small left effusion"]


def run(metric, cache: ScoreCache, refs=REFS, preds=PREDS):
    return compute_cached(metric, list(refs), list(preds), cache, show_progress=False)


def assert_miss_after_hit(metric_factory, cache: ScoreCache, change, *, refs=REFS, preds=PREDS):
    """Score, rerun (hit), apply `change`, rerun with a fresh metric object (miss). Returns (old, new)."""
    first, hit = run(metric_factory(), cache, refs, preds)
    assert not hit
    again, hit = run(metric_factory(), cache, refs, preds)
    assert hit and again.score == first.score
    change()
    new, hit = run(metric_factory(), cache, refs, preds)
    assert not hit, "a changed ingredient returned the cached score"
    return first, new


@pytest.fixture
def cache(tmp_path, monkeypatch) -> ScoreCache:
    monkeypatch.setenv("REXBENCH_EMBEDDING_CACHE", "off")      # (WordNet stays in the real cache dir)
    return ScoreCache(tmp_path / "cache")


# ---- texts, params, code, library versions --------------------------------------------------------

def test_reference_text_prediction_text_and_order_miss(cache):
    rouge = lambda: registry.load("rouge_l")  # noqa: E731
    first, hit = run(rouge(), cache)
    assert not hit and run(rouge(), cache)[1]
    for refs, preds in [([REFS[0], REFS[1] + "."], PREDS), (REFS, [PREDS[0], PREDS[1] + " x"]),
                        (REFS[::-1], PREDS[::-1]), (REFS + ["extra"], PREDS + ["extra"])]:
        out, hit = run(rouge(), cache, refs, preds)
        assert not hit
    # Swapping the pairs' order gives the same corpus mean but must not reuse the per-study array.
    swapped, _ = run(rouge(), cache, REFS[::-1], PREDS[::-1])
    np.testing.assert_allclose(swapped.per_study, first.per_study[::-1])


def test_metric_params_miss(cache):
    base, _ = run(registry.load("meteor"), cache)
    other, hit = run(registry.load("meteor:alpha=0.5"), cache)
    assert not hit and other.score != base.score
    lower, hit = run(registry.load("bleu:lowercase=yes"), cache)
    assert not hit


def test_metric_code_misses(cache, tmp_path, monkeypatch):
    metrics = tmp_path / "metrics"
    shutil.copytree(registry.info("rouge_l").folder, metrics / "rouge_l")
    monkeypatch.setenv("REXBENCH_METRICS_DIR", str(metrics))
    source = metrics / "rouge_l" / "rouge_l.py"
    assert_miss_after_hit(lambda: registry.load("rouge_l"), cache,
                          lambda: source.write_text(source.read_text() + "\n# changed\n"))


def test_rexbench_code_misses(cache, monkeypatch):
    def change():
        monkeypatch.setattr(registry, "__version__", registry.__version__ + ".dev-changed")
        registry._package_hash.cache_clear()

    assert_miss_after_hit(lambda: registry.load("rouge_l"), cache, change)
    registry._package_hash.cache_clear()


def test_library_version_misses(cache, monkeypatch):
    import importlib.metadata as md

    real = md.version
    assert_miss_after_hit(lambda: registry.load("rouge_l"), cache,
                          lambda: monkeypatch.setattr(md, "version",
                                                      lambda name: "9.9.9" if name == "rouge-score" else real(name)))


# ---- NLTK resources (METEOR) ------------------------------------------------------------------------

def test_punkt_parameters_miss(cache, monkeypatch):
    real = nltk_resources._punkt_fields

    def change():
        def more_abbreviations():
            fields = real()
            fields["abbrev_types"] = fields["abbrev_types"] | {"lungs"}
            return fields
        monkeypatch.setattr(nltk_resources, "_punkt_fields", more_abbreviations)
        nltk_resources.punkt_sha256.cache_clear()
        nltk_resources._punkt_tokenizer.cache_clear()

    try:
        assert_miss_after_hit(lambda: registry.load("meteor"), cache, change)
    finally:
        nltk_resources.punkt_sha256.cache_clear()
        nltk_resources._punkt_tokenizer.cache_clear()


def test_wordnet_files_miss(tmp_path, monkeypatch):
    real = nltk_resources.wordnet_dir()
    if not nltk_resources.wordnet_ready():
        pytest.skip("WordNet is not set up (rexbench setup)")
    cache_root = tmp_path / "cache"
    shutil.copytree(real, cache_root / "nltk_data" / "corpora" / "wordnet")
    monkeypatch.setenv("REXBENCH_CACHE_DIR", str(cache_root))
    cache = ScoreCache(cache_root)
    lexnames = nltk_resources.wordnet_dir() / "lexnames"
    assert_miss_after_hit(lambda: registry.load("meteor"), cache,
                          lambda: lexnames.write_bytes(lexnames.read_bytes() + b"\n"))


# ---- model files (BERTScore) ------------------------------------------------------------------------

WORDS = ("the lungs are clear without focal consolidation heart size is normal and there no effusion "
         "small left right pleural").split()


def make_tiny_bert(folder: Path) -> Path:
    """A randomly initialised 2-layer BERT with a word-level vocabulary, saved like a hub checkpoint."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizer

    folder.mkdir(parents=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + sorted(set(WORDS)) + ["."]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n")
    tok = BertTokenizer(str(folder / "vocab.txt"))
    tok.model_max_length = 512
    tok.save_pretrained(str(folder))
    config = BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=64)
    torch.manual_seed(0)
    BertModel(config).save_pretrained(str(folder))
    return folder


@pytest.fixture
def tiny_bert(tmp_path) -> Path:
    return make_tiny_bert(tmp_path / "tiny-bert")


def bertscore(folder: Path, **params):
    return lambda: registry.metric_class("bertscore_minilm")(model=str(folder), layer=2, **params)


def _edit_json(path: Path, **changes) -> None:
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data, indent=2))


def test_weights_content_misses_even_with_size_and_mtime_kept(cache, tiny_bert):
    weights = tiny_bert / "model.safetensors"

    def change():
        st = weights.stat()
        data = bytearray(weights.read_bytes())
        header_len = int.from_bytes(data[:8], "little")  # safetensors: u64 header size, JSON header, tensors
        start, end = json.loads(data[8:8 + header_len])["embeddings.word_embeddings.weight"]["data_offsets"]
        data[8 + header_len + (start + end) // 2] ^= 0x40   # one byte of the word embeddings, same size
        weights.write_bytes(bytes(data))
        os.utime(weights, ns=(st.st_atime_ns, st.st_mtime_ns))   # as `cp -p` or `touch -r` would leave it
        assert weights.stat().st_size == st.st_size and weights.stat().st_mtime_ns == st.st_mtime_ns

    old, new = assert_miss_after_hit(bertscore(tiny_bert), cache, change)
    assert not np.array_equal(old.per_study, new.per_study)


def test_tokenizer_config_model_max_length_misses(cache, tiny_bert):
    """The issue's case: model_max_length in tokenizer_config.json truncates the texts."""
    old, new = assert_miss_after_hit(bertscore(tiny_bert), cache,
                                     lambda: _edit_json(tiny_bert / "tokenizer_config.json", model_max_length=5))
    fresh = bertscore(tiny_bert)().compute(references=REFS, predictions=PREDS)
    np.testing.assert_array_equal(new.per_study, fresh.per_study)
    assert not np.array_equal(old.per_study, new.per_study)


def test_model_config_misses(cache, tiny_bert):
    old, new = assert_miss_after_hit(bertscore(tiny_bert), cache,
                                     lambda: _edit_json(tiny_bert / "config.json", layer_norm_eps=0.5))
    assert not np.array_equal(old.per_study, new.per_study)


def test_vocabulary_misses(cache, tiny_bert):
    vocab = tiny_bert / "vocab.txt"
    assert_miss_after_hit(bertscore(tiny_bert), cache,
                          lambda: vocab.write_text(vocab.read_text().replace("\nlungs\n", "\nlung\n")))


def test_rescale_baseline_file_misses(cache, tiny_bert, tmp_path):
    baseline = tmp_path / "baseline.tsv"
    baseline.write_text("LAYER,P,R,F\n0,0.1,0.1,0.1\n1,0.2,0.2,0.2\n2,0.3,0.3,0.3\n")
    factory = bertscore(tiny_bert, rescale=True, baseline=str(baseline))
    old, new = assert_miss_after_hit(factory, cache,
                                     lambda: baseline.write_text(baseline.read_text().replace("2,0.3,0.3,0.3",
                                                                                              "2,0.4,0.4,0.4")))
    assert new.score != old.score


def test_signature_names_the_model_files(tiny_bert):
    fields = bertscore(tiny_bert)().signature_fields()
    assert fields["weights"] == models.weights_sha256(tiny_bert)[:16]
    assert fields["model_files"] == models.tokenizer_sha256(tiny_bert)[:16]
    names = [p.name for p in models.config_files(tiny_bert)]
    assert {"config.json", "tokenizer_config.json", "vocab.txt"} <= set(names) and "model.safetensors" not in names
