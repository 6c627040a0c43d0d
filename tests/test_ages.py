"""Whether a record's age fields agree with the ages its criteria allow everyone."""

from __future__ import annotations

import pytest

from trialfinder.ages import RecordAges, record_ages
from trialfinder.model import parse_study
from trialfinder.tagging import tag_trial

from factories import make_study


def ages_of(min_age: str | None, max_age: str | None, criterion: str) -> RecordAges:
    trial = parse_study(
        make_study(
            min_age=min_age,
            max_age=max_age,
            criteria=f"Inclusion Criteria:\n\n* {criterion}\n\nExclusion Criteria:\n\n* Pregnancy",
        )
    )
    return record_ages(trial, tag_trial(trial).requirements)


@pytest.mark.parametrize(
    ("min_age", "max_age", "criterion", "expected"),
    [
        ("18 Years", None, "Signed consent", RecordAges.AGREE),
        ("18 Years", "75 Years", "Aged 18 to 75 years", RecordAges.AGREE),
        (
            "18 Years",
            "75 Years",
            "Aged 16 to 80 years",
            RecordAges.AGREE,
        ),  # the criteria allow more
        ("30 Months", "18 Years", "2.5 to < 18 years", RecordAges.BELOW_HIGHEST),
        ("18 Years", "80 Years", "Age > 18 and < 80 years of age", RecordAges.BELOW_HIGHEST),
        ("18 Years", "80 Years", "Aged 18 to 75 years", RecordAges.NARROWER),
        ("18 Years", None, "Aged 18 to 75 years", RecordAges.NARROWER),
        ("18 Years", "75 Years", "Aged 21 years or older", RecordAges.NARROWER),
        ("18 Months", "80 Months", "Aged 2 to 5 years", RecordAges.NARROWER),  # not in years
        (None, "18 Years", "Patients aged >= 18 years", RecordAges.NO_AGE_BETWEEN),
        ("65 Years", "18 Years", "Signed consent", RecordAges.UNCLEAR),
        ("N/A", None, "Signed consent", RecordAges.UNCLEAR),
        (None, None, "Signed consent", RecordAges.AGREE),
        (None, None, "Aged 18 years or older", RecordAges.CRITERIA_ONLY),
    ],
)
def test_record_ages(min_age, max_age, criterion, expected):
    assert ages_of(min_age, max_age, criterion) is expected


def test_a_rule_for_one_part_of_the_trial_is_not_for_everyone():
    criteria = (
        "Inclusion Criteria:\n\nPart A: aged 18 to 40 years\n\nPart B:\n\n"
        "* Aged 18 years or older\n\nExclusion Criteria:\n\n* Pregnancy"
    )
    trial = parse_study(make_study(min_age="18 Years", criteria=criteria))
    requirements = tag_trial(trial).requirements
    assert ("between", (18, 40), "Part A") in [(r.rule, r.values, r.cohort) for r in requirements]
    assert record_ages(trial, requirements) is RecordAges.AGREE


def test_ages_the_criteria_set_for_some_parts_only_are_ages_all_the_same():
    # NCT03067181: no age field; "Standard risk 1: Patients must be < 11 years of age".
    criteria = (
        "Inclusion Criteria:\n\nStandard risk 1:\n\n* Patients must be < 11 years of age\n\n"
        "Standard risk 2:\n\n* Patients must be >= 11 and < 25 years of age\n\n"
        "Exclusion Criteria:\n\n* Pregnancy"
    )
    trial = parse_study(make_study(min_age=None, max_age=None, criteria=criteria))
    requirements = tag_trial(trial).requirements
    assert {r.cohort for r in requirements if r.kind == "age"} == {
        "Standard risk 1",
        "Standard risk 2",
    }
    assert record_ages(trial, requirements) is RecordAges.CRITERIA_ONLY
