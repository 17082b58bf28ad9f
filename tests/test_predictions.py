"""Predictions: every accepted format, and every bad input refused with one clear line per problem.

The bad-input matrix runs through the CLI (`rexbench validate` and `rexbench score --out DIR`): each case
checks the exit code (1), that each message names the file and the id (or line), the number of error
lines, and that nothing was written.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import CHEAP_METRICS, invoke, write_jsonl
from rexbench.errors import InputError
from rexbench.predictions import read_predictions, validate
from rexbench.splits import load_split
from rexbench.tracks import ALL_TRACKS, TRACKS, combine

# A small custom reference split: s5 has no findings (so it is in the impression track only).
REFS = [
    {"id": "s1", "findings": "Heart size normal. Lungs clear.", "impression": "No acute disease."},
    {"id": "s2", "findings": "Small left effusion.", "impression": "Left effusion."},
    {"id": "s3", "findings": "Right lower lobe opacity.", "impression": "Pneumonia."},
    {"id": "s4", "findings": "Cardiomegaly.", "impression": "Enlarged heart."},
    {"id": "s5", "findings": "", "impression": "Stable appearance."},
]
IDS = [r["id"] for r in REFS]


def good_rows() -> list[dict]:
    return [{"id": i, "findings": f"pred findings {i}", "impression": f"pred impression {i}"} for i in IDS]


@pytest.fixture
def refs(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "refs.jsonl", REFS)


# --------------------------------------------------------------------------------------------------
# accepted formats
# --------------------------------------------------------------------------------------------------

def test_jsonl_sections(tmp_path: Path, refs: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", good_rows())
    preds = read_predictions(path)
    assert preds.format == "jsonl"
    assert list(preds.entries) == IDS
    aligned = validate(preds, load_split(str(refs)), TRACKS)
    assert set(aligned) == set(TRACKS)
    assert aligned["findings"].ids == ["s1", "s2", "s3", "s4"]          # s5 has no reference findings
    assert aligned["impression"].ids == IDS
    assert aligned["findings_impression"].ids == ["s1", "s2", "s3", "s4"]
    fi = aligned["findings_impression"]
    assert fi.predictions[0] == "Findings: pred findings s1 Impression: pred impression s1"
    assert fi.references[0] == "Findings: Heart size normal. Lungs clear. Impression: No acute disease."
    assert aligned["findings"].references == [r["findings"] for r in REFS[:4]]


def test_study_without_reference_section_needs_no_predicted_section(tmp_path: Path, refs: Path) -> None:
    rows = good_rows()
    rows[4]["findings"] = ""            # s5: no reference findings, so an empty predicted one is fine
    aligned = validate(read_predictions(write_jsonl(tmp_path / "p.jsonl", rows)), load_split(str(refs)), TRACKS)
    assert "s5" not in aligned["findings"].ids and "s5" in aligned["impression"].ids


def test_jsonl_single_report_is_used_for_every_track(tmp_path: Path, refs: Path) -> None:
    rows = [{"id": i, "report": f"whole report {i}"} for i in IDS]
    aligned = validate(read_predictions(write_jsonl(tmp_path / "p.jsonl", rows)), load_split(str(refs)), TRACKS)
    for track in TRACKS:
        assert all(p == f"whole report {i}" for i, p in zip(aligned[track].ids, aligned[track].predictions))


def test_csv_study_id_report(tmp_path: Path, refs: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("study_id,report\n" + "".join(f'{i},"text, with a comma {i}"\n' for i in IDS), encoding="utf-8")
    preds = read_predictions(path)
    assert preds.format == "csv"
    assert preds.entries["s3"].report == "text, with a comma s3"
    assert preds.entries["s3"].where == f"{path}:4"
    assert validate(preds, load_split(str(refs)), TRACKS)["impression"].ids == IDS


def test_csv_with_bom_and_sections(tmp_path: Path, refs: Path) -> None:
    path = tmp_path / "p.csv"
    body = "id,findings,impression\n" + "".join(f"{i},f {i},i {i}\n" for i in IDS)
    path.write_bytes(b"\xef\xbb\xbf" + body.encode("utf-8"))
    preds = read_predictions(path)
    assert list(preds.entries) == IDS
    assert preds.entries["s1"].text("findings_impression") == combine("f s1", "i s1")


def test_rexrank_prediction_json(tmp_path: Path, refs: Path) -> None:
    data = {i: {"section_findings": "x", "report": "Findings: x", "model_prediction": f"model says {i}"} for i in IDS}
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    preds = read_predictions(path)
    assert preds.format == "rexrank-json"
    assert preds.entries["s2"].report == "model says s2"
    assert validate(preds, load_split(str(refs)), TRACKS)["findings"].predictions[0] == "model says s1"


def test_ids_are_never_cast(tmp_path: Path) -> None:
    refs = write_jsonl(tmp_path / "refs.jsonl", [{"id": "00123", "findings": "a", "impression": "b"},
                                                 {"id": "123", "findings": "c", "impression": "d"}])
    split = load_split(str(refs))
    assert [s.id for s in split.studies] == ["00123", "123"]
    preds = tmp_path / "p.json"
    preds.write_text(json.dumps({"00123": {"model_prediction": "x"}, "123": {"model_prediction": "y"}}))
    aligned = validate(read_predictions(preds), split, TRACKS)
    assert aligned["findings"].ids == ["00123", "123"]
    assert aligned["findings"].predictions == ["x", "y"]


def test_predictions_sha256_is_the_file_hash(tmp_path: Path) -> None:
    import hashlib

    path = write_jsonl(tmp_path / "p.jsonl", good_rows())
    assert read_predictions(path).sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_track_without_studies_is_left_out(tmp_path: Path, refs: Path) -> None:
    preds = read_predictions(write_jsonl(tmp_path / "p.jsonl", good_rows()))
    aligned = validate(preds, load_split(str(refs)), ALL_TRACKS)
    assert "report" not in aligned           # no study of this split has a single-text reference


def test_demo_baseline_submission_validates() -> None:
    from .conftest import REPO

    preds = REPO / "submissions" / "normal-template" / "predictions.jsonl"
    if not preds.is_file():
        pytest.skip("no normal-template submission")
    split = load_split("demo:test")
    aligned = validate(read_predictions(preds), split, TRACKS)
    assert {t: len(a.ids) for t, a in aligned.items()} == {t: len(split.track_studies(t)) for t in TRACKS}


# --------------------------------------------------------------------------------------------------
# every bad input: CLI message, exit code, nothing written
# --------------------------------------------------------------------------------------------------

def _jsonl(rows):
    return lambda p: write_jsonl(p, rows)


def _bytes(data: bytes):
    return lambda p: p.write_bytes(data)


def _text(text: str):
    return lambda p: p.write_text(text, encoding="utf-8")


def _rexrank(data: dict):
    return lambda p: p.write_text(json.dumps(data), encoding="utf-8")


def _rows_with(index: int, row) -> list:
    rows: list = good_rows()
    rows[index] = row
    return rows


GOOD_LINES = [json.dumps(r) for r in good_rows()]
RR = {i: {"model_prediction": f"pred {i}"} for i in IDS}

# name, file name, writer, expected substrings per error line (one list entry per expected error line)
BAD_INPUTS = [
    ("missing id", "p.jsonl", _jsonl(good_rows()[:2] + good_rows()[3:]),
     [["missing prediction for id 's3'"]]),
    ("two missing ids", "p.jsonl", _jsonl(good_rows()[:3]),
     [["missing prediction for id 's4'"], ["missing prediction for id 's5'"]]),
    ("extra id", "p.jsonl", _jsonl(good_rows() + [{"id": "s9", "report": "x"}]),
     [["p.jsonl:6", "id 's9' is not in split"]]),
    ("duplicate id", "p.jsonl", _jsonl(good_rows() + [good_rows()[1]]),
     [["p.jsonl:6", "id 's2'", "duplicate", "first at", "p.jsonl:2"]]),
    ("empty report", "p.jsonl", _jsonl(_rows_with(1, {"id": "s2", "report": ""})),
     [["p.jsonl:2", "id 's2'", "empty prediction", "findings", "impression"]]),
    ("whitespace-only report", "p.jsonl", _jsonl(_rows_with(1, {"id": "s2", "report": " \t\n "})),
     [["p.jsonl:2", "id 's2'", "empty prediction"]]),
    ("empty findings section", "p.jsonl", _jsonl(_rows_with(0, {"id": "s1", "findings": "  ", "impression": "ok"})),
     [["p.jsonl:1", "id 's1'", "empty prediction", "findings"]]),
    ("number report", "p.jsonl", _jsonl(_rows_with(1, {"id": "s2", "report": 42})),
     [["p.jsonl:2", "id 's2'", "report must be a string", "number"]]),
    ("null report", "p.jsonl", _jsonl(_rows_with(1, {"id": "s2", "report": None})),
     [["p.jsonl:2", "id 's2'", "report must be a string", "null"]]),
    ("list report", "p.jsonl", _jsonl(_rows_with(1, {"id": "s2", "report": ["a", "b"]})),
     [["p.jsonl:2", "id 's2'", "report must be a string", "list"]]),
    ("null findings", "p.jsonl", _jsonl(_rows_with(2, {"id": "s3", "findings": None, "impression": "x"})),
     [["p.jsonl:3", "id 's3'", "findings must be a string", "null"]]),
    ("no text at all", "p.jsonl", _jsonl(_rows_with(2, {"id": "s3"})),
     [["p.jsonl:3", "id 's3'", "no prediction text"]]),
    ("number id", "p.jsonl", _jsonl(_rows_with(1, {"id": 2, "report": "x"})),
     [["p.jsonl:2", "id 2", "number", "ids are strings"]]),
    ("missing id field", "p.jsonl", _jsonl(_rows_with(1, {"report": "x"})),
     [["p.jsonl:2", "missing id"]]),
    ("bad utf-8", "p.jsonl", _bytes(("\n".join(GOOD_LINES[:2]) + "\n").encode() + b'{"id": "s3", "report": "caf\xe9"}\n'),
     [["p.jsonl:3", "not valid UTF-8", "0xe9"]]),
    ("malformed json line", "p.jsonl", _text("\n".join(GOOD_LINES[:1] + ['{"id": "s2", "report": '] + GOOD_LINES[2:]) + "\n"),
     [["p.jsonl:2", "not valid JSON"]]),
    ("json array line", "p.jsonl", _text("\n".join(GOOD_LINES[:4] + ['["s5", "x"]']) + "\n"),
     [["p.jsonl:5", "expected a JSON object"]]),
    ("empty file", "p.jsonl", _text(""), [["p.jsonl", "no records"]]),
    ("csv wrong columns", "p.csv", _text("patient,text\n" + "".join(f"{i},x\n" for i in IDS)),
     [["p.csv:1", "CSV header", "id column", "patient, text", "study_id,report"]]),
    ("csv without text column", "p.csv", _text("study_id,text\n" + "".join(f"{i},x\n" for i in IDS)),
     [["p.csv:1", "text column"]]),
    ("csv extra cells", "p.csv", _text("study_id,report\ns1,a\ns2,b,c\n" + "".join(f"{i},x\n" for i in IDS[2:])),
     [["p.csv:3", "id 's2'", "more cell"]]),
    ("csv empty cell", "p.csv", _text("study_id,report\ns1,a\ns2,\n" + "".join(f"{i},x\n" for i in IDS[2:])),
     [["p.csv:3", "id 's2'", "empty prediction"]]),
    ("csv missing id", "p.csv", _text("study_id,report\n" + "".join(f"{i},x\n" for i in IDS[:-1])),
     [["p.csv", "missing prediction for id 's5'"]]),
    ("csv bad utf-8", "p.csv", _bytes(b"study_id,report\ns1,a\ns2,\xff\xfe\n"),
     [["p.csv:3", "not valid UTF-8"]]),
    ("rexrank without model_prediction", "p.json",
     _rexrank({**RR, "s2": {"report": "Findings: x", "section_findings": "x"}}),
     [["p.json", "id 's2'", "model_prediction"]]),
    ("rexrank null model_prediction", "p.json", _rexrank({**RR, "s4": {"model_prediction": None}}),
     [["p.json", "id 's4'", "model_prediction must be a string", "null"]]),
    ("rexrank duplicate key", "p.json",
     _text('{"s1": {"model_prediction": "a"}, "s2": {"model_prediction": "b"}, "s2": {"model_prediction": "c"},'
           ' "s3": {"model_prediction": "a"}, "s4": {"model_prediction": "a"}, "s5": {"model_prediction": "a"}}'),
     [["p.json", "duplicate key 's2'"]]),
    ("rexrank malformed", "p.json", _text('{\n"s1": {"model_prediction": "a"},\n"s2": \n}'),
     [["p.json:4", "not valid JSON"]]),
    ("rexrank bad utf-8", "p.json", _bytes(b'{"s1": {"model_prediction": "\xc3\x28"}}'),
     [["p.json:1", "not valid UTF-8"]]),
    ("rexrank not an object", "p.json", _text('["s1", "s2"]'), [["p.json", "expected a JSON object"]]),
    ("rexrank empty model_prediction", "p.json", _rexrank({**RR, "s1": {"model_prediction": "   "}}),
     [["p.json", "id 's1'", "empty prediction"]]),
    ("unsupported extension", "p.txt", _text("s1 a\n"), [["p.txt", "unsupported predictions file type"]]),
]


@pytest.mark.parametrize("command", ["validate", "score"])
@pytest.mark.parametrize("name,filename,writer,expected", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_refused(tmp_path: Path, tmp_cache: Path, refs: Path, command: str, name: str,
                              filename: str, writer, expected: list[list[str]]) -> None:
    path = tmp_path / filename
    writer(path)
    out = tmp_path / "out"
    args = [command, "--references", refs, "--predictions", path]
    if command == "score":
        args += ["--metrics", CHEAP_METRICS, "--bootstrap", "50", "--out", out]
    result = invoke(*args)
    assert result.exit_code == 1, result.text
    lines = result.error_lines
    assert len(lines) == len(expected), f"{name}: expected {len(expected)} error line(s), got:\n{result.stderr}"
    for line, parts in zip(lines, expected):
        assert path.name in line, f"message does not name the file: {line}"
        for part in parts:
            assert part in line, f"{part!r} not in {line!r}"
    assert "Traceback" not in result.text
    assert "OK" not in result.stdout and result.stdout.strip() == ""
    assert not out.exists(), "a refused run must write nothing"
    assert not (tmp_cache / "scores").exists(), "a refused run must compute nothing"


def test_missing_predictions_file(tmp_path: Path, refs: Path) -> None:
    result = invoke("validate", "--references", refs, "--predictions", tmp_path / "nope.jsonl")
    assert result.exit_code == 1
    assert "nope.jsonl" in result.stderr and "not found" in result.stderr


def test_refused_run_keeps_previous_results(tmp_path: Path, tmp_cache: Path, refs: Path) -> None:
    """A failing rerun into an existing results folder leaves the old files byte-identical."""
    out = tmp_path / "out"
    good = write_jsonl(tmp_path / "good.jsonl", good_rows())
    ok = invoke("score", "--references", refs, "-p", good, "--metrics", CHEAP_METRICS, "--bootstrap", "50", "--out", out)
    assert ok.exit_code == 0, ok.text
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert set(before) == {"results.json", "per_study.jsonl"}
    bad = write_jsonl(tmp_path / "bad.jsonl", good_rows()[:-1])
    result = invoke("score", "--references", refs, "-p", bad, "--metrics", CHEAP_METRICS, "--bootstrap", "50", "--out", out)
    assert result.exit_code == 1
    assert "missing prediction for id 's5'" in result.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


@pytest.mark.parametrize("command", ["validate", "score"])
def test_more_than_20_problems_are_capped(tmp_path: Path, tmp_cache: Path, command: str) -> None:
    split = load_split("demo:test")
    keep = split.studies[:10]
    path = write_jsonl(tmp_path / "few.jsonl", [{"id": s.id, "report": "x"} for s in keep])
    out = tmp_path / "out"
    args = [command, "--split", "demo:test", "-p", path]
    if command == "score":
        args += ["--metrics", CHEAP_METRICS, "--bootstrap", "50", "--out", out]
    result = invoke(*args)
    assert result.exit_code == 1
    lines = result.error_lines
    n_missing = len(split.studies) - len(keep)
    # most of the split is missing: a summary line comes first, then per-id lines, capped at 20 in all
    assert len(lines) == 21, result.stderr
    assert lines[0].endswith("few.jsonl: 10 of 10 ids are in split demo:test (400 studies)"), result.stderr
    assert all("few.jsonl" in line and "missing prediction for id 'p" in line for line in lines[1:20])
    assert lines[20] == f"error: ... and {n_missing - 19} more problem(s)"
    missing_ids = [s.id for s in split.studies[10:29]]
    assert [line.split("id ", 1)[1] for line in lines[1:20]] == [repr(i) for i in missing_ids]
    assert not out.exists()


def test_read_problems_are_capped_too(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [{"id": n, "report": "x"} for n in range(25)])
    with pytest.raises(InputError) as info:
        read_predictions(path)
    assert len(info.value.problems) == 25
    lines = str(info.value).splitlines()
    assert len(lines) == 21 and lines[-1] == "... and 5 more problem(s)"
    assert lines[0].startswith(f"{path}:1: id 0 is a number")


def test_every_problem_is_reported_at_once(tmp_path: Path, refs: Path) -> None:
    """Missing, extra and empty problems come together, not one per run."""
    rows = good_rows()[:4] + [{"id": "zz", "report": "x"}]
    rows[0] = {"id": "s1", "report": ""}
    with pytest.raises(InputError) as info:
        validate(read_predictions(write_jsonl(tmp_path / "p.jsonl", rows)), load_split(str(refs)), TRACKS)
    problems = info.value.problems
    assert len(problems) == 3
    assert any("missing prediction for id 's5'" in p for p in problems)
    assert any("id 'zz' is not in split" in p for p in problems)
    assert any("id 's1'" in p and "empty prediction" in p for p in problems)


def test_ids_with_surrounding_whitespace_are_refused_not_trimmed(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [{"id": " s1", "report": "x"}, {"id": "s2 ", "report": "y"}])
    with pytest.raises(InputError) as info:
        read_predictions(path)
    assert info.value.problems == [f"{path}:1: id ' s1' has leading or trailing whitespace (ids must match exactly)",
                                   f"{path}:2: id 's2 ' has leading or trailing whitespace (ids must match exactly)"]


# --------------------------------------------------------------------------------------------------
# exact messages and edge cases, in process (cases found by mutation testing, `make mutation`)
# --------------------------------------------------------------------------------------------------

def _problems(path: Path, split_path: Path | None = None, tracks=TRACKS) -> list[str]:
    with pytest.raises(InputError) as info:
        preds = read_predictions(path)
        validate(preds, load_split(str(split_path)), tracks)
    return info.value.problems


def _jsonl_problems(tmp_path: Path, rows: list) -> tuple[str, list[str]]:
    """The problems read_predictions reports for these JSONL rows, and the file's path."""
    path = write_jsonl(tmp_path / "p.jsonl", rows)
    with pytest.raises(InputError) as info:
        read_predictions(path)
    return str(path), info.value.problems


