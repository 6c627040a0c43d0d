"""Biomarkers a patient must have and must not have, read with the context rules, and the
biomarker requirements they come from (alternatives kept, each with its item and cohort)."""

from __future__ import annotations

import re
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trialfinder.model import parse_study
from trialfinder.tagging import (
    biomarker_matches,
    biomarkers,
    lexicon,
    normalize_biomarker,
    tag_trial,
)

from conftest import load_real_record, needs_shared
from factories import make_study

KNOWLEDGE = lexicon.knowledge()


@pytest.mark.parametrize(
    ("marker", "text", "left_out"),
    [
        ("KRAS", "NSCLC with KRAS non-G12C mutations", "G12C"),
        ("KRAS", "NSCLC with KRAS non G12C or BRAF mutations", "G12C"),
        ("KRAS", "KRAS mutation (other than G12C)", ""),  # (a word between: not right after)
        ("KRAS", "KRAS (other than G12C) mutation", "G12C"),
        ("KRAS", "KRAS G12C mutation", ""),
        ("BRAF", "NSCLC with KRAS non-G12C or BRAF mutations", ""),
    ],
)
def test_a_change_left_out_right_after_a_marker(marker, text, left_out):
    assert biomarkers.left_out_variant(marker, text) == left_out


def eligible(criteria, title="Drug X in Lung Cancer", conditions=("Non-small Cell Lung Cancer",)):
    study = make_study(
        title=title,
        criteria=criteria,
        conditions=list(conditions),
        interventions=[{"type": "DRUG", "name": "X", "armGroupLabels": ["Arm A"]}],
        arm_groups=[{"label": "Arm A", "type": "EXPERIMENTAL", "interventionNames": ["Drug: X"]}],
    )
    return tag_trial(parse_study(study))


def included(line):
    return eligible(f"Inclusion Criteria:\n\n* {line}\n\nExclusion Criteria:\n\n* None")


def marker_rules(tags):
    return [
        (r.kind, r.values, r.section, r.cohort)
        for r in tags.requirements
        if r.kind.startswith("biomarker")
    ]


def test_biomarker_with_variant_from_the_inclusion_criteria():
    tags = eligible(
        "Inclusion Criteria:\n\n* Documented KRAS G12C mutation in tumour tissue\n"
        "* MSI-H or dMMR status\n\nExclusion Criteria:\n\n* Known EGFR mutation"
    )
    assert tags.biomarkers == ("KRAS G12C", "MSI-H/dMMR")
    # An exclusion criterion rules the marker out (this was not read before).
    assert tags.excluded_biomarkers == ("EGFR",)
    [evidence] = tags.evidence_for("KRAS G12C")
    assert evidence.source == "inclusion criteria" and "KRAS G12C mutation" in evidence.text
    [evidence] = tags.evidence_for("EGFR")
    assert evidence.source == "exclusion criteria" and "leaves out" in evidence.reason


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("HER2-positive metastatic breast cancer (IHC 3+)", ("HER2",)),
        ("HER2-negative breast cancer", ()),
        ("HR+/HER2- breast cancer", ("HR+",)),
        ("Progression on a prior EGFR TKI", ()),  # a drug class, not the patient's marker
        ("No prior treatment with a KRAS G12C inhibitor", ()),
        ("KRAS wild-type colorectal cancer", ()),
        # The result written before the marker: read only when nothing after it says so.
        ("Activating mutation in EGFR", ("EGFR",)),
        ("Documented mutated KRAS", ("KRAS",)),
        ("ALK rearrangement or ROS1 fusion confirmed by a local test", ("ALK", "ROS1")),
        ("Germline BRCA1 or BRCA2 mutation", ("BRCA1", "BRCA2")),
        ("BRAF V600E mutation", ("BRAF V600E",)),
        ("FLT3-ITD or IDH1 mutated AML", ("FLT3", "IDH1")),
        ("MET exon 14 skipping mutation", ("MET exon 14",)),
        ("Patients who met all criteria", ()),  # the gene MET is written in capitals
        ("Absence of sensitising EGFR mutations, and ALK and ROS1 rearrangements", ()),
        ("Prior standard therapy, including PARP inhibitors (for BRCA mutants)", ()),
        ("Tumour meets pathologic criteria for HER2 negativity", ()),
        ("Provision of a tumour sample to assess PD-L1 expression", ()),  # measured only
        ("PD-L1 TPS >= 50% by a local test", ("PD-L1",)),
        ("AKT1 E17K mutation", ("AKT1 E17K",)),
        ("PTEN loss by immunohistochemistry", ("PTEN",)),
        ("PTEN wild-type tumour", ()),
        ("STK11 or KEAP1 mutation", ("STK11", "KEAP1")),
        ("JAK2 V617F-positive myelofibrosis", ("JAK2 V617F",)),
        ("CALR mutation", ("CALR",)),
        ("Prior therapy with a JAK2 inhibitor", ()),
        ("High-grade B-cell lymphoma with MYC and BCL2 rearrangements", ("MYC", "BCL2")),
        ("Prior treatment with a BCL-2 inhibitor", ()),
        ("TMB-high (at least 10 mutations per megabase)", ("TMB-H",)),
        ("Tumour mutational burden (TMB) >= 10 mut/Mb", ("TMB-H",)),
        ("TMB will be measured centrally", ()),
        ("HPV-positive oropharyngeal cancer", ("HPV+",)),
        ("HPV-negative head and neck cancer", ()),
        ("Patients will be stratified by PIK3CA status", ()),  # any status may take part
        ("Eligible regardless of PD-L1 expression", ()),
        ("Known EGFR, ALK or ROS1 alterations are not eligible", ()),
        ("Tumours with KRAS, NRAS or BRAF mutations", ("KRAS", "NRAS", "BRAF")),
        (
            "Tumours with KRAS, HRAS, NRAS, BRAF, and/or CRAF mutations",
            ("KRAS", "HRAS", "NRAS", "BRAF", "RAF1"),  # CRAF is RAF1
        ),
        ("JAK2, CALR or MPL mutation", ("JAK2", "CALR", "MPL")),
        # A variant in brackets is the marker's (NCT06119581: "BRAF (V600E)").
        ("Tumours with a BRAF (V600E) mutation", ("BRAF V600E",)),
        ("KRAS (G12C) mutant NSCLC", ("KRAS G12C",)),
        # Each of the three, not the first: NTRK.
        ("NTRK1/2/3 gene fusion", ("NTRK",)),
        ("neurotrophic tyrosine receptor kinase (NTRK)1/2/3 fusion", ("NTRK",)),
        ("ER-positive, HER2-negative breast cancer", ("HR+",)),  # the negative is HER2's
        ("Estrogen receptor positive breast cancer", ("HR+",)),  # phrases in any case
        ("Mismatch repair deficient colorectal cancer", ("MSI-H/dMMR",)),
        ("KRAS, NRAS and BRAF wild-type", ()),
        ("BRCA status must be known", ()),  # any status may take part
        ("METex14 skipping mutation", ("MET exon 14",)),
        ("EGFR exon19 deletion", ("EGFR exon 19",)),
        ("FGFR2b overexpression", ("FGFR2b",)),
        # Target antigens the criteria require
        ("CD19-positive disease", ("CD19",)),
        ("BCMA-expressing multiple myeloma", ("BCMA",)),
        ("PSMA-positive prostate cancer on PET", ("PSMA",)),
        ("MAGE-A4 expression by IHC", ("MAGE-A4",)),
        ("Claudin 18.2 positive gastric cancer", ("CLDN18.2",)),
        ("CD20, CD22 or CD30 expressing lymphoma", ("CD20", "CD22", "CD30")),
        ("CD33-positive AML", ("CD33",)),
        ("Myeloma with CD38 expression", ("CD38",)),
        ("GPRC5D expression on myeloma cells", ("GPRC5D",)),
        ("DLL3-positive small cell lung cancer", ("DLL3",)),
        ("TROP2 high expression", ("TROP2",)),
        ("B7-H3 expressing solid tumour", ("B7-H3",)),
        ("GPC3-positive hepatocellular carcinoma", ("GPC3",)),
        ("NY-ESO-1 positive synovial sarcoma", ("NY-ESO-1",)),
        ("Mesothelin-expressing mesothelioma", ("mesothelin",)),
        ("HLA-A*02:01 positive", ("HLA-A*02:01",)),
        # ... and antigens named as a drug's target only
        ("Prior CD19-directed CAR-T therapy", ()),
        ("Prior anti-BCMA therapy", ()),
        ("Previous treatment with a CD38 monoclonal antibody", ()),
    ],
)
def test_biomarkers_need_the_patient_to_have_them(line, expected):
    assert included(line).biomarkers == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("EGFR wild-type", ("EGFR",)),
        ("ALK negative", ("ALK",)),
        ("Documented absence of EGFR sensitizing mutations and ALK rearrangement", ("EGFR", "ALK")),
        (
            "Absence of sensitising EGFR mutations, and ALK and ROS1 rearrangements",
            ("EGFR", "ALK", "ROS1"),
        ),
        ("HER2-negative breast cancer", ("HER2",)),
        ("HR+/HER2- breast cancer", ("HER2",)),
        ("Triple-negative breast cancer", ("HER2", "HR+")),
        ("KRAS, NRAS and BRAF wild-type", ("KRAS", "NRAS", "BRAF")),
        ("Local testing of ALK with no ALK rearrangement", ("ALK",)),
        ("Patients with no EGFR, ALK or ROS1 alteration", ("EGFR", "ALK", "ROS1")),
        # Nothing ruled out
        ("Either BRAF-mutant or BRAF wild-type tumors are eligible", ()),
        ("Eligible regardless of EGFR mutation status", ()),
        ("Stratified by KRAS status", ()),
        ("Irrespective of ALK status", ()),
        ("EGFR mutation status must be known", ()),
        ("Must agree to be tested for ALK rearrangement", ()),
        ("HER2-low breast cancer", ()),
        ("ER-positive, HER2-positive breast cancer", ()),
    ],
)
def test_biomarkers_a_patient_must_not_have(line, expected):
    assert included(line).excluded_biomarkers == expected


