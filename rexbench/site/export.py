"""Downloads: a track as CSV in ReXrank's column schema and as JSON, a picture's numbers as CSV, and the
per-study files (refused when a row carries reference text)."""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .contract import SiteError, TRACK_SCHEMA
from .format import _finite, safe_url


# ReXrank's CSV column names (in ReXrank's order) for the metric ids that have a ReXrank counterpart.
REXRANK_COLUMNS: tuple[tuple[str, str], ...] = (
    ("radcliq_v1", "1/RadCliQ-v1"),
    ("bleu2_rexrank", "BLEU"),
    ("bertscore", "BertScore"),
    ("semb_score", "SembScore"),
    ("radgraph_combined", "RadGraph"),
    ("ratescore", "RaTEScore"),
    ("green", "GREEN"),
)
# Metrics whose ReXrank column is 1/(mean raw); ranking and CIs stay on the raw mean.
INVERSE_FOR_PARITY = frozenset({"radcliq_v1"})
_CSV_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _csv_text(value: Any) -> str:
    s = "" if value is None else str(value)
    return "'" + s if s.startswith(_CSV_FORMULA) else s


def _csv_num(v: Any) -> str:
    v = _finite(v)
    return "" if v is None else repr(v)


def track_csv(lb: Mapping, split: Mapping, track_id: str) -> str:
    """One track as CSV in ReXrank's column schema: Model, Institution, Year, the ReXrank metric columns
    present (1/RadCliQ-v1 = 1/mean raw), then our other metrics, then rank/provenance, Status and CI
    columns. Scored rows come first (Status `scored`), then ReXrank's reported rows (Status `reported`:
    no rank, n or CI; 1/RadCliQ-v1 as ReXrank published it)."""
    tr = split["tracks"][track_id]
    rows = tr.get("rows") or []
    reported = tr.get("reported") or []
    present = {m for r in [*rows, *reported] for m in (r.get("scores") or {})}
    rex = [(mid, name) for mid, name in REXRANK_COLUMNS if mid in present]
    others = [c for c in lb["columns"] if c in present and c not in dict(rex)]
    others += sorted(present - set(lb["columns"]) - set(dict(rex)) - set(others))
    used = {name for _, name in rex} | {"Model", "Institution", "Year"}
    value_cols: list[tuple[str, str, str]] = []  # (metric, header, kind: value|inverse)
    for mid, name in rex:
        value_cols.append((mid, name, "inverse" if mid in INVERSE_FOR_PARITY else "value"))
    for mid in others:
        name = str(lb["metrics"][mid].get("display") or mid)
        if name in used:
            name = f"{name} ({mid})"
        used.add(name)
        value_cols.append((mid, name, "value"))
    ci_cols: list[tuple[str, str]] = []
    raw_cols: list[tuple[str, str]] = []
    for mid, name, kind in value_cols:
        if kind == "inverse":
            raw = f"{str(lb['metrics'][mid].get('display') or mid)} (mean raw)"
            raw_cols.append((mid, raw))
            ci_cols.append((mid, raw))
        else:
            ci_cols.append((mid, name))
    header = (["Model", "Institution", "Year"] + [h for _, h, _ in value_cols] + [h for _, h in raw_cols]
              + ["Rank", "Rank interval low", "Rank interval high", "Tie group", "Submission", "Date", "URL",
                 "n", "Main metric", "Status"]
              + [f"{h} CI {end}" for _, h in ci_cols for end in ("low", "high")])
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        s = lb["submissions"][r["submission"]]
        scores = r.get("scores") or {}

        def val(mid: str) -> float | None:
            return _finite((scores.get(mid) or {}).get("value"))

        out = [_csv_text(s.get("model_name")), _csv_text(s.get("institution")), _csv_text(s.get("year"))]
        for mid, _, kind in value_cols:
            v = val(mid)
            if v is not None and kind == "inverse":
                v = 1.0 / v if v != 0 else None
            out.append(_csv_num(v))
        out += [_csv_num(val(mid)) for mid, _ in raw_cols]
        ri = r.get("rank_interval") or [None, None]
        out += ["" if r.get("rank") is None else str(r["rank"]), "" if ri[0] is None else str(ri[0]),
                "" if ri[1] is None else str(ri[1]), "" if r.get("tie_group") is None else str(r["tie_group"]),
                r["submission"], _csv_text(s.get("date")), _csv_text(safe_url(s.get("url")) or ""),
                "" if tr.get("n") is None else str(tr["n"]), str(tr.get("main_metric") or ""),
                "reference" if r.get("reference") else "scored"]
        for mid, _ in ci_cols:
            ci = (scores.get(mid) or {}).get("ci") or [None, None]
            out += [_csv_num(ci[0]), _csv_num(ci[1])]
        w.writerow(out)
    for r in reported:                  # ReXrank's published numbers: no rank, no n, no CI
        scores = r.get("scores") or {}
        out = [_csv_text(r.get("model_name")), _csv_text(r.get("institution")), _csv_text(r.get("year"))]
        for mid, _, kind in value_cols:
            sc = scores.get(mid) or {}
            v = _finite(sc.get("value"))
            if kind == "inverse":       # as ReXrank shows it when it was published as 1/x
                v = _finite(sc.get("shown")) if sc.get("shown_as") == "1/x" else (1.0 / v if v else None)
            out.append(_csv_num(v))
        out += [_csv_num((scores.get(mid) or {}).get("value")) for mid, _ in raw_cols]
        out += ["", "", "", "", "", "", _csv_text(safe_url(r.get("url")) or ""), "", "", "reported"]
        out += [""] * (2 * len(ci_cols))
        w.writerow(out)
    return buf.getvalue()


