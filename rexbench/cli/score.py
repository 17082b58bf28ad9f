"""`rexbench validate` and `rexbench score`."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .common import (DEFAULT_METRICS, AddressOpt, BatchSizeOpt, BootstrapOpt, DataDirOpt, DeviceOpt, ExecutorOpt,
                     JobsOpt, JsonOpt, ProgressOpt, ReferencesOpt, SeedOpt, SplitOpt, TracksOpt, check_predictions,
                     compute_options, console, fmt, print_json, resolve_split)


def _ci_method(value: str) -> str:
    if value not in ("percentile", "bca"):
        raise typer.BadParameter(f"{value!r} is not one of 'percentile', 'bca'")
    return value


def validate(
    predictions: Path = typer.Option(..., "--predictions", "-p", help="Predictions file (.jsonl, .csv, ReXrank .json)."),
    split: Optional[str] = SplitOpt,
    references: Optional[Path] = ReferencesOpt,
    data_dir: Optional[Path] = DataDirOpt,
    tracks: str = TracksOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Check a predictions file against a split: exact ids, no duplicates, no empty reports."""
    from ..errors import RexbenchError
    from ..predictions import read_predictions
    from ..tracks import parse_tracks

    try:
        ref = resolve_split(split, references, data_dir)
        preds = read_predictions(predictions)
        aligned = check_predictions(preds, ref, parse_tracks(tracks), split, data_dir)
    except RexbenchError as exc:
        if as_json:   # the problems as JSON on stdout, the same lines as `error:` on stderr, exit 1
            print_json({"ok": False, "predictions": str(predictions),
                        "problems": getattr(exc, "problems", None) or str(exc).splitlines()})
        raise
    summary = {"ok": True, "predictions": str(predictions), "format": preds.format, "split": ref.id,
               "split_sha256": ref.sha256, "n_predictions": len(preds.entries),
               "tracks": {t: len(a.ids) for t, a in aligned.items()}}
    if as_json:
        print_json(summary)
    else:
        counts = ", ".join(f"{t} n={n}" for t, n in summary["tracks"].items())
        typer.echo(f"OK: {len(preds.entries)} predictions match split {ref.id} ({counts})")


def score(
    predictions: Path = typer.Option(..., "--predictions", "-p", help="Predictions file (.jsonl, .csv, ReXrank .json)."),
    split: Optional[str] = SplitOpt,
    references: Optional[Path] = ReferencesOpt,
    data_dir: Optional[Path] = DataDirOpt,
    metrics: str = typer.Option(",".join(DEFAULT_METRICS), "--metrics", "-m",
                                help="Comma-separated metric specs, e.g. rouge_l,bleu2_rexrank,meteor or rouge_l:rouge_type=rouge1."),
    tracks: str = TracksOpt,
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write results.json and per_study.jsonl into this folder."),
    bootstrap: int = BootstrapOpt,
    seed: int = SeedOpt,
    ci_method: str = typer.Option("percentile", "--ci-method", callback=_ci_method, help="percentile or bca."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Recompute instead of reading the score cache."),
    submission_id: Optional[str] = typer.Option(None, "--id", help="Submission id recorded in results.json."),
    device: str = DeviceOpt,
    batch_size: int = BatchSizeOpt,
    as_json: bool = JsonOpt,
    jobs: Optional[int] = JobsOpt,
    progress: Optional[bool] = ProgressOpt,
    executor: str = ExecutorOpt,
    address: Optional[str] = AddressOpt,
) -> None:
    """Score a predictions file on a split: every metric x track, with bootstrap CIs and signatures."""
    from ..cache import ScoreCache
    from ..predictions import read_predictions
    from ..registry import parse_list
    from ..reproduction import write_reproducible
    from ..results import build_results, check_out_dir
    from ..scoring import BootstrapConfig, score as run_score
    from ..tracks import parse_tracks

    ref = resolve_split(split, references, data_dir)
    if out is not None:
        check_out_dir(out, [predictions, ref.source])   # before any work: writable, overwrites no input
    preds = read_predictions(predictions)
    check_predictions(preds, ref, parse_tracks(tracks), split, data_dir)
    boot = BootstrapConfig(n_resamples=bootstrap, seed=seed, method=ci_method) if bootstrap > 0 else None
    with compute_options(jobs, device, batch_size, progress, executor, address):
        run = run_score(ref, preds, metrics=parse_list(metrics), tracks=parse_tracks(tracks), bootstrap=boot,
                        cache=ScoreCache(enabled=not no_cache))
    changed = write_reproducible(run, out, submission_id=submission_id) if out is not None else []
    if as_json:
        print_json(build_results(run, submission_id=submission_id))
        return
    print_tables(run)
    small = {name: t.n for name, t in run.tracks.items() if t.n < SMALL_N}
    if boot is not None and small:
        typer.echo(f"warning: {', '.join(f'{k} n={n}' for k, n in small.items())}: confidence intervals from fewer "
                   f"than {SMALL_N} studies are unreliable (bootstrap percentile intervals undercover at small n)",
                   err=True)
    if out is not None:
        if changed:
            typer.echo(f"wrote {' and '.join(str(p) for p in changed)}", err=True)
        else:
            typer.echo(f"{out}: the results there reproduce (within each metric's tolerance); left unchanged", err=True)


# Below this many studies a track's CIs come with a warning: the same bound under which subgroups get
# no CI at all (results.SUBGROUP_MIN_N), where percentile bootstrap intervals are known to undercover.
SMALL_N = 30


def print_tables(run) -> None:
    from rich.table import Table

    from ..tracks import TRACK_NAMES

    con = console()
    for name, track in run.tracks.items():
        table = Table(title=f"{run.split.id} · {TRACK_NAMES[name]} · n={track.n}", title_justify="left")
        for col, justify in (("metric", "left"), ("score", "right"), ("95% CI", "right"), ("better", "center"),
                             ("from", "left")):
            table.add_column(col, justify=justify)
        for key, ms in track.metrics.items():
            ci = f"[{fmt(ms.ci.low)}, {fmt(ms.ci.high)}]" if ms.ci is not None else "—"
            arrow = "↑ higher" if ms.metric.higher_is_better else "↓ lower"
            table.add_row(key, fmt(ms.output.score), ci, arrow, "cached" if ms.cached else "computed")
        con.print(table)
        for key, ms in track.metrics.items():
            con.print(f"  {ms.signature.format()}", style="dim")


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
    app.command("score")(score)
