"""Bad-input matrix (issue 12), options, outputs and the other commands: score's --out and options,
`label`, `compare`, `leaderboard build` on damaged or hostile results, `import-rexrank`.

Rows: usage errors before any work (exit 2), outputs that cannot be written or would overwrite an input,
results pairs that a folder in the way must not split, damaged results.json / per_study.jsonl, text
fields that must never reach the site's downloads, and the label and import inputs. The runner and what
every row asserts: tests/hostile_matrix.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from . import test_hostile_predictions, test_hostile_submissions
from .hostile_matrix import (DEEP_JSON, DISPLAY, IDS, SCORE, SECRET, Case, preds_file, rows, run_case, score_args,
                             score_case, scored, scored_systems, ws_refs)


def compare_case(damage: Callable[[Path], None], *extra: Any) -> Callable[[Path], list[Any]]:
    def build(ws: Path) -> list[Any]:
        a, b = scored(ws, damage)
        return ["compare", a, b, *extra]
    return build


def board_case(damage: Callable[[Path], None]) -> Callable[[Path], list[Any]]:
    def build(ws: Path) -> list[Any]:
        scored(ws, lambda a: None, board=True)
        damage(ws / "submissions" / "sys-a")
        return ["leaderboard", "build", "--submissions", ws / "submissions", "--out", ws.parent / "site",
                "--display", DISPLAY]
    return build


def edit_results(change: Callable[[dict], None]) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        data = json.loads((folder / "results.json").read_text(encoding="utf-8"))
        change(data)
        (folder / "results.json").write_text(json.dumps(data), encoding="utf-8")
    return damage


def write(name: str, text: str) -> Callable[[Path], None]:
    return lambda folder: (folder / name).write_text(text, encoding="utf-8")


def tamper_per_study(folder: Path) -> None:
    lines = (folder / "per_study.jsonl").read_text(encoding="utf-8").split("\n")
    row = json.loads(lines[0])
    row["rouge_l"] = 0.99
    lines[0] = json.dumps(row, sort_keys=True)
    (folder / "per_study.jsonl").write_text("\n".join(lines), encoding="utf-8")


def bad_display(text: str) -> Callable[[Path], list[Any]]:
    def build(ws: Path) -> list[Any]:
        scored(ws, board=True)
        (ws / "display.yaml").write_text(text, encoding="utf-8")
        return ["leaderboard", "build", "--submissions", ws / "submissions", "--out", ws.parent / "site",
                "--display", ws / "display.yaml"]
    return build


def label_case(content: str | None, *extra: Any, name: str = "reports.txt", special: str = "") -> Callable[[Path], list[Any]]:
    def build(ws: Path) -> list[Any]:
        path = ws / name
        if special == "fifo":
            os.mkfifo(path)
        elif content is not None:
            path.write_text(content, encoding="utf-8")
        return ["label", path, *[ws / a[3:] if isinstance(a, str) and a.startswith("ws/") else a for a in extra]]
    return build


def label_self(ws: Path) -> list[Any]:
    path = ws / "reports.csv"
    path.write_text("study_id,report\na,Heart size normal.\n", encoding="utf-8")
    return ["label", path, "-o", path]


def import_case(kind: str) -> Callable[[Path], list[Any]]:
    def build(ws: Path) -> list[Any]:
        if kind == "folder":
            (ws / "result_mimiccxr.csv").mkdir()
            return ["import-rexrank", ws / "result_mimiccxr.csv", "--out", ws / "reported.json"]
        path = ws / "result_mimiccxr.csv"
        path.write_text("Rank,Date,Model Name,Institution,Model URL,BLEU\n1,2024,M,I,https://x.org,0.2\n",
                        encoding="utf-8")
        return ["import-rexrank", path, "--out", path]
    return build


def full_disk(mp: pytest.MonkeyPatch) -> None:
    """Every temporary file is /dev/full: the first write fails with ENOSPC, as on a full disk."""
    import rexbench.io

    mp.setattr(rexbench.io, "_create_temp", lambda path: (os.open("/dev/full", os.O_WRONLY),
                                                           str(path.parent / f".{path.name}.gone.tmp")))


def overwrite_predictions(ws: Path) -> list[Any]:
    """`score -p D/results.json --out D`: ReXrank-format predictions named results.json."""
    (ws / "d").mkdir()
    preds = preds_file(ws, json.dumps({i: {"model_prediction": f"report of {i}"} for i in IDS}), "d/results.json")
    return score_args(ws, preds, out=ws / "d")


def overwrite_references(ws: Path) -> list[Any]:
    (ws / "d").mkdir()
    refs = ws / "d" / "per_study.jsonl"
    shutil.copy(ws_refs(ws), refs)
    return ["score", "--references", refs, "--predictions", preds_file(ws, rows()), *SCORE, "--out", ws / "d"]


def old_pair_with_a_folder(name: str) -> Callable[[Path], list[Any]]:
    """--out holds a scored pair, but one of the two names is a folder: the write must fail before
    replacing either file (it used to leave a new per_study.jsonl beside the old results.json)."""
    def build(ws: Path) -> list[Any]:
        out = ws / "d"
        shutil.copytree(ws.parent / "scored" / "a", out)
        (out / name).unlink()
        (out / name).mkdir()
        return score_args(ws, preds_file(ws, rows()), out=out)
    return build


def board_out(where: Callable[[Path], Path]) -> Callable[[Path], list[Any]]:
    def build(ws: Path) -> list[Any]:
        scored(ws, board=True)
        return ["leaderboard", "build", "--submissions", ws / "submissions", "--out", where(ws), "--display", DISPLAY]
    return build


def special_results(kind: str) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        (folder / "results.json").unlink()
        if kind == "fifo":
            os.mkfifo(folder / "results.json")
        else:
            os.symlink("/dev/zero", folder / "results.json")
    return damage


def text_in_per_study(folder: Path) -> None:
    """Arbitrary text fields in per_study.jsonl, with results.json's per_study_sha256 kept consistent."""
    lines = (folder / "per_study.jsonl").read_text(encoding="utf-8").splitlines()
    row = json.loads(lines[0])
    row.update(note=SECRET, nested={"text": SECRET, "x": 1}, listed=[SECRET, 1])
    lines[0] = json.dumps(row)
    data = ("\n".join(lines) + "\n").encode("utf-8")
    (folder / "per_study.jsonl").write_bytes(data)
    edit_results(lambda d: d.update(per_study_sha256=hashlib.sha256(data).hexdigest()))(folder)


