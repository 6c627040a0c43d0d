"""Location: geocoding, distances typed by the user, filter.geo, and the nearest open site."""

from __future__ import annotations

import math
import random
import re
from itertools import product
from urllib.parse import urlencode

import pytest
from spec_check import check_request, needs_spec

from trialfinder.criteria import SearchCriteria
from trialfinder.errors import ExitCode, InvalidInput, PartialResults
from trialfinder.geo import (
    Place,
    decimal_text,
    geo_filter,
    geocode,
    haversine_mi,
    is_near,
    nearest_site,
    parse_distance,
    sites_by_distance,
)
from trialfinder.knowledge import load_toml
from trialfinder.model import CLOSED_STATUSES, parse_study
from trialfinder.pipeline import ResultOptions, build_result, by_distance, sort_results, to_record
from trialfinder.request import SearchRequest
from trialfinder.search import fetch_criteria
from trialfinder.settings import Settings
from trialfinder.sources.ctgov import ClinicalTrialsGov

from conftest import SHARED, load_real_record, needs_shared
from factories import make_study

# The pattern of filter.geo in the spec (ctg-oas-v2.yaml, paths./studies.get); read from the
# spec itself where it is present (test_spec_pattern_is_the_one_used_here checks they agree).
GEO_PATTERN = r"^distance\(-?\d+(\.\d+)?,-?\d+(\.\d+)?,\d+(\.\d+)?(km|mi)?\)$"


def _spec_parameter(name: str) -> dict:
    yaml = pytest.importorskip("yaml")
    spec = yaml.safe_load((SHARED / "ctg-oas-v2.yaml").read_text(encoding="utf-8"))
    for parameter in spec["paths"]["/studies"]["get"]["parameters"]:
        if parameter["name"] == name:
            return parameter
    raise AssertionError(f"{name} is not a parameter of /studies in the spec")


@pytest.fixture(scope="module")
def geo_pattern() -> re.Pattern:
    if (SHARED / "ctg-oas-v2.yaml").is_file():
        return re.compile(_spec_parameter("filter.geo")["schema"]["pattern"])
    return re.compile(GEO_PATTERN)


# -- geocoding ------------------------------------------------------------------------------


def test_zip_code_is_its_centroid():
    place = geocode("02115")
    assert (place.lat, place.lon) == (42.3427, -71.0922)
    assert place.name == "02115 (Boston, MA)"
    assert geocode(" 02115-4321 ") == place  # ZIP+4 and stray spaces


@pytest.mark.parametrize("written", ["０２１１５", "0211５", "٠٢١١٥"])
def test_a_zip_code_in_digits_of_another_script_is_read(written):
    # The ZIP code library panicked on "０２１１５" and took a whole digest run down
    assert geocode(written) == geocode("02115")


def test_unknown_zip_code():
    with pytest.raises(InvalidInput, match="00000 is not a known US ZIP code") as info:
        geocode("00000")
    assert "02115" in info.value.hint
    assert info.value.exit_code == ExitCode.USAGE


def test_city_and_state_is_one_point_inside_the_city():
    houston = geocode("Houston, TX")
    assert houston.name == "Houston, TX"
    # The mean of Houston's ZIP centroids: inside the city (downtown is 29.76, -95.37).
    assert 29.6 < houston.lat < 29.95 and -95.6 < houston.lon < -95.2
    assert haversine_mi(houston.lat, houston.lon, 29.7604, -95.3698) < 10


