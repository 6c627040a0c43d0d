"""A hostile server cannot hang, flood or mislead trialfinder.

Each test points the command line (or the library) at a real server on loopback that misbehaves
on purpose (tests/hostileapi.py) and checks that the run ends, quickly, with the documented exit
code and a message naming the cause, and that nothing is written twice.
"""

from __future__ import annotations

import csv
import email.utils
import json
import time
import tracemalloc

import pytest
import responses
from click.testing import CliRunner
from hostileapi import HostileApi

from trialfinder.cli import cli
from trialfinder.criteria import SearchCriteria
from trialfinder.errors import (
    ApiError,
    BadResponse,
    ExitCode,
    PagingStopped,
    PartialResults,
    RedirectRefused,
    ResponseTooLarge,
)
from trialfinder.settings import Settings
from trialfinder.sources import base
from trialfinder.sources.base import PagingGuard
from trialfinder.sources.ctgov import ClinicalTrialsGov, retry_after_seconds

from factories import make_page, make_study, many_studies
from fakeapi import FakeApi

TWO_IDS = ["NCT10000001", "NCT10000002"]
# Seconds a busy machine may add to a run bounded by a deadline. Enough to tell a deadline kept
# from one ignored: a page trickled a byte at a time would take hours.
SLACK = 2.5


@pytest.fixture
def serve(monkeypatch):
    """Start a hostile server; the command line points at it. All are stopped at the end."""
    servers: list[HostileApi] = []

    def start(mode: str, **options) -> HostileApi:
        api = HostileApi(mode, **options).start()
        servers.append(api)
        monkeypatch.setenv("TRIALFINDER_API_URL", api.url)
        return api

    yield start
    for api in servers:
        api.stop()


def search(*options: str):
    """``search`` as NDJSON: the result, the NCT ids written and the seconds it took."""
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["search", "--format", "ndjson", *options])
    elapsed = time.monotonic() - started
    ids = [json.loads(line)["nct_id"] for line in result.stdout.splitlines()]
    return result, ids, elapsed


def assert_clean_failure(result, code: int, *phrases: str) -> None:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output and "unexpected error" not in result.output
    for phrase in phrases:
        assert phrase in result.stderr, result.stderr


# -- paging --------------------------------------------------------------------------------------


def test_a_new_page_token_with_the_same_trials_every_time_ends_without_duplicates(serve):
    api = serve("fresh-tokens", count=2, total=2)
    result, ids, elapsed = search()
    assert_clean_failure(
        result,
        ExitCode.PARTIAL,
        "results are incomplete: 2 of 2 trials fetched",
        "sent page 2 with only trials it had already sent, and a next page; stopping",
    )
    assert ids == TWO_IDS  # each once
    assert len(api.requests) == 2
    assert elapsed < 5


def test_the_same_loop_written_to_a_csv_file_has_each_trial_once(serve, tmp_path):
    serve("fresh-tokens", count=2, total=2)
    out = tmp_path / "trials.csv"
    result = CliRunner().invoke(cli, ["search", "-o", str(out)])
    assert result.exit_code == ExitCode.PARTIAL, result.output
    assert not out.exists()  # an incomplete export never takes the file's name
    partial = out.with_name(out.name + ".partial")
    with partial.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    assert [row[0] for row in rows] == TWO_IDS


def test_the_same_page_token_twice_stops(serve):
    api = serve("same-token", count=2, total=50)
    result, ids, _ = search()
    assert_clean_failure(result, ExitCode.PARTIAL, "sent the same page token twice; stopping")
    assert ids == [s["protocolSection"]["identificationModule"]["nctId"] for s in
                   api.studies_on_page(1) + api.studies_on_page(2)]  # fmt: skip
    assert len(api.requests) == 2


def test_pages_going_past_the_announced_count_stop_at_the_margin(serve):
    # 5 announced, margin 10 + 1% (one): at most 16 trials, then paging stops.
    api = serve("growing", count=5, total=5)
    result, ids, _ = search()
    assert_clean_failure(
        result,
        ExitCode.PARTIAL,
        "16 trials fetched",  # (not "16 of 5")
        "sent more trials than the 5 trials it announced; stopping",
    )
    assert len(ids) == len(set(ids)) == 16
    assert len(api.requests) == 4


