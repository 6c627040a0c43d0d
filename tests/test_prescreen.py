"""The prescreen: checks per criterion and the verdict, from the rules' own examples, built
cases of cohorts and verdicts, and the real records with the hand-labelled profiles."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from trialfinder.knowledge import load_toml
from trialfinder.model import Eligibility, Trial, parse_study
from trialfinder.prescreen import (
    CHECK,
    EXCLUDED,
    FAIL,
    NOT_YET,
    PASS,
    POSSIBLE,
    UNKNOWN,
    Check,
    Fit,
    check_disease,
    check_requirement,
    criteria_left_out,
    prescreen,
    rank,
    rule_kinds,
    rules,
    verdict,
    washout_requirements,
)
from trialfinder.profile import KEYS, Profile, load_profile, profile_from_table
from trialfinder.tagging import tag_trial
from trialfinder.tagging.requirements import Requirement
from trialfinder.tagging.tags import Evidence, Tags

from conftest import load_real_record, needs_shared, real_record_paths
from factories import make_study

LABELS = Path(__file__).resolve().parents[1] / "benchmarks" / "labels"
EXAMPLES = load_toml("prescreen_examples.toml")["example"]


def _trial(**fields) -> Trial:
    eligibility = Eligibility(
        criteria=fields.pop("criteria", ""),
        healthy_volunteers=fields.pop("healthy_volunteers", None),
        sex=fields.pop("eligibility_sex", ""),
    )
    return Trial(
        nct_id="NCT01000001",
        conditions=tuple(fields.pop("conditions", ())),
        brief_title=fields.pop("title", ""),
        eligibility=eligibility,
        **fields,
    )


def _run(example: dict) -> Check:
    profile = profile_from_table(example["profile"], "<example>")
    if example["rule"] == "disease":
        return check_disease(_trial(**example["trial"]), profile)
    req = example["requirement"]
    requirement = Requirement(
        example["rule"],
        req["rule"],
        tuple(req.get("values", ())),
        req["text"],
        req.get("section", "inclusion"),
        req.get("cohort", ""),
    )
    check = check_requirement(requirement, profile, today=example.get("today"))
    assert check is not None
    return check


@pytest.mark.parametrize(
    "example", EXAMPLES, ids=[f"{e['rule']}-{e['outcome']}-{i}" for i, e in enumerate(EXAMPLES)]
)
def test_every_example_of_the_rules_gives_its_outcome(example):
    check = _run(example)
    assert check.outcome == example["outcome"], check.reason
    assert check.rule == example["rule"]
    assert check.reason.endswith(".") and check.reason[0].isupper()
    assert "{" not in check.reason  # every placeholder filled
    if "permanent" in example:
        assert check.permanent is example["permanent"]
    if check.outcome == UNKNOWN:
        assert "{" not in check.question
    else:
        assert check.question == ""


@pytest.mark.parametrize(
    "example", EXAMPLES, ids=[f"{e['rule']}-{i}" for i, e in enumerate(EXAMPLES)]
)
def test_a_profile_with_none_of_a_rule_s_facts_leaves_its_check_unknown(example):
    # the `facts` of each [rule.*] are profile keys, and without any of them nothing is decided
    facts = rules().rules[example["rule"]]["facts"]
    assert set(facts) <= set(KEYS), facts
    unsaid = {k: v for k, v in example["profile"].items() if k not in facts}
    check = _run(example | {"profile": unsaid})
    assert check.outcome == UNKNOWN, (facts, unsaid, check.reason)


def test_every_rule_kind_has_examples_that_pass_fail_and_stay_unknown():
    seen = {(e["rule"], e["outcome"]) for e in EXAMPLES}
    for kind in rule_kinds():
        for outcome in (PASS, FAIL, UNKNOWN):
            assert (kind, outcome) in seen, f"no example of {kind} that gives {outcome}"
    assert {e["rule"] for e in EXAMPLES} <= set(rule_kinds())


def test_every_kind_the_reader_gives_has_a_rule():
    from trialfinder.tagging.requirements import KINDS

    assert set(KINDS) <= set(rule_kinds())


# -- verdicts ---------------------------------------------------------------------------------


def _check(outcome: str, rule: str = "ecog", cohort: str = "") -> Check:
    return Check(rule, outcome, False, "text", "fact", f"A {rule} {outcome}.", cohort)


def test_one_fail_for_everyone_excludes():
    fit = verdict((_check(PASS, "disease"), _check(FAIL, "ecog")))
    assert fit.fit == EXCLUDED
    assert fit.reason == "Not for you: A ecog fail."
    assert fit.questions == ()


def test_a_part_ruled_out_only_by_a_wait_makes_the_trial_not_yet_whatever_the_order_of_parts():
    # Part A for another disease, Part B only a wait away: "not-yet" depended on which part came
    # first, and a patient who could join Part B later was told "No part of the trial fits"
    other_disease = _check(FAIL, "disease", "Part A")
    wait = _check(FAIL, "washout", "Part B")
    disease_b = _check(PASS, "disease", "Part B")
    for checks in ((other_disease, wait, disease_b), (wait, disease_b, other_disease)):
        fit = verdict(checks)
        assert fit.fit == NOT_YET, checks
        assert fit.reason == "No part of the trial fits yet: A washout fail."
    # a wait beside another fail in the same part rules it out
    assert verdict((_check(FAIL, "washout"), _check(FAIL, "ecog"))).fit == EXCLUDED


def test_possible_needs_the_key_facts_to_pass_and_check_says_which_are_unknown():
    assert verdict((_check(PASS, "disease"), _check(UNKNOWN, "ecog"))).fit == POSSIBLE
    fit = verdict((_check(PASS, "disease"), _check(UNKNOWN, "prior-lines")))
    assert fit.fit == CHECK
    assert "number of earlier treatments" in fit.reason
    assert verdict((_check(UNKNOWN, "disease"),)).fit == CHECK
    assert verdict(()).fit == CHECK  # nothing known: never possible


def test_a_fail_in_one_named_part_leaves_the_other_parts():
    checks = (
        _check(PASS, "disease"),
        _check(FAIL, "ecog", "Part A"),
        _check(PASS, "ecog", "Part B"),
    )
    fit = verdict(checks)
    assert fit.fit == POSSIBLE
    assert fit.cohorts == ("Part B",)
    assert "Part B" in fit.reason


def test_fails_in_every_named_part_exclude():
    checks = (
        _check(PASS, "disease"),
        _check(FAIL, "ecog", "Part A"),
        _check(FAIL, "age", "Part B"),
    )
    fit = verdict(checks)
    assert fit.fit == EXCLUDED
    assert fit.reason.startswith("No part of the trial fits: ")


def test_a_single_named_part_leaves_the_parts_the_criteria_do_not_name():
    # P14 and NCT04862663: the phase III exclusions fail, the phase Ib cohorts carry none
    fit = verdict((_check(PASS, "disease"), _check(FAIL, "prior-therapy-excluded", "Phase III")))
    assert fit.fit == POSSIBLE


def test_a_label_naming_several_parts_holds_in_each():
    checks = (
        _check(PASS, "disease"),
        _check(FAIL, "ecog", "Parts 1 AND 2"),
        _check(PASS, "age", "Part 1"),
        _check(PASS, "age", "Part 2"),
    )
    assert verdict(checks).fit == EXCLUDED


def test_parts_named_together_are_listed_in_the_order_written_in_every_run():
    """A label naming several parts ("Parts 3B and 3A") gives its parts in the order written,
    whatever the interpreter's hash seed (the order a set happens to take changes per run)."""
    code = """
from trialfinder.prescreen import Check, verdict
checks = (
    Check("disease", "pass", False, "t", "f", "r", ""),
    Check("age", "pass", False, "t", "f", "r", "Part 1"),
    Check("ecog", "pass", False, "t", "f", "r", "Parts 3B and 3A and 2C, 2A"),
)
print(verdict(checks).cohorts)
"""
    seen = set()
    for seed in ("0", "1", "2", "3", "4", "5"):
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            timeout=60,
        )
        seen.add(done.stdout.strip())
    assert seen == {"('Part 1', 'Part 3B', 'Part 3A', 'Part 2C', 'Part 2A')"}


def test_the_order_of_a_search_with_a_profile():
    fits = [EXCLUDED, None, POSSIBLE, CHECK]
    assert sorted(fits, key=rank) == [POSSIBLE, CHECK, EXCLUDED, None]


# -- built trials -----------------------------------------------------------------------------


def _profile(**facts) -> Profile:
    return profile_from_table(facts, "<test>")


def test_an_empty_profile_never_excludes_and_asks_about_the_key_facts():
    trial = _trial(conditions=["Multiple Myeloma"])
    requirements = (
        Requirement("prior-lines", "at-least", (3,), "At least 3 prior lines", "inclusion"),
        Requirement("ecog", "at-most", (1,), "ECOG 0-1", "inclusion"),
    )
    fit = prescreen(trial, Tags(requirements=requirements), Profile())
    assert fit.fit == CHECK
    assert {c.outcome for c in fit.checks} == {UNKNOWN}
    assert fit.questions[0].startswith("Ask whether your diagnosis counts as multiple myeloma")
    assert any("ECOG" in q for q in fit.questions)


def test_a_count_of_lines_from_none_lets_in_a_newly_diagnosed_patient():
    """ "No more than 1 prior line" takes people never treated: it asks for no refractory
    disease, so it does not exclude a newly diagnosed patient (it did, on its setting)."""
    trial = _trial(
        conditions=["Colorectal Cancer"],
        criteria="Inclusion Criteria:\n\n* Metastatic colorectal cancer\n"
        "* No more than 1 prior line of therapy",
    )
    profile = _profile(diagnosis="colorectal cancer", setting=["newly diagnosed"], prior_lines=0)
    fit = prescreen(trial, tag_trial(trial), profile)
    assert fit.fit != EXCLUDED
    assert [c.outcome for c in fit.checks if c.rule == "prior-lines"] == ["pass"]
    assert not [c for c in fit.checks if c.rule == "disease-setting"]


def test_a_bcma_exclusion_names_the_drug_the_patient_had():
    trial = _trial(conditions=["Relapsed or Refractory Multiple Myeloma"])
    requirement = Requirement(
        "prior-therapy-excluded",
        "any-of",
        ("BCMA-directed therapy",),
        "Received any prior BCMA-directed therapy",
        "exclusion",
    )
    profile = _profile(diagnosis="multiple myeloma", prior_treatments=["Velcade", "teclistamab"])
    fit = prescreen(trial, Tags(requirements=(requirement,)), profile)
    assert fit.fit == EXCLUDED
    failed = fit.failed[0]
    assert failed.reason == (
        "The trial does not take people who have had a BCMA-directed therapy; you had teclistamab."
    )
    assert failed.permanent is True
    assert failed.fact == "prior_treatments: teclistamab"
    assert failed.text == "Received any prior BCMA-directed therapy"


def test_record_age_and_sex_count_as_criteria():
    trial = Trial(
        nct_id="NCT01000001",
        conditions=("Breast Cancer",),
        eligibility=Eligibility(
            sex="FEMALE", min_age_years=18.0, max_age_years=65.0, min_age_text="18 Years"
        ),
    )
    man = prescreen(trial, None, _profile(sex="male", age=40, diagnosis="breast cancer"))
    assert man.fit == EXCLUDED
    assert [c.rule for c in man.failed] == ["sex"]
    old = prescreen(trial, None, _profile(sex="female", age=66, diagnosis="breast cancer"))
    assert [c.rule for c in old.failed] == ["age"]
    assert old.failed[0].permanent is True
    fits = prescreen(trial, None, _profile(sex="female", age=65, diagnosis="breast cancer"))
    assert fits.fit == POSSIBLE
    # a profile without its sex was told "The trial takes only female"
    unsaid = prescreen(trial, None, _profile(age=40, diagnosis="breast cancer"))
    (sex,) = [c for c in unsaid.checks if c.rule == "sex"]
    assert sex.reason == "The trial takes only women; the profile does not give your sex."


def test_a_sex_field_the_criteria_contradict_leaves_the_sex_to_the_trial_team():
    # NCT04472845: sex "FEMALE" in the record, "2. Female or male" in its criteria, told a man
    # with breast cancer "not for you".
    trial = _trial(
        conditions=["Breast Cancer"],
        criteria="Inclusion Criteria:\n\n1. Age ≥18 years\n2. Female or male\n",
        eligibility_sex="FEMALE",
    )
    man = _profile(sex="male", age=60, diagnosis="breast cancer")
    fit = prescreen(trial, tag_trial(trial), man)
    (field,) = [c for c in fit.checks if c.rule == "sex"]
    assert field.outcome == UNKNOWN and fit.fit != EXCLUDED
    assert field.reason.endswith(
        "its criteria take women and men: the record does not agree with itself."
    )
    # The field alone still rules a man out.
    alone = _trial(conditions=["Breast Cancer"], criteria="Adults", eligibility_sex="FEMALE")
    assert prescreen(alone, tag_trial(alone), man).fit == EXCLUDED


def test_a_washout_says_from_which_day_the_patient_would_pass():
    trial = Trial(
        nct_id="NCT01000001",
        conditions=("Multiple Myeloma",),
        eligibility=Eligibility(
            criteria="Exclusion Criteria:\n\n* Anticancer therapy within 21 days before the "
            "first dose\n* Radiotherapy within 14 days of the first dose"
        ),
    )
    (washout,) = washout_requirements(trial)
    assert washout.values == (21, "within 21 days")
    profile = _profile(diagnosis="myeloma", last_treatment=dt.date(2026, 11, 20))
    fit = prescreen(trial, None, profile, today=dt.date(2026, 12, 1))
    assert fit.fit == NOT_YET
    (failed,) = fit.failed
    assert failed.passes_on == dt.date(2026, 12, 12)
    assert failed.permanent is False
    assert "you would pass from 2026-12-12" in failed.reason
    # a wait is said as one: "Not yet", not "Not for you"
    assert fit.reason.startswith("Not yet: The trial does not take people treated within 21")
    other = _profile(diagnosis="breast cancer", last_treatment=dt.date(2026, 11, 20))
    assert prescreen(trial, None, other, today=dt.date(2026, 12, 1)).reason.startswith(
        "Not for you: The trial is for people with multiple myeloma"
    )
    later = prescreen(trial, None, profile, today=dt.date(2026, 12, 12))
    assert later.fit == POSSIBLE


@pytest.mark.parametrize(
    ("which", "outcome"),
    [
        # a period that may be shorter for some drugs: not failed before it ends
        ("shorter", UNKNOWN),
        # NCT06761586 ("within the past 28 days or 5 half-lives, whichever is longer") said the
        # wait "may be shorter for some treatments": 28 days is the least
        ("longer", FAIL),
    ],
)
def test_a_washout_of_days_or_half_lives(which, outcome):
    criteria = (
        "Exclusion Criteria:\n\n* Anticancer therapy within the past 28 days or 5 half-lives,"
        f" whichever is {which}, before the first dose\n"
    )
    trial = _trial(conditions=["Multiple Myeloma"], criteria=criteria)
    profile = _profile(diagnosis="myeloma", last_treatment=dt.date(2026, 11, 25))
    fit = prescreen(trial, None, profile, today=dt.date(2026, 12, 1))
    (washout,) = [c for c in fit.checks if c.rule == "washout"]
    assert washout.outcome == outcome, washout.reason
    if outcome == FAIL:
        assert washout.passes_on == dt.date(2026, 12, 24)
        assert washout.reason.endswith("you would pass from 2026-12-24 at the earliest, later for"
                                       " some treatments.")  # fmt: skip
        # after the days, the half-lives may still be running
        after = prescreen(trial, None, profile, today=dt.date(2026, 12, 24))
        (washout,) = [c for c in after.checks if c.rule == "washout"]
        assert washout.outcome == UNKNOWN


def test_unknown_drug_names_leave_treatment_checks_unknown():
    requirement = Requirement(
        "prior-therapy-excluded", "any-of", ("anti-CD38",), "Prior anti-CD38 antibody", "exclusion"
    )
    profile = _profile(prior_treatments=["lenalidomide", "Zorblatamab"])
    assert profile.warnings and "Zorblatamab" in profile.warnings[0]
    check = check_requirement(requirement, profile)
    assert check.outcome == UNKNOWN
    assert "Zorblatamab" in check.reason


def test_checks_are_json_ready():
    fit = verdict((_check(PASS, "disease"), _check(FAIL, "ecog")))
    record = fit.as_record()
    assert json.loads(json.dumps(record)) == record
    assert set(record["checks"][0]) >= {"rule", "outcome", "permanent", "text", "fact", "reason"}
    assert record["checks"][0]["permanent"] is None  # only a fail lasts or may change
    assert record["checks"][1]["permanent"] is False


# -- the real records ---------------------------------------------------------------------------


def _labelled(profile: str, nct_id: str):
    trial = parse_study(load_real_record(nct_id))
    return prescreen(
        trial,
        tag_trial(trial),
        load_profile(LABELS / "profiles" / f"{profile}.toml"),
        today=dt.date(2026, 12, 1),
    )


@needs_shared
@pytest.mark.parametrize(
    "profile, nct_id, fit, rule",
    [
        ("P01", "NCT05572515", EXCLUDED, "prior-therapy-excluded"),  # teclistamab is BCMA
        ("P01", "NCT04975997", EXCLUDED, "prior-lines"),  # four lines, one or two wanted
        ("P01", "NCT05984147", EXCLUDED, "disease"),  # lymphoma, not myeloma
        ("P04", "NCT05317416", EXCLUDED, "ecog"),  # ECOG 3
        ("P27", "NCT05147467", EXCLUDED, "age"),  # a boy of 9, adults only
        ("P17", "NCT03788213", EXCLUDED, "sex"),  # a man, women only
        ("P29", "NCT05519085", EXCLUDED, "disease"),  # a healthy man, a myeloma trial
        ("P13", "NCT06875310", CHECK, None),  # "lung cancer": whether it is NSCLC is unknown
        # Refractory to JAK inhibitors: way (i) in, of "(i), (ii) or (iii)"; (iii) asks relapse.
        ("P26", "NCT04576156", POSSIBLE, None),
        ("P02", "NCT06208150", POSSIBLE, None),  # myeloma relapsed after one line
        # a history of medicines only: whether he had the gastrectomy it asks for is asked
        ("P24", "NCT05319392", POSSIBLE, None),
        ("P01", "NCT06491082", EXCLUDED, "disease"),  # "chemotherapy for solid cancer"
        ("P09", "NCT06475911", CHECK, None),  # a lung cancer in a study of HPB cancer surgery
        # a pancreatic cancer in the same, treated with medicines only: whether she had (or
        # has) the operation is asked
        ("P23", "NCT06475911", CHECK, None),
        # one line of chemotherapy for metastatic disease allowed; which of her two was, unknown
        ("P16", "NCT03671044", CHECK, None),
        # two lines, and at least one to three of chemotherapy asked: whether one of hers was
        # chemotherapy for metastatic disease is asked (a profile of no line fails)
        ("P16", "NCT06189209", CHECK, None),
    ],
)
def test_labelled_pairs(profile, nct_id, fit, rule):
    found = _labelled(profile, nct_id)
    assert found.fit == fit, found.reason
    if rule:
        assert rule in {c.rule for c in found.failed}


@needs_shared
def test_a_profile_that_says_nothing_excludes_no_real_trial():
    profile = Profile()
    for path in real_record_paths():
        trial = parse_study(json.loads(path.read_text(encoding="utf-8")))
        fit = prescreen(trial, tag_trial(trial), profile)
        assert fit.fit == CHECK, trial.nct_id
        assert all(c.outcome == UNKNOWN for c in fit.checks), trial.nct_id


@needs_shared
def test_every_check_of_the_labelled_profiles_reads_well():
    """Every sentence, quote and question, over every labelled profile and record."""
    profiles = [load_profile(p) for p in sorted((LABELS / "profiles").glob("P*.toml"))]
    outcomes: Counter[str] = Counter()
    for path in real_record_paths()[:40]:
        trial = parse_study(json.loads(path.read_text(encoding="utf-8")))
        tags = tag_trial(trial)
        for profile in profiles:
            fit = prescreen(trial, tags, profile, today=dt.date(2026, 12, 1))
            assert fit.reason and "{" not in fit.reason
            for check in fit.checks:
                outcomes[check.outcome] += 1
                assert check.reason.endswith(".") and "{" not in check.reason
                assert check.text
                if check.outcome == FAIL:
                    assert check.fact, check
    assert outcomes[PASS] and outcomes[FAIL] and outcomes[UNKNOWN]


def test_a_third_of_the_labelled_pairs_is_held_out():
    import csv

    from prescreen_eval import is_held_out

    with (LABELS / "prescreen.tsv").open(encoding="utf-8") as handle:
        pairs = [(r["profile"], r["nct_id"]) for r in csv.DictReader(handle, delimiter="\t")]
    held = sum(is_held_out(*pair) for pair in pairs)
    assert 0.25 < held / len(pairs) < 0.42


def test_a_rule_for_some_diseases_holds_for_a_patient_with_one_of_them():
    trial = _trial(conditions=["Solid Tumor, Adult", "Non-hodgkin Lymphoma"])
    lines = Requirement(
        "prior-lines", "at-least", (2,), "Solid tumor patients must have had two lines",
        "inclusion", scope=("solid tumor",),
    )  # fmt: skip
    tags = Tags(scoped_requirements=(lines,))
    lung = _profile(diagnosis="metastatic lung adenocarcinoma", prior_lines=1)
    fit = prescreen(trial, tags, lung)
    assert fit.fit == EXCLUDED and fit.failed[0].text == lines.text
    lymphoma = _profile(diagnosis="diffuse large B-cell lymphoma", prior_lines=1)
    assert not [c for c in prescreen(trial, tags, lymphoma).checks if c.rule == "prior-lines"]
    unknown = prescreen(trial, tags, _profile(prior_lines=1))
    assert not [c for c in unknown.checks if c.rule == "prior-lines"]


