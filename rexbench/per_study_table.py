"""A per_study.jsonl read column-wise: per track, the sorted study ids and one float64 array per numeric field.

The leaderboard needs every submission's per-study values as arrays (ranks, tie groups, agreement,
histograms). Reading 100 files of 30,000 rows into dicts of dicts took minutes and gigabytes; pyarrow's
JSON reader (C++, multi-threaded; installed with `evaluate`'s datasets) parses a file several times
faster into columns. A file it cannot read as a plain table (bad JSON, a field whose type changes,
duplicate ids, a value missing from some rows of a track) goes through the exact row reader
(rexbench.results.read_per_study), which names the line or study at fault, and gives the same columns.

Parsed columns are kept in the cache folder under the file's sha256 (rexbench.per_study_cache): a rebuild
parses only the files that changed.

`clean` says whether the file holds nothing but study ids, track names and numbers: such bytes can be
published as they are (rexbench.site.export); any other text is filtered out before publishing.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import per_study_cache
from .errors import InputError
from .records import is_json_number

ID_FIELDS = ("track", "id", "study_id")          # the only strings a published per-study file may hold


@dataclass
class TrackColumns:
    ids: np.ndarray                                     # study ids, sorted (object array of str)
    values: dict[str, np.ndarray] = field(default_factory=dict)   # field -> float64 values in ids order
    stats: dict[str, np.ndarray] = field(default_factory=dict)    # metric -> (n, k) sufficient statistics
    missing: dict[str, str] = field(default_factory=dict)         # field -> a study without a numeric value

    def column(self, key: str, corpus_level: bool = False) -> np.ndarray:
        """One metric's per-study values, or its statistics (corpus-level), in `ids` order."""
        have = self.stats if corpus_level else self.values
        if key in have:
            return have[key]
        where = ("stats." if corpus_level else "") + key
        bad = self.missing.get(where, self.ids[0] if len(self.ids) else "?")
        raise InputError(f"per_study.jsonl: study {bad!r} has no numeric {'stats of ' if corpus_level else ''}"
                         f"{key}; regenerate the results")


@dataclass
class PerStudy:
    path: Path
    tracks: dict[str, TrackColumns]
    clean: bool                                          # ids, track names and numbers only

    def __getitem__(self, track: str) -> TrackColumns:
        if track not in self.tracks:   # a results.json listing a track its per-study file lacks (a hand edit)
            raise InputError(f"{self.path}: no rows of track {track!r}, which its results.json lists; "
                             f"regenerate the results")
        return self.tracks[track]


def read(path: Path, *, verify_pair: bool = True) -> PerStudy:
    """Read a per_study.jsonl (bounded, inside its folder; refused when results.json's per_study_sha256
    names other bytes, unless `verify_pair` is False) into columns."""
    from .io import MAX_RESULTS_BYTES, read_regular, sha256_bytes
    from .results import check_pair

    path = Path(path)
    raw = read_regular(path, limit=MAX_RESULTS_BYTES, what="per-study file", within=path.parent)
    digest = sha256_bytes(raw)
    if verify_pair:
        check_pair(path, raw, digest)
    cached = per_study_cache.get(digest)
    if cached is not None:
        clean, tracks = cached
        table = PerStudy(path, {t: TrackColumns(*cols) for t, cols in tracks.items()}, clean)
    else:
        table = _fast(path, raw)
        if table is None:
            table = _exact(path)
        _store(digest, table)
    if table.clean:
        _remember_file(path, raw)
    return table


def read_all(paths: Sequence[Path]) -> list[PerStudy]:
    """`read` for each path, in order, two or more at a time (pyarrow and hashlib release the GIL);
    the first failing path, in order, raises."""
    if len(paths) < 2:
        return [read(p) for p in paths]
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1, len(paths))) as pool:
        return list(pool.map(read, paths))


def is_clean(raw: bytes) -> bool:
    """Whether these per_study.jsonl bytes hold only ids, track names and numbers (the per-study cache
    records it under their sha256 once any build has parsed them)."""
    from .io import sha256_bytes

    digest = sha256_bytes(raw)
    cached = per_study_cache.get(digest)
    if cached is not None:
        return cached[0]
    table = _fast(Path("per_study.jsonl"), raw)
    if table is None:
        return False                           # not a plain table: the caller filters row by row
    _store(digest, table)
    return table.clean


def _store(digest: str, table: PerStudy) -> None:
    per_study_cache.put(digest, (table.clean, {t: (c.ids, c.values, c.stats, c.missing)
                                               for t, c in table.tracks.items()}))


_CLEAN_FILES: dict[str, tuple[int, int, int, int]] = {}   # realpath -> (dev, inode, size, mtime_ns) when read
_LOCK = threading.Lock()


def _stat_key(path: Path) -> tuple[int, int, int, int]:
    st = os.stat(path)
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _remember_file(path: Path, raw: bytes) -> None:
    key = _stat_key(path)
    if key[2] == len(raw):                     # the bytes parsed are the file as it stands
        with _LOCK:
            _CLEAN_FILES[os.path.realpath(path)] = key


