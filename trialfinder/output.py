"""Renderers: one streaming function per output format, shared by every command.

Every renderer takes an iterable of *trial records*: the JSON-ready dicts made by
:func:`trial_record`, and writes them to a text stream as they arrive.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import re
from collections.abc import Callable, Container, Iterable, Iterator, Mapping
from functools import cache
from typing import IO, TYPE_CHECKING, Any

from trialfinder.errors import PartialResults, TrialfinderError
from trialfinder.inert import inert, json_text
from trialfinder.model import Contact, Site, Trial

if TYPE_CHECKING:
    from rich.table import Table

    from trialfinder.geo import Place

from trialfinder.vocabulary import EXTENSIONS, FORMATS  # noqa: E402, F401 (re-exported)

# From this many columns on, the table has a column each for the phase, the conditions (or
# the nearest site and its distance); narrower, the phase goes under the status and the
# nearest site under the title, so that the title keeps most of the width (see results_table).
WIDE_TABLE = 160

PHASE_NAMES = {
    "EARLY_PHASE1": "Early phase 1",
    "PHASE1": "Phase 1",
    "PHASE2": "Phase 2",
    "PHASE3": "Phase 3",
    "PHASE4": "Phase 4",
    "NA": "Not applicable",
}

# The CSV shortlist columns, in their documented, stable order (docs/shortlists.md).
# Tags, nearest site and summary fill their columns when computed; otherwise they are empty.
CSV_COLUMNS = (
    "nct_id",
    "title",
    "status",
    "status_text",
    "phases",
    "phase_text",
    "conditions",
    "categories",
    "setting",
    "biomarkers",
    "excluded_biomarkers",
    "interventions",
    "nearest_site",
    "nearest_city",
    "nearest_state",
    "nearest_country",
    "nearest_site_status",
    "nearest_contact_name",
    "nearest_contact_phone",
    "nearest_contact_email",
    "distance_mi",
    "sites_count",
    "min_age",
    "max_age",
    "sex",
    "sex_text",
    "central_contact_name",
    "central_contact_phone",
    "central_contact_email",
    "first_posted",
    "last_updated",
    "url",
    "summary",
    "evidence",
)
# With a patient's profile (search --profile), these follow: the prescreen's verdict, its
# reason, and the criteria that failed and that could not be checked.
FIT_COLUMNS = ("fit", "fit_reason", "failed_criteria", "unknown_criteria")
# Columns whose values are numbers: a number there is written as is, never neutralised.
CSV_NUMERIC_COLUMNS = frozenset({"distance_mi", "sites_count", "min_age", "max_age"})
# Columns of phone numbers: see phone_cell.
CSV_PHONE_COLUMNS = frozenset({"nearest_contact_phone", "central_contact_phone"})
# Columns of dates (YYYY-MM-DD, or YYYY-MM when the registry gives only a month).
CSV_DATE_COLUMNS = frozenset({"first_posted", "last_updated"})
LIST_SEPARATOR = "; "
BOM = "\ufeff"


SEX_NAMES = {"ALL": "All", "FEMALE": "Female", "MALE": "Male"}


def status_text(status: str) -> str:
    """``NOT_YET_RECRUITING`` -> ``Not yet recruiting``."""
    return status.replace("_", " ").capitalize() if status else "Unknown"


def phase_text(phases: Iterable[str]) -> str:
    """``("PHASE1", "PHASE2")`` -> ``Phase 1/2``; no phase -> ``Not stated``."""
    phases = list(phases)
    if not phases:
        return "Not stated"
    if len(phases) == 2 and all(p.startswith("PHASE") for p in phases):
        return f"Phase {phases[0][-1]}/{phases[1][-1]}"
    return ", ".join(PHASE_NAMES.get(p, p) for p in phases)


def age_text(trial: Trial) -> str:
    low, high = trial.eligibility.min_age_text, trial.eligibility.max_age_text
    if low and high:
        return f"{low.lower()} to {high.lower()}"
    if low:
        return f"{low.lower()} and older"
    if high:
        return f"up to {high.lower()}"
    return "any age"


def site_record(site: Site) -> dict[str, Any]:
    """A site as records show it (``nearest_site``): where it is, its own status and whom to
    call there (:func:`site_contact`)."""
    return {
        "facility": site.facility,
        "city": site.city,
        "state": site.state,
        "zip": site.zip,
        "country": site.country,
        "status": site.status,
        "contact": site_contact(site),
    }


def distance_text(miles: float | None) -> str:
    return "unknown" if miles is None else f"{miles:,.1f} mi"


def trial_record(trial: Trial, annotations: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The JSON object for one trial, as every format and command shows it.

    ``annotations`` adds computed fields (tags, nearest site, summary, ...) after the base ones.
    """
    elig = trial.eligibility
    record: dict[str, Any] = {
        "nct_id": trial.nct_id,
        "title": trial.title,
        "status": trial.overall_status,
        "phases": list(trial.phases),
        "conditions": list(trial.conditions),
        "interventions": unique(i.name for i in trial.interventions if i.name),
        "min_age": elig.min_age_years,
        "max_age": elig.max_age_years,
        "sex": elig.sex or None,
        "sites_count": len(trial.sites),
        "central_contact": _contact(trial.central_contacts[0]) if trial.central_contacts else None,
        "first_posted": trial.first_posted or None,
        "last_updated": trial.last_updated or None,
        "url": trial.url,
    }
    if annotations:
        record.update(annotations)
    return record


