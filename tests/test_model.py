import copy
import json

import pytest

from trialfinder.errors import ExitCode, InvalidInput, RecordError
from trialfinder.model import (
    Contact,
    Trial,
    age_in_years,
    normalize_nct_id,
    parse_study,
    site_countries,
)

from conftest import load_real_record, needs_shared, real_record_paths
from factories import make_study


@needs_shared
def test_all_real_records_parse():
    paths = real_record_paths()
    assert len(paths) == 242
    trials = [parse_study(json.loads(p.read_text(encoding="utf-8"))) for p in paths]
    assert [t.nct_id for t in trials] == [p.stem for p in paths]
    assert all(t.brief_title and t.overall_status for t in trials)
    assert sum(1 for t in trials if t.sites) > 200


@needs_shared
def test_a_real_record_in_detail():
    trial = parse_study(load_real_record("NCT04267848"))
    assert trial.url == "https://clinicaltrials.gov/study/NCT04267848"
    assert trial.overall_status == "RECRUITING"
    assert trial.phases == ("PHASE3",)
    assert trial.lead_sponsor == "National Cancer Institute (NCI)"
    assert len(trial.sites) > 1000
    carboplatin = next(i for i in trial.interventions if i.name == "Carboplatin")
    assert carboplatin.type == "DRUG" and "Paraplatin" in carboplatin.other_names
    assert trial.eligibility.min_age_years == 18.0
    assert any(m.term for m in trial.intervention_mesh)


@needs_shared
def test_partial_dates_are_kept_as_given():
    trial = parse_study(load_real_record("NCT01785420"))
    assert trial.start_date == "2013-05"


def test_factory_study_round_trip():
    trial = parse_study(make_study(max_age="75 Years", sex="FEMALE"))
    assert isinstance(trial, Trial)
    assert trial.nct_id == "NCT01000001"
    assert trial.interventions[0].other_names == ("JNJ-64007957",)
    assert trial.arm_groups[0].intervention_names == ("Drug: Teclistamab",)
    assert trial.eligibility.sex == "FEMALE"
    assert trial.eligibility.max_age_years == 75.0
    site = trial.sites[0]
    assert site.city == "Boston" and site.has_coordinates
    assert trial.central_contacts[0].email == "trials@example.org"
    assert trial.first_posted == "2024-01-15" and trial.last_updated == "2025-06-01"


@pytest.mark.parametrize(
    "text, years",
    [
        ("18 Years", 18.0),
        ("6 Months", 0.5),
        ("1 Year", 1.0),
        ("26 Weeks", 0.4983),
        ("30 Days", 0.0821),
        ("", None),
        ("N/A", None),
        ("12 Parsecs", None),
    ],
)
def test_ages_in_years(text, years):
    assert age_in_years(text) == years


def test_every_module_may_be_missing():
    trial = parse_study({"protocolSection": {"identificationModule": {"nctId": "NCT00000105"}}})
    assert trial.nct_id == "NCT00000105"
    assert trial.title == "NCT00000105"
    assert trial.phases == () and trial.sites == () and trial.eligibility.min_age_years is None


def test_nulls_are_empty_values():
    study = make_study()
    protocol = study["protocolSection"]
    protocol["designModule"]["phases"] = None
    protocol["contactsLocationsModule"] = None
    protocol["eligibilityModule"]["minimumAge"] = None
    protocol["armsInterventionsModule"]["interventions"][0]["otherNames"] = None
    trial = parse_study(study)
    assert trial.phases == () and trial.sites == ()
    assert trial.eligibility.min_age_years is None
    assert trial.interventions[0].other_names == ()


def test_sites_without_valid_coordinates_have_none():
    study = make_study(
        locations=[
            {"facility": "A", "geoPoint": {"lat": 95.0, "lon": 10.0}},
            {"facility": "B"},
            {"facility": "C", "geoPoint": {"lat": 10.0}},
        ]
    )
    assert [s.has_coordinates for s in parse_study(study).sites] == [False, False, False]


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda s: s["protocolSection"]["designModule"].update(phases="PHASE2"), "'phases'"),
        (lambda s: s["protocolSection"].update(statusModule=["x"]), "'statusModule'"),
        (lambda s: s["protocolSection"]["conditionsModule"].update(conditions=[1]), "'conditions'"),
        (
            lambda s: s["protocolSection"]["identificationModule"].update(briefTitle={"a": 1}),
            "'briefTitle'",
        ),
        (
            lambda s: s["protocolSection"]["eligibilityModule"].update(healthyVolunteers="no"),
            "'healthyVolunteers'",
        ),
        # an age as a number was read as no limit, and a date not a date went into a digest
        # ("Record updated on yesterday.")
        (lambda s: s["protocolSection"]["eligibilityModule"].update(minimumAge=18), "'minimumAge'"),
        (
            lambda s: s["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"].update(
                date="yesterday"
            ),
            "'lastUpdatePostDateStruct.date' should be a date",
        ),
    ],
)
def test_a_field_of_the_wrong_type_names_the_record(mutate, message):
    study = copy.deepcopy(make_study(nct_id="NCT01234567"))
    mutate(study)
    with pytest.raises(RecordError, match=message) as caught:
        parse_study(study)
    assert caught.value.record_id == "NCT01234567"


@pytest.mark.parametrize("nct_id", [12345, "12345", "NCT1234", "NCT０１２３４５６７"])
def test_a_record_whose_nct_id_is_not_one_cannot_be_read(nct_id):
    # "nctId": 12345 went into a digest as a new trial with a broken link
    study = make_study()
    study["protocolSection"]["identificationModule"]["nctId"] = nct_id
    with pytest.raises(RecordError, match="is not NCT and 8 digits"):
        parse_study(study)