def read_clean_file_unchanged(path: Path) -> bool:
    """Whether this process parsed `path` as clean and the file is still that file (same device, inode,
    size and modification time): the site then copies it without reading and hashing it again. Only
    within one process (one `leaderboard build`), never across runs: a persistent cache keys by content."""
    with _LOCK:
        key = _CLEAN_FILES.get(os.path.realpath(path))
    return key is not None and key == _stat_key(path)


# ---------------------------------------------------------------------------------------------
# the fast path: pyarrow
# ---------------------------------------------------------------------------------------------
def _fast(path: Path, raw: bytes) -> PerStudy | None:
    """Columns via pyarrow, or None where the exact reader must decide (it names the problem)."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.json as paj
    except ImportError:                                   # optional speed-up: the exact reader is complete
        return None
    try:
        table = paj.read_json(pa.BufferReader(raw))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    names = table.column_names
    if "track" not in names or "id" not in names:
        return None
    track_col, id_col = table.column("track"), table.column("id")
    if not (pa.types.is_string(track_col.type) and pa.types.is_string(id_col.type)) \
            or track_col.null_count or id_col.null_count:
        return None
    clean = True
    numeric, stats = [], []
    for name in names:
        if name in ("track", "id"):
            continue
        typ = table.column(name).type
        if _is_number(pa, typ):
            numeric.append(name)
        elif name == "stats" and pa.types.is_struct(typ):
            for child in typ:
                if pa.types.is_list(child.type) and _is_number(pa, child.type.value_type):
                    stats.append(child.name)
                elif not pa.types.is_null(child.type):
                    clean = False
        elif pa.types.is_null(typ):
            continue                                      # null in every row: nothing to keep
        else:
            clean = clean and name == "study_id" and pa.types.is_string(typ)
    tracks: dict[str, TrackColumns] = {}
    tracks_present = pc.unique(track_col).to_pylist()
    for track in tracks_present:
        part = table.filter(pc.equal(track_col, track)) if len(tracks_present) > 1 else table
        id_col = part.column("id")
        if len(id_col) > 1 and not pc.all(pc.less(id_col.slice(0, len(id_col) - 1), id_col.slice(1))).as_py():
            part = part.take(pc.sort_indices(id_col))    # rexbench writes split order; sort when it is not sorted
        ids = part.column("id").to_numpy(zero_copy_only=False)
        if len(pc.unique(part.column("id"))) != len(ids):
            return None                                   # duplicate ids: the exact reader's rule applies
        cols = TrackColumns(ids)
        for name in numeric:
            col = part.column(name)
            if col.null_count == len(col):
                continue                                  # the field belongs to another track
            if col.null_count:
                return None
            cols.values[name] = col.to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
        for name in stats:
            col = pc.struct_field(part.column("stats"), name)
            if col.null_count == len(col):
                continue
            lengths = pc.list_value_length(col)
            if col.null_count or pc.min(lengths).as_py() != pc.max(lengths).as_py() \
                    or pc.list_flatten(col).null_count:
                return None
            flat = pc.list_flatten(col).to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
            cols.stats[name] = flat.reshape(len(ids), -1)
        tracks[track] = cols
    return PerStudy(path, dict(sorted(tracks.items())), clean)


def _is_number(pa: Any, typ: Any) -> bool:
    return pa.types.is_integer(typ) or pa.types.is_floating(typ)


# ---------------------------------------------------------------------------------------------
# the exact path: rows, as rexbench.results.read_per_study reads them
# ---------------------------------------------------------------------------------------------
def _exact(path: Path) -> PerStudy:
    from .results import read_per_study

    rows_by_track = read_per_study(path, verify_pair=False)    # the pair was checked on these bytes
    tracks = {}
    clean = True
    for track, rows in sorted(rows_by_track.items()):
        ids = sorted(rows)
        cols = TrackColumns(np.array(ids, dtype=object))
        ordered = [rows[i] for i in ids]
        keys = {k for row in ordered for k in row if k not in ID_FIELDS}
        for key in sorted(keys):
            if key == "stats":
                continue
            values = [row.get(key) for row in ordered]
            clean = clean and all(v is None or is_json_number(v) for v in values)
            _put(cols.values, cols.missing, key, key, ids, values, is_json_number)
        stat_keys = {k for row in ordered if isinstance(row.get("stats"), dict) for k in row["stats"]}
        clean = clean and all(row.get("stats") is None or isinstance(row["stats"], dict) for row in ordered)
        for key in sorted(stat_keys):
            values = [(row.get("stats") or {}).get(key) if isinstance(row.get("stats"), dict) else None
                      for row in ordered]
            clean = clean and all(v is None or _numbers(v) for v in values)
            _put(cols.stats, cols.missing, key, f"stats.{key}", ids, values, _numbers)
        clean = clean and all(isinstance(row.get(k), str) for row in ordered for k in ID_FIELDS if k in row)
        tracks[track] = cols
    return PerStudy(path, tracks, clean)


def _put(into: dict[str, np.ndarray], missing: dict[str, str], key: str, where: str, ids: list[str],
         values: list[Any], ok: Any) -> None:
    bad = next((i for i, v in zip(ids, values) if not ok(v)), None)
    if bad is not None:
        missing[where] = bad
        return
    try:
        into[key] = np.array(values, dtype=np.float64)
    except ValueError:                                   # ragged statistics
        missing[where] = ids[0]


def _numbers(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and all(is_json_number(x) for x in v)

