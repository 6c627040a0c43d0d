"""Renderers: one streaming function per output format, shared by every command.

Every renderer takes an iterable of *trial records*: the JSON-ready dicts made by
:func:`trial_record`, and writes them to a text stream as they arrive.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from typing import IO, TYPE_CHECKING, Any

from trialfinder.model import Site, Trial

if TYPE_CHECKING:
    from trialfinder.geo import Place

FORMATS = ("table", "json", "ndjson", "csv")
EXTENSIONS = {".json": "json", ".ndjson": "ndjson", ".jsonl": "ndjson", ".csv": "csv"}

PHASE_NAMES = {
    "EARLY_PHASE1": "Early phase 1",
    "PHASE1": "Phase 1",
    "PHASE2": "Phase 2",
    "PHASE3": "Phase 3",
    "PHASE4": "Phase 4",
    "NA": "Not applicable",
}

# The CSV columns and their order; later columns come from annotations when present.
CSV_COLUMNS = (
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
    "last_updated",
    "url",
    "categories",
    "setting",
    "biomarkers",
    "evidence",
    "summary",
)


def status_text(status: str) -> str:
    """``NOT_YET_RECRUITING`` -> ``Not yet recruiting``."""
    return status.replace("_", " ").capitalize() if status else "Unknown"


def phase_text(phases: Iterable[str]) -> str:
    """``("PHASE1", "PHASE2")`` -> ``Phase 1/2``; no phase -> ``Not stated``."""
    phases = list(phases)
    if not phases:
        return "Not stated"
    if len(phases) == 2 and all(p.startswith("PHASE") for p in phases):
        return f"Phase {phases[0][-1]}/{phases[1][-1]}"
    return ", ".join(PHASE_NAMES.get(p, p) for p in phases)


def age_text(trial: Trial) -> str:
    low, high = trial.eligibility.min_age_text, trial.eligibility.max_age_text
    if low and high:
        return f"{low.lower()} to {high.lower()}"
    if low:
        return f"{low.lower()} and older"
    if high:
        return f"up to {high.lower()}"
    return "any age"


def site_record(site: Site) -> dict[str, str]:
    """A site as records show it (``nearest_site``): where it is and its own status."""
    return {
        "facility": site.facility,
        "city": site.city,
        "state": site.state,
        "zip": site.zip,
        "country": site.country,
        "status": site.status,
    }


def site_text(site: Site) -> str:
    """``Dana-Farber Cancer Institute, Boston, Massachusetts, United States``."""
    return ", ".join(p for p in (site.facility, site.city, site.state, site.country) if p)


def distance_text(miles: float | None) -> str:
    return "unknown" if miles is None else f"{miles:,.1f} mi"


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
        "interventions": [i.name for i in trial.interventions if i.name],
        "min_age": elig.min_age_years,
        "max_age": elig.max_age_years,
        "sex": elig.sex or None,
        "sites_count": len(trial.sites),
        "last_updated": trial.last_updated or None,
        "url": trial.url,
    }
    if annotations:
        record.update(annotations)
    return record


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
    return {**site_record(site), "latitude": site.latitude, "longitude": site.longitude}


# -- renderers ------------------------------------------------------------------------------


def write_json(records: Iterable[Mapping[str, Any]], out: IO[str]) -> int:
    """A JSON array, written one object at a time."""
    count = 0
    out.write("[")
    for record in records:
        out.write(",\n" if count else "\n")
        out.write(json.dumps(record, ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def write_ndjson(records: Iterable[Mapping[str, Any]], out: IO[str]) -> int:
    count = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Mapping) and "reason" in value:  # a tag's evidence: its sentence
        return str(value["reason"])
    if isinstance(value, (list, tuple)):
        return "; ".join(csv_cell(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def write_csv(records: Iterable[Mapping[str, Any]], out: IO[str]) -> int:
    """RFC 4180 CSV with a header row; list values are joined with "; "."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    count = 0
    for record in records:
        writer.writerow([csv_cell(record.get(column)) for column in CSV_COLUMNS])
        count += 1
    return count


