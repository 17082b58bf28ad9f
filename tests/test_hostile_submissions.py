"""Bad-input matrix (issue 12), submissions: what a pull request can put in submissions/<id>/ for `rexbench ci`.

Rows: symlinks out of the submission (predictions, CSV, submission.yaml, the folder itself, a subfolder),
special files, path traversal and absolute paths, hostile YAML (billion laughs, deep nesting, over the
size cap, duplicate keys, Python and other non-plain tags, merge keys, several documents, tabs, bad
bytes), every field's validation, and private split ids never printed. The runner and what every row
asserts: tests/hostile_matrix.py.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .conftest import write_jsonl
from .hostile_matrix import (SECRET, SUBMISSION_YAML, Case, ci_args, outside_secret_csv, rows, run_case,
                             scored_systems, submission, ws_refs)


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


def private_ids_in_summary(ws: Path) -> list[Any]:
    return private_ids(ws) + ["--summary", ws.parent / "outside" / "summary.md"]


def summary_withholds_private_ids(tmp_path: Path) -> None:
    text = (tmp_path / "outside" / "summary.md").read_text(encoding="utf-8")
    assert "missing prediction for id \\<withheld\\> (2 studies)" in text   # Markdown-escaped
    assert not [i for i in ("'s3'", "café", "Right lower lobe") if i in text], text   # ids and reference text


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


def yaml_case(edit: Callable[[str], str] = lambda text: text, *, extra: str = "", data: bool = True,
              sid: str = "my-model") -> Callable[[Path], list[Any]]:
    """A submission whose submission.yaml is the standard one with `extra` fields, then passed through `edit`."""
    def build(ws: Path) -> list[Any]:
        text = SUBMISSION_YAML.format(sid=sid, extra=extra, refs=ws_refs(ws), predictions="predictions.jsonl")
        folder = submission(ws, data=rows() if data else None, yaml_text=edit(text))
        if sid != "my-model":
            folder.rename(folder.parent / "my-model")
        return ci_args(ws)
    return build


def special_yaml(kind: str) -> Callable[[Path], list[Any]]:
    def build(ws: Path) -> list[Any]:
        yaml = submission(ws, data=rows()) / "submission.yaml"
        yaml.unlink()
        if kind == "fifo":
            os.mkfifo(yaml)
        else:
            os.symlink("/dev/zero", yaml)
        return ci_args(ws)
    return build


def symlinked_subfolder(ws: Path) -> list[Any]:
    folder = submission(ws, predictions="sub/predictions.jsonl")
    (ws.parent / "outside" / "sub").mkdir()
    write_jsonl(ws.parent / "outside" / "sub" / "predictions.jsonl", rows())
    os.symlink(ws.parent / "outside" / "sub", folder / "sub")
    return ci_args(ws)


def predictions_bytes(data: bytes) -> Callable[[Path], list[Any]]:
    def build(ws: Path) -> list[Any]:
        (submission(ws) / "predictions.jsonl").write_bytes(data)
        return ci_args(ws)
    return build


def new_submission(ws: Path, predictions: Path, sid: str = "new-model") -> list[Any]:
    return ["new-submission", sid, "--model-name", "M", "--institution", "I", "-s", str(ws_refs(ws)),
            "--submissions", ws / "submissions", "-p", predictions]


def no_splits(text: str) -> str:
    return text.split("splits:")[0] + "splits: []\n"


CASES = [
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
    Case("private split ids withheld", private_ids, 1, ("missing prediction for id <withheld> (2 studies)",),
         never=(SECRET, "Traceback", "'s3'", "'café'")),
    Case("private split ids withheld in the PR summary", private_ids_in_summary, 1, ("missing prediction for id <withheld>",),
         never=(SECRET, "Traceback", "'s3'", "'café'"), check=summary_withholds_private_ids),
    Case("ci --summary is a folder", lambda ws: ci_args(ws, "--summary", ws), 1, ("--summary", "is a folder")),
    Case("ci --summary cannot be written", lambda ws: ci_args(ws, "--summary", ws_refs(ws) / "s.md"), 1,
         ("refs.jsonl: exists and is not a folder",)),
    # ci's own outputs
    Case("ci --summary over a submitted file", lambda ws: (submission(ws, data=rows()), ci_args(
        ws, "--summary", ws / "submissions" / "my-model" / "predictions.jsonl"))[1], 1,
         ("--summary", "is inside the submissions folder", "it would overwrite submitted files")),
    Case("ci --out is the submissions folder", lambda ws: (submission(ws, data=rows()), ci_args(
        ws, out=ws / "submissions"))[1], 1, ("--out", "submissions is inside the submissions folder",)),
    Case("ci --submissions missing", lambda ws: ci_args(ws, submissions=ws / "nope"), 1,
         ("nope: no such folder (pass --submissions DIR)",)),
    # new-submission (scaffolds a folder: nothing may be created when its input is bad)
    Case("new-submission predictions FIFO", lambda ws: (os.mkfifo(ws / "f.jsonl"), new_submission(ws, ws / "f.jsonl"))[1], 1,
         ("f.jsonl: the predictions file is a FIFO (named pipe), not a regular file",), isolated=True),
    Case("new-submission id with ..", lambda ws: new_submission(ws, write_jsonl(ws / "p.jsonl", rows()), sid="../evil"), 1,
         ("id '../evil' must be a slug",)),
    Case("new-submission bad predictions", lambda ws: new_submission(ws, write_jsonl(ws / "p.jsonl", ["{bad"])), 1,
         ("p.jsonl:1: not valid JSON",)),
    # more symlinks and special files
    Case("predictions through a symlinked subfolder", symlinked_subfolder, 1,
         ("splits[0]: predictions 'sub/predictions.jsonl' resolves outside the submission folder",)),
    Case("predictions is a folder (ci)", lambda ws: (os.mkdir(submission(ws) / "predictions.jsonl"), ci_args(ws))[1], 1,
         ("splits[0]: predictions 'predictions.jsonl' is not a regular file",)),
    Case("predictions file missing", yaml_case(data=False), 1, ("splits[0]: predictions file 'predictions.jsonl' not found",)),
    Case("submission.yaml is a FIFO", special_yaml("fifo"), 1,
         ("submission.yaml: the YAML file is a FIFO (named pipe), not a regular file",), isolated=True),
    Case("submission.yaml -> /dev/zero", special_yaml("zero"), 1, ("submission.yaml: the YAML file resolves outside",),
         isolated=True),
    Case("predictions bad UTF-8", predictions_bytes(b'{"id": "s1"}\n\xff\n'), 1, ("predictions.jsonl:2: not valid UTF-8",)),
    Case("predictions lone surrogate", predictions_bytes(b'{"id": "s1", "report": "\\ud800"}\n'), 1,
         ("predictions.jsonl:1: key 'report': a lone surrogate escape",)),
    # YAML syntax and types
    Case("YAML empty", yaml_case(lambda t: ""), 1, ("submission.yaml: expected a mapping of fields",)),
    Case("YAML a list", yaml_case(lambda t: "- a\n- b\n"), 1, ("submission.yaml: expected a mapping of fields",)),
    Case("YAML bad UTF-8", lambda ws: (submission(ws, data=rows()), (ws / "submissions/my-model/submission.yaml")
                                       .write_bytes(b"id: my-model\nmodel_name: M\xe4\n"), ci_args(ws))[2], 1,
         ("submission.yaml:2: not valid UTF-8 (byte 0xe4)",)),
    Case("YAML tab indentation", yaml_case(lambda t: t.replace("  - split", "\t- split")), 1,
         ("submission.yaml:7: not valid YAML (found character '\\t' that cannot start any token)",)),
    Case("YAML custom tag", yaml_case(extra="description: !foo bar\n"), 1,
         ("submission.yaml:6: not valid YAML (could not determine a constructor for the tag '!foo')",)),
    Case("YAML !!binary", yaml_case(extra="description: !!binary aGVsbG8=\n"), 1,
         ("submission.yaml:6: the YAML tag !!binary is not allowed",)),
    Case("YAML !!set", yaml_case(extra="trained_on: !!set {a, b}\n"), 1, ("submission.yaml:6: the YAML tag !!set is not allowed",)),
    Case("YAML merge key", yaml_case(extra="x: &a {b: 1}\ny:\n  <<: *a\n"), 1,
         ("submission.yaml:6: YAML anchors and aliases",)),
    Case("YAML two documents", yaml_case(lambda t: t + "---\nid: other\n"), 1,
         ("submission.yaml:9: not valid YAML (but found another document)",)),
    Case("YAML impossible date", yaml_case(lambda t: t.replace("2026-01-01", "2026-13-45")), 1,
         ("submission.yaml:4: '2026-13-45' is not a valid date",)),
    # fields
    Case("missing field", yaml_case(lambda t: t.replace("model_name: Model\n", "")), 1,
         ("submission.yaml: missing field 'model_name'",)),
    Case("id is not the folder name", yaml_case(sid="other-model"), 1,
         ("submission.yaml: id 'other-model' must equal the folder name 'my-model'",)),
    Case("id not a slug", yaml_case(lambda t: t.replace("id: my-model", "id: My Model")), 1,
         ("submission.yaml: id 'My Model' must be a slug",)),
    Case("date as words", yaml_case(lambda t: t.replace("2026-01-01", "yesterday")), 1,
         ("submission.yaml: date 'yesterday' must be YYYY-MM-DD",)),
    Case("javascript: URL", yaml_case(extra="url: javascript:alert(1)\n"), 1,
         ("submission.yaml: url 'javascript:alert(1)' must be an http(s) URL",)),
    Case("model_name empty", yaml_case(lambda t: t.replace("model_name: Model", "model_name: ''")), 1,
         ("submission.yaml: model_name must be a non-empty string",)),
    Case("description a number", yaml_case(extra="description: 42\n"), 1, ("submission.yaml: description must be a string",)),
    Case("trained_on not a list", yaml_case(extra="trained_on: mimic\n"), 1,
         ("submission.yaml: trained_on must be a list of dataset names",)),
    Case("splits empty", yaml_case(no_splits), 1, ("submission.yaml: splits must be a non-empty list",)),
    Case("split without predictions", yaml_case(lambda t: t.replace("    predictions: predictions.jsonl\n", "")), 1,
         ("submission.yaml: splits[0]: needs `split` and `predictions` strings",)),
    Case("unknown track in a split entry", yaml_case(lambda t: t + "    tracks: [nope]\n"), 1, ("splits[0]: unknown track 'nope'",)),
    Case("tracks not a list", yaml_case(lambda t: t + "    tracks: findings\n"), 1, ("splits[0]: tracks must be a non-empty list",)),
    Case("tracks an empty list", yaml_case(lambda t: t + "    tracks: []\n"), 1, ("splits[0]: tracks must be a non-empty list",)),
    Case("track listed twice", yaml_case(lambda t: t + "    tracks: [findings, findings]\n"), 1,
         ("splits[0]: track 'findings' is listed twice",)),
    Case("split listed twice", yaml_case(lambda t: t + t[t.index("  - split"):]), 1,
         ("splits: one split per submission folder",)),
    Case("YAML integer of 5,000 digits", yaml_case(extra="description: " + "9" * 5000 + "\n"), 1,
         ("submission.yaml:6: an integer of 5,000 digits is too long",)),
    Case("unknown split in submission.yaml", yaml_case(lambda t: t.replace(t.split('split: "')[1].split('"')[0], "nope:test")), 1,
         ("unknown split 'nope:test'",)),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_submissions(case: Case, tmp_path: Path, scored_systems: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run_case(case, tmp_path, scored_systems, monkeypatch)
