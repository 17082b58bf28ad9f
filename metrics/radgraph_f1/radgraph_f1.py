"""RRG24's F1-RadGraph (radgraph.F1RadGraph): per-report reward at level simple / partial / complete with
RadGraph or RadGraph-XL, mean over studies. Each (reward_level, model) is its own named metric, e.g.
`radgraph_f1:reward_level=complete:model_type=radgraph-xl`."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from rexbench import device as devices
from rexbench import radgraph_adapter as rg
from rexbench.errors import UnknownMetric
from rexbench.metric import Metric
from rexbench.metric import mean_output
from rexbench.progress import pair_progress


@dataclass(frozen=True)
class RadgraphF1Params:
    reward_level: str = "partial"      # simple | partial | complete (RRG24 reports partial)
    model_type: str = "radgraph"       # radgraph | radgraph-xl
    model: str = ""                    # a folder holding <model_type>/...; empty: the registered model
    device: str = ""                   # auto | cpu | cuda[:N]; empty: the run's --device (default auto)
    batch_size: int = 0                # reports per model call (0: the run's --batch-size, else 16)


class RadgraphF1(Metric):
    name = "radgraph_f1"
    version = 1
    description = ("F1-RadGraph (RRG24, radgraph package): per-report entity/relation reward at a reward level "
                   "(default partial, RadGraph); needs the radgraph extra and the weights.")
    Params = RadgraphF1Params
    param_keys = {"reward_level": "level", "model_type": "model", "model": "path"}

    def __init__(self, **params):
        super().__init__(**params)
        if self.params.reward_level not in rg.REWARD_LEVELS:
            raise UnknownMetric(f"radgraph_f1: reward_level={self.params.reward_level!r} is not one of "
                                f"{', '.join(rg.REWARD_LEVELS)}")
        if self.params.model_type not in rg.MODEL_TYPES:
            raise UnknownMetric(f"radgraph_f1: model_type={self.params.model_type!r} is not one of "
                                f"{', '.join(rg.MODEL_TYPES)}")

    @property
    def model_ref(self) -> str:
        return self.params.model or self.params.model_type

    def signature_fields(self):
        fields = super().signature_fields()
        fields.pop("path")   # where the weights are is not what they are: `weights` (sha256) is
        return fields

    def readiness(self):
        return rg.readiness(self.model_ref, self.params.model_type, self.name)

    def environment(self):
        return rg.environment(self.model_ref, self.params.model_type)

    def _compute(self, references, predictions, progress):
        p = self.params
        folder = rg.locate(self.model_ref, p.model_type, self.name)
        n = len(references)
        notes = rg.annotate(list(references) + list(predictions), folder=folder, model_type=p.model_type,
                            device=devices.chosen(p.device), batch_size=devices.chosen_batch_size(p.batch_size, 16),
                            progress=pair_progress(progress))
        return mean_output([rg.reward(references[i], predictions[i], notes[i], notes[n + i], p.reward_level)
                            for i in range(n)])


if "evaluate" in sys.modules:  # loaded through evaluate.load(): also expose an evaluate.Metric
    from rexbench.evaluate_adapter import evaluate_module
    RadgraphF1Evaluate = evaluate_module(RadgraphF1)
