"""The fast lexical paths give the reference tools' numbers exactly, and the process pool changes nothing.

* bleu2_rexrank and rouge_l (each text tokenised once; rougeL's LCS bit-parallel), meteor (memoised stems and
  synsets, sentence-level tokenisation memo, lighter WordNet load) against nltk / rouge_score run pair by
  pair, on the real public pairs (902 pairs of ../shared) and edge cases: exact equality, not a tolerance.
* rexbench.parallel: distinct pairs, chunking, and jobs=2 bit-identical to jobs=1.
"""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from rexbench import parallel, registry
from rexbench.nltk_resources import wordnet_ready

from .conftest import SHARED, needs_shared

PAIRS_FILE = SHARED / "data" / "public_reports" / "pairs.jsonl"
EDGE = [
    ("The lungs are clear.", "The lungs are clear."),
    ("No effusion.", ""), ("", "No effusion."), ("...", "..."), (".", "clear"),
    ("a a a a b", "a a a"), ("heart heart size", "heart"), ("Left-sided PICC, tip at the SVC.", "left picc tip svc"),
    ("Épanchement pleural — small left effusion.", "Small left effusion. Épanchement."),
    ("no no no", "yes yes yes yes yes"), ("x y", "y x"), ("1.2 cm nodule", "1.2cm nodule."),
]


def real_pairs() -> list[tuple[str, str]]:
    pairs = [(rec["reference"], rec["prediction"]) for rec in map(json.loads, PAIRS_FILE.read_text().splitlines())]
    return pairs + EDGE


def scrambled(pairs, seed=0, n=300):
    """Predictions from other studies' sentences: low-overlap pairs, as weak systems produce."""
    rng = random.Random(seed)
    sents = [s for _, h in pairs for s in h.split(". ") if s]
    return [(r, ". ".join(rng.sample(sents, 3))) for r, _ in rng.sample(pairs, min(n, len(pairs)))]


def _split(pairs):
    return [r for r, _ in pairs], [h for _, h in pairs]


def _check_bleu2(pairs):
    from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

    tokenize = lambda t: [x for x in t.lower().replace(".", " .").split(" ") if x]  # CXR-Report-Metric's
    sm = SmoothingFunction(epsilon=0.1).method1
    expected = [float(sentence_bleu([tokenize(r)], tokenize(h), weights=(0.5, 0.5), smoothing_function=sm))
                if tokenize(r) and tokenize(h) else 0.0 for r, h in pairs]
    refs, hyps = _split(pairs)
    got = registry.load("bleu2_rexrank").compute(references=refs, predictions=hyps).per_study
    assert got.tolist() == expected  # bit for bit


def _check_rouge(pairs):
    from rouge_score import rouge_scorer

    refs, hyps = _split(pairs)
    for rtype in ("rougeL", "rouge1", "rouge2", "rougeLsum"):
        for stem in (False, True):
            scorer = rouge_scorer.RougeScorer([rtype], use_stemmer=stem)
            for measure in ("fmeasure", "precision", "recall"):
                expected = [getattr(scorer.score(r, h)[rtype], measure) for r, h in pairs]
                metric = registry.metric_class("rouge_l")(rouge_type=rtype, use_stemmer=stem, measure=measure)
                assert metric.compute(references=refs, predictions=hyps).per_study.tolist() == expected, (rtype, stem)


