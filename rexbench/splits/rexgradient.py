"""ReXGradient-160K in its downloaded layout: metadata/{split}_metadata.{json,csv} (+ _view_position.json).

Reads the JSON (bare NaN tokens tolerated) or, where only the CSV is present, the CSV. The demo
split uses the same layout and this same loader.
"""

from __future__ import annotations

import ast
import csv
import io
import re
from pathlib import Path
from typing import Any

from ..errors import InputError, RexbenchError
from ..io import read_json_lenient, sha256_file
from .model import Split, Study, clean_text
from .subgroups import age_band_from_dicom, frontal_view

NAMES = {"demo": "rexbench demo (synthetic)", "rexgradient": "ReXGradient-160K"}


def load(root: Path, split: str, *, dataset: str) -> Split:
    meta = Path(root) / "metadata"
    json_path = meta / f"{split}_metadata.json"
    csv_path = meta / f"{split}_metadata.csv"
    if json_path.is_file():
        records, source = _read_json(json_path), json_path
    elif csv_path.is_file():
        records, source = _read_csv(csv_path), csv_path
    else:
        raise RexbenchError(f"{meta}: no {split}_metadata.json or {split}_metadata.csv (is this a ReXGradient-160K copy?)")
    views = _read_views(meta / f"{split}_metadata_view_position.json")
    studies = tuple(_study(source, key, rec, views.get(key)) for key, rec in records)
    _check_unique(source, studies)
    return Split(id=f"{dataset}-{split}", name=f"{NAMES.get(dataset, dataset)} {split}", dataset=dataset,
                 studies=studies, source=str(source), source_sha256=sha256_file(source))


def _read_json(path: Path) -> list[tuple[str, dict[str, Any]]]:
    try:
        data = read_json_lenient(path)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected an object keyed by study id")
    return [(str(k), v) for k, v in data.items()]


def _read_csv(path: Path) -> list[tuple[str, dict[str, Any]]]:
    from ..records import read_text  # UTF-8 (BOM accepted); bad bytes reported with their line

    rows = list(csv.DictReader(io.StringIO(read_text(path), newline="")))
    out = []
    for line, row in enumerate(rows, start=2):
        key = clean_text(row.get("id"))
        if not key:
            raise InputError(f"{path}:{line}: row has no id")
        out.append((key, row))
    return out


def _read_views(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = read_json_lenient(path)
    except ValueError as exc:  # includes UnicodeDecodeError
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected an object keyed by study id")
    return {str(k): v.get("ImageViewPosition") for k, v in data.items() if isinstance(v, dict)}


def _study(source: Path, key: str, rec: Any, clean_views: Any) -> Study:
    if not isinstance(rec, dict):
        raise InputError(f"{source}: study {key!r} is not an object")
    views = clean_views if clean_views is not None else _as_list(rec.get("ImageViewPosition"))
    sex = clean_text(rec.get("PatientSex")).upper()
    return Study(
        id=key,
        findings=clean_text(rec.get("Findings")),
        impression=clean_text(rec.get("Impression")),
        indication=clean_text(rec.get("Indication")),
        comparison=clean_text(rec.get("Comparison")),
        subgroups={
            "sex": sex if sex in ("M", "F") else None,
            "age_band": age_band_from_dicom(clean_text(rec.get("PatientAge"))),
            "view": frontal_view(_as_list(views)),
            "manufacturer": clean_text(rec.get("Manufacturer")) or None,
        },
    )


def _as_list(value: Any) -> list[Any]:
    """Per-image lists come as lists (JSON) or as their Python repr (CSV)."""
    if isinstance(value, list):
        return value
    text = clean_text(value)
    if not text:
        return []
    try:
        parsed = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        try:  # pandas writes a missing list item as a bare nan: "['PA', nan]"
            parsed = ast.literal_eval(re.sub(r"\bnan\b", "None", text))
        except (ValueError, SyntaxError):
            return [text]
    return list(parsed) if isinstance(parsed, (list, tuple)) else [parsed]


def _check_unique(source: Path, studies: tuple[Study, ...]) -> None:
    seen: set[str] = set()
    dups = [s.id for s in studies if s.id in seen or seen.add(s.id)]  # type: ignore[func-returns-value]
    if dups:
        raise InputError([f"{source}: duplicate study id {d!r}" for d in dups])
