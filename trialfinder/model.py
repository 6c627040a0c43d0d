"""The trial model: immutable, typed objects parsed tolerantly from ClinicalTrials.gov v2 JSON.

Every module and field of a record is optional in practice, so a missing module, a missing field
or a ``null`` simply gives the empty value. A field of the wrong type (a string where a list
belongs, say) or a record without an NCT id raises :class:`RecordError`, so that the caller
can skip that one record with a warning instead of stopping the whole search.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from trialfinder.errors import InvalidInput, RecordError

STUDY_URL = "https://clinicaltrials.gov/study/{nct_id}"
# Exactly eight digits: a shorter number is no id filled out with zeros ("NCT0184067", a digit
# dropped, is not NCT00184067, another trial).
NCT_ID_PATTERN = re.compile(r"^[Nn][Cc][Tt][0-9]{8}$")  # (not other scripts' digits)
# The registry's recruitment statuses (of a trial, or of one of its sites) that say it takes
# no one: the others, a status the registry adds later and no status at all may enrol.
CLOSED_STATUSES = frozenset(
    {"ACTIVE_NOT_RECRUITING", "COMPLETED", "SUSPENDED", "TERMINATED", "WITHDRAWN"}
)

# Age units allowed by the API's pattern, converted to years.
_YEARS_PER_UNIT = {
    "year": 1.0,
    "month": 1 / 12,
    "week": 7 / 365.25,
    "day": 1 / 365.25,
    "hour": 1 / (365.25 * 24),
    "minute": 1 / (365.25 * 24 * 60),
}
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+?)s?\s*$")
# Statuses (RecruitmentStatus) of a trial or a site that takes patients or is about to.
RECRUITING_STATUSES = frozenset(
    {"RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION", "AVAILABLE"}
)


@dataclass(frozen=True)
class Intervention:
    type: str  # InterventionType enum, e.g. "DRUG"
    name: str
    other_names: tuple[str, ...] = ()
    description: str = ""
    arm_group_labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class ArmGroup:
    label: str
    type: str = ""  # ArmGroupType enum, e.g. "EXPERIMENTAL"
    description: str = ""
    intervention_names: tuple[str, ...] = ()  # as the API gives them: "Drug: Teclistamab"


@dataclass(frozen=True)
class Eligibility:
    criteria: str = ""
    sex: str = ""  # "FEMALE", "MALE", "ALL" or "" when unknown
    min_age_years: float | None = None
    max_age_years: float | None = None
    min_age_text: str = ""  # as written, e.g. "18 Years"
    max_age_text: str = ""
    healthy_volunteers: bool | None = None


@dataclass(frozen=True)
class Contact:
    name: str = ""
    role: str = ""
    phone: str = ""
    phone_ext: str = ""
    email: str = ""


@dataclass(frozen=True)
class Site:
    facility: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    country: str = ""
    status: str = ""  # RecruitmentStatus of this site, may differ from the trial's
    latitude: float | None = None
    longitude: float | None = None
    contacts: tuple[Contact, ...] = ()  # the site's own contacts and investigators

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def may_enrol(self) -> bool:
        """Whether the site may take patients: its own status does not say it is closed."""
        return self.status not in CLOSED_STATUSES


class Sites(Sequence[Site]):
    """A trial's sites, each made into a :class:`Site` when they are first read.

    Counting them reads nothing: an export without a place, whose table or records show only
    how many there are, makes no :class:`Site` at all. The site records were checked when the
    trial was parsed, so reading them cannot fail. Equal to the tuple of the same sites.
    """

    __slots__ = ("_items", "_sites")

    def __init__(self, items: Sequence[Mapping[str, Any]]) -> None:
        self._items = items  # the study record's locations, checked by _checked_sites
        self._sites: tuple[Site, ...] | None = None

    def _all(self) -> tuple[Site, ...]:
        if self._sites is None:
            reader = _Reader()
            self._sites = tuple(_site(reader, item) for item in self._items)
            self._items = ()  # the record's part is not needed any more
        return self._sites

    def __len__(self) -> int:
        return len(self._items) if self._sites is None else len(self._sites)

    def countries(self) -> set[str]:
        """The countries of the sites as their :class:`Site` would give them, read from the
        records without making a single one (a summary names the countries only)."""
        if self._sites is not None:
            return {site.country for site in self._sites}
        reader = _Reader()
        return {reader.text(item, "country") for item in self._items}

    def __getitem__(self, index: Any) -> Any:
        return self._all()[index]

    def __iter__(self) -> Iterator[Site]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Sites, tuple)):
            return self._all() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return repr(self._all())

    def __reduce__(self) -> tuple[type[tuple[Site, ...]], tuple[tuple[Site, ...]]]:
        return tuple, (self._all(),)


def site_countries(sites: Sequence[Site]) -> set[str]:
    """The country of each of ``sites`` (a tuple, or :class:`Sites` read without being made)."""
    if isinstance(sites, Sites):
        return sites.countries()
    return set(map(_COUNTRY, sites))


_COUNTRY = attrgetter("country")


@dataclass(frozen=True)
class MeshTerm:
    id: str
    term: str


@dataclass(frozen=True)
class Trial:
    nct_id: str
    brief_title: str = ""
    official_title: str = ""
    acronym: str = ""
    overall_status: str = ""
    phases: tuple[str, ...] = ()
    study_type: str = ""
    primary_purpose: str = ""
    intervention_model: str = ""  # "PARALLEL", "CROSSOVER", ... (designInfo)
    conditions: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    interventions: tuple[Intervention, ...] = ()
    arm_groups: tuple[ArmGroup, ...] = ()
    eligibility: Eligibility = field(default_factory=Eligibility)
    sites: Sequence[Site] = ()  # a tuple, or Sites (see parse_study)
    central_contacts: tuple[Contact, ...] = ()
    lead_sponsor: str = ""
    first_posted: str = ""  # ISO dates as given; partial dates ("2024-05") kept as such
    last_updated: str = ""
    start_date: str = ""
    brief_summary: str = ""
    intervention_mesh: tuple[MeshTerm, ...] = ()
    intervention_mesh_ancestors: tuple[MeshTerm, ...] = ()

    @property
    def url(self) -> str:
        return STUDY_URL.format(nct_id=self.nct_id)

    @property
    def title(self) -> str:
        return self.brief_title or self.official_title or self.nct_id


def is_nct_id(text: str) -> bool:
    return bool(NCT_ID_PATTERN.match(text))


def normalize_nct_id(text: str) -> str:
    """``nct01234567`` and ``NCT01234567`` name the same trial: return the canonical 11 chars.

    Anything else is :class:`~trialfinder.errors.InvalidInput` (a usage error).
    """
    text = text.strip()
    if not is_nct_id(text):
        raise InvalidInput(
            f"{text!r} is not an NCT id (NCT followed by 8 digits, 0 to 9)",
            hint="NCT ids look like NCT01234567",
        )
    return f"NCT{text[3:]}"


def age_in_years(text: str) -> float | None:
    """``"18 Years"`` -> 18.0, ``"6 Months"`` -> 0.5; ``None`` for a missing or odd value."""
    match = _AGE.match(text or "")
    if not match:
        return None
    unit = match.group(2).lower()
    if unit not in _YEARS_PER_UNIT:
        return None
    return round(float(match.group(1)) * _YEARS_PER_UNIT[unit], 4)


@dataclass(frozen=True, slots=True)
class StudyText:
    """One study record as the JSON text the registry sent, with the NCT id read from it when
    its page was checked (``sources.ctgov.decode_page``): sent to a worker process, the text
    costs a fraction of what the decoded record does, and is decoded there."""

    text: str
    nct_id: str | None

    def decoded(self) -> Any:
        return json.loads(self.text)


def nct_id_of(data: Any) -> str | None:
    """The NCT id of a raw study record, or ``None`` if it has none (without parsing it)."""
    if isinstance(data, StudyText):
        return data.nct_id
    try:
        nct_id = data["protocolSection"]["identificationModule"]["nctId"]
    except (KeyError, TypeError, IndexError):
        return None
    return nct_id if isinstance(nct_id, str) else None


def parse_study(data: Any, lazy_sites: bool = False) -> Trial:
    """Build a :class:`Trial` from one study object of the API (full or ``fields``-limited).

    ``lazy_sites``: the sites are a :class:`Sites`, each made when first read, for a caller that
    will only count them (a table, a record without a summary): parsing then costs a third, but
    reading every site afterwards costs a quarter more than making them here.
    """
    if not isinstance(data, Mapping):
        raise RecordError("record", f"expected a JSON object, got {type(data).__name__}")
    reader = _Reader()
    try:
        protocol = reader.obj(data, "protocolSection")
        ident = reader.obj(protocol, "identificationModule")
        nct_id = reader.text(ident, "nctId")
    except _WrongType as exc:
        raise RecordError("record", str(exc)) from None
    if not nct_id:
        raise RecordError("record", "it has no NCT id")
    if not is_nct_id(nct_id):
        # ("12345" went into a digest as a trial with a broken link, and its own trial as
        # "no longer listed in the registry")
        raise RecordError("record", f"its NCT id {nct_id!r} is not NCT and 8 digits")
    try:
        return _parse(reader, data, protocol, ident, nct_id, lazy_sites)
    except _WrongType as exc:
        raise RecordError(nct_id, str(exc)) from None


def _parse(
    r: _Reader,
    data: Mapping[str, Any],
    protocol: Mapping[str, Any],
    ident: Mapping[str, Any],
    nct_id: str,
    lazy_sites: bool,
) -> Trial:
    status = r.obj(protocol, "statusModule")
    design = r.obj(protocol, "designModule")
    conditions = r.obj(protocol, "conditionsModule")
    arms = r.obj(protocol, "armsInterventionsModule")
    elig = r.obj(protocol, "eligibilityModule")
    contacts = r.obj(protocol, "contactsLocationsModule")
    sponsor = r.obj(protocol, "sponsorCollaboratorsModule")
    description = r.obj(protocol, "descriptionModule")
    browse = r.obj(r.obj(data, "derivedSection"), "interventionBrowseModule")
    min_age = r.age(elig, "minimumAge")
    max_age = r.age(elig, "maximumAge")
    return Trial(
        nct_id=nct_id,
        brief_title=r.text(ident, "briefTitle"),
        official_title=r.text(ident, "officialTitle"),
        acronym=r.text(ident, "acronym"),
        overall_status=r.text(status, "overallStatus"),
        phases=r.texts(design, "phases"),
        study_type=r.text(design, "studyType"),
        primary_purpose=r.text(r.obj(design, "designInfo"), "primaryPurpose"),
        intervention_model=r.text(r.obj(design, "designInfo"), "interventionModel"),
        conditions=r.texts(conditions, "conditions"),
        keywords=r.texts(conditions, "keywords"),
        interventions=tuple(
            Intervention(
                type=r.text(item, "type"),
                name=r.text(item, "name"),
                other_names=r.texts(item, "otherNames"),
                description=r.text(item, "description"),
                arm_group_labels=r.texts(item, "armGroupLabels"),
            )
            for item in r.objs(arms, "interventions")
        ),
        arm_groups=tuple(
            ArmGroup(
                label=r.text(item, "label"),
                type=r.text(item, "type"),
                description=r.text(item, "description"),
                intervention_names=r.texts(item, "interventionNames"),
            )
            for item in r.objs(arms, "armGroups")
        ),
        eligibility=Eligibility(
            criteria=r.text(elig, "eligibilityCriteria"),
            sex=r.text(elig, "sex"),
            min_age_years=age_in_years(min_age),
            max_age_years=age_in_years(max_age),
            min_age_text=min_age,
            max_age_text=max_age,
            healthy_volunteers=r.boolean(elig, "healthyVolunteers"),
        ),
        sites=Sites(_checked_sites(r, contacts))
        if lazy_sites
        else tuple(_site(r, item) for item in r.objs(contacts, "locations")),
        central_contacts=tuple(_contact(r, item) for item in r.objs(contacts, "centralContacts")),
        lead_sponsor=r.text(r.obj(sponsor, "leadSponsor"), "name"),
        first_posted=r.date(status, "studyFirstPostDateStruct"),
        last_updated=r.date(status, "lastUpdatePostDateStruct"),
        start_date=r.date(status, "startDateStruct"),
        brief_summary=r.text(description, "briefSummary"),
        intervention_mesh=_mesh(r, browse, "meshes"),
        intervention_mesh_ancestors=_mesh(r, browse, "ancestors"),
    )


def _site(r: _Reader, item: Mapping[str, Any]) -> Site:
    geo = r.obj(item, "geoPoint")
    lat, lon = r.number(geo, "lat"), r.number(geo, "lon")
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        lat = lon = None
    return Site(
        facility=r.text(item, "facility"),
        city=r.text(item, "city"),
        state=r.text(item, "state"),
        zip=r.text(item, "zip"),
        country=r.text(item, "country"),
        status=r.text(item, "status"),
        latitude=lat,
        longitude=lon,
        contacts=tuple(_contact(r, contact) for contact in r.objs(item, "contacts")),
    )


_SITE_TEXTS = ("facility", "city", "state", "zip", "country", "status")
_CONTACT_TEXTS = ("name", "role", "phone", "phoneExt", "email")
_TEXT_OR_MISSING = frozenset({str, type(None)})
_DECIMALS = frozenset({float})


def _checked_sites(r: _Reader, contacts: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The trial's site records, each checked as :func:`_site` will read it (which raises for a
    field of the wrong type); the usual site, all text and decimal coordinates, quickly."""
    items = r.objs(contacts, "locations")
    for item in items:
        if _TEXT_OR_MISSING.issuperset(map(type, map(item.get, _SITE_TEXTS))):
            geo = item.get("geoPoint")
            people = item.get("contacts")
            if (
                geo is None or (type(geo) is dict and _DECIMALS.issuperset(map(type, geo.values())))
            ) and (
                people is None
                or (
                    type(people) is list
                    and all(
                        type(person) is dict
                        and _TEXT_OR_MISSING.issuperset(map(type, map(person.get, _CONTACT_TEXTS)))
                        for person in people
                    )
                )
            ):
                continue
        _site(r, item)  # anything else, the slow way: it raises for a field of the wrong type
    return items


