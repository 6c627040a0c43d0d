"""Disease settings (refractory, relapsed, resistant) and the ``disease-setting`` requirements.

A setting is read where its words are (``settings.toml``: titles, conditions, keywords, the brief
summary and the criteria), and the context rules (``context.py``) say what the words around it
do: a setting that is negated, hypothetical, to be prevented or not about the cancer does not
count. Each criterion that names settings gives a requirement: an inclusion criterion "any-of"
the settings it asks for, an exclusion criterion "none-of" those it rules out; criteria saying
the disease was not treated ("treatment-naive", "no prior systemic therapy for metastatic
disease") give "none-of" the settings that cannot be (``[[not_treated]]``): only relapsed where
the criterion says a treatment was given (``[given]``: "received ... for the 1st line
treatment"), and none another inclusion criterion asks of the same people. The trial's settings
are those of its titles, conditions, keywords and summary and those its inclusion criteria ask
for, never those of its exclusion criteria.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import replace
from functools import cache
from typing import Any, NamedTuple

from trialfinder.tagging.context import clause_effects
from trialfinder.tagging.drug_classes import find_drugs
from trialfinder.tagging.lexicon import Knowledge, knowledge
from trialfinder.tagging.reader import EXCLUSION, SUMMARY, Fields, Item
from trialfinder.tagging.requirements import (
    Requirement,
    no_earlier_line,
    offered_with_or,
    one_of_alternatives,
    said_allowed,
)
from trialfinder.tagging.tags import SETTING, Evidence
from trialfinder.tagging.text import (
    FOLDING_TO_ASCII,
    may_match,
    required_word_sets,
    required_words,
    shared_piece,
    snippet,
)

try:  # the reader of regular expressions, to find how far a pattern's matches reach
    from re import _parser as regex_parser  # type: ignore[attr-defined]
except ImportError:  # Python 3.10
    import sre_parse as regex_parser

SETTINGS = ("refractory", "relapsed", "resistant")
KIND = "disease-setting"
# What the context may say of a setting that then does not count.
NOT_ASSERTED = frozenset({"NEGATED", "HYPOTHETICAL", "PREVENTION", "NOT_CANCER"})
NOT_ABOUT_IT = frozenset({"HYPOTHETICAL", "PREVENTION", "NOT_CANCER"})
# What the context may say of a setting that then gives no requirement: carved out of the
# criterion or allowed on conditions ("Patients with CRPC ... are allowed" among the exclusion
# criteria excludes no one; "relapsed disease is also eligible" requires nothing).
NOT_A_RULE = frozenset({"EXCEPTION"})
# A count in what was read ("2 prior lines"): denied, it sets a cap, it does not rule out.
_COUNT = re.compile(r"\d|\b(?:one|two|three|four|five)\b", re.IGNORECASE)


class Settings(NamedTuple):
    """The settings a trial is for and the ``disease-setting`` requirements of its criteria."""

    settings: tuple[str, ...]
    requirements: tuple[Requirement, ...]
    # The titles, conditions, summary or inclusion criteria offer untreated disease as well
    # ("Newly diagnosed or relapsed AML"), or a title names two groups and gives a setting to
    # one only (settings.toml [groups]): the trial is not only for these settings.
    untreated_too: bool = False


# A setting's pattern is tried only around the words every match of it holds (much faster than
# everywhere): such a word stands at most this far into a phrase, and a phrase ends at most
# this far after it. A pattern whose matches are shorter is tried closer (see _around).
LOOK_BACK = 120
LOOK_AHEAD = 160


def for_treated_disease(settings: tuple[str, ...], requirements: tuple[Requirement, ...]) -> bool:
    """Whether a trial is for disease treated before: it has a setting of :data:`SETTINGS`, and
    its inclusion criteria do not require, of every patient, disease not treated before ("no
    prior systemic therapy for metastatic disease", "previously untreated": a ``none-of``
    requirement ruling out refractory disease, or no earlier line of treatment, for no
    particular cohort) while asking nowhere for refractory or resistant disease. A first-line
    trial for disease that came back after curative treatment is relapsed, but not this."""
    if not set(settings) & set(SETTINGS):
        return False
    wanted = [r for r in requirements if r.section != EXCLUSION]
    untreated = any(
        not r.cohort
        and (
            (r.kind == KIND and r.rule == "none-of" and "refractory" in r.values)
            or no_earlier_line(r)
        )
        for r in wanted
    )
    treated = any(
        r.kind == KIND and r.rule == "any-of" and {"refractory", "resistant"} & set(r.values)
        for r in wanted
    )
    return treated or not untreated


def _candidates(fields: Fields, k: Knowledge) -> dict[int, dict[int, list[int]]]:
    """Part -> pattern (its index in ``k.settings``) -> where in the part its words are."""
    lowered, starts = fields.lowered, fields.starts
    found: dict[int, dict[int, list[int]]] = {}
    for piece, words in _setting_pieces(k):
        at = lowered.find(piece)
        while at >= 0:
            for word, offset, patterns in words:
                position = at - offset
                if position < 0 or not lowered.startswith(word, position):
                    continue
                part = bisect_right(starts, position) - 1
                by_pattern = found.setdefault(part, {})
                for pattern in patterns:
                    by_pattern.setdefault(pattern, []).append(position - starts[part])
            at = lowered.find(piece, at + 1)
    # A few letters outside a-z match a-z without case ("resıstant"): every pattern near them.
    # (They are not ASCII: an ASCII text, a flag CPython keeps, holds none.)
    for letter in () if lowered.isascii() else FOLDING_TO_ASCII:
        position = lowered.find(letter)
        while position >= 0:
            part = bisect_right(starts, position) - 1
            by_pattern = found.setdefault(part, {})
            for pattern in range(len(k.settings)):
                by_pattern.setdefault(pattern, []).append(position - starts[part])
            position = lowered.find(letter, position + 1)
    return found


class _WordGroup(NamedTuple):
    """Words that lead to the same rules and start alike, looked for as one."""

    piece: str  # what each of them starts with (the word itself, alone)
    words: tuple[str, ...]  # the words, when more than one: checked where the piece is
    rules: list[int]  # the rules to try where one of them is


# Words whose shared start is shorter than this are looked for one by one.
SHARED_START = 3


def _not_treated_groups(k: Knowledge) -> tuple[_WordGroup, ...]:
    """The words of the not-treated rules (lexicon ``not_treated_words``: word -> the rules to
    try where it is), put together when they start alike and lead to the same rules ("for
    advanced", "for metastatic", ...: "for "): the criteria are scanned once for what they
    start with, and the words are checked where it is, in one call (a scan of the criteria
    costs more than the checks at every "for " in them). A place counts where one of the words
    is, as when each word is looked for. (Read once, unless the words were replaced.)"""
    index, groups = _groups_once(k)
    return groups if index is k.not_treated_words else _grouped(k.not_treated_words)


@cache
def _groups_once(k: Knowledge) -> tuple[dict[str, list[int]], tuple[_WordGroup, ...]]:
    return k.not_treated_words, _grouped(k.not_treated_words)


def _grouped(index: dict[str, list[int]]) -> tuple[_WordGroup, ...]:
    groups: list[_WordGroup] = []
    for word in sorted(index):
        rules = index[word]
        if groups and groups[-1].rules == rules:
            last = groups[-1]
            shared = _shared_start(last.piece, word)
            if len(shared) >= SHARED_START:
                groups[-1] = _WordGroup(shared, (*(last.words or (last.piece,)), word), rules)
                continue
        groups.append(_WordGroup(word, (), rules))
    return tuple(groups)


# Setting words sharing a piece this long are looked for by it, with one search of the text.
SHARED_PIECE = 4


@cache
def _setting_pieces(k: Knowledge) -> tuple[tuple[str, tuple[tuple[str, int, Any], ...]], ...]:
    """The setting words (``k.setting_words``) grouped by a piece each word of a group holds
    ("spon" of "sponse " and "unresponsive"): (the piece, then each word with where the piece
    first stands in it and the patterns the word is of). Every place a word is written holds
    its piece there, so finding the piece finds the word; a word alone is its own piece."""
    groups: list[list[str]] = []
    for word in k.setting_words:
        for group in groups:
            if len(shared_piece((*group, word))) >= SHARED_PIECE:
                group.append(word)
                break
        else:
            groups.append([word])
    found = []
    for group in groups:
        piece = shared_piece(tuple(group)) if len(group) > 1 else group[0]
        found.append((piece, tuple((w, w.index(piece), k.setting_words[w]) for w in group)))
    return tuple(found)


def _shared_start(one: str, other: str) -> str:
    """The letters both start with."""
    size = 0
    for a, b in zip(one, other, strict=False):
        if a != b:
            break
        size += 1
    return one[:size]


def _windows(positions: list[int], size: int, around: tuple[int, int]) -> list[tuple[int, int]]:
    """The stretches of a part of ``size`` characters where a phrase holding a word found at
    ``positions`` can be: ``around`` (characters before, after) each."""
    back, ahead = around
    if len(positions) == 1:  # the usual case: one word, one stretch
        position = positions[0]
        return [(max(0, position - back), min(size, position + ahead))]
    windows: list[tuple[int, int]] = []
    for position in sorted(positions):
        start, end = max(0, position - back), min(size, position + ahead)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    return windows


# A set of words a setting's pattern needs is checked in a stretch of text before the pattern
# runs there when it has at most this many words, each of at least this many letters (more,
# or shorter ones, are nearly always there and cost more to look for than they save).
CHECKED_WORDS = 4
CHECKED_SIZE = 2


@cache
def _other_words(k: Knowledge) -> tuple[tuple[tuple[str, ...], ...], ...]:
    """For each setting pattern (by its index in ``k.settings``), the other sets of words one
    of each every match holds, besides those it is looked for by ("2nd", "3rd" or "4th" beside
    "line"): a stretch of text without one of a set cannot hold a match (read once)."""
    return tuple(
        tuple(
            found
            for found in required_word_sets(regex)
            if found != words
            and len(found) <= CHECKED_WORDS
            and min(map(len, found)) >= CHECKED_SIZE
        )
        for _, regex, words in k.settings
    )


def _holds_each(piece: str, word_sets: tuple[tuple[str, ...], ...]) -> bool:
    """Whether ``piece`` (in lower case) may hold a match of a pattern that needs a word of each
    of ``word_sets`` (see :func:`may_match`)."""
    return all(may_match(piece, words) for words in word_sets)


@cache
def _arounds(k: Knowledge) -> tuple[tuple[int, int], ...]:
    """:func:`_around` of each setting pattern, by its index in ``k.settings`` (read once)."""
    return tuple(_around(regex) for _, regex, _ in k.settings)


@cache
def _around(regex: re.Pattern[str]) -> tuple[int, int]:
    """How far before and after a word it holds a match of a setting's pattern can be looked for.

    When the words come from the pattern itself (every match holds one of them), a match that
    consumes at most ``width`` characters and looks at no more than ``reach`` from where it
    starts (its lookaheads and word boundaries included) is looked for ``width`` before each
    word and ``reach`` after it: every match holding a word starts in its stretch, and no match
    ends early for want of text (a stretch holding another word reaches on past it), so the
    matches found are those of a wider stretch. Else, :data:`LOOK_BACK` and
    :data:`LOOK_AHEAD`.
    """
    span = _span_of(regex)
    if span is None or not required_words(regex):
        return LOOK_BACK, LOOK_AHEAD
    width, reach = span
    if width > LOOK_BACK or reach > LOOK_AHEAD:
        return LOOK_BACK, LOOK_AHEAD
    return width, reach


def _span_of(regex: re.Pattern[str]) -> tuple[int, int] | None:
    """The most characters a match of ``regex`` consumes and looks at from where it starts
    (None: unbounded or not read)."""
    try:
        parsed = regex_parser.parse(regex.pattern, regex.flags)
    except Exception:  # noqa: BLE001 (a pattern not read is looked for as widely as before)
        return None
    return _span(list(parsed))


def _span(items: list[tuple[Any, Any]]) -> tuple[int, int] | None:
    """(the most characters ``items`` of a parsed pattern consume, the furthest they look from
    where they start), or None when unbounded or not known. A lookbehind looks back only."""
    c = regex_parser
    consumed = furthest = 0
    for op, value in items:
        inner: tuple[int, int] | None
        if op in (c.LITERAL, c.NOT_LITERAL, c.ANY, c.IN):
            inner = (1, 1)
        elif op is c.AT:
            inner = (0, 1)  # a word boundary or an end looks at the next character
        elif op is c.SUBPATTERN:
            inner = _span(list(value[-1]))
        elif op is getattr(c, "ATOMIC_GROUP", None):
            inner = _span(list(value))
        elif op is c.BRANCH:
            spans = [_span(list(branch)) for branch in value[1]]
            known = [span for span in spans if span is not None]
            if len(known) < len(spans):
                return None
            inner = (max(w for w, _ in known), max(f for _, f in known))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
            _, high, repeated = value
            once = _span(list(repeated))
            if once is None or high == c.MAXREPEAT:
                return None
            inner = (high * once[0], (high - 1) * once[0] + once[1]) if high else (0, 0)
        elif op in (c.ASSERT, c.ASSERT_NOT):
            direction, asserted = value
            if direction < 0:
                inner = (0, 0)
            else:
                ahead = _span(list(asserted))
                inner = None if ahead is None else (0, ahead[1])
        else:
            return None
        if inner is None:
            return None
        furthest = max(furthest, consumed + inner[1])
        consumed += inner[0]
    return consumed, max(furthest, consumed)


def tag_settings(fields: Fields, k: Knowledge, evidence: list[Evidence]) -> Settings:
    parts, items = fields.parts, fields.items
    first: dict[str, tuple[int, re.Match[str]]] = {}  # setting -> where it was first read
    one_group = False  # a title, condition, keyword or the summary gives one only to a group
    requirements: list[Requirement] = []
    patterns, arounds, checks = k.settings, _arounds(k), _other_words(k)
    lowered, starts = fields.lowered, fields.starts
    for index, by_pattern in sorted(_candidates(fields, k).items()):
        source, text = parts[index]
        item = items[index]
        offset = starts[index]
        # Outside the criteria (a title, a condition, the summary) a setting only counts where
        # it is first asserted, for the trial's settings: one already kept (and the settings it
        # also is) needs no more reading there.
        known = () if item is not None else tuple(s for s in SETTINGS if _kept(s, first, k))
        mentions: list[tuple[str, re.Match[str]]] = []
        for pattern, positions in sorted(by_pattern.items()):
            setting, regex, _ = patterns[pattern]
            if setting in known:
                continue
            for start, end in _windows(positions, len(text), arounds[pattern]):
                if checks[pattern] and not _holds_each(
                    lowered[offset + start : offset + end], checks[pattern]
                ):
                    continue
                for match in regex.finditer(text, start, end):
                    mentions.append((setting, match))
        if not mentions:
            continue
        asserted: dict[str, re.Match[str]] = {}
        denied: list[str] = []
        excepted: set[str] = set()
        # Outside the criteria, where the part names two groups of patients: the groups
        # each setting is asserted in (a setting of one group only is not said of everyone).
        groups = [m.start("next") for m in k.another_group.finditer(text)] if item is None else []
        reached: dict[str, set[int]] = {}
        for setting, match in sorted(mentions, key=lambda m: m[1].start()):
            if item is None and setting in asserted and not groups:
                continue  # (the same: only its first assertion in the part counts)
            said = clause_effects(text, match.start(), match.end())
            if said & NOT_A_RULE:
                excepted.add(setting)
            if not said & NOT_ASSERTED:
                asserted.setdefault(setting, match)
                reached.setdefault(setting, set()).add(bisect_right(groups, match.start()))
            elif "NEGATED" in said and not said & NOT_ABOUT_IT and not _COUNT.search(match.group()):
                denied.append(setting)  # (a count denied is a cap: "not more than 2 prior lines")
        if any(len(reached[s]) <= len(groups) for s in asserted):
            one_group = True  # (the trial's still: some who join have it)
        # A setting that is another too (settings.toml `also`: resistant disease is refractory).
        # Not in an exclusion: leaving out platinum-resistant disease leaves in other
        # refractory disease.
        if item is None or item.section != EXCLUSION:
            for setting, match in list(asserted.items()):
                for other in k.setting_also.get(setting, ()):
                    if other not in asserted and setting in excepted:
                        excepted.add(other)  # (allowed on conditions, as what it is)
                    asserted.setdefault(other, match)
        if item is None or item.section != EXCLUSION:
            for setting, match in asserted.items():
                # Allowed on conditions only ("Up to 1 prior line ... is permitted", "...
                # can be included if ..."): some may join with it, the trial is not for it.
                if setting not in first and setting not in excepted:
                    first[setting] = (index, match)
        if item is not None:
            wanted = item.section != EXCLUSION
            ruled = {
                s: m
                for s, m in asserted.items()
                if s not in excepted
                and not (wanted and _beside_another_way_in(text, m, mentions, k))
                and not _ends_an_interval(text, m, k)
            }
            requirements.extend(
                _requirements(item, ruled, [s for s in denied if s not in excepted], k)
            )
    not_treated = _not_asked_for(_not_treated(fields, k), requirements, k)
    requirements.extend(not_treated)
    from_summary = [s for s, (index, _) in first.items() if parts[index][0] == SUMMARY]
    if from_summary and (not_treated or _says_not_treated(fields, k)):
        for setting in from_summary:
            del first[setting]
    # Relapsed disease named outside the criteria (a condition "Relapse Leukemia") while the
    # inclusion criteria say, of every patient, that the disease was never treated ("Previously
    # untreated", "newly diagnosed") is not what the trial is for. Refractory and resistant stay:
    # "no prior therapy for metastatic disease" leaves "resistant to adjuvant therapy" true.
    never_treated = any("relapsed" in r.values for r in not_treated if not r.cohort)
    if never_treated and "relapsed" in first and items[first["relapsed"][0]] is None:
        del first["relapsed"]
    for setting, (index, match) in sorted(first.items(), key=lambda s: SETTINGS.index(s[0])):
        source, text = parts[index]
        plain = k.setting_plain.get(setting, setting)
        if setting == "refractory" and not k.said_of_response.search(match.group()):
            plain = k.treated_plain  # ("Previously Treated": treated, not known to resist)
        evidence.append(
            Evidence(
                setting,
                SETTING,
                source,
                snippet(text, match.start(), match.end()),
                match.group(),
                f'{setting}: "{match.group()}" ({source}): {plain}',
            )
        )
    kept = tuple(s for s in SETTINGS if s in first)
    return Settings(
        kept, tuple(requirements), bool(kept) and (one_group or _untreated_too(fields, k))
    )


def _untreated_too(fields: Fields, k: Knowledge) -> bool:
    """Whether a title, condition, keyword, the summary or an inclusion criterion offers
    untreated disease beside other disease ("newly diagnosed or relapsed", "either treatment
    naive or progressed"), or says in the sentence that names it that it is allowed
    ("Treatment-naïve patients will be eligible only if they refused standard treatment")."""
    phrases, words = k.untreated, k.untreated.words
    lowered, starts = fields.lowered, fields.starts
    # (One look at the whole text first: most trials name no untreated disease at all.)
    if words is not None and not may_match(lowered, words):
        return False
    for (_, text), item, start in zip(fields.parts, fields.items, starts, strict=True):
        if item is not None and item.section == EXCLUSION:
            continue
        low = lowered[start : start + len(text)]
        if (words is None or may_match(low, words)) and (
            offered_with_or(low, phrases.regex) or _said_allowed_after(low, phrases.regex)
        ):
            return True
    return False


_SENTENCE_END = re.compile(r"[.;](?:\s|$)|\n")


def _said_allowed_after(low: str, phrases: re.Pattern[str]) -> bool:
    """Whether a sentence of ``low`` says one of ``phrases`` is allowed after it ("treatment-
    naive patients will be eligible"; not "are not eligible")."""
    for match in phrases.finditer(low):
        end = _SENTENCE_END.search(low, match.end())
        if said_allowed(low[match.start() : end.start() if end else len(low)]):
            return True
    return False


def _kept(setting: str, first: dict[str, Any], k: Knowledge) -> bool:
    """Whether the trial's ``setting`` and those it also is (``setting_also``) are all kept
    (in ``first``): asserting it again changes nothing of the trial's settings."""
    return setting in first and all(other in first for other in k.setting_also.get(setting, ()))


def relapsed_or_spread(text: str) -> bool:
    """Whether ``text``, where relapsed disease was read, offers disease that need not have come
    back beside it ("Stage IV or recurrent", "recurrent, unresectable or metastatic"), or speaks
    of those whose disease came back in a condition ("Disease-free interval ... to recurrence"):
    ``relapsed_or_spread`` in settings.toml."""
    return knowledge().relapsed_or_spread.search(text) is not None


def _says_not_treated(fields: Fields, k: Knowledge) -> bool:
    """Whether the titles, conditions, keywords, summary or inclusion criteria say the disease
    was not treated before ("first-line", "newly diagnosed", "adjuvant", ...)."""
    return any(
        (item is None or item.section != EXCLUSION) and k.summary_not_treated.search(text)
        for (_, text), item in zip(fields.parts, fields.items, strict=True)
    )


def _requirements(
    item: Item, asserted: dict[str, re.Match[str]], denied: list[str], k: Knowledge
) -> list[Requirement]:
    """What one criterion says of the settings: asked for, or ruled out; nothing when it is
    one of the alternatives its lead-in line offers ("as defined in either (i), (ii) or
    (iii):"), which the trial still takes."""
    if one_of_alternatives(item):
        return []
    named = _ordered(asserted)
    if item.section == EXCLUSION:
        # "Previously treated with brentuximab vedotin", "progression within 60 days of a
        # proteasome inhibitor": the treatment is excluded (a requirement of its own), not
        # every cancer treated before; unless it names any treatment of a kind
        # (``any_treatment``) after the setting ("progression of disease during
        # chemotherapy"; not "Prior chemotherapy ... for recurrent NSCLC": the treatment).
        drugs = find_drugs(item.text)
        if not named or any(
            m.value not in k.any_treatment or m.start < min(s.start() for s in asserted.values())
            for m in drugs
        ):
            return []
        return [_requirement("none-of", named, item)]
    found = [_requirement("any-of", named, item)] if named else []
    ruled_out = _ordered(s for s in denied if s not in asserted)
    if ruled_out:
        found.append(_requirement("none-of", ruled_out, item))
    return found


def _not_treated(fields: Fields, k: Knowledge) -> list[Requirement]:
    """``none-of`` requirements from the inclusion criteria that say the disease was not treated."""
    lowered, starts, items = fields.lowered, fields.starts, fields.items
    wanted = [i for i, item in enumerate(items) if item is not None and item.section != EXCLUSION]
    if not wanted:
        return []
    # Only the stretch of text from the first inclusion criterion to the end of the last.
    low, high = starts[wanted[0]], starts[wanted[-1]] + len(fields.parts[wanted[-1]][1])
    looks: dict[int, set[int]] = {}  # part -> the rules to try in it
    for piece, words, rules in _not_treated_groups(k):
        position = lowered.find(piece, low, high)
        while position >= 0:
            if not words or lowered.startswith(words, position, high):
                part = bisect_right(starts, position) - 1
                item = items[part]
                if item is not None and item.section != EXCLUSION:
                    looks.setdefault(part, set()).update(rules)
            position = lowered.find(piece, position + 1, high)
    for letter in FOLDING_TO_ASCII:  # letters that match a-z without case: every rule
        position = lowered.find(letter, low, high)
        while position >= 0:
            part = bisect_right(starts, position) - 1
            item = items[part]
            if item is not None and item.section != EXCLUSION:
                looks.setdefault(part, set()).update(range(len(k.not_treated)))
            position = lowered.find(letter, position + 1, high)
    found: list[Requirement] = []
    for part, numbers in sorted(looks.items()):
        item = items[part]
        assert item is not None
        ruled_out: set[str] = set()
        for number in sorted(numbers):
            rule = k.not_treated[number]
            if ruled_out.issuperset(rule.rules_out):
                continue  # it could rule out nothing more
            for match in rule.regex.finditer(item.text):
                if _naive_to_a_treatment(item.text, match.start()):
                    continue
                said = clause_effects(item.text, match.start(), match.end())
                if (not rule.negated or "NEGATED" in said) and not said & rule.unless:
                    ruled_out.update(rule.rules_out)
                    break
        if ruled_out and _says_treatment_given(item.text, k):
            ruled_out &= k.given_still_rules_out
        if ruled_out:
            found.append(_requirement("none-of", _ordered(ruled_out), item))
    return found


# What the context may say of a treatment named as given that then was not given to everyone.
NOT_GIVEN = frozenset({"NEGATED", "HYPOTHETICAL", "EXCEPTION"})


def _says_treatment_given(text: str, k: Knowledge) -> bool:
    """Whether a criterion says a treatment was given (settings.toml [given]: "Have received
    FOLFIRINOX ... for the 1st line treatment", "History of induction therapy for newly diagnosed
    MM"), not denied nor only allowed: its not-treated words name the setting the disease was
    treated in, not disease never treated (they rule out ``given_still_rules_out`` only)."""
    return any(
        not clause_effects(text, match.start(), match.end()) & NOT_GIVEN
        for match in k.treatment_given.finditer(text)
    )


def _not_asked_for(
    not_treated: list[Requirement], requirements: list[Requirement], k: Knowledge
) -> list[Requirement]:
    """The not-treated requirements less the settings an inclusion criterion asks of the same
    people, and those that are such a setting too (``setting_also``: resistant disease is
    refractory): "No prior systemic anti-cancer therapy for advanced disease" beside "Resistance
    to prior adjuvant endocrine therapy" (NCT06065748) speaks of the advanced disease, never
    treated, not of how it answered treatment given before."""
    asked = [r for r in requirements if r.rule == "any-of" and r.section != EXCLUSION]
    if not asked:
        return not_treated
    kept: list[Requirement] = []
    for requirement in not_treated:
        wanted = {
            value
            for a in asked
            if not requirement.cohort or not a.cohort or requirement.cohort == a.cohort
            for value in a.values
        }
        values = tuple(
            v
            for v in requirement.values
            if v not in wanted and not wanted & set(k.setting_also.get(str(v), ()))
        )
        if values:
            kept.append(replace(requirement, values=values))
    return kept


def _beside_another_way_in(
    text: str, match: re.Match[str], mentions: list[tuple[str, re.Match[str]]], k: Knowledge
) -> bool:
    """Whether an inclusion criterion offers the setting read at ``match`` by "or" beside
    something that is no setting, before it or after it ("Primary locally advanced breast
    cancer, or locally recurrent breast cancer", "Recurrent or metastatic disease"): the setting
    is not asked of everyone. ("Relapsed or refractory" offers settings only.)"""
    others = [other.start() for _, other in mentions if other is not match]
    before = _OR_JUST_BEFORE.search(text, max(0, match.start() - 30), match.start())
    if before is not None:
        clause_start = max(text.rfind(sign, 0, before.start()) for sign in ".;:\n") + 1
        if not any(clause_start <= other < before.start() for other in others):
            return True
    after = k.or_just_after.match(text, match.end())
    return after is not None and not any(
        after.end() <= other <= after.end() + _NEXT_WORDS for other in others
    )


def _ends_an_interval(text: str, match: re.Match[str], k: Knowledge) -> bool:
    """Whether the setting read at ``match`` ends a span of time the criterion measures
    ("Disease-free interval from completion of adjuvant ... treatment to recurrence of >= 6
    months": settings.toml [conditional]): a rule for those it happened to, not asked of all."""
    spans = k.interval_end.finditer(text, max(0, match.start() - _INTERVAL_BACK), match.end())
    return any(span.end() == match.end() for span in spans)


_INTERVAL_BACK = 160  # characters looked at before the setting for the span's start


# "or" a few words before a setting ("..., or locally recurrent"), or right after one
# ("recurrent or metastatic"; eligibility.toml's `not_alternatives` say which words after it
# join no other way in); a setting named within so many characters after that "or" is the
# other alternative.
_OR_JUST_BEFORE = re.compile(r"\bor\s+(?:[\w-]+\s+){0,2}$", re.IGNORECASE)
_NEXT_WORDS = 20


def _naive_to_a_treatment(text: str, start: int) -> bool:
    """Whether a treatment is named just before ``start`` ("alpelisib treatment naive", "PD-1
    inhibitor treatment-naive"): the person has not had it, the disease may well have been
    treated (a requirement on the treatment says so)."""
    before = text[max(0, start - 60) : start]
    mentions = find_drugs(before)
    return bool(mentions) and not before[mentions[-1].end :].strip(" -")


def _ordered(settings: object) -> tuple[str, ...]:
    chosen = set(settings)  # type: ignore[call-overload]
    return tuple(s for s in SETTINGS if s in chosen)


def _requirement(rule: str, values: tuple[str, ...], item: Item) -> Requirement:
    return Requirement(KIND, rule, values, item.text, item.section, item.cohort)
