"""ReXrank's published rows on the leaderboard: leaderboard.yaml `reported` (rexbench.site.load_display_schema),
rexbench.leaderboard.build_leaderboard attaching them (reported-only split cards included), and the site
built from the result. The rows come from tests/fixtures/rexrank/findings_result_synthetic.csv through
`rexbench import-rexrank`'s import_csv (synthetic numbers in ReXrank's layout)."""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
from pathlib import Path

import pytest

from rexbench.errors import InputError, RexbenchError
from rexbench.leaderboard import REPORTED_DESCRIPTION, build_leaderboard, entries_for
from rexbench.paths import REPO_DIR
from rexbench.rexrank_import import import_csv
from rexbench.site import SiteError, build_site, load_display_schema
from rexbench.submission import load_submission

from .conftest import CHEAP_METRICS, score_demo_copies

FIXTURE = Path(__file__).parent / "fixtures" / "rexrank" / "findings_result_synthetic.csv"
REPO_YAML = REPO_DIR / "leaderboard_site" / "leaderboard.yaml"
MARKER = "Reported by ReXrank — not reproduced by rexbench (no CIs)"
SYSTEMS = ("nearest-indication", "random-train")


def _yaml(folder: Path, reported: str, *, base: str | None = None) -> Path:
    """leaderboard.yaml in `folder`: the repo's display schema (or `base`) plus a `reported` block."""
    folder.mkdir(parents=True, exist_ok=True)
    text = REPO_YAML.read_text(encoding="utf-8") if base is None else base
    path = folder / "leaderboard.yaml"
    path.write_text(text + "\n" + reported, encoding="utf-8")
    return path


@pytest.fixture()
def site_dir(tmp_path) -> Path:
    """A leaderboard_site-like folder holding reported/mimic-cxr.json imported from the fixture CSV."""
    folder = tmp_path / "leaderboard_site"
    import_csv(FIXTURE, dataset="mimic-cxr", default_dir=folder / "reported")
    return folder


REPORTED_ONLY = """reported:
  - split: rexrank-mimic-cxr-test
    file: reported/mimic-cxr.json
    name: "MIMIC-CXR test (ReXrank)"
    dataset: mimic-cxr
"""


# ---- leaderboard.yaml `reported` -----------------------------------------------------------------

def test_repo_yaml_documents_reported_but_lists_none():
    assert load_display_schema(REPO_YAML)["reported"] == []
    text = REPO_YAML.read_text(encoding="utf-8")
    assert "# reported:" in text and "#   - split: rexrank-mimic-cxr-test" in text


def test_display_schema_reads_reported(site_dir):
    schema = load_display_schema(_yaml(site_dir, REPORTED_ONLY))
    (entry,) = schema["reported"]
    assert entry == {"split": "rexrank-mimic-cxr-test", "file": (site_dir / "reported" / "mimic-cxr.json").resolve(),
                     "path": "reported/mimic-cxr.json", "name": "MIMIC-CXR test (ReXrank)", "dataset": "mimic-cxr"}
    bare = load_display_schema(_yaml(site_dir, "reported:\n  - {split: x-test, file: reported/mimic-cxr.json}\n"))
    assert bare["reported"][0]["name"] is None and bare["reported"][0]["dataset"] is None


