"""Read JSONL and CSV files as (line number, record) pairs, with precise one-line errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from .errors import InputError


def read_text(path: Path) -> str:
    """UTF-8 text (a BOM is accepted); bad bytes are reported with their line number."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(f"{path}:{line}: not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8") from None


def read_records(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """Records of a .jsonl or .csv file. Every malformed line is reported (first 20, then a count)."""
    suffix = path.suffix.lower()
    text = read_text(path)
    if suffix == ".jsonl":
        return _jsonl(path, text)
    if suffix == ".csv":
        return _csv(path, text)
    raise InputError(f"{path}: unsupported file type {suffix!r} (use .jsonl or .csv)")


def _jsonl(path: Path, text: str) -> list[tuple[int, dict[str, Any]]]:
    out, problems = [], []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{path}:{n}: not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(rec, dict):
            problems.append(f"{path}:{n}: expected a JSON object, got {type(rec).__name__}")
            continue
        out.append((n, rec))
    if problems:
        raise InputError(problems)
    if not out:
        raise InputError(f"{path}: no records")
    return out


def _csv(path: Path, text: str) -> list[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames:
        raise InputError(f"{path}: empty CSV (expected a header row)")
    out, problems = [], []
    for rec in reader:
        if None in rec:  # more cells than header columns
            key = field(rec, "id", "study_id")
            named = f"id {key!r}: " if key else ""
            problems.append(f"{path}:{reader.line_num}: {named}{len(rec[None])} more cell(s) than the "
                            f"{len(reader.fieldnames)} header columns (quote text that contains commas)")
            continue
        out.append((reader.line_num, dict(rec)))
    if problems:
        raise InputError(problems)
    if not out:
        raise InputError(f"{path}: no records")
    return out


def field(rec: dict[str, Any], *names: str) -> Any:
    """The first present key of `names` (None when none is present)."""
    for name in names:
        if name in rec:
            return rec[name]
    return None
