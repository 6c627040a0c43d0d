"""The reader: sections, cohorts and items of eligibility criteria; what a trial tests."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trialfinder.model import parse_study
from trialfinder.tagging.reader import (
    EXCLUSION,
    INCLUSION,
    arm_plan,
    cohort_label,
    earlier_study,
    every_part,
    inclusion_criteria,
    is_cancer_trial,
    named_by_step,
    read_criteria,
)
from trialfinder.tagging.requirements import read_requirements

from conftest import load_real_record, needs_shared, real_record_paths
from factories import make_study


def sections(text: str) -> list[tuple[str, str]]:
    return [(i.section, i.text) for i in read_criteria(text).items]


def test_sections_are_told_apart_even_inline():
    assert sections("Inclusion Criteria: adults. Exclusion Criteria: pregnancy") == [
        (INCLUSION, "adults."),
        (EXCLUSION, "pregnancy"),
    ]
    assert sections("* adults only") == [("", "adults only")]


@pytest.mark.parametrize(
    ("heading", "section"),
    [
        ("Inclusion Criteria:", INCLUSION),
        ("Key Inclusion Criteria", INCLUSION),
        ("INCLUSION CRITERIA：", INCLUSION),
        ("Diagnosis and Inclusion Criteria", INCLUSION),
        ("Inclusion Criteria (all of the following):", INCLUSION),
        ("Subjects must meet all of the following criteria to be eligible:", INCLUSION),
        ("Exclusion Criteria", EXCLUSION),
        ("Key exclusion criteria for both phases:", EXCLUSION),
        ("Non-inclusion criteria:", EXCLUSION),
        ("Non inclusion criteria:", EXCLUSION),  # not "Non" then an inclusion heading
        ("NON INCLUSION CRITERIA", EXCLUSION),
        ("Noninclusion criteria:", EXCLUSION),
        ("Criteria of non-inclusion:", EXCLUSION),
        ("Criteria for exclusion:", EXCLUSION),
        ("Non-eligibility criteria:", EXCLUSION),
        ("Non eligibility criteria", EXCLUSION),
        ("Not eligible:", EXCLUSION),
        ("Ineligible patients:", EXCLUSION),
        ("Subjects meeting any of the following criteria will not be enrolled:", EXCLUSION),
        ("Criteria for inclusion:", INCLUSION),
        ("Exclusion criteria:", EXCLUSION),
        ("Patients must not have any of the following:", EXCLUSION),
        ("Subjects will be excluded if they meet any of the following criteria:", EXCLUSION),
        ("Inclusion Criteria and Exclusion Criteria:", ""),
        ("INCLUSION/EXCLUSION CRITERIA:", ""),
        ("Ineligibility criteria:", EXCLUSION),
        ("Inclu\u017fion Criteria:", INCLUSION),  # a long s, which a pattern reads as "s"
    ],
)
def test_common_headings_open_their_section(heading, section):
    text = f"* Before\n\n{heading}\n\n1. First item\n2. Second item"
    assert sections(text)[1:] == [(section, "First item"), (section, "Second item")]


@pytest.mark.parametrize(
    "line",
    [
        "Elevated liver tests (see exclusion criterion #3 and #4)",
        "Exclusion of patients with HIV infection is not required.",
        "Patients who meet the exclusion criteria of the main study",
        "Other protocol-defined inclusion/exclusion criteria apply.",
        "Not eligible for curative surgery or radiotherapy",
    ],
)
def test_a_criterion_that_mentions_a_section_does_not_open_it(line):
    text = f"Inclusion Criteria:\n\n* {line}\n* ECOG 0 or 1\n"
    assert [s for s, _ in sections(text)] == [INCLUSION, INCLUSION]


@pytest.mark.parametrize(
    "line",
    ["Inclusion in Part B requires prior therapy", "Exclusion for a QTc above 470 ms is waived"],
)
def test_an_item_that_starts_with_a_section_word_keeps_its_section(line):
    text = f"Exclusion Criteria:\n\n* HIV\n* {line}\n* ECOG 3 or 4\n"
    assert sections(text) == [(EXCLUSION, "HIV"), (EXCLUSION, line), (EXCLUSION, "ECOG 3 or 4")]


@pytest.mark.parametrize(
    ("heading", "section"),
    [
        ("Inclusion Criteria for Participants with Stage III NSCLC", INCLUSION),
        ("Exclusion Criteria for Part A", EXCLUSION),
        ("Exclusion (all parts)", EXCLUSION),
        ("Other Exclusions", EXCLUSION),
    ],
)
def test_a_heading_without_a_colon_still_opens_its_section(heading, section):
    text = f"Inclusion Criteria:\n* Adults\n{heading}\n* Pregnancy\n"
    assert sections(text)[1][0] == section


def test_cohorts_from_headings_and_from_item_prefixes():
    text = (
        "Inclusion Criteria (All Cohorts):\n* Age 18 or older\n"
        "Part A:\n* KRAS G12C mutation\n"
        "PART B:\n* BRAF V600E mutation\n"
        "Inclusion criteria specific to Cohort A1:\n* Prior sotorasib\n"
        "Exclusion Criteria:\n* Pregnancy\n"
        "Part 2 additional exclusion criteria:\n* Prior BRAF inhibitor\n"
        "Exclusion Criteria:\n* Cohort 3: active brain metastases\n"
    )
    items = [(i.section, i.cohort, i.text) for i in read_criteria(text).items]
    assert items == [
        (INCLUSION, "", "Age 18 or older"),
        (INCLUSION, "Part A", "KRAS G12C mutation"),
        (INCLUSION, "Part B", "BRAF V600E mutation"),
        (INCLUSION, "Cohort A1", "Prior sotorasib"),
        (EXCLUSION, "", "Pregnancy"),
        (EXCLUSION, "Part 2", "Prior BRAF inhibitor"),
        (EXCLUSION, "Cohort 3", "active brain metastases"),
    ]
    assert read_criteria(text).cohorts == ("Part A", "Part B", "Cohort A1", "Part 2", "Cohort 3")


def test_a_label_naming_every_part_the_criteria_name_is_for_everyone():
    # NCT02227251: "Inclusion Criteria (Parts 1 and 2):", then each part's own criteria.
    text = (
        "Inclusion Criteria (Parts 1 and 2):\n* ECOG 0-2\n"
        "Part 1 additional inclusion criteria:\n* Measurable disease\n"
        "Part 2 additional inclusion criteria:\n* Bone marrow function\n"
    )
    cohorts = [i.cohort for i in read_criteria(text).items]
    assert cohorts == ["", "Part 1", "Part 2"]
    # A part the label does not name keeps it a rule of some parts.
    other = text + "Part 3 additional inclusion criteria:\n* Prior lenalidomide\n"
    assert [i.cohort for i in read_criteria(other).items][0] == "Parts 1 and 2"


def test_parts_that_together_name_every_part_of_the_criteria_are_everyone():
    # NCT04613596: "Phase 2: ..." and "Phase 3: ..." are the only parts its criteria name.
    cohorts = read_criteria(
        "Inclusion Criteria:\n* Phase 2: NSCLC with KRAS G12C mutation\n"
        "* Phase 3: NSCLC with KRAS G12C mutation and PD-L1 TPS >=50%\n"
    ).cohorts
    assert cohorts == ("Phase 2", "Phase 3")
    assert every_part(("Phase 2", "Phase 3"), cohorts)
    assert every_part(("Phases 2 and 3",), cohorts)
    assert not every_part(("Phase 2",), cohorts)
    assert not every_part(("Phase 2",), ("Phase 2",))  # one part named: others may exist
    assert not every_part(("Phase 2", "Cohort A"), ("Phase 2", "Cohort A"))  # two ways


def test_a_label_saying_the_word_again_names_every_part_it_lists():
    # NCT04613596: "Phase 2 and Phase 3: Prior systemic treatment ..." is for both phases.
    text = (
        "Inclusion Criteria:\n* Phase 2: KRAS G12C\n* Phase 3: PD-L1 TPS >=50%\n"
        "Exclusion Criteria:\n* Phase 2 and Phase 3: Prior systemic treatment\n"
        "* Phase 2: Active brain metastases\n"
    )
    cohorts = [i.cohort for i in read_criteria(text).items]
    assert cohorts == ["Phase 2", "Phase 3", "", "Phase 2"]
    assert cohort_label("Phase 2 and Phase 3") == ("phase", ("2", "3"))


def test_what_follows_a_label_ending_with_a_colon_is_the_lead_in_of_the_items_under_it():
    # NCT04613596: the three CNS cases are alternatives ("one of the following"), not rules.
    text = (
        "Inclusion Criteria:\n\n"
        "* Phase 3: CNS Inclusion - patients must have one of the following:\n\n"
        "  1. No evidence of brain metastases\n"
        "  2. Untreated brain metastases not needing immediate local therapy\n"
        "* Phase 3: Presence of measurable disease\n"
    )
    items = [(i.cohort, i.lead, i.text) for i in read_criteria(text).items]
    lead = "CNS Inclusion - patients must have one of the following:"
    assert items == [
        ("Phase 3", lead, "No evidence of brain metastases"),
        ("Phase 3", lead, "Untreated brain metastases not needing immediate local therapy"),
        ("Phase 3", "", "Presence of measurable disease"),
    ]


def test_a_part_named_by_its_step_is_a_cohort():
    # NCT03983954: "Dose Escalation and MTD Expansion: ... progressed ..." is for those parts;
    # such a label over a list labels its own line only.
    text = (
        "Inclusion Criteria:\n\n1. Adults\n2. Previous therapy:\n\n"
        "   a. Dose Escalation and MTD Expansion: i. All patients must have progressed following"
        " their most recent regimen.\n\n"
        "   b. Esophageal Cohort Expansion: Group 1 - no prior CPI\n"
        "3. For the Dose-escalation Cohorts: one of the following:\n"
        "   1. Melanoma\n"
        "4. ECOG 0 or 1\n"
    )
    assert [(i.cohort, i.text[:22]) for i in read_criteria(text).items] == [
        ("", "Adults"),
        ("", "Previous therapy:"),
        ("Dose escalation and MTD expansion", "i. All patients must h"),
        ("Esophageal cohort expansion", "Group 1 - no prior CPI"),
        ("", "For the Dose-escalatio"),
        ("", "Melanoma"),
        ("", "ECOG 0 or 1"),
    ]


def test_words_that_only_begin_like_a_cohort_name_are_not_cohorts():
    text = "Inclusion Criteria:\n* Participants: adults with cancer\n* Partial response: allowed\n"
    assert {i.cohort for i in read_criteria(text).items} == {""}


def test_items_keep_the_line_they_hang_from():
    text = (
        "Exclusion Criteria:\n\n"
        "1. Prior treatment with:\n"
        "   * a BCMA-directed therapy\n"
        "   * a proteasome inhibitor\n"
        "2. Pregnancy\n"
    )
    items = read_criteria(text).items
    assert [(i.text, i.lead) for i in items] == [
        ("Prior treatment with:", ""),
        ("a BCMA-directed therapy", "Prior treatment with:"),
        ("a proteasome inhibitor", "Prior treatment with:"),
        ("Pregnancy", ""),
    ]


def test_lettered_items_at_the_indent_of_a_bulleted_lead_in_hang_from_it():
    """NCT06356129's layout: the kinds of lymphoma that may join, numbered i) to v) under a
    bulleted line, at its own indent; the next bulleted line hangs from nothing."""
    text = (
        "Inclusion Criteria:\n\n"
        "- Large B-cell lymphoma including:\n\n"
        "i) Diffuse large B-cell lymphoma\n\n"
        "ii) High-grade B-cell lymphoma with MYC and BCL2 rearrangements\n\n"
        "iii) T-cell/histiocyte-rich large B-cell lymphoma\n\n"
        "* IPI score 1 or 2\n"
    )
    items = read_criteria(text).items
    lead = "Large B-cell lymphoma including:"
    assert [(i.text, i.lead) for i in items] == [
        (lead, ""),
        ("Diffuse large B-cell lymphoma", lead),
        ("High-grade B-cell lymphoma with MYC and BCL2 rearrangements", lead),
        ("T-cell/histiocyte-rich large B-cell lymphoma", lead),
        ("IPI score 1 or 2", ""),
    ]


def test_a_numbered_list_after_a_line_without_a_bullet_is_the_main_list():
    text = (
        "Inclusion Criteria:\n\n"
        "Subjects who meet each of the following criteria are eligible:\n\n"
        "1. Age 18 years or older\n2. ECOG 0-1\n"
    )
    assert {i.lead for i in read_criteria(text).items} == {""}


def test_a_number_with_decimals_starting_an_item_is_no_list_number():
    """NCT03118986 starts an item "2.5 to < 18 years of age": "2." was taken for the item's
    number, and the age rule read from "5 to < 18 years"."""
    text = "Inclusion Criteria:\n\n2.5 to < 18 years of age.\n1.5 x ULN or less\n3. ECOG 0-1\n"
    assert [i.text for i in read_criteria(text).items] == [
        "2.5 to < 18 years of age.",
        "1.5 x ULN or less",
        "ECOG 0-1",
    ]


def test_a_line_going_on_with_a_sentence_broken_off_is_part_of_its_item():
    """NCT03745326 broke its first criterion at "any other CLIA-certified laboratory test on":
    what followed ("resected tissue. Patients ... expressing G12D mutated NRAS and HRAS will
    also be eligible ...") was an item of its own, and the summary said the cancer must have
    KRAS G12D."""
    text = (
        "Inclusion Criteria:\n\n"
        "1. Malignancy expressing G12D mutated KRAS as assessed by a laboratory test on\n\n"
        "   resected tissue. Patients with G12D mutated NRAS will also be eligible.\n"
        "2. Patients with\n\n   surgically resected brain metastases are eligible.\n"
        "3. Age 18 or older.\n"
        "   adults only\n"
        "4. ECOG 0-1 and\n"
        "* no prior therapy\n"
        "exclusion criteria:\n"
        "* pregnancy"
    )
    assert [i.text for i in read_criteria(text).items] == [
        "Malignancy expressing G12D mutated KRAS as assessed by a laboratory test on resected"
        " tissue. Patients with G12D mutated NRAS will also be eligible.",
        "Patients with surgically resected brain metastases are eligible.",
        "Age 18 or older.",
        "adults only",
        "ECOG 0-1 and",
        "no prior therapy",
        "pregnancy",
    ]
    assert read_criteria(text).items[-1].section == EXCLUSION


def test_a_sentence_broken_off_in_capitals_goes_on_on_the_line_indented_under_it():
    """NCT03745326 in capitals: no letter says the indented line goes on with the sentence, its
    indent does; a line at the item's own indent, or after a full stop, is an item of its own."""
    text = (
        "INCLUSION CRITERIA:\n\n"
        "1. MALIGNANCY EXPRESSING G12D MUTATED KRAS AS ASSESSED BY A LABORATORY TEST ON\n\n"
        "   RESECTED TISSUE. PATIENTS WITH G12D MUTATED NRAS WILL ALSO BE ELIGIBLE.\n"
        "2. AGE 18 OR OLDER.\n"
        "   ADULTS ONLY\n"
        "ECOG 0-1\n"
    )
    assert [i.text for i in read_criteria(text).items] == [
        "MALIGNANCY EXPRESSING G12D MUTATED KRAS AS ASSESSED BY A LABORATORY TEST ON RESECTED"
        " TISSUE. PATIENTS WITH G12D MUTATED NRAS WILL ALSO BE ELIGIBLE.",
        "AGE 18 OR OLDER.",
        "ADULTS ONLY",
        "ECOG 0-1",
    ]


def test_markdown_escapes_are_undone():
    assert sections("Inclusion Criteria:\n* HLA-A\\*02:01 positive, ANC \\>= 1.5")[0] == (
        INCLUSION,
        "HLA-A*02:01 positive, ANC >= 1.5",
    )


def test_html_names_of_signs_are_read_as_the_signs():
    """NCT06760702 writes "\\&gt; 6 months" and "\\&lt; 6 months": the ";" of each ended a
    clause mid-sentence, and "previously treated (> 6 months ...) are allowed" read as a rule."""
    text = (
        "Exclusion Criteria:\n* Patients with previously treated (\\&gt; 6 months of screening)"
        " CNS metastases are allowed; interval \\&lt; 6 months, AT&amp;T, &le; 2, &ge;3"
    )
    assert sections(text)[0] == (
        EXCLUSION,
        "Patients with previously treated (> 6 months of screening) CNS metastases are allowed;"
        " interval < 6 months, AT&T, ≤ 2, ≥3",
    )
    in_capitals = sections("Inclusion Criteria:\n* R&D &nbsp; A&B; &GT; 2")[0]
    assert in_capitals == (INCLUSION, "R&D &nbsp; A&B; > 2")


def test_inclusion_text_leaves_out_every_exclusion_section():
    text = "Inclusion:\n* A\nExclusion:\n* B\nPart 2 additional inclusion criteria:\n* C"
    assert inclusion_criteria(text) == "A\nC"
    assert inclusion_criteria("* A only") == "A only"


@settings(max_examples=200, deadline=None, database=None)
@given(st.text(max_size=300))
def test_any_text_is_read_without_error_and_loses_no_words(text):
    criteria = read_criteria(text)
    for item in criteria.items:
        assert item.text.strip()
        assert item.section in (INCLUSION, EXCLUSION, "")


def test_huge_criteria_are_bounded():
    criteria = read_criteria("Inclusion Criteria:\n" + "* adults\n" * 50_000)
    assert 0 < len(criteria.items) <= 2_000


@needs_shared
def test_every_real_record_with_an_exclusion_heading_has_exclusion_items():
    missed = []
    for path in real_record_paths():
        trial = parse_study(json.loads(path.read_text(encoding="utf-8")))
        text = trial.eligibility.criteria
        lines = [line.strip(" *:-").lower() for line in text.splitlines()]
        heading = next((n for n, line in enumerate(lines) if line == "exclusion criteria"), None)
        listed = heading is not None and any(len(line) > 3 for line in lines[heading + 1 :])
        if listed and not read_criteria(text).exclusion():
            missed.append(trial.nct_id)
    assert missed == []


# -- what a trial tests -------------------------------------------------------------------


def arms_study(arms, interventions):
    return parse_study(
        make_study(
            arm_groups=[
                {"label": label, "type": kind, "interventionNames": names}
                for label, kind, names in arms
            ],
            interventions=[{"type": "DRUG", "name": name} for name in interventions],
        )
    )


def test_experimental_arms_are_tested_and_the_others_compared():
    trial = arms_study(
        [
            ("New", "EXPERIMENTAL", ["Drug: X", "Drug: D"]),
            ("Usual", "ACTIVE_COMPARATOR", ["Drug: Y", "Drug: D"]),
        ],
        ["X", "Y", "D", "Unlinked"],
    )
    plan = arm_plan(trial)
    names = [i.name for i in trial.interventions]
    assert [names[i] for i in plan.tested] == ["X", "D", "Unlinked"]
    assert [names[i] for i in plan.comparators] == ["Y"]
    assert [a.label for a in plan.comparator_arms] == ["Usual"]


def test_without_experimental_arms_placebo_and_active_comparators_are_comparators():
    trial = arms_study(
        [("A", "ACTIVE_COMPARATOR", ["Drug: Y"]), ("P", "PLACEBO_COMPARATOR", ["Drug: Placebo"])],
        ["Y", "Placebo"],
    )
    plan = arm_plan(trial)
    assert [trial.interventions[i].name for i in plan.tested] == ["Y"]
    assert [trial.interventions[i].name for i in plan.comparators] == ["Placebo"]


def compared_study(arms, title="X Versus Investigator's Choice of Y or Z"):
    """Arms of (label, type, description, interventions) in a trial of ``title``."""
    names = list(dict.fromkeys(n for *_, given in arms for n in given))
    return parse_study(
        make_study(
            title=title,
            summary="A study of X.",
            arm_groups=[
                {
                    "label": label,
                    "type": kind,
                    "description": text,
                    "interventionNames": [f"Drug: {n}" for n in given],
                }
                for label, kind, text, given in arms
            ],
            interventions=[{"type": "DRUG", "name": name} for name in names],
        )
    )


def test_an_experimental_arm_of_the_chosen_usual_treatment_is_the_comparison():
    trial = compared_study(
        [
            ("X", "EXPERIMENTAL", "X under the skin.", ["X"]),
            ("Y or Z", "EXPERIMENTAL", "Y or Z based on investigator's choice.", ["Y", "Z"]),
        ]
    )
    plan = arm_plan(trial)
    names = [i.name for i in trial.interventions]
    assert [names[i] for i in plan.tested] == ["X"]
    assert [names[i] for i in plan.comparators] == ["Y", "Z"]
    assert [a.label for a in plan.comparator_arms] == ["Y or Z"]
    assert plan.compares(plan.comparator_arms[0])
    assert not plan.compares(plan.tested_arms[0])


@pytest.mark.parametrize(
    ("arms", "title"),
    [
        # one arm: what it gives is what is tested
        ([("Y", "EXPERIMENTAL", "Standard of care Y.", ["Y"])], "Y Compared With Nothing"),
        # the new drug added to a chosen one: both arms test it
        (
            [
                ("X + Y", "EXPERIMENTAL", "X and Y.", ["X", "Y"]),
                ("X + choice", "EXPERIMENTAL", "X, investigator's choice of Z.", ["X", "Z"]),
            ],
            "X Versus Placebo",
        ),
        # doses of one drug
        (
            [
                ("Low", "EXPERIMENTAL", "X with standard therapy.", ["X"]),
                ("High", "EXPERIMENTAL", "X at a higher dose.", ["X"]),
            ],
            "Comparing Doses of X",
        ),
        # every arm says it: none is singled out
        (
            [
                ("A", "EXPERIMENTAL", "Physician's choice of Y, with X.", ["X"]),
                ("B", "EXPERIMENTAL", "Physician's choice of Y, with Z.", ["Z"]),
            ],
            "X Versus Z",
        ),
        # the titles and summary do not compare
        (
            [
                ("X", "EXPERIMENTAL", "X.", ["X"]),
                ("Y", "EXPERIMENTAL", "Standard of care Y.", ["Y"]),
            ],
            "A Study of X and Y",
        ),
    ],
)
def test_experimental_arms_stay_tested_without_every_sign_of_a_comparison(arms, title):
    trial = compared_study(arms, title)
    plan = arm_plan(trial)
    assert plan.comparators == ()
    assert len(plan.tested_arms) == len(arms)


def test_an_experimental_arm_a_title_names_after_versus_is_the_comparison():
    arms = [
        ("MeziVd (mezigdomide, bortezomib)", "EXPERIMENTAL", "", ["Mezigdomide", "Bortezomib"]),
        ("PVd (pomalidomide, bortezomib)", "EXPERIMENTAL", "", ["Pomalidomide", "Bortezomib"]),
    ]
    trial = compared_study(arms, "Mezigdomide and Bortezomib (MeziVd) Versus PVd in Myeloma")
    plan = arm_plan(trial)
    names = [i.name for i in trial.interventions]
    assert [names[i] for i in plan.tested] == ["Mezigdomide", "Bortezomib"]
    assert [names[i] for i in plan.comparators] == ["Pomalidomide"]
    assert [a.label for a in plan.comparator_arms] == ["PVd (pomalidomide, bortezomib)"]


def test_an_experimental_arm_named_after_its_colon_and_after_compared_with_is_the_comparison():
    # NCT06417814: "Dato-DXd With or Without Osimertinib Compared With Platinum Based Doublet
    # Chemotherapy"; the arms are "Group 1: ...", "Group 2: ...", "Group 3: ...".
    arms = [
        ("Group 1: Dato-DXd + Osimertinib", "EXPERIMENTAL", "", ["Dato-DXd", "Osimertinib"]),
        ("Group 2: Dato-DXd Monotherapy", "EXPERIMENTAL", "", ["Dato-DXd"]),
        ("Group 3: Platinum-based Doublet Chemotherapy", "EXPERIMENTAL", "", ["Pemetrexed"]),
    ]
    title = "Dato-DXd With or Without Osimertinib Compared With Platinum Based Doublet Chemotherapy"
    plan = arm_plan(compared_study(arms, title))
    assert [a.label for a in plan.comparator_arms] == [arms[2][0]]
    # The title naming its treatment before "compared with" keeps it tested.
    title = "Dato-DXd or Pemetrexed Compared With Platinum-based Doublet Chemotherapy"
    assert arm_plan(compared_study(arms, title)).comparator_arms == ()


@pytest.mark.parametrize(
    "title",
    [
        "High Dose X Versus Low Dose X",  # doses of one drug: nothing of its own
        "MeziVd and PVd in Myeloma",  # no comparison
        "Myeloma Treatments Versus MeziVd or PVd",  # no arm named before it
    ],
)
def test_arms_a_title_compares_without_every_sign_stay_tested(title):
    doses = "Dose" in title
    arms = [
        ("High Dose" if doses else "MeziVd", "EXPERIMENTAL", "", ["X" if doses else "M"]),
        ("Low Dose" if doses else "PVd", "EXPERIMENTAL", "", ["X" if doses else "P"]),
    ]
    plan = arm_plan(compared_study(arms, title))
    assert plan.comparators == ()
    assert len(plan.tested_arms) == 2


@needs_shared
def test_an_arm_named_after_versus_is_read_as_the_comparison_in_a_real_record():
    trial = parse_study(load_real_record("NCT05519085"))  # MeziVd versus PVd
    plan = arm_plan(trial)
    assert [trial.interventions[i].name for i in plan.comparators] == ["Pomalidomide"]
    trial = parse_study(load_real_record("NCT06417814"))  # ... Compared With Platinum ...
    plan = arm_plan(trial)
    assert [trial.interventions[i].name for i in plan.comparators] == [
        "Pemetrexed",
        "Carboplatin",
        "Cisplatin",
    ]


@needs_shared
def test_a_control_arm_marked_experimental_is_read_as_the_comparison_in_a_real_record():
    trial = parse_study(load_real_record("NCT05572515"))  # teclistamab versus PVd or Kd
    plan = arm_plan(trial)
    names = [trial.interventions[i].name for i in plan.tested]
    assert names == ["Teclistamab"]
    assert [trial.interventions[i].name for i in plan.comparators] == [
        "Pomalidomide",
        "Bortezomib",
        "Dexamethasone",
        "Carfilzomib",
    ]


def test_without_arms_every_intervention_is_tested():
    trial = parse_study(make_study(arm_groups=[], interventions=[{"type": "DRUG", "name": "X"}]))
    assert arm_plan(trial).tested == (0,)
    trial = arms_study([], ["X", "Y"])
    assert arm_plan(trial).tested == (0, 1)


def test_a_cancer_trial_is_told_by_its_words_and_whole_acronyms():
    assert is_cancer_trial(parse_study(make_study(conditions=["Acute Lymphoblastic Leukemia"])))
    assert is_cancer_trial(parse_study(make_study(conditions=["ALL"], title="Study in ALL")))
    assert not is_cancer_trial(
        parse_study(make_study(conditions=["Asthma"], title="Study of all asthma patients"))
    )


def test_clear_caches_forgets_the_criteria_read():
    from trialfinder.tagging import clear_caches

    text = "Inclusion Criteria:\n- Adults\nExclusion Criteria:\n- Pregnancy"
    first = read_criteria(text)
    assert read_criteria(text) is first  # remembered within a trial's reading
    clear_caches()
    again = read_criteria(text)
    assert again is not first and again == first  # read afresh, the same


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Inclusion Criteria: adults - Exclusion Criteria: pregnancy", ["adults", "pregnancy"]),
        ("Inclusion Criteria: adults \t– Exclusion Criteria: pregnancy", ["adults", "pregnancy"]),
        ("Inclusion Criteria: adults\t\tExclusion Criteria:pregnancy", ["adults", "pregnancy"]),
        ("Inclusion Criteria: adults -- Exclusion Criteria: pregnancy", ["adults -", "pregnancy"]),
        ("Inclusion Criteria: adults –\t - Exclusion Criteria: x", ["adults –", "x"]),
        ("Inclusion Criteria: adults - Non-inclusion criteria: pregnancy", ["adults", "pregnancy"]),
        ("Inclusion Criteria: adults. Non inclusion criteria: pregnancy", ["adults.", "pregnancy"]),
        ("Inclusion Criteria: adults NON INCLUSION CRITERIA: pregnancy", ["adults", "pregnancy"]),
        ("Inclusion Criteria: a, b Exclusion criteria : c", ["a, b", "c"]),
    ],
)
def test_a_heading_inside_a_paragraph_starts_a_line_in_place_of_the_gap_before_it(text, expected):
    items = read_criteria(text).items
    assert [i.text for i in items] == expected
    assert [i.section for i in items] == [INCLUSION, EXCLUSION]


