"""Shortlists: the CSV a search writes, read back, and compared with a new search.

A shortlist is the CSV that ``search --format csv`` writes (columns :data:`CSV_COLUMNS`, every
cell made safe to open in a spreadsheet), or the workbook of ``--format xlsx``
(:mod:`trialfinder.workbook`, the same columns), perhaps saved again by a spreadsheet: dates
re-spelt (``5/18/2025``, a serial number), columns of the user's own added (notes, "called
on"). Week to week, a navigator runs the same search again with ``--compare`` and sees what is
new, what changed and what left the results, with the own columns carried forward.

Here are the columns and their cells, the CSV writer, the reading of a shortlist (CSV or
workbook) or a list of NCT ids, and the comparison.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
import warnings
from collections.abc import Callable, Container, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO, Any

from trialfinder.counting import counted
from trialfinder.criteria import SearchCriteria
from trialfinder.errors import InvalidInput, NoneOfTheIds, TrialfinderError
from trialfinder.model import RECRUITING_STATUSES, is_nct_id, normalize_nct_id
from trialfinder.records import Counted
from trialfinder.sources.base import Source, check_ids_answered
from trialfinder.wording import (
    phase_text,
    place_text,
    registry_text,
    sex_text,
    site_label,
    status_text,
)

log = logging.getLogger(__name__)

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
# Columns of phone numbers: read back without the TEXT_MARK earlier versions wrote.
CSV_PHONE_COLUMNS = frozenset({"nearest_contact_phone", "central_contact_phone"})
# Columns of dates (YYYY-MM-DD, or YYYY-MM when the registry gives only a month).
CSV_DATE_COLUMNS = frozenset({"first_posted", "last_updated"})
LIST_SEPARATOR = "; "
BOM = "\ufeff"

CHANGE_COLUMN = "change"
NEW, UPDATED, UNCHANGED, DROPPED = "new", "updated", "unchanged", "dropped"
ID_COLUMN = "nct_id"
COMMENT = "#"
SHORTLIST_HINT = "give a shortlist written by `trialfinder search -o FILE.csv` (or .xlsx)"
ZIP_MAGIC = b"PK\x03\x04"  # an .xlsx workbook is a zip archive
# Day 0 of Excel's serial dates (1900 system, after its 29 February 1900 that never was).
EXCEL_EPOCH = dt.date(1899, 12, 30)
# Serial numbers of 1 January 1990 and 31 December 2099: a wider number is no trial's date.
EXCEL_SERIALS = range(32874, 73051)


@dataclass(frozen=True)
class RegistryState:
    """What the registry says now of a trial that left the results: its status and the date of
    its last update ("" when not given); ``unread`` when the registry sent its record but it
    could not be read (the trial may still be in the results)."""

    status: str
    last_updated: str = ""
    unread: bool = False


# A trial whose record could not be read this time is no trial that left the results: its row
# stays, as it was, and is compared again next time (rows marked dropped are not).
# A trial that left the results when the registry answered a look-up of those trials with none
# of them (not believed, nor the search that lost them): kept as it was, compared again.
NOT_CHECKED_WHY = (
    "not checked: it left the results, and the registry's answer on why was not believed;"
    " the row is as before"
)
# A trial in both shortlists, the earlier one without its date of last update: what changed is
# not known.
NOT_COMPARED = "not compared: the earlier shortlist does not give its last update"
NOT_READ = "not read"
NOT_READ_WHY = (
    f"{NOT_READ}: the registry's record could not be read this time; the row is as before"
)


StatusLookup = Callable[[list[str]], Mapping[str, RegistryState]]


class Shortlist(dict[str, dict[str, Any]]):
    """NCT id -> row (column -> value), in file order; ``extra_columns``: the columns the
    user added, in the file's order and spelling, carried forward by :func:`compare`;
    ``delimiter`` and ``bom``: how its CSV was written (a comparison is written alike, so a
    spreadsheet that saved semicolons opens it as it opened this one).

    Cells of trialfinder's columns are text as trialfinder writes it (dates ``YYYY-MM-DD``);
    cells of the user's columns are kept as read (a workbook's dates and numbers typed).
    """

    def __init__(
        self,
        rows: Iterable[tuple[str, dict[str, Any]]] = (),
        extra_columns: Iterable[str] = (),
        delimiter: str = ",",
        bom: bool = False,
    ) -> None:
        super().__init__(rows)
        self.extra_columns: list[str] = list(extra_columns)
        self.delimiter = delimiter
        self.bom = bom


# -- cells and the CSV writer ---------------------------------------------------------------

# OWASP CSV injection: a spreadsheet reads a cell starting with one of these as a formula.
# Leading blanks, separators and quotes are skipped first, as some spreadsheets do.
_FORMULA_START = re.compile(r"^[ \n,;\"]*[=+\-@\t\r]")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
# U+2060 WORD JOINER, which shortlists of earlier versions put in front of phone numbers; it
# went along, unseen, when a number was copied into a dialer. Removed when a cell is read.
TEXT_MARK = "\u2060"


def formula_like(text: str) -> bool:
    """Whether a spreadsheet would run ``text`` as a formula, were it a CSV cell."""
    return bool(_FORMULA_START.match(text))


# The characters a text :data:`_FORMULA_START` matches can begin with: a text beginning with
# none of them is passed over without the pattern (most cells, on every row of an export).
_FORMULA_FIRST = frozenset(' \n,;"=+-@\t\r')


def neutralise(text: str) -> str:
    """Prefix ``'`` to text a spreadsheet would run as a formula (the OWASP rule)."""
    if not text or text[0] not in _FORMULA_FIRST:
        return text
    return "'" + text if _FORMULA_START.match(text) else text


