"""Progress on stderr, one bar per metric x track, advanced per chunk or batch, with rate and ETA.

* stderr is a terminal: a rich bar (description, bar, done/total, pairs/s, elapsed, time left), removed
  when the metric is done.
* stderr is piped (CI logs, `2> file`): nothing, unless asked (`--progress`, or REXBENCH_PROGRESS=1);
  then plain lines, at most one every few seconds per bar, and a last line with the total time.
* `--no-progress` (REXBENCH_PROGRESS=0) silences both.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

PROGRESS_ENV = "REXBENCH_PROGRESS"
LINE_EVERY_S = 5.0

_MODE: ContextVar[bool | None] = ContextVar("rexbench_progress", default=None)


@contextmanager
def progress_mode(enabled: bool | None) -> Iterator[None]:
    """Force progress on (True) or off (False) inside the block; None keeps the default (terminal only)."""
    token = _MODE.set(enabled)
    try:
        yield
    finally:
        _MODE.reset(token)


def wanted(enabled: bool | None = None) -> bool | None:
    """True/False when asked (argument, then --progress, then the environment); None = decide by terminal."""
    if enabled is not None:
        return enabled
    if _MODE.get() is not None:
        return _MODE.get()
    env = os.environ.get(PROGRESS_ENV, "").strip().lower()
    if env in ("1", "yes", "on", "true", "always"):
        return True
    if env in ("0", "no", "off", "false", "never"):
        return False
    return None


@contextmanager
def progress_bar(description: str, total: int, *, enabled: bool | None = None) -> Iterator[Callable[[int], None]]:
    """Yield an `advance(k)` callback for `total` items."""
    asked = wanted(enabled)
    tty = sys.stderr.isatty()
    if total <= 0 or asked is False or (asked is None and not tty):
        yield lambda k: None
        return
    if not tty:
        with _lines(description, total) as advance:
            yield advance
        return
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)

    rate = TextColumn("{task.fields[rate]}")
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), rate, TimeElapsedColumn(),
                  TimeRemainingColumn(), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total, rate="")
        start = time.monotonic()
        done = 0

        def advance(k: int) -> None:
            nonlocal done
            done += k
            bar.update(task, advance=k, rate=format_rate(done, time.monotonic() - start))

        yield advance


def format_rate(done: int, seconds: float) -> str:
    if seconds <= 0 or done <= 0:
        return ""
    per_s = done / seconds
    return f"{per_s:,.0f} pairs/s" if per_s >= 10 else f"{per_s:.2f} pairs/s"


def format_eta(done: int, total: int, seconds: float) -> str:
    if done <= 0 or seconds <= 0:
        return "ETA ?"
    left = (total - done) * seconds / done
    return f"ETA {left:,.0f} s" if left >= 10 else f"ETA {left:.1f} s"


@contextmanager
def _lines(description: str, total: int, *, every: float = LINE_EVERY_S,
           clock: Callable[[], float] = time.monotonic, write: Callable[[str], None] | None = None
           ) -> Iterator[Callable[[int], None]]:
    """Plain progress lines for logs: `desc: done/total (pct), rate, ETA`, then `desc: total done in T s`."""
    emit = write or (lambda line: print(line, file=sys.stderr, flush=True))
    start = clock()
    last = start
    done = 0

    def advance(k: int) -> None:
        nonlocal done, last
        done += k
        now = clock()
        if now - last >= every and done < total:
            last = now
            elapsed = now - start
            emit(f"{description}: {done:,}/{total:,} ({100 * done / total:.0f} %), "
                 f"{format_rate(done, elapsed)}, {format_eta(done, total, elapsed)}")

    yield advance
    emit(f"{description}: {done:,}/{total:,} in {clock() - start:.1f} s")


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
