"""The package's modules import each other without a cycle, and import inside a function only
where that keeps a command fast (never to dodge a cycle).

Every import is read from the source with ``ast``: at the top of a module, inside a function
and under ``if TYPE_CHECKING``, so that a cycle cannot hide in an import made late.
"""

from __future__ import annotations

import ast
from pathlib import Path

import trialfinder

PACKAGE = Path(trialfinder.__file__).resolve().parent

# (module, module it imports inside a function): each import made late on purpose, and why.
LATE_IMPORTS = {
    ("trialfinder.sources", "trialfinder.sources.ctgov"): "requests and tenacity, for a search",
    ("trialfinder.sources.ctgov", "trialfinder.httpcache"): "requests-cache, with the cache on",
    ("trialfinder.resultstore", "trialfinder.httpcache"): "the cache's folder, with the cache on",
}
# The command line imports what each command needs inside it, so that `--help` starts fast
# (tests/test_startup.py); any of its imports may be late.
LATE_ANYWHERE = {"trialfinder.cli"}


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, name: str, known: set[str]) -> list[tuple[str, bool]]:
    """(module imported, whether inside a function) for each import of a module in ``known``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    late_nodes = {
        id(node)
        for function in ast.walk(tree)
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
        for node in ast.walk(function)
    }
    found = []
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            # `from trialfinder import sources` imports the module trialfinder.sources.
            targets = [
                f"{module}.{alias.name}" if f"{module}.{alias.name}" in known else module
                for alias in node.names
            ]
        for target in targets:
            if target in known and target != name:
                found.append((target, id(node) in late_nodes))
    return found


def package_imports(root: Path) -> dict[str, list[tuple[str, bool]]]:
    paths = {module_name(path, root): path for path in sorted(root.rglob("*.py"))}
    known = set(paths)
    return {name: imports_of(path, name, known) for name, path in paths.items()}


def find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """One cycle of ``graph`` as the modules along it (the first again at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in graph.get(node, ()):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_package_has_no_import_cycle():
    graph = {name: [t for t, _ in found] for name, found in package_imports(PACKAGE).items()}
    assert len(graph) > 40  # every module was read
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or ())


def test_imports_inside_functions_are_only_those_that_keep_commands_fast():
    late = {
        (name, target)
        for name, found in package_imports(PACKAGE).items()
        for target, inside in found
        if inside and name not in LATE_ANYWHERE
    }
    assert late == set(LATE_IMPORTS)


def test_a_cycle_through_an_import_inside_a_function_is_found(tmp_path):
    root = tmp_path / "pkg"
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "a.py").write_text("from pkg.b import x\n")
    (root / "b.py").write_text("x = 1\n\ndef f():\n    from pkg import c\n")
    (root / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.a\n"
    )
    found = package_imports(root)
    assert found["pkg.b"] == [("pkg.c", True)]
    assert found["pkg.c"] == [("pkg.a", False)]
    graph = {name: [t for t, _ in targets] for name, targets in found.items()}
    assert find_cycle(graph) == ["pkg.a", "pkg.b", "pkg.c", "pkg.a"]


def test_relative_imports_and_imported_submodules_count(tmp_path):
    root = tmp_path / "pkg"
    (root / "sub").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "sub" / "__init__.py").write_text("from . import leaf\n")
    (root / "sub" / "leaf.py").write_text("from ..top import y\n")
    (root / "top.py").write_text("from pkg import sub\n")
    found = package_imports(root)
    assert found["pkg.sub"] == [("pkg.sub.leaf", False)]
    assert found["pkg.sub.leaf"] == [("pkg.top", False)]
    assert found["pkg.top"] == [("pkg.sub", False)]
    graph = {name: [t for t, _ in targets] for name, targets in found.items()}
    assert find_cycle(graph) == ["pkg.sub", "pkg.sub.leaf", "pkg.top", "pkg.sub"]
