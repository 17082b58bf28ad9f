"""`rexbench compare` on the demo submissions, and the leaderboard view model built from results."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

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
        assert 0 < r["p_bootstrap"] <= 1 and 0 < r["p_permutation"] <= 1
        assert r["p_bootstrap_holm"] >= r["p_bootstrap"] and r["p_permutation_holm"] >= r["p_permutation"]
    # retrieval by indication copies a related report: clearly better than a random one on impression ROUGE-L
    row = next(r for r in rows if r["track"] == "impression" and r["metric"] == "rouge_l")
    assert row["better"] == "nearest-indication" and row["p_permutation"] < 0.01


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
        groups = [r["tie_group"] for r in t["rows"]]
        assert groups == sorted(groups) and groups[0] == 1
        assert len(t["comparisons"]) == 2 and all(c["p_holm"] >= c["p_value"] for c in t["comparisons"])
    assert set(board["submissions"]) == set(SYSTEMS)
    assert all(Path(p).is_file() for p in downloads.values())


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
