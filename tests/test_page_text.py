"""Records sent to worker processes as their JSON text (``sources.ctgov.decode_page``): a page
walked study by study reads as ``json.loads`` reads it, and fails as it fails; a search with a
pool and one without give the same records, skip the same records and stop with the same error,
whatever the registry's answer (garbled, nested too deeply, not an object, studies not a list,
a study that is not an object, duplicate keys, whitespace anywhere, non-ASCII, lone
surrogates, no studies)."""

from __future__ import annotations

import json
import logging
import pickle

import pytest

from trialfinder.criteria import SearchCriteria
from trialfinder.errors import TrialfinderError
from trialfinder.model import StudyText, nct_id_of
from trialfinder.pipeline import OutputNeeds, TagFilter
from trialfinder.request import SearchRequest
from trialfinder.search import SearchRun
from trialfinder.settings import Settings
from trialfinder.sources import ctgov
from trialfinder.sources.ctgov import ClinicalTrialsGov, decode_page

from conftest import SMALL_PAGE
from factories import make_study, many_studies
from fakeapi import FakeApi

PAGE = SMALL_PAGE
pytestmark = pytest.mark.usefixtures("small_pages")
STUDIES = many_studies(3 * PAGE)
IDS = [nct_id_of(s) for s in STUDIES]
JSON = {"Content-Type": "application/json"}
DEEP = '{"studies": ' + "[" * 100_000 + "]" * 100_000 + "}"
SPACE = " \t\r\n "


def spaced(value: object) -> str:
    """``value`` as JSON with whitespace between every token (and around the whole)."""
    text = json.dumps(value, separators=(SPACE + "," + SPACE, SPACE + ":" + SPACE))
    for opening, closing in ("{}", "[]"):
        text = text.replace(opening, opening + SPACE).replace(closing, SPACE + closing)
    return SPACE + text + SPACE


def odd_study() -> dict:
    """A study whose title holds non-ASCII text and a lone surrogate."""
    return make_study(nct_id="NCT10000025", title="Étude 日本語 🧬 myélome \ud800 réfractaire")


def page_two(studies: list, extra: str = "") -> str:
    """The second page's body (its studies and the token of the third), ``extra`` before."""
    return "{" + extra + json.dumps({"studies": studies, "nextPageToken": "t40"})[1:]


# -- the walk, against json.loads --------------------------------------------------------------

VALID = {
    "a page": json.dumps({"totalCount": 2, "studies": STUDIES[:2], "nextPageToken": "x"}),
    "indented": json.dumps({"studies": STUDIES[:3]}, indent=2),
    "whitespace anywhere": spaced({"studies": STUDIES[:3], "totalCount": 3}),
    "no studies": '{"studies": []}',
    "no studies, spaced": '{ "studies" : [ \n ] }',
    "an empty object": "{}",
    "studies twice, the last wins": page_two(STUDIES[20:22], '"studies": [1, 2], '),
    "a name written with escapes": '{"stud\\u0069es": [{"a": 1}]}',
    "studies not a list": '{"studies": {"protocolSection": {}}}',
    "a study that is not an object": json.dumps({"studies": [STUDIES[0], 42, "x", None, []]}),
    "duplicate keys in a study": '{"studies": [{"protocolSection": {"identificationModule": '
    '{"nctId": "NCT00000001"}}, "protocolSection": {"identificationModule": '
    '{"nctId": "NCT00000002", "nctId": "NCT00000003"}}}]}',
    "non-ASCII": json.dumps({"studies": [odd_study()]}, ensure_ascii=False),
    "non-ASCII, escaped": json.dumps({"studies": [odd_study()]}),
}
GARBLED = {
    "empty": "",
    "whitespace only": " \n ",
    "HTML": "<html><body><h1>Scheduled maintenance</h1></body></html>",
    "not an object": "[1, 2]",
    "a string": '"studies"',
    "cut short": '{"studies": [{"protocolSection": ',
    "cut short after a study": json.dumps({"studies": STUDIES[:2]})[:-2],
    "a comma too many": '{"studies": [{"a": 1},]}',
    "a comma too many after the list": '{"studies": [],}',
    "no comma": '{"studies": [{"a": 1} {"a": 2}]}',
    "a name that is not a string": '{"studies": [], 1: 2}',
    "no colon": '{"studies" []}',
    "extra data": '{"studies": []} {"studies": []}',
    "extra data in the list": '{"studies": [1 2]}',
    "a single quote": "{'studies': []}",
    "a control character in a string": '{"studies": ["a\tb"]}',
    "nested too deeply": DEEP,
}


def as_bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def failure(call) -> tuple[type, str] | None:
    try:
        call()
    except (ValueError, RecursionError) as exc:
        return type(exc), str(exc)
    return None


