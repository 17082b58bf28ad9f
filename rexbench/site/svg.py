"""SVG primitives of the leaderboard's pictures: hand-written inline SVG, built in Python, no dependencies.

Why hand-written SVG (not Vega-Lite or matplotlib): the pictures are simple marks (dots, whiskers,
cells, bars) that need a few bytes each; inline SVG adds no script, no request and no runtime (the
pages keep their Content-Security-Policy of `script-src 'self'`), renders in every browser and without
JavaScript, is built in microseconds per figure, and is accessible: every figure is an `<svg
role="img">` with a `<title>` and a `<desc>` that states its numbers in words, and the numbers behind
it are a CSV download (`Figure.csv`). A Vega bundle would add ~800 KB of script and a runtime
renderer; matplotlib would add ~40 ms and ~30 KB of path data per figure.

Marks that repeat (one per system) are merged into one `<path>` per style, so a 100-system figure
stays under ~10 KB. Colours come from site.css classes; per-cell colours of the heatmaps are SVG
presentation attributes (the CSP forbids inline style). Every label is escaped here.

This module: the `Figure` dataclass, round axis ticks (`nice_ticks`), scales and the shared marks;
the pictures are built in plots_ranking and plots_details.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape


WIDTH = 640
ROW = 16
LABEL_W = 184          # room for the row labels left of the plotting area
FONT_PX = 6.2          # average glyph width at 11 px, to truncate labels that would not fit
TABLE_MAX_ROWS = 25    # a figure with more rows links its CSV instead of printing an inline table


@dataclass
class Figure:
    """One picture: SVG markup plus its text alternative and the numbers behind it."""
    id: str                      # DOM id, also the CSV file's stem
    title: str                   # <title>: what the picture shows
    desc: str                    # <desc>: the picture's message in words (the text alternative)
    svg: Markup
    columns: list[str]           # the numbers behind the picture: header ...
    rows: list[list[Any]] = field(default_factory=list)   # ... and rows (CSV download, small inline table)
    note: str = ""               # how to read it (figcaption)
    csv: str = ""                # site-relative path of the CSV, set by the site when it writes it

    @property
    def inline_table(self) -> bool:
        return 0 < len(self.rows) <= TABLE_MAX_ROWS


def nice_ticks(lo: float, hi: float, target: int = 5) -> tuple[float, float, list[float], list[str]]:
    """Round axis ticks covering [lo, hi]: steps of 1, 2, 2.5 or 5 times a power of ten.

    Returns (axis low, axis high, ticks, labels); labels carry just the decimals the step needs."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        lo, hi = 0.0, 1.0
    if hi - lo < 1e-12:
        pad = abs(lo) * 0.05 or 0.5
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / max(target, 1)
    mag = 10 ** math.floor(math.log10(raw))
    mult = next(m for m in (1, 2, 2.5, 5, 10) if m * mag >= raw * (1 - 1e-9))
    step = mult * mag
    start = math.floor(lo / step + 1e-9) * step
    end = math.ceil(hi / step - 1e-9) * step
    decimals = max(0, -math.floor(math.log10(step) + 1e-9) + (1 if mult == 2.5 else 0))
    count = int(round((end - start) / step))
    ticks = [round(start + k * step, decimals + 6) for k in range(count + 1)]
    labels = [_zero(f"{t:.{decimals}f}") for t in ticks]
    return ticks[0], ticks[-1], ticks, labels


def _zero(s: str) -> str:
    return s[1:] if s.startswith("-") and float(s) == 0 else s


class _Scale:
    """Linear map of data values onto [a, b] pixels, with round ticks."""

    def __init__(self, lo: float, hi: float, a: float, b: float, target: int = 5):
        self.lo, self.hi, self.ticks, self.labels = nice_ticks(lo, hi, target)
        self.a, self.b = a, b

    def __call__(self, v: float) -> float:
        return self.a + (v - self.lo) / (self.hi - self.lo) * (self.b - self.a)


def _n(v: float) -> str:
    """A pixel coordinate, one decimal, no trailing zeros."""
    s = f"{v:.1f}"
    return s[:-2] if s.endswith(".0") else s


def _fmt(v: Any, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    return _zero(f"{float(v):.{digits}f}")


def _fit(label: str, width: float) -> str:
    n = max(4, int(width / FONT_PX))
    return label if len(label) <= n else label[: n - 1] + "…"


def _svg(fig_id: str, title: str, desc: str, height: float, body: list[str], width: float = WIDTH) -> Markup:
    head = (f'<svg class="pic" viewBox="0 0 {_n(width)} {_n(height)}" role="img" '
            f'aria-labelledby="{fig_id}-t {fig_id}-d">'
            f'<title id="{fig_id}-t">{escape(title)}</title><desc id="{fig_id}-d">{escape(desc)}</desc>')
    return Markup(head + "".join(body) + "</svg>")


def _x_axis(sc: _Scale, y_top: float, y_axis: float) -> list[str]:
    """Vertical grid lines and tick labels under the plotting area."""
    grid = "".join(f"M{_n(sc(t))} {_n(y_top)}V{_n(y_axis)}" for t in sc.ticks)
    out = [f'<path class="grid" d="{grid}"/>', f'<path class="axis" d="M{_n(sc.a)} {_n(y_axis)}H{_n(sc.b)}"/>']
    out += [f'<text class="tk" x="{_n(sc(t))}" y="{_n(y_axis + 13)}">{lab}</text>' for t, lab in zip(sc.ticks, sc.labels)]
    return out


def _marks(groups: dict[str, list[str]], kind: str) -> list[str]:
    """One <path> per style class: whiskers ('w') or dots ('d', zero-length round-capped strokes)."""
    return [f'<path class="{kind} {cls}" d="{"".join(parts)}"/>' for cls, parts in groups.items() if parts]


def _ci(ci: Any) -> str:
    return f"[{_fmt(ci[0])}, {_fmt(ci[1])}]" if ci else ""
