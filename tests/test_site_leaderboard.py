"""What leaderboard.json carries for the site's pictures (rexbench.track_analysis), checked against
independent computations from the scored files: reference baselines, pairwise tests, metric agreement;
and how the site shows reference rows."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as sps

from rexbench.paths import REPO_DIR

from .conftest import CHEAP_METRICS, score_demo_copies

SYSTEMS = ("nearest-indication", "normal-template", "random-train", "stable-template")
BASELINE = "normal-template"           # stays a reference baseline; the others are turned into systems
N_BOOT = 200


@pytest.fixture(scope="module")
def scored(tmp_path_factory) -> Path:
    root = score_demo_copies(tmp_path_factory.mktemp("subs"), tmp_path_factory.mktemp("cache"), SYSTEMS,
                             CHEAP_METRICS + ",bleu", N_BOOT)
    for name in SYSTEMS:
        if name != BASELINE:
            y = root / name / "submission.yaml"
            y.write_text(y.read_text(encoding="utf-8").replace("reference_baseline: true", "reference_baseline: false"),
                         encoding="utf-8")
    return root


def _board(scored: Path, baselines: str) -> dict:
    from rexbench.leaderboard import build_leaderboard, entries_for
    from rexbench.site import load_display_schema
    from rexbench.submission import load_submission

    display = load_display_schema(REPO_DIR / "leaderboard_site" / "leaderboard.yaml")
    display["baselines"] = baselines
    entries = [e for name in SYSTEMS for e in entries_for(load_submission(scored / name))]
    return build_leaderboard(entries, display)[0]


@pytest.fixture(scope="module")
def board(scored) -> dict:
    return _board(scored, "reference")


def _per_study(scored: Path, name: str, track: str) -> dict[str, dict]:
    rows = [json.loads(line) for line in (scored / name / "per_study.jsonl").read_text(encoding="utf-8").splitlines()]
    return {r["id"]: r for r in rows if r["track"] == track}


def _results(scored: Path, name: str) -> dict:
    return json.loads((scored / name / "results.json").read_text(encoding="utf-8"))


def test_reference_baselines_are_not_ranked(board):
    for track, t in board["splits"][0]["tracks"].items():
        ref = [r for r in t["rows"] if r.get("reference")]
        assert [r["submission"] for r in ref] == [BASELINE], track
        assert ref[0]["rank"] is None and ref[0]["tie_group"] is None and ref[0]["rank_interval"] is None
        ranked = [r for r in t["rows"] if not r.get("reference")]
        assert sorted(r["rank"] for r in ranked) == [1, 2, 3] or len({r["rank"] for r in ranked}) < 3
        assert BASELINE not in t["pairwise"]["systems"]
        assert all(BASELINE not in (c["a"], c["b"]) for c in t["comparisons"])


def test_ranked_baselines_when_the_schema_says_so(scored):
    board = _board(scored, "ranked")
    for t in board["splits"][0]["tracks"].values():
        assert not any(r.get("reference") for r in t["rows"])
        assert all(r["rank"] is not None for r in t["rows"])
        assert set(t["pairwise"]["systems"]) == set(SYSTEMS)


def _holm(p: list[float]) -> list[float]:
    """Holm's step-down adjustment, written out: sorted p times (m - i), running maximum, capped at 1."""
    order = sorted(range(len(p)), key=lambda i: p[i])
    out, run = [0.0] * len(p), 0.0
    for k, i in enumerate(order):
        run = max(run, (len(p) - k) * p[i])
        out[i] = min(1.0, run)
    return out


