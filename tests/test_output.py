"""trialfinder.output: the renderers by format name, what each format needs, JSON and NDJSON
written as the records arrive, and `show`'s text."""

from __future__ import annotations

import io
import json

import pytest

from trialfinder.errors import PartialResults
from trialfinder.geo import Place
from trialfinder.model import parse_study
from trialfinder.output import (
    NEEDS,
    RENDERERS,
    render,
    trial_text,
    write_json,
    write_ndjson,
    write_plain_table,
)
from trialfinder.pipeline import build_result, to_record
from trialfinder.vocabulary import FORMATS

from factories import BOSTON_SITE, drug, make_study


def records(count: int = 2) -> list[dict]:
    return [
        to_record(build_result(parse_study(make_study(nct_id=f"NCT0100000{n + 1}"))))
        for n in range(count)
    ]


def test_every_format_has_a_renderer_and_says_what_it_needs():
    assert set(RENDERERS) == set(NEEDS) == set(FORMATS)
    assert NEEDS["table"].site_details and not NEEDS["table"].summary
    for fmt in ("json", "ndjson", "csv", "xlsx"):
        assert NEEDS[fmt].summary and not NEEDS[fmt].site_details


def test_json_is_one_array_and_ndjson_one_object_a_line():
    written = records()
    out = io.StringIO()
    assert write_json(written, out) == 2
    assert json.loads(out.getvalue()) == written
    out = io.StringIO()
    assert write_ndjson(written, out) == 2
    assert [json.loads(line) for line in out.getvalue().splitlines()] == written
    empty = io.StringIO()
    assert write_json([], empty) == 0 and json.loads(empty.getvalue()) == []


def test_json_that_stops_part_way_is_still_an_array_of_what_was_written():
    first = records(1)[0]

    def failing():
        yield first
        raise PartialResults("results are incomplete", fetched=1, total=5)

    out = io.StringIO()
    with pytest.raises(PartialResults):
        write_json(failing(), out)
    assert json.loads(out.getvalue()) == [first]


def test_render_picks_the_renderer_and_passes_the_table_and_csv_options():
    written = records()
    plain = io.StringIO()
    assert render("table", written, plain, show_fit=True) == 2  # not a terminal: plain lines
    header, *lines = plain.getvalue().splitlines()
    assert header.split("\t")[-1] == "Fit" and len(lines) == 2
    csv_text = io.StringIO()
    assert render("csv", written, csv_text, show_fit=True, bom=True) == 2
    assert csv_text.getvalue().startswith("\ufeff")
    assert '"fit_reason"' in csv_text.getvalue().splitlines()[0]


def test_the_plain_table_puts_each_trial_on_one_line():
    record = {**records(1)[0], "title": "Two\nlines\tand a tab"}
    out = io.StringIO()
    write_plain_table([record], out)
    assert out.getvalue().splitlines()[1].split("\t")[1] == "Two lines and a tab"


def test_the_plain_table_writes_its_header_once_with_the_first_trial_or_at_the_end():
    out = io.StringIO()
    assert write_plain_table(records(2), out) == 2
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("NCT id\t") and len(lines) == 3
    empty = io.StringIO()
    assert write_plain_table([], empty) == 0
    assert empty.getvalue().startswith("NCT id\t")


def test_a_plain_table_whose_search_fails_before_any_trial_writes_nothing():
    def failing():
        raise OSError("could not reach the registry")
        yield  # a generator, as a search is

    out = io.StringIO()
    with pytest.raises(OSError):
        write_plain_table(failing(), out)
    assert out.getvalue() == ""


def test_show_text_leads_with_the_summary_and_lists_the_nearest_sites_first():
    result = build_result(parse_study(make_study()))
    text = trial_text(result.trial, summary=result.summary, near=Place("02115", 42.34, -71.09))
    assert text.startswith(f"In plain words\n  {result.summary.splitlines()[0]}\n")
    assert "Sites: 1 in 1 country, 1 recruiting, nearest first from 02115, closed ones last" in text
    assert "  - 2.0 mi: Dana-Farber Cancer Institute, Boston," in text
    assert "nearest first" not in trial_text(result.trial, summary=result.summary)


def test_show_lists_the_sites_that_take_patients_first_and_counts_those_recruiting():
    # NCT02227251 lists 160 completed sites before its 13 recruiting ones.
    closed = [{**BOSTON_SITE, "facility": f"Closed {n}", "status": "COMPLETED"} for n in range(25)]
    open_sites = [{**BOSTON_SITE, "facility": f"Open {n}"} for n in range(2)]
    locations = [*closed, {**BOSTON_SITE, "facility": "No status", "status": ""}, *open_sites]
    text = trial_text(parse_study(make_study(locations=locations)))
    sites = text.split("\nSites: ", 1)[1].splitlines()
    assert sites[0] == "28 in 1 country, 2 recruiting"
    assert [line.split(",")[0] for line in sites[1:5]] == [
        "  - Open 0",
        "  - Open 1",
        "  - No status",
        "  - Closed 0",
    ]
    assert "... and 8 more" in text
    unknown = trial_text(parse_study(make_study(locations=[{**BOSTON_SITE, "status": ""}])))
    assert "Sites: 1 in 1 country\n" in unknown


def test_show_says_an_intervention_is_also_called_only_by_its_other_names():
    # NCT06370169 said "Coil and glue (also called Ultrasound)".
    coil = drug("Coil and glue", kind="DEVICE", other_names=["Ultrasound", "EUS-CG"])
    text = trial_text(parse_study(make_study(interventions=[coil])))
    assert "- Device: Coil and glue (also called EUS-CG)\n" in text


def test_show_gives_the_criteria_and_the_sites_as_people_read_them():
    # NCT02227251 and NCT06760702 showed "greater than (\>) 3 months", "\&lt; 6 months".
    criteria = (
        "Inclusion Criteria:\n\n* Life expectancy of greater than (\\>) 3 months\n\n"
        "Exclusion Criteria:\n\n* Red blood cell \\[RBC\\] transfusion \\&lt; 6 months\n"
        "* Any condition that, in the Investigator\\&#39;s opinion, ..."
    )
    site = {**BOSTON_SITE, "facility": "S.P. Medical College &amp; AG of Hospitals"}
    text = trial_text(parse_study(make_study(criteria=criteria, locations=[site])))
    assert "greater than (>) 3 months" in text
    assert "cell [RBC] transfusion < 6 months" in text
    assert "Investigator's opinion" in text
    assert "  - S.P. Medical College & AG of Hospitals, Boston," in text
    assert "\\" not in text and "&amp;" not in text
