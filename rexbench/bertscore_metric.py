"""The BERTScore Metric base class: parameters, readiness, signature fields, reproduction tolerance.

Shared by metrics/bertscore (ReXrank's recipe) and metrics/bertscore_minilm; the computation is
rexbench.bertscore_engine's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from . import bertscore_encoder as encoders
from . import models
from .bertscore_engine import DTYPES, MATCH_BATCH, SCORES, RunStats, bertscore, bundled_baseline, collapse, read_baseline
from .embedding_cache import EmbeddingCache, embedding_cache_enabled
from .errors import MetricError, MetricNotReady, UnknownMetric
from .metric import Metric, MetricOutput, Progress
from .signature import installed_version


class BertScoreBase(Metric):
    """Common implementation; subclasses set name, Params (with the fields below) and their card."""

    higher_is_better = True
    value_range = (-1.0, 1.0)
    model_label: ClassVar[str] = ""
    # Absolute reproduction tolerance of raw scores per encoder dtype (benchmarks/results/reproduction.md,
    # the cards). Rescaling divides by 1 - baseline (6.55 for distilroberta-base L5): 10x when rescaled.
    TOLERANCES: ClassVar[dict[str, float]] = {"float32": 1e-5, "bfloat16": 1e-2, "float16": 1e-2}  # fp16: CUDA only, not measured; bf16's bound (fp16 keeps more mantissa bits)

    @property
    def tolerance(self) -> float:  # type: ignore[override]
        return self.TOLERANCES[self.params.dtype] * (10 if self.params.rescale else 1)

    # Params fields used: model, layer, idf, rescale, baseline, score, dtype, collapse_spaces, prefix_space
    def __init__(self, **params: Any):
        super().__init__(**params)
        p = self.params
        if p.score not in SCORES:
            raise UnknownMetric(f"{self.name}: score must be one of {', '.join(SCORES)}, got {p.score!r}")
        if p.dtype not in DTYPES:
            raise UnknownMetric(f"{self.name}: dtype must be one of {', '.join(DTYPES)}, got {p.dtype!r}")
        if p.layer < 0:
            raise UnknownMetric(f"{self.name}: layer must be >= 0, got {p.layer}")
        if p.rescale and p.baseline in ("", "none"):
            raise UnknownMetric(f"{self.name}: rescale=yes needs a baseline (a bert_score baseline name such as "
                                f"distilroberta-base, or a .tsv path)")
        self.last_stats = RunStats()

    # -- model and baseline -----------------------------------------------------------------------
    def model_folder(self) -> Path | None:
        return models.locate(self.params.model)

    def baseline_path(self) -> Path | None:
        if not self.params.rescale:
            return None
        value = self.params.baseline
        if value.endswith(".tsv") or models.is_path_like(value):
            path = Path(value).expanduser()
            return path if path.is_file() else None
        return bundled_baseline(value)

    def readiness(self) -> str | None:
        import importlib.util

        missing = [m for m in ("torch", "transformers") if importlib.util.find_spec(m) is None]
        if missing:
            return f"{self.name} needs {' and '.join(missing)}: pip install {' '.join(missing)}"
        if self.model_folder() is None:
            return models.missing_message(self.params.model, self.name)
        if self.params.rescale and self.baseline_path() is None:
            return (f"{self.name}: no rescale baseline {self.params.baseline!r} (bert_score's "
                    f"rescale_baseline/en/<name>.tsv or a .tsv path); pip install bert-score==0.3.13 "
                    f"or pass rescale=no")
        return None

    def environment(self) -> dict[str, str]:
        env: dict[str, str] = {}
        folder = self.model_folder()
        # 64 bits of each hash: enough to tell models apart
        env["weights"] = models.weights_sha256(folder)[:16] if folder is not None else "absent"
        env["model_files"] = models.tokenizer_sha256(folder)[:16] if folder is not None else "absent"
        for pkg in ("torch", "transformers"):
            env[pkg] = installed_version(pkg) or "absent"
        if self.params.rescale:
            path = self.baseline_path()
            env["baseline_sha"] = models.file_sha256(path)[:16] if path is not None else "absent"
        return env

    @property
    def shard_unit(self) -> int:  # type: ignore[override]
        """Shards of whole groups keep bert_score's matching groups of 64 pairs intact; idf needs every reference."""
        return 0 if self.params.idf else MATCH_BATCH

    # -- computation ------------------------------------------------------------------------------
    def _compute(self, references: list[str], predictions: list[str], progress: Progress | None) -> MetricOutput:
        return self.from_rows(self._rows(references, predictions, progress))

    def pair_rows(self, references: list[str], predictions: list[str]) -> np.ndarray:
        """(n, 3) float64 P, R, F for one shard (rexbench.executors)."""
        return self._rows(references, predictions, None)

    def _rows(self, references: list[str], predictions: list[str], progress: Progress | None) -> np.ndarray:
        problem = self.readiness()
        if problem:
            raise MetricNotReady(problem)
        p = self.params
        folder = self.model_folder()
        assert folder is not None
        if p.collapse_spaces:
            references = [collapse(t) for t in references]
            predictions = [collapse(t) for t in predictions]
        baseline = None
        if p.rescale:
            path = self.baseline_path()
            assert path is not None
            baseline = read_baseline(path, p.layer)
        from .device import check_dtype_on, current_batch_size, current_device

        device = current_device()                 # --device: not in the signature (same numbers within tolerance)
        check_dtype_on(device, p.dtype)
        max_batch = current_batch_size(encoders.MAX_BATCH)  # --batch-size: texts per forward pass at most
        encoder = encoders.get_encoder(folder, p.layer, p.dtype, device, max_batch)
        cache = None
        if embedding_cache_enabled():
            batching = "" if (device, max_batch) == ("cpu", encoders.MAX_BATCH) else f"|{device.split(':')[0]}|max {max_batch}"
            batching += f"|{encoder.kernels}"
            cache = EmbeddingCache(EmbeddingCache.folder_for(models.model_identity(folder), p.layer, p.dtype, batching))
        self.last_stats = RunStats()
        try:
            prf = bertscore(encoder, references, predictions, idf=p.idf,
                            prefix_space=getattr(p, "prefix_space", True), baseline=baseline, cache=cache,
                            progress=progress, stats=self.last_stats)
        finally:
            if cache is not None:
                cache.close()
        return prf.astype(np.float64)

    def from_rows(self, values: np.ndarray) -> MetricOutput:
        p = self.params
        if not np.isfinite(values).all():
            bad = int(np.flatnonzero(~np.isfinite(values).all(axis=1))[0])
            raise MetricError(f"{self.name}: non-finite BERTScore for study index {bad}")
        undefined = {"precision": self.last_stats.undefined_precision, "recall": self.last_stats.undefined_recall}
        if undefined.get(p.score):
            raise MetricError(f"{self.name}: {p.score} is undefined (bert_score: NaN) for {undefined[p.score]} "
                              f"pair(s): every token of that text has idf 0; use score=f1 or idf=no")
        components = {"precision": values[:, 0], "recall": values[:, 1], "f1": values[:, 2]}
        per_study = components[p.score]
        if not per_study.size:
            raise MetricError(f"{self.name}: no pairs to score")
        details: dict[str, Any] = {k: float(v.mean()) for k, v in components.items()}
        if p.idf:
            details.update({f"undefined_{k}": v for k, v in undefined.items()})
        return MetricOutput(per_study=per_study, score=float(per_study.mean()), components=components,
                            details=details)