def csv_value(value: Any, safe: bool = True) -> str:
    """One value as CSV text: lists joined with "; " (each item neutralised when ``safe``),
    whole floats without ".0", dates as ``YYYY-MM-DD`` (a time only when there is one)."""
    if value is None:
        return ""
    if type(value) is str:  # (most values: no other check needed)
        return value
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


def safe_cell(column: str, text: str, numeric: Container[str] = CSV_NUMERIC_COLUMNS) -> str:
    """``text`` made safe to open; numbers in ``numeric`` columns (even -3.5) stay numbers.

    A phone number is neutralised as any cell, and one of digits alone gets the ``'`` too:
    it shows, where an invisible mark would be copied into a dialer unseen."""
    if column in numeric and _NUMBER.match(text):
        return text
    if column in CSV_PHONE_COLUMNS and _DIGITS_ONLY.match(text):
        return "'" + text  # ("00302103501711": else a number, its leading zeros lost)
    return neutralise(text)


# A phone of digits alone, which a spreadsheet would open as a number.
_DIGITS_ONLY = re.compile(r"^\d+$")


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
        "nearest_site": registry_text(site["facility"]) if site.get("facility") else None,
        "nearest_city": site.get("city"),
        "nearest_state": site.get("state"),
        "nearest_country": site.get("country"),
        "nearest_site_status": status_text(site["status"]) if site.get("status") else None,
        "nearest_contact_name": site_contact.get("name"),
        "nearest_contact_phone": _phone(site_contact),
        "nearest_contact_email": site_contact.get("email"),
        "sex_text": sex_text(sex) if sex else None,
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


def fit_values(record: Mapping[str, Any]) -> dict[str, Any]:
    """The :data:`FIT_COLUMNS` of one record (None without a prescreen)."""
    checks = record.get("checks") or ()
    return {
        "fit": record.get("fit"),
        "fit_reason": record.get("fit_reason"),
        "failed_criteria": [c["text"] for c in checks if c.get("outcome") == "fail"],
        "unknown_criteria": [c["text"] for c in checks if c.get("outcome") == "unknown"],
    }


