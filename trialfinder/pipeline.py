"""From trials to results: what trialfinder works out about each trial it found.

A :class:`TrialResult` is a trial plus everything computed from it (tags, nearest site,
plain-language summary as those features land). Commands build results with
:func:`build_results` and hand :func:`to_record` dicts to the renderers in ``output``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from trialfinder.errors import PartialResults
from trialfinder.geo import NearestSite, Place, nearest_site
from trialfinder.model import Trial
from trialfinder.output import site_record, trial_record


@dataclass(frozen=True)
class ResultOptions:
    """What the user asked for that shapes the results, beyond the registry search."""

    templates: str | None = None  # a folder of the user's own templates
    near: Place | None = None  # the patient's place: find each trial's nearest site
    within_mi: float | None = None  # the search radius in miles, when `near` is given


@dataclass(frozen=True)
class TrialResult:
    trial: Trial
    nearest: NearestSite | None = None  # None without a place, or when no site has coordinates


def build_result(trial: Trial, options: ResultOptions | None = None) -> TrialResult:
    options = options or ResultOptions()
    nearest = None
    if options.near is not None:
        nearest = nearest_site(trial, options.near.lat, options.near.lon)
    return TrialResult(trial=trial, nearest=nearest)


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


def ordered(
    results: Iterable[TrialResult], order: str | None, limit: int | None
) -> Iterable[TrialResult]:
    """Results in ``order``: ``"distance"`` sorts here (after all have arrived), then limits.

    Other orders come sorted (and limited) from the registry and pass through unchanged.
    """
    if order != "distance":
        return results
    return _nearest_first(results, limit)


def _nearest_first(results: Iterable[TrialResult], limit: int | None) -> Iterator[TrialResult]:
    collected: list[TrialResult] = []
    failure: PartialResults | None = None
    try:
        collected.extend(results)
    except PartialResults as exc:
        # Show what did arrive, sorted, then report the failure as a streaming search would.
        failure = exc
    yield from islice(by_distance(collected), limit or None)
    if failure is not None:
        raise failure


def to_record(result: TrialResult) -> dict[str, Any]:
    """The JSON-ready object every format shows for one result."""
    nearest = result.nearest
    return trial_record(
        result.trial,
        {
            "nearest_site": site_record(nearest.site) if nearest else None,
            "distance_mi": round(nearest.distance_mi, 1) if nearest else None,
        },
    )
