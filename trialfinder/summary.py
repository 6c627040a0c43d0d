"""Plain-language summaries a patient can read, rendered from ``templates/summary.txt.j2``.

:func:`summary_facts` works out what a summary says, in plain phrases taken from a data file
(``data/summary.toml``); the template arranges them; then every glossary term the text keeps
is explained at its first use (``data/glossary.toml``).

- **What it tests**: the treatments under test (``tagging.reader.arm_plan``), leaving out
  tests, scans, samples, questionnaires and placebo (as the tagging reads them) and entries
  that name no intervention. Each comparator arm is named by its whole regimen.
- **Key rules**: every "must", "must not", "at least", "up to" or "cannot" sentence is said
  from one requirement the tagging read in the criteria (``Tags.requirements``), in the words
  of ``[requirements]``; a rule of the exclusion criteria is only said as a limit.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from functools import cache, partial
from typing import TYPE_CHECKING, Any, NamedTuple

from trialfinder.ages import RecordAges, record_ages
from trialfinder.diseases import (
    about_trial_diseases,
    all_within,
    complications_named,
    named_diseases,
    only_other_diseases,
    trial_diseases,
    within_scope,
)
from trialfinder.geo import country_name
from trialfinder.glossary import explain_first_uses
from trialfinder.knowledge import any_of, load_toml
from trialfinder.model import ArmGroup, Contact, Intervention, Trial, site_countries
from trialfinder.tagging import CATEGORIES, tag_trial
from trialfinder.tagging.arms import alternatives_in, conditioning, given_apart, offers_choice
from trialfinder.tagging.biomarkers import left_out_variant
from trialfinder.tagging.drug_classes import Mention, drug_classes, drug_matches, find_drugs
from trialfinder.tagging.reader import (
    COMPARATOR_ARMS,
    EXCLUSION,
    ArmPlan,
    arm_plan,
    cohort_label,
    earlier_study,
    every_part,
    is_cancer_trial,
    read_criteria,
)
from trialfinder.tagging.requirements import (
    Requirement,
    as_ecog,
    count_value,
    narrower,
)
from trialfinder.tagging.settings import for_treated_disease, relapsed_or_spread
from trialfinder.tagging.tags import SETTING
from trialfinder.tagging.treatments import car_t_source, not_treatments, product_named
from trialfinder.templating import render
from trialfinder.wording import (
    age_text,
    distance_words,
    one_line,
    phase_text,
    site_words,
    status_text,
)

if TYPE_CHECKING:
    from trialfinder.geo import NearestSite
    from trialfinder.tagging import Tags

TEMPLATE = "summary.txt.j2"
MAX_CONDITIONS = 4
IN_PLACE = "{facility} in {place}"  # how a sentence names a site


@dataclass(frozen=True)
class Treatment:
    name: str
    kind: str  # "a medicine", "an immunotherapy", ... or "" when the record does not say
    # its description says it is given only when needed ("if clinically indicated",
    # "Patients who require adjuvant chemotherapy ... will receive"): said after it, or ""
    at_times: str = ""


@dataclass(frozen=True)
class Comparison:
    """What one or more comparator arms give, to compare with the treatments under test."""

    arms: tuple[str, ...]  # the arms' labels
    gets: tuple[str, ...]  # names as written, the placebo or sham phrase, or the "nothing" one
    some: bool  # the arms give a choice of these, or some only at times: not all of them
    compare: bool  # comparator arms (active, placebo, sham, none); else other arms ("Induction")
    # An arm's label names a treatment its record does not link to it ("Fulvestrant and
    # Investigator's choice of CDK4/6i" linked to fulvestrant only): the label is said too.
    labelled: bool = False
    # The arms give what is tested, by the record's links, and are compared with it all the
    # same ("Arm 1", ACTIVE_COMPARATOR, "Stereotactic Radiosurgery" like the arm under test,
    # its description "The WBRT dosage schedule ...", NCT05144867): ``gets`` is empty, and the
    # summary says they are treated in another way, not how (NCT00184067's comparison gets the
    # same vaccine without GM-CSF: "compared with it" would say it gets none of it).
    unnamed: bool = False
    # The groups under test get these too, by their own words though not by the record's links
    # (:func:`given_too`): "every" one of them, "some", "one" (the only one), or "" when none is
    # known to.
    too: str = ""


@dataclass(frozen=True)
class KeyRule:
    """One key rule in plain words, and the requirement of the criteria it says; a rule said
    once for several parts of the trial keeps the requirement of each other part too."""

    text: str
    requirement: Requirement
    others: tuple[Requirement, ...] = ()  # the same rule of the other parts the text names


@dataclass(frozen=True)
class SummaryFacts:
    """Everything a summary template can use, already in plain words."""

    nct_id: str
    url: str
    disease: str  # "the cancer" or "the illness"
    observational: bool
    treatments: tuple[Treatment, ...]  # the treatments under test
    # medicines the arms under test give only to prepare the body for a cell therapy
    # (lymphodepletion: "Fludarabine is used for lymphodepletion", NCT06898385): not tested
    conditioning: tuple[str, ...]
    conditioning_said: str  # the sentence that leads them in
    looked_at: tuple[str, ...]  # what it studies when that is no treatment (tests, exposures)
    comparisons: tuple[Comparison, ...]
    crossover: str  # a sentence after the comparisons when groups take turns, or ""
    combination: str  # a sentence, or ""
    # The treatments above that every arm gets (a targeted drug given beside delayed or upfront
    # radiotherapy, NCT05236946): not what tells the groups apart.
    every_group_gets: tuple[str, ...]
    phase: str  # "phase 2", "phase 1/2", "early phase 1", "not applicable", "not stated"
    phase_explained: str
    conditions: tuple[str, ...]
    more_conditions: bool
    # The trial takes healthy volunteers (the record's field), or its purpose is to prevent,
    # screen for or diagnose (``_NOT_FOR_THE_ILL``): its conditions are what it is about, not
    # who it is for ("Cervical Cancer" of a study of HPV in healthy young women, NCT04588402;
    # "Breast Cancer" of a breast examination study that excludes it once diagnosed,
    # NCT06056843; "Gastric Varices Bleeding" of a trial to prevent the first bleeding,
    # NCT06370169).
    about_only: bool
    healthy_only: str  # said instead of the conditions when the trial takes healthy people only
    earlier_study: str  # said when only people who took part in an earlier study can join
    setting: str  # "did not respond to treatment, or came back after treatment", or ""
    age: str  # "18 years and older", "any age", ...
    age_note: str  # said instead of the age when the record's age limits disagree, or ""
    # said after the age when the lowest age may be higher in some places, or ""
    age_elsewhere: str
    sex: str  # a sentence
    requirements: tuple[KeyRule, ...]
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
    # Where the contact is when it is a site's (the record names no central contact): the
    # nearest site's, or the only site's. "" for a central contact.
    contact_at: str = ""


def summarize(
    trial: Trial,
    tags: Tags | None = None,
    nearest: NearestSite | None = None,
    templates: str | None = None,
) -> str:
    """The plain-language summary of ``trial``.

    ``tags`` (from the tagging; worked out here when not given) say what kind of treatment
    each is, the disease setting and the rules of the criteria; ``nearest`` (from the location
    feature) says where the nearest site is; ``templates`` is a folder of the user's own
    templates. A missing or broken template raises ConfigError.
    """
    facts = summary_facts(trial, tags, nearest)
    text = render(TEMPLATE, templates, s=facts, trial=trial, tags=tags)
    return explain_first_uses(_tidy(text), cancer=is_cancer_trial(trial))


def summary_facts(
    trial: Trial, tags: Tags | None = None, nearest: NearestSite | None = None
) -> SummaryFacts:
    if tags is None:
        tags = tag_trial(trial)
    phrases = _phrases()
    disease = phrases["disease"]["cancer" if is_cancer_trial(trial) else "other"]
    observational = trial.study_type.upper() == "OBSERVATIONAL"
    plan = arm_plan(trial)
    what = _what_each_is(trial)
    given = trial.interventions
    tested = _unique_interventions(trial, plan.tested)
    treatments = tuple(given[i] for i in tested if what[i] == "treatment")
    looked_at: tuple[str, ...] = ()
    if observational or not treatments:
        looked_at = _unique(
            _name(given[i].name) for i in tested if what[i] in ("treatment", "test")
        )
        treatments = () if observational else treatments
    combination = ""
    if "combination" in tags.categories and _given_together(trial, plan, treatments):
        combination = phrases["phrases"]["combination"]
    # As a sentence names them ("South Korea", "the United States"), A to Z without "the".
    named = set(map(_country_said, filter(str.strip, site_countries(trial.sites))))
    countries = tuple(sorted(named, key=_country_order))
    nearest_place = nearest_distance = nearest_status = ""
    if nearest is not None:
        nearest_place = site_words(nearest.site, IN_PLACE)
        nearest_distance = distance_words(nearest.distance_mi)
        if nearest.site.status and nearest.site.status != trial.overall_status:
            nearest_status = status_text(nearest.site.status).lower()
    elig = trial.eligibility
    ages = record_ages(trial, tags.requirements)
    not_an_illness = _not_an_illness()
    illnesses = [c for c in trial.conditions if not not_an_illness.fullmatch(c.strip())]
    healthy_only = _healthy_only(trial)
    if healthy_only:
        illnesses = []  # "Dysphagia" of a study of healthy swallowing (NCT05594173)
    return SummaryFacts(
        nct_id=trial.nct_id,
        url=trial.url,
        disease=disease,
        observational=observational,
        treatments=tuple(
            Treatment(_name(i.name), _kind(i, tags, trial), _said_at_times(i)) for i in treatments
        ),
        conditioning=()
        if observational
        else _unique(_name(given[i].name) for i in tested if what[i] == "conditioning"),
        conditioning_said=phrases["phrases"]["conditioning"],
        looked_at=looked_at,
        comparisons=() if observational else comparisons(trial, plan, what),
        crossover=(
            phrases["phrases"]["crossover"]
            if trial.intervention_model.upper() == "CROSSOVER" and not observational
            else ""
        ),
        combination=combination,
        every_group_gets=_every_group_gets(trial, plan, treatments),
        phase=phase_text(trial.phases).lower(),
        phase_explained=_phase_explained(
            trial, observational, tests_only=not treatments and bool(looked_at)
        ).format(disease=disease),
        conditions=tuple(one_line(c) for c in illnesses[:MAX_CONDITIONS]),
        more_conditions=len(illnesses) > MAX_CONDITIONS,
        about_only=bool(illnesses)
        and (bool(elig.healthy_volunteers) or trial.primary_purpose.upper() in _NOT_FOR_THE_ILL),
        healthy_only=phrases["conditions"]["healthy_only"] if healthy_only else "",
        earlier_study=(
            phrases["conditions"]["earlier_study"]
            if earlier_study(trial.eligibility.criteria)
            else ""
        ),
        setting=_setting(tags),
        age=age_text(trial, below_highest=ages is RecordAges.BELOW_HIGHEST),
        age_note=phrases["ages"][_AGES_NOT_SAID[ages]] if ages in _AGES_NOT_SAID else "",
        age_elsewhere=phrases["ages"]["higher_note"] if _age_higher_somewhere(tags) else "",
        sex=phrases["sex"].get(_sex(elig.sex, tags), phrases["sex"]["none"]),
        requirements=key_rules(
            said_requirements(trial, tags), read_criteria(elig.criteria).cohorts
        ),
        has_criteria=bool(elig.criteria) and not elig.criteria.isspace(),  # (no stripped copy)
        status=status_text(trial.overall_status).lower() if trial.overall_status else "",
        status_explained=phrases["statuses"].get(
            trial.overall_status.upper() or "none", phrases["statuses"]["none"]
        ),
        sites_count=len(trial.sites),
        countries=countries,
        nearest_place=nearest_place,
        nearest_distance=nearest_distance,
        nearest_status=nearest_status,
        only_site=site_words(trial.sites[0], IN_PLACE) if len(trial.sites) == 1 else "",
        **_contact(trial, nearest),
    )


_country_said = partial(country_name, article=True)  # "the United States"


def _country_order(name: str) -> str:
    """Where a country's name goes in a list A to Z: "the United States" under U."""
    return name.removeprefix("the ").casefold()


