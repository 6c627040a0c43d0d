"""trialfinder.records: the JSON-ready objects of a trial, its sites, contacts and tags."""

from __future__ import annotations

import json

from trialfinder.geo import Place
from trialfinder.model import Contact, Site, parse_study
from trialfinder.records import (
    Counted,
    contact_record,
    recruiting_sites,
    site_contact,
    site_details,
    site_record,
    sites_open_first,
    sites_with_distances,
    tag_record,
    trial_details,
    trial_record,
    unique,
)
from trialfinder.tagging import tag_trial

from factories import BOSTON_SITE, drug, make_study

HOUSTON_SITE = {
    "facility": "MD Anderson",
    "status": "NOT_YET_RECRUITING",
    "city": "Houston",
    "state": "Texas",
    "country": "United States",
    "geoPoint": {"lat": 29.7604, "lon": -95.3698},
}
NO_POINT_SITE = {"facility": "Somewhere", "city": "Lyon", "country": "France"}


def test_a_trial_record_holds_what_every_format_shows():
    study = make_study(
        phases=["PHASE1", "PHASE2"],
        interventions=[drug("Iberdomide"), drug("iberdomide"), drug("Dexamethasone")],
        max_age="75 Years",
    )
    record = trial_record(parse_study(study))
    assert list(record) == [
        "nct_id",
        "title",
        "status",
        "phases",
        "conditions",
        "interventions",
        "min_age",
        "max_age",
        "sex",
        "sites_count",
        "central_contact",
        "first_posted",
        "last_updated",
        "url",
    ]
    assert record["nct_id"] == "NCT01000001"
    assert record["phases"] == ["PHASE1", "PHASE2"]
    assert record["interventions"] == ["Iberdomide", "Dexamethasone"]  # each name once
    assert (record["min_age"], record["max_age"]) == (18.0, 75.0)
    assert record["sites_count"] == 1
    assert record["central_contact"]["phone"] == "617-555-0100"
    assert record["url"] == "https://clinicaltrials.gov/study/NCT01000001"
    json.dumps(record)  # JSON-ready


def test_annotations_come_after_the_base_fields_and_may_replace_none():
    record = trial_record(parse_study(make_study()), {"summary": "S", "distance_mi": None})
    assert list(record)[-2:] == ["summary", "distance_mi"]
    assert record["summary"] == "S"


def test_empty_values_are_null_in_a_record():
    study = make_study(sex="", central_contacts=[], first_posted="", last_updated="")
    record = trial_record(parse_study(study))
    assert record["sex"] is None and record["central_contact"] is None
    assert record["first_posted"] is None and record["last_updated"] is None


def test_unique_keeps_the_first_spelling_of_each_name():
    assert unique(["Iberdomide", "IBERDOMIDE", "dex", "Dex", "x"]) == ["Iberdomide", "dex", "x"]


def test_tag_record_without_tags_has_every_key_empty():
    empty = tag_record(None)
    trial = parse_study(make_study())
    full = tag_record(tag_trial(trial))
    assert list(empty) == list(full)
    assert all(value == [] for value in empty.values())
    assert full["setting"]  # "relapsed or refractory multiple myeloma"
    assert all(isinstance(item, dict) for item in full["evidence"])


def test_site_contact_prefers_a_listed_contact_with_a_phone_or_email():
    investigator = Contact(name="Dr A", role="PRINCIPAL_INVESTIGATOR", phone="1")
    silent = Contact(name="Desk", role="CONTACT")
    desk = Contact(name="Desk", role="CONTACT", email="desk@example.org")
    assert site_contact(Site(contacts=(investigator, silent, desk)))["name"] == "Desk"
    assert site_contact(Site(contacts=(investigator, silent)))["name"] == "Dr A"
    assert site_contact(Site(contacts=(silent,))) is None


def test_contact_record_names_every_part_and_null_for_what_is_missing():
    assert contact_record(Contact(name="Team", phone="617", phone_ext="12")) == {
        "name": "Team",
        "role": None,
        "phone": "617",
        "phone_ext": "12",
        "email": None,
    }


def test_site_record_and_its_details():
    site = parse_study(make_study()).sites[0]
    record = site_record(site)
    assert record["facility"] == BOSTON_SITE["facility"]
    assert record["status"] == "RECRUITING" and record["zip"] == "02215"
    details = site_details(site)
    assert {k: details[k] for k in record} == record
    assert (details["latitude"], details["longitude"]) == (42.35843, -71.05977)


def test_sites_nearest_first_and_those_without_coordinates_last():
    trial = parse_study(make_study(locations=[NO_POINT_SITE, HOUSTON_SITE, BOSTON_SITE]))
    near = Place("Dallas", 32.7767, -96.7970)
    ordered = sites_with_distances(trial, near)
    assert [site.city for site, _ in ordered] == ["Houston", "Boston", "Lyon"]
    assert ordered[0][1] < ordered[1][1] and ordered[2][1] is None


def test_trial_details_without_and_with_a_place():
    trial = parse_study(make_study(locations=[NO_POINT_SITE, HOUSTON_SITE, BOSTON_SITE]))
    plain = trial_details(trial)
    assert [s["city"] for s in plain["sites"]] == ["Lyon", "Houston", "Boston"]
    assert "near" not in plain and "sites_without_coordinates" not in plain
    assert plain["eligibility_criteria"].startswith("Inclusion Criteria")
    assert plain["intervention_details"][0]["name"] == "Teclistamab"
    near = trial_details(trial, Place("02115", 42.3427, -71.0922))
    assert [s["city"] for s in near["sites"]] == ["Boston", "Houston", "Lyon"]
    assert near["sites"][0]["distance_mi"] < 5 and near["sites"][2]["distance_mi"] is None
    assert near["sites_without_coordinates"] == 1
    assert near["near"] == {"name": "02115", "lat": 42.3427, "lon": -71.0922}


def test_counted_counts_what_passed_through():
    counted = Counted(iter(["a", "b", "c"]))
    assert counted.count == 0
    assert list(counted) == ["a", "b", "c"]
    assert counted.count == 3


def test_sites_that_take_patients_come_first_then_those_without_a_status_then_closed_ones():
    sites = [
        Site(facility="A", status="COMPLETED"),
        Site(facility="B"),
        Site(facility="C", status="RECRUITING"),
        Site(facility="D", status="WITHDRAWN"),
        Site(facility="E", status="ENROLLING_BY_INVITATION"),
        Site(facility="F", status="NOT_YET_RECRUITING"),
        # a status the registry may add, or "temporarily not available": may enrol, not closed
        Site(facility="G", status="TEMPORARILY_NOT_AVAILABLE"),
    ]
    assert [s.facility for s in sites_open_first(sites)] == ["C", "E", "F", "B", "G", "A", "D"]
    assert recruiting_sites(sites) == 1
    assert recruiting_sites([Site(facility="A", status="COMPLETED")]) == 0
    assert recruiting_sites([Site(facility="B")]) is None
