"""The glossary: plain definitions, lookup for `explain`, explanation at first use."""

from __future__ import annotations

import functools
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


def test_an_embryonal_carcinoma_is_explained_as_a_germ_cell_tumor():
    # NCT03067181: "Carcinoma means cancer that starts in the skin or in the lining of organs",
    # of a germ cell tumour
    out = glossary.explain_first_uses('It is about "Extragonadal Embryonal Carcinoma".')
    assert "Embryonal carcinoma means a germ cell tumor" in out
    assert "Carcinoma means" not in out


def test_blank_lines_and_lines_without_terms_are_kept():
    text = "Title\n\nNo jargon here.\n- a bullet"
    assert glossary.explain_first_uses(text) == text


# -- explanation at first use, against a plain reading ---------------------------------------
# The plain reading: split each line into sentences, read each sentence word by word for the
# longest form starting at that word, and put each new term's definition after the sentence.

_WORD = re.compile(r"[^\W_]+")
_JOINER = re.compile(r"[ \t-]{1,3}")


@functools.cache
def _plain_forms():
    """Every form as its words in lower case, with its term, longest first, by first word."""
    forms = sorted(
        (
            (tuple(w.lower() for w in _WORD.findall(form)), term)
            for term in glossary.terms()
            for form in term.forms
        ),
        key=lambda item: -len(item[0]),
    )
    by_first_word = {}
    for form, term in forms:
        by_first_word.setdefault(form[0], []).append((form, term))
    return by_first_word


def _plain_terms(sentence):
    forms = _plain_forms()
    words = list(_WORD.finditer(sentence))
    found, i = [], 0
    while i < len(words):
        for form, term in forms.get(words[i].group(0).lower(), ()):
            run = words[i : i + len(form)]
            if len(run) == len(form) and all(
                w.group(0).lower() == f
                and (k == 0 or _JOINER.fullmatch(sentence, run[k - 1].end(), w.start()))
                for k, (w, f) in enumerate(zip(run, form, strict=True))
            ):
                found.append(term)
                i += len(form)
                break
        else:
            i += 1
    return found


def _sentences(line):
    """A line's sentences; a quoted name is part of its sentence, whatever it holds, when the
    line's quotes pair up."""
    if line.count('"') % 2:
        return [s for s in re.split(r"(?<=[.!?])\s+", line) if s]
    sentences = [""]
    for k, piece in enumerate(re.split(r'("[^"]*")', line)):
        if k % 2:  # a quoted name: its sentences, one space apart, stay in this one
            sentences[-1] += re.sub(r"(?<=[.!?])\s+", " ", piece)
            continue
        first, *rest = re.split(r"(?<=[.!?])\s+", piece)
        sentences[-1] += first
        sentences.extend(rest)
    return [s for s in sentences if s]


def _plain_explain(text):
    explained, lines = set(), []
    for line in text.split("\n"):
        if not line.strip():
            lines.append(line)
            continue
        out, queue = [], _sentences(line)
        while queue:
            sentence = queue.pop(0)
            out.append(sentence)
            added = []
            for term in _plain_terms(sentence):
                if term.name not in explained:
                    explained.add(term.name)
                    added.append(term.sentence)
            queue[0:0] = added
        lines.append(" ".join(out))
    return "\n".join(lines)


AWKWARD = [
    "",
    "   ",
    "A refractory cancer.  Then a placebo!\tAnd a cohort?\x0bEnd.  ",
    "Refractory.\r\nPlacebo.   \n\n  leading spaces: a bispecific antibody.",
    "A bispecific. Antibody here, bispecific\tantibody there, bispecific - antibody.",
    "bispecific_antibody, bispecific , antibody, bispecific\u00a0antibody.",
    "CAR-T, car t, CAR--T, CAR    T, CART, xCAR T, CAR Tx, CAR T2.",
    "Écarté refractoryé réfractory _refractory_ 2refractory refractory2 REFRACTORY.",
    "İnfusion infusion; \u212aarnofsky (Kelvin K) and Karnofsky; ſarcoma sarcoma.",
    "antibody-drug conjugate. Then antibody. Then monoclonal antibody.",
    "no punctuation at the end: refractory",
    "Two gaps.\u2028Line separator inside a line. Placebo.\u00a0Chemotherapy.",
    "Relapsed? Remission! Randomized. Phase 2. Cohort A.",
    # A quoted name holds sentences of its own: they are part of the sentence that quotes it.
    'It is for people with "Myeloma. Free care!". Then placebo.',
    '- "Drug X. Refractory? Yes" is a medicine. A "cohort." Phase 2.',
    'An odd quote " in refractory. Then "placebo. Then" cohort.',
]


