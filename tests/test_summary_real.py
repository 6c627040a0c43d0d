"""Summaries of all the real records: no fact lost, nothing invented, jargon explained, readable.

These read ../shared/ctgov/records (skipped where it is absent) and check each summary against
its own record, worked out here independently of trialfinder.summary.
"""

from __future__ import annotations

import json
import re
import statistics

import pytest

from trialfinder import glossary
from trialfinder.model import parse_study
from trialfinder.summary import key_rules, said_requirements, summarize
from trialfinder.tagging import tag_trial
from trialfinder.tagging.reader import read_criteria
from trialfinder.wording import phase_text, status_text

from conftest import needs_shared, real_record_paths

pytestmark = needs_shared

PROMISES = re.compile(
    r"\b(cures?|cured|curing|guarantee[sd]?|proven|breakthrough|miracle|"
    r"will (?:help|work|cure|shrink|heal)|is effective|works well)\b",
    re.IGNORECASE,
)


# An intervention that is no treatment, by this test's own words: tests, scans, samples,
# questionnaires, placebo, and entries that name no intervention (an ultrasound that guides a
# placement or injection is a procedure, NCT06370169; methacholine is breathed in to test the
# airways, NCT04912596).
NOT_TREATMENT = re.compile(
    r"placebo|\bsham\b|questionnaire|survey|quality[- ]of[- ]life|biospecimen|specimen|biopsy"
    r"|imaging|tomography|\bMRI\b|magnetic resonance|\bPET\b|\bCT\b|\bscan"
    r"|(?<!under )(?<!by )ultrasound(?![- ]?(?:guided )?(?:placement|injection))"
    r"|assessment|analysis|laborator|sequencing|\bassay|\btests?\b|screening|observation"
    r"|echocardiog|monitoring|no intervention|pharmacogenomic|examination|frozen section"
    r"|methacholine",
    re.IGNORECASE,
)
COMPARATOR_ARMS = {"ACTIVE_COMPARATOR", "PLACEBO_COMPARATOR", "SHAM_COMPARATOR", "NO_INTERVENTION"}


def test_every_rule_a_summary_says_is_one_of_its_requirements():
    """The rules of a summary are the sentences of the requirements the tagging read, in order
    (each followed at most by glossary explanations): none made up, none from elsewhere."""
    for path in real_record_paths():
        trial = parse_study(json.loads(path.read_text(encoding="utf-8")))
        tags = tag_trial(trial)
        summary = summarize(trial, tags=tags)
        part = summary.partition("What are some key rules?\n")[2].split("\n\n")[0]
        said = [line[2:] for line in part.splitlines() if line.startswith("- ")]
        parts = read_criteria(trial.eligibility.criteria).cohorts
        expected = [rule.text for rule in key_rules(said_requirements(trial, tags), parts)]
        assert len(said) == len(expected), trial.nct_id
        assert all(s.startswith(e) for s, e in zip(said, expected, strict=True)), trial.nct_id


@pytest.fixture(scope="module")
def summaries() -> list[tuple[dict, str, str]]:
    """(raw record, its JSON text, its summary with the record's tags) for every real record."""
    result = []
    for path in real_record_paths():
        text = path.read_text(encoding="utf-8")
        raw = json.loads(text)
        trial = parse_study(raw)
        result.append((raw, text, summarize(trial, tags=tag_trial(trial))))
    assert len(result) >= 200
    return result


def module(raw: dict) -> dict:
    return raw["protocolSection"].get("armsInterventionsModule", {})


def arm_names(raw: dict, arm: dict) -> list[str]:
    """The interventions an arm gives, linked from either side of the record."""
    listed = {n.split(":", 1)[-1].strip().lower() for n in arm.get("interventionNames", [])}
    return [
        i["name"].strip()
        for i in module(raw).get("interventions", [])
        if i.get("name", "").strip()
        and (arm["label"] in i.get("armGroupLabels", []) or i["name"].strip().lower() in listed)
    ]


