"""BERTScore, numerically identical to `bert_score.score` (0.3.13), faster, with a reference embedding cache.

Shared by metrics/bertscore (ReXrank's recipe: distilroberta-base, layer 5, rescaled) and
metrics/bertscore_minilm (all-MiniLM-L6-v2, offline default). What is the same as bert_score:

* tokenization (`sent_encode`: strip, special tokens, truncation at `model_max_length`);
* the model, truncated to its first `layer` layers, and its last hidden state;
* idf weights (`get_idf_dict` over the references; [CLS]/[SEP] weigh 0 when idf is off);
* greedy matching (`greedy_cos_idf`) done with the same torch operations, on the same groups of 64
  pairs in input order: each token's best match is searched over all tokens of the other side
  (special tokens included) and over that group's zero-valued padding, so the numbers match bit for bit
  given the embeddings;
* rescaling with bert_score's baseline file, in float32.

What differs (speed only; per-pair results agree with bert_score to ~1e-7):

* texts are encoded in batches sorted by token count under a token budget (bert_score sorts by
  whitespace word count into fixed batches of 64, so ~25 % of its encoder work is padding);
* identical texts are encoded once per run (bert_score does that too), and pairs are processed in
  chunks, so memory stays bounded for any number of pairs;
* BERT/RoBERTa's query, key and value projections run as one matrix product (rexbench.fused_qkv; the
  same embeddings, bit for bit with MKL on CPU) and the unused [CLS] pooler is not computed;
* reference embeddings are cached on disk, keyed by (weights, config and tokenizer file hashes, layer,
  dtype, torch and transformers versions, token ids), so later submissions on the same split only
  encode their predictions. Disable with REXBENCH_EMBEDDING_CACHE=off.

Undefined precision or recall with idf: when every token of a candidate has idf 0 (each appears in
every reference), bert_score divides 0 by 0 and returns P = NaN and F = 0 (its NaN F is set to 0);
likewise R = NaN when a reference's tokens all weigh 0. F here is bert_score's (0, rescaled like any
raw 0). The undefined P or R is stored as raw 0 (as bert_score does for an empty candidate), never as
NaN, and counted (`RunStats.undefined_precision/recall`, the metric's details). Asking for
score=precision or score=recall when one is undefined is an error: a metric failure is never
averaged away.

One deliberate difference from bert_score *under transformers >= 5*: for byte-level BPE tokenizers
(RoBERTa, GPT-2) bert_score asks for `add_prefix_space=True`, which transformers < 5 honoured and
transformers 5 silently ignores. `prefix_space=True` (the default) prepends the space itself, which
reproduces the tokenization ReXrank's numbers were computed with; `prefix_space=False` reproduces
bert_score 0.3.13 under transformers 5.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from . import models
from .errors import MetricError, MetricNotReady, UnknownMetric
from .io import atomic_write_bytes, atomic_write_json
from .metric import Metric, MetricOutput, Progress
from .paths import cache_dir

MATCH_BATCH = 64      # bert_score.score()/BERTScorer.score() default batch_size: pairs matched together
CHUNK_PAIRS = 512     # pairs per chunk (a multiple of MATCH_BATCH): bounds memory, paces progress
TOKEN_BUDGET = 2048   # padded tokens per encoder batch (measured best on CPU between 1k and 4k)
MAX_BATCH = 128       # texts per encoder batch at most
SCORES = ("precision", "recall", "f1")
DTYPES = ("float32", "bfloat16", "float16")  # float16 on CUDA only (rexbench.device.check_dtype_on)
GPU_TOKEN_BUDGET = 32768  # on a GPU, bigger batches pay (same numbers within tolerance; own embedding cache)
CACHE_FORMAT = 1


@dataclass
class RunStats:
    """What the last compute did (for tests and benchmarks; never part of a result)."""
    pairs: int = 0
    unique_texts: int = 0
    encoded: int = 0
    cache_hits: int = 0
    cache_writes: int = 0
    undefined_precision: int = 0    # pairs whose candidate tokens all had idf 0 (bert_score: P = NaN)
    undefined_recall: int = 0       # pairs whose reference tokens all had idf 0 (bert_score: R = NaN)


# ---- tokenizer + model -----------------------------------------------------------------------------

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
        self.token_budget = TOKEN_BUDGET if device == "cpu" else GPU_TOKEN_BUDGET
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
        if self.kernels == "onednn":
            from . import onednn_linear

            fuse_qkv(self.model, onednn_linear.linear)   # one product for query, key and value
            onednn_linear.use_onednn(self.model)          # the other linear layers, GELU fused in
        else:
            fuse_qkv(self.model)
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
        import torch

        order = sorted(range(len(id_lists)), key=lambda i: (-len(id_lists[i]), i))
        out: list[np.ndarray | None] = [None] * len(id_lists)
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        start = 0
        with torch.inference_mode():
            while start < len(order):
                longest = len(id_lists[order[start]])
                size = max(1, min(self.max_batch, self.token_budget // max(longest, 1)))
                batch = order[start:start + size]
                start += size
                ids = torch.full((len(batch), longest), pad, dtype=torch.long)
                mask = torch.zeros((len(batch), longest), dtype=torch.long)
                for row, i in enumerate(batch):
                    seq = id_lists[i]
                    ids[row, :len(seq)] = torch.tensor(seq, dtype=torch.long)
                    mask[row, :len(seq)] = 1
                hidden = self.model(ids.to(self.device), attention_mask=mask.to(self.device))[0]
                hidden = (hidden.float() if hidden.dtype != torch.float32 else hidden).cpu()
                for row, i in enumerate(batch):
                    out[i] = hidden[row, :len(id_lists[i])].numpy().copy()
                self.encoded += len(batch)
                if on_batch is not None:
                    on_batch(len(batch))
        return out  # type: ignore[return-value]


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
    if key in _ENCODERS:
        _ENCODERS.move_to_end(key)
        return _ENCODERS[key]
    encoder = Encoder(folder, layer, dtype, device, max_batch)
    _ENCODERS[key] = encoder
    while len(_ENCODERS) > 2:
        _ENCODERS.popitem(last=False)
    return encoder


# ---- greedy matching (bert_score.utils.bert_cos_score_idf / greedy_cos_idf) ----------------------

def _pad_batch(embs: list[Any], idfs: list[Any]):
    import torch
    from torch.nn.utils.rnn import pad_sequence

    lens = torch.tensor([e.size(0) for e in embs], dtype=torch.long)
    emb_pad = pad_sequence(embs, batch_first=True, padding_value=2.0)
    idf_pad = pad_sequence(idfs, batch_first=True)
    max_len = int(lens.max())
    mask = torch.arange(max_len, dtype=torch.long).expand(len(embs), max_len) < lens.unsqueeze(1)
    return emb_pad, mask, idf_pad


def greedy_match(ref_embs: list[Any], ref_idfs: list[Any], hyp_embs: list[Any], hyp_idfs: list[Any]):
    """Raw (P, R, F) float32 tensors for one group of pairs, with bert_score's exact operations."""
    import torch

    ref_embedding, ref_masks, ref_idf = _pad_batch(ref_embs, ref_idfs)
    hyp_embedding, hyp_masks, hyp_idf = _pad_batch(hyp_embs, hyp_idfs)
    ref_embedding.div_(torch.norm(ref_embedding, dim=-1).unsqueeze(-1))
    hyp_embedding.div_(torch.norm(hyp_embedding, dim=-1).unsqueeze(-1))
    batch_size = ref_embedding.size(0)
    sim = torch.bmm(hyp_embedding, ref_embedding.transpose(1, 2))
    masks = torch.bmm(hyp_masks.unsqueeze(2).float(), ref_masks.unsqueeze(1).float())
    masks = masks.expand(batch_size, -1, -1).contiguous().view_as(sim)
    masks = masks.float().to(sim.device)
    sim = sim * masks
    word_precision = sim.max(dim=2)[0]
    word_recall = sim.max(dim=1)[0]
    hyp_idf.div_(hyp_idf.sum(dim=1, keepdim=True))
    ref_idf.div_(ref_idf.sum(dim=1, keepdim=True))
    P = (word_precision * hyp_idf).sum(dim=1)
    R = (word_recall * ref_idf).sum(dim=1)
    F = 2 * P * R / (P + R)
    hyp_zero_mask = hyp_masks.sum(dim=1).eq(2)
    ref_zero_mask = ref_masks.sum(dim=1).eq(2)
    if torch.any(hyp_zero_mask):  # empty candidate: raw P, R = 0 (F stays as computed, then NaN -> 0)
        P = P.masked_fill(hyp_zero_mask, 0.0)
        R = R.masked_fill(hyp_zero_mask, 0.0)
    if torch.any(ref_zero_mask):
        P = P.masked_fill(ref_zero_mask, 0.0)
        R = R.masked_fill(ref_zero_mask, 0.0)
    F = F.masked_fill(torch.isnan(F), 0.0)
    return P, R, F


