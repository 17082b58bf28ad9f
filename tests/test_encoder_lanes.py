"""BERTScore's encoder with two batches in flight on CPU (bertscore_encoder.LANES): same embeddings as one
batch at a time, deterministic, torch's thread setting restored; the fused q/k/v projection is thread-safe."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from rexbench import bertscore_encoder as encoders  # noqa: E402
from rexbench.fused_qkv import _Projection  # noqa: E402

from .test_onednn_linear import TEXTS, minilm_path  # noqa: E402


@pytest.fixture
def encoder(monkeypatch):
    monkeypatch.delenv("REXBENCH_ONEDNN", raising=False)
    threads = torch.get_num_threads()
    yield encoders.Encoder(Path(minilm_path()), 6, "float32")
    torch.set_num_threads(threads)


def texts(n: int) -> list[str]:
    return [" ".join(TEXTS[(i + k) % len(TEXTS)] for k in range(1 + i % 4)) for i in range(n)]


def test_two_lanes_give_one_lanes_embeddings_and_restore_threads(encoder, monkeypatch):
    if torch.get_num_threads() < 2:
        torch.set_num_threads(2)
    threads = torch.get_num_threads()
    encoder.token_budget = 96                    # many small batches, so the lanes interleave
    ids = encoder.token_ids(texts(60), True)
    monkeypatch.setattr(encoders, "LANES", 1)
    one = encoder.encode(ids)
    monkeypatch.setattr(encoders, "LANES", 2)
    seen: list[str] = []
    original = encoder._forward

    def spy(batch, id_lists):
        seen.append(threading.current_thread().name)
        return original(batch, id_lists)

    monkeypatch.setattr(encoder, "_forward", spy)
    calls: list[int] = []
    two = encoder.encode(ids, calls.append)
    again = encoder.encode(ids)
    assert torch.get_num_threads() == threads                      # the lanes' 1 thread each did not leak
    assert len({name for name in seen if name.startswith("rexbench-encoder")}) == 2
    assert len(encoder._batches(ids)) == len(calls) > 4 and sum(calls) == len(ids)
    for a, b, c in zip(one, two, again):
        assert a.shape == b.shape
        np.testing.assert_array_equal(b, c)                        # deterministic, whichever lane ran what
        np.testing.assert_allclose(a, b, rtol=0, atol=2e-5)        # 1 vs 2 threads per product: rounding at most


def test_one_lane_where_torch_has_one_thread(encoder, monkeypatch):
    torch.set_num_threads(1)
    names: list[str] = []
    original = encoder._forward
    monkeypatch.setattr(encoder, "_forward", lambda b, i: names.append(threading.current_thread().name) or original(b, i))
    encoder.encode(encoder.token_ids(texts(6), True))
    assert names and set(names) == {threading.current_thread().name}
    assert torch.get_num_threads() == 1


def test_fused_projection_keeps_each_threads_input_apart():
    """Two threads inside the fused product at once: each gets its own query, never the other's."""
    torch.manual_seed(0)
    parts = [torch.nn.Linear(8, 8) for _ in range(3)]
    both_inside = threading.Barrier(2, timeout=10)

    class SlowLinear(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, x):
            y = self.inner(x)
            both_inside.wait()                # neither stores its result before the other computed its own
            return y

    projection = _Projection(parts)
    projection.fused = SlowLinear(projection.fused)
    hidden = {name: torch.randn(2, 3, 8) for name in "ab"}
    got: dict[str, object] = {}

    def run(name: str) -> None:
        got[name] = [projection.part(hidden[name], i) for i in range(3)]

    workers = [threading.Thread(target=run, args=(n,)) for n in "ab"]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    with torch.no_grad():
        for name in "ab":
            for i, part in enumerate(parts):
                torch.testing.assert_close(got[name][i], part(hidden[name]), rtol=0, atol=1e-6)