def test_empty_pages_in_a_row_stop(serve):
    api = serve("empty-pages", total=40)
    result, ids, _ = search()
    assert_clean_failure(
        result, ExitCode.NETWORK, "sent 3 empty pages in a row, each with a next page; stopping"
    )
    assert ids == [] and len(api.requests) == 3


def test_a_lying_total_is_reported_in_plain_words_with_the_partial_exit(serve):
    serve("lying-total", count=3, total=10**9)
    result, ids, _ = search()
    assert_clean_failure(
        result,
        ExitCode.PARTIAL,
        "results are incomplete: 3 of 1,000,000,000 trials fetched",
        "announced 1,000,000,000 trials but sent 3 before its last page",
    )
    assert "--limit 0" not in result.stderr
    assert len(ids) == 3


def test_a_small_shortfall_is_reported_but_the_search_succeeds(serve):
    # 8 announced, 5 sent: within the margin (the registry changes while a search pages).
    serve("lying-total", count=5, total=8)
    result, ids, _ = search()
    assert result.exit_code == ExitCode.OK, result.output
    assert len(ids) == 5
    assert "the registry announced 8 matching trials but sent 5" in result.stderr
    assert "5 trials found; 5 shown after the local filters." in result.stderr
    assert "--limit 0" not in result.stderr


def test_without_a_count_the_pages_are_bounded_all_the_same(monkeypatch):
    monkeypatch.setattr(base, "MAX_TRIALS", 50)
    guard = PagingGuard("registry.test", page_size=10)
    with pytest.raises(PagingStopped, match="kept sending pages: 8 pages of at most 10 trials"):
        for number in range(1, 100):  # one new trial a page: short pages, never the last
            guard.before_page()
            _, stop = guard.admit(many_studies(1, prefix=number), None, more=True)
            assert stop is None
    assert guard.pages == 8  # 50 trials need 5 pages of 10, and 3 may come empty


def test_without_a_count_the_trials_are_bounded_too(monkeypatch):
    monkeypatch.setattr(base, "MAX_TRIALS", 50)
    guard = PagingGuard("registry.test", page_size=10)
    kept = []
    for number in range(1, 6):
        page, stop = guard.admit(many_studies(12, prefix=number), None, more=True)
        kept += page
        if stop is not None:
            break
    assert len(kept) == 50
    assert "sent more trials than the 50 trials any search may bring" in str(stop)


def test_repeats_mixed_with_new_trials_are_dropped_with_a_warning(caplog):
    guard = PagingGuard("registry.test", page_size=3)
    first, _ = guard.admit(many_studies(3), 6, more=True)
    second, stop = guard.admit(many_studies(2) + many_studies(1, prefix=2), None, more=False)
    assert len(first) == 3 and len(second) == 1 and stop is None
    assert "sent 2 trials again on page 2" in caplog.text
    guard.finish()  # 4 of 6: within the margin


# -- one answer: deadline, size ------------------------------------------------------------------


def test_a_trickling_body_ends_at_the_deadline(serve, monkeypatch):
    monkeypatch.setenv("TRIALFINDER_REQUEST_DEADLINE", "2")
    monkeypatch.setenv("TRIALFINDER_MAX_ATTEMPTS", "1")
    api = serve("trickle", interval=0.5, count=1)
    result, ids, elapsed = search()
    assert_clean_failure(
        result,
        ExitCode.NETWORK,
        "did not send its whole answer in time (at most 2s a try), 1 try",
        "TRIALFINDER_REQUEST_DEADLINE",
    )
    assert 1.9 < elapsed < 2 + SLACK, elapsed  # the CLI starting up, then a 2 s request
    assert api.bytes_sent >= 2  # it was sending, a byte every 0.5 s
    waited = time.monotonic()
    while not api.gone and time.monotonic() - waited < 3:
        time.sleep(0.05)
    assert api.gone == 1  # the connection was closed, not left reading in the background