def test_an_exclusion_criterion_rules_a_marker_out():
    tags = eligible(
        "Inclusion Criteria:\n\n* Metastatic colorectal cancer\n\n"
        "Exclusion Criteria:\n\n* Known BRAF V600E mutation\n"
        "* Prior therapy for HER2-positive disease\n"  # the disease treated, not a rule
        "* Prior EGFR inhibitor\n"
    )
    assert tags.biomarkers == ()
    assert tags.excluded_biomarkers == ("BRAF V600E",)
    assert marker_rules(tags) == [
        ("biomarker-excluded", ("BRAF V600E",), "exclusion", ""),
    ]


@pytest.mark.parametrize(
    ("line", "groups"),
    [
        (
            "EGFR exon 19 deletion or exon 21 L858R mutation",
            [("EGFR exon 19", "EGFR L858R")],
        ),
        ("KRAS G12C or G12D mutation", [("KRAS G12C", "KRAS G12D")]),
        # A hyphen between the gene and its variant (NCT06898385).
        ("KRAS-G12V mutation", [("KRAS G12V",)]),
        ("BRAF-V600E mutant melanoma", [("BRAF V600E",)]),
        # A test's result in a sample is no sample for a test (NCT06898385).
        ("Patients with tumor tissue tested positive for KRAS G12V mutation", [("KRAS G12V",)]),
        ("Germline BRCA1 or BRCA2 mutation", [("BRCA1", "BRCA2")]),
        ("NTRK1, NTRK2 or NTRK3 gene fusion", [("NTRK1", "NTRK2", "NTRK3")]),
        ("ALK rearrangement or ROS1 fusion", [("ALK", "ROS1")]),
        # Both are required: two requirements
        ("High-grade B-cell lymphoma with MYC and BCL2 rearrangements", [("MYC",), ("BCL2",)]),
        ("ER-positive and PIK3CA-mutated breast cancer", [("HR+",), ("PIK3CA",)]),
        # A slash after each marker's own result joins markers that are each required
        # (NCT05296798); a slash between bare names offers either.
        (
            "Human epidermal growth factor receptor 2 (HER2)-positive/estrogen receptor "
            "(ER)-positive adenocarcinoma of the breast",
            [("HER2",), ("HR+",)],
        ),
        ("Patients with positive oncogene mutation status (EGFR/ALK)", [("EGFR", "ALK")]),
        ("EGFR/ALK-positive non-small cell lung cancer", [("EGFR", "ALK")]),
        # A second name in brackets does not end the list (NCT05786924 Part 1E).
        (
            "Solid tumors with KRAS, HRAS, NRAS, BRAF, CRAF (RAF1) mutations or alterations",
            [("KRAS", "HRAS", "NRAS", "BRAF", "RAF1")],
        ),
        # "ROS" beside ALK is ROS1 (NCT05277844): no alternative is cut.
        (
            "Patients with positive oncogene driver mutation (EGFR or ALK/ROS)",
            [("EGFR", "ALK", "ROS1")],
        ),
        # The same in capitals (NCT05236946, NCT05277844): "MUTATION" is no marker of the list.
        ("PATIENTS WITH POSITIVE ONCOGENE MUTATION STATUS (EGFR/ALK)", [("EGFR", "ALK")]),
        (
            "PATIENTS WITH POSITIVE ONCOGENE DRIVER MUTATION (EGFR OR ALK/ROS)",
            [("EGFR", "ALK", "ROS1")],
        ),
        # The result after the list in capitals (NCT05786924 Part 1D).
        (
            "COLORECTAL ADENOCARCINOMA WITH KRAS, HRAS, NRAS, BRAF, AND/OR CRAF (RAF1) MUTATIONS"
            " OR ALTERATIONS",
            [("KRAS", "HRAS", "NRAS", "BRAF", "RAF1")],
        ),
    ],
)
def test_alternatives_are_one_requirement_either_satisfies(line, groups):
    tags = included(line)
    rules = [r for r in tags.requirements if r.kind == "biomarker-required"]
    assert [r.values for r in rules] == groups
    assert all(r.rule == "any-of" and r.text == line and r.section == "inclusion" for r in rules)
    assert set(tags.biomarkers) == {value for group in groups for value in group}


