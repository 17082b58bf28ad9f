"""`rexbench compare A B [C ...]`: paired differences, their CIs and p-values (Holm-corrected)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .common import JsonOpt, console, fmt, print_json


def compare(
    submissions: list[Path] = typer.Argument(..., help="Two or more submission (or results) folders."),
    metrics: Optional[str] = typer.Option(None, "--metrics", "-m", help="Comma-separated metric keys (default: all in common)."),
    tracks: Optional[str] = typer.Option(None, "--tracks", "-t", help="Comma-separated tracks (default: all in common)."),
    permutations: int = typer.Option(10_000, "--permutations", min=1, max=1_000_000,
                                     help="Approximate-randomisation rounds (at most 1,000,000)."),
    seed: Optional[int] = typer.Option(None, "--seed", min=0, max=2**32 - 1, help="Seed (default: the one in results.json)."),
    alpha: float = typer.Option(0.05, "--alpha", min=0.0, max=1.0, help="Significance level for the marker column."),
    as_json: bool = JsonOpt,
) -> None:
    """Compare scored submissions on the same split: diff = A - B, 95% CI (paired bootstrap), p-values."""
    from rich.table import Table

    from ..compare import compare as run, load_scored

    from ..errors import InputError

    real = [p.resolve() for p in submissions]
    twice = next((p for i, p in enumerate(submissions) if real[i] in real[:i]), None)
    if twice is not None:
        raise InputError(f"{twice}: given twice; compare different submissions")
    systems = [load_scored(p) for p in submissions]
    split = lambda v: [x.strip() for x in v.split(",") if x.strip()] if v else None
    rows = run(systems, metrics=split(metrics), tracks=split(tracks), seed=seed, n_permutations=permutations,
               alpha=alpha)
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"paired comparisons ({len(rows)}; Holm per track and metric)", title_justify="left")
    for col in ("track", "metric", "A", "B", "A−B", "95% CI", "p t", "p Holm", "p perm Holm", ""):
        table.add_column(col, justify="right" if col.startswith(("A−", "p", "95")) else "left")
    for r in rows:
        table.add_row(r["track"], r["metric"], r["a"], r["b"], f"{r['diff']:+.4f}",
                      f"[{fmt(r['ci'][0])}, {fmt(r['ci'][1])}]", f"{r['p']:.2g}", f"{r['p_holm']:.2g}",
                      f"{r['p_permutation_holm']:.2g}", "*" if r["significant"] else "")
    console().print(table)
    typer.echo(f"* Holm-corrected p (studentised paired t, jackknife SE) < {alpha}; "
               f"the permutation p ({rows[0]['n_permutations'] if rows else 0} rounds) is a cross-check", err=True)


def register(app: typer.Typer) -> None:
    app.command("compare")(compare)
