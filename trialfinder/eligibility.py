"""Key requirements from a trial's eligibility criteria, said in plain words.

The criteria are free text written for doctors. This module looks for five things a patient
asks first: how many earlier treatments, a gene change, measurable disease, whether cancer that
spread to the brain is allowed, and how active one must be. The phrases it looks for and the
sentences it says are data (``trialfinder/data/eligibility.toml``). It reports only what it
finds; anything else stays in the full criteria that ``show`` prints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from trialfinder.knowledge import load_toml
from trialfinder.tagging.reader import Item as Criterion
from trialfinder.tagging.reader import read_criteria

_NUMBER_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_TIME_WORDS = r"(?:weeks?|days?|months?|years?|hours?|cycles?|doses?|mg|times?)"


@dataclass(frozen=True)
class Requirement:
    kind: str  # "prior-treatments", "gene-change", "measurable-disease", "brain-metastases", ...
    text: str  # the plain sentence(s) a summary says
    source: str  # the criterion it comes from, as written


def key_requirements(criteria: str, biomarkers: tuple[str, ...] = ()) -> tuple[Requirement, ...]:
    """The key requirements found in ``criteria``, in a fixed order.

    ``biomarkers`` (from the tagging) name gene changes or markers the trial is about; they are
    mentioned when the criteria themselves name no required gene change.
    """
    items = list(read_criteria(criteria).items)
    found = [
        _prior_treatments(items),
        _gene_change(items, biomarkers),
        _measurable_disease(items),
        _brain_metastases(items),
        _performance_status(items),
    ]
    return tuple(r for r in found if r is not None)


@cache
def _data() -> dict[str, Any]:
    return load_toml("eligibility.toml")


def _alternatives(phrases: list[str]) -> str:
    """A regex alternation of literal phrases, longest first so that the longest wins."""
    return "(?:" + "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True)) + ")"


def _wanted(items: list[Criterion]) -> list[Criterion]:
    """Items that say what a person must have (inclusion, or a text without headings)."""
    return [i for i in items if i.section != "exclusion"]


def _has_any(text: str, phrases: list[str]) -> bool:
    lowered = text.lower()
    return any(p.lower() in lowered for p in phrases)


# -- earlier treatments -----------------------------------------------------------------------


@cache
def _prior_patterns() -> list[tuple[str, re.Pattern[str]]]:
    d = _data()["prior_treatments"]
    n = _alternatives(d["numbers"])
    prior = _alternatives(d["prior"])
    nouns = _alternatives(d["nouns"])
    gap = rf"(?:(?!{_TIME_WORDS}\b)[\w/-]+\s+){{0,3}}?"
    tail = rf"\s+(?:{prior}\s+)?{gap}{nouns}\b"
    at_least, up_to = _alternatives(d["at_least"]), _alternatives(d["up_to"])
    joins = _alternatives(d["range_joins"])
    or_more = _alternatives(d["or_more"])
    patterns = [
        ("range", rf"{at_least}\s*(?P<low>{n})\s+(?:but\s+)?{up_to}\s*(?P<high>{n}){tail}"),
        ("range", rf"\b(?P<low>{n})\s*{joins}\s*(?P<high>{n})\s+{prior}\s+{gap}{nouns}\b"),
        ("at_least", rf"{at_least}\s*(?P<n>{n}){tail}"),
        ("at_least", rf"\b(?P<n>{n})\s+{or_more}{tail}"),
        ("up_to", rf"{up_to}\s*(?P<n>{n}){tail}"),
    ]
    return [(kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in patterns]


def _prior_treatments(items: list[Criterion]) -> Requirement | None:
    d = _data()["prior_treatments"]
    must_name = re.compile(rf"{_alternatives(d['prior'])}|\blines?\b|\bregimens?\b", re.IGNORECASE)
    for kind, pattern in _prior_patterns():
        for item in _wanted(items):
            match = pattern.search(item.text)
            if match and must_name.search(match.group(0)):
                values = {k: v for k, v in match.groupdict().items() if v}
                if values.get("n", "").lower() in ("1", "one"):
                    kind += "_one"
                return Requirement("prior-treatments", d[f"say_{kind}"].format(**values), item.text)
    return None


# -- gene change ------------------------------------------------------------------------------


@cache
def _gene_patterns() -> list[re.Pattern[str]]:
    d = _data()["gene_change"]
    gene = "(?P<gene>" + _alternatives(d["genes"]) + ")"
    variant = r"(?P<variant>[A-Z]\d{1,4}(?:[A-Z]|fs|del|\*)?)"
    kinds = _alternatives(d["kinds"])
    return [
        re.compile(rf"\b{gene}[\s-]+(?:p\.)?{variant}(?![\w])"),
        re.compile(rf"\b{variant}[\s-]*(?:mutated|mutant|mutation)?[\s-]+{gene}\b"),
        re.compile(rf"\b{gene}\s+(?P<exon>exon\s*\d{{1,2}}\s*(?:deletions?|insertions?|skipping))"),
        re.compile(rf"\b{gene}[\s-]+(?:gene\s+)?(?P<kind>(?i:{kinds}))\b"),
    ]


def _gene_change(items: list[Criterion], biomarkers: tuple[str, ...]) -> Requirement | None:
    d = _data()["gene_change"]
    changes: dict[str, str] = {}
    for item in _wanted(items):
        for pattern in _gene_patterns():
            for match in pattern.finditer(item.text):
                before = item.text[max(0, match.start() - 30) : match.start()]
                after = item.text[match.end() : match.end() + 12]
                if _has_any(before, d["negations"]) or _has_any(after, d["negations"]):
                    continue
                parts = match.groupdict()
                gene = parts["gene"]
                detail = parts.get("variant") or parts.get("exon")
                if detail:
                    changes.pop(gene.lower(), None)  # "KRAS G12C" says more than "KRAS mutation"
                    change = re.sub(r"\s+", " ", f"{gene} {detail}")
                    changes.setdefault(change.lower(), change)
                elif not any(key.startswith(gene.lower() + " ") for key in changes):
                    kind = d["kind_names"].get(parts["kind"].lower(), parts["kind"])
                    changes.setdefault(gene.lower(), f"{gene} {kind}")
        if len(changes) >= 3:
            break
    if changes:
        listed = _join(list(changes.values())[:3])
        return Requirement("gene-change", d["say"].format(change=listed), "")
    if biomarkers:
        markers = _join(biomarkers, "and")
        return Requirement("gene-change", d["say_markers"].format(change=markers), "")
    return None


def _join(names: list[str] | tuple[str, ...], last: str = "or") -> str:
    names = list(names)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {last} {names[-1]}"


# -- measurable disease ----------------------------------------------------------------------


def _measurable_disease(items: list[Criterion]) -> Requirement | None:
    d = _data()["measurable_disease"]
    for item in _wanted(items):
        if _has_any(item.text, d["phrases"]) and not _has_any(item.text, d["negations"]):
            return Requirement("measurable-disease", d["say"], item.text)
    return None


# -- brain metastases -------------------------------------------------------------------------


def _brain_metastases(items: list[Criterion]) -> Requirement | None:
    d = _data()["brain_metastases"]
    excluded = limited = allowed = None
    for item in items:
        if not _has_any(item.text, d["phrases"]):
            continue
        if item.section == "exclusion":
            if _has_any(item.text, d["exceptions"]):
                limited = limited or item
            else:
                excluded = excluded or item
        elif _has_any(item.text, d["negations"]):
            excluded = excluded or item
        elif _has_any(item.text, d["limits"]):
            limited = limited or item
        else:
            allowed = allowed or item
    if excluded and not (limited or allowed):
        return Requirement("brain-metastases", d["say_not_allowed"], excluded.text)
    if limited or (excluded and allowed):
        source = limited or excluded
        return Requirement("brain-metastases", d["say_limited"], source.text)
    if allowed:
        return Requirement("brain-metastases", d["say_allowed"], allowed.text)
    return None


# -- performance status -----------------------------------------------------------------------

_SCORE = re.compile(
    r"(?P<lt>(?:<|less than)(?!\s*or equal)(?!=)\s*)?\b(?P<v>[0-4]|zero|one|two|three|four)\b",
    re.IGNORECASE,
)
_SCORE_GLUE = re.compile(r"^[\s,()≤<=]*(?:or|and|to|-|–)?[\s,()≤<=]*$", re.IGNORECASE)
_KARNOFSKY_SCORE = re.compile(r"(?P<gt>>(?!=)\s*|more than (?!or equal))?\b(?P<v>\d{2,3})\b")


@cache
def _scale(name: str) -> re.Pattern[str]:
    return re.compile(_alternatives(_data()["performance_status"][name]), re.IGNORECASE)


def _performance_status(items: list[Criterion]) -> Requirement | None:
    d = _data()["performance_status"]
    ecog, karnofsky = _scale("ecog"), _scale("karnofsky")
    for item in _wanted(items):
        match = ecog.search(item.text)
        if not match:
            continue
        span = _clause(item.text[match.end() : match.end() + 120])
        span = karnofsky.split(span)[0]
        scores = []
        previous_end = None
        for m in _SCORE.finditer(span):
            # Only the first run of scores ("0, 1 or 2"), not later numbers ("over 2 weeks").
            if previous_end is not None and not _SCORE_GLUE.match(span[previous_end : m.start()]):
                break
            previous_end = m.end()
            value = _score_value(m.group("v"))
            strict = bool(m.group("lt"))
            if 0 <= value - strict <= 4:
                scores.append((value - strict, m.group("v"), strict))
        if scores:
            best, written, strict = max(scores)
            key = "ecog_score_exact" if best == 0 else "ecog_score"
            line = d["ecog_score_below" if strict else key].format(score=written)
            return Requirement("performance-status", f"{d['ecog_say'][best]} {line}", item.text)
    for item in _wanted(items):
        match = karnofsky.search(item.text)
        if not match:
            continue
        span = _clause(item.text[match.end() : match.end() + 80])
        for m in _KARNOFSKY_SCORE.finditer(span):
            value = int(m.group("v"))
            if value % 10 or not 10 <= value <= 100:
                continue
            say = next(s for floor, s in d["karnofsky_say"] if value >= floor)
            line = d["karnofsky_score_above" if m.group("gt") else "karnofsky_score"]
            line = line.format(score=m.group("v"))
            return Requirement("performance-status", f"{say} {line}", item.text)
    return None


def _clause(text: str) -> str:
    return re.split(r"[;.](?:\s|$)|\n", text, maxsplit=1)[0]


def _score_value(token: str) -> int:
    return int(token) if token.isdigit() else _NUMBER_WORDS[token.lower()]
