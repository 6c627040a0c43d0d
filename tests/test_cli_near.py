"""`search --near/--within/--sort` and `show --near`, end to end against the fake API."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner
from spec_check import check_request, spec_available

from trialfinder.cli import cli
from trialfinder.errors import ExitCode

from conftest import load_real_record, needs_shared
from factories import make_study

BOSTON_ZIP_FILTER = "distance(42.3427,-71.0922,200mi)"
SPEC_GEO_PATTERN = re.compile(r"^distance\(-?\d+(\.\d+)?,-?\d+(\.\d+)?,\d+(\.\d+)?(km|mi)?\)$")


def _location(facility, status, lat, lon, city, state):
    return {
        "facility": facility,
        "status": status,
        "city": city,
        "state": state,
        "zip": "00000",
        "country": "United States",
        "geoPoint": {"lat": lat, "lon": lon},
    }


DANA_FARBER = _location(
    "Dana-Farber Cancer Institute", "RECRUITING", 42.35843, -71.05977, "Boston", "Massachusetts"
)
MSK = _location(
    "Memorial Sloan Kettering", "RECRUITING", 40.71427, -74.00597, "New York", "New York"
)
UCSF = _location(
    "UCSF Helen Diller", "RECRUITING", 37.77493, -122.41942, "San Francisco", "California"
)
PROVIDENCE_CLOSED = _location(
    "Lifespan", "COMPLETED", 41.82399, -71.41283, "Providence", "Rhode Island"
)


@pytest.fixture
def studies():
    """Four trials, served in an order that is not the order of distance from Boston."""
    return [
        make_study(nct_id="NCT01000003", title="San Francisco trial", locations=[UCSF]),
        make_study(
            nct_id="NCT01000009",
            title="Unlocated trial",
            locations=[
                {"facility": "Somewhere", "status": "RECRUITING", "country": "United States"}
            ],
        ),
        make_study(nct_id="NCT01000002", title="New York trial", locations=[MSK, UCSF]),
        make_study(
            nct_id="NCT01000001", title="Boston trial", locations=[PROVIDENCE_CLOSED, DANA_FARBER]
        ),
    ]


def run(*args):
    return CliRunner().invoke(cli, list(args), env={"COLUMNS": "200"})


def test_search_near_sends_filter_geo_and_sorts_by_distance(fake_api, studies):
    fake_api.studies = studies
    result = run("search", "--near", "02115", "--within", "200mi", "--format", "json")
    assert result.exit_code == 0, result.output
    (request,) = fake_api.studies_requests()
    assert request.params["filter.geo"] == BOSTON_ZIP_FILTER
    assert SPEC_GEO_PATTERN.match(request.params["filter.geo"])
    assert "sort" not in request.params  # distance is sorted here, not by the registry
    if spec_available():
        check_request(f"{fake_api.url}/studies?{urlencode(request.params)}")
    records = json.loads(result.stdout)
    # The fake registry sends every trial: those with no site within 200 miles are left out.
    assert [r["nct_id"] for r in records] == ["NCT01000001", "NCT01000002"]
    # Worked out by hand (spherical law of cosines, R = 3958.8 mi) from 42.3427, -71.0922.
    assert [r["distance_mi"] for r in records] == [2.0, 188.1]
    assert records[0]["nearest_site"]["facility"] == "Dana-Farber Cancer Institute"
    assert records[0]["nearest_site"]["status"] == "RECRUITING"
    assert set(records[0]["nearest_site"]) == {
        "facility",
        "city",
        "state",
        "zip",
        "country",
        "status",
        "contact",  # whom to call there: None when the site names nobody to reach
    }
    assert records[0]["nearest_site"]["contact"] is None
    assert "within 200 miles of 02115 (Boston, MA)" in result.stderr
    assert "2 of 4 fetched trials were left out: no site of theirs within 200 miles" in (
        " ".join(result.stderr.split())
    )


@needs_shared
def test_search_near_leaves_out_a_trial_whose_sites_in_range_are_closed(fake_api):
    # NCT02227251 recruits in Poland; its Boston sites (Dana Farber, Tufts, Lahey, UMass) are
    # completed. NCT05786924 recruits at Dana-Farber.
    fake_api.studies = [load_real_record("NCT02227251"), load_real_record("NCT05786924")]
    result = run("search", "--near", "02115", "--setting", "any", "--format", "json")
    assert result.exit_code == 0, result.output
    assert [r["nct_id"] for r in json.loads(result.stdout)] == ["NCT05786924"]
    said = " ".join(result.stderr.split())
    assert "1 of 2 fetched trials was left out: no site of it within 100 miles may enrol" in said


def test_distance_sort_fetches_everything_before_the_limit(fake_api, studies):
    fake_api.studies = studies
    result = run("search", "--near", "Boston, MA", "--limit", "1", "--format", "ndjson")
    assert result.exit_code == 0, result.output
    (request,) = fake_api.studies_requests()
    assert request.params["pageSize"] == "1000"  # not 1: all matches, then the nearest one
    assert request.params["filter.geo"].endswith(",100mi)")  # the default distance
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0])["nct_id"] == "NCT01000001"  # the last one the server sent
    assert "4 trials matched" in result.stderr and "1 shown" in result.stderr


def test_sort_relevance_keeps_the_registry_order(fake_api, studies):
    fake_api.studies = studies
    result = run(
        "search",
        *("--near", "02115", "--within", "200mi", "--sort", "relevance", "--limit", "2"),
        *("--format", "json"),
    )
    assert result.exit_code == 0, result.output
    (request,) = fake_api.studies_requests()
    assert request.params["sort"] == "@relevance"
    # the default settings are confirmed with the tags: more than the limit is fetched
    assert int(request.params["pageSize"]) > 2
    if spec_available():
        check_request(f"{fake_api.url}/studies?{urlencode(request.params)}")
    records = json.loads(result.stdout)
    # The registry's order of the trials with a site within 200 miles (San Francisco and the
    # unlocated trial, sent first, have none).
    assert [r["nct_id"] for r in records] == ["NCT01000002", "NCT01000001"]
    assert records[0]["distance_mi"] == 188.1  # the distance is still worked out


def test_without_near_the_keys_are_null(fake_api, studies):
    fake_api.studies = studies
    result = run("search", "--format", "ndjson")
    assert result.exit_code == 0, result.output
    assert "filter.geo" not in fake_api.studies_requests()[0].params
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 4
    assert all(r["nearest_site"] is None and r["distance_mi"] is None for r in records)


def test_table_shows_nearest_site_and_distance(fake_api, studies):
    fake_api.studies = studies
    result = run("search", "--near", "02115", "--within", "320km")
    assert result.exit_code == 0, result.output
    assert fake_api.studies_requests()[0].params["filter.geo"] == (
        "distance(42.3427,-71.0922,198.84mi)"
    )
    # Piped, the table is tab-separated: a header line, then one line per trial.
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    headers, rows = lines[0], lines[1:]
    site, distance = headers.index("Nearest site"), headers.index("Distance (mi)")
    boston = rows[0]
    assert boston[0] == "NCT01000001"
    assert boston[site] == "Dana-Farber Cancer Institute, Boston, Massachusetts (recruiting)"
    assert boston[distance] == "2" and "188.1" in [row[distance] for row in rows]
    titles = [row[1] for row in rows]
    assert titles == ["Boston trial", "New York trial"]
    plain = run("search").stdout
    assert "Nearest site" not in plain and "Distance" not in plain


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--within", "50mi"], "--within needs --near"),
        (["--sort", "distance"], "--sort distance needs --near"),
        (["--near", "Springfield"], "'Springfield' is a city in 24 states"),
        (["--near", "Atlantis"], "'Atlantis' is not a place trialfinder knows"),
        (["--near", "02115", "--within", "600mi"], "distance 600mi is too far"),
        (["--near", "02115", "--within", "0.2"], "distance 0.2 is too small"),
        (["--near", "91,0"], "latitude 91 is out of range"),
    ],
)
def test_bad_places_and_distances_are_usage_errors(args, message):
    # No server: a request would fail with a network error (exit 3), not a usage error.
    result = run("search", *args)
    assert result.exit_code == ExitCode.USAGE
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_help_says_distance_sorting_fetches_all():
    result = run("search", "--help")
    assert "--near" in result.stdout and "--within" in result.stdout
    assert "fetches every trial within the distance" in " ".join(result.stdout.split())


def test_show_near_lists_sites_by_distance(fake_api):
    fake_api.studies = [
        make_study(nct_id="NCT01000001", locations=[UCSF, PROVIDENCE_CLOSED, MSK, DANA_FARBER])
    ]
    result = run("show", "NCT01000001", "--near", "Boston, MA")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "nearest first from Boston, MA, closed ones last" in text
    assert "Nearest open site: Dana-Farber Cancer Institute" in text
    # the closed site in Providence, nearer than New York, after the open ones
    order = [text.index(name) for name in ("- ", "Memorial Sloan", "UCSF", "Lifespan")]
    assert order == sorted(order)
    assert re.search(r"- [\d.]+ mi: Lifespan, Providence, Rhode Island, .* \(completed\)", text)


def test_show_near_json(fake_api):
    unlocated = {"facility": "Unlocated", "status": "RECRUITING", "city": "Nowhere"}
    fake_api.studies = [
        make_study(nct_id="NCT01000001", locations=[unlocated, UCSF, MSK, DANA_FARBER])
    ]
    result = run("show", "NCT01000001", "--near", "02115", "--format", "json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["near"] == {"name": "02115 (Boston, MA)", "lat": 42.3427, "lon": -71.0922}
    assert record["nearest_site"]["facility"] == "Dana-Farber Cancer Institute"
    assert record["distance_mi"] == 2.0
    assert [(s["facility"], s["distance_mi"]) for s in record["sites"]] == [
        ("Dana-Farber Cancer Institute", 2.0),
        ("Memorial Sloan Kettering", 188.1),
        ("UCSF Helen Diller", 2691.4),
        ("Unlocated", None),
    ]
    assert record["sites_without_coordinates"] == 1


def test_show_without_near_has_null_keys(fake_api):
    fake_api.studies = [make_study(nct_id="NCT01000001")]
    result = run("show", "NCT01000001", "--format", "json")
    record = json.loads(result.stdout)
    assert record["nearest_site"] is None and record["distance_mi"] is None
    assert "near" not in record and "distance_mi" not in record["sites"][0]


def test_show_near_says_when_no_site_is_open(fake_api):
    fake_api.studies = [make_study(nct_id="NCT01000001", locations=[PROVIDENCE_CLOSED])]
    result = run("show", "NCT01000001", "--near", "02115")
    assert result.exit_code == 0, result.output
    said = " ".join(result.stdout.split())  # (wrapped to the width)
    assert "Nearest site: Lifespan, Providence" in said
    assert "(no site is recruiting; this one is completed)" in said


def test_show_near_names_a_nearest_site_without_a_status(fake_api):
    no_status = {**PROVIDENCE_CLOSED, "facility": "Rhode Island Hospital", "status": ""}
    fake_api.studies = [make_study(nct_id="NCT01000001", locations=[MSK, no_status])]
    result = run("show", "NCT01000001", "--near", "02115")
    assert result.exit_code == 0, result.output
    said = " ".join(result.stdout.split())
    # A site that gives no status may enrol: it is nearer than the recruiting one in New York.
    assert "Nearest site: Rhode Island Hospital, Providence" in said
    assert "(this site gives no status)" in said and "no site is recruiting" not in said