def reference_in_per_study(folder: Path) -> None:
    """A per-study row that carries reference text (consistent pair): the site must refuse to publish it."""
    text_in_per_study(folder)
    lines = (folder / "per_study.jsonl").read_text(encoding="utf-8").splitlines()
    lines[0] = json.dumps(dict(json.loads(lines[0]), reference="Heart size normal. Lungs clear."))
    data = ("\n".join(lines) + "\n").encode("utf-8")
    (folder / "per_study.jsonl").write_bytes(data)
    edit_results(lambda d: d.update(per_study_sha256=hashlib.sha256(data).hexdigest()))(folder)


def site_never_has_the_secret(tmp_path: Path) -> None:
    files = [p for p in (tmp_path / "site").rglob("*") if p.is_file()]
    assert any(p.name == "per_study.jsonl" for p in files)          # the downloads were written
    assert not [p for p in files if SECRET.encode() in p.read_bytes()]


def label_bytes(data: bytes, name: str = "r.txt") -> Callable[[Path], list[Any]]:
    def build(ws: Path) -> list[Any]:
        (ws / name).write_bytes(data)
        return ["label", ws / name]
    return build


def label_special(kind: str) -> Callable[[Path], list[Any]]:
    def build(ws: Path) -> list[Any]:
        path = ws / "r.txt"
        if kind == "zero":
            os.symlink("/dev/zero", path)
        elif kind == "folder":
            path.mkdir()
        return ["label", path]
    return build


