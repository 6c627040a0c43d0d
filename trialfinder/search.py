"""One search from the registry to the results a person sees, shared by every command.

The registry finds what it can search for (conditions, setting wording, status, phase, age,
place); trialfinder then tags each trial, keeps those whose tags confirm one of the settings
searched for (whenever the request names settings, the default included) and that pass the
other local filters (treatment categories, biomarkers), adds the nearest site, the summary and
the prescreen, and puts the results in order. Iterate a :class:`SearchRun` once; afterwards
:meth:`SearchRun.report` says what happened, so that nothing is left out silently.

What is fetched follows from the request and what the output shows (:func:`fetch_criteria`),
and the request's limit is applied in one place, to the results in their final order. The
work on each trial (``pipeline.assess``: tags, filters, nearest site, summary, prescreen) runs
on worker processes for a large search (``trialfinder.workers``) while the next page is
fetched (``sources.base.Prefetch``).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Generator, Iterator
from itertools import islice
from typing import Any

from trialfinder.counting import counted, radius_text
from trialfinder.criteria import SearchCriteria
from trialfinder.model import is_nct_id
from trialfinder.pipeline import (
    FAR,
    LEFT_OUT,
    UNCONFIRMED,
    Outcome,
    OutputNeeds,
    ResultOptions,
    TrialJob,
    TrialResult,
    sort_results,
)
from trialfinder.prescreen import EXCLUDED, FITS, rank, verdict_counts, verdict_said
from trialfinder.request import SearchRequest
from trialfinder.resultstore import StoreSettings
from trialfinder.sources.base import ProgressCallback, Source
from trialfinder.vocabulary import DEFAULT_SETTINGS
from trialfinder.workers import TrialWork

LARGEST_PAGE = 1000  # trials per page: the registry's largest
# Pages of a search whose trials are checked here: large enough that a limit of trials shown
# is usually reached in a page or two, however many the checks leave out.
CHECKED_PAGE = 100
CHECKED_PAGE_PER_TRIAL = 4


def _distance(outcome: Outcome) -> float | None:
    return outcome.distance


def _verdict(outcome: Outcome) -> str | None:
    return outcome.fit


def fetch_criteria(request: SearchRequest, needs: OutputNeeds | None = None) -> SearchCriteria:
    """What to ask the registry for ``request``, for an output that shows ``needs``: how many
    trials (every one, when they are sorted or checked here), in pages of what size, and
    whether with every site's details (for a place, or an output that shows sites)."""
    needs = needs or OutputNeeds()
    criteria = request.criteria
    site_details = criteria.near is not None or needs.site_details
    limit, page_size = request.limit, None
    if limit is None or criteria.order == "distance":
        limit = None  # every trial: all are shown, or sorted by distance first
    elif request.checked_here:
        # The limit counts trials shown: fetch without it, in larger pages, until enough
        # trials have passed the checks.
        page_size = min(LARGEST_PAGE, max(CHECKED_PAGE, CHECKED_PAGE_PER_TRIAL * limit))
        limit = None
    return dataclasses.replace(
        criteria, limit=limit, page_size=page_size, site_details=site_details
    )


