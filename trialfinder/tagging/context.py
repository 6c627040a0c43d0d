"""Context rules: does the text around a phrase negate it, make it hypothetical, and so on?

A tagger or a criteria reader finds a *target* in trial text (a biomarker, a disease setting, a
treatment, "brain metastases") and asks this module what its context does to it. The cues are
data, ``trialfinder/data/context.toml`` (its header explains the file), in the style of
medspaCy's ConText: each rule is a phrase or a pattern, a category and a direction.

Categories (what a cue says about the target):

- ``NEGATED``: absent or excluded ("no", "without", "HER2-negative", "are not eligible").
- ``HYPOTHETICAL``: neither asserted nor denied ("regardless of", "stratified by", "if known",
  "with or without", "either ... or ... are eligible", "is not required").
- ``HISTORICAL``: happened before the trial, such as an earlier treatment ("prior", "received",
  "progressed on", "within 28 days before the first dose").
- ``PREVENTION``: an event that has not happened, to be prevented or whose risk is weighed
  ("to prevent relapse", "risk of recurrence", "no evidence of recurrent disease").
- ``NOT_CANCER``: the word is not about the patient's cancer: another condition
  ("steroid-refractory GVHD", "refractory hypertension"), an outcome being measured
  ("relapse-free survival", "time to relapse") or the target of a drug ("EGFR inhibitor").
- ``EXCEPTION``: carved out of what the criterion says, or allowed only on conditions
  ("unless", "except", "other than", "allowed if", "may be enrolled"). In an exclusion criterion
  the target does not (always) exclude; in an inclusion criterion it is not (always) required.

Public API::

    effects(text, start, end) -> frozenset[str]   # the categories covering text[start:end]
    clause_effects(text, start, end)               # the same, reading the target's clause only
    clause_covering(text, start, end)              # the cues covering it (spans in its clause)
    covering_after(text, start, end)               # those of them written after it
    Context(text)                                  # finds the cues once, for many targets:
        .effects(start, end) -> frozenset[str]
        .covering(start, end) -> list[Modifier]    # which cues, to explain a decision
        .modifiers -> list[Modifier]               # every cue found, in text order
    modifiers(text) -> list[Modifier]
    Modifier(category, direction, span, phrase, rule, reach)
        # category: the rule's, or "TERMINATE" / "PSEUDO"; reach: the characters it covers
    rules() -> Rules                               # the shipped rules, read and checked once
    load_rules(path) / parse_rules(text, file)     # another rules file, checked
    Rules.context(text), .effects(text, start, end), .modifiers(text), .without(rule)

A broken rules file raises :class:`InvalidRules` (a ``ConfigError``: exit code 6) listing every
problem as ``context.toml:LINE: rule[N].KEY: message``.

Pass the span of the thing itself ("HER2" in "HER2-negative"), not of its qualifiers: a cue
never affects a target it overlaps, so "not responsive to" found as a setting is not negated
by its own "not". How a cue's scope is found:

- a ``forward`` cue covers a target that starts after it, a ``backward`` cue one that ends before
  it, ``both`` either; within ``scope`` words when the rule gives one, else to the end of the
  clause;
- a ``terminate`` cue (";", a full stop, a new line, "but", "who", ...) ends the scopes of the
  categories it names (every category when it names none), on both sides or, with ``ends``, on
  one ("for" ends a forward negation, "no prior therapy for metastatic disease", but not a
  backward one, "prior therapy for metastatic disease is not allowed"); a cue's own
  ``stopped_by`` words end its scope too ("positive" ends "negative" reaching back:
  "ER-positive, HER2-negative");
- a ``pseudo`` phrase ("no more than", "not limited to") cancels the cues inside it; a cue inside
  a longer cue is ignored too (the longer phrase decides: "are not eligible", not "not");
- a cue inside parentheses does not reach outside them ("... is not permitted (prior adjuvant
  chemotherapy is permitted)");
- a rule with ``scope = 0`` marks only a target inside its own phrase ("relapse" in
  "relapse-free survival").

``effects(text, start, end)`` keeps the last few hundred texts' cues, so calling it for every
mention of a text costs one search of the text; ``Context(text)`` does the same explicitly.
The search looks at each word and sign once and tries only the cues that can start with it
(see :class:`_Finder`); ``benchmarks/context_speed.py`` measures it on the real criteria.
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from trialfinder.errors import ConfigError
from trialfinder.knowledge import data_text
from trialfinder.tagging.text import FOLDING_TO_ASCII
from trialfinder.validation import Checker, InvalidConfig, KeyLines, KeyPath, parse_toml

if sys.version_info >= (3, 11):
    from re import _constants as _sre_constants  # type: ignore[attr-defined]
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
else:  # pragma: no cover
    import sre_constants as _sre_constants
    import sre_parse as _sre_parse

__all__ = [
    "CATEGORIES",
    "DIRECTIONS",
    "RULE_KEYS",
    "TRIGGERS",
    "Context",
    "InvalidRules",
    "Modifier",
    "Rule",
    "Rules",
    "clause_covering",
    "clause_effects",
    "covering_after",
    "effects",
    "example_target",
    "literal_regex",
    "load_rules",
    "match_starts",
    "modifiers",
    "parse_rules",
    "rules",
]

CATEGORIES = ("NEGATED", "HYPOTHETICAL", "HISTORICAL", "PREVENTION", "NOT_CANCER", "EXCEPTION")
TRIGGERS = ("forward", "backward", "both")
DIRECTIONS = (*TRIGGERS, "terminate", "pseudo")
RULE_KEYS = (
    "phrase",
    "pattern",
    "category",
    "direction",
    "scope",
    "stopped_by",
    "ends",
    "note",
    "examples",
    "counter_examples",
)
DATA_FILE = "context.toml"
# Texts whose cues are remembered: a trial's settings, biomarkers and requirements ask about the
# same criteria in turn (more would keep objects alive for the garbage collector to walk).
CACHED_TEXTS = 128

_WORD = re.compile(r"\w+")
_TARGET = re.compile(r"\{([^{}]*)\}")
_SEPARATORS = re.compile(r"[\s\-]+")
_WORD_CHAR = re.compile(r"\w")
_PARENTHESIS = re.compile(r"[()]")
_NOTHING: frozenset[str] = frozenset()
_EVERY_CATEGORY = frozenset(CATEGORIES)


class InvalidRules(InvalidConfig):
    """A context rules file has problems (each with its line and key)."""


@dataclass(frozen=True)
class Rule:
    """One ``[[rule]]`` of the file."""

    number: int  # its position in the file, from 1 (messages say rule[number])
    line: int | None
    phrase: str | None
    pattern: str | None
    category: str | None  # as written: a trigger's; a terminator's or pseudo's one, or None
    categories: frozenset[str]  # what it marks (a trigger) or what it stops (terminate, pseudo)
    direction: str
    scope: int | None = None  # words; None: to the end of the clause
    stopped_by: tuple[str, ...] = ()
    ends: str = "both"  # a terminator: the scopes it ends, "forward", "backward" or "both"
    note: str = ""
    examples: tuple[str, ...] = ()
    counter_examples: tuple[str, ...] = ()

    @property
    def cue(self) -> str:
        return self.phrase if self.phrase is not None else f"/{self.pattern}/"

    @property
    def is_trigger(self) -> bool:
        return self.direction in TRIGGERS

    def __str__(self) -> str:
        return f"rule[{self.number}] {self.cue} ({self.direction} {self.category or 'all'})"


@dataclass(frozen=True)
class Modifier:
    """A cue found in a text: which rule, where, and the stretch of text it covers."""

    category: str  # the rule's category; "TERMINATE" or "PSEUDO" for those rules
    direction: str
    span: tuple[int, int]
    phrase: str  # the text as written
    rule: Rule
    reach: tuple[int, int]  # characters it covers, itself included

    def covers(self, start: int, end: int) -> bool:
        """Whether this cue applies to the target ``text[start:end]``."""
        first, last = self.span
        low, high = self.reach
        if start >= last:
            return start < high
        if end <= first:
            return end > low
        return self.rule.scope == 0 and first <= start and end <= last


def example_target(example: str) -> tuple[str, int, int]:
    """``"No {EGFR} mutation"`` -> ``("No EGFR mutation", 3, 7)``: the text and its target."""
    match = _TARGET.search(example)
    if match is None:
        raise ValueError(f"no {{target}} in {example!r}")
    text = example[: match.start()] + match.group(1) + example[match.end() :]
    return text, match.start(), match.start() + len(match.group(1))


# -- matching -------------------------------------------------------------------------------


def literal_key(text: str) -> str:
    """What a literal phrase and the text it matched have in common: case, spaces and hyphens
    do not count ("Wild-type", "wild type" and "wildtype" are all "wildtype")."""
    return _SEPARATORS.sub("", text.lower())


def literal_regex(phrases: Iterable[str]) -> str:
    """One regular expression for many literal phrases, built as a trie so that each position
    of a text is tried once, the longest phrase first.

    Matching ignores case (compile with re.IGNORECASE); a phrase starting or ending with a
    letter or digit matches whole words only; a space matches any run of spaces and hyphens, a
    hyphen matches a hyphen, a space or nothing.
    """
    trie: dict[str, Any] = {}
    for phrase in phrases:
        node = trie
        for token in _tokens(phrase):
            node = node.setdefault(token, {})
        node[""] = {}
    return _emit(trie, "", root=True)


def _tokens(phrase: str) -> list[str]:
    tokens: list[str] = []
    for char in phrase.strip().lower():
        if char.isspace():
            if tokens and tokens[-1] in (" ", "-"):
                tokens[-1] = " "
            else:
                tokens.append(" ")
        elif char == "-":
            if not tokens or tokens[-1] != " ":
                tokens.append("-")
        else:
            tokens.append(char)
    return tokens


def _emit(node: dict[str, Any], previous: str, root: bool = False) -> str:
    branches = []
    words: list[str] = []  # a run of phrases starting with a letter or digit, at the root
    for token in sorted(node, key=lambda t: (t == "", t)):
        if token == "":
            # End of a phrase: a whole word must end here.
            branches.append(r"\b" if _WORD_CHAR.match(previous) else "")
            continue
        if token == " ":
            piece = r"[\s\-]+"
        elif token == "-":
            piece = r"[\s\-]*"
        else:
            piece = re.escape(token)
        piece += _emit(node[token], token)
        if root and _WORD_CHAR.match(token):
            words.append(piece)
            continue
        if words:
            branches.append(_whole_words(words))
            words = []
        branches.append(piece)
    if words:
        branches.append(_whole_words(words))
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"


def _whole_words(pieces: list[str]) -> str:
    r"""Phrases that start a word, behind one ``\b``: where no word starts, a search then fails
    at once instead of trying each phrase (the same matches as ``\bone|\btwo``)."""
    return r"\b" + (pieces[0] if len(pieces) == 1 else "(?:" + "|".join(pieces) + ")")


# Where a cue can start: every run of letters and digits, and every other character but spaces.
_TOKEN = re.compile(r"\w+|[^\w \t\f\v]")
KEY_SIZE = 5  # a token is looked up by its first letters, in lower case: "wild" for "Wild-type"


# A compiled cue pattern, what it finds, and (for one matched against the text in lower case)
# the pattern compiled without case.
_Matcher = tuple[re.Pattern[str], Any, re.Pattern[str] | None]


class _Finder:
    """Every cue of a set of rules, found in one pass over a text's tokens.

    One regular expression per pattern (a pattern written by several rules is compiled once)
    and one for all the literal phrases (a trie). Scanning a text with one alternation of them
    all is slow in Python (about 1 ms for a criterion of 110 characters with the shipped
    rules: every branch is tried at every position), so each expression is indexed by the
    first letters a match can start with (read from the expression itself) and tried only at
    the tokens that start so.
    """

    def __init__(self, rules: Iterable[Rule]) -> None:
        literals: dict[str, list[Rule]] = {}
        patterns: dict[str, list[Rule]] = {}
        for rule in rules:
            if rule.pattern is not None:
                patterns.setdefault(rule.pattern, []).append(rule)
            else:
                assert rule.phrase is not None
                literals.setdefault(literal_key(rule.phrase), []).append(rule)
        sources: list[tuple[str, dict[str, list[Rule]] | list[Rule]]] = list(patterns.items())
        if literals:
            phrases = {r.phrase for group in literals.values() for r in group if r.phrase}
            sources.append((literal_regex(sorted(phrases)), literals))
        # key -> the expressions to try where a token starts with it (each with what it
        # finds and, for one matched against the text in lower case, the same expression
        # without case for a text that needs it)
        self.by_key: dict[str, list[_Matcher]] = {}
        self.everywhere: list[_Matcher] = []  # starts unknown: every token
        for source, found in sources:
            # A pattern of lower-case letters only is matched, with case, against the text in
            # lower case: the same matches, found faster (see :meth:`find`).
            without_case = re.compile(source, re.IGNORECASE)
            matcher: _Matcher
            if lower_case_only(source):
                matcher = (re.compile(source), found, without_case)
            else:
                matcher = (without_case, found, None)
            starts = match_starts(source)
            if starts is None:
                self.everywhere.append(matcher)
            for key in starts or ():
                self.by_key.setdefault(key, []).append(matcher)
        if self.everywhere:
            for key, matchers in self.by_key.items():
                self.by_key[key] = matchers + self.everywhere
        # The tokens worth a look, found in one pass in C (stepping through every token in
        # Python costs far more).
        self.keys = key_regex(self.by_key)

    def find(self, text: str) -> Iterator[tuple[int, int, Rule]]:
        by_key = self.by_key
        everywhere = self.everywhere
        lowered = text.lower()
        if len(lowered) != len(text):  # a letter whose lower case is longer: rare
            lowered = "".join(char if len(char.lower()) > 1 else char.lower() for char in text)
        # (A few letters outside ASCII match a-z without case, and not in lower case.)
        folding = not lowered.isascii() and any(c in lowered for c in FOLDING_TO_ASCII)
        tokens = _TOKEN.finditer(lowered) if everywhere else self.keys.finditer(lowered)
        for token in tokens:
            matchers = by_key.get(token.group()[:KEY_SIZE], everywhere)
            if not matchers:
                continue
            position = token.start()
            for regex, found, without_case in matchers:
                if without_case is None:
                    match = regex.match(text, position)
                elif folding:
                    match = without_case.match(text, position)
                else:
                    match = regex.match(lowered, position)
                if match is None or match.end() == position:
                    continue
                rules = found if isinstance(found, list) else found.get(literal_key(match.group()))
                for rule in rules or ():
                    yield position, match.end(), rule


def lower_case_only(source: str) -> bool:
    """Whether every letter of the pattern ``source`` is in lower case (a letter after a
    backslash is not one: "\\S"), with no flags of its own: matched without case against a
    text in lower case, it matches as it does against the text with ``re.IGNORECASE``."""
    if "(?" in source and re.search(r"\(\?[a-zA-Z-]*[imsxauL]", source):
        return False
    plain = re.sub(r"\\.", "", source)
    return plain == plain.lower() and not any(c in plain for c in FOLDING_TO_ASCII)


def key_regex(keys: Iterable[str]) -> re.Pattern[str]:
    """Where a token starting with one of ``keys`` is, in a lower-cased text: a word token by its
    first ``KEY_SIZE`` letters (or whole when shorter), a sign by itself.

    The word keys are written as a trie ("pr(?:e|i|o)"): an alternation of a hundred and more
    keys tried one by one at every word would cost more than all the cues looked for after it.
    """
    keys = set(keys)
    trie: dict[str, Any] = {}
    for key in keys:
        if _WORD_CHAR.match(key):
            node = trie
            for char in key:
                node = node.setdefault(char, {})
            node[""] = len(key) < KEY_SIZE  # True: a shorter key is a whole token
    signs = [re.escape(k) for k in sorted(keys) if not _WORD_CHAR.match(k)]
    alternatives = []
    if trie:
        alternatives.append(r"(?<!\w)" + _key_trie(trie))
    if signs:
        alternatives.append(f"[{''.join(signs)}]")
    return re.compile("|".join(alternatives) or "(?!)")


def _key_trie(node: dict[str, Any]) -> str:
    """A trie of :func:`key_regex`: the longer keys first, as in an alternation sorted by length;
    a key of ``KEY_SIZE`` letters starts a token, a shorter one is the whole token."""
    branches = [re.escape(char) + _key_trie(node[char]) for char in sorted(node) if char]
    if "" in node:
        branches.append(r"(?!\w)" if node[""] else "")
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def match_starts(source: str) -> frozenset[str] | None:
    """The keys of the tokens a match of ``source`` can start with: the first ``KEY_SIZE``
    letters in lower case (the whole token when it is shorter; a character for others than
    letters and digits). ``None`` when this cannot be read from the expression, which is then
    tried at every token."""
    try:
        found = _expand({("", False)}, list(_sre_parse.parse(source)), KEY_SIZE)
    except Exception:  # an expression this reading does not know (or _SpaceFirst): everywhere
        return None
    # A token read only in part ("ab" then anything) cannot be looked up by its first letters.
    if found is None or any(not key or not done for key, done in found) or len(found) > 2000:
        return None
    return frozenset(key for key, _ in found)


def _expand(
    states: set[tuple[str, bool]], items: list[Any], k: int
) -> set[tuple[str, bool]] | None:
    """What ``items`` (parsed regular expression) add to the starts read so far. A state is
    (letters, finished): finished once ``k`` letters are read or the token has ended."""
    for op, value in items:
        growing = {text for text, finished in states if not finished}
        if not growing:
            break
        step = _step(growing, op, value, k)
        if step is None:
            return None
        states = {state for state in states if state[1]} | step
    return states


def _step(growing: set[str], op: Any, value: Any, k: int) -> set[tuple[str, bool]] | None:
    c = _sre_constants
    unfinished = {(text, False) for text in growing}
    if op is c.LITERAL:
        return _add(growing, [chr(value)], k)
    if op is c.IN:
        if value == [(c.CATEGORY, c.CATEGORY_NOT_WORD)] and all(growing):
            # A sign or a space (\W) after letters: the token ended, whichever it is.
            return {(text, True) for text in growing}
        chars = _charset(value)
        return None if chars is None else _add(growing, chars, k)
    if op is c.BRANCH:
        result: set[tuple[str, bool]] = set()
        for branch in value[1]:
            found = _expand(unfinished, list(branch), k)
            if found is None:
                return None
            result |= found
        return result
    if op is c.SUBPATTERN:
        return _expand(unfinished, list(value[-1]), k)
    if op is getattr(c, "ATOMIC_GROUP", None):
        return _expand(unfinished, list(value), k)
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
        low, high, repeated = value
        result = set(unfinished) if low == 0 else set()
        current = unfinished
        for count in range(1, min(high, k + 1) + 1):
            expanded = _expand(current, list(repeated), k)
            if expanded is None:
                return None
            current = expanded
            if count >= low or count == k + 1:
                result |= current
            if all(finished for _, finished in current):
                break
        return result
    if op is c.AT:
        # A word boundary after letters ends the token; other anchors take no room.
        if value is c.AT_BOUNDARY:
            return {(text, bool(text)) for text in growing}
        return unfinished
    if op in (c.ASSERT, c.ASSERT_NOT):
        return unfinished
    return None


def _add(growing: set[str], chars: list[str], k: int) -> set[tuple[str, bool]] | None:
    result = set()
    for char in chars:
        for lower in {char.lower(), char.upper().lower()}:
            word = lower.isalnum() or lower == "_"
            for text in growing:
                if word:
                    longer = text + lower
                    result.add((longer, len(longer) >= k))
                elif text:
                    result.add((text, True))  # the token ended
                elif lower.isspace() and lower not in "\n\r":
                    raise _SpaceFirst  # no token starts with a space: it would never match
                else:
                    result.add((lower, True))
    return result


class _SpaceFirst(Exception):
    """An expression whose match can start with a space."""


def starts_with_space(source: str) -> bool:
    """Whether a match of ``source`` can start with a space (where no cue is looked for)."""
    try:
        _expand({("", False)}, list(_sre_parse.parse(source)), KEY_SIZE)
    except _SpaceFirst:
        return True
    except Exception:
        return False
    return False


def _charset(items: list[Any]) -> list[str] | None:
    c = _sre_constants
    chars: list[str] = []
    for op, value in items:
        if op is c.LITERAL:
            chars.append(chr(value))
        elif op is c.RANGE and value[1] - value[0] <= 200:
            chars.extend(map(chr, range(value[0], value[1] + 1)))
        elif op is c.CATEGORY and value is c.CATEGORY_SPACE:
            chars.extend(" \n\r")
        elif op is c.CATEGORY and value is c.CATEGORY_DIGIT:
            chars.extend("0123456789")
        else:
            return None
    return chars


# -- the rules ------------------------------------------------------------------------------


class Rules:
    """A checked set of rules, compiled: find the cues of a text and what they cover."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules: tuple[Rule, ...] = tuple(rules)
        self._finder = _Finder(self.rules)
        self._stops = {
            rule.number: re.compile(literal_regex(rule.stopped_by), re.IGNORECASE)
            for rule in self.rules
            if rule.stopped_by
        }
        self._cached_context = lru_cache(maxsize=CACHED_TEXTS)(self.context)
        # The terminators of every scope that are signs (";", a full stop, a new line): no cue
        # reaches across them, so a target can be read in its clause alone (much faster in a
        # long text than finding every cue of it).
        signs = [
            rule.pattern
            for rule in self.rules
            if rule.direction == "terminate"
            and rule.categories == _EVERY_CATEGORY
            and rule.ends == "both"
            and rule.pattern is not None
            and _starts_with_signs(rule.pattern)
        ]
        self._signs = re.compile("|".join(f"(?:{p})" for p in signs) or "(?!)", re.IGNORECASE)
        self._sign_chars = sorted({key for p in signs for key in match_starts(p) or ()})
        # Any of those characters, found in one pass (the signs are then checked one by one).
        chars = "".join(map(re.escape, self._sign_chars))
        self._sign_char = re.compile(f"[{chars}]" if chars else "(?!)")

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def without(self, rule: Rule) -> Rules:
        """These rules less ``rule`` (to show what a terminator or pseudo phrase changes)."""
        return Rules(r for r in self.rules if r is not rule)

    def context(self, text: str) -> Context:
        return Context(text, self)

    def modifiers(self, text: str) -> list[Modifier]:
        return self._cached_context(text).modifiers

    def effects(self, text: str, start: int, end: int) -> frozenset[str]:
        return self._cached_context(text).effects(start, end)

    def covering(self, text: str, start: int, end: int) -> list[Modifier]:
        return self._cached_context(text).covering(start, end)

    def clause(self, text: str, start: int, end: int) -> tuple[int, int]:
        """Where the clause around ``text[start:end]`` starts and ends: the cues that apply to
        the target are those of ``text[low:high]`` (ask about ``start - low``, ``end - low``)."""
        # The characters a sign starts with are found in one pass each way, then each is
        # checked against its rule; a character not written before the target needs no look.
        low, high = 0, len(text)
        written = set(self._sign_char.findall(text, 0, start)) if start else ()
        for char in self._sign_chars:
            if char not in written:
                continue
            position = text.rfind(char, low, start)
            while position >= 0:
                sign = self._signs.match(text, position)
                if sign is not None and sign.end() <= start:
                    low = max(low, sign.end())
                    break
                position = text.rfind(char, low, position)
        for candidate in self._sign_char.finditer(text, end):
            if self._signs.match(text, candidate.start()) is not None:
                high = candidate.start()  # the first sign after the target
                break
        return low, high

    def may_start_cue(self, text: str, start: int, end: int) -> bool:
        """Whether a cue may start in ``text[start:end]``: a token there starts as one does
        (every cue starts with such a token; its text lower-cased, as :meth:`_find` reads it)."""
        finder = self._finder
        if finder.everywhere:
            return True
        before = max(0, start - 1)  # (the character before says whether a word starts)
        piece = text[before:end]
        lowered = piece.lower()
        if len(lowered) != len(piece):
            return True
        return finder.keys.search(lowered, start - before) is not None

    def clear_cache(self) -> None:
        self._cached_context.cache_clear()

    # The work of Context, kept here with the compiled rules it uses.
    def _find(
        self, text: str
    ) -> tuple[list[tuple[int, int, Rule]], list[tuple[int, int, Rule]], list[int]]:
        """The cues of ``text``: (triggers, in text order; terminators, then pseudo phrases;
        where the clauses end)."""
        triggers: list[tuple[int, int, Rule]] = []
        terminators: list[tuple[int, int, Rule]] = []
        pseudo: list[tuple[int, int, Rule]] = []
        for found in self._finder.find(text):
            direction = found[2].direction
            if direction == "terminate":
                terminators.append(found)
            elif direction == "pseudo":
                pseudo.append(found)
            else:
                triggers.append(found)
        if pseudo:
            terminators = [m for m in terminators if not _cancelled(m, pseudo)]
            triggers = [m for m in triggers if not _cancelled(m, pseudo)]
        if not triggers:
            return [], terminators + pseudo, []
        triggers = _outermost(triggers)
        terminators.sort(key=lambda m: m[:2])
        clause_ends = sorted(
            e for _, e, r in terminators if r.ends == "both" and r.categories == _EVERY_CATEGORY
        )
        return triggers, terminators + pseudo, clause_ends

    def _bounds(
        self,
        text: str,
        triggers: list[tuple[int, int, Rule]],
        terminators: Iterable[tuple[int, int, Rule]],
    ) -> tuple[dict[str, tuple[list[int], list[int]]], list[tuple[int, int]]]:
        """What ends the triggers' scopes: for each of their categories, where its scope ends
        looking forward (starts of the terminators that stop it) and backward (their ends), in
        text order; and the asides in parentheses."""
        stops: dict[str, tuple[list[int], list[int]]] = {}
        for category in {rule.category for _, _, rule in triggers if rule.category}:
            mine = [
                (s, e, r.ends)
                for s, e, r in terminators
                if r.direction == "terminate" and category in r.categories
            ]
            stops[category] = (
                [s for s, _, ends in mine if ends != "backward"],
                sorted(e for _, e, ends in mine if ends != "forward"),
            )
        asides = _parentheses(text) if "(" in text else []
        return stops, asides

    def _modifier(
        self,
        text: str,
        start: int,
        end: int,
        rule: Rule,
        stops: dict[str, tuple[list[int], list[int]]],
        asides: list[tuple[int, int]],
    ) -> Modifier:
        assert rule.category is not None
        low, high = start, end
        if rule.scope != 0:
            # A cue inside parentheses says nothing of what is outside them.
            opening, closing = -1, len(text)
            for left, right in asides:
                if opening < left < start and end <= right:
                    opening, closing = left, right
            starts, ends = stops[rule.category]
            stop = self._stops.get(rule.number)
            if rule.direction in ("forward", "both"):
                index = bisect_left(starts, end)
                high = starts[index] if index < len(starts) else len(text)
                high = min(high, closing)
                if stop is not None:
                    match = stop.search(text, end, high)
                    if match:
                        high = match.start()
                if rule.scope is not None:
                    high = min(high, _words_after(text, end, high, rule.scope))
            if rule.direction in ("backward", "both"):
                index = bisect_right(ends, start)
                low = ends[index - 1] if index else 0
                low = max(low, opening + 1)
                if stop is not None:
                    stops_before = [m.end() for m in stop.finditer(text, low, start)]
                    if stops_before:
                        low = stops_before[-1]
                if rule.scope is not None:
                    low = max(low, _words_before(text, low, start, rule.scope))
        span = (start, end)
        return Modifier(rule.category, rule.direction, span, text[start:end], rule, (low, high))


