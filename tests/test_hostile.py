"""The bad-input matrix (issue 12): what a hostile or careless contributor can hand rexbench.

One row per case, every one run through the CLI: the exit code (1 for an input error, 2 for a usage
error), the message (one line naming the file, line or id), that no secret from outside the
submission is ever printed, and that nothing was written (the workspace is snapshotted before and
after: names, types, contents). Rows that would hang or exhaust memory if the defence were missing
(FIFOs, /dev/zero, billion laughs, deep nesting) run in a subprocess with a timeout, so a regression
fails instead of hanging the suite. A few rows are the good behaviour next to a bad case (valid JSONL
with U+2028): they must succeed and write exactly the pair.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .conftest import CHEAP_METRICS, REPO, invoke, write_jsonl

REFS = [
    {"id": "s1", "findings": "Heart size normal. Lungs clear.", "impression": "No acute disease."},
    {"id": "s2", "findings": "Small left effusion.", "impression": "Left effusion."},
    {"id": "s3", "findings": "Right lower lobe opacity.", "impression": "Pneumonia."},
    {"id": "caf\u00e9", "findings": "Cardiomegaly.", "impression": "Enlarged heart."},   # NFC id
]
IDS = [r["id"] for r in REFS]
SECRET = "SECRET_TOKEN=hunter2-7f3a9c"
DISPLAY = REPO / "leaderboard_site" / "leaderboard.yaml"
SCORE = ("--metrics", CHEAP_METRICS, "--bootstrap", "0")


def rows(**overrides: Any) -> list[dict[str, Any]]:
    out = [{"id": i, "findings": f"findings of {i}", "impression": f"impression of {i}"} for i in IDS]
    for key, value in overrides.items():
        out[int(key[1:])].update(value)
    return out


@dataclass
class Case:
    name: str
    build: Callable[[Path], list[Any]]          # prepares the workspace, returns the CLI arguments
    code: int
    says: tuple[str, ...] = ()                  # substrings of the error output
    isolated: bool = False                      # subprocess with a timeout (could hang or blow up)
    writes: tuple[str, ...] = ()                # good rows: the files that must appear (relative to ws)
    patch: Callable[[pytest.MonkeyPatch], None] | None = None
    never: tuple[str, ...] = field(default=(SECRET, "Traceback"))


# ---- workspace builders -----------------------------------------------------------------------------

def ws_refs(ws: Path) -> Path:
    return ws / "refs.jsonl"


def preds_file(ws: Path, data: list[Any] | str | bytes, name: str = "p.jsonl") -> Path:
    path = ws / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    elif isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        write_jsonl(path, data)
    return path


def score_args(ws: Path, preds: Path, *extra: Any, out: Path | None = None) -> list[Any]:
    return ["score", "--references", ws_refs(ws), "--predictions", preds, *SCORE,
            "--out", out or ws / "out", *extra]


def score_case(data: Any, name: str = "p.jsonl", *extra: Any) -> Callable[[Path], list[Any]]:
    return lambda ws: score_args(ws, preds_file(ws, data, name), *extra)


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


SUBMISSION_YAML = """\
id: {sid}
model_name: Model
institution: Lab
date: 2026-01-01
license: CC-BY-4.0
{extra}splits:
  - split: "{refs}"
    predictions: {predictions}