def test_json_type_names_in_messages() -> None:
    from rexbench.records import json_kind

    assert [json_kind(v) for v in (None, True, False, 0, 1.5, [], {}, "x", (1,))] == \
        ["null", "boolean", "boolean", "number", "number", "list", "object", "string", "tuple"]


def test_jsonl_value_problems_exact(tmp_path: Path) -> None:
    rows = [{"id": "s1", "report": True}, {"id": "s2", "report": {"a": 1}},
            {"id": "s3", "findings": 1.5, "impression": "ok"}, {"id": "s4", "findings": "ok", "impression": []},
            {"id": True, "report": "x"}, {"id": "", "report": "x"}, {"id": "  ", "report": "x"},
            {"id": "s8", "report": "x", "prediction": "y"}, {"id": "s9", "report": "x", "findings": "y"},
            {"id": "s10", "findings": "f", "impression": None},
            {"id": "s11", "report": "a" * 100_001}, {"id": "s12", "findings": "f", "impression": "i" * 100_001}]
    p, problems = _jsonl_problems(tmp_path, rows)
    assert problems == [
        f"{p}:1: id 's1': report must be a string, got boolean",
        f"{p}:2: id 's2': report must be a string, got object",
        f"{p}:3: id 's3': findings must be a string, got number",
        f"{p}:4: id 's4': impression must be a string, got list",
        f"{p}:5: id True is a boolean, not a string (ids are strings, e.g. \"CXR3030_IM-1405\")",
        f"{p}:6: empty id (ids are strings, e.g. \"CXR3030_IM-1405\")",
        f"{p}:7: empty id (ids are strings, e.g. \"CXR3030_IM-1405\")",
        f"{p}:8: id 's8': both 'report' and 'prediction' are given; give one report text, or findings/impression, "
        f"not both",
        f"{p}:9: id 's9': both 'report' and 'findings' are given; give one report text, or findings/impression, "
        f"not both",
        f"{p}:10: id 's10': impression must be a string, got null",
        f"{p}:11: id 's11': report is 100,001 characters, over the 100,000-character limit for one report",
        f"{p}:12: id 's12': impression is 100,001 characters, over the 100,000-character limit for one report",
    ]


