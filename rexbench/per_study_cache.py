"""Parsed per-study columns kept on disk, keyed by the sha256 of the per_study.jsonl bytes they came from.

A leaderboard rebuild reads every submission's per-study file; most files do not change between builds.
The key is the file's content hash (never its path or mtime), so an entry cannot describe other bytes.
Entry format, as the score cache's (rexbench.cache): a header line `rexbench-per-study-cache/1 <sha256>`
where the sha256 covers the key and the payload, then an .npz payload (no pickles). An empty, truncated,
edited or misplaced entry fails the check, is removed with a one-line warning, and the file is parsed
again. Writing is best effort: a read-only or full cache costs a parse next time, not this build.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from .errors import RexbenchError
from .io import atomic_write_bytes, read_regular, sha256_bytes
from .paths import cache_dir

# (clean, {track: (ids, {field: values}, {metric: stats}, {field: a study without a value})}): the
# columns of rexbench.per_study_table, as plain data so that module and this one stay independent
Columns = tuple[bool, dict[str, tuple[np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray], dict[str, str]]]]

MAGIC = b"rexbench-per-study-cache/1"
MAX_ENTRY_BYTES = 1 << 30


def _path(digest: str) -> Path:
    return cache_dir() / "per_study" / digest[:2] / f"{digest}.npz"


def _checksum(digest: str, payload: bytes) -> str:
    return sha256_bytes(MAGIC + digest.encode() + b"\n" + payload)


def get(digest: str) -> Columns | None:
    """The columns parsed from the bytes hashed `digest`, or None (missing or damaged: removed)."""
    path = _path(digest)
    if not path.exists():
        return None
    try:
        return _decode(digest, read_regular(path, limit=MAX_ENTRY_BYTES, what="cache entry"))
    except (OSError, ValueError, KeyError, RexbenchError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"warning: {path}: damaged per-study cache entry ({reason}); removed, parsing again", file=sys.stderr)
        try:
            path.unlink()
        except OSError:
            pass
        return None


def put(digest: str, columns: Columns) -> None:
    try:
        atomic_write_bytes(_path(digest), _encode(digest, columns))
    except (RexbenchError, OSError):
        pass                                # best effort: the next build parses the file again


def _encode(digest: str, columns: Columns) -> bytes:
    clean, tracks = columns
    meta: dict[str, Any] = {"source_sha256": digest, "clean": clean, "tracks": {}}
    arrays: dict[str, np.ndarray] = {}
    for t, (track, (ids, values, stats, missing)) in enumerate(tracks.items()):
        meta["tracks"][track] = {"ids": [str(i) for i in ids], "values": list(values), "stats": list(stats),
                                 "missing": missing}
        arrays.update({f"v{t}_{j}": a for j, a in enumerate(values.values())})
        arrays.update({f"s{t}_{j}": a for j, a in enumerate(stats.values())})
    arrays["meta"] = np.frombuffer(json.dumps(meta, ensure_ascii=True).encode(), dtype=np.uint8)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    payload = buf.getvalue()
    return MAGIC + b" " + _checksum(digest, payload).encode() + b"\n" + payload


def _decode(digest: str, data: bytes) -> Columns:
    header, sep, payload = data.partition(b"\n")
    if not sep or header != MAGIC + b" " + _checksum(digest, payload).encode():
        raise ValueError("checksum mismatch")
    with np.load(io.BytesIO(payload), allow_pickle=False) as npz:
        meta = json.loads(npz["meta"].tobytes().decode())
        if meta["source_sha256"] != digest:
            raise ValueError("entry of other bytes")
        tracks = {}
        for t, (track, m) in enumerate(meta["tracks"].items()):
            ids = np.array(m["ids"], dtype=object)
            values = {k: npz[f"v{t}_{j}"] for j, k in enumerate(m["values"])}
            stats = {k: npz[f"s{t}_{j}"] for j, k in enumerate(m["stats"])}
            if any(a.shape[0] != len(ids) or a.dtype != np.float64 for a in [*values.values(), *stats.values()]):
                raise ValueError("arrays do not match the study ids")
            tracks[track] = (ids, values, stats, dict(m["missing"]))
    return bool(meta["clean"]), tracks
