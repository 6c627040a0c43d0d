"""Disease settings (refractory, relapsed, resistant) and the disease-setting requirements: read
with the context rules, never from the exclusion criteria, the brief summary only when the record
does not say the disease is untreated."""

from __future__ import annotations

import contextlib
import json
import re
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trialfinder.model import parse_study
from trialfinder.tagging import clear_caches, lexicon, tag_trial
from trialfinder.tagging import settings as settings_module

from conftest import load_real_record, needs_shared, real_record_paths
from factories import make_study

KNOWLEDGE = lexicon.knowledge()


def drug(name):
    return {"type": "DRUG", "name": name, "armGroupLabels": ["Arm A"]}


def tag(criteria="Inclusion Criteria:\n\n* Adults\n", title="Drug X", summary="", **fields):
    """Tags of a made-up cancer trial of Drug X."""
    fields.setdefault("conditions", ["Cancer"])
    study = make_study(
        title=title,
        criteria=criteria,
        summary=summary,
        interventions=[drug("Drug X")],
        arm_groups=[{"label": "Arm A", "type": "EXPERIMENTAL", "interventionNames": ["Drug: X"]}],
        **fields,
    )
    return tag_trial(parse_study(study))


def included(line, **fields):
    return tag(f"Inclusion Criteria:\n\n* {line}\n\nExclusion Criteria:\n\n* Pregnancy", **fields)


def setting_rules(tags):
    return [
        (r.rule, r.values, r.section, r.cohort)
        for r in tags.requirements
        if r.kind == "disease-setting"
    ]


# -- where settings are read --------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Drug X in Relapsed/Refractory Multiple Myeloma", ("refractory", "relapsed")),
        ("Drug X in Relapsed or Refractory Follicular Lymphoma", ("refractory", "relapsed")),
        # Castration-resistant disease has progressed on hormone therapy: both settings.
        ("Drug X in Metastatic Castration-Resistant Prostate Cancer", ("refractory", "resistant")),
        ("Drug X in mCRPC", ("refractory", "resistant")),
        ("Drug X in Platinum-Resistant Ovarian Cancer", ("refractory", "resistant")),
        # The same disease as castration-resistant (was "refractory" only).
        ("Drug X in Hormone-Refractory Prostate Cancer", ("refractory", "resistant")),
        ("Drug X in Recurrent Glioblastoma", ("relapsed",)),
        ("Drug X in Radioiodine-Refractory Thyroid Cancer", ("refractory",)),
        ("Drug X in Triple-Class Refractory Multiple Myeloma", ("refractory",)),
        ("Drug X in BCG-Unresponsive Bladder Cancer", ("refractory",)),
        ("Drug X and Relapse-Free Survival in Colon Cancer", ()),  # an outcome
        ("Drug X in Newly Diagnosed Multiple Myeloma", ()),
        ("Drug X for Steroid-Refractory Acute GVHD After Transplant for Leukemia", ()),
    ],
)
def test_settings_from_the_title(title, expected):
    tags = tag(title=title)
    assert tags.settings == expected
    for setting in expected:
        assert tags.evidence_for(setting)[0].source == "title"


def test_a_setting_kept_from_the_title_leaves_the_others_to_be_read_further_on():
    # Refractory is kept from the title; the condition still adds resistant disease, and a
    # relapse the summary negates first and asserts later is still read where it is asserted.
    tags = tag(
        title="Drug X in Refractory Ovarian Cancer",
        conditions=["Platinum-resistant Ovarian Cancer", "Refractory Ovarian Cancer"],
        summary="Patients without relapse are not eligible. Patients with relapsed disease are.",
    )
    assert tags.settings == ("refractory", "relapsed", "resistant")
    assert tags.evidence_for("refractory")[0].source == "title"
    assert tags.evidence_for("resistant")[0].source == "condition"
    relapsed = tags.evidence_for("relapsed")[0]
    assert (relapsed.source, relapsed.matched) == ("summary", "relapsed")


def test_relapse_named_only_in_the_conditions_does_not_count_for_disease_never_treated():
    never = "Inclusion Criteria:\n\n* Previously untreated acute lymphoblastic leukemia\n"
    assert tag(criteria=never, conditions=["ALL, Childhood", "Relapse Leukemia"]).settings == ()
    # Untreated for metastatic disease only: a relapse after surgery is still what it is for.
    later = "Inclusion Criteria:\n\n* Previously untreated for their metastatic disease\n"
    assert tag(criteria=later, conditions=["Recurrent Breast Cancer"]).settings == ("relapsed",)


def test_settings_from_inclusion_criteria_but_not_exclusion_criteria():
    criteria = (
        "Inclusion Criteria:\n\n* Disease refractory to at least two prior lines\n\n"
        "Exclusion Criteria:\n\n* Relapse within 6 months of transplant\n"
        "* Platinum-resistant disease"
    )
    tags = tag(criteria)
    assert tags.settings == ("refractory",)
    assert tags.evidence_for("refractory")[0].source == "inclusion criteria"
    # The exclusions are rules too: a patient with relapsed disease cannot join. Resistance
    # to platinum excludes that resistance only, not every cancer resistant to a medicine.
    assert setting_rules(tags) == [
        ("any-of", ("refractory",), "inclusion", ""),
        ("none-of", ("relapsed",), "exclusion", ""),
    ]


