"""Key requirements from a trial's eligibility criteria, said in plain words.

The criteria are free text written for doctors. This module says five things a patient asks
first: how many earlier treatments, a gene change, measurable disease, whether cancer that
spread to the brain is allowed, and how active one must be. All but the gene change are said
from the typed requirements read by :mod:`trialfinder.tagging.requirements`, so the summary
never says what those requirements contradict. The sentences are data
(``trialfinder/data/eligibility.toml``). It reports only what it finds; anything else stays in
the full criteria that ``show`` prints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from trialfinder.knowledge import load_toml
from trialfinder.tagging import requirements as typed
from trialfinder.tagging.reader import Item as Criterion
from trialfinder.tagging.reader import read_criteria


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
    read = read_criteria(criteria)
    rules = typed.extract(read)
    found = [
        _prior_treatments(rules),
        _gene_change(list(read.items), biomarkers),
        _measurable_disease(rules),
        _brain_metastases(rules),
        _performance_status(rules),
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


def _of_kind(
    rules: tuple[typed.Requirement, ...], kind: str
) -> tuple[str, list[typed.Requirement]]:
    """The requirements of ``kind`` a sentence can speak for: those for everyone, else those of
    the one cohort that has any ("" and [] when several cohorts differ or there are none)."""
    found = [r for r in rules if r.kind == kind]
    everyone = [r for r in found if not r.cohort]
    if everyone:
        return "", everyone
    cohorts = {r.cohort for r in found}
    return (cohorts.pop(), found) if len(cohorts) == 1 else ("", [])


def _said(kind: str, cohort: str, sentence: str, source: typed.Requirement) -> Requirement:
    """The sentence, for the cohort it holds for ("In Part A, you must ...")."""
    if cohort:
        cohort = cohort.replace(" AND ", " and ")
        sentence = f"In {cohort}, {sentence[0].lower()}{sentence[1:]}"
    return Requirement(kind, sentence, source.text)


# -- earlier treatments -----------------------------------------------------------------------


def _prior_treatments(rules: tuple[typed.Requirement, ...]) -> Requirement | None:
    """The lines of earlier treatment every requirement of the trial allows, said once."""
    d = _data()["prior_treatments"]
    cohort, found = _of_kind(rules, "prior-lines")
    if not found:
        return None
    low, high = 0, typed.MAX_PRIOR_LINES + 1
    for r in found:
        values = [int(v) for v in r.values]
        if r.rule in ("at-least", "exactly", "between"):
            low = max(low, values[0])
        if r.rule in ("at-most", "exactly", "between"):
            high = min(high, values[-1])
    if low > high:
        return None  # they disagree: say nothing
    one = "_one" if (low if low else high) == 1 else ""
    if low and high <= typed.MAX_PRIOR_LINES:
        key = "say_exactly" + one if low == high else "say_range"
    elif low:
        key = "say_at_least" + one
    elif 0 < high <= typed.MAX_PRIOR_LINES:
        key = "say_up_to" + one
    else:
        return None
    sentence = d[key].format(n=low or high, low=low, high=high)
    return _said("prior-treatments", cohort, sentence, found[0])


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


def _measurable_disease(rules: tuple[typed.Requirement, ...]) -> Requirement | None:
    cohort, found = _of_kind(rules, "measurable-disease")
    if not found:
        return None
    return _said("measurable-disease", cohort, _data()["measurable_disease"]["say"], found[0])


# -- brain metastases -------------------------------------------------------------------------

# The most permissive holds: an item allowing some people is an exception to one excluding all.
_BRAIN_ORDER = ("none", "treated-stable", "active-allowed")
_BRAIN_SAY = {
    "none": "say_not_allowed",
    "treated-stable": "say_limited",
    "active-allowed": "say_allowed",
}


def _brain_metastases(rules: tuple[typed.Requirement, ...]) -> Requirement | None:
    cohort, found = _of_kind(rules, "brain-metastases")
    if not found:
        return None
    chosen = max(found, key=lambda r: _BRAIN_ORDER.index(r.rule))
    sentence = _data()["brain_metastases"][_BRAIN_SAY[chosen.rule]]
    return _said("brain-metastases", cohort, sentence, chosen)


# -- performance status -----------------------------------------------------------------------


def _performance_status(rules: tuple[typed.Requirement, ...]) -> Requirement | None:
    """The most permissive ECOG score allowed (items that give several are alternatives)."""
    d = _data()["performance_status"]
    cohort, found = _of_kind(rules, "ecog")
    if not found:
        return None
    if any(r.rule != "at-most" for r in found):
        ranges = {r.values for r in found}
        if len(ranges) != 1 or len(found[0].values) != 2:
            return None
        low, high = found[0].values
        line = d["ecog_score_between"].format(low=low, high=high)
        return _said("performance-status", cohort, f"{d['ecog_say'][high]} {line}", found[0])
    chosen = max(found, key=lambda r: int(r.values[0]))
    best = int(chosen.values[0])
    sentence = None if chosen.section == "exclusion" else _karnofsky_sentence(chosen.text, best)
    if sentence is None:
        key = "ecog_score_exact" if best == 0 else "ecog_score"
        sentence = f"{d['ecog_say'][best]} {d[key].format(score=best)}"
    return _said("performance-status", cohort, sentence, chosen)


_KARNOFSKY_SCORE = re.compile(r"(?P<gt>>(?!=)\s*|more than (?!or equal))?\b(?P<v>\d{2,3})\b")


@cache
def _scale(name: str) -> re.Pattern[str]:
    return re.compile(_alternatives(_data()["performance_status"][name]), re.IGNORECASE)


def _karnofsky_sentence(text: str, ecog: int) -> str | None:
    """For an item that gives a Karnofsky or Lansky score (and no ECOG score), the sentence in
    that scale, when its score converts to the ECOG score ``ecog`` of the requirement."""
    d = _data()["performance_status"]
    match = _scale("karnofsky").search(text)
    if match is None or _scale("ecog").search(text):
        return None
    span = re.split(r"[;.](?:\s|$)|\n", text[match.end() : match.end() + 80], maxsplit=1)[0]
    for m in _KARNOFSKY_SCORE.finditer(span):
        value = int(m.group("v"))
        if value % 10 or not 10 <= value <= 100:
            continue
        lowest = value + 10 if m.group("gt") else value
        table = _data()["requirements"]["ecog"]["karnofsky_to_ecog"]
        if next(e for k, e in table if lowest >= k) != ecog:
            return None
        say = next(s for floor, s in d["karnofsky_say"] if value >= floor)
        line = d["karnofsky_score_above" if m.group("gt") else "karnofsky_score"]
        return f"{say} {line.format(score=m.group('v'))}"
    return None
