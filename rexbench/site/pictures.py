"""View-model additions of the leaderboard site: reference rows in place, tie-group labels, and the
pictures of each track, metric section and submission (built by plots_ranking and plots_details).

Everything here reads the view dicts that rexbench.site builds from leaderboard.json; nothing
computes a statistic (ranks, tests and correlations come from leaderboard.json)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import plots_details, plots_ranking
from .svg import Figure

def group_label(group: int | None) -> str:
    """Tie group 1, 2, … as G1, G2, … (the same label in the table and in the pictures)."""
    return "" if group is None else f"G{group}"


def place_references(rows: list[dict], main: str | None, higher_is_better: bool) -> list[dict]:
    """Put reference rows (baselines, unranked) where their main-metric score falls among the ranked
    rows; the rest keep their order. Each reference row gets `sort_rank`: the rank before it plus 0.5,
    so sorting by rank keeps it in place. Renumbers `i` (the tie-break order of the sortable table)."""
    refs = [r for r in rows if r.get("reference")]
    others = [r for r in rows if not r.get("reference")]
    out = list(others)
    if main is not None:
        for ref in sorted(refs, key=lambda r: _score(r, main, higher_is_better)):
            key = _score(ref, main, higher_is_better)
            pos = next((k for k, r in enumerate(out) if not r.get("reference") and _score(r, main, higher_is_better) > key),
                       len(out))
            out.insert(pos, ref)
    else:
        out += refs
    prev = 0.0
    for i, r in enumerate(out):
        r["i"] = i
        if r.get("reference"):
            r["sort_rank"] = prev + 0.5
        elif r.get("rank") is not None:
            prev = float(r["rank"])
            r["sort_rank"] = r["rank"]
        else:
            r["sort_rank"] = None
    return out


def _score(row: dict, main: str, hib: bool) -> float:
    """Sort key on the main metric: better first; rows without the main metric last."""
    c = row["scores"].get(main)
    if c is None:
        return float("inf")
    return -c["value"] if hib else c["value"]


def _fig_path(fig: Figure | None, figures: list[Figure], shared: str = "") -> Figure | None:
    """Register a picture for writing: its numbers go to downloads/figures/<id>.csv, or, for the many
    small pictures of a submission page, into one downloads/figures/<shared>.json for the whole page
    (thousands of tiny files would dominate the build)."""
    if fig is not None:
        fig.csv = f"downloads/figures/{shared}.json" if shared else f"downloads/figures/{fig.id}.csv"
        figures.append(fig)
    return fig


def track_figures(split: Mapping, tv: dict, raw: Mapping, metrics: Mapping[str, dict],
                  figures: list[Figure]) -> dict[str, Any]:
    """The pictures of one split/track card. Returns {name: Figure | None | list[Figure]}."""
    where = f"{split['name']}, {tv['display']}"
    dom = tv["dom"]
    out: dict[str, Any] = {"ci": None, "ranks": None, "pairwise": None, "tau": None, "rho": None, "time": None,
                           "reported": []}
    main = tv["main"]
    mv = metrics.get(main) if main else None
    if mv:
        listed = [r for r in tv["rows"] if r["rank"] is not None or r.get("reference")]
        items = [{"label": r["sub"]["name"], "value": c["value"], "ci": c["ci"], "group": r["tie_group"],
                  "reference": bool(r.get("reference"))}
                 for r in listed if (c := r["scores"].get(main))]
        out["ci"] = _fig_path(plots_ranking.dot_whisker(f"ci-{dom}", f"{where}: {mv['display']} by system, with 95% CIs",
                                                items, higher_is_better=mv["hib"], metric=mv["display"]), figures)
        ranked = [{"label": r["sub"]["name"], "rank": r["rank"], "low": (r["rank_interval"] or [None, None])[0],
                   "high": (r["rank_interval"] or [None, None])[1]} for r in tv["rows"] if r["rank"] is not None]
        out["ranks"] = _fig_path(plots_ranking.rank_intervals(f"ri-{dom}", f"{where}: 95% rank intervals", ranked), figures)
        pw = raw.get("pairwise")
        if isinstance(pw, dict) and pw.get("systems"):
            names = {r["sub"]["id"]: r["sub"]["name"] for r in tv["rows"]}
            systems = [(s, names.get(s, s)) for s in pw["systems"]]
            out["pairwise"] = _fig_path(plots_ranking.pairwise_matrix(
                f"pw-{dom}", f"{where}: pairwise significance on {mv['display']}", systems, pw.get("pairs") or [],
                metric=mv["display"], n_ranked=int(pw.get("n_ranked") or len(systems))), figures)
        dated = [{"label": r["sub"]["name"], "date": r["sub"]["date"], "value": c["value"], "ci": c["ci"],
                  "reference": bool(r.get("reference"))} for r in tv["rows"] if (c := r["scores"].get(main))]
        out["time"] = _fig_path(plots_ranking.timeline(f"time-{dom}", f"{where}: {mv['display']} by submission date", dated,
                                               metric=mv["display"], higher_is_better=mv["hib"]), figures)
    ag = raw.get("agreement")
    if isinstance(ag, dict) and ag.get("metrics"):
        labels = [metrics[m]["display"] if m in metrics else m for m in ag["metrics"]]
        out["tau"] = _fig_path(plots_details.heatmap(
            f"tau-{dom}", f"{where}: do the metrics rank systems alike? (Kendall's tau over systems)", labels,
            ag.get("kendall_tau") or [], what="Kendall's tau-b over systems", counts=ag.get("kendall_systems")),
            figures)
        out["rho"] = _fig_path(plots_details.heatmap(
            f"rho-{dom}", f"{where}: do the metrics agree per study? (Spearman's rho over studies)", labels,
            ag.get("spearman_studies") or [], what="Spearman's rho over studies, averaged over systems"), figures)
    out["reported"] = [f for f in (_fig_path(fig, figures) for fig in _reported_figures(where, dom, tv, metrics))
                       if f is not None]
    return out


def _norm(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def _reported_figures(where: str, dom: str, tv: dict, metrics: Mapping[str, dict]) -> list[Figure | None]:
    """ReXrank's published number against ours, for systems on both lists (matched by model name)."""
    ours = {_norm(r["sub"]["name"]): r for r in tv["rows"]}
    pairs = [(rep, ours[_norm(rep["name"])]) for rep in tv.get("reported") or [] if _norm(rep["name"]) in ours]
    out = []
    for k, m in enumerate(tv.get("reported_columns") or []):
        items = []
        for rep, row in pairs:
            cell, ours_cell = rep["cells"][k], row["scores"].get(m["id"])
            if cell and ours_cell:
                items.append({"label": row["sub"]["name"], "reported": cell["value"], "value": ours_cell["value"],
                              "ci": ours_cell["ci"]})
        if items:
            name = metrics[m["id"]]["display"] if m["id"] in metrics else m["id"]
            out.append(plots_ranking.dumbbell(f"rr-{dom}-{m['id']}", f"{where}: {name}, reported by ReXrank and reproduced",
                                      items, metric=name))
    return out


