"""The view model: leaderboard.json turned into what the templates show (splits, tracks, rows, submission
sections, metric pages, the overview), with plain strings for everything a submitter controls."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from . import pictures, plots_details
from .contract import TRACK_NAMES
from .export import INVERSE_FOR_PARITY, REXRANK_COLUMNS
from .format import _finite, safe_url


def _track_order(lb: Mapping, present: Iterable[str]) -> list[str]:
    present = set(present)
    declared = [t["id"] if isinstance(t, dict) else t for t in lb.get("tracks") or []]
    order = [t for t in [*declared, *TRACK_NAMES] if t in present]
    order = list(dict.fromkeys(order))
    return order + sorted(present - set(order))


def _track_name(lb: Mapping, tid: str) -> str:
    for t in lb.get("tracks") or []:
        if isinstance(t, dict) and t.get("id") == tid and t.get("display"):
            return str(t["display"])
    return TRACK_NAMES.get(tid, tid)


def _metric_view(lb: Mapping, mid: str) -> dict:
    m = lb["metrics"][mid]
    hib = bool(m["higher_is_better"])
    return {
        "id": mid,
        "display": str(m.get("display") or mid),
        "long_name": str(m.get("long_name") or m.get("display") or mid),
        "description": str(m.get("description") or ""),
        "card_markdown": m.get("card_markdown") or "",
        "version": m.get("version"),
        "hib": hib,
        "arrow": "↑" if hib else "↓",
        "dir_text": "higher is better" if hib else "lower is better",
        "inverse": mid in INVERSE_FOR_PARITY,
    }


def _cell(score: Any) -> dict | None:
    if not isinstance(score, dict) or _finite(score.get("value")) is None:
        return None
    ci = score.get("ci")
    ci_ok = isinstance(ci, (list, tuple)) and len(ci) == 2 and all(_finite(x) is not None for x in ci)
    return {
        "value": float(score["value"]),
        "ci": [float(ci[0]), float(ci[1])] if ci_ok else None,
        "n": score.get("n"),
        "signature": str(score.get("signature") or ""),
    }


def _distribution(dist: Any) -> dict | None:
    """A per-study histogram from leaderboard.json ({edges, counts}), or None when malformed."""
    if not isinstance(dist, dict):
        return None
    edges, counts = dist.get("edges"), dist.get("counts")
    if (not isinstance(edges, list) or not isinstance(counts, list) or len(edges) != len(counts) + 1
            or not counts or any(_finite(e) is None for e in edges)):
        return None
    counts = [int(c) if isinstance(c, (int, float)) and not isinstance(c, bool) else 0 for c in counts]
    return {"edges": [float(e) for e in edges], "counts": counts}


def _reported_view(lb: Mapping, reported: list, metrics: Mapping[str, dict]) -> dict:
    """The track's ReXrank rows as published: columns in display order, each shown the way ReXrank shows
    it (a column whose every value is published as 1/x is headed `1/<name>`, with the direction
    flipped, and sorts on the published number)."""
    present = {m for r in reported for m in (r.get("scores") or {})}
    ids = [c for c in lb["columns"] if c in present] + sorted(present - set(lb["columns"]))
    cols = []
    for mid in ids:
        kinds = {r["scores"][mid].get("shown_as") for r in reported if mid in (r.get("scores") or {})}
        m = dict(metrics[mid])
        if kinds == {"1/x"}:
            hib = not m["hib"]
            m.update(display=f"1/{m['display']}", base_display=m["display"], hib=hib, arrow="↑" if hib else "↓",
                     dir_text="higher is better" if hib else "lower is better", shown_as="1/x")
        else:
            m["shown_as"] = "x" if kinds == {"x"} else "mixed"
        cols.append(m)
    rows = []
    for i, r in enumerate(reported):
        cells = []
        for m in cols:
            sc = (r.get("scores") or {}).get(m["id"])
            if not isinstance(sc, dict) or _finite(sc.get("shown")) is None:
                cells.append(None)
                continue
            cells.append({"shown": float(sc["shown"]), "value": float(sc["value"]), "shown_as": sc.get("shown_as"),
                          "sort": float(sc["value"] if m["shown_as"] == "mixed" else sc["shown"])})
        rows.append({"i": i, "pos": i + 1, "name": str(r.get("model_name") or ""), "url": safe_url(r.get("url")),
                     "institution": str(r.get("institution") or ""),
                     "year": "" if r.get("year") is None else str(r.get("year")), "cells": cells})
    src = next((r.get("source") for r in reported if isinstance(r.get("source"), dict)), None) or {}
    source = {"origin": str(src.get("origin") or "ReXrank"), "file": str(src.get("file") or ""),
              "sha256": str(src.get("sha256") or ""), "url": safe_url(src.get("url"))}
    return {"reported": rows, "reported_columns": cols, "reported_source": source,
            "reported_inverse": [m for m in cols if m["shown_as"] == "1/x"]}


def missing_rexrank_columns(present: Iterable[str]) -> list[dict]:
    """ReXrank's columns that a track's submissions were not scored with, each with the model weights it
    needs (a derived column: its inputs' models) and the commands that fetch them."""
    from .. import models, registry
    from ..metric import DerivedMetric

    present = set(present)
    out = []
    for mid, display in REXRANK_COLUMNS:
        if mid in present or mid not in registry.available():
            continue
        cls = registry.metric_class(mid)
        sources = ([registry.parse_spec(spec)[0] for spec in cls().input_specs()]
                   if issubclass(cls, DerivedMetric) else [mid])
        needed, fetch = [], []
        for name in sources:
            found = [m.name for m in models.metric_models(name) if m.name not in needed]
            if found:
                needed += found
                fetch.append(f"rexbench models fetch {name}")   # a metric's name fetches all it uses
        if needed:
            out.append({"id": mid, "display": display, "models": ", ".join(needed), "fetch": "; ".join(fetch)})
    return out


def _build_view(lb: Mapping) -> dict:
    figures: list = []
    metrics = {mid: _metric_view(lb, mid) for mid in lb["metrics"]}
    subs = lb["submissions"]
    sub_views: dict[str, dict] = {}
    for sid, s in subs.items():
        trained = s.get("trained_on") or []
        sub_views[sid] = {
            "id": sid,
            "name": str(s.get("model_name") or sid),
            "url": safe_url(s.get("url")),
            "url_raw": "" if s.get("url") is None else str(s.get("url")),
            "institution": str(s.get("institution") or ""),
            "date": str(s.get("date") or ""),
            "year": "" if s.get("year") is None else str(s.get("year")),
            "paper_url": safe_url(s.get("paper_url")),
            "paper_raw": "" if s.get("paper_url") is None else str(s.get("paper_url")),
            "code_url": safe_url(s.get("code_url")),
            "code_raw": "" if s.get("code_url") is None else str(s.get("code_url")),
            "description": str(s.get("description") or ""),
            "license": str(s.get("license") or ""),
            "trained_on": [str(t) for t in trained] if isinstance(trained, list) else [],
            "baseline": s.get("reference_baseline") is True,
            "sections": [],
        }

    splits = []
    for sp in lb["splits"]:
        track_ids = _track_order(lb, (sp.get("tracks") or {}).keys())
        tracks = []
        for tid in track_ids:
            tr = sp["tracks"][tid]
            rows_in = tr.get("rows") or []
            present = {m for r in rows_in for m in (r.get("scores") or {})}
            cols = [c for c in lb["columns"] if c in present] + sorted(present - set(lb["columns"]))
            main = tr.get("main_metric")
            rows = []
            for i, r in enumerate(rows_in):
                sv = sub_views[r["submission"]]
                tg = r.get("tie_group")
                ri = r.get("rank_interval")
                ri = [ri[0], ri[1]] if isinstance(ri, (list, tuple)) and len(ri) == 2 else None
                rows.append({
                    "i": i, "sub": sv, "label": sv["name"], "rank": r.get("rank"), "rank_interval": ri,
                    "tie_group": tg, "band": tg % 2 if isinstance(tg, int) else 2,
                    "group_label": pictures.group_label(tg), "reference": bool(r.get("reference")),
                    "trained": sp.get("dataset") in sv["trained_on"],
                    "cells": [_cell((r.get("scores") or {}).get(c)) for c in cols],
                    "scores": {c: _cell(v) for c, v in (r.get("scores") or {}).items()},
                    "reproduce": str(r.get("reproduce") or ""),
                })
            rows = pictures.place_references(rows, main, bool(metrics[main]["hib"]) if main else True)
            comparisons = [c for c in tr.get("comparisons") or [] if isinstance(c, dict)]
            tv = {
                "id": tid, "display": _track_name(lb, tid), "n": tr.get("n"), "main": main,
                "main_metric": metrics.get(main) if main else None,
                "columns": [metrics[c] for c in cols], "rows": rows, "comparisons": comparisons,
                "csv": f"downloads/{sp['id']}-{tid}.csv", "json": f"downloads/{sp['id']}-{tid}.json",
                "dom": f"{sp['id']}--{tid}".replace(".", "_"),
                "needs_weights": missing_rexrank_columns(present) if rows else [],
            }
            tv.update(_reported_view(lb, tr.get("reported") or [], metrics))
            tv["figures"] = pictures.track_figures(sp, tv, tr, metrics, figures)
            tracks.append(tv)
            by_id = {r["sub"]["id"]: r for r in rows}
            for row in rows:
                sid = row["sub"]["id"]
                res = (((subs[sid].get("results") or {}).get(sp["id"]) or {}).get(tid)) or {}
                comps = []
                for c in comparisons:
                    if sid not in (c.get("a"), c.get("b")):
                        continue
                    other = c.get("b") if c.get("a") == sid else c.get("a")
                    comps.append(dict(c, other=sub_views.get(other), other_rank=(by_id.get(other) or {}).get("rank"),
                                      a_view=sub_views.get(c.get("a")), b_view=sub_views.get(c.get("b")),
                                      metric_view=metrics.get(c.get("metric"))))
                subgroups = {}
                for field, groups in (res.get("subgroups") or {}).items():
                    if isinstance(groups, list):
                        subgroups[str(field)] = [
                            {"group": str(g.get("group")), "n": g.get("n"), "cell": _cell(g),
                             "too_small": bool(g.get("too_small"))}
                            for g in groups if isinstance(g, dict)]
                        if "age" in str(field).lower():     # "<18" before "18-39", not after "80+"
                            subgroups[str(field)].sort(key=lambda g: plots_details.age_order(g["group"]))
                by_metric = res.get("per_observation_by_metric")
                if not isinstance(by_metric, dict) or not by_metric:     # older files: one unnamed set
                    by_metric = {"chexpert_f1": res.get("per_observation")} if res.get("per_observation") else {}
                observations = []
                for mid, table in by_metric.items():
                    rows = [{"name": str(obs), **{k: v.get(k) for k in ("precision", "recall", "f1", "support")}}
                            for obs, v in (table or {}).items() if isinstance(v, dict)]
                    if rows:
                        name = metrics[mid]["display"] if mid in metrics else str(mid)
                        observations.append({"id": str(mid), "name": name, "rows": rows})
                dists = []
                for mid in [c for c in lb["columns"] if c in (res.get("distributions") or {})] + sorted(
                        set(res.get("distributions") or {}) - set(lb["columns"])):
                    d = _distribution(res["distributions"][mid])
                    if d and mid in metrics:
                        dists.append((metrics[mid], d))
                downloads = [{"key": str(k), "path": v} for k, v in (res.get("downloads") or {}).items()]
                sub_views[sid]["sections"].append({
                    "split": sp, "split_id": sp["id"], "track": tv, "row": row, "comparisons": comps,
                    "subgroups": subgroups, "observations": observations, "downloads": downloads,
                    "figs": pictures.submission_figures(sid, sp, tv, tv["main_metric"], row, subgroups,
                                                           observations, dists, figures),
                    "scores": [(metrics[c], row["scores"].get(c)) for c in cols if row["scores"].get(c)],
                })
        splits.append({
            "id": sp["id"], "name": str(sp.get("name") or sp["id"]), "dataset": str(sp.get("dataset") or ""),
            "split": str(sp.get("split") or ""), "sha256": str(sp.get("sha256") or ""),
            "n_studies": sp.get("n_studies"), "tracks": tracks, "dom": sp["id"].replace(".", "_"),
            "has_reference": any(r["reference"] for t in tracks for r in t["rows"]),
        })

    # overview: one table, a column per (split, track) with scored rows, a row per submission on any of
    # them. ReXrank's reported rows are left out: they have no rank (they stay on their split's card).
    ov_cols = [(s, t) for s in splits for t in s["tracks"] if t["rows"]]
    order: list[str] = []
    for _, t in ov_cols:
        order += [r["sub"]["id"] for r in t["rows"] if r["sub"]["id"] not in order]
    lookup = {(s["id"], t["id"]): {r["sub"]["id"]: r for r in t["rows"]} for s, t in ov_cols}
    ov_rows = []
    for i, sid in enumerate(order):
        cells = []
        for s, t in ov_cols:
            r = lookup[(s["id"], t["id"])].get(sid)
            cells.append(None if r is None else {
                "rank": r["rank"], "trained": r["trained"],
                "cell": r["scores"].get(t["main"]) if t["main"] else None})
        ov_rows.append({"i": i, "sub": sub_views[sid], "cells": cells})
    groups = [{"split": s, "span": sum(1 for t in s["tracks"] if t["rows"])}
              for s in splits if any(t["rows"] for t in s["tracks"])]
    reported_only = [(s, t) for s in splits for t in s["tracks"] if t["reported"] and not t["rows"]]
    overview = {"columns": ov_cols, "rows": ov_rows, "groups": groups,
                "has_reported": any(t["reported"] for s in splits for t in s["tracks"]),
                "reported_only": reported_only}

    # per-metric rankings
    metric_pages = []
    for mid, mv in metrics.items():
        sections = []
        for s in splits:
            for t in s["tracks"]:
                scored = [dict(r, cell=r["scores"][mid]) for r in t["rows"] if r["scores"].get(mid)]
                if not scored:
                    continue
                scored.sort(key=lambda r: (-r["cell"]["value"] if mv["hib"] else r["cell"]["value"], r["i"]))
                for k, r in enumerate(scored):          # competition ranking on this metric
                    same = k and r["cell"]["value"] == scored[k - 1]["cell"]["value"]
                    r["pos"] = scored[k - 1]["pos"] if same else k + 1
                missing = [r["sub"] for r in t["rows"] if not r["scores"].get(mid)]
                sections.append({"split": s, "track": t, "rows": scored, "missing": missing,
                                 "figure": pictures.metric_figure(s, t, mv, scored, figures),
                                 "is_main": t["main"] == mid})
        reported_in = [(s, t) for s in splits for t in s["tracks"]
                       if any(c["id"] == mid for c in t["reported_columns"])]
        metric_pages.append({"metric": mv, "sections": sections, "reported_in": reported_in})

    return {"metrics": metrics, "columns": [metrics[c] for c in lb["columns"]], "splits": splits,
            "submissions": sub_views, "overview": overview, "metric_pages": metric_pages, "figures": figures}
