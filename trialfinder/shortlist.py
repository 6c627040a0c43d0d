"""Shortlists: read NCT ids back from a file, and compare a search with a previous shortlist.

A shortlist is the CSV that ``search --format csv`` writes, or the workbook of ``--format xlsx``
(columns in :data:`trialfinder.output.CSV_COLUMNS`), perhaps saved again by a spreadsheet: dates
re-spelt (``5/18/2025``, a serial number), columns of the user's own added (notes, "called
on"). Week to week, a navigator runs the same search again with ``--compare`` and sees what is
new, what changed and what left the results, with the own columns carried forward.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trialfinder.errors import InvalidInput, TrialfinderError
from trialfinder.model import normalize_nct_id
from trialfinder.output import (
    BOM,
    CSV_COLUMNS,
    CSV_DATE_COLUMNS,
    CSV_NUMERIC_COLUMNS,
    CSV_PHONE_COLUMNS,
    LIST_SEPARATOR,
    TEXT_MARK,
    csv_value,
    formula_like,
    phase_text,
    status_text,
)

log = logging.getLogger(__name__)

CHANGE_COLUMN = "change"
NEW, UPDATED, UNCHANGED, DROPPED = "new", "updated", "unchanged", "dropped"
ID_COLUMN = "nct_id"
COMMENT = "#"
SHORTLIST_HINT = "give a shortlist written by `trialfinder search -o FILE.csv` (or .xlsx)"
# Statuses of a trial that takes patients; a trial that leaves them is "no longer recruiting".
RECRUITING_STATUSES = frozenset(
    {"RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION", "AVAILABLE"}
)
ZIP_MAGIC = b"PK\x03\x04"  # an .xlsx workbook is a zip archive
# Day 0 of Excel's serial dates (1900 system, after its 29 February 1900 that never was).
EXCEL_EPOCH = dt.date(1899, 12, 30)
# Serial numbers of 1 January 1990 and 31 December 2099: a wider number is no trial's date.
EXCEL_SERIALS = range(32874, 73051)

if TYPE_CHECKING:
    from trialfinder.sources.base import Source

StatusLookup = Callable[[list[str]], Mapping[str, str]]


class Shortlist(dict[str, dict[str, Any]]):
    """NCT id -> row (column -> value), in file order; ``extra_columns``: the columns the
    user added, in the file's order and spelling, carried forward by :func:`compare`.

    Cells of trialfinder's columns are text as trialfinder writes it (dates ``YYYY-MM-DD``);
    cells of the user's columns are kept as read (a workbook's dates and numbers typed).
    """

    def __init__(
        self, rows: Iterable[tuple[str, dict[str, Any]]] = (), extra_columns: Iterable[str] = ()
    ) -> None:
        super().__init__(rows)
        self.extra_columns: list[str] = list(extra_columns)


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
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith(COMMENT):
            _allow_cells_of(line)
            try:
                header = next(csv.reader([line]), [])
            except csv.Error:
                return False
            return ID_COLUMN in (cell.strip().lower() for cell in header)
    return False


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

    def columns(self) -> dict[str, int]:
        """Header name (lower case, stripped) -> its first position."""
        found: dict[str, int] = {}
        for index, name in enumerate(self.header):
            found.setdefault(_column_name(name), index)
        return found


def _column_name(name: Any) -> str:
    return str(name if name is not None else "").strip().lower()


def _open_table(path: Path) -> _Table | tuple[str, Iterator[tuple[int, str]]]:
    """A shortlist in ``path`` (CSV or workbook) as a table; or, when it has no header naming
    nct_id, how to name its lines and the ids it lists, one per line (or down the first
    column of a workbook)."""
    data = _read_bytes(path)
    if data.startswith(ZIP_MAGIC):
        from trialfinder.workbook import read_sheet

        sheet = read_sheet(data, path, ID_COLUMN)
        where = f"{path}, {sheet.name}, row"
        if sheet.header is None:
            firsts = ((number, cells[0] if cells else None) for number, cells in sheet.rows)
            return where, ((n, str(cell)) for n, cell in firsts if cell not in (None, ""))
        return _Table(list(sheet.header), sheet.rows, where)
    text = _decode(data, path)
    if not is_shortlist(text):
        return f"{path}, line", _listed_ids(text)
    return _csv_table(text, path)


def _csv_table(text: str, path: Path) -> _Table:
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
    reader = csv.reader(lines)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for cells in reader:
                yield reader.line_num + skipped, cells
        except csv.Error as exc:
            raise InvalidInput(
                f"{path}, line {reader.line_num + skipped}: not readable as CSV: {exc}",
                hint=SHORTLIST_HINT,
            ) from None

    cells = rows()
    header = next(cells, (0, []))[1]
    return _Table(header, cells, f"{path}, line")


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
    extras = _extra_columns(table.header)
    raw_rows: dict[str, tuple[dict[str, Any], list[Any]]] = {}
    for number, known, cells in _table_rows(table):
        raw = str(known.get(ID_COLUMN) or "").strip()
        if not raw:
            continue
        try:
            nct_id = normalize_nct_id(raw)
        except InvalidInput:
            raise InvalidInput(
                f"{table.where} {number}: {raw!r} is not an NCT id", hint=SHORTLIST_HINT
            ) from None
        raw_rows[nct_id] = (known, cells)
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
    shortlist = Shortlist(extra_columns=[name for name, _ in extras])
    for nct_id, (known, cells) in raw_rows.items():
        row = {column: cell_text(column, known.get(column), day_first) for column in CSV_COLUMNS}
        row[ID_COLUMN] = nct_id
        for name, index in extras:
            row[name] = cells[index] if index < len(cells) and cells[index] is not None else ""
        shortlist[nct_id] = row
    return shortlist


def _extra_columns(header: list[Any]) -> list[tuple[str, int]]:
    """The user's own columns: (name as written, position), named uniquely."""
    ours = {*CSV_COLUMNS, CHANGE_COLUMN}
    extras: list[tuple[str, int]] = []
    taken = set(ours)
    for index, cell in enumerate(header):
        name = str(cell if cell is not None else "").strip()
        if _column_name(name) in ours:
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
        return text.strip().removeprefix(TEXT_MARK)
    if column in CSV_NUMERIC_COLUMNS:
        try:
            return csv_value(float(text))
        except ValueError:
            return text
    return text


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
    (``lookup`` gives the current status of such trials, to say why). The user's own columns
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
    statuses = _current_statuses(lookup, gone) if gone else {}
    for nct_id in gone:
        old = previous[nct_id]
        yield {CHANGE_COLUMN: dropped_why(old, statuses.get(nct_id)), **old}