# ---- idf ---------------------------------------------------------------------------------------

class IdfWeights:
    """bert_score's idf dict: log((N+1)/(df+1)) over the references, or 1 with [CLS]/[SEP] at 0."""

    def __init__(self, ref_ids: Sequence[Sequence[int]] | None, cls_id: int | None, sep_id: int | None):
        self.table: dict[int, float] | None = None
        self.zero = {t for t in (sep_id, cls_id) if t is not None}
        if ref_ids is not None:
            counts: dict[int, int] = {}
            for ids in ref_ids:
                for t in set(ids):
                    counts[t] = counts.get(t, 0) + 1
            n = len(ref_ids)
            self.default = math.log((n + 1) / 1)
            self.table = {t: math.log((n + 1) / (c + 1)) for t, c in counts.items()}

    def weights(self, ids: Sequence[int]) -> np.ndarray:
        if self.table is None:
            values = [0.0 if t in self.zero else 1.0 for t in ids]
        else:
            values = [self.table.get(t, self.default) for t in ids]
        return np.asarray(values, dtype=np.float64).astype(np.float32)


# ---- reference embedding cache -----------------------------------------------------------------

def embedding_cache_enabled() -> bool:
    return os.environ.get("REXBENCH_EMBEDDING_CACHE", "on").strip().lower() not in ("0", "off", "no", "false")


