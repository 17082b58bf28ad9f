"""Read and strictly validate a predictions file against a split.

Formats (by extension):
  .jsonl  {"id", "findings", "impression"} or {"id", "report"}
  .csv    study_id,report   (or id,report; or study_id,findings,impression)
  .json   ReXrank prediction JSON: object keyed by study id, each value with "model_prediction"

Every problem is reported as one line naming the file, line and id (first 20, then a count);
nothing is scored until the file is clean.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InputError
from .io import MAX_TEXT_CHARS, decode_utf8, read_regular, sha256_bytes
from .records import field, json_kind, read_records
from .splits import Split
from .splits.rexrank import read_object
from .tracks import ALL_TRACKS, combine

SECTION_KEYS = ("findings", "impression")
REPORT_KEYS = ("report", "prediction", "model_prediction")
MAX_ID_CHARS = 256   # real study ids are tens of characters; a longer one would flood every message


@dataclass(frozen=True)
class Prediction:
    id: str
    where: str                    # "file:line" for messages
    report: str | None = None     # one text for every track
    findings: str | None = None
    impression: str | None = None

    def text(self, track: str) -> str:
        if self.report is not None:
            return self.report
        findings, impression = self.findings or "", self.impression or ""
        if track == "findings":
            return findings
        if track == "impression":
            return impression
        return combine(findings, impression) if findings and impression else ""


@dataclass(frozen=True)
class Predictions:
    path: Path
    format: str
    entries: dict[str, Prediction]
    sha256: str


def read_predictions(path: str | Path, *, within: str | os.PathLike | None = None) -> Predictions:
    """Read and check a predictions file; `within`: the folder it must resolve inside (a submission's)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".json", ".jsonl", ".csv"):
        raise InputError(f"{path}: unsupported predictions file type {suffix!r} (use .jsonl, .csv or .json)")
    raw = read_regular(path, what="predictions file", within=within)  # read once: the hash is of what was parsed
    text = decode_utf8(path, raw)
    if suffix == ".json":
        rows = [(f"{path}", key, value) for key, value in read_object(path, text=text).items()]
        entries, problems = _from_rexrank(path, rows)
        fmt = "rexrank-json"
    else:
        entries, problems = _from_records(path, read_records(path, text=text))
        fmt = suffix[1:]
    if problems:
        raise InputError(problems)
    return Predictions(path=path, format=fmt, entries=entries, sha256=sha256_bytes(raw))


def _from_records(path: Path, records: list[tuple[int, dict[str, Any]]]):
    entries: dict[str, Prediction] = {}
    problems: list[str] = []
    if path.suffix.lower() == ".csv" and records:
        columns = list(records[0][1])
        missing = [what for what, names in (("id column (study_id or id)", ("id", "study_id")),
                                            ("text column (report, or findings/impression)",
                                             REPORT_KEYS + SECTION_KEYS))
                   if not any(n in columns for n in names)]
        if missing:
            shown = ", ".join(str(c)[:40] for c in columns[:10]) + (", ..." if len(columns) > 10 else "")
            return entries, [f"{path}:1: CSV header lacks the {' and the '.join(missing)}; "
                             f"found columns {shown} (expected study_id,report)"]
    for line, rec in records:
        where = f"{path}:{line}"
        key = field(rec, "id", "study_id")
        if not isinstance(key, str) or not key.strip():
            got = ("missing id" if key is None else "empty id" if isinstance(key, str)
                   else f"id {key!r} is a {json_kind(key)}, not a string")
            problems.append(f"{where}: {got} (ids are strings, e.g. \"CXR3030_IM-1405\")")
            continue
        if "id" in rec and "study_id" in rec and rec["id"] != rec["study_id"]:
            problems.append(f"{where}: both 'id' {_shown(key)} and 'study_id' {_shown(rec['study_id'])} are given; "
                            f"give one")
            continue
        if (bad_id := _bad_id(key)) is not None:
            problems.append(f"{where}: {bad_id}")
            continue
        if key in entries:
            problems.append(f"{where}: id {key!r}: duplicate (first at {entries[key].where})")
            continue
        report_key = next((k for k in REPORT_KEYS if k in rec), None)
        sections = {k: rec.get(k) for k in SECTION_KEYS if k in rec}
        if report_key is None and not sections:
            problems.append(f"{where}: id {key!r}: no prediction text (expected \"report\" or \"findings\"/\"impression\")")
            continue
        given = [k for k in REPORT_KEYS if k in rec and rec[k] not in (None, "")]
        if len(given) > 1 or (given and any(v not in (None, "") for v in sections.values())):
            both = given + [k for k, v in sections.items() if v not in (None, "")]
            problems.append(f"{where}: id {key!r}: both {both[0]!r} and {both[1]!r} are given; give one report "
                            f"text, or findings/impression, not both")
            continue
        texts = {"report": rec[report_key]} if report_key is not None else sections
        bad = [k for k, v in texts.items() if not isinstance(v, str)]
        if bad:
            problems.append(f"{where}: id {key!r}: {report_key or bad[0]} must be a string, got {json_kind(texts[bad[0]])}")
            continue
        long = [k for k, v in texts.items() if len(v) > MAX_TEXT_CHARS]
        if long:
            problems.append(_too_long(where, key, report_key or long[0], texts[long[0]]))
            continue
        entries[key] = Prediction(id=key, where=where, **texts)
    return entries, problems


def _shown(key: Any) -> str:
    """An id for a message: repr, cut short (a hostile id may be megabytes long)."""
    text = repr(key)
    if len(text) <= 80:
        return text
    return f"{text[:60]}... ({len(key) if isinstance(key, str) else len(text):,} characters)"


def _bad_id(key: str) -> str | None:
    """Why a string id is refused before matching (None: fine)."""
    if key != key.strip():
        return f"id {_shown(key)} has leading or trailing whitespace (ids must match exactly)"
    if len(key) > MAX_ID_CHARS:
        return f"id {_shown(key)} is over the {MAX_ID_CHARS}-character limit for an id"
    return None


def _from_rexrank(path: Path, rows: list[tuple[str, str, Any]]):
    entries: dict[str, Prediction] = {}
    problems: list[str] = []
    for where, key, value in rows:
        text = value.get("model_prediction") if isinstance(value, dict) else None
        if (bad_id := _bad_id(key)) is not None:
            problems.append(f"{where}: {bad_id}")
        elif not isinstance(value, dict) or "model_prediction" not in value:
            problems.append(f"{where}: id {key!r}: no \"model_prediction\" field")
        elif not isinstance(text, str):
            problems.append(f"{where}: id {key!r}: model_prediction must be a string, got {json_kind(text)}")
        elif len(text) > MAX_TEXT_CHARS:
            problems.append(_too_long(where, key, "model_prediction", text))
        else:
            entries[key] = Prediction(id=key, where=where, report=text)
    return entries, problems


def _too_long(where: str, key: str, name: str, text: str) -> str:
    return (f"{where}: id {key!r}: {name} is {len(text):,} characters, over the {MAX_TEXT_CHARS:,}-character "
            f"limit for one report")


def _nfc_index(ids: Any) -> dict[str, str]:
    return {unicodedata.normalize("NFC", k): k for k in ids or ()}


def _normal_form_hint(key: str, nfc_index: dict[str, str]) -> str:
    """When an id matches another only after Unicode normalisation (NFC vs NFD), say so, with escapes:
    the two print identically otherwise."""
    match = nfc_index.get(unicodedata.normalize("NFC", key))
    if match is None or match == key:
        return ""
    return (f" (it differs only in Unicode normalisation from {ascii(match)}: this id is {ascii(key)}; "
            f"ids must match exactly, write both in NFC)")


@dataclass(frozen=True)
class Aligned:
    """References and predictions of one track, aligned by study id (split order)."""
    track: str
    ids: list[str]
    references: list[str]
    predictions: list[str]


def validate(predictions: Predictions, split: Split, tracks: tuple[str, ...]) -> dict[str, Aligned]:
    """Exact id match with the split, and a non-empty prediction for every study of every track.

    Returns the aligned tracks that have at least one study (a track with n = 0 is left out).
    """
    path = predictions.path
    entries = predictions.entries
    available = [t for t in tracks if split.track_studies(t)]
    if not available:
        has = [t for t in ALL_TRACKS if split.track_studies(t)]
        raise InputError(f"split {split.id}: no study has a reference for track{'s' if len(tracks) > 1 else ''} "
                         f"{', '.join(tracks)}; nothing to score (its tracks: {', '.join(has) or 'none'})")
    missing = [s.id for s in split.studies if s.id not in entries]
    extra = [p for p in entries.values() if p.id not in split.by_id]
    in_preds, in_split = (_nfc_index(extra and entries), _nfc_index(missing and split.by_id))
    problems = [f"{path}: missing prediction for id {i!r}{_normal_form_hint(i, in_preds)}" for i in missing]
    problems += [f"{p.where}: id {p.id!r} is not in split {split.id}{_normal_form_hint(p.id, in_split)}"
                 for p in extra]
    aligned: dict[str, Aligned] = {}
    empty: dict[str, list[str]] = {}
    for track in tracks:
        studies = [s for s in split.track_studies(track) if s.id in entries]
        if not split.track_studies(track):
            continue
        preds = []
        for s in studies:
            text = entries[s.id].text(track)
            if not text.strip():
                empty.setdefault(s.id, []).append(track)
            preds.append(text)
        aligned[track] = Aligned(track, [s.id for s in studies], [s.reference(track) for s in studies], preds)
    # one problem per study, naming every track it leaves empty
    problems += [f"{entries[i].where}: id {i!r}: empty prediction for track{'s' if len(t) > 1 else ''} {', '.join(t)}"
                 for i, t in empty.items()]
    if problems:
        raise InputError(problems)
    return aligned
