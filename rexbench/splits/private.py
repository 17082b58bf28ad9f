"""Private references (splits `private:<name>`): a submission on such a split is scored against the file named
by $REXBENCH_PRIVATE_REFS (a ReXrank JSON or custom JSONL/CSV, or a folder holding <name>.json /
.jsonl / .csv). Neither that path nor any reference text is ever printed, written or committed: the
loaded split is renamed `private-<name>` and loader errors are replaced by a fixed message.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

from ..errors import RexbenchError
from .files import load_file


PRIVATE_ENV = "REXBENCH_PRIVATE_REFS"
PRIVATE_PREFIX = "private:"
_PRIVATE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


def is_private(spec: str) -> bool:
    return spec.startswith(PRIVATE_PREFIX)


def load_private_split(name: str):
    """The split `private:<name>`, read from $REXBENCH_PRIVATE_REFS; its path and text never printed.

    The returned split is renamed (id `private-<name>`, source `private:<name>`), so results.json,
    the site and every message carry the name only. Any loader error becomes one fixed line.
    """
    spec = PRIVATE_PREFIX + name
    if not _PRIVATE_NAME.match(name):
        raise RexbenchError(f"bad private split {spec!r}: the name must be 1-63 lowercase letters, digits, "
                            f"'-' or '_'")
    value = os.environ.get(PRIVATE_ENV, "").strip()
    if not value:
        raise RexbenchError(f"split {spec} needs the private references: set ${PRIVATE_ENV} to the references "
                            f"file (or a folder holding {name}.json / .jsonl / .csv); it is never committed")
    path = Path(value).expanduser()
    if path.is_dir():
        found = [path / f"{name}{ext}" for ext in (".json", ".jsonl", ".csv") if (path / f"{name}{ext}").is_file()]
        if len(found) != 1:
            raise RexbenchError(f"split {spec}: the folder in ${PRIVATE_ENV} holds "
                                f"{'no' if not found else 'more than one'} {name}.json / .jsonl / .csv")
        path = found[0]
    elif not path.is_file():
        raise RexbenchError(f"split {spec}: ${PRIVATE_ENV} names no file or folder on this machine")
    try:
        split = load_file(path)
    except Exception as exc:  # noqa: BLE001 - any loader message may quote the path or the text
        count = len(getattr(exc, "problems", None) or [exc])
        raise RexbenchError(f"split {spec}: the references in ${PRIVATE_ENV} could not be read ({count} "
                            f"problem(s); details are withheld so that no path or reference text is printed)") from None
    return dataclasses.replace(split, id=f"private-{name}", name=f"private {name}", dataset="private",
                               source=spec)


def scrub_private(text: str) -> str:
    """Remove the private references path from a message (belt and braces: loaders never see it printed)."""
    value = os.environ.get(PRIVATE_ENV, "").strip()
    if value:
        for form in {value, str(Path(value).expanduser()), str(Path(value).expanduser().resolve())}:
            if len(form) > 1:
                text = text.replace(form, f"${PRIVATE_ENV}")
    return text
