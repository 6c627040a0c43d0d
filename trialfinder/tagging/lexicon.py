"""The tagging knowledge: the data files (lexicon, categories, settings, biomarkers) compiled."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from trialfinder.knowledge import any_of, load_toml, phrases_pattern
from trialfinder.tagging.text import Guarded, name_key, required_words, spellings
from trialfinder.vocabulary import PRODUCT_KINDS

# When a word ends in stems of several categories, the first category listed here wins
# (a "-deruxtecan" conjugate is a targeted therapy although "-tecan" is a chemotherapy stem).
STEM_PRIORITY = (
    "car-t",
    "immunotherapy",
    "targeted-therapy",
    "hormone-therapy",
    "chemotherapy",
    "radiation",
    "surgery",
    "stem-cell-transplant",
)

# Where a CAR T product's cells come from: the patient's own, or a donor's.
MADE_FROM = ("autologous", "allogeneic")


@dataclass(frozen=True)
class Term:
    canonical: str  # the generic name, e.g. "trastuzumab"
    key: str  # name_key(canonical)
    categories: tuple[str, ...]
    generic: bool  # an umbrella term such as "chemotherapy"
    agents: int  # how many treatments the term stands for (regimens: 2)
    exact: str | None  # short acronyms must be written exactly so ("RT", "ET", "Kd"), but
    # those of lexicon.toml [context] any_case ("T-DXd")
    # (category, the end of the evidence sentence after the name), worded once
    phrases: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Product:
    """A product of no treatment category (lexicon.toml [no_category])."""

    canonical: str
    kind: str  # "enhancer", "adjuvant" (vocabulary.PRODUCT_KINDS)
    partner: bool  # a cancer treatment given with the others (counts in a combination)


@dataclass(frozen=True)
class Pattern:
    category: str
    regex: re.Pattern[str]
    means: str
    find: tuple[str, ...]  # words near which the phrase can be (checked first, for speed)


@dataclass(frozen=True)
class NotTreated:
    """Words saying the disease was not treated before (settings.toml [[not_treated]])."""

    regex: re.Pattern[str]
    rules_out: tuple[str, ...]  # the settings a patient it applies to cannot be in
    unless: frozenset[str]  # context categories that cancel a match
    negated: bool  # the match counts only when the context negates it
    words: tuple[str, ...] | None  # one of these is in every match (None: unknown)


@dataclass(frozen=True)
class MarkerRule:
    name: str
    regex: re.Pattern[str]
    variant: re.Pattern[str] | None
    variant_before: re.Pattern[str] | None
    needs_context: bool
    positive: re.Pattern[str] | None  # this marker's own context words, if it has them
    excluded: re.Pattern[str] | None  # names that say a patient does not have it
    from_match: bool
    aliases: tuple[str, ...]
    capitals: frozenset[str]  # one of these capitalised words must be in the text...
    words: tuple[str, ...]  # ...or one of these (lower case) anywhere in it

    @property
    def one_tag(self) -> bool:
        """Every mention gives the same tag, the marker's name (no variants)."""
        return self.variant is None and self.variant_before is None and not self.from_match


