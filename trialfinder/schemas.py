"""The shape of every data file in ``trialfinder/data/``: which keys each table may hold, and what.

:func:`trialfinder.knowledge.load_toml` checks a file against its shape when it first reads it,
so a misspelled or unknown key is an error naming the file, the line and the key, with a
did-you-mean, never a key silently ignored::

    trialfinder/data/lexicon.toml:12: car-t.drgus: unknown key (did you mean 'drugs'?)

Each file is described with the shapes of :mod:`trialfinder.validation`; ``checks`` look across
a file (a disease ``within`` another that exists). Two files have readers of their own that
check them: ``context.toml`` (:func:`trialfinder.tagging.context.parse_rules`) and
``drug_classes.toml`` (:func:`trialfinder.tagging.drug_classes.parse_drug_classes``); the
profile example ``profile_template.toml`` is checked as any profile is
(:func:`trialfinder.profile.load_profile`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from trialfinder.validation import (
    DATE,
    FLAG,
    NUMBER,
    TEXT,
    WHOLE,
    Checker,
    Choice,
    Either,
    ListOf,
    Names,
    Regex,
    Shape,
    Table,
    did_you_mean,
)
from trialfinder.vocabulary import CATEGORY_NAMES, PRODUCT_KINDS, SETTINGS

# Files whose own readers check them (see the module docstring).
OWN_READERS = {
    "context.toml": "trialfinder.tagging.context.parse_rules",
    "drug_classes.toml": "trialfinder.tagging.drug_classes.parse_drug_classes",
    "profile_template.toml": "trialfinder.profile.load_profile",
}

# The registry's own values (ClinicalTrials.gov API v2 enums), which summary.toml words.
API_STATUSES = (
    "ACTIVE_NOT_RECRUITING",
    "COMPLETED",
    "ENROLLING_BY_INVITATION",
    "NOT_YET_RECRUITING",
    "RECRUITING",
    "SUSPENDED",
    "TERMINATED",
    "WITHDRAWN",
    "AVAILABLE",
    "NO_LONGER_AVAILABLE",
    "TEMPORARILY_NOT_AVAILABLE",
    "APPROVED_FOR_MARKETING",
    "WITHHELD",
    "UNKNOWN",
)
API_PHASES = ("NA", "EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4")
API_SEXES = ("FEMALE", "MALE", "ALL")
API_INTERVENTION_TYPES = (
    "BEHAVIORAL",
    "BIOLOGICAL",
    "COMBINATION_PRODUCT",
    "DEVICE",
    "DIAGNOSTIC_TEST",
    "DIETARY_SUPPLEMENT",
    "DRUG",
    "GENETIC",
    "PROCEDURE",
    "RADIATION",
    "OTHER",
)

Check = Callable[[dict[str, Any], Checker], None]


@dataclass(frozen=True)
class DataFile:
    """A data file's shape, and the checks that look across it."""

    shape: Shape
    checks: tuple[Check, ...] = ()


TEXTS = ListOf(TEXT)
REGEX = Regex()
REGEX_I = Regex(re.IGNORECASE)  # patterns their readers compile ignoring case
CATEGORY = Choice(CATEGORY_NAMES, "a category")
CATEGORIES = ListOf(CATEGORY, "a list of categories")


def texts(*keys: str) -> dict[str, Shape]:
    """Keys that each hold a list of texts."""
    return dict.fromkeys(keys, TEXTS)


def words(*keys: str) -> dict[str, Shape]:
    """Keys that each hold one text."""
    return dict.fromkeys(keys, TEXT)


def names_in(
    where: tuple[str, ...], key: str, defined: Callable[[dict[str, Any]], Iterable[str]], what: str
) -> Check:
    """A check: every name listed under ``key`` of each table in ``where`` is ``defined``."""

    def check(data: dict[str, Any], c: Checker) -> None:
        known = tuple(defined(data))
        tables = data
        for part in where:
            tables = tables[part]
        for name, table in tables.items():
            for value in table.get(key, ()):
                if value not in known:
                    path = (*where, name, key)
                    line = c.key_lines.find(path, f'"{value}"')
                    close = difflib.get_close_matches(value, known, n=1)
                    advice = f" (did you mean {close[0]!r}?)" if close else ""
                    c.problem(path, f"no {what} {value!r}{advice}", line)

    return check


