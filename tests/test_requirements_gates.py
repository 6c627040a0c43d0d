"""Requirements found through the quick tests that decide which items a reader reads: each
spelling a reader's pattern starts with, codes cut oddly, and the words of one item deciding
about another."""

from __future__ import annotations

import pytest

from trialfinder.tagging.reader import read_criteria
from trialfinder.tagging.requirements import disease_scopes, extract, item_scope, read_requirements


def criteria(inclusion: list[str], exclusion: list[str] | None = None) -> str:
    text = "Inclusion Criteria:\n\n" + "\n".join(f"* {line}" for line in inclusion)
    if exclusion:
        text += "\n\nExclusion Criteria:\n\n" + "\n".join(f"* {line}" for line in exclusion)
    return text


def read(inclusion: list[str], exclusion: list[str] | None = None) -> list[tuple]:
    return [
        (r.kind, r.rule, r.values) for r in extract(read_criteria(criteria(inclusion, exclusion)))
    ]


NO_LINE = [("prior-lines", "at-most", (0,))]


@pytest.mark.parametrize(
    "first",
    [
        "systemic",
        "anti-cancer",
        "anticancer",
        "anti-neoplastic",
        "antineoplastic",
        "anti-tumor",
        "antitumour",
        "any",
    ],
)
def test_each_first_word_of_any_treatment_is_read(first):
    assert read(["Adults"], [f"Prior {first} therapy for metastatic disease"]) == NO_LINE
    assert read(["Adults"], [f"Prior {first.upper()} THERAPY FOR METASTATIC DISEASE"]) == NO_LINE


def test_no_earlier_line_read_across_an_odd_space():
    assert read(["No prior\u00a0systemic\u2009therapy for advanced disease"]) == NO_LINE
    assert read(["Adults"], ["Prior chemotherapy for metastatic disease"]) == []


@pytest.mark.parametrize(
    "code",
    [
        "pT2N0M0 breast cancer",
        "Breast cancer, cM0",
        "T2N0\u00b7M0 breast cancer",
        "Stage T1c N1 M0",
    ],
)
def test_tnm_codes_that_have_not_spread(code):
    assert read([code]) == [("disease-setting", "any-of", ("non-metastatic",))]


@pytest.mark.parametrize("code", ["M1 disease", "pM1c disease", "Known M1b lung cancer"])
def test_tnm_codes_of_spread_disease_excluded(code):
    assert read(["Adults"], [code]) == [("disease-setting", "none-of", ("metastatic",))]


def test_no_tnm_code_in_words_that_only_end_alike():
    assert read(["Adults"], ["Haemoglobin below 10 g/dL in arm1"]) == []
    assert read(["Platelets from study KM10"]) == []


@pytest.mark.parametrize(
    "other",
    [
        "Advanced disease is allowed",  # no stage word: spread all the same
        "Patients with stage III-IV disease",
        "Oligometastatic disease (up to 3 lesions)",
    ],
)
def test_spread_taken_in_another_inclusion_item_drops_every_stage_rule(other):
    assert read(["T1-4N0M0 prostate cancer", other], ["Evidence of distant disease."]) == []


def test_items_that_take_no_spread_keep_the_stage_rules():
    for other in ("Adequate organ function", "Positive for PSMA; life expectancy 12 weeks"):
        assert read(["T1-4N0M0 prostate cancer", other], ["Evidence of distant disease."]) == [
            ("disease-setting", "any-of", ("non-metastatic",)),
            ("disease-setting", "none-of", ("metastatic",)),
        ]


def test_a_drug_named_beside_a_frame_in_another_item_is_read_where_it_is_framed():
    assert read(["Lenalidomide allergy screening", "Prior treatment with bortezomib"]) == [
        ("prior-therapy-required", "all-of", ("bortezomib",))
    ]
    assert read(["Lenalidomide allergy screening", "Adults"]) == []


def test_a_one_sentence_item_and_its_sentences_read_alike():
    one = read(["Adults"], ["Prior treatment with a BCMA-directed therapy"])
    two = read(["Adults"], ["Prior treatment with a BCMA-directed therapy. Adults only"])
    assert one == two == [("prior-therapy-excluded", "any-of", ("BCMA-directed therapy",))]
    # A second sentence without a frame names a drug that is not read.
    assert read(["Adults"], ["Adults only; lenalidomide allergy"]) == []


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("At least 2 prior lines of therapy", [("prior-lines", "at-least", (2,))]),
        ("At least 12 prior lines of therapy", [("prior-lines", "at-least", (12,))]),
        ("One to 3 prior lines of therapy", [("prior-lines", "between", (1, 3))]),
        ("Received 1-3 prior regimens", [("prior-lines", "between", (1, 3))]),
        ("At least 123 prior lines of therapy", []),  # no count of lines
        ("At least 2.5 prior lines of therapy", []),
        ("v2 prior lines of therapy", []),
    ],
)
def test_counts_of_lines_in_digits_and_words(line, expected):
    assert read([line]) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Age ≥18 years", [("age", "at-least", (18,))]),
        ("Age 18.5 years or older", [("age", "at-least", (18,))]),
        ("Age \u0661\u0668 years or older", [("age", "at-least", (18,))]),  # Arabic-Indic digits
        ("Aged 1000 years", []),
        ("Age x18 years", []),
    ],
)
def test_ages_in_digits(line, expected):
    assert read([line]) == expected


