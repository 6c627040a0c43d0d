"""Key requirements found in eligibility criteria, said in plain words."""

from __future__ import annotations

import time

import pytest

from trialfinder.eligibility import key_requirements


def kinds(criteria: str) -> dict[str, str]:
    return {r.kind: r.text for r in key_requirements(criteria)}


def criteria(inclusion: list[str], exclusion: list[str] = ()) -> str:
    text = "Inclusion Criteria:\n\n" + "\n".join(f"* {line}" for line in inclusion)
    if exclusion:
        text += "\n\nExclusion Criteria:\n\n" + "\n".join(f"* {line}" for line in exclusion)
    return text


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Received at least 2 prior lines of systemic therapy", "at least 2 earlier treatments"),
        ("At least one prior line of anti-myeloma therapy", "at least one earlier treatment."),
        ("Received 1 to 3 prior lines of antimyeloma therapy", "1 to 3 earlier treatments"),
        (
            "Received at least 1 but not more than 3 prior systemic regimens",
            "1 to 3 earlier treatments",
        ),
        ("Have received no more than 3 lines of systemic therapy", "up to 3 earlier"),
        ("Progression on one or more lines of therapy", "at least one earlier"),
        ("Received ≥ 2 prior regimens", "at least 2 earlier treatments"),
        ("Must have received exactly one prior line of therapy", "exactly one earlier"),
    ],
)
def test_prior_treatments(line, expected):
    assert expected in kinds(criteria([line]))["prior-treatments"]


@pytest.mark.parametrize(
    "line",
    [
        "Stable dose of steroids for at least 2 weeks before treatment",
        "No anticancer therapy within 4 weeks prior to the first dose",
    ],
)
def test_time_spans_are_not_treatment_counts(line):
    assert "prior-treatments" not in kinds(criteria([line]))


@pytest.mark.parametrize(
    "line",
    [
        "Received at least 1 but not more than 3 prior chemotherapy regimens",
        "Have received no more than 3 lines of systemic chemotherapy",
        "Progression on one or more lines of endocrine therapy",
        "Up to one prior taxane regimen",
    ],
)
def test_counts_of_one_drug_class_are_not_earlier_treatments(line):
    assert "prior-treatments" not in kinds(criteria([line]))


def test_an_excluded_count_says_how_many_are_allowed():
    found = kinds(criteria(["Adults"], ["More than 2 prior lines of therapy"]))
    assert found["prior-treatments"] == "You may have had up to 2 earlier treatments, but not more."


def test_a_cohort_count_is_said_for_that_cohort_only():
    text = "Inclusion Criteria:\n\nPart A:\n* Exactly one prior line of therapy\n"
    assert kinds(text)["prior-treatments"] == (
        "In Part A, you must have had exactly one earlier treatment."
    )


@pytest.mark.parametrize(
    ("line", "change"),
    [
        ("Tumor with a documented KRAS G12C mutation", "KRAS G12C"),
        ("Malignancy expressing G12D mutated KRAS", "KRAS G12D"),
        ("NSCLC with EGFR exon 19 deletion or L858R", "EGFR exon 19 deletion"),
        ("Documented ROS1 gene rearrangement", "ROS1 rearrangement"),
        ("BRAF V600E-mutant melanoma", "BRAF V600E"),
        ("EGFR-mutated NSCLC", "EGFR mutation"),
        ("HER2 amplified tumors", "HER2 amplification"),
    ],
)
def test_gene_change(line, change):
    text = kinds(criteria([line]))["gene-change"]
    assert text == f"Your cancer must have a certain gene change: {change}."


def test_gene_change_negated_or_excluded_is_not_required():
    assert "gene-change" not in kinds(criteria(["EGFR wild-type tumors", "No ALK rearrangement"]))
    assert "gene-change" not in kinds(criteria(["Adults"], ["Known KRAS G12C mutation"]))
    # "met" and "ret" are words, not genes
    assert "gene-change" not in kinds(criteria(["Patients who met the criteria for retreatment"]))