def test_a_heading_word_joined_to_the_word_before_it_is_no_heading():
    text = (
        "Inclusion Criteria:\n- adults; see non-Exclusion Criteria: x, or x-Exclusion Criteria: y"
    )
    assert sections(text) == [(INCLUSION, text.split("- ", 1)[1])]


def test_every_heading_inside_a_paragraph_is_found():
    text = (
        "Exclusion Criteria: a Inclusion Criteria: b - Exclusion Criteria: c\tInclusion Criteria: d"
    )
    assert sections(text) == [
        (EXCLUSION, "a"),
        (INCLUSION, "b"),
        (EXCLUSION, "c"),
        (INCLUSION, "d"),
    ]


@pytest.mark.parametrize("heading", ["Exclu\u017fion Criteria:", "Exclus\u0131on Criteria:"])
def test_a_heading_spelt_with_letters_that_read_as_a_to_z_is_found_inside_a_paragraph(heading):
    # "ſ" and "ı" are read as "s" and "i" by a pattern that ignores case, not by lower().
    assert sections(f"Inclusion Criteria: adults - {heading} pregnancy") == [
        (INCLUSION, "adults"),
        (EXCLUSION, "pregnancy"),
    ]


@pytest.mark.parametrize(
    ("heading", "section"),
    [
        ("İNCLUSION CRITERIA:", INCLUSION),
        ("Excluſion criteria:", EXCLUSION),
        ("\u212aey exclusion criteria:", EXCLUSION),
        ("Part 2 additional exclusion criteria:", EXCLUSION),
        ("Patient Eligibility:", INCLUSION),
    ],
)
def test_a_heading_line_is_read_whatever_letters_it_starts_with(heading, section):
    other = EXCLUSION if section == INCLUSION else INCLUSION
    first = "Inclusion Criteria:" if other == INCLUSION else "Exclusion Criteria:"
    assert sections(f"{first}\n- x\n{heading}\n- y") == [(other, "x"), (section, "y")]