@pytest.mark.parametrize("block,match", [
    ("reported: {split: a}\n", r"reported must be a list"),
    ("reported:\n  - just-a-string\n", r"reported\[0\]: expected a mapping"),
    ("reported:\n  - {split: a-test}\n", r"reported\[0\]: file must be a path"),
    ("reported:\n  - {file: reported/mimic-cxr.json}\n", r"reported\[0\]: split must be a split id"),
    ("reported:\n  - {split: ../a, file: reported/mimic-cxr.json}\n", r"reported\[0\]: split must be a split id"),
    ("reported:\n  - {split: a-test, file: reported/nope.json}\n", r"reported\[0\]: file 'reported/nope.json' not found"),
    ("reported:\n  - {split: a-test, file: /etc/passwd}\n", r"reported\[0\]: file '/etc/passwd' must be relative"),
    ("reported:\n  - {split: a-test, file: reported/mimic-cxr.json, nmae: x}\n", r"reported\[0\]: unknown key 'nmae'"),
    ("reported:\n  - {split: a-test, file: reported/mimic-cxr.json, dataset: 'a b'}\n", r"reported\[0\]: dataset"),
    ("reported:\n  - {split: a-test, file: reported/mimic-cxr.json, name: ''}\n", r"reported\[0\]: name"),
    ("reported:\n  - {split: a-test, file: reported/mimic-cxr.json}\n  - {split: a-test, file: reported/mimic-cxr.json}\n",
     r"reported\[1\]: split 'a-test' already has reported rows \(reported\[0\]\)"),
])
def test_display_schema_reported_errors(site_dir, block, match):
    path = _yaml(site_dir, block)
    with pytest.raises(SiteError, match=match) as exc:
        load_display_schema(path)
    msg = str(exc.value)
    assert msg.startswith(f"{path}: ") and "\n" not in msg          # one line, naming the yaml


# ---- build_leaderboard: a reported-only split card ----------------------------------------------

def test_reported_only_split(site_dir):
    display = load_display_schema(_yaml(site_dir, REPORTED_ONLY))
    board, downloads = build_leaderboard([], display)
    assert downloads == {} and board["submissions"] == {}
    (sp,) = board["splits"]
    assert sp == {**sp, "id": "rexrank-mimic-cxr-test", "name": "MIMIC-CXR test (ReXrank)", "dataset": "mimic-cxr",
                  "sha256": None, "n_studies": None}
    (tid, tr) = next(iter(sp["tracks"].items()))
    assert list(sp["tracks"]) == ["findings"] and tid == "findings"
    assert tr["n"] is None and tr["rows"] == [] and tr["comparisons"] == []
    assert tr["main_metric"] == "radcliq_v1"                      # the ranking rule on the reported metrics
    rows = tr["reported"]
    assert [r["model_name"] for r in rows] == ["Synthetic-Alpha", "Synthetic-Beta", "Synthetic-Gamma"]
    alpha, beta, gamma = rows
    assert alpha["scores"]["radcliq_v1"] == {"value": 1 / 0.8, "shown": 0.8, "shown_as": "1/x"}
    assert alpha["scores"]["bleu2_rexrank"] == {"value": 0.125, "shown": 0.125, "shown_as": "x"}
    assert gamma["scores"]["bertscore"]["value"] == -0.01
    assert beta["url"] is None and beta["institution"] == "Invented Institute" and beta["year"] == 2025
    assert alpha["url"] == "https://example.org/alpha" and alpha["year"] == 2024
    for r in rows:
        assert not {"ci", "rank", "rank_interval", "tie_group", "submission"} & set(r)
        assert all(set(sc) == {"value", "shown", "shown_as"} for sc in r["scores"].values())
        assert r["source"]["origin"] == "ReXrank" and r["source"]["file"] == FIXTURE.name
        assert r["source"]["imported_as"] == "reported/mimic-cxr.json"
        assert r["source"]["sha256"] == hashlib.sha256(FIXTURE.read_bytes()).hexdigest()
    # every ReXrank column now has a metric folder: display names from leaderboard.yaml, cards from the folder
    m = board["metrics"]
    assert set(m) == {"radcliq_v1", "bleu2_rexrank", "bertscore", "semb_score", "radgraph_combined", "ratescore",
                      "green"}
    for mid, name in (("semb_score", "SembScore"), ("radgraph_combined", "RadGraph"), ("ratescore", "RaTEScore"),
                      ("green", "GREEN")):
        assert m[mid]["display"] == name and m[mid]["higher_is_better"] is True
        assert m[mid]["description"] != REPORTED_DESCRIPTION and m[mid]["card_markdown"]
    assert m["radcliq_v1"]["higher_is_better"] is False and m["radcliq_v1"]["display"] == "RadCliQ-v1"
    assert m["bleu2_rexrank"]["description"] != REPORTED_DESCRIPTION      # has a metric folder: its own card
    assert m["bleu2_rexrank"]["card_markdown"]
    assert board["columns"] == ["radcliq_v1", "bleu2_rexrank", "bertscore", "semb_score", "radgraph_combined",
                                "ratescore", "green"]
    json.dumps(board, allow_nan=False)                             # plain JSON, no NaN


