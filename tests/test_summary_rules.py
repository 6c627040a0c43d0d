"""Key rules in summaries: every "must" sentence is said from one requirement, in plain words."""

from __future__ import annotations

import re
import string

import pytest

from trialfinder import glossary, summary
from trialfinder.knowledge import load_toml
from trialfinder.model import parse_study
from trialfinder.summary import key_rules, rule_sentence, summarize
from trialfinder.tagging import Tags, tag_trial
from trialfinder.tagging.requirements import KINDS, Requirement

from factories import make_study

RULES = load_toml("summary.toml")["requirements"]
MODAL = re.compile(r"\b(must|cannot|at least|up to|only)\b", re.IGNORECASE)


def req(kind, rule, *values, section="inclusion", cohort="") -> Requirement:
    return Requirement(kind, rule, tuple(values), "the item as written", section, cohort)


def rules_part(text: str) -> list[str]:
    if "What are some key rules?" not in text:
        return []
    part = text.split("What are some key rules?\n")[1].split("\n\n")[0]
    return [line[2:] for line in part.splitlines() if line.startswith("- ")]


CASES = [
    (
        req("prior-lines", "at-least", 2),
        "You must have had at least two earlier lines of treatment.",
    ),
    (
        req("prior-lines", "at-least", 1),
        "You must have had at least one earlier line of treatment.",
    ),
    (
        req("prior-lines", "at-most", 1),
        "You may have had up to one earlier line of treatment, but not more.",
    ),
    (
        req("prior-lines", "at-most", 0),
        "You must not have had any earlier line of treatment for this cancer.",
    ),
    (
        Requirement(
            "prior-lines", "at-most", (0,), "No prior systemic therapy for metastatic disease"
        ),
        "You must not have had any earlier line of treatment for cancer that is advanced or has "
        "spread.",
    ),
    (
        req("prior-lines", "exactly", 2),
        "You must have had exactly two earlier lines of treatment.",
    ),
    (
        req("prior-lines", "between", 1, 3),
        "You must have had one to three earlier lines of treatment.",
    ),
    (
        req("prior-lines", "at-least", 12),
        "You must have had at least 12 earlier lines of treatment.",
    ),
    (
        req("prior-therapy-required", "any-of", "lenalidomide"),
        "You must have been treated with lenalidomide before.",
    ),
    (
        req("prior-therapy-required", "any-of", "a proteasome inhibitor", "lenalidomide"),
        "You must have been treated with at least one of these before: a proteasome inhibitor "
        "or lenalidomide.",
    ),
    (
        req(
            "prior-therapy-required",
            "all-of",
            "a proteasome inhibitor",
            "lenalidomide",
            "an anti-CD38 antibody",
        ),
        "You must have been treated with each of these before: a proteasome inhibitor, "
        "lenalidomide and an anti-CD38 antibody.",
    ),
    (
        req(
            "prior-therapy-excluded",
            "any-of",
            "docetaxel",
            "a KRAS G12C inhibitor",
            section="exclusion",
        ),
        "You must not have been treated with any of these before: docetaxel or a KRAS G12C "
        "inhibitor.",
    ),
    (
        req("refractory-required", "any-of", "lenalidomide"),
        "Your cancer must have stopped responding to lenalidomide, or never responded to it.",
    ),
    (
        req("refractory-required", "all-of", "lenalidomide", "bortezomib"),
        "Your cancer must have stopped responding to each of these, or never responded to them: "
        "lenalidomide and bortezomib.",
    ),
    (
        req("biomarker-required", "any-of", "EGFR exon 19 deletion", "EGFR L858R"),
        "Your cancer must have one of these gene changes: EGFR exon 19 deletion or EGFR L858R.",
    ),
    (
        req("biomarker-required", "any-of", "BRCA1", "BRCA2"),
        "Your cancer must have a change in one of these genes: BRCA1 or BRCA2.",
    ),
    (
        req("biomarker-required", "any-of", "KRAS G12C"),
        "Your cancer must have this gene change: KRAS G12C.",
    ),
    (
        req("biomarker-required", "any-of", "PD-L1"),
        "Your cancer must have this marker: PD-L1.",
    ),
    (
        req("biomarker-required", "any-of", "KRAS G12C", "PD-L1"),
        "Your cancer must have one of these markers: KRAS G12C or PD-L1.",
    ),
    (
        req("biomarker-required", "any-of", "HLA-A*02:01"),
        "You must have this tissue type: HLA-A*02:01.",
    ),
    # NCT05438667: "KRAS G12V or G12D mutations with matching HLA subtypes" said "You must have
    # this tissue type: HLA", as if HLA were one.
    (
        req("biomarker-required", "any-of", "HLA"),
        "You must have a tissue type (HLA type) that matches the treatment.",
    ),
    (
        req(
            "biomarker-excluded",
            "any-of",
            "EGFR mutation",
            "ALK rearrangement",
            section="exclusion",
        ),
        "Your cancer must not have these gene changes: EGFR mutation, ALK rearrangement.",
    ),
    (
        req("biomarker-excluded", "any-of", "ALK rearrangement", section="exclusion"),
        "Your cancer must not have this gene change: ALK rearrangement.",
    ),
    (
        req("biomarker-excluded", "any-of", "EGFR", "ALK"),
        "Your cancer must not have a change in any of these genes: EGFR, ALK.",
    ),
    # A marker ruled out is a test result: "HER2-negative" (NCT06131424: "HER2-negative (IHC
    # zero, 1+, 2+/ISH-)") takes cancers with some HER2 ("HER2-low"), which "must not have this
    # marker: HER2" seemed to turn away.
    (
        req("biomarker-excluded", "any-of", "HER2"),
        "Your cancer must not test positive for this marker: HER2.",
    ),
    (
        req("biomarker-excluded", "any-of", "HER2", "HR+"),
        "Your cancer must not test positive for any of these markers: HER2, HR+.",
    ),
    (
        req("ecog", "at-most", 1),
        "You must be up and about and able to do light work. This is an ECOG score of 1 or lower.",
    ),
    (
        req("ecog", "at-most", 0),
        "You must be fully active, with no limits from your illness. This is an ECOG score of 0.",
    ),
    (
        req("ecog", "between", 0, 2),
        "You must be up and about for more than half the day and able to care for yourself. "
        "This is an ECOG score of 2 or lower.",
    ),
    (
        req("ecog", "between", 2, 3),
        "Your ECOG score must be 2 to 3.",
    ),
    (
        req("brain-metastases", "none", section="exclusion"),
        "You cannot join if the cancer has spread to the brain.",
    ),
    (
        req("brain-metastases", "treated-stable", section="exclusion"),
        "If the cancer has spread to the brain, you may join only on some conditions. The trial "
        "page lists them.",
    ),
    (
        req("brain-metastases", "active-allowed"),
        "People whose cancer has spread to the brain may join in some cases, even if it is not "
        "treated.",
    ),
    (
        req("brain-metastases", "required"),
        "It is for people whose cancer has spread to the brain.",
    ),
    (
        req("measurable-disease", "required"),
        "Your cancer must be big enough to measure on a scan or a test.",
    ),
    (
        req("transplant", "prior-required", "autologous"),
        "You must have had a stem cell transplant with your own cells before.",
    ),
    (
        req("transplant", "prior-excluded", "allogeneic", section="exclusion"),
        "You must not have had a stem cell transplant with cells from a donor before.",
    ),
    (
        req("transplant", "prior-excluded", "autologous", "allogeneic"),
        "You must not have had a stem cell transplant before.",
    ),
    (
        req("transplant", "ineligible-required", "any"),
        "You must be unable to have a stem cell transplant.",
    ),
    (
        req("transplant", "eligible-required"),
        "You must be able to have a stem cell transplant.",
    ),
]


