"""Checks of what a user typed: biomarker names on the command line and in digest configs."""

from __future__ import annotations

from collections.abc import Iterable

from trialfinder.errors import InvalidInput
from trialfinder.tagging.lexicon import knowledge
from trialfinder.tagging.text import name_key


def normalize_biomarker(query: str) -> str:
    """What the user typed -> the biomarker name it stands for ("erbb2" -> "HER2")."""
    wanted = name_key(query)
    for marker in knowledge().biomarkers:
        if wanted in {name_key(marker.name), *(name_key(a) for a in marker.aliases)}:
            return marker.name
    return query.strip()


def biomarker_matches(query: str, biomarkers: Iterable[str]) -> bool:
    """True when one of ``biomarkers`` is, or is a variant of, the one the user asked for."""
    wanted = name_key(normalize_biomarker(query))
    for tag in biomarkers:
        tag_key = name_key(tag)
        if tag_key == wanted or tag_key.startswith(wanted):
            return True
        if name_key(query) and name_key(query) == tag_key:
            return True
    return False


def biomarker_names() -> tuple[str, ...]:
    """The biomarkers trialfinder recognises, as users name them."""
    return tuple(marker.name for marker in knowledge().biomarkers)


def check_biomarkers(queries: Iterable[str]) -> tuple[str, ...]:
    """The biomarkers asked for, each one trialfinder can tag; a typo is an InvalidInput.

    A marker's name or alias is known ("HER2", "ERBB2", "MSI-H"), and so is a variant of it:
    the name followed by something with a digit ("KRAS G12C", "BRCA1", "HLA-A*02:01").
    """
    known = {
        name_key(name)
        for marker in knowledge().biomarkers
        for name in (marker.name, *marker.aliases)
    }
    wanted = tuple(queries)
    for query in wanted:
        key = name_key(query)
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
