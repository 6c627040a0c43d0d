"""Which diseases a text names, and how diseases relate: the vocabulary of ``data/diseases.toml``.

The prescreen reads a profile's ``diagnosis`` ("multiple myeloma, first relapse") and a trial's
conditions ("Relapsed or Refractory Multiple Myeloma") with it, then asks how the two relate:
the same disease or a broader one ("Solid Tumor" takes lung cancer), a narrower one (a trial
for triple-negative breast cancer, a patient with "breast cancer"), a related one, or none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, KeysView
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from trialfinder.knowledge import load_toml, phrases_pattern
from trialfinder.model import Trial

DATA_FILE = "diseases.toml"

# How one disease relates to another, seen from the trial's side.
SAME_OR_BROADER = "broader"  # the trial's disease is the patient's, or includes it
NARROWER = "narrower"  # the trial's disease is a part of the patient's (it may be theirs)
RELATED = "related"  # a trial for it may or may not take the patient's disease
UNRELATED = "none"


@dataclass(frozen=True)
class Disease:
    name: str
    lineage: frozenset[str]  # itself and every disease it is within, directly or not
    related: frozenset[str]
    markers: tuple[str, ...]  # what defines it, as a profile writes markers ("HER2 positive")
    general: bool
    cancer: bool
    search: str  # what a search asks the registry for


@dataclass(frozen=True)
class Diagnosis:
    """What a profile's ``diagnosis`` says."""

    text: str
    diseases: tuple[str, ...]  # the most specific diseases named, in order
    healthy: bool = False  # a healthy volunteer
    not_diagnosed: bool = False  # nothing diagnosed yet ("breast lump, not diagnosed")
    cancer_free: bool = False  # no cancer, nothing said of other illness ("no cancer, carer")
    # short names that may mean more than one disease, not read ("MM"), with what they may mean
    ambiguous: tuple[tuple[str, str], ...] = ()

    @property
    def known(self) -> bool:
        """Whether the prescreen can use it at all."""
        return bool(self.diseases) or self.healthy or self.not_diagnosed or self.cancer_free

    @property
    def has_cancer(self) -> bool:
        vocabulary = diseases()
        return not self.not_diagnosed and any(vocabulary.get(d).cancer for d in self.diseases)

    @property
    def search_terms(self) -> tuple[str, ...]:
        """What to search the registry for: the cancers named (none without one)."""
        if not self.has_cancer:
            return ()
        vocabulary = diseases()
        found = (vocabulary.get(d) for d in self.diseases)
        return tuple(dict.fromkeys(d.search for d in found if d.cancer))


@dataclass(frozen=True)
class TrialDiseases:
    """The diseases a trial is for, from its conditions (or, when they name none, its titles)."""

    included: tuple[str, ...]
    excluded: tuple[str, ...]  # named after "excluding" in a condition
    unnamed: bool  # a condition uses a cancer word but names no disease the vocabulary knows
    source: str  # "conditions" or "title"
    text: str  # what was read, as written
    healthy: bool = False  # a condition names healthy volunteers ("Healthy Participants")
    # What named the diseases says them only suspected ("Suspected Lung Neoplasms"): the trial
    # is for people not yet diagnosed, whatever they turn out to have.
    suspected: bool = False