@pytest.mark.parametrize(("requirement", "said"), CASES)
def test_each_rule_is_said_in_plain_words(requirement, said):
    assert rule_sentence(requirement) == said
    assert [r.text for r in key_rules((requirement,))] == [said]


@pytest.mark.parametrize(
    ("text", "values", "said"),
    [
        # NCT06472076: not every change of EGFR rules a person out.
        (
            "Epidermal growth factor receptor (EGFR) mutations that are sensitive to available"
            " targeted inhibitor therapy",
            ("EGFR",),
            "Your cancer must not have a change in this gene that a targeted medicine can treat:"
            " EGFR.",
        ),
        (
            "Absence of sensitizing EGFR mutations and ALK and ROS1 rearrangements.",
            ("EGFR", "ALK", "ROS1"),
            "Your cancer must not have a change that a targeted medicine can treat in any of these"
            " genes: EGFR, ALK, ROS1.",
        ),
        (
            "documented additional validated targetable oncogenic driver mutation or alteration",
            ("EGFR", "BRAF V600E"),
            "Your cancer must not have these markers if a targeted medicine can treat them: EGFR,"
            " BRAF V600E.",
        ),
        # NCT06561386
        (
            "participants with known activating rearranged during transfection (RET) mutations or"
            " neurotrophic tyrosine receptor kinase (NTRK) fusion gene alterations are excluded.",
            ("RET", "NTRK"),
            "Your cancer must not have a change that switches on any of these genes: RET, NTRK.",
        ),
        ("Known EGFR or ALK alteration", ("EGFR", "ALK"), None),  # every change
        ("Known activating mutation", ("KRAS G12C",), None),  # no such sentence: as before
    ],
)
def test_a_marker_ruled_out_only_for_some_changes_says_which(text, values, said):
    rule = Requirement("biomarker-excluded", "any-of", values, text, "exclusion")
    plain = rule_sentence(req("biomarker-excluded", "any-of", *values, section="exclusion"))
    assert rule_sentence(rule) == (said or plain)


CERTAIN_HER2 = (
    "Your cancer must have a certain change in this gene: HER2. The trial page says which."
)


@pytest.mark.parametrize(
    "text, values, said",
    [
        # NCT05048797 said "Your cancer must have this marker: HER2.": a HER2-positive cancer
        # (more of the HER2 protein) does not have what it asks for; nor does any change of
        # the gene but those of the exons it names.
        (
            "Histologically documented non-squamous NSCLC with HER2 mutation in exons 19 or 20 by"
            " tissue NGS or ctDNA",
            ("HER2",),
            CERTAIN_HER2,
        ),
        ("NSCLC harboring HER2 exon 19 or 20 mutations", ("HER2",), CERTAIN_HER2),
        ("HER2 (ERBB2) mutant NSCLC", ("HER2",), None),
        ("NSCLC with a HER2 mutation", ("HER2",), None),
        # The protein, or a mutation of another gene: said as before.
        ("HER2-positive (IHC 3+ or IHC 2+/ISH+) breast cancer", ("HER2",), ""),
        ("NSCLC with KRAS G12C mutation and PD-L1 positive tumour", ("PD-L1",), ""),
        ("HER2 mutation in exons 19 or 20", ("KRAS G12C",), ""),
    ],
)
def test_a_mutation_of_a_marker_is_said_as_a_change_in_the_gene(text, values, said):
    rule = Requirement("biomarker-required", "any-of", values, text, "inclusion")
    plain = rule_sentence(req("biomarker-required", "any-of", *values))
    if said is None:
        said = "Your cancer must have a change in this gene: HER2."
    assert rule_sentence(rule) == (said or plain)


