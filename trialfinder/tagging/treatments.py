"""One intervention: which treatment categories its names, description or MeSH term say it is."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import NamedTuple

from trialfinder.model import Intervention, Trial
from trialfinder.tagging.lexicon import Knowledge, Pattern, Product, Term, knowledge
from trialfinder.tagging.reader import arm_interventions, is_cancer_trial, per_trial
from trialfinder.tagging.text import lower, may_match, name_key, split_words
from trialfinder.vocabulary import CATEGORY_NAMES

PROCEDURE_CATEGORIES = frozenset({"radiation", "surgery", "stem-cell-transplant"})
DRUG_TYPES = frozenset({"DRUG", "BIOLOGICAL", "COMBINATION_PRODUCT", "GENETIC", "RADIATION"})
# The note of a medicine given only to prepare the body for a cell therapy (lymphodepletion).
CONDITIONING = "conditioning before cell therapy"


# -- matching names -----------------------------------------------------------------------


# Hits and treatments are named tuples: made thousands of times, they must be cheap to build.
class Hit(NamedTuple):
    category: str
    canonical: str  # what was recognised (generic name, stem-matched word, phrase)
    matched: str  # the text as written
    how: str  # the end of the evidence sentence
    generic: bool = False
    agents: int = 1


@lru_cache(maxsize=4096)
def find_terms(text: str, cancer: bool) -> tuple[Hit, ...]:
    """Lexicon names (longest first) and, in cancer trials, INN stems, in ``text``."""
    k = knowledge()
    words, starts = split_words(lower(text))
    index, stems, endings, last = k.index, k.stem_tuple, k.name_endings, -k.ending_size
    antibody = k.antibody_endings
    hits: list[Hit] = []
    free = 0  # the first word not yet part of a recognised name
    for i, word in enumerate(words):
        # Most words neither start a name nor end in the last letters of a stem or of an
        # antibody's name: two look-ups rule them out.
        if i < free or (word not in index and word[last:] not in endings):
            continue
        # Only an antibody's name starts a conjugate (the first test of _conjugate_at).
        conjugate = cancer and word.endswith(antibody)
        if word in index:
            found = len(hits)
            size = _name_at(words, starts, i, text, k, hits)
            if size == 1 and conjugate and _conjugate_at(words, starts, i, text, k):
                del hits[found:]  # "Trastuzumab Rezetecan": the antibody carries a payload
            elif size:
                free = i + size
                continue
        if conjugate and _conjugate_at(words, starts, i, text, k):
            start, end = starts[i], starts[i + 1] + len(words[i + 1])
            written = text[start:end]
            how = f'"{written}" is {k.conjugate_means}'
            hits.append(Hit("targeted-therapy", f"{word} {words[i + 1]}", written, how))
            free = i + 2
            continue
        if len(word) >= 6 and word.endswith(stems) and word not in k.stem_exceptions:
            start = starts[i]
            hit = _stem_hit(word, text[start : start + len(word)], cancer, text, start, k)
            if hit is not None:
                hits.append(hit)
    return tuple(hits)


def _conjugate_at(words: list[str], starts: list[int], i: int, text: str, k: Knowledge) -> bool:
    """Whether words ``i`` and ``i + 1`` name an antibody-drug conjugate ("Disitamab Vedotin")."""
    if i + 1 >= len(words) or not words[i].endswith(k.antibody_endings):
        return False
    payload = words[i + 1]
    if not payload.endswith(k.payload_endings) or payload in k.terms:
        return False
    between = text[starts[i] + len(words[i]) : starts[i + 1]]
    return between.isspace()  # "Cetuximab + Irinotecan" is two treatments


def _name_at(
    words: list[str],
    starts: list[int],
    i: int,
    text: str,
    k: Knowledge,
    hits: list[Hit],
) -> int:
    """The lexicon name starting at word ``i`` (its hits added to ``hits``): its size in words."""
    count = len(words)
    for spelling, term in k.index[words[i]]:
        size = len(spelling)
        if size > count - i or (size > 1 and tuple(words[i : i + size]) != spelling):
            continue
        start = starts[i]
        last = i + size - 1
        written = text[start : starts[last] + len(words[last])]
        if term.exact is not None and not _same_case(written, term.exact):
            continue
        if term.categories[0] == "surgery" and after_operation(text, start):
            continue
        hits.extend(_term_hits(term, written))
        return size
    return 0


_NEGATION_BEFORE = re.compile(
    r"\b(?:no|not|without|prior|previous(?:ly)?|after|following|before|placebo|instead of|"
    r"progress\w*|refractory to|resistant to|failed|received|completion of|treated with|had|"
    r"undergone|underwent|history of|delayed|deferred|cross(?:es|ed|ing)?[- ]?over to)"
    r"\W+(?:[\w/-]+\W+){0,3}$",
    re.IGNORECASE,
)


def negated_before(text: str, start: int) -> bool:
    """Whether the words just before ``start`` say the treatment is not the one given here
    ("after tisagenlecleucel", "no prior radiotherapy", "delayed cranial radiotherapy",
    "may cross over to receive imetelstat")."""
    return bool(_NEGATION_BEFORE.search(text[max(0, start - 40) : start]))


_NOT_LETTER_OR_DIGIT = re.compile(r"[^A-Za-z0-9]")
_AFTER_OPERATION = re.compile(r"\b(?:post|after|following|prior|previous|before)\W*(?:\w+\W+)?$")


def _same_case(written: str, exact: str) -> bool:
    return _NOT_LETTER_OR_DIGIT.sub("", written) == _NOT_LETTER_OR_DIGIT.sub("", exact)


def after_operation(text: str, start: int) -> bool:
    """ "Post-mastectomy radiotherapy" names an operation already done, not one studied."""
    return bool(_AFTER_OPERATION.search(text[max(0, start - 25) : start].lower()))


def _term_hits(term: Term, written: str) -> list[Hit]:
    # (Written as the generic name but for case, as it mostly is: the same name key.)
    same = (
        written == term.canonical
        or written.lower() == term.canonical
        or name_key(written) == term.key
    )
    name = f'"{written}"' if same else f'"{written}" ({term.canonical})'
    return [
        Hit(category, term.canonical, written, name + phrase, term.generic, term.agents)
        for category, phrase in term.phrases
    ]


def _stem_hit(
    word: str, written: str, cancer: bool, text: str, start: int, k: Knowledge
) -> Hit | None:
    for stem, category, means in k.stems:
        if not word.endswith(stem):
            continue
        if category not in PROCEDURE_CATEGORIES and not cancer:
            return None  # drug stems are only trusted in cancer trials (-nib, -mab are broad)
        if category == "surgery" and after_operation(text, start):
            return None
        return Hit(category, word, written, f'"{written}" ends in -{stem}, {means}')
    return None


@lru_cache(maxsize=4096)
def find_mechanisms(text: str, cancer: bool) -> tuple[Hit, ...]:
    """Phrases that describe a kind of treatment ("a KRAS G12C inhibitor"), one per kind."""
    k = knowledge()
    lowered = lower(text)
    present = set(filter(lowered.__contains__, k.mechanism_words))  # (a loop run in C)
    hits = []
    for pattern in k.mechanisms:
        if pattern.category not in PROCEDURE_CATEGORIES and not cancer:
            continue
        if pattern.find and present.isdisjoint(pattern.find):
            continue
        for match in _search_near(pattern, text, lowered):
            before = text[max(0, match.start() - 12) : match.start()].lower()
            if _NEGATED.search(before):
                continue
            if pattern.category == "car-t" and _NOT_T_CELLS.search(
                text[max(0, match.start() - 40) : match.end() + 40]
            ):
                continue
            if pattern.category == "surgery" and after_operation(text, match.start()):
                continue
            written = match.group().strip()
            hits.append(
                Hit(
                    pattern.category,
                    written.lower(),
                    written,
                    f'"{written}" {pattern.means}',
                    generic=True,
                )
            )
            break
    return tuple(hits)


_NEGATED = re.compile(r"\b(?:non|not|no|without|prior|previous)\W*$")
# A chimeric antigen receptor on other cells: CAR-NK, CAR-NKT, CAR macrophages (CAR-M).
_NOT_T_CELLS = re.compile(
    r"\bi?NKT?\b|natural killer|macrophage|\bCAR[- ]?M\b|\bCAR[- ]?NK", re.IGNORECASE
)


def _search_near(
    pattern: Pattern, text: str, lowered: str, margin: int = 80
) -> Iterator[re.Match[str]]:
    """Matches of ``pattern`` in the parts of ``text`` around its `find` words.

    The caller has checked that one of the words is there.
    """
    if not pattern.find or len(text) <= 2 * margin:
        yield from pattern.regex.finditer(text)
        return
    end_seen = 0
    for start in sorted(p for word in pattern.find if (p := lowered.find(word)) >= 0):
        lo, hi = max(end_seen, start - margin), min(len(text), start + margin)
        if hi > lo:
            yield from pattern.regex.finditer(text, lo, hi)
            end_seen = hi


# -- one intervention ---------------------------------------------------------------------


class Treatment(NamedTuple):
    intervention: Intervention
    hits: tuple[tuple[Hit, str], ...]  # (hit, source)
    active: bool  # a cancer treatment (counts in a combination)
    agents: int  # how many distinct treatments it stands for
    note: str = ""  # why it is not counted, when it is not

    @property
    def categories(self) -> tuple[str, ...]:
        """The categories of everything it gives, a partner drug named among its other names
        too (what the trial tests)."""
        return _categories_of(hit for hit, _ in self.hits)

    @property
    def own_categories(self) -> tuple[str, ...]:
        """The categories of the drug it names: when its name is recognised, those of the
        treatments its name and its brands name, not of a partner drug among its other names
        (NCT04613596: "Adagrasib", other name "pembrolizumab", is no immunotherapy)."""
        named = {hit.canonical for hit, source in self.hits if source == "intervention name"}
        if not named:
            return self.categories
        return _categories_of(hit for hit, _ in self.hits if hit.canonical in named)


def _categories_of(hits: Iterable[Hit]) -> tuple[str, ...]:
    seen = {hit.category for hit in hits}
    if "car-t" in seen:
        seen.add("immunotherapy")
    return tuple(c for c in CATEGORY_NAMES if c in seen)


def agent_names(hits: list[Hit]) -> list[str]:
    """Distinct treatments among ``hits``.

    Umbrella terms and descriptions ("chemotherapy", "a kinase inhibitor") count once per
    category, and not at all when a named treatment of that category is there; a CAR T product
    is the immunotherapy its description speaks of ("a ... T cell immunotherapy").
    """
    named = {h.category for h in hits if not h.generic}
    if any(h.category == "car-t" for h in hits):
        named.add("immunotherapy")
    generic_seen: set[str] = set()
    names: list[str] = []
    for hit in hits:
        if hit.generic:
            if hit.category in named or hit.category in generic_seen:
                continue
            generic_seen.add(hit.category)
        label = hit.canonical
        if label not in names:
            names.append(label)
            if hit.agents > 1:
                names.append(label + " (second drug)")
    return names


def classify(intervention: Intervention, cancer: bool, trial: Trial, k: Knowledge) -> Treatment:
    name = intervention.name
    if intervention.type == "DIAGNOSTIC_TEST":
        return Treatment(intervention, (), False, 0, "a test")
    hits = [(hit, "intervention name") for hit in find_terms(name, cancer)]
    prepared: set[str] = set()  # given only before the others (not counted from any name)
    if len(hits) > 1 and intervention.description:
        hits, prepared = _without_pretreatment(hits, intervention.description, k)
    # A product of no category: its description, type and MeSH term say nothing of one.
    product = product_named(name)
    named = bool(hits) or product is not None
    if not named and intervention.type == "RADIATION" and not k.placebo.search(name):
        how = f'"{name}" is listed as a RADIATION intervention'
        hits = [(Hit("radiation", "radiotherapy", name, how, generic=True), "intervention type")]
    if not hits:  # ("Peptide vaccine in Montanide ISA 51": a vaccine, with its adjuvant)
        hits = [(hit, "intervention name") for hit in find_mechanisms(name, cancer)]
    # A recognised medicine needs no check for tests and supportive care, only for placebo.
    medicine = intervention.type in ("DRUG", "BIOLOGICAL") and any(
        h.category not in PROCEDURE_CATEGORIES for h, _ in hits
    )
    if medicine:
        kinds: frozenset[str | None] = (
            frozenset({"placebo"}) if k.placebo.search(name) else frozenset()
        )
    else:
        kinds = not_treatment_kinds(name)
    if "placebo" in kinds:
        return Treatment(intervention, (), False, 0, "placebo")
    if "test" in kinds and not any(h.category == "radiation" for h, _ in hits):
        return Treatment(intervention, (), False, 0, "a test or procedure, not a treatment")
    if (
        not hits
        and product is None
        and ("supportive" in kinds or k.supportive.search(intervention.description[:200]))
    ):
        if cancer and _regimen_steroid(intervention, trial, k):
            return Treatment(intervention, (), True, 1)  # active, though of no category
        return Treatment(intervention, (), False, 0, "a supportive medicine")
    if (
        hits
        and all(h.category == "chemotherapy" for h, _ in hits)
        and k.conditioning.search(intervention.description)
    ):
        return Treatment(intervention, (), False, 0, CONDITIONING)
    # Other names are mostly brands of the same drug: when the name was recognised, the first
    # few are enough (they sometimes name a partner drug, "Everolimus (CapOx)").
    named = named or bool(hits)
    others = intervention.other_names[:3] if named else intervention.other_names
    found = [find_terms(other, cancer) for other in others]
    # A name not recognised whose other names are different medicines is neither of them: they
    # are what it is given with ("AUR103 Calcium": "Trastuzumab", "Capecitabine", NCT07040059).
    # A choice among medicines is any one of them ("Physician's Choice medications",
    # NCT03165734): their categories, but one treatment, not several given together.
    different = not named and _different_medicines(found)
    choice = different and _a_choice(intervention, k)
    disagree = different and not choice
    for other_hits in () if disagree else found:
        for hit in other_hits:
            if hit.canonical not in prepared and all(hit.canonical != h.canonical for h, _ in hits):
                hits.append((hit, f'other name of "{name}"'))
    if (
        not hits
        and product is None
        and intervention.description
        and not _lists_options(intervention.description)
    ):
        for hit in find_mechanisms(intervention.description, cancer):
            if hit.category == "surgery" and intervention.type != "PROCEDURE":
                continue
            hits.append((hit, f'description of "{name}"'))
    if (
        cancer
        and intervention.type in _CELL_TYPES
        and all(h.category == "car-t" for h, _ in hits)
        and k.cell_words.search(name)
    ):
        hits.extend(_product_named_elsewhere(intervention, trial))
    if not hits and cancer and product is None:
        hits.extend(_mesh_hits(intervention, trial, k, other_names=not disagree))
    if not cancer:  # outside cancer trials, only procedures count
        hits = [(h, s) for h, s in hits if h.category in PROCEDURE_CATEGORIES]
    if hits:
        agents = 1 if choice else max(1, len(agent_names([h for h, _ in hits])))
        return Treatment(intervention, tuple(hits), True, agents)
    if product is not None and not product.partner:
        return Treatment(intervention, (), False, 0, f"no treatment of its own ({product.kind})")
    unclassified_drug = cancer and intervention.type in DRUG_TYPES
    return Treatment(intervention, (), unclassified_drug, 1 if unclassified_drug else 0)


_CELL_TYPES = DRUG_TYPES | {"OTHER"}


def _different_medicines(found: list[tuple[Hit, ...]]) -> bool:
    """Whether two of an intervention's other names (their hits, ``found``) name different
    treatments: they cannot both be names of it. Umbrella terms name no medicine, but two of
    no shared category differ ("Hyperthermia": "Radiotherapy", "Chemotherapy", NCT05099809)."""
    medicines = {frozenset(h.canonical for h in hits if not h.generic) for hits in found}
    medicines.discard(frozenset())
    if len(medicines) >= 2:
        return True
    kinds = [{h.category for h in hits} for hits in found if hits]
    return any(a.isdisjoint(b) for i, a in enumerate(kinds) for b in kinds[i + 1 :])


_SENTENCE_END = re.compile(r"\.\s+(?=[A-Z])|\n+")


def _without_pretreatment(
    hits: list[tuple[Hit, str]], description: str, k: Knowledge
) -> tuple[list[tuple[Hit, str]], set[str]]:
    """The treatments a combination's name names, but for one that a sentence of its
    ``description``, naming it alone of them, says is given only to prepare for the others (all
    of them when that would leave none), and what those are."""
    if not k.pretreatment.may_match(description):
        return hits, set()
    prepared: set[str] = set()
    for sentence in _SENTENCE_END.split(description):
        if k.pretreatment.regex.search(sentence):
            lowered = sentence.lower()
            named = {h.canonical for h, _ in hits if not h.generic and h.matched.lower() in lowered}
            if len(named) == 1:
                prepared |= named
    kept = [(hit, source) for hit, source in hits if hit.canonical not in prepared]
    return (kept, prepared) if kept else (hits, set())


def _a_choice(intervention: Intervention, k: Knowledge) -> bool:
    """Whether an intervention says it is a choice among treatments, or lists what may be given."""
    description = intervention.description
    return bool(
        k.choice_arm.search(intervention.name)
        or k.choice_arm.search(description)
        or _lists_options(description)
    )


@lru_cache(maxsize=1024)
def product_named(name: str) -> Product | None:
    """The product of no treatment category (lexicon.toml [no_category]) that ``name`` names:
    "JNJ-90301900 (NBTXR3)" is NBTXR3, particles that radiotherapy activates, no radiotherapy."""
    products = knowledge().products
    words = split_words(lower(name))[0]
    for i, word in enumerate(words):
        for spelling, product in products.get(word, ()):
            if tuple(words[i : i + len(spelling)]) == spelling:
                return product
    return None


def _product_named_elsewhere(intervention: Intervention, trial: Trial) -> list[tuple[Hit, str]]:
    """The CAR T product that the intervention's own arms, or else the trial's titles, name
    ("Tecartus for ...") for an intervention named only as cells ("CAR T cells")."""
    arms = arm_interventions(trial)
    index = trial.interventions.index(intervention)
    places = [
        (f'arm "{arm.label}"', text)
        for arm in trial.arm_groups
        if index in arms.get(arm.label, ())
        for text in (arm.label, arm.description)
    ]
    places += [("title", trial.brief_title), ("official title", trial.official_title)]
    for place, text in places:
        hits = [
            hit
            for hit in find_terms(text, True)
            if hit.category == "car-t"
            and not hit.generic
            and not negated_before(text, max(0, text.find(hit.matched)))
        ]
        if hits:
            source = f'{place}, for "{intervention.name}"'
            return [(hit, source) for hit in hits]
    return []


def car_t_source(intervention: Intervention, trial: Trial | None = None) -> str:
    """Where a CAR T product's cells come from: "autologous" (the patient's own), "allogeneic"
    (a donor's, "off the shelf"), or "" when the record does not say, or says both.

    What the intervention says of itself comes first: a product the lexicon knows in its names,
    the words of its names, then of its description (``[car-t.made_from]``); last, for an
    intervention named only as cells, the product its arm or ``trial``'s title names.
    """
    k = knowledge()
    names = (intervention.name, *intervention.other_names)
    own = [hit for name in names for hit in find_terms(name, True) if hit.category == "car-t"]
    said = _made_from(own, k)
    for text in (" | ".join(names), intervention.description):
        if said:
            break
        said = frozenset(kind for kind, words in k.made_from_words if words.search(text))
    named_as_cells = k.cell_words.search(intervention.name)
    if not said and named_as_cells and trial is not None and intervention in trial.interventions:
        said = _made_from([hit for hit, _ in _product_named_elsewhere(intervention, trial)], k)
    return next(iter(said)) if len(said) == 1 else ""


def _made_from(hits: list[Hit], k: Knowledge) -> frozenset[str]:
    return frozenset(
        k.car_t_made_from[key] for h in hits if (key := name_key(h.canonical)) in k.car_t_made_from
    )


def _regimen_steroid(intervention: Intervention, trial: Trial, k: Knowledge) -> bool:
    """A steroid given as part of a blood cancer's regimen ("pomalidomide + dexamethasone")."""
    words = split_words(lower(intervention.name))[0]
    if not words or words[0] not in k.regimen_steroids:
        return False
    if k.steroid_support.search(f"{intervention.name} {intervention.description}"):
        return False
    about = lower(" ".join((*trial.conditions, trial.brief_title)))
    return any(map(about.__contains__, k.blood_cancers))


@lru_cache(maxsize=4096)
def not_treatment_kinds(name: str) -> frozenset[str | None]:
    """What a name says it is besides a treatment: "placebo", "test", "supportive" (one scan)."""
    guarded = knowledge().not_treatment
    if not guarded.may_match(name):
        return frozenset()
    return frozenset(m.lastgroup for m in guarded.regex.finditer(name))


# A description listing what may be given ("may include ...") does not say what is given.
_OPTIONS = re.compile(
    r"\bmay include|\bsuch as\b|\bnot limited to|\be\.g\."
    r"|\b(?:investigator|physician)['’]?s choice",
    re.IGNORECASE,
)
_OPTIONS_WORDS = ("may include", "such as", "not limited to", "e.g.", "s choice")


def _lists_options(description: str) -> bool:
    """Whether a description lists what may be given; the pattern runs only if a word is there."""
    lowered = lower(description)
    return may_match(lowered, _OPTIONS_WORDS) and _OPTIONS.search(description) is not None


def _mesh_hits(
    intervention: Intervention, trial: Trial, k: Knowledge, other_names: bool = True
) -> list[tuple[Hit, str]]:
    """The second, noisier signal: the MeSH term ClinicalTrials.gov derived for this drug (by
    its name, or one of its ``other_names`` too)."""
    given = (intervention.name, *intervention.other_names) if other_names else (intervention.name,)
    names = {name_key(n) for n in given if name_key(n)}
    for mesh in trial.intervention_mesh:
        mesh_key = name_key(mesh.term)
        if not mesh_key or not any(mesh_key in n or n in mesh_key for n in names):
            continue
        term = k.terms.get(mesh_key)
        if term is not None:
            return [
                (
                    _with_how(hit, f'MeSH term "{mesh.term}" is {k.is_a[hit.category]}'),
                    "MeSH term",
                )
                for hit in _term_hits(term, mesh.term)
            ]
        if len(trial.intervention_mesh) == 1:  # the ancestors then belong to this term alone
            for ancestor in trial.intervention_mesh_ancestors:
                category = k.mesh_ancestors.get(ancestor.term.casefold())
                if category:
                    how = f'MeSH term "{mesh.term}" falls under "{ancestor.term}"'
                    return [(Hit(category, mesh.term, mesh.term, how), "MeSH term")]
    return []


def _with_how(hit: Hit, how: str) -> Hit:
    """The same hit, explained differently."""
    return Hit(hit.category, hit.canonical, hit.matched, how, hit.generic, hit.agents)


@per_trial
def classified(trial: Trial) -> tuple[Treatment, ...]:
    """What each of ``trial``'s interventions is (:func:`classify`), in the trial's order: read
    once, for the tagging and the summary alike."""
    k = knowledge()
    cancer = is_cancer_trial(trial)
    return tuple(classify(i, cancer, trial, k) for i in trial.interventions)


def not_treatments(trial: Trial) -> tuple[str, ...]:
    """For each of ``trial``'s interventions, in the trial's order, as :func:`classify` reads
    it: "placebo", "test" for a test, scan, sample or questionnaire, "support" for a supportive
    medicine given beside the trial's treatments as a premedication or rescue medication
    ("H1 Receptor Antagonist", "Administered as rescue medication", NCT06305754), "" for
    anything else (what prepares the body for a cell therapy: ``arms.conditioning``)."""
    treatments = classified(trial)
    beside = any(not t.note for t in treatments)
    support = knowledge().steroid_support
    return tuple(
        "support"
        if beside
        and t.note.startswith("a supportive")
        and support.search(t.intervention.description)
        else _not_a_treatment(t)
        for t in treatments
    )


def _not_a_treatment(treatment: Treatment) -> str:
    note = treatment.note
    if note == "placebo":
        return "placebo"
    return "test" if note.startswith("a test") else ""
