"""A flaky API, for real: faults served by a local HTTP server, the CLI driving the search.

Each fault ends in success after retries, or in a clear error; when some trials were written
before the failure, the user is told how many out of how many and the exit code is PARTIAL.
"""

from __future__ import annotations

import csv
import email.utils
import json
import time

import pytest
from click.testing import CliRunner
from spec_check import check_request, spec_available

from trialfinder.cli import cli
from trialfinder.criteria import SearchCriteria
from trialfinder.errors import ExitCode
from trialfinder.settings import Settings
from trialfinder.sources.ctgov import ClinicalTrialsGov

from factories import many_studies

PAGE = 10  # instead of 1,000, so that three pages are quick to serve and parse
TOTAL = 25
ALL_IDS = [f"NCT{10_000_000 + n:08d}" for n in range(1, TOTAL + 1)]
FIRST_PAGE = ALL_IDS[:PAGE]
JSON = {"Content-Type": "application/json"}


@pytest.fixture(autouse=True)
def with_the_cache(monkeypatch):
    """The cache is on, as it is for users (conftest turns it off for other tests)."""
    monkeypatch.setenv("TRIALFINDER_CACHE", "1")


@pytest.fixture
def api(fake_api, monkeypatch):
    fake_api.studies = many_studies(TOTAL)
    monkeypatch.setattr("trialfinder.sources.ctgov.MAX_PAGE_SIZE", PAGE)
    monkeypatch.setenv("TRIALFINDER_TIMEOUT", "0.3")
    yield fake_api
    if spec_available():  # retries and later pages conform as well
        for url in fake_api.request_urls():
            check_request(url)


def search():
    result = CliRunner().invoke(cli, ["search", "--format", "ndjson"])
    ids = [json.loads(line)["nct_id"] for line in result.stdout.splitlines()]
    return result, ids


def assert_complete(result, ids):
    assert result.exit_code == ExitCode.OK, result.output
    assert ids == ALL_IDS
    assert f"{TOTAL} trials matched the registry search; {TOTAL} shown after" in result.stderr


def assert_partial(result, ids, cause: str):
    assert result.exit_code == ExitCode.PARTIAL, result.output
    assert ids == FIRST_PAGE
    assert f"results are incomplete: {PAGE} of {TOTAL} trials fetched, then" in result.stderr
    assert cause in result.stderr


def assert_failed(result, ids, cause: str):
    assert result.exit_code == ExitCode.NETWORK, result.output
    assert ids == []
    assert result.stderr.startswith("trialfinder: error: ")
    assert cause in result.stderr
    assert "Traceback" not in result.output


# -- 429 and 503 --------------------------------------------------------------------------------


def test_429_with_retry_after_is_retried(api):
    api.fail(
        "/studies", times=2, status=429, body="Too Many Requests", headers={"Retry-After": "3"}
    )
    assert_complete(*search())
    assert len(api.requests) == 2 + 3


def test_503_burst_that_recovers(api):
    api.fail("/studies", times=4, status=503)  # one less than the five tries
    assert_complete(*search())


def test_503_burst_that_exhausts_the_tries_on_the_first_page(api):
    api.fail("/studies", times=5, status=503)
    result, ids = search()
    assert_failed(result, ids, "is having problems (HTTP 503) and did not recover after 5 tries")
    assert len(api.requests) == 5


def test_503_burst_that_exhausts_the_tries_mid_way(api):
    api.fail("/studies", times=5, status=503, after_pages=1)
    assert_partial(*search(), "is having problems (HTTP 503)")


def test_429_that_never_ends_says_rate_limited(api):
    api.fail("/studies", times=5, status=429, headers={"Retry-After": "1"}, after_pages=2)
    result, ids = search()
    assert result.exit_code == ExitCode.PARTIAL
    assert ids == ALL_IDS[: 2 * PAGE]
    assert "20 of 25 trials fetched, then" in result.stderr
    assert "is rate-limiting requests (HTTP 429)" in result.stderr


# -- time-outs, resets, truncation ----------------------------------------------------------------


def test_an_answer_slower_than_the_read_timeout_is_retried(api):
    api.fail("/studies", action="delay", delay=1.0, after_pages=1)
    started = time.monotonic()
    assert_complete(*search())
    assert time.monotonic() - started < 5
    assert len(api.requests) == 4


def test_answers_that_stay_too_slow_end_in_a_clear_partial_result(api, monkeypatch):
    monkeypatch.setenv("TRIALFINDER_MAX_ATTEMPTS", "2")
    api.fail("/studies", times=2, action="delay", delay=1.0, after_pages=1)
    started = time.monotonic()
    result, ids = search()
    assert time.monotonic() - started < 5  # two time-outs of 0.3 s, not a hang
    assert_partial(result, ids, "did not answer in time (0.3s), 2 tries")


def test_a_connection_reset_is_retried(api):
    api.fail("/studies", action="reset", after_pages=1)
    assert_complete(*search())


def test_connection_resets_that_persist_end_in_a_partial_result(api):
    api.fail("/studies", times=5, action="reset", after_pages=2)
    result, ids = search()
    assert result.exit_code == ExitCode.PARTIAL, result.output
    assert ids == ALL_IDS[: 2 * PAGE]
    assert "20 of 25 trials fetched, then could not reach" in result.stderr