@pytest.mark.parametrize(
    ("inclusion", "exclusion", "expected"),
    [
        ("Transplant-ineligible patients", None, ("ineligible-required", ("any",))),
        (
            "Not eligible for high-dose chemotherapy with stem cell rescue",
            None,
            ("ineligible-required", ("autologous",)),
        ),
        (
            "Adequate bone marrow function. Prior autologous stem cell transplant required",
            None,
            ("prior-required", ("autologous",)),
        ),
        (
            "Adults",
            "Stem cell donors. Prior allogeneic transplant",
            ("prior-excluded", ("allogeneic",)),
        ),
        ("Adults", "Known CNS disease. Prior allogeneic HSCT", ("prior-excluded", ("allogeneic",))),
    ],
)
def test_transplants_read_in_the_sentence_that_names_them(inclusion, exclusion, expected):
    found = read([inclusion], [exclusion] if exclusion else None)
    assert [(rule, values) for kind, rule, values in found if kind == "transplant"] == [expected]


def test_no_transplant_rule_from_an_exception_or_words_that_only_sound_alike():
    assert read(["Adults"], ["Prior allogeneic transplant unless more than 1 year ago"]) == []
    assert read(["Adequate bone marrow function; stem cell factor levels normal"]) == []


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        (
            "Performance status ECOG 0-1 or Karnofsky >= 70",
            ("at-most-or-karnofsky-at-least", (1, 70)),
        ),
        ("ECOG ≤ 2", ("at-most", (2,))),
        ("Karnofsky ≥ 60", ("karnofsky-at-least", (60,))),
    ],
)
def test_performance_scales_read_alone_or_together(line, rule):
    assert read([line]) == [("ecog", *rule)]


@pytest.mark.parametrize(
    "scope",
    [
        "Colorectal cancer: ",
        "Colorectal cancer\uff1a ",  # a full-width colon
        "Colorectal cancer - ",
        "Colorectal cancer \u2013 ",  # an en dash
        "Dose escalation part - ",
        "Colorectal cancer patients must have had ",
        "Patients with colorectal cancer must have had ",
        "For some parts of the study, ",
    ],
)
def test_every_sign_and_phrase_that_limits_an_item_to_some_people_is_seen(scope):
    assert read([f"{scope}at least 2 prior lines of therapy"]) == []
    assert read(["At least 2 prior lines of therapy"]) == [("prior-lines", "at-least", (2,))]


@pytest.mark.parametrize(
    "line",
    [
        "Prior systemic therapy for metastatic disease",
        "Prior systemic therapies in the metastatic setting",
        "Prior systemic treatment for advanced disease",
        "Prior systemic treatments for metastatic disease",
        "Prior systemic regimen for advanced disease",
        "Prior systemic regimens for advanced disease",
        "Prior systemic anticancer pharmacotherapy for metastatic disease",
        "Any prior therapy for metastatic disease",
        "Prior anti-cancer treatment for the treatment of NSCLC",
    ],
)
def test_each_last_word_of_any_treatment_is_read(line):
    assert read(["Adults"], [line]) == NO_LINE
    assert read(["Adults"], [line.upper()]) == NO_LINE


def test_no_earlier_line_without_a_treatment_noun_or_what_it_was_given_for():
    assert read(["Adults"], ["Prior systemic chemotherapy for metastatic disease"]) == []
    assert read(["Adults"], ["Prior systemic therapy, metastatic disease"]) == []


@pytest.mark.parametrize("word", ["prior", "previous", "systemic", "standard", "anticancer"])
def test_counts_of_lines_read_beside_each_kind_of_line_word(word):
    assert read([f"At least 2 {word} therapies"]) == [("prior-lines", "at-least", (2,))]


NON_METASTATIC = [("disease-setting", "any-of", ("non-metastatic",))]
METASTATIC_EXCLUDED = [("disease-setting", "none-of", ("metastatic",))]


@pytest.mark.parametrize(
    "line",
    [
        "Non-metastatic prostate cancer",
        "Nonmetastatic prostate cancer",
        "Non metastatic prostate cancer",
        "No evidence of distant metastases",
        "Without metastatic disease",
        "Absence of metastases",
        "Stage II or III breast cancer",
    ],
)
def test_each_way_of_saying_the_cancer_has_not_spread_is_read(line):
    assert read([line]) == NON_METASTATIC


