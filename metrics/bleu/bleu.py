"""Corpus BLEU-4, identical to sacrebleu's corpus_bleu (reported on a 0-1 scale, not 0-100)."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from rexbench.metric import Metric
from rexbench.metric import MetricOutput

ORDER = 4


@dataclass(frozen=True)
class BleuParams:
    tokenize: str = "13a"       # sacrebleu tokenizer
    lowercase: bool = False
    smooth_method: str = "exp"  # sacrebleu's corpus default


class Bleu(Metric):
    name = "bleu"
    version = 1
    description = "Corpus BLEU-4 (sacrebleu corpus_bleu, 13a tokens, exp smoothing), on a 0-1 scale."
    corpus_level = True
    Params = BleuParams
    pairwise = True
    param_keys = {"tokenize": "tok", "lowercase": "lower", "smooth_method": "smooth"}

    def environment(self) -> dict[str, str]:
        from importlib.metadata import version  # not `import sacrebleu`: a cache hit needs no import

        return {"sacrebleu": version("sacrebleu")}

    def _scorer(self, effective_order: bool):
        from sacrebleu.metrics import BLEU

        return BLEU(tokenize=self.params.tokenize, lowercase=self.params.lowercase,
                    smooth_method=self.params.smooth_method, effective_order=effective_order)

    def pair_rows(self, references, predictions):
        """Per pair: sacrebleu's 10 corpus statistics, then its sentence_bleu (effective order), 0-1 scale."""
        stats = np.asarray(self._scorer(effective_order=False)._extract_corpus_statistics(predictions, [references]),
                           dtype=np.float64).reshape(len(predictions), 2 + 2 * ORDER)
        sentence = self._scorer(effective_order=True)
        per_study = [sentence._compute_score_from_stats(row.astype(np.int64).tolist()).score / 100 for row in stats]
        return np.column_stack([stats, np.asarray(per_study, dtype=np.float64)])

    def from_rows(self, rows):
        stats, per_study = rows[:, :2 + 2 * ORDER], rows[:, 2 + 2 * ORDER]
        corpus = self._scorer(effective_order=False)
        score = corpus._compute_score_from_stats(stats.sum(axis=0).astype(np.int64).tolist()).score / 100
        return MetricOutput(per_study=np.ascontiguousarray(per_study), score=score, stats=np.ascontiguousarray(stats))

    def aggregate(self, stats: np.ndarray) -> np.ndarray:
        """sacrebleu's compute_bleu (no effective order), vectorised over leading axes; 0-1 scale."""
        if self.params.smooth_method not in ("exp", "none"):
            raise NotImplementedError("vectorised BLEU supports smooth_method exp and none")
        stats = np.asarray(stats, dtype=np.float64)
        sys_len, ref_len = stats[..., 0], stats[..., 1]
        correct, total = stats[..., 2:2 + ORDER], stats[..., 2 + ORDER:]
        with np.errstate(divide="ignore", invalid="ignore"):
            bp = np.where(sys_len < ref_len, np.where(sys_len > 0, np.exp(1 - ref_len / np.maximum(sys_len, 1)), 0.0), 1.0)
            log_sum = np.zeros(sys_len.shape)
            smooth = np.ones(sys_len.shape)
            alive = np.ones(sys_len.shape, dtype=bool)   # sacrebleu stops at the first order with total == 0
            for n in range(ORDER):
                c, t = correct[..., n], total[..., n]
                alive &= t > 0
                zero = alive & (c == 0)
                if self.params.smooth_method == "exp":
                    smooth = np.where(zero, smooth * 2, smooth)
                    p = np.where(zero, 100.0 / (smooth * np.where(t > 0, t, 1)), 100.0 * c / np.where(t > 0, t, 1))
                else:
                    p = np.where(zero, 0.0, 100.0 * c / np.where(t > 0, t, 1))
                p = np.where(alive, p, 0.0)
                log_sum += np.where(p > 0, np.log(np.where(p > 0, p, 1.0)), -9999999999.0)
            score = bp * np.exp(log_sum / ORDER)
        return np.where(correct.sum(axis=-1) > 0, score, 0.0) / 100


if "evaluate" in sys.modules:  # loaded through evaluate.load(): also expose an evaluate.Metric
    from rexbench.evaluate_adapter import evaluate_module
    BleuEvaluate = evaluate_module(Bleu)