class Knowledge:
    """Everything read from the data files, with every pattern compiled once."""

    def __init__(self) -> None:
        lexicon = load_toml("lexicon.toml")
        self.is_a = {name: table["is_a"] for name, table in load_toml("categories.toml").items()}
        generic = {name_key(g) for g in lexicon["context"]["generic"]}
        self.any_case = frozenset(lexicon["context"]["any_case"])
        self.terms: dict[str, Term] = {}
        self.aliases: list[tuple[str, Term]] = []
        self.stems: list[tuple[str, str, str]] = []  # (stem, category, meaning)
        self.mechanisms: list[Pattern] = []
        targets = lexicon["targeted-therapy"]["targets"]["any"]  # for mechanism phrases
        for category in STEM_PRIORITY:
            table = lexicon.get(category, {})
            for canonical, aliases in table.get("drugs", {}).items():
                term_generic = name_key(canonical) in generic
                for alias in (canonical, *aliases):
                    self._add_term(alias, canonical, (category,), term_generic, 1)
            stems = sorted(table.get("stems", {}).items(), key=lambda item: -len(item[0]))
            self.stems.extend((stem, category, means) for stem, means in stems)
            self.mechanisms.extend(
                Pattern(
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
        # The last letters every stem and every antibody's name ends in: one set look-up rules
        # out most words quickly.
        endings = (*self.stem_tuple, *self.antibody_endings)
        self.ending_size = min(3, *(len(ending) for ending in endings))
        self.name_endings = frozenset(ending[-self.ending_size :] for ending in endings)
        # First word -> [(words, term)], longest first: one dict look-up per word of a text.
        self.index: dict[str, list[tuple[tuple[str, ...], Term]]] = {}
        for alias, term in self.aliases:
            for words in spellings(alias):
                entries = self.index.setdefault(words[0], [])
                if all(w != words for w, _ in entries):
                    entries.append((words, term))
        for entries in self.index.values():
            entries.sort(key=lambda entry: -len(entry[0]))
        # First word -> [(words, product)], longest first, as for `index`.
        self.products: dict[str, list[tuple[tuple[str, ...], Product]]] = {}
        for canonical, entry in lexicon["no_category"].items():
            product = Product(canonical, entry["kind"], PRODUCT_KINDS[entry["kind"]])
            for alias in (canonical, *entry["names"]):
                for words in spellings(alias):
                    self.products.setdefault(words[0], []).append((words, product))
        for found in self.products.values():
            found.sort(key=lambda entry: -len(entry[0]))
        not_treatment = lexicon["not_treatment"]
        self.placebo = re.compile(not_treatment["placebo"], re.IGNORECASE)
        self.supportive = Guarded(re.compile(not_treatment["supportive"], re.IGNORECASE))
        self.conditioning = Guarded(re.compile(not_treatment["conditioning"], re.IGNORECASE))
        self.lymphodepletion = re.compile(not_treatment["lymphodepletion"], re.IGNORECASE)
        self.pretreatment = Guarded(re.compile(not_treatment["pretreatment"], re.IGNORECASE))
        self.stem_exceptions = frozenset(not_treatment["stem_exceptions"])
        # One scan of a name tells whether it is a placebo, a test or a supportive medicine.
        self.not_treatment = Guarded(
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
        context = lexicon["context"]
        self.choice_arm = Guarded(re.compile(context["choice_arm"], re.IGNORECASE))
        self.comparator_arm = Guarded(
            re.compile(f"{context['choice_arm']}|{context['usual_arm']}", re.IGNORECASE)
        )
        self.comparison = Guarded(re.compile(context["comparison"], re.IGNORECASE))
        self.title_versus = Guarded(re.compile(context["title_versus"], re.IGNORECASE))
        self.in_sequence = Guarded(re.compile(context["in_sequence"], re.IGNORECASE))
        self.given_together = Guarded(re.compile(context["given_together"], re.IGNORECASE))
        self.one_of = Guarded(re.compile(context["one_of"], re.IGNORECASE))
        self.choice = any_of(context["choice"])
        self.not_choice = phrases_pattern(context["not_choice"])
        self.alternative_classes = tuple(context["alternative_classes"])
        car_t = lexicon["car-t"]
        self.cell_words = Guarded(re.compile(car_t["named_elsewhere"]["cell_words"], re.IGNORECASE))
        made_from = car_t["made_from"]
        self.car_t_made_from = {
            name_key(name): kind for kind in MADE_FROM for name in made_from[kind]
        }
        self.made_from_words = tuple(
            (kind, re.compile(made_from[f"{kind}_words"], re.IGNORECASE)) for kind in MADE_FROM
        )
        self.palliative = re.compile(lexicon["palliative"]["aims"], re.IGNORECASE)
        self.palliative_words = tuple(lexicon["palliative"]["find"])
        self.mesh_ancestors = {
            term.casefold(): category for term, category in lexicon["mesh_ancestors"].items()
        }
        cancer_words = [*load_toml("cancer.toml")["words"], *lexicon["context"]["cancer_words"]]
        # Whole capitalised acronyms ("ALL", "AML"); other words anywhere, in any case.
        self.cancer_acronyms = frozenset(w for w in cancer_words if w == w.upper())
        self.cancer_words = tuple(w.lower() for w in cancer_words if w != w.upper())
        settings = load_toml("settings.toml")
        self.settings = _settings_patterns(settings)
        # Word -> the setting patterns (indexes in self.settings) that may match where it is.
        self.setting_words = _word_index(words for _, _, words in self.settings)
        self.setting_plain = {
            name: table["plain"]
            for name, table in settings.items()
            if isinstance(table, dict) and "plain" in table
        }
        refractory = settings["refractory"]
        self.treated_plain = refractory["plain_treated"]
        self.said_of_response = re.compile(refractory["said_of_response"], re.IGNORECASE)
        # Setting -> the settings it also is, outside the exclusion criteria ([resistant] also).
        self.setting_also = {
            name: tuple(table.get("also", ()))
            for name, table in settings.items()
            if isinstance(table, dict) and "plain" in table
        }
        self.relapsed_or_spread = re.compile(
            settings["summary"]["relapsed_or_spread"], re.IGNORECASE
        )
        self.summary_not_treated = Guarded(
            re.compile(settings["summary"]["not_treated"], re.IGNORECASE)
        )
        self.interval_end = re.compile(settings["conditional"]["interval_end"], re.IGNORECASE)
        self.another_group = re.compile(settings["groups"]["another"], re.IGNORECASE)
        self.treatment_given = re.compile(settings["given"]["treatment"], re.IGNORECASE)
        self.given_still_rules_out = frozenset(settings["given"]["still_rules_out"])
        self.any_treatment = frozenset(settings["given"]["any_treatment"])
        # "or" right after a setting, but for the words after which it joins no other way in:
        # those of eligibility.toml's `not_alternatives` that start with "or".
        phrases = load_toml("eligibility.toml")["requirements"]["context"]["not_alternatives"]
        not_after = "|".join(re.escape(p[3:]) for p in phrases if p.startswith("or "))
        self.or_just_after = re.compile(rf"[\s,]*\bor\s+(?!(?:{not_after})\b)", re.IGNORECASE)
        self.untreated = Guarded(
            re.compile(settings["summary"]["untreated"], re.IGNORECASE),
            tuple(settings["summary"]["untreated_find"]),
        )
        self.not_treated: tuple[NotTreated, ...] = tuple(
            NotTreated(
                regex,
                tuple(rule["rules_out"]),
                frozenset(rule.get("unless", ())),
                rule.get("negated", False),
                tuple(rule["find"]) if "find" in rule else required_words(regex),
            )
            for rule in settings["not_treated"]
            for regex in [re.compile(rule["pattern"], re.IGNORECASE)]
        )
        self.not_treated_words = _word_index(rule.words or ("",) for rule in self.not_treated)
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
        key = name_key(alias)
        if not key or key in self.terms:
            return
        exact = alias if len(key) <= 4 and alias not in self.any_case else None
        if agents > 1:
            phrases = tuple(
                (c, f" is a regimen of several treatments, including {self.is_a[c]}")
                for c in categories
            )
        else:
            phrases = tuple((c, f" is {self.is_a[c]}") for c in categories)
        self.terms[key] = term = Term(
            canonical, name_key(canonical), categories, generic, agents, exact, phrases
        )
        self.aliases.append((alias, term))


def _word_index(words_of: Any) -> dict[str, list[int]]:
    """Word -> the indexes of the patterns that need it, from each pattern's words. A word
    holding a shorter one is looked for as the shorter one (fewer looks; it is found a few
    letters further on, which the windows around the words allow for)."""
    needs = [tuple(words) for words in words_of]
    every = sorted({w for words in needs for w in words}, key=len)
    shortest = {w: next(v for v in every if v in w) for w in every}
    index: dict[str, list[int]] = {}
    for number, words in enumerate(needs):
        for word in words:
            found = index.setdefault(shortest[word], [])
            if number not in found:
                found.append(number)
    return index


def _settings_patterns(table: dict[str, Any]) -> list[tuple[str, re.Pattern[str], tuple[str, ...]]]:
    """(setting, pattern, words) for each pattern of each setting: the words are those one of
    which every match holds (read from the pattern), else the setting's `find` words."""
    found = []
    for name in ("refractory", "relapsed", "resistant"):
        for pattern in table[name]["tag_patterns"]:
            regex = re.compile(pattern, re.IGNORECASE)
            found.append((name, regex, required_words(regex) or tuple(table[name]["find"])))
    return found


def _biomarker_patterns(
    table: dict[str, Any],
) -> tuple[list[MarkerRule], dict[str, re.Pattern[str]]]:
    context = {name: re.compile(pattern) for name, pattern in table["context"].items()}
    markers = []
    for name, spec in table.items():
        if name == "context":
            continue
        finds = spec.get("find", [name])
        pattern = spec["pattern"]
        if spec.get("negative"):  # found like the marker, read as its absence
            pattern = f"(?:{pattern})|(?:{spec['negative']})"
        markers.append(
            MarkerRule(
                name=name,
                regex=re.compile(pattern),
                variant=re.compile(spec["variant"]) if spec.get("variant") else None,
                variant_before=(
                    re.compile(spec["variant_before"]) if spec.get("variant_before") else None
                ),
                needs_context=spec.get("needs_context", True),
                positive=re.compile(spec["positive"]) if spec.get("positive") else None,
                excluded=re.compile(spec["negative"]) if spec.get("negative") else None,
                from_match=spec.get("tag_from_match", False),
                aliases=tuple(spec.get("aliases", ())),
                capitals=frozenset(f for f in finds if f == f.upper()),
                words=tuple(f.lower() for f in finds if f != f.upper()),
            )
        )
    return markers, context


@cache
def knowledge() -> Knowledge:
    return Knowledge()
