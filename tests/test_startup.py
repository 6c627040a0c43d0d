"""`trialfinder --help` stays fast: the CLI module imports no heavy library.

The start-up time itself is measured by benchmarks/startup.py; this guards its cause.
"""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("requests", "jinja2", "rich", "tenacity", "requests_cache", "urllib3", "openapi_core")

PROBE = """
import sys
{setup}
heavy = {heavy!r}
print(" ".join(sorted(m for m in heavy if m in sys.modules)))
"""


def heavy_modules_after(setup: str) -> list[str]:
    code = PROBE.format(setup=setup, heavy=HEAVY)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.split()


def test_importing_the_cli_imports_no_heavy_module():
    assert heavy_modules_after("import trialfinder.cli") == []


def test_help_imports_no_heavy_module():
    setup = """
import contextlib, io
from trialfinder.cli import cli
with contextlib.redirect_stdout(io.StringIO()) as shown:
    try:
        cli.main(["--help"], prog_name="trialfinder")
    except SystemExit:
        pass
assert "Usage: trialfinder" in shown.getvalue()
"""
    assert heavy_modules_after(setup) == []


def test_the_probe_does_see_a_heavy_module():
    assert heavy_modules_after("import trialfinder.sources.ctgov") == [
        "requests",
        "tenacity",
        "urllib3",
    ]


def test_the_cli_module_adds_few_modules_to_those_of_click():
    """pathlib (with urllib.parse) and signal cost `--help` about a tenth of click's own start:
    the commands that need them import them. (Under an editable install pathlib is already
    loaded by the import hook before click, and cannot be seen to be added.)"""
    code = """
import sys
import click
before = set(sys.modules)
import trialfinder.cli
print(" ".join(sorted(set(sys.modules) - before)))
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    added = set(done.stdout.split())
    assert "trialfinder.cli" in added
    assert added.isdisjoint({"pathlib", "urllib.parse", "signal", "json"})
