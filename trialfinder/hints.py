"""Suggestions for people: a mistyped value's nearest choice, a misspelled condition's nearest
known words, and the command to run next (shown as one dim line after the results)."""

from __future__ import annotations

import difflib
import re
import shlex
from collections.abc import Iterable, Sequence
from functools import cache

from trialfinder.knowledge import load_toml

# How close a typed word must be to a known one to be offered (difflib's ratio, 0 to 1).
CHOICE_CUTOFF = 0.6
WORD_CUTOFF = 0.8
_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")


def closest_choice(value: str, choices: Iterable[str]) -> str | None:
    """The choice nearest to ``value`` (``recruting`` -> ``recruiting``), if one is close."""
    choices = list(choices)
    folded = {choice.lower(): choice for choice in choices}
    typed = value.strip().lower()
    # "cart" is "car-t" without its hyphen; "not yet recruiting" is "not-yet-recruiting".
    bare = {re.sub(r"[^a-z0-9]", "", key): choice for key, choice in folded.items()}
    if re.sub(r"[^a-z0-9]", "", typed) in bare:
        return bare[re.sub(r"[^a-z0-9]", "", typed)]
    close = difflib.get_close_matches(typed, list(folded), n=1, cutoff=CHOICE_CUTOFF)
    return folded[close[0]] if close else None


@cache
def condition_words() -> frozenset[str]:
    """Every word of the condition vocabulary (conditions.toml, and cancer.toml's words)."""
    data = load_toml("conditions.toml")
    words = set(data["words"]) | set(load_toml("cancer.toml")["words"])
    for name in data["names"]:
        words.update(_WORD.findall(name.lower()))
    return frozenset(words)


def spelling_suggestion(conditions: Sequence[str]) -> list[str] | None:
    """``["multiple myloma"]`` -> ``["multiple myeloma"]``: each word not in the vocabulary
    replaced by the nearest known word; ``None`` when nothing would change."""
    known = condition_words()
    changed = False

    def fix(match: re.Match[str]) -> str:
        nonlocal changed
        word: str = match.group(0)
        lower = word.lower()
        if len(lower) < 4 or lower in known:
            return word
        close = difflib.get_close_matches(lower, known, n=1, cutoff=WORD_CUTOFF)
        if not close:
            return word
        changed = True
        return str(close[0])

    fixed = [re.sub(r"[A-Za-z]+", fix, text) for text in conditions]
    return fixed if changed else None


def command_line(argv: Sequence[str]) -> str:
    """``trialfinder search "multiple myeloma"``, quoted as a shell reads it."""
    return shlex.join(["trialfinder", *argv])


def replace_conditions(
    argv: Sequence[str], command: str, old: Sequence[str], new: Sequence[str]
) -> list[str]:
    """``argv`` with the condition arguments ``old`` (in order, after ``command``) replaced."""
    result = list(argv)
    start = result.index(command) + 1 if command in result else 0
    k = 0
    for i in range(start, len(result)):
        if k < len(old) and result[i] == old[k]:
            result[i] = new[k]
            k += 1
    return result


def with_option(argv: Sequence[str], option: str, value: str) -> list[str]:
    """``argv`` with every ``option VALUE`` (and ``option=VALUE``) replaced by one given."""
    result: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg == option:
            skip = True
            continue
        if arg.startswith(option + "="):
            continue
        result.append(arg)
    return [*result, option, value]
