"""The published benchmarks' script: free-text patients made profiles, the benchmarks' files
read, labelled pairs scored. The benchmarks' data is not here: small folders of the same
layout are made up for the tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from published_eval import nih_trialbench, profile_from_text, score, trec


@pytest.mark.parametrize(
    ("note", "age", "sex", "diseases", "ecog", "setting"),
    [
        (
            "58 yo F with metastatic triple negative breast cancer. Mother with ovarian cancer.\n"
            "ECOG 1.",
            58,
            "female",
            ("triple-negative breast cancer",),
            1,
            ("metastatic",),
        ),
        (
            "This is a 63-year-old gentleman with stage IIIA lung adenocarcinoma; CT negative for "
            "metastatic disease. Performance Status: ECOG: 0-Fully active",
            63,
            "male",
            ("lung adenocarcinoma",),
            0,
            None,
        ),
        # a relative's cancer is not the patient's; spread to lymph nodes is not distant spread
        (
            "47M, 3 positive lymph nodes with metastatic melanoma. Family history: father with "
            "prostate cancer.",
            47,
            "male",
            ("melanoma",),
            None,
            None,
        ),
        ("Age: 75\nShe presents with fatigue.", 75, "female", None, None, None),
    ],
)
def test_a_note_gives_only_the_facts_it_states(note, age, sex, diseases, ecog, setting):
    profile = profile_from_text(note)
    assert profile.age == age
    assert profile.sex == sex
    assert (profile.diagnosis.diseases if profile.diagnosis else None) == diseases
    assert profile.ecog == ecog
    assert profile.setting == setting
    assert profile.prior_treatments is None and profile.biomarkers is None


def _lines(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_trec_topics_judgements_and_corpus_are_scored_both_ways(tmp_path, capsys):
    (tmp_path / "qrels").mkdir()
    _lines(
        tmp_path / "queries.jsonl",
        [
            {"_id": "t1", "text": "A 52-year-old woman with metastatic breast cancer."},
            {"_id": "t2", "text": "A 30-year-old man with a sprained ankle."},
        ],
    )
    (tmp_path / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\nt1\tNCT00000001\t1\nt1\tNCT00000002\t2\n"
        "t2\tNCT00000001\t0\nt1\tNCT00000009\t2\n",
        encoding="utf-8",
    )
    early = {
        "inclusion_criteria": "Stage II or III invasive breast cancer\nAge 18 years or older",
        "exclusion_criteria": "Evidence of distant disease.",
        "diseases_list": ["Breast Cancer"],
    }
    spread = {
        "inclusion_criteria": "Metastatic breast cancer",
        "exclusion_criteria": "Pregnancy",
        "diseases_list": ["Breast Cancer"],
    }
    _lines(
        tmp_path / "corpus.jsonl",
        [
            {"_id": "NCT00000001", "title": "Early breast", "text": "", "metadata": early},
            {"_id": "NCT00000002", "title": "Spread breast", "text": "", "metadata": spread},
        ],
    )
    notes, pairs, trials = trec(tmp_path, records=None)
    figures = score(notes, pairs, trials, errors=False)
    assert "left out: 1 labelled pairs (judged: no trial record)" in capsys.readouterr().out
    judged, everything = figures["judged"], figures["all"]
    assert (judged.tp, judged.fp, judged.fn, judged.tn) == (1, 0, 0, 1)
    # the ankle is not relevant to a breast cancer trial: excluded in the "all" scoring, but
    # the note names no disease the prescreen knows, so it stays unknown
    assert (everything.tp, everything.fp, everything.fn, everything.tn) == (1, 0, 1, 1)
    assert dict(judged.rules) == {"disease-setting": 1}


def test_nih_trialbench_keeps_one_institute_and_maps_the_clinicians_labels(tmp_path):
    _lines(
        tmp_path / "patients.jsonl",
        [
            {"patient_id": "nci-1", "ic": "NCI", "patient_summary": "70 yo M, myeloma. ECOG 3"},
            {"patient_id": "nei-1", "ic": "NEI", "patient_summary": "60 yo F with dry AMD"},
        ],
    )
    _lines(
        tmp_path / "clinician_annotations.jsonl",
        [
            {
                "patient_id": "nci-1",
                "annotations": [
                    {"trial_id": "NCT00000011", "clinician_label": "ineligible"},
                    {"trial_id": "NCT00000012", "clinician_label": "eligible_but_not_recommended"},
                ],
            },
            {
                "patient_id": "nei-1",
                "annotations": [{"trial_id": "NCT00000011", "clinician_label": "recommended"}],
            },
        ],
    )
    (tmp_path / "trials").mkdir()
    for nct_id, criteria in (
        ("NCT00000011", "Inclusion Criteria:\n\n* ECOG performance status 0-1\n"),
        ("NCT00000012", "Inclusion Criteria:\n\n* ECOG performance status 0-3\n"),
    ):
        record = {
            "nctid": nct_id,
            "title": "A myeloma trial",
            "raw_criteria": criteria,
            "minimum_age": "18 Years",
            "maximum_age": "",
            "sex": "ALL",
            "condition": ["Multiple Myeloma"],
            "study_type": "INTERVENTIONAL",
        }
        (tmp_path / "trials" / f"{nct_id}.json").write_text(json.dumps(record), encoding="utf-8")
    notes, pairs, trials = nih_trialbench(tmp_path, records=None, institute="NCI")
    assert set(notes) == {"nci-1"}
    assert [(p.nct_id, p.label) for p in pairs] == [
        ("NCT00000011", "excluded"),
        ("NCT00000012", "eligible"),
    ]
    figures = score(notes, pairs, trials, errors=False)["all"]
    assert (figures.tp, figures.fp, figures.fn, figures.tn) == (1, 0, 0, 1)
    assert figures.possible == 1  # diagnosis known and passing: "possible"