def _starts_with_signs(pattern: str) -> bool:
    """Whether every match of ``pattern`` starts with a sign (not a letter or digit)."""
    starts = match_starts(pattern)
    return bool(starts) and all(not _WORD_CHAR.match(key) for key in starts or ())


def _parentheses(text: str) -> list[tuple[int, int]]:
    """Where each closed pair of parentheses opens and closes (a lone one is ignored)."""
    pairs = []
    opened: list[int] = []
    for mark in _PARENTHESIS.finditer(text):
        if mark.group() == "(":
            opened.append(mark.start())
        elif opened:
            pairs.append((opened.pop(), mark.start()))
    return pairs


def _cancelled(match: tuple[int, int, Rule], pseudo: list[tuple[int, int, Rule]]) -> bool:
    """Whether a pseudo phrase holds this cue and stops one of its categories."""
    start, end, rule = match
    return any(s <= start and end <= e and rule.categories & r.categories for s, e, r in pseudo)


def _outermost(found: list[tuple[int, int, Rule]]) -> list[tuple[int, int, Rule]]:
    """The cues not inside a longer one (cues with the same span are all kept)."""
    # The usual case: each cue ends before the next one (as found, in text order) starts, so
    # none is inside another and the order is already the one sorted below.
    if all(before[1] <= after[0] for before, after in pairwise(found)):
        return found
    found = sorted(found, key=lambda m: (m[0], -m[1]))
    kept = []
    reach = -1  # the furthest end of the cues seen so far with another span
    index = 0
    while index < len(found):
        start, end = found[index][:2]
        group_end = index
        while group_end < len(found) and found[group_end][:2] == (start, end):
            group_end += 1
        if end > reach:
            kept.extend(found[index:group_end])
        reach = max(reach, end)
        index = group_end
    return kept


