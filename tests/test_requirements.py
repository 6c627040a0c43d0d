"""Requirements read from eligibility criteria as typed data, and the drug classes they name."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from trialfinder.errors import ConfigError
from trialfinder.model import parse_study
from trialfinder.records import tag_record
from trialfinder.tagging import tag_trial
from trialfinder.tagging.drug_classes import (
    drug_classes,
    drug_matches,
    find_drugs,
    generic_name,
    parse_drug_classes,
)
from trialfinder.tagging.lexicon import knowledge
from trialfinder.tagging.reader import read_criteria
from trialfinder.tagging.requirements import (
    KINDS,
    Requirement,
    as_ecog,
    asked_by_the_conditions,
    ecog_for_karnofsky,
    ecog_grades_for_karnofsky,
    extract,
    karnofsky_range,
    narrower,
    read_requirements,
)
from trialfinder.validation import InvalidConfig

from conftest import load_real_record, needs_shared, real_record_paths
from factories import make_study

MINE = {
    "disease-setting",
    "age",
    "sex",
    "prior-lines",
    "prior-therapy-required",
    "prior-therapy-excluded",
    "refractory-required",
    "ecog",
    "brain-metastases",
    "measurable-disease",
    "transplant",
    "pregnancy",
}


def criteria(inclusion: list[str] | tuple[str, ...] = (), exclusion: list[str] | tuple = ()) -> str:
    text = "Inclusion Criteria:\n\n" + "\n".join(f"* {line}" for line in inclusion or ["Adults"])
    if exclusion:
        text += "\n\nExclusion Criteria:\n\n" + "\n".join(f"* {line}" for line in exclusion)
    return text


def rules(text: str, kind: str) -> list[tuple[str, tuple]]:
    return [(r.rule, r.values) for r in extract(read_criteria(text)) if r.kind == kind]


def included(line: str, kind: str) -> list[tuple[str, tuple]]:
    return rules(criteria([line]), kind)


def excluded(line: str, kind: str) -> list[tuple[str, tuple]]:
    return rules(criteria(["Adults"], [line]), kind)


@pytest.mark.parametrize(
    ("line", "named"),
    [("Prior treatment with anthracyclines", "anthracycline"), ("Prior taxanes", "taxane")],
)
def test_a_class_named_in_the_plural_is_an_earlier_treatment_ruled_out(line, named):
    assert excluded(line, "prior-therapy-excluded") == [("any-of", (named,))]


def test_every_kind_read_here_is_a_documented_kind():
    assert set(KINDS) >= MINE


# -- age and sex ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Age ≥ 18 years", ("at-least", (18,))),
        ("18 years of age or older", ("at-least", (18,))),
        ("Age over 18 years.", ("at-least", (18,))),  # 18 and a half is over 18
        ("Age 18 - 75 years", ("between", (18, 75))),
        ("Patients aged > 18 and < 80 years of age", ("between", (18, 79))),
        ("Adults 18 to 65 years old.", ("between", (18, 65))),
        ("Age greater than or equal to (≥) 18 years.", ("at-least", (18,))),
        ("5 to < 18 years of age.", ("between", (5, 17))),
        ("Patients ≤ 25 years of age", ("at-most", (25,))),
    ],
)
def test_age_from_an_inclusion_item(line, expected):
    assert included(line, "age") == [expected]


def test_an_age_for_everyone_that_a_part_s_own_age_rules_out_is_not_for_everyone():
    # NCT03067181: the last two lines are for a pilot study, written as items for everyone.
    text = (
        "Inclusion Criteria:\n\n* Standard risk 1: Patients must be < 11 years of age\n"
        "* Standard risk 2: Patients must be >= 11 and < 25 years of age\n"
        "* Eligibility criteria to participate in the pilot study of the AYA-Hears instrument\n"
        "* >= 11 and < 25 years old at enrollment\n"
    )
    found = [(r.cohort, r.rule, r.values) for r in extract(read_criteria(text)) if r.kind == "age"]
    assert found == [
        ("Standard risk 1", "at-most", (10,)),
        ("Standard risk 2", "between", (11, 24)),
    ]
    # an age for everyone that every part's own age allows some of stays
    text = text.replace("< 11 years of age", "< 15 years of age")
    assert ("", "between", (11, 24)) in [
        (r.cohort, r.rule, r.values) for r in extract(read_criteria(text)) if r.kind == "age"
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Age < 18 or ≥ 85", ("between", (18, 84))),
        ("Under 18 years of age.", ("at-least", (18,))),
        (
            "Be less than 18 years of age or greater than or equal to 80 years of age;",
            ("between", (18, 79)),
        ),
    ],
)
def test_an_excluded_age_gives_the_allowed_ages(line, expected):
    assert excluded(line, "age") == [expected]


@pytest.mark.parametrize(
    "line",
    [
        "Duration of diabetes > 2 years",
        "Life expectancy of at least 12 weeks",
        "Age 3 to 18 years at the time of diagnosis",
        "Other prior malignancy within 5 years",
        "For patients ≥ 16 years of age, a Karnofsky score of 70 or more",
        "Female participants must be ≥ 1 year post-menopausal or use birth control",
        "Provision of a tumour sample that is no older than 3 years",
        "Body mass index ≥ 18.5 kg/m2",
    ],
)
def test_other_numbers_of_years_are_no_age(line):
    assert included(line, "age") == []


@pytest.mark.parametrize(
    "line",
    [
        "Age 18 years or older (12 years or older in Part B)",
        "Age ≥ 18 years (≥ 12 years in Part B)",
        "Age 18 years or older (aged 12 or older in Part B)",
    ],
)
def test_two_age_limits_in_one_item_give_no_rule_for_all(line):
    """Not "at least 18" for a trial whose Part B takes children from 12."""
    assert included(line, "age") == []


def test_a_span_of_time_after_an_age_leaves_the_age():
    line = "Adults aged 18 to 64 years with disease present for at least 3 years"
    assert included(line, "age") == [("between", (18, 64))]


def test_an_age_ruled_out_after_it_among_the_inclusion_criteria():
    assert included("Patients older than 65 years are not eligible", "age") == [("at-most", (65,))]


@pytest.mark.parametrize("line", ["Pediatric Patients (<18 years)", "Patients (< 18 years of age)"])
def test_an_excluded_age_in_a_bracket_of_its_own_is_an_age_rule(line):
    # NCT06370169 ("Pediatric Patients (<18 years)") said "People aged 18 months to 80 years".
    assert excluded(line, "age") == [("at-least", (18,))]


def test_an_age_inside_a_combined_exclusion_is_no_age_rule():
    assert excluded('"Poor risk" tumour (age >= 11 years old and stage IV disease)', "age") == []


@pytest.mark.parametrize(
    ("line", "sex"),
    [
        ("Female patients aged ≥ 18 years", "female"),
        ("Women aged 18 to 22 years", "female"),
        ("Postmenopausal women with breast cancer", "female"),
        ("Participant must be male aged ≥ 18 years.", "male"),
        ("Men ≥ 18 years of age", "male"),
        ("Female.", "female"),
    ],
)
def test_sex_from_an_item(line, sex):
    assert included(line, "sex") == [("only", (sex,))]


@pytest.mark.parametrize(
    "line",
    [
        "Male or female ≥ 18 years",
        "Males and females ≥ 18 years of age.",
        "Female or male",  # NCT04472845, whose sex field says FEMALE
        "Women and Men; ≥18 years at the time of screening",
    ],
)
def test_both_sexes_from_an_item(line):
    assert included(line, "sex") == [("any", ("female", "male"))]


@pytest.mark.parametrize(
    "line",
    [
        "Women of childbearing potential must use effective contraception",
        "Men must agree to use a condom",
        "Female participants who:",
        "Adult females, pre- and post-menopausal, and adult males",
    ],
)
def test_no_sex_rule_from_rules_for_some_people_or_both(line):
    assert included(line, "sex") == []


def test_an_exclusion_about_women_is_no_sex_rule():
    assert excluded("Women who are pregnant or breastfeeding", "sex") == []


# -- earlier lines of treatment ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Received at least two prior regimens", ("at-least", (2,))),
        ("≥ 3 prior lines of therapy", ("at-least", (3,))),
        ("Two or more prior lines of systemic therapy", ("at-least", (2,))),
        ("No more than 3 prior lines of therapy", ("at-most", (3,))),
        ("Up to 1 prior line of systemic treatment is permitted", ("at-most", (1,))),
        ("Exactly one prior line of therapy", ("exactly", (1,))),
        ("Must have received three prior lines of therapy", ("exactly", (3,))),
        ("Received 1 to 3 prior lines of antimyeloma therapy", ("between", (1, 3))),
        ("At least 1 but not more than 3 prior systemic regimens", ("between", (1, 3))),
        ("At least 2 prior lines of therapy in the metastatic setting", ("at-least", (2,))),
    ],
)
def test_prior_lines(line, expected):
    assert included(line, "prior-lines") == [expected]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("More than 2 prior lines of therapy", ("at-most", (2,))),
        ("At least 3 prior lines of systemic therapy", ("at-most", (2,))),
        ("Fewer than 2 prior lines of therapy", ("at-least", (2,))),
    ],
)
def test_an_excluded_count_of_lines_gives_the_allowed_counts(line, expected):
    assert excluded(line, "prior-lines") == [expected]


@pytest.mark.parametrize(
    "line",
    [
        "Up to one prior taxane regimen",  # a limit on taxanes, not on lines
        "No more than 3 lines of systemic chemotherapy",
        "Progression on one or more lines of endocrine therapy",
        "≤ 2 prior lines of EGFR TKIs",
        "At least one prior oxaliplatin- or irinotecan-containing regimen",
        "At least 2 cycles of the same therapy",
        "No anticancer therapy within 4 weeks prior to the first dose",
        "Either treatment-naive or progressed on 1 or more lines of therapy",
        "Prior therapy (at least 2 lines for patients with lymphoma) is allowed",
    ],
)
def test_no_count_of_lines_from_other_counts(line):
    assert included(line, "prior-lines") == []


@pytest.mark.parametrize(
    ("inclusion", "exclusion"),
    [
        ("Adults", "Prior systemic therapy (chemotherapy, immunotherapy, targeted therapy, or "
         "biological therapy) for advanced or metastatic NSCLC."),
        ("Adults", "Any prior systemic therapy received for advanced or mNSCLC. Prior systemic "
         "therapy in the neoadjuvant or adjuvant setting is allowed."),
        ("Adults", "Use of chemotherapy, immunotherapy or any anti-cancer therapy in the "
         "metastatic setting."),
        ("No prior systemic anti-cancer therapy given for advanced or metastatic disease.", ""),
        ("Treatment-naive for palliative intent systemic therapy for locally advanced or "
         "metastatic disease", ""),
        ("Patients must NOT have received any systemic anti-cancer therapy for the treatment of "
         "gastric or gastroesophageal junction adenocarcinoma.", ""),
        # NCT06038539: examples in brackets before what it was given for
        ("Adults", "Patients who have received any previous systemic therapy (including "
         "chemotherapy, immunotherapy, HER2-targeted agents, and antitumor vaccines) for treatment "
         "or prevention of breast cancer"),
    ],
)  # fmt: skip
def test_any_treatment_for_advanced_disease_excluded_is_no_earlier_line(inclusion, exclusion):
    assert rules(criteria([inclusion], [exclusion] if exclusion else []), "prior-lines") == [
        ("at-most", (0,))
    ]


@pytest.mark.parametrize(
    ("inclusion", "exclusion"),
    [
        # one kind of treatment only: hormone therapy stays allowed
        ("Adults", "Prior chemotherapy for metastatic disease"),
        ("Adults", "Any prior systemic non-hormonal anti-cancer therapy for metastatic breast "
         "cancer"),
        ("Adults", "Previous systemic anti-cancer therapy in the metastatic setting. Note: Up to "
         "one line of single-agent endocrine therapy is allowed."),
        ("Adults", "Any prior anticancer pharmacotherapy for metastatic prostate cancer, with "
         "exceptions."),
        ("Adults", "No prior systemic therapy for metastatic disease"),  # "no" in the exclusions
        ("Prior systemic therapy for metastatic disease", ""),  # required, not excluded
        ("Patients who have not had previous systemic treatment for metastatic disease or who "
         "received gemcitabine more than 6 months ago", ""),
        ("Adults", "Systemic anticancer therapy within 4 weeks before the first dose"),
    ],
)  # fmt: skip
def test_no_count_of_lines_from_a_kind_of_treatment_or_an_alternative(inclusion, exclusion):
    assert rules(criteria([inclusion], [exclusion] if exclusion else []), "prior-lines") == []


def test_no_earlier_line_beside_a_treatment_required_is_no_rule():
    """NCT06417814: progression on osimertinib is required, "any anti-cancer therapy in the
    metastatic setting" excluded: it means any other."""
    text = criteria(
        ["Documented progression on prior osimertinib in the metastatic setting."],
        ["Use of chemotherapy or any anti-cancer therapy in the metastatic setting."],
    )
    assert rules(text, "prior-lines") == []
    assert rules(text, "refractory-required") == [("all-of", ("osimertinib",))]


