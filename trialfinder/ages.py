"""How a record's age fields stand beside the ages its eligibility criteria allow everyone.

The summary's age line and the prescreen's age checks ask the same question of a record: can
its age fields be taken as they are? :func:`record_ages` answers it once for both.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from enum import Enum

from trialfinder.model import Trial
from trialfinder.tagging.requirements import Requirement, allowed_range


class RecordAges(Enum):
    """What a record's age fields are worth beside its criteria."""

    AGREE = "agree"  # the fields can be said as they are
    BELOW_HIGHEST = "below highest"  # the criteria stop a year below the highest age field
    NARROWER = "narrower"  # the criteria rule out some of the fields' ages in another way
    NO_AGE_BETWEEN = "no age between"  # no age fits both the fields and the criteria
    UNCLEAR = "unclear"  # a field is no age ("N/A"), or the lowest is above the highest
    CRITERIA_ONLY = "criteria only"  # no age field, but the criteria set ages, for some or all


def criteria_ages(requirements: Iterable[Requirement]) -> tuple[float, float] | None:
    """The ages all the age rules for everyone among ``requirements`` allow together (no
    cohort's nor a place's), whole years, or None when there is none."""
    ranges = [
        allowed_range(r) for r in requirements if r.kind == "age" and not r.cohort and not r.scope
    ]
    allowed = [r for r in ranges if r is not None]
    if not allowed:
        return None
    return max(r[0] for r in allowed), min(r[1] for r in allowed)


def record_ages(trial: Trial, requirements: Iterable[Requirement]) -> RecordAges:
    """Whether ``trial``'s age fields can be taken as they are, beside the age rules of its
    criteria for everyone (``requirements``: all of them together, no cohort's nor a place's).

    The criteria may stop a year below the highest age field ("less than 18 years" beside
    "18 Years", NCT03633708; "<= 78 years" beside "79 Years", NCT04861558): "under 18 years"
    then says both in the record's own numbers. Any other narrowing, or fields and criteria
    that leave no more than a year between them ("up to 18 years" beside "Patients aged >= 18
    years", NCT06201611), means one of them is wrong, and the record does not say which. A
    lowest age of the criteria a little below the fields' ("2.5 to < 18 years" beside "30
    Months") is no disagreement: the criteria's ages are read down to whole years. Fields that
    are no age, or a lowest age above the highest, are unclear. A record with no age field
    whose criteria set ages, for everyone or for some parts ("Standard risk 1: Patients must be
    < 11 years of age", NCT03067181), is not open to any age."""
    elig = trial.eligibility
    written = (elig.min_age_text, elig.min_age_years), (elig.max_age_text, elig.max_age_years)
    if any(text.strip() and years is None for text, years in written):
        return RecordAges.UNCLEAR
    requirements = tuple(requirements)
    if elig.min_age_years is None and elig.max_age_years is None:
        if any(r.kind == "age" for r in requirements):
            return RecordAges.CRITERIA_ONLY
        return RecordAges.AGREE
    field_low = elig.min_age_years or 0.0
    field_high = math.inf if elig.max_age_years is None else elig.max_age_years
    if field_low > field_high:
        return RecordAges.UNCLEAR
    allowed = criteria_ages(requirements)
    if allowed is None:
        return RecordAges.AGREE
    low, high = allowed
    if min(field_high, high) - max(field_low, low) < 1:
        return RecordAges.NO_AGE_BETWEEN
    if low > field_low:
        return RecordAges.NARROWER
    if high >= field_high:
        return RecordAges.AGREE
    in_years = elig.max_age_text.lower().endswith("years")
    return RecordAges.BELOW_HIGHEST if in_years and field_high - high == 1 else RecordAges.NARROWER