def test_pairwise_tests_match_an_independent_t_test(scored, board):
    """The matrix's p-values: the studentised paired test (difference over its jackknife standard error,
    Student's t with n - 1 degrees of freedom), Holm over every pair of ranked systems, written out here."""
    t = board["splits"][0]["tracks"]["impression"]
    pw = t["pairwise"]
    assert pw["metric"] == t["main_metric"] == "bleu2_rexrank" and pw["test"] == "jackknife_t"
    assert pw["systems"] == [r["submission"] for r in t["rows"] if r["rank"] is not None]
    rows = {name: _per_study(scored, name, "impression") for name in pw["systems"]}
    ids = sorted(rows[pw["systems"][0]])
    n = len(ids)
    vals = {k: np.array([v[i]["bleu2_rexrank"] for i in ids]) for k, v in rows.items()}
    expected = []
    for i, a in enumerate(pw["systems"]):
        for b in pw["systems"][i + 1:]:
            loo = ((vals[a].sum() - vals[a]) - (vals[b].sum() - vals[b])) / (n - 1)   # leave-one-out differences
            se = np.sqrt((n - 1) / n * np.sum((loo - loo.mean()) ** 2))
            diff = vals[a].mean() - vals[b].mean()
            expected.append((a, b, diff, 2 * sps.t.sf(abs(diff) / se, n - 1)))
    assert [(p["a"], p["b"]) for p in pw["pairs"]] == [(a, b) for a, b, _, _ in expected]
    for got, (a, b, diff, p) in zip(pw["pairs"], expected):
        assert got["diff"] == pytest.approx(diff, abs=1e-12) and got["p_value"] == pytest.approx(p, rel=1e-6, abs=1e-15)
        assert got["better"] == (a if diff > 0 else b)
    assert [p["p_holm"] for p in pw["pairs"]] == pytest.approx(_holm([p for *_, p in expected]), rel=1e-6, abs=1e-15)
    # the same tests as the track's adjacent comparisons (one Holm family)
    by_pair = {(p["a"], p["b"]): p for p in pw["pairs"]}
    for c in t["comparisons"]:
        assert by_pair[(c["a"], c["b"])]["p_holm"] == pytest.approx(c["p_holm"], rel=1e-12)


def test_metric_agreement_matches_scipy(scored, board):
    ag = board["splits"][0]["tracks"]["findings"]["agreement"]
    assert ag["metrics"] == ["bleu", "bleu2_rexrank", "rouge_l"]
    res = {name: _results(scored, name)["tracks"]["findings"]["metrics"] for name in SYSTEMS}
    for i, a in enumerate(ag["metrics"]):
        for j, b in enumerate(ag["metrics"]):
            tau = sps.kendalltau([res[s][a]["score"] for s in SYSTEMS], [res[s][b]["score"] for s in SYSTEMS]).statistic
            assert ag["kendall_tau"][i][j] == pytest.approx(tau, abs=1e-12)
            assert ag["kendall_systems"][i][j] == len(SYSTEMS)
    rhos = {}
    for name in SYSTEMS:
        rows = _per_study(scored, name, "findings")
        ids = sorted(rows)
        for i, a in enumerate(ag["metrics"]):
            for j, b in enumerate(ag["metrics"]):
                r = sps.spearmanr([rows[k][a] for k in ids], [rows[k][b] for k in ids]).statistic
                if np.isfinite(r):                    # a constant system (one template) has no rho
                    rhos.setdefault((i, j), []).append(r)
    for (i, j), vals in rhos.items():
        assert ag["spearman_studies"][i][j] == pytest.approx(float(np.mean(vals)), abs=1e-9)


def test_site_places_reference_rows_by_score(board, tmp_path):
    from rexbench.site import build_site

    build_site(board, tmp_path / "site")
    html = (tmp_path / "site" / "datasets" / "demo-test.html").read_text(encoding="utf-8")
    t = board["splits"][0]["tracks"]["findings"]
    table = html[html.index('id="t-demo-test--findings"'):]
    table = table[:table.index("</table>")]
    shown = re.findall(r'<tr data-sub="([^"]+)" data-i="(\d+)"( class="ref")?>', table)
    score = {r["submission"]: r["scores"]["bleu2_rexrank"]["value"] for r in t["rows"]}
    assert [s for s, _, _ in shown] == sorted(score, key=lambda s: -score[s])      # in place by score
    assert [s for s, _, ref in shown if ref] == [BASELINE]
    assert [int(i) for _, i, _ in shown] == list(range(len(shown)))
    row = table[table.index(f'data-sub="{BASELINE}"'):]
    row = row[:row.index("</tr>")]
    assert ">ref</span>" in row and 'class="badge base"' in row and 'class="tg"' in row and "G1" not in row
    csv = (tmp_path / "site" / "downloads" / "demo-test-findings.csv").read_text(encoding="utf-8").splitlines()
    assert sum(line.endswith("reference") or ",reference," in line for line in csv[1:]) == 1
