"""What tagging gives back: :class:`Tags` for a trial, each tag with its :class:`Evidence`."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from trialfinder.tagging.requirements import Requirement
from trialfinder.vocabulary import CATEGORY_NAMES

CATEGORY = "category"
SETTING = "setting"
BIOMARKER = "biomarker"


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
    """What trialfinder read in one trial.

    ``categories`` are the approaches of the treatments under test (experimental arms);
    ``comparator_categories`` those given only in comparator arms. ``biomarkers`` are markers
    a patient must have, ``excluded_biomarkers`` markers a patient must not have.
    ``requirements`` are the rules of the criteria as typed data (``tagging.requirements``);
    ``scoped_requirements`` those of criteria limited to people with some diseases (each
    names them as its ``scope``), for the prescreen only.
    """

    categories: tuple[str, ...] = ()
    settings: tuple[str, ...] = ()
    biomarkers: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    # (intervention name, its categories), in the trial's order of interventions
    intervention_categories: tuple[tuple[str, tuple[str, ...]], ...] = ()
    excluded_biomarkers: tuple[str, ...] = ()
    comparator_categories: tuple[str, ...] = ()
    requirements: tuple[Requirement, ...] = ()
    scoped_requirements: tuple[Requirement, ...] = ()
    # The trial offers untreated disease too, beside its ``settings`` ("Newly diagnosed or
    # relapsed AML"), or reads them only in criteria that offer another way in ("... or who
    # have no satisfactory alternative treatment"), in criteria for some diseases only, or in a
    # condition while its criteria have parts: it is not known to be only for them.
    untreated_too: bool = False

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
