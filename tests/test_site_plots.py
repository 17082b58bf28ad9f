"""The site's SVG pictures (rexbench.site: svg, plots_ranking, plots_details): round ticks, age order, geometry, escaping, text alternatives."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from rexbench.site import plots_details, plots_ranking, svg


@pytest.mark.parametrize("lo,hi,expected", [
    (0.099, 0.314, [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35]),        # the odd ticks, now round
    (0.0, 1.0, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
    (1, 7, [0, 2, 4, 6, 8]),
    (0.31, 0.33, [0.31, 0.315, 0.32, 0.325, 0.33]),
    (-0.4, 0.95, [-0.5, 0.0, 0.5, 1.0]),
    (12.0, 12.0, [11.25, 11.5, 11.75, 12.0, 12.25, 12.5, 12.75]),        # a single value gets a range around it
])
def test_nice_ticks_are_round_and_cover_the_data(lo, hi, expected):
    a, b, ticks, labels = svg.nice_ticks(lo, hi)
    assert ticks == pytest.approx(expected) and a <= lo and b >= hi
    assert [float(x) for x in labels] == pytest.approx(expected)
    assert len({len(x.split(".")[-1]) for x in labels if "." in x}) <= 1      # one number of decimals


def test_rank_axis_ticks_every_rank():
    assert svg.nice_ticks(1, 7, target=6)[2] == [1, 2, 3, 4, 5, 6, 7]


def test_tick_labels():
    assert svg.nice_ticks(0.099, 0.314)[3] == ["0.05", "0.10", "0.15", "0.20", "0.25", "0.30", "0.35"]
    assert svg.nice_ticks(0.31, 0.33)[3] == ["0.310", "0.315", "0.320", "0.325", "0.330"]
    assert svg.nice_ticks(-0.4, 0.95)[3] == ["-0.5", "0.0", "0.5", "1.0"]


def test_age_bands_sort_in_age_order():
    labels = ["80+", "<18", "60-79", "unknown", "18-39", "40-59"]
    assert sorted(labels, key=plots_details.age_order) == ["<18", "18-39", "40-59", "60-79", "80+", "unknown"]


def _parse(fig: svg.Figure) -> ET.Element:
    return ET.fromstring(str(fig.svg))


def test_dot_whisker_geometry_groups_and_escaping():
    items = [{"label": "<script>alert(1)</script>", "value": 0.2, "ci": [0.1, 0.3], "group": 1},
             {"label": "B", "value": 0.25, "ci": [0.2, 0.3], "group": 1},
             {"label": "Base", "value": 0.15, "ci": [0.1, 0.2], "group": None, "reference": True},
             {"label": "C", "value": 0.5, "ci": [0.45, 0.55], "group": 2}]
    fig = plots_ranking.dot_whisker("f", "T", items, higher_is_better=True, metric="BLEU")
    root = _parse(fig)                                     # well-formed XML: every label escaped
    assert "<script>" not in str(fig.svg) and "&lt;script&gt;" in str(fig.svg)
    ns = ""                                                 # inline SVG in HTML: no namespace
    assert root.get("role") == "img" and root.get("aria-labelledby") == "f-t f-d"
    assert root.find(f"{ns}title").text == "T" and "4 systems by BLEU" in root.find(f"{ns}desc").text
    # axis 0.1 .. 0.55 -> ticks 0.1, 0.2, ... 0.6 mapped onto [192, 596]
    ticks = [t.text for t in root.iter(f"{ns}text") if t.get("class") == "tk"]
    assert ticks == ["0.1", "0.2", "0.3", "0.4", "0.5", "0.6"]
    dots = {p.get("class"): p.get("d") for p in root.iter(f"{ns}path") if p.get("class", "").startswith("d ")}
    assert dots["d g1"] == "M272.8 14h0M313.2 30h0"         # group 1: x = 192 + (v - .1) / .5 * 404
    assert dots["d ref"] == "M232.4 46h0" and dots["d g0"] == "M515.2 62h0"
    tags = [t.text for t in root.find(f"{ns}g[@class='gl']")]
    assert tags == ["G1", "ref", "G2"]                      # a label per group (on its first row) and per baseline
    assert fig.rows[2] == ["Base", 0.15, 0.1, 0.2, "", "yes"]


def test_pairwise_matrix_marks_direction_and_significance():
    systems = [("a", "A"), ("b", "B"), ("c", "C")]
    pairs = [{"a": "a", "b": "b", "diff": 0.1, "p_value": 0.001, "p_holm": 0.003, "better": "a"},
             {"a": "a", "b": "c", "diff": 0.2, "p_value": 0.2, "p_holm": 0.4, "better": "a"},
             {"a": "b", "b": "c", "diff": 0.1, "p_value": 0.01, "p_holm": 0.02, "better": "c"}]
    fig = plots_ranking.pairwise_matrix("p", "T", systems, pairs, metric="M", n_ranked=3)
    root = _parse(fig)
    ns = ""                                                 # inline SVG in HTML: no namespace
    rows = [t.text for t in root.find(f"{ns}g[@class='gy']")]
    assert rows == ["+·", "−−", "·+"]                        # row vs column, diagonal left out
    assert "2 of 3 pairs differ significantly" in fig.desc
    assert fig.rows[2][-2:] == ["C", "yes"]


def test_histogram_has_a_count_axis():
    fig = plots_details.histogram("h", "T", [0.0, 0.5, 1.0], [3, 17], metric="BLEU")
    root = _parse(fig)
    ns = ""                                                 # inline SVG in HTML: no namespace
    y = [t.text for t in root.iter(f"{ns}text") if t.get("class") == "tk yl"]
    assert y == ["0", "10", "20"]
    assert "over 20 studies" in fig.desc and fig.rows == [[0.0, 0.5, 3], [0.5, 1.0, 17]]


def test_every_builder_gives_none_without_data():
    assert plots_ranking.dot_whisker("x", "t", [], higher_is_better=True, metric="m") is None
    assert plots_ranking.rank_intervals("x", "t", []) is None
    assert plots_ranking.pairwise_matrix("x", "t", [("a", "A")], [], metric="m", n_ranked=1) is None
    assert plots_details.heatmap("x", "t", ["a"], [[1.0]], what="w") is None
    assert plots_details.forest("x", "t", [], field_name="sex", overall=None, metric="m") is None
    assert plots_details.bars("x", "t", [], what="w") is None
    assert plots_ranking.timeline("x", "t", [{"label": "a", "date": "not a date", "value": 1.0}], metric="m",
                          higher_is_better=True) is None
    assert plots_ranking.dumbbell("x", "t", [], metric="m") is None
    assert plots_details.histogram("x", "t", [0.0], [], metric="m") is None


def test_heatmap_colours_and_missing_cells():
    fig = plots_details.heatmap("h", "T", ["A", "B", "C"], [[1.0, 0.5, None], [0.5, 1.0, -1.0], [None, -1.0, 1.0]],
                        what="tau")
    svg = str(fig.svg)
    assert svg.count("<rect") == 9 and 'fill="#2563eb"' in svg and 'fill="#d97706"' in svg
    assert 'fill="#e5e7eb"' in svg                            # undefined: grey, shown as –
    assert re.findall(r'class="cv[^"]*"[^>]*>([^<]+)<', svg) == ["0.50", "–", "0.50", "-1.00", "–", "-1.00"]
    assert "weakest: B and C (-1.00)" in fig.desc
