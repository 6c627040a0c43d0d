"""Trial-level treatment rules: which interventions the arms give, combinations, palliative aim."""

from __future__ import annotations

import re

from trialfinder.model import ArmGroup, Trial
from trialfinder.tagging.lexicon import Knowledge
from trialfinder.tagging.reader import (
    PLACEBO_ARMS,
    arm_interventions,
    candidate_arms,
    indexes_in_treatment_arms,
)
from trialfinder.tagging.tags import CATEGORY, Evidence
from trialfinder.tagging.text import lower, shorten
from trialfinder.tagging.treatments import (
    PROCEDURE_CATEGORIES,
    Hit,
    Treatment,
    agent_names,
    classify,
    find_terms,
)
from trialfinder.vocabulary import CATEGORY_NAMES

_ARM_NEGATION = re.compile(
    r"\b(?:no|not|without|prior|previous(?:ly)?|after|following|before|placebo|instead of|"
    r"progress\w*|refractory to|resistant to|failed|received|completion of|treated with|had|"
    r"undergone|underwent|history of)\W+(?:[\w/-]+\W+){0,3}$",
    re.IGNORECASE,
)


def _arm_text_hits(arm: ArmGroup, cancer: bool, cell_therapy: bool, k: Knowledge) -> list[Hit]:
    """Treatments named in an arm's label or description ("X given with radiotherapy")."""
    hits = []
    for text in (arm.label, arm.description):
        if not text:
            continue
        for hit in find_terms(text, cancer):
            start = text.find(hit.matched)
            if start >= 0 and _ARM_NEGATION.search(text[max(0, start - 40) : start]):
                continue
            # Operations and transplants named in an arm's text are mostly context
            # ("before surgery", "after transplant"), so only the interventions count for them.
            if hit.category in ("surgery", "stem-cell-transplant"):
                continue
            # Around a cell therapy, chemotherapy is lymphodepletion and IL-2 supports the cells.
            if cell_therapy and (hit.category == "chemotherapy" or hit.canonical == "aldesleukin"):
                continue
            if cancer or hit.category in PROCEDURE_CATEGORIES:
                hits.append(hit)
    return hits


def _category_evidence(hit: Hit, source: str, text: str) -> Evidence:
    return Evidence(
        tag=hit.category,
        kind=CATEGORY,
        source=source,
        text=shorten(text),
        matched=hit.matched,
        reason=f"{hit.category}: {hit.how} ({source})"
        if source not in hit.how
        else f"{hit.category}: {hit.how}",
    )


def tag_treatments(
    trial: Trial,
    cancer: bool,
    k: Knowledge,
    categories: set[str],
    evidence: list[Evidence],
    per_intervention: list[tuple[str, tuple[str, ...]]],
) -> None:
    treatments = [classify(i, cancer, trial, k) for i in trial.interventions]
    # In a trial of an engineered or adoptive cell therapy, chemotherapy is lymphodepletion
    # and interleukin-2 supports the infused cells: neither is a treatment of its own there.
    cell_therapy = any(
        h.category == "car-t" or h.canonical.endswith("leucel") or "cell" in h.how
        for t in treatments
        for h, _ in t.hits
        if h.category in ("car-t", "immunotherapy")
    )
    if cell_therapy:
        treatments = [_around_cell_therapy(t) for t in treatments]
    arms = arm_interventions(trial)
    in_real_arm = indexes_in_treatment_arms(trial, arms)
    seen: set[tuple[str, str]] = set()
    for index, treatment in enumerate(treatments):
        given = in_real_arm is None or index in in_real_arm
        per_intervention.append(
            (treatment.intervention.name, treatment.categories if given else ())
        )
        if not given:
            continue
        for hit, source in treatment.hits:
            if (hit.category, hit.canonical) in seen:
                continue
            seen.add((hit.category, hit.canonical))
            categories.add(hit.category)
            text = treatment.intervention.name if source == "intervention name" else source
            evidence.append(_category_evidence(hit, source, text))
            if hit.category == "car-t" and "immunotherapy" not in categories:
                categories.add("immunotherapy")
                evidence.append(
                    Evidence(
                        "immunotherapy",
                        CATEGORY,
                        source,
                        shorten(text),
                        hit.matched,
                        f'immunotherapy: "{hit.matched}" ({source}) is a CAR T product, '
                        "an immune-cell therapy",
                    )
                )
    arm_hits: dict[str, list[Hit]] = {}
    for arm in trial.arm_groups:
        # An arm's own words matter where its listed interventions leave a single treatment
        # ("X given with standard radiotherapy"); arms that already combine two are clear.
        if arm.type in PLACEBO_ARMS or _active_count(arms.get(arm.label, []), treatments) >= 2:
            continue
        hits = _arm_text_hits(arm, cancer, cell_therapy, k)
        arm_hits[arm.label] = hits
        for hit in hits:
            if hit.category in categories or (hit.category, hit.canonical) in seen:
                continue
            seen.add((hit.category, hit.canonical))
            categories.add(hit.category)
            source = f'arm "{arm.label}"'
            evidence.append(_category_evidence(hit, source, arm.description or arm.label))
    if cancer:
        _tag_combination(trial, treatments, arms, arm_hits, categories, evidence)


