"""Pictures of detail: metric agreement heatmaps, subgroup forest plots (age bands in age order),
per-observation bars, per-study histograms with a count axis."""

from __future__ import annotations

import re

from markupsafe import escape

from .svg import Figure, LABEL_W, ROW, WIDTH, _Scale, _fit, _fmt, _marks, _n, _svg, _x_axis


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
