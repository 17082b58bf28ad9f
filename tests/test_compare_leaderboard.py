"""`rexbench compare` on the demo submissions, and the leaderboard view model built from results."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from rexbench.paths import REPO_DIR

from .conftest import CHEAP_METRICS, invoke, score_demo_copies

SYSTEMS = ("nearest-indication", "normal-template", "random-train")


@pytest.fixture(scope="module")
def scored(tmp_path_factory) -> Path:
    """The demo submissions, copied and scored with cheap metrics (bootstrap 200) into a temp folder."""
    return score_demo_copies(tmp_path_factory.mktemp("subs"), tmp_path_factory.mktemp("cache"), SYSTEMS,
                             CHEAP_METRICS + ",bleu", 200)


def test_compare_json_rows(scored):
    res = invoke("compare", scored / "nearest-indication", scored / "random-train", "--json", "--permutations", "2000")
    assert res.exit_code == 0, res.text
    rows = json.loads(res.stdout)
    assert {r["track"] for r in rows} == {"findings", "impression", "findings_impression"}
    assert {r["metric"] for r in rows} == {"bleu2_rexrank", "rouge_l", "bleu"}
    for r in rows:
        assert r["diff"] == pytest.approx(r["score_a"] - r["score_b"], abs=1e-12)
        assert r["ci"][0] <= r["diff"] <= r["ci"][1]
        assert r["test"] == "jackknife_t" and r["n_permutations"] == 2000     # above the 400 one pair needs
        # one pair per (track, metric) family: Holm leaves the p-values as they are
        assert r["p_holm"] == r["p"] and r["p_permutation_holm"] == r["p_permutation"]
        assert r["significant"] == (r["p"] < 0.05)
    # retrieval by indication copies a related report: clearly better than a random one on impression ROUGE-L
    row = next(r for r in rows if r["track"] == "impression" and r["metric"] == "rouge_l")
    assert row["better"] == "nearest-indication" and row["p_permutation"] < 0.01 and row["significant"]


def test_compare_marks_real_differences_with_holm_per_track_and_metric():
    """The committed demo results: nearest-indication retrieves related reports, the templates do not."""
    from scipy.stats import ttest_rel

    from rexbench import stats
    from rexbench.results import read_per_study

    subs = REPO_DIR / "submissions"
    names = ("nearest-indication", "normal-template", "random-train", "stable-template")
    res = invoke("compare", *[subs / n for n in names], "--json", "-m", "chexpert_f1,rouge_l", "--permutations", "500")
    assert res.exit_code == 0, res.text
    rows = json.loads(res.stdout)
    families: dict = {}
    for r in rows:
        families.setdefault((r["track"], r["metric"]), []).append(r)
    assert len(families) == 6 and all(len(f) == 6 for f in families.values())
    for (track, metric), fam in families.items():
        np.testing.assert_allclose([r["p_holm"] for r in fam], stats.holm([r["p"] for r in fam]))
        assert all(r["n_permutations"] == 2400 for r in fam)          # 20 x 6 pairs / 0.05
        if metric == "rouge_l":                                     # mean metric: scipy's paired t-test
            ps = {n: read_per_study(subs / n / "per_study.jsonl")[track] for n in names}
            ids = sorted(ps[names[0]])
            for r in fam:
                ref = ttest_rel([ps[r["a"]][i][metric] for i in ids], [ps[r["b"]][i][metric] for i in ids])
                assert r["p"] == pytest.approx(ref.pvalue, rel=1e-6, abs=1e-300)
    for track in ("findings", "impression", "findings_impression"):
        for template in ("normal-template", "stable-template"):
            row = next(r for r in families[(track, "chexpert_f1")] if {r["a"], r["b"]} == {"nearest-indication", template})
            assert row["better"] == "nearest-indication" and row["significant"] and row["p_permutation_holm"] < 0.05
    # the two templates say the same thing on impression: no difference at all
    same = next(r for r in families[("impression", "chexpert_f1")] if {r["a"], r["b"]} == {"normal-template", "stable-template"})
    assert same["diff"] == 0 and same["p"] == 1 and not same["significant"]


def test_compare_table_and_errors(scored, tmp_path):
    res = invoke("compare", scored / "nearest-indication", scored / "normal-template", "--metrics", "rouge_l",
                 "--tracks", "impression", "--permutations", "500")
    assert res.exit_code == 0 and "rouge_l" in res.stdout and "impression" in res.stdout
    bad = invoke("compare", scored / "nearest-indication", tmp_path)
    assert bad.exit_code == 1 and "no results.json" in bad.stderr
    one = invoke("compare", scored / "nearest-indication")
    assert one.exit_code == 1 and "at least two" in one.stderr


def test_leaderboard_ranks_follow_scores_and_ties(scored):
    from rexbench.leaderboard import build_leaderboard, entries_for
    from rexbench.site import load_display_schema
    from rexbench.submission import load_submission

    entries = [e for name in SYSTEMS for e in entries_for(load_submission(scored / name))]
    board, downloads = build_leaderboard(entries, load_display_schema(REPO_DIR / "leaderboard_site" / "leaderboard.yaml"))
    assert board["schema"] == "rexbench.leaderboard/1"
    (split,) = board["splits"]
    assert split["id"] == "demo-test"
    for track, t in split["tracks"].items():
        assert t["main_metric"] == "bleu2_rexrank"   # first ranking candidate present
        values = [r["scores"]["bleu2_rexrank"]["value"] for r in t["rows"]]
        assert values == sorted(values, reverse=True)
        assert [r["rank"] for r in t["rows"]] == [1, 2, 3]
        for r in t["rows"]:
            lo, hi = r["rank_interval"]
            assert lo <= r["rank"] <= hi
            assert r["reproduce"].startswith("rexbench score --split demo:test")
        assert [r["tie_group"] for r in t["rows"]] == _groups_by_hand(scored, track, t)
        assert len(t["comparisons"]) == 2 and all(c["p_holm"] >= c["p_value"] for c in t["comparisons"])
        assert t["significance"]["test"] == "jackknife_t" and t["significance"]["rank_intervals"]["n_resamples"] == 200
    assert set(board["submissions"]) == set(SYSTEMS)
    assert all(Path(p).is_file() for p in downloads.values())


def _groups_by_hand(folder: Path, track: str, t: dict) -> list[int]:
    """Tie groups from scipy's paired t-test (bleu2_rexrank is a per-study mean), Holm over all pairs by
    hand, and the documented rule: the best ungrouped system leads; members until the first adjusted p < 0.05."""
    from scipy.stats import ttest_rel

    from rexbench.results import read_per_study

    order = [r["submission"] for r in t["rows"]]
    ps = {n: read_per_study(folder / n / "per_study.jsonl")[track] for n in order}
    ids = sorted(ps[order[0]])
    pairs = [(a, b) for i, a in enumerate(order) for b in order[i + 1:]]
    raw = [ttest_rel([ps[a][i]["bleu2_rexrank"] for i in ids], [ps[b][i]["bleu2_rexrank"] for i in ids]).pvalue
           for a, b in pairs]
    m, running, adjusted = len(raw), 0.0, {}
    for rank, k in enumerate(sorted(range(m), key=lambda k: raw[k])):
        running = max(running, min(1.0, (m - rank) * raw[k]))
        adjusted[pairs[k]] = running
    groups, g, leader = [], 0, None
    for name in order:
        if leader is None or adjusted[(leader, name)] < 0.05:
            g, leader = g + 1, name
        groups.append(g)
    return groups


def test_demo_board_has_the_known_tie_groups():
    """chexpert_f1 on the committed demo results: retrieval leads alone; the templates cannot be told apart
    (on impression they are identical, diff 0); on findings the stable prior is below the random report."""
    from rexbench.leaderboard import build_leaderboard, entries_for
    from rexbench.site import load_display_schema
    from rexbench.submission import load_submission

    subs = REPO_DIR / "submissions"
    entries = [e for name in ("nearest-indication", "normal-template", "random-train", "stable-template")
               for e in entries_for(load_submission(subs / name))]
    board, _ = build_leaderboard(entries, load_display_schema(REPO_DIR / "leaderboard_site" / "leaderboard.yaml"))
    tracks = board["splits"][0]["tracks"]
    shape = {track: [(r["submission"], r["tie_group"]) for r in t["rows"]] for track, t in tracks.items()}
    assert {t["main_metric"] for t in tracks.values()} == {"chexpert_f1"}
    assert shape["findings"] == [("nearest-indication", 1), ("random-train", 2), ("normal-template", 2),
                                 ("stable-template", 3)]
    assert shape["impression"] == [("nearest-indication", 1), ("normal-template", 2), ("stable-template", 2),
                                   ("random-train", 2)]
    assert [r["rank"] for r in tracks["impression"]["rows"]] == [1, 2, 2, 4]
    assert all(t["rows"][0]["rank_interval"] == [1, 1] for t in tracks.values())


def test_leaderboard_refuses_incomparable_signatures(scored, tmp_path):
    from rexbench.errors import RexbenchError
    from rexbench.leaderboard import build_leaderboard, entries_for
    from rexbench.site import load_display_schema
    from rexbench.submission import load_submission

    copy = tmp_path / "random-train"
    shutil.copytree(scored / "random-train", copy)
    results = json.loads((copy / "results.json").read_text())
    sig = results["tracks"]["findings"]["metrics"]["bleu2_rexrank"]["signature"]
    results["tracks"]["findings"]["metrics"]["bleu2_rexrank"]["signature"] = sig.replace("|v:1|", "|v:0|")
    (copy / "results.json").write_text(json.dumps(results))
    entries = entries_for(load_submission(scored / "nearest-indication")) + entries_for(load_submission(copy))
    with pytest.raises(RexbenchError, match="v=0"):
        build_leaderboard(entries, load_display_schema(REPO_DIR / "leaderboard_site" / "leaderboard.yaml"))


def make_board(root: Path, n_systems: int, seed: int = 0) -> Path:
    """n_systems submission folders built from the demo results: system k takes each study's row from
    nearest-indication with probability k / (n_systems - 1), else from random-train. Quality rises with k
    in small steps, so neighbours tie and distant systems differ. results.json keeps the demo's
    signatures; the main metric's score is recomputed from the mixed rows."""
    from rexbench import registry
    from rexbench.results import read_per_study

    subs = REPO_DIR / "submissions"
    good, bad = (read_per_study(subs / n / "per_study.jsonl") for n in ("nearest-indication", "random-train"))
    template = json.loads((subs / "random-train" / "results.json").read_text())
    chexpert = registry.load("chexpert_f1")
    rng = np.random.default_rng(seed)
    for k in range(n_systems):
        name = f"sys-{k:03d}"
        folder = root / name
        shutil.copytree(subs / "random-train", folder, ignore=shutil.ignore_patterns("results.json", "per_study.jsonl"))
        yaml = (folder / "submission.yaml").read_text().replace("id: random-train", f"id: {name}")
        (folder / "submission.yaml").write_text(yaml)
        results = json.loads(json.dumps(template))
        results["submission"]["id"] = name
        lines = []
        for track, rows in bad.items():
            pick = rng.random(len(rows)) < k / max(1, n_systems - 1)
            mixed = [dict(good[track][i] if p else rows[i], track=track) for i, p in zip(sorted(rows), pick)]
            lines += [json.dumps(r, sort_keys=True) for r in mixed]
            total = np.sum([r["stats"]["chexpert_f1"] for r in mixed], axis=0)
            results["tracks"][track]["metrics"]["chexpert_f1"]["score"] = float(chexpert.aggregate(total))
        per_study = ("\n".join(lines) + "\n").encode("utf-8")
        results["per_study_sha256"] = hashlib.sha256(per_study).hexdigest()   # a consistent pair
        (folder / "per_study.jsonl").write_bytes(per_study)
        (folder / "results.json").write_text(json.dumps(results))
    return root