@pytest.mark.parametrize(
    ("inclusion", "exclusion"),
    [
        # NCT05607199: an allowance among the exclusion criteria excludes no one
        (
            "Adults",
            "Patients with CRPC (castrate resistant prostate cancer) should continue to receive "
            "ongoing medical castration with LHRH analogues, and such patients are allowed.",
        ),
        (
            "Adults",
            "Known untreated CNS metastases. Patients with previously treated CNS metastases "
            "are eligible provided they are stable.",
        ),
        ("Patients with recurrent disease will be eligible if 6 months have elapsed", "Pregnancy"),
        ("Up to 1 prior line of systemic treatment is permitted", "Pregnancy"),
    ],
)
def test_a_setting_allowed_or_carved_out_is_no_requirement(inclusion, exclusion):
    tags = tag(f"Inclusion Criteria:\n\n* {inclusion}\n\nExclusion Criteria:\n\n* {exclusion}")
    assert setting_rules(tags) == []


@pytest.mark.parametrize(
    "exclusion",
    [
        # The treatment is excluded, not every cancer treated before (NCT06831370, NCT03165734,
        # NCT05519085).
        "Previously treated with brentuximab vedotin.",
        "Previously treated with pacritinib",
        "Participant has had progression during treatment or within 60 days of the last dose of"
        " a proteasome inhibitor",
        # Something else treated (NCT06038539, NCT06760702).
        "Patients with a history of concurrent or previously treated non-breast malignancies.",
        "Untreated CNS metastases. Patients with previously treated (> 6 months of screening) CNS"
        " metastases are eligible.",
    ],
)
def test_an_exclusion_of_a_treatment_or_of_something_else_treated_rules_no_setting_out(
    exclusion,
):
    tags = tag(f"Inclusion Criteria:\n\n* Adults\n\nExclusion Criteria:\n\n* {exclusion}")
    assert setting_rules(tags) == []


@pytest.mark.parametrize(
    ("exclusion", "ruled_out"),
    [
        # NCT02964858, radiotherapy after first-line R-CHOP: any chemotherapy, after the setting.
        ("Relapse or progression of disease during chemotherapy.", True),
        # The treatment said first: a treatment for that disease ruled out, not the disease.
        ("Prior chemotherapy for advanced or recurrent NSCLC", False),
        # A treatment of its own, after the setting: that treatment ruled out.
        ("Progression during platinum-based chemotherapy", False),
    ],
)
def test_an_exclusion_of_a_setting_during_any_chemotherapy_rules_the_setting_out(
    exclusion, ruled_out
):
    tags = tag(f"Inclusion Criteria:\n\n* Adults\n\nExclusion Criteria:\n\n* {exclusion}")
    rules = [r for r in tags.requirements if r.kind == "disease-setting" and r.rule == "none-of"]
    assert bool(rules) is ruled_out


@pytest.mark.parametrize(
    "inclusion",
    [
        # NCT06140836, a first-line trial that lets in some people treated before.
        "Up to 1 prior line of systemic treatment for NSCLC is permitted",
        # NCT06194448, for untreated stage III disease.
        "Patients who had recurred after complete surgery can be included if they did not"
        " receive chemotherapy",
        "Patients with recurrent disease will be eligible if 6 months have elapsed",
        # (resistant disease is refractory too: allowed on conditions as well)
        "Castration-resistant disease is allowed if testosterone is below 50 ng/dL",
    ],
)
def test_a_setting_allowed_on_conditions_only_is_not_what_the_trial_is_for(inclusion):
    assert included(inclusion).settings == ()


@pytest.mark.parametrize(
    "line",
    [
        # NCT03983954 (Group 2): caps on the count of lines.
        "Must not have had more than 2 prior lines of therapy",
        "Patients will be allowed to have up to 2 prior regimens for metastatic disease",
        "No more than 3 prior lines of therapy",
    ],
)
def test_a_cap_on_earlier_lines_neither_asks_for_nor_rules_out_a_setting(line):
    tags = included(line)
    assert tags.settings == () and setting_rules(tags) == []


@pytest.mark.parametrize(
    "line",
    [
        # NCT03946202, NCT06350097: another way in beside the setting.
        "Primary locally advanced breast cancer, or locally recurrent breast cancer",
        "Stage IIIB or IIIC or Stage IV metastatic NSCLC or recurrent NSCLC",
        "Recurrent or metastatic disease",
        # NCT05519085: a response, not a failure, to earlier treatment.
        "Participants achieved minimal response [MR] or better to at least 1 prior therapy.",
    ],
)
def test_a_setting_offered_beside_something_else_is_asked_of_no_one(line):
    assert [r for r in setting_rules(included(line)) if r[0] == "any-of"] == []


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Relapsed or refractory multiple myeloma", ("refractory", "relapsed")),
        ("Relapsed or primary refractory AML", ("refractory", "relapsed")),
        ("Documented disease progression during or after the last regimen", ("refractory",)),
        ("Progressed on or after at least one prior line", ("refractory",)),
    ],
)
def test_settings_offered_beside_each_other_or_after_a_treatment_are_asked(line, expected):
    assert setting_rules(included(line)) == [("any-of", expected, "inclusion", "")]


def test_a_count_of_lines_for_one_part_is_no_rule_for_everyone():
    tags = included("At least 2 prior lines of therapy for Part A")
    assert tags.settings == ("refractory",)
    assert setting_rules(tags) == []


def test_a_setting_asked_for_beside_one_allowed_on_conditions_stays():
    tags = tag(
        "Inclusion Criteria:\n\n* Relapsed or refractory disease\n"
        "* Up to 1 prior line of systemic treatment is permitted\n"
    )
    assert tags.settings == ("refractory", "relapsed")


def test_a_setting_beside_an_allowance_of_something_else_stays_a_requirement():
    tags = included("Relapsed disease; prior radiotherapy is allowed")
    assert setting_rules(tags) == [("any-of", ("relapsed",), "inclusion", "")]


