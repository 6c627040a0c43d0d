"""From trials to results: what trialfinder works out about each trial it found.

A :class:`TrialResult` is a trial plus everything computed from it (tags, nearest site,
plain-language summary as those features land). Commands build results with
:func:`build_results` and hand :func:`to_record` dicts to the renderers in ``output``.
:class:`TagFilter` says which results match what the registry cannot search for (treatment
categories, biomarkers, confirmed disease settings); ``search.SearchRun`` applies it.

:func:`assess` does all of that for one record of a search, as a :class:`TrialJob` says, and
tells what became of it (an :class:`Outcome`). It is pure: the same record and job give the
same outcome in any process, so that ``trialfinder.workers`` can run it on worker processes.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING, Any

from trialfinder.errors import PartialResults, RecordError, TrialfinderError
from trialfinder.geo import NearestSite, Place, nearest_site
from trialfinder.model import Trial, parse_study
from trialfinder.output import site_record, trial_record

if TYPE_CHECKING:
    from trialfinder.tagging import Tags


@dataclass(frozen=True)
class ResultOptions:
    """What the user asked for that shapes the results, beyond the registry search."""

    templates: str | None = None  # a folder of the user's own templates
    near: Place | None = None  # the patient's place: find each trial's nearest site
    within_mi: float | None = None  # the search radius in miles, when `near` is given
    summary: bool = True  # write the plain-language summary (a table does not show it)


@dataclass(frozen=True)
class TrialResult:
    trial: Trial
    nearest: NearestSite | None = None  # None without a place, or when no site has coordinates
    tags: Tags | None = None  # treatment categories, settings, biomarkers, with evidence
    summary: str | None = None  # the plain-language summary


def build_result(
    trial: Trial, options: ResultOptions | None = None, tags: Tags | None = None
) -> TrialResult:
    """Everything trialfinder works out about ``trial`` (``tags`` when already computed)."""
    from trialfinder.summary import summarize
    from trialfinder.tagging import tag_trial

    options = options or ResultOptions()
    nearest = None
    if options.near is not None:
        nearest = nearest_site(trial, options.near.lat, options.near.lon)
    tags = tags or tag_trial(trial)
    summary = None
    if options.summary:
        summary = summarize(trial, tags=tags, nearest=nearest, templates=options.templates)
    return TrialResult(trial=trial, nearest=nearest, tags=tags, summary=summary)


def build_results(
    trials: Iterable[Trial], options: ResultOptions | None = None
) -> Iterator[TrialResult]:
    """Lazily, so that a search streams from the first page to the output."""
    options = options or ResultOptions()
    for trial in trials:
        yield build_result(trial, options)


def tag_record(tags: Tags | None) -> dict[str, Any]:
    """The record keys of the tags: categories, settings, biomarkers, requirements, evidence."""
    if tags is None:
        return {
            "categories": [],
            "comparator_categories": [],
            "setting": [],
            "biomarkers": [],
            "excluded_biomarkers": [],
            "requirements": [],
            "evidence": [],
        }
    return {
        "categories": list(tags.categories),
        "comparator_categories": list(tags.comparator_categories),
        "setting": list(tags.settings),
        "biomarkers": list(tags.biomarkers),
        "excluded_biomarkers": list(tags.excluded_biomarkers),
        "requirements": [r.as_dict() for r in tags.requirements],
        "evidence": [e.as_dict() for e in tags.evidence],
    }


def _distance_of(result: TrialResult) -> float | None:
    return result.nearest.distance_mi if result.nearest else None


def by_distance(results: Iterable[Any], distance: Callable[[Any], float | None] = _distance_of):
    """All results, nearest site first; trials with no located site last, in arrival order.

    ``distance`` gives a result's distance (of a :class:`TrialResult` by default).
    """
    return sorted(results, key=lambda r: (distance(r) is None, distance(r) or 0.0))


def ordered(
    results: Iterable[Any],
    order: str | None,
    limit: int | None,
    distance: Callable[[Any], float | None] = _distance_of,
) -> Iterable[Any]:
    """Results in ``order``: ``"distance"`` sorts here (after all have arrived), then limits.

    Other orders come sorted (and limited) from the registry and pass through unchanged.
    """
    if order != "distance":
        return results
    return _nearest_first(results, limit, distance)


def _nearest_first(results: Iterable[Any], limit: int | None, distance) -> Iterator[Any]:
    collected: list[Any] = []
    failure: PartialResults | None = None
    try:
        collected.extend(results)
    except PartialResults as exc:
        # Show what did arrive, sorted, then report the failure as a streaming search would.
        failure = exc
    yield from islice(by_distance(collected, distance), limit or None)
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
            **tag_record(result.tags),
            "summary": result.summary,
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
        from trialfinder.tagging import biomarker_matches

        if tags is None:
            return not self.active
        if self.categories and not set(self.categories) & set(tags.categories):
            return False
        if self.biomarkers and not any(
            biomarker_matches(b, tags.biomarkers) for b in self.biomarkers
        ):
            return False
        return not (self.settings and not set(self.settings) & set(tags.settings))

    def describe(self) -> str:
        parts = [f"--category {c}" for c in self.categories]
        parts += [f"--biomarker {b}" for b in self.biomarkers]
        parts += [f"--setting {s}" for s in self.settings]
        return ", ".join(parts)


# What became of one record (Outcome.kind).
KEPT = "kept"  # a result, shown
UNCONFIRMED = "unconfirmed"  # its tags do not confirm a setting searched for
LEFT_OUT = "left out"  # it does not match the wanted categories or biomarkers
SKIPPED = "skipped"  # the record could not be read, or working on it failed
STOPPED = "stopped"  # an error that stops the search (a user's broken template, say)


@dataclass(frozen=True)
class TrialJob:
    """What to work out about each record of a search; small, so that it is cheap to send
    to worker processes (no settings, no HTTP session)."""

    confirm: TagFilter = field(default_factory=TagFilter)  # settings the tags must confirm
    wanted: TagFilter = field(default_factory=TagFilter)  # what else a result must have
    options: ResultOptions = field(default_factory=ResultOptions)
    record: bool = False  # give back the record (:func:`to_record`), not the TrialResult


@dataclass(frozen=True)
class Outcome:
    """What became of one record: ``kind`` is one of KEPT, UNCONFIRMED, LEFT_OUT, SKIPPED,
    STOPPED. ``value`` is the result or its record (KEPT), why it was skipped (SKIPPED), or
    the error (STOPPED); ``distance`` is the nearest site's, for sorting (KEPT)."""

    kind: str
    nct_id: str
    value: Any = None
    distance: float | None = None
    details: str = ""  # SKIPPED by a failure: its traceback, for --debug

    def record_error(self) -> RecordError:
        return RecordError(self.nct_id, self.value)