def test_no_item_is_empty_text():
    # text_fields takes every item as a part of its own: an empty one would be a part of nothing.
    text = (
        "Inclusion Criteria:\n*\n- \n**\n1.\n* __ *\nPart A:\n* Cohort 2:  \n"
        + "Long criterion. " * 40
        + "\n;  ;  .\nExclusion Criteria:\n\t-\n"
        + ("x; " * 200)
        + "\n"
    )
    items = read_criteria(text).items
    assert items and all(item.text for item in items)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # NCT04482309: "* Part 2:The respective cohorts ... are:" over its cohorts, then criteria
        # for everyone ("* Has measurable target disease ...").
        (
            "Inclusion Criteria:\n\n"
            "* Part 1:The respective cohorts are:\n\n  * Cohort 1: Biliary tract cancer\n"
            "* Part 2:The respective cohorts are:\n\n  * Cohort A: HER2 IHC 3+\n"
            "* Has measurable target disease\n",
            [
                ("Cohort 1", "Biliary tract cancer"),
                ("Cohort A", "HER2 IHC 3+"),
                ("", "Has measurable target disease"),
            ],
        ),
        # A cohort label after a full-width colon.
        (
            "Inclusion Criteria:\nCohort B：\n* Prior sotorasib\n* Cohort C： no prior therapy\n",
            [("Cohort B", "Prior sotorasib"), ("Cohort C", "no prior therapy")],
        ),
        # NCT05607199: "3. ... for each of the respective parts of the study:" holds indented
        # "Part 1:", "Part 2A and 2B:" labels; "4. ECOG ..." is a rule for everyone again.
        (
            "Inclusion Criteria:\n"
            "1. Age 18 or older.\n"
            "2. Patients have to meet the following criteria for each part:\n"
            "   Part 1:\n"
            "   Solid tumour after at least 2 lines of therapy.\n"
            "   Part 2:\n"
            "   Relapsed AML.\n"
            "   * Prior azacitidine allowed\n"
            "3. ECOG performance status of 0 or 1.\n"
            "Exclusion Criteria:\n"
            "1. Pregnancy.\n",
            [
                ("", "Age 18 or older."),
                ("", "Patients have to meet the following criteria for each part:"),
                ("Part 1", "Solid tumour after at least 2 lines of therapy."),
                ("Part 2", "Relapsed AML."),
                ("Part 2", "Prior azacitidine allowed"),
                ("", "ECOG performance status of 0 or 1."),
                ("", "Pregnancy."),
            ],
        ),
    ],
)
def test_each_item_is_read_with_the_cohort_it_is_for(text, expected):
    assert [(i.cohort, i.text) for i in read_criteria(text).items] == expected


