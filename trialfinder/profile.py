"""A patient profile: the facts a patient or navigator knows, read from a TOML file and checked.

Every key is optional (``data/profile_template.toml`` is the commented example). A broken file
is one :class:`~trialfinder.validation.InvalidConfig` naming every problem with its line and key
(a did-you-mean for keys and for values chosen from a list). Names trialfinder does not know
(a drug, a marker, a diagnosis) are warnings, not errors: the checks that need them stay
unknown. Drug names resolve through the lexicon ("Velcade" is bortezomib), regimens through
``data/prescreen.toml`` ("R-CHOP"), the diagnosis through ``data/diseases.toml``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from trialfinder.diseases import Diagnosis, read_diagnosis
from trialfinder.errors import ConfigError
from trialfinder.knowledge import data_text, load_toml, phrases_pattern
from trialfinder.tagging.drug_classes import DRUG_CATEGORIES, Mention, drug_classes, find_drugs
from trialfinder.tagging.lexicon import knowledge
from trialfinder.tagging.text import name_key
from trialfinder.validation import Checker, InvalidConfig, KeyLines, Problem, parse_toml

# warn(key, message, needle): a name the profile uses that trialfinder does not know.
Warn = Callable[[str, str, str], None]

KEYS = (
    "age",
    "sex",
    "diagnosis",
    "setting",
    "prior_lines",
    "prior_treatments",
    "refractory_to",
    "biomarkers",
    "ecog",
    "karnofsky",
    "brain_metastases",
    "measurable_disease",
    "last_treatment",
    "pregnant",
    "breastfeeding",
)
SEXES = ("female", "male")
BRAIN_METASTASES = ("none", "treated-stable", "active")
MAX_LINES = 30
TEMPLATE_FILE = "profile_template.toml"


@dataclass(frozen=True)
class Treatment:
    """One entry of ``prior_treatments`` or ``refractory_to``, resolved."""

    written: str
    drugs: tuple[str, ...] = ()  # generic drug names, class names or regimen names
    transplant: str | None = None  # "autologous", "allogeneic" or "any"
    radiation: bool = False
    surgery: bool = False
    other: bool = False  # a medicine not counted as a cancer treatment (dexamethasone, metformin)
    stem_only: bool = False  # a drug known only by its name stem ("-tamab"): its class is not
    unread: tuple[str, ...] = ()  # words of the entry that name nothing known ("carbo" alone)
    not_given: str = ""  # the words saying it was not given ("declined"): no treatment received

    @property
    def known(self) -> bool:
        if self.stem_only or self.not_given:
            return False
        return bool(self.drugs or self.transplant or self.radiation or self.surgery or self.other)


@dataclass(frozen=True)
class Marker:
    """One entry of ``biomarkers``: "KRAS G12C", "EGFR negative", "PD-L1 50%"."""

    written: str
    name: str  # as trialfinder names the marker ("KRAS", "HR+"), or as written when unknown
    variant: str = ""  # "G12C", "exon 19", "1" (of BRCA1); "" for the marker as a whole
    positive: bool = True
    level: str = ""  # "50%", "CPS 15"
    known: bool = True
    part: str = ""  # for a marker standing for several, which one was written ("ER" of HR+)
    source: str = ""  # the test that found it, as written ("germline", "ctDNA"); "" if not said

    @property
    def only_one_test(self) -> bool:
        """A negative result of one test ("germline BRCA negative"): another may still find
        the marker, so it answers nothing."""
        return bool(self.source) and not self.positive


@dataclass(frozen=True)
class Profile:
    """The facts of one profile file; ``None`` where the file does not say."""

    source: str = "<profile>"
    age: int | None = None
    sex: str | None = None
    diagnosis: Diagnosis | None = None
    setting: tuple[str, ...] | None = None  # canonical names (data/prescreen.toml [setting])
    prior_lines: int | None = None
    prior_treatments: tuple[Treatment, ...] | None = None
    refractory_to: tuple[Treatment, ...] | None = None
    biomarkers: tuple[Marker, ...] | None = None
    ecog: int | None = None
    karnofsky: int | None = None  # Karnofsky (or Lansky) score, 0 to 100 in steps of 10
    brain_metastases: str | None = None
    measurable_disease: bool | None = None
    last_treatment: dt.date | None = None
    pregnant: bool | None = None
    breastfeeding: bool | None = None
    warnings: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return Path(self.source).name

    def received(self) -> tuple[Treatment, ...] | None:
        """Every treatment received: the history and what the cancer was refractory to."""
        if self.prior_treatments is None and self.refractory_to is None:
            return None
        return (*(self.prior_treatments or ()), *(self.refractory_to or ()))


def describe(profile: Profile) -> list[str]:
    """One line per fact, as the prescreen reads it (for ``trialfinder profile check``)."""
    lines: list[str] = []
    if profile.age is not None:
        lines.append(f"age: {profile.age}")
    if profile.sex is not None:
        lines.append(f"sex: {profile.sex}")
    if profile.diagnosis is not None:
        diagnosis = profile.diagnosis
        if diagnosis.healthy:
            read = "no disease (a healthy volunteer)"
        elif diagnosis.not_diagnosed:
            read = "nothing diagnosed yet"
        elif diagnosis.cancer_free:
            read = "no cancer"
        else:
            read = ", ".join(diagnosis.diseases) or "not recognised"
        named = settings_in(diagnosis.text)
        also = f"; settings it names: {', '.join(named)}" if named else ""
        lines.append(f"diagnosis: {diagnosis.text} (read as: {read}{also})")
    if profile.setting is not None:
        lines.append(f"setting: {', '.join(profile.setting) or 'none given'}")
    if profile.prior_lines is not None:
        lines.append(f"prior lines: {profile.prior_lines}")
    for key, treatments in (
        ("prior treatments", profile.prior_treatments),
        ("refractory to", profile.refractory_to),
    ):
        if treatments is not None:
            lines.append(f"{key}: {'; '.join(_treatment_text(t) for t in treatments) or 'none'}")
    if profile.biomarkers is not None:
        lines.append(
            f"biomarkers: {'; '.join(_marker_text(m) for m in profile.biomarkers) or 'none'}"
        )
    if profile.ecog is not None:
        lines.append(f"ECOG: {profile.ecog}")
    if profile.karnofsky is not None:
        lines.append(f"Karnofsky: {profile.karnofsky}")
    if profile.brain_metastases is not None:
        lines.append(f"brain metastases: {profile.brain_metastases}")
    if profile.measurable_disease is not None:
        lines.append(f"measurable disease: {'yes' if profile.measurable_disease else 'no'}")
    if profile.last_treatment is not None:
        lines.append(f"last treatment: {profile.last_treatment.isoformat()}")
    for state in ("pregnant", "breastfeeding"):
        if (said := getattr(profile, state)) is not None:
            lines.append(f"{state}: {'yes' if said else 'no'}")
    return lines or ["no facts: every check will be unknown"]


def _treatment_text(treatment: Treatment) -> str:
    if treatment.transplant:
        return f"{treatment.written} = a stem cell transplant ({treatment.transplant})"
    if not treatment.known:
        return f"{treatment.written} = not known"
    if treatment.drugs and [treatment.written.lower()] != [d.lower() for d in treatment.drugs]:
        unread = f" ({', '.join(treatment.unread)}: not known)" if treatment.unread else ""
        return f"{treatment.written} = {', '.join(treatment.drugs)}{unread}"
    if treatment.radiation and not treatment.drugs:
        return f"{treatment.written} = radiation"
    if treatment.surgery:
        return f"{treatment.written} = surgery"
    if treatment.other:
        return f"{treatment.written} = not counted as a cancer treatment"
    return treatment.written


def _marker_text(marker: Marker) -> str:
    if not marker.known:
        return f"{marker.written} = not known"
    if marker.only_one_test:  # "ctDNA EGFR negative": another test may still find it
        name = _marker_name_text(marker)
        return (
            f"{marker.written} = {name} negative in one test ({marker.source}) only: read as "
            "unknown, since another test may still find it"
        )
    parts = _marker_rules()["negative_needs_all"].get(marker.name, [])
    if not marker.positive and marker.part in parts:
        # "ER negative" alone does not make HR+ negative: PR may be positive
        every = " and ".join(parts)
        note = f"{marker.name} is negative only when {every} both are"
        return f"{marker.written} = {marker.part} negative ({note})"
    name = _marker_name_text(marker)
    status = "positive" if marker.positive else "negative"
    level = f", {marker.level}" if marker.level else ""
    source = f" ({marker.source})" if marker.source else ""
    return f"{marker.written} = {name} {status}{level}{source}"


def _marker_name_text(marker: Marker) -> str:
    # A number written onto the name stays on it ("BRCA2"); a variant follows it ("KRAS G12C").
    joined = marker.variant.isdigit() and marker.name[-1:].isalpha()
    return marker.name + marker.variant if joined else f"{marker.name} {marker.variant}".strip()


# -- reading the file --------------------------------------------------------------------------


def template() -> str:
    """The commented example profile that ``trialfinder profile new`` writes."""
    return data_text(TEMPLATE_FILE)


def load_profile(path: str | Path) -> Profile:
    """Read and check the profile at ``path``; raises :class:`InvalidConfig` (every problem)
    or :class:`ConfigError` (no such file)."""
    path = Path(path).expanduser()
    try:
        text = path.read_text(encoding="utf-8-sig")  # (a byte-order mark, as Notepad writes)
    except FileNotFoundError:
        raise ConfigError(f"profile file {str(path)!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read profile file {str(path)!r}: {exc}") from None
    return parse_profile(text, path)


def parse_profile(text: str, path: str | Path = "<profile>") -> Profile:
    """The profile in TOML ``text`` (``path`` names it in messages)."""
    hint = f"run `trialfinder profile check {path}` to see every problem"
    return profile_from_table(parse_toml(text, path, hint), path, KeyLines(text), hint)


def profile_from_table(
    data: dict[str, Any],
    path: str | Path = "<profile>",
    lines: KeyLines | None = None,
    hint: str | None = None,
) -> Profile:
    """The profile of parsed TOML ``data`` (``lines``: where its keys are written)."""
    lines = lines or KeyLines("")
    checker = Checker(lines)
    warnings: list[Problem] = []
    profile = _read(data, checker, lines, warnings, str(path))
    if checker.problems:
        raise InvalidConfig(path, checker.sorted_problems(), hint)
    ordered = sorted(warnings, key=lambda p: p.line or 0)
    return replace(profile, warnings=tuple(w.describe(path) for w in ordered))


MAX_DIAGNOSIS_CHARS = 1_000


def _read(
    data: dict[str, Any], c: Checker, lines: KeyLines, warnings: list[Problem], source: str
) -> Profile:
    c.unknown_keys(data, (), KEYS)

    def warn(key: str, message: str, needle: str = "") -> None:
        warnings.append(Problem(lines.find((key,), needle), key, message))

    age = _number(c, data, "age", "an age in years", 0, 120)
    sex = data.get("sex")
    if isinstance(sex, str):
        data = {**data, "sex": sex.strip().lower()}
    sex = c.choice(data, (), "sex", SEXES, '"female" or "male"')
    diagnosis = None
    written = c.get(data, (), "diagnosis", str, "the diagnosis, in words")
    if written is not None:
        if not written.strip():
            c.problem(("diagnosis",), "write the diagnosis in words, or leave the key out")
        elif len(written) > MAX_DIAGNOSIS_CHARS:
            # (reading is not linear in the length: 80,000 characters took a minute)
            c.problem(
                ("diagnosis",),
                f"{len(written):,} characters is too long: write the diagnosis in a sentence or"
                f" two ({MAX_DIAGNOSIS_CHARS:,} characters at most)",
            )
        else:
            diagnosis = read_diagnosis(" ".join(written.split()))
            for name, meanings in diagnosis.ambiguous:
                read = (
                    "read as a cancer of a kind not known"
                    if "cancer" in diagnosis.diseases
                    else "not read"
                )
                warn(
                    "diagnosis",
                    f"{name!r} may mean {meanings}, so it is {read}; write the disease's name",
                    name,
                )
            if not diagnosis.known:
                warn(
                    "diagnosis",
                    f"{written!r} names no disease trialfinder knows; the checks of the "
                    "disease stay unknown",
                )
    setting = _settings(c, data)
    prior_lines = _number(c, data, "prior_lines", "a number of lines", 0, MAX_LINES)
    prior = _treatments(c, data, "prior_treatments", warn)
    refractory = _treatments(c, data, "refractory_to", warn)
    if prior is not None and refractory:
        for treatment in refractory:
            if treatment.known and not any(_same(treatment, p) for p in prior):
                warn(
                    "refractory_to",
                    f"{treatment.written!r} is not in prior_treatments; it is counted as received",
                    treatment.written,
                )
    markers = _markers(c, data, warn)
    ecog = _number(c, data, "ecog", "an ECOG score", 0, 4)
    karnofsky = _number(c, data, "karnofsky", "a Karnofsky score", 0, 100)
    if karnofsky is not None and karnofsky % 10:
        c.problem(("karnofsky",), f"{karnofsky} is not a Karnofsky score: they go in steps of 10")
        karnofsky = None
    brain = data.get("brain_metastases")
    if isinstance(brain, str):
        data = {**data, "brain_metastases": brain.strip().lower()}
    brain = c.choice(
        data, (), "brain_metastases", BRAIN_METASTASES, "none, treated-stable or active"
    )
    measurable = c.get(data, (), "measurable_disease", bool, "true or false")
    pregnant = c.get(data, (), "pregnant", bool, "true or false")
    breastfeeding = c.get(data, (), "breastfeeding", bool, "true or false")
    if written is not None:  # ("cervical cancer, 20 weeks pregnant")
        said = states_in(written)
        pregnant = said.get("pregnant") if pregnant is None else pregnant
        breastfeeding = said.get("breastfeeding") if breastfeeding is None else breastfeeding
    last = _date(c, data, "last_treatment")
    if last is not None and last > dt.date.today():
        # (a washout counted from a date to come would rule the patient out for nothing)
        c.problem(("last_treatment",), f"{last.isoformat()} is in the future: give the date of "
                  "your last treatment so far")  # fmt: skip
        last = None
    return Profile(
        source=source,
        age=age,
        sex=sex,
        diagnosis=diagnosis,
        setting=setting,
        prior_lines=prior_lines,
        prior_treatments=prior,
        refractory_to=refractory,
        biomarkers=markers,
        ecog=ecog,
        karnofsky=karnofsky,
        brain_metastases=brain,
        measurable_disease=measurable,
        last_treatment=last,
        pregnant=pregnant,
        breastfeeding=breastfeeding,
    )


def _number(
    c: Checker, data: dict[str, Any], key: str, what: str, low: int, high: int
) -> int | None:
    value: int | None = c.get(data, (), key, int, what)
    if value is not None and not low <= value <= high:
        c.problem((key,), f"{value} is out of range: write {what}, {low} to {high}")
        return None
    return value


def _date(c: Checker, data: dict[str, Any], key: str) -> dt.date | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    c.problem((key,), f"{value!r} is not a date: write it as 2026-10-20 (year-month-day)")
    return None


def _strings(c: Checker, data: dict[str, Any], key: str, what: str) -> tuple[str, ...] | None:
    if key not in data:
        return None
    value = data[key]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        c.problem((key,), f"expected {what}, a list of names in quotes")
        return None
    return tuple(" ".join(v.split()) for v in value if v.strip())


# -- settings ----------------------------------------------------------------------------------


def _settings(c: Checker, data: dict[str, Any]) -> tuple[str, ...] | None:
    written = _strings(c, data, "setting", "disease settings")
    if written is None:
        return None
    words = setting_words()
    found: list[str] = []
    for value in written:
        name = words.get(_key(value))
        if name is None:
            choices = sorted({w for w in words_as_written()})
            c.problem(
                ("setting",),
                f"{value!r} is not a setting trialfinder knows ({_did_you_mean(value, choices)})",
                line=c.key_lines.find(("setting",), value),
            )
            continue
        found.append(name)
    return tuple(dict.fromkeys(found))


def states_in(text: str) -> dict[str, bool]:
    """Whether a free text says the person is pregnant or breastfeeding ("20 weeks pregnant":
    ``{"pregnant": True}``; "not pregnant": ``False``), by ``[states]`` of prescreen.toml: only
    in a clause of nothing else."""
    table = load_toml("prescreen.toml")["states"]
    states = {w.lower(): state for state, words in table["written"].items() for w in words}
    said, denied = {w.lower() for w in table["said"]}, {w.lower() for w in table["denied"]}
    found: dict[str, bool] = {}
    for clause in re.split(r"[,;]", text):  # (a bracket says more of its clause: "(terminated)")
        words = re.findall(
            r"[a-z0-9'-]+", clause.lower().replace("breast feeding", "breastfeeding")
        )
        named = [states[w] for w in words if w in states]
        others = [w for w in words if w not in states and w not in said and not w.isdigit()]
        if named and all(w in denied for w in others):
            for state in named:
                found.setdefault(state, not others)
    return found


@cache
def setting_words() -> dict[str, str]:
    """Each way of writing a setting (as :func:`_key` folds it) -> its name."""
    table = load_toml("prescreen.toml")["setting"]
    words: dict[str, str] = {}
    for name, entry in table.items():
        for written in (name, *entry["written"]):
            words.setdefault(_key(written), name)
    return words


def settings_in(text: str) -> tuple[str, ...]:
    """The settings a free text names ("non-metastatic castration-resistant prostate cancer":
    non-metastatic, castration-resistant), each way of writing one a whole phrase, the longest
    first; not one denied just before it ("not metastatic", "no relapse", "without spread")."""
    clauses = _CLAUSE.split(text)
    by_clause = [_clause_settings(c, " ".join(clauses[i + 1 :])) for i, c in enumerate(clauses)]
    now = [found for clause, found in zip(_CLAUSE.split(text), by_clause, strict=True)
           if not _PAST.search(clause)]  # fmt: skip
    # A clause of the past ("previously early-stage", "3 years after surgery", "until 2025")
    # says nothing of now when another clause names a setting.
    kept = [s for found in now for s in found] or [s for found in by_clause for s in found]
    return tuple(dict.fromkeys(kept))


def _clause_settings(text: str, later: str = "") -> list[str]:
    """The settings one clause names; not spread to lymph nodes (:data:`_TO_NODES`) when no
    distant place is named after it in this clause, or as the list the next clause is (``later``:
    the clauses after it)."""
    key = _key(text)
    return [
        setting_words()[match.group()]
        for match in _setting_phrases().finditer(key)
        if not _DENIED.search(key[: match.start()])
        and not (
            setting_words()[match.group()] == "metastatic"
            and (_TO_NODES if match.group().startswith("spread") else _NODES_NEXT).match(
                key, match.end()
            )
            and not _DISTANT_SITES.search(key, match.end())
            and not _SITES_LISTED.fullmatch(_key(later.split(",")[0] if later else ""))
        )
        and not _FREE.match(key, match.end())
        and not _NO_LONGER.match(key, match.end())
        and not _BECAME.match(key, match.end())
        and not _DOUBTED_AFTER.match(key, match.end())
        and not _DOUBTED_BEFORE.search(key[: match.start()])
    ]


# The clauses of a diagnosis, and the words of one about the past.
_CLAUSE = re.compile(r"[,;]|\bnow\b", re.IGNORECASE)
_PAST = re.compile(
    r"\b(?:previously|formerly|until|after|following|history\s+of|prior|in\s+remission\s+since"
    r"|was|were)\b",
    re.IGNORECASE,
)
_NO_LONGER = re.compile(r"\s+no\s+longer\b")
_NOW = re.compile(r"\bnow\b", re.IGNORECASE)
# A result of the past beside one of now ("previously HER2 positive")
_MARKER_PAST = re.compile(
    r"\b(?:previously|formerly|originally|initially|at\s+diagnosis)\b", re.IGNORECASE
)
# A setting in doubt, after its word ("relapse not confirmed", "relapse unlikely", "refractory
# status unknown") or before it ("possible relapse", "suspected recurrence")
_DOUBTED_AFTER = re.compile(
    r"\s+(?:not\s+confirmed|unconfirmed|unlikely|suspected|not\s+excluded|status\s+unknown"
    r"|unknown|possible|questionable)\b"
)
_DOUBTED_BEFORE = re.compile(
    r"\b(?:possible|suspected|probable|query|evaluating\s+for|questionable|likely)\s+$"
)
# "progressed to AML": the disease became another, no treatment failed
_BECAME = re.compile(r"\s+(?:to|into)\b")
# Spread to lymph nodes ("spread to 2 axillary lymph nodes", "metastatic lymph nodes") is most
# often regional disease, stage II or III, not spread to distant parts: no setting is read, when
# no distant place is named after it ("spread to lymph nodes, liver and bones"). A few words at
# most between "spread" and them.
_TO_NODES = re.compile(r"(?:\s+(?!distant\b)[a-z0-9]+){0,6}?\s+(?:lymph\s+)?nod(?:es?|al)\b")
# ... and "metastatic" a few words before them, none "cancer" ("metastatic disease in 4 axillary
# lymph nodes"; but "now metastatic breast cancer to the lymph nodes" is said of the cancer).
_NODES_NEXT = re.compile(
    r"(?:\s+(?!distant\b|cancers?\b)[a-z0-9]+){0,6}?\s+(?:lymph\s+)?nod(?:es?|al)\b"
)
_DISTANT_SITES = re.compile(
    r"(?i)\b(?:distant|liver|hepatic|bones?|osseous|lungs?|pulmonary|brain|cns|peritone\w*|"
    r"adrenals?|pleura\w*|skin|spine|spinal|ovar\w*|omentum|stage\s+(?:iv|4))\b"
)
# A clause that is a list of such places only ("..., liver and bones"), not one that says more
# of them ("PET: no distant metastases", "bone scan negative").
_SITE = (
    r"(?:the\s+)?(?:liver|bones?|lungs?|brain|peritoneum|adrenals?|pleura|skin|spine|ovar(?:y|ies)"
    r"|omentum)"
)
_SITES_LISTED = re.compile(rf"\s*(?:and\s+)?{_SITE}(?:\s+(?:and\s+)?{_SITE})*\s*")


@cache
def _setting_phrases() -> re.Pattern[str]:
    phrases = sorted(setting_words(), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(p) for p in phrases if p) + r")\b")


# Denied within two words before ("no evidence of metastatic disease", "not yet metastatic",
# "no longer hormone sensitive", "negative for", "ruled out"), or "free" after ("relapse free").
_DENIED = re.compile(
    r"\b(?:no|not|without|never|negative\s+for|ruled\s+out|rule\s+out|free\s+of)"
    r"(?:\s+[a-z0-9]+){0,2}\s+$"
)
_FREE = re.compile(r"\s+free\b")


@cache
def words_as_written() -> tuple[str, ...]:
    table = load_toml("prescreen.toml")["setting"]
    return tuple(w for name, entry in table.items() for w in (name, *entry["written"]))


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word.lower(), [c.lower() for c in choices], n=1)
    if close:
        return f"did you mean {close[0]!r}?"
    return "choose from: " + ", ".join(choices)


# -- treatments --------------------------------------------------------------------------------


def _treatments(
    c: Checker, data: dict[str, Any], key: str, warn: Warn
) -> tuple[Treatment, ...] | None:
    written = _strings(c, data, key, "treatments")
    if written is None:
        return None
    resolved = tuple(resolve_treatment(w) for w in written)
    for treatment in resolved:
        if treatment.stem_only:
            warn(
                key,
                f"{treatment.written!r} is known only by its name stem, not its drug class; the "
                "checks that need it stay unknown",
                treatment.written,
            )
        elif treatment.not_given:
            warn(
                key,
                f"{treatment.written!r} says it was not given ({treatment.not_given!r}): it counts"
                " as no treatment received",
                treatment.written,
            )
        elif treatment.unread:
            unread = ", ".join(repr(w) for w in treatment.unread)
            warn(
                key,
                f"{treatment.written!r}: {unread} is not a treatment trialfinder knows; the "
                "checks that need it stay unknown",
                treatment.written,
            )
        elif not treatment.known:
            hint = _treatment_hint(treatment.written)
            warn(
                key,
                f"{treatment.written!r} is not a treatment trialfinder knows{hint}; the checks "
                "that need it stay unknown",
                treatment.written,
            )
    return resolved


def _same(one: Treatment, other: Treatment) -> bool:
    return bool(set(one.drugs) & set(other.drugs)) or (
        one.transplant is not None and one.transplant == other.transplant
    )


@cache
def _vocabulary() -> _TreatmentWords:
    return _TreatmentWords(load_toml("prescreen.toml")["treatments"], load_toml("prescreen.toml"))


class _TreatmentWords:
    def __init__(self, table: dict[str, Any], everything: dict[str, Any]) -> None:
        self.regimens = {_name(k): tuple(v) for k, v in everything["regimens"].items()}
        self.transplant = phrases_pattern(table["transplant"])
        self.autologous = phrases_pattern(table["autologous"])
        self.allogeneic = phrases_pattern(table["allogeneic"])
        self.radiation = phrases_pattern(table["radiation"], table["radiation_short"])
        self.surgery = phrases_pattern(table["surgery"])
        self.other = {_name(n) for n in table["other"]}
        self.radiation_classes = frozenset(table["radiation_classes"])
        self.surgery_classes = frozenset(table["surgery_classes"])
        self.qualifiers = frozenset(q.lower() for q in table["qualifiers"])
        self.abbreviations = {k.lower(): v for k, v in table["abbreviations"].items()}
        self.not_given = phrases_pattern(table["not_given"])
        self.not_brain = phrases_pattern(table["not_brain"])
        self.dose = re.compile(table["dose"], re.IGNORECASE)


def _name(text: str) -> str:
    return re.sub(r"[^a-z0-9+]", "", text.lower())


@cache
def resolve_treatment(written: str) -> Treatment:
    """What one written treatment is: drugs (generic or class names), a transplant, radiation,
    surgery, another medicine, or nothing trialfinder knows."""
    words = _vocabulary()
    if said := words.not_given.search(written):
        return Treatment(written, not_given=said.group(0))
    if words.transplant.search(written):
        auto, allo = words.autologous.search(written), words.allogeneic.search(written)
        kind = "any" if bool(auto) == bool(allo) else "autologous" if auto else "allogeneic"
        # and the drugs of the same line written with it ("VRd x4 then ASCT")
        named, _ = _entry_words(written, find_drugs(written))
        drugs = tuple(d for d in named if not words.transplant.search(d))
        return Treatment(written, drugs=drugs, transplant=kind)
    regimen = words.regimens.get(_name(written))
    if regimen is not None:
        return Treatment(written, drugs=regimen)
    if _name(written) in words.other:
        return Treatment(written, other=True)
    term = knowledge().terms.get(name_key(written))
    if term is not None:
        # (a radioligand, "Pluvicto", or chemoradiation: radiotherapy too)
        radiation = "radiation" in term.categories
        if term.agents > 1 and radiation:
            return Treatment(written, drugs=(term.canonical,), radiation=radiation)
        if term.agents > 1:
            # a regimen the lexicon counts as a kind of another ("R-EPOCH" of "R-CHOP"), whose
            # drugs [regimens] does not give: which drugs, trialfinder does not know
            return Treatment(written)
        if DRUG_CATEGORIES.intersection(term.categories) and not term.generic:
            return Treatment(written, drugs=(term.canonical,), radiation=radiation)
        if radiation and not term.generic:
            return Treatment(written, drugs=(term.canonical,), radiation=True)
    one_class = drug_classes().get(written)
    if one_class is not None:
        radiation = one_class.name in _vocabulary().radiation_classes
        surgery = one_class.name in _vocabulary().surgery_classes
        return Treatment(written, drugs=(one_class.name,), radiation=radiation, surgery=surgery)
    mentions = find_drugs(written)
    named, unread = _entry_words(written, mentions)
    if (rays := words.radiation.search(written)) and not (
        rays.group() in _SIDES and words.surgery.match(written, rays.end() + 1)
    ):
        # where it was given, when a class of radiotherapy names it ("whole brain radiotherapy"),
        # and the drugs given with it ("chemoradiation with cisplatin"); without a place, a
        # check about radiotherapy to one place stays unknown. (Its other words say where and
        # how: "SBRT to lung", "IMRT 60 Gy".)
        if words.not_brain.search(written):
            named = tuple(d for d in named if d != "brain radiotherapy")  # ("SRS to spine")
        if _CHEMORADIATION not in named and _given_with_radiation(written, named):
            # radiation with a chemotherapy ("radiation with concurrent temozolomide") is
            # chemoradiation, as a trial "following concurrent chemoradiation" asks
            named = (*named, _CHEMORADIATION)
        return Treatment(written, drugs=named, radiation=True)
    if words.surgery.search(written):
        return Treatment(written, surgery=True)
    if named:
        by_name = len(named) > len(mentions) or any(
            m.is_class or _named_drug(m.value) for m in mentions
        )
        return Treatment(written, drugs=named, stem_only=not by_name, unread=unread)
    if term is not None and term.generic and DRUG_CATEGORIES.intersection(term.categories):
        return Treatment(written, drugs=(term.canonical,))  # "chemotherapy"
    return Treatment(written)


_WORD = re.compile(r"[a-z0-9][a-z0-9-]*", re.IGNORECASE)
_SIDES = frozenset({"RT"})  # ("RT mastectomy": the right side, before an operation's name)
_CHEMORADIATION = "chemoradiation"  # the lexicon's name of chemotherapy given with radiation


def _is_chemotherapy(drug: str) -> bool:
    term = knowledge().terms.get(name_key(drug))
    return term is not None and "chemotherapy" in term.categories


def _given_with_radiation(written: str, drugs: tuple[str, ...]) -> bool:
    """Whether an entry naming radiation gives a chemotherapy with it, not before or after
    ("SBRT to lung, then carboplatin/pemetrexed", "WBRT 2022; temozolomide 2023")."""
    k = knowledge()
    together = (
        k.given_together.search(written) is not None
        or _WITH.search(written) is not None
        or any(_is_chemotherapy(m[1]) for m in _JOINED_RT.finditer(written))
    )
    return (
        any(_is_chemotherapy(d) for d in drugs)
        and together
        and not k.in_sequence.search(written)
        and ";" not in written
    )


_WITH = re.compile(r"\bwith\b|\bchemo[\s-]?radi", re.IGNORECASE)  # ("chemo-radiation (cisplatin)")
# A medicine joined to RT by a hyphen ("cisplatin-RT": given with it; not "postop-RT")
_JOINED_RT = re.compile(r"\b([A-Za-z][A-Za-z0-9]*)-RT\b")


def _entry_words(written: str, mentions: list[Mention]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(the drugs and classes an entry names, by the lexicon or by a profile's ``abbreviations``;
    its words that name nothing known, neither a qualifier nor a number)."""
    words = _vocabulary()
    named: list[str] = []
    unread = []
    for m in mentions:
        regimen = words.regimens.get(_name(written[m.start : m.end]))
        term = knowledge().terms.get(name_key(m.value))
        if regimen is not None:
            named.extend(regimen)  # ("6 cycles of R-CHOP")
        elif term is not None and term.agents > 1 and "radiation" not in term.categories:
            unread.append(written[m.start : m.end])  # (a regimen of unknown drugs, as above)
        else:
            named.append(m.value)
    for word in _WORD.finditer(written):
        text = word.group(0).lower()
        if any(m.start <= word.start() < m.end for m in mentions):
            continue
        if text in words.abbreviations:
            named.append(words.abbreviations[text])
        elif _name(text) in words.regimens:
            named.extend(words.regimens[_name(text)])  # ("FOLFOXIRI + bev")
        elif (
            text not in words.qualifiers
            and not text.replace("-", "").isdigit()
            and not words.dose.match(text)
        ):
            unread.append(word.group(0))
    return tuple(dict.fromkeys(named)), tuple(unread)


