"""Plain-language summaries a patient can read, rendered from ``templates/summary.txt.j2``.

:func:`summary_facts` works out what a summary says, in plain phrases taken from data files
(``data/summary.toml``, ``data/eligibility.toml``); the template arranges them; then every
glossary term the text keeps is explained at its first use (``data/glossary.toml``).

What counts as "tested": the interventions given in the trial's EXPERIMENTAL arms, plus any
intervention the record links to no arm at all (so nothing is left out). When no arm is
experimental (single-group studies without arm types, observational studies), every
intervention counts as tested. The others (comparators, placebo, usual care) are named as what
other groups get.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from trialfinder.eligibility import Requirement, key_requirements
from trialfinder.glossary import explain_first_uses
from trialfinder.knowledge import load_toml
from trialfinder.model import Contact, Intervention, Site, Trial
from trialfinder.output import age_text, phase_text, status_text
from trialfinder.tagging.reader import arm_plan, is_cancer_trial
from trialfinder.tagging.treatments import car_t_source

if TYPE_CHECKING:
    from trialfinder.geo import NearestSite
    from trialfinder.tagging import Tags

TEMPLATE = "summary.txt.j2"
MAX_CONDITIONS = 4


@dataclass(frozen=True)
class Treatment:
    name: str
    kind: str  # "a medicine", "an immunotherapy", ... or "" when the record does not say


@dataclass(frozen=True)
class SummaryFacts:
    """Everything a summary template can use, already in plain words."""

    nct_id: str
    url: str
    disease: str  # "the cancer" or "the illness"
    observational: bool
    treatments: tuple[Treatment, ...]
    other_treatments: tuple[str, ...]
    combination: str  # a sentence, or ""
    phase: str  # "phase 2", "phase 1/2", "early phase 1", "not applicable", "not stated"
    phase_explained: str
    conditions: tuple[str, ...]
    more_conditions: bool
    setting: str  # "did not respond to treatment, or came back after treatment", or ""
    age: str  # "18 years and older", "any age", ...
    sex: str  # a sentence
    requirements: tuple[Requirement, ...]
    has_criteria: bool
    status: str  # "recruiting", "active not recruiting", ...
    status_explained: str
    sites_count: int
    countries: tuple[str, ...]
    nearest_place: str  # "Dana-Farber Cancer Institute in Boston, Massachusetts", or ""
    nearest_distance: str  # "about 12 miles", "less than a mile", or ""
    nearest_status: str  # the site's own status when it differs from the trial's, or ""
    only_site: str  # the place of the only site, or ""
    contact: Contact | None


def summarize(
    trial: Trial,
    tags: Tags | None = None,
    nearest: NearestSite | None = None,
    templates: str | None = None,
) -> str:
    """The plain-language summary of ``trial``.

    ``tags`` (from the tagging) say what kind of treatment each is and the disease setting;
    ``nearest`` (from the location feature) says where the nearest site is; ``templates`` is a
    folder of the user's own templates. A missing or broken template raises ConfigError.
    """
    from trialfinder.templating import render

    facts = summary_facts(trial, tags, nearest)
    text = render(TEMPLATE, templates, s=facts, trial=trial, tags=tags)
    return explain_first_uses(_tidy(text))


def summary_facts(
    trial: Trial, tags: Tags | None = None, nearest: NearestSite | None = None
) -> SummaryFacts:
    phrases = _phrases()
    disease = phrases["disease"]["cancer" if is_cancer_trial(trial) else "other"]
    observational = trial.study_type.upper() == "OBSERVATIONAL"
    tested = interventions_under_test(trial)
    tested_names = {i.name.lower() for i in tested}
    others = _unique(
        _one_line(i.name) for i in trial.interventions if i.name.lower() not in tested_names
    )
    combination = ""
    if tags is not None and "combination" in tags.categories and len(tested) > 1:
        combination = phrases["phrases"]["combination"]
    countries = tuple(sorted({s.country for s in trial.sites if s.country}))
    nearest_place = nearest_distance = nearest_status = ""
    if nearest is not None:
        nearest_place = _one_line(_site_place(nearest.site))
        nearest_distance = _distance(nearest.distance_mi)
        if nearest.site.status and nearest.site.status != trial.overall_status:
            nearest_status = status_text(nearest.site.status).lower()
    elig = trial.eligibility
    return SummaryFacts(
        nct_id=trial.nct_id,
        url=trial.url,
        disease=disease,
        observational=observational,
        treatments=tuple(Treatment(_one_line(i.name), _kind(i, tags, trial)) for i in tested),
        other_treatments=others,
        combination=combination,
        phase=phase_text(trial.phases).lower(),
        phase_explained=_phase_explained(trial, observational).format(disease=disease),
        conditions=tuple(_one_line(c) for c in trial.conditions[:MAX_CONDITIONS]),
        more_conditions=len(trial.conditions) > MAX_CONDITIONS,
        setting=_setting(tags),
        age=age_text(trial),
        sex=phrases["sex"].get(elig.sex.upper() or "none", phrases["sex"]["none"]),
        requirements=key_requirements(elig.criteria, tags.biomarkers if tags else ()),
        has_criteria=bool(elig.criteria.strip()),
        status=status_text(trial.overall_status).lower() if trial.overall_status else "",
        status_explained=phrases["statuses"].get(
            trial.overall_status.upper() or "none", phrases["statuses"]["none"]
        ),
        sites_count=len(trial.sites),
        countries=countries,
        nearest_place=nearest_place,
        nearest_distance=nearest_distance,
        nearest_status=nearest_status,
        only_site=_one_line(_site_place(trial.sites[0])) if len(trial.sites) == 1 else "",
        contact=_first_contact(trial.central_contacts),
    )


def interventions_under_test(trial: Trial) -> tuple[Intervention, ...]:
    """The interventions under test, named once each (see ``tagging.reader.ArmPlan``)."""
    tested = [trial.interventions[i] for i in arm_plan(trial).tested]
    return _unique_interventions([i for i in tested if i.name])


@cache
def _phrases() -> dict[str, Any]:
    return load_toml("summary.toml")


def _unique(names) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(name.lower(), name)
    return tuple(seen.values())


def _unique_interventions(items: list[Intervention]) -> tuple[Intervention, ...]:
    seen: dict[str, Intervention] = {}
    for item in items:
        seen.setdefault(item.name.lower(), item)
    return tuple(seen.values())


def _kind(intervention: Intervention, tags: Tags | None, trial: Trial) -> str:
    """What kind of treatment it is: the tagging's categories, else the record's type."""
    phrases = _phrases()
    if tags is not None:
        kinds = []
        for category in tags.categories_of(intervention.name):
            label = phrases["categories"].get(category)
            if category == "car-t":  # "made from your own immune cells" only when it is so
                label = phrases["car_t_made_from"].get(car_t_source(intervention, trial), label)
            if label is None:
                label = _category_sentence(category)
            if label:
                kinds.append(label)
        if kinds:
            return " and ".join(_unique(kinds))
    if re.search(r"\bplacebo", intervention.name, re.IGNORECASE):
        return phrases["phrases"]["placebo"]
    return phrases["intervention_types"].get(intervention.type.upper(), "")


def _category_sentence(category: str) -> str:
    """The tagging's own words for a category this file has no label for."""
    try:
        from trialfinder.tagging import CATEGORIES
    except ImportError:  # the tagging is not installed in this build
        return ""
    return CATEGORIES.get(category, "").rstrip(".")


def _setting(tags: Tags | None) -> str:
    if tags is None:
        return ""
    words = _phrases()["settings"]
    return ", or ".join(words[s] for s in tags.settings if words.get(s))


def _phase_explained(trial: Trial, observational: bool) -> str:
    phases = _phrases()["phases"]
    if not trial.phases:
        return phases["observational"] if observational else phases["none"]
    return phases.get("+".join(p.upper() for p in trial.phases), "")


def _site_place(site: Site) -> str:
    where = ", ".join(p for p in (site.city, site.state, site.country) if p)
    if site.facility and where:
        return f"{site.facility} in {where}"
    return site.facility or where


def _distance(miles: float) -> str:
    return "less than a mile" if miles < 1 else f"about {miles:.0f} miles"


def _first_contact(contacts: tuple[Contact, ...]) -> Contact | None:
    return next((c for c in contacts if c.phone or c.email), contacts[0] if contacts else None)


def _one_line(text: str) -> str:
    """A name on one line: a line break inside a name would break the summary's layout."""
    return " ".join(text.split())


def _tidy(text: str) -> str:
    """Trim trailing spaces and runs of blank lines a template may leave."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