def experimental_names(raw: dict) -> list[str]:
    """Interventions of EXPERIMENTAL arms; every intervention when no arm is experimental."""
    interventions = [i for i in module(raw).get("interventions", []) if i.get("name", "").strip()]
    arms = [a for a in module(raw).get("armGroups", []) if a.get("type") == "EXPERIMENTAL"]
    if not arms:
        return [i["name"].strip() for i in interventions]
    return list(dict.fromkeys(n for a in arms for n in arm_names(raw, a)))


# A medicine given beside the treatments against their side effects (NCT06305754: "Administered
# as rescue medication per approved product label"): neither tested nor compared.
RESCUE = re.compile(r"rescue medication|pre-?medication", re.IGNORECASE)


def is_treatment(raw: dict, name: str) -> bool:
    items = [i for i in module(raw).get("interventions", []) if i.get("name") == name]
    types = {i.get("type") for i in items}
    rescue = items and all(RESCUE.search(i.get("description", "")) for i in items)
    return not NOT_TREATMENT.search(name) and types != {"DIAGNOSTIC_TEST"} and not rescue


def what_it_tests(summary: str) -> str:
    return summary.split("What does it test?")[1].split("Which step of testing is it?")[0]


def one_line(name: str) -> str:
    """A name as a summary says it: on one line, without a full stop at its end."""
    return " ".join(name.split()).removesuffix(".").rstrip()


# Records whose criteria for everyone allow fewer ages than their age fields, by reading each
# record: the top age the criteria write is one year below the highest age field ("less than
# 18 years" beside "18 Years"), so the line says "under" the field's age; NCT06201611's fields
# ("up to 18 Years") and criteria (">= 18 years") leave no age between them.
AGE_LINES = {
    "NCT03633708": "People aged under 18 years can join.",  # "less than 18 years"
    "NCT05594173": "People aged 18 years to under 60 years can join.",  # "under age 60"
    "NCT05994521": "People aged 18 years to under 85 years can join.",  # excluded: "≥ 85"
    "NCT02682511": "People aged 18 years to under 80 years can join.",  # excluded: ">= 80"
    "NCT03118986": "People aged 30 months to under 18 years can join.",  # "2.5 to < 18 years"
    "NCT04474964": "People aged 3 years to under 16 years can join.",  # "less than 16 years"
    "NCT04861558": "People aged 18 years to under 79 years can join.",  # "≤78 years old"
    "NCT06630793": "People aged 18 years to under 80 years can join.",  # "< 80 years"
    "NCT06201611": "The record gives ages that do not agree.",
    # "18 Months" in its field, "Pediatric Patients (<18 years)" among its exclusions.
    "NCT06370169": "The record gives ages that do not agree.",
    # No age field; "Standard risk 1: Patients must be < 11 years of age" (and 11 to 24 for
    # standard risk 2): not "People of any age can join".
    "NCT03067181": "The record gives no ages of its own, but its rules set age limits.",
}


def age_line(summary: str) -> str:
    """The summary's sentence on ages."""
    for sentence in re.split(r"(?<=[.?!])\s+|\n", summary):
        if sentence.startswith("People aged") or "ages that do not agree" in sentence:
            return sentence
        if "no ages of its own" in sentence or "does not give clear ages" in sentence:
            return sentence
        if sentence.startswith("People of any age"):
            return sentence
    raise AssertionError("no age sentence")


def fields_age_line(raw: dict) -> str:
    """The age sentence from the record's age fields alone."""
    module = raw["protocolSection"].get("eligibilityModule", {})
    low, high = module.get("minimumAge", "").lower(), module.get("maximumAge", "").lower()
    if not low and not high:
        return "People of any age can join."
    ages = f"{low} to {high}" if low and high else f"{low} and older" if low else f"up to {high}"
    return f"People aged {ages} can join."


def test_every_summary_keeps_the_key_facts(summaries):
    for raw, _, summary in summaries:
        trial = parse_study(raw)
        assert trial.nct_id in summary
        for name in experimental_names(raw):
            if is_treatment(raw, name):
                assert one_line(name) in what_it_tests(summary), (trial.nct_id, name)
        assert phase_text(trial.phases).lower() in summary, trial.nct_id
        if trial.overall_status:
            assert f'"{status_text(trial.overall_status).lower()}"' in summary, trial.nct_id
        assert age_line(summary) == AGE_LINES.get(trial.nct_id, fields_age_line(raw))
        assert trial.url in summary


