"""Excel workbooks: a shortlist as a real ``.xlsx`` (read back by :mod:`trialfinder.shortlist`).

The workbook holds the columns of the CSV shortlist (:data:`trialfinder.shortlist.CSV_COLUMNS`),
typed: dates are dates, numbers are numbers, and everything else, NCT ids and phone numbers
included, is a text cell, so that nothing is read as a formula or loses a leading zero or ``+``.
The header is frozen and filtered, long texts wrap, each NCT id links to its page, and a second
sheet explains the columns. Written with openpyxl in write-only mode: rows go to a temporary
file as they arrive, and the workbook is put together at the end.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import IO, Any

from trialfinder.errors import InvalidInput
from trialfinder.inert import inert
from trialfinder.knowledge import load_toml
from trialfinder.model import STUDY_URL, normalize_nct_id
from trialfinder.records import Counted
from trialfinder.shortlist import (
    CHANGE_COLUMN,
    CSV_COLUMNS,
    CSV_DATE_COLUMNS,
    CSV_NUMERIC_COLUMNS,
    FIT_COLUMNS,
    compare,
    csv_value,
    fit_values,
    formula_like,
    row_values,
)

SHEET = "Trials"
ABOUT_SHEET = "About the columns"
MAX_CELL = 32_767  # Excel's limit on the characters of a cell
CUT = " … [cut at the 32,767 characters a spreadsheet cell holds]"
# Column widths in characters; a column not listed gets DEFAULT_WIDTH.
WIDTHS = {
    "change": 30,
    "nct_id": 13,
    "title": 50,
    "status": 14,
    "status_text": 16,
    "phases": 11,
    "phase_text": 11,
    "conditions": 30,
    "categories": 22,
    "setting": 14,
    "interventions": 30,
    "nearest_site": 30,
    "nearest_contact_name": 22,
    "nearest_contact_phone": 18,
    "nearest_contact_email": 26,
    "distance_mi": 9,
    "sites_count": 8,
    "min_age": 8,
    "max_age": 8,
    "sex": 8,
    "sex_text": 8,
    "central_contact_name": 22,
    "central_contact_phone": 18,
    "central_contact_email": 26,
    "first_posted": 12,
    "last_updated": 12,
    "url": 40,
    "summary": 80,
    "evidence": 60,
    "fit": 10,
    "fit_reason": 60,
    "failed_criteria": 60,
    "unknown_criteria": 60,
}
DEFAULT_WIDTH = 16
# Long texts wrap within their column (rows grow); others stay on one line.
WRAPPED = frozenset(
    {"title", "conditions", "interventions", "summary", "evidence", "change", "fit_reason"}
    | {"failed_criteria", "unknown_criteria"}
)
DATE_FORMAT = "yyyy-mm-dd"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# XML 1.0 cannot carry these, nor can a workbook: inert() removes the controls, this the rest.
_NOT_XML = re.compile("[\ufffe\uffff\ud800-\udfff]")


def write_xlsx(
    records: Iterable[Mapping[str, Any]],
    out: IO[bytes],
    *,
    previous: Mapping[str, Mapping[str, Any]] | None = None,
    lookup: Any = None,
    fit: bool = False,
) -> int:
    """A workbook of ``records`` (and, with ``previous``, a first ``change`` column, the
    dropped trials and the user's own columns, as :func:`trialfinder.shortlist.write_csv` does;
    ``fit``, a search with a profile, adds the prescreen's :data:`FIT_COLUMNS` after the
    others), written to ``out`` once the records have all arrived. A search that fails
    part-way still leaves a workbook of what arrived (kept as FILE.partial). Returns the
    number of records.
    """
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET)
    base = (*CSV_COLUMNS, *(FIT_COLUMNS if fit else ()))
    extras = [
        c
        for c in (getattr(previous, "extra_columns", ()) if previous is not None else ())
        if c not in base
    ]
    columns = (*((CHANGE_COLUMN,) if previous is not None else ()), *base, *extras)
    styles = _Styles()
    _lay_out(sheet, columns)
    sheet.append([styles.header(sheet, name) for name in columns])
    counter = Counted(records)
    rows: Iterable[Mapping[str, Any]] = (_texts(record, fit) for record in counter)
    if previous is not None:
        rows = compare(rows, previous, lookup)
    count = 0

    def finish() -> None:
        sheet.auto_filter.ref = f"A1:{_letter(len(columns))}{count + 1}"
        _about_sheet(workbook, columns, extras, styles)
        workbook.save(out)

    try:
        for row in rows:
            sheet.append([styles.cell(sheet, column, row.get(column)) for column in columns])
            count += 1
    except BaseException:
        # What arrived is still a workbook: a failed search leaves it as FILE.partial.
        with contextlib.suppress(Exception):
            finish()
        raise
    finish()
    return counter.count


def _texts(record: Mapping[str, Any], fit: bool = False) -> dict[str, Any]:
    """The shortlist row of one record as text (as the CSV has it, not neutralised: a workbook's
    text cells are never formulas), for comparing and writing alike; with ``fit``, the
    prescreen's columns too."""
    values = {**row_values(record), **(fit_values(record) if fit else {})}
    return {column: csv_value(value, safe=False) for column, value in values.items()}