class Vocabulary:
    """The diseases of the data file, with an index of the words that name them."""

    def __init__(self, table: dict[str, Any]) -> None:
        self.spelling: dict[str, list[str]] = {
            k.lower(): v.lower().split() for k, v in table["spelling"].items()
        }
        self._words: dict[str, list[str]] = {}  # each word folded once
        words = table["words"]
        entries = table["disease"]
        # Every name under `within` is a disease of the file (checked when it is read).
        within = {name: tuple(entry.get("within", ())) for name, entry in entries.items()}
        self.diseases: dict[str, Disease] = {}
        for name, entry in entries.items():
            self.diseases[name] = Disease(
                name=name,
                lineage=frozenset(_lineage(name, within)),
                related=frozenset(entry.get("related", ())),
                markers=tuple(entry.get("markers", ())),
                general=bool(entry.get("general", False)),
                cancer=bool(entry.get("cancer", True)),
                search=entry.get("search", name),
            )
        phrases = [(p, name) for name, e in entries.items() for p in e.get("phrases", ())]
        self.known_words = {w for p, _ in phrases for w in self._fold(p.split())}
        self.phrases = _Index((self._fold(p.split()), name) for p, name in phrases)
        self.acronyms = _Index(
            (_WORD.findall(a), name) for name, e in entries.items() for a in e.get("acronyms", ())
        )
        self.organs = {
            w: name for name, e in entries.items() for o in e.get("organs", ()) for w in [o.lower()]
        }
        # short words of a change ("small cell", hyphenated or not, with or without
        # "transformation" after) -> (the disease it is within, the disease it becomes)
        self.became_short: list[tuple[re.Pattern[str], str, str]] = [
            (_short_change(w), names[0], names[1])
            for w, names in words.get("became_short", {}).items()
        ]
        self.profile_organs = {
            **self.organs,
            **{w.lower(): name for w, name in words.get("profile_organs", {}).items()},
        }
        not_origin = "|".join(re.escape(w) for w in words.get("organ_not_origin", ()))
        self.organ_not_origin = re.compile(
            rf"\b(?:{not_origin})\b" if not_origin else r"(?!)", re.I
        )
        self.cancer_words = frozenset(self._fold(" ".join(words["cancer_words"]).split()))
        self.metastasis = frozenset(self._fold(" ".join(words["metastasis"]).split()))
        self.excluding = [tuple(self._fold(p.split())) for p in words["excluding"]]
        self.excluding_starts = frozenset(p[0] for p in self.excluding)
        self.healthy = _Index((self._fold(p.split()), "healthy") for p in words["healthy"])
        self.not_diagnosed = _Index(
            (self._fold(p.split()), "not diagnosed") for p in words["not_diagnosed"]
        )
        doubts = "|".join(re.escape(w) for w in words["profile_not_diagnosed"])
        self.doubt = re.compile(rf"(?<![\w-])(?:{doubts})(?![\w-])", re.IGNORECASE)
        self.profile_healthy = _Index(
            (self._fold(p.split()), "healthy") for p in words["profile_healthy"]
        )
        history = "|".join(re.escape(w) for w in words["profile_history"])
        self.profile_history = re.compile(rf"\b(?:{history})\b", re.IGNORECASE)
        not_now = "|".join(
            re.escape(w) for w in (*words["profile_history"], *words["profile_not_now"])
        )
        self.profile_not_now = re.compile(rf"\b(?:{not_now})\b", re.IGNORECASE)
        self.profile_past = phrases_pattern(words["profile_past"])
        active = "|".join(re.escape(w) for w in words["profile_active"])
        # (not denied: "never relapsed", "no progression", "not metastatic")
        self.profile_active = re.compile(
            rf"(?<!\bnot )(?<!\bnever )(?<!\bno )(?<![\w-])(?:{active})(?![\w-])", re.IGNORECASE
        )
        self.profile_past_when = re.compile(words["profile_past_when"], re.IGNORECASE)
        # short name -> what else it may mean (as written: "MM", not "mm")
        self.profile_ambiguous: dict[str, str] = dict(words.get("profile_ambiguous", {}))
        # those whose every meaning is a cancer
        self.ambiguous_cancers = frozenset(words.get("profile_ambiguous_cancers", ()))
        # name -> the words that say it may not mean its usual disease
        hints = words.get("profile_ambiguous_hints", {})
        self.ambiguous_hints = {
            name: phrases_pattern(hints.get(name, ())) if hints.get(name) else re.compile("(?!)")
            for name in self.profile_ambiguous
        }
        names = "|".join(re.escape(a) for a in self.profile_ambiguous)
        # (not within a word: "mUC", "RRMM"; beside a hyphen it is one: "ABC-type", "UC-associated")
        self.ambiguous_names = re.compile(rf"(?<!\w)(?:{names})(?!\w)" if names else "(?!)")
        became = "|".join(re.escape(w) for w in words["profile_became"])
        self.profile_became = re.compile(rf"\b(?:{became})\b", re.IGNORECASE)
        # Nothing diagnosed yet, said in the whole text (not a doubt: see `doubt`)
        self.undiagnosed = _Index(
            (self._fold(p.split()), "not diagnosed")
            for p in words["not_diagnosed"]
            if p not in words["profile_not_diagnosed"]
        )
        self.not_diseases = _Index(
            (self._fold(p.split()), "") for p in words.get("not_diseases", ())
        )
        reference = "|".join(re.escape(w) for w in words.get("reference", ()))
        # A word of `reference` and the next few words of its clause.
        self.reference = re.compile(
            rf"\b(?:{reference})\b(?:[^\w.;:\n]+\w+){{0,{_REFERENCE_REACH}}}"
            if reference
            else "(?!)",
            re.IGNORECASE,
        )

    def get(self, name: str) -> Disease:
        return self.diseases[name]

    # -- words ------------------------------------------------------------------------------

    def _fold(self, words: list[str]) -> list[str]:
        folded: list[str] = []
        for word in words:
            word = word.lower()
            folded.extend(self.spelling.get(word, [word]))
        return folded

    def _word(self, lower: str) -> list[str]:
        """One word folded: its spelling, and a plural "s" dropped when the singular is known."""
        return self._words.get(lower) or self._fold_word(lower)

    def _fold_word(self, lower: str) -> list[str]:
        parts = self._fold_one(lower)
        if len(self._words) < 50_000:
            self._words[lower] = parts
        return parts

    def _fold_one(self, lower: str) -> list[str]:
        parts: list[str] | None = self.spelling.get(lower)
        if parts is not None:
            return parts
        if lower not in self.known_words and lower.endswith("s"):
            singular = lower[:-1]
            parts = self.spelling.get(singular)
            if parts is not None:
                return parts
            if singular in self.known_words:
                return [singular]
        return [lower]

    def tokens(self, text: str) -> tuple[list[str], list[str]]:
        """(the words as written, the words folded), side by side: a folded word that is the
        second of two ("nonsmall" -> "non small") has "" as its written word."""
        if "'" in text or "’" in text:
            text = _POSSESSIVE.sub("", text.replace("’", "'"))
        if "+" in text:
            text = _PLUS.sub(" positive ", text)
        if "-" in text:
            text = _TRAILING_MINUS.sub(" negative ", text)
        written: list[str] = []
        folded: list[str] = []
        for word in _WORD.findall(text):
            parts = self._word(word.lower())
            written.append(word)
            folded.append(parts[0])
            for part in parts[1:]:
                written.append("")
                folded.append(part)
        return written, folded

    # -- finding diseases -----------------------------------------------------------------------

    def find(
        self, text: str, organs: bool = False, bare: bool = True
    ) -> tuple[list[str], list[str]]:
        """(diseases named, diseases named after "excluding"), leftmost-longest, in order.
        ``organs``: organ words count too (in a trial's conditions); ``bare``: a bare cancer
        word ("carcinoma") names a disease too."""
        text = self.reference.sub(" ", text)
        written, folded = self.tokens(text)
        cancer_text = not self.cancer_words.isdisjoint(folded)
        found: list[str] = []
        named: set[str] = set()  # found by more than a bare cancer word ("carcinoma")
        excluded: list[str] = []
        leaving_out = False
        i = 0
        while i < len(folded):
            word = folded[i]
            if word in self.excluding_starts:
                cut = next(
                    (len(p) for p in self.excluding if tuple(folded[i : i + len(p)]) == p), 0
                )
                if cut:
                    leaving_out = True
                    i += cut
                    continue
            size, name = self.phrases.match(folded, i)
            skip = self.not_diseases.match(folded, i)[0]
            if skip > size:  # ("Eastern Cooperative Oncology Group")
                i += skip
                continue
            if written[i] in self.acronyms.starts:
                acronym = self.acronyms.match(written, i)
                if acronym[0] > size:
                    size, name = acronym
            if not size and organs and cancer_text:
                organ = self.organs.get(folded[i])
                if organ and self.metastasis.isdisjoint(folded[i + 1 : i + 4]):
                    size, name = 1, organ
            if size == 1 and not bare and folded[i] in self.cancer_words:
                size = 0
            if size > 1 and self.diseases[name].general:
                # A broad phrase overlapping a narrower one ("locally advanced cancer cervix":
                # "advanced cancer", "cancer cervix"): the narrower one.
                later = next(
                    (j for j in range(i + 1, i + size) if self._narrower_from(folded, j, i + size)),
                    0,
                )
                if later:
                    i = later
                    continue
            if size:
                (excluded if leaving_out else found).append(name)
                if not leaving_out and (size > 1 or folded[i] not in self.cancer_words):
                    named.add(name)
                i += size
            else:
                i += 1
        # A bare cancer word ("Carcinoma Cervix") names the broad disease only when nothing in
        # the text names a narrower one.
        found = [
            n
            for n in found
            if n in named or not any(n != o and n in self.diseases[o].lineage for o in found)
        ]
        return list(dict.fromkeys(found)), list(dict.fromkeys(excluded))

    def _narrower_from(self, folded: list[str], start: int, end: int) -> bool:
        """Whether a phrase of a disease that is not general starts at ``start`` and goes on
        past ``end``."""
        size, name = self.phrases.match(folded, start)
        return start + size > end and not self.diseases[name].general

    def named_only(self, text: str, words: frozenset[str]) -> list[str]:
        """The diseases ``text`` names when it holds nothing else but ``words`` ("Acute
        promyelocytic leukemia (AML M3 subtype)"); none when any other word stands in it."""
        written, folded = self.tokens(text)
        found: list[str] = []
        i = 0
        while i < len(folded):
            size, name = self.phrases.match(folded, i)
            if written[i] in self.acronyms.starts:
                acronym = self.acronyms.match(written, i)
                if acronym[0] > size:
                    size, name = acronym
            if size:
                found.append(name)
                i += size
            elif folded[i] in words:
                i += 1
            else:
                return []
        return list(dict.fromkeys(found))

    def organ_named(self, text: str) -> list[str]:
        """The diseases organ words name beside a cancer word ("carcinoma of the breast",
        "endometrial adenocarcinoma"; see ``profile_organs``)."""
        if self.organ_not_origin.search(text):
            return []
        written, folded = self.tokens(text)
        found: list[str] = []
        for i, word in enumerate(folded):
            if word not in self.cancer_words:
                continue
            after = folded[i + 1 : i + 5]
            if after[:1] == ["of"]:
                start = 2 if after[1:2] == ["the"] else 1
                # of two organ words the later ("of the uterine cervix")
                organs = [
                    self.profile_organs[w]
                    for w in after[start : start + 2]
                    if w in self.profile_organs
                ]
                found.extend(organs[-1:])
            before = folded[max(0, i - 3) : i]
            near = [w for w in before if w in self.profile_organs]
            if near and self.metastasis.isdisjoint(before[before.index(near[-1]) :]):
                found.append(self.profile_organs[near[-1]])  # ("uterine cervical carcinoma")
        return list(dict.fromkeys(found))

    def most_specific(self, names: list[str] | tuple[str, ...]) -> tuple[str, ...]:
        """``names`` without those another of them is within, nor general ones beside others."""
        return self.telling(
            [
                n
                for n in names
                if not any(n != other and n in self.diseases[other].lineage for other in names)
            ]
        )

    def telling(self, names: list[str] | tuple[str, ...]) -> tuple[str, ...]:
        """``names`` without the general ones, when a more telling one is among them."""
        telling = [n for n in names if not self.diseases[n].general]
        return tuple(telling or names)

    def relation(self, patient: str, trial: str) -> str:
        """How the trial's disease ``trial`` relates to the patient's disease ``patient``."""
        mine, theirs = self.diseases[patient], self.diseases[trial]
        if trial in mine.lineage:
            return SAME_OR_BROADER
        if patient in theirs.lineage:
            return NARROWER
        if trial in mine.related:
            return RELATED  # a trial "for lymphoma" and CLL
        return UNRELATED

    def defining_markers(self, patient: str, trial: str) -> tuple[str, ...]:
        """The markers that define ``trial`` within the patient's broader ``patient``: those of
        every disease between them ("triple-negative" within "breast cancer": HR+ and HER2
        negative)."""
        theirs = self.diseases[trial]
        between = [
            self.diseases[n]
            for n in theirs.lineage
            if n != patient and patient in self.diseases[n].lineage
        ]
        return tuple(dict.fromkeys(m for d in between for m in d.markers))


