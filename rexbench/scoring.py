"""Score a validated predictions file on a split: every track x metric, cached, with bootstrap CIs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import executors, registry
from .cache import ScoreCache, cache_key
from .errors import MetricNotReady
from .io import sha256_texts
from .metric import DerivedMetric, Metric, MetricOutput
from .predictions import Aligned, Predictions, validate
from .progress import progress_bar
from .signature import Signature, build
from .splits import Split


CI_METHODS = ("percentile", "bca")


@dataclass(frozen=True)
class BootstrapConfig:
    n_resamples: int = 1000
    seed: int = 12345
    confidence: float = 0.95
    method: str = "percentile"

    def __post_init__(self) -> None:   # checked before any metric runs
        from .errors import RexbenchError

        if self.method not in CI_METHODS:
            raise RexbenchError(f"--ci-method {self.method!r}: use one of {', '.join(CI_METHODS)}")
        if self.n_resamples < 1:
            raise RexbenchError(f"--bootstrap {self.n_resamples}: use a positive number of resamples (0 = no CIs)")
        if not 0 <= self.seed < 2**32:
            raise RexbenchError(f"--seed {self.seed}: use an integer from 0 to {2**32 - 1}")

    def signature_fields(self) -> dict[str, str]:
        return {"boot": str(self.n_resamples), "seed": str(self.seed),
                "ci": f"{self.method}{round(self.confidence * 100):d}"}


@dataclass(frozen=True)
class MetricScore:
    key: str                      # canonical spec, e.g. "rouge_l" or "rouge_l:rouge_type=rouge1"
    metric: Metric
    output: MetricOutput
    signature: Signature
    ci: Any | None                # rexbench.stats.CI
    cached: bool

    def corpus_scores(self, counts: np.ndarray) -> np.ndarray:
        """The corpus score on each bootstrap resample (rows of `counts`)."""
        if self.metric.corpus_level:
            return self.metric.aggregate(counts @ self.output.stats)
        return counts @ self.output.per_study / counts.sum(axis=1)


@dataclass(frozen=True)
class TrackResult:
    aligned: Aligned
    metrics: dict[str, MetricScore] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.aligned.ids)


@dataclass(frozen=True)
class ScoreRun:
    split: Split
    predictions: Predictions
    tracks: dict[str, TrackResult]
    bootstrap: BootstrapConfig | None


def load_metrics(specs: list[str]) -> list[Metric]:
    """Instantiate metrics and refuse to start unless every one can run (rule: the set never silently shrinks)."""
    metrics = [registry.load(s) for s in specs]
    problems = [f"{m.spec}: {msg}" for m in metrics if (msg := m.readiness())]
    if problems:
        raise MetricNotReady("; ".join(problems))
    seen: set[str] = set()
    for m in metrics:
        if m.spec in seen:
            raise MetricNotReady(f"metric {m.spec} is listed twice")
        seen.add(m.spec)
    return metrics


def text_hashes(references: list[str], predictions: list[str]) -> tuple[str, str]:
    """The content hashes of both sides, part of every score-cache key: computed once per track."""
    return sha256_texts(references), sha256_texts(predictions)


def score_key(metric: Metric, references: list[str], predictions: list[str],
              hashes: tuple[str, str] | None = None) -> str:
    """The score-cache key of `metric` on these pairs (a derived metric's key also holds its inputs' keys);
    `hashes`: `text_hashes(references, predictions)` when already known."""
    refs, preds = hashes or text_hashes(references, predictions)
    parts: dict[str, Any] = dict(spec=metric.spec, fields=metric.signature_fields(),
                                 code=registry.code_hash(metric.name), refs=refs, preds=preds)
    if isinstance(metric, DerivedMetric):
        parts["inputs"] = [score_key(m, references, predictions, (refs, preds)) for m in metric.input_metrics()]
    return cache_key(**parts)


def compute_cached(metric: Metric, references: list[str], predictions: list[str], cache: ScoreCache,
                   *, label: str = "", show_progress: bool | None = None,
                   key: str | None = None) -> tuple[MetricOutput, bool]:
    key = key or score_key(metric, references, predictions)
    hit = cache.get(key, n=len(references))
    if hit is not None:
        return hit, True
    with progress_bar(f"{label}{metric.spec}", len(references), enabled=show_progress) as advance:
        out = executors.current().compute(metric, references, predictions, advance)  # local, or sharded on Ray
    cache.put(key, out)
    return out, False


def computation_order(metrics: list[Metric]) -> list[Metric]:
    """Every metric to compute, each spec once: inputs of derived metrics before the derived metrics,
    an input that was also requested computed once and shared."""
    order: dict[str, Metric] = {}

    def add(metric: Metric) -> None:
        if isinstance(metric, DerivedMetric):
            for m in metric.input_metrics():
                add(m)
        order.setdefault(metric.spec, metric)

    for metric in metrics:
        add(metric)
    return list(order.values())


def compute_all(metrics: list[Metric], references: list[str], predictions: list[str], cache: ScoreCache,
                *, label: str = "", show_progress: bool | None = None,
                keys: dict[str, str] | None = None) -> dict[str, tuple[MetricOutput, bool]]:
    """Outputs of `metrics` and of their inputs, keyed by spec. Derived metrics combine their inputs'
    per-study values (cached under a key that holds the inputs' keys); nothing is computed twice.
    `keys`, when given, receives each spec's score-cache key."""
    done: dict[str, tuple[MetricOutput, bool]] = {}
    keys = {} if keys is None else keys
    hashes = text_hashes(references, predictions)
    for metric in computation_order(metrics):
        keys[metric.spec] = score_key(metric, references, predictions, hashes)
        if isinstance(metric, DerivedMetric):
            done[metric.spec] = combine_cached(metric, done, references, predictions, cache, keys[metric.spec])
        else:
            done[metric.spec] = compute_cached(metric, references, predictions, cache, label=label,
                                               show_progress=show_progress, key=keys[metric.spec])
    return done


def combine_cached(metric: DerivedMetric, done: dict[str, tuple[MetricOutput, bool]], references: list[str],
                   predictions: list[str], cache: ScoreCache, key: str | None = None) -> tuple[MetricOutput, bool]:
    key = key or score_key(metric, references, predictions)
    hit = cache.get(key, n=len(references))
    if hit is not None:
        return hit, True
    inputs = {spec: done[m.spec][0].per_study for spec, m in zip(metric.input_specs(), metric.input_metrics())}
    out = metric.combine_checked(inputs)
    cache.put(key, out)
    return out, False


def score(split: Split, predictions: Predictions, *, metrics: list[str], tracks: tuple[str, ...],
          bootstrap: BootstrapConfig | None = BootstrapConfig(), cache: ScoreCache | None = None,
          show_progress: bool | None = None) -> ScoreRun:
    aligned = validate(predictions, split, tracks)   # raises on any bad prediction, before any work
    loaded = load_metrics(metrics)
    cache = cache or ScoreCache()
    results: dict[str, TrackResult] = {}
    for track, pairs in aligned.items():
        result = TrackResult(pairs)
        keys: dict[str, str] = {}
        outputs = compute_all(loaded, pairs.references, pairs.predictions, cache, label=f"{track}: ",
                              show_progress=show_progress, keys=keys)
        resamples = _Resamples(len(pairs.ids), bootstrap)
        ci_cache = ScoreCache(cache.root.parent, enabled=cache.enabled, folder="bootstrap")
        for metric in loaded:
            out, cached = outputs[metric.spec]
            extra = bootstrap.signature_fields() if bootstrap else None
            sig = build(metric, n=len(pairs.ids), refs_sha256=split.sha256, extra=extra)
            ci = _ci_cached(metric, out, keys[metric.spec], resamples, ci_cache) if bootstrap else None
            result.metrics[metric.spec] = MetricScore(metric.spec, metric, out, sig, ci, cached)
        results[track] = result
    return ScoreRun(split, predictions, results, bootstrap)


class _Resamples:
    """A track's bootstrap counts, drawn on first use only (a rerun whose CIs are all cached draws none)."""

    def __init__(self, n: int, cfg: BootstrapConfig | None):
        self.n, self.cfg, self._counts = n, cfg, None

    @property
    def counts(self) -> np.ndarray:
        if self._counts is None:
            from .stats import resample_counts

            assert self.cfg is not None
            self._counts = resample_counts(self.n, self.cfg.n_resamples, self.cfg.seed)
        return self._counts


def _ci_cached(metric: Metric, out: MetricOutput, key: str, resamples: _Resamples, cache: ScoreCache):
    """The bootstrap CI of a metric's output, from the score cache when the same values (hashed, under
    the output's own key, which holds the code hash) were bootstrapped with the same settings before."""
    from .io import sha256_bytes
    from .stats import CI

    cfg = resamples.cfg
    assert cfg is not None
    arrays = [out.per_study] + ([out.stats] if out.stats is not None else [])
    values = sha256_bytes(b"".join(np.ascontiguousarray(a, dtype=np.float64).tobytes() for a in arrays))
    ci_key = cache_key(ci_of=key, values=values, bootstrap=cfg.signature_fields(), confidence=repr(cfg.confidence))
    hit = cache.get(ci_key)
    if hit is not None:
        try:
            return CI(**hit.details)
        except TypeError:
            pass                                    # an entry of another shape: recomputed below
    ci = _ci(metric, out, resamples.counts, cfg)
    cache.put(ci_key, MetricOutput(per_study=np.array([ci.low, ci.high, ci.point, ci.std_err]), score=ci.point,
                                   details=ci.to_dict()))
    return ci


def _ci(metric: Metric, out: MetricOutput, counts: np.ndarray | None, cfg: BootstrapConfig):
    from .stats import bootstrap_ci

    kwargs: dict[str, Any] = dict(counts=counts, n_resamples=cfg.n_resamples, seed=cfg.seed,
                                  confidence=cfg.confidence, method=cfg.method)
    if metric.corpus_level:
        return bootstrap_ci(stats=out.stats, aggregate=metric.aggregate, **kwargs)
    return bootstrap_ci(out.per_study, **kwargs)