def _scoped(inclusion: list[str]) -> list[tuple[str, str, tuple, tuple]]:
    _, scoped = read_requirements(read_criteria(criteria(inclusion)))
    return [(r.kind, r.rule, r.values, r.scope) for r in scoped]


def test_a_rule_for_people_with_some_diseases_keeps_them_as_its_scope():
    line = (
        "At a minimum, solid tumor patients must have received at least two lines of systemic "
        "therapies in the metastatic incurable settings."
    )
    assert included(line, "prior-lines") == []  # not a rule for everyone
    assert _scoped([line]) == [("prior-lines", "at-least", (2,), ("solid tumor",))]
    line = "Colorectal cancer: disease that has failed at least two prior systemic therapies;"
    assert _scoped([line]) == [("prior-lines", "at-least", (2,), ("colorectal cancer",))]


def test_a_rule_said_for_solid_tumors_or_lymphoma_is_for_those_diseases():
    """NCT05607199 (solid tumors, lymphoma, AML and MDS): "Evidence of measurable disease per
    RECIST, v1.1 for solid tumors" is no rule for a patient with leukemia."""
    line = "Evidence of measurable disease per RECIST, v1.1 for solid tumors."
    assert included(line, "measurable-disease") == []
    assert _scoped([line]) == [("measurable-disease", "required", (), ("solid tumor",))]
    line = "For malignant lymphomas, measurable disease is defined as a lesion of 15 mm."
    assert _scoped([line]) == [("measurable-disease", "required", (), ("lymphoma",))]
    # The purpose of a treatment limits no one.
    line = "No prior chemotherapy for lymphoma"
    assert _scoped([line]) == []


def test_a_rule_said_for_each_of_several_diseases_is_for_all_of_them():
    # NCT05605119: solid tumors, non-Hodgkin and Hodgkin lymphoma ("et al." ends no sentence)
    line = (
        "Evidence of measurable disease per RECIST, v1.1 for solid tumors (Eisenhauer et al. "
        "2009) and per Lugano Criteria for Lymphoma (Cheson et al. 2014)."
    )
    assert included(line, "measurable-disease") == []
    assert _scoped([line]) == [("measurable-disease", "required", (), ("solid tumor", "lymphoma"))]
    # NCT06761586: lymphoma, and CLL ("per iwCLL Criteria for CLL")
    line = (
        "Evidence of measurable disease as per Lugano Criteria for Lymphoma or evidence of "
        "measurable disease as per iwCLL Criteria for CLL."
    )
    assert _scoped([line]) == [
        ("measurable-disease", "required", (), ("lymphoma", "chronic lymphocytic leukemia"))
    ]
    # The same disease said again in a sentence of its own (NCT06760702)
    line = (
        "Evidence of measurable disease per RECIST, v1.1 for solid tumors. Measurable disease "
        "for solid tumors is defined as at least one lesion of 10 mm."
    )
    assert _scoped([line]) == [("measurable-disease", "required", (), ("solid tumor",))]
    # Each sentence for people with another disease: whose rule is whose is not told.
    line = (
        "Measurable disease per RECIST for solid tumors. Evaluable disease per Lugano criteria "
        "for lymphoma is enough."
    )
    assert _scoped([line]) == []


@pytest.mark.parametrize(
    "line",
    [
        # the second sentence is about other people: whose rule is whose cannot be told
        "Patients with NSCLC must have had appropriate targeted therapy. Other patients must "
        "have had platinum-based chemotherapy.",
        "Dose-escalation part: at least two prior lines of therapy",  # no disease named
        "Patients who received prior chemotherapy must have recovered from its side effects",
    ],
)
def test_no_scoped_rule_when_its_people_are_not_a_disease(line):
    assert _scoped([line]) == []


@pytest.mark.parametrize(
    "line",
    [
        # "and/or" something the reader does not name: another way in
        "Previously treated with platinum-based chemotherapy and/or immunotherapy",
        # examples, not a list of what is required
        "Failed at least two prior systemic therapies (including oxaliplatin, irinotecan, "
        "fluoropyrimidine-based agents, etc.)",
    ],
)
def test_no_required_treatment_from_an_open_list(line):
    assert included(line, "prior-therapy-required") == []


def test_a_count_for_one_cohort_stays_with_it():
    text = (
        "Inclusion Criteria:\n\nPart A:\n\n* Exactly one prior line of therapy\n\n"
        "Part B:\n\n* At least two prior lines of therapy\n"
    )
    found = [(r.cohort, r.rule, r.values) for r in extract(read_criteria(text))]
    assert found == [("Part A", "exactly", (1,)), ("Part B", "at-least", (2,))]


def test_a_count_for_a_disease_the_reader_names_no_cohort_is_left_out():
    assert included("Colorectal cancer: at least two prior lines of therapy", "prior-lines") == []
    text = criteria(["Patients with pancreatic cancer must have received at least 1 prior regimen"])
    assert rules(text, "prior-lines") == []


# -- earlier treatment: required, refractory, excluded ----------------------------------------


def test_an_excluded_class():
    found = excluded("Prior treatment with a BCMA-directed therapy", "prior-therapy-excluded")
    assert found == [("any-of", ("BCMA-directed therapy",))]


def test_required_classes_all_of():
    line = "Must have received a proteasome inhibitor, an IMiD and an anti-CD38 antibody"
    assert included(line, "prior-therapy-required") == [
        ("all-of", ("proteasome inhibitor", "IMiD", "anti-CD38"))
    ]


def test_required_alternatives_any_of():
    line = "Prior treatment with a platinum-based chemotherapy or a taxane"
    assert included(line, "prior-therapy-required") == [("any-of", ("platinum", "taxane"))]


def test_refractory_to_a_drug():
    assert included("Refractory to lenalidomide", "refractory-required") == [
        ("all-of", ("lenalidomide",))
    ]
    line = "Documented progression on prior osimertinib"
    assert included(line, "refractory-required") == [("all-of", ("osimertinib",))]
    assert included("Platinum-resistant ovarian cancer after prior platinum", "refractory-required")


def test_relapsed_or_refractory_requires_the_drug_not_refractoriness():
    text = criteria(["Relapsed or refractory to lenalidomide"])
    assert rules(text, "refractory-required") == []
    assert rules(text, "prior-therapy-required") == [("all-of", ("lenalidomide",))]


def test_a_negated_inclusion_excludes():
    assert included("No prior EGFR TKI", "prior-therapy-excluded") == [("any-of", ("EGFR TKI",))]
    line = "Participants must not have received prior anti-PD-1 therapy"
    assert excluded(line, "prior-therapy-excluded") == [("any-of", ("anti-PD-(L)1",))]


@pytest.mark.parametrize(
    ("line", "values"),
    [
        # NCT06429761 in capitals: "T-DXd" is still trastuzumab deruxtecan as "T-DXD".
        ("PRIOR TREATMENT WITH T-DXD", ("trastuzumab deruxtecan",)),
        ("prior treatment with t-dxd", ("trastuzumab deruxtecan",)),
        ("PRIOR TREATMENT WITH ARA-C", ("cytarabine",)),
        # Other short names count only as written: "KD" and "RT" in capitals are not read.
        ("PRIOR TREATMENT WITH KD", ()),
        ("PRIOR TREATMENT WITH RT", ()),
    ],
)
def test_only_the_short_names_the_lexicon_allows_are_read_in_any_case(line, values):
    assert excluded(line, "prior-therapy-excluded") == ([("any-of", values)] if values else [])


def test_every_short_name_read_in_any_case_is_a_lexicon_name_joined_by_a_hyphen():
    k = knowledge()
    names = {alias for alias, _ in k.aliases}
    for alias in k.any_case:
        assert alias in names and "-" in alias and alias not in (alias.upper(), alias.lower())


@pytest.mark.parametrize(
    ("line", "values"),
    [
        ("Prior treatment with a PD-1 inhibitor is not allowed", ("anti-PD-(L)1",)),
        (
            "Patients previously treated with BCMA-directed therapy are excluded",
            ("BCMA-directed therapy",),
        ),
        ("Participants who received prior ipilimumab will not be enrolled", ("ipilimumab",)),
    ],
)
def test_an_inclusion_item_that_rules_a_treatment_out_after_naming_it_excludes(line, values):
    assert included(line, "prior-therapy-required") == []
    assert included(line, "prior-therapy-excluded") == [("any-of", values)]


def test_a_treatment_said_not_to_be_needed_is_no_rule():
    line = "Prior anti-PD-1 therapy is not required"
    assert included(line, "prior-therapy-required") == []
    assert included(line, "prior-therapy-excluded") == []