def _named_drug(generic: str) -> bool:
    """Whether the lexicon or a drug class names this drug (not only its name stem)."""
    key = name_key(generic)
    return key in knowledge().terms or any(
        key in c.members for c in drug_classes().classes.values()
    )


@cache
def _known_names() -> tuple[str, ...]:
    names = {alias for alias, _ in knowledge().aliases}
    names.update(load_toml("prescreen.toml")["regimens"])
    return tuple(sorted(names))


def _treatment_hint(written: str) -> str:
    close = difflib.get_close_matches(written, _known_names(), n=1, cutoff=0.8)
    if close and name_key(close[0]) == name_key(written):
        # a regimen the lexicon names but whose drugs no table gives ("Tal-P")
        return " (a regimen whose drugs it does not know: write them instead)"
    return f" (did you mean {close[0]!r}?)" if close else ""


# -- biomarkers --------------------------------------------------------------------------------


def _markers(c: Checker, data: dict[str, Any], warn: Warn) -> tuple[Marker, ...] | None:
    written = _strings(c, data, "biomarkers", "test results")
    if written is None:
        return None
    markers = tuple(read_marker(part) for w in written for part in _marker_parts(w))
    for marker in markers:
        if not marker.known and _no_result().search(marker.written):
            note = _marker_rules()["no_result_warning"].format(
                written=marker.written, name=marker.name
            )
            warn("biomarkers", note, marker.written)
        elif not marker.known and _uncertain().search(marker.written):
            note = _marker_rules()["uncertain_warning"].format(
                written=marker.written, name=marker.name
            )
            warn("biomarkers", note, marker.written)
        elif not marker.known and marker.name in _marker_rules()["trial_decides"]:
            note = _marker_rules()["trial_decides_warning"].format(
                written=marker.written, name=marker.name
            )
            warn("biomarkers", note, marker.written)
        elif not marker.known and marker.name in _marker_rules()["undecided"]:
            note = _marker_rules()["undecided_warning"].format(
                written=marker.written, name=marker.name
            )
            warn("biomarkers", note, marker.written)
        elif not marker.known:
            close = difflib.get_close_matches(marker.name, _marker_names(), n=1, cutoff=0.75)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            warn(
                "biomarkers",
                f"{marker.written!r}: {marker.name!r} is not a marker trialfinder knows{hint}; "
                "the checks that need it stay unknown",
                marker.written,
            )
    return markers