"""


def submission(ws: Path, *, sid: str = "my-model", extra: str = "", predictions: str = "predictions.jsonl",
               data: list[Any] | None = None, yaml_text: str | None = None) -> Path:
    folder = ws / "submissions" / sid
    folder.mkdir(parents=True, exist_ok=True)
    if data is not None:
        write_jsonl(folder / "predictions.jsonl", data)
    text = yaml_text if yaml_text is not None else SUBMISSION_YAML.format(
        sid=sid, extra=extra, refs=ws_refs(ws), predictions=predictions)
    (folder / "submission.yaml").write_text(text, encoding="utf-8")
    return folder


def ci_args(ws: Path, *extra: Any) -> list[Any]:
    return ["ci", "--all", "--submissions", ws / "submissions", "--out", ws.parent / "site", "--display", DISPLAY,
            *SCORE, *extra]


def ci_case(**kwargs: Any) -> Callable[[Path], list[Any]]:
    def build(ws: Path) -> list[Any]:
        submission(ws, **kwargs)
        return ci_args(ws)
    return build


def symlinked_predictions(target: Callable[[Path], Path]) -> Callable[[Path], list[Any]]:
    def build(ws: Path) -> list[Any]:
        folder = submission(ws, data=None)
        os.symlink(target(ws), folder / "predictions.jsonl")
        return ci_args(ws)
    return build


def outside_secret_csv(ws: Path) -> Path:
    return ws.parent / "outside" / "secret.csv"


def symlinked_csv(ws: Path) -> list[Any]:
    folder = submission(ws, predictions="predictions.csv")
    os.symlink(outside_secret_csv(ws), folder / "predictions.csv")
    return ci_args(ws)


def symlinked_yaml(ws: Path) -> list[Any]:
    folder = ws / "submissions" / "my-model"
    folder.mkdir(parents=True)
    write_jsonl(folder / "predictions.jsonl", rows())
    other = ws.parent / "outside" / "submission.yaml"
    other.write_text(SUBMISSION_YAML.format(sid="my-model", extra="", refs=ws_refs(ws),
                                            predictions="predictions.jsonl"), encoding="utf-8")
    os.symlink(other, folder / "submission.yaml")
    return ci_args(ws)


def symlinked_folder(ws: Path) -> list[Any]:
    real = ws.parent / "outside" / "my-model"
    real.mkdir()
    (ws / "submissions").mkdir()
    write_jsonl(real / "predictions.jsonl", rows())
    (real / "submission.yaml").write_text(SUBMISSION_YAML.format(sid="my-model", extra="", refs=ws_refs(ws),
                                                                 predictions="predictions.jsonl"), encoding="utf-8")
    os.symlink(real, ws / "submissions" / "my-model")
    return ci_args(ws)


def fifo_in_submission(ws: Path) -> list[Any]:
    folder = submission(ws)
    os.mkfifo(folder / "predictions.jsonl")
    return ci_args(ws)


def billion_laughs(ws: Path) -> list[Any]:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [{','.join('*' + prev for _ in range(9))}]")
    submission(ws, data=rows(), yaml_text="\n".join(lines) + "\n")
    return ci_args(ws)


def deep_yaml(ws: Path) -> list[Any]:
    submission(ws, data=rows(), yaml_text="id: " + "[" * 20000 + "]" * 20000 + "\n")
    return ci_args(ws)


def big_yaml(ws: Path) -> list[Any]:
    submission(ws, data=rows(), extra="description: \"" + "x" * (1 << 20) + "\"\n")
    return ci_args(ws)


def python_tag(ws: Path) -> list[Any]:
    marker = ws.parent / "outside" / "pwned"
    submission(ws, data=rows(), extra=f"description: !!python/object/apply:os.system [\"touch {marker}\"]\n")
    return ci_args(ws)


def private_ids(ws: Path) -> list[Any]:
    submission(ws, data=rows()[:2], yaml_text=SUBMISSION_YAML.format(
        sid="my-model", extra="", refs="private:hidden", predictions="predictions.jsonl"))
    return ci_args(ws)


def track_nobody_has(ws: Path) -> list[Any]:
    submission(ws, data=rows(), yaml_text=SUBMISSION_YAML.format(
        sid="my-model", extra="", refs=ws_refs(ws), predictions="predictions.jsonl") + "    tracks: [report]\n")
    return ci_args(ws)


def results_symlink(ws: Path) -> list[Any]:
    folder = submission(ws, data=rows())
    (ws.parent / "outside" / "results.json").write_text(json.dumps({"secret": SECRET}), encoding="utf-8")
    os.symlink(ws.parent / "outside" / "results.json", folder / "results.json")
    (folder / "per_study.jsonl").write_text("", encoding="utf-8")
    return ci_args(ws)


# scored folders (copied in from a module fixture) for compare and leaderboard build
def scored(ws: Path, damage: Callable[[Path], None] | None = None, *, board: bool = False) -> tuple[Path, Path]:
    a, b = ws / "a", ws / "b"
    shutil.copytree(ws.parent / "scored" / "a", a)
    shutil.copytree(ws.parent / "scored" / "b", b)
    if damage:
        damage(a)
    if board:
        subs = ws / "submissions"
        subs.mkdir()
        for src in (a, b):
            dst = subs / f"sys-{src.name}"
            shutil.copytree(src, dst)
            (dst / "submission.yaml").write_text(SUBMISSION_YAML.format(
                sid=dst.name, extra="", refs=ws_refs(ws), predictions="predictions.jsonl"), encoding="utf-8")
        shutil.rmtree(a)
        shutil.rmtree(b)
    return a, b


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


NFD = "cafe\u0301"
DEEP_JSON = '{"id": "s1", "findings": ' + "[" * 200_000 + "]" * 200_000 + "}"

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
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows(r0={"findings": "line\u2028sep \u0085 \x0c"}))),
        0, writes=("out", "out/results.json", "out/per_study.jsonl")),
    Case("CRLF line ends", score_case("".join(json.dumps(r) + "\r\n" for r in rows())), 0,
         writes=("out", "out/results.json", "out/per_study.jsonl")),
    # references
    Case("references FIFO", special_refs("fifo"), 1, ("refs2.jsonl: the file is a FIFO",), isolated=True),
    Case("references -> /dev/zero", special_refs("zero"), 1, ("refs2.jsonl: the file is a character device",),
         isolated=True),
    Case("unknown split", lambda ws: ["score", "-s", "nope:test", "-p", preds_file(ws, rows()), *SCORE], 1,
         ("unknown split 'nope:test'",)),
    Case("track no study has", score_case(rows(), "p.jsonl", "--tracks", "report"), 1,
         ("split custom-refs: no study has a reference for track report; nothing to score",)),
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
    # submissions (rexbench ci)
    Case("predictions symlink to the references", symlinked_predictions(ws_refs), 1,
         ("splits[0]: predictions 'predictions.jsonl' resolves outside the submission folder",)),
    Case("predictions CSV symlink to a runner file", symlinked_csv, 1, ("resolves outside the submission folder",)),
    Case("submission.yaml symlink outside", symlinked_yaml, 1, ("the YAML file resolves outside",)),
    Case("submission folder symlink outside", symlinked_folder, 1, ("the submission folder resolves outside",)),
    Case("predictions FIFO in the submission", fifo_in_submission, 1, ("predictions 'predictions.jsonl' is not a regular file",),
         isolated=True),
    Case("predictions path with ..", ci_case(data=rows(), predictions="../other/p.jsonl"), 1,
         ("predictions must be a file inside the submission folder",)),
    Case("predictions absolute path", ci_case(data=rows(), predictions="/etc/passwd"), 1,
         ("predictions must be a file inside the submission folder",)),
    Case("YAML billion laughs", billion_laughs, 1, ("submission.yaml:1: YAML anchors and aliases",), isolated=True),
    Case("YAML nested 20,000 deep", deep_yaml, 1, ("submission.yaml:1: nested more than 64 levels deep",), isolated=True),
    Case("YAML over 1 MiB", big_yaml, 1, ("over the 1,048,576-byte limit",)),
    Case("YAML duplicate key", ci_case(data=rows(), extra="model_name: Other\n"), 1,
         ("submission.yaml:6: duplicate key 'model_name' (first at line 2)",)),
    Case("YAML python tag", python_tag, 1, ("submission.yaml:6: not valid YAML",)),
    Case("reference_baseline as a string", ci_case(data=rows(), extra='reference_baseline: "false"\n'), 1,
         ("reference_baseline 'false' must be true or false",)),
    Case("unknown field", ci_case(data=rows(), extra="evil: 1\n"), 1, ("unknown field 'evil'",)),
    Case("track no study has (ci)", track_nobody_has, 1, ("no study has a reference for track report",)),
    Case("results.json symlink outside", results_symlink, 1, ("results.json: not readable",)),
    Case("private split ids withheld", private_ids, 1, ("missing prediction for id <withheld>",)),
    Case("ci --summary is a folder", lambda ws: ci_args(ws, "--summary", ws), 1, ("--summary", "is a folder")),
    Case("ci --summary cannot be written", lambda ws: ci_args(ws, "--summary", ws_refs(ws) / "s.md"), 1,
         ("refs.jsonl: exists and is not a folder",)),
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
]


# ---- running ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def scored_systems(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("scored")
    cache = root / "cache"
    write_jsonl(root / "refs.jsonl", REFS)
    for name, text in (("a", "normal heart"), ("b", "effusion")):
        folder = root / name
        folder.mkdir()
        write_jsonl(folder / "predictions.jsonl", [{"id": i, "report": f"{text} {i}"} for i in IDS])
        res = invoke("score", "--references", root / "refs.jsonl", "--predictions", folder / "predictions.jsonl",
                     "--metrics", CHEAP_METRICS, "--bootstrap", "20", "--out", folder,
                     env={"REXBENCH_CACHE_DIR": str(cache)})
        assert res.exit_code == 0, res.text
    return root


def snapshot(root: Path) -> dict[str, tuple[str, str]]:
    """Every entry under root (symlinks not followed): its type and, for a regular file, its sha256."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            mode = path.lstat().st_mode
            if stat.S_ISREG(mode):
                out[str(path.relative_to(root))] = ("file", hashlib.sha256(path.read_bytes()).hexdigest())
            elif stat.S_ISLNK(mode):
                out[str(path.relative_to(root))] = ("link", os.readlink(path))
            else:
                out[str(path.relative_to(root))] = ("dir" if stat.S_ISDIR(mode) else "special", "")
    return out


