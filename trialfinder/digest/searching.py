"""Run one saved search as `trialfinder search` would, and keep what the digest needs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from trialfinder import geo
from trialfinder.criteria import SearchCriteria
from trialfinder.digest.changes import Snapshot, TrialState
from trialfinder.digest.config import SavedSearch
from trialfinder.geo import OPEN_STATUSES, NearestSite
from trialfinder.model import Site, Trial, is_nct_id
from trialfinder.pipeline import OutputNeeds
from trialfinder.prescreen import Fit, prescreen
from trialfinder.profile import Profile
from trialfinder.search import SearchRun
from trialfinder.sources.base import Source, check_ids_answered
from trialfinder.tagging import Tags
from trialfinder.wording import site_name

LOOKUP_BATCH = 100  # NCT ids per look-up request, to keep URLs short
# Every site's details: the summary in a digest names a lone site's facility, and the sites
# near the search's place are followed from run to run.
NEEDS = OutputNeeds(site_details=True)


@dataclass(frozen=True)
class Found:
    """One trial of a saved search's results, with what was worked out about it."""

    trial: Trial
    tags: Tags | None = None
    nearest: NearestSite | None = None  # when the search has `near`
    summary: str | None = None
    sites_in_range: tuple[str, ...] = ()
    # Open sites within range, (label, miles), nearest first; None without a place.
    open_in_range: tuple[tuple[str, float], ...] | None = None

    @property
    def categories(self) -> tuple[str, ...]:
        return self.tags.categories if self.tags else ()

    @property
    def biomarkers(self) -> tuple[str, ...]:
        return self.tags.biomarkers if self.tags else ()

    @property
    def distance_mi(self) -> float | None:
        return round(self.nearest.distance_mi, 1) if self.nearest else None

    @property
    def nearest_site(self) -> Site | None:
        return self.nearest.site if self.nearest else None

    def state(self) -> TrialState:
        return TrialState(
            status=self.trial.overall_status,
            last_updated=self.trial.last_updated,
            sites=self.sites_in_range,
            title=self.trial.title,
            phases=tuple(self.trial.phases),
            open_sites=self.open_in_range,
        )


@dataclass(frozen=True)
class SearchFound:
    """A saved search's current results, by NCT id, and what its filters left out."""

    trials: dict[str, Found]
    # How many fetched trials the place, the setting or the wanted categories left out, and
    # why: one sentence each, for the email to say what it does not list.
    left_out: tuple[str, ...] = ()
    # The NCT ids of records the registry sent that could not be read: still in the results,
    # their changes are reported once they can be read.
    unread: frozenset[str] = frozenset()


def sites_in_range(trial: Trial, search: SavedSearch) -> tuple[str, ...]:
    """Labels of the trial's sites within range of the search's place (none without one)."""
    return tuple(dict.fromkeys(label for label, _, _ in _in_range(trial, search)))


def open_in_range(trial: Trial, search: SavedSearch) -> tuple[tuple[str, float], ...] | None:
    """The open sites within range, (label, miles rounded to 0.1), nearest first; ``None``
    for a search without a place."""
    if search.criteria.near is None:
        return None
    opened: dict[str, float] = {}
    for label, miles, status in _in_range(trial, search):
        if status in OPEN_STATUSES:
            opened.setdefault(label, round(miles, 1))
    return tuple(opened.items())


def _in_range(trial: Trial, search: SavedSearch) -> list[tuple[str, float, str]]:
    """(label, miles, site status) of each site within range, nearest first."""
    place, within = search.criteria.near, search.criteria.within_mi
    if place is None or within is None:
        return []
    return [
        (label, entry.distance_mi, entry.site.status)
        for entry in geo.sites_by_distance(trial, place.lat, place.lon)
        if entry.distance_mi <= within and (label := site_name(entry.site))
    ]


def run_search(source: Source, search: SavedSearch, templates: Path | None = None) -> SearchFound:
    """The current results of ``search``; raises the source's errors."""
    # With a place, the search keeps only trials with a site there that may enrol (geo.is_near).
    run = SearchRun(source, search.request, NEEDS, templates=str(templates) if templates else None)
    found: dict[str, Found] = {}
    for result in run:
        found[result.trial.nct_id] = Found(
            trial=result.trial,
            tags=result.tags,
            nearest=result.nearest,
            summary=result.summary,
            sites_in_range=sites_in_range(result.trial, search),
            open_in_range=open_in_range(result.trial, search),
        )
    unread = frozenset(e.record_id for e in run.results.skipped if e.record_id)
    return SearchFound(found, tuple(run.left_out_lines(hints=False)), unread)


def look_up(source: Source, nct_ids: Iterable[str]) -> dict[str, TrialState | None]:
    """The current state of trials that left the results: closed, changed, or withdrawn.

    Searched by id in batches, whatever their status; a trial the registry no longer has
    maps to None. One whose record the registry sent but could not be read is left out (not
    looked up: reported on a later run), never taken for gone.
    """
    ids = sorted(set(nct_ids))
    if not ids:
        return {}
    seen: dict[str, TrialState | None] = dict.fromkeys(ids)
    others = 0  # trials sent that were not asked for
    for start in range(0, len(ids), LOOKUP_BATCH):
        batch = tuple(ids[start : start + LOOKUP_BATCH])
        criteria = SearchCriteria(
            ids=batch, settings=("any",), statuses=("any",), cancer_only=False
        )
        results = source.search(criteria)
        for trial in results:
            others += trial.nct_id not in seen
            if trial.nct_id in seen:
                seen[trial.nct_id] = TrialState(
                    status=trial.overall_status,
                    last_updated=trial.last_updated,
                    title=trial.title,
                    phases=tuple(trial.phases),
                )
        for unread in results.skipped:
            seen.pop(unread.record_id, None)
        if any(not is_nct_id(unread.record_id) for unread in results.skipped):
            # A record whose NCT id could not be read may be any of those not found.
            for nct_id in batch:
                if seen.get(nct_id, False) is None:
                    del seen[nct_id]
    answered = sum(1 for nct_id in ids if seen.get(nct_id, True) is not None)
    check_ids_answered(len(ids), answered, others)
    return seen


def fits_for(found: dict[str, Found], profile: Profile | None) -> dict[str, Fit] | None:
    """The prescreen of every trial found against ``profile`` (None without one)."""
    if profile is None:
        return None
    return {nct_id: prescreen(item.trial, item.tags, profile) for nct_id, item in found.items()}


def with_fits(snapshot: Snapshot, fits: dict[str, Fit] | None) -> Snapshot:
    """``snapshot`` with each trial's verdict (unchanged without fits)."""
    if fits is None:
        return snapshot
    return {
        nct_id: replace(state, fit=fits[nct_id].fit) if nct_id in fits else state
        for nct_id, state in snapshot.items()
    }


def snapshot_of(found: dict[str, Found]) -> Snapshot:
    return {nct_id: item.state() for nct_id, item in found.items()}