@cache
def _marker_rules() -> dict[str, Any]:
    markers: dict[str, Any] = load_toml("prescreen.toml")["markers"]
    return markers


@cache
def _marker_names() -> tuple[str, ...]:
    names = [n for m in knowledge().biomarkers for n in (m.name, *m.aliases)]
    return tuple(names + list(_marker_rules()["aliases"]))


@cache
def _hyphen_status() -> re.Pattern[str]:
    """A hyphen between a marker's name and its status ("HER2-negative"), not one inside a
    status ("non-mutated")."""
    rules = _marker_rules()
    words = [w for w in (*rules["positive"], *rules["negative"]) if w[:1].isalpha()]
    body = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?i)(?<=[a-z0-9+])(?<!non)(?<!not)-(?=(?:{body})(?![a-z0-9]))")


_LEVEL = re.compile(
    r"(?i)(?:\b(?:CPS|TPS|TC|IC)\s*|(?<!\w))[<>≥≤]?\s*\d+(?:\.\d+)?(?![\d.]*[a-z])\s*%?"
)  # not a number of a name ("22C3", the antibody)


def read_marker(written: str) -> Marker:
    """A marker as a profile (or a requirement value) writes it: name, variant, status, level,
    and the test that found it ("germline BRCA2 mutation" is BRCA2 found by a germline test)."""
    marker = _read_whole(written)
    pair = _PAIR.match(written)
    variant = marker.variant.upper()
    if pair and (not marker.known or (pair[2] in variant and pair[2] != variant)):
        # A fusion named with its partner ("EML4-ALK fusion"; "CD74-ROS1", read as CD7 of a
        # variant "4ROS1"): the one gene of the two trialfinder knows, when one only; not a
        # variant named after a hyphen ("FLT3-ITD").
        return _of_the_pair(pair, written) or marker
    return marker