@pytest.mark.parametrize(
    "line",
    [
        "Drug X to Lower the Risk of Relapse After Transplant",
        "Maintenance therapy in first complete remission to prevent relapse",
        "AML in first complete remission, as maintenance to delay relapse",
        "No evidence of recurrent or metastatic disease after surgery",
        "Relapse-free survival at 2 years",
        "Time to relapse",
        "Steroid-refractory acute graft-versus-host disease",
        "Hepatitis refractory to steroids",
        "Refractory nausea and vomiting",
        "Relapsing multiple sclerosis",
        "Treatment continues until relapse or unacceptable toxicity",
        "Patients without relapsed disease",
    ],
)
def test_a_setting_that_is_not_the_patients_cancer_now_does_not_count(line):
    tags = included(line)
    assert tags.settings == ()
    assert not [r for r in setting_rules(tags) if r[0] == "any-of"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Disease that progressed on or after platinum-based chemotherapy", ("refractory",)),
        ("Radiographic progression following their most recent regimen", ("refractory",)),
        ("After at least 2 prior lines of systemic therapy", ("refractory",)),
        ("Received at least one prior oxaliplatin- or irinotecan-based regimen", ("refractory",)),
        ("Three or more prior regimens", ("refractory",)),
        ("Previously treated advanced NSCLC", ("refractory",)),
        ("Heavily pretreated disease", ("refractory",)),
        ("Failed prior therapy with an anti-PD-1 antibody", ("refractory",)),
        ("After failure of prior chemotherapy", ("refractory",)),
        ("Second-line or later treatment of metastatic disease", ("refractory",)),
        ("Must have exhausted all effective therapies", ("refractory",)),
        ("Disease refractory to lenalidomide", ("refractory",)),
        ("Relapsed disease that never responded to induction", ("refractory", "relapsed")),
        ("Primary induction failure", ("refractory",)),
        ("Distant recurrence", ("relapsed",)),
        ("Disease that recurred after surgery", ("relapsed",)),
        ("Progression within 6 months after the end of adjuvant therapy", ("relapsed",)),
        (
            "Breast cancer recurrence or progression while on, or within 12 months of, completing"
            " a (neo)adjuvant ET regimen",
            ("refractory", "relapsed"),
        ),
        (
            "Received ET as adjuvant therapy in the early setting and progressed within 24 months",
            ("relapsed",),
        ),
        ("Recurrence during adjuvant osimertinib", ("relapsed",)),
        ("Mutations which may cause resistance to current treatment", ("refractory", "resistant")),
        # Progression before surgery, during neoadjuvant treatment, is not disease that came back.
        ("Disease progression during neoadjuvant chemotherapy", ("refractory",)),
        # A side effect that comes back, not the cancer.
        ("Grade 3 neutropenia on therapy that is recurrent after dose reduction", ()),
        ("Platinum refractory ovarian cancer", ("refractory", "resistant")),
        ("Relapsed/refractory to JAK-inhibitor treatment", ("refractory", "relapsed", "resistant")),
        ("Castration resistance while on continuous ADT", ("refractory", "resistant")),
        ("Acquired resistance to osimertinib", ("refractory", "resistant")),
        ("Relapsed, and res\u0131stant to imatinib", ("refractory", "relapsed", "resistant")),  # ı
        # Not a history of treatment: brain metastases treated before, cycles of a regimen.
        ("Patients with previously treated brain metastases", ()),
        ("At least 2 prior cycles of platinum-based chemoradiotherapy", ()),
        ("No evidence of disease progression after first-line platinum", ()),
        # The first treatment given with an aim (NCT06252142, a watch-and-wait registry of
        # rectal cancer after a complete response): not disease treated before and still there.
        (
            "Previously treated with the intent of wait-and-watch with TNT or LCRT with or"
            " without brachytherapy",
            (),
        ),
    ],
)
def test_what_counts_as_disease_treated_before(line, expected):
    tags = included(line)
    assert tags.settings == expected
    if expected:
        [rule] = [r for r in setting_rules(tags) if r[0] == "any-of"]
        assert rule == ("any-of", expected, "inclusion", "")


# -- disease-setting requirements ---------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "ruled_out"),
    [
        ("Treatment-naive advanced NSCLC", ("refractory", "resistant")),
        (
            "Previously untreated HER2-positive breast cancer",
            ("refractory", "relapsed", "resistant"),
        ),
        # Untreated for advanced disease only: it may have come back after adjuvant treatment.
        (
            "Previously untreated with any systemic therapy for their metastatic disease",
            ("refractory", "resistant"),
        ),
        ("No prior systemic therapy for metastatic disease", ("refractory", "resistant")),
        (
            "Must not have received prior EGFR TKIs or other systemic therapy for stage IV NSCLC",
            ("refractory", "resistant"),
        ),
        ("Newly diagnosed multiple myeloma", ("refractory", "relapsed", "resistant")),
        ("Metastatic castration-sensitive prostate cancer", ("refractory", "resistant")),
        ("Candidates for first-line treatment", ("refractory", "resistant")),
    ],
)
def test_criteria_saying_the_disease_was_not_treated_rule_settings_out(line, ruled_out):
    tags = included(line)
    assert tags.settings == ()
    assert setting_rules(tags) == [("none-of", ruled_out, "inclusion", "")]
    [rule] = [r for r in tags.requirements if r.kind == "disease-setting"]
    assert rule.text == line


