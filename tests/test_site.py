"""Unit tests of the static leaderboard site (rexbench.site): contract checks, escaping, downloads,
atomic builds, the display schema. The browser checks live in test_site_browser.py."""

from __future__ import annotations

import copy
import csv
import io
import json
import re
import threading
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markupsafe import escape

from rexbench import site
from rexbench.site import render, svg
from rexbench.site import SiteError, build_site

REPO = Path(__file__).resolve().parents[1]


from .fixtures import leaderboard_factory as factory


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


def _parse(path: Path) -> _Tags:
    p = _Tags()
    p.feed(path.read_text(encoding="utf-8"))
    return p


@pytest.fixture(scope="module")
def lb() -> dict:
    return factory.make_leaderboard(8)


@pytest.fixture(scope="module")
def built(lb, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("site")
    src = root / "src"
    factory.write_per_study_files(lb, src)
    out = root / "build"
    build_site(lb, out, source_root=src)
    return out


@pytest.fixture(scope="module")
def rep_lb() -> dict:
    """The factory leaderboard with ReXrank's reported rows on demo-test/findings and a reported-only card."""
    return factory.add_reported(factory.make_leaderboard(8))


@pytest.fixture(scope="module")
def rep_built(rep_lb, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("rep-site") / "build"
    build_site(rep_lb, out)
    return out


def _ds(built: Path, split_id: str) -> str:
    """A dataset page (one per split: its tracks, tables and pictures)."""
    return (built / "datasets" / f"{split_id}.html").read_text(encoding="utf-8")


def _between(html: str, start: str, end: str = "</table>") -> str:
    i = html.index(start)
    return html[i:html.index(end, i)]


# ---- pages and files -----------------------------------------------------------------------------

def test_writes_every_page_and_download(lb, built):
    expected = {"index.html", "about.html", "downloads.html", "metrics/index.html",
                "static/site.css", "static/site.js", "static/nojs.css", "downloads/leaderboard.json"}
    expected |= {f"datasets/{sp['id']}.html" for sp in lb["splits"]}
    expected |= {f"submissions/{sid}.html" for sid in lb["submissions"]}
    expected |= {f"metrics/{mid}.html" for mid in lb["metrics"]}
    for sp in lb["splits"]:
        for tid in sp["tracks"]:
            expected |= {f"downloads/{sp['id']}-{tid}.csv", f"downloads/{sp['id']}-{tid}.json"}
            for row in sp["tracks"][tid]["rows"]:
                expected.add(f"downloads/{row['submission']}/{sp['id']}/{tid}/per_study.jsonl")
    have = {p.relative_to(built).as_posix() for p in built.rglob("*") if p.is_file()}
    assert expected <= have
    assert {h for h in have if h.endswith(".html")} <= expected          # no stray pages


def test_build_returns_written_files(lb, tmp_path):
    files = build_site(lb, tmp_path / "out")
    assert files == sorted(files)
    assert all(p.is_file() and (tmp_path / "out") in p.parents for p in files)
    assert tmp_path / "out" / "index.html" in files


def test_json_copy_is_the_input(lb, built):
    assert json.loads((built / "downloads" / "leaderboard.json").read_text(encoding="utf-8")) == lb


def test_build_is_deterministic(lb, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    build_site(lb, a)
    build_site(lb, b)
    fa = {p.relative_to(a): p.read_bytes() for p in a.rglob("*") if p.is_file()}
    fb = {p.relative_to(b): p.read_bytes() for p in b.rglob("*") if p.is_file()}
    assert fa == fb


def test_dataset_page_shows_every_row_with_rank_ci_and_direction(lb, built):
    html = _ds(built, "demo-test")
    sp = lb["splits"][0]
    tr = sp["tracks"]["findings"]
    for row in tr["rows"]:
        assert f'data-sub="{row["submission"]}"' in html
    best = tr["rows"][0]
    s = best["scores"]["radcliq_v1"]
    assert f'data-v="{s["value"]!r}"' in html                      # full precision for sorting
    assert f'{site.fmt_num(s["value"])}<small>{site.fmt_ci(s["ci"])}</small>' in html
    fig = _between(html, 'id="ci-demo-test--findings"', "</figure>")          # and in its picture, with its group
    assert f'<text x="{svg.WIDTH - 6}" y="18">G{best["tie_group"]}</text>' in fig
    lo, hi = best["rank_interval"]
    if lo != hi:
        assert f"<small>{lo}–{hi}</small>" in html
    assert 'title="lower is better" aria-hidden="true">↓' in html and 'title="higher is better" aria-hidden="true">↑' in html
    assert f"n = {tr['n']}" in html
    assert 'aria-sort="ascending"' in html


def test_trained_marker_only_on_that_dataset(lb, built):
    demo = _between(_ds(built, "demo-test"), 'role="tablist"', "</section>")          # the tables, not the legend
    mimic = _between(_ds(built, "mimic-cxr-test"), 'role="tablist"', "</section>")
    assert 'class="tr"' not in demo                 # nobody trained on "demo"
    assert 'title="trained on this dataset">†' in mimic


def test_submission_page_has_everything(lb, built):
    sid = "sub-003"
    html = (built / "submissions" / f"{sid}.html").read_text(encoding="utf-8")
    row = next(r for r in lb["splits"][0]["tracks"]["findings"]["rows"] if r["submission"] == sid)
    for m, s in row["scores"].items():
        assert s["signature"] in html
        assert site.fmt_ci(s["ci"]) in html
    assert row["reproduce"] in html
    assert "Paired comparisons with neighbours" in html
    assert "by manufacturer" in html and "CheXpert F1: per observation" in html and "Cardiomegaly" in html
    res = lb["submissions"][sid]["results"]["demo-test"]["findings"]
    for m in row["scores"]:                          # a histogram per metric, with a count (y) axis from 0
        fig = _between(html, f'id="s-{sid}-demo-test--findings-h-{m}"', "</figure>")
        counts = res["distributions"][m]["counts"]
        assert f"over {sum(counts)} studies" in fig and '<text class="tk yl" x="31" y="104">0</text>' in fig
    # forest plots with n, age bands in age order; per-observation F1 bars; each with its CSV
    forest = _between(html, f'id="s-{sid}-demo-test--findings-sg1"', "</figure>")
    assert "by age_band" in forest and "n=" in forest
    bands = re.findall(r'class="lb" x="184" y="[\d.]+">([^<]+) \(n=', forest)
    assert bands == ["18-40", "40-65", "65+"]
    assert f'id="s-{sid}-demo-test--findings-obs-chexpert_f1"' in html
    assert f'href="../downloads/figures/s-{sid}.json" download' in html          # every picture's numbers
    numbers = json.loads((built / "downloads" / "figures" / f"s-{sid}.json").read_text(encoding="utf-8"))
    obs = numbers[f"s-{sid}-demo-test--findings-obs-chexpert_f1"]
    assert obs["columns"] == ["observation", "value", "support"]
    assert obs["rows"] == [[o, v["f1"], v["support"]] for o, v in res["per_observation"].items()]
    assert f'href="../downloads/{sid}/demo-test/findings/per_study.jsonl"' in html
    # 1/x shown next to the raw RadCliQ-v1 for parity
    assert f"1/x = {site.fmt_num(1 / row['scores']['radcliq_v1']['value'])}" in html


def test_one_observation_picture_per_labeler_metric(tmp_path):
    """CheXpert F1 and CheXbert F1 both report per-observation F1: the submission page shows each."""
    lb = factory.add_pictures_data(factory.make_leaderboard(4, n_splits=1, malicious=False))
    build_site(lb, tmp_path / "o")
    html = (tmp_path / "o" / "submissions" / "sub-000.html").read_text(encoding="utf-8")
    res = lb["submissions"]["sub-000"]["results"]["demo-test"]["findings"]
    for mid, name in (("chexpert_f1", "CheXpert F1"), ("chexbert_f1", "CheXbert F1")):
        fig = _between(html, f'id="s-sub-000-demo-test--findings-obs-{mid}"', "</figure>")
        assert f"{name} per observation" in fig
        best = max(res["per_observation_by_metric"][mid].items(), key=lambda kv: kv[1]["f1"])
        assert f"highest: {best[0]} {best[1]['f1']:.3f}" in fig
    assert html.count("<h3>CheXbert F1: per observation</h3>") == 3          # one per track


def test_metric_page_orders_by_metric(lb, built):
    html = (built / "metrics" / "bleu2_rexrank.html").read_text(encoding="utf-8")
    rows = lb["splits"][0]["tracks"]["findings"]["rows"]
    expected = [r["submission"] for r in sorted(rows, key=lambda r: -r["scores"]["bleu2_rexrank"]["value"])]
    section = html[html.index('id="m-demo-test--findings"'):]
    got = [section[i + 10:i + 17] for i in range(len(section)) if section.startswith('data-sub="', i)][: len(expected)]
    assert got == expected
    assert "Full card" in html and "<h3>Inputs</h3>" in html


# ---- untrusted input -----------------------------------------------------------------------------

ALLOWED_TAGS = {"html", "head", "meta", "title", "link", "script", "body", "a", "header", "div", "nav", "main",
                "footer", "p", "h1", "h2", "h3", "h4", "h5", "h6", "section", "span", "strong", "em", "code",
                "abbr", "small", "table", "caption", "colgroup", "col", "thead", "tbody", "tr", "th", "td",
                "button", "details", "summary", "figure", "figcaption", "svg", "g", "line", "path", "circle",
                "rect", "text", "desc", "dl", "dt", "dd", "ul", "ol", "li", "pre", "br", "noscript"}


def _assert_pages_inert(built: Path) -> None:
    for page in sorted(built.rglob("*.html")):
        raw = page.read_text(encoding="utf-8")
        assert "<script>alert" not in raw and "<img" not in raw and "<svg onload" not in raw, page
        parsed = _parse(page)
        for tag, attrs in parsed.tags:
            assert tag in ALLOWED_TAGS, (page, tag)
            assert not any(k.startswith("on") for k in attrs), (page, tag, attrs)
            for key in ("href", "src"):
                v = (attrs.get(key) or "").strip().lower()
                assert not v.startswith(("javascript:", "data:text", "vbscript:")), (page, attrs)
            if tag == "script":
                assert attrs.get("src", "").endswith("static/site.js"), (page, attrs)


def test_untrusted_strings_render_inert(built):
    _assert_pages_inert(built)
    # the names are shown, as text
    index = _parse(built / "index.html")
    text = "".join(index.text)
    assert factory.SCRIPT_NAME in text and factory.IMG_NAME in text
    sub = "".join(_parse(built / "submissions" / "sub-001.html").text)
    assert factory.JS_URL in sub and "not an http(s) URL; not linked" in sub


def test_every_page_has_a_csp(built):
    for page in built.rglob("*.html"):
        assert "script-src 'self'" in page.read_text(encoding="utf-8"), page


@pytest.mark.parametrize("url,ok", [
    ("https://example.org/a?b=1", True), ("http://x.y", True), ("javascript:alert(1)", False),
    (" javascript:alert(1)", False), ("JaVaScRiPt:alert(1)", False), ("data:text/html,<b>", False),
    ("//evil.example", False), ("https://", False), ("https://a.b/\nx", False), (None, False), (3, False),
    ("vbscript:msgbox", False), ("ftp://x.y/z", False),
])
def test_safe_url(url, ok):
    assert (site.safe_url(url) is not None) == ok


def test_markdown_subset_escapes():
    out = str(site.render_markdown("# T\n\n<script>x</script> **b** `<i>` [l](javascript:alert(1)) [ok](https://a.b)\n\n- a\n- b"))
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "<strong>b</strong>" in out and "<code>&lt;i&gt;</code>" in out
    assert 'href="javascript' not in out and '<a href="https://a.b" rel="nofollow noopener">ok</a>' in out
    assert "<h2>T</h2>" in out and "<ul><li>a</li><li>b</li></ul>" in out


def test_number_formatting():
    assert site.fmt_num(0.12345) == "0.123"
    assert site.fmt_num(-0.0001) == "0.000"
    assert site.fmt_num(None) == "–" and site.fmt_num(float("nan")) == "–"
    assert site.fmt_ci([0.1, 0.2]) == "[0.100, 0.200]"
    assert site.fmt_p(0.0001) == "<0.001"
    assert site.data_value(0.1 + 0.2) == "0.30000000000000004"


# ---- downloads -----------------------------------------------------------------------------------

def _csv(built: Path, name: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO((built / "downloads" / name).read_text(encoding="utf-8"))))


def test_csv_follows_rexrank_columns(lb, built):
    text = (built / "downloads" / "demo-test-findings.csv").read_text(encoding="utf-8")
    header = next(csv.reader(io.StringIO(text)))
    assert header[:5] == ["Model", "Institution", "Year", "1/RadCliQ-v1", "BLEU"]
    assert header[5] == "BertScore"
    assert header[6:9] == ["ROUGE-L", "CheXpert F1", "RadCliQ-v1 (mean raw)"]
    assert header[9:18] == ["Rank", "Rank interval low", "Rank interval high", "Tie group", "Submission", "Date",
                            "URL", "n", "Main metric"]
    assert "RadCliQ-v1 (mean raw) CI low" in header and "BLEU CI high" in header
    rows = _csv(built, "demo-test-findings.csv")
    data = lb["splits"][0]["tracks"]["findings"]["rows"]
    assert [r["Submission"] for r in rows] == [d["submission"] for d in data]
    for r, d in zip(rows, data):
        sc = d["scores"]
        if "radcliq_v1" in sc:
            assert float(r["1/RadCliQ-v1"]) == 1.0 / sc["radcliq_v1"]["value"]
            assert float(r["RadCliQ-v1 (mean raw)"]) == sc["radcliq_v1"]["value"]
            assert float(r["RadCliQ-v1 (mean raw) CI low"]) == sc["radcliq_v1"]["ci"][0]
            assert r["Rank"] == str(d["rank"])
        else:
            assert r["1/RadCliQ-v1"] == "" and r["Rank"] == ""
        assert float(r["BLEU"]) == sc["bleu2_rexrank"]["value"]          # full precision
        assert r["ROUGE-L"] == ("" if "rouge_l" not in sc else repr(sc["rouge_l"]["value"]))
        assert r["n"] == "388"


def test_csv_guards_spreadsheet_formulas(lb, tmp_path):
    lb = copy.deepcopy(lb)
    lb["submissions"]["sub-003"]["model_name"] = "=HYPERLINK(\"http://x\")"
    lb["submissions"]["sub-003"]["institution"] = "@SUM(1)"
    build_site(lb, tmp_path / "o")
    rows = _csv(tmp_path / "o", "demo-test-findings.csv")
    r = next(r for r in rows if r["Submission"] == "sub-003")
    assert r["Model"] == "'=HYPERLINK(\"http://x\")" and r["Institution"] == "'@SUM(1)"
    assert not any(r["URL"].startswith("javascript") for r in rows)


def test_track_json(lb, built):
    tj = json.loads((built / "downloads" / "mimic-cxr-test-findings.json").read_text(encoding="utf-8"))
    assert tj["schema"] == "rexbench.leaderboard-track/1" and tj["track"] == "findings"
    assert tj["split"]["id"] == "mimic-cxr-test" and "tracks" not in tj["split"]
    src = lb["splits"][1]["tracks"]["findings"]
    assert [r["submission"] for r in tj["rows"]] == [r["submission"] for r in src["rows"]]
    assert tj["rows"][0]["model_name"] == lb["submissions"][src["rows"][0]["submission"]]["model_name"]
    assert tj["comparisons"] == src["comparisons"]
    assert all("card_markdown" not in m for m in tj["metrics"].values())


def test_per_study_without_source_is_not_linked(lb, tmp_path):
    build_site(lb, tmp_path / "o")
    html = (tmp_path / "o" / "submissions" / "sub-003.html").read_text(encoding="utf-8")
    assert "per_study.jsonl" not in html and "not included in this build" in html
    assert not (tmp_path / "o" / "downloads" / "sub-003").exists()


def test_per_study_extra_files(lb, tmp_path):
    rel = lb["submissions"]["sub-003"]["results"]["demo-test"]["findings"]["downloads"]["per_study"]
    f = tmp_path / "per_study.jsonl"
    f.write_text('{"study_id": "a", "scores": {"bleu2_rexrank": 0.5}, "note": "free text", "x": {"t": "y"}}\n',
                 encoding="utf-8")
    build_site(lb, tmp_path / "o", extra_files={rel: f})
    # ids and numbers only: a text field is never copied into a download (whitelist)
    assert json.loads((tmp_path / "o" / rel).read_text()) == {"study_id": "a", "scores": {"bleu2_rexrank": 0.5}}


def test_per_study_missing_source_file_is_an_error(lb, tmp_path):
    (tmp_path / "src").mkdir()
    with pytest.raises(SiteError, match="not found"):
        build_site(lb, tmp_path / "o", source_root=tmp_path / "src")


@pytest.mark.parametrize("line", [
    '{"study_id": "a", "reference": "No acute findings."}',
    '{"study_id": "a", "extra": {"Reference_Findings": "No acute findings."}}',
    '{"study_id": "a", "ref": "No acute findings."}',
    '{"study_id": "a", "ground_truth": "No acute findings."}',
])
def test_per_study_with_reference_text_is_refused(lb, tmp_path, line):
    rel = lb["submissions"]["sub-003"]["results"]["demo-test"]["findings"]["downloads"]["per_study"]
    f = tmp_path / "ps.jsonl"
    f.write_text('{"study_id": "z", "scores": {"bleu2_rexrank": 0.1}}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(SiteError, match=r"ps.jsonl:2: .*reference text"):
        build_site(lb, tmp_path / "o", extra_files={rel: f})
    assert not (tmp_path / "o").exists()


# ---- contract checks -----------------------------------------------------------------------------

def _broken(lb: dict, mutate) -> dict:
    lb = copy.deepcopy(lb)
    mutate(lb)
    return lb


@pytest.mark.parametrize("mutate,match", [
    (lambda lb: lb.update(schema="rexbench.leaderboard/2"), "schema"),
    (lambda lb: lb.pop("metrics"), "metrics"),
    (lambda lb: lb["columns"].append("nope"), "column 'nope'"),
    (lambda lb: lb["submissions"].update({"../evil": {}}), "not a safe identifier"),
    (lambda lb: lb["splits"][0].update(id="a/b"), "not a safe identifier"),
    (lambda lb: lb["splits"][0]["tracks"]["findings"]["rows"][0].update(submission="ghost"), "unknown submission"),
    (lambda lb: lb["splits"][0]["tracks"]["findings"]["rows"].append(
        dict(lb["splits"][0]["tracks"]["findings"]["rows"][0])), "appears twice"),
    (lambda lb: lb["submissions"]["sub-003"]["results"]["demo-test"]["findings"]["downloads"].update(
        per_study="../../etc/passwd"), "safe relative path"),
    (lambda lb: lb["submissions"]["sub-003"]["results"]["demo-test"]["findings"]["downloads"].update(
        per_study="/etc/passwd"), "safe relative path"),
    (lambda lb: lb["metrics"]["bleu2_rexrank"].pop("higher_is_better"), "higher_is_better"),
])
def test_contract_violations_are_refused(lb, tmp_path, mutate, match):
    with pytest.raises(SiteError, match=match):
        build_site(_broken(lb, mutate), tmp_path / "o")
    assert not (tmp_path / "o").exists()


def test_empty_leaderboard_builds(tmp_path):
    lb = {"schema": "rexbench.leaderboard/1", "rexbench_version": "0.1.0", "notice": "", "metrics": {},
          "columns": [], "splits": [], "submissions": {}}
    build_site(lb, tmp_path / "o")
    assert "No splits on this leaderboard yet" in (tmp_path / "o" / "index.html").read_text(encoding="utf-8")


def test_unranked_track_builds(lb, tmp_path):
    def mutate(d):
        tr = d["splits"][0]["tracks"]["impression"]
        tr["main_metric"] = None
        tr["comparisons"] = []
        for r in tr["rows"]:
            r.update(rank=None, rank_interval=None, tie_group=None)
    build_site(_broken(lb, mutate), tmp_path / "o")
    assert "unranked (no main metric scored)" in _ds(tmp_path / "o", "demo-test")


# ---- atomic output -------------------------------------------------------------------------------

def test_rebuild_replaces_the_old_site(lb, tmp_path):
    out = tmp_path / "build"
    build_site(lb, out)
    (out / "stale.html").write_text("old", encoding="utf-8")
    build_site(lb, out)
    assert not (out / "stale.html").exists() and (out / "index.html").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["build"]          # no temp folders left behind


def test_failed_build_keeps_the_old_site(lb, tmp_path, monkeypatch):
    out = tmp_path / "build"
    build_site(lb, out)
    before = (out / "index.html").read_bytes()

    def boom(*a, **k):
        raise RuntimeError("render failed")
    monkeypatch.setattr(render, "_build_view", boom)
    with pytest.raises(RuntimeError):
        build_site(lb, out)
    assert (out / "index.html").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["build"]


def test_refuses_to_replace_a_foreign_folder(lb, tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "thesis.tex").write_text("precious", encoding="utf-8")
    with pytest.raises(SiteError, match="refusing"):
        build_site(lb, tmp_path / "docs")
    assert (tmp_path / "docs" / "thesis.tex").exists()


# ---- display schema ------------------------------------------------------------------------------

def test_repo_display_schema():
    schema = site.load_display_schema(REPO / "leaderboard_site" / "leaderboard.yaml")
    cols = [c["metric"] for c in schema["columns"]]
    assert cols[:3] == ["radcliq_v1", "bleu2_rexrank", "bertscore"]
    assert next(c for c in schema["columns"] if c["metric"] == "radcliq_v1")["higher_is_better"] is False
    assert schema["ranking"]["default"][0] == "radcliq_v1"
    assert [t["id"] for t in schema["tracks"]] == ["findings", "findings_impression", "impression"]
    assert site.main_metric_for(schema, "findings", {"bleu2_rexrank", "bertscore_minilm"}) == "bertscore_minilm"
    assert site.main_metric_for(schema, "findings", {"rouge_l"}) is None
    assert site.ordered_columns(schema, {"meteor", "zeta", "bleu2_rexrank", "alpha"}) == \
        ["bleu2_rexrank", "meteor", "alpha", "zeta"]


def test_display_schema_errors(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("columns: [bleu]\n", encoding="utf-8")
    with pytest.raises(SiteError, match="ranking"):
        site.load_display_schema(p)
    p.write_text("ranking: {default: [a, a]}\n", encoding="utf-8")
    with pytest.raises(SiteError, match="twice"):
        site.load_display_schema(p)
    p.write_text("ranking: [a]\ncolumns: [{metric: a, higher_is_better: maybe}]\n", encoding="utf-8")
    with pytest.raises(SiteError, match="true or false"):
        site.load_display_schema(p)
    p.write_text("ranking: {default: [a], impression: [b]}\n", encoding="utf-8")
    s = site.load_display_schema(p)
    assert site.main_metric_for(s, "impression", {"a", "b"}) == "b"
    assert site.main_metric_for(s, "findings", {"a", "b"}) == "a"
    with pytest.raises(SiteError, match="not found"):
        site.load_display_schema(tmp_path / "missing.yaml")


# ---- serving -------------------------------------------------------------------------------------

def test_make_server_serves_the_site(built):
    server = site.make_server(built, "127.0.0.1", 0)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        host, port = server.server_address[:2]
        with urllib.request.urlopen(f"http://{host}:{port}/index.html", timeout=10) as r:
            assert r.status == 200 and b"rexbench" in r.read()
        with urllib.request.urlopen(f"http://{host}:{port}/downloads/demo-test-findings.csv", timeout=10) as r:
            assert r.headers["Content-Type"].startswith("text/csv")
    finally:
        server.shutdown()
        server.server_close()
        t.join(5)


def test_make_server_needs_a_build(tmp_path):
    with pytest.raises(SiteError, match="build the site first"):
        site.make_server(tmp_path)


def test_ids_are_unique_and_aria_references_resolve(built, rep_built):
    import collections
    import re

    for page in [*built.rglob("*.html"), *rep_built.rglob("*.html")]:
        html = page.read_text(encoding="utf-8")
        ids = re.findall(r'\bid="([^"]+)"', html)
        assert [k for k, v in collections.Counter(ids).items() if v > 1] == [], page
        for refs in re.findall(r'aria-(?:controls|labelledby)="([^"]+)"', html):
            for ref in refs.split():                 # an id list (a picture: its <title> and <desc>)
                assert ref in ids, (page, ref)


# ---- ReXrank's reported rows ---------------------------------------------------------------------

def test_reported_rows_render_in_their_own_table(rep_lb, rep_built):
    html = _ds(rep_built, "demo-test")
    tr = rep_lb["splits"][0]["tracks"]["findings"]
    ranked = _between(html, 'id="t-demo-test--findings"')
    rep = _between(html, 'id="r-demo-test--findings"')
    card = html[html.index('id="p-demo-test-findings"'):html.index('id="p-demo-test-findings_impression"')]
    # the marker, once, under the ranked table of this track only
    assert card.count(factory.REPORTED_MARKER) == 1 and html.count(factory.REPORTED_MARKER) == 1
    assert card.index('id="t-demo-test--findings"') < card.index(factory.REPORTED_MARKER) < card.index('id="r-demo-test--findings"')
    for r in tr["reported"]:
        assert str(escape(r["model_name"])) in rep
        assert str(escape(r["model_name"])) not in ranked, r["model_name"]      # never in the ranked table
        assert str(escape(r["institution"])) not in ranked
    assert rep.count("Published-Model-") == 4
    assert rep.count("<tr data-i=") == len(tr["reported"])
    assert "data-sub=" not in rep and 'class="rk' not in rep     # no submission rows, no ranks, no tie bands
    assert "<small>[" not in rep and "95% CI" not in rep          # no CIs
    # 1/RadCliQ-v1 as ReXrank shows it (higher is better), sorted on the shown number
    assert '<button type="button">1/RadCliQ-v1<span class="arw" title="higher is better"' in rep
    first = tr["reported"][0]["scores"]["radcliq_v1"]
    assert f'data-v="{first["shown"]!r}" title="as reported: {site.fmt_num(first["shown"], 4)} (1/x; mean raw' in rep
    # the same columns where present: every ReXrank metric, in display order; the missing score is "not reported"
    heads = re.findall(r'data-metric="([^"]+)"', rep)
    assert heads == [c for c in rep_lb["columns"] if c in tr["reported"][0]["scores"]]
    assert "not reported" in rep
    # linked only for http(s) URLs
    assert 'href="https://example.org/published/0"' in rep and "javascript" not in rep.lower()
    assert "no scored submissions on this track yet" not in card


def _text(fragment: str) -> list[str]:
    p = _Tags()
    p.feed(fragment)
    return p.text


def _parse_text(fragment: str) -> str:
    return "".join(_text(fragment))


def test_reported_only_split_card(rep_lb, rep_built):
    html = (rep_built / "index.html").read_text(encoding="utf-8")
    card = _ds(rep_built, "rexrank-mimic-cxr-test")
    card = card[card.index('id="split-rexrank-mimic-cxr-test"'):]
    assert "MIMIC-CXR test (ReXrank)" in card and "dataset <strong>mimic-cxr</strong>" in card
    assert "no scored submissions on this track yet" in card and factory.REPORTED_MARKER in card
    assert 'id="r-rexrank-mimic-cxr-test--findings"' in card and 'id="t-rexrank-mimic-cxr-test--findings"' not in card
    assert "None" not in "".join(_text(html)) and "None" not in "".join(_text(card))
    assert "sha256" not in card.split("</p>")[0]
    assert _between(card, "<tbody>", "</tbody>").count("<tr ") == 4
    # the overview lists scored rows only: no column for the reported-only track, a note that links it
    overview = _between(html, 'id="overview"')
    assert "rexrank-mimic-cxr-test" not in overview and "Published-Model" not in overview
    assert ('href="datasets/rexrank-mimic-cxr-test.html#p-rexrank-mimic-cxr-test-findings">'
            'MIMIC-CXR test (ReXrank) · Findings</a>') in html
    downloads = (rep_built / "downloads.html").read_text(encoding="utf-8")
    assert "MIMIC-CXR test (ReXrank)</th><td>Findings</td><td class=\"num\">–</td>" in downloads
    assert (rep_built / "downloads" / "rexrank-mimic-cxr-test-findings.csv").is_file()
    # a metric only ReXrank reports: its page says so and links the cards
    semb = (rep_built / "metrics" / "semb_score.html").read_text(encoding="utf-8")
    assert factory.REPORTED_DESCRIPTION in semb and "No submission on the leaderboard is scored" in semb
    assert 'href="../datasets/rexrank-mimic-cxr-test.html#p-rexrank-mimic-cxr-test-findings"' in semb


def test_reported_rows_render_inert(rep_built):
    _assert_pages_inert(rep_built)
    text = _parse_text(_ds(rep_built, "demo-test"))
    assert factory.REPORTED_EVIL in text and factory.REPORTED_IMG in text and "<b onmouseover=alert(6)>Bad</b> Lab" in text


def test_reported_csv_has_a_status_column(rep_lb, rep_built):
    tr = rep_lb["splits"][0]["tracks"]["findings"]
    text = (rep_built / "downloads" / "demo-test-findings.csv").read_text(encoding="utf-8")
    header = next(csv.reader(io.StringIO(text)))
    assert header[:4] == ["Model", "Institution", "Year", "1/RadCliQ-v1"]      # ReXrank's schema kept
    assert header[4:10] == ["BLEU", "BertScore", "SembScore", "RadGraph", "RaTEScore", "GREEN"]
    assert header[header.index("Main metric") + 1] == "Status"
    rows = _csv(rep_built, "demo-test-findings.csv")
    assert [r["Status"] for r in rows] == ["scored"] * len(tr["rows"]) + ["reported"] * len(tr["reported"])
    assert [r["Submission"] for r in rows[:len(tr["rows"])]] == [r["submission"] for r in tr["rows"]]
    for r, d in zip(rows[len(tr["rows"]):], tr["reported"]):
        sc = d["scores"]
        assert r["1/RadCliQ-v1"] == repr(sc["radcliq_v1"]["shown"])          # as published, not 1/(1/x)
        assert r["RadCliQ-v1 (mean raw)"] == repr(sc["radcliq_v1"]["value"])
        assert r["BLEU"] == repr(sc["bleu2_rexrank"]["value"])
        assert r["SembScore"] == ("" if "semb_score" not in sc else repr(sc["semb_score"]["value"]))
        assert all(r[k] == "" for k in ("Rank", "Rank interval low", "Tie group", "Submission", "n", "Main metric"))
        assert all(v == "" for k, v in r.items() if " CI " in k)               # never a CI
        assert r["URL"] == (site.safe_url(d["url"]) or "")
    assert rows[len(tr["rows"]) + 1]["URL"] == ""                              # javascript: dropped
    only = _csv(rep_built, "rexrank-mimic-cxr-test-findings.csv")
    assert len(only) == 4 and {r["Status"] for r in only} == {"reported"} and {r["n"] for r in only} == {""}


def test_reported_csv_guards_formulas(rep_lb, tmp_path):
    lb = copy.deepcopy(rep_lb)
    lb["splits"][0]["tracks"]["findings"]["reported"][0].update(model_name="=cmd|' /C calc'!A0", institution="+1")
    build_site(lb, tmp_path / "o")
    r = next(r for r in _csv(tmp_path / "o", "demo-test-findings.csv") if r["Status"] == "reported")
    assert r["Model"] == "'=cmd|' /C calc'!A0" and r["Institution"] == "'+1"


def test_reported_track_json(rep_lb, rep_built):
    tj = json.loads((rep_built / "downloads" / "demo-test-findings.json").read_text(encoding="utf-8"))
    assert tj["reported"] == rep_lb["splits"][0]["tracks"]["findings"]["reported"]
    assert {"semb_score", "radgraph_combined", "ratescore", "green"} <= set(tj["metrics"])
    only = json.loads((rep_built / "downloads" / "rexrank-mimic-cxr-test-findings.json").read_text(encoding="utf-8"))
    assert only["n"] is None and only["rows"] == [] and len(only["reported"]) == 4
    assert only["split"]["sha256"] is None and only["split"]["n_studies"] is None
    plain = json.loads((rep_built / "downloads" / "demo-test-impression.json").read_text(encoding="utf-8"))
    assert plain["reported"] == []


def test_reported_rows_do_not_change_the_ranked_table(lb, rep_lb, built, rep_built):
    a = _between(_ds(built, "demo-test"), 'id="t-demo-test--findings"')
    b = _between(_ds(rep_built, "demo-test"), 'id="t-demo-test--findings"')
    assert a == b


def _rep(lb: dict) -> dict:
    return lb["splits"][0]["tracks"]["findings"]["reported"]


@pytest.mark.parametrize("mutate,match", [
    (lambda lb: _rep(lb)[0]["scores"]["bleu2_rexrank"].update(ci=[0.1, 0.2]), "no CI"),
    (lambda lb: _rep(lb)[0].update(rank=1), "no 'rank'"),
    (lambda lb: _rep(lb)[0].update(tie_group=1), "no 'tie_group'"),
    (lambda lb: _rep(lb)[0].update(submission="sub-000"), "no 'submission'"),
    (lambda lb: _rep(lb)[0]["scores"].update(nope={"value": 1.0, "shown": 1.0, "shown_as": "x"}), "unknown metric 'nope'"),
    (lambda lb: _rep(lb)[0]["scores"]["bleu2_rexrank"].update(shown_as="log"), "shown_as"),
    (lambda lb: _rep(lb)[0]["scores"]["bleu2_rexrank"].update(shown=None), "finite value and shown"),
    (lambda lb: _rep(lb)[0].update(model_name=""), "model_name"),
    (lambda lb: lb["splits"][0]["tracks"]["findings"].update(reported={"a": 1}), "reported must be a list"),
    (lambda lb: lb["splits"][0]["tracks"]["findings"].update(n=None), "n is null"),
    (lambda lb: lb["splits"][2]["tracks"]["findings"].update(n="many"), "non-negative integer"),
])
def test_reported_contract_violations_are_refused(rep_lb, tmp_path, mutate, match):
    with pytest.raises(SiteError, match=match):
        build_site(_broken(rep_lb, mutate), tmp_path / "o")
    assert not (tmp_path / "o").exists()
