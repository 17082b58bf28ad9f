"""Progress bars on stderr (rich, which typer already depends on); silent when stderr is not a TTY."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from collections.abc import Callable, Iterator


@contextmanager
def progress_bar(description: str, total: int, *, enabled: bool | None = None) -> Iterator[Callable[[int], None]]:
    """Yield an `advance(k)` callback. Disabled (no-op) unless stderr is a terminal, or forced."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled or total <= 0:
        yield lambda k: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda k: bar.advance(task, k)


def pair_progress(progress: Callable[[int], None] | None) -> Callable[[int], None] | None:
    """Progress over pairs for a model pass over 2n texts (references then predictions)."""
    if progress is None:
        return None
    state = {"texts": 0, "reported": 0}

    def advance(k: int) -> None:
        state["texts"] += k
        pairs = state["texts"] // 2
        if pairs > state["reported"]:
            progress(pairs - state["reported"])
            state["reported"] = pairs
    return advance
