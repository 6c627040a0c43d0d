"""Check a TOML file and report every problem at once, each with its file, line and key.

tomllib keeps no line numbers, so :class:`KeyLines` finds them in the text; :class:`Checker`
reads typed values out of the parsed data and collects a :class:`Problem` for each thing wrong
instead of stopping at the first; :class:`InvalidConfig` carries them all, one line each::

    digest.toml:8: search[1].recipents: unknown key (did you mean 'recipients'?)

Paths name a place in the data as tuples: ``("smtp", "port")``, ``("rule", 0, "phrase")``
(list positions count from 0 and are written from 1: ``rule[1].phrase``).
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trialfinder.errors import ConfigError, InvalidInput

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the file: where (line, key) and what."""

    line: int | None
    key: str
    message: str

    def describe(self, file: str | Path) -> str:
        where = f"{file}:{self.line}" if self.line else str(file)
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class InvalidConfig(ConfigError):
    """A file has problems; ``problems`` lists each one and :meth:`lines` says them all."""

    def __init__(self, file: str | Path, problems: list[Problem], hint: str | None = None) -> None:
        self.file = str(file)
        self.problems = problems
        first = problems[0].describe(file)
        from trialfinder.templating import counted

        more = f" (and {counted(len(problems) - 1, 'more problem')})" if len(problems) > 1 else ""
        super().__init__(first + more, hint=hint)

    def lines(self) -> list[str]:
        return [p.describe(self.file) for p in self.problems]


def parse_toml(
    text: str, file: str | Path, hint: str | None = None, error: type[InvalidConfig] = InvalidConfig
) -> dict[str, Any]:
    """The parsed ``text``; a syntax error becomes ``error`` naming its line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib says "(at line N, column M)"; keep its words, put the line in front.
        message = str(exc)
        match = re.search(r"\(at line (\d+), column \d+\)", message)
        line = int(match.group(1)) if match else None
        raise error(file, [Problem(line, "", f"not valid TOML: {message}")], hint) from None


# -- where each key is written ------------------------------------------------------------

_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-]+)\s*\]\]?")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+|\"[^\"]*\")\s*[.=]")


class KeyLines:
    """Line numbers of tables and keys in TOML text, for messages (tomllib keeps none).

    Paths are tuples: ("smtp", "port"), ("search", 0, "within"). Good enough for the flat
    files read with it; an unknown path falls back to its table's line.
    """

    def __init__(self, text: str) -> None:
        self.lines: dict[tuple, int] = {}
        self.text_lines = text.splitlines()
        table: tuple = ()
        counts: dict[str, int] = {}
        in_string = False
        for number, line in enumerate(self.text_lines, start=1):
            # Skip the inside of multi-line strings, where "x = y" is text, not a key.
            if line.count('"""') % 2 == 1 or line.count("'''") % 2 == 1:
                was_in_string = in_string
                in_string = not in_string
                if was_in_string:
                    continue
            elif in_string:
                continue
            header = _HEADER.match(line)
            if header:
                name = header.group(2)
                if header.group(1) == "[[":
                    index = counts.get(name, 0)
                    counts[name] = index + 1
                    table = (name, index)
                else:
                    table = tuple(name.split("."))
                self.lines.setdefault(table, number)
                continue
            key = _KEY.match(line)
            if key:
                self.lines.setdefault((*table, key.group(1).strip('"')), number)

    def line(self, path: tuple) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None

    def find(self, path: tuple, needle: str) -> int | None:
        """The first line from ``path``'s own line on that holds ``needle``: where one item of
        a list written over several lines is. Falls back to :meth:`line`."""
        start = self.line(path)
        if start is None or not needle:
            return start
        for number in range(start, len(self.text_lines) + 1):
            if needle in self.text_lines[number - 1]:
                return number
        return start


# -- reading values ---------------------------------------------------------------------------