def _kinds_named(data: dict[str, Any], c: Checker) -> None:
    """Every kind of change `unsaid_kinds`, `loose_kinds` and `negative_answers` name is one of
    `change_kinds`."""
    markers = data["markers"]
    known = tuple(markers["change_kinds"])
    named = (
        [
            (("markers", "unsaid_kinds", marker), kind)
            for marker, kinds in markers["unsaid_kinds"].items()
            for kind in kinds
        ]
        + [
            (("markers", "loose_kinds", marker), kind)
            for marker, groups in markers["loose_kinds"].items()
            for group in groups
            for kind in group
        ]
        + [
            (("markers", "negative_answers", marker, first), kind)
            for marker, answers in markers["negative_answers"].items()
            for first, more in answers.items()
            for kind in (first, *more)
        ]
    )
    for path, kind in named:
        if kind not in known:
            c.problem(
                path,
                f"no kind of change {kind!r} in change_kinds",
                c.key_lines.find(path, f'"{kind}"'),
            )


def _disease_words_named(data: dict[str, Any], c: Checker) -> None:
    """The diseases `profile_organs` and `became_short` name are diseases of the file, two a
    change (the disease it is within, the disease it becomes)."""
    known = tuple(data["disease"])
    words = data["words"]
    named = [
        (("words", "profile_organs", w), name)
        for w, name in words.get("profile_organs", {}).items()
    ]
    for short, names in words.get("became_short", {}).items():
        path = ("words", "became_short", short)
        if len(names) != 2:
            c.problem(path, "two diseases: the one it is within, and the one it becomes")
        named += [(path, name) for name in names]
    for path, name in named:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            advice = f" (did you mean {close[0]!r}?)" if close else ""
            c.problem(path, f"no disease {name!r}{advice}", c.key_lines.find(path, f'"{name}"'))


# -- lexicon.toml: treatments by name, stem and phrase ---------------------------------------

_MECHANISM = Table(required={"pattern": REGEX_I, "means": TEXT}, optional={"find": TEXTS})
_TREATMENTS = {
    "drugs": Names(TEXTS),  # generic name = [brands, code names, other spellings]
    "stems": Names(TEXT),  # stem = what it means
    "mechanisms": ListOf(_MECHANISM, "[[CATEGORY.mechanisms]] tables"),
}
_LEXICON_CATEGORY = Table(optional=_TREATMENTS)
LEXICON = DataFile(
    Table(
        required={
            "car-t": Table(
                required={
                    "made_from": Table(
                        required={
                            **texts("autologous", "allogeneic"),
                            "autologous_words": REGEX_I,
                            "allogeneic_words": REGEX_I,
                        }
                    ),
                    "named_elsewhere": Table(required={"cell_words": REGEX_I}),
                },
                optional=_TREATMENTS,
            ),
            "targeted-therapy": Table(
                required={
                    "conjugates": Table(
                        required={**texts("antibody_endings", "payload_endings"), "means": TEXT}
                    ),
                    "targets": Table(required={"any": REGEX_I}),
                },
                optional=_TREATMENTS,
            ),
            "regimens": Names(Table(required={"categories": CATEGORIES, "names": TEXTS})),
            "not_treatment": Table(
                required={
                    **dict.fromkeys(
                        (
                            "placebo",
                            "test",
                            "supportive",
                            "pretreatment",
                            "conditioning",
                            "lymphodepletion",
                        ),
                        REGEX_I,
                    ),
                    "stem_exceptions": TEXTS,
                }
            ),
            "context": Table(
                required={
                    **texts("generic", "cancer_words", "any_case"),
                    "choice_arm": REGEX_I,
                    "usual_arm": REGEX_I,
                    "comparison": REGEX_I,
                    "title_versus": REGEX_I,
                    "in_sequence": REGEX_I,
                    "given_together": REGEX_I,
                    "one_of": REGEX_I,
                    "choice": ListOf(REGEX_I),
                    "not_choice": TEXTS,
                    "alternative_classes": TEXTS,
                }
            ),
            "regimen_steroids": Table(
                required={**texts("names", "blood_cancers"), "support": REGEX}
            ),
            "palliative": Table(required={"aims": REGEX_I, "find": TEXTS}),
            "mesh_ancestors": Names(CATEGORY),  # MeSH term = category
            "no_category": Names(
                Table(required={"kind": Choice(PRODUCT_KINDS, "a product kind"), "names": TEXTS})
            ),
        },
        optional={
            name: _LEXICON_CATEGORY
            for name in CATEGORY_NAMES
            if name not in ("car-t", "targeted-therapy")
        },
    )
)


