"""What the leaderboard pictures need beyond ranks: reference baselines, pairwise tests, metric agreement.

Called by `leaderboard.build_leaderboard` once per split and track; adds to the track dict of
leaderboard.json (docs/leaderboard_json.md):

* reference baselines (`reference_baseline: true` in submission.yaml) become rows with
  `"reference": true`, never ranked and outside the tie groups, unless the display schema says
  `baselines: ranked`;
* `pairwise`: the track's significance test (the tie groups': studentised paired test, Holm over every
  pair of ranked systems) for every pair among the best `PAIRWISE_MAX` ranked systems;
* `agreement`: how the metrics agree: Kendall's tau-b between metrics over the systems' scores, and
  Spearman's rho between metrics over the studies (per system, then averaged over systems).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

PAIRWISE_MAX = 20          # a larger matrix is unreadable; every pair is still in the Holm family
MIN_SYSTEMS_FOR_TAU = 3


def build_track(track: str, members: list, main: str | None, display: dict[str, Any], *,
                track_fn: Callable[..., dict], arrays_fn: Callable[..., tuple],
                check_fn: Callable[..., None]) -> dict[str, Any]:
    """The track dict of `leaderboard._track`, with reference rows, `pairwise` and `agreement` added.

    track_fn(track, members, main), arrays_fn(members, track, key, ids) and check_fn(track, members, key)
    (signatures comparable) are leaderboard's own, passed in so this module does not import it."""
    ranked_baselines = display.get("baselines") == "ranked"
    refs = [m for m in members if m[0].submission.reference_baseline and not ranked_baselines]
    ranked = [m for m in members if m not in refs]
    if ranked:
        out = track_fn(track, ranked, main)
        if refs:
            extra = track_fn(track, refs, None)["rows"]
            if main is not None:        # reference rows are placed by score among the ranked ones
                check_fn(track, members, main)
            out["rows"] += extra
    else:
        out = track_fn(track, refs, None)
        out["main_metric"] = main
    for r in out["rows"]:
        if any(m[0].submission.id == r["submission"] for m in refs):
            r["reference"] = True
    ids = members[0][2][track].ids           # sorted; every member's ids are checked against them
    if main is not None and ranked:
        order = [r["submission"] for r in out["rows"] if r.get("rank") is not None]
        out["pairwise"] = pairwise(order, ranked, track, main, ids, arrays_fn)
    out["agreement"] = agreement(members, track)
    return out


def pairwise(order: list[str], members: list, track: str, key: str, ids: np.ndarray,
             arrays_fn: Callable[..., tuple]) -> dict[str, Any] | None:
    """The track's significance tests (stats.PairwiseTests: studentised paired test, Holm over every pair
    of ranked systems, the family of the tie groups) for every pair among the first PAIRWISE_MAX systems
    of `order` (rank order).

    Returns {"metric", "test", "systems" (rank order), "n_ranked", "pairs": [{"a", "b", "diff" (a - b),
    "p_value", "p_holm", "better" (a|b|null)}]} with a before b in rank order, or None with fewer than two
    ranked systems."""
    from . import stats

    if len(order) < 2:
        return None
    ranked = [m for m in members if m[0].submission.id in set(order)]
    metric, arrays = arrays_fn(ranked, track, key, ids)
    kw: dict[str, Any] = ({"stats": arrays, "aggregate": metric.aggregate} if metric.corpus_level
                          else {"values": arrays})
    tests = stats.PairwiseTests.of(**kw)
    points = dict(zip(tests.names, tests.points.tolist()))
    systems = order[:PAIRWISE_MAX]
    pairs = []
    for i, a in enumerate(systems):
        for b in systems[i + 1:]:
            p, p_holm = tests.test(a, b)
            diff = points[a] - points[b]
            better = None if diff == 0 else (a if (diff > 0) == metric.higher_is_better else b)
            pairs.append({"a": a, "b": b, "diff": diff, "p_value": p, "p_holm": p_holm, "better": better})
    return {"metric": key, "test": stats.T_TEST, "systems": systems, "n_ranked": len(order), "pairs": pairs}


def agreement(members: list, track: str) -> dict[str, Any] | None:
    """Kendall tau-b between metrics over systems and mean per-study Spearman rho, both with every
    metric oriented so that higher is better (a positive number: the metrics agree).

    Returns {"metrics": [...], "kendall_tau": [[...]], "kendall_systems": [[n systems]],
    "spearman_studies": [[...]]} (None where undefined), or None with fewer than two metrics."""
    from scipy.stats import kendalltau, rankdata

    from . import registry

    keys = sorted({k for _, r, _ in members for k in r["tracks"][track]["metrics"]})
    if len(keys) < 2:
        return None
    sign = {k: 1.0 if registry.load(k).higher_is_better else -1.0 for k in keys}
    score = {k: {e.submission.id: sign[k] * r["tracks"][track]["metrics"][k]["score"]
                 for e, r, _ in members if k in r["tracks"][track]["metrics"]} for k in keys}
    m = len(keys)
    tau: list[list[float | None]] = [[None] * m for _ in range(m)]
    n_sys: list[list[int]] = [[0] * m for _ in range(m)]
    for i, a in enumerate(keys):
        for j, b in enumerate(keys):
            both = sorted(set(score[a]) & set(score[b]))
            n_sys[i][j] = len(both)
            if len(both) >= MIN_SYSTEMS_FOR_TAU:
                t = kendalltau([score[a][s] for s in both], [score[b][s] for s in both]).statistic
                tau[i][j] = None if not np.isfinite(t) else float(t)
    sums = np.zeros((m, m))
    seen = np.zeros((m, m))
    for e, r, ps in members:
        have = [k for k in keys if k in r["tracks"][track]["metrics"]]
        if len(have) < 2:
            continue
        ranks = np.vstack([rankdata(ps[track].column(k)) for k in have])
        idx = [keys.index(k) for k in have]
        with np.errstate(invalid="ignore", divide="ignore"):
            rho = np.corrcoef(ranks)
        for a, ia in enumerate(idx):
            for b, ib in enumerate(idx):
                if np.isfinite(rho[a, b]):
                    sums[ia, ib] += rho[a, b] * sign[keys[ia]] * sign[keys[ib]]
                    seen[ia, ib] += 1
    spearman = [[float(sums[i, j] / seen[i, j]) if seen[i, j] else None for j in range(m)] for i in range(m)]
    return {"metrics": keys, "kendall_tau": tau, "kendall_systems": n_sys, "spearman_studies": spearman}