def assess(job: TrialJob, raw: Any) -> Outcome:
    """Parse, tag, filter and build the result of one record of a search, as ``job`` says.

    Only the user's own errors (a broken template) stop the search (STOPPED); a record that
    cannot be read is SKIPPED, and so is one whose processing fails, naming its NCT id.
    """
    from trialfinder.tagging import tag_trial

    try:
        trial = parse_study(raw)
    except RecordError as exc:
        return Outcome(SKIPPED, exc.record_id, exc.reason)
    try:
        tags = tag_trial(trial)
        if not job.confirm.accepts(tags):
            return Outcome(UNCONFIRMED, trial.nct_id)
        if not job.wanted.accepts(tags):
            return Outcome(LEFT_OUT, trial.nct_id)
        result = build_result(trial, job.options, tags=tags)
        value = to_record(result) if job.record else result
        return Outcome(KEPT, trial.nct_id, value, _distance_of(result))
    except TrialfinderError as exc:
        return Outcome(STOPPED, trial.nct_id, exc)
    except Exception as exc:  # a bug, met on this record only: the others go on
        return Outcome(
            SKIPPED,
            trial.nct_id,
            f"processing it failed ({exc.__class__.__name__}: {exc}); this is a bug in "
            "trialfinder, run with --debug and report it",
            details=traceback.format_exc(),
        )
