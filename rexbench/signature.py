"""Metric signatures, sacrebleu style: `name|v:1|key:value|...|n:388|refs:<sha12>|rexbench:0.1.0`.

A signature pins everything that can move a number. Parse it back and compare fields, not strings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from . import __version__
from .metric import Metric

_ESCAPES = {"|": "%7C", ":": "%3A", "%": "%25"}
_DECODE = {v: k for k, v in _ESCAPES.items()}
_CODES = re.compile("|".join(_DECODE))


@dataclass(frozen=True)
class Signature:
    metric: str
    fields: tuple[tuple[str, str], ...]

    def format(self) -> str:
        return "|".join([self.metric] + [f"{k}:{_escape(v)}" for k, v in self.fields])

    __str__ = format

    def get(self, key: str, default: str | None = None) -> str | None:
        return dict(self.fields).get(key, default)

    def code_differences(self, other: "Signature") -> dict[str, tuple[str | None, str | None]]:
        """`differences`, except fields where `other` (a fresh signature) records a library version
        installed here: another library version is drift, judged by the numbers, not a difference."""
        return self.differences(other, ignore=tuple(library_version_fields(dict(other.fields))))

    def differences(self, other: "Signature", ignore: tuple[str, ...] = ()) -> dict[str, tuple[str | None, str | None]]:
        """Fields whose values differ (value here, value there), ignoring `ignore`."""
        mine, theirs = dict(self.fields), dict(other.fields)
        keys = (set(mine) | set(theirs)) - set(ignore)
        diff = {k: (mine.get(k), theirs.get(k)) for k in sorted(keys) if mine.get(k) != theirs.get(k)}
        if self.metric != other.metric:
            diff["metric"] = (self.metric, other.metric)
        return diff


def parse(text: str) -> Signature:
    metric, *parts = text.strip().split("|")
    fields = []
    for part in parts:
        key, sep, value = part.partition(":")
        if not sep:
            raise ValueError(f"bad signature field {part!r} in {text!r}")
        fields.append((key, _unescape(value)))
    return Signature(metric, tuple(fields))


def build(metric: Metric, *, n: int, refs_sha256: str, extra: Mapping[str, str] | None = None) -> Signature:
    """The signature of `metric` scored on `n` studies of references hashed `refs_sha256`."""
    fields = list(metric.signature_fields().items())
    fields += [("n", str(n)), ("refs", refs_sha256[:12])]
    fields += list((extra or {}).items())
    fields.append(("rexbench", __version__))
    return Signature(metric.spec.split(":")[0], tuple(fields))


def _escape(value: str) -> str:
    return "".join(_ESCAPES.get(c, c) for c in value)


def _unescape(value: str) -> str:
    return _CODES.sub(lambda m: _DECODE[m.group(0)], value)


def installed_version(name: str) -> str | None:
    """The version of the distribution `name` installed here, or None."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except (PackageNotFoundError, ValueError):
        return None


def library_version_fields(fields: Mapping[str, str | None]) -> set[str]:
    """The fields that record a third-party library's version, as installed here.

    A field is one when its key names an installed distribution and its value is that distribution's
    version here (`torch:2.13.0+cpu`, `transformers:5.25.0`, `rouge_score:0.1.2`). Another version of a
    library does not by itself make results stale: `rexbench ci` rescores and lets each metric's declared
    tolerance decide. rexbench's own version, parameters and model hashes are never library fields.
    """
    return {key for key, value in fields.items()
            if key != "rexbench" and value is not None and installed_version(key) == value}