@pytest.mark.parametrize("body", VALID.values(), ids=VALID.keys())
def test_a_page_walked_study_by_study_reads_as_json_loads_reads_it(body):
    content = as_bytes(body)
    plain = decode_page(content)
    walked = decode_page(content, studies_as_text=True)
    assert plain == json.loads(content)
    studies = walked.get("studies")
    if isinstance(plain.get("studies"), list):
        assert all(isinstance(study, StudyText) for study in studies)
        assert [study.decoded() for study in studies] == plain["studies"]
        assert [study.nct_id for study in studies] == list(map(nct_id_of, plain["studies"]))
        walked["studies"] = plain["studies"]
    assert walked == plain


def test_the_walk_reads_the_nct_id_of_the_last_of_duplicate_keys():
    [study] = decode_page(as_bytes(VALID["duplicate keys in a study"]), True)["studies"]
    assert study.nct_id == "NCT00000003"


def test_non_ascii_and_a_lone_surrogate_come_through_the_text_and_pickle():
    for name in ("non-ASCII", "non-ASCII, escaped"):
        [study] = decode_page(as_bytes(VALID[name]), True)["studies"]
        sent = pickle.loads(pickle.dumps(study, pickle.HIGHEST_PROTOCOL))
        assert sent == study
        title = sent.decoded()["protocolSection"]["identificationModule"]["briefTitle"]
        assert title == odd_study()["protocolSection"]["identificationModule"]["briefTitle"]


@pytest.mark.parametrize("body", GARBLED.values(), ids=GARBLED.keys())
def test_a_garbled_page_fails_as_json_loads_fails(body):
    content = as_bytes(body)
    plain = failure(lambda: decode_page(content))
    assert plain is not None
    assert failure(lambda: decode_page(content, studies_as_text=True)) == plain


@pytest.mark.parametrize(
    "content",
    [b"\xef\xbb\xbf" + as_bytes(VALID["a page"]), as_bytes(VALID["a page"]).replace(b"x", b"\xff")],
    ids=["a UTF-8 BOM", "invalid UTF-8"],
)
def test_a_page_in_odd_bytes_is_read_as_json_loads_reads_it(content):
    plain = failure(lambda: json.loads(content))
    assert failure(lambda: decode_page(content, True)) == plain
    if plain is None:
        assert len(decode_page(content, True)["studies"]) == 2


# -- a search with a pool and without: the second page as the registry sent it ------------------


@pytest.fixture
def as_text(monkeypatch):
    """Whether each page was asked for with its studies as text, in the order asked."""
    asked: list[bool] = []
    decode = ctgov.decode_page

    def spy(content: bytes, studies_as_text: bool = False):
        asked.append(studies_as_text)
        return decode(content, studies_as_text)

    monkeypatch.setattr(ctgov, "decode_page", spy)
    return asked


def search(count: int, second: str, times: int = 1, studies=STUDIES):
    """A search of every trial on ``count`` workers, its second page answered ``times`` times
    with ``second``: (records, skipped records, the error it stopped with, requests sent)."""
    with FakeApi(studies) as api:
        body = as_bytes(second)
        api.fail("/studies", times=times, status=200, body=body, headers=JSON, after_pages=1)
        settings = Settings.from_env(api_url=api.url, cache=False, min_interval=0)
        criteria = SearchCriteria(settings=("any",), statuses=("any",))
        run = SearchRun(
            ClinicalTrialsGov(settings), SearchRequest(criteria, TagFilter()), workers=count
        )
        records, error = [], None
        try:
            records.extend(run.records())
        except TrialfinderError as exc:
            message = exc.message.replace(api.url.split("/")[2], "HOST")  # each its own port
            error = (type(exc).__name__, message, exc.hint, exc.exit_code)
        skipped = [(e.record_id, e.reason) for e in run.results.skipped]
        return records, skipped, error, len(api.studies_requests())


def both(second: str, as_text: list[bool], times: int = 1, studies=STUDIES):
    """The search without a pool, then with one (whose later pages are walked as text)."""
    alone = search(1, second, times, studies)
    assert not any(as_text)
    as_text.clear()
    pooled = search(2, second, times, studies)
    assert as_text[:2] == [False, True]  # the first page decides the pool, the next is text
    return alone, pooled


NOT_AN_OBJECT = ("record", "expected a JSON object, got int")
SECOND = {  # the second page, and the records it skips
    "whitespace anywhere": (spaced({"studies": STUDIES[20:40], "nextPageToken": "t40"}), []),
    "studies twice, the last wins": (page_two(STUDIES[20:40], '"studies": [{"a": 1}], '), []),
    "a study that is not an object": (
        page_two([*STUDIES[20:30], 42, *STUDIES[30:40]]),
        [NOT_AN_OBJECT],
    ),
    # then the second page again, under another token (the fake API reads "t020" as "t20")
    "no studies": ('{"studies": [], "nextPageToken": "t020"}', []),
}


