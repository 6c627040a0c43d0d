"""Drug classes: which drugs a class named in eligibility criteria covers, and which drugs and
classes a text names.

The classes are data (``data/drug_classes.toml``): each has the phrases that name it ("prior
BCMA-directed therapy"), its member drugs by generic name, and optionally name stems, included
classes and a lexicon category. The file is checked when it is read; a problem (an unknown key,
a member written by its brand or code name, an unknown included class, a phrase given to two
classes) is a :class:`~trialfinder.errors.ConfigError` naming the file and line.

Drug names resolve through the lexicon (``data/lexicon.toml``): "Revlimid" and "CC-5013" are
lenalidomide. The patient prescreen asks :func:`drug_matches`; the requirements ask
:func:`find_drugs`.
"""

from __future__ import annotations

import re
import string
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache
from itertools import accumulate, compress, count, product
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

from trialfinder.knowledge import data_text
from trialfinder.tagging.lexicon import STEM_PRIORITY, knowledge
from trialfinder.tagging.text import lower, name_key, split_words
from trialfinder.tagging.treatments import find_terms
from trialfinder.validation import (
    TEXT,
    Checker,
    Choice,
    ListOf,
    Names,
    Table,
    Text,
    check_shape,
    did_you_mean,
    parse_toml,
)

DATA_FILE = "drug_classes.toml"
LIST_KEYS = ("phrases", "abbreviations", "members", "stems", "includes")
KEYS = (*LIST_KEYS, "category", "said")
# Lexicon categories whose names are drugs (not radiation, surgery or transplants).
DRUG_CATEGORIES = frozenset(
    {"car-t", "immunotherapy", "targeted-therapy", "hormone-therapy", "chemotherapy"}
)


@dataclass(frozen=True)
class DrugClass:
    """One class, with the drugs of the classes it includes folded in."""

    name: str
    phrases: tuple[str, ...]
    abbreviations: tuple[str, ...]
    members: frozenset[str]  # name_key of each generic name
    member_names: tuple[str, ...]  # the members as the data file writes them
    stems: tuple[str, ...]
    categories: frozenset[str]
    included: frozenset[str]  # the names of this class and of every class it includes
    said: str = ""  # how a sentence names it ("a proteasome inhibitor"); "" for the name

    def covers(self, drug: str) -> bool:
        """Whether the drug ``drug`` (any name) is in this class."""
        generic = generic_name(drug)
        if name_key(generic) in self.members:
            return True
        if self.stems and any(word.endswith(self.stems) for word in generic.split()):
            return True
        if self.categories:
            return any(
                hit.category in self.categories and not hit.generic
                for hit in find_terms(generic, True)
            )
        return False


class Mention(NamedTuple):
    """A drug or a class named in a text: its value (class name or generic name) and where."""

    value: str
    start: int
    end: int
    is_class: bool


