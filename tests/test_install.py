"""The installed package is whole: a built wheel works from any folder, with no source checkout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from .conftest import REPO, invoke

# What a wheel is built from: the package and the resources setup.py bundles into it.
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "rexbench", "metrics",
           "leaderboard_site/leaderboard.yaml", ".github/workflows/pr.yml", ".github/workflows/pages.yml")
METRICS = "bleu2_rexrank,rouge_l,chexpert_f1,bertscore_minilm"
PREDICTIONS = REPO / "submissions" / "nearest-indication" / "predictions.jsonl"


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: int = 600) -> subprocess.CompletedProcess:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(map(str, args))} -> {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if "__pycache__" not in p.parts}


@pytest.mark.slow
def test_built_wheel_works_from_any_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Proves: `pip wheel` of the checkout gives a wheel that carries the metric folders, the display schema
    and the workflows; installed alone into a new venv (third-party deps reused from this venv by a .pth
    line, the editable checkout NOT visible) and run from an empty temporary folder, `rexbench` lists
    every metric, scores the demo split with the same numbers as this checkout, labels reports, scaffolds
    a leaderboard project with `init` and builds its site from a subfolder (project found by walking up),
    refuses leaderboard commands outside a project with one line, and never writes into site-packages.
    """
    src = tmp_path / "src"
    for rel in SOURCES:
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        if (REPO / rel).is_dir():
            shutil.copytree(REPO / rel, src / rel, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copyfile(REPO / rel, src / rel)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REXBENCH_", "VIRTUAL_ENV", "PYTHON"))}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INDEX="1", REXBENCH_CACHE_DIR=str(tmp_path / "cache"),
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels),
          str(src)], tmp_path, env)
    (wheel,) = wheels.glob("rexbench-*.whl")

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp_path, env)
    py = venv / "bin" / "python"
    site = Path(_run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     tmp_path, env).stdout.strip())
    # third-party dependencies from this venv; its .pth files (the editable rexbench) are not processed
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    _run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "-q", str(wheel)], tmp_path, env)
    installed = _files(site)
    rexbench = venv / "bin" / "rexbench"

    work = tmp_path / "elsewhere"
    work.mkdir()
    where = _run([str(py), "-c", "import rexbench; print(rexbench.__file__)"], work, env).stdout.strip()
    assert Path(where).is_relative_to(site), where          # the wheel's rexbench, not the checkout

    listed = json.loads(_run([str(rexbench), "metrics", "list", "--json"], work, env).stdout)
    assert {m["name"] for m in listed} == {p.parent.name for p in (REPO / "metrics").glob("*/*.py")
                                           if p.stem == p.parent.name}
    assert all(Path(m["folder"]).is_relative_to(site) for m in listed)

    args = ["score", "--split", "demo:test", "-p", str(PREDICTIONS), "--metrics", METRICS, "--tracks", "impression",
            "--bootstrap", "200", "--json"]
    theirs = json.loads(_run([str(rexbench), *args], work, env).stdout)
    monkeypatch.setenv("REXBENCH_CACHE_DIR", str(tmp_path / "checkout-cache"))
    mine = invoke(*args)
    assert mine.exit_code == 0, mine.text
    ours = json.loads(mine.stdout)
    assert theirs["tracks"] == ours["tracks"]                # every score, CI, signature: the same

    reports = work / "reports.txt"
    reports.write_text("Small left pleural effusion.\nNo acute cardiopulmonary process.\n", encoding="utf-8")
    labels = json.loads(_run([str(rexbench), "label", str(reports), "--json", "-p", "1"], work, env).stdout)
    assert [r["labels"]["Pleural Effusion"] for r in labels] == ["positive", "blank"]
    assert labels[1]["labels"]["No Finding"] == "positive"

    outside = subprocess.run([str(rexbench), "leaderboard", "build"], cwd=work, env=env, capture_output=True, text=True)
    assert outside.returncode == 1 and outside.stderr.count("\n") == 1, outside.stderr
    assert "rexbench init DIR" in outside.stderr and "leaderboard_site/leaderboard.yaml" in outside.stderr

    _run([str(rexbench), "init", "board"], work, env)
    assert (work / "board" / ".github" / "workflows" / "pr.yml").is_file()
    (work / "board" / "submissions" / "deep").mkdir()
    built = _run([str(rexbench), "leaderboard", "build"], work / "board" / "submissions" / "deep", env)
    assert (work / "board" / "leaderboard_site" / "build" / "index.html").is_file(), built.stdout
    assert _files(site) == installed                          # nothing written into site-packages
