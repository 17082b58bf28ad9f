"""Bad-input matrix (issue 12), predictions and references: what `rexbench score` is handed.

Rows: JSONL, CSV and ReXrank-JSON predictions (malformed, wrong ids, duplicates, missing and extra
fields, wrong types, empty texts, BOMs, CRLF, huge lines and ids, non-UTF-8 bytes, lone surrogates,
duplicate keys, special files), custom references and split names. The runner and what every row
asserts: tests/hostile_matrix.py.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .hostile_matrix import (DEEP_JSON, IDS, NFD, REFS, SCORE, Case, preds_file, rows, run_case, score_args,
                             score_case, scored_systems, ws_refs)


def special_preds(kind: str) -> Callable[[Path], list[Any]]:
    def build(ws: Path) -> list[Any]:
        path = ws / "p.jsonl"
        if kind == "fifo":
            os.mkfifo(path)
        elif kind == "zero":
            os.symlink("/dev/zero", path)
        elif kind == "folder":
            path.mkdir()
        return score_args(ws, path)
    return build


def special_refs(kind: str) -> Callable[[Path], list[Any]]:
    def build(ws: Path) -> list[Any]:
        refs = ws / "refs2.jsonl"
        if kind == "fifo":
            os.mkfifo(refs)
        else:
            os.symlink("/dev/zero", refs)
        return ["score", "--references", refs, "--predictions", preds_file(ws, rows()), *SCORE, "--out", ws / "out"]
    return build


def refs_case(data: Any, name: str = "r.jsonl") -> Callable[[Path], list[Any]]:
    """Score good predictions against a custom references file holding `data`."""
    def build(ws: Path) -> list[Any]:
        refs = preds_file(ws, data, name)
        return ["score", "--references", refs, "--predictions", preds_file(ws, rows()), *SCORE, "--out", ws / "out"]
    return build


def refs_folder(ws: Path) -> list[Any]:
    (ws / "rd.jsonl").mkdir()
    return ["score", "--references", ws / "rd.jsonl", "--predictions", preds_file(ws, rows()), *SCORE]


def over_the_size_cap(ws: Path) -> list[Any]:
    """A sparse predictions file one byte over the 1 GiB cap (outside ws: the snapshot would hash it)."""
    path = ws.parent / "outside" / "huge.jsonl"
    with open(path, "wb") as f:
        f.truncate((1 << 30) + 1)
    return score_args(ws, path)


def lines_of(records: list[dict[str, Any]], end: str = "\n", **dumps: Any) -> str:
    return "".join(json.dumps(r, **dumps) + end for r in records)


PAIR = ("out", "out/results.json", "out/per_study.jsonl")   # what a good row writes

CASES = [
    # predictions: content
    Case("missing id", score_case(rows()[:3]), 1, ("p.jsonl: missing prediction for id 'café'",)),
    Case("duplicate id", score_case(rows() + [rows()[0]]), 1, ("p.jsonl:5: id 's1': duplicate (first at",)),
    Case("unknown id", score_case(rows() + [{"id": "zz", "report": "x"}]), 1, ("p.jsonl:5: id 'zz' is not in split",)),
    Case("empty prediction", score_case(rows(r1={"findings": " ", "impression": ""})), 1,
         ("id 's2': empty prediction for tracks",)),
    Case("invalid JSON line", score_case('{"id": "s1", "report": "x"}\n{"id": \n'), 1, ("p.jsonl:2: not valid JSON",)),
    Case("JSON line not an object", score_case("[1, 2]\n"), 1, ("p.jsonl:1: expected a JSON object",)),
    Case("id not a string", score_case([{"id": 7, "report": "x"}]), 1, ("p.jsonl:1: id 7 is a number",)),
    Case("id with spaces", score_case(rows(r0={"id": " s1"})), 1, ("leading or trailing whitespace",)),
    Case("bad UTF-8", score_case(b'{"id": "s1", "report": "caf\xe9"}\n'), 1, ("p.jsonl:1: not valid UTF-8",)),
    Case("no records", score_case(""), 1, ("p.jsonl: no records",)),
    Case("unsupported extension", score_case("x", "p.txt"), 1, ("unsupported predictions file type '.txt'",)),
    Case("predictions not found", lambda ws: score_args(ws, ws / "nope.jsonl"), 1, ("nope.jsonl: predictions file not found",)),
    Case("predictions is a folder", special_preds("folder"), 1, ("p.jsonl: the predictions file is a folder",)),
    Case("predictions FIFO", special_preds("fifo"), 1, ("p.jsonl: the predictions file is a FIFO",), isolated=True),
    Case("predictions -> /dev/zero", special_preds("zero"), 1, ("p.jsonl: the predictions file is a character device",),
         isolated=True),
    Case("JSON nested 200,000 deep", score_case(DEEP_JSON + "\n"), 1, ("p.jsonl:1: JSON nested too deeply",), isolated=True),
    Case("huge integer", score_case('{"id": "s1", "report": ' + "9" * 5000 + "}\n"), 1, ("p.jsonl:1: not valid JSON",)),
    Case("report over the length cap", score_case(rows(r0={"findings": "x" * 100_001})), 1,
         ("p.jsonl:1: id 's1': findings is 100,001 characters, over the 100,000-character limit",)),
    Case("report and findings both", score_case(rows(r0={"report": "a whole report"})), 1,
         ("p.jsonl:1: id 's1': both 'report' and 'findings' are given",)),
    Case("NFD id vs NFC split id", score_case(rows(r3={"id": NFD})), 1,
         ("missing prediction for id 'café' (it differs only in Unicode normalisation from 'cafe\\u0301': "
          "this id is 'caf\\xe9'", "p.jsonl:4: id ", "is not in split custom-refs (it differs only in Unicode "
          "normalisation from 'caf\\xe9': this id is 'cafe\\u0301'")),
    Case("CSV header without id and text", score_case("patient,text\na,b\n", "p.csv"), 1, ("p.csv:1: CSV header lacks",)),
    Case("CSV extra cells", score_case("study_id,report\ns1,a,b\n", "p.csv"), 1, ("p.csv:2: id 's1': 1 more cell(s)",)),
    Case("CSV field over csv's limit", score_case('study_id,report\ns1,"' + "x" * 200_000 + '"\n', "p.csv"), 1,
         ("p.csv:", "not valid CSV (field larger than field limit")),
    Case("CSV NUL byte", score_case("study_id,report\ns1,a\x00b\n", "p.csv"), 1, ()),
    Case("ReXrank JSON duplicate key", score_case('{"s1": {"model_prediction": "a"}, "s1": {"model_prediction": "b"}}',
                                                  "p.json"), 1, ("p.json: duplicate key 's1'",)),
    Case("ReXrank JSON without model_prediction", score_case('{"s1": {"text": "a"}}', "p.json"), 1,
         ("p.json: id 's1': no \"model_prediction\" field",)),
    # predictions: good behaviour next to the bad cases
    Case("U+2028 inside a string is valid JSONL", score_case(
        lines_of(rows(r0={"findings": "line\u2028sep \u0085 \x0c"}), ensure_ascii=False)), 0, writes=PAIR),
    Case("CRLF line ends", score_case(lines_of(rows(), "\r\n")), 0, writes=PAIR),
    # references
    Case("references FIFO", special_refs("fifo"), 1, ("refs2.jsonl: the file is a FIFO",), isolated=True),
    Case("references -> /dev/zero", special_refs("zero"), 1, ("refs2.jsonl: the file is a character device",),
         isolated=True),
    Case("unknown split", lambda ws: ["score", "-s", "nope:test", "-p", preds_file(ws, rows()), *SCORE], 1,
         ("unknown split 'nope:test'",)),
    Case("track no study has", score_case(rows(), "p.jsonl", "--tracks", "report"), 1,
         ("split custom-refs: no study has a reference for track report; nothing to score",)),
    # predictions: more content (the kinds of the earlier 161 good cases)
    Case("UTF-8 BOM", score_case(b"\xef\xbb\xbf" + lines_of(rows()).encode()), 0, writes=PAIR),
    Case("UTF-16 file", score_case(lines_of(rows()).encode("utf-16")), 1, ("p.jsonl:1: not valid UTF-8 (byte 0xff)",)),
    Case("gzip bytes named .jsonl", score_case(gzip.compress(lines_of(rows()).encode())), 1,
         ("p.jsonl:1: not valid UTF-8 (byte 0x8b)",)),
    Case("blank lines between records", score_case(lines_of(rows(), "\n\n")), 0, writes=PAIR),
    Case("no newline at the end", score_case(lines_of(rows()).rstrip("\n")), 0, writes=PAIR),
    Case("upper-case extension", score_case(rows(), "p.JSONL"), 0, writes=PAIR),
    Case("extra fields are ignored", score_case([dict(r, score=0.9, model="m") for r in rows()]), 0, writes=PAIR),
    Case("a JSON array over several lines", score_case(json.dumps(rows(), indent=1)), 1,
         ("p.jsonl:1: not valid JSON (Expecting value at column 2)",)),
    Case("raw NUL byte in a line", score_case('{"id": "s1", "report": "a\x00b"}\n'), 1,
         ("p.jsonl:1: not valid JSON (Invalid control character",)),
    Case("null instead of an object", score_case("null\n"), 1, ("p.jsonl:1: expected a JSON object, got null",)),
    Case("record without an id", score_case([{"report": "x"}]), 1, ("p.jsonl:1: missing id",)),
    Case("empty id", score_case([{"id": "", "report": "x"}]), 1, ("p.jsonl:1: empty id",)),
    Case("id and study_id disagree", score_case([dict(r, study_id="zz") for r in rows()]), 1,
         ("p.jsonl:1: both 'id' 's1' and 'study_id' 'zz' are given",)),
    Case("study_id a 90-digit number next to id", score_case('{"id": "s1", "study_id": ' + "9" * 90 + ', "report": "x"}\n'),
         1, ("p.jsonl:1: both 'id' 's1' and 'study_id' 999", "(90 characters) are given")),
    Case("id of 100,000 characters", score_case(rows() + [{"id": "x" * 100_000, "report": "x"}]), 1,
         ("p.jsonl:5: id 'xxxx", "(100,000 characters) is over the 256-character limit for an id",)),
    Case("terminal escape in an id", score_case(rows() + [{"id": "\x1b[2Jred", "report": "x"}]), 1,
         ("p.jsonl:5: id '\\x1b[2Jred' is not in split",), never=("\x1b",)),
    Case("1,000 unknown ids", score_case(rows() + [{"id": f"z{i}", "report": "x"} for i in range(1000)]), 1,
         ("p.jsonl: 4 of 1004 ids are in split custom-refs", "p.jsonl:5: id 'z0' is not in split")),
    Case("duplicate key in a line", score_case(lines_of(rows())[:-2] + ', "findings": "other"}\n'), 1,
         ("p.jsonl:4: duplicate key 'findings'",)),
    Case("lone surrogate in a text", score_case(lines_of(rows(r0={"findings": "\ud800 x"}))), 1,
         ("p.jsonl:1: key 'findings': a lone surrogate escape ('\\ud800') is not valid Unicode",)),
    Case("lone surrogate in an id", score_case([{"id": "s\udc00", "report": "x"}]), 1,
         ("p.jsonl:1: key 'id': a lone surrogate escape ('\\udc00')",)),
    Case("NaN as the report", score_case('{"id": "s1", "report": NaN}\n'), 1,
         ("p.jsonl:1: id 's1': report must be a string, got number",)),
    Case("report is null", score_case([{"id": "s1", "report": None}]), 1, ("id 's1': report must be a string, got null",)),
    Case("findings is a list", score_case([{"id": "s1", "findings": ["a"], "impression": "b"}]), 1,
         ("p.jsonl:1: id 's1': findings must be a string, got list",)),
    Case("no text field", score_case([{"id": i, "text": "x"} for i in IDS]), 1,
         ("p.jsonl:1: id 's1': no prediction text",)),
    Case("predictions over the 1 GiB cap", over_the_size_cap, 1,
         ("huge.jsonl: the predictions file is 1,073,741,825 bytes, over the 1,073,741,824-byte limit",)),
    # CSV
    Case("CSV with a BOM", score_case("\ufeffstudy_id,report\n" + "".join(f"{i},report {i}\n" for i in IDS), "p.csv"), 0,
         writes=PAIR),
    Case("CSV newline inside quotes", score_case("study_id,report\n" + "".join(f'{i},"one\ntwo {i}"\n' for i in IDS),
                                                 "p.csv"), 0, writes=PAIR),
    Case("CSV empty", score_case("", "p.csv"), 1, ("p.csv: empty CSV (expected a header row)",)),
    Case("CSV header only", score_case("study_id,report\n", "p.csv"), 1, ("p.csv: no records",)),
    Case("CSV duplicate id", score_case("study_id,report\ns1,a\ns1,b\n", "p.csv"), 1,
         ("p.csv:3: id 's1': duplicate (first at",)),
    Case("CSV short row", score_case("study_id,findings,impression\ns1,a\n", "p.csv"), 1,
         ("p.csv:2: id 's1': 1 cell(s) missing (no 'impression')",)),
    Case("CSV column twice", score_case("study_id,report,report\ns1,a,b\n", "p.csv"), 1,
         ("p.csv:1: column 'report' appears twice in the CSV header",)),
    Case("CSV with semicolons", score_case("study_id;report\ns1;a\n", "p.csv"), 1, ("p.csv:1: CSV header lacks",)),
    Case("CSV unterminated quote", score_case('study_id,report\ns1,"abc\ns2,x\n', "p.csv"), 1,
         ("p.csv:", "not valid CSV (unexpected end of data)")),
    # ReXrank JSON
    Case("ReXrank JSON not an object", score_case("[1, 2]", "p.json"), 1, ("p.json: expected a JSON object keyed by study id",)),
    Case("ReXrank JSON null prediction", score_case('{"s1": {"model_prediction": null}}', "p.json"), 1,
         ("p.json: id 's1': model_prediction must be a string, got null",)),
    Case("ReXrank JSON nested deep", score_case('{"s1": ' + "[" * 200_000 + "]" * 200_000 + "}", "p.json"), 1,
         ("p.json: JSON nested too deeply",), isolated=True),
    Case("ReXrank JSON lone surrogate", score_case('{"s1": {"model_prediction": "\\ud800"}}', "p.json"), 1,
         ("p.json: key 'model_prediction': a lone surrogate escape",)),
    # references
    Case("references without an id", refs_case([{"findings": "a", "impression": "b"}]), 1, ("r.jsonl:1: record has no id",)),
    Case("references duplicate id", refs_case(REFS + [REFS[0]]), 1, ("r.jsonl: duplicate study id 's1'",)),
    Case("references without text", refs_case([{"id": "s1", "findings": "", "impression": " "}]), 1,
         ("r.jsonl:1: id 's1': no reference text",)),
    Case("references text not a string", refs_case([{"id": "s1", "report": 5}]), 1, ("r.jsonl:1: id 's1': report must be a string",)),
    Case("references bad UTF-8", refs_case(b'{"id": "s1", "report": "\xff"}\n'), 1, ("r.jsonl:1: not valid UTF-8 (byte 0xff)",)),
    Case("references duplicate key", refs_case('{"id": "s1", "report": "a", "report": "b"}\n'), 1,
         ("r.jsonl:1: duplicate key 'report'",)),
    Case("references lone surrogate", refs_case('{"id": "s1", "report": "\\udfff"}\n'), 1, ("r.jsonl:1: key 'report'",)),
    Case("references of an unknown type", refs_case("x", "r.txt"), 1, ("r.txt: unsupported reference file type '.txt'",)),
    Case("references not found", lambda ws: ["score", "--references", ws / "nope.jsonl", "--predictions",
                                             preds_file(ws, rows()), *SCORE], 1, ("nope.jsonl': not demo:<split>",)),
    Case("references a folder", refs_folder, 1, ("rd.jsonl: the file is a folder",)),
    Case("split part unknown", lambda ws: ["score", "-s", "demo:nope", "-p", preds_file(ws, rows()), *SCORE], 1,
         ("bad split 'demo:nope': expected one of train, valid, test",)),
    Case("unknown track", score_case(rows(), "p.jsonl", "--tracks", "foo"), 1, ("unknown track 'foo'",)),
    Case("unknown metric", score_case(rows(), "p.jsonl", "--metrics", "nope"), 1, ("unknown metric 'nope'",)),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_predictions(case: Case, tmp_path: Path, scored_systems: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run_case(case, tmp_path, scored_systems, monkeypatch)