# Two genes joined by a hyphen, then the rest ("EML4-ALK fusion"); not a variant ("KRAS-G12C")
# nor an allele ("HLA-A11"): the second has two letters at least.
_PAIR = re.compile(
    r"^\s*([A-Z][A-Z0-9]{1,9})\s*[-:/]{1,2}\s*(?![A-Z]\d{2,4}[A-Z*]\b)"
    r"(?=[A-Z0-9]*[A-Z][A-Z0-9]*[A-Z])([A-Z][A-Z0-9]{1,9})\b(.*)$"
)


def _of_the_pair(pair: re.Match[str], written: str) -> Marker | None:
    """The gene of a fusion named with its partner, as ``read_marker`` reads it. A negative
    result is of that fusion only ("CD74-ROS1 fusion not detected" does not rule out another
    ROS1 fusion): the partner is its variant, as "BRCA2 negative" says nothing of BRCA1."""
    genes = (pair[1], pair[2])
    reads = [
        (_read_whole(f"{gene}{pair[3]}"), partner)
        for gene, partner in zip(genes, reversed(genes), strict=True)
    ]
    named = [
        (m, p)
        for (m, p), gene in zip(reads, genes, strict=True)
        if m.known and gene.upper().startswith(m.name.upper())  # ("FGFR2" is FGFR)
    ]
    exact = [(m, p) for m, p in named if not m.variant]  # (not "CD7" of a variant "4")
    found = exact or named
    if len(found) != 1:
        return None
    marker, partner = found[0]
    return replace(marker, written=written, variant=marker.variant if marker.positive else partner)