def run_isolated(args: list[Any], env: dict[str, str]) -> tuple[int, str]:
    try:
        proc = subprocess.run([sys.executable, "-m", "rexbench", *map(str, args)], capture_output=True, text=True,
                              timeout=120, env={**os.environ, **env}, cwd=REPO)
    except subprocess.TimeoutExpired:
        pytest.fail("hung: the command did not finish in 120 s")
    return proc.returncode, proc.stdout + proc.stderr


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input(case: Case, tmp_path: Path, scored_systems: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    write_jsonl(ws_refs(ws), REFS)
    (tmp_path / "outside").mkdir()
    outside_secret_csv(ws).write_text(f"{SECRET},x\nmore,rows\n", encoding="utf-8")
    shutil.copytree(scored_systems / "a", tmp_path / "scored" / "a")
    shutil.copytree(scored_systems / "b", tmp_path / "scored" / "b")
    args = case.build(ws)
    before = snapshot(ws)
    env = {"REXBENCH_CACHE_DIR": str(tmp_path / "cache"), "REXBENCH_PRIVATE_REFS": str(ws_refs(ws))}
    if case.patch:
        case.patch(monkeypatch)
    if case.isolated:
        code, output = run_isolated(args, env)
    else:
        res = invoke(*args, env=env)    # an exception (a traceback) fails the test inside invoke
        code, output = res.exit_code, res.stdout + res.stderr
    assert code == case.code, output
    for part in case.says:
        assert part in output, f"{part!r} not in:\n{output}"
    for part in case.never:
        assert part not in output
    if code == 1:
        errors = [line for line in output.splitlines() if line.startswith("error: ")]
        assert errors, output
        assert all(len(line) < 2000 for line in errors), "an error line is not one short line"
    after = snapshot(ws)
    added = sorted(set(after) - set(before))
    assert sorted(added) == sorted(case.writes), f"written: {added}"
    assert {k: v for k, v in after.items() if k in before} == before, "an existing file was changed"
    assert not (tmp_path / "outside" / "pwned").exists()
    assert not list(ws.rglob("*.tmp")) and not list(ws.rglob(".rexbench-pair.pending"))


def test_matrix_size() -> None:
    """The count reported for issue 12: every row above is a distinct case."""
    assert len({c.name for c in CASES}) == len(CASES) >= 75
