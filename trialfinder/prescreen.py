"""The prescreen: could this person join this trial? Checked criterion by criterion.

For each requirement the reader found in a trial's criteria (``Tags.requirements``), and for
the record's disease, age and sex, a :class:`Check` says ``pass``, ``fail`` or ``unknown``
when a fact of the :class:`~trialfinder.profile.Profile` bears on it, quoting the criterion,
naming the fact and saying why in a plain sentence. **Unknown never excludes**: a fact the
profile lacks, a name trialfinder does not know or a criterion the reader could not resolve
gives ``unknown``. A :class:`Fit` then gives the verdict: ``excluded`` (a check fails, in every
part of the trial), ``possible`` (nothing fails and the facts that matter most pass: disease,
setting, prior lines, required markers) or ``check`` (nothing fails, but such a fact is
unknown), with a one-line reason and the questions to take to the care team.

The rules (which facts each kind uses, whether its failure lasts, the sentences, the words a
profile may use) are data: ``data/prescreen.toml``.

Parts of a trial: a rule read under a cohort ("Part A") holds for that cohort only; a rule
with cohort "" holds for everyone. A rule of a criterion limited to people with some diseases
("solid tumor patients must have received at least two lines") holds when the diagnosis is one
of them (``Tags.scoped_requirements``), and is left out otherwise. A person is excluded only
when every part excludes them. The reader names the parts that have rules of their own (for
everyone in the part, or for some diseases only: a part whose rules are all for other diseases
than the patient's is still a part); unless it names at least two parts of one kind ("Part
A", "Part B"), the trial is taken to have other parts too, holding only the rules for everyone.

Read here besides the reader's requirements: washout periods, counts of the drugs of a class
("more than one JAK2 inhibitor") among the exclusion criteria, a title that says the trial is
for first-line treatment (checked against the earlier lines), and a marker a title or condition
names that no criterion names (these two never fail). An inclusion rule for everyone that takes
brain metastases asks for them when the trial's conditions name them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from typing import Any, NamedTuple

from trialfinder.ages import RecordAges, criteria_ages, record_ages
from trialfinder.diseases import (
    NARROWER,
    RELATED,
    SAME_OR_BROADER,
    UNRELATED,
    Diagnosis,
    complication_at,
    complications_named,
    diseases,
    kin,
    named_diseases,
    only_other_diseases,
    trial_diseases,
)
from trialfinder.knowledge import load_toml, phrases_pattern
from trialfinder.model import Trial
from trialfinder.profile import Marker, Profile, Treatment, read_marker, settings_in
from trialfinder.tagging.biomarkers import left_out_variant
from trialfinder.tagging.drug_classes import drug_classes, drug_matches, find_drugs
from trialfinder.tagging.lexicon import knowledge
from trialfinder.tagging.reader import (
    EXCLUSION,
    cohort_label,
    earlier_study,
    is_cancer_trial,
    named_by_step,
    read_criteria,
)
from trialfinder.tagging.requirements import (
    METASTATIC_EXCLUDED,
    NON_METASTATIC,
    Requirement,
    disease_scopes,
    ecog_grades_for_karnofsky,
    karnofsky_range,
    names_spread_stage,
    narrower,
)
from trialfinder.tagging.settings import relapsed_or_spread
from trialfinder.tagging.tags import Tags
from trialfinder.vocabulary import FITS as FITS  # re-exported: search.py imports it here

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"
POSSIBLE, CHECK, NOT_YET, EXCLUDED = FITS  # best first: the order of a search with a profile
DATA_FILE = "prescreen.toml"


@dataclass(frozen=True)
class Check:
    """One criterion checked against the profile."""

    rule: str  # the requirement's kind ("prior-therapy-excluded"), or "disease", "age", "sex"
    outcome: str  # PASS, FAIL or UNKNOWN
    permanent: bool  # for a fail: it lasts (a treatment received); False: it may change
    text: str  # the criterion as written, or the record's field ("Minimum age: 18 Years")
    fact: str  # the profile's fact used ("prior_treatments: teclistamab"), "" when none
    reason: str  # a plain sentence
    cohort: str = ""  # "" when it holds for everyone
    question: str = ""  # what to ask the care team, when unknown
    passes_on: dt.date | None = None  # a washout: the first day the person would pass
    contradicted: bool = False  # the record says the opposite elsewhere: shown, not weighed
    key: bool = False  # key by its rule (`key_rules`) though its kind is not
    asks: str = ""  # the requirement's rule ("surgery"), which may name what is unknown

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "outcome": self.outcome,
            "permanent": self.permanent if self.outcome == FAIL else None,
            "text": self.text,
            "fact": self.fact,
            "reason": self.reason,
            "cohort": self.cohort,
            "passes_on": self.passes_on.isoformat() if self.passes_on else None,
        }


@dataclass(frozen=True)
class Fit:
    """The verdict for one trial and one profile."""

    fit: str  # POSSIBLE, CHECK, NOT_YET or EXCLUDED
    reason: str  # one line
    checks: tuple[Check, ...]
    questions: tuple[str, ...] = ()
    cohorts: tuple[str, ...] = ()  # the named parts that could fit, when the trial names parts

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.outcome == FAIL)

    @property
    def unknown(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.outcome == UNKNOWN)

    def as_record(self) -> dict[str, Any]:
        """The keys a trial's record gains: ``fit``, ``fit_reason``, ``questions``, ``checks``."""
        return {
            "fit": self.fit,
            "fit_reason": self.reason,
            "questions": list(self.questions),
            "checks": [c.as_dict() for c in self.checks],
        }


def verdict_said(fit: str) -> str:
    """A verdict as a sentence says it: "not yet" of not-yet."""
    return fit.replace("-", " ")


def verdict_counts(counts: Mapping[str, int]) -> str:
    """ "2 possible, 0 check, 3 excluded", and how many are not yet, when any."""
    return ", ".join(
        f"{counts.get(f, 0):,} {verdict_said(f)}" for f in FITS if f != NOT_YET or counts.get(f)
    )


def rank(fit: str | None) -> int:
    """The order of a search with a profile: possible, check, not yet, excluded (then no
    verdict)."""
    return FITS.index(fit) if fit in FITS else len(FITS)


# -- the rules, as data ----------------------------------------------------------------------------


class _Rules:
    def __init__(self, table: dict[str, Any]) -> None:
        self.rules: dict[str, dict[str, Any]] = table["rule"]
        self.verdict: dict[str, str] = {
            k: v for k, v in table["verdict"].items() if isinstance(v, str)
        }
        self.verdict_wait_rules = frozenset(table["verdict"]["wait_rules"])
        self.words: dict[str, Any] = table["words"]
        self.settings: dict[str, dict[str, Any]] = table["setting"]
        self.lines_settings: dict[str, dict[str, list[str]]] = table["lines_settings"]
        self.markers: dict[str, Any] = table["markers"]
        self.risk_groups: dict[str, dict[str, Any]] = table["risk_groups"]
        self.sensitizing_words = phrases_pattern(self.markers["sensitizing_words"])
        self.germline = phrases_pattern(self.markers["germline"])
        self.change_kinds = {
            kind: phrases_pattern(words) for kind, words in self.markers["change_kinds"].items()
        }
        self.change_variant = re.compile(self.markers["change_variant"])
        # marker -> the groups of kinds that stand for each other in it ("*": in every marker)
        self._loose_kinds = {
            name: tuple(frozenset(group) for group in groups)
            for name, groups in self.markers["loose_kinds"].items()
        }
        # marker -> kind -> the kinds a negative result of that kind answers too
        self.negative_answers: dict[str, dict[str, list[str]]] = self.markers["negative_answers"]
        # marker -> what a criterion asks of it that a plain negative result does not rule out
        self.negative_not_enough = {
            name: re.compile(pattern, re.IGNORECASE)
            for name, pattern in self.markers.get("negative_not_enough", {}).items()
        }
        # marker -> its sensitizing variants, in lower case
        self.sensitizing = {
            name: frozenset(v.lower() for v in variants)
            for name, variants in self.markers["sensitizing"].items()
        }
        self.radiation_classes = frozenset(table["treatments"]["radiation_classes"])
        self.surgery_classes = frozenset(table["treatments"]["surgery_classes"])
        washout = table["washout"]
        self.active_words = phrases_pattern(table["rule"]["brain-metastases"]["active_words"])
        self.treated_when = re.compile(table["rule"]["brain-metastases"]["treated_when"], re.I)
        self.untreated_allowed = phrases_pattern(
            table["rule"]["brain-metastases"]["untreated_allowed"]
        )
        self.symptomatic_only = phrases_pattern(
            table["rule"]["brain-metastases"]["symptomatic_only"]
        )
        self.confirmed = phrases_pattern(table["rule"]["disease"]["confirmed"])
        self.examples = phrases_pattern(table["rule"]["disease"]["examples"])
        self.healthy_people = phrases_pattern(table["rule"]["disease"]["healthy_people"])
        self.named_not = phrases_pattern(table["rule"]["disease"]["named_not"])
        self.named_only = frozenset(table["rule"]["disease"]["named_only"])
        self.named_only_not = phrases_pattern(table["rule"]["disease"]["named_only_not"])
        setting = table["rule"]["disease-setting"]
        self.grew_on = phrases_pattern([*setting["grew_during"], *setting["grew_after"]])
        self.grew_during = phrases_pattern(setting["grew_during"])
        self.for_advanced = phrases_pattern(setting["for_advanced"])
        self.hormone_sensitive = phrases_pattern(setting["hormone_sensitive"])
        self.treatments_named: dict[str, str] = {
            _spaced(k): v for k, v in setting["treatments_named"].items()
        }
        self.treatment_words = phrases_pattern(list(setting["treatments_named"]))
        # a confirmed diagnosis of cancer in general words: "diagnosis of cancer", "histologically
        # confirmed malignancy" (up to three words between)
        any_cancer = phrases_pattern(table["rule"]["disease"]["any_cancer"]).pattern
        self.confirmed_any_cancer = re.compile(
            rf"{self.confirmed.pattern}(?:[^\w-]+[\w-]+){{0,3}}?[^\w-]+{any_cancer}",
            re.IGNORECASE,
        )
        self.washout_treatments = phrases_pattern(washout["treatments"])
        self.washout_not_about = phrases_pattern(washout["not_about"])
        self.washout_shorter = phrases_pattern(washout["shorter"])
        self.washout_longer = phrases_pattern(washout["longer"])
        units = "|".join(sorted(washout["units"], key=len, reverse=True))
        self.washout_units = washout["units"]
        self.washout_period = re.compile(
            rf"\bwithin\s+(?:the\s+)?(?:last\s+|past\s+|previous\s+)?(\d{{1,3}})\s*({units})\b"
            rf"|\b(\d{{1,3}})\s*({units})\s+(?:before|prior to|of)\b",
            re.IGNORECASE,
        )

    def key(self, kind: str) -> bool:
        return bool(self.rules.get(kind, {}).get("key"))

    def loose_kinds(self, marker: str) -> tuple[frozenset[str], ...]:
        """The groups of kinds of change that stand for each other in ``marker``."""
        return (*self._loose_kinds.get("*", ()), *self._loose_kinds.get(marker, ()))

    def is_key(self, check: Check) -> bool:
        """Whether a check matters most: by its kind, or by its rule (`key_rules`)."""
        return check.key or self.key(check.rule)

    def permanent(self, kind: str) -> bool:
        return bool(self.rules.get(kind, {}).get("permanent"))

    def says(self, kind: str, rule: str, /, **values: Any) -> str:
        template = self.rules[kind]["says"].get(rule) or next(
            iter(self.rules[kind]["says"].values())
        )
        return _fill(template, values)

    def sentence(self, kind: str, name: str, /, **values: Any) -> str:
        entry = self.rules[kind]
        template = entry.get(name) or entry[name.split("-")[0]]
        return _fill(template, values)

    def question(self, kind: str, /, **values: Any) -> str:
        return _fill(self.rules[kind].get("question", ""), values)