def _read_whole(written: str) -> Marker:
    lettered = _source_letter(written)
    if lettered is not None:
        return lettered
    before = _before_name().match(written)
    if before:
        marker = read_marker(written[before.end() :])
        if marker.known:
            return replace(marker, written=written)
    found = _sources().search(written)
    if found:
        plain = _read_marker(written, written)
        without = " ".join(_sources().sub(" ", written).split())
        marker = _read_marker(without, written) if without else plain
        if marker.known and (not plain.known or plain.name == marker.name):
            return replace(marker, source=found.group("source"))
        return plain
    return _read_marker(written, written)


def _source_letter(written: str) -> Marker | None:
    """A marker whose name carries a letter that says which test found it ("gBRCA2" is BRCA2 of
    a germline test: ``[markers] source_letters``), or None."""
    letters = _marker_rules()["source_letters"]
    text = written.strip()
    if len(text) < 3 or text[0] not in letters or not text[1].isupper():
        return None
    rest = text[1:]
    named = _marker_name(rest.split(" ")[0])[0]
    if named is None or _marker_name(text)[0] not in (None, named):
        return None
    marker = _read_marker(rest, written)
    return replace(marker, source=letters[text[0]]) if marker.known else None


@cache
def _no_result() -> re.Pattern[str]:
    """The words of a result not yet given (``[markers] no_result``)."""
    words = sorted(_marker_rules()["no_result"], key=len, reverse=True)
    body = "|".join(r"[\s-]+".join(map(re.escape, w.split())) for w in words)
    return re.compile(rf"(?i)(?<![\w-])(?:{body})(?![\w-])")