def write_table(
    records: Iterable[Mapping[str, Any]], out: IO[str], *, show_distance: bool = False
) -> int:
    """A table for people: NCT id, short title, status, phase, conditions.

    ``show_distance`` (a search near a place) adds the nearest site and its distance.
    """
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False, header_style="bold", expand=False)
    table.add_column("NCT id", no_wrap=True)
    table.add_column("Title", ratio=3)
    table.add_column("Status", ratio=1)
    table.add_column("Phase", no_wrap=True)
    table.add_column("Conditions", ratio=2)
    if show_distance:
        table.add_column("Nearest site", ratio=2)
        table.add_column("Distance", no_wrap=True, justify="right")
    count = 0
    for record in records:
        cells = [
            record["nct_id"],
            _shorten(record.get("title") or "", 90),
            status_text(record.get("status") or ""),
            phase_text(record.get("phases") or ()),
            _shorten(", ".join(record.get("conditions") or ()), 60),
        ]
        if show_distance:
            cells += [
                _nearest_cell(record.get("nearest_site")),
                distance_text(record.get("distance_mi")),
            ]
        table.add_row(*cells)
        count += 1
    if count:
        Console(file=out, soft_wrap=False).print(table)
    return count


def _nearest_cell(site: Mapping[str, Any] | None) -> str:
    """``Dana-Farber Cancer Institute, Boston, Massachusetts (recruiting)``."""
    if not site:
        return "no site location given"
    region = site.get("state") or site.get("country")
    parts = [_shorten(site.get("facility") or "", 45), site.get("city"), region]
    status = status_text(site["status"]).lower() if site.get("status") else "status not given"
    return f"{', '.join(p for p in parts if p)} ({status})"


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


RENDERERS = {
    "table": write_table,
    "json": write_json,
    "ndjson": write_ndjson,
    "csv": write_csv,
}


def render(
    fmt: str, records: Iterable[Mapping[str, Any]], out: IO[str], *, show_distance: bool = False
) -> int:
    """Write ``records`` in format ``fmt``; returns how many were written.

    ``show_distance`` adds the nearest-site columns to the table (the other formats always
    carry ``nearest_site`` and ``distance_mi``).
    """
    if fmt == "table":
        return write_table(records, out, show_distance=show_distance)
    return RENDERERS[fmt](records, out)


def sites_with_distances(trial: Trial, near: Place) -> list[tuple[Site, float | None]]:
    """Every site of ``trial``, nearest to ``near`` first; sites without coordinates last."""
    from trialfinder.geo import sites_by_distance

    located = [(n.site, n.distance_mi) for n in sites_by_distance(trial, near.lat, near.lon)]
    return located + [(s, None) for s in trial.sites if not s.has_coordinates]


def trial_text(
    trial: Trial,
    templates: str | None = None,
    max_sites: int = 20,
    near: Place | None = None,
    tags: Any = None,
    summary: str | None = None,
) -> str:
    """One trial in full, as readable text (``show``), from the ``trial.txt.j2`` template.

    ``summary`` (the plain-language summary) leads when given. With ``near``, the sites are
    listed nearest first, with their distances; with ``tags`` (from
    :func:`trialfinder.tagging.tag_trial`), its tags and their evidence are shown.
    """
    from trialfinder.geo import nearest_site
    from trialfinder.templating import render as render_template

    countries = sorted({s.country for s in trial.sites if s.country})
    context: dict[str, Any] = {"near": None, "nearest": None, "site_distances": [], "unlocated": 0}
    if near is not None:
        context = {
            "near": near,
            "nearest": nearest_site(trial, near.lat, near.lon),
            "site_distances": sites_with_distances(trial, near)[:max_sites],
            "unlocated": sum(1 for s in trial.sites if not s.has_coordinates),
        }
    return render_template(
        "trial.txt.j2",
        templates,
        trial=trial,
        age=age_text(trial),
        countries=countries,
        sites=trial.sites[:max_sites],
        tags=tags,
        summary=summary,
        **context,
    )