@pytest.mark.parametrize("data", [None, [], "text", {}, {"protocolSection": {}}])
def test_records_without_an_nct_id_are_errors(data):
    with pytest.raises(RecordError):
        parse_study(data)


def test_nct_ids_are_normalised():
    assert normalize_nct_id(" nct01234567 ") == "NCT01234567"
    assert normalize_nct_id("NCT04267848") == "NCT04267848"
    # (a digit dropped from NCT00184067 is no other trial's id filled out with a zero)
    bad_ids = (
        "NCT0",
        "NCT123456789",
        "12345678",
        "NCT1234567X",
        "",
        "NCT0184067",
        "nct1234567",
        "NCT\uff10\uff14\uff12\uff16\uff17\uff18\uff14\uff18",
    )  # (full-width digits)
    for bad in bad_ids:
        with pytest.raises(InvalidInput, match="is not an NCT id") as raised:
            normalize_nct_id(bad)
        assert raised.value.exit_code == ExitCode.USAGE
        assert raised.value.hint == "NCT ids look like NCT01234567"


@needs_shared
def test_each_site_keeps_its_own_contacts():
    trial = parse_study(load_real_record("NCT04975997"))
    boston = next(s for s in trial.sites if s.zip == "02215" and s.contacts)
    assert boston.contacts[0] == Contact(
        name="Omar Nadeem, Site 010", role="CONTACT", phone="617-632-3000"
    )
    # The sponsor's call centre is the trial's central contact, not this site's.
    assert boston.contacts[0] not in trial.central_contacts
    assert sum(bool(s.contacts) for s in trial.sites) > 1


def test_a_site_contact_of_the_wrong_type_names_the_record():
    study = make_study()
    study["protocolSection"]["contactsLocationsModule"]["locations"][0]["contacts"] = ["555"]
    with pytest.raises(RecordError, match="items of 'contacts' should be objects"):
        parse_study(study)


def test_sites_can_be_made_when_first_read(monkeypatch):
    import trialfinder.model
    from trialfinder.model import Site
    from trialfinder.records import trial_record

    made = []
    site = trialfinder.model._site
    monkeypatch.setattr(trialfinder.model, "_site", lambda r, item: made.append(1) or site(r, item))
    locations = [{"city": "Boston", "country": "United States"}, {"city": "Lyon", "zip": "69008"}]
    assert parse_study(make_study(locations=locations)).sites == (
        Site(city="Boston", country="United States"),
        Site(city="Lyon", zip="69008"),
    )
    made.clear()
    trial = parse_study(make_study(locations=locations), lazy_sites=True)
    assert len(trial.sites) == 2 and trial_record(trial)["sites_count"] == 2
    assert made == []  # counting them made none
    assert trial.sites == (
        Site(city="Boston", country="United States"),
        Site(city="Lyon", zip="69008"),
    )
    assert len(made) == 2
    assert [s.city for s in trial.sites] == ["Boston", "Lyon"] and len(made) == 2  # made once
    assert copy.deepcopy(trial) == trial and hash(trial) == hash(copy.deepcopy(trial))


@pytest.mark.parametrize(
    "location",
    [
        {"city": ["Boston"]},
        {"facility": True},
        {"geoPoint": [42.3, -71.1]},
        {"geoPoint": {"lat": "42.3", "lon": -71.1}},
        {"contacts": [{"name": ["Desk"]}]},
        {"contacts": {"name": "Desk"}},
        {"contacts": ["Desk"]},
        "Boston",
    ],
)
@pytest.mark.parametrize("lazy_sites", [False, True])
def test_a_site_of_the_wrong_shape_names_the_record_when_parsed(location, lazy_sites):
    study = make_study(nct_id="NCT01234567", locations=[{"city": "Lyon"}, location])
    with pytest.raises(RecordError) as caught:
        parse_study(study, lazy_sites=lazy_sites)
    assert caught.value.record_id == "NCT01234567"


def test_sites_made_when_first_read_keep_their_contacts():
    contact = {"name": "Desk", "role": "CONTACT", "phone": "617-555-0100", "email": None}
    locations = [{"facility": "A", "city": "Boston", "contacts": [contact]}]
    eager = parse_study(make_study(locations=locations))
    lazy = parse_study(make_study(locations=locations), lazy_sites=True)
    assert lazy == eager
    assert lazy.sites[0].contacts == (Contact(name="Desk", role="CONTACT", phone="617-555-0100"),)


def test_the_countries_of_sites_not_yet_made_are_read_without_making_them(monkeypatch):
    import trialfinder.model

    made = []
    site = trialfinder.model._site
    monkeypatch.setattr(trialfinder.model, "_site", lambda r, item: made.append(1) or site(r, item))
    locations = [
        {"city": "Boston", "country": " United States "},
        {"city": "Lyon", "country": "France"},
        {"city": "Nowhere"},
        {"city": "Paris", "country": 7},  # read as text, as its Site would be
    ]
    lazy = parse_study(make_study(locations=locations), lazy_sites=True)
    made.clear()
    assert site_countries(lazy.sites) == {"United States", "France", "", "7"}
    assert made == []
    assert site_countries(parse_study(make_study(locations=locations)).sites) == {
        "United States",
        "France",
        "",
        "7",
    }


@needs_shared
def test_the_countries_of_every_real_record_are_the_same_read_either_way():
    for path in real_record_paths():
        study = json.loads(path.read_text(encoding="utf-8"))
        eager = parse_study(study).sites
        assert site_countries(parse_study(study, lazy_sites=True).sites) == {
            s.country for s in eager
        }, path.name