@cache
def _uncertain() -> re.Pattern[str]:
    """The words of a variant of uncertain significance (``[markers] uncertain``)."""
    words = sorted(_marker_rules()["uncertain"], key=len, reverse=True)
    body = "|".join(r"[\s-]+".join(map(re.escape, w.split())) for w in words)
    return re.compile(rf"(?i)(?<![\w-])(?:{body})(?![\w-])")


@cache
def _before_name() -> re.Pattern[str]:
    """Status words written before a marker's name ("pathogenic BRCA1 variant")."""
    words = sorted(_marker_rules()["before_name"], key=len, reverse=True)
    body = "|".join(r"[\s-]+".join(map(re.escape, w.split())) for w in words)
    return re.compile(rf"(?i)\s*(?:{body})\s+(?=\S)")


@cache
def _sources() -> re.Pattern[str]:
    """The words that say which test found a marker (``[markers] sources``), as whole words,
    alone in brackets or not."""
    words = sorted(_marker_rules()["sources"], key=len, reverse=True)
    body = "|".join(r"[\s-]+".join(map(re.escape, w.split())) for w in words)
    return re.compile(rf"(?i)(?<![\w-])\(?\s*(?P<source>{body})\s*\)?(?![\w-])")


# A sign written with "ve" ("HER2-ve", "ER +ve", as British and Indian reports write them), or a
# score of none joined by a hyphen ("HER2-zero", "HER2-null"): the status in words.
_SIGN_VE = re.compile(r"(?<=[A-Za-z0-9])\s*([+-])\s*ve\b", re.IGNORECASE)
_HYPHEN_NONE = re.compile(r"(?<=[A-Za-z0-9])-(?:zero|null)\b", re.IGNORECASE)