def test_requirements_the_record_contradicts_are_left_to_the_trial_team():
    """A setting both required and ruled out (one of them misread) never excludes; nor does a
    marker both required and excluded. A required setting the titles also name is kept."""
    trial = _trial(conditions=["Multiple Myeloma"])
    wanted = Requirement("disease-setting", "any-of", ("refractory",), "After 2 lines", "inclusion")
    ruled_out = Requirement(
        "disease-setting", "none-of", ("refractory",), "Untreated CNS lymphoma", "exclusion"
    )
    relapsed = _profile(diagnosis="myeloma", setting=["relapsed"])
    fit = prescreen(trial, Tags(requirements=(wanted, ruled_out)), relapsed)
    settings = [c for c in fit.checks if c.rule == "disease-setting"]
    assert {c.outcome for c in settings} == {UNKNOWN}
    assert all(c.contradicted and not c.question for c in settings)
    assert "another criterion of the record says the opposite" in settings[-1].reason
    assert fit.fit == POSSIBLE  # as for a trial that states no setting
    assert prescreen(trial, Tags(requirements=(wanted, ruled_out)), Profile()).fit == CHECK
    # The record's own settings confirm the requirement: it is checked, the other is not.
    tags = Tags(settings=("refractory",), requirements=(wanted, ruled_out))
    fit = prescreen(trial, tags, relapsed)
    assert fit.fit == POSSIBLE
    new = prescreen(trial, tags, _profile(diagnosis="myeloma", setting=["newly diagnosed"]))
    assert new.fit == EXCLUDED and new.failed[0].text == "After 2 lines"
    # Ruled out alone, in another part: checked.
    elsewhere = Requirement(
        "disease-setting", "none-of", ("refractory",), "x", "inclusion", "Part A"
    )
    other = Requirement("disease-setting", "any-of", ("refractory",), "y", "inclusion", "Part B")
    assert prescreen(trial, Tags(requirements=(elsewhere, other)), relapsed).cohorts == ("Part B",)
    # No earlier line at all, in a trial for refractory disease: "no other treatment".
    none = Requirement("prior-lines", "at-most", (0,), "Any therapy for metastatic disease", "x")
    treated = _profile(diagnosis="myeloma", prior_lines=1)
    assert prescreen(trial, Tags(requirements=(none,)), treated).fit == EXCLUDED
    for tags in (
        Tags(settings=("refractory",), requirements=(none,)),
        Tags(requirements=(none, wanted)),
    ):
        fit = prescreen(trial, tags, treated)
        lines = next(c for c in fit.checks if c.rule == "prior-lines")
        assert lines.contradicted and fit.fit != EXCLUDED
    her2 = (
        Requirement("biomarker-required", "any-of", ("HER2",), "HER2 slides", "inclusion"),
        Requirement("biomarker-excluded", "any-of", ("HER2",), "HER2-negative", "inclusion"),
    )
    fit = prescreen(trial, Tags(requirements=her2), _profile(biomarkers=["HER2 positive"]))
    assert FAIL not in {c.outcome for c in fit.checks}


@pytest.mark.parametrize(
    ("item", "left_out"),
    [
        (
            "Locally advanced unresectable or metastatic solid tumors (excluding NSCLC and CRC).",
            ("non-small cell lung cancer", "colorectal cancer"),
        ),
        ("Any advanced solid tumour, other than breast cancer", ("breast cancer",)),
        # another illness than the trial's: nothing is left out of the trial's disease
        ("No active second malignancy (other than colorectal cancer in remission).", ()),
        ("History of other malignancy, except non-melanoma skin cancer", ()),
        # nothing named before it
        ("Measurable disease (except colorectal cancer with bone lesions only)", ()),
    ],
)
def test_diseases_an_inclusion_criterion_leaves_out(item, left_out):
    trial = Trial("NCT01000001", eligibility=Eligibility(f"Inclusion Criteria:\n\n* {item}\n"))
    assert tuple(d for d, _ in criteria_left_out(trial)) == left_out
    assert all(text == item for _, text in criteria_left_out(trial))
    excluded = Trial("NCT01000002", eligibility=Eligibility(f"Exclusion Criteria:\n\n* {item}\n"))
    assert criteria_left_out(excluded) == ()


@needs_shared
def test_an_untreated_patient_is_not_excluded_by_a_setting_of_one_part_of_the_study():
    # NCT04956640: "For one part of the study, participants must have received at least one
    # prior oxaliplatin- or irinotecan-containing regimen"; other parts take untreated NSCLC.
    trial = parse_study(load_real_record("NCT04956640"))
    profile = _profile(
        diagnosis="stage IV lung adenocarcinoma",
        setting=["untreated", "metastatic"],
        prior_lines=0,
        biomarkers=["KRAS G12C"],
    )
    fit = prescreen(trial, tag_trial(trial), profile)
    assert fit.fit != EXCLUDED, fit.reason
    assert not [c for c in fit.checks if c.rule == "disease-setting"]


@needs_shared
def test_a_lung_cancer_does_not_pass_the_disease_of_a_trial_for_carcinoma_of_the_cervix():
    # NCT03256916, conditions "Carcinoma Cervix,Stage III": "The trial is for people with solid
    # tumor or cervical cancer; you have non-small cell lung cancer" passed.
    trial = parse_study(load_real_record("NCT03256916"))
    fit = prescreen(trial, tag_trial(trial), _profile(diagnosis="non-small cell lung cancer"))
    [check] = [c for c in fit.checks if c.rule == "disease"]
    assert check.outcome == FAIL
    assert "solid tumor" not in check.reason


def test_active_brain_metastases_a_criterion_does_not_name_are_left_to_the_trial_team():
    """The reason said "the profile says yours are active; whether the criterion counts them,
    it says", and the question asked whether the patient had brain metastases at all."""
    requirement = Requirement(
        "brain-metastases", "treated-stable", (), "Brain metastases requiring steroids", "exclusion"
    )
    check = check_requirement(requirement, _profile(brain_metastases="active"))
    assert check is not None and check.outcome == UNKNOWN
    assert check.reason.endswith(
        "the profile says yours are active, and the criterion does not say whether active ones "
        "are left out."
    )
    # those with symptoms only: some active ones are left out, which the profile does not say
    symptoms = replace(requirement, text="Symptomatic brain metastases")
    check = check_requirement(symptoms, _profile(brain_metastases="active"))
    assert check is not None and check.outcome == UNKNOWN
    assert "leaves out only some that are not treated" in check.reason
    assert "whether you have brain metastases" not in check.question


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        # NCT05110196: the person is "neurologically unstable", not the metastases.
        (
            "Patients with symptomatic central nervous system (CNS) metastases who are"
            " neurologically unstable or have required increasing doses of steroids",
            UNKNOWN,
        ),
        # NCT06350097, NCT06417814: unstable metastases are growing ones.
        ("Spinal cord compression and unstable brain metastases.", FAIL),
        # NCT03983954, NCT06764875: allowed only once treated.
        ("Known parenchymal brain metastases, unless treated with surgery and/or radiation", FAIL),
        (
            "Brain metastases unless asymptomatic, treated and stable and not requiring steroids",
            FAIL,
        ),
        ("Unstable spinal cord compression and/or unstable brain metastases.", FAIL),
        # NCT04862663 said "the criterion does not say whether active ones are left out"
        (
            "Spinal cord compression, brain metastases or leptomeningeal metastases unless these"
            " lesions are definitively treated (eg. radiotherapy, surgery) and clinically stable"
            " off steroids for management of symptoms for at least 4 weeks",
            FAIL,
        ),
    ],
)
def test_active_brain_metastases_against_a_criterion_on_stability(text, outcome):
    requirement = Requirement("brain-metastases", "treated-stable", (), text, "exclusion")
    check = check_requirement(requirement, _profile(brain_metastases="active"))
    assert check is not None
    assert check.outcome == outcome, check.reason


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        # NCT05984277 said to a profile with untreated ones "The trial takes people with brain
        # metastases only when they are treated, stable or without symptoms ...; the profile
        # says yours are active." as a reason it could not join
        ("Symptomatic brain metastases. Brain metastases may be treated or untreated, but"
         " participants must be asymptomatic and off steroids for at least 14 days", UNKNOWN),
        # NCT04613596: untreated ones ruled out above a size only
        ("Any untreated brain lesions > 1.0 cm in size", UNKNOWN),
        # only those with symptoms, whatever the "unless treated" after
        (
            "Symptomatic brain metastases or spinal cord compression unless definitively treated",
            UNKNOWN,
        ),
        ("Symptomatic CNS metastases requiring active treatment", UNKNOWN),
        # ... but untreated or active ones beside symptomatic ones are left out (NCT05296798)
        ("Untreated or symptomatic brain metastases", FAIL),
        ("Symptomatic brain metastases or untreated brain metastases", FAIL),
        ("Known active uncontrolled or symptomatic central nervous system (CNS) metastases", FAIL),
        # NCT06467357: only those untreated and with symptoms
        ("Clinically active central nervous system metastases, defined as untreated and"
         " symptomatic, or requiring therapy with corticosteroids", UNKNOWN),
        # untreated ones ruled out: as before
        ("Known and untreated, or active, brain or leptomeningeal metastases", FAIL),
    ],
)  # fmt: skip
def test_active_brain_metastases_a_criterion_allows_untreated_are_left_to_the_trial_team(
    text, outcome
):
    requirement = Requirement("brain-metastases", "treated-stable", (), text, "exclusion")
    check = check_requirement(requirement, _profile(brain_metastases="active"))
    assert check is not None
    assert check.outcome == outcome, check.reason
    if outcome == UNKNOWN:
        # said so, not "the criterion does not say whether active ones are left out"
        assert "leaves out only some that are not treated" in check.reason


def test_a_known_diagnosis_against_a_trial_for_no_cancer_is_not_called_unrecognised():
    """NCT06268873 (kidney disease and high blood pressure), for a myeloma: the check quoted
    "Conditions: " with nothing after it and said "the profile does not give a diagnosis
    trialfinder recognises"."""
    trial = _trial(conditions=["Chronic Kidney Disease and Hypertension"])
    check = check_disease(trial, _profile(diagnosis="multiple myeloma"))
    assert check.outcome == UNKNOWN
    assert check.text == "Conditions: Chronic Kidney Disease and Hypertension"
    assert "recognises" not in check.reason
    assert "the profile says multiple myeloma" in check.reason


def test_the_conditions_trialfinder_does_not_know_are_quoted_in_the_question():
    """The question was "Ask whether your diagnosis counts as the conditions of the record for
    this trial." (NCT06268873, NCT06742723 and every other record for no known disease)."""
    trial = _trial(conditions=["Chronic Kidney Disease and Hypertension"])
    check = check_disease(trial, _profile(diagnosis="multiple myeloma"))
    assert check.question == (
        'Ask whether your diagnosis counts as "Chronic Kidney Disease and Hypertension" for '
        "this trial."
    )


def test_a_disease_the_conditions_leave_out_but_the_title_takes_in_stays_unknown():
    """NCT05438667, "TCR-T Cell Therapy on Advanced Solid Tumors" with the condition
    "Pancreatic Cancer" and criteria for other solid tumors too: a lung cancer was excluded."""
    trial = _trial(
        conditions=["Pancreatic Cancer"],
        criteria="Inclusion Criteria:\n\n* Subjects with advanced solid tumors confirmed by "
        "histology who have failed standard treatment",
    )
    trial = replace(trial, brief_title="TCR-T Cell Therapy on Advanced Solid Tumors")
    check = check_disease(trial, _profile(diagnosis="non-small cell lung cancer"))
    assert check.outcome == UNKNOWN
    assert "its title names a wider group" in check.reason
    gallbladder = replace(trial, brief_title="Everolimus in Carcinoma Gallbladder")
    assert check_disease(gallbladder, _profile(diagnosis="lung cancer")).outcome == FAIL
    # A title naming solid tumors that the criteria do not: the conditions hold.
    untold = _trial(conditions=["Pancreatic Cancer"], criteria="Inclusion Criteria:\n\n* Adults")
    untold = replace(untold, brief_title=trial.brief_title)
    assert check_disease(untold, _profile(diagnosis="lung cancer")).outcome == FAIL


def test_a_variant_that_is_not_sensitizing_is_not_ruled_out_by_a_sensitizing_criterion():
    """NCT06726265, "Epidermal growth factor receptor (EGFR)-sensitizing (activating) mutation"
    in the exclusion criteria, ruled out an EGFR exon 20 insertion ("The trial does not take
    cancer with EGFR; yours has EGFR exon 20 insertion")."""
    requirement = Requirement(
        "biomarker-excluded",
        "any-of",
        ("EGFR",),
        "Epidermal growth factor receptor (EGFR)-sensitizing (activating) mutation",
        "exclusion",
    )
    insertion = check_requirement(requirement, _profile(biomarkers=["EGFR exon 20 insertion"]))
    assert insertion is not None and insertion.outcome == UNKNOWN
    assert "yours has" not in insertion.reason
    l858r = check_requirement(requirement, _profile(biomarkers=["EGFR L858R"]))
    assert l858r is not None and l858r.outcome == FAIL
    plain = replace(requirement, text="EGFR mutation")
    assert check_requirement(plain, _profile(biomarkers=["EGFR exon 20 insertion"])).outcome == FAIL
    # Whole words: an "insensitive" change is no sensitizing one.
    other = replace(requirement, text="EGFR mutations insensitive to approved TKIs")
    assert check_requirement(other, _profile(biomarkers=["EGFR exon 20 insertion"])).outcome == FAIL


@pytest.mark.parametrize("rule", ["at-most", "exactly"])
def test_no_earlier_line_is_said_in_words(rule):
    requirement = Requirement(
        "prior-lines", rule, (0,), "No prior systemic therapy for advanced disease", "inclusion"
    )
    check = check_requirement(requirement, profile_from_table({"prior_lines": 1}, "<test>"))
    assert check is not None and check.outcome == "fail"
    assert check.reason.startswith("The trial takes people who have had no earlier line")
    assert "0 earlier" not in check.reason


def test_an_age_band_of_the_criteria_does_not_exclude_when_the_record_sets_no_age_limit():
    # NCT03067181: no age limit in the record's fields; a side study's band among the criteria.
    criteria = "Inclusion Criteria:\n\n* >= 11 and < 25 years old at enrollment\n"
    profile = profile_from_table({"age": 40}, "<test>")
    open_to_all = _trial(criteria=criteria)
    ages = [c for c in prescreen(open_to_all, tag_trial(open_to_all), profile).checks]
    ages = [c for c in ages if c.rule == "age"]
    assert [(c.outcome, c.contradicted) for c in ages] == [("unknown", True)]
    assert "age fields set no limit" in ages[0].reason
    limited = replace(open_to_all, eligibility=replace(open_to_all.eligibility, min_age_years=11.0))
    ages = [c for c in prescreen(limited, tag_trial(limited), profile).checks if c.rule == "age"]
    assert "fail" in [c.outcome for c in ages]


def _aged(trial: Trial, low: str, high: str) -> Trial:
    """``trial`` with the age fields ``low`` and ``high`` ("18 Years", "" for none)."""
    years = {t: float(t.split()[0]) if t[:1].isdigit() else None for t in (low, high)}
    elig = replace(
        trial.eligibility,
        min_age_text=low,
        max_age_text=high,
        min_age_years=years[low],
        max_age_years=years[high],
    )
    return replace(trial, eligibility=elig)


@pytest.mark.parametrize(
    ("low", "high", "criterion", "age", "outcomes"),
    [
        # NCT06201611: a highest age of 18 beside "Patients aged >= 18 years": one is wrong.
        ("", "18 Years", "Patients aged >= 18 years", 64, ["unknown", "pass"]),
        ("18 Years", "60 Years", "Aged 18 to 75 years", 64, ["unknown", "pass"]),
        ("65 Years", "18 Years", "Signed consent", 64, ["unknown"]),  # the lowest above the highest
        # The criteria's own limits rule out, beside fields that allow more or the same.
        ("", "18 Years", "Patients aged >= 18 years", 10, ["pass", "fail"]),
        ("18 Years", "80 Years", "Aged 18 to 75 years", 80, ["pass", "fail"]),
        ("18 Years", "80 Years", "Age > 18 and < 80 years of age", 80, ["pass", "fail"]),
        # Fields that rule out, beside criteria that do too, that set no limit on that side,
        # or that say no age.
        ("18 Years", "60 Years", "Aged 18 to 60 years", 64, ["fail", "fail"]),
        ("18 Years", "60 Years", "Aged 18 years or older", 64, ["fail", "pass"]),
        # (two rules that set the two limits together)
        (
            "18 Years",
            "60 Years",
            "Aged 18 or older\n* Aged 75 or younger",
            64,
            ["unknown", "pass", "pass"],
        ),
        ("18 Years", "60 Years", "Signed consent", 64, ["fail"]),
        ("18 Years", "60 Years", "Aged 16 years or older", 17, ["unknown", "pass"]),
        ("18 Years", "60 Years", "Aged 60 years or younger", 17, ["fail", "pass"]),
    ],
)
def test_an_age_field_the_criteria_contradict_rules_no_one_out(low, high, criterion, age, outcomes):
    trial = _aged(_trial(criteria=f"Inclusion Criteria:\n\n* {criterion}\n"), low, high)
    profile = profile_from_table({"age": age}, "<test>")
    fit = prescreen(trial, tag_trial(trial), profile)
    ages = [c for c in fit.checks if c.rule == "age"]
    assert [c.outcome for c in ages] == outcomes
    for check in ages:
        if check.outcome == "unknown":
            assert "the record's ages do not agree, so this is left to the trial team" in (
                check.reason
            )


def test_a_setting_of_a_criterion_for_one_cancer_holds_for_that_cancer_only():
    # NCT05438667: "Non-small cell lung cancer: Recurrent/metastatic non-small cell lung cancer
    # previously treated ...", "Pancreatic cancer: ...": asked of everyone, it excluded a woman
    # with newly diagnosed breast cancer by the criterion for lung cancer.
    criteria = (
        "Inclusion Criteria:\n\n* Pancreatic cancer: Recurrent/metastatic pancreatic cancer that "
        "has failed at least one prior systemic therapy;\n"
    )
    text = (
        "Pancreatic cancer: Recurrent/metastatic pancreatic cancer that has failed at least one "
        "prior systemic therapy;"
    )
    trial = _trial(conditions=["Solid Tumor"], criteria=criteria)
    values = ("refractory", "relapsed")
    setting = Requirement("disease-setting", "any-of", values, text, "inclusion")
    tags = Tags(requirements=(setting,))
    breast = _profile(diagnosis="breast cancer", setting=["newly diagnosed"], prior_lines=0)
    fit = prescreen(trial, tags, breast)
    assert not [c for c in fit.checks if c.rule == "disease-setting"], fit.reason
    assert fit.fit != EXCLUDED
    pancreas = _profile(diagnosis="pancreatic cancer", setting=["newly diagnosed"], prior_lines=0)
    fit = prescreen(trial, tags, pancreas)
    assert fit.fit == EXCLUDED and fit.failed[0].text == text


def test_a_first_line_title_leaves_a_treated_patient_to_the_trial_team():
    # NCT05984277 ("... Versus Pembrolizumab Plus Chemotherapy for First-Line Treatment of
    # Patients With Metastatic Non-Small Cell Lung Cancer"), whose criteria count no lines:
    # "Could fit" was said to a woman after two lines.
    trial = _trial(
        conditions=["Metastatic Non-small Cell Lung Cancer"],
        title="Drug X Plus Chemotherapy for First-Line Treatment of Metastatic NSCLC",
    )
    treated = prescreen(trial, Tags(), _profile(diagnosis="lung adenocarcinoma", prior_lines=2))
    assert treated.fit == CHECK, treated.reason
    (lines,) = [c for c in treated.checks if c.rule == "prior-lines"]
    assert lines.outcome == UNKNOWN and lines.text.startswith("Title: ")
    assert lines.reason.startswith('The trial\'s title says "First-Line"; you have had 2 lines')
    assert '"First-Line" in its title' in lines.question
    untreated = prescreen(trial, Tags(), _profile(diagnosis="lung adenocarcinoma", prior_lines=0))
    assert untreated.fit == POSSIBLE
    untreated = replace(trial, brief_title="Drug X in Previously Untreated Metastatic NSCLC")
    (lines,) = [
        c for c in prescreen(untreated, Tags(), _profile(diagnosis="lung adenocarcinoma",
        prior_lines=1)).checks if c.rule == "prior-lines"
    ]  # fmt: skip
    assert lines.outcome == UNKNOWN
    assert lines.reason.startswith('The trial\'s title says "Previously Untreated"')
    after = replace(trial, brief_title="Maintenance Therapy After First Line Induction in NSCLC")
    checks = prescreen(after, Tags(), _profile(diagnosis="lung adenocarcinoma", prior_lines=2))
    assert not [c for c in checks.checks if c.rule == "prior-lines"]
    counted = Tags(
        requirements=(Requirement("prior-lines", "at-most", (0,), "No prior therapy", "inclusion"),)
    )
    checks = prescreen(trial, counted, _profile(diagnosis="lung adenocarcinoma", prior_lines=2))
    assert [c.text for c in checks.checks if c.rule == "prior-lines"] == ["No prior therapy"]


def test_more_than_one_drug_of_a_class_counts_the_drugs_of_the_profile():
    # NCT03165734: "Prior treatment with more than one JAK2 inhibitor"; a man who had Jakafi
    # (ruxolitinib) and fedratinib was told "Could fit".
    criteria = (
        "Exclusion Criteria:\n\n* Prior treatment with more than one JAK2 inhibitor\n"
        "* More than 2 prior JAK inhibitor regimens\n"
    )
    trial = _trial(conditions=["Myelofibrosis"], criteria=criteria)
    two = _profile(diagnosis="primary myelofibrosis", prior_treatments=["Jakafi", "fedratinib"])
    fit = prescreen(trial, tag_trial(trial), two)
    assert fit.fit == EXCLUDED
    assert fit.reason == (
        "Not for you: The trial does not take people who have had more than one JAK2 inhibitor; "
        "you had Jakafi and fedratinib."
    )
    assert len([c for c in fit.checks if c.rule == "prior-therapy-excluded"]) == 1
    one = _profile(diagnosis="primary myelofibrosis", prior_treatments=["ruxolitinib"])
    (count,) = [c for c in prescreen(trial, tag_trial(trial), one).checks if c.rule != "disease"]
    assert count.outcome == PASS and count.reason.endswith("the profile lists only ruxolitinib.")
    unknown = prescreen(trial, tag_trial(trial), _profile(diagnosis="primary myelofibrosis"))
    assert [c.outcome for c in unknown.checks if c.rule != "disease"] == [UNKNOWN]
    recent = criteria.replace("JAK2 inhibitor\n", "JAK2 inhibitor within 6 months\n")
    trial = replace(trial, eligibility=replace(trial.eligibility, criteria=recent))
    assert prescreen(trial, tag_trial(trial), two).fit != EXCLUDED