def test_a_marker_required_in_one_part_has_that_cohort():
    tags = eligible(
        "Inclusion Criteria:\n\n* Advanced solid tumour\n"
        "* Part A: KRAS G12C mutation\n* Part B: HER2-negative, ER-positive breast cancer\n"
    )
    assert marker_rules(tags) == [
        ("biomarker-required", ("KRAS G12C",), "inclusion", "Part A"),
        ("biomarker-required", ("HR+",), "inclusion", "Part B"),
        ("biomarker-excluded", ("HER2",), "inclusion", "Part B"),
    ]
    assert tags.biomarkers == ("KRAS G12C", "HR+") and tags.excluded_biomarkers == ("HER2",)


def test_the_markers_of_the_tags_are_those_of_the_requirements_and_titles():
    tags = eligible(
        "Inclusion Criteria:\n\n* EGFR exon 19 deletion or L858R\n* ALK negative\n",
        title="Drug X in PD-L1 Positive NSCLC",
    )
    from_rules = {v for r in tags.requirements if r.kind == "biomarker-required" for v in r.values}
    assert set(tags.biomarkers) == from_rules | {"PD-L1"}
    assert tags.evidence_for("PD-L1")[0].source == "title"
    assert set(tags.excluded_biomarkers) == {
        v for r in tags.requirements if r.kind == "biomarker-excluded" for v in r.values
    }


def test_a_marker_asked_for_and_ruled_out_in_one_criterion_is_neither():
    tags = included("ER+/HER2- or triple-negative breast cancer")
    assert "HR+" not in tags.biomarkers and "HR+" not in tags.excluded_biomarkers
    assert tags.excluded_biomarkers == ("HER2",)


@pytest.mark.parametrize(
    "line", ["EGFR mutation is not required", "Documented KRAS G12C mutation is not mandatory"]
)
def test_a_marker_said_not_to_be_required_is_neither_asked_for_nor_ruled_out(line):
    tags = included(line)
    assert tags.biomarkers == () and tags.excluded_biomarkers == ()
    assert marker_rules(tags) == []


@pytest.mark.parametrize(
    "line",
    [
        "HER2-low (IHC 1+ or IHC 2+/ISH-negative) metastatic breast cancer",
        "HER2 Low metastatic breast cancer",
        "HER2-ultralow breast cancer",
    ],
)
def test_her2_low_disease_neither_asks_for_her2_nor_rules_it_out(line):
    tags = included(line)
    assert "HER2" not in tags.biomarkers and "HER2" not in tags.excluded_biomarkers
    assert included(line + "; HER2-positive disease is not eligible").excluded_biomarkers == (
        "HER2",
    )


@pytest.mark.parametrize(
    "line", ["HER2 IHC 0", "HER2 (IHC 0)", "HER2 IHC 1+ or 2+/ISH-negative", "HER2 IHC 2+ or 1+"]
)
def test_a_her2_score_below_positive_does_not_ask_for_her2(line):
    """Not "Your cancer must have this marker: HER2" for a HER2-zero or HER2-low trial."""
    tags = included(line)
    assert "HER2" not in tags.biomarkers and marker_rules(tags) == []


def test_a_her2_score_below_positive_near_the_last_one_does_not_ask_for_her2():
    """NCT04482309 said "In one part of the trial (Cohort E), your cancer must have this marker:
    HER2" of "cervical cancer that is HER2 IHC 2+ or 1+", like Cohort D before it: the look for
    the first mention reached the second and ended before its score."""
    tags = included(
        "Cohort D: Metastatic or advanced ovarian cancer that is HER2 IHC 2+ or 1+.\n"
        "* Cohort E: Metastatic or advanced solid cervical cancer that is HER2 IHC 2+ or 1+."
    )
    assert tags.biomarkers == () and marker_rules(tags) == []


@pytest.mark.parametrize("line", ["HER2 IHC 3+ or ISH amplified", "HER2 IHC 2+/ISH+"])
def test_a_her2_positive_score_asks_for_her2(line):
    assert included(line).biomarkers == ("HER2",)


@pytest.mark.parametrize(
    "line",
    [
        "Tumor must be PD-L1 positive (TPS >= 1%) or PD-L1 status unknown",
        "PD-L1 positive or PD-L1 status unknown",
        "Absence of EGFR mutation is not required",
        # A status to be found out (NCT07040059, NCT06350097).
        "Patients who have not undergone HER2 testing must be willing and able to provide an"
        " adequate archived tumor tissue sample or a fresh tumor tissue sample to confirm HER2"
        " status.",
        "Provision of a tumour tissue sample sufficient to allow for central confirmation of the"
        " EGFR mutation status.",
    ],
)
def test_a_marker_or_an_unknown_result_or_its_absence_not_required_says_nothing(line):
    tags = included(line)
    assert tags.biomarkers == () and tags.excluded_biomarkers == ()


def excluding(line):
    return eligible(f"Inclusion Criteria:\n\n* Adults\n\nExclusion Criteria:\n\n* {line}")


@pytest.mark.parametrize(
    "line",
    [
        "EGFR mutation other than exon 19 deletion or L858R",
        "HER2-positive breast cancer patients who have not received trastuzumab",
    ],
)
def test_an_exclusion_narrowed_after_the_marker_rules_out_no_marker(line):
    """Exon 19 and L858R are the mutations this trial keeps; HER2-positive patients who had
    trastuzumab may join."""
    tags = excluding(line)
    assert tags.excluded_biomarkers == () and marker_rules(tags) == []