def test_a_body_cut_short_of_its_content_length_is_retried(api):
    body = json.dumps({"studies": many_studies(3)})
    api.fail("/studies", action="truncate", status=200, body=body, after_pages=1)
    assert_complete(*search())
    assert len(api.requests) == 4


def test_bodies_cut_short_every_time_end_in_a_clear_error(api):
    body = json.dumps({"studies": many_studies(3)})
    api.fail("/studies", times=5, action="truncate", status=200, body=body)
    assert_failed(*search(), "broke off its answer before the end, 5 tries")


def test_a_complete_but_truncated_json_text_is_retried(api):
    api.fail("/studies", status=200, body='{"studies": [{"protocolSection": ', headers=JSON)
    assert_complete(*search())


def test_truncated_json_every_time_mid_way_ends_in_a_partial_result(api):
    body = '{"studies": [{"protocolSection": {"identificationModule": {"nctId": "NCT'
    api.fail("/studies", times=5, status=200, body=body, headers=JSON, after_pages=1)
    assert_partial(*search(), "sent a response that is not valid JSON (JSONDecodeError")


# -- wrong content, odd paging ---------------------------------------------------------------------


MAINTENANCE = "<html><body><h1>Scheduled maintenance</h1></body></html>"


def test_an_html_page_with_status_200_is_retried(api):
    api.fail("/studies", status=200, body=MAINTENANCE, headers={"Content-Type": "text/html"})
    assert_complete(*search())


def test_html_pages_that_persist_end_in_a_clear_error(api):
    api.fail(
        "/studies", times=5, status=200, body=MAINTENANCE, headers={"Content-Type": "text/html"}
    )
    result, ids = search()
    assert_failed(result, ids, "not valid JSON (JSONDecodeError; it starts '<html><body><h1>Sch")
    assert "the service may be down for maintenance" in result.stderr


def test_an_empty_page_followed_by_more_pages(api):
    api.empty_pages_first = 2
    assert_complete(*search())
    assert len(api.requests) == 2 + 3


def test_a_page_token_rejected_mid_way(api):
    api.fail("/studies", status=400, body="Invalid pageToken: t10", after_pages=1)
    result, ids = search()
    assert_partial(result, ids, "rejected the token for the next page: Invalid pageToken: t10")
    assert "run the search again" in result.stderr
    assert api.requests[-1].params["pageToken"] == "t10"
    assert len(api.requests) == 2  # a 400 is not retried


def test_partial_results_written_to_a_file_are_the_fetched_ones(api, tmp_path):
    api.fail("/studies", status=400, body="Invalid pageToken", after_pages=2)
    out = tmp_path / "trials.csv"
    result = CliRunner().invoke(cli, ["search", "-o", str(out)])
    assert result.exit_code == ExitCode.PARTIAL
    assert not out.exists()  # an incomplete export never takes the file's name
    partial = tmp_path / "trials.csv.partial"
    with partial.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][0] == "nct_id" and len(rows) == 1 + 2 * PAGE
    assert [row[0] for row in rows[1:]] == ALL_IDS[: 2 * PAGE]
    assert "20 of 25 trials fetched" in result.stderr
    assert f"what was written so far is kept in {partial}" in result.stderr


# -- Retry-After, at the library level -------------------------------------------------------------


def waits_for(api, retry_after: str, cap: float) -> list[float]:
    sleeps: list[float] = []
    settings = Settings.from_env(api_url=api.url, retry_after_max=cap, retry_wait=5.0)
    api.fail("/studies", times=2, status=429, headers={"Retry-After": retry_after})
    source = ClinicalTrialsGov(settings, sleep=sleeps.append)
    assert len(list(source.search(SearchCriteria(limit=10)))) == 10
    return sleeps


def test_retry_after_seconds_are_waited_for_exactly(fake_api):
    fake_api.studies = many_studies(10)
    assert waits_for(fake_api, "7", cap=120) == [7.0, 7.0]


def test_retry_after_is_capped(fake_api):
    fake_api.studies = many_studies(10)
    assert waits_for(fake_api, "3600", cap=30) == [30.0, 30.0]


def test_retry_after_as_an_http_date(fake_api):
    fake_api.studies = many_studies(10)
    when = email.utils.formatdate(time.time() + 20, usegmt=True)
    waits = waits_for(fake_api, when, cap=120)
    assert len(waits) == 2 and all(17 <= w <= 20 for w in waits), waits


def test_without_retry_after_the_backoff_is_used(fake_api):
    fake_api.studies = many_studies(10)
    sleeps: list[float] = []
    settings = Settings.from_env(api_url=fake_api.url, retry_wait=2.0, retry_wait_max=30)
    fake_api.fail("/studies", times=2, status=503)
    source = ClinicalTrialsGov(settings, sleep=sleeps.append)
    assert len(list(source.search(SearchCriteria(limit=10)))) == 10
    assert len(sleeps) == 2 and all(0 <= w <= 30 for w in sleeps)