class _Index:
    """Phrases by their first word, longest first: one look-up per word of a text."""

    def __init__(self, entries: Iterable[tuple[Iterable[str], str]]) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for words, name in entries:
            words = tuple(words)
            if words:
                self._by_first.setdefault(words[0], []).append((words, name))
        for found in self._by_first.values():
            found.sort(key=lambda entry: -len(entry[0]))

    @property
    def starts(self) -> KeysView[str]:
        """The words a phrase can start with."""
        return self._by_first.keys()

    def match(self, words: list[str], i: int) -> tuple[int, str]:
        """(how many words, name) of the longest phrase at ``words[i]``, or (0, "")."""
        for phrase, name in self._by_first.get(words[i], ()):
            size = len(phrase)
            if size == 1 or tuple(words[i : i + size]) == phrase:
                return size, name
        return 0, ""

    def search(self, words: list[str]) -> bool:
        return any(self.match(words, i)[0] for i in range(len(words)))


# How many words after a word of `reference` ("guidelines"), in its clause, are the guideline's.
_REFERENCE_REACH = 6

_WORD = re.compile(r"[A-Za-z0-9]+")
_POSSESSIVE = re.compile(r"'s\b")
_PLUS = re.compile(r"\+")
# A minus after a marker ("ER-", "HER2- breast cancer") says negative; not after a lone letter,
# which is a word cut before a space ("Diffuse Large B- Cell Lymphoma").
_TRAILING_MINUS = re.compile(r"(?<=[A-Za-z0-9])(?<!\b[A-Za-z])-(?=$|[\s/,;)])")


