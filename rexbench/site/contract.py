"""The leaderboard.json contract (docs/leaderboard_json.md), checked before anything is rendered: safe ids and
paths, known metrics and submissions, and reported rows that carry no CI, rank or tie group."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..errors import RexbenchError
from .format import _finite


LEADERBOARD_SCHEMA = "rexbench.leaderboard/1"
TRACK_SCHEMA = "rexbench.leaderboard-track/1"
TRACK_NAMES = {
    "findings": "Findings",
    "findings_impression": "Findings + Impression",
    "impression": "Impression",
}
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_SAFE_REL = re.compile(r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")


class SiteError(RexbenchError, ValueError):
    """The leaderboard dict breaks the contract, or the output folder is unsafe to replace."""


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