def test_an_inherited_change_asked_is_said_to_be_the_persons():
    """NCT06380751: "Documented germline tumour loss of function mutation in BRCA1, BRCA2, or
    PALB2" was said "Your cancer must have a certain change ..."."""
    text = "Documented germline tumour loss of function mutation in BRCA1, BRCA2, or PALB2"
    rule = Requirement(
        "biomarker-required", "any-of", ("BRCA1", "BRCA2", "PALB2"), text, "inclusion"
    )
    assert rule_sentence(rule) == (
        "You must have a certain inherited change in one of these genes: BRCA1, BRCA2 or PALB2."
        " The trial page says which."
    )
    for either in ("Germline or somatic BRCA1 mutation", "Somatic or germline BRCA1 mutation"):
        rule = Requirement("biomarker-required", "any-of", ("BRCA1",), either, "inclusion")
        assert rule_sentence(rule).startswith("Your cancer must have")


@pytest.mark.parametrize(
    ("text", "values", "certain"),
    [
        # NCT06350097: "1 of the 2 common EGFR mutations ... (Ex19del or L858R)".
        ("The tumour harbors 1 of the 2 common EGFR mutations (Ex19del or L858R)", ("EGFR",), True),
        # NCT06411691.
        ("Have one of the KRAS mutations included in the vaccine", ("KRAS",), True),
        ("Somatic or germline BRCA1 or BRCA2 mutation", ("BRCA1", "BRCA2"), True),
        ("NSCLC with MET exon14 skipping mutation", ("MET",), True),
        ("Activating EGFR mutation", ("EGFR",), True),
        # Any change of the gene, or the change named, or left out, by the rule itself.
        ("NSCLC with an EGFR mutation", ("EGFR",), False),
        ("KRAS G12C-mutated NSCLC", ("KRAS G12C",), False),
        ("NSCLC with KRAS non-G12C mutations", ("KRAS",), False),
    ],
)
def test_a_gene_asked_only_for_certain_changes_says_so(text, values, certain):
    rule = Requirement("biomarker-required", "any-of", values, text, "inclusion")
    said = rule_sentence(rule)
    assert said.startswith("Your cancer must have a certain change") is certain
    assert said.endswith("The trial page says which.") is certain


@pytest.mark.parametrize(
    ("text", "values", "said"),
    [
        # NCT06065748: "Documented estrogen receptor-positive (ER+), HER2-negative tumor".
        (
            "Documented estrogen receptor-positive (ER+), HER2-negative tumor",
            ("HR+",),
            "Your cancer must be estrogen receptor positive (ER+).",
        ),
        (
            "ER+/HER2- early-stage resected invasive breast cancer",
            ("HR+",),
            "Your cancer must be estrogen receptor positive (ER+).",
        ),
        # Either receptor will do, or the rule names another marker too: as before.
        ("ER+ and/or PR+ breast cancer", ("HR+",), "Your cancer must have this marker: HR+."),
        (
            "Hormone receptor-positive breast cancer",
            ("HR+",),
            "Your cancer must have this marker: HR+.",
        ),
        (
            "HER2-positive/estrogen receptor (ER)-positive breast cancer",
            ("HER2",),
            "Your cancer must have this marker: HER2.",
        ),
    ],
)
def test_hormone_receptors_asked_as_the_estrogen_receptor_say_so(text, values, said):
    """An ER-negative, PR-positive cancer was told it may join a trial that asks for ER+."""
    rule = Requirement("biomarker-required", "any-of", values, text, "inclusion")
    assert rule_sentence(rule) == said