def test_a_marker_asked_for_but_for_a_variant_is_asked_for_as_the_marker():
    assert included("EGFR mutation other than exon 20 insertion").biomarkers == ("EGFR",)
    assert excluding("Tumors harboring EGFR exon 20 insertions").excluded_biomarkers == (
        "EGFR exon 20",
    )


def test_a_marker_of_one_of_the_kinds_that_may_join_is_not_asked_of_everyone():
    text = (
        "Inclusion Criteria:\n\n- Large B-cell lymphoma including:\n\n"
        "i) Diffuse large B-cell lymphoma\n\n"
        "ii) High-grade B-cell lymphoma, with MYC and BCL2 rearrangements\n"
    )
    tags = eligible(text, title="Drug X in Lymphoma", conditions=("Lymphoma",))
    assert tags.biomarkers == () and marker_rules(tags) == []
    # (nor of people with a lymphoma: the list names no disease the others are not)
    assert tags.scoped_requirements == ()


@pytest.mark.parametrize(
    "lead",
    [
        # NCT03983954: a breast cancer of the list must be HER2-negative, not an ovarian one
        "Histologically confirmed solid tumor from the following list, that is metastatic:",
        "Solid tumor meeting one or more of the following:",
    ],
)
def test_a_marker_of_one_tumour_type_of_a_list_is_not_asked_of_everyone(lead):
    text = (
        f"Inclusion Criteria:\n\n* {lead}\n\n  * Pancreatic adenocarcinoma\n"
        "  * High-grade serous ovarian cancer\n  * ER+/HER2- or triple-negative breast cancer\n"
    )
    tags = eligible(text, title="Drug X in Solid Tumors", conditions=("Solid Tumor",))
    assert tags.excluded_biomarkers == () and marker_rules(tags) == []
    # ... but of people with breast cancer: the breast cancers of the list are HER2-negative
    assert [(r.kind, r.values, r.scope) for r in tags.scoped_requirements] == [
        ("biomarker-excluded", ("HER2",), ("breast cancer",))
    ]


def test_a_marker_asked_for_in_one_part_named_after_it_is_not_asked_of_everyone():
    tags = included("Patients with KRAS G12C mutation are eligible only in Cohort A")
    assert tags.biomarkers == () and marker_rules(tags) == []
    assert included("Patients with KRAS G12C mutation are eligible").biomarkers == ("KRAS G12C",)


@pytest.mark.parametrize(
    "line",
    [
        "HER2 status: positive or negative",
        "HER2 positive or negative",
        "HER2 positive/negative",
        "HER2 positive and/or negative",
        "KRAS mutant or wild-type",
        "BRCA1/2 mutation status: mutated or wild-type",
        "PD-L1 positive or negative tumors are eligible",
        "EGFR mutation-positive or -negative",
        "HER2 positive or HER2 low",
    ],
)
def test_a_marker_whose_both_results_are_welcome_selects_no_one(line):
    tags = included(line)
    assert tags.biomarkers == () and tags.excluded_biomarkers == ()
    assert marker_rules(tags) == []


def test_one_result_after_a_colon_is_still_asked_for():
    assert included("HER2 status: positive").biomarkers == ("HER2",)
    assert included("HER2 status: negative").excluded_biomarkers == ("HER2",)


@pytest.mark.parametrize(
    "line",
    [
        "HER2-positive or triple-negative breast cancer",
        "Triple-negative or HER2-positive breast cancer",
        "KRAS wild-type or KRAS G12C-mutant colorectal cancer",
        # the cancer named after each way in: HR+ was ruled out for everyone
        "Triple negative breast cancer or HER2 positive breast cancer",
        # a way in read as no rule of its own: HER2 was asked of everyone
        "ER negative and PR negative, or HER2 positive breast cancer",
        # both results, the cancer named after each: HER2 was asked, and a HER2-low cancer
        # was told "Not for you"
        "HER2-positive breast cancer or HER2-low breast cancer",
        # (the first mention read as both results, the second was left ruling KRAS out)
        "KRAS mutant tumors or KRAS wild-type tumors",
    ],
)
def test_alternatives_of_both_kinds_neither_ask_for_nor_rule_out(line):
    """A HER2-positive patient with hormone receptors joins "HER2-positive or triple-negative":
    neither HER2 nor the hormone receptors are asked for or ruled out."""
    tags = included(line)
    assert tags.biomarkers == () and tags.excluded_biomarkers == ()


@pytest.mark.parametrize(
    "line, required, excluded",
    [
        ("ER+ or PR+, HER2-negative breast cancer", ("HR+",), ("HER2",)),
        ("ER+ and/or PR+ and HER2- breast cancer", ("HR+",), ("HER2",)),
        ("HR-positive, HER2-negative breast cancer", ("HR+",), ("HER2",)),
        ("No EGFR or ALK alteration", (), ("EGFR", "ALK")),
    ],
)
def test_what_follows_alternatives_holds_for_each(line, required, excluded):
    tags = included(line)
    assert (tags.biomarkers, tags.excluded_biomarkers) == (required, excluded)


@pytest.mark.parametrize(
    "line",
    [
        "Patients whose tumors harbor EGFR mutations must have progressed on osimertinib",
        "Participants with EGFR, ALK or ROS1 genomic aberrations must have had disease "
        "progression on approved targeted therapy",
        "Patients with HER2-positive disease must have received trastuzumab",
    ],
)
def test_a_rule_for_the_patients_with_a_marker_does_not_ask_everyone_for_it(line):
    tags = included(line)
    assert tags.biomarkers == () and marker_rules(tags) == []
    # ... and what they must have had is not asked of everyone either.
    assert not [r for r in tags.requirements if r.kind.startswith(("prior-", "refractory"))]


def test_the_patients_a_trial_is_for_are_still_read_as_such():
    line = "Patients with known EGFR mutation who have progressed on osimertinib"
    assert included(line).biomarkers == ("EGFR",)
    assert included("Patients must have EGFR mutation").biomarkers == ("EGFR",)


def test_a_marker_named_only_among_the_keywords_is_not_asked_for():
    """Keywords name what a study is about: NCT06065748's "ESR1 mutation" names its subgroups,
    and its criteria take both ("ESR1m versus ESR1nmd")."""
    study = make_study(
        title="Drug X in Breast Cancer",
        criteria="Inclusion Criteria:\n\n* Advanced breast cancer",
        conditions=["Breast Cancer"],
    )
    study["protocolSection"]["conditionsModule"]["keywords"] = ["ESR1 mutation"]
    assert tag_trial(parse_study(study)).biomarkers == ()
    study["protocolSection"]["identificationModule"]["briefTitle"] = "Drug X in ESR1-Mutant Cancer"
    assert tag_trial(parse_study(study)).biomarkers == ("ESR1",)