def _name(name: str) -> str:
    """An intervention's name as a sentence says it: on one line, without a full stop at its end
    ("Long course palliative treatment." is said "Long course palliative treatment")."""
    return one_line(name).removesuffix(".").rstrip()


def _every_group_gets(
    trial: Trial, plan: ArmPlan, treatments: tuple[Intervention, ...]
) -> tuple[str, ...]:
    """The names of ``treatments`` (those under test) linked to every arm of a trial with a
    comparison, when some are not: what every group gets is not what is compared. Not said
    when the links are in doubt: a comparator arm linked to nothing of its own (the record
    links it to what is tested only, NCT05144867) or an arm that gives a choice."""
    if not plan.comparator_arms or len(trial.arm_groups) < 2:
        return ()
    linked = [set(plan.arms.get(arm.label, ())) for arm in trial.arm_groups]
    shared = set.intersection(*linked)
    tested_links = [set(plan.arms.get(arm.label, ())) for arm in plan.tested_arms]
    for arm in plan.comparator_arms:
        links = set(plan.arms.get(arm.label, ()))
        if not links or links in tested_links:
            return ()  # (linked to nothing, or to just what an arm under test gets: in doubt)
    if any(offers_choice(f"{arm.label}\n{arm.description}") for arm in trial.arm_groups):
        return ()
    indexes = [i for i, item in enumerate(trial.interventions) if item in treatments]
    everywhere = [
        i
        for i in indexes
        if i in shared
        and not any(  # ("given if clinically indicated": not to everyone for sure)
            _intervention_words(key).search(trial.interventions[i].description)
            for key in ("at_times", "choice_described")
        )
    ]
    if not everywhere or len(everywhere) == len(indexes) and len(indexes) > 1:
        return ()
    names = _unique(_name(trial.interventions[i].name) for i in everywhere)
    return () if alternatives_in(names) is not None else names


