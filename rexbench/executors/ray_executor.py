"""The Ray backend: a model metric's pairs cut into shards and spread over a pool of Ray actors.

Each actor rebuilds the metric once (from its module file, class and parameters) and keeps it, so a
model is loaded once per worker however many shards, metrics' tracks or submissions it serves. Shards
are contiguous runs of pairs cut at multiples of the metric's `shard_unit`, so the rows come back and
are concatenated in study order; the metric's `from_rows` then builds the output in the driver, as the
local run does. `--device`/`--batch-size` travel with each shard (`auto` resolves on the worker, so a GPU
worker uses its GPU).

Started without `--address`, Ray runs a private local instance with N CPU workers (no dashboard, usage
statistics off: rexbench never goes online) and shuts it down after the run. With `--address`, rexbench
connects to the existing cluster and leaves it running; its workers need rexbench, the metric folders and
the model weights at the same paths (e.g. one container image).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..errors import RexbenchError

RAY_MISSING = "--executor ray needs Ray on this machine: pip install 'rexbench[ray]'"
SHARDS_PER_WORKER = 4                 # several shards per worker: uneven shards balance, the bar moves
ENV_PREFIXES = ("REXBENCH_", "HF_", "TRANSFORMERS_")   # caches, model folders and offline switches


class RayExecutor:
    name = "ray"

    def __init__(self, *, address: str | None = None, workers: int | None = None):
        self.address = address
        self.workers = workers
        self._actors: list[Any] | None = None
        self._started = False
        self.shards_sent = 0          # for tests and benchmarks

    # -- connection and actors ------------------------------------------------------------------------
    def _ray(self):
        try:
            import ray
        except ImportError:
            raise RexbenchError(RAY_MISSING) from None
        if not ray.is_initialized():
            import logging

            os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")   # no usage reports: nothing goes online
            kwargs: dict[str, Any] = dict(include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
            try:
                if self.address:
                    ray.init(address=self.address, **kwargs)
                else:
                    ray.init(num_cpus=self.workers or 2, **kwargs)
            except Exception as exc:  # Ray raises ConnectionError, RuntimeError, ValueError, ...
                where = f"the Ray cluster at {self.address}" if self.address else "a local Ray instance"
                raise RexbenchError(f"could not start or reach {where}: {str(exc).splitlines()[0]}") from None
            self._started = True
        return ray

    def actors(self) -> list[Any]:
        if self._actors is None:
            ray = self._ray()
            resources = ray.cluster_resources()
            gpus = int(resources.get("GPU", 0))
            count = self.workers or gpus or max(1, int(resources.get("CPU", 1)))
            per_actor_gpu = 1 if gpus >= count else 0
            env = {k: v for k, v in os.environ.items() if k.startswith(ENV_PREFIXES)}
            worker = ray.remote(num_cpus=1, num_gpus=per_actor_gpu)(MetricWorker)
            self._actors = [worker.options(runtime_env={"env_vars": env}).remote() for _ in range(count)]
        return self._actors

    def close(self) -> None:
        if self._actors is not None:
            import ray

            for actor in self._actors:
                ray.kill(actor)
            self._actors = None
        if self._started:
            import ray

            ray.shutdown()
            self._started = False

    # -- computing ------------------------------------------------------------------------------------
    def compute(self, metric, references, predictions, progress):
        unit = getattr(metric, "shard_unit", 0)
        n = len(references)
        if not unit or n <= unit:  # not shardable, or one shard: nothing to gain from the cluster
            return metric.compute(references=references, predictions=predictions, progress=progress)
        from ray.util import ActorPool

        from .. import device, parallel

        actors = self.actors()
        bounds = shard_bounds(n, unit, len(actors) * SHARDS_PER_WORKER)
        recipe = parallel._recipe(metric)
        options = dict(device._DEFAULTS)   # the run's --device/--batch-size, resolved on each worker
        pool = ActorPool(actors)
        for i, (a, b) in enumerate(bounds):
            pool.submit(lambda actor, job: actor.rows.remote(*job),
                        (i, recipe, list(references[a:b]), list(predictions[a:b]), options["device"], options["batch_size"]))
            self.shards_sent += 1
        parts: list[np.ndarray | None] = [None] * len(bounds)
        while pool.has_next():
            try:
                i, rows = pool.get_next_unordered()
            except Exception as exc:
                raise RexbenchError(f"{metric.spec}: a Ray worker failed: {_first_line(exc)}") from None
            parts[i] = rows
            if progress is not None:
                progress(bounds[i][1] - bounds[i][0])
        out = metric.from_rows(np.concatenate(parts, axis=0))
        metric._check(out, n)
        return out


def shard_bounds(n: int, unit: int, shards: int) -> list[tuple[int, int]]:
    """About `shards` contiguous ranges covering [0, n), each a multiple of `unit` long (the last: the rest)."""
    size = unit * max(1, -(-n // (max(1, shards) * unit)))
    return [(a, min(n, a + size)) for a in range(0, n, size)]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[-1] if text else type(exc).__name__


class MetricWorker:
    """A Ray actor: builds each metric once and computes the rows of the shards it is sent."""

    def rows(self, index: int, recipe, references: list[str], predictions: list[str],
             device_spec: str, batch_size: int) -> tuple[int, np.ndarray]:
        from rexbench import device, parallel

        with device.runtime(device=device_spec, batch_size=batch_size):
            metric = parallel._worker_metric(recipe)
            return index, np.asarray(metric.pair_rows(references, predictions), dtype=np.float64)
