"""Pictures that compare systems: scores with CIs and tie groups, rank intervals, pairwise significance,
scores over submission date, ReXrank-reported against reproduced."""

from __future__ import annotations

from datetime import date

from markupsafe import escape

from .svg import Figure, LABEL_W, ROW, WIDTH, _Scale, _ci, _fit, _fmt, _marks, _n, _svg, _x_axis


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
