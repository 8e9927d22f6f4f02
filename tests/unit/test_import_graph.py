"""The import graph between the layers: no cycle, the core imports no adapter, workers no CLI.

Read from the source (ast), so a function-local import counts as much as one at the top.
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("pipeline", "workers", "intake", "reports", "console", "zhicheng")
ADAPTERS = ("workers", "intake", "reports", "console", "zhicheng")


def _modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules `name` imports (`from a import b` names a.b when b is a module)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return {m for m in found if m in modules and m != name}


def _layer(module: str) -> str:
    """pipeline's sub-packages are layers of their own; every other package is one."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "pipeline" and len(parts) > 1 else parts[0]


def _layer_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        for target in _imports(name, path, modules):
            if _layer(target) != _layer(name):
                graph.setdefault(_layer(name), set()).add(_layer(target))
    return graph


def test_the_layers_import_each_other_without_a_cycle() -> None:
    graph = _layer_graph()
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        raise AssertionError(f"an import cycle between layers: {exc.args[1]}") from exc
    assert order.index("pipeline.domain") < order.index("pipeline.services") < order.index("zhicheng")


def test_the_core_imports_no_adapter_and_workers_not_the_cli() -> None:
    graph = _layer_graph()
    core = {layer: targets for layer, targets in graph.items() if layer.startswith("pipeline")}
    assert {(a, b) for a, targets in core.items() for b in targets if b in ADAPTERS} == set()
    assert "zhicheng" not in graph.get("workers", set())
