"""rexbench.io (atomic writes, deterministic JSON, lenient reads, hashes), rexbench.records (line-precise
JSONL/CSV reading) and rexbench.signature (format / parse / compare)."""

from __future__ import annotations

import hashlib
import json
import math
import os
import stat
from pathlib import Path

import numpy as np
import pytest

from rexbench.errors import RexbenchError

from rexbench import __version__
from rexbench.errors import InputError
from rexbench.io import (atomic_write_bytes, atomic_write_json, atomic_write_jsonl, dumps_json, dumps_jsonl,
                         read_json_lenient, sha256_file, sha256_texts)
from rexbench.records import read_records, read_text
from rexbench.signature import Signature, build, parse

# --------------------------------------------------------------------------------------------------
# io
# --------------------------------------------------------------------------------------------------


def test_dumps_json_is_deterministic() -> None:
    a = dumps_json({"b": 1, "a": [0.1 + 0.2, "é"], "c": {"z": 1, "y": 2}})
    b = dumps_json({"c": {"y": 2, "z": 1}, "a": [0.1 + 0.2, "é"], "b": 1})
    assert a == b and a.endswith("\n")
    assert "0.30000000000000004" in a              # full precision (rule 4)
    assert "é" in a                                 # UTF-8, not \\u escapes


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), np.float64("nan"), [1.0, float("nan")],
                                 {"x": {"y": float("inf")}}])
def test_dumps_json_refuses_non_finite(bad) -> None:
    with pytest.raises(ValueError):
        dumps_json({"score": bad})


def test_numpy_scalars_are_written_as_numbers() -> None:
    assert json.loads(dumps_json({"a": np.float32(0.5), "b": np.int64(3)})) == {"a": 0.5, "b": 3}
    row = {"x": [np.float32(0.1), np.float64(0.1), np.bool_(True), np.array(2.5)], "y": {"z": np.int32(-1)}}
    assert dumps_jsonl([row]) == '{"x": [0.10000000149011612, 0.1, true, 2.5], "y": {"z": -1}}\n'


@pytest.mark.parametrize("bad", [np.float32("nan"), np.array(float("inf")), [np.float64("-inf")]])
def test_dumps_jsonl_refuses_non_finite_numpy_values(bad) -> None:
    with pytest.raises(ValueError, match="non-finite"):
        dumps_jsonl([{"ok": 1.0}, {"score": bad}])


def test_atomic_write_keeps_old_file_when_serialisation_fails(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    atomic_write_json(path, {"score": 0.5})
    before = path.read_bytes()
    with pytest.raises(ValueError):
        atomic_write_json(path, {"score": float("nan")})
    with pytest.raises(ValueError):
        atomic_write_jsonl(path, [{"score": 1.0}, {"score": float("inf")}])
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]     # no temp files left


def test_atomic_write_keeps_old_file_when_writing_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "per_study.jsonl"
    atomic_write_bytes(path, b"old\n")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(RexbenchError, match="per_study.jsonl: cannot write \\(disk full\\); the file was not changed"):
        atomic_write_bytes(path, b"new\n")
    monkeypatch.undo()
    assert path.read_bytes() == b"old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["per_study.jsonl"]


