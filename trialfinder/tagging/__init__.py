"""Tag a trial by treatment approach, disease setting and biomarker, with the evidence for each tag.

ClinicalTrials.gov only says an intervention is a DRUG, a BIOLOGICAL, a PROCEDURE and so on;
:func:`tag_trial` works out which of the :data:`CATEGORIES` each treatment belongs to, whether
the trial gives treatments together (``combination``), which disease settings it is for
(refractory, relapsed, resistant) and which biomarkers its patients must have. Every tag
carries :class:`Evidence`: where it was found and a sentence saying why.

The knowledge lives in data files (``trialfinder/data/lexicon.toml``, ``categories.toml``,
``biomarkers.toml``, ``settings.toml``); it is read and compiled once, on first use. Tagging
is pure and deterministic: the same trial always gives the same tags.
"""

from __future__ import annotations

import re
import string
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from functools import cache, lru_cache
from itertools import accumulate, compress, repeat
from typing import Any, NamedTuple

try:  # the reader of regular expressions, to find the words a pattern needs
    from re import _parser as _regex_parser  # type: ignore[attr-defined]
except ImportError:  # Python 3.10
    import sre_parse as _regex_parser  # type: ignore[no-redef]

from trialfinder.errors import InvalidInput
from trialfinder.knowledge import load_toml
from trialfinder.model import ArmGroup, Intervention, Trial

CATEGORY = "category"
SETTING = "setting"
BIOMARKER = "biomarker"

from trialfinder.vocabulary import CATEGORY_NAMES  # noqa: E402 (light, for the CLI's --help)

# When a word ends in stems of several categories, the first category listed here wins
# (a "-deruxtecan" conjugate is a targeted therapy although "-tecan" is a chemotherapy stem).
_STEM_PRIORITY = (
    "car-t",
    "immunotherapy",
    "targeted-therapy",
    "hormone-therapy",
    "chemotherapy",
    "radiation",
    "surgery",
    "stem-cell-transplant",
)
_CATEGORY_ORDER = {name: i for i, name in enumerate(CATEGORY_NAMES)}
_PROCEDURE_CATEGORIES = frozenset({"radiation", "surgery", "stem-cell-transplant"})
_DRUG_TYPES = frozenset({"DRUG", "BIOLOGICAL", "COMBINATION_PRODUCT", "GENETIC", "RADIATION"})
_EXCLUDED_ARMS = frozenset({"PLACEBO_COMPARATOR", "SHAM_COMPARATOR", "NO_INTERVENTION"})


@dataclass(frozen=True)
class Evidence:
    """Why one tag was given: the field it was found in, the text, the term and a sentence."""

    tag: str
    kind: str  # "category" | "setting" | "biomarker"
    source: str  # e.g. "intervention name", 'arm "Arm A"', "inclusion criteria"
    text: str  # the text the term was found in (shortened)
    matched: str  # the term or rule that matched
    reason: str  # a readable sentence, starting with the tag

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class Tags:
    categories: tuple[str, ...] = ()
    settings: tuple[str, ...] = ()
    biomarkers: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    # (intervention name, its categories), in the trial's order of interventions
    intervention_categories: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def categories_of(self, intervention_name: str) -> tuple[str, ...]:
        """The categories attributed to one intervention (by name, ignoring case)."""
        wanted = intervention_name.strip().casefold()
        found: list[str] = []
        for name, categories in self.intervention_categories:
            if name.casefold() == wanted:
                found.extend(c for c in categories if c not in found)
        return tuple(c for c in CATEGORY_NAMES if c in found)

    def evidence_for(self, tag: str) -> tuple[Evidence, ...]:
        return tuple(e for e in self.evidence if e.tag == tag)


# -- the knowledge, compiled once ---------------------------------------------------------


_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def _key(text: str) -> str:
    """Names compare without case, spaces or punctuation: "ISB 2001" == "isb-2001"."""
    return _NOT_ALNUM.sub("", text.lower())


@dataclass(frozen=True)
class _Term:
    canonical: str  # the generic name, e.g. "trastuzumab"
    key: str  # _key(canonical)
    categories: tuple[str, ...]
    generic: bool  # an umbrella term such as "chemotherapy"
    agents: int  # how many treatments the term stands for (regimens: 2)
    exact: str | None  # short acronyms must be written exactly so ("RT", "ET", "Kd")
    # (category, the end of the evidence sentence after the name), worded once
    phrases: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class _Pattern:
    category: str
    regex: re.Pattern[str]
    means: str
    find: tuple[str, ...]  # words near which the phrase can be (checked first, for speed)


class _Guarded:
    """A compiled pattern that is only run when the text holds a word every match contains.

    Long case-insensitive alternations are slow to run; looking for their words is not.
    """

    def __init__(self, regex: re.Pattern[str]) -> None:
        self.regex = regex
        self.words = _required_words(regex)

    def may_match(self, text: str) -> bool:
        return self.words is None or _may_match(_lower(text), self.words)

    def search(self, text: str) -> re.Match[str] | None:
        return self.regex.search(text) if self.may_match(text) else None


def _required_words(regex: re.Pattern[str]) -> tuple[str, ...] | None:
    """Lower-case pieces of text one of which every match of ``regex`` contains (None: unknown).

    Read from the parsed pattern: a run of plain letters in sequence, or one such run for each
    alternative of a group that must match.
    """
    try:
        parsed = _regex_parser.parse(regex.pattern, regex.flags)
    except Exception:  # noqa: BLE001 (a pattern the reader does not follow is simply run)
        return None
    found = _sequence_words(list(parsed))
    return tuple(sorted(found)) if found else None


def _sequence_words(items: list[tuple[Any, Any]]) -> set[str] | None:
    constants = _regex_parser
    options: list[set[str]] = []
    run: list[str] = []
    for op, value in [*items, (None, None)]:
        if op is constants.LITERAL and value < 128:
            run.append(chr(value).lower())
            continue
        if run:
            options.append({"".join(run)})
            run = []
        found: set[str] | None = None
        if op is constants.SUBPATTERN and not value[1] and not value[2]:  # no inline flags
            found = _sequence_words(list(value[3]))
        elif op is constants.BRANCH:
            branches = [_sequence_words(list(branch)) for branch in value[1]]
            if all(branches):
                found = set().union(*branches)  # type: ignore[arg-type]
        elif op in (constants.MAX_REPEAT, constants.MIN_REPEAT) and value[0] >= 1:
            found = _sequence_words(list(value[2]))
        elif op is constants.IN and all(
            kind is constants.LITERAL and char < 128 for kind, char in value
        ):
            found = {chr(char).lower() for _, char in value}
        if found:
            options.append(found)
    # The most selective choice: the one whose shortest piece is longest.
    return max(options, key=lambda words: min(map(len, words)), default=None)