class DrugClasses:
    """The classes of the data file, and an index of the words that name them and their drugs."""

    def __init__(self, classes: dict[str, DrugClass]) -> None:
        self.classes = classes
        self._by_key: dict[str, DrugClass] = {}
        self._exact: dict[str, DrugClass] = {}
        # first word -> the phrases and members that start with it, longest first
        self._index: dict[str, list[_Entry]] = {}
        for drug_class in classes.values():
            self._by_key[name_key(drug_class.name)] = drug_class
            for phrase in drug_class.phrases:
                self._by_key.setdefault(name_key(phrase), drug_class)
                self._add(phrase, True, drug_class.name)
            for abbreviation in drug_class.abbreviations:
                self._exact[abbreviation] = drug_class
        for drug_class in classes.values():
            for member in drug_class.member_names:
                self._add(member, False, generic_name(member))
        for entries in self._index.values():
            entries.sort(key=lambda entry: -len(entry.words))
        # The last word of a class phrase of several words, in any of its forms ("inhibitors")
        # -> the last of the words before it -> (those words, the class), longest first:
        # "AKT, PI3K or mTOR inhibitors" names three.
        self._shared_last: dict[str, dict[str, list[tuple[tuple[str, ...], str]]]] = {}
        for entries in self._index.values():
            for entry in entries:
                if entry.is_class and entry.head:
                    for form in entry.lasts:
                        by_end = self._shared_last.setdefault(form, {})
                        heads = by_end.setdefault(entry.head[-1], [])
                        if all(head != tuple(entry.head) for head, _ in heads):
                            heads.append((tuple(entry.head), entry.value))
        for by_end in self._shared_last.values():
            for heads in by_end.values():
                heads.sort(key=lambda head: -len(head[0]))
        # The words a mention can start with, plurals of one-word names and short forms included.
        plurals = {
            entry.words[0] + suffix
            for entries in self._index.values()
            for entry in entries
            if len(entry.words) == 1
            for suffix in ("s", "es", "ies")
        }
        plurals |= {
            entry.words[0][:-1] + "ies"
            for entries in self._index.values()
            for entry in entries
            if len(entry.words) == 1
        }
        exact = {a.lower() for a in self._exact} | {a.lower() + "s" for a in self._exact}
        self._starts = frozenset(self._index) | plurals | exact
        # The entries a mention starting with each of these words may be, longest first.
        self._entries_at = {word: self._entries_starting(word) for word in self._starts}
        # The longest word of each phrase and member, as split_words cuts it, in each form a
        # mention may write it (a last word in the plural too: "prior taxanes"): every mention
        # of one holds it, so a text without any of them names none (a quick test).
        # (A one-letter word tells nothing: "S-1" is only found beside another telling word.)
        self.key_words = frozenset(
            form
            for phrase in (*self._phrases(), *self._exact)
            if (words := split_words(phrase.lower())[0]) and len(key := _key_word(words)) > 1
            for form in (_last_forms(key) if key == words[-1] else (key,))
        )
        self.stems = tuple(sorted({stem for c in classes.values() for stem in c.stems}))

    def _phrases(self) -> list[str]:
        return [p for c in self.classes.values() for p in (*c.phrases, *c.member_names)]

    def _add(self, phrase: str, is_class: bool, value: str) -> None:
        words = tuple(word.lower() for word in _WORDS.findall(phrase))
        if words and all(entry.words != words for entry in self._index.get(words[0], ())):
            entry = _Entry(words, list(words[:-1]), _last_forms(words[-1]), is_class, value)
            self._index.setdefault(words[0], []).append(entry)

    def get(self, name: str) -> DrugClass | None:
        """The class named ``name`` (its name, a phrase or an abbreviation), or None."""
        return self._exact.get(name.strip()) or self._by_key.get(name_key(name))

    def said(self, value: str) -> str:
        """``value`` as a sentence names it: a class by its ``said`` ("a proteasome inhibitor",
        "a gastrectomy (...)"), anything else (a drug's name) as written."""
        found = self.get(value)
        return found.said if found is not None and found.said else value

    def mentions(self, text: str) -> list[Mention]:
        """The classes and member drugs named in ``text``, leftmost-longest, in order."""
        low = lower(text)
        pieces = _LOW_WORD_PIECES.split(low)  # what is between the words, and each word, in turn
        words = pieces[1::2]
        # Where a mention may start: picked out in C, for most words start none.
        starts = list(compress(count(), map(self._starts.__contains__, words)))
        if not starts:
            return []
        # Where each piece ends: word i is low[edges[2 * i] : edges[2 * i + 1]].
        edges = list(accumulate(map(len, pieces)))
        found: list[Mention] = []
        following = 0  # the first word after the last mention
        for i in starts:
            if i < following:
                continue
            size, mention = self._match_at(text, edges, words, i)
            if mention is not None:
                if mention.is_class and size > 1 and i > 1:
                    found += self._sharing_the_last_word(pieces, edges, i, words[i + size - 1])
                found.append(mention)
            following = i + size
        return found

    def _sharing_the_last_word(
        self, pieces: list[str], edges: list[int], i: int, last: str
    ) -> list[Mention]:
        """The classes listed before the one at word ``i`` that leave out its last word, in
        order ("AKT, PI3K or mTOR inhibitors": AKT and PI3K inhibitors). Each stands after a
        comma or "or", "and", "and/or", and is the start of a phrase of a class."""
        by_end = self._shared_last.get(last)
        if not by_end:
            return []
        words = pieces[1::2]
        found: list[Mention] = []
        first = i  # the first word of the list read so far
        while True:
            k = first - 1
            joined = False
            while k >= 0 and words[k] in _LIST_WORDS:
                joined, k = True, k - 1
            between = "".join(pieces[2 * k + 2 : 2 * first + 1 : 2]) if k >= 0 else ""
            if k < 0 or _LIST_MARKS.fullmatch(between) is None or not (joined or "," in between):
                return found[::-1]
            for head, value in by_end.get(words[k], ()):
                start = k - len(head) + 1
                if start >= 0 and tuple(words[start : k + 1]) == head:
                    found.append(Mention(value, edges[2 * start], edges[2 * k + 1], True))
                    first = start
                    break
            else:
                return found[::-1]

    def _entries_starting(self, word: str) -> tuple[_Entry, ...]:
        """The entries of the index a mention starting with ``word`` may be, longest first."""
        candidates = self._index.get(word, [])
        plural = [  # a one-word phrase in the plural ("taxanes")
            entry
            for suffix in ("s", "es")
            if word.endswith(suffix) and len(word) > len(suffix) + 2
            for entry in self._index.get(word[: -len(suffix)], ())
            if len(entry.words) == 1
        ]
        if plural:  # (each list of the index is in order already, longest first)
            candidates = sorted([*candidates, *plural], key=lambda entry: -len(entry.words))
        return tuple(candidates)

    def _match_at(
        self, text: str, edges: list[int], lowered: list[str], i: int
    ) -> tuple[int, Mention | None]:
        """(words taken, the mention) at word ``i``, one of the words a mention starts with
        (``edges``: where each piece of :meth:`mentions` ends)."""
        for entry in self._entries_at[lowered[i]]:
            size = len(entry.words)
            last = i + size - 1
            if last >= len(lowered) or lowered[last] not in entry.lasts:
                continue
            if size > 1 and lowered[i:last] != entry.head:
                continue
            start, end = edges[2 * i], edges[2 * last + 1]
            if _whole(text, start, end) and _no_other_letters(text, start, end):
                return size, Mention(entry.value, start, end, entry.is_class)
        start, end = edges[2 * i], edges[2 * i + 1]
        written = text[start:end]
        exact = self._exact.get(written) or (
            self._exact.get(written[:-1]) if written.endswith("s") else None
        )
        if exact is not None and _whole(text, start, end):
            return 1, Mention(exact.name, start, end, True)
        return 1, None


