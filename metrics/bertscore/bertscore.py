"""ReXrank's BertScore: bert_score F1 with distilroberta-base, layer 5, idf off, rescaled with the baseline
shipped in bert_score, after collapsing runs of spaces (as CXR-Report-Metric does). The engine lives in
rexbench.bertscore_engine; this file only fixes the recipe."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from rexbench.bertscore_metric import BertScoreBase


@dataclass(frozen=True)
class BertScoreParams:
    model: str = "distilroberta-base"     # a model name (looked up locally) or a model folder path
    layer: int = 5                        # bert_score's num_layers (distilroberta-base default)
    idf: bool = False
    rescale: bool = True
    baseline: str = "distilroberta-base"  # bert_score's rescale_baseline/en/<name>.tsv, or a .tsv path
    score: str = "f1"                     # which of precision / recall / f1 is the per-study score
    dtype: str = "float32"                # or bfloat16 (faster, numbers drift; see the card)
    collapse_spaces: bool = True          # CXR-Report-Metric's re.sub(r' +', ' ', text)
    prefix_space: bool = True             # byte-level BPE: leading space as bert_score on transformers < 5


class BertScore(BertScoreBase):
    name = "bertscore"
    version = 1
    description = ("ReXrank's BertScore: BERTScore F1 with distilroberta-base (layer 5), rescaled with "
                   "bert_score's baseline, idf off; equals bert_score 0.3.13. Needs the model locally.")
    Params = BertScoreParams


if "evaluate" in sys.modules:  # loaded through evaluate.load(): also expose an evaluate.Metric
    from rexbench.evaluate_adapter import evaluate_module
    BertScoreEvaluate = evaluate_module(BertScore)
