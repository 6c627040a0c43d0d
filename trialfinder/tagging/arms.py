"""Trial-level treatment rules: what the tested and the comparator arms give, combinations,
palliative aim.

Which interventions are under test and which are comparators is decided once, by the reader
(:func:`~trialfinder.tagging.reader.arm_plan`). ``categories`` are the approaches of the
interventions under test, of what the tested arms' own words name, and ``combination`` when a
tested arm gives two treatments together; ``comparator_categories`` are those given only in the
comparator arms, found the same way and said so in their evidence.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from trialfinder.model import ArmGroup, Trial
from trialfinder.tagging.drug_classes import drug_matches, find_drugs
from trialfinder.tagging.lexicon import Knowledge, knowledge
from trialfinder.tagging.reader import (
    PLACEBO_ARMS,
    ArmPlan,
    arm_plan,
    is_cancer_trial,
    per_trial,
)
from trialfinder.tagging.tags import CATEGORY, Evidence
from trialfinder.tagging.text import lower, snippet
from trialfinder.tagging.treatments import (
    CONDITIONING,
    PROCEDURE_CATEGORIES,
    Hit,
    Treatment,
    agent_names,
    classified,
    classify,
    find_terms,
    negated_before,
)
from trialfinder.vocabulary import CATEGORY_NAMES
from trialfinder.wording import registry_text, shorten

EVIDENCE_WIDTH = 160  # characters of the text a piece of evidence quotes


def _arm_text_hits(arm: ArmGroup, cancer: bool, cell_therapy: bool) -> list[Hit]:
    """Treatments named in an arm's label or description ("X given with radiotherapy")."""
    hits = []
    for text in (arm.label, arm.description):
        if not text:
            continue
        for hit in find_terms(text, cancer):
            start = text.find(hit.matched)
            if start >= 0 and negated_before(text, start):
                continue
            # Operations and transplants named in an arm's text are mostly context
            # ("before surgery", "after transplant"), so only the interventions count for them.
            if hit.category in ("surgery", "stem-cell-transplant"):
                continue
            # Around a cell therapy, chemotherapy is lymphodepletion and IL-2 supports the cells.
            if cell_therapy and (hit.category == "chemotherapy" or hit.canonical == _ALDESLEUKIN):
                continue
            if cancer or hit.category in PROCEDURE_CATEGORIES:
                hits.append(hit)
    return hits


@dataclass
class _Side:
    """The categories one side of a trial gives (the tested arms, or the comparator arms)."""

    comparator: bool
    treatments: list[Treatment]  # as this side gives them (lymphodepletion is conditioning)
    categories: set[str] = field(default_factory=set)
    evidence: list[Evidence] = field(default_factory=list)
    seen: set[tuple[str, str]] = field(default_factory=set)

    def arm_source(self, label: str) -> str:
        return f'comparator arm "{label}"' if self.comparator else f'arm "{label}"'

    def add(self, hit: Hit, source: str, text: str, comparator_arm: str = "") -> None:
        """Tag ``hit``'s category, found in ``source``; CAR T is an immunotherapy too."""
        if (hit.category, hit.canonical) in self.seen:
            return
        self.seen.add((hit.category, hit.canonical))
        self.categories.add(hit.category)
        reason = f"{hit.category}: {hit.how}"
        if source not in hit.how:
            reason += f" ({source})"
        if comparator_arm:
            reason += f' (comparator arm "{comparator_arm}")'
        self.evidence.append(
            Evidence(
                hit.category, CATEGORY, source, shorten(text, EVIDENCE_WIDTH), hit.matched, reason
            )
        )
        if hit.category == "car-t" and "immunotherapy" not in self.categories:
            self.categories.add("immunotherapy")
            self.evidence.append(
                Evidence(
                    "immunotherapy",
                    CATEGORY,
                    source,
                    shorten(text, EVIDENCE_WIDTH),
                    hit.matched,
                    f'immunotherapy: "{hit.matched}" ({source}) is a CAR T product, '
                    "an immune-cell therapy"
                    + (f' (comparator arm "{comparator_arm}")' if comparator_arm else ""),
                )
            )


