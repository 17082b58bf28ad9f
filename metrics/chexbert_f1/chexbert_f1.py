"""CheXbert F1 (RRG24's F1-CheXbert, f1chexbert's recipe): CheXbert labels of prediction vs reference,
micro / macro / example F1 over 14 or 5 observations, uncertain mapped to positive (f1chexbert's "rrg"
mode) or negative. The F1 arithmetic is chexpert_f1's; only the labeler differs (CheXbert through the
upstream f1chexbert package, one pass shared with semb_score)."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from rexbench import chexbert
from rexbench import device as devices
from rexbench import registry
from rexbench.labelers import OBSERVATIONS
from rexbench.labelers.chexpert import BLANK
from rexbench.labelers.chexpert import NEGATIVE
from rexbench.labelers.chexpert import POSITIVE
from rexbench.labelers.chexpert import UNCERTAIN

ChexpertF1 = registry.metric_class("chexpert_f1")

# CheXbert head classes -> rexbench label codes; head order -> OBSERVATIONS order.
CLASS_TO_CODE = np.array([BLANK, POSITIVE, NEGATIVE, UNCERTAIN])
HEAD_COLUMNS = [chexbert.HEADS.index(obs) for obs in OBSERVATIONS]


@dataclass(frozen=True)
class ChexbertF1Params:
    label_set: str = "14"          # "14" (No Finding included) or "5" (Atelectasis, Cardiomegaly, ...)
    average: str = "micro"         # micro | macro | example
    uncertain: str = "positive"    # positive: f1chexbert's "rrg" mode (RRG24); negative
    checkpoint: str = "chexbert"   # a folder holding chexbert.pth, or the registered model name
    bert: str = "bert-base-uncased"
    device: str = ""               # auto | cpu | cuda[:N]; empty: the run's --device (default auto)
    batch_size: int = 0            # 0: the run's --batch-size, else 18


class ChexbertF1(ChexpertF1):
    name = "chexbert_f1"
    version = 1
    description = ("F1 of CheXbert labels (f1chexbert) of prediction vs reference; default micro over 14 "
                   "labels, uncertain = positive (RRG24). Needs the chexbert extra and chexbert.pth.")
    Params = ChexbertF1Params
    param_keys = {"label_set": "labels", "average": "avg", "uncertain": "unc", "checkpoint": "ckpt"}

    def readiness(self):
        return chexbert.readiness(self.params.checkpoint, self.params.bert, self.name)

    def environment(self):
        return {"labeler": "chexbert", **chexbert.environment(self.params.checkpoint, self.params.bert)}

    def label_codes(self, texts):
        p = self.params
        checkpoint, bert = chexbert.folders(p.checkpoint, p.bert, self.name)
        out = chexbert.run(texts, checkpoint=checkpoint, bert_folder=bert, device=devices.chosen(p.device),
                           batch_size=devices.chosen_batch_size(p.batch_size, 18))
        return CLASS_TO_CODE[out.classes[:, HEAD_COLUMNS]]


if "evaluate" in sys.modules:  # loaded through evaluate.load(): also expose an evaluate.Metric
    from rexbench.evaluate_adapter import evaluate_module
    ChexbertF1Evaluate = evaluate_module(ChexbertF1)
