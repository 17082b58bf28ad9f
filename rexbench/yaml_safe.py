"""Bounded YAML for untrusted files (submission.yaml, leaderboard.yaml).

yaml.safe_load already refuses Python tags; on top of it this loader refuses anchors/aliases (a
"billion laughs" file expands a few aliases into billions of nodes), nesting deeper than
MAX_YAML_DEPTH (the composer recurses, so 20,000 levels raise RecursionError), duplicate keys (safe_load
silently keeps the last), files over MAX_YAML_BYTES and every type but plain ones (strings, numbers,
booleans, null, dates, lists, mappings: no !!binary, !!set, !!omap). Every refusal is one line naming
file and line.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError
from .io import MAX_YAML_BYTES, MAX_YAML_DEPTH, decode_utf8, read_regular


class _Refused(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line


class _BoundedLoader(yaml.SafeLoader):
    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _Refused(line, f"YAML anchors and aliases (&{getattr(event, 'anchor', '')} / *) are not allowed")
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise _Refused(line, f"nested more than {MAX_YAML_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _Refused(key_node.start_mark.line + 1, "YAML merge keys (<<) are not allowed")
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:
                raise _Refused(key_node.start_mark.line + 1, "a mapping key must be a plain value") from None
            if first is not None:
                raise _Refused(key_node.start_mark.line + 1, f"duplicate key {key!r} (first at line {first})")
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


_PLAIN = {f"tag:yaml.org,2002:{name}" for name in
          ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")}


def _refuse_tag(loader: _BoundedLoader, node: Any) -> Any:
    raise _Refused(node.start_mark.line + 1, f"the YAML tag {node.tag.replace('tag:yaml.org,2002:', '!!')} "
                                             f"is not allowed (plain values, lists and mappings only)")


def _timestamp(loader: _BoundedLoader, node: Any) -> Any:
    """A date; an impossible one (2026-13-45) is refused with its line, not as a bare ValueError."""
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError as exc:
        raise _Refused(node.start_mark.line + 1, f"{node.value!r} is not a valid date ({exc})") from None


def _int(loader: _BoundedLoader, node: Any) -> Any:
    """An integer; one of thousands of digits (over Python's conversion limit) is refused with its line."""
    try:
        return loader.construct_yaml_int(node)
    except ValueError:
        raise _Refused(node.start_mark.line + 1, f"an integer of {len(node.value):,} digits is too long") from None


for _tag in set(_BoundedLoader.yaml_constructors) - _PLAIN:
    if _tag is not None and _tag.startswith("tag:yaml.org,2002:"):
        _BoundedLoader.add_constructor(_tag, _refuse_tag)
_BoundedLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
_BoundedLoader.add_constructor("tag:yaml.org,2002:int", _int)


def load_yaml(path: str | os.PathLike, *, limit: int = MAX_YAML_BYTES, within: str | os.PathLike | None = None) -> Any:
    """Parse a YAML file with the bounds above; InputError (one line per problem) when refused."""
    path = Path(path)
    text = decode_utf8(path, read_regular(path, limit=limit, what="YAML file", within=within))
    try:
        return yaml.load(text, Loader=_BoundedLoader)  # noqa: S506 - a SafeLoader subclass
    except _Refused as exc:
        raise InputError(f"{path}:{exc.line}: {exc}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        raise InputError(f"{path}{line}: not valid YAML ({exc.problem or exc.context or type(exc).__name__})") from None
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: an impossible date (2026-13-01)
        raise InputError(f"{path}: not valid YAML ({(str(exc).splitlines() or [type(exc).__name__])[0]})") from None
    except RecursionError:
        raise InputError(f"{path}: YAML nested too deeply") from None
