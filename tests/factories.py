"""Build study records in the real ClinicalTrials.gov API v2 shape, for tests."""

from __future__ import annotations

import copy
from typing import Any

BOSTON_SITE = {
    "facility": "Dana-Farber Cancer Institute",
    "status": "RECRUITING",
    "city": "Boston",
    "state": "Massachusetts",
    "zip": "02215",
    "country": "United States",
    "geoPoint": {"lat": 42.35843, "lon": -71.05977},
}


def make_study(
    nct_id: str = "NCT01000001",
    title: str = "Teclistamab in Relapsed or Refractory Multiple Myeloma",
    status: str = "RECRUITING",
    phases: list[str] | None = None,
    conditions: list[str] | None = None,
    interventions: list[dict[str, Any]] | None = None,
    arm_groups: list[dict[str, Any]] | None = None,
    criteria: str = "Inclusion Criteria:\n\n* Relapsed or refractory multiple myeloma\n\n"
    "Exclusion Criteria:\n\n* Active brain metastases",
    min_age: str | None = "18 Years",
    max_age: str | None = None,
    sex: str = "ALL",
    locations: list[dict[str, Any]] | None = None,
    central_contacts: list[dict[str, Any]] | None = None,
    last_updated: str = "2025-06-01",
    first_posted: str = "2024-01-15",
    summary: str = "This study tests teclistamab in people whose myeloma came back.",
    keywords: list[str] | None = None,
    primary_purpose: str = "TREATMENT",
    **extra_protocol: Any,
) -> dict[str, Any]:
    """A full study record; any module can be replaced through ``extra_protocol``."""
    if interventions is None:
        interventions = [
            {
                "type": "DRUG",
                "name": "Teclistamab",
                "otherNames": ["JNJ-64007957"],
                "armGroupLabels": ["Teclistamab"],
            }
        ]
    if arm_groups is None:
        arm_groups = [
            {
                "label": "Teclistamab",
                "type": "EXPERIMENTAL",
                "description": "Teclistamab given under the skin once a week.",
                "interventionNames": [f"Drug: {i['name']}" for i in interventions],
            }
        ]
    eligibility: dict[str, Any] = {
        "eligibilityCriteria": criteria,
        "sex": sex,
        "healthyVolunteers": False,
    }
    if min_age:
        eligibility["minimumAge"] = min_age
    if max_age:
        eligibility["maximumAge"] = max_age
    protocol: dict[str, Any] = {
        "identificationModule": {
            "nctId": nct_id,
            "briefTitle": title,
            "officialTitle": f"A Study of {title}",
        },
        "statusModule": {
            "overallStatus": status,
            "startDateStruct": {"date": "2024-03", "type": "ACTUAL"},
            "studyFirstPostDateStruct": {"date": first_posted, "type": "ACTUAL"},
            "lastUpdatePostDateStruct": {"date": last_updated, "type": "ACTUAL"},
        },
        "sponsorCollaboratorsModule": {
            "leadSponsor": {"name": "Example Cancer Center", "class": "OTHER"}
        },
        "descriptionModule": {"briefSummary": summary},
        "conditionsModule": {
            "conditions": conditions or ["Multiple Myeloma"],
            "keywords": keywords or [],
        },
        "designModule": {
            "studyType": "INTERVENTIONAL",
            "phases": phases if phases is not None else ["PHASE2"],
            "designInfo": {"primaryPurpose": primary_purpose},
        },
        "armsInterventionsModule": {"armGroups": arm_groups, "interventions": interventions},
        "eligibilityModule": eligibility,
        "contactsLocationsModule": {
            "centralContacts": central_contacts
            if central_contacts is not None
            else [
                {
                    "name": "Study Team",
                    "role": "CONTACT",
                    "phone": "617-555-0100",
                    "email": "trials@example.org",
                }
            ],
            "locations": locations if locations is not None else [dict(BOSTON_SITE)],
        },
    }
    protocol.update(copy.deepcopy(extra_protocol))
    return {"protocolSection": protocol, "derivedSection": {}, "hasResults": False}


def drug(
    name: str,
    arms: tuple[str, ...] | list[str] = ("Arm A",),
    kind: str = "DRUG",
    other_names: tuple[str, ...] | list[str] = (),
    description: str = "",
) -> dict[str, Any]:
    """One intervention, in the record's shape, given in ``arms``."""
    return {
        "type": kind,
        "name": name,
        "otherNames": list(other_names),
        "description": description,
        "armGroupLabels": list(arms),
    }


def arm(
    label: str, names: list[str], kind: str = "EXPERIMENTAL", description: str = ""
) -> dict[str, Any]:
    """One arm group, in the record's shape; ``names`` as "Drug: X"."""
    return {"label": label, "type": kind, "description": description, "interventionNames": names}


def make_page(
    studies: list[dict], next_token: str | None = None, total: int | None = None
) -> dict[str, Any]:
    page: dict[str, Any] = {"studies": studies}
    if total is not None:
        page["totalCount"] = total
    if next_token:
        page["nextPageToken"] = next_token
    return page


def many_studies(count: int, prefix: int = 1) -> list[dict[str, Any]]:
    return [
        make_study(nct_id=f"NCT{prefix * 10_000_000 + n:08d}", title=f"Trial number {n}")
        for n in range(1, count + 1)
    ]
