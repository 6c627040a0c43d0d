"""Search criteria, and how they become ClinicalTrials.gov API v2 parameters.

User text is never pasted raw into an Essie expression: it is split into words and quoted
phrases, each sent as a quoted phrase, so quotes, parentheses, brackets and words such as
AND, OR, NOT or MISSING cannot change the meaning of the query or break its grammar. Enum
values are written bare, except one spelled like an operator: the Sex value ALL is sent as
``AREA[Sex]"ALL"``, since ``AREA[Sex]ALL`` is the ALL operator and matches every study.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from trialfinder.errors import InvalidInput
from trialfinder.geo import DEFAULT_WITHIN_MI, MAX_WITHIN_MI, MIN_WITHIN_MI, Place, check_point
from trialfinder.geo import geo_filter as _geo_filter
from trialfinder.knowledge import load_toml
from trialfinder.model import normalize_nct_id

# The friendly names live in `vocabulary` (light enough for `trialfinder --help`); the
# defaults are re-exported (`X as X`) for the modules that import them from here.
from trialfinder.vocabulary import (  # noqa: E402
    ANY,
    PHASES,
    SETTINGS,
    SEXES,
    SORTS,
    STATUSES,
)
from trialfinder.vocabulary import DEFAULT_SETTINGS as DEFAULT_SETTINGS  # noqa: E402
from trialfinder.vocabulary import DEFAULT_STATUSES as DEFAULT_STATUSES  # noqa: E402

_TOKEN = re.compile(r'"([^"]*)"|(\S+)')
_UNSAFE = re.compile(r'["\\]')
# The words Essie reads as operators wherever a search term may stand.
ESSIE_OPERATORS = frozenset(
    {"ALL", "AND", "OR", "NOT", "MISSING", "MIN", "MAX", "RANGE", "DISTANCE"}
    | {"AREA", "SEARCH", "TILT", "COVERAGE", "EXPANSION"}
)


def essie_phrase(text: str) -> str:
    """Quote ``text`` as one Essie phrase (quote and backslash characters are dropped)."""
    cleaned = " ".join(_UNSAFE.sub(" ", text).split())
    return f'"{cleaned}"'


def essie_text(text: str) -> str:
    """Turn free user text into an Essie AND of quoted words and "quoted phrases"."""
    parts = []
    for match in _TOKEN.finditer(text):
        piece = match.group(1) if match.group(1) is not None else match.group(2)
        cleaned = " ".join(_UNSAFE.sub(" ", piece).split())
        if cleaned:
            parts.append(essie_phrase(cleaned))
    if not parts:
        return ""
    return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"


def area_value(area: str, value: str) -> str:
    """``AREA[area]value`` for an enum value: bare, or quoted when it reads as an operator."""
    term = f'"{value}"' if value.upper() in ESSIE_OPERATORS else value
    return f"AREA[{area}]{term}"


def any_of(phrases: list[str] | tuple[str, ...]) -> str:
    return "(" + " OR ".join(essie_phrase(p) for p in phrases) + ")"


def _choices(values: Iterable[object], allowed: Collection[str], what: str) -> tuple[str, ...]:
    """Validate friendly names; ``any`` anywhere means no restriction (empty tuple)."""
    names = tuple(str(v).strip().lower() for v in values)
    if ANY in names:
        return ()
    for name in names:
        if name not in allowed:
            raise InvalidInput(
                f"unknown {what} {name!r}",
                hint=f"choose from: {', '.join([*allowed, ANY])}",
            )
    return tuple(dict.fromkeys(names))


# One check of each criterion, used by SearchCriteria and by trialfinder.request (which names
# the option a problem comes from).


def settings_of(values: Iterable[object]) -> tuple[str, ...]:
    """Disease settings by name (:data:`SETTINGS`); ``any``: none, no restriction."""
    return _choices(values, SETTINGS, "setting")


def statuses_of(values: Iterable[object]) -> tuple[str, ...]:
    """Overall statuses by name (:data:`STATUSES`); ``any``: no filter."""
    return _choices(values, STATUSES, "status")


def phases_of(values: Iterable[object]) -> tuple[str, ...]:
    """Phases by name (:data:`PHASES`: early1, 1, 2, 3, 4)."""
    return _choices(values, PHASES, "phase")


def sex_of(value: str | None) -> str | None:
    """``female`` or ``male``; ``any``, ``all`` or nothing: ``None`` (no restriction)."""
    if value is None:
        return None
    sex = value.strip().lower()
    if sex in (ANY, "all"):
        return None
    if sex not in SEXES:
        raise InvalidInput(f"unknown sex {value!r}", hint="choose female or male")
    return sex


def age_of(value: int | None) -> int | None:
    """An age in years, 0 to 120."""
    if value is not None and not (0 <= value <= 120):
        raise InvalidInput(f"age {value} is out of range", hint="give an age from 0 to 120")
    return value


def ids_of(values: Iterable[str]) -> tuple[str, ...]:
    """NCT ids, normalised, without repeats."""
    return tuple(dict.fromkeys(normalize_nct_id(i) for i in values))


def within_of(miles: float) -> float:
    """A search radius in miles, as the registry accepts it."""
    if not (MIN_WITHIN_MI <= miles <= MAX_WITHIN_MI):
        raise InvalidInput(
            f"distance {miles:g} miles is out of range",
            hint="give a distance from 1 mile up to 500 miles (805 km)",
        )
    return miles


def sort_of(value: str | None) -> str | None:
    """A result order by name (:data:`SORTS`)."""
    if value is None:
        return None
    sort = value.strip().lower()
    if sort not in SORTS:
        raise InvalidInput(f"unknown sort order {value!r}", hint=f"choose from: {', '.join(SORTS)}")
    return sort


def parse_date(text: str) -> dt.date:
    """Accept ``YYYY-MM-DD``, ``YYYY-MM`` (first of the month) or ``YYYY`` (1 January)."""
    text = text.strip()
    for fmt, length in (("%Y-%m-%d", 10), ("%Y-%m", 7), ("%Y", 4)):
        if len(text) == length:
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                break
    raise InvalidInput(f"{text!r} is not a date", hint="write dates as YYYY-MM-DD, e.g. 2025-01-31")


@dataclass(frozen=True)
class SearchCriteria:
    """What the registry is asked for, and how: the query, and the fetching (``limit``,
    ``page_size``, ``site_details``), which the search runner decides
    (``trialfinder.search``). Construct with friendly names; each value is checked here.

    Rules between options (a distance needs a place, say) are checked where a request is built
    from a person's options (:func:`trialfinder.request.build_request`); here a distance
    without a place is simply not sent.
    """

    conditions: tuple[str, ...] = ()
    # Searched for by their words here, then confirmed with each trial's tags (SearchRun).
    settings: tuple[str, ...] = DEFAULT_SETTINGS
    statuses: tuple[str, ...] = DEFAULT_STATUSES
    phases: tuple[str, ...] = ()
    age: int | None = None
    sex: str | None = None
    intervention: str | None = None
    updated_since: dt.date | None = None
    ids: tuple[str, ...] = ()
    limit: int | None = None  # the most trials to fetch; None (or 0): every one
    cancer_only: bool = True
    near: Place | None = None  # only trials with a site within `within_mi` of this place
    within_mi: float | None = None  # miles; DEFAULT_WITHIN_MI when `near` is given alone
    sort: str | None = None  # a key of SORTS; None: distance with `near`, else the API's order
    page_size: int | None = None  # trials per page; None: as many as the limit needs
    # Each site's facility, status, ZIP and coordinates, besides its city, state and country:
    # needed for the nearest site, a site table, `show` and digests; an export without a place
    # to measure from leaves them out (they are most of the bytes of a large search).
    site_details: bool = True

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen dataclass: normalise once, here
        set_(self, "conditions", tuple(c for c in self.conditions if c.strip()))
        set_(self, "settings", settings_of(self.settings))
        set_(self, "statuses", statuses_of(self.statuses))
        set_(self, "phases", phases_of(self.phases))
        set_(self, "sex", sex_of(self.sex))
        age_of(self.age)
        if self.limit is not None:
            if self.limit < 0:
                raise InvalidInput("--limit cannot be negative", hint="use 0 for all results")
            if self.limit == 0:
                set_(self, "limit", None)
        if self.intervention is not None and not self.intervention.strip():
            set_(self, "intervention", None)
        set_(self, "ids", ids_of(self.ids))
        if self.near is not None:
            check_point(self.near.lat, self.near.lon)
            within = DEFAULT_WITHIN_MI if self.within_mi is None else self.within_mi
            set_(self, "within_mi", within_of(within))
        set_(self, "sort", sort_of(self.sort))

    @property
    def order(self) -> str | None:
        """The order results come in: the chosen sort, else distance when a place is given."""
        return self.sort or ("distance" if self.near else None)

    def to_params(self) -> dict[str, str]:
        """API v2 ``/studies`` parameters for these criteria (no paging or field selection).

        Lists use "|", the delimiter of the spec's ``pipeDelimited`` style.
        """
        params: dict[str, str] = {}
        if self.ids:
            # filter.ids selects exactly these trials; other filters still apply on top.
            params["filter.ids"] = "|".join(self.ids)
        condition = essie_text(" ".join(f'"{c}"' if " " in c else c for c in self.conditions))
        if condition:
            params["query.cond"] = condition
        if self.settings:
            params["query.term"] = self._setting_expression()
        if self.intervention:
            params["query.intr"] = essie_text(self.intervention)
        if self.statuses:
            params["filter.overallStatus"] = "|".join(STATUSES[s] for s in self.statuses)
        advanced = self._advanced_filters()
        if advanced:
            params["filter.advanced"] = " AND ".join(advanced)
        if self.near is not None:
            assert self.within_mi is not None  # set with near, in __post_init__
            params["filter.geo"] = _geo_filter(self.near.lat, self.near.lon, self.within_mi)
        api_sort = SORTS.get(self.order) if self.order else None
        if api_sort:
            params["sort"] = api_sort
        return params

    def _setting_expression(self) -> str:
        table = load_toml("settings.toml")
        phrases: list[str] = []
        for setting in self.settings:
            phrases.extend(p for p in table[setting]["search_terms"] if p not in phrases)
        words = any_of(phrases)
        return f"(AREA[BasicSearch]{words} OR AREA[EligibilityCriteria]{words})"

    def _advanced_filters(self) -> list[str]:
        filters: list[str] = []
        if self.cancer_only:
            cancer = load_toml("cancer.toml")
            mesh = " OR ".join(
                f"AREA[{area}]{essie_phrase(term)}"
                for term in cancer["mesh_ancestors"]
                for area in ("ConditionAncestorTerm", "ConditionMeshTerm")
            )
            filters.append(f"({mesh} OR AREA[ConditionSearch]{any_of(cancer['words'])})")
        if self.phases:
            filters.append(
                "(" + " OR ".join(area_value("Phase", PHASES[p]) for p in self.phases) + ")"
            )
        if self.age is not None:
            years = f"{self.age} years"
            filters.append(
                f"(AREA[MinimumAge]RANGE[MIN, {years}] OR AREA[MinimumAge]MISSING)"
                f" AND (AREA[MaximumAge]RANGE[{years}, MAX] OR AREA[MaximumAge]MISSING)"
            )
        if self.sex:
            # Trials for this sex, for all ("ALL", quoted: bare it is the match-all operator),
            # and any that do not say.
            sexes = " OR ".join(area_value("Sex", value) for value in (SEXES[self.sex], "ALL"))
            filters.append(f"({sexes} OR AREA[Sex]MISSING)")
        if self.updated_since:
            filters.append(f"AREA[LastUpdatePostDate]RANGE[{self.updated_since.isoformat()}, MAX]")
        return filters