@pytest.mark.parametrize(
    "text, values, said",
    [
        # NCT04613596, NCT06357533, NCT06103864, NCT06561386, NCT05211895: the level asked.
        (
            "NSCLC with KRAS G12C mutation and PD-L1 TPS >=50%",
            ("PD-L1",),
            "Your cancer must have this marker: PD-L1 (TPS at least 50%).",
        ),
        (
            "Known tumour PD-L1 expression status defined as TC ≥ 50%",
            ("PD-L1",),
            "Your cancer must have this marker: PD-L1 (TC at least 50%).",
        ),
        (
            "PD-L1 positive TNBC based on results from a PD-L1 (22C3) assay (CPS ≥ 10).",
            ("PD-L1",),
            "Your cancer must have this marker: PD-L1 (CPS at least 10).",
        ),
        (
            "Measurable PD-L1 ≥ 1% Tumor Cell (TC) score by the VENTANA PD-L1 (SP263) assay",
            ("PD-L1",),
            "Your cancer must have this marker: PD-L1 (TC at least 1%).",
        ),
        (
            "Documented tumour PD-L1 status > 1% by central lab",
            ("PD-L1",),
            "Your cancer must have this marker: PD-L1 (more than 1%).",
        ),
        # A range, two scores, a number of no score: the marker alone.
        ("PD-L1 TPS ≥ 1% and < 50%", ("PD-L1",), "Your cancer must have this marker: PD-L1."),
        ("PD-L1 TPS 1-49%", ("PD-L1",), "Your cancer must have this marker: PD-L1."),
        ("PD-L1 TPS ≥ 50% or CPS ≥ 10", ("PD-L1",), "Your cancer must have this marker: PD-L1."),
        ("PD-L1 expression ≥ 10", ("PD-L1",), "Your cancer must have this marker: PD-L1."),
        # NCT05786924: "KRAS non-G12C" leaves G12C out.
        (
            "Advanced/metastatic NSCLC with KRAS non-G12C mutations",
            ("KRAS",),
            "Your cancer must have a change in this gene: KRAS (other than G12C).",
        ),
        (
            "NSCLC with KRAS non-G12C or BRAF mutations",
            ("KRAS", "BRAF"),
            "Your cancer must have a change in one of these genes: KRAS (other than G12C) or BRAF.",
        ),
        (
            "NSCLC with KRAS or BRAF mutations",
            ("KRAS",),
            "Your cancer must have a change in this gene: KRAS.",
        ),
    ],
)
def test_a_required_marker_is_said_with_the_level_or_the_changes_the_criterion_asks(
    text, values, said
):
    rule = Requirement("biomarker-required", "any-of", values, text, "inclusion")
    assert rule_sentence(rule) == said


@pytest.mark.parametrize(
    "text, said",
    [
        # NCT06140836: only symptoms are ruled out; "such as treatment that left it stable" told
        # people with untreated metastases without symptoms that they could not join.
        (
            "Symptomatic brain metastases or symptomatic leptomeningeal involvement.",
            "If the cancer has spread to the brain, you may join only on some conditions, such as"
            " that it causes no symptoms.",
        ),
        (
            "Patients with known CNS lesions (brain metastasis or carcinomatous meningitis) except"
            " for asymptomatic brain metastases.",
            "If the cancer has spread to the brain, you may join only on some conditions, such as"
            " that it causes no symptoms.",
        ),
        # NCT05984277: "Brain metastases may be treated or untreated, but participants must be
        # asymptomatic and off steroids".
        (
            "Symptomatic brain metastases. Brain metastases may be treated or untreated, but"
            " participants must be asymptomatic and off steroids for at least 14 days prior to"
            " start of study intervention.",
            "If the cancer has spread to the brain, you may join only on some conditions, even if"
            " it is not treated.",
        ),
        # NCT04613596 (Phase 3): untreated ones ruled out above a size only.
        (
            "Any untreated brain lesions > 1.0 cm in size",
            "If the cancer has spread to the brain, you may join only on some conditions, such as"
            " its size.",
        ),
        (
            "Patients with 3 or fewer brain metastases that are < 1 cm in diameter and"
            " asymptomatic are eligible. Lesions that have been treated with stereotactic"
            " radiosurgery must be clinically stable for one month after treatment.",
            "If the cancer has spread to the brain, you may join only on some conditions, such as"
            " its size.",
        ),
        # Treatment asked for: an example of it.
        (
            "Brain metastases unless treated with surgery and/or radiation, and stable",
            "If the cancer has spread to the brain, you may join only on some conditions, such as"
            " treatment that left it stable.",
        ),
        # Symptoms, stability or steroids only (NCT06350097's "unstable brain metastases"): no
        # example, as "such as treatment" would turn away people with untreated stable ones.
        ("Patient with symptomatic uncontrolled brain metastasis.", None),
        ("Known active central nervous system metastases", None),
        ("Brain metastases unless asymptomatic, stable, and not requiring steroids", None),
        ("Spinal cord compression and unstable brain metastases.", None),
        ("Any untreated brain metastases", None),
    ],
)
def test_brain_metastases_allowed_on_conditions_say_an_example_the_criterion_gives(text, said):
    rule = Requirement("brain-metastases", "treated-stable", (), text, "exclusion")
    plain = rule_sentence(req("brain-metastases", "treated-stable", section="exclusion"))
    assert plain.endswith("only on some conditions. The trial page lists them.")
    assert rule_sentence(rule) == (said or plain)


def test_every_alternative_is_kept():
    markers = ("EGFR exon 19 deletion", "EGFR L858R", "EGFR G719X", "EGFR S768I", "EGFR L861Q",
               "EGFR exon 20 insertion", "EGFR T790M", "EGFR C797S", "EGFR exon 18")  # fmt: skip
    for kind in ("biomarker-required", "biomarker-excluded"):
        text = rule_sentence(req(kind, "any-of", *markers))
        assert all(m in text for m in markers), text
    drugs = ("bortezomib", "carfilzomib", "ixazomib", "lenalidomide", "pomalidomide")
    for kind in ("prior-therapy-required", "prior-therapy-excluded", "refractory-required"):
        text = rule_sentence(req(kind, "any-of", *drugs))
        assert all(d in text for d in drugs), text


@pytest.mark.parametrize("kind", [k for k in RULES["show"]])
def test_no_rule_of_the_exclusion_section_is_said_as_something_to_have(kind):
    """Whatever the rule, said from an exclusion item it is a limit or it is not said."""
    for rule in rules_of(kind):
        for values in sample_values(kind, rule):
            excluded = req(kind, rule, *values, section="exclusion")
            said = [r.text for r in key_rules((excluded,))]
            if f"{kind} {rule}" in RULES["limits"]:
                assert said == [rule_sentence(excluded)], (kind, rule)
            else:
                assert said == [], (kind, rule)