def test_trickling_headers_end_at_the_deadline(serve, monkeypatch):
    monkeypatch.setenv("TRIALFINDER_REQUEST_DEADLINE", "1")
    monkeypatch.setenv("TRIALFINDER_MAX_ATTEMPTS", "1")
    serve("trickle-headers", interval=0.2)
    result, _, elapsed = search()
    assert_clean_failure(result, ExitCode.NETWORK, "did not send its whole answer in time")
    assert 0.9 < elapsed < 1 + SLACK, elapsed


def test_the_tries_of_a_trickle_fit_in_the_retry_budget(serve, monkeypatch):
    monkeypatch.setenv("TRIALFINDER_REQUEST_DEADLINE", "1")
    monkeypatch.setenv("TRIALFINDER_MAX_RETRY_SECONDS", "1.5")
    api = serve("trickle", interval=0.3, count=1)
    result, _, elapsed = search()
    assert_clean_failure(
        result,
        ExitCode.NETWORK,
        "2 tries (no more fit in the 1.5s a request may take)",
    )
    assert len(api.requests) == 2  # 1 s, then the 0.5 s left
    assert 1.4 < elapsed < 1.5 + SLACK, elapsed


def test_an_endless_body_stops_at_the_size_limit(serve, monkeypatch):
    monkeypatch.setenv("TRIALFINDER_MAX_RESPONSE_MB", "1")
    api = serve("endless")
    result, ids, elapsed = search()
    assert_clean_failure(
        result,
        ExitCode.NETWORK,
        "sent an answer larger than 1 MiB; it was not read further",
        "TRIALFINDER_MAX_RESPONSE_MB",
    )
    assert len(api.requests) == 1  # not retried: it would be as large again
    assert elapsed < 5


def test_a_gzip_bomb_stops_at_the_decompressed_limit(serve, monkeypatch):
    monkeypatch.setenv("TRIALFINDER_MAX_DECODED_MB", "2")
    serve("gzip-bomb")
    result, _, elapsed = search()
    assert_clean_failure(
        result,
        ExitCode.NETWORK,
        "sent an answer larger than 2 MiB once decompressed",
        "TRIALFINDER_MAX_DECODED_MB",
    )
    assert elapsed < 5


def test_reading_an_endless_body_holds_about_the_limit_in_memory(monkeypatch):
    """The memory bound: what one request holds is the size limit, not what the server sends."""
    with HostileApi("endless") as api:
        settings = Settings(api_url=api.url, min_interval=0, max_response_mb=8, cache=False)
        source = ClinicalTrialsGov(settings)
        tracemalloc.start()
        try:
            with pytest.raises(ResponseTooLarge):
                list(source.search(SearchCriteria()))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    limit = 8 * 1024 * 1024
    print(f"peak {peak / 2**20:.1f} MiB for a limit of 8 MiB")
    assert peak < 2.5 * limit


def test_json_nested_a_thousand_deep_is_a_bad_response(serve):
    api = serve("deep", depth=1000)
    result, _, _ = search()
    assert_clean_failure(result, ExitCode.NETWORK, "sent JSON nested too deeply to read")
    assert len(api.requests) == 1


# -- only the configured host --------------------------------------------------------------------


def test_a_redirect_to_another_port_is_refused_and_not_followed(serve):
    with HostileApi("lying-total", count=3, total=3) as elsewhere:
        serve("redirect", location=f"{elsewhere.url}/studies?query.cond=myeloma&age=67")
        result, ids, _ = search()
        assert_clean_failure(
            result,
            ExitCode.NETWORK,
            f"redirected the request to http://127.0.0.1:{elsewhere.port};",
            "contacts only the configured API",
        )
        assert "age=67" not in result.stderr
        assert elsewhere.requests == []
    assert ids == []


def test_a_redirect_to_another_host_is_refused(serve):
    api = serve("redirect", location="http://localhost:9/api/v2/studies")
    result, _, _ = search()
    assert_clean_failure(result, ExitCode.NETWORK, "redirected the request to http://localhost:9")
    assert len(api.requests) == 1


