"""Serve a built site over HTTP (rexbench leaderboard serve)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .contract import SiteError


def make_server(out_dir: str | os.PathLike, host: str = "127.0.0.1", port: int = 8000):
    """A ThreadingHTTPServer serving out_dir (port 0 picks a free port). Caller runs serve_forever()."""
    import functools
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    out_dir = Path(out_dir)
    if not (out_dir / "index.html").is_file():
        raise SiteError(f"{out_dir} has no index.html; build the site first (rexbench leaderboard build)")

    class Handler(SimpleHTTPRequestHandler):
        extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".jsonl": "application/x-ndjson",
                          ".json": "application/json", ".csv": "text/csv; charset=utf-8",
                          ".js": "text/javascript", ".css": "text/css"}

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            import sys
            sys.stderr.write("%s - %s\n" % (self.address_string(), format % args))

    handler = functools.partial(Handler, directory=str(out_dir))
    return ThreadingHTTPServer((host, port), handler)


def serve(out_dir: str | os.PathLike, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve a built site until interrupted (Ctrl-C)."""
    import sys

    server = make_server(out_dir, host, port)
    h, p = server.server_address[:2]
    sys.stderr.write(f"serving {out_dir} at http://{h}:{p}/ (Ctrl-C stops)\n")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