def test_a_part_labelled_at_the_margin_keeps_the_numbered_criteria_under_it():
    text = "Inclusion Criteria:\n1. Adults\nPart A:\n1. KRAS G12C\n2. Prior sotorasib\n"
    cohorts = [i.cohort for i in read_criteria(text).items]
    assert cohorts == ["", "Part A", "Part A"]


def test_a_long_heading_without_a_colon_opens_its_part():
    # NCT06119581: the exclusion criteria of one part, under a heading with no colon.
    text = (
        "Inclusion Criteria:\n* Adults\nExclusion Criteria:\n* Pregnancy\n"
        "Exclusion Criteria for Participants receiving Pemetrexed and Platinum (Part B and "
        "Safety Lead-In Part B)\n* Have predominantly squamous cell histology for NSCLC\n"
    )
    items = [(i.section, i.cohort, i.text) for i in read_criteria(text).items]
    squamous = "Have predominantly squamous cell histology for NSCLC"
    assert items[-1] == (EXCLUSION, "Part B", squamous)
    assert len(items) == 3


def test_a_risk_group_with_its_own_rules_is_a_part_of_the_trial():
    # NCT03067181: "Standard risk 1: Patients must be < 11 years of age at enrollment".
    text = (
        "Inclusion Criteria:\n* There is no age limit for the low risk stratum\n"
        "* Standard risk 1: Patients must be < 11 years of age at enrollment\n"
        "* Standard risk 2: Patients must be >= 11 and < 25 years of age at enrollment\n"
    )
    cohorts = [i.cohort for i in read_criteria(text).items]
    assert cohorts == ["", "Standard risk 1", "Standard risk 2"]