def _given_together(trial: Trial, plan: ArmPlan, treatments: tuple[Intervention, ...]) -> bool:
    """Whether some of ``treatments`` (those under test, as said) are given together: two of
    them in one tested arm, when the record links them to arms ("Bevacizumab Injection" and
    "Ultra-low-dose RT" in two arms are not), and the arm's words do not say one follows
    another and never that some go together ("Neoadjuvant chemotherapy followed by surgery",
    NCT06712420), nor that it gives one of them ("one of the following ... alone",
    NCT06214572): ``tagging.arms.given_apart``."""
    if len(treatments) < 2:
        return False
    if not plan.tested_arms:
        return True  # (no arm says which go together: the tagging's reading stands)
    said = {_name(t.name).lower() for t in treatments}
    for arm in plan.tested_arms:
        if given_apart(f"{arm.label} {arm.description}"):
            continue  # (one after another, or one of them: not said)
        names = {_name(trial.interventions[i].name).lower() for i in plan.arms.get(arm.label, ())}
        if len(names & said) > 1:
            return True
    return False


def interventions_under_test(trial: Trial) -> tuple[Intervention, ...]:
    """The treatments under test (see ``tagging.reader.ArmPlan``), named once each: no test,
    scan, sample, questionnaire or placebo, and no entry that names no intervention."""
    what = _what_each_is(trial)
    tested = _unique_interventions(trial, arm_plan(trial).tested)
    return tuple(trial.interventions[i] for i in tested if what[i] == "treatment")


# -- what is tested, what is compared ------------------------------------------------------


def _what_each_is(trial: Trial) -> tuple[str, ...]:
    """What each of ``trial``'s interventions is, in its order (read once a summary): "none"
    (names no intervention), "placebo" (a placebo and nothing more), "sham" (a placebo device
    or procedure: "Sham Device"), "test" (a test, scan,
    sample or questionnaire), "support" (a premedication or rescue medication given beside the
    treatments: neither tested nor compared), "conditioning" (given only to prepare the body
    for a cell therapy) or "treatment"."""
    preparing = conditioning(trial)
    return tuple(
        "conditioning" if i in preparing else _what_it_is(intervention.name, kind)
        for i, (intervention, kind) in enumerate(
            zip(trial.interventions, not_treatments(trial), strict=True)
        )
    )


def _what_it_is(name: str, not_treatment: str) -> str:
    """What an intervention named ``name`` is, which the tagging reads as ``not_treatment``
    ("placebo", "test" or ""): see :func:`_what_each_is`."""
    name = one_line(name)
    if not name or _no_intervention().search(name):
        return "none"
    if not_treatment == "placebo":
        if not _placebo_only(name):
            return "treatment"
        return "sham" if _intervention_words("sham").search(name) else "placebo"
    return not_treatment or "treatment"


def comparisons(trial: Trial, plan: ArmPlan, what: tuple[str, ...]) -> tuple[Comparison, ...]:
    """What the arms that give no treatment under test give, each by its whole regimen; arms
    giving the same are one. ``what`` is what each intervention is (:func:`_what_each_is`)."""
    words = _phrases()["interventions"]
    given: dict[tuple[tuple[str, ...], bool, bool], list[str]] = {}
    labelled: set[tuple[tuple[str, ...], bool, bool]] = set()
    too: dict[tuple[tuple[str, ...], bool, bool], str] = {}
    tested = {_name(trial.interventions[i].name).lower() for i in plan.tested}
    in_tested_arms = {i for arm in plan.tested_arms for i in plan.arms.get(arm.label, ())}
    for arm in plan.comparator_arms:
        indexes = plan.arms.get(arm.label, ())
        items = [trial.interventions[i] for i in indexes]
        gets = _regimen(trial, indexes, what, in_tested_arms)
        if gets and {name.lower() for name in gets} == tested:
            # Just what is tested ("D2 Lymphadenectomy" linked to "D3 Lymphadenectomy", a
            # "Control" arm of standard care linked to the study drug): the record does not
            # say how this arm differs. Its type may still say what it gives; else that it is
            # compared is said, not with what.
            gets = ()
            if arm.type not in ("NO_INTERVENTION", "PLACEBO_COMPARATOR", "SHAM_COMPARATOR"):
                if plan.compares(arm):
                    given.setdefault(_UNNAMED, []).append(one_line(arm.label))
                continue
        if not gets:
            if arm.type == "NO_INTERVENTION":
                gets = (words["nothing"],)
            elif arm.type == "PLACEBO_COMPARATOR":
                gets = (words["placebo"],)
            elif arm.type == "SHAM_COMPARATOR":
                gets = (words["sham_said"],)
            else:
                continue  # the record does not say what this arm gives
        some = len(gets) > 1 and (
            alternatives_in(gets) is not None
            or offers_choice(_arm_words(arm, items)) is not None
            or any(
                _intervention_words(key).search(item.description)
                for item in items
                for key in ("at_times", "choice_described")
            )
        )
        key = (gets, some, plan.compares(arm))
        given.setdefault(key, []).append(one_line(arm.label))
        if _names_more(arm.label, items):
            labelled.add(key)
        if (
            key not in too
            and plan.compares(arm)
            and all(what[i] == "treatment" for i in indexes)
            and not in_tested_arms.intersection(indexes)
        ):
            too[key] = given_too(trial, plan, gets)
    said = [
        Comparison(
            tuple(arms),
            *key,
            labelled=key in labelled,
            too=too.get(key, ""),
            unnamed=key == _UNNAMED,
        )
        for key, arms in given.items()
    ]
    # A placebo of an arm under test that gives nothing else (an EXPERIMENTAL arm "Placebo qw",
    # NCT02210780) or says it gives one or the other ("Participants will receive orforglipron
    # orally or placebo", NCT06948422) is given to some people, to compare, though no arm is a
    # comparator. (Beside a treatment, a placebo may be a dummy that keeps a secret which
    # treatment is given: no comparison.)
    kinds = []
    for arm in plan.tested_arms:
        indexes = plan.arms.get(arm.label, ())
        dummies = [what[i] for i in indexes if what[i] in ("placebo", "sham")]
        if dummies and (
            len(dummies) == len(indexes) or offers_choice(f"{arm.label}\n{arm.description}")
        ):
            kinds += [kind for kind in dummies if kind not in kinds]
    shown = {name for c in said for name in c.gets}
    for kind in kinds:
        name = words["placebo" if kind == "placebo" else "sham_said"]
        if name not in shown:
            said.append(Comparison((), (name,), False, True))
    return tuple(said)


# The key of arms that are compared with what is tested though they give it too (see
# ``Comparison.unnamed``).
_UNNAMED: tuple[tuple[str, ...], bool, bool] = ((), False, True)