def test_a_criterion_asking_only_for_treatment_before_is_not_called_refractory():
    # NCT02227251: "Previously treated, pathologically confirmed de novo DLBCL" was said as
    # "The trial is for cancer that is refractory"; its title says relapsed/refractory DLBCL.
    criteria = "Inclusion Criteria:\n\n* Previously treated, pathologically confirmed DLBCL.\n"
    untitled = _trial(conditions=["Diffuse Large B-cell Lymphoma"], criteria=criteria)
    treated = _profile(diagnosis="diffuse large B-cell lymphoma", prior_lines=2)
    (setting,) = [
        c for c in prescreen(untitled, tag_trial(untitled), treated).checks
        if c.rule == "disease-setting"
    ]  # fmt: skip
    assert setting.outcome == PASS
    assert setting.reason.startswith("The trial is for cancer that is previously treated;")
    never = _profile(diagnosis="diffuse large B-cell lymphoma", prior_treatments=[])
    assert prescreen(untitled, tag_trial(untitled), never).fit == EXCLUDED
    titled = replace(untitled, brief_title="Drug X in Relapsed/Refractory DLBCL")
    new = _profile(diagnosis="diffuse large B-cell lymphoma", setting=["newly diagnosed"])
    fit = prescreen(titled, tag_trial(titled), new)
    assert fit.fit == EXCLUDED
    assert fit.failed[0].reason.startswith(
        "The trial's title or conditions say it is for cancer that is refractory or relapsed;"
    ), fit.failed[0].reason


@pytest.mark.parametrize(
    ("conditions", "outcome"),
    [
        (["Thymus Cancer"], UNKNOWN),
        # now diseases trialfinder knows (NCT03141021, NCT03295981, NCT04057209, NCT06630793)
        (["Malignant Peripheral Nerve Sheath Tumors"], FAIL),
        (["Giant Cell Tumor of Bone"], FAIL),
        (["Glottis Tumor", "Larynx Cancer"], FAIL),
        (["Malignant Neoplasm of Anal Canal"], FAIL),
        (["Cancer Gi"], FAIL),  # a gastrointestinal cancer (NCT05994521)
        (["Locally Advanced Malignant Neoplasm"], PASS),
        (["Cardiovascular Diseases", "Cancer"], PASS),
    ],
)
def test_a_condition_trialfinder_reads_only_as_cancer_is_no_fit_for_every_cancer(
    conditions, outcome
):
    # NCT03141021 (a registry for malignant peripheral nerve sheath tumours) and NCT04057209
    # (glottic larynx cancer) said "The trial is for people with cancer; you have lung
    # adenocarcinoma" and "Could fit" to any cancer.
    check = check_disease(_trial(conditions=conditions), _profile(diagnosis="lung adenocarcinoma"))
    assert check.outcome == outcome, check.reason
    if outcome == UNKNOWN:
        assert check.reason.startswith(f'The trial is for people with "{conditions[0]}"')


def test_a_marker_of_the_profile_is_named_once_in_a_reason():
    # NCT05438667 ("KRAS G12V or G12D"): "the profile says yours is KRAS wild-type and KRAS
    # wild-type", "the profile names KRAS G12C and KRAS G12C".
    text = "Confirmed KRAS G12V or G12D mutations"
    requirement = Requirement(
        "biomarker-required", "any-of", ("KRAS G12V", "KRAS G12D"), text, "inclusion"
    )
    for marker, outcome in (("KRAS wild-type", FAIL), ("KRAS G12C", UNKNOWN)):
        check = check_requirement(requirement, _profile(biomarkers=[marker]))
        assert check is not None and check.outcome == outcome
        assert check.reason.count(marker) == 1, check.reason
        assert check.fact.count(marker) <= 1


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        # NCT05048797: a HER2-negative test (of the protein) says nothing of a HER2 mutation.
        ("Non-squamous NSCLC with HER2 mutation in exons 19 or 20 by tissue NGS or ctDNA", UNKNOWN),
        # NCT06467357, NCT04482309: IHC 2+ without ISH, or 1+, is HER2-negative and is taken.
        ("histologically confirmed HER2-expressing (IHC 3+ or IHC 2+) BTC;", UNKNOWN),
        ("HER2 expression scored using current ASCO/CAP guidelines", UNKNOWN),
        ("Rare tumors: patients with tumors that express HER2", UNKNOWN),
        # HER2-positive, as a HER2-negative result rules out: excluded as before.
        (
            "HER2-positive disease (defined as IHC 3+; or IHC 2+/ ISH+) by IHC and in situ"
            " Hybridization (ISH) assay (in participants with IHC 2+ tumors)",
            FAIL,
        ),
        ("HER2-positive expression (IHC 3+ or IHC 2+ with ISH positive)", FAIL),
        ("HER2 overexpression (IHC 3+, or IHC 2+ with FISH confirmation)", FAIL),
        ("HER2 positive for gastric cancer on a tumor biopsy.", FAIL),
    ],
)
def test_a_negative_result_does_not_rule_out_a_change_or_a_low_level_the_trial_takes(text, outcome):
    requirement = Requirement("biomarker-required", "any-of", ("HER2",), text, "inclusion")
    check = check_requirement(requirement, _profile(biomarkers=["HER2 negative"]))
    assert check is not None
    assert check.outcome == outcome, check.reason
    if outcome == UNKNOWN:
        assert "HER2 negative" in check.reason and check.question


def test_a_tissue_type_is_said_as_the_persons_own_not_the_cancers():
    # NCT03745326 ("Patients must be HLA-A*11:01 positive as confirmed by the NIH Department of
    # Transfusion Medicine"): "The trial is for cancer with HLA-A*11:01", "Ask whether your
    # cancer has been tested for HLA-A*11:01": a tissue type is found by a blood test of the
    # person, not in the cancer.
    text = "Patients must be HLA-A*11:01 positive"
    requirement = Requirement("biomarker-required", "any-of", ("HLA-A*11:01",), text, "inclusion")
    unknown = check_requirement(requirement, _profile(biomarkers=["KRAS G12D"]))
    assert unknown is not None and unknown.outcome == UNKNOWN
    for said in (unknown.reason, unknown.question):
        assert "HLA-A*11:01" in said and "cancer" not in said, said
    assert "tissue type" in unknown.reason and "tissue type" in unknown.question
    has = check_requirement(requirement, _profile(biomarkers=["HLA-A*11:01"]))
    assert has is not None and has.outcome == PASS
    assert "cancer" not in has.reason and "you have HLA-A*11:01" in has.reason, has.reason
    # NCT05438667: "KRAS G12V or G12D mutations with matching HLA subtypes".
    text = "KRAS G12V or G12D mutations with matching HLA subtypes"
    unnamed = Requirement("biomarker-required", "any-of", ("HLA",), text, "inclusion")
    check = check_requirement(unnamed, _profile(biomarkers=["KRAS G12D"]))
    assert check is not None and check.outcome == UNKNOWN
    assert check.reason.startswith("The trial is for people whose tissue type (HLA type) matches")
    assert "matches the treatment" in check.question and "cancer" not in check.question
    # A marker of the cancer is still said as the cancer's.
    kras = Requirement("biomarker-required", "any-of", ("KRAS G12D",), "KRAS G12D", "inclusion")
    check = check_requirement(kras, _profile(biomarkers=["HLA-A*11:01"]))
    assert check is not None and check.reason.startswith("The trial is for cancer with KRAS G12D")


def test_a_marker_the_title_names_is_asked_about_but_never_excludes():
    # NCT06305754 ("... in Participants With Epidermal Growth Factor (EGFR)-Mutated, Advanced
    # Nonsquamous NSCLC ..."), whose criteria do not name EGFR: "Could fit" to EGFR-negative
    # lung cancers.
    trial = _trial(
        conditions=["Non-small Cell Lung Cancer (NSCLC)"],
        title="Drug X in Participants With EGFR-Mutated Advanced Non-small Cell Lung Cancer",
    )
    tags = tag_trial(trial)
    negative = prescreen(
        trial, tags, _profile(diagnosis="lung adenocarcinoma", biomarkers=["EGFR negative"])
    )
    assert negative.fit == CHECK, negative.reason
    (marker,) = [c for c in negative.checks if c.rule == "biomarker-required"]
    assert marker.outcome == UNKNOWN and marker.text.startswith("Title: ")
    assert marker.reason == (
        "The trial's title or conditions name cancer with EGFR; the profile says yours is EGFR "
        "negative; whether the trial takes it, its criteria do not say."
    )
    mutated = _profile(diagnosis="lung adenocarcinoma", biomarkers=["EGFR exon 19 deletion"])
    assert prescreen(trial, tags, mutated).fit == POSSIBLE
    regardless = replace(trial, brief_title=trial.brief_title + " Regardless of PD-L1 Expression")
    checks = prescreen(regardless, tag_trial(regardless), _profile(diagnosis="lung adenocarcinoma"))
    assert not [c for c in checks.checks if c.rule == "biomarker-required"]


def test_a_setting_of_treated_disease_does_not_exclude_where_the_untreated_may_join():
    # NCT03983954: "All patients must have received at least 1 standard systemic cancer
    # therapy ... and progressed", then "Treatment-naïve patients will be eligible only if they
    # refused standard treatment": a man with untreated lung cancer was excluded.
    criteria = (
        "Inclusion Criteria:\n\n* All patients must have received at least 1 standard systemic "
        "cancer therapy and progressed following their most recent regimen.\n"
        "* Treatment-naïve patients will be eligible only if they refused standard treatment.\n"
    )
    trial = _trial(conditions=["NSCLC"], criteria=criteria)
    text = (
        "All patients must have received at least 1 standard systemic cancer therapy and "
        "progressed following their most recent regimen."
    )
    setting = Requirement("disease-setting", "any-of", ("refractory",), text, "inclusion")
    untreated = _profile(
        diagnosis="lung adenocarcinoma", setting=["newly diagnosed"], prior_lines=0
    )
    fit = prescreen(trial, Tags(requirements=(setting,)), untreated)
    assert fit.fit == CHECK, fit.reason
    (check,) = [c for c in fit.checks if c.rule == "disease-setting"]
    assert check.outcome == UNKNOWN and "never treated" in check.reason
    closed = replace(trial, eligibility=replace(trial.eligibility, criteria=criteria.replace(
        "will be eligible", "will not be eligible")))  # fmt: skip
    assert prescreen(closed, Tags(requirements=(setting,)), untreated).fit == EXCLUDED
    # NCT03745326: "... must have had approved first-line chemotherapy." / "OR" / "-declined
    # standard treatment."
    declined = replace(trial, eligibility=replace(trial.eligibility, criteria=criteria.replace(
        "* Treatment-naïve patients will be eligible only if they refused standard treatment.",
        "\n   OR\n\n   -declined standard treatment.")))  # fmt: skip
    assert prescreen(declined, Tags(requirements=(setting,)), untreated).fit == CHECK


def test_an_age_limit_in_months_or_days_is_said_as_written():
    # NCT05711992 ("Minimum age: 1 Day; Maximum age: 25 Years") said "The trial takes people
    # aged 0.0 to 25"; NCT03118986 ("30 Months") "aged 2.5 to 18".
    eligibility = Eligibility(
        min_age_years=1 / 365.25, max_age_years=25.0, min_age_text="1 Day", max_age_text="25 Years"
    )
    trial = Trial(nct_id="NCT01000001", conditions=("Leukemia",), eligibility=eligibility)
    (age,) = [c for c in prescreen(trial, Tags(), _profile(age=9)).checks if c.rule == "age"]
    assert age.outcome == PASS
    assert age.reason == "The trial takes people aged 1 day to 25 years; you are 9."
    whole = replace(eligibility, min_age_years=18.0, min_age_text="18 Years")
    trial = replace(trial, eligibility=whole)
    (age,) = [c for c in prescreen(trial, Tags(), _profile(age=9)).checks if c.rule == "age"]
    assert age.reason == "The trial takes people aged 18 to 25; you are 9."


def test_a_marker_that_stands_for_several_names_each_negative_one_it_rests_on():
    # NCT05501886 ("estrogen receptor positive and/or progesterone receptor positive"): "The
    # trial is for cancer with HR+; the profile says yours is ER negative" (P15: ER and PR
    # negative). ER negative alone would not rule HR+ out.
    text = "Confirmed diagnosis of estrogen receptor positive and/or progesterone receptor positive"
    requirement = Requirement("biomarker-required", "any-of", ("HR+",), text, "inclusion")
    check = check_requirement(requirement, _profile(biomarkers=["ER negative", "PR negative"]))
    assert check is not None and check.outcome == FAIL
    assert check.reason.endswith("the profile says yours is ER negative and PR negative.")
    check = check_requirement(requirement, _profile(biomarkers=["ER negative"]))
    assert check is not None and check.outcome == UNKNOWN


@pytest.mark.parametrize(
    ("text", "values", "markers", "outcome"),
    [
        # NCT05786924 Part 2A1, "KRAS non-G12C mutations", passed a KRAS G12C.
        ("Advanced/metastatic NSCLC with KRAS non-G12C mutations", ("KRAS",), ["KRAS G12C"],
         FAIL),
        ("NSCLC with KRAS (other than G12C) mutation", ("KRAS",), ["KRAS G12C"], FAIL),
        ("NSCLC with KRAS non-G12C mutations", ("KRAS",), ["KRAS G12D"], PASS),
        # One of the alternatives left: unknown.
        ("NSCLC with KRAS non-G12C or BRAF mutations", ("KRAS", "BRAF"), ["KRAS G12C"], UNKNOWN),
        # No change left out.
        ("NSCLC with KRAS mutations", ("KRAS",), ["KRAS G12C"], PASS),
    ],
)  # fmt: skip
def test_a_change_of_a_marker_left_out_does_not_pass(text, values, markers, outcome):
    requirement = Requirement("biomarker-required", "any-of", values, text, "inclusion")
    check = check_requirement(requirement, _profile(biomarkers=markers))
    assert check is not None
    assert check.outcome == outcome, check.reason
    if "non-G12C" in text or "other than" in text:
        assert "KRAS other than G12C" in check.reason


def test_a_marker_that_answers_one_value_is_not_called_another_form_of_the_others():
    # NCT06380751 ("loss of function mutation in BRCA1, BRCA2, or PALB2"), P18 ("BRCA2
    # negative"): "the profile names BRCA2 negative, another form of the marker".
    text = "Documented germline tumour loss of function mutation in BRCA1, BRCA2, or PALB2"
    values = ("BRCA1", "BRCA2", "PALB2")
    requirement = Requirement("biomarker-required", "any-of", values, text, "inclusion")
    check = check_requirement(requirement, _profile(biomarkers=["BRCA2 negative"]))
    assert check is not None and check.outcome == UNKNOWN
    assert check.reason.endswith(
        "the profile says yours is BRCA2 negative, but not whether it has BRCA1 or PALB2."
    )


_TITLED = [
    # NCT06385925 (condition "Malignant Neoplasm", title "... Treating Patients With Advanced
    # Solid Tumors Harboring KRAS G12D Mutation") said "The trial is for people with cancer;
    # you have multiple myeloma" and passed the diagnosis.
    (
        ["Malignant Neoplasm"],
        "A Study of Drug X Treating Patients With Advanced Solid Tumors",
        [("multiple myeloma", UNKNOWN), ("pancreatic cancer", PASS)],
        "solid tumor",
    ),
    # NCT02964858 (condition "NonHodgkin Lymphoma", title "Radiation Dose Optimization in
    # Diffuse Large B- Cell Lymphoma") passed the diagnosis of follicular lymphoma; the stray
    # space of "B- Cell" was read as "B negative".
    (
        ["NonHodgkin Lymphoma"],
        "Radiation Dose Optimization in Diffuse Large B- Cell Lymphoma.",
        [("follicular lymphoma", UNKNOWN), ("DLBCL", PASS), ("multiple myeloma", FAIL)],
        "diffuse large B-cell lymphoma",
    ),
]


@pytest.mark.parametrize(("conditions", "title", "outcomes", "named"), _TITLED)
def test_a_title_narrower_than_the_conditions_leaves_other_diseases_to_the_trial_team(
    conditions, title, outcomes, named
):
    trial = _trial(conditions=conditions, title=title)
    for diagnosis, outcome in outcomes:
        check = check_disease(trial, _profile(diagnosis=diagnosis))
        assert check.outcome == outcome, diagnosis
        if outcome == UNKNOWN:
            assert check.reason.startswith(f"The trial is for people with {named}; you have")
            assert named in check.question
    untitled = replace(trial, brief_title="A Study of Drug X")
    assert check_disease(untitled, _profile(diagnosis=outcomes[0][0])).outcome == PASS


# (conditions, title, the criterion for everyone confirming the title's disease, another
# criterion, a patient with another disease, a patient with the title's)
_CONFIRMED = {
    # NCT02964858: a condition, and a title naming one kind of it
    "DLBCL": (
        ["NonHodgkin Lymphoma"],
        "Radiation Dose Optimization in Diffuse Large B- Cell Lymphoma.",
        "Histological Diagnosis of NHL- DLBCL.",
        "ECOG 0-3.",
        "follicular lymphoma",
        "DLBCL",
    ),
    # NCT06385925: conditions naming only cancer, and a title naming which; "Eastern
    # Cooperative Oncology Group" names no disease that may be a myeloma
    "solid tumor": (
        ["Malignant Neoplasm"],
        "A Study of Drug X in Patients With Advanced Solid Tumors",
        "Subjects with histologically confirmed metastatic solid tumor harboring KRAS G12D",
        "Eastern Cooperative Oncology Group (ECOG) performance status 0 or 1.",
        "multiple myeloma",
        "pancreatic cancer",
    ),
    # NCT06692738: a title naming the kind, then its acronym in brackets; another criterion
    # naming the wider disease only says it again
    "squamous NSCLC": (
        ["Non-small Cell Lung Cancer"],
        "Rilvegostomig Plus Chemotherapy for Metastatic Squamous Non-small Cell Lung Cancer "
        "(NSCLC)",
        "Histologically or cytologically documented squamous NSCLC.",
        "Stage IV mNSCLC not amenable to curative treatment.",
        "lung adenocarcinoma",
        "squamous cell lung cancer",
    ),
}


def _confirmed_trial(case: str, criteria: str | None = None) -> Trial:
    conditions, title, confirming, other, _, _ = _CONFIRMED[case]
    if criteria is None:
        criteria = f"Inclusion Criteria:\n* {confirming}\n* {other}\n"
    return _trial(conditions=conditions, title=title, criteria=criteria)


@pytest.mark.parametrize("case", sorted(_CONFIRMED))
def test_a_confirmed_diagnosis_of_the_titles_disease_rules_out_another(case):
    _, _, confirming, _, theirs, ours = _CONFIRMED[case]
    trial = _confirmed_trial(case)
    other = check_disease(trial, _profile(diagnosis=theirs))
    assert (other.outcome, other.text) == (FAIL, confirming)
    assert other.reason.startswith("The trial is for people with ") and theirs in other.reason
    assert check_disease(trial, _profile(diagnosis=ours)).outcome == PASS


@pytest.mark.parametrize(
    ("case", "criteria", "diagnosis"),
    [
        # another inclusion criterion that may take the patient's kind, one for a part only,
        # one without a confirmed diagnosis: for the trial team to say
        (
            "DLBCL",
            "* Histological Diagnosis of NHL- DLBCL.\n* Or grade 3B follicular lymphoma",
            "follicular lymphoma",
        ),
        ("DLBCL", "* Part A: Histological Diagnosis of DLBCL", "follicular lymphoma"),
        ("DLBCL", "* DLBCL in first remission", "follicular lymphoma"),
        (
            "squamous NSCLC",
            "* Histologically documented squamous NSCLC or non-squamous NSCLC",
            "lung adenocarcinoma",
        ),
        ("solid tumor", "* ECOG 0-1", "multiple myeloma"),
        # a cancer of no known kind may be a solid tumour
        ("solid tumor", None, "cancer"),
    ],
)
def test_a_diagnosis_the_criteria_may_take_stays_unknown(case, criteria, diagnosis):
    written = None if criteria is None else f"Inclusion Criteria:\n{criteria}\n"
    trial = _confirmed_trial(case, written)
    assert check_disease(trial, _profile(diagnosis=diagnosis)).outcome == UNKNOWN


@needs_shared
def test_a_confirmed_diagnosis_of_the_titles_kind_rules_out_another_in_a_real_record():
    trial = parse_study(load_real_record("NCT02964858"))
    assert check_disease(trial, _profile(diagnosis="follicular lymphoma")).outcome == FAIL
    assert check_disease(trial, _profile(diagnosis="DLBCL")).outcome == PASS


@needs_shared
@pytest.mark.parametrize(
    "nct_id, diagnosis, outcome",
    [
        # DLBCL "transformed from previously diagnosed indolent lymphoma": a large B-cell
        # lymphoma may be diffuse
        ("NCT02227251", "follicular lymphoma transformed to large cell", UNKNOWN),
        ("NCT02227251", "transformed follicular lymphoma", UNKNOWN),
        # extensive-stage small cell lung cancer
        ("NCT06646276", "EGFR-mutant lung adenocarcinoma with small cell transformation", PASS),
    ],
)
def test_a_transformation_in_short_words_is_the_disease_it_became(nct_id, diagnosis, outcome):
    trial = parse_study(load_real_record(nct_id))
    assert check_disease(trial, _profile(diagnosis=diagnosis)).outcome == outcome