def unique(names: Iterable[str]) -> list[str]:
    """``names`` without repeats (whatever their case), each as first written.

    A trial lists a drug once per arm or form ("Iberdomide; Iberdomide"): one name is enough.
    """
    seen: set[str] = set()
    kept = []
    for name in names:
        if name.casefold() not in seen:
            seen.add(name.casefold())
            kept.append(name)
    return kept


def site_contact(site: Site) -> dict[str, str | None] | None:
    """Whom to call at ``site``: its first contact with a phone or email (a listed contact
    before an investigator); ``None`` when the site gives none."""
    reachable = [c for c in site.contacts if c.phone or c.email]
    for contact in reachable:
        if contact.role in ("", "CONTACT"):
            return _contact(contact)
    return _contact(reachable[0]) if reachable else None


def _contact(contact: Contact) -> dict[str, str | None]:
    return {
        "name": contact.name or None,
        "role": contact.role or None,
        "phone": contact.phone or None,
        "phone_ext": contact.phone_ext or None,
        "email": contact.email or None,
    }


def trial_details(trial: Trial, near: Place | None = None) -> dict[str, Any]:
    """The full details that ``show --format json`` adds to the search record.

    With ``near``, the sites come nearest first, each with its ``distance_mi`` (null for a
    site without coordinates; those come last and are counted).
    """
    elig = trial.eligibility
    details: dict[str, Any] = {
        "official_title": trial.official_title or None,
        "acronym": trial.acronym or None,
        "study_type": trial.study_type or None,
        "primary_purpose": trial.primary_purpose or None,
        "keywords": list(trial.keywords),
        "lead_sponsor": trial.lead_sponsor or None,
        "first_posted": trial.first_posted or None,
        "start_date": trial.start_date or None,
        "brief_summary": trial.brief_summary or None,
        "min_age_text": elig.min_age_text or None,
        "max_age_text": elig.max_age_text or None,
        "healthy_volunteers": elig.healthy_volunteers,
        "eligibility_criteria": elig.criteria or None,
        "intervention_details": [
            {
                "type": i.type,
                "name": i.name,
                "other_names": list(i.other_names),
                "description": i.description,
                "arm_group_labels": list(i.arm_group_labels),
            }
            for i in trial.interventions
        ],
        "arm_groups": [
            {
                "label": a.label,
                "type": a.type,
                "description": a.description,
                "interventions": list(a.intervention_names),
            }
            for a in trial.arm_groups
        ],
        "central_contacts": [
            {"name": c.name, "role": c.role, "phone": c.phone, "email": c.email}
            for c in trial.central_contacts
        ],
        "sites": [site_details(s) for s in trial.sites],
    }
    if near is not None:
        details["near"] = {"name": near.name, "lat": near.lat, "lon": near.lon}
        details["sites"] = [
            {**site_details(site), "distance_mi": None if miles is None else round(miles, 1)}
            for site, miles in sites_with_distances(trial, near)
        ]
        details["sites_without_coordinates"] = sum(1 for s in trial.sites if not s.has_coordinates)
    return details