def _short_change(words: str) -> re.Pattern[str]:
    """The words of a change ("small cell"), hyphenated or not, with "transformation" after
    them or not."""
    spelled = r"[\s-]+".join(map(re.escape, words.split()))
    return re.compile(rf"\b{spelled}(?:\s+transformation\b)?", re.IGNORECASE)


def _lineage(name: str, within: dict[str, tuple[str, ...]]) -> set[str]:
    found = {name}
    todo = list(within[name])
    while todo:
        parent = todo.pop()
        if parent not in found:
            found.add(parent)
            todo.extend(within[parent])
    return found


def _named_in(vocabulary: Vocabulary, part: str) -> list[str]:
    """The diseases a part of a diagnosis names in its clauses of now (not "mother had ...")."""
    return [
        d
        for clause in re.split(r"[,()]", part)
        if not vocabulary.profile_not_now.search(clause)
        for d in _named_now(vocabulary, clause)
    ]


def _past_diseases(vocabulary: Vocabulary, text: str) -> set[str]:
    """The diseases of the parts of a diagnosis that say of a cancer that it is past, beside a
    part that says of another that it is active (``profile_past``, ``profile_active``). Read in
    the words as written: "no recurrence" is no denial of a disease."""
    pieces = re.split(r"(;|\bnow\b)", text, flags=re.IGNORECASE)
    past: list[list[str]] = []  # the diseases of each part that says they are past
    active: list[set[str]] = []  # those of each part that says they are active
    for i in range(0, len(pieces), 2):
        part = pieces[i]
        named = _named_in(vocabulary, part)
        gone = vocabulary.profile_past.search(part) is not None
        going = vocabulary.profile_active.search(part) is not None
        if gone and not going and vocabulary.profile_past_when.search(part):
            past.append(named)
        elif named and not gone and (going or (i > 0 and pieces[i - 1].lower() == "now")):
            active.append(set(named))
    return {d for named in past for d in named if any(d not in others for others in active)}


