"""`rexbench leaderboard build` and `rexbench leaderboard serve`."""

from __future__ import annotations

from pathlib import Path

import typer

from .common import DisplayOpt, SiteOutOpt, SubmissionsOpt

leaderboard_app = typer.Typer(help="Build and serve the static leaderboard site.", no_args_is_help=True)


@leaderboard_app.command("build")
def build(submissions_dir: Path = SubmissionsOpt, out_dir: Path = SiteOutOpt, display: Path = DisplayOpt,
          check: bool = typer.Option(False, "--check", help="Only check that the site would build (writes nothing).")) -> None:
    """Render the site from the submissions' committed results (no scoring)."""
    import tempfile

    from ..pipeline import build_site_from, load_all

    subs = load_all(submissions_dir)
    if check:
        with tempfile.TemporaryDirectory() as tmp:
            board = build_site_from(subs, display, Path(tmp) / "site")
        typer.echo(f"OK: the site builds from {len(board['submissions'])} submissions")
        return
    board = build_site_from(subs, display, out_dir)
    typer.echo(f"built {out_dir / 'index.html'} from {len(board['submissions'])} submissions")


@leaderboard_app.command("serve")
def serve(out_dir: Path = SiteOutOpt, host: str = typer.Option("127.0.0.1", "--host"),
          port: int = typer.Option(8000, "--port")) -> None:
    """Serve the built site on a local port (Ctrl-C to stop)."""
    from ..site import serve as run

    typer.echo(f"serving {out_dir} on http://{host}:{port}/", err=True)
    run(out_dir, host=host, port=port)


def register(app: typer.Typer) -> None:
    app.add_typer(leaderboard_app, name="leaderboard")
