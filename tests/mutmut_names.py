"""pytest plugin for `make mutation` only (loaded by [tool.mutmut] pytest_add_cli_args: -p tests.mutmut_names).

mutmut activates a mutant only in a module named like the mutated file's path (metrics/bleu/bleu.py:
metrics.bleu.bleu), while rexbench's registry loads a metric file as rexbench_metrics.<name>. Under this
plugin a metric file gets its path's name instead, so the metrics' own functions (aggregate, ...) can be
mutated; nothing else changes. Never loaded by `make test`.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_spec_from_file_location = importlib.util.spec_from_file_location


class _Registering:
    """A loader that also puts the module in sys.modules under its own name (dataclasses look it up there)."""

    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        sys.modules[module.__name__] = module
        self.loader.exec_module(module)


def _named_by_path(name, location=None, *args, **kwargs):
    if name.startswith("rexbench_metrics.") and location is not None:
        path = Path(location)
        if path.parent.parent.name == "metrics":
            spec = _spec_from_file_location(f"metrics.{path.parent.name}.{path.stem}", location, *args, **kwargs)
            if spec is not None:
                spec.loader = _Registering(spec.loader)
            return spec
    return _spec_from_file_location(name, location, *args, **kwargs)


importlib.util.spec_from_file_location = _named_by_path
