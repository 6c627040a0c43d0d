"""A search request: what a person asked for, checked and completed in one place.

`trialfinder search` (its options) and a digest's saved search (a ``[[search]]`` table of the
config file) describe a search with the same :class:`SearchOptions`. :func:`build_request`
turns them into the :class:`SearchRequest` the search runner (``trialfinder.search``) runs:

- the defaults: disease treated before, recruiting or soon, at most :data:`TERMINAL_LIMIT`
  trials on a terminal;
- what a list of NCT ids changes (no setting, status or cancer restriction, every trial);
- what a patient's profile fills in (the cancer of its diagnosis, the age, the sex);
- the filters checked on each trial's tags (categories, biomarkers, the confirmed settings);
- every check of an option and every rule between options ("--within needs --near"), each
  problem naming its option (:class:`InvalidRequest`).

What to fetch for a request (page size, site details, how many trials) is not decided here:
the runner works it out from the request and what the output shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from trialfinder import geo
from trialfinder.criteria import (
    SearchCriteria,
    age_of,
    ids_of,
    phases_of,
    settings_of,
    sex_of,
    sort_of,
    statuses_of,
    within_of,
)
from trialfinder.errors import InvalidInput
from trialfinder.pipeline import TagFilter
from trialfinder.profile import Profile
from trialfinder.tagging import check_biomarkers
from trialfinder.vocabulary import (
    ANY,
    CATEGORY_NAMES,
    DEFAULT_SETTINGS,
    DEFAULT_STATUSES,
    FITS,
    TERMINAL_LIMIT,
)


@dataclass(frozen=True)
class SearchOptions:
    """A search as a person wrote it: command-line options or a saved search's keys, unchecked.

    Empty means "not given": the request's defaults apply. ``near`` is a place as typed;
    ``within`` a distance as typed ("50mi", "80km") or a number of miles.
    """

    conditions: tuple[str, ...] = ()
    settings: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    phases: tuple[str, ...] = ()
    age: int | None = None
    sex: str | None = None
    intervention: str | None = None
    categories: tuple[str, ...] = ()
    biomarkers: tuple[str, ...] = ()
    updated_since: dt.date | None = None
    near: str | None = None
    within: str | int | float | None = None
    sort: str | None = None
    limit: int | None = None  # 0: every trial; None: the default
    ids: tuple[str, ...] = ()  # exactly these trials (from --ids-file)
    profile: Profile | None = None  # a patient's profile, to prescreen each trial against
    fits: tuple[str, ...] = ()  # with a profile: only these verdicts are shown
    to_terminal: bool = False  # the results are read on a terminal (a shorter default limit)
    compare: bool = False  # the results are compared with a previous shortlist (every trial)


@dataclass(frozen=True)
class SearchRequest:
    """A checked, complete search: what the registry is asked (``criteria``, without limit,
    page size or fields), what each trial's tags must show (``wanted``, and the settings of
    ``criteria``, confirmed), how many trials are shown (``limit``, ``None``: all), and the
    profile each trial is prescreened against, with the verdicts shown (``fits``: all when
    empty)."""

    criteria: SearchCriteria = field(default_factory=SearchCriteria)
    wanted: TagFilter = field(default_factory=TagFilter)
    limit: int | None = None
    profile: Profile | None = None
    fits: tuple[str, ...] = ()
    # The conditions were not given but taken from the profile's diagnosis (a CLI says so).
    conditions_from_profile: bool = False

    @property
    def confirm(self) -> TagFilter:
        """The settings searched for, as each trial's tags must confirm one of them."""
        return TagFilter(settings=self.criteria.settings)

    @property
    def checked_here(self) -> bool:
        """Whether trialfinder, not the registry, decides which trials found are shown:
        their tags are checked, a place's sites that may enrol, or a profile's verdicts order
        them."""
        return (
            self.confirm.active
            or self.wanted.active
            or self.criteria.near is not None
            or self.profile is not None
        )


class Problem(NamedTuple):
    """One problem with a search's options: the option it comes from (a field of
    :class:`SearchOptions`), what is wrong, and what to do."""

    option: str
    message: str
    hint: str | None = None
    between_options: bool = False  # a rule between two options, not one option's value


