"""`rexbench baseline`: standard baseline predictions for a split."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .common import DataDirOpt


def baseline(
    name: str = typer.Argument(..., help="normal-template, stable-template, random-train or nearest-indication."),
    split: str = typer.Option("demo:test", "--split", "-s", help="Split to predict."),
    train: Optional[str] = typer.Option(None, "--train", help="Split to copy reports from (default: the train split of --split's dataset)."),
    out: Path = typer.Option(..., "--out", "-o", help="Predictions file to write (.jsonl)."),
    seed: int = typer.Option(0, "--seed", help="Seed for random-train (and its fallback in nearest-indication)."),
    data_dir: Optional[Path] = DataDirOpt,
) -> None:
    """Write baseline predictions (JSONL with findings and impression) for every study of a split."""
    from ..baselines import write_predictions
    from ..splits import load_split

    test = load_split(split, data_dir=data_dir)
    train_spec = train or (split.split(":")[0] + ":train" if ":" in split else None)
    if not train_spec:
        from ..errors import RexbenchError
        raise RexbenchError("--train is required when --split is a file")
    train_split = load_split(train_spec, data_dir=data_dir)
    write_predictions(name, test, train_split, out, seed=seed)
    typer.echo(f"wrote {len(test.studies)} {name} predictions for {test.id} to {out}")


def register(app: typer.Typer) -> None:
    app.command("baseline")(baseline)
