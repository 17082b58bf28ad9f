"""The leaderboard project a command works on, found as git finds its repository.

A project is a folder holding `leaderboard_site/leaderboard.yaml` (the display schema), with the
submissions under `submissions/` and the built site under `leaderboard_site/build/`. It is `--project
DIR`, else $REXBENCH_PROJECT, else the first folder holding the display schema from the working
directory upwards. Never the folder rexbench is installed in: no command writes into site-packages.
`rexbench init DIR` scaffolds a new one (scaffold()).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .errors import RexbenchError
from .paths import resource

PROJECT_ENV = "REXBENCH_PROJECT"
DISPLAY = Path("leaderboard_site") / "leaderboard.yaml"
WORKFLOWS = (".github/workflows/pr.yml", ".github/workflows/pages.yml")
GITIGNORE = "leaderboard_site/build/\nci-summary.md\npages-summary.md\n_site/\n.venv/\n"


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def display(self) -> Path:
        return self.root / DISPLAY

    @property
    def submissions(self) -> Path:
        return self.root / "submissions"

    @property
    def site_out(self) -> Path:
        return self.root / "leaderboard_site" / "build"

    @property
    def reported(self) -> Path:
        return self.root / "leaderboard_site" / "reported"


def is_project(folder: Path) -> bool:
    return (folder / DISPLAY).is_file()


def find(explicit: Path | None = None, start: Path | None = None) -> Project:
    """The project: `explicit`, else $REXBENCH_PROJECT, else the nearest folder above `start` (cwd)."""
    given = explicit if explicit is not None else (Path(os.environ[PROJECT_ENV]) if os.environ.get(PROJECT_ENV) else None)
    if given is not None:
        root = Path(given).expanduser().resolve()
        if not is_project(root):
            raise RexbenchError(f"{given}: not a rexbench leaderboard project (no {DISPLAY.as_posix()}); "
                                f"start one with `rexbench init {given}`")
        return Project(root)
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if is_project(folder):
            return Project(folder)
    raise RexbenchError(f"no rexbench leaderboard project here: looked for {DISPLAY.as_posix()} in {here} and "
                        f"every folder above it; start one with `rexbench init DIR` (or pass --project DIR "
                        f"or set ${PROJECT_ENV})")


def scaffold(root: Path) -> list[Path]:
    """Create a project in `root`: display schema, submissions/, the two GitHub workflows, .gitignore.

    Refuses to overwrite anything; returns the files written.
    """
    root = Path(root)
    files = {DISPLAY.as_posix(): resource(DISPLAY.as_posix()).read_text(encoding="utf-8"),
             "submissions/README.md": SUBMISSIONS_README}
    for rel in WORKFLOWS:
        files[rel] = installed_workflow(resource(rel).read_text(encoding="utf-8"), rel)
    existing = [rel for rel in [*files, ".gitignore"] if (root / rel).exists()]
    if is_project(root) or [rel for rel in existing if rel != ".gitignore"]:
        raise RexbenchError(f"{root}: already holds {(existing or [DISPLAY.as_posix()])[0]}; "
                            f"init never overwrites a project")
    written = []
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    if ".gitignore" not in existing:
        (root / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
        written.append(root / ".gitignore")
    return written


def installed_workflow(text: str, name: str) -> str:
    """rexbench's own workflow, made to install the released rexbench instead of the checkout it runs in."""
    from importlib.metadata import version

    torch_version = version("torch").split("+")[0]   # the torch this rexbench runs with here
    replacements = {
        'TORCH_VERSION="$(sed -n \'s/^TORCH_VERSION ?= *//p\' Makefile)"': f'TORCH_VERSION="{torch_version}"',
        ".venv/bin/pip install -q -e .": f'.venv/bin/pip install -q "rexbench=={__version__}"',
        "hashFiles('pyproject.toml', 'Makefile')": "hashFiles('.github/workflows/*.yml')",
    }
    for old, new in replacements.items():
        if old not in text:
            raise RexbenchError(f"{name}: the bundled workflow no longer has {old!r}; update rexbench.project")
        text = text.replace(old, new)
    return text


SUBMISSIONS_README = """\
# Submissions

One folder per submission: `submission.yaml` and the predictions file. Scaffold one with
`rexbench new-submission ID --model-name ... --institution ... --split demo:test --predictions preds.jsonl`,
then open a pull request: the `Score submissions` workflow (`rexbench ci`) validates and scores it.
Results (results.json, per_study.jsonl) are generated by `rexbench ci`; the contributor commits them.
"""