def test_jsonl_text_exactly_at_the_limit_is_accepted(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [{"id": "s1", "report": "a" * 100_000},
                                             {"id": "s2", "findings": "f", "impression": "i" * 100_000}])
    entries = read_predictions(path).entries
    assert len(entries["s1"].report) == 100_000 and len(entries["s2"].impression) == 100_000
    assert entries["s2"].where == f"{path}:2" and entries["s2"].report is None


def test_csv_header_problems_exact(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    columns = [f"c{i}" for i in range(12)]
    path.write_text(",".join(columns) + "\n" + ",".join("x" for _ in columns) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_predictions(path)
    assert info.value.problems == [
        f"{path}:1: CSV header lacks the id column (study_id or id) and the text column (report, or "
        f"findings/impression); found columns c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, ... (expected study_id,report)"]
    path.write_text("id,findings,impression\ns1,f,i\n", encoding="utf-8")            # id + sections: accepted
    entries = read_predictions(path).entries
    assert entries["s1"].findings == "f" and entries["s1"].impression == "i" and entries["s1"].where == f"{path}:2"
    path.write_text("study_id,prediction\ns1,a\n", encoding="utf-8")
    assert read_predictions(path).entries["s1"].report == "a"
    path.write_text("a" * 50 + ",id\nx,s1\n", encoding="utf-8")                      # long column names are cut
    with pytest.raises(InputError, match=r"text column .*; found columns a{40}, id \(expected"):
        read_predictions(path)


def test_rexrank_json_problems_exact(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"s1": "a bare string", "s2": {"report": "x"}, "s3": {"model_prediction": 7},
                                "s4": {"model_prediction": "m" * 100_001}, "s5": {"model_prediction": "ok"}}))
    with pytest.raises(InputError) as info:
        read_predictions(path)
    p = str(path)
    assert info.value.problems == [
        f"{p}: id 's1': no \"model_prediction\" field",
        f"{p}: id 's2': no \"model_prediction\" field",
        f"{p}: id 's3': model_prediction must be a string, got number",
        f"{p}: id 's4': model_prediction is 100,001 characters, over the 100,000-character limit for one report"]
    path.write_text(json.dumps({"s5": {"model_prediction": "m" * 100_000}, "s6": {"model_prediction": ""}}))
    preds = read_predictions(path)
    assert preds.format == "rexrank-json" and set(preds.entries) == {"s5", "s6"}
    assert preds.entries["s5"].where == p and len(preds.entries["s5"].report) == 100_000
    assert preds.entries["s5"].text("findings") == preds.entries["s5"].report


