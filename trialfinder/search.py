"""One search from the registry to the results a person sees, shared by every command.

The registry finds what it can search for (conditions, setting wording, status, phase, age,
place); trialfinder then tags each trial, keeps those whose tags confirm one of the settings
searched for (whenever the criteria name settings, the default included) and that pass the
other local filters (treatment categories, biomarkers), adds the nearest site and the summary,
and puts the results in order. Iterate a :class:`SearchRun` once (or its records, with
:meth:`SearchRun.records`); afterwards :meth:`SearchRun.report` says what happened, so that
nothing is left out silently.

The work on each trial runs on worker processes for a large search (``workers``, see
``trialfinder.workers``) while the next page is fetched; the results come in the same order
either way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from trialfinder.criteria import DEFAULT_SETTINGS, SearchCriteria
from trialfinder.pipeline import (
    LEFT_OUT,
    UNCONFIRMED,
    Outcome,
    ResultOptions,
    TagFilter,
    TrialJob,
    TrialResult,
    ordered,
)
from trialfinder.sources.base import ProgressCallback, Source


class SearchRun:
    def __init__(
        self,
        source: Source,
        criteria: SearchCriteria,
        wanted: TagFilter | None = None,
        options: ResultOptions | None = None,
        on_progress: ProgressCallback | None = None,
        workers: int = 1,
    ) -> None:
        """``workers``: processes for the work on each trial (1: all of it in this one)."""
        self.criteria = criteria
        self.workers = workers
        # A setting is found by its words in the registry, and confirmed by the trial's tags.
        self.confirm = TagFilter(settings=criteria.settings)
        self.wanted = wanted or TagFilter()
        self.options = options or ResultOptions()
        fetch = criteria
        if self.filtered and criteria.fetch_limit:
            # The limit counts trials shown: fetch without it, in larger pages, until enough
            # trials have passed the local filters. (Sorted by distance, all are fetched anyway.)
            page_size = min(1000, max(100, 4 * criteria.fetch_limit))
            fetch = dataclasses.replace(criteria, limit=None, page_size=page_size)
        self.results = source.search(fetch, on_progress=on_progress)
        self.seen = 0  # trials fetched and tagged
        self.unconfirmed = 0  # of those, how many the tags did not confirm a setting of
        self.left_out = 0  # of the others, how many `wanted` left out
        self.shown = 0
        self._returned: set[str] = set()
        self._shown: Iterator[Any] | None = None

    def __iter__(self) -> Iterator[TrialResult]:
        return self._start(records=False)

    def records(self) -> Iterator[dict[str, Any]]:
        """The results as records (``pipeline.to_record``), made where the work is done."""
        return self._start(records=True)

    def close(self) -> None:
        """Stops the search where it is: the worker processes and the page being fetched."""
        if self._shown is not None:
            self._shown.close()

    def _start(self, records: bool) -> Iterator[Any]:
        self._shown = self._in_order(records)
        return self._shown

    def _in_order(self, records: bool) -> Iterator[Any]:
        from trialfinder.workers import TrialWork

        # Sorting by distance needs every match first; the limit is applied after sorting.
        keep = None if self.criteria.order == "distance" else self.criteria.limit
        job = TrialJob(self.confirm, self.wanted, self.options, record=records)
        if keep and self.filtered:
            # Which page holds the last trial shown is not known: none is fetched or worked
            # on before it is needed.
            self.results.prefetch = False
            work = TrialWork(job)
        else:
            work = TrialWork(job, self.workers, expected=self.criteria.fetch_limit)
        matching = self.results.each(work)
        try:
            for outcome in ordered(
                self._matching(matching, keep),
                self.criteria.order,
                self.criteria.limit,
                distance=lambda o: o.distance,
            ):
                self.shown += 1
                yield outcome.value
        finally:
            matching.close()

    def _matching(self, outcomes: Iterator[Outcome], keep: int | None) -> Iterator[Outcome]:
        kept = 0
        for outcome in outcomes:
            self.seen += 1
            self._returned.add(outcome.nct_id)
            if outcome.kind == UNCONFIRMED:
                self.unconfirmed += 1
                continue
            if outcome.kind == LEFT_OUT:
                self.left_out += 1
                continue
            yield outcome
            kept += 1
            if keep and kept >= keep:
                return

    @property
    def filtered(self) -> bool:
        """Whether trials are checked here, after the registry search."""
        return self.confirm.active or self.wanted.active

    @property
    def missing_ids(self) -> list[str]:
        """NCT ids asked for (``criteria.ids``) that no fetched trial carried."""
        return [nct_id for nct_id in self.criteria.ids if nct_id not in self._returned]

    @property
    def limit_reached(self) -> bool:
        return self.criteria.limit is not None and self.shown >= self.criteria.limit

    def report(self, finished: bool = True) -> list[str]:
        """Lines for people: skipped records, local filtering, how many matched and shown.

        ``finished`` is False when writing stopped on an error: only the warnings then.
        """
        lines = []
        skipped = len(self.results.skipped)
        if skipped:
            lines.append(
                f"{skipped} record(s) could not be read and were skipped (see the warnings above)"
            )
        if self.unconfirmed:
            lines.append(
                f"{self.unconfirmed:,} of {self.seen:,} fetched trials were left out: their "
                f"records do not say {_settings_words(self.confirm.settings)} "
                "(use --setting any to see them)"
            )
        if self.wanted.active:
            checked = self.seen - self.unconfirmed
            of = f"the other {checked:,}" if self.unconfirmed else f"{checked:,} fetched trials"
            lines.append(
                f"{self.left_out:,} of {of} did not match {self.wanted.describe()} "
                "and were left out"
            )
        if not finished:
            return lines
        total = self.results.total
        received = self.results.received
        if total is not None and self.results.complete and received != total:
            # The registry changed during the search, or miscounted: count what arrived.
            lines.append(f"the registry announced {total:,} matching trials but sent {received:,}")
            total = None
        place = self.criteria.near
        within = f" within {self.criteria.within_mi:g} miles of {place.name}" if place else ""
        if total is None:
            matched = f"{self.shown:,} trials found{within}"
        elif self.filtered:
            matched = f"{total:,} trials matched the registry search{within}"
        else:
            matched = f"{total:,} trials matched{within}"
        shown = f"{self.shown:,} shown" + (" after the local filters" if self.filtered else "")
        hint = ""
        if self.filtered:
            if self.limit_reached and self.seen < (total or 0):
                hint = " (use --limit 0 to check them all)"
        elif total is not None and self.shown < total:
            hint = " (use --limit 0 to see all)"
        lines.append(f"{matched}; {shown}{hint}.")
        if self.criteria.ids and not self.limit_reached and self.missing_ids:
            lines.append(
                f"{len(self.missing_ids)} NCT id(s) not found: " + ", ".join(self.missing_ids)
            )
        return lines


def _settings_words(settings: tuple[str, ...]) -> str:
    """What the records of trials left out do not say: "the disease was treated before"."""
    if set(settings) == set(DEFAULT_SETTINGS):
        return "the disease was treated before"
    *others, last = settings
    return "the disease is " + (f"{', '.join(others)} or {last}" if others else last)