class _Kept(dict[str, Any]):
    """Placeholders without a value stay as written."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(template: str, values: dict[str, Any]) -> str:
    return template.format_map(_Kept(values)) if "{" in template else template


def _spaced(phrase: str) -> str:
    """A phrase as ``phrases_pattern`` matches it: any case, spaces or hyphens between words."""
    return " ".join(re.split(r"[\s-]+", phrase.lower().strip()))


@cache
def rules() -> _Rules:
    """The rules of ``data/prescreen.toml``, read once."""
    return _Rules(load_toml(DATA_FILE))


def rule_kinds() -> tuple[str, ...]:
    """Every kind of rule the prescreen checks (``[rule.*]`` of the data file)."""
    return tuple(rules().rules)


# -- the profile's facts, worked out once per profile ---------------------------------------------


class _Facts:
    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.received = _without_repeats(profile.received())
        self.history_known = profile.prior_treatments is not None
        self.unknown_names = tuple(
            t.written
            for t in (self.received or ())
            if (not t.known and not t.not_given) or t.unread
        )
        self.transplants = tuple(t for t in (self.received or ()) if t.transplant)
        self.markers: dict[str, list[Marker]] = {}
        self.one_test: dict[str, list[Marker]] = {}  # "ctDNA EGFR negative": answers nothing
        for marker in profile.biomarkers or ():
            if marker.known:
                found = self.one_test if marker.only_one_test else self.markers
                found.setdefault(marker.name, []).append(marker)
        r = rules()
        self.setting_is: set[str] = set()
        self.setting_not: set[str] = set()
        # (The diagnosis may name them too: "non-metastatic castration-resistant prostate
        # cancer" with setting = ["castration-resistant"].)
        for name in profile.setting or ():
            entry = r.settings[name]
            self.setting_is.update(_value_key(v) for v in (name, *entry["is"]))
            self.setting_not.update(_value_key(v) for v in entry["not"])
        # The settings the diagnosis names, unless the profile's own settings rule them out
        # ("early breast cancer in 2019 ... now with bone mets" beside setting = ["metastatic"])
        written = settings_in(profile.diagnosis.text) if profile.diagnosis else ()
        self.diagnosis_settings = tuple(
            s
            for s in written
            if s not in (profile.setting or ())
            and not {_value_key(v) for v in (s, *r.settings[s]["is"])} & self.setting_not
        )
        for name in self.diagnosis_settings:
            entry = r.settings[name]
            self.setting_is.update(_value_key(v) for v in (name, *entry["is"]))
            self.setting_not.update(_value_key(v) for v in entry["not"])
        self.lines = profile.prior_lines
        # fewer cancer treatments listed than lines of treatment: the list is not the whole story
        listed = [t for t in self.received or () if not t.other]
        self.partial_history = (
            self.history_known and self.lines is not None and len(listed) < self.lines
        )
        if self.lines is None and profile.prior_treatments == ():
            self.lines = 0  # no treatment at all: no earlier line
        if self.lines is not None:
            derived = r.lines_settings["none" if self.lines == 0 else "some"]
            self.setting_is.update(_value_key(v) for v in derived["is"])
            self.setting_not.update(_value_key(v) for v in derived["not"])
        if profile.prior_treatments == ():
            self.setting_not.add("previously-treated")  # nothing given at all, ever
        self.setting_known = profile.setting is not None or self.lines is not None or bool(written)

    def placeless(self, values: Iterable[Any]) -> list[str]:
        """The radiotherapy written without a place, when a value is radiotherapy to one place
        (``radiation_classes``): whether it was that one, the profile does not say."""
        if not set(map(str, values)) & rules().radiation_classes:
            return []
        return [t.written for t in self.received or () if t.radiation and not t.drugs]

    def unnamed_operations(self, values: Iterable[Any]) -> list[str]:
        """The surgery written without saying which operation it was ("surgery", "Whipple"),
        when a value is one operation (``surgery_classes``): whether it was that one, the profile
        does not say."""
        if not set(map(str, values)) & rules().surgery_classes:
            return []
        return [t.written for t in self.received or () if t.surgery and not t.drugs]

    def no_local_treatment(self, values: Iterable[Any]) -> bool:
        """Whether every value is radiotherapy to one place or one operation and the profile,
        listing treatments, lists no radiotherapy or surgery at all: a list of drugs
        ("after KEYNOTE-522 chemo-immunotherapy", which includes an operation) may leave them
        out. An empty list (never treated) is no such doubt."""
        local = rules().radiation_classes | rules().surgery_classes
        wanted = set(map(str, values))
        return (
            bool(wanted)
            and wanted <= local
            and bool(self.received)
            and not any(t.radiation or t.surgery for t in self.received or ())
        )

    @property
    def history_whole(self) -> bool:
        """Whether the history lists every treatment: given, every name known, not partial."""
        return self.history_known and not self.unknown_names and not self.partial_history

    def settings_said(self) -> str:
        """What the profile says of the course of the cancer: its settings, those its
        diagnosis names, and its lines ("metastatic and treated with 2 lines of treatment")."""
        written = [*(self.profile.setting or ()), *self.diagnosis_settings]
        if self.lines is not None:
            written.append(f"treated with {_lines_text(self)}")
        return _join(written, "and")

    def cancer_medicines(self) -> tuple[Treatment, ...]:
        """The treatments of the history that give a cancer medicine (not radiotherapy or
        surgery alone, nor a supportive medicine)."""
        radiation = rules().radiation_classes
        return tuple(
            t
            for t in self.received or ()
            if t.drugs and not t.other and not all(d in radiation for d in t.drugs)
        )

    def treated_only_by_relapse(self) -> bool:
        """Whether the profile says its cancer was treated only by saying it came back
        ("relapsed"), which it may have done after surgery alone, and no other setting says
        so ("refractory", "platinum-resistant")."""
        named = {*(self.profile.setting or ()), *self.diagnosis_settings}
        settings = rules().settings
        treated = {n for n in named if "previously-treated" in settings[n]["is"]}
        return treated == {"relapsed"}

    @staticmethod
    def had_in_words(kind: str, treatments: Iterable[Treatment] | None) -> bool:
        """Whether ``treatments`` hold one of ``kind`` (``treatments_named`` in
        ``[rule.disease-setting]``): "transplant", "radiation", or a drug name stem."""
        treatments = tuple(treatments or ())
        if kind == "transplant":
            return any(t.transplant for t in treatments)
        if kind == "radiation":
            return any(t.radiation for t in treatments)
        return any(d.endswith(kind) for t in treatments for d in t.drugs)

    def matching(self, treatments: Iterable[Treatment] | None, value: str) -> list[str]:
        """The written names of ``treatments`` that give a drug of ``value``."""
        return [t.written for t in treatments or () if any(_drug_is(d, value) for d in t.drugs)]


def _lines_text(facts: _Facts) -> str:
    """ "1 line of treatment", "2 lines of treatment"."""
    words = rules().words
    return f"{facts.lines} {words['line'] if facts.lines == 1 else words['lines']}"


def _without_repeats(treatments: tuple[Treatment, ...] | None) -> tuple[Treatment, ...] | None:
    """The treatments received, each drug once ("Darzalex" in the history, "daratumumab" in
    refractory_to: the first)."""
    if treatments is None:
        return None
    seen: set[str] = set()
    kept = []
    for treatment in treatments:
        drugs = set(treatment.drugs)
        if drugs and drugs <= seen:
            continue
        seen |= drugs
        kept.append(treatment)
    return tuple(kept)


@lru_cache(maxsize=16)
def _facts(profile: Profile) -> _Facts:
    return _Facts(profile)


@lru_cache(maxsize=8192)
def _drug_is(drug: str, value: str) -> bool:
    return drug_matches(drug, value)


def _value_key(value: Any) -> str:
    return re.sub(r"[^a-z0-9+]+", "-", str(value).lower()).strip("-")


# -- one check per requirement ----------------------------------------------------------------


def _check(
    requirement: Requirement,
    outcome: str,
    reason_tail: str,
    fact: str = "",
    permanent: bool | None = None,
    question: str = "",
    says: str | None = None,
    passes_on: dt.date | None = None,
) -> Check:
    r = rules()
    kind = requirement.kind
    rule = requirement.rule
    # "At most 0 earlier lines" is "no earlier line", where the data has words for it.
    if rule in ("at-most", "exactly") and tuple(requirement.values) == (0,):
        rule = "none" if "none" in r.rules[kind]["says"] else rule
    said = says if says is not None else r.says(kind, rule, **_says_values(requirement))
    reason = f"{said}; {reason_tail}." if reason_tail else f"{said}."
    return Check(
        rule=kind,
        outcome=outcome,
        permanent=r.permanent(kind) if permanent is None else permanent,
        text=requirement.text,
        fact=fact,
        reason=reason[0].upper() + reason[1:],
        cohort=requirement.cohort,
        question=question if outcome == UNKNOWN else "",
        passes_on=passes_on,
        key=rule in r.rules[kind].get("key_rules", ()),
        asks=requirement.rule,
    )


def _says_values(requirement: Requirement) -> dict[str, Any]:
    values = requirement.values
    said = _said(requirement.kind, values)
    if requirement.kind == "biomarker-required":
        words = rules().words
        said = [
            words["other-than"].format(marker=v, variant=left)
            if (left := left_out_variant(str(v), requirement.text))
            else v
            for v in said
        ]
    joined = _join(said, "and" if requirement.rule == "all-of" else "or")
    numbers = [v for v in values if isinstance(v, (int, float))]
    low = numbers[0] if numbers else ""
    high = numbers[-1] if numbers else ""
    words = rules().words
    lines = words["line"] if (high or low) == 1 else words["lines"]
    if requirement.rule == "more-than":  # (a class, how many of it)
        spelled = rules().rules[requirement.kind]["count_numbers"]
        count = int(values[1])
        number = spelled[count - 1] if 0 < count <= len(spelled) else str(count)
        return {"values": str(values[-1]), "count": number}
    return {"values": joined, "low": low, "high": high, "lines": lines}


_TREATMENT_KINDS = frozenset(
    {"prior-therapy-required", "prior-therapy-excluded", "refractory-required"}
)


def _said(kind: str, values: Iterable[Any], again: bool = False) -> list[Any]:
    """The values of a rule of earlier treatment as a sentence names them: a drug class by its
    ``said`` in drug_classes.toml ("a gastrectomy (an operation ...)", "an anti-CD38 antibody"),
    a drug's name as written; the values of other kinds as they are. Named ``again`` (after the
    sentence of the rule), without the explanation in brackets."""
    if kind not in _TREATMENT_KINDS:
        return list(values)
    classes = drug_classes()
    said = [classes.said(str(v)) for v in values]
    return [_EXPLAINED.sub("", s) for s in said] if again else said


_EXPLAINED = re.compile(r"\s+\([^()]*\)$")


def _join(values: Iterable[Any], word: str = "or") -> str:
    items = [_plain(v) for v in values]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1]


def _plain(value: Any) -> str:
    text = str(value)
    return text.replace("-", " ") if text in _SETTING_VALUES else text


_SETTING_VALUES = frozenset(
    {
        "newly-diagnosed",
        "treatment-naive",
        "previously-treated",
        "castration-resistant",
        "removed-by-surgery",
        "locally-advanced",
        "de-novo",
    }
)


def _unknown(
    requirement: Requirement, tail: str, says: str | None = None, **question_values: Any
) -> Check:
    values = {**_says_values(requirement), **question_values}
    question = rules().question(requirement.kind, **values)
    return _check(requirement, UNKNOWN, tail, question=question, says=says)


def _missing(requirement: Requirement) -> Check:
    return _unknown(requirement, rules().sentence(requirement.kind, "unknown"))


# age, sex -----------------------------------------------------------------------------------


def _check_age(requirement: Requirement, facts: _Facts) -> Check:
    age = facts.profile.age
    if age is None:
        return _missing(requirement)
    values = [int(v) for v in requirement.values]
    low = values[0] if requirement.rule in ("at-least", "between") else None
    high = values[-1] if requirement.rule in ("at-most", "between") else None
    fails = (low is not None and age < low) or (high is not None and age > high)
    outcome = FAIL if fails else PASS
    tail = rules().sentence("age", outcome, age=age)
    # Too young may change; too old does not.
    return _check(
        requirement, outcome, tail, fact=f"age: {age}", permanent=high is not None and age > high
    )


def _check_sex(requirement: Requirement, facts: _Facts, doubtful: bool = False) -> Check:
    """A rule of one sex. ``doubtful``: the record's sex field rules a person out while an
    inclusion criterion for everyone takes both sexes ("Female or male", NCT04472845, a rule
    ``any`` that rules no one out and is no check of its own): unknown."""
    sex = facts.profile.sex
    words = rules().words
    wanted = str(requirement.values[0]) if requirement.values else ""
    says = rules().says("sex", "only", values=words.get(f"only-{wanted}", wanted))
    if sex is None:
        return _check(requirement, UNKNOWN, rules().sentence("sex", "unknown"), says=says)
    if doubtful and sex != wanted:
        tail = rules().sentence("sex", "unknown-disagree", sex=words.get(sex, sex))
        return _check(requirement, UNKNOWN, tail, fact=f"sex: {sex}", says=says)
    outcome = PASS if sex == wanted else FAIL
    tail = rules().sentence("sex", outcome, sex=words.get(sex, sex))
    return _check(requirement, outcome, tail, fact=f"sex: {sex}", says=says)


def _record_checks(trial: Trial, tags: Tags | None, facts: _Facts) -> list[Check]:
    """The record's own age limits and sex, which count as criteria; an age limit that the
    criteria contradict for the person (``_age_fields_doubtful``) rules no one out."""
    checks: list[Check] = []
    elig = trial.eligibility
    profile = facts.profile
    low, high = elig.min_age_years, elig.max_age_years
    if low is not None or high is not None:
        text = "; ".join(
            t
            for t in (
                f"Minimum age: {elig.min_age_text}" if elig.min_age_text else "",
                f"Maximum age: {elig.max_age_text}" if elig.max_age_text else "",
            )
            if t
        )
        if low is not None and high is not None:
            requirement = Requirement("age", "between", (_years(low), _years(high)), text)
        elif low is not None:
            requirement = Requirement("age", "at-least", (_years(low),), text)
        else:
            assert high is not None  # one of the two is given
            requirement = Requirement("age", "at-most", (_years(high),), text)
        # A limit in months or days ("Minimum age: 30 Months") is said as written.
        said = None
        if any(not float(v).is_integer() for v in (low, high) if v is not None):
            written = {
                "low": (elig.min_age_text or "").lower(),
                "high": (elig.max_age_text or "").lower(),
            }
            said = rules().says("age", requirement.rule, **written)

        def check(outcome: str, tail: str, fact: str = "", permanent: bool | None = None) -> Check:
            return _check(requirement, outcome, tail, fact, permanent, says=said)

        age = profile.age
        if age is None:
            checks.append(check(UNKNOWN, rules().sentence("age", "unknown")))
        else:
            # A person of 17 is 17 to 18; a limit of 17.5 years may or may not be passed.
            too_young = low is not None and age + 1 <= low
            too_old = high is not None and age > high
            maybe = (low is not None and age < low) or (high is not None and age + 1 > high + 1)
            if too_young or too_old:
                if not _age_fields_doubtful(trial, tags, age):
                    tail = rules().sentence("age", FAIL, age=age)
                    checks.append(check(FAIL, tail, f"age: {age}", permanent=too_old))
                else:
                    tail = rules().sentence("age", "unknown-disagree", age=age)
                    checks.append(check(UNKNOWN, tail, f"age: {age}"))
            elif maybe:
                checks.append(check(UNKNOWN, rules().sentence("age", "unknown-close", age=age)))
            else:
                tail = rules().sentence("age", PASS, age=age)
                checks.append(check(PASS, tail, f"age: {age}"))
    if elig.sex in ("FEMALE", "MALE"):
        wanted = elig.sex.lower()
        both = tags is not None and any(
            r.kind == "sex" and r.rule == "any" and not r.cohort and r.section != EXCLUSION
            for r in tags.requirements
        )
        field = Requirement("sex", "only", (wanted,), f"Sex: {elig.sex}")
        checks.append(_check_sex(field, facts, doubtful=both))
    return checks


def _age_fields_doubtful(trial: Trial, tags: Tags | None, age: int) -> bool:
    """Whether the record's age fields, which rule out a person of ``age``, are in doubt: they
    are unclear or leave no age to the criteria (``ages.record_ages``: no age, the lowest above
    the highest, "up to 18 years" beside "Patients aged >= 18 years", NCT06201611), or an age
    rule of the criteria for everyone sets a limit on the same side that takes the person
    ("aged 18 to 75 years" beside a highest age of 60 takes 64; "aged 18 or older" sets no
    highest age, and leaves the field's alone). One of the two is then wrong, and the record
    does not say which. The criteria's own age rules are checked on their own."""
    requirements = tags.requirements if tags else ()
    if record_ages(trial, requirements) in (RecordAges.UNCLEAR, RecordAges.NO_AGE_BETWEEN):
        return True
    allowed = criteria_ages(requirements)
    if allowed is None:
        return False
    low, high = allowed
    lowest = trial.eligibility.min_age_years
    too_young = lowest is not None and age < lowest
    return low <= age <= high and (low > 0 if too_young else high < math.inf)


def _years(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 1)


# the disease --------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _is_cancer(
    conditions: tuple[str, ...], title: str, official: str, keywords: tuple[str, ...]
) -> bool:
    return is_cancer_trial(
        Trial(
            "", brief_title=title, official_title=official, conditions=conditions, keywords=keywords
        )
    )


def _disease_check(trial: Trial, facts: _Facts) -> Check:
    """The disease the record is for, then a criterion that leaves the patient's out by name."""
    by_record = _disease_of_record(trial, facts)
    diagnosis = facts.profile.diagnosis
    if by_record.outcome == FAIL or diagnosis is None:
        return by_record
    vocabulary = diseases()
    mine = [d for d in diagnosis.diseases if vocabulary.get(d).cancer]
    own = trial_diseases(trial).included
    for excluded, criterion in _named_in_exclusions(trial.eligibility.criteria):
        if any(vocabulary.relation(o, excluded) == SAME_OR_BROADER for o in own):
            continue  # the trial's own disease, or one it is within: the words name a kind of it
        if any(vocabulary.relation(d, excluded) == SAME_OR_BROADER for d in mine):
            says = rules().says("disease", "left-out", values=excluded)
            left = Requirement("disease", "left-out", (excluded,), criterion, EXCLUSION)
            fact = f"diagnosis: {diagnosis.text}"
            named = excluded.lower()
            if excluded in mine and named in criterion.lower() and named in diagnosis.text.lower():
                # the patient's own disease, by its own name in the criterion and the profile
                # ("Acute promyelocytic leukemia (AML M3 subtype)" of an acute promyelocytic
                # leukemia); not a name trialfinder gave a profile's words ("secondary CNS
                # lymphoma" read as primary CNS lymphoma)
                tail = rules().sentence("disease", "fail", patient=_join(mine))
                return _check(left, FAIL, tail, fact, says=says)
            # Else asked: a disease's name in a criterion may stand for a narrower kind than
            # the vocabulary knows ("Brainstem glioma" is read as any diffuse midline glioma),
            # and a profile's words for a broader one ("secondary CNS lymphoma").
            tail = rules().sentence("disease", "unknown-left-out", patient=_join(mine))
            question = rules().sentence("disease", "question-left-out", values=excluded)
            return _check(left, UNKNOWN, tail, fact, question=question, says=says)
    return by_record


def _disease_of_record(trial: Trial, facts: _Facts) -> Check:
    found = trial_diseases(trial)
    vocabulary = diseases()
    written = found.text or "; ".join(trial.conditions)
    text = f"Conditions: {written}" if found.source == "conditions" else f"Title: {written}"
    as_written = _join(f'"{c}"' for c in trial.conditions[:_CONDITIONS_QUOTED])
    not_known = found.source == "conditions" and _names_an_unknown_disease(trial.conditions)
    names = (
        _join(found.included)
        if found.included and not not_known
        else as_written or "the record's conditions"
    )
    requirement = Requirement("disease", "any", tuple(found.included), text)
    says = rules().says("disease", "any", values=names)
    diagnosis = facts.profile.diagnosis
    question = rules().question("disease", values=names)

    def check(outcome: str, name: str, permanent: bool | None = None, **values: Any) -> Check:
        tail = rules().sentence("disease", name, **values)
        fact = f"diagnosis: {diagnosis.text}" if diagnosis else ""
        return _check(requirement, outcome, tail, fact, permanent, question=question, says=says)

    if diagnosis is None or not diagnosis.known:
        return check(UNKNOWN, "unknown")
    cancer_trial = _is_cancer(
        trial.conditions, trial.brief_title, trial.official_title, trial.keywords
    )
    if not diagnosis.has_cancer:
        if not cancer_trial:
            same = any(
                vocabulary.relation(d, t) == SAME_OR_BROADER
                for d in diagnosis.diseases
                for t in found.included
            ) or (diagnosis.healthy and found.healthy)
            if same:
                return check(PASS, "pass", patient=_join(diagnosis.diseases) or "no disease")
            if (
                diagnosis.healthy
                and trial.eligibility.healthy_volunteers is False
                and _only_known_diseases(trial.conditions)
                and not rules().healthy_people.search(trial.eligibility.criteria)
            ):
                # a trial for diseases its conditions all name, not open to healthy volunteers
                return check(FAIL, "fail-healthy", diagnosis=diagnosis.text)
            return check(UNKNOWN, "unknown-unlike", diagnosis=diagnosis.text)
        if trial.eligibility.healthy_volunteers and not _needs_the_disease(
            trial.eligibility.criteria
        ):
            return check(UNKNOWN, "unknown-healthy")
        if found.suspected:
            return check(UNKNOWN, "unknown-suspected-none")
        if not _needs_the_disease(trial.eligibility.criteria) and _names_other_diseases(trial):
            # "Cardiovascular Diseases; ...; Cancer; Injuries" of a population study that takes
            # "consenting adults between 35-70 years of age" (NCT03225586)
            tail = rules().sentence("disease", "unknown-other-diseases")
            says_other = rules().says("disease", "other-diseases", values=names)
            fact = f"diagnosis: {diagnosis.text}"
            return _check(requirement, UNKNOWN, tail, fact, question=question, says=says_other)
        if diagnosis.not_diagnosed:
            return check(FAIL, "fail-not-diagnosed", permanent=False, diagnosis=diagnosis.text)
        return check(FAIL, "fail-no-cancer", diagnosis=diagnosis.text)
    if not cancer_trial:
        return check(UNKNOWN, "unknown-unlike", diagnosis=diagnosis.text)
    mine = [d for d in diagnosis.diseases if vocabulary.get(d).cancer]
    patient = _join(mine)
    left_out = [
        e for e in found.excluded for d in mine if vocabulary.relation(d, e) == SAME_OR_BROADER
    ]
    if left_out:
        says_left = rules().says("disease", "left-out", values=_join(dict.fromkeys(left_out)))
        tail = rules().sentence("disease", "fail", patient=patient)
        return _check(requirement, FAIL, tail, f"diagnosis: {diagnosis.text}", says=says_left)
    for excluded, criterion in criteria_left_out(trial):
        if any(vocabulary.relation(d, excluded) == SAME_OR_BROADER for d in mine):
            says_left = rules().says("disease", "left-out", values=excluded)
            tail = rules().sentence("disease", "fail", patient=patient)
            left = Requirement("disease", "left-out", (excluded,), criterion, "inclusion")
            return _check(left, FAIL, tail, f"diagnosis: {diagnosis.text}", says=says_left)
    for excluded, criterion in _diagnosis_excluded(trial):
        if any(vocabulary.relation(d, excluded) == SAME_OR_BROADER for d in mine):
            says_left = rules().says("disease", "diagnosed", values=excluded)
            tail = rules().sentence("disease", "fail", patient=patient)
            left = Requirement("disease", "left-out", (excluded,), criterion, EXCLUSION)
            return _check(left, FAIL, tail, f"diagnosis: {diagnosis.text}", says=says_left)
    if not_known:
        return check(UNKNOWN, "unknown-not-named")
    titled = _titled_within(trial) if found.source == "conditions" else ()
    # Conditions that name only "cancer", a title that names which: "Malignant Neoplasm",
    # "A Study of TSN1611 Treating Patients With Advanced Solid Tumors ...".
    # Conditions that name a disease, a title that names one kind of it ("Non-Hodgkin
    # Lymphoma", "Radiation Dose Optimization in Diffuse Large B-Cell Lymphoma"): a patient
    # with another kind is not known to fit.
    general = all(vocabulary.get(t).general for t in found.included)
    kind_of_it = (
        bool(titled)
        and all(any(_strictly_within(t, c) for c in found.included) for t in titled)
        and any(vocabulary.relation(d, c) == SAME_OR_BROADER for d in mine for c in found.included)
    )
    # (A patient whose disease may be the title's kind, its markers unknown, goes on below.)
    near = (SAME_OR_BROADER,) if general else (SAME_OR_BROADER, NARROWER)
    if (
        titled
        and (general or kind_of_it)
        and not any(vocabulary.relation(d, t) in near for d in mine for t in titled)
    ):
        says_titled = rules().says("disease", "any", values=_join(titled))
        fact = f"diagnosis: {diagnosis.text}"
        confirming = (
            _criterion_confirming(trial.eligibility.criteria, titled, tuple(mine))
            if kind_of_it or general
            else ""
        )
        if confirming:
            # ... and a criterion for everyone asks for a confirmed diagnosis of that kind
            # ("Histological Diagnosis of NHL- DLBCL"; "Malignant Neoplasm" beside "confirmed
            # ... metastatic solid tumor", NCT06385925): another kind does not fit.
            tail = rules().sentence("disease", "fail", patient=patient)
            confirmed = Requirement("disease", "any", titled, confirming, "inclusion")
            return _check(confirmed, FAIL, tail, fact, says=says_titled)
        tail = rules().sentence("disease", "unknown-related", patient=patient)
        asked = rules().question("disease", values=_join(titled))
        return _check(requirement, UNKNOWN, tail, fact, question=asked, says=says_titled)
    if found.suspected:
        # A study of people whose disease is only suspected (a biopsy of "Suspected Lung
        # Neoplasms", NCT06923098) is not known to take one whose disease is diagnosed.
        return check(UNKNOWN, "unknown-suspected", patient=patient)
    relations = [vocabulary.relation(d, t) for d in mine for t in found.included]
    if SAME_OR_BROADER in relations:
        return check(PASS, "pass", patient=patient)
    narrower = [
        (d, t) for d in mine for t in found.included if vocabulary.relation(d, t) == NARROWER
    ]
    if narrower:
        outcomes = [_defined_by(vocabulary.defining_markers(d, t), facts) for d, t in narrower]
        if PASS in outcomes:
            return check(PASS, "pass", patient=patient)
        if UNKNOWN in outcomes:
            return check(UNKNOWN, "unknown-narrower", patient=patient)
        return check(FAIL, "fail", patient=patient)
    if RELATED in relations:
        return check(UNKNOWN, "unknown-related", patient=patient)
    if found.unnamed or not found.included:
        return check(UNKNOWN, "unknown-not-named")
    if found.source == "conditions" and _title_takes(trial, mine):
        return check(UNKNOWN, "unknown-title", patient=patient)
    if found.source == "conditions" and _inclusion_names_it(trial, mine, found.included):
        return check(UNKNOWN, "unknown-named-in-criteria", patient=patient)
    if _takes_people_without_it(trial):
        return check(UNKNOWN, "unknown-healthy")
    if (
        found.source == "conditions"
        and not _titled_within(trial)
        and (confirming := _confirms_any_cancer(trial.eligibility.criteria))
    ):
        tail = rules().sentence("disease", "unknown-any-cancer", patient=patient)
        any_cancer = Requirement("disease", "any", tuple(found.included), confirming, "inclusion")
        fact = f"diagnosis: {diagnosis.text}"
        return _check(any_cancer, UNKNOWN, tail, fact, question=question, says=says)
    return check(FAIL, "fail", patient=patient)