def tag_treatments(
    trial: Trial,
    cancer: bool,
    k: Knowledge,
    categories: set[str],
    evidence: list[Evidence],
    per_intervention: list[tuple[str, tuple[str, ...]]],
    comparator_categories: set[str],
) -> None:
    """The approaches under test into ``categories``, those given only in comparator arms into
    ``comparator_categories``, each with its evidence; each intervention's own categories (none
    for a comparator) into ``per_intervention``, in the trial's order."""
    plan = arm_plan(trial)
    if cancer == is_cancer_trial(trial) and k is knowledge():  # as the trial reads: read once
        treatments = list(classified(trial))
    else:
        treatments = [classify(i, cancer, trial, k) for i in trial.interventions]
    cell_arms = _cell_therapy_arms(treatments, plan)
    tested = _tag_side(trial, cancer, k, treatments, plan, cell_arms, comparator=False)
    given = set(plan.tested)
    for index, treatment in enumerate(tested.treatments):
        categories_given = treatment.own_categories if index in given else ()
        per_intervention.append((treatment.intervention.name, categories_given))
    compared = _tag_side(trial, cancer, k, treatments, plan, cell_arms, comparator=True)
    categories.update(tested.categories)
    evidence.extend(tested.evidence)
    # A category given in both kinds of arm is one the trial tests.
    comparator_categories.update(compared.categories - tested.categories)
    evidence.extend(e for e in compared.evidence if e.tag in comparator_categories)


def _tag_side(
    trial: Trial,
    cancer: bool,
    k: Knowledge,
    treatments: list[Treatment],
    plan: ArmPlan,
    cell_arms: set[str],
    comparator: bool,
) -> _Side:
    """What the interventions and the arms' own words of one side give."""
    arms = plan.comparator_arms if comparator else plan.tested_arms
    treatments = _with_conditioning(treatments, plan, arms, cell_arms)
    side = _Side(comparator, treatments)
    indexes = plan.comparators if comparator else plan.tested
    for index in indexes:
        treatment = treatments[index]
        where = _first_arm(index, arms, plan) if comparator else ""
        for hit, source in treatment.hits:
            text = treatment.intervention.name if source == "intervention name" else source
            side.add(hit, source, text, where)
    arm_hits: dict[str, list[Hit]] = {}
    for arm in arms:
        # An arm's own words matter where its listed interventions leave a single treatment
        # ("X given with standard radiotherapy"); arms that already combine two are clear.
        given = plan.arms.get(arm.label, [])
        if arm.type in PLACEBO_ARMS or _active_count(given, treatments) >= 2:
            continue
        hits = _arm_text_hits(arm, cancer, arm.label in cell_arms or "" in cell_arms)
        arm_hits[arm.label] = hits
        for hit in hits:
            if hit.category not in side.categories:
                side.add(hit, side.arm_source(arm.label), arm.description or arm.label)
    if cancer:
        _tag_combination(trial, treatments, plan, arms, arm_hits, side, k)
    return side


def _first_arm(index: int, arms: tuple[ArmGroup, ...], plan: ArmPlan) -> str:
    return next((a.label for a in arms if index in plan.arms.get(a.label, ())), "")


def _active_count(indexes: list[int], treatments: list[Treatment]) -> int:
    return sum(treatments[i].agents for i in indexes if treatments[i].active)


def _is_cell_therapy(treatment: Treatment) -> bool:
    """An engineered or adoptive cell therapy (CAR T, TILs, TCR-T, NK cells)."""
    return any(
        h.category == "car-t" or h.canonical.endswith("leucel") or "cell" in h.how
        for h, _ in treatment.hits
        if h.category in ("car-t", "immunotherapy")
    )


def _cell_therapy_arms(treatments: list[Treatment], plan: ArmPlan) -> set[str]:
    """Labels of the arms that give a cell therapy, and ``""`` (every arm) when a cell therapy
    is linked to no arm."""
    cells = {i for i, t in enumerate(treatments) if _is_cell_therapy(t)}
    found = {label for label, indexes in plan.arms.items() if cells.intersection(indexes)}
    linked = {i for indexes in plan.arms.values() for i in indexes}
    return found | {""} if cells - linked else found


@per_trial
def conditioning(trial: Trial) -> frozenset[int]:
    """The interventions the arms under test give only to prepare the body for a cell therapy
    (lymphodepletion), by their index: not treatments under test."""
    plan = arm_plan(trial)
    treatments = list(classified(trial))
    cell_arms = _cell_therapy_arms(treatments, plan)
    given = _with_conditioning(treatments, plan, plan.tested_arms, cell_arms)
    lymphodepletion = knowledge().lymphodepletion
    # Around a cell therapy, or said to be lymphodepletion: not a transplant's conditioning,
    # which is a treatment the summary names.
    return frozenset(
        i
        for i, t in enumerate(given)
        if t.note == CONDITIONING
        and (
            bool(cell_arms)
            and ("" in cell_arms or all(a in cell_arms for a in _arms_giving(i, plan)))
            or lymphodepletion.search(t.intervention.description) is not None
        )
    )


def _arms_giving(index: int, plan: ArmPlan) -> list[str]:
    return [label for label, given in plan.arms.items() if index in given]


