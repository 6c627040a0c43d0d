"""Plain-language summaries: content, tags and nearest site, templates, robustness."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from trialfinder import summary, tagging
from trialfinder.errors import ConfigError
from trialfinder.model import Site, parse_study
from trialfinder.summary import interventions_under_test, summarize
from trialfinder.tagging import Tags

from conftest import load_real_record, needs_shared
from factories import make_study

CLOSING = (
    "A trial is research. It may not help you. Your care team can tell you if it is right for you."
)


@dataclass(frozen=True)
class StandInNearest:
    site: Site
    distance_mi: float


def summary_of(**study) -> str:
    return summarize(parse_study(make_study(**study)))


def test_default_summary_says_every_part():
    text = summary_of()
    # The heading above it ("In plain words") names it: no line of its own says so again.
    assert text.startswith("What does it test?\n")
    assert "in plain words" not in text.lower()
    assert '- "Teclistamab" is an immunotherapy.' in text
    assert "It is a phase 2 trial." in text
    assert "Phase 2 looks at whether the treatment can shrink or control the cancer." in text
    assert 'It is for people with "Multiple Myeloma".' in text
    assert "People aged 18 years and older can join." in text
    assert "People of any sex can join." in text
    assert 'Its status is "recruiting". It is looking for people to join now.' in text
    assert "It has one site: Dana-Farber Cancer Institute in Boston, Massachusetts" in text
    assert "You can contact Study Team." in text
    assert "Phone: 617-555-0100." in text
    assert "Email: trials@example.org" in text
    assert "Trial page: https://clinicaltrials.gov/study/NCT01000001" in text
    assert text.endswith(CLOSING)


@pytest.mark.parametrize(
    ("phases", "label", "explained"),
    [
        # (NCT05438667 said "It is a early phase 1 trial.")
        (["EARLY_PHASE1"], "It is an early phase 1 trial.", "very small first test"),
        (["PHASE1"], "It is a phase 1 trial.", "looks for a safe dose"),
        (["PHASE1", "PHASE2"], "It is a phase 1/2 trial.", "joins two steps"),
        (["PHASE2"], "It is a phase 2 trial.", "shrink or control"),
        (["PHASE2", "PHASE3"], "It is a phase 2/3 trial.", "compares it with the usual"),
        (["PHASE3"], "It is a phase 3 trial.", "compares the new treatment"),
        (["PHASE4"], "It is a phase 4 trial.", "already approved"),
        (["NA"], 'The phase is "not applicable".', "different kind"),
        ([], "The phase is not stated.", "does not say which phase"),
    ],
)
def test_every_phase_is_explained(phases, label, explained):
    text = summary_of(phases=phases)
    assert label in text
    assert explained in text
    assert "Phase means one step in testing a new treatment" in text


def test_observational_study_says_it_gives_no_treatment():
    study = make_study(phases=[], interventions=[], arm_groups=[])
    study["protocolSection"]["designModule"]["studyType"] = "OBSERVATIONAL"
    text = summarize(parse_study(study))
    assert "This study does not give a new treatment." in text
    assert "The phase is not stated." in text


def test_non_cancer_trial_does_not_speak_of_cancer_in_the_phase():
    text = summary_of(conditions=["Mild Asthma"], title="Albuterol in asthma")
    assert "shrink or control the illness" in text


@pytest.mark.parametrize(
    ("status", "said"),
    [
        ("NOT_YET_RECRUITING", '"not yet recruiting". It has not started'),
        ("ACTIVE_NOT_RECRUITING", '"active not recruiting". It is still going on'),
        ("COMPLETED", '"completed". It has ended.'),
        ("TERMINATED", '"terminated". It stopped early.'),
        ("ENROLLING_BY_INVITATION", "Only people who are asked"),
        ("UNKNOWN", "its status is not sure"),
        ("", "The record does not say whether it is open."),
    ],
)
def test_status_is_said_and_explained(status, said):
    assert said in summary_of(status=status)


def test_experimental_arms_decide_what_is_tested():
    interventions = [
        {"type": "DRUG", "name": "Newmab", "armGroupLabels": ["New"]},
        {"type": "DRUG", "name": "Docetaxel", "armGroupLabels": ["Usual"]},
        {"type": "DRUG", "name": "Placebo", "armGroupLabels": ["New"]},
        {"type": "OTHER", "name": "Quality of life questionnaire"},  # linked to no arm
    ]
    arms = [
        {"label": "New", "type": "EXPERIMENTAL", "interventionNames": ["Drug: Newmab"]},
        {"label": "Usual", "type": "ACTIVE_COMPARATOR", "interventionNames": ["Drug: Docetaxel"]},
    ]
    trial = parse_study(make_study(interventions=interventions, arm_groups=arms))
    assert [i.name for i in interventions_under_test(trial)] == ["Newmab"]
    text = summarize(trial)
    tested = text.split("What does it test?")[1].split("Which step")[0]
    assert tested.strip().splitlines()[0].startswith('- "Newmab" is ')
    assert "Placebo" not in tested and "questionnaire" not in text
    assert "Another group gets Docetaxel, to compare." in tested


def test_a_rescue_or_premedication_beside_the_treatments_is_not_said_as_tested():
    """NCT06305754 said '"H1 Receptor Antagonist" is a medicine', '"Acetaminophen (or
    equivalent)" is a medicine' under "What does it test?": medicines "Administered as rescue
    medication per approved product label" beside sacituzumab tirumotecan."""
    rescue = "Administered as rescue medication per approved product label"
    interventions = [
        {"type": "DRUG", "name": "Sacituzumab tirumotecan", "armGroupLabels": ["New"]},
        {"type": "DRUG", "name": "Carboplatin", "armGroupLabels": ["Usual"]},
        {
            "type": "DRUG",
            "name": "H1 Receptor Antagonist",
            "description": rescue,
            "armGroupLabels": ["New"],
        },
        {
            "type": "DRUG",
            "name": "Acetaminophen (or equivalent)",
            "description": rescue,
            "armGroupLabels": ["New"],
        },
    ]
    arms = [
        {"label": "New", "type": "EXPERIMENTAL"},
        {"label": "Usual", "type": "ACTIVE_COMPARATOR"},
    ]
    text = summarize(parse_study(make_study(interventions=interventions, arm_groups=arms)))
    tested = text.split("What does it test?")[1].split("Which step")[0]
    assert '"Sacituzumab tirumotecan" is ' in tested
    assert "Receptor Antagonist" not in tested and "Acetaminophen" not in tested
    assert "Another group gets Carboplatin, to compare." in tested
    # Alone, a supportive medicine is what the trial tests (NCT03118986: olanzapine).
    alone = [{"type": "DRUG", "name": "Olanzapine", "description": "to prevent nausea"}]
    text = summarize(parse_study(make_study(interventions=alone, arm_groups=[])))
    assert '"Olanzapine" is ' in text


def test_a_name_ending_with_a_full_stop_is_said_without_it():
    """NCT03997110 said '"Short course palliative radiation." is a kind of radiation therapy'
    and 'Another group gets Long course palliative treatment., to compare.'"""
    short, long = "Short course palliative radiation.", "Long course palliative treatment."
    interventions = [
        {"type": "RADIATION", "name": short, "armGroupLabels": ["A"]},
        {"type": "RADIATION", "name": long, "armGroupLabels": ["B"]},
    ]
    arms = [
        {"label": "A", "type": "EXPERIMENTAL"},
        {"label": "B", "type": "ACTIVE_COMPARATOR"},
    ]
    text = summarize(parse_study(make_study(interventions=interventions, arm_groups=arms)))
    assert '- "Short course palliative radiation" is ' in text
    assert "Another group gets Long course palliative treatment, to compare." in text
    assert ".," not in text and '."' not in text


@pytest.mark.parametrize(
    ("label", "who"),
    [
        # The label names a class and drugs the record does not link to the arm: said too.
        ("Fulvestrant and investigator's choice of CDK4/6i (palbociclib or ribociclib)",
         'Group "Fulvestrant and investigator\'s choice of CDK4/6i (palbociclib or '
         'ribociclib)" gets'),
        # It names what the arm is linked to, or nothing: "another group".
        ("Fulvestrant (Faslodex)", "Another group gets"),
        ("Control", "Another group gets"),
    ],
)  # fmt: skip
def test_a_comparator_arm_whose_label_names_more_is_named_by_its_label(label, who):
    """NCT04862663: its comparator arm gives fulvestrant and a CDK4/6 inhibitor, but only
    fulvestrant is linked to it; "Another group gets Fulvestrant" hid the rest."""
    interventions = [
        {"type": "DRUG", "name": "Newmab", "armGroupLabels": ["New"]},
        {"type": "DRUG", "name": "Fulvestrant", "armGroupLabels": ["New", label]},
    ]
    arms = [
        {"label": "New", "type": "EXPERIMENTAL", "interventionNames": ["Drug: Newmab"]},
        {"label": label, "type": "ACTIVE_COMPARATOR", "interventionNames": ["Drug: Fulvestrant"]},
    ]
    text = summarize(parse_study(make_study(interventions=interventions, arm_groups=arms)))
    assert f"{who} Fulvestrant, to compare." in text


def test_without_experimental_arms_every_intervention_is_tested():
    interventions = [
        {"type": "DRUG", "name": "A-drug", "armGroupLabels": ["Cohort 1"]},
        {"type": "RADIATION", "name": "Stereotactic radiosurgery", "armGroupLabels": ["Cohort 2"]},
    ]
    arms = [{"label": "Cohort 1"}, {"label": "Cohort 2", "type": "OTHER"}]
    trial = parse_study(make_study(interventions=interventions, arm_groups=arms))
    assert [i.name for i in interventions_under_test(trial)] == [
        "A-drug",
        "Stereotactic radiosurgery",
    ]
    text = summarize(trial)
    assert '"Stereotactic radiosurgery" is a kind of radiation therapy.' in text
    assert "Radiation therapy means high-energy rays" in text
    assert "group gets" not in text and "groups get" not in text


def test_tags_say_the_kind_of_treatment_and_the_setting():
    tags = Tags(
        categories=("immunotherapy", "chemotherapy", "combination"),
        settings=("refractory", "relapsed"),
        intervention_categories=(
            ("Teclistamab", ("immunotherapy",)),
            ("Cisplatin", ("chemotherapy",)),
        ),
    )
    interventions = [
        {"type": "BIOLOGICAL", "name": "Teclistamab", "armGroupLabels": ["Arm A"]},
        {"type": "DRUG", "name": "Cisplatin", "armGroupLabels": ["Arm A"]},
    ]
    arms = [{"label": "Arm A", "type": "EXPERIMENTAL"}]
    trial = parse_study(make_study(interventions=interventions, arm_groups=arms))
    text = summarize(trial, tags=tags)
    assert '- "Teclistamab" is an immunotherapy. Immunotherapy means a treatment that helps' in text
    assert '- "Cisplatin" is a kind of chemotherapy. Chemotherapy means' in text
    assert "Some of these treatments are given together." in text
    assert (
        "It is for people whose cancer did not respond or stopped responding to treatment, or came"
        " back after treatment." in text
    )
    assert "whose cancer" not in summarize(trial, tags=Tags())


