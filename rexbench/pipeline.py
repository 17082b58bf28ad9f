"""The end-to-end steps shared by `rexbench demo`, `rexbench leaderboard build` and `rexbench ci`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .cache import ScoreCache
from .leaderboard import build_leaderboard, entries_for
from .predictions import read_predictions
from .scoring import BootstrapConfig, score
from .splits import load_split
from .submission import Submission, discover, load_submission


def load_all(submissions_dir: Path) -> list[Submission]:
    return [load_submission(folder) for folder in discover(submissions_dir)]


def score_submission(sub: Submission, *, metrics: list[str], bootstrap: BootstrapConfig | None,
                     data_dir: Path | None = None, cache: ScoreCache | None = None,
                     show_progress: bool | None = None) -> list[Path]:
    """Score every split of a submission into its results.json / per_study.jsonl.

    Committed values that reproduce (within each metric's tolerance) are kept; returns the files that changed.
    """
    from .reproduction import write_reproducible

    changed: list[Path] = []
    for entry, out in zip(sub.splits, entries_for(sub)):
        split = load_split(entry.split, data_dir=data_dir)
        run = score(split, read_predictions(entry.predictions, within=sub.folder), metrics=metrics, tracks=entry.tracks,
                    bootstrap=bootstrap, cache=cache, show_progress=show_progress)
        changed += write_reproducible(run, out.results_path.parent, submission_id=sub.id)
    return changed


def build_site_from(submissions: list[Submission], display_path: Path, out_dir: Path) -> dict[str, Any]:
    """leaderboard.json from the submissions' results, rendered into out_dir."""
    from .site import build_site, load_display_schema

    # present at all (even a FIFO or a link): read and checked, never skipped as "not scored yet"
    entries = [e for sub in submissions for e in entries_for(sub) if os.path.lexists(e.results_path)]
    board, downloads = build_leaderboard(entries, load_display_schema(display_path))
    build_site(board, out_dir, extra_files={k: str(v) for k, v in downloads.items()})
    return board
