"""Where rexbench keeps things on disk. All overridable by environment variables."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent


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
    return Path(env).expanduser() if env else REPO_DIR / "metrics"


def demo_split_dir() -> Path:
    return PACKAGE_DIR / "data" / "demo"


def models_dir() -> Path:
    """Local model weights fetched by `rexbench models fetch` (REXBENCH_MODELS_DIR overrides)."""
    env = os.environ.get("REXBENCH_MODELS_DIR")
    return Path(env).expanduser() if env else cache_dir() / "models"
