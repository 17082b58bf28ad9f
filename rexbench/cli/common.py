"""Options and output helpers shared by the command modules."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Optional

import typer

from ..errors import RexbenchError

# The metrics `rexbench score` runs when --metrics is not given. Fixed: never depends on what is installed.
DEFAULT_METRICS = ("bleu2_rexrank", "bleu", "rouge_l", "meteor", "bertscore_minilm", "chexpert_f1")

SplitOpt = typer.Option(None, "--split", "-s", help="demo:test, rexgradient:test, or a ReXrank .json / custom .jsonl/.csv references file.")
ReferencesOpt = typer.Option(None, "--references", "-r", help="Custom references file (.jsonl/.csv); same as --split FILE.")
DataDirOpt = typer.Option(None, "--data-dir", help="Local ReXGradient-160K copy (else $REXBENCH_DATA).", envvar="REXBENCH_DATA")
JsonOpt = typer.Option(False, "--json", help="Print machine-readable JSON on stdout.")
TracksOpt = typer.Option("all", "--tracks", "-t", help="Comma-separated tracks: findings, impression, findings_impression, report (or all).")


ProjectOpt = typer.Option(None, "--project",
                          help="Leaderboard project folder (default: the nearest folder holding "
                               "leaderboard_site/leaderboard.yaml, from here upwards; $REXBENCH_PROJECT).")
SubmissionsOpt = typer.Option(None, "--submissions", help="Folder of submissions (default: the project's submissions/).")
SiteOutOpt = typer.Option(None, "--out", help="Site output folder (default: the project's leaderboard_site/build/).")
DisplayOpt = typer.Option(None, "--display", help="Display schema (default: the project's leaderboard_site/leaderboard.yaml).")
BootstrapOpt = typer.Option(1000, "--bootstrap", min=0, help="Bootstrap resamples for CIs (0 = no CIs).")
SeedOpt = typer.Option(12345, "--seed", min=0, max=2**32 - 1, help="Bootstrap seed (recorded in every signature).")
# How the work runs (never what is computed: numbers and signatures do not depend on these).
JobsOpt = typer.Option(None, "--jobs", "-j", help="Processes for CPU-bound metrics (default: one per CPU, at most 8; 1 = in-process).")
DeviceOpt = typer.Option("auto", "--device", help="Model metrics: auto (CUDA when present), cpu, cuda or cuda:N.")
BatchSizeOpt = typer.Option(0, "--batch-size", help="Model metrics: texts per batch (0: each metric's default).")
ExecutorOpt = typer.Option("local", "--executor", help="local, or ray / ray:N: shard model metrics (BERTScore) over N Ray workers (pip install 'rexbench[ray]').")
AddressOpt = typer.Option(None, "--address", help="With --executor ray: an existing Ray cluster (e.g. ray://head:10001 or auto); default: a private local instance.")
ProgressOpt = typer.Option(None, "--progress/--no-progress", help="Progress bars on stderr (default: only when stderr is a terminal; REXBENCH_PROGRESS=1 forces them).")


@contextmanager
def compute_options(jobs: Optional[int], device: Optional[str], batch_size: Optional[int],
                    progress: Optional[bool] = None, executor: str = "local",
                    address: Optional[str] = None) -> Iterator[None]:
    """Apply --jobs/--device/--batch-size/--progress/--executor to every metric computed inside the block
    (each value is checked before any work)."""
    from .. import executors
    from ..device import runtime
    from ..parallel import session
    from ..progress import progress_mode

    with runtime(device=device, batch_size=batch_size), progress_mode(progress), session(jobs), \
            executors.use(executor, address=address):
        yield


def project_paths(project: Optional[Path], submissions: Optional[Path] = None, display: Optional[Path] = None,
                  out: Optional[Path] = None) -> tuple[Path, Path, Path]:
    """(submissions, display schema, site folder): the ones given, the others from the leaderboard project."""
    if submissions is None or display is None or out is None:
        from ..project import find

        found = find(project)
        submissions = submissions or found.submissions
        display = display or found.display
        out = out or found.site_out
    return submissions, display, out


def resolve_split(split: Optional[str], references: Optional[Path], data_dir: Optional[Path]):
    from ..splits import load_split

    if split and references:
        raise RexbenchError("give --split or --references, not both")
    spec = split or (str(references) if references else None)
    if not spec:
        raise RexbenchError("no split given: pass --split demo:test (or another split) or --references FILE")
    return load_split(spec, data_dir=data_dir)


def check_predictions(preds, split, tracks: tuple[str, ...], spec: Optional[str], data_dir: Optional[Path]):
    """predictions.validate, with a first line that says how many ids match (and which split they fit)."""
    from ..errors import InputError
    from ..predictions import validate

    try:
        return validate(preds, split, tracks)
    except InputError as exc:
        inside = sum(1 for i in preds.entries if i in split.by_id)
        # The summary helps when the file is for another split (most ids miss); a few missing or
        # extra ids are clearer as the plain per-id lines.
        if 2 * inside >= max(len(preds.entries), len(split.studies)):
            raise
        line = (f"{preds.path}: {inside} of {len(preds.entries)} ids are in split {spec or split.id} "
                f"({len(split.studies)} studies)")
        better = _better_split(set(preds.entries), spec, inside, data_dir)
        raise InputError([line + (f"; did you mean {better}?" if better else ""), *exc.problems]) from None


def _better_split(ids: set[str], spec: Optional[str], inside: int, data_dir: Optional[Path]) -> Optional[str]:
    """Another split of the same dataset holding more of `ids` (checked only for dataset:split specs)."""
    from ..splits import SPLIT_NAMES, load_split

    kind, sep, name = (spec or "").partition(":")
    if not sep or kind not in ("demo", "rexgradient"):
        return None
    best, best_n = None, inside
    for other in SPLIT_NAMES:
        if other == name:
            continue
        try:
            n = len(ids & set(load_split(f"{kind}:{other}", data_dir=data_dir).by_id))
        except RexbenchError:
            continue
        if n > best_n:
            best, best_n = f"{kind}:{other}", n
    return best


def print_json(obj: Any) -> None:
    from ..io import dumps_json

    sys.stdout.write(dumps_json(obj))


def console():
    from rich.console import Console

    # Piped output (files, CI logs) gets wide tables instead of truncated cells.
    return Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 200)


def fmt(value: Optional[float], digits: int = 4) -> str:
    return "—" if value is None else f"{value:.{digits}f}"
