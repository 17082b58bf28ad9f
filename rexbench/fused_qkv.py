"""One matrix product for an attention layer's query, key and value projections (inference only).

BERT-style attention (BERT, RoBERTa and their descendants) projects the same hidden states three times
through `query`, `key` and `value` (hidden x hidden each). On CPU a hidden x hidden product runs at about
half the FLOP rate of the wider feed-forward ones, so one hidden x 3·hidden product (the three weight
matrices stacked) does the same work sooner. Each output element is the same dot product over the same
inputs; with MKL on CPU the embeddings come out bit-identical (checked by tests/test_bertscore.py), and
any BLAS gives the unfused numbers to float32 rounding.

The model's own forward is untouched: `query`, `key` and `value` become views of one fused projection
(an `nn.Linear` with the three weight matrices stacked). The first of them to see a hidden-states tensor
computes all three; the other two slice that result when they are called on the same tensor object, and
compute their own otherwise; each thread keeps its own (threads may run the model at once). Only for the model
types listed in FUSABLE, whose attention calls the three one after the other on the same hidden states
with nothing in between (inference tensors carry no version counter to check that). Imports torch:
imported only where a model is loaded.
"""

from __future__ import annotations

import threading
from typing import Any

import torch

PARTS = ("query", "key", "value")
FUSABLE = ("bert", "roberta", "xlm-roberta")   # transformers model types with BERT's self-attention


def fuse_qkv(model: Any) -> int:
    """Fuse every attention module of `model` (of a FUSABLE type, after any .to()) that has Linear
    query/key/value of one shape; the count fused. The fused product is an `nn.Linear` in the module
    tree (`<attention>.query.projection.fused`), so later passes over the model's linear layers
    (rexbench.onednn_linear) reach it too."""
    if getattr(getattr(model, "config", None), "model_type", None) not in FUSABLE:
        return 0
    fused = 0
    for module in list(model.modules()):
        parts = [getattr(module, name, None) for name in PARTS]
        if not all(isinstance(p, torch.nn.Linear) and p.bias is not None for p in parts):
            continue
        if len({(p.in_features, p.out_features) for p in parts}) != 1:
            continue
        projection = _Projection(parts)
        for i, name in enumerate(PARTS):
            setattr(module, name, _Part(projection, i))
        fused += 1
    return fused


class _Projection(torch.nn.Module):
    """The stacked weights as one Linear, and each thread's last input and fused output (held only
    between the three calls)."""

    def __init__(self, parts: list[Any]):
        super().__init__()
        first = parts[0]
        self.fused = torch.nn.Linear(first.in_features, len(parts) * first.out_features,
                                     device=first.weight.device, dtype=first.weight.dtype)
        with torch.no_grad():
            self.fused.weight.copy_(torch.cat([p.weight for p in parts]))
            self.fused.bias.copy_(torch.cat([p.bias for p in parts]))
        self.fused.requires_grad_(False)
        self.width = first.out_features
        self._last = threading.local()   # per thread: threads may run the model at the same time

    def part(self, hidden: Any, i: int) -> Any:
        last = self._last
        if getattr(last, "input", None) is not hidden:
            last.input = hidden
            last.output = self.fused(hidden)
        out = last.output[..., i * self.width:(i + 1) * self.width]
        if i == len(PARTS) - 1:
            last.input = last.output = None   # nothing held between forward passes
        return out


class _Part(torch.nn.Module):
    """Stands in for one of query/key/value: its slice of the fused projection."""

    def __init__(self, projection: _Projection, index: int):
        super().__init__()
        self.projection = projection
        self.index = index

    def forward(self, hidden: Any) -> Any:
        return self.projection.part(hidden, self.index)