@dataclass(frozen=True)
class _Biomarker:
    name: str
    regex: re.Pattern[str]
    variant: re.Pattern[str] | None
    variant_before: re.Pattern[str] | None
    needs_context: bool
    positive: re.Pattern[str] | None  # this marker's own context words, if it has them
    from_match: bool
    aliases: tuple[str, ...]
    capitals: frozenset[str]  # one of these capitalised words must be in the text...
    words: tuple[str, ...]  # ...or one of these (lower case) anywhere in it

    @property
    def one_tag(self) -> bool:
        """Every mention gives the same tag, the marker's name (no variants)."""
        return self.variant is None and self.variant_before is None and not self.from_match


class _Knowledge:
    """Everything read from the data files, with every pattern compiled once."""

    def __init__(self) -> None:
        lexicon = load_toml("lexicon.toml")
        self.is_a = {name: table["is_a"] for name, table in load_toml("categories.toml").items()}
        generic = {_key(g) for g in lexicon["context"]["generic"]}
        self.terms: dict[str, _Term] = {}
        self.aliases: list[tuple[str, _Term]] = []
        self.stems: list[tuple[str, str, str]] = []  # (stem, category, meaning)
        self.mechanisms: list[_Pattern] = []
        targets = lexicon["targeted-therapy"]["targets"]["any"]  # for mechanism phrases
        for category in _STEM_PRIORITY:
            table = lexicon.get(category, {})
            for canonical, aliases in table.get("drugs", {}).items():
                term_generic = _key(canonical) in generic
                for alias in (canonical, *aliases):
                    self._add_term(alias, canonical, (category,), term_generic, 1)
            stems = sorted(table.get("stems", {}).items(), key=lambda item: -len(item[0]))
            self.stems.extend((stem, category, means) for stem, means in stems)
            self.mechanisms.extend(
                _Pattern(
                    category,
                    re.compile(m["pattern"].replace("{targets}", targets), re.IGNORECASE),
                    m["means"],
                    tuple(m.get("find", ())),
                )
                for m in table.get("mechanisms", [])
            )
        # Every mechanism's `find` words, looked for once per text (one pass, not one per phrase).
        self.mechanism_words = tuple(sorted({w for m in self.mechanisms for w in m.find}))
        for canonical, regimen in lexicon["regimens"].items():
            for alias in (canonical, *regimen["names"]):
                self._add_term(alias, canonical, tuple(regimen["categories"]), False, 2)
        self.stem_tuple = tuple(stem for stem, _, _ in self.stems)
        conjugates = lexicon["targeted-therapy"]["conjugates"]
        self.antibody_endings = tuple(conjugates["antibody_endings"])
        self.payload_endings = tuple(conjugates["payload_endings"])
        self.conjugate_means = conjugates["means"]
        # The last letters every stem ends in: one set look-up rules out most words quickly.
        self.ending_size = min(3, *(len(stem) for stem in self.stem_tuple))
        self.stem_endings = frozenset(stem[-self.ending_size :] for stem in self.stem_tuple)
        # First word -> [(words, term)], longest first: one dict look-up per word of a text.
        self.index: dict[str, list[tuple[tuple[str, ...], _Term]]] = {}
        for alias, term in self.aliases:
            for words in _spellings(alias):
                entries = self.index.setdefault(words[0], [])
                if all(w != words for w, _ in entries):
                    entries.append((words, term))
        for entries in self.index.values():
            entries.sort(key=lambda entry: -len(entry[0]))
        not_treatment = lexicon["not_treatment"]
        self.placebo = re.compile(not_treatment["placebo"], re.IGNORECASE)
        self.supportive = _Guarded(re.compile(not_treatment["supportive"], re.IGNORECASE))
        self.conditioning = _Guarded(re.compile(not_treatment["conditioning"], re.IGNORECASE))
        self.stem_exceptions = frozenset(not_treatment["stem_exceptions"])
        # One scan of a name tells whether it is a placebo, a test or a supportive medicine.
        self.not_treatment = _Guarded(
            re.compile(
                "|".join(
                    f"(?P<{kind}>{not_treatment[kind]})"
                    for kind in ("placebo", "test", "supportive")
                ),
                re.IGNORECASE,
            )
        )
        steroids = lexicon["regimen_steroids"]
        self.regimen_steroids = frozenset(steroids["names"])
        self.blood_cancers = tuple(steroids["blood_cancers"])
        self.steroid_support = re.compile(steroids["support"])
        self.palliative = re.compile(lexicon["palliative"]["aims"], re.IGNORECASE)
        self.palliative_words = tuple(lexicon["palliative"]["find"])
        self.mesh_ancestors = {
            term.casefold(): category for term, category in lexicon["mesh_ancestors"].items()
        }
        words = [*load_toml("cancer.toml")["words"], *lexicon["context"]["cancer_words"]]
        # Whole capitalised acronyms ("ALL", "AML"); other words anywhere, in any case.
        self.cancer_acronyms = frozenset(w for w in words if w == w.upper())
        self.cancer_words = tuple(w.lower() for w in words if w != w.upper())
        self.settings = _settings_patterns(load_toml("settings.toml"))
        # Every setting's `find` words: where they are, the setting patterns are tried.
        self.setting_words = tuple(sorted({w for _, _, words in self.settings for w in words}))
        self.setting_plain = {
            name: table["plain"]
            for name, table in load_toml("settings.toml").items()
            if "plain" in table
        }
        self.setting_negation = re.compile(
            load_toml("settings.toml")["tagging"]["negations"], re.IGNORECASE
        )
        self.biomarkers, self.biomarker_context = _biomarker_patterns(load_toml("biomarkers.toml"))
        # The capital letters a capitalised find word starts with ("IDH1" -> "IDH") -> its markers:
        # one set intersection with a text's runs of capitals finds the markers worth a look.
        self.markers_by_capitals: dict[bytes, list[int]] = {}
        for index, marker in enumerate(self.biomarkers):
            for capital in marker.capitals:
                letters = re.match("[A-Z]*", capital).group().encode("ascii")  # type: ignore[union-attr]
                indexes = self.markers_by_capitals.setdefault(letters, [])
                if index not in indexes:
                    indexes.append(index)
        self.marker_words = tuple(
            (word, index) for index, marker in enumerate(self.biomarkers) for word in marker.words
        )

    def _add_term(
        self, alias: str, canonical: str, categories: tuple[str, ...], generic: bool, agents: int
    ) -> None:
        key = _key(alias)
        if not key or key in self.terms:
            return
        exact = alias if len(key) <= 4 else None
        if agents > 1:
            phrases = tuple(
                (c, f" is a regimen of several treatments, including {self.is_a[c]}")
                for c in categories
            )
        else:
            phrases = tuple((c, f" is {self.is_a[c]}") for c in categories)
        self.terms[key] = term = _Term(
            canonical, _key(canonical), categories, generic, agents, exact, phrases
        )
        self.aliases.append((alias, term))


