"""From trials to results: what trialfinder works out about each trial it found.

A :class:`TrialResult` is a trial plus everything computed from it (tags, nearest site,
plain-language summary, the prescreen against a profile). Commands build results with
:func:`build_result` and hand :func:`to_record` dicts to the renderers in ``output``.
:class:`TagFilter` says which results match what the registry cannot search for (treatment
categories, biomarkers, confirmed disease settings); ``search.SearchRun`` applies it.
:class:`OutputNeeds` says what an output shows, so that a search fetches and works out only
that.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from trialfinder.errors import PartialResults
from trialfinder.geo import NearestSite, Place, nearest_site
from trialfinder.model import Trial
from trialfinder.prescreen import Fit, prescreen, rank
from trialfinder.profile import Profile
from trialfinder.records import site_record, tag_record, trial_record
from trialfinder.summary import summarize
from trialfinder.tagging import Tags, biomarker_matches, tag_trial
from trialfinder.tagging.settings import SETTINGS, for_treated_disease


@dataclass(frozen=True)
class OutputNeeds:
    """What an output shows of each trial, beyond its record's base fields (see
    ``output.NEEDS``)."""

    # Every site's facility, status, coordinates and contacts (a place needs them anyway).
    site_details: bool = False


@dataclass(frozen=True)
class ResultOptions:
    """What the user asked for that shapes the results, beyond the registry search."""

    templates: str | None = None  # a folder of the user's own templates
    near: Place | None = None  # the patient's place: find each trial's nearest site
    within_mi: float | None = None  # the search radius in miles, when `near` is given
    profile: Profile | None = None  # a patient's profile: prescreen each trial against it


@dataclass(frozen=True)
class TrialResult:
    trial: Trial
    nearest: NearestSite | None = None  # None without a place, or when no site has coordinates
    tags: Tags | None = None  # treatment categories, settings, biomarkers, with evidence
    summary: str | None = None  # the plain-language summary
    fit: Fit | None = None  # the prescreen against the profile, when there is one


def build_result(
    trial: Trial, options: ResultOptions | None = None, tags: Tags | None = None
) -> TrialResult:
    """Everything trialfinder works out about ``trial`` (``tags`` when already computed)."""
    options = options or ResultOptions()
    nearest = None
    if options.near is not None:
        nearest = nearest_site(trial, options.near.lat, options.near.lon)
    tags = tags or tag_trial(trial)
    summary = summarize(trial, tags=tags, nearest=nearest, templates=options.templates)
    fit = None
    if options.profile is not None:
        fit = prescreen(trial, tags, options.profile)
    return TrialResult(trial=trial, nearest=nearest, tags=tags, summary=summary, fit=fit)


def build_results(
    trials: Iterable[Trial], options: ResultOptions | None = None
) -> Iterator[TrialResult]:
    """Lazily, so that a search streams from the first page to the output."""
    options = options or ResultOptions()
    for trial in trials:
        yield build_result(trial, options)


def by_distance(results: Iterable[TrialResult]) -> list[TrialResult]:
    """All results, nearest site first; trials with no located site last, in arrival order."""
    return sorted(
        results,
        key=lambda r: (r.nearest is None, r.nearest.distance_mi if r.nearest else 0.0),
    )


def sort_results(
    results: Iterable[TrialResult], nearest: bool, by_fit: bool
) -> tuple[list[TrialResult], PartialResults | None]:
    """Every result, ``nearest`` site first and, ``by_fit``, the prescreen's possible trials
    first, then check, then excluded (each group in the order of the first); and the failure
    that ended the fetching early, if one did (what arrived is sorted, the failure is for the
    caller to raise once it is shown)."""
    collected: list[TrialResult] = []
    failure: PartialResults | None = None
    try:
        collected.extend(results)
    except PartialResults as exc:
        failure = exc
    if nearest:
        collected = by_distance(collected)
    if by_fit:
        collected.sort(key=lambda r: rank(r.fit.fit if r.fit else None))
    return collected, failure


def to_record(result: TrialResult) -> dict[str, Any]:
    """The JSON-ready object every format shows for one result."""
    nearest = result.nearest
    return trial_record(
        result.trial,
        {
            "nearest_site": site_record(nearest.site) if nearest else None,
            "distance_mi": round(nearest.distance_mi, 1) if nearest else None,
            **tag_record(result.tags),
            "summary": result.summary,
            **(result.fit.as_record() if result.fit else {}),
        },
    )


@dataclass(frozen=True)
class TagFilter:
    """Categories, biomarkers and settings a result must have (each list: any one of them)."""

    categories: tuple[str, ...] = ()
    biomarkers: tuple[str, ...] = ()
    settings: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return bool(self.categories or self.biomarkers or self.settings)

    def accepts(self, tags: Tags | None) -> bool:
        if tags is None:
            return not self.active
        if self.categories and not set(self.categories) & set(tags.categories):
            return False
        if self.biomarkers and not any(
            biomarker_matches(b, tags.biomarkers) for b in self.biomarkers
        ):
            return False
        if not self.settings:
            return True
        if set(self.settings) >= set(SETTINGS):  # disease treated before, the default
            return for_treated_disease(tags.settings, tags.requirements)
        return bool(set(self.settings) & set(tags.settings))

    def describe(self) -> str:
        parts = [f"--category {c}" for c in self.categories]
        parts += [f"--biomarker {b}" for b in self.biomarkers]
        parts += [f"--setting {s}" for s in self.settings]
        return ", ".join(parts)