def test_markers_listed_with_commas_only_are_alternatives():
    """NCT05786924 Part 1E: not "must have KRAS", "must have HRAS", ... one after another."""
    line = "Solid tumors with KRAS, HRAS, NRAS, BRAF, CRAF (RAF1) mutations or alterations"
    assert marker_rules(included(line)) == [
        ("biomarker-required", ("KRAS", "HRAS", "NRAS", "BRAF", "RAF1"), "inclusion", "")
    ]
    both = marker_rules(included("High-grade lymphoma with MYC and BCL2 rearrangements"))
    assert [values for _, values, _, _ in both] == [("MYC",), ("BCL2",)]


@pytest.mark.parametrize(
    ("section", "line", "excluded"),
    [
        # NCT06662786: "must not have a change in this gene: BRAF" dropped KRAS and NRAS.
        (
            "inclusion",
            "Be diagnosed to have Kirsten rat sarcoma viral oncogene (KRAS), neuroblastoma RAS"
            " viral oncogene homolog (NRAS), and v-raf murine sarcoma viral oncogene homolog B"
            " (BRAF) wild-type (WT) tumor as determined by local testing",
            ("KRAS", "NRAS", "BRAF"),
        ),
        # NCT06119581 left out ALK and NTRK, NCT06561386 EGFR.
        (
            "exclusion",
            "Have a documented additional validated targetable oncogenic driver mutation or"
            " alteration in genes such as epidermal growth factor receptor (EGFR), anaplastic"
            " lymphoma kinase (ALK), BRAF (V600E), human epidermal growth factor receptor 2"
            " (HER2), MET (exon 14), ROS1, rearranged during transfection (RET), or neurotrophic"
            " tyrosine receptor kinase (NTRK)1/2/3.",
            ("EGFR", "ALK", "BRAF V600E", "HER2", "MET exon 14", "ROS1", "RET", "NTRK"),
        ),
        (
            "exclusion",
            "Participants with epidermal growth factor receptor (EGFR), anaplastic lymphoma"
            " kinase (ALK), or ROS-1 mutations that are sensitive to available targeted"
            " inhibitor therapy.",
            ("EGFR", "ALK", "ROS1"),
        ),
    ],
)
def test_markers_each_written_after_their_full_name_are_one_list(section, line, excluded):
    tags = included(line) if section == "inclusion" else excluding(line)
    assert marker_rules(tags) == [("biomarker-excluded", excluded, section, "")]


def test_markers_written_after_their_full_names_are_alternatives_only_when_listed_so():
    either = "epidermal growth factor receptor (EGFR), anaplastic lymphoma kinase (ALK), or ROS-1"
    assert marker_rules(included(f"{either} mutations")) == [
        ("biomarker-required", ("EGFR", "ALK", "ROS1"), "inclusion", "")
    ]
    both = included(
        "epidermal growth factor receptor (EGFR) mutation and anaplastic lymphoma kinase (ALK)"
        " rearrangement"
    )
    assert [values for _, values, _, _ in marker_rules(both)] == [("EGFR",), ("ALK",)]
    # A full name with no result said of the list is still nothing.
    assert included("anaplastic lymphoma kinase (ALK), ROS1 testing").biomarkers == ()


def test_triple_negative_disease_beside_hormone_receptor_low_disease_does_not_rule_out_hr():
    """NCT06112379 said "Your cancer must not have these markers: HER2, HR+" of "TNBC or hormone
    receptor-low/HER2-negative breast cancer": hormone receptor-low disease may join."""
    line = (
        "Histologically confirmed Stage II or III unilateral or bilateral primary invasive TNBC"
        " or hormone receptor-low/HER2-negative breast cancer"
    )
    assert marker_rules(included(line)) == [("biomarker-excluded", ("HER2",), "inclusion", "")]
    assert included("Triple-negative breast cancer").excluded_biomarkers == ("HER2", "HR+")


def test_markers_of_another_way_in_are_alternatives_to_those_asked_for_before():
    """NCT03745326: KRAS G12D is asked for; NRAS and HRAS "will also be eligible"."""
    tags = included(
        "Malignancy expressing G12D mutated KRAS as assessed by sequencing. Patients shown to"
        " have tumors expressing G12D mutated NRAS and HRAS will also be eligible."
    )
    alternatives = ("KRAS G12D", "NRAS G12D", "HRAS G12D")
    assert marker_rules(tags) == [("biomarker-required", alternatives, "inclusion", "")]
    assert set(tags.biomarkers) >= set(alternatives)


def test_markers_of_another_way_in_said_as_an_item_of_its_own_are_no_rule_for_everyone():
    """A rule "must have KRAS G12D" would be false for a patient with NRAS G12D."""
    tags = included(
        "KRAS G12D mutation\n* Tumors expressing G12D mutated NRAS and HRAS will also be eligible"
    )
    assert marker_rules(tags) == []
    assert set(tags.biomarkers) >= {"KRAS G12D", "NRAS G12D", "HRAS G12D"}


def test_a_variant_written_before_a_list_of_ras_genes_is_said_of_each():
    assert included("G12C-mutant KRAS or NRAS").biomarkers == ("KRAS G12C", "NRAS G12C")
    assert included("NRAS Q61K mutation").biomarkers == ("NRAS Q61K",)
    # NCT05786924: "non-" makes the variant one the genes after it need not have.
    line = "NSCLC with KRAS non-G12C, HRAS, NRAS or BRAF mutations"
    assert "HRAS G12C" not in included(line).biomarkers


@needs_shared
def test_the_ras_genes_another_way_in_are_one_rule_in_a_real_record():
    trial = parse_study(load_real_record("NCT03745326"))
    rules = [r.values for r in tag_trial(trial).requirements if r.kind == "biomarker-required"]
    assert ("KRAS G12D", "NRAS G12D", "HRAS G12D") in rules


def test_an_exclusion_criterion_that_says_who_is_eligible_rules_nothing_out():
    """NCT06561386: "Participants with unknown or indeterminate BRAF mutation, activating RET
    mutations or NTRK fusion gene alterations are eligible", among its exclusion criteria."""
    line = "Participants with unknown activating RET mutations or NTRK fusions are eligible"
    assert excluding(line).excluded_biomarkers == ()


