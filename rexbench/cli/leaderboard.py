"""`rexbench leaderboard build` and `rexbench leaderboard serve`."""

from __future__ import annotations

from pathlib import Path

import typer

from typing import Optional

from .common import DisplayOpt, ProjectOpt, SiteOutOpt, SubmissionsOpt, project_paths

leaderboard_app = typer.Typer(help="Build and serve the static leaderboard site.", no_args_is_help=True)


@leaderboard_app.command("build")
def build(project: Optional[Path] = ProjectOpt, submissions_dir: Optional[Path] = SubmissionsOpt,
          out_dir: Optional[Path] = SiteOutOpt, display: Optional[Path] = DisplayOpt,
          check: bool = typer.Option(False, "--check", help="Only check that the site would build (writes nothing).")) -> None:
    """Render the site from the submissions' committed results (no scoring)."""
    import tempfile

    from ..pipeline import build_site_from, load_all

    submissions_dir, display, out_dir = project_paths(project, submissions_dir, display, out_dir)
    subs = load_all(submissions_dir)
    if check:
        with tempfile.TemporaryDirectory() as tmp:
            board = build_site_from(subs, display, Path(tmp) / "site")
        typer.echo(f"OK: the site builds from {len(board['submissions'])} submissions")
        return
    board = build_site_from(subs, display, out_dir)
    typer.echo(f"built {out_dir / 'index.html'} from {len(board['submissions'])} submissions")


@leaderboard_app.command("serve")
def serve(project: Optional[Path] = ProjectOpt, out_dir: Optional[Path] = SiteOutOpt,
          host: str = typer.Option("127.0.0.1", "--host"), port: int = typer.Option(8000, "--port")) -> None:
    """Serve the built site on a local port (Ctrl-C to stop)."""
    from ..site import serve as run

    if out_dir is None:
        from ..project import find
        out_dir = find(project).site_out
    run(out_dir, host=host, port=port)   # prints the one banner


def register(app: typer.Typer) -> None:
    app.add_typer(leaderboard_app, name="leaderboard")
