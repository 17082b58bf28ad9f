"""The leaderboard's pictures: hand-written inline SVG, built in Python, no dependencies.

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

Public API: the `Figure` dataclass and one builder per picture (`dot_whisker`, `rank_intervals`,
`pairwise_matrix`, `heatmap`, `forest`, `bars`, `timeline`, `dumbbell`, `histogram`), plus
`nice_ticks` and `age_order`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
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


# ---- scales ---------------------------------------------------------------------------------------

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


# ---- dot and whisker: every system with its CI ---------------------------------------------------

def dot_whisker(fig_id: str, title: str, items: list[dict], *, higher_is_better: bool, metric: str,
                reference: float | None = None) -> Figure | None:
    """Systems (rows, in the given order) with value and 95% CI; a tie-group label column on the right.

    items: {"label", "value", "ci" ([lo, hi] | None), "group" (int | None), "reference" (bool)}."""
    pts = [it for it in items if it.get("value") is not None]
    if not pts:
        return None
    lows = [it["ci"][0] if it.get("ci") else it["value"] for it in pts]
    highs = [it["ci"][1] if it.get("ci") else it["value"] for it in pts]
    has_groups = any(it.get("group") is not None for it in pts)
    right = WIDTH - (44 if has_groups else 12)
    sc = _Scale(min(lows + ([reference] if reference is not None else [])),
                max(highs + ([reference] if reference is not None else [])), LABEL_W + 8, right)
    top, body = 6, []
    axis_y = top + len(pts) * ROW + 4
    body += _x_axis(sc, top, axis_y)
    if reference is not None:
        body.append(f'<path class="refline" d="M{_n(sc(reference))} {top}V{_n(axis_y)}"/>')
    whisk: dict[str, list[str]] = {"g0": [], "g1": [], "gn": [], "ref": []}
    dots: dict[str, list[str]] = {"g0": [], "g1": [], "gn": [], "ref": []}
    labels, tags, brackets = [], [], []
    prev = None
    for i, (it, lo, hi) in enumerate(zip(pts, lows, highs)):
        y = top + i * ROW + ROW / 2
        cls = "ref" if it.get("reference") else ("gn" if it.get("group") is None else f"g{it['group'] % 2}")
        whisk[cls].append(f"M{_n(sc(lo))} {_n(y)}H{_n(sc(hi))}")
        dots[cls].append(f"M{_n(sc(it['value']))} {_n(y)}h0")
        name = _fit(it["label"] + (" (baseline)" if it.get("reference") else ""), LABEL_W - 4)
        labels.append(f'<text x="{LABEL_W}" y="{_n(y + 4)}">{escape(name)}</text>')
        g = None if it.get("reference") else it.get("group")
        if has_groups and it.get("reference"):
            tags.append(f'<text x="{WIDTH - 6}" y="{_n(y + 4)}">ref</text>')
        elif has_groups and g is not None and g != prev:          # a group's label on its first row,
            tags.append(f'<text x="{WIDTH - 6}" y="{_n(y + 4)}">G{g}</text>')
            n_rows = next((k for k, o in enumerate(pts[i:]) if o.get("group") != g and not o.get("reference")),
                          len(pts) - i)                            # and a bracket over its rows
            brackets.append(f"M{WIDTH - 36} {_n(y - 5)}V{_n(y + (n_rows - 1) * ROW + 5)}")
        if g is not None:
            prev = g
    body += _marks(whisk, "w") + _marks(dots, "d") + [f'<g class="lb">{"".join(labels)}</g>']
    if tags:
        body += [f'<path class="br" d="{"".join(brackets)}"/>', f'<g class="gl">{"".join(tags)}</g>']
    best = pts[0]
    n_groups = len({it["group"] for it in pts if it.get("group") is not None})
    desc = (f"{len(pts)} systems by {metric} ({'higher' if higher_is_better else 'lower'} is better), with 95% "
            f"confidence intervals. First listed: {best['label']} {_fmt(best['value'])}"
            f"{' ' + _ci(best.get('ci')) if best.get('ci') else ''}; last: {pts[-1]['label']} {_fmt(pts[-1]['value'])}."
            + (f" {n_groups} tie groups (G1 = systems the data cannot separate from the best)." if n_groups else ""))
    rows = [[it["label"], it["value"], *(it.get("ci") or [None, None]),
             "" if it.get("group") is None else it["group"], "yes" if it.get("reference") else ""] for it in pts]
    return Figure(fig_id, title, desc, _svg(fig_id, title, desc, axis_y + 20, body), 
                  ["system", "value", "ci_low", "ci_high", "tie_group", "reference_baseline"], rows,
                  note="Dots: scores; whiskers: 95% bootstrap CIs; G1, G2, …: tie groups (systems within a group "
                       "are not significantly different from its best); grey: reference baselines (not ranked).")


def _ci(ci: Any) -> str:
    return f"[{_fmt(ci[0])}, {_fmt(ci[1])}]" if ci else ""


# ---- rank intervals -------------------------------------------------------------------------------

def rank_intervals(fig_id: str, title: str, items: list[dict]) -> Figure | None:
    """items in rank order: {"label", "rank", "low", "high"} (95% rank interval from the bootstrap)."""
    pts = [it for it in items if it.get("rank") is not None]
    if not pts:
        return None
    n = max(max(it["high"] or it["rank"] for it in pts), 2)
    sc = _Scale(1, n, LABEL_W + 8, WIDTH - 12, target=min(n - 1, 8))
    top = 6
    axis_y = top + len(pts) * ROW + 4
    body = _x_axis(sc, top, axis_y)
    whisk, dots, labels = [], [], []
    for i, it in enumerate(pts):
        y = top + i * ROW + ROW / 2
        lo, hi = it.get("low") or it["rank"], it.get("high") or it["rank"]
        whisk.append(f"M{_n(sc(lo))} {_n(y)}H{_n(sc(hi))}")
        dots.append(f"M{_n(sc(it['rank']))} {_n(y)}h0")
        labels.append(f'<text x="{LABEL_W}" y="{_n(y + 4)}">{escape(_fit(it["label"], LABEL_W - 4))}</text>')
    body += _marks({"g0": whisk}, "w") + _marks({"g0": dots}, "d") + [f'<g class="lb">{"".join(labels)}</g>']
    body.append(f'<text class="tk" x="{_n((sc.a + sc.b) / 2)}" y="{axis_y + 27}">rank (1 = best)</text>')
    wide = [it for it in pts if (it.get("high") or 0) - (it.get("low") or 0) > 0]
    desc = (f"95% rank intervals of {len(pts)} ranked systems: the ranks each system takes in 95% of bootstrap "
            f"resamples. {len(pts) - len(wide)} systems have a certain rank; "
            f"the widest interval is {max(((it['high'] or 0) - (it['low'] or 0) for it in pts), default=0) + 1} ranks.")
    rows = [[it["label"], it["rank"], it.get("low"), it.get("high")] for it in pts]
    return Figure(fig_id, title, desc, _svg(fig_id, title, desc, axis_y + 34, body),
                  ["system", "rank", "rank_interval_low", "rank_interval_high"], rows,
                  note="Dots: rank; bars: 95% rank interval (the ranks a system takes in 95% of bootstrap resamples).")


# ---- pairwise significance ------------------------------------------------------------------------

def pairwise_matrix(fig_id: str, title: str, systems: list[tuple[str, str]], pairs: list[dict], *,
                    alpha: float = 0.05, metric: str, n_ranked: int) -> Figure | None:
    """Row system vs column system: + row significantly better, − significantly worse, · not
    significant (Holm-corrected paired bootstrap). systems: [(id, label)] in rank order."""
    k = len(systems)
    if k < 2:
        return None
    by = {}
    for p in pairs:
        by[(p["a"], p["b"])] = p
        by[(p["b"], p["a"])] = p
    cell = min(24.0, (WIDTH - LABEL_W - 12) / k)
    x0, top = LABEL_W + 8, 18
    # not significant is the background; significant cells are runs of one wide stroke per row; white
    # grid lines separate the cells; a glyph per cell (one <text> per row with a position per glyph)
    runs: dict[str, list[str]] = {"better": [], "worse": []}
    glyph_rows, labels, heads = [], [], []
    sig_count = 0
    for i, (sid, name) in enumerate(systems):
        y = top + i * cell
        labels.append(f'<text x="{LABEL_W}" y="{_n(y + cell / 2 + 4)}">{i + 1}. {escape(_fit(name, LABEL_W - 24))}</text>')
        heads.append(f'<text class="tk" x="{_n(x0 + i * cell + cell / 2)}" y="12">{i + 1}</text>')
        xs, glyphs, run = [], [], None
        for j, (oid, _) in enumerate(systems):
            p = by.get((sid, oid)) if i != j else None
            kind = None
            if p is not None:
                sig = p["p_holm"] < alpha
                kind = "ns" if not sig else ("better" if p.get("better") == sid else "worse")
                sig_count += sig and i < j
                xs.append(_n(x0 + j * cell + cell / 2))
                glyphs.append({"better": "+", "worse": "−", "ns": "·"}[kind])
            if run and run[0] == kind:
                run[2] += 1
            else:
                if run and run[0] in runs:
                    runs[run[0]].append(f"M{_n(x0 + run[1] * cell)} {_n(y + cell / 2)}h{_n(run[2] * cell)}")
                run = [kind, j, 1]
        if run and run[0] in runs:
            runs[run[0]].append(f"M{_n(x0 + run[1] * cell)} {_n(y + cell / 2)}h{_n(run[2] * cell)}")
        if xs:
            glyph_rows.append(f'<text x="{" ".join(xs)}" y="{_n(y + cell / 2 + 4)}">{"".join(glyphs)}</text>')
    side = k * cell
    diag = "".join(f"M{_n(x0 + i * cell)} {_n(top + i * cell + cell / 2)}h{_n(cell)}" for i in range(k))
    grid = "".join(f"M{_n(x0 + i * cell)} {top}v{_n(side)}M{x0} {_n(top + i * cell)}h{_n(side)}" for i in range(k + 1))
    body = heads + [f'<rect class="pw ns" x="{x0}" y="{top}" width="{_n(side)}" height="{_n(side)}"/>']
    body += [f'<path class="pw {c}" stroke-width="{_n(cell)}" d="{"".join(d)}"/>' for c, d in runs.items() if d]
    body += [f'<path class="pw dg" stroke-width="{_n(cell)}" d="{diag}"/>', f'<path class="pwg" d="{grid}"/>',
             f'<g class="gy">{"".join(glyph_rows)}</g>', f'<g class="lb">{"".join(labels)}</g>']
    n_pairs = k * (k - 1) // 2
    desc = (f"Paired bootstrap tests on {metric} between the {k} best of {n_ranked} ranked systems: "
            f"{sig_count} of {n_pairs} pairs differ significantly after Holm correction (alpha {alpha}).")
    names = dict(systems)
    rows = [[names.get(p["a"], p["a"]), names.get(p["b"], p["b"]), p["diff"], p["p_value"], p["p_holm"],
             names.get(p.get("better"), "") if p.get("better") else "", "yes" if p["p_holm"] < alpha else "no"]
            for p in pairs]
    return Figure(fig_id, title, desc, _svg(fig_id, title, desc, top + k * cell + 6, body),
                  ["a", "b", "diff_a_minus_b", "p_value", "p_holm", "better", "significant"], rows,
                  note=f"Row vs column: + row significantly better, − significantly worse, · not significant "
                       f"(Holm-corrected p < {alpha}); columns are numbered like the rows.")


# ---- heatmap (metric agreement) -------------------------------------------------------------------

def _diverging(v: float | None) -> str:
    """-1 (orange) .. 0 (white) .. 1 (blue); grey when undefined."""
    if v is None:
        return "#e5e7eb"
    t = max(-1.0, min(1.0, v))
    end = (37, 99, 235) if t >= 0 else (217, 119, 6)
    a = abs(t)
    return "#" + "".join(f"{round(255 + (c - 255) * a):02x}" for c in end)


def heatmap(fig_id: str, title: str, labels: list[str], matrix: list[list[float | None]], *, what: str,
            counts: list[list[int]] | None = None) -> Figure | None:
    m = len(labels)
    if m < 2:
        return None
    cell = min(40.0, (WIDTH - LABEL_W - 12) / m)
    x0, top = LABEL_W + 8, 60
    body = []
    for j, lab in enumerate(labels):
        x = x0 + j * cell + cell / 2
        body.append(f'<text class="tk rot" transform="translate({_n(x + 3)} {top - 4}) rotate(-45)">'
                    f'{escape(_fit(lab, 70))}</text>')
    for i, lab in enumerate(labels):
        y = top + i * cell
        body.append(f'<text class="lb" x="{LABEL_W}" y="{_n(y + cell / 2 + 4)}">{escape(_fit(lab, LABEL_W - 4))}</text>')
        for j in range(m):
            v = matrix[i][j]
            x = x0 + j * cell
            body.append(f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(cell - 1)}" height="{_n(cell - 1)}" '
                        f'fill="{_diverging(v)}"/>')
            if i != j:
                dark = v is not None and abs(v) > 0.6
                body.append(f'<text class="cv{" dk" if dark else ""}" x="{_n(x + cell / 2)}" '
                            f'y="{_n(y + cell / 2 + 4)}">{"–" if v is None else _fmt(v, 2)}</text>')
    pairs = [(labels[i], labels[j], matrix[i][j]) for i in range(m) for j in range(i + 1, m)
             if matrix[i][j] is not None]
    if pairs:
        lo = min(pairs, key=lambda p: p[2])
        hi = max(pairs, key=lambda p: p[2])
        desc = (f"{what} between {m} metrics. Strongest agreement: {hi[0]} and {hi[1]} ({_fmt(hi[2], 2)}); "
                f"weakest: {lo[0]} and {lo[1]} ({_fmt(lo[2], 2)}).")
    else:
        desc = f"{what} between {m} metrics: not enough systems or studies to compute it."
    rows = [[labels[i], labels[j], matrix[i][j]] + ([counts[i][j]] if counts else [])
            for i in range(m) for j in range(m) if i < j]
    return Figure(fig_id, title, desc, _svg(fig_id, title, desc, top + m * cell + 6, body),
                  ["metric_a", "metric_b", "value"] + (["n_systems"] if counts else []), rows,
                  note="Blue: the metrics agree (1 = same order); orange: they disagree; every metric is oriented "
                       "so that higher is better.")


# ---- subgroups ------------------------------------------------------------------------------------

_AGE = re.compile(r"^\s*(<|>|≥)?\s*(\d+)")


def age_order(label: str) -> tuple:
    """Sort key putting age bands in age order ("<18" before "18-39" ... before "80+"); others after."""
    m = _AGE.match(label)
    if not m:
        return (1, 0.0, label)
    v = float(m.group(2))
    return (0, v - 0.5 if m.group(1) == "<" else v, label)


def forest(fig_id: str, title: str, groups: list[dict], *, field_name: str, overall: float | None,
           metric: str) -> Figure | None:
    """groups: {"group", "n", "value", "ci" | None, "too_small"}; a dashed line at the overall score."""
    pts = [g for g in groups if g.get("value") is not None]
    if not pts:
        return None
    vals = [v for g in pts for v in ([g["value"]] + list(g.get("ci") or []))]
    if overall is not None:
        vals.append(overall)
    sc = _Scale(min(vals), max(vals), LABEL_W + 8, WIDTH - 12)
    top = 6
    axis_y = top + len(pts) * ROW + 4
    body = _x_axis(sc, top, axis_y)
    if overall is not None:
        body.append(f'<path class="refline" d="M{_n(sc(overall))} {top}V{_n(axis_y)}"/>')
    whisk: dict[str, list[str]] = {"g0": []}
    dots: dict[str, list[str]] = {"g0": [], "ref": []}
    for i, g in enumerate(pts):
        y = top + i * ROW + ROW / 2
        if g.get("ci") and not g.get("too_small"):
            whisk["g0"].append(f"M{_n(sc(g['ci'][0]))} {_n(y)}H{_n(sc(g['ci'][1]))}")
        dots["ref" if g.get("too_small") else "g0"].append(f"M{_n(sc(g['value']))} {_n(y)}h0")
        lab = f"{g['group']} (n={g['n']})" + (" too few" if g.get("too_small") else "")
        body.append(f'<text class="lb" x="{LABEL_W}" y="{_n(y + 4)}">{escape(_fit(lab, LABEL_W - 4))}</text>')
    body += _marks(whisk, "w") + _marks(dots, "d")
    parts = [f"{g['group']} {_fmt(g['value'])} (n={g['n']})" for g in pts]
    desc = (f"{metric} by {field_name}: " + "; ".join(parts)
            + (f". Overall: {_fmt(overall)}." if overall is not None else "."))
    rows = [[g["group"], g["n"], g["value"], *(g.get("ci") or [None, None]), "yes" if g.get("too_small") else ""]
            for g in pts]
    return Figure(fig_id, title, desc, _svg(fig_id, title, desc, axis_y + 20, body),
                  [field_name, "n", "value", "ci_low", "ci_high", "too_small"], rows,
                  note="Dots: score per subgroup; whiskers: 95% CIs; grey: too few studies for a CI; "
                       "dashed line: the score on all studies.")


# ---- bars (per-observation F1) --------------------------------------------------------------------

def bars(fig_id: str, title: str, items: list[dict], *, what: str) -> Figure | None:
    """items: {"label", "value" (0..1), "support"}; horizontal bars on a 0..1 axis."""
    pts = [it for it in items if it.get("value") is not None]
    if not pts:
        return None
    sc = _Scale(0.0, 1.0, LABEL_W + 8, WIDTH - 12)
    top = 6
    axis_y = top + len(pts) * ROW + 4
    body = _x_axis(sc, top, axis_y)
    d = []
    for i, it in enumerate(pts):
        y = top + i * ROW + 3
        w = max(sc(it["value"]) - sc.a, 0.5)
        d.append(f"M{_n(sc.a)} {_n(y)}h{_n(w)}v{ROW - 6}h-{_n(w)}z")
        lab = f"{it['label']} (n={it['support']})" if it.get("support") is not None else it["label"]
        body.append(f'<text class="lb" x="{LABEL_W}" y="{_n(y + ROW / 2 + 1)}">{escape(_fit(lab, LABEL_W - 4))}</text>')
    body.insert(2, f'<path class="bar" d="{"".join(d)}"/>')
    top3 = sorted(pts, key=lambda it: -it["value"])[:3]
    desc = (f"{what} for {len(pts)} observations; highest: "
            + ", ".join(f"{it['label']} {_fmt(it['value'])}" for it in top3) + ".")
    rows = [[it["label"], it["value"], it.get("support")] for it in pts]
    return Figure(fig_id, title, desc, _svg(fig_id, title, desc, axis_y + 20, body),
                  ["observation", "value", "support"], rows, note="n: studies with the observation in the reference.")


# ---- main metric over submission date -------------------------------------------------------------

def _day(s: str) -> date | None:
    try:
        return date.fromisoformat(str(s)[:10])
    except ValueError:
        return None


def timeline(fig_id: str, title: str, items: list[dict], *, metric: str, higher_is_better: bool) -> Figure | None:
    """items: {"label", "date" (YYYY-MM-DD), "value", "ci", "reference"}; x = submission date."""
    pts = [(it, _day(it.get("date") or "")) for it in items if it.get("value") is not None]
    pts = [(it, d) for it, d in pts if d is not None]
    if not pts:
        return None
    days = [d.toordinal() for _, d in pts]
    first, last = min(d for _, d in pts), max(d for _, d in pts)
    x_lo, x_hi = date(first.year, 1, 1).toordinal(), date(last.year + 1, 1, 1).toordinal()
    vals = [v for it, _ in pts for v in ([it["value"]] + list(it.get("ci") or []))]
    h, left, bottom = 220.0, 52.0, 24.0
    ys = _Scale(min(vals), max(vals), h - bottom, 8)
    body = []
    grid = "".join(f"M{_n(left)} {_n(ys(t))}H{WIDTH - 12}" for t in ys.ticks)
    body.append(f'<path class="grid" d="{grid}"/>')
    body += [f'<text class="tk yl" x="{_n(left - 4)}" y="{_n(ys(t) + 4)}">{lab}</text>' for t, lab in zip(ys.ticks, ys.labels)]

    def x(o: float) -> float:
        return left + (o - x_lo) / (x_hi - x_lo) * (WIDTH - 12 - left)

    for year in range(first.year, last.year + 2):
        o = date(year, 1, 1).toordinal()
        body.append(f'<path class="grid" d="M{_n(x(o))} 8V{_n(h - bottom)}"/>')
        if year <= last.year:
            body.append(f'<text class="tk" x="{_n(x(o + 182))}" y="{_n(h - 8)}">{year}</text>')
    whisk: dict[str, list[str]] = {"g0": [], "ref": []}
    dots: dict[str, list[str]] = {"g0": [], "ref": []}
    for (it, _), o in zip(pts, days):
        cls = "ref" if it.get("reference") else "g0"
        if it.get("ci"):
            whisk[cls].append(f"M{_n(x(o))} {_n(ys(it['ci'][0]))}V{_n(ys(it['ci'][1]))}")
        dots[cls].append(f"M{_n(x(o))} {_n(ys(it['value']))}h0")
    body += _marks(whisk, "w") + _marks(dots, "d")
    best = (max if higher_is_better else min)(pts, key=lambda p: p[0]["value"])
    desc = (f"{metric} of {len(pts)} systems by submission date, {first.isoformat()} to {last.isoformat()}; "
            f"best: {best[0]['label']} {_fmt(best[0]['value'])} ({best[1].isoformat()}).")
    rows = [[it["label"], d.isoformat(), it["value"], *(it.get("ci") or [None, None]),
             "yes" if it.get("reference") else ""] for it, d in pts]
    return Figure(fig_id, title, desc, _svg(fig_id, title, desc, h, body),
                  ["system", "date", "value", "ci_low", "ci_high", "reference_baseline"], rows,
                  note=f"One dot per system at its submission date; whiskers: 95% CIs; grey: reference baselines; "
                       f"{'higher' if higher_is_better else 'lower'} is better.")


# ---- reported (ReXrank) against reproduced --------------------------------------------------------

def dumbbell(fig_id: str, title: str, items: list[dict], *, metric: str) -> Figure | None:
    """items: {"label", "reported", "value", "ci"}: ReXrank's published number (square) and ours (dot, CI)."""
    if not items:
        return None
    vals = [v for it in items for v in ([it["reported"], it["value"]] + list(it.get("ci") or []))]
    sc = _Scale(min(vals), max(vals), LABEL_W + 8, WIDTH - 12)
    top = 6
    axis_y = top + len(items) * ROW + 4
    body = _x_axis(sc, top, axis_y)
    links, whisk, dots, squares = [], [], [], []
    for i, it in enumerate(items):
        y = top + i * ROW + ROW / 2
        links.append(f"M{_n(sc(it['reported']))} {_n(y)}H{_n(sc(it['value']))}")
        if it.get("ci"):
            whisk.append(f"M{_n(sc(it['ci'][0]))} {_n(y)}H{_n(sc(it['ci'][1]))}")
        dots.append(f"M{_n(sc(it['value']))} {_n(y)}h0")
        squares.append(f"M{_n(sc(it['reported']) - 4)} {_n(y - 4)}h8v8h-8z")
        body.append(f'<text class="lb" x="{LABEL_W}" y="{_n(y + 4)}">{escape(_fit(it["label"], LABEL_W - 4))}</text>')
    body += [f'<path class="link" d="{"".join(links)}"/>', f'<path class="rep" d="{"".join(squares)}"/>']
    body += _marks({"g0": whisk}, "w") + _marks({"g0": dots}, "d")
    diffs = [it["value"] - it["reported"] for it in items]
    desc = (f"{metric} as ReXrank reports it and as rexbench reproduces it for {len(items)} systems; "
            f"reproduced minus reported ranges from {_fmt(min(diffs))} to {_fmt(max(diffs))}.")
    rows = [[it["label"], it["reported"], it["value"], *(it.get("ci") or [None, None])] for it in items]
    return Figure(fig_id, title, desc, _svg(fig_id, title, desc, axis_y + 20, body),
                  ["system", "reported", "reproduced", "ci_low", "ci_high"], rows,
                  note="Squares: ReXrank's published number; dots and whiskers: rexbench's score with its 95% CI.")


