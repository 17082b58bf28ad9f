"""ROUGE F-measure per study (rouge_score), mean over studies. ROUGE-L by default; rouge1/rouge2/rougeLsum by param."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from rexbench.metric import Metric

TYPES = ("rougeL", "rouge1", "rouge2", "rougeLsum")


@dataclass(frozen=True)
class RougeParams:
    rouge_type: str = "rougeL"
    use_stemmer: bool = False
    measure: str = "fmeasure"   # or precision / recall

    def __post_init__(self):
        from rexbench.errors import UnknownMetric

        if self.rouge_type not in TYPES:
            raise UnknownMetric(f"rouge_l: rouge_type must be one of {', '.join(TYPES)}, got {self.rouge_type!r}")
        if self.measure not in ("fmeasure", "precision", "recall"):
            raise UnknownMetric(f"rouge_l: measure must be fmeasure, precision or recall, got {self.measure!r}")


class RougeL(Metric):
    name = "rouge_l"
    version = 1
    description = "ROUGE-L F-measure per study (Google rouge_score), mean over studies."
    Params = RougeParams
    param_keys = {"rouge_type": "type", "use_stemmer": "stem"}
    pairwise = True

    def environment(self) -> dict[str, str]:
        from importlib.metadata import version

        return {"rouge_score": version("rouge-score")}

    def pair_rows(self, references, predictions):
        """rouge_score's RougeScorer.score, with each distinct text tokenised once (same tokenizer, same
        scoring functions, rougeL's LCS length bit-parallel; rougeLsum, which splits into sentences first,
        goes through score() as is)."""
        from rouge_score import rouge_scorer

        rouge_type, measure = self.params.rouge_type, self.params.measure
        scorer = rouge_scorer.RougeScorer([rouge_type], use_stemmer=self.params.use_stemmer)
        if rouge_type == "rougeLsum":
            return np.array([getattr(scorer.score(r, h)[rouge_type], measure) for r, h in zip(references, predictions)],
                            dtype=np.float64)
        tokens: dict[str, list[str]] = {}

        def tok(text: str) -> list[str]:
            if text not in tokens:
                tokens[text] = scorer._tokenizer.tokenize(text)
            return tokens[text]

        if rouge_type == "rougeL":
            score = score_lcs
        else:
            n = int(rouge_type[5:])

            def score(target, prediction):
                return rouge_scorer._score_ngrams(rouge_scorer._create_ngrams(target, n),
                                                  rouge_scorer._create_ngrams(prediction, n))
        return np.array([getattr(score(tok(r), tok(h)), measure) for r, h in zip(references, predictions)],
                        dtype=np.float64)

def lcs_length(a: list[str], b: list[str]) -> int:
    """Length of the longest common subsequence of two token lists: the integer rouge_score's _lcs_table
    ends with, computed bit-parallel (Allison and Dix 1986; Hyyro 2004: one big-int step per token of
    `b`, not a len(a) x len(b) table of Python ints)."""
    if not a or not b:
        return 0
    positions: dict[str, int] = {}
    for i, tok in enumerate(a):
        positions[tok] = positions.get(tok, 0) | (1 << i)
    full = (1 << len(a)) - 1
    v = full
    for tok in b:
        match = positions.get(tok)
        if match:
            u = v & match
            v = ((v + u) | (v - u)) & full
    return len(a) - v.bit_count()


def score_lcs(target_tokens: list[str], prediction_tokens: list[str]):
    """rouge_score.rouge_scorer._score_lcs with the LCS length from lcs_length (same Score, same floats)."""
    from rouge_score import scoring

    if not target_tokens or not prediction_tokens:
        return scoring.Score(precision=0, recall=0, fmeasure=0)
    lcs = lcs_length(target_tokens, prediction_tokens)
    precision = lcs / len(prediction_tokens)
    recall = lcs / len(target_tokens)
    return scoring.Score(precision=precision, recall=recall, fmeasure=scoring.fmeasure(precision, recall))


if "evaluate" in sys.modules:  # loaded through evaluate.load(): also expose an evaluate.Metric
    from rexbench.evaluate_adapter import evaluate_module
    RougeLEvaluate = evaluate_module(RougeL)