def ids_key(ids: Sequence[int]) -> str:
    return hashlib.sha256(np.asarray(ids, dtype=np.int64).tobytes()).hexdigest()[:40]


class EmbeddingCache:
    """Token embeddings on disk: `<cache>/embeddings/<model key>/<shard>.npy` (float32, all texts of a
    shard stacked) plus `<shard>.json` (keys and row offsets), written after the .npy so a shard only
    counts once complete. A shard is what one chunk of a run added; a missing or damaged shard only
    means those texts are encoded again."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._index: dict[str, tuple[str, int, int]] | None = None
        self._arrays: dict[str, np.ndarray] = {}

    @staticmethod
    def folder_for(model_id: str, layer: int, dtype: str, batching: str = "") -> Path:
        """`model_id`: models.model_identity (weights, config and tokenizer files). `batching` names what
        else shapes the encoder batches (device kind, batch limits): embeddings made under other batches
        differ in the last digits, so they are kept apart."""
        from importlib.metadata import version

        tag = (f"{model_id}|L{layer}|{dtype}|torch {version('torch')}|transformers {version('transformers')}"
               f"|batching {BATCHING_VERSION}{batching}")
        return cache_dir() / "embeddings" / (hashlib.sha256(tag.encode()).hexdigest()[:24])

    def index(self) -> dict[str, tuple[str, int, int]]:
        if self._index is None:
            self._index = {}
            if self.folder.is_dir():
                for meta_path in sorted(self.folder.glob("*.json")):
                    try:
                        meta = json.loads(meta_path.read_text(encoding="utf-8"))
                        if meta.get("format") != CACHE_FORMAT:
                            continue
                        shard = meta_path.stem
                        offsets = meta["offsets"]
                        if not (self.folder / f"{shard}.npy").is_file() or len(offsets) != len(meta["keys"]) + 1:
                            continue
                        for k, a, b in zip(meta["keys"], offsets[:-1], offsets[1:]):
                            self._index.setdefault(k, (shard, int(a), int(b)))
                    except (OSError, ValueError, KeyError, TypeError):
                        continue
        return self._index

    def get(self, key: str, length: int) -> np.ndarray | None:
        where = self.index().get(key)
        if where is None:
            return None
        shard, a, b = where
        if b - a != length:
            return None
        try:
            if shard not in self._arrays:
                self._arrays[shard] = np.load(self.folder / f"{shard}.npy", mmap_mode="r")
            arr = self._arrays[shard]
            if arr.dtype != np.float32 or arr.ndim != 2 or arr.shape[0] < b:
                return None
            return np.array(arr[a:b], dtype=np.float32, copy=True)
        except (OSError, ValueError):
            return None

    def put(self, items: dict[str, np.ndarray]) -> None:
        if not items:
            return
        keys = sorted(items)
        shard = hashlib.sha256("".join(keys).encode()).hexdigest()[:24]
        offsets = [0]
        for k in keys:
            offsets.append(offsets[-1] + items[k].shape[0])
        stacked = np.concatenate([items[k] for k in keys], axis=0).astype(np.float32, copy=False)
        buf = io.BytesIO()
        np.save(buf, stacked, allow_pickle=False)
        try:
            atomic_write_bytes(self.folder / f"{shard}.npy", buf.getvalue())
            atomic_write_json(self.folder / f"{shard}.json",
                              {"format": CACHE_FORMAT, "keys": keys, "offsets": offsets, "dim": int(stacked.shape[1])})
        except OSError:
            return  # a full or read-only disk only costs speed
        index = self.index()
        for k, a, b in zip(keys, offsets[:-1], offsets[1:]):
            index.setdefault(k, (shard, a, b))

    def close(self) -> None:
        self._arrays.clear()


# ---- the computation ---------------------------------------------------------------------------

def read_baseline(path: Path, layer: int) -> np.ndarray:
    """`pd.read_csv(path).iloc[layer].to_numpy()[1:]` as float32 (P, R, F), without pandas."""
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    rows = [ln.split(",") for ln in lines[1:]]
    if not 0 <= layer < len(rows):
        raise UnknownMetric(f"baseline {path} has no row for layer {layer}")
    return np.asarray([float(v) for v in rows[layer][1:4]], dtype=np.float64).astype(np.float32)


def bundled_baseline(name: str) -> Path | None:
    """bert_score's rescale_baseline/en/<name>.tsv, found without importing bert_score."""
    import importlib.util

    spec = importlib.util.find_spec("bert_score")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "rescale_baseline" / "en" / f"{name}.tsv"
    return path if path.is_file() else None


