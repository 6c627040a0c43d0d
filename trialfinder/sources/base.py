"""The interface every trial registry implements, and the paging loop they share.

While the records of one page are worked on, the next page is fetched in a background thread
(:class:`Prefetch`): one request in flight at most, and at most one page waiting, so that a
search holds about two pages at a time. The registry's rules (pacing, retries,
:class:`PagingGuard`) apply in that thread as they would in the caller's, and what goes wrong
there reaches the caller where it asks for that page, as if it had been fetched then.
"""

from __future__ import annotations

import logging
import math
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from trialfinder.counting import counted
from trialfinder.criteria import SearchCriteria
from trialfinder.errors import (
    NoneOfTheIds,
    PagingStopped,
    PartialResults,
    RecordError,
    SourceError,
)
from trialfinder.model import Trial, nct_id_of, parse_study

log = logging.getLogger("trialfinder")

ProgressCallback = Callable[[int, "int | None"], None]  # (trials fetched so far, total or None)


@dataclass
class Page:
    """One page of raw study records as a registry returned them."""

    studies: list[Any]
    total: int | None = None  # how many trials match, when the registry says (first page)


# Trials a registry may add or drop while a search pages through it: the count of the first page
# may be off by this much without anything being wrong.
COUNT_MARGIN = 10
COUNT_MARGIN_SHARE = 0.01
# No search is larger: ClinicalTrials.gov holds about 580,000 studies (2026). Bounds the pages
# of a registry that announces no count, or an absurd one.
MAX_TRIALS = 2_000_000
# Empty pages in a row before paging stops (the API may send an empty page with a next token).
MAX_EMPTY_PAGES = 3
# The fewest trials a page the pages of a search are counted with (the API's default pageSize),
# and the most pages a search of short pages may take: an hour of them at one a second.
SMALLEST_PAGE = 10
MOST_PAGES = 3_600


def count_margin(announced: int) -> int:
    return COUNT_MARGIN + math.ceil(announced * COUNT_MARGIN_SHARE)


