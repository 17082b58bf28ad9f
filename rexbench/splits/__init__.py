"""Reference splits: the studies to score against, identified by a content hash.

Split specs understood by `load_split`:
  demo:test | demo:valid | demo:train     the embedded synthetic demo split (ReXGradient layout)
  rexgradient:test (valid, train)         a local ReXGradient-160K copy (--data-dir or REXBENCH_DATA)
  path/to/file.json                       a ReXrank JSON file (MIMIC-CXR, IU X-ray, CheXpert Plus)
  path/to/refs.jsonl | refs.csv           a custom split of references
  private:<name>                          a private test set from $REXBENCH_PRIVATE_REFS (CI secrets)
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import RexbenchError
from .model import Split, Study

__all__ = ["Split", "Study", "load_split", "SPLIT_NAMES"]

SPLIT_NAMES = ("train", "valid", "test")


def load_split(spec: str, *, data_dir: str | os.PathLike | None = None) -> Split:
    from . import rexgradient
    from .files import load_file
    from ..paths import demo_split_dir

    kind, sep, name = spec.partition(":")
    if sep and kind == "demo":
        return rexgradient.load(demo_split_dir(), _split_name(name, spec), dataset="demo")
    if sep and kind == "rexgradient":
        root = data_dir or os.environ.get("REXBENCH_DATA")
        if not root:
            raise RexbenchError(f"split {spec!r} needs a local ReXGradient-160K copy: pass --data-dir or set REXBENCH_DATA")
        return rexgradient.load(Path(root), _split_name(name, spec), dataset="rexgradient")
    if sep and kind == "private":
        from .private import load_private_split  # references from $REXBENCH_PRIVATE_REFS, never printed
        return load_private_split(name)
    path = Path(spec)
    if not path.exists():
        raise RexbenchError(f"unknown split {spec!r}: not demo:<split>, rexgradient:<split>, or an existing file")
    return load_file(path)


def _split_name(name: str, spec: str) -> str:
    if name not in SPLIT_NAMES:
        raise RexbenchError(f"bad split {spec!r}: expected one of {', '.join(SPLIT_NAMES)} after the colon")
    return name