@responses.activate
def test_a_redirect_to_a_file_is_refused_as_a_redirect():
    # it said "could not reach ctgov.test", though the server had answered
    api = "https://ctgov.test/api/v2"
    responses.get(f"{api}/studies", status=302, headers={"Location": "file:///etc/passwd"})
    source = ClinicalTrialsGov(Settings(api_url=api, min_interval=0, cache=False))
    with pytest.raises(RedirectRefused, match="redirected the request to an address that is not"):
        list(source.search(SearchCriteria()))


@responses.activate
@pytest.mark.parametrize(
    "location", ["http://[::1", "http://ctgov.test:99999/x", f"http://{'a' * 64}.test/x"]
)
def test_a_redirect_to_an_address_that_cannot_be_read_is_refused(location):
    # "http://[::1" was "unexpected error: ValueError: Invalid IPv6 URL", a bug, exit 1, and
    # ended a whole digest run
    api = "https://ctgov.test/api/v2"
    responses.get(f"{api}/studies", status=302, headers={"Location": location})
    source = ClinicalTrialsGov(Settings(api_url=api, min_interval=0, cache=False))
    with pytest.raises(RedirectRefused, match="to an address that cannot be read"):
        list(source.search(SearchCriteria()))


@responses.activate
def test_a_redirect_from_https_to_http_is_refused():
    api = "https://ctgov.test/api/v2"
    responses.get(f"{api}/studies", status=302, headers={"Location": "http://ctgov.test/api/v2/x"})
    responses.get("http://ctgov.test/api/v2/x", json=make_page(many_studies(1), total=1))
    source = ClinicalTrialsGov(Settings(api_url=api, min_interval=0, cache=False))
    with pytest.raises(RedirectRefused, match="redirected the request to http://ctgov.test;"):
        list(source.search(SearchCriteria()))
    assert [call.request.url.split("?")[0] for call in responses.calls] == [f"{api}/studies"]


def test_show_refuses_a_record_of_another_trial(serve):
    serve("wrong-id", other="NCT09999999")
    result = CliRunner().invoke(cli, ["show", "NCT01000001"])
    assert_clean_failure(
        result,
        ExitCode.NETWORK,
        "answered the request for NCT01000001 with the record of NCT09999999; it is not shown",
    )
    assert result.stdout == ""


@responses.activate
def test_show_of_a_record_that_cannot_be_read_is_a_bad_answer(monkeypatch):
    # "phases": 2 ended show with "unexpected error: RecordError ... this is a bug", exit 1
    api = "https://ctgov.test/api/v2"
    study = make_study(nct_id="NCT01000001")
    study["protocolSection"]["designModule"]["phases"] = 2
    responses.get(f"{api}/studies/NCT01000001", json=study)
    monkeypatch.setenv("TRIALFINDER_API_URL", api)
    result = CliRunner().invoke(cli, ["--no-cache", "show", "NCT01000001"])
    assert_clean_failure(result, ExitCode.NETWORK, "sent a record that cannot be read: NCT01000001")
    assert "bug" not in result.stderr


def test_show_follows_the_apis_own_redirect_from_an_alias(serve):
    api = serve("alias", other="NCT02000002")
    result = CliRunner().invoke(cli, ["show", "NCT01000001", "--format", "json"])
    assert result.exit_code == ExitCode.OK, result.output
    assert json.loads(result.stdout)["nct_id"] == "NCT02000002"
    assert [path for path, _ in api.requests] == ["/studies/NCT01000001", "/studies/NCT02000002"]


# -- Retry-After ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "²",
        "¹²",
        "-5",
        "99999999999999999999999999",
        "1e3",
        "soon",
        "Fri, 31 Dec 99999 23:59:59 GMT",
    ],
)
def test_odd_retry_after_values_are_survived(serve, value):
    api = serve("retry-after", retry_after=value, times=2, count=2, total=2)
    result, ids, elapsed = search()
    assert result.exit_code == ExitCode.OK, result.output
    assert ids == TWO_IDS and len(api.requests) == 3
    assert elapsed < 5


def test_a_huge_retry_after_is_capped(serve, monkeypatch):
    monkeypatch.setenv("TRIALFINDER_RETRY_AFTER_MAX", "0.2")
    serve("retry-after", retry_after="3600", times=2, count=2, total=2)
    result, ids, elapsed = search()
    assert result.exit_code == ExitCode.OK and ids == TWO_IDS
    assert 0.4 <= elapsed < 2


