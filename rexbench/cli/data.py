"""`rexbench data info`: what a split holds (counts per track, subgroups, content hash)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Optional

import typer

from .common import DataDirOpt, JsonOpt, ReferencesOpt, SplitOpt, print_json, resolve_split

data_app = typer.Typer(help="Inspect reference splits.", no_args_is_help=True)


@data_app.command("info")
def info(split: Optional[str] = SplitOpt, references: Optional[Path] = ReferencesOpt,
         data_dir: Optional[Path] = DataDirOpt, as_json: bool = JsonOpt) -> None:
    """Counts per track, subgroup sizes and the split's sha256."""
    from ..tracks import ALL_TRACKS

    ref = resolve_split(split, references, data_dir)
    summary = dict(ref.info())
    summary["tracks"] = {t: n for t in ALL_TRACKS if (n := len(ref.track_studies(t)))}
    fields = sorted({k for s in ref.studies for k in s.subgroups})
    summary["subgroups"] = {f: dict(sorted(Counter(str(s.subgroups.get(f)) for s in ref.studies).items()))
                            for f in fields}
    if as_json:
        print_json(summary)
        return
    typer.echo(f"{ref.name} ({ref.id})")
    typer.echo(f"  studies: {len(ref.studies)}   sha256: {ref.sha256}")
    typer.echo(f"  source:  {ref.source}")
    for track, n in summary["tracks"].items():
        typer.echo(f"  track {track}: n={n}")
    for field, counts in summary["subgroups"].items():
        typer.echo(f"  {field}: " + ", ".join(f"{k}={v}" for k, v in counts.items()))


def register(app: typer.Typer) -> None:
    app.add_typer(data_app, name="data")