def metric_figure(split: Mapping, tv: dict, mv: dict, rows: list[dict], figures: list[Figure]) -> Figure | None:
    """One metric's dot-and-whisker picture on its metric page (ordered by that metric); tie groups are
    labelled only where the metric is the track's main metric (they are defined on it)."""
    is_main = tv["main"] == mv["id"]
    items = [{"label": r["sub"]["name"], "value": r["cell"]["value"], "ci": r["cell"]["ci"],
              "group": r["tie_group"] if is_main else None, "reference": bool(r.get("reference"))} for r in rows]
    return _fig_path(plots_ranking.dot_whisker(f"m-{mv['id']}-{tv['dom']}",
                                       f"{split['name']}, {tv['display']}: {mv['display']} by system, with 95% CIs",
                                       items, higher_is_better=mv["hib"], metric=mv["display"]), figures)


def submission_figures(sid: str, split: Mapping, tv: dict, main_view: dict | None, row: dict, subgroups: dict,
                       observations: list[dict], dists: list[tuple[dict, dict]], figures: list[Figure]) -> dict[str, Any]:
    """Forest plots per subgroup field (age bands in age order), F1 bars per observation for each labeler
    metric (observations: [{"id", "name", "rows"}]; sets each entry's "figure"), histograms."""
    stem = f"s-{sid}-{tv['dom']}"
    where = f"{split['name']}, {tv['display']}"
    overall = (row["scores"].get(main_view["id"]) or {}).get("value") if main_view else None
    metric = main_view["display"] if main_view else "main metric"
    forests = []
    for k, (field_name, groups) in enumerate(subgroups.items()):
        items = [{"group": g["group"], "n": g["n"], "value": (g["cell"] or {}).get("value"),
                  "ci": (g["cell"] or {}).get("ci"), "too_small": g["too_small"]} for g in groups]
        forests.append(_fig_path(plots_details.forest(f"{stem}-sg{k}", f"{where}: {metric} by {field_name}", items,
                                              field_name=field_name, overall=overall, metric=metric), figures, f"s-{sid}"))
    for ob in observations:
        ob["figure"] = _fig_path(plots_details.bars(
            f"{stem}-obs-{ob['id']}", f"{where}: {ob['name']} per observation",
            [{"label": o["name"], "value": o["f1"], "support": o["support"]} for o in ob["rows"]
             if isinstance(o.get("f1"), (int, float))], what=ob["name"]), figures, f"s-{sid}")
    hists = [_fig_path(plots_details.histogram(f"{stem}-h-{m['id']}", f"{where}: per-study {m['display']}",
                                       d["edges"], d["counts"], metric=m["display"]), figures, f"s-{sid}") for m, d in dists]
    return {"forests": [f for f in forests if f], "hists": [h for h in hists if h]}
