"""Requirements as typed data: what a trial's criteria ask of a patient, one rule at a time.

Every :class:`Requirement` comes from one item of the criteria read by
:mod:`trialfinder.tagging.reader`, and carries that item's text, section and cohort, so that
whatever is said from it (a summary sentence, a prescreen check) can be traced to the words
of the record. The kinds, and the rules and values each takes:

==========================  ==================================  ==============================
kind                        rule                                values
==========================  ==================================  ==============================
``age``                     at-least, at-most, between          years (numbers)
``sex``                     only, any                           "female" or "male"; any:
                                                                both ("Female or male")
``disease-setting``         any-of, none-of                     refractory, relapsed,
                                                                resistant (read by
                                                                ``settings``); non-metastatic,
                                                                metastatic (read here)
``prior-lines``             at-least, at-most, exactly, between counts of earlier lines
                            chemotherapy-at-most,
                            chemotherapy-at-least
``prior-therapy-required``  any-of, all-of                      drugs or drug classes
``prior-therapy-excluded``  any-of                              drugs or drug classes
``refractory-required``     any-of, all-of                      drugs or drug classes
``biomarker-required``      any-of                              markers; each alternative that
                                                                satisfies the rule
``biomarker-excluded``      any-of                              markers a patient must not have
``ecog``                    at-most, between, at-most-some,     ECOG scores; the lowest
                            karnofsky-at-least,                 Karnofsky or Lansky score
                            at-most-or-karnofsky-at-least       (the highest ECOG score first)
``brain-metastases``        none, treated-stable,               (none)
                            active-allowed, required
``measurable-disease``      required, disease-free              (none)
``transplant``              prior-required, prior-excluded,     "autologous", "allogeneic" or
                            ineligible-required,                "any"
                            eligible-required
``pregnancy``               excluded                            "pregnant", "breastfeeding"
==========================  ==================================  ==============================

``section`` is "inclusion", "exclusion" or "" (no heading); ``cohort`` is "" when the rule holds
for everyone, else the part of the trial it holds for ("Part A", "Cohort 2").

How the rules are read (:func:`extract`; the phrases are data, ``data/eligibility.toml``,
``[requirements.*]``; drug classes are ``data/drug_classes.toml``):

- Polarity comes from the section and the words: in the exclusion criteria a named treatment or
  condition is excluded; in the inclusion criteria it is required, unless a negation stands
  before it ("no prior ..."). "Must not" says what a person must not have in either section.
- An item gives no rule when its words make it conditional or partial: an allowance ("prior
  transplant is allowed"), an exception ("unless", "except"), a hypothetical or a plan ("if",
  "planned"), "with or without", a time limit on what is excluded ("within 4 weeks"), or a
  scope the reader does not name as a cohort ("Colorectal cancer: ...", "Dose-escalation
  part: ..."). Items under a lead-in that offers alternatives ("one of the following:") give
  no rule either; a marker of one that names a disease its list's other items do not ("ER+/
  HER2- or triple-negative breast cancer") holds for people with that disease
  (:func:`alternative_scope`). When in doubt, nothing is said: unknown never excludes.
- A number rule for everyone (age, lines, ECOG) that allows no one a part of the trial allows
  by its own rule of that kind is no rule for everyone: it is of people the reader does not
  name as a part (a pilot study's "aged 11 to 24" beside "Standard risk 1: < 11 years of age"),
  and is not read.
- ``age``: whole years of age, as a person states it: "over 18" is at-least 18 (18 and a half
  is over 18), "under 18" is at-most 17; an exclusion ("age < 18") gives the allowed side.
  Ages at diagnosis, in days or months, or of other people are not read.
- ``prior-lines``: counts of earlier lines of treatment, as the item counts them (usually for
  advanced disease; the text says). A count about a drug or class ("up to one prior taxane
  regimen", "2 lines of chemotherapy") is no count of lines and is not read, but for a ceiling
  on the lines of chemotherapy for advanced or metastatic disease ("not more than 3 prior
  chemotherapy regimens in a metastatic setting"): chemotherapy-at-most, which other lines do
  not count against, and a floor said with it ("at least 1 but not more than 3 prior
  chemotherapy regimens"): chemotherapy-at-least. In the exclusion criteria "more than 2 prior
  lines" is at-most 2.
- ``prior-therapy-required`` / ``refractory-required``: values are class names (see
  :mod:`trialfinder.tagging.drug_classes`) or generic drug names; all-of when the item lists
  them with "and", any-of with "or". A list followed by an unrecognised alternative ("platinum
  or immunotherapy") gives no required rule. Drugs given as examples of a class named before
  them ("a proteasome inhibitor (bortezomib)") are not values. "Refractory to", "resistant to",
  "progressed on" make refractory-required; with "relapsed" or "intolerant" beside it, the drug
  is only required.
- A drug or class an item names as a plan ("eligible for fulvestrant and palbociclib",
  "candidate for docetaxel") is the treatment to come: no sentence of that item that names it,
  or a class it belongs to, gives a prior-therapy rule ("Previous tolerance to CDK4/6
  inhibitors required" after "Eligible for ... palbociclib"). The plans are
  ``[requirements.prior_therapy] plans``.
- ``prior-therapy-excluded``: any-of. Not when the exclusion is limited to a setting ("for
  metastatic disease"), a time ("within 6 months"), a count ("more than one JAK inhibitor"),
  or a subset of the class ("investigational SERDs", "an ADC with MMAE payload").
- ``ecog``: the highest ECOG score allowed; ranges starting above 0 are between. A Karnofsky
  or Lansky score is kept on its own scale ("Karnofsky >= 70" is karnofsky-at-least 70), since
  the two scales convert only approximately (:func:`karnofsky_range`); an item giving both
  ("ECOG 0-1 or KPS >= 70") is at-most-or-karnofsky-at-least (1, 70): either will do. Where an
  item gives several scores of one scale (alternatives), the most permissive holds; a higher
  score allowed on a condition ("disease related ECOG 2 are allowed") gives at-most-some (1,
  2): 1 or lower for everyone, 2 for some.
- ``disease-setting`` (the stage): "any-of non-metastatic" from an inclusion item saying the
  cancer has not spread ("T1-4N0M0", "(all M0)", "no evidence of distant metastases", "Stage
  II or III"), "none-of metastatic" from an exclusion item naming spread disease ("Evidence of
  distant disease.", "M1", "Stage IV breast cancer"). Not from a stage said of one organ ("in
  the brain"), of another time ("at diagnosis", "history of"), of another staging system (Ann
  Arbor, ISS) or qualified ("needing upfront systemic therapy", "unless resected"); and none
  for a trial whose inclusion criteria also take spread disease ("or metastatic", "Stage III or
  IV", "treated brain metastases are allowed"), but for a stage IV by its number only beside an
  item for everyone saying in words that the cancer has not spread ("no metastatic disease").
- ``brain-metastases``: none (brain metastases excluded), treated-stable (only some people
  with brain metastases may join: treated, stable or without symptoms, as the item says; also
  when only active, untreated or symptomatic ones are excluded), active-allowed (untreated or
  active ones allowed, or the trial is for people with brain metastases). When several items of
  one cohort give different values, the most permissive holds (an item allowing some people
  with brain metastases is an exception to the one excluding them).
- ``transplant``: blood stem cell transplants only (not a kidney or liver); autologous,
  allogeneic or "any" when the item does not say which.
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cache
from itertools import pairwise
from typing import Any, NamedTuple

from trialfinder.diseases import diseases
from trialfinder.knowledge import load_toml
from trialfinder.tagging.context import covering_after, key_regex, literal_regex, match_starts
from trialfinder.tagging.context import rules as context_rules
from trialfinder.tagging.drug_classes import (
    Mention,
    drug_classes,
    drug_matches,
    drug_words,
    find_drugs,
)
from trialfinder.tagging.reader import EXCLUSION, Criteria, Item
from trialfinder.tagging.text import lower, may_match, required_words

try:  # the reader of regular expressions, to find the words a pattern starts with
    from re import _parser as regex_parser  # type: ignore[attr-defined]
except ImportError:  # Python 3.10
    import sre_parse as regex_parser

# Keeps a-z, 0-9 and the separator of items (\x01), turns A-Z to a-z and everything else to
# spaces: the words of a text, as its lower case has them (but for the Kelvin sign, see
# _items_to_read).
_ITEM_WORD_BYTES = bytes(
    ord(c.lower()) if c in string.ascii_letters + string.digits + "\x01" else ord(" ")
    for c in map(chr, range(256))
)

KINDS = (
    "age",
    "sex",
    "disease-setting",
    "prior-lines",
    "prior-therapy-required",
    "prior-therapy-excluded",
    "refractory-required",
    "biomarker-required",
    "biomarker-excluded",
    "ecog",
    "brain-metastases",
    "measurable-disease",
    "transplant",
    "pregnancy",
)

Value = str | int | float

MAX_PRIOR_LINES = 15
MAX_AGE = 120


@dataclass(frozen=True)
class Requirement:
    """One rule of a trial's criteria, with the item it was read from."""

    kind: str  # one of KINDS
    rule: str  # see the table in the module docstring
    values: tuple[Value, ...]
    text: str  # the item of the criteria, as written
    section: str = ""  # "inclusion", "exclusion" or ""
    cohort: str = ""  # "" for everyone, else "Part A", "Cohort 2", ...
    # The diseases the item is limited to ("solid tumor patients must ..."): the rule holds for
    # people with one of them only (see :func:`read_requirements`); () for everyone.
    scope: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "rule": self.rule,
            "values": list(self.values),
            "cohort": self.cohort,
            "section": self.section,
            "text": self.text,
        }


def extract(criteria: Criteria) -> tuple[Requirement, ...]:
    """The requirements of these kinds read from ``criteria``, item by item, in order: age, sex,
    prior-lines, prior-therapy-required, prior-therapy-excluded, refractory-required, ecog,
    brain-metastases, measurable-disease, transplant, and the stage (``disease-setting``)."""
    return read_requirements(criteria)[0]


def asked_by_the_conditions(
    requirements: tuple[Requirement, ...], conditions: Iterable[str]
) -> tuple[Requirement, ...]:
    """``requirements`` with an inclusion rule for everyone that takes brain metastases ("1 to 3
    brain metastases", active-allowed) made one that asks for them ("required") when the trial's
    conditions name them (``for_conditions`` of ``[requirements.brain_metastases]``: "Brain
    Metastases, Adult", NCT05144867): the trial is for people whose cancer has spread there.
    A part's rule asks for them too, unless its words only allow them (``allowed``)."""
    named = _rules().brain_conditions.regex
    if not any(named.search(c.lower()) for c in conditions):
        return requirements
    allowed = _rules().brain_allowed.regex
    return tuple(
        replace(r, rule="required")
        if r.kind == "brain-metastases"
        and r.rule == "active-allowed"
        and r.section == "inclusion"
        and (not r.cohort or not allowed.search(r.text.lower()))
        else r
        for r in requirements
    )


def read_requirements(
    criteria: Criteria,
) -> tuple[tuple[Requirement, ...], tuple[Requirement, ...]]:
    """(the requirements of :func:`extract`, those of items limited to people with some
    diseases). An item the reader would leave out because it holds for some people only keeps
    its rules when its words name the diseases it is for ("At a minimum, solid tumor patients
    must have received at least two lines ...", "Colorectal cancer: ..."): each then carries
    those diseases as its ``scope``, and only the prescreen, which knows the patient's
    diagnosis, uses them."""
    if not criteria.items:
        return (), ()
    rules = _rules()
    found: list[Requirement] = []
    scoped: list[Requirement] = []
    for item, low, own, named, readers in _items_to_read(criteria.items, rules):
        text = _Text(item, low, own, named, rules)
        reads = [read for reader in readers for read in reader(text, rules)]
        if not reads:
            continue
        if not text.skipped:  # context only when there is a rule
            found.extend(
                Requirement(kind, rule, values, item.text, item.section, item.cohort)
                for kind, rule, values in reads
            )
        elif scope := text.scope_diseases:
            scoped.extend(
                Requirement(kind, rule, values, item.text, item.section, item.cohort, scope)
                for kind, rule, values in reads
            )
    if any(r.kind == "disease-setting" for r in (*found, *scoped)) and _asks_for_spread(
        criteria, rules, found
    ):
        found = [r for r in found if r.kind != "disease-setting"]
        scoped = [r for r in scoped if r.kind != "disease-setting"]
    if any(r.cohort for r in found):
        found = [r for r in found if not _no_one_of_a_part(r, found)]
    every = [*found, *scoped]
    if any(no_earlier_line(r) for r in every):
        found = [r for r in found if not (no_earlier_line(r) and _treated_before(r, every))]
        scoped = [r for r in scoped if not (no_earlier_line(r) and _treated_before(r, every))]
    return tuple(found), tuple(scoped)


def disease_scopes(criteria: Criteria) -> dict[tuple[str, str, str], tuple[str, ...]]:
    """(text, section, cohort) of each item limited to people with some diseases, as
    :func:`read_requirements` reads it ("Pancreatic cancer: Recurrent/metastatic pancreatic
    cancer that has failed at least one prior systemic therapy"), and those diseases: the
    scope of a rule another reader found in that item (a disease setting, a marker)."""
    found: dict[tuple[str, str, str], tuple[str, ...]] = {}
    for item in criteria.items:
        if scope := item_scope(item):
            found[(item.text, item.section, item.cohort)] = scope
    return found


def item_scope(item: Item) -> tuple[str, ...]:
    """The diseases ``item`` is limited to, as :func:`disease_scopes` reads them, or ()."""
    words = item.text.encode("ascii", "replace").translate(_ITEM_WORD_BYTES).decode("ascii")
    text = _Text(item, lower(item.text), frozenset(words.split()), frozenset(), _rules())
    return text.scope_diseases if text.skipped else ()


def settings_for_all(
    settings: tuple[Requirement, ...],
    found: tuple[Requirement, ...],
    not_treated: re.Pattern[str],
) -> tuple[Requirement, ...]:
    """``settings`` (the disease settings asked for, item by item) less those of an inclusion
    item that lets in people whose disease need not be refractory or relapsed: one whose count of
    earlier lines starts at none ("No more than 1 prior line of therapy"), or that offers
    another way in by "or" ("progressed on or intolerant to a BTK inhibitor", "or refusal of
    chemotherapy": the `alternatives` of eligibility.toml; "newly diagnosed or relapsed",
    "first-line or second-line": ``not_treated``, what says the disease was not treated), or
    that says it is for one part of the trial ("At least 2 prior lines for Part A"), or whose
    setting is of one of the diseases it names ("locally advanced cervical cancer ... and
    recurrent breast cancers": the `treated_settings` of eligibility.toml); and, asked
    for or ruled out, those of an inclusion item for parts of the trial it does not name ("For
    one part of the study, participants must have received at least one prior regimen")."""
    from_none = {
        (r.text, r.section, r.cohort)
        for r in found
        if r.kind == "prior-lines"
        and (r.rule == "at-most" or (r.rule in ("between", "exactly") and r.values[0] == 0))
    }
    kept: list[Requirement] = []
    for r in settings:
        if r.section != EXCLUSION:
            low = lower(r.text)  # (once for the tests below)
            if not r.cohort and _FOR_SOME_PARTS.search(low):
                continue
            if r.rule == "any-of" and (
                (r.text, r.section, r.cohort) in from_none
                or _another_way_in(low, not_treated)
                or (not r.cohort and _FOR_A_PART.search(low))
                or _of_a_later_disease(low)
            ):
                continue
        kept.append(r)
    return tuple(kept)


def _of_a_later_disease(low: str) -> bool:
    """Whether every word of a treated setting in ``low`` stands between two diseases, neither
    within the other, and so is of the one after it only ("locally advanced head and neck
    cancers, ... locally advanced cervical cancer ... and recurrent breast cancers")."""
    vocabulary = diseases()
    seen = False
    for match in _rules().treated_settings.regex.finditer(low):
        seen = True
        found = vocabulary.find(low[: match.start()])[0]
        before = [d for d in found if not vocabulary.get(d).general]
        after = vocabulary.telling(
            vocabulary.find(" ".join(low[match.end() :].split()[:_DISEASE_AFTER]))[0]
        )
        if not before or not after:
            return False
        if any(
            one == other
            or one in vocabulary.get(other).lineage
            or other in vocabulary.get(one).lineage
            for one in after
            for other in before
        ):
            return False
    return seen


def _another_way_in(low: str, not_treated: re.Pattern[str]) -> bool:
    """Whether an alternative is offered by "or" or "either" a few words before it ("or be
    intolerant", "or who have no satisfactory treatment", "either treatment naive or
    progressed"), or, for disease not treated, by "or" just after it ("newly diagnosed or
    relapsed"). Not "either" itself, which may join the settings themselves ("either
    non-responders or have recurred"), nor an alternative to something else ("(unless
    contraindicated)")."""
    for match in _rules().alternatives.finditer(low):
        if match.group() != "either" and _OR_JUST_BEFORE.search(low, 0, match.start()):
            return True
    return offered_with_or(low, not_treated)