def _contact(r: _Reader, item: Mapping[str, Any]) -> Contact:
    return Contact(
        name=r.text(item, "name"),
        role=r.text(item, "role"),
        phone=r.text(item, "phone"),
        phone_ext=r.text(item, "phoneExt"),
        email=r.text(item, "email"),
    )


def _mesh(r: _Reader, browse: Mapping[str, Any], key: str) -> tuple[MeshTerm, ...]:
    return tuple(MeshTerm(id=r.text(m, "id"), term=r.text(m, "term")) for m in r.objs(browse, key))


class _WrongType(Exception):
    pass


class _Reader:
    """Typed access to JSON: missing or null gives the empty value, a wrong type raises."""

    def _get(self, obj: Mapping[str, Any], key: str, kinds: tuple[type, ...], what: str) -> Any:
        value = obj.get(key)
        if value is None:
            return None
        if isinstance(value, bool) and bool not in kinds:
            raise _WrongType(f"field {key!r} should be {what}, got a boolean")
        if not isinstance(value, kinds):
            raise _WrongType(f"field {key!r} should be {what}, got {type(value).__name__}")
        return value

    def obj(self, obj: Mapping[str, Any], key: str) -> Mapping[str, Any]:
        return self._get(obj, key, (Mapping,), "an object") or {}

    def objs(self, obj: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
        items = self._get(obj, key, (list,), "a list") or []
        for item in items:
            if not isinstance(item, Mapping):
                raise _WrongType(f"items of {key!r} should be objects, got {type(item).__name__}")
        return items

    def text(self, obj: Mapping[str, Any], key: str) -> str:
        value = obj.get(key)
        if type(value) is str:  # the common case first: a page of 1,000 trials holds ~600,000
            return _clean(value)
        value = self._get(obj, key, (str, int, float), "text")
        return "" if value is None else _clean(str(value))

    def date(self, obj: Mapping[str, Any], struct: str) -> str:
        """The date of a date structure as the API writes it (``studyFirstPostDateStruct``:
        ``2025-05-18`` or ``2025-05``); "" when there is none."""
        value = self.text(self.obj(obj, struct), "date")
        if value and not _DATE.fullmatch(value):
            raise _WrongType(
                f"field '{struct}.date' should be a date (YYYY-MM-DD), got {value[:40]!r}"
            )
        return value

    def age(self, obj: Mapping[str, Any], key: str) -> str:
        """An age limit as the API writes it (``18 Years``); "" when there is none (no limit).
        Text only: 18 as a number was read as no limit at all ("N/A" is text, read as unclear)."""
        value = obj.get(key)
        if value is not None and not isinstance(value, str):
            raise _WrongType(f"field {key!r} should be an age such as '18 Years', got {value!r}")
        return self.text(obj, key)

    def texts(self, obj: Mapping[str, Any], key: str) -> tuple[str, ...]:
        items = self._get(obj, key, (list,), "a list") or []
        for item in items:
            if not isinstance(item, str):
                raise _WrongType(f"items of {key!r} should be text, got {type(item).__name__}")
        return tuple(text for text in map(_clean, items) if text)

    def number(self, obj: Mapping[str, Any], key: str) -> float | None:
        value = obj.get(key)
        if type(value) is float:
            return value
        value = self._get(obj, key, (int, float), "a number")
        return None if value is None else float(value)

    def boolean(self, obj: Mapping[str, Any], key: str) -> bool | None:
        value: bool | None = self._get(obj, key, (bool,), "true or false")
        return value


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}(?:-[0-9]{2})?")


def _clean(text: str) -> str:
    """Stripped, with lone surrogates (JSON's "\\ud800" escapes) replaced: every output format
    is encoded as UTF-8, which cannot encode them."""
    text = text.strip()
    return text if text.isascii() else _LONE_SURROGATE.sub("\ufffd", text)