@cache
def _complication_cues() -> dict[str, re.Pattern[str]]:
    names: dict[str, list[str]] = load_toml(DATA_FILE)["complications"]["names"]
    return {name: phrases_pattern(spellings) for name, spellings in names.items()}


def complications_in(text: str) -> tuple[str, ...]:
    """The complications (``[complications]`` of the data file: a state of the patient, not a
    disease trialfinder knows) ``text`` names, by their names: "Radionecrosis of Brain" gives
    ("radionecrosis",)."""
    return tuple(name for name, cue in _complication_cues().items() if cue.search(text))


def complication_at(name: str, text: str) -> re.Match[str] | None:
    """Where ``text`` names the complication ``name`` (one of :func:`complications_in`)."""
    return _complication_cues()[name].search(text)


def complications_named(conditions: Iterable[str], of_the_cancer: bool = True) -> tuple[str, ...]:
    """The complications a record's ``conditions`` name, each a condition naming no disease
    trialfinder knows ("Radionecrosis of Brain" beside glioma, NCT06016452); without those that
    are the cancer where it spread (``of_the_cancer``: peritoneal metastases) unless asked."""
    vocabulary = diseases()
    itself = load_toml(DATA_FILE)["complications"]["of_the_cancer"]
    found = [
        name
        for condition in conditions
        for name in complications_in(condition)
        if (of_the_cancer or name not in itself) and not vocabulary.find(condition, organs=True)[0]
    ]
    return tuple(dict.fromkeys(found))