def _active_count(indexes: list[int], treatments: list[Treatment]) -> int:
    return sum(treatments[i].agents for i in indexes if treatments[i].active)


_INTERLEUKIN_2 = re.compile(r"interleukin-?2|\bIL-?2\b|aldesleukin", re.IGNORECASE)


def _around_cell_therapy(treatment: Treatment) -> Treatment:
    hits = [hit for hit, _ in treatment.hits]
    name = treatment.intervention.name
    if hits and all(h.category == "chemotherapy" for h in hits):
        return Treatment(treatment.intervention, (), False, 0, "conditioning before cell therapy")
    if _INTERLEUKIN_2.search(name):
        return Treatment(treatment.intervention, (), False, 0, "support for the infused cells")
    return treatment


def _tag_combination(
    trial: Trial,
    treatments: list[Treatment],
    arms: dict[str, list[int]],
    arm_hits: dict[str, list[Hit]],
    categories: set[str],
    evidence: list[Evidence],
) -> None:
    candidates: list[tuple[str, list[int], list[Hit]]] = [
        (arm.label, arms.get(arm.label, []), arm_hits.get(arm.label, []))
        for arm in candidate_arms(trial)
    ]
    if not trial.arm_groups:
        candidates = [("the single group", list(range(len(treatments))), [])]
    for label, indexes, extra in candidates:
        agents: list[str] = []
        hits: list[Hit] = []
        for index in indexes:
            treatment = treatments[index]
            if not treatment.active:
                continue
            if treatment.hits:
                hits.extend(hit for hit, _ in treatment.hits)
            else:
                base = (
                    _DOSE.sub("", treatment.intervention.name).strip()
                    or treatment.intervention.name
                )
                if base not in agents:
                    agents.append(base)
        hits.extend(extra)
        named = agent_names(hits)
        agents = named + [a for a in agents if a not in named]
        if len(agents) >= 2:
            shown = [a for a in agents if not a.endswith("(second drug)")]
            if len(shown) < 2:
                shown = [f"{shown[0]} (a regimen of several drugs)"]
            categories.add("combination")
            source = f'arm "{label}"' if trial.arm_groups else "interventions"
            evidence.append(
                Evidence(
                    "combination",
                    CATEGORY,
                    source,
                    shorten(label),
                    " + ".join(shown),
                    f"combination: {source} gives {' + '.join(shown)} together",
                )
            )
            return


_DOSE = re.compile(r"\s*\(?\b\d+(?:\.\d+)?\s*(?:mg|mcg|µg|g|iu|units?)\b.*$|\s+dose\b.*$", re.I)


_ANTICANCER = frozenset(CATEGORY_NAMES) - {"palliative-care", "combination"}


def tag_palliative(
    trial: Trial, cancer: bool, k: Knowledge, categories: set[str], evidence: list[Evidence]
) -> None:
    if trial.primary_purpose == "SUPPORTIVE_CARE":
        categories.add("palliative-care")
        evidence.append(
            Evidence(
                "palliative-care",
                CATEGORY,
                "primary purpose",
                "SUPPORTIVE_CARE",
                "SUPPORTIVE_CARE",
                "palliative-care: the trial's primary purpose is supportive care",
            )
        )
        return
    if not cancer or trial.primary_purpose not in ("TREATMENT", "PREVENTION", ""):
        return
    fields = [("title", trial.brief_title), ("official title", trial.official_title)]
    fields += [("condition", c) for c in trial.conditions]
    everything = " | ".join(text for _, text in fields)
    lowered = lower(everything)
    if not any(word in lowered for word in k.palliative_words) or not k.palliative.search(
        everything
    ):
        return
    # A trial of a cancer treatment that measures quality of life does not aim at it.
    treats_cancer = not categories.isdisjoint(_ANTICANCER)
    for source, text in fields:
        match = next(
            (
                m
                for m in k.palliative.finditer(text or "")
                if not (treats_cancer and m.group().lower() == "quality of life")
            ),
            None,
        )
        if match:
            categories.add("palliative-care")
            evidence.append(
                Evidence(
                    "palliative-care",
                    CATEGORY,
                    source,
                    shorten(text),
                    match.group(),
                    f'palliative-care: "{match.group()}" in the {source} shows that relieving '
                    "symptoms or side effects is the trial's main aim",
                )
            )
            return