def test_validate_messages_exact(tmp_path: Path, refs: Path) -> None:
    rows = good_rows()
    rows[0] = {"id": "s1", "findings": "", "impression": "  "}        # empty on all three of its tracks
    rows[1] = {"id": "s2", "findings": "f", "impression": ""}         # empty on impression and the combined track
    rows[3] = {"id": "s4", "findings": "", "impression": "i"}
    rows[4] = {"id": "x9", "report": "r"}
    path = write_jsonl(tmp_path / "p.jsonl", rows)
    p = str(path)
    assert _problems(path, refs) == [
        f"{p}: missing prediction for id 's5'",
        f"{p}:5: id 'x9' is not in split {load_split(str(refs)).id}",
        f"{p}:1: id 's1': empty prediction for tracks findings, impression, findings_impression",
        f"{p}:4: id 's4': empty prediction for tracks findings, findings_impression",
        f"{p}:2: id 's2': empty prediction for tracks impression, findings_impression"]
    assert _problems(path, refs, ("impression",))[2:] == [
        f"{p}:1: id 's1': empty prediction for track impression",
        f"{p}:2: id 's2': empty prediction for track impression"]


def test_validate_aligns_by_split_order(tmp_path: Path, refs: Path) -> None:
    rows = good_rows()[::-1]
    rows[0] = {"id": "s5", "report": "one text"}
    aligned = validate(read_predictions(write_jsonl(tmp_path / "p.jsonl", rows)), load_split(str(refs)), TRACKS)
    split = load_split(str(refs))
    assert list(aligned) == list(TRACKS)
    assert aligned["findings"].ids == ["s1", "s2", "s3", "s4"]                 # s5 has no findings reference
    assert aligned["impression"].ids == IDS
    assert aligned["impression"].references == [split.by_id[i].reference("impression") for i in IDS]
    assert aligned["impression"].predictions == [f"pred impression {i}" for i in IDS[:4]] + ["one text"]
    assert aligned["findings_impression"].predictions[0] == combine("pred findings s1", "pred impression s1")
    assert aligned["findings_impression"].track == "findings_impression"


