"""Tagging: categories, combination and palliative aim, each with evidence; reading text quickly.

Settings and biomarkers are tested in test_settings.py and test_biomarkers.py.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trialfinder.model import parse_study
from trialfinder.tagging import (
    CATEGORIES,
    CATEGORY_NAMES,
    Evidence,
    Tags,
    clear_caches,
    lexicon,
    tag_trial,
    treatments,
)
from trialfinder.tagging import text as tagging_text

from conftest import SHARED, needs_shared, real_record_paths
from factories import arm, drug, make_study

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def tag(interventions, arm_groups=None, **fields):
    """Tags of a made-up cancer trial with these interventions and arms."""
    fields.setdefault("conditions", ["Lymphoma"])
    study = make_study(interventions=interventions, arm_groups=arm_groups, **fields)
    return tag_trial(parse_study(study))


def single(name, **kwargs):
    intervention = drug(name, **kwargs)
    label = intervention["armGroupLabels"][0]
    return tag([intervention], [arm(label, [f"{intervention['type'].title()}: {name}"])])


def eligible(criteria, title="Drug X in Lung Cancer", conditions=("Non-small Cell Lung Cancer",)):
    return tag(
        [drug("X")],
        [arm("Arm A", ["Drug: X"])],
        criteria=criteria,
        title=title,
        conditions=list(conditions),
    )


def reasons(tags: Tags, category: str) -> str:
    return " | ".join(e.reason for e in tags.evidence_for(category))


# -- CAR T --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "other_names", "description"),
    [
        ("Axicabtagene Ciloleucel", (), ""),  # generic name
        ("Kymriah", (), ""),  # brand
        ("JNJ-68284528", (), ""),  # investigational code
        ("Cilta-cel", (), ""),  # short name
        ("LX-101", ("Yescarta",), ""),  # brand only among the other names
        ("Brexucabtagene autoleucel", (), ""),
        (
            "XYZ-19 cells",
            (),
            "Autologous anti-CD19 chimeric antigen receptor T cells, one infusion.",
        ),
        ("Anti-BCMA CAR-T cells", (), ""),
        ("Novel-cabtagene autoleucel", (), ""),  # an unknown product with the CAR T stem
        ("UCART22", (), ""),  # an allogeneic ("universal") CAR T code
        ("CAR19", (), ""),
        (
            "XYZ-19",
            (),
            "Autologous T cells transduced with a lentiviral vector encoding an anti-CD19 CAR.",
        ),
    ],
)
def test_car_t_is_recognised_however_it_is_named(name, other_names, description):
    tags = single(name, kind="BIOLOGICAL", other_names=other_names, description=description)
    assert "car-t" in tags.categories
    assert "immunotherapy" in tags.categories  # CAR T is an immunotherapy too
    assert "targeted-therapy" not in tags.categories
    assert tags.categories_of(name) == ("immunotherapy", "car-t")


def test_car_t_evidence_names_the_intervention_and_the_field():
    tags = single("Axicabtagene Ciloleucel", kind="BIOLOGICAL")
    [evidence] = tags.evidence_for("car-t")
    assert evidence == Evidence(
        tag="car-t",
        kind="category",
        source="intervention name",
        text="Axicabtagene Ciloleucel",
        matched="Axicabtagene Ciloleucel",
        reason='car-t: "Axicabtagene Ciloleucel" is a CAR T product (intervention name)',
    )


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("Afamitresgene autoleucel", ""),  # TCR-T
        ("KRAS G12V TCR-T cells", ""),
        ("Lifileucel", ""),  # tumour-infiltrating lymphocytes
        ("Autologous TIL therapy", ""),
        ("CD19 CAR-NK cells", ""),
        ("NK-19", "Allogeneic chimeric antigen receptor natural killer cells targeting CD19"),
    ],
)
def test_other_cell_therapies_are_immunotherapy_but_not_car_t(name, description):
    tags = single(name, kind="BIOLOGICAL", description=description)
    assert "immunotherapy" in tags.categories
    assert "car-t" not in tags.categories


def test_lymphodepleting_chemotherapy_before_cell_therapy_is_not_a_treatment_of_its_own():
    tags = tag(
        [
            drug("Cyclophosphamide"),
            drug("Fludarabine"),
            drug("Tisagenlecleucel", kind="BIOLOGICAL"),
        ],
        [
            arm(
                "Arm A",
                ["Drug: Cyclophosphamide", "Drug: Fludarabine", "Biological: Tisagenlecleucel"],
            )
        ],
    )
    assert "car-t" in tags.categories
    assert "chemotherapy" not in tags.categories
    assert "combination" not in tags.categories


@pytest.mark.parametrize("name", ["Aldesleukin", "Proleukin", "Interleukin-2"])
def test_interleukin_2_by_any_name_supports_infused_cells(name):
    """NCT03745326's shape: interleukin-2 given after engineered T cells supports them, whether
    the record names it by its generic or its brand name."""
    tags = tag(
        [drug(name), drug("anti-KRAS G12D mTCR PBL", kind="BIOLOGICAL")],
        [arm("Arm A", [f"Drug: {name}", "Biological: anti-KRAS G12D mTCR PBL"])],
    )
    assert tags.categories_of(name) == ()
    assert tags.categories_of("anti-KRAS G12D mTCR PBL") == ("immunotherapy",)


# -- the other categories -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("Teclistamab", "DRUG", "immunotherapy"),  # bispecific T-cell engager
        ("Talquetamab", "DRUG", "immunotherapy"),
        ("Glofitamab", "DRUG", "immunotherapy"),
        ("Pembrolizumab", "BIOLOGICAL", "immunotherapy"),
        ("Iberdomide", "DRUG", "immunotherapy"),  # immunomodulatory drug
        ("BCG", "BIOLOGICAL", "immunotherapy"),
        ("Trastuzumab", "DRUG", "targeted-therapy"),
        ("Amivantamab", "BIOLOGICAL", "targeted-therapy"),
        ("Sacituzumab govitecan", "DRUG", "targeted-therapy"),  # antibody-drug conjugate
        ("Zongertinib", "DRUG", "targeted-therapy"),  # -tinib stem, not in the lexicon
        ("Divarasib", "DRUG", "targeted-therapy"),  # -rasib
        ("Selinexor", "DRUG", "targeted-therapy"),  # XPO1 inhibitor
        ("Carfilzomib", "DRUG", "targeted-therapy"),  # -zomib
        ("Paclitaxel", "DRUG", "chemotherapy"),
        ("Fulvestrant", "DRUG", "hormone-therapy"),
        ("Stereotactic body radiation therapy", "RADIATION", "radiation"),
        ("Targeted radiotherapy", "RADIATION", "radiation"),
        ("Radical prostatectomy", "PROCEDURE", "surgery"),
        ("Allogeneic hematopoietic stem cell transplantation", "PROCEDURE", "stem-cell-transplant"),
    ],
)
def test_single_treatments_get_their_category(name, kind, expected):
    tags = single(name, kind=kind)
    assert tags.categories == (expected,), reasons(tags, expected)
    assert tags.evidence_for(expected)[0].reason.startswith(f'{expected}: "')


def test_an_unknown_bispecific_is_an_immunotherapy_by_its_description():
    tags = single("XYZ-123", description="A BCMA x CD3 bispecific T-cell engager given weekly.")
    assert tags.categories == ("immunotherapy",)
    assert "description" in tags.evidence_for("immunotherapy")[0].source


@pytest.mark.parametrize(
    "description",
    [
        "Treatment may include a PD-1 inhibitor.",
        "Standard options SUCH AS a PD-1 inhibitor.",
        "Options include, but are not limited to, a PD-1 inhibitor.",
        "Any approved drug, E.G. a PD-1 inhibitor.",
        "Investigator\u2019s choice of a PD-1 inhibitor or chemotherapy.",
        "Options \u017fuch as a PD-1 inhibitor.",  # a long s reads as s
    ],
)
def test_a_description_listing_options_does_not_say_what_is_given(description):
    assert single("Standard of care", description=description).categories == ()


def test_a_description_naming_one_treatment_says_what_is_given():
    tags = single("Standard of care", description="Patients receive a PD-1 inhibitor.")
    assert tags.categories == ("immunotherapy",)


def test_targeted_radiotherapy_is_radiation_not_targeted_therapy():
    tags = single("Targeted radiotherapy", kind="RADIATION")
    assert "targeted-therapy" not in tags.categories


def test_a_biopsy_is_not_surgery_and_tests_are_not_treatments():
    tags = tag(
        [
            drug("Selpercatinib"),
            drug("Biopsy", kind="PROCEDURE"),
            drug("Biospecimen Collection", kind="PROCEDURE"),
            drug("Magnetic Resonance Imaging", kind="PROCEDURE"),
            drug("Quality-of-Life Assessment", kind="OTHER"),
        ],
        [
            arm(
                "Arm A",
                [
                    "Drug: Selpercatinib",
                    "Procedure: Biopsy",
                    "Procedure: Biospecimen Collection",
                    "Procedure: Magnetic Resonance Imaging",
                    "Other: Quality-of-Life Assessment",
                ],
            )
        ],
    )
    assert tags.categories == ("targeted-therapy",)


def test_drug_stems_are_not_trusted_outside_cancer():
    tags = tag(
        [drug("Tolebrutinib")],
        [arm("Arm A", ["Drug: Tolebrutinib"])],
        conditions=["Relapsing Multiple Sclerosis"],
        title="Tolebrutinib in Multiple Sclerosis",
    )
    assert tags.categories == ()
    assert tags.settings == ()  # settings are about cancer


def test_observational_studies_assign_no_treatment():
    study = make_study(conditions=["Breast Cancer"])
    study["protocolSection"]["designModule"]["studyType"] = "OBSERVATIONAL"
    assert tag_trial(parse_study(study)).categories == ()


# -- combination --------------------------------------------------------------------------


def test_two_drugs_in_one_experimental_arm_are_a_combination():
    tags = tag(
        [drug("Adagrasib"), drug("Pembrolizumab")],
        [arm("Arm A", ["Drug: Adagrasib", "Drug: Pembrolizumab"])],
    )
    assert tags.categories == ("targeted-therapy", "immunotherapy", "combination")
    assert reasons(tags, "combination") == (
        'combination: arm "Arm A" gives adagrasib + pembrolizumab together'
    )


def test_treatments_one_arm_gives_one_after_another_are_a_combination_in_sequence():
    # NCT06712420: "Neoadjuvant chemotherapy followed by surgery" (combination counts two
    # treatments of one group); the evidence does not say they are given together.
    label = "Neoadjuvant chemotherapy followed by surgery"
    tags = tag(
        [drug("Gemcitabine", arms=[label]), drug("Surgery", arms=[label], kind="PROCEDURE")],
        [arm(label, ["Drug: Gemcitabine", "Procedure: Surgery"])],
    )
    assert "combination" in tags.categories
    assert reasons(tags, "combination") == (
        f'combination: arm "{label}" gives gemcitabine + surgery in the same group (its words'
        " say one follows another)"
    )


def test_arm_labels_on_the_interventions_are_enough():
    tags = tag(
        [drug("Iberdomide", arms=["Combo"]), drug("Daratumumab", arms=["Combo"])],
        [arm("Combo", [])],
    )
    assert "combination" in tags.categories


def test_single_agent_arms_compared_with_each_other_are_not_a_combination():
    tags = tag(
        [drug("Entrectinib", arms=["A"]), drug("Crizotinib", arms=["B"])],
        [arm("A", ["Drug: Entrectinib"]), arm("B", ["Drug: Crizotinib"], kind="ACTIVE_COMPARATOR")],
    )
    assert tags.categories == ("targeted-therapy",)


def test_a_combination_in_the_comparator_arm_only_does_not_count():
    tags = tag(
        [
            drug("Trastuzumab deruxtecan", arms=["A"]),
            drug("Carboplatin", arms=["B"]),
            drug("Pemetrexed", arms=["B"]),
        ],
        [
            arm("A", ["Drug: Trastuzumab deruxtecan"]),
            arm("B", ["Drug: Carboplatin", "Drug: Pemetrexed"], kind="ACTIVE_COMPARATOR"),
        ],
    )
    # The chemotherapy is only what the trial compares with, not what it tests.
    assert tags.categories == ("targeted-therapy",)
    assert tags.comparator_categories == ("combination", "chemotherapy")


@pytest.mark.parametrize(
    "partner",
    [
        drug("Placebo"),
        drug("Dexamethasone (or equivalent)", description="Administered as rescue medication"),
        drug("Acetaminophen", description="Premedication before each infusion"),
        drug("Ondansetron"),
        drug("Tumor biopsy", kind="PROCEDURE"),
        drug("Blood draw", kind="PROCEDURE"),
        drug("Questionnaire Administration", kind="OTHER"),
    ],
)
def test_placebo_premedication_supportive_drugs_and_tests_are_not_partners(partner):
    main = drug("Sacituzumab tirumotecan")
    tags = tag(
        [main, partner],
        [arm("Arm A", [f"Drug: {main['name']}", f"{partner['type'].title()}: {partner['name']}"])],
    )
    assert "combination" not in tags.categories
    assert tags.categories == ("targeted-therapy",)


def test_a_drug_with_radiotherapy_named_in_the_arm_description_is_a_combination():
    tags = tag(
        [drug("Bevacizumab")],
        [
            arm(
                "Arm A",
                ["Drug: Bevacizumab"],
                description="Low-dose bevacizumab with standard radiotherapy",
            )
        ],
        conditions=["Diffuse Intrinsic Pontine Glioma"],
    )
    assert tags.categories == ("targeted-therapy", "combination", "radiation")
    assert 'arm "Arm A"' in reasons(tags, "radiation")


def test_a_regimen_is_a_combination_on_its_own():
    tags = tag([drug("FOLFIRINOX")], [arm("Arm A", ["Drug: FOLFIRINOX"])])
    assert tags.categories == ("combination", "chemotherapy")


@pytest.mark.parametrize(
    "description",
    ["A small-molecule inhibitor of KRAS G12D", "An oral inhibitor of mutant EGFR"],
)
def test_an_unnamed_drug_described_as_an_inhibitor_of_a_target_is_targeted(description):
    assert single("XYZ-2", description=description).categories == ("targeted-therapy",)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("225Ac-PSMA-617", "radiation"),  # radioligands named by their isotope
        ("[177Lu]Lu-DOTA-TATE", "radiation"),
        ("Lead-212 VMT-a-NET", "radiation"),
        ("Eltanexor", "targeted-therapy"),  # -nexor: XPO1 inhibitors
        ("Nirogacestat", "targeted-therapy"),  # -gacestat: gamma-secretase inhibitors
        ("Retlirafusp alfa", "immunotherapy"),  # -fusp: immune-directed fusion proteins
        ("TACE", "chemotherapy"),  # transarterial chemoembolization
        ("CAR-macrophage", "immunotherapy"),  # an engineered cell therapy, not CAR T
        ("DEB-TACE with doxorubicin", "chemotherapy"),  # one treatment, not two
    ],
)
def test_new_medicines_are_recognised_by_their_stem_or_isotope(name, expected):
    assert single(name).categories == (expected,)


@pytest.mark.parametrize(
    "name",
    [
        "Izalontamab Brengitecan",  # names this file does not list: antibody + payload
        "Trastuzumab Rezetecan",  # a listed antibody carrying a payload
        "Raludotatug Deruxtecan",
        "Sigvotatug Vedotin",
        "Telisotuzumab Adizutecan",
        "Puxitatug Samrotecan",
    ],
)
def test_an_antibody_drug_conjugate_is_one_targeted_treatment(name):
    tags = single(name)
    assert tags.categories == ("targeted-therapy",)  # not a combination, not a chemotherapy
    assert "antibody-drug conjugate" in reasons(tags, "targeted-therapy")


@pytest.mark.parametrize("name", ["Cetuximab + Irinotecan", "Cetuximab Irinotecan"])
def test_an_antibody_next_to_a_chemotherapy_drug_is_not_a_conjugate(name):
    assert single(name).categories == ("targeted-therapy", "combination", "chemotherapy")


def test_tocilizumab_for_cytokine_release_is_supportive_despite_its_antibody_stem():
    tags = tag(
        [
            drug("Ciltacabtagene autoleucel", kind="BIOLOGICAL"),
            drug("Tocilizumab", description="Given for cytokine release syndrome"),
        ],
        [arm("Arm A", ["Biological: Ciltacabtagene autoleucel", "Drug: Tocilizumab"])],
    )
    assert tags.categories == ("immunotherapy", "car-t")  # no combination
    assert tags.categories_of("Tocilizumab") == ()


@pytest.mark.parametrize(
    ("condition", "description", "combination"),
    [
        ("Multiple Myeloma", "40 mg orally once a week", True),  # Pd: a doublet regimen
        ("Multiple Myeloma", "Premedication before each step-up dose", False),
        ("Non-small Cell Lung Cancer", "40 mg orally once a week", False),  # a supportive drug
    ],
)
def test_dexamethasone_counts_in_a_blood_cancer_regimen(condition, description, combination):
    tags = tag(
        [drug("Pomalidomide"), drug("Dexamethasone", description=description)],
        [arm("Arm A", ["Drug: Pomalidomide", "Drug: Dexamethasone"])],
        conditions=[condition],
        title="Pomalidomide and Dexamethasone",
    )
    assert ("combination" in tags.categories) is combination
    assert tags.categories_of("Dexamethasone") == ()


def test_an_intervention_listed_only_in_a_placebo_arm_gives_no_category():
    tags = tag(
        [drug("Pembrolizumab", arms=["A", "B"]), drug("Olaparib", arms=["A"])],
        [
            arm("A", ["Drug: Pembrolizumab", "Drug: Olaparib"]),
            arm("B", ["Drug: Pembrolizumab"], kind="PLACEBO_COMPARATOR"),
        ],
    )
    assert tags.categories_of("olaparib") == ("targeted-therapy",)
    assert tags.categories_of("Pembrolizumab") == ("immunotherapy",)
    assert tags.categories_of("Unknown drug") == ()


# -- palliative care ----------------------------------------------------------------------


def test_supportive_care_purpose_gives_palliative_care():
    tags = tag(
        [drug("Olanzapine")],
        [arm("Arm A", ["Drug: Olanzapine"])],
        primary_purpose="SUPPORTIVE_CARE",
        title="Olanzapine for Nausea in Patients Receiving Chemotherapy for Cancer",
    )
    assert tags.categories == ("palliative-care",)  # olanzapine is not a cancer treatment
    assert "supportive care" in reasons(tags, "palliative-care")


def test_a_symptom_relief_aim_in_the_title_gives_palliative_care():
    tags = tag(
        [drug("Duloxetine")],
        [arm("Arm A", ["Drug: Duloxetine"])],
        title="Duloxetine for Cancer Pain in Bone Metastases",
    )
    assert "palliative-care" in tags.categories


def test_a_treatment_trial_is_not_palliative_care():
    assert "palliative-care" not in single("Pembrolizumab").categories


@pytest.mark.parametrize(
    ("title", "intervention", "expected"),
    [
        (
            "Single-Fraction Radiotherapy for Painful Bone Metastases",
            drug("8 Gy in one fraction", kind="RADIATION"),
            ("radiation", "palliative-care"),
        ),
        (
            "Yoga to Improve Quality of Life in Breast Cancer Survivors",
            drug("Yoga", kind="BEHAVIORAL"),
            ("palliative-care",),
        ),
        (  # a cancer treatment whose quality of life is measured: not the trial's main aim
            "Quality of Life With Nivolumab Versus Chemotherapy",
            drug("Nivolumab", kind="BIOLOGICAL"),
            ("immunotherapy",),
        ),
    ],
)
def test_palliative_aim_from_the_title(title, intervention, expected):
    label = f"{intervention['type'].title()}: {intervention['name']}"
    tags = tag(
        [intervention],
        [arm("Arm A", [label])],
        title=title,
        official_title="",
        keywords=[],
        criteria="",
        conditions=["Cancer"],
        primary_purpose="TREATMENT",
    )
    assert tags.categories == expected


# -- reading patterns quickly -----------------------------------------------------------

CONTRACT_QUICK = settings(max_examples=60, deadline=None, database=None, derandomize=True)


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        (
            r"\bpremedicat|\b[Hh][12] receptor antagonist|\bG-CSF\b",
            (" receptor antagonist", "g-csf", "premedicat"),
        ),
        (r"\bpre-?conditioning|\blympho-?deplet", ("conditioning", "lympho")),
        (r"\bquality[- ]of[- ]life", ("quality",)),
        (r"(?:PD-?1|CTLA-?4)+ inhibitor", (" inhibitor",)),
        (r"\bpain\b|\w+ectomy", ("ectomy", "pain")),
        (r"\bpain\b|\w+", None),  # the second alternative needs no fixed word
        (r"(?:x|)ray", ("ray",)),
        (r"a?b*[^c]", None),
    ],
)
def test_the_words_a_pattern_needs(pattern, words):
    assert tagging_text.required_words(re.compile(pattern, re.IGNORECASE)) == words


@pytest.mark.parametrize(
    ("pattern", "word_sets"),
    [
        (
            r"\b(?:2nd|3rd|4th)(?: or later)?[ -]lines?\b",
            [("2nd", "3rd", "4th"), (" ", "-"), ("line",)],
        ),
        # A look behind holds no word of the match.
        (
            r"(?<!up to )\bat least (?:one|two) prior\b",
            [("at least ",), ("one", "two"), (" prior",)],
        ),
        (r"\bpain\b|\w+", []),
        (r"(?:x|)ray", [("ray",)]),
    ],
)
def test_each_set_of_words_a_pattern_needs(pattern, word_sets):
    regex = re.compile(pattern, re.IGNORECASE)
    assert tagging_text.required_word_sets(regex) == word_sets
    # The words a pattern is looked for by are the most selective of them.
    most_selective = max(word_sets, key=lambda words: min(map(len, words)), default=None)
    assert tagging_text.required_words(regex) == most_selective


LEADING = [
    (r"(?:key |main )?(?:inclusion|non-inclusion) criteria\b", None),
    (r"abc|de", ("abc", "de")),
    (r"(?:x)?Y\d", ("xy", "y")),
    (r"^(?:(?:key|main)\s+)*exclusion", ("exclusion", "key", "main")),
    (r"ab*c", ("ab", "ac")),
    (r"a\d", ("a",)),
    (r"(?:a|)b", ("ab", "b")),
    (r"\d|x", None),  # a match may start with any digit
    (r"[ab]c", None),
    (r"(?i:ab)c", None),  # inline flags are not read
    (r"(?<!non )ab|(?<=x)c", ("ab", "c")),  # a look behind is a place, not a letter
]


@pytest.mark.parametrize(("pattern", "words"), LEADING)
def test_the_words_every_match_of_a_pattern_starts_with(pattern, words):
    regex = re.compile(pattern, re.IGNORECASE)
    expected = words
    if pattern.startswith("(?:key"):
        prefixes = ("", "key ", "main ")
        expected = tuple(
            sorted(f"{p}{w} criteria" for p in prefixes for w in ("inclusion", "non-inclusion"))
        )
    assert tagging_text.leading_words(regex) == expected


@pytest.mark.parametrize("pattern", [p for p, words in LEADING if words is not None])
@CONTRACT_QUICK
@given(data=st.data())
def test_every_match_starts_with_one_of_the_leading_words(pattern, data):
    regex = re.compile(pattern, re.IGNORECASE)
    words = tagging_text.leading_words(regex)
    assert words is not None
    text = data.draw(st.from_regex(regex, fullmatch=True))
    match = regex.match(text)
    assert match is not None
    lowered = tagging_text.lower(match.group())
    assert lowered.startswith(words) or not lowered.isascii()


@pytest.mark.parametrize(
    "text",
    ["Dexamethasone", "DEXAMETHA\u017fONE", "G-CSF", "G-C\u017fF", "no", "none"],
)
def test_a_guarded_pattern_finds_what_the_pattern_finds(text):
    regex = re.compile(r"\bdexamethasone|\bG-CSF\b|\bno\b", re.IGNORECASE)
    guarded = tagging_text.Guarded(regex)
    assert guarded.words is not None
    assert bool(guarded.search(text)) == bool(regex.search(text))
    assert guarded.search("Cisplatin") is None


# -- reading text quickly -----------------------------------------------------------------
# The tagger splits and searches text with byte tables and plain finds instead of patterns;
# these check that each shortcut reads text exactly as the pattern it stands for.


@pytest.mark.parametrize(
    ("words", "piece"),
    [
        (
            ("inclusion criteria", "key exclusion criteria", "non-inclusion criteria"),
            "clusion criteria",
        ),
        (("abab", "bab"), "bab"),  # held twice by one word
        (("one", "two"), "o"),
        (("no", "yes"), ""),  # nothing shared: each word is looked for
    ],
)
@CONTRACT_QUICK
@given(data=st.data())
def test_word_starts_finds_every_place_a_word_starts(words, piece, data):
    starts = tagging_text.WordStarts(words)
    assert starts.piece == piece
    pieces = st.sampled_from([*words, " ", "x", "a", "b", "ab", "clusion criteria"])
    text = "".join(data.draw(st.lists(pieces, max_size=20)))
    expected = {at for at in range(len(text)) if text.startswith(words, at)}
    assert starts.find(text) == expected


# Letters of both cases, digits and separators, with the letters outside A-Z that lower to
# ASCII ("\u212a", the Kelvin sign), change length when lowered ("İ") or fold oddly ("ſ", "ı").
tricky_text = st.text(
    st.sampled_from(list("aAbBeEhHkKrRsS0129 -/+:\n,.") + ["İ", "ı", "ſ", "\u212a", "é", "≥", "Σ"]),
    max_size=60,
) | st.text(max_size=60)
QUICK = settings(max_examples=300, deadline=None, database=None)


@QUICK
@given(tricky_text)
def test_words_are_the_runs_of_small_letters_and_digits(text):
    lowered = tagging_text.lower(text)
    words, starts = tagging_text.split_words(lowered)
    assert list(zip(words, starts, strict=True)) == [
        (m.group(), m.start()) for m in re.finditer("[a-z0-9]+", lowered)
    ]


@QUICK
@given(tricky_text)
def test_capitalised_words_are_what_the_capitals_pattern_reads(text):
    tokens = set(re.findall("[A-Z][A-Z0-9]+", text))
    words = tagging_text.capital_words(text)
    assert {w for w in words if len(w) >= 2} == tokens
    runs = tagging_text.capital_runs(text)
    # Every capitalised word starts with a run of capitals: the quick look misses none.
    assert all(re.match("[A-Z]+", t).group().encode() in runs for t in tokens)


# -- the quick looks miss nothing ---------------------------------------------------------
# Before a pattern from the data files runs, the tagger looks for its `find` words (treatment
# descriptions, palliative aims; settings and biomarkers have their own test files) and runs it
# only near them. For any phrase each pattern matches, these compare the tags with and without
# those looks: a `find` list that misses a way of writing the phrase fails here.

KNOWLEDGE = lexicon.knowledge()
CONTRACT = settings(max_examples=40, deadline=None, database=None, derandomize=True)


def phrase(pattern: re.Pattern) -> st.SearchStrategy[str]:
    return st.from_regex(pattern, fullmatch=True).filter(lambda text: "\n" not in text)


@pytest.mark.parametrize(
    "pattern", KNOWLEDGE.mechanisms, ids=lambda p: f"{p.category}-{p.means.split()[-1]}"
)
@CONTRACT
@given(data=st.data())
def test_the_quick_looks_for_a_treatment_description_miss_none(pattern, data):
    text = f"Patients receive {data.draw(phrase(pattern.regex))} on day 1"
    clear_caches()
    quick = treatments.find_mechanisms(text, True)
    unguarded = [dataclasses.replace(p, find=()) for p in KNOWLEDGE.mechanisms]
    with mock.patch.object(KNOWLEDGE, "mechanisms", unguarded):
        clear_caches()
        everywhere = treatments.find_mechanisms(text, True)
    clear_caches()
    assert quick == everywhere


@CONTRACT
@given(data=st.data())
def test_the_quick_look_for_a_palliative_aim_misses_none(data):
    title = f"A Study of {data.draw(phrase(KNOWLEDGE.palliative))} in Lung Cancer"
    quick = eligible("", title=title).categories
    with mock.patch.object(KNOWLEDGE, "palliative_words", ("",)):
        everywhere = eligible("", title=title).categories
    assert "palliative-care" in everywhere
    assert quick == everywhere


# -- the data and the contract ------------------------------------------------------------


def test_every_category_has_a_one_sentence_explanation():
    assert tuple(CATEGORIES) == CATEGORY_NAMES
    for name, text in CATEGORIES.items():
        assert text.endswith(".") and text.count(". ") == 0, name


@needs_shared
def test_remembered_names_give_the_same_tags_as_fresh_ones():
    trials = [parse_study(json.loads(p.read_text(encoding="utf-8"))) for p in real_record_paths()]
    clear_caches()
    fresh = [tag_trial(trial) for trial in trials]
    assert any(tags.categories for tags in fresh)
    assert [tag_trial(trial) for trial in trials] == fresh  # every name is remembered now
    clear_caches()
    assert [tag_trial(trial) for trial in reversed(trials)] == fresh[::-1]


def test_tagging_is_deterministic_and_records_are_plain_data():
    study = make_study(
        interventions=[drug("Teclistamab"), drug("Daratumumab")],
        arm_groups=[arm("Arm A", ["Drug: Teclistamab", "Drug: Daratumumab"])],
    )
    first, second = tag_trial(parse_study(study)), tag_trial(parse_study(study))
    assert first == second
    assert first.settings == ("refractory", "relapsed")
    assert all(
        set(e.as_dict()) == {"tag", "kind", "source", "text", "matched", "reason"}
        for e in first.evidence
    )


# -- measured accuracy on the real records ------------------------------------------------


def _eval_module():
    import tagging_eval

    return tagging_eval


def test_labels_are_well_formed():
    module = _eval_module()
    labels = module.load_labels()
    assert len(labels) >= 200
    for nct_id, by_category in labels.items():
        assert set(by_category) == set(CATEGORY_NAMES), nct_id
        for label, reason in by_category.values():
            assert label in {"yes", "no", "ambiguous"} and reason, nct_id


@needs_shared
def test_held_out_accuracy_meets_the_goals():
    module = _eval_module()
    results = module.evaluate(SHARED / "records")
    assert results is not None
    for category, score in results.categories["held-out"].items():
        if score.n == 0:  # no positive example among the records (car-t, transplants)
            assert score.fp == 0, category
            continue
        goal = module.GOALS.get(category, module.DEFAULT_GOAL)
        assert score.f1 >= goal, (category, score)


def test_comparator_labels_are_well_formed():
    module = _eval_module()
    labels = module.load_labels()
    comparators = module.load_comparator_labels()
    assert comparators
    for (nct_id, category), reason in comparators.items():
        assert nct_id in labels and reason
        # comparator-only means not among the tested categories
        assert labels[nct_id][category][0] != "yes", (nct_id, category)


def test_a_score_counts_and_divides():
    score = _eval_module().Score()
    assert [score.count(*pair) for pair in [(1, 1), (1, 0), (0, 1), (0, 0)]] == ["", "FP", "FN", ""]
    assert (score.tp, score.fp, score.fn, score.n) == (1, 1, 1, 2)
    assert score.precision == score.recall == score.f1 == 0.5


@needs_shared
def test_the_evaluation_prints_every_category_and_the_comparators(capsys, monkeypatch):
    module = _eval_module()
    monkeypatch.setenv("TRIALFINDER_SHARED_DIR", str(SHARED))
    monkeypatch.setattr(sys, "argv", ["tagging_eval.py", "--errors", "dev"])
    assert module.main() == 0
    printed = capsys.readouterr().out
    assert printed.count("comparator categories") == 2  # dev and held-out
    assert printed.count("targeted-therapy") >= 2
    assert "mistakes (dev):" in printed
    results = module.evaluate(SHARED / "records")
    assert results.comparators["dev"].n + results.comparators["held-out"].n == len(
        module.load_comparator_labels()
    )


@needs_shared
def test_the_speed_benchmark_prints_its_figures(capsys, monkeypatch):
    import tagging_speed as module

    monkeypatch.setenv("TRIALFINDER_SHARED_DIR", str(SHARED))
    monkeypatch.setattr(sys, "argv", ["tagging_speed.py", "50", "--stages"])
    assert module.main() == 0
    printed = capsys.readouterr().out
    assert "50 trials (242 distinct records)" in printed
    assert "cold:" in printed and "warm:" in printed
    assert re.search(r"biomarkers +\d+\.\d{3} s", printed)


@pytest.mark.parametrize("category", ["surgery", "radiation"])
def test_surgery_and_radiation_are_explained_for_trials_of_other_illnesses_too(category):
    """Trials not about cancer are tagged surgery or radiation too (NCT06643676, a dental
    microsurgery): the category's explanation does not say it is always against cancer."""
    assert "another illness" in CATEGORIES[category]