@pytest.mark.parametrize(
    "text",
    [
        "St. Louis, MO",
        "Saint Louis, MO",
        "st louis, mo",
        "ST.LOUIS , Mo.",
        "Saint Louis, Missouri",
        "saint   louis   missouri",
        "St Louis MO",
    ],
)
def test_city_names_are_matched_forgivingly(text):
    place = geocode(text)
    assert place.name == "Saint Louis, MO"
    assert haversine_mi(place.lat, place.lon, 38.6270, -90.1994) < 10  # downtown St. Louis


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("houston texas", "Houston, TX"),
        ("Kansas City Missouri", "Kansas City, MO"),
        ("Kansas City, Kansas", "Kansas City, KS"),
        ("new york, new york", "New York, NY"),
        ("Ft. Worth TX", "Fort Worth, TX"),
        ("Port St. Lucie, FL", "Port Saint Lucie, FL"),
        ("O'Fallon, MO", "O Fallon, MO"),
        ("Washington, D.C.", "Washington, DC"),
        ("New York", "New York, NY"),  # a city in one state only needs no state
    ],
)
def test_city_forms(text, name):
    assert geocode(text).name == name


def test_kansas_city_in_two_states_are_two_places():
    missouri, kansas = geocode("Kansas City, MO"), geocode("Kansas City, KS")
    assert 2 < haversine_mi(missouri.lat, missouri.lon, kansas.lat, kansas.lon) < 30


def test_a_city_in_several_states_is_ambiguous_and_lists_them():
    with pytest.raises(InvalidInput) as info:
        geocode("Springfield")
    message = info.value.message
    assert "in 24 states" in message
    assert "Springfield, IL" in message and "Springfield, MA" in message
    assert "more" in message  # the list is capped, and says so
    assert "add the state" in info.value.hint


def test_unknown_places():
    with pytest.raises(InvalidInput, match="not a place trialfinder knows") as info:
        geocode("Atlantis")
    assert "ZIP code" in info.value.hint
    with pytest.raises(InvalidInput, match="no city 'Houstn' found in TX") as info:
        geocode("Houstn, TX")
    assert info.value.hint == "did you mean Houston, TX?"
    with pytest.raises(InvalidInput, match="'Texass' is not a US state"):
        geocode("Houston, Texass")
    with pytest.raises(InvalidInput, match="no place given"):
        geocode("   ")


@pytest.mark.parametrize(
    ("text", "lat", "lon"),
    [
        ("42.36,-71.06", 42.36, -71.06),
        ("42.36, -71.06", 42.36, -71.06),
        ("-33.8688 151.2093", -33.8688, 151.2093),
        ("+0.5,-0.25", 0.5, -0.25),
        ("90,-180", 90.0, -180.0),
    ],
)
def test_latitude_longitude(text, lat, lon):
    place = geocode(text)
    assert (place.lat, place.lon) == (lat, lon)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("95,10", "latitude 95 is out of range"),
        ("10,200", "longitude 200 is out of range"),
        ("-90.5,0", "latitude -90.5 is out of range"),
        ("1.2.3,4", "neither a ZIP code nor latitude,longitude"),
        ("2115", "neither a ZIP code nor latitude,longitude"),
        ("42.1,", "neither a ZIP code nor latitude,longitude"),
    ],
)
def test_bad_coordinates(text, message):
    with pytest.raises(InvalidInput, match=message):
        geocode(text)


# -- distances typed by the user ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "miles"),
    [
        ("50mi", 50.0),
        ("50", 50.0),
        ("50 MI", 50.0),
        ("12.5 miles", 12.5),
        ("1", 1.0),
        ("500mi", 500.0),
        ("80km", 49.7097),  # 80 / 1.609344
        ("2 kilometres", 1.2427),
        ("805km", 500.0),  # the API's limit in km (500.2 mi) is sent as its 500 miles
    ],
)
def test_parse_distance(text, miles):
    assert parse_distance(text) == pytest.approx(miles, abs=1e-4)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0.5mi", "too small"),
        ("1km", "too small"),
        ("0", "too small"),
        ("501mi", "too far"),
        ("806km", "too far"),
        ("-5", "not a distance"),
        ("fifty", "not a distance"),
        ("50 furlongs", "not a distance"),
        ("", "not a distance"),
    ],
)
def test_distance_outside_what_the_api_accepts(text, message):
    with pytest.raises(InvalidInput, match=message) as info:
        parse_distance(text)
    assert info.value.exit_code == ExitCode.USAGE


# -- filter.geo -----------------------------------------------------------------------------


