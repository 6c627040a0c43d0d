"""Records: the JSON-ready objects every format and command shows for a trial.

:func:`trial_record` is the object of one search result (``search --format json``, one line of
NDJSON, the source of a CSV row or a table line); :func:`trial_details` adds what ``show
--format json`` gives on top. The pieces (a site, a contact, the tags) are made here too, once.
``pipeline.to_record`` puts a result's computed parts into its record.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from trialfinder.geo import Place, sites_by_distance
from trialfinder.model import RECRUITING_STATUSES, Contact, Site, Trial
from trialfinder.tagging.tags import Tags


def trial_record(trial: Trial, annotations: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The JSON object for one trial, as every format and command shows it.

    ``annotations`` adds computed fields (tags, nearest site, summary, ...) after the base ones.
    """
    elig = trial.eligibility
    record: dict[str, Any] = {
        "nct_id": trial.nct_id,
        "title": trial.title,
        "status": trial.overall_status,
        "phases": list(trial.phases),
        "conditions": list(trial.conditions),
        "interventions": unique(i.name for i in trial.interventions if i.name),
        "min_age": elig.min_age_years,
        "max_age": elig.max_age_years,
        "sex": elig.sex or None,
        "sites_count": len(trial.sites),
        "central_contact": (
            contact_record(trial.central_contacts[0]) if trial.central_contacts else None
        ),
        "first_posted": trial.first_posted or None,
        "last_updated": trial.last_updated or None,
        "url": trial.url,
    }
    if annotations:
        record.update(annotations)
    return record


def tag_record(tags: Tags | None) -> dict[str, Any]:
    """The record keys of the tags: categories, settings, biomarkers, requirements, evidence."""
    if tags is None:
        return {
            "categories": [],
            "comparator_categories": [],
            "setting": [],
            "biomarkers": [],
            "excluded_biomarkers": [],
            "requirements": [],
            "evidence": [],
        }
    return {
        "categories": list(tags.categories),
        "comparator_categories": list(tags.comparator_categories),
        "setting": list(tags.settings),
        "biomarkers": list(tags.biomarkers),
        "excluded_biomarkers": list(tags.excluded_biomarkers),
        "requirements": [r.as_dict() for r in tags.requirements],
        "evidence": [e.as_dict() for e in tags.evidence],
    }


def unique(names: Iterable[str]) -> list[str]:
    """``names`` without repeats (whatever their case), each as first written.

    A trial lists a drug once per arm or form ("Iberdomide; Iberdomide"): one name is enough.
    """
    seen: set[str] = set()
    kept = []
    for name in names:
        if name.casefold() not in seen:
            seen.add(name.casefold())
            kept.append(name)
    return kept


def site_record(site: Site) -> dict[str, Any]:
    """A site as records show it (``nearest_site``): where it is, its own status and whom to
    call there (:func:`site_contact`)."""
    return {
        "facility": site.facility,
        "city": site.city,
        "state": site.state,
        "zip": site.zip,
        "country": site.country,
        "status": site.status,
        "contact": site_contact(site),
    }


def site_contact(site: Site) -> dict[str, str | None] | None:
    """Whom to call at ``site``: its first contact with a phone or email (a listed contact
    before an investigator); ``None`` when the site gives none."""
    reachable = [c for c in site.contacts if c.phone or c.email]
    for contact in reachable:
        if contact.role in ("", "CONTACT"):
            return contact_record(contact)
    return contact_record(reachable[0]) if reachable else None


def contact_record(contact: Contact) -> dict[str, str | None]:
    """A contact as records show it; empty parts are ``None``."""
    return {
        "name": contact.name or None,
        "role": contact.role or None,
        "phone": contact.phone or None,
        "phone_ext": contact.phone_ext or None,
        "email": contact.email or None,
    }


def trial_details(trial: Trial, near: Place | None = None) -> dict[str, Any]:
    """The full details that ``show --format json`` adds to the search record.

    With ``near``, the sites come nearest first, each with its ``distance_mi`` (null for a
    site without coordinates; those come last and are counted).
    """
    elig = trial.eligibility
    details: dict[str, Any] = {
        "official_title": trial.official_title or None,
        "acronym": trial.acronym or None,
        "study_type": trial.study_type or None,
        "primary_purpose": trial.primary_purpose or None,
        "keywords": list(trial.keywords),
        "lead_sponsor": trial.lead_sponsor or None,
        "first_posted": trial.first_posted or None,
        "start_date": trial.start_date or None,
        "brief_summary": trial.brief_summary or None,
        "min_age_text": elig.min_age_text or None,
        "max_age_text": elig.max_age_text or None,
        "healthy_volunteers": elig.healthy_volunteers,
        "eligibility_criteria": elig.criteria or None,
        "intervention_details": [
            {
                "type": i.type,
                "name": i.name,
                "other_names": list(i.other_names),
                "description": i.description,
                "arm_group_labels": list(i.arm_group_labels),
            }
            for i in trial.interventions
        ],
        "arm_groups": [
            {
                "label": a.label,
                "type": a.type,
                "description": a.description,
                "interventions": list(a.intervention_names),
            }
            for a in trial.arm_groups
        ],
        "central_contacts": [
            {"name": c.name, "role": c.role, "phone": c.phone, "email": c.email}
            for c in trial.central_contacts
        ],
        "sites": [site_details(s) for s in trial.sites],
    }
    if near is not None:
        details["near"] = {"name": near.name, "lat": near.lat, "lon": near.lon}
        details["sites"] = [
            {**site_details(site), "distance_mi": None if miles is None else round(miles, 1)}
            for site, miles in sites_with_distances(trial, near)
        ]
        details["sites_without_coordinates"] = sum(1 for s in trial.sites if not s.has_coordinates)
    return details


def site_details(site: Site) -> dict[str, Any]:
    """A site with its coordinates, as ``show --format json`` lists each."""
    return {**site_record(site), "latitude": site.latitude, "longitude": site.longitude}


def sites_with_distances(trial: Trial, near: Place) -> list[tuple[Site, float | None]]:
    """Every site of ``trial``, nearest to ``near`` first; sites without coordinates last."""
    located = [(n.site, n.distance_mi) for n in sites_by_distance(trial, near.lat, near.lon)]
    return located + [(s, None) for s in trial.sites if not s.has_coordinates]


def sites_open_first(sites: Iterable[Site]) -> list[Site]:
    """``sites``, those that take patients or are about to first, then the others that may
    enrol (without a status, or one the registry adds later), then the closed ones; in the
    record's order within each group."""
    return sorted(
        sites, key=lambda s: 0 if s.status in RECRUITING_STATUSES else 1 if s.may_enrol else 2
    )


def recruiting_sites(sites: Iterable[Site]) -> int | None:
    """How many of ``sites`` are recruiting; None when none of them gives a status."""
    statuses = [s.status for s in sites if s.status]
    return statuses.count("RECRUITING") if statuses else None


class Counted:
    """Counts the records (or any items) passing through an iterable (``count``)."""

    def __init__(self, items: Iterable[Any]) -> None:
        self._items = items
        self.count = 0

    def __iter__(self) -> Iterator[Any]:
        for item in self._items:
            self.count += 1
            yield item
