"""CheXpert label F1: observations of the predicted report vs those of the reference report.

Both reports are labelled with rexbench's rule-based CheXpert labeler (`rexbench.labelers`). A label
counts as positive when the labeler says positive (and, with `uncertain=positive`, uncertain);
negative and blank (not mentioned) are not positive. F1 then compares prediction to reference,
micro- or macro-averaged over the corpus (like sklearn's f1_score on the stacked label matrices) or
example-based (the mean of per-study F1).
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rexbench.errors import UnknownMetric
from rexbench.labelers import FIVE_OBSERVATIONS
from rexbench.labelers import OBSERVATIONS
from rexbench.labelers import POSITIVE
from rexbench.labelers import UNCERTAIN
from rexbench.labelers import label
from rexbench.metric import Metric
from rexbench.metric import MetricOutput

LABEL_SETS = {"14": OBSERVATIONS, "5": FIVE_OBSERVATIONS}
AVERAGES = ("micro", "macro", "example")
UNCERTAIN_MAPS = ("positive", "negative")


@dataclass(frozen=True)
class ChexpertF1Params:
    label_set: str = "14"          # "14": all CheXpert observations (No Finding included); "5": the common subset
    average: str = "micro"         # micro | macro | example
    uncertain: str = "positive"    # uncertain labels count as positive (RRG24 / f1chexbert) or negative


class ChexpertF1(Metric):
    name = "chexpert_f1"
    version = 2
    description = ("F1 of CheXpert observation labels (rule-based labeler) of prediction vs reference; "
                   "default micro over 14 labels, uncertain = positive.")
    corpus_level = True
    Params = ChexpertF1Params
    param_keys = {"label_set": "labels", "average": "avg", "uncertain": "unc"}

    def __init__(self, **params):
        if "label_set" in params and isinstance(params["label_set"], int):
            params["label_set"] = str(params["label_set"])
        super().__init__(**params)
        p = self.params
        if p.label_set not in LABEL_SETS:
            raise UnknownMetric(f"chexpert_f1: label_set={p.label_set!r} is not one of 14, 5")
        if p.average not in AVERAGES:
            raise UnknownMetric(f"chexpert_f1: average={p.average!r} is not one of {', '.join(AVERAGES)}")
        if p.uncertain not in UNCERTAIN_MAPS:
            raise UnknownMetric(f"chexpert_f1: uncertain={p.uncertain!r} is not one of {', '.join(UNCERTAIN_MAPS)}")

    # ---- provenance ----------------------------------------------------------------------------
    def environment(self) -> dict[str, str]:
        """The labeler's rules can move the score: pin them by the hash of their source."""
        import rexbench.labelers as labelers

        h = hashlib.sha256()
        for path in sorted(Path(labelers.__file__).parent.glob("*.py")):
            h.update(path.name.encode())
            h.update(path.read_bytes())
        return {"labeler": f"rules:{h.hexdigest()[:12]}"}

    @property
    def observations(self) -> tuple[str, ...]:
        return tuple(LABEL_SETS[self.params.label_set])

    # ---- computation ---------------------------------------------------------------------------
    def label_codes(self, texts: list[str]) -> np.ndarray:
        """(n, 14) CheXpert label codes of each text, in OBSERVATIONS order (chexbert_f1 swaps the labeler)."""
        return label(texts)

    def positives(self, codes: np.ndarray) -> np.ndarray:
        """(n, 14) label codes -> (n, k) booleans over this metric's label set."""
        cols = [OBSERVATIONS.index(o) for o in self.observations]
        sub = np.asarray(codes)[:, cols]
        pos = sub == POSITIVE
        if self.params.uncertain == "positive":
            pos |= sub == UNCERTAIN
        return pos

    def _compute(self, references, predictions, progress):
        n = len(references)
        codes = self.label_codes(list(references) + list(predictions))
        ref = self.positives(codes[:n])
        pred = self.positives(codes[n:])
        tp = (ref & pred).astype(np.float64)
        fp = (~ref & pred).astype(np.float64)
        fn = (ref & ~pred).astype(np.float64)
        k = ref.shape[1]

        # Per study: example-based F1 over the label set; both sides without positives -> 1.0.
        t, f_p, f_n = tp.sum(1), fp.sum(1), fn.sum(1)
        den = 2 * t + f_p + f_n
        per_study = np.where(den > 0, 2 * t / np.where(den > 0, den, 1), 1.0)
        agreement = (ref == pred).mean(1) if k else np.ones(n)

        if self.params.average == "example":
            stats = np.stack([per_study, np.ones(n)], axis=1)
        else:
            stats = np.stack([tp, fp, fn], axis=2).reshape(n, 3 * k)   # [tp_0, fp_0, fn_0, tp_1, ...]
        score = float(self.aggregate(stats.sum(axis=0)))

        sums = np.stack([tp, fp, fn], axis=2).sum(axis=0)             # (k, 3)
        per_obs = {}
        for j, obs in enumerate(self.observations):
            a, b, c = (float(x) for x in sums[j])
            per_obs[obs] = {
                "precision": a / (a + b) if a + b else 0.0,
                "recall": a / (a + c) if a + c else 0.0,
                "f1": 2 * a / (2 * a + b + c) if 2 * a + b + c else 0.0,
                "support": int(a + c),        # reference positives
                "predicted": int(a + b),      # prediction positives
            }
        details = {
            "label_set": list(self.observations),
            "uncertain": self.params.uncertain,
            "per_observation": per_obs,
            "micro_f1": float(_micro(sums)),
            "macro_f1": float(_macro(sums)),
            "example_f1": float(per_study.mean()) if n else 0.0,
        }
        if progress:
            progress(n)
        return MetricOutput(per_study=per_study, score=score, stats=stats,
                            components={"label_agreement": agreement}, details=details)

    def aggregate(self, stats: np.ndarray) -> np.ndarray:
        """Score from summed statistics, vectorised over leading axes: (..., k) -> (...)."""
        stats = np.asarray(stats, dtype=np.float64)
        if self.params.average == "example":
            total, count = stats[..., 0], stats[..., 1]
            return np.where(count > 0, total / np.where(count > 0, count, 1), 0.0)
        sums = stats.reshape(stats.shape[:-1] + (stats.shape[-1] // 3, 3))
        return _micro(sums) if self.params.average == "micro" else _macro(sums)


def _micro(sums: np.ndarray) -> np.ndarray:
    """sums (..., k, 3) of tp/fp/fn -> micro F1 (0 when there is no positive anywhere, as sklearn)."""
    tp, fp, fn = (sums[..., :, i].sum(axis=-1) for i in range(3))
    den = 2 * tp + fp + fn
    return np.where(den > 0, 2 * tp / np.where(den > 0, den, 1), 0.0)


def _macro(sums: np.ndarray) -> np.ndarray:
    """sums (..., k, 3) -> mean over labels of per-label F1 (a label with no positives scores 0, as sklearn)."""
    tp, fp, fn = sums[..., 0], sums[..., 1], sums[..., 2]
    den = 2 * tp + fp + fn
    f1 = np.where(den > 0, 2 * tp / np.where(den > 0, den, 1), 0.0)
    return f1.mean(axis=-1)


if "evaluate" in sys.modules:  # loaded through evaluate.load(): also expose an evaluate.Metric
    from rexbench.evaluate_adapter import evaluate_module
    ChexpertF1Evaluate = evaluate_module(ChexpertF1)