def given_too(trial: Trial, plan: ArmPlan, names: tuple[str, ...]) -> str:
    """Whether the arms under test give the treatments ``names`` too, by their own words
    ("Adagrasib in combination with pembrolizumab"): "every" one of them, "some", "one" (the
    only one), or "".

    An arm's words are its label, its description and the descriptions of its interventions
    that no other intervention shares a name with (an arm linked by name to every "Adagrasib"
    of the record is not described by each). A treatment that is what is tested, by name or by
    drug ("Taxotere" against "Nanosomal Docetaxel"), is no treatment given too; one whose name
    a tested one holds is said already.
    """
    # (By name only: records put what is given with a drug among its other names, NCT04613596.)
    tested_drugs = [m.value for i in plan.tested for m in find_drugs(trial.interventions[i].name)]
    tested_names = " | ".join(trial.interventions[i].name for i in plan.tested).lower()
    wanted = []
    for name in names:
        drugs = [m.value for m in find_drugs(name) if not m.is_class]
        if any(_same_drug(d, t) for d in drugs for t in tested_drugs):
            return ""
        if name.lower() in tested_names:
            return ""  # said already ("Surgical debulking + CCRT" against "CCRT")
        wanted.append((name, drugs))
    counts = Counter(item.name.lower() for item in trial.interventions)
    giving = 0
    for arm in plan.tested_arms:
        own = [
            trial.interventions[i].description
            for i in plan.arms.get(arm.label, ())
            if counts[trial.interventions[i].name.lower()] == 1
        ]
        text = "\n".join([arm.label, arm.description, *own])
        found = [m for m in find_drugs(text) if not m.is_class]  # (once an arm)
        giving += all(_gives(text, found, name, drugs) for name, drugs in wanted)
    if not giving:
        return ""
    if giving < len(plan.tested_arms):
        return "some"
    return "one" if giving == 1 else "every"


def _gives(text: str, found: list[Mention], name: str, drugs: list[str]) -> bool:
    """Whether ``text`` (whose drugs named are ``found``) gives the treatment ``name`` (whose
    drugs are ``drugs``) with something else: each drug named, one of them after words that
    give it with (``given_too``); a name without drugs, as written."""
    if drugs:
        places = [[(m.start, m.end) for m in found if _same_drug(m.value, d)] for d in drugs]
        if not all(places):
            return False
        spans = [span for each in places for span in each]
    else:
        lowered, wanted = text.lower(), name.lower()
        spans = [(m.start(), m.end()) for m in re.finditer(re.escape(wanted), lowered)]
    return any(_given_with(text, start, end) for start, end in spans)


def _same_drug(one: str, other: str) -> bool:
    """Whether two drugs found by name are one, or one is a form of the other."""
    return drug_matches(one, other) or drug_matches(other, one)


def _given_with(text: str, start: int, end: int) -> bool:
    """Whether the treatment named at ``text[start:end]`` is given with another: see
    ``given_too`` in summary.toml."""
    # (A clause's last 300 characters: enough for the cue, and no quadratic cost on a hostile
    # description naming a drug thousands of times.)
    before = _CLAUSE_END.split(text[max(0, start - 300) : start])[-1]
    after = text[end:].split(None, 1)[:1]
    words = _phrases()["interventions"]["given_too_words"]
    cues = list(_intervention_words("given_too").finditer(before))
    if not cues or len(before[cues[-1].end() :].split()) > words:
        return False
    said_apart = _intervention_words("given_too_not")
    return not said_apart.search(before) and not (after and said_apart.search(after[0]))


# Where a clause of an arm's words ends: a sentence, a colon, a bracket or a line.
_CLAUSE_END = re.compile(r"[.;:](?:\s|$)|[\n()\[\]]")


def _names_more(label: str, items: list[Intervention]) -> bool:
    """Whether ``label`` names a drug or a class of drugs that none of ``items`` (an arm's
    interventions, by any of their names) is."""
    named = find_drugs(label)
    if not named:
        return False
    names = [name for item in items for name in (item.name, *item.other_names)]
    # (A name the label writes as an intervention does is that intervention: no look-up.)
    written = " | ".join(names).lower()
    named = [m for m in named if label[m.start : m.end].lower() not in written]
    if not named:
        return False
    given = [m.value for name in names for m in find_drugs(name)] + names
    return any(not any(drug_matches(drug, mention.value) for drug in given) for mention in named)


def _arm_words(arm: ArmGroup, items: list[Intervention]) -> str:
    """What an arm's record says of it: its label, description and interventions' names."""
    return "\n".join([arm.label, arm.description, *(i.name for i in items)])


def _regimen(
    trial: Trial, indexes: Iterable[int], what: tuple[str, ...], shared: Collection[int] = ()
) -> tuple[str, ...]:
    """An arm's treatments (``trial``'s interventions at ``indexes``, each of which is ``what``
    says), a placebo said once as such; its tests only when it gives no treatment ("CT guided
    biopsy" against "PET-CT guided biopsy"), and of those only the ones that are not also
    ``shared`` (given in the arms under test: scans and samples every arm has), when some
    are."""
    treatments: list[str] = []
    tests: list[str] = []
    own: list[str] = []  # the tests not shared
    for i in _unique_interventions(trial, indexes):
        kind = what[i]
        if kind == "treatment":
            treatments.append(_name(trial.interventions[i].name))
        elif kind in ("placebo", "sham"):
            words = _phrases()["interventions"]
            treatments.append(words["placebo" if kind == "placebo" else "sham_said"])
        elif kind == "test":
            tests.append(_name(trial.interventions[i].name))
            if i not in shared:
                own.append(tests[-1])
    return _unique(treatments) or _unique(own) or _unique(tests)


@cache
def _no_intervention() -> re.Pattern[str]:
    """Any of the ``no_intervention`` patterns, as one."""
    return any_of(_phrases()["interventions"]["no_intervention"])


def _said_at_times(intervention: Intervention) -> str:
    """What a summary says after a treatment its description gives only when needed
    (``at_times``, in a sentence that gives it: one naming it, or ``at_times_giving``), or ""."""
    at_times, giving = _intervention_words("at_times"), _intervention_words("at_times_giving")
    other = _intervention_words("at_times_not")
    name = one_line(intervention.name).lower()
    for sentence in re.split(r"(?<=[.;])\s+", intervention.description):
        gives_it = name in sentence.lower() or giving.search(sentence)
        if at_times.search(sentence) and gives_it and not other.search(sentence):
            return str(_phrases()["interventions"]["at_times_said"])
    return ""


@cache
def _intervention_words(name: str) -> re.Pattern[str]:
    """A pattern of ``[interventions]`` in summary.toml ("choice", "sham", "joined", ...),
    compiled once."""
    return re.compile(_phrases()["interventions"][name], re.IGNORECASE)


def _placebo_only(name: str) -> bool:
    """Whether a placebo's name gives nothing with it ("Placebo to match olaparib" does not;
    "Dapagliflozin in combination with placebo" does)."""
    return _intervention_words("placebo_with").search(name) is None


# -- key rules ------------------------------------------------------------------------------


