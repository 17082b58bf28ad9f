"""Options and output helpers shared by the command modules."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Optional

import typer

from ..errors import RexbenchError
from ..paths import REPO_DIR

# The metrics `rexbench score` runs when --metrics is not given. Fixed: never depends on what is installed.
DEFAULT_METRICS = ("bleu2_rexrank", "bleu", "rouge_l", "meteor", "bertscore_minilm", "chexpert_f1")

SplitOpt = typer.Option(None, "--split", "-s", help="demo:test, rexgradient:test, or a ReXrank .json / custom .jsonl/.csv references file.")
ReferencesOpt = typer.Option(None, "--references", "-r", help="Custom references file (.jsonl/.csv); same as --split FILE.")
DataDirOpt = typer.Option(None, "--data-dir", help="Local ReXGradient-160K copy (else $REXBENCH_DATA).", envvar="REXBENCH_DATA")
JsonOpt = typer.Option(False, "--json", help="Print machine-readable JSON on stdout.")
TracksOpt = typer.Option("all", "--tracks", "-t", help="Comma-separated tracks: findings, impression, findings_impression, report (or all).")


SubmissionsOpt = typer.Option(REPO_DIR / "submissions", "--submissions", help="Folder of submissions.")
SiteOutOpt = typer.Option(REPO_DIR / "leaderboard_site" / "build", "--out", help="Site output folder.")
DisplayOpt = typer.Option(REPO_DIR / "leaderboard_site" / "leaderboard.yaml", "--display",
                          help="Display schema (leaderboard.yaml).")
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


def resolve_split(split: Optional[str], references: Optional[Path], data_dir: Optional[Path]):
    from ..splits import load_split

    if split and references:
        raise RexbenchError("give --split or --references, not both")
    spec = split or (str(references) if references else None)
    if not spec:
        raise RexbenchError("no split given: pass --split demo:test (or another split) or --references FILE")
    return load_split(spec, data_dir=data_dir)


def print_json(obj: Any) -> None:
    from ..io import dumps_json

    sys.stdout.write(dumps_json(obj))


def console():
    from rich.console import Console

    # Piped output (files, CI logs) gets wide tables instead of truncated cells.
    return Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 200)


def fmt(value: Optional[float], digits: int = 4) -> str:
    return "—" if value is None else f"{value:.{digits}f}"