def test_limits_read_as_limits():
    """Every sentence a limit can give says "not", "cannot", "up to", "only" or a highest score."""
    for kind_rule in RULES["limits"]:
        kind, rule = kind_rule.split(" ")
        for values in sample_values(kind, rule):
            text = rule_sentence(req(kind, rule, *values, section="exclusion"))
            assert re.search(
                r"\bnot\b|cannot|up to|only|or lower|score of 0|score must be", text
            ), text


def test_a_cohort_rule_names_the_cohort_and_comes_after_rules_for_everyone():
    rules = key_rules(
        (
            req("biomarker-required", "any-of", "KRAS G12D", cohort="Part B"),
            req("biomarker-required", "any-of", "KRAS G12C"),
            req("ecog", "at-most", 1, cohort="Cohort 2"),
        )
    )
    assert [r.text for r in rules] == [
        "Your cancer must have this gene change: KRAS G12C.",
        "In one part of the trial (Part B), your cancer must have this gene change: KRAS G12D.",
        "In one part of the trial (Cohort 2), you must be up and about and able to do light work. "
        "This is an ECOG score of 1 or lower.",
    ]
    assert [r.requirement.cohort for r in rules] == ["", "Part B", "Cohort 2"]


def test_a_part_s_rule_said_in_the_same_words_as_one_for_everyone_is_not_said_again():
    # NCT04482309: HER2 expression for everyone, and again in Cohorts 7, A and B.
    rules = key_rules(
        (
            req("biomarker-required", "any-of", "HER2", cohort="Cohort A"),
            req("biomarker-required", "any-of", "HER2"),
            req("biomarker-required", "any-of", "HER2", cohort="Cohort B"),
            req("biomarker-required", "any-of", "KRAS G12C", cohort="Cohort B"),
        )
    )
    assert [r.text for r in rules] == [
        "Your cancer must have this marker: HER2.",
        "In one part of the trial (Cohort B), your cancer must have this gene change: KRAS G12C.",
    ]
    # Without the rule for everyone, it is said once for the parts that have it.
    only_parts = key_rules(
        (
            req("biomarker-required", "any-of", "HER2", cohort="Cohort A"),
            req("biomarker-required", "any-of", "HER2", cohort="Cohort B"),
        )
    )
    assert [r.requirement.cohort for r in only_parts] == ["Cohort A"]
    assert [r.cohort for r in only_parts[0].others] == ["Cohort B"]


def test_a_rule_several_parts_say_in_the_same_words_is_said_once_naming_them():
    # NCT04482309: "In one part of the trial (Cohort 7), ... HER2." then Cohort A, Cohort B.
    rules = key_rules(
        (
            req("biomarker-required", "any-of", "HER2", cohort="Cohort 7"),
            req("ecog", "at-most", 1, cohort="Cohort A"),
            req("biomarker-required", "any-of", "HER2", cohort="Cohort A"),
            req("biomarker-required", "any-of", "HER2", cohort="Cohort B"),
            req("biomarker-required", "any-of", "HER2", cohort="Cohort B"),
        )
    )
    assert [r.text for r in rules] == [
        "In some parts of the trial (Cohort 7, Cohort A and Cohort B), your cancer must have "
        "this marker: HER2.",
        "In one part of the trial (Cohort A), you must be up and about and able to do light "
        "work. This is an ECOG score of 1 or lower.",
    ]
    # Each part's requirement is kept, to find the criterion of each.
    said = rules[0]
    assert [r.cohort for r in (said.requirement, *said.others)] == [
        "Cohort 7",
        "Cohort A",
        "Cohort B",
        "Cohort B",
    ]
    # NCT05607199: a label naming parts itself ("Part 3A and 3B") is listed with commas.
    [both] = key_rules(
        (
            req("prior-lines", "at-least", 2, cohort="Part 1"),
            req("prior-lines", "at-least", 2, cohort="Part 3A and 3B"),
        )
    )
    assert both.text.startswith("In some parts of the trial (Part 1, Part 3A and 3B), ")


def test_a_rule_every_part_says_in_the_same_words_is_said_once_for_everyone():
    # NCT04613596: "Phase 2: ... NSCLC with KRAS G12C mutation", "Phase 3: ... the same".
    parts = ("Phase 2", "Phase 3")
    found = (
        req("biomarker-required", "any-of", "KRAS G12C", cohort="Phase 2"),
        req("biomarker-required", "any-of", "KRAS G12C", cohort="Phase 3"),
        req("biomarker-required", "any-of", "PD-L1", cohort="Phase 3"),
        req("ecog", "at-most", 1, cohort="Phase 2"),
        req("ecog", "at-most", 2, cohort="Phase 3"),
    )
    rules = key_rules(found, parts)
    assert [(r.text, r.requirement.cohort) for r in rules[:2]] == [
        ("Your cancer must have this gene change: KRAS G12C.", ""),
        (
            "In one part of the trial (Phase 3), your cancer must have this marker: PD-L1.",
            "Phase 3",
        ),
    ]
    # ECOG limits said apart stay each part's
    assert [r.requirement.cohort for r in rules[2:]] == ["Phase 2", "Phase 3"]
    # A part the rule leaves out, a part named with another word, or one part alone: the
    # rule is said for those parts only.
    for others in (("Phase 2", "Phase 3", "Phase 4"), ("Phase 2", "Phase 3", "Cohort A")):
        [said] = key_rules(found[:2], others)
        assert said.text.startswith("In some parts of the trial (Phase 2 and Phase 3), ")
        assert [r.cohort for r in (said.requirement, *said.others)] == ["Phase 2", "Phase 3"]
    [alone] = key_rules(found[:1], ("Phase 2",))
    assert alone.requirement.cohort == "Phase 2"
    # A label naming several parts counts for each ("Phases 2 and 3").
    [both] = key_rules(
        (req("measurable-disease", "required", cohort="Parts 1 and 2"),),
        ("Part 1", "Part 2", "Parts 1 and 2"),
    )
    assert both.requirement.cohort == ""


