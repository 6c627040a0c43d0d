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
from trialfinder.output import age_text, phase_text, status_text
from trialfinder.summary import summarize

from conftest import needs_shared, real_record_paths

pytestmark = needs_shared

PROMISES = re.compile(
    r"\b(cures?|cured|curing|guarantee[sd]?|proven|breakthrough|miracle|"
    r"will (?:help|work|cure|shrink|heal)|is effective|works well)\b",
    re.IGNORECASE,
)


@pytest.fixture(scope="module", params=["without tags", "with tags"])
def summaries(request) -> list[tuple[dict, str, str]]:
    """(raw record, its JSON text, its summary) for every real record, with and without tags."""
    tag_trial = None
    if request.param == "with tags":
        tag_trial = pytest.importorskip("trialfinder.tagging", reason="no tagging yet").tag_trial
    result = []
    for path in real_record_paths():
        text = path.read_text(encoding="utf-8")
        raw = json.loads(text)
        trial = parse_study(raw)
        tags = tag_trial(trial) if tag_trial else None
        result.append((raw, text, summarize(trial, tags=tags)))
    assert len(result) >= 200
    return result


def experimental_names(raw: dict) -> list[str]:
    """Interventions of EXPERIMENTAL arms; every intervention when no arm is experimental."""
    module = raw["protocolSection"].get("armsInterventionsModule", {})
    interventions = [i for i in module.get("interventions", []) if i.get("name", "").strip()]
    arms = [a for a in module.get("armGroups", []) if a.get("type") == "EXPERIMENTAL"]
    if not arms:
        return [i["name"].strip() for i in interventions]
    labels = {a["label"] for a in arms}
    by_arm = {
        n.split(":", 1)[-1].strip().lower() for a in arms for n in a.get("interventionNames", [])
    }
    return [
        i["name"].strip()
        for i in interventions
        if labels & set(i.get("armGroupLabels", [])) or i["name"].strip().lower() in by_arm
    ]


def test_every_summary_keeps_the_key_facts(summaries):
    for raw, _, summary in summaries:
        trial = parse_study(raw)
        assert trial.nct_id in summary
        for name in experimental_names(raw):
            assert f'"{" ".join(name.split())}"' in summary, (trial.nct_id, name)
        assert phase_text(trial.phases).lower() in summary, trial.nct_id
        if trial.overall_status:
            assert f'"{status_text(trial.overall_status).lower()}"' in summary, trial.nct_id
        assert age_text(trial) in summary, trial.nct_id
        assert trial.url in summary


def test_no_number_is_made_up(summaries):
    """Every number a summary says is in its record, or counts the record's sites/countries."""
    for raw, text, summary in summaries:
        trial = parse_study(raw)
        allowed = set(re.findall(r"\d+", text))
        allowed |= {str(len(trial.sites)), str(len({s.country for s in trial.sites if s.country}))}
        made_up = set(re.findall(r"\d+", summary)) - allowed
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
            assert term.sentence in line_rest, (raw["protocolSection"]["identificationModule"],
                                                term.name)  # fmt: skip
            assert summary.count(term.sentence) == 1
    # the summaries really do keep some jargon, so the check above is not vacuous
    assert {"phase", "placebo", "refractory", "metastasis"} <= used


def test_reading_level(summaries):
    textstat = pytest.importorskip("textstat", reason="textstat (the `test` extra) is needed")
    grades = [textstat.flesch_kincaid_grade(summary) for _, _, summary in summaries]
    share_at_most_8 = sum(g <= 8 for g in grades) / len(grades)
    assert share_at_most_8 >= 0.95, share_at_most_8
    assert statistics.mean(grades) <= 7, statistics.mean(grades)