_TOKEN = re.compile(r"[a-z0-9]+")


def _spellings(alias: str) -> set[tuple[str, ...]]:
    """The ways a name can be split into words: "APG-2575", "APG 2575" and "APG2575"."""
    words = tuple(_TOKEN.findall(_lower(alias)))
    joined = "".join(words)
    split = tuple(_TOKEN.findall(re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", joined)))
    return {w for w in (words, (joined,), split) if w}


def _lower(text: str) -> str:
    """Lower case with the same length, so that positions match the original text."""
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return lowered


def _settings_patterns(
    table: dict[str, Any],
) -> list[tuple[str, re.Pattern[str], tuple[str, ...]]]:
    """(setting, its patterns as one, its `find` words) for each setting."""
    return [
        (
            name,
            re.compile("|".join(f"(?:{p})" for p in table[name]["tag_patterns"]), re.I),
            tuple(table[name]["find"]),
        )
        for name in ("refractory", "relapsed", "resistant")
    ]


def _biomarker_patterns(table: dict[str, Any]) -> tuple[list[_Biomarker], dict[str, re.Pattern]]:
    context = {name: re.compile(pattern) for name, pattern in table["context"].items()}
    markers = []
    for name, spec in table.items():
        if name == "context":
            continue
        finds = spec.get("find", [name])
        markers.append(
            _Biomarker(
                name=name,
                regex=re.compile(spec["pattern"]),
                variant=re.compile(spec["variant"]) if spec.get("variant") else None,
                variant_before=(
                    re.compile(spec["variant_before"]) if spec.get("variant_before") else None
                ),
                needs_context=spec.get("needs_context", True),
                positive=re.compile(spec["positive"]) if spec.get("positive") else None,
                from_match=spec.get("tag_from_match", False),
                aliases=tuple(spec.get("aliases", ())),
                capitals=frozenset(f for f in finds if f == f.upper()),
                words=tuple(f.lower() for f in finds if f != f.upper()),
            )
        )
    return markers, context


@cache
def _knowledge() -> _Knowledge:
    return _Knowledge()


def clear_caches() -> None:
    """Forget the names and phrases recognised so far (the data files stay compiled)."""
    _find_terms.cache_clear()
    _find_mechanisms.cache_clear()
    _not_treatment_kinds.cache_clear()


@cache
def category_explanations() -> dict[str, str]:
    """Category name -> one plain sentence, in the order of :data:`CATEGORY_NAMES`."""
    table = load_toml("categories.toml")
    return {name: table[name]["explanation"] for name in CATEGORY_NAMES}


# Category name -> one plain sentence (categories.toml), in the order of CATEGORY_NAMES.
CATEGORIES: dict[str, str] = category_explanations()


# -- matching names -----------------------------------------------------------------------


# Hits and treatments are named tuples: made thousands of times, they must be cheap to build.
class _Hit(NamedTuple):
    category: str
    canonical: str  # what was recognised (generic name, stem-matched word, phrase)
    matched: str  # the text as written
    how: str  # the end of the evidence sentence
    generic: bool = False
    agents: int = 1


@lru_cache(maxsize=4096)
def _find_terms(text: str, cancer: bool) -> tuple[_Hit, ...]:
    """Lexicon names (longest first) and, in cancer trials, INN stems, in ``text``."""
    k = _knowledge()
    words, starts = _words(_lower(text))
    index, stems, endings, last = k.index, k.stem_tuple, k.stem_endings, -k.ending_size
    hits: list[_Hit] = []
    free = 0  # the first word not yet part of a recognised name
    for i, word in enumerate(words):
        if i < free:
            continue
        if word in index:
            found = len(hits)
            size = _name_at(words, starts, i, text, k, hits)
            if size == 1 and cancer and _conjugate_at(words, starts, i, text, k):
                del hits[found:]  # "Trastuzumab Rezetecan": the antibody carries a payload
            elif size:
                free = i + size
                continue
        if cancer and _conjugate_at(words, starts, i, text, k):
            start, end = starts[i], starts[i + 1] + len(words[i + 1])
            written = text[start:end]
            how = f'"{written}" is {k.conjugate_means}'
            hits.append(_Hit("targeted-therapy", f"{word} {words[i + 1]}", written, how))
            free = i + 2
            continue
        # Only a word that ends in a stem's last letters can end in the stem (one set look-up).
        if (
            len(word) >= 6
            and word[last:] in endings
            and word.endswith(stems)
            and word not in k.stem_exceptions
        ):
            start = starts[i]
            hit = _stem_hit(word, text[start : start + len(word)], cancer, text, start, k)
            if hit is not None:
                hits.append(hit)
    return tuple(hits)


def _byte_table(keep: str) -> bytes:
    """A ``bytes.translate`` table that keeps these ASCII characters and turns others to spaces.

    Text is encoded one byte a letter (``encode("ascii", "replace")``), so positions still match.
    """
    kept = set(keep.encode("ascii"))
    return bytes(c if c in kept else 32 for c in range(256))


_WORD_BYTES = _byte_table(string.ascii_lowercase + string.digits)
_PLUS_ONE = (1).__add__


def _words(lowered: str) -> tuple[list[str], list[int]]:
    """The words (runs of a-z and 0-9) of a lower-case text, and where each begins.

    Done with a byte table and splits, which run in C: far faster than a pattern on long texts.
    """
    spaced = lowered.encode("ascii", "replace").translate(_WORD_BYTES).decode("ascii")
    pieces = spaced.split(" ")  # words, and an empty piece between two separators in a row
    offsets = accumulate(map(_PLUS_ONE, map(len, pieces)), initial=0)
    return list(compress(pieces, pieces)), list(compress(offsets, pieces))


def _conjugate_at(words: list[str], starts: list[int], i: int, text: str, k: _Knowledge) -> bool:
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
    k: _Knowledge,
    hits: list[_Hit],
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
        if term.categories[0] == "surgery" and _after_operation(text, start):
            continue
        hits.extend(_term_hits(term, written))
        return size
    return 0


_NOT_LETTER_OR_DIGIT = re.compile(r"[^A-Za-z0-9]")
_AFTER_OPERATION = re.compile(r"\b(?:post|after|following|prior|previous|before)\W*(?:\w+\W+)?$")


def _same_case(written: str, exact: str) -> bool:
    return _NOT_LETTER_OR_DIGIT.sub("", written) == _NOT_LETTER_OR_DIGIT.sub("", exact)


def _after_operation(text: str, start: int) -> bool:
    """ "Post-mastectomy radiotherapy" names an operation already done, not one studied."""
    return bool(_AFTER_OPERATION.search(text[max(0, start - 25) : start].lower()))


def _term_hits(term: _Term, written: str) -> list[_Hit]:
    same = written == term.canonical or _key(written) == term.key
    name = f'"{written}"' if same else f'"{written}" ({term.canonical})'
    return [
        _Hit(category, term.canonical, written, name + phrase, term.generic, term.agents)
        for category, phrase in term.phrases
    ]


def _stem_hit(
    word: str, written: str, cancer: bool, text: str, start: int, k: _Knowledge
) -> _Hit | None:
    for stem, category, means in k.stems:
        if not word.endswith(stem):
            continue
        if category not in _PROCEDURE_CATEGORIES and not cancer:
            return None  # drug stems are only trusted in cancer trials (-nib, -mab are broad)
        if category == "surgery" and _after_operation(text, start):
            return None
        return _Hit(category, word, written, f'"{written}" ends in -{stem}, {means}')
    return None


@lru_cache(maxsize=4096)
def _find_mechanisms(text: str, cancer: bool) -> tuple[_Hit, ...]:
    """Phrases that describe a kind of treatment ("a KRAS G12C inhibitor"), one per kind."""
    k = _knowledge()
    lowered = _lower(text)
    present = {word for word in k.mechanism_words if word in lowered}
    hits = []
    for pattern in k.mechanisms:
        if pattern.category not in _PROCEDURE_CATEGORIES and not cancer:
            continue
        if pattern.find and present.isdisjoint(pattern.find):
            continue
        for match in _search_near(pattern, text, lowered):
            before = text[max(0, match.start() - 12) : match.start()].lower()
            if _NEGATED.search(before):
                continue
            if pattern.category == "car-t" and _NOT_T_CELLS.search(
                text[match.start() : match.end() + 30]
            ):
                continue
            if pattern.category == "surgery" and _after_operation(text, match.start()):
                continue
            written = match.group().strip()
            hits.append(
                _Hit(
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
_NOT_T_CELLS = re.compile(r"\bNK\b|natural killer|macrophage", re.IGNORECASE)


def _search_near(pattern: _Pattern, text: str, lowered: str, margin: int = 80):
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


class _Treatment(NamedTuple):
    intervention: Intervention
    hits: tuple[tuple[_Hit, str], ...]  # (hit, source)
    active: bool  # a cancer treatment (counts in a combination)
    agents: int  # how many distinct treatments it stands for
    note: str = ""  # why it is not counted, when it is not

    @property
    def categories(self) -> tuple[str, ...]:
        seen: list[str] = []
        for hit, _ in self.hits:
            if hit.category not in seen:
                seen.append(hit.category)
        if "car-t" in seen and "immunotherapy" not in seen:
            seen.append("immunotherapy")
        return tuple(c for c in CATEGORY_NAMES if c in seen)


def _agent_names(hits: list[_Hit]) -> list[str]:
    """Distinct treatments among ``hits``.

    Umbrella terms and descriptions ("chemotherapy", "a kinase inhibitor") count once per
    category, and not at all when a named treatment of that category is there.
    """
    named = {h.category for h in hits if not h.generic}
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


def _classify(intervention: Intervention, cancer: bool, trial: Trial, k: _Knowledge) -> _Treatment:
    name = intervention.name
    if intervention.type == "DIAGNOSTIC_TEST":
        return _Treatment(intervention, (), False, 0, "a test")
    hits = [(hit, "intervention name") for hit in _find_terms(name, cancer)]
    if not hits and intervention.type == "RADIATION" and not k.placebo.search(name):
        how = f'"{name}" is listed as a RADIATION intervention'
        hits = [(_Hit("radiation", "radiotherapy", name, how, generic=True), "intervention type")]
    if not hits:
        hits = [(hit, "intervention name") for hit in _find_mechanisms(name, cancer)]
    # A recognised medicine needs no check for tests and supportive care, only for placebo.
    medicine = intervention.type in ("DRUG", "BIOLOGICAL") and any(
        h.category not in _PROCEDURE_CATEGORIES for h, _ in hits
    )
    if medicine:
        kinds = {"placebo"} if k.placebo.search(name) else set()
    else:
        kinds = _not_treatment_kinds(name)
    if "placebo" in kinds:
        return _Treatment(intervention, (), False, 0, "placebo")
    if "test" in kinds and not any(h.category == "radiation" for h, _ in hits):
        return _Treatment(intervention, (), False, 0, "a test or procedure, not a treatment")
    if not hits and ("supportive" in kinds or k.supportive.search(intervention.description[:200])):
        if cancer and _regimen_steroid(intervention, trial, k):
            return _Treatment(intervention, (), True, 1)  # active, though of no category
        return _Treatment(intervention, (), False, 0, "a supportive medicine")
    if (
        hits
        and all(h.category == "chemotherapy" for h, _ in hits)
        and k.conditioning.search(intervention.description)
    ):
        return _Treatment(intervention, (), False, 0, "conditioning before cell therapy")
    # Other names are mostly brands of the same drug: when the name was recognised, the first
    # few are enough (they sometimes name a partner drug, "Everolimus (CapOx)").
    others = intervention.other_names if not hits else intervention.other_names[:3]
    for other in others:
        for hit in _find_terms(other, cancer):
            if all(hit.canonical != h.canonical for h, _ in hits):
                hits.append((hit, f'other name of "{name}"'))
    if not hits and intervention.description and not _lists_options(intervention.description):
        for hit in _find_mechanisms(intervention.description, cancer):
            if hit.category == "surgery" and intervention.type != "PROCEDURE":
                continue
            hits.append((hit, f'description of "{name}"'))
    if not hits and cancer:
        hits.extend(_mesh_hits(intervention, trial, k))
    hits = [(h, s) for h, s in hits if cancer or h.category in _PROCEDURE_CATEGORIES]
    if hits:
        return _Treatment(
            intervention, tuple(hits), True, max(1, len(_agent_names([h for h, _ in hits])))
        )
    unclassified_drug = cancer and intervention.type in _DRUG_TYPES
    return _Treatment(intervention, (), unclassified_drug, 1 if unclassified_drug else 0)


def _regimen_steroid(intervention: Intervention, trial: Trial, k: _Knowledge) -> bool:
    """A steroid given as part of a blood cancer's regimen ("pomalidomide + dexamethasone")."""
    words = _words(_lower(intervention.name))[0]
    if not words or words[0] not in k.regimen_steroids:
        return False
    if k.steroid_support.search(f"{intervention.name} {intervention.description}"):
        return False
    about = _lower(" ".join((*trial.conditions, trial.brief_title)))
    return any(word in about for word in k.blood_cancers)


@lru_cache(maxsize=4096)
def _not_treatment_kinds(name: str) -> frozenset[str | None]:
    """What a name says it is besides a treatment: "placebo", "test", "supportive" (one scan)."""
    guarded = _knowledge().not_treatment
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
    lowered = _lower(description)
    return _may_match(lowered, _OPTIONS_WORDS) and _OPTIONS.search(description) is not None


def _mesh_hits(intervention: Intervention, trial: Trial, k: _Knowledge) -> list[tuple[_Hit, str]]:
    """The second, noisier signal: the MeSH term ClinicalTrials.gov derived for this drug."""
    names = {_key(n) for n in (intervention.name, *intervention.other_names) if _key(n)}
    for mesh in trial.intervention_mesh:
        mesh_key = _key(mesh.term)
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
                    return [(_Hit(category, mesh.term, mesh.term, how), "MeSH term")]
    return []


def _with_how(hit: _Hit, how: str) -> _Hit:
    """The same hit, explained differently."""
    return _Hit(hit.category, hit.canonical, hit.matched, how, hit.generic, hit.agents)


# -- the whole trial ----------------------------------------------------------------------


def _is_cancer_trial(trial: Trial, k: _Knowledge) -> bool:
    text = " | ".join((*trial.conditions, trial.brief_title, trial.official_title, *trial.keywords))
    lowered = _lower(text)
    if any(word in lowered for word in k.cancer_words):
        return True
    return not k.cancer_acronyms.isdisjoint(_capital_words(text))


def _arm_interventions(trial: Trial) -> dict[str, list[int]]:
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


def _candidate_arms(trial: Trial) -> list[ArmGroup]:
    """Experimental arms; when none is marked so, every arm that gives a treatment."""
    experimental = [a for a in trial.arm_groups if a.type == "EXPERIMENTAL"]
    if experimental:
        return experimental
    return [a for a in trial.arm_groups if a.type not in _EXCLUDED_ARMS]


_ARM_NEGATION = re.compile(
    r"\b(?:no|not|without|prior|previous(?:ly)?|after|following|before|placebo|instead of|"
    r"progress\w*|refractory to|resistant to|failed|received|completion of|treated with|had|"
    r"undergone|underwent|history of)\W+(?:[\w/-]+\W+){0,3}$",
    re.IGNORECASE,
)


def _arm_text_hits(arm: ArmGroup, cancer: bool, cell_therapy: bool, k: _Knowledge) -> list[_Hit]:
    """Treatments named in an arm's label or description ("X given with radiotherapy")."""
    hits = []
    for text in (arm.label, arm.description):
        if not text:
            continue
        for hit in _find_terms(text, cancer):
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
            if cancer or hit.category in _PROCEDURE_CATEGORIES:
                hits.append(hit)
    return hits


def tag_trial(trial: Trial) -> Tags:
    """Categories, settings and biomarkers of ``trial``, each with its evidence."""
    k = _knowledge()
    cancer = _is_cancer_trial(trial, k)
    evidence: list[Evidence] = []
    categories: set[str] = set()
    per_intervention: list[tuple[str, tuple[str, ...]]] = []

    if trial.study_type != "OBSERVATIONAL":  # observational studies assign no treatment
        _tag_treatments(trial, cancer, k, categories, evidence, per_intervention)
        _tag_palliative(trial, cancer, k, categories, evidence)
    settings: tuple[str, ...] = ()
    biomarkers: tuple[str, ...] = ()
    if cancer:
        fields = _text_fields(trial)
        settings = _tag_settings(fields, k, evidence)
        biomarkers = _tag_biomarkers(fields, k, evidence)
    evidence.sort(key=lambda e: (e.kind != CATEGORY, _CATEGORY_ORDER.get(e.tag, 99)))
    return Tags(
        categories=tuple(c for c in CATEGORY_NAMES if c in categories),
        settings=settings,
        biomarkers=biomarkers,
        evidence=tuple(evidence),
        intervention_categories=tuple(per_intervention),
    )


def _category_evidence(hit: _Hit, source: str, text: str) -> Evidence:
    return Evidence(
        tag=hit.category,
        kind=CATEGORY,
        source=source,
        text=_shorten(text),
        matched=hit.matched,
        reason=f"{hit.category}: {hit.how} ({source})"
        if source not in hit.how
        else f"{hit.category}: {hit.how}",
    )


def _tag_treatments(
    trial: Trial,
    cancer: bool,
    k: _Knowledge,
    categories: set[str],
    evidence: list[Evidence],
    per_intervention: list[tuple[str, tuple[str, ...]]],
) -> None:
    treatments = [_classify(i, cancer, trial, k) for i in trial.interventions]
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
    arms = _arm_interventions(trial)
    in_real_arm = _indexes_in_treatment_arms(trial, arms)
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
                        _shorten(text),
                        hit.matched,
                        f'immunotherapy: "{hit.matched}" ({source}) is a CAR T product, '
                        "an immune-cell therapy",
                    )
                )
    arm_hits: dict[str, list[_Hit]] = {}
    for arm in trial.arm_groups:
        # An arm's own words matter where its listed interventions leave a single treatment
        # ("X given with standard radiotherapy"); arms that already combine two are clear.
        if arm.type in _EXCLUDED_ARMS or _active_count(arms.get(arm.label, []), treatments) >= 2:
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


def _active_count(indexes: list[int], treatments: list[_Treatment]) -> int:
    return sum(treatments[i].agents for i in indexes if treatments[i].active)


_INTERLEUKIN_2 = re.compile(r"interleukin-?2|\bIL-?2\b|aldesleukin", re.IGNORECASE)


def _around_cell_therapy(treatment: _Treatment) -> _Treatment:
    hits = [hit for hit, _ in treatment.hits]
    name = treatment.intervention.name
    if hits and all(h.category == "chemotherapy" for h in hits):
        return _Treatment(treatment.intervention, (), False, 0, "conditioning before cell therapy")
    if _INTERLEUKIN_2.search(name):
        return _Treatment(treatment.intervention, (), False, 0, "support for the infused cells")
    return treatment


def _indexes_in_treatment_arms(trial: Trial, arms: dict[str, list[int]]) -> set[int] | None:
    """Interventions given in some arm other than placebo/no intervention (None: no arms)."""
    if not trial.arm_groups or not any(arms.values()):
        return None
    given: set[int] = set()
    for arm in trial.arm_groups:
        if arm.type not in _EXCLUDED_ARMS:
            given.update(arms.get(arm.label, ()))
    listed = {i for indexes in arms.values() for i in indexes}
    given.update(i for i in range(len(trial.interventions)) if i not in listed)
    return given


def _tag_combination(
    trial: Trial,
    treatments: list[_Treatment],
    arms: dict[str, list[int]],
    arm_hits: dict[str, list[_Hit]],
    categories: set[str],
    evidence: list[Evidence],
) -> None:
    candidates: list[tuple[str, list[int], list[_Hit]]] = [
        (arm.label, arms.get(arm.label, []), arm_hits.get(arm.label, []))
        for arm in _candidate_arms(trial)
    ]
    if not trial.arm_groups:
        candidates = [("the single group", list(range(len(treatments))), [])]
    for label, indexes, extra in candidates:
        agents: list[str] = []
        hits: list[_Hit] = []
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
        named = _agent_names(hits)
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
                    _shorten(label),
                    " + ".join(shown),
                    f"combination: {source} gives {' + '.join(shown)} together",
                )
            )
            return


