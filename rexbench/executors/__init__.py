"""Where metrics run: `local` (this process, plus rexbench.parallel's pool for CPU-bound metrics) or
`ray` (heavy model metrics sharded across the actors of a Ray cluster, each loading its model once).

`rexbench score/ci --executor ray[:N] [--address ADDR]` installs an executor for the run; scoring asks
`current()` to compute each metric. A metric is sharded only if it declares a `shard_unit` (pairs are
cut at multiples of it, so every shard is computed exactly as the same pairs would be locally, up to
encoder batching: numbers agree within the metric's tolerance); everything else runs locally.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Protocol

from ..errors import RexbenchError

if TYPE_CHECKING:
    from ..metric import Metric, MetricOutput, Progress

KINDS = ("local", "ray")


class Executor(Protocol):
    name: str

    def compute(self, metric: "Metric", references: list[str], predictions: list[str],
                progress: "Progress | None") -> "MetricOutput": ...

    def close(self) -> None: ...


class LocalExecutor:
    name = "local"

    def compute(self, metric, references, predictions, progress):
        return metric.compute(references=references, predictions=predictions, progress=progress)

    def close(self) -> None:
        pass


_CURRENT: ContextVar[Executor] = ContextVar("rexbench_executor", default=LocalExecutor())


def current() -> Executor:
    return _CURRENT.get()


def parse(spec: str | None) -> tuple[str, int | None]:
    """`local`, `ray` or `ray:N` (N workers) -> (kind, workers)."""
    value = (spec or "local").strip().lower()
    kind, _, count = value.partition(":")
    if kind not in KINDS or (count and kind != "ray"):
        raise RexbenchError(f"--executor {spec!r}: expected local, ray or ray:N (N workers)")
    if not count:
        return kind, None
    if not count.isdigit() or int(count) < 1:
        raise RexbenchError(f"--executor {spec!r}: the number of Ray workers must be a positive integer")
    return kind, int(count)


@contextmanager
def use(spec: str | None = None, *, address: str | None = None) -> Iterator[Executor]:
    """Install the executor for the block; a Ray executor connects lazily (only when a metric needs it)."""
    kind, workers = parse(spec)
    if kind == "local" and address:
        raise RexbenchError("--address needs --executor ray")
    if kind == "ray":
        from .ray_executor import RayExecutor

        executor: Executor = RayExecutor(address=address, workers=workers)
    else:
        executor = LocalExecutor()
    token = _CURRENT.set(executor)
    try:
        yield executor
    finally:
        _CURRENT.reset(token)
        executor.close()