@dataclass
class PagingGuard:
    """Bounds one paged query, whatever the registry sends.

    A trial already sent (by NCT id, in ``seen``) is dropped, never passed on twice. Paging stops
    with :class:`PagingStopped`: when the trials go past the count the first page announced
    (plus :func:`count_margin`), when the pages go past what that count needs, when a page that
    has a next page brings only trials already sent, after ``MAX_EMPTY_PAGES`` empty pages in a
    row, and, at the last page, when far fewer trials came than were announced.
    """

    source: str  # the registry's host, for messages
    page_size: int
    seen: set[str] = field(default_factory=set)
    announced: int | None = None
    pages: int = 0
    received: int = 0  # trials passed on (records without an NCT id included)
    empty: int = 0  # empty pages in a row
    own_page: int = 0  # the server's own page size, when its first page is shorter

    @property
    def allowed(self) -> int:
        """The most trials this query may bring."""
        if self.announced is None:
            return MAX_TRIALS
        return min(MAX_TRIALS, self.announced + count_margin(self.announced))

    @property
    def max_pages(self) -> int:
        pages = math.ceil(self.allowed / max(1, self.page_size))
        if self.own_page:
            # (counted with the server's own size, but never more than the most a search of
            # full pages may need: a page of one trial with a count of millions stops there)
            pages = max(pages, min(math.ceil(self.allowed / self.own_page), MOST_PAGES))
        return pages + MAX_EMPTY_PAGES

    def before_page(self) -> None:
        """Raises when one more page would go past the page ceiling."""
        if self.pages >= self.max_pages and self.own_page and self.pages >= MOST_PAGES:
            raise PagingStopped(
                f"{self.source} sends {self.own_page:,} trials a page or fewer: {self.pages:,} "
                f"pages is the most a search takes; stopping",
                hint="ask for fewer trials (--limit), or use a server that sends more a page",
            )
        if self.pages >= self.max_pages:
            raise PagingStopped(
                f"{self.source} kept sending pages: {self.pages:,} pages of at most "
                f"{self.own_page or self.page_size:,} trials, more than {self._count_said} need; "
                "stopping"
            )

    def admit(self, studies: list[Any], total: Any, more: bool) -> tuple[list[Any], Any]:
        """The trials of the next page not sent before, and the error to stop with, if any.

        ``total`` is the first page's count (``None`` on later pages); ``more`` says whether the
        page has a next one.
        """
        if self.pages == 0 and isinstance(total, int) and not isinstance(total, bool):
            self.announced = total if total >= 0 else None
        if self.pages == 0 and more and self.announced is not None:
            # The API's pageSize is a most: a server that announced its count (a mirror, say)
            # may send fewer a page, and the pages that count needs are counted with its own
            # size; never below the API's default size, so a page of one trial cannot make a
            # count of thousands into thousands of requests.
            self.own_page = max(len(studies), SMALLEST_PAGE)
        self.pages += 1
        kept: list[Any] = []
        repeated = 0
        for raw in studies:
            nct_id = nct_id_of(raw)
            if nct_id is None:
                kept.append(raw)  # parsing reports it, naming it as best it can
            elif nct_id in self.seen:
                repeated += 1
            else:
                self.seen.add(nct_id)
                kept.append(raw)
        stop = None
        room = self.allowed - self.received
        if len(kept) > room:
            kept = kept[: max(0, room)]
            stop = PagingStopped(
                f"{self.source} sent more trials than {self._count_said}; stopping"
            )
        self.received += len(kept)
        self.empty = 0 if studies else self.empty + 1
        if repeated and not kept and more and stop is None:
            stop = PagingStopped(
                f"{self.source} sent page {self.pages} with only trials it had already sent, "
                "and a next page; stopping"
            )
        elif repeated:
            log.warning(
                "%s sent %s again on page %d; each is kept once",
                self.source,
                counted(repeated, "trial"),
                self.pages,
            )
        if more and self.empty >= MAX_EMPTY_PAGES and stop is None:
            stop = PagingStopped(
                f"{self.source} sent {self.empty} empty pages in a row, each with a next page; "
                "stopping"
            )
        return kept, stop

    def finish(self) -> None:
        """At the last page: raises when far fewer trials came than the first page announced."""
        if self.announced is None:
            return
        if self.received < self.announced - count_margin(self.announced):
            raise PagingStopped(
                f"{self.source} announced {self.announced:,} trials but sent "
                f"{self.received:,} before its last page"
            )

    @property
    def _count_said(self) -> str:
        if self.announced is None:
            return f"the {MAX_TRIALS:,} trials any search may bring (no count was given)"
        return f"the {self.announced:,} trials it announced"


class PageWork(Protocol):
    """What is done with the records of each page (see :meth:`SearchResults.each`)."""

    def start(self, studies: list[Any], total: int | None) -> Any:
        """Begins the work on one page's records as soon as the page arrives (in the thread
        that fetched it); ``total`` is the first page's count of trials, else ``None``."""

    def results(self, started: Any) -> Iterable[Any]:
        """The page's items in the order of its records, from what :meth:`start` returned; a
        record that could not be worked on is given as the :class:`RecordError` saying why."""

    @property
    def wants_text(self) -> bool:
        """Whether the records of the pages still to come may be given as their JSON text
        (:class:`~trialfinder.model.StudyText`, each decoded where it is worked on): work that
        sends them to other processes sends text for a fraction of the cost, and work that
        keeps results by record needs the text as the key. Read before the first page and after
        each :meth:`start`; records may come decoded all the same (the first page's do unless
        it was true from the start)."""

    def close(self) -> None:
        """Stops what is still under way; called once the search is over, however it ended."""


class Parsing:
    """The plain work: each record parsed into a :class:`Trial`."""

    wants_text = False

    def start(self, studies: list[Any], total: int | None) -> list[Any]:
        return studies

    def results(self, started: list[Any]) -> Iterator[Trial | RecordError]:
        for raw in started:
            try:
                yield parse_study(raw)
            except RecordError as exc:
                yield exc

    def close(self) -> None:
        pass