def collapse(text: str) -> str:
    """CXR-Report-Metric's `re.sub(r' +', ' ', text)`: runs of spaces (only spaces) become one."""
    return re.sub(r" +", " ", text)


# Bump when the way texts are batched changes: cached embeddings then no longer match fresh ones bit for bit.
BATCHING_VERSION = 4  # 3: fused query/key/value projections (rexbench.fused_qkv); 4: kernels in the key


class _Role:
    """The unique texts of one side (references or candidates), their embeddings held while needed."""

    def __init__(self, encoder: Encoder, texts: list[str], prefix_space: bool):
        unique: dict[str, int] = {}
        self.encoder = encoder
        self.index = [unique.setdefault(t, len(unique)) for t in texts]
        self.ids = encoder.token_ids(list(unique), prefix_space)
        self.weights: list[Any] = []
        self.memo: dict[int, Any] = {}
        self.last_chunk = {u: i // CHUNK_PAIRS for i, u in enumerate(self.index)}

    def load(self, start: int, stop: int, cache: EmbeddingCache | None, stats: RunStats,
             on_batch: Progress | None = None) -> None:
        """Embeddings for the texts of pairs [start, stop): from the memo, the cache, or the encoder."""
        import torch

        todo = []
        for u in sorted(set(self.index[start:stop]) - self.memo.keys()):
            hit = cache.get(ids_key(self.ids[u]), len(self.ids[u])) if cache is not None else None
            if hit is not None:
                self.memo[u] = torch.from_numpy(hit)
                stats.cache_hits += 1
            else:
                todo.append(u)
        if not todo:
            return
        embs = self.encoder.encode([self.ids[u] for u in todo], on_batch)
        stats.encoded += len(todo)
        for u, e in zip(todo, embs):
            self.memo[u] = torch.from_numpy(e)
        if cache is not None:
            cache.put({ids_key(self.ids[u]): e for u, e in zip(todo, embs)})
            stats.cache_writes += len(todo)

    def release(self, chunk: int) -> None:
        for u in [u for u in self.memo if self.last_chunk[u] <= chunk]:
            del self.memo[u]


class _ChunkProgress:
    """Moves the bar during a chunk's encoding (each text about half a pair's work), the rest after matching."""

    def __init__(self, progress: Progress | None, pairs: int):
        self.progress, self.pairs, self.sent, self.texts = progress, pairs, 0, 0

    def texts_encoded(self, k: int) -> None:
        self.texts += k
        self._to(min(self.pairs - 1, self.texts // 2))

    def finish(self) -> None:
        self._to(self.pairs)

    def _to(self, n: int) -> None:
        if self.progress is not None and n > self.sent:
            self.progress(n - self.sent)
            self.sent = n


def bertscore(encoder: Encoder, references: list[str], predictions: list[str], *, idf: bool,
              prefix_space: bool, baseline: np.ndarray | None, cache: EmbeddingCache | None,
              progress: Progress | None = None, stats: RunStats | None = None) -> np.ndarray:
    """(n, 3) float32 array of P, R, F (rescaled when `baseline` is given), pair by pair."""
    import torch

    n = len(references)
    stats = stats if stats is not None else RunStats()
    stats.pairs = n
    # References and candidates are de-duplicated and encoded apart, never in one batch: a text's
    # float32 embedding moves in the last digits with the batch it is encoded in, so keeping the
    # candidates' batches independent of what the reference cache holds makes cold and warm runs
    # give bit-identical scores.
    refs, hyps = _Role(encoder, references, prefix_space), _Role(encoder, predictions, prefix_space)
    stats.unique_texts = len(refs.ids) + len(hyps.ids)
    tok = encoder.tokenizer
    idf_weights = IdfWeights([refs.ids[u] for u in refs.index] if idf else None, tok.cls_token_id, tok.sep_token_id)
    refs.weights = [torch.from_numpy(idf_weights.weights(x)) for x in refs.ids]
    hyps.weights = [torch.from_numpy(idf_weights.weights(x)) for x in hyps.ids]

    out = np.zeros((n, 3), dtype=np.float32)
    for c, start in enumerate(range(0, n, CHUNK_PAIRS)):
        stop = min(n, start + CHUNK_PAIRS)
        ticks = _ChunkProgress(progress, stop - start)
        refs.load(start, stop, cache, stats, ticks.texts_encoded)
        hyps.load(start, stop, None, stats, ticks.texts_encoded)
        with torch.no_grad():
            for g in range(start, stop, MATCH_BATCH):
                h = min(stop, g + MATCH_BATCH)
                r, y = refs.index[g:h], hyps.index[g:h]
                P, R, F = greedy_match([refs.memo[u] for u in r], [refs.weights[u] for u in r],
                                       [hyps.memo[u] for u in y], [hyps.weights[u] for u in y])
                stats.undefined_precision += int(torch.isnan(P).sum())
                stats.undefined_recall += int(torch.isnan(R).sum())
                P, R = P.nan_to_num(0.0), R.nan_to_num(0.0)    # F is already bert_score's (NaN -> 0)
                out[g:h] = torch.stack((P, R, F), dim=-1).numpy()
        refs.release(c)
        hyps.release(c)
        ticks.finish()
    if baseline is not None:
        preds = torch.from_numpy(out)
        b = torch.from_numpy(baseline)
        out = ((preds - b) / (1 - b)).numpy()
    return out


# ---- the Metric base class ---------------------------------------------------------------------

class BertScoreBase(Metric):
    """Common implementation; subclasses set name, Params (with the fields below) and their card."""

    higher_is_better = True
    value_range = (-1.0, 1.0)
    model_label: ClassVar[str] = ""
    # Absolute reproduction tolerance of raw scores per encoder dtype (benchmarks/results/reproduction.md,
    # the cards). Rescaling divides by 1 - baseline (6.55 for distilroberta-base L5): 10x when rescaled.
    TOLERANCES: ClassVar[dict[str, float]] = {"float32": 1e-5, "bfloat16": 1e-2, "float16": 1e-2}  # fp16: CUDA only, not measured; bf16's bound (fp16 keeps more mantissa bits)

    @property
    def tolerance(self) -> float:  # type: ignore[override]
        return self.TOLERANCES[self.params.dtype] * (10 if self.params.rescale else 1)

    # Params fields used: model, layer, idf, rescale, baseline, score, dtype, collapse_spaces, prefix_space
    def __init__(self, **params: Any):
        super().__init__(**params)
        p = self.params
        if p.score not in SCORES:
            raise UnknownMetric(f"{self.name}: score must be one of {', '.join(SCORES)}, got {p.score!r}")
        if p.dtype not in DTYPES:
            raise UnknownMetric(f"{self.name}: dtype must be one of {', '.join(DTYPES)}, got {p.dtype!r}")
        if p.layer < 0:
            raise UnknownMetric(f"{self.name}: layer must be >= 0, got {p.layer}")
        if p.rescale and p.baseline in ("", "none"):
            raise UnknownMetric(f"{self.name}: rescale=yes needs a baseline (a bert_score baseline name such as "
                                f"distilroberta-base, or a .tsv path)")
        self.last_stats = RunStats()

    # -- model and baseline -----------------------------------------------------------------------
    def model_folder(self) -> Path | None:
        return models.locate(self.params.model)

    def baseline_path(self) -> Path | None:
        if not self.params.rescale:
            return None
        value = self.params.baseline
        if value.endswith(".tsv") or models.is_path_like(value):
            path = Path(value).expanduser()
            return path if path.is_file() else None
        return bundled_baseline(value)

    def readiness(self) -> str | None:
        import importlib.util

        missing = [m for m in ("torch", "transformers") if importlib.util.find_spec(m) is None]
        if missing:
            return f"{self.name} needs {' and '.join(missing)}: pip install {' '.join(missing)}"
        if self.model_folder() is None:
            return models.missing_message(self.params.model, self.name)
        if self.params.rescale and self.baseline_path() is None:
            return (f"{self.name}: no rescale baseline {self.params.baseline!r} (bert_score's "
                    f"rescale_baseline/en/<name>.tsv or a .tsv path); pip install bert-score==0.3.13 "
                    f"or pass rescale=no")
        return None

    def environment(self) -> dict[str, str]:
        from importlib.metadata import PackageNotFoundError, version

        env: dict[str, str] = {}
        folder = self.model_folder()
        # 64 bits of each hash: enough to tell models apart
        env["weights"] = models.weights_sha256(folder)[:16] if folder is not None else "absent"
        env["model_files"] = models.tokenizer_sha256(folder)[:16] if folder is not None else "absent"
        for pkg in ("torch", "transformers"):
            try:
                env[pkg] = version(pkg)
            except PackageNotFoundError:
                env[pkg] = "absent"
        if self.params.rescale:
            path = self.baseline_path()
            env["baseline_sha"] = models.file_sha256(path)[:16] if path is not None else "absent"
        return env

    @property
    def shard_unit(self) -> int:  # type: ignore[override]
        """Shards of whole groups keep bert_score's matching groups of 64 pairs intact; idf needs every reference."""
        return 0 if self.params.idf else MATCH_BATCH

    # -- computation ------------------------------------------------------------------------------
    def _compute(self, references: list[str], predictions: list[str], progress: Progress | None) -> MetricOutput:
        return self.from_rows(self._rows(references, predictions, progress))

    def pair_rows(self, references: list[str], predictions: list[str]) -> np.ndarray:
        """(n, 3) float64 P, R, F for one shard (rexbench.executors)."""
        return self._rows(references, predictions, None)

    def _rows(self, references: list[str], predictions: list[str], progress: Progress | None) -> np.ndarray:
        problem = self.readiness()
        if problem:
            raise MetricNotReady(problem)
        p = self.params
        folder = self.model_folder()
        assert folder is not None
        if p.collapse_spaces:
            references = [collapse(t) for t in references]
            predictions = [collapse(t) for t in predictions]
        baseline = None
        if p.rescale:
            path = self.baseline_path()
            assert path is not None
            baseline = read_baseline(path, p.layer)
        from .device import check_dtype_on, current_batch_size, current_device

        device = current_device()                 # --device: not in the signature (same numbers within tolerance)
        check_dtype_on(device, p.dtype)
        max_batch = current_batch_size(MAX_BATCH)  # --batch-size: texts per forward pass at most
        encoder = get_encoder(folder, p.layer, p.dtype, device, max_batch)
        cache = None
        if embedding_cache_enabled():
            batching = "" if (device, max_batch) == ("cpu", MAX_BATCH) else f"|{device.split(':')[0]}|max {max_batch}"
            batching += f"|{encoder.kernels}"
            cache = EmbeddingCache(EmbeddingCache.folder_for(models.model_identity(folder), p.layer, p.dtype, batching))
        self.last_stats = RunStats()
        try:
            prf = bertscore(encoder, references, predictions, idf=p.idf,
                            prefix_space=getattr(p, "prefix_space", True), baseline=baseline, cache=cache,
                            progress=progress, stats=self.last_stats)
        finally:
            if cache is not None:
                cache.close()
        return prf.astype(np.float64)

    def from_rows(self, values: np.ndarray) -> MetricOutput:
        p = self.params
        if not np.isfinite(values).all():
            bad = int(np.flatnonzero(~np.isfinite(values).all(axis=1))[0])
            raise MetricError(f"{self.name}: non-finite BERTScore for study index {bad}")
        undefined = {"precision": self.last_stats.undefined_precision, "recall": self.last_stats.undefined_recall}
        if undefined.get(p.score):
            raise MetricError(f"{self.name}: {p.score} is undefined (bert_score: NaN) for {undefined[p.score]} "
                              f"pair(s): every token of that text has idf 0; use score=f1 or idf=no")
        components = {"precision": values[:, 0], "recall": values[:, 1], "f1": values[:, 2]}
        per_study = components[p.score]
        if not per_study.size:
            raise MetricError(f"{self.name}: no pairs to score")
        details: dict[str, Any] = {k: float(v.mean()) for k, v in components.items()}
        if p.idf:
            details.update({f"undefined_{k}": v for k, v in undefined.items()})
        return MetricOutput(per_study=per_study, score=float(per_study.mean()), components=components,
                            details=details)