@pytest.mark.parametrize(
    ("conditions", "said"),
    [
        (["Breast Cancer", "Pancreatic Adenocarcinoma", "Melanoma"], False),
        (["Breast Cancer"], True),
    ],
)
def test_a_rule_of_one_of_the_listed_diseases_is_not_said_of_everyone(conditions, said):
    """NCT03983954 said "Your cancer must not test positive for this marker: HER2" of every
    cancer it takes, from "ER+/HER2- or triple-negative breast cancer", one of them."""
    criteria = (
        "Inclusion Criteria:\n\n* Solid tumor from the following list:\n"
        "  1. Pancreatic adenocarcinoma\n  2. ER+/HER2- or triple-negative breast cancer\n"
        "  3. Melanoma\n\nExclusion Criteria:\n\n* Pregnancy"
    )
    text = summary_of(title="Drug X in Solid Tumors", conditions=conditions, criteria=criteria)
    assert ("must not test positive for this marker: HER2" in text) is said


@pytest.mark.parametrize(
    ("criteria", "higher"),
    [
        # NCT06350097: 18 for everyone, 20 in Japan.
        ("Participant must be ≥ 18 years; Participant from Japan must be ≥ 20 years.", True),
        ("Male or female ≥ 18 years or age (or the legal age of adulthood per country).", True),
        ("Participants must be ≥ 18 years of age. Other age restrictions may apply.", True),
        ("Participants must be ≥ 18 years of age in the opinion of the investigator.", False),
    ],
)
def test_a_lowest_age_higher_in_some_places_is_said_beside_the_age(criteria, higher):
    text = summary_of(
        criteria=f"Inclusion Criteria:\n\n* {criteria}\n\nExclusion Criteria:\n\n* Pregnancy"
    )
    assert "People aged 18 years and older can join.\n" in text
    note = "People aged 18 years and older can join.\nIn some places the lowest age to join may"
    assert (note in text) is higher


@pytest.mark.parametrize(
    ("min_age", "max_age", "criteria", "said"),
    [
        # NCT06201611: a maximum age of 18 beside "Patients aged >= 18 years".
        (None, "18 Years", "Patients aged >= 18 years", None),
        # Criteria that stop a year below the highest age field (NCT04861558: "79 Years" beside
        # "<= 78 years old") are said in the record's numbers: under the field's age.
        ("18 Years", "79 Years", "Aged 18 to 78 years", "People aged 18 years to under 79 years"),
        ("0 Years", "18 Years", "Age less than 18 years", "People aged under 18 years can"),
        ("18 Years", "60 Years", "Healthy adults under age 60", "aged 18 years to under 60 years"),
        # Criteria that say the fields' ages are said as the fields.
        ("18 Years", "75 Years", "Aged 18 to 75 years", "People aged 18 years to 75 years can"),
        ("18 Years", None, "Aged 18 years or older", "People aged 18 years and older can"),
        # Criteria a little below the lowest field ("2.5 to < 18" beside 30 months, NCT03118986).
        ("30 Months", "18 Years", "2.5 to < 18 years", "aged 30 months to under 18 years"),
        # Any other narrowing leaves a field's age that the criteria rule out: not said.
        ("18 Years", "80 Years", "Aged 18 to 75 years", None),
        ("18 Years", None, "Aged 18 to 75 years", None),
        ("18 Years", "75 Years", "Aged 21 to 75 years", None),
        ("18 Months", "18 Years", "Aged 2 years or older", None),
    ],
)
def test_ages_that_do_not_agree_are_not_said(min_age, max_age, criteria, said):
    text = summary_of(
        title="Drug X in Neuropathy",
        conditions=["Diabetic Neuropathy"],
        min_age=min_age,
        max_age=max_age,
        criteria=f"Inclusion Criteria:\n\n* {criteria}\n\nExclusion Criteria:\n\n* Pregnancy",
    )
    if said is None:
        assert "The record gives ages that do not agree." in text
        assert "People aged" not in text
    else:
        assert said in text and "do not agree" not in text


@pytest.mark.parametrize(
    ("min_age", "max_age", "said"),
    [
        ("0 Years", "6 Months", "People aged 0 years to 6 months can join."),
        ("18 Years", "18 Years", "People aged 18 years to 18 years can join."),
        ("65 Years", None, "People aged 65 years and older can join."),
    ],
)
def test_age_fields_without_an_age_rule_are_said_as_they_are(min_age, max_age, said):
    text = summary_of(
        min_age=min_age,
        max_age=max_age,
        criteria="Inclusion Criteria:\n\n* Signed consent\n\nExclusion Criteria:\n\n* Pregnancy",
    )
    assert said in text


@pytest.mark.parametrize(
    ("min_age", "max_age"),
    [
        ("65 Years", "18 Years"),  # the lowest above the highest
        ("N/A", "N/A"),
        ("abc", None),
        (None, "18 Years\nSee the trial page for ages"),  # a line of its own slipped in
    ],
)
def test_age_fields_that_are_no_ages_are_not_said(min_age, max_age):
    text = summary_of(
        min_age=min_age,
        max_age=max_age,
        criteria="Inclusion Criteria:\n\n* Signed consent\n\nExclusion Criteria:\n\n* Pregnancy",
    )
    assert "The record does not give clear ages. The trial page and the study team" in text
    assert "People aged" not in text and "of any age" not in text


@pytest.mark.parametrize(
    "title, criteria",
    [
        ("Drug X in Newly Diagnosed or Relapsed AML", "Newly diagnosed or relapsed AML"),
        ("Drug X in NSCLC", "Stage IV NSCLC, either treatment naive or progressed on 1 line"),
        ("Drug X in Prostate Cancer", "Adenocarcinoma, de novo or recurrent"),
    ],
)
def test_a_trial_that_takes_untreated_disease_too_is_not_said_to_be_only_for_treated(
    title, criteria
):
    """ "It is for people whose cancer came back" would turn the newly diagnosed away."""
    tags = tagging.tag_trial(parse_study(make_study(title=title, criteria=criteria)))
    assert tags.settings and tags.untreated_too
    text = summary_of(title=title, criteria=criteria)
    assert "It is for people whose cancer" not in text


@pytest.mark.parametrize(
    "title, criteria",
    [
        # NCT03946202, NCT06561386, NCT06103864, NCT05022342: recurrent beside disease that
        # need not have been treated before.
        ("Drug X in Locally Advanced/Recurrent Breast Cancer", "Adults"),
        ("Drug X for Stage IV/Recurrent Non-small Cell Lung Cancer", "Adults"),
        ("Drug X in Locally Recurrent Inoperable or Metastatic Breast Cancer", "Adults"),
        (
            "Drug X in Breast Cancer",
            "ABC/MBC (locoregionally recurrent not amenable to cure or metastatic)",
        ),
        # NCT05099809: one kind of cancer among locally advanced ones.
        (
            "Drug X in Cancer",
            "Locally advanced (primarily inoperable T3 and T4 stages) and recurrent breast cancers",
        ),
        # NCT05894239: a condition on those whose disease came back.
        (
            "Drug X in Breast Cancer",
            "Disease-free interval from end of adjuvant therapy to recurrence of >= 6 months",
        ),
        # NCT06760637: first-line for advanced disease, of everyone.
        ("Drug X in Recurrent Breast Cancer", "No prior systemic therapy for metastatic disease"),
    ],
)
def test_a_trial_not_only_for_disease_that_came_back_is_not_said_to_be(title, criteria):
    tags = tagging.tag_trial(parse_study(make_study(title=title, criteria=criteria)))
    assert tags.settings == ("relapsed",)
    assert "It is for people whose cancer" not in summary_of(title=title, criteria=criteria)


def test_disease_that_came_back_offered_beside_refractory_disease_is_left_out():
    # NCT06750094: "Recurrent, Unresectable or Metastatic CRC" beside "progression on" a line.
    title = "Drug X in Recurrent, Unresectable or Metastatic Colorectal Cancer"
    text = summary_of(title=title, criteria="Progression on one line of therapy")
    assert (
        "It is for people whose cancer did not respond or stopped responding to treatment.\n"
        in text
    )


@pytest.mark.parametrize(
    "title, criteria",
    [
        ("Drug X in Relapsed AML", "Relapsed AML"),
        ("Drug X in DLBCL", "At least 2 prior regimens for de novo or transformed DLBCL"),
        ("Drug X in CLL", "Refractory to BTK inhibitors"),
        ("Drug X in Solid Tumors", "Progressed following prior treatment"),
        # Named in the title, the setting is the trial's own word for whom it is for.
        (
            "Drug X in Relapsed or Refractory CLL",
            "Refractory to BTK inhibitors, or first-line BTK inhibitor fails",
        ),
    ],
)
def test_a_trial_for_treated_disease_says_so(title, criteria):
    assert "It is for people whose cancer" in summary_of(title=title, criteria=criteria)


@pytest.mark.parametrize(
    "title, criteria, said",
    [
        # NCT06252142: "previously treated" for a watch-and-wait study of cancer that responded.
        ("Drug X in Previously Treated Rectal Cancer", "Adults", "has been treated before"),
        ("Drug X in Cancer", "At least two prior lines of systemic therapy", "has been treated"),
        ("Drug X in Cancer", "Must have exhausted all effective therapies", "has been treated"),
        (
            "Drug X in Refractory AML",
            "Adults",
            "did not respond or stopped responding to treatment",
        ),
        ("Drug X in Cancer", "Progressed on at least one prior line", "did not respond"),
        ("Drug X in Cancer", "Non-responders to prior BCG", "did not respond"),
    ],
)
def test_refractory_disease_read_only_as_treated_before_is_said_to_be_so(title, criteria, said):
    text = summary_of(title=title, criteria=criteria)
    assert f"It is for people whose cancer {said}" in text


def test_a_setting_ruled_out_for_some_who_join_is_not_said():
    # NCT04956640: some parts take NSCLC "previously untreated in the advanced/metastatic
    # setting", another asks for "at least one prior oxaliplatin- or irinotecan-containing
    # regimen".
    criteria = (
        "Inclusion Criteria:\n\n* Metastatic cancer\n"
        "* For some parts of the study, Stage IV NSCLC that is previously untreated in the"
        " advanced/metastatic setting\n"
        "* For one part of the study, participants must have received at least one prior"
        " oxaliplatin-containing regimen for metastatic CRC\n"
    )
    title = "Drug X in Solid Tumors"
    tags = tagging.tag_trial(parse_study(make_study(title=title, criteria=criteria)))
    assert tags.settings == ("refractory",) and tags.untreated_too
    assert "It is for people whose cancer" not in summary_of(title=title, criteria=criteria)


@pytest.mark.parametrize(
    "title",
    [
        # NCT06427811: only the first of the title's two groups was treated before.
        "Drug X in Previously Treated Patients With CML Without T315I Mutation and in Patients"
        " With CML With T315I Mutation",
        "Drug X in Patients With Ph+ CML-CP (Without T315I Mutation), Previously Treated With Two"
        " or More Tyrosine Kinase Inhibitors and Ph+ CML-CP With T315I Mutation",
    ],
)
def test_a_setting_the_title_gives_one_of_two_groups_is_not_said_of_everyone(title):
    assert "It is for people whose cancer" not in summary_of(title=title, criteria="Adults")