class Prefetch:
    """The pages of ``pages``, each with its work started (``start(studies, total)``).

    After :meth:`ask`, the next page is fetched and its work started in a daemon thread, while
    the caller goes on with the current one; :func:`next` then waits for it. Without
    :meth:`ask`, :func:`next` fetches in the caller's thread. One page is fetched at a time,
    and one waits at most. What the fetch raised (``StopIteration`` at the end) is raised by
    :func:`next`. After :meth:`close`, a fetch under way is left to finish by itself and its
    page is dropped: nothing is fetched after it.
    """

    def __init__(self, pages: Iterable[Page], start: Callable[[list[Any], int | None], Any]):
        self._pages = iter(pages)
        self._start = start
        self._changed = threading.Condition()
        self._fetching = False
        self._ahead: tuple[bool, Any] | None = None  # (fetched, (total, count, started) or error)
        self._closed = False

    def _fetch(self) -> tuple[bool, Any]:
        try:
            page = next(self._pages)
            total, studies = page.total, page.studies
            del page  # the work holds the records from here
            return True, (total, len(studies), self._start(studies, total))
        except BaseException as exc:  # noqa: BLE001 (handed to the caller, whatever it is)
            return False, exc

    def _fetch_ahead(self) -> None:
        fetched = self._fetch()
        with self._changed:
            self._fetching = False
            closed = self._closed
            if not closed:
                self._ahead = fetched
            self._changed.notify_all()
        if closed:
            self._close_pages()

    def ask(self) -> None:
        """Starts fetching the next page in the background, unless it is on its way."""
        with self._changed:
            if self._fetching or self._ahead is not None or self._closed:
                return
            self._fetching = True
        threading.Thread(target=self._fetch_ahead, name="trialfinder-prefetch", daemon=True).start()

    def __iter__(self) -> Prefetch:
        return self

    def __next__(self) -> tuple[int | None, int, Any]:
        """(the first page's count or ``None``, the page's number of records, its work)."""
        with self._changed:
            while self._fetching:
                self._changed.wait()
            fetched, self._ahead = self._ahead, None
        ok, value = fetched if fetched is not None else self._fetch()
        if not ok:
            raise value
        page: tuple[int | None, int, Any] = value
        return page

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._ahead = None
            fetching = self._fetching
        if not fetching:
            self._close_pages()

    def _close_pages(self) -> None:
        close = getattr(self._pages, "close", None)
        if close is not None:
            close()


