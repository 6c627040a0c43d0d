"""One search from the registry to the results a person sees, shared by every command.

The registry finds what it can search for (conditions, setting wording, status, phase, age,
place); trialfinder then tags each trial, keeps those whose tags confirm one of the settings
searched for (whenever the criteria name settings, the default included) and that pass the
other local filters (treatment categories, biomarkers), adds the nearest site and the summary,
and puts the results in order. Iterate a :class:`SearchRun` once; afterwards
:meth:`SearchRun.report` says what happened, so that nothing is left out silently.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterator

from trialfinder.criteria import DEFAULT_SETTINGS, SearchCriteria
from trialfinder.pipeline import ResultOptions, TagFilter, TrialResult, build_result, ordered
from trialfinder.sources.base import ProgressCallback, Source


class SearchRun:
    def __init__(
        self,
        source: Source,
        criteria: SearchCriteria,
        wanted: TagFilter | None = None,
        options: ResultOptions | None = None,
        on_progress: ProgressCallback | None = None,
        fits: tuple[str, ...] = (),
    ) -> None:
        self.criteria = criteria
        # A setting is found by its words in the registry, and confirmed by the trial's tags.
        self.confirm = TagFilter(settings=criteria.settings)
        self.wanted = wanted or TagFilter()
        self.options = options or ResultOptions()
        self.profile = self.options.profile
        # With a profile: the verdicts shown (all when empty), possible first.
        self.fits = fits
        self.fit_counts: Counter[str] = Counter()  # verdicts of the trials that passed the rest
        self.stopped_early = False  # the limit was reached before every trial was checked
        fetch = criteria
        if (self.filtered or self.profile is not None) and criteria.fetch_limit:
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

    def __iter__(self) -> Iterator[TrialResult]:
        by_fit = self.profile is not None
        for result in ordered(
            self._matching(), self.criteria.order, self.criteria.limit, by_fit=by_fit
        ):
            self.shown += 1
            yield result

    def _matching(self) -> Iterator[TrialResult]:
        from trialfinder.prescreen import FITS, rank
        from trialfinder.tagging import tag_trial

        # Sorting by distance needs every match first; the limit is applied after sorting.
        # Sorted by fit, fetching stops once the limit is reached with trials of the best
        # verdict shown: no later trial can come before them.
        keep = None if self.criteria.order == "distance" else self.criteria.limit
        best = min((rank(f) for f in self.fits or FITS), default=0)
        kept = 0
        for trial in self.results:
            self.seen += 1
            self._returned.add(trial.nct_id)
            tags = tag_trial(trial)
            if not self.confirm.accepts(tags):
                self.unconfirmed += 1
                continue
            if not self.wanted.accepts(tags):
                self.left_out += 1
                continue
            result = build_result(trial, self.options, tags=tags)
            if result.fit is not None:
                self.fit_counts[result.fit.fit] += 1
                if self.fits and result.fit.fit not in self.fits:
                    continue
            yield result
            if result.fit is None or rank(result.fit.fit) == best:
                kept += 1
            if keep and kept >= keep:
                self.stopped_early = True
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

    def report(self, finished: bool = True, quiet: bool = False) -> list[str]:
        """Lines for people: skipped records, local filtering, how many matched and shown.

        ``finished`` is False when writing stopped on an error: only the warnings then.
        ``quiet`` (for cron jobs): only the warnings, what was skipped or not found.
        """
        from trialfinder.templating import counted

        lines = []
        skipped = len(self.results.skipped)
        if skipped:
            was = "was" if skipped == 1 else "were"
            lines.append(
                f"{counted(skipped, 'record')} could not be read and {was} skipped "
                "(see the warnings above)"
            )
        if self.unconfirmed and not quiet:
            one = self.unconfirmed == 1
            left_out = "was left out: its record does" if one else "were left out: their records do"
            lines.append(
                f"{self.unconfirmed:,} of {counted(self.seen, 'fetched trial')} {left_out} "
                f"not say {settings_words(self.confirm.settings)} "
                f"(use --setting any to see {'it' if one else 'them'})"
            )
        if self.wanted.active and not quiet:
            checked = self.seen - self.unconfirmed
            of = f"the other {checked:,}" if self.unconfirmed else counted(checked, "fetched trial")
            one = self.left_out == 1
            lines.append(
                f"{self.left_out:,} of {of} did not match {self.wanted.describe()} "
                f"and {'was' if one else 'were'} left out"
            )
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
            within = f" within {counted(self.criteria.within_mi, 'mile')} of {place.name}"
        if total is None:
            matched = f"{counted(self.shown, 'trial')} found{within}"
        elif self.filtered:
            matched = f"{counted(total, 'trial')} matched the registry search{within}"
        else:
            matched = f"{counted(total, 'trial')} matched{within}"
        shown = f"{self.shown:,} shown" + (" after the local filters" if self.filtered else "")
        hint = ""
        if self.filtered:
            if self.limit_reached and self.seen < (total or 0):
                hint = " (use --limit 0 to check them all)"
        elif total is not None and self.shown < total:
            hint = " (use --limit 0 to see all)"
        if not quiet:
            lines.append(f"{matched}; {shown}{hint}.")
        lines.extend(self._fit_lines(quiet))
        if self.criteria.ids and not self.limit_reached and self.missing_ids:
            lines.append(
                f"{counted(len(self.missing_ids), 'NCT id')} not found: "
                + ", ".join(self.missing_ids)
            )
        return lines

    def _fit_lines(self, quiet: bool) -> list[str]:
        """How many trials the prescreen found possible, to check, excluded; and what
        ``fits`` left out (said even when ``quiet``: trials were hidden)."""
        from trialfinder.prescreen import EXCLUDED, FITS

        if self.profile is None:
            return []
        counts = ", ".join(f"{self.fit_counts[f]:,} {f}" for f in FITS)
        checked = sum(self.fit_counts.values())
        of = f" (of the first {checked:,} checked)" if self.stopped_early else ""
        hidden = [f for f in FITS if self.fits and f not in self.fits and self.fit_counts[f]]
        if hidden:
            left = " and ".join(f"{self.fit_counts[f]:,} {f}" for f in hidden)
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