def test_what_is_ruled_out_after_a_later_treatment_is_said_of_that_one_only():
    line = "Prior treatment with a platinum doublet; patients treated with ipilimumab are excluded"
    assert included(line, "prior-therapy-excluded") == [("any-of", ("ipilimumab",))]
    line = "Prior carboplatin is required, and prior ipilimumab is not allowed"
    assert included(line, "prior-therapy-excluded") == [("any-of", ("ipilimumab",))]
    assert included(line, "prior-therapy-required") == []  # which is ruled out: say less


@pytest.mark.parametrize(
    "line",
    ["Prior Brain Radiotherapy", "Patients with prior history of radiation therapy to the brain"],
)
def test_radiotherapy_to_the_brain_is_a_treatment_had(line):
    assert excluded(line, "prior-therapy-excluded") == [("any-of", ("brain radiotherapy",))]
    # a wait after it is a washout, not a rule on having had it
    waited = (
        "A minimum of 2 weeks must have elapsed between the end of whole brain radiotherapy and "
        "enrollment"
    )
    assert excluded(waited, "prior-therapy-excluded") == []


@pytest.mark.parametrize(
    ("line", "values"),
    [
        # NCT06214572
        (
            "Stable disease or partial response (RECIST 1.1) after initial 3 months of"
            " Gemcitabine based chemotherapy",
            ("gemcitabine",),
        ),
        ("Complete response to induction chemotherapy", ("chemotherapy",)),
        ("Patients who underwent Total or partial Gastrectomy", ("gastrectomy",)),  # NCT05319392
    ],
)
def test_a_response_to_a_treatment_or_an_operation_undergone_is_a_treatment_had(line, values):
    (found,) = included(line, "prior-therapy-required")
    assert found[1] == values


def test_brand_and_code_names_become_generic_names():
    found = excluded("Prior treatment with Revlimid or JNJ-68284528", "prior-therapy-excluded")
    assert found == [("any-of", ("lenalidomide", "ciltacabtagene autoleucel"))]


def test_drugs_given_as_examples_of_a_class_are_not_values():
    line = "Must have received a proteasome inhibitor (e.g., bortezomib or carfilzomib)"
    assert included(line, "prior-therapy-required") == [("all-of", ("proteasome inhibitor",))]


@pytest.mark.parametrize(
    "line",
    [
        # NCT06103864, NCT06350097
        "Prior exposure to any treatment including ADC containing a chemotherapeutic agent "
        "targeting topoisomerase I and TROP2-targeted therapy.",
        "Prior exposure to an ADC containing a topoisomerase I inhibitor payload",
        "Prior treatment with a topoisomerase-1 inhibitor-based ADC",
        "Previous TOP1i ADCs",
    ],
)
def test_an_adc_named_by_its_topoisomerase_i_payload_is_a_class_excluded(line):
    (found,) = excluded(line, "prior-therapy-excluded")
    assert found[0] == "any-of"
    assert found[1][0] == "topoisomerase I inhibitor ADC"
    # the drugs of that class, and only them
    for drug in ("Enhertu", "sacituzumab govitecan", "Dato-DXd", "sacituzumab tirumotecan"):
        assert drug_matches(drug, "topoisomerase I inhibitor ADC")
    for drug in ("enfortumab vedotin", "trastuzumab emtansine", "irinotecan"):
        assert not drug_matches(drug, "topoisomerase I inhibitor ADC")


@pytest.mark.parametrize(
    "line",
    [
        "Prior BCMA-directed therapy is allowed",
        "Known hypersensitivity to pembrolizumab or its excipients",
        "Prior treatment with pembrolizumab within 4 weeks of the first dose",
        "Prior chemotherapy for metastatic disease",
        "Prior treatment with more than one JAK2 inhibitor",
        "Previous treatment with investigational SERDs",
        "Prior chemotherapy, except adjuvant chemotherapy completed more than 12 months ago",
        "Pneumonitis from prior chemoradiation therapy",
        "Disease progression during prior chemotherapy",
        "Participants to be treated with palbociclib: QTcF ≥ 470 ms",
        "Prior exposure to any ADC with MMAE payload",  # NCT06346392: some ADCs only
        "Prior treatment with an MMAE-based ADC",
        "Prior MMAE-containing antibody-drug conjugate",
        "History of exposure to cumulative doses of anthracyclines above 360 mg/m2",
    ],
)
def test_no_exclusion_from_allowed_limited_or_other_mentions(line):
    assert excluded(line, "prior-therapy-excluded") == []


@pytest.mark.parametrize(
    "line",
    [
        "Must have received platinum-based chemotherapy or immunotherapy",  # an unknown other way
        "Prior treatment with a platinum, or be ineligible for it",
        "Prior anti-PD-1 therapy, unless contraindicated",
        "Must be eligible for treatment with pembrolizumab",
        "Patients who received prior chemotherapy must have recovered from its side effects",
        "Received 3 to 6 cycles of a proteasome inhibitor with or without an anti-CD38 antibody",
    ],
)
def test_no_requirement_that_a_careful_reader_would_not_state(line):
    found = included(line, "prior-therapy-required") + included(line, "refractory-required")
    assert found == []


@pytest.mark.parametrize(
    "line",
    [
        # NCT04862663: the CDK4/6 inhibitors are the treatment to come, not one had before
        "Eligible for fulvestrant therapy and at least one of the following: palbociclib, "
        "ribociclib, or abemaciclib, as per local investigator assessment. Previous tolerance "
        "to specific CDK4/6 inhibitors and dose levels required.",
        "Suitable for palbociclib. Must have received a CDK4/6 inhibitor before.",
        "Candidate for treatment with docetaxel. Prior taxane therapy is required.",
        "Patients must be eligible to receive a proteasome inhibitor; previous bortezomib.",
    ],
)
def test_a_treatment_the_item_plans_is_no_treatment_had(line):
    found = included(line, "prior-therapy-required") + included(line, "refractory-required")
    assert found == []


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # the plan names another drug: the history stands
        (
            "Must have received prior platinum-based chemotherapy. Must be eligible for docetaxel.",
            ("all-of", ("platinum",)),
        ),
        (
            "Prior treatment with an aromatase inhibitor; eligible for fulvestrant",
            ("all-of", ("aromatase inhibitor",)),
        ),
        # a negated plan is no plan
        (
            "Must have received a CDK4/6 inhibitor. Not a candidate for palbociclib.",
            ("all-of", ("CDK4/6 inhibitor",)),
        ),
        (
            "Not eligible for palbociclib. Must have received a CDK4/6 inhibitor before.",
            ("all-of", ("CDK4/6 inhibitor",)),
        ),
    ],
)
def test_a_plan_for_another_treatment_keeps_the_history(line, expected):
    assert included(line, "prior-therapy-required") == [expected]


# -- stage: whether the cancer may have spread -------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Clinicoradiological stage T1-T4N0M0 using PSMA-PETCT and MRI",
        "Confirmed diagnosis of breast cancer. Clinical stages breast cancer: HER2 positive, T1 "
        "or T2 or T3, N0 or N1, resectable T4, or resectable N2, (all M0)",
        "No evidence of distant metastases, or locally advanced inoperable disease",
        "Histologically confirmed Stage II or III primary invasive breast cancer",
        "Locally advanced cervical cancer (Stage IIIB-IVA)",  # IVA has not spread far
        "Non-metastatic castration-resistant prostate cancer",
        "Absence of local and distant metastases (EUS and DOTANOC scan)",
    ],
)
def test_disease_that_must_not_have_spread(line):
    assert included(line, "disease-setting") == [("any-of", ("non-metastatic",))]


@pytest.mark.parametrize(
    "line",
    [
        "Stage I-IV.",
        "Non-metastatic disease or oligometastatic",
        "FIGO Stage III or IV ovarian cancer",
        "Stage IIIB-IIIC or Stage IV NSCLC",
        "No evidence of metastatic disease in the brain, spine or CSF",  # one organ
        "Clinical stage T1-T4, N0-N2, M0 at diagnosis",  # another time
        "Patients with recurrent disease will be eligible if they have completed treatment for "
        "Stage I-III breast cancer",
        "Ann Arbor stage I-II Hodgkin lymphoma",  # another staging system
        "Stage 3 chronic kidney disease",
    ],
)
def test_no_stage_rule_from_spread_allowed_or_other_stages(line):
    assert included(line, "disease-setting") == []


def test_no_stage_rule_when_another_inclusion_item_takes_spread_disease():
    for other in ("Locally advanced or metastatic disease", "Treated brain metastases allowed"):
        text = criteria(["T1-4N0M0 prostate cancer", other], ["Evidence of distant disease."])
        assert rules(text, "disease-setting") == []
    text = criteria(["T1-4N0M0 prostate cancer"], ["Evidence of distant disease."])
    assert rules(text, "disease-setting") == [
        ("any-of", ("non-metastatic",)),
        ("none-of", ("metastatic",)),
    ]


def test_a_stage_iv_by_its_number_beside_no_spread_said_for_everyone_is_not_spread():
    """NCT05099809: "TNM stages III and IV" head and neck cancers, and for everyone "no
    metastatic disease (M0)": stage IVA and IVB of those have not spread."""
    stages = "Locally advanced head and neck cancers, TNM stages III and IV"
    text = criteria([stages, "Patients should have no metastatic disease (M0)"])
    assert rules(text, "disease-setting") == [("any-of", ("non-metastatic",))]
    # Said only by a stage's number or a TNM code, or for one part, it does not outweigh
    # stage IV.
    for other in ("Stage II or III cervical cancer", "T1-4N0M0 cancer"):
        assert rules(criteria([stages, other]), "disease-setting") == []
    text = criteria([stages, "Part A: patients should have no metastatic disease (M0)"])
    assert rules(text, "disease-setting") == []
    # Spread said in words still does.
    text = criteria(["Locally advanced or metastatic", "No metastatic disease (M0)"])
    assert rules(text, "disease-setting") == []


@needs_shared
def test_no_spread_said_for_everyone_is_read_in_a_real_record():
    trial = parse_study(load_real_record("NCT05099809"))
    found = [(r.rule, r.values) for r in tag_trial(trial).requirements]
    assert ("any-of", ("non-metastatic",)) in found


@pytest.mark.parametrize(
    "line",
    [
        "Evidence of distant disease.",
        "Any pTis/3/4, M1 patients",
        "Diagnosed with Stage IV breast cancer",
        "Patients with distant metastasis (including nonregional lymph nodes metastasis) will be "
        "excluded.",
        "Metastatic disease or disease not amenable for definitive locoregional treatment.",
        # NCT05774951, NCT05952557 (early breast cancer after adjuvant endocrine therapy): a
        # woman with metastatic breast cancer was told "Could fit"
        "Inoperable locally advanced or metastatic breast cancer",
        "Clinically diagnosis of Metastatic breast cancer",  # NCT03797482
    ],
)
def test_spread_disease_excluded(line):
    assert excluded(line, "disease-setting") == [("none-of", ("metastatic",))]