def test_reported_only_site(site_dir, tmp_path):
    board, _ = build_leaderboard([], load_display_schema(_yaml(site_dir, REPORTED_ONLY)))
    build_site(board, tmp_path / "site")
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    html = (tmp_path / "site" / "datasets" / "rexrank-mimic-cxr-test.html").read_text(encoding="utf-8")
    assert MARKER in html and "no scored submissions on this track yet" in html
    rep = html[html.index('id="r-rexrank-mimic-cxr-test--findings"'):]
    rep = rep[:rep.index("</table>")]
    assert '<a href="https://example.org/alpha" rel="nofollow noopener">Synthetic-Alpha</a>' in rep
    assert '<span class="rname">Synthetic-Beta</span>' in rep
    assert ">0.800</td>" in rep and "1/RadCliQ-v1" in rep
    assert "<small>[" not in rep
    assert 'id="overview"' not in index                            # nothing ranked: no overview at all
    rows = list(csv.DictReader(io.StringIO(
        (tmp_path / "site" / "downloads" / "rexrank-mimic-cxr-test-findings.csv").read_text(encoding="utf-8"))))
    assert [r["Model"] for r in rows] == ["Synthetic-Alpha", "Synthetic-Beta", "Synthetic-Gamma"]
    assert {r["Status"] for r in rows} == {"reported"} and rows[0]["1/RadCliQ-v1"] == "0.8"
    assert rows[1]["GREEN"] == "0.33" and rows[0]["Rank"] == ""


def test_reported_metric_without_folder_needs_a_column(site_dir, monkeypatch):
    from rexbench import registry

    real = registry.available   # every ReXrank column has a metric folder now: take one away
    monkeypatch.setattr(registry, "available", lambda: {k: v for k, v in real().items() if k != "semb_score"})
    base = "schema: rexbench.display/1\ncolumns:\n  - {metric: radcliq_v1, higher_is_better: false}\n" \
           "ranking: {default: [radcliq_v1, bleu2_rexrank]}\n"
    display = load_display_schema(_yaml(site_dir, REPORTED_ONLY, base=base))
    with pytest.raises(RexbenchError, match=r"metric '\w+' is reported by ReXrank but has no metric folder; list it in leaderboard.yaml"):
        build_leaderboard([], display)


def test_reported_file_with_another_schema_is_refused(site_dir):
    (site_dir / "reported" / "mimic-cxr.json").write_text('{"schema": "rexbench.leaderboard/1"}', encoding="utf-8")
    display = load_display_schema(_yaml(site_dir, REPORTED_ONLY))
    with pytest.raises(InputError, match=r"mimic-cxr.json: not a rexbench.reported/1 file"):
        build_leaderboard([], display)


def test_hand_edited_reported_row_is_refused(site_dir):
    path = site_dir / "reported" / "mimic-cxr.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["tracks"]["findings"]["rows"][1]["scores"]["bleu2_rexrank"]["shown_as"] = "log"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(RexbenchError, match=r"tracks.findings.rows\[1\]: score 'bleu2_rexrank'"):
        build_leaderboard([], load_display_schema(_yaml(site_dir, REPORTED_ONLY)))


# ---- beside scored submissions -------------------------------------------------------------------

@pytest.fixture(scope="module")
def scored(tmp_path_factory) -> Path:
    """Two demo submissions scored with cheap metrics (bootstrap 50) in a temp folder."""
    return score_demo_copies(tmp_path_factory.mktemp("subs"), tmp_path_factory.mktemp("cache"), SYSTEMS,
                             CHEAP_METRICS, 50)