# -- biomarkers.toml: one table a marker, and the context words -----------------------------

_MARKER = Table(
    required={"pattern": REGEX},
    optional={
        **dict.fromkeys(("variant", "variant_before", "positive", "negative"), REGEX),
        **texts("find", "aliases"),
        **dict.fromkeys(("needs_context", "tag_from_match"), FLAG),
    },
)
BIOMARKERS = DataFile(
    Table(
        required={
            "context": Table(
                required={"positive": REGEX}, optional={"either": REGEX, "left_out": REGEX}
            )
        },
        others=_MARKER,
    )
)


# -- settings.toml: refractory, relapsed, resistant ------------------------------------------

_SETTING = Table(
    required={
        **words("label", "short", "plain"),
        **texts("search_terms", "find"),
        "tag_patterns": ListOf(REGEX_I),
    },
    optional={
        "also": ListOf(Choice(SETTINGS, "a setting"), "a list of settings"),
        **words("plain_treated"),
        "said_of_response": REGEX_I,
    },
)
SETTINGS_FILE = DataFile(
    Table(
        required={
            **dict.fromkeys(SETTINGS, _SETTING),
            "summary": Table(
                required={
                    "not_treated": REGEX_I,
                    "untreated": REGEX_I,
                    "untreated_find": TEXTS,
                    "relapsed_or_spread": REGEX_I,
                }
            ),
            "conditional": Table(required={"interval_end": REGEX_I}),
            "groups": Table(required={"another": REGEX_I}),
            "given": Table(
                required={
                    "treatment": REGEX_I,
                    "still_rules_out": ListOf(Choice(SETTINGS, "a setting"), "a list of settings"),
                    "any_treatment": TEXTS,
                }
            ),
            "not_treated": ListOf(
                Table(
                    required={
                        "pattern": REGEX_I,
                        "rules_out": ListOf(Choice(SETTINGS, "a setting"), "a list of settings"),
                    },
                    optional={**texts("find", "unless"), "negated": FLAG},
                ),
                "[[not_treated]] tables",
            ),
        }
    )
)


# -- diseases.toml: the prescreen's vocabulary of diseases -----------------------------------

_DISEASE = Table(
    optional={
        **texts("phrases", "acronyms", "organs", "within", "related", "markers"),
        **dict.fromkeys(("general", "cancer"), FLAG),
        "search": TEXT,
    }
)


def _disease_names(data: dict[str, Any]) -> Iterable[str]:
    return tuple(data["disease"])


DISEASES = DataFile(
    Table(
        required={
            "spelling": Names(TEXT),
            "words": Table(
                required=texts(
                    "metastasis",
                    "excluding",
                    "cancer_words",
                    "healthy",
                    "not_diagnosed",
                    "profile_healthy",
                    "profile_not_diagnosed",
                    "profile_history",
                    "profile_not_now",
                    "profile_past",
                    "profile_active",
                    "profile_became",
                )
                | {"profile_past_when": REGEX},
                optional={
                    **texts("not_diseases", "reference"),
                    "profile_organs": Names(TEXT),
                    "profile_ambiguous": Names(TEXT),
                    "profile_ambiguous_cancers": TEXTS,
                    "profile_ambiguous_hints": Names(TEXTS),
                    "organ_not_origin": TEXTS,
                    "became_short": Names(TEXTS),
                },
            ),
            "complications": Table(required={"names": Names(TEXTS), "of_the_cancer": TEXTS}),
            "disease": Names(_DISEASE),
        }
    ),
    checks=(
        names_in(("disease",), "within", _disease_names, "disease"),
        names_in(("disease",), "related", _disease_names, "disease"),
        _disease_words_named,
    ),
)