_SHARE = re.compile(
    r"(?:\d+(?:\.\d+)?\s*%?\s*(?:-|to)\s*)?(<\s*|less than\s+|below\s+)?(\d+(?:\.\d+)?)\s*%", re.I
)


def _share_in(said: str, bounds: list[int] | None) -> str:
    """Where the shares of cells `said` gives lie against the range `bounds` ("5%", "1-10%"):
    "below", "in" or "above" it, or "" (no share, no range, or some on each side)."""
    # ("<1%" is below 1)
    shares = [float(m[2]) - (0.001 if m[1] else 0) for m in _SHARE.finditer(said)]
    if not bounds or not shares:
        return ""
    low, high = bounds
    if all(0 < share < low for share in shares):
        return "below"
    if all(low <= share <= high for share in shares):
        return "in"
    return "above" if all(share > high for share in shares) else ""


def _read_marker(text: str, written: str) -> Marker:
    rules = _marker_rules()
    text = _SIGN_VE.sub(lambda m: " positive" if m[1] == "+" else " negative", text)
    text = _HYPHEN_NONE.sub(" negative", text)
    text = _hyphen_status().sub(" ", " ".join(text.split()))
    status: bool | None = None
    part = ""
    sign = re.search(r"\s*([+-])$", text)
    if sign:  # "HER2-", "ER+"
        status = sign.group(1) == "+"
        text = text[: sign.start()]
    for alias, target in sorted(rules["aliases"].items(), key=lambda kv: -len(kv[0])):
        match = re.match(rf"(?i){re.escape(alias)}(?![A-Za-z0-9])", text)
        if match:
            part = alias
            rest = text[match.end() :]
            target_words = target.split(" ")
            text = target_words[0] + rest
            if len(target_words) > 1:
                status = target_words[1].lower() == "positive"
            break
    name, rest, attached = _marker_name(text)
    known = name is not None
    if name is None:
        first = text.split(" ")[0] if text else written
        name, rest = first, text[len(first) :]
    name_base = name
    rest_words = _words(rest)
    negative = _status_words(rules["negative"])
    positive = _status_words(rules["positive"])
    noise = {w.lower() for w in rules["variant_noise"]}
    level = ""
    level_match = _LEVEL.search(rest) if name_base in rules["levels"] else None
    if level_match:
        level = level_match.group().strip()
        rest_words = _words(rest[: level_match.start()] + " " + rest[level_match.end() :])
        if re.fullmatch(rules["zero"], level) and status is None:
            status = False
    joined = " ".join(rest_words).lower()
    undecided = {w.lower() for w in rules["undecided"].get(name_base, [])}
    said = {w.lower() for w in rest_words}
    if known and said and said <= undecided and said != {"ihc"}:  # "HER2 2+"
        return Marker(written=written, name=name_base, known=False, part=part)
    share = _share_in(joined, rules["trial_decides_percent"].get(name_base)) if known else ""
    decides = said & {w.lower() for w in rules["trial_decides"].get(name_base, [])}
    if known and decides and share != "above":
        return Marker(written=written, name=name_base, known=False, part=part)  # "ER-low"
    if known and (_uncertain().search(rest) or _no_result().search(rest)):
        # "BRCA1 VUS", "EGFR result pending"
        return Marker(written=written, name=name_base, known=False, part=part)
    if status is None and joined and (re.fullmatch(rules["zero"], joined) or share == "below"):
        status, rest_words = False, []  # "ER 0%", "ER 0.5%": a score of none, not a variant
    elif share == "in":
        return Marker(written=written, name=name_base, known=False, part=part)  # "ER 5%"
    if status is None:
        if any(re.search(rf"(?<![a-z0-9]){re.escape(n)}(?![a-z0-9])", joined) for n in negative):
            status = False
        else:
            status = True
    vaf = any(w.lower() == "vaf" for w in rest_words)  # ("VAF 12%": how much, not which)
    variant_words = [
        w
        for w in rest_words
        if w.lower() not in noise
        and not _VARIANT_DETAIL.match(w)
        and not (vaf and re.fullmatch(r"\d+(?:\.\d+)?%", w))
        and not any(w.lower() == s for s in negative | positive)
        and w.lower() not in {"wild", "type", "not", "no"}
    ]
    tests = {w.lower() for w in rules["test_words"].get(name_base, [])}
    deciding = {w.lower() for w in rules["deciding_tests"].get(name_base, [])}
    said_tests = {w.lower() for w in variant_words}
    worded = any(w.lower() in negative | positive for w in rest_words)  # ("positive", not "+")
    if variant_words and said_tests <= tests and (not status or said_tests & deciding or worded):
        # "HER2 2+ FISH negative", "HER2 IHC 2+ FISH positive", "HER2 positive (IHC 3+)":
        # the tests that decided it
        variant_words = []
    low = {w.lower() for w in rules["low_words"].get(name_base, [])}
    if variant_words and {w.lower() for w in variant_words} <= low:
        status, variant_words = False, []  # "TMB low"
    number = re.match(r"\d+(?:\.\d+)?", level)
    if name_base in rules["high_from"] and number:
        status = float(number.group()) >= rules["high_from"][name_base]  # "TMB 5"
        variant_words = [w for w in variant_words if "/" not in w]  # ("mut/Mb")
    variant = _variant(" ".join([attached, *variant_words]).strip())
    changes = rules["part_changes"].get(name_base, [])
    if not status and not variant and {w.lower() for w in rest_words} & set(changes):
        variant = changes[0]  # "MET amplification negative": not amplified, no more
    return Marker(
        written=written,
        name=name_base,
        variant=variant,
        positive=status,
        level=level,
        known=known,
        part=part,
    )