@cache
def diseases() -> Vocabulary:
    """The vocabulary of ``data/diseases.toml``, compiled once."""
    return Vocabulary(load_toml(DATA_FILE))


def _named_now(vocabulary: Vocabulary, text: str) -> list[str]:
    """The diseases ``text`` names, of a change only what it became ("MDS progressed to AML":
    the AML; "follicular lymphoma transformed to large cell": a large B-cell lymphoma)."""
    found, _ = vocabulary.find(text)
    became = vocabulary.profile_became.search(text)
    if became:
        after, _ = vocabulary.find(text[became.start() :])
        if after:
            return after
    for pattern, within, target in vocabulary.became_short:
        short = pattern.search(text)
        if not short or not any(within in vocabulary.get(d).lineage for d in found):
            continue
        if became and became.end() <= short.start():
            return [target]  # ("transformed to large cell")
        if short.group().lower().endswith("transformation"):
            return [*found, target]  # ("with small cell transformation")
    return found


# A disease denied in a diagnosis ("AML, not APL", "CLL, no Richter transformation", "no evidence
# of large cell transformation"): the denial and up to five words after it in its clause, not a
# word that starts another thought ("CLL without treatment until 2023 when it transformed to
# DLBCL", "no evidence of disease after surgery for colon cancer"); and an acronym right after
# "non" ("AML (non-APL)"), not a word ("non-small cell", "non-Hodgkin").
_DENIED = re.compile(
    r"\b(?:not|no|without|excluding|except)\b"
    r"(?:\s+(?!(?:now|when|then|until|after|before|but|since|and|transformed|became|progressed)\b)"
    r"[\w/-]+){1,5}",
    re.IGNORECASE,
)
_NON = re.compile(r"\bnon[\s-]?([A-Za-z0-9]+)", re.IGNORECASE)


def _undenied(vocabulary: Vocabulary, text: str) -> str:
    """``text`` without the diseases it denies (see ``_DENIED``)."""
    text = _DENIED.sub(" ", text)
    return _NON.sub(
        lambda m: " " if m[1].isupper() and m[1] in vocabulary.acronyms.starts else m[0], text
    )


_DENIED_BEFORE = re.compile(r"(?i)\b(?:no|not|without)\s+$")


def _clause_of(text: str, start: int, end: int) -> str:
    """The part of ``text`` between semicolons around ``start:end``: where a hint of a short
    name's other meaning counts ("HR positive ABC, HER2 negative; type 2 diabetes" hints
    nothing)."""
    low = text.rfind(";", 0, start) + 1
    high = text.find(";", end)
    return text[low : high if high >= 0 else len(text)]