def _words_after(text: str, position: int, limit: int, count: int) -> int:
    """Where the ``count``-th word after ``position`` ends (``limit`` at most)."""
    if count < 1:
        return limit
    words = _words(count).match(text, position, limit)
    return words.end() if words is not None else limit


@cache
def _words(count: int) -> re.Pattern[str]:
    r"""``count`` words from where a match starts, each whole (``\b``: ``\w+`` cannot stop
    inside a word, so each turn takes one word as :data:`_WORD` finds it): one call in C
    instead of stepping through the words in Python."""
    return re.compile(rf"(?:\W*\w+\b){{{count}}}")


def _words_before(text: str, limit: int, position: int, count: int) -> int:
    """Where the ``count``-th word before ``position`` starts (``limit`` at least)."""
    # Words are short: look back a little first, then as far as the clause goes.
    for window in (max(limit, position - 16 * count), limit):
        words = [w.start() for w in _WORD.finditer(text, window, position)]
        # A window that starts inside a word counts a piece of it: trust it only with a spare.
        if len(words) > count or (len(words) == count and window == limit):
            return words[-count]
        if window == limit:
            break
    return limit


class Context:
    """The cues of one text, found once; ask what covers each target in it.

    A trigger's reach is worked out when a target first needs it: a forward cue after the
    target, or a backward one before it, cannot cover it whatever its reach (a target is mostly
    asked about once)."""

    def __init__(self, text: str, rules: Rules | None = None) -> None:
        self.text = text
        self.rules = rules if rules is not None else _shipped()
        self._cues, self._others, self._clause_ends = self.rules._find(text)
        self._modifiers: list[Modifier | None] = [None] * len(self._cues)
        # (what ends each category's scopes, the asides): read when a reach is first needed
        self._ends: tuple[dict[str, tuple[list[int], list[int]]], list[tuple[int, int]]] | None
        self._ends = None
        # Cues grouped by clause (the stretches between terminators of every category): a
        # target is checked only against the cues whose reach meets its clause.
        self._by_clause: dict[int, list[int]] = {}
        if not self._clause_ends:  # one clause (the usual case in a clause of a longer text)
            if self._cues:
                self._by_clause[0] = list(range(len(self._cues)))
            return
        for index in range(len(self._cues)):
            low, high = self._modifier(index).reach
            for clause in range(self._clause(low), self._clause(high) + 1):
                self._by_clause.setdefault(clause, []).append(index)

    @property
    def triggers(self) -> list[Modifier]:
        """The triggers found (after pseudo phrases), in text order, each with its reach."""
        return [self._modifier(index) for index in range(len(self._cues))]

    @property
    def modifiers(self) -> list[Modifier]:
        """Every cue found (after pseudo phrases), terminators and pseudo phrases included, in
        text order."""
        others = [
            Modifier(rule.direction.upper(), rule.direction, (s, e), self.text[s:e], rule, (s, e))
            for s, e, rule in self._others
        ]
        return sorted(self.triggers + others, key=lambda m: m.span)

    def _modifier(self, index: int) -> Modifier:
        """The trigger ``index`` with its reach (worked out once)."""
        modifier = self._modifiers[index]
        if modifier is None:
            if self._ends is None:
                self._ends = self.rules._bounds(self.text, self._cues, self._others)
            start, end, rule = self._cues[index]
            modifier = self.rules._modifier(self.text, start, end, rule, *self._ends)
            self._modifiers[index] = modifier
        return modifier

    def _covering(self, indexes: Iterable[int], start: int, end: int) -> Iterator[Modifier]:
        """The triggers among ``indexes`` that cover ``text[start:end]``."""
        cues = self._cues
        for index in indexes:
            first, last, rule = cues[index]
            # A backward cue reaches no further than its own end, a forward one starts at its
            # own start (:meth:`Modifier.covers`): no reach to work out for a target beyond.
            if start >= last and rule.direction == "backward":
                continue
            if end <= first and rule.direction == "forward":
                continue
            modifier = self._modifier(index)
            if modifier.covers(start, end):
                yield modifier

    def _clause(self, position: int) -> int:
        return bisect_right(self._clause_ends, position)

    def covering(self, start: int, end: int) -> list[Modifier]:
        """The cues that apply to ``text[start:end]``, in text order."""
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span {start}:{end} is outside a text of {len(self.text)} characters")
        first, last = self._clause(start), self._clause(end)
        candidates = self._by_clause.get(first, [])
        if last != first:
            seen = set(candidates)
            for clause in range(first + 1, last + 1):
                extra = [i for i in self._by_clause.get(clause, []) if i not in seen]
                candidates = candidates + extra
                seen.update(extra)
        return list(self._covering(candidates, start, end))

    def effects(self, start: int, end: int) -> frozenset[str]:
        """The categories whose cues cover ``text[start:end]``."""
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span {start}:{end} is outside a text of {len(self.text)} characters")
        first = self._clause(start)
        if self._clause(end) != first:
            return frozenset(m.category for m in self.covering(start, end))
        candidates = self._by_clause.get(first)
        if not candidates:
            return _NOTHING
        return frozenset(m.category for m in self._covering(candidates, start, end))