def _with_conditioning(
    treatments: list[Treatment],
    plan: ArmPlan,
    arms: tuple[ArmGroup, ...],
    cell_arms: set[str],
) -> list[Treatment]:
    """In an arm that gives an engineered or adoptive cell therapy, chemotherapy is
    lymphodepletion and interleukin-2 supports the infused cells: neither is a treatment of
    its own there. A chemotherapy also given in an arm of this side without cell therapy (the
    usual treatment a cell therapy is compared with) stays one."""
    if not cell_arms:
        return treatments
    out = []
    for index, treatment in enumerate(treatments):
        given_in = [a.label for a in arms if index in plan.arms.get(a.label, ())]
        if "" in cell_arms or all(label in cell_arms for label in given_in):
            treatment = _around_cell_therapy(treatment)
        out.append(treatment)
    return out


_INTERLEUKIN_2 = re.compile(r"interleukin-?2|\bIL-?2\b|aldesleukin", re.IGNORECASE)
_ALDESLEUKIN = "aldesleukin"  # interleukin-2's generic name in the lexicon


def _around_cell_therapy(treatment: Treatment) -> Treatment:
    hits = [hit for hit, _ in treatment.hits]
    name = treatment.intervention.name
    if hits and all(h.category == "chemotherapy" for h in hits):
        return Treatment(treatment.intervention, (), False, 0, CONDITIONING)
    # (By any name the lexicon gives it: "Proleukin" is aldesleukin too.)
    if _INTERLEUKIN_2.search(name) or (hits and all(h.canonical == _ALDESLEUKIN for h in hits)):
        return Treatment(treatment.intervention, (), False, 0, "support for the infused cells")
    return treatment


def _tag_combination(
    trial: Trial,
    treatments: list[Treatment],
    plan: ArmPlan,
    arms: tuple[ArmGroup, ...],
    arm_hits: dict[str, list[Hit]],
    side: _Side,
    k: Knowledge,
) -> None:
    """``combination`` when one arm of the side gives two or more treatments together."""
    candidates: list[tuple[str, list[int], list[Hit], str]] = [
        (
            arm.label,
            plan.arms.get(arm.label, []),
            arm_hits.get(arm.label, []),
            f"{arm.label} {arm.description}",
        )
        for arm in arms
    ]
    if not trial.arm_groups and not side.comparator:
        candidates = [("the single group", list(range(len(treatments))), [], "")]
    for label, indexes, extra, words in candidates:
        given = [treatments[i] for i in indexes if treatments[i].active]
        shown = _together(given, extra, choice=False)
        choice = bool(shown) and k.choice_arm.search(words) is not None
        if choice:
            shown = _together(given, extra, choice=True)
        if not shown:
            continue
        side.categories.add("combination")
        source = side.arm_source(label) if trial.arm_groups else "interventions"
        note = " (a choice among treatments: one of each kind counts)" if choice else ""
        given_how = "together"
        if in_sequence(words, k):
            given_how = "in the same group (its words say one follows another)"
        elif choice:
            given_how = "in the same group"
        elif (found := offers_choice(words, k)) is not None:
            said = _choice_said(words, found, shown, label)
            given_how = f'in the same group, maybe not all to everyone (its words say "{said}")'
        elif pair := alternatives_in(shown, k):
            given_how = (
                f"in the same group, maybe not all to everyone ({pair[0]} and {pair[1]} are"
                " mostly given one or the other)"
            )

        side.evidence.append(
            Evidence(
                "combination",
                CATEGORY,
                source,
                shorten(label, EVIDENCE_WIDTH),
                " + ".join(shown),
                f"combination: {source} gives {' + '.join(shown)} {given_how}{note}",
            )
        )
        return


def offers_choice(words: str, k: Knowledge | None = None) -> re.Match[str] | None:
    """Where the words of an arm (its label and description) say it may give some of its
    treatments only, or one of them (lexicon ``choice``: "or", "±", "investigator's choice",
    "one of the following"), or None. Neither the tags nor the summary say such an arm gives
    all its treatments to everyone in it. Not inside words that offer no choice of treatment
    (lexicon ``not_choice``: "until disease progression or unacceptable toxicity")."""
    k = k or knowledge()
    spans: list[tuple[int, int]] | None = None  # (looked for once a choice word is found)
    for found in k.choice.finditer(words):
        if spans is None:
            spans = [m.span() for m in k.not_choice.finditer(words)]
        if not any(low <= found.start() and found.end() <= high for low, high in spans):
            return found
    return None


# Between two treatments named one after the other: "or" ("paclitaxel or nab-paclitaxel",
# "mFOLFOX6 (oxaliplatin, 5-FU) or FOLFIRI").
_OR_BETWEEN = re.compile(r"\s*\)?\s*,?\s*or\s+(?:\(\s*)?", re.IGNORECASE)


