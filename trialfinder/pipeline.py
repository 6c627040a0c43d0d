"""From trials to results: what trialfinder works out about each trial it found.

A :class:`TrialResult` is a trial plus everything computed from it (tags, nearest site,
plain-language summary, the prescreen against a profile). Commands build results with
:func:`build_result` and hand :func:`to_record` dicts to the renderers in ``output``.
:class:`TagFilter` says which results match what the registry cannot search for (treatment
categories, biomarkers, confirmed disease settings); ``search.SearchRun`` applies it.
:class:`OutputNeeds` says what an output shows, so that a search fetches and works out only
that.

:func:`assess` does all of that for one record of a search, as a :class:`TrialJob` says
(parse, tag, filter, nearest site, summary, prescreen), and tells what became of it (an
:class:`Outcome`). It is pure: the same record and job give the same outcome in any process,
so that ``trialfinder.workers`` can run it on worker processes.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from trialfinder.errors import PartialResults, RecordError, TrialfinderError
from trialfinder.geo import NearestSite, Place, is_near, nearest_site
from trialfinder.model import Trial, parse_study
from trialfinder.prescreen import Fit, prescreen, rank
from trialfinder.profile import Profile
from trialfinder.records import site_record, tag_record, trial_record
from trialfinder.summary import summarize
from trialfinder.tagging import Tags, biomarker_matches, tag_trial
from trialfinder.tagging.settings import SETTINGS, for_treated_disease
from trialfinder.wording import category_words


@dataclass(frozen=True)
class OutputNeeds:
    """What an output shows of each trial, beyond its record's base fields (see
    ``output.NEEDS``)."""

    # Every site's facility, status, coordinates and contacts (a place needs them anyway).
    site_details: bool = False
    summary: bool = True  # the plain-language summary


@dataclass(frozen=True)
class ResultOptions:
    """What the user asked for that shapes the results, beyond the registry search."""

    templates: str | None = None  # a folder of the user's own templates
    near: Place | None = None  # the patient's place: find each trial's nearest site
    # The search radius in miles, when `near` is given: a result has a site there that may enrol.
    within_mi: float | None = None
    profile: Profile | None = None  # a patient's profile: prescreen each trial against it
    summary: bool = True  # write the plain-language summary (a table does not show it)


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
    summary = None
    if options.summary:
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


def distance_of(result: TrialResult) -> float | None:
    """The distance of a result's nearest site, ``None`` without one."""
    return result.nearest.distance_mi if result.nearest else None


def verdict_of(result: TrialResult) -> str | None:
    """The prescreen's verdict of a result, ``None`` without a profile."""
    return result.fit.fit if result.fit else None


def by_distance(
    results: Iterable[Any], distance: Callable[[Any], float | None] = distance_of
) -> list[Any]:
    """All results, nearest site first; trials with no located site last, in arrival order.
    ``distance`` gives a result's distance (of a :class:`TrialResult` by default)."""
    return sorted(results, key=lambda r: (distance(r) is None, distance(r) or 0.0))


def sort_results(
    results: Iterable[Any],
    nearest: bool,
    by_fit: bool,
    distance: Callable[[Any], float | None] = distance_of,
    verdict: Callable[[Any], str | None] = verdict_of,
) -> tuple[list[Any], PartialResults | None]:
    """Every result, ``nearest`` site first and, ``by_fit``, the prescreen's possible trials
    first, then check, then excluded (each group in the order of the first); and the failure
    that ended the fetching early, if one did (what arrived is sorted, the failure is for the
    caller to raise once it is shown). ``distance`` and ``verdict`` read a result's (a
    :class:`TrialResult`'s by default, an :class:`Outcome`'s in a search)."""
    collected: list[Any] = []
    failure: PartialResults | None = None
    try:
        collected.extend(results)
    except PartialResults as exc:
        failure = exc
    if nearest:
        collected = by_distance(collected, distance)
    if by_fit:
        collected.sort(key=lambda r: rank(verdict(r)))
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

    def describe(self, options: bool = True) -> str:
        """What it asks, as the command line's options ("--category immunotherapy"), or in
        words (``options`` False: "the treatment approach immunotherapy", for an email)."""
        if options:
            parts = [f"--category {c}" for c in self.categories]
            parts += [f"--biomarker {b}" for b in self.biomarkers]
            parts += [f"--setting {s}" for s in self.settings]
            return ", ".join(parts)
        words = []
        if self.categories:
            approaches = " or ".join(category_words(self.categories))
            words.append(f"the treatment approach asked for ({approaches})")
        if self.biomarkers:
            words.append(f"the marker asked for ({' or '.join(self.biomarkers)})")
        if self.settings:
            words.append(f"the setting asked for ({' or '.join(self.settings)})")
        return " and ".join(words)


# What became of one record (Outcome.kind).
FAR = "far"  # no site of it that may enrol is within the search's distance of its place
KEPT = "kept"  # a result, shown unless the verdicts asked for leave it out
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
    """What became of one record: ``kind`` is one of KEPT, FAR, UNCONFIRMED, LEFT_OUT, SKIPPED,
    STOPPED. ``value`` is the result or its record (KEPT), why it was skipped (SKIPPED), or
    the error (STOPPED); ``distance`` (the nearest site's) and ``fit`` (the prescreen's
    verdict) are what the search sorts and counts a KEPT result by."""

    kind: str
    nct_id: str
    value: Any = None
    distance: float | None = None
    fit: str | None = None
    details: str = ""  # SKIPPED by a failure: its traceback, for --debug

    def record_error(self) -> RecordError:
        return RecordError(self.nct_id, self.value)


def assess(job: TrialJob, raw: Any) -> Outcome:
    """Parse, tag, filter and build the result of one record of a search (its nearest site,
    summary and prescreen), as ``job`` says.

    Only the user's own errors (a broken template) stop the search (STOPPED); a record that
    cannot be read is SKIPPED, and so is one whose processing fails, naming its NCT id.
    """
    # Only a place needs every site made: counts and a summary's countries read the records.
    try:
        trial = parse_study(raw, lazy_sites=not job.options.near)
    except RecordError as exc:
        return Outcome(SKIPPED, exc.record_id, exc.reason)
    near, within = job.options.near, job.options.within_mi
    try:
        if near is not None and within is not None and not is_near(trial, near, within):
            return Outcome(FAR, trial.nct_id)
        tags = tag_trial(trial)
        if not job.confirm.accepts(tags):
            return Outcome(UNCONFIRMED, trial.nct_id)
        if not job.wanted.accepts(tags):
            return Outcome(LEFT_OUT, trial.nct_id)
        result = build_result(trial, job.options, tags=tags)
        value = to_record(result) if job.record else result
        return Outcome(KEPT, trial.nct_id, value, distance_of(result), verdict_of(result))
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