@responses.activate
def test_a_servers_explanation_of_a_refusal_is_cut_to_one_short_line():
    # a 400 with 30 MiB of explanation was printed whole (and mailed whole by cron)
    api = "https://ctgov.test/api/v2"
    responses.get(f"{api}/studies", status=400, body="zzzz " * 200_000)
    source = ClinicalTrialsGov(Settings(api_url=api, min_interval=0, cache=False))
    with pytest.raises(ApiError) as refused:
        list(source.search(SearchCriteria()))
    assert refused.value.message.startswith("ClinicalTrials.gov rejected the search: zzzz zzzz")
    assert refused.value.message.endswith("…")
    assert len(refused.value.message) < 400


def test_retry_after_waits_stop_where_the_budget_ends_and_the_tries_are_counted(serve, monkeypatch):
    monkeypatch.setenv("TRIALFINDER_RETRY_AFTER_MAX", "0.6")
    monkeypatch.setenv("TRIALFINDER_MAX_RETRY_SECONDS", "1")
    api = serve("retry-after", retry_after="3600", times=100)
    result, _, elapsed = search()
    assert_clean_failure(
        result,
        ExitCode.NETWORK,
        "is rate-limiting requests (HTTP 429) and did not recover after 2 tries "
        "(no more fit in the 1s a request may take)",
        "it asked to wait 60 minutes; try again after that",
    )
    assert len(api.requests) == 2
    assert elapsed < 1.5  # 0.6 s waited once; the second wait would have gone past 1 s