# -- eligibility.toml: sections of the criteria, and the phrases of requirements -------------

ELIGIBILITY = DataFile(
    Table(
        required={
            "sections": Table(
                required={
                    **texts("inclusion", "exclusion", "both", "qualifiers", "cohort_words"),
                    **dict.fromkeys(("exclusion_leads", "inclusion_leads"), ListOf(REGEX_I)),
                    **dict.fromkeys(("inline", "all_cohorts", "step_label"), REGEX_I),
                }
            ),
            "earlier_study": Table(
                required=texts(
                    "phrases", "weak", "denied", "allowing", "weak_not", "not_with", "find"
                )
            ),
            "requirements": Table(
                required={
                    "context": Table(
                        required={
                            **texts(
                                "negations",
                                "strong_negations",
                                "allowances",
                                "exceptions",
                                "hypotheticals",
                                "time_limits",
                                "with_or_without",
                                "alternatives",
                                "not_alternatives",
                                "setting_limits",
                                "treated_settings",
                                "not_had",
                                "consequences",
                                "current",
                                "outcomes",
                                "narrowing_before",
                                "trial_names",
                                "narrowing_after",
                                "alternative_leads",
                            ),
                            "scopes": ListOf(REGEX),
                        }
                    ),
                    "numbers": Table(
                        required={
                            "words": Names(WHOLE),
                            **texts("ge", "gt", "le", "lt", "after_ge", "after_le", "range_joins"),
                        }
                    ),
                    "prior_lines": Table(
                        required={
                            **texts(
                                "words",
                                "nouns",
                                "line_words",
                                "exact_verbs",
                                "exact_words",
                                "time_words",
                                "naive",
                            ),
                            **dict.fromkeys(
                                (
                                    "any_treatment",
                                    "for_advanced",
                                    "not_any",
                                    "curative",
                                    "naive_before",
                                    "chemotherapy_lines",
                                ),
                                REGEX,
                            ),
                            "gap": WHOLE,
                        }
                    ),
                    "stage": Table(
                        required={
                            **texts("words"),
                            **dict.fromkeys(("non_metastatic", "metastatic"), ListOf(REGEX)),
                            **dict.fromkeys(
                                (
                                    "stages",
                                    "spread",
                                    "spread_stage",
                                    "elsewhere",
                                    "other_times",
                                    "other_systems",
                                    "earlier",
                                    "not_before",
                                    "not_after",
                                ),
                                REGEX,
                            ),
                        }
                    ),
                    "prior_therapy": Table(
                        required=texts(
                            "frames",
                            "not_frames",
                            "plans",
                            "refractory",
                            "not_refractory",
                            "counts",
                            "lower_counts",
                            "carriers",
                            "joins",
                        )
                    ),
                    "ecog": Table(
                        required={
                            **texts("scales", "percent_scales", "conditional", "words"),
                            "karnofsky_highest": ListOf(
                                WHOLE, "the highest Karnofsky score of each ECOG grade, 0 to 4"
                            ),
                            "karnofsky_highest_other": ListOf(
                                WHOLE, "the same by the other conversion in use"
                            ),
                        }
                    ),
                    "brain_metastases": Table(
                        required=texts(
                            "words",
                            "phrases",
                            "active",
                            "stable",
                            "untreated",
                            "treatment_of",
                            "limits",
                            "for_conditions",
                            "allowed",
                        )
                    ),
                    "measurable_disease": Table(
                        required=texts(
                            "words",
                            "phrases",
                            "alternatives",
                            "disease_free_words",
                            "disease_free",
                            "disease_free_not",
                        )
                    ),
                    "pregnancy": Table(
                        required={
                            **texts(
                                "words",
                                "pregnant",
                                "pregnancy_first",
                                "breastfeeding",
                                "not_before",
                                "not_after",
                                "unless",
                            ),
                            "reach": WHOLE,
                        }
                    ),
                    "transplant": Table(
                        required={
                            **texts(
                                "words",
                                "sources",
                                "nouns",
                                "frames",
                                "after",
                                "ongoing",
                                "ineligible",
                                "eligible",
                            ),
                            "acronyms": Names(TEXT),
                            "types": Names(TEXTS),
                        }
                    ),
                    "age": Table(
                        required=texts(
                            "words",
                            "units",
                            "small_units",
                            "anchors",
                            "not_ages",
                            "not_the_person",
                            "other_times",
                            "other_subjects",
                        )
                    ),
                    "sex": Table(
                        required=texts(
                            "female", "male", "before", "nouns", "then", "not_with", "both"
                        )
                    ),
                }
            ),
        }
    )
)


