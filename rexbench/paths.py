"""Where rexbench keeps things on disk. All overridable by environment variables.

Two kinds of places:
  * resources that ship with rexbench (metric folders, the default display schema, the two GitHub
    workflows): in a source checkout they are read where they live (metrics/, leaderboard_site/,
    .github/workflows/); a built wheel carries copies under rexbench/_bundled/ (setup.py's build_py).
  * the leaderboard project a user works in (submissions/, leaderboard_site/): found from the working
    directory, never from where the package is installed (see rexbench.project).
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
BUNDLED_DIR = PACKAGE_DIR / "_bundled"


def resource(relative: str) -> Path:
    """A file or folder shipped with rexbench, by its path in the source repository (e.g. `metrics`)."""
    bundled = BUNDLED_DIR / relative
    return bundled if BUNDLED_DIR.is_dir() else REPO_DIR / relative


def cache_dir() -> Path:
    """Score cache, embedding cache, NLTK data. REXBENCH_CACHE_DIR, else XDG cache, else ~/.cache."""
    env = os.environ.get("REXBENCH_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rexbench"


def metrics_dir() -> Path:
    """The folder holding one sub-folder per metric (REXBENCH_METRICS_DIR overrides)."""
    env = os.environ.get("REXBENCH_METRICS_DIR")
    return Path(env).expanduser() if env else resource("metrics")


def demo_split_dir() -> Path:
    return PACKAGE_DIR / "data" / "demo"


def models_dir() -> Path:
    """Local model weights fetched by `rexbench models fetch` (REXBENCH_MODELS_DIR overrides)."""
    env = os.environ.get("REXBENCH_MODELS_DIR")
    return Path(env).expanduser() if env else cache_dir() / "models"
