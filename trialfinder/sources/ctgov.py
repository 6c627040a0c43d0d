"""ClinicalTrials.gov API v2: the default trial registry.

One configured ``requests.Session`` sends every request: a User-Agent naming the tool, connect
and read time-outs, an HTTP cache (see ``trialfinder.httpcache``), polite pacing (one request a
second by default, the site's crawl delay; answers from the cache are not paced) and bounded
retries on transient failures only (busy or failing service, broken connection, time-out, and a
200 answer whose body is not the JSON it should be, such as a maintenance page).

``show`` asks for the same ``fields`` as a search with site details, so the record of a trial such
a search just listed is read from that cached search page (the cache notes which page holds each
trial) instead of being asked for again.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import requests
import requests.adapters
from tenacity import (
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_random_exponential,
)

from trialfinder import __version__
from trialfinder.criteria import SearchCriteria
from trialfinder.errors import ApiError, BadResponse, NetworkError, TrialNotFound
from trialfinder.model import Trial, nct_id_of, normalize_nct_id, parse_study
from trialfinder.settings import Settings
from trialfinder.sources import register
from trialfinder.sources.base import Page, ProgressCallback, SearchResults, Source

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
    "InterventionMeshId",
    "InterventionMeshTerm",
    "InterventionAncestorId",
    "InterventionAncestorTerm",
)


# Of each site, only city, state and country when the search does not need the details
# (SearchCriteria.site_details): enough for the site count and the summary's countries.
SITE_DETAIL_FIELDS = ("LocationFacility", "LocationStatus", "LocationZip", "LocationGeoPoint")

FIELDS_PARAM = "|".join(SEARCH_FIELDS)  # pipeDelimited, as the spec declares it
FIELDS_PARAM_WITHOUT_SITE_DETAILS = "|".join(
    name for name in SEARCH_FIELDS if name not in SITE_DETAIL_FIELDS
)


# Statuses worth a retry: the request itself was fine, the service was busy or restarting.
RETRYABLE_STATUS = {429, 500, 502, 503, 504}


class _Transient(Exception):
    def __init__(self, response: requests.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response
        self.retry_after = _retry_after_seconds(response.headers.get("Retry-After"))


@dataclass
class _Answer:
    response: requests.Response
    data: Any = None  # the decoded JSON object of a 200 answer
    error: ValueError | None = None  # why a 200 answer could not be decoded


class _Garbled(Exception):
    """A 200 answer whose body is not a JSON object: a maintenance page, a cut-off body."""

    def __init__(self, response: requests.Response, cause: ValueError) -> None:
        super().__init__(str(cause))
        self.response = response
        self.cause = cause


def _retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` is either seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


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


class PacedAdapter(requests.adapters.HTTPAdapter):
    """Transport that waits for the pacer and counts requests: only what reaches the network.

    Mounted under the cache, so an answer from the cache is neither paced nor counted.
    """

    def __init__(self, pacer: Pacer, on_send: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.pacer = pacer
        self.on_send = on_send

    def send(self, request, *args, **kwargs):
        self.pacer.wait()
        if self.on_send:
            self.on_send()
        return super().send(request, *args, **kwargs)


def make_session(settings: Settings) -> requests.Session:
    """The session every request goes through: cached unless the settings say otherwise."""
    session = None
    if settings.cache and settings.cache_ttl > 0:
        from trialfinder.httpcache import open_cached_session

        session = open_cached_session(settings)
    session = session or requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    session.headers["Accept"] = "application/json"
    return session


@register("clinicaltrials.gov")
class ClinicalTrialsGov(Source):
    name = "clinicaltrials.gov"

    def __init__(
        self,
        settings: Settings | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings or Settings()
        self.base_url = self.settings.api_url.rstrip("/")
        self.host = urlsplit(self.base_url).netloc or self.base_url
        self.session = session or make_session(self.settings)
        self._sleep = sleep
        self.pacer = Pacer(self.settings.min_interval, sleep=sleep)
        self.requests_sent = 0  # requests that reached the network (cache hits excluded)
        adapter = PacedAdapter(self.pacer, self._count_request)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def _count_request(self) -> None:
        self.requests_sent += 1

    # -- the Source interface -------------------------------------------------------------

    def search(
        self, criteria: SearchCriteria, on_progress: ProgressCallback | None = None
    ) -> SearchResults:
        return SearchResults(
            pages=self._pages(criteria), limit=criteria.fetch_limit, on_progress=on_progress
        )

    def get(self, nct_id: str) -> Trial:
        nct_id = normalize_nct_id(nct_id)
        cache = self._cache()
        listed = cache.listed_study(nct_id, self.study_params()["fields"]) if cache else None
        if listed is not None:  # a search listed it a moment ago, with the same fields
            return parse_study(listed)
        data = self._get_json(f"/studies/{nct_id}", self.study_params(), not_found=nct_id)
        return parse_study(data)

    @staticmethod
    def study_params() -> dict[str, str]:
        """``/studies/{nctId}`` asks for what a search asks for: the same trial, the same bytes."""
        return {"fields": FIELDS_PARAM}

    # -- paging -----------------------------------------------------------------------------

    def page_params(self, criteria: SearchCriteria) -> dict[str, str]:
        """Parameters of the first page; later pages repeat them (the spec requires it)."""
        limit = criteria.fetch_limit
        page_size = MAX_PAGE_SIZE if limit is None else min(MAX_PAGE_SIZE, limit)
        if criteria.page_size:
            page_size = min(MAX_PAGE_SIZE, criteria.page_size)
        return {
            **criteria.to_params(),
            "fields": FIELDS_PARAM if criteria.site_details else FIELDS_PARAM_WITHOUT_SITE_DETAILS,
            "pageSize": str(page_size),
            "countTotal": "true",
        }

    def _pages(self, criteria: SearchCriteria) -> Iterator[Page]:
        if len(criteria.ids) <= MAX_IDS_PER_QUERY:
            yield from self._query_pages(criteria)
            return
        # One query per batch of ids; the total grows as each batch reports its own.
        total = 0
        for start in range(0, len(criteria.ids), MAX_IDS_PER_QUERY):
            batch = replace(criteria, ids=criteria.ids[start : start + MAX_IDS_PER_QUERY])
            for page in self._query_pages(batch):
                if page.total is not None:
                    total += page.total
                    page = Page(studies=page.studies, total=total)
                yield page
                del page  # not held while the next page is fetched

    def _query_pages(self, criteria: SearchCriteria) -> Iterator[Page]:
        params = self.page_params(criteria)
        seen_tokens: set[str] = set()
        first = True
        while True:
            answer = self._get_answer("/studies", params)
            data = answer.data
            studies = data.get("studies")
            if not isinstance(studies, list):
                raise BadResponse(
                    f"{self.host} sent a page without a list of studies",
                    hint="check that --api-url points to the ClinicalTrials.gov API v2",
                )
            self._remember(answer.response, studies, params.get("fields", ""))
            total = data.get("totalCount") if first else None
            token = data.get("nextPageToken")
            page = Page(studies=studies, total=total if isinstance(total, int) else None)
            # Hold no reference to this page (body, JSON, list) while the next one is fetched:
            # the peak memory of a search is then one page, however many pages it has.
            del answer, data, studies
            yield page
            page = None
            first = False
            if not token:
                return
            if not isinstance(token, str) or token in seen_tokens:
                raise BadResponse(f"{self.host} sent the same page token twice; stopping")
            seen_tokens.add(token)
            params = {k: v for k, v in params.items() if k != "countTotal"}
            params["pageToken"] = token

    def _cache(self):
        """The HTTP cache, when there is one and cached answers may be used."""
        cache = getattr(self.session, "cache", None)
        if cache is None or self._refreshing() or not hasattr(cache, "listed_study"):
            return None
        return cache

    def _remember(self, page: requests.Response, studies: list[Any], fields: str) -> None:
        """Note which cached page holds each trial, for ``show`` (see the module docstring)."""
        cache = getattr(self.session, "cache", None)
        key = getattr(page, "cache_key", None)
        if cache is None or not key or getattr(page, "from_cache", True):
            return
        ids = [nct_id for nct_id in map(nct_id_of, studies) if nct_id]
        cache.remember_listing(key, ids, fields, getattr(page, "expires", None))

    # -- HTTP -------------------------------------------------------------------------------

    def _get_json(self, path: str, params: dict[str, str], not_found: str | None = None) -> Any:
        return self._get_answer(path, params, not_found).data

    def _get_answer(
        self, path: str, params: dict[str, str], not_found: str | None = None
    ) -> _Answer:
        """A 200 answer with its decoded JSON object, or the error that explains why not."""
        answer = self._send(path, params)
        response = answer.response
        status = response.status_code
        if status == 404 and not_found:
            raise TrialNotFound(
                f"{not_found} was not found on ClinicalTrials.gov",
                hint="check the NCT id; trials are listed at https://clinicaltrials.gov",
            )
        if status == 400 and "pageToken" in params:
            text = " ".join(response.text.split()) or "no explanation given"
            raise ApiError(
                f"ClinicalTrials.gov rejected the token for the next page: {text}",
                hint="tokens expire when the registry refreshes its data; run the search again",
                status=status,
            )
        if status == 400:
            text = " ".join(response.text.split()) or "no explanation given"
            raise ApiError(
                f"ClinicalTrials.gov rejected the search: {text}",
                hint="check the search words and options; run with --debug to see the request",
                status=status,
            )
        if status in RETRYABLE_STATUS:
            reason = "is rate-limiting requests" if status == 429 else "is having problems"
            raise ApiError(
                f"{self.host} {reason} (HTTP {status}) and did not recover after "
                f"{self.settings.max_attempts} tries",
                hint="try again in a few minutes",
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
                f"({answer.error.__class__.__name__}; it starts {start!r}) "
                f"{self.settings.max_attempts} times",
                hint="the service may be down for maintenance; try again later",
            )
        return answer

    @staticmethod
    def _decode(response: requests.Response) -> dict:
        data = json.loads(response.content)
        if not isinstance(data, dict):
            raise ValueError(f"expected a JSON object, got {type(data).__name__}")
        return data

    def _send(self, path: str, params: dict[str, str]) -> _Answer:
        s = self.settings
        retrying = Retrying(
            retry=retry_if_exception_type(TRANSIENT_ERRORS),
            stop=stop_after_attempt(max(1, s.max_attempts)) | stop_after_delay(s.max_retry_seconds),
            wait=self._wait,
            sleep=self._sleep,
            reraise=True,
        )
        try:
            return retrying(self._send_once, path, params)
        except _Transient as exc:
            return _Answer(exc.response)
        except _Garbled as exc:
            return _Answer(exc.response, error=exc.cause)
        except requests.Timeout as exc:
            raise NetworkError(
                f"{self.host} did not answer in time ({s.timeout:g}s), {s.max_attempts} tries",
                hint="try again later, or raise TRIALFINDER_TIMEOUT",
            ) from exc
        except (
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ) as exc:
            raise NetworkError(
                f"{self.host} broke off its answer before the end, {s.max_attempts} tries",
                hint="the connection or the service is unstable; try again later",
            ) from exc
        except requests.RequestException as exc:
            raise NetworkError(
                f"could not reach {self.host}",
                hint="check your internet connection and try again, or point --api-url "
                "(or TRIALFINDER_API_URL) at another server",
            ) from exc

    def _send_once(self, path: str, params: dict[str, str]) -> _Answer:
        extra = {"force_refresh": True} if self._refreshing() else {}
        response = self.session.get(
            self.base_url + path,
            params=params,
            timeout=(self.settings.connect_timeout, self.settings.timeout),
            **extra,
        )
        if response.status_code in RETRYABLE_STATUS:
            raise _Transient(response)
        if response.status_code != 200:
            return _Answer(response)
        try:
            return _Answer(response, data=self._decode(response))
        except ValueError as exc:
            from trialfinder.httpcache import forget

            forget(self.session, response)
            raise _Garbled(response, exc) from exc

    def _refreshing(self) -> bool:
        return self.settings.cache_refresh and hasattr(self.session, "cache")

    def _wait(self, retry_state) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(exc, _Transient) and exc.retry_after is not None:
            return min(exc.retry_after, self.settings.retry_after_max)
        backoff = wait_random_exponential(
            multiplier=self.settings.retry_wait, max=self.settings.retry_wait_max
        )
        return backoff(retry_state)