@pytest.mark.parametrize(
    "line",
    [
        "Patients with distant metastasis needing upfront systemic therapy.",
        "Prior chemotherapy for metastatic disease",
        "Locally advanced or metastatic disease at initial diagnosis.",
        "Evidence of any metastatic disease in the brain, spine or CSF.",
        "Distant metastases, unless resected",
        "Has received prior chemotherapy for unresectable locally advanced or metastatic breast "
        "cancer",
    ],
)
def test_no_exclusion_of_spread_disease_that_is_qualified(line):
    assert excluded(line, "disease-setting") == []


# -- performance status -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("ECOG 0-1", ("at-most", (1,))),
        ("ECOG performance status ≤ 2", ("at-most", (2,))),
        ("ECOG performance status of 0, 1 or 2.", ("at-most", (2,))),
        ("ECOG performance status less than or equal to two", ("at-most", (2,))),
        ("ECOG performance status < 2", ("at-most", (1,))),
        ("ECOG performance status 0.", ("at-most", (0,))),
        ("WHO performance status of 0 or 1", ("at-most", (1,))),
        ("ECOG 1-2", ("between", (1, 2))),
        # A Karnofsky or Lansky score stays on its scale: it converts to ECOG only roughly.
        ("Karnofsky performance status ≥ 70", ("karnofsky-at-least", (70,))),
        ("Karnofsky performance status > 70", ("karnofsky-at-least", (80,))),
        ("Lansky play-performance score of at least 50", ("karnofsky-at-least", (50,))),
        ("Karnofsky ≥ 90", ("karnofsky-at-least", (90,))),
        ("KPS > 12 y/o >/= 50 or LPS for < 12y >/= 50", ("karnofsky-at-least", (50,))),
        # a higher score allowed on a condition: 1 for everyone, 2 for some (NCT05607199 passed
        # every ECOG 2, whatever its cause)
        ("ECOG 0 or 1 (patients with disease-related ECOG 2 allowed)", ("at-most-some", (1, 2))),
        ("ECOG 0-1 (ECOG 2 allowed if due to bone pain)", ("at-most-some", (1, 2))),
        ("ECOG 0 or 1; ECOG 2 is allowed if related to the disease", ("at-most-some", (1, 2))),
        ("ECOG 0-1, or 2 if due to myeloma", ("at-most-some", (1, 2))),
        # a higher score in a bracket of its own, for some (a bracket was read as nothing, and
        # "2 or lower" failed the ECOG 3 the bracket allows)
        ("ECOG 0-2 (3 if due to bone disease)", ("at-most-some", (2, 3))),
        ("ECOG ≤ 2 (≤ 3 for patients with disease-related bone pain)", ("at-most-some", (2, 3))),
        ("ECOG 0-1 (see appendix 2)", ("at-most", (1,))),
        # beside a Karnofsky limit, the most permissive (a first version dropped the ECOG 3)
        (
            "Karnofsky >= 70 or ECOG 0-2 (ECOG 3 allowed if due to leukemia)",
            ("at-most-or-karnofsky-at-least", (3, 70)),
        ),
        # a condition in the clause of the bracket of the scale's name is none
        ("Eastern Cooperative Oncology Group (ECOG) performance status 0-1", ("at-most", (1,))),
        # Either scale will do: both are kept, the ECOG score first.
        ("ECOG 0 or 1, alternatively Karnofsky 60-100", ("at-most-or-karnofsky-at-least", (1, 60))),
        ("Karnofsky 70% or higher, or ECOG 2 or less", ("at-most-or-karnofsky-at-least", (2, 70))),
        ("KPS ≥ 60 or ECOG ≤ 2", ("at-most-or-karnofsky-at-least", (2, 60))),
    ],
)
def test_ecog(line, expected):
    assert included(line, "ecog") == [expected]


@pytest.mark.parametrize(
    "line",
    [
        # a score allowed on a condition with none for everyone, and a condition of another
        # score: nothing read (a first version read "at most 3" for everyone)
        "ECOG 3 is allowed if due to myeloma-related bone pain",
        "ECOG 0 or 1 if older than 70, or 2",
    ],
)
def test_no_ecog_rule_from_a_score_on_a_condition_alone(line):
    assert included(line, "ecog") == []


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("ECOG >= 2", ("at-most", (1,))),
        ("Poor performance status, ECOG 3 or more", ("at-most", (2,))),
        ("KPS < 50", ("karnofsky-at-least", (50,))),
    ],
)
def test_an_excluded_score_gives_the_allowed_scores(line, expected):
    assert excluded(line, "ecog") == [expected]


@pytest.mark.parametrize(
    "line",
    [
        "At least one prior line of therapy is not required",
        "No more than 1 prior line, except patients with EGFR mutation who may have had up to 3",
    ],
)
def test_no_count_of_lines_that_the_item_makes_optional_or_excepts(line):
    assert included(line, "prior-lines") == []


def test_an_optional_earlier_treatment_is_not_required():
    assert included("Prior PD-1 inhibitor is optional", "prior-therapy-required") == []


@pytest.mark.parametrize(
    "line",
    [
        "At least two prior regimens (one if the patient is ineligible for chemotherapy)",
        "At least 1 prior line in the metastatic setting, or have relapsed within 6 months of"
        " adjuvant therapy",
        "Up to 3 prior lines for Part A; no limit for Part B",
    ],
)
def test_no_count_of_lines_for_everyone_when_some_may_have_another(line):
    assert included(line, "prior-lines") == []


def test_a_count_of_lines_with_a_bracket_that_adds_to_it_stays():
    line = "At least 2 prior lines (including at least 1 platinum-based regimen)"
    assert included(line, "prior-lines") == [("at-least", (2,))]


def test_an_exception_later_in_the_item_is_not_one_to_its_count():
    line = (
        "Must have received at least 2 but no more than 5 previous systemic regimens including at"
        " least 1 course of anthracycline-based chemotherapy (unless contraindicated)"
    )
    assert included(line, "prior-lines") == [("between", (2, 5))]


def test_measurable_disease_with_another_way_in_allowed_in_its_own_sentence():
    assert (
        included(
            "Must have measurable disease; evaluable-only disease is also allowed",
            "measurable-disease",
        )
        == []
    )
    stays = "At least one measurable lesion per RECIST 1.1. Bone-only disease is not permitted."
    assert included(stays, "measurable-disease") == [("required", ())]


def test_no_disease_found_on_scans_is_read_only_of_the_cancer_now():
    # NCT06109779
    line = "Confirmed to be disease-free by imaging within 28 days prior to randomization."
    assert included(line, "measurable-disease") == [("disease-free", ())]
    assert excluded(line, "measurable-disease") == []
    for other in (
        "Patients with a prior malignancy disease-free for at least 5 years",
        "Another cancer confirmed to be disease-free by imaging",
        "Disease-free interval of at least 6 months from completion of adjuvant therapy",
    ):
        assert included(other, "measurable-disease") == [], other


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # NCT03671044
        (
            "Patients may have received one prior chemotherapy regimen for adjuvant therapy"
            " and/or one chemotherapy treatment/regimen for firstline metastatic therapy",
            [("chemotherapy-at-most", (1,))],
        ),
        # NCT06189209: the floor too (a profile of no line passed it)
        (
            "Patients who have received at least 1 but not more than 3 prior chemotherapy"
            " regimens in a metastatic setting.",
            [("chemotherapy-at-most", (3,)), ("chemotherapy-at-least", (1,))],
        ),
        # NCT03983954 (there under a cohort's name the reader does not read as a part: no rule)
        (
            "Subjects with only ESCC who may have received up to 1 prior chemotherapy as a line"
            " for metastatic disease or up to 2 prior chemotherapies if they also received"
            " neoadjuvant/adjuvant systemic therapy",
            [("chemotherapy-at-most", (1,))],
        ),
        ("At least one chemotherapy for metastatic disease", []),
        ("More than 1 line of chemotherapy for metastatic disease", []),  # a lower bound here
        ("Up to one prior chemotherapy regimen for adjuvant therapy", []),  # not for advanced
        ("Must have received one chemotherapy regimen for metastatic disease", []),
        ("And/or one chemotherapy regimen for metastatic disease", []),  # no "may have" before
    ],
)
def test_a_ceiling_on_lines_of_chemotherapy_for_advanced_disease(line, expected):
    assert included(line, "prior-lines") == expected


def test_more_lines_of_chemotherapy_than_allowed_excluded_is_a_ceiling():
    # NCT04862663 (phase III)
    line = "More than 1 line of chemotherapy for metastatic disease."
    assert excluded(line, "prior-lines") == [("chemotherapy-at-most", (1,))]


def test_a_count_of_lines_from_none_asks_for_no_disease_setting():
    """The trial stays one for previously treated disease (its settings), but the item does not
    ask everyone for refractory disease: people never treated may join."""
    for line in ("No more than 1 prior line of therapy", "0-2 prior lines of therapy"):
        tags = tag_trial(parse_study(make_study(criteria=criteria([line]))))
        assert "refractory" in tags.settings
        assert not [r for r in tags.requirements if r.kind == "disease-setting"], line
    tags = tag_trial(parse_study(make_study(criteria=criteria(["At least 2 prior lines"]))))
    assert [(r.rule, r.values) for r in tags.requirements if r.kind == "disease-setting"] == [
        ("any-of", ("refractory",))
    ]


@pytest.mark.parametrize(
    "line",
    [
        "Must have progressed on or be intolerant to a prior BTK inhibitor",
        "Treatment with at least one prior platinum doublet or refusal of chemotherapy",
        "Stage IV NSCLC, either treatment naive or progressed on 1 or more lines of therapy",
        "Progressed following prior treatment or who have no satisfactory alternative treatment",
    ],
)
def test_an_item_with_another_way_in_asks_for_no_disease_setting(line):
    tags = tag_trial(parse_study(make_study(criteria=criteria([line]))))
    assert not [r for r in tags.requirements if r.kind == "disease-setting"], line


@pytest.mark.parametrize(
    "line",
    [
        "Newly diagnosed or relapsed AML",
        "Relapsed AML or newly diagnosed AML",
        "First-line or second-line treatment of metastatic NSCLC",
        "Stage IV NSCLC, either treatment naive or progressed on 1 or more lines of therapy",
    ],
)
def test_untreated_or_treated_disease_asks_for_neither(line):
    """Both are welcome: no setting asked for, none ruled out (the prescreen excluded a
    refractory patient from NCT05110196, whose item reads like the last)."""
    tags = tag_trial(parse_study(make_study(criteria=criteria([line]))))
    assert not [r for r in tags.requirements if r.kind == "disease-setting"], line


def test_not_treated_phrases_joined_together_leave_the_setting():
    # ("Disease-free interval from completion of adjuvant or neoadjuvant ... to recurrence"
    # asks for no setting: the span's end is a rule for those whose disease came back.)
    line = "Relapsed disease after adjuvant or neoadjuvant systemic treatment"
    tags = tag_trial(parse_study(make_study(criteria=criteria([line]))))
    assert [(r.rule, r.values) for r in tags.requirements if r.kind == "disease-setting"] == [
        ("any-of", ("relapsed",))
    ]
    tags = tag_trial(parse_study(make_study(criteria=criteria(["Newly diagnosed myeloma"]))))
    assert [r.rule for r in tags.requirements if r.kind == "disease-setting"] == ["none-of"]


