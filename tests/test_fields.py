"""The fields a search asks for hold everything trialfinder reads, and less than a full record."""

from __future__ import annotations

import json

from trialfinder.model import parse_study
from trialfinder.sources.ctgov import FIELDS_PARAM, SEARCH_FIELDS

from conftest import needs_shared, real_record_paths
from factories import make_study
from fakeapi import field_paths, select_fields


def limited(study: dict) -> dict:
    return select_fields(study, field_paths(FIELDS_PARAM))


@needs_shared
def test_a_fields_limited_real_record_parses_to_the_same_trial():
    full_bytes = limited_bytes = 0
    for path in real_record_paths():
        record = json.loads(path.read_text(encoding="utf-8"))
        assert parse_study(limited(record)) == parse_study(record), path.name
        full_bytes += len(json.dumps(record))
        limited_bytes += len(json.dumps(limited(record)))
    assert limited_bytes < 0.7 * full_bytes


def test_a_fields_limited_factory_record_parses_to_the_same_trial():
    study = make_study(keywords=["myeloma"], max_age="80 Years")
    assert parse_study(limited(study)) == parse_study(study)


def test_selection_goes_through_lists_item_by_item():
    study = make_study()
    study["protocolSection"]["contactsLocationsModule"]["locations"][0]["contacts"] = [
        {"name": "Site contact", "phone": "555"}
    ]
    site = limited(study)["protocolSection"]["contactsLocationsModule"]["locations"][0]
    assert "contacts" not in site and site["facility"] == "Dana-Farber Cancer Institute"
    assert site["geoPoint"] == {"lat": 42.35843, "lon": -71.05977}


def test_unknown_field_names_are_rejected_like_the_api_does(fake_api):
    import requests

    response = requests.get(f"{fake_api.url}/studies", params={"fields": "NCTId|Nonsense"})
    assert response.status_code == 400
    assert "invalid field name: 'Nonsense'" in response.text
    assert len(SEARCH_FIELDS) == len(set(SEARCH_FIELDS))
