"""How trialfinder words a trial's facts for people, one definition each: status, phase, sex,
age, distance (its count said by counting.counted), treatment approaches in words, a
site's name and place, an intervention's other names, the short words of the table's About
column, a record's text as people read it (:func:`registry_text`), and text put on one line and
cut to a width.

Summaries, CSV and workbook cells, tables, ``show`` and digests all say these things the same
way because they all call these functions. This module only words things: it reads no record
format and renders nothing.
"""

from __future__ import annotations

import difflib
import html
import operator
import re
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from trialfinder.counting import counted
from trialfinder.geo import country_name, country_names
from trialfinder.knowledge import load_toml
from trialfinder.model import Intervention, Site, Trial

PHASE_NAMES = {
    "EARLY_PHASE1": "Early phase 1",
    "PHASE1": "Phase 1",
    "PHASE2": "Phase 2",
    "PHASE3": "Phase 3",
    "PHASE4": "Phase 4",
    "NA": "Not applicable",
}
SEX_NAMES = {"ALL": "All", "FEMALE": "Female", "MALE": "Male"}
ELLIPSIS = "…"
# The registry keeps some text as markdown, its signs escaped ("greater than (\>) 3 months",
# "cell \[RBC\]"), and some with HTML's names of signs, at times escaped once more ("\&lt; 6
# months", "Investigator\&#39;s opinion", "S.P. Medical College &amp; AG of Hospitals").
_MARKDOWN_ESCAPE = re.compile(r"\\([<>=\[\]()*_~#.+!^&\\-])")
_ESCAPED = operator.itemgetter(1)  # a match's character after the backslash (called in C)
_HTML_SIGN = re.compile(
    r"\\?(&(?:gt|lt|ge|le|amp|quot|apos|#\d{1,7}|#x[0-9a-f]{1,6});)", re.IGNORECASE
)


def registry_text(text: str) -> str:
    """A record's text as people read it: the registry's markdown escapes and HTML's names of
    signs undone ("\\&lt; 6 months" is "< 6 months"). For what is shown and read, never for
    what is stored."""
    if "&" in text:
        text = _HTML_SIGN.sub(lambda m: html.unescape(m[1].lower()), text)
    if "\\" in text:  # (every escape starts with one)
        text = _MARKDOWN_ESCAPE.sub(_ESCAPED, text)
    return text


def one_line(text: str) -> str:
    """Any run of whitespace (line breaks included) becomes one space; none at either end."""
    return " ".join(str(text).split())


def shorten(text: str, width: int) -> str:
    """``text`` on one line (:func:`one_line`), cut to ``width`` characters with "…" at the
    end where it was cut."""
    text = one_line(text)
    return text if len(text) <= width else text[: width - 1].rstrip() + ELLIPSIS


def category_words(categories: Iterable[str]) -> list[str]:
    """Treatment approaches as people name them (categories.toml's ``words``): "CAR T cell
    therapy", never the code "car-t" of the command line."""
    table = load_toml("categories.toml")
    return [table.get(name, {}).get("words") or name.replace("-", " ") for name in categories]


def status_text(status: str) -> str:
    """``NOT_YET_RECRUITING`` -> ``Not yet recruiting``; no status -> ``Unknown``."""
    return status.replace("_", " ").capitalize() if status else "Unknown"


def phase_text(phases: Iterable[str]) -> str:
    """``("PHASE1", "PHASE2")`` -> ``Phase 1/2``; no phase -> ``Not stated``."""
    phases = list(phases)
    if not phases:
        return "Not stated"
    if len(phases) == 2 and all(p.startswith("PHASE") for p in phases):
        return f"Phase {phases[0][-1]}/{phases[1][-1]}"
    return ", ".join(PHASE_NAMES.get(p, p) for p in phases)


def sex_text(sex: str) -> str:
    """``FEMALE`` -> ``Female`` (a code trialfinder does not know is kept as it is)."""
    return SEX_NAMES.get(sex, sex)


def age_text(trial: Trial, *, below_highest: bool = False) -> str:
    """``18 years and older``, ``18 years to 75 years``, ``up to 17 years`` or ``any age``.

    ``below_highest`` says the record's highest age itself is not allowed ("less than 18
    years" beside a highest age of 18 years): ``18 years to under 80 years``, ``under 18
    years`` (a lowest age of 0 is then not said)."""
    elig = trial.eligibility
    low, high = one_line(elig.min_age_text).lower(), one_line(elig.max_age_text).lower()
    if high and below_highest:
        return f"{low} to under {high}" if elig.min_age_years else f"under {high}"
    if low and high:
        return f"{low} to {high}"
    if low:
        return f"{low} and older"
    if high:
        return f"up to {high}"
    return "any age"