def said_requirements(trial: Trial, tags: Tags) -> tuple[Requirement, ...]:
    """The requirements a summary may say: those for everyone, and those of criteria limited to
    some diseases that include every disease the trial is for ("measurable disease per RECIST
    v1.1 for solid tumors" in a trial for ovarian and colorectal cancer); not a rule for solid
    tumors in a trial that also takes leukemia (NCT05607199). When such a criterion is for
    another disease ("Colorectal cancer: ..." in a trial whose conditions name pancreatic cancer
    only), the trial takes more than its conditions say: none is said.

    In a trial for several diseases, a rule of an inclusion criterion that names some of them
    only ("ER+/HER2- or triple-negative breast cancer" among the cancers NCT03983954 lists) is
    a rule for people with those: it is not said either.

    Kinds of rule ``[requirements] not_for_diseases`` names are not said for a trial whose
    diseases are all within the diseases it gives them (spread to the brain, of a brain tumour).

    When the trial takes disease never treated too (``Tags.untreated_too``: "Treatment-naïve
    patients will be eligible only if they refused standard treatment", NCT03983954), a rule
    asking for earlier lines of treatment is not said: someone never treated may join."""
    shown, _ = _shown_kinds()  # (only these are said: the others need no look)
    unsaid = _phrases()["requirements"].get("not_for_diseases", {})
    said = {k for k in shown if k not in unsaid or not all_within(trial, unsaid[k])}
    everyone = tuple(r for r in tags.requirements if r.kind in said)
    if tags.untreated_too:
        everyone = tuple(r for r in everyone if not _asks_for_earlier_lines(r))
    if len(trial_diseases(trial).included) > 1:
        everyone = tuple(r for r in everyone if not _of_some_diseases(r, trial))
    scoped = tags.scoped_requirements
    if not scoped or not all(about_trial_diseases(r.scope, trial) for r in scoped):
        return everyone
    covering = tuple(r for r in scoped if r.kind in said and within_scope(r.scope, trial))
    return (*everyone, *covering) if covering else everyone


def _asks_for_earlier_lines(requirement: Requirement) -> bool:
    """Whether ``requirement``, of an inclusion criterion, asks for one earlier line of
    treatment or more."""
    if requirement.kind != "prior-lines" or requirement.section == EXCLUSION:
        return False
    if requirement.rule not in ("at-least", "between", "exactly") or not requirement.values:
        return False
    low = count_value(requirement.values[0])
    return low is not None and low > 0


def _of_some_diseases(requirement: Requirement, trial: Trial) -> bool:
    """Whether ``requirement``, of an inclusion criterion for everyone, is read from words that
    name only diseases unrelated to one ``trial`` is for (as the prescreen reads them)."""
    if requirement.section == EXCLUSION or requirement.cohort or requirement.scope:
        return False
    named = named_diseases(requirement.text)
    return bool(named) and any(
        only_other_diseases(d, named) for d in trial_diseases(trial).included
    )


def key_rules(
    requirements: tuple[Requirement, ...], parts: tuple[str, ...] = ()
) -> tuple[KeyRule, ...]:
    """The key rules a summary says, one sentence per requirement (``[requirements]``).

    Only the kinds listed in ``show``, in that order (rules for everyone before those of one
    part of the trial), at most ``max_rules``. A rule of the exclusion criteria is said only
    when it is a limit; a marker both required and excluded (for the same people) is not said;
    a rule the data has no sentence for is not said. ``parts``: the parts of the trial its
    criteria name (:attr:`~trialfinder.tagging.reader.Criteria.cohorts`); a rule said in the
    same words for every one of them is said once, for everyone.
    """
    data = _phrases()["requirements"]
    order, limits = _shown_kinds()
    sayable = tuple(
        r
        for r in map(as_ecog, requirements)  # a Karnofsky limit said as its ECOG grade
        if r.kind in order and (r.section != EXCLUSION or f"{r.kind} {r.rule}" in limits)
    )
    clashing = _clashing_markers(sayable)
    wanted = [
        r for r in sayable if not (r.kind.startswith("biomarker-") and clashing & _marker_keys(r))
    ]
    # "At least one earlier line" says nothing more when "one to three earlier lines" is said
    # (only a rule of the same kind, for the same people, can be narrower: compare those). Two
    # limits of the same sort ("ECOG 0, 1 or 2" and "ECOG 0 or 1") are rather those of groups
    # the criteria name in ways not read as parts of the trial: only the wider holds for all.
    alike: dict[tuple[str, str, str], list[Requirement]] = {}
    for r in wanted:
        alike.setdefault((r.kind, r.cohort, r.section), []).append(r)
    if any(len(group) > 1 for group in alike.values()):  # else none is narrower than another
        wanted = [
            r
            for r in wanted
            if not any(
                narrower(r, o) if o.rule == r.rule else narrower(o, r)
                for o in alike[(r.kind, r.cohort, r.section)]
            )
        ]
    # Brain metastases: of several rules for the same people, the most permissive holds (an item
    # allowing some people with them is an exception to one excluding them; the sentences of
    # [requirements.brain-metastases] are listed from the strictest to the most permissive), and
    # it is said once, from the first item that gives it (items may word its conditions apart).
    brain = list(data.get("brain-metastases", {}))
    wanted = [
        r
        for i, r in enumerate(wanted)
        if r.kind != "brain-metastases"
        or r.rule not in brain
        or not any(
            o.kind == r.kind
            and o.cohort == r.cohort
            and o.rule in brain
            and (brain.index(o.rule) > brain.index(r.rule) or (o.rule == r.rule and j < i))
            for j, o in enumerate(wanted)
        )
    ]
    # Each part's rule in the words it would have for everyone, worked out once.
    for_all = {r: rule_sentence(replace(r, cohort="")) for r in wanted if r.cohort}
    if parts:
        wanted = _for_every_part(wanted, parts, for_all)
    wanted.sort(key=lambda r: (order[r.kind], r.cohort != ""))
    # A rule said in the same words for several parts is said once, naming them all, where
    # the first of them comes.
    same: dict[str, list[Requirement]] = {}
    for r in wanted:
        if r.cohort:
            same.setdefault(for_all[r], []).append(r)
    rules: dict[str, KeyRule] = {}
    for requirement in wanted:
        # A part's rule said in the same words as one for everyone says nothing more.
        bare = for_all[requirement] if requirement.cohort else ""
        if bare and bare in rules:
            continue
        others: tuple[Requirement, ...] = ()
        if bare:
            first, *others_list = same[bare]
            if first is not requirement:
                continue  # (said with the first)
            others = tuple(others_list)
        text = rule_sentence(requirement, tuple(r.cohort for r in others))
        if text and text not in rules:
            rules[text] = KeyRule(text, requirement, others)
        if len(rules) >= data["max_rules"]:
            break
    return tuple(rules.values())


def _for_every_part(
    wanted: list[Requirement], parts: tuple[str, ...], for_all: dict[Requirement, str]
) -> list[Requirement]:
    """``wanted``, a part's rule made a rule for everyone when every part of the trial
    (``parts``, see :func:`~trialfinder.tagging.reader.every_part`) has a rule said in the same
    words ("Phase 2: ... with KRAS G12C mutation", "Phase 3: ... with KRAS G12C mutation"). The
    rules of each part are those left once the rules of one part are weighed against each
    other (the most permissive of them), so each part asks what is said. ``for_all``: each
    part's rule in the words it would have for everyone."""
    by_sentence: dict[str, set[str]] = {}
    for r in wanted:
        if r.cohort:
            by_sentence.setdefault(for_all[r], set()).add(r.cohort)
    everyone = {text for text, some in by_sentence.items() if text and every_part(some, parts)}
    if not everyone:
        return wanted
    return [replace(r, cohort="") if r.cohort and for_all[r] in everyone else r for r in wanted]