def test_what_it_tests_lists_no_test_scan_questionnaire_or_placebo(summaries):
    listed_somewhere = 0
    for raw, _, summary in summaries:
        for line in what_it_tests(summary).splitlines():
            if line.startswith('- "'):
                name = line[3:].split('"')[0]
                assert not NOT_TREATMENT.search(name), (
                    raw["protocolSection"]["identificationModule"]["nctId"],
                    line,
                )
                listed_somewhere += 1
        assert "no intervention" not in summary.lower()
    assert listed_somewhere > 300


def test_comparator_arms_are_said_by_their_whole_regimen(summaries):
    """Every treatment of a comparator arm is named where other groups are said; a placebo as
    a placebo."""
    checked = 0
    for raw, _, summary in summaries:
        nct_id = raw["protocolSection"]["identificationModule"]["nctId"]
        arms = module(raw).get("armGroups", [])
        if raw["protocolSection"]["designModule"].get("studyType") == "OBSERVATIONAL" or not any(
            a.get("type") == "EXPERIMENTAL" for a in arms
        ):
            continue
        others = " ".join(
            line for line in what_it_tests(summary).splitlines() if re.search(r" gets? ", line)
        )
        tested = {
            line[3:].split('"')[0].lower()
            for line in what_it_tests(summary).splitlines()
            if line.startswith('- "')
        }
        for arm in arms:
            if arm.get("type") not in COMPARATOR_ARMS:
                continue
            if {one_line(n).lower() for n in arm_names(raw, arm)} == tested:
                continue  # linked only to what is tested: the record does not say what it gives
            for name in arm_names(raw, arm):
                if re.search(r"placebo", name, re.IGNORECASE) and not re.search(
                    r"\+|/|&|\bplus\b|\bwith\b|\band\b|\bcombin", name, re.IGNORECASE
                ):
                    assert "a placebo" in others, (nct_id, name)
                elif is_treatment(raw, name):
                    assert one_line(name) in others, (nct_id, arm["label"], name)
                    checked += 1
    assert checked > 100


def test_no_number_is_made_up(summaries):
    """Every number a summary says is in its record, or counts the record's sites/countries."""
    for raw, text, summary in summaries:
        trial = parse_study(raw)
        allowed = set(re.findall(r"\d+", text))
        allowed |= {str(len(trial.sites)), str(len({s.country for s in trial.sites if s.country}))}
        said = re.sub(r"\d{1,3}(?:,\d{3})+\b", lambda m: m[0].replace(",", ""), summary)
        made_up = set(re.findall(r"\d+", said)) - allowed
        assert not made_up, (trial.nct_id, made_up)


def test_no_promise_of_benefit(summaries):
    for _, text, summary in summaries:
        for match in PROMISES.finditer(summary):
            assert match.group(0).lower() in text.lower(), match.group(0)


def test_every_kept_term_is_explained_at_first_use(summaries):
    used = set()
    for raw, _, summary in summaries:
        seen = set()
        for position, term in glossary.terms_in(summary):
            if term.name in seen:
                continue
            seen.add(term.name)
            used.add(term.name)
            line_end = summary.find("\n", position)
            line_rest = summary[position : line_end if line_end >= 0 else None]
            # (a trial not about cancer says the words of `not_cancer`, where a term has them)
            said = [s for s in (term.sentence, term.not_cancer_sentence) if s in line_rest]
            assert said or not term.not_cancer_sentence, (
                raw["protocolSection"]["identificationModule"], term.name
            )  # fmt: skip
            assert all(summary.count(s) == 1 for s in said)
    # the summaries really do keep some jargon, so the check above is not vacuous
    assert {"phase", "placebo", "refractory", "metastasis"} <= used


def test_reading_level(summaries):
    textstat = pytest.importorskip("textstat", reason="textstat (the `test` extra) is needed")
    grades = [textstat.flesch_kincaid_grade(summary) for _, _, summary in summaries]
    share_at_most_8 = sum(g <= 8 for g in grades) / len(grades)
    assert share_at_most_8 >= 0.95, share_at_most_8
    assert statistics.mean(grades) <= 7, statistics.mean(grades)
