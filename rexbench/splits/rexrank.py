"""ReXrank JSON files (MIMIC-CXR, IU X-ray, CheXpert Plus): an object keyed by string study id."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..io import loads_json, sha256_file
from ..records import read_text, strict_pairs
from .model import Split, Study, clean_text
from .rexgradient import _check_unique

_CONTEXT_AGE = re.compile(r"Age:\s*([0-9]+)\s*-\s*([0-9]+)", re.I)
_CONTEXT_SEX = re.compile(r"Gender:\s*([MF])\b", re.I)
_CONTEXT_INDICATION = re.compile(r"Indication:\s*(.*?)\s*(?:Comparison:|$)", re.I | re.S)


def read_object(path: Path, *, text: str | None = None) -> dict[str, Any]:
    """Parse a ReXrank JSON object (`text`: its content, already read), refusing duplicate keys (json
    would silently keep the last)."""
    if text is None:
        text = read_text(path)
    data = loads_json(text, str(path), object_pairs_hook=strict_pairs(str(path)))
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object keyed by study id")
    return data


def load(path: Path) -> Split:
    data = read_object(path)
    studies = []
    for key, rec in data.items():
        if not isinstance(rec, dict):
            raise InputError(f"{path}: study {key!r} is not an object")
        context = clean_text(rec.get("context"))
        sex = _CONTEXT_SEX.search(context)
        age = _CONTEXT_AGE.search(context)
        indication = _CONTEXT_INDICATION.search(context)
        studies.append(Study(
            id=str(key),
            findings=clean_text(rec.get("section_findings")),
            impression=clean_text(rec.get("section_impression")),
            indication=indication.group(1).strip() if indication else "",
            subgroups={
                "sex": sex.group(1).upper() if sex else None,
                "age_band": _band_from_range(age) if age else None,
                "view": None,  # ReXrank says Frontal/Lateral only, not the PA/AP projection
                "manufacturer": None,
            },
        ))
    split = tuple(studies)
    _check_unique(path, split)
    stem = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-").removeprefix("rexrank-")
    return Split(id=f"rexrank-{stem}", name=path.stem, dataset="rexrank", studies=split,
                 source=str(path), source_sha256=sha256_file(path))


def _band_from_range(match: re.Match[str]) -> str | None:
    from ..stats import age_band

    low, high = int(match.group(1)), int(match.group(2))
    return age_band((low + high) / 2)