def test_atomic_write_creates_folders_and_ordinary_permissions(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "results.json"
    atomic_write_json(path, {"x": 1})
    assert json.loads(path.read_text(encoding="utf-8")) == {"x": 1}
    umask = os.umask(0)
    os.umask(umask)
    if os.name == "posix":
        # like an ordinary open(): 0o666 less the umask, not tempfile's owner-only 0o600
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def test_atomic_write_jsonl_one_sorted_object_per_line(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    atomic_write_jsonl(path, [{"b": 1, "a": 2}, {"id": "x"}])
    assert path.read_text(encoding="utf-8") == '{"a": 2, "b": 1}\n{"id": "x"}\n'


def test_read_json_lenient_accepts_bare_nan(tmp_path: Path) -> None:
    path = tmp_path / "meta.json"
    path.write_text('{"a": {"Findings": NaN, "x": 1}}', encoding="utf-8")
    data = read_json_lenient(path)
    assert math.isnan(data["a"]["Findings"]) and data["a"]["x"] == 1


def test_hashes(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(b"x" * 3_000_000)
    assert sha256_file(path, chunk=1000) == hashlib.sha256(path.read_bytes()).hexdigest()
    assert sha256_texts(["ab", "c"]) != sha256_texts(["a", "bc"])      # length-prefixed: no ambiguity
    assert sha256_texts(["a", "b"]) != sha256_texts(["b", "a"])
    assert sha256_texts([]) == hashlib.sha256().hexdigest()


# --------------------------------------------------------------------------------------------------
# records
# --------------------------------------------------------------------------------------------------

def test_read_records_jsonl_line_numbers_skip_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text('{"id": "a"}\n\n   \n{"id": "b"}\n', encoding="utf-8")
    assert read_records(path) == [(1, {"id": "a"}), (4, {"id": "b"})]


def test_read_records_reports_every_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text('{"id": "a"}\n{oops\n[1]\n"text"\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_records(path)
    problems = info.value.problems
    assert [p.split(": ", 1)[0] for p in problems] == [f"{path}:2", f"{path}:3", f"{path}:4"]


def test_read_records_csv_line_numbers_with_multiline_cells(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text('id,report\na,"two\nlines"\nb,x\n', encoding="utf-8")
    assert read_records(path) == [(3, {"id": "a", "report": "two\nlines"}), (4, {"id": "b", "report": "x"})]


def test_read_records_csv_every_row_with_extra_cells(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("id,report\na,x,y\nb,ok\nc,x,y,z\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_records(path)
    assert info.value.problems == [
        f"{path}:2: id 'a': 1 more cell(s) than the 2 header columns (quote text that contains commas)",
        f"{path}:4: id 'c': 2 more cell(s) than the 2 header columns (quote text that contains commas)",
    ]


@pytest.mark.parametrize("name,data,message", [
    ("r.jsonl", b"", "no records"),
    ("r.csv", b"", "empty CSV"),
    ("r.csv", b"id,report\n", "no records"),
    ("r.txt", b"x", "unsupported file type"),
    ("r.jsonl", b'{"id": "a"}\n{"id": "\x80"}\n', "r.jsonl:2: not valid UTF-8 (byte 0x80)"),
])
def test_read_records_errors(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_records(path)


def test_read_text_bom_and_missing(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b'{"id": "a"}\n')
    assert read_text(path) == '{"id": "a"}\n'
    with pytest.raises(InputError, match="absent.jsonl: file not found"):
        read_text(tmp_path / "absent.jsonl")


def test_input_error_caps_at_20() -> None:
    err = InputError([f"p{i}" for i in range(23)])
    lines = str(err).splitlines()
    assert lines[:20] == [f"p{i}" for i in range(20)] and lines[20] == "... and 3 more problem(s)"
    assert str(InputError([f"p{i}" for i in range(20)])).splitlines()[-1] == "p19"
    assert str(InputError("one")) == "one"


# --------------------------------------------------------------------------------------------------
# signatures
# --------------------------------------------------------------------------------------------------

def test_format_and_parse_round_trip() -> None:
    sig = Signature("bleu2", (("v", "1"), ("tok", "rexrank"), ("lower", "yes"), ("n", "10000"),
                              ("refs", "0123456789ab"), ("rexbench", "0.1.0")))
    text = sig.format()
    assert text == "bleu2|v:1|tok:rexrank|lower:yes|n:10000|refs:0123456789ab|rexbench:0.1.0"
    assert str(sig) == text
    assert parse(text) == sig
    assert parse(f"  {text}\n") == sig


@pytest.mark.parametrize("value", ["a|b", "model:v2", "C:\\weights|x:y", "100%", "%7C", "%3A%25", "|", ":", "",
                                   "päth with spaces", "sha256:abc|def"])
def test_round_trip_with_special_characters(value: str) -> None:
    sig = Signature("bertscore", (("model", value), ("v", "1")))
    text = sig.format()
    assert text.count("|") == 2                     # the value's own '|' is escaped
    assert parse(text) == sig
    assert parse(text).get("model") == value


def test_parse_rejects_a_field_without_colon() -> None:
    with pytest.raises(ValueError, match="bad signature field"):
        parse("bleu|v1")


def test_get_and_differences() -> None:
    a = parse("rouge_l|v:1|type:rougeL|n:388|refs:aaa|rexbench:0.1.0")
    b = parse("rouge_l|v:2|type:rougeL|n:390|refs:aaa|seed:1|rexbench:0.1.0")
    assert a.get("type") == "rougeL" and a.get("seed") is None and a.get("seed", "x") == "x"
    assert a.differences(b) == {"n": ("388", "390"), "seed": (None, "1"), "v": ("1", "2")}
    assert a.differences(b, ignore=("n", "seed")) == {"v": ("1", "2")}
    assert a.differences(a) == {}
    c = parse("bleu|v:1|type:rougeL|n:388|refs:aaa|rexbench:0.1.0")
    assert a.differences(c) == {"metric": ("rouge_l", "bleu")}


def test_field_order_does_not_matter_for_differences() -> None:
    a = parse("m|a:1|b:2")
    b = parse("m|b:2|a:1")
    assert a != b and a.differences(b) == {}


def test_build_pins_n_refs_version_and_extra() -> None:
    from rexbench import registry

    metric = registry.load("rouge_l")
    sha = "f" * 12 + "0" * 52
    sig = build(metric, n=388, refs_sha256=sha, extra={"boot": "1000", "seed": "12345"})
    assert sig.metric == "rouge_l"
    assert sig.get("n") == "388" and sig.get("refs") == "f" * 12
    assert sig.get("boot") == "1000" and sig.get("seed") == "12345"
    assert sig.get("rexbench") == __version__
    assert sig.fields[-1] == ("rexbench", __version__)
    for key, value in metric.signature_fields().items():
        assert sig.get(key) == value
    assert parse(sig.format()) == sig
    variant = build(registry.load("rouge_l:rouge_type=rouge1"), n=388, refs_sha256=sha)
    assert variant.metric == "rouge_l" and sig.differences(variant, ignore=("boot", "seed"))["type"] == ("rougeL", "rouge1")