def test_an_exclusion_said_again_after_the_marker_rules_it_out():
    assert excluding("Participants with known RET mutations are excluded").excluded_biomarkers == (
        "RET",
    )
    assert excluding("No EGFR mutation").excluded_biomarkers == ()  # unclear: nothing


def test_an_exclusion_of_marker_patients_who_lack_a_treatment_rules_out_no_marker():
    line = (
        "Participant with known mismatch repair deficiency (dMMR)/ high microsatellite instability"
        " (MSI-H) status who has not received immunotherapy treatments"
    )
    assert excluding(line).excluded_biomarkers == ()


def test_a_long_run_of_spaces_after_a_marker_is_read_in_one_pass():
    """A hostile record: with a pattern that tried every split of the run, 50,000 spaces after
    "HER2" took minutes; read in one pass it is a moment, and says nothing of HER2."""
    run = " " * 50_000
    tags = included(f"HER2{run}0 and HER2 0{run}/ISH")
    assert tags.biomarkers == () and tags.excluded_biomarkers == ()
    assert included(f"HER2-positive{run}disease").biomarkers == ("HER2",)


def test_biomarker_filter_matching():
    assert biomarker_matches("kras", ["KRAS G12C"])
    assert biomarker_matches("KRAS G12C", ["KRAS G12C"])
    assert not biomarker_matches("KRAS G12D", ["KRAS G12C"])
    assert biomarker_matches("erbb2", ["HER2"])
    assert biomarker_matches("dMMR", ["MSI-H/dMMR"])
    assert not biomarker_matches("EGFR", ["HER2"])
    assert normalize_biomarker("msi-h") == "MSI-H/dMMR"
    assert normalize_biomarker("bcma") == "BCMA"


# -- real records -------------------------------------------------------------------------


def real(nct_id):
    return tag_trial(parse_study(load_real_record(nct_id)))


@needs_shared
def test_real_first_line_lung_trial_rules_out_driver_mutations():
    # NCT06357533: "Absence of sensitising EGFR mutations, and ALK and ROS1 rearrangements";
    # "Must provide tumor sample to determine PD-L1 status, TROP2 status" (a test, no result).
    tags = real("NCT06357533")
    assert tags.excluded_biomarkers == ("EGFR", "ALK", "ROS1")
    assert tags.biomarkers == ("PD-L1",)


@needs_shared
def test_real_basket_trial_keeps_its_lists_of_alternatives_per_part():
    # NCT05786924: "Part 1C: Advanced/metastatic PDAC with KRAS, HRAS, NRAS, BRAF, and/or CRAF
    # (RAF1) mutations or alterations"; exclusion "Prior use of experimental agents that target
    # the KRAS/BRAF/MEK/ERK pathway" (a drug's target).
    tags = real("NCT05786924")
    rules = {r.cohort: r.values for r in tags.requirements if r.kind == "biomarker-required"}
    assert rules["Part 1C"] == ("KRAS", "HRAS", "NRAS", "BRAF", "RAF1")
    assert rules["Part 2A4"] == ("KRAS G12C",)
    assert tags.excluded_biomarkers == ()


@needs_shared
def test_real_her2_expressing_trial_keeps_her2_despite_a_narrower_exclusion():
    # NCT04482309: "Selected HER2 Expressing Tumors"; exclusion "Known Somatic DNA mutation of
    # HER2 (ERBB2) without tumoral HER2 protein expression".
    tags = real("NCT04482309")
    assert "HER2" in tags.biomarkers and "HER2" not in tags.excluded_biomarkers


@needs_shared
def test_real_hpv_positive_tumours_are_excluded():
    # NCT06087614 exclusion: "HPV (p16) positive tumours".
    assert "HPV+" in real("NCT06087614").excluded_biomarkers


# -- the quick looks miss nothing ---------------------------------------------------------

CONTRACT = settings(max_examples=40, deadline=None, database=None, derandomize=True)


def phrase(pattern: re.Pattern) -> st.SearchStrategy[str]:
    return st.from_regex(pattern, fullmatch=True).filter(lambda text: text.splitlines() == [text])


@pytest.mark.parametrize("marker", KNOWLEDGE.biomarkers, ids=lambda marker: marker.name)
@CONTRACT
@given(data=st.data())
def test_the_quick_looks_for_a_biomarker_miss_none_of_its_mentions(marker, data):
    mention = data.draw(phrase(marker.regex))
    says_so = marker.positive or KNOWLEDGE.biomarker_context["positive"]
    word = next(word for word in ("positive", "loss") if says_so.search(word))
    criteria = f"Inclusion Criteria:\n\n* Tumour {mention} {word}\n"
    quick = eligible(criteria)
    with (
        mock.patch.object(biomarkers, "_biomarker_candidates", lambda t, lo, k: list(k.biomarkers)),
        mock.patch.object(biomarkers, "_marker_matches", lambda m, t, lo: m.regex.finditer(t)),
    ):
        everywhere = eligible(criteria)
    # The phrase itself is a mention: of a marker the patient has, or ("triple-negative") not.
    assert everywhere.biomarkers or everywhere.excluded_biomarkers
    assert (quick.biomarkers, quick.excluded_biomarkers) == (
        everywhere.biomarkers,
        everywhere.excluded_biomarkers,
    )


def test_a_variant_of_another_group_or_said_absent_is_not_the_markers():
    """NCT06427811: "Ph+ CML-CP (Without T315I Mutation)", "For Ph+ CML-CP participants with
    T315I mutation, ...": the trial selects Ph+ disease, not T315I."""
    tags = tag_trial(
        parse_study(
            make_study(
                title="Asciminib in Ph+ CML-CP (Without T315I Mutation)",
                conditions=["Chronic Myeloid Leukemia"],
                criteria="Inclusion Criteria:\n\n* For Ph+ CML-CP participants with T315I "
                "mutation, a documented T315I mutation\n",
            )
        )
    )
    assert "BCR-ABL T315I" not in tags.biomarkers
    assert "BCR-ABL" in tags.biomarkers


def test_a_marker_excluded_only_together_with_no_expression_is_not_ruled_out():
    # NCT04482309 takes HER2-expressing tumours and excludes a HER2 mutation without expression.
    tags = eligible(
        "Inclusion Criteria:\n\n* Solid tumour that expresses HER2\n\n"
        "Exclusion Criteria:\n\n"
        "* Known Somatic DNA mutation of HER2 (ERBB2) without tumoral HER2 protein expression."
    )
    assert tags.biomarkers == ("HER2",)
    assert tags.excluded_biomarkers == ()
    assert [kind for kind, *_ in marker_rules(tags)] == ["biomarker-required"]


