"""On-disk cache of metric outputs, keyed by everything that can change them.

Key = sha256(metric spec, signature fields (incl. library versions and model hashes), metric code
hash, reference texts, prediction texts). An unchanged rerun loads instead of recomputing.

Entry format (integrity, SECURITY.md): a header line `rexbench-score-cache/2 <sha256>\n`, then an .npz
payload. The sha256 covers the key and the payload, so an empty, truncated, bit-flipped or edited entry,
or one copied under another key, fails the check; the arrays must also have the shape of the n studies
asked for. A damaged entry is never used: it is removed with a one-line warning on stderr and the
metric is recomputed. (Someone who can write the cache and recompute the hash can still forge an
entry: the cache is trusted local state, never shared with pull requests' code.)
"""

from __future__ import annotations

import io
import json
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from .errors import RexbenchError
from .io import atomic_write_bytes, sha256_bytes
from .metric import MetricOutput
from .paths import cache_dir

MAGIC = b"rexbench-score-cache/2"
MAX_ENTRY_BYTES = 1 << 30


def cache_key(**parts: Any) -> str:
    return sha256_bytes(json.dumps(parts, sort_keys=True, ensure_ascii=True).encode())


class DamagedEntry(ValueError):
    pass


def _checksum(key: str, payload: bytes) -> str:
    return sha256_bytes(key.encode("ascii") + b"\0" + payload)


def encode_entry(key: str, out: MetricOutput) -> bytes:
    meta = {"score": out.score, "has_stats": out.stats is not None, "details": out.details,
            "components": sorted(out.components)}
    arrays = {"per_study": out.per_study, "meta": np.array(json.dumps(meta))}
    if out.stats is not None:
        arrays["stats"] = out.stats
    arrays.update({f"component_{k}": v for k, v in out.components.items()})
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    payload = buf.getvalue()
    return MAGIC + b" " + _checksum(key, payload).encode("ascii") + b"\n" + payload


def decode_entry(key: str, data: bytes, n: int | None) -> MetricOutput:
    """The entry's output; DamagedEntry (with the reason) unless checksum and shapes are right."""
    head, sep, payload = data.partition(b"\n")
    parts = head.split(b" ")
    if not sep or len(parts) != 2 or parts[0] != MAGIC:
        raise DamagedEntry("empty or not a rexbench cache entry" if not data else "bad header")
    if parts[1].decode("ascii", "replace") != _checksum(key, payload):
        raise DamagedEntry("checksum mismatch (truncated or modified)")
    try:
        with np.load(io.BytesIO(payload), allow_pickle=False) as data_:
            meta = json.loads(str(data_["meta"]))
            per_study = data_["per_study"]
            stats = data_["stats"] if meta["has_stats"] else None
            components = {k: data_[f"component_{k}"] for k in meta["components"]}
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as exc:
        raise DamagedEntry(f"unreadable payload ({type(exc).__name__})") from None
    if n is not None:
        shapes = [("per_study", per_study)] + [(f"component {k}", v) for k, v in components.items()]
        for name, arr in shapes + ([("stats", stats)] if stats is not None else []):
            if arr.ndim < 1 or arr.shape[0] != n:
                raise DamagedEntry(f"{name} has shape {arr.shape}, expected {n} studies")
    return MetricOutput(per_study=per_study, score=meta["score"], stats=stats, components=components,
                        details=meta["details"])


class ScoreCache:
    def __init__(self, root: Path | None = None, *, enabled: bool = True, folder: str = "scores"):
        self.root = (root or cache_dir()) / folder     # folder: "scores", or "bootstrap" for cached CIs
        self.enabled = enabled

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.npz"

    def get(self, key: str, *, n: int | None = None) -> MetricOutput | None:
        """The cached output for `key` (of `n` studies), or None; a damaged entry is removed, with a warning."""
        path = self._path(key)
        if not self.enabled or not path.exists():
            return None
        try:
            from .io import read_regular
            return decode_entry(key, read_regular(path, limit=MAX_ENTRY_BYTES, what="cache entry"), n)
        except (DamagedEntry, OSError, ValueError, RexbenchError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            print(f"warning: {path}: damaged score cache entry ({reason}); removed, recomputing", file=sys.stderr)
            try:
                if path.is_dir() and not path.is_symlink():
                    import shutil
                    shutil.rmtree(path)
                else:
                    path.unlink()
            except OSError:
                pass
            return None

    def put(self, key: str, out: MetricOutput) -> None:
        if not self.enabled:
            return
        try:
            atomic_write_bytes(self._path(key), encode_entry(key, out))
        except RexbenchError as exc:   # a full or read-only cache costs a recomputation later, not this run
            print(f"warning: score cache not written: {exc}", file=sys.stderr)