@lru_cache(maxsize=256)
def read_diagnosis(text: str) -> Diagnosis:
    """The diseases a profile's ``diagnosis`` names (no organ words: "lung metastases"); a short
    name that may mean several ("MM": ``profile_ambiguous`` of diseases.toml) is a cancer not
    known."""
    vocabulary = diseases()
    # A short name of several diseases is taken for its usual one ("MM" a myeloma) unless its
    # part of the diagnosis (between semicolons) holds a word of another ("cutaneous MM";
    # "background of UC", ulcerative colitis: `profile_ambiguous_hints`): then it stands for a
    # cancer not known when every meaning is one, as a clause of its own that no organ before
    # it makes a disease with ("lung MM" was lung cancer), and for nothing otherwise; a denial
    # right before it still denies.
    hinted = [
        m
        for m in vocabulary.ambiguous_names.finditer(text)
        if vocabulary.ambiguous_hints[m.group()].search(_clause_of(text, m.start(), m.end()))
    ]
    ambiguous = tuple(
        dict.fromkeys((m.group(), vocabulary.profile_ambiguous[m.group()]) for m in hinted)
    )
    written_as = text
    pieces, copied = [], 0
    for m in hinted:
        cancer = m.group() in vocabulary.ambiguous_cancers and not _DENIED_BEFORE.search(
            text, 0, m.start()
        )
        pieces += [text[copied : m.start()], " ; malignant neoplasm ; " if cancer else " "]
        copied = m.end()
    text = "".join(pieces) + text[copied:]
    written, folded = vocabulary.tokens(text)
    read = _undenied(vocabulary, text)  # the words the diseases are read from
    found = _named_now(vocabulary, read)
    if not found and _named_now(vocabulary, text):
        # a denial that leaves no disease denies something else ("Not yet treated metastatic
        # lung adenocarcinoma", "untreated and not operable pancreatic cancer")
        read = text
        found = _named_now(vocabulary, read)
    organs = vocabulary.organ_named(read) if found else []
    if organs and all(any(d in vocabulary.get(o).lineage for o in organs) for d in found):
        found = organs  # ("carcinoma of the breast": not any solid tumour)
    clauses = re.split(r"[,;()]|\bnow\b", read, flags=re.IGNORECASE)
    past = _past_diseases(vocabulary, text)
    current = [
        d
        for c in clauses
        if not vocabulary.profile_not_now.search(c)
        for d in _named_now(vocabulary, c)
        if d not in past
    ]
    if current and len(current) < len(found):
        found = current  # ("history of breast cancer, now lung adenocarcinoma")
    cues = sorted(
        [*vocabulary.profile_history.finditer(read), *vocabulary.doubt.finditer(read)],
        key=lambda m: m.start(),
    )
    for cue in cues:
        now = _named_now(vocabulary, read[: cue.start()])
        if now:
            # ("therapy-related AML after breast cancer": the AML; "multiple myeloma; query AL
            # amyloidosis": the myeloma)
            found = now
            break
    if vocabulary.profile_healthy.search(folded) and all(vocabulary.get(d).general for d in found):
        found = []  # ("no cancer", "cancer free")
    # Nothing diagnosed yet: said plainly ("not yet diagnosed"), or a doubt ("possible",
    # "query") before any disease is named ("awaiting biopsy for possible myeloma"), not after
    # one ("metastatic NSCLC, possible brain metastases")
    doubt = vocabulary.doubt.search(read)
    # ... or after it, as a clause of its own ("lung cancer, possible", "myeloma (suspected)");
    # a question mark is none ("relapsed DLBCL?" may ask of a detail)
    last = re.split(r"[,;(]", read)[-1].strip(" .)")
    doubted = last != read.strip(" .") and vocabulary.doubt.fullmatch(last) is not None
    not_diagnosed = (
        vocabulary.undiagnosed.search(folded)
        or text.lstrip().startswith("?")
        or doubted
        or (doubt is not None and not vocabulary.find(read[: doubt.start()])[0])
    )
    healthy = not found and vocabulary.healthy.search(folded)
    cancer_free = not found and not healthy and vocabulary.profile_healthy.search(folded)
    return Diagnosis(
        text=written_as,
        diseases=() if not_diagnosed else vocabulary.most_specific(found),
        healthy=bool(healthy),
        not_diagnosed=bool(not_diagnosed),
        cancer_free=bool(cancer_free),
        # (no word of one that names what the rest of the diagnosis does: "multiple myeloma (MM)")
        ambiguous=tuple(a for a in ambiguous if not set(vocabulary.find(a[0])[0]) & set(found)),
    )


def named_diseases(text: str) -> tuple[str, ...]:
    """The diseases ``text`` names, not the general ones ("cancer", "solid tumor")."""
    vocabulary = diseases()
    found, _ = vocabulary.find(text, bare=False)
    return tuple(n for n in found if not vocabulary.get(n).general)


def kin(one: str, other: str) -> bool:
    """Whether two diseases are kinds of one within a broad group (HER2-positive and triple-
    negative breast cancer: breast cancer, within solid tumors), not only of that group."""
    vocabulary = diseases()

    def narrow(name: str) -> bool:
        disease = vocabulary.get(name)
        above = disease.lineage - {name}
        return not disease.general and any(not vocabulary.get(a).general for a in above)

    shared = vocabulary.get(one).lineage & vocabulary.get(other).lineage
    return any(narrow(d) for d in shared)


