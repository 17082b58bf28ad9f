"""Which torch device model metrics run on: `auto` (CUDA when present, else CPU), `cpu`, `cuda` or `cuda:N`.

Model metrics take `device` and `batch_size` parameters (empty: the run-wide default that
`rexbench score --device/--batch-size` sets, so a derived metric's inputs follow it too). Both are
runtime parameters: they are left out of a metric's spec and signature, because they do not choose the
number (fp32 by default everywhere, so CPU and GPU agree to the metric's tolerance). Precision is
different: `float32` is the default, `bfloat16` / `float16` are opt-ins that move numbers beyond the
tolerance, so a metric keeps its dtype as a parameter, in its signature.

Nothing here imports torch until a device has to be resolved, so a run whose scores all come from the
cache never imports it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from .errors import UnknownMetric

_PATTERN = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")
DTYPES = {"float32": "float32", "fp32": "float32", "bfloat16": "bfloat16", "bf16": "bfloat16",
          "float16": "float16", "fp16": "float16"}


class DeviceError(UnknownMetric):
    """A device, dtype or batch size that cannot be used here (one line: what was asked, what exists)."""


def check(value: str) -> str:
    value = value.strip().lower()
    if not _PATTERN.match(value):
        raise DeviceError(f"device must be auto, cpu, cuda or cuda:N, got {value!r}")
    return value


def resolve(value: str) -> str:
    """The concrete device for `value` on this machine; a CUDA device that is absent is an error."""
    value = check(value)
    if value == "cpu":
        return "cpu"
    import torch

    if value == "auto":
        return "cuda:0" if torch.cuda.is_available() else "cpu"
    index = int(value.split(":")[1]) if ":" in value else 0
    if not torch.cuda.is_available() or index >= torch.cuda.device_count():
        raise DeviceError(f"device {value} is not available here (CUDA devices: "
                          f"{torch.cuda.device_count() if torch.cuda.is_available() else 0}); use --device cpu")
    return f"cuda:{index}"


_DEFAULTS = {"device": "auto", "batch_size": 0}


def set_defaults(*, device: str | None = None, batch_size: int | None = None) -> None:
    """Run-wide defaults (`rexbench score --device/--batch-size`) for metrics whose params are left empty."""
    if device is not None:
        _DEFAULTS["device"] = check(device)
    if batch_size is not None:
        if batch_size < 0:
            raise DeviceError(f"batch size must be positive, got {batch_size}")
        _DEFAULTS["batch_size"] = batch_size


@contextmanager
def runtime(*, device: str | None = None, batch_size: int | None = None) -> Iterator[None]:
    """The run-wide defaults for the block only (restored after it): what a Ray worker runs a shard under."""
    saved = dict(_DEFAULTS)
    try:
        set_defaults(device=device, batch_size=batch_size)
        yield
    finally:
        _DEFAULTS.clear()
        _DEFAULTS.update(saved)


def chosen(device: str) -> str:
    """A metric's `device` param, or the run-wide default when it is empty."""
    return check(device) if device else str(_DEFAULTS["device"])


def chosen_batch_size(batch_size: int, default: int) -> int:
    """A metric's `batch_size` param, else the run-wide default, else the metric's own default."""
    if batch_size < 0:
        raise DeviceError(f"batch_size must be positive, got {batch_size}")
    return batch_size or int(_DEFAULTS["batch_size"]) or default


def current_device() -> str:
    """The resolved run-wide device (for metrics without a device param of their own, e.g. BERTScore)."""
    return resolve(chosen(""))


def current_batch_size(default: int) -> int:
    return chosen_batch_size(0, default)


def canonical_dtype(name: str) -> str:
    """`float32`, `bfloat16` or `float16` for any accepted spelling."""
    key = name.strip().lower()
    if key not in DTYPES:
        raise DeviceError(f"dtype {name!r}: expected one of float32, bfloat16, float16 (or fp32, bf16, fp16)")
    return DTYPES[key]


def torch_dtype(name: str):
    import torch

    return getattr(torch, canonical_dtype(name))


def check_dtype_on(device: str, dtype: str) -> None:
    """float16 kernels on CPU are slow or missing for several ops: refuse rather than crawl."""
    if canonical_dtype(dtype) == "float16" and device == "cpu":
        raise DeviceError("dtype float16 needs a CUDA device; on CPU use float32 or bfloat16")
