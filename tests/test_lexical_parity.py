"""Exact agreement (1e-9) of rexbench's lexical metrics with the reference tools, on fixture and real pairs."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from rexbench import registry
from rexbench.nltk_resources import wordnet_ready, write_punkt_tab

from .conftest import SHARED, needs_shared

FIXTURE = [
    ("The lungs are clear. No pleural effusion or pneumothorax.", "Lungs are clear. No effusion or pneumothorax."),
    ("Stable mild cardiomegaly. No edema.", "Mild cardiomegaly, stable. No pulmonary edema."),
    ("A 1.2 cm nodule in the right upper lobe.", "1.2 cm right upper lobe nodule, unchanged."),
    ("Left PICC tip terminates in the distal SVC.", "Left-sided PICC with tip at the cavoatrial junction."),
    ("Épanchement pleural — small left effusion.", "Small left effusion."),
    ("Heart size is normal.", "..."),
    ("No acute cardiopulmonary process.", ""),
    ("Right basilar opacity may represent atelectasis versus pneumonia.", "Right basilar atelectasis."),
]
REFS = [r for r, _ in FIXTURE]
HYPS = [h for _, h in FIXTURE]


def test_bleu_equals_sacrebleu_corpus_bleu():
    import sacrebleu

    for kw in ({}, {"lowercase": True}, {"tokenize": "none"}):
        out = registry.metric_class("bleu")(**kw).compute(references=REFS, predictions=HYPS)
        assert out.score == pytest.approx(sacrebleu.corpus_bleu(HYPS, [REFS], **kw).score / 100, abs=1e-12)
        expected = [sacrebleu.sentence_bleu(h, [r], **kw).score / 100 for r, h in FIXTURE]
        np.testing.assert_allclose(out.per_study, expected, rtol=0, atol=1e-12)


def test_bleu_vectorised_aggregate_matches_sacrebleu_on_resamples():
    import sacrebleu

    metric = registry.load("bleu")
    out = metric.compute(references=REFS, predictions=HYPS)
    assert float(metric.aggregate(out.stats.sum(0))) == pytest.approx(out.score, abs=1e-12)
    rng = np.random.default_rng(0)
    idx = rng.integers(0, len(REFS), size=(40, len(REFS)))
    counts = np.stack([np.bincount(row, minlength=len(REFS)) for row in idx])
    fast = metric.aggregate(counts @ out.stats)
    for row, value in zip(idx, fast):
        ref = sacrebleu.corpus_bleu([HYPS[i] for i in row], [[REFS[i] for i in row]]).score / 100
        assert value == pytest.approx(ref, abs=1e-12)


def test_bleu_aggregate_handles_zero_matches_and_short_hypotheses():
    import sacrebleu

    metric = registry.load("bleu")
    refs, hyps = ["no effusion", "clear lungs today"], ["cardiomegaly", "x"]
    out = metric.compute(references=refs, predictions=hyps)
    assert out.score == sacrebleu.corpus_bleu(hyps, [refs]).score / 100 == 0.0
    assert float(metric.aggregate(out.stats.sum(0))) == 0.0


def test_bleu2_rexrank_equals_nltk_recipe():
    from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

    tok = lambda t: [x for x in t.lower().replace(".", " .").split(" ") if x]
    sm = SmoothingFunction(epsilon=0.1).method1
    expected = [sentence_bleu([tok(r)], tok(h), weights=(0.5, 0.5), smoothing_function=sm) if tok(h) else 0.0
                for r, h in FIXTURE]
    out = registry.load("bleu2_rexrank").compute(references=REFS, predictions=HYPS)
    np.testing.assert_allclose(out.per_study, expected, rtol=0, atol=1e-12)
    assert out.per_study[6] == 0.0  # empty prediction


@pytest.mark.parametrize("rouge_type", ["rougeL", "rouge1", "rouge2", "rougeLsum"])
@pytest.mark.parametrize("stem", [False, True])
def test_rouge_equals_rouge_score(rouge_type, stem):
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer([rouge_type], use_stemmer=stem)
    expected = [scorer.score(r, h)[rouge_type].fmeasure for r, h in FIXTURE]
    out = registry.metric_class("rouge_l")(rouge_type=rouge_type, use_stemmer=stem).compute(references=REFS, predictions=HYPS)
    np.testing.assert_allclose(out.per_study, expected, rtol=0, atol=1e-12)
    assert out.score == pytest.approx(float(np.mean(expected)), abs=1e-12)


def test_word_tokenize_equals_nltk_with_punkt_tab_files(tmp_path, monkeypatch):
    import nltk

    from rexbench.nltk_resources import word_tokenize

    write_punkt_tab(tmp_path)
    monkeypatch.setattr(nltk.data, "path", [str(tmp_path)] + list(nltk.data.path))
    from nltk.tokenize import _get_punkt_tokenizer

    _get_punkt_tokenizer.cache_clear()
    texts = REFS + HYPS + ["Dr. Smith noted a 2.5 cm mass. No change vs. 01/02/2023.", "e.g. PICC; i.e. line."]
    for text in texts:
        assert word_tokenize(text) == nltk.word_tokenize(text)
    _get_punkt_tokenizer.cache_clear()


@pytest.mark.skipif(not wordnet_ready(), reason="WordNet not set up: run `rexbench setup`")
def test_meteor_equals_nltk(tmp_path, monkeypatch):
    import nltk
    from nltk.corpus.reader.wordnet import WordNetCorpusReader
    from nltk.translate.meteor_score import single_meteor_score

    from rexbench.nltk_resources import nltk_data_dir, wordnet_dir

    write_punkt_tab(tmp_path)
    monkeypatch.setattr(nltk.data, "path", [str(tmp_path), str(nltk_data_dir())] + list(nltk.data.path))
    wn = WordNetCorpusReader(str(wordnet_dir()), None)
    expected = [single_meteor_score(nltk.word_tokenize(r), nltk.word_tokenize(h), wordnet=wn) for r, h in FIXTURE]
    out = registry.load("meteor").compute(references=REFS, predictions=HYPS)
    np.testing.assert_allclose(out.per_study, expected, rtol=0, atol=1e-12)


def test_meteor_not_ready_names_the_fix(monkeypatch, tmp_path):
    monkeypatch.setenv("REXBENCH_CACHE_DIR", str(tmp_path / "empty"))
    msg = registry.load("meteor").readiness()
    assert msg and "rexbench setup" in msg and str(tmp_path) in msg


@pytest.mark.shared
@needs_shared
def test_bleu2_rexrank_matches_published_cxr_report_metric_scores():
    """MoERad's own CXR-Report-Metric run on IU X-ray (590 real pairs): per-study bleu_score."""
    folder = SHARED / "data/public_reports/moerad_iu_xray"
    read = lambda name: list(csv.DictReader(open(folder / name, encoding="utf-8")))
    gts, preds, scores = read("gts.csv"), read("preds.csv"), read("report_scores.csv")
    assert len(gts) == len(preds) == len(scores) == 590
    out = registry.load("bleu2_rexrank").compute(references=[r["report"] for r in gts],
                                                 predictions=[r["report"] for r in preds])
    published = np.array([float(r["bleu_score"]) for r in scores])
    np.testing.assert_allclose(out.per_study, published, rtol=0, atol=1e-9)


@pytest.mark.shared
@needs_shared
def test_radeval_regression_values_for_rouge():
    """RadEval's pinned per-sample ROUGE values on its 5-pair fixture (rouge_score, no stemming)."""
    folder = SHARED / "data/public_reports/radeval_tests"
    samples = json.loads((folder / "regression_samples.json").read_text())
    expected = json.loads((folder / "expected_scores_cpu.json").read_text())["per_sample"]
    for rtype in ("rouge1", "rouge2", "rougeL"):
        out = registry.metric_class("rouge_l")(rouge_type=rtype).compute(references=samples["REFS"],
                                                                         predictions=samples["HYPS"])
        np.testing.assert_allclose(out.per_study, expected[rtype], rtol=0, atol=1e-9)