def _names_other_diseases(trial: Trial) -> bool:
    """Whether the record's conditions name cancer in general words only ("Cancer"), beside
    conditions that name no cancer ("Cardiovascular Diseases; ...; Cancer; Injuries")."""
    vocabulary = diseases()
    found = [vocabulary.find(condition)[0] for condition in trial.conditions]
    cancers = [d for named in found for d in named if vocabulary.get(d).cancer]
    return (
        bool(cancers)
        and all(vocabulary.get(d).general for d in cancers)
        and any(not any(vocabulary.get(d).cancer for d in named) for named in found)
    )


def _confirms_any_cancer(criteria: str) -> str:
    """The inclusion criterion for everyone that asks for a confirmed diagnosis (``confirmed``
    in ``[rule.disease]``) of cancer in general words only ("Confirmation of the diagnosis of
    cancer by the NCI Laboratory of Pathology", NCT03745326, whose conditions name digestive
    cancers but whose criteria take any cancer with KRAS G12D); "" when none does."""
    r = rules()
    vocabulary = diseases()
    return next(
        (
            text
            for text, named in _confirming(criteria)
            if not r.named_not.search(text)
            and r.confirmed_any_cancer.search(text)
            and all(vocabulary.get(n).general for n in named)
        ),
        "",
    )