def test_untreated_disease_allowed_on_a_condition_rules_out_no_setting():
    """NCT03983954: refractory patients may join; the untreated only if they refused."""
    line = "Treatment-naive patients will be eligible only if they refused standard treatment"
    tags = tag_trial(parse_study(make_study(criteria=criteria([line]))))
    assert not [r for r in tags.requirements if r.kind == "disease-setting"]


def test_a_long_run_of_spaces_around_an_untreated_phrase_is_read_in_one_pass():
    from trialfinder.tagging.lexicon import knowledge
    from trialfinder.tagging.requirements import offered_with_or

    untreated = knowledge().untreated.regex
    run = " " * 50_000
    assert not offered_with_or(f"x{run}newly diagnosed{run}x", untreated)
    assert offered_with_or(f"x{run}relapsed or newly diagnosed{run}x", untreated)
    assert offered_with_or(f"x{run}newly diagnosed or relapsed{run}x", untreated)


def test_settings_joined_by_either_are_still_asked_for():
    line = "Have been either non-responders or have recurred after standard therapy"
    tags = tag_trial(parse_study(make_study(criteria=criteria([line]))))
    assert [r.values for r in tags.requirements if r.kind == "disease-setting"] == [
        ("refractory", "relapsed")
    ]


def test_treatments_joined_by_and_or_ask_for_one_of_them():
    assert included(
        "Must have received prior enzalutamide and/or abiraterone", "prior-therapy-required"
    ) == [("any-of", ("enzalutamide", "abiraterone"))]
    assert included(
        "Must have received prior enzalutamide and abiraterone", "prior-therapy-required"
    ) == [("all-of", ("enzalutamide", "abiraterone"))]


def test_a_treatment_said_not_exclusionary_is_not_excluded():
    text = criteria(["Adults"], ["Prior treatment with a KRAS G12C inhibitor is not exclusionary"])
    assert rules(text, "prior-therapy-excluded") == []
    assert excluded("Prior treatment with a KRAS G12C inhibitor", "prior-therapy-excluded")


def excluded_treatments(inclusion: list[str], exclusion: list[str], tested: str) -> list[tuple]:
    study = make_study(
        criteria=criteria(inclusion, exclusion),
        interventions=[{"type": "DRUG", "name": tested, "armGroupLabels": ["A"]}],
        arm_groups=[{"label": "A", "type": "EXPERIMENTAL", "interventionNames": [tested]}],
    )
    return [r.values for r in tag_trial(parse_study(study)).requirements if r.kind == KIND_OUT]


KIND_OUT = "prior-therapy-excluded"


def test_a_treatment_the_inclusion_criteria_say_was_had_is_not_ruled_out():
    # (NCT02964858: radiation after R-CHOP, and "Prior history of chemotherapy" excluded)
    had = ["Patients should receive at least 4 cycles of R-CHOP chemotherapy"]
    assert excluded_treatments(had, ["Prior history of chemotherapy"], "Radiation") == []
    # The criteria agree: nothing had; the trial's own treatment; another treatment.
    none = ["No prior chemotherapy for lymphoma"]
    both = excluded_treatments(none, ["Prior history of chemotherapy"], "Radiation")
    assert both == [("chemotherapy",), ("chemotherapy",)]
    planned = ["Planned treatment with pembrolizumab"]
    assert excluded_treatments(planned, ["Prior anti-PD-1 therapy"], "Pembrolizumab") != []
    assert excluded_treatments(had, ["Prior anti-PD-1 therapy"], "Radiation") != []


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Patients with radiologically confirmed brain metastases are not eligible", "none"),
        ("Patients with active brain metastases are not eligible", "treated-stable"),
        ("Patients with brain metastases are eligible", "active-allowed"),
    ],
)
def test_brain_metastases_ruled_out_after_them_among_the_inclusion_criteria(line, expected):
    assert included(line, "brain-metastases") == [(expected, ())]


@pytest.mark.parametrize(
    "line",
    [
        "Prior anti-PD-1 therapy discontinued due to toxicity",
        "Discontinuation of prior osimertinib due to interstitial lung disease",
        "Intolerance to prior ipilimumab",
        "Grade 3 or higher immune-related adverse event with prior checkpoint inhibitor",
        "Prior nivolumab stopped because of an adverse event",
    ],
)
def test_an_exclusion_for_a_toxicity_does_not_exclude_the_treatment(line):
    """A patient who had the drug without that toxicity may join: not "must not have had it"."""
    assert excluded(line, "prior-therapy-excluded") == []


def test_treatments_a_required_line_may_include_are_not_required():
    line = "Must have received at least one prior therapy, which may include pembrolizumab"
    assert included(line, "prior-therapy-required") == []
    line = "Must have received at least 2 prior regimens including a platinum"
    assert included(line, "prior-therapy-required") == [("all-of", ("platinum",))]


def test_no_ecog_rule_without_a_score_of_the_scale():
    assert included("ASA PS < 3", "ecog") == []
    assert included("Able to do normal activities, based on the ECOG scale", "ecog") == []
    alternatives = (
        "Inclusion Criteria:\n\n* Ineligible for cisplatin, defined by one of the following:\n"
        "  * Creatinine clearance < 60 mL/min\n  * ECOG performance status 2\n"
    )
    assert rules(alternatives, "ecog") == []


# -- brain metastases -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("inclusion", "exclusion", "value"),
    [
        ([], ["Known brain metastases"], "none"),
        ([], ["Current or past history of CNS metastases"], "none"),
        ([], ["Active or untreated brain metastases"], "treated-stable"),
        ([], ["Symptomatic brain metastases"], "treated-stable"),
        ([], ["Brain metastases unless treated and stable for 4 weeks"], "treated-stable"),
        ([], ["Participants must not have untreated CNS metastases"], "treated-stable"),
        (["Brain metastases are allowed if treated and stable"], [], "treated-stable"),
        (["Patients with untreated brain metastases are eligible"], [], "active-allowed"),
        (["Patients with brain metastases are eligible"], [], "active-allowed"),
        (["No evidence of brain metastases"], [], "none"),
        (["1 to 3 brain metastases on MRI"], [], "active-allowed"),
    ],
)
def test_brain_metastases(inclusion, exclusion, value):
    assert rules(criteria(inclusion, exclusion), "brain-metastases") == [(value, ())]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("More than 3 brain metastases", []),
        ("Major surgery within 4 weeks (2 weeks for resection of brain metastases)", []),
        ("Brain metastases in the brain stem", []),
        ("Ongoing steroids for control of symptoms of brain lesions", []),
        # "uncontrolled" is said of the seizures: brain metastases are excluded
        ("Uncontrolled seizures, or brain metastases", [("none", ())]),
        (
            "Symptomatic, untreated, or actively progressing brain metastases",
            [("treated-stable", ())],
        ),
    ],
)
def test_brain_rules_only_about_the_persons_metastases(line, expected):
    assert excluded(line, "brain-metastases") == expected


# -- measurable disease -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Measurable disease per RECIST 1.1",
        "At least one measurable lesion as defined by RECIST v1.1",
        "Documented diagnosis of multiple myeloma and measurable disease",
    ],
)
def test_measurable_disease(line):
    assert included(line, "measurable-disease") == [("required", ())]


@pytest.mark.parametrize(
    "line",
    [
        "Measurable or evaluable disease per RECIST",
        "Measurable disease or non-measurable bone-only disease",
        "Patients do not need to have measurable disease",
        "Measurable disease at diagnosis",
        "Measurable lesions or splenomegaly",
    ],
)
def test_measurable_disease_as_one_way_in_is_no_requirement(line):
    assert included(line, "measurable-disease") == []
    assert excluded("Measurable disease", "measurable-disease") == []


# -- transplant -------------------------------------------------------------------------------


AUTO, ALLO, ANY = ("autologous",), ("allogeneic",), ("any",)


@pytest.mark.parametrize(
    ("inclusion", "exclusion", "expected"),
    [
        ([], ["Prior allogeneic stem cell transplant"], ("prior-excluded", ALLO)),
        ([], ["History of organ transplant or bone marrow transplant"], ("prior-excluded", ANY)),
        (
            [],
            ["Prior allogeneic stem cell or solid organ transplantation"],
            ("prior-excluded", ALLO),
        ),
        (["Prior autologous stem cell transplant"], [], ("prior-required", AUTO)),
        (["Relapsed after autologous stem cell transplant (ASCT)"], [], ("prior-required", AUTO)),
        (["Ineligible for autologous stem cell transplant"], [], ("ineligible-required", AUTO)),
        (["Not a candidate for transplant"], [], ("ineligible-required", ANY)),
        (
            ["Eligible for high-dose chemotherapy and autologous stem cell transplant"],
            [],
            ("eligible-required", AUTO),
        ),
        (
            [],
            ["Patients eligible for allogeneic stem cell transplantation"],
            ("ineligible-required", ALLO),
        ),
        (
            [],
            ["Participants must not be eligible for autologous stem cell transplantation"],
            ("ineligible-required", AUTO),
        ),
    ],
)
def test_transplant(inclusion, exclusion, expected):
    assert rules(criteria(inclusion, exclusion), "transplant") == [expected]


@pytest.mark.parametrize(
    ("inclusion", "exclusion"),
    [
        (["Patients with or without prior transplant are eligible"], []),
        (["Prior stem cell transplantation is allowed"], []),
        ([], ["Autologous stem cell transplant within 3 months of the first dose"]),
        ([], ["Active graft-versus-host disease after allogeneic stem cell transplantation"]),
        ([], ["Prior kidney or liver transplant"]),
        ([], ["Planned allogeneic stem cell transplant"]),
        ([], ["Patients receiving hematopoietic cell transplant"]),
        (["Not eligible for curative resection, transplantation, or ablation"], []),
        (["Must have received autologous stem cell transplant, unless ineligible"], []),
        (["Prior autologous stem cell transplant is not required"], []),
    ],
)
def test_no_transplant_rule_from_allowed_timed_or_other_transplants(inclusion, exclusion):
    assert rules(criteria(inclusion, exclusion), "transplant") == []


def test_a_time_limit_after_a_list_of_transplants_is_of_every_one():
    """NCT05147467: "within 24 months" ends a list joined by "or", so the donor transplant is
    excluded only within 24 months, which no rule says: no "ever"."""
    line = (
        "Prior history of allogeneic hematopoietic stem cell transplantation, adoptive cell "
        "immunotherapy or autologous hematopoietic stem cell transplantation within 24 months."
    )
    assert rules(criteria([], [line]), "transplant") == []
    line = "Prior allogeneic SCT or autologous stem cell transplant within 12 weeks"
    assert rules(criteria([], [line]), "transplant") == []