def test_a_marker_of_an_item_for_one_disease_holds_for_people_with_that_disease_only():
    criteria = (
        "Inclusion Criteria:\n\n* Colorectal cancer: metastatic disease with KRAS G12C mutation\n"
        "* Pancreatic cancer: metastatic disease\n\nExclusion Criteria:\n\n* Pregnancy"
    )
    both = tag_trial(
        parse_study(
            make_study(
                criteria=criteria, conditions=["Colorectal Cancer", "Pancreatic Cancer"], title="X"
            )
        )
    )
    assert not [r for r in both.requirements if r.kind.startswith("biomarker")]
    assert [(r.kind, r.values, r.scope) for r in both.scoped_requirements] == [
        ("biomarker-required", ("KRAS G12C",), ("colorectal cancer",))
    ]
    # A trial for that disease only: the rule holds for everyone in it.
    one = tag_trial(
        parse_study(make_study(criteria=criteria, conditions=["Colorectal Cancer"], title="X"))
    )
    assert [(r.kind, r.values) for r in one.requirements if r.kind.startswith("biomarker")] == [
        ("biomarker-required", ("KRAS G12C",))
    ]


# NCT05786924: "Acquired Resistance to KRAS G12C Inhibitor" is one of its conditions; only its
# part with KRAS G12C ("Part 2A4") had such an inhibitor, the others have other mutations.
_PARTS = (
    "Inclusion Criteria:\n\n* Metastatic solid tumors with RAS or RAF mutations\n\n"
    "Part 1 Dose Escalation cohort ONLY:\n\n* Part 1A: NSCLC with KRAS non-G12C mutations\n"
    "* Part 2A4: NSCLC with a KRAS G12C mutation\n"
)


