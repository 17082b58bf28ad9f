"""Discover metrics under metrics/<name>/<name>.py, load them lazily, hash their code.

A metric spec is `name` or `name:param=value:param=value` (e.g. `rouge_l:rouge_type=rouge1`).
Several specs are joined with commas on the command line.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import __version__
from .errors import UnknownMetric
from .metric import Metric, set_spec_loader
from .paths import metrics_dir

# Friendly names for common variants; each expands to a full spec.
ALIASES: dict[str, str] = {
    "rouge1": "rouge_l:rouge_type=rouge1",
    "rouge2": "rouge_l:rouge_type=rouge2",
    "rougeL": "rouge_l",
}


@dataclass(frozen=True)
class MetricInfo:
    name: str
    folder: Path

    @property
    def module_path(self) -> Path:
        return self.folder / f"{self.name}.py"

    @property
    def card_path(self) -> Path:
        return self.folder / "README.md"

    @property
    def cases_path(self) -> Path:
        return self.folder / "cases.json"


def available() -> dict[str, MetricInfo]:
    """All metric folders (name -> info), sorted by name. Cheap: imports nothing."""
    root = metrics_dir()
    found = {}
    if root.is_dir():
        for folder in sorted(root.iterdir()):
            if (folder / f"{folder.name}.py").is_file():
                found[folder.name] = MetricInfo(folder.name, folder)
    return found


def info(name: str) -> MetricInfo:
    metrics = available()
    if name not in metrics:
        near = suggestions(name, list(metrics))
        hint = f"; did you mean {' or '.join(near)}?" if near else ""
        known = ", ".join(metrics) or "none"
        raise UnknownMetric(f"unknown metric {name!r}{hint} (available: {known})")
    return metrics[name]


def suggestions(name: str, names: list[str]) -> list[str]:
    """Metric names close to `name`: equal ignoring case, containing it, or similarly spelled."""
    import difflib

    low = name.lower().replace("-", "_")
    found = [n for n in names if n.lower() == low]
    found += [n for n in names if low and low in n.lower() and n not in found]
    found += [n for n in difflib.get_close_matches(low, names, n=3, cutoff=0.6) if n not in found]
    return found[:4]


@lru_cache(maxsize=None)
def metric_class(name: str) -> type[Metric]:
    meta = info(name)
    module_name = f"rexbench_metrics.{name}"
    spec = importlib.util.spec_from_file_location(module_name, meta.module_path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    classes = [obj for obj in vars(module).values()
               if isinstance(obj, type) and issubclass(obj, Metric) and getattr(obj, "name", None) == name]
    if len(classes) != 1:
        raise UnknownMetric(f"{meta.module_path}: expected one Metric subclass named {name!r}, found {len(classes)}")
    return classes[0]


def parse_spec(spec: str) -> tuple[str, dict[str, str]]:
    spec = ALIASES.get(spec.strip(), spec.strip())
    name, *parts = spec.split(":")
    params: dict[str, str] = {}
    for part in parts:
        key, sep, value = part.partition("=")
        if not sep or not key:
            raise UnknownMetric(f"bad metric spec {spec!r}: expected name:param=value")
        params[key.strip()] = value.strip()
    return name.strip(), params


def load(spec: str) -> Metric:
    """Instantiate a metric from its spec string."""
    name, params = parse_spec(spec)
    return metric_class(name)(**params)


set_spec_loader(load)   # derived metrics load their inputs through the registry


# Named sets of metrics; each expands to its specs in a metric list (`--metrics rexrank,rouge_l`).
PRESETS: dict[str, tuple[str, ...]] = {
    # ReXrank's leaderboard columns, in its order (RadCliQ-v1's inputs are computed once and shared).
    "rexrank": ("radcliq_v1", "bleu2_rexrank", "bertscore", "semb_score", "radgraph_combined", "ratescore", "green"),
}


def parse_list(specs: str | list[str]) -> list[str]:
    items = specs.split(",") if isinstance(specs, str) else list(specs)
    items = [p for s in items for p in PRESETS.get(s.strip(), (s,))]
    out = [s.strip() for s in items if s.strip()]
    if not out:
        raise UnknownMetric("no metric given")
    return out


def code_hash(name: str) -> str:
    """sha256 over the metric folder's Python files and rexbench's own code: a score-cache key part.

    Metrics call into the package (engines, labelers, tokenisers), so any change there invalidates too.
    """
    h = hashlib.sha256(_package_hash().encode())
    for path in sorted(info(name).folder.glob("*.py")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


@lru_cache(maxsize=1)
def _package_hash() -> str:
    root = Path(__file__).resolve().parent
    h = hashlib.sha256(__version__.encode())
    for path in sorted(root.rglob("*.py")):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()
