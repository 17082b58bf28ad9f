"""RadCliQ-v1 (CXR-Report-Metric's `radcliq-v1.pkl`): a linear model over four standardized per-study
metrics, lower is better. A derived metric: rexbench computes its inputs (sharing them with any that were
requested too) and this file only combines their per-study values.

CXR-Report-Metric: `StandardScaler.transform` then `LinearRegression.predict` on the columns
[radgraph_combined, bertscore, semb_score, bleu_score]; the printed parameters are below (METRICS.md).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from rexbench.metric import DerivedMetric, MetricOutput

# The inputs, in the column order of the fitted model.
INPUTS = ("radgraph_combined", "bertscore", "semb_score", "bleu2_rexrank")
MEAN = np.array([0.53792312, 0.61757256, 0.76479421, 0.44738335])
SCALE = np.array([0.30282584, 0.22430938, 0.25394391, 0.29892717])
COEF = np.array([-0.37708368, -0.37030010, -0.25261622, 4.3e-12])
INTERCEPT = 2.5e-10
# The inputs' own ranges (BertScore rescaled and cosines can go below 0) give the output's range.
INPUT_RANGES = np.array([[0.0, 1.0], [-1.0, 1.0], [-1.0, 1.0], [0.0, 1.0]])
PRINTED_DECIMALS = 8   # the parameters above are printed to 8 decimals: their rounding bounds the error


@dataclass(frozen=True)
class NoParams:
    pass


def radcliq_v1(components: np.ndarray) -> np.ndarray:
    """Raw RadCliQ-v1 per row of an (n, 4) array in INPUTS order."""
    return ((np.asarray(components, dtype=np.float64) - MEAN) / SCALE) @ COEF + INTERCEPT


def rounding_bound(components: np.ndarray) -> np.ndarray:
    """Per-row bound on |ours - CXR-Report-Metric's| from rounding each printed parameter by half a unit
    in its last decimal (first-order in each of mean, scale, coefficient and intercept)."""
    x = np.asarray(components, dtype=np.float64)
    half = 0.5 * 10.0 ** -PRINTED_DECIMALS
    centred = np.abs(x - MEAN) + half
    return (centred / SCALE * half + np.abs(COEF) / SCALE * half
            + np.abs(COEF) * centred / (SCALE * (SCALE - half)) * half).sum(axis=1) + half


_ENDS = (INPUT_RANGES - MEAN[:, None]) / SCALE[:, None] * COEF[:, None]
VALUE_RANGE = (float(_ENDS.min(axis=1).sum() + INTERCEPT), float(_ENDS.max(axis=1).sum() + INTERCEPT))


class RadCliQV1(DerivedMetric):
    name = "radcliq_v1"
    version = 1
    description = ("RadCliQ-v1 (CXR-Report-Metric): linear model over standardized RadGraph combined, "
                   "BertScore, SembScore and BLEU-2 per study; lower is better; ReXrank shows 1/mean.")
    higher_is_better = False
    value_range = VALUE_RANGE
    Params = NoParams

    def input_specs(self) -> tuple[str, ...]:
        return INPUTS

    @property
    def tolerance(self) -> float:  # type: ignore[override]
        """First order: each input's declared tolerance through its |coefficient| / scale."""
        from rexbench import registry

        return float(sum(abs(c / s) * registry.load(n).tolerance for n, c, s in zip(INPUTS, COEF, SCALE)))

    def environment(self) -> dict[str, str]:
        return {"model": "crm-radcliq-v1"}

    def combine(self, inputs: Mapping[str, np.ndarray]) -> MetricOutput:
        columns = np.column_stack([inputs[name] for name in INPUTS])
        per_study = radcliq_v1(columns)
        score = float(per_study.mean())
        # ReXrank's column is 1/mean(raw): not monotone (it flips sign where the mean crosses 0), so it
        # is shown, never ranked on.
        inverse = 1.0 / score if score != 0.0 else None
        return MetricOutput(per_study=per_study, score=score,
                            components={name: columns[:, i] for i, name in enumerate(INPUTS)},
                            details={"inverse_mean": inverse})


if "evaluate" in sys.modules:  # loaded through evaluate.load(): also expose an evaluate.Metric
    from rexbench.evaluate_adapter import evaluate_module
    RadCliQV1Evaluate = evaluate_module(RadCliQV1)