@pytest.mark.parametrize(
    "line",
    [
        # NCT05552976: "at any time" is the first one's own time, "received" starts another.
        "Participant has previously received allogeneic stem cell transplant at any time or "
        "received autologous stem cell transplant within 12 weeks of initiating study treatment.",
        "Prior allogeneic stem cell transplant, or received autologous stem cell transplant "
        "within 12 weeks",
    ],
)
def test_a_time_limit_of_the_last_transplant_only_leaves_the_first_excluded(line):
    assert rules(criteria([], [line]), "transplant") == [("prior-excluded", ALLO)]


def test_a_time_limit_of_a_planned_transplant_is_not_of_the_one_had_before():
    """NCT06268873: "within 6 months" is of the planned transplant after ", or"."""
    line = (
        "History of organ transplant or bone marrow transplant, or planned organ transplant "
        "within 6 months following randomisation (including kidney transplant)."
    )
    assert rules(criteria([], [line]), "transplant") == [("prior-excluded", ANY)]


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("Prior autologous stem cell transplant is not allowed", AUTO),
        ("Prior allogeneic transplant is not permitted", ALLO),
        ("Prior autologous transplant is excluded", AUTO),
    ],
)
def test_a_transplant_ruled_out_after_it_among_the_inclusion_criteria(line, kind):
    """Not "You must have had a stem cell transplant": the words after it rule it out."""
    assert included(line, "transplant") == [("prior-excluded", kind)]


def test_two_transplants_in_one_item_each_with_its_own_rule():
    line = (
        "Previously received allogeneic stem cell transplant at any time or received autologous "
        "stem cell transplant within 12 weeks of study treatment"
    )
    assert excluded(line, "transplant") == [("prior-excluded", ("allogeneic",))]


# -- what each requirement carries ------------------------------------------------------------


def test_each_requirement_carries_its_item_section_and_cohort():
    text = (
        "Inclusion Criteria:\n\n* ECOG 0-1\n\nCohort 2:\n\n"
        "* At least two prior lines of therapy\n\nExclusion Criteria:\n\n* Known brain metastases\n"
    )
    found = extract(read_criteria(text))
    assert found == (
        Requirement("ecog", "at-most", (1,), "ECOG 0-1", "inclusion", ""),
        Requirement(
            "prior-lines",
            "at-least",
            (2,),
            "At least two prior lines of therapy",
            "inclusion",
            "Cohort 2",
        ),
        Requirement("brain-metastases", "none", (), "Known brain metastases", "exclusion", ""),
    )
    assert found[1].as_dict() == {
        "kind": "prior-lines",
        "rule": "at-least",
        "values": [2],
        "cohort": "Cohort 2",
        "section": "inclusion",
        "text": "At least two prior lines of therapy",
    }


def test_the_rules_of_an_optional_side_study_are_no_rules_for_the_trial():
    """NCT06194448: "In addition, the following are considered criteria for exclusion from the
    exploratory genetic research:" before "Prior allogeneic bone marrow transplant." told a
    person with a donor transplant "not for you"."""
    text = (
        "Inclusion Criteria:\n\n* Adults\n\nExclusion Criteria:\n\n"
        "1. Pregnancy\n2. In addition, the following are considered criteria for exclusion from"
        " the exploratory genetic research:\n\n    * Prior allogeneic bone marrow transplant.\n"
    )
    assert rules(text, "transplant") == []
    plain = criteria(["Adults"], ["Prior allogeneic bone marrow transplant."])
    assert rules(plain, "transplant") == [("prior-excluded", ("allogeneic",))]


def test_a_lead_in_line_gives_its_frame_and_its_alternatives():
    text = (
        "Exclusion Criteria:\n\n* Prior treatment with:\n  * Second-generation AR inhibitors "
        "(such as enzalutamide)\n  * Other investigational AR inhibitors\n"
    )
    assert rules(text, "prior-therapy-excluded") == [("any-of", ("androgen receptor inhibitor",))]


def test_empty_huge_and_odd_criteria():
    assert extract(read_criteria("")) == ()
    assert extract(read_criteria("Inclusion Criteria:\nExclusion Criteria:")) == ()
    assert rules(criteria(["ECOG \x01 0-1", "\x01\x00"]), "ecog") == [("at-most", (1,))]
    filler = "* Adequate organ function as defined by the protocol, with normal values.\n" * 3000
    assert rules(criteria(["ECOG 0-1"]) + "\n" + filler, "ecog") == [("at-most", (1,))]


def test_tags_and_json_carry_the_requirements():
    study = make_study(
        criteria=criteria(["Age ≥ 18 years", "ECOG 0-1"], ["Prior BCMA-directed therapy"])
    )
    tags = tag_trial(parse_study(study))
    assert [(r.kind, r.rule, r.values) for r in tags.requirements] == [
        ("age", "at-least", (18,)),
        ("ecog", "at-most", (1,)),
        ("prior-therapy-excluded", "any-of", ("BCMA-directed therapy",)),
    ]
    record = json.loads(json.dumps(tag_record(tags)))
    assert record["requirements"][2] == {
        "kind": "prior-therapy-excluded",
        "rule": "any-of",
        "values": ["BCMA-directed therapy"],
        "cohort": "",
        "section": "exclusion",
        "text": "Prior BCMA-directed therapy",
    }


# -- drug classes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("drug", "value"),
    [
        ("teclistamab", "BCMA-directed therapy"),
        ("Carvykti", "BCMA-directed therapy"),  # a brand of ciltacabtagene autoleucel
        ("ide-cel", "BCMA-directed therapy"),
        ("Blenrep", "BCMA-directed therapy"),
        ("elranatamab", "BCMA-directed therapy"),
        ("carfilzomib", "proteasome inhibitor"),
        ("ixazomib", "proteasome inhibitor"),
        ("Darzalex", "anti-CD38"),
        ("isatuximab", "anti-CD38"),
        ("Revlimid", "IMiD"),
        ("CC-4047", "IMiD"),
        ("Taxol", "taxane"),
        ("Taxol", "chemotherapy"),
        ("oxaliplatin", "platinum"),
        ("capecitabine", "fluoropyrimidine"),
        ("osimertinib", "EGFR TKI"),
        ("sotorasib", "KRAS G12C inhibitor"),
        ("sotorasib", "KRAS inhibitor"),  # the narrower class is included
        ("Keytruda", "anti-PD-(L)1"),
        ("Keytruda", "immune checkpoint inhibitor"),
        ("anti-PD-1", "immune checkpoint inhibitor"),
        ("Xtandi", "androgen receptor pathway inhibitor"),
        ("abiraterone", "androgen receptor pathway inhibitor"),
        ("letrozole", "endocrine therapy"),
        ("Revlimid", "lenalidomide"),
        ("lenalidomide", "Revlimid"),
        ("olaparib", "PARP inhibitor"),
        ("zanubrutinib", "BTK inhibitor"),
        ("azacitidine", "hypomethylating agent"),
    ],
)
def test_a_drug_by_any_name_belongs_to_its_classes(drug, value):
    assert drug_matches(drug, value)


@pytest.mark.parametrize(
    ("drug", "value"),
    [
        ("lenalidomide", "anti-CD38"),
        ("abiraterone", "androgen receptor inhibitor"),  # a CYP17 inhibitor, not an AR blocker
        ("pembrolizumab", "anti-CTLA-4"),
        ("immune checkpoint inhibitor", "anti-PD-(L)1"),  # the wider class is not in the narrower
        ("idelalisib", "PIK3CA inhibitor"),  # blocks the delta form of PI3K, not the alpha form
        ("alpelisib", "PI3K-delta inhibitor"),
        ("PI3K inhibitor", "PIK3CA inhibitor"),
        ("unknown-drug-123", "BCMA-directed therapy"),
        ("pembrolizumab", "nivolumab"),
        ("", "lenalidomide"),
    ],
)
def test_a_drug_does_not_belong_to_other_classes(drug, value):
    assert not drug_matches(drug, value)


def test_every_member_is_written_by_the_generic_name_the_lexicon_knows():
    for drug_class in drug_classes().classes.values():
        for member in drug_class.member_names:
            assert generic_name(member).casefold() == member.casefold(), member
            assert drug_matches(member, drug_class.name), (member, drug_class.name)


def test_find_drugs_names_classes_and_drugs_where_they_are():
    text = "Prior PI (bortezomib), IMiDs and anti-CD 38 antibodies; not PI3K"
    found = [(m.value, text[m.start : m.end], m.is_class) for m in find_drugs(text)]
    assert found == [
        ("proteasome inhibitor", "PI", True),
        ("bortezomib", "bortezomib", False),
        ("IMiD", "IMiDs", True),
        ("anti-CD38", "anti-CD 38 antibodies", True),
    ]


def test_a_class_of_one_form_of_an_enzyme_is_said_as_written_not_as_the_wider_class():
    """ "Any other PIK3CA inhibitor" (NCT05022342) does not rule out idelalisib, a PI3K-delta
    inhibitor: the rule names the alpha form, as the item does."""
    item = "Prior or current exposure to alpelisib or to any other PIK3CA inhibitor"
    assert excluded(item, "prior-therapy-excluded") == [
        ("any-of", ("alpelisib",)),
        ("any-of", ("PIK3CA inhibitor",)),
    ]
    assert excluded("Prior PI3K delta inhibitor", "prior-therapy-excluded") == [
        ("any-of", ("PI3K-delta inhibitor",))
    ]
    assert drug_matches("alpelisib", "PI3K inhibitor") and drug_matches(
        "duvelisib", "PI3K inhibitor"
    )
    # A form written with a Greek letter is not the wider class; no class is read then.
    assert find_drugs("prior PI3Kδ inhibitor") == []
    assert excluded("Prior treatment with a PI3Kδ inhibitor", "prior-therapy-excluded") == []


TAXANE = '["taxane"]\nphrases = ["taxane"]\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            TAXANE + 'memebrs = ["docetaxel"]\n',
            "x.toml:3: taxane.memebrs: unknown key (did you mean 'members'?)",
        ),
        (
            TAXANE + 'members = [\n  "docetaxel",\n  "Taxotere",\n]\n',
            "x.toml:5: taxane.members: 'Taxotere' is a name of 'docetaxel': write that",
        ),
        (
            TAXANE + 'includes = ["platinums"]\n["platinum"]\nphrases = ["platinum"]\n',
            "x.toml:3: taxane.includes: no class 'platinums' (did you mean 'platinum'?)",
        ),
        (
            TAXANE + '["b"]\nphrases = ["taxanes", "Taxane"]\n',
            "x.toml:4: b.phrases: 'Taxane' already names [taxane]",
        ),
        ('["a"]\nmembers = ["docetaxel"]\n', "x.toml:1: a: the key 'phrases' is missing"),
        ('["a"]\nphrases = []\n', "x.toml:2: a.phrases: a class needs phrases"),
        ('["a"]\nphrases = ["a", " "]\n', "x.toml:2: a.phrases[2]: is empty"),
        (
            '["a"]\nphrases = "taxane"\n',
            "x.toml:2: a.phrases: expected a list of names in quotes, got a string",
        ),
        (
            TAXANE + 'category = "surgery"\n',
            "x.toml:3: taxane.category: 'surgery' is not a category of drugs",
        ),
        (
            '["a"]\nphrases = ["a"]\nincludes = ["b"]\n["b"]\nphrases = ["b"]\nincludes = ["a"]\n',
            "cannot include itself",
        ),
        ('["a"\nphrases = []\n', "x.toml:1: not valid TOML"),
        (TAXANE + "said = 3\n", "x.toml:3: taxane.said: expected text in quotes, got a number 3"),
        (TAXANE + 'sayd = "a taxane"\n', "did you mean 'said'?"),
    ],
)
def test_a_broken_drug_class_file_names_the_line_and_the_problem(text, message):
    with pytest.raises(ConfigError) as raised:
        parse_drug_classes(text, "x.toml")
    assert message in raised.value.message