class Clock:
    """A clock that only the waits move: the budget is checked without waiting minutes."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


@pytest.mark.parametrize(
    ("retry_after", "waits", "tries"),
    [
        ("3600", [120.0], 2),  # capped to 120 s; a second 120 s wait would end at 240 s
        ("50", [50.0, 50.0, 50.0], 4),  # a fourth wait would end at 200 s
        ("10", [10.0] * 4, 5),  # five tries, as many as allowed
    ],
)
@responses.activate
def test_the_default_budget_is_never_exceeded(retry_after, waits, tries):
    for _ in range(5):
        responses.get("https://ctgov.test/api/v2/studies", status=429,
                      headers={"Retry-After": retry_after})  # fmt: skip
    clock = Clock()
    settings = Settings(api_url="https://ctgov.test/api/v2", cache=False, min_interval=0)
    source = ClinicalTrialsGov(settings, sleep=clock.sleep, clock=clock)
    with pytest.raises(ApiError, match=f"after {tries} tries") as caught:
        list(source.search(SearchCriteria()))
    assert clock.waits == waits
    assert sum(clock.waits) <= settings.max_retry_seconds == 180
    assert len(responses.calls) == tries
    assert caught.value.exit_code == ExitCode.NETWORK


def test_retry_after_parsing():
    assert retry_after_seconds(" 7 ") == 7.0
    for odd in ("²", "٣", "-5", "1.5", "", None, "Fri, 31 Dec 99999 23:59:59 GMT", "\x00"):
        assert retry_after_seconds(odd) is None
    assert retry_after_seconds("9" * 5000) == 1e18  # int() would refuse that many digits
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    soon = email.utils.formatdate(time.time() + 20, usegmt=True)
    assert 17 <= retry_after_seconds(soon) <= 20
    no_zone = email.utils.formatdate(time.time() + 20).rsplit(" ", 1)[0] + " -0000"
    assert retry_after_seconds(no_zone) is not None


# -- a digest against a hostile server ends and frees its lock -----------------------------------


def test_a_digest_run_against_a_token_loop_ends_and_releases_its_lock(serve, tmp_path, monkeypatch):
    from digestkit import run, write_config

    serve("fresh-tokens", count=2, total=2)
    config = write_config(tmp_path, port=9)  # a dry run: no mail server needed
    started = time.monotonic()
    report = run(config, out_dir=tmp_path / "preview")
    assert report.search_failures == 1
    assert time.monotonic() - started < 5
    with FakeApi(many_studies(2)) as good:  # the next run is not locked out
        monkeypatch.setenv("TRIALFINDER_API_URL", good.url)
        assert run(config, out_dir=tmp_path / "preview").search_failures == 0


def test_the_trials_before_a_loop_are_kept(serve):
    serve("fresh-tokens", count=2, total=2)
    results = ClinicalTrialsGov(Settings.from_env()).search(SearchCriteria())
    got = []
    with pytest.raises(PartialResults) as caught:
        got.extend(t.nct_id for t in results)
    assert got == TWO_IDS and caught.value.fetched == 2


def test_with_the_cache_a_wrong_record_is_not_kept_and_an_alias_still_works(serve, monkeypatch):
    monkeypatch.setenv("TRIALFINDER_CACHE", "1")
    api = serve("wrong-id", other="NCT09999999")
    for _ in range(2):
        result = CliRunner().invoke(cli, ["show", "NCT01000001"])
        assert result.exit_code == ExitCode.NETWORK and result.stdout == ""
    assert len(api.requests) == 2  # asked again: the wrong record was not kept
    alias = serve("alias", other="NCT02000002")
    for _ in range(2):
        result = CliRunner().invoke(cli, ["show", "NCT01000001", "--format", "json"])
        assert result.exit_code == ExitCode.OK, result.output
        assert json.loads(result.stdout)["nct_id"] == "NCT02000002"
    assert len(alias.requests) == 2  # the second show came from the cache


@responses.activate
def test_what_a_refusal_shows_of_the_server_is_inert():
    api = "https://ctgov.test/api/v2"
    responses.get(
        f"{api}/studies",
        status=302,
        headers={"Location": "https://user:secret@evil.example:8443/x"},
    )
    responses.get(f"{api}/studies/NCT01000001", json=make_study(nct_id="\x1b]52;c;aGk=\x07"))
    source = ClinicalTrialsGov(Settings(api_url=api, min_interval=0, cache=False))
    with pytest.raises(RedirectRefused) as refused:
        list(source.search(SearchCriteria()))
    assert "to https://evil.example:8443;" in refused.value.message
    assert "secret" not in refused.value.message
    with pytest.raises(BadResponse) as wrong:
        source.get("NCT01000001")
    assert "with another record; it is not shown" in wrong.value.message
    assert "\x1b" not in wrong.value.message


def test_a_server_that_sends_fewer_trials_a_page_than_asked_is_paged_to_the_end(fake_api):
    # A mirror that sends 20 a page stopped every search past 4 pages, exit 5, "kept sending
    # pages": the pages a count needs were counted with the page size asked for.
    fake_api.studies = many_studies(242)
    fake_api.max_page_size = 20
    result = CliRunner().invoke(cli, ["search", "--format", "ndjson", "--setting", "any"])
    assert result.exit_code == ExitCode.OK, result.output
    assert len(result.stdout.splitlines()) == 242
    # (a page of fewer than the API's default of 10 is counted as 10: a page of one trial
    # cannot make a count of thousands into thousands of requests)
    fake_api.max_page_size = 2
    result = CliRunner().invoke(cli, ["search", "--format", "ndjson", "--setting", "any"])
    assert result.exit_code == ExitCode.PARTIAL
    assert "kept sending pages" in result.stderr


def test_small_pages_with_a_huge_count_take_no_more_pages_than_full_ones_would():
    # one trial a page and a count of two million: at most an hour of pages at one a second
    # (was up to 200,003 requests, about 55 hours)
    guard = PagingGuard("registry.test", page_size=1000)
    guard.admit(many_studies(1), 2_000_000, more=True)
    assert guard.max_pages == base.MOST_PAGES + base.MAX_EMPTY_PAGES
    # an honest server of 10 a page and 30,000 trials needs 3,000 pages: within the most
    # (2,000 pages stopped it at 20,030 trials, saying the count needed fewer)
    honest = PagingGuard("registry.test", page_size=1000)
    honest.admit(many_studies(10), 30_000, more=True)
    assert honest.max_pages >= 3_000 + base.MAX_EMPTY_PAGES
