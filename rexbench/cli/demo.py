"""`rexbench demo`: score the bundled demo submissions and build the leaderboard site, offline."""

from __future__ import annotations

from pathlib import Path

import typer

from typing import Optional

from .common import (DEFAULT_METRICS, BootstrapOpt, DisplayOpt, ProjectOpt, SeedOpt, SiteOutOpt, SubmissionsOpt,
                     project_paths)


def demo(
    project: Optional[Path] = ProjectOpt,
    submissions_dir: Optional[Path] = SubmissionsOpt,
    out_dir: Optional[Path] = SiteOutOpt,
    display: Optional[Path] = DisplayOpt,
    metrics: str = typer.Option(",".join(DEFAULT_METRICS), "--metrics", "-m", help="Metrics to score."),
    bootstrap: int = BootstrapOpt,
    seed: int = SeedOpt,
) -> None:
    """Score every demo submission (split demo:*) and build leaderboard_site/build/index.html."""
    from ..pipeline import build_site_from, load_all, score_submission
    from ..registry import parse_list
    from ..scoring import BootstrapConfig, load_metrics

    submissions_dir, display, out_dir = project_paths(project, submissions_dir, display, out_dir)
    specs = parse_list(metrics)
    load_metrics(specs)  # fail before any work if a metric cannot run here
    subs = [s for s in load_all(submissions_dir) if all(e.split.startswith("demo:") for e in s.splits)]
    if not subs:
        typer.echo(f"error: no demo submissions (split demo:*) under {submissions_dir}", err=True)
        raise typer.Exit(1)
    boot = BootstrapConfig(n_resamples=bootstrap, seed=seed) if bootstrap > 0 else None
    changed = []
    for sub in subs:
        typer.echo(f"scoring {sub.id} ...", err=True)
        changed += score_submission(sub, metrics=specs, bootstrap=boot)
    board = build_site_from(subs, display, out_dir)
    typer.echo(f"{len(subs)} submissions scored; leaderboard: {out_dir / 'index.html'}")
    if changed:
        typer.echo(f"rewrote {len(changed)} result file(s) whose numbers changed beyond their metric's tolerance:")
        for path in changed:
            typer.echo(f"  {path}")
    else:
        typer.echo("the committed results reproduce (within each metric's declared tolerance): no file changed")
    for split in board["splits"]:
        for track, t in split["tracks"].items():
            top = [r["submission"] for r in t["rows"] if r["rank"] == 1]
            typer.echo(f"  {split['id']} {track} (n={t['n']}, by {t['main_metric']}): best {', '.join(top)}")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
