"""BERTScore's encoder: bert_score's tokenizer and model (truncated to a layer), batched by token count.

`Encoder.token_ids` is bert_score.utils.sent_encode; `Encoder.encode` returns each text's last hidden
state in float32, encoding in batches sorted by token count under a token budget (bert_score uses fixed
batches of 64 sorted by word count, so about a quarter of its encoder work is padding). BERT/RoBERTa
query/key/value run as one product (rexbench.fused_qkv) and, on CPU in float32, the linear layers run on
oneDNN (rexbench.onednn_linear). `get_encoder` keeps the two most recently used models loaded.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import models
from .errors import UnknownMetric
from .metric import Progress

TOKEN_BUDGET = 2048   # padded tokens per encoder batch (measured best on CPU between 1k and 4k)
MAX_BATCH = 128       # texts per encoder batch at most
GPU_TOKEN_BUDGET = 32768  # on a GPU, bigger batches pay (same numbers within tolerance; own embedding cache)
LANES = 2             # encoder batches in flight on CPU (Encoder._forward_all)


class Encoder:
    """A tokenizer and a model truncated to `layer` layers on `device`; `encode` returns float32 token
    embeddings (on the CPU)."""

    def __init__(self, folder: Path, layer: int, dtype: str, device: str = "cpu", max_batch: int = MAX_BATCH):
        import torch
        from transformers import AutoModel, AutoTokenizer, GPT2Tokenizer, RobertaTokenizer
        from transformers.utils import logging as hf_logging

        self.folder = folder
        self.layer = layer
        self.dtype = dtype
        self.device = device
        self.max_batch = max_batch
        self.token_budget = token_budget(device)
        # bert_score.utils.get_tokenizer / get_model, loaded from the local folder only.
        bar = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()  # no "Loading weights" bar on stderr; restored below
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(str(folder), use_fast=False, local_files_only=True)
            model = AutoModel.from_pretrained(str(folder), local_files_only=True)
        finally:
            if bar:
                hf_logging.enable_progress_bar()
        model.eval()
        if hasattr(model, "decoder") and hasattr(model, "encoder"):
            model = model.encoder
        _truncate_layers(model, layer, folder)
        if getattr(model, "pooler", None) is not None:
            model.pooler = None   # BERT/RoBERTa's pooled [CLS] output: never used, only computed
        if dtype != "float32":
            model = model.to(getattr(torch, dtype))
        self.model = model.to(device)
        from .fused_qkv import fuse_qkv

        self.kernels = kernels_for(device, dtype)
        fuse_qkv(self.model)                          # one product for query, key and value
        if self.kernels == "onednn":
            from . import onednn_linear

            onednn_linear.use_onednn(self.model)      # every linear layer, GELU fused in
        self.byte_level = isinstance(self.tokenizer, (GPT2Tokenizer, RobertaTokenizer))
        self.encoded = 0  # texts encoded by this encoder (tests count cache hits with it)

    def token_ids(self, texts: Sequence[str], prefix_space: bool) -> list[list[int]]:
        """bert_score.utils.sent_encode for each text."""
        tok = self.tokenizer
        out: list[list[int]] = []
        stripped = [t.strip() for t in texts]
        nonempty = [s for s in stripped if s]
        if self.byte_level and prefix_space:
            nonempty = [" " + s for s in nonempty]
        encoded = iter(tok(nonempty, add_special_tokens=True, max_length=tok.model_max_length,
                           truncation=True)["input_ids"]) if nonempty else iter(())
        for s in stripped:
            out.append(list(next(encoded)) if s else self.empty_ids())
        return out

    def empty_ids(self) -> list[int]:
        """bert_score's `build_inputs_with_special_tokens([])` ([CLS] [SEP]); transformers 5 dropped that
        method (bert_score 0.3.13 then crashes on an empty text), so build the same two tokens."""
        tok = self.tokenizer
        try:
            return list(tok.build_inputs_with_special_tokens([]))
        except AttributeError:
            return [tok.cls_token_id, tok.sep_token_id]

    def encode(self, id_lists: Sequence[Sequence[int]], on_batch: Progress | None = None) -> list[np.ndarray]:
        """Last hidden state of each sequence, (len, hidden) float32, in input order; `on_batch(k)` after
        each forward pass of k texts."""
        out: list[np.ndarray | None] = [None] * len(id_lists)
        for batch, rows in self._forward_all(self._batches(id_lists), id_lists):
            for i, row in zip(batch, rows):
                out[i] = row
            self.encoded += len(batch)
            if on_batch is not None:
                on_batch(len(batch))
        return out  # type: ignore[return-value]

    def _batches(self, id_lists: Sequence[Sequence[int]]) -> list[list[int]]:
        """Indices sorted by token count (longest first), cut into batches under the token budget."""
        order = sorted(range(len(id_lists)), key=lambda i: (-len(id_lists[i]), i))
        batches, start = [], 0
        while start < len(order):
            longest = len(id_lists[order[start]])
            size = max(1, min(self.max_batch, self.token_budget // max(longest, 1)))
            batches.append(order[start:start + size])
            start += size
        return batches

    def _forward_all(self, batches: list[list[int]], id_lists: Sequence[Sequence[int]]):
        """(batch, rows) for each batch, in order. On CPU with two or more torch threads, LANES batches are
        in flight on as many Python threads, each with its share of torch's threads: one batch's Python and
        single-threaded stretches overlap another's matrix products (benchmarks/results/bertscore.md).
        Every batch runs with the same thread count whichever lane takes it, so results are deterministic."""
        import torch

        threads = torch.get_num_threads()
        lanes = min(LANES, threads) if self.device == "cpu" else 1
        if lanes <= 1:
            for batch in batches:
                yield batch, self._forward(batch, id_lists)
            return
        from concurrent.futures import ThreadPoolExecutor

        try:
            with ThreadPoolExecutor(lanes, thread_name_prefix="rexbench-encoder", initializer=torch.set_num_threads,
                                    initargs=(threads // lanes,)) as pool:
                yield from zip(batches, pool.map(lambda batch: self._forward(batch, id_lists), batches))
        finally:
            torch.set_num_threads(threads)   # a lane's setting is also the default for threads started later

    def _forward(self, batch: list[int], id_lists: Sequence[Sequence[int]]) -> list[np.ndarray]:
        import torch

        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        longest = max(len(id_lists[i]) for i in batch)
        with torch.inference_mode():   # thread-local: entered in the thread that runs the batch
            ids = torch.full((len(batch), longest), pad, dtype=torch.long)
            mask = torch.zeros((len(batch), longest), dtype=torch.long)
            for row, i in enumerate(batch):
                seq = id_lists[i]
                ids[row, :len(seq)] = torch.tensor(seq, dtype=torch.long)
                mask[row, :len(seq)] = 1
            hidden = self.model(ids.to(self.device), attention_mask=mask.to(self.device))[0]
            hidden = (hidden.float() if hidden.dtype != torch.float32 else hidden).cpu()
            return [hidden[row, :len(id_lists[i])].numpy().copy() for row, i in enumerate(batch)]


def kernels_for(device: str, dtype: str) -> str:
    """"onednn" (rexbench.onednn_linear: float32 rounding apart, the same numbers, sooner) on CPU in
    float32 where this PyTorch has it, else "torch"."""
    if device != "cpu" or dtype != "float32":
        return "torch"
    from . import onednn_linear

    return "onednn" if onednn_linear.enabled() else "torch"


def _truncate_layers(model: Any, layer: int, folder: Path) -> None:
    """bert_score.utils.get_model's layer dropping, for the same architectures."""
    import torch

    def check(n: int) -> None:
        if not 0 <= layer <= n:
            raise UnknownMetric(f"layer={layer} is out of range for {folder} (0..{n})")

    if hasattr(model, "n_layers"):  # xlm
        check(model.n_layers)
        model.n_layers = layer
    elif hasattr(model, "layer"):  # xlnet
        check(len(model.layer))
        model.layer = torch.nn.ModuleList(list(model.layer[:layer]))
    elif hasattr(model, "encoder"):
        if hasattr(model.encoder, "albert_layer_groups"):
            check(model.encoder.config.num_hidden_layers)
            model.encoder.config.num_hidden_layers = layer
        elif hasattr(model.encoder, "block"):  # t5
            check(len(model.encoder.block))
            model.encoder.block = torch.nn.ModuleList(list(model.encoder.block[:layer]))
        else:  # bert, roberta
            check(len(model.encoder.layer))
            model.encoder.layer = torch.nn.ModuleList(list(model.encoder.layer[:layer]))
    elif hasattr(model, "transformer"):  # distilbert
        check(len(model.transformer.layer))
        model.transformer.layer = torch.nn.ModuleList(list(model.transformer.layer[:layer]))
    elif hasattr(model, "layers"):  # bart encoder
        check(len(model.layers))
        model.layers = torch.nn.ModuleList(list(model.layers[:layer]))
    else:
        raise UnknownMetric(f"{folder}: unsupported model architecture for BERTScore")


_ENCODERS: OrderedDict[tuple[str, str, int, str, str, int, str], Encoder] = OrderedDict()


def get_encoder(folder: Path, layer: int, dtype: str, device: str = "cpu", max_batch: int = MAX_BATCH) -> Encoder:
    """Load once per process (the two most recently used models stay loaded); a folder whose weights,
    config or tokenizer files changed is loaded again."""
    key = (str(folder), models.model_identity(folder), layer, dtype, device, max_batch, kernels_for(device, dtype))
    encoder = _ENCODERS.get(key)
    if encoder is None:
        encoder = _ENCODERS[key] = Encoder(folder, layer, dtype, device, max_batch)
        while len(_ENCODERS) > 2:
            _ENCODERS.popitem(last=False)
    _ENCODERS.move_to_end(key)
    encoder.token_budget = token_budget(device)   # read per run: tests and benchmarks vary it
    return encoder


def token_budget(device: str) -> int:
    return TOKEN_BUDGET if device == "cpu" else GPU_TOKEN_BUDGET

