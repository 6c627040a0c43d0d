"""Cutting trial text into words and finding them fast: the helpers every tagging step shares.

Positions always refer to the original text: lower-casing keeps lengths, and word splitting
returns where each word begins.
"""

from __future__ import annotations

import re
import string
from collections.abc import Collection
from itertools import repeat
from typing import Any, TypeVar

try:  # the reader of regular expressions, to find the words a pattern needs
    from re import _parser as regex_parser  # type: ignore[attr-defined]
except ImportError:  # Python 3.10
    import sre_parse as regex_parser


_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def name_key(text: str) -> str:
    """Names compare without case, spaces or punctuation: "ISB 2001" == "isb-2001"."""
    return _NOT_ALNUM.sub("", text.lower())


class Guarded:
    """A compiled pattern that is only run when the text holds a word every match contains.

    Long case-insensitive alternations are slow to run; looking for their words is not.
    """

    def __init__(self, regex: re.Pattern[str], words: tuple[str, ...] | None = None) -> None:
        self.regex = regex
        # The words every match holds: given (a data file's `find`), or read from the pattern.
        self.words = words if words is not None else required_words(regex)

    def may_match(self, text: str) -> bool:
        return self.words is None or may_match(lower(text), self.words)

    def search(self, text: str) -> re.Match[str] | None:
        return self.regex.search(text) if self.may_match(text) else None


def required_words(regex: re.Pattern[str]) -> tuple[str, ...] | None:
    """Lower-case pieces of text one of which every match of ``regex`` contains (None: unknown).

    Read from the parsed pattern: a run of plain letters in sequence, or one such run for each
    alternative of a group that must match (the most selective of
    :func:`required_word_sets`).
    """
    return _most_selective(required_word_sets(regex))


def required_word_sets(regex: re.Pattern[str]) -> list[tuple[str, ...]]:
    """Each set of lower-case pieces one of which every match of ``regex`` contains, one for
    each part of the pattern every match goes through (none when unknown)."""
    try:
        parsed = regex_parser.parse(regex.pattern, regex.flags)
    except Exception:  # noqa: BLE001 (a pattern the reader does not follow is simply run)
        return []
    return [tuple(sorted(words)) for words in _word_options(list(parsed))]


_Words = TypeVar("_Words", bound=Collection[str])


def _most_selective(options: list[_Words]) -> _Words | None:
    """The choice whose shortest piece is longest (the first of equals)."""
    return max(options, key=lambda words: min(map(len, words)), default=None)


def _sequence_words(items: list[tuple[Any, Any]]) -> set[str] | None:
    return _most_selective(_word_options(items))


def _word_options(items: list[tuple[Any, Any]]) -> list[set[str]]:
    constants = regex_parser
    options: list[set[str]] = []
    run: list[str] = []
    for op, value in [*items, (None, None)]:
        if op is constants.LITERAL and value < 128:
            run.append(chr(value).lower())
            continue
        if run:
            options.append({"".join(run)})
            run = []
        found: set[str] | None = None
        if op is constants.SUBPATTERN and not value[1] and not value[2]:  # no inline flags
            found = _sequence_words(list(value[3]))
        elif op is constants.BRANCH:
            branches = [_sequence_words(list(branch)) for branch in value[1]]
            if all(branches):
                found = set().union(*branches)  # type: ignore[arg-type]
        elif op in (constants.MAX_REPEAT, constants.MIN_REPEAT) and value[0] >= 1:
            found = _sequence_words(list(value[2]))
        elif op is constants.IN and all(
            kind is constants.LITERAL and char < 128 for kind, char in value
        ):
            found = {chr(char).lower() for _, char in value}
        if found:
            options.append(found)
    return options