@pytest.mark.parametrize(
    "exclusion, diagnosis, outcome",
    [
        # a criterion that is only a disease's name asks a patient with it (an APL was told
        # "Could fit" by NCT05607199); not failed: the name may stand for a narrower kind
        # ... failed when it names the patient's own disease by its own name, in the criterion
        # and the profile alike
        ("Acute promyelocytic leukemia (AML M3 subtype).", "acute promyelocytic leukemia", FAIL),
        ("Acute promyelocytic leukemia (AML M3 subtype).", "AML M3", UNKNOWN),
        # (NCT05984147: "secondary CNS lymphoma" is read as primary CNS lymphoma)
        ("Primary CNS lymphoma", "DLBCL with secondary CNS lymphoma", UNKNOWN),
        ("APL", "acute promyelocytic leukemia", UNKNOWN),
        ("Patients with mantle cell lymphoma.", "mantle cell lymphoma", FAIL),
        ("MCL", "mantle cell lymphoma", UNKNOWN),  # by another name: asked
        # ... not a broader disease the patient may have
        ("Acute promyelocytic leukemia (AML M3 subtype).", "AML", PASS),
        # ... nor when any other word stands in it
        ("Lymphoma (except CLL/SLL)", "follicular lymphoma", PASS),
        ("History of another malignancy: acute promyelocytic leukemia", "APL", PASS),
        ("Untreated acute promyelocytic leukemia", "APL", PASS),
        # cancer in general words is no disease left out
        ("History of malignancies.", "AML", PASS),
        # nor is the trial's own disease, or one it is within ("Richter's transformation" of a
        # trial for large B-cell lymphoma)
        ("Myelodysplastic syndrome", "MDS", PASS),
        ("Lymphoma", "follicular lymphoma", PASS),
    ],
)
def test_an_exclusion_naming_only_a_disease_asks_about_it(exclusion, diagnosis, outcome):
    criteria = (
        "Inclusion Criteria:\n\n* Relapsed acute myeloid leukemia or lymphoma or MDS\n\n"
        f"Exclusion Criteria:\n\n* {exclusion}\n"
    )
    conditions = ["Acute Myeloid Leukemia", "Myelodysplastic Syndromes", "Lymphoma"]
    trial = _trial(conditions=conditions, criteria=criteria)
    check = check_disease(trial, _profile(diagnosis=diagnosis))
    assert check.outcome == outcome, check.reason
    if outcome == UNKNOWN:
        assert check.text == exclusion
        assert check.reason.startswith("The trial leaves out ")
        assert check.question.startswith("Ask whether your diagnosis is the ")


def test_an_exclusion_of_a_broader_disease_than_the_profiles_is_asked_not_failed():
    # NCT05605119 ("Patients with leukemia or myelodysplastic syndrome or multiple myeloma", a
    # trial for solid tumours and lymphoma): a CLL is a leukemia, but also a lymphoma's kin
    criteria = (
        "Inclusion Criteria:\n\n* Relapsed solid tumor or lymphoma\n\nExclusion Criteria:\n\n"
        "* Patients with leukemia or myelodysplastic syndrome or multiple myeloma\n"
    )
    trial = _trial(conditions=["Solid Tumor", "Non-hodgkin Lymphoma"], criteria=criteria)
    cll = check_disease(trial, _profile(diagnosis="chronic lymphocytic leukemia"))
    assert cll.outcome == UNKNOWN, cll.reason
    # a leukemia of the past beside the cancer of now is none the patient has
    past = _profile(diagnosis="Breast cancer, HER2-positive; childhood leukemia in remission")
    assert check_disease(trial, past).outcome != FAIL


def test_an_exclusion_naming_a_disease_under_a_line_of_other_words_is_not_read():
    criteria = (
        "Inclusion Criteria:\n\n* Relapsed lymphoma\n\nExclusion Criteria:\n\n"
        "* Prior malignancy, except:\n  * follicular lymphoma\n"
    )
    trial = _trial(conditions=["Lymphoma"], criteria=criteria)
    assert check_disease(trial, _profile(diagnosis="follicular lymphoma")).outcome == PASS


@needs_shared
def test_a_blood_cancer_is_ruled_out_of_a_real_trial_for_solid_tumors():
    trial = parse_study(load_real_record("NCT06385925"))
    assert check_disease(trial, _profile(diagnosis="multiple myeloma")).outcome == FAIL
    assert check_disease(trial, _profile(diagnosis="colorectal cancer")).outcome == PASS


def test_a_marker_of_a_criterion_naming_another_cancer_is_no_rule_for_this_one():
    # NCT03983954 lists the cancers it takes, one of them "ER+/HER2- or triple-negative breast
    # cancer": its HER2 exclusion excluded a man with HER2-positive stomach cancer, itself on
    # the list ("GE cancer"), and asked a man with prostate cancer about HER2.
    criteria = (
        "Inclusion Criteria:\n\n* Solid tumor from the following list:\n"
        "* ER+/HER2- or triple-negative breast cancer\n* Gastric cancer\n* Prostate cancer\n"
    )
    trial = _trial(
        conditions=["Breast Cancer", "Gastric Cancer", "Prostate Cancer"], criteria=criteria
    )
    her2 = Requirement(
        "biomarker-excluded", "any-of", ("HER2",), "ER+/HER2- or triple-negative breast cancer",
        "inclusion",
    )  # fmt: skip
    tags = Tags(requirements=(her2,))
    stomach = _profile(diagnosis="gastric cancer", biomarkers=["HER2 positive"])
    assert prescreen(trial, tags, stomach).fit == POSSIBLE
    prostate = prescreen(trial, tags, _profile(diagnosis="prostate cancer"))
    assert not [c for c in prostate.checks if c.rule == "biomarker-excluded"]
    breast = _profile(diagnosis="HER2-positive breast cancer", biomarkers=["HER2 positive"])
    assert prescreen(trial, tags, breast).fit == EXCLUDED
    # Conditions naming breast cancer only: a prostate cancer is ruled out by them unless the
    # criteria name it too (then it is left to the trial team).
    single = replace(trial, conditions=("Breast Cancer",))
    assert prescreen(single, tags, _profile(diagnosis="prostate cancer")).fit == CHECK
    breast_items = criteria.split("* Gastric cancer")[0]
    breast_only = replace(single, eligibility=replace(trial.eligibility, criteria=breast_items))
    assert prescreen(breast_only, tags, _profile(diagnosis="prostate cancer")).fit == EXCLUDED


def test_an_age_close_to_a_limit_in_months_is_left_unknown_in_the_data_files_words():
    # A child of 1 and a limit of 18 months: whether she has passed it, the profile cannot say.
    from factories import make_study

    trial = parse_study(make_study(min_age="18 Months"))
    fit = prescreen(trial, tag_trial(trial), profile_from_table({"age": 1}, "t"))
    (age,) = [c for c in fit.checks if c.rule == "age"]
    assert age.outcome == UNKNOWN
    said = load_toml("prescreen.toml")["rule"]["age"]["unknown-close"].format(age=1)
    assert age.reason.endswith(said + ".")


_MET_SKIPPING = "NSCLC who have tested positive test for MET exon14 skipping mutation"
_HER2_POSITIVE = "HER2-positive (IHC 3+ or ISH positive) breast cancer"


@pytest.mark.parametrize(
    ("text", "marker", "written", "outcome"),
    [
        # NCT05110196 ("tested positive for MET exon14 skipping mutation"): "MET amplification
        # negative" was read as MET negative, and said "The trial is for cancer with MET; the
        # profile says yours is MET amplification negative". Amplification is not exon 14
        # skipping.
        (_MET_SKIPPING, "MET", "MET amplification negative", UNKNOWN),
        (_MET_SKIPPING, "MET", "MET negative", FAIL),
        # a HER2-positive cancer is one with the protein or the gene amplified, not a mutation
        (_HER2_POSITIVE, "HER2", "HER2 mutation negative", UNKNOWN),
        # and a criterion that takes either is not ruled out by a result of one of them: "HER2
        # not amplified" failed NCT06282575 ("HER2-positive disease (defined as IHC 3+; or IHC
        # 2+/ ISH+)"), which IHC 3+ alone meets
        (_HER2_POSITIVE, "HER2", "HER2 not amplified", UNKNOWN),
        (_HER2_POSITIVE, "HER2", "HER2 non-amplified", UNKNOWN),
        (_HER2_POSITIVE, "HER2", "ERBB2 amplification not detected", UNKNOWN),
        (_HER2_POSITIVE, "HER2", "HER2 IHC 0, not amplified by FISH", FAIL),
        (_HER2_POSITIVE, "HER2", "HER2 negative", FAIL),
        ("HER2 amplification by ISH", "HER2", "HER2 not amplified", FAIL),
        # a fusion with one partner not found: another fusion of the gene may be (it said "Not
        # for you" to NCT06140836, "a ROS1 gene rearrangement/fusion")
        (
            "Participant has a ROS1 gene rearrangement/fusion",
            "ROS1",
            "CD74-ROS1 fusion not detected",
            UNKNOWN,
        ),
        ("Participant has a ROS1 gene rearrangement/fusion", "ROS1", "ROS1 fusion negative", FAIL),
    ],
)
def test_a_negative_of_one_kind_of_change_says_nothing_of_the_others(
    text, marker, written, outcome
):
    requirement = Requirement("biomarker-required", "any-of", (marker,), text, "inclusion")
    check = check_requirement(requirement, _profile(biomarkers=[written]))
    assert check is not None and check.outcome == outcome


def test_a_level_the_trial_may_not_count_is_not_called_another_form_of_the_marker():
    # NCT05211895 ("Documented tumour PD-L1 status >= 1% by central lab") said to "PD-L1 80%":
    # "the profile names PD-L1 80%, another form of the marker"; it is the same marker, at a
    # level the trial's own test may score otherwise.
    text = "Documented tumour PD-L1 status ≥ 1% by central lab"
    requirement = Requirement("biomarker-required", "any-of", ("PD-L1",), text, "inclusion")
    check = check_requirement(requirement, _profile(biomarkers=["PD-L1 80%"]))
    assert check is not None and check.outcome == UNKNOWN
    assert "another form" not in check.reason
    assert check.reason.endswith(
        "the profile gives PD-L1 80%; whether that level counts, the trial's own test decides."
    )
    # ER negative alone is one part of HR+: PR is not known
    text = "HR-positive (ER+ and/or PgR+) breast cancer"
    requirement = Requirement("biomarker-required", "any-of", ("HR+",), text, "inclusion")
    check = check_requirement(requirement, _profile(biomarkers=["ER negative"]))
    assert check is not None and check.outcome == UNKNOWN
    assert check.reason.endswith(
        "the profile says yours is ER negative, but not whether it is PR positive."
    )


def test_a_trial_for_people_with_brain_metastases_is_not_for_a_profile_without_them():
    # NCT05144867 (radiosurgery or whole-brain radiotherapy, conditions "Brain Metastases,
    # Adult", inclusion "1 to 3 brain metastases") said "Could fit" to women with breast cancer
    # and no brain metastases: "The trial takes people with brain metastases, treated or not".
    criteria = (
        "Inclusion Criteria:\n\n* 1 to 3 brain metastases, each with a maximum diameter of no"
        " more than 3 cm\n"
    )
    trial = _trial(conditions=["Breast Cancer", "Brain Metastases, Adult"], criteria=criteria)
    tags = tag_trial(trial)
    none = prescreen(trial, tags, _profile(brain_metastases="none"))
    (brain,) = [c for c in none.checks if c.rule == "brain-metastases"]
    assert brain.outcome == FAIL and none.fit == EXCLUDED
    assert brain.reason == (
        "The trial is for people with brain metastases; the profile says you have none."
    )
    treated = prescreen(trial, tags, _profile(brain_metastases="active"))
    assert [c.outcome for c in treated.checks if c.rule == "brain-metastases"] == [PASS]
    # a trial whose conditions do not name them, or a rule of one part, only allows them
    other = _trial(conditions=["Breast Cancer"], criteria=criteria)
    allowed = prescreen(other, tag_trial(other), _profile(brain_metastases="none"))
    assert [c.outcome for c in allowed.checks if c.rule == "brain-metastases"] == [PASS]
    parts = criteria.replace("* 1 to 3", "Part 2A3:\n\n* 1 to 3") + "\nPart 2A4:\n\n* Adults\n"
    part = _trial(conditions=["Breast Cancer", "Brain Metastases, Adult"], criteria=parts)
    part_tags = tag_trial(part)
    assert [r.cohort for r in part_tags.requirements if r.kind == "brain-metastases"] == [
        "Part 2A3"
    ]
    one = prescreen(part, part_tags, _profile(brain_metastases="none"))
    assert one.fit != EXCLUDED


def test_a_trial_for_people_with_brain_metastases_asks_a_profile_that_does_not_say():
    # NCT05144867 said "Could fit" to a woman with breast cancer whose profile does not say
    # whether she has brain metastases: the trial is for people who have them.
    criteria = (
        "Inclusion Criteria:\n\n* 1 to 3 brain metastases, each with a maximum diameter of no"
        " more than 3 cm\n"
    )
    trial = _trial(conditions=["Breast Cancer", "Brain Metastases, Adult"], criteria=criteria)
    unsaid = prescreen(trial, tag_trial(trial), _profile(diagnosis="breast cancer"))
    assert unsaid.fit == CHECK
    assert unsaid.reason == (
        "Nothing in the profile rules you out, but your brain metastasis status could not be"
        " checked"
    )
    assert unsaid.questions[0].startswith("Ask whether you have brain metastases")
    # a trial that only allows them does not ask
    other = _trial(conditions=["Breast Cancer"], criteria=criteria)
    allowed = prescreen(other, tag_trial(other), _profile(diagnosis="breast cancer"))
    assert allowed.fit == POSSIBLE


def _performance(rule: str, values: tuple[int, ...], **profile: int) -> Check:
    requirement = Requirement("ecog", rule, values, "Karnofsky performance status (KPS) ≥ 80")
    check = check_requirement(requirement, profile_from_table(profile))
    assert check is not None
    return check


@pytest.mark.parametrize(
    ("lowest", "ecog", "outcome"),
    [
        (80, 1, UNKNOWN),  # ECOG 1 is about Karnofsky 70 to 80, or 80 to 90
        (90, 1, UNKNOWN),
        (60, 2, UNKNOWN),  # ECOG 2 about 50 to 60, or 60 to 70
        (70, 2, UNKNOWN),
        (70, 0, PASS),
        (70, 1, PASS),
        (70, 3, FAIL),
        (80, 2, FAIL),
        (100, 1, FAIL),
    ],
)
def test_an_ecog_grade_on_the_edge_of_a_karnofsky_limit_is_neither_passed_nor_failed(
    lowest, ecog, outcome
):
    check = _performance("karnofsky-at-least", (lowest,), ecog=ecog)
    assert check.outcome == outcome
    if outcome == UNKNOWN:
        assert "may mean a Karnofsky score of" in check.reason
        assert check.question == (
            f"Ask your care team for your Karnofsky performance score (this trial asks for "
            f"{lowest} or higher)."
        )


def test_a_karnofsky_score_is_checked_on_its_own_scale_and_as_its_ecog_grade():
    assert _performance("karnofsky-at-least", (80,), karnofsky=80).outcome == PASS
    assert _performance("karnofsky-at-least", (80,), karnofsky=70).outcome == FAIL
    check = _performance("at-most", (1,), karnofsky=80)
    assert (check.outcome, check.fact) == (PASS, "karnofsky: 80")
    assert check.reason.endswith("your Karnofsky score is 80, about ECOG 1.")
    assert _performance("at-most", (1,), karnofsky=60).outcome == FAIL
    # 70 is ECOG 1 by one conversion and ECOG 2 by the other: left to the trial team.
    edge = _performance("at-most", (1,), karnofsky=70)
    assert edge.outcome == UNKNOWN
    assert "may mean ECOG 1 or 2" in edge.reason
    assert edge.question == "Ask your care team for your ECOG performance status (0 to 4)."
    assert _performance("at-most", (2,), karnofsky=70).outcome == PASS
    # Both given: each against its own scale.
    assert _performance("karnofsky-at-least", (80,), ecog=1, karnofsky=80).outcome == PASS


@needs_shared
def test_a_real_karnofsky_limit_leaves_ecog_one_to_the_trial_team():
    # NCT05099809: "Karnofsky performance status (KPS) ≥ 80" was read as ECOG 1 or lower, and
    # an ECOG 1 profile passed it; ECOG 1 may be Karnofsky 70.
    trial = parse_study(load_real_record("NCT05099809"))
    tags = tag_trial(trial)
    profile = profile_from_table({"ecog": 1})
    (check,) = [c for c in prescreen(trial, tags, profile).checks if c.rule == "ecog"]
    assert check.outcome == UNKNOWN
    assert check.text == "Karnofsky performance status (KPS) ≥ 80"


def _marker_check(kind: str, value: str, text: str, *markers: str) -> Check:
    requirement = Requirement(kind, "any-of", (value,), text)
    check = check_requirement(requirement, profile_from_table({"biomarkers": list(markers)}))
    assert check is not None
    return check


def test_a_marker_found_by_a_named_test_counts_as_the_marker():
    check = _marker_check(
        "biomarker-required", "KRAS G12C", "KRAS G12C mutation", "ctDNA KRAS G12C"
    )
    assert check.outcome == PASS
    excluded = _marker_check("biomarker-excluded", "EGFR", "EGFR mutation", "tissue EGFR L858R")
    assert excluded.outcome == FAIL


@pytest.mark.parametrize(
    ("kind", "written"),
    [("biomarker-excluded", "ctDNA EGFR negative"), ("biomarker-required", "ctDNA EGFR negative")],
)
def test_a_negative_of_one_test_neither_passes_nor_fails(kind, written):
    # "ctDNA EGFR negative" was read as EGFR absent: a tissue test may still find it.
    check = _marker_check(kind, "EGFR", "EGFR sensitizing mutation", written)
    assert check.outcome == UNKNOWN
    assert "one test found nothing, but another may still find it" in check.reason
    assert check.question == "Ask whether your cancer has been tested for EGFR."


def test_a_tumour_test_does_not_answer_a_criterion_for_an_inherited_change():
    text = "Documented germline tumour loss of function mutation in BRCA1, BRCA2, or PALB2"
    somatic = _marker_check("biomarker-required", "BRCA", text, "somatic BRCA2 mutation")
    assert somatic.outcome == UNKNOWN
    assert "whether it is inherited (germline)" in somatic.reason
    germline = _marker_check("biomarker-required", "BRCA", text, "germline BRCA2 mutation")
    assert germline.outcome == PASS
    excluded = _marker_check(
        "biomarker-excluded", "BRCA", "Known germline BRCA mutation", "tumor BRCA2 mutation"
    )
    assert excluded.outcome == UNKNOWN


GROUPS = """Inclusion Criteria for Participants with Stage III NSCLC

* Locally advanced, unresectable Stage III NSCLC
* Eastern Cooperative Oncology Group (ECOG) performance status of 0, 1, or 2

Inclusion Criteria for Participants with Stage II NSCLC Requiring Adjuvant Treatment

* Stage II NSCLC
* ECOG Performance Status of 0 or 1
"""


def test_a_limit_narrower_than_another_for_the_same_people_does_not_exclude():
    # NCT05419375: "ECOG 0 or 1" of one group excluded an ECOG 2 patient whom the other group's
    # "ECOG 0, 1 or 2" takes.
    trial = _trial(conditions=["Non-small Cell Lung Cancer"], criteria=GROUPS)
    fit = prescreen(trial, tag_trial(trial), profile_from_table({"ecog": 2}))
    ecog = {c.text: c for c in fit.checks if c.rule == "ecog"}
    assert ecog["ECOG Performance Status of 0 or 1"].outcome == UNKNOWN
    assert "another criterion of the record allows a higher score" in (
        ecog["ECOG Performance Status of 0 or 1"].reason
    )
    assert fit.fit != EXCLUDED
    # ... and a score both fail still excludes.
    worse = prescreen(trial, tag_trial(trial), profile_from_table({"ecog": 3}))
    assert worse.fit == EXCLUDED


@needs_shared
def test_a_real_trial_of_two_groups_takes_the_wider_performance_status():
    trial = parse_study(load_real_record("NCT05419375"))
    profile = profile_from_table(
        {
            "diagnosis": "stage III non-small cell lung cancer",
            "setting": ["locally advanced"],
            "ecog": 2,
        }
    )
    assert prescreen(trial, tag_trial(trial), profile).fit != EXCLUDED


def test_a_stage_of_a_criterion_naming_another_cancer_is_no_rule_for_this_one():
    # NCT05653063 (prostate, head and neck and cervical cancer): a cervical cancer was checked
    # against "primary prostate cancer patients (T1-4N0M0)", a reason quoting the wrong cancer.
    trial = _trial(
        conditions=["Cancer of Prostate", "Cancer Cervix"],
        criteria=(
            "Inclusion Criteria:\n\n"
            "* Consecutive histologically confirmed primary cervical cancer patients (Stage "
            "IB-IIIB including pelvic node positive)\n"
            "* Consecutive histologically confirmed primary prostate cancer patients (T1-4N0M0)\n"
        ),
    )
    profile = profile_from_table({"diagnosis": "cervical cancer", "setting": ["metastatic"]})
    fit = prescreen(trial, tag_trial(trial), profile)
    quoted = [c.text for c in fit.checks if c.rule == "disease-setting"]
    assert quoted and all("prostate" not in text for text in quoted)
    assert fit.fit == EXCLUDED  # by the cervical cancer's own stage


@pytest.mark.parametrize(
    ("treatments", "outcome"),
    [
        (["cisplatin", "pelvic radiation"], FAIL),
        # P19 was told its "radiation to the prostate" did not say where it was given.
        (["radiation to the prostate", "goserelin"], FAIL),
        (["radiation"], UNKNOWN),  # where it was given, the profile does not say
        (["stereotactic radiosurgery"], PASS),
    ],
)
def test_radiotherapy_to_the_pelvis_counts_only_when_the_profile_names_the_pelvis(
    treatments, outcome
):
    requirement = Requirement(
        "prior-therapy-excluded",
        "any-of",
        ("pelvic radiotherapy",),
        "Patients treated with pelvic radiation previously",
        "exclusion",
    )
    profile = profile_from_table({"prior_treatments": treatments})
    assert check_requirement(requirement, profile).outcome == outcome


