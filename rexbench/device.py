"""Which torch device model metrics run on: `auto` (CUDA when present, else CPU), `cpu`, `cuda` or `cuda:N`.

Model metrics take `device` and `batch_size` parameters (empty: the run-wide default that
`rexbench score --device/--batch-size` sets, so a derived metric's inputs follow it too). Both are
runtime parameters: they are left out of a metric's spec and signature, because they do not choose the
number (fp32 by default everywhere, so CPU and GPU agree to the metric's tolerance).
"""

from __future__ import annotations

import re

from .errors import UnknownMetric

_PATTERN = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")


def check(value: str) -> str:
    value = value.strip().lower()
    if not _PATTERN.match(value):
        raise UnknownMetric(f"device must be auto, cpu, cuda or cuda:N, got {value!r}")
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
        raise UnknownMetric(f"device {value} is not available here (CUDA devices: "
                            f"{torch.cuda.device_count() if torch.cuda.is_available() else 0}); use --device cpu")
    return f"cuda:{index}"


_DEFAULTS = {"device": "auto", "batch_size": 0}


def set_defaults(*, device: str | None = None, batch_size: int | None = None) -> None:
    """Run-wide defaults (`rexbench score --device/--batch-size`) for metrics whose params are left empty."""
    if device is not None:
        _DEFAULTS["device"] = check(device)
    if batch_size is not None:
        if batch_size < 0:
            raise UnknownMetric(f"batch size must be positive, got {batch_size}")
        _DEFAULTS["batch_size"] = batch_size


def chosen(device: str) -> str:
    """A metric's `device` param, or the run-wide default when it is empty."""
    return check(device) if device else str(_DEFAULTS["device"])


def chosen_batch_size(batch_size: int, default: int) -> int:
    """A metric's `batch_size` param, else the run-wide default, else the metric's own default."""
    if batch_size < 0:
        raise UnknownMetric(f"batch_size must be positive, got {batch_size}")
    return batch_size or int(_DEFAULTS["batch_size"]) or default
