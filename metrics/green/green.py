"""GREEN (Ostmeier et al. 2024) through the upstream green-score package (extra `rexbench[green]`, which
requires Python ==3.12.1): an LLM judge (GREEN-radllama2-7b; a GPU in practice) counts clinically
significant errors (a)-(f) and matched findings per report pair; per study
GREEN = matched / (matched + significant errors), 0 when nothing matched. The per-study counts are kept
as components (per_study.jsonl)."""

from __future__ import annotations

import contextlib
import math
import sys
import tempfile
from dataclasses import dataclass

import numpy as np

from rexbench import device as devices
from rexbench import model_packages as pkg
from rexbench.errors import MetricError
from rexbench.metric import Metric, MetricOutput

MODULES = ("green_score",)
NOTE = " (green-score 0.0.12 requires Python ==3.12.1 and, in practice, a GPU)"
# green-score's result columns (its sub_categories, then matched findings) -> component names.
COUNT_COLUMNS = {
    "(a) False report of a finding in the candidate": "sig_a_false_finding",
    "(b) Missing a finding present in the reference": "sig_b_missing_finding",
    "(c) Misidentification of a finding's anatomic location/position": "sig_c_wrong_location",
    "(d) Misassessment of the severity of a finding": "sig_d_wrong_severity",
    "(e) Mentioning a comparison that isn't in the reference": "sig_e_extra_comparison",
    "(f) Omitting a comparison detailing a change from a prior study": "sig_f_missing_comparison",
    "Matched Findings": "matched_findings",
}


@dataclass(frozen=True)
class GreenParams:
    model: str = "GREEN-radllama2-7b"   # the registered model or a folder (a causal LM)
    device: str = ""                    # auto | cpu | cuda[:N]; empty: the run's --device (default auto)
    batch_size: int = 0                 # pairs per generate call (0: the run's --batch-size, else the package's)


class Green(Metric):
    name = "green"
    version = 1
    description = ("GREEN (green-score): LLM-judged matched / (matched + significant errors) per study; needs "
                   "the green extra (Python 3.12.1), the GREEN model and a GPU in practice.")
    Params = GreenParams

    @property
    def folders(self) -> dict[str, str]:
        return {"GREEN-radllama2-7b": self.params.model}

    def signature_fields(self):
        fields = super().signature_fields()
        fields.pop("model")   # a path: the weights' sha256 (w.GREEN-radllama2-7b) identifies it
        return fields

    def readiness(self):
        return pkg.readiness(self.name, "green", MODULES, self.folders, NOTE)

    def environment(self):
        return pkg.environment(("green-score", "torch", "transformers"), self.folders)

    def _compute(self, references, predictions, progress):
        import torch
        from green_score import GREEN

        p = self.params
        folder = pkg.locate_all(self.name, "green", MODULES, self.folders)["GREEN-radllama2-7b"]
        device = devices.resolve(devices.chosen(p.device))
        on_gpu = device.startswith("cuda")
        context = torch.cuda.device(int(device.split(":")[1])) if on_gpu else contextlib.nullcontext()
        from rexbench.radgraph_adapter import hub_offline

        with tempfile.TemporaryDirectory() as out_dir, hub_offline(), context, \
                contextlib.redirect_stdout(sys.stderr):
            scorer = GREEN(str(folder), output_dir=out_dir, cpu=not on_gpu)
            batch_size = devices.chosen_batch_size(p.batch_size, 0)
            if batch_size:                     # else green-score's own default
                scorer.batch_size = batch_size
            _, _, scores, _, table = scorer(list(references), list(predictions))
        return self.output(scores, table, len(references), progress)

    def output(self, scores, table, n: int, progress) -> MetricOutput:
        """Per-study GREEN and error counts from green-score's (green_score_list, result_df)."""
        if len(scores) != n or len(table) != n:
            raise MetricError(f"green: green-score returned {len(scores)} scores for {n} pairs")
        bad = [i for i, s in enumerate(scores) if s is None or not math.isfinite(float(s))]
        if bad:
            raise MetricError(f"green: the judge's answer for study index {bad[0]} has no parsable "
                              f"'[Clinically Significant Errors]' section ({len(bad)} in all)")
        missing = [c for c in COUNT_COLUMNS if c not in table.columns]
        if missing:
            raise MetricError(f"green: green-score's result table lacks the column {missing[0]!r}")
        components = {name: table[col].to_numpy(dtype=np.float64) for col, name in COUNT_COLUMNS.items()}
        per_study = np.asarray(scores, dtype=np.float64)
        if progress:
            progress(n)
        return MetricOutput(per_study=per_study, score=float(per_study.mean()), components=components,
                            details={name: float(v.sum()) for name, v in components.items()})


if "evaluate" in sys.modules:  # loaded through evaluate.load(): also expose an evaluate.Metric
    from rexbench.evaluate_adapter import evaluate_module
    GreenEvaluate = evaluate_module(Green)
