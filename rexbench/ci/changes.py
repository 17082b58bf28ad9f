"""Which submissions a ci run checks: the folders `git diff --name-only BASE...HEAD` touches, whether
metric code changed (then every submission is rechecked), and predictions that differ from their results."""

from __future__ import annotations

import subprocess
from pathlib import Path

from ..errors import RexbenchError


def _git(args: list[str], cwd: Path) -> str:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise RexbenchError("rexbench ci --base needs git on PATH") from None
    if proc.returncode != 0:
        msg = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
        raise RexbenchError(f"git {' '.join(args)}: {msg}")
    return proc.stdout


def changed_submission_ids(submissions_dir: Path, base: str) -> list[str]:
    """Ids (first path component) of submission folders touched by `git diff BASE...HEAD`."""
    if not submissions_dir.is_dir():
        raise RexbenchError(f"{submissions_dir}: no such folder")
    out = _git(["diff", "--name-only", "--no-renames", "--relative", "-z", f"{base}...HEAD", "--", "."],
               submissions_dir)
    ids = set()
    for name in out.split("\0"):
        parts = Path(name).parts
        if len(parts) >= 2:  # files directly under submissions/ (a README) are no submission
            ids.add(parts[0])
    return sorted(ids)


def metric_code_changed(submissions_dir: Path, base: str) -> bool:
    """Whether `git diff BASE...HEAD` touches the metric folders (when they live in the same repository)."""
    from ..paths import metrics_dir

    top = Path(_git(["rev-parse", "--show-toplevel"], submissions_dir).strip()).resolve()
    try:
        rel = metrics_dir().resolve().relative_to(top)
    except ValueError:
        return False
    return bool(_git(["diff", "--name-only", f"{base}...HEAD", "--", str(rel)], top).strip())


def _entries(sub):
    from ..leaderboard import entries_for
    return entries_for(sub)


def _predictions_changed(sub) -> bool:
    """Whether a predictions file's sha256 differs from the one its committed results.json records."""
    from ..io import read_json_lenient, sha256_file

    for entry, out in zip(sub.splits, _entries(sub)):
        try:
            results = read_json_lenient(out.results_path, within=out.results_path.parent)
            recorded = (results.get("submission") or {}).get("predictions_sha256")
        except (OSError, ValueError, AttributeError, RexbenchError):
            continue                     # missing or unreadable results: the unchanged check handles them
        if recorded != sha256_file(entry.predictions):
            return True
    return False
