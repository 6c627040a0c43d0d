"""Read the domain knowledge kept as data files in ``trialfinder/data/`` (TOML, TSV).

Every TOML file is checked against its shape (:mod:`trialfinder.schemas`) when it is read: an
unknown or misspelled key, or a value of the wrong kind, raises :class:`InvalidDataFile` naming
the file, the line and the key (with a did-you-mean), every problem at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from trialfinder.errors import ConfigError
from trialfinder.schemas import SCHEMAS
from trialfinder.validation import InvalidConfig, check_shape, parse_toml

DATA_DIR = "trialfinder/data"


class InvalidDataFile(InvalidConfig):
    """A data file has problems (each with its line and key)."""


def data_text(name: str) -> str:
    """The text of ``trialfinder/data/NAME``, for readers that report problems by line."""
    return resources.files("trialfinder").joinpath("data", name).read_text(encoding="utf-8")


@cache
def load_toml(name: str) -> dict[str, Any]:
    """Parse and check ``trialfinder/data/NAME`` once per process."""
    return parse_data(data_text(name), name, f"{DATA_DIR}/{name}")


def read_data_file(path: str | Path, name: str | None = None) -> dict[str, Any]:
    """Read and check a data file kept elsewhere (an edited copy): checked as the file ``name``
    of ``trialfinder/data/`` is (by default the one of the same name)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {str(path)!r}: {exc}") from None
    return parse_data(text, name or path.name, path)


def parse_data(text: str, name: str, file: str | Path) -> dict[str, Any]:
    """The parsed TOML ``text``, checked against the shape of the data file ``name``."""
    schema = SCHEMAS.get(name)
    if schema is None:
        raise ValueError(f"{name!r} is not a data file read with load_toml")
    hint = f"the header of {DATA_DIR}/{name} explains its keys"
    data = parse_toml(text, file, hint, error=InvalidDataFile)
    check_shape(data, schema.shape, text, file, schema.checks, hint, error=InvalidDataFile)
    return data


def phrases_pattern(phrases: Iterable[str], as_written: Iterable[str] = ()) -> re.Pattern[str]:
    """Any of a data file's ``phrases`` as whole words, case, spaces and hyphens aside ("stem
    cell transplant" finds "Stem-cell transplant"), the longest first; or of ``as_written``
    exactly ("RT", not "Rt")."""
    ordered = sorted(phrases, key=len, reverse=True)
    body = "|".join(r"[\s-]*".join(re.escape(w) for w in re.split(r"[\s-]+", p)) for p in ordered)
    exact = "|".join(re.escape(w) for w in sorted(as_written, key=len, reverse=True))
    either = f"(?i:{body})" + (f"|{exact}" if exact else "")
    return re.compile(rf"(?<![A-Za-z0-9])(?:{either})(?![A-Za-z0-9])")


_WORD_START = r"\b"


def any_of(patterns: Iterable[str]) -> re.Pattern[str]:
    """One pattern (case ignored) that finds a match wherever one of a data file's
    ``patterns`` would, the leftmost: for asking whether there is one, and where.

    The patterns that start at a word's edge (``\bplease\b``) and hold no choice of their own
    share one ``\b``: the engine tries every choice at every character of the text, and a
    ``\b`` checked once there fails most places before any of them is looked at.
    """
    patterns = list(patterns)
    at_edge = [p for p in patterns if p.startswith(_WORD_START) and "|" not in p]
    others = [f"(?:{p})" for p in patterns if p not in at_edge]
    if at_edge:
        edge = "|".join(f"(?:{p.removeprefix(_WORD_START)})" for p in at_edge)
        others.insert(0, f"{_WORD_START}(?:{edge})")
    return re.compile("|".join(others) or "(?!)", re.IGNORECASE)
