"""The ClinicalTrials.gov source, with HTTP mocked by `responses`."""

import json
import logging
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import responses
from spec_check import check_request, spec_available

from trialfinder import __version__
from trialfinder.criteria import SearchCriteria
from trialfinder.errors import ApiError, BadResponse, NetworkError, PartialResults, TrialNotFound
from trialfinder.settings import Settings
from trialfinder.sources import available, create
from trialfinder.sources.ctgov import SEARCH_FIELDS, ClinicalTrialsGov, Pacer

from factories import make_page, make_study, many_studies

API = "https://ctgov.test/api/v2"
STUDIES = f"{API}/studies"


class FakeSleep:
    def __init__(self):
        self.waits = []

    def __call__(self, seconds):
        self.waits.append(seconds)


def make_source(sleep=None, **settings):
    values = {"api_url": API, "min_interval": 0, "retry_wait": 0, "max_attempts": 4}
    values.update(settings)
    return ClinicalTrialsGov(Settings(**values), sleep=sleep or FakeSleep())


def params_of(call):
    return dict(parse_qsl(urlsplit(call.request.url).query))


def check_calls_against_spec():
    if spec_available():
        for call in responses.calls:
            check_request(call.request.url)


@responses.activate
def test_three_pages_repeat_the_same_parameters():
    pages = [many_studies(3, prefix=1), many_studies(3, prefix=2), many_studies(2, prefix=3)]
    responses.get(STUDIES, json=make_page(pages[0], "tok1", total=8))
    responses.get(STUDIES, json=make_page(pages[1], "tok2"))
    responses.get(STUDIES, json=make_page(pages[2]))
    results = make_source().search(SearchCriteria(conditions=("myeloma",)))
    ids = [t.nct_id for t in results]
    assert len(ids) == 8 and len(set(ids)) == 8
    assert results.total == 8
    first, second, third = (params_of(c) for c in responses.calls)
    assert first["countTotal"] == "true" and "pageToken" not in first
    assert second["pageToken"] == "tok1" and third["pageToken"] == "tok2"
    for later in (second, third):
        assert "countTotal" not in later
        assert {k: v for k, v in later.items() if k != "pageToken"} == {
            k: v for k, v in first.items() if k != "countTotal"
        }
    assert first["pageSize"] == "1000"
    assert "NCTId" in first["fields"].split("|")
    check_calls_against_spec()


@responses.activate
def test_limit_stops_paging_and_sets_a_smaller_page_size():
    responses.get(STUDIES, json=make_page(many_studies(5), "more", total=50))
    results = make_source().search(SearchCriteria(limit=5))
    assert len(list(results)) == 5
    assert len(responses.calls) == 1
    assert params_of(responses.calls[0])["pageSize"] == "5"
    assert results.expected == 5


@responses.activate
def test_an_empty_page_with_a_token_is_followed():
    responses.get(STUDIES, json=make_page([], "next", total=2))
    responses.get(STUDIES, json=make_page(many_studies(2)))
    assert len(list(make_source().search(SearchCriteria()))) == 2
    assert len(responses.calls) == 2


@responses.activate
def test_a_repeated_page_token_stops_instead_of_looping():
    responses.get(STUDIES, json=make_page(many_studies(1), "same", total=9))
    responses.get(STUDIES, json=make_page(many_studies(1, prefix=2), "same"))
    results = make_source().search(SearchCriteria())
    with pytest.raises(PartialResults, match="same page token twice"):
        list(results)


@responses.activate
def test_a_page_token_that_is_not_text_stops_unless_every_trial_announced_came():
    # {"a": 1} as a token was "the same page token twice", exit 5, though all 5 trials came
    page = make_page(many_studies(5), "x", total=5)
    page["nextPageToken"] = {"a": 1}
    responses.get(STUDIES, json=page)
    assert len(list(make_source().search(SearchCriteria()))) == 5


@responses.activate
def test_a_page_token_that_is_not_text_stops_when_trials_are_missing():
    page = make_page(many_studies(5), "x", total=9)
    page["nextPageToken"] = {"a": 1}
    responses.get(STUDIES, json=page)
    with pytest.raises(PartialResults, match="sent a page token that is not text"):
        list(make_source().search(SearchCriteria()))