def test_tissue_for_scoring_a_marker_again_does_not_ask_for_the_marker():
    # NCT06131424: a HER2-negative study that asks for slides to score HER2 again.
    tags = included(
        "Must have historical IHC-stained FFPE tissue from locally-advanced or mBC slides for HER2 "
        "in an acceptable quality to allow for accurate rescoring of HER2 expression"
    )
    assert tags.biomarkers == () and marker_rules(tags) == []


def test_ros_alone_is_no_marker_away_from_alk():
    tags = included("Increased ROS production after treatment is allowed")
    assert tags.biomarkers == () and marker_rules(tags) == []


def test_point_mutations_of_alk_that_exclude_are_not_every_alk_change():
    # NCT05170204 (Cohort A1, ALK fusion-positive): its exclusion of "ALK point mutations ...:
    # I1171X, V1180L, G1202R" read as "ALK" clashed with the ALK fusion it asks for.
    line = (
        "NSCLC known to have one or more of the following ALK point mutations, as identified by"
        " site local testing or Sponsor central testing: I1171X (where X is any other amino"
        " acid), V1180L, G1202R"
    )
    assert excluding(line).excluded_biomarkers == ("ALK I1171X",)
    assert excluding("Known ALK rearrangement").excluded_biomarkers == ("ALK",)


@needs_shared
def test_alk_fusion_is_asked_beside_excluded_point_mutations_in_a_real_record():
    tags = tag_trial(parse_study(load_real_record("NCT05170204")))
    rules = {(r.kind, r.values, r.cohort) for r in tags.requirements}
    assert ("biomarker-required", ("ALK",), "Cohort A1") in rules
    assert ("biomarker-excluded", ("ALK",), "Cohort A1") not in rules
    assert ("biomarker-excluded", ("ALK I1171X",), "Cohort A1") in rules
    # (A change of the marker asked for is no trial-wide exclusion of it.)
    assert tags.excluded_biomarkers == ("EGFR",)


@pytest.mark.parametrize(
    ("line", "required"),
    [
        # Criteria written in capitals (real records write whole criteria so): the words around
        # a marker's name are read in any case, the name itself only in capitals.
        ("SOLID TUMORS HARBORING KRAS P.G12C MUTATION", ("KRAS G12C",)),  # NCT05288205
        ("MALIGNANCY EXPRESSING G12D MUTATED KRAS", ("KRAS G12D",)),  # NCT03745326
        ("MET EXON 14 SKIPPING MUTATION", ("MET exon 14",)),
        ("MET Exon 14 Skipping Mutation Positive NSCLC", ("MET exon 14",)),  # NCT05110196
        ("BRAF P.V600E MUTATION", ("BRAF V600E",)),
        ("HR-POSITIVE ADVANCED BREAST CANCER", ("HR+",)),  # NCT05631795
        ("HR-Positive Advanced Breast Cancer", ("HR+",)),  # NCT06380751's title
        ("CONFIRMED DIAGNOSIS OF PH+ CML-CP", ("BCR-ABL",)),  # NCT06427811
        ("KRAS G12V MUTATION WITH MATCHING HLA SUBTYPES", ("KRAS G12V", "HLA")),  # NCT05438667
    ],
)
def test_the_words_around_a_marker_are_read_in_any_letter_case(line, required):
    assert included(line).biomarkers == required


@pytest.mark.parametrize(
    ("line", "required", "excluded"),
    [
        ("EGFR EXON 19 DELETION", ("EGFR exon 19",), ()),
        ("MSI-HIGH OR DMMR COLORECTAL CANCER", ("MSI-H/dMMR",), ()),
        ("TMB-HIGH SOLID TUMOR", ("TMB-H",), ()),
        ("CLAUDIN 18.2-POSITIVE GASTRIC CANCER", ("CLDN18.2",), ()),
        ("HPV (P16) POSITIVE OROPHARYNGEAL CANCER", ("HPV+",), ()),
        ("ER-NEGATIVE BREAST CANCER", (), ("HR+",)),
    ],
)
def test_more_marker_results_are_read_in_capitals(line, required, excluded):
    tags = included(line)
    assert (tags.biomarkers, tags.excluded_biomarkers) == (required, excluded)


@pytest.mark.parametrize(
    ("line", "excluded"),
    [
        # NCT06561386 in capitals: the full names between the markers end no list.
        (
            "PARTICIPANTS WITH EPIDERMAL GROWTH FACTOR RECEPTOR (EGFR), ANAPLASTIC LYMPHOMA KINASE"
            " (ALK), OR ROS-1 MUTATIONS THAT ARE SENSITIVE TO AVAILABLE TARGETED INHIBITOR THERAPY",
            ("EGFR", "ALK", "ROS1"),
        ),
        # NCT07040059 in capitals: "HER2 TESTING HAS NOT BEEN DONE" says no result of HER2.
        (
            "IF ARCHIVED SAMPLE IS NOT AVAILABLE, AND HER2 TESTING HAS NOT BEEN DONE, THEN PATIENT"
            " MUST AGREE TO SUBMIT FRESH TUMOR SAMPLE FOR AN ASSESSMENT OF HER2 STATUS",
            (),
        ),
    ],
)
def test_a_list_of_markers_in_capitals_ends_at_a_word_that_names_none(line, excluded):
    tags = eligible(f"Inclusion Criteria:\n\n* Adults\n\nExclusion Criteria:\n\n* {line}")
    assert tags.excluded_biomarkers == excluded


@pytest.mark.parametrize(
    ("line", "excluded"),
    [
        # NCT06662786: either each rules a person out, or only both together do.
        (
            "Participant with known mismatch repair deficiency (dMMR)/ high microsatellite "
            "instability (MSI-H) status and human epidermal growth factor receptor 2 "
            "(HER2)-positive/amplified tumor",
            [],
        ),
        ("Known EGFR mutation and ALK rearrangement", []),
        ("Known EGFR mutation and/or ALK rearrangement", [("EGFR", "ALK")]),
        ("Known EGFR mutation, or ALK rearrangement", [("EGFR", "ALK")]),
        ("Known EGFR mutation. Known ALK rearrangement and prior chemotherapy", [("EGFR", "ALK")]),
    ],
)
def test_markers_an_exclusion_criterion_joins_with_and_are_not_each_ruled_out(line, excluded):
    tags = eligible(f"Inclusion Criteria:\n\n* Adults\n\nExclusion Criteria:\n\n* {line}")
    assert [r[1] for r in marker_rules(tags) if r[0] == "biomarker-excluded"] == excluded