class SearchRun:
    """``request`` run against ``source`` for an output that shows ``needs``; summaries in
    the wording of the ``templates`` folder (the built-in one by default). The work on each
    trial runs on ``workers`` processes for a large search (see ``trialfinder.workers``; 1:
    all of it in this process) while the next page is fetched; the results come in the same
    order either way. With ``store``, records worked out in an earlier search are taken from
    it, and those worked out now are kept there (``trialfinder.resultstore``).

    Iterate it once, for the results (:class:`TrialResult`), or :meth:`records` for their
    records, made where the work is done; :meth:`close` stops it where it is.
    """

    def __init__(
        self,
        source: Source,
        request: SearchRequest,
        needs: OutputNeeds | None = None,
        *,
        templates: str | None = None,
        on_progress: ProgressCallback | None = None,
        workers: int = 1,
        store: StoreSettings | None = None,
    ) -> None:
        needs = needs or OutputNeeds()
        self.request = request
        self.criteria = request.criteria
        # A setting is found by its words in the registry, and confirmed by the trial's tags.
        self.confirm = request.confirm
        self.wanted = request.wanted
        self.profile = request.profile
        # With a profile: the verdicts shown (all when empty), possible first.
        self.fits = request.fits
        self.limit = request.limit
        self.workers = workers
        self.store = store
        self.options = ResultOptions(
            templates=templates,
            near=self.criteria.near,
            within_mi=self.criteria.within_mi,
            profile=self.profile,
            summary=needs.summary,
        )
        self.fit_counts: Counter[str] = Counter()  # verdicts of the trials that passed the rest
        self.stopped_early = False  # the limit was reached before every trial was checked
        self.fetch = fetch_criteria(request, needs)  # what the registry is asked for
        self.results = source.search(self.fetch, on_progress=on_progress)
        self.seen = 0  # trials fetched
        self.far = 0  # of those, how many have no site within range that may enrol
        self.unconfirmed = 0  # of the others, how many the tags did not confirm a setting of
        self.left_out = 0  # of the others, how many `wanted` left out
        self.passed = 0  # trials that passed every check, shown or not
        self.shown = 0
        self._returned: set[str] = set()
        self._shown: Generator[Any, None, None] | None = None

    def __iter__(self) -> Iterator[TrialResult]:
        return self._start(records=False)

    def records(self) -> Iterator[dict[str, Any]]:
        """The results as records (``pipeline.to_record``), made where the work is done."""
        return self._start(records=True)

    def close(self) -> None:
        """Stops the search where it is: the worker processes and the page being fetched."""
        if self._shown is not None:
            self._shown.close()

    def _start(self, records: bool) -> Generator[Any, None, None]:
        self._shown = self._in_order(records)
        return self._shown

    def _in_order(self, records: bool) -> Generator[Any, None, None]:
        # Sorted by fit, fetching stops once the limit is reached with trials of the best
        # verdict shown: no later trial can come before them. (Sorting by distance needs
        # every match first; other orders stop as soon as the limit is shown.)
        nearest, by_fit = self.criteria.order == "distance", self.profile is not None
        enough = None if nearest else self.limit
        job = TrialJob(self.confirm, self.wanted, self.options, record=records)
        store = self.store.open(job) if self.store is not None else None
        if enough is not None and self.request.checked_here:
            # Which page holds the last trial shown is not known: none is fetched or worked
            # on before it is needed.
            self.results.prefetch = False
            work = TrialWork(job, store=store)
        else:
            work = TrialWork(job, self.workers, expected=self.fetch.limit, store=store)
        outcomes = self.results.each(work)
        try:
            kept: Iterator[Outcome] = self._matching(outcomes, enough)
            failure = None
            if nearest or by_fit:
                collected, failure = sort_results(
                    kept, nearest, by_fit, distance=_distance, verdict=_verdict
                )
                kept = iter(collected)
            for outcome in islice(kept, self.limit):  # the one place the limit is applied
                self.shown += 1
                yield outcome.value
            if failure is not None:
                raise failure  # after what did arrive, as a streaming search would
        finally:
            outcomes.close()

    def _matching(self, outcomes: Iterator[Outcome], enough: int | None) -> Iterator[Outcome]:
        best = min((rank(f) for f in self.fits or FITS), default=0)
        kept = 0
        for outcome in outcomes:
            self.seen += 1
            self._returned.add(outcome.nct_id)
            if outcome.kind == FAR:
                self.far += 1
                continue
            if outcome.kind == UNCONFIRMED:
                self.unconfirmed += 1
                continue
            if outcome.kind == LEFT_OUT:
                self.left_out += 1
                continue
            if outcome.fit is not None:
                self.fit_counts[outcome.fit] += 1
                if self.fits and outcome.fit not in self.fits:
                    continue
            self.passed += 1
            yield outcome
            if outcome.fit is None or rank(outcome.fit) == best:
                kept += 1
            if enough and kept >= enough:
                self.stopped_early = True
                return

    @property
    def filtered(self) -> bool:
        """Whether trials are checked here, after the registry search."""
        return self.confirm.active or self.wanted.active or self.criteria.near is not None

    @property
    def missing_ids(self) -> list[str]:
        """NCT ids asked for (``criteria.ids``) that no fetched trial carried, nor a record that
        could not be read; none when such a record's id could not be read either (it may be
        any of them)."""
        unread = {e.record_id for e in self.results.skipped}
        if any(not is_nct_id(record_id) for record_id in unread):
            return []  # (a record whose id could not be read may be any of them)
        return [i for i in self.criteria.ids if i not in self._returned and i not in unread]

    @property
    def limit_reached(self) -> bool:
        return self.limit is not None and self.shown >= self.limit

    @property
    def limit_left_out(self) -> bool:
        """Whether the limit left out trials that could have been shown: some were never
        checked, or more passed the checks than were shown (sorted by distance, every
        trial is checked before the limit applies)."""
        unchecked = self.seen < (self.results.total or 0)
        return self.limit_reached and (unchecked or self.passed > self.shown)

    def left_out_lines(self, hints: bool = True) -> list[str]:
        """How many fetched trials the place, the setting and the wanted categories or
        biomarkers left out, and why; ``hints`` False says it for an email: no command-line
        options, and "trials the registry found" for fetched ones."""
        lines: list[str] = []
        fetched = ("fetched trial", "fetched trials")
        if not hints:
            fetched = ("trial the registry found", "trials the registry found")
        if self.far:
            one = self.far == 1
            lines.append(
                f"{self.far:,} of {counted(self.seen, *fetched)} "
                f"{'was' if one else 'were'} left out: no site of {'it' if one else 'theirs'} "
                f"within {radius_text(self.criteria.within_mi or 0)} may enrol"
                + (" (the registry finds a trial by its closed sites too)" if hints else "")
            )
        if self.unconfirmed:
            one = self.unconfirmed == 1
            left_out = "was left out: its record does" if one else "were left out: their records do"
            checked = self.seen - self.far
            of = f"the other {checked:,}" if self.far else counted(self.seen, *fetched)
            lines.append(
                f"{self.unconfirmed:,} of {of} {left_out} "
                f"not say {settings_words(self.confirm.settings)}"
                + (f" (use --setting any to see {'it' if one else 'them'})" if hints else "")
            )
        if self.wanted.active and (hints or self.left_out):
            checked = self.seen - self.far - self.unconfirmed
            of = (
                f"the other {checked:,}"
                if self.far or self.unconfirmed
                else counted(checked, *fetched)
            )
            one = self.left_out == 1
            lines.append(
                f"{self.left_out:,} of {of} did not match {self.wanted.describe(hints)} "
                f"and {'was' if one else 'were'} left out"
            )
        return lines

    def report(self, finished: bool = True, quiet: bool = False) -> list[str]:
        """Lines for people: skipped records, local filtering, how many matched and shown.

        ``finished`` is False when writing stopped on an error: only the warnings then.
        ``quiet`` (for cron jobs): only the warnings, what was skipped or not found.
        """
        lines = []
        skipped = len(self.results.skipped)
        if skipped:
            was = "was" if skipped == 1 else "were"
            lines.append(
                f"{counted(skipped, 'record')} could not be read and {was} skipped "
                "(see the warnings above)"
            )
        if not quiet:
            lines.extend(self.left_out_lines())
        if not finished:
            return lines
        total = self.results.total
        received = self.results.received
        if total is not None and self.results.complete and received != total:
            # The registry changed during the search, or miscounted: count what arrived.
            lines.append(
                f"the registry announced {counted(total, 'matching trial')} but sent {received:,}"
            )
            total = None
        place = self.criteria.near
        within = ""
        if place and self.criteria.within_mi is not None:
            within = f" within {radius_text(self.criteria.within_mi)} of {place.name}"
        if total is None:
            matched = f"{counted(self.shown, 'trial')} found{within}"
        elif self.filtered:
            matched = f"{counted(total, 'trial')} matched the registry search{within}"
        else:
            matched = f"{counted(total, 'trial')} matched{within}"
        shown = f"{self.shown:,} shown" + (" after the local filters" if self.filtered else "")
        hint = ""
        if self.filtered:
            if self.limit_left_out:
                hint = " (use --limit 0 to check them all)"
        elif total is not None and self.shown < total and self.limit_reached:
            hint = " (use --limit 0 to see all)"  # (not when skipped records are the rest)
        if not quiet:
            lines.append(f"{matched}; {shown}{hint}.")
        lines.extend(self._fit_lines(quiet))
        if self.criteria.ids and not self.limit_reached and self.missing_ids:
            lines.append(
                f"{counted(len(self.missing_ids), 'NCT id')} not found with this search's options: "
                + ", ".join(self.missing_ids)
            )
        return lines

    def _fit_lines(self, quiet: bool) -> list[str]:
        """How many trials the prescreen found possible, to check, excluded; and what
        ``fits`` left out (said even when ``quiet``: trials were hidden)."""
        if self.profile is None:
            return []
        counts = verdict_counts(self.fit_counts)
        checked = sum(self.fit_counts.values())
        of = f" (of the first {checked:,} checked)" if self.stopped_early else ""
        hidden = [f for f in FITS if self.fits and f not in self.fits and self.fit_counts[f]]
        if hidden:
            left = " and ".join(f"{self.fit_counts[f]:,} {verdict_said(f)}" for f in hidden)
            tail = f"; {left} left out (--fit {','.join(self.fits)})"
        elif self.fit_counts[EXCLUDED]:
            tail = "; excluded trials are shown last"
        else:
            tail = ""
        if quiet and not hidden:
            return []
        return [f"against the profile {self.profile.name}: {counts}{of}{tail}."]


def settings_words(settings: tuple[str, ...]) -> str:
    """What the records of trials left out do not say: "the disease was treated before"."""
    if set(settings) == set(DEFAULT_SETTINGS):
        return "the disease was treated before"
    *others, last = settings
    return "the disease is " + (f"{', '.join(others)} or {last}" if others else last)
