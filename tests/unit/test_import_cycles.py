"""No two modules of the library import each other, directly or through others. Imports inside functions and under
`TYPE_CHECKING` count: they tie the design as much as the ones at the top. The graph is read from the source files
with `ast`, so nothing is imported to check it."""

from __future__ import annotations

import ast
from pathlib import Path

import langgraph_infra

PACKAGE = Path(langgraph_infra.__file__).parent


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path) -> dict[str, set[str]]:
    """Each module of the package under `root` -> the modules of that package it names in any import statement."""
    files = {module_name(p, root): p for p in sorted(root.rglob("*.py"))}
    graph: dict[str, set[str]] = {name: set() for name in files}

    def resolve(name: str) -> str | None:
        """The module `name` is, or the package it is an attribute of."""
        while name and name not in files:
            name = name.rpartition(".")[0]
        return name or None

    for module, path in files.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                named = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                # `from . import x` names the submodule x when there is one, else an attribute of the package.
                named = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in files else base for alias in node.names]
            else:
                continue
            for name in named:
                target = resolve(name) if name.startswith(root.name) else None
                if target is not None and target != module:
                    graph[module].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), each as one closed path through it."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(path_through(graph, set(group)))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def path_through(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """A closed path from the group's first module back to itself, inside the group (breadth first: the shortest)."""
    start = min(group)
    paths = [[start]]
    seen = {start}
    while paths:
        path = paths.pop(0)
        for nxt in sorted(graph[path[-1]] & group):
            if nxt == start:
                return [*path, start]
            if nxt not in seen:
                seen.add(nxt)
                paths.append([*path, nxt])
    return sorted(group)


def test_no_two_library_modules_import_each_other():
    found = cycles(import_graph(PACKAGE))
    assert not found, "import cycles:\n" + "\n".join(" -> ".join(c) for c in found)


def test_a_cycle_through_a_function_level_import_is_named(tmp_path):
    """Given two modules where one imports the other at the top and the other imports it back inside a function,
    the check names the cycle."""
    root = tmp_path / "pkg"
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "a.py").write_text("from . import b\n")
    (root / "b.py").write_text("from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from .c import C\n\n\n"
                               "def f():\n    from .a import x\n    return x\n")
    (root / "c.py").write_text("class C: ...\n")
    assert cycles(import_graph(root)) == [["pkg.a", "pkg.b", "pkg.a"]]