@pytest.mark.parametrize(
    "line",
    [
        "Progressed after first-line chemotherapy",  # first-line was given before
        "No prior systemic therapy, except for metastatic disease",
        "Patients with newly diagnosed or relapsed disease may be enrolled",
        # "De novo" says how the disease arose, not that it was never treated.
        "Previously treated, pathologically confirmed de novo DLBCL, or DLBCL transformed from"
        " previously diagnosed indolent lymphoma",
        "At least 2 previous systemic regimens for the treatment of their de novo or transformed"
        " DLBCL",
        "EGFR mutation (Ex19del, L858R), alone or with other EGFR mutations including de novo"
        " T790M",
        # Naive to one treatment (NCT05022342), or to chemotherapy only: the disease may have
        # been treated ("chemotherapy-naive castration-resistant prostate cancer").
        "Patient should be alpelisib treatment naïve.",
        "PD-1 inhibitor treatment-naive",
        "Chemotherapy-naive metastatic castration-resistant prostate cancer",
        # A first-line therapy that exists (NCT05984277, NCT06357533).
        "Absence of documented tumor genomic alterations in any other actionable driver oncogenes"
        " for which there are locally approved targeted first-line therapies.",
        # NCT03671044: an allowance of first-line treatment given.
        "Patients may have received one prior chemotherapy regimen for adjuvant therapy and/or"
        " one chemotherapy treatment/regimen for firstline metastatic therapy",
        # NCT03067181: said of the people of some arms only (a stage I tumour that recurred
        # during observation may join), not of everyone.
        "Patients enrolling on one of the low risk arms must be newly diagnosed with a stage I"
        " germ cell tumor; for the standard risk arms, patients must be newly diagnosed with"
        " metastatic germ cell tumor (stage II or higher)",
        # Untreated disease ruled out, as an inclusion criterion: the opposite of a rule
        # against treated disease.
        "Treatment-naive patients are not eligible",
        "Previously untreated patients will not be enrolled",
    ],
)
def test_words_of_untreated_disease_in_another_sense_rule_nothing_out(line):
    assert not [r for r in setting_rules(included(line)) if r[0] == "none-of"]


@pytest.mark.parametrize(
    "line",
    [
        # A criterion saying a treatment was given names the setting the disease was treated
        # in: it may not have responded (NCT06411691, NCT05317416, NCT06256588).
        "Cohort A: Have received 4-6 months of FOLFIRINOX or gemcitabine+nab-paclitaxel for the"
        " 1st line treatment of metastatic unresectable PDAC.",
        "History of induction therapy for newly diagnosed MM, followed by high dose therapy and"
        " autologous stem cell transplant.",
        "Has newly diagnosed unresected LA HNSCC of the larynx and completed cisplatin plus"
        " radiotherapy with curative intent.",
    ],
)
def test_untreated_words_naming_the_setting_of_a_treatment_given_rule_out_no_response(line):
    """Newly diagnosed disease treated once has not come back: relapsed only stays ruled out."""
    ruled_out = [r[1] for r in setting_rules(included(line)) if r[0] == "none-of"]
    assert ruled_out == ([("relapsed",)] if "newly diagnosed" in line else [])


@pytest.mark.parametrize(
    ("line", "ruled_out"),
    [
        # Denied or only allowed, the treatment was not given to everyone.
        (
            "Newly diagnosed AML, must not have received any prior therapy",
            ("refractory", "relapsed", "resistant"),
        ),
        (
            "Have not received any systemic therapy for metastatic NSCLC",
            ("refractory", "resistant"),
        ),
        (
            "Newly diagnosed AML; patients may have received hydroxyurea",
            ("refractory", "relapsed", "resistant"),
        ),
    ],
)
def test_untreated_words_beside_a_treatment_not_given_still_rule_settings_out(line, ruled_out):
    assert setting_rules(included(line)) == [("none-of", ruled_out, "inclusion", "")]


def test_untreated_for_advanced_disease_does_not_deny_resistance_asked_for_elsewhere():
    """NCT06065748: first treatment of advanced disease that resisted adjuvant hormone therapy.
    "No prior systemic therapy for advanced disease" does not say the disease is not resistant."""
    tags = tag(
        "Inclusion Criteria:\n\n* Resistance to prior adjuvant endocrine therapy\n"
        "* No prior systemic anti-cancer therapy for advanced disease\n"
    )
    assert [(rule, values) for rule, values, _, _ in setting_rules(tags)] == [
        ("any-of", ("refractory", "resistant"))
    ]
    # Asked of the people of another part only: each part keeps its own rule.
    parts = tag(
        "Inclusion Criteria:\n\n* Adults\n\nPart A:\n\n* Resistance to prior adjuvant endocrine"
        " therapy\n\nPart B:\n\n* No prior systemic anti-cancer therapy for advanced disease\n"
    )
    assert ("none-of", ("refractory", "resistant"), "inclusion", "Part B") in setting_rules(parts)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # A change of phase, not a treatment that failed (NCT06427811).
        ("Known second chronic phase of CML after previous progression to CML-AP/CML-BC.", ()),
        ("Disease that progressed to prior standard treatment", ("refractory",)),
    ],
)
def test_progression_to_a_phase_is_no_setting(line, expected):
    tags = tag(
        f"Inclusion Criteria:\n\n* Adults\n\nExclusion Criteria:\n\n* {line}\n",
        title="Drug X in Chronic Myeloid Leukemia",
    )
    assert [values for rule, values, _, _ in setting_rules(tags) if rule == "none-of"] == (
        [expected] if expected else []
    )
    assert included(line).settings == expected


@needs_shared
def test_real_criteria_read_as_untreated_by_mistake_rule_no_treated_disease_out():
    """NCT06411691 (first-line chemotherapy received), NCT06065748 (no therapy for advanced
    disease, resistant to adjuvant therapy), NCT06427811 (second chronic phase after progression
    to blast crisis, a trial for disease whose treatment failed)."""
    for nct_id in ("NCT06411691", "NCT06065748", "NCT06427811"):
        tags = real(nct_id)
        ruled_out = [
            r for r in tags.requirements if r.kind == "disease-setting" and r.rule == "none-of"
        ]
        assert ruled_out == [], nct_id
    assert settings_module.for_treated_disease(real("NCT06427811").settings, ())


