"""The GitHub workflows: valid against GitHub's workflow schema, and calling exactly the rexbench
commands that tests/test_ci.py runs (WORKFLOW_COMMANDS)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import REPO
from .test_ci import WORKFLOW_COMMANDS

WORKFLOWS = REPO / ".github" / "workflows"
PR, PAGES = WORKFLOWS / "pr.yml", WORKFLOWS / "pages.yml"
# Install steps (not scoring): prepares offline resources, the same as `make setup` does.
INSTALL_COMMANDS = {".venv/bin/rexbench setup"}
_REXBENCH = re.compile(r"^(\S*/)?rexbench(\s|$)")


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in data:          # YAML 1.1 reads the key `on` as a boolean
        data["on"] = data.pop(True)
    return data


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def run_lines(workflow: dict[str, Any]) -> list[str]:
    """Each shell line of every `run:` step, with backslash continuations joined and comments dropped."""
    out = []
    for step in steps(workflow):
        script = step.get("run")
        if not script:
            continue
        for line in script.replace("\\\n", " ").splitlines():
            line = " ".join(line.split())
            if line and not line.startswith("#"):
                out.append(line)
    return out


def rexbench_commands(workflow: dict[str, Any]) -> list[str]:
    return [line for line in run_lines(workflow) if _REXBENCH.match(line)]


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.yml")), ids=lambda p: p.name)
def test_workflow_matches_the_github_schema(path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                           str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_workflows_call_exactly_the_commands_the_tests_run() -> None:
    assert {PR, PAGES} <= set(WORKFLOWS.glob("*.yml"))
    called = [c for path in sorted(WORKFLOWS.glob("*.yml")) for c in rexbench_commands(load(path))]
    scoring = [c for c in called if c not in INSTALL_COMMANDS]
    assert sorted(scoring) == sorted(WORKFLOW_COMMANDS)
    assert set(called) - set(scoring) == INSTALL_COMMANDS


def test_pr_workflow_scores_and_comments() -> None:
    wf = load(PR)
    assert "pull_request" in wf["on"]
    all_steps = steps(wf)
    checkout = next(s for s in all_steps if str(s.get("uses", "")).startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    assert any(str(s.get("uses", "")).startswith("actions/setup-python@") for s in all_steps)
    cached = "\n".join(str(s["with"]["path"]) for s in all_steps if str(s.get("uses", "")).startswith("actions/cache@"))
    assert "~/.cache/pip" in cached and "~/.cache/rexbench" in cached
    assert not any("chromium" in line for line in run_lines(wf))
    assert "rexbench ci --base origin/${{ github.base_ref }} --summary ci-summary.md" in rexbench_commands(wf)
    comment = next(s for s in all_steps if str(s.get("uses", "")).startswith("actions/github-script@"))
    assert "always()" in comment["if"] and "ci-summary.md" in comment["with"]["script"]
    assert "<!-- rexbench-ci-summary -->" in comment["with"]["script"]


def test_pr_workflow_treats_the_pull_request_as_untrusted() -> None:
    """The job that runs the PR's code has no secrets, no write token, no persisted credentials; the job
    with the write token runs none of it (SECURITY.md)."""
    wf = load(PR)
    assert wf["permissions"] == {"contents": "read"}
    score, comment = wf["jobs"]["score"], wf["jobs"]["comment"]
    assert score["permissions"] == {"contents": "read"}
    assert "secrets." not in PR.read_text(encoding="utf-8")     # no secret anywhere in the PR workflow
    checkout = next(s for s in score["steps"] if str(s.get("uses", "")).startswith("actions/checkout@"))
    assert checkout["with"]["persist-credentials"] is False
    assert comment["permissions"] == {"pull-requests": "write"} and comment["needs"] == "score"
    assert not any("run" in s or str(s.get("uses", "")).startswith("actions/checkout@") for s in comment["steps"])
    upload = next(s for s in score["steps"] if s.get("with", {}).get("name") == "ci-summary")
    download = next(s for s in comment["steps"] if str(s.get("uses", "")).startswith("actions/download-artifact@"))
    assert upload["with"]["path"] == "ci-summary.md" and download["with"]["name"] == "ci-summary"


def test_private_references_only_in_the_trusted_job() -> None:
    wf = load(PAGES)
    assert wf["on"] == {"push": {"branches": ["main"]}, "workflow_dispatch": None}
    private = next(s for s in steps(wf) if s.get("name") == "Private references")
    assert "secrets." in private["env"]["REFS_B64"] and "RUNNER_TEMP" in private["run"]
    assert "cat " not in private["run"] and "echo \"$REFS_B64" not in private["run"]


def test_pages_workflow_builds_and_deploys() -> None:
    wf = load(PAGES)
    assert wf["on"]["push"]["branches"] == ["main"]
    assert wf["permissions"]["pages"] == "write" and wf["permissions"]["id-token"] == "write"
    uses = [str(s.get("uses", "")) for s in steps(wf)]
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    assert any(u.startswith("actions/deploy-pages@") for u in uses)
    upload = next(s for s in steps(wf) if str(s.get("uses", "")).startswith("actions/upload-pages-artifact@"))
    build = [c for c in rexbench_commands(wf) if c.startswith("rexbench leaderboard build")]
    assert build == ["rexbench leaderboard build --out _site"] and upload["with"]["path"] == "_site"
    assert wf["jobs"]["deploy"]["needs"] == "build"
    assert wf["jobs"]["deploy"]["environment"]["name"] == "github-pages"