def test_a_setting_asked_in_one_part_only_is_not_said_of_the_trial():
    # NCT04862663: "Key inclusion criteria only for phase III: ... recurrence or progression
    # while on, or within 12 months of, completing a (neo)adjuvant ET regimen"; its phase Ib
    # asks no setting.
    criteria = (
        "Key inclusion criteria for both phases:\n\n1. Adult females and males.\n\n"
        "Key inclusion criteria only for phase III:\n\n1. Radiological evidence of breast"
        " cancer recurrence or progression while on adjuvant endocrine therapy.\n"
    )
    title = "Drug X for Metastatic Breast Cancer"
    tags = tagging.tag_trial(parse_study(make_study(title=title, criteria=criteria)))
    asked = [r for r in tags.requirements if r.kind == "disease-setting"]
    assert tags.settings and asked and all(r.cohort for r in asked)
    assert tags.untreated_too
    assert "It is for people whose cancer" not in summary_of(title=title, criteria=criteria)


@pytest.mark.parametrize(
    "criteria",
    [
        # NCT04482309: people with no satisfactory treatment need not have had any.
        "Progressed following prior treatment or who have no satisfactory alternative treatment"
        " options",
        "Must be refractory or intolerant to standard treatment, or have no standard treatment",
        # "Or first-line ..." may offer disease not treated: the reading cannot tell that
        # this first-line treatment failed, so it says nothing.
        "Refractory to BTK inhibitors, or first-line BTK inhibitor fails",
    ],
)
def test_a_setting_read_only_where_another_way_in_is_offered_is_not_said(criteria):
    title = "Drug X in Solid Tumors"
    tags = tagging.tag_trial(parse_study(make_study(title=title, criteria=criteria)))
    assert tags.settings and tags.untreated_too
    assert "It is for people whose cancer" not in summary_of(title=title, criteria=criteria)


def test_earlier_lines_are_not_asked_in_a_trial_that_takes_the_never_treated_too():
    # NCT03983954: "All patients must have received at least 1 standard systemic cancer
    # therapy ... and progressed", then "Treatment-naive patients will be eligible only if
    # they refused standard treatment".
    lines = "* Must have received at least 1 prior systemic therapy and progressed\n"
    naive = "* Treatment-naive patients will be eligible only if they refused standard treatment\n"
    title = "Drug X in Solid Tumors"
    for criteria, said in ((lines, True), (lines + naive, False)):
        text = summary_of(title=title, criteria=f"Inclusion Criteria:\n\n{criteria}")
        assert ("earlier line of treatment" in text) is said, text


def test_without_tags_the_summary_tags_the_trial_itself(monkeypatch):
    trial = parse_study(make_study())
    tags = tagging.tag_trial(trial)
    assert summarize(trial) == summarize(trial, tags=tags)

    def no_second_reading(_trial):
        raise AssertionError("the trial was tagged again")

    monkeypatch.setattr(summary, "tag_trial", no_second_reading)
    assert summarize(trial, tags=tags)  # given tags are used as they are


def test_tag_biomarkers_alone_say_no_rule():
    """Markers the tagging found say nothing a patient must have: only requirements do."""
    text = summarize(parse_study(make_study()), tags=Tags(biomarkers=("KRAS G12C",)))
    assert "KRAS" not in text
    assert "What are some key rules?" not in text


# -- what it tests, what other groups get ---------------------------------------------------


def arm(label: str, kind: str, *names: str, description: str = "") -> dict:
    return {"label": label, "type": kind, "description": description,
            "interventionNames": [f"Drug: {n}" for n in names]}  # fmt: skip


def drug(name: str, kind: str = "DRUG") -> dict:
    return {"type": kind, "name": name}


def what_it_tests(text: str) -> str:
    return text.split("What does it test?")[1].split("Which step of testing is it?")[0].strip()


def test_tests_scans_samples_questionnaires_and_placebo_are_not_what_it_tests():
    names = ["Sotorasib", "Biospecimen Collection", "Computed Tomography",
             "Magnetic Resonance Imaging", "Quality-of-Life Assessment",
             "Questionnaire Administration", "Placebo", "There is no intervention",
             "No Intervention"]  # fmt: skip
    interventions = [drug(n, "OTHER" if n != "Sotorasib" else "DRUG") for n in names]
    trial = parse_study(
        make_study(
            title="Sotorasib in KRAS G12C lung cancer",
            conditions=["Non-small Cell Lung Cancer"],
            interventions=interventions,
            arm_groups=[arm("A", "EXPERIMENTAL", *names)],
        )
    )
    part = what_it_tests(summarize(trial))
    assert part.splitlines() == [
        '- "Sotorasib" is a targeted therapy. Targeted therapy means a medicine that goes after a '
        "certain change in cancer cells."
    ]
    assert [i.name for i in interventions_under_test(trial)] == ["Sotorasib"]


@pytest.mark.parametrize(
    ("purpose", "said"),
    [
        # NCT03118986, olanzapine against vomiting in children with cancer, supportive care.
        ("SUPPORTIVE_CARE", "Phase 2 looks at whether the treatment works."),
        ("PREVENTION", "Phase 2 looks at whether the treatment works."),
        ("TREATMENT", "Phase 2 looks at whether the treatment can shrink or control the cancer."),
        ("", "Phase 2 looks at whether the treatment can shrink or control the cancer."),
    ],
)
def test_a_trial_not_for_treating_the_illness_does_not_say_its_phase_shrinks_it(purpose, said):
    study = make_study(phases=["PHASE2"])
    study["protocolSection"]["designModule"]["designInfo"] = {"primaryPurpose": purpose}
    assert said in summarize(parse_study(study))


@pytest.mark.parametrize("phases", [["PHASE3"], ["PHASE2", "PHASE3"]])
def test_a_trial_of_one_group_does_not_say_its_phase_compares_treatments(phases):
    # NCT04638790: a phase 3 trial of one treatment plan for each stage of Hodgkin lymphoma,
    # "SINGLE_GROUP", was said to compare "the new treatment with the usual treatment"
    study = make_study(phases=phases)
    study["protocolSection"]["designModule"]["designInfo"] = {"interventionModel": "SINGLE_GROUP"}
    text = summarize(parse_study(study))
    assert "compare" not in text.replace("not designed to compare groups", "")
    assert "This trial is not designed to compare groups." in text
    study["protocolSection"]["designModule"]["designInfo"] = {"interventionModel": "PARALLEL"}
    assert "compares" in summarize(parse_study(study))
    # a record of one group with an arm it calls a comparator (NCT06372145) said both
    study["protocolSection"]["designModule"]["designInfo"] = {"interventionModel": "SINGLE_GROUP"}
    study["protocolSection"]["armsInterventionsModule"]["armGroups"].append(
        {"label": "Usual", "type": "ACTIVE_COMPARATOR", "interventionNames": []}
    )
    assert "not designed to compare groups" not in summarize(parse_study(study))


def test_a_trial_for_a_complication_does_not_say_its_phase_shrinks_the_cancer():
    # NCT06016452 treats radionecrosis (its conditions: "Radionecrosis of Brain" beside gliomas)
    # and turns away progressing gliomas, yet said its phase looks at shrinking the cancer
    study = make_study(phases=["PHASE2"], conditions=["Glioma", "Radionecrosis of Brain"])
    study["protocolSection"]["designModule"]["designInfo"] = {"primaryPurpose": "TREATMENT"}
    text = summarize(parse_study(study))
    assert "Phase 2 looks at whether the treatment works." in text
    assert "shrink" not in text
    glioma = make_study(phases=["PHASE2"], conditions=["Glioma"])
    assert "shrink or control the cancer" in summarize(parse_study(glioma))
    # ... the cancer where it spread is none: a HIPEC trial treats the cancer
    hipec = make_study(phases=["PHASE2"], conditions=["Colorectal Cancer", "Peritoneal Metastases"])
    assert "shrink or control the cancer" in summarize(parse_study(hipec))


def test_a_trial_of_tests_only_with_a_phase_does_not_say_what_a_treatment_would_do():
    """NCT05419375, a screening platform of phase 2, said "Phase 2 looks at whether the
    treatment can shrink or control the cancer"."""
    interventions = [drug("Screening platform", "OTHER") | {"description": "Biomarker testing"}]
    arms = [arm("NSCLC", "OTHER", "Screening platform")]
    study = make_study(interventions=interventions, arm_groups=arms, phases=["PHASE2"])
    text = summarize(parse_study(study))
    assert 'It looks at "Screening platform".' in text
    assert "This study gives no treatment to test. It looks at what is named above." in text
    assert "shrink" not in text
    treated = make_study(interventions=[drug("Newmab")], phases=["PHASE2"])
    assert "Phase 2 looks at whether the treatment can shrink" in summarize(parse_study(treated))


def test_a_trial_of_tests_only_says_what_it_looks_at():
    interventions = [
        drug("PET-CT guided biopsy", "PROCEDURE"),
        drug("CT guided biopsy", "PROCEDURE"),
    ]
    arms = [arm("PET-CT", "EXPERIMENTAL", "PET-CT guided biopsy"),
            arm("CT", "ACTIVE_COMPARATOR", "CT guided biopsy")]  # fmt: skip
    part = what_it_tests(
        summarize(parse_study(make_study(interventions=interventions, arm_groups=arms)))
    )
    assert part.splitlines() == [
        'It looks at "PET-CT guided biopsy".',
        "Another group gets CT guided biopsy, to compare.",
    ]


@pytest.mark.parametrize(
    "name",
    [
        "Endoscopic ultrasound placement of Coil and glue",
        "Ultrasound-guided nerve block",
        "Cyst drainage under endoscopic ultrasound",
        "Stent placement guided by ultrasound",
        "Focused ultrasound",
    ],
)
def test_a_procedure_an_ultrasound_guides_is_no_test(name):
    """NCT06370169 said it "looks at" an "Endoscopic ultrasound placement of Coil and glue", as
    if it were a scan: the ultrasound only guides where the coil goes."""
    trial = parse_study(
        make_study(
            title="Coil embolization of gastric varices",
            conditions=["Gastric Varices"],
            interventions=[drug(name, "DEVICE")],
            arm_groups=[arm("A", "EXPERIMENTAL", name)],
        )
    )
    assert what_it_tests(summarize(trial)).splitlines() == [f'- "{name}" is a medical device.']


@pytest.mark.parametrize(
    "name", ["Abdominal ultrasound", "Ultrasound guided biopsy", "Ultrasound guided muscle mass"]
)
def test_an_ultrasound_scan_or_what_it_guides_to_measure_is_a_test(name):
    trial = parse_study(
        make_study(
            title="Liver scans",
            conditions=["Fatty Liver"],
            interventions=[drug(name, "PROCEDURE")],
            arm_groups=[arm("A", "EXPERIMENTAL", name)],
        )
    )
    assert what_it_tests(summarize(trial)).splitlines() == [f'It looks at "{name}".']