@pytest.mark.parametrize(
    ("criteria", "known_for_all"),
    [
        (_PARTS, False),
        # Without parts, a condition names whom the whole trial is for.
        ("Inclusion Criteria:\n\n* NSCLC with a KRAS G12C mutation\n", True),
        # Asked of everyone by a criterion, it is the trial's setting whatever the parts.
        (_PARTS.replace("* Metastatic", "* Resistance to a KRAS G12C inhibitor\n* M"), True),
    ],
)
def test_a_setting_named_only_in_a_condition_of_a_trial_with_parts_is_not_known_for_all(
    criteria, known_for_all
):
    conditions = ["Non-small Cell Lung Cancer", "Acquired Resistance to KRAS G12C Inhibitor"]
    tags = tag(
        [drug("Drug X")],
        title="Drug X in RAS-mutant Cancers",
        summary="Drug X in people with RAS-mutant cancers.",
        conditions=conditions,
        criteria=criteria,
    )
    assert "resistant" in tags.settings
    assert tags.untreated_too is not known_for_all


# NCT05438667: the criteria ask for treated disease only of people with some cancers; the
# others may join when no standard treatment exists.
_BY_DISEASE = (
    "Inclusion Criteria:\n\n"
    "1. Advanced solid tumors who have failed standard treatment, are intolerant to standard"
    " treatment, or for whom no standard treatment exists.\n"
    "2. Pancreatic cancer: Recurrent/metastatic pancreatic cancer that has failed at least one"
    " prior systemic therapy;\n"
    "3. Other tumors: Other advanced solid tumors that have failed standard treatment, or for"
    " which no standard treatment exists;\n"
)


@pytest.mark.parametrize(
    ("criteria", "known_for_all"),
    [
        (_BY_DISEASE, False),
        (_BY_DISEASE + "4. Must have failed at least one prior systemic therapy\n", True),
    ],
)
def test_a_setting_asked_only_of_people_with_some_diseases_is_not_known_for_all(
    criteria, known_for_all
):
    tags = tag(
        [drug("Drug X")],
        title="TCR-T Cell Therapy on Advanced Solid Tumors",
        summary="Drug X in solid tumors.",
        conditions=["Pancreatic Cancer"],
        criteria=criteria,
    )
    assert "refractory" in tags.settings
    assert tags.untreated_too is not known_for_all