@needs_shared
def test_spec_pattern_is_the_one_used_here():
    assert _spec_parameter("filter.geo")["schema"]["pattern"] == GEO_PATTERN


def test_geo_filter_text():
    assert geo_filter(42.3427, -71.0922, 50) == "distance(42.3427,-71.0922,50mi)"
    assert geo_filter(29.775543298969, -95.41537216494, 100) == (
        "distance(29.775543,-95.415372,100mi)"
    )
    assert geo_filter(1e-9, -1e-9, 80 / 1.609344) == "distance(0,0,49.71mi)"
    assert geo_filter(-0.0000004, 179.9999999, 500) == "distance(0,180,500mi)"
    assert geo_filter(-1e-5, 2.5e-6, 1) == "distance(-0.00001,0.000003,1mi)"
    assert decimal_text(-0.0, 6) == "0"


def test_geo_filter_matches_the_spec_for_many_points(geo_pattern):
    rng = random.Random(5)
    points = [(0.0, 0.0), (-90.0, -180.0), (90.0, 180.0), (1e-12, -1e-12), (-1e-7, 5e-7)]
    points += [(rng.uniform(-90, 90), rng.uniform(-180, 180)) for _ in range(500)]
    points += [(rng.uniform(-1e-4, 1e-4), rng.uniform(-1e-4, 1e-4)) for _ in range(100)]
    radii = [1, 1.005, 49.709695378986716, 100, 333.333333, 500]
    for lat, lon in points:
        for radius in radii:
            text = geo_filter(lat, lon, radius)
            assert geo_pattern.match(text), text
            assert "e" not in text.removeprefix("distance").removesuffix("mi)")
            sent_lat, sent_lon, sent_radius = text[len("distance(") : -len("mi)")].split(",")
            assert float(sent_lat) == pytest.approx(lat, abs=5e-7)
            assert float(sent_lon) == pytest.approx(lon, abs=5e-7)
            assert float(sent_radius) == pytest.approx(radius, abs=0.005)


def test_criteria_send_filter_geo(geo_pattern):
    boston = geocode("02115")
    params = SearchCriteria(near=boston, within_mi=parse_distance("80km")).to_params()
    assert params["filter.geo"] == "distance(42.3427,-71.0922,49.71mi)"
    assert geo_pattern.match(params["filter.geo"])
    default = SearchCriteria(near=Place("south", -33.8688, 151.2093)).to_params()
    assert default["filter.geo"] == "distance(-33.8688,151.2093,100mi)"  # 100 mi by default
    assert "filter.geo" not in SearchCriteria().to_params()


def test_criteria_order_and_fetching():
    boston = geocode("02115")
    near = SearchRequest(SearchCriteria(near=boston, settings=("any",)), limit=5)
    assert near.criteria.order == "distance" and "sort" not in near.criteria.to_params()
    assert fetch_criteria(near).limit is None  # all, then sorted here
    by_relevance = SearchRequest(
        SearchCriteria(near=boston, sort="relevance", settings=("any",)), limit=5
    )
    # Whether a trial has a site there that may enrol is checked here: the limit counts those.
    assert fetch_criteria(by_relevance).limit is None
    assert fetch_criteria(by_relevance).page_size == 100
    assert by_relevance.criteria.to_params()["sort"] == "@relevance"
    plain = SearchRequest(SearchCriteria(settings=("any",)), limit=5)
    assert plain.criteria.order is None and fetch_criteria(plain).limit == 5
    assert "sort" not in plain.criteria.to_params()
    assert SearchCriteria(sort="updated").to_params()["sort"] == "LastUpdatePostDate:desc"


@needs_shared
def test_sort_values_match_the_spec():
    parameter = _spec_parameter("sort")
    pattern = re.compile(parameter["schema"]["items"]["pattern"])
    for sort in ("relevance", "updated", "newest"):
        assert pattern.match(SearchCriteria(sort=sort).to_params()["sort"])


