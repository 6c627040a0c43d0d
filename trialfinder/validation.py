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
import json
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from trialfinder.counting import counted
from trialfinder.errors import ConfigError, InvalidInput

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# Where a value is in a file: keys and list positions, ("search", 0, "within").
KeyPath = tuple[str | int, ...]


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

# A key as TOML writes it: bare, "quoted" (with escapes) or 'literal'; dotted keys join them.
_PART = r"""(?:[A-Za-z0-9_\-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_PARTS = re.compile(rf"\s*({_PART})\s*")
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_PART}(?:\s*\.\s*{_PART})*)\s*\]\]?")
_KEY = re.compile(rf"^\s*({_PART}(?:\s*\.\s*{_PART})*)\s*=")


def _key_parts(written: str) -> tuple[str, ...]:
    """``disease."solid tumor"`` -> ("disease", "solid tumor")."""
    parts = []
    for match in _PARTS.finditer(written):
        part = match.group(1)
        if part.startswith('"'):
            try:
                part = json.loads(part)
            except ValueError:
                part = part[1:-1]
        elif part.startswith("'"):
            part = part[1:-1]
        parts.append(part)
    return tuple(parts)


class KeyLines:
    """Line numbers of tables and keys in TOML text, for messages (tomllib keeps none).

    Paths are tuples: ("smtp", "port"), ("search", 0, "within"), ("disease", "solid tumor",
    "within"). Good enough for the files read with it; an unknown path falls back to its
    table's line. The text is read on the first question, so a file without problems costs
    nothing.
    """

    def __init__(self, text: str) -> None:
        self.text_lines = text.splitlines()
        self._lines: dict[KeyPath, int] | None = None

    @property
    def lines(self) -> dict[KeyPath, int]:
        if self._lines is None:
            self._lines = self._read()
        return self._lines

    def _read(self) -> dict[KeyPath, int]:
        lines: dict[KeyPath, int] = {}
        table: KeyPath = ()
        counts: dict[KeyPath, int] = {}
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
                parts = _key_parts(header.group(2))
                if header.group(1) == "[[":
                    index = counts.get(parts, 0)
                    counts[parts] = index + 1
                    table = (*parts, index)
                else:
                    table = parts
                for size in range(1, len(table) + 1):
                    lines.setdefault(table[:size], number)
                continue
            key = _KEY.match(line)
            if key:
                parts = _key_parts(key.group(1))
                for size in range(1, len(parts) + 1):
                    lines.setdefault((*table, *parts[:size]), number)
        return lines

    def line(self, path: KeyPath) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None

    def find(self, path: KeyPath, needle: str) -> int | None:
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

    def problem(self, path: KeyPath, message: str, line: int | None = None) -> None:
        where = line if line is not None else self.key_lines.line(path)
        self.problems.append(Problem(where, dotted(path), message))

    def table(self, data: dict[str, Any], name: str, required: bool) -> dict[str, Any]:
        value = data.get(name)
        if value is None:
            if required:
                self.problem((), f"the [{name}] table is missing")
            return {}
        if not isinstance(value, dict):
            self.problem((name,), f"{name} must be a table, written [{name}]")
            return {}
        return value

    def tables(self, data: dict[str, Any], name: str) -> list[dict[str, Any]]:
        """The ``[[name]]`` tables (an array of tables); none when absent or written wrong."""
        value = data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self.problem((name,), f"write each one as a [[{name}]] table")
            return []
        return value

    def unknown_keys(self, table: dict[str, Any], path: KeyPath, known: Iterable[str]) -> None:
        known = tuple(known)
        for key in table:
            if key not in known:
                self.problem((*path, key), f"unknown key ({did_you_mean(key, known, 'keys')})")

    def get(
        self,
        table: dict[str, Any],
        path: KeyPath,
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
        table: dict[str, Any],
        path: KeyPath,
        key: str,
        choices: Iterable[str],
        what: str,
        required: bool = False,
        default: str | None = None,
    ) -> str | None:
        """A string that must be one of ``choices``; a near miss gets a did-you-mean."""
        choices = tuple(choices)
        value: str | None = self.get(table, path, key, str, what, required=required)
        if value is None:
            return default
        if value not in choices:
            self.problem((*path, key), f"{value!r} is not {what} ({did_you_mean(value, choices)})")
            return default
        return value

    def strings(
        self, table: dict[str, Any], path: KeyPath, key: str, what: str
    ) -> tuple[str, ...] | None:
        """A string or a list of strings, as a tuple; ``None`` when absent or wrong."""
        value = self.get(table, path, key, (str, list), what)
        if value is None:
            return None
        items = [value] if isinstance(value, str) else value
        if not all(isinstance(item, (str, int)) and not isinstance(item, bool) for item in items):
            self.problem((*path, key), f"expected {what}")
            return None
        return tuple(str(item).strip() for item in items if str(item).strip())

    def check(self, path: KeyPath, test: Callable[[], Any], default: Any = None) -> Any:
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


# -- shapes: what a whole file may hold ---------------------------------------------------


class Shape:
    """What a value must be. :meth:`check` reports each way ``value`` is not, at ``path``."""

    what = "a value"
    plural = "values"  # for "a list of ..."

    def check(self, value: Any, path: KeyPath, c: Checker) -> None:
        raise NotImplementedError

    def wrong(self, value: Any, path: KeyPath, c: Checker) -> None:
        if isinstance(value, bool):
            got = "true" if value else "false"
        else:
            shown = repr(value)
            got = f"{toml_type(value)} {shown if len(shown) <= 60 else shown[:57] + '...'}"
        line = _item_line(path, str(value)[:40], c) if isinstance(value, (str, int)) else None
        c.problem(path, f"expected {self.what}, got {got}", line)


class Value(Shape):
    """A single value of one of ``kinds`` (``bool`` only when it is named)."""

    def __init__(self, kinds: type | tuple[type, ...], what: str, plural: str) -> None:
        self.kinds = kinds if isinstance(kinds, tuple) else (kinds,)
        self.what = what
        self.plural = plural

    def check(self, value: Any, path: KeyPath, c: Checker) -> None:
        is_bool = isinstance(value, bool)
        if not isinstance(value, self.kinds) or (is_bool and bool not in self.kinds):
            self.wrong(value, path, c)


class Text(Value):
    """Text in quotes; not blank when ``blank`` is false."""

    def __init__(self, blank: bool = True) -> None:
        super().__init__(str, "text in quotes", "texts in quotes")
        self.blank = blank

    def check(self, value: Any, path: KeyPath, c: Checker) -> None:
        super().check(value, path, c)
        if not self.blank and isinstance(value, str) and not value.strip():
            c.problem(path, "is empty", _item_line(path, '""', c))


TEXT = Text()
WHOLE = Value(int, "a whole number", "whole numbers")
NUMBER = Value((int, float), "a number", "numbers")
FLAG = Value(bool, "true or false", "true or false values")
DATE = Value(date, "a date (2026-12-01)", "dates")


class Choice(Shape):
    """Text that must be one of ``choices``; a near miss gets a did-you-mean."""

    def __init__(self, choices: Iterable[str], what: str) -> None:
        self.choices = tuple(choices)
        self.what = what

    def check(self, value: Any, path: KeyPath, c: Checker) -> None:
        if not isinstance(value, str):
            self.wrong(value, path, c)
        elif value not in self.choices:
            message = f"{value!r} is not {self.what} ({did_you_mean(value, self.choices)})"
            c.problem(path, message, _item_line(path, value, c))


class Regex(Shape):
    """A regular expression (text) that compiles, with ``flags`` as its reader compiles it."""

    what = "a regular expression in quotes"
    plural = "regular expressions in quotes"

    def __init__(self, flags: int = 0) -> None:
        self.flags = flags

    def check(self, value: Any, path: KeyPath, c: Checker) -> None:
        if not isinstance(value, str):
            self.wrong(value, path, c)
            return
        try:
            re.compile(value, self.flags)
        except re.error as exc:
            line = _item_line(path, value[:40], c)
            c.problem(path, f"the regular expression does not compile: {exc}", line)


class ListOf(Shape):
    """A list whose every item is ``item``."""

    def __init__(self, item: Shape, what: str | None = None) -> None:
        self.item = item
        self.what = what or f"a list of {item.plural}"

    def check(self, value: Any, path: KeyPath, c: Checker) -> None:
        if not isinstance(value, list):
            self.wrong(value, path, c)
            return
        for index, item in enumerate(value):
            self.item.check(item, (*path, index), c)


class Table(Shape):
    """A table with known keys: ``required`` ones, ``optional`` ones and, when ``others`` is
    given, any other key whose value is ``others``. Any other key is unknown (did you mean?)."""

    what = "a table"
    plural = "tables"

    def __init__(
        self,
        required: dict[str, Shape] | None = None,
        optional: dict[str, Shape] | None = None,
        others: Shape | None = None,
    ) -> None:
        self.required = required or {}
        self.optional = optional or {}
        self.others = others

    def check(self, value: Any, path: KeyPath, c: Checker) -> None:
        if not isinstance(value, dict):
            self.wrong(value, path, c)
            return
        known = (*self.required, *self.optional)
        for key, item in value.items():
            shape = self.required.get(key) or self.optional.get(key)
            if shape is None and self.others is not None and not _near_miss(key, known):
                shape = self.others
            if shape is None:
                c.problem((*path, key), f"unknown key ({did_you_mean(key, known, 'keys')})")
            else:
                shape.check(item, (*path, key), c)
        for key, shape in self.required.items():
            if key not in value:
                c.problem(path, f"the key {key!r} is missing ({shape.what})")


class Names(Shape):
    """A table of names each holding ``item``: any name, or one of ``names`` (did you mean?),
    all of them when ``every`` is true."""

    what = "a table"
    plural = "tables"

    def __init__(
        self, item: Shape, names: Iterable[str] | None = None, every: bool = False
    ) -> None:
        self.item = item
        self.names = tuple(names) if names is not None else None
        self.every = every

    def check(self, value: Any, path: KeyPath, c: Checker) -> None:
        if not isinstance(value, dict):
            self.wrong(value, path, c)
            return
        for name, item in value.items():
            if self.names is not None and name not in self.names:
                message = f"unknown name ({did_you_mean(name, self.names)})"
                c.problem((*path, name), message)
            else:
                self.item.check(item, (*path, name), c)
        if self.every and self.names is not None:
            for name in self.names:
                if name not in value:
                    c.problem(path, f"{name!r} is missing ({self.item.what})")


class Either(Shape):
    """One of several shapes: the first that fits without a problem."""

    def __init__(self, *shapes: Shape, what: str | None = None) -> None:
        self.shapes = shapes
        self.what = what or " or ".join(shape.what for shape in shapes)

    def check(self, value: Any, path: KeyPath, c: Checker) -> None:
        tried: list[list[Problem]] = []
        for shape in self.shapes:
            trial = Checker(c.key_lines)
            shape.check(value, path, trial)
            if not trial.problems:
                return
            tried.append(trial.problems)
        # The shape of the right kind (a table for a table) explains best; else say all of them.
        for shape, problems in zip(self.shapes, tried, strict=True):
            if _same_kind(shape, value):
                c.problems.extend(problems)
                return
        self.wrong(value, path, c)


def _near_miss(key: str, known: tuple[str, ...]) -> bool:
    """``key`` is a known key misspelled (where other keys may hold anything: "contxt")."""
    return bool(difflib.get_close_matches(key.casefold(), [k.casefold() for k in known], 1, 0.8))


def _same_kind(shape: Shape, value: Any) -> bool:
    if isinstance(shape, (Table, Names)):
        return isinstance(value, dict)
    if isinstance(shape, ListOf):
        return isinstance(value, list)
    return False


def _item_line(path: KeyPath, needle: str, c: Checker) -> int | None:
    """The line of an item of a list that may be written over several lines."""
    if path and isinstance(path[-1], int):
        return c.key_lines.find(path[:-1], needle)
    return None


def check_shape(
    data: dict[str, Any],
    shape: Shape,
    text: str,
    file: str | Path,
    checks: Iterable[Callable[[dict[str, Any], Checker], None]] = (),
    hint: str | None = None,
    error: type[InvalidConfig] = InvalidConfig,
) -> None:
    """Check parsed ``data`` against ``shape``, then (when it has the shape) run ``checks`` (which
    look across the file: a name used where it is defined); :class:`InvalidConfig` lists every
    problem, each with its line."""
    c = Checker(KeyLines(text))
    shape.check(data, (), c)
    if not c.problems:
        for check in checks:
            check(data, c)
    if c.problems:
        raise error(file, c.sorted_problems(), hint)


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


_BARE = re.compile(r"[A-Za-z0-9_\-]+")


def dotted(path: KeyPath) -> str:
    """("search", 0, "name") -> "search[1].name"; a name that is not a bare TOML key is quoted
    as TOML writes it: ("disease", "solid tumor") -> 'disease."solid tumor"'."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part + 1}]"
        else:
            name = part if _BARE.fullmatch(part) else json.dumps(part, ensure_ascii=False)
            text += f".{name}" if text else name
    return text