@pytest.mark.parametrize(
    ("name", "kind", "said"),
    [
        ("Single-fraction radiotherapy", "RADIATION", "is a kind of radiation therapy. Radiation "
         "therapy means high-energy rays aimed at a part of the body to treat it."),
        ("Endodontic microsurgery", "PROCEDURE", "is a kind of surgery."),
    ],
)  # fmt: skip
def test_surgery_or_radiation_for_another_illness_is_not_said_to_treat_cancer(name, kind, said):
    """Radiotherapy against a bone disease was explained as rays "to kill cancer cells or
    shrink tumors" (like NCT06643676's dental microsurgery, a trial not about cancer)."""
    trial = parse_study(
        make_study(
            title="Prevention of heterotopic ossification after hip surgery",
            conditions=["Heterotopic Ossification"],
            criteria="Inclusion Criteria:\n\n* Hip replacement\n\nExclusion Criteria:\n\n* None",
            interventions=[drug(name, kind)],
            arm_groups=[arm("A", "EXPERIMENTAL", name)],
        )
    )
    part = what_it_tests(summarize(trial))
    assert part.splitlines() == [f'- "{name}" {said}']
    assert "cancer" not in part.lower() and "tumor" not in part.lower()


def test_methacholine_to_test_the_airways_is_not_what_it_tests():
    """NCT04912596 said it tests "Methacholine", breathed in by every group to see how well
    the inhalers protect the airways (a bronchial challenge)."""
    interventions = [drug("Albuterol inhaler"), drug("Placebo inhaler", "OTHER"),
                     drug("Methacholine", "OTHER")]  # fmt: skip
    arms = [arm("Test", "EXPERIMENTAL", "Albuterol inhaler", "Methacholine"),
            arm("Placebo", "PLACEBO_COMPARATOR", "Placebo inhaler", "Methacholine")]  # fmt: skip
    trial = parse_study(
        make_study(
            title="Albuterol in asthma",
            conditions=["Asthma"],
            interventions=interventions,
            arm_groups=arms,
        )
    )
    assert what_it_tests(summarize(trial)).splitlines() == [
        '- "Albuterol inhaler" is a medicine.',
        "Another group gets a placebo, to compare. Placebo means a dummy treatment that looks "
        "like the real one but has no medicine in it.",
    ]


@pytest.mark.parametrize(
    ("name", "kind", "said"),
    [
        ("Pozelimab + Cemdisiran", "DRUG", '- "Pozelimab + Cemdisiran".'),
        ("ERCP plus gastroenterostomy", "PROCEDURE", '- "ERCP plus gastroenterostomy".'),
        ("Baxdrostat/dapagliflozin", "DRUG", '- "Baxdrostat/dapagliflozin" is a medicine.'),
    ],
)
def test_two_treatments_named_as_one_are_not_said_to_be_one_medicine(name, kind, said):
    """NCT05070858 said "Pozelimab + Cemdisiran" "is a medicine": two are given. One pill of
    two ("Baxdrostat/dapagliflozin") is one."""
    trial = parse_study(
        make_study(
            title="In myasthenia gravis",
            conditions=["Myasthenia Gravis"],
            interventions=[drug(name, kind)],
            arm_groups=[arm("A", "EXPERIMENTAL", name)],
        )
    )
    assert what_it_tests(summarize(trial)).splitlines() == [said]


@pytest.mark.parametrize(
    ("name", "said"),
    [
        (
            "Standard maintenance therapy as decided by the treating medical oncologist",
            '- "Standard maintenance therapy as decided by the treating medical oncologist".',
        ),
        ("Standard of care", '- "Standard of care".'),
        ("Usual treatment per investigator", '- "Usual treatment per investigator".'),
        ("Standard dose olaparib", '- "Standard dose olaparib" is a medicine.'),
    ],
)
def test_the_usual_treatment_someone_decides_on_is_not_said_to_be_a_medicine(name, said):
    """NCT05278052 said "Standard maintenance therapy as decided by the treating medical
    oncologist" "is a medicine", of an arm of maintenance therapy or observation: the record
    does not say what it is."""
    trial = parse_study(
        make_study(
            title="In lung cancer",
            conditions=["Lung Cancer"],
            interventions=[drug(name)],
            arm_groups=[arm("A", "EXPERIMENTAL", name)],
        )
    )
    assert what_it_tests(summarize(trial, tags=Tags())).splitlines()[0].startswith(said)


def test_a_sham_device_is_said_as_a_sham_not_a_placebo():
    """NCT05742711 said its sham device arm gets "a placebo", "a dummy treatment that ... has
    no medicine in it": a sham is an inactive device or procedure."""
    interventions = [drug("Primary Relief", "DEVICE"),
                     drug("Primary Relief - Sham Device", "DEVICE")]  # fmt: skip
    arms = [arm("Treatment", "EXPERIMENTAL", "Primary Relief"),
            arm("Control", "SHAM_COMPARATOR", "Primary Relief - Sham Device")]  # fmt: skip
    [line] = comparison_lines(interventions, arms)
    assert line.startswith("Another group gets a sham, to compare. Sham means an inactive")
    assert "placebo" not in line.lower() and "medicine" not in line
    # A sham arm that links no intervention is said the same way.
    bare = [arms[0], arm("Control", "SHAM_COMPARATOR")]
    assert comparison_lines(interventions[:1], bare)[0].startswith("Another group gets a sham,")


def test_a_comparison_of_tests_leaves_out_those_the_tested_arm_has_too():
    """NCT03180268 said its observation arm "gets Biospecimen Collection, Clinical Observation,
    Laboratory Biomarker Analysis, Magnetic Resonance Imaging and Quality-of-Life Assessment",
    all but the observation given in the radiation arm as well."""
    interventions = [drug("Biospecimen Collection", "PROCEDURE"),
                     drug("Clinical Observation", "OTHER"),
                     drug("Magnetic Resonance Imaging", "PROCEDURE"),
                     drug("Proton Beam Radiation Therapy", "RADIATION")]  # fmt: skip
    shared = ["Biospecimen Collection", "Magnetic Resonance Imaging"]
    arms = [arm("Observation", "ACTIVE_COMPARATOR", "Clinical Observation", *shared),
            arm("Radiation", "EXPERIMENTAL", "Proton Beam Radiation Therapy", *shared)]  # fmt: skip
    assert comparison_lines(interventions, arms) == [
        "Another group gets Clinical Observation, to compare."
    ]


def test_an_observational_study_names_no_treatment_under_test():
    interventions = [drug("Alpelisib plus fulvestrant", "OTHER"), drug("No intervention", "OTHER")]
    study = make_study(interventions=interventions, arm_groups=[], phases=[])
    study["protocolSection"]["designModule"]["studyType"] = "OBSERVATIONAL"
    part = what_it_tests(summarize(parse_study(study)))
    assert part.splitlines() == [
        "This study does not give a new treatment. It watches and records people's health.",
        'It looks at "Alpelisib plus fulvestrant".',
    ]


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("Non-intervention", False),
        ("No intervention: usual follow-up", False),
        ("N/A", False),
        ("Observational study", False),
        ("Piano intervention", True),  # (the words of no_intervention, from a word's start)
        ("Casino intervention program", True),
    ],
)
def test_an_entry_that_names_no_intervention_is_not_said_to_be_tested(name, shown):
    interventions = [drug("Pembrolizumab", "DRUG"), drug(name, "OTHER")]
    text = summarize(parse_study(make_study(interventions=interventions, arm_groups=[])))
    assert (f'"{name}"' in text) is shown


def comparison_lines(interventions: list[dict], arms: list[dict]) -> list[str]:
    trial = parse_study(make_study(interventions=interventions, arm_groups=arms))
    lines = what_it_tests(summarize(trial)).splitlines()
    return [
        line
        for line in lines
        if (" get" in line or "to compare" in line) and not line.startswith(("- ", "Every group"))
    ]


def test_a_comparator_arm_is_named_by_its_whole_regimen():
    names = ["Iberdomide", "Daratumumab", "Bortezomib", "Dexamethasone"]
    given = "Participants receive daratumumab, bortezomib and dexamethasone"
    arms = [arm("IDd", "EXPERIMENTAL", "Iberdomide", "Daratumumab", "Dexamethasone"),
            arm("DVd", "ACTIVE_COMPARATOR", *names[1:], description=given)]  # fmt: skip
    assert comparison_lines([drug(n) for n in names], arms) == [
        "Another group gets Daratumumab, Bortezomib and Dexamethasone, to compare."
    ]


def test_several_comparator_arms_are_named_and_placebo_is_said_plainly():
    names = ["Newmab", "Placebo", "Pembrolizumab", "Docetaxel", "Matching placebo tablets"]
    arms = [arm("New", "EXPERIMENTAL", "Newmab"),
            arm("Pembro", "PLACEBO_COMPARATOR", "Placebo", "Pembrolizumab"),
            arm("Doce", "ACTIVE_COMPARATOR", "Docetaxel", "Matching placebo tablets")]  # fmt: skip
    lines = comparison_lines([drug(n) for n in names], arms)
    assert lines == [
        'Group "Pembro" gets a placebo and Pembrolizumab, to compare. Placebo '
        "means a dummy treatment that looks like the real one but has no medicine in it.",
        'Group "Doce" gets Docetaxel and a placebo, to compare.',
    ]


def test_an_experimental_arm_of_the_investigators_choice_is_said_as_the_comparison():
    names = ["Newmab", "Pomalidomide", "Carfilzomib"]
    arms = [arm("Newmab", "EXPERIMENTAL", "Newmab"),
            arm("PVd or Kd", "EXPERIMENTAL", "Pomalidomide", "Carfilzomib",
                description="Either PVd or Kd based on investigator's choice.")]  # fmt: skip
    trial = parse_study(
        make_study(
            title="Newmab Versus PVd or Kd in Myeloma",
            interventions=[drug(n) for n in names],
            arm_groups=arms,
        )
    )
    tested = what_it_tests(summarize(trial)).splitlines()
    assert [line.split('"')[1] for line in tested if line.startswith("- ")] == ["Newmab"]
    assert "Another group gets some of these: Pomalidomide and Carfilzomib, to compare." in tested


def test_arms_giving_the_same_are_one_sentence():
    names = ["Newmab", "Placebo"]
    arms = [arm("New 1", "EXPERIMENTAL", "Newmab"), arm("New 2", "EXPERIMENTAL", "Newmab"),
            arm("Placebo 1", "PLACEBO_COMPARATOR", "Placebo"),
            arm("Placebo 2", "PLACEBO_COMPARATOR", "Placebo")]  # fmt: skip
    lines = comparison_lines([drug(n) for n in names], arms)
    assert lines[0].startswith("Other groups get a placebo, to compare.")
    assert len(lines) == 1


def test_a_choice_of_treatments_is_never_said_as_all_of_them():
    names = ["Imlunestrant", "Tamoxifen", "Anastrozole", "Letrozole"]
    description = "Investigator's choice of tamoxifen, anastrozole, or letrozole."
    arms = [arm("Imlunestrant", "EXPERIMENTAL", "Imlunestrant"),
            arm("Endocrine therapy", "ACTIVE_COMPARATOR", "Tamoxifen", "Anastrozole", "Letrozole",
                description=description)]  # fmt: skip
    assert comparison_lines([drug(n) for n in names], arms) == [
        "Another group gets some of these: Tamoxifen, Anastrozole and Letrozole, to compare."
    ]


def every_group_lines(interventions: list[dict], arms: list[dict]) -> list[str]:
    trial = parse_study(make_study(interventions=interventions, arm_groups=arms))
    return [line for line in what_it_tests(summarize(trial)).splitlines()
            if line.startswith("Every group")]  # fmt: skip