_DOSE = re.compile(r"\s*\(?\b\d+(?:\.\d+)?\s*(?:mg|mcg|µg|g|iu|units?)\b.*$|\s+dose\b.*$", re.I)


_ANTICANCER = frozenset(CATEGORY_NAMES) - {"palliative-care", "combination"}


def _tag_palliative(
    trial: Trial, cancer: bool, k: _Knowledge, categories: set[str], evidence: list[Evidence]
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
    lowered = _lower(everything)
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
                    _shorten(text),
                    match.group(),
                    f'palliative-care: "{match.group()}" in the {source} shows that relieving '
                    "symptoms or side effects is the trial's main aim",
                )
            )
            return


# -- settings and biomarkers --------------------------------------------------------------


def inclusion_criteria(criteria: str) -> str:
    """The inclusion part of an eligibility text (everything before the exclusion criteria)."""
    position = _exclusion_start(criteria)
    return criteria[:position] if position >= 0 else criteria


def _exclusion_start(criteria: str, lowered: str | None = None) -> int:
    """Where the exclusion criteria begin ("Exclusion Criteria", "Key exclusion:"), or -1.

    Looked for in the lower-case text (``lowered``, when the caller has it): besides A-Z, only
    the Kelvin sign lowers to an ASCII letter, "k", which neither phrase holds.
    """
    lowered = _lower(criteria) if lowered is None else lowered
    position = lowered.find("exclusion criteria")
    return position if position >= 0 else lowered.find("exclusion:")


