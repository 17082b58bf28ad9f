"""`rexbench ci` (check, score and verify submissions, rebuild the site) and `rexbench import-rexrank`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer

from ..errors import InputError
from .common import (DEFAULT_METRICS, AddressOpt, BatchSizeOpt, BootstrapOpt, DataDirOpt, DeviceOpt, DisplayOpt,
                     ExecutorOpt, JobsOpt, ProgressOpt, ProjectOpt, SeedOpt, SiteOutOpt, SubmissionsOpt,
                     compute_options, project_paths)


def ci(
    base: Optional[str] = typer.Option(None, "--base", help="Check the submissions changed since this git ref "
                                       "(git diff --name-only REF...HEAD -- submissions/)."),
    all_submissions: bool = typer.Option(False, "--all", help="Check every submission."),
    project: Optional[Path] = ProjectOpt,
    submissions_dir: Optional[Path] = SubmissionsOpt,
    out_dir: Optional[Path] = SiteOutOpt,
    display: Optional[Path] = DisplayOpt,
    metrics: str = typer.Option(",".join(DEFAULT_METRICS), "--metrics", "-m", help="Metrics every submission is scored with."),
    bootstrap: int = BootstrapOpt,
    seed: int = SeedOpt,
    regenerate: bool = typer.Option(False, "--regenerate", help="Write fresh results.json / per_study.jsonl for "
                                    "the checked submissions instead of checking the committed ones."),
    stale: Optional[str] = typer.Option(None, "--stale", help="Results made by other metric code or another "
                                        "rexbench version: rescore or reject (default: rescore with --regenerate, "
                                        "else reject)."),
    summary: Optional[Path] = typer.Option(None, "--summary", help="Write the Markdown summary here (it is also "
                                           "appended to $GITHUB_STEP_SUMMARY when that is set)."),
    data_dir: Optional[Path] = DataDirOpt,
    jobs: Optional[int] = JobsOpt,
    device: str = DeviceOpt,
    batch_size: int = BatchSizeOpt,
    progress: Optional[bool] = ProgressOpt,
    executor: str = ExecutorOpt,
    address: Optional[str] = AddressOpt,
) -> None:
    """Validate, score and verify new or changed submissions, rebuild the site; non-zero exit on any problem."""
    from ..ci import CiOptions, render_error_summary, render_summary, run_ci
    from ..errors import RexbenchError
    from ..io import require_writable_file
    from ..registry import parse_list

    if summary is not None:
        require_writable_file(summary, option="--summary")   # before the work, not after it
    try:
        submissions_dir, display, out_dir = project_paths(project, submissions_dir, display, out_dir)
        _refuse_inside(submissions_dir, ("--summary", summary), ("--out", out_dir))
        options = CiOptions(metrics=parse_list(metrics), bootstrap=bootstrap, seed=seed, regenerate=regenerate,
                            stale=stale, data_dir=data_dir)
        with compute_options(jobs, device, batch_size, progress, executor, address):
            report = run_ci(submissions_dir, out_dir=out_dir, display_path=display, options=options, base=base,
                            all_submissions=all_submissions, log=lambda msg: typer.echo(msg, err=True))
    except _OutputRefused:
        raise   # writing the summary is what was refused
    except RexbenchError as exc:   # ci could not run at all: say so in the summary too (a PR comment)
        _write_summary(summary, render_error_summary(exc))
        raise
    _write_summary(summary, render_summary(report))
    from ..ci import rank_text

    for sub in report.submissions:
        if sub.checked:
            typer.echo(f"{sub.id}: {sub.status}")
            for split, track, _n, _values in sub.scores:
                typer.echo(f"  {split} {track}: rank {rank_text(report.board, sub.id, split, track)}")
    written = [path for sub in report.submissions for path in sub.written]
    if written:
        typer.echo(f"wrote {len(written)} result file(s); commit them with the submission: "
                   f"git add {' '.join(written)}")
    if report.site is not None:
        typer.echo(f"site: {report.site / 'index.html'} ({report.site_submissions} submissions)")
    if summary is not None:
        typer.echo(f"summary: {summary}")
    problems = report.all_problems()
    for line in problems:
        typer.echo(f"error: {line}", err=True)
    if problems:
        raise typer.Exit(1)


class _OutputRefused(InputError):
    pass


def _refuse_inside(submissions_dir: Path, *outputs: tuple[str, Optional[Path]]) -> None:
    """An output in the submissions folder would overwrite a submitted file: refuse it before any work."""
    root = os.path.realpath(submissions_dir)
    for option, path in outputs:
        if path is not None and os.path.commonpath([os.path.realpath(path), root]) == root:
            raise _OutputRefused(f"{option} {path} is inside the submissions folder {submissions_dir}; it would "
                             f"overwrite submitted files: write somewhere else")


def _write_summary(path: Optional[Path], text: str) -> None:
    from ..io import atomic_write_text

    if path is not None:
        atomic_write_text(path, text)
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        with open(step_summary, "a", encoding="utf-8") as fh:
            fh.write(text)


def import_rexrank(
    csv_path: Path = typer.Argument(..., help="A ReXrank leaderboard CSV (e.g. results/result_mimiccxr.csv)."),
    dataset: Optional[str] = typer.Option(None, "--dataset", help="Dataset name (default: from the file name, "
                                          "e.g. result_mimiccxr.csv -> mimiccxr)."),
    track: Optional[str] = typer.Option(None, "--track", help="findings, impression or findings_impression "
                                        "(default: findings for findings_result_*.csv, else findings_impression)."),
    out: Optional[Path] = typer.Option(None, "--out", help="JSON to write or update (default: "
                                       "leaderboard_site/reported/<dataset>.json)."),
    source_url: Optional[str] = typer.Option(None, "--source-url", help="Where the CSV came from (recorded)."),
    project: Optional[Path] = ProjectOpt,
) -> None:
    """Import ReXrank's reported scores as "reported, not reproduced" rows (no CIs) for the leaderboard."""
    from ..rexrank_import import import_csv

    default_dir = None
    if out is None:
        from ..project import find
        default_dir = find(project).reported
    path, data, track_id = import_csv(csv_path, dataset=dataset, track=track, out=out, source_url=source_url,
                                      default_dir=default_dir)
    rows = data["tracks"][track_id]["rows"]
    typer.echo(f"wrote {len(rows)} reported rows for {data['dataset']} / {track_id} to {path}")


def register(app: typer.Typer) -> None:
    app.command("ci")(ci)
    app.command("import-rexrank")(import_rexrank)