@responses.activate
def test_429_then_200_honours_retry_after_without_really_sleeping():
    sleep = FakeSleep()
    responses.get(STUDIES, status=429, headers={"Retry-After": "7"}, body="slow down")
    responses.get(STUDIES, json=make_page(many_studies(1), total=1))
    source = make_source(sleep=sleep, retry_after_max=120)
    assert len(list(source.search(SearchCriteria()))) == 1
    assert sleep.waits == [7.0]
    assert len(responses.calls) == 2


@responses.activate
def test_retry_after_is_capped():
    sleep = FakeSleep()
    responses.get(STUDIES, status=429, headers={"Retry-After": "3600"})
    responses.get(STUDIES, json=make_page([], total=0))
    list(make_source(sleep=sleep, retry_after_max=60).search(SearchCriteria()))
    assert sleep.waits == [60]


@responses.activate
def test_backoff_grows_exponentially_with_jitter_and_is_bounded():
    sleep = FakeSleep()
    for _ in range(4):
        responses.get(STUDIES, status=503)
    source = make_source(sleep=sleep, retry_wait=1, retry_wait_max=4, max_attempts=4)
    with pytest.raises(ApiError):
        list(source.search(SearchCriteria()))
    assert len(sleep.waits) == 3
    assert all(0 <= w <= 4 for w in sleep.waits)


@responses.activate
def test_a_503_burst_exhausts_the_retries():
    for _ in range(4):
        responses.get(STUDIES, status=503, body="Service Unavailable")
    with pytest.raises(ApiError, match=r"HTTP 503.*4 tries") as caught:
        list(make_source(max_attempts=4).search(SearchCriteria()))
    assert caught.value.exit_code == 3
    assert len(responses.calls) == 4


@responses.activate
def test_a_503_burst_that_ends_is_survived():
    responses.get(STUDIES, status=503)
    responses.get(STUDIES, status=502)
    responses.get(STUDIES, json=make_page(many_studies(2), total=2))
    assert len(list(make_source().search(SearchCriteria()))) == 2