def test_a_rule_of_several_parts_says_some_parts():
    # NCT02227251: "Inclusion Criteria (Parts 1 and 2):"
    [rule] = key_rules((req("ecog", "at-most", 1, cohort="Parts 1 and 2"),))
    assert rule.text.startswith("In some parts of the trial (Parts 1 and 2), you must be up")


def test_a_marker_both_required_and_excluded_for_the_same_people_is_not_said():
    """ "Either BRAF-mutant or BRAF wild-type tumors are eligible" must not become a rule."""
    both = (
        req("biomarker-required", "any-of", "BRAF mutation"),
        req("biomarker-excluded", "any-of", "BRAF mutation"),
        req("measurable-disease", "required"),
    )
    assert [r.requirement.kind for r in key_rules(both)] == ["measurable-disease"]
    for_one_part = (
        req("biomarker-required", "any-of", "BRAF mutation", cohort="Part A"),
        req("biomarker-excluded", "any-of", "BRAF mutation"),
    )
    assert key_rules(for_one_part) == ()
    in_different_parts = (
        req("biomarker-required", "any-of", "PIK3CA mutation", cohort="Arm D"),
        req("biomarker-excluded", "any-of", "PIK3CA mutation", cohort="Arm A"),
    )
    assert len(key_rules(in_different_parts)) == 2


def test_only_the_key_kinds_in_order_and_at_most_a_few():
    many = [
        req("prior-therapy-excluded", "any-of", f"drug {i}", section="exclusion") for i in range(20)
    ]
    many += [req("age", "at-least", 18), req("sex", "only", "female"),
             req("disease-setting", "any-of", "refractory"), req("ecog", "at-most", 1),
             req("prior-lines", "at-least", 2)]  # fmt: skip
    rules = key_rules(tuple(many))
    assert len(rules) == RULES["max_rules"]
    kinds = [r.requirement.kind for r in rules]
    assert kinds[0] == "prior-lines" and "ecog" not in kinds  # the cap keeps the first kinds
    assert not {"age", "sex", "disease-setting"} & set(kinds)
    assert [r.text for r in key_rules((req("age", "at-least", 18),))] == []


def test_a_rule_another_says_more_precisely_is_not_said():
    both = (req("prior-lines", "at-least", 1), req("prior-lines", "between", 1, 3))
    assert [r.requirement.rule for r in key_rules(both)] == ["between"]
    capped = (req("prior-lines", "at-most", 5), req("prior-lines", "exactly", 2))
    assert [r.requirement.rule for r in key_rules(capped)] == ["exactly"]
    # Rules for different people, or that do not contain one another, are both said.
    parts = (req("prior-lines", "at-least", 1), req("prior-lines", "between", 1, 3, cohort="A"))
    assert len(key_rules(parts)) == 2
    apart = (req("prior-lines", "at-least", 2), req("prior-lines", "between", 1, 3))
    assert len(key_rules(apart)) == 2


def test_two_limits_of_the_same_sort_say_the_wider():
    """NCT05419375 said "This is an ECOG score of 1 or lower" to everyone: its "ECOG 0, 1, or 2"
    is for participants with stage III NSCLC and "ECOG 0 or 1" for those needing adjuvant
    treatment, under headings not read as parts of the trial."""
    groups = (req("ecog", "at-most", 2), req("ecog", "at-most", 1))
    assert [r.requirement.values for r in key_rules(groups)] == [(2,)]
    lines = (req("prior-lines", "at-least", 1), req("prior-lines", "at-least", 2))
    assert [r.requirement.values for r in key_rules(lines)] == [(1,)]


def test_of_several_brain_metastases_rules_for_the_same_people_the_most_permissive_is_said():
    """NCT05236946, a trial for people with brain metastases ("Patients with radiologically
    confirmed parenchymal brain metastases", "Patients with asymptomatic ... brain metastases",
    prior brain radiotherapy excluded), said both "may join, even if it is not treated" and "only
    on some conditions, such as treatment that left it stable"."""
    both = (
        req("brain-metastases", "active-allowed"),
        req("brain-metastases", "treated-stable"),
        req("brain-metastases", "none", section="exclusion"),
    )
    assert [r.requirement.rule for r in key_rules(both)] == ["active-allowed"]
    # An exception to the exclusion: only the exception is said.
    excepted = (
        req("brain-metastases", "none", section="exclusion"),
        req("brain-metastases", "treated-stable", section="exclusion"),
    )
    assert [r.requirement.rule for r in key_rules(excepted)] == ["treated-stable"]
    # Two items ruling out some ("Unstable ... brain metastases", "symptomatic brain metastases",
    # NCT06417814): one sentence, from the first.
    twice = (
        Requirement("brain-metastases", "treated-stable", (), "Unstable brain metastases."),
        Requirement("brain-metastases", "treated-stable", (), "Symptomatic brain metastases."),
    )
    [said] = key_rules(twice)
    assert said.requirement.text == "Unstable brain metastases."
    # Rules for different people are each said.
    parts = (
        req("brain-metastases", "none", section="exclusion", cohort="Part A"),
        req("brain-metastases", "treated-stable", section="exclusion", cohort="Part B"),
    )
    assert len(key_rules(parts)) == 2