def test_what_every_group_gets_is_said_as_such():
    """NCT06356129 (golcadomide plus R-CHOP against placebo plus R-CHOP) listed R-CHOP's drugs
    as what it tests; they are what every group gets."""
    names = ["Golcadomide", "Rituximab", "Prednisone", "Placebo"]
    arms = [arm("A", "EXPERIMENTAL", "Golcadomide", "Rituximab", "Prednisone"),
            arm("B", "PLACEBO_COMPARATOR", "Placebo", "Rituximab", "Prednisone")]  # fmt: skip
    assert every_group_lines([drug(n) for n in names], arms) == [
        'Every group in the trial gets "Rituximab" and "Prednisone".'
    ]
    # Not said when the comparison is linked to what is tested only (NCT05144867), when an arm
    # gives a choice, or of two platinum drugs (one or the other, NCT06561386).
    d3 = [arm("D3", "EXPERIMENTAL", "Surgery"), arm("D2", "ACTIVE_COMPARATOR", "Surgery")]
    assert every_group_lines([drug("Surgery", "PROCEDURE")], d3) == []
    chosen = [arm("A", "EXPERIMENTAL", "Golcadomide", "Rituximab"),
              arm("B", "ACTIVE_COMPARATOR", "Prednisone", "Rituximab",
                  description="Prednisone or dexamethasone")]  # fmt: skip
    assert every_group_lines([drug(n) for n in ("Golcadomide", "Rituximab", "Prednisone")],
                             chosen) == []  # fmt: skip
    platinum = ["Newmab", "Cisplatin", "Carboplatin", "Docetaxel"]
    both = [arm("A", "EXPERIMENTAL", "Newmab", "Cisplatin", "Carboplatin"),
            arm("B", "ACTIVE_COMPARATOR", "Docetaxel", "Cisplatin", "Carboplatin")]  # fmt: skip
    assert every_group_lines([drug(n) for n in platinum], both) == []
    assert comparison_lines([drug(n) for n in platinum], both) == [
        "Another group gets some of these: Docetaxel, Cisplatin and Carboplatin, to compare."
    ]
    # Nor of a treatment given only when needed (NCT06087614: "if clinically indicated").
    cisplatin = drug("Cisplatin") | {"description": "Given if clinically indicated."}
    needed = [arm("A", "EXPERIMENTAL", "Newmab", "Cisplatin"),
              arm("B", "ACTIVE_COMPARATOR", "Docetaxel", "Cisplatin")]  # fmt: skip
    assert every_group_lines([drug("Newmab"), cisplatin, drug("Docetaxel")], needed) == []
    # ... nor of one given or not ("Standard maintenance therapy/Observation", NCT05278052)
    maintenance = drug("Maintenance") | {"description": "Standard maintenance therapy/Observation"}
    observed = [arm("A", "ACTIVE_COMPARATOR", "Maintenance"),
                arm("B", "EXPERIMENTAL", "Radiation", "Maintenance")]  # fmt: skip
    assert every_group_lines([maintenance, drug("Radiation", "RADIATION")], observed) == []


def test_what_an_add_on_trial_gives_every_group_is_said():
    """NCT05552976 (mezigdomide with carfilzomib and dexamethasone against carfilzomib and
    dexamethasone) listed all three as tested and never said what every group gets: the
    comparison linked to part of what is tested only was taken for a record in doubt."""
    names = ["Mezigdomide", "Carfilzomib", "Dexamethasone"]
    arms = [arm("MeziKd", "EXPERIMENTAL", *names), arm("Kd", "ACTIVE_COMPARATOR", *names[1:])]
    assert every_group_lines([drug(n) for n in names], arms) == [
        'Every group in the trial gets "Carfilzomib" and "Dexamethasone".'
    ]


def test_a_platinum_doublet_is_said_among_some_of_these():
    """NCT06627647 said its comparator arm "gets Pembrolizumab, Carboplatin, Cisplatin and
    Pemetrexed" of "Pembrolizumab in combination with platinum-based doublet chemotherapy"."""
    names = ["Newmab", "Pembrolizumab", "Carboplatin", "Cisplatin", "Pemetrexed"]
    described = "Pembrolizumab in combination with platinum-based doublet chemotherapy"
    arms = [arm("New", "EXPERIMENTAL", "Newmab"),
            arm("B", "ACTIVE_COMPARATOR", *names[1:], description=described)]  # fmt: skip
    assert comparison_lines([drug(n) for n in names], arms) == [
        "Another group gets some of these: Pembrolizumab, Carboplatin, Cisplatin and Pemetrexed,"
        " to compare."
    ]


def test_a_treatment_given_only_when_needed_is_said_among_some_of_these():
    """NCT06087614 said its comparator arm "gets Standard Arm and Cisplatin injection", of a
    cisplatin that "will be given if clinically indicated"."""
    cisplatin = drug("Cisplatin injection") | {"description": "Given if clinically indicated."}
    interventions = [drug("DE-HyART", "RADIATION"), drug("Standard Arm", "RADIATION"), cisplatin]
    arms = [arm("Arm 3", "EXPERIMENTAL", "DE-HyART", "Cisplatin injection"),
            arm("Arm 2", "ACTIVE_COMPARATOR", "Standard Arm", "Cisplatin injection")]  # fmt: skip
    assert comparison_lines(interventions, arms) == [
        "Another group gets some of these: Standard Arm and Cisplatin injection, to compare."
    ]
    cisplatin["description"] = "Given weekly."
    assert comparison_lines(interventions, arms) == [
        "Another group gets Standard Arm and Cisplatin injection, to compare."
    ]


@pytest.mark.parametrize(
    ("description", "some"),
    [
        # NCT05048797: "Investigator's choice of platinum chemotherapy (cisplatin)".
        ("Investigator's choice of platinum chemotherapy (cisplatin)", True),
        ("Either cisplatin or carboplatin, at the physician's discretion", True),
        # A dose or a time written with "or" or "±" is no choice.
        ("AUC 5 or 6 IV on Day 1, infused over 30 ± 5 minutes", False),
    ],
)
def test_a_treatment_described_as_a_choice_is_said_among_some_of_these(description, some):
    cisplatin = drug("Cisplatin") | {"description": description}
    interventions = [drug("Newmab"), cisplatin, drug("Pemetrexed")]
    arms = [arm("New", "EXPERIMENTAL", "Newmab"),
            arm("Standard", "ACTIVE_COMPARATOR", "Cisplatin", "Pemetrexed")]  # fmt: skip
    said = "some of these: Cisplatin and Pemetrexed" if some else "Cisplatin and Pemetrexed"
    assert comparison_lines(interventions, arms) == [f"Another group gets {said}, to compare."]


ADD_ON = "Another group gets Pembrolizumab, to compare."


@pytest.mark.parametrize(
    ("descriptions", "too"),
    [
        # NCT04613596: cohorts of adagrasib with pembrolizumab, one of adagrasib alone.
        (
            ["Adagrasib in combination with pembrolizumab", "Adagrasib monotherapy"],
            " Some of the groups that get the treatment above get it too.",
        ),
        (
            ["Adagrasib plus pembrolizumab", "Adagrasib + Pembrolizumab 200 mg"],
            " The groups that get the treatment above get it too.",
        ),
        (
            ["Adagrasib with a standard dose of pembrolizumab"],
            " The group that gets the treatment above gets it too.",
        ),
        # Words that give no pembrolizumab for sure.
        (["Adagrasib with or without pembrolizumab"], ""),
        (["Adagrasib in patients who progressed after pembrolizumab and chemotherapy"], ""),
        (["Adagrasib for pembrolizumab-naive patients with a partner drug"], ""),
        (["Adagrasib compared with pembrolizumab"], ""),
        (["Adagrasib twice daily"], ""),
        # Too many words between the cue and the drug.
        (["Adagrasib combined with daily oral dosing for many weeks before any pembrolizumab"], ""),
    ],
)
def test_a_comparators_treatment_the_tested_groups_get_too_is_said(descriptions, too):
    """NCT04613596 said "Another group gets Pembrolizumab, to compare." beside adagrasib alone,
    though its groups under test get adagrasib "in combination with pembrolizumab"."""
    interventions = [drug("Adagrasib"), drug("Pembrolizumab")]
    arms = [arm(f"Cohort {n}", "EXPERIMENTAL", "Adagrasib", description=text)
            for n, text in enumerate(descriptions, 1)]  # fmt: skip
    arms.append(arm("Comparator", "ACTIVE_COMPARATOR", "Pembrolizumab"))
    assert comparison_lines(interventions, arms) == [ADD_ON + too]


def test_a_treatment_given_too_is_read_in_an_interventions_own_description():
    """NCT07040059: "AUR103 Calcium will be administered with standard dose of Trastuzumab and
    CAPOX", of an intervention linked to every group under test; an intervention sharing its
    name with another (NCT04613596's four "Adagrasib") describes no group of its own."""
    new = drug("Newdrug") | {"description": "Given with a standard dose of pembrolizumab."}
    arms = [arm("A", "EXPERIMENTAL", "Newdrug"), arm("B", "EXPERIMENTAL", "Newdrug"),
            arm("Comparator", "ACTIVE_COMPARATOR", "Pembrolizumab")]  # fmt: skip
    assert comparison_lines([new, drug("Pembrolizumab")], arms) == [
        ADD_ON + " The groups that get the treatment above get it too."
    ]
    alone = drug("Newdrug") | {"description": "Given alone."}
    assert comparison_lines([new, alone, drug("Pembrolizumab")], arms) == [ADD_ON]


@pytest.mark.parametrize(
    ("tested", "description"),
    [
        # NCT03671044: a new form of docetaxel against Taxotere, "docetaxel" in its words.
        ("Nanosomal Docetaxel", "Nanosomal docetaxel with Taxotere premedication"),
        # The comparison's name is in the tested one's: said already.
        ("Newdrug + Pembrolizumab", "Newdrug with pembrolizumab"),
    ],
)
def test_what_is_tested_itself_is_not_said_to_be_given_too(tested, description):
    comparator = "Taxotere" if "Docetaxel" in tested else "Pembrolizumab"
    arms = [arm("A", "EXPERIMENTAL", tested, description=description),
            arm("Comparator", "ACTIVE_COMPARATOR", comparator)]  # fmt: skip
    lines = comparison_lines([drug(tested), drug(comparator)], arms)
    assert lines == [f"Another group gets {comparator}, to compare."]


def test_a_placebo_given_with_a_drug_keeps_the_drug():
    names = ["Baxdrostat", "Dapagliflozin in combination with placebo"]
    arms = [arm("Baxdrostat", "EXPERIMENTAL", "Baxdrostat"),
            arm("Dapagliflozin", "ACTIVE_COMPARATOR", names[1])]  # fmt: skip
    lines = comparison_lines([drug(n) for n in names], arms)
    assert lines[0].startswith("Another group gets Dapagliflozin in combination with placebo, to")


def test_an_arm_without_intervention_and_an_arm_that_is_no_comparison():
    names = ["Newmab", "Docetaxel"]
    arms = [arm("New", "EXPERIMENTAL", "Newmab"),
            arm("Observation", "NO_INTERVENTION"),
            arm("Induction", "OTHER", "Docetaxel")]  # fmt: skip
    assert comparison_lines([drug(n) for n in names], arms) == [
        'Group "Observation" gets none of these, to compare.',
        'Group "Induction" gets Docetaxel.',
    ]


