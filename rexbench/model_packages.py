"""Shared plumbing for metrics that wrap an upstream scoring package (RaTEScore, GREEN): is the package
importable, are the local model folders there, which versions and weights go into the signature."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from . import models
from .errors import MetricNotReady
from .signature import installed_version


def missing_modules(modules: tuple[str, ...]) -> list[str]:
    missing = []
    for module in modules:
        try:
            if importlib.util.find_spec(module) is None:
                missing.append(module)
        except (ImportError, ValueError):
            missing.append(module)
    return missing


def readiness(metric: str, extra: str, modules: tuple[str, ...], folders: dict[str, str],
              note: str = "") -> str | None:
    """None when `modules` import and every {registered model name: param value} folder is found."""
    missing = missing_modules(modules)
    if missing:
        return (f"{metric} needs the {extra} extra ({', '.join(missing)} missing): "
                f"pip install 'rexbench[{extra}]'{note}")
    for model, value in folders.items():
        if models.locate(value, model) is None:
            return models.missing_message(value, metric, model)
    return None


def locate_all(metric: str, extra: str, modules: tuple[str, ...], folders: dict[str, str]) -> dict[str, Path]:
    problem = readiness(metric, extra, modules, folders)
    if problem:
        raise MetricNotReady(problem)
    return {model: models.locate(value, model) for model, value in folders.items()}   # type: ignore[misc]


def environment(packages: tuple[str, ...], folders: dict[str, str]) -> dict[str, str]:
    """Package versions, the sha256 (16 hex) of each model folder's weights (w.<model>) and, for a
    transformers folder, of its config and tokenizer files (c.<model>)."""
    env: dict[str, str] = {}
    for model, value in folders.items():
        folder = models.locate(value, model)
        spec = models.MODELS.get(model)
        env[f"w.{model}"] = models.model_sha256(folder, spec)[:16] if folder else "absent"
        if spec is not None and not (spec.required or spec.weightless):   # a transformers folder: its config
            env[f"c.{model}"] = models.tokenizer_sha256(folder)[:16] if folder else "absent"   # and tokenizer
    for pkg in packages:
        env[pkg] = installed_version(pkg) or "absent"
    return env