def test_the_same_sentence_is_said_once():
    twice = (req("ecog", "at-most", 1), req("ecog", "between", 0, 1))
    assert len(key_rules(twice)) == 1


@pytest.mark.parametrize(
    "requirement",
    [
        req("prior-lines", "at-least", "two"),
        req("prior-lines", "at-least", -1),
        req("prior-lines", "at-least", 1.5),
        req("prior-lines", "at-least", True),
        req("prior-lines", "at-least"),
        req("prior-lines", "between", 3, 1),
        req("prior-lines", "between", 1),
        req("prior-lines", "at-least", 0),
        req("ecog", "at-most", 7),
        req("ecog", "sometimes", 1),
        req("transplant", "prior-required", "xenogeneic"),
        req("biomarker-required", "any-of"),
        req("biomarker-required", "any-of", "HLA-A*02:01", "KRAS G12C"),
        req("prior-therapy-required", "any-of", " "),
        req("no-such-kind", "any-of", "x"),
    ],
)
def test_values_that_do_not_fit_say_nothing(requirement):
    assert rule_sentence(requirement) == ""
    assert key_rules((requirement,)) == ()


def rules_of(kind: str) -> list[str]:
    """The rules [requirements] has sentences for ("any-of-gene" is the rule "any-of", and so
    are "any-of-gene-treatable" and "at-most-advanced", said when `NAME-words` are found)."""
    table = RULES[kind]
    qualifiers = "|".join(key.removesuffix("-words") for key in table if key.endswith("-words"))
    rules = set()
    for key in table:
        if key.endswith("-words"):
            continue
        if qualifiers:
            key = re.sub(rf"-(?:{qualifiers})$", "", key)
        rules.add(re.sub(r"-(change|gene|marker|person)$", "", key))
    return sorted(rules)


def sample_values(kind: str, rule: str) -> list[tuple]:
    if kind == "ecog":
        return [(n,) for n in range(5)] if rule == "at-most" else [(1, 2)]
    if rule == "between":
        return [(1, 3)]
    if rule in ("at-least", "at-most", "exactly"):
        return [(0,), (1,), (2,)]
    if kind == "transplant":
        return [(), ("autologous",), ("allogeneic",), ("any",)]
    if kind.startswith("biomarker-"):
        return [("KRAS G12C",), ("BRCA1", "BRCA2"), ("PD-L1",), ("HLA-A*02:01",)]
    if rule.endswith("-of"):
        return [("lenalidomide",), ("lenalidomide", "bortezomib")]
    return [()]


def test_every_phrase_fills_and_reads_plainly():
    """Each sentence of [requirements] fills without a stray brace, ends a sentence, stays short,
    and has no number but those of the values (and the ECOG score it names)."""
    said = 0
    for kind in RULES["show"]:
        assert kind in KINDS, kind
        for rule in rules_of(kind):
            for values in sample_values(kind, rule):
                text = rule_sentence(req(kind, rule, *values))
                if not text:
                    continue
                said += 1
                assert not set("{}") & set(text), text
                assert text.endswith(".") and text[0].isupper(), text
                assert all(len(s.split()) <= 22 for s in re.split(r"(?<=\.) ", text)), text
                numbers = set(re.findall(r"\d+", text)) - set(
                    re.findall(r"\d+", " ".join(map(str, values)))
                )
                assert numbers <= {str(v) for v in values} | set("01234"), text  # fmt: skip
    assert said >= 40


def test_phrase_fields_are_known():
    allowed = {"values", "n", "low", "high", "kind", "rule", "cohort"}
    for kind in RULES["show"]:
        table = RULES.get(kind, {})
        # (`NAME-words` are patterns, not phrases: "{0,2000}" there is a bound, not a field.)
        phrases = {k: v for k, v in table.items() if not k.endswith("-words")}
        for phrase in flatten(phrases):
            fields = {f for _, f, _, _ in string.Formatter().parse(phrase) if f}
            assert fields <= allowed, (kind, phrase)


