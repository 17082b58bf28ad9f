"""Read JSONL and CSV files as (line number, record) pairs, with precise one-line errors."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from collections.abc import Callable
from typing import Any

from .errors import InputError
from .io import MAX_INPUT_BYTES, decode_utf8, lines_of, loads_json, read_regular


def read_text(path: Path, *, limit: int = MAX_INPUT_BYTES, within: str | os.PathLike | None = None) -> str:
    """UTF-8 text of a bounded regular file (a BOM is accepted); bad bytes are reported with their line."""
    return decode_utf8(path, read_regular(path, limit=limit, within=within))


def read_records(path: Path, *, within: str | os.PathLike | None = None,
                 text: str | None = None) -> list[tuple[int, dict[str, Any]]]:
    """Records of a .jsonl or .csv file (`text`: its content, already read). Every malformed line is
    reported (first 20, then a count)."""
    suffix = path.suffix.lower()
    if suffix not in (".jsonl", ".csv"):
        raise InputError(f"{path}: unsupported file type {suffix!r} (use .jsonl or .csv)")
    if text is None:
        text = read_text(path, within=within)
    return _jsonl(path, text) if suffix == ".jsonl" else _csv(path, text)


def _jsonl(path: Path, text: str) -> list[tuple[int, dict[str, Any]]]:
    out, problems = [], []
    for n, line in enumerate(lines_of(text), start=1):
        if not line.strip():
            continue
        try:
            rec = loads_json(line, f"{path}:{n}", one_line=True, object_pairs_hook=strict_pairs(f"{path}:{n}"))
        except InputError as exc:
            problems.append(str(exc))
            continue
        if not isinstance(rec, dict):
            problems.append(f"{path}:{n}: expected a JSON object, got {json_kind(rec)}")
            continue
        out.append((n, rec))
    if problems:
        raise InputError(problems)
    if not out:
        raise InputError(f"{path}: no records")
    return out


def _csv(path: Path, text: str) -> list[tuple[int, dict[str, Any]]]:
    # strict: an unterminated quote is an error, not a field that swallows the rest of the file
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = reader.fieldnames
    except csv.Error as exc:
        raise InputError(f"{path}:1: not valid CSV ({exc})") from None
    if not header:
        raise InputError(f"{path}: empty CSV (expected a header row)")
    twice = next((c for i, c in enumerate(header) if c in header[:i]), None)
    if twice is not None:   # DictReader would silently keep the last column of that name
        raise InputError(f"{path}:1: column {twice!r} appears twice in the CSV header")
    out, problems = [], []
    for rec in _rows(path, reader):
        if None in rec:  # more cells than header columns
            key = field(rec, "id", "study_id")
            named = f"id {key!r}: " if key else ""
            problems.append(f"{path}:{reader.line_num}: {named}{len(rec[None])} more cell(s) than the "
                            f"{len(reader.fieldnames)} header columns (quote text that contains commas)")
            continue
        if None in rec.values():   # fewer cells: DictReader fills the missing ones with None
            key = field(rec, "id", "study_id")
            named = f"id {key!r}: " if key else ""
            missing = [c for c, v in rec.items() if v is None]
            problems.append(f"{path}:{reader.line_num}: {named}{len(missing)} cell(s) missing (no "
                            f"{', '.join(map(repr, missing))}); every row needs one cell per header column")
            continue
        out.append((reader.line_num, dict(rec)))
    if problems:
        raise InputError(problems)
    if not out:
        raise InputError(f"{path}: no records")
    return out


def _rows(path: Path, reader: csv.DictReader):
    """The reader's rows; a malformed row (a cell over csv's field size limit, a NUL byte) is one line."""
    try:
        yield from reader
    except csv.Error as exc:
        raise InputError(f"{path}:{reader.line_num}: not valid CSV ({exc})") from None


def strict_pairs(where: str) -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    """A json object_pairs_hook that refuses what json.loads lets through silently: a duplicate key (it
    would keep the last) and a lone surrogate escape such as "\\ud800" (not Unicode: encoding it to UTF-8
    later, for a hash or an output file, would fail)."""
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise InputError(f"{where}: duplicate key {key!r}")
            for text in (key, value):
                if isinstance(text, str) and not _encodable(text):
                    raise InputError(f"{where}: key {ascii(key)}: a lone surrogate escape "
                                     f"({ascii(_first_surrogate(text))}) is not valid Unicode")
            out[key] = value
        return out
    return hook


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _first_surrogate(text: str) -> str:
    return next(ch for ch in text if "\ud800" <= ch <= "\udfff")


def is_json_number(value: Any) -> bool:
    """A number as json parses one: an int or a float, never a bool (json_kind's "number")."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def json_kind(value: Any) -> str:
    """The JSON name of a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {"list": "list", "dict": "object", "str": "string"}.get(type(value).__name__, type(value).__name__)


def field(rec: dict[str, Any], *names: str) -> Any:
    """The first present key of `names` (None when none is present)."""
    for name in names:
        if name in rec:
            return rec[name]
    return None
