"""The reader of a trial's text: the one place that decides where the exclusion criteria start,
whether a trial is about cancer, and which arms give the treatments under test."""

from __future__ import annotations

from itertools import accumulate
from typing import NamedTuple

from trialfinder.model import ArmGroup, Trial
from trialfinder.tagging.lexicon import Knowledge
from trialfinder.tagging.text import capital_words, lower

EXCLUDED_ARMS = frozenset({"PLACEBO_COMPARATOR", "SHAM_COMPARATOR", "NO_INTERVENTION"})


def is_cancer_trial(trial: Trial, k: Knowledge) -> bool:
    text = " | ".join((*trial.conditions, trial.brief_title, trial.official_title, *trial.keywords))
    lowered = lower(text)
    if any(word in lowered for word in k.cancer_words):
        return True
    return not k.cancer_acronyms.isdisjoint(capital_words(text))


def arm_interventions(trial: Trial) -> dict[str, list[int]]:
    """Arm label -> indexes of its interventions, from both sides of the record."""
    by_name: dict[str, list[int]] = {}
    for index, intervention in enumerate(trial.interventions):
        by_name.setdefault(intervention.name.strip().casefold(), []).append(index)
    arms: dict[str, list[int]] = {}
    for arm in trial.arm_groups:
        found = arms.setdefault(arm.label, [])
        for listed in arm.intervention_names:
            name = listed.split(":", 1)[1] if ":" in listed else listed
            for index in by_name.get(name.strip().casefold(), ()):
                if index not in found:
                    found.append(index)
    labels = {arm.label.strip().casefold(): arm.label for arm in trial.arm_groups}
    for index, intervention in enumerate(trial.interventions):
        for label in intervention.arm_group_labels:
            arm_label = labels.get(label.strip().casefold())
            if arm_label is not None and index not in arms[arm_label]:
                arms[arm_label].append(index)
    return arms


def candidate_arms(trial: Trial) -> list[ArmGroup]:
    """Experimental arms; when none is marked so, every arm that gives a treatment."""
    experimental = [a for a in trial.arm_groups if a.type == "EXPERIMENTAL"]
    if experimental:
        return experimental
    return [a for a in trial.arm_groups if a.type not in EXCLUDED_ARMS]


def indexes_in_treatment_arms(trial: Trial, arms: dict[str, list[int]]) -> set[int] | None:
    """Interventions given in some arm other than placebo/no intervention (None: no arms)."""
    if not trial.arm_groups or not any(arms.values()):
        return None
    given: set[int] = set()
    for arm in trial.arm_groups:
        if arm.type not in EXCLUDED_ARMS:
            given.update(arms.get(arm.label, ()))
    listed = {i for indexes in arms.values() for i in indexes}
    given.update(i for i in range(len(trial.interventions)) if i not in listed)
    return given


# -- settings and biomarkers --------------------------------------------------------------


def inclusion_criteria(criteria: str) -> str:
    """The inclusion part of an eligibility text (everything before the exclusion criteria)."""
    position = exclusion_start(criteria)
    return criteria[:position] if position >= 0 else criteria


def exclusion_start(criteria: str, lowered: str | None = None) -> int:
    """Where the exclusion criteria begin ("Exclusion Criteria", "Key exclusion:"), or -1.

    Looked for in the lower-case text (``lowered``, when the caller has it): besides A-Z, only
    the Kelvin sign lowers to an ASCII letter, "k", which neither phrase holds.
    """
    lowered = lower(criteria) if lowered is None else lowered
    position = lowered.find("exclusion criteria")
    return position if position >= 0 else lowered.find("exclusion:")


class Fields(NamedTuple):
    """The fields settings and biomarkers are read from, and all of them joined by new lines."""

    parts: list[tuple[str, str]]  # (source, text)
    text: str
    lowered: str  # the joined text in lower case, letter for letter
    starts: list[int]  # where each part begins in the joined text


def text_fields(trial: Trial) -> Fields:
    """The fields settings and biomarkers are read from, joined and lower-cased once."""
    fields = [("title", trial.brief_title), ("official title", trial.official_title)]
    fields += [("condition", c) for c in trial.conditions]
    fields += [("keyword", kw) for kw in trial.keywords]
    parts = [(source, text) for source, text in fields if text]
    joined = "\n".join([text for _, text in parts])
    lowered = lower(joined)
    criteria = trial.eligibility.criteria
    if criteria:
        lowered_criteria = lower(criteria)
        end = exclusion_start(criteria, lowered_criteria)
        if end:
            end = len(criteria) if end < 0 else end
            parts.append(("inclusion criteria", criteria[:end]))
            separator = "\n" if joined else ""
            joined = joined + separator + criteria[:end]
            lowered = lowered + separator + lowered_criteria[:end]
    starts = list(accumulate([len(text) + 1 for _, text in parts[:-1]], initial=0))[: len(parts)]
    return Fields(parts, joined, lowered, starts)