# -- prescreen.toml and its examples ---------------------------------------------------------

_SENTENCES = (
    "pass",
    "fail",
    "fail-no-cancer",
    "fail-not-diagnosed",
    "fail-healthy",
    "unknown",
    "unknown-narrower",
    "unknown-related",
    "unknown-unlike",
    "unknown-title",
    "unknown-not-named",
    "unknown-healthy",
    "unknown-suspected",
    "unknown-suspected-none",
    "unknown-other-diseases",
    "unknown-any-cancer",
    "unknown-contradicted",
    "unknown-disagree",
    "unknown-named-in-criteria",
    "unknown-close",
    "unknown-names",
    "unknown-other",
    "unknown-sensitizing",
    "unknown-active",
    "unknown-eligible",
    "unknown-shorter",
    "unknown-place",
    "unknown-local",
    "unknown-partial",
    "unknown-some-active",
    "unknown-vague",
    "unknown-title-no-lines",
    "unknown-longer",
    "fail-longer",
    "unknown-named",
    "unknown-operation",
)
_RULE = Table(
    required={
        "facts": TEXTS,
        "key": FLAG,
        "permanent": FLAG,
        "says": Names(TEXT),
        **words("pass", "fail", "unknown", "question"),
    },
    optional={
        **words(
            *_SENTENCES[2:],
            "question-active",
            "pass-title",
            "pass-spread",
            "question-title",
            "pass-count",
            "question-count",
            "unknown-untreated",
            "unknown-left-out",
            "question-left-out",
            "pass-no-line",
            "unknown-early-treatment",
            "pass-hormone-sensitive",
            "pass-hormone-resistant",
            "unknown-hormone-sensitive",
            "unknown-no-line",
            "unknown-some",
            "question-some",
            "pass-person",
            "fail-person",
            "unknown-person",
            "unknown-person-unnamed",
            "question-person",
            "question-person-unnamed",
            "unknown-negative",
            "unknown-level",
            "unknown-part",
            "karnofsky",
            "of-karnofsky",
            "ecog-as-karnofsky",
            "unknown-ecog-as-karnofsky",
            "unknown-karnofsky",
            "question-karnofsky",
            "unknown-germline",
            "unknown-one-test",
            "unknown-wider",
            "unknown-criteria",
            "pass-group",
            "fail-group",
            "unknown-group",
            "question-group",
            "fail-disease-free",
            "unknown-disease-free",
            "question-disease-free",
            "pass-medicine",
            "fail-medicine",
            "unknown-treated-when",
            "question-treated-when",
            "unknown-last",
            "question-last",
            "unknown-chemotherapy",
            "question-chemotherapy",
            "unknown-complication",
            "unknown-other-cancer",
            "question-other-cancer",
            "question-complication",
            "unknown-earlier-study",
            "question-earlier-study",
            "unknown-watch",
            "question-watch",
            "unknown-response",
            "question-response",
            "unknown-duration",
            "question-duration",
            "unknown-surgery",
            "question-surgery",
            "unknown-treatment-now",
            "question-treatment-now",
        ),
        **texts("person"),
        **texts("count_words", "count_numbers", "count_between", "count_not_of", "count_not_with"),
        **texts("refractory_words", "treated_words"),
        **texts("naive_words", "eligible_words", "not_eligible_words"),
        **texts("active_words", "untreated_allowed", "confirmed", "healthy_people", "examples"),
        **texts("symptomatic_only"),
        **texts("named_not", "any_cancer", "grew_during", "grew_after", "named_only"),
        **texts("for_advanced", "hormone_sensitive"),
        "treated_when": REGEX_I,
        "duration": REGEX_I,
        **texts("last_words"),
        "medicine_settings": Names(
            Table(
                required={
                    **words("resistant", "sensitive"),
                    **texts("resistant_words", "sensitive_words"),
                }
            )
        ),
        **texts("named_only_not"),
        "treatments_named": Names(TEXT),
        **texts("general_words", "key_rules", "open_purposes"),
        **texts("complication_not", "watch_words", "response_words"),
        **texts("other_cancer_words", "other_cancer_nouns"),
        "title_settings": Names(TEXT),
        "title_stages": Names(TEXT),
        "title_stages_not_of": TEXTS,
        **texts("title_after", "surgery_trial_words", "treatment_now_words"),
        "title_within": WHOLE,
        **texts("adjuvant_words", "adjuvant_not", "surgery_words", "advanced_words"),
        **words("adjuvant_value"),
        **texts("title_first_line", "title_not_before", "title_not_after", "title_unless"),
        **texts("title_not_with", "title_settings_not_before"),
    },
)
_IS_NOT = Table(required=texts("is", "not"))


