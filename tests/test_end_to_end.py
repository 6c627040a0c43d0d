"""The CLI against a real HTTP server on loopback: the tool's HTTP stack is not mocked."""

import json
import socket
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner
from pytest_socket import SocketBlockedError, SocketConnectBlockedError
from spec_check import check_request, spec_available

from trialfinder.cli import cli

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
    assert "2,500 trials matched; 2,500 shown." in result.stderr
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