@cache
def _shown_kinds() -> tuple[dict[str, int], frozenset[str]]:
    """The kinds of rule a summary says, each with its place in the order (``show``), and the
    rules of the exclusion criteria said as limits (``limits``)."""
    data = _phrases()["requirements"]
    return {kind: i for i, kind in enumerate(data["show"])}, frozenset(data["limits"])


def rule_sentence(requirement: Requirement, other_parts: tuple[str, ...] = ()) -> str:
    """One requirement in plain words, or "" when the data has no sentence for it; said for
    ``other_parts`` of the trial too when it names its own ("In some parts of the trial
    (Cohort 7, Cohort A and Cohort B), ...")."""
    data = _phrases()["requirements"]
    phrases = data.get(requirement.kind, {})
    values = tuple(v for v in requirement.values if str(v).strip())
    key = requirement.rule
    if key == "between" and len(values) == 2 and values[0] == 0 and requirement.kind == "ecog":
        key, values = "at-most", values[1:]  # "0 to 2" is "2 or lower"
    if requirement.kind.startswith("biomarker-"):
        group = _marker_group(tuple(str(v).strip() for v in values))
        if not group:
            return ""
        key = f"{key}-{group}"
        if group == "person" and all(str(v).strip().upper() in _markers()[2] for v in values):
            key = f"{key}-unnamed"  # "matching HLA subtypes": which one, the record does not say
    # Said otherwise when the criterion's words call for it ("sensitizing EGFR mutations": only
    # some changes; "no prior therapy for metastatic disease": only advanced disease).
    if requirement.kind == "biomarker-required":
        values = tuple(_marker_asked(str(v).strip(), requirement.text) for v in values)
    fields = _fields(requirement.kind, key, values)
    if isinstance(phrases, dict):
        key = _qualified(requirement, key, phrases)
    phrase = phrases.get(key) if isinstance(phrases, dict) else None
    if phrase is None or fields is None:
        return ""
    phrase = _by_count(phrase, fields.pop("count"))
    if not phrase:
        return ""
    text = phrase.format(**fields)
    if requirement.cohort:
        rule = text[0].lower() + text[1:] if not phrase.startswith("{") else text
        named = list(dict.fromkeys(one_line(c) for c in (requirement.cohort, *other_parts)))
        several = len(named) > 1 or len(cohort_label(requirement.cohort)[1]) > 1  # "Parts 1 and 2"
        sentence = data["cohorts" if several else "cohort"]
        # (A name that holds "and" itself, "Part 3A and 3B", is listed with commas only.)
        listed = ", ".join(named) if any(" and " in n for n in named) else _join(named, data["and"])
        text = sentence.format(cohort=listed, rule=rule)
    return text


_NUMBER_RULES = ("at-least", "at-most", "exactly")


def _fields(kind: str, rule: str, values: tuple[object, ...]) -> dict[str, Any] | None:
    """What a rule's sentence is filled with, and the count it depends on; None when the
    values do not fit the rule (say nothing rather than something wrong)."""
    data = _phrases()["requirements"]
    if rule in _NUMBER_RULES or rule == "between":
        counted = [count_value(v) for v in values]
        numbers = [n for n in counted if n is not None]
        if not numbers or len(numbers) != len(counted):
            return None
        if len(numbers) != (2 if rule == "between" else 1):
            return None
        said = [str(n) if kind in data["digits"] else _word(n) for n in numbers]
        if rule == "between":
            if numbers[0] > numbers[1]:
                return None
            return {"count": None, "low": said[0], "high": said[1]}
        return {"count": numbers[0], "n": said[0]}
    if kind == "transplant":
        kinds = data["transplant-kinds"]
        which = str(values[0]).lower() if len(values) == 1 else "any"
        return {"count": None, "kind": kinds[which]} if which in kinds else None
    names = [one_line(_said(kind, str(v))) for v in values]
    if not names:
        return {"count": 0, "values": ""}
    if kind in data["comma_lists"]:
        joined = ", ".join(names)
    else:
        joined = _join(names, data["and"] if rule == "all-of" else data["or"])
    return {"count": len(names), "values": joined}


def _said(kind: str, value: str) -> str:
    """A drug class as a sentence names it ("a proteasome inhibitor"); anything else as is."""
    if kind in ("prior-therapy-required", "prior-therapy-excluded", "refractory-required"):
        return drug_classes().said(value)
    return value


def _by_count(phrase: str | list[str] | dict[str, str], count: int | None) -> str:
    """The sentence for ``count``: a list is indexed by it, a table has zero, one and many."""
    if isinstance(phrase, str):
        return phrase
    if count is None:
        return ""
    if isinstance(phrase, list):
        return phrase[count] if 0 <= count < len(phrase) else ""
    return phrase.get("zero" if count == 0 else "one" if count == 1 else "many", "")


def _word(number: int) -> str:
    words = _phrases()["requirements"]["numbers"]
    return words[number] if number < len(words) else str(number)


def _join(names: list[str], last: str) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {last} {names[-1]}"


@cache
def _markers() -> tuple[re.Pattern[str], frozenset[str], tuple[str, ...]]:
    table = _phrases()["requirements"]["markers"]
    return re.compile(table["change_words"]), frozenset(table["genes"]), tuple(table["person"])


def _marker_group(values: tuple[str, ...]) -> str:
    """What markers are said as: "change", "gene", "marker" or "person" ("" when mixed with
    markers of the person, or none)."""
    change, genes, person = _markers()
    groups = set()
    for value in values:
        if value.upper().startswith(person):
            groups.add("person")
        elif change.search(value):
            groups.add("change")
        elif value.upper() in genes:
            groups.add("gene")
        else:
            groups.add("marker")
    if not groups or ("person" in groups and len(groups) > 1):
        return ""
    return groups.pop() if len(groups) == 1 else "marker"


class _Levels(NamedTuple):
    markers: frozenset[str]
    threshold: re.Pattern[str]
    below: re.Pattern[str]
    scores: tuple[tuple[str, re.Pattern[str]], ...]
    words: dict[str, str]


@cache
def _levels() -> _Levels | None:
    table = _phrases()["requirements"]["markers"].get("levels")
    if table is None:
        return None
    return _Levels(
        frozenset(table["level_markers"]),
        re.compile(table["threshold"], re.IGNORECASE),
        re.compile(table["below"], re.IGNORECASE),
        tuple((name, re.compile(p, re.IGNORECASE)) for name, p in table["scores"].items()),
        {k: v for k, v in table.items() if isinstance(v, str)},
    )