def change_of(row: Mapping[str, Any], old: Mapping[str, Any] | None) -> str:
    """``new``, ``unchanged`` or ``updated`` with what changed, for one trial's row."""
    if old is None:
        return NEW
    if (old.get("last_updated") or "") == (row.get("last_updated") or ""):
        return UNCHANGED
    changes = [
        f"{what} {before} -> {after}"
        for what, before, after in (
            ("status", *_both(old, row, "status", _status)),
            ("phase", *_both(old, row, "phases", _phase)),
            ("nearest site", *_both(old, row, "nearest_site", None, _site)),
        )
        if before is not None and before != after
    ]
    if not changes:
        changes = [f"last updated {old.get('last_updated') or '?'} -> {row.get('last_updated')}"]
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


def _current_statuses(lookup: StatusLookup | None, ids: list[str]) -> Mapping[str, str]:
    if lookup is None:
        return {}
    try:
        return lookup(ids)
    except TrialfinderError as exc:
        from trialfinder.templating import counted

        log.warning(
            "could not ask why %s left the results: %s", counted(len(ids), "trial"), exc.message
        )
        return {}


def status_lookup(source: Source) -> StatusLookup:
    """A lookup of the registry's current status of trials, by NCT id, through ``source``."""
    from trialfinder.criteria import SearchCriteria

    def lookup(ids: list[str]) -> dict[str, str]:
        criteria = SearchCriteria(
            ids=tuple(ids),
            settings=("any",),
            statuses=("any",),
            cancer_only=False,
            site_details=False,
        )
        return {trial.nct_id: trial.overall_status for trial in source.search(criteria)}

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
    place = ", ".join(p for p in (row.get("nearest_city"), row.get("nearest_state")) if p)
    facility = row.get("nearest_site") or ""
    return f"{facility} ({place})" if place else facility
