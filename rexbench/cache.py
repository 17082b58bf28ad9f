"""On-disk cache of metric outputs, keyed by everything that can change them.

Key = sha256(metric spec, signature fields (incl. library versions and model hashes), metric code
hash, reference texts, prediction texts). An unchanged rerun loads instead of recomputing.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from .io import atomic_write_bytes, sha256_bytes
from .metric import MetricOutput
from .paths import cache_dir


def cache_key(**parts: Any) -> str:
    return sha256_bytes(json.dumps(parts, sort_keys=True, ensure_ascii=True).encode())


class ScoreCache:
    def __init__(self, root: Path | None = None, *, enabled: bool = True):
        self.root = (root or cache_dir()) / "scores"
        self.enabled = enabled

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.npz"

    def get(self, key: str) -> MetricOutput | None:
        path = self._path(key)
        if not self.enabled or not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                components = {k: data[f"component_{k}"] for k in meta["components"]}
                return MetricOutput(per_study=data["per_study"], score=meta["score"],
                                    stats=data["stats"] if meta["has_stats"] else None,
                                    components=components, details=meta["details"])
        except (OSError, ValueError, KeyError):
            return None  # a damaged entry is recomputed, never trusted

    def put(self, key: str, out: MetricOutput) -> None:
        if not self.enabled:
            return
        meta = {"score": out.score, "has_stats": out.stats is not None, "details": out.details,
                "components": sorted(out.components)}
        arrays = {"per_study": out.per_study, "meta": np.array(json.dumps(meta))}
        if out.stats is not None:
            arrays["stats"] = out.stats
        arrays.update({f"component_{k}": v for k, v in out.components.items()})
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        atomic_write_bytes(self._path(key), buf.getvalue())