@needs_spec
def test_every_location_and_sort_combination_validates_against_the_spec():
    api = "https://clinicaltrials.gov/api/v2"
    source = ClinicalTrialsGov(Settings(api_url=api))
    places = [
        None,
        Place("Boston", 42.3427, -71.0922),
        Place("Sydney", -33.8688, 151.2093),
        Place("tiny", -1e-9, 4e-8),
        Place("corner", -90.0, 180.0),
    ]
    count = 0
    for near, within, sort, limit, conditions in product(
        places,
        [None, 1.0, 49.709695378986716, 500.0],
        [None, "distance", "relevance", "updated", "newest"],
        [None, 5],
        [(), ("multiple myeloma",)],
    ):
        if near is None and (within is not None or sort == "distance"):
            continue  # refused by build_request (tests/test_request.py)
        criteria = SearchCriteria(
            conditions=conditions, near=near, within_mi=within, sort=sort, limit=limit
        )
        check_request(f"{api}/studies?{urlencode(source.page_params(criteria))}")
        count += 1
    assert count == (1 * 1 * 4 + 4 * 4 * 5) * 2 * 2
    with pytest.raises(AssertionError, match="does not validate"):
        check_request(f"{api}/studies?{urlencode({'filter.geo': 'distance(42.3, -71.1,50mi)'})}")
    with pytest.raises(AssertionError, match="does not validate"):
        check_request(f"{api}/studies?{urlencode({'filter.geo': 'distance(1e-09,0,50mi)'})}")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sort": "alphabetical"}, "unknown sort order"),
        ({"near": Place("x", 0, 0), "within_mi": 0.5}, "out of range"),
        ({"near": Place("x", 0, 0), "within_mi": 600.0}, "out of range"),
        ({"near": Place("x", 91, 0)}, "latitude 91 is out of range"),
        ({"near": Place("x", 0, math.nan)}, "longitude nan is out of range"),
    ],
)
def test_criteria_reject_bad_locations(kwargs, message):
    with pytest.raises(InvalidInput, match=message):
        SearchCriteria(**kwargs)


# -- the nearest site -----------------------------------------------------------------------


def _site(facility, status, lat=None, lon=None, city="", state="", country="United States"):
    location = {"facility": facility, "status": status, "city": city, "country": country}
    if state:
        location["state"] = state
    if lat is not None:
        location["geoPoint"] = {"lat": lat, "lon": lon}
    return location


def _trial(*locations):
    return parse_study(make_study(locations=list(locations)))


def test_haversine_known_distances():
    # One degree of latitude on a sphere of 3958.8 miles: 2 * pi * 3958.8 / 360.
    assert haversine_mi(0, 0, 1, 0) == pytest.approx(69.0940, abs=1e-3)
    assert haversine_mi(0, 0, 0, 180) == pytest.approx(math.pi * 3958.8)  # half the equator
    assert haversine_mi(40, -75, 40, -75) == 0
    # The same distance both ways, and across the antimeridian.
    assert haversine_mi(10, 179.5, 10, -179.5) == pytest.approx(haversine_mi(10, -0.5, 10, 0.5))


@pytest.mark.parametrize(
    ("sites", "nearest", "is_open", "may_enrol"),
    [
        # a recruiting site wins over a closer closed one
        ([("Closed next door", "COMPLETED", 40.0), ("Open farther away", "RECRUITING", 41.0),
          ("Soon open, farthest", "NOT_YET_RECRUITING", 42.0)], "Open farther away", True, True),
        # not yet recruiting counts as open
        ([("Withdrawn", "WITHDRAWN", 40.0), ("Not yet", "NOT_YET_RECRUITING", 40.5),
          ("Recruiting", "RECRUITING", 45.0)], "Not yet", True, True),
        # none may enrol: the nearest of any status
        ([("Far completed", "COMPLETED", 45.0), ("Near active", "ACTIVE_NOT_RECRUITING", 40.1),
          ("Suspended", "SUSPENDED", 41.0)], "Near active", False, False),
        # a site without a status may enrol
        ([("Near active", "ACTIVE_NOT_RECRUITING", 40.1), ("No status", "", 41.0),
          ("Recruiting, farther", "RECRUITING", 42.0)], "No status", False, True),
    ],
)  # fmt: skip
def test_the_nearest_site_is_the_nearest_that_may_enrol(sites, nearest, is_open, may_enrol):
    trial = _trial(*(_site(name, status, lat, -75.0) for name, status, lat in sites))
    found = nearest_site(trial, 40.0, -75.0)
    assert found.site.facility == nearest
    assert (found.is_open, found.may_enrol) == (is_open, may_enrol)
    latitude = next(lat for name, _, lat in sites if name == nearest)
    assert found.distance_mi == pytest.approx(69.094 * (latitude - 40.0), abs=0.05)  # a degree


