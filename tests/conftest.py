"""Shared fixtures and helpers for the rexbench tests.

* Every test runs offline (HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE set) and, through `tmp_cache`, can keep
  the score cache in its own temporary folder.
* `SHARED` is the project's shared folder (real public reports); tests that read it carry
  `@needs_shared` (skipped where it is absent) and `@pytest.mark.shared`.
* `invoke(...)` runs the `rexbench` CLI in-process and returns exit code, stdout and stderr separately,
  whichever click version is installed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
import os
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
# The shared folder next to the checkout; $REXBENCH_SHARED_DIR points elsewhere (e.g. from a worktree).
SHARED = Path(os.environ.get("REXBENCH_SHARED_DIR") or Path(__file__).resolve().parents[2] / "shared")
IU_XRAY = SHARED / "data" / "public_reports" / "rexrank_iu_xray" / "ReXRank_IUXray_test.json"

needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"shared data folder {SHARED} is absent")

# Cheap metrics for scoring runs in tests (the model-based ones are tested on their own).
CHEAP_METRICS = "bleu2_rexrank,rouge_l"


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may reach the network (rule 3: no network at score time)."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture
def tmp_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private, empty rexbench cache folder (REXBENCH_CACHE_DIR) for this test."""
    cache = tmp_path / "rexbench-cache"
    cache.mkdir()
    monkeypatch.setenv("REXBENCH_CACHE_DIR", str(cache))
    return cache


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None

    @property
    def text(self) -> str:
        """stdout and stderr together, for `in` checks."""
        return self.stdout + self.stderr

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("error: ")]


def invoke(*args: Any, env: dict[str, str] | None = None) -> CliResult:
    """Run `rexbench ARGS` in-process. An unexpected exception (a traceback) fails the calling test."""
    from typer.testing import CliRunner

    from rexbench.cli import app

    try:
        runner = CliRunner(mix_stderr=False)   # click < 8.2: streams are mixed unless asked otherwise
    except TypeError:
        runner = CliRunner()                   # click >= 8.2: always separate
    result = runner.invoke(app, [str(a) for a in args], env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"rexbench {' '.join(map(str, args))} raised instead of reporting an error") \
            from result.exception
    try:
        stdout, stderr = result.stdout, result.stderr
    except ValueError:  # an older click that mixed the streams after all
        stdout, stderr = result.output, result.output
    return CliResult(result.exit_code, stdout, stderr, result.exception)


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    """One JSON value per line (rows that are already strings are written as given)."""
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


def score_demo_copies(root: Path, cache: Path, systems: tuple[str, ...], metrics: str, bootstrap: int) -> Path:
    """Copy demo submissions (without their results) into root and score them there with `metrics`."""
    import shutil

    for name in systems:
        shutil.copytree(REPO / "submissions" / name, root / name,
                        ignore=shutil.ignore_patterns("results.json", "per_study.jsonl"))
        res = invoke("score", "--split", "demo:test", "--predictions", root / name / "predictions.jsonl",
                     "--metrics", metrics, "--bootstrap", str(bootstrap), "--out", root / name, "--id", name,
                     env={"REXBENCH_CACHE_DIR": str(cache)})
        assert res.exit_code == 0, res.text
    return root