class _Fields(NamedTuple):
    """The fields settings and biomarkers are read from, and all of them joined by new lines."""

    parts: list[tuple[str, str]]  # (source, text)
    text: str
    lowered: str  # the joined text in lower case, letter for letter
    starts: list[int]  # where each part begins in the joined text


def _text_fields(trial: Trial) -> _Fields:
    """The fields settings and biomarkers are read from, joined and lower-cased once."""
    fields = [("title", trial.brief_title), ("official title", trial.official_title)]
    fields += [("condition", c) for c in trial.conditions]
    fields += [("keyword", kw) for kw in trial.keywords]
    parts = [(source, text) for source, text in fields if text]
    joined = "\n".join([text for _, text in parts])
    lowered = _lower(joined)
    criteria = trial.eligibility.criteria
    if criteria:
        lowered_criteria = _lower(criteria)
        end = _exclusion_start(criteria, lowered_criteria)
        if end:
            end = len(criteria) if end < 0 else end
            parts.append(("inclusion criteria", criteria[:end]))
            separator = "\n" if joined else ""
            joined = joined + separator + criteria[:end]
            lowered = lowered + separator + lowered_criteria[:end]
    starts = list(accumulate([len(text) + 1 for _, text in parts[:-1]], initial=0))[: len(parts)]
    return _Fields(parts, joined, lowered, starts)


