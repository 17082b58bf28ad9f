"""RaTEScore (Zhao et al. 2024) through the upstream RaTEScore package (extra `rexbench[ratescore]`):
entity-aware F1 of medical entities found by the RaTE-NER DeBERTa model, matched by BioLORD embeddings
with the package's affinity matrix. Per study as the package computes it (0.5 when either side has no
entity); corpus score = mean."""

from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass

from rexbench import device as devices
from rexbench import model_packages as pkg
from rexbench.errors import MetricError, UnknownMetric
from rexbench.metric import Metric, mean_output

MODULES = ("RaTEScore", "medspacy")
CHUNK_PAIRS = 64   # pairs per compute_score call: the progress bar advances per chunk
NOTE = " (medspacy pins numpy<2 and pandas<3: install it in its own environment, see the README)"


@dataclass(frozen=True)
class RaTEScoreParams:
    ner_model: str = "RaTE-NER-Deberta"   # the registered model or a folder (DeBERTa token classifier)
    encoder: str = "BioLORD-2023-C"       # the registered model or a folder (sentence encoder)
    affinity_matrix: str = "long"         # the package's "long" or "short" matrix
    device: str = ""                      # auto | cpu | cuda[:N]; empty: the run's --device (default auto)
    batch_size: int = 0                   # sentences per NER batch (0: the run's --batch-size, else 1 as upstream)


class RaTEScoreMetric(Metric):
    name = "ratescore"
    version = 1
    description = ("RaTEScore (RaTEScore package): entity-aware F1 with RaTE-NER + BioLORD; needs the "
                   "ratescore extra and both models.")
    Params = RaTEScoreParams
    param_keys = {"affinity_matrix": "matrix", "ner_model": "ner"}
    tolerance = 1e-5   # cosines of float32 BioLORD embeddings, as BERTScore's (card: Reproduction)

    def __init__(self, **params):
        super().__init__(**params)
        if self.params.affinity_matrix not in ("long", "short"):
            raise UnknownMetric(f"ratescore: affinity_matrix must be long or short, got {self.params.affinity_matrix!r}")

    @property
    def folders(self) -> dict[str, str]:
        return {"RaTE-NER-Deberta": self.params.ner_model, "BioLORD-2023-C": self.params.encoder}

    def signature_fields(self):
        fields = super().signature_fields()
        for key in ("ner", "encoder"):   # paths: the weights' sha256 identifies them
            fields.pop(key)
        return fields

    def readiness(self):
        return pkg.readiness(self.name, "ratescore", MODULES, self.folders, NOTE)

    def environment(self):
        return pkg.environment(("RaTEScore", "medspacy", "torch", "transformers"), self.folders)

    def _compute(self, references, predictions, progress):
        import torch

        p = self.params
        found = pkg.locate_all(self.name, "ratescore", MODULES, self.folders)
        device = devices.resolve(devices.chosen(p.device))
        from RaTEScore import RaTEScore
        from rexbench.radgraph_adapter import hub_offline

        on_gpu = device.startswith("cuda")
        context = torch.cuda.device(int(device.split(":")[1])) if on_gpu else contextlib.nullcontext()
        with hub_offline(), context, contextlib.redirect_stdout(sys.stderr):
            scorer = RaTEScore(bert_model=str(found["RaTE-NER-Deberta"]), eval_model=str(found["BioLORD-2023-C"]),
                               batch_size=devices.chosen_batch_size(p.batch_size, 1), use_gpu=on_gpu,
                               affinity_matrix=p.affinity_matrix)
            scores: list = []
            for start in range(0, len(references), CHUNK_PAIRS):   # pairs are scored independently
                scores += scorer.compute_score(list(predictions[start:start + CHUNK_PAIRS]),
                                               list(references[start:start + CHUNK_PAIRS]))
                if progress:
                    progress(min(CHUNK_PAIRS, len(references) - start))
        if len(scores) != len(references):
            raise MetricError(f"ratescore: the RaTEScore package returned {len(scores)} scores for "
                              f"{len(references)} pairs")
        return mean_output([float(s) for s in scores])


if "evaluate" in sys.modules:  # loaded through evaluate.load(): also expose an evaluate.Metric
    from rexbench.evaluate_adapter import evaluate_module
    RaTEScoreEvaluate = evaluate_module(RaTEScoreMetric)