@dataclass
class SearchResults:
    """An iterator of trials that also reports what it met on the way.

    ``total`` is known once the first page has arrived; ``skipped`` lists the records that
    could not be parsed (each was logged as a warning, naming it); ``complete`` is true once the
    registry's last page has arrived (not when the limit stopped the paging). With
    ``prefetch``, the next page is fetched while the records of one are worked on, unless the
    limit will be reached before it is needed. ``text_records`` is set once the work wants
    the records as text (:attr:`PageWork.wants_text`); a registry that can give them so reads
    it before it decodes each page.
    """

    pages: Iterable[Page]
    limit: int | None = None
    on_progress: ProgressCallback | None = None
    total: int | None = None
    fetched: int = 0
    skipped: list[RecordError] = field(default_factory=list)
    complete: bool = False
    prefetch: bool = True
    text_records: threading.Event = field(default_factory=threading.Event)

    @property
    def received(self) -> int:
        """Records the registry sent: the trials fetched and the records skipped."""
        return self.fetched + len(self.skipped)

    def __iter__(self) -> Iterator[Trial]:
        return self.each(Parsing())

    def each(self, work: PageWork) -> Generator[Any, None, None]:
        """The items ``work`` makes of the records, page by page, in order (see
        :class:`PageWork`); a record it gives back as a :class:`RecordError` is skipped, with a
        warning. The limit counts the items."""

        def start(studies: list[Any], total: int | None) -> Any:
            started = work.start(studies, total)
            if work.wants_text:
                self.text_records.set()
            return started

        if work.wants_text:  # known before the first page (records kept by their text)
            self.text_records.set()
        pages = Prefetch(self.pages, start)
        try:
            yield from self._each(pages, work)
        finally:
            pages.close()
            work.close()

    def _each(self, pages: Prefetch, work: PageWork) -> Iterator[Any]:
        if self.prefetch:
            # Every page is read in a fetching thread, the first too: the memory the pages take
            # is then reused page after page, not held once by each thread (C's malloc keeps an
            # arena of memory per thread).
            pages.ask()
        while self.limit is None or self.fetched < self.limit:
            try:
                total, count, started = next(pages)
            except StopIteration:
                self.complete = True
                return
            except SourceError as exc:
                if self.fetched == 0 and not self.skipped:
                    raise
                raise self._partial(exc) from exc
            if total is not None:
                self.total = total
            if self.prefetch and (self.limit is None or self.fetched + count < self.limit):
                pages.ask()
            for item in work.results(started):
                if isinstance(item, RecordError):
                    self.skipped.append(item)
                    log.warning("skipped record %s: %s", item.record_id, item.reason)
                    continue
                self.fetched += 1
                yield item
                if self.limit is not None and self.fetched >= self.limit:
                    break
            started = item = None  # let this page go before the next one arrives
            if self.on_progress:
                self.on_progress(self.fetched, self.expected)

    @property
    def expected(self) -> int | None:
        """How many trials this search should deliver: the total, capped by the limit."""
        if self.total is None:
            return self.limit
        return self.total if self.limit is None else min(self.total, self.limit)

    def _partial(self, cause: SourceError) -> PartialResults:
        # "Of" a total the registry announced (capped by the limit), not of the limit alone,
        # nor of a total the fetched trials passed (a server that announced fewer than it sent).
        expected = self.expected if self.total is not None else None
        known = expected is not None and expected >= self.fetched
        of_total = f" of {expected:,}" if known else ""
        return PartialResults(
            f"results are incomplete: {self.fetched:,}{of_total} trials fetched, "
            f"then {cause.message}",
            hint=cause.hint or "run the same search again later",
            fetched=self.fetched,
            total=self.expected,
        )


class Source(ABC):
    """A registry of clinical trials: search it, or fetch one trial by NCT id."""

    name: str = ""
    # Told why a request waits before it is tried again (a progress bar shows it); a source
    # that never retries leaves it alone.
    on_retry: Callable[[str], None] | None = None

    @abstractmethod
    def search(
        self, criteria: SearchCriteria, on_progress: ProgressCallback | None = None
    ) -> SearchResults:
        """Trials matching ``criteria``, streamed page by page."""

    @abstractmethod
    def get(self, nct_id: str) -> Trial:
        """One trial in full; raises :class:`~trialfinder.errors.TrialNotFound`."""


def check_ids_answered(asked: int, answered: int, others: int = 0) -> None:
    """After a look-up of ``asked`` trials by their NCT ids, whatever their status, in which the
    registry sent (or sent unreadable) ``answered`` of them and ``others`` trials not asked for:
    raise :class:`NoneOfTheIds` when it sent none of them, but other trials (a mirror that
    ignores the ids: each trial asked for was "no longer listed in the registry"), or nothing at
    all for two or more (an empty page from a broken mirror: every trial of a digest had left,
    and every row of a shortlist was dropped). The registry keeps every trial it has listed."""
    if answered:
        return  # (a trial under another id, besides: an alias the registry answers with)
    if others:
        raise NoneOfTheIds(
            f"the registry answered a look-up of {counted(asked, 'trial')} by their NCT ids with"
            f" {counted(others, 'trial')} not asked for, so the answer is not believed",
            hint="check that --api-url points to the ClinicalTrials.gov API v2",
        )
    if asked >= 2:
        raise NoneOfTheIds(
            f"the registry answered a look-up of {asked} trials by their NCT ids with none"
            " of them; it keeps every trial it has listed, so the answer is not believed",
            hint="try again later",
        )