PRESCREEN = DataFile(
    Table(
        required={
            "rule": Names(_RULE),
            "verdict": Table(
                required={
                    **words(
                        "excluded",
                        "excluded-cohorts",
                        "excluded-wait",
                        "excluded-cohorts-wait",
                        "possible",
                        "check",
                        "check-nothing",
                        "check-parts",
                        "fits-cohorts",
                    ),
                    "wait_rules": TEXTS,
                }
            ),
            "words": Table(
                required={
                    **words(
                        "female",
                        "male",
                        "only-female",
                        "only-male",
                        "line",
                        "lines",
                        "other-than",
                        "brain-none",
                        "brain-treated-stable",
                        "brain-active",
                        "transplant-autologous",
                        "transplant-allogeneic",
                        "transplant-any",
                        "transplants-none",
                        "transplants-had",
                    ),
                    "fact-names": Names(TEXT),
                    "asked-names": Names(TEXT),
                }
            ),
            "setting": Names(Table(required=texts("written", "is", "not"))),
            "states": Table(required={"written": Names(TEXTS), **texts("said", "denied")}),
            "lines_settings": Names(_IS_NOT, names=("none", "some"), every=True),
            "markers": Table(
                required={
                    **texts("negative", "positive", "variant_noise", "levels"),
                    **texts("sensitizing_words", "sources", "germline", "before_name"),
                    **texts("uncertain", "no_result"),
                    "no_result_warning": TEXT,
                    "uncertain_warning": TEXT,
                    "source_letters": Names(TEXT),
                    "aliases": Names(TEXT),
                    "negative_needs_all": Names(TEXTS),
                    "sensitizing": Names(TEXTS),
                    "part_changes": Names(TEXTS),
                    "change_kinds": Names(TEXTS),
                    "change_variant": REGEX,
                    "unsaid_kinds": Names(TEXTS),
                    "loose_kinds": Names(ListOf(TEXTS)),
                    "negative_answers": Names(Names(TEXTS)),
                    "zero": REGEX,
                    "undecided": Names(TEXTS),
                    "trial_decides": Names(TEXTS),
                    "trial_decides_percent": Names(ListOf(WHOLE, "the lowest and highest share")),
                    "trial_decides_warning": TEXT,
                    "test_words": Names(TEXTS),
                    "low_words": Names(TEXTS),
                    "high_from": Names(WHOLE),
                    "deciding_tests": Names(TEXTS),
                    "undecided_warning": TEXT,
                },
                optional={"negative_not_enough": Names(REGEX_I)},
            ),
            "treatments": Table(
                required=texts(
                    "transplant",
                    "autologous",
                    "allogeneic",
                    "radiation",
                    "surgery",
                    "qualifiers",
                    "other",
                    "radiation_short",
                    "radiation_classes",
                    "surgery_classes",
                )
                | {
                    "abbreviations": Names(TEXT),
                    "not_given": TEXTS,
                    "not_brain": TEXTS,
                    "dose": REGEX_I,
                }
            ),
            "regimens": Names(TEXTS),  # regimen = [its drugs]
            "risk_groups": Names(
                Table(
                    required={
                        "disease_words": TEXTS,
                        "gap": WHOLE,
                        "groups": Names(Table(required=texts("trial", "profile", "clash"))),
                    },
                    optional={"ask_unnamed": FLAG, "score_words": TEXTS},
                )
            ),
            "washout": Table(
                required={
                    **texts("treatments", "not_about", "shorter", "longer"),
                    "units": Names(WHOLE),
                }
            ),
        }
    ),
    checks=(_kinds_named,),
)

