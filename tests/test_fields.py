"""The fields a search asks for hold everything trialfinder reads, and less than a full record."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from click.testing import CliRunner

from trialfinder.cli import cli
from trialfinder.criteria import SearchCriteria
from trialfinder.model import nct_id_of, parse_study
from trialfinder.settings import Settings
from trialfinder.sources.ctgov import (
    FIELDS_PARAM,
    FIELDS_PARAM_WITHOUT_SITE_DETAILS,
    SEARCH_FIELDS,
    SITE_DETAIL_FIELDS,
    ClinicalTrialsGov,
)

from conftest import needs_shared, real_record_paths
from factories import make_study
from fakeapi import field_paths, select_fields


def limited(study: dict) -> dict:
    return select_fields(study, field_paths(FIELDS_PARAM))


def without_site_details(study: dict) -> dict:
    return select_fields(study, field_paths(FIELDS_PARAM_WITHOUT_SITE_DETAILS))


def real_records() -> list[dict]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in real_record_paths()]


def size_ratio(records: list[dict], select) -> float:
    """Bytes of the selected records over bytes of the full ones."""
    return sum(len(json.dumps(select(r))) for r in records) / sum(
        len(json.dumps(r)) for r in records
    )


@needs_shared
def test_a_fields_limited_real_record_parses_to_the_same_trial():
    records = real_records()
    for record in records:
        assert parse_study(limited(record)) == parse_study(record), nct_id_of(record)
    # Sites' own contacts (for the nearest site's contact) are about a tenth of a record.
    assert size_ratio(records, limited) < 0.75


def test_a_fields_limited_factory_record_parses_to_the_same_trial():
    study = make_study(keywords=["myeloma"], max_age="80 Years")
    assert parse_study(limited(study)) == parse_study(study)


def test_selection_goes_through_lists_item_by_item():
    study = make_study()
    module = study["protocolSection"]["contactsLocationsModule"]
    module["locations"][0]["contacts"] = [{"name": "Site contact", "phone": "555", "x": "y"}]
    module["overallOfficials"] = [{"name": "Not asked for", "affiliation": "Somewhere"}]
    selected = limited(study)["protocolSection"]["contactsLocationsModule"]
    site = selected["locations"][0]
    assert site["contacts"] == [{"name": "Site contact", "phone": "555"}]  # lists in lists
    assert site["facility"] == "Dana-Farber Cancer Institute"
    assert site["geoPoint"] == {"lat": 42.35843, "lon": -71.05977}
    assert "overallOfficials" not in selected
    slim = without_site_details(study)["protocolSection"]["contactsLocationsModule"]
    assert "contacts" not in slim["locations"][0]


def test_unknown_field_names_are_rejected_like_the_api_does(fake_api):
    import requests

    response = requests.get(f"{fake_api.url}/studies", params={"fields": "NCTId|Nonsense"})
    assert response.status_code == 400
    assert "invalid field name: 'Nonsense'" in response.text
    assert len(SEARCH_FIELDS) == len(set(SEARCH_FIELDS))


@needs_shared
def test_without_site_details_a_real_record_keeps_its_sites_count_and_places():
    records = real_records()
    for record in records:
        full, slim = parse_study(record), parse_study(without_site_details(record))
        assert len(slim.sites) == len(full.sites), full.nct_id
        assert [(s.city, s.state, s.country) for s in slim.sites] == [
            (s.city, s.state, s.country) for s in full.sites
        ]
        assert replace(slim, sites=full.sites) == full  # nothing else is missing
    assert size_ratio(records, without_site_details) < 1 / 3


def test_what_asks_for_site_details():
    source = ClinicalTrialsGov(Settings(api_url="https://ctgov.test/api/v2"))
    details = source.page_params(SearchCriteria())["fields"].split("|")
    slim = source.page_params(SearchCriteria(site_details=False))["fields"].split("|")
    assert set(details) - set(slim) == set(SITE_DETAIL_FIELDS)
    assert {"LocationCity", "LocationState", "LocationCountry"} <= set(slim)
    assert source.study_params()["fields"] == FIELDS_PARAM


@pytest.mark.parametrize(
    "args, details",
    [
        (["--format", "table"], True),
        (["--format", "ndjson"], False),
        (["-o", "{tmp}/shortlist.csv"], False),
        (["--format", "json", "--near", "02115"], True),
    ],
)
def test_the_cli_asks_for_site_details_only_where_it_uses_them(fake_api, tmp_path, args, details):
    fake_api.studies = [make_study()]
    args = [a.format(tmp=tmp_path) for a in args]
    result = CliRunner().invoke(cli, ["search", *args])
    assert result.exit_code == 0, result.output
    fields = fake_api.studies_requests()[0].params["fields"].split("|")
    assert ("LocationGeoPoint" in fields) is details