@pytest.mark.parametrize(
    ("line", "cohort"),
    [
        ("* STANDARD RISK 1: PATIENTS MUST BE < 11 YEARS OF AGE", "Standard risk 1"),
        ("* standard risk 1: patients must be < 11 years of age", "Standard risk 1"),
        ("* HIGH RISK 2: ADULTS", "High risk 2"),
        ("* PART A: ADULTS", "Part A"),
    ],
)
def test_a_cohort_is_named_alike_in_any_letter_case(line, cohort):
    # NCT03067181 in capitals: its risk groups keep the names they have in mixed case.
    assert [i.cohort for i in read_criteria(f"Inclusion Criteria:\n{line}\n").items] == [cohort]


@pytest.mark.parametrize(
    ("cohort", "by_step"),
    [
        ("Dose escalation and MTD expansion", True),
        ("MTD dose expansion", True),
        ("Esophageal cohort expansion", True),
        ("Part A", False),
        ("Cohort 2", False),
        ("Parts 1 and 2", False),
        ("", False),
    ],
)
def test_a_part_named_by_its_step_is_told_from_one_named_by_a_label(cohort, by_step):
    assert named_by_step(cohort) is by_step


# NCT04956640: one long exclusion paragraph, read as its sentences.
SOME_PARTS = (
    "For some parts of the study only: have untreated active central nervous system (CNS)"
    " metastases and/or leptomeningeal disease. Patients with treated CNS metastases are"
    " eligible for this study if their disease is asymptomatic, radiographically stable for at"
    " least 30 days, and they do not require treatment with steroids in the two-week period"
    " prior to study treatment. Patients with active CNS metastases are eligible for one part"
    " of the study."
)