def _lay_out(sheet: Any, columns: tuple[str, ...]) -> None:
    for index, name in enumerate(columns, start=1):
        sheet.column_dimensions[_letter(index)].width = WIDTHS.get(name, DEFAULT_WIDTH)
    # The header row and the columns up to the NCT id stay in view.
    sheet.freeze_panes = f"{_letter(columns.index('nct_id') + 2)}2"


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


class _Styles:
    """The few cell styles of a workbook, each made once and given to every cell that has it
    (registering a style for each cell would take most of the time of a large export)."""

    def __init__(self) -> None:
        from openpyxl.styles import Alignment, Font, PatternFill

        self.bold = Font(bold=True)
        self.link = Font(color="0563C1", underline="single")
        self.fill = PatternFill("solid", fgColor="DDEBF7")
        self.wrap = Alignment(wrap_text=True, vertical="top")
        self.top = Alignment(vertical="top")
        self._made: dict[tuple[Any, ...], Any] = {}

    def _style(self, sheet: Any, *key: Any) -> Any:
        """The style (an openpyxl style array) of ``key``: (header, wrap, link, number format,
        quote prefix), made on first use from a cell given those attributes."""
        if key not in self._made:
            from openpyxl.cell import WriteOnlyCell

            header, wrap, link, number_format, quote = key
            model = WriteOnlyCell(sheet)
            model.alignment = self.wrap if wrap else self.top
            if header:
                model.font, model.fill = self.bold, self.fill
            elif link:
                model.font = self.link
            if number_format:
                model.number_format = number_format
            if quote:
                model.quotePrefix = True  # Excel keeps it text even when the cell is edited
            self._made[key] = model._style  # type: ignore[attr-defined]  # openpyxl's own
        return self._made[key]

    def header(self, sheet: Any, name: str) -> Any:
        return self.text(sheet, name, header=True)

    def text(self, sheet: Any, text: str, header: bool = False, wrap: bool = False) -> Any:
        """A text cell: never a formula, whatever ``text`` starts with."""
        return self._cell(sheet, sheet_text(text), wrap=wrap, header=header)

    def cell(self, sheet: Any, column: str, value: Any) -> Any:
        """The cell of ``column``: typed (see the module's docstring) and styled."""
        value = _typed(column, value)
        if value is None:
            return None
        if isinstance(value, str):
            value = sheet_text(value)
        number_format = None
        if isinstance(value, dt.datetime) and value.time() != dt.time():
            number_format = DATE_FORMAT + " hh:mm"
        elif isinstance(value, dt.date):
            number_format = DATE_FORMAT
        elif column == "distance_mi":
            number_format = "0.0"
        link = _study_url(value) if column == "nct_id" and isinstance(value, str) else None
        return self._cell(sheet, value, column in WRAPPED, link, number_format)

    def _cell(
        self,
        sheet: Any,
        value: Any,
        wrap: bool = False,
        link: str | None = None,
        number_format: str | None = None,
        header: bool = False,
    ) -> Any:
        from openpyxl.cell.cell import Cell

        text = isinstance(value, str)
        quote = text and formula_like(value)
        style = self._style(sheet, header, wrap, bool(link), number_format, quote)
        cell = Cell(sheet, row=1, column=1, value=value, style_array=style)
        if text:
            cell.data_type = "s"  # even "=...": text is never a formula
        if link:
            cell.hyperlink = link
        return cell


def _typed(column: str, value: Any) -> Any:
    """``value`` as the cell of ``column`` holds it: a date, a number, text, or ``None``."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        return value  # a user's column read from a workbook: typed already
    if column in CSV_DATE_COLUMNS and _ISO_DATE.match(value):
        with contextlib.suppress(ValueError):
            return dt.date.fromisoformat(value)
    if column in CSV_NUMERIC_COLUMNS:
        with contextlib.suppress(ValueError):
            number = float(value)
            return int(number) if number.is_integer() else number
    return value


def _study_url(nct_id: str) -> str | None:
    """The trial's page, made from its NCT id (never from a link found in a file)."""
    try:
        return STUDY_URL.format(nct_id=normalize_nct_id(nct_id))
    except InvalidInput:
        return None


def sheet_text(text: str) -> str:
    """``text`` as a workbook can hold it and a person can read it: no controls (:func:`inert`),
    nothing XML cannot carry, and at most :data:`MAX_CELL` characters (saying it was cut)."""
    text = _NOT_XML.sub("\ufffd", inert(text))
    if len(text) > MAX_CELL:
        text = text[: MAX_CELL - len(CUT)] + CUT
    return text


def _about_sheet(
    workbook: Any, columns: tuple[str, ...], extras: list[str], styles: _Styles
) -> None:
    about = load_toml("columns.toml")
    sheet = workbook.create_sheet(ABOUT_SHEET)
    for letter, width in zip("ABC", (26, 90, 50), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    sheet.append([styles.header(sheet, name) for name in ("Column", "Meaning", "Example")])
    for name in columns:
        if name in extras:
            meaning, example = "a column you added, carried forward by NCT id", ""
        else:
            meaning, example = about[name]["meaning"], about[name]["example"]
        sheet.append(
            [
                styles.text(sheet, name),
                styles.text(sheet, meaning, wrap=True),
                styles.text(sheet, example, wrap=True),
            ]
        )
    note = (
        "Text cells are text: nothing in them is run as a formula. Dates are dates and numbers "
        "are numbers; NCT ids link to each trial's page on ClinicalTrials.gov."
    )
    sheet.append([])
    sheet.append([None, styles.text(sheet, note, wrap=True)])
