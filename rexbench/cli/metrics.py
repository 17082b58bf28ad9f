"""`rexbench metrics list` and `rexbench metrics show NAME`."""

from __future__ import annotations

import typer

from .common import JsonOpt, console, print_json

metrics_app = typer.Typer(help="List and describe metrics.", no_args_is_help=True)


def _describe(name: str) -> dict:
    import dataclasses

    from .. import registry

    cls = registry.metric_class(name)
    metric = cls()
    return {
        "name": name, "version": cls.version, "description": cls.description,
        "higher_is_better": cls.higher_is_better, "corpus_level": cls.corpus_level,
        "range": list(cls.value_range), "tolerance": metric.tolerance,
        "params": {f.name: getattr(metric.params, f.name) for f in dataclasses.fields(metric.params)},
        "ready": metric.readiness() is None, "readiness": metric.readiness(),
        "folder": str(registry.info(name).folder),
    }


@metrics_app.command("list")
def list_metrics(as_json: bool = JsonOpt) -> None:
    """Every metric, its direction and whether it can run here."""
    from rich.table import Table

    from .. import registry

    rows = [_describe(name) for name in registry.available()]
    if as_json:
        print_json(rows)
        return
    table = Table(title="rexbench metrics", title_justify="left")
    for col in ("metric", "v", "better", "reproduces", "ready", "description"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["name"], str(r["version"]), "↑ higher" if r["higher_is_better"] else "↓ lower",
                      f"±{r['tolerance']:g}" if r["tolerance"] else "exactly",
                      "yes" if r["ready"] else "no", r["description"])
    console().print(table)
    for r in rows:
        if not r["ready"]:
            typer.echo(f"{r['name']}: {r['readiness']}", err=True)


@metrics_app.command("show")
def show(name: str = typer.Argument(..., help="Metric name (see `rexbench metrics list`)."), as_json: bool = JsonOpt) -> None:
    """The metric card, parameters and readiness of one metric."""
    from .. import registry

    info = _describe(registry.parse_spec(name)[0])
    card = registry.info(info["name"]).card_path
    if as_json:
        info["card"] = card.read_text(encoding="utf-8") if card.is_file() else ""
        print_json(info)
        return
    typer.echo(card.read_text(encoding="utf-8") if card.is_file() else f"# {info['name']}\n")
    typer.echo("Parameters (defaults): " + (", ".join(f"{k}={v}" for k, v in info["params"].items()) or "none"))
    typer.echo("Reproduces: " + (f"within ±{info['tolerance']:g} (absolute) across machines" if info["tolerance"]
                                 else "exactly (bit for bit) across machines"))
    typer.echo(f"Direction: {'higher' if info['higher_is_better'] else 'lower'} is better; "
               f"{'corpus-level' if info['corpus_level'] else 'mean of per-study values'}")
    typer.echo("Ready: yes" if info["ready"] else f"Ready: no — {info['readiness']}")


def register(app: typer.Typer) -> None:
    app.add_typer(metrics_app, name="metrics")
