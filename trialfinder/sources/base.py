"""The interface every trial registry implements, and the paging loop they share."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from trialfinder.criteria import SearchCriteria
from trialfinder.errors import PartialResults, RecordError, SourceError
from trialfinder.model import Trial, parse_study

log = logging.getLogger("trialfinder")

ProgressCallback = Callable[[int, "int | None"], None]  # (trials fetched so far, total or None)


@dataclass
class Page:
    """One page of raw study records as a registry returned them."""

    studies: list[Any]
    total: int | None = None  # how many trials match, when the registry says (first page)


@dataclass
class SearchResults:
    """An iterator of trials that also reports what it met on the way.

    ``total`` is known once the first page has arrived; ``skipped`` lists the records that
    could not be parsed (each was logged as a warning, naming it).
    """

    pages: Iterable[Page]
    limit: int | None = None
    on_progress: ProgressCallback | None = None
    total: int | None = None
    fetched: int = 0
    skipped: list[RecordError] = field(default_factory=list)

    def __iter__(self) -> Iterator[Trial]:
        pages = iter(self.pages)
        while self.limit is None or self.fetched < self.limit:
            try:
                page = next(pages)
            except StopIteration:
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
            page = raw = None  # let this page go before the next one arrives

    @property
    def expected(self) -> int | None:
        """How many trials this search should deliver: the total, capped by the limit."""
        if self.total is None:
            return self.limit
        return self.total if self.limit is None else min(self.total, self.limit)

    def _partial(self, cause: SourceError) -> PartialResults:
        of_total = f" of {self.expected}" if self.expected is not None else ""
        return PartialResults(
            f"results are incomplete: {self.fetched}{of_total} trials fetched, "
            f"then {cause.message}",
            hint=cause.hint or "run the same search again later",
            fetched=self.fetched,
            total=self.expected,
        )


class Source(ABC):
    """A registry of clinical trials: search it, or fetch one trial by NCT id."""

    name: str = ""

    @abstractmethod
    def search(
        self, criteria: SearchCriteria, on_progress: ProgressCallback | None = None
    ) -> SearchResults:
        """Trials matching ``criteria``, streamed page by page."""

    @abstractmethod
    def get(self, nct_id: str) -> Trial:
        """One trial in full; raises :class:`~trialfinder.errors.TrialNotFound`."""