def only_other_diseases(disease: str, named: tuple[str, ...]) -> bool:
    """Whether every one of ``named`` (the diseases a criterion names) is unrelated to
    ``disease``, and no kind of one with it: "ER+/HER2- or triple-negative breast cancer" is no
    rule for a prostate cancer."""
    vocabulary = diseases()
    return all(vocabulary.relation(disease, n) == UNRELATED and not kin(disease, n) for n in named)


def within_scope(scope: tuple[str, ...], trial: Trial) -> bool:
    """Whether every disease ``trial`` is for is one of the diseases ``scope`` names, or within
    one (a rule of "measurable disease per RECIST v1.1 for solid tumors" in a trial for gastric
    cancer holds for everyone); not when the trial names no disease, or one the vocabulary does
    not know."""
    found = trial_diseases(trial)
    if not scope or not found.included or found.unnamed:
        return False
    vocabulary = diseases()
    return all(
        any(vocabulary.relation(d, s) == SAME_OR_BROADER for s in scope if s in vocabulary.diseases)
        for d in found.included
    )


def about_trial_diseases(scope: tuple[str, ...], trial: Trial) -> bool:
    """Whether each disease ``scope`` names is one ``trial`` is for, within one, or one that
    includes one ("ovarian cancer" in a trial for ovarian, colorectal and kidney cancer; not
    "colorectal cancer" in a trial whose conditions name only pancreatic cancer)."""
    found = trial_diseases(trial)
    vocabulary = diseases()
    return all(
        s in vocabulary.diseases
        and any(
            SAME_OR_BROADER in (vocabulary.relation(d, s), vocabulary.relation(s, d))
            for d in found.included
        )
        for s in scope
    )


def all_within(trial: Trial, names: Iterable[str]) -> bool:
    """Whether every disease ``trial`` is for is one of the diseases ``names``, or within one
    (a medulloblastoma is within "brain tumor"). False for a trial that names none."""
    included = trial_diseases(trial).included
    known = diseases().diseases
    names = tuple(names)
    return bool(included) and all(any(n in known[d].lineage for n in names) for d in included)


def trial_diseases(trial: Trial) -> TrialDiseases:
    """The diseases ``trial`` is for (see :class:`TrialDiseases`)."""
    return _trial_diseases(trial.conditions, trial.brief_title, trial.official_title)


@lru_cache(maxsize=4096)
def _trial_diseases(conditions: tuple[str, ...], title: str, official: str) -> TrialDiseases:
    vocabulary = diseases()
    included: list[str] = []
    excluded: list[str] = []
    unnamed = healthy = False
    suspected = []  # of each condition that names a disease, whether it says it suspected
    for condition in conditions:
        found, left_out = vocabulary.find(condition, organs=True)
        included += found
        excluded += left_out
        if found:
            suspected.append(vocabulary.not_diagnosed.search(vocabulary.tokens(condition)[1]))
        if not found and not left_out:
            _, folded = vocabulary.tokens(condition)
            if vocabulary.healthy.search(folded):
                healthy = True
            else:
                unnamed = unnamed or not vocabulary.cancer_words.isdisjoint(folded)
    if included or healthy:
        return TrialDiseases(
            vocabulary.telling(list(dict.fromkeys(included))),
            tuple(dict.fromkeys(excluded)),
            unnamed,
            "conditions",
            "; ".join(conditions),
            healthy,
            suspected=bool(suspected) and all(suspected),
        )
    first: TrialDiseases | None = None
    for text in (title, official):
        found, left_out = vocabulary.find(text)
        if not found:
            continue
        doubt = vocabulary.not_diagnosed.search(vocabulary.tokens(text)[1])
        named = TrialDiseases(
            vocabulary.telling(found), tuple(left_out), unnamed, "title", text, suspected=doubt
        )
        if first is None:
            first = named
        # A title that names only a general disease ("... in Cancer Patients"), beside one that
        # names a kind of it ("... in Solid Cancer Patients", NCT06491082): the kind.
        if not all(vocabulary.get(d).general for d in named.included):
            return named
    return first or TrialDiseases((), tuple(dict.fromkeys(excluded)), unnamed, "conditions", "")
