"""The interface every trial registry implements, and the paging loop they share."""

from __future__ import annotations

import logging
import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from trialfinder.criteria import SearchCriteria
from trialfinder.errors import PagingStopped, PartialResults, RecordError, SourceError
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

    @property
    def allowed(self) -> int:
        """The most trials this query may bring."""
        if self.announced is None:
            return MAX_TRIALS
        return min(MAX_TRIALS, self.announced + count_margin(self.announced))

    @property
    def max_pages(self) -> int:
        return math.ceil(self.allowed / max(1, self.page_size)) + MAX_EMPTY_PAGES

    def before_page(self) -> None:
        """Raises when one more page would go past the page ceiling."""
        if self.pages >= self.max_pages:
            raise PagingStopped(
                f"{self.source} kept sending pages: {self.pages:,} pages of at most "
                f"{self.page_size:,} trials, more than {self._count_said} need; stopping"
            )

    def admit(self, studies: list[Any], total: Any, more: bool) -> tuple[list[Any], Any]:
        """The trials of the next page not sent before, and the error to stop with, if any.

        ``total`` is the first page's count (``None`` on later pages); ``more`` says whether the
        page has a next one.
        """
        if self.pages == 0 and isinstance(total, int) and not isinstance(total, bool):
            self.announced = total if total >= 0 else None
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
            from trialfinder.templating import counted

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


@dataclass
class SearchResults:
    """An iterator of trials that also reports what it met on the way.

    ``total`` is known once the first page has arrived; ``skipped`` lists the records that
    could not be parsed (each was logged as a warning, naming it); ``complete`` is true once the
    registry's last page has arrived (not when the limit stopped the paging).
    """

    pages: Iterable[Page]
    limit: int | None = None
    on_progress: ProgressCallback | None = None
    total: int | None = None
    fetched: int = 0
    skipped: list[RecordError] = field(default_factory=list)
    complete: bool = False

    @property
    def received(self) -> int:
        """Records the registry sent: the trials fetched and the records skipped."""
        return self.fetched + len(self.skipped)

    def __iter__(self) -> Iterator[Trial]:
        pages = iter(self.pages)
        while self.limit is None or self.fetched < self.limit:
            try:
                page = next(pages)
            except StopIteration:
                self.complete = True
                return
            except SourceError as exc:
                if self.fetched == 0 and not self.skipped:
                    raise
                raise self._partial(exc) from exc
            if page.total is not None:
                self.total = page.total
            studies = page.studies
            del page  # hold one page at a time, not two while the next is fetched
            for raw in studies:
                try:
                    trial = parse_study(raw)
                except RecordError as exc:
                    self.skipped.append(exc)
                    log.warning("skipped record %s: %s", exc.record_id, exc.reason)
                    continue
                self.fetched += 1
                yield trial
                if self.limit is not None and self.fetched >= self.limit:
                    break
            del studies
            if self.on_progress:
                self.on_progress(self.fetched, self.expected)
            raw = None  # let this page's last record go before the next page arrives

    @property
    def expected(self) -> int | None:
        """How many trials this search should deliver: the total, capped by the limit."""
        if self.total is None:
            return self.limit
        return self.total if self.limit is None else min(self.total, self.limit)

    def _partial(self, cause: SourceError) -> PartialResults:
        of_total = f" of {self.expected:,}" if self.expected is not None else ""
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
