"""Where the patient is, how far each trial site is, and which site is the nearest open one.

Places are geocoded offline from the ZIP code data of the ``zipcodes`` package (installed with
trialfinder; nothing is downloaded at run time):

- a US ZIP code (``02115``, ``02115-1234``) is the centroid of that ZIP code;
- a city (``Houston, TX``, ``saint louis missouri``) is the mean of the centroids of its active
  standard ZIP codes (all of its ZIP codes when it has no standard one): a single point near
  the middle of the city, good enough to rank trial sites by distance;
- ``lat,lon`` in decimal degrees is taken as it is.

Distances are great-circle (haversine) distances on a sphere of the Earth's mean radius, in
miles. A site *may enrol* unless its own status says it is closed (``Site.may_enrol``: a site
with no status counts). The nearest site of a trial is the nearest site that may enrol, else
the nearest site of any status; a trial is near a place when a site that may enrol is within
the distance (:func:`is_near`), whatever its closed sites there. Sites without coordinates are
never chosen, only counted.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from trialfinder.errors import InvalidInput
from trialfinder.knowledge import load_toml
from trialfinder.model import CLOSED_STATUSES, Site, Trial

# One ZIP code of the zipcodes package: zip_code, city, state, lat, long, active, ...
ZipRow = dict[str, Any]

EARTH_RADIUS_MI = 3958.8  # mean radius (IUGG), in statute miles
KM_PER_MILE = 1.609344
# What the API's distance filter accepts (API_NOTES.md: radius >= 1 mi, <= 500 mi or 805 km).
MIN_WITHIN_MI = 1.0
MAX_WITHIN_MI = 500.0
MAX_WITHIN_KM = 805.0
from trialfinder.vocabulary import DEFAULT_WITHIN  # noqa: E402, F401 (re-exported)

DEFAULT_WITHIN_MI = 100.0
OPEN_STATUSES = frozenset({"RECRUITING", "NOT_YET_RECRUITING"})

PLACE_HINT = (
    "give a US ZIP code (02115), a city and state (Houston, TX) "
    "or latitude,longitude in degrees (29.7604,-95.3698)"
)
MAX_CANDIDATES_SHOWN = 12

_ZIP = re.compile(r"^(\d{5})(?:-\d{4})?$", re.ASCII)
_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)"
_LAT_LON = re.compile(rf"^({_NUMBER})\s*[,\s]\s*({_NUMBER})$")
_LOOKS_NUMERIC = re.compile(r"^[\d\s.,+-]+$")
_DISTANCE = re.compile(
    r"^((?:\d+(?:\.\d*)?|\.\d+))\s*(mi|miles?|km|kms|kilomet(?:er|re)s?)?$", re.IGNORECASE
)


@dataclass(frozen=True)
class Place:
    """A point to measure from, with the name it is shown under."""

    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class NearestSite:
    """A trial site and its distance from the patient's place, in miles."""

    site: Site
    distance_mi: float
    sites_without_coordinates: int = 0  # sites of the trial that could not be measured

    @property
    def is_open(self) -> bool:
        """The site itself is recruiting or about to (its own status, not the trial's)."""
        return self.site.status in OPEN_STATUSES

    @property
    def may_enrol(self) -> bool:
        """The site's own status does not say it is closed (see ``Site.may_enrol``)."""
        return self.site.may_enrol


# -- distances ------------------------------------------------------------------------------


