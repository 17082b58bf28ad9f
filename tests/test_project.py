"""Leaderboard projects: found from the working directory (or --project / $REXBENCH_PROJECT), scaffolded by
`rexbench init`; outside one, the leaderboard commands stop with one line and write nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rexbench.project import find

from .conftest import REPO, invoke

PREDICTIONS = REPO / "submissions" / "normal-template" / "predictions.jsonl"


@pytest.fixture
def outside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("REXBENCH_PROJECT", raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.mark.parametrize("args", [
    ["leaderboard", "build"], ["leaderboard", "serve"], ["ci", "--all"], ["demo"], ["import-rexrank", "x.csv"],
    ["new-submission", "my-model", "--model-name", "M", "--institution", "I", "--split", "demo:test",
     "--predictions", str(PREDICTIONS)],
])
def test_outside_a_project_commands_stop_with_one_line(outside: Path, args: list[str]) -> None:
    res = invoke(*args)
    assert res.exit_code == 1
    assert res.error_lines == [res.stderr.strip()], res.stderr          # exactly one line
    line = res.error_lines[0]
    assert f"looked for leaderboard_site/leaderboard.yaml in {outside.resolve()}" in line
    assert "rexbench init DIR" in line and "--project DIR" in line
    assert list(outside.iterdir()) == []                                # nothing written


def test_init_scaffolds_a_project_that_builds_from_any_subfolder(outside: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    res = invoke("init", "board")
    assert res.exit_code == 0, res.text
    board = outside / "board"
    display = yaml.safe_load((board / "leaderboard_site" / "leaderboard.yaml").read_text(encoding="utf-8"))
    assert display["schema"] == "rexbench.display/1"
    for name in ("pr.yml", "pages.yml"):
        flow = (board / ".github" / "workflows" / name).read_text(encoding="utf-8")
        assert "pip install -q \"rexbench==" in flow and "-e ." not in flow and "Makefile" not in flow
        assert yaml.safe_load(flow)["jobs"]
    assert (board / "submissions").is_dir() and "leaderboard_site/build/" in (board / ".gitignore").read_text()

    again = invoke("init", "board")
    assert again.exit_code == 1 and "init never overwrites a project" in again.stderr

    deep = board / "submissions" / "a" / "b"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert find().root == board.resolve()
    built = invoke("new-submission", "my-model", "--model-name", "M", "--institution", "I", "--split", "demo:test",
                   "--predictions", PREDICTIONS, "--date", "2026-11-26", "--license", "CC0-1.0")
    assert built.exit_code == 0, built.text
    assert (board / "submissions" / "my-model" / "submission.yaml").is_file()
    res = invoke("leaderboard", "build")
    assert res.exit_code == 0, res.text
    assert (board / "leaderboard_site" / "build" / "index.html").is_file()


def test_explicit_project_and_environment_variable(outside: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert invoke("init", "p1").exit_code == 0
    assert find(outside / "p1").root == (outside / "p1").resolve()
    monkeypatch.setenv("REXBENCH_PROJECT", str(outside / "p1"))
    assert find().root == (outside / "p1").resolve()
    res = invoke("leaderboard", "build", "--project", outside / "nowhere")
    assert res.exit_code == 1 and "not a rexbench leaderboard project" in res.stderr
    assert f"rexbench init {outside / 'nowhere'}" in res.stderr
    assert invoke("leaderboard", "build").exit_code == 0
    assert (outside / "p1" / "leaderboard_site" / "build" / "index.html").is_file()


def test_this_checkout_is_a_project() -> None:
    assert find(start=REPO / "rexbench" / "cli").root == REPO
