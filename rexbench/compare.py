"""Paired significance between scored submissions (same split): differences, CIs, p-values, Holm."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

from . import registry
from .errors import RexbenchError
from .results import read_per_study, read_results, study_values


@dataclass(frozen=True)
class Scored:
    name: str
    results: dict[str, Any]
    per_study: dict[str, dict[str, dict[str, Any]]]


def load_scored(path: Path) -> Scored:
    """A submission folder or results folder holding results.json and per_study.jsonl."""
    path = Path(path)
    folder = path.parent if path.name == "results.json" else path
    if not (folder / "results.json").is_file():
        raise RexbenchError(f"{folder}: no results.json (score it first: rexbench score ... --out {folder})")
    return Scored(folder.name, read_results(folder / "results.json"), read_per_study(folder / "per_study.jsonl"))


def compare(systems: list[Scored], *, metrics: list[str] | None = None, tracks: list[str] | None = None,
            n_resamples: int | None = None, seed: int | None = None, n_permutations: int = 10_000,
            alpha: float = 0.05) -> list[dict]:
    """All pairs x tracks x metrics: difference, its paired bootstrap CI, the studentised paired test
    (stats.paired_t_test: p, Holm-corrected p, `significant`) and approximate randomisation as a
    cross-check.

    Holm families are per (track, metric), as on the site: the pairs compared on one metric and track.
    The permutation test runs at least `stats.min_permutations(family size, alpha)` rounds, so its
    corrected p can reach alpha too (`n_permutations` in each row says how many ran).
    """
    from . import stats

    if len(systems) < 2:
        raise RexbenchError("compare needs at least two scored submissions")
    if not 0.0 < alpha < 1.0:
        raise RexbenchError(f"--alpha must be between 0 and 1, got {alpha}")
    shas = {s.results["split"]["sha256"] for s in systems}
    if len(shas) != 1:
        raise RexbenchError("submissions were scored on different splits: " +
                            ", ".join(f"{s.name}={s.results['split']['id']}" for s in systems))
    boot = systems[0].results.get("bootstrap") or {}
    n_resamples = n_resamples or boot.get("n_resamples") or 1000
    seed = stats.DEFAULT_SEED if seed is None else seed
    pairs = list(combinations([s.name for s in systems], 2))
    rounds = max(n_permutations, stats.min_permutations(len(pairs), alpha))
    rows = []
    common_tracks = [t for t in systems[0].results["tracks"] if all(t in s.results["tracks"] for s in systems)]
    for track in tracks or common_tracks:
        if track not in common_tracks:
            raise RexbenchError(f"track {track!r} is not scored for every submission (common: {', '.join(common_tracks)})")
        ids = sorted(systems[0].per_study[track])
        counts = stats.resample_counts(len(ids), n_resamples, seed)
        keys = [k for k in systems[0].results["tracks"][track]["metrics"]
                if all(k in s.results["tracks"][track]["metrics"] for s in systems)]
        for key in metrics or keys:
            if key not in keys:
                raise RexbenchError(f"metric {key!r} is not scored for every submission on track {track}")
            metric = registry.load(key)
            arrays = {s.name: _array(s, track, key, ids, metric.corpus_level) for s in systems}
            family = []
            for a, b in pairs:
                kw: dict[str, Any] = {"higher_is_better": metric.higher_is_better}
                pair = paired_inputs(metric, arrays[a], arrays[b])
                boot_res = stats.paired_bootstrap(**pair, counts=counts, seed=seed, **kw)
                t_res = stats.paired_t_test(**pair, **kw)
                perm = stats.permutation_test(**pair, n_permutations=rounds, seed=seed, **kw)
                family.append({"track": track, "metric": key, "a": a, "b": b, "score_a": boot_res.score_a,
                               "score_b": boot_res.score_b, "diff": boot_res.diff,
                               "ci": [boot_res.low, boot_res.high], "test": t_res.test, "p": t_res.p_value,
                               "p_permutation": perm.p_value, "n_permutations": rounds,
                               "better": {"a": a, "b": b}.get(boot_res.better), "n": len(ids)})
            _holm_family(family, alpha)
            rows += family
    return rows


def _holm_family(family: list[dict], alpha: float) -> None:
    """Holm within one (track, metric) family; `significant` is the corrected t-test p below alpha."""
    from . import stats

    for row, pt, pp in zip(family, stats.holm([r["p"] for r in family]),
                           stats.holm([r["p_permutation"] for r in family])):
        row["p_holm"], row["p_permutation_holm"] = float(pt), float(pp)
        row["significant"] = bool(pt < alpha)


def paired_inputs(metric, a: np.ndarray, b: np.ndarray) -> dict[str, Any]:
    """Arguments of stats.paired_bootstrap / paired_t_test / permutation_test for two systems' arrays of `metric`."""
    if metric.corpus_level:
        return {"stats_a": a, "stats_b": b, "aggregate": metric.aggregate}
    return {"a": a, "b": b}


def _array(s: Scored, track: str, key: str, ids: list[str], corpus_level: bool) -> np.ndarray:
    rows = s.per_study[track]
    if set(rows) != set(ids):
        raise RexbenchError(f"{s.name}: track {track} covers other studies than the first submission")
    return study_values(rows, key, ids, corpus_level)
