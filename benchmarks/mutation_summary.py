"""Summarise a finished `mutmut run` (mutmut 3.x, results in mutants/**/*.meta): mutation score per module
and per function, and the surviving mutants by name (`mutmut show NAME` prints a diff).

Usage: python benchmarks/mutation_summary.py [PATTERN ...]   (after `make mutation`; prints Markdown)
PATTERNs (fnmatch, as for `mutmut run`) restrict the summary to those mutants.
Killed: a test failed (exit 1) or timed out (a mutant that hangs is caught). Survived: exit 0. Mutants
with no covering test (33) count as survivors. Mutants never run are left out; skipped/suspicious ones
are listed apart.
"""

from __future__ import annotations

import fnmatch
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "mutants"
KILLED = {1, 3, 36, -24, 24, 152, -9}        # test failure, error, timeout, killed by signal
SURVIVED = {0, 5, 33}                        # tests passed, no tests ran, no covering test


def main() -> None:
    per_module: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    per_function: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    survivors, other = [], []
    for meta in sorted(ROOT.rglob("*.meta")):
        module = str(meta.relative_to(ROOT)).removesuffix(".meta")
        data = json.loads(meta.read_text())
        for name, code in sorted(data.get("exit_code_by_key", {}).items()):
            if code is None:              # not run (outside the mutant names given to `mutmut run`)
                continue
            if sys.argv[1:] and not any(fnmatch.fnmatch(name, pat) for pat in sys.argv[1:]):
                continue
            function = re.sub(r"__mutmut_\d+$", "", name)
            if code in KILLED:
                per_module[module][0] += 1
                per_function[function][0] += 1
            elif code in SURVIVED:
                survivors.append((name, code))
            else:
                other.append((name, code))
                continue
            per_module[module][1] += 1
            per_function[function][1] += 1
    total_k = sum(k for k, _ in per_module.values())
    total_n = sum(n for _, n in per_module.values())
    print("| module | killed | mutants | score |\n|---|---|---|---|")
    for module, (k, n) in sorted(per_module.items()):
        print(f"| {module} | {k} | {n} | {k / n:.1%} |")
    if total_n:
        print(f"| **all** | {total_k} | {total_n} | **{total_k / total_n:.1%}** |")
    print("\n| function | killed | mutants | score |\n|---|---|---|---|")
    for function, (k, n) in sorted(per_function.items()):
        print(f"| {function} | {k} | {n} | {k / n:.0%} |")
    print(f"\nSurvivors ({len(survivors)}):")
    for name, code in survivors:
        print(f"- `{name}`" + (" (no covering test)" if code == 33 else ""))
    if other:
        print(f"\nNot checked ({len(other)}): " + ", ".join(f"`{n}` ({c})" for n, c in other))


if __name__ == "__main__":
    main()