@pytest.mark.parametrize(
    ("arms", "said"),
    [
        # NCT02210780: an EXPERIMENTAL arm "Placebo qw" beside one of dupilumab.
        ([arm("Placebo qw", "EXPERIMENTAL", "Placebo"), arm("Dupi", "EXPERIMENTAL", "Dupilumab")],
         True),
        # NCT06948422: "Participants will receive orforglipron orally or placebo."
        ([arm("GZL1", "EXPERIMENTAL", "Dupilumab", "Placebo",
              description="Participants will receive dupilumab or placebo.")], True),
        # A placebo beside the treatment, no choice said: a dummy, no comparison.
        ([arm("A", "EXPERIMENTAL", "Dupilumab", "Placebo")], False),
    ],
)  # fmt: skip
def test_a_placebo_of_an_arm_under_test_is_said_to_be_given_to_some(arms, said):
    lines = comparison_lines([drug("Dupilumab"), drug("Placebo")], arms)
    some = [line for line in lines if line.startswith("Some people get a placebo, to compare.")]
    assert bool(some) is said


def test_an_arm_linked_only_to_what_is_tested_is_not_said_to_get_it():
    """NCT02139605 said "Another group gets D3 Lymphadenectomy, to compare" of its "D2
    Lymphadenectomy" arm, NCT03633708 "Another group gets Etelcalcetide" of a control arm of
    standard care alone, NCT06454773 "Another group gets NCT/NFT" of its placebo arm: each
    record links its comparator arm to the very treatment under test only."""
    d2 = arm("D2 Lymphadenectomy", "ACTIVE_COMPARATOR", "D3 Lymphadenectomy")
    d3 = arm("D3 Lymphadenectomy", "EXPERIMENTAL", "D3 Lymphadenectomy")
    # ... though it is compared with it (NCT05144867: radiosurgery against whole-brain
    # radiotherapy, both arms linked to radiosurgery): said, not with what.
    assert comparison_lines([drug("D3 Lymphadenectomy", "PROCEDURE")], [d3, d2]) == [
        "Another group is treated in another way, to compare. The trial page says how."
    ]
    other = arm("D2 Lymphadenectomy", "OTHER", "D3 Lymphadenectomy")
    assert comparison_lines([drug("D3 Lymphadenectomy", "PROCEDURE")], [d3, other]) == []
    placebo = arm("control", "PLACEBO_COMPARATOR", "NCT/NFT", description="Placebo")
    lines = comparison_lines([drug("NCT/NFT")], [arm("intervention", "EXPERIMENTAL", "NCT/NFT"),
                                                 placebo])  # fmt: skip
    assert lines[0].startswith("Another group gets a placebo, to compare.")
    # A comparator giving part of what is tested is still said.
    names = ["Palbociclib", "Letrozole"]
    arms = [arm("A", "EXPERIMENTAL", *names), arm("B", "ACTIVE_COMPARATOR", "Letrozole")]
    assert comparison_lines([drug(n) for n in names], arms) == [
        "Another group gets Letrozole, to compare."
    ]


def test_treatments_of_different_arms_are_not_said_to_be_given_together():
    """NCT04250064 said "Some of these treatments are given together" of "Bevacizumab
    Injection" and "Ultra-low-dose RT", given in two arms."""
    tags = Tags(categories=("targeted-therapy", "radiation", "combination"))
    interventions = [drug("Bevacizumab Injection"), drug("Ultra-low-dose RT", "RADIATION")]
    apart = [arm("Bevacizumab", "EXPERIMENTAL", "Bevacizumab Injection"),
             arm("RT", "EXPERIMENTAL", "Ultra-low-dose RT")]  # fmt: skip
    together = [arm("Both", "EXPERIMENTAL", "Bevacizumab Injection", "Ultra-low-dose RT")]
    for arms, said in ((apart, False), (together, True)):
        trial = parse_study(make_study(interventions=interventions, arm_groups=arms))
        text = what_it_tests(summarize(trial, tags=tags))
        assert ("Some of these treatments are given together." in text) is said, text


@pytest.mark.parametrize(
    ("label", "description", "said"),
    [
        # NCT06712420: chemotherapy, then surgery, in one arm.
        ("Neoadjuvant chemotherapy followed by surgery", "Chemotherapy every 21 days.", False),
        ("Chemo arm", "Chemotherapy for 4 cycles, then surgery.", False),
        # One after the other, and some at once: still said (NCT06890598).
        (
            "Part A",
            "Chemotherapy in combination with surgery for up to 1 year followed by chemotherapy"
            " alone.",
            True,
        ),
        ("Both", "", True),
        # NCT06214572: "in addition to" need not be at once; one of the listed is given.
        ("RT", "Surgery in addition to chemotherapy. This is followed by chemotherapy.", False),
        ("Choice", "Participants will receive one of the following therapies alone", False),
        # NCT02513394: a schedule, not a treatment after another.
        ("Arm A", "Daily, day 1 to 21 followed by 7 days off, in addition to surgery", True),
    ],
)
def test_treatments_one_arm_gives_one_after_another_are_not_said_to_be_given_together(
    label, description, said
):
    tags = Tags(categories=("chemotherapy", "surgery", "combination"))
    interventions = [drug("Neoadjuvant chemotherapy"), drug("Curative surgery", "PROCEDURE")]
    arms = [
        arm(label, "EXPERIMENTAL", "Neoadjuvant chemotherapy", "Curative surgery",
            description=description),
        arm("Upfront surgery", "EXPERIMENTAL", "Curative surgery"),
    ]  # fmt: skip
    trial = parse_study(make_study(interventions=interventions, arm_groups=arms))
    text = what_it_tests(summarize(trial, tags=tags))
    assert ("Some of these treatments are given together." in text) is said, text


def test_nearest_site_says_where():
    site = Site(facility="City Hospital", city="Denver", state="Colorado", country="United States",
                status="NOT_YET_RECRUITING")  # fmt: skip
    locations = [
        {"facility": "A", "city": "Paris", "country": "France"},
        {"facility": "City Hospital", "city": "Denver", "country": "United States"},
    ]
    trial = parse_study(make_study(locations=locations))
    text = summarize(trial, nearest=StandInNearest(site=site, distance_mi=12.34))
    assert "The nearest site is City Hospital in Denver, Colorado, United States." in text
    assert "It is about 12 miles away." in text
    assert 'This site is "not yet recruiting".' in text
    assert "The trial has 2 sites in all." in text
    close = summarize(trial, nearest=StandInNearest(site=site, distance_mi=0.4))
    assert "It is less than a mile away." in close


@pytest.mark.parametrize(
    ("countries", "said"),
    [
        (["United States"] * 3, "It has 3 sites, all in the United States."),
        (["France", "Spain", "France"], "It has 3 sites in 2 countries: France and Spain."),
        (["A", "B", "C", "D", "E"], "It has 5 sites in 5 countries."),
        ([""] * 2, "It has 2 sites."),
    ],
)
def test_without_a_location_it_counts_sites_and_countries(countries, said):
    locations = [{"facility": f"Site {i}", "country": c} for i, c in enumerate(countries)]
    assert said in summary_of(locations=locations)


def test_missing_parts_still_give_a_correct_summary():
    study = make_study(
        criteria="",
        phases=[],
        locations=[],
        central_contacts=[],
        min_age=None,
        sex="",
        interventions=[],
        arm_groups=[],
        conditions=None,
    )
    study["protocolSection"]["conditionsModule"] = {}
    text = summarize(parse_study(study))
    assert "The record names no treatment." in text
    assert "The phase is not stated." in text
    assert "People of any age can join." in text
    assert "The record does not say which sexes can join." in text
    assert "The record lists no other rules to join." in text
    # (Not "no sites yet": NCT02299791, completed, said so, as if sites were still to come.)
    assert "The record lists no sites." in text
    assert "The record gives no main phone or email to ask about it." in text
    assert "It is for people with" not in text
    assert text.endswith(CLOSING)


def test_odd_markdown_and_huge_criteria():
    criteria = (
        "**Inclusion Criteria:**\n\n1. ECOG \\<= 1\n   * KRAS G12C\n\n"
        "**Exclusion Criteria:**\n\n* Known brain metastases\n"
        + "* " + "very long line " * 15_000 + "\n"
    )  # fmt: skip
    assert len(criteria) > 200_000
    text = summary_of(criteria=criteria)
    assert "very long line" not in text
    assert len(text) < 4_000
    assert text.endswith(CLOSING)


def test_names_with_line_breaks_and_markdown_stay_on_one_line():
    interventions = [{"type": "DRUG", "name": "**Drug A**\n  (oral)", "armGroupLabels": ["A"]}]
    arms = [{"label": "A", "type": "EXPERIMENTAL"}]
    text = summary_of(
        interventions=interventions, arm_groups=arms, conditions=["Multiple\nMyeloma", "# Heading"]
    )
    assert '- "**Drug A** (oral)" is a medicine.' in text
    assert 'It is about "Multiple Myeloma" and "# Heading".' in text


def test_a_sites_contact_is_said_when_the_record_names_no_central_one():
    """NCT06816836, one site with "Rakhi Rakhi, MD, 9051133005, rakhi.mittal@tmckolkata.com",
    said "The record gives no phone or email to ask about it"."""
    contact = {"name": "Rakhi Rakhi, MD", "phone": "9051133005", "email": "r@example.org"}
    site = {"facility": "Tata Medical Center", "city": "Kolkata", "country": "India",
            "contacts": [contact]}  # fmt: skip
    text = summary_of(central_contacts=[], locations=[site])
    assert "You can contact Rakhi Rakhi, MD at Tata Medical Center in Kolkata, India." in text
    assert "Phone: 9051133005." in text
    # Of several sites, without a place to be near, none is chosen.
    other = {"facility": "Other", "city": "Delhi", "country": "India", "contacts": [contact]}
    several = summary_of(central_contacts=[], locations=[site, other])
    assert "The trial page may list a contact for each site." in several
    # A central contact comes first.
    central = summary_of(central_contacts=[{"name": "Ann Lee", "phone": "555 0100 100"}],
                         locations=[site])  # fmt: skip
    assert "You can contact Ann Lee." in central and "Rakhi" not in central


def test_a_bracket_ending_a_contacts_name_is_left_out():
    # NCT06631443: "Dr. Shivakumar Gudi, MBBS, MD (Radiation Oncology)" was followed by
    # "Radiation therapy means ..." in a study that gives no radiation.
    name = "Dr. Shivakumar Gudi, MBBS, MD (Radiation Oncology)"
    text = summary_of(central_contacts=[{"name": name, "phone": "022 2417 7000"}])
    assert "You can contact Dr. Shivakumar Gudi, MBBS, MD.\n" in text
    assert "Radiation therapy means" not in text.split("How can I ask about it?")[1]


def test_contact_without_phone_or_name():
    text = summary_of(central_contacts=[{"email": "x@example.org"}])
    assert "You can contact the study team." in text
    assert "Phone:" not in text
    assert "Email: x@example.org" in text


# -- templates ---------------------------------------------------------------------------------