def leading_words(regex: re.Pattern[str]) -> tuple[str, ...] | None:
    """Lower-case pieces of text one of which every match of ``regex`` starts with (None:
    unknown, or a match may start with anything).

    Read from the parsed pattern: its plain letters from the start, through groups, choices,
    repeats and optional parts (``(?:key )?``), up to the first thing that is not a plain
    letter or a place (``^``, ``\\b``, a look behind).
    """
    try:
        parsed = regex_parser.parse(regex.pattern, regex.flags)
    except Exception:  # noqa: BLE001 (a pattern the reader does not follow is simply run)
        return None
    starts = _starts(list(parsed))
    return None if "" in starts else tuple(sorted(starts))


def _starts(items: list[tuple[Any, Any]]) -> set[str]:
    """What every match of the sequence ``items`` starts with, one of these pieces ("" when
    that is not known)."""
    constants = regex_parser
    if not items:
        return {""}
    (op, value), rest = items[0], items[1:]
    if op is constants.LITERAL and value < 128:
        return {chr(value).lower() + tail for tail in _starts(rest)}
    if op is constants.SUBPATTERN and not value[1] and not value[2]:  # no inline flags
        return _starts([*value[3], *rest])
    if op is constants.BRANCH:
        return set().union(*(_starts([*branch, *rest]) for branch in value[1]))
    if op is constants.AT:  # "^", "\\b": a place, not a letter
        return _starts(rest)
    if op in (constants.ASSERT, constants.ASSERT_NOT) and value[0] < 0:
        return _starts(rest)  # a look behind says where a match may start, not what it holds
    if op in (constants.MAX_REPEAT, constants.MIN_REPEAT):
        low, high, repeated = value
        # Once: what follows counts too; more: the first time only; none: what follows.
        first = _starts([*repeated, *rest]) if high == 1 else _starts(list(repeated))
        return first | _starts(rest) if low == 0 else first
    return {""}


_TOKEN = re.compile(r"[a-z0-9]+")