class Checker:
    """Reads typed values out of the parsed TOML, collecting problems instead of stopping."""

    def __init__(self, key_lines: KeyLines) -> None:
        self.key_lines = key_lines
        self.problems: list[Problem] = []

    def problem(self, path: tuple, message: str, line: int | None = None) -> None:
        where = line if line is not None else self.key_lines.line(path)
        self.problems.append(Problem(where, dotted(path), message))

    def table(self, data: dict, name: str, required: bool) -> dict:
        value = data.get(name)
        if value is None:
            if required:
                self.problem((), f"the [{name}] table is missing")
            return {}
        if not isinstance(value, dict):
            self.problem((name,), f"{name} must be a table, written [{name}]")
            return {}
        return value

    def tables(self, data: dict, name: str) -> list[dict]:
        """The ``[[name]]`` tables (an array of tables); none when absent or written wrong."""
        value = data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self.problem((name,), f"write each one as a [[{name}]] table")
            return []
        return value

    def unknown_keys(self, table: dict, path: tuple, known: Iterable[str]) -> None:
        known = tuple(known)
        for key in table:
            if key not in known:
                self.problem((*path, key), f"unknown key ({did_you_mean(key, known, 'keys')})")

    def get(
        self,
        table: dict,
        path: tuple,
        key: str,
        kind: type | tuple[type, ...],
        what: str,
        required: bool = False,
        default: Any = None,
    ) -> Any:
        if key not in table:
            if required:
                self.problem(path, f"the key {key!r} is missing ({what})")
            return default
        value = table[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in kinds:
            self.problem((*path, key), f"expected {what}, got {value!r}")
            return default
        if not isinstance(value, kinds):
            self.problem((*path, key), f"expected {what}, got {toml_type(value)} {value!r}")
            return default
        return value

    def choice(
        self,
        table: dict,
        path: tuple,
        key: str,
        choices: Iterable[str],
        what: str,
        required: bool = False,
        default: str | None = None,
    ) -> str | None:
        """A string that must be one of ``choices``; a near miss gets a did-you-mean."""
        choices = tuple(choices)
        value = self.get(table, path, key, str, what, required=required)
        if value is None:
            return default
        if value not in choices:
            self.problem((*path, key), f"{value!r} is not {what} ({did_you_mean(value, choices)})")
            return default
        return value

    def strings(self, table: dict, path: tuple, key: str, what: str) -> tuple[str, ...] | None:
        """A string or a list of strings, as a tuple; ``None`` when absent or wrong."""
        value = self.get(table, path, key, (str, list), what)
        if value is None:
            return None
        items = [value] if isinstance(value, str) else value
        if not all(isinstance(item, (str, int)) and not isinstance(item, bool) for item in items):
            self.problem((*path, key), f"expected {what}")
            return None
        return tuple(str(item).strip() for item in items if str(item).strip())

    def check(self, path: tuple, test: Callable[[], Any], default: Any = None) -> Any:
        """Run ``test``; turn an :class:`InvalidInput` into a problem at ``path``."""
        try:
            return test()
        except InvalidInput as exc:
            hint = f" ({exc.hint})" if exc.hint else ""
            self.problem(path, exc.message + hint)
            return default

    def sorted_problems(self) -> list[Problem]:
        """The problems in file order (those without a line first)."""
        return sorted(self.problems, key=lambda p: p.line or 0)


def did_you_mean(word: str, choices: Iterable[str], name: str = "choose from") -> str:
    """'did you mean 'x'?' for a near miss (any case), else the list of choices."""
    choices = tuple(choices)
    folded = {choice.casefold(): choice for choice in choices}
    if word.casefold() in folded:
        return f"did you mean {folded[word.casefold()]!r}?"
    close = difflib.get_close_matches(word.casefold(), list(folded), n=1)
    if close:
        return f"did you mean {folded[close[0]]!r}?"
    label = "known keys: " if name == "keys" else f"{name}: "
    return label + ", ".join(choices)


def toml_type(value: Any) -> str:
    return {
        str: "a string",
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def dotted(path: tuple) -> str:
    """("search", 0, "name") -> "search[1].name"."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part + 1}]"
        else:
            text += f".{part}" if text else str(part)
    return text
