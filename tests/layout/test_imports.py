"""The layout's promises: imports only point down, no cycles, the CLI is imported by nobody, parsers stay light."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import contextfeed

PACKAGE = Path(contextfeed.__file__).resolve().parent
# Layers, top first: a module may import its own layer or any layer below, never one above.
LAYERS = [
    {"__main__", "cli"},
    {"api", "web"},
    {"training", "jobs"},
    {"services", "dialer"},
    {"bootstrap"},
    {"flags", "events", "accounts"},
    {"geo", "sources", "db"},
    {"config", "clock", "domain", ""},
]


def module_name(path: Path) -> str:
    """contextfeed.x.y for contextfeed/x/y.py (and contextfeed.x for contextfeed/x/__init__.py)."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def runtime_imports(path: Path) -> Iterator[str]:
    """The contextfeed modules a file imports when it runs (at the top or inside functions), not for type checking."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and ast.unparse(block.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
        for child in block.body
        for node in ast.walk(child)
    }
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name.startswith("contextfeed"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("contextfeed"):
            yield node.module


def graph() -> dict[str, set[str]]:
    """Module -> the modules it imports, over the whole package."""
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py") if "migrations" not in path.parts}
    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for target in runtime_imports(path):
            # `from contextfeed.cli import data` names a module; `from contextfeed.x import y` may name a function.
            while target not in modules and "." in target:
                target = target.rsplit(".", 1)[0]
            if target != name and target in modules:
                targets.add(target)
        edges[name] = targets
    return edges


def layer(module: str) -> int:
    """The index in LAYERS of the top-level part a module belongs to."""
    top = module.split(".")[1] if "." in module else ""
    return next(index for index, names in enumerate(LAYERS) if top in names)


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in edges[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while (member := stack.pop()) != node:
                component.append(member)
            component.append(node)
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in edges:
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_another_that_imports_it_back():
    assert cycles(graph()) == []


def test_every_module_belongs_to_a_layer_and_imports_only_its_own_or_lower_layers():
    upward = [
        f"{module} -> {target}"
        for module, targets in graph().items()
        for target in targets
        if layer(target) < layer(module)
    ]
    assert upward == []


def test_only_the_console_script_imports_the_cli():
    importers = [
        module
        for module, targets in graph().items()
        if not module.startswith("contextfeed.cli") and any(t.startswith("contextfeed.cli") for t in targets)
    ]
    assert importers in ([], ["contextfeed.__main__"])


def test_reading_a_cap_alert_loads_neither_sqlalchemy_nor_httpx():
    probe = (
        "import sys, contextfeed.sources.cap as cap; "
        "print(sorted(m for m in ('sqlalchemy', 'httpx', 'fastapi') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
