"""Study and Split value types."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..io import sha256_texts
from ..tracks import section_text

# Subgroup fields a split may fill (None where unknown).
SUBGROUP_FIELDS = ("sex", "age_band", "view", "manufacturer")


@dataclass(frozen=True)
class Study:
    id: str
    findings: str = ""
    impression: str = ""
    indication: str = ""
    comparison: str = ""
    report: str = ""             # single-text reference (custom splits without sections)
    subgroups: Mapping[str, str | None] = field(default_factory=dict)

    def reference(self, track: str) -> str:
        return section_text(self.findings, self.impression, track, self.report)


@dataclass(frozen=True)
class Split:
    id: str                      # e.g. "demo-test", "rexgradient-test", "rexrank-iuxray-test"
    name: str                    # human name
    dataset: str                 # "demo", "rexgradient", "rexrank", "custom"
    studies: tuple[Study, ...]
    source: str                  # file that was read
    source_sha256: str           # sha256 of that file

    @cached_property
    def sha256(self) -> str:
        """Content hash of the references (ids + sections), independent of the file format read."""
        texts: list[str] = []
        for s in sorted(self.studies, key=lambda s: s.id):
            texts += [s.id, s.findings, s.impression, s.report]
        return sha256_texts(texts)

    @cached_property
    def by_id(self) -> dict[str, Study]:
        return {s.id: s for s in self.studies}

    def track_studies(self, track: str) -> list[Study]:
        """Studies whose reference for `track` is non-empty, in split order."""
        return [s for s in self.studies if s.reference(track)]

    def info(self) -> dict[str, Any]:
        return {
            "id": self.id, "name": self.name, "dataset": self.dataset, "sha256": self.sha256,
            "source": self.source, "source_sha256": self.source_sha256, "n_studies": len(self.studies),
        }


def clean_text(value: Any) -> str:
    """Strings as given (stripped); None, NaN and the literal 'nan' become ''."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = str(value).strip()
    return "" if text.lower() in ("nan", "none") else text