def spellings(alias: str) -> set[tuple[str, ...]]:
    """The ways a name can be split into words: "APG-2575", "APG 2575" and "APG2575"."""
    words = tuple(_TOKEN.findall(lower(alias)))
    joined = "".join(words)
    split = tuple(_TOKEN.findall(re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", joined)))
    return {w for w in (words, (joined,), split) if w}


def lower(text: str) -> str:
    """Lower case with the same length, so that positions match the original text."""
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return lowered


def byte_table(keep: str) -> bytes:
    """A ``bytes.translate`` table that keeps these ASCII characters and turns others to spaces.

    Text is encoded one byte a letter (``encode("ascii", "replace")``), so positions still match.
    """
    kept = set(keep.encode("ascii"))
    return bytes(c if c in kept else 32 for c in range(256))


_WORD_BYTES = byte_table(string.ascii_lowercase + string.digits)


def split_words(lowered: str) -> tuple[list[str], list[int]]:
    """The words (runs of a-z and 0-9) of a lower-case text, and where each begins.

    Done with a byte table and a split, which run in C: far faster than a pattern on long
    texts. Each word is then found after the one before it (only separators lie between).
    """
    spaced = lowered.encode("ascii", "replace").translate(_WORD_BYTES).decode("ascii")
    words = spaced.split()
    starts = []
    at = 0
    for word in words:
        at = spaced.find(word, at)
        starts.append(at)
        at += len(word)
    return words, starts


class WordStarts:
    """Where any of some words starts in a text, found with one search.

    The text is searched for the longest piece every word holds ("clusion criteria" for
    "inclusion criteria" and "key exclusion criteria"), and each word is checked where it would
    stand around each place the piece is found: a word holds the piece wherever it is. Words
    sharing no piece are searched for one by one.
    """

    def __init__(self, words: tuple[str, ...]) -> None:
        self.words = words
        self.piece = shared_piece(words)
        # (word, where the piece is in it), for each place it is
        self.around = tuple(
            (word, offset)
            for word in words
            for offset in range(len(word) - len(self.piece) + 1)
            if self.piece and word.startswith(self.piece, offset)
        )

    def find(self, text: str) -> set[int]:
        found: set[int] = set()
        if not self.piece:
            for word in self.words:
                at = text.find(word)
                while at >= 0:
                    found.add(at)
                    at = text.find(word, at + 1)
            return found
        at = text.find(self.piece)
        while at >= 0:
            for word, offset in self.around:
                start = at - offset
                if start >= 0 and text.startswith(word, start):
                    found.add(start)
            at = text.find(self.piece, at + 1)
        return found


def shared_piece(words: tuple[str, ...]) -> str:
    """The longest piece of text every one of ``words`` holds ("" when they share none)."""
    if not words:
        return ""
    shortest = min(words, key=len)
    for size in range(len(shortest), 0, -1):
        for start in range(len(shortest) - size + 1):
            piece = shortest[start : start + size]
            if all(piece in word for word in words):
                return piece
    return ""


# The only letters besides A-Z and a-z that a case-insensitive pattern can read as a-z.
FOLDING_TO_ASCII = ("\u0130", "\u0131", "\u017f", "\u212a")  # İ ı ſ K (Kelvin)


def may_match(piece: str, words: tuple[str, ...]) -> bool:
    """Whether a pattern whose matches all contain one of ``words`` can match in ``piece``.

    ``piece`` is lower-cased; a few letters outside a-z also match a-z without case, so a
    piece holding one of them is always tried.
    """
    if any(map(piece.__contains__, words)):  # (``word in piece`` for each, in C)
        return True
    # Those letters are not ASCII: an ASCII piece (a flag CPython keeps) holds none.
    return not piece.isascii() and any(c in piece for c in FOLDING_TO_ASCII)


_CAPITAL_BYTES = byte_table(string.ascii_uppercase + string.digits)
_CAPITAL_LETTER_BYTES = byte_table(string.ascii_uppercase)


def capital_runs(text: str) -> set[bytes]:
    """The runs of capital letters in ``text`` (ASCII bytes): "HER2-positive" gives b"HER".

    Every capitalised word starts with one, so they rule markers in or out quickly.
    """
    return set(text.encode("ascii", "replace").translate(_CAPITAL_LETTER_BYTES).split())


def capital_words(text: str) -> set[str]:
    """The capitalised words of ``text`` ("HER2", "NSCLC"): a capital, then capitals or digits.

    Runs of capitals and digits are cut out in C; leading digits are not part of the word
    ("5FU" -> "FU").
    """
    runs = text.encode("ascii", "replace").translate(_CAPITAL_BYTES).decode("ascii").split()
    return set(map(str.lstrip, runs, repeat(string.digits)))


_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DIGITS = frozenset("0123456789")


def whole_capital_positions(text: str, capital: str) -> list[int]:
    """Where ``capital`` is a whole capitalised word of ``text`` (as :func:`capital_words` has it).

    "ER" counts in "ER+" and "ER-positive", not in "CANCER" or "HER2".
    """
    found = []
    size = len(capital)
    position = text.find(capital)
    while position >= 0:
        end = position + size
        if end == len(text) or (text[end] not in _UPPER and text[end] not in _DIGITS):
            before = position - 1
            while before >= 0 and text[before] in _DIGITS:
                before -= 1
            if before < 0 or text[before] not in _UPPER:
                found.append(position)
        position = text.find(capital, position + 1)
    return found


# -- small helpers ------------------------------------------------------------------------


def snippet(text: str, start: int, end: int, width: int = 60) -> str:
    """The whole words around a match, on one line."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    left, right = max(line_start, start - width), min(line_end, end + width)
    if left > line_start:
        space = text.find(" ", left, start)
        left = space + 1 if space >= 0 else left
    if right < line_end:
        space = text.rfind(" ", end, right)
        right = space if space >= 0 else right
    piece = " ".join(text[left:right].split()).lstrip("*-• ")
    return ("…" if left > line_start else "") + piece + ("…" if right < line_end else "")