def _marker_asked(marker: str, text: str) -> str:
    """A required marker with what the criterion asks of it, when it says so plainly: a level
    ("PD-L1 (TPS at least 50%)") or the changes left out ("KRAS (other than G12C)"); else the
    marker alone."""
    levels = _levels()
    if levels is None:
        return marker
    if left_out := left_out_variant(marker, text):
        return levels.words["said-other-than"].format(marker=marker, variant=left_out)
    if marker not in levels.markers:
        return marker
    name = re.compile(r"\b" + re.escape(marker).replace(r"\-", "-?") + r"\b", re.IGNORECASE)
    found = name.search(text)
    if found is None:
        return marker
    rest = re.split(r"[.;](?:\s|$)", text[found.end() :], maxsplit=1)[0]
    thresholds = list(levels.threshold.finditer(rest))
    scores = [score for score, pattern in levels.scores if pattern.search(rest)]
    if len(thresholds) != 1 or len(scores) > 1 or levels.below.search(rest):
        return marker
    at = thresholds[0]
    if not (at["percent"] or scores):
        return marker
    n = at["n"] + (at["percent"] or "")
    level = levels.words["at-least" if at["least"] else "more-than"].format(n=n)
    level = f"{scores[0]} {level}" if scores else level
    return levels.words["said"].format(marker=marker, level=level)


@cache
def _qualifiers(kind: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(name, pattern) of each `NAME-words` of [requirements.KIND], in order."""
    table = _phrases()["requirements"].get(kind, {})
    return tuple(
        (key.removesuffix("-words"), re.compile(pattern, re.IGNORECASE))
        for key, pattern in table.items()
        if key.endswith("-words")
    )


def _qualified(requirement: Requirement, key: str, phrases: dict[str, Any]) -> str:
    """``key`` with the name of the first `NAME-words` of [requirements.KIND] found in the
    requirement's criterion that ``phrases`` has a "KEY-NAME" sentence for (and, when it has
    `NAME-markers`, whose values are all among them): which changes of its markers a criterion
    asks for or rules out when not all of them ("certain", "treatable", "activating"), or that
    its rule holds for advanced disease ("advanced"); else ``key``."""
    for name, pattern in _qualifiers(requirement.kind):
        qualified = f"{key}-{name}"
        if qualified not in phrases:
            continue
        markers = phrases.get(f"{name}-markers")
        if markers is not None and not set(map(str, requirement.values)) <= set(markers):
            continue
        if pattern.search(requirement.text):
            return qualified
    return key


def _marker_keys(requirement: Requirement) -> set[tuple[str, str]]:
    return {(requirement.cohort, str(v).strip().casefold()) for v in requirement.values}


def _clashing_markers(requirements: tuple[Requirement, ...]) -> set[tuple[str, str]]:
    """Markers said both "must have" and "must not have" for the same people."""
    required: set[tuple[str, str]] = set()
    excluded: set[tuple[str, str]] = set()
    for r in requirements:
        if r.kind == "biomarker-required":
            required |= _marker_keys(r)
        elif r.kind == "biomarker-excluded":
            excluded |= _marker_keys(r)
    clash: set[tuple[str, str]] = set()
    for cohort, value in required:
        for other, excluded_value in excluded:
            if value == excluded_value and (cohort == other or not cohort or not other):
                clash |= {(cohort, value), (other, value)}
    return clash


@cache
def _phrases() -> dict[str, Any]:
    return load_toml("summary.toml")


def _unique(names: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(name.lower(), name)
    return tuple(seen.values())


def _unique_interventions(trial: Trial, indexes: Iterable[int]) -> list[int]:
    """The first of ``indexes`` of each name among ``trial``'s interventions, in their order."""
    seen: dict[str, int] = {}
    for i in indexes:
        seen.setdefault(trial.interventions[i].name.lower(), i)
    return list(seen.values())


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
    product = product_named(intervention.name)
    if product is not None and product.kind in phrases["known_kinds"]:
        known: str = phrases["known_kinds"][product.kind]
        return known
    if _intervention_words("joined").search(
        intervention.name
    ):  # ("Pozelimab + Cemdisiran" is two medicines)
        return ""
    if _intervention_words("usual_care").search(
        one_line(intervention.name)
    ):  # (a usual treatment: which, unsaid)
        return ""
    said: str = phrases["intervention_types"].get(intervention.type.upper(), "")
    return said


def _category_sentence(category: str) -> str:
    """The tagging's own words for a category this file has no label for."""
    return CATEGORIES.get(category, "").rstrip(".")


def _setting(tags: Tags | None) -> str:
    """The settings the trial is for, as a sentence ends; "" when it takes untreated disease
    too ("newly diagnosed or relapsed", "or no satisfactory alternative treatment"): "It is for
    people whose cancer came back" would turn away the newly diagnosed. Refractory disease read
    from words that say only that it was treated is said to be so, and relapsed disease read
    beside disease that need not have been treated ("Stage IV or recurrent") is not said
    (summary.toml [settings_read]). "" too when the criteria ask of everyone that the disease
    had no treatment for its advanced stage (``for_treated_disease``)."""
    if tags is None or tags.untreated_too:
        return ""
    if not for_treated_disease(tags.settings, tags.requirements):
        return ""  # "no prior therapy for metastatic disease", of everyone: first-line
    phrases = _phrases()
    words = dict(phrases["settings"])
    treated: str = phrases["settings_read"]["treated"]
    read = _settings_read()
    refractory = next((e for e in tags.evidence_for("refractory") if e.kind == SETTING), None)
    if refractory is not None and not read.no_response.search(refractory.matched):
        words["refractory"] = treated  # "previously treated": no word of no response
    if any(e.kind == SETTING and read.intolerant.search(e.text) for e in tags.evidence):
        # "Refractory, recurrent, or intolerant to BTK inhibitors" (NCT05147467): some who
        # join could not take a treatment; that it was treated is all that holds of everyone.
        return treated
    relapsed = next((e for e in tags.evidence_for("relapsed") if e.kind == SETTING), None)
    if relapsed is not None and relapsed_or_spread(relapsed.text):
        words["relapsed"] = ""  # "Stage IV or recurrent": not only disease that came back
    return ", or ".join(words[s] for s in tags.settings if words.get(s))


class _SettingsRead(NamedTuple):
    no_response: re.Pattern[str]
    intolerant: re.Pattern[str]


@cache
def _settings_read() -> _SettingsRead:
    """The patterns of ``[settings_read]``, compiled once (case ignored)."""
    read = _phrases()["settings_read"]
    return _SettingsRead(*(re.compile(read[name], re.IGNORECASE) for name in _SettingsRead._fields))


# The primary purposes of trials whose conditions may be what people do not have yet.
_NOT_FOR_THE_ILL = frozenset({"PREVENTION", "SCREENING", "DIAGNOSTIC"})


# The ages said instead of the fields', by the key of their words in summary.toml's [ages].
_AGES_NOT_SAID = {
    RecordAges.NARROWER: "disagree",
    RecordAges.NO_AGE_BETWEEN: "disagree",
    RecordAges.UNCLEAR: "unclear",
    RecordAges.CRITERIA_ONLY: "criteria_only",
}


def _age_higher_somewhere(tags: Tags) -> bool:
    """Whether the age rule of the criteria for everyone says the lowest age may be higher in
    some places (summary.toml ``[ages] higher_somewhere``: "Participant from Japan must be
    ≥ 20 years", "or the legal age of adulthood per country-specific regulations")."""
    pattern = _higher_somewhere()
    return any(
        r.kind == "age" and not r.cohort and not r.scope and pattern.search(r.text)
        for r in tags.requirements
    )


