"""SembScore (ReXrank's column; CXR-Report-Metric's `semb_score`): cosine similarity of the CheXbert [CLS]
embeddings of prediction and reference, per study; corpus score = mean. The model pass is shared with
chexbert_f1 (rexbench.chexbert, over the upstream f1chexbert package)."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from rexbench import chexbert
from rexbench import device as devices
from rexbench.metric import Metric
from rexbench.metric import mean_output
from rexbench.progress import pair_progress


@dataclass(frozen=True)
class SembScoreParams:
    checkpoint: str = "chexbert"          # a folder holding chexbert.pth, or the registered model name
    bert: str = "bert-base-uncased"       # a folder with bert-base-uncased's config.json and vocab.txt
    device: str = ""                      # auto | cpu | cuda[:N]; empty: the run's --device (default auto)
    batch_size: int = 0                   # 0: the run's --batch-size, else 18 (CheXbert's BATCH_SIZE)


class SembScore(Metric):
    name = "semb_score"
    version = 1
    description = ("SembScore: cosine of CheXbert [CLS] embeddings of prediction and reference "
                   "(CXR-Report-Metric); needs the chexbert extra and chexbert.pth.")
    value_range = (-1.0, 1.0)
    Params = SembScoreParams
    tolerance = 1e-5   # a cosine of float32 encoder outputs, as BERTScore's (card: Reproduction)

    def readiness(self):
        return chexbert.readiness(self.params.checkpoint, self.params.bert, self.name)

    def environment(self):
        return chexbert.environment(self.params.checkpoint, self.params.bert)

    def _compute(self, references, predictions, progress):
        p = self.params
        checkpoint, bert = chexbert.folders(p.checkpoint, p.bert, self.name)
        out = chexbert.run(list(references) + list(predictions), checkpoint=checkpoint, bert_folder=bert,
                           device=devices.chosen(p.device), batch_size=devices.chosen_batch_size(p.batch_size, 18),
                           progress=pair_progress(progress))
        n = len(references)
        return mean_output(chexbert.cosine(out.embeddings[n:], out.embeddings[:n]).astype("float64"))


if "evaluate" in sys.modules:  # loaded through evaluate.load(): also expose an evaluate.Metric
    from rexbench.evaluate_adapter import evaluate_module
    SembScoreEvaluate = evaluate_module(SembScore)