def offered_with_or(low: str, phrases: re.Pattern[str]) -> bool:
    """Whether one of ``phrases`` in ``low`` is joined by "or" (or "either") to something else
    than another of them: "newly diagnosed or relapsed", "first-line or second-line", not
    "adjuvant or neoadjuvant"."""
    spans = [(m.start(), m.end()) for m in phrases.finditer(low)]
    starts, ends = {start for start, _ in spans}, {end for _, end in spans}
    for start, end in spans:
        after = _OR_AFTER_PHRASE.match(low, end)
        if after and after.end() not in starts:
            return True
        # (Looked for in the few characters before: a run of spaces costs no more than its
        # length.)
        before = _OR_BEFORE_PHRASE.search(low, max(0, start - 12), start)
        if before:
            joint = before.start()
            while joint > 0 and low[joint - 1] in " ,\t\n":
                joint -= 1
            if joint not in ends:
                return True
    return False


_OR_JUST_BEFORE = re.compile(r"\b(?:or|either)\s+(?:[a-z-]+\s+){0,4}$")
_OR_AFTER_PHRASE = re.compile(r"[\s,]*(?:or|and/or)\s")
_OR_BEFORE_PHRASE = re.compile(r"\b(?:or|and/or|either)\s+$")


def excepted_after(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` holds an exception ("other than", "except", "excluding":
    eligibility.toml's `exceptions`)."""
    return _rules().exceptions.search(lower(text[start:end])) is not None


def said_allowed(text: str) -> bool:
    """Whether ``text`` says something is allowed, not itself negated ("are eligible", "is
    permitted"; not "is not permitted")."""
    return _rules().allowed(lower(text))


def one_of_alternatives(item: Item) -> bool:
    """Whether ``item`` is one of the alternatives its lead-in line offers ("... one of the
    following:", "... large B-cell lymphoma including:"): what it asks is not asked of all."""
    return bool(
        item.section != EXCLUSION
        and item.lead
        and _rules().alternative_leads.search(lower(item.lead))
    )


def alternative_scope(item: Item, others: Iterable[Item]) -> tuple[str, ...]:
    """The diseases an item of a list of alternatives is ("ER+/HER2- or triple-negative breast
    cancer" under "Solid tumor from the following list:"), each as the nearest disease of its
    kind that no marker defines (breast cancer): what the item asks of a marker, it asks of
    people with those diseases only. () when it is no such item, names no disease, or when
    another item of its list (``others``: the items of the criteria) names a disease within
    those: then they do not tell its people from the others' ("High-grade B-cell lymphoma with
    MYC and BCL2 rearrangements", read as a lymphoma, beside "Diffuse large B-cell lymphoma")."""
    if not one_of_alternatives(item):
        return ()
    vocabulary = diseases()
    named: list[str] = []
    for name in _named_diseases(item.text):
        plain = [
            d
            for d in vocabulary.get(name).lineage
            if not vocabulary.get(d).markers and not vocabulary.get(d).general
        ]
        if plain:  # the most specific of them: the one within all the others
            named.append(max(plain, key=lambda d: len(vocabulary.get(d).lineage)))
    if not named:
        return ()
    for other in others:
        if other.lead != item.lead or other.section != item.section or other == item:
            continue
        if other.cohort == item.cohort and any(
            vocabulary.get(d).lineage.intersection(named) for d in _named_diseases(other.text)
        ):
            return ()
    return tuple(dict.fromkeys(named))


def _named_diseases(text: str) -> tuple[str, ...]:
    vocabulary = diseases()
    found, _ = vocabulary.find(text)
    return vocabulary.telling(found) if found else ()


def no_earlier_line(requirement: Requirement) -> bool:
    """Whether ``requirement`` allows no earlier line of treatment ("no prior systemic therapy
    for advanced disease": at most, or exactly, none)."""
    return requirement.kind == "prior-lines" and requirement.values == (0,)


def _no_one_of_a_part(requirement: Requirement, found: list[Requirement]) -> bool:
    """Whether ``requirement``, a number rule for everyone, allows no one a part of the trial
    allows by its own rule of the same kind ("aged 11 to 24" beside "Standard risk 1: < 11 years
    of age", NCT03067181, where the first is of a pilot study the criteria do not name as a
    part): it is then not a rule for everyone, and is not read as one."""
    if requirement.cohort:
        return False
    mine = allowed_range(requirement)
    if mine is None:
        return False
    for other in found:
        if other.cohort and other.kind == requirement.kind:
            theirs = allowed_range(other)
            if theirs is not None and (theirs[1] < mine[0] or mine[1] < theirs[0]):
                return True
    return False


def _treated_before(requirement: Requirement, found: list[Requirement]) -> bool:
    """Whether an inclusion item of the same part asks for earlier treatment (a drug had or
    failed, a lower count of lines): then "no treatment for metastatic disease" means no other
    treatment ("progression on osimertinib" beside "any anti-cancer therapy in the metastatic
    setting"), and no count is read from it."""
    return any(
        other.section != EXCLUSION
        and (not other.cohort or not requirement.cohort or other.cohort == requirement.cohort)
        and (
            other.kind in ("prior-therapy-required", "refractory-required")
            or (
                other.kind == "prior-lines"
                and other.rule in ("at-least", "exactly", "between")
                and int(other.values[0]) >= 1
            )
        )
        for other in found
    )


def without_contradicted_exclusions(
    found: tuple[Requirement, ...], criteria: Criteria, trial_treatments: tuple[str, ...]
) -> tuple[Requirement, ...]:
    """``found`` less the earlier treatments it rules out that an inclusion criterion for the
    same people names as one they have had or will have ("Prior history of chemotherapy" beside
    "Patients should receive at least 4 cycles of R-CHOP chemotherapy", in a trial of radiation):
    the criteria disagree, and nothing is said of that treatment. A treatment of the trial
    itself (``trial_treatments``: the names of its interventions) stays ruled out ("Prior T-DXd"
    in a trial of T-DXd), and so does one the inclusion criterion names only to rule it out."""
    excluded = [r for r in found if r.kind == "prior-therapy-excluded"]
    if not excluded:
        return found
    values = {str(v) for r in excluded for v in r.values}
    # (Only a criterion that spells a treatment's name is read for it: "R-CHOP chemotherapy"
    # for chemotherapy. Reading every inclusion criterion for drugs would cost far more.)
    spellings = [(value, _spellings(value)) for value in values]
    sources = {r.text for r in excluded}
    named: dict[str, set[str]] = {}  # treatment ruled out -> the cohorts an inclusion names it in
    for item in criteria.items:
        if item.section == EXCLUSION or item.text in sources:
            continue
        low = lower(item.text)
        spelled = [value for value, names in spellings if any(map(low.__contains__, names))]
        for mention in find_drugs(item.text) if spelled else ():
            for value in spelled:
                if (mention.value == value or drug_matches(mention.value, value)) and not (
                    context_rules().effects(item.text, mention.start, mention.end) & _NOT_HAD
                ):
                    named.setdefault(value, set()).add(item.cohort)
    if named:
        given = [m.value for name in trial_treatments for m in find_drugs(name)]
        given += trial_treatments
        named = {
            value: cohorts
            for value, cohorts in named.items()
            if not any(g == value or drug_matches(g, value) for g in given)
        }
    if not named:
        return found
    kept: list[Requirement] = []
    for r in found:
        if r.kind == "prior-therapy-excluded":
            left = tuple(
                v
                for v in r.values
                if not any(not r.cohort or not c or c == r.cohort for c in named.get(str(v), ()))
            )
            if not left:
                continue
            if left != r.values:
                r = Requirement(r.kind, r.rule, left, r.text, r.section, r.cohort, r.scope)
        kept.append(r)
    return tuple(kept)


@cache
def _spellings(treatment: str) -> tuple[str, ...]:
    """The names of a drug or class, in lower case: the class's phrases and abbreviations."""
    found = drug_classes().get(treatment)
    names = (treatment,) if found is None else (found.name, *found.phrases, *found.abbreviations)
    return tuple({lower(name) for name in names if name.strip()})


# What makes a treatment an inclusion criterion names not one the person had ("No prior
# chemotherapy", "unless treated with ...").
_NOT_HAD = frozenset({"NEGATED", "HYPOTHETICAL", "EXCEPTION"})


# -- phrases, compiled once -------------------------------------------------------------------


class _Cues:
    """Phrases found as whole words in lower-case text.

    The phrases are one pattern between word boundaries, a tree of their letters
    (:func:`_phrase_tree`): far faster to run than one look-around per phrase, and than an
    alternation that tries every phrase wherever a word starts. Given the words of the item
    (``words``), a search is skipped when no phrase's first word is among them.
    """

    def __init__(self, phrases: list[str] | tuple[str, ...]) -> None:
        ordered = sorted(
            {" ".join(p.lower().split()) for p in phrases if p.strip()}, key=len, reverse=True
        )
        # The phrases by their edges (a word boundary before, after), the longest first: an
        # alternation of these groups, each tried in turn, finds a phrase of an earlier group
        # before a longer one of a later group (with "post" in one, "post-" in another, "post"
        # in "post-transplant"). The tree finds the longest of those that match at a place,
        # so it is used unless a phrase is the start of a longer one of a later group.
        buckets: dict[tuple[bool, bool], list[str]] = {}
        for phrase in ordered:
            buckets.setdefault(_edges(phrase), []).append(phrase)
        group = {edges: index for index, edges in enumerate(buckets)}
        if any(
            longer.startswith(shorter) and group[_edges(shorter)] < group[_edges(longer)]
            for shorter in ordered
            for longer in ordered
            if len(longer) > len(shorter)
        ):
            body = "|".join(
                ("\\b" if left else "")
                + "(?:"
                + "|".join(r"\s+".join(re.escape(w) for w in p.split()) for p in group_phrases)
                + ")"
                + ("\\b" if right else "")
                for (left, right), group_phrases in buckets.items()
            )
        else:
            # (Phrases starting with a sign are two patterns in one otherwise, slow in any case.)
            letters = {phrase[0] for phrase in ordered}
            few = len(letters) <= (10 if any(not _edges(char)[0] for char in letters) else 5)
            body = _phrase_tree(ordered, starts_checked_behind=few)
        body = body or "(?!)"
        self.regex = re.compile(body)
        self._at_end = re.compile(f"(?:{body})[\\s,/(-]*$")
        self._at_start = re.compile(f"[\\s,/-]*(?:{body})")
        self._tail = max((len(p) for p in ordered), default=0) + 8
        firsts = [_words_of(p) for p in ordered]
        # The first words of the phrases, one of which a text holding a phrase holds; None when
        # a phrase is of signs only ("≥", "+/-").
        self._firsts = None if any(not w for w in firsts) else frozenset(w[0] for w in firsts)

    def absent(self, words: frozenset[str] | None) -> bool:
        """Whether no phrase can be in a text with these words (None: not known)."""
        return words is not None and self._firsts is not None and self._firsts.isdisjoint(words)

    def search(
        self, text: str, start: int = 0, end: int | None = None, words: frozenset[str] | None = None
    ) -> re.Match[str] | None:
        # (The test of absent, written out: searches are many.)
        if words is not None and self._firsts is not None and self._firsts.isdisjoint(words):
            return None
        return self.regex.search(text, start, len(text) if end is None else end)

    def finditer(
        self, text: str, start: int = 0, end: int | None = None, words: frozenset[str] | None = None
    ) -> Iterator[re.Match[str]]:
        if words is not None and self._firsts is not None and self._firsts.isdisjoint(words):
            return iter(())
        return self.regex.finditer(text, start, len(text) if end is None else end)

    def blank(self, text: str, words: frozenset[str] | None = None) -> str:
        """``text`` with every phrase turned to spaces (positions kept)."""
        if words is not None and self._firsts is not None and self._firsts.isdisjoint(words):
            return text
        return self.regex.sub(lambda m: " " * len(m.group()), text)

    def ends(self, text: str, words: frozenset[str] | None = None) -> bool:
        """Whether one of the phrases ends ``text`` (stands directly before what follows)."""
        if self.absent(words):
            return False
        return self._at_end.search(text, max(0, len(text) - self._tail)) is not None

    def starts(self, text: str, words: frozenset[str] | None = None) -> bool:
        return not self.absent(words) and self._at_start.match(text) is not None


def _edges(phrase: str) -> tuple[bool, bool]:
    """Whether ``phrase`` starts, and ends, with a letter, digit or "_" (a word boundary goes
    there)."""
    return (phrase[0].isalnum() or phrase[0] == "_", phrase[-1].isalnum() or phrase[-1] == "_")


def _phrase_tree(
    phrases: list[str],
    space: str = r"\s+",
    whole_words: bool = True,
    starts_checked_behind: bool = False,
) -> str:
    """One pattern finding ``phrases`` (lower case, one space between words, matched by
    ``space``), with ``whole_words`` each a whole word where it starts or ends with a letter,
    digit or "_": a tree of their letters, so that at each place the search follows the branch
    of the letter there instead of trying every phrase. Where one phrase goes on from another,
    the longer is tried first, as in an alternation of the phrases, the longest first.

    With ``starts_checked_behind``, the start of a word is checked after its first letter (a
    look-behind over it, the same matches as a word boundary before it): the pattern then
    starts with one of a few letters, and a search skips in C to the places holding one,
    instead of trying the pattern at each. Far quicker for phrases that start with a few
    letters only, slower for those that start with many."""
    tree: dict[str, Any] = {}
    for phrase in phrases:
        node = tree
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = whole_words and _edges(phrase)[1]  # a phrase ends here (a word boundary?)

    def pattern(node: dict[str, Any]) -> str:
        branches = [
            (space if char == " " else re.escape(char)) + pattern(child)
            for char, child in node.items()
            if char
        ]
        if "" in node:
            branches.append("\\b" if node[""] else "")
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    if not whole_words:
        return pattern(tree) if tree else ""
    if starts_checked_behind:
        firsts = [
            re.escape(char)
            + (f"(?<!\\w{re.escape(char)})" if _edges(char)[0] else "")
            + pattern(child)
            for char, child in tree.items()
        ]
        return firsts[0] if len(firsts) == 1 else "(?:" + "|".join(firsts) + ")"
    words = {char: node for char, node in tree.items() if _edges(char)[0]}
    signs = {char: node for char, node in tree.items() if not _edges(char)[0]}
    return "|".join(
        [*(["\\b" + pattern(words)] if words else []), *([pattern(signs)] if signs else [])]
    )


class _Gated:
    """A pattern searched for in lower-case text only when the text holds one of the pieces
    that every match of it holds (:func:`required_words`): a few substring tests are far
    cheaper than trying the pattern at every letter, and most texts hold none of them. Given
    the words of the item searched (``words``), also only when it holds one of the words its
    matches start with (:func:`_pattern_first_words`), where the pattern spells them."""

    def __init__(self, pattern: str) -> None:
        self.regex = re.compile(pattern)
        self.pieces = required_words(self.regex)
        self.firsts = _pattern_first_words(self.regex)
        # The alternatives of a pattern that is one, each gated alone (see :meth:`found`).
        parts = _alternatives(pattern)
        self.alternatives = tuple(map(_Gated, parts)) if len(parts) > 1 else ()

    def absent(self, low: str, words: frozenset[str] | None = None) -> bool:
        """Whether the pattern cannot match anywhere in ``low`` (nor in a part of it), an item
        with these words (None: not known)."""
        if words is not None and self.firsts is not None and self.firsts.isdisjoint(words):
            return True
        return self.pieces is not None and not may_match(low, self.pieces)

    def search(
        self, low: str, start: int = 0, end: int | None = None, words: frozenset[str] | None = None
    ) -> re.Match[str] | None:
        if self.absent(low, words):
            return None
        return self.regex.search(low, start, len(low) if end is None else end)

    def finditer(self, low: str, words: frozenset[str] | None = None) -> Iterator[re.Match[str]]:
        return iter(()) if self.absent(low, words) else self.regex.finditer(low)

    def found(self, low: str, words: frozenset[str] | None = None) -> bool:
        """Whether the pattern matches anywhere in ``low``. The pattern "a|b|c" matches where
        one of its alternatives does: each is run alone, and only on a text holding its own
        pieces ("metasta" is one substring test; the whole pattern, tried at every letter,
        would run wherever a piece of any alternative is)."""
        if self.absent(low, words):
            return False
        if self.alternatives:
            return any(part.found(low, words) for part in self.alternatives)
        return self.regex.search(low) is not None


def _alternatives(pattern: str) -> list[str]:
    """The alternatives of ``pattern`` split at each "|" outside brackets and groups; [pattern]
    when it has one, or when they may not be run alone (inline flags, a reference to a group,
    an alternative that does not compile)."""
    parts, depth, start, index, in_class = [], 0, 0, 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 1  # an escaped character
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if pattern.startswith("^", index + 1):
                index += 1
            if pattern.startswith("]", index + 1):
                index += 1  # a "]" first in a set ("[]a]", "[^]a]") is one of its characters
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:index])
            start = index + 1
        index += 1
    parts.append(pattern[start:])
    if len(parts) == 1 or re.search(r"\(\?[aiLmsux]|\\[1-9]|\(\?P=", pattern):
        return [pattern]
    try:
        for part in parts:
            re.compile(part)
    except re.error:
        return [pattern]
    return parts


_ALNUM = frozenset(map(ord, string.ascii_lowercase + string.digits))


class _Unspelled(Exception):
    """A pattern that does not spell its first word out plainly."""


def _pattern_first_words(regex: re.Pattern[str], last: bool = False) -> frozenset[str] | None:
    """The words (as an item's word set has them) one of which every match of ``regex`` starts
    with (with ``last``, ends with), or None when the pattern does not say so plainly. It must
    start (end) at a word boundary (the text before it is no letter or digit, so a word starts
    there) and spell its first (last) word letter by letter up to what ends a word: a sign, a
    space or a word boundary."""
    try:
        parsed = list(regex_parser.parse(regex.pattern, regex.flags))
    except Exception:  # noqa: BLE001 (a pattern the reader does not follow is simply run)
        return None
    edge, rest = (parsed[-1:], parsed[:-1]) if last else (parsed[:1], parsed[1:])
    if regex.flags & re.IGNORECASE or edge != [(regex_parser.AT, regex_parser.AT_BOUNDARY)]:
        return None
    try:
        spelling, ended = _spell(rest, {""}, last)
    except _Unspelled:
        return None
    if spelling or "" in ended:  # a word that may go on after the match, or none at all
        return None
    return frozenset(ended)


def _spell(
    items: list[tuple[Any, Any]], spelling: set[str], backward: bool = False
) -> tuple[set[str], set[str]]:
    """(the first words still being spelled, those ended) after ``items``, from ``spelling``;
    with ``backward``, the last words, ``items`` read from the end. Look-arounds are passed
    over: they only take matches away."""
    p = regex_parser
    ended: set[str] = set()
    for op, value in reversed(items) if backward else items:
        if not spelling:
            break
        if op is p.LITERAL and value in _ALNUM:
            letter = chr(value)
            spelling = {letter + w if backward else w + letter for w in spelling}
        elif op is p.LITERAL or (
            op is p.IN
            and all(
                (kind is p.LITERAL and char not in _ALNUM)
                or (kind is p.CATEGORY and char is p.CATEGORY_SPACE)
                for kind, char in value
            )
        ):  # a sign or a space: the end of the word
            ended |= spelling
            spelling = set()
        elif op is p.AT and value is p.AT_BOUNDARY:  # after a letter, the end of the word
            ended |= {word for word in spelling if word}
            spelling = {word for word in spelling if not word}
        elif op is p.SUBPATTERN and not value[1] and not value[2]:  # a group, no inline flags
            spelling, more = _spell(list(value[3]), spelling, backward)
            ended |= more
        elif op is p.BRANCH:
            going: set[str] = set()
            for branch in value[1]:
                still, more = _spell(list(branch), spelling, backward)
                going |= still
                ended |= more
            spelling = going
        elif op in (p.MAX_REPEAT, p.MIN_REPEAT):
            least, most, body = value
            still, more = _spell(list(body), spelling, backward)
            if still and most > 1:
                raise _Unspelled  # a word spelled by a repetition ("[a-z]+")
            ended |= more
            spelling = still | spelling if least == 0 else still
        elif op not in (p.ASSERT, p.ASSERT_NOT):
            raise _Unspelled
    return spelling, ended


def _parsed_plainly(regex: re.Pattern[str]) -> list[tuple[Any, Any]] | None:
    """The parsed pattern of ``regex``, or None when it ignores case or cannot be parsed (such a
    pattern is simply run, never ruled out by its words)."""
    if regex.flags & re.IGNORECASE:
        return None
    try:
        return list(regex_parser.parse(regex.pattern, regex.flags))
    except Exception:  # noqa: BLE001 (a pattern the reader does not follow is simply run)
        return None


def _whole_words_needed(regex: re.Pattern[str]) -> tuple[frozenset[str], ...]:
    """Sets of words (as an item's word set has them), every match of ``regex`` holding one word
    of each, whole: those its pattern spells out plainly after a word boundary, in the sequence
    every match follows (see :func:`_pattern_first_words`)."""
    parsed = _parsed_plainly(regex)
    if parsed is None:
        return ()
    found = []
    for index, (op, value) in enumerate(parsed):
        if op is not regex_parser.AT or value is not regex_parser.AT_BOUNDARY:
            continue
        try:
            spelling, ended = _spell(parsed[index + 1 :], {""})
        except _Unspelled:
            continue
        if not spelling and ended and "" not in ended:
            found.append(frozenset(ended))
    return tuple(found)


def _words_of(text: str) -> list[str]:
    """The words of ``text`` as an item's word set has them (runs of a-z and 0-9)."""
    return text.lower().encode("ascii", "replace").translate(_ITEM_WORD_BYTES).decode().split()


def _phrase(phrase: str) -> str:
    """One phrase as a pattern of whole words (spaces flexible)."""
    body = r"\s+".join(re.escape(word) for word in phrase.split())
    left = r"\b" if phrase[0].isalnum() else ""
    right = r"\b" if phrase[-1].isalnum() else ""
    return left + body + right


Pieces = tuple[tuple[str, ...], ...]


def _required_pieces(regex: re.Pattern[str]) -> Pieces:
    """Sets of pieces of text, every match of ``regex`` holding a piece of each: the runs of
    plain characters of the pattern's parts that must match, and of its groups of alternatives
    that each hold one; the sets of fewest pieces first. () when the pattern does not say
    plainly, or ignores case."""
    parsed = _parsed_plainly(regex)
    if parsed is None:
        return ()
    return tuple(sorted((tuple(sorted(p)) for p in _sequence_pieces(parsed)), key=len))


def _sequence_pieces(items: list[tuple[Any, Any]]) -> list[set[str]]:
    """The sets of pieces of a sequence of parsed items, one set for each part that must match."""
    p = regex_parser
    found: list[set[str]] = []
    run: list[str] = []
    for op, value in [*items, (None, None)]:
        if op is p.LITERAL:
            run.append(chr(value))
            continue
        if run:
            found.append({"".join(run)})
            run = []
        one: set[str] | None = None
        if op is p.SUBPATTERN and not value[1] and not value[2]:  # a group, no inline flags
            one = _one_set(_sequence_pieces(list(value[3])))
        elif op is p.BRANCH:
            branches = [_one_set(_sequence_pieces(list(branch))) for branch in value[1]]
            if all(branches):
                one = set().union(*branches)  # type: ignore[arg-type]
        elif op in (p.MAX_REPEAT, p.MIN_REPEAT) and value[0] >= 1:
            one = _one_set(_sequence_pieces(list(value[2])))
        elif op is p.IN and all(kind is p.LITERAL for kind, _ in value):
            one = {chr(char) for _, char in value}
        if one:
            found.append(one)
    return found


def _one_set(sets: list[set[str]]) -> set[str] | None:
    """The most telling of ``sets``: the one whose shortest piece is longest."""
    return max(sets, key=lambda pieces: min(map(len, pieces)), default=None)


def _holds(text: str, pieces: Pieces) -> bool:
    """Whether ``text`` holds a piece of each set (:func:`_required_pieces`)."""
    for one in pieces:
        for piece in one:
            if piece in text:
                break
        else:
            return False
    return True


# The cue lists of [requirements.context], each read into an attribute of the same name.
_CONTEXT_LISTS = (
    *("negations", "strong_negations", "allowances", "exceptions", "hypotheticals"),
    *("time_limits", "with_or_without", "alternatives", "not_alternatives", "setting_limits"),
    *("treated_settings", "not_had", "consequences", "current", "outcomes", "trial_names"),
    *("narrowing_before", "narrowing_after"),
)


class _Rules:
    """Everything in ``[requirements.*]`` of ``data/eligibility.toml``, compiled."""

    # Set by name in __init__: the cue lists of _CONTEXT_LISTS, and those of brain metastases
    # and transplants.
    negations: _Cues
    strong_negations: _Cues
    allowances: _Cues
    exceptions: _Cues
    hypotheticals: _Cues
    time_limits: _Cues
    with_or_without: _Cues
    alternatives: _Cues
    not_alternatives: _Cues
    setting_limits: _Cues
    treated_settings: _Cues
    not_had: _Cues
    consequences: _Cues
    current: _Cues
    outcomes: _Cues
    trial_names: _Cues
    narrowing_before: _Cues
    narrowing_after: _Cues
    lines_any_treatment: re.Pattern[str]
    lines_for_advanced: re.Pattern[str]
    lines_not_any: re.Pattern[str]
    lines_curative: re.Pattern[str]
    lines_naive_before: re.Pattern[str]
    stage_spread: _Gated
    stage_spread_stage: _Gated
    stage_other_times: _Gated
    stage_earlier: _Gated
    stage_other_systems: _Gated
    brain_phrases: _Cues
    brain_active: _Cues
    brain_stable: _Cues
    brain_untreated: _Cues
    brain_treatment_of: _Cues
    brain_limits: _Cues
    transplant_frames: _Cues
    transplant_after: _Cues
    transplant_ongoing: _Cues
    transplant_ineligible: _Cues
    transplant_eligible: _Cues

    def __init__(self, table: dict[str, Any]) -> None:
        context = table["context"]
        for name in _CONTEXT_LISTS:
            setattr(self, name, _Cues(context[name]))
        # A scope is run only on a text holding a piece of each of its sets of pieces (most
        # texts lack the words of a phrase). One anchored at the start mostly fails at once:
        # looking for words first would cost more, so only the signs it needs are looked for
        # (most texts lack the ": " or " - " that ends a heading).
        self.scopes = [
            (
                scope,
                tuple(p for p in pieces if all(len(piece) == 1 for piece in p))
                if scope.pattern.startswith("^")
                else pieces,
            )
            for scope in map(re.compile, context["scopes"])
            for pieces in [_required_pieces(scope)]
        ]
        # ... and, given the words of the item, only on one holding a word of each set its
        # matches hold: a bit for each set, and each word the bits of the sets it is in (one
        # look-up of the item's words tells which scopes may match).
        scope_words = [_whole_words_needed(scope) for scope, _ in self.scopes]
        self.scope_word_bits: dict[str, int] = {}
        self.scope_needs: list[int] = []  # the bits of each scope's sets
        bit = 1
        for needed in scope_words:
            need = 0
            for needed_words in needed:
                need |= bit
                for word in needed_words:
                    self.scope_word_bits[word] = self.scope_word_bits.get(word, 0) | bit
                bit <<= 1
            self.scope_needs.append(need)
        self.scope_gate = frozenset(self.scope_word_bits)
        self.alternative_leads = _Cues(context["alternative_leads"])
        self.not_negated = re.compile(r"(?:\bnot|\bno|\bnever|n't)\s+(?:be\s+|been\s+)?$")

        numbers = table["numbers"]
        self.words: dict[str, int] = dict(numbers["words"])
        self.number = (
            "(?:"
            + "|".join(
                [r"\d{1,3}", *(re.escape(w) for w in sorted(self.words, key=len, reverse=True))]
            )
            + r")(?![\w.])"
        )
        self.comparisons: dict[str, str] = {}
        for kind in ("ge", "gt", "le", "lt", "after_ge", "after_le"):
            for phrase in numbers[kind]:
                self.comparisons[" ".join(phrase.lower().split())] = kind
        before = [p for p, k in self.comparisons.items() if not k.startswith("after")]
        after = [p for p, k in self.comparisons.items() if k.startswith("after")]
        self.before = _alternation(before)
        self.after = _alternation(after)
        self.range_joins = _alternation(numbers["range_joins"])
        self.comparison_before = re.compile(
            rf"({self.before})\s*(?:\(\s*[≤≥<>=/]{{1,3}}\s*\)\s*)?$"
        )
        self.comparison_after = re.compile(rf"\s*(?:%\s*)?({self.after})(?!\w)")

        self.prior_lines = table["prior_lines"]
        self.line_nouns = frozenset(self.prior_lines["words"])
        for name in ("any_treatment", "for_advanced", "not_any", "curative", "naive_before"):
            setattr(self, f"lines_{name}", re.compile(self.prior_lines[name]))
        self.chemotherapy_lines = re.compile(self.prior_lines["chemotherapy_lines"])
        self.lines_gap = int(self.prior_lines["gap"])
        # No-lines rules are read from a match of `any_treatment` only: an item without one of
        # the words its matches start with is not read for them.
        self.any_treatment_words = _pattern_first_words(self.lines_any_treatment) or self.line_nouns
        # ... and with one of the words they end with, and one a match of `for_advanced`, which
        # each needs, starts with.
        self.no_line_words = (self.any_treatment_words,) + tuple(
            words
            for words in (
                _pattern_first_words(self.lines_any_treatment, last=True),
                _pattern_first_words(self.lines_for_advanced),
            )
            if words
        )
        number_words = "|".join(re.escape(w) for w in sorted(self.words, key=len, reverse=True))
        # A count of one or two digits, not part of a longer number or word. Written to start
        # with the digit (what is before it is looked at once a digit is found, a look-behind
        # over the digit), so that the search skips from digit to digit instead of trying every
        # letter: the matches are those of (?<![\w.])\d{1,2}(?![\w.]).
        count_digits = r"\d(?<![\w.]\d)\d?(?![\w.])"
        self.count_digits = re.compile(count_digits)
        self.count_re = re.compile(rf"{count_digits}|\b(?:{number_words})\b")
        exact = _alternation([*self.prior_lines["exact_words"], *self.prior_lines["exact_verbs"]])
        self.line_lead_in = re.compile(
            rf"(?:\bbetween\s+|\b{exact}\s+|(?:{self.before})\s*(?:\(\s*[≤≥<>=/]{{0,3}}\s*)?)$"
        )
        self.count_words = frozenset(self.words)
        self.line_near = re.compile("line|regimen|therap|treatment")
        self.naive = _Cues(self.prior_lines["naive"])
        self.line_words = _Cues(self.prior_lines["line_words"])
        self.line_word_set = _first_words(self.prior_lines["line_words"])
        self.line_patterns = _line_patterns(self)

        prior = table["prior_therapy"]
        self.frames = _Cues(prior["frames"])
        self.frame_words = _first_words(prior["frames"])
        self.not_frames = _Cues(prior["not_frames"])
        self.plans = _Cues(prior["plans"])
        self.refractory = _Cues(prior["refractory"])
        self.not_refractory = _Cues(prior["not_refractory"])
        self.counts = _Cues(prior["counts"])
        self.lower_counts = _Cues(prior["lower_counts"])
        self.carriers = _Cues(prior["carriers"])
        joins = "|".join(_phrase(w) for w in sorted(prior["joins"], key=len, reverse=True))
        self.pure_join = re.compile(rf"^(?:[\s,;:/()+&-]|{joins})*$")
        self.or_word = re.compile(r"\b(?:or|and/or)\b")

        stage = table["stage"]
        self.stage_words = frozenset(stage["words"])
        self.non_metastatic = [_Gated(p) for p in stage["non_metastatic"]]
        self.stages = _Gated(stage["stages"])
        self.metastatic = [_Gated(p) for p in stage["metastatic"]]
        for name in ("spread", "spread_stage", "other_times", "earlier", "other_systems"):
            setattr(self, f"stage_{name}", _Gated(stage[name]))
        self.stage_elsewhere = re.compile(stage["elsewhere"])
        self.stage_not_before = re.compile(stage["not_before"])
        self.stage_not_after = re.compile(stage["not_after"])

        ecog = table["ecog"]
        self.ecog_words = frozenset(ecog["words"])
        self.ecog_scales = _Cues(ecog["scales"])
        self.percent_scales = _Cues(ecog["percent_scales"])
        self.ecog_conditional = _Cues(ecog["conditional"])
        self.karnofsky_highest = tuple(int(k) for k in ecog["karnofsky_highest"])
        self.karnofsky_highest_other = tuple(int(k) for k in ecog["karnofsky_highest_other"])

        brain = table["brain_metastases"]
        self.brain_words = frozenset(brain["words"])
        for name in ("phrases", "active", "stable", "untreated", "treatment_of", "limits"):
            setattr(self, f"brain_{name}", _Cues(brain[name]))
        self.brain_conditions = _Cues(brain["for_conditions"])
        self.brain_allowed = _Cues(brain["allowed"])

        measurable = table["measurable_disease"]
        self.measurable_words = frozenset(measurable["words"])
        self.measurable = _Cues(measurable["phrases"])
        self.measurable_alternatives = _Cues(measurable["alternatives"])
        self.disease_free_words = frozenset(measurable["disease_free_words"])
        self.disease_free = _Cues(measurable["disease_free"])
        self.disease_free_not = _Cues(measurable["disease_free_not"])

        pregnancy = table["pregnancy"]
        self.pregnancy_words = frozenset(pregnancy["words"])
        self.pregnant = _Cues(pregnancy["pregnant"])
        self.breastfeeding = _Cues(pregnancy["breastfeeding"])
        self.pregnancy_not_before = _Cues(pregnancy["not_before"])
        self.pregnancy_first = re.compile(
            rf"\W*(?:{_alternation(pregnancy['pregnancy_first'])})\b", re.IGNORECASE
        )
        self.pregnancy_not_after = re.compile(
            rf"[\s-]*(?:{_alternation(pregnancy['not_after'])})\b", re.IGNORECASE
        )
        self.pregnancy_unless = _Cues(pregnancy["unless"])
        self.pregnancy_reach = int(pregnancy["reach"])

        transplant = table["transplant"]
        self.transplant_words = frozenset(transplant["words"])
        sources = _alternation(transplant["sources"])
        nouns = _alternation(transplant["nouns"])
        joined = r"(?:[\s/-]+(?:or|and|/)?[\s/-]*(?:solid[\s-]+)?(?:organ|tissue)s?)?"
        acronyms = "|".join(
            _phrase(a) for a in sorted(transplant["acronyms"], key=len, reverse=True)
        )
        self.transplant = re.compile(rf"\b{sources}{joined}[\s-]*{nouns}\b|(?P<acronym>{acronyms})")
        self.transplant_acronyms: dict[str, str] = {
            " ".join(k.split()): v for k, v in transplant["acronyms"].items()
        }
        self.transplant_types = {t: _Cues(words) for t, words in transplant["types"].items()}
        for name in ("frames", "after", "ongoing", "ineligible", "eligible"):
            setattr(self, f"transplant_{name}", _Cues(transplant[name]))
        self.bare_transplant = re.compile(
            r"\s*(?:an?\s+|the\s+)?(?:(?:autologous|allogeneic|allogenic)\s+)?(?:stem[\s-]cell\s+)?transplant(?:ation)?(?!\w)"
        )

        age = table["age"]
        self.age_words = frozenset(age["words"])
        # A number of up to three digits: the matches of (?<![\d.])\d{1,3}(?!\d), written to
        # start with the digit (see count_digits).
        self.digits = re.compile(r"\d(?<![\d.]\d)\d{0,2}(?!\d)")
        self.age_lead_in = re.compile(
            rf"(?:\bbetween\s+|(?:{self.before})\s*(?:\(\s*[≤≥<>=/]{{1,3}}\s*\)\s*)?(?:the\s+age\s+of\s+|age\s+)?)$"
        )
        self.age_units = _alternation(age["units"])
        self.small_units = _alternation(age["small_units"])
        self.not_the_person = _Cues(age["not_the_person"])
        self.other_times = _Cues(age["other_times"])
        self.other_subjects = _Cues(age["other_subjects"])
        self.age_anchors = _Cues(age["anchors"])
        self.age_not_ages = re.compile(r"[\s:]*" + _alternation(age["not_ages"]))
        self.age_bound = _age_pattern(self)
        self.age_patterns = [("age", self.age_bound)]
        # An age has its unit or the word "age" near its number: "year", "yr", "y/o", "yo",
        # "y.o", "old" or "age", the last two starting a word (each pattern starts with a
        # letter, so that a search skips in C to the few places where one may start).
        self.age_near = (re.compile(r"y(?:ear|r|/o|o\b|\.o)|o(?<!\wo)ld|a(?<!\wa)ge"), 40, 25)

        sex = table["sex"]
        female, male = _alternation(sex["female"]), _alternation(sex["male"])
        sex_before = "|".join(_phrase(w) for w in sorted(sex["before"], key=len, reverse=True))
        self.sex_start = re.compile(
            rf"^(?:(?:{sex_before})\s+)*(?:(?P<female>{female})|(?P<male>{male}))(?!\w)"
        )
        both = "|".join(_phrase(w) for w in sorted(sex["both"], key=len, reverse=True))
        self.sex_both = re.compile(rf"^(?:(?:{sex_before})\s+)*(?:{both})(?!\w)")
        self.sex_words = frozenset(
            w for w in (*sex["female"], *sex["male"], *sex["both"]) if " " not in w
        )
        self.female = re.compile(rf"\b{female}\b")
        self.male = re.compile(rf"\b{male}\b")
        nouns, then = _alternation(sex["nouns"]), _alternation(sex["then"])
        not_with = _alternation(sex["not_with"])
        self.sex_then = re.compile(
            rf"\s*(?:{nouns}(?!\w))?\s*(?:$|[.;…]|\(?\s*,?\s*(?:{then}|\d)(?!\w)(?!\s+{not_with}(?!\w)))"
        )

    # -- context questions ------------------------------------------------------------------

    def scoped(self, text: str, words: frozenset[str] | None = None) -> bool:
        """Whether ``text`` (an item with these words; None: not known) holds only for some
        people, in a way the reader does not name."""
        found = self._scope_sets(words)
        for (scope, pieces), need in zip(self.scopes, self.scope_needs, strict=True):
            if found & need != need:
                continue
            if (not pieces or _holds(text, pieces)) and scope.search(text):
                return True
        return False

    def _scope_sets(self, words: frozenset[str] | None) -> int:
        """The bits of the sets of words of the scopes that a text with ``words`` holds a word
        of (all, when its words are not known)."""
        if words is None:
            return -1
        found = 0
        for word in self.scope_gate.intersection(words):
            found |= self.scope_word_bits[word]
        return found

    def scope_matches(
        self, text: str, words: frozenset[str] | None = None
    ) -> list[tuple[int, str]]:
        """The words of ``text`` (with these words; None: not known) that limit it to some
        people, and where each ends: each match of each scope, with the words of its clause
        before it ("solid" of "solid tumor patients must"). A scope may match more than once
        ("measurable disease per RECIST for solid tumors and per Lugano Criteria for
        Lymphoma")."""
        found = []
        present = self._scope_sets(words)
        for (scope, pieces), need in zip(self.scopes, self.scope_needs, strict=True):
            if present & need != need or (pieces and not _holds(text, pieces)):
                continue
            for match in scope.finditer(text):
                start = max(
                    (m.end() for m in _CLAUSE_MARK.finditer(text, 0, match.start())), default=0
                )
                found.append((match.end(), text[start : match.end()]))
        return found

    def allowed(
        self, text: str, start: int = 0, end: int | None = None, words: frozenset[str] | None = None
    ) -> bool:
        """An allowance that is not itself negated ("is not permitted")."""
        for match in self.allowances.finditer(text, start, end, words):
            if self.not_negated.search(text[max(0, match.start() - 14) : match.start()]):
                continue
            if _ELIGIBLE_FOR.match(text, match.end()):
                continue  # "who are eligible for transplant": a state, not a permission
            return True
        return False

    def value(self, token: str) -> int | None:
        token = " ".join(token.lower().split())
        if token.isdigit():
            return int(token)
        return self.words.get(token)

    def comparison(self, phrase: str | None) -> str | None:
        if not phrase:
            return None
        return self.comparisons.get(" ".join(phrase.lower().split()))


def _diseases_named(text: str) -> list[str]:
    """The diseases the vocabulary finds in ``text`` (a scope: "solid tumor patients must"),
    without the general ones when a more telling one is there."""
    vocabulary = diseases()
    found, _ = vocabulary.find(text)
    return list(vocabulary.telling(found)) if found else []


_CLAUSE_MARK = re.compile(r"[.;:](?=\s)")
# A later sentence of a scoped item about other people ("Other patients must have had ..."):
# the item's rules cannot be told apart by whom they are for.
_OTHER_PEOPLE = re.compile(
    r"\s*(?:all\s+)?(?:other|remaining|those|patients|participants|subjects|for|in)\b"
)


_ELIGIBLE_FOR = re.compile(
    r"\s+(?:for|to\s+receive)\b(?!\s+(?:enrol+ment|inclusion|participation|this|the\s+(?:study|trial)|one|some|all))"
)


def _first_words(phrases: list[str]) -> frozenset[str]:
    """The first word of each phrase, as an item's word set has it: a quick test of presence."""
    spaced = "\x01".join(p.lower() for p in phrases).encode("ascii", "replace")
    parts = spaced.translate(_ITEM_WORD_BYTES).decode("ascii").split("\x01")
    return frozenset(words[0] for part in parts if (words := part.split()))


def _alternation(phrases: list[str] | tuple[str, ...]) -> str:
    """A group matching any of ``phrases`` (literal, spaces flexible), the longest first.

    Written as a tree of their letters (:func:`_phrase_tree`): the phrases that match at one
    place each start the next, and the tree tries them the longest first, as the alternation
    does. Not when two phrases can match the same text without one starting the other ("more
    than", "morethan"): the order of the alternation decides between them.
    """
    ordered = sorted({" ".join(p.lower().split()) for p in phrases}, key=len, reverse=True)
    if any(
        longer.replace(" ", "").startswith(shorter.replace(" ", ""))
        and not longer.startswith(shorter)
        for shorter in ordered
        for longer in ordered
        if longer != shorter
    ):
        return "(?:" + "|".join(r"\s*".join(re.escape(w) for w in p.split()) for p in ordered) + ")"
    return "(?:" + _phrase_tree(ordered, r"\s*", whole_words=False) + ")"


def names_spread_stage(text: str) -> bool:
    """Whether ``text`` names a stage IV by its number, as the stage rules read criteria
    ("Stage III or IV", "Stage 3/4"; ``spread_stage`` in eligibility.toml)."""
    return _rules().stage_spread_stage.found(text.lower())


@cache
def _rules() -> _Rules:
    return _Rules(load_toml("eligibility.toml")["requirements"])


# -- an item, prepared once for every reader --------------------------------------------------

# ("et al. 2009" ends no sentence: NCT05605119.)
_SENTENCE_END = re.compile(
    r"[.;；](?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bvs\.)(?<!\betc\.)(?<!\bet al\.)(?=\s|$)"
)


class _Text:
    """One item in lower case, its sentences, its lead-in line; whether it is read at all."""

    __slots__ = (
        "item",
        "low",
        "words",
        "named",
        "lead",
        "wanted",
        "excluded",
        "rules",
        "_sentences",
    )

    def __init__(
        self,
        item: Item,
        low: str,
        words: frozenset[str],
        named: frozenset[str] | set[str],
        rules: _Rules,
    ) -> None:
        self.item = item
        self.low = low
        self.words = words
        # The words of the item that can belong to the name of a drug or class (drug_words):
        # what find_drugs needs to know of them, and a smaller set to look through.
        self.named = named
        self.lead = lower(item.lead) if item.lead else ""
        self.wanted = item.section != EXCLUSION
        self.excluded = item.section == EXCLUSION
        self.rules = rules
        self._sentences: list[tuple[int, int]] | None = None

    @property
    def skipped(self) -> bool:
        """The item holds for some people only, or its lead-in offers alternatives."""
        rules, lead = self.rules, self.lead
        return bool(
            rules.scoped(self.low, self.words)
            or (self.wanted and lead and rules.alternative_leads.search(lead))
            or (lead and (rules.hypotheticals.search(lead) or rules.scoped(lead)))
        )

    @property
    def scope_diseases(self) -> tuple[str, ...]:
        """The diseases a skipped item is limited to, when the words that limit it name them
        ("solid tumor patients must", "Colorectal cancer:"); () when it is skipped for another
        reason (alternatives, a condition) or its scope names no disease."""
        rules, lead = self.rules, self.lead
        if self.wanted and lead and rules.alternative_leads.search(lead):
            return ()
        if lead and rules.hypotheticals.search(lead):
            return ()
        if any(_OTHER_PEOPLE.match(self.low, start) for start, _ in self.sentences[1:]):
            return ()
        named: list[str] = []
        for text, words in ((self.low, self.words), (lead, None)):
            by_sentence: dict[int, set[str]] = {}
            for end, scope in rules.scope_matches(text, words) if text else ():
                found = _diseases_named(scope)
                named += found
                if not named:
                    return ()  # limited by something else than a disease
                by_sentence.setdefault(_sentence_at(text, end), set()).update(found)
            if len({frozenset(found) for found in by_sentence.values()}) > 1:
                return ()  # sentences for other people: whose rule is whose is not told
        return tuple(dict.fromkeys(named))

    @property
    def sentences(self) -> list[tuple[int, int]]:
        if self._sentences is None:
            self._sentences = _sentences(self.low)
        return self._sentences

    def sentence_of(self, position: int) -> tuple[int, int]:
        for start, end in self.sentences:
            if start <= position < end:
                return start, end
        return 0, len(self.low)


def _sentence_at(low: str, position: int) -> int:
    """The number of the sentence of ``low`` that ends at ``position`` or holds it."""
    return next((i for i, (_, end) in enumerate(_sentences(low)) if position <= end), -1)


def _sentences(low: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``low``."""
    if "." not in low and ";" not in low and "；" not in low:  # nothing can end one early
        return [(0, len(low))] if low else []
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(low):
        spans.append((start, match.end()))
        start = match.end()
    if start < len(low):
        spans.append((start, len(low)))
    return spans


Read = tuple[str, str, tuple[Value, ...]]


# -- age --------------------------------------------------------------------------------------


def _age_pattern(rules: _Rules) -> re.Pattern[str]:
    n, unit, small = r"\d{1,3}(?:\.\d+)?", rules.age_units, rules.small_units
    symbol = r"(?:\(\s*[≤≥<>=/]{1,3}\s*\)\s*)?"
    one = (
        rf"(?:(?P<cmp§>{rules.before})\s*{symbol}(?:the\s+age\s+of\s+|age\s+)?)?"
        rf"(?P<n§>{n})(?:\s*(?:(?P<small§>{small})|(?P<unit§>{unit}))(?!\w))?"
        rf"(?:\s*(?:of\s+age|old))?(?:\s*,?\s*(?P<after§>{rules.after})(?!\w)(?!\s*than))?"
    )
    join = rf"\s*(?:{rules.range_joins}|,?\s*(?:and|but|or))\s*"
    first, second = one.replace("§", "1"), one.replace("§", "2")
    return re.compile(rf"(?:\bbetween\s+)?{first}(?:{join}{second})?")


def _from_numbers(
    patterns: list[tuple[str, re.Pattern[str]]],
    text: str,
    numbers: re.Pattern[str],
    lead_in: re.Pattern[str],
    start: int,
    end: int,
    near: tuple[re.Pattern[str], int, int],
) -> Iterator[tuple[str, re.Match[str]]]:
    """(kind, match) of ``patterns`` in ``text[start:end]``, each tried where a number is or
    where the words that lead to it begin ("at least", "between"): anchored matches are cheap,
    a search of the whole text for these patterns is not. Only numbers with a match of
    ``near`` (pattern, characters before, characters after) around them are tried."""
    taken = start
    near_pattern, before, after = near
    for number in numbers.finditer(text, start, end):
        if number.start() < taken:
            continue
        if not near_pattern.search(text, max(start, number.start() - before), number.end() + after):
            continue
        lead = lead_in.search(text, max(start, number.start() - 45), number.start())
        for kind, pattern in patterns:  # each from the lead-in words, then from the number
            match = pattern.match(text, lead.start(), end) if lead else None
            if match is None and (match := pattern.match(text, number.start(), end)) is None:
                continue
            taken = match.end()
            yield kind, match
            break


def _read_age(text: _Text, rules: _Rules) -> list[Read]:
    low = text.low
    if rules.other_subjects.search(low, words=text.words):
        return []
    for start, end in text.sentences:
        for _, match in _from_numbers(
            rules.age_patterns, low, rules.digits, rules.age_lead_in, start, end, rules.age_near
        ):
            before = low[start : match.start()]
            if not _is_age(match, before, low, rules):
                continue
            rest = low[match.end() : end].strip(" .;,)")
            # ("Pediatric patients (<18 years)": the bracket holds the age alone.)
            alone = before.rstrip().endswith("(") and not rest and "(" not in before.rstrip()[:-1]
            if (
                text.excluded
                and not alone
                and (match.start() - start > 30 or "(" in before or len(rest) > 15)
            ):
                return []  # "(age >= 11 and stage IV)": one condition of several
            if rules.not_the_person.search(before) or rules.other_times.search(
                low, match.end(), end
            ):
                return []
            if _ANOTHER_AGE.search(rest):
                return []  # "18 years or older (12 years or older in Part B)": not one rule
            bounds = _age_bounds(match, rules)
            excluded = text.excluded
            if not excluded and (said := _said_after(text.item.text, match.start(), match.end())):
                if said[0] == "not-required":
                    return []
                excluded = True  # "Patients older than 65 years are not eligible"
            return _age_rule(bounds, excluded) if bounds else []
    return []


# Another age limit after the one read ("12 years or older in Part B"), not a span of time
# ("present for at least 3 years").
_ANOTHER_AGE = re.compile(
    r"\b\d{1,3}\s*(?:years?|yrs?)\s*(?:of\s+age|old|(?:or|and)\s+(?:older|over|above))\b"
    r"|(?:\baged?|≥|>=|>)\s*\d{1,3}\s*(?:years?|yrs?)\b|\baged?\s+\d{1,3}\b|\b\d{1,3}\s*y/o\b"
)


_SAID_OLD = re.compile(r"\bof\s+age\b|\bold\b|y/o|\by\.?o\b")


def _is_age(match: re.Match[str], before: str, low: str, rules: _Rules) -> bool:
    """A person's age: after an anchor word, at the start, or said to be "of age" or "old"."""
    if rules.age_not_ages.match(low, match.end()):
        return False
    if not before.strip(" \t-–•*0123456789.)") or rules.age_anchors.ends(before):
        return True
    said = _SAID_OLD.search(match.group()) is not None
    return said and len(before) <= 60


# The groups of each number of an age phrase (see _age_pattern), the first then the second.
_AGE_GROUPS = tuple(f"{name}{i}" for i in (1, 2) for name in ("cmp", "n", "after", "small"))


def _age_bounds(match: re.Match[str], rules: _Rules) -> list[tuple[str, int]]:
    """(comparison, years) of each number of an age phrase: ge, gt, le or lt."""
    found: list[tuple[str, int]] = []
    groups = match.group(*_AGE_GROUPS)
    numbers = (groups[:4], groups[4:])
    second = numbers[1][1] is not None
    for i, (cmp_, number, after, small) in enumerate(numbers):
        if number is None or small:
            continue
        kind = rules.comparison(cmp_) or rules.comparison(after)
        if kind is None and second:
            kind = "ge" if i == 0 else "le"  # "18-65 years", "between 18 and 65"
        if kind is None:
            continue
        found.append((kind.replace("after_", ""), int(float(number))))
    return found


def _age_rule(bounds: list[tuple[str, int]], excluded: bool) -> list[Read]:
    low: int | None = None
    high: int | None = None
    for kind, years in bounds:
        if excluded:  # the allowed side of an excluded age
            kind = {"lt": "ge", "le": "gt", "gt": "le", "ge": "lt"}[kind]
        if kind in ("ge", "gt"):
            low = years if low is None else min(low, years)
        else:
            limit = years - 1 if kind == "lt" else years
            high = limit if high is None else max(high, limit)
    if low is not None and high is not None:
        if not 0 <= low <= high <= MAX_AGE:
            return []
        return [("age", "between", (low, high))]
    if low is not None and 0 <= low <= MAX_AGE:
        return [("age", "at-least", (low,))]
    if high is not None and 0 <= high <= MAX_AGE:
        return [("age", "at-most", (high,))]
    return []


# -- sex --------------------------------------------------------------------------------------


def _read_sex(text: _Text, rules: _Rules) -> list[Read]:
    if not text.wanted or text.lead:
        return []
    both = rules.sex_both.match(text.low)
    if both is not None and rules.sex_then.match(text.low, both.end()):
        return [("sex", "any", ("female", "male"))]
    match = rules.sex_start.match(text.low)
    if match is None:
        return []
    if not rules.sex_then.match(text.low, match.end()):
        return []
    female = match.group("female") is not None
    other = rules.male if female else rules.female
    if other.search(text.low):
        return []
    return [("sex", "only", ("female" if female else "male",))]


# -- earlier lines ----------------------------------------------------------------------------


def _line_patterns(rules: _Rules) -> list[tuple[str, re.Pattern[str]]]:
    d = rules.prior_lines
    n = rules.number
    time = _alternation(d["time_words"])
    gap = rf"(?:(?!{time}(?!\w)|\d)[\w/()-]+\s+){{0,3}}?"
    noun = _alternation(d["nouns"]) + r"(?!\w)"
    tail = rf"\s+{gap}{noun}"
    symbol = r"(?:\(\s*[≤≥<>=/]{0,3}\s*)?"
    exact = _alternation(d["exact_words"])
    verbs = _alternation(d["exact_verbs"])
    patterns = [
        (
            "between",
            rf"(?<![\w.])(?:between\s+)?(?P<lo>{n})\s*{rules.range_joins}\s*(?P<hi>{n})\)?{tail}",
        ),
        (
            "bounds",
            rf"(?P<c1>{rules.before})\s*{symbol}(?P<lo>{n})\s*\)?\s*(?:(?:but|and)\s+)?(?P<c2>{rules.before})\s*{symbol}(?P<hi>{n})\s*\)?{tail}",
        ),
        ("before", rf"(?P<c>{rules.before})\s*{symbol}(?P<n>{n})\s*\)?{tail}"),
        ("after", rf"(?<![\w.])(?P<n>{n})\s*(?P<a>{rules.after}){tail}"),
        ("exact", rf"(?:(?P<x>{exact})|{verbs})\s+(?P<n>{n}){tail}"),
    ]
    return [(kind, re.compile(pattern)) for kind, pattern in patterns]


_OF_TAIL = re.compile(
    r"\s+of\s+((?:(?!(?:including|which|that|for|in|with|and|or|as|at|on|before|after)\b)[\w/-]+\s*){1,4})"
)


def _read_no_lines(text: _Text, rules: _Rules) -> list[Read]:
    """No earlier line of treatment: any systemic treatment for advanced disease excluded
    ("Prior systemic therapy for advanced or metastatic NSCLC"; in the inclusion criteria
    negated: "No prior systemic anti-cancer therapy for advanced disease")."""
    low = text.low
    for start, end in text.sentences:
        for match in rules.lines_any_treatment.finditer(low, start, end):
            window = min(end, match.end() + rules.lines_gap)
            if not rules.lines_for_advanced.search(low, match.end(), window):
                continue
            if rules.lines_not_any.search(low, start, end):
                return []
            before = low[start : match.start()]
            negated = rules.lines_naive_before.search(before) is not None
            strong = rules.strong_negations.search(before, words=text.words) is not None
            if text.excluded and negated and not strong:
                return []  # "no ..." among the exclusion criteria: ambiguous
            if text.wanted and not negated:
                return []
            if _allowed_elsewhere(text, rules, start, end):
                return []
            return [("prior-lines", "at-most", (0,))]
    return []


def _allowed_elsewhere(text: _Text, rules: _Rules, start: int, end: int) -> bool:
    """An allowance in another sentence of the item that is not about treatment before or
    after surgery ("Note: up to one line of endocrine therapy is allowed")."""
    low = text.low
    return any(
        (s, e) != (start, end)
        and rules.allowed(low, s, e, text.words)
        and not rules.lines_curative.search(low, s, e)
        for s, e in text.sentences
    )


def _read_prior_lines(text: _Text, rules: _Rules) -> list[Read]:
    low = text.low
    words = text.words
    if rules.line_word_set.isdisjoint(words):
        return []
    # A count written as a word is a whole word of the item: without one, digits only.
    in_words = not rules.count_words.isdisjoint(words)
    if not in_words and not any(map(str.isdigit, words)):
        return []
    found: list[tuple[int, int, Read]] = []
    numbers = rules.count_re if in_words else rules.count_digits
    patterns, lead_in = rules.line_patterns, rules.line_lead_in
    near = (rules.line_near, 0, 75)
    for kind, match in _from_numbers(patterns, low, numbers, lead_in, 0, len(low), near):
        read = _line_rule(kind, match, text, rules)
        if read is not None:
            found.append((match.start(), match.end(), read))
    reads = list(dict.fromkeys(read for _, _, read in sorted(found)))
    if not reads:
        return _chemotherapy_lines(text, rules)
    return reads if len(reads) == 1 else []  # two different counts: say nothing


_MAY_HAVE = re.compile(r"\bmay\s+have\s+(?:received|had)\b")


def _chemotherapy_lines(text: _Text, rules: _Rules) -> list[Read]:
    """A ceiling on the lines of chemotherapy for advanced or metastatic disease (see
    ``chemotherapy_lines`` in the data file): rule "chemotherapy-at-most"."""
    low = text.low
    if "chemotherap" not in low:
        return []
    found: set[int] = set()
    floors: set[int] = set()
    for match in rules.chemotherapy_lines.finditer(low):
        start, _ = text.sentence_of(match.start())
        cap = " ".join(match.group("cap").split())
        if text.excluded != (cap == "more than"):
            continue
        if cap == "and/or" and not _MAY_HAVE.search(low, start, match.start()):
            continue
        count = rules.value(match.group("n"))
        if count is not None:
            found.add(count)
        if not text.excluded and (floor := _FLOOR_BEFORE.search(low, start, match.start())):
            least = rules.value(floor.group(1))
            if least is not None and count is not None and least <= count:
                floors.add(least)
    if len(found) != 1:
        return []  # none, or two different counts: say nothing
    read: list[Read] = [("prior-lines", "chemotherapy-at-most", (found.pop(),))]
    if len(floors) == 1:
        read.append(("prior-lines", "chemotherapy-at-least", (floors.pop(),)))
    return read


# A floor said before the ceiling: "at least 1 but not more than 3 prior chemotherapy regimens".
_FLOOR_BEFORE = re.compile(r"\bat\s+least\s+(one|two|three|[1-3])\s+(?:but|and)\s*$")


def _line_rule(kind: str, match: re.Match[str], text: _Text, rules: _Rules) -> Read | None:
    low = text.low
    phrase = match.group()
    if not rules.line_words.search(phrase):
        return None
    start, end = text.sentence_of(match.start())
    if low.count("(", start, match.start()) > low.count(")", start, match.start()):
        return None  # a count inside brackets qualifies something else
    tail = _OF_TAIL.match(low, match.end())
    written = text.item.text
    named = written[match.start() : tail.end() if tail else match.end()]
    if find_drugs(named):
        return None  # "one prior taxane regimen": a limit on taxanes, not on lines
    if not text.excluded and (
        _said_after(written, match.start(), match.end()) is not None
        or rules.exceptions.search(low, match.end(), min(end, match.end() + _EXCEPT_AFTER))
    ):
        return None  # "... is not required", "..., except patients with EGFR mutation who ..."
    if _FOR_A_PART.search(low, match.end(), end):
        return None  # "Up to 3 prior lines for Part A; no limit for Part B": not for everyone
    bracket = _BRACKET_AFTER.match(low, match.end())
    if (
        bracket
        and rules.hypotheticals.search(bracket.group(1))
        and rules.count_re.search(bracket.group(1))
    ):
        return None  # "At least two prior regimens (one if ineligible for chemotherapy)"
    groups = match.groupdict()
    if kind in ("between", "bounds"):
        lo, hi = rules.value(groups["lo"]), rules.value(groups["hi"])
        if kind == "bounds":
            c1, c2 = rules.comparison(groups["c1"]), rules.comparison(groups["c2"])
            if c1 not in ("ge", "gt") or c2 not in ("le", "lt") or lo is None or hi is None:
                return None
            lo, hi = lo + (c1 == "gt"), hi - (c2 == "lt")
        if lo is None or hi is None or not 0 <= lo <= hi <= MAX_PRIOR_LINES or text.excluded:
            return None
        low_bound: int | None = lo
        high_bound: int | None = hi
    else:
        count = rules.value(groups["n"])
        if count is None or count > MAX_PRIOR_LINES:
            return None
        if kind == "exact":
            if text.excluded or rules.hypotheticals.search(low, start, match.start(), text.words):
                return None
            if groups.get("x") is None and (
                count == 0 or re.search(r"\bmay\s+have\s+(?:\w+\s+)?$", low[start : match.start()])
            ):
                return None
            low_bound = high_bound = count
        else:
            comparison = rules.comparison(groups.get("c") or groups.get("a"))
            low_bound, high_bound = _count_bounds(comparison, count)
            negated = rules.strong_negations.search(
                low, max(start, match.start() - 30), match.start()
            )
            if text.excluded or negated:
                low_bound, high_bound = _count_bounds_excluded(comparison, count)
    if low_bound is not None and low_bound >= 1:
        # A lower limit is false when the item offers another way in ("or treatment-naive",
        # "..., or have relapsed within 6 months of adjuvant therapy").
        near = _without_brackets(low[start : min(end, match.end() + 60)])
        if rules.naive.search(near) or rules.alternatives.search(near):
            return None
        if _OR_ANOTHER_WAY.search(low, match.end(), end):
            return None
    if low_bound is not None and high_bound is not None:
        if low_bound == high_bound:
            return ("prior-lines", "exactly", (low_bound,))
        return ("prior-lines", "between", (low_bound, high_bound))
    if low_bound is not None:
        return ("prior-lines", "at-least", (low_bound,)) if low_bound >= 1 else None
    if high_bound is not None and high_bound >= 0:
        return ("prior-lines", "at-most", (high_bound,))
    return None


# How far after a count of lines an exception is taken as one to the count ("1 prior line,
# except ..."), not to what the item goes on to say ("... including anthracyclines (unless ...").
_EXCEPT_AFTER = 12
# After a count of lines: the part of the trial it is for ("... for Part A"), a condition in
# brackets giving another count, another way in joined by "or" to a verb ("or have relapsed").
_FOR_A_PART = re.compile(
    r"\b(?:for|in)\s+(?:the\s+)?(?:part|cohort|arm|group)\s+[a-z0-9][\w.-]{0,3}\b"
)
# An item for parts of the trial it does not name ("For one part of the study, participants must
# have received ...", "For some parts of the study, ... previously untreated"): the setting it
# asks for or rules out is not asked of everyone.
# How many words after a word of a treated setting the disease it is of is looked for.
_DISEASE_AFTER = 5
_FOR_SOME_PARTS = re.compile(
    r"^\W{0,3}for\s+(?:one|some|certain)\s+(?:parts?|cohorts?|arms?)\s+of\s+the\s+(?:study|trial)\b"
)
_BRACKET_AFTER = re.compile(r"[^()]{0,30}?\(([^()]{0,120})\)")
_OR_ANOTHER_WAY = re.compile(r"\bor\s+(?:who\s+)?(?:have|has|had|be|is|are|if)\b")


def _count_bounds(comparison: str | None, count: int) -> tuple[int | None, int | None]:
    return {
        "ge": (count, None),
        "after_ge": (count, None),
        "gt": (count + 1, None),
        "le": (None, count),
        "after_le": (None, count),
        "lt": (None, count - 1),
    }.get(comparison or "", (None, None))


def _count_bounds_excluded(comparison: str | None, count: int) -> tuple[int | None, int | None]:
    """The allowed counts when ``comparison count`` is excluded ("more than 2 prior lines")."""
    return {
        "ge": (None, count - 1),
        "after_ge": (None, count - 1),
        "gt": (None, count),
        "lt": (count, None),
    }.get(comparison or "", (None, None))


# -- earlier treatment: required, refractory, excluded ---------------------------------------


def _read_prior_therapy(text: _Text, rules: _Rules) -> list[Read]:
    low = text.low
    if rules.frame_words.isdisjoint(text.words) and not text.lead:
        return []
    words = text.words
    framed = rules.not_frames.blank(low, words)
    # No frame starts before the first place one of their first words is written (each is a
    # whole word of the item, and blanking "prior to" leaves the others where they were).
    first = min(map(low.find, rules.frame_words.intersection(words)), default=len(low))
    lead_framed = bool(text.lead) and (
        rules.frames.search(rules.not_frames.blank(text.lead)) is not None
    )
    if not lead_framed and not rules.frames.search(framed, first):
        return []
    if rules.allowed(low, words=words) or rules.exceptions.search(low, words=words):
        return []  # "... is permitted", "except adjuvant": no rule on the treatment as a whole
    reads: list[Read] = []
    planned: tuple[str, ...] | None = None  # looked for once a sentence names a treatment
    sentences = text.sentences
    for start, end in sentences:
        # (An item of one sentence is framed: that was the search above.)
        if (
            not lead_framed
            and len(sentences) > 1
            and not rules.frames.search(framed, max(start, first), end)
        ):
            continue
        sentence = low[start:end]
        if (
            rules.hypotheticals.search(sentence, words=words)
            or rules.with_or_without.search(sentence, words=words)
            or rules.time_limits.search(sentence, words=words)
        ):
            continue  # a plan, an option or a time limit: no rule from this sentence
        mentions = find_drugs(text.item.text[start:end], text.named)
        if mentions and planned is None:
            planned = _planned(text, rules)
        if planned:
            mentions = [m for m in mentions if not _is_planned(m.value, planned)]
        if mentions:
            mentions = [
                Mention(m.value, m.start + start, m.end + start, m.is_class) for m in mentions
            ]
            reads.extend(_therapy_rules(text, rules, start, end, mentions))
    return list(dict.fromkeys(reads))


def _planned(text: _Text, rules: _Rules) -> tuple[str, ...]:
    """The drugs and classes an item names as a plan for treatment, after one of ``plans``
    ("Eligible for fulvestrant and palbociclib"), unless the plan is negated ("not eligible
    for", "ineligible for")."""
    low = text.low
    found: list[str] = []
    for cue in rules.plans.finditer(low, words=text.words):
        if _NOT_PLANNED.search(low, max(0, cue.start() - 25), cue.start()):
            continue
        _, end = text.sentence_of(cue.start())
        found += [m.value for m in find_drugs(text.item.text[cue.end() : end], text.named)]
    return tuple(dict.fromkeys(found))


_NOT_PLANNED = re.compile(
    r"\b(?:not|never|no\s+longer)\s+(?:be\s+|been\s+|considered\s+)?(?:an?\s+)?$"
)


def _is_planned(value: str, planned: tuple[str, ...]) -> bool:
    """Whether ``value`` names a planned drug, a class a planned drug belongs to, or a drug of a
    planned class."""
    return any(drug_matches(p, value) or drug_matches(value, p) for p in planned)


def _negated(text: str, rules: _Rules, words: frozenset[str] | None = None) -> bool:
    """A negation in ``text`` that is not part of a count ("no more than 3 lines")."""
    return any(
        not _NOT_A_NEGATION.match(text, match.end())
        for match in rules.negations.finditer(text, words=words)
    )


_NOT_A_NEGATION = re.compile(r"\s+(?:more|less|fewer|later|longer|greater|older)\b")


def _therapy_rules(
    text: _Text, rules: _Rules, start: int, end: int, mentions: list[Mention]
) -> list[Read]:
    """The rules about the treatments named in one sentence (``start``, ``end``) that is no
    plan, option or time limit (the reader leaves those out before looking for names)."""
    low, w = text.low, text.words
    sentence = low[start:end]
    mentions = _keep(mentions, low, rules, w)
    reads: list[Read] = []
    groups = _lists(mentions, low, rules)
    for index, group in enumerate(groups):
        first = group[0]
        before = low[start : first.start]
        own_before = low[max(start, _previous_end(mentions, first)) : first.start]
        if rules.not_had.search(before, words=w) or rules.consequences.search(
            own_before[-60:], words=w
        ):
            continue
        if rules.current.search(before, words=w):
            continue
        # What the sentence says after the group: "... is not allowed" rules it out, "... is
        # not required" asks nothing. Said after a later group, it may be of that one only:
        # in the inclusion criteria nothing is read of this one, in the exclusion criteria it
        # is read as if nothing were said after it.
        said_after = _said_after(text.item.text, first.start, group[-1].end)
        if said_after is not None:
            if said_after[0] != "ruled-out":
                continue
            following = groups[index + 1][0].start if index + 1 < len(groups) else end
            if said_after[1] >= following:
                if not text.excluded:
                    continue
                said_after = None
        values = tuple(dict.fromkeys(m.value for m in group))
        if _EXAMPLES_BEFORE.search(_FILLER.sub("", own_before)) and _capped(before, rules, w):
            continue  # "no more than 3 lines ..., including prior KRAS inhibitor": counted
        count = rules.counts.search(own_before[-30:], words=w)
        lower_count = count and rules.lower_counts.search(own_before[-30:], words=w)
        # Ruled out after it is said of the treatment itself: as strong as "must not" before
        # it, and no double negation in the exclusion criteria ("... should be excluded").
        strong = rules.strong_negations.search(before, words=w) or said_after is not None
        negated = strong or _negated(before, rules, w)
        outcome = rules.outcomes.search(sentence, words=w)
        if (text.excluded and not strong) or negated:
            if outcome or (count and not (lower_count and text.excluded and not negated)):
                continue  # about a progression, or a limit on how many
            if text.excluded and not strong and negated:
                continue  # "no ..." in the exclusion criteria: ambiguous
            if count or rules.setting_limits.search(sentence, words=w):
                continue
            if _combined_in_alternatives(low, group, rules):
                continue
            reads.append(("prior-therapy-excluded", "any-of", values))
            continue
        if count and not lower_count:
            continue
        read = _required(low, rules, start, end, group, own_before, values, w)
        if read is not None:
            reads.append(read)
    return reads


def _capped(before: str, rules: _Rules, words: frozenset[str]) -> bool:
    """Whether ``before`` (the sentence up to a list of treatments) sets an upper bound on a
    count ("no more than 3 lines of systemic chemotherapy, including ..."): what the list then
    names is counted in it, neither asked for nor ruled out."""
    return bool(
        rules.counts.search(before, words=words)
        and not rules.lower_counts.search(before, words=words)
    )


def _said_after(text: str, start: int, end: int) -> tuple[str, int] | None:
    """What the first cue written after the treatments at ``text[start:end]`` says of them, by
    the context rules (:mod:`trialfinder.tagging.context`), and where it starts: "ruled-out"
    for a negation ("is not allowed", "are excluded"), "not-required" for a cue that neither
    asks nor denies ("is not required"); None without one."""
    if not _may_say_after(text, start, end):
        return None
    low, found = covering_after(text, start, end)
    after = [m for m in found if m.category in ("NEGATED", "HYPOTHETICAL")]
    if not after:
        return None
    first = min(after, key=lambda m: m.span[0])
    return ("ruled-out" if first.category == "NEGATED" else "not-required"), first.span[0] + low


# The categories of the cues :func:`_said_after` reads.
_SAID_AFTER = ("NEGATED", "HYPOTHETICAL")


class _CuesAfter(NamedTuple):
    """The context rules of :data:`_SAID_AFTER` that look back (a cue that only looks forward
    covers nothing before it): where their cues may start, and their patterns by the first
    letters of a token (as the context rules find them)."""

    keys: re.Pattern[str]
    by_key: dict[str, list[re.Pattern[str]]]


@cache
def _cues_after() -> _CuesAfter | None:
    """None when the start of one of them cannot be told."""
    by_key: dict[str, list[re.Pattern[str]]] = {}
    for rule in context_rules():
        if rule.category not in _SAID_AFTER or rule.direction not in ("backward", "both"):
            continue
        source = rule.pattern if rule.pattern is not None else literal_regex([rule.phrase or ""])
        starts = match_starts(source)
        if starts is None:
            return None
        for key in starts:
            by_key.setdefault(key, []).append(re.compile(source, re.IGNORECASE))
    return _CuesAfter(key_regex(by_key), by_key)


def _may_say_after(text: str, start: int, end: int) -> bool:
    """Whether a cue of :func:`_said_after` may stand after ``text[start:end]`` in its clause: a
    look at the few tokens there a cue of one of its rules may start with (most have none) is
    far cheaper than finding every cue of the clause."""
    cues = _cues_after()
    if cues is None:
        return True
    # Most often no such token follows at all: then the clause need not be found. (From the
    # character before, which tells whether a word starts.)
    rest = text[end - 1 :].lower() if end else text.lower()
    if len(rest) == len(text) - max(end - 1, 0) and not cues.keys.search(rest, 1 if end else 0):
        return False
    low, high = context_rules().clause(text, start, end)
    clause = text[low:high]
    lowered = clause.lower()
    if len(lowered) != len(clause):
        return True
    for token in cues.keys.finditer(lowered, end - low):
        at = token.start()
        for pattern in cues.by_key.get(token.group(), ()):
            match = pattern.match(clause, at)
            if match is not None and match.end() > at:
                return True
    return False


def _required(
    low: str,
    rules: _Rules,
    start: int,
    end: int,
    group: list[Mention],
    own_before: str,
    values: tuple[Value, ...],
    words: frozenset[str],
) -> Read | None:
    """A required (or refractory) list, when it is the whole list: nothing unrecognised is
    joined to it by "or" ("platinum or immunotherapy")."""
    first, last = group[0], group[-1]
    sentence = low[start:end]
    joined = rules.not_alternatives.blank(low[first.start : last.end], words)
    if rules.alternatives.search(sentence, words=words):
        return None
    after = rules.not_alternatives.blank(low[last.end : end], words)
    if (
        _OR_AFTER.match(after)
        or _AND_OR_AFTER.match(low[last.end : end])  # "and/or immunotherapy"
        or _OR_BEFORE.search(own_before)
    ):
        return None
    if _EXAMPLES_BEFORE.search(own_before) and _ETC.match(low, last.end, end):
        return None  # "(including oxaliplatin, irinotecan, ..., etc.)": examples, not a rule
    # ("and/or" joins no other way in, but asks for one of the two at least.)
    either = rules.or_word.search(joined) or _AND_OR.search(low, first.start, last.end)
    if either and _combined_in_alternatives(low, group, rules):
        return None
    rule = "any-of" if either else "all-of"
    refractory = rules.refractory.ends(_FILLER.sub("", own_before)) or _refractory_after(
        low, last.end, end
    )
    if refractory and not rules.not_refractory.search(sentence, words=words):
        return ("refractory-required", rule, values)
    return ("prior-therapy-required", rule, values)


def _combined_in_alternatives(low: str, group: list[Mention], rules: _Rules) -> bool:
    """Whether a list of treatments joined by "or" also joins two of them as one regimen
    ("FOLFIRINOX or gemcitabine+nab-paclitaxel"): a list of single treatments would take each
    drug of the regimen alone, so no rule is read from it."""
    if not rules.or_word.search(low, group[0].start, group[-1].end):
        return False
    return any(_COMBINED.search(low, one.end, other.start) for one, other in pairwise(group))


# What joins two treatments given together in a list: "gemcitabine+nab-paclitaxel", "plus".
_COMBINED = re.compile(r"\+|\bplus\b")
_OR_AFTER = re.compile(r"\W*(?:or|and/or)\b")
_AND_OR = re.compile(r"\band/or\b")
_AND_OR_AFTER = re.compile(r"[\w\s-]{0,30}?\band/or\b")
_OR_BEFORE = re.compile(r"\b(?:or|and/or)\W*$")
_EXAMPLES_BEFORE = re.compile(r"\b(?:including|such\s+as|e\.g\.?|eg|for\s+example|like)[\s:,(]*$")
_ETC = re.compile(r"[^.;()]{0,40}?\betc\b")

# Words between "progressed on" and the drug: "progression on prior osimertinib".
_FILLER = re.compile(
    r"(?:\s*\b(?:prior|previous|previously|the|a|an|any|treatment with|therapy with|with))*\s*$"
)


def _keep(mentions: list[Mention], low: str, rules: _Rules, words: frozenset[str]) -> list[Mention]:
    """The mentions that name what a rule is about: not a class narrowed to some of its drugs
    ("investigational SERDs", "an ADC with MMAE payload"), not a class that only carries a drug
    ("cisplatin-based chemotherapy"), not a drug or class given as an example of a class named
    before it ("immune checkpoint inhibitors, including anti-PD-1")."""
    classes = drug_classes()
    kept: list[Mention] = []
    for index, mention in enumerate(mentions):
        if rules.trial_names.starts(low[mention.end : mention.end + 20], words):
            continue
        earlier = [c for k in kept if k.is_class and (c := classes.get(k.value)) is not None]
        if mention.is_class:
            if rules.narrowing_before.ends(low[max(0, mention.start - 40) : mention.start], words):
                continue
            if rules.narrowing_after.starts(low[mention.end : mention.end + 30], words):
                continue
            previous = mentions[index - 1] if index else None
            if (
                previous
                and not previous.is_class
                and rules.carriers.ends(low[previous.end : mention.start], words)
            ):
                continue
            if any(mention.value in c.included and mention.value != c.name for c in earlier):
                continue
        elif any(c.covers(mention.value) for c in earlier):
            continue
        kept.append(mention)
    return kept


def _lists(mentions: list[Mention], low: str, rules: _Rules) -> list[list[Mention]]:
    """The mentions grouped into lists: those joined only by "and", "or", commas, articles."""
    groups: list[list[Mention]] = []
    for mention in mentions:
        if groups and rules.pure_join.match(
            _without_brackets(low[groups[-1][-1].end : mention.start])
        ):
            groups[-1].append(mention)
        else:
            groups.append([mention])
    return groups


def _without_brackets(text: str) -> str:
    return _BRACKETS.sub(" ", text)


_BRACKETS = re.compile(r"\([^()]*\)")


def _previous_end(mentions: list[Mention], mention: Mention) -> int:
    ends = [m.end for m in mentions if m.end <= mention.start]
    return max(ends) if ends else 0


def _refractory_after(low: str, position: int, end: int) -> bool:
    """ "lenalidomide-refractory", "platinum-resistant"."""
    return _REFRACTORY_AFTER.match(low, position, end) is not None


_REFRACTORY_AFTER = re.compile(r"[\s-]*(?:refractory|resistant)\b")


# -- stage: whether the cancer may have spread --------------------------------------------------

NON_METASTATIC = ("disease-setting", "any-of", ("non-metastatic",))
METASTATIC_EXCLUDED = ("disease-setting", "none-of", ("metastatic",))


# A TNM code's word ("t2n0m0", "m1b"), whole.
_TNM_M = re.compile(r"[a-z0-9]*m(?:0|1[abc]?)")
_M0_M1 = re.compile(r"m[01]")


def _tnm_codes(text: str) -> set[str]:
    """The words of ``text`` (runs of a-z and 0-9 between spaces and "\x01") that are TNM
    codes. Each holds "m0" or "m1": only the words around those are looked at, not every
    word of the text."""
    codes = set()
    for hit in _M0_M1.finditer(text):
        at = hit.start()
        start = max(text.rfind(" ", 0, at), text.rfind("\x01", 0, at)) + 1
        end = min(
            (e for e in (text.find(" ", at), text.find("\x01", at)) if e >= 0), default=len(text)
        )
        if _TNM_M.fullmatch(text, start, end):
            codes.add(text[start:end])
    return codes


def _read_stage(text: _Text, rules: _Rules) -> list[Read]:
    """Disease that must not have spread ("T1-4N0M0", "no evidence of distant metastases",
    "Stage II or III"), or spread disease excluded ("Evidence of distant disease.")."""
    low, words = text.low, text.words
    # What the stage is said with first: most items read say none (the other tests are pure).
    found: list[tuple[int, int]] = []
    metastatic: list[re.Pattern[str]] = []  # (in the exclusion criteria) those that may match
    if text.wanted:
        found = _non_metastatic(low, rules, words)
        if not found:
            return []
    else:
        metastatic = [p.regex for p in rules.metastatic if not p.absent(low, words)]
        if not metastatic:
            return []
    if rules.stage_other_systems.search(low, words=words) or rules.stage_other_times.search(
        low, words=words
    ):
        return []
    if rules.exceptions.search(low, words=words) or rules.allowed(low, words=words):
        return []
    if text.wanted:
        # (A condition counts in the sentences that say the stage only: "Patients will be
        # staged according to the AJCC manual" after "Completely resected stage IIA-IIIB".)
        said = [(s, e) for s, e in text.sentences if any(s <= at < e for at, _ in found)]
        if rules.stage_earlier.found(low) or any(
            rules.hypotheticals.search(low[s:e], words=words) for s, e in said
        ):
            return []
        rest = low
        for start, end in sorted(found, reverse=True):
            rest = rest[:start] + " " * (end - start) + rest[end:]
        if rules.stage_spread.found(rest) or rules.stage_spread_stage.found(rest):
            return []  # "non-metastatic or oligometastatic", "stage III or IV"
        return [NON_METASTATIC]
    for start, end in text.sentences:
        for regex in metastatic:
            match = regex.search(low, start, end)
            if match is None:
                continue
            if rules.stage_not_before.search(low, start, match.start()):
                return []
            after = low[match.end() : end]
            if rules.stage_elsewhere.match(after) or rules.stage_not_after.match(after):
                return []
            return [METASTATIC_EXCLUDED]
    return []


def _non_metastatic(
    low: str, rules: _Rules, words: frozenset[str] | None = None
) -> list[tuple[int, int]]:
    """Where ``low`` (an item with these words, None: not known) says the disease has not
    spread; [] when one of them is said of one organ ("no evidence of metastatic disease in
    the brain")."""
    found: list[tuple[int, int]] = []
    for pattern in rules.non_metastatic:
        for match in pattern.finditer(low, words):
            if rules.stage_elsewhere.match(low, match.end()):
                return []
            found.append(match.span())
    for match in rules.stages.finditer(low, words):
        found.append(match.span())
    return found


def _asks_for_spread(criteria: Criteria, rules: _Rules, found: list[Requirement]) -> bool:
    """Whether an inclusion item of the criteria takes people whose cancer has spread: then no
    stage rule of the trial is right for everyone. A stage IV said by its number only ("TNM
    stages III and IV" of head and neck cancers) does not when another inclusion item for
    everyone, read among ``found``, says in words that the cancer must not have spread ("no
    metastatic disease (M0)"). (Each pattern is only run on an item holding a piece of every
    match of it: most items are passed over with a few substring tests.)"""
    numbered = False
    for item in criteria.items:
        if item.section == EXCLUSION:
            continue
        low = lower(item.text)
        for start, end in _non_metastatic(low, rules):
            low = low[:start] + " " * (end - start) + low[end:]
        if rules.stage_spread.found(low):
            return True
        numbered = numbered or rules.stage_spread_stage.found(low)
    return numbered and not any(_not_spread_for_everyone(r, rules) for r in found)


def _not_spread_for_everyone(requirement: Requirement, rules: _Rules) -> bool:
    """Whether ``requirement`` is an inclusion item for everyone that says in words, not by a
    stage's number or a TNM code alone, that the cancer has not spread ("no metastatic disease
    (M0)")."""
    if (requirement.kind, requirement.rule, requirement.values) != NON_METASTATIC:
        return False
    if requirement.cohort or requirement.section == EXCLUSION:
        return False
    low = lower(requirement.text)
    # (A TNM code holds a digit: "T1-4N0M0" is said by numbers too.)
    return any(
        not any(map(str.isdigit, match.group()))
        for pattern in rules.non_metastatic
        for match in pattern.finditer(low)
    )


# -- performance status ----------------------------------------------------------------------

_SCORE = r"(?:[0-4]|zero|one|two|three|four)(?![\d%\w])(?!\.\d)"
_GLUE = r"\s*(?:,\s*(?:or\s+|and\s+)?|or\s+|and\s+|to\s+|[-–/]\s*)"
_SCORES = re.compile(r"[0-4]|zero|one|two|three|four")  # each score of a run of them
_NEW_CLAUSE = re.compile(r"[;:]\s*\w")
_PERCENT = re.compile(
    r"(?<![\d.])(\d{2,3})(?!\d)(?!\.\d)\s*%?(?!\s*(?:y\b|y/o|yo\b|years|yrs|months|mg|ml|mm))"
)


@cache
def _ecog_run() -> re.Pattern[str]:
    rules = _rules()
    return re.compile(
        rf"(?P<cmp>{rules.before})?\s*(?:\(\s*[≤≥<>=/]{{1,3}}\s*\d?\s*\)?\s*)?(?<![\w.])(?P<run>{_SCORE}(?:{_GLUE}{_SCORE})*)(?:\s*(?P<after>{rules.after})(?!\w))?"
    )


def _read_ecog(text: _Text, rules: _Rules) -> list[Read]:
    low = text.low
    if text.wanted and text.lead and rules.alternatives.search(text.lead):
        return []
    high: int | None = None
    low_score: int | None = None
    karnofsky: int | None = None  # the lowest Karnofsky or Lansky score allowed
    ranged = False
    some: int | None = None  # the highest score allowed on a condition only
    for start, end in text.sentences:
        percent_at = [m.start() for m in rules.percent_scales.finditer(low, start, end, text.words)]
        for anchor in rules.ecog_scales.finditer(low, start, end, text.words):
            if any(
                p <= anchor.start() < p + 40 and not _DIGIT.search(low, p, anchor.start())
                for p in percent_at
            ):
                continue  # "Karnofsky performance status": not ECOG (unlike "KPS 70, or ECOG 2")
            stop = min([end, anchor.end() + 80, *(p for p in percent_at if p >= anchor.end())])
            match = _ecog_run().search(low, anchor.end(), stop)
            if match is None or _NEW_CLAUSE.search(low[anchor.end() : match.start()][:-2]):
                continue
            bounds = _ecog_bounds(match, text.excluded, rules)
            if bounds is None:
                continue
            lo, hi, is_range = bounds
            if not text.excluded and (last := _last_on_condition(match, end, text, rules)):
                # ("ECOG 0-1, or 2 if due to myeloma": 1 for everyone, 2 for some)
                some = last if some is None else max(some, last)
                hi = max(s for s in _run_scores(match, rules) if s != last)
            elif not text.excluded and _on_condition(start, end, anchor.start(), text, rules):
                some = hi if some is None else max(some, hi)
                continue
            elif not text.excluded and (more := _bracket_for_some(match, end, text, rules)):
                # ("ECOG 0-2 (3 if due to bone disease)": 2 for everyone, 3 for some)
                some = more if some is None or more > some else some
            high = hi if high is None else max(high, hi)
            low_score = lo if low_score is None else min(low_score, lo)
            ranged = ranged or is_range
        for anchor_at in percent_at:
            window_end = min(end, anchor_at + 90)
            lowest = _karnofsky_floor(low[anchor_at:window_end], text.excluded, rules)
            if lowest is not None and lowest <= 100:
                karnofsky = lowest if karnofsky is None else min(karnofsky, lowest)
    if karnofsky is not None:  # either scale will do: the ECOG limit by name, if any, beside it
        if some is not None and high is not None:
            high = max(high, some)  # (beside another scale, the most permissive, as before)
        if high is not None and 0 <= high <= 4:
            return [("ecog", "at-most-or-karnofsky-at-least", (high, karnofsky))]
        return [("ecog", "karnofsky-at-least", (karnofsky,))]
    if high is None or not ranged or not 0 <= high <= 4:
        return []
    if low_score and low_score > 0:
        return [("ecog", "between", (low_score, high))] if low_score <= high else []
    if some is not None and high < some <= 4:
        return [("ecog", "at-most-some", (high, some))]
    return [("ecog", "at-most", (high,))]


def _run_scores(match: re.Match[str], rules: _Rules) -> list[int]:
    """The scores of a run of them ("0-1, or 2": 0, 1, 2)."""
    values = (rules.value(s) for s in _SCORES.findall(match.group("run")))
    return [v for v in values if v is not None]


def _last_on_condition(match: re.Match[str], end: int, text: _Text, rules: _Rules) -> int | None:
    """The last score of a run of them offered with "or" on a condition that follows it in its
    clause ("ECOG 0-1, or 2 if due to myeloma": 2), when the run has lower scores too."""
    run = match.group("run")
    scores = _run_scores(match, rules)
    if len(set(scores)) < 2 or not _OR_LAST.search(run):
        return None
    stop = min([end, *(i for mark in ";(" if (i := text.low.find(mark, match.end(), end)) != -1)])
    cue = rules.ecog_conditional.search(text.low, match.end(), stop, text.words)
    if cue is None or _LONE_SCORE.search(text.low, cue.end(), stop):
        return None  # (no condition, or one of another score: "if older than 70, or 2")
    return scores[-1] if scores[-1] == max(scores) else None


_LONE_SCORE = re.compile(r"(?<![\w.])[0-4](?![\w.%])")


def _bracket_for_some(match: re.Match[str], end: int, text: _Text, rules: _Rules) -> int | None:
    """A higher score in a bracket right after a run of them, for some people or on a condition
    ("ECOG 0-2 (3 if due to bone disease)", "(3 for dose escalation)": 3), or None. (A
    bracket that denies it, "(2 not allowed)", is asked too: never a pass.)"""
    bracket = _BRACKET_SCORE.match(text.low, match.end(), end)
    if bracket is None:
        return None
    score = int(bracket["score"])
    return score if score > max(_run_scores(match, rules)) else None


_BRACKET_SCORE = re.compile(r"\s*\(\s*(?:ecog\s*)?(?:[≤<]=?\s*)?(?P<score>[0-4])(?![\w.%])")
_OR_LAST = re.compile(r"\bor\s+\S+\s*$")  # ("0-1, or 2": the last score offered with "or")


def _on_condition(start: int, end: int, at: int, text: _Text, rules: _Rules) -> bool:
    """Whether the score of the scale named at ``at`` is allowed on a condition only: one of
    ``conditional`` in its bracket, or else in its clause of the sentence ``start:end``
    ("(Patients with disease related ECOG 2 are allowed)", "; ECOG 2 allowed if ...")."""
    low = text.low
    opened = low.rfind("(", start, at)
    if opened != -1 and low.find(")", opened, at) == -1:
        closed = low.find(")", at, end)
        begin, stop = opened, end if closed == -1 else closed
    else:
        begin = max(start, *(low.rfind(mark, start, at) + 1 for mark in (";", ",")))
        stop = min([end, *(i for mark in (";", "(") if (i := low.find(mark, at, end)) != -1)])
    return rules.ecog_conditional.search(low, begin, stop, text.words) is not None


_DIGIT = re.compile(r"\d")


def ecog_for_karnofsky(score: int) -> int:
    """The ECOG grade a Karnofsky (or Lansky) score falls in, by the conversion of
    ``[requirements.ecog] karnofsky_highest``: 80 is ECOG 1, 60 is ECOG 2."""
    highest = _rules().karnofsky_highest
    return max((grade for grade, top in enumerate(highest) if top >= score), default=0)


def ecog_grades_for_karnofsky(score: int) -> tuple[int, int]:
    """The ECOG grades a Karnofsky score falls in by each conversion in use (``karnofsky_highest``
    and ``karnofsky_highest_other``), lower first: 70 is ECOG 1 by one and 2 by the other."""
    other = _rules().karnofsky_highest_other
    by_other = max((grade for grade, top in enumerate(other) if top >= score), default=0)
    by_one = ecog_for_karnofsky(score)
    return min(by_one, by_other), max(by_one, by_other)


def karnofsky_range(ecog: int) -> tuple[int, int]:
    """The lowest and highest Karnofsky score an ECOG grade may mean by either conversion in
    use: ECOG 1 is 70 to 90, ECOG 2 50 to 70."""
    rules = _rules()
    tables = (rules.karnofsky_highest, rules.karnofsky_highest_other)
    lowest = min((t[ecog + 1] + 10 for t in tables if ecog + 1 < len(t)), default=10)
    return lowest, max(t[ecog] for t in tables)


def count_value(value: object) -> int | None:
    """A value of a number rule as a whole number from 0 to 99, or None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value) if value == int(value) and 0 <= value <= 99 else None


def allowed_range(requirement: Requirement) -> tuple[float, float] | None:
    """The numbers a number rule allows, or None for another rule."""
    numbers = [count_value(v) for v in requirement.values]
    if None in numbers or not numbers:
        return None
    low, high = numbers[0], numbers[-1]
    assert low is not None and high is not None
    return {
        "at-least": (low, math.inf) if len(numbers) == 1 else None,
        "at-most": (-math.inf, high) if len(numbers) == 1 else None,
        "exactly": (low, low) if len(numbers) == 1 else None,
        "between": (low, high) if len(numbers) == 2 else None,
    }.get(requirement.rule)


def narrower(one: Requirement, other: Requirement) -> bool:
    """Whether ``one`` allows strictly less than ``other`` of the same kind, for the same people
    (the same cohort and section): "ECOG 0 or 1" beside "ECOG 0, 1 or 2"."""
    if (one.kind, one.cohort, one.section) != (other.kind, other.cohort, other.section):
        return False
    mine, theirs = allowed_range(one), allowed_range(other)
    if mine is None or theirs is None or mine == theirs:
        return False
    return theirs[0] <= mine[0] and mine[1] <= theirs[1]


def as_ecog(requirement: Requirement) -> Requirement:
    """A performance status requirement as an ECOG limit alone: a Karnofsky limit as the highest
    ECOG grade it may fall in by either conversion in use ("KPS >= 70" is ECOG 2 or lower: 70 is
    ECOG 1 by one and 2 by the other, so only "2 or lower" holds of everyone it takes), the more
    lenient of two scales."""
    if requirement.kind == "ecog" and requirement.rule == "at-most-some":
        return replace(requirement, rule="at-most", values=requirement.values[-1:])
    if requirement.kind != "ecog" or not requirement.rule.endswith("karnofsky-at-least"):
        return requirement
    *ecog, karnofsky = (int(v) for v in requirement.values)
    high = max([*ecog, ecog_grades_for_karnofsky(karnofsky)[1]])
    return replace(requirement, rule="at-most", values=(high,))


def _ecog_bounds(
    match: re.Match[str], excluded: bool, rules: _Rules
) -> tuple[int, int, bool] | None:
    """(lowest, highest allowed score, whether it is a bound rather than one bare score)."""
    scores = [rules.value(s) for s in _SCORES.findall(match.group("run"))]
    values = [s for s in scores if s is not None]
    if not values:
        return None
    kind = rules.comparison(match.group("cmp")) or rules.comparison(match.group("after"))
    lo, hi = min(values), max(values)
    if excluded:
        if kind in ("ge", "after_ge") or (kind is None and hi == 4 and lo > 0):
            return (0, lo - 1, True) if lo > 0 else None
        if kind == "gt":
            return 0, lo, True
        return None
    if kind in ("le", "after_le"):
        return 0, hi, True
    if kind == "lt":
        return (0, hi - 1, True) if hi > 0 else None
    if kind in ("ge", "gt", "after_ge"):
        return None
    if len(values) == 1:
        return (0, 0, True) if hi == 0 else (hi, hi, False)
    return lo, hi, True


def _karnofsky_floor(window: str, excluded: bool, rules: _Rules) -> int | None:
    """The lowest Karnofsky or Lansky score allowed, from the text after the scale's name."""
    for match in _PERCENT.finditer(window):
        score = int(match.group(1))
        if score % 10 or not 10 <= score <= 100:
            continue
        before = window[max(0, match.start() - 30) : match.start()]
        cmp_ = rules.comparison_before.search(before)
        after = rules.comparison_after.match(window, match.end())
        kind = rules.comparison(cmp_.group(1) if cmp_ else None) or rules.comparison(
            after.group(1) if after else None
        )
        if excluded:
            return {"lt": score, "le": score + 10}.get(kind or "")
        if kind in ("gt",):
            return score + 10
        if kind in ("le", "lt", "after_le"):
            return None
        return score  # "≥ 70", "70 or higher", "60-100", "Karnofsky 70"
    return None


# -- brain metastases -------------------------------------------------------------------------

_BRAIN_ORDER = {"none": 0, "treated-stable": 1, "active-allowed": 2}


def _read_brain(text: _Text, rules: _Rules) -> list[Read]:
    low = text.low
    for mention in rules.brain_phrases.finditer(low, words=text.words):
        before = low[max(0, mention.start() - 30) : mention.start()]
        if rules.brain_treatment_of.ends(before):
            continue
        start, end = text.sentence_of(mention.start())
        value = _brain_value(text, rules, mention, start, end)
        return [("brain-metastases", value, ())] if value else []
    return []


def _brain_value(
    text: _Text, rules: _Rules, mention: re.Match[str], start: int, end: int
) -> str | None:
    low, words = text.low, text.words
    before = low[start : mention.start()]
    allowance = next(
        (
            (s, e)
            for s, e in text.sentences
            if rules.allowed(low, s, e, words) or rules.exceptions.search(low, s, e, words)
        ),
        None,
    )
    if allowance is not None:
        s, e = allowance
        permitted = rules.allowed(low, s, e, words)
        if permitted and rules.brain_untreated.search(low, s, e, words):
            return "active-allowed"  # "including those with untreated brain metastases"
        if rules.brain_stable.search(low, s, e, words) or not permitted:
            return "treated-stable"
        return "active-allowed"  # "Patients with brain metastases are eligible"
    strong = rules.strong_negations.search(before) is not None
    if not text.excluded and not strong:
        said = _said_after(text.item.text, mention.start(), mention.end())
        if said is not None and said[0] == "not-required":
            return None
        strong = said is not None  # "Patients with brain metastases are not eligible"
    # Active, stable: said of these metastases, just before them or in a clause after them.
    near = _described(low[max(start, mention.start() - 60) : mention.start()], rules)
    if _RELATIVE.match(low, mention.end()):
        near += low[mention.end() : min(end, mention.end() + 80)]
    else:  # up to the end of this clause: "... metastases that are not stable"
        clause = _CLAUSE_END.search(low, mention.end(), min(end, mention.end() + 80))
        near += low[mention.end() : clause.start() if clause else min(end, mention.end() + 80)]
    if text.excluded or strong:
        if rules.brain_active.search(near):
            return "treated-stable"
        if not strong and rules.negations.search(
            low, max(start, mention.start() - 45), mention.start()
        ):
            return None
        if re.search(r"\d\s*(?:or (?:more|fewer)\s*)?$", before) or rules.brain_limits.search(
            low, start, end
        ):
            return None
        return "none"
    if rules.negations.search(low, max(start, mention.start() - 45), mention.start(), words):
        return "treated-stable" if rules.brain_active.search(near) else "none"
    if rules.brain_stable.search(low, start, end, words) and not rules.brain_untreated.search(
        low, start, end
    ):
        return "treated-stable"
    return "active-allowed"


_CLAUSE_END = re.compile(r"[,;:(]")
_WORD = re.compile(r"[a-z][a-z/-]*")
# Words that may stand among the descriptions of metastases ("known and untreated, or active").
_DESCRIBING = frozenset(
    {"or", "and", "and/or", "known", "suspected", "documented", "any", "other", "recently"}
    | {"previously", "clinically", "radiologically", "neurologically", "with", "of", "the"}
)


def _described(before: str, rules: _Rules) -> str:
    """The end of ``before`` that describes what follows: the words back to the first one that
    neither describes nor joins ("uncontrolled seizures, or": nothing)."""
    before = re.sub(r"\([^()]*\)", lambda m: " " * len(m.group()), before)
    cut, unknown = len(before), 0
    for match in reversed(list(_WORD.finditer(before))):
        word = match.group()
        if (
            word in _DESCRIBING
            or rules.brain_active.search(word)
            or rules.brain_stable.search(word)
        ):
            cut = match.start()
            continue
        # Another thing in a list ("seizures, or"), or a fourth unknown word: the description
        # ends here. ("actively progressing": an adverb may stand among the descriptions.)
        unknown += 1
        if unknown > 3 or re.match(r"\s*[,;]|\s+(?:or|and)\b", before[match.end() :]):
            break
    return before[cut:]


_RELATIVE = re.compile(r"\s*,?\s*(?:that|which|who|defined|not|unless|except|with|if)\b")


# -- measurable disease -----------------------------------------------------------------------


def _read_measurable(text: _Text, rules: _Rules) -> list[Read]:
    low = text.low
    if not text.wanted:
        return []
    mention = rules.measurable.search(low, words=text.words)
    if mention is None:
        return _read_disease_free(text, rules)
    start, end = text.sentence_of(mention.start())
    if rules.measurable_alternatives.search(low, start, end) or rules.negations.search(
        low, start, mention.start()
    ):
        return []
    # Another way in, allowed in a sentence of its own ("Must have measurable disease;
    # evaluable-only disease is also allowed"; not "Bone-only disease is not permitted").
    for other_start, other_end in text.sentences:
        if rules.measurable_alternatives.search(low, other_start, other_end) and rules.allowed(
            low, other_start, other_end
        ):
            return []
    return [("measurable-disease", "required", ())]


def _read_disease_free(text: _Text, rules: _Rules) -> list[Read]:
    """An inclusion item asking that scans find no disease ("Confirmed to be disease-free by
    imaging"), not said of another cancer, a time or an outcome."""
    low = text.low
    mention = rules.disease_free.search(low, words=text.words)
    if mention is None:
        return []
    start, end = text.sentence_of(mention.start())
    if rules.disease_free_not.search(low, start, end) or rules.negations.search(
        low, start, mention.start()
    ):
        return []
    return [("measurable-disease", "disease-free", ())]


# -- pregnancy, breastfeeding -----------------------------------------------------------------


def _read_pregnancy(text: _Text, rules: _Rules) -> list[Read]:
    """An exclusion item naming pregnancy or breastfeeding of the person ("Pregnant or
    lactating women"): see ``[requirements.pregnancy]``."""
    low = text.low
    if (
        not text.excluded
        or low.rstrip().endswith(":")
        or rules.pregnancy_unless.search(low, words=text.words)
    ):
        return []
    named: list[str] = []
    first = rules.pregnancy_first.match(low)
    if first and not rules.pregnancy_not_after.match(low, first.end()):
        named.append("pregnant")  # ("Pregnancy or lactation")
    for state, cues in (("pregnant", rules.pregnant), ("breastfeeding", rules.breastfeeding)):
        if state in named:
            continue
        for match in cues.finditer(low, words=text.words):
            start, _ = text.sentence_of(match.start())
            clause = max(start, low.rfind(",", start, match.start()) + 1)
            before = max(clause, match.start() - rules.pregnancy_reach)
            if (
                rules.pregnancy_not_before.search(low, before, match.start(), text.words)
                or rules.negations.search(low, before, match.start(), text.words)
                or rules.pregnancy_not_after.match(low, match.end())
            ):
                continue
            named.append(state)
            break
    return [("pregnancy", "excluded", tuple(named))] if named else []


# -- stem cell transplant ---------------------------------------------------------------------


def _read_transplant(text: _Text, rules: _Rules) -> list[Read]:
    low, words = text.low, text.words
    reads: list[Read] = []
    # Without the first word of an (in)eligibility cue, a sentence is only read for the
    # transplants it names.
    no_cues = rules.transplant_ineligible.absent(words) and rules.transplant_eligible.absent(words)
    for start, end in text.sentences:
        mentions = [m for m in rules.transplant.finditer(low, start, end) if not _echo(low, m)]
        if not mentions and no_cues:
            continue
        sentence = low[start:end]
        # (A sentence holds whole words of the item: it starts and ends beside a sign.)
        if rules.exceptions.search(sentence, words=words) or rules.allowed(sentence, words=words):
            continue
        eligibility = _transplant_eligibility(text, rules, start, end, mentions)
        if eligibility is not None:
            reads.append(eligibility)
            continue
        previous = start
        for index, match in enumerate(mentions):
            following = mentions[index + 1].start() if index + 1 < len(mentions) else end
            clause = low[previous : _clause_end(low, match.end(), following)]
            before = low[previous : match.start()]
            kind = _transplant_type(low, match, previous, rules)
            read = None
            if _limit_shared(low, mentions[index:], end, rules) and text.excluded:
                pass  # "A, B or C within 24 months": the time limit is of A too
            elif not (rules.hypotheticals.search(before) or rules.with_or_without.search(before)):
                read = _transplant_rule(
                    text, rules, low[start : match.start()], before, clause, kind
                )
            if read is not None and not text.excluded:
                # What is said after it: "Prior autologous transplant is not allowed" rules it
                # out, "... is not required" asks nothing.
                said = _said_after(text.item.text, match.start(), match.end())
                if said is not None:
                    read = (
                        ("transplant", "prior-excluded", (kind,))
                        if said[0] == "ruled-out"
                        else None
                    )
            previous = match.end()
            if read is not None:
                reads.append(read)
    return list(dict.fromkeys(reads))


# Between two transplants of one list: other items after commas, then "or" (and the kind of
# the next transplant): "allogeneic HSCT, adoptive cell immunotherapy or autologous HSCT".
_LIST_GAP = re.compile(r"((?:\s*,\s*[a-z][\w -]*?)*)\s*,?\s+(?:and/)?or\s+(?:([\w-]+)\s+)?")


def _limit_shared(low: str, mentions: list[re.Match[str]], end: int, rules: _Rules) -> bool:
    """Whether a time limit after the last of ``mentions`` is of the first too: they are one
    list of things had ("A, B or C within 24 months"), the limit after the last, and nothing
    between them says a time, a plan or a verb of its own ("A at any time or received B
    within 12 weeks", "A, or planned B within 6 months" are not one list)."""
    if len(mentions) < 2:
        return False
    for match, following in zip(mentions, mentions[1:], strict=False):
        gap = _LIST_GAP.fullmatch(low, match.end(), following.start())
        if gap is None:
            return False
        items, kind = gap.group(1), gap.group(2)
        if items and any(
            cues.search(items)
            for cues in (rules.time_limits, rules.transplant_ongoing, rules.transplant_frames)
        ):
            return False
        if kind and not any(c.search(kind) for c in rules.transplant_types.values()):
            return False
    last = mentions[-1]
    return bool(rules.time_limits.search(low[last.end() : _clause_end(low, last.end(), end)]))


def _echo(low: str, match: re.Match[str]) -> bool:
    """An acronym in brackets right after the name it stands for: "... transplant (ASCT)"."""
    return bool(match.group("acronym")) and low[max(0, match.start() - 2) : match.start()].endswith(
        "("
    )


def _clause_end(low: str, position: int, limit: int) -> int:
    found = re.compile(r"[;,]\s+(?:or|and)\b|[;]").search(low, position, limit)
    return found.start() if found else limit


def _transplant_type(low: str, match: re.Match[str], previous: int, rules: _Rules) -> str:
    written = " ".join(match.group().split())
    if match.group("acronym"):
        known = rules.transplant_acronyms.get(written)
        if known and known != "any":
            return known
    window = low[max(previous, match.start() - 45) : match.end()]
    found = [name for name, cues in rules.transplant_types.items() if cues.search(window)]
    return found[0] if len(found) == 1 else "any"


def _transplant_rule(
    text: _Text, rules: _Rules, sentence_before: str, before: str, clause: str, kind: str
) -> Read | None:
    if rules.transplant_ongoing.search(clause):
        return None
    lead = text.lead
    framed = rules.transplant_frames.search(sentence_before) or rules.transplant_frames.search(lead)
    strong = rules.strong_negations.search(sentence_before)
    if text.excluded and not strong:
        if rules.transplant_after.ends(before) or rules.transplant_after.search(
            clause.split("transplant")[0][-20:]
        ):
            return None
        if rules.time_limits.search(clause) or rules.negations.search(before):
            return None
        if not framed:
            return None
        if re.search(r"graft.versus.host|gvhd", clause):
            return None
        return ("transplant", "prior-excluded", (kind,))
    if not framed:
        return None
    if strong or rules.negations.search(before):
        return ("transplant", "prior-excluded", (kind,))
    return ("transplant", "prior-required", (kind,))


def _transplant_eligibility(
    text: _Text, rules: _Rules, start: int, end: int, mentions: list[re.Match[str]]
) -> Read | None:
    """ "Ineligible for autologous stem cell transplant", "transplant-eligible"."""
    low = text.low
    for cues, ineligible in (
        (rules.transplant_ineligible, True),
        (rules.transplant_eligible, False),
    ):
        for cue in cues.finditer(low, start, end, text.words):
            if not ineligible and re.search(
                r"(?:\bnot|\bin|\bun)\W*(?:be\W+|considered\W+)?$",
                low[max(start, cue.start() - 20) : cue.start()],
            ):
                continue
            if "transplant" in cue.group():
                target = None
            else:
                target = next((m for m in mentions if 0 <= m.start() - cue.end() <= 60), None)
                if target is None and not rules.bare_transplant.match(low, cue.end()):
                    continue
                if target is not None and re.search(r"[;.]", low[cue.end() : target.start()]):
                    continue
            kind = (
                _transplant_type(low, target, cue.start(), rules)
                if target is not None
                else _bare_type(low, cue, rules)
            )
            strong = rules.strong_negations.search(
                low, max(start, cue.start() - 20), cue.start()
            ) or re.search(
                r"\b(?:must|should|shall)\s+$", low[max(start, cue.start() - 10) : cue.start()]
            )
            wants_ineligible = ineligible != (text.excluded and not strong)
            if strong and not ineligible:
                wants_ineligible = True
            return (
                "transplant",
                "ineligible-required" if wants_ineligible else "eligible-required",
                (kind,),
            )
    return None


def _bare_type(low: str, cue: re.Match[str], rules: _Rules) -> str:
    window = low[cue.start() : cue.end() + 40]
    found = [name for name, cues in rules.transplant_types.items() if cues.search(window)]
    return found[0] if len(found) == 1 else "any"


# -- which readers run, and on which items -------------------------------------------------


Reader = Callable[[_Text, _Rules], list[Read]]

# Each reader, and the sets of words of the data an item must hold one word of each of for it
# to find anything there (the first words of its patterns; those its rules need besides).
# Earlier treatment (None) is decided per criteria: see :func:`_items_to_read`.
_READERS: tuple[tuple[Reader, Callable[[_Rules], tuple[frozenset[str], ...]] | None], ...] = (
    (_read_age, lambda rules: (rules.age_words,)),
    (_read_sex, lambda rules: (rules.sex_words,)),
    (_read_prior_lines, lambda rules: (rules.line_nouns, rules.line_word_set)),
    (_read_no_lines, lambda rules: rules.no_line_words),
    (_read_prior_therapy, None),
    (_read_ecog, lambda rules: (rules.ecog_words,)),
    (_read_brain, lambda rules: (rules.brain_words,)),
    (_read_measurable, lambda rules: (rules.measurable_words | rules.disease_free_words,)),
    (_read_transplant, lambda rules: (rules.transplant_words,)),
    (_read_stage, lambda rules: (rules.stage_words,)),
    (_read_pregnancy, lambda rules: (rules.pregnancy_words,)),
)


class _Gates(NamedTuple):
    """Which readers a word lets in, as bits: bit ``i`` for the first set of words of reader
    ``i`` of :data:`_READERS`, :data:`_FRAMED` for the first word of a frame of earlier
    treatment, one bit above those for each other set."""

    bits: dict[str, int]  # every deciding word -> its bits
    words: frozenset[str]  # the deciding words
    needs: tuple[tuple[Reader, int], ...]  # each reader, and the bits of all its sets


_THERAPY = 1 << [read for read, _ in _READERS].index(_read_prior_therapy)
_STAGE = 1 << [read for read, _ in _READERS].index(_read_stage)
_FRAMED = 1 << len(_READERS)
_FIRST_SETS = (1 << len(_READERS)) - 1 | _FRAMED  # the bits an item is looked at further for


@cache
def _gates() -> _Gates:
    rules = _rules()
    bits: dict[str, int] = dict.fromkeys(rules.frame_words, _FRAMED)
    needs: list[tuple[Reader, int]] = []
    more = _FRAMED << 1  # the bit of the next set after a reader's first
    for index, (read, wanted) in enumerate(_READERS):
        need = 1 << index
        for number, words in enumerate(wanted(rules) if wanted is not None else ()):
            bit = 1 << index if number == 0 else more
            if number:
                need |= bit
                more <<= 1
            for word in words:
                bits[word] = bits.get(word, 0) | bit
        needs.append((read, need))
    return _Gates(bits, frozenset(bits), tuple(needs))


@cache
def _readers_of(found: int) -> tuple[Reader, ...]:
    """The readers with a word of each of their sets among ``found`` (bits of :func:`_gates`).
    (Kept for each combination of bits: there are few.)"""
    return tuple(read for read, need in _gates().needs if found & need == need)


# An item to read: the item, its text in lower case, its words, those that may name a drug,
# the readers to run (see _items_to_read).
_ToRead = tuple[Item, str, frozenset[str], frozenset[str] | set[str], tuple[Reader, ...]]


# The one letter not in ASCII whose lower case is an ASCII letter (the Kelvin sign:
# "\u212a".lower() == "k"): criteria holding it are put in lower case before their words are cut.
_ASCII_IN_LOWER_CASE = "\u212a"
_SEPARATOR = "\x01"  # between two items, in the text whose words are cut


def _items_to_read(items: tuple[Item, ...], rules: _Rules) -> list[_ToRead]:
    """(item, its text in lower case (:func:`lower`, "\\x01" turned to a space), its words,
    those of them that can belong to the name of a drug or class (:func:`drug_words`; only for
    an item read for earlier treatment, else none), the readers that can find something in it)
    for each item some reader reads, in order.

    The words are cut in one pass over all the items (a-z and 0-9, the items separated by
    "\\x01"): :data:`_ITEM_WORD_BYTES` turns A-Z to a-z, so only the items read are put in lower
    case. An item is read by a reader only if it holds a word of each of the reader's sets
    (:data:`_READERS`): most items are passed over after one look-up of their words, and the set
    of all an item's words is built only for the others. Stages are also read near a TNM code
    ("t2n0m0", "m1b"); earlier treatment only in an item with a lead-in line or the first word
    of a frame, and one of the words of the name of a drug or class (:func:`drug_words`), for
    it finds nothing elsewhere.
    """
    bits, deciding, _ = _gates()
    joined = _SEPARATOR.join([item.text for item in items])
    lowered: list[str] | None = None  # every item in lower case, when the words need it
    if joined.count(_SEPARATOR) != len(items) - 1 or _ASCII_IN_LOWER_CASE in joined:
        lowered = [lower(item.text).replace(_SEPARATOR, " ") for item in items]
        joined = _SEPARATOR.join(lowered)
    text = joined.encode("ascii", "replace").translate(_ITEM_WORD_BYTES).decode("ascii")
    # (Most criteria have no word with "m0" or "m1": one scan of the text finds none.)
    if codes := _tnm_codes(text):
        bits = {**bits, **{code: bits.get(code, 0) | _STAGE for code in codes}}
        deciding = frozenset(bits)
    candidates: list[tuple[int, Item, frozenset[str], int]] = []
    for index, (item, part) in enumerate(zip(items, text.split(_SEPARATOR), strict=True)):
        cut = part.split()
        gate = 0
        for word in deciding.intersection(cut):
            gate |= bits[word]
        if item.lead:
            gate |= _FRAMED
        # (An item no reader takes, and that is not read for earlier treatment, is passed over
        # before the set of its words is built.)
        if gate & _FRAMED or (gate & _FIRST_SETS and _readers_of(gate)):
            candidates.append((index, item, frozenset(cut), gate))
    framed = [own for _, _, own, gate in candidates if gate & _FRAMED]
    # (Whether a word can belong to the name of a drug does not depend on the other words: one
    # look through the words of all the framed items is one look through each.)
    drugs = drug_words(frozenset().union(*framed)) if framed else frozenset()
    read: list[_ToRead] = []
    for index, item, own, gate in candidates:
        named: frozenset[str] | set[str] = _NONE
        if gate & _FRAMED and (named := drugs & own):
            gate |= _THERAPY
        if readers := _readers_of(gate):
            low = lower(item.text) if lowered is None else lowered[index]
            read.append((item, low, own, named, readers))
    return read


_NONE: frozenset[str] = frozenset()