def site_details(site: Site) -> dict[str, Any]:
    return {**site_record(site), "latitude": site.latitude, "longitude": site.longitude}


# -- renderers ------------------------------------------------------------------------------


def write_json(records: Iterable[Mapping[str, Any]], out: IO[str]) -> int:
    """A JSON array, written one object at a time; valid JSON even when it stops part-way.

    Each object goes out in one write with its separator, and an export that fails (or is
    interrupted) still closes its array, so that a partial file holds the objects written.
    """
    count = 0
    out.write("[")
    try:
        for record in records:
            out.write((",\n" if count else "\n") + json_text(record))
            count += 1
    except BaseException:
        with contextlib.suppress(OSError, TrialfinderError):  # a full disk: nothing to close
            out.write("\n]\n" if count else "]\n")
        raise
    out.write("\n]\n" if count else "]\n")
    return count


def write_ndjson(records: Iterable[Mapping[str, Any]], out: IO[str]) -> int:
    count = 0
    for record in records:
        out.write(json_text(record) + "\n")
        count += 1
    return count


# -- CSV ----------------------------------------------------------------------------------

# OWASP CSV injection: a spreadsheet reads a cell starting with one of these as a formula.
# Leading blanks, separators and quotes are skipped first, as some spreadsheets do.
_FORMULA_START = re.compile(r"^[ \n,;\"]*[=+\-@\t\r]")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
# A phone number: digits, spaces and ( ) . - / + only, maybe an extension. Even run as a
# formula it could only be arithmetic: no function, no link, no command.
_PHONE = re.compile(r"^(?:\+|\(\+?)?\d[\d ().\-/+]*(?: ?(?:ext\.?|x) ?\d+)?$", re.IGNORECASE)
# U+2060 WORD JOINER: invisible, not a space (no spreadsheet trims it), and not a formula or
# number start, so "+1 617..." and "0612..." stay text as written (see phone_cell).
TEXT_MARK = "\u2060"


def formula_like(text: str) -> bool:
    """Whether a spreadsheet would run ``text`` as a formula, were it a CSV cell."""
    return bool(_FORMULA_START.match(text))


def neutralise(text: str) -> str:
    """Prefix ``'`` to text a spreadsheet would run as a formula (the OWASP rule)."""
    return "'" + text if _FORMULA_START.match(text) else text