def test_a_required_gastrectomy_is_read_and_checked_against_the_operations_listed():
    # NCT05319392 ("Patients who underwent Total or partial Gastrectomy after Biopsy
    # examination") said "Could fit" to a stomach cancer treated with drugs only.
    criteria = (
        "Inclusion Criteria:\n\n* Patients who underwent Total or partial Gastrectomy after"
        " Biopsy examination\n\nExclusion Criteria:\n\n* Patients with only biopsy available\n"
    )
    trial = _trial(conditions=["Gastric Adenocarcinoma"], criteria=criteria)
    tags = tag_trial(trial)
    (required,) = [r for r in tags.requirements if r.kind == "prior-therapy-required"]
    assert required.values == ("gastrectomy",)

    def fit(treatments: list[str]) -> Fit:
        profile = _profile(diagnosis="stomach cancer", prior_treatments=treatments)
        return prescreen(trial, tags, profile)

    # a history naming other operations or radiotherapy is taken as whole ...
    operated = fit(["capecitabine", "oxaliplatin", "radiotherapy"])
    assert operated.fit == EXCLUDED
    assert operated.failed[0].reason == (
        "The trial takes people who have had a gastrectomy (an operation removing all or part"
        " of the stomach); the profile does not list a gastrectomy."
    )
    # ... one of medicines only may leave the operations out: asked, not ruled out
    drugs_only = fit(["capecitabine", "oxaliplatin"])
    assert drugs_only.fit == POSSIBLE
    (asked,) = [c for c in drugs_only.checks if c.rule == "prior-therapy-required"]
    assert asked.outcome == UNKNOWN
    assert asked.question.startswith("Ask whether you have had a gastrectomy (an operation")
    assert fit(["subtotal gastrectomy", "capecitabine"]).fit == POSSIBLE
    # an operation the profile does not name may have been the gastrectomy
    unnamed = fit(["surgery", "capecitabine"])
    assert unnamed.fit == POSSIBLE  # (not a key fact: the verdict asks nothing more)
    (check,) = [c for c in unnamed.checks if c.rule == "prior-therapy-required"]
    assert check.outcome == UNKNOWN
    assert check.reason.endswith("the profile lists surgery without saying which operation it was.")


@needs_shared
def test_the_gemcitabine_a_response_was_had_to_is_required():
    # NCT06214572 ("Stable disease or partial response ... after initial 3 months of
    # Gemcitabine based chemotherapy") said "Could fit" to a gallbladder cancer never given it.
    trial = parse_study(load_real_record("NCT06214572"))
    tags = tag_trial(trial)

    def fit(treatments: list[str]) -> Fit:
        profile = _profile(
            diagnosis="gallbladder adenocarcinoma",
            setting=["locally advanced"],
            prior_treatments=treatments,
        )
        return prescreen(trial, tags, profile, today=dt.date(2026, 12, 1))

    without = fit(["capecitabine"])
    assert without.fit == EXCLUDED
    assert [c.rule for c in without.failed] == ["prior-therapy-required"]
    assert fit(["gemcitabine-cisplatin"]).fit != EXCLUDED


@needs_shared
def test_a_trial_for_people_free_of_disease_on_scans_is_not_for_measurable_disease():
    # NCT06109779 ("Confirmed to be disease-free by imaging") did not exclude a
    # cholangiocarcinoma the profile says can be measured on scans.
    trial = parse_study(load_real_record("NCT06109779"))
    tags = tag_trial(trial)

    def fit(measurable: bool) -> Fit:
        profile = _profile(
            diagnosis="intrahepatic cholangiocarcinoma", measurable_disease=measurable
        )
        return prescreen(trial, tags, profile, today=dt.date(2026, 12, 1))

    measured = fit(True)
    assert measured.fit == EXCLUDED
    assert measured.reason == (
        "Not for you: The trial takes people in whom scans find no cancer; the profile says yours"
        " can be measured on scans."
    )
    unmeasured = fit(False)  # none to measure may still be some: never a pass
    assert unmeasured.fit == CHECK
    (check,) = [c for c in unmeasured.checks if c.rule == "measurable-disease"]
    assert check.outcome == UNKNOWN
    assert check.question == "Ask whether your latest scans show any cancer."


def test_a_screening_trial_open_to_healthy_volunteers_does_not_rule_out_another_cancer():
    # NCT06056843 (women with a positive breast examination; conditions "Breast Cancer",
    # "Carcinoma in Situ") said "Could fit: your diagnosis fits" to a lung cancer, the second
    # condition read as any solid tumour.
    criteria = (
        "Inclusion Criteria:\n\n* Clinical breast examination positive women with no debilitating"
        " illness.\n\nExclusion Criteria:\n\n* Women with confirmed diagnosis of breast cancer"
        " or those already treated for the disease.\n"
    )

    def disease(purpose: str, healthy: bool) -> Check:
        trial = _trial(
            conditions=["Breast Cancer", "Carcinoma in Situ"],
            criteria=criteria,
            healthy_volunteers=healthy,
            primary_purpose=purpose,
        )
        return check_disease(trial, _profile(diagnosis="lung adenocarcinoma"))

    screening = disease("SCREENING", True)
    assert screening.outcome == UNKNOWN
    assert screening.reason == (
        "The trial is for people with breast cancer or carcinoma in situ; the trial also takes"
        " people without the disease."
    )
    # a trial for treatment, or closed to healthy volunteers, is for its diseases
    assert disease("TREATMENT", True).outcome == FAIL
    assert disease("SCREENING", False).outcome == FAIL


def test_treated_disease_a_title_names_is_asked_of_a_profile_it_rules_out():
    # NCT05862012 ("Study of ISB 2001 in Relapsed/Refractory Multiple Myeloma"; no setting in
    # its criteria) said "Could fit" to a newly diagnosed myeloma.
    trial = _trial(
        conditions=["Relapsed/Refractory Multiple Myeloma"],
        title="Study of ISB 2001 in Relapsed/Refractory Multiple Myeloma",
        criteria="Inclusion Criteria:\n\n* Participants with pathologically confirmed MM\n",
    )
    new = _profile(diagnosis="multiple myeloma", setting=["newly diagnosed"])
    fit = prescreen(trial, tag_trial(trial), new)
    (asked,) = [c for c in fit.checks if c.rule == "disease-setting"]
    assert asked.outcome == UNKNOWN and fit.fit == CHECK
    assert "whose title names cancer that is refractory or relapsed" in asked.question
    relapsed = _profile(diagnosis="multiple myeloma", setting=["relapsed"])
    assert not [c for c in prescreen(trial, tag_trial(trial), relapsed).checks
                if c.rule == "disease-setting"]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "setting", "outcome"),
    [
        # NCT06750094: "Participants must have recurrent, unresectable or metastatic disease"
        # said "the profile does not say whether yours is" (relapsed) to a metastatic cancer.
        ("Participants must have recurrent, unresectable or metastatic disease", ["metastatic"],
         PASS),
        ("ABC/MBC (locoregionally recurrent not amenable to curative therapy or metastatic)",
         ["metastatic"], PASS),
        # Relapsed disease alone: as before.
        ("Participants must have recurrent disease", ["metastatic"], UNKNOWN),
        # Spread disease offered, but the profile does not say it has spread.
        ("Participants must have recurrent, unresectable or metastatic disease", ["refractory"],
         UNKNOWN),
    ],
)  # fmt: skip
def test_relapsed_disease_offered_beside_spread_disease_passes_a_spread_cancer(
    text, setting, outcome
):
    requirement = Requirement("disease-setting", "any-of", ("relapsed",), text, "inclusion")
    check = check_requirement(requirement, _profile(setting=setting))
    assert check is not None
    assert check.outcome == outcome, check.reason
    if outcome == PASS:
        assert "the criterion takes cancer that has spread too" in check.reason


def test_no_line_for_advanced_disease_beside_adjuvant_treatment_resisted_is_checked():
    """NCT06065748 ("Resistance to prior adjuvant endocrine therapy"; "No prior systemic
    anti-cancer therapy for advanced disease") said "Could fit" to a woman treated with
    letrozole and palbociclib for metastatic disease: cancer treated before only as adjuvant
    treatment does not contradict no earlier line for advanced disease."""
    trial = _trial(conditions=["Breast Cancer"])
    resisted = "Resistance to prior adjuvant endocrine therapy (ET)"
    wanted = Requirement("disease-setting", "any-of", ("resistant",), resisted, "inclusion")
    said = Evidence("resistant", "setting", "inclusion criteria", resisted, "resistance", "")
    treated = _profile(diagnosis="breast cancer", prior_lines=1)

    def lines_check(rule_text: str, setting_text: str = resisted) -> Check:
        none = Requirement("prior-lines", "at-most", (0,), rule_text, "inclusion")
        wanted_here = replace(wanted, text=setting_text)
        evidence = (replace(said, text=setting_text),)
        tags = Tags(settings=("resistant",), requirements=(none, wanted_here), evidence=evidence)
        return next(c for c in prescreen(trial, tags, treated).checks if c.rule == "prior-lines")

    advanced = "No prior systemic anti-cancer therapy for advanced disease"
    assert lines_check(advanced).outcome == FAIL
    # Of any disease, or beside treated disease not said of adjuvant treatment (nor of
    # treatment before surgery): "no treatment for metastatic disease" means no other one.
    assert lines_check("No prior systemic therapy").contradicted
    assert lines_check(advanced, "Progressed after prior endocrine therapy").contradicted
    assert lines_check(advanced, "Resistance to prior neoadjuvant endocrine therapy").contradicted


@pytest.mark.parametrize(
    ("conditions", "title", "outcome"),
    [
        # NCT06923098: "PET/CT Guided Biopsy Versus CT Guided Biopsy in Evaluation of Suspected
        # Lung Neoplasms" (conditions "Lung Diseases") told a breast cancer with lung metastases
        # "not for you".
        (["Lung Diseases"], "Evaluation of Suspected Lung Neoplasms", UNKNOWN),
        (["Suspected Lung Cancer"], "Biopsy of lung lesions", UNKNOWN),
        # named straight somewhere: for that disease
        (["Suspected Lung Cancer", "Lung Cancer"], "Biopsy of lung lesions", FAIL),
        (["Lung Diseases"], "Evaluation of Lung Neoplasms", FAIL),
    ],
)
def test_a_trial_for_a_suspected_disease_does_not_rule_out_another(conditions, title, outcome):
    trial = _trial(conditions=conditions, title=title)
    check = check_disease(trial, _profile(diagnosis="triple-negative breast cancer"))
    assert check.outcome == outcome, check.reason
    if outcome == UNKNOWN:
        assert "only suspected" in check.reason
    # a lung cancer fits a trial for it; one for people whose lung cancer is only suspected
    # (a biopsy study) is not known to take a diagnosed one (it said "Could fit")
    lung = check_disease(trial, _profile(diagnosis="lung adenocarcinoma"))
    assert lung.outcome == (PASS if outcome == FAIL else UNKNOWN), lung.reason


def test_a_trial_ruling_out_its_own_disease_once_diagnosed_is_not_for_that_disease():
    # NCT06056843 said "Could fit: your diagnosis fits" to a HER2-positive breast cancer,
    # though it leaves out "Women with confirmed diagnosis of breast cancer".
    criterion = (
        "Women with confirmed diagnosis of breast cancer or those already treated for the disease."
    )
    criteria = (
        "Inclusion Criteria:\n\n* Clinical breast examination positive women.\n\n"
        f"Exclusion Criteria:\n\n* {criterion}\n"
    )

    def disease(healthy: bool, excluded: str = criterion) -> Check:
        trial = _trial(
            conditions=["Breast Cancer", "Carcinoma in Situ"],
            criteria=criteria.replace(criterion, excluded),
            healthy_volunteers=healthy,
            primary_purpose="SCREENING",
        )
        return check_disease(trial, _profile(diagnosis="HER2 positive breast cancer"))

    diagnosed = disease(True)
    assert diagnosed.outcome == FAIL
    assert diagnosed.text == criterion
    assert diagnosed.reason == (
        "The trial does not take people diagnosed with breast cancer; you have HER2-positive"
        " breast cancer."
    )
    assert disease(False).outcome == PASS  # a trial for people with it
    # a narrower kind, or another illness, ruled out: no rule on the condition as a whole
    for narrower in (
        "Confirmed diagnosis of breast cancer stage IV.",
        "Diagnosed with metastatic breast cancer.",
        "History of confirmed diagnosis of breast cancer.",
    ):
        assert disease(True, narrower).outcome == PASS, narrower


def test_a_marker_of_one_tumour_type_of_a_list_holds_for_people_with_that_tumour():
    # NCT03983954: "solid tumor from the following list:" ... "ER+/HER2- or triple-negative
    # breast cancer": a HER2-positive breast cancer cannot join; an ovarian cancer may.
    criteria = (
        "Inclusion Criteria:\n\n* Solid tumor from the following list:\n\n"
        "  * High-grade serous ovarian cancer\n  * ER+/HER2- or triple-negative breast cancer\n"
    )
    trial = parse_study(
        make_study(criteria=criteria, title="X in solid tumors", conditions=["Solid Tumor"])
    )
    tags = tag_trial(trial)
    breast = profile_from_table(
        {"diagnosis": "breast cancer", "biomarkers": ["HER2 positive", "ER negative"]}
    )
    assert prescreen(trial, tags, breast).fit == EXCLUDED
    ovarian = profile_from_table({"diagnosis": "ovarian cancer", "biomarkers": ["HER2 positive"]})
    assert prescreen(trial, tags, ovarian).fit != EXCLUDED


@needs_shared
def test_a_part_whose_rules_are_all_for_another_disease_is_still_a_part():
    # NCT05607199, Parts 2A and 2B: "Patients with relapsed / refractory AML (...) or ...
    # MDS ...". Written out, "acute myeloid leukemia" limits that item's rules to AML: a
    # patient with MDS is asked none of them, and Parts 2A and 2B are still there to join.
    raw = load_real_record("NCT05607199")
    module = raw["protocolSection"]["eligibilityModule"]
    module["eligibilityCriteria"] = module["eligibilityCriteria"].replace(
        "Patients with relapsed / refractory AML",
        "Patients with relapsed / refractory acute myeloid leukemia",
    )
    trial = parse_study(raw)
    tags = tag_trial(trial)
    mds = profile_from_table(
        {"diagnosis": "myelodysplastic syndrome", "setting": ["refractory"], "prior_lines": 1}
    )
    fit = prescreen(trial, tags, mds)
    assert fit.fit != EXCLUDED
    assert fit.cohorts == ("Part 2A", "Part 2B")


@needs_shared
def test_a_part_for_other_diseases_is_no_part_for_this_patient():
    # NCT05607199 (solid tumours in Part 1, AML or MDS in Parts 2A and 2B, lymphoma in Parts 3A
    # and 3B): a cervical cancer that fails Part 1 "could fit" Parts 2A and 2B.
    trial = parse_study(load_real_record("NCT05607199"))
    profile = profile_from_table(
        {"diagnosis": "cervical cancer", "setting": ["relapsed", "metastatic"], "prior_lines": 1}
    )
    fit = prescreen(trial, tag_trial(trial), profile)
    assert fit.fit == EXCLUDED
    parts = [c for c in fit.checks if c.rule == "disease" and c.cohort == "Part 2A and 2B"]
    assert [c.outcome for c in parts] == [FAIL]
    assert parts[0].reason == (
        "This part of the trial is for people with acute myeloid leukemia or myelodysplastic "
        "syndrome; you have cervical cancer."
    )
    # A myelodysplastic syndrome is left Parts 2A and 2B.
    mds = profile_from_table(
        {"diagnosis": "myelodysplastic syndrome", "setting": ["refractory"], "prior_lines": 1}
    )
    assert prescreen(trial, tag_trial(trial), mds).fit != EXCLUDED


@needs_shared
def test_a_part_that_leaves_out_the_patients_disease_is_no_part_for_them():
    # NCT04482309 told lung cancers "The parts that could fit: Cohort A, Cohort B, Cohort 7",
    # of a Cohort 7 "excluding ... breast, non-small cell lung cancer, gastric cancer, and
    # colorectal cancer"; Cohort A leaves out breast, gastric and colorectal cancer in brackets,
    # and then takes NSCLC ("Patients with non-small cell lung cancer can be included").
    trial = parse_study(load_real_record("NCT04482309"))
    lung = profile_from_table({"diagnosis": "metastatic non-small cell lung cancer"})
    fit = prescreen(trial, tag_trial(trial), lung)
    assert "Cohort 7" not in fit.cohorts and {"Cohort A", "Cohort B"} <= set(fit.cohorts)
    (seven,) = [c for c in fit.checks if c.rule == "disease" and c.cohort == "Cohort 7"]
    assert seven.outcome == FAIL
    assert seven.reason.startswith("This part of the trial leaves out non-small cell lung cancer")


@needs_shared
def test_diseases_given_as_examples_of_a_wider_group_do_not_close_a_part():
    # NCT05786924 Part 1B: "GI tumors (e.g., PDAC, CRC, and BTC)" takes a gastric cancer too.
    trial = parse_study(load_real_record("NCT05786924"))
    profile = profile_from_table({"diagnosis": "gastric cancer"})
    checks = prescreen(trial, tag_trial(trial), profile).checks
    assert not [c for c in checks if c.rule == "disease" and c.cohort == "Part 1B"]


def test_a_broad_condition_narrowed_by_the_criteria_to_another_disease_is_left_unknown():
    # NCT05419375 ("Solid Tumors"; every group of its criteria is of NSCLC) "could fit" a
    # breast cancer.
    trial = _trial(conditions=["Solid Tumors"], criteria=GROUPS)
    breast = prescreen(trial, tag_trial(trial), profile_from_table({"diagnosis": "breast cancer"}))
    disease = breast.checks[0]
    assert (disease.rule, disease.outcome) == ("disease", UNKNOWN)
    assert disease.reason == (
        "The trial is for people with solid tumor; you have breast cancer, but its criteria "
        "speak only of non-small cell lung cancer."
    )
    assert breast.fit == CHECK
    lung = profile_from_table({"diagnosis": "non-small cell lung cancer"})
    assert prescreen(trial, tag_trial(trial), lung).checks[0].outcome == PASS
    # NCT05099809 ("Locally Advanced Malignant Neoplasm"): the cancers its inclusion criterion
    # lists, in an item no requirement is read from.
    listed = (
        "Inclusion Criteria:\n\n* Histopathologically proven cases of locally advanced head and"
        " neck cancers, locally advanced cancer cervix, breast cancers, cancer oesophagus\n"
    )
    trial = _trial(conditions=["Locally Advanced Malignant Neoplasm"], criteria=listed)
    prostate = profile_from_table({"diagnosis": "prostate cancer"})
    assert prescreen(trial, tag_trial(trial), prostate).checks[0].outcome == UNKNOWN
    breast = profile_from_table({"diagnosis": "breast cancer"})
    assert prescreen(trial, tag_trial(trial), breast).checks[0].outcome == PASS


def test_every_cancer_a_broad_trials_criteria_list_is_named_and_no_other_passes():
    # NCT05099809 told a woman with cervical cancer "its criteria speak only of head and neck
    # cancer or breast cancer" (its "cancer cervix", "cancer oesophagus" and "anorectal
    # cancers" were not read); once they were, a pancreatic cancer passed as a gastrointestinal
    # cancer's kin of the anorectal one.
    listed = (
        "Inclusion Criteria:\n\n* Histopathologically proven cases of locally advanced head and"
        " neck cancers (LAHNC), TNM stages III and IV and locally advanced cancer cervix (LACC),"
        " FIGO stages IIB - IVA, locally advanced and recurrent breast cancers, cancer oesophagus"
        " (TNM stages IIA and IVA), anorectal cancers (TNM stages IIA to IIIC)\n"
    )
    trial = _trial(conditions=["Locally Advanced Malignant Neoplasm"], criteria=listed)
    for diagnosis in ("cervical cancer", "esophageal cancer", "breast cancer"):
        profile = profile_from_table({"diagnosis": diagnosis})
        assert prescreen(trial, tag_trial(trial), profile).checks[0].outcome == PASS, diagnosis
    rectal = prescreen(trial, tag_trial(trial), profile_from_table({"diagnosis": "rectal cancer"}))
    assert "speak only of" not in rectal.checks[0].reason
    pancreas = profile_from_table({"diagnosis": "pancreatic cancer"})
    disease = prescreen(trial, tag_trial(trial), pancreas).checks[0]
    assert disease.outcome == UNKNOWN
    assert "anorectal cancer" in disease.reason and "cervical cancer" in disease.reason


def test_the_settings_a_diagnosis_names_count_as_the_profiles():
    """P19 ("non-metastatic castration-resistant prostate cancer", setting = ["castration-
    resistant"]) was asked whether its cancer was metastatic by a trial for nmCRPC."""
    requirement = Requirement(
        "disease-setting", "none-of", ("metastatic",), "History of metastatic disease", "exclusion"
    )
    told = profile_from_table(
        {"diagnosis": "non-metastatic castration-resistant prostate cancer",
         "setting": ["castration-resistant"]}
    )  # fmt: skip
    check = check_requirement(requirement, told)
    assert check is not None and check.outcome == PASS
    assert "non-metastatic" in check.reason  # (said among the profile's settings)
    untold = profile_from_table(
        {"diagnosis": "prostate cancer", "setting": ["castration-resistant"]}
    )
    check = check_requirement(requirement, untold)
    assert check is not None and check.outcome == UNKNOWN


def test_a_variant_of_uncertain_significance_is_not_the_mutation_a_trial_rules_out():
    # "BRCA1 VUS" was read as BRCA1 positive: "Known BRCA1 or BRCA2 mutation" said "Not for you".
    text = "Known BRCA1 or BRCA2 mutation"
    requirement = Requirement("biomarker-excluded", "any-of", ("BRCA",), text, "exclusion")
    check = check_requirement(requirement, _profile(biomarkers=["BRCA1 VUS"]))
    assert check is not None and check.outcome == UNKNOWN
    # a germline BRCA2 written with its letter passes a criterion for germline BRCA
    text = "Deleterious or suspected deleterious germline BRCA mutation"
    requirement = Requirement("biomarker-required", "any-of", ("BRCA",), text, "inclusion")
    check = check_requirement(requirement, _profile(biomarkers=["gBRCA2"]))
    assert check is not None and check.outcome == PASS
    check = check_requirement(requirement, _profile(biomarkers=["tBRCA2 mutation"]))
    assert check is not None and check.outcome == UNKNOWN