@lru_cache(maxsize=1024)
def _confirming(criteria: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(text, the diseases it names) of each inclusion criterion for everyone that asks for a
    confirmed diagnosis (``confirmed`` in ``[rule.disease]``) and names a disease."""
    r = rules()
    vocabulary = diseases()
    found = []
    for item in read_criteria(criteria).items if criteria else ():
        if item.section == EXCLUSION or item.cohort or not r.confirmed.search(item.text):
            continue
        named = vocabulary.find(item.text)[0]
        if named:
            found.append((item.text, tuple(named)))
    return tuple(found)


def _takes_people_without_it(trial: Trial) -> bool:
    """Whether a screening, diagnostic or prevention trial (``open_purposes``) takes healthy
    volunteers and asks for no confirmed diagnosis: a patient with another disease is not ruled
    out by its conditions."""
    return (
        trial.primary_purpose in rules().rules["disease"]["open_purposes"]
        and bool(trial.eligibility.healthy_volunteers)
        and not _needs_the_disease(trial.eligibility.criteria)
    )


def _strictly_within(narrow: str, wide: str) -> bool:
    """Whether the disease ``narrow`` is a kind of ``wide``, and not the same."""
    vocabulary = diseases()
    return (
        vocabulary.relation(narrow, wide) == SAME_OR_BROADER
        and vocabulary.relation(wide, narrow) != SAME_OR_BROADER
    )


@lru_cache(maxsize=1024)
def _names_an_unknown_disease(conditions: tuple[str, ...]) -> bool:
    """Whether the conditions name only general diseases ("cancer"), and one of them holds a
    word besides the ``general_words`` of the data file: it names a disease the vocabulary does
    not know ("Malignant Peripheral Nerve Sheath Tumors", "Larynx Cancer")."""
    vocabulary = diseases()
    general = {w.lower() for w in rules().rules["disease"]["general_words"]}
    named = False
    for condition in conditions:
        found, _ = vocabulary.find(condition, organs=True)
        if not found:
            continue
        if not all(vocabulary.get(d).general for d in found):
            return False
        _, folded = vocabulary.tokens(condition)
        named = named or bool(set(folded) - general)
    return named


# How many of a record's conditions, none of them known, are quoted as written.
_CONDITIONS_QUOTED = 3


_BRACKETED = re.compile(r"\([^()]*\)")


@lru_cache(maxsize=1024)
def _titled(brief: str, official: str) -> tuple[str, ...]:
    vocabulary = diseases()
    for title in (brief, official):
        named, _ = vocabulary.find(title, bare=False)
        outside, _ = vocabulary.find(_BRACKETED.sub(" ", title), bare=False)
        if set(named) - set(outside) and all(
            any(vocabulary.relation(o, n) == SAME_OR_BROADER for o in outside)
            for n in set(named) - set(outside)
        ):
            # a bracket that only names again what is named before it ("Metastatic Squamous
            # Non-small Cell Lung Cancer (NSCLC)", NCT06692738)
            named = outside
        telling = [n for n in named if not vocabulary.get(n).general]
        if telling:
            return tuple(dict.fromkeys(telling))
    return ()


def _titled_within(trial: Trial) -> tuple[str, ...]:
    """The diseases, not general ones, the first title naming any names ("Advanced Solid
    Tumors")."""
    return _titled(trial.brief_title, trial.official_title)


def _inclusion_names_it(trial: Trial, mine: list[str], conditions: tuple[str, ...]) -> bool:
    """Whether an inclusion criterion for everyone names the patient's disease (or one it is
    within) beside the trial's conditions, in words that do not leave it out: "Patients with
    ovarian cancer or prostate cancer must have had approved first-line chemotherapy" in a trial
    whose conditions name digestive cancers only (NCT03745326, for any cancer with KRAS G12D).
    A disease its conditions' diseases are within ("solid tumor" beside "Pancreatic Cancer",
    "For malignant lymphomas, measurable disease is ...") says nothing more, and a general one
    ("cancer") too; unless the item names one of the conditions' diseases beside it and it is
    no mere class of cancers ("Colorectal and gynecological oncology cases" beside "Colorectal
    Cancer" and "Ovarian Cancer", NCT02754115, for a cervical cancer). Nor does a kind of the
    same disease as the conditions' ("DLBCL transformed from ... follicular lymphoma": its
    history)."""
    vocabulary = diseases()
    for item in read_criteria(trial.eligibility.criteria).items:
        if item.section == EXCLUSION or item.cohort or rules().named_not.search(item.text):
            continue
        if vocabulary.cancer_words.isdisjoint(vocabulary.tokens(item.text)[1]):
            continue  # (an acronym alone: "chemotherapy options listed as ICC" is no cancer)
        named_here = named_diseases(item.text)
        own = any(  # (a condition's disease, or a kind of it)
            vocabulary.relation(n, c) == SAME_OR_BROADER for n in named_here for c in conditions
        )
        for named in named_here:
            if vocabulary.get(named).general or any(
                _says_nothing_more(c, named, own) for c in conditions
            ):
                continue
            if any(vocabulary.relation(d, named) == SAME_OR_BROADER for d in mine):
                return True
    return False


def _says_nothing_more(condition: str, named: str, own: bool) -> bool:
    """Whether an inclusion criterion's disease ``named`` says nothing more than a trial's
    ``condition`` (see :func:`_inclusion_names_it`); ``own``: whether the criterion names one
    of the conditions' diseases too."""
    vocabulary = diseases()
    if vocabulary.relation(condition, named) == SAME_OR_BROADER:
        return named == condition or not own or _class_of(named)
    return kin(condition, named)


def _class_of(disease: str) -> bool:
    """Whether ``disease`` is a class of cancers only general words are above ("solid tumor",
    "blood cancer"): criteria name it of any cancer of the class, as a manner of speaking."""
    vocabulary = diseases()
    return all(vocabulary.get(d).general for d in vocabulary.get(disease).lineage - {disease})


def _title_takes(trial: Trial, mine: list[str]) -> bool:
    """Whether a title of ``trial`` names a disease the patient's is within, broader than its
    conditions, and its criteria name it too ("TCR-T Cell Therapy on Advanced Solid Tumors",
    conditions "Pancreatic Cancer", criteria "Subjects with advanced solid tumors")."""
    vocabulary = diseases()
    criteria: set[str] | None = None  # the diseases the criteria name
    for title in (trial.brief_title, trial.official_title):
        named = vocabulary.most_specific(vocabulary.find(title, organs=True, bare=False)[0])
        wider = [
            n
            for n in named
            if not vocabulary.get(n).general
            and any(vocabulary.relation(d, n) == SAME_OR_BROADER for d in mine)
        ]
        if not wider:
            continue
        if criteria is None:  # (read once, and only when a title names such a disease)
            criteria = set(vocabulary.find(trial.eligibility.criteria, bare=False)[0])
        if criteria & set(wider):
            return True
    return False


@lru_cache(maxsize=1024)
def _only_known_diseases(conditions: tuple[str, ...]) -> bool:
    """Whether every condition of a record names a disease the vocabulary knows (not "Obesity",
    which a person calling themselves healthy may have, nor "Healthy Volunteers")."""
    vocabulary = diseases()
    return bool(conditions) and all(vocabulary.find(c, organs=True)[0] for c in conditions)


# In an inclusion criterion, diseases left out of the one it names: "metastatic solid tumors
# (excluding NSCLC and CRC)", "any solid tumour, other than breast cancer". The bracket, or the
# clause after the comma, is what is left out.
_LEAVING_OUT = re.compile(
    r"\(\s*(?:excluding|except(?:\s+for)?|other\s+than|apart\s+from|but\s+not)\b[^()]*\)"
    r"|,\s*(?:excluding|except(?:\s+for)?|other\s+than|apart\s+from|but\s+not)\b[^.;()]*",
    re.IGNORECASE,
)
# Before it in its sentence, these make the criterion about another illness than the one the
# trial is for ("History of other malignancy, except ..."): nothing is left out then.
_ANOTHER_ILLNESS = re.compile(
    r"\b(?:history|prior|previous|previously|other|another|second|no|not|without|active|"
    r"concurrent|known)\b",
    re.IGNORECASE,
)


def criteria_left_out(trial: Trial) -> tuple[tuple[str, str], ...]:
    """(disease, criterion) for each disease an inclusion criterion for everyone leaves out of
    the disease it names ("solid tumors (excluding NSCLC and CRC)")."""
    return _criteria_left_out(trial.eligibility.criteria)


@lru_cache(maxsize=1024)
def _criteria_left_out(criteria: str) -> tuple[tuple[str, str], ...]:
    if not criteria or not _LEAVING_OUT.search(criteria):
        return ()
    vocabulary = diseases()
    found: list[tuple[str, str]] = []
    for item in read_criteria(criteria).items:
        if item.section == EXCLUSION or item.cohort:
            continue
        for match in _LEAVING_OUT.finditer(item.text):
            sentence_start = max(item.text.rfind(".", 0, match.start()), 0)
            before = item.text[sentence_start : match.start()]
            named, _ = vocabulary.find(before, organs=True)
            if not named or _ANOTHER_ILLNESS.search(before):
                continue
            written, left_out = vocabulary.find(match.group(), organs=True)
            for disease in dict.fromkeys((*written, *left_out)):
                if disease not in named:
                    found.append((disease, item.text))
    return tuple(found)


@lru_cache(maxsize=1024)
def _criterion_confirming(criteria: str, titled: tuple[str, ...], mine: tuple[str, ...]) -> str:
    """The inclusion criterion for everyone that asks for a confirmed diagnosis (``confirmed``
    in ``[rule.disease]``) of the title's diseases ``titled`` and of nothing else ("Histological
    Diagnosis of NHL- DLBCL": its most specific disease is one of them), when no inclusion
    criterion names a disease that may be the patient's (``mine``); else ""."""
    if not criteria:
        return ""
    r = rules()
    vocabulary = diseases()
    may_be_mine = (SAME_OR_BROADER, NARROWER, RELATED)
    found = ""
    for item in read_criteria(criteria).items:
        if item.section == EXCLUSION:
            continue
        named = vocabulary.most_specific(vocabulary.find(item.text)[0])
        # (a disease wider than the title's says it again: "Stage IV mNSCLC" of squamous NSCLC)
        kinds = [n for n in named if not any(_strictly_within(t, n) for t in titled)]
        if any(vocabulary.relation(d, n) in may_be_mine for d in mine for n in kinds):
            return ""
        if (
            not found
            and named
            and not item.cohort
            and r.confirmed.search(item.text)
            and all(
                any(vocabulary.relation(n, t) == SAME_OR_BROADER for t in titled) for n in named
            )
        ):
            found = item.text
    return found


@lru_cache(maxsize=1024)
def _named_in_exclusions(criteria: str) -> tuple[tuple[str, str], ...]:
    """(disease, criterion) for each cancer an exclusion criterion for everyone names and
    nothing else (see ``named_only`` in ``[rule.disease]``): "Primary CNS lymphoma"."""
    if not criteria:
        return ()
    vocabulary, words, narrowing = diseases(), rules().named_only, rules().named_only_not
    found: list[tuple[str, str]] = []
    for item in read_criteria(criteria).items:
        if item.section != EXCLUSION or item.cohort or narrowing.search(item.text):
            continue
        if item.lead and not _only_words(item.lead, words):
            continue
        for name in vocabulary.named_only(item.text, words):
            disease = vocabulary.get(name)
            if disease.cancer and not disease.general:
                found.append((name, item.text))
    return tuple(dict.fromkeys(found))


def _only_words(text: str, words: frozenset[str]) -> bool:
    return all(w.lower() in words for w in re.findall(r"[A-Za-z0-9]+", text))


def _diagnosis_excluded(trial: Trial) -> tuple[tuple[str, str], ...]:
    """(disease, criterion) for each condition of the record that an exclusion criterion for
    everyone rules out once diagnosed, as the condition is written and with nothing after it
    that narrows it ("Women with confirmed diagnosis of breast cancer or those already treated
    for the disease", NCT06056843, a breast examination study): a trial for people not yet
    diagnosed with it, open to healthy volunteers."""
    if not trial.eligibility.healthy_volunteers:
        return ()
    return _confirmed_in_exclusions(trial.eligibility.criteria, trial.conditions)


@lru_cache(maxsize=1024)
def _confirmed_in_exclusions(
    criteria: str, conditions: tuple[str, ...]
) -> tuple[tuple[str, str], ...]:
    r = rules()
    if not criteria or not conditions or not r.confirmed.search(criteria):
        return ()
    vocabulary = diseases()
    found: list[tuple[str, str]] = []
    for condition in conditions:
        named, left_out = vocabulary.find(condition, organs=True)
        if not named or left_out:
            continue
        # The cue, the condition as written, then the end of a clause or another alternative.
        pattern = re.compile(
            rf"{r.confirmed.pattern}\s+(?:of\s+|with\s+)?{re.escape(condition)}"
            r"(?=\s*(?:[.,;]|$)|\s+or\s)",
            re.IGNORECASE,
        )
        for item in read_criteria(criteria).items:
            if item.section != EXCLUSION or item.cohort:
                continue
            match = pattern.search(item.text)
            if match and not _ANOTHER_ILLNESS.search(item.text[: match.start()]):
                found += [(disease, item.text) for disease in named]
    return tuple(dict.fromkeys(found))


@lru_cache(maxsize=1024)
def _needs_the_disease(criteria: str) -> bool:
    """Whether an inclusion criterion for everyone asks for a confirmed diagnosis of a disease
    ("Confirmed diagnosis of primary breast cancer") and no criterion speaks of healthy people
    (see ``confirmed`` in ``[rule.disease]``)."""
    if not criteria or rules().healthy_people.search(criteria):
        return False
    return bool(_confirming(criteria))


def asked_beside_the_disease(trial: Trial) -> tuple[Check, ...]:
    """Unknown checks for what an inclusion criterion for everyone asks besides the disease
    that no profile says: a complication its conditions name ("Radionecrosis of Brain" beside
    "Radionecrosis on imaging ...", NCT06016452; see ``complications`` in ``[rule.disease]``),
    having taken part in an earlier study ("Patients who have completed protocol 10M-01-1",
    NCT00184067; ``earlier_study``), or cancer watched rather than operated on ("suitable for
    wait and watch", NCT06252142; ``watch_words`` in ``[rule.disease-setting]``). Asked, never
    passed."""
    checks = []
    for kind, rule, values, text in _asked_beside(trial.eligibility.criteria, trial.conditions):
        requirement = Requirement(kind, rule, (values,), text, "inclusion")
        says = rules().says(kind, rule, values=values)
        tail = rules().sentence(kind, f"unknown-{rule}")
        question = rules().sentence(kind, f"question-{rule}", values=values)
        checks.append(_check(requirement, UNKNOWN, tail, question=question, says=says))
    return tuple(checks)


@cache
def _beside_words() -> tuple[re.Pattern[str], re.Pattern[str]]:
    entry = rules().rules["disease"]
    negated = re.compile(
        rf"{phrases_pattern(entry['complication_not']).pattern}\s*(?:\w+\s+){{0,3}}$", re.I
    )
    asked = phrases_pattern(rules().rules["disease-setting"]["watch_words"])
    return negated, asked


@lru_cache(maxsize=1024)
def _asked_beside(
    criteria: str, conditions: tuple[str, ...]
) -> tuple[tuple[str, str, str, str], ...]:
    """(kind, rule, the words asked for, the criterion) of :func:`asked_beside_the_disease`."""
    if not criteria:
        return ()
    negated, asked = _beside_words()
    # Each is said by its name in the data, in lower case as other diseases are ("radionecrosis"
    # for the condition "Radionecrosis of Brain"), not in the record's capitals.
    named = complications_named(conditions)
    earlier = earlier_study(criteria)
    if not named and not earlier and not asked.search(criteria):
        return ()
    items = [
        i.text for i in read_criteria(criteria).items if i.section != EXCLUSION and not i.cohort
    ]
    found: list[tuple[str, str, str, str]] = []
    for name in named:
        for text in items:
            match = complication_at(name, text)
            if match and not negated.search(text[: match.start()]):
                found.append(("disease", "complication", name, text))
                break
    if earlier:
        found.append(("disease", "earlier-study", "", earlier))
    for text in items:
        match = asked.search(text)
        if match and not negated.search(text[: match.start()]):
            found.append(("disease-setting", "watch", match.group(), text))
            break
    return tuple(found)


def _defined_by(markers: tuple[str, ...], facts: _Facts) -> str:
    """Whether the patient has the markers that define a narrower disease."""
    if not markers:
        return UNKNOWN
    outcomes = [_has_status(read_marker(m), facts) for m in markers]
    if FAIL in outcomes:
        return FAIL
    return PASS if all(o == PASS for o in outcomes) else UNKNOWN


# the disease setting -----------------------------------------------------------------------


def _check_setting(requirement: Requirement, facts: _Facts) -> Check:
    if not facts.setting_known:
        return _missing(requirement)
    values = {_value_key(v) for v in requirement.values}
    settings = facts.settings_said()
    fact = "; ".join(
        part
        for part in (
            f"setting: {', '.join(facts.profile.setting)}" if facts.profile.setting else "",
            f"prior_lines: {facts.lines}" if facts.lines is not None else "",
        )
        if part
    )
    has = values & facts.setting_is
    against = values <= facts.setting_not
    says = None
    if requirement.rule == "none-of" and knowledge().untreated.search(requirement.text):
        # "Previously untreated ...", "treatment naïve": not "does not take cancer that is
        # refractory or resistant", words the profile may never have used
        says = rules().says("disease-setting", "untreated")
    if (
        requirement.rule == "none-of"
        and requirement.section != EXCLUSION
        and values <= set(_TREATED_SETTINGS)
        and rules().hormone_sensitive.search(requirement.text)
    ):
        return _check_hormone_sensitive(requirement, facts, fact, settings)
    if (said := _medicine_setting_named(requirement.text, facts)) is not None:
        # ("Tumor must be platinum refractory": a platinum-sensitive cancer is not)
        setting, wanted = said
        outcome = PASS if wanted == (requirement.rule == "any-of") else FAIL
        tail = rules().sentence("disease-setting", f"{outcome}-medicine", setting=setting)
        return _check(requirement, outcome, tail, fact)
    if requirement.rule == "none-of":
        outcome = FAIL if has else PASS if against else UNKNOWN
    else:
        outcome = PASS if has else FAIL if against else UNKNOWN
    if (
        outcome == FAIL
        and requirement.section == EXCLUSION
        and rules().hormone_sensitive.search(requirement.text)
        and "castration-sensitive" not in facts.setting_is
    ):
        # "Metastatic castration-sensitive prostate cancer" ruled out is of sensitive cancer
        # only: a castration-resistant one passes, one the profile does not say is asked
        if "castration-resistant" in facts.setting_is:
            tail = rules().sentence("disease-setting", "pass-hormone-resistant")
            return _check(requirement, PASS, tail, fact)
        tail = rules().sentence("disease-setting", "unknown-hormone-sensitive", settings=settings)
        return _unknown(requirement, tail)
    if (
        outcome == UNKNOWN
        and requirement.rule == "any-of"
        and "relapsed" in values
        and facts.setting_is & _SPREAD
        and relapsed_or_spread(requirement.text)
    ):
        # "Participants must have recurrent, unresectable or metastatic disease" (NCT06750094):
        # cancer that has spread is one of the ways in.
        tail = rules().sentence("disease-setting", "pass-spread", settings=settings)
        return _check(requirement, PASS, tail, fact)
    if outcome == UNKNOWN:
        return _unknown(requirement, rules().sentence("disease-setting", "unknown"), says=says)
    if (
        outcome == FAIL
        and requirement.rule == "none-of"
        and (named := _grew_on(requirement, facts))
    ):
        # "Relapse or progression of disease during chemotherapy", "No disease progression
        # following platinum-based cCRT": of the treatment it names, not any treated cancer
        tail = rules().sentence("disease-setting", "unknown-named", treatments=_join(named, "or"))
        return _unknown(requirement, tail, says=says)
    if (
        outcome == FAIL
        and requirement.rule == "none-of"
        and "relapsed" not in values
        and rules().for_advanced.search(requirement.text)
    ):
        # "No prior systemic therapy for metastatic disease": of lines for advanced disease,
        # which a cancer that came back after surgery or adjuvant treatment has not had
        medicines = [t.written for t in facts.cancer_medicines()]
        if facts.lines == 0 and medicines:
            tail = rules().sentence(
                "disease-setting", "unknown-early-treatment", treatments=_join(medicines, "and")
            )
            return _unknown(requirement, tail, says=says)
        if facts.lines == 0:
            tail = rules().sentence("disease-setting", "pass-no-line")
            return _check(requirement, PASS, tail, fact, says=says)
        if facts.lines is None and facts.treated_only_by_relapse():
            tail = rules().sentence("disease-setting", "unknown-no-line")
            return _unknown(requirement, tail, says=says)
    tail = rules().sentence("disease-setting", outcome, settings=settings)
    return _check(requirement, outcome, tail, fact, says=says)


def _check_hormone_sensitive(
    requirement: Requirement, facts: _Facts, fact: str, settings: str
) -> Check:
    """A setting ruled out by words of prostate cancer that still responds to hormone therapy
    (``hormone_sensitive``): only castration-resistant cancer fails; cancer that came back, or
    grew on another treatment, is asked."""
    says = rules().says("disease-setting", "hormone-sensitive")
    if "castration-resistant" in facts.setting_is:
        tail = rules().sentence("disease-setting", FAIL, settings=settings)
        return _check(requirement, FAIL, tail, fact, says=says)
    if "castration-sensitive" in facts.setting_is:
        tail = rules().sentence("disease-setting", "pass-hormone-sensitive")
        return _check(requirement, PASS, tail, fact, says=says)
    values = {_value_key(v) for v in requirement.values}
    if values & facts.setting_is:
        tail = rules().sentence("disease-setting", "unknown-hormone-sensitive", settings=settings)
        return _unknown(requirement, tail, says=says)
    if values <= facts.setting_not:
        tail = rules().sentence("disease-setting", PASS, settings=settings)
        return _check(requirement, PASS, tail, fact, says=says)
    return _unknown(requirement, rules().sentence("disease-setting", "unknown"), says=says)


def _grew_on(requirement: Requirement, facts: _Facts) -> list[str]:
    """The treatments a criterion says the cancer grew on, during or after (one of
    ``refractory_words``, then one of ``grew_on`` in ``[rule.disease-setting]``: "progression of
    disease during chemotherapy"), when the profile lists none of them; [] when it names none,
    or the profile lists one."""
    r = rules()
    grew, _ = _setting_words()
    text = requirement.text
    named: list[str] = []
    for cue in r.grew_on.finditer(text):
        before = _REACH.split(text[max(0, cue.start() - _REACH_CHARS) : cue.start()])[-1]
        if not grew.search(before):
            continue  # ("newly diagnosed MM, followed by ... transplant": no growth said)
        reach = _REACH.split(text[cue.end() : cue.end() + _REACH_CHARS])[0]
        # grown during a treatment: one the cancer stopped responding to; after it: one had
        during = r.grew_during.fullmatch(cue.group(0)) is not None
        treatments = facts.profile.refractory_to if during else facts.received
        mentions = find_drugs(reach)
        if any(facts.matching(treatments, m.value) for m in mentions):
            return []
        words = [w.group(0) for w in r.treatment_words.finditer(reach)]
        if any(facts.had_in_words(r.treatments_named[_spaced(w)], treatments) for w in words):
            return []
        named += [reach[m.start : m.end] for m in mentions] + words
    return list(dict.fromkeys(named))


# How far before "during", "after" ... growth, and after it a treatment, is looked for, and
# where the search stops.
_REACH_CHARS = 60
_REACH = re.compile(r"[.;:]")


_SPREAD = frozenset({"metastatic", "advanced"})  # the profile's settings of cancer that spread


def other_cancer_checks(trial: Trial, profile: Profile) -> tuple[Check, ...]:
    """An unknown check when the profile's diagnosis names two cancers, neither a kind of the
    other, and an exclusion criterion for everyone speaks of another cancer ("Previous or
    concomitant additional malignancy", see ``other_cancer_words``); else none."""
    facts = _facts(profile)
    diagnosis = facts.profile.diagnosis
    named = _cancers_named(diagnosis) if diagnosis is not None else ()
    if len(named) < 2:
        return ()
    text = _other_cancer_item(trial.eligibility.criteria)
    if not text:
        return ()
    cancers = _join(list(named), "and")
    requirement = Requirement("disease", "other-cancer", (cancers,), text, "exclusion")
    tail = rules().sentence("disease", "unknown-other-cancer", values=cancers)
    question = rules().sentence("disease", "question-other-cancer", values=cancers)
    return (_check(requirement, UNKNOWN, tail, question=question),)


@lru_cache(maxsize=64)  # (of the profile: asked once, not once per trial)
def _cancers_named(diagnosis: Diagnosis) -> tuple[str, ...]:
    """The cancers a profile's diagnosis names, when two of them, named in parts of their own
    (between semicolons, or after "now", "also", "plus"), are unrelated diseases and not kinds
    of one ("small cell lung cancer (neuroendocrine carcinoma of the lung)" is one cancer)."""
    if diagnosis.not_diagnosed:
        return ()
    vocabulary = diseases()
    cancers = [d for d in diagnosis.diseases if vocabulary.get(d).cancer]
    parts = [
        {d for d in cancers if d in vocabulary.find(part)[0]}
        for part in _DIAGNOSIS_PARTS.split(diagnosis.text)
    ]
    apart = any(
        vocabulary.relation(one, other) == UNRELATED == vocabulary.relation(other, one)
        and not kin(one, other)
        for i, first in enumerate(parts)
        for later in parts[i + 1 :]
        for one in first
        for other in later
    )
    return tuple(cancers) if apart else ()


_DIAGNOSIS_PARTS = re.compile(r";|\b(?:now|also|plus)\b", re.IGNORECASE)


@lru_cache(maxsize=1024)
def _other_cancer_item(criteria: str) -> str:
    """The first exclusion criterion for everyone that speaks of another cancer, or ""."""
    if not criteria:
        return ""
    said = _other_cancer_said()
    for item in read_criteria(criteria).items:
        if item.section != EXCLUSION or item.cohort:
            continue
        if said.search(item.text):
            return item.text
    return ""


@cache
def _other_cancer_said() -> re.Pattern[str]:
    """One of ``other_cancer_words``, at most two words, then one of ``other_cancer_nouns``
    ("additional malignancy", "other active malignancy"): not "other anti-cancer therapy",
    "cancer-related pain"."""
    entry = rules().rules["disease"]
    words, nouns = (
        phrases_pattern(entry["other_cancer_words"]),
        phrases_pattern(entry["other_cancer_nouns"]),
    )
    return re.compile(
        rf"(?:{words.pattern})(?:\s+[\w/]+){{0,2}}?\s+(?<!anti-)(?:{nouns.pattern})(?!-)",
        re.IGNORECASE,
    )


def title_setting_checks(trial: Trial, profile: Profile) -> tuple[Check, ...]:
    """An unknown check when a title names the stage of the cancer it is for
    ("Locally Advanced/Recurrent Breast Cancer", see ``title_settings`` in the data file) and the
    profile's settings rule out every one of them (an early-stage breast cancer); else none: a
    title never fails, nor passes, a setting."""
    facts = _facts(profile)
    if not facts.setting_known:
        return ()
    staged_otherwise = rules().rules["disease-setting"]["title_stages_not_of"]
    stages = not any(
        diseases().relation(d, other) == SAME_OR_BROADER
        for d in trial_diseases(trial).included
        for other in staged_otherwise
    )
    title, values = _title_settings(trial.brief_title, trial.official_title, stages=stages)
    keys = {_value_key(v) for v in values}
    if not keys or keys & facts.setting_is or not keys <= facts.setting_not:
        return ()
    requirement = Requirement("disease-setting", "title", values, f"Title: {title}", TITLE)
    kind = requirement.kind
    settings = facts.settings_said()
    tail = rules().sentence(kind, "unknown-title", settings=settings)
    question = rules().sentence(kind, "question-title", **_says_values(requirement))
    return (_check(requirement, UNKNOWN, tail, question=question),)


def _titled_course_checks(
    titled: tuple[str, ...], requirements: tuple[Requirement, ...], facts: _Facts, tags: Tags | None
) -> list[Check]:
    """An unknown check when the record's titles or conditions name treated disease
    ("Relapsed/Refractory Multiple Myeloma", NCT05862012; ``titled``), no criterion for everyone
    says a setting, and the profile's settings rule out every one of them (newly diagnosed):
    asked, never failed, since the criteria may take more than the titles name."""
    named = tuple(s for s in titled if s in _TREATED_SETTINGS)
    if not named or not facts.setting_known or tags is None:
        return []
    if any(r.kind == "disease-setting" and not r.cohort and not r.scope for r in requirements):
        return []
    keys = {_value_key(s) for s in named}
    # (No line of treatment yet, and no setting of these said: a smouldering or untreated
    # myeloma against "Relapsed/Refractory Multiple Myeloma".)
    no_lines = facts.lines == 0 and not keys & facts.setting_is
    if not keys <= facts.setting_not and not no_lines:
        return []
    evidence = next(e for e in tags.evidence if e.kind == "setting" and e.tag in named)
    requirement = Requirement("disease-setting", "record", named, f"Title: {evidence.text}", TITLE)
    kind = requirement.kind
    settings = facts.settings_said()
    if keys <= facts.setting_not:
        tail = rules().sentence(kind, "unknown-title", settings=settings)
    else:
        tail = rules().sentence(kind, "unknown-title-no-lines")
    question = rules().sentence(kind, "question-title", **_says_values(requirement))
    return [_check(requirement, UNKNOWN, tail, question=question)]


def surgery_checks(trial: Trial, profile: Profile) -> tuple[Check, ...]:
    """An unknown check when an inclusion criterion for everyone is for people having an
    operation for their cancer ("All patients undergoing major HPB cancer surgeries",
    NCT06475911; ``surgery_trial_words`` in the data file) and the profile lists no operation:
    asked, never failed."""
    text, _ = _inclusion_naming(trial.eligibility.criteria, "surgery_trial_words")
    if not text:
        return ()
    received = _facts(profile).received
    if received and any(t.surgery for t in received):
        return ()
    requirement = Requirement("disease-setting", "surgery", (), text, "inclusion")
    kind = requirement.kind
    tail = rules().sentence(kind, "unknown-surgery")
    question = rules().sentence(kind, "question-surgery")
    return (_check(requirement, UNKNOWN, tail, question=question),)


def treatment_now_checks(trial: Trial) -> tuple[Check, ...]:
    """An unknown check when an inclusion criterion for everyone is for people receiving a
    treatment now ("All patients receiving chemotherapy for solid cancer", NCT06491082;
    ``treatment_now_words`` in the data file): no profile says what is given now, so it is
    asked, never passed nor failed."""
    text, words = _inclusion_naming(trial.eligibility.criteria, "treatment_now_words")
    if not text:
        return ()
    requirement = Requirement("disease-setting", "treatment-now", (words,), text, "inclusion")
    kind = requirement.kind
    says = rules().says(kind, "treatment-now", values=words)
    tail = rules().sentence(kind, "unknown-treatment-now")
    question = rules().sentence(kind, "question-treatment-now", values=words)
    return (_check(requirement, UNKNOWN, tail, question=question, says=says),)


@lru_cache(maxsize=1024)
def _inclusion_naming(criteria: str, words_key: str) -> tuple[str, str]:
    """(the first inclusion criterion for everyone naming one of the words of ``words_key`` in
    ``[rule.disease-setting]``, the words as written), or ("", "")."""
    words = phrases_pattern(rules().rules["disease-setting"][words_key])
    if not criteria or not words.search(criteria):
        return "", ""
    for item in read_criteria(criteria).items:
        match = words.search(item.text)
        if item.section != EXCLUSION and not item.cohort and match:
            return item.text, match.group()
    return "", ""


@lru_cache(maxsize=1024)
@cache
def _title_words(stages: bool) -> tuple[re.Pattern[str], dict[str, str], re.Pattern[str]]:
    """(the words of ``title_settings``, and with ``stages`` of ``title_stages``; each word's
    setting; ``title_settings_not_before``), compiled once: read for every trial and profile."""
    entry = rules().rules["disease-setting"]
    named = {**entry["title_settings"], **(entry["title_stages"] if stages else {})}
    by_word = {_value_key(w): v for w, v in named.items()}
    not_before = phrases_pattern(entry["title_settings_not_before"])
    return phrases_pattern(list(named)), by_word, not_before


def _title_settings(*titles: str, stages: bool = False) -> tuple[str, tuple[str, ...]]:
    """(the first of ``titles`` naming a stage of the cancer, the settings it names); with
    ``stages``, stages by number too (``title_stages``)."""
    words, by_word, not_before = _title_words(stages)
    for title in titles:
        found = [
            by_word[_value_key(m.group())]
            for m in words.finditer(title or "")
            if by_word[_value_key(m.group())] != "metastatic"
            or not not_before.match((title or "")[m.end() :].lstrip())
        ]
        if stages and found and names_spread_stage(title or ""):
            found.append("metastatic")  # ("Stage III or IV", "Stage 3/4")
        if found:
            return title, tuple(dict.fromkeys(found))
    return "", ()


def as_worded(requirement: Requirement, settings: Iterable[str] = ()) -> Requirement:
    """A requirement for refractory disease read from a criterion that asks only for treatment
    before ("Previously treated ... DLBCL", see ``refractory_words`` in the data file): as one
    for the treated settings the record's titles or conditions name (``settings``) when they
    name refractory disease too, said as theirs (rule "record"); else as one for previously
    treated disease."""
    if requirement.rule != "any-of" or "refractory" not in requirement.values:
        return requirement
    words = _setting_words()
    if words[0].search(requirement.text) or not words[1].search(requirement.text):
        return requirement
    named = tuple(s for s in settings if s in _TREATED_SETTINGS)
    if "refractory" in named:
        return replace(requirement, rule="record", values=named)
    values = tuple(
        dict.fromkeys("previously-treated" if v == "refractory" else v for v in requirement.values)
    )
    return replace(requirement, values=values)


_NAMING = ("title", "official title", "condition")  # the fields a setting is named in, as
# the tags' evidence gives them
_TREATED_SETTINGS = ("refractory", "relapsed", "resistant", "recurrent")


@cache
def _setting_words() -> tuple[re.Pattern[str], re.Pattern[str]]:
    entry = rules().rules["disease-setting"]
    return phrases_pattern(entry["refractory_words"]), phrases_pattern(entry["treated_words"])


# earlier lines --------------------------------------------------------------------------------


def _check_lines(requirement: Requirement, facts: _Facts) -> Check:
    lines = facts.lines
    if lines is None:
        return _missing(requirement)
    values = [int(v) for v in requirement.values]
    words = rules().words
    had = f"{lines} {words['line'] if lines == 1 else words['lines']}"
    if requirement.rule == "chemotherapy-at-least":
        # Fewer lines than that are fewer lines of chemotherapy; more may be of other treatments.
        if lines < values[0]:
            tail = rules().sentence("prior-lines", FAIL, prior_lines=had)
            return _check(requirement, FAIL, tail, f"prior_lines: {lines}")
        tail = rules().sentence("prior-lines", "unknown-chemotherapy", prior_lines=had)
        question = rules().sentence("prior-lines", "question-chemotherapy")
        return replace(_unknown(requirement, tail), question=question)
    if requirement.rule == "chemotherapy-at-most":
        # Lines of chemotherapy are some of the lines: no more lines than the limit passes;
        # more may be of other treatments, so they never fail it.
        if lines <= values[0]:
            tail = rules().sentence("prior-lines", PASS, prior_lines=had)
            return _check(requirement, PASS, tail, f"prior_lines: {lines}")
        tail = rules().sentence("prior-lines", "unknown-chemotherapy", prior_lines=had)
        unknown = _unknown(requirement, tail)
        question = rules().sentence("prior-lines", "question-chemotherapy")
        return replace(unknown, question=question)
    low = values[0] if requirement.rule in ("at-least", "between", "exactly") else None
    high = values[-1] if requirement.rule in ("at-most", "between", "exactly") else None
    early = high == 0 and lines == 0 and not rules().for_advanced.search(requirement.text)
    medicines = [t.written for t in facts.cancer_medicines()] if early else []
    if medicines:
        # No line, but cancer medicines given (before or after surgery, for early disease):
        # whether a criterion not limited to advanced disease counts them ("any previous
        # systemic therapy ... for treatment or prevention of breast cancer") is not read.
        tail = rules().sentence(
            "prior-lines",
            "unknown-early-treatment",
            prior_lines=had,
            treatments=_join(medicines, "and"),
        )
        return _unknown(requirement, tail)
    too_many = high is not None and lines > high
    too_few = low is not None and lines < low
    outcome = FAIL if too_many or too_few else PASS
    if (
        outcome == PASS
        and "relapsed" not in facts.setting_is
        and _response_words().search(requirement.text)
    ):
        # "achieved minimal response [MR] or better to at least 1 prior antimyeloma therapy";
        # cancer that relapsed came back after it responded
        tail = rules().sentence("prior-lines", "unknown-response", prior_lines=had)
        question = rules().sentence("prior-lines", "question-response")
        return replace(_unknown(requirement, tail), question=question)
    tail = rules().sentence("prior-lines", outcome, prior_lines=had)
    # Too many lines lasts; too few may change with the next treatment.
    return _check(requirement, outcome, tail, f"prior_lines: {lines}", permanent=too_many)


# earlier treatments --------------------------------------------------------------------------


def _check_prior_excluded(requirement: Requirement, facts: _Facts) -> Check:
    kind = requirement.kind
    if facts.received is None:
        return _missing(requirement)
    matched = list(
        dict.fromkeys(n for v in requirement.values for n in facts.matching(facts.received, str(v)))
    )
    if matched:
        tail = rules().sentence(kind, FAIL, matched=_join(matched, "and"))
        return _check(requirement, FAIL, tail, f"prior_treatments: {', '.join(matched)}")
    if unsure := _history_unsure(requirement, facts, requirement.values):
        return unsure
    return _check(requirement, PASS, rules().sentence(kind, PASS), "prior_treatments")


def _history_unsure(requirement: Requirement, facts: _Facts, names: Iterable[Any]) -> Check | None:
    """``unknown`` when the profile cannot tell whether ``names`` were had: radiotherapy without
    its place, surgery without its operation, treatments trialfinder does not know, or no whole
    history; else None."""
    kind = requirement.kind
    if placeless := facts.placeless(names):
        tail = rules().sentence(kind, "unknown-place", names=_join(placeless, "and"))
        return _unknown(requirement, tail)
    if unnamed := facts.unnamed_operations(names):
        tail = rules().sentence(kind, "unknown-operation", names=_join(unnamed, "and"))
        return _unknown(requirement, tail)
    if facts.unknown_names:
        return _unknown(
            requirement,
            rules().sentence(kind, "unknown-names", names=_join(facts.unknown_names, "and")),
        )
    if not facts.history_known:
        return _missing(requirement)
    if facts.partial_history:
        tail = rules().sentence(kind, "unknown-partial", lines=_lines_text(facts))
        return _unknown(requirement, tail)
    return None


def _check_prior_required(requirement: Requirement, facts: _Facts) -> Check:
    kind = requirement.kind
    if facts.received is None:
        return _missing(requirement)
    found = {str(v): facts.matching(facts.received, str(v)) for v in requirement.values}
    had = [v for v, names in found.items() if names]
    missing = [v for v, names in found.items() if not names]
    satisfied = bool(had) if requirement.rule == "any-of" else not missing
    matched = list(dict.fromkeys(n for names in found.values() for n in names))
    if satisfied:
        fact = f"prior_treatments: {', '.join(matched)}"
        if _response_words().search(requirement.text):
            tail = rules().sentence(kind, "unknown-response", matched=_join(matched, "and"))
            question = rules().sentence(kind, "question-response", **_says_values(requirement))
            return replace(_check(requirement, UNKNOWN, tail, fact), question=question)
        if long_enough := _for_some_time(requirement, matched, fact):
            return long_enough
        tail = rules().sentence(kind, PASS, matched=_join(matched, "and"))
        return _check(requirement, PASS, tail, fact)
    if unsure := _history_unsure(requirement, facts, missing):
        return unsure
    if facts.no_local_treatment(missing):
        tail = rules().sentence(kind, "unknown-local")
        return _unknown(requirement, tail)
    word = "or" if requirement.rule == "any-of" else "and"
    tail = rules().sentence(kind, FAIL, missing=_join(_said(kind, missing, again=True), word))
    return _check(requirement, FAIL, tail, "prior_treatments")


@cache
def _response_words() -> re.Pattern[str]:
    return phrases_pattern(rules().rules["prior-therapy-required"]["response_words"])


@cache
def _duration() -> re.Pattern[str]:
    return re.compile(rules().rules["prior-therapy-required"]["duration"], re.IGNORECASE)


def _for_some_time(requirement: Requirement, matched: list[str], fact: str) -> Check | None:
    """The check of a treatment had that the criterion asks for some time at least (its
    ``duration``): unknown, as the profile does not say for how long; else None."""
    if not _duration().search(requirement.text):
        return None
    kind = requirement.kind
    tail = rules().sentence(kind, "unknown-duration", matched=_join(matched, "and"))
    question = rules().sentence(kind, "question-duration", **_says_values(requirement))
    return replace(_check(requirement, UNKNOWN, tail, fact), question=question)


class _MedicineSetting(NamedTuple):
    """A medicine's two settings (``medicine_settings``), and the words that name each."""

    medicine: str
    resistant: str
    sensitive: str
    resistant_words: re.Pattern[str]
    sensitive_words: re.Pattern[str]

    def said(self, facts: _Facts) -> str | None:
        """Which of the two the profile's setting says, if either."""
        return next((s for s in (self.resistant, self.sensitive) if s in facts.setting_is), None)


@cache
def _medicine_settings() -> tuple[_MedicineSetting, ...]:
    entries = rules().rules["disease-setting"]["medicine_settings"]
    return tuple(
        _MedicineSetting(
            name,
            entry["resistant"],
            entry["sensitive"],
            phrases_pattern(entry["resistant_words"]),
            phrases_pattern(entry["sensitive_words"]),
        )
        for name, entry in entries.items()
    )


def _medicine_setting_named(text: str, facts: _Facts) -> tuple[str, bool] | None:
    """(the profile's setting of a medicine, whether it is the one ``text`` names) when the
    criterion names one setting of a medicine only ("Tumor must be platinum refractory") and the
    profile says which it has; else None."""
    for medicine in _medicine_settings():
        resistant = medicine.resistant_words.search(text) is not None
        if resistant == (medicine.sensitive_words.search(text) is not None):
            continue  # (neither, or both: "platinum-resistant or platinum-sensitive")
        if (setting := medicine.said(facts)) is not None:
            wanted = medicine.resistant if resistant else medicine.sensitive
            return setting, setting == wanted
    return None


def _stopped_responding(drug: str, facts: _Facts) -> tuple[str, bool] | None:
    """(the profile's setting of ``drug``'s medicine, whether it says the cancer stopped
    responding to it) for a rule that it did ("platinum-sensitive": it did not); else None."""
    for medicine in _medicine_settings():
        if drug_matches(drug, medicine.medicine) and (setting := medicine.said(facts)):
            return setting, setting == medicine.resistant
    return None


def _check_refractory(requirement: Requirement, facts: _Facts) -> Check:
    kind = requirement.kind
    profile = facts.profile
    if len(requirement.values) == 1 and (
        said := _stopped_responding(str(requirement.values[0]), facts)
    ):
        setting, stopped = said
        outcome = PASS if stopped else FAIL
        tail = rules().sentence(kind, f"{outcome}-medicine", setting=setting)
        return _check(requirement, outcome, tail, f"setting: {setting}")
    if profile.refractory_to is None and profile.prior_treatments is None:
        return _missing(requirement)
    states: dict[str, str] = {}
    matched: list[str] = []
    for value in map(str, requirement.values):
        refractory = facts.matching(profile.refractory_to, value)
        if refractory:
            states[value] = PASS
            matched += refractory
        elif facts.history_whole and not facts.matching(facts.received, value):
            states[value] = FAIL  # never had it, so the cancer cannot have stopped responding
        else:
            states[value] = UNKNOWN
    outcomes = set(states.values())
    if requirement.rule == "any-of":
        outcome = PASS if PASS in outcomes else FAIL if outcomes == {FAIL} else UNKNOWN
    else:
        outcome = PASS if outcomes == {PASS} else FAIL if FAIL in outcomes else UNKNOWN
    named = _join(dict.fromkeys(matched), "and")
    if outcome == PASS and _asks_the_latest(requirement, facts):
        tail = rules().sentence(kind, "unknown-last", matched=named)
        question = rules().sentence(kind, "question-last", matched=named)
        return replace(_unknown(requirement, tail), question=question)
    if outcome == PASS:
        tail = rules().sentence(kind, PASS, matched=named)
        return _check(
            requirement, PASS, tail, f"refractory_to: {', '.join(dict.fromkeys(matched))}"
        )
    if outcome == FAIL:
        missing = [v for v, s in states.items() if s == FAIL]
        tail = rules().sentence(kind, FAIL, missing=_join(_said(kind, missing, again=True), "or"))
        return _check(requirement, FAIL, tail, "prior_treatments")
    return _missing(requirement)


def _asks_the_latest(requirement: Requirement, facts: _Facts) -> bool:
    """Whether ``requirement`` asks for the treatment it names to be the latest one
    (``last_words``) and the profile lists others besides it, in no order it vouches for."""
    if not _last_words().search(requirement.text):
        return False
    asked = {name for v in requirement.values for name in facts.matching(facts.received, str(v))}
    return any(t.written not in asked for t in facts.received or ())


@cache
def _last_words() -> re.Pattern[str]:
    return phrases_pattern(rules().rules["refractory-required"]["last_words"])


def _check_transplant(requirement: Requirement, facts: _Facts) -> Check:
    kind_word = rules().words.get(
        f"transplant-{requirement.values[0] if requirement.values else 'any'}", "a"
    )
    says = rules().says("transplant", requirement.rule, kind=kind_word)
    question = rules().question("transplant", kind=kind_word)
    if requirement.rule in ("ineligible-required", "eligible-required"):
        tail = rules().sentence("transplant", "unknown-eligible")
        return _check(requirement, UNKNOWN, tail, question=question, says=says)
    if facts.received is None:
        tail = rules().sentence("transplant", "unknown")
        return _check(requirement, UNKNOWN, tail, question=question, says=says)
    wanted = str(requirement.values[0]) if requirement.values else "any"
    had = [t for t in facts.transplants if wanted == "any" or t.transplant == wanted]
    vague = [t for t in facts.transplants if t.transplant == "any" and wanted != "any"]
    words = rules().words
    if had:
        described = words["transplants-had"].replace(
            "{had}", _join([t.written for t in had], "and")
        )
    else:
        described = words["transplants-none"]
    fact = f"prior_treatments: {', '.join(t.written for t in had)}" if had else "prior_treatments"
    if had:
        outcome = FAIL if requirement.rule == "prior-excluded" else PASS
    elif vague or not facts.history_whole:
        outcome = UNKNOWN
    else:
        outcome = PASS if requirement.rule == "prior-excluded" else FAIL
    if outcome == UNKNOWN:
        if vague:  # "stem cell transplant": from the patient or a donor, it does not say
            names = _join([t.written for t in vague], "and")
            tail = rules().sentence("transplant", "unknown-vague", names=names)
        elif facts.unknown_names:
            names = _join(facts.unknown_names, "and")
            tail = rules().sentence("transplant", "unknown-names", names=names)
        elif facts.partial_history:
            tail = rules().sentence("transplant", "unknown-partial", lines=_lines_text(facts))
        else:
            tail = rules().sentence("transplant", "unknown")
        return _check(requirement, UNKNOWN, tail, question=question, says=says)
    permanent = requirement.rule == "prior-excluded"
    tail = rules().sentence("transplant", outcome, transplants=described)
    return _check(requirement, outcome, tail, fact, permanent=permanent, says=says)


# markers ------------------------------------------------------------------------------------


def _has_status(wanted: Marker, facts: _Facts) -> str:
    """Whether the profile's markers say the tumour has ``wanted`` (with its status): PASS,
    FAIL or UNKNOWN (also for another variant of the same marker)."""
    outcome, _ = _marker_state(wanted, facts)
    if not wanted.positive:
        return {PASS: FAIL, FAIL: PASS}.get(outcome, UNKNOWN)
    return outcome


def _marker_state(
    wanted: Marker, facts: _Facts, kinds: frozenset[str] = frozenset()
) -> tuple[str, list[Marker]]:
    """(PASS: the tumour has the marker (variant), FAIL: it has not, UNKNOWN), and the
    profile's markers the answer rests on; of those, only results of a kind of change in
    ``kinds``, or of no kind said (see ``change_kinds``)."""
    every = facts.markers.get(wanted.name, [])
    # (Negative results of several kinds answer together: "HER2 IHC 0", "not amplified".)
    tested = frozenset(k for m in every if not m.positive for k in _result_kinds(m))
    mine = [m for m in every if _same_kind(m, kinds, tested)]
    if not mine:
        return UNKNOWN, every or facts.one_test.get(wanted.name, [])  # (every: other kinds)
    levels = rules().markers["levels"]
    needs_all = rules().markers["negative_needs_all"].get(wanted.name)
    variant = _variant_key(wanted.variant)
    positives = [m for m in mine if m.positive]
    negatives = [m for m in mine if not m.positive]
    for marker in positives:
        theirs = _variant_key(marker.variant)
        if not variant or theirs == variant:
            if marker.level and wanted.name in levels:
                return UNKNOWN, [marker]  # "PD-L1 5%": whether it is enough, the trial says
            return PASS, [marker]
    for marker in negatives:
        theirs = _variant_key(marker.variant)
        if theirs and theirs != variant:
            continue  # "BRCA2 negative" says nothing of BRCA1
        if needs_all and marker.part in needs_all:
            parts = {m.part for m in negatives}
            if not set(needs_all) <= parts:
                continue  # "ER negative" alone: PR may be positive
            return FAIL, [m for m in negatives if m.part in needs_all]  # ER and PR negative
        if not theirs and variant and any(m.variant and m.positive for m in mine):
            continue
        return FAIL, [marker]
    if not variant and needs_all is None and negatives and all(m.variant for m in negatives):
        # "BRCA1 negative" and "BRCA2 negative" answer "BRCA" only together
        return UNKNOWN, negatives
    return UNKNOWN, positives or negatives


@lru_cache(maxsize=4096)
def _change_kinds(text: str) -> frozenset[str]:
    """The kinds of change (``change_kinds``) ``text`` names, not those it denies ("no
    germline mutation"): "mutation", "amplification"."""
    found = set()
    for kind, words in rules().change_kinds.items():
        for match in words.finditer(text):
            if not _KIND_DENIED.search(text, max(0, match.start() - 30), match.start()):
                found.add(kind)
                break
    return frozenset(found)


# A kind of change denied by the words right before it ("no germline mutation", "not amplified").
_KIND_DENIED = re.compile(r"\b(?:no|not|non|without)\b(?:\W+\w+){0,2}\W*$", re.IGNORECASE)


def _same_kind(marker: Marker, kinds: frozenset[str], tested: frozenset[str]) -> bool:
    """Whether a result of the profile may answer a criterion about ``kinds`` of change: one
    that names no kind, one of them, or one of a group that kinds of this marker stand for
    each other in (``loose_kinds``). Negative results must answer each of them, together
    (``tested``: the kinds of the profile's negative results of the marker): the criterion
    takes any ("HER2-positive (IHC 3+; or IHC 2+/ISH+)"), and "HER2 not amplified" does not
    rule out IHC 3+."""
    if not kinds:
        return True
    mine = _result_kinds(marker)
    if not mine:
        return True
    if not marker.positive:
        also = rules().negative_answers.get(marker.name, {})
        mine = mine | tested
        mine = mine.union(*(also.get(kind, ()) for kind in mine))
    groups = rules().loose_kinds(marker.name)

    def answers(kind: str) -> bool:
        return kind in mine or any(kind in group and mine & group for group in groups)

    if not marker.positive:
        return all(answers(kind) for kind in kinds)
    return any(answers(kind) for kind in kinds)


def _result_kinds(marker: Marker) -> frozenset[str]:
    """The kinds of change a result of the profile is of: those its words name, denied or not
    ("not amplified" is a result of amplification), and a mutation for a variant such as
    G12C."""
    mine = _named_kinds(marker.written)
    if rules().change_variant.match(marker.variant):
        mine |= {"mutation"}
    return mine


@lru_cache(maxsize=1024)
def _named_kinds(text: str) -> frozenset[str]:
    return frozenset(k for k, words in rules().change_kinds.items() if words.search(text))


def _criterion_kinds(requirement: Requirement, name: str) -> frozenset[str]:
    """The kinds of change a criterion names beside a marker's name (within its sentence, a
    few words either side, not past another marker's name), or in the whole criterion when the
    name is not found in it; when it names none, those the marker's bare status means
    (``unsaid_kinds``)."""
    return _kinds_beside(requirement.text, name) or frozenset(
        rules().markers["unsaid_kinds"].get(name, ())
    )


@lru_cache(maxsize=4096)
def _kinds_beside(text: str, name: str) -> frozenset[str]:
    rule = next((m for m in knowledge().biomarkers if m.name == name), None)
    spans = [m.span() for m in rule.regex.finditer(text)] if rule is not None else []
    if not spans:
        return _change_kinds(text)
    others = [
        m.span() for r in knowledge().biomarkers if r.name != name for m in r.regex.finditer(text)
    ]
    kinds: frozenset[str] = frozenset()
    for start, end in spans:
        # up to the end of its sentence or another marker's name ("EGFR wild-type and ALK
        # rearrangement negative": "rearrangement" is ALK's)
        low = max([start - _KIND_REACH, *(e for _, e in others if e <= start)])
        high = min([end + _KIND_REACH, *(b for b, _ in others if b >= end)])
        before = _SENTENCE_END.split(text[max(0, low) : start])[-1]
        after = _SENTENCE_END.split(text[end:high])[0]
        kinds |= _change_kinds(f"{before} {text[start:end]} {after}")
    return kinds


# How far either side of a marker's name (in characters) a criterion's words of a kind of change
# are taken to be about it ("sensitizing EGFR mutations", "HER2 immunohistochemistry (IHC)").
_KIND_REACH = 40
# The end of a sentence: a full stop before a space (not "e.g." or "i.e."), or a semicolon.
_SENTENCE_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)\.(?=\s|$)|;")


def _variant_key(variant: str) -> str:
    noise = {w.lower() for w in rules().markers["variant_noise"]}
    words = [w for w in re.split(r"[\s-]+", variant.lower()) if w and w not in noise]
    return "".join(words)


def _marker_names(markers: list[Marker]) -> str:
    return _join(dict.fromkeys(m.written for m in markers), "and")


def _check_markers(requirement: Requirement, facts: _Facts) -> Check:
    kind = requirement.kind
    # A tissue type ("HLA-A*11:01") is the person's own, found by a blood test: said so, with
    # the `-person` sentences of its kind; one the record does not name ("matching HLA
    # subtypes") as one that matches the treatment (`-person-unnamed`).
    person = "-person" if _of_the_person(requirement) else ""
    said = person + ("-unnamed" if person and _unnamed(requirement) else "")
    rule = f"{requirement.rule}{said}"
    if rule not in rules().rules[kind]["says"]:
        rule = requirement.rule  # (a marker a title names is said as such)
    says = rules().says(kind, rule, **_says_values(requirement))

    def unknown(tail: str) -> Check:
        if not person:
            return _unknown(requirement, tail)
        question = rules().sentence(kind, f"question{said}", **_says_values(requirement))
        return _check(requirement, UNKNOWN, tail, question=question, says=says)

    if facts.profile.biomarkers is None:
        return unknown(rules().sentence(kind, f"unknown{person}"))
    states = []
    for value in requirement.values:
        wanted = read_marker(str(value))
        kinds = _criterion_kinds(requirement, wanted.name)
        state, used = _marker_state(wanted, facts, kinds) if wanted.known else (UNKNOWN, [])
        if (
            kind == "biomarker-required"
            and state == PASS
            and _left_out(str(value), used, requirement)
        ):
            state = FAIL  # "KRAS non-G12C mutations" of a KRAS G12C (NCT05786924)
        states.append((str(value), state, used))
    has = [(v, used) for v, s, used in states if s == PASS]
    has_not = [(v, used) for v, s, used in states if s == FAIL]
    answered = list(dict.fromkeys(m for _, u in has_not for m in u))  # in order: one wording
    others = [m for _, s, used in states if s == UNKNOWN for m in used if m not in answered]
    if kind == "biomarker-required":
        outcome = PASS if has else FAIL if len(has_not) == len(states) else UNKNOWN
    else:
        outcome = FAIL if has else PASS if len(has_not) == len(states) else UNKNOWN
    used = list(dict.fromkeys(m for _, u in (has if has else has_not) for m in u))
    fact = f"biomarkers: {', '.join(m.written for m in used)}" if used else "biomarkers"
    if kind == "biomarker-required" and outcome == FAIL and _negative_not_enough(requirement, used):
        return unknown(rules().sentence(kind, "unknown-negative", against=_marker_names(used)))
    if kind == "biomarker-excluded" and outcome == FAIL and _not_sensitizing(requirement, used):
        tail = rules().sentence(kind, "unknown-sensitizing", against=_marker_names(used))
        return _unknown(requirement, tail)
    if has and _not_shown_germline(requirement, used):
        tail = rules().sentence(kind, "unknown-germline", against=_marker_names(used))
        return unknown(tail)
    if outcome == UNKNOWN:
        markers = rules().markers
        parts = [p for m in others for p in markers["negative_needs_all"].get(m.name, [])]
        if others and all(m.only_one_test for m in others):
            tail = rules().sentence(kind, "unknown-one-test", against=_marker_names(others))
        elif others and all(m.level and m.name in markers["levels"] for m in others):
            tail = rules().sentence(kind, "unknown-level", against=_marker_names(others))
        elif others and all(not m.positive and m.part in parts for m in others):
            given = {m.part for m in others}  # "ER negative" of HR+: PR is not known
            unsaid = _join(dict.fromkeys(f"{p} positive" for p in parts if p not in given))
            tail = rules().sentence(
                kind, "unknown-part", against=_marker_names(others), missing=unsaid
            )
        elif others:
            tail = rules().sentence(kind, "unknown-other", against=_marker_names(others))
        elif has_not:  # "BRCA2 negative" of "BRCA1, BRCA2 or PALB2"
            missing = [v for v, s, _ in states if s == UNKNOWN]
            tail = rules().sentence(
                kind, "unknown-some", against=_marker_names(answered), missing=_join(missing)
            )
        else:
            tail = rules().sentence(kind, f"unknown{person}")
        return unknown(tail)
    if said == "-person-unnamed" and outcome == PASS and kind == "biomarker-required":
        # "matching HLA subtypes": which type matches, the record does not say
        return unknown(
            rules().sentence(kind, "unknown-person-unnamed", against=_marker_names(used))
        )
    if (outcome == PASS) == (kind == "biomarker-required"):
        tail = rules().sentence(kind, f"{outcome}{person}", matched=_marker_names(used))
    else:
        tail = rules().sentence(kind, f"{outcome}{person}", against=_marker_names(used))
    return _check(requirement, outcome, tail, fact, says=says)


def _left_out(value: str, used: list[Marker], requirement: Requirement) -> bool:
    """Whether each of the profile's ``used`` markers, which have ``value``, has the change of
    it that ``requirement``'s criterion leaves out ("KRAS non-G12C": a KRAS G12C)."""
    left_out = left_out_variant(value, requirement.text)
    return bool(left_out and used) and all(m.variant.upper() == left_out.upper() for m in used)


def _of_the_person(requirement: Requirement) -> bool:
    """Whether every marker of ``requirement`` is one of the person (its kind's `person`
    names: "HLA-A*11:01"), not of the cancer."""
    person = tuple(name.upper() for name in rules().rules[requirement.kind].get("person", ()))
    values = [str(v).strip().upper() for v in requirement.values]
    return bool(person and values) and all(v.startswith(person) for v in values)


def _unnamed(requirement: Requirement) -> bool:
    """Whether the markers of the person of ``requirement`` are named by their kind only
    ("HLA"), not which one."""
    person = {name.upper() for name in rules().rules[requirement.kind].get("person", ())}
    return all(str(v).strip().upper() in person for v in requirement.values)


def _negative_not_enough(requirement: Requirement, used: list[Marker]) -> bool:
    """Whether each of the profile's ``used`` markers is a plain negative result of a marker
    that ``requirement`` asks something of that such a result does not rule out ("HER2
    negative" for "HER2 mutation in exons 19 or 20", or "HER2-expressing (IHC 3+ or IHC 2+)")."""
    asked = rules().negative_not_enough
    return bool(used) and all(
        not m.positive
        and not m.variant
        and m.name in asked
        and asked[m.name].search(requirement.text) is not None
        for m in used
    )


def _not_shown_germline(requirement: Requirement, used: list[Marker]) -> bool:
    """Whether ``requirement`` names an inherited (germline) change and each of the profile's
    ``used`` markers was found by another test it names ("tumor BRCA2 mutation", "ctDNA ...")."""
    germline = rules().germline
    return (
        bool(used)
        and all(m.source and not germline.fullmatch(m.source) for m in used)
        and germline.search(requirement.text) is not None
    )


def _not_sensitizing(requirement: Requirement, used: list[Marker]) -> bool:
    """Whether ``requirement`` rules out only the sensitizing changes of a marker and each of
    the profile's ``used`` markers is a variant of it not among them ("EGFR exon 20")."""
    r = rules()
    if not used or not r.sensitizing_words.search(requirement.text):
        return False
    sensitizing = r.sensitizing
    return all(
        m.name in sensitizing and m.variant and m.variant.lower() not in sensitizing[m.name]
        for m in used
    )


# pregnancy, breastfeeding --------------------------------------------------------------------


def _asked_of_pregnancy(profile: Profile) -> bool:
    """Whether the pregnancy rules are checked for ``profile``: one that says whether the person
    is pregnant or breastfeeding, and not a man's (a rule nearly every trial has is no
    question for a profile that does not speak of it)."""
    said = profile.pregnant is not None or profile.breastfeeding is not None
    return said and profile.sex != "male"


def _check_pregnancy(requirement: Requirement, facts: _Facts) -> Check:
    """Pregnancy or breastfeeding, ruled out, against what the profile says of each."""
    profile = facts.profile
    said = {"pregnant": profile.pregnant, "breastfeeding": profile.breastfeeding}
    asked = [str(v) for v in requirement.values]
    fact = "; ".join(f"{s}: {str(v).lower()}" for s, v in said.items() if v is not None)
    if states := [s for s in asked if said.get(s)]:
        tail = rules().sentence("pregnancy", FAIL, states=_join(states, "and"))
        return _check(requirement, FAIL, tail, fact)
    if all(said.get(s) is False for s in asked):
        return _check(requirement, PASS, rules().sentence("pregnancy", PASS), fact)
    unsaid = _join([s for s in asked if said.get(s) is None], "or")
    return _unknown(requirement, rules().sentence("pregnancy", UNKNOWN, states=unsaid))


# performance status, brain metastases, measurable disease ---------------------------------------


def _check_ecog(requirement: Requirement, facts: _Facts) -> Check:
    """ECOG against an ECOG limit, a Karnofsky score against a Karnofsky limit; across the
    scales by the conversion of :func:`karnofsky_range`, which is approximate: an ECOG grade
    whose Karnofsky range holds the trial's lowest score (ECOG 1, 70 to 80, against "KPS >=
    80") stays unknown. With both scales in the requirement, either will do."""
    ecog, karnofsky = facts.profile.ecog, facts.profile.karnofsky
    if ecog is None and karnofsky is None:
        return _missing(requirement)
    rule = requirement.rule
    values = [int(v) for v in requirement.values]
    found: list[tuple[str, str]] = []  # (outcome, the end of the sentence) for each scale
    if rule == "at-most-some":
        return _check_ecog_some(requirement, facts, *values)
    if rule != "karnofsky-at-least":
        limits = values[:-1] if rule == "at-most-or-karnofsky-at-least" else values
        found.append(_against_ecog(limits[0] if rule == "between" else 0, limits[-1], facts))
    if rule.endswith("karnofsky-at-least"):
        found.append(_against_karnofsky(values[-1], facts))
    outcomes = [outcome for outcome, _ in found]
    outcome = PASS if PASS in outcomes else FAIL if set(outcomes) == {FAIL} else UNKNOWN
    tail = next(tail for done, tail in found if done == outcome)
    given = [f"ecog: {ecog}"] if ecog is not None else []
    given += [f"karnofsky: {karnofsky}"] if karnofsky is not None else []
    fact = "; ".join(given)
    if outcome == UNKNOWN:
        # (unknown on the Karnofsky limit: ask for that score; else for the ECOG grade)
        of_karnofsky = rule.endswith("karnofsky-at-least") and found[-1][0] == UNKNOWN
        question = (
            rules().sentence("ecog", "question-karnofsky", low=values[-1])
            if of_karnofsky
            else rules().rules["ecog"]["question"]
        )
        return _check(requirement, outcome, tail, fact, question=question)
    return _check(requirement, outcome, tail, fact)


def _check_ecog_some(requirement: Requirement, facts: _Facts, everyone: int, some: int) -> Check:
    """ECOG against a limit for everyone (``everyone``) and a higher one allowed on a condition
    the criterion names (``some``): a profile between the two is asked, not passed."""
    ecog, karnofsky = facts.profile.ecog, facts.profile.karnofsky
    given = [f"ecog: {ecog}"] if ecog is not None else []
    fact = "; ".join([*given, *([f"karnofsky: {karnofsky}"] if karnofsky is not None else [])])
    outcome, tail = _against_ecog(0, some, facts)
    if outcome == PASS and (lower := _against_ecog(0, everyone, facts))[0] != PASS:
        return _check(
            requirement,
            UNKNOWN,
            rules().sentence("ecog", "unknown-some", given=lower[1]),
            fact,
            question=rules().sentence("ecog", "question-some", high=some),
        )
    if outcome == UNKNOWN:
        return _check(requirement, outcome, tail, fact, question=rules().rules["ecog"]["question"])
    return _check(requirement, outcome, tail, fact)


def _against_ecog(low: int, high: int, facts: _Facts) -> tuple[str, str]:
    ecog, karnofsky = facts.profile.ecog, facts.profile.karnofsky
    if ecog is not None:
        outcome = PASS if low <= ecog <= high else FAIL
        return outcome, rules().sentence("ecog", outcome, ecog=ecog)
    assert karnofsky is not None
    one, other = ecog_grades_for_karnofsky(karnofsky)
    fits = [low <= grade <= high for grade in (one, other)]
    if all(fits) or not any(fits):
        outcome = PASS if all(fits) else FAIL
        return outcome, rules().sentence("ecog", "karnofsky", karnofsky=karnofsky, ecog=one)
    return UNKNOWN, rules().sentence(
        "ecog", "unknown-karnofsky", karnofsky=karnofsky, low=one, high=other
    )


def _against_karnofsky(lowest: int, facts: _Facts) -> tuple[str, str]:
    ecog, karnofsky = facts.profile.ecog, facts.profile.karnofsky
    if karnofsky is not None:
        outcome = PASS if karnofsky >= lowest else FAIL
        return outcome, rules().sentence("ecog", "of-karnofsky", karnofsky=karnofsky)
    assert ecog is not None
    below, top = karnofsky_range(ecog)
    outcome = PASS if below >= lowest else FAIL if top < lowest else UNKNOWN
    name = "ecog-as-karnofsky" if outcome != UNKNOWN else "unknown-ecog-as-karnofsky"
    return outcome, rules().sentence("ecog", name, ecog=ecog, low=below, high=top)


_TREATMENT_AFTER = re.compile(r"\s+(?:treatment|therapy)\b", re.IGNORECASE)


def _check_brain(requirement: Requirement, facts: _Facts) -> Check:
    brain = facts.profile.brain_metastases
    if brain is None:
        return _missing(requirement)
    rule = requirement.rule
    fails = (
        (rule == "none" and brain != "none")
        or (rule == "treated-stable" and brain == "active")
        or (rule == "required" and brain == "none")
    )
    outcome = FAIL if fails else PASS
    described = rules().words[f"brain-{brain}"]
    text = requirement.text
    some = rules().untreated_allowed.search(text) is not None or (
        # those with symptoms only: untreated or active ones named beside them ("Untreated or
        # symptomatic brain metastases") are all left out; "unless treated" and "active
        # treatment" name none
        rules().symptomatic_only.search(text) is not None
        and not any(
            not m.group().lower().startswith("unless") and not _TREATMENT_AFTER.match(text, m.end())
            for m in rules().active_words.finditer(text)
        )
    )
    if (
        outcome == FAIL
        and rule == "treated-stable"
        and (not rules().active_words.search(text) or some)
    ):
        name = "unknown-some-active" if some else "unknown-active"
        tail = rules().sentence("brain-metastases", name, brain=described)
        question = rules().rules["brain-metastases"]["question-active"]
        return replace(_unknown(requirement, tail), question=question)
    if (
        outcome == PASS
        and rule == "treated-stable"
        and brain == "treated-stable"
        and rules().treated_when.search(requirement.text)
    ):
        tail = rules().sentence("brain-metastases", "unknown-treated-when", brain=described)
        question = rules().sentence("brain-metastases", "question-treated-when")
        return replace(_unknown(requirement, tail), question=question)
    tail = rules().sentence("brain-metastases", outcome, brain=described)
    # Having had brain metastases lasts; active ones may become treated and stable.
    permanent = rule == "none"
    return _check(requirement, outcome, tail, f"brain_metastases: {brain}", permanent=permanent)


def _check_measurable(requirement: Requirement, facts: _Facts) -> Check:
    measurable = facts.profile.measurable_disease
    if requirement.rule == "disease-free":
        # Disease that can be measured on scans is disease scans find; none to measure may
        # still be some.
        if measurable:
            tail = rules().sentence(requirement.kind, "fail-disease-free")
            return _check(requirement, FAIL, tail, "measurable_disease: true")
        kind = requirement.kind
        unknown = _unknown(requirement, rules().sentence(kind, "unknown-disease-free"))
        return replace(unknown, question=rules().sentence(kind, "question-disease-free"))
    if measurable is None:
        return _missing(requirement)
    outcome = PASS if measurable else FAIL
    tail = rules().sentence("measurable-disease", outcome)
    return _check(requirement, outcome, tail, f"measurable_disease: {str(measurable).lower()}")


# washout ------------------------------------------------------------------------------------


def _check_washout(requirement: Requirement, facts: _Facts, today: dt.date) -> Check:
    last = facts.profile.last_treatment
    days, period = int(requirement.values[0]), str(requirement.values[1])
    says = rules().says("washout", "within", period=period)
    if last is None:
        return _check(
            requirement,
            UNKNOWN,
            rules().sentence("washout", "unknown"),
            question=rules().question("washout"),
            says=says,
        )
    passes_on = last + dt.timedelta(days=days + 1)
    fact = f"last_treatment: {last.isoformat()}"
    longer = rules().washout_longer.search(requirement.text) is not None
    if today < passes_on and rules().washout_shorter.search(requirement.text) and not longer:
        tail = rules().sentence(
            "washout", "unknown-shorter", last=last.isoformat(), date=passes_on.isoformat()
        )
        question = rules().question("washout")
        return _check(requirement, UNKNOWN, tail, fact, question=question, says=says)
    if today < passes_on:
        name = "fail-longer" if longer else FAIL
        tail = rules().sentence("washout", name, last=last.isoformat(), date=passes_on.isoformat())
        return _check(requirement, FAIL, tail, fact, says=says, passes_on=passes_on)
    if longer:
        # (the half-lives of the drug may make the wait longer than the days)
        tail = rules().sentence("washout", "unknown-longer", last=last.isoformat())
        question = rules().question("washout")
        return _check(requirement, UNKNOWN, tail, fact, question=question, says=says)
    tail = rules().sentence("washout", PASS, last=last.isoformat())
    return _check(requirement, PASS, tail, fact, says=says)


def washout_requirements(trial: Trial) -> tuple[Requirement, ...]:
    """The washout periods of the exclusion criteria (see ``[washout]`` of the data file):
    "Anticancer therapy within 4 weeks before the first dose" gives 28 days."""
    return _washouts(trial.eligibility.criteria)


_DIGIT = re.compile(r"\d")


@lru_cache(maxsize=1024)
def _washouts(criteria: str) -> tuple[Requirement, ...]:
    if not criteria or "within" not in criteria and "before" not in criteria:
        return ()
    r = rules()
    found: list[Requirement] = []
    for item in read_criteria(criteria).items:
        if item.section != EXCLUSION or not _DIGIT.search(item.text):
            continue
        low = item.text.lower()
        if "within" not in low and "before" not in low and "prior to" not in low:
            continue
        period = r.washout_period.search(item.text)
        if period is None or not r.washout_treatments.search(item.text):
            continue
        if r.washout_not_about.search(item.text):
            continue
        number = int(period.group(1) or period.group(3))
        unit = (period.group(2) or period.group(4)).lower()
        days = number * r.washout_units[unit]
        written = f"within {number} {unit}"
        found.append(
            Requirement("washout", "within", (days, written), item.text, item.section, item.cohort)
        )
    return tuple(found)


def count_requirements(trial: Trial) -> tuple[Requirement, ...]:
    """The exclusion criteria that count the drugs of one class ("Prior treatment with more than
    one JAK2 inhibitor": ``prior-therapy-excluded``, rule ``more-than``, values (the class, 1)),
    for :func:`_check_count` (see ``count_words`` in the data file)."""
    return _counts(trial.eligibility.criteria)


@cache
def _count_pattern() -> re.Pattern[str]:
    entry = rules().rules["prior-therapy-excluded"]
    numbers = "|".join(map(re.escape, entry["count_numbers"]))
    between = "|".join(map(re.escape, entry["count_between"]))
    words = phrases_pattern(entry["count_words"]).pattern
    return re.compile(rf"{words}\s+(\d|{numbers})\s+(?:(?:{between})\s+)?(?=\S)", re.IGNORECASE)


@lru_cache(maxsize=1024)
def _counts(criteria: str) -> tuple[Requirement, ...]:
    entry = rules().rules["prior-therapy-excluded"]
    words = [w.lower() for w in entry["count_words"]]
    if not criteria or not any(w in criteria.lower() for w in words):
        return ()
    numbers = [n.lower() for n in entry["count_numbers"]]
    not_of = {w.lower() for w in entry["count_not_of"]}
    not_with = phrases_pattern(entry["count_not_with"])
    found: list[Requirement] = []
    for item in read_criteria(criteria).items:
        if item.section != EXCLUSION or not_with.search(item.text):
            continue
        for match in _count_pattern().finditer(item.text):
            after = item.text[match.end() : match.end() + _COUNTED_WITHIN]
            mentions = find_drugs(after)
            if not mentions or mentions[0].start != 0 or not mentions[0].is_class:
                continue
            following = after[mentions[0].end :].lower().split()[:1]
            if following and following[0].strip(".,;:()") in not_of:
                continue
            written = match.group(1).lower()
            count = int(written) if written.isdigit() else numbers.index(written) + 1
            found.append(
                Requirement(
                    "prior-therapy-excluded",
                    "more-than",
                    (mentions[0].value, count, after[: mentions[0].end]),
                    item.text,
                    item.section,
                    item.cohort,
                )
            )
    return tuple(found)


_COUNTED_WITHIN = 80  # characters after the count where the class is looked for


def _check_count(requirement: Requirement, facts: _Facts) -> Check:
    """More than ``count`` drugs of a class: each drug of it the profile lists counts once."""
    kind = requirement.kind
    value, count = str(requirement.values[0]), int(requirement.values[1])
    if facts.received is None:
        question = rules().sentence(kind, "question-count", **_says_values(requirement))
        return replace(_missing(requirement), question=question)
    drugs = {d for t in facts.received for d in t.drugs if _drug_is(d, value)}
    matched = facts.matching(facts.received, value)
    fact = f"prior_treatments: {', '.join(matched)}" if matched else "prior_treatments"
    if len(drugs) > count:
        return _check(
            requirement, FAIL, rules().sentence(kind, FAIL, matched=_join(matched, "and")), fact
        )
    if unsure := _history_unsure(requirement, facts, (value,)):
        question = rules().sentence(kind, "question-count", **_says_values(requirement))
        return replace(unsure, question=question)
    if matched:
        tail = rules().sentence(kind, "pass-count", matched=_join(matched, "and"))
        return _check(requirement, PASS, tail, fact)
    return _check(requirement, PASS, rules().sentence(kind, PASS), fact)


_CHECKERS: dict[str, Callable[[Requirement, _Facts], Check]] = {
    "age": _check_age,
    "sex": _check_sex,
    "disease-setting": _check_setting,
    "prior-lines": _check_lines,
    "prior-therapy-required": _check_prior_required,
    "prior-therapy-excluded": _check_prior_excluded,
    "refractory-required": _check_refractory,
    "biomarker-required": _check_markers,
    "biomarker-excluded": _check_markers,
    "ecog": _check_ecog,
    "brain-metastases": _check_brain,
    "measurable-disease": _check_measurable,
    "transplant": _check_transplant,
    "pregnancy": _check_pregnancy,
}


def check_disease(trial: Trial, profile: Profile) -> Check:
    """The check of the record's disease (its conditions, or titles) against the diagnosis."""
    return _disease_check(trial, _facts(profile))


def check_requirement(
    requirement: Requirement, profile: Profile, today: dt.date | None = None
) -> Check | None:
    """The check of one requirement against ``profile`` (None for a kind it has no rule for)."""
    facts = _facts(profile)
    if requirement.kind == "washout":
        return _check_washout(requirement, facts, today or dt.date.today())
    checker = _CHECKERS.get(requirement.kind)
    return checker(requirement, facts) if checker else None


# -- the verdict -------------------------------------------------------------------------------


def prescreen(
    trial: Trial, tags: Tags | None, profile: Profile, today: dt.date | None = None
) -> Fit:
    """The checks and the verdict for ``trial`` (with its ``tags``) and ``profile``."""
    facts = _facts(profile)
    today = today or dt.date.today()
    disease = _disease_check(trial, facts)
    if tags and disease.outcome == PASS:
        disease = _narrowed_by_the_criteria(disease, trial, tags.requirements, facts)
    if disease.outcome == PASS:
        disease = _by_risk_group(disease, trial, facts)
    checks = [disease, *asked_beside_the_disease(trial), *_record_checks(trial, tags, facts)]
    checks.extend(title_setting_checks(trial, profile))
    checks.extend(other_cancer_checks(trial, profile))
    checks.extend(surgery_checks(trial, profile))
    checks.extend(treatment_now_checks(trial))
    requirements, scoped = _by_scope(tags.requirements, trial) if tags else ((), ())
    if tags and (scoped or tags.scoped_requirements):
        scoped = (*scoped, *tags.scoped_requirements)
        requirements = (*requirements, *_for_this_disease(scoped, facts))
    checks.extend(_parts_for_other_diseases(requirements, trial, facts))
    requirements = tuple(r for r in requirements if not _of_another_disease(r, trial, facts))
    requirements = (*requirements, *title_requirements(trial, requirements))
    requirements = (*requirements, *adjuvant_requirements(trial, requirements))
    requirements = (*requirements, *title_treatments(trial, requirements))
    if tags:
        requirements = (*requirements, *title_markers(trial, tags, requirements))
    titled = tuple(
        dict.fromkeys(
            e.tag
            for e in (tags.evidence if tags else ())
            if e.kind == "setting" and e.source in _NAMING
        )
    )
    contradicted = _contradicted(
        requirements,
        tags.settings if tags else (),
        tuple(e.text for e in tags.evidence if e.kind == "setting") if tags else (),
    )
    untreated_too = _takes_the_untreated(trial.eligibility.criteria)
    checks.extend(_titled_course_checks(titled, requirements, facts, tags))
    contradicted |= _ages_against_the_record(trial, requirements)
    widened = _widened(requirements)
    for requirement in (*requirements, *washout_requirements(trial), *count_requirements(trial)):
        if requirement.kind == "washout":
            checks.append(_check_washout(requirement, facts, today))
            continue
        if requirement.rule == "more-than":
            checks.append(_check_count(requirement, facts))
            continue
        checker = _CHECKERS.get(requirement.kind)
        if checker is None or (requirement.kind == "sex" and requirement.rule == "any"):
            continue
        if requirement.kind == "pregnancy" and not _asked_of_pregnancy(profile):
            continue
        if requirement in contradicted:
            tail = rules().sentence(requirement.kind, "unknown-contradicted")
            checks.append(replace(_unknown(requirement, tail), question="", contradicted=True))
            continue
        if requirement.section == TITLE:
            title_checker = {
                "biomarker-required": _check_title_marker,
                "prior-therapy-required": _check_title_treatment,
            }.get(requirement.kind, _check_title_lines)
            checks.append(title_checker(requirement, facts))
            continue
        if requirement in widened:
            check = checker(requirement, facts)
            if check.outcome == FAIL:
                tail = rules().sentence(requirement.kind, "unknown-wider")
                check = replace(_unknown(requirement, tail), question="")
            checks.append(check)
            continue
        if requirement.kind == "disease-setting":
            requirement = as_worded(requirement, titled)
            if untreated_too and _for_treated_disease(requirement):
                check = checker(requirement, facts)
                if check.outcome == FAIL:
                    tail = rules().sentence(requirement.kind, "unknown-untreated")
                    check = _unknown(requirement, tail)
                checks.append(check)
                continue
        checks.append(checker(requirement, facts))
    # Every part the reader found rules for is a part, those whose rules all hold for other
    # diseases than the patient's too (they are left out above): its rules for everyone decide.
    read = (*tags.requirements, *tags.scoped_requirements) if tags else ()
    return verdict(tuple(checks), tuple(r.cohort for r in read if r.cohort))


TITLE = "title"  # the section of a requirement read from a title


def title_requirements(
    trial: Trial, requirements: Iterable[Requirement] = ()
) -> tuple[Requirement, ...]:
    """A rule of no earlier line of treatment read from a title that says the trial is for
    first-line treatment ("... for First-Line Treatment of Patients With Metastatic NSCLC") or
    for cancer not treated before ("... in Participants With Previously Untreated ..."),
    when none of ``requirements`` for everyone counts earlier lines or says whether treated
    disease is taken. Checked by :func:`_check_title_lines`: it never fails."""
    entry = rules().rules["prior-lines"]
    unless = {_value_key(v) for v in entry["title_unless"]}
    for r in requirements:
        if r.cohort or r.scope:
            continue
        if r.kind == "prior-lines" or (
            r.kind == "disease-setting" and {_value_key(v) for v in r.values} & unless
        ):
            return ()
    title, words = _first_line_title(trial.brief_title, trial.official_title)
    if not title:
        return ()
    return (Requirement("prior-lines", "at-most", (0, words), f"Title: {title}", TITLE),)


def adjuvant_requirements(
    trial: Trial, requirements: Iterable[Requirement] = ()
) -> tuple[Requirement, ...]:
    """A rule of cancer removed by surgery read from an inclusion criterion for everyone, or a
    title, that asks for treatment after that surgery ("endometrial cancer post hysterectomy
    requiring adjuvant (chemo)radiotherapy", NCT05857631; "Adjuvant Therapy for Biliary Tract
    Cancer After Resection", NCT06109779; "Post Mastectomy Radiotherapy", NCT02992574), when no
    requirement for everyone asks for a setting already (a stage, "M0" or "no M1", does not say
    it; see ``adjuvant_words`` in the data file)."""
    if any(
        r.kind == "disease-setting"
        and (r.rule, r.values) not in _STAGES
        and not r.cohort
        and not r.scope
        for r in requirements
    ):
        return ()
    entry = rules().rules["disease-setting"]
    adjuvant, neither, surgery = _adjuvant_words()
    refractory, _ = _setting_words()
    criteria = read_criteria(trial.eligibility.criteria)
    items = [i.text for i in criteria.inclusion() if not i.cohort]
    titles = [f"Title: {t}" for t in dict.fromkeys((trial.brief_title, trial.official_title)) if t]
    # A title for adjuvant treatment names the surgery when an inclusion criterion for everyone
    # asks for it ("... Adjuvant Radiotherapy in Breast Cancer" beside "Underwent curative intent
    # surgery for the breast cancer", NCT03788213).
    operated = any(surgery.search(text) for text in items)
    for text in (*items, *titles):
        if not adjuvant.search(text):
            continue
        if not surgery.search(text) and not (operated and text in titles):
            continue
        if neither.search(text) or refractory.search(text):
            continue
        value = entry["adjuvant_value"]
        return (Requirement("disease-setting", "any-of", (value,), text, "inclusion"),)
    return ()


# The stage rules of the reader ("all M0", "M1 patients"): they do not say whether the cancer
# was removed.
_STAGES = frozenset((rule, values) for _, rule, values in (NON_METASTATIC, METASTATIC_EXCLUDED))


@cache
def _adjuvant_words() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    entry = rules().rules["disease-setting"]
    adjuvant = re.compile(rf"(?<![\w(/-]){phrases_pattern(entry['adjuvant_words']).pattern}", re.I)
    return adjuvant, phrases_pattern(entry["adjuvant_not"]), phrases_pattern(entry["surgery_words"])


@lru_cache(maxsize=1024)
def _first_line_title(*titles: str) -> tuple[str, str]:
    """(the first of ``titles`` that says the trial is for first-line treatment or untreated
    cancer, its words as written), or ("", "")."""
    entry = rules().rules["prior-lines"]
    first = phrases_pattern(entry["title_first_line"])
    not_before = {w.lower() for w in entry["title_not_before"]}
    not_after = {w.lower() for w in entry["title_not_after"]}
    for title in titles:
        for match in first.finditer(title or ""):
            before = re.findall(r"[\w/-]+", title[: match.start()].lower())[-3:]
            after = re.findall(r"[\w/-]+", title[match.end() :].lower())[:1]
            beside = {*before[-1:], *after}
            if not_before.intersection(before) or not_after.intersection(beside):
                continue
            return title, match.group()
    return "", ""


def title_markers(
    trial: Trial, tags: Tags, requirements: Iterable[Requirement] = ()
) -> tuple[Requirement, ...]:
    """A rule for each marker the tags read in a title or condition as one the trial requires
    ("... in Participants With EGFR-Mutated, Advanced Nonsquamous NSCLC ..."), when no rule of
    ``requirements`` names the marker. Checked by :func:`_check_title_marker`: it never fails."""
    named = {
        read_marker(str(v)).name
        for r in (*requirements, *tags.requirements, *tags.scoped_requirements)
        if r.kind in ("biomarker-required", "biomarker-excluded")
        for v in r.values
    }
    not_with = phrases_pattern(rules().rules["biomarker-required"]["title_not_with"])
    excluded = {read_marker(m).name for m in tags.excluded_biomarkers}
    fields = {
        "title": f"Title: {trial.brief_title}",
        "official title": f"Title: {trial.official_title}",
        "condition": f"Conditions: {'; '.join(trial.conditions)}",
    }
    found: dict[str, str] = {}
    for evidence in tags.evidence:
        if evidence.kind != "biomarker" or evidence.source not in fields:
            continue
        if evidence.tag not in tags.biomarkers or evidence.tag in found:
            continue
        name = read_marker(evidence.tag).name
        if name in named or name in excluded or not_with.search(fields[evidence.source]):
            continue
        found[evidence.tag] = fields[evidence.source]
    return tuple(
        Requirement("biomarker-required", "title", (marker,), text, TITLE)
        for marker, text in found.items()
    )


def title_treatments(
    trial: Trial, requirements: Iterable[Requirement] = ()
) -> tuple[Requirement, ...]:
    """A rule of a treatment had before, read from a title that says the trial comes after it
    ("... Following Definitive Concurrent Chemoradiotherapy", NCT06129864; see ``title_after``
    in the data file), when no requirement for everyone names it. Checked by
    :func:`_check_title_treatment`: it never fails."""
    title, value = _title_treatment(trial.brief_title, trial.official_title)
    if not value:
        return ()
    for r in requirements:
        if (
            r.kind in ("prior-therapy-required", "refractory-required")
            and not r.cohort
            and any(_drug_is(str(v), value) or _drug_is(value, str(v)) for v in r.values)
        ):
            return ()
    return (Requirement("prior-therapy-required", "title", (value,), f"Title: {title}", TITLE),)


@lru_cache(maxsize=1024)
def _title_treatment(*titles: str) -> tuple[str, str]:
    """(the first of ``titles`` that says the trial comes after a treatment, the treatment)."""
    entry = rules().rules["prior-therapy-required"]
    after = phrases_pattern(entry["title_after"])
    within = int(entry["title_within"])
    for title in titles:
        for match in after.finditer(title or ""):
            following = title[match.end() : match.end() + within + 20]
            mentions = find_drugs(following)
            if mentions and mentions[0].start <= within:
                return title, mentions[0].value
    return "", ""


def _check_title_treatment(requirement: Requirement, facts: _Facts) -> Check:
    """A treatment a title says the trial comes after (rule "title"): had passes; anything else
    stays unknown."""
    r = rules()
    kind = requirement.kind
    value = str(requirement.values[0])
    question = r.sentence(kind, "question-title", **_says_values(requirement))
    matched = facts.matching(facts.received, value)
    if matched:
        fact = f"prior_treatments: {', '.join(matched)}"
        if long_enough := _for_some_time(requirement, matched, fact):
            return long_enough
        tail = r.sentence(kind, "pass-title", matched=_join(matched, "and"))
        return _check(requirement, PASS, tail, fact)
    if facts.received is None:
        return replace(_missing(requirement), question=question)
    tail = r.sentence(kind, "unknown-title")
    return _check(requirement, UNKNOWN, tail, "prior_treatments", question=question)


def _check_title_marker(requirement: Requirement, facts: _Facts) -> Check:
    """A marker a title names (rule "title"): as a criterion's, but a fail stays unknown."""
    check = _check_markers(requirement, facts)
    if check.outcome != FAIL:
        return check
    r = rules()
    kind = requirement.kind
    against = facts.markers.get(read_marker(str(requirement.values[0])).name, [])
    tail = r.sentence(kind, "unknown-title", against=_marker_names(against))
    question = r.sentence(kind, "question-title", **_says_values(requirement))
    return _check(requirement, UNKNOWN, tail, check.fact, question=question)


def _check_title_lines(requirement: Requirement, facts: _Facts) -> Check:
    """A first-line (or "previously untreated") title against the earlier lines: no line
    passes; lines, or none known, stay unknown (the criteria may take treatment of an earlier
    stage)."""
    r = rules()
    words = str(requirement.values[-1])
    says = r.says("prior-lines", "title", words=words)
    question = r.sentence("prior-lines", "question-title", words=words)
    lines = facts.lines
    if lines == 0:
        tail = r.sentence("prior-lines", "pass-title")
        return _check(requirement, PASS, tail, "prior_lines: 0", says=says)
    if lines is None:
        tail = r.sentence("prior-lines", "unknown")
        return _check(requirement, UNKNOWN, tail, question=question, says=says)
    had = f"{lines} {r.words['line'] if lines == 1 else r.words['lines']}"
    tail = r.sentence("prior-lines", "unknown-title", prior_lines=had)
    fact = f"prior_lines: {lines}"
    return _check(requirement, UNKNOWN, tail, fact, question=question, says=says)


def _by_scope(
    requirements: tuple[Requirement, ...], trial: Trial
) -> tuple[tuple[Requirement, ...], tuple[Requirement, ...]]:
    """(the requirements for everyone, those of an item limited to people with some diseases,
    with those diseases as their scope): a setting or marker read from "Pancreatic cancer:
    Recurrent/metastatic pancreatic cancer that has failed at least one prior systemic therapy"
    holds for people with pancreatic cancer only (NCT05438667)."""
    scopes = _scopes(trial.eligibility.criteria)
    if not scopes:
        return requirements, ()
    everyone: list[Requirement] = []
    scoped: list[Requirement] = []
    for requirement in requirements:
        scope = scopes.get((requirement.text, requirement.section, requirement.cohort))
        if scope and not requirement.scope:
            scoped.append(replace(requirement, scope=scope))
        else:
            everyone.append(requirement)
    return tuple(everyone), tuple(scoped)


@lru_cache(maxsize=1024)
def _scopes(criteria: str) -> dict[tuple[str, str, str], tuple[str, ...]]:
    return disease_scopes(read_criteria(criteria)) if criteria else {}


def _of_another_disease(requirement: Requirement, trial: Trial, facts: _Facts) -> bool:
    """Whether ``requirement``, of an inclusion criterion for everyone in a trial for several
    diseases, is read from a criterion that names only diseases unrelated to the patient's:
    "ER+/HER2- or triple-negative breast cancer" among the cancers NCT03983954 lists is no rule
    for a prostate cancer, nor the stage of "primary prostate cancer patients (T1-4N0M0)" of
    NCT05653063 one for a cervical cancer. With the diagnosis unknown it holds."""
    if requirement.section == EXCLUSION:
        return False
    if requirement.cohort or requirement.scope or len(trial_diseases(trial).included) < 2:
        return False
    diagnosis = facts.profile.diagnosis
    if diagnosis is None or not diagnosis.has_cancer:
        return False
    vocabulary = diseases()
    mine = [d for d in diagnosis.diseases if vocabulary.get(d).cancer]
    named = named_diseases(requirement.text)
    return bool(mine and named) and all(only_other_diseases(d, named) for d in mine)


def _narrowed_by_the_criteria(
    disease: Check, trial: Trial, requirements: tuple[Requirement, ...], facts: _Facts
) -> Check:
    """The check of a record whose conditions name only a broad group ("Solid Tumors") that
    the patient's disease is in, when its inclusion criteria name diseases of the group, none
    the patient's: NCT05419375 (a screening study whose every group is of NSCLC) "could fit" a
    breast cancer; NCT05099809 ("Locally Advanced Malignant Neoplasm"; "locally advanced head
    and neck cancers ..., cancer cervix ..., breast cancers, cancer oesophagus") a prostate
    cancer. Whether the trial takes it, its criteria say (unknown). The diseases are those the
    requirements read for everyone name, and those of the inclusion criteria for everyone."""
    vocabulary = diseases()
    assert facts.profile.diagnosis is not None
    mine = [d for d in facts.profile.diagnosis.diseases if vocabulary.get(d).cancer]
    included = trial_diseases(trial).included
    taking = [t for t in included for d in mine if vocabulary.relation(d, t) == SAME_OR_BROADER]
    if not mine or not all(_strictly_within(d, t) for t in taking for d in mine):
        return disease  # the conditions name the patient's disease itself
    named = {
        n
        for r in requirements
        if r.section != EXCLUSION and not r.scope
        for n in named_diseases(r.text)
    } | _inclusion_diseases(trial.eligibility.criteria)
    if not named or not all(any(_strictly_within(n, t) for t in taking) for n in named):
        return disease
    # (Not kin: a pancreatic cancer is no kind of the anorectal cancer a criterion names
    # because both are gastrointestinal; saying so asks, it does not exclude.)
    if any(vocabulary.relation(d, n) != UNRELATED for d in mine for n in named):
        return disease
    tail = rules().sentence("disease", "unknown-criteria", patient=_join(mine), named=_join(named))
    return replace(
        disease,
        outcome=UNKNOWN,
        reason=disease.reason.split("; ")[0] + f"; {tail}.",
        question=rules().question("disease", values=_join(named)),
    )


@lru_cache(maxsize=1024)
def _inclusion_diseases(criteria: str) -> frozenset[str]:
    """The diseases the inclusion criteria for everyone name, not to leave them out: read once
    per record, not once per profile."""
    return frozenset(
        n
        for item in read_criteria(criteria).items
        if item.section != EXCLUSION and not item.cohort and not rules().named_not.search(item.text)
        for n in named_diseases(item.text)
    )


def _fold_words(text: str) -> str:
    """``text`` in lower case, words apart, without hyphens, commas or brackets."""
    return " " + " ".join(re.split(r"[^a-z0-9]+", text.lower())).strip() + " "


def _phrases(phrases: Iterable[str]) -> str:
    return "|".join(re.escape(_fold_words(p).strip()) for p in sorted(phrases, key=len)[::-1])


@cache
def _risk_groups() -> tuple[tuple[str, re.Pattern[str], dict[str, Any]], ...]:
    """(disease, its words, {group: (trial, profile and clash patterns)}) of ``[risk_groups]``."""
    found = []
    for disease, entry in rules().risk_groups.items():
        words = re.compile(rf" (?:{_phrases(entry['disease_words'])}) ")
        scored = (
            rf"| (?:{_phrases(entry['score_words'])})(?: [a-z0-9]+){{0,{entry['gap']}}}? "
            if entry.get("score_words")
            else ""
        )
        groups = {
            name: (
                re.compile(
                    rf" (?:{_phrases(group['trial'])})((?: [a-z0-9]+){{0,{entry['gap']}}}?)"
                    rf" (?:{_phrases(entry['disease_words'])}) "
                    + (rf"{scored}(?:{_phrases(group['trial'])}) " if scored else "")
                ),
                re.compile(rf" (?:{_phrases(group['profile'])}) "),
                re.compile(rf" (?:{_phrases(group['clash'])}) ") if group["clash"] else None,
                entry["gap"],
            )
            for name, group in entry["groups"].items()
        }
        found.append((disease, words, groups))
    return tuple(found)


def _trial_risk_groups(trial: Trial, groups: dict[str, Any]) -> set[str]:
    """The risk groups the record names right before the disease's name, in its titles,
    conditions, keywords or inclusion criteria (of a trial that names no parts: a group one
    part asks for is not asked of the others)."""
    criteria = read_criteria(trial.eligibility.criteria)
    items = () if criteria.cohorts else tuple(i.text for i in criteria.inclusion())
    texts = (trial.brief_title, trial.official_title, *trial.conditions, *trial.keywords, *items)
    named: set[str] = set()
    for text in texts:
        folded = _fold_words(text or "")
        for name, (written, _, clash, gap) in groups.items():
            for match in written.finditer(folded):
                before = " " + " ".join(folded[: match.start()].split()[-gap:]) + " "
                if clash is not None and clash.search(before):
                    named.update(groups)  # "very low, low, intermediate, high or very high"
                else:
                    named.add(name)
    return named


def _by_risk_group(disease: Check, trial: Trial, facts: _Facts) -> Check:
    """The disease check of a trial for one risk group of the patient's disease ("lower-risk
    MDS", NCT05949684): a profile of another group fails, one that names none is asked."""
    diagnosis = facts.profile.diagnosis
    if diagnosis is None:
        return disease
    vocabulary = diseases()
    for name, _, groups in _risk_groups():
        if not any(vocabulary.relation(d, name) == SAME_OR_BROADER for d in diagnosis.diseases):
            continue
        named = _trial_risk_groups(trial, groups)
        if not named or named == set(groups):
            continue
        clauses = _clauses_about(diagnosis.text, name)
        mine = [
            g
            for g, (_, written, _, _) in groups.items()
            if any(written.search(clause) for clause in clauses)
        ]
        if not mine and rules().risk_groups[name].get("ask_unnamed", True) is False:
            return disease  # (the trial's own score decides)
        group = _join([g for g in groups if g in named], "or")
        values = {"group": group, "disease": name, "mine": _join(mine, "or")}
        inside = [g for g in mine if g in named]
        # a profile in one of the groups passes, in none fails; partly inside them, asked
        outcome = UNKNOWN if not mine else FAIL if not inside else PASS
        if inside and len(inside) < len(mine):
            outcome = UNKNOWN
        said = rules().says("disease", "group", **values)
        tail = rules().sentence("disease", f"{outcome}-group", **values)
        question = rules().sentence("disease", "question-group", **values)
        return replace(
            disease,
            outcome=outcome,
            permanent=True,
            reason=f"{said}; {tail}.",
            question=question if outcome == UNKNOWN else "",
        )
    return disease


@lru_cache(maxsize=64)  # (of the profile's diagnosis: read once, not once per trial)
def _clauses_about(text: str, disease: str) -> tuple[str, ...]:
    """The clauses of a diagnosis (folded) that may speak of ``disease``: each clause speaks of
    the diseases it names, or else of those the clause before it in its part named ("prostate
    cancer, low risk"; "low-risk prostate cancer"); those of diseases all unrelated to
    ``disease`` are left out, so a risk group of another cancer is not the MDS's."""
    vocabulary = diseases()
    kept = []
    for part in re.split(r";|\bnow\b", text, flags=re.IGNORECASE):
        owner: list[str] = []
        for clause in re.split(r"[,()]", part):
            named, _ = vocabulary.find(clause)
            owner = list(named) or owner
            if owner and all(
                vocabulary.relation(d, disease) == UNRELATED == vocabulary.relation(disease, d)
                for d in owner
            ):
                continue
            kept.append(_fold_words(clause))
    return tuple(kept)


def _parts_for_other_diseases(
    requirements: tuple[Requirement, ...], trial: Trial, facts: _Facts
) -> list[Check]:
    """A fail for each part of a trial for several diseases whose inclusion criteria name
    diseases, all unrelated to the patient's: "Patients with relapsed / refractory AML ... or
    ... MDS" of Parts 2A and 2B of NCT05607199 (solid tumours, AML, MDS and lymphoma) is no part
    for a cervical cancer, whatever else those criteria ask; or leave the patient's out
    ("Cohort 7: ... excluding ... non-small cell lung cancer", NCT04482309)."""
    diagnosis = facts.profile.diagnosis
    if diagnosis is None or not diagnosis.has_cancer or len(trial_diseases(trial).included) < 2:
        return []
    vocabulary = diseases()
    mine = [d for d in diagnosis.diseases if vocabulary.get(d).cancer]
    if not mine:
        return []
    named: dict[str, list[tuple[Requirement, tuple[str, ...]]]] = {}
    examples = rules().examples
    failed = []
    left_out_of: set[str] = set()  # the parts that leave the patient's disease out
    for requirement in requirements:
        if not requirement.cohort or requirement.section == EXCLUSION:
            continue
        if found := named_diseases(requirement.text):
            named.setdefault(requirement.cohort, []).append((requirement, found))
        left_out = [
            n
            for clause in _CLAUSES.split(requirement.text)  # ("(excluding breast ...). NSCLC")
            for n in vocabulary.find(clause)[1]
            if not vocabulary.get(n).general
            and any(vocabulary.relation(d, n) == SAME_OR_BROADER for d in mine)
        ]
        if left_out and requirement.cohort not in left_out_of:
            left_out_of.add(requirement.cohort)
            part = replace(requirement, kind="disease", rule="part", values=tuple(left_out))
            says = rules().says("disease", "part-left-out", values=_join(left_out))
            tail = rules().sentence("disease", "fail", patient=_join(mine))
            fact = f"diagnosis: {diagnosis.text}"
            failed.append(_check(part, FAIL, tail, fact, permanent=True, says=says))
    for cohort, items in named.items():
        if cohort in left_out_of:
            continue
        if any(examples.search(r.text) for r, _ in items):
            continue  # "GI tumors (e.g., PDAC, CRC, and BTC)": others may be meant
        if all(
            vocabulary.relation(d, n) == UNRELATED and not kin(d, n)
            for _, found in items
            for d in mine
            for n in found
        ):
            first, found = items[0]
            requirement = replace(first, kind="disease", rule="part", values=found)
            says = rules().says("disease", "part", values=_join(found))
            tail = rules().sentence("disease", "fail", patient=_join(mine))
            fact = f"diagnosis: {diagnosis.text}"
            failed.append(_check(requirement, FAIL, tail, fact, permanent=True, says=says))
    return failed


_CLAUSES = re.compile(r"[.;)\n]")  # where what "excluding" leaves out ends


@lru_cache(maxsize=4096)
def _for_this_disease(scoped: tuple[Requirement, ...], facts: _Facts) -> tuple[Requirement, ...]:
    """The requirements of criteria limited to some diseases ("solid tumor patients must ...")
    that hold for this patient: the diagnosis is one of those diseases, or within one. With the
    diagnosis unknown, or another disease, they are left out (unknown never excludes)."""
    diagnosis = facts.profile.diagnosis
    if diagnosis is None or not diagnosis.has_cancer:
        return ()
    vocabulary = diseases()
    mine = [d for d in diagnosis.diseases if vocabulary.get(d).cancer]
    return tuple(
        r
        for r in scoped
        if any(vocabulary.relation(d, s) == SAME_OR_BROADER for d in mine for s in r.scope)
    )


def _ages_against_the_record(
    trial: Trial, requirements: tuple[Requirement, ...]
) -> frozenset[Requirement]:
    """The age rules read from the criteria, when the record's own age fields set no limit:
    the record then says people of any age may join, and a band among its criteria may be a
    group's or a side study's (NCT03067181: '>= 11 and < 25 years old' for a pilot study of a
    trial with no age limit for its low-risk stratum)."""
    elig = trial.eligibility
    if elig.min_age_years is not None or elig.max_age_years is not None:
        return frozenset()
    return frozenset(r for r in requirements if r.kind == "age")


def _widened(requirements: tuple[Requirement, ...]) -> frozenset[Requirement]:
    """The limits another limit of the same kind, for the same people, allows more than ("ECOG
    0 or 1" beside "ECOG 0, 1 or 2", NCT05419375): those of groups the criteria name in ways
    not read as parts of the trial. Only for the kinds whose rule has an `unknown-wider`
    sentence; failing such a limit leaves it to the trial team."""
    kinds = {kind for kind, rule in rules().rules.items() if "unknown-wider" in rule}
    limits = [r for r in requirements if r.kind in kinds and r.section != TITLE]
    return frozenset(r for r in limits if any(o.rule == r.rule and narrower(r, o) for o in limits))


def _contradicted(
    requirements: tuple[Requirement, ...], settings: tuple[str, ...], said: tuple[str, ...] = ()
) -> frozenset[Requirement]:
    """The requirements the record itself contradicts (see ``data/prescreen.toml``): a
    setting ruled out that another criterion (of the same part, or of everyone) requires or
    that the tags found in the titles, conditions or inclusion criteria (and the requirement
    for it, unless the tags name it too); a marker both required and excluded; no earlier
    line at all where the record asks for refractory or resistant disease (of the same part,
    or in its titles): "no treatment for metastatic disease" then means no other one; unless
    that disease is said of adjuvant treatment only ("Resistance to prior adjuvant endocrine
    therapy", NCT06065748: the texts the tags read the settings in are ``said``) and the rule
    of no earlier line is of advanced disease only (``advanced_words``)."""
    found: set[Requirement] = set()
    named = {_value_key(s) for s in settings}
    by_kind: dict[str, list[Requirement]] = {}
    for requirement in requirements:
        by_kind.setdefault(requirement.kind, []).append(requirement)
    for ruled_out in by_kind.get("disease-setting", ()):
        if ruled_out.rule != "none-of":
            continue
        values = {_value_key(v) for v in ruled_out.values}
        if values & named:
            found.add(ruled_out)
        for wanted in by_kind.get("disease-setting", ()):
            required = {_value_key(v) for v in wanted.values}
            if wanted.rule == "any-of" and _same_part(wanted, ruled_out) and values & required:
                found.add(ruled_out)
                if not required & named:  # the record names no such setting elsewhere
                    found.add(wanted)
    treated = {"refractory", "resistant"}
    for lines in by_kind.get("prior-lines", ()):
        if lines.values != (0,):
            continue
        asking = [
            wanted
            for wanted in by_kind.get("disease-setting", ())
            if wanted.rule == "any-of"
            and _same_part(wanted, lines)
            and {_value_key(v) for v in wanted.values} & treated
        ]
        if not (named & treated or asking):
            continue
        texts = [*(said if named & treated else ()), *(w.text for w in asking)]
        if not texts or not _advanced_only(lines.text) or not all(map(_adjuvant_only, texts)):
            found.add(lines)
    for wanted in by_kind.get("biomarker-required", ()):
        for excluded in by_kind.get("biomarker-excluded", ()):
            keys = {_value_key(v) for v in wanted.values}
            if _same_part(wanted, excluded) and keys & {_value_key(v) for v in excluded.values}:
                found.update((wanted, excluded))
    return frozenset(found)


def _advanced_only(text: str) -> bool:
    """Whether a rule of no earlier line speaks of advanced disease only ("No prior systemic
    therapy for advanced disease")."""
    return _advanced_words().search(text) is not None


@cache
def _advanced_words() -> re.Pattern[str]:
    return phrases_pattern(rules().rules["prior-lines"]["advanced_words"])


def _adjuvant_only(text: str) -> bool:
    """Whether a text that asks for treated disease speaks of adjuvant treatment ("Resistance
    to prior adjuvant endocrine therapy"), not of treatment before surgery."""
    adjuvant, neither, _ = _adjuvant_words()
    return adjuvant.search(text) is not None and neither.search(text) is None


_TREATED = frozenset({"refractory", "relapsed", "resistant", "recurrent", "previously-treated"})


def _for_treated_disease(requirement: Requirement) -> bool:
    """A setting of treated disease required of everyone ("refractory", "previously treated")."""
    return (
        requirement.rule in ("any-of", "record")
        and not requirement.cohort
        and bool({_value_key(v) for v in requirement.values} & _TREATED)
    )


@lru_cache(maxsize=1024)
def _takes_the_untreated(criteria: str) -> bool:
    """Whether an inclusion criterion for everyone lets in people never treated ("Treatment-
    naïve patients will be eligible only if they refused standard treatment", see
    ``naive_words`` in the data file)."""
    entry = rules().rules["disease-setting"]
    naive = phrases_pattern(entry["naive_words"])
    if not criteria or not naive.search(criteria):
        return False
    eligible = phrases_pattern(entry["eligible_words"])
    not_eligible = phrases_pattern(entry["not_eligible_words"])
    return any(
        item.section != EXCLUSION
        and not item.cohort
        and naive.search(item.text)
        and eligible.search(item.text)
        and not not_eligible.search(item.text)
        for item in read_criteria(criteria).items
    )


def _same_part(one: Requirement, other: Requirement) -> bool:
    return not one.cohort or not other.cohort or one.cohort == other.cohort


def verdict(checks: tuple[Check, ...], parts_read: tuple[str, ...] = ()) -> Fit:
    """The :class:`Fit` of these checks, part by part (see the module docstring): the parts
    the checks name, and ``parts_read``, those of the trial's rules that gave no check."""
    r = rules()
    parts = _parts([c.cohort for c in checks if c.cohort] + list(parts_read))
    outcomes = []
    for name, applies in parts:
        own = [c for c in checks if applies(c.cohort)]
        outcomes.append((name, _part_fit(own), own))
    best = min(outcomes, key=lambda o: rank(o[1]))
    _, fit, own = best
    named = len(parts) > 1 or parts[0][0] != ""
    fitting = tuple(n for n, f, _ in outcomes if f not in (EXCLUDED, NOT_YET) and n)
    # Parts named by their step ("MTD dose expansion" beside "Dose escalation and MTD
    # expansion", "Esophageal cohort expansion") may be one part named twice, and whom such a
    # part is for is not read: when one of them rules the person out or asks what the profile
    # does not say, whether another lets them in is left to the trial team.
    by_step = fit == POSSIBLE and any(
        named_by_step(name) and part_fit != POSSIBLE for name, part_fit, _ in outcomes
    )
    if by_step:
        fit, fitting = CHECK, ()
    if fit in (EXCLUDED, NOT_YET):
        failed = next(c for c in own if c.outcome == FAIL)
        template = r.verdict[
            ("excluded-cohorts" if named else "excluded") + ("-wait" if fit == NOT_YET else "")
        ]
        reason = _fill(template, {"reason": failed.reason})
        questions: tuple[str, ...] = ()
    else:
        key = [c for c in own if r.is_key(c) and not c.contradicted]
        names = r.words["fact-names"]
        if fit == POSSIBLE:
            passed = list(dict.fromkeys(names.get(c.rule, c.rule) for c in key))
            fits = "fit" if len(passed) > 1 else "fits"
            reason = _fill(r.verdict["possible"], {"facts": _join(passed, "and"), "fit": fits})
        else:
            # What a rule asks that is no fact of the profile ("whether you are having the
            # operation") is said so, not as the fact its kind reads.
            asked = r.words["asked-names"]
            unsure = [c for c in key if c.outcome == UNKNOWN]
            phrases = list(dict.fromkeys(asked.get(f"{c.rule} {c.asks}", "") for c in unsure))
            unknown = list(
                dict.fromkeys(
                    names.get(c.rule, c.rule) for c in unsure if f"{c.rule} {c.asks}" not in asked
                )
            )
            facts = [f"your {unknown[0]}", *unknown[1:]] if unknown else []
            facts += [p for p in phrases if p]
            if by_step:
                reason = r.verdict["check-parts"]
            elif facts:
                reason = _fill(r.verdict["check"], {"facts": _join(facts, "and")})
            else:
                reason = r.verdict["check-nothing"]
        ordered = sorted(
            (c for c in own if c.outcome == UNKNOWN and c.question), key=lambda c: not r.is_key(c)
        )
        questions = tuple(dict.fromkeys(c.question for c in ordered))
        if named and fitting:
            reason += ". " + _fill(r.verdict["fits-cohorts"], {"cohorts": ", ".join(fitting)})
    return Fit(fit, reason, checks, questions, fitting)


def _part_fit(checks: list[Check]) -> str:
    failed = [c for c in checks if c.outcome == FAIL]
    if failed:
        # only a time since the last treatment (``wait_rules``): not yet, rather than not for you
        waits = rules().verdict_wait_rules
        return NOT_YET if all(c.rule in waits for c in failed) else EXCLUDED
    r = rules()
    key = [c for c in checks if r.is_key(c) and not c.contradicted]
    disease = [c for c in key if c.rule == "disease"]
    if disease and all(c.outcome == PASS for c in key):
        return POSSIBLE
    return CHECK


# -- parts of a trial ------------------------------------------------------------------------------


def _parts(cohorts: list[str]) -> list[tuple[str, Callable[[str], bool]]]:
    """The parts of a trial: (name, which checks hold in it, by their cohort)."""
    named = list(dict.fromkeys(cohorts))
    if not named:
        return [("", lambda cohort: True)]
    labels = {c: cohort_label(c) for c in named}
    atomic = [c for c in named if len(labels[c][1]) <= 1]
    # A label covering several ("Parts 1 AND 2") holds in each part it names.
    covering = [c for c in named if len(labels[c][1]) > 1]
    for cover in covering:
        word, ids = labels[cover]
        for ident in ids:
            name = f"{word.capitalize()} {ident.upper()}"
            if not any(labels[a] == (word, (ident,)) for a in atomic):
                atomic.append(name)
                labels[name] = (word, (ident,))

    def holds(part: str) -> Callable[[str], bool]:
        word, ids = labels[part]

        def applies(cohort: str) -> bool:
            if not cohort or cohort == part:
                return True
            their_word, their_ids = labels.get(cohort) or cohort_label(cohort)
            return their_word == word and bool(ids) and set(ids) <= set(their_ids)

        return applies

    parts = [(name, holds(name)) for name in atomic]
    words = {labels[a][0] for a in atomic}
    if len(atomic) < 2 or len(words) > 1:
        parts.append(("", lambda cohort: not cohort))  # parts the criteria do not name
    return parts