def test_a_trial_is_near_by_a_site_that_may_enrol_only():
    here = Place("here", 40.0, -75.0)
    closed_here = [_site(f"{s} here", s, 40.1, -75.0) for s in sorted(CLOSED_STATUSES)]
    recruiting_far = _site("Recruiting, far", "RECRUITING", 45.0, -75.0)
    assert not is_near(_trial(*closed_here, recruiting_far), here, 100)
    assert is_near(_trial(recruiting_far), here, 400)
    for status in ("RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION", ""):
        trial = _trial(*closed_here, _site("Here", status, 40.5, -75.0))
        assert is_near(trial, here, 100), status  # a site with no status counts
        assert not is_near(trial, here, 30)  # 34.5 miles away
    assert not is_near(_trial(_site("Unlocated", "RECRUITING")), here, 100)

    # A trial closed as a whole (shown with --status any): any site. A completed trial was
    # near by a site giving no status, not by one marked completed (NCT02210780 near 02115).
    for statuses in (("COMPLETED",), ("",), ("COMPLETED", "")):
        sites = [_site(f"Here {n}", s, 40.1, -75.0) for n, s in enumerate(statuses)]
        closed_trial = parse_study(make_study(status="COMPLETED", locations=sites))
        assert is_near(closed_trial, here, 100), statuses


@needs_shared
def test_real_record_with_only_completed_sites_near_boston_is_not_near():
    trial = parse_study(load_real_record("NCT02227251"))  # recruiting in Poland
    boston = geocode("02115")
    # Dana Farber, Tufts, Lahey and UMass are all COMPLETED.
    assert any(n.distance_mi <= 100 for n in sites_by_distance(trial, boston.lat, boston.lon))
    assert not is_near(trial, boston, 100)
    nearest = nearest_site(trial, boston.lat, boston.lon)
    assert nearest.may_enrol and nearest.site.city == "Legnica"


def test_sites_without_coordinates_are_never_chosen_and_are_counted():
    trial = _trial(
        _site("Unlocated, recruiting", "RECRUITING"),
        _site("Located, completed", "COMPLETED", 40.0, -75.0),
        _site("Another unlocated", "RECRUITING"),
    )
    nearest = nearest_site(trial, 40.0, -75.0)
    assert nearest.site.facility == "Located, completed"
    assert nearest.sites_without_coordinates == 2
    assert [n.site.facility for n in sites_by_distance(trial, 40.0, -75.0)] == [
        "Located, completed"
    ]
    assert nearest_site(_trial(_site("Nowhere", "RECRUITING")), 40.0, -75.0) is None
    assert nearest_site(_trial(), 40.0, -75.0) is None


def test_ties_go_to_the_site_listed_first():
    trial = _trial(
        _site("First", "RECRUITING", 41.0, -75.0),
        _site("Second", "RECRUITING", 39.0, -75.0),
    )
    assert nearest_site(trial, 40.0, -75.0).site.facility == "First"


def test_sites_by_distance_lists_every_located_site_nearest_first():
    trial = _trial(
        _site("C", "COMPLETED", 43.0, -75.0),
        _site("A", "RECRUITING", 40.5, -75.0),
        _site("B", "WITHDRAWN", 42.0, -75.0),
    )
    listed = sites_by_distance(trial, 40.0, -75.0)
    assert [n.site.facility for n in listed] == ["A", "B", "C"]
    assert [round(n.distance_mi, 1) for n in listed] == [34.5, 138.2, 207.3]


