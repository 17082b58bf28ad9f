"""submissions/<id>/submission.yaml: the documented, validated metadata of one leaderboard entry.

    id: my-model-v1                # slug: lowercase letters, digits, hyphens (3-64 chars); = folder name
    model_name: My Model v1
    institution: Some Lab
    date: 2026-11-26               # YYYY-MM-DD
    url: https://example.org       # optional; http(s) only (also paper_url, code_url)
    license: CC-BY-4.0
    contact: someone@example.org   # optional
    description: one paragraph     # optional
    trained_on: [rexgradient]      # datasets the model was trained on (marker on that dataset's board)
    splits:
      - split: demo:test           # a split spec (see `rexbench data info`)
        predictions: predictions.jsonl
        tracks: [findings, impression, findings_impression]   # optional; default all of the split's
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError
from .io import require_inside
from .tracks import ALL_TRACKS

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,62})[a-z0-9]$")
DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
URL = re.compile(r"^https?://[^\s<>\"']+$")
REQUIRED = ("id", "model_name", "institution", "date", "license", "splits")
OPTIONAL = ("url", "paper_url", "code_url", "contact", "description", "trained_on", "reference_baseline")
FILENAME = "submission.yaml"


@dataclass(frozen=True)
class SplitEntry:
    split: str
    predictions: Path
    tracks: tuple[str, ...]


@dataclass(frozen=True)
class Submission:
    id: str
    folder: Path
    model_name: str
    institution: str
    date: str
    license: str
    splits: tuple[SplitEntry, ...]
    url: str | None = None
    paper_url: str | None = None
    code_url: str | None = None
    contact: str | None = None
    description: str = ""
    trained_on: tuple[str, ...] = ()
    reference_baseline: bool = False
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def year(self) -> int:
        return int(self.date[:4])

    def public_metadata(self) -> dict[str, Any]:
        """What the site shows (no contact address)."""
        return {"model_name": self.model_name, "institution": self.institution, "date": self.date,
                "year": self.year, "url": self.url, "paper_url": self.paper_url, "code_url": self.code_url,
                "description": self.description, "license": self.license, "trained_on": list(self.trained_on),
                "reference_baseline": self.reference_baseline}


def load_submission(folder: Path) -> Submission:
    """Read and validate submissions/<id>/submission.yaml. Every file a submission names must resolve
    (symlinks followed) inside its folder, and the folder inside its parent: a symlink must never make
    rexbench read, score or print a file from elsewhere on the machine (SECURITY.md)."""
    from .yaml_safe import load_yaml

    folder = Path(folder)
    path = folder / FILENAME
    if not os.path.lexists(path):   # one that is there but not a regular file is refused by load_yaml
        raise InputError(f"{folder}: no {FILENAME}")
    require_inside(folder, folder.parent, what="submission folder")
    data = load_yaml(path, within=folder)
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a mapping of fields")
    problems = [f"{path}: missing field {k!r}" for k in REQUIRED if k not in data]
    problems += [f"{path}: unknown field {k!r}" for k in data if k not in REQUIRED + OPTIONAL]
    if problems:
        raise InputError(problems)
    sid = data["id"]
    if not isinstance(sid, str) or not SLUG.match(sid):
        problems.append(f"{path}: id {sid!r} must be a slug: 3-64 lowercase letters, digits and hyphens")
    elif sid != folder.name:
        problems.append(f"{path}: id {sid!r} must equal the folder name {folder.name!r}")
    for key in ("model_name", "institution", "license"):
        if not isinstance(data[key], str) or not data[key].strip():
            problems.append(f"{path}: {key} must be a non-empty string")
    date = data["date"]
    if isinstance(date, dt.date):
        date = date.isoformat()
    try:
        if not DATE.match(str(date)):  # fromisoformat also takes 20261126 and 2026-W48-4
            raise ValueError(date)
        dt.date.fromisoformat(str(date))
    except ValueError:
        problems.append(f"{path}: date {data['date']!r} must be YYYY-MM-DD")
    for key in ("contact", "description"):
        if data.get(key) is not None and not isinstance(data[key], str):
            problems.append(f"{path}: {key} must be a string")
    for key in ("url", "paper_url", "code_url"):
        value = data.get(key)
        if value is not None and (not isinstance(value, str) or not URL.match(value)):
            problems.append(f"{path}: {key} {value!r} must be an http(s) URL")
    trained_on = data.get("trained_on") or []
    if not isinstance(trained_on, list) or not all(isinstance(x, str) for x in trained_on):
        problems.append(f"{path}: trained_on must be a list of dataset names")
    if "reference_baseline" in data and not isinstance(data["reference_baseline"], bool):
        problems.append(f"{path}: reference_baseline {data['reference_baseline']!r} must be true or false "
                        f"(a YAML boolean, unquoted)")
    splits = _splits(path, data["splits"], problems)
    if problems:
        raise InputError(problems)
    return Submission(
        id=sid, folder=folder, model_name=data["model_name"].strip(), institution=data["institution"].strip(),
        date=str(date), license=data["license"].strip(), splits=splits, url=data.get("url"),
        paper_url=data.get("paper_url"), code_url=data.get("code_url"), contact=data.get("contact"),
        description=str(data.get("description") or "").strip(), trained_on=tuple(trained_on),
        reference_baseline=bool(data.get("reference_baseline", False)), raw=data)


def _splits(path: Path, value: Any, problems: list[str]) -> tuple[SplitEntry, ...]:
    if not isinstance(value, list) or not value:
        problems.append(f"{path}: splits must be a non-empty list")
        return ()
    out = []
    for i, entry in enumerate(value):
        where = f"{path}: splits[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("split"), str) \
                or not isinstance(entry.get("predictions"), str):
            problems.append(f"{where}: needs `split` and `predictions` strings")
            continue
        preds = path.parent / entry["predictions"]
        if Path(entry["predictions"]).is_absolute() or ".." in Path(entry["predictions"]).parts:
            problems.append(f"{where}: predictions must be a file inside the submission folder")
            continue
        try:
            require_inside(preds, path.parent, what="predictions file")
        except InputError:
            problems.append(f"{where}: predictions {entry['predictions']!r} resolves outside the submission "
                            f"folder (a symlink?); it must be a regular file inside it")
            continue
        if not preds.exists():
            problems.append(f"{where}: predictions file {entry['predictions']!r} not found")
        elif not preds.is_file():
            problems.append(f"{where}: predictions {entry['predictions']!r} is not a regular file")
        tracks = entry.get("tracks", list(ALL_TRACKS))   # given, it must name tracks: [] is not "all of them"
        if not isinstance(tracks, list) or not tracks:
            problems.append(f"{where}: tracks must be a non-empty list, e.g. [findings, impression] "
                            f"(leave it out for all of the split's tracks)")
            continue
        bad = [t for t in tracks if t not in ALL_TRACKS]
        twice = next((t for i, t in enumerate(tracks) if t in tracks[:i]), None)
        if bad:
            problems.append(f"{where}: unknown track {bad[0]!r} (tracks: {', '.join(ALL_TRACKS)})")
        elif twice is not None:
            problems.append(f"{where}: track {twice!r} is listed twice")
        out.append(SplitEntry(entry["split"], preds, tuple(tracks)))
    return tuple(out)


def discover(root: Path) -> list[Path]:
    """Submission folders under root (those holding a submission.yaml), sorted. A missing root is an error,
    not an empty board (a mistyped --submissions must not publish an empty leaderboard)."""
    if not Path(root).is_dir():
        raise InputError(f"{root}: no such folder (pass --submissions DIR)")
    return sorted(p.parent for p in Path(root).glob(f"*/{FILENAME}"))