# ---- histogram ------------------------------------------------------------------------------------

def histogram(fig_id: str, title: str, edges: list[float], counts: list[int], *, metric: str) -> Figure | None:
    """Per-study score distribution, with a count (y) axis and round x ticks."""
    if not counts or len(edges) != len(counts) + 1:
        return None
    w, h, left, bottom, right = 300.0, 120.0, 34.0, 20.0, 8.0
    peak = max(counts) or 1
    ys = _Scale(0, peak, h - bottom, 6, target=3)
    xs = _Scale(edges[0], edges[-1], left, w - right, target=4)
    body = [f'<path class="grid" d="{"".join(f"M{_n(left)} {_n(ys(t))}H{_n(w - right)}" for t in ys.ticks)}"/>']
    body += [f'<text class="tk yl" x="{_n(left - 3)}" y="{_n(ys(t) + 4)}">{lab}</text>' for t, lab in zip(ys.ticks, ys.labels)]
    d = []
    for i, c in enumerate(counts):
        xa, xb = xs(edges[i]), xs(edges[i + 1])
        if c:
            d.append(f"M{_n(xa + 0.5)} {_n(ys(0))}V{_n(ys(c))}H{_n(xb - 0.5)}V{_n(ys(0))}z")
    body.append(f'<path class="bar" d="{"".join(d)}"/>')
    body.append(f'<path class="axis" d="M{_n(left)} {_n(ys(0))}H{_n(w - right)}M{_n(left)} 6V{_n(ys(0))}"/>')
    body += [f'<text class="tk" x="{_n(xs(t))}" y="{_n(h - 6)}">{lab}</text>' for t, lab in zip(xs.ticks, xs.labels)]
    mode = max(range(len(counts)), key=lambda i: counts[i])
    desc = (f"Distribution of per-study {metric} over {sum(counts)} studies, {_fmt(edges[0])} to {_fmt(edges[-1])}; "
            f"the most common range is {_fmt(edges[mode])} to {_fmt(edges[mode + 1])} ({counts[mode]} studies).")
    rows = [[edges[i], edges[i + 1], c] for i, c in enumerate(counts)]
    return Figure(fig_id, title, desc, _svg(fig_id, title, desc, h, body, width=w), ["bin_low", "bin_high", "studies"], rows,
                  note="y: number of studies per bin.")
