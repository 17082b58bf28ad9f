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
* on CPU in float32 the linear layers run on oneDNN with the feed-forward GELU fused in
  (rexbench.onednn_linear; float32 rounding apart, the same numbers; REXBENCH_ONEDNN=off for PyTorch's);
* reference embeddings are cached on disk, keyed by (weights, config and tokenizer file hashes, layer,
  dtype, kernels, torch and transformers versions, token ids), so later submissions on the same split only
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

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .bertscore_encoder import Encoder
from .embedding_cache import EmbeddingCache, ids_key
from .errors import UnknownMetric
from .metric import Progress

MATCH_BATCH = 64      # bert_score.score()/BERTScorer.score() default batch_size: pairs matched together
CHUNK_PAIRS = 512     # pairs per chunk (a multiple of MATCH_BATCH): bounds memory, paces progress
SCORES = ("precision", "recall", "f1")
DTYPES = ("float32", "bfloat16", "float16")  # float16 on CUDA only (rexbench.device.check_dtype_on)


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

