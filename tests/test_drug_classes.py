"""The quick tests of drug names: the words that let a text name a drug or a class."""

from __future__ import annotations

import pytest

from trialfinder.tagging.drug_classes import drug_classes, drug_words, find_drugs


@pytest.mark.parametrize(
    "word",
    [
        "zorbanib",  # a stem of three letters ("nib")
        "ab1nib",  # a digit just before it, the shortest word taken
        "qwertinib",
        "xyzplatin",
        "abcdrubicin",
        "fooparib",
    ],
)
def test_a_word_ending_in_a_stem_may_name_a_drug(word):
    assert word in drug_words(frozenset({word, "participant", "significant"}))


@pytest.mark.parametrize("word", ["nib", "a1nib", "participant", "significant", "baseline"])
def test_short_words_and_words_that_only_end_alike_do_not(word):
    assert drug_words(frozenset({word})) == set()


def test_a_mention_is_found_after_words_that_start_none():
    text = "Patients must have had prior treatment with a proteasome inhibitor and lenalidomide"
    found = find_drugs(text)
    assert [m.value for m in found] == ["proteasome inhibitor", "lenalidomide"]
    assert [text[m.start : m.end] for m in found] == ["proteasome inhibitor", "lenalidomide"]
    assert drug_classes().mentions("Adequate organ function and no prior surgery") == []


def test_a_mention_of_several_words_is_not_read_again_from_its_inner_words():
    text = "Prior anti-PD-1 or anti-PD-L1 therapy"
    assert [text[m.start : m.end] for m in drug_classes().mentions(text)] == [
        "anti-PD-1",
        "anti-PD-L1",
    ]
