"""One ci run: pick the submissions, check each, check the others for staleness, and rebuild the site from
every submission without a problem."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import RexbenchError
from ..splits.private import scrub_private
from .changes import _entries, _predictions_changed, changed_submission_ids, metric_code_changed
from .checks import CiOptions, STALE_POLICIES, SubmissionReport, _check_one, _lines, _rel, _unchanged_check, withhold_ids


STATUS_TEXT = {
    "reproduced": "✅ results reproduce",
    "scored": "✅ scored (new results)",
    "regenerated": "✅ results regenerated",
    "rescored": "✅ stale results rescored",
    "unchanged": "✅ unchanged",
    "removed": "➖ removed",
    "invalid": "❌ invalid",
    "mismatch": "❌ results do not reproduce",
    "stale": "❌ stale results",
    "error": "❌ error",
    "deferred": "⏳ private split: scored after merge",
}


@dataclass
class CiReport:
    mode: str                              # "--all" or "--base REF"
    submissions: list[SubmissionReport]
    problems: list[str] = field(default_factory=list)       # not tied to one submission
    notes: list[str] = field(default_factory=list)
    site: Path | None = None
    site_submissions: int = 0
    metrics: list[str] = field(default_factory=list)
    bootstrap: int = 0
    display: dict[str, Any] | None = None
    board: dict[str, Any] | None = None   # the rebuilt leaderboard (ranks for the summary)

    @property
    def ok(self) -> bool:
        return not self.problems and not any(s.problems for s in self.submissions)

    def all_problems(self) -> list[str]:
        out = list(self.problems)
        for s in self.submissions:
            out += [f"{s.id}: {p}" for p in s.problems]
        return out


def run_ci(submissions_dir: Path, *, out_dir: Path, display_path: Path, options: CiOptions,
           base: str | None = None, all_submissions: bool = False, show_progress: bool | None = None,
           log=None) -> CiReport:
    """Check, score and verify submissions, then rebuild the site. Never raises for a submission's problem."""
    from ..cache import ScoreCache
    from ..scoring import load_metrics
    from ..submission import FILENAME, load_submission

    log = log or (lambda msg: None)
    changed_only = base is None and not all_submissions and options.regenerate
    if (base is None) == (not all_submissions) and not changed_only:
        raise RexbenchError("give --base REF (check what changed since REF) or --all (or --regenerate alone: "
                            "rescore the submissions whose predictions changed since their results were written)")
    if options.stale_policy not in STALE_POLICIES:
        raise RexbenchError(f"--stale must be one of {', '.join(STALE_POLICIES)}, not {options.stale!r}")
    if options.bootstrap < 0:
        raise RexbenchError("--bootstrap must be 0 (no CIs) or a positive number of resamples")
    submissions_dir = Path(submissions_dir)
    mode = "--all" if all_submissions else (f"--base {base}" if base is not None else "--regenerate")
    report = CiReport(mode=mode, submissions=[], bootstrap=options.bootstrap)
    try:
        from ..site import load_display_schema
        report.display = load_display_schema(display_path)
    except Exception as exc:  # noqa: BLE001 - reported, the summary falls back to metric ids
        report.problems.append(scrub_private(f"display schema: {exc}"))

    metrics = [m.spec for m in load_metrics(options.metrics)]   # raises before any work
    report.metrics = metrics
    if not submissions_dir.is_dir():
        raise RexbenchError(f"{submissions_dir}: no such folder (pass --submissions DIR)")

    folders = sorted(p for p in submissions_dir.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    if all_submissions:
        check_ids = [p.name for p in folders]
    elif changed_only:
        check_ids = []   # decided per submission below: predictions changed, results missing or stale
    else:
        check_ids = changed_submission_ids(submissions_dir, base)
        if metric_code_changed(submissions_dir, base):
            check_ids = sorted(set(check_ids) | {p.name for p in folders})
            report.notes.append("metric code changed since the base: every submission is rescored and compared")
    by_id: dict[str, SubmissionReport] = {}
    loaded = {}
    for folder in folders:
        rep = by_id[folder.name] = SubmissionReport(folder.name, checked=folder.name in check_ids)
        if not os.path.lexists(folder / FILENAME):   # there but not a regular file: load_submission says what it is
            if rep.checked:
                rep.status, rep.problems = "invalid", [f"{_rel(folder, submissions_dir)}: no {FILENAME}"]
            continue
        try:
            loaded[folder.name] = load_submission(folder)
        except RexbenchError as exc:
            rep.status = "invalid"
            rep.checked = True   # an unchanged but invalid submission is a problem as well
            rep.problems += _lines(exc, submissions_dir)
    for sid in check_ids:
        if sid not in by_id:
            by_id[sid] = SubmissionReport(sid, status="removed", checked=True)

    boot = None
    if options.bootstrap > 0:
        from ..scoring import BootstrapConfig
        boot = BootstrapConfig(n_resamples=options.bootstrap, seed=options.seed)
    cache = ScoreCache()
    policy = options.stale_policy

    with tempfile.TemporaryDirectory(prefix="rexbench-ci-") as tmp:
        for sid, sub in sorted(loaded.items()):
            rep = by_id[sid]
            if changed_only and not rep.checked and _predictions_changed(sub):
                rep.checked = True
                rep.notes.append("predictions changed since the results were written")
            if not rep.checked:
                # outside the check set: cheap checks only, unless its results are missing or stale
                why = _unchanged_check(sub, metrics)
                if why is None:
                    continue
                if why and policy == "reject":
                    rep.status, rep.checked = "stale", True
                    rep.problems += [f"stale results: {r}" for r in why]
                    rep.problems.append("rescore: `rexbench ci --all --regenerate`, then commit the results")
                    continue
                rep.checked = True
                rep.notes.append("results missing" if not why else "stale: " + "; ".join(why))
            log(f"checking {sid} ...")
            hidden: set[str] = set()   # study ids of private splits: never printed
            try:
                _check_one(sub, rep, Path(tmp) / sid, metrics=metrics, boot=boot, options=options, cache=cache,
                           submissions_dir=submissions_dir, show_progress=show_progress, hidden=hidden,
                           defer_private=base is not None)
            finally:
                rep.problems = withhold_ids(rep.problems, hidden)

        site_subs = [sub for sid, sub in sorted(loaded.items()) if not by_id[sid].problems
                     and all(e.results_path.is_file() for e in _entries(sub))]
        try:
            from ..pipeline import build_site_from
            board = build_site_from(site_subs, display_path, out_dir)
            report.site, report.site_submissions = Path(out_dir), len(board.get("submissions", {}))
            report.board = board
        except Exception as exc:  # noqa: BLE001 - any build failure is a ci problem, reported in the summary
            report.problems.append(scrub_private(f"site: the leaderboard did not build: {exc}"))
    report.submissions = [by_id[k] for k in sorted(by_id) if by_id[k].checked]
    report.submissions += [by_id[k] for k in sorted(by_id) if not by_id[k].checked]
    return report
