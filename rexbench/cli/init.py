"""`rexbench init DIR`: scaffold a leaderboard project."""

from __future__ import annotations

from pathlib import Path

import typer


def init(folder: Path = typer.Argument(Path("."), metavar="DIR", help="Folder to turn into a leaderboard project "
                                       "(created if missing).")) -> None:
    """Scaffold a leaderboard project: display schema, submissions/, the pull-request and Pages workflows."""
    from ..project import scaffold

    written = scaffold(folder)
    for path in written:
        typer.echo(f"wrote {path}")
    typer.echo(f"leaderboard project ready in {folder}: add submissions with `rexbench new-submission`, "
               f"build the site with `rexbench leaderboard build` (run from inside {folder})")


def register(app: typer.Typer) -> None:
    app.command("init")(init)