def test_a_trial_for_one_risk_group_of_mds_checks_the_profile_s_group():
    # NCT05949684 (luspatercept for "IPSS-R Very Low, Low, or Intermediate-Risk Myelodysplastic
    # Syndrome") said "Could fit" to a profile with higher-risk MDS.
    title = "Luspatercept for IPSS-R Very Low, Low, or Intermediate-Risk Myelodysplastic Syndrome"
    trial = _trial(conditions=["Myelodysplastic Syndromes"], title=title)

    def fit(diagnosis: str):
        return prescreen(trial, Tags(), _profile(diagnosis=diagnosis))

    higher = fit("myelodysplastic syndrome, higher risk")
    assert higher.fit == EXCLUDED
    assert higher.reason == (
        "Not for you: The trial is for people with lower-risk myelodysplastic syndrome; the"
        " profile says yours is higher-risk."
    )
    assert fit("MDS, IPSS-R very high").fit == EXCLUDED
    assert fit("lower-risk MDS").fit == POSSIBLE
    unsaid = fit("myelodysplastic syndrome")
    assert unsaid.fit == CHECK
    assert unsaid.questions == (
        "Ask whether your myelodysplastic syndrome counts as lower-risk for this trial.",
    )
    assert fit("MDS, IPSS-R intermediate risk").fit == CHECK  # either group
    # the group of the MDS, not of another cancer the diagnosis names: "low-risk prostate
    # cancer" made a high-risk MDS a question
    assert fit("MDS-EB2, IPSS-R high risk; low-risk prostate cancer").fit == EXCLUDED
    assert fit("MDS, IPSS-R low; prostate cancer 2018, high risk").fit == POSSIBLE
    assert fit("MDS, lower risk; CLL, high risk (17p deletion)").fit == POSSIBLE
    # ... and of the MDS in a part that names another of its family (a first version read only
    # the parts naming the MDS itself, and took "now higher-risk ... AML-like" for lower risk)
    assert fit("MDS, IPSS-R low in 2022; now higher-risk, myeloid neoplasm with TP53").fit == CHECK
    assert fit("acute myeloid leukemia").fit == EXCLUDED  # the disease decides, as before
    # a trial for both groups, or one that names a group for one part only, asks for neither
    both = _trial(conditions=["Lower-risk MDS", "Higher-risk MDS"])
    assert prescreen(both, Tags(), _profile(diagnosis="higher-risk MDS")).fit == POSSIBLE
    every = _trial(
        conditions=["MDS"], title="Very Low, Low, Intermediate, High or Very High Risk MDS"
    )
    assert prescreen(every, Tags(), _profile(diagnosis="low-risk MDS")).fit == POSSIBLE
    parts = _trial(
        conditions=["Myelodysplastic Syndromes"],
        criteria="Inclusion Criteria:\n\nPart A:\n\n* Lower-risk MDS\n\nPart B:\n\n* AML\n",
    )
    assert prescreen(parts, Tags(), _profile(diagnosis="higher-risk MDS")).fit != EXCLUDED
    criteria = _trial(
        conditions=["Myelodysplastic Syndromes"],
        criteria="Inclusion Criteria:\n\n* Higher-risk MDS (IPSS-R > 3.5)\n",
    )
    assert prescreen(criteria, Tags(), _profile(diagnosis="low risk MDS")).fit == EXCLUDED


def test_a_trial_for_treatment_after_the_surgery_that_removed_the_cancer_asks_a_recurrent_one():
    # NCT05857631 (postoperative radiotherapy, "endometrial cancer post hysterectomy requiring
    # adjuvant (chemo)radiotherapy") said "Could fit" to a recurrent endometrial cancer.
    item = (
        "Histologically confirmed diagnosis of endometrial cancer post hysterectomy requiring"
        " adjuvant (chemo)radiotherapy to pelvis"
    )
    trial = _trial(conditions=["Endometrial Cancer"], criteria=f"Inclusion Criteria:\n\n* {item}\n")

    def fit(**facts):
        return prescreen(trial, Tags(), _profile(diagnosis="endometrial carcinoma", **facts))

    recurrent = fit(setting=["recurrent"], prior_lines=1)
    assert recurrent.fit == CHECK  # never excluded: surgery for a recurrence may count
    (setting,) = [c for c in recurrent.checks if c.rule == "disease-setting"]
    assert setting.reason == (
        "The trial is for cancer that is removed by surgery; the profile does not say whether"
        " yours is."
    )
    assert (
        recurrent.questions[0]
        == "Ask whether your cancer counts as removed by surgery for this trial."
    )
    assert fit(setting=["adjuvant"]).fit == POSSIBLE
    # treated disease, or treatment before surgery, named in the item: no such rule
    for other in (
        "Resected recurrent endometrial cancer requiring adjuvant therapy",
        "Endometrial cancer after surgery, planned for neoadjuvant or adjuvant therapy",
    ):
        trial = _trial(
            conditions=["Endometrial Cancer"], criteria=f"Inclusion Criteria:\n\n* {other}\n"
        )
        assert fit(setting=["recurrent"]).fit == POSSIBLE


def test_a_title_for_treatment_after_the_surgery_that_removed_the_cancer_asks_an_advanced_one():
    # NCT06109779 ("Adjuvant Therapy for Biliary Tract Cancer After Resection") said "Could
    # fit" to an advanced, progressing cholangiocarcinoma.
    title = (
        "Rilvegostomig + Chemotherapy as Adjuvant Therapy for Biliary Tract Cancer After Resection"
    )
    trial = _trial(conditions=["Biliary Tract Cancer"], title=title)
    profile = _profile(diagnosis="intrahepatic cholangiocarcinoma", setting=["advanced"])
    fit = prescreen(trial, Tags(), profile)
    assert fit.fit == CHECK
    (setting,) = [c for c in fit.checks if c.rule == "disease-setting"]
    assert setting.text == f"Title: {title}"
    # an adjuvant title without the surgery, or with treatment before it, gives no such rule
    for other in (
        "Adjuvant Endocrine Therapy in Breast Cancer",
        "Neoadjuvant and Adjuvant Chemotherapy After Resection",
    ):
        plain = _trial(conditions=["Biliary Tract Cancer"], title=other)
        assert prescreen(plain, Tags(), profile).fit == POSSIBLE


def test_a_complication_the_conditions_and_criteria_ask_for_is_asked_never_passed():
    # NCT06016452 (chlorophyllin for radionecrosis in glioma) said "Could fit" to a
    # glioblastoma whose profile says nothing of radionecrosis.
    criteria = (
        "Inclusion Criteria:\n\n* Histological diagnosis of diffuse glioma.\n"
        "* Radionecrosis on imaging with new neurological symptoms\n\n"
        "Exclusion Criteria:\n\n* Disease progression\n"
    )
    conditions = ["Diffuse Glioma", "Radionecrosis of Brain", "Glioblastoma Multiforme"]
    trial = _trial(conditions=conditions, criteria=criteria)
    profile = _profile(diagnosis="glioblastoma")
    fit = prescreen(trial, Tags(), profile)
    assert fit.fit == CHECK
    (asked,) = [c for c in fit.checks if c.rule == "disease" and c.outcome == UNKNOWN]
    # said in lower case by its name, as other diseases are, not in the record's capitals
    assert asked.reason == (
        "The trial is for people with radionecrosis, as its conditions and criteria"
        " say; the profile does not say whether you have it."
    )
    assert asked.question == "Ask whether you have radionecrosis, as this trial asks."
    assert fit.reason == (
        "Nothing in the profile rules you out, but whether you have the condition the trial is"
        " for could not be checked"
    )
    # a condition the criteria do not ask for, or rule out, is left alone
    for other in ("* Karnofsky score of 50 or more\n", "* No radionecrosis on imaging\n"):
        plain = _trial(conditions=conditions, criteria=f"Inclusion Criteria:\n\n{other}")
        assert prescreen(plain, Tags(), profile).fit == POSSIBLE

    # NCT04861558 (CRS and HIPEC for "Colorectal cancer with peritoneal metastases +/- liver
    # metastases") said "Could fit" to colorectal cancers whose profiles say nothing of them
    peritoneal = _trial(
        conditions=["Colorectal Cancer", "Peritoneal Metastases"],
        criteria="Inclusion Criteria:\n\n* Colorectal cancer with peritoneal metastases\n",
    )
    colon = _profile(diagnosis="colon adenocarcinoma, metastatic to liver")
    (asked,) = [
        c
        for c in prescreen(peritoneal, Tags(), colon).checks
        if c.rule == "disease" and c.outcome == UNKNOWN
    ]
    assert asked.question == "Ask whether you have peritoneal metastases, as this trial asks."


@pytest.mark.parametrize(
    "item",
    [
        # NCT00184067 (a booster for people who completed two earlier vaccine protocols) said
        # "Could fit" to a melanoma profile that says nothing of them.
        "Patients who have completed protocol 10M-01-1 or 10M-00-4 are eligible for this study"
        " provided that:\n\n  1. They have received all injections with evidence of an immune"
        " response.",
        # NCT05450016 (photographs of breasts of women of earlier projects) likewise
        "Already provided written informed consent on earlier projects",
        # NCT04524416 (long-term follow-up of an implant given in an earlier study)
        "Patient who received a MINIject glaucoma implant within a prior clinical study",
    ],
)
def test_a_trial_for_people_who_completed_an_earlier_study_is_asked_never_passed(item):
    criteria = f"Inclusion Criteria:\n\n* {item}\n* ECOG performance status of 0 or 1.\n"
    trial = _trial(conditions=["Melanoma"], criteria=criteria)
    fit = prescreen(trial, Tags(), _profile(diagnosis="metastatic melanoma"))
    assert fit.fit == CHECK
    (asked,) = [c for c in fit.checks if c.outcome == UNKNOWN]
    assert asked.rule == "disease"
    assert asked.reason == (
        "The trial is for people who are or were in another study, as a criterion says; the"
        " profile does not say whether you did."
    )
    assert asked.question == "Ask whether you are or were in the study this trial asks for."


def test_a_trial_for_cancer_under_wait_and_watch_asks_the_setting_never_passes_it():
    # NCT06252142 (rectal cancer "suitable for wait and watch") said "Could fit" to a metastatic
    # rectal cancer progressing after three lines.
    criteria = (
        "Inclusion Criteria:\n\n* Age more than 18 years.\n* Patients diagnosed with locally"
        " advanced rectal cancer and suitable for wait and watch as per international consensus"
        " guidelines\n"
    )
    trial = _trial(conditions=["Rectal Neoplasms"], criteria=criteria)
    profile = _profile(diagnosis="metastatic rectal cancer", setting=["metastatic", "refractory"])
    fit = prescreen(trial, Tags(), profile)
    assert fit.fit == CHECK
    assert fit.reason.endswith(
        "but whether your cancer is to be watched rather than treated for now could not be checked"
    )
    (asked,) = [c for c in fit.checks if c.rule == "disease-setting"]
    assert asked.outcome == UNKNOWN
    assert asked.reason == (
        "The trial is for people whose cancer is to be watched closely rather than treated for"
        ' now ("wait and watch"), as a criterion says; the profile does not say whether yours'
        " is."
    )
    assert asked.question == 'Ask whether your cancer counts as "wait and watch" for this trial.'


def test_having_had_a_treatment_does_not_pass_a_criterion_asking_how_the_cancer_answered_it():
    # NCT06214572 ("Stable disease or partial response (RECIST 1.1) after initial 3 months of
    # Gemcitabine based chemotherapy") was passed by having had gemcitabine.
    text = (
        "Stable disease or partial response (RECIST 1.1) after initial 3 months of Gemcitabine"
        " based chemotherapy"
    )
    requirement = Requirement("prior-therapy-required", "all-of", ("gemcitabine",), text)
    check = check_requirement(requirement, _profile(prior_treatments=["gemcitabine", "cisplatin"]))
    assert check is not None and check.outcome == UNKNOWN
    assert check.reason == (
        "The trial takes people who have had gemcitabine; you had gemcitabine; whether your"
        " cancer responded or held stable after it, as the criterion asks, the profile does not"
        " say."
    )
    assert check.question == (
        "Ask whether your cancer responded, or held stable, after gemcitabine, as this trial asks."
    )
    plain = replace(requirement, text="Prior gemcitabine based chemotherapy")
    passed = check_requirement(plain, _profile(prior_treatments=["gemcitabine"]))
    assert passed is not None and passed.outcome == PASS


def test_a_trial_for_higher_risk_myelofibrosis_rules_out_a_lower_risk_one_only():
    # NCT04576156 ("Intermediate-2 or High-risk Myelofibrosis") said "Could fit" to a profile
    # with DIPSS intermediate-1 myelofibrosis; one that names no group stays as it was (the
    # labels keep it a "could fit").
    title = "Imetelstat for Intermediate-2 or High-risk Myelofibrosis (MF)"
    trial = _trial(conditions=["Myelofibrosis"], title=title)

    def fit(diagnosis: str):
        return prescreen(trial, Tags(), _profile(diagnosis=diagnosis))

    lower = fit("DIPSS intermediate-1 primary myelofibrosis")
    assert lower.fit == EXCLUDED
    assert lower.reason == (
        "Not for you: The trial is for people with intermediate-2-risk or high-risk"
        " myelofibrosis; the profile says yours is intermediate-1-risk."
    )
    assert fit("high-risk myelofibrosis").fit == POSSIBLE
    assert fit("primary myelofibrosis").fit == POSSIBLE
    # "Intermediate-1, Intermediate-2, or High-Risk" (NCT03165734) leaves out low risk only: it
    # said "Could fit" to a DIPSS low-risk myelofibrosis when the groups were lower and higher
    for criterion in (
        "DIPSS Intermediate-1, Intermediate-2, or High-Risk MF",
        "Dynamic International Prognostic Scoring System Intermediate-1, Intermediate-2, or"
        " High-Risk (Passamonti et al 2010",
    ):
        all_but_low = _trial(
            conditions=["Primary Myelofibrosis"], criteria=f"Inclusion Criteria:\n\n* {criterion}\n"
        )
        for diagnosis, expected in (
            ("low-risk myelofibrosis", EXCLUDED),
            ("DIPSS intermediate-1 myelofibrosis", POSSIBLE),
            ("lower-risk myelofibrosis", CHECK),  # low or intermediate-1
        ):
            assert prescreen(all_but_low, Tags(), _profile(diagnosis=diagnosis)).fit == expected


@pytest.mark.parametrize(
    "title, low, high",
    [
        # a range names each group in it: "Intermediate-1 or Higher" excluded a high-risk one
        ("DIPSS Intermediate-1 or Higher Myelofibrosis", EXCLUDED, POSSIBLE),
        ("Intermediate-1 to High myelofibrosis", EXCLUDED, POSSIBLE),
        ("Intermediate or High-Risk Myelofibrosis", EXCLUDED, POSSIBLE),
        ("DIPSS score of intermediate-2 or high myelofibrosis", EXCLUDED, POSSIBLE),
    ],
)
def test_a_range_of_myelofibrosis_risk_groups_takes_each_group_in_it(title, low, high):
    trial = _trial(conditions=["Myelofibrosis"], title=title)
    for diagnosis, expected in (("DIPSS low risk myelofibrosis", low),
                                ("high-risk myelofibrosis", high),
                                ("DIPSS intermediate-2 myelofibrosis", POSSIBLE)):  # fmt: skip
        assert prescreen(trial, Tags(), _profile(diagnosis=diagnosis)).fit == expected, diagnosis


def test_a_class_of_earlier_treatment_is_said_with_its_article_and_a_drug_as_written():
    # "The trial takes people who have had gastrectomy": a class is said as drug_classes.toml
    # says it, a drug by its name.
    profile = _profile(prior_treatments=["cisplatin"])
    required = Requirement("prior-therapy-required", "all-of", ("anti-CD38", "lenalidomide"), "t")
    check = check_requirement(required, profile)
    assert check is not None and check.reason == (
        "The trial takes people who have had an anti-CD38 antibody and lenalidomide; the profile"
        " does not list an anti-CD38 antibody and lenalidomide."
    )
    excluded = Requirement("prior-therapy-excluded", "any-of", ("platinum",), "t", "exclusion")
    check = check_requirement(excluded, profile)
    assert check is not None
    assert (
        check.reason
        == "The trial does not take people who have had platinum chemotherapy; you had cisplatin."
    )


def test_a_post_mastectomy_radiotherapy_trial_asks_whether_the_cancer_was_removed():
    # NCT02992574 ("Trial Evaluating Role of Post Mastectomy Radiotherapy in Women With Node
    # Negative Early Breast Cancer", "Upfront total mastectomy") said "Could fit" to a newly
    # diagnosed breast cancer not yet treated at all; its exclusion of M1 disease said nothing of
    # the surgery.
    title = (
        "Trial Evaluating Role of Post Mastectomy Radiotherapy in Women With Node Negative Early"
        " Breast Cancer"
    )
    trial = _trial(conditions=["Breastcancer"], title=title)
    m1 = Requirement("disease-setting", "none-of", ("metastatic",), "Any M1 patients", "exclusion")
    profile = _profile(
        diagnosis="HER2-positive breast cancer",
        setting=["newly diagnosed", "early-stage"],
        prior_treatments=[],
    )
    fit = prescreen(trial, Tags(requirements=(m1,)), profile)
    assert fit.fit == CHECK
    (asked,) = [c for c in fit.checks if c.outcome == UNKNOWN]
    assert asked.text == f"Title: {title}"
    assert asked.reason.startswith("The trial is for cancer that is removed by surgery")
    after = _profile(diagnosis="breast cancer", setting=["adjuvant", "early-stage"])
    assert prescreen(trial, Tags(requirements=(m1,)), after).fit == POSSIBLE


def test_an_adjuvant_title_names_the_surgery_an_inclusion_criterion_asks_for():
    # NCT03788213 ("One Week Versus Three Week in Adjuvant Radiotherapy in Breast Cancer",
    # "Underwent curative intent surgery for the breast cancer") said "Could fit" to a newly
    # diagnosed breast cancer not yet operated on, and to metastatic ones.
    title = "One Week Versus Three Week in Adjuvant Radiotherapy in Breast Cancer"
    criteria = (
        "Inclusion Criteria:\n\n* Underwent curative intent surgery for the breast cancer with"
        " complete microscopic resection\n"
    )
    trial = _trial(conditions=["Breast Cancer Female"], title=title, criteria=criteria)
    profile = _profile(diagnosis="breast cancer", setting=["newly diagnosed"], prior_treatments=[])
    fit = prescreen(trial, Tags(), profile)
    assert fit.fit == CHECK
    (asked,) = [c for c in fit.checks if c.rule == "disease-setting"]
    assert asked.text == f"Title: {title}"
    # without a criterion asking for the surgery, the adjuvant title alone says nothing of it
    plain = _trial(conditions=["Breast Cancer Female"], title=title)
    assert prescreen(plain, Tags(), profile).fit == POSSIBLE


def test_a_stage_rule_does_not_hide_that_an_adjuvant_trial_asks_for_the_surgery():
    # NCT04472845 ("HYPofractionated Adjuvant RadioTherapy ...", "Breast conserving surgery(BCS)
    # with axillary clearance or total mastectomy", "pT3-4pN2-3 M0 disease") said "Could fit" to a
    # newly diagnosed breast cancer not yet operated on: its M0 rule was taken as the setting.
    title = "HYPofractionated Adjuvant RadioTherapy in 1 Versus 2 Weeks in High-risk Patients"
    criteria = (
        "Inclusion Criteria:\n\n* Breast conserving surgery(BCS) with axillary clearance or total"
        " mastectomy with axillary clearance(TMAC)\n"
    )
    trial = _trial(conditions=["Breast Cancer"], title=title, criteria=criteria)
    m0 = Requirement("disease-setting", "any-of", ("non-metastatic",), "pT3-4pN2-3 M0 disease")
    profile = _profile(
        diagnosis="breast cancer", setting=["newly diagnosed", "early-stage"], prior_treatments=[]
    )
    fit = prescreen(trial, Tags(requirements=(m0,)), profile)
    assert fit.fit == CHECK
    (asked,) = [c for c in fit.checks if c.outcome == UNKNOWN]
    assert asked.text == f"Title: {title}"
    # a setting rule that is no stage says it already
    treated = Requirement("disease-setting", "any-of", ("relapsed",), "Relapsed breast cancer")
    fit = prescreen(trial, Tags(requirements=(treated,)), profile)
    assert not [c for c in fit.checks if c.text == f"Title: {title}"]


def test_a_title_naming_the_stage_asks_a_profile_whose_settings_rule_it_out():
    # NCT05099809 ("Hyperthermia in Locally Advanced Cancers") and NCT03946202 ("... Locally
    # Advanced/Recurrent Breast Cancer") said "Could fit" to a stage II breast cancer.
    trial = _trial(
        conditions=["Breast Cancer"],
        title="Intra-tumoural Radiation Sensitizer in Locally Advanced/Recurrent Breast Cancer",
    )
    early = _profile(diagnosis="breast cancer", setting=["newly diagnosed", "early-stage"])
    fit = prescreen(trial, Tags(), early)
    assert fit.fit == CHECK
    (asked,) = [c for c in fit.checks if c.rule == "disease-setting"]
    assert asked.reason == (
        "The trial's title names cancer that is locally advanced; the profile says yours is"
        " newly diagnosed and early-stage; whether the trial takes it, its criteria say."
    )
    # a profile the title may fit, or one without settings, is not asked; it never fails
    for settings in ({"setting": ["locally advanced"]}, {"setting": ["recurrent"]}, {}):
        profile = _profile(diagnosis="breast cancer", **settings)
        assert prescreen(trial, Tags(), profile).fit == POSSIBLE, settings
    # the course of the cancer in a title ("Relapsed/Refractory") is left to the criteria
    relapsed = _trial(conditions=["Multiple Myeloma"], title="ISB 2001 in Relapsed/Refractory MM")
    newly = _profile(diagnosis="multiple myeloma", setting=["newly diagnosed"])
    assert not [c for c in prescreen(relapsed, Tags(), newly).checks if c.rule != "disease"]


def test_a_title_naming_metastatic_lymph_nodes_names_no_spread_cancer():
    # NCT05421650 ("Surgical Debulking of Metastatic Lymph Nodes in Cervical Cancer Stage
    # IIICr") asked the locally advanced cancers it is for whether the trial takes them
    trial = _trial(
        conditions=["Cervical Cancer"],
        title="Surgical Debulking of Metastatic Lymph Nodes in Cervical Cancer Stage IIICr",
    )
    local = _profile(diagnosis="cervical cancer", setting=["locally advanced"])
    assert not [c for c in prescreen(trial, Tags(), local).checks if c.rule == "disease-setting"]
    spread = _trial(conditions=["Cervical Cancer"], title="Drug X in Metastatic Cervical Cancer")
    asked = [c for c in prescreen(spread, Tags(), local).checks if c.rule == "disease-setting"]
    assert [c.outcome for c in asked] == [UNKNOWN]


