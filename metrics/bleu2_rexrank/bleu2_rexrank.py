"""ReXrank's BLEU column: BLEU-2 per report, then the mean over studies.

CXR-Report-Metric tokenises with `text.lower().replace(".", " .").split(" ")` (empty tokens dropped)
and scores with fast_bleu, weights (1/2, 1/2). fast_bleu equals nltk's sentence_bleu with
SmoothingFunction(epsilon=0.1).method1, which rexbench uses (no compiled dependency).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from rexbench.metric import Metric
from rexbench.metric import mean_output


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

    def environment(self) -> dict[str, str]:
        import nltk

        return {"tok": "rexrank", "lower": "yes", "smooth": "floor0.1", "nltk": nltk.__version__}

    def _compute(self, references, predictions, progress):
        from nltk.translate.bleu_score import SmoothingFunction
        from nltk.translate.bleu_score import sentence_bleu

        smoothing = SmoothingFunction(epsilon=0.1).method1
        values = []
        for i, (ref, hyp) in enumerate(zip(references, predictions), start=1):
            ref_tokens, hyp_tokens = tokenize(ref), tokenize(hyp)
            if not ref_tokens or not hyp_tokens:
                values.append(0.0)  # fast_bleu gives 0 for an empty side; nltk would warn
            else:
                values.append(float(sentence_bleu([ref_tokens], hyp_tokens, weights=(0.5, 0.5),
                                                  smoothing_function=smoothing)))
            if progress and i % 1000 == 0:
                progress(1000)
        if progress:
            progress(len(values) % 1000)
        return mean_output(values)


if "evaluate" in sys.modules:  # loaded through evaluate.load(): also expose an evaluate.Metric
    from rexbench.evaluate_adapter import evaluate_module
    Bleu2RexrankEvaluate = evaluate_module(Bleu2Rexrank)