_WORDS = re.compile(r"[A-Za-z]+|\d+")
# What may stand between the items of a list: the words "or", "and", "and/or"; commas and spaces.
_LIST_WORDS = frozenset({"or", "and"})
_LIST_MARKS = re.compile(r"[\s,/]*")
# The words of a text in lower case, kept by :meth:`re.Pattern.split` between what separates them.
_LOW_WORD_PIECES = re.compile(r"([a-z]+|\d+)")


class _Entry(NamedTuple):
    """A phrase or member in the index: a mention of it is its words, word for word, the last
    one also in the plural."""

    words: tuple[str, ...]  # in lower case, as _WORDS cuts them
    head: list[str]  # all the words but the last
    lasts: frozenset[str]  # the last word, and its plurals (:func:`_last_forms`)
    is_class: bool
    value: str  # the class name, or the member's generic name


def _last_forms(last: str) -> frozenset[str]:
    """The last word of a phrase as a mention may write it: as it is, or in the plural."""
    plural = last[:-1] + "ies" if last.endswith("y") else last + "s"
    return frozenset({last, plural, last + "es"})


def _whole(text: str, start: int, end: int) -> bool:
    """Not part of a longer word or code ("PI" in "PI3K", "anti-PD-1" in "anti-PD-10")."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not before.isalnum() and not after.isalnum()


def _no_other_letters(text: str, start: int, end: int) -> bool:
    """No letter outside a-z inside a mention: "PI3Kδ inhibitor" (one form of the enzyme) is
    not "PI3K inhibitor" (any form), though the words a-z and 0-9 of both are the same."""
    written = text[start:end]
    return written.isascii() or all(c.isascii() or not c.isalnum() for c in written)


# -- names ------------------------------------------------------------------------------------


def generic_name(name: str) -> str:
    """The generic name of a drug written by brand, code or generic name ("Revlimid" ->
    "lenalidomide"), as the lexicon spells it; a name the lexicon does not know, in lower case."""
    term = knowledge().terms.get(name_key(name))
    return term.canonical if term is not None else " ".join(name.split()).lower()


def drug_matches(drug: str, value: str) -> bool:
    """Whether the drug ``drug`` (brand, code or generic name) belongs to ``value``, a class
    ("BCMA-directed therapy") or a drug ("lenalidomide") of a prior-therapy requirement.

    A class given as ``drug`` matches itself and the classes that include it ("anti-PD-1"
    belongs to "immune checkpoint inhibitor"). Unknown names match only themselves.
    """
    classes = drug_classes()
    wanted = classes.get(value)
    named = classes.get(drug)
    if named is not None:
        return wanted is not None and named.name in wanted.included
    if wanted is None:
        key = name_key(generic_name(drug))
        return bool(key) and key == name_key(generic_name(value))
    return wanted.covers(drug)


def may_name_drugs(words: frozenset[str] | set[str]) -> bool:
    """A quick test: whether a text with these words (``text.split_words`` of it in lower case)
    can name a drug or a class at all. False means :func:`find_drugs` finds nothing."""
    return bool(drug_words(words))


def drug_words(words: frozenset[str] | set[str]) -> set[str] | frozenset[str]:
    """The words among ``words`` that can belong to the name of a drug or class: a text without
    any of them names none (:func:`find_drugs` finds nothing in it)."""
    quick = _drug_words()
    return (quick.classes & words) | _lexicon_words(words, quick)


def _lexicon_words(words: frozenset[str] | set[str], quick: _QuickTest) -> set[str]:
    found = set(quick.lexicon & words)
    # Only a word whose last four letters can end a stem can end in one: that test, the one
    # most words fail, runs in C over all of them; the others only on the few that pass it.
    listed = list(words)
    ending = compress(listed, map(quick.endings.__contains__, map(_LAST_FOUR, listed)))
    found.update(
        w
        for w in ending
        if len(w) >= _SHORTEST_NAME and w.endswith(quick.stems) and w not in quick.exceptions
    )
    return found


_SHORTEST_NAME = 6  # a word shorter than this is not taken for a name with a stem
_ENDING = 4  # letters at the end of a word that tell whether it may end in a stem
_LAST_FOUR = itemgetter(slice(-_ENDING, None))


def _endings(stems: set[str]) -> frozenset[str]:
    """The last :data:`_ENDING` letters of every word of at least :data:`_SHORTEST_NAME` a-z
    and 0-9 that ends in one of ``stems`` (a shorter stem, with each letter or digit that
    may stand before it)."""
    alnum = string.ascii_lowercase + string.digits
    found: set[str] = set()
    for stem in stems:
        missing = max(0, _ENDING - len(stem))
        found.update("".join(p) + stem[-_ENDING:] for p in product(alnum, repeat=missing))
    return frozenset(found)


# Words too common in criteria to tell that a drug is named ("treatment", "day" of "DAY101").
_COMMON = frozenset(
    {
        *("a", "an", "and", "or", "of", "the", "with", "day", "days", "alt", "site", "oral"),
        *("based", "containing", "new", "non", "anti", "therapy", "therapies", "ct"),
        *("treatment", "treatments", "agent", "agents", "inhibitor", "inhibitors", "drug"),
        *("antibody", "antibodies", "cell", "cells", "directed", "targeted", "targeting", "drugs"),
    }
)


def _key_word(words: list[str] | tuple[str, ...]) -> str:
    """The word of a name most telling in a text: the longest that is not common (the number
    of a code name, "3475" of "MK-3475"; not "5" of "5-FU")."""
    telling = [w for w in words if w not in _COMMON and len(w) > (2 if w.isdigit() else 1)]
    return max(telling or words, key=len)


class _QuickTest(NamedTuple):
    classes: frozenset[str]  # the telling word of each class phrase, abbreviation and member
    lexicon: frozenset[str]  # the telling word of each of the lexicon's drug names
    stems: tuple[str, ...]  # the name stems of drugs
    endings: frozenset[str]  # the last letters of a word that may end in one (_endings)
    exceptions: frozenset[str]  # words that end in a stem but name no cancer drug


@cache
def _drug_words() -> _QuickTest:
    """The words that tell a drug or class may be named, for the quick tests."""
    k = knowledge()
    classes = drug_classes()
    by_term: dict[str, set[str]] = {}
    for entries in k.index.values():
        for words, term in entries:
            if not term.generic and DRUG_CATEGORIES.intersection(term.categories):
                by_term.setdefault(term.key, set()).add(_key_word(words))
    # A spelling cut into common pieces ("day", "101") is covered by the whole one ("day101").
    lexicon = {key for keys in by_term.values() for key in (keys - _COMMON or keys) if len(key) > 1}
    stems = {stem for stem, category, _ in k.stems if category in DRUG_CATEGORIES}
    endings = _endings(stems)
    return _QuickTest(
        classes.key_words, frozenset(lexicon), tuple(sorted(stems)), endings, k.stem_exceptions
    )


def find_drugs(text: str, words: frozenset[str] | set[str] | None = None) -> list[Mention]:
    """The drug classes and drugs named in ``text``, in order: class phrases and member drugs
    (``drug_classes.toml``), and the lexicon's drug names and stems (as generic names).

    ``words``, the words of ``text`` or of a text that holds it (as :func:`drug_words` takes
    them), lets the search skip what cannot be there. Those :func:`drug_words` keeps of them
    are as good (it keeps each word on its own merits), and quicker to look through.
    """
    quick = _drug_words()
    no_classes = words is not None and quick.classes.isdisjoint(words)
    found = [] if no_classes else drug_classes().mentions(text)
    # What the classes take, in order of start, with the furthest end so far; the names found
    # below come in order of start too, so the furthest end of those taken tells whether one
    # overlaps them (no look through every mention for each: a long text names thousands).
    spans = sorted((m.start, m.end) for m in found)
    starts = [start for start, _ in spans]
    furthest = list(accumulate((end for _, end in spans), max))
    named_end = -1  # the furthest end of the names taken
    cursor = 0
    terms = () if words is not None and not _lexicon_words(words, quick) else find_terms(text, True)
    for hit in terms:
        start = text.find(hit.matched, cursor)
        if start < 0:
            continue
        end = start + len(hit.matched)
        cursor = start
        if hit.category not in DRUG_CATEGORIES or hit.generic:
            continue
        # Short regimen names are mostly other words in criteria ("AC of the oesophagus").
        if hit.agents > 1 and len(name_key(hit.matched)) <= 4:
            continue
        before = bisect_left(starts, end)  # the classes that start before this name ends
        if start < named_end or (before and furthest[before - 1] > start):
            continue
        named_end = max(named_end, end)
        found.append(Mention(hit.canonical, start, end, False))
    found.sort(key=lambda m: m.start)
    return found


# -- the data file ------------------------------------------------------------------------------


@cache
def drug_classes() -> DrugClasses:
    """The classes of ``data/drug_classes.toml``, checked and indexed once."""
    return parse_drug_classes(data_text(DATA_FILE), f"trialfinder/data/{DATA_FILE}")


_NAMES = ListOf(Text(blank=False), "a list of names in quotes")
_CLASS = Table(
    required={"phrases": _NAMES},
    optional={
        **dict.fromkeys(LIST_KEYS[1:], _NAMES),
        "category": Choice(
            [c for c in STEM_PRIORITY if c in DRUG_CATEGORIES], "a category of drugs"
        ),
        "said": TEXT,
    },
)
_HINT = f"the header of trialfinder/data/{DATA_FILE} explains its keys"


def parse_drug_classes(text: str, source: str | Path = DATA_FILE) -> DrugClasses:
    """Read the classes from TOML ``text``; :class:`~trialfinder.validation.InvalidConfig` (a
    ConfigError) lists every problem, each with ``source:line``."""
    data = parse_toml(text, source, _HINT)
    check_shape(data, Names(_CLASS), text, source, (_check_classes,), _HINT)
    return DrugClasses({name: _build(name, data) for name in data})


def _check_classes(tables: dict[str, dict[str, Any]], c: Checker) -> None:
    """What the shape cannot tell: members by their generic names, included classes that
    exist (and never the class itself), each phrase naming one class only."""
    for name, table in tables.items():
        if not table["phrases"]:
            c.problem((name, "phrases"), "a class needs phrases")
        for member in table.get("members", []):
            term = knowledge().terms.get(name_key(member))
            if term is not None and term.key != name_key(member):
                where = (name, "members")
                message = f"{member!r} is a name of {term.canonical!r}: write that"
                c.problem(where, message, c.key_lines.find(where, f'"{member}"'))
        for included in table.get("includes", []):
            if included not in tables:
                where = (name, "includes")
                message = f"no class {included!r} ({did_you_mean(included, tables)})"
                c.problem(where, message, c.key_lines.find(where, f'"{included}"'))
    owners: dict[str, str] = {}
    for name, table in tables.items():
        for phrase in [*table["phrases"], name]:
            owner = owners.setdefault(name_key(phrase), name)
            if owner != name:
                where = (name, "phrases")
                message = f"{phrase!r} already names [{owner}]"
                c.problem(where, message, c.key_lines.find(where, f'"{phrase}"'))
    if not c.problems:
        for name in tables:
            if name in _closure(name, tables, ()):
                message = "a class cannot include itself, even through others"
                c.problem((name, "includes"), message)


def _closure(name: str, tables: dict[str, dict[str, Any]], seen: tuple[str, ...]) -> set[str]:
    """Every class ``name`` includes, directly or through others."""
    found: set[str] = set()
    for included in tables[name].get("includes", []):
        if included not in found and included not in seen:
            found.add(included)
            found |= _closure(included, tables, (*seen, included))
    return found


def _build(name: str, tables: dict[str, dict[str, Any]]) -> DrugClass:
    names = [name, *sorted(_closure(name, tables, ()))]
    written = tuple(dict.fromkeys(m for n in names for m in tables[n].get("members", [])))
    return DrugClass(
        name=name,
        phrases=tuple(tables[name]["phrases"]),
        abbreviations=tuple(tables[name].get("abbreviations", [])),
        members=frozenset(name_key(generic_name(m)) for m in written),
        member_names=written,
        stems=tuple(s.lower() for n in names for s in tables[n].get("stems", [])),
        categories=frozenset(tables[n]["category"] for n in names if tables[n].get("category")),
        included=frozenset(names),
        said=str(tables[name].get("said", "")),
    )
