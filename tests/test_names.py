"""Each module of the package binds each of its top-level names once.

A second pattern given the name of the first, further down a module, silently replaced it for
every function that used the first (``_OR`` in tagging/biomarkers.py: the "or" that leaves
"and/or" alone became one that does not). Ruff reports a function or import defined twice, not
a variable.
"""

from __future__ import annotations

import ast
from pathlib import Path

import trialfinder

PACKAGE = Path(trialfinder.__file__).resolve().parent


def names_bound_twice(source: str) -> dict[str, list[int]]:
    """Top-level name -> the lines that bind it, for each name bound more than once."""
    lines: dict[str, list[int]] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign):
            targets = [t for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            targets = [node.target]
        else:
            targets = []
        names = [t.id for t in targets]
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.append(node.name)
        for name in names:
            lines.setdefault(name, []).append(node.lineno)
    return {name: found for name, found in lines.items() if len(found) > 1}


def test_no_module_binds_a_top_level_name_twice():
    twice = {
        str(path.relative_to(PACKAGE)): found
        for path in sorted(PACKAGE.rglob("*.py"))
        if (found := names_bound_twice(path.read_text(encoding="utf-8")))
    }
    assert twice == {}


def test_a_name_bound_twice_is_found():
    source = 'import re\n_OR = re.compile("a")\n\n\ndef f():\n    pass\n\n\n_OR = re.compile("b")\n'
    assert names_bound_twice(source) == {"_OR": [2, 9]}
