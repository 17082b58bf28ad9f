"""ROUGE F-measure per study (rouge_score), mean over studies. ROUGE-L by default; rouge1/rouge2/rougeLsum by param."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from rexbench.metric import Metric
from rexbench.metric import mean_output

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

    def environment(self) -> dict[str, str]:
        from importlib.metadata import version

        return {"rouge_score": version("rouge-score")}

    def _compute(self, references, predictions, progress):
        from rouge_score import rouge_scorer

        scorer = rouge_scorer.RougeScorer([self.params.rouge_type], use_stemmer=self.params.use_stemmer)
        values = []
        cache: dict[tuple[str, str], float] = {}
        for ref, hyp in zip(references, predictions):
            key = (ref, hyp)
            if key not in cache:
                cache[key] = getattr(scorer.score(ref, hyp)[self.params.rouge_type], self.params.measure)
            values.append(cache[key])
        if progress:
            progress(len(values))
        return mean_output(values)


if "evaluate" in sys.modules:  # loaded through evaluate.load(): also expose an evaluate.Metric
    from rexbench.evaluate_adapter import evaluate_module
    RougeLEvaluate = evaluate_module(RougeL)
