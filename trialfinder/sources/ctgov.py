"""ClinicalTrials.gov API v2: the default trial registry.

One configured ``requests.Session`` sends every request: a User-Agent naming the tool, connect
and read time-outs, an HTTP cache (see ``trialfinder.httpcache``), polite pacing (one request a
second by default, the site's crawl delay; answers from the cache are not paced) and bounded
retries on transient failures only (busy or failing service, broken connection, time-out, and a
200 answer whose body is not the JSON it should be, such as a maintenance page).

Nothing a server sends can hold trialfinder for ever or fill its memory: every request goes to
the configured scheme, host and port only (a redirect elsewhere is refused), each try has a
deadline for connection, headers and body together, an answer is read up to a size limit (as
sent and once decompressed), the tries of one request and the waits between them fit in one
time budget, and paging stops where the first page's count says it should (``PagingGuard``).

``show`` asks for the same ``fields`` as a search with site details, so the record of a trial such
a search just listed is read from that cached search page (the cache notes which page holds each
trial) instead of being asked for again.
"""

from __future__ import annotations

import email.utils
import io
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
import requests.adapters
import urllib3
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)
from urllib3.exceptions import DecodeError, ProtocolError, ReadTimeoutError
from urllib3.exceptions import SSLError as TransportSSLError

from trialfinder import __version__
from trialfinder.criteria import SearchCriteria
from trialfinder.errors import (
    ApiError,
    BadResponse,
    NetworkError,
    RecordError,
    RedirectRefused,
    ResponseTooLarge,
    TrialNotFound,
)
from trialfinder.model import (
    StudyText,
    Trial,
    is_nct_id,
    nct_id_of,
    normalize_nct_id,
    parse_study,
)
from trialfinder.settings import DEFAULT_API_URL, Settings, variable
from trialfinder.sources.base import Page, PagingGuard, ProgressCallback, SearchResults, Source

if TYPE_CHECKING:
    from trialfinder.httpcache import SafeSQLiteCache

log = logging.getLogger("trialfinder.requests")

USER_AGENT = f"trialfinder/{__version__} (refractory-cancer clinical trial finder; python-requests)"
MAX_PAGE_SIZE = 1000  # the API coerces larger values down to 1000
MAX_IDS_PER_QUERY = 1000  # more NCT ids are sent in several queries, to keep URLs short

# Only what trialfinder reads (see model.parse_study), piece by piece where a module holds much
# more: no outcomes, results, references or long descriptions, and no contacts per site or
# study officials, which make up most of a full record.
SEARCH_FIELDS = (
    "NCTId",
    "BriefTitle",
    "OfficialTitle",
    "Acronym",
    "OverallStatus",
    "StartDate",
    "StudyFirstPostDate",
    "LastUpdatePostDate",
    "LeadSponsorName",
    "BriefSummary",
    "ConditionsModule",
    "StudyType",
    "Phase",
    "DesignPrimaryPurpose",
    "DesignInterventionModel",
    "ArmsInterventionsModule",
    "EligibilityModule",
    "CentralContactName",
    "CentralContactRole",
    "CentralContactPhone",
    "CentralContactPhoneExt",
    "CentralContactEMail",
    "LocationFacility",
    "LocationStatus",
    "LocationCity",
    "LocationState",
    "LocationZip",
    "LocationCountry",
    "LocationGeoPoint",
    "LocationContactName",
    "LocationContactRole",
    "LocationContactPhone",
    "LocationContactPhoneExt",
    "LocationContactEMail",
    "InterventionMeshId",
    "InterventionMeshTerm",
    "InterventionAncestorId",
    "InterventionAncestorTerm",
)


# Of each site, only city, state and country when the search does not need the details
# (SearchCriteria.site_details): enough for the site count and the summary's countries.
SITE_DETAIL_FIELDS = (
    "LocationFacility",
    "LocationStatus",
    "LocationZip",
    "LocationGeoPoint",
    "LocationContactName",
    "LocationContactRole",
    "LocationContactPhone",
    "LocationContactPhoneExt",
    "LocationContactEMail",
)

FIELDS_PARAM = "|".join(SEARCH_FIELDS)  # pipeDelimited, as the spec declares it
FIELDS_PARAM_WITHOUT_SITE_DETAILS = "|".join(
    name for name in SEARCH_FIELDS if name not in SITE_DETAIL_FIELDS
)


# Statuses worth a retry: the request itself was fine, the service was busy or restarting.
RETRYABLE_STATUS = {429, 500, 502, 503, 504}
MAX_REDIRECTS = 5  # same-origin redirects only (an NCT id alias answers 301 to its trial)
CHUNK_SIZE = 64 * 1024  # an answer is read this much at a time, the limits checked after each
DEFAULT_PORTS = {"http": 80, "https": 443}