@pytest.mark.parametrize(
    "line",
    [
        "Stage II or III (Ann Arbor) lymphoma",
        "Stage II or III myeloma (R-ISS)",
        "Stage II or III disease (St. Jude)",
        "Stage II or III renal disease",
        "Stage II or III breast cancer at diagnosis",
        "Stage II or III breast cancer at presentation",
    ],
)
def test_a_stage_of_another_system_or_time_is_not_read(line):
    assert read([line]) == []


@pytest.mark.parametrize(
    "line", ["Distant metastases", "Metastatic disease", "M1 disease", "Stage IV breast cancer"]
)
def test_each_way_of_naming_spread_disease_is_excluded(line):
    assert read(["Adults"], [line]) == METASTATIC_EXCLUDED


@pytest.mark.parametrize(
    ("line", "drugs"),
    [
        ("Prior to enrollment, patients must have received lenalidomide", [("lenalidomide",)]),
        ("Shadow prior treatment with bortezomib", [("bortezomib",)]),  # "had" inside a word
        (
            "Adults; prior to enrollment: received bortezomib. Had lenalidomide",
            [("bortezomib",), ("lenalidomide",)],
        ),
    ],
)
def test_a_frame_after_words_that_only_look_like_one_is_read(line, drugs):
    assert read([line]) == [("prior-therapy-required", "all-of", d) for d in drugs]
    assert read(["Prior to enrollment, lenalidomide"]) == []


NOT_SPREAD = [("disease-setting", "any-of", ("non-metastatic",))]


@pytest.mark.parametrize(
    "spread",
    [
        "Locally advanced or metastatic disease",  # "metasta"
        "Disease staged cM1 is eligible",  # an M1 code
        "Stage 4 disease is eligible",  # "stage IV" / "stage 4"
        "Stage III to IVB disease",  # a range up to IV
        "Advanced disease",  # "advanced", not "locally advanced"
    ],
)
def test_each_way_of_saying_the_cancer_has_spread_takes_the_stage_rule_away(spread):
    assert read(["Stage II or III breast cancer", "Adequate organ function"]) == NOT_SPREAD
    assert read(["Stage II or III breast cancer", spread]) == []
    assert read(["Stage II or III breast cancer", "Locally advanced disease"]) == NOT_SPREAD


@pytest.mark.parametrize(
    "earlier",
    [
        "History of stage II breast cancer",
        "Prior stage II breast cancer",
        "Previously diagnosed stage II breast cancer",
        "Recurrent stage II breast cancer",
        "Relapsed stage II breast cancer",
    ],
)
def test_each_way_of_saying_a_stage_is_of_another_time_gives_no_stage_rule(earlier):
    assert read(["Stage II breast cancer"]) == NOT_SPREAD
    assert read([earlier]) == []


def test_spread_said_in_the_item_with_the_stage_gives_no_stage_rule():
    assert read(["Stage III breast cancer"]) == NOT_SPREAD
    assert read(["Stage III or IV breast cancer"]) == []


@pytest.mark.parametrize(
    ("line", "lowest"),
    [
        ("KPS ≥ 70", 70),
        ("\u212aPS ≥ 70", 70),  # the Kelvin sign, "k" in lower case
        ("\u212aarnofsky score of 60 or more", 60),
        ("KARNOFSKY SCORE OF 60 OR MORE", 60),
    ],
)
def test_words_in_capitals_or_with_a_letter_whose_lower_case_is_ascii_are_read(line, lowest):
    assert read([line]) == [("ecog", "karnofsky-at-least", (lowest,))]


def test_an_item_read_among_items_in_other_scripts():
    items = ["Ψ ΣΟΣ", "\u0130stanbul cohort", "Age \u2265 18 years", "ΑΣ"]
    assert read(items) == [("age", "at-least", (18,))]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Less than 3 prior lines of therapy", ("at-most", (2,))),
        ("Less than or equal to 3 prior lines of therapy", ("at-most", (3,))),
        ("Less  than\tor equal to 3 prior lines of therapy", ("at-most", (3,))),
        ("More than 2 prior lines of therapy", ("at-least", (3,))),
        ("More than or equal to 2 prior lines of therapy", ("at-least", (2,))),
    ],
)
def test_the_longest_comparison_that_goes_on_from_a_shorter_one_is_read(line, expected):
    assert read([line]) == [("prior-lines", *expected)]


@pytest.mark.parametrize(
    "scope",
    [
        "Colorectal cancer: ",
        "Colorectal cancer patients must have had ",
        "Patients with colorectal cancer must have had ",
        "Measurable disease per RECIST for solid tumors; ",
    ],
)
def test_the_diseases_an_item_is_limited_to_are_read_alike_from_its_words_or_its_text(scope):
    read = read_criteria(criteria([f"{scope}at least 2 prior lines of therapy", "Age 18 or older"]))
    item = read.items[0]
    _, scoped = read_requirements(read)
    assert item_scope(item)
    assert scoped
    assert {r.scope for r in scoped} == {item_scope(item)}
    assert disease_scopes(read) == {(item.text, item.section, item.cohort): item_scope(item)}