@pytest.mark.parametrize(("second", "skips"), SECOND.values(), ids=SECOND.keys())
def test_the_same_records_with_a_pool_and_without(small_pool, as_text, caplog, second, skips):
    with caplog.at_level(logging.WARNING, "trialfinder"):
        alone, pooled = both(second, as_text)
    assert pooled == alone
    records, skipped, error, _ = pooled
    assert error is None
    assert [record["nct_id"] for record in records] == IDS
    assert skipped == skips
    warning = "skipped record record: expected a JSON object, got int"
    assert caplog.text.count(warning) == 2 * len(skips)  # once in each search


def test_duplicate_keys_in_a_study_the_last_wins_with_a_pool_and_without(small_pool, as_text):
    decoy = make_study(nct_id="NCT99999999", title="Not this one")["protocolSection"]
    twice = '{"protocolSection": ' + json.dumps(decoy) + ", " + json.dumps(STUDIES[24])[1:]
    studies = [*map(json.dumps, STUDIES[20:24]), twice, *map(json.dumps, STUDIES[25:40])]
    second = page_two([]).replace("[]", "[" + ", ".join(studies) + "]")
    alone, pooled = both(second, as_text)
    assert pooled == alone
    records = pooled[0]
    assert [record["nct_id"] for record in records] == IDS
    assert records[24]["title"] == "Trial number 25"


def test_non_ascii_and_a_lone_surrogate_with_a_pool_and_without(small_pool, as_text):
    studies = [*STUDIES[:24], odd_study(), *STUDIES[25:]]
    escaped = page_two(studies[20:40])
    raw = json.dumps({"studies": studies[20:40], "nextPageToken": "t40"}, ensure_ascii=False)
    for body in (escaped, raw):
        as_text.clear()
        alone, pooled = both(body, as_text, studies=studies)
        assert pooled == alone
        assert pooled[0][24]["title"].startswith("Étude 日本語 🧬 myélome ")


GARBLED_SECOND = {
    "not valid JSON": (
        GARBLED["HTML"],
        "PartialResults",
        "sent a response that is not valid JSON (JSONDecodeError; it starts '<html>",
    ),
    "cut short": (
        GARBLED["cut short"],
        "PartialResults",
        'not valid JSON (JSONDecodeError; it starts \'{"studies": [{"protocolSection":\'',
    ),
    "not an object": (
        "[1, 2]",
        "PartialResults",
        "not valid JSON (ValueError; it starts '[1, 2]')",
    ),
    "nested too deeply": (DEEP, "PartialResults", "sent JSON nested too deeply to read"),
    "studies not a list": (
        '{"studies": {"a": 1}, "nextPageToken": "t40"}',
        "PartialResults",
        "sent a page without a list of studies",
    ),
}


@pytest.mark.parametrize(("second", "kind", "said"), GARBLED_SECOND.values(), ids=GARBLED_SECOND)
def test_a_garbled_page_stops_alike_with_a_pool_and_without(
    small_pool, as_text, second, kind, said
):
    alone, pooled = both(second, as_text, times=5)
    assert pooled == alone
    records, skipped, error, requests = pooled
    assert [record["nct_id"] for record in records] == IDS[:PAGE]
    assert error is not None and error[0] == kind and said in error[1], error
    assert "20 of 60 trials fetched" in error[1]
    retried = "JSON" in said and "deeply" not in said  # a garbled answer is tried 5 times
    assert requests == 1 + (5 if retried else 1)


@pytest.mark.parametrize("second", [GARBLED["HTML"], "[1, 2]", GARBLED["cut short"]])
def test_a_garbled_page_once_is_retried_alike_with_a_pool_and_without(small_pool, as_text, second):
    alone, pooled = both(second, as_text)
    assert pooled == alone
    records, skipped, error, requests = pooled
    assert error is None and skipped == []
    assert [record["nct_id"] for record in records] == IDS
    assert requests == 3 + 1
    assert as_text[:3] == [False, True, True]  # the retry too


def test_show_reads_a_trial_of_a_page_sent_as_text_from_the_cached_page(small_pool, as_text):
    with FakeApi(STUDIES) as api:
        settings = Settings.from_env(api_url=api.url, cache=True, min_interval=0)
        criteria = SearchCriteria(settings=("any",), statuses=("any",))
        request = SearchRequest(criteria, TagFilter())
        needs = OutputNeeds(site_details=True)  # the fields `show` asks for
        run = SearchRun(ClinicalTrialsGov(settings), request, needs, workers=2)
        assert [record["nct_id"] for record in run.records()] == IDS
        assert as_text[:3] == [False, True, True]
        asked = len(api.requests)
        trial = ClinicalTrialsGov(settings).get(IDS[PAGE + 5])  # on a page sent as text
        assert trial.nct_id == IDS[PAGE + 5] and trial.brief_title == "Trial number 26"
        assert len(api.requests) == asked  # read from the search's cached page