def _positions(lowered: str, words: tuple[str, ...]) -> list[int]:
    """Where any of ``words`` occurs in ``lowered``, in order."""
    starts = []
    for word in words:
        position = lowered.find(word)
        while position >= 0:
            starts.append(position)
            position = lowered.find(word, position + 1)
    return sorted(starts)


def _tag_settings(fields: _Fields, k: _Knowledge, evidence: list[Evidence]) -> tuple[str, ...]:
    parts, everything, lowered, starts = fields
    positions = _positions(lowered, k.setting_words)
    if not positions:
        return ()
    pieces: list[tuple[int, int]] = []  # (start, end) around each word, within one field
    for position in positions:
        field = bisect_right(starts, position) - 1
        field_end = starts[field] + len(parts[field][1])
        start, end = max(starts[field], position - 40), min(field_end, position + 40)
        if pieces and start <= pieces[-1][1]:
            pieces[-1] = (pieces[-1][0], max(end, pieces[-1][1]))
        else:
            pieces.append((start, end))
    found: dict[str, re.Match[str]] = {}
    for setting, regex, words in k.settings:
        for start, end in pieces:
            if not _may_match(lowered[start:end], words):
                continue
            match = next(
                (
                    m
                    for m in regex.finditer(everything, start, end)
                    if not k.setting_negation.search(everything[max(0, m.start() - 30) : m.start()])
                ),
                None,
            )
            if match is not None:
                found[setting] = match
                break
    for setting, match in found.items():
        field = bisect_right(starts, match.start()) - 1
        source, text = parts[field]
        at = match.start() - starts[field]
        evidence.append(
            Evidence(
                setting,
                SETTING,
                source,
                _snippet(text, at, at + len(match.group())),
                match.group(),
                f'{setting}: "{match.group()}" ({source}): {k.setting_plain.get(setting, setting)}',
            )
        )
    return tuple(s for s in ("refractory", "relapsed", "resistant") if s in found)


