"""ReXrank's BLEU column: BLEU-2 per report, then the mean over studies.

CXR-Report-Metric tokenises with `text.lower().replace(".", " .").split(" ")` (empty tokens dropped)
and scores with fast_bleu, weights (1/2, 1/2). fast_bleu equals nltk's sentence_bleu with
SmoothingFunction(epsilon=0.1).method1, which rexbench uses (no compiled dependency).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from rexbench.metric import Metric


def tokenize(text: str) -> list[str]:
    return [tok for tok in text.lower().replace(".", " .").split(" ") if tok]


@dataclass(frozen=True)
class NoParams:
    pass


class Bleu2Rexrank(Metric):
    name = "bleu2_rexrank"
    version = 1
    description = "ReXrank BLEU: sentence BLEU-2 (weights 1/2, 1/2, epsilon-0.1 smoothing) per study, mean over studies."
    Params = NoParams
    pairwise = True

    def environment(self) -> dict[str, str]:
        from importlib.metadata import version  # not `import nltk` (seconds): a cache hit needs no import

        return {"tok": "rexrank", "lower": "yes", "smooth": "floor0.1", "nltk": version("nltk")}

    def pair_rows(self, references, predictions):
        from nltk.translate.bleu_score import SmoothingFunction
        from nltk.translate.bleu_score import sentence_bleu

        smoothing = SmoothingFunction(epsilon=0.1).method1
        tokens: dict[str, list[str]] = {}

        def tok(text: str) -> list[str]:
            if text not in tokens:
                tokens[text] = tokenize(text)
            return tokens[text]

        values = []
        for ref, hyp in zip(references, predictions):
            ref_tokens, hyp_tokens = tok(ref), tok(hyp)
            if not ref_tokens or not hyp_tokens:
                values.append(0.0)  # fast_bleu gives 0 for an empty side; nltk would warn
            else:
                values.append(float(sentence_bleu([ref_tokens], hyp_tokens, weights=(0.5, 0.5),
                                                  smoothing_function=smoothing)))
        return np.array(values, dtype=np.float64)


if "evaluate" in sys.modules:  # loaded through evaluate.load(): also expose an evaluate.Metric
    from rexbench.evaluate_adapter import evaluate_module
    Bleu2RexrankEvaluate = evaluate_module(Bleu2Rexrank)