def fit_cells(record: Mapping[str, Any]) -> dict[str, str]:
    """The :data:`FIT_COLUMNS` of one record, made safe (empty without a prescreen)."""
    values = fit_values(record)
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
    added to it, written with its delimiter (and byte-order mark, if it had one). ``fit`` (a
    search with a profile) adds the :data:`FIT_COLUMNS` after the others. Returns the number of
    records written (dropped rows not counted).
    """
    counter = Counted(records)
    base = CSV_COLUMNS + (FIT_COLUMNS if fit else ())
    rows: Iterable[Mapping[str, Any]]
    if fit:
        rows = ({**csv_cells(record), **fit_cells(record)} for record in counter)
    else:
        rows = (csv_cells(record) for record in counter)
    if bom or getattr(previous, "bom", False):
        out.write(BOM)
    write = out.write
    if previous is None:
        write(csv_line(base))
        for row in rows:  # csv_cells made these safe already
            write(csv_line([row[column] for column in base]))
        return counter.count
    extras = [c for c in getattr(previous, "extra_columns", ()) if c not in base]
    columns = (CHANGE_COLUMN, *base, *extras)
    # The user's own columns may hold numbers: they stay numbers, as in numeric columns.
    numeric = CSV_NUMERIC_COLUMNS | set(extras)
    delimiter = getattr(previous, "delimiter", ",")
    write(csv_line([neutralise(column) for column in columns], delimiter))
    # The previous shortlist's cells were read from a file: make them safe again.
    for row in compare(rows, previous, lookup):
        cells = [safe_cell(column, csv_value(row.get(column)), numeric) for column in columns]
        write(csv_line(cells, delimiter))
    return counter.count


def csv_line(cells: Iterable[str], delimiter: str = ",") -> str:
    """One CSV line of text cells, each quoted (RFC 4180, as ``csv.writer`` writes with
    ``QUOTE_ALL``), separated by ``delimiter``, ended by CR LF.

    Every cell quoted, as OWASP advises: a separator inside a cell can never start a new cell.
    Written here rather than by ``csv.writer``, which looks at every character of a cell in
    turn: a row holds about 2,000 characters (the summary), and doubling the quotes with one
    ``str.replace`` a cell is about three times faster; tests check both give the same bytes.
    """
    return delimiter.join(['"' + cell.replace('"', '""') + '"' for cell in cells]) + "\r\n"


# -- reading ---------------------------------------------------------------------------------


def read_text(path: Path) -> str:
    """A UTF-8 text file (a byte-order mark is dropped); unreadable -> :class:`InvalidInput`."""
    return _decode(_read_bytes(path), path)


def _read_bytes(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None


def _decode(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            f"{path} is not UTF-8 text", hint="save the file as UTF-8 (CSV UTF-8 in Excel)"
        ) from None


def is_shortlist(text: str) -> bool:
    """True when the first line that is not blank or a comment is a header naming nct_id."""
    return _delimiter(text) is not None


# What separates the cells of a CSV shortlist: commas, or the semicolons a spreadsheet writes
# where the decimal sign is a comma (dates as 18.05.2025), or tabs.
_DELIMITERS = (",", ";", "\t")


def _delimiter(text: str) -> str | None:
    """The delimiter by which the first line that is not blank or a comment names nct_id, or
    None when it does not."""
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith(COMMENT):
            _allow_cells_of(line)
            for delimiter in _DELIMITERS:
                try:
                    header = next(csv.reader([line], delimiter=delimiter), [])
                except csv.Error:
                    continue
                if ID_COLUMN in (cell.strip().lower() for cell in header):
                    return delimiter
            return None
    return None


def _allow_cells_of(text: str) -> None:
    """Let ``csv`` read any cell of ``text``: no cell is longer than the text itself.

    The csv module refuses cells over 131,072 characters by default, and a summary or
    eligibility text that trialfinder wrote can be longer.
    """
    if len(text) > csv.field_size_limit():
        csv.field_size_limit(len(text))


@dataclass
class _Table:
    """A shortlist's header (as written) and its rows, each with its line or row number."""

    header: list[str]
    rows: Iterator[tuple[int, list[Any]]]
    where: str  # "{path}, line" or "{path}, sheet 'Trials', row": how to name a row
    delimiter: str = ","  # (of a CSV file)
    bom: bool = False  # whether the CSV file began with a byte-order mark

    def columns(self) -> dict[str, int]:
        """Header name (lower case, stripped) -> its position: for each of trialfinder's, the
        first written as trialfinder writes it, else the first in any case (a user's "Status"
        to the left of trialfinder's "status" is the user's); for any other, the first."""
        found: dict[str, int] = {}
        exact: dict[str, int] = {}
        for index, name in enumerate(self.header):
            key = _column_name(name)
            found.setdefault(key, index)
            if key in _OURS and str(name if name is not None else "").strip() == key:
                exact.setdefault(key, index)
        return {**found, **exact}