_VALUE = Either(TEXT, NUMBER, what="text or a number")
PRESCREEN_EXAMPLES = DataFile(
    Table(
        required={
            "example": ListOf(
                Table(
                    required={
                        "rule": TEXT,
                        "profile": Table(others=Either(TEXT, NUMBER, FLAG, DATE, TEXTS)),
                        "outcome": Choice(("pass", "fail", "unknown"), "an outcome"),
                    },
                    optional={
                        "requirement": Table(
                            required={"rule": TEXT, "values": ListOf(_VALUE), "text": TEXT},
                            optional={
                                "section": Choice(("inclusion", "exclusion"), "a section"),
                                "cohort": TEXT,
                            },
                        ),
                        "trial": Table(
                            required={"conditions": TEXTS},
                            optional={"healthy_volunteers": FLAG, "title": TEXT, "criteria": TEXT},
                        ),
                        "permanent": FLAG,
                        "today": DATE,
                    },
                ),
                "[[example]] tables",
            )
        }
    )
)


# -- summary.toml: the words of a plain-language summary -------------------------------------

_BY_COUNT = Either(
    TEXT,
    Table(optional=words("zero", "one", "many")),
    TEXTS,
    what="a sentence, a table of sentences by count (zero, one, many) or a list of them",
)


def _summary_kinds(data: dict[str, Any], c: Checker) -> None:
    """The sentences of [requirements.KIND] are of a kind that ``show`` lists."""
    requirements = data["requirements"]
    shown = requirements["show"]
    for name in requirements:
        if name in _SUMMARY_REQUIREMENTS.required or name in _SUMMARY_REQUIREMENTS.optional:
            continue
        if name not in shown:
            known = (*_SUMMARY_REQUIREMENTS.required, *_SUMMARY_REQUIREMENTS.optional, *shown)
            c.problem(
                ("requirements", name),
                f"unknown key: not a kind that `show` lists ({did_you_mean(name, known, 'keys')})",
            )