def test_a_long_paragraph_that_opens_with_whom_it_is_for_says_it_of_each_sentence():
    criteria = f"Inclusion Criteria:\n\n* Adults\n\nExclusion Criteria:\n\n* {SOME_PARTS}\n"
    items = [i for i in read_criteria(criteria).items if i.section == EXCLUSION]
    assert len(SOME_PARTS) > 400 and len(items) == 3
    assert [i.lead for i in items] == [
        "",
        "For some parts of the study only:",
        "For some parts of the study only:",
    ]
    found, _ = read_requirements(read_criteria(criteria))
    assert not [r for r in found if r.kind == "brain-metastases"]
    # (a paragraph that opens otherwise keeps its sentences' rules)
    plain = criteria.replace("For some parts of the study only: have", "Have")
    found, _ = read_requirements(read_criteria(plain))
    assert {r.rule for r in found if r.kind == "brain-metastases"} == {"treated-stable"}


def test_a_connector_on_a_line_of_its_own_joins_the_next_criterion():
    # NCT03745326: "... must have had approved first-line chemotherapy." / "OR" / "-declined
    # standard treatment.": the last is an alternative, not a criterion of its own.
    text = (
        "Inclusion Criteria:\n\n* Patients must have had first-line chemotherapy.\n\n   OR\n\n"
        "   -declined standard treatment.\n* Adults\n"
    )
    assert [i.text for i in read_criteria(text).items] == [
        "Patients must have had first-line chemotherapy.",
        "or declined standard treatment.",
        "Adults",
    ]
    # (before a heading, it joins nothing)
    text = "Inclusion Criteria:\n\n* Adults\nOR\nExclusion Criteria:\n\n* Pregnancy\n"
    assert [(i.section, i.text) for i in read_criteria(text).items] == [
        (INCLUSION, "Adults"),
        (EXCLUSION, "Pregnancy"),
    ]


