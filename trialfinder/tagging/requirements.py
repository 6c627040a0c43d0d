"""Requirements as typed data: what a trial's criteria ask of a patient, one rule at a time.

Every :class:`Requirement` comes from one item of the criteria read by
:mod:`trialfinder.tagging.reader`, and carries that item's text, section and cohort, so that
whatever is said from it (a summary sentence, a prescreen check) can be traced to the words
of the record. The kinds, and the rules and values each takes:

==========================  ==================================  ==============================
kind                        rule                                values
==========================  ==================================  ==============================
``age``                     at-least, at-most, between          years (numbers)
``sex``                     only                                "female" or "male"
``disease-setting``         any-of, none-of                     refractory, relapsed,
                                                                resistant, newly-diagnosed, ...
``prior-lines``             at-least, at-most, exactly, between counts of earlier lines
``prior-therapy-required``  any-of, all-of                      drugs or drug classes
``prior-therapy-excluded``  any-of                              drugs or drug classes
``refractory-required``     any-of, all-of                      drugs or drug classes
``biomarker-required``      any-of                              markers; each alternative that
                                                                satisfies the rule
``biomarker-excluded``      any-of                              markers a patient must not have
``ecog``                    at-most, between                    ECOG scores (Karnofsky and
                                                                Lansky converted)
``brain-metastases``        none, treated-stable,               (none)
                            active-allowed
``measurable-disease``      required                            (none)
``transplant``              prior-required, prior-excluded,     "autologous", "allogeneic" or
                            ineligible-required,                "any"
                            eligible-required
==========================  ==================================  ==============================

``section`` is "inclusion", "exclusion" or "" (no heading); ``cohort`` is "" when the rule holds
for everyone, else the part of the trial it holds for ("Part A", "Cohort 2").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

KINDS = (
    "age",
    "sex",
    "disease-setting",
    "prior-lines",
    "prior-therapy-required",
    "prior-therapy-excluded",
    "refractory-required",
    "biomarker-required",
    "biomarker-excluded",
    "ecog",
    "brain-metastases",
    "measurable-disease",
    "transplant",
)

Value = str | int | float


@dataclass(frozen=True)
class Requirement:
    """One rule of a trial's criteria, with the item it was read from."""

    kind: str  # one of KINDS
    rule: str  # see the table in the module docstring
    values: tuple[Value, ...]
    text: str  # the item of the criteria, as written
    section: str = ""  # "inclusion", "exclusion" or ""
    cohort: str = ""  # "" for everyone, else "Part A", "Cohort 2", ...

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "rule": self.rule,
            "values": list(self.values),
            "cohort": self.cohort,
            "section": self.section,
            "text": self.text,
        }
