"""Read the domain knowledge kept as data files in ``trialfinder/data/`` (TOML, TSV)."""

from __future__ import annotations

import sys
from functools import cache
from importlib import resources
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@cache
def load_toml(name: str) -> dict[str, Any]:
    """Parse ``trialfinder/data/NAME`` once per process."""
    text = resources.files("trialfinder").joinpath("data", name).read_text(encoding="utf-8")
    return tomllib.loads(text)
