"""A big board (issue 12): 200 systems on one split build the site with tie groups and rank intervals.

The board used to break at 52 systems (1,000 bootstrap resamples cannot show any of 53 Holm-corrected
differences, so `ci` built no site and `leaderboard build` died with a ValueError). The fixture is the
one test_compare_leaderboard uses for 60 systems: quality rises with the system number in small steps,
so neighbours tie and distant systems differ, and every results.json carries the per_study_sha256 of
its per_study.jsonl (the site refuses a mixed pair). Built once through `rexbench leaderboard build`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from .conftest import invoke
from .test_compare_leaderboard import make_board

N_SYSTEMS = 200


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("board200")
    make_board(root / "subs", N_SYSTEMS)
    res = invoke("leaderboard", "build", "--submissions", root / "subs", "--out", root / "site")
    assert res.exit_code == 0, res.text
    assert f"from {N_SYSTEMS} submissions" in res.stdout
    return json.loads((root / "site" / "downloads" / "leaderboard.json").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_200_systems_are_all_ranked_with_tie_groups_and_rank_intervals(board: dict) -> None:
    tracks = board["splits"][0]["tracks"]
    assert len(tracks) == 3                                  # findings, impression, findings_impression
    for name, t in tracks.items():
        rows = t["rows"]
        assert len(rows) == N_SYSTEMS and len({r["submission"] for r in rows}) == N_SYSTEMS, name
        assert t["significance"]["test"] == "jackknife_t"
        ranks = [r["rank"] for r in rows]
        assert ranks[0] == 1 and all(b >= a for a, b in zip(ranks, ranks[1:]))
        # a tie group for every row: numbered from 1, contiguous down the table
        groups = [r["tie_group"] for r in rows]
        assert all(isinstance(g, int) for g in groups)
        assert groups[0] == 1 and all(b - a in (0, 1) for a, b in zip(groups, groups[1:]))
        sizes = np.bincount(groups)[1:]
        assert 3 <= len(sizes) < N_SYSTEMS and (sizes > 1).sum() >= 2, f"{name}: tie groups {sizes.tolist()}"
        # a rank interval for every row, around its rank, within 1..N, and not all trivially wide or narrow
        intervals = [r["rank_interval"] for r in rows]
        assert all(1 <= lo <= r["rank"] <= hi <= N_SYSTEMS for r, (lo, hi) in zip(rows, intervals))
        widths = [hi - lo for lo, hi in intervals]
        assert 0 < np.median(widths) < N_SYSTEMS - 1, f"{name}: rank interval widths {widths}"
        # the best mixes lead (quality rises with the system number by construction)
        assert int(rows[0]["submission"][4:]) >= N_SYSTEMS * 0.8