_SUMMARY_REQUIREMENTS = Table(
    required={
        **texts("show", "limits", "digits", "numbers", "comma_lists"),
        "max_rules": WHOLE,
        **words("cohort", "cohorts", "or", "and"),
        "markers": Table(
            required={"change_words": REGEX, **texts("genes", "person")},
            optional={
                "levels": Table(
                    required={
                        "level_markers": TEXTS,
                        **dict.fromkeys(("threshold", "below"), REGEX_I),
                        "scores": Names(REGEX_I),
                        **words("at-least", "more-than", "said", "said-other-than"),
                    }
                )
            },
        ),
        "transplant-kinds": Table(required=words("autologous", "allogeneic", "any")),
    },
    optional={"not_for_diseases": Names(TEXTS)},
    others=Names(_BY_COUNT),  # [requirements.KIND]: rule -> sentence(s)
)
SUMMARY = DataFile(
    Table(
        required={
            "phases": Names(
                TEXT,
                names=(
                    *API_PHASES,
                    "PHASE1+PHASE2",
                    "PHASE2+PHASE3",
                    "none",
                    "observational",
                    "tests_only",
                ),
            ),
            "phases_not_treating": Names(
                TEXT, names=(*API_PHASES, "PHASE1+PHASE2", "PHASE2+PHASE3")
            ),
            "phases_single_group": Names(
                TEXT, names=(*API_PHASES, "PHASE1+PHASE2", "PHASE2+PHASE3")
            ),
            "statuses": Names(TEXT, names=(*API_STATUSES, "none")),
            "intervention_types": Names(TEXT, names=API_INTERVENTION_TYPES),
            "settings": Names(TEXT, names=SETTINGS),
            "settings_read": Table(
                required={
                    "no_response": REGEX_I,
                    "treated": TEXT,
                    "intolerant": REGEX_I,
                }
            ),
            "sex": Names(TEXT, names=(*API_SEXES, "none", "disagree")),
            "ages": Table(
                required={
                    **words("disagree", "unclear", "criteria_only", "higher_note"),
                    "higher_somewhere": REGEX_I,
                }
            ),
            "disease": Table(required=words("cancer", "other")),
            "conditions": Table(
                required={
                    "not_an_illness": ListOf(REGEX_I),
                    "healthy_people": REGEX_I,
                    **words("healthy_only", "earlier_study"),
                }
            ),
            "categories": Names(TEXT, names=CATEGORY_NAMES),
            "car_t_made_from": Table(required=words("autologous", "allogeneic")),
            "known_kinds": Names(TEXT, names=PRODUCT_KINDS),
            "phrases": Table(required=words("combination", "conditioning", "crossover")),
            "interventions": Table(
                required={
                    "no_intervention": ListOf(REGEX_I),
                    **dict.fromkeys(
                        (
                            "placebo_with",
                            "at_times",
                            "at_times_giving",
                            "at_times_not",
                            "choice_described",
                            "joined",
                            "usual_care",
                            "sham",
                            "given_too",
                            "given_too_not",
                        ),
                        REGEX_I,
                    ),
                    "given_too_words": WHOLE,
                    **texts("not_other_names", "not_other_name_words"),
                    "other_name_words": WHOLE,
                    **words("placebo", "sham_said", "nothing", "at_times_said"),
                }
            ),
            "requirements": _SUMMARY_REQUIREMENTS,
            "contacts": Table(
                required={
                    "not_a_name": ListOf(REGEX_I),
                    "phone_digits": WHOLE,
                    **dict.fromkeys(("email", "web_address"), REGEX),
                    "extension": REGEX_I,
                }
            ),
        }
    ),
    checks=(_summary_kinds,),
)


# -- the small files -------------------------------------------------------------------------

CANCER = DataFile(Table(required=texts("mesh_ancestors", "words")))
CONDITIONS = DataFile(Table(required=texts("names", "words")))
CATEGORIES_FILE = DataFile(
    Names(
        Table(required=words("explanation", "is_a"), optional=words("short", "words")),
        names=CATEGORY_NAMES,
        every=True,
    )
)
COLUMNS = DataFile(Names(Table(required=words("meaning", "example"))))
GLOSSARY = DataFile(
    Names(Table(required={"means": TEXT}, optional={"forms": TEXTS, "not_cancer": TEXT}))
)
PLACES = DataFile(
    Table(
        required={
            "states": Names(TEXT),  # full name -> postal code
            "abbreviations": Names(TEXT),  # short word -> full word
            "population": Names(WHOLE),  # "City, ST" -> thousands
            "countries": Table(
                required={
                    "with_the": TEXTS,  # said with "the": "sites in the United States"
                    "names": Names(TEXT),  # the registry's name -> the name people use
                }
            ),
        }
    )
)

# File name -> its shape, for every data file read with load_toml.
SCHEMAS: dict[str, DataFile] = {
    "biomarkers.toml": BIOMARKERS,
    "cancer.toml": CANCER,
    "categories.toml": CATEGORIES_FILE,
    "columns.toml": COLUMNS,
    "conditions.toml": CONDITIONS,
    "diseases.toml": DISEASES,
    "eligibility.toml": ELIGIBILITY,
    "glossary.toml": GLOSSARY,
    "lexicon.toml": LEXICON,
    "places.toml": PLACES,
    "prescreen.toml": PRESCREEN,
    "prescreen_examples.toml": PRESCREEN_EXAMPLES,
    "settings.toml": SETTINGS_FILE,
    "summary.toml": SUMMARY,
}