# The only letters besides A-Z and a-z that a case-insensitive pattern can read as a-z.
_FOLDING_TO_ASCII = ("\u0130", "\u0131", "\u017f", "\u212a")  # İ ı ſ K (Kelvin)


def _may_match(piece: str, words: tuple[str, ...]) -> bool:
    """Whether a pattern whose matches all contain one of ``words`` can match in ``piece``.

    ``piece`` is lower-cased; a few letters outside a-z also match a-z without case, so a
    piece holding one of them is always tried.
    """
    return any(word in piece for word in words) or any(c in piece for c in _FOLDING_TO_ASCII)


_CAPITAL_BYTES = _byte_table(string.ascii_uppercase + string.digits)
_CAPITAL_LETTER_BYTES = _byte_table(string.ascii_uppercase)


def _capital_runs(text: str) -> set[bytes]:
    """The runs of capital letters in ``text`` (ASCII bytes): "HER2-positive" gives b"HER".

    Every capitalised word starts with one, so they rule markers in or out quickly.
    """
    return set(text.encode("ascii", "replace").translate(_CAPITAL_LETTER_BYTES).split())


def _capital_words(text: str) -> set[str]:
    """The capitalised words of ``text`` ("HER2", "NSCLC"): a capital, then capitals or digits.

    Runs of capitals and digits are cut out in C; leading digits are not part of the word
    ("5FU" -> "FU").
    """
    runs = text.encode("ascii", "replace").translate(_CAPITAL_BYTES).decode("ascii").split()
    return set(map(str.lstrip, runs, repeat(string.digits)))


def _tag_biomarkers(fields: _Fields, k: _Knowledge, evidence: list[Evidence]) -> tuple[str, ...]:
    found: list[str] = []
    context = k.biomarker_context
    parts, everything, lowered_all, starts = fields
    candidates = _biomarker_candidates(everything, lowered_all, k)
    if not candidates:
        return ()
    for marker in candidates:
        if marker.one_tag and marker.name in found:
            continue
        for match in _marker_matches(marker, everything, lowered_all):
            field = bisect_right(starts, match.start()) - 1
            source, text = parts[field]
            offset = starts[field]
            if match.end() - offset > len(text):
                continue
            tag = _biomarker_tag(marker, match, everything)
            if tag is None or tag in found:
                continue
            before = _clause(everything, match.start(), backwards=True)
            after = _clause(everything, match.end())
            # The checks are independent; the ones that rule out most for least come first.
            positive = marker.positive or context["positive"]
            if marker.needs_context and not (
                positive.search(after[:45])
                or positive.search(before[-30:])
                or (tag != marker.name and marker.positive is None)
            ):
                continue
            if (
                _BARE_MINUS.match(after)
                or _WHICH_DRUG_FOR.search(before)
                or context["negative"].search(_before_next_marker(after[:30]))
                # "Absence of EGFR mutations and ALK and ROS1 rearrangements": the whole clause
                # before the marker counts for a negation, only a few words after it.
                or context["negative"].search(_sentence_before(everything, match.start()))
                # "Known EGFR or ALK alterations are not eligible"
                or context["ruled_out"].search(_sentence_after(everything, match.end()))
            ):
                continue
            if context["drug"].search(after) or context["drug"].search(before):
                continue
            found.append(tag)
            snippet = _snippet(text, match.start() - offset, match.end() - offset)
            evidence.append(
                Evidence(
                    tag,
                    BIOMARKER,
                    source,
                    snippet,
                    match.group(),
                    f'{tag}: "{snippet}" ({source}) selects patients by this biomarker',
                )
            )
            if marker.one_tag:
                break  # its other mentions can only repeat the tag
    return tuple(found)


def _biomarker_candidates(text: str, lowered: str, k: _Knowledge) -> list[_Biomarker]:
    """The markers whose `find` words occur in ``text``, in the order of the data file."""
    indexes = {
        index
        for letters in k.markers_by_capitals.keys() & _capital_runs(text)
        for index in k.markers_by_capitals[letters]
    }
    for word, index in k.marker_words:
        if index not in indexes and word in lowered:  # a marker found once needs no more looks
            indexes.add(index)
    return [k.biomarkers[index] for index in sorted(indexes)]


# A find word may stand a few words into the phrase: "high tumour mutational burden".
_FIND_LOOK_BACK = 30


def _marker_matches(marker: _Biomarker, text: str, lowered: str) -> Iterator[re.Match[str]]:
    """The marker's matches, looked for only around its `find` words (much faster), in order."""
    positions: set[int] = set()
    for capital in marker.capitals:
        positions.update(_whole_capital_positions(text, capital))
    for word in marker.words:
        position = lowered.find(word)
        while position >= 0:
            positions.add(position)
            position = lowered.find(word, position + 1)
    last_end = -1
    for position in sorted(positions):
        if position < last_end:
            continue
        window = max(0, position - _FIND_LOOK_BACK, last_end), min(len(text), position + 80)
        match = marker.regex.search(text, *window)
        if match and match.start() >= last_end:
            yield match  # found lazily: the caller may stop at the first that counts
            last_end = match.end()


_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DIGITS = frozenset("0123456789")


