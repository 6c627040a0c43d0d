"""The command line and the tags: search filters, records, CSV, show and categories."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner
from spec_check import check_request, spec_available

from trialfinder.cli import cli
from trialfinder.criteria import SearchCriteria
from trialfinder.knowledge import load_toml
from trialfinder.model import parse_study
from trialfinder.pipeline import TagFilter, build_results, to_record
from trialfinder.request import SearchRequest
from trialfinder.search import SearchRun
from trialfinder.sources.base import SearchResults
from trialfinder.tagging import CATEGORIES

from factories import make_study


def car_t_trial(nct_id: str) -> dict:
    return make_study(
        nct_id=nct_id,
        title="Ciltacabtagene Autoleucel in Relapsed or Refractory Multiple Myeloma",
        interventions=[
            {
                "type": "BIOLOGICAL",
                "name": "Ciltacabtagene autoleucel",
                "armGroupLabels": ["Cilta-cel"],
            }
        ],
        arm_groups=[
            {
                "label": "Cilta-cel",
                "type": "EXPERIMENTAL",
                "interventionNames": ["Biological: Ciltacabtagene autoleucel"],
            }
        ],
    )


def kras_trial(nct_id: str) -> dict:
    return make_study(
        nct_id=nct_id,
        title="Adagrasib in Refractory KRAS G12C Non-small Cell Lung Cancer",
        conditions=["Non-small Cell Lung Cancer"],
        interventions=[{"type": "DRUG", "name": "Adagrasib", "armGroupLabels": ["Adagrasib"]}],
        arm_groups=[
            {"label": "Adagrasib", "type": "EXPERIMENTAL", "interventionNames": ["Drug: Adagrasib"]}
        ],
        criteria="Inclusion Criteria:\n\n* KRAS G12C mutation\n\nExclusion Criteria:\n\n* None",
    )


def plain_trial(nct_id: str) -> dict:
    return make_study(nct_id=nct_id)  # teclistamab: immunotherapy, relapsed/refractory


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_category_filter_keeps_matching_trials_and_reports_the_rest(fake_api):
    fake_api.studies = [
        plain_trial("NCT01000001"),
        car_t_trial("NCT01000002"),
        kras_trial("NCT01000003"),
    ]
    result = run("search", "--category", "car-t", "--format", "ndjson")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["nct_id"] for r in records] == ["NCT01000002"]
    assert records[0]["categories"] == ["immunotherapy", "car-t"]
    assert "2 of 3 fetched trials did not match --category car-t" in result.stderr


def test_the_limit_counts_trials_shown_after_local_filtering(fake_api):
    studies = [plain_trial(f"NCT0100{n:04d}") for n in range(1, 6)]
    studies += [car_t_trial(f"NCT0200{n:04d}") for n in range(1, 4)]
    fake_api.studies = studies
    result = run("search", "--category", "CAR-T", "--limit", "2", "--format", "json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert [r["nct_id"] for r in shown] == ["NCT02000001", "NCT02000002"]
    # the registry was asked without the user's limit, so filtering could find enough
    assert all(
        "pageSize" in r.params and int(r.params["pageSize"]) >= 100 for r in fake_api.requests
    )
    assert "5 of 7 fetched trials did not match" in result.stderr
    assert "2 shown after the local filters" in result.stderr
    if spec_available():
        for request in fake_api.requests:
            check_request(f"{fake_api.url}{request.path}?{urlencode(request.params)}")


def test_biomarker_filter(fake_api):
    fake_api.studies = [plain_trial("NCT01000001"), kras_trial("NCT01000003")]
    result = run("search", "--biomarker", "kras", "--format", "ndjson")
    assert result.exit_code == 0, result.output
    [record] = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["nct_id"] == "NCT01000003"
    assert record["biomarkers"] == ["KRAS G12C"]
    assert any(e["kind"] == "biomarker" for e in record["evidence"])


def test_a_setting_given_is_confirmed_with_the_tags(fake_api):
    resistant = make_study(
        nct_id="NCT01000009",
        title="Drug X in Metastatic Castration-Resistant Prostate Cancer",
        conditions=["Prostate Cancer"],
        criteria="Inclusion Criteria:\n\n* Adults\n",
    )
    fake_api.studies = [plain_trial("NCT01000001"), resistant]
    result = run("search", "--setting", "resistant", "--format", "ndjson")
    assert [json.loads(x)["nct_id"] for x in result.stdout.splitlines()] == ["NCT01000009"]
    assert (
        "1 of 2 fetched trials was left out: its record does not say the disease is "
        "resistant (use --setting any to see it)"
    ) in result.stderr


def not_treated_before() -> list[dict]:
    """Trials for disease not treated before, that a word search can still find."""
    return [
        make_study(
            nct_id="NCT04000001",
            title="Drug A for Newly Diagnosed Multiple Myeloma",
            criteria="Inclusion Criteria:\n\n* Newly diagnosed myeloma, no prior therapy\n",
        ),
        make_study(
            nct_id="NCT04000002",
            title="Adjuvant Drug B After Surgery for Stage II Colon Cancer",
            conditions=["Colon Cancer"],
            criteria="Inclusion Criteria:\n\n* Complete resection\n* No prior chemotherapy\n",
        ),
        make_study(
            nct_id="NCT04000003",
            title="Drug C in Metastatic Castration-Sensitive Prostate Cancer",
            conditions=["Prostate Cancer"],
            criteria="Inclusion Criteria:\n\n* Metastatic hormone-sensitive prostate cancer\n",
        ),
    ]


def treated_before() -> list[dict]:
    return [
        make_study(
            nct_id="NCT03000001",
            title="Drug D in Refractory Lymphoma",
            criteria="Inclusion Criteria:\n\n* Adults\n",
        ),
        make_study(
            nct_id="NCT03000002",
            title="Drug E in Relapsed Acute Myeloid Leukemia",
            criteria="Inclusion Criteria:\n\n* Adults\n",
        ),
        make_study(
            nct_id="NCT03000003",
            title="Drug F in Platinum-Resistant Ovarian Cancer",
            criteria="Inclusion Criteria:\n\n* Adults\n",
            sex="FEMALE",
        ),
    ]


def test_the_default_is_disease_treated_before_confirmed_with_the_tags(fake_api):
    first_line, kept = not_treated_before(), treated_before()
    fake_api.studies = [first_line[0], kept[0], first_line[1], kept[1], first_line[2], kept[2]]
    result = run("search", "--format", "ndjson")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["nct_id"] for r in records] == ["NCT03000001", "NCT03000002", "NCT03000003"]
    assert [r["setting"] for r in records] == [
        ["refractory"],
        ["relapsed"],
        ["refractory", "resistant"],
    ]
    assert result.stderr.splitlines() == [
        "trialfinder: 3 of 6 fetched trials were left out: their records do not say the disease "
        "was treated before (use --setting any to see them)",
        "trialfinder: 6 trials matched the registry search; 3 shown after the local filters.",
    ]
    # The registry was asked for the words of all three settings.
    query = fake_api.studies_requests()[0].params["query.term"]
    for setting in ("refractory", "relapsed", "resistant"):
        for phrase in load_toml("settings.toml")[setting]["search_terms"]:
            assert f'"{phrase}"' in query


def test_setting_any_shows_every_trial_and_confirms_nothing(fake_api):
    fake_api.studies = [*not_treated_before(), *treated_before()]
    result = run("search", "--setting", "any", "--format", "ndjson")
    assert len(result.stdout.splitlines()) == 6
    assert "left out" not in result.stderr
    assert "6 trials matched; 6 shown." in result.stderr
    assert "query.term" not in fake_api.studies_requests()[0].params


def test_trials_listed_by_id_are_not_confirmed_unless_a_setting_is_given(fake_api, tmp_path):
    fake_api.studies = [*not_treated_before(), *treated_before()]
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text("NCT04000001\nNCT03000002\n", encoding="utf-8")
    listed = run("search", "--ids-file", str(ids_file), "--format", "ndjson")
    shown = sorted(json.loads(x)["nct_id"] for x in listed.stdout.splitlines())
    assert shown == ["NCT03000002", "NCT04000001"]
    assert "left out" not in listed.stderr
    args = ["search", "--ids-file", str(ids_file), "--setting", "relapsed", "--format", "ndjson"]
    relapsed = run(*args)
    assert [json.loads(x)["nct_id"] for x in relapsed.stdout.splitlines()] == ["NCT03000002"]
    assert "its record does not say the disease is relapsed" in relapsed.stderr


def test_the_settings_line_comes_first_and_the_other_filters_count_the_rest(fake_api):
    fake_api.studies = [
        *not_treated_before(),
        car_t_trial("NCT01000002"),
        plain_trial("NCT01000001"),
    ]
    result = run("search", "--category", "car-t", "--format", "ndjson")
    assert [json.loads(x)["nct_id"] for x in result.stdout.splitlines()] == ["NCT01000002"]
    lines = result.stderr.splitlines()
    assert lines[0].startswith("trialfinder: 3 of 5 fetched trials were left out: their records")
    assert lines[1] == (
        "trialfinder: 1 of the other 2 did not match --category car-t and was left out"
    )


def test_without_local_filters_nothing_is_left_out(fake_api):
    fake_api.studies = [plain_trial("NCT01000001"), car_t_trial("NCT01000002")]
    result = run("search", "--setting", "any", "--format", "ndjson", "--limit", "1")
    assert len(result.stdout.splitlines()) == 1
    assert "left out" not in result.stderr
    assert fake_api.requests[0].params["pageSize"] == "1"


@pytest.mark.parametrize("typed", ["KRASS", "HER3", "G12C"])
def test_unknown_biomarker_is_a_usage_error_before_any_request(fake_api, typed):
    result = run("search", "--biomarker", typed)
    assert result.exit_code == 2
    assert f"unknown biomarker '{typed}'" in result.stderr
    assert "KRAS" in result.stderr  # the known ones are listed
    assert fake_api.requests == []


@pytest.mark.parametrize(
    "typed", ["kras", "KRAS G12C", "BRCA1", "HLA-A*02:01", "MSI-H", "erbb2", "ER+", "tmb-high"]
)
def test_biomarker_names_aliases_and_variants_are_accepted(fake_api, typed):
    fake_api.studies = [plain_trial("NCT01000001")]
    result = run("search", "--biomarker", typed, "--format", "ndjson")
    assert result.exit_code == 0, result.output


def test_unknown_category_is_a_usage_error():
    result = run("search", "--category", "magic")
    assert result.exit_code == 2
    assert "car-t" in result.output  # the valid choices are listed


def test_records_carry_the_tag_keys():
    [result] = build_results([parse_study(car_t_trial("NCT01000002"))])
    record = to_record(result)
    assert record["categories"] == ["immunotherapy", "car-t"]
    assert record["setting"] == ["refractory", "relapsed"]
    assert record["biomarkers"] == []
    assert {e["tag"] for e in record["evidence"]} >= {"car-t", "immunotherapy", "refractory"}
    assert json.loads(json.dumps(record)) == record


def test_csv_has_readable_tag_and_evidence_columns(fake_api):
    fake_api.studies = [car_t_trial("NCT01000002")]
    result = run("search", "--format", "csv")
    assert result.exit_code == 0, result.output
    [row] = list(csv.DictReader(io.StringIO(result.stdout)))
    assert row["categories"] == "immunotherapy; car-t"
    assert row["setting"] == "refractory; relapsed"
    assert (
        'car-t: "Ciltacabtagene autoleucel" is a CAR T product (intervention name)'
        in row["evidence"]
    )
    assert "{" not in row["evidence"]


class PulledSource:
    """A source whose trials are counted as they are pulled."""

    def __init__(self, studies):
        self.studies = studies
        self.pulled = 0
        self.asked_limit = "unset"

    def _pages(self):
        from trialfinder.sources.base import Page

        for study in self.studies:
            self.pulled += 1
            yield Page(studies=[study], total=len(self.studies) if self.pulled == 1 else None)

    def search(self, criteria, on_progress=None):
        self.asked_limit = criteria.limit
        return SearchResults(pages=self._pages(), limit=criteria.limit)


def test_local_filter_stops_pulling_once_enough_passed():
    plain = [make_study(nct_id=f"NCT0200{n:04d}") for n in range(5)]
    car_t = [car_t_trial(f"NCT0300{n:04d}") for n in range(95)]
    source = PulledSource([*plain, *car_t])
    run = SearchRun(source, SearchRequest(SearchCriteria(), TagFilter(categories=("car-t",)), 3))
    shown = [r.trial.nct_id for r in run]
    assert shown == ["NCT03000000", "NCT03000001", "NCT03000002"]
    assert source.asked_limit is None  # the registry is not limited: the filter counts
    assert source.pulled == 8
    assert (run.seen, run.left_out, run.shown) == (8, 5, 3)
    assert "5 of 8 fetched trials did not match --category car-t" in run.report()[0]
    assert "(use --limit 0 to check them all)" in run.report()[1]


def test_show_prints_tags_with_evidence(fake_api):
    fake_api.studies = [car_t_trial("NCT01000002")]
    text = run("show", "NCT01000002")
    assert text.exit_code == 0, text.output
    assert "How trialfinder tags it" in text.stdout
    assert "Treatment:  immunotherapy, CAR T cell therapy" in text.stdout  # in words
    assert 'car-t: "Ciltacabtagene autoleucel" is a CAR T product' in text.stdout
    as_json = json.loads(run("show", "NCT01000002", "--format", "json").stdout)
    assert as_json["categories"] == ["immunotherapy", "car-t"]
    assert any(e["tag"] == "car-t" and e["kind"] == "category" for e in as_json["evidence"])


def test_categories_command_lists_every_category_with_its_explanation():
    result = run("categories")
    assert result.exit_code == 0
    for name, explanation in CATEGORIES.items():
        assert name in result.stdout
        assert explanation.split()[0] in result.stdout
    items = json.loads(run("categories", "--format", "json").stdout)
    assert [i["name"] for i in items] == list(CATEGORIES)