def flatten(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [p for v in value.values() for p in flatten(v)]
    return [p for v in value for p in flatten(v)]


# -- in a summary -------------------------------------------------------------------------------

CRITERIA = """Inclusion Criteria:

* At least 2 prior lines of therapy, including lenalidomide
* Measurable disease
* ECOG performance status 0-1
* KRAS G12C mutation

Exclusion Criteria:

* Known EGFR mutation or ALK rearrangement
* Active brain metastases
"""


def test_a_summary_says_the_rules_of_its_requirements_and_nothing_else():
    trial = parse_study(make_study(criteria=CRITERIA))
    requirements = (
        req("prior-lines", "at-least", 2),
        req("biomarker-required", "any-of", "KRAS G12C"),
        req(
            "biomarker-excluded",
            "any-of",
            "EGFR mutation",
            "ALK rearrangement",
            section="exclusion",
        ),
        req("ecog", "between", 0, 1),
        req("biomarker-required", "any-of", "ALK rearrangement", section="exclusion"),  # wrong way
    )
    text = summarize(trial, tags=Tags(requirements=requirements))
    assert rules_part(text) == [
        "You must have had at least two earlier lines of treatment. Line of treatment means one "
        "plan of treatment for the cancer, with one medicine or a few given together.",
        "Your cancer must have this gene change: KRAS G12C.",
        "Your cancer must not have these gene changes: EGFR mutation, ALK rearrangement. Mutation "
        "means a change in a gene.",
        "You must be up and about and able to do light work. This is an ECOG score of 1 or lower. "
        "ECOG means a scale doctors use for how active you are; a lower score means more active.",
    ]
    assert "must have this gene change: ALK" not in text


def test_without_requirements_a_summary_says_no_rule():
    """The criteria are full of rules, but none was read: the summary says none of them."""
    trial = parse_study(make_study(criteria=CRITERIA, sex="ALL", status="RECRUITING"))
    text = summarize(trial, tags=Tags())
    assert "What are some key rules?" not in text
    assert "The full list of rules is on the trial page." in text
    for sentence in re.split(r"(?<=[.?])\s+", text):
        assert not MODAL.search(sentence), sentence


def test_rules_come_from_the_tagging_when_no_tags_are_given(monkeypatch):
    trial = parse_study(make_study(criteria=CRITERIA))
    read = Tags(requirements=(req("measurable-disease", "required"),))
    monkeypatch.setattr(summary, "tag_trial", lambda _trial: read)
    assert rules_part(summarize(trial)) == [
        "Your cancer must be big enough to measure on a scan or a test."
    ]


def test_the_tagging_rules_of_a_made_up_trial_are_said_as_read():
    """Whatever requirements the tagging reads in CRITERIA, the summary says exactly those."""
    trial = parse_study(make_study(criteria=CRITERIA))
    expected = [rule.text for rule in key_rules(tag_trial(trial).requirements)]
    said = [without_explanations(line) for line in rules_part(summarize(trial))]
    assert len(expected) >= 4 and said == expected


def without_explanations(line: str) -> str:
    """A rule as said, without the glossary's explanations added after its sentences."""
    for term in glossary.terms():
        line = line.replace(" " + term.sentence, "")
    return line


def test_an_own_template_sees_the_requirement_behind_each_rule(tmp_path):
    (tmp_path / "summary.txt.j2").write_text(
        "{% for r in s.requirements %}{{ r.requirement.rule }} ({{ r.requirement.section }}): "
        "{{ r.text }}\n{% endfor %}"
    )
    trial = parse_study(make_study())
    tags = Tags(requirements=(req("brain-metastases", "none", section="exclusion"),))
    assert summarize(trial, tags=tags, templates=str(tmp_path)) == (
        "none (exclusion): You cannot join if the cancer has spread to the brain."
    )


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("proteasome inhibitor", "a proteasome inhibitor"),
        ("anti-CD38", "an anti-CD38 antibody"),
        ("chemotherapy", "chemotherapy"),
        ("iberdomide", "iberdomide"),  # a drug is said by its name
        # Its drugs are the second-generation ones (enzalutamide): first-generation bicalutamide
        # is not one of them, and may have been given (NCT05348876 allows it)
        ("androgen receptor inhibitor", "a second-generation androgen receptor inhibitor"),
    ],
)
def test_a_drug_class_is_said_as_a_sentence_names_it(value, said):
    requirement = Requirement("prior-therapy-excluded", "any-of", (value,), "Prior X", "exclusion")
    assert rule_sentence(requirement) == f"You must not have been treated with {said} before."


def test_every_drug_class_says_how_a_sentence_names_it():
    from trialfinder.tagging.drug_classes import drug_classes

    classes = drug_classes().classes
    assert len(classes) > 40
    assert all(drug_classes().get(name).said for name in classes)


@pytest.mark.parametrize(
    ("conditions", "said"),
    [
        (["Non-small Cell Lung Cancer"], True),
        # NCT04474964: a brain tumour is in the brain already; the rule is about its spread
        # along the brain and spine, which "spread to the brain" does not say.
        (["Medulloblastoma, WNT-activated"], False),
        (["Glioma"], False),
        (["Glioma", "Non-small Cell Lung Cancer"], True),  # (not all in the brain)
    ],
)
def test_spread_to_the_brain_is_not_said_of_a_brain_tumour(conditions, said):
    criteria = (
        "Inclusion Criteria:\n\n* No evidence of metastatic disease in the brain, spine or CSF\n\n"
        "Exclusion Criteria:\n\n* Pregnancy"
    )
    study = make_study(title="Radiotherapy", conditions=conditions, criteria=criteria)
    trial = parse_study(study)
    assert any(r.kind == "brain-metastases" for r in tag_trial(trial).requirements)
    text = summarize(trial)
    assert ("You cannot join if the cancer has spread to the brain." in text) is said


def test_the_diseases_a_kind_is_not_said_for_are_diseases_trialfinder_knows():
    from trialfinder.diseases import diseases

    for kind, names in RULES["not_for_diseases"].items():
        assert kind in RULES["show"]
        assert set(names) <= set(diseases().diseases), names
