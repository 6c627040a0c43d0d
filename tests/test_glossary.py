"""The glossary: plain definitions, lookup for `explain`, explanation at first use."""

from __future__ import annotations

import re

import pytest

from trialfinder import glossary
from trialfinder.errors import InvalidInput

REQUIRED = [
    "refractory", "relapsed", "resistant", "remission", "randomized", "placebo", "phase",
    "cohort", "checkpoint inhibitor", "CAR T", "bispecific antibody", "antibody-drug conjugate",
    "performance status", "measurable disease", "metastasis",
]  # fmt: skip


@pytest.mark.parametrize("term", REQUIRED)
def test_required_terms_are_defined(term):
    assert glossary.lookup(term).name.lower() == term.lower()


def test_definitions_are_short_plain_and_number_free():
    for term in glossary.terms():
        assert term.means and len(term.means.split()) <= 25, term.name
        assert not re.search(r"\d", term.means), term.name
        assert not term.means.endswith("."), term.name  # the sentence adds its own full stop


@pytest.mark.parametrize(
    "asked", ["car-t", "CAR T", "  car   t ", "Car_T", "CAR-T cells", "checkpoint-inhibitors"]
)
def test_lookup_forgives_case_spacing_hyphens_and_plurals(asked):
    assert glossary.lookup(asked).name in ("CAR T", "checkpoint inhibitor")


def test_unknown_term_suggests_close_matches():
    with pytest.raises(InvalidInput) as caught:
        glossary.lookup("refactory")
    assert "not in the glossary" in caught.value.message
    assert "refractory" in caught.value.hint


def test_unknown_term_without_close_match_points_to_the_list():
    with pytest.raises(InvalidInput) as caught:
        glossary.lookup("xylophone")
    assert "--list" in caught.value.hint


def test_first_use_is_explained_once_right_after_its_sentence():
    text = "It is for people with refractory myeloma. It is refractory. Next.\nAgain refractory."
    out = glossary.explain_first_uses(text)
    first_line = out.split("\n")[0]
    assert first_line.startswith(
        "It is for people with refractory myeloma. Refractory means the cancer did not respond"
    )
    assert out.count("Refractory means") == 1
    assert out.count("Myeloma means") == 1
    assert out.endswith("\nAgain refractory.")


def test_words_inside_definitions_are_explained_too():
    out = glossary.explain_first_uses('"X" is an antibody-drug conjugate.')
    # the definition of an antibody-drug conjugate uses "antibody"
    assert "Antibody-drug conjugate means" in out
    assert out.index("Antibody-drug conjugate means") < out.index("Antibody means")


def test_longest_form_wins():
    out = glossary.explain_first_uses("It uses a bispecific antibody.")
    assert "Bispecific antibody means" in out
    assert "Antibody means" not in out


def test_blank_lines_and_lines_without_terms_are_kept():
    text = "Title\n\nNo jargon here.\n- a bullet"
    assert glossary.explain_first_uses(text) == text