class InvalidRequest(InvalidInput):
    """A search's options have problems: the first is the message, ``problems`` lists all."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems[0].message, problems[0].hint)
        self.problems = problems


def option_name(option: str) -> str:
    """How a problem names an option by default: ``'within'``."""
    return repr(option)


def build_request(
    options: SearchOptions, spell: Callable[[str], str] = option_name
) -> SearchRequest:
    """The request ``options`` describe, with every default, override and rule applied.

    Raises :class:`InvalidRequest` listing every problem found; ``spell`` says how the
    messages name an option (``--within`` on the command line, ``'within'`` in a file).
    """
    problems: list[Problem] = []

    def checked(option: str, check: Callable[[], Any], default: Any = None) -> Any:
        try:
            return check()
        except InvalidInput as exc:
            problems.append(Problem(option, exc.message, exc.hint))
            return default

    def rule(option: str, needs: str, why: str, what: str = "") -> None:
        message = f"{spell(option)}{what} needs {spell(needs)} ({why})"
        problems.append(Problem(option, message, between_options=True))

    place_why = "the place to measure from"
    if options.within is not None and options.near is None:
        rule("within", "near", place_why)
    if options.fits and options.profile is None:
        rule("fits", "profile", "the patient's facts")
    if options.sort and options.sort.strip().lower() == "distance" and options.near is None:
        rule("sort", "near", place_why, what=" distance")

    by_ids = bool(options.ids)
    profile = options.profile
    conditions = tuple(c for c in options.conditions if c.strip())
    from_profile = False
    if profile is not None and not conditions and not by_ids:
        conditions = profile_conditions(profile)
        from_profile = bool(conditions)
    age = profile.age if profile is not None and options.age is None else options.age
    sex = profile.sex if profile is not None and options.sex is None else options.sex

    place = None
    within_mi = None
    if options.near is not None:
        place = checked("near", lambda: geo.geocode(options.near or ""))
        if options.within is not None:
            within_mi = checked("within", lambda: _miles(options.within))
    # Asked for by NCT id: the default restrictions would hide trials the user listed.
    settings = checked(
        "settings", lambda: settings_of(options.settings or _default_settings(by_ids))
    )
    statuses = options.statuses or ((ANY,) if by_ids else DEFAULT_STATUSES)
    statuses = checked("statuses", lambda: statuses_of(statuses))
    phases = checked("phases", lambda: phases_of(options.phases), ())
    sex = checked("sex", lambda: sex_of(sex))
    age = checked("age", lambda: age_of(age))
    ids = checked("ids", lambda: ids_of(options.ids), ())
    sort = checked("sort", lambda: sort_of(options.sort))
    limit = checked("limit", lambda: _limit(options, by_ids))
    categories = checked("categories", lambda: _categories(options.categories), ())
    biomarkers = checked("biomarkers", lambda: _biomarkers(options.biomarkers), ())
    fits = checked("fits", lambda: _fits(options.fits), ())
    if problems:
        raise InvalidRequest(problems)
    criteria = SearchCriteria(
        conditions=conditions,
        settings=settings,
        statuses=statuses,
        phases=phases,
        age=age,
        sex=sex,
        intervention=options.intervention,
        updated_since=options.updated_since,
        ids=ids,
        cancer_only=not by_ids,
        near=place,
        within_mi=within_mi if place is not None else None,
        sort=sort,
    )
    return SearchRequest(
        criteria=criteria,
        wanted=TagFilter(categories=categories, biomarkers=biomarkers),
        limit=limit,
        profile=profile,
        fits=fits,
        conditions_from_profile=from_profile,
    )


def profile_conditions(profile: Profile) -> tuple[str, ...]:
    """What to search for when no condition is given: the cancer the profile's diagnosis
    names (as written, when trialfinder does not know it); nothing without a diagnosis."""
    diagnosis = profile.diagnosis
    if diagnosis is None:
        return ()
    terms = diagnosis.search_terms
    if not terms and not diagnosis.known:
        terms = (diagnosis.text,)
    return tuple(terms)


def _default_settings(by_ids: bool) -> tuple[str, ...]:
    """Disease treated before (:data:`DEFAULT_SETTINGS`), confirmed with each trial's tags;
    no restriction for trials asked for by NCT id."""
    return (ANY,) if by_ids else DEFAULT_SETTINGS


def _miles(within: str | int | float | None) -> float:
    """A distance as typed ("50mi", "80km", "50") or a number of miles, in miles."""
    text = f"{within:g}" if isinstance(within, (int, float)) else str(within)
    return within_of(geo.parse_distance(text))


def _limit(options: SearchOptions, by_ids: bool) -> int | None:
    """The most trials shown (``None``: all). By default :data:`TERMINAL_LIMIT` on a terminal;
    all for a list of NCT ids, a comparison with a shortlist, or a file or a pipe."""
    if options.limit is None:
        if options.to_terminal and not by_ids and not options.compare:
            return TERMINAL_LIMIT
        return None
    if options.limit < 0:
        raise InvalidInput("--limit cannot be negative", hint="use 0 for all results")
    return options.limit or None


def _categories(names: Iterable[str]) -> tuple[str, ...]:
    given = [name.strip() for name in names if name.strip()]
    for name in given:
        if name.lower() not in CATEGORY_NAMES:
            raise InvalidInput(
                f"unknown category {name!r}", hint=f"choose from: {', '.join(CATEGORY_NAMES)}"
            )
    return tuple(dict.fromkeys(name.lower() for name in given))


def _biomarkers(names: Iterable[str]) -> tuple[str, ...]:
    return check_biomarkers(dict.fromkeys(name.strip() for name in names if name.strip()))


def _fits(names: Iterable[str]) -> tuple[str, ...]:
    wanted = {name.strip().lower() for name in names}
    for name in wanted:
        if name not in FITS:
            raise InvalidInput(f"{name!r} is not a verdict", hint=f"choose from {', '.join(FITS)}")
    return tuple(f for f in FITS if f in wanted)
