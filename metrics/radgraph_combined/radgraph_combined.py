"""ReXrank's RadGraph column and RadCliQ's input: CXR-Report-Metric's `radgraph_combined` =
(entity F1 + relation F1) / 2 per study, with the original RadGraph model (upstream radgraph package)."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from rexbench import device as devices
from rexbench import radgraph_adapter as rg
from rexbench.metric import Metric
from rexbench.metric import MetricOutput
from rexbench.progress import pair_progress


@dataclass(frozen=True)
class RadgraphCombinedParams:
    model: str = "radgraph"   # the registered model, or a folder holding radgraph/{config.json,weights.th,vocabulary}
    device: str = ""          # auto | cpu | cuda[:N]; empty: the run's --device (default auto)
    batch_size: int = 0       # reports per model call (0: the run's --batch-size, else 16)


class RadgraphCombined(Metric):
    name = "radgraph_combined"
    version = 1
    description = ("RadGraph combined F1 (CXR-Report-Metric): mean of entity F1 and relation F1 per study, "
                   "original RadGraph model; needs the radgraph extra and the RadGraph weights.")
    Params = RadgraphCombinedParams

    def readiness(self):
        return rg.readiness(self.params.model, "radgraph", self.name)

    def environment(self):
        return {"model_type": "radgraph", **rg.environment(self.params.model, "radgraph")}

    def _compute(self, references, predictions, progress):
        p = self.params
        folder = rg.locate(p.model, "radgraph", self.name)
        n = len(references)
        notes = rg.annotate(list(references) + list(predictions), folder=folder, model_type="radgraph",
                            device=devices.chosen(p.device), batch_size=devices.chosen_batch_size(p.batch_size, 16),
                            progress=pair_progress(progress))
        f1s = np.array([rg.combined_f1(notes[i], notes[n + i]) for i in range(n)], dtype=np.float64).reshape(n, 2)
        per_study = f1s.mean(axis=1)
        return MetricOutput(per_study=per_study, score=float(per_study.mean()) if n else float("nan"),
                            components={"entity_f1": f1s[:, 0], "relation_f1": f1s[:, 1]},
                            details={"entity_f1": float(f1s[:, 0].mean()) if n else None,
                                     "relation_f1": float(f1s[:, 1].mean()) if n else None})


if "evaluate" in sys.modules:  # loaded through evaluate.load(): also expose an evaluate.Metric
    from rexbench.evaluate_adapter import evaluate_module
    RadgraphCombinedEvaluate = evaluate_module(RadgraphCombined)
