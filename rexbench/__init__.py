"""rexbench: strict, reproducible evaluation of chest X-ray report generation.

Importing this package is cheap and has no side effects: heavy libraries (torch, transformers,
evaluate) are imported lazily by the metrics that need them.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
