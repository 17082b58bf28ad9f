"""oneDNN for an encoder's linear layers on CPU (float32 inference only), GELU fused into the feed-forward.

PyTorch runs `nn.Linear` on CPU through MKL's sgemm. oneDNN, which PyTorch ships as MKL-DNN, has its own
JIT-compiled GEMM; on a BERT encoder's shapes (a few thousand tokens x 384..3072) it ran 15-50 % faster
than MKL on the AMD EPYC (Zen 4) that benchmarks/results/bertscore.md describes, and it applies the
feed-forward's GELU as a post-op, saving a pass over the widest activation. Each output is the same dot
product summed in another order: float32 rounding differences (~1e-6 relative), far inside BERTScore's
declared tolerance, and deterministic for a given batch, so cold and warm runs stay bit-identical.

The op is `torch.ops.mkldnn._linear_pointwise`, the one PyTorch's own compiler (inductor) emits for CPU
linear layers. It is private to PyTorch, so `available()` checks that it exists and agrees with
`F.linear` before any model uses it; where it does not, models keep PyTorch's own kernels.
Set REXBENCH_ONEDNN=off to keep them anyway. Imports torch: imported only where a model is loaded.
"""

from __future__ import annotations

import functools
import os
from typing import Any

import torch
import torch.nn.functional as F

PACK_ROWS = 2048   # the rows a packed weight is laid out for (the encoder's token budget); any count works


def enabled() -> bool:
    """oneDNN unless REXBENCH_ONEDNN says off, and only where it works (`available`)."""
    if os.environ.get("REXBENCH_ONEDNN", "on").strip().lower() in ("0", "off", "no", "false"):
        return False
    return available()


@functools.cache
def available() -> bool:
    """The op exists in this PyTorch build and gives F.linear's numbers (and GELU's) on a small case,
    with the weight as it is and packed."""
    op = getattr(getattr(torch.ops, "mkldnn", None), "_linear_pointwise", None)
    if op is None or not torch.backends.mkldnn.is_available():
        return False
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(3, 5, 16, generator=generator)
    w = torch.randn(24, 16, generator=generator) / 4
    b = torch.randn(24, generator=generator)
    expected = F.linear(x, w, b)
    try:
        with torch.inference_mode():
            got = [(linear(x, weight, b), linear(x, weight, b, gelu=True)) for weight in (w, pack(w))]
    except (RuntimeError, TypeError, NotImplementedError):
        return False
    return all(plain.shape == expected.shape and torch.allclose(plain, expected, rtol=1e-5, atol=1e-5)
               and torch.allclose(fused, F.gelu(expected), rtol=1e-5, atol=1e-5) for plain, fused in got)


def pack(weight: Any) -> Any:
    """The weight reordered once into oneDNN's blocked layout (else reordered on every call), or as it
    is where this build cannot: the same numbers either way, ~3 % sooner packed."""
    reorder = getattr(torch.ops.mkldnn, "_reorder_linear_weight", None)
    if reorder is None:
        return weight
    try:
        return reorder(weight.detach(), PACK_ROWS)
    except (RuntimeError, TypeError, NotImplementedError):
        return weight


def linear(x: Any, weight: Any, bias: Any, gelu: bool = False) -> Any:
    """`F.linear(x, weight, bias)`, then exact (erf) GELU when `gelu`, with oneDNN; any leading dims;
    `weight` plain or `pack`ed."""
    if gelu:
        return torch.ops.mkldnn._linear_pointwise(x, weight, bias, "gelu", [], "none")  # "none": erf, not tanh
    return torch.ops.mkldnn._linear_pointwise(x, weight, bias, "none", [], "")


class OneDnnLinear(torch.nn.Module):
    """Stands in for an `nn.Linear` (same parameters, not copied; plus their packed copy), optionally
    with GELU after it."""

    def __init__(self, source: Any, gelu: bool = False):
        super().__init__()
        self.weight = source.weight
        self.bias = source.bias
        self.packed = pack(source.weight)   # not a parameter: an opaque oneDNN tensor, CPU only
        self.in_features, self.out_features = source.in_features, source.out_features
        self.gelu = gelu

    def forward(self, x: Any) -> Any:
        return linear(x, self.packed, self.bias, self.gelu)


def use_onednn(model: Any) -> int:
    """Swap each float32 `nn.Linear` with a bias in `model` for `OneDnnLinear`, with the GELU of a
    BERT-style feed-forward (`dense` then exact `intermediate_act_fn`) fused in; the count swapped."""
    from transformers.activations import GELUActivation

    swapped = 0
    for module in list(model.modules()):
        fuse_gelu = (isinstance(getattr(module, "intermediate_act_fn", None), GELUActivation)
                     and module.intermediate_act_fn.act is F.gelu)
        for name, child in list(module.named_children()):
            if type(child) is not torch.nn.Linear or child.bias is None or child.weight.dtype != torch.float32:
                continue
            gelu = fuse_gelu and name == "dense"
            setattr(module, name, OneDnnLinear(child, gelu=gelu))
            if gelu:
                module.intermediate_act_fn = torch.nn.Identity()
            swapped += 1
    return swapped