def test_a_requirement_keeps_its_cohort():
    criteria = (
        "Inclusion Criteria:\n\n* Adults\n\nPart A:\n\n* Relapsed or refractory disease\n\n"
        "Part B:\n\n* Newly diagnosed disease\n"
    )
    tags = tag(criteria)
    assert tags.settings == ("refractory", "relapsed")
    assert setting_rules(tags) == [
        ("any-of", ("refractory", "relapsed"), "inclusion", "Part A"),
        ("none-of", ("refractory", "relapsed", "resistant"), "inclusion", "Part B"),
    ]


def test_a_not_refractory_criterion_rules_the_setting_out():
    assert setting_rules(included("Disease not refractory to lenalidomide")) == [
        ("none-of", ("refractory",), "inclusion", "")
    ]


# -- the brief summary --------------------------------------------------------------------


def test_the_summary_names_the_setting_when_the_rest_does_not():
    tags = tag(summary="This study tests Drug X in people with relapsed or refractory lymphoma.")
    assert tags.settings == ("refractory", "relapsed")
    assert tags.evidence_for("relapsed")[0].source == "summary"


@pytest.mark.parametrize(
    ("title", "line"),
    [
        ("First-line Drug X in Lymphoma", "Adults"),
        ("Drug X in Lymphoma", "Newly diagnosed lymphoma"),
        ("Adjuvant Drug X After Surgery", "Adults"),
        ("Drug X in Lymphoma", "Treatment-naive lymphoma"),
        ("Drug X as Maintenance After First-line Therapy", "Adults"),
        ("Drug X in Metastatic Hormone-Sensitive Prostate Cancer", "Adults"),
    ],
)
def test_the_summary_says_nothing_of_settings_in_a_trial_for_untreated_disease(title, line):
    summary = "Many patients relapse after standard treatment; Drug X may prevent it."
    tags = included(line, title=title, summary=summary + " Patients previously treated elsewhere.")
    assert tags.settings == ()


# -- real records -------------------------------------------------------------------------


def real(nct_id):
    return tag_trial(parse_study(load_real_record(nct_id)))


@needs_shared
def test_real_btk_refractory_leukaemia_is_refractory_relapsed_and_resistant():
    # NCT05147467: "Refractory, recurrent, or intolerant to BTK inhibitors and immunochemotherapy"
    tags = real("NCT05147467")
    assert tags.settings == ("refractory", "relapsed", "resistant")


@needs_shared
def test_real_first_line_trial_for_recurrent_disease_rules_out_treated_disease():
    # NCT06350097: "Stage IV metastatic NSCLC or recurrent NSCLC" (recurrent disease is one
    # way in, not asked of everyone); "must not have received prior EGFR TKIs or other systemic
    # therapy for Stage IIIB, IIIC or IV NSCLC".
    tags = real("NCT06350097")
    assert tags.settings == ("relapsed",)
    rules = {(r.rule, r.values) for r in tags.requirements if r.kind == "disease-setting"}
    assert rules == {("none-of", ("refractory", "resistant"))}


@needs_shared
def test_real_castration_sensitive_trial_is_not_resistant():
    # NCT06120491: "de novo or recurrent and castration-sensitive" prostate adenocarcinoma.
    tags = real("NCT06120491")
    assert "resistant" not in tags.settings and "refractory" not in tags.settings
    assert any(
        r.kind == "disease-setting" and r.rule == "none-of" and "resistant" in r.values
        for r in tags.requirements
    )


@needs_shared
def test_real_maintenance_in_remission_is_no_setting():
    # NCT05170204: consolidation after chemoradiotherapy, "No disease progression during or
    # following platinum-based cCRT"; "at least two prior cycles" of it.
    assert real("NCT05170204").settings == ()


@needs_shared
def test_no_setting_is_read_from_an_exclusion_criterion_of_a_real_record():
    for path in real_record_paths():
        tags = tag_trial(parse_study(json.loads(path.read_text(encoding="utf-8"))))
        for evidence in tags.evidence:
            if evidence.kind == "setting":
                assert evidence.source != "exclusion criteria", path.stem


# -- the quick looks miss nothing ---------------------------------------------------------
# A setting pattern is tried only around the words it needs, where the other words it needs
# are; a not-treated rule only in the criteria holding its `find` words. These compare the
# tags with and without those looks.