def test_a_record_for_treated_disease_asks_a_profile_with_no_line_of_treatment_yet():
    # NCT05862012 (conditions "Relapsed/Refractory Multiple Myeloma") said "Could fit" to an
    # untreated myeloma (prior_lines = 0, no setting written)
    trial = _trial(conditions=["Relapsed/Refractory Multiple Myeloma"], criteria="* ECOG 0-2")
    untreated = _profile(diagnosis="multiple myeloma", prior_lines=0)
    fit = prescreen(trial, tag_trial(trial), untreated)
    assert fit.fit == CHECK
    (asked,) = [c for c in fit.checks if c.rule == "disease-setting"]
    assert asked.reason.endswith(
        "the profile says you have had no line of treatment yet; whether the trial takes you,"
        " its criteria say."
    )
    # a relapse after surgery alone has no line either: said so, it is not asked
    after_surgery = _profile(diagnosis="multiple myeloma", prior_lines=0, setting=["relapsed"])
    assert prescreen(trial, tag_trial(trial), after_surgery).fit == POSSIBLE


@pytest.mark.parametrize(
    ("conditions", "title", "asked"),
    [
        # NCT06194448 ("... With Stage III, Unresectable NSCLC With EGFR Mutations") said "Could
        # fit" to a stage IV lung cancer
        (["Non-small Cell Lung Cancer"], "Osimertinib With Stage III, Unresectable NSCLC", True),
        (["Non-small Cell Lung Cancer"], "Drug X for Stage III or IV NSCLC", False),
        # stage III of a lymphoma is no locally advanced cancer
        (["Hodgkin Lymphoma"], "A+AVD in Untreated Stage 3/4 Classical Hodgkin Lymphoma", False),
    ],
)
def test_a_title_naming_a_stage_by_number_asks_a_metastatic_cancer(conditions, title, asked):
    trial = _trial(conditions=conditions, title=title)
    profile = _profile(diagnosis="stage IV lung adenocarcinoma", setting=["metastatic"])
    checks = [c for c in prescreen(trial, Tags(), profile).checks if c.rule == "disease-setting"]
    assert bool(checks) == asked
    if asked:
        assert checks[0].outcome == UNKNOWN
        assert checks[0].reason.startswith(
            "The trial's title names cancer that is locally advanced"
        )


def test_a_study_of_women_treated_with_breast_radiotherapy_rules_out_one_never_treated():
    # NCT05450016 (breast cosmesis after breast radiotherapy, "Patient received breast RT") said
    # "Could fit" to a newly diagnosed breast cancer not yet treated at all.
    criteria = "Inclusion Criteria:\n\n* Patient received breast RT\n"
    trial = _trial(conditions=["Breast Cancer"], criteria=criteria)
    tags = tag_trial(trial)
    (required,) = [r for r in tags.requirements if r.kind == "prior-therapy-required"]
    assert required.values == ("breast radiotherapy",)
    untreated = _profile(diagnosis="breast cancer", prior_treatments=[])
    fit = prescreen(trial, tags, untreated)
    assert fit.fit == EXCLUDED
    assert fit.reason == (
        "Not for you: The trial takes people who have had radiotherapy to the breast; the profile"
        " does not list radiotherapy to the breast."
    )
    # radiotherapy that does not say where it was given may have been to the breast
    unplaced = _profile(diagnosis="breast cancer", prior_treatments=["radiotherapy"])
    assert prescreen(trial, tags, unplaced).fit == POSSIBLE
    placed = _profile(diagnosis="breast cancer", prior_treatments=["whole breast radiotherapy"])
    assert prescreen(trial, tags, placed).fit == POSSIBLE
    # NCT05450016 said "Not for you" to P16, whose list holds only drugs ("after KEYNOTE-522
    # chemo-immunotherapy", which includes an operation): it may leave local treatment out
    drugs_only = _profile(diagnosis="breast cancer", prior_treatments=["paclitaxel", "Keytruda"])
    (local,) = [c for c in prescreen(trial, tags, drugs_only).checks if c.rule == required.kind]
    assert local.outcome == UNKNOWN
    assert local.reason.endswith("the profile lists no radiotherapy or surgery at all, so whether "
                                 "you had it, it does not say.")  # fmt: skip
    # a list naming local treatment is taken as whole
    operated = _profile(diagnosis="breast cancer", prior_treatments=["paclitaxel", "mastectomy"])
    assert prescreen(trial, tags, operated).fit == EXCLUDED


def test_a_title_saying_the_trial_comes_after_a_treatment_asks_a_profile_without_it():
    # NCT06129864 ("... Head and Neck Squamous Cell Carcinoma Following Definitive Concurrent
    # Chemoradiotherapy") said "Could fit" to a newly diagnosed cancer not yet treated at all.
    title = (
        "Volrustomig for Unresected Locally Advanced Head and Neck Squamous Cell Carcinoma"
        " Following Definitive Concurrent Chemoradiotherapy"
    )
    trial = _trial(conditions=["Head and Neck Squamous Cell Carcinoma"], title=title)
    untreated = _profile(diagnosis="oropharyngeal squamous cell carcinoma", prior_treatments=[])
    fit = prescreen(trial, Tags(), untreated)
    assert fit.fit == CHECK
    (asked,) = [c for c in fit.checks if c.rule == "prior-therapy-required"]
    assert asked.outcome == UNKNOWN
    assert asked.reason == (
        "The trial's title says it comes after chemoradiation; the profile does not list it;"
        " whether the trial takes you without it, its criteria say."
    )
    treated = _profile(
        diagnosis="oropharyngeal squamous cell carcinoma", prior_treatments=["chemoradiation"]
    )
    assert prescreen(trial, Tags(), treated).fit == POSSIBLE
    # a criterion for everyone that names it already says what the trial asks
    named = Requirement("prior-therapy-required", "all-of", ("chemoradiation",), "Prior CRT")
    fit = prescreen(trial, Tags(requirements=(named,)), untreated)
    assert [c.text for c in fit.checks if c.rule == "prior-therapy-required"] == ["Prior CRT"]


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        # NCT05514054 passed a woman just starting tamoxifen: "you had Nolvadex"
        (
            "Participants must have received at least 24 months but not more than 60 months of"
            " any adjuvant ET, from time of adjuvant ET initiation.",
            UNKNOWN,
        ),
        ("Completed 2 years or more of adjuvant endocrine therapy", UNKNOWN),
        ("Prior endocrine therapy", PASS),
        ("At least 1 cycle of endocrine therapy", PASS),  # (having had it is that)
    ],
)
def test_a_treatment_asked_for_some_time_is_not_passed_on_its_name(text, outcome):
    requirement = Requirement("prior-therapy-required", "any-of", ("endocrine therapy",), text)
    check = check_requirement(requirement, _profile(prior_treatments=["tamoxifen"]))
    assert check is not None and check.outcome == outcome, check.reason
    if outcome == UNKNOWN:
        assert check.reason.endswith(
            "whether for as long as the trial asks, the profile does not say."
        )
    fails = check_requirement(requirement, _profile(prior_treatments=["paclitaxel"]))
    assert fails is not None and fails.outcome == FAIL


def test_a_title_asking_a_treatment_for_some_time_is_not_passed_on_its_name():
    # NCT05774951: "... After at Least 2 Years of Standard Adjuvant Endocrine Therapy"
    title = (
        "A Study of Camizestrant in Early Breast Cancer After at Least 2 Years of Endocrine Therapy"
    )
    trial = _trial(conditions=["Breast Cancer"], title=title)
    fit = prescreen(
        trial, Tags(), _profile(diagnosis="breast cancer", prior_treatments=["tamoxifen"])
    )
    (asked,) = [c for c in fit.checks if c.rule == "prior-therapy-required"]
    assert asked.outcome == UNKNOWN


def test_a_study_of_people_having_cancer_surgery_asks_a_profile_that_lists_no_operation():
    # NCT06475911 ("All patients undergoing major HPB cancer surgeries at ILBS from 2010 till
    # 30th June 2024") said "Could fit" to advanced cancers treated with medicines only.
    criteria = (
        "Inclusion Criteria:\n\n1. All patients undergoing major HPB cancer surgeries at ILBS"
        " from 2010 till 30th June 2024.\n"
    )
    trial = _trial(conditions=["Carcinoma"], criteria=criteria)
    medicines = _profile(
        diagnosis="intrahepatic cholangiocarcinoma", prior_treatments=["gemcitabine", "cisplatin"]
    )
    fit = prescreen(trial, Tags(), medicines)
    assert fit.fit == CHECK
    (asked,) = [c for c in fit.checks if c.rule == "disease-setting"]
    assert asked.reason == (
        "The trial is for people having an operation for their cancer, as a criterion says; the"
        " profile lists no operation."
    )
    operated = _profile(diagnosis="intrahepatic cholangiocarcinoma", prior_treatments=["Whipple"])
    assert prescreen(trial, Tags(), operated).fit == POSSIBLE
    # NCT06816836: "... undergoing open surgeries for GCs"
    open_surgery = _trial(
        conditions=["Gynecologic Cancer"],
        criteria="Inclusion Criteria:\n\n* All patients undergoing open surgeries for GCs.\n",
    )
    cervix = _profile(diagnosis="cervical cancer", prior_treatments=["cisplatin"])
    assert prescreen(open_surgery, Tags(), cervix).fit == CHECK


def test_a_trial_for_people_receiving_chemotherapy_now_asks_it_never_passes_nor_fails_it():
    # NCT06491082 ("All patients receiving chemotherapy for solid cancer") said "Could fit" to a
    # newly diagnosed cancer not yet treated: no profile says what is being given now.
    criteria = (
        "Inclusion Criteria:\n\n* All patients receiving chemotherapy for solid cancer\n"
        "* Patient aged>18years\n\nExclusion Criteria:\n\n* Pre-existing neuropathy\n"
    )
    trial = _trial(conditions=["Solid Tumor"], criteria=criteria)
    untreated = _profile(diagnosis="glioblastoma", setting=["newly diagnosed"], prior_treatments=[])
    treated = _profile(diagnosis="glioblastoma", prior_treatments=["temozolomide"])
    for profile in (untreated, treated):
        fit = prescreen(trial, Tags(), profile)
        assert fit.fit == CHECK
        (asked,) = [c for c in fit.checks if c.text.startswith("All patients receiving")]
        assert asked.outcome == UNKNOWN
        assert asked.reason == (
            'The trial is for people "receiving chemotherapy" now, as a criterion says; the'
            " profile does not say whether you are."
        )
        assert 'Ask whether you are "receiving chemotherapy" now, as this trial asks.' in (
            fit.questions
        )
    # a criterion that rules it out, or names it for some people only, asks nothing
    other = _trial(
        conditions=["Solid Tumor"],
        criteria="Exclusion Criteria:\n\n* Patients receiving chemotherapy\n",
    )
    assert not [c for c in prescreen(other, Tags(), untreated).checks if c.outcome == UNKNOWN]


def test_the_verdict_line_names_what_a_rule_asks_not_the_fact_its_kind_reads():
    # A trial for people having an operation said "your disease setting could not be checked",
    # one for people of an earlier study "your diagnosis", a title naming a treatment before
    # "your prior-therapy-required" (NCT06475911, NCT00184067, NCT06129864).
    start = "Nothing in the profile rules you out, but "
    surgery = _trial(
        conditions=["Pancreatic Cancer"],
        criteria="Inclusion Criteria:\n\n* All patients undergoing major HPB cancer surgeries\n",
    )
    fit = prescreen(surgery, Tags(), _profile(diagnosis="pancreatic cancer"))
    assert fit.reason == (
        start + "whether you are having the operation the trial is about could not be checked"
    )
    study = _trial(
        conditions=["Melanoma"],
        criteria="Inclusion Criteria:\n\n* Patients who have completed protocol 10M-01-1\n",
    )
    fit = prescreen(study, Tags(), _profile(diagnosis="melanoma"))
    assert fit.reason == (
        start + "whether you are or were in the study the trial asks for could not be checked"
    )
    titled = _trial(
        conditions=["Head and Neck Squamous Cell Carcinoma"],
        title="Durvalumab Following Definitive Concurrent Chemoradiotherapy in Head and Neck"
        " Cancer",
    )
    fit = prescreen(titled, tag_trial(titled), _profile(diagnosis="head and neck cancer"))
    assert fit.reason == (
        start + "whether you had the treatment the trial's title names could not be checked"
    )
    # beside a fact of the profile left unknown, both are named
    # and a title's treatment the profile lists passes by its name, not by its kind's
    had = _profile(diagnosis="head and neck cancer", prior_treatments=["chemoradiotherapy"])
    fit = prescreen(titled, tag_trial(titled), had)
    assert fit.reason == (
        "Could fit: your diagnosis and earlier treatments fit, and nothing in the profile rules"
        " you out"
    )
    staged = _trial(conditions=["Breast Cancer"], title="Locally Advanced Breast Cancer")
    early = _profile(diagnosis="breast cancer", setting=["early-stage"])
    fit = prescreen(staged, Tags(), early)
    assert fit.reason == (
        start + "whether the trial takes your cancer at the stage its title names could not be"
        " checked"
    )
    both = prescreen(surgery, Tags(), _profile(diagnosis="cancer"))
    assert both.fit == CHECK
    assert both.reason == (
        start + "your diagnosis and whether you are having the operation the trial is about"
        " could not be checked"
    )
    requirement = Requirement("prior-lines", "at-least", (1,), "At least 1 prior line", "inclusion")
    lines = check_requirement(requirement, _profile(diagnosis="cancer"))
    assert lines is not None and lines.outcome == UNKNOWN
    three = verdict((*both.checks, lines))
    assert three.reason == (
        start + "your diagnosis, number of earlier treatments and whether you are having the"
        " operation the trial is about could not be checked"
    )


@needs_shared
def test_a_part_named_by_its_step_that_rules_a_person_out_leaves_the_others_to_the_trial_team():
    # NCT03983954 names parts by their step ("Dose escalation and MTD expansion", "MTD dose
    # expansion", "Esophageal cohort expansion"): the first asks for progression after standard
    # treatment, and a newly diagnosed, untreated cancer was told "Could fit" through the other
    # two, which may be the same part named again, or for another cancer.
    trial = parse_study(load_real_record("NCT03983954"))
    tags = tag_trial(trial)
    untreated = _profile(
        diagnosis="oropharyngeal squamous cell carcinoma",
        setting=["newly diagnosed", "locally advanced"],
        prior_treatments=[],
        measurable_disease=True,
    )
    fit = prescreen(trial, tags, untreated, today=dt.date(2026, 12, 1))
    assert fit.fit == CHECK
    assert fit.reason.startswith(
        "Nothing in the profile rules you out, but which part of the trial you could join"
        " could not be checked"
    )
    assert "The parts that could fit" not in fit.reason
    # Treated and progressing, every part may take the person: it could fit.
    treated = _profile(
        diagnosis="pancreatic adenocarcinoma",
        setting=["metastatic", "refractory"],
        prior_lines=1,
        prior_treatments=["FOLFIRINOX"],
        measurable_disease=True,
    )
    assert prescreen(trial, tags, treated, today=dt.date(2026, 12, 1)).fit == POSSIBLE


OVARIAN_FIRST_LINE = "Patients with ovarian cancer must have had first-line chemotherapy"


@pytest.mark.parametrize(
    ("conditions", "item", "diagnosis", "outcome"),
    [
        # NCT03745326 (any cancer with KRAS G12D; its conditions name digestive cancers only).
        (["Pancreatic Cancer"], OVARIAN_FIRST_LINE, "ovarian cancer", UNKNOWN),
        (["Pancreatic Cancer"], "Patients with non-small cell lung cancer (NSCLC) must have had "
         "targeted therapy", "non-small cell lung cancer", UNKNOWN),
        # a cancer the criteria do not name
        (["Pancreatic Cancer"], OVARIAN_FIRST_LINE, "breast cancer", FAIL),
        # named as left out, or only as a history of the trial's own disease (NCT02227251)
        (["Pancreatic Cancer"], "No history of ovarian cancer", "ovarian cancer", FAIL),
        (["Diffuse Large B-cell Lymphoma"], "DLBCL transformed from previously diagnosed indolent "
         "lymphoma (e.g., follicular lymphoma)", "follicular lymphoma", FAIL),
        # an acronym in no words of cancer ("chemotherapy options listed as ICC", NCT06103864)
        (["Breast Cancer"], "Eligible for one of the chemotherapy options listed as ICC",
         "cholangiocarcinoma", FAIL),
        # A group the conditions' diseases are within, named beside one of them: the trial takes
        # the group (NCT02754115, conditions colorectal and ovarian cancer).
        (["Colorectal Cancer", "Ovarian Cancer"], "Colorectal and gynecological oncology cases "
         "posted for CRS with HIPEC", "cervical cancer", UNKNOWN),
        # Named alone, as a manner of speaking ("For malignant lymphomas, measurable disease
        # is ...", NCT05607199; "CNS tumor with BCOR internal tandem duplication" under a heading
        # of embryonal tumours, NCT05711992), or a class of cancers ("solid tumor"): no wider.
        (["Ovarian Cancer"], "Gynecological oncology cases posted for CRS", "cervical cancer",
         FAIL),
        (["Non Hodgkin Lymphoma"], "For malignant lymphomas, measurable disease is a lesion of "
         "10 mm", "Hodgkin lymphoma", FAIL),
        (["Pancreatic Cancer"], "Pancreatic cancer or another solid tumor measurable per RECIST",
         "breast cancer", FAIL),
    ],
)  # fmt: skip
def test_a_disease_the_inclusion_criteria_name_beside_the_conditions_is_not_ruled_out(
    conditions, item, diagnosis, outcome
):
    criteria = f"Inclusion Criteria:\n\n* Measurable disease\n* {item}\n"
    trial = _trial(conditions=conditions, criteria=criteria)
    check = check_disease(trial, _profile(diagnosis=diagnosis))
    assert check.outcome == outcome, check.reason
    if outcome == UNKNOWN:
        assert check.reason.endswith("its conditions do not name it, but its criteria do.")


G12D_TITLE = "T Cells Recognizing the G12D Variant of Mutated RAS in HLA-A*11:01 Patients"


@pytest.mark.parametrize(
    ("title", "item", "outcome"),
    [
        # NCT03745326, for any cancer with KRAS G12D, told a breast cancer "not for you" for
        # its conditions' digestive cancers.
        (G12D_TITLE, "Confirmation of the diagnosis of cancer by the NCI Laboratory of Pathology",
         UNKNOWN),
        (G12D_TITLE, "Histologically confirmed malignancy, metastatic or unresectable", UNKNOWN),
        # a title that names the disease, a confirmed diagnosis of a named one, a "confirmed"
        # that is not of the cancer, or cancer left out: the conditions hold
        ("T Cells for Pancreatic Cancer", "Confirmation of the diagnosis of cancer", FAIL),
        (G12D_TITLE, "Histologically confirmed diagnosis of pancreatic cancer", FAIL),
        (G12D_TITLE, "Confirmed availability of a representative formalin-fixed, paraffin-"
         "embedded (FFPE) tumor specimen", FAIL),
        (G12D_TITLE, "No confirmed diagnosis of another cancer", FAIL),
    ],
)  # fmt: skip
def test_criteria_asking_only_for_a_cancer_do_not_rule_out_another(title, item, outcome):
    criteria = f"Inclusion Criteria:\n\n* Measurable disease\n* {item}\n"
    trial = _trial(conditions=["Pancreatic Cancer", "Colon Cancer"], title=title, criteria=criteria)
    check = check_disease(trial, _profile(diagnosis="breast cancer"))
    assert check.outcome == outcome, check.reason
    if outcome == UNKNOWN:
        assert check.reason.endswith("its criteria ask only for a confirmed diagnosis of cancer.")
        assert check.text == item  # the criterion quoted is the one that says so


@pytest.mark.parametrize(
    ("conditions", "title", "criteria", "outcome"),
    [
        # NCT03225586, a population study of "consenting adults between 35-70 years of age"
        # whose conditions name "Cancer" among eight others, told people without cancer "not
        # for you"; NCT06923098, for a lung lesion only suspected of cancer, too.
        (["Cardiovascular Diseases", "Lung Diseases", "Cancer", "Injuries"], "PURE",
         "Inclusion Criteria:\n* consenting adults between 35-70 years of age", UNKNOWN),
        (["Lung Diseases"], "Biopsy in Evaluation of Suspected Lung Neoplasms",
         "* CT thorax with lung lesion more than 10 mm", UNKNOWN),
        # a confirmed diagnosis asked for, or a cancer named: for people with it
        (["Cardiovascular Diseases", "Cancer"], "PURE",
         "* Histologically confirmed cancer of any type", FAIL),
        (["Breast Cancer", "Hypofractionation", "Radiotherapy Side Effect"], "Hypofractionated "
         "radiotherapy", "* Women aged 18 or older", FAIL),
        (["Lung Diseases"], "Biopsy in Evaluation of Lung Neoplasms", "* Lung lesion", FAIL),
    ],
)  # fmt: skip
def test_a_person_without_cancer_is_not_ruled_out_by_a_study_that_asks_for_none(
    conditions, title, criteria, outcome
):
    trial = _trial(conditions=conditions, title=title, criteria=criteria)
    for diagnosis in ("type 2 diabetes", "breast lump, not diagnosed"):
        check = check_disease(trial, _profile(diagnosis=diagnosis))
        assert check.outcome == outcome, (diagnosis, check.reason)