def figure_csv(fig: Any) -> str:
    """The numbers behind a picture (svg.Figure), as CSV."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(fig.columns)
    for row in fig.rows:
        w.writerow([_csv_num(v) if isinstance(v, float) else _csv_text(v) for v in row])
    return buf.getvalue()


def track_json(lb: Mapping, split: Mapping, track_id: str) -> dict:
    tr = split["tracks"][track_id]
    rows = []
    for r in tr.get("rows") or []:
        s = lb["submissions"][r["submission"]]
        rows.append({**r, "model_name": s.get("model_name"), "institution": s.get("institution"),
                     "year": s.get("year"), "date": s.get("date"), "url": s.get("url")})
    reported = tr.get("reported") or []
    present = {m for r in [*rows, *reported] for m in (r.get("scores") or {})}
    return {
        "schema": TRACK_SCHEMA,
        "rexbench_version": lb.get("rexbench_version"),
        "notice": lb.get("notice"),
        "split": {k: v for k, v in split.items() if k != "tracks"},
        "track": track_id,
        "n": tr.get("n"),
        "main_metric": tr.get("main_metric"),
        "metrics": {m: {k: v for k, v in lb["metrics"][m].items() if k != "card_markdown"}
                    for m in sorted(present)},
        "rows": rows,
        "comparisons": tr.get("comparisons") or [],
        "reported": reported,
    }


# A JSON key that names reference text (anywhere in a row), followed by a string value.
_REFERENCE_FIELD = re.compile(rb'"((?:[^"\\]*(?:reference|ground_?truth)[^"\\]*)|refs?)"\s*:\s*"', re.I)


def _copy_per_study(src: Path, dst: Path) -> None:
    """Export a per-study JSONL file, refusing one whose rows carry reference text; of every row only the
    track, the id and numeric fields are kept (whitelist), so no other text ever reaches a download.

    A file that holds nothing else (what rexbench writes; checked by parsing these very bytes, memoised
    by their sha256 since the leaderboard parsed them already) is published byte for byte."""
    from ..io import MAX_RESULTS_BYTES, decode_utf8, dumps_jsonl, lines_of, loads_json, read_regular
    from ..per_study_table import is_clean, read_clean_file_unchanged

    dst.parent.mkdir(parents=True, exist_ok=True)
    if read_clean_file_unchanged(src):          # parsed by this build's leaderboard step: no second read
        shutil.copyfile(src, dst)
        return
    data = read_regular(src, limit=MAX_RESULTS_BYTES, what="per-study file")
    if is_clean(data):
        dst.write_bytes(data)
        return
    m = _REFERENCE_FIELD.search(data)
    if m:
        lineno = data.count(b"\n", 0, m.start()) + 1
        raise SiteError(f"{src}:{lineno}: field {m.group(1).decode('utf-8', 'replace')!r} looks like reference "
                        "text; per-study downloads carry ids and scores only")
    rows = []
    for n, line in enumerate(lines_of(decode_utf8(src, data)), start=1):
        if line.strip():
            row = loads_json(line, f"{src}:{n}", one_line=True)
            if not isinstance(row, dict):
                raise SiteError(f"{src}:{n}: expected a JSON object")
            rows.append(_numeric_fields(row))
    dst.write_text(dumps_jsonl(rows), encoding="utf-8")


_ID_FIELDS = ("track", "id", "study_id")


def _numeric_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    """The row's id fields (strings) and numbers (also inside objects and lists); any other text is dropped."""
    out: dict[str, Any] = {k: row[k] for k in _ID_FIELDS if isinstance(row.get(k), str)}
    out.update({k: n for k, v in row.items() if k not in _ID_FIELDS and (n := _numeric(v)) is not None})
    return out


def _numeric(value: Any) -> Any:
    """Numbers, lists of numbers and objects of them, kept; None where nothing numeric is left."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, list) and value and all(_numeric(x) is not None for x in value):
        return [_numeric(x) for x in value]
    if isinstance(value, dict):
        kept = {k: n for k, v in value.items() if (n := _numeric(v)) is not None}
        return kept or None
    return None