def haversine_mi(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in miles between two points given in decimal degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = math.radians(lon2 - lon1) / 2
    a = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return 2 * EARTH_RADIUS_MI * math.asin(min(1.0, math.sqrt(a)))


def _measured(sites: Iterable[Site], lat: float, lon: float) -> list[tuple[float, int, Site]]:
    """(distance, position, site) for every site with coordinates; one pass, no sorting."""
    # The origin's trigonometry is computed once: trials can have more than a thousand sites.
    phi0 = math.radians(lat)
    cos_phi0 = math.cos(phi0)
    lambda0 = math.radians(lon)
    radians, sin, cos, asin, sqrt = math.radians, math.sin, math.cos, math.asin, math.sqrt
    diameter = 2 * EARTH_RADIUS_MI
    measured = []
    for position, site in enumerate(sites):
        if site.latitude is None or site.longitude is None:
            continue
        phi = radians(site.latitude)
        a = (
            sin((phi - phi0) / 2) ** 2
            + cos_phi0 * cos(phi) * sin((radians(site.longitude) - lambda0) / 2) ** 2
        )
        measured.append((diameter * asin(min(1.0, sqrt(a))), position, site))
    return measured


def nearest_site(trial: Trial, lat: float, lon: float) -> NearestSite | None:
    """The nearest site that may enrol, else the nearest of any status.

    ``None`` when no site of the trial has coordinates. Ties go to the site listed first.
    """
    measured = _measured(trial.sites, lat, lon)
    if not measured:
        return None
    enrolling = [m for m in measured if m[2].may_enrol]
    distance, _, site = min(enrolling or measured, key=lambda m: (m[0], m[1]))
    return NearestSite(site, distance, len(trial.sites) - len(measured))


def is_near(trial: Trial, place: Place, within_mi: float) -> bool:
    """Whether a site of ``trial`` that may enrol is within ``within_mi`` miles of ``place``
    (the registry finds a trial by any of its sites, closed ones too). Of a trial closed as a
    whole (shown with ``--status any``), any site: none of its sites may enrol, whatever
    status each gives or leaves out."""
    closed = trial.overall_status in CLOSED_STATUSES
    return any(
        distance <= within_mi and (closed or site.may_enrol)
        for distance, _, site in _measured(trial.sites, place.lat, place.lon)
    )


def sites_by_distance(trial: Trial, lat: float, lon: float) -> list[NearestSite]:
    """Every site with coordinates, nearest first (whatever its status)."""
    measured = sorted(_measured(trial.sites, lat, lon), key=lambda m: (m[0], m[1]))
    unmeasured = len(trial.sites) - len(measured)
    return [NearestSite(site, distance, unmeasured) for distance, _, site in measured]


# -- distances typed by the user ------------------------------------------------------------


def parse_distance(text: str) -> float:
    """``"50mi"``, ``"80 km"``, ``"50"`` (miles) -> miles, within what the API accepts."""
    match = _DISTANCE.match((text or "").strip())
    if not match:
        raise InvalidInput(
            f"{text!r} is not a distance",
            hint="write a number with an optional unit, e.g. 50mi, 80km or 50 (miles)",
        )
    value = float(match.group(1))
    in_km = (match.group(2) or "mi").lower().startswith("k")
    miles = value / KM_PER_MILE if in_km else value
    limits = "from 1 mile up to 500 miles (805 km)"
    if miles < MIN_WITHIN_MI:
        raise InvalidInput(
            f"distance {text.strip()} is too small", hint=f"give a distance {limits}"
        )
    if (in_km and value > MAX_WITHIN_KM) or (not in_km and value > MAX_WITHIN_MI):
        raise InvalidInput(
            f"distance {text.strip()} is too far for the registry's search",
            hint=f"give a distance {limits}",
        )
    # 805 km is 500.2 miles: the API's limit in kilometres, sent in miles, is 500 miles.
    return min(miles, MAX_WITHIN_MI)


# -- the API's filter.geo -------------------------------------------------------------------


def decimal_text(value: float, places: int) -> str:
    """``value`` rounded to ``places`` decimals, without exponent or trailing zeros."""
    text = f"{value:.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def geo_filter(lat: float, lon: float, within_mi: float) -> str:
    """``filter.geo`` as the spec's pattern requires: ``distance(lat,lon,Nmi)``, no spaces.

    Six decimals of a degree are about 10 cm; two decimals of a mile are about 16 m.
    """
    radius = min(max(within_mi, MIN_WITHIN_MI), MAX_WITHIN_MI)
    return f"distance({decimal_text(lat, 6)},{decimal_text(lon, 6)},{decimal_text(radius, 2)}mi)"


def check_point(lat: float, lon: float) -> None:
    """Raise :class:`InvalidInput` unless ``lat``/``lon`` are finite degrees in range."""
    if not (math.isfinite(lat) and -90 <= lat <= 90):
        raise InvalidInput(f"latitude {lat:g} is out of range", hint="latitude goes from -90 to 90")
    if not (math.isfinite(lon) and -180 <= lon <= 180):
        raise InvalidInput(
            f"longitude {lon:g} is out of range", hint="longitude goes from -180 to 180"
        )


# -- geocoding --------------------------------------------------------------------------------


def geocode(text: str) -> Place:
    """A ZIP code, ``City, ST`` (or full state name), a city alone, or ``lat,lon`` -> Place."""
    text = " ".join((text or "").split())
    if not text:
        raise InvalidInput("no place given", hint=PLACE_HINT)
    # Digits of other scripts ("０２１１５") as 0-9, as numbers elsewhere are read; the ZIP code
    # library stops the whole process on anything else.
    text = "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)
    zip_match = _ZIP.match(text)
    if zip_match:
        return _geocode_zip(zip_match.group(1))
    point = _LAT_LON.match(text)
    if point:
        lat, lon = float(point.group(1)), float(point.group(2))
        check_point(lat, lon)
        return Place(f"{decimal_text(lat, 6)},{decimal_text(lon, 6)}", lat, lon)
    if _LOOKS_NUMERIC.match(text):
        raise InvalidInput(
            f"{text!r} is neither a ZIP code nor latitude,longitude", hint=PLACE_HINT
        )
    return _geocode_city(text)


def _geocode_zip(code: str) -> Place:
    import zipcodes

    rows = [row for row in zipcodes.matching(code) if row.get("lat") and row.get("long")]
    if not rows:
        raise InvalidInput(f"{code} is not a known US ZIP code", hint=PLACE_HINT)
    row = rows[0]
    return Place(f"{code} ({row['city']}, {row['state']})", float(row["lat"]), float(row["long"]))


def name_key(text: str) -> str:
    """A comparison key that ignores case, accents, punctuation, spacing and "St."/"Saint"."""
    abbreviations = load_toml("places.toml")["abbreviations"]
    return "".join(abbreviations.get(word, word) for word in _words(text))


def _words(text: str) -> list[str]:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = re.sub(r"['’`]", "", ascii_text.lower())
    return re.sub(r"[^a-z0-9]+", " ", ascii_text).split()


def country_name(country: str, article: bool = False) -> str:
    """The name people use for a country the registry names formally: "Korea, Republic of"
    is "South Korea" (places.toml's [countries]); with ``article``, as a sentence says it,
    "the United States"."""
    names, with_the = _countries()
    name = names.get(country.strip(), country.strip())
    return f"the {name}" if article and name in with_the else name


def country_names() -> Mapping[str, str]:
    """The registry's formal name of a country -> the name people use (places.toml)."""
    return _countries()[0]


@cache
def _countries() -> tuple[dict[str, str], frozenset[str]]:
    table = load_toml("places.toml")["countries"]
    return dict(table["names"]), frozenset(table["with_the"])


@cache
def _state_codes() -> dict[str, str]:
    """Comparison key of a state's name or code -> its two-letter code."""
    states = load_toml("places.toml")["states"]
    codes = {"".join(_words(name)): code for name, code in states.items()}
    codes.update({code.lower(): code for code in states.values()})
    return codes


def _state_code(text: str) -> str | None:
    return _state_codes().get("".join(_words(text)))


def _geocode_city(text: str) -> Place:
    if "," in text:
        city, state_text = (part.strip() for part in text.rsplit(",", 1))
        state = _state_code(state_text)
        if not state:
            raise InvalidInput(
                f"{state_text!r} is not a US state",
                hint="write the state as its two-letter code or full name, e.g. Houston, TX",
            )
        if not _words(city):
            raise InvalidInput(f"no city given in {text!r}", hint=PLACE_HINT)
        return _city_in_state(city, state, text)
    # No comma: "Houston TX", "kansas city missouri", or a city alone.
    words = text.split()
    for size in (3, 2, 1):
        if len(words) > size:
            state = _state_code(" ".join(words[-size:]))
            city = " ".join(words[:-size])
            if state and zip_rows(state).get(name_key(city)):
                return _city_in_state(city, state, text)
    return _city_anywhere(text)


@cache
def zip_rows(state: str) -> dict[str, list[ZipRow]]:
    """City key -> ZIP code rows of that city, in one state (primary city names only)."""
    import zipcodes

    rows: dict[str, list[ZipRow]] = {}
    for row in zipcodes.filter_by(state=state):
        rows.setdefault(name_key(row["city"]), []).append(row)
    return rows


@cache
def _other_names(state: str) -> dict[str, list[ZipRow]]:
    """City key -> ZIP code rows, for the other names the postal service accepts for a ZIP."""
    import zipcodes

    rows: dict[str, list[ZipRow]] = {}
    for row in zipcodes.filter_by(state=state):
        for name in row.get("acceptable_cities") or ():
            rows.setdefault(name_key(name), []).append(row)
    return rows


@cache
def _states_by_city() -> dict[str, set[str]]:
    """City key -> the states having a city of that name (all ZIP codes; built once)."""
    import zipcodes

    states: dict[str, set[str]] = {}
    for row in zipcodes.list_all():
        if row.get("country", "US") in ("US", "") and row.get("lat"):
            states.setdefault(name_key(row["city"]), set()).add(row["state"])
    return states


def _city_in_state(city: str, state: str, text: str) -> Place:
    key = name_key(city)
    rows = zip_rows(state).get(key) or _other_names(state).get(key)
    if not rows:
        import difflib

        close = difflib.get_close_matches(key, list(zip_rows(state)), n=3, cutoff=0.8)
        names = [f"{zip_rows(state)[k][0]['city']}, {state}" for k in close]
        hint = f"did you mean {' or '.join(names)}?" if names else PLACE_HINT
        raise InvalidInput(f"no city {city!r} found in {state}", hint=hint)
    return _city_point(rows, state)


def _city_anywhere(text: str) -> Place:
    key = name_key(text)
    states = by_size(key, [s for s in _states_by_city().get(key, ()) if s not in _MILITARY])
    if len(states) == 1:
        return _city_in_state(text, states[0], text)
    if len(states) > 1:
        name = zip_rows(states[0])[key][0]["city"]
        shown = [f"{name}, {state}" for state in states[:MAX_CANDIDATES_SHOWN]]
        more = len(states) - len(shown)
        listing = "; ".join(shown) + (f"; and {more} more" if more else "")
        raise InvalidInput(
            f"{text!r} is a city in {len(states)} states, the largest first: {listing}",
            hint=f"add the state, e.g. '{shown[0]}'",
        )
    hint = PLACE_HINT + "; cities are US cities, with their state"
    close = _close_cities(key)
    if close:
        hint = f"did you mean {' or '.join(repr(name) for name in close)}? If not, {hint}"
    raise InvalidInput(f"{text!r} is not a place trialfinder knows", hint=hint)


# Military "states" of the ZIP code data (APO/FPO addresses): never a place to travel to.
_MILITARY = frozenset({"AA", "AE", "AP"})


@cache
def _populations() -> dict[tuple[str, str], int]:
    """(city key, state) -> population in thousands, from places.toml's [population]."""
    sizes = {}
    for place, thousands in load_toml("places.toml")["population"].items():
        city, _, state = place.rpartition(",")
        sizes[(name_key(city), state.strip())] = int(thousands)
    return sizes


def by_size(key: str, states: Iterable[str]) -> list[str]:
    """The states having a city ``key``, the most populous city first: those whose population
    places.toml gives, largest first; then the others, more ZIP codes first, then A to Z."""
    sizes = _populations()

    def order(state: str) -> tuple[int, int, str]:
        return (-sizes.get((key, state), -1), -len(zip_rows(state).get(key, ())), state)

    return sorted(states, key=order)


def _close_cities(key: str) -> list[str]:
    """Up to three known city names spelled like ``key``, the most populous first."""
    import difflib

    if len(key) < 4:
        return []
    cities = _states_by_city()
    close = difflib.get_close_matches(key, list(cities), n=3, cutoff=0.85)
    names = []
    for match in close:
        states = by_size(match, [s for s in cities[match] if s not in _MILITARY])
        if states:
            names.append(f"{zip_rows(states[0])[match][0]['city']}, {states[0]}")
    return names


def _city_point(rows: list[ZipRow], state: str) -> Place:
    located = [r for r in rows if r.get("lat") and r.get("long")]
    standard = [r for r in located if r.get("zip_code_type") == "STANDARD" and r.get("active")]
    chosen = standard or located
    lat = sum(float(r["lat"]) for r in chosen) / len(chosen)
    lon = sum(float(r["long"]) for r in chosen) / len(chosen)
    return Place(f"{chosen[0]['city']}, {state}", lat, lon)