def _stock_meteor(pairs):
    import warnings

    import nltk
    from nltk.corpus.reader.wordnet import WordNetCorpusReader
    from nltk.translate.meteor_score import single_meteor_score

    from rexbench import nltk_resources

    with nltk_resources.nltk_root(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wn = WordNetCorpusReader(str(nltk_resources.wordnet_dir()), None)
        from nltk.tokenize import NLTKWordTokenizer

        words = NLTKWordTokenizer()
        punkt = nltk_resources._punkt_tokenizer()
        tok = lambda t: [w for s in punkt.tokenize(t) for w in words.tokenize(s)]  # nltk.word_tokenize, no files
        return [single_meteor_score(tok(r), tok(h), wordnet=wn) for r, h in pairs]


def test_bleu2_rexrank_is_nltk_bit_for_bit_on_edge_cases():
    _check_bleu2(EDGE)


def test_rouge_is_rouge_score_bit_for_bit_on_edge_cases():
    _check_rouge(EDGE)


@pytest.mark.shared
@needs_shared
def test_bleu2_rexrank_is_nltk_bit_for_bit_on_real_pairs():
    pairs = real_pairs()
    _check_bleu2(pairs + scrambled(pairs))


@pytest.mark.shared
@needs_shared
def test_rouge_is_rouge_score_bit_for_bit_on_real_pairs():
    pairs = real_pairs()[:300]
    _check_rouge(pairs + scrambled(pairs, n=100))


@pytest.mark.slow
@pytest.mark.shared
@needs_shared
@pytest.mark.skipif(not wordnet_ready(), reason="WordNet not set up: run `rexbench setup`")
def test_meteor_is_nltk_with_stock_wordnet_bit_for_bit_on_real_pairs():
    pairs = real_pairs()[:400] + EDGE
    refs, hyps = _split(pairs)
    got = registry.load("meteor").compute(references=refs, predictions=hyps).per_study
    assert got.tolist() == _stock_meteor(pairs)


@pytest.mark.slow
@pytest.mark.skipif(not wordnet_ready(), reason="WordNet not set up: run `rexbench setup`")
def test_fast_wordnet_loads_the_same_tables_as_nltk():
    import warnings

    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    from rexbench import nltk_resources

    fast = nltk_resources.wordnet()
    with nltk_resources.nltk_root(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stock = WordNetCorpusReader(str(nltk_resources.wordnet_dir()), None)
        assert dict(fast._lemma_pos_offset_map) == dict(stock._lemma_pos_offset_map)
        assert fast._exception_map == stock._exception_map
        assert fast.satellite_offsets == stock.satellite_offsets and fast._lexnames == stock._lexnames
        for word in ("lungs", "clear", "opacity", "effusion", "stable", "enlarged", "saw", "better", "leaves"):
            assert ([(s.name(), [x.name() for x in s.lemmas()]) for s in fast.synsets(word)]
                    == [(s.name(), [x.name() for x in s.lemmas()]) for s in stock.synsets(word)])


def test_word_tokenize_memo_matches_nltk_sentence_by_sentence():
    from nltk.tokenize import NLTKWordTokenizer

    from rexbench import nltk_resources

    words = NLTKWordTokenizer()
    punkt = nltk_resources._punkt_tokenizer()
    texts = [r for r, _ in EDGE] + ["Dr. Smith saw it. It's 2.5 cm. \"Quoted,\" he said.", "No change. No change."] * 2
    for text in texts:
        assert nltk_resources.word_tokenize(text) == [w for s in punkt.tokenize(text) for w in words.tokenize(s)]


# ---- rexbench.parallel ----------------------------------------------------------------------------

def test_distinct_pairs_and_chunks():
    refs, preds, inverse = parallel.distinct_pairs(["a", "b", "a", "a"], ["x", "y", "x", "z"])
    assert (refs, preds, inverse.tolist()) == (["a", "b", "a"], ["x", "y", "z"], [0, 1, 0, 2])
    bounds = parallel.chunk_bounds(10_001, 2)
    assert bounds[0][0] == 0 and bounds[-1][1] == 10_001
    assert all(a == b for (_, a), (b, _) in zip(bounds, bounds[1:]))
    assert len(bounds) == 16 and max(b - a for a, b in bounds) <= parallel.MAX_CHUNK


def test_repeated_pairs_are_scored_once_and_progress_counts_every_pair(monkeypatch):
    metric = registry.load("bleu2_rexrank")
    seen = []
    original = type(metric).pair_rows
    monkeypatch.setattr(type(metric), "pair_rows", lambda self, r, p: seen.extend(zip(r, p)) or original(self, r, p))
    refs, hyps = ["a b c", "d e f", "a b c"] * 50, ["a b", "d e", "a b"] * 50
    ticks = []
    out = metric.compute(references=refs, predictions=hyps, progress=ticks.append)
    assert sorted(seen) == [("a b c", "a b"), ("d e f", "d e")]
    assert sum(ticks) == 150 and out.per_study.shape == (150,)
    assert out.per_study.tolist() == [out.per_study[0], out.per_study[1], out.per_study[0]] * 50


def test_jobs_resolution():
    assert parallel.resolve_jobs(1) == 1 and parallel.resolve_jobs(3) == 3
    assert 1 <= parallel.resolve_jobs(None) == parallel.resolve_jobs(0) <= parallel.MAX_DEFAULT_JOBS
    with pytest.raises(Exception, match="--jobs -1"):
        parallel.resolve_jobs(-1)


@pytest.mark.slow
@pytest.mark.skipif(not wordnet_ready(), reason="WordNet not set up: run `rexbench setup`")
def test_two_processes_give_bit_identical_outputs(monkeypatch):
    rng = random.Random(1)
    words = "lungs clear no effusion pneumothorax heart size normal stable mild cardiomegaly opacity left right".split()
    refs = [" ".join(rng.choices(words, k=12)) + "." for _ in range(600)]
    hyps = [" ".join(rng.choices(words, k=10)) + "." for _ in range(600)]
    monkeypatch.setattr(parallel, "MIN_POOL_PAIRS", 100)
    for spec in ("bleu2_rexrank", "bleu", "rouge_l", "meteor"):
        metric = registry.load(spec)
        alone = metric.compute(references=refs, predictions=hyps)
        ticks = []
        with parallel.session(jobs=2):
            pooled = metric.compute(references=refs, predictions=hyps, progress=ticks.append)
        assert len(ticks) > 1 and sum(ticks) == 600
        assert pooled.per_study.tobytes() == alone.per_study.tobytes(), spec
        assert pooled.score == alone.score, spec
        if alone.stats is not None:
            assert pooled.stats.tobytes() == alone.stats.tobytes()


def test_bit_parallel_lcs_equals_rouge_score_table():
    from rouge_score.rouge_scorer import _lcs_table

    lcs_length = registry.metric_class("rouge_l").__module__  # the metric module, loaded by the registry
    import sys

    lcs_length = sys.modules[lcs_length].lcs_length
    rng = random.Random(7)
    for _ in range(3000):
        alphabet = "abcdefgh"[:rng.randint(1, 8)]
        a = rng.choices(alphabet, k=rng.randint(0, 90))
        b = rng.choices(alphabet, k=rng.randint(0, 90))
        expected = _lcs_table(a, b)[-1][-1] if a and b else 0
        assert lcs_length(a, b) == expected, (a, b)