_OURS = frozenset({*CSV_COLUMNS, CHANGE_COLUMN})


def _column_name(name: Any) -> str:
    return str(name if name is not None else "").strip().lower()


def _open_table(path: Path) -> _Table | tuple[str, Iterator[tuple[int, str]]]:
    """A shortlist in ``path`` (CSV or workbook) as a table; or, when it has no header naming
    nct_id, how to name its lines and the ids it lists, one per line (or down the first
    column of a workbook)."""
    data = _read_bytes(path)
    if data.startswith(ZIP_MAGIC):
        sheet = read_sheet(data, path, ID_COLUMN)
        where = f"{path}, {sheet.name}, row"
        if sheet.header is None:
            firsts = ((number, cells[0] if cells else None) for number, cells in sheet.rows)
            return where, ((n, str(cell)) for n, cell in firsts if cell not in (None, ""))
        return _Table(list(sheet.header), sheet.rows, where)
    text = _decode(data, path)
    if not is_shortlist(text):
        return f"{path}, line", _listed_ids(text)
    return _csv_table(text, path, bom=data.startswith(BOM.encode()))


def _csv_table(text: str, path: Path, bom: bool) -> _Table:
    _allow_cells_of(text)
    lines = io.StringIO(text.removeprefix(BOM), newline="")
    skipped = 0
    while True:
        position = lines.tell()
        line = lines.readline()
        if not line or (line.strip() and not line.lstrip().startswith(COMMENT)):
            break
        skipped += 1
    lines.seek(position)
    delimiter = _delimiter(text) or ","
    reader = csv.reader(lines, delimiter=delimiter)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        # Each row by the line it starts on: a cell of several lines (a summary) ends it later.
        ended = 0
        try:
            for cells in reader:
                yield ended + 1 + skipped, cells
                ended = reader.line_num
        except csv.Error as exc:
            raise InvalidInput(
                f"{path}, line {reader.line_num + skipped}: not readable as CSV: {exc}",
                hint=SHORTLIST_HINT,
            ) from None

    cells = rows()
    header = next(cells, (0, []))[1]
    return _Table(header, cells, f"{path}, line", delimiter, bom)


