"""Reference files named by path: a ReXrank JSON (.json) or a custom JSONL/CSV table (.jsonl, .csv)."""

from __future__ import annotations

from pathlib import Path

from ..errors import RexbenchError


def load_file(path: Path):
    """The split in a reference file, by its suffix."""
    from . import custom, rexrank

    suffix = path.suffix.lower()
    if suffix == ".json":
        return rexrank.load(path)
    if suffix in (".jsonl", ".csv"):
        return custom.load(path)
    raise RexbenchError(f"{path}: unsupported reference file type {suffix!r} (use .json, .jsonl or .csv)")
