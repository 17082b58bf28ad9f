"""Error types. Every user-facing failure is a RexbenchError whose message is one clear line."""

from __future__ import annotations


class RexbenchError(Exception):
    """An error the CLI reports as `error: <message>` with exit code 1."""


class InputError(RexbenchError):
    """A bad input file (references, predictions, submission metadata)."""

    def __init__(self, problems: list[str] | str, *, limit: int = 20):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        shown = self.problems[:limit]
        more = len(self.problems) - len(shown)
        text = "\n".join(shown)
        if more > 0:
            text += f"\n... and {more} more problem(s)"
        super().__init__(text)


class MetricNotReady(RexbenchError):
    """A metric cannot run here (missing package or weights); the message says what to put where."""


class MetricError(RexbenchError):
    """A metric produced an invalid result (NaN, wrong length). Never averaged away."""


class UnknownMetric(RexbenchError):
    """A metric name or parameter that the registry does not know."""
