"""The package's shape: no import cycle between rexbench modules, and the site and ci packages split by job
into modules small enough to read (issue 16: no module over ~400 lines)."""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import REPO

PACKAGE = REPO / "rexbench"
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Every rexbench module `path` imports, at top level or inside functions (type-only imports too)."""
    name = _module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name in modules}
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            subs = {f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in modules}
            out |= subs
            if len(subs) < len(node.names) and target in modules:
                out.add(target)
    return out - {name}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {_module_name(p) for p in paths}
    return {_module_name(p): _imports(p, modules) for p in paths}


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_between_rexbench_modules() -> None:
    graph = _graph()
    assert "rexbench.registry" in graph["rexbench.scoring"]          # the graph sees real imports
    assert "rexbench.parallel" in graph["rexbench.metric"]           # function-local ones too
    assert _cycles(graph) == []


def test_site_and_ci_are_packages_of_small_modules() -> None:
    for package in ("site", "ci"):
        assert not (PACKAGE / f"{package}.py").exists()
        modules = sorted((PACKAGE / package).glob("*.py"))
        assert len(modules) >= 4
        for path in modules:
            lines = len(path.read_text(encoding="utf-8").splitlines())
            assert lines <= MAX_LINES, f"{path.relative_to(REPO)} has {lines} lines (> {MAX_LINES})"
    # the private-references split lives in splits/, so splits never reach into ci
    splits = {m: deps for m, deps in _graph().items() if m.startswith("rexbench.splits")}
    assert "rexbench.splits.private" in splits
    assert not [d for deps in splits.values() for d in deps if d == "rexbench.ci" or d.startswith("rexbench.ci.")]
