"""Pairwise metrics: each distinct (reference, prediction) pair scored once, in chunks, across processes.

A metric with `pairwise = True` maps every pair to a row that depends on that pair alone
(`Metric.pair_rows`), and turns all rows into its output (`Metric.from_rows`). So rexbench can

* score each distinct pair once and copy its row to the repeats (template reports repeat a lot);
* cut the distinct pairs into chunks, which advance the progress bar as they finish;
* inside `session(jobs=N)` with N > 1, send the chunks to N worker processes (spawned: no state
  inherited from the parent, so a loaded torch is never forked). Rows come back in chunk order and
  `from_rows` runs once in the parent on the full array, so the numbers are bit-identical to jobs=1.

Small inputs stay in-process: starting workers (imports, WordNet) costs more than they save.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any, Protocol

import numpy as np

from .errors import RexbenchError

Progress = Callable[[int], None]


class Metric(Protocol):
    """What this module needs of a pairwise rexbench.metric.Metric (not imported: it imports this module)."""
    name: str
    params: Any

    def pair_rows(self, references: list[str], predictions: list[str]) -> np.ndarray: ...

MAX_DEFAULT_JOBS = 8      # each worker holds its own WordNet / tokenizer tables (~250 MB with WordNet)
MIN_POOL_PAIRS = 2000     # fewer distinct pairs than this: score in-process
CHUNKS_PER_JOB = 8        # several chunks per worker: balances uneven chunks and paces the progress bar
MAX_CHUNK = 1000


def default_jobs() -> int:
    """Usable CPUs (affinity-aware), at most MAX_DEFAULT_JOBS."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(MAX_DEFAULT_JOBS, cpus))


def resolve_jobs(jobs: int | None) -> int:
    if jobs is None or jobs == 0:
        return default_jobs()
    if jobs < 0:
        raise RexbenchError(f"--jobs {jobs}: expected a positive number of processes (0 = one per CPU, at most "
                            f"{MAX_DEFAULT_JOBS})")
    return jobs


class _Session:
    """The worker pool of one scoring run, started on first use and shut down when the run ends."""

    def __init__(self, jobs: int):
        self.jobs = jobs
        self._pool: ProcessPoolExecutor | None = None

    def pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            import multiprocessing

            self._pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=multiprocessing.get_context("spawn"))
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


_SESSION: ContextVar[_Session | None] = ContextVar("rexbench_parallel_session", default=None)


@contextmanager
def session(jobs: int | None = None) -> Iterator[int]:
    """Run pairwise metrics of the block on `jobs` processes (None or 0: default_jobs(); 1: in-process)."""
    n = resolve_jobs(jobs)
    current = _Session(n) if n > 1 else None
    token = _SESSION.set(current)
    try:
        yield n
    finally:
        _SESSION.reset(token)
        if current is not None:
            current.close()


def distinct_pairs(references: Sequence[str], predictions: Sequence[str]) -> tuple[list[str], list[str], np.ndarray]:
    """The distinct pairs in first-seen order, and for each input pair the index of its distinct pair."""
    seen: dict[tuple[str, str], int] = {}
    inverse = np.fromiter((seen.setdefault(pair, len(seen)) for pair in zip(references, predictions)),
                          dtype=np.int64, count=len(references))
    refs = [r for r, _ in seen]
    preds = [p for _, p in seen]
    return refs, preds, inverse


def chunk_bounds(n: int, jobs: int) -> list[tuple[int, int]]:
    size = max(1, min(MAX_CHUNK, -(-n // (jobs * CHUNKS_PER_JOB))))
    return [(a, min(n, a + size)) for a in range(0, n, size)]


def pair_rows(metric: Metric, references: Sequence[str], predictions: Sequence[str],
              progress: Progress | None = None) -> np.ndarray:
    """`metric.pair_rows` over all pairs: distinct pairs once, chunked, in a pool when a session has one."""
    refs, preds, inverse = distinct_pairs(references, predictions)
    current = _SESSION.get()
    use_pool = current is not None and len(refs) >= MIN_POOL_PAIRS
    bounds = chunk_bounds(len(refs), current.jobs if use_pool else 1)
    done = 0

    def advance(k: int) -> None:
        # Progress counts input pairs: the distinct ones finished, scaled to the whole input.
        nonlocal done
        if progress is None or not refs:
            return
        before = done * len(references) // len(refs)
        done += k
        progress(done * len(references) // len(refs) - before)

    parts: list[np.ndarray | None] = [None] * len(bounds)
    if use_pool:
        assert current is not None
        pool = current.pool()
        recipe = _recipe(metric)
        pending = {pool.submit(_worker_rows, recipe, refs[a:b], preds[a:b]): (i, b - a)
                   for i, (a, b) in enumerate(bounds)}
        try:
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    i, size = pending.pop(future)
                    parts[i] = future.result()
                    advance(size)
        finally:
            for future in pending:
                future.cancel()
    else:
        for i, (a, b) in enumerate(bounds):
            parts[i] = np.asarray(metric.pair_rows(refs[a:b], preds[a:b]), dtype=np.float64)
            advance(b - a)
    if not parts:
        return np.zeros((0,), dtype=np.float64)
    rows = np.concatenate([np.asarray(p, dtype=np.float64) for p in parts], axis=0)
    return rows[inverse]


# ---- worker side ---------------------------------------------------------------------------------

def _recipe(metric: Metric) -> tuple[str, str, str, tuple[tuple[str, Any], ...]]:
    """What a worker needs to rebuild the metric: its module file, class, name and parameters."""
    import dataclasses
    import sys

    cls = type(metric)
    module = sys.modules[cls.__module__]
    params = tuple((f.name, getattr(metric.params, f.name)) for f in dataclasses.fields(metric.params))
    return (str(module.__file__), cls.__module__, cls.__qualname__, params)


@lru_cache(maxsize=16)
def _worker_metric(recipe: tuple[str, str, str, tuple[tuple[str, Any], ...]]) -> Metric:
    import importlib.util
    import sys

    path, module_name, qualname, params = recipe
    module = sys.modules.get(module_name)
    if module is None:
        spec = importlib.util.spec_from_file_location(module_name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return getattr(module, qualname)(**dict(params))


def _worker_rows(recipe, references: list[str], predictions: list[str]) -> np.ndarray:
    return np.asarray(_worker_metric(recipe).pair_rows(references, predictions), dtype=np.float64)