# Real records. The expected distances were worked out separately with the spherical law of
# cosines, d = R * acos(sin(phi1) sin(phi2) + cos(phi1) cos(phi2) cos(dlambda)), R = 3958.8 mi,
# from the coordinates printed in each record; they are written here as plain numbers.


@needs_shared
def test_real_record_recruiting_site_beats_a_completed_one_next_door():
    trial = parse_study(load_real_record("NCT03141021"))  # MPNST registry, 13 sites
    # From the Lifespan site in Providence (41.82399, -71.41283), which is COMPLETED.
    nearest = nearest_site(trial, 41.82399, -71.41283)
    assert nearest.site.facility == "Dana Farber Cancer Institute"
    assert nearest.site.status == "RECRUITING"
    assert nearest.distance_mi == pytest.approx(41.13, abs=0.05)
    everything = sites_by_distance(trial, 41.82399, -71.41283)
    assert everything[0].site.facility == "Lifespan" and everything[0].distance_mi < 0.01
    assert len(everything) == 13


@needs_shared
def test_real_record_not_yet_recruiting_site_is_open():
    trial = parse_study(load_real_record("NCT03141021"))
    # From Moffitt in Tampa (COMPLETED): NIH Bethesda (not yet recruiting) 822.1 mi beats
    # Johns Hopkins (recruiting) 852.3 mi and Washington University (recruiting) 861.9 mi.
    nearest = nearest_site(trial, 27.94752, -82.45843)
    assert nearest.site.facility == "National Institutes of Health (NIH)"
    assert nearest.distance_mi == pytest.approx(822.08, abs=0.05)


@needs_shared
def test_real_record_from_a_zip_code():
    trial = parse_study(load_real_record("NCT05786924"))  # 10 sites, one in Boston
    boston = geocode("02115")
    nearest = nearest_site(trial, boston.lat, boston.lon)
    assert nearest.site.facility == "Dana-Farber Cancer Institute"
    assert nearest.distance_mi == pytest.approx(1.98, abs=0.01)
    record = to_record(build_result(trial, ResultOptions(near=boston)))
    assert record["distance_mi"] == 2.0
    assert record["nearest_site"] == {
        "facility": "Dana-Farber Cancer Institute",
        "city": "Boston",
        "state": "Massachusetts",
        "zip": "02215",
        "country": "United States",
        "status": "RECRUITING",
        # The site's own contact, as the record names it (a line to call, not a person).
        "contact": {
            "name": "Start Your Patient Journey to Cancer Care and Support",
            "role": "CONTACT",
            "phone": "877-442-3324",
            "phone_ext": None,
            "email": None,
        },
    }


@needs_shared
def test_real_record_without_site_statuses_falls_back():
    trial = parse_study(load_real_record("NCT02210780"))  # completed; no site has a status
    # From 40.0, -75.0 (Philadelphia): New York 71.93 mi, Forest Hills 78.19 mi.
    nearest = nearest_site(trial, 40.0, -75.0)
    assert nearest.site.city == "New York"
    assert nearest.distance_mi == pytest.approx(71.93, abs=0.05)


@needs_shared
def test_real_record_with_more_than_a_thousand_sites():
    trial = parse_study(load_real_record("NCT04267848"))
    assert len(trial.sites) == 1148
    unlocated = [s for s in trial.sites if not s.has_coordinates]
    assert len(unlocated) == 4
    # From Summit, Wisconsin, where one recruiting site has no coordinates.
    nearest = nearest_site(trial, 43.0706, -88.4790)
    assert nearest.sites_without_coordinates == 4
    assert nearest.site.has_coordinates and nearest.site not in unlocated
    assert nearest.is_open
    assert len(sites_by_distance(trial, 43.0706, -88.4790)) == 1144


# -- results ----------------------------------------------------------------------------------