# -- a trial for people of another study ---------------------------------------------------


@pytest.mark.parametrize(
    "item",
    [
        "Patients who have completed protocol 10M-01-1 or 10M-00-4 are eligible for this study",
        "Patient who received a MINIject glaucoma implant within a prior clinical study",
        "Subjects must be co-enrolled on the protocol 03C0277.",
        "Participant is currently enrolled in the parent study and receiving asciminib",
    ],
)
def test_a_criterion_for_people_of_another_study_is_found(item):
    criteria = f"Inclusion Criteria:\n\n* Age 18 or older\n* {item}\n"
    assert earlier_study(criteria) == item


@pytest.mark.parametrize(
    "criteria",
    [
        # an exclusion, a denial, a treatment allowed wherever it was had, a time before
        "Inclusion Criteria:\n* Age 18\nExclusion Criteria:\n* Participation in a parent study",
        "Inclusion Criteria:\n* Has not participated in a prior clinical study",
        "Inclusion Criteria:\n* Patients treated with nivolumab in a prior clinical trial are"
        " eligible",
        "Inclusion Criteria:\n* Signed informed consent prior to study specific procedures",
        # a treatment had in a prior trial, denied or timed
        "Inclusion Criteria:\n* Must not have received any investigational drug in a prior"
        " clinical trial within 4 weeks",
        "Inclusion Criteria:\n* At least 28 days since any treatment received in a prior"
        " clinical study",
        # the trial's own steps, or what was had or assessed in another study among others
        "Inclusion Criteria:\n* Patients who completed protocol therapy",
        "Inclusion Criteria:\n* PD-L1 as assessed in the parent study or locally",
        "Inclusion Criteria:\n* Prior anti-PD-1 (including in a prior clinical trial)",
        "Inclusion Criteria:\n* Patients who participated in a prior clinical trial are excluded",
        # for one part only
        "Inclusion Criteria:\nPart B:\n* Completed the parent study",
        # NCT06372145 shape: a criterion with an alternative that does not ask it
        "Inclusion Criteria:\n* Participants who completed the parent study\n\nOR\n\n* Adults"
        " with relapsing multiple sclerosis",
    ],
)
def test_no_criterion_for_people_of_another_study_is_found_where_none_asks_it(criteria):
    assert earlier_study(criteria) == ""