# The health checks of speed and of drawn phrases filtered out count against a time budget
# that a busy machine exhausts (they failed under a load of 8 to 12 and passed when rerun);
# a strategy that yields no phrase at all still fails (Unsatisfiable).
CONTRACT = settings(
    max_examples=25,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


# A phrase is on one line: no character that str.splitlines breaks at (drawing them and
# filtering them out made Hypothesis give up on patterns with a wide class such as [^.;\n]).
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def phrase(pattern: re.Pattern) -> st.SearchStrategy[str]:
    one_line = st.characters(blacklist_characters=LINE_BREAKS)
    return st.from_regex(pattern, fullmatch=True, alphabet=one_line).filter(
        lambda text: text.splitlines() == [text]
    )


def everywhere(fields, k):
    """Every pattern in every part, from its start."""
    return {part: dict.fromkeys(range(len(k.settings)), [0]) for part in range(len(fields.parts))}


EVERY_SETTING_PATTERN = pytest.mark.parametrize(
    ("setting", "pattern"),
    [(s, p) for s, p, _ in KNOWLEDGE.settings],
    ids=[p.pattern[:40] for _, p, _ in KNOWLEDGE.settings],
)


@contextlib.contextmanager
def looking_everywhere():
    """Each setting pattern searched in the whole of every part, not only around its words."""
    with (
        mock.patch.object(settings_module, "_candidates", everywhere),
        mock.patch.object(settings_module, "_windows", lambda positions, size, around: [(0, size)]),
        mock.patch.object(settings_module, "_holds_each", lambda piece, word_sets: True),
    ):
        yield


@pytest.mark.parametrize(
    "line",
    [
        "Disease refractory to lenalidomide",
        "R/R disease",
        "Relapse after, or failed to respond to, prior therapy",
        "Relapsed, with no response to salvage",
        "Castration-resistant disease",
        "at least 2 prior lines of therapy, no more than 4, progressed on the last one",
    ],
)
def test_the_quick_looks_change_no_tag(line):
    quick = included(line)
    assert quick.settings
    with looking_everywhere():
        clear_caches()
        assert included(line) == quick


@needs_shared
def test_the_quick_looks_change_no_real_record():
    paths = real_record_paths()[::3]  # every third record: the looks everywhere are slow
    trials = [parse_study(json.loads(p.read_text(encoding="utf-8"))) for p in paths]
    quick = [tag_trial(trial) for trial in trials]
    assert sum(bool(tags.settings) for tags in quick) > 5
    with (
        looking_everywhere(),
        mock.patch.object(
            KNOWLEDGE, "not_treated_words", {"": list(range(len(KNOWLEDGE.not_treated)))}
        ),
    ):
        clear_caches()
        assert [tag_trial(trial) for trial in trials] == quick


@EVERY_SETTING_PATTERN
@CONTRACT
@given(data=st.data())
def test_the_quick_looks_for_a_setting_miss_none_of_its_phrases(setting, pattern, data):
    line = f"Patients with {data.draw(phrase(pattern))} disease"
    quick = included(line)
    with looking_everywhere():
        assert included(line) == quick


@EVERY_SETTING_PATTERN
@CONTRACT
@given(data=st.data())
def test_the_quick_looks_find_phrases_close_together_as_everywhere(setting, pattern, data):
    # Phrases a few characters apart, each holding the words: the stretches looked at around
    # each word meet, and a phrase may start or end by another's words.
    first, second = data.draw(phrase(pattern)), data.draw(phrase(pattern))
    gap = data.draw(st.sampled_from(["", " ", ", ", " and ", " to ", "-", " (", " or other "]))
    line = f"Patients with {first}{gap}{second} disease"
    quick = included(line)
    with looking_everywhere():
        assert included(line) == quick


@pytest.mark.parametrize("rule", KNOWLEDGE.not_treated, ids=lambda r: r.regex.pattern[:40])
@CONTRACT
@given(data=st.data())
def test_the_quick_looks_for_untreated_disease_miss_none_of_its_phrases(rule, data):
    line = f"Patients with {data.draw(phrase(rule.regex))} disease"
    quick = included(line)
    every = {"": list(range(len(KNOWLEDGE.not_treated)))}
    with mock.patch.object(KNOWLEDGE, "not_treated_words", every):
        assert included(line) == quick


@pytest.mark.parametrize(
    ("criteria", "rules_out"),
    [
        (
            "Inclusion Criteria:\n\n* No prior systemic therapy for metastatic disease\n"
            "* No prior therapy in the locally advanced setting\n* Adults\n"
            "Exclusion Criteria:\n\n* Prior therapy for metastatic disease",
            True,
        ),
        (
            "Inclusion Criteria:\n\n* First line, front-line or 1st-line treatment\n"
            "* Previously untreated, no prior chemotherapy for stage IV disease",
            True,
        ),
        # Words that start alike at the very end of the inclusion criteria, whole or cut short.
        ("Inclusion Criteria:\n\n* Adults\n* No prior systemic therapy for recurrent", True),
        ("Inclusion Criteria:\n\n* Adults\n* No prior systemic therapy for", False),
    ],
)
def test_words_of_untreated_disease_that_start_alike_are_all_found(criteria, rules_out):
    quick = tag(criteria)
    assert any(rule == "none-of" for rule, *_ in setting_rules(quick)) == rules_out
    every = {"": list(range(len(KNOWLEDGE.not_treated)))}
    with mock.patch.object(KNOWLEDGE, "not_treated_words", every):
        clear_caches()
        assert tag(criteria) == quick


# -- disease treated before: what the default search keeps --------------------------------


@pytest.mark.parametrize(
    ("criteria", "kept"),
    [
        # First-line treatment of disease that came back: relapsed, but not treated before.
        ("Inclusion Criteria:\n\n* Recurrent or metastatic NSCLC\n* No prior systemic therapy "
         "for metastatic disease\n", False),
        ("Inclusion Criteria:\n\n* Relapsed breast cancer\n* Previously untreated\n", False),
        # No earlier line of treatment, of everyone (a count of none): first-line.
        ("Inclusion Criteria:\n\n* Stage IV or recurrent NSCLC with no prior systemic "
         "anti-cancer therapy given as primary therapy for advanced or metastatic disease\n",
         False),
        ("Inclusion Criteria:\n\n* Relapsed NSCLC\n* No more than 0 prior lines of therapy\n",
         False),
        # ... in one part of the trial only: kept.
        ("Inclusion Criteria:\n\n* Relapsed NSCLC\nPart A:\n* No prior systemic therapy for "
         "advanced disease\n", True),
        # Asked for somewhere, even beside treatment-naive patients: kept.
        ("Inclusion Criteria:\n\n* Relapsed breast cancer\n* No prior systemic therapy for "
         "metastatic disease\n* Progressed on at least one prior line of therapy\n", True),
        # Untreated in one part of the trial only: kept.
        ("Inclusion Criteria:\n\n* Relapsed NSCLC\nPart A:\n* Previously untreated\n", True),
        ("Inclusion Criteria:\n\n* Relapsed or refractory multiple myeloma\n", True),
    ],
)  # fmt: skip
def test_disease_treated_before_is_a_setting_not_denied_for_everyone(criteria, kept):
    from trialfinder.pipeline import TagFilter
    from trialfinder.vocabulary import DEFAULT_SETTINGS

    tags = tag(criteria, title="Drug X in Lung Cancer")
    assert tags.settings  # each trial has a previously-treated setting
    assert settings_module.for_treated_disease(tags.settings, tags.requirements) is kept
    assert TagFilter(settings=DEFAULT_SETTINGS).accepts(tags) is kept
    # Asked for by name, a setting is what the tags say.
    assert TagFilter(settings=("relapsed",)).accepts(tags) is ("relapsed" in tags.settings)


@needs_shared
def test_the_default_keeps_no_first_line_trial_of_the_reference_records():
    """NCT06350097 ('first-line osimertinib', 'recurrent NSCLC'), NCT06760637 ('previously
    untreated ... for their locally advanced or metastatic disease'), NCT06561386 ('Stage IV or
    recurrent ... with no prior systemic anti-cancer therapy ... for advanced or metastatic
    disease'): relapsed, yet first-line."""
    for nct_id in ("NCT06350097", "NCT06760637", "NCT06561386"):
        tags = tag_trial(parse_study(load_real_record(nct_id)))
        assert "relapsed" in tags.settings
        assert not settings_module.for_treated_disease(tags.settings, tags.requirements)


def test_a_setting_another_setting_brings_is_data_and_checked(tmp_path):
    from trialfinder.knowledge import InvalidDataFile, data_text, read_data_file

    assert KNOWLEDGE.setting_also["resistant"] == ("refractory",)
    copy = tmp_path / "settings.toml"
    copy.write_text(
        data_text("settings.toml").replace('also = ["refractory"]', 'also = ["refactory"]'),
        encoding="utf-8",
    )
    with pytest.raises(InvalidDataFile, match=r"settings\.toml:\d+: resistant\.also"):
        read_data_file(copy)


@pytest.mark.parametrize(
    "text",
    [
        "Newly diagnosed or relapsed AML",
        "either treatment-naïve or progressed on one line",
        "chemotherapy naive or pretreated",
        "previously untreated or relapsed disease",
        "de novo or recurrent disease",
        "recurrent or de novo disease",
    ],
)
def test_every_untreated_phrase_holds_one_of_its_find_words(text):
    """settings.toml [summary] `untreated` is only tried in texts holding an `untreated_find`
    word: each of its matches must hold one, or a phrase would be missed."""
    guarded = KNOWLEDGE.untreated
    matches = [m.group().lower() for m in guarded.regex.finditer(text)]
    assert matches
    assert all(any(word in match for word in guarded.words) for match in matches)


def test_a_setting_for_parts_the_item_does_not_name_is_not_asked_of_everyone():
    tags = tag(
        "Inclusion Criteria:\n\n"
        "* For one part of the study, participants must have received at least one prior "
        "oxaliplatin-containing regimen for metastatic colorectal cancer.\n"
        "* For some parts of the study, NSCLC that is previously untreated in the advanced "
        "setting.\n\nExclusion Criteria:\n\n* Pregnancy"
    )
    assert setting_rules(tags) == []


@needs_shared
def test_real_setting_of_one_part_of_the_study_does_not_rule_out_untreated_disease():
    # NCT04956640: "For one part of the study, participants must have received at least one
    # prior oxaliplatin- or irinotecan-containing regimen"; other parts take untreated NSCLC.
    tags = real("NCT04956640")
    assert [r for r in tags.requirements if r.kind == "disease-setting"] == []


def test_a_treated_setting_between_two_diseases_is_of_the_later_one_only():
    tags = included(
        "Locally advanced head and neck cancers, locally advanced cancer cervix and recurrent "
        "breast cancers, anorectal cancers (stages IIA to IIIC)"
    )
    assert setting_rules(tags) == []
    relapsed = included("Relapsed or refractory multiple myeloma after at least 1 prior line")
    assert setting_rules(relapsed)


@needs_shared
def test_real_recurrent_breast_cancer_among_locally_advanced_cancers_is_not_asked_of_all():
    # NCT05099809: "locally advanced head and neck cancers ..., locally advanced cancer cervix
    # ..., locally advanced ... and recurrent breast cancers, cancer oesophagus ...": a newly
    # diagnosed head and neck cancer was excluded as not relapsed.
    tags = real("NCT05099809")
    # (Only "no metastatic disease (M0)", asked of everyone, is a rule of its stage.)
    settings = [r.values for r in tags.requirements if r.kind == "disease-setting"]
    assert settings == [("non-metastatic",)]


# -- a setting that ends a span of time ---------------------------------------------------


@pytest.mark.parametrize(
    ("line", "asked"),
    [
        # The span's end: a rule for those whose disease came back; de novo disease joins too.
        ("Disease-free interval from completion of adjuvant or neoadjuvant systemic "
         "non-hormonal treatment to recurrence of >= 6 months", False),
        ("Time from the end of induction therapy to relapse of at least 12 months", False),
        ("Disease-free interval between the end of adjuvant therapy and relapse of more "
         "than 6 months", False),
        # The setting asked for, and a span beside it: still asked of everyone.
        ("Relapsed breast cancer with a disease-free interval of at least 6 months", True),
        ("Recurrence within 12 months of completion of adjuvant chemotherapy", True),
        # "or" joining two kinds of one treatment: the setting is still asked of everyone.
        ("Recurrence within 12 months of completion of adjuvant or neoadjuvant systemic "
         "treatment", True),
        ("Progressed on or after a platinum doublet", True),
        # "or" offering another way in: not asked of everyone.
        ("Recurrent or metastatic head and neck cancer", False),
    ],
)  # fmt: skip
def test_a_setting_read_in_an_inclusion_criterion_is_asked_of_everyone_or_only_taken(line, asked):
    tags = included(line)
    assert tags.settings, line
    rules = [rule for rule in setting_rules(tags) if rule[0] == "any-of"]
    assert bool(rules) is asked, rules


@needs_shared
def test_the_interval_to_recurrence_asks_no_setting_of_de_novo_disease():
    """NCT05296798 and NCT05894239 (first-line, "Disease-free interval from completion of
    adjuvant or neoadjuvant systemic non-hormonal treatment to recurrence of >= 6 months"):
    a patient whose cancer was metastatic from the start is not told it must have come back."""
    for nct_id in ("NCT05296798", "NCT05894239"):
        tags = tag_trial(parse_study(load_real_record(nct_id)))
        assert "relapsed" in tags.settings
        assert not setting_rules(tags)


def test_a_setting_of_one_alternative_of_a_lead_in_is_taken_not_asked():
    """NCT04576156: '(iii) ... having documented relapsed disease' is one of three ways in that
    its lead-in line offers ('as defined in either inclusion (i), (ii) or (iii):')."""
    tags = tag(
        "Inclusion Criteria:\n\n"
        "* Relapsed/refractory to JAK-inhibitor treatment as defined in either (i), (ii) or "
        "(iii):\n"
        "  * (i) No decrease in spleen volume after 6 months of a JAK inhibitor\n"
        "  * (ii) Treatment with a JAK inhibitor for 3 months or more\n"
        "  * (iii) Having documented relapsed disease after a JAK inhibitor\n"
    )
    assert "relapsed" in tags.settings
    rules = setting_rules(tags)
    # The lead-in line asks for any of the settings; no alternative is asked of everyone.
    assert rules == [("any-of", ("refractory", "relapsed", "resistant"), "inclusion", "")]


def test_treated_brain_metastases_allowed_rule_out_no_treated_disease_whatever_the_signs():
    """NCT06760702 writes '>' as '\\&gt;': its ';' ended the clause before "are allowed", and
    "previously treated" brain metastases ruled out every cancer treated before."""
    line = (
        "Known symptomatic or untreated or recently treated (≤ 6 months of screening) CNS "
        "metastases. Patients with previously treated ({sign} 6 months of screening) and are now "
        "stable and asymptomatic, from CNS perspective, are allowed."
    )
    for sign in (">", "\\&gt;", "&gt;"):
        criteria = f"Inclusion Criteria:\n\n* Adults\n\nExclusion Criteria:\n\n* {line}"
        assert setting_rules(tag(criteria.format(sign=sign))) == []


@pytest.mark.parametrize(
    ("title", "too"),
    [
        # NCT06427811: the second group named in the title need not have been treated.
        (
            "Drug X in Previously Treated Patients With CML Without T315I Mutation and in"
            " Patients With CML With T315I Mutation",
            True,
        ),
        (
            "Drug X in Patients With Ph+ CML-CP (Without T315I Mutation), Previously Treated"
            " With Two or More TKIs and Ph+ CML-CP With T315I Mutation",
            True,
        ),
        # Each group has it: it is said of everyone.
        (
            "Drug X in Patients With Relapsed AML and in Patients With Relapsed MDS",
            False,
        ),
        ("Drug X in Patients With Relapsed and Refractory Myeloma", False),
    ],
)
def test_a_setting_the_title_gives_one_of_two_groups_only_is_not_the_only_one(title, too):
    tags = tag(title=title)
    assert tags.settings  # the trial still takes such disease
    assert tags.untreated_too is too


@pytest.mark.parametrize(
    ("untreated", "too"),
    [
        # NCT03983954: said for "progressed following their most recent regimen" alone.
        ("Treatment-naïve patients will be eligible only if they refused standard treatment", True),
        ("Patients with newly diagnosed disease are excluded. Prior therapy is allowed.", False),
    ],
)
def test_untreated_disease_said_to_be_eligible_is_taken_too(untreated, too):
    tags = tag(
        "Inclusion Criteria:\n\n* Progressed following their most recent regimen.\n"
        f"* {untreated}\n\nExclusion Criteria:\n\n* Pregnancy"
    )
    assert tags.settings == ("refractory",)
    assert tags.untreated_too is too


@pytest.mark.parametrize(
    ("alternative", "too"),
    [
        # NCT03745326: "... must have had approved first-line chemotherapy." / "OR" /
        # "-declined standard treatment."
        ("OR\n\n   -declined standard treatment.", True),
        ("or refused standard therapy", True),
        # declined, but said as no alternative
        ("Patients who declined standard treatment are not eligible.", False),
    ],
)
def test_standard_treatment_declined_as_an_alternative_takes_untreated_disease_too(
    alternative, too
):
    tags = tag(
        "Inclusion Criteria:\n\n* Progressed following their most recent regimen.\n\n"
        f"   {alternative}\n\nExclusion Criteria:\n\n* Pregnancy"
    )
    assert tags.settings == ("refractory",)
    assert tags.untreated_too is too


@pytest.mark.parametrize(
    ("title", "plain"),
    [
        # NCT06427811 ("... in Previously Treated Indian Patients With Ph+ CML-CP") explained its
        # refractory tag as "the cancer did not respond to treatment", which the record does not say
        ("Asciminib in Previously Treated Patients With CML", "the cancer was treated before"),
        ("Drug X After at Least Two Prior Lines of Therapy", "the cancer was treated before"),
        ("Drug X in Refractory Myeloma", "the cancer did not respond to treatment"),
        ("Drug X After Progression on Osimertinib", "the cancer did not respond to treatment"),
    ],
)
def test_refractory_evidence_says_what_the_words_say(title, plain):
    tags = tag(title=title)
    (evidence,) = [e for e in tags.evidence if e.tag == "refractory"]
    assert evidence.reason.split(": ", 2)[2].startswith(plain), evidence.reason