def distance_text(miles: float | None) -> str:
    """A distance in a table cell: ``2,691.4 mi``; ``unknown`` without one."""
    return "unknown" if miles is None else f"{miles:,.1f} mi"


def miles_text(miles: float) -> str:
    """A distance as a digest's sentence says it: ``2 mi``, ``39 mi``, ``less than 1 mi``."""
    return "less than 1 mi" if miles < 0.5 else f"{miles:,.0f} mi"


def distance_words(miles: float) -> str:
    """A distance as a summary says it: ``about 39 miles``, ``about 1,204 miles``, ``less than
    a mile``."""
    return "less than a mile" if miles < 1 else f"about {counted(round(miles), 'mile')}"


def place_text(*parts: str | None) -> str:
    """``Boston, Massachusetts, United States``: the parts known, in order, each on one line."""
    return ", ".join(one_line(part) for part in parts if part and part.strip())


def site_label(facility: str | None, place: str, form: str = "{facility}, {place}") -> str:
    """A site as people name it: its facility, then where it is (:func:`place_text`), put
    together as ``form`` says (``"{facility} in {place}"`` in a sentence); the one of them
    that is known when the other is not."""
    name = one_line(registry_text(facility or ""))
    if name and place:
        return form.format(facility=name, place=place)
    return name or place


def site_name(site: Site, form: str = "{facility}, {place}") -> str:
    """``Dana-Farber, Boston, Massachusetts, United States``: :func:`site_label` of a site."""
    return site_label(site.facility, place_text(site.city, site.state, site.country), form)


def site_words(site: Site, form: str = "{facility}, {place}") -> str:
    """A site as a sentence or a digest names it: :func:`site_name` with its country as people
    name it ("South Korea", not "Korea, Republic of") and no comma its facility's name ends
    with doubled."""
    facility = (site.facility or "").strip().rstrip(",;")
    return site_label(facility, place_text(site.city, site.state, country_name(site.country)), form)


def short_label(label: str) -> str:
    """A site's label without ", United States" (the place is already in the US), its country
    as people name it ("..., Seoul, South Korea", not "Korea, Republic of")."""
    label = label.removesuffix(", United States")
    for formal, name in country_names().items():
        if label.endswith(f", {formal}"):
            return label.removesuffix(formal) + name
    return label


def other_names(intervention: Intervention, trial: Trial) -> list[str]:
    """The other names of ``intervention`` worth saying, once each: not its own name, not
    another intervention of ``trial`` nor a name another one gives too (a regimen: "ABVD" of
    each of its drugs), not an arm's label ("Stratum A (Symptomatic)"), not a word for a kind
    of treatment or test (``summary.toml``'s ``not_other_names``)."""
    said = {_folded(i.name) for i in trial.interventions} | _not_other_names()
    said |= {_folded(arm.label) for arm in trial.arm_groups}
    said |= {
        _folded(name)
        for other in trial.interventions
        if other is not intervention
        for name in other.other_names
    }
    words, most = _other_name_words()
    others = [_folded(i.name) for i in trial.interventions if i is not intervention]
    kept = []
    for name in intervention.other_names:
        folded = _folded(name)
        found = set(re.findall(r"[a-z0-9]+", folded))
        if (
            folded not in said
            and not found & words
            and len(folded.split()) <= most
            # (nor another intervention misspelt: "Pemrolizumab" of adagrasib, NCT04613596)
            and not difflib.get_close_matches(folded, others, n=1, cutoff=0.85)
        ):
            said.add(folded)
            kept.append(name)
    return kept


def _folded(name: str) -> str:
    return " ".join(name.casefold().split())


@cache
def _other_name_words() -> tuple[frozenset[str], int]:
    table = load_toml("summary.toml")["interventions"]
    return frozenset(map(_folded, table["not_other_name_words"])), table["other_name_words"]


@cache
def _not_other_names() -> frozenset[str]:
    return frozenset(map(_folded, load_toml("summary.toml")["interventions"]["not_other_names"]))


def about_text(record: Mapping[str, Any]) -> str:
    """``relapsed · CAR T, immunotherapy``: a record's settings, then its treatment approaches,
    in the short words of ``settings.toml`` and ``categories.toml``; empty when it has neither."""
    settings_words, category_words = _short_words()
    parts = [
        ", ".join(words.get(name) or name.replace("-", " ") for name in record.get(key) or ())
        for key, words in (("setting", settings_words), ("categories", category_words))
    ]
    return " · ".join(part for part in parts if part)


@cache
def _short_words() -> tuple[dict[str, str], dict[str, str]]:
    """Setting name -> its short word; category name -> its short words."""

    def shorts(file: str) -> dict[str, str]:
        return {name: table["short"] for name, table in load_toml(file).items() if "short" in table}

    return shorts("settings.toml"), shorts("categories.toml")