def _listed_ids(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.split(COMMENT, 1)[0].strip()
        if entry:
            yield number, entry


def _table_rows(table: _Table) -> Iterator[tuple[int, dict[str, Any], list[Any]]]:
    """(number, known cells by column, all cells) of each row not marked dropped."""
    columns = table.columns()
    for number, cells in table.rows:
        known = {
            name: cells[index] if index < len(cells) else None for name, index in columns.items()
        }
        if str(known.get(CHANGE_COLUMN) or "").strip().lower().startswith(DROPPED):
            continue  # it had already left the results
        yield number, known, cells


def read_ids(path: Path) -> list[str]:
    """The NCT ids in ``path``, in file order, without repeats.

    The file is either a previous shortlist (CSV or workbook, recognised by its ``nct_id``
    header; rows marked ``dropped`` by a comparison are left out, as they were no longer in the
    results), or one NCT id per line (down the first column of a workbook), where blank lines
    and ``#`` comments are ignored. A malformed id raises :class:`InvalidInput` naming its line.
    """
    table = _open_table(path)
    pairs: Iterable[tuple[int, str]]
    if isinstance(table, _Table):
        where = table.where
        pairs = (
            (number, str(known[ID_COLUMN]))
            for number, known, _ in _table_rows(table)
            if str(known[ID_COLUMN] or "").strip()
        )
    else:
        where, pairs = table
    ids: dict[str, None] = {}
    for number, raw in pairs:
        try:
            ids[normalize_nct_id(raw)] = None
        except InvalidInput:
            raise InvalidInput(
                f"{where} {number}: {raw.strip()!r} is not an NCT id",
                hint="write one NCT id per line, e.g. NCT01234567 (# starts a comment)",
            ) from None
    if not ids:
        raise InvalidInput(f"{path} lists no NCT ids", hint="write one NCT id per line")
    return list(ids)


def read_shortlist(path: Path) -> Shortlist:
    """A previous shortlist (CSV or workbook): NCT id -> its row, in file order.

    Rows a comparison marked ``dropped`` are left out: they had already left the results.
    Dates and numbers are read as a spreadsheet may have re-written them (:func:`sheet_date`);
    columns trialfinder does not write are kept as :attr:`Shortlist.extra_columns`.
    """
    table = _open_table(path)
    if not isinstance(table, _Table):
        raise InvalidInput(
            f"{path} is not a trialfinder shortlist (no {ID_COLUMN} column in its header)",
            hint=SHORTLIST_HINT,
        )
    extras = _extra_columns(table.header, table.columns())
    raw_rows: dict[str, tuple[dict[str, Any], list[Any]]] = {}
    numbers: dict[str, int] = {}
    for number, known, cells in _table_rows(table):
        raw = str(known.get(ID_COLUMN) or "").strip()
        if not raw:
            if any(cell not in (None, "") for cell in cells):
                log.warning(
                    "%s %s has no NCT id; what it holds is not carried forward", table.where, number
                )
            continue
        try:
            nct_id = normalize_nct_id(raw)
        except InvalidInput:
            raise InvalidInput(
                f"{table.where} {number}: {raw!r} is not an NCT id", hint=SHORTLIST_HINT
            ) from None
        if nct_id in numbers:
            log.warning(
                "%s %s lists %s again (first at %s): only this row is carried forward",
                table.where,
                number,
                nct_id,
                numbers[nct_id],
            )
        raw_rows[nct_id] = (known, cells)
        numbers[nct_id] = number
    day_first = _day_first(
        known.get(column) for known, _ in raw_rows.values() for column in CSV_DATE_COLUMNS
    )
    # A column without a name or any value is a spreadsheet's leftover, not the user's.
    extras = [
        (name, index)
        for name, index in extras
        if str(table.header[index] or "").strip()
        or any(
            index < len(cells) and cells[index] not in (None, "") for _, cells in raw_rows.values()
        )
    ]
    shortlist = Shortlist(
        extra_columns=[name for name, _ in extras], delimiter=table.delimiter, bom=table.bom
    )
    for nct_id, (known, cells) in raw_rows.items():
        row = {column: cell_text(column, known.get(column), day_first) for column in CSV_COLUMNS}
        row[ID_COLUMN] = nct_id
        for name, index in extras:
            row[name] = cells[index] if index < len(cells) and cells[index] is not None else ""
        shortlist[nct_id] = row
    return shortlist


def _extra_columns(header: list[Any], columns: dict[str, int]) -> list[tuple[str, int]]:
    """The user's own columns: (name as written, position), named uniquely. trialfinder's are
    those ``columns`` (see :meth:`_Table.columns`) places; a column of the same name elsewhere is
    the user's ("Status" beside "status", renamed "Status (2)": it was dropped, notes and all)."""
    ours = {columns[name] for name in _OURS if name in columns}
    extras: list[tuple[str, int]] = []
    taken = set(_OURS)
    for index, cell in enumerate(header):
        name = str(cell if cell is not None else "").strip()
        if index in ours:
            continue
        name = name or f"column {index + 1}"
        unique, count = name, 1
        while unique.lower() in taken:
            count += 1
            unique = f"{name} ({count})"
        taken.add(unique.lower())
        extras.append((unique, index))
    return extras


def cell_text(column: str, value: Any, day_first: bool = False) -> str:
    """A cell of one of trialfinder's columns as trialfinder writes it, however a spreadsheet
    stored it: dates as ``YYYY-MM-DD``, numbers without trailing zeros, phones unmarked."""
    if value is None:
        return ""
    if column in CSV_DATE_COLUMNS:
        return sheet_date(value, day_first)
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    if isinstance(value, (dt.date, int, float)):
        return value.isoformat() if isinstance(value, dt.date) else csv_value(value)
    text = str(value)
    if text.startswith("'") and formula_like(text[1:]):
        text = text[1:]  # the ' that makes a formula-like cell safe in CSV; written again there
    if column in CSV_PHONE_COLUMNS:
        text = text.strip().removeprefix(TEXT_MARK)
        return text[1:] if text.startswith("'") and _DIGITS_ONLY.match(text[1:]) else text
    if column in CSV_NUMERIC_COLUMNS:
        try:
            return csv_value(float(text))
        except ValueError:
            return text
    return text


@dataclass
class Sheet:
    """A worksheet read back: its name, its header row (``None`` when no row names the id
    column) and its rows after the header (or all of them), each with its row number."""

    name: str
    header: list[Any] | None
    rows: Iterator[tuple[int, list[Any]]]


def read_sheet(data: bytes, path: Path, id_column: str, header_within: int = 20) -> Sheet:
    """The first worksheet of the workbook ``data`` whose header (within its first
    ``header_within`` rows) names ``id_column``; else the first worksheet, headerless.

    Cells come as stored: text, numbers, dates (``datetime``), booleans; a formula gives the
    value a spreadsheet last computed for it, and is never run. A file that is no workbook is
    :class:`InvalidInput`.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's notes on styles it does not know
            return _read_sheet(data, id_column, header_within)
    except InvalidInput:
        raise
    except Exception as exc:  # a damaged or foreign file: any of zipfile's, XML's, openpyxl's
        raise InvalidInput(
            f"{path} is not a workbook that can be read: {exc.__class__.__name__}: {exc}",
            hint="save it again as an Excel workbook (.xlsx), or as CSV",
        ) from None


def _read_sheet(data: bytes, id_column: str, header_within: int) -> Sheet:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        first: Sheet | None = None
        for worksheet in workbook.worksheets:
            rows = worksheet.iter_rows(values_only=True)
            head = [list(row) for row in islice(rows, header_within)]
            name = f"sheet {worksheet.title!r}"
            for index, row in enumerate(head):
                if any(str(cell or "").strip().lower() == id_column for cell in row):
                    rest = [*head[index + 1 :], *(list(row) for row in rows)]
                    return Sheet(name, row, enumerate(rest, start=index + 2))
            if first is None:
                everything = [*head, *(list(row) for row in rows)]
                first = Sheet(name, None, enumerate(everything, start=1))
    finally:
        workbook.close()
    if first is None:
        raise InvalidInput("the workbook has no worksheet", hint="give a shortlist with its header")
    return first


# -- dates as spreadsheets write them --------------------------------------------------------

_ISO = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_YMD_SLASH = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")
_NUMERIC_DATE = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})(?: \d{1,2}:\d{2}.*)?$")
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH_NAME = re.compile(
    r"^(?:(\d{1,2})[ \-])?([a-z]+)\.?(?:[ \-](\d{1,2}),?)?[ \-](\d{4}|\d{2})$", re.IGNORECASE
)


def sheet_date(value: Any, day_first: bool = False) -> str:
    """A date as a spreadsheet may have written it, as ``YYYY-MM-DD`` (``YYYY-MM`` for a month).

    Reads ISO dates, a workbook's date cells, Excel serial numbers (``45795``), ``M/D/YYYY``
    (``D/M/YYYY`` when the day comes first: past 12, or ``day_first``), ``D.M.YYYY``, two-digit
    years, and month names (``May 18, 2025``, ``18-May-25``). Anything else is kept as written:
    compared as it is, never guessed.
    """
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _serial(value) or csv_value(value)
    text = str(value).strip()
    if match := _ISO.match(text):
        year, month, day = match.groups()
        return _iso(int(year), int(month), int(day) if day else None) or text
    if match := _YMD_SLASH.match(text):
        return _iso(*map(int, match.groups())) or text
    if match := _NUMERIC_DATE.match(text):
        first, separator, second, year = match.groups()
        day_then_month = separator == "." or int(first) > 12 or (day_first and int(second) <= 12)
        day, month = (first, second) if day_then_month else (second, first)
        return _iso(_year(year), int(month), int(day)) or text
    if _SERIAL.match(text):
        return _serial(float(text)) or text
    if match := _MONTH_NAME.match(text):
        day_before, name, day_after, year = match.groups()
        month = _MONTHS.get(name.lower())
        day = day_before or day_after
        if month and not (day_before and day_after):
            return _iso(_year(year), month, int(day) if day else None) or text
    return text


def _day_first(cells: Iterable[Any]) -> bool:
    """Whether a file writes its dates day first (``18/5/2025``): some date shows a day past
    12 first, and none shows one second. Otherwise month first, as US spreadsheets write."""
    day_first = month_first = False
    for cell in cells:
        match = _NUMERIC_DATE.match(str(cell).strip()) if isinstance(cell, str) else None
        if match and match.group(2) == "/":
            day_first |= int(match.group(1)) > 12
            month_first |= int(match.group(3)) > 12
    return day_first and not month_first


def _year(text: str) -> int:
    """``25`` -> 2025, ``99`` -> 1999 (two-digit years as spreadsheets expand them)."""
    year = int(text)
    if len(text) == 2:
        return 2000 + year if year < 70 else 1900 + year
    return year


def _iso(year: int, month: int, day: int | None) -> str | None:
    try:
        date = dt.date(year, month, day or 1)
    except ValueError:
        return None
    return date.isoformat() if day else date.isoformat()[:7]


def _serial(number: float) -> str | None:
    if int(number) not in EXCEL_SERIALS:
        return None
    return (EXCEL_EPOCH + dt.timedelta(days=int(number))).isoformat()


# -- comparing -------------------------------------------------------------------------------


def compare(
    rows: Iterable[Mapping[str, Any]],
    previous: Mapping[str, Mapping[str, Any]],
    lookup: StatusLookup | None = None,
) -> Iterator[dict[str, Any]]:
    """Each new row with a ``change`` cell, then the previous rows that left the results.

    ``new``: not in the previous shortlist; ``updated: ...``: its last update date moved
    (saying what changed where the previous row shows it: status, phase, nearest site);
    ``unchanged``; ``dropped: why``: in the previous shortlist only, with its previous values
    but for its status and last update, the registry's now when ``lookup`` (the current state
    of such trials) tells them, which also say why. The user's own columns
    (``previous.extra_columns``) are carried forward by NCT id. Streams: only the previous
    shortlist is held in memory.
    """
    extras = getattr(previous, "extra_columns", [])
    seen: set[str] = set()
    for row in rows:
        nct_id = row[ID_COLUMN]
        seen.add(nct_id)
        old = previous.get(nct_id)
        carried = {name: (old or {}).get(name, "") for name in extras}
        yield {CHANGE_COLUMN: change_of(row, old), **row, **carried}
    gone = [nct_id for nct_id in previous if nct_id not in seen]
    states = _current_states(lookup, gone) if gone else {}
    for nct_id in gone:
        if states is None:
            yield {**previous[nct_id], CHANGE_COLUMN: NOT_CHECKED_WHY}
            continue
        old, now = previous[nct_id], states.get(nct_id)
        if now is not None and now.unread:
            yield {**old, CHANGE_COLUMN: NOT_READ_WHY}
            continue
        why = dropped_why(old, now.status if now else None)
        yield {CHANGE_COLUMN: why, **old, **_current_cells(now)}


def change_of(row: Mapping[str, Any], old: Mapping[str, Any] | None) -> str:
    """``new``, ``unchanged`` or ``updated`` with what changed, for one trial's row."""
    if old is None:
        return NEW
    if (old.get("last_updated") or "") == (row.get("last_updated") or ""):
        return UNCHANGED
    before_date = str(old.get("last_updated") or "").strip()
    changes = [
        f"{what} {before} -> {after}"
        for what, before, after in (
            ("status", *_both(old, row, "status", _status)),
            ("phase", *_both(old, row, "phases", _phase)),
            ("nearest site", *_both(old, row, "nearest_site", None, _site)),
        )
        if before is not None and before != after
    ]
    if not changes and not before_date:
        # (A shortlist without its last_updated column called every trial updated.)
        return NOT_COMPARED
    if not changes:
        changes = [f"last updated {before_date} -> {row.get('last_updated')}"]
    return f"{UPDATED}: " + "; ".join(changes)


