"""Run one saved search through the source and the result pipeline, as the digest sees it.

The pipeline adds what the other features compute (tags, nearest site, plain-language
summary) when they are there; the digest reads them with ``getattr`` so that it works with
whatever this version of trialfinder computes, and the email shows what exists.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trialfinder.criteria import SearchCriteria
from trialfinder.digest.changes import Snapshot, TrialState
from trialfinder.digest.config import SavedSearch
from trialfinder.model import Site, Trial

LOOKUP_BATCH = 100  # NCT ids per look-up request, to keep URLs short


@dataclass(frozen=True)
class Found:
    """One trial of a saved search's results, with what was worked out about it."""

    trial: Trial
    tags: Any = None  # tagging.Tags when trial tagging is available
    nearest: Any = None  # geo.NearestSite when the search has `near`
    summary: str | None = None
    sites_in_range: tuple[str, ...] = ()

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(getattr(self.tags, "categories", ()) or ())

    @property
    def biomarkers(self) -> tuple[str, ...]:
        return tuple(getattr(self.tags, "biomarkers", ()) or ())

    @property
    def distance_mi(self) -> float | None:
        distance = getattr(self.nearest, "distance_mi", None)
        return None if distance is None else round(float(distance), 1)

    @property
    def nearest_site(self) -> Site | None:
        return getattr(self.nearest, "site", None)

    def state(self) -> TrialState:
        return TrialState(
            status=self.trial.overall_status,
            last_updated=self.trial.last_updated,
            sites=self.sites_in_range,
            title=self.trial.title,
        )


def site_label(site: Site) -> str:
    """A readable, stable name for a site: "Dana-Farber, Boston, Massachusetts, United States"."""
    parts = [site.facility, site.city, site.state, site.country]
    return ", ".join(" ".join(p.split()) for p in parts if p and p.strip())


def _options(search: SavedSearch, templates: Path | None) -> Any:
    """ResultOptions with the fields this version's pipeline knows."""
    from trialfinder.pipeline import ResultOptions

    criteria = search.criteria
    wanted = {
        "templates": str(templates) if templates else None,
        "near": criteria.near,
        "within_mi": criteria.within_mi,
    }
    known = {f.name for f in dataclasses.fields(ResultOptions)}
    return ResultOptions(**{k: v for k, v in wanted.items() if k in known and v is not None})


def _sites_in_range(trial: Trial, search: SavedSearch) -> tuple[str, ...]:
    """Labels of the trial's sites within range of the search's place (all, without one)."""
    place, within = search.criteria.near, search.criteria.within_mi
    if place is None or within is None:
        labels = [site_label(site) for site in trial.sites]
    else:
        from trialfinder import geo

        labels = [
            site_label(entry.site)
            for entry in geo.sites_by_distance(trial, place.lat, place.lon)
            if entry.distance_mi <= within
        ]
    return tuple(dict.fromkeys(label for label in labels if label))


def _wanted(found: Found, search: SavedSearch) -> bool:
    """The filters `search` applies locally (tags), and the distance as a safety net."""
    from trialfinder.pipeline import TagFilter

    wanted = TagFilter(
        categories=search.categories,
        biomarkers=search.biomarkers,
        settings=search.confirm_settings,
    )
    if wanted.active and not wanted.accepts(found.tags):
        return False
    return search.criteria.near is None or bool(found.sites_in_range)


def run_search(source, search: SavedSearch, templates: Path | None = None) -> dict[str, Found]:
    """The current results of ``search``, by NCT id; raises the source's errors."""
    from trialfinder.pipeline import build_results

    results = source.search(search.criteria)
    found: dict[str, Found] = {}
    for result in build_results(results, _options(search, templates)):
        item = Found(
            trial=result.trial,
            tags=getattr(result, "tags", None),
            nearest=getattr(result, "nearest", None),
            summary=getattr(result, "summary", None),
            sites_in_range=_sites_in_range(result.trial, search),
        )
        if _wanted(item, search):
            found[result.trial.nct_id] = item
    return found


def look_up(source, nct_ids: Iterable[str]) -> dict[str, TrialState | None]:
    """The current state of trials that left the results: closed, changed, or withdrawn.

    Searched by id in batches, whatever their status; a trial the registry no longer has
    maps to None.
    """
    ids = sorted(set(nct_ids))
    if not ids:
        return {}
    seen: dict[str, TrialState | None] = dict.fromkeys(ids)
    for start in range(0, len(ids), LOOKUP_BATCH):
        batch = tuple(ids[start : start + LOOKUP_BATCH])
        criteria = SearchCriteria(
            ids=batch, settings=("any",), statuses=("any",), cancer_only=False
        )
        for trial in source.search(criteria):
            if trial.nct_id in seen:
                seen[trial.nct_id] = TrialState(
                    status=trial.overall_status, last_updated=trial.last_updated, title=trial.title
                )
    return seen


def snapshot_of(found: dict[str, Found]) -> Snapshot:
    return {nct_id: item.state() for nct_id, item in found.items()}
