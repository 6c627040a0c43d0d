"""The next page is fetched while one is worked on: one request in flight, one page ahead at
most, the same trials in the same order, and every error where it was before."""

from __future__ import annotations

import threading
import time

import pytest

from trialfinder.criteria import SearchCriteria
from trialfinder.errors import ApiError, PartialResults
from trialfinder.settings import Settings
from trialfinder.sources.base import Parsing
from trialfinder.sources.ctgov import ClinicalTrialsGov

from factories import many_studies
from fakeapi import FakeApi

PAGE = 5
IDS = [f"NCT{10_000_000 + n:08d}" for n in range(1, 3 * PAGE + 1)]


@pytest.fixture
def api():
    with FakeApi(many_studies(len(IDS))) as api:
        yield api


def search(api: FakeApi, limit: int | None = None, prefetch: bool = True):
    settings = Settings.from_env(api_url=api.url, cache=False, min_interval=0)
    criteria = SearchCriteria(page_size=PAGE, limit=limit, statuses=("any",), settings=("any",))
    results = ClinicalTrialsGov(settings).search(criteria)
    results.prefetch = prefetch
    return results


class Slow(Parsing):
    """Parses each page after ``seconds`` of work; ``on_page(n)`` runs before page n's work."""

    def __init__(self, seconds: float = 0.0, on_page=None) -> None:
        self.seconds = seconds
        self.on_page = on_page or (lambda number: None)
        self.pages = 0

    def results(self, started):
        self.pages += 1
        self.on_page(self.pages)
        time.sleep(self.seconds)
        yield from super().results(started)


def ids(trials) -> list[str]:
    return [trial.nct_id for trial in trials]


def test_the_same_trials_in_the_same_order_with_and_without_prefetching(api):
    assert ids(search(api)) == IDS
    assert ids(search(api, prefetch=False)) == IDS


@pytest.mark.parametrize("prefetch", [True, False])
def test_fetching_overlaps_the_work_on_the_page_before(prefetch):
    # Two pages, each 0.3 s on the way and 0.3 s of work: 1.2 s one after the other.
    with FakeApi(many_studies(2 * PAGE), latency=0.3) as api:
        started = time.monotonic()
        trials = list(search(api, prefetch=prefetch).each(Slow(0.3)))
        elapsed = time.monotonic() - started
    assert ids(trials) == IDS[: 2 * PAGE]
    if prefetch:
        assert elapsed < 1.1
    else:
        assert elapsed >= 1.2


def test_the_next_page_is_asked_for_while_a_page_is_worked_on(api):
    asked: list[int] = []

    def on_page(number: int) -> None:
        # Page 1's work waits for the request of page 2: it comes without page 1 being done.
        deadline = time.monotonic() + 10
        while len(api.studies_requests()) < number + 1 and number < 3:
            assert time.monotonic() < deadline, "the next page was not asked for"
            time.sleep(0.01)
        time.sleep(0.3)  # and no further page is asked for meanwhile
        asked.append(len(api.studies_requests()))

    assert ids(search(api).each(Slow(on_page=on_page))) == IDS
    assert asked == [2, 3, 3]
    assert api.max_in_flight == 1


def test_a_later_page_failing_comes_after_every_trial_of_the_pages_before(api):
    api.fail("/studies", status=400, body="token expired", after_pages=1)
    results = search(api)
    trials = []
    with pytest.raises(PartialResults) as failure:
        for trial in results.each(Slow(0.1)):
            trials.append(trial)
    assert ids(trials) == IDS[:PAGE]
    assert failure.value.fetched == PAGE
    assert "rejected the token for the next page" in failure.value.message


def test_the_first_page_failing_is_the_registry_error_itself(api):
    api.fail("/studies", status=400, body="bad query")
    with pytest.raises(ApiError):
        list(search(api))


def test_no_page_is_fetched_ahead_past_the_limit(api):
    assert ids(search(api, limit=PAGE).each(Slow(0.3))) == IDS[:PAGE]
    assert len(api.studies_requests()) == 1


def test_stopping_early_does_not_wait_for_the_page_on_its_way(api):
    api.fail("/studies", action="delay", delay=1.0, after_pages=1)
    trials = search(api).each(Slow())
    first = next(trials)
    time.sleep(0.1)  # page 2 is now on its way, held for a second
    started = time.monotonic()
    trials.close()
    assert time.monotonic() - started < 0.5
    assert first.nct_id == IDS[0]
    time.sleep(1.3)
    assert len(api.studies_requests()) == 2  # nothing is asked for after it
    assert not [t for t in threading.enumerate() if t.name == "trialfinder-prefetch"]
