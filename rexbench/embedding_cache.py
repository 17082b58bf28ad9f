"""BERTScore's reference embedding cache: token embeddings on disk, so a split's references are encoded once.

Keyed by (weights, config and tokenizer file hashes, layer, dtype, kernels, torch and transformers
versions, batching) per folder and by the token ids per text. Float32, so numbers stay exact.
Disable with REXBENCH_EMBEDDING_CACHE=off; the folder (`<cache dir>/embeddings/`) can be deleted any time.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .io import atomic_write_bytes, atomic_write_json
from .paths import cache_dir

CACHE_FORMAT = 1
# Bump when the way texts are batched changes: cached embeddings then no longer match fresh ones bit for bit.
BATCHING_VERSION = 5  # 3: fused q/k/v (rexbench.fused_qkv); 4: kernels in the key; 5: two lanes (threads per product)


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

