"""BERTScore under --device/--batch-size/dtype: the CUDA path's logic checked on CPU (no GPU needed)."""

from __future__ import annotations

import numpy as np
import pytest

from rexbench import bertscore_encoder as encoders
from rexbench import device, registry
from rexbench.device import DeviceError

from .test_bertscore import isolated, make_pairs  # noqa: F401  (fixture)

pytestmark = pytest.mark.filterwarnings("ignore:The given NumPy array is not writable")


def test_batch_size_changes_batches_not_numbers(isolated, monkeypatch):  # noqa: F811
    monkeypatch.setattr(device, "_DEFAULTS", {"device": "auto", "batch_size": 0})
    refs, hyps = make_pairs(60)
    default = registry.load("bertscore_minilm").compute(references=refs, predictions=hyps)
    with device.runtime(device="cpu", batch_size=4):
        small = registry.load("bertscore_minilm").compute(references=refs, predictions=hyps)
        assert encoders.get_encoder(registry.load("bertscore_minilm").model_folder(), 6, "float32", "cpu", 4).max_batch == 4
    assert np.abs(small.per_study - default.per_study).max() < 1e-6
    # Embeddings made under other batches live in their own cache folder (cold/warm stay bit-identical).
    folders = sorted(p.name for p in (isolated / "cache" / "embeddings").iterdir())
    assert len(folders) == 2


def test_float16_needs_cuda(isolated, monkeypatch):  # noqa: F811
    refs, hyps = make_pairs(30)
    metric = registry.load("bertscore_minilm:dtype=float16")
    assert metric.signature_fields()["dtype"] == "float16"
    with device.runtime(device="cpu"), pytest.raises(DeviceError, match="float16 needs a CUDA device"):
        metric.compute(references=refs, predictions=hyps)


def test_cuda_device_resolves_and_reaches_the_model(isolated, monkeypatch):  # noqa: F811
    """With torch reporting a GPU, `auto` picks cuda:0 and the encoder is asked to move there."""
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    moved = []

    class Refuse(Exception):
        pass

    def fake_to(self, *args, **kwargs):
        moved.append(args)
        raise Refuse  # this machine has no GPU: stop where the real code would move the model

    monkeypatch.setattr(torch.nn.Module, "to", fake_to)
    monkeypatch.setattr(encoders, "_ENCODERS", type(encoders._ENCODERS)())
    monkeypatch.setattr(device, "_DEFAULTS", {"device": "auto", "batch_size": 0})
    refs, hyps = make_pairs(30)
    with device.runtime(device="auto"):
        assert device.current_device() == "cuda:0"
        with pytest.raises(Refuse):
            registry.load("bertscore_minilm").compute(references=refs, predictions=hyps)
    assert moved == [("cuda:0",)]
    with device.runtime(device="cuda:1"):
        assert device.current_device() == "cuda:1"


def test_no_gpu_here_means_cpu_for_auto_and_an_error_for_cuda(monkeypatch):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    assert device.resolve("auto") == "cpu"
    with pytest.raises(DeviceError, match="device cuda is not available here"):
        device.resolve("cuda")