def test_specific_change_replaces_a_vague_one():
    found = kinds(criteria(["KRAS mutation", "KRAS G12C confirmed by a central test"]))
    assert found["gene-change"].endswith(": KRAS G12C.")


def test_biomarkers_from_the_tagging_when_criteria_name_none():
    found = {r.kind: r.text for r in key_requirements("* Adults", biomarkers=("HER2",))}
    assert found["gene-change"] == "The trial looks at these gene changes or markers: HER2."
    two = key_requirements("* Adults", biomarkers=("HER2", "PD-L1"))[0].text
    assert two.endswith("markers: HER2 and PD-L1.")
    named = key_requirements("* KRAS G12C mutation", biomarkers=("PD-L1",))[0].text
    assert named == "Your cancer must have a certain gene change: KRAS G12C."


def test_measurable_disease():
    assert "measurable-disease" in kinds(criteria(["Measurable disease per RECIST 1.1"]))
    no_need = criteria(["Patients do not need to have measurable disease by RECIST 1.1"])
    assert "measurable-disease" not in kinds(no_need)


@pytest.mark.parametrize(
    ("inclusion", "exclusion", "expected"),
    [
        ([], ["Known brain metastases"], "You cannot join"),
        ([], ["Active or untreated CNS metastases"], "only in some cases"),
        ([], ["Brain metastases unless treated and stable"], "only in some cases"),
        (["Patients with brain metastases are eligible"], [], "may join."),
        (["No evidence of brain metastases"], [], "You cannot join"),
        (
            ["Treated, stable brain metastases are allowed"],
            ["Known brain metastases"],
            "some cases",
        ),
    ],
)
def test_brain_metastases(inclusion, exclusion, expected):
    found = kinds(criteria(inclusion or ["Adults"], exclusion))
    assert expected in found["brain-metastases"]


def test_no_brain_rule_when_not_mentioned():
    assert "brain-metastases" not in kinds(criteria(["Adults"], ["Pregnancy"]))


@pytest.mark.parametrize(
    ("line", "active", "score"),
    [
        ("ECOG performance status of 0 or 1.", "light work", "ECOG score of 1 or lower"),
        ("Eastern Cooperative Oncology Group (ECOG) 0-2", "half the day", "of 2 or lower"),
        ("ECOG performance status less than or equal to two", "half the day", "of 2 or lower"),
        ("ECOG performance status 0.", "fully active", "ECOG score of 0."),
        ("ECOG Performance Status < 2", "light work", "ECOG score of 1 or lower"),
        (
            "ECOG performance status of 0 or 1 with no deterioration over the 2 weeks",
            "light work",
            "of 1 or lower",
        ),
        ("Karnofsky performance status (KPS) ≥ 70", "care for yourself", "70 or higher"),
        ("KPS \\> 12 y/o \\>/= 50 assessed at enrollment", "a lot of help", "50 or higher"),
    ],
)
def test_performance_status(line, active, score):
    text = kinds(criteria([line]))["performance-status"]
    assert active in text
    assert score in text


def test_markdown_escapes_are_read():
    text = "Inclusion Criteria:\n\n* ECOG \\<= 1\n* **Measurable** disease\\: measurable lesion"
    found = kinds(text)
    assert "ECOG score of 1 or lower" in found["performance-status"]
    assert "measurable-disease" in found


def test_empty_and_odd_criteria():
    assert key_requirements("") == ()
    assert key_requirements("   \n\n***\n# \n") == ()
    assert key_requirements("Inclusion Criteria:\nExclusion Criteria:") == ()


def test_huge_criteria_stay_fast_and_still_found():
    filler = "* Adequate organ function as defined by the protocol, with normal values.\n" * 3000
    text = criteria(["ECOG performance status of 0 or 1"]) + "\n" + filler
    assert len(text) > 200_000
    started = time.perf_counter()
    found = kinds(text)
    assert time.perf_counter() - started < 2
    assert "light work" in found["performance-status"]