def import_text(content: str | bytes | None) -> Callable[[Path], list[Any]]:
    def build(ws: Path) -> list[Any]:
        path = ws / "result_mimiccxr.csv"
        if content is None:
            os.mkfifo(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return ["import-rexrank", path, "--out", ws / "reported.json"]
    return build


REXRANK_HEADER = "Rank,Date,Model Name,Institution,Model URL,BLEU\n"
SITE = lambda ws: ws.parent / "site"   # noqa: E731 - where a good board row builds

CASES = [
    # options: usage errors before any work (exit 2)
    Case("--ci-method foo", score_case(rows(), "p.jsonl", "--ci-method", "foo", "--bootstrap", "10"), 2,
         ("'foo' is not one of 'percentile', 'bca'",)),
    Case("--bootstrap -5", score_case(rows(), "p.jsonl", "--bootstrap", "-5"), 2, ("--bootstrap",)),
    Case("--seed -1", score_case(rows(), "p.jsonl", "--seed", "-1"), 2, ("--seed",)),
    Case("--permutations 0", compare_case(lambda a: None, "--permutations", "0"), 2, ("--permutations",)),
    # outputs
    Case("--out is a file", lambda ws: score_args(ws, preds_file(ws, rows()), out=ws_refs(ws)), 1,
         ("refs.jsonl: exists and is not a folder",)),
    Case("--out below a file", lambda ws: score_args(ws, preds_file(ws, rows()), out=ws_refs(ws) / "sub"), 1,
         ("refs.jsonl is not a folder",)),
    Case("--out cannot be created", lambda ws: score_args(ws, preds_file(ws, rows()), out=Path("/proc/rexbench-out")),
         1, ("/proc/rexbench-out",)),
    Case("--out on a full disk", score_case(rows()), 1, ("cannot write results.json and per_study.jsonl", "nothing was changed"),
         patch=full_disk),
    Case("score --out overwrites the predictions", overwrite_predictions, 1, ("would overwrite the input",)),
    Case("score --out overwrites the references", overwrite_references, 1, ("would overwrite the input",)),
    # label
    Case("label -o its own input", label_self, 1, ("--output", "would overwrite the input")),
    Case("label -o unknown type", label_case("Heart normal.\n", "-o", "ws/labels.xlsx"), 1,
         ("labels.xlsx: unknown file type '.xlsx'",)),
    Case("label -o a folder", label_case("Heart normal.\n", "-o", "ws/"), 1, ("is a folder",)),
    Case("label -o a device", label_case("Heart normal.\n", "-o", "/dev/null"), 1, ("/dev/null: exists and is not a regular file",)),
    Case("label -o cannot be written", label_case("Heart normal.\n", "-o", "/proc/labels.csv"), 1, ("/proc/",)),
    Case("label FIFO", label_case(None, special="fifo"), 1, ("reports.txt: the file is a FIFO",), isolated=True),
    Case("label JSON nested deep", label_case(DEEP_JSON + "\n", name="r.jsonl"), 1, ("r.jsonl:1: JSON nested too deeply",),
         isolated=True),
    Case("label report over the cap", label_case("x" * 100_001 + "\n"), 1, ("over the 100,000-character limit",)),
    Case("label U+2028 in JSONL is one report", label_case(json.dumps({"id": "a", "report": "No effusion.\u2028Normal heart."},
                                                                      ensure_ascii=False) + "\n", name="r.jsonl"), 0),
    # compare and leaderboard build on damaged results
    Case("compare: results not JSON", compare_case(write("results.json", "{not json")), 1, ("results.json:1: not valid JSON",)),
    Case("compare: results JSON nested deep", compare_case(write("results.json", "[" * 200_000 + "]" * 200_000)), 1,
         ("results.json: JSON nested too deeply",), isolated=True),
    Case("compare: results without tracks", compare_case(edit_results(lambda d: d.pop("tracks"))), 1,
         ("results.json: field tracks must be an object",)),
    Case("compare: a score that is text", compare_case(edit_results(
        lambda d: d["tracks"]["impression"]["metrics"]["rouge_l"].update(score="high"))), 1,
         ("field tracks.impression.metrics.rouge_l must be an object with a numeric score",)),
    Case("compare: per_study not JSON", compare_case(write("per_study.jsonl", "{oops\n")), 1, ("per_study.jsonl",)),
    Case("compare: mixed pair", compare_case(tamper_per_study), 1,
         ("per_study.jsonl: not the per-study file its results.json was written with",)),
    Case("compare: results.json a folder", compare_case(lambda a: ((a / "results.json").unlink(),
                                                                   (a / "results.json").mkdir())), 1, ("results.json",)),
    Case("leaderboard build: corrupt results", board_case(write("results.json", "{")), 1, ("results.json:1: not valid JSON",)),
    Case("leaderboard build: corrupt per_study", board_case(write("per_study.jsonl", "[]\n")), 1,
         ("per_study.jsonl",)),
    Case("leaderboard build: display not YAML", bad_display("columns: [\n"), 1, ("display.yaml",)),
    Case("leaderboard build: display duplicate key", bad_display("title: a\ntitle: b\n"), 1,
         ("display.yaml:2: duplicate key 'title'",)),
    Case("leaderboard build: display wrong shape", bad_display("columns: 7\n"), 1, ("display.yaml: columns must be a list",)),
    # import-rexrank
    Case("import-rexrank on a folder", import_case("folder"), 1, ("result_mimiccxr.csv: the file is a folder",)),
    Case("import-rexrank --out its own input", import_case("self"), 1, ("would overwrite the input",)),
    # more usage errors (exit 2)
    Case("--seed over 2**32", score_case(rows(), "p.jsonl", "--seed", str(2**70)), 2, ("--seed",)),
    Case("compare --alpha 2", compare_case(lambda a: None, "--alpha", "2"), 2, ("--alpha",)),
    Case("compare --permutations 2,000,000", compare_case(lambda a: None, "--permutations", "2000000"), 2,
         ("--permutations",)),
    Case("label --processes 0", label_case("Heart normal.\n", "--processes", "0"), 2, ("--processes",)),
    # the pair: a folder in the way
    Case("results.json in --out is a folder", old_pair_with_a_folder("results.json"), 1,
         ("d: cannot write results.json and per_study.jsonl (results.json is a folder); nothing was changed",)),
    Case("per_study.jsonl in --out is a folder", old_pair_with_a_folder("per_study.jsonl"), 1,
         ("(per_study.jsonl is a folder); nothing was changed",)),
    # leaderboard build: where it writes
    Case("leaderboard --out is a file", board_out(ws_refs), 1,
         ("refs.jsonl exists and is not a rexbench site build; refusing to replace it",)),
    Case("leaderboard --out is the submissions folder", board_out(lambda ws: ws / "submissions"), 1,
         ("submissions exists and is not a rexbench site build; refusing to replace it",)),
    Case("leaderboard --out inside a submission", board_out(lambda ws: ws / "submissions" / "sys-a"), 1,
         ("sys-a exists and is not a rexbench site build",)),
    Case("leaderboard --submissions missing", lambda ws: ["leaderboard", "build", "--submissions", ws / "nope", "--out",
                                                          SITE(ws), "--display", DISPLAY], 1,
         ("nope: no such folder (pass --submissions DIR)",)),
    Case("leaderboard display missing", lambda ws: board_out(SITE)(ws)[:-1] + [ws / "nope.yaml"], 1,
         ("display schema not found:", "nope.yaml")),
    # leaderboard build: damaged or hostile results
    Case("leaderboard: text fields in per_study.jsonl", board_case(text_in_per_study), 0, check=site_never_has_the_secret),
    Case("leaderboard: text fields in results.json", board_case(edit_results(lambda d: (
        d.update(note=SECRET), d["tracks"]["impression"]["metrics"]["rouge_l"].update(note=SECRET)))), 0,
         check=site_never_has_the_secret),
    Case("leaderboard: reference text in per_study.jsonl", board_case(reference_in_per_study), 1,
         ("sys-a/per_study.jsonl:1: field 'reference' looks like reference text",)),
    Case("leaderboard: a track per_study.jsonl lacks", board_case(edit_results(
        lambda d: d["tracks"].update({"report": d["tracks"]["findings"]}))), 1,
         ("sys-a/per_study.jsonl: no rows of track 'report', which its results.json lists",)),
    Case("leaderboard: other reference data", board_case(edit_results(lambda d: d["split"].update(sha256="0" * 64))), 1,
         ("split custom-refs: submissions were scored on different reference data",)),
    Case("leaderboard: per_study.jsonl missing", board_case(lambda f: (f / "per_study.jsonl").unlink()), 1,
         ("sys-a/per_study.jsonl: per-study file not found",)),
    Case("leaderboard: results nested deep", board_case(write("results.json", "[" * 200_000 + "]" * 200_000)), 1,
         ("sys-a/results.json: JSON nested too deeply",), isolated=True),
    Case("leaderboard: NaN score", board_case(edit_results(
        lambda d: d["tracks"]["impression"]["metrics"]["rouge_l"].update(score=float("nan")))), 1,
         ("results.json: field tracks.impression.metrics.rouge_l.score is not a finite number",)),
    Case("leaderboard: infinite CI bound", board_case(edit_results(
        lambda d: d["tracks"]["impression"]["metrics"]["rouge_l"].update(ci={"low": float("-inf"), "high": 1.0}))), 1,
         ("results.json: field tracks.impression.metrics.rouge_l.ci.low is not a finite number",)),
    Case("leaderboard: results.json a FIFO", board_case(special_results("fifo")), 1,
         ("sys-a/results.json: the JSON file is a FIFO (named pipe), not a regular file",), isolated=True),
    Case("leaderboard: results.json -> /dev/zero", board_case(special_results("zero")), 1,
         ("sys-a/results.json: the JSON file resolves outside",), isolated=True),
    # compare
    Case("compare: one folder twice", lambda ws: ["compare", *scored(ws), ws / "a"], 1,
         ("a: given twice; compare different submissions",)),
    Case("compare: a folder that does not exist", lambda ws: ["compare", ws / "nope", scored(ws)[1]], 1,
         ("nope: no results.json",)),
    Case("compare: one folder", lambda ws: ["compare", scored(ws)[0]], 1, ("compare needs at least two scored submissions",)),
    Case("compare: per_study.jsonl missing", compare_case(lambda a: (a / "per_study.jsonl").unlink()), 1,
         ("a/per_study.jsonl: per-study file not found",)),
    Case("compare: unknown track", compare_case(lambda a: None, "--tracks", "nope"), 1,
         ("track 'nope' is not scored for every submission",)),
    Case("compare: NaN score", compare_case(edit_results(
        lambda d: d["tracks"]["findings"]["metrics"]["bleu2_rexrank"].update(score=float("nan")))), 1,
         ("a/results.json: field tracks.findings.metrics.bleu2_rexrank.score is not a finite number",)),
    # label
    Case("label a 5 MB report without punctuation", label_case("word " * 1_000_000 + "\n"), 1,
         ("reports.txt: id '1': the report is 4,999,999 characters, over the 100,000-character limit",), isolated=True),
    Case("label a terminal escape in an id", label_case('{"id": "\\u001b[2Jx", "report": "No effusion."}\n', name="r.jsonl"),
         0, ("'\\x1b[2Jx'",), never=("\x1b",)),
    Case("label an empty file", label_case(""), 1, ("reports.txt: no reports found",)),
    Case("label CSV without a report column", label_case("a,b\n1,2\n", name="r.csv"), 1,
         ("r.csv:1: CSV needs a header naming the report column",)),
    Case("label report not a string", label_case('{"id": "a", "report": 3}\n', name="r.jsonl"), 1,
         ('r.jsonl:1: "report" must be a string, got number',)),
    Case("label duplicate ids", label_case('{"id": "a", "report": "x"}\n{"id": "a", "report": "y"}\n', name="r.jsonl"), 1,
         ("r.jsonl: duplicate id 'a' (reports 1 and 2)",)),
    Case("label duplicate key", label_case('{"id": "a", "report": "x", "report": "y"}\n', name="r.jsonl"), 1,
         ("r.jsonl:1: duplicate key 'report'",)),
    Case("label lone surrogate", label_case('{"id": "a", "report": "\\ud800"}\n', name="r.jsonl"), 1,
         ("r.jsonl:1: key 'report': a lone surrogate escape",)),
    Case("label bad UTF-8", label_bytes(b"caf\xe9\n"), 1, ("r.txt:1: not valid UTF-8 (byte 0xe9)",)),
    Case("label -> /dev/zero", label_special("zero"), 1, ("r.txt: the file is a character device",), isolated=True),
    Case("label a folder", label_special("folder"), 1, ("r.txt: the file is a folder",)),
    Case("label a missing file", lambda ws: ["label", ws / "nope.txt"], 1, ("nope.txt: no such file",)),
    # import-rexrank
    Case("import-rexrank empty file", import_text(""), 1, ("result_mimiccxr.csv:1: empty file",)),
    Case("import-rexrank unknown columns", import_text("a,b\n1,2\n"), 1, ("result_mimiccxr.csv:1: unknown column 'a'",)),
    Case("import-rexrank score not a number", import_text(REXRANK_HEADER + "1,2024,M,I,https://x.org,high\n"), 1,
         ("result_mimiccxr.csv:2: model 'M': column BLEU: 'high' is not a number",)),
    Case("import-rexrank javascript: URL", import_text(REXRANK_HEADER + "1,2024,M,I,javascript:alert(1),0.2\n"), 1,
         ("result_mimiccxr.csv:2: model 'M': Model URL 'javascript:alert(1)' is not an http(s) URL",)),
    Case("import-rexrank bad UTF-8", import_text(b"Rank,Date\n\xff\n"), 1, ("result_mimiccxr.csv:2: not valid UTF-8",)),
    Case("import-rexrank FIFO", import_text(None), 1, ("result_mimiccxr.csv: the file is a FIFO",), isolated=True),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_outputs(case: Case, tmp_path: Path, scored_systems: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run_case(case, tmp_path, scored_systems, monkeypatch)


def test_matrix_size() -> None:
    """The count reported for issue 12: every row of the three files is a distinct case."""
    every = test_hostile_predictions.CASES + test_hostile_submissions.CASES + CASES
    assert len({c.name for c in every}) == len(every) >= 200
