"""Expose a rexbench Metric as an `evaluate.Metric`, so `evaluate.load("<path>/metrics/<name>")` works.

Each metric file ends with:

    if "evaluate" in sys.modules:  # loaded through evaluate.load()
        from rexbench.evaluate_adapter import evaluate_module
        EvaluateModule = evaluate_module(<MetricClass>)

so rexbench itself never pays for importing `evaluate`.
"""

from __future__ import annotations

from typing import Any

import evaluate
import datasets

from .metric import Metric


def evaluate_module(metric_cls: type[Metric]) -> type:
    """Build an evaluate.Metric subclass wrapping `metric_cls`. Params are passed to compute()."""

    class _Wrapped(evaluate.Metric):
        def _info(self) -> evaluate.MetricInfo:
            return evaluate.MetricInfo(
                description=metric_cls.description or metric_cls.name,
                citation="",
                inputs_description="predictions: list of generated reports; references: list of reference reports",
                features=datasets.Features({
                    "predictions": datasets.Value("string"),
                    "references": datasets.Value("string"),
                }),
            )

        def _compute(self, predictions: list[str], references: list[str], **params: Any) -> dict[str, Any]:
            out = metric_cls(**params).compute(references=references, predictions=predictions)
            return {metric_cls.name: out.score, "per_study": out.per_study.tolist()}

    _Wrapped.__name__ = f"{metric_cls.__name__}Evaluate"
    _Wrapped.__qualname__ = _Wrapped.__name__
    return _Wrapped
