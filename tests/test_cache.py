"""The HTTP cache: repeated searches and show cost no request while fresh; a bad cache file
never stops a search."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from spec_check import check_request, spec_available

from trialfinder.cli import cli
from trialfinder.criteria import SearchCriteria
from trialfinder.errors import ExitCode
from trialfinder.settings import Settings
from trialfinder.sources.ctgov import ClinicalTrialsGov, make_session

from factories import many_studies
from fakeapi import FakeApi


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def search_ids(*options: str) -> list[str]:
    result = run(*options, "search", "--format", "ndjson")
    assert result.exit_code == 0, result.output
    return [json.loads(line)["nct_id"] for line in result.stdout.splitlines()]


def list_table(*options: str) -> str:
    """A search as a person runs it on a terminal: a table, with each site's details."""
    result = run(*options, "search", "--format", "table", "--limit", "100")
    assert result.exit_code == 0, result.output
    return result.stdout


def cache_file(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "trialfinder" / "http-cache.sqlite"


@pytest.fixture(autouse=True)
def with_the_cache(monkeypatch):
    """The cache is on, as it is for users (conftest turns it off for other tests)."""
    monkeypatch.setenv("TRIALFINDER_CACHE", "1")


@pytest.fixture
def api(fake_api):
    fake_api.studies = many_studies(30)
    yield fake_api
    if spec_available():  # what the cache let through (search pages, show) conforms too
        for url in fake_api.request_urls():
            check_request(url)


ALL_IDS = [f"NCT{10_000_000 + n:08d}" for n in range(1, 31)]


def test_repeated_search_costs_no_request(api, tmp_path):
    assert search_ids() == ALL_IDS
    assert len(api.requests) == 1
    assert search_ids() == ALL_IDS
    assert len(api.requests) == 1
    assert cache_file(tmp_path).is_file()


def test_show_of_a_listed_trial_costs_no_request_and_matches_a_fresh_show(api):
    assert "NCT10000007" in list_table()
    cached = run("show", "NCT10000007")
    assert cached.exit_code == 0, cached.output
    assert len(api.requests) == 1  # only the search
    fresh = run("--no-cache", "show", "NCT10000007")
    assert len(api.requests) == 2
    assert cached.stdout == fresh.stdout
    assert "Trial number 7" in cached.stdout
    as_json = run("show", "NCT10000007", "--format", "json")
    assert json.loads(as_json.stdout)["nct_id"] == "NCT10000007"
    assert len(api.requests) == 2


def test_show_against_another_server_never_answers_from_a_listing_of_the_first(api):
    # A trial listed by a search against one server answered `show` against another, for the
    # cache's lifetime (a test mirror, or a hostile one, speaking for the registry).
    assert "NCT10000007" in list_table()
    with FakeApi([]) as other:
        shown = run("--api-url", other.url, "show", "NCT10000007")
        assert shown.exit_code == ExitCode.NOT_FOUND, shown.output
        assert len(other.requests) == 1
    assert len(api.requests) == 1
    again = run("--debug", "show", "NCT10000007")  # the first server's listing still serves
    assert again.exit_code == 0
    assert len(api.requests) == 1
    assert f"NCT10000007: from a search page of {api.url}" in again.stderr  # and --debug says so


def test_show_asks_for_the_fields_of_a_search_with_site_details(api):
    run("show", "NCT10000003")
    (request,) = api.requests
    assert request.path == "/studies/NCT10000003"
    list_table("--no-cache")
    assert request.params["fields"] == api.studies_requests()[0].params["fields"]


def test_show_after_an_export_without_site_details_asks_for_them(api):
    search_ids()  # NDJSON, no place: each site's city, state and country only
    assert "LocationFacility" not in api.studies_requests()[0].params["fields"]
    shown = run("show", "NCT10000007")
    assert shown.exit_code == 0, shown.output
    assert len(api.requests) == 2
    assert "Dana-Farber Cancer Institute" in shown.stdout


def test_no_cache_neither_reads_nor_stores(api):
    search_ids("--no-cache")
    search_ids("--no-cache")
    assert len(api.requests) == 2
    search_ids()
    assert len(api.requests) == 3  # nothing had been stored


def test_refresh_asks_again_and_stores_the_new_answer(api):
    search_ids()
    api.studies[0]["protocolSection"]["identificationModule"]["briefTitle"] = "Renamed trial"
    result = run("--refresh", "search", "--format", "ndjson")
    assert len(api.requests) == 2
    assert json.loads(result.stdout.splitlines()[0])["title"] == "Renamed trial"
    again = run("search", "--format", "ndjson")
    assert len(api.requests) == 2
    assert json.loads(again.stdout.splitlines()[0])["title"] == "Renamed trial"
    assert "Renamed trial" in list_table("--refresh")
    assert len(api.requests) == 3
    shown = run("show", "NCT10000001")
    assert "Renamed trial" in shown.stdout
    assert len(api.requests) == 3


def test_answers_expire_after_the_ttl(api, monkeypatch):
    # Long enough for the second search to start while fresh on a busy machine.
    monkeypatch.setenv("TRIALFINDER_CACHE_TTL", "2")
    search_ids()
    search_ids()
    assert len(api.requests) == 1
    time.sleep(2.1)
    search_ids()
    assert len(api.requests) == 2


def test_expired_answers_are_removed_from_the_file_at_the_next_start(api, tmp_path):
    search_ids()
    with sqlite3.connect(cache_file(tmp_path)) as db:
        assert db.execute("select count(*) from responses").fetchone()[0] == 1
        assert db.execute("select count(*) from listed").fetchone()[0] == 30
        make_session(Settings.from_env())  # nothing has expired yet
        assert db.execute("select count(*) from responses").fetchone()[0] == 1
        db.execute("update responses set expires = 1000")  # long ago
        db.execute("update listed set expires = 1000")
    make_session(Settings.from_env())
    with sqlite3.connect(cache_file(tmp_path)) as db:
        assert db.execute("select count(*) from responses").fetchone()[0] == 0
        assert db.execute("select count(*) from listed").fetchone()[0] == 0


def test_ttl_zero_turns_the_cache_off(api, monkeypatch):
    monkeypatch.setenv("TRIALFINDER_CACHE_TTL", "0")
    search_ids()
    search_ids()
    assert len(api.requests) == 2


def test_ttl_and_folder_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TRIALFINDER_CACHE_TTL", "120")
    monkeypatch.setenv("TRIALFINDER_CACHE_DIR", str(tmp_path / "elsewhere"))
    session = make_session(Settings.from_env())
    assert session.settings.expire_after == timedelta(seconds=120)
    assert Path(session.cache.db_path) == tmp_path / "elsewhere" / "http-cache.sqlite"
    assert not hasattr(make_session(Settings.from_env(cache=False)), "cache")
    defaults = Settings.from_env({})  # what a user gets: the cache on, fresh for an hour
    assert defaults.cache and defaults.cache_ttl == 3600 and not defaults.cache_refresh


def test_error_answers_are_not_cached(api):
    assert run("show", "NCT09999999").exit_code == 4
    assert run("show", "NCT09999999").exit_code == 4
    assert len(api.requests) == 2
    api.fail("/studies", status=503)
    search_ids()
    search_ids()
    assert len(api.requests) == 4  # the 503, then the page, then nothing


def test_a_garbled_200_answer_is_not_kept(api, monkeypatch):
    monkeypatch.setenv("TRIALFINDER_MAX_ATTEMPTS", "2")
    body = '{"studies": [{"protocolSection": {"identificationModule"'
    api.fail(
        "/studies", times=2, status=200, body=body, headers={"Content-Type": "application/json"}
    )
    assert run("search", "--format", "ndjson").exit_code == 3
    assert search_ids() == ALL_IDS
    assert len(api.requests) == 3


def test_a_corrupt_cache_file_is_recreated_with_a_warning(api, tmp_path):
    path = cache_file(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not a database\x00\xff" * 100)
    result = run("search", "--format", "ndjson")
    assert result.exit_code == 0, result.output
    assert "is damaged" in result.stderr and "starting a new one" in result.stderr
    assert len(result.stdout.splitlines()) == 30
    assert search_ids() == ALL_IDS
    assert len(api.requests) == 1  # the new cache works
    with sqlite3.connect(path) as db:
        assert db.execute("select count(*) from responses").fetchone()[0] >= 1


def test_a_cache_file_damaged_inside_is_bypassed_then_recreated(api, tmp_path):
    search_ids()
    path = cache_file(tmp_path)
    with sqlite3.connect(path) as db:
        page_size = db.execute("pragma page_size").fetchone()[0]
    data = bytearray(path.read_bytes())
    assert len(data) > 2 * page_size
    data[page_size:] = b"\x07" * (len(data) - page_size)  # every page but the first
    path.write_bytes(bytes(data))
    api.studies[0]["protocolSection"]["identificationModule"]["briefTitle"] = "Renamed"
    damaged = run("search", "--format", "ndjson")
    assert damaged.exit_code == 0, damaged.output
    assert "is damaged" in damaged.stderr
    assert len(damaged.stdout.splitlines()) == 30
    assert damaged.stderr.count("WARNING") == 1
    again = run("search", "--format", "ndjson")
    assert again.exit_code == 0 and "WARNING" not in again.stderr
    third = run("search", "--format", "ndjson")
    assert "WARNING" not in third.stderr
    assert json.loads(third.stdout.splitlines()[0])["title"] == "Renamed"
    assert len(api.requests) == 3  # first search, the damaged run, the new cache's first


def test_a_cache_folder_that_cannot_be_made_is_reported_once(api, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("TRIALFINDER_CACHE_DIR", str(blocker / "cache"))
    result = run("search", "--format", "ndjson")
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["nct_id"] for line in result.stdout.splitlines()] == ALL_IDS
    # The answers and the results kept between searches both live there: one warning.
    assert result.stderr.count("WARNING") == 1, result.stderr
    assert f"the cache folder {blocker / 'cache'} cannot be used" in result.stderr


def test_a_cache_file_locked_by_another_process_is_bypassed(api, tmp_path, monkeypatch):
    monkeypatch.setenv("TRIALFINDER_CACHE_LOCK_TIMEOUT", "0.05")
    search_ids()  # creates the cache
    holder = sqlite3.connect(cache_file(tmp_path), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        result = run("search", "--format", "ndjson")
        assert time.monotonic() - started < 5
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 0, result.output
    assert "cannot be used" in result.stderr and "locked" in result.stderr
    assert [json.loads(line)["nct_id"] for line in result.stdout.splitlines()] == ALL_IDS
    assert len(api.requests) == 2


def test_a_cache_that_cannot_be_written_is_bypassed_after_one_warning(
    api, tmp_path, monkeypatch, caplog
):
    monkeypatch.setenv("TRIALFINDER_CACHE_LOCK_TIMEOUT", "0.05")
    source = ClinicalTrialsGov(Settings.from_env())  # the cache is open
    holder = sqlite3.connect(cache_file(tmp_path), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer: reading works, writing does not
    try:
        trials = list(source.search(SearchCriteria()))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert len(trials) == 30
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "database is locked" in warnings[0], warnings
    assert source.session.cache.broken


def test_a_locked_cache_at_start_up_is_bypassed(api, tmp_path, monkeypatch):
    monkeypatch.setenv("TRIALFINDER_CACHE_LOCK_TIMEOUT", "0.05")
    search_ids()
    holder = sqlite3.connect(cache_file(tmp_path), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = run("search", "--format", "ndjson")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 0, result.output
    assert "cannot be used (database is locked); going without it" in result.stderr
    assert len(result.stdout.splitlines()) == 30


def test_cache_hits_are_not_paced():
    sleeps: list[float] = []

    from fakeapi import FakeApi

    with FakeApi(many_studies(5)) as api:
        settings = Settings.from_env(api_url=api.url, min_interval=10.0)
        source = ClinicalTrialsGov(settings, sleep=sleeps.append)
        assert len(list(source.search(SearchCriteria()))) == 5
        assert len(list(source.search(SearchCriteria()))) == 5
        assert source.get("NCT10000002").nct_id == "NCT10000002"
        assert source.requests_sent == 1 and sleeps == []
        source.session.cache.clear()
        source.get("NCT10000002")  # now from the network: paced
        assert source.requests_sent == 2
        assert len(sleeps) == 1 and 9 < sleeps[0] <= 10