def test_validate_without_any_requested_track_exact(tmp_path: Path, refs: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", good_rows())
    split = load_split(str(refs))
    with pytest.raises(InputError) as info:
        validate(read_predictions(path), split, ("report",))
    assert info.value.problems == [f"split {split.id}: no study has a reference for track report; nothing to score "
                                   f"(its tracks: findings, impression, findings_impression)"]
    with pytest.raises(InputError, match=r"for tracks report, report; nothing"):
        validate(read_predictions(path), split, ("report", "report"))


def test_unicode_normalisation_hint_both_ways(tmp_path: Path) -> None:
    nfc, nfd = "caf\u00e9", "cafe\u0301"
    refs = write_jsonl(tmp_path / "refs.jsonl", [{"id": nfc, "findings": "f", "impression": "i"},
                                                  {"id": "s2", "findings": "f", "impression": "i"}])
    path = write_jsonl(tmp_path / "p.jsonl", [{"id": nfd, "report": "x"}, {"id": "s2", "report": "x"}])
    split = load_split(str(refs))
    hint = (" (it differs only in Unicode normalisation from {}: this id is {}; ids must match exactly, "
            "write both in NFC)")
    assert _problems(path, refs) == [
        f"{path}: missing prediction for id {nfc!r}" + hint.format(ascii(nfd), ascii(nfc)),
        f"{path}:1: id {nfd!r} is not in split {split.id}" + hint.format(ascii(nfc), ascii(nfd))]
    path = write_jsonl(tmp_path / "q.jsonl", [{"id": "other", "report": "x"}, {"id": "s2", "report": "x"}])
    assert _problems(path, refs) == [f"{path}: missing prediction for id {nfc!r}",
                                     f"{path}:1: id 'other' is not in split {split.id}"]


def test_problems_after_a_duplicate_or_a_textless_row_are_still_reported(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [{"report": "no id on the first line"}, {"id": "s1", "report": "a"},
                                              {"id": "s1", "report": "b"}, {"id": "s2"}, {"id": "s3", "report": 1},
                                              {"id": "s4", "report": "", "findings": "f", "impression": "i"}])
    with pytest.raises(InputError) as info:
        read_predictions(path)
    p = str(path)
    assert info.value.problems == [
        f"{p}:1: missing id (ids are strings, e.g. \"CXR3030_IM-1405\")",
        f"{p}:3: id 's1': duplicate (first at {p}:2)",
        f"{p}:4: id 's2': no prediction text (expected \"report\" or \"findings\"/\"impression\")",
        f"{p}:5: id 's3': report must be a string, got number"]
    # An empty "report" next to sections is not "both given": the (empty) report is the text, refused as empty
    # for every track by validate.
    assert read_predictions(write_jsonl(tmp_path / "q.jsonl", [{"id": "s4", "report": "", "findings": "f",
                                                               "impression": "i"}])).entries["s4"].report == ""


@pytest.mark.parametrize("n_columns,more", [(10, ""), (11, ", ...")])
def test_csv_header_lists_ten_columns_then_dots(tmp_path: Path, n_columns: int, more: str) -> None:
    path = tmp_path / "p.csv"
    columns = [f"c{i}" for i in range(n_columns)]
    path.write_text(",".join(columns) + "\n" + ",".join("x" for _ in columns) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_predictions(path)
    shown = ", ".join(columns[:10]) + more
    assert info.value.problems[0].endswith(f"; found columns {shown} (expected study_id,report)")


def test_a_requested_track_without_studies_is_skipped_not_the_end(tmp_path: Path, refs: Path) -> None:
    aligned = validate(read_predictions(write_jsonl(tmp_path / "p.jsonl", good_rows())), load_split(str(refs)),
                       ("report",) + TRACKS)
    assert list(aligned) == list(TRACKS)


def test_id_conflicts_and_long_ids_exact(tmp_path: Path) -> None:
    long_id = "x" * 257
    rows = [{"id": "s1", "study_id": "s2", "report": "a"}, {"id": "s3", "study_id": "s3", "report": "b"},
            {"id": "y" * 256, "report": "c"}, {"id": long_id, "report": "d"}, {"id": "s5", "study_id": "s6", "report": "e"},
            {"id": "z" * 78, "report": "f"}, {"id": "w" * 79 + " ", "report": "g"}, {"id": " " + "z" * 77, "report": "h"},
            {"id": " " + "v" * 78, "report": "i"}]
    p, problems = _jsonl_problems(tmp_path, rows)
    assert problems == [
        f"{p}:1: both 'id' 's1' and 'study_id' 's2' are given; give one",
        f"{p}:4: id '{'x' * 59}... (257 characters) is over the 256-character limit for an id",
        f"{p}:5: both 'id' 's5' and 'study_id' 's6' are given; give one",
        f"{p}:7: id '{'w' * 59}... (80 characters) has leading or trailing whitespace (ids must match exactly)",
        f"{p}:8: id ' {'z' * 77}' has leading or trailing whitespace (ids must match exactly)",   # repr of 80: whole
        f"{p}:9: id ' {'v' * 58}... (79 characters) has leading or trailing whitespace (ids must match exactly)"]
    rexrank = tmp_path / "p.json"
    rexrank.write_text(json.dumps({long_id: {"model_prediction": "x"}, "s1": {"model_prediction": "y"}}))
    with pytest.raises(InputError) as info:
        read_predictions(rexrank)
    assert info.value.problems == [f"{rexrank}: id '{'x' * 59}... (257 characters) is over the 256-character limit "
                                   f"for an id"]


def test_a_predictions_file_must_resolve_inside_its_submission(tmp_path: Path) -> None:
    from rexbench.errors import RexbenchError

    outside = write_jsonl(tmp_path / "outside.jsonl", good_rows())
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "predictions.jsonl").symlink_to(outside)
    assert set(read_predictions(folder / "predictions.jsonl").entries) == set(IDS)     # no folder given: read
    with pytest.raises(RexbenchError, match="predictions file"):
        read_predictions(folder / "predictions.jsonl", within=folder)


def test_a_long_non_string_study_id_is_shortened_by_its_repr(tmp_path: Path) -> None:
    big = 10 ** 90
    p, problems = _jsonl_problems(tmp_path, [{"id": "s1", "study_id": big, "report": "x"}])
    assert problems == [f"{p}:1: both 'id' 's1' and 'study_id' {repr(big)[:60]}... (91 characters) are given; give one"]
