"""The display schema (leaderboard_site/leaderboard.yaml): tracks, columns, ranking candidates, reported
rows and baselines; and the two rules read from it (main metric of a track, column order)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .contract import SiteError, TRACK_NAMES, _SAFE_ID


DISPLAY_SCHEMA = "rexbench.display/1"


def load_display_schema(path: str | os.PathLike) -> dict:
    """Read and normalise leaderboard.yaml.

    Returns {"schema", "title", "subtitle", "tracks": [{"id", "display"}],
             "columns": [{"metric", "display" (str|None), "higher_is_better" (bool|None)}],
             "ranking": {"default": [...], "<track>": [...]},
             "reported": [{"split", "file" (Path), "path", "name" (str|None), "dataset" (str|None)}],
             "baselines": "reference" | "ranked"}.
    """
    from ..errors import InputError
    from ..yaml_safe import load_yaml  # lazy: only the leaderboard build needs it

    path = Path(path)
    if not path.exists():
        raise SiteError(f"display schema not found: {path}")
    try:
        raw = load_yaml(path)   # bounded: no aliases, no duplicate keys, limited depth and size
    except InputError as exc:
        raise SiteError(str(exc)) from None
    if not isinstance(raw, dict):
        raise SiteError(f"{path}: expected a mapping at the top level")
    if raw.get("schema", DISPLAY_SCHEMA) != DISPLAY_SCHEMA:
        raise SiteError(f"{path}: schema {raw.get('schema')!r} is not {DISPLAY_SCHEMA!r}")

    def _ids(value: Any, where: str) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) and _SAFE_ID.match(v) for v in value):
            raise SiteError(f"{path}: {where} must be a list of metric ids")
        if len(set(value)) != len(value):
            raise SiteError(f"{path}: {where} lists a metric twice")
        return list(value)

    for key in ("tracks", "columns", "reported"):
        if raw.get(key) is not None and not isinstance(raw[key], list):
            raise SiteError(f"{path}: {key} must be a list")
    tracks = []
    for i, t in enumerate(raw.get("tracks") or [{"id": k, "display": v} for k, v in TRACK_NAMES.items()]):
        if isinstance(t, str):
            t = {"id": t}
        if not isinstance(t, dict) or not isinstance(t.get("id"), str) or not _SAFE_ID.match(t["id"]):
            raise SiteError(f"{path}: tracks[{i}] needs an id")
        tracks.append({"id": t["id"], "display": str(t.get("display") or TRACK_NAMES.get(t["id"], t["id"]))})

    columns = []
    seen: set[str] = set()
    for i, c in enumerate(raw.get("columns") or []):
        if isinstance(c, str):
            c = {"metric": c}
        if not isinstance(c, dict) or not isinstance(c.get("metric"), str) or not _SAFE_ID.match(c["metric"]):
            raise SiteError(f"{path}: columns[{i}] needs a metric id")
        if c["metric"] in seen:
            raise SiteError(f"{path}: column {c['metric']!r} is listed twice")
        seen.add(c["metric"])
        hib = c.get("higher_is_better")
        if hib is not None and not isinstance(hib, bool):
            raise SiteError(f"{path}: columns[{i}].higher_is_better must be true or false")
        columns.append({"metric": c["metric"], "display": c.get("display"), "higher_is_better": hib})

    ranking_raw = raw.get("ranking") or {}
    if isinstance(ranking_raw, list):
        ranking_raw = {"default": ranking_raw}
    if not isinstance(ranking_raw, dict) or "default" not in ranking_raw:
        raise SiteError(f"{path}: ranking needs a `default` list of main-metric candidates")
    ranking = {str(k): _ids(v, f"ranking.{k}") for k, v in ranking_raw.items()}
    return {
        "schema": DISPLAY_SCHEMA,
        "title": str(raw.get("title") or "rexbench leaderboard"),
        "subtitle": str(raw.get("subtitle") or ""),
        "tracks": tracks,
        "columns": columns,
        "ranking": ranking,
        "reported": _reported_entries(path, raw.get("reported")),
        "baselines": _baselines(path, raw.get("baselines", "reference")),
    }


def _baselines(path: Path, value: Any) -> str:
    """`baselines: reference` (default: reference rows, unranked) or `ranked` (ranked like any system)."""
    if value not in ("reference", "ranked"):
        raise SiteError(f"{path}: baselines must be `reference` or `ranked`, not {value!r}")
    return value


_REPORTED_KEYS = ("split", "file", "name", "dataset")


def _reported_entries(path: Path, value: Any) -> list[dict]:
    """The display schema's optional `reported` list: ReXrank's published rows to show beside a split.

    Each entry {split, file, name?, dataset?} becomes {"split", "file" (absolute Path), "path" (as
    written, relative to the yaml's folder), "name" (str|None), "dataset" (str|None)}."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise SiteError(f"{path}: reported must be a list of {{split, file, name, dataset}} entries")
    out: list[dict] = []
    seen: dict[str, int] = {}
    for i, e in enumerate(value):
        where = f"{path}: reported[{i}]"
        if not isinstance(e, dict):
            raise SiteError(f"{where}: expected a mapping with split, file, name and dataset")
        unknown = sorted(str(k) for k in e if k not in _REPORTED_KEYS)
        if unknown:
            raise SiteError(f"{where}: unknown key {unknown[0]!r} (keys: {', '.join(_REPORTED_KEYS)})")
        split = e.get("split")
        if not isinstance(split, str) or not _SAFE_ID.match(split):
            raise SiteError(f"{where}: split must be a split id as in leaderboard.json (e.g. rexrank-mimic-cxr-test)")
        if split in seen:
            raise SiteError(f"{where}: split {split!r} already has reported rows (reported[{seen[split]}])")
        seen[split] = i
        rel = e.get("file")
        if not isinstance(rel, str) or not rel.strip():
            raise SiteError(f"{where}: file must be a path relative to {path.parent} (e.g. reported/mimic-cxr.json)")
        if Path(rel).is_absolute():
            raise SiteError(f"{where}: file {rel!r} must be relative to {path.parent}")
        file = (path.parent / rel).resolve()
        if not file.is_file():
            raise SiteError(f"{where}: file {rel!r} not found ({file})")
        name = e.get("name")
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise SiteError(f"{where}: name must be a non-empty string")
        dataset = e.get("dataset")
        if dataset is not None and (not isinstance(dataset, str) or not _SAFE_ID.match(dataset)):
            raise SiteError(f"{where}: dataset must be a dataset id such as mimic-cxr")
        out.append({"split": split, "file": file, "path": rel, "name": name.strip() if name else None,
                    "dataset": dataset})
    return out


def main_metric_for(schema: Mapping, track: str, present: Iterable[str]) -> str | None:
    """The main metric of a track: the first ranking candidate that at least one submission on that
    split and track was scored with (`present`); None when no candidate is present (track unranked)."""
    present = set(present)
    candidates = schema["ranking"].get(track) or schema["ranking"]["default"]
    return next((m for m in candidates if m in present), None)


def ordered_columns(schema: Mapping, present: Iterable[str]) -> list[str]:
    """Display order: the schema's columns that are present, then the others alphabetically."""
    present = set(present)
    listed = [c["metric"] for c in schema["columns"] if c["metric"] in present]
    return listed + sorted(present - set(listed))