# -- reading and checking the file ----------------------------------------------------------


@cache
def rules() -> Rules:
    """The shipped rules (``trialfinder/data/context.toml``), read and checked once."""
    return parse_rules(data_text(DATA_FILE), DATA_FILE)


def _shipped() -> Rules:
    return rules()


def modifiers(text: str) -> list[Modifier]:
    """Every cue of the shipped rules found in ``text`` (after pseudo phrases), in text order."""
    return rules().modifiers(text)


def effects(text: str, start: int, end: int) -> frozenset[str]:
    """The categories whose cues cover ``text[start:end]`` (shipped rules)."""
    return rules().effects(text, start, end)


def clause_effects(text: str, start: int, end: int) -> frozenset[str]:
    """The same as :func:`effects`, finding the cues of the target's clause only (fast in a long
    text; the clauses of the last few hundred texts are remembered)."""
    shipped = rules()
    low, high = shipped.clause(text, start, end)
    return shipped.effects(text[low:high], start - low, end - low)


def clause_covering(text: str, start: int, end: int) -> list[Modifier]:
    """The cues of the shipped rules that cover ``text[start:end]``, found in its clause (their
    spans count from the clause's start)."""
    shipped = rules()
    low, high = shipped.clause(text, start, end)
    return shipped.covering(text[low:high], start - low, end - low)


