"""Bundle the resources that live outside the package into the wheel (metadata is in pyproject.toml).

metrics/, the default display schema and the two GitHub workflows stay at the top of the repository
(their source of truth); a wheel carries copies under rexbench/_bundled/ so that an installed rexbench
finds them (rexbench.paths.resource). Editable installs read them in place and need no copy.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BUNDLED = ("metrics", "leaderboard_site/leaderboard.yaml", ".github/workflows/pr.yml", ".github/workflows/pages.yml")


class BuildPyWithResources(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "rexbench" / "_bundled"
        for rel in BUNDLED:
            src, dst = ROOT / rel, target / rel
            if src.is_dir():
                shutil.copytree(src, dst, dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dst)


setup(cmdclass={"build_py": BuildPyWithResources})
