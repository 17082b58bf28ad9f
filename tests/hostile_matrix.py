"""The bad-input matrix (issue 12), shared part: what a hostile or careless contributor can hand rexbench.

The rows live in tests/test_hostile_*.py by theme (predictions and references, submissions, outputs and
the other commands); this module holds the row type, the workspace builders and the one runner they
share. Every row runs through the CLI and is checked for: the exit code (1 for an input error, 2 for a
usage error), the message (one short line naming the file, line or id), that no secret from outside
the submission is ever printed, and that nothing was written (the workspace is snapshotted before and
after: names, types, contents). Rows that would hang or exhaust memory if the defence were missing
(FIFOs, /dev/zero, billion laughs, deep nesting, a 5 MB report) run in a subprocess with a timeout, so a
regression fails instead of hanging the suite. A few rows are the good behaviour next to a bad case
(valid JSONL with U+2028, a BOM): they must succeed and write exactly the pair.
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
    check: Callable[[Path], None] | None = None  # more assertions on the test's tmp_path after the run


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


def ci_args(ws: Path, *extra: Any, submissions: Path | None = None, out: Path | None = None) -> list[Any]:
    return ["ci", "--all", "--submissions", submissions or ws / "submissions", "--out", out or ws.parent / "site",
            "--display", DISPLAY, *SCORE, *extra]


def outside_secret_csv(ws: Path) -> Path:
    return ws.parent / "outside" / "secret.csv"


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


NFD = "cafe\u0301"
DEEP_JSON = '{"id": "s1", "findings": ' + "[" * 200_000 + "]" * 200_000 + "}"


# ---- running ------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
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


def run_case(case: Case, tmp_path: Path, scored_systems: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Build the row's workspace, run it, and check everything the module docstring promises."""
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
        assert part not in output, f"{part!r} printed:\n{output}"
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
    if case.check:
        case.check(tmp_path)
