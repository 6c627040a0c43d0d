"""Tag a trial by treatment approach, disease setting and biomarker, with the evidence for each tag.

ClinicalTrials.gov only says an intervention is a DRUG, a BIOLOGICAL, a PROCEDURE and so on;
:func:`tag_trial` works out which of the :data:`CATEGORIES` each treatment belongs to, whether
the trial gives treatments together (``combination``), which disease settings it is for
(refractory, relapsed, resistant) and which biomarkers its patients must have. Every tag
carries :class:`Evidence`: where it was found and a sentence saying why.

The knowledge lives in data files (``trialfinder/data/lexicon.toml``, ``categories.toml``,
``biomarkers.toml``, ``settings.toml``); it is read and compiled once, on first use. Tagging
is pure and deterministic: the same trial always gives the same tags.

Modules, each deciding one thing:

- ``reader``: a trial's text, read once: where the exclusion criteria start, whether the trial
  is about cancer, which arms give the treatments under test;
- ``lexicon``: the data files, compiled once;
- ``text``: words, case and fast look-ups shared by every step;
- ``treatments``: what one intervention is;
- ``arms``: trial-level rules (which arms count, combination, palliative aim);
- ``context``: what the words around a phrase do to it (negated, hypothetical, ...);
- ``settings``: refractory, relapsed, resistant, and the ``disease-setting`` requirements;
- ``biomarkers``: the markers patients must have and must not have, and their requirements;
- ``queries``: checks of what a user typed (biomarker names);
- ``tags``: the :class:`Tags` and :class:`Evidence` given back.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from trialfinder.diseases import within_scope
from trialfinder.knowledge import load_toml
from trialfinder.model import Trial
from trialfinder.tagging.arms import tag_palliative, tag_treatments
from trialfinder.tagging.biomarkers import Markers, tag_biomarkers
from trialfinder.tagging.context import rules as context_rules
from trialfinder.tagging.lexicon import knowledge
from trialfinder.tagging.queries import (
    biomarker_matches,
    biomarker_names,
    check_biomarkers,
    normalize_biomarker,
)
from trialfinder.tagging.reader import (
    CONDITION,
    CRITERIA_SOURCES,
    EXCLUSION,
    Criteria,
    forget_trials,
    inclusion_criteria,
    is_cancer_trial,
    read_criteria,
    text_fields,
)
from trialfinder.tagging.requirements import (
    Requirement,
    asked_by_the_conditions,
    item_scope,
    read_requirements,
    settings_for_all,
    without_contradicted_exclusions,
)
from trialfinder.tagging.settings import Settings, tag_settings
from trialfinder.tagging.tags import BIOMARKER, CATEGORY, SETTING, Evidence, Tags
from trialfinder.tagging.treatments import find_mechanisms, find_terms, not_treatment_kinds
from trialfinder.vocabulary import CATEGORY_NAMES

__all__ = [
    "BIOMARKER",
    "CATEGORIES",
    "CATEGORY",
    "CATEGORY_NAMES",
    "SETTING",
    "Evidence",
    "Tags",
    "biomarker_matches",
    "biomarker_names",
    "category_explanations",
    "check_biomarkers",
    "clear_caches",
    "inclusion_criteria",
    "normalize_biomarker",
    "tag_trial",
]

_CATEGORY_ORDER = {name: i for i, name in enumerate(CATEGORY_NAMES)}


def clear_caches() -> None:
    """Forget the names, phrases, clauses and criteria read so far (the data files stay
    compiled)."""
    read_criteria.cache_clear()
    find_terms.cache_clear()
    find_mechanisms.cache_clear()
    not_treatment_kinds.cache_clear()
    context_rules().clear_cache()
    forget_trials()


@cache
def category_explanations() -> dict[str, str]:
    """Category name -> one plain sentence, in the order of :data:`CATEGORY_NAMES`."""
    table = load_toml("categories.toml")
    return {name: table[name]["explanation"] for name in CATEGORY_NAMES}


# Category name -> one plain sentence (categories.toml), in the order of CATEGORY_NAMES.
CATEGORIES: dict[str, str] = category_explanations()


def tag_trial(trial: Trial) -> Tags:
    """Categories, settings and biomarkers of ``trial``, each with its evidence."""
    k = knowledge()
    cancer = is_cancer_trial(trial)
    evidence: list[Evidence] = []
    categories: set[str] = set()
    comparators: set[str] = set()
    per_intervention: list[tuple[str, tuple[str, ...]]] = []

    if trial.study_type != "OBSERVATIONAL":  # observational studies assign no treatment
        tag_treatments(trial, cancer, k, categories, evidence, per_intervention, comparators)
        tag_palliative(trial, cancer, k, categories, evidence)
    settings = Settings((), ())
    biomarkers = Markers((), (), ())
    if cancer:
        fields = text_fields(trial)
        settings = tag_settings(fields, k, evidence)
        biomarkers = tag_biomarkers(fields, k, evidence)
    evidence.sort(key=lambda e: (e.kind != CATEGORY, _CATEGORY_ORDER.get(e.tag, 99)))
    criteria = read_criteria(trial.eligibility.criteria)
    read, scoped = read_requirements(criteria)
    read = asked_by_the_conditions(read, trial.conditions)
    if read:
        treatments = tuple(n for i in trial.interventions for n in (i.name, *i.other_names))
        read = without_contradicted_exclusions(read, criteria, treatments)
    markers, scoped_markers = _by_item_scope(biomarkers.requirements, criteria, trial)
    setting_rules = settings_for_all(settings.requirements, read, k.summary_not_treated.regex)
    untreated_too = (
        settings.untreated_too
        or _asked_of_some(evidence, setting_rules, criteria)
        or _ruled_out_for_some(settings.settings, setting_rules)
    )
    return Tags(
        categories=tuple(c for c in CATEGORY_NAMES if c in categories),
        settings=settings.settings,
        biomarkers=biomarkers.required,
        evidence=tuple(evidence),
        intervention_categories=tuple(per_intervention),
        comparator_categories=tuple(c for c in CATEGORY_NAMES if c in comparators),
        excluded_biomarkers=biomarkers.excluded,
        requirements=(*setting_rules, *markers, *read),
        scoped_requirements=(*scoped, *scoped_markers),
        untreated_too=untreated_too,
    )


def _by_item_scope(
    found: tuple[Requirement, ...], criteria: Criteria, trial: Trial
) -> tuple[tuple[Requirement, ...], tuple[Requirement, ...]]:
    """(the marker rules ``found`` for everyone, those for people with some diseases): a rule
    read from an item limited to some diseases ("Colorectal cancer: ... with KRAS G12C
    mutation") holds for people with them only, as the requirements of such an item do
    (:func:`~trialfinder.tagging.requirements.item_scope`), unless every disease the trial is
    for is one of them ("Participants with PIK3CA mutant breast cancer" in a trial for breast
    cancer)."""
    everyone: list[Requirement] = []
    scoped: list[Requirement] = []
    scopes: dict[tuple[str, str, str], tuple[str, ...]] = {}  # of the first item of each key
    if any(not r.scope for r in found):
        keys = {(r.text, r.section, r.cohort) for r in found if not r.scope}
        for item in criteria.items:
            key = (item.text, item.section, item.cohort)
            if key in keys and key not in scopes:
                scopes[key] = item_scope(item)
    for r in found:
        if not r.scope:
            scope = scopes.get((r.text, r.section, r.cohort), ())
            if scope and not within_scope(scope, trial):
                r = replace(r, scope=scope)
        (scoped if r.scope else everyone).append(r)
    return tuple(everyone), tuple(scoped)


def _asked_of_some(
    evidence: list[Evidence], setting_rules: tuple[Requirement, ...], criteria: Criteria
) -> bool:
    """Whether no setting of the trial is known to be for everyone who joins: each was read
    first in the criteria, or in one of its conditions while its criteria have parts (a
    condition may name one part's disease: "Acquired Resistance to KRAS G12C Inhibitor" among
    32 conditions, for the one part with KRAS G12C, NCT05786924), and is asked by no criterion
    of everyone: each that names it offers another way in ("Progressed following prior
    treatment or who have no satisfactory alternative treatment options", see
    :func:`settings_for_all`). The trial is then not only for disease treated before. (A
    setting named in a title is the trial's own word for whom it is for; one setting for
    everyone is enough, as the summary joins them by "or".)"""
    read = [e for e in evidence if e.kind == SETTING]
    parts = bool(criteria.cohorts)
    if not read or not all(
        e.source in CRITERIA_SOURCES or (parts and e.source == CONDITION) for e in read
    ):
        return False
    # (An item for people with some diseases, "Pancreatic cancer: ... has failed at least one
    # prior systemic therapy" beside "Other tumors: ... or for which no standard treatment
    # exists", NCT05438667, asks no one else: see ``disease_scopes``.)
    wanted = [
        rule
        for rule in setting_rules
        if rule.rule == "any-of" and rule.section != EXCLUSION and not rule.cohort
    ]
    # (Only the items of those rules are looked at, not every item as ``disease_scopes`` does:
    # a key is scoped when an item of it is.)
    keys = {(rule.text, rule.section, rule.cohort) for rule in wanted}
    scoped = {
        key
        for item in criteria.items
        if (key := (item.text, item.section, item.cohort)) in keys and item_scope(item)
    }
    asked = {
        value
        for rule in wanted
        if (rule.text, rule.section, rule.cohort) not in scoped
        for value in rule.values
    }
    return all(e.tag not in asked for e in read)


def _ruled_out_for_some(settings: tuple[str, ...], setting_rules: tuple[Requirement, ...]) -> bool:
    """Whether an inclusion criterion rules out a setting of the trial, for some who join or
    all ("For some parts of the study ... NSCLC that is previously untreated in the advanced
    setting" beside "For one part ... at least one prior regimen"): the trial is then not only
    for its settings."""
    return any(
        rule.rule == "none-of" and rule.section != EXCLUSION and set(rule.values) & set(settings)
        for rule in setting_rules
    )