def csv_value(value: Any, safe: bool = True) -> str:
    """One value as CSV text: lists joined with "; " (each item neutralised when ``safe``),
    whole floats without ".0", dates as ``YYYY-MM-DD`` (a time only when there is one)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        texts = (csv_value(item, safe) for item in value)
        return LIST_SEPARATOR.join(neutralise(t) if safe else t for t in texts if t)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def phone_cell(text: str) -> str:
    """A phone number that spreadsheets show as written: a leading ``+`` is not read as a
    formula, nor ``0612345678`` as the number 612345678.

    A phone number gets :data:`TEXT_MARK` in front, which LibreOffice and Excel keep as an
    invisible part of the text (where the OWASP ``'`` shows in LibreOffice); anything else
    in a phone column is neutralised as any cell is.
    """
    text = text.removeprefix(TEXT_MARK)
    return TEXT_MARK + text if _PHONE.match(text) else neutralise(text)


def safe_cell(column: str, text: str, numeric: Container[str] = CSV_NUMERIC_COLUMNS) -> str:
    """``text`` made safe to open; numbers in ``numeric`` columns (even -3.5) stay numbers,
    phone numbers stay text (:func:`phone_cell`)."""
    if column in numeric and _NUMBER.match(text):
        return text
    if column in CSV_PHONE_COLUMNS and text:
        return phone_cell(text)
    return neutralise(text)


def row_values(record: Mapping[str, Any]) -> dict[str, Any]:
    """The shortlist row of one record, one value per column of :data:`CSV_COLUMNS`: text,
    numbers and lists as the record has them, codes with their words beside them."""
    site = record.get("nearest_site") or {}
    site_contact = site.get("contact") or {}
    contact = record.get("central_contact") or {}
    status, phases, sex = record.get("status"), record.get("phases"), record.get("sex")
    return {
        **{column: record.get(column) for column in CSV_COLUMNS},
        "status_text": status_text(status) if status else None,
        "phase_text": phase_text(phases) if phases else None,
        "nearest_site": site.get("facility"),
        "nearest_city": site.get("city"),
        "nearest_state": site.get("state"),
        "nearest_country": site.get("country"),
        "nearest_site_status": status_text(site["status"]) if site.get("status") else None,
        "nearest_contact_name": site_contact.get("name"),
        "nearest_contact_phone": _phone(site_contact),
        "nearest_contact_email": site_contact.get("email"),
        "sex_text": SEX_NAMES.get(sex, sex) if sex else None,
        "central_contact_name": contact.get("name"),
        "central_contact_phone": _phone(contact),
        "central_contact_email": contact.get("email"),
        "evidence": [_reason(item) for item in record.get("evidence") or ()],
    }


def _phone(contact: Mapping[str, Any]) -> str:
    """``617-555-0100 ext. 12``: a contact's phone with its extension."""
    phone = contact.get("phone") or ""
    if phone and contact.get("phone_ext"):
        phone = f"{phone} ext. {contact['phone_ext']}"
    return phone


def csv_cells(record: Mapping[str, Any]) -> dict[str, str]:
    """The shortlist row for one record: every column of :data:`CSV_COLUMNS`, made safe."""
    values = row_values(record)
    return {column: safe_cell(column, csv_value(values[column])) for column in CSV_COLUMNS}


def fit_cells(record: Mapping[str, Any]) -> dict[str, str]:
    """The :data:`FIT_COLUMNS` of one record, made safe (empty without a prescreen)."""
    checks = record.get("checks") or ()
    values = {
        "fit": record.get("fit"),
        "fit_reason": record.get("fit_reason"),
        "failed_criteria": [c["text"] for c in checks if c.get("outcome") == "fail"],
        "unknown_criteria": [c["text"] for c in checks if c.get("outcome") == "unknown"],
    }
    return {column: safe_cell(column, csv_value(values[column])) for column in FIT_COLUMNS}


def _reason(evidence: Mapping[str, Any]) -> str:
    """The readable sentence of one piece of tagging evidence."""
    return str(evidence.get("reason") or "")


def write_csv(
    records: Iterable[Mapping[str, Any]],
    out: IO[str],
    *,
    bom: bool = False,
    previous: Mapping[str, Mapping[str, Any]] | None = None,
    lookup: Any = None,
    fit: bool = False,
) -> int:
    """An RFC 4180 shortlist (every field quoted), one row per record, streamed.

    ``bom`` starts the file with a UTF-8 byte-order mark, so Excel reads it as UTF-8.
    ``previous`` (a shortlist read by :func:`trialfinder.shortlist.read_shortlist`) adds a
    first ``change`` column, rows for the trials that left the results (``lookup`` asks the
    registry why, see :func:`trialfinder.shortlist.compare`) and, last, the columns the user
    added to it. ``fit`` (a search with a profile) adds the :data:`FIT_COLUMNS` after the
    others. Returns the number of records written (dropped rows not counted).
    """
    counter = Counted(records)
    base = CSV_COLUMNS + (FIT_COLUMNS if fit else ())
    rows: Iterable[Mapping[str, Any]]
    if fit:
        rows = ({**csv_cells(record), **fit_cells(record)} for record in counter)
    else:
        rows = (csv_cells(record) for record in counter)
    if bom:
        out.write(BOM)
    # QUOTE_ALL, as OWASP advises: a separator inside a cell can never start a new cell.
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    if previous is None:
        writer.writerow(base)
        for row in rows:  # csv_cells made these safe already
            writer.writerow([row[column] for column in base])
        return counter.count
    from trialfinder.shortlist import CHANGE_COLUMN, compare

    extras = [c for c in getattr(previous, "extra_columns", ()) if c not in base]
    columns = (CHANGE_COLUMN, *base, *extras)
    # The user's own columns may hold numbers: they stay numbers, as in numeric columns.
    numeric = CSV_NUMERIC_COLUMNS | set(extras)
    writer.writerow([neutralise(column) for column in columns])
    # The previous shortlist's cells were read from a file: make them safe again.
    for row in compare(rows, previous, lookup):
        writer.writerow(
            [safe_cell(column, csv_value(row.get(column)), numeric) for column in columns]
        )
    return counter.count


class Counted:
    """Counts the items passing through an iterable (``count``)."""

    def __init__(self, items: Iterable[Any]) -> None:
        self._items = items
        self.count = 0

    def __iter__(self) -> Iterator[Any]:
        for item in self._items:
            self.count += 1
            yield item


def write_table(
    records: Iterable[Mapping[str, Any]],
    out: IO[str],
    *,
    show_distance: bool = False,
    show_fit: bool = False,
) -> int:
    """A table for people (:func:`results_table`), as wide as the terminal; to a pipe or a
    file, plain tab-separated lines instead (:func:`write_plain_table`).

    ``show_distance`` (a search near a place) adds the nearest site and its distance;
    ``show_fit`` (a search with a profile) the prescreen's verdict.
    """
    if not _is_terminal(out):
        return write_plain_table(records, out, show_distance=show_distance, show_fit=show_fit)
    from rich.console import Console

    console = Console(file=out, soft_wrap=False)
    arrived = _Arrived(records)
    table = results_table(
        arrived, show_distance=show_distance, width=console.width, show_fit=show_fit
    )
    if table.row_count:
        console.print(table)
    arrived.raise_failure()  # after showing what arrived
    return table.row_count


# The columns of the plain table, for `cut -f` and `sort -t$'\t'`: the header's names.
PLAIN_COLUMNS = ("NCT id", "Title", "Status", "Phase", "About")
PLAIN_SITE_COLUMNS = ("Nearest site", "Distance (mi)")
PLAIN_FIT_COLUMNS = ("Fit",)


def write_plain_table(
    records: Iterable[Mapping[str, Any]],
    out: IO[str],
    *,
    show_distance: bool = False,
    show_fit: bool = False,
) -> int:
    """The table as tab-separated text, a header line then one line per trial, written as
    the trials arrive: what a pipe (``| grep``, ``| cut -f1``) or a file gets. Tabs and line
    breaks inside a cell become spaces; no cell is shortened. The fit comes last."""
    columns = PLAIN_COLUMNS + (PLAIN_SITE_COLUMNS if show_distance else ())
    columns += PLAIN_FIT_COLUMNS if show_fit else ()
    out.write("\t".join(columns) + "\n")
    count = 0
    for record in records:
        cells = [
            record["nct_id"],
            record.get("title") or "",
            status_text(record.get("status") or ""),
            phase_text(record.get("phases") or ()),
            about_text(record),
        ]
        if show_distance:
            miles = record.get("distance_mi")
            cells += [
                _nearest_cell(record.get("nearest_site")),
                "" if miles is None else f"{miles:g}",
            ]
        if show_fit:
            cells.append(record.get("fit") or "")
        out.write("\t".join(" ".join(inert(cell).split()) for cell in cells) + "\n")
        count += 1
    return count


# Widths (in characters) of the columns other than the title.
_ID_WIDTH = 11
_STATUS_WIDTH = 10  # "recruiting"; longer statuses wrap at their spaces
_PHASE_WIDTH = 13  # "Early phase 1"
_DISTANCE_WIDTH = 10  # "2,691.4 mi"
_ABOUT_WIDTH = (14, 18)  # narrow, wide: its longest word ("immunotherapy") fits either
_FIT_WIDTH = 8  # "possible", "excluded"
_TITLE_SHARE = 0.6  # of what the fixed columns leave, in a wide table (the rest: conditions)


def results_table(
    records: Iterable[Mapping[str, Any]],
    *,
    show_distance: bool = False,
    width: int | None = None,
    show_fit: bool = False,
) -> Table:
    """NCT id, title, status, phase and what the trial is about (its settings and treatment
    approaches in short words, :func:`about_text`), for a console ``width`` columns wide.

    The title gets most of the width. Narrower than :data:`WIDE_TABLE` columns, the phase goes
    under the status and, with ``show_distance``, the nearest site and its distance under the
    title; from :data:`WIDE_TABLE` on, each has its column, and the conditions (mostly in the
    title already) are shown too when there is no nearest site.
    """
    from rich.table import Table
    from rich.text import Text

    width = width or 80
    wide = width >= WIDE_TABLE
    about_width = _ABOUT_WIDTH[width >= 100]
    fixed = [_ID_WIDTH, _STATUS_WIDTH, about_width] + ([_FIT_WIDTH] if show_fit else [])
    if wide:
        fixed += [_PHASE_WIDTH] + ([_DISTANCE_WIDTH] if show_distance else [])
    columns = len(fixed) + 1 + (1 if wide else 0)  # the title, and conditions or site
    room = width - (3 * columns + 1) - sum(fixed)  # each column: its borders and padding
    title_width = max(20, int(room * _TITLE_SHARE) if wide else room)
    extra_width = max(12, room - title_width)  # conditions or the nearest site, when wide

    table = Table(show_lines=False, header_style="bold", expand=False)
    table.add_column("NCT id", no_wrap=True, width=_ID_WIDTH)
    if show_fit:
        table.add_column("Fit", no_wrap=True, width=_FIT_WIDTH)
    title_header = "Title" if wide or not show_distance else "Title; nearest site"
    table.add_column(title_header, width=title_width)
    table.add_column("Status" if wide else "Status, phase", width=_STATUS_WIDTH)
    if wide:
        table.add_column("Phase", width=_PHASE_WIDTH)
    if wide and not show_distance:
        table.add_column("Conditions", width=extra_width)
    # A word longer than the column is folded, not cut.
    table.add_column("About", width=about_width, overflow="fold")
    if wide and show_distance:
        table.add_column("Nearest site", width=extra_width)
        table.add_column("Distance", no_wrap=True, justify="right", width=_DISTANCE_WIDTH)
    # About four lines of title; `show` has it in full.
    longest_title = max(90, 4 * title_width)
    for record in records:
        status = status_text(record.get("status") or "")
        phase = phase_text(record.get("phases") or ())
        title = Text(_shorten(record.get("title") or "", longest_title))
        site = _nearest_cell(record.get("nearest_site"))
        distance = distance_text(record.get("distance_mi"))
        if show_distance and not wide:
            title.append(f"\n{distance}: {inert(site)}", style="dim")
        cells: list[Text] = [Text(inert(record["nct_id"]))]
        if show_fit:
            fit = record.get("fit") or ""
            cells.append(Text(fit, style=_FIT_STYLES.get(fit, "")))
        cells.append(title)
        if wide:
            cells += [Text(status), Text(phase)]
        else:
            cells.append(Text(f"{status}\n{phase}"))
        if wide and not show_distance:
            cells.append(Text(_shorten(", ".join(record.get("conditions") or ()), 120)))
        cells.append(Text(about_text(record)))
        if wide and show_distance:
            cells += [Text(inert(site)), Text(distance)]
        # Text, not markup: "[link=...]" or "[/]" in a record is shown as written; every
        # piece from a record went through inert() above (_shorten does it too).
        table.add_row(*cells)
    return table


_FIT_STYLES = {"possible": "green", "check": "yellow", "excluded": "dim"}


def about_text(record: Mapping[str, Any]) -> str:
    """``relapsed · CAR T, immunotherapy``: a record's settings, then its treatment approaches,
    in the short words of ``settings.toml`` and ``categories.toml``; empty when it has neither."""
    settings_words, category_words = _short_words()
    parts = [
        ", ".join(words.get(name) or name.replace("-", " ") for name in record.get(key) or ())
        for key, words in (("setting", settings_words), ("categories", category_words))
    ]
    return " · ".join(part for part in parts if part)


@cache
def _short_words() -> tuple[dict[str, str], dict[str, str]]:
    """Setting name -> its short word; category name -> its short words."""
    from trialfinder.knowledge import load_toml

    def shorts(file: str) -> dict[str, str]:
        return {name: table["short"] for name, table in load_toml(file).items() if "short" in table}

    return shorts("settings.toml"), shorts("categories.toml")


class _Arrived:
    """The records until fetching fails; :meth:`raise_failure` then raises that failure."""

    def __init__(self, records: Iterable[Mapping[str, Any]]) -> None:
        self._records = records
        self._failure: PartialResults | None = None

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        try:
            yield from self._records
        except PartialResults as exc:
            self._failure = exc

    def raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure


def _is_terminal(out: IO[str]) -> bool:
    try:
        return out.isatty()
    except (AttributeError, ValueError):
        return False


def _nearest_cell(site: Mapping[str, Any] | None) -> str:
    """``Dana-Farber Cancer Institute, Boston, Massachusetts (recruiting)``."""
    if not site:
        return "no site location given"
    region = site.get("state") or site.get("country")
    parts = [_shorten(site.get("facility") or "", 45), site.get("city"), region]
    status = status_text(site["status"]).lower() if site.get("status") else "status not given"
    return f"{', '.join(p for p in parts if p)} ({status})"


def _shorten(text: str, width: int) -> str:
    text = inert(text)  # measured as it will show
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def write_xlsx(records: Iterable[Mapping[str, Any]], out: IO[bytes], **options: Any) -> int:
    """An Excel workbook (:func:`trialfinder.workbook.write_xlsx`); ``out`` is binary."""
    from trialfinder.workbook import write_xlsx as write

    return write(records, out, **options)


RENDERERS: dict[str, Callable[..., int]] = {
    "table": write_table,
    "json": write_json,
    "ndjson": write_ndjson,
    "csv": write_csv,
    "xlsx": write_xlsx,
}


def render(
    fmt: str,
    records: Iterable[Mapping[str, Any]],
    out: IO[str],
    *,
    show_distance: bool = False,
    show_fit: bool = False,
    **options: Any,
) -> int:
    """Write ``records`` in format ``fmt``; returns how many were written.

    ``show_distance`` adds the nearest-site columns to the table (the other formats always
    carry ``nearest_site`` and ``distance_mi``); ``show_fit`` the prescreen's verdict to the
    table and its columns to CSV (JSON carries it in every record that has it). ``options``
    go to the other renderers (``bom``, ``previous`` and ``lookup`` for CSV; ``previous`` and
    ``lookup`` for xlsx, which writes bytes to ``out``).
    """
    if fmt == "table":
        return write_table(records, out, show_distance=show_distance, show_fit=show_fit)
    if fmt == "csv" and show_fit:
        options["fit"] = True
    return RENDERERS[fmt](records, out, **options)


def sites_with_distances(trial: Trial, near: Place) -> list[tuple[Site, float | None]]:
    """Every site of ``trial``, nearest to ``near`` first; sites without coordinates last."""
    from trialfinder.geo import sites_by_distance

    located = [(n.site, n.distance_mi) for n in sites_by_distance(trial, near.lat, near.lon)]
    return located + [(s, None) for s in trial.sites if not s.has_coordinates]


def trial_text(
    trial: Trial,
    templates: str | None = None,
    max_sites: int = 20,
    near: Place | None = None,
    tags: Any = None,
    summary: str | None = None,
    fit: Any = None,
    profile_name: str = "",
) -> str:
    """One trial in full, as readable text (``show``), from the ``trial.txt.j2`` template.

    ``summary`` (the plain-language summary) leads when given, then ``fit`` (the prescreen
    against the profile ``profile_name``: its checks, failed first, and the questions). With
    ``near``, the sites are listed nearest first, with their distances; with ``tags`` (from
    :func:`trialfinder.tagging.tag_trial`), its tags and their evidence are shown.
    """
    from trialfinder.geo import nearest_site
    from trialfinder.templating import render as render_template

    countries = sorted({s.country for s in trial.sites if s.country})
    context: dict[str, Any] = {"near": None, "nearest": None, "site_distances": [], "unlocated": 0}
    if near is not None:
        context = {
            "near": near,
            "nearest": nearest_site(trial, near.lat, near.lon),
            "site_distances": sites_with_distances(trial, near)[:max_sites],
            "unlocated": sum(1 for s in trial.sites if not s.has_coordinates),
        }
    return inert(
        render_template(
            "trial.txt.j2",
            templates,
            trial=trial,
            age=age_text(trial),
            countries=countries,
            sites=trial.sites[:max_sites],
            tags=tags,
            summary=summary,
            fit=fit,
            fit_checks=_checks_in_order(fit),
            profile_name=profile_name,
            **context,
        )
    )


def _checks_in_order(fit: Any) -> list[Any]:
    """The checks failed first, then those unknown, then those passed."""
    if fit is None:
        return []
    order = {"fail": 0, "unknown": 1, "pass": 2}
    return sorted(fit.checks, key=lambda c: order.get(c.outcome, 3))