@pytest.mark.parametrize(
    ("item", "history", "outcome"),
    [
        # NCT05277844 told P12 (chemo-immunotherapy, then sotorasib) "Not for you" for
        # "Patients with progressive disease after 2-3 months of initial TKI therapy".
        ("Patients with progressive disease after 2-3 months of initial TKI therapy",
         {"prior_treatments": ["carboplatin", "pemetrexed", "sotorasib"]}, UNKNOWN),
        ("Patients with progressive disease after 2-3 months of initial TKI therapy",
         {"prior_treatments": ["osimertinib"]}, FAIL),
        # NCT02964858 told P05 (relapsed after R-CHOP, refractory to CAR T) the same for
        # "Relapse or progression of disease during chemotherapy": during it, the cancer must
        # have stopped responding to it
        ("Relapse or progression of disease during chemotherapy.",
         {"prior_treatments": ["R-CHOP", "axicabtagene ciloleucel"],
          "refractory_to": ["axicabtagene ciloleucel"]}, UNKNOWN),
        ("Relapse or progression of disease during chemotherapy.",
         {"prior_treatments": ["R-CHOP"], "refractory_to": ["R-CHOP"]}, FAIL),
        ("Progressive disease or clinical relapse (as defined by IMWG response criteria) "
         "following ASCT", {"prior_treatments": ["VRd", "autologous stem cell transplant"]},
         FAIL),
        ("Progressive disease or clinical relapse (as defined by IMWG response criteria) "
         "following ASCT", {"prior_treatments": ["VRd", "daratumumab"]}, UNKNOWN),
        # no treatment named, or none said to have been grown on: any treated cancer
        ("Patients with progressive disease after initial standard systemic therapy",
         {"prior_treatments": ["carboplatin"]}, FAIL),
        # written with hyphens ("tyrosine-kinase inhibitor", "stem-cell transplant") it raised
        ("Progression during tyrosine-kinase inhibitor therapy",
         {"prior_treatments": ["carboplatin"], "refractory_to": ["carboplatin"]}, UNKNOWN),
        ("Relapse following autologous stem-cell transplant",
         {"prior_treatments": ["VRd"]}, UNKNOWN),
        # growth said in one sentence, a treatment named in the next: any treated cancer
        ("Relapsed disease. Treatment after ASCT", {"prior_treatments": ["carboplatin"]}, FAIL),
    ],
)  # fmt: skip
def test_cancer_grown_on_a_named_treatment_rules_out_only_a_profile_that_had_it(
    item, history, outcome
):
    criteria = f"Inclusion Criteria:\n\n* Measurable disease\n\nExclusion Criteria:\n\n* {item}\n"
    trial = _trial(conditions=["Non-small Cell Lung Cancer"], criteria=criteria)
    tags = tag_trial(trial)
    profile = _profile(
        diagnosis="lung adenocarcinoma", setting=["relapsed", "refractory"], **history
    )
    checks = [c for c in prescreen(trial, tags, profile).checks if c.rule == "disease-setting"]
    assert [c.outcome for c in checks] == [outcome], [c.reason for c in checks]
    if outcome == UNKNOWN:
        assert "it speaks of cancer that grew on or after" in checks[0].reason


def test_a_history_shorter_than_its_lines_of_treatment_rules_nothing_out_by_what_it_leaves_out():
    # NCT05572515 ("... including an anti-CD38 monoclonal antibody ... and lenalidomide") told a
    # profile of two lines listing lenalidomide only "Not for you", and "Could fit" without it.
    required = "Received 1 to 3 prior lines including an anti-CD38 antibody and lenalidomide"
    trial = _trial(
        conditions=["Multiple Myeloma"],
        criteria=f"Inclusion:\n* {required}\nExclusion:\n* Prior pomalidomide",
    )

    def checks(treatments: list[str], lines: int) -> dict[str, Check]:
        history = {"prior_lines": lines, "prior_treatments": treatments}
        fit = prescreen(trial, tag_trial(trial), _profile(diagnosis="myeloma", **history))
        return {c.rule: c for c in fit.checks if c.rule.startswith("prior-therapy")}

    partial = checks(["lenalidomide"], 2)
    assert {r: c.outcome for r, c in partial.items()} == {
        "prior-therapy-required": UNKNOWN,
        "prior-therapy-excluded": UNKNOWN,
    }
    assert partial["prior-therapy-required"].reason.endswith(
        "the profile lists fewer treatments than its 2 lines of treatment, so whether you had it,"
        " it does not say."
    )
    # as many treatments as lines: the list is taken as whole
    whole = checks(["lenalidomide", "bortezomib"], 2)
    assert whole["prior-therapy-required"].outcome == FAIL
    assert whole["prior-therapy-excluded"].outcome == PASS


@pytest.mark.parametrize(
    ("setting", "outcome"),
    [
        # NCT05519085 passed a myeloma that never responded (refractory to every drug of its one
        # line) on "achieved minimal response [MR] or better to at least 1 prior antimyeloma
        # therapy", as if it asked for one line only
        (["refractory"], UNKNOWN),
        # cancer that relapsed came back after it responded
        (["relapsed"], PASS),
    ],
)
def test_lines_the_cancer_must_have_responded_to_are_asked_of_cancer_that_never_relapsed(
    setting, outcome
):
    item = (
        "Participants achieved minimal response [MR] or better to at least 1 prior antimyeloma"
        " therapy"
    )
    trial = _trial(conditions=["Multiple Myeloma"], criteria=f"Inclusion Criteria:\n\n* {item}\n")
    tags = tag_trial(trial)
    assert [r.rule for r in tags.requirements if r.kind == "prior-lines"] == ["at-least"]
    profile = _profile(diagnosis="multiple myeloma", setting=setting, prior_lines=1)
    (lines,) = [c for c in prescreen(trial, tags, profile).checks if c.rule == "prior-lines"]
    assert lines.outcome == outcome, lines.reason
    if outcome == UNKNOWN:
        assert lines.question == (
            "Ask whether your cancer responded to your earlier treatment as this trial asks."
        )


@pytest.mark.parametrize(
    ("history", "outcome"),
    [
        # NCT06256588 ("completed cisplatin plus radiotherapy") told a laryngeal cancer treated
        # with "chemoradiation with weekly cisplatin" "Not for you": the cisplatin was dropped
        (["chemoradiation with weekly cisplatin"], PASS),
        (["carbo/taxol"], FAIL),
        # an entry partly read leaves what it may hold unknown
        (["FLOXOX + bev"], UNKNOWN),
    ],
)
def test_every_drug_of_a_history_entry_counts(history, outcome):
    trial = _trial(
        conditions=["Head and Neck Cancer"],
        criteria="Inclusion Criteria:\n\n* Completed cisplatin plus radiotherapy (CRT)\n",
    )
    tags = tag_trial(trial)
    profile = _profile(diagnosis="laryngeal cancer", prior_treatments=history)
    (required,) = [
        c for c in prescreen(trial, tags, profile).checks if c.rule == "prior-therapy-required"
    ]
    assert required.outcome == outcome, required.reason


def test_a_setting_ruled_out_by_words_of_untreated_cancer_is_said_as_such():
    # NCT06760637 ("Previously untreated with any systemic anticancer therapy for their locally
    # advanced or metastatic disease") told a profile that never said "refractory" or
    # "resistant": "The trial does not take cancer that is refractory or resistant"
    item = (
        "Previously untreated with any systemic anticancer therapy for their locally advanced or"
        " metastatic disease"
    )
    requirement = Requirement("disease-setting", "none-of", ("refractory", "resistant"), item)
    profile = _profile(setting=["metastatic", "progressive"], prior_lines=2)
    check = check_requirement(requirement, profile)
    assert check is not None and check.outcome == FAIL
    assert check.reason.startswith(
        "The trial is for cancer not treated before, in the way a criterion says; the profile"
    )


@pytest.mark.parametrize(
    "item",
    [
        "Have not received any prior systemic anti-cancer therapy for metastatic NSCLC",
        "Unresectable, previously untreated, locally advanced or metastatic BTC.",
    ],
)
@pytest.mark.parametrize(
    "setting, lines, outcome",
    [
        # came back or grew after surgery and adjuvant treatment: no line for advanced disease
        (["metastatic", "relapsed"], 0, PASS),
        (["metastatic", "progressed"], 0, PASS),
        # came back, lines not given: it may not have been treated since
        (["relapsed"], None, UNKNOWN),
        # treated for advanced disease
        (["metastatic", "relapsed"], 1, FAIL),
        (["refractory"], None, FAIL),
    ],
)
def test_untreated_for_advanced_disease_takes_a_cancer_that_came_back_after_early_treatment(
    item, setting, lines, outcome
):
    # NCT06348199 told a woman whose lung cancer came back after surgery and adjuvant
    # chemotherapy, with nothing yet for the metastases: "Not for you"
    requirement = Requirement("disease-setting", "none-of", ("refractory", "resistant"), item)
    facts = {"setting": setting} if lines is None else {"setting": setting, "prior_lines": lines}
    check = check_requirement(requirement, _profile(**facts))
    assert check is not None
    assert check.outcome == outcome, check.reason


@pytest.mark.parametrize(
    "kind, values, criterion, markers, outcome",
    [
        # a HER2 mutation is no HER2 protein: NCT05501886 told a woman with HER2 IHC 1+ and an
        # ERBB2 L755S mutation "The trial does not take cancer with HER2"
        (
            "biomarker-excluded",
            ("HER2",),
            "Documented HER2 immunohistochemistry (IHC) negative as per ASCO-CAP 2018 guidance",
            ["HER2 IHC 1+", "ERBB2 L755S mutation"],
            PASS,
        ),
        # ... nor when the criterion says HER2- only (ASCO/CAP: protein or copies)
        ("biomarker-excluded", ("HER2",), "HR+/ HER2- breast cancer", ["HER2 mutation"], UNKNOWN),
        ("biomarker-excluded", ("HER2",), "HR+/ HER2- breast cancer", ["HER2 3+"], FAIL),
        # EGFR amplification is no sensitizing EGFR mutation (NCT05984277)
        (
            "biomarker-excluded",
            ("EGFR", "ALK", "ROS1"),
            "Absence of sensitizing EGFR mutations and ALK and ROS1 rearrangements.",
            ["EGFR amplification", "ALK negative", "ROS1 negative"],
            UNKNOWN,
        ),
        (
            "biomarker-excluded",
            ("EGFR", "ALK", "ROS1"),
            "Absence of sensitizing EGFR mutations and ALK and ROS1 rearrangements.",
            ["EGFR L858R", "ALK negative", "ROS1 negative"],
            FAIL,
        ),
        # MET amplification is no MET exon 14 skipping; HER2 amplification no HER2 mutation
        ("biomarker-required", ("MET",), "MET exon 14 skipping mutation", ["MET amplification"],
         UNKNOWN),
        ("biomarker-required", ("HER2",), "HER2 mutation in exons 19 or 20",
         ["HER2 amplification"], UNKNOWN),
        # words of another marker's change are not this one's: "rearrangement" is ALK's
        (
            "biomarker-excluded",
            ("EGFR", "ALK"),
            "NSCLC with confirmed EGFR wild-type and ALK rearrangement negative",
            ["EGFR exon 19 deletion"],
            FAIL,
        ),
        # the names of tests are no kinds: FISH and IHC find ALK and ROS1 fusions
        ("biomarker-excluded", ("ALK", "ROS1"),
         "Absence of sensitizing EGFR mutations and ALK and ROS1 rearrangements.",
         ["ROS1 positive by FISH", "ALK negative"], FAIL),
        # criteria say "mutation" of rearrangements too
        ("biomarker-excluded", ("ALK",), "Participants with ALK mutations",
         ["ALK rearrangement"], FAIL),
        # a kind the criterion denies is none it asks about ("no germline mutation")
        ("biomarker-excluded", ("HER2",), "HER2-positive, and no germline mutation",
         ["HER2 V777L", "HER2 IHC 0"], PASS),
        # kinds stand for each other in some markers only: not MET amplification for MET
        # overexpression; a fusion found by FISH for "ALK mutations"
        ("biomarker-required", ("MET",), "MET overexpression (IHC 3+)", ["MET amplification"],
         UNKNOWN),
        ("biomarker-excluded", ("ALK",), "Participants with ALK mutations",
         ["ALK positive by FISH"], FAIL),
        # HER2 amplified answers "IHC 3+ or ISH positive", not "IHC 3+" alone (NCT04482309)
        ("biomarker-required", ("HER2",), "Advanced solid tumors that are HER2 IHC 3+",
         ["HER2 amplified by NGS"], UNKNOWN),
        ("biomarker-required", ("HER2",), "HER2-positive (IHC 3+ or ISH positive)",
         ["HER2 amplified"], PASS),
        # a deficiency found by its genomic scar is no mutation of a repair gene
        ("biomarker-required", ("HRR",), "Deleterious mutation in an HRR gene",
         ["HRD positive"], UNKNOWN),
        ("biomarker-required", ("HRR",), "HRD-positive tumour (genomic instability score >= 42)",
         ["HRD positive"], PASS),
    ],
)  # fmt: skip
def test_a_result_of_another_kind_of_change_says_nothing_of_the_criterions(
    kind, values, criterion, markers, outcome
):
    requirement = Requirement(kind, "any-of", values, criterion)
    check = check_requirement(requirement, _profile(biomarkers=markers))
    assert check is not None
    assert check.outcome == outcome, check.reason


def test_untreated_for_advanced_disease_asks_a_profile_with_earlier_medicines():
    # adjuvant treatment ended how long ago, such trials often limit ("> 6 months between the
    # end of adjuvant treatment and the diagnosis", NCT06467357): asked, not passed
    item = "Unresectable, previously untreated, locally advanced or metastatic BTC."
    requirement = Requirement("disease-setting", "none-of", ("refractory", "resistant"), item)
    profile = _profile(setting=["progressed"], prior_lines=0, prior_treatments=["capecitabine"])
    check = check_requirement(requirement, profile)
    assert check is not None and check.outcome == UNKNOWN
    assert "whether your earlier treatment (capecitabine) counts" in check.reason
    radiotherapy = _profile(setting=["relapsed"], prior_lines=0, prior_treatments=["SBRT"])
    passed = check_requirement(requirement, radiotherapy)
    assert passed is not None and passed.outcome == PASS


def test_a_tissue_type_the_record_does_not_name_is_asked_whatever_the_profiles_type():
    # NCT05438667 ("matching HLA subtypes") said "Could fit" to HLA-A11, HLA-B07, any type
    requirement = Requirement(
        "biomarker-required", "any-of", ("HLA",), "KRAS G12V or G12D with matching HLA subtypes"
    )
    check = check_requirement(requirement, _profile(biomarkers=["HLA-A11 positive"]))
    assert check is not None
    assert check.outcome == UNKNOWN
    assert "whether it matches the treatment" in check.reason


def test_treatment_naive_without_a_stage_still_rules_out_treated_cancer():
    requirement = Requirement(
        "disease-setting", "none-of", ("refractory", "resistant"), "Treatment naïve"
    )
    check = check_requirement(requirement, _profile(setting=["refractory"], prior_lines=0))
    assert check is not None and check.outcome == FAIL


@pytest.mark.parametrize(
    ("history", "ending"),
    [
        (["stem cell transplant"], "the profile lists stem cell transplant without saying whether"
         " the cells were your own or a donor's."),
        (["VRd", "DKx-9"], "the profile names DKx-9, which trialfinder does not know."),
    ],
)  # fmt: skip
def test_a_transplant_check_left_unknown_says_why(history, ending):
    # it said "the profile does not list your treatments" of a profile that lists them
    requirement = Requirement(
        "transplant", "prior-excluded", ("allogeneic",), "Prior allogeneic transplant", "exclusion"
    )
    check = check_requirement(requirement, _profile(prior_treatments=history))
    assert check is not None and check.outcome == UNKNOWN
    assert check.reason.endswith(ending), check.reason


def test_the_profiles_own_settings_win_over_a_history_its_diagnosis_names():
    # "ER+ early breast cancer in 2019, 3 years after surgery now with bone mets" with setting
    # metastatic: the early stage the diagnosis names cancelled the metastatic fail, and
    # NCT05514054 ("without evidence of distant metastasis") said "Could fit"
    requirement = Requirement(
        "disease-setting", "any-of", ("non-metastatic",), "without evidence of distant metastasis"
    )
    profile = _profile(
        diagnosis="ER+ early breast cancer in 2019, 3 years after surgery now with bone mets",
        setting=["metastatic"],
    )
    check = check_requirement(requirement, profile)
    assert check is not None and check.outcome == FAIL, check.reason


def test_a_run_of_hyphens_after_confirmed_reads_in_no_time():
    # "Histologically confirmed " + 80 hyphens + " melanoma" took minutes: two patterns that
    # both took "-" in one repeated group
    item = "Histologically confirmed " + "-" * 5000 + " melanoma"
    trial = _trial(conditions=["Pancreatic Cancer"], title="Drug X", criteria=f"* {item}")
    assert check_disease(trial, _profile(diagnosis="breast cancer")).outcome == FAIL


def test_a_title_check_says_what_the_profile_says_of_its_course_from_its_diagnosis_too():
    # "the profile says yours is ; whether the trial takes it, its criteria say": the settings
    # came from the diagnosis ("newly diagnosed multiple myeloma"), none were written
    trial = _trial(conditions=["Relapsed/Refractory Multiple Myeloma"], criteria="* ECOG 0-2")
    profile = _profile(diagnosis="newly diagnosed multiple myeloma")
    (asked,) = [c for c in prescreen(trial, tag_trial(trial), profile).checks
                if c.rule == "disease-setting"]  # fmt: skip
    assert "the profile says yours is newly diagnosed;" in asked.reason, asked.reason


def test_a_partial_history_leaves_refractory_and_transplant_checks_unknown():
    # one line of treatment said, none listed that could answer: not "never had it"
    refractory = Requirement(
        "refractory-required", "any-of", ("lenalidomide",), "Refractory to len"
    )
    transplant = Requirement("transplant", "prior-required", ("autologous",), "Prior ASCT")
    profile = _profile(prior_lines=2, prior_treatments=["bortezomib"])
    for requirement in (refractory, transplant):
        check = check_requirement(requirement, profile)
        assert check is not None and check.outcome == UNKNOWN, check.reason
    reason = check_requirement(transplant, profile).reason
    assert reason.endswith("fewer treatments than its 2 lines of treatment, so whether you had one,"
                           " it does not say.")  # fmt: skip
    one = _profile(prior_lines=1, prior_treatments=[])
    requirement = Requirement("prior-therapy-required", "any-of", ("lenalidomide",), "Prior len")
    assert "its 1 line of treatment," in check_requirement(requirement, one).reason


# -- pregnancy, breastfeeding -----------------------------------------------------------------


def test_pregnancy_is_checked_only_of_a_profile_that_speaks_of_it():
    # A pregnant woman was told "Could fit ... nothing in the profile rules you out" by trials
    # whose criteria say "Pregnant or lactating" (NCT03256916): the profile had no way to say it
    trial = _trial(
        conditions=["Cervical Cancer"],
        criteria="Inclusion Criteria:\n\n* Cervical cancer\n\nExclusion Criteria:\n\n"
        "* Pregnant or lactating",
    )
    tags = tag_trial(trial)
    asked = {
        "pregnant": {"sex": "female", "diagnosis": "cervical cancer, currently 20 weeks pregnant"},
        "said not": {"sex": "female", "diagnosis": "cervical cancer", "pregnant": False,
                     "breastfeeding": False},
        "silent": {"sex": "female", "diagnosis": "cervical cancer"},
        "a man": {"sex": "male", "diagnosis": "cervical cancer", "pregnant": True},
    }  # fmt: skip
    outcomes = {
        who: [c.outcome for c in prescreen(trial, tags, profile_from_table(facts)).checks
              if c.rule == "pregnancy"]
        for who, facts in asked.items()
    }  # fmt: skip
    assert outcomes == {"pregnant": [FAIL], "said not": [PASS], "silent": [], "a man": []}
    fit = prescreen(trial, tags, profile_from_table(asked["pregnant"]))
    assert fit.fit == EXCLUDED
    assert "does not take people who are pregnant or breastfeeding" in fit.reason


def test_another_cancer_besides_the_trial_s_is_asked_of_a_profile_naming_two():
    # NCT05607199 ("Previous or concomitant additional malignancy, except ...") said "Could fit"
    # to MDS with a prostate cancer under watch: the profile named both
    criteria = (
        "Inclusion Criteria:\n\n* Myelodysplastic syndrome\n\nExclusion Criteria:\n\n"
        "* Previous or concomitant additional malignancy, except for basal-cell carcinoma of the"
        " skin"
    )
    trial = _trial(conditions=["Myelodysplastic Syndromes"], criteria=criteria)
    tags = tag_trial(trial)

    def fit(diagnosis: str):
        return prescreen(trial, tags, _profile(diagnosis=diagnosis))

    both = fit("MDS, higher risk; prostate cancer on active surveillance")
    assert both.fit == CHECK
    asked = [c for c in both.checks if c.asks == "other-cancer"]
    assert [c.outcome for c in asked] == [UNKNOWN]
    assert "myelodysplastic syndrome and prostate cancer" in asked[0].reason
    # one cancer, one written two ways, two kinds of one, or a cancer of the past: nothing asked
    for diagnosis in (
        "MDS, higher risk",
        "relapsed MDS; breast cancer 2012, NED",
        "small cell lung cancer (neuroendocrine carcinoma of the lung)",
        "follicular lymphoma; now DLBCL",
    ):
        assert not [c for c in fit(diagnosis).checks if c.asks == "other-cancer"], diagnosis
    # nor of an exclusion that is of other treatment, trials or illness
    for item in (
        "Concurrent treatment with any other anti-cancer therapy",
        "Participation in another clinical trial with an investigational cancer drug",
        "Other serious illness including cancer-related pain",
    ):
        other = _trial(
            conditions=["Myelodysplastic Syndromes"],
            criteria=f"Inclusion Criteria:\n\n* MDS\n\nExclusion Criteria:\n\n* {item}",
        )
        checks = prescreen(
            other, tag_trial(other), _profile(diagnosis="MDS; prostate cancer")
        ).checks
        assert not [c for c in checks if c.asks == "other-cancer"], item


def test_a_cancer_metastatic_from_the_start_is_not_newly_diagnosed_after_treatment():
    # "de novo metastatic" was read as newly diagnosed: after three lines the patient failed
    # every trial for progressing disease ("the profile says yours is newly diagnosed,
    # metastatic and treated with 3 lines of treatment")
    profile = profile_from_table(
        {"diagnosis": "de novo metastatic breast cancer", "setting": ["de novo", "metastatic"],
         "prior_lines": 3}
    )  # fmt: skip
    requirement = Requirement(
        "disease-setting",
        "any-of",
        ("refractory",),
        "Radiographic progression on endocrine therapy",
    )
    check = check_requirement(requirement, profile)
    assert check is not None and check.outcome != FAIL, check.reason
    assert "newly diagnosed" not in check.reason
    treated = Requirement(
        "disease-setting", "any-of", ("previously-treated",), "Must have received two lines"
    )
    check = check_requirement(treated, profile)
    assert check is not None and "the profile says yours is de novo, metastatic" in check.reason
