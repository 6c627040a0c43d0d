"""The CLI against a real HTTP server on loopback: the tool's HTTP stack is not mocked."""

import json
import socket
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner
from pytest_socket import SocketBlockedError, SocketConnectBlockedError
from spec_check import check_request, spec_available

from trialfinder.cli import cli

from conftest import needs_shared, real_record_paths
from factories import make_study, many_studies


def test_search_pages_through_a_real_server(fake_api, monkeypatch):
    fake_api.studies = many_studies(2500)
    result = CliRunner().invoke(cli, ["search", "myeloma", "--format", "ndjson", "--limit", "0"])
    assert result.exit_code == 0, result.output
    ids = [json.loads(line)["nct_id"] for line in result.stdout.splitlines()]
    assert ids == [s["protocolSection"]["identificationModule"]["nctId"] for s in fake_api.studies]
    pages = fake_api.studies_requests()
    assert len(pages) == 3
    assert [p.params.get("pageToken") for p in pages] == [None, "t1000", "t2000"]
    assert "2,500 trials matched the registry search; 2,500 shown after the local" in result.stderr
    if spec_available():
        for request in pages:
            check_request(f"{fake_api.url}{request.path}?{urlencode(request.params)}")


def test_show_against_a_real_server(fake_api):
    fake_api.studies = [make_study(nct_id="NCT04000165", title="A real-server trial")]
    result = CliRunner().invoke(cli, ["show", "NCT04000165"])
    assert result.exit_code == 0
    assert "A real-server trial" in result.stdout
    missing = CliRunner().invoke(cli, ["show", "NCT04000166"])
    assert missing.exit_code == 4


def test_a_server_that_is_down_is_a_network_error(fake_api, monkeypatch):
    fake_api.stop()
    result = CliRunner().invoke(cli, ["search"])
    assert result.exit_code == 3
    assert result.stderr.startswith("trialfinder: error: could not reach 127.0.0.1:")


def test_the_internet_is_out_of_reach_in_tests():
    with pytest.raises((SocketBlockedError, SocketConnectBlockedError)):
        socket.create_connection(("93.184.216.34", 80), timeout=1)


def _sex_study(nct_id: str, title: str, condition: str, sex: str | None) -> dict:
    study = make_study(nct_id=nct_id, title=title, conditions=[condition], sex=sex or "ALL")
    if sex is None:
        del study["protocolSection"]["eligibilityModule"]["sex"]
    return study


SEX_STUDIES = [
    _sex_study("NCT05000001", "Drug A in Relapsed Breast Cancer", "Breast Cancer", "FEMALE"),
    _sex_study("NCT05000002", "Drug B in Refractory Lymphoma", "Lymphoma", "ALL"),
    _sex_study(
        "NCT05000003", "Drug C in Platinum-Resistant Ovarian Cancer", "Ovarian Cancer", "FEMALE"
    ),
    _sex_study(
        "NCT05000004", "Drug D in Castration-Resistant Prostate Cancer", "Prostate Cancer", "MALE"
    ),
    _sex_study("NCT05000005", "Drug E in Relapsed Myeloma", "Multiple Myeloma", None),
    _sex_study(
        "NCT05000006", "Drug F in Refractory Endometrial Cancer", "Endometrial Cancer", "FEMALE"
    ),
    _sex_study("NCT05000007", "Drug G in Relapsed Leukemia", "Leukemia", "ALL"),
]


def _ndjson_ids(output: str) -> list[str]:
    return [json.loads(line)["nct_id"] for line in output.splitlines()]


@pytest.mark.parametrize(
    "sex, left_out",
    [
        ("male", {"NCT05000001", "NCT05000003", "NCT05000006"}),
        ("female", {"NCT05000004"}),
    ],
)
def test_the_sex_filter_leaves_out_trials_only_for_the_other_sex(fake_api, sex, left_out):
    fake_api.studies = SEX_STUDIES
    result = CliRunner().invoke(cli, ["search", "--sex", sex, "--format", "ndjson"])
    assert result.exit_code == 0, result.output
    # Every trial for this sex, for all, or not saying, in the registry's order; no other.
    everyone = [s["protocolSection"]["identificationModule"]["nctId"] for s in SEX_STUDIES]
    kept = [nct_id for nct_id in everyone if nct_id not in left_out]
    assert _ndjson_ids(result.stdout) == kept
    assert f"{len(kept)} trials matched the registry search; {len(kept)} shown" in result.stderr
    assert "left out" not in result.stderr  # every trial here says it was treated before
    [request] = fake_api.studies_requests()
    assert 'AREA[Sex]"ALL"' in request.params["filter.advanced"]
    if spec_available():
        check_request(f"{fake_api.url}{request.path}?{urlencode(request.params)}")


@needs_shared
def test_sex_male_on_the_real_records_keeps_every_trial_open_to_men(fake_api):
    studies = [json.loads(path.read_text(encoding="utf-8")) for path in real_record_paths()]
    sex_of = {
        s["protocolSection"]["identificationModule"]["nctId"]: s["protocolSection"]
        .get("eligibilityModule", {})
        .get("sex")
        for s in studies
    }
    assert "FEMALE" in sex_of.values() and "MALE" in sex_of.values()
    fake_api.studies = studies
    args = ["search", "--sex", "male", "--setting", "any", "--format", "ndjson", "--limit", "0"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    shown = _ndjson_ids(result.stdout)
    expected = [nct_id for nct_id, sex in sex_of.items() if sex != "FEMALE"]
    assert sorted(shown) == sorted(expected)
    assert f"{len(expected)} trials matched; {len(expected)} shown." in result.stderr


def test_the_fake_api_reads_only_the_sex_area_of_filter_advanced(fake_api):
    import requests

    fake_api.studies = SEX_STUDIES

    def total(advanced: str) -> int:
        params = {"filter.advanced": advanced, "countTotal": "true", "pageSize": "100"}
        page = requests.get(f"{fake_api.url}/studies", params=params, timeout=5).json()
        assert len(page["studies"]) == page["totalCount"]
        return page["totalCount"]

    assert total("AREA[Sex]ALL") == 7  # the operator: every study
    assert total('AREA[Sex]"ALL"') == 2
    assert total('AREA[Phase]PHASE3 AND (AREA[Sex]FEMALE OR AREA[Sex]"MALE")') == 4
    assert total("AREA[Sex]MISSING") == 1
    assert total("AREA[Phase]PHASE3 OR AREA[Sex]MALE") == 7  # not emulated: passed through
    bad = requests.get(
        f"{fake_api.url}/studies", params={"filter.advanced": 'AREA[Sex]"BOTH"'}, timeout=5
    )
    assert bad.status_code == 400 and "`FEMALE`, `MALE`, `ALL`" in bad.text
