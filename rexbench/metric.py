"""The Metric contract every metric under metrics/<name>/ implements.

A metric maps aligned (reference, prediction) pairs to
  * one value per study (`per_study`), used for distributions, subgroups and paired tests, and
  * the corpus score. For most metrics the corpus score is the mean of `per_study`. Corpus-level
    metrics (corpus BLEU, micro F1) set `corpus_level = True`, return per-study sufficient
    statistics (`stats`, shape (n, k)) and implement `aggregate`, which maps summed statistics
    to the score; the bootstrap resamples studies and re-aggregates, exactly like the point estimate.

A derived (composite) metric, such as RadCliQ-v1, subclasses `DerivedMetric`: it declares the metric
specs it is computed from (`input_specs`) and maps their per-study values to its own (`combine`). The
scorer computes each input once, sharing it with the user's requested metrics, and the inputs'
signatures are folded into the composite's signature.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from .errors import MetricError, UnknownMetric

Progress = Callable[[int], None]  # called with the number of items just finished

# How a derived metric loads its inputs from their specs: rexbench.registry installs its `load` here
# when imported (the registry imports this module, so this module must not import the registry).
_load_spec: Callable[[str], "Metric"] | None = None


def set_spec_loader(load: Callable[[str], "Metric"]) -> None:
    global _load_spec
    _load_spec = load


@dataclass(frozen=True)
class MetricOutput:
    per_study: np.ndarray                      # (n,) float64
    score: float                               # corpus score (full precision)
    stats: np.ndarray | None = None            # (n, k) sufficient statistics, corpus-level metrics only
    components: Mapping[str, np.ndarray] = field(default_factory=dict)  # extra per-study arrays
    details: Mapping[str, Any] = field(default_factory=dict)            # JSON-serialisable corpus extras


@dataclass(frozen=True)
class NoParams:
    """For metrics without parameters."""


class Metric:
    """Base class. Subclasses set the class attributes and implement `_compute`."""

    name: ClassVar[str]
    version: ClassVar[int] = 1                 # bump whenever a score could move
    description: ClassVar[str] = ""
    higher_is_better: ClassVar[bool] = True
    value_range: ClassVar[tuple[float, float]] = (0.0, 1.0)
    corpus_level: ClassVar[bool] = False
    Params: ClassVar[type] = NoParams
    # Short signature keys for params, e.g. {"rouge_type": "type"}; unlisted params keep their name.
    param_keys: ClassVar[Mapping[str, str]] = {}
    # Params that choose where/how fast a number is computed, not the number: not in spec or signature.
    runtime_params: ClassVar[tuple[str, ...]] = ("device", "batch_size")
    # How exactly a score reproduces across machines (absolute, on per-study values and the corpus score;
    # signature field `tol`). 0: bit for bit (lexical and rule metrics). Model metrics declare the drift
    # they measured across thread counts, batch sizes and CPUs (see their cards); `rexbench ci` uses it.
    tolerance: ClassVar[float] = 0.0
    # Pairwise metrics implement `pair_rows` (one row per pair, from that pair alone) and `from_rows`;
    # rexbench.parallel then scores each distinct pair once, in chunks, across processes.
    pairwise: ClassVar[bool] = False
    # Model metrics a cluster may split (rexbench.executors): pairs cut at multiples of `shard_unit`,
    # each shard's `pair_rows` computed by a worker, `from_rows` on all rows; 0 = never split.
    shard_unit: ClassVar[int] = 0

    def __init__(self, **params: Any):
        names = {f.name for f in dataclasses.fields(self.Params)}
        unknown = sorted(set(params) - names)
        if unknown:
            known = ", ".join(sorted(names)) or "none"
            raise UnknownMetric(f"metric {self.name!r} has no parameter {unknown[0]!r} (parameters: {known})")
        coerced = {k: _coerce(self.Params, k, v) for k, v in params.items()}
        self.params = self.Params(**coerced)

    # ---- readiness and provenance -------------------------------------------------------------
    def readiness(self) -> str | None:
        """None when the metric can run here, else one line saying exactly what to install or fetch."""
        return None

    def environment(self) -> dict[str, str]:
        """Library versions and model hashes that can move the score (they go into the signature)."""
        return {}

    def signature_fields(self) -> dict[str, str]:
        fields: dict[str, str] = {"v": str(self.version), "tol": f"{self.tolerance:g}"}
        for f in dataclasses.fields(self.params):
            if f.name not in self.runtime_params:
                fields[self.param_keys.get(f.name, f.name)] = format_value(getattr(self.params, f.name))
        fields.update(self.environment())
        return fields

    # ---- computation -------------------------------------------------------------------------
    def compute(self, *, references: Sequence[str], predictions: Sequence[str],
                progress: Progress | None = None) -> MetricOutput:
        if len(references) != len(predictions):
            raise MetricError(f"{self.name}: {len(references)} references but {len(predictions)} predictions")
        out = self._compute(list(references), list(predictions), progress)
        self._check(out, len(references))
        return out

    def _compute(self, references: list[str], predictions: list[str],
                 progress: Progress | None) -> MetricOutput:
        if not self.pairwise:
            raise NotImplementedError
        from .parallel import pair_rows

        return self.from_rows(pair_rows(self, references, predictions, progress))

    def pair_rows(self, references: list[str], predictions: list[str]) -> np.ndarray:
        """Pairwise metrics: (n,) per-study values or (n, k) rows, each from its own pair only."""
        raise NotImplementedError(f"{self.name} is not a pairwise metric")

    def from_rows(self, rows: np.ndarray) -> MetricOutput:
        """Pairwise metrics: the output from the rows of all pairs (default: rows are per-study values)."""
        return mean_output(rows)

    def aggregate(self, stats: np.ndarray) -> np.ndarray:
        """Corpus score from summed statistics, shape (..., k) -> (...). Corpus-level metrics only."""
        raise NotImplementedError(f"{self.name} is not a corpus-level metric")

    def _check(self, out: MetricOutput, n: int) -> None:
        if out.per_study.shape != (n,):
            raise MetricError(f"{self.name}: expected {n} per-study values, got shape {out.per_study.shape}")
        bad = np.flatnonzero(~np.isfinite(out.per_study))
        if bad.size:
            raise MetricError(f"{self.name}: non-finite value for study index {int(bad[0])} "
                              f"({bad.size} in all); a metric failure is an error, never averaged away")
        if not math.isfinite(out.score):
            raise MetricError(f"{self.name}: non-finite corpus score")
        if self.corpus_level and (out.stats is None or out.stats.shape[0] != n):
            raise MetricError(f"{self.name}: corpus-level metric must return (n, k) statistics")

    @property
    def spec(self) -> str:
        """The canonical spec string (name plus non-default params), e.g. `rouge_l:rouge_type=rouge1`."""
        default = self.Params()
        parts = [self.name]
        for f in dataclasses.fields(self.params):
            value = getattr(self.params, f.name)
            if value != getattr(default, f.name) and f.name not in self.runtime_params:
                parts.append(f"{f.name}={format_value(value)}")
        return ":".join(parts)


class DerivedMetric(Metric):
    """A metric computed from the per-study values of other metrics (its inputs), never from text directly.

    `combine` is the whole definition: it takes each input's per-study values (keyed by input spec) and
    can be fed published per-study components directly. `compute` (standalone use, evaluate.load,
    golden cases) computes the inputs itself; `rexbench score` computes them once via `input_specs`.
    """

    def input_specs(self) -> tuple[str, ...]:
        """The metric specs this metric combines, in the order `combine` documents."""
        raise NotImplementedError

    def input_metrics(self) -> list[Metric]:
        if not hasattr(self, "_inputs"):
            if _load_spec is None:
                raise MetricError(f"{self.name}: its input metrics load through rexbench.registry (import it first)")
            self._inputs = [_load_spec(spec) for spec in self.input_specs()]
        return list(self._inputs)

    def combine(self, inputs: Mapping[str, np.ndarray]) -> MetricOutput:
        """This metric's output from each input spec's per-study values (all the same length)."""
        raise NotImplementedError

    def combine_checked(self, inputs: Mapping[str, np.ndarray]) -> MetricOutput:
        missing = [s for s in self.input_specs() if s not in inputs]
        if missing:
            raise MetricError(f"{self.name}: missing input {missing[0]!r}")
        arrays = {s: np.asarray(inputs[s], dtype=np.float64) for s in self.input_specs()}
        sizes = {a.shape for a in arrays.values()}
        if len(sizes) != 1 or len(next(iter(sizes))) != 1:
            raise MetricError(f"{self.name}: inputs must be equal-length 1-d arrays, got shapes {sorted(sizes)}")
        out = self.combine(arrays)
        self._check(out, next(iter(sizes))[0])
        return out

    def readiness(self) -> str | None:
        problems = [f"input {m.spec}: {msg}" for m in self.input_metrics() if (msg := m.readiness())]
        return "; ".join(problems) or None

    def signature_fields(self) -> dict[str, str]:
        """Own fields, then one `in.<input spec>` field per input holding that input's own fields."""
        fields = super().signature_fields()
        for m in self.input_metrics():
            fields[f"in.{m.spec}"] = ",".join(f"{k}={v}" for k, v in m.signature_fields().items())
        return fields

    def _compute(self, references: list[str], predictions: list[str],
                 progress: Progress | None) -> MetricOutput:
        values = {spec: m.compute(references=references, predictions=predictions).per_study
                  for spec, m in zip(self.input_specs(), self.input_metrics())}
        if progress:
            progress(len(references))
        return self.combine_checked(values)


def mean_output(per_study: Sequence[float] | np.ndarray, **kwargs: Any) -> MetricOutput:
    """MetricOutput for a metric whose corpus score is the plain mean of per-study values."""
    values = np.asarray(per_study, dtype=np.float64)
    score = float(values.mean()) if values.size else float("nan")
    return MetricOutput(per_study=values, score=score, **kwargs)


def format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "none"
    if isinstance(value, (tuple, list)):
        return "+".join(format_value(v) for v in value)
    return str(value)


def _coerce(params_cls: type, key: str, value: Any) -> Any:
    """Parse CLI strings into the declared field type (bool, int, float, str)."""
    if not isinstance(value, str):
        return value
    default = getattr(params_cls(), key)
    try:
        if isinstance(default, bool):
            low = value.lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
    except ValueError:
        raise UnknownMetric(f"parameter {key}={value!r}: expected a {type(default).__name__}") from None
    return value