def _choice_said(words: str, found: re.Match[str], shown: list[str], label: str) -> str:
    """The words to quote for a choice an arm offers: "or" between two of the ``shown``
    treatments it names ("paclitaxel or nab-paclitaxel"), else the words around ``found`` in
    the arm's ``label`` or in its description (``words`` is both, the label first)."""
    given = {name.lower() for name in shown}
    mentions = find_drugs(words) if " or " in words.lower() else []
    for one, other in itertools.pairwise(mentions):
        named = {one.value.lower(), other.value.lower()}
        if (
            len(named) == 2
            and named <= given
            and _OR_BETWEEN.fullmatch(words, one.end, other.start)
        ):
            return words[one.start : other.end]
    if found.start() < len(label):
        return registry_text(snippet(label, found.start(), found.end(), width=30))
    skip = len(label) + 1
    piece = snippet(words[skip:], found.start() - skip, found.end() - skip, width=30)
    return registry_text(piece)  # (the registry escapes brackets: "calcium \[folinic acid\]")


def alternatives_in(names: Iterable[str], k: Knowledge | None = None) -> tuple[str, str] | None:
    """Two drugs ``names`` name of a class whose members are mostly given one or the other
    (lexicon ``alternative_classes``: cisplatin and carboplatin), or None."""
    found = (m.value for name in names for m in find_drugs(name) if not m.is_class)
    drugs = list(dict.fromkeys(found))
    for alternative in (k or knowledge()).alternative_classes:
        members = [d for d in drugs if drug_matches(d, alternative)]
        if len(members) > 1:
            return members[0], members[1]
    return None


def in_sequence(words: str, k: Knowledge | None = None) -> bool:
    """Whether an arm's words (its label and description) say one treatment follows another
    and never that some are given together ("Neoadjuvant chemotherapy followed by surgery",
    NCT06712420; not "X in combination with Y followed by X alone"): lexicon ``in_sequence``
    and ``given_together``."""
    k = k or knowledge()
    return bool(k.in_sequence.search(words)) and not k.given_together.search(words)


def given_apart(words: str, k: Knowledge | None = None) -> bool:
    """Whether an arm's words (its label and description) say its treatments are not all given
    at once: one after another (:func:`in_sequence`), or one of them ("one of the following
    ... alone", NCT06214572: lexicon ``one_of``)."""
    k = k or knowledge()
    return in_sequence(words, k) or bool(k.one_of.search(words))


def _together(given: list[Treatment], extra: list[Hit], choice: bool) -> list[str]:
    """The distinct treatments an arm gives together, as shown in the evidence.

    In an arm that is a choice among treatments the listed ones are alternatives: one of each
    category counts (and the first one the tagger cannot name), unless one of them is itself
    several treatments (a regimen, "Ramucirumab + paclitaxel").
    """
    # An intervention that is one of several medicines gives the first (NCT03165734); the
    # arm's words naming its other options add none.
    own = {hit.canonical for treatment in given for hit, _ in treatment.hits}
    hits = [hit for treatment in given for hit in _given_hits(treatment)]
    hits += [hit for hit in extra if hit.canonical not in own]
    agents: list[str] = []
    for treatment in given:
        if not treatment.hits:
            name = treatment.intervention.name
            base = _DOSE.sub("", name).strip() or name
            if base not in agents:
                agents.append(base)
    if choice:
        first: dict[str, Hit] = {}
        for hit in hits:
            first.setdefault(hit.category, hit)
        shown = _shown(agent_names(list(first.values())), agents[:1])
        regimen = next((t for t in given if t.agents >= 2), None)
        if not shown and regimen is not None:
            shown = _shown(agent_names([hit for hit, _ in regimen.hits]), [])
        return shown
    return _shown(agent_names(hits), agents)


def _given_hits(treatment: Treatment) -> list[Hit]:
    """The hits of what ``treatment`` gives: of its first medicine only when it is one of
    several (one treatment though its hits name more, a choice among its other names)."""
    hits = [hit for hit, _ in treatment.hits]
    if treatment.agents == 1 and len(names := agent_names(hits)) > 1:
        return [hit for hit in hits if hit.canonical == names[0]]
    return hits


def _shown(named: list[str], unnamed: list[str]) -> list[str]:
    """How two or more treatments given together are named; [] for fewer."""
    agents = named + [a for a in unnamed if a not in named]
    if len(agents) < 2:
        return []
    shown = [a for a in agents if not a.endswith("(second drug)")]
    return shown if len(shown) >= 2 else [f"{shown[0]} (a regimen of several drugs)"]


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
    if not any(map(lowered.__contains__, k.palliative_words)) or not k.palliative.search(
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
                    shorten(text, EVIDENCE_WIDTH),
                    match.group(),
                    f'palliative-care: "{match.group()}" in the {source} shows that relieving '
                    "symptoms or side effects is the trial's main aim",
                )
            )
            return
