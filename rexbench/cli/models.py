"""`rexbench models`: which model weights the metrics use, where they are looked for, and fetching them."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..errors import RexbenchError


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Model weights used by metrics: list them (the default), fetch them.")

    @group.callback(invoke_without_command=True)
    def models_default(ctx: typer.Context) -> None:
        """`rexbench models` alone lists the models (as `rexbench models list`)."""
        if ctx.invoked_subcommand is None:
            list_models(json_out=False, no_hash=False)

    @group.command("list")
    def list_models(json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON on stdout."),
                    no_hash: bool = typer.Option(False, "--no-hash", help="Skip the sha256 of the weights.")) -> None:
        """Each model: the metrics that use it, where it is looked for, whether it is here, its sha256."""
        from .. import models

        rows = [models.status(name, with_hash=not no_hash).as_dict() for name in models.MODELS]
        if json_out:
            from ..io import dumps_json

            typer.echo(dumps_json({"models": rows}), nl=False)
            return
        for row in rows:
            state = f"ready: {row['folder']}" if row["ready"] else "missing"
            typer.echo(f"{row['name']} (used by {', '.join(row['metrics'])}): {state}")
            if row["sha256"]:
                typer.echo(f"  sha256: {row['sha256']}")
            typer.echo(f"  looks for: {', '.join(row['looks_for'])}")
            typer.echo(f"  looks in (first match wins): explicit path parameter; {'; '.join(row['looks_in'])}")
            if not row["ready"]:
                typer.echo(f"  to get it: {models.missing_message(row['name'], row['metrics'][0])}")

    @group.command("fetch")
    def fetch_model(name: str = typer.Argument(..., help="A metric (bertscore) or model (distilroberta-base) name."),
                    dest: Optional[Path] = typer.Option(None, "--dest", help="Folder to put it in (default: the "
                                                        "models dir, REXBENCH_MODELS_DIR).")) -> None:
        """Download a model's weights (needs a network; scoring itself never downloads)."""
        from .. import models

        # A metric name fetches every model it uses (semb_score: the CheXbert checkpoint and BERT's config).
        names = [name] if name in models.MODELS else [s.name for s in models.metric_models(name)] or [name]
        if dest is not None and len(names) > 1:
            typer.echo(f"error: {name} uses {len(names)} models ({', '.join(names)}); fetch them one by one "
                       f"with --dest", err=True)
            raise typer.Exit(2)
        for model in names:
            try:
                folder = models.fetch(model, dest=dest)
            except RexbenchError as exc:
                typer.echo(f"error: {exc}", err=True)
                raise typer.Exit(1) from None
            typer.echo(f"{model}: ready in {folder}")
            typer.echo(f"  sha256: {models.model_sha256(folder, models.spec_for(model))}")

    app.add_typer(group, name="models")