def test_alternatives_that_each_ask_for_another_study_are_found():
    criteria = (
        "Inclusion Criteria:\n* Participants who completed the parent study\n\nOR\n\n"
        "* Participants of the pivotal trials who stopped early\n"
    )
    assert earlier_study(criteria) == "Participants who completed the parent study"


def test_every_phrase_of_another_study_holds_a_word_it_is_looked_for_by():
    # (the criteria are searched only where one of `find` is)
    from trialfinder.knowledge import load_toml

    table = load_toml("eligibility.toml")["earlier_study"]
    for phrase in [*table["phrases"], *table["weak"]]:
        assert any(word in phrase.lower() for word in table["find"]), phrase


def test_criteria_numbered_in_brackets_in_one_paragraph_are_items_of_their_own():
    # NCT05421650: each section one paragraph, "(1) ... (2) ... (8)", was read as one item, and
    # only its first rules (age, sex) were read
    text = (
        "1) Inclusion Criteria\n\n(1) Women aged 20 to 70 years (2) Newly diagnosed cervical"
        " cancer (3) ECOG performance score 0-1\n\n2) Exclusion Criteria\n\n(1) Pregnancy"
        " (2) Prior pelvic RT (3) Distant metastasis (e.g., lung)\n"
    )
    items = read_criteria(text).items
    assert [(i.section, i.text) for i in items] == [
        ("inclusion", "Women aged 20 to 70 years"),
        ("inclusion", "Newly diagnosed cervical cancer"),
        ("inclusion", "ECOG performance score 0-1"),
        ("exclusion", "Pregnancy"),
        ("exclusion", "Prior pelvic RT"),
        ("exclusion", "Distant metastasis (e.g., lung)"),
    ]


def test_numbers_in_brackets_inside_a_criterion_are_not_items():
    text = "Inclusion Criteria:\n\n* Stage (2) disease per the (1) and (3) systems\n"
    assert [i.text for i in read_criteria(text).items] == [
        "Stage (2) disease per the (1) and (3) systems"
    ]