def test_markers_an_inclusion_criterion_says_are_all_absent_stay_ruled_out():
    tags = included("KRAS, NRAS, and BRAF wild-type tumor")
    assert [r[1] for r in marker_rules(tags) if r[0] == "biomarker-excluded"] == [
        ("KRAS", "NRAS", "BRAF")
    ]


@needs_shared
def test_the_people_a_drug_works_in_are_no_marker_of_the_patient():
    # NCT06140836: "Participants must not be exposed previously with TKIs that demonstrated
    # activities in ROS1-positive NSCLC" was a requirement of ROS1, quoted as the reason a
    # ROS1-negative cancer fails; the ROS1 fusion it asks for is read from its own criterion.
    tags = tag_trial(parse_study(load_real_record("NCT06140836")))
    asked = [r.text for r in tags.requirements if r.kind == "biomarker-required"]
    assert asked == [
        "Participant has a ROS1 gene rearrangement/fusion as detected by a local test."
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # NCT06038539: "HR-ve status (ER-negative and PR-negative)" was read as nothing, so an
        # ER-positive cancer was asked, not ruled out; "ER negative and PR negative" likewise
        # ("negative" after PR was taken for a second "no" of ER negative)
        (
            "Patients with known HR-ve status (ER-negative and PR-negative)",
            [("biomarker-excluded", ("HR+",))],
        ),
        ("ER negative and PR negative breast cancer", [("biomarker-excluded", ("HR+",))]),
        ("Not ER negative", []),  # ("not triple-negative" says nothing, nor does this)
        # alternatives ask none of them of everyone; an exclusion of the pair is not read
        ("ER negative or PR negative", []),
        ("ER negative and/or PR negative", []),
        ("Either ER negative and PR negative (triple negative) or HER2 positive", []),
        ("ER low (1-10%) or ER negative and PR negative", []),
        (
            "ER+ve and HER2-ve breast cancer",
            [("biomarker-required", ("HR+",)), ("biomarker-excluded", ("HER2",))],
        ),
    ],
)
def test_hormone_receptors_ruled_out_as_reports_write_them(line, expected):
    tags = eligible(f"Inclusion Criteria:\n\n* {line}\n", conditions=("Breast Cancer",))
    assert [(r.kind, r.values) for r in tags.requirements if r.kind.startswith("bio")] == expected


def test_an_exclusion_of_both_hormone_receptors_negative_is_not_read_as_their_absence():
    # "ER negative and PR negative" among the exclusions keeps HR-negative cancers out: it was
    # read as "must not be HR+", excluding HR-positive ones
    tags = eligible(
        "Inclusion Criteria:\n\n* Breast cancer\n\nExclusion Criteria:\n\n* ER negative and"
        " PR negative\n",
        conditions=("Breast Cancer",),
    )
    assert not [r for r in tags.requirements if r.kind.startswith("bio")]


@pytest.mark.parametrize(
    "line",
    [
        "ALK-positive anaplastic large cell lymphoma (NPM1-ALK fusion)",
        "NPM1::ALK fusion detected",
        "NPM-ALK or NPM1 / ALK positive ALCL",
    ],
)
def test_the_npm1_alk_fusion_asks_for_alk_not_an_npm1_mutation(line):
    assert included(line).biomarkers == ("ALK",)


def test_an_npm1_mutation_is_still_asked_for():
    assert included("NPM1-mutated acute myeloid leukemia").biomarkers == ("NPM1",)


@pytest.mark.parametrize(
    "line, required, excluded",
    [
        # "ER positive" without a hyphen is not read ("HR positive patients will be considered
        # eligible if ..." is said of some); beside "or triple negative" the hormone receptors
        # were ruled out of everyone
        (
            "ER positive and/or PR positive, HER2 negative breast cancer, or triple negative "
            "breast cancer",
            (),
            ("HER2",),
        ),
        # each way in says its own "no": what is ruled out is what every one rules out
        ("HER2-negative breast cancer or triple-negative breast cancer", (), ("HER2",)),
        ("HER2- or TNBC", (), ("HER2",)),
        ("EGFR wild-type or ALK negative", (), ()),
        # one "no" before them all rules out each
        ("No EGFR or ALK alteration", (), ("EGFR", "ALK")),
        ("No EGFR-mutant or ALK-rearranged disease", (), ("EGFR", "ALK")),
    ],
)
def test_ways_in_that_each_rule_markers_out_rule_out_what_all_do(line, required, excluded):
    tags = eligible(f"Inclusion Criteria:\n\n* {line}\n", conditions=("Breast Cancer",))
    assert (tags.biomarkers, tags.excluded_biomarkers) == (required, excluded)


def test_a_marker_named_in_a_rule_of_who_else_may_join_is_not_asked_of_everyone():
    # NCT06131424: "The HR positive patients will be considered eligible for the study if they
    # have received ET as adjuvant therapy ..." beside "regardless of HR status"
    line = (
        "Must have progressed on any systemic anticancer therapy in the metastatic setting. "
        "The HR positive patients will be considered eligible for the study if they have "
        "received ET as adjuvant therapy in the early BC setting and progressed within 24 months"
    )
    tags = eligible(f"Inclusion Criteria:\n\n* {line}\n", conditions=("Breast Cancer",))
    assert tags.biomarkers == ()


@pytest.mark.parametrize(
    "line",
    ["Known HER2 positive disease or ER negative disease", "Known HER2 positive or ER negative"],
)
def test_a_result_of_each_of_two_markers_is_no_pair_of_both_results(line):
    # "positive ... or ER negative" was read as both results of HER2 welcome, and the exclusion
    # of HER2-positive disease said nothing
    tags = eligible(f"Inclusion Criteria:\n\n* Breast cancer\n\nExclusion Criteria:\n\n* {line}\n")
    assert tags.excluded_biomarkers == ("HER2",)


@pytest.mark.parametrize(
    "line",
    ["HER2-negative (IHC 0) disease", "HER2 negative breast cancer", "EGFR wild-type disease"],
)
def test_a_negative_result_among_the_exclusions_rules_nothing_out(line):
    # "HER2-negative disease" among the exclusions was "must not test positive for HER2": the
    # trial leaves out HER2-negative cancer, and a HER2-positive one was told "Not for you"
    tags = eligible(f"Inclusion Criteria:\n\n* Breast cancer\n\nExclusion Criteria:\n\n* {line}\n")
    assert tags.excluded_biomarkers == () and tags.biomarkers == ()


def test_a_marker_said_to_be_excluded_among_the_exclusions_still_is():
    tags = eligible(
        "Inclusion Criteria:\n\n* NSCLC\n\nExclusion Criteria:\n\n* RET mutations are excluded\n"
    )
    assert tags.excluded_biomarkers == ("RET",)