def test_records_carry_nearest_site_keys_always():
    trial = _trial(_site("Here", "RECRUITING", 40.0, -75.0, city="Philadelphia", state="PA"))
    plain = to_record(build_result(trial))
    assert plain["nearest_site"] is None and plain["distance_mi"] is None
    near = to_record(build_result(trial, ResultOptions(near=Place("p", 40.5, -75.0))))
    assert near["nearest_site"]["facility"] == "Here"
    assert near["distance_mi"] == 34.5  # half a degree of latitude, one decimal


def test_results_by_distance_then_limited():
    def study(nct, lat):
        location = [_site(nct, "RECRUITING", lat, -75.0)] if lat is not None else []
        return parse_study(make_study(nct_id=nct, locations=location))

    trials = [study("NCT00000003", 43.0), study("NCT00000009", None), study("NCT00000001", 40.1)]
    trials.append(study("NCT00000002", 41.0))
    options = ResultOptions(near=Place("p", 40.0, -75.0))
    results = [build_result(t, options) for t in trials]
    assert [r.trial.nct_id for r in by_distance(results)] == [
        "NCT00000001",
        "NCT00000002",
        "NCT00000003",
        "NCT00000009",  # no located site: last
    ]
    nearest_first, failure = sort_results(results, nearest=True, by_fit=False)
    assert nearest_first == by_distance(results) and failure is None
    assert sort_results(results, nearest=False, by_fit=False) == (results, None)


def test_distance_order_shows_what_arrived_before_a_failure():
    options = ResultOptions(near=Place("p", 40.0, -75.0))

    def arriving():
        for nct, lat in (("NCT00000002", 42.0), ("NCT00000001", 40.5)):
            location = [_site(nct, "RECRUITING", lat, -75.0)]
            yield build_result(parse_study(make_study(nct_id=nct, locations=location)), options)
        raise PartialResults("results are incomplete: 2 of 9 trials fetched", fetched=2, total=9)

    arrived, failure = sort_results(arriving(), nearest=True, by_fit=False)
    assert [result.trial.nct_id for result in arrived] == ["NCT00000001", "NCT00000002"]
    assert isinstance(failure, PartialResults) and "2 of 9" in failure.message


@pytest.mark.parametrize(
    ("typed", "first", "others"),
    [
        ("boston", "Boston, MA", ["Boston, GA", "Boston, NY"]),
        ("St Louis", "Saint Louis, MO", ["Saint Louis, MI"]),
        (
            "springfield",
            "Springfield, MO",
            ["Springfield, MA", "Springfield, IL", "Springfield, OR"],
        ),
        ("Portland", "Portland, OR", ["Portland, ME", "Portland, TN"]),
        ("kansas city", "Kansas City, MO", ["Kansas City, KS"]),
    ],
)
def test_an_ambiguous_city_is_offered_the_most_populous_first(typed, first, others):
    with pytest.raises(InvalidInput) as info:
        geocode(typed)
    listing = info.value.message.split(": ", 1)[1].split("; ")
    assert listing[0] == first and info.value.hint == f"add the state, e.g. '{first}'"
    assert "the largest first" in info.value.message
    # The listed order follows the sizes: cities with a population first, in its order.
    positions = [listing.index(name) for name in [first, *others]]
    assert positions == sorted(positions)


def test_every_population_entry_is_a_city_of_the_zip_code_data():
    from trialfinder.geo import name_key, zip_rows

    populations = load_toml("places.toml")["population"]
    assert len(populations) > 100
    for place, thousands in populations.items():
        city, state = (part.strip() for part in place.rsplit(",", 1))
        assert zip_rows(state).get(name_key(city)), place
        assert isinstance(thousands, int) and 10 <= thousands <= 10_000, place


def test_a_misspelled_city_gets_the_nearest_names():
    with pytest.raises(InvalidInput, match="not a place trialfinder knows") as info:
        geocode("Philadelfia")
    assert info.value.hint.startswith("did you mean 'Philadelphia, PA'?")
