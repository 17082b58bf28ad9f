"""The `rexbench` command line. Heavy libraries are imported inside commands, never at start-up."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import typer

from .. import __version__
from ..errors import RexbenchError

app = typer.Typer(
    name="rexbench",
    help="Strict, reproducible scoring and leaderboards for chest X-ray report generation.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"rexbench {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Show the version and exit.")) -> None:
    """rexbench: score report-generation predictions and build the leaderboard."""


def _flag_type_hidden() -> None:
    """Flags take no value: show no `<bool>` type beside them in --help (typer's rich help shows one)."""
    from typer.core import TyperOption

    shown = TyperOption.display_type_rich

    def display_type_rich(self, ctx):  # type: ignore[no-untyped-def]
        return None if self.is_flag else shown(self, ctx)

    TyperOption.display_type_rich = display_type_rich


def _handled(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Report RexbenchError as `error: <message>` on stderr with exit code 1, never a traceback.

    An OSError naming a file (unwritable folder, full disk, a folder where a file was expected) is the
    user's environment, not a bug: it is reported the same way. Any other exception is a bug and keeps
    its traceback.
    """
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except RexbenchError as exc:
            lines = str(exc).splitlines() or [type(exc).__name__]
        except OSError as exc:
            if exc.filename is None and exc.errno is None:
                raise
            where = f"{exc.filename}: " if exc.filename is not None else ""
            lines = [f"{where}{exc.strerror or exc}"]
        for line in lines:
            typer.echo(f"error: {line}", err=True)
        raise typer.Exit(1) from None
    return wrapper


def _wrap_all(typer_app: typer.Typer) -> None:
    for command in typer_app.registered_commands:
        if command.callback is not None and not getattr(command.callback, "__wrapped__", None):
            command.callback = _handled(command.callback)
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            _wrap_all(group.typer_instance)


def _register() -> None:
    _flag_type_hidden()
    from . import ci, compare, data, demo, init, label, leaderboard, metrics, models, score, setup, submissions

    for module in (score, compare, metrics, data, label, models, setup, demo, init, leaderboard, submissions, ci):
        module.register(app)
    _wrap_all(app)


_register()


def main() -> None:
    try:
        app()
    except RexbenchError as exc:  # raised outside a command (e.g. in a callback)
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