def test_a_class_named_with_spaces_is_quoted_as_toml_writes_it():
    text = '["proteasome inhibitor"]\nphrases = ["PI"]\nmembres = ["bortezomib"]\n'
    with pytest.raises(InvalidConfig) as raised:
        parse_drug_classes(text, "x.toml")
    assert raised.value.lines() == [
        "x.toml:3: \"proteasome inhibitor\".membres: unknown key (did you mean 'members'?)"
    ]


def test_the_shipped_drug_classes_are_valid_and_cover_the_brief():
    names = set(drug_classes().classes)
    wanted = {
        "BCMA-directed therapy", "proteasome inhibitor", "anti-CD38", "IMiD", "platinum", "taxane",
        "anthracycline", "fluoropyrimidine", "EGFR TKI", "ALK inhibitor", "KRAS G12C inhibitor",
        "BTK inhibitor", "BCL2 inhibitor", "PARP inhibitor", "CDK4/6 inhibitor", "anti-PD-(L)1",
        "anti-CTLA-4", "hypomethylating agent", "endocrine therapy",
        "androgen receptor pathway inhibitor",
    }  # fmt: skip
    assert wanted <= names


# -- the real records -------------------------------------------------------------------------


def _real(nct_id: str) -> tuple[Requirement, ...]:
    trial = parse_study(load_real_record(nct_id))
    return extract(read_criteria(trial.eligibility.criteria))


@needs_shared
def test_what_the_exclusion_criteria_rule_out_after_two_treatments_holds_for_both():
    """NCT05022342: "... exposure to alpelisib or ... to any other PIK3CA inhibitor should be
    excluded": both stay ruled out, as without the last words."""
    found = {r.values for r in _real("NCT05022342") if r.kind == "prior-therapy-excluded"}
    assert found == {("alpelisib",), ("PIK3CA inhibitor",)}


@needs_shared
def test_every_real_record_reads_and_every_requirement_comes_from_its_item():
    paths = real_record_paths()
    assert len(paths) > 200
    kinds: dict[str, int] = {}
    for path in paths:
        trial = parse_study(json.loads(path.read_text(encoding="utf-8")))
        read = read_criteria(trial.eligibility.criteria)
        items = {(i.text, i.section, i.cohort) for i in read.items}
        for r in extract(read):
            assert (r.text, r.section, r.cohort) in items, (trial.nct_id, r)
            assert r.kind in MINE, (trial.nct_id, r)
            kinds[r.kind] = kinds.get(r.kind, 0) + 1
            if r.kind == "prior-lines":
                assert all(0 <= v <= 15 for v in r.values), (trial.nct_id, r)
            if r.kind == "ecog":
                *ecog, last = r.values
                karnofsky = r.rule.endswith("karnofsky-at-least")
                assert all(0 <= v <= 4 for v in (ecog if karnofsky else r.values)), r
                assert not karnofsky or (10 <= last <= 100 and last % 10 == 0), r
            if r.kind == "age":
                assert all(0 <= v <= 120 for v in r.values), (trial.nct_id, r)
            if r.rule == "between":
                assert r.values[0] <= r.values[1], (trial.nct_id, r)
    assert set(kinds) == MINE  # every kind is found somewhere in the real records


# (nct id, the kinds checked, every requirement of those kinds as (kind, rule, values, cohort)),
# written after reading each record's criteria.
HAND_CHECKED = [
    ("NCT03256916", {"pregnancy"}, {("pregnancy", "excluded", ("pregnant", "breastfeeding"), "")}),
    ("NCT05984147", {"pregnancy"}, {
        ("pregnancy", "excluded", ("pregnant",), ""),  # "Positive pregnancy test for WOCBP"
        ("pregnancy", "excluded", ("breastfeeding",), ""),  # "Lactating women or WOCBP ..."
    }),
    ("NCT07030517", MINE - {"age", "sex", "brain-metastases", "transplant"}, {
        ("prior-lines", "at-least", (3,), ""),
        ("prior-therapy-required", "all-of", ("proteasome inhibitor", "anti-CD38", "IMiD"), ""),
        ("prior-therapy-excluded", "any-of", ("BCMA-directed therapy",), ""),
        ("ecog", "at-most", (2,), ""),
        ("measurable-disease", "required", (), ""),
    }),
    ("NCT05572515", {"prior-lines", "prior-therapy-excluded", "ecog"}, {
        ("prior-lines", "between", (1, 3), ""),
        ("prior-therapy-excluded", "any-of", ("BCMA-directed therapy",), ""),
        ("ecog", "at-most", (2,), ""),
    }),
    ("NCT05552976", {"prior-therapy-excluded", "transplant", "measurable-disease"}, {
        ("prior-therapy-excluded", "any-of", ("mezigdomide", "carfilzomib"), ""),
        ("transplant", "prior-excluded", ("allogeneic",), ""),
        ("measurable-disease", "required", (), ""),
    }),
    ("NCT05519085", {"prior-therapy-excluded"}, {
        ("prior-therapy-excluded", "any-of", ("mezigdomide", "pomalidomide"), ""),
    }),
    ("NCT02227251", {"age", "ecog", "transplant", "measurable-disease"}, {
        ("age", "at-least", (18,), ""),
        ("ecog", "at-most", (2,), ""),
        ("transplant", "ineligible-required", ("autologous",), ""),
        ("measurable-disease", "required", (), "Part 1"),
        ("measurable-disease", "required", (), "Part 2"),
    }),
    ("NCT06750094", {"prior-lines", "prior-therapy-required", "prior-therapy-excluded", "ecog"}, {
        ("prior-lines", "exactly", (1,), ""),
        ("prior-therapy-required", "all-of", ("fluoropyrimidine", "oxaliplatin"), ""),
        ("prior-therapy-excluded", "any-of", ("irinotecan",), ""),
        ("ecog", "at-most", (1,), ""),
    }),
    ("NCT06417814", {"prior-lines", "refractory-required", "ecog", "brain-metastases"}, {
        ("refractory-required", "all-of", ("osimertinib",), ""),
        ("ecog", "at-most", (1,), ""),
        ("brain-metastases", "treated-stable", (), ""),
    }),
    ("NCT05348876", {"sex", "age", "prior-therapy-excluded"}, {
        ("sex", "only", ("male",), ""),
        ("age", "at-least", (18,), ""),
        ("prior-therapy-excluded", "any-of", ("androgen receptor inhibitor",), ""),
        ("prior-therapy-excluded", "any-of", ("CYP17 inhibitor",), ""),
    }),
    ("NCT06120491", {"sex", "age", "ecog", "brain-metastases"}, {
        ("sex", "only", ("male",), ""),
        ("age", "at-least", (18,), ""),
        ("ecog", "at-most", (1,), ""),
        ("brain-metastases", "treated-stable", (), ""),
    }),
    ("NCT05144867", {"age", "ecog", "brain-metastases"}, {
        ("age", "at-least", (18,), ""),
        ("ecog", "at-most", (1,), ""),
        ("brain-metastases", "active-allowed", (), ""),
    }),
    ("NCT04474964", {"age", "brain-metastases"}, {
        ("age", "between", (3, 15), ""),
        ("age", "between", (3, 16), ""),
        ("brain-metastases", "none", (), ""),
    }),
    ("NCT06875310", MINE - {"age", "sex", "ecog", "transplant"}, {
        ("prior-lines", "at-most", (0,), ""),
        ("brain-metastases", "active-allowed", (), ""),
        ("measurable-disease", "required", (), ""),
        ("prior-therapy-excluded", "any-of", ("KRAS G12C inhibitor",), ""),
    }),
    ("NCT06016452", {"ecog"}, {("ecog", "karnofsky-at-least", (50,), "")}),
    ("NCT06720727", {"ecog", "age"}, {("ecog", "karnofsky-at-least", (70,), "")}),
    # (Its "Prior allogeneic bone marrow transplant" rules people out of the optional genetic
    # research only: no transplant rule.)
    ("NCT06194448", {"prior-therapy-excluded", "transplant", "ecog"}, {
        ("prior-therapy-excluded", "any-of", ("EGFR TKI",), ""),
        ("ecog", "at-most", (1,), ""),
    }),
    ("NCT05994521", {"age", "ecog"}, {
        ("age", "between", (18, 84), ""),
        ("ecog", "at-most", (1,), ""),
    }),
    ("NCT06411691", {"prior-lines", "ecog", "brain-metastases"}, {
        ("ecog", "at-most", (0,), ""),
        ("brain-metastases", "none", (), ""),
    }),
    ("NCT05110196", {"prior-lines", "ecog"}, {("ecog", "at-most", (2,), "")}),
    ("NCT04892173", {"ecog"}, set()),  # ECOG 2 is one way to be ineligible for cisplatin
    ("NCT06760702", {"ecog", "prior-lines"}, {
        ("ecog", "at-most-some", (1, 2), ""),  # ECOG 2 allowed when due to the disease
        ("prior-lines", "at-least", (2,), ""),
    }),
    # only for some parts, each named by its step ("Dose Escalation and MTD Expansion: ...")
    ("NCT03983954", {"prior-lines", "measurable-disease"}, {
        ("prior-lines", "at-least", (1,), "Dose escalation and MTD expansion"),
        ("measurable-disease", "required", (), "MTD dose expansion"),
        ("measurable-disease", "required", (), "Esophageal cohort expansion"),
    }),
    # a count of chemotherapy regimens: no count of lines, a ceiling on those of chemotherapy
    ("NCT06189209", {"prior-lines"}, {
        ("prior-lines", "chemotherapy-at-most", (3,), ""),
        ("prior-lines", "chemotherapy-at-least", (1,), ""),
    }),
    # or lytic bone lesions; the CDK4/6 inhibitors are planned, not had
    ("NCT04862663", {"measurable-disease", "prior-therapy-required"}, set()),
    ("NCT05147467", {"measurable-disease"}, set()),  # or splenomegaly
    ("NCT05742711", {"ecog"}, set()),  # ASA PS is another scale
]  # fmt: skip