def _whole_capital_positions(text: str, capital: str) -> list[int]:
    """Where ``capital`` is a whole capitalised word of ``text`` (as :func:`_capital_words` has it).

    "ER" counts in "ER+" and "ER-positive", not in "CANCER" or "HER2".
    """
    found = []
    size = len(capital)
    position = text.find(capital)
    while position >= 0:
        end = position + size
        if end == len(text) or (text[end] not in _UPPER and text[end] not in _DIGITS):
            before = position - 1
            while before >= 0 and text[before] in _DIGITS:
                before -= 1
            if before < 0 or text[before] not in _UPPER:
                found.append(position)
        position = text.find(capital, position + 1)
    return found


# "PARP inhibitors (for BRCA mutants)": which drug suits which patients, not a requirement.
_WHICH_DRUG_FOR = re.compile(r"\bfor (?:known |the |patients with )?$", re.IGNORECASE)


# ", HER2-negative" after "ER-positive" is about another marker.
_NEXT_MARKER = re.compile(r"[,;]\s*(?:and |or )?[A-Z]")


def _before_next_marker(piece: str) -> str:
    """``piece`` up to a comma that starts another capitalised name."""
    match = _NEXT_MARKER.search(piece)
    return piece[: match.start()] if match else piece


def _sentence_after(text: str, position: int) -> str:
    """The text from ``position`` to the end of the sentence (or line), at most 150 chars."""
    piece = text[position : position + 150]
    cuts = [c for c in map(piece.find, ".;\n") if c >= 0]
    return piece[: min(cuts)] if cuts else piece


def _sentence_before(text: str, position: int) -> str:
    """The text from the start of the sentence (or line) to ``position``, at most 100 chars."""
    piece = text[max(0, position - 100) : position]
    cut = max(piece.rfind(c) for c in ".;\n")
    return piece[cut + 1 :] if cut >= 0 else piece


_BARE_MINUS = re.compile(r"\s?[-\u2212\u2013](?:\s|$|[/,;)])")  # "HER2- breast cancer"


_LOWER_PREFIX = re.compile(r"^[a-z]+")  # "gBRCA1" -> "BRCA1"
_BOTH_GENES = re.compile(r"[12]/2$")  # "BRCA1/2" -> "BRCA"
_NON = re.compile(r"non-?\s*$")
_EXON = re.compile(r"^ex(?:on)? ?(\d+)$")  # "ex14", "exon14" -> "exon 14"
_EXON_NAME = r"exon \1"


def _biomarker_tag(marker: _Biomarker, match: re.Match[str], text: str) -> str | None:
    if marker.from_match:
        written = _LOWER_PREFIX.sub("", match.group())
        return _BOTH_GENES.sub("", written)
    if marker.variant is not None:
        variant = marker.variant.search(text[match.end() : match.end() + 90])
        if variant and not _NON.search(text[match.end() : match.end() + variant.start(1)]):
            return f"{marker.name} {_EXON.sub(_EXON_NAME, variant.group(1))}"
    if marker.variant_before is not None:
        variant = marker.variant_before.search(text[max(0, match.start() - 40) : match.start()])
        if variant:
            return f"{marker.name} {variant.group(1)}"
    return marker.name


def _clause(text: str, position: int, backwards: bool = False) -> str:
    """The text up to the nearest clause break (a full stop, semicolon or line end)."""
    if backwards:
        piece = text[max(0, position - 60) : position]
        cut = max(
            piece.rfind("."),
            piece.rfind(";"),
            piece.rfind("\n"),
            piece.rfind("("),
            piece.rfind(","),
        )
        return piece[cut + 1 :]
    piece = text[position : position + 60]
    first = (piece.find("."), piece.find(";"), piece.find("\n"), piece.find(")"), piece.find(","))
    cuts = [c for c in first if c > 0]  # each mark's first place, unless it starts the piece
    return piece[: min(cuts)] if cuts else piece


# -- matching user filters ----------------------------------------------------------------


def normalize_biomarker(query: str) -> str:
    """What the user typed -> the biomarker name it stands for ("erbb2" -> "HER2")."""
    wanted = _key(query)
    for marker in _knowledge().biomarkers:
        if wanted in {_key(marker.name), *(_key(a) for a in marker.aliases)}:
            return marker.name
    return query.strip()


def biomarker_matches(query: str, biomarkers: Iterable[str]) -> bool:
    """True when one of ``biomarkers`` is, or is a variant of, the one the user asked for."""
    wanted = _key(normalize_biomarker(query))
    for tag in biomarkers:
        tag_key = _key(tag)
        if tag_key == wanted or tag_key.startswith(wanted):
            return True
        if _key(query) and _key(query) == tag_key:
            return True
    return False


def biomarker_names() -> tuple[str, ...]:
    """The biomarkers trialfinder recognises, as users name them."""
    return tuple(marker.name for marker in _knowledge().biomarkers)


def check_biomarkers(queries: Iterable[str]) -> tuple[str, ...]:
    """The biomarkers asked for, each one trialfinder can tag; a typo is an InvalidInput.

    A marker's name or alias is known ("HER2", "ERBB2", "MSI-H"), and so is a variant of it:
    the name followed by something with a digit ("KRAS G12C", "BRCA1", "HLA-A*02:01").
    """
    known = {
        _key(name) for marker in _knowledge().biomarkers for name in (marker.name, *marker.aliases)
    }
    wanted = tuple(queries)
    for query in wanted:
        key = _key(query)
        if key in known or any(
            key.startswith(name) and any(c.isdigit() for c in key[len(name) :]) for name in known
        ):
            continue
        raise InvalidInput(
            f"unknown biomarker {query!r}",
            hint=f"known biomarkers: {', '.join(biomarker_names())} "
            "(a variant such as 'KRAS G12C' or 'BRCA1' works too)",
        )
    return wanted


# -- small helpers ------------------------------------------------------------------------


def _shorten(text: str, width: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _snippet(text: str, start: int, end: int, width: int = 60) -> str:
    """The whole words around a match, on one line."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    left, right = max(line_start, start - width), min(line_end, end + width)
    if left > line_start:
        space = text.find(" ", left, start)
        left = space + 1 if space >= 0 else left
    if right < line_end:
        space = text.rfind(" ", end, right)
        right = space if space >= 0 else right
    piece = " ".join(text[left:right].split()).lstrip("*-• ")
    return ("…" if left > line_start else "") + piece + ("…" if right < line_end else "")