def dropped_why(old: Mapping[str, Any], status: str | None) -> str:
    """``dropped: no longer recruiting (status Recruiting -> Completed)`` when the trial stopped
    taking patients; ``dropped: no longer in the results`` when it is gone for another reason
    or none is known (``status``: its status now, ``None`` when unknown or not found)."""
    before = str(old.get("status") or "").strip().upper().replace(" ", "_")
    if status and before and status != before:
        moved = f"status {status_text(before)} -> {status_text(status)}"
        if before in RECRUITING_STATUSES and status not in RECRUITING_STATUSES:
            return f"{DROPPED}: no longer recruiting ({moved})"
        return f"{DROPPED}: no longer in the results ({moved})"
    return f"{DROPPED}: no longer in the results"


def _current_cells(now: RegistryState | None) -> dict[str, str]:
    """The cells of a dropped row that say the trial's state now: its status (a spreadsheet
    sorted on it must not show a closed trial recruiting) and, when known, its last update."""
    if now is None or not now.status:
        return {}
    cells = {"status": now.status, "status_text": status_text(now.status)}
    if now.last_updated:
        cells["last_updated"] = now.last_updated
    return cells


def _current_states(
    lookup: StatusLookup | None, ids: list[str]
) -> Mapping[str, RegistryState] | None:
    """The registry's state of the trials ``ids`` that left the results ({} when it could not
    be asked); None when it answered with none of them (their rows are kept as they were, to
    be compared again)."""
    if lookup is None:
        return {}
    try:
        return lookup(ids)
    except TrialfinderError as exc:
        log.warning(
            "could not ask why %s left the results: %s", counted(len(ids), "trial"), exc.message
        )
        # (An answer of none of them is not believed: nor is the search that lost them.)
        return None if isinstance(exc, NoneOfTheIds) else {}