@pytest.mark.slow
@pytest.mark.parametrize("n_systems", [60])
def test_big_boards_build_with_tie_groups(tmp_path, n_systems):
    """The board broke at 52 systems (bootstrap p floor x Holm). Now: exit 0, every row ranked and grouped,
    groups contiguous, several groups and several multi-member groups, intervals around each rank."""
    board_dir = make_board(tmp_path / "subs", n_systems)
    res = invoke("leaderboard", "build", "--submissions", board_dir, "--out", tmp_path / "site")
    assert res.exit_code == 0, res.text
    board = json.loads((tmp_path / "site" / "downloads" / "leaderboard.json").read_text())
    for t in board["splits"][0]["tracks"].values():
        rows = t["rows"]
        assert len(rows) == n_systems and t["significance"]["test"] == "jackknife_t"
        groups = [r["tie_group"] for r in rows]
        assert groups[0] == 1 and all(b - a in (0, 1) for a, b in zip(groups, groups[1:]))
        sizes = np.bincount(groups)[1:]
        assert 3 <= len(sizes) < n_systems and (sizes > 1).sum() >= 2
        assert all(r["rank_interval"][0] <= r["rank"] <= r["rank_interval"][1] for r in rows)
        # the best mixes lead: the leader is one of the top tenth by construction
        assert int(rows[0]["submission"][4:]) >= n_systems * 0.8