def test_reported_rows_beside_scored_ones(scored, site_dir, tmp_path):
    entries = [e for name in SYSTEMS for e in entries_for(load_submission(scored / name))]
    plain, _ = build_leaderboard(entries, load_display_schema(REPO_YAML))
    display = load_display_schema(_yaml(site_dir, "reported:\n  - {split: demo-test, file: reported/mimic-cxr.json, "
                                                  "name: ignored, dataset: ignored}\n"))
    board, downloads = build_leaderboard(entries, display)
    (sp,) = board["splits"]
    (plain_sp,) = plain["splits"]
    # the scored split keeps its own identity, rows, ranks, CIs and comparisons
    assert {k: v for k, v in sp.items() if k != "tracks"} == {k: v for k, v in plain_sp.items() if k != "tracks"}
    assert sp["name"] != "ignored" and sp["sha256"]
    for tid, tr in plain_sp["tracks"].items():
        assert {k: v for k, v in sp["tracks"][tid].items() if k != "reported"} == tr
    assert [r["model_name"] for r in sp["tracks"]["findings"]["reported"]] == \
        ["Synthetic-Alpha", "Synthetic-Beta", "Synthetic-Gamma"]
    assert "reported" not in sp["tracks"]["impression"] and "reported" not in sp["tracks"]["findings_impression"]
    assert sp["tracks"]["findings"]["main_metric"] == "bleu2_rexrank"      # still chosen from the scored rows
    assert board["submissions"] == plain["submissions"]
    assert {"semb_score", "radcliq_v1"} <= set(board["metrics"]) and "semb_score" in board["columns"]

    build_site(board, tmp_path / "site", extra_files={k: str(v) for k, v in downloads.items()})
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    html = (tmp_path / "site" / "datasets" / "demo-test.html").read_text(encoding="utf-8")
    ranked = html[html.index('id="t-demo-test--findings"'):]
    ranked = ranked[:ranked.index("</table>")]
    rep = html[html.index('id="r-demo-test--findings"'):]
    rep = rep[:rep.index("</table>")]
    assert html.count(MARKER) == 1 and html.index(MARKER) > html.index('id="t-demo-test--findings"')
    assert "Synthetic-" not in ranked and rep.count("Synthetic-") == 3
    assert ranked.count("<small>[") > 0 and "<small>[" not in rep      # CIs on ours only
    overview = index[index.index('id="overview"'):]
    assert "Synthetic-" not in overview[:overview.index("</table>")]
    rows = list(csv.DictReader(io.StringIO(
        (tmp_path / "site" / "downloads" / "demo-test-findings.csv").read_text(encoding="utf-8"))))
    assert [r["Status"] for r in rows] == ["scored", "scored", "reported", "reported", "reported"]
    assert [r["Submission"] for r in rows[:2]] == [r["submission"] for r in sp["tracks"]["findings"]["rows"]]
    assert rows[0]["Rank"] == "1" and rows[2]["Rank"] == "" and rows[2]["BLEU CI low"] == ""
    assert rows[0]["BLEU CI low"] != ""
    assert rows[2]["SembScore"] == "0.4" and rows[0]["SembScore"] == ""
    impression = (tmp_path / "site" / "downloads" / "demo-test-impression.csv").read_text(encoding="utf-8")
    assert "reported" not in impression.split("\n", 1)[1]


def test_reported_track_on_a_scored_split_without_that_track(scored, site_dir):
    """A reported track the scored split lacks becomes a reported-only track on that card."""
    path = site_dir / "reported" / "mimic-cxr.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["tracks"]["report"] = copy.deepcopy(data["tracks"]["findings"])
    path.write_text(json.dumps(data), encoding="utf-8")
    entries = entries_for(load_submission(scored / SYSTEMS[0]))
    board, _ = build_leaderboard(entries, load_display_schema(
        _yaml(site_dir, "reported:\n  - {split: demo-test, file: reported/mimic-cxr.json}\n")))
    tr = board["splits"][0]["tracks"]["report"]
    assert tr["n"] is None and tr["rows"] == [] and len(tr["reported"]) == 3 and tr["main_metric"] == "radcliq_v1"
    assert board["splits"][0]["tracks"]["findings"]["rows"]
