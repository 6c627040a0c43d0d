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


def data_text(name: str) -> str:
    """The text of ``trialfinder/data/NAME``, for readers that report problems by line."""
    return resources.files("trialfinder").joinpath("data", name).read_text(encoding="utf-8")


@cache
def load_toml(name: str) -> dict[str, Any]:
    """Parse ``trialfinder/data/NAME`` once per process."""
    return tomllib.loads(data_text(name))