def test_own_template_is_used(tmp_path):
    (tmp_path / "summary.txt.j2").write_text("{{ s.nct_id }} is {{ s.status }}.\n\n\n{{ s.age }}")
    trial = parse_study(make_study())
    assert summarize(trial, templates=str(tmp_path)) == (
        "NCT01000001 is recruiting.\n\n18 years and older"
    )


def test_own_template_keeps_glossary_explanations(tmp_path):
    (tmp_path / "summary.txt.j2").write_text("For {{ trial.conditions | join(', ') }}.\n")
    text = summarize(
        parse_study(make_study(conditions=["Metastatic Melanoma"])), templates=tmp_path
    )
    assert "Metastasis means" in text


def test_missing_template_folder_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        summarize(parse_study(make_study()), templates=str(tmp_path / "nope"))


def test_broken_template_is_a_config_error(tmp_path):
    (tmp_path / "summary.txt.j2").write_text("{% if s.phase %}no end\n")
    with pytest.raises(ConfigError, match="broken at line"):
        summarize(parse_study(make_study()), templates=str(tmp_path))


def test_template_including_a_missing_one_is_a_config_error(tmp_path):
    (tmp_path / "summary.txt.j2").write_text('{% include "header.j2" %}\n')
    with pytest.raises(ConfigError, match="'header.j2' was not found"):
        summarize(parse_study(make_study()), templates=str(tmp_path))


@pytest.mark.parametrize("body", ["{{ s.no_such_fact }}", "{{ 1 / 0 }}"])
def test_template_failing_at_render_is_a_config_error(tmp_path, body):
    (tmp_path / "summary.txt.j2").write_text(body)
    with pytest.raises(ConfigError, match="could not be rendered"):
        summarize(parse_study(make_study()), templates=str(tmp_path))


@pytest.mark.parametrize(
    ("contact", "said", "not_said"),
    [
        (  # a sponsor's sentence where the name goes: the phone and email only
            {
                "name": "There may be multiple sites in this clinical trial. 1-877-CTLILLY or",
                "phone": "1-317-615-4559",
                "email": "hub@example.org",
            },
            "You can contact the study team.\nPhone: 1-317-615-4559.\nEmail: hub@example.org",
            "There may be",
        ),
        (  # a web address in the name is left out of it
            {"name": "BMS Contact Center www.BMSClinicalTrials.com", "phone": "855-907-3286"},
            "You can contact BMS Contact Center.\nPhone: 855-907-3286.",
            "www.",
        ),
        (  # a name written twice is said once
            {"name": "Allist Co., Ltd Allist Co., Ltd", "email": "a@example.org"},
            "You can contact Allist Co., Ltd.\nEmail: a@example.org",
            "Ltd Allist",
        ),
        (  # an extension that is none ("+33") is not said; a real one is, without its dot
            {"name": "Ana Ruiz", "phone": "0144495000", "phoneExt": "+33"},
            "Phone: 0144495000.",
            "extension",
        ),
        (
            {"name": "Ana Ruiz", "phone": "022-24177000", "phoneExt": ". 7028"},
            "Phone: 022-24177000, extension 7028.",
            "extension .",
        ),
        (  # no phone and no email: no contact to give, whatever the name
            {"name": "First line of the email MUST contain the NCT# and Site #."},
            "The record gives no main phone or email to ask about it.",
            "You can contact",
        ),
    ],
)
def test_a_contact_is_built_from_a_real_name_phone_and_email(contact, said, not_said):
    text = summary_of(central_contacts=[{"role": "CONTACT", **contact}])
    assert said in text
    assert not_said not in text


@pytest.mark.parametrize(
    ("name", "said"),
    [
        # The words of [contacts] not_a_name are whole words: inside a name they are not there.
        ("Pleasance Mustafa", "Pleasance Mustafa"),
        ("Dr. Numberg", "Dr. Numberg"),
        ("Please call the number below", "the study team"),
        ("Study questions", "the study team"),
        ("Trial office or", "the study team"),  # (a name cut off after "or")
        ("Mira Tor", "Mira Tor"),
        ("Help desk 555 0100", "the study team"),
        ("Study Contact", "the study team"),
    ],
)
def test_a_contact_name_is_left_out_only_for_the_words_that_say_it_is_none(name, said):
    text = summary_of(central_contacts=[{"name": name, "phone": "617-555-0100"}])
    assert f"You can contact {said}.\n" in text


def test_countries_are_named_as_people_name_them_and_joined():
    countries = ["United States", "Korea, Republic of", "Spain", "Korea, Republic of"]
    locations = [{"facility": f"Site {i}", "country": c} for i, c in enumerate(countries)]
    text = summary_of(locations=locations)
    assert "It has 4 sites in 3 countries: South Korea, Spain and the United States." in text
    one = summary_of(
        locations=[{"facility": "A", "city": "Seoul", "country": "Korea, Republic of"}]
    )
    assert "It has one site: A in Seoul, South Korea." in one
    many = [{"facility": f"Site {i}", "country": "United States"} for i in range(1148)]
    assert "It has 1,148 sites, all in the United States." in summary_of(locations=many)


def test_a_sex_the_criteria_ask_of_everyone_is_said_when_the_record_says_any():
    # NCT03418623: sex "ALL" in the record, "1. Male participants..." in its criteria.
    text = summary_of(sex="ALL", criteria="Inclusion Criteria:\n\n1. Male participants...")
    assert "Only men can join." in text
    assert "People of any sex can join." in summary_of(sex="ALL", criteria="Adults")


def test_a_sex_field_the_criteria_for_everyone_contradict_is_not_said():
    # NCT04472845: sex "FEMALE" in the record, "2. Female or male" in its criteria.
    both = "Inclusion Criteria:\n\n1. Age ≥18 years\n2. Female or male\n"
    assert "The record does not agree on which sexes can join." in summary_of(
        sex="FEMALE", criteria=both
    )
    assert "Only women can join." in summary_of(sex="FEMALE", criteria="Adults")
    assert "People of any sex can join." in summary_of(sex="ALL", criteria=both)


def test_refractory_disease_read_beside_intolerance_is_said_to_be_treated():
    # NCT06008288: "who have progressed after prior systemic therapy or are intolerant and lack
    # satisfactory alternative treatment options" (its brief summary).
    summary = (
        "Patients with advanced solid tumors who have progressed after prior systemic therapy "
        "or are intolerant and lack satisfactory alternative treatment options."
    )
    text = summary_of(title="Drug X in Solid Tumors", summary=summary, criteria="Adults")
    assert "It is for people whose cancer has been treated before.\n" in text


def test_any_setting_read_beside_intolerance_is_said_to_be_treated_only():
    # NCT05147467: "Relapsed/Refractory" in its title, "Refractory, recurrent, or intolerant to
    # BTK inhibitors" in its criteria: some who join only could not take a treatment.
    criteria = (
        "Inclusion Criteria:\n\n* Refractory, recurrent, or intolerant to BTK inhibitors and "
        "immunochemotherapy\n\nExclusion Criteria:\n\n* Pregnancy"
    )
    title = "Drug X in Relapsed/Refractory Chronic Lymphocytic Leukemia"
    text = summary_of(title=title, conditions=["Chronic Lymphocytic Leukemia"], criteria=criteria)
    assert "It is for people whose cancer has been treated before.\n" in text
    plain = criteria.replace(", or intolerant", "")
    said = summary_of(title=title, conditions=["Chronic Lymphocytic Leukemia"], criteria=plain)
    assert (
        "It is for people whose cancer did not respond or stopped responding to treatment" in said
    )


@needs_shared
def test_a_vaccine_adjuvant_is_said_as_one_not_as_a_biological_medicine():
    # NCT00184067 lists "Montanide ISA 51" (an oil a peptide vaccine is mixed with) as
    # BIOLOGICAL, which a summary says as "a biological medicine", made by or from living things.
    text = summarize(parse_study(load_real_record("NCT00184067")))
    tested = text.split("Which step")[0]
    assert '- "Montanide ISA 51" is a vaccine adjuvant.' in tested
    assert "biological" not in tested and "living" not in tested
    assert "immunotherapy" not in tested.lower()


@needs_shared
def test_a_biological_medicine_of_viruses_is_not_said_to_be_made_from_living_cells():
    # NCT05948592's TP-102 is bacteriophages, viruses that live in germs: not cells.
    tested = summarize(parse_study(load_real_record("NCT05948592"))).split("Which step")[0]
    assert tested.splitlines()[1] == (
        '- "TP-102" is a biological medicine. Biological means made by or from living cells or '
        "germs, or their parts."
    )


def test_a_combination_product_of_two_medicines_is_not_said_to_hold_a_device():
    # Records type two medicines given together as a COMBINATION_PRODUCT (NCT03983954).
    text = summary_of(
        title="Drug A and Drug B in Asthma",
        conditions=["Asthma"],
        interventions=[
            {"type": "COMBINATION_PRODUCT", "name": "Drug A and Drug B", "armGroupLabels": []}
        ],
    )
    line = text.split("\n")[1]
    assert line == (
        '- "Drug A and Drug B" is a product that joins two medical products, such as a '
        "medicine and a device."
    )


def test_a_rule_for_solid_tumors_is_said_only_when_the_trial_is_for_solid_tumors_only():
    criteria = (
        "Inclusion Criteria:\n\n* Evidence of measurable disease per RECIST, v1.1 for solid "
        "tumors.\n* ECOG 0 or 1\n\nExclusion Criteria:\n\n* Pregnancy"
    )
    measurable = "Your cancer must be big enough to measure on a scan or a test."
    gastric = make_study(conditions=["Gastric Cancer"], criteria=criteria, title="X in cancer")
    assert measurable in summarize(parse_study(gastric))
    # NCT05607199 also takes people with leukemia, whose cancer has no lump to measure.
    mixed = make_study(
        conditions=["Solid Tumor", "Acute Myeloid Leukemia"], criteria=criteria, title="X"
    )
    assert measurable not in summarize(parse_study(mixed))


def test_a_rule_said_for_each_disease_of_the_trial_is_said_to_everyone():
    # NCT05605119 takes solid tumors and lymphoma; each is to have measurable disease.
    criteria = (
        "Inclusion Criteria:\n\n* Evidence of measurable disease per RECIST, v1.1 for solid "
        "tumors (Eisenhauer et al. 2009) and per Lugano Criteria for Lymphoma (Cheson et al. "
        "2014).\n\nExclusion Criteria:\n\n* Pregnancy"
    )
    measurable = "Your cancer must be big enough to measure on a scan or a test."
    both = make_study(
        conditions=["Solid Tumor", "Non Hodgkin Lymphoma", "Hodgkin Lymphoma"],
        criteria=criteria,
        title="X",
    )
    assert measurable in summarize(parse_study(both))
    # ... but not to people with leukemia, of whom it says nothing
    mixed = make_study(
        conditions=["Solid Tumor", "Lymphoma", "Acute Myeloid Leukemia"],
        criteria=criteria,
        title="X",
    )
    assert measurable not in summarize(parse_study(mixed))


def test_a_marker_of_an_item_for_one_of_the_trial_s_diseases_is_not_said_to_everyone():
    criteria = (
        "Inclusion Criteria:\n\n* Colorectal cancer: metastatic disease with KRAS G12C mutation\n"
        "* Pancreatic cancer: metastatic disease\n\nExclusion Criteria:\n\n* Pregnancy"
    )
    both = make_study(
        criteria=criteria, conditions=["Colorectal Cancer", "Pancreatic Cancer"], title="X"
    )
    assert "KRAS G12C." not in summarize(parse_study(both))


