"""Executors: parsing, the local executor, and a local 2-worker Ray instance against the local run."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from rexbench import executors, registry
from rexbench.errors import RexbenchError
from rexbench.executors.ray_executor import RayExecutor, shard_bounds

from .test_bertscore import isolated, make_pairs  # noqa: F401  (fixture)

pytestmark = pytest.mark.filterwarnings("ignore:The given NumPy array is not writable")
needs_ray = pytest.mark.skipif(importlib.util.find_spec("ray") is None,
                               reason="Ray is not installed (pip install 'rexbench[ray]')")


@pytest.mark.parametrize("spec, expected", [(None, ("local", None)), ("local", ("local", None)), ("ray", ("ray", None)),
                                            ("RAY:3", ("ray", 3))])
def test_parse(spec, expected):
    assert executors.parse(spec) == expected


@pytest.mark.parametrize("spec", ["spark", "ray:0", "ray:x", "local:2", "dask"])
def test_parse_refuses(spec):
    with pytest.raises(RexbenchError, match="--executor"):
        executors.parse(spec)


def test_address_needs_ray():
    with pytest.raises(RexbenchError, match="--address needs --executor ray"):
        with executors.use("local", address="ray://head:10001"):
            pass


def test_shard_bounds_are_multiples_of_the_unit_in_order():
    bounds = shard_bounds(1000, 64, 8)
    assert bounds[0][0] == 0 and bounds[-1][1] == 1000
    assert all(b == c for (_, b), (c, _) in zip(bounds, bounds[1:]))
    assert all((b - a) % 64 == 0 for a, b in bounds[:-1])
    assert shard_bounds(10, 64, 4) == [(0, 10)]


def test_local_executor_is_the_metric_itself():
    refs, hyps = ["the lungs are clear", "no effusion"], ["lungs clear", "small effusion"]
    with executors.use("local") as ex:
        assert executors.current() is ex
        out = ex.compute(registry.load("rouge_l"), refs, hyps, None)
    assert out.per_study.tolist() == registry.load("rouge_l").compute(references=refs, predictions=hyps).per_study.tolist()
    assert executors.current().name == "local"


def test_ray_missing_says_what_to_install(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_ray(name, *args, **kwargs):
        if name == "ray" or name.startswith("ray."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    with pytest.raises(RexbenchError, match=r"pip install 'rexbench\[ray\]'"):
        RayExecutor(workers=2).actors()


def test_unshardable_metrics_stay_local_under_ray():
    """Lexical metrics are not sharded: Ray is never started for them."""
    ex = RayExecutor(workers=2)
    refs, hyps = ["the lungs are clear"] * 3, ["lungs clear"] * 3
    out = ex.compute(registry.load("bleu2_rexrank"), refs, hyps, None)
    assert ex.shards_sent == 0 and ex._actors is None and out.per_study.shape == (3,)


def test_bertscore_declares_its_shard_unit():
    from rexbench import bertscore_engine as engine

    assert registry.load("bertscore_minilm").shard_unit == engine.MATCH_BATCH
    assert registry.load("bertscore_minilm:idf=yes").shard_unit == 0   # idf is computed over all references


@pytest.mark.slow
@needs_ray
def test_ray_two_workers_give_the_local_numbers(isolated, monkeypatch):  # noqa: F811
    """bertscore_minilm on a local 2-worker Ray instance vs in-process: same numbers within tolerance (1e-6)."""
    refs, hyps = make_pairs(300)
    local = registry.load("bertscore_minilm").compute(references=refs, predictions=hyps)
    metric = registry.load("bertscore_minilm")
    ticks: list[int] = []
    with executors.use("ray:2") as ex:
        out = ex.compute(metric, refs, hyps, ticks.append)
        assert ex.shards_sent >= 2 and len(ex.actors()) == 2
    assert sum(ticks) == 300 and len(ticks) == ex.shards_sent
    assert np.abs(out.per_study - local.per_study).max() <= 1e-6
    for key in ("precision", "recall", "f1"):
        assert np.abs(out.components[key] - local.components[key]).max() <= 1e-6
    assert out.score == pytest.approx(local.score, abs=1e-6)
