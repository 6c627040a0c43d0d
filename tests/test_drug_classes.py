"""The quick tests of drug names: the words that let a text name a drug or a class."""

from __future__ import annotations

import pytest

from trialfinder.tagging.drug_classes import drug_classes, drug_matches, drug_words, find_drugs


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


def _words(text: str) -> frozenset[str]:
    """The words of ``text`` as an item's word set has them (runs of a-z and 0-9)."""
    return frozenset(
        "".join(c if c.isascii() and c.isalnum() else " " for c in text.lower()).split()
    )


@pytest.mark.parametrize(
    "text",
    [
        "Prior treatment with bortezomib and Revlimid, or a proteasome inhibitor",
        "Refractory to taxanes; prior anti-PD-1 or anti-PD-L1 therapy",
        "Progression on a CDK4/6 inhibitor (palbociclib, ribociclib) and fulvestrant",
        "Received at least two prior regimens including an IMiD and a PI",
        "Prior zorbanib or xyzplatin",
        "No prior surgery within 4 weeks",
    ],
)
def test_the_drug_words_of_a_text_let_the_search_skip_as_its_words_do(text):
    words = _words(f"{text}. Other words of the item: participants, baseline, docetaxel")
    found = find_drugs(text)
    assert find_drugs(text, words) == found
    assert find_drugs(text, frozenset(drug_words(words))) == found


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Prior treatment with anthracyclines", ["anthracycline"]),
        ("Refractory to fluoropyrimidines", ["fluoropyrimidine"]),
        ("Prior taxanes", ["taxane"]),
    ],
)
def test_a_class_named_in_the_plural_is_found_with_the_words_of_its_text_alone(text, named):
    words = _words(text)  # no other word of a class beside it
    assert [m.value for m in find_drugs(text)] == named
    assert [m.value for m in find_drugs(text, words)] == named
    assert [m.value for m in find_drugs(text, frozenset(drug_words(words)))] == named


@pytest.mark.parametrize(
    ("text", "named"),
    [
        # Classes listed before one whose last word they leave out (NCT04862663).
        ("Any prior treatment with, AKT, PI3K or mTOR inhibitors.",
         ["AKT inhibitor", "PI3K inhibitor", "mTOR inhibitor"]),
        ("Prior BTK and/or BCL2 inhibitors", ["BTK inhibitor", "BCL2 inhibitor"]),
        ("Prior CDK4/6 or PARP inhibitors", ["CDK4/6 inhibitor", "PARP inhibitor"]),
        # A drug before "or" is a drug, and a word that starts no class is no class.
        ("Docetaxel or PARP inhibitors", ["docetaxel", "PARP inhibitor"]),
        ("Hypertension or PARP inhibitors", ["PARP inhibitor"]),
        # Not a list: "(" or another word between them.
        ("BTK (or BCL2 inhibitors)", ["BCL2 inhibitor"]),
        ("BTK given with BCL2 inhibitors", ["BCL2 inhibitor"]),
    ],
)  # fmt: skip
def test_classes_listed_with_one_last_word_are_each_named(text, named):
    mentions = find_drugs(text)
    assert [m.value for m in mentions] == named
    # Each where it is written, in order.
    assert [m.start for m in mentions] == sorted(m.start for m in mentions)
    assert all(text[m.start : m.end].strip() for m in mentions)


def test_a_long_text_naming_drugs_thousands_of_times_finds_each_once_in_order():
    # An arm description of 150,000 characters (a hostile record) once took seconds: each name
    # found was compared with every mention before it.
    text = "Adagrasib with pembrolizumab and an anti-PD-1 antibody. " * 2000
    found = find_drugs(text)
    assert [m.value for m in found[:3]] == ["adagrasib", "pembrolizumab", "anti-PD-(L)1"]
    assert len(found) == 6000
    assert all(a.end <= b.start for a, b in zip(found, found[1:], strict=False))


def test_the_ros1_inhibitors_a_criterion_may_list_are_of_the_class():
    # "Progression on at least one prior ROS1 TKI (crizotinib, entrectinib, or lorlatinib)"
    # failed a patient after lorlatinib, which the class left out
    for drug in ("crizotinib", "entrectinib", "repotrectinib", "taletrectinib", "lorlatinib"):
        assert drug_matches(drug, "ROS1 inhibitor"), drug