@needs_shared
def test_a_rule_for_solid_tumors_is_not_said_of_a_trial_that_takes_leukemia_in_a_real_record():
    trial = parse_study(load_real_record("NCT05607199"))
    assert "big enough to measure" not in summarize(trial)


@pytest.mark.parametrize(
    ("conditions", "said"),
    [
        # NCT05144867: the record's conditions name two procedures beside two illnesses.
        (
            ["Breast Cancer", "Brain Metastases", "Stereotactic Radiosurgery", "Surgery"],
            'It is about "Breast Cancer" and "Brain Metastases".',
        ),
        (["Multiple Myeloma", "Oncology", "Aged"], 'It is for people with "Multiple Myeloma".'),
        # An illness a procedure caused is one ("Radiotherapy Side Effect", NCT04472845).
        (["Radiotherapy Side Effect"], 'It is for people with "Radiotherapy Side Effect".'),
        (["Chemotherapy-induced Nausea"], 'It is for people with "Chemotherapy-induced Nausea".'),
        (["Healthy Volunteers"], None),
        (["Abdominoplasty", "Intervention"], None),
        # A marker's status alone (NCT06131424, a study of breast cancer): read as any cancer.
        (["HER2-negative"], None),
        (["Breast Cancer", "HER2-positive", "ER+", "KRAS G12C", "BRAF Gene Mutation"],
         'It is for people with "Breast Cancer".'),
        (["BRAF Mutation-Related Tumors"], 'It is for people with "BRAF Mutation-Related Tumors".'),
    ],
)  # fmt: skip
def test_a_condition_that_names_no_illness_is_not_said_as_one(conditions, said):
    text = summary_of(conditions=conditions)
    lines = [
        line
        for line in text.splitlines()
        if line.startswith(("It is for people with", "It is about"))
    ]
    assert [line.split(". ")[0].rstrip(".") + "." for line in lines] == ([said] if said else [])


@pytest.mark.parametrize(
    ("conditions", "said"),
    [
        (["Melanoma"], 'It is for people with "Melanoma".'),
        # NCT05236946: both are asked for; NCT06816836: gynaecological cancer, with frailty or
        # sarcopenia as what it studies. "Or" would say one of them is enough.
        (["Asymptomatic Brain Metastases", "Driver Mutation Positive Non-small Cell Lung Cancer"],
         'It is about "Asymptomatic Brain Metastases" and "Driver Mutation Positive Non-small Cell'
         ' Lung Cancer".'),
        (["Gynecologic Cancer", "Frailty", "Sarcopenia"],
         'It is about "Gynecologic Cancer", "Frailty" and "Sarcopenia".'),
    ],
)  # fmt: skip
def test_several_conditions_are_what_it_is_about_not_alternatives(conditions, said):
    lines = summary_of(conditions=conditions).splitlines()
    assert any(line == said or line.startswith(said + " ") for line in lines)


def test_the_conditions_of_a_trial_taking_healthy_volunteers_are_what_it_is_about():
    """NCT04588402, a study of HPV in healthy young women, said 'It is for people with
    "Cervical Cancer"'; NCT06056843, a breast examination study that excludes women once
    diagnosed with breast cancer, said it was for them."""
    study = make_study(conditions=["Cervical Cancer"])
    study["protocolSection"]["eligibilityModule"]["healthyVolunteers"] = True
    text = summarize(parse_study(study))
    assert 'It is about "Cervical Cancer".' in text
    assert "It is for people with" not in text


@pytest.mark.parametrize(
    ("purpose", "said"),
    [
        # NCT06370169: "EUS Guided Coil Embolization for Primary Prophylaxis of Gastric Varices"
        # said "It is for people with "Gastric Varices Bleeding"" of people who have not bled.
        ("PREVENTION", 'It is about "Gastric Varices Bleeding".'),
        ("SCREENING", 'It is about "Gastric Varices Bleeding".'),
        ("TREATMENT", 'It is for people with "Gastric Varices Bleeding".'),
    ],
)
def test_the_conditions_of_a_trial_to_prevent_or_screen_are_what_it_is_about(purpose, said):
    study = make_study(conditions=["Gastric Varices Bleeding"], primary_purpose=purpose)
    assert said in summarize(parse_study(study))


@pytest.mark.parametrize(
    ("healthy_volunteers", "criterion", "said"),
    [
        # NCT05594173: "Healthy adults under age 60", condition "Dysphagia" (what it studies).
        (True, "Healthy adults under age 60", "It is for healthy people."),
        # A trial that takes healthy volunteers beside people with the condition.
        (True, "Adults with dysphagia after a stroke", 'It is about "Dysphagia".'),
        (False, "Healthy adults under age 60", 'It is for people with "Dysphagia".'),
    ],
)
def test_a_trial_of_healthy_people_is_not_said_to_be_for_people_with_its_conditions(
    healthy_volunteers, criterion, said
):
    study = make_study(
        title="Swallowing of thickened liquids",
        conditions=["Dysphagia"],
        criteria=f"Inclusion Criteria:\n\n* {criterion}\n\nExclusion Criteria:\n\n* Pregnancy",
    )
    study["protocolSection"]["eligibilityModule"]["healthyVolunteers"] = healthy_volunteers
    text = summarize(parse_study(study))
    assert said in text
    assert text.count("It is for") + text.count("It is about") == 1


@pytest.mark.parametrize(
    "fludarabine, arm",
    [
        # its own description says so (NCT06898385)
        ("Fludarabine is used for lymphodepletion.", "Cells"),
        # given only beside the cells (NCT03745326, "lymphodepleting preparative regimen")
        ("Fludarabine 30 mg/m2 IV daily for 3 days.", "Cells"),
    ],
)
def test_medicines_that_only_prepare_for_a_cell_therapy_are_not_said_to_be_tested(fludarabine, arm):
    interventions = [
        {"type": "BIOLOGICAL", "name": "KRAS TCR-T cells", "armGroupLabels": [arm],
         "description": "TCR-T cells given after lymphodepletion."},
        {"type": "DRUG", "name": "Fludarabine", "armGroupLabels": [arm],
         "description": fludarabine},
    ]  # fmt: skip
    arms = [{"label": arm, "type": "EXPERIMENTAL", "interventionNames": ["Biological: KRAS "
             "TCR-T cells", "Drug: Fludarabine"]}]  # fmt: skip
    text = summary_of(
        title="TCR-T Cells for KRAS G12V Pancreatic Cancer",
        conditions=["Pancreatic Cancer"],
        interventions=interventions,
        arm_groups=arms,
    )
    assert '- "Fludarabine"' not in text
    assert (
        "Before the cells are given, people also get medicines that prepare the body for"
        ' them: "Fludarabine".'
    ) in " ".join(text.split())


@pytest.mark.parametrize(
    "description",
    [
        # NCT06087614, NCT05857631
        "Concurrent weekly cisplatin 40mg/m2. This will be given if clinically indicated",
        "Patients who require adjuvant chemotherapy will receive 5 cycles of cisplatin",
    ],
)
def test_a_treatment_given_only_when_needed_is_said_so_where_it_is_listed(description):
    interventions = [
        {"type": "RADIATION", "name": "Pelvic radiotherapy", "armGroupLabels": ["A"]},
        {"type": "DRUG", "name": "Cisplatin", "armGroupLabels": ["A"], "description": description},
    ]
    arms = [
        {
            "label": "A",
            "type": "EXPERIMENTAL",
            "interventionNames": ["Radiation: Pelvic radiotherapy", "Drug: Cisplatin"],
        }
    ]
    text = " ".join(
        summary_of(
            title="Short Radiotherapy for Endometrial Cancer",
            conditions=["Endometrial Cancer"],
            interventions=interventions,
            arm_groups=arms,
        ).split()
    )
    assert '- "Cisplatin" is a kind of chemotherapy, given to some people, when needed.' in text


@pytest.mark.parametrize(
    "description",
    [
        "Sotorasib 960 mg daily. Patients who require a dose reduction will receive 480 mg.",
        "Panitumumab every 2 weeks; if clinically indicated, premedication may be given.",
    ],
)
def test_a_dose_or_a_premedication_given_when_needed_is_no_treatment_given_when_needed(
    description,
):
    interventions = [
        {"type": "DRUG", "name": "Sotorasib", "armGroupLabels": ["A"], "description": description}
    ]
    arms = [{"label": "A", "type": "EXPERIMENTAL", "interventionNames": ["Drug: Sotorasib"]}]
    text = summary_of(interventions=interventions, arm_groups=arms)
    assert "when needed" not in text


def test_a_transplants_conditioning_is_said_as_what_the_trial_tests():
    # "conditioning regimen" before a transplant is the treatment under test, not medicines that
    # prepare the body for a cell therapy
    interventions = [
        {"type": "DRUG", "name": "Busulfan", "armGroupLabels": ["A"],
         "description": "Busulfan-based conditioning regimen before allogeneic HSCT."},
        {"type": "PROCEDURE", "name": "Allogeneic HSCT", "armGroupLabels": ["A"]},
    ]  # fmt: skip
    arms = [
        {
            "label": "A",
            "type": "EXPERIMENTAL",
            "interventionNames": ["Drug: Busulfan", "Procedure: Allogeneic HSCT"],
        }
    ]
    text = summary_of(
        title="Busulfan Conditioning Before Transplant in AML",
        conditions=["Acute Myeloid Leukemia"],
        interventions=interventions,
        arm_groups=arms,
    )
    assert "prepare the body" not in text
    assert '- "Busulfan"' in text


def test_a_crossover_trial_says_its_groups_take_turns():
    """NCT03418623, a crossover trial, said "Another group gets a placebo, to compare": each
    person there gets both, one after the other."""
    arms = [arm("GET73", "EXPERIMENTAL", "GET73"), arm("Placebo", "PLACEBO_COMPARATOR", "Placebo")]
    study = make_study(interventions=[drug("GET73"), drug("Placebo")], arm_groups=arms)
    said = "In this trial people may switch groups partway through"
    assert said not in summarize(parse_study(study))
    study["protocolSection"]["designModule"]["designInfo"] = {"interventionModel": "CROSSOVER"}
    text = what_it_tests(summarize(parse_study(study)))
    assert "Another group gets a placebo, to compare." in text
    assert said in text.splitlines()[-1]


def test_a_trial_for_people_of_another_study_says_so():
    # NCT04524416 ("Patient who received a MINIject glaucoma implant within a prior clinical
    # study") was said to be open to anyone aged 18 to 99 with glaucoma
    said = "You can join only if you are or were in another study, as its criteria say."
    text = summary_of(
        criteria="Inclusion Criteria:\n\n* Patient who received a MINIject glaucoma implant"
        " within a prior clinical study\n"
    )
    assert said in text.split("Who is it for?")[1].split("What are some key rules?")[0]
    assert said not in summary_of()


@needs_shared
def test_real_follow_on_studies_say_who_can_join():
    for nct_id in ("NCT04524416", "NCT00184067"):
        text = summarize(parse_study(load_real_record(nct_id)))
        assert "You can join only if you are or were in another study" in text, nct_id