# One result of several written in one entry: a name, then its sign or status word. A minus
# right before a letter or digit is a hyphen within a name ("HLA-A11 positive", "KRAS-G12C").
_ONE_RESULT = re.compile(
    r"\s*([A-Za-z][A-Za-z0-9]*\s*(?:[\s-](?:positive|negative|pos|neg|wild[\s-]?type|mutant|mutated)"
    r"\b|\+|-(?![A-Za-z0-9*])))\s*[/,;]?",
    re.IGNORECASE,
)
# Names joined by "/" with one status after them all ("EGFR/ALK/ROS1 negative").
_NAMES_ONE_STATUS = re.compile(
    r"^\s*([A-Za-z][A-Za-z0-9-]*(?:\s*/\s*[A-Za-z][A-Za-z0-9-]*)+)\s+"
    r"(positive|negative|wild[\s-]?type|not detected)\s*$",
    re.IGNORECASE,
)


def _marker_parts(written: str) -> list[str]:
    """The results an entry writes, one by one: "ER+/PR-/HER2-" (as pathology reports give
    them) is three, and so is each variant of one marker given its own status after a comma or
    in brackets ("EGFR L858R, T790M neg": EGFR L858R, and EGFR T790M negative); an entry that
    is not wholly such results is one."""
    now = _NOW.split(written)
    if len(now) > 1 and _read_marker(now[-1].strip(" ,;"), now[-1]).known:
        return _marker_parts(now[-1].strip(" ,;"))  # ("HER2 positive on biopsy, now negative")
    pieces = [p.strip() for p in re.split(r"[,;]", written) if p.strip()]
    current = [p for p in pieces if not _MARKER_PAST.search(p)]
    if 0 < len(current) < len(pieces):
        return _marker_parts(", ".join(current))  # ("HER2 negative, previously HER2 positive")
    variants = _variant_parts(written)
    if variants:
        return variants
    joined = _NAMES_ONE_STATUS.match(written)
    if joined:
        names = [n.strip() for n in joined.group(1).split("/")]
        if all(_marker_name(n)[0] is not None for n in names):
            return [f"{n} {joined.group(2)}" for n in names]
    pieces = [p.strip() for p in re.split(r"[,;]", written) if p.strip()]
    if len(pieces) > 1 and all(_read_marker(p, p).known for p in pieces):
        return pieces  # ("ER 90%, PR 0%": each a marker of its own)
    pieces = [p.strip() for p in re.split(r"\s+and\s+", written) if p.strip()]
    if len(pieces) > 1 and all(_read_marker(p, p).known and _with_status(p) for p in pieces):
        return pieces  # ("ER negative and PR negative"; not "BRCA1 and BRCA2 negative")
    parts = []
    at = 0
    while at < len(written):
        match = _ONE_RESULT.match(written, at)
        if not match or match.end() == at:
            return [written]
        parts.append(match.group(1).strip())
        at = match.end()
    return parts if len(parts) > 1 else [written]


@cache
def _result_words() -> frozenset[str]:
    """Every word of a result, negative or positive (``[markers]``), in lower case."""
    rules = _marker_rules()
    return frozenset(_status_words(rules["negative"]) | _status_words(rules["positive"]))


def _with_status(piece: str) -> bool:
    """Whether a piece of an entry ends with a result of its own ("PR negative", "ER+")."""
    low = piece.lower().rstrip(" .")
    return low.endswith(("+", "-")) or any(
        low.endswith((f" {status}", f"-{status}")) for status in _result_words()
    )


def _variant_parts(written: str) -> list[str]:
    """Each variant of the marker an entry starts with, when a comma, semicolon or bracket
    separates them and each later one names no marker but gives its own status; else []."""
    pieces = [p.strip() for p in re.split(r"[,;()]", written) if p.strip()]
    if len(pieces) < 2:
        return []
    name = _marker_name(pieces[0])[0]
    statuses = _result_words()
    if name is None:
        return []
    later = []
    for piece in pieces[1:]:
        words = piece.split()
        if words and words[0].lower() in ("not", "no", "non"):
            # "KRAS mutant (not G12C)", "EGFR exon 19 deletion, no T790M"
            words = [*words[1:], "negative"]
        lowered = [w.lower() for w in words]
        if _marker_name(" ".join(words))[0] is not None or len(words) < 2:
            return []
        if not any(" ".join(lowered[i:]) in statuses for i in range(1, len(lowered))):
            return []
        later.append(" ".join(words))
    head = pieces[0].split(" ")[0]
    return [pieces[0], *(f"{head} {piece}" for piece in later)]


# Details of a variant that are not the variant: a cDNA change ("c.2235_2249del"), an allele
# fraction ("VAF", "12%").
_VARIANT_DETAIL = re.compile(r"(?i)^(?:c\.\S*|\S*_\S*|vaf)$")


def _status_words(words: list[str]) -> set[str]:
    return {w.lower() for w in words}


def _words(text: str) -> list[str]:
    """The words of what follows a marker's name; a sign at its end is a status ("HER2-")."""
    sign = re.search(r"([+-])\s*$", text)
    words = [w for w in re.split(r"[\s,;()]+", text.rstrip("+- ")) if w]
    if sign:
        words.append("positive" if sign.group(1) == "+" else "negative")
    return words


def _variant(text: str) -> str:
    """ "exon19" -> "exon 19"; "p.G12C" -> "G12C"."""
    text = re.sub(r"(?i)^p\.\s*", "", text)
    text = re.sub(r"(?i)\bex(?:on)?\s*(\d+)\b", r"exon \1", text)
    return text.strip()


@cache
def _known_marker_keys() -> tuple[tuple[str, str], ...]:
    """(name_key, marker name) of every name and alias, longest first."""
    pairs = {(name_key(n), m.name) for m in knowledge().biomarkers for n in (m.name, *m.aliases)}
    return tuple(sorted(pairs, key=lambda p: -len(p[0])))


def _marker_name(text: str) -> tuple[str | None, str, str]:
    """(the marker named at the start of ``text``, the rest, a variant written onto the name:
    "1" of "BRCA1"), the longest name first."""
    words = text.split(" ")
    for size in range(min(4, len(words)), 0, -1):
        head = " ".join(words[:size])
        key = name_key(head)
        for known, name in _known_marker_keys():
            if key == known:
                # An alias that is the name and a number ("BRCA1" of BRCA) keeps the number.
                own = name_key(name)
                extra = key[len(own) :] if key.startswith(own) else ""
                return name, text[len(head) :], extra.upper() if extra.isdigit() else ""
    first = words[0] if words else ""
    key = name_key(first)
    for known, name in _known_marker_keys():
        if key.startswith(known) and any(ch.isdigit() for ch in key[len(known) :]):
            return name, text[len(first) :], key[len(known) :].upper()
    head, hyphen, tail = first.partition("-")
    if hyphen and tail:
        # a variant joined to the name by a hyphen ("FLT3-ITD"), as "KRAS-G12C" is above
        named, rest, attached = _marker_name(head)
        if named is not None and not rest:
            return named, f" {tail}{text[len(first) :]}", attached
    return None, text, ""