@pytest.mark.parametrize("text", AWKWARD)
def test_explanation_at_first_use_matches_the_plain_reading(text):
    assert glossary.explain_first_uses(text) == _plain_explain(text)


def test_explanation_matches_the_plain_reading_on_mixed_words():
    import random

    rng = random.Random(7)
    words = [f for term in glossary.terms() for f in (*term.forms, term.name.upper())]
    words += ["the", "cancer", "x", "é", "2", "İ"]
    gaps = [" ", "  ", "-", " - ", "\t", ". ", ".  ", "! ", "? ", ".\n", "\n", ", ", "_", ".\t"]
    gaps += [' "', '" ', '." ', ' ".']
    for _ in range(300):
        text = "".join(rng.choice(words) + rng.choice(gaps) for _ in range(rng.randint(1, 30)))
        assert glossary.explain_first_uses(text) == _plain_explain(text), text


def test_an_adjuvant_given_with_a_vaccine_is_not_explained_as_treatment_after_another():
    """NCT06411691: "KRAS Vaccine with Poly-ICLC adjuvant" was explained as "treatment given
    after the main treatment"."""
    named = '"KRAS Vaccine with Poly-ICLC adjuvant" is an immunotherapy.'
    vaccine = glossary.explain_first_uses(named)
    assert "after the main treatment" not in vaccine
    assert "given with a vaccine" in vaccine
    after_surgery = glossary.explain_first_uses("It tests adjuvant chemotherapy.")
    assert "Adjuvant means treatment given after the main treatment" in after_surgery


def test_a_trial_not_about_cancer_is_told_what_a_term_means_for_any_illness():
    """NCT06341426 ("Treatment-Resistant Depression") was told "Resistant means the cancer no
    longer responds to a certain medicine"; radiotherapy for another illness, that it is aimed
    "to kill cancer cells"."""
    text = "It is for people with resistant depression. It tests radiation therapy."
    out = glossary.explain_first_uses(text, cancer=False)
    assert "cancer" not in out and "tumor" not in out
    assert "Resistant means the illness does not get better with the usual treatment." in out
    assert "Radiation therapy means high-energy rays aimed at a part of the body to treat" in out
    assert "Resistant means the cancer" in glossary.explain_first_uses(text)


@pytest.mark.parametrize(
    "term",
    ["refractory", "resistant", "radiation therapy", "immunotherapy", "hormone therapy",
     "targeted therapy", "antibody", "monoclonal antibody", "CAR T", "line of treatment"],
)  # fmt: skip
def test_words_other_illnesses_use_too_are_explained_outside_cancer_without_cancer(term):
    entry = glossary.lookup(term)
    assert re.search(r"cancer|tumou?r", entry.sentence)
    assert entry.not_cancer_sentence
    assert not re.search(r"cancer|tumou?r", entry.not_cancer_sentence)


def test_a_dose_expansion_is_not_explained_as_an_escalation():
    # NCT03983954: "In one part of the trial (MTD Dose Expansion), ..." was followed by "Dose
    # escalation means giving a medicine at higher and higher amounts".
    out = glossary.explain_first_uses("In one part of the trial (MTD Dose Expansion), ...")
    assert "Dose expansion means giving a dose already found in the trial to more people" in out
    assert "higher and higher" not in out
    assert "higher and higher" in glossary.explain_first_uses("It is a dose-escalation study.")