def covering_after(text: str, start: int, end: int) -> tuple[int, list[Modifier]]:
    """(where the clause of ``text[start:end]`` starts, the cues of :func:`clause_covering`
    that start after the target, spans counting from the clause's start). A clause with no
    word a cue may start with after the target has none: it is not read further."""
    shipped = rules()
    low, high = shipped.clause(text, start, end)
    if not shipped.may_start_cue(text, end, high):
        return low, []
    found = shipped.covering(text[low:high], start - low, end - low)
    return low, [m for m in found if m.span[0] + low >= end]


def load_rules(path: str | Path) -> Rules:
    """Read and check a rules file; :class:`InvalidRules` lists every problem in it."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read context rules {str(path)!r}: {exc}") from None
    return parse_rules(text, path)


def parse_rules(text: str, file: str | Path = "<rules>") -> Rules:
    """Check and compile rules written as TOML; :class:`InvalidRules` lists every problem."""
    hint = "see the header of trialfinder/data/context.toml for how rules are written"
    data = parse_toml(text, file, hint, error=InvalidRules)
    checker = Checker(KeyLines(text))
    checker.unknown_keys(data, (), ("rule",))
    tables = checker.tables(data, "rule")
    if not tables and "rule" not in data:
        checker.problem((), "no rules: write each one as a [[rule]] table")
    read = [_read_rule(table, index, checker) for index, table in enumerate(tables)]
    found = [rule for rule in read if rule is not None]
    _check_repeats(found, checker)
    if checker.problems:
        raise InvalidRules(file, checker.sorted_problems(), hint)
    return Rules(found)


def _read_rule(table: dict[str, Any], index: int, c: Checker) -> Rule | None:
    path = ("rule", index)
    before = len(c.problems)
    c.unknown_keys(table, path, RULE_KEYS)
    direction = c.choice(
        table, path, "direction", DIRECTIONS, "a direction", required=True, default=None
    )
    trigger = direction in TRIGGERS
    phrase = c.get(table, path, "phrase", str, "a phrase")
    pattern = c.get(table, path, "pattern", str, "a regular expression")
    if "phrase" not in table and "pattern" not in table:
        c.problem(path, "the key 'phrase' is missing (or 'pattern', for a regular expression)")
    elif "phrase" in table and "pattern" in table:
        c.problem((*path, "pattern"), "write 'phrase' or 'pattern', not both")
    if phrase is not None and not phrase.strip():
        c.problem((*path, "phrase"), "the phrase is empty")
    if pattern is not None:
        _check_pattern(pattern, (*path, "pattern"), c)

    category, categories = _read_category(table, path, trigger, c, direction is not None)
    scope = c.get(table, path, "scope", int, "a number of words")
    if scope is not None:
        if not trigger and direction is not None:
            c.problem((*path, "scope"), f"a {direction} rule has no scope")
        elif scope < 0:
            c.problem((*path, "scope"), "cannot be negative (0: only a target inside the phrase)")
    stopped_by = c.strings(table, path, "stopped_by", "a list of phrases") or ()
    if stopped_by and not trigger and direction is not None:
        c.problem((*path, "stopped_by"), f"a {direction} rule has no scope to stop")
    ends = c.choice(table, path, "ends", TRIGGERS, "a direction", default="both") or "both"
    if "ends" in table and direction not in ("terminate", None):
        c.problem((*path, "ends"), "only a terminate rule ends scopes")
    note = c.get(table, path, "note", str, "text", default="")
    examples = _read_examples(table, path, "examples", c)
    counter = _read_examples(table, path, "counter_examples", c)
    if len(c.problems) > before or direction is None:
        return None
    return Rule(
        number=index + 1,
        line=c.key_lines.line(path),
        phrase=phrase.strip() if phrase is not None else None,
        pattern=pattern,
        category=category,
        categories=categories,
        direction=direction,
        scope=scope,
        stopped_by=stopped_by,
        ends=ends,
        note=note,
        examples=examples,
        counter_examples=counter,
    )


def _check_pattern(pattern: str, path: KeyPath, c: Checker) -> None:
    try:
        # Compiled as it will be, inside an alternation: a flag in the middle is an error there.
        compiled = re.compile(f"x|(?:{pattern})", re.IGNORECASE)
    except re.error as exc:
        c.problem(path, f"the regular expression does not compile: {exc}")
        return
    if compiled.groupindex or re.search(r"\\[1-9]|\(\?P=", pattern):
        c.problem(path, "named groups and back-references are not allowed; use (?:...)")
    elif re.fullmatch(f"(?:{pattern})", "", re.IGNORECASE) is not None:
        c.problem(path, "the regular expression matches empty text")
    elif starts_with_space(pattern):
        c.problem(
            path,
            "a cue is looked for where a word or a sign starts, never at a space: "
            "write (?<=\\s) for a space before it",
        )


def _read_category(
    table: dict[str, Any], path: KeyPath, trigger: bool, c: Checker, known_direction: bool
) -> tuple[str | None, frozenset[str]]:
    if trigger or not known_direction:
        category = c.choice(table, path, "category", CATEGORIES, "a category", required=trigger)
        return category, frozenset([category] if category else ())
    # A terminator or pseudo phrase: the categories it stops, every one when none is named.
    names = c.strings(table, path, "category", "a category or a list of them")
    if not names:
        return None, frozenset(CATEGORIES)
    for name in names:
        if name not in CATEGORIES:
            c.choice({"category": name}, path, "category", CATEGORIES, "a category")
    return (names[0] if len(names) == 1 else None), frozenset(names)


def _read_examples(table: dict[str, Any], path: KeyPath, key: str, c: Checker) -> tuple[str, ...]:
    value = c.get(table, path, key, list, "a list of texts, each with a {target}")
    if value is None:
        return ()
    examples = []
    for number, example in enumerate(value):
        where = (*path, key, number)
        if not isinstance(example, str):
            c.problem(where, f"expected a text with a {{target}}, got {example!r}")
            continue
        line = c.key_lines.find((*path, key), example[:40].split("{")[0] or example[:40])
        targets = _TARGET.findall(example)
        if not targets:
            c.problem(where, "no target: mark it in braces, as in 'no {EGFR} mutation'", line)
        elif len(targets) > 1:
            c.problem(where, "mark one target only (in braces)", line)
        elif not targets[0].strip():
            c.problem(where, "the target in braces is empty", line)
        else:
            examples.append(example)
    return tuple(examples)


def _check_repeats(found: list[Rule], c: Checker) -> None:
    seen: dict[tuple[Any, ...], Rule] = {}
    for rule in found:
        cue = literal_key(rule.phrase) if rule.phrase is not None else rule.pattern
        key = (cue, rule.direction, rule.categories, rule.scope)
        if key in seen:
            c.problem(("rule", rule.number - 1), f"repeats rule[{seen[key].number}]")
        seen.setdefault(key, rule)