class _Transient(Exception):
    def __init__(self, response: requests.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response
        self.retry_after = retry_after_seconds(response.headers.get("Retry-After"))


class DeadlineExceeded(requests.exceptions.Timeout):
    """One try went past its deadline: connection, headers and body together."""


@dataclass
class _Answer:
    response: requests.Response
    data: Any = None  # the decoded JSON object of a 200 answer
    error: ValueError | None = None  # why a 200 answer could not be decoded
    tries: int = 1
    out_of_time: bool = False  # the retries stopped because the time budget was spent


class _Garbled(Exception):
    """A 200 answer whose body is not a JSON object: a maintenance page, a cut-off body."""

    def __init__(self, response: requests.Response, cause: ValueError) -> None:
        super().__init__(str(cause))
        self.response = response
        self.cause = cause


_ASCII_DIGITS = re.compile(r"[0-9]+")
_HUGE = 10**18


def ascii_int(value: str | None) -> int | None:
    """A whole number written in ASCII digits (at most 10**18), else ``None``.

    Not ``str.isdigit``: it is true for "²" and "٣", which ``int`` rejects or reads oddly.
    """
    if value is None:
        return None
    value = value.strip()
    if not _ASCII_DIGITS.fullmatch(value):
        return None
    return int(value) if len(value) <= 18 else _HUGE


# How much of a server's own explanation of a refusal is shown (a hostile one sent 30 MiB, and
# a cron job mailed it whole).
MAX_SERVER_WORDS = 300


def _server_words(text: str) -> str:
    """A server's explanation on one line, cut to :data:`MAX_SERVER_WORDS` characters."""
    words = " ".join(text[: MAX_SERVER_WORDS * 4].split())
    if not words:
        return "no explanation given"
    return words if len(words) <= MAX_SERVER_WORDS else words[: MAX_SERVER_WORDS - 1] + "…"


def _duration(seconds: float) -> str:
    """``90 s``, ``25 minutes``, ``3 hours``, ``11,574 days``: a wait a server asked for."""
    if seconds < 120:
        return f"{seconds:g} s"
    if seconds < 2 * 3600:
        return f"{round(seconds / 60)} minutes"
    if seconds < 2 * 86400:
        return f"{round(seconds / 3600)} hours"
    return f"{round(seconds / 86400):,} days"


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` is either seconds or an HTTP date; anything else (negative, "²") is None."""
    if not value:
        return None
    seconds = ascii_int(value)
    if seconds is not None:
        return float(seconds)
    try:
        when = email.utils.parsedate_to_datetime(value.strip())
        if when.tzinfo is None:  # "-0000": UTC, with no zone said
            when = when.replace(tzinfo=timezone.utc)
        return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError, IndexError, OverflowError, OSError):
        return None


# Failures worth a retry: no answer, a broken connection, a busy or restarting service, or a 200
# whose body is garbled (a maintenance page, a body cut short). Anything else (400, 404) would
# fail the same way again.
TRANSIENT_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    _Transient,
    _Garbled,
)


class Pacer:
    """Keeps at least ``min_interval`` seconds between requests; the first goes at once."""

    def __init__(
        self,
        min_interval: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.min_interval = min_interval
        self._clock = clock
        self._sleep = sleep
        self._last: float | None = None

    def wait(self) -> None:
        if self._last is not None and self.min_interval > 0:
            remaining = self._last + self.min_interval - self._clock()
            if remaining > 0:
                self._sleep(remaining)
        self._last = self._clock()


def origin_of(url: str) -> tuple[str, str, int]:
    """Scheme, host and port of ``url`` (the port filled in from the scheme)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or DEFAULT_PORTS.get(scheme, 0)


class GuardedAdapter(requests.adapters.HTTPAdapter):
    """The transport: only to the API's origin, paced, counted, and each answer bounded.

    Mounted under the cache, so an answer from the cache is neither paced nor counted. A request
    to another scheme, host or port (a redirect, since trialfinder builds every URL from the
    configured one) is refused before anything is sent. The body is read here, ``CHUNK_SIZE`` at
    a time, up to the size limits; a ``total`` in the urllib3 ``Timeout`` is the try's deadline
    for connection, headers and body together. urllib3 bounds each socket operation only, so a
    server sending a byte every few seconds could otherwise hold a request for ever: the exchange
    runs in a daemon thread that the caller stops waiting for at the deadline.
    """

    def __init__(
        self,
        settings: Settings,
        pacer: Pacer,
        on_send: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.origin = origin_of(settings.api_url.strip())
        self.host = urlsplit(settings.api_url.strip()).netloc
        self.pacer = pacer
        self.on_send = on_send

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,  # an urllib3.Timeout whose total is the try's deadline
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        self._check_origin(request.url or "")
        seconds = getattr(timeout, "total", None)
        deadline = None if seconds is None else time.monotonic() + seconds
        self.pacer.wait()
        if deadline is not None and time.monotonic() >= deadline:
            raise DeadlineExceeded(f"no time left to ask {self.host}")
        if self.on_send:
            self.on_send()

        def exchange() -> requests.Response:
            response = super(GuardedAdapter, self).send(
                request, stream=True, timeout=timeout, verify=verify, cert=cert, proxies=proxies
            )
            return self._read(response, deadline)

        if deadline is None:
            return exchange()
        return _within(
            exchange, deadline, f"{self.host} did not answer in full within {seconds:g}s"
        )

    def _check_origin(self, url: str) -> None:
        try:
            origin = origin_of(url)
            parts = urlsplit(url)
            # Scheme and host only: no credentials, and nothing a terminal would act on.
            netloc = "".join(c for c in parts.netloc.rpartition("@")[2] if c.isprintable())
            where = f"{parts.scheme}://{netloc}"
        except ValueError:
            origin, where = None, "an invalid address"
        if origin != self.origin:
            raise RedirectRefused(
                f"{self.host} redirected the request to {where}; trialfinder contacts "
                f"only the configured API ({self.settings.api_url.strip()}), so it stopped there",
                hint="if the API has moved, point --api-url (or TRIALFINDER_API_URL) at its "
                "new address",
            )

    def _read(self, response: requests.Response, deadline: float | None) -> requests.Response:
        """``response`` with its whole body read within the limits, ready for requests' own use."""
        try:
            body = self._body(response, deadline)
        except BaseException:
            response.close()
            raise
        original = response.raw
        skip = {"content-encoding", "transfer-encoding", "content-length"}  # decoded now
        headers = {k: v for k, v in response.headers.items() if k.lower() not in skip}
        headers["Content-Length"] = str(len(body))
        response.raw = urllib3.HTTPResponse(
            body=io.BytesIO(body),
            headers=headers,
            status=response.status_code,
            reason=response.reason,
            request_url=response.url,
            preload_content=False,
            decode_content=False,
        )
        original.release_conn()
        return response

    def _body(self, response: requests.Response, deadline: float | None) -> bytes:
        s = self.settings
        declared = ascii_int(response.headers.get("Content-Length"))
        if declared is not None and declared > s.max_response_bytes:
            raise self._too_large("max_response_mb", "")
        raw = response.raw
        body = io.BytesIO()
        try:
            for chunk in _chunks(raw):
                body.write(chunk)
                if raw.tell() > s.max_response_bytes:
                    raise self._too_large("max_response_mb", "")
                if body.tell() > s.max_decoded_bytes:
                    raise self._too_large("max_decoded_mb", " once decompressed")
                if deadline is not None and time.monotonic() > deadline:
                    raise DeadlineExceeded(f"{self.host} is sending its answer too slowly")
        # As requests itself translates them (Response.iter_content).
        except ProtocolError as exc:
            raise requests.exceptions.ChunkedEncodingError(exc) from exc
        except DecodeError as exc:
            raise requests.exceptions.ContentDecodingError(exc) from exc
        except ReadTimeoutError as exc:
            raise requests.exceptions.ReadTimeout(exc) from exc
        except TransportSSLError as exc:
            raise requests.exceptions.SSLError(exc) from exc
        return body.getvalue()

    def _too_large(self, name: str, how: str) -> ResponseTooLarge:
        limit = getattr(self.settings, name)
        return ResponseTooLarge(
            f"{self.host} sent an answer larger than {limit:g} MiB{how}; it was not read further",
            hint=f"if this server's answers really are that large, raise {variable(name)}",
        )


def _chunks(raw: Any) -> Iterator[bytes]:
    """The decoded body, as it arrives: ``read1`` returns after one read from the socket, so a
    server sending a byte at a time is checked against the deadline byte by byte (``stream``,
    for urllib3 before 2.3, waits for a whole chunk)."""
    read1 = getattr(raw, "read1", None)
    if read1 is None:
        yield from raw.stream(CHUNK_SIZE, decode_content=True)
        return
    while chunk := read1(CHUNK_SIZE, decode_content=True):
        yield chunk


def _within(
    exchange: Callable[[], requests.Response], deadline: float, late: str
) -> requests.Response:
    """``exchange()`` run in a daemon thread, waited for until ``deadline`` (monotonic) at most.

    An exchange still running then is left to end by itself (it stops at its next chunk, or at
    the read time-out) and its response is closed; the caller goes on at once.
    """
    done = threading.Event()
    lock = threading.Lock()
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            response = exchange()
        except BaseException as exc:  # handed to the caller's thread
            with lock:
                outcome["error"] = exc
                done.set()
            return
        with lock:
            abandoned = outcome.get("abandoned", False)
            outcome["response"] = response
            done.set()
        if abandoned:
            response.close()

    threading.Thread(target=run, name="trialfinder-request", daemon=True).start()
    done.wait(max(0.0, deadline - time.monotonic()))
    with lock:
        if not done.is_set():
            outcome["abandoned"] = True
            raise DeadlineExceeded(late)
    if "error" in outcome:
        raise outcome["error"]
    response: requests.Response = outcome["response"]
    return response


_WHITESPACE = re.compile(r"[ \t\n\r]*")  # JSON's whitespace, as the json module skips it
_JSON = json.JSONDecoder()


def decode_page(content: bytes, studies_as_text: bool = False) -> dict[str, Any]:
    """An answer of the API decoded as ``json.loads`` decodes it, or raises as it does (a
    ``ValueError``, a ``RecursionError``); ``ValueError`` too for JSON that is not an object.

    ``studies_as_text``: each item of the page's ``studies`` list is given as its JSON text, a
    :class:`~trialfinder.model.StudyText`. Records sent to worker processes cost less to send,
    and to take in, as text than as decoded objects: here each study is decoded on its own (so
    that the page is checked whole, as ``json.loads`` would check it, and the study's NCT id
    read), then dropped at once, and only its text is kept. What the walk does not expect (a
    garbled page) is left to ``json.loads``, so that the page fails, or not, as it would have.
    """
    if studies_as_text:
        text = content.decode(json.detect_encoding(content), "surrogatepass")  # as json.loads
        try:
            return _split_page(text)
        except ValueError:
            pass
    data = json.loads(content)
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, got {type(data).__name__}")
    return data


def _split_page(text: str) -> dict[str, Any]:
    """The JSON object ``text``, its ``studies`` list (if it is one) as StudyText items."""
    value = _JSON.raw_decode
    page: dict[str, Any] = {}
    at = _after(text, _skip(text, 0), "{")
    if text[at : at + 1] == "}":
        at += 1
    else:
        while True:
            if text[at : at + 1] != '"':
                raise ValueError(f"expected a name at {at}")
            key, at = value(text, at)
            at = _after(text, _skip(text, at), ":")
            if key == "studies" and text[at : at + 1] == "[":
                page[key], at = _split_studies(text, at + 1)
            else:
                page[key], at = value(text, at)
            at = _skip(text, at)
            if text[at : at + 1] == "}":
                at += 1
                break
            at = _after(text, at, ",")
    if _skip(text, at) != len(text):
        raise ValueError(f"extra data at {at}")
    return page


def _split_studies(text: str, at: int) -> tuple[list[StudyText], int]:
    """The items of the JSON list opened before ``at``, and where the list ends."""
    value = _JSON.raw_decode
    studies: list[StudyText] = []
    at = _skip(text, at)
    if text[at : at + 1] == "]":
        return studies, at + 1
    while True:
        start = at
        study, at = value(text, at)
        studies.append(StudyText(text[start:at], nct_id_of(study)))
        del study  # only its text is kept
        at = _skip(text, at)
        if text[at : at + 1] == "]":
            return studies, at + 1
        at = _after(text, at, ",")


def _after(text: str, at: int, char: str) -> int:
    """Where the next value starts, after ``char`` at ``at`` and whitespace (else ValueError)."""
    if text[at : at + 1] != char:
        raise ValueError(f"expected {char!r} at {at}")
    return _skip(text, at + 1)


def _skip(text: str, at: int) -> int:
    """Where the whitespace from ``at`` ends."""
    space = _WHITESPACE.match(text, at)
    return space.end() if space else at


def make_session(settings: Settings) -> requests.Session:
    """The session every request goes through: cached unless the settings say otherwise."""
    session = None
    if settings.uses_cache:
        # requests-cache (and its SQLite store) only for a search that uses the cache.
        from trialfinder.httpcache import open_cached_session

        session = open_cached_session(settings)
    session = session or requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    session.headers["Accept"] = "application/json"
    return session


class ClinicalTrialsGov(Source):
    name = "clinicaltrials.gov"

    def __init__(
        self,
        settings: Settings | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings or Settings()
        self.base_url = self.settings.api_url.strip().rstrip("/")
        self.host = urlsplit(self.base_url).netloc or self.base_url
        self.session = session or make_session(self.settings)
        self.session.max_redirects = MAX_REDIRECTS
        self._sleep = sleep
        self._clock = clock  # for the retry budget
        # Told why a request waits before its next try, and "" once it got through.
        self.on_retry: Callable[[str], None] | None = None
        self.pacer = Pacer(self.settings.min_interval, sleep=sleep)
        self.requests_sent = 0  # requests that reached the network (cache hits excluded)
        adapter = GuardedAdapter(self.settings, self.pacer, self._count_request)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.hooks["response"].append(self._readable_redirect)

    def _readable_redirect(self, response: requests.Response, *args: Any, **kwargs: Any) -> Any:
        """A response hook (run before requests follows a redirect): a redirect to an address
        that cannot be read ("http://[::1") is refused; urllib's ValueError went up as a bug,
        exit 1, and ended a whole digest run."""
        if response.is_redirect:
            try:
                parts = urlsplit(response.headers.get("location", ""))
                parts.port  # noqa: B018 (reading it checks it)
                (parts.hostname or "").encode("idna")  # (a name part of 64 letters or more)
            except ValueError:
                response.close()
                raise RedirectRefused(
                    f"{self.host} redirected the request to an address that cannot be read; "
                    "trialfinder stopped there",
                    hint="check that --api-url points to the ClinicalTrials.gov API v2",
                ) from None
        return response

    def _count_request(self) -> None:
        self.requests_sent += 1

    # -- the Source interface -------------------------------------------------------------

    def search(
        self, criteria: SearchCriteria, on_progress: ProgressCallback | None = None
    ) -> SearchResults:
        # The work on the records tells, once it has begun, whether it takes them as text.
        text = threading.Event()
        pages = self._pages(criteria, text.is_set)
        return SearchResults(pages, criteria.limit, on_progress, text_records=text)

    def get(self, nct_id: str) -> Trial:
        nct_id = normalize_nct_id(nct_id)
        cache = self._cache()
        listed = (
            cache.listed_study(nct_id, self._listing(self.study_params()["fields"]))
            if cache
            else None
        )
        if listed is not None:  # a search listed it a moment ago, with the same fields
            log.debug("%s: from a search page of %s in the cache", nct_id, self.base_url)
            return self._trial(listed)
        answer = self._get_answer(f"/studies/{nct_id}", self.study_params(), not_found=nct_id)
        got = nct_id_of(answer.data)
        # An NCT id alias is answered with a 301 to its trial's own id (API_NOTES, fetchStudy).
        redirected_to = urlsplit(answer.response.url).path.rsplit("/", 1)[-1].upper()
        if got != nct_id and not (answer.response.history and got == redirected_to):
            self._forget(answer.response)
            other = f"the record of {got}" if got and is_nct_id(got) else "another record"
            raise BadResponse(
                f"{self.host} answered the request for {nct_id} with {other}; it is not shown",
                hint="check that --api-url points to the ClinicalTrials.gov API v2",
            )
        try:
            return self._trial(answer.data)
        except BadResponse:
            self._forget(answer.response)  # (not kept in the cache for the next try)
            raise

    def _trial(self, data: Any) -> Trial:
        """The trial of one record the API sent; a record that cannot be read is a bad answer
        (a search skips such a record, but the one asked for is all there is to show)."""
        try:
            return parse_study(data)
        except RecordError as exc:
            raise BadResponse(
                f"{self.host} sent a record that cannot be read: {exc}",
                hint="try again later; if it persists, the registry's record is at fault",
            ) from None

    @staticmethod
    def study_params() -> dict[str, str]:
        """``/studies/{nctId}`` asks for what a search asks for: the same trial, the same bytes."""
        return {"fields": FIELDS_PARAM}

    # -- paging -----------------------------------------------------------------------------

    def page_params(self, criteria: SearchCriteria) -> dict[str, str]:
        """Parameters of the first page; later pages repeat them (the spec requires it)."""
        limit = criteria.limit
        page_size = MAX_PAGE_SIZE if limit is None else min(MAX_PAGE_SIZE, limit)
        if criteria.page_size:
            page_size = min(MAX_PAGE_SIZE, criteria.page_size)
        return {
            **criteria.to_params(),
            "fields": FIELDS_PARAM if criteria.site_details else FIELDS_PARAM_WITHOUT_SITE_DETAILS,
            "pageSize": str(page_size),
            "countTotal": "true",
        }

    def _pages(self, criteria: SearchCriteria, as_text: Callable[[], bool]) -> Iterator[Page]:
        """The pages of the search; ``as_text()`` says, before each page is decoded, whether
        its studies are to be given as their JSON text (see :func:`decode_page`)."""
        seen: set[str] = set()  # NCT ids sent so far: none is passed on twice
        if len(criteria.ids) <= MAX_IDS_PER_QUERY:
            yield from self._query_pages(criteria, seen, as_text)
            return
        # One query per batch of ids; the total is known once the last batch reports its own
        # (before, a failure would be said "1,000 of 1,000 trials fetched" of 2,500 ids).
        total = 0
        for start in range(0, len(criteria.ids), MAX_IDS_PER_QUERY):
            batch = replace(criteria, ids=criteria.ids[start : start + MAX_IDS_PER_QUERY])
            last = start + MAX_IDS_PER_QUERY >= len(criteria.ids)
            for page in self._query_pages(batch, seen, as_text):
                if page.total is not None:
                    total += page.total
                    page = Page(studies=page.studies, total=total if last else None)
                yield page
                del page  # not held while the next page is fetched

    def _query_pages(
        self, criteria: SearchCriteria, seen: set[str], as_text: Callable[[], bool]
    ) -> Iterator[Page]:
        params = self.page_params(criteria)
        guard = PagingGuard(self.host, int(params["pageSize"]), seen)
        seen_tokens: set[str] = set()
        while True:
            guard.before_page()
            answer = self._get_answer("/studies", params, as_text=as_text())
            data = answer.data
            studies = data.get("studies")
            if not isinstance(studies, list):
                raise BadResponse(
                    f"{self.host} sent a page without a list of studies",
                    hint="check that --api-url points to the ClinicalTrials.gov API v2",
                )
            self._remember(answer.response, studies, params.get("fields", ""))
            token = data.get("nextPageToken")
            first = guard.pages == 0
            kept, stop = guard.admit(
                studies, data.get("totalCount") if first else None, bool(token)
            )
            page = [Page(studies=kept, total=guard.announced if first else None)]
            # Hold no reference to this page (body, JSON, list) while suspended, nor while the
            # next one is fetched: whoever takes the page decides how long it lives.
            del answer, data, studies, kept
            yield page.pop()
            if stop is not None:
                raise stop
            if not token:
                guard.finish()
                return
            if not isinstance(token, str):
                if guard.announced is not None and guard.received >= guard.announced:
                    guard.finish()  # (every trial it announced came: nothing is missing)
                    return
                raise BadResponse(f"{self.host} sent a page token that is not text; stopping")
            if token in seen_tokens:
                raise BadResponse(f"{self.host} sent the same page token twice; stopping")
            seen_tokens.add(token)
            params = {k: v for k, v in params.items() if k != "countTotal"}
            params["pageToken"] = token

    def _cache(self) -> SafeSQLiteCache | None:
        """The HTTP cache, when there is one and cached answers may be used."""
        cache = getattr(self.session, "cache", None)
        if cache is None or self._refreshing() or not hasattr(cache, "listed_study"):
            return None
        found: SafeSQLiteCache = cache
        return found

    def _remember(self, page: requests.Response, studies: list[Any], fields: str) -> None:
        """Note which cached page holds each trial, for ``show`` (see the module docstring)."""
        cache = getattr(self.session, "cache", None)
        key = getattr(page, "cache_key", None)
        if cache is None or not key or getattr(page, "from_cache", True):
            return
        ids = [nct_id for nct_id in map(nct_id_of, studies) if nct_id]
        cache.remember_listing(key, ids, self._listing(fields), getattr(page, "expires", None))

    def _listing(self, fields: str) -> str:
        """What a cached listing is noted under: the server and the fields asked for (a trial
        another server listed is no answer of this one's)."""
        return f"{self.base_url} {fields}"

    # -- HTTP -------------------------------------------------------------------------------

    def _get_json(self, path: str, params: dict[str, str], not_found: str | None = None) -> Any:
        return self._get_answer(path, params, not_found).data

    def _get_answer(
        self,
        path: str,
        params: dict[str, str],
        not_found: str | None = None,
        as_text: bool = False,
    ) -> _Answer:
        """A 200 answer with its decoded JSON object, or the error that explains why not;
        ``as_text``: its studies as their JSON text (see :func:`decode_page`)."""
        answer = self._send(path, params, as_text)
        response = answer.response
        status = response.status_code
        if status == 404 and not_found:
            # (A server at another URL is named as such: a wrong path there says 404 too.)
            where = "ClinicalTrials.gov" if self.base_url == DEFAULT_API_URL else self.base_url
            raise TrialNotFound(
                f"{not_found} was not found on {where}",
                hint="check the NCT id; trials are listed at https://clinicaltrials.gov"
                + ("" if where == "ClinicalTrials.gov" else ", and check --api-url"),
            )
        if status == 400 and "pageToken" in params:
            text = _server_words(response.text)
            raise ApiError(
                f"ClinicalTrials.gov rejected the token for the next page: {text}",
                hint="tokens expire when the registry refreshes its data; run the search again",
                status=status,
            )
        if status == 400:
            text = _server_words(response.text)
            raise ApiError(
                f"ClinicalTrials.gov rejected the search: {text}",
                hint="check the search words and options; run with --debug to see the request",
                status=status,
            )
        if status in RETRYABLE_STATUS:
            reason = "is rate-limiting requests" if status == 429 else "is having problems"
            wanted = retry_after_seconds(response.headers.get("Retry-After"))
            hint = "try again in a few minutes"
            if wanted and answer.out_of_time:
                hint = f"it asked to wait {_duration(wanted)}; try again after that"
            raise ApiError(
                f"{self.host} {reason} (HTTP {status}) and did not recover after "
                f"{self._tries(answer.tries, answer.out_of_time)}",
                hint=hint,
                status=status,
            )
        if status != 200:
            raise ApiError(
                f"{self.host} answered HTTP {status} for {path}",
                hint="check that --api-url points to the ClinicalTrials.gov API v2",
                status=status,
            )
        if answer.error is not None:  # still garbled after the last try
            start = " ".join(response.text[:60].split())
            raise BadResponse(
                f"{self.host} sent a response that is not valid JSON "
                f"({answer.error.__class__.__name__}; it starts {start!r}), "
                f"{self._tries(answer.tries, answer.out_of_time)}",
                hint="the service may be down for maintenance; try again later",
            )
        return answer

    def _tries(self, tries: int, out_of_time: bool) -> str:
        """ "3 tries", and why no more when the time budget, not the count, stopped them."""
        text = "1 try" if tries == 1 else f"{tries} tries"
        if out_of_time:
            text += f" (no more fit in the {self.settings.max_retry_seconds:g}s a request may take)"
        return text

    def _send(self, path: str, params: dict[str, str], as_text: bool) -> _Answer:
        """One request with its retries, all within ``max_retry_seconds`` (waits included)."""
        s = self.settings
        budget_end = self._clock() + s.max_retry_seconds
        tries = 0
        out_of_time = False

        def attempt() -> _Answer:
            nonlocal tries
            tries += 1
            seconds = min(s.request_deadline, budget_end - self._clock())
            return self._send_once(path, params, seconds, as_text)

        planned: dict[int, float] = {}

        def wait(state: RetryCallState) -> float:
            # One wait per try, the same whether tenacity asks stop or wait first.
            if state.attempt_number not in planned:
                planned[state.attempt_number] = self._wait(state)
            return planned[state.attempt_number]

        def no_time_left(state: RetryCallState) -> bool:
            # A wait that would end past the budget is not made: no try could follow it.
            nonlocal out_of_time
            out_of_time = self._clock() + wait(state) >= budget_end
            return out_of_time

        def announce(state: RetryCallState) -> None:
            seconds = state.next_action.sleep if state.next_action else 0.0
            exc = state.outcome.exception() if state.outcome else None
            self._notice(f"waiting {_seconds_text(seconds)}: {_why_retried(exc, self.host)}")

        attempts = stop_after_attempt(s.max_attempts)
        retrying = Retrying(
            retry=retry_if_exception_type(TRANSIENT_ERRORS),
            stop=lambda state: attempts(state) or no_time_left(state),
            wait=wait,
            sleep=self._sleep,
            before_sleep=announce,
            reraise=True,
        )
        try:
            answer = retrying(attempt)
            if tries > 1:
                self._notice("")
            return answer
        except _Transient as exc:
            return _Answer(exc.response, tries=tries, out_of_time=out_of_time)
        except _Garbled as exc:
            return _Answer(exc.response, error=exc.cause, tries=tries, out_of_time=out_of_time)
        except DeadlineExceeded as exc:
            raise NetworkError(
                f"{self.host} did not send its whole answer in time "
                f"(at most {s.request_deadline:g}s a try), {self._tries(tries, out_of_time)}",
                hint="the server or the connection is very slow; try again later, or raise "
                "TRIALFINDER_REQUEST_DEADLINE",
            ) from exc
        except requests.Timeout as exc:
            raise NetworkError(
                f"{self.host} did not answer in time ({s.timeout:g}s), "
                f"{self._tries(tries, out_of_time)}",
                hint="try again later, or raise TRIALFINDER_TIMEOUT",
            ) from exc
        except (
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ) as exc:
            raise NetworkError(
                f"{self.host} broke off its answer before the end, "
                f"{self._tries(tries, out_of_time)}",
                hint="the connection or the service is unstable; try again later",
            ) from exc
        except requests.TooManyRedirects as exc:
            raise ApiError(
                f"{self.host} redirected the request more than {MAX_REDIRECTS} times; stopping",
                hint="check that --api-url points to the ClinicalTrials.gov API v2",
            ) from exc
        except requests.exceptions.InvalidSchema as exc:
            # (The API's own address is http or https: this is a redirect to file:// or the
            # like, which no adapter takes. It was "could not reach", though the server answered.)
            raise RedirectRefused(
                f"{self.host} redirected the request to an address that is not http or https; "
                f"trialfinder contacts only the configured API ({self.settings.api_url.strip()}),"
                " so it stopped there",
                hint="check that --api-url points to the ClinicalTrials.gov API v2",
            ) from exc
        except requests.RequestException as exc:
            raise NetworkError(
                f"could not reach {self.host}",
                hint="check your internet connection and try again, or point --api-url "
                "(or TRIALFINDER_API_URL) at another server",
            ) from exc

    def _send_once(
        self, path: str, params: dict[str, str], seconds: float, as_text: bool
    ) -> _Answer:
        # requests-cache's own argument; the timeout an urllib3.Timeout, which requests hands to
        # the adapter as it is (GuardedAdapter reads its total).
        extra: dict[str, Any] = {"force_refresh": True} if self._refreshing() else {}
        s = self.settings
        # total: the try's deadline, which GuardedAdapter enforces for the body too
        timeout = urllib3.Timeout(connect=s.connect_timeout, read=s.timeout, total=seconds)
        started = time.monotonic()
        try:
            response = self.session.get(
                self.base_url + path,
                params=params,
                timeout=timeout,  # type: ignore[arg-type]
                **extra,
            )
        except Exception as exc:
            if log.isEnabledFor(logging.DEBUG):
                url = requests.Request("GET", self.base_url + path, params=params).prepare().url
                log.debug(
                    "GET %s -> %s (%.2f s)", url, exc.__class__.__name__, time.monotonic() - started
                )
            raise
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "GET %s -> %d, %s bytes, %.2f s%s",
                response.url,
                response.status_code,
                f"{len(response.content):,}",
                time.monotonic() - started,
                " (from the cache)" if getattr(response, "from_cache", False) else "",
            )
        if response.status_code in RETRYABLE_STATUS:
            raise _Transient(response)
        if response.status_code != 200:
            return _Answer(response)
        try:
            return _Answer(response, data=decode_page(response.content, as_text))
        except RecursionError:
            self._forget(response)
            raise BadResponse(
                f"{self.host} sent JSON nested too deeply to read; it is not the API's answer",
                hint="check that --api-url points to the ClinicalTrials.gov API v2",
            ) from None
        except ValueError as exc:
            self._forget(response)
            raise _Garbled(response, exc) from exc

    def _notice(self, text: str) -> None:
        """A retry notice: logged, and passed to ``on_retry`` (a progress bar) when set."""
        if text:
            log.info("%s", text)
        if self.on_retry is not None:
            self.on_retry(text)

    def _forget(self, response: requests.Response) -> None:
        from trialfinder.httpcache import forget  # as make_session: only with the cache

        forget(self.session, response)

    def _refreshing(self) -> bool:
        return self.settings.cache_refresh and hasattr(self.session, "cache")

    def _wait(self, retry_state: RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(exc, _Transient) and exc.retry_after is not None:
            return min(exc.retry_after, self.settings.retry_after_max)
        backoff = wait_random_exponential(
            multiplier=self.settings.retry_wait, max=self.settings.retry_wait_max
        )
        return backoff(retry_state)


def _seconds_text(seconds: float) -> str:
    """``4 s``, ``0.5 s``: how long a retry waits, as a person reads it."""
    return f"{seconds:.0f} s" if seconds >= 1 else f"{seconds:.1g} s"


def _why_retried(exc: BaseException | None, host: str) -> str:
    """Why a request is tried again, in a few words: "the registry said 429"."""
    if isinstance(exc, _Transient):
        status = exc.response.status_code
        words = "too many requests" if status == 429 else "busy or failing"
        return f"the registry said {status} ({words})"
    if isinstance(exc, _Garbled):
        return "the registry's answer was not the JSON expected"
    if isinstance(exc, requests.Timeout):
        return f"{host} did not answer in time"
    if isinstance(
        exc, (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)
    ):
        return f"{host} broke off its answer"
    if isinstance(exc, requests.ConnectionError):
        return f"could not connect to {host}"
    return "the request failed"