@needs_shared
@pytest.mark.parametrize(
    ("nct_id", "kinds", "expected"), HAND_CHECKED, ids=[c[0] for c in HAND_CHECKED]
)
def test_hand_checked_real_records(nct_id, kinds, expected):
    found = {(r.kind, r.rule, r.values, r.cohort) for r in _real(nct_id) if r.kind in kinds}
    assert found == expected


@pytest.mark.parametrize(
    ("line", "excluded"),
    [
        # NCT05022342 (Part B): never had the treatment.
        ("Patient should be alpelisib treatment naïve.", ("alpelisib",)),
        ("EGFR TKI-naive", ("EGFR TKI",)),
        ("Chemotherapy-naive", ("chemotherapy",)),
    ],
)
def test_naive_to_a_treatment_rules_the_treatment_out(line, excluded):
    assert included(line, "prior-therapy-excluded") == [("any-of", excluded)]


@pytest.mark.parametrize(
    ("line", "section", "kind", "expected"),
    [
        # An upper bound on the lines: what "including" names is counted in them.
        ("Have received no more than 3 lines of systemic chemotherapy, including prior KRAS "
         "inhibitor.", "inclusion", "prior-therapy-required", []),
        ("More than 2 prior lines of therapy, including an anti-PD-1 antibody", "exclusion",
         "prior-therapy-excluded", []),
        # A lower bound: the lines must include it.
        ("At least 2 prior lines of therapy, including a proteasome inhibitor", "inclusion",
         "prior-therapy-required", [("all-of", ("proteasome inhibitor",))]),
    ],
)  # fmt: skip
def test_a_treatment_counted_in_a_capped_number_of_lines_is_neither_asked_nor_ruled_out(
    line, section, kind, expected
):
    """NCT06411691 (Cohort C: 'no more than 3 lines of systemic chemotherapy, including prior
    KRAS inhibitor') said 'you must have been treated with a KRAS inhibitor before'."""
    read = included(line, kind) if section == "inclusion" else excluded(line, kind)
    assert read == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # NCT04267848: the second sentence says how the stage is set, not a condition.
        ("Completely resected stage IIA, IIB IIIA or IIIB (T3-4N2) NSCLC with negative margins. "
         "Patients will be staged according to the AJCC Staging Manual, 2017",
         [("any-of", ("non-metastatic",))]),
        # A condition in the sentence of the stage still makes it no rule.
        ("Stage II or III disease if surgery will be done", []),
    ],
)  # fmt: skip
def test_a_condition_counts_in_the_sentence_that_says_the_stage(line, expected):
    assert included(line, "disease-setting") == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # NCT05711992, a registry of tumours that start in the brain: it leaves out those that
        # started elsewhere, not people whose tumour spread within the brain.
        ("CNS metastases of extracranial embryonal tumors", []),
        ("Brain metastases from an extracranial primary tumour", []),
        ("Known CNS metastases", [("none", ())]),
    ],
)
def test_brain_metastases_of_a_named_source_are_no_rule_on_all(line, expected):
    assert excluded(line, "brain-metastases") == expected


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        # (NCT06411691: gemcitabine alone is not what it asks for)
        ("Have received 4-6 months of FOLFIRINOX or gemcitabine+nab-paclitaxel", "required"),
        ("Prior treatment with FOLFIRINOX or gemcitabine plus nab-paclitaxel", "excluded"),
    ],
)
def test_no_rule_from_alternatives_one_of_which_is_a_regimen_of_two(line, kind):
    read = included if kind == "required" else excluded
    assert read(line, f"prior-therapy-{kind}") == []
    alone = line.replace("+nab-paclitaxel", "").replace(" plus nab-paclitaxel", "")
    assert read(alone, f"prior-therapy-{kind}") == [("any-of", ("FOLFIRINOX", "gemcitabine"))]
    together = "Have received gemcitabine + nab-paclitaxel"
    assert included(together, "prior-therapy-required") == [
        ("all-of", ("gemcitabine", "nab-paclitaxel"))
    ]


def test_the_karnofsky_conversions_are_two_tables_for_both_directions():
    # One table (ECOG 1 is about 70-80) and the other in use (Oken 1982: ECOG 1 is 80-90).
    assert [karnofsky_range(grade) for grade in range(5)] == [
        (90, 100), (70, 90), (50, 70), (30, 50), (10, 30)
    ]  # fmt: skip
    for grade in range(5):
        low, high = karnofsky_range(grade)
        for score in range(low, high + 10, 10):
            assert grade in ecog_grades_for_karnofsky(score)
    assert ecog_for_karnofsky(80) == 1 and ecog_for_karnofsky(60) == 2
    assert ecog_grades_for_karnofsky(70) == (1, 2)
    assert ecog_grades_for_karnofsky(80) == (1, 1)
    assert ecog_grades_for_karnofsky(100) == (0, 0)


def test_a_karnofsky_limit_is_said_as_the_ecog_grade_it_falls_in():
    kps = Requirement("ecog", "karnofsky-at-least", (80,), "KPS ≥ 80")
    assert (as_ecog(kps).rule, as_ecog(kps).values) == ("at-most", (1,))
    either = Requirement("ecog", "at-most-or-karnofsky-at-least", (1, 60), "ECOG ≤ 1 or KPS ≥ 60")
    assert as_ecog(either).values == (2,)  # the more lenient
    some = replace(kps, rule="at-most-some", values=(1, 2))
    assert (as_ecog(some).rule, as_ecog(some).values) == ("at-most", (2,))  # said of everyone
    # 70 is ECOG 1 by one conversion and 2 by the other; 50 is 2 or 3: only the higher grade
    # holds of everyone the limit takes.
    for score, grade in ((70, 2), (50, 3), (90, 1)):
        limit = Requirement("ecog", "karnofsky-at-least", (score,), f"KPS ≥ {score}")
        assert as_ecog(limit).values == (grade,)
    ecog = Requirement("ecog", "at-most", (1,), "ECOG 0-1")
    assert as_ecog(ecog) is ecog


def test_a_limit_is_narrower_than_another_only_for_the_same_people():
    wide = Requirement("ecog", "at-most", (2,), "ECOG 0, 1 or 2", "inclusion")
    narrow = Requirement("ecog", "at-most", (1,), "ECOG 0 or 1", "inclusion")
    assert narrower(narrow, wide) and not narrower(wide, narrow)
    assert not narrower(narrow, narrow)
    assert not narrower(replace(narrow, cohort="Part B"), wide)
    assert not narrower(replace(narrow, rule="karnofsky-at-least", values=(70,)), wide)


@pytest.mark.parametrize(
    "line",
    [
        "Patients treated with chemotherapy for any prior malignancy at any time",  # NCT05857631
        "Prior chemotherapy for another malignancy",
    ],
)
def test_treatment_of_another_cancer_excludes_no_treatment_of_this_one(line):
    # "You must not have been treated with chemotherapy before": chemotherapy for the cancer of
    # the trial may be allowed.
    assert excluded(line, "prior-therapy-excluded") == []
    assert excluded("Prior chemotherapy", "prior-therapy-excluded") == [
        ("any-of", ("chemotherapy",))
    ]


def test_radiotherapy_to_the_pelvis_is_a_treatment_a_trial_may_leave_out():
    # NCT05857631: "Patients treated with pelvic radiation previously" was not read, and a
    # woman whose cervical cancer had pelvic radiation "could fit" its pelvic radiotherapy trial.
    line = "Patients treated with pelvic radiation previously"
    assert excluded(line, "prior-therapy-excluded") == [("any-of", ("pelvic radiotherapy",))]


THREE = "1 to 3 brain metastases"


@pytest.mark.parametrize(
    ("conditions", "rule", "cohort", "section", "text", "expected"),
    [
        # NCT05144867: "1 to 3 brain metastases" in a trial for "Brain Metastases, Adult".
        (["Breast Cancer", "Brain Metastases, Adult"], "active-allowed", "", "inclusion", THREE,
         "required"),
        (["Asymptomatic Brain Metastases"], "active-allowed", "", "inclusion", THREE, "required"),
        (["Breast Cancer"], "active-allowed", "", "inclusion", THREE, "active-allowed"),
        # A part's people (NCT05786924: "Part 2A3: ... NSCLC with KRAS non-G12C or BRAF
        # mutations ... and active CNS metastatic disease"), unless only allowed.
        (["Brain Metastases"], "active-allowed", "Part 2A3", "inclusion",
         "NSCLC with BRAF mutations and active CNS metastatic disease", "required"),
        (["Brain Metastases"], "active-allowed", "Cohort B", "inclusion",
         "Active brain metastases are allowed", "active-allowed"),
        (["Brain Metastases"], "treated-stable", "", "exclusion", THREE, "treated-stable"),
        (["Brain Metastases"], "none", "", "exclusion", THREE, "none"),
    ],
)  # fmt: skip
def test_a_trial_for_brain_metastases_asks_for_them(
    conditions, rule, cohort, section, text, expected
):
    taken = Requirement("brain-metastases", rule, (), text, section, cohort)
    (read,) = asked_by_the_conditions((taken,), conditions)
    assert read.rule == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Pregnant or lactating", [("excluded", ("pregnant", "breastfeeding"))]),
        ("Women who are pregnant or breast-feeding", [("excluded", ("pregnant", "breastfeeding"))]),
        ("Positive serum pregnancy test", [("excluded", ("pregnant",))]),
        (
            "Lactating women or WOCBP not willing to use contraception",
            [("excluded", ("breastfeeding",))],
        ),
        # not a partner's, a pregnancy to avoid or to come, a test, a nursing home
        ("Men whose partners are pregnant or breastfeeding", []),
        ("Women of childbearing potential not using contraception to avoid pregnancy", []),
        ("Planning to become pregnant during the study", []),
        ("Resident of a nursing home", []),
        # nor pregnancy as a time ("prior to current pregnancy", NCT06209411), a heading, an item
        # that lets some in or holds for some only (NCT06898385, NCT06112379, NCT03067181)
        ("Pregnancy or lactation", [("excluded", ("pregnant", "breastfeeding"))]),
        ("Preexisting diabetes diagnosis prior to current pregnancy", []),
        ("Pregnant Women:", []),
        ("Women who are breastfeeding and are unwilling to stop breastfeeding", []),
        ("Female participants should refrain from breastfeeding", []),
        ("Pregnant females (this criteria applies ONLY to patients who will receive chemotherapy)",
         []),
        ("Males with pregnant partners", []),
        ("Prior pregnancy-associated breast cancer", []),
        ("Resident of a nursing facility", []),
        ("Pregnancy loss in the last 3 months", []),
        ("Breastfeeding women may take part if they pump and discard milk", []),
        ("Pregnant women are excluded from Part B only", []),
        ("Breastfeeding women (breastfeeding must be stopped before the first dose)", []),
    ],
)  # fmt: skip
def test_pregnancy_and_breastfeeding_ruled_out(line, expected):
    assert excluded(line, "pregnancy") == expected
    assert included(line, "pregnancy") == []
