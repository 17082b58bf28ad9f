"""The Markdown summary of a ci run (for --summary FILE, $GITHUB_STEP_SUMMARY and a pull-request comment)."""

from __future__ import annotations

import re
from typing import Any

from .. import __version__
from ..splits.private import scrub_private
from .run import CiReport, STATUS_TEXT


SUMMARY_MARKER = "<!-- rexbench-ci-summary -->"
_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}<>|#!~])")


def md(text: Any) -> str:
    """Escape untrusted text for one line of GitHub Markdown (no HTML, links, mentions or tables)."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split())).replace("@", "@\u200b")


def _fmt(v: float | None) -> str:
    return "—" if v is None else f"{v:.4f}"


def render_summary(report: CiReport) -> str:
    from ..site import ordered_columns

    display = report.display or {"columns": [], "ranking": {"default": []}}
    names = {c["metric"]: c.get("display") for c in display.get("columns", [])}
    checked = [s for s in report.submissions if s.checked]
    others = [s for s in report.submissions if not s.checked]
    problems = report.all_problems()
    head = "✅ all checks passed" if report.ok else f"❌ {len(problems)} problem(s)"
    lines = [SUMMARY_MARKER, f"## rexbench ci: {head}", ""]
    lines.append(f"Checked {len(checked)} submission(s) ({md(report.mode)}); metrics "
                 f"{', '.join(md(m) for m in report.metrics)}; bootstrap {report.bootstrap} resamples; "
                 f"rexbench {__version__}.")
    lines.append("")
    if checked:
        lines += ["| submission | status | split | track | n | main score (95% CI) | rank |",
                  "|---|---|---|---|---|---|---|"]
        for s in checked:
            status = STATUS_TEXT.get(s.status, s.status)
            if not s.scores:
                lines.append(f"| {md(s.id)} | {status} | — | — | — | — | — |")
            for split, track, n, values in s.scores:
                main = _main_metric(display, track, values)
                cell = "—"
                if main:
                    score, low, high = values[main]
                    cell = f"{md(names.get(main) or main)} {_fmt(score)}"
                    if low is not None:
                        cell += f" ({_fmt(low)}–{_fmt(high)})"
                lines.append(f"| {md(s.id)} | {status} | {md(split)} | {md(track)} | {n} | {cell} | "
                             f"{md(rank_text(report.board, s.id, split, track))} |")
        lines.append("")
        scored = [s for s in checked if s.scores]
        if scored:
            keys = ordered_columns(display, {k for s in scored for *_, v in s.scores for k in v})
            lines += ["<details><summary>All scores (95% CI)</summary>", ""]
            lines.append("| submission | track | " + " | ".join(md(names.get(k) or k) for k in keys) + " |")
            lines.append("|---|---|" + "---|" * len(keys))
            for s in scored:
                for split, track, n, values in s.scores:
                    cells = []
                    for k in keys:
                        if k not in values:
                            cells.append("—")
                            continue
                        score, low, high = values[k]
                        cells.append(_fmt(score) + (f" ({_fmt(low)}–{_fmt(high)})" if low is not None else ""))
                    lines.append(f"| {md(s.id)} | {md(track)} | " + " | ".join(cells) + " |")
            lines += ["", "</details>", ""]
    if problems:
        lines += ["### Problems", ""]
        lines += [f"- {md(p)}" for p in problems]
        lines.append("")
    notes = report.notes + [f"{s.id}: {n}" for s in report.submissions for n in s.notes]
    if notes:
        lines += ["### Notes", ""] + [f"- {md(n)}" for n in notes] + [""]
    if report.site is not None:
        lines.append(f"Site rebuilt from {report.site_submissions} submission(s)"
                     + (f" ({len(others)} unchanged)." if others else "."))
    else:
        lines.append("Site not rebuilt.")
    return "\n".join(lines) + "\n"


def rank_of(board: dict | None, submission: str, split: str, track: str) -> tuple[int | None, int, str] | None:
    """(rank or None if unranked, ranked rows, main metric) of a submission on the built leaderboard."""
    for sp in (board or {}).get("splits", []):
        t = sp["tracks"].get(track) if sp.get("id") == split else None
        if not t:
            continue
        ranked = [r for r in t["rows"] if r.get("rank") is not None]
        for r in t["rows"]:
            if r["submission"] == submission:
                return r.get("rank"), len(ranked), t.get("main_metric") or ""
    return None


def rank_text(board: dict | None, submission: str, split: str, track: str) -> str:
    found = rank_of(board, submission, split, track)
    if found is None:
        return "—"
    rank, of, metric = found
    return f"unranked (no {metric})" if rank is None else f"{rank} of {of}"


def render_error_summary(exc: BaseException) -> str:
    """The summary when ci could not run at all (bad arguments, a metric that cannot run here, git)."""
    lines = [SUMMARY_MARKER, "## rexbench ci: ❌ could not run", ""]
    lines += [f"- {md(scrub_private(line))}" for line in (str(exc).splitlines() or [type(exc).__name__])]
    return "\n".join(lines) + "\n"


def _main_metric(display: dict, track: str, values: dict) -> str | None:
    """The site's main metric; the first scored one where no ranking candidate was scored."""
    from ..site import main_metric_for

    return main_metric_for(display, track, values) or next(iter(values), None)
