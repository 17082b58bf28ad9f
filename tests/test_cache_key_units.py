"""The score-cache key and the model identity hashes, ingredient by ingredient, without loading a model.

tests/test_cache_key.py proves end to end (tiny BERT, METEOR, WordNet) that a changed ingredient misses
the cache; these tests pin the functions that build the key (cache.cache_key, scoring.score_key,
scoring.compute_cached) and the content hashes of model folders (models.file_sha256 ... model_sha256)
against values computed here with hashlib, so they are fast enough to run for every mutant
(`make mutation`).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest

from rexbench import models, registry, scoring
from rexbench.cache import ScoreCache, cache_key, encode_entry
from rexbench.errors import MetricNotReady
from rexbench.metric import DerivedMetric, mean_output
from rexbench.models import ModelSpec

REFS = ["the lungs are clear", "heart size is normal"]
PREDS = ["lungs clear", "normal heart"]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---- cache.cache_key ------------------------------------------------------------------------------

def test_cache_key_is_the_sha256_of_canonical_ascii_json():
    # Written out by hand: keys sorted, ", " / ": " separators, non-ASCII escaped.
    assert cache_key(b=1, a="\u00e9") == sha(b'{"a": "\\u00e9", "b": 1}')
    assert cache_key(a="\u00e9", b=1) == cache_key(b=1, a="\u00e9")      # argument order is irrelevant
    assert cache_key(a="x") != cache_key(a="y") != cache_key(b="x")


# ---- scoring.score_key ------------------------------------------------------------------------------

@pytest.fixture
def code(monkeypatch):
    """registry.code_hash replaced by a per-metric table the test can change."""
    table: dict[str, str] = {}
    monkeypatch.setattr(registry, "code_hash", lambda name: table.setdefault(name, f"code of {name}"))
    return table


def test_score_key_holds_spec_fields_code_and_both_text_lists(code):
    rouge = registry.load("rouge_l")
    key = scoring.score_key(rouge, REFS, PREDS)
    io_sha = scoring.sha256_texts
    expected = cache_key(spec="rouge_l", fields=rouge.signature_fields(), code="code of rouge_l",
                         refs=io_sha(REFS), preds=io_sha(PREDS))
    assert key == expected
    others = {
        "references": scoring.score_key(rouge, [REFS[0], REFS[1] + "."], PREDS),
        "predictions": scoring.score_key(rouge, REFS, [PREDS[0], "normal heart."]),
        "references and predictions swapped": scoring.score_key(rouge, PREDS, REFS),
        "pair order": scoring.score_key(rouge, REFS[::-1], PREDS[::-1]),
        "params": scoring.score_key(registry.load("rouge_l:rouge_type=rouge1"), REFS, PREDS),
    }
    code["rouge_l"] = "changed code"
    others["code"] = scoring.score_key(rouge, REFS, PREDS)
    assert len(set(others.values()) | {key}) == len(others) + 1, others


def test_score_key_holds_the_signature_fields(code, monkeypatch):
    rouge = registry.load("rouge_l")
    key = scoring.score_key(rouge, REFS, PREDS)
    fields = rouge.signature_fields()
    monkeypatch.setattr(type(rouge), "signature_fields", lambda self: {**fields, "rouge-score": "9.9.9"})
    assert scoring.score_key(rouge, REFS, PREDS) != key


class _Difference(DerivedMetric):
    name = "difference_for_key_test"

    def input_specs(self):
        return ("rouge_l", "bleu")

    def combine(self, inputs):
        return mean_output(inputs["rouge_l"] - inputs["bleu"])


def test_derived_key_holds_its_inputs_keys(code):
    derived = _Difference()
    key = scoring.score_key(derived, REFS, PREDS)
    inputs = [scoring.score_key(registry.load(s), REFS, PREDS) for s in ("rouge_l", "bleu")]
    assert key == cache_key(spec=derived.spec, fields=derived.signature_fields(), code="code of difference_for_key_test",
                            refs=scoring.sha256_texts(REFS), preds=scoring.sha256_texts(PREDS), inputs=inputs)
    code["bleu"] = "changed input code"      # only an input's code changes: its fields do not
    assert scoring.score_key(_Difference(), REFS, PREDS) != key
    # a plain metric's key has no inputs part
    rouge = registry.load("rouge_l")
    assert scoring.score_key(rouge, REFS, PREDS) == inputs[0]


# ---- scoring.compute_cached / combine_cached --------------------------------------------------------

@pytest.fixture
def counted(monkeypatch):
    calls: list[int] = []

    class Local:
        def compute(self, metric, references, predictions, advance):
            calls.append(len(references))
            return metric.compute(references=references, predictions=predictions)

    monkeypatch.setattr(scoring.executors, "current", lambda: Local())
    return calls


def test_compute_cached_stores_under_the_score_key_and_hits(tmp_path, counted):
    cache = ScoreCache(tmp_path)
    rouge = registry.load("rouge_l")
    first, hit = scoring.compute_cached(rouge, REFS, PREDS, cache, show_progress=False)
    assert not hit and counted == [2]
    assert cache._path(scoring.score_key(rouge, REFS, PREDS)).is_file()
    again, hit = scoring.compute_cached(rouge, REFS, PREDS, cache, show_progress=False)
    assert hit and counted == [2]
    np.testing.assert_array_equal(again.per_study, first.per_study)
    assert again.score == first.score
    _, hit = scoring.compute_cached(rouge, REFS, PREDS[::-1], cache, show_progress=False)
    assert not hit and counted == [2, 2]


def test_compute_cached_refuses_an_entry_of_another_length(tmp_path, counted, capsys):
    """An entry whose checksum is right but which holds 3 studies is not used for 2 (shape check on get)."""
    cache = ScoreCache(tmp_path)
    rouge = registry.load("rouge_l")
    key = scoring.score_key(rouge, REFS, PREDS)
    path = cache._path(key)
    path.parent.mkdir(parents=True)
    path.write_bytes(encode_entry(key, mean_output([0.5, 0.5, 0.5])))
    out, hit = scoring.compute_cached(rouge, REFS, PREDS, cache, show_progress=False)
    assert not hit and out.per_study.shape == (2,) and counted == [2]
    assert "expected 2 studies" in capsys.readouterr().err


def test_combine_cached_stores_and_hits(tmp_path, code):
    cache = ScoreCache(tmp_path)
    derived = _Difference()
    done = {"rouge_l": (mean_output([0.5, 0.25]), False), "bleu": (mean_output([0.125, 0.0]), False)}
    out, hit = scoring.combine_cached(derived, done, REFS, PREDS, cache)
    assert not hit
    np.testing.assert_array_equal(out.per_study, [0.375, 0.25])
    assert cache._path(scoring.score_key(derived, REFS, PREDS)).is_file()
    done = {"rouge_l": (mean_output([9.0, 9.0]), False), "bleu": (mean_output([0.0, 0.0]), False)}
    again, hit = scoring.combine_cached(derived, done, REFS, PREDS, cache)   # a hit: inputs not combined again
    assert hit
    np.testing.assert_array_equal(again.per_study, [0.375, 0.25])


def test_combine_cached_refuses_an_entry_of_another_length(tmp_path, code, capsys):
    cache = ScoreCache(tmp_path)
    derived = _Difference()
    key = scoring.score_key(derived, REFS, PREDS)
    cache._path(key).parent.mkdir(parents=True)
    cache._path(key).write_bytes(encode_entry(key, mean_output([0.5, 0.5, 0.5])))
    done = {"rouge_l": (mean_output([0.5, 0.25]), False), "bleu": (mean_output([0.125, 0.0]), False)}
    out, hit = scoring.combine_cached(derived, done, REFS, PREDS, cache)
    assert not hit
    np.testing.assert_array_equal(out.per_study, [0.375, 0.25])
    assert "expected 2 studies" in capsys.readouterr().err


# ---- models: content hashes ------------------------------------------------------------------------

def test_file_sha256_is_the_content_hash_and_sees_a_rewrite_with_size_and_mtime_kept(tmp_path):
    path = tmp_path / "weights.bin"
    path.write_bytes(b"A" * 64)
    st = path.stat()
    assert models.file_sha256(path) == sha(b"A" * 64)
    path.write_bytes(b"B" * 64)                                      # same inode and size
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))              # mtime restored (cp -p, touch -r)
    assert models.file_sha256(path) == sha(b"B" * 64)


def test_file_sha256_follows_a_symlink_to_its_target(tmp_path):
    target = tmp_path / "blob"
    target.write_bytes(b"weights")
    link = tmp_path / "model.safetensors"
    link.symlink_to(target)
    assert models.file_sha256(link) == sha(b"weights")


def test_weights_sha256_single_and_sharded(tmp_path):
    single = tmp_path / "single"
    single.mkdir()
    (single / "model.safetensors").write_bytes(b"w")
    (single / "pytorch_model.bin").write_bytes(b"other")             # safetensors preferred
    assert models.weights_sha256(single) == sha(b"w")

    sharded = tmp_path / "sharded"
    sharded.mkdir()
    shards = {"model-00002-of-00002.safetensors": b"two", "model-00001-of-00002.safetensors": b"one"}
    for name, data in shards.items():
        (sharded / name).write_bytes(data)
    (sharded / "model.safetensors.index.json").write_text(json.dumps(
        {"weight_map": {"a": "model-00002-of-00002.safetensors", "b": "model-00001-of-00002.safetensors",
                        "c": "model-00001-of-00002.safetensors"}}))
    lines = "".join(f"{n}:{sha(shards[n])}\n" for n in sorted(shards))
    assert models.weights_sha256(sharded) == sha(lines.encode())

    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(MetricNotReady) as info:
        models.weights_sha256(empty)
    assert str(info.value) == f"{empty} holds no weights file (model.safetensors or pytorch_model.bin)"


def test_weight_files_index_with_a_missing_or_unreadable_shard_is_no_weights(tmp_path):
    (tmp_path / "model-1.bin").write_bytes(b"1")
    index = tmp_path / "pytorch_model.bin.index.json"
    index.write_text(json.dumps({"weight_map": {"a": "model-1.bin", "b": "model-2.bin"}}))
    assert models.weight_files(tmp_path) == []
    (tmp_path / "model-2.bin").write_bytes(b"2")
    assert models.weight_files(tmp_path) == [tmp_path / "model-1.bin", tmp_path / "model-2.bin"]
    index.write_text("{not json")
    assert models.weight_files(tmp_path) == []
    index.write_text(json.dumps({"no weight_map": 1}))
    assert models.weight_files(tmp_path) == []


def _model_folder(folder: Path) -> Path:
    folder.mkdir()
    for name, data in {"config.json": b"{}", "tokenizer_config.json": b'{"model_max_length": 512}',
                       "vocab.txt": b"[PAD]\nlungs\n", "spiece.model": b"sp", "model.safetensors": b"w",
                       "README.md": b"readme", ".hidden.json": b"x", "merges.txt": b"#"}.items():
        (folder / name).write_bytes(data)
    (folder / "sub.json").mkdir()                                     # a folder named like a config file
    return folder


def test_config_files_are_the_top_level_json_txt_model_files(tmp_path):
    folder = _model_folder(tmp_path / "m")
    names = [p.name for p in models.config_files(folder)]
    assert names == ["config.json", "merges.txt", "spiece.model", "tokenizer_config.json", "vocab.txt"]


def test_config_files_leave_out_weights_named_like_config(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    (folder / "model.safetensors.index.json").write_text(json.dumps({"weight_map": {"a": "w.model"}}))
    (folder / "w.model").write_bytes(b"weights")
    assert [p.name for p in models.config_files(folder)] == ["config.json", "model.safetensors.index.json"]


def test_tokenizer_sha256_covers_each_file_name_and_content(tmp_path):
    folder = _model_folder(tmp_path / "m")
    expected = hashlib.sha256()
    for path in sorted(p for p in folder.iterdir() if p.name in
                       ("config.json", "merges.txt", "spiece.model", "tokenizer_config.json", "vocab.txt")):
        expected.update(path.name.encode() + b"\0" + sha(path.read_bytes()).encode() + b"\0")
    base = models.tokenizer_sha256(folder)
    assert base == expected.hexdigest()
    (folder / "tokenizer_config.json").write_bytes(b'{"model_max_length": 128}')
    changed = models.tokenizer_sha256(folder)
    assert changed != base
    (folder / "tokenizer_config.json").rename(folder / "tokenizer_config2.json")   # same content, new name
    assert models.tokenizer_sha256(folder) not in (base, changed)


def test_model_identity_combines_weights_and_tokenizer(tmp_path):
    folder = _model_folder(tmp_path / "m")
    identity = models.model_identity(folder)
    assert identity == sha(f"{models.weights_sha256(folder)}|{models.tokenizer_sha256(folder)}".encode())
    (folder / "model.safetensors").write_bytes(b"other weights")
    moved = models.model_identity(folder)
    (folder / "vocab.txt").write_bytes(b"[PAD]\nheart\n")
    assert len({identity, moved, models.model_identity(folder)}) == 3


def test_model_sha256_of_checkpoint_weightless_and_transformers_folders(tmp_path):
    folder = tmp_path / "radgraph"
    (folder / "radgraph" / "vocabulary").mkdir(parents=True)
    files = {"radgraph/weights.th": b"w", "radgraph/config.json": b"{}", "radgraph/vocabulary/labels.txt": b"a",
             "radgraph/vocabulary/tokens.txt": b"b", "radgraph/other.txt": b"not identifying"}
    for rel, data in files.items():
        (folder / rel).write_bytes(data)
    spec = models.MODELS["radgraph"]
    ident = sorted(rel for rel in files if rel != "radgraph/other.txt")
    lines = "".join(f"{rel}:{sha(files[rel])}\n" for rel in ident)
    assert models.model_sha256(folder, spec) == sha(lines.encode())

    one = ModelSpec("one", "", (), (), weights=("ckpt.pth",), required=("ckpt.pth",))
    (folder / "ckpt.pth").write_bytes(b"checkpoint")
    assert models.model_sha256(folder, one) == sha(b"checkpoint")      # one file: its own hash

    bert = _model_folder(tmp_path / "bert")
    assert models.model_sha256(bert, models.MODELS["bert-base-uncased"]) == models.tokenizer_sha256(bert)
    assert models.model_sha256(bert, None) == sha(b"w")
    assert models.model_sha256(bert, models.MODELS["distilroberta-base"]) == sha(b"w")