@responses.activate
def test_read_timeouts_are_retried_then_reported():
    for _ in range(4):
        responses.get(STUDIES, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(NetworkError, match="did not answer in time"):
        list(make_source().search(SearchCriteria()))
    assert len(responses.calls) == 4


@responses.activate
def test_unreachable_host_names_the_host_and_suggests_api_url():
    responses.get(STUDIES, body=requests.ConnectionError("Name or service not known"))
    with pytest.raises(NetworkError) as caught:
        list(make_source(max_attempts=1).search(SearchCriteria()))
    assert caught.value.message == "could not reach ctgov.test"
    assert "--api-url" in caught.value.hint


@responses.activate
def test_a_400_shows_the_apis_own_text_and_is_not_retried():
    body = "Error parsing query in Other terms: missing ')' at '<EOF>'"
    responses.get(STUDIES, status=400, body=body, content_type="text/plain; charset=UTF-8")
    with pytest.raises(ApiError) as caught:
        list(make_source().search(SearchCriteria()))
    assert body in caught.value.message
    assert len(responses.calls) == 1


@responses.activate
def test_unknown_trial_is_not_found():
    responses.get(f"{STUDIES}/NCT09999999", status=404, body="Not Found")
    with pytest.raises(TrialNotFound, match="NCT09999999 was not found") as caught:
        make_source().get("nct09999999")
    assert caught.value.exit_code == 4


@responses.activate
def test_get_fetches_the_record_by_canonical_id_with_the_search_fields():
    responses.get(f"{STUDIES}/NCT01000001", json=make_study())
    trial = make_source().get("nct01000001")
    assert trial.nct_id == "NCT01000001"
    assert params_of(responses.calls[0]) == {"fields": "|".join(SEARCH_FIELDS)}
    check_calls_against_spec()


@pytest.mark.parametrize(
    "body",
    ["{not json", "<html><body>Down for maintenance</body></html>", "[1, 2]", ""],
)
@responses.activate
def test_malformed_json_is_a_clear_error(body):
    responses.get(STUDIES, body=body, status=200)
    with pytest.raises(BadResponse, match="not valid JSON"):
        list(make_source().search(SearchCriteria()))


@responses.activate
def test_a_page_without_studies_is_a_clear_error():
    responses.get(STUDIES, json={"unexpected": True})
    with pytest.raises(BadResponse, match="without a list of studies"):
        list(make_source().search(SearchCriteria()))


@responses.activate
def test_failure_after_some_pages_is_partial_with_counts():
    responses.get(STUDIES, json=make_page(many_studies(3), "tok1", total=10))
    responses.get(STUDIES, status=400, body="Invalid page token")
    results = make_source().search(SearchCriteria())
    seen = []
    with pytest.raises(PartialResults) as caught:
        for trial in results:
            seen.append(trial.nct_id)
    assert len(seen) == 3
    assert caught.value.fetched == 3 and caught.value.total == 10
    assert "3 of 10 trials fetched" in caught.value.message
    assert "Invalid page token" in caught.value.message
    assert caught.value.exit_code == 5


@responses.activate
def test_bad_records_are_skipped_with_a_warning_naming_them(caplog):
    bad = make_study(nct_id="NCT01000002")
    bad["protocolSection"]["designModule"]["phases"] = "PHASE2"
    studies = [make_study(nct_id="NCT01000001"), bad, {"protocolSection": None}, "junk"]
    responses.get(STUDIES, json=make_page(studies, total=4))
    with caplog.at_level(logging.WARNING, logger="trialfinder"):
        results = make_source().search(SearchCriteria())
        trials = list(results)
    assert [t.nct_id for t in trials] == ["NCT01000001"]
    assert len(results.skipped) == 3
    assert "NCT01000002" in caplog.text and "'phases' should be a list" in caplog.text


@responses.activate
def test_one_session_with_user_agent_and_timeouts(monkeypatch):
    seen = {}
    source = make_source(connect_timeout=3, timeout=12, request_deadline=40)
    original = source.session.get

    def spy(url, **kwargs):
        seen.update(kwargs)
        return original(url, **kwargs)

    monkeypatch.setattr(source.session, "get", spy)
    responses.get(STUDIES, json=make_page([], total=0))
    list(source.search(SearchCriteria()))
    # connect and read time-outs, and the deadline of the whole try
    assert repr(seen["timeout"]) == "Timeout(connect=3, read=12, total=40)"
    user_agent = responses.calls[0].request.headers["User-Agent"]
    assert user_agent.startswith(f"trialfinder/{__version__} ")


@responses.activate
def test_default_pacing_waits_between_requests():
    sleep = FakeSleep()
    responses.get(STUDIES, json=make_page(many_studies(1), "t", total=2))
    responses.get(STUDIES, json=make_page(many_studies(1, prefix=2)))
    source = ClinicalTrialsGov(Settings(api_url=API), sleep=sleep)
    assert source.settings.min_interval == 1.0
    list(source.search(SearchCriteria()))
    assert len(sleep.waits) == 1 and 0.9 < sleep.waits[0] <= 1.0


def test_pacer_lets_the_first_request_go_at_once():
    now = [100.0]
    waits = []
    pacer = Pacer(1.0, clock=lambda: now[0], sleep=waits.append)
    pacer.wait()
    assert waits == []
    now[0] += 0.25
    pacer.wait()
    assert waits == [0.75]
    now[0] += 5
    pacer.wait()
    assert waits == [0.75]


def test_sources_are_registered_by_name():
    assert "clinicaltrials.gov" in available()
    assert isinstance(create("clinicaltrials.gov", Settings(api_url=API)), ClinicalTrialsGov)


@responses.activate
def test_page_bodies_are_parsed_as_utf8():
    study = make_study(title="Étude — naïve café")
    responses.get(
        STUDIES,
        body=json.dumps(make_page([study], total=1)).encode("utf-8"),
        content_type="application/json",
    )
    [trial] = list(make_source().search(SearchCriteria()))
    assert trial.brief_title == "Étude — naïve café"