def status_lookup(source: Source, unread: Callable[[], Iterable[str]] = tuple) -> StatusLookup:
    """A lookup of the registry's current status and last update of trials, by NCT id,
    through ``source``. A trial whose record could not be read, by the search (``unread``:
    asked once the search is done) or by the lookup, is ``unread``."""

    def lookup(ids: list[str]) -> dict[str, RegistryState]:
        criteria = SearchCriteria(
            ids=tuple(ids),
            settings=("any",),
            statuses=("any",),
            cancer_only=False,
            site_details=False,
        )
        unreadable = set(unread())  # (by the search: known before this lookup may fail)
        states: dict[str, RegistryState] = {}
        try:
            results = source.search(criteria)
            for trial in results:
                states[trial.nct_id] = RegistryState(trial.overall_status, trial.last_updated)
            unreadable.update(e.record_id for e in results.skipped)
            answered = [i for i in ids if i in states or i in unreadable]
            if any(not is_nct_id(record_id) for record_id in unreadable):
                answered = ids  # (a record whose id cannot be read may be any of them)
            check_ids_answered(len(ids), len(answered), len(set(states) - set(ids)))
        except TrialfinderError:
            if not unreadable:
                raise
            states = {}  # (what the search could not read is said so all the same)
        if any(not is_nct_id(record_id) for record_id in unreadable):
            # A record whose NCT id could not be read may be any of those not found.
            unreadable.update(nct_id for nct_id in ids if nct_id not in states)
        for nct_id in unreadable.intersection(ids):
            states[nct_id] = RegistryState("", unread=True)
        return states

    return lookup


def _both(
    old: Mapping[str, Any],
    row: Mapping[str, Any],
    column: str,
    describe: Callable[[str], str] | None = None,
    describe_row: Callable[[Mapping[str, Any]], str] | None = None,
) -> tuple[str | None, str | None]:
    """(before, after) texts of ``column``, or (None, None) when either row does not show it.

    A missing value means the other search did not ask for it (no --near, say), not a change.
    """
    before, after = str(old.get(column) or "").strip(), str(row.get(column) or "").strip()
    if not before or (not after and column == "nearest_site"):
        return None, None
    if describe_row:
        return describe_row(old), describe_row(row)
    return (describe(before), describe(after)) if describe else (before, after)


def _status(cell: str) -> str:
    return status_text(cell.strip().upper().replace(" ", "_"))


def _phase(cell: str) -> str:
    return phase_text(p.strip() for p in cell.split(LIST_SEPARATOR.strip()) if p.strip())


def _site(row: Mapping[str, Any]) -> str:
    place = place_text(row.get("nearest_city"), row.get("nearest_state"))
    return site_label(row.get("nearest_site"), place, "{facility} ({place})")
