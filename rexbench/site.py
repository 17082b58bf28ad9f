"""Render the static leaderboard site from a leaderboard.json dict, and nothing else.

The input contract is documented in docs/leaderboard_json.md. Everything a submitter controls (model
name, institution, description, URLs, subgroup labels) is untrusted: templates autoescape, URLs become
links only when they are http(s), and the pages carry a Content-Security-Policy that allows only the
site's own script and stylesheet. Reference report text never reaches the site: the site carries ids
and scores only, and per-study files with a reference field are refused.

Public API:
    build_site(leaderboard, out_dir, *, source_root=None, extra_files=None) -> list[Path]
    serve(out_dir, host="127.0.0.1", port=8000)
    load_display_schema(path) -> dict       (leaderboard_site/leaderboard.yaml)
    main_metric_for(schema, track, present) / ordered_columns(schema, present)
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .errors import RexbenchError
from .io import dumps_json

LEADERBOARD_SCHEMA = "rexbench.leaderboard/1"
DISPLAY_SCHEMA = "rexbench.display/1"
TRACK_SCHEMA = "rexbench.leaderboard-track/1"
MARKER = ".rexbench-site"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates" / "site"
STATIC_DIR = TEMPLATES_DIR / "static"

TRACK_NAMES = {
    "findings": "Findings",
    "findings_impression": "Findings + Impression",
    "impression": "Impression",
}
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

_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_SAFE_REL = re.compile(r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")
_CSV_FORMULA = ("=", "+", "-", "@", "\t", "\r")


class SiteError(RexbenchError, ValueError):
    """The leaderboard dict breaks the contract, or the output folder is unsafe to replace."""


# ---------------------------------------------------------------------------------------------
# display schema (leaderboard_site/leaderboard.yaml)
# ---------------------------------------------------------------------------------------------
def load_display_schema(path: str | os.PathLike) -> dict:
    """Read and normalise leaderboard.yaml.

    Returns {"schema", "title", "subtitle", "tracks": [{"id", "display"}],
             "columns": [{"metric", "display" (str|None), "higher_is_better" (bool|None)}],
             "ranking": {"default": [...], "<track>": [...]},
             "reported": [{"split", "file" (Path), "path", "name" (str|None), "dataset" (str|None)}],
             "baselines": "reference" | "ranked"}.
    """
    from .errors import InputError
    from .yaml_safe import load_yaml  # lazy: only the leaderboard build needs it

    path = Path(path)
    if not path.exists():
        raise SiteError(f"display schema not found: {path}")
    try:
        raw = load_yaml(path)   # bounded: no aliases, no duplicate keys, limited depth and size
    except InputError as exc:
        raise SiteError(str(exc)) from None
    if not isinstance(raw, dict):
        raise SiteError(f"{path}: expected a mapping at the top level")
    if raw.get("schema", DISPLAY_SCHEMA) != DISPLAY_SCHEMA:
        raise SiteError(f"{path}: schema {raw.get('schema')!r} is not {DISPLAY_SCHEMA!r}")

    def _ids(value: Any, where: str) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) and _SAFE_ID.match(v) for v in value):
            raise SiteError(f"{path}: {where} must be a list of metric ids")
        if len(set(value)) != len(value):
            raise SiteError(f"{path}: {where} lists a metric twice")
        return list(value)

    for key in ("tracks", "columns", "reported"):
        if raw.get(key) is not None and not isinstance(raw[key], list):
            raise SiteError(f"{path}: {key} must be a list")
    tracks = []
    for i, t in enumerate(raw.get("tracks") or [{"id": k, "display": v} for k, v in TRACK_NAMES.items()]):
        if isinstance(t, str):
            t = {"id": t}
        if not isinstance(t, dict) or not isinstance(t.get("id"), str) or not _SAFE_ID.match(t["id"]):
            raise SiteError(f"{path}: tracks[{i}] needs an id")
        tracks.append({"id": t["id"], "display": str(t.get("display") or TRACK_NAMES.get(t["id"], t["id"]))})

    columns = []
    seen: set[str] = set()
    for i, c in enumerate(raw.get("columns") or []):
        if isinstance(c, str):
            c = {"metric": c}
        if not isinstance(c, dict) or not isinstance(c.get("metric"), str) or not _SAFE_ID.match(c["metric"]):
            raise SiteError(f"{path}: columns[{i}] needs a metric id")
        if c["metric"] in seen:
            raise SiteError(f"{path}: column {c['metric']!r} is listed twice")
        seen.add(c["metric"])
        hib = c.get("higher_is_better")
        if hib is not None and not isinstance(hib, bool):
            raise SiteError(f"{path}: columns[{i}].higher_is_better must be true or false")
        columns.append({"metric": c["metric"], "display": c.get("display"), "higher_is_better": hib})

    ranking_raw = raw.get("ranking") or {}
    if isinstance(ranking_raw, list):
        ranking_raw = {"default": ranking_raw}
    if not isinstance(ranking_raw, dict) or "default" not in ranking_raw:
        raise SiteError(f"{path}: ranking needs a `default` list of main-metric candidates")
    ranking = {str(k): _ids(v, f"ranking.{k}") for k, v in ranking_raw.items()}
    return {
        "schema": DISPLAY_SCHEMA,
        "title": str(raw.get("title") or "rexbench leaderboard"),
        "subtitle": str(raw.get("subtitle") or ""),
        "tracks": tracks,
        "columns": columns,
        "ranking": ranking,
        "reported": _reported_entries(path, raw.get("reported")),
        "baselines": _baselines(path, raw.get("baselines", "reference")),
    }


def _baselines(path: Path, value: Any) -> str:
    """`baselines: reference` (default: reference rows, unranked) or `ranked` (ranked like any system)."""
    if value not in ("reference", "ranked"):
        raise SiteError(f"{path}: baselines must be `reference` or `ranked`, not {value!r}")
    return value


_REPORTED_KEYS = ("split", "file", "name", "dataset")


def _reported_entries(path: Path, value: Any) -> list[dict]:
    """The display schema's optional `reported` list: ReXrank's published rows to show beside a split.

    Each entry {split, file, name?, dataset?} becomes {"split", "file" (absolute Path), "path" (as
    written, relative to the yaml's folder), "name" (str|None), "dataset" (str|None)}."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise SiteError(f"{path}: reported must be a list of {{split, file, name, dataset}} entries")
    out: list[dict] = []
    seen: dict[str, int] = {}
    for i, e in enumerate(value):
        where = f"{path}: reported[{i}]"
        if not isinstance(e, dict):
            raise SiteError(f"{where}: expected a mapping with split, file, name and dataset")
        unknown = sorted(str(k) for k in e if k not in _REPORTED_KEYS)
        if unknown:
            raise SiteError(f"{where}: unknown key {unknown[0]!r} (keys: {', '.join(_REPORTED_KEYS)})")
        split = e.get("split")
        if not isinstance(split, str) or not _SAFE_ID.match(split):
            raise SiteError(f"{where}: split must be a split id as in leaderboard.json (e.g. rexrank-mimic-cxr-test)")
        if split in seen:
            raise SiteError(f"{where}: split {split!r} already has reported rows (reported[{seen[split]}])")
        seen[split] = i
        rel = e.get("file")
        if not isinstance(rel, str) or not rel.strip():
            raise SiteError(f"{where}: file must be a path relative to {path.parent} (e.g. reported/mimic-cxr.json)")
        if Path(rel).is_absolute():
            raise SiteError(f"{where}: file {rel!r} must be relative to {path.parent}")
        file = (path.parent / rel).resolve()
        if not file.is_file():
            raise SiteError(f"{where}: file {rel!r} not found ({file})")
        name = e.get("name")
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise SiteError(f"{where}: name must be a non-empty string")
        dataset = e.get("dataset")
        if dataset is not None and (not isinstance(dataset, str) or not _SAFE_ID.match(dataset)):
            raise SiteError(f"{where}: dataset must be a dataset id such as mimic-cxr")
        out.append({"split": split, "file": file, "path": rel, "name": name.strip() if name else None,
                    "dataset": dataset})
    return out


def main_metric_for(schema: Mapping, track: str, present: Iterable[str]) -> str | None:
    """The main metric of a track: the first ranking candidate that at least one submission on that
    split and track was scored with (`present`); None when no candidate is present (track unranked)."""
    present = set(present)
    candidates = schema["ranking"].get(track) or schema["ranking"]["default"]
    return next((m for m in candidates if m in present), None)


def ordered_columns(schema: Mapping, present: Iterable[str]) -> list[str]:
    """Display order: the schema's columns that are present, then the others alphabetically."""
    present = set(present)
    listed = [c["metric"] for c in schema["columns"] if c["metric"] in present]
    return listed + sorted(present - set(listed))


# ---------------------------------------------------------------------------------------------
# small helpers shared by the templates
# ---------------------------------------------------------------------------------------------
def safe_url(url: Any) -> str | None:
    """The URL when it is an absolute http(s) URL without whitespace or control characters, else None."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not url or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def _finite(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def fmt_num(v: Any, digits: int = 3) -> str:
    """Round for display only (storage keeps full precision)."""
    v = _finite(v)
    if v is None:
        return "–"
    if abs(v) >= 1000:
        s = f"{v:.0f}"
    elif abs(v) >= 100:
        s = f"{v:.1f}"
    else:
        s = f"{v:.{digits}f}"
    if s.startswith("-") and float(s) == 0:
        s = s[1:]
    return s


def fmt_ci(ci: Any, digits: int = 3) -> str:
    if not isinstance(ci, (list, tuple)) or len(ci) != 2 or _finite(ci[0]) is None or _finite(ci[1]) is None:
        return ""
    return f"[{fmt_num(ci[0], digits)}, {fmt_num(ci[1], digits)}]"


def fmt_p(p: Any) -> str:
    p = _finite(p)
    if p is None:
        return "–"
    if p < 0.001:
        return "<0.001"
    return f"{p:.3f}"


def data_value(v: Any) -> str:
    """Full-precision value for sorting (data-v attribute); empty when missing."""
    v = _finite(v)
    return "" if v is None else repr(v)


def truncate(text: Any, n: int = 28) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "…"


_MD_INLINE_CODE = re.compile(r"`([^`]+)`")
_MD_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^\s)]+)\)")
_MD_BOLD = re.compile(r"\*\*([^*]+)\*\*")


def render_markdown(text: Any):
    """A tiny, safe markdown subset for metric cards: headings, paragraphs, lists, pipe tables,
    fenced code, `code`, **bold** and http(s) links. Everything is escaped first."""
    from markupsafe import Markup, escape

    def inline(s: str) -> str:
        s = str(escape(s))
        codes: list[str] = []

        def keep(m: re.Match) -> str:
            codes.append(f"<code>{m.group(1)}</code>")
            return f"\x00{len(codes) - 1}\x00"

        s = _MD_INLINE_CODE.sub(keep, s)
        s = _MD_LINK.sub(lambda m: f'<a href="{m.group(2)}" rel="nofollow noopener">{m.group(1)}</a>', s)
        s = _MD_BOLD.sub(r"<strong>\1</strong>", s)
        return re.sub(r"\x00(\d+)\x00", lambda m: codes[int(m.group(1))], s)

    out: list[str] = []
    para: list[str] = []
    lst: list[str] = []
    lst_tag = ""
    table: list[list[str]] = []

    def flush() -> None:
        nonlocal lst_tag
        if para:
            out.append("<p>" + " ".join(inline(p) for p in para) + "</p>")
            para.clear()
        if lst:
            out.append(f"<{lst_tag}>" + "".join(f"<li>{inline(i)}</li>" for i in lst) + f"</{lst_tag}>")
            lst.clear()
            lst_tag = ""
        if table:
            head, *body = table
            rows = "".join("<tr>" + "".join(f"<td>{inline(c)}</td>" for c in r) + "</tr>" for r in body)
            out.append('<div class="scroll"><table class="md"><thead><tr>'
                       + "".join(f"<th>{inline(c)}</th>" for c in head)
                       + f"</tr></thead><tbody>{rows}</tbody></table></div>")
            table.clear()

    lines = str(text or "").replace("\r\n", "\n").split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("```"):
            flush()
            block = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith("```"):
                block.append(lines[i])
                i += 1
            out.append(f"<pre><code>{escape(chr(10).join(block))}</code></pre>")
        elif not stripped:
            flush()
        elif m := re.match(r"^(#{1,6})\s+(.*)$", stripped):
            flush()
            level = min(len(m.group(1)) + 1, 6)
            out.append(f"<h{level}>{inline(m.group(2))}</h{level}>")
        elif stripped.startswith("|"):
            if para or lst:
                flush()
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            if not all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c):
                table.append(cells)
        elif m := re.match(r"^\s*([-*]|\d+[.)])\s+(.*)$", line):
            tag = "ol" if m.group(1)[0].isdigit() else "ul"
            if para or table or (lst and tag != lst_tag):
                flush()
            lst_tag = tag
            lst.append(m.group(2))
        elif lst and line.startswith((" ", "\t")):
            lst[-1] += " " + stripped
        else:
            if lst or table:
                flush()
            para.append(stripped)
        i += 1
    flush()
    return Markup("\n".join(out))


# ---------------------------------------------------------------------------------------------
# contract checks
# ---------------------------------------------------------------------------------------------
def _check(lb: Any) -> None:
    if not isinstance(lb, dict):
        raise SiteError("leaderboard must be a JSON object")
    if lb.get("schema") != LEADERBOARD_SCHEMA:
        raise SiteError(f"leaderboard schema is {lb.get('schema')!r}, expected {LEADERBOARD_SCHEMA!r}")
    for key, kind in (("metrics", dict), ("columns", list), ("splits", list), ("submissions", dict)):
        if not isinstance(lb.get(key), kind):
            raise SiteError(f"leaderboard.{key} is missing or not a {kind.__name__}")
    metrics, subs = lb["metrics"], lb["submissions"]
    for mid, m in metrics.items():
        if not _SAFE_ID.match(mid):
            raise SiteError(f"metric id {mid!r} is not a safe identifier")
        if not isinstance(m, dict) or not isinstance(m.get("higher_is_better"), bool):
            raise SiteError(f"metrics.{mid}.higher_is_better must be true or false")
    for c in lb["columns"]:
        if c not in metrics:
            raise SiteError(f"column {c!r} has no entry in leaderboard.metrics")
    for sid, s in subs.items():
        if not _SAFE_ID.match(sid):
            raise SiteError(f"submission id {sid!r} is not a safe identifier")
        if not isinstance(s, dict):
            raise SiteError(f"submissions.{sid} must be an object")
        for split_id, tracks in (s.get("results") or {}).items():
            for track_id, res in (tracks or {}).items():
                for key, rel in ((res or {}).get("downloads") or {}).items():
                    if not isinstance(rel, str) or not _SAFE_REL.match(rel) or ".." in rel.split("/"):
                        raise SiteError(f"submissions.{sid}.results.{split_id}.{track_id}.downloads.{key}: "
                                        f"{rel!r} is not a safe relative path")
    seen_splits: set[str] = set()
    for sp in lb["splits"]:
        if not isinstance(sp, dict) or not isinstance(sp.get("id"), str) or not _SAFE_ID.match(sp["id"]):
            raise SiteError(f"split id {sp.get('id') if isinstance(sp, dict) else sp!r} is not a safe identifier")
        if sp["id"] in seen_splits:
            raise SiteError(f"split {sp['id']!r} is listed twice")
        seen_splits.add(sp["id"])
        for tid, tr in (sp.get("tracks") or {}).items():
            where = f"splits[{sp['id']}].tracks.{tid}"
            if not _SAFE_ID.match(tid):
                raise SiteError(f"{where}: track id is not a safe identifier")
            mm = tr.get("main_metric")
            if mm is not None and mm not in metrics:
                raise SiteError(f"{where}: main metric {mm!r} has no entry in leaderboard.metrics")
            seen_rows: set[str] = set()
            for row in tr.get("rows") or []:
                if not isinstance(row, dict):
                    raise SiteError(f"{where}: every row must be an object")
                sub = row.get("submission")
                if sub not in subs:
                    raise SiteError(f"{where}: row for unknown submission {sub!r}")
                if sub in seen_rows:
                    raise SiteError(f"{where}: submission {sub!r} appears twice")
                seen_rows.add(sub)
                for mid in row.get("scores") or {}:
                    if mid not in metrics:
                        raise SiteError(f"{where}: {sub} has a score for unknown metric {mid!r}")
            n = tr.get("n")
            if n is None and tr.get("rows"):
                raise SiteError(f"{where}: n is null but the track has scored rows")
            if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 0):
                raise SiteError(f"{where}: n must be a non-negative integer (or null without scored rows)")
            _check_reported(where, tr.get("reported"), metrics)


_NOT_REPORTED = ("ci", "rank", "rank_interval", "tie_group", "submission")


def _check_reported(where: str, reported: Any, metrics: Mapping) -> None:
    """Reported rows (ReXrank's published numbers): a name, scores with value/shown/shown_as, and never a
    CI, rank, tie group or submission id (they are not reproduced, so never ranked with scored rows)."""
    if reported is None:
        return
    if not isinstance(reported, list):
        raise SiteError(f"{where}.reported must be a list")
    for k, row in enumerate(reported):
        w = f"{where}.reported[{k}]"
        if not isinstance(row, dict) or not isinstance(row.get("model_name"), str) or not row["model_name"].strip():
            raise SiteError(f"{w}: needs a model_name")
        bad = next((key for key in _NOT_REPORTED if key in row), None)
        if bad:
            raise SiteError(f"{w}: reported rows carry no {bad!r} (they are not reproduced, so never ranked)")
        scores = row.get("scores")
        if not isinstance(scores, dict):
            raise SiteError(f"{w}: scores must be an object")
        for mid, sc in scores.items():
            if mid not in metrics:
                raise SiteError(f"{w}: score for unknown metric {mid!r}")
            if not isinstance(sc, dict) or _finite(sc.get("value")) is None or _finite(sc.get("shown")) is None:
                raise SiteError(f"{w}.scores.{mid}: needs finite value and shown")
            if sc.get("shown_as") not in ("x", "1/x"):
                raise SiteError(f"{w}.scores.{mid}: shown_as must be 'x' or '1/x'")
            if "ci" in sc:
                raise SiteError(f"{w}.scores.{mid}: reported scores carry no CI")


# ---------------------------------------------------------------------------------------------
# view model
# ---------------------------------------------------------------------------------------------
def _track_order(lb: Mapping, present: Iterable[str]) -> list[str]:
    present = set(present)
    declared = [t["id"] if isinstance(t, dict) else t for t in lb.get("tracks") or []]
    order = [t for t in [*declared, *TRACK_NAMES] if t in present]
    order = list(dict.fromkeys(order))
    return order + sorted(present - set(order))


def _track_name(lb: Mapping, tid: str) -> str:
    for t in lb.get("tracks") or []:
        if isinstance(t, dict) and t.get("id") == tid and t.get("display"):
            return str(t["display"])
    return TRACK_NAMES.get(tid, tid)


def _metric_view(lb: Mapping, mid: str) -> dict:
    m = lb["metrics"][mid]
    hib = bool(m["higher_is_better"])
    return {
        "id": mid,
        "display": str(m.get("display") or mid),
        "long_name": str(m.get("long_name") or m.get("display") or mid),
        "description": str(m.get("description") or ""),
        "card_markdown": m.get("card_markdown") or "",
        "version": m.get("version"),
        "hib": hib,
        "arrow": "↑" if hib else "↓",
        "dir_text": "higher is better" if hib else "lower is better",
        "inverse": mid in INVERSE_FOR_PARITY,
    }


def _cell(score: Any) -> dict | None:
    if not isinstance(score, dict) or _finite(score.get("value")) is None:
        return None
    ci = score.get("ci")
    ci_ok = isinstance(ci, (list, tuple)) and len(ci) == 2 and all(_finite(x) is not None for x in ci)
    return {
        "value": float(score["value"]),
        "ci": [float(ci[0]), float(ci[1])] if ci_ok else None,
        "n": score.get("n"),
        "signature": str(score.get("signature") or ""),
    }


def _distribution(dist: Any) -> dict | None:
    """A per-study histogram from leaderboard.json ({edges, counts}), or None when malformed."""
    if not isinstance(dist, dict):
        return None
    edges, counts = dist.get("edges"), dist.get("counts")
    if (not isinstance(edges, list) or not isinstance(counts, list) or len(edges) != len(counts) + 1
            or not counts or any(_finite(e) is None for e in edges)):
        return None
    counts = [int(c) if isinstance(c, (int, float)) and not isinstance(c, bool) else 0 for c in counts]
    return {"edges": [float(e) for e in edges], "counts": counts}


def _reported_view(lb: Mapping, reported: list, metrics: Mapping[str, dict]) -> dict:
    """The track's ReXrank rows as published: columns in display order, each shown the way ReXrank shows
    it (a column whose every value is published as 1/x is headed `1/<name>`, with the direction
    flipped, and sorts on the published number)."""
    present = {m for r in reported for m in (r.get("scores") or {})}
    ids = [c for c in lb["columns"] if c in present] + sorted(present - set(lb["columns"]))
    cols = []
    for mid in ids:
        kinds = {r["scores"][mid].get("shown_as") for r in reported if mid in (r.get("scores") or {})}
        m = dict(metrics[mid])
        if kinds == {"1/x"}:
            hib = not m["hib"]
            m.update(display=f"1/{m['display']}", base_display=m["display"], hib=hib, arrow="↑" if hib else "↓",
                     dir_text="higher is better" if hib else "lower is better", shown_as="1/x")
        else:
            m["shown_as"] = "x" if kinds == {"x"} else "mixed"
        cols.append(m)
    rows = []
    for i, r in enumerate(reported):
        cells = []
        for m in cols:
            sc = (r.get("scores") or {}).get(m["id"])
            if not isinstance(sc, dict) or _finite(sc.get("shown")) is None:
                cells.append(None)
                continue
            cells.append({"shown": float(sc["shown"]), "value": float(sc["value"]), "shown_as": sc.get("shown_as"),
                          "sort": float(sc["value"] if m["shown_as"] == "mixed" else sc["shown"])})
        rows.append({"i": i, "pos": i + 1, "name": str(r.get("model_name") or ""), "url": safe_url(r.get("url")),
                     "institution": str(r.get("institution") or ""),
                     "year": "" if r.get("year") is None else str(r.get("year")), "cells": cells})
    src = next((r.get("source") for r in reported if isinstance(r.get("source"), dict)), None) or {}
    source = {"origin": str(src.get("origin") or "ReXrank"), "file": str(src.get("file") or ""),
              "sha256": str(src.get("sha256") or ""), "url": safe_url(src.get("url"))}
    return {"reported": rows, "reported_columns": cols, "reported_source": source,
            "reported_inverse": [m for m in cols if m["shown_as"] == "1/x"]}


def missing_rexrank_columns(present: Iterable[str]) -> list[dict]:
    """ReXrank's columns that a track's submissions were not scored with, each with the model weights it
    needs (a derived column: its inputs' models) and the commands that fetch them."""
    from . import models, registry
    from .metric import DerivedMetric

    present = set(present)
    out = []
    for mid, display in REXRANK_COLUMNS:
        if mid in present or mid not in registry.available():
            continue
        cls = registry.metric_class(mid)
        sources = ([registry.parse_spec(spec)[0] for spec in cls().input_specs()]
                   if issubclass(cls, DerivedMetric) else [mid])
        needed, fetch = [], []
        for name in sources:
            found = [m.name for m in models.metric_models(name) if m.name not in needed]
            if found:
                needed += found
                fetch.append(f"rexbench models fetch {name}")   # a metric's name fetches all it uses
        if needed:
            out.append({"id": mid, "display": display, "models": ", ".join(needed), "fetch": "; ".join(fetch)})
    return out


def _build_view(lb: Mapping) -> dict:
    from . import site_tracks

    figures: list = []
    metrics = {mid: _metric_view(lb, mid) for mid in lb["metrics"]}
    subs = lb["submissions"]
    sub_views: dict[str, dict] = {}
    for sid, s in subs.items():
        trained = s.get("trained_on") or []
        sub_views[sid] = {
            "id": sid,
            "name": str(s.get("model_name") or sid),
            "url": safe_url(s.get("url")),
            "url_raw": "" if s.get("url") is None else str(s.get("url")),
            "institution": str(s.get("institution") or ""),
            "date": str(s.get("date") or ""),
            "year": "" if s.get("year") is None else str(s.get("year")),
            "paper_url": safe_url(s.get("paper_url")),
            "paper_raw": "" if s.get("paper_url") is None else str(s.get("paper_url")),
            "code_url": safe_url(s.get("code_url")),
            "code_raw": "" if s.get("code_url") is None else str(s.get("code_url")),
            "description": str(s.get("description") or ""),
            "license": str(s.get("license") or ""),
            "trained_on": [str(t) for t in trained] if isinstance(trained, list) else [],
            "baseline": s.get("reference_baseline") is True,
            "sections": [],
        }

    splits = []
    for sp in lb["splits"]:
        track_ids = _track_order(lb, (sp.get("tracks") or {}).keys())
        tracks = []
        for tid in track_ids:
            tr = sp["tracks"][tid]
            rows_in = tr.get("rows") or []
            present = {m for r in rows_in for m in (r.get("scores") or {})}
            cols = [c for c in lb["columns"] if c in present] + sorted(present - set(lb["columns"]))
            main = tr.get("main_metric")
            rows = []
            for i, r in enumerate(rows_in):
                sv = sub_views[r["submission"]]
                tg = r.get("tie_group")
                ri = r.get("rank_interval")
                ri = [ri[0], ri[1]] if isinstance(ri, (list, tuple)) and len(ri) == 2 else None
                rows.append({
                    "i": i, "sub": sv, "label": sv["name"], "rank": r.get("rank"), "rank_interval": ri,
                    "tie_group": tg, "band": tg % 2 if isinstance(tg, int) else 2,
                    "group_label": site_tracks.group_label(tg), "reference": bool(r.get("reference")),
                    "trained": sp.get("dataset") in sv["trained_on"],
                    "cells": [_cell((r.get("scores") or {}).get(c)) for c in cols],
                    "scores": {c: _cell(v) for c, v in (r.get("scores") or {}).items()},
                    "reproduce": str(r.get("reproduce") or ""),
                })
            rows = site_tracks.place_references(rows, main, bool(metrics[main]["hib"]) if main else True)
            comparisons = [c for c in tr.get("comparisons") or [] if isinstance(c, dict)]
            tv = {
                "id": tid, "display": _track_name(lb, tid), "n": tr.get("n"), "main": main,
                "main_metric": metrics.get(main) if main else None,
                "columns": [metrics[c] for c in cols], "rows": rows, "comparisons": comparisons,
                "csv": f"downloads/{sp['id']}-{tid}.csv", "json": f"downloads/{sp['id']}-{tid}.json",
                "dom": f"{sp['id']}--{tid}".replace(".", "_"),
                "needs_weights": missing_rexrank_columns(present) if rows else [],
            }
            tv.update(_reported_view(lb, tr.get("reported") or [], metrics))
            tv["figures"] = site_tracks.track_figures(sp, tv, tr, metrics, figures)
            tracks.append(tv)
            by_id = {r["sub"]["id"]: r for r in rows}
            for row in rows:
                sid = row["sub"]["id"]
                res = (((subs[sid].get("results") or {}).get(sp["id"]) or {}).get(tid)) or {}
                comps = []
                for c in comparisons:
                    if sid not in (c.get("a"), c.get("b")):
                        continue
                    other = c.get("b") if c.get("a") == sid else c.get("a")
                    comps.append(dict(c, other=sub_views.get(other), other_rank=(by_id.get(other) or {}).get("rank"),
                                      a_view=sub_views.get(c.get("a")), b_view=sub_views.get(c.get("b")),
                                      metric_view=metrics.get(c.get("metric"))))
                subgroups = {}
                for field, groups in (res.get("subgroups") or {}).items():
                    if isinstance(groups, list):
                        subgroups[str(field)] = [
                            {"group": str(g.get("group")), "n": g.get("n"), "cell": _cell(g),
                             "too_small": bool(g.get("too_small"))}
                            for g in groups if isinstance(g, dict)]
                        if "age" in str(field).lower():     # "<18" before "18-39", not after "80+"
                            subgroups[str(field)].sort(key=lambda g: site_tracks.age_order(g["group"]))
                by_metric = res.get("per_observation_by_metric")
                if not isinstance(by_metric, dict) or not by_metric:     # older files: one unnamed set
                    by_metric = {"chexpert_f1": res.get("per_observation")} if res.get("per_observation") else {}
                observations = []
                for mid, table in by_metric.items():
                    rows = [{"name": str(obs), **{k: v.get(k) for k in ("precision", "recall", "f1", "support")}}
                            for obs, v in (table or {}).items() if isinstance(v, dict)]
                    if rows:
                        name = metrics[mid]["display"] if mid in metrics else str(mid)
                        observations.append({"id": str(mid), "name": name, "rows": rows})
                dists = []
                for mid in [c for c in lb["columns"] if c in (res.get("distributions") or {})] + sorted(
                        set(res.get("distributions") or {}) - set(lb["columns"])):
                    d = _distribution(res["distributions"][mid])
                    if d and mid in metrics:
                        dists.append((metrics[mid], d))
                downloads = [{"key": str(k), "path": v} for k, v in (res.get("downloads") or {}).items()]
                sub_views[sid]["sections"].append({
                    "split": sp, "split_id": sp["id"], "track": tv, "row": row, "comparisons": comps,
                    "subgroups": subgroups, "observations": observations, "downloads": downloads,
                    "figs": site_tracks.submission_figures(sid, sp, tv, tv["main_metric"], row, subgroups,
                                                           observations, dists, figures),
                    "scores": [(metrics[c], row["scores"].get(c)) for c in cols if row["scores"].get(c)],
                })
        splits.append({
            "id": sp["id"], "name": str(sp.get("name") or sp["id"]), "dataset": str(sp.get("dataset") or ""),
            "split": str(sp.get("split") or ""), "sha256": str(sp.get("sha256") or ""),
            "n_studies": sp.get("n_studies"), "tracks": tracks, "dom": sp["id"].replace(".", "_"),
            "has_reference": any(r["reference"] for t in tracks for r in t["rows"]),
        })

    # overview: one table, a column per (split, track) with scored rows, a row per submission on any of
    # them. ReXrank's reported rows are left out: they have no rank (they stay on their split's card).
    ov_cols = [(s, t) for s in splits for t in s["tracks"] if t["rows"]]
    order: list[str] = []
    for _, t in ov_cols:
        order += [r["sub"]["id"] for r in t["rows"] if r["sub"]["id"] not in order]
    lookup = {(s["id"], t["id"]): {r["sub"]["id"]: r for r in t["rows"]} for s, t in ov_cols}
    ov_rows = []
    for i, sid in enumerate(order):
        cells = []
        for s, t in ov_cols:
            r = lookup[(s["id"], t["id"])].get(sid)
            cells.append(None if r is None else {
                "rank": r["rank"], "trained": r["trained"],
                "cell": r["scores"].get(t["main"]) if t["main"] else None})
        ov_rows.append({"i": i, "sub": sub_views[sid], "cells": cells})
    groups = [{"split": s, "span": sum(1 for t in s["tracks"] if t["rows"])}
              for s in splits if any(t["rows"] for t in s["tracks"])]
    reported_only = [(s, t) for s in splits for t in s["tracks"] if t["reported"] and not t["rows"]]
    overview = {"columns": ov_cols, "rows": ov_rows, "groups": groups,
                "has_reported": any(t["reported"] for s in splits for t in s["tracks"]),
                "reported_only": reported_only}

    # per-metric rankings
    metric_pages = []
    for mid, mv in metrics.items():
        sections = []
        for s in splits:
            for t in s["tracks"]:
                scored = [dict(r, cell=r["scores"][mid]) for r in t["rows"] if r["scores"].get(mid)]
                if not scored:
                    continue
                scored.sort(key=lambda r: (-r["cell"]["value"] if mv["hib"] else r["cell"]["value"], r["i"]))
                for k, r in enumerate(scored):          # competition ranking on this metric
                    same = k and r["cell"]["value"] == scored[k - 1]["cell"]["value"]
                    r["pos"] = scored[k - 1]["pos"] if same else k + 1
                missing = [r["sub"] for r in t["rows"] if not r["scores"].get(mid)]
                sections.append({"split": s, "track": t, "rows": scored, "missing": missing,
                                 "figure": site_tracks.metric_figure(s, t, mv, scored, figures),
                                 "is_main": t["main"] == mid})
        reported_in = [(s, t) for s in splits for t in s["tracks"]
                       if any(c["id"] == mid for c in t["reported_columns"])]
        metric_pages.append({"metric": mv, "sections": sections, "reported_in": reported_in})

    return {"metrics": metrics, "columns": [metrics[c] for c in lb["columns"]], "splits": splits,
            "submissions": sub_views, "overview": overview, "metric_pages": metric_pages, "figures": figures}


# ---------------------------------------------------------------------------------------------
# downloads
# ---------------------------------------------------------------------------------------------
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
    """The numbers behind a picture (site_plots.Figure), as CSV."""
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
    track, the id and numeric fields are kept (whitelist), so no other text ever reaches a download."""
    from .io import MAX_RESULTS_BYTES, decode_utf8, dumps_jsonl, lines_of, loads_json, read_regular

    data = read_regular(src, limit=MAX_RESULTS_BYTES, what="per-study file")
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
    dst.parent.mkdir(parents=True, exist_ok=True)
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


# ---------------------------------------------------------------------------------------------
# rendering
# ---------------------------------------------------------------------------------------------
def _env():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(num=fmt_num, ci=fmt_ci, p=fmt_p, dv=data_value, markdown=render_markdown,
                       trunc=truncate)
    return env


def build_site(leaderboard: Mapping, out_dir: str | os.PathLike, *, source_root: str | os.PathLike | None = None,
               extra_files: Mapping[str, str | os.PathLike] | None = None) -> list[Path]:
    """Render the whole site into out_dir, atomically (built in a temp sibling folder, then swapped in).

    source_root: per-study download files named in submissions.*.results.*.*.downloads are copied
        from source_root/<that path>. extra_files: {site-relative path: source file} for files that
        live elsewhere (e.g. submissions/<id>/per_study.jsonl); it wins over source_root. A download
        that is neither found nor given is not linked (the page says "not included").
    Returns the written files (paths inside out_dir), sorted.
    """
    lb = leaderboard
    _check(lb)
    out_dir = Path(out_dir).absolute()
    if out_dir.exists() and (not out_dir.is_dir() or (any(out_dir.iterdir()) and not (out_dir / MARKER).exists())):
        raise SiteError(f"{out_dir} exists and is not a rexbench site build; refusing to replace it")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        os.chmod(tmp, 0o755)
        _render_into(lb, tmp, Path(source_root) if source_root is not None else None, extra_files or {})
        if out_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
            os.rmdir(old)
            os.rename(out_dir, old)
            os.rename(tmp, out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return sorted(p for p in out_dir.rglob("*") if p.is_file() and p.name != MARKER)


def _render_into(lb: Mapping, root: Path, source_root: Path | None, extra: Mapping[str, Any]) -> None:
    # per-study downloads first: a page links only the files that are really there
    available: set[str] = set()
    for sid, s in lb["submissions"].items():
        for tracks in (s.get("results") or {}).values():
            for res in (tracks or {}).values():
                for rel in ((res or {}).get("downloads") or {}).values():
                    src = Path(extra[rel]) if rel in extra else (source_root / rel if source_root else None)
                    if src is None or rel in available:     # one file serves every track of a split
                        continue
                    if not src.is_file():
                        raise SiteError(f"download file for {sid} not found: {src}")
                    _copy_per_study(src, root / rel)
                    available.add(rel)

    view = _build_view(lb)
    env = _env()
    common = {
        "lb": lb, "v": view, "title": str(lb.get("title") or "rexbench leaderboard"),
        "subtitle": str(lb.get("subtitle") or ""), "version": str(lb.get("rexbench_version") or ""),
        "notice": str(lb.get("notice") or ""), "available": available,
    }

    def page(template: str, rel: str, **ctx: Any) -> None:
        depth = rel.count("/")
        html = env.get_template(template).render(**common, root="../" * depth, page_path=rel, **ctx)
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")

    page("index.j2", "index.html", nav="index")
    for sp in view["splits"]:
        page("dataset.j2", f"datasets/{sp['id']}.html", nav="index", sp=sp)
    page("about.j2", "about.html", nav="about")
    page("downloads.j2", "downloads.html", nav="downloads")
    page("metrics_index.j2", "metrics/index.html", nav="metrics")
    for mp in view["metric_pages"]:
        page("metric.j2", f"metrics/{mp['metric']['id']}.html", nav="metrics", mp=mp)
    for sid, sv in view["submissions"].items():
        page("submission.j2", f"submissions/{sid}.html", nav="", s=sv)

    static = root / "static"
    static.mkdir()
    for f in sorted(STATIC_DIR.iterdir()):
        if f.is_file():
            shutil.copyfile(f, static / f.name)

    dl = root / "downloads"
    dl.mkdir(exist_ok=True)
    (dl / "figures").mkdir()
    shared: dict[str, dict] = {}
    for fig in view["figures"]:
        if fig.csv.endswith(".json"):
            shared.setdefault(fig.csv, {})[fig.id] = {"title": fig.title, "columns": fig.columns, "rows": fig.rows}
        else:
            (root / fig.csv).write_text(figure_csv(fig), encoding="utf-8")
    for rel, figs in shared.items():
        (root / rel).write_text(dumps_json(figs), encoding="utf-8")
    (dl / "leaderboard.json").write_text(dumps_json(dict(lb)), encoding="utf-8")
    for sp in lb["splits"]:
        for tid in sp.get("tracks") or {}:
            (dl / f"{sp['id']}-{tid}.csv").write_text(track_csv(lb, sp, tid), encoding="utf-8")
            (dl / f"{sp['id']}-{tid}.json").write_text(dumps_json(track_json(lb, sp, tid)), encoding="utf-8")
    (root / MARKER).write_text("built by rexbench.site.build_site; safe to delete and rebuild\n", encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# serving
# ---------------------------------------------------------------------------------------------
def make_server(out_dir: str | os.PathLike, host: str = "127.0.0.1", port: int = 8000):
    """A ThreadingHTTPServer serving out_dir (port 0 picks a free port). Caller runs serve_forever()."""
    import functools
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    out_dir = Path(out_dir)
    if not (out_dir / "index.html").is_file():
        raise SiteError(f"{out_dir} has no index.html; build the site first (rexbench leaderboard build)")

    class Handler(SimpleHTTPRequestHandler):
        extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".jsonl": "application/x-ndjson",
                          ".json": "application/json", ".csv": "text/csv; charset=utf-8",
                          ".js": "text/javascript", ".css": "text/css"}

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            import sys
            sys.stderr.write("%s - %s\n" % (self.address_string(), format % args))

    handler = functools.partial(Handler, directory=str(out_dir))
    return ThreadingHTTPServer((host, port), handler)


def serve(out_dir: str | os.PathLike, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve a built site until interrupted (Ctrl-C)."""
    import sys

    server = make_server(out_dir, host, port)
    h, p = server.server_address[:2]
    sys.stderr.write(f"serving {out_dir} at http://{h}:{p}/ (Ctrl-C stops)\n")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