def _healthy_only(trial: Trial) -> bool:
    """Whether the trial takes healthy people only: the record says it takes healthy volunteers,
    and an inclusion criterion for everyone asks for healthy people (``[conditions]
    healthy_people``: "Healthy adults under age 60", NCT05594173; "Healthy children",
    NCT00973089). Its conditions are then what it studies, not what its people have."""
    if not trial.eligibility.healthy_volunteers:
        return False
    asks = _healthy_people()
    return any(
        item.section != EXCLUSION and not item.cohort and asks.search(item.text)
        for item in read_criteria(trial.eligibility.criteria).items
    )


@cache
def _healthy_people() -> re.Pattern[str]:
    return re.compile(_phrases()["conditions"]["healthy_people"], re.IGNORECASE)


@cache
def _not_an_illness() -> re.Pattern[str]:
    """A condition that names no illness (``[conditions] not_an_illness``), case ignored."""
    return any_of(_phrases()["conditions"]["not_an_illness"])


@cache
def _higher_somewhere() -> re.Pattern[str]:
    return re.compile(_phrases()["ages"]["higher_somewhere"], re.IGNORECASE)


def _sex(field: str, tags: Tags) -> str:
    """Which sexes can join: the record's field ("ALL", "FEMALE", "MALE"), or "none"; but when it
    says all or nothing and an inclusion criterion asks one sex of everyone ("Male
    participants"), that sex; and "disagree" when it says one sex and an inclusion criterion
    for everyone takes both ("Female or male", NCT04472845)."""
    said = field.upper() or "none"
    if said not in ("ALL", "none"):
        if any(_for_everyone(r) and r.kind == "sex" and r.rule == "any" for r in tags.requirements):
            return "disagree"
        return said
    asked = {
        str(r.values[0]).upper()
        for r in tags.requirements
        if r.kind == "sex" and r.rule == "only" and r.values and _for_everyone(r)
    }
    return asked.pop() if len(asked) == 1 else said


def _for_everyone(requirement: Requirement) -> bool:
    """Whether ``requirement`` is of an inclusion criterion (or one under no heading) for
    everyone."""
    return not requirement.cohort and requirement.section != EXCLUSION and not requirement.scope


def _phase_explained(trial: Trial, observational: bool, tests_only: bool = False) -> str:
    """What the trial's phase means; for a trial that tests no treatment (``tests_only``: a
    screening platform, a biopsy method) with a phase all the same, that it gives none."""
    phases: dict[str, str] = _phrases()["phases"]
    if not trial.phases:
        return phases["observational"] if observational else phases["none"]
    if tests_only and not observational and [p.upper() for p in trial.phases] != ["NA"]:
        return phases["tests_only"]
    key = "+".join(p.upper() for p in trial.phases)
    purpose = trial.primary_purpose.upper()
    not_treating: dict[str, str] = _phrases()["phases_not_treating"]
    # (a trial whose conditions name a complication, "Radionecrosis of Brain" beside gliomas,
    # may treat it rather than the disease: NCT06016452)
    treats_another = (purpose and purpose != "TREATMENT") or complications_named(
        trial.conditions, of_the_cancer=False
    )
    if treats_another and key in not_treating:
        return not_treating[key]
    single: dict[str, str] = _phrases()["phases_single_group"]
    # (not beside an arm the record calls a comparator: NCT06372145, "SINGLE_GROUP" with a
    # teriflunomide comparator, said both that another group gets it to compare and that it is
    # not designed to compare groups)
    if (
        trial.intervention_model.upper() == "SINGLE_GROUP"
        and key in single
        and not any(arm.type in COMPARATOR_ARMS for arm in trial.arm_groups)
    ):
        return single[key]
    return phases.get(key, "")


def _contact(trial: Trial, nearest: NearestSite | None) -> dict[str, Any]:
    """The fields ``contact`` and ``contact_at`` of the facts: the record's central contact; or,
    when it names none, the contact of the nearest site (near a place) or of the only site,
    where the record gives one (a search that needs no site details does not fetch them)."""
    central = _first_contact(trial.central_contacts)
    if central is not None:
        return {"contact": central}
    site = nearest.site if nearest is not None else None
    if site is None and len(trial.sites) == 1:
        site = trial.sites[0]
    found = _first_contact(site.contacts) if site is not None else None
    if site is None or found is None:
        return {"contact": None}
    return {"contact": found, "contact_at": site_words(site, IN_PLACE)}


def _first_contact(contacts: tuple[Contact, ...]) -> Contact | None:
    """The first contact with a phone or an email, built only from its real name, phone and
    email (``[contacts]``): a sentence written where the name goes is left out, and so is a
    phone or email that is none. ``None`` when no contact gives a way to reach it."""
    data, patterns = _phrases()["contacts"], _contact_patterns()
    for contact in contacts:
        phone = one_line(contact.phone)
        if sum(map(str.isdigit, phone)) < data["phone_digits"]:
            phone = ""
        email = contact.email.strip()
        if not patterns.email.match(email):
            email = ""
        if phone or email:
            return Contact(
                name=_contact_name(contact.name),
                role=contact.role,
                phone=phone,
                phone_ext=_extension(contact.phone_ext) if phone else "",
                email=email,
            )
    return None


def _extension(text: str) -> str:
    """A phone extension ("7028", "option 6"), or "" for anything else ("+33")."""
    text = one_line(text).lstrip(" .,;:")
    return text if _contact_patterns().extension.match(text) else ""


def _contact_name(name: str) -> str:
    """``name`` when it reads as a name (or a team's), without any web address in it; else "".
    A name written twice ("Allist Co., Ltd Allist Co., Ltd") is said once; a bracket at its end
    is left out ("Dr. Shivakumar Gudi, MBBS, MD (Radiation Oncology)", NCT06631443: a
    department, whose words the glossary would explain as if the trial gave radiation)."""
    patterns = _contact_patterns()
    name = _LAST_BRACKET.sub("", one_line(patterns.web_address.sub("", name)))
    half, rest = name[: len(name) // 2], name[len(name) // 2 :]
    if half and rest.strip() == half.strip():
        name = half.strip()
    if patterns.not_a_name.search(name):
        return ""
    return name.strip(" .,;-")


_LAST_BRACKET = re.compile(r"\s*\([^()]*\)\s*$")


class _ContactPatterns(NamedTuple):
    email: re.Pattern[str]
    extension: re.Pattern[str]
    web_address: re.Pattern[str]
    not_a_name: re.Pattern[str]


@cache
def _contact_patterns() -> _ContactPatterns:
    """The patterns of ``[contacts]``, compiled once."""
    data = _phrases()["contacts"]
    return _ContactPatterns(
        re.compile(data["email"]),
        re.compile(data["extension"], re.IGNORECASE),
        re.compile(data["web_address"]),
        any_of(data["not_a_name"]),
    )


_BLANK_LINES = re.compile(r"\n{3,}")


def _tidy(text: str) -> str:
    """Trim trailing spaces and runs of blank lines a template may leave."""
    text = "\n".join([line.rstrip() for line in text.strip().splitlines()])
    return _BLANK_LINES.sub("\n\n", text) if "\n\n\n" in text else text
