"""What changed in a saved search's results since a recipient's last delivered digest.

A *snapshot* maps NCT ids to :class:`TrialState`: the few facts a digest reports changes of.
:func:`compare` takes the snapshot last delivered to a recipient and the current one, and
returns the changes plus the snapshot to store once the digest is delivered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# The kinds of change, in the order the email shows them; a trial is listed once, under the
# first kind that applies, with every change noted.
KINDS = ("new", "recruiting", "closed", "status", "new_site", "updated", "gone")
KIND_TITLES = {
    "new": "New trials",
    "recruiting": "Now recruiting",
    "closed": "Closed",
    "status": "Status changed",
    "new_site": "New site nearby",
    "updated": "Updated",
    "gone": "No longer matching this search",
}
# Short forms for the subject line: "3 new, 1 now recruiting".
KIND_COUNTS = {
    "new": "new",
    "recruiting": "now recruiting",
    "closed": "closed",
    "status": "status changed",
    "new_site": "new site nearby",
    "updated": "updated",
    "gone": "no longer matching",
}
RECRUITING = "RECRUITING"
CLOSED_STATUSES = frozenset(
    {"ACTIVE_NOT_RECRUITING", "SUSPENDED", "TERMINATED", "COMPLETED", "WITHDRAWN"}
)


@dataclass(frozen=True)
class TrialState:
    """What the digest remembers of one trial."""

    status: str = ""
    last_updated: str = ""
    sites: tuple[str, ...] = ()  # readable labels of the sites within range (all without near)
    title: str = ""


Snapshot = dict[str, TrialState]


@dataclass(frozen=True)
class Change:
    nct_id: str
    kind: str
    notes: tuple[str, ...] = ()  # readable sentences, e.g. "Not yet recruiting → Recruiting"
    before: TrialState | None = None
    after: TrialState | None = None
    new_sites: tuple[str, ...] = ()


def status_words(status: str) -> str:
    return status.replace("_", " ").capitalize() if status else "Unknown"


def _status_kind(old: str, new: str) -> str:
    if new == RECRUITING:
        return "recruiting"
    if new in CLOSED_STATUSES:
        return "closed"
    return "status"


def compare(
    before: Mapping[str, TrialState] | None,
    current: Mapping[str, TrialState],
    missing: Mapping[str, TrialState | None] | None = None,
) -> tuple[list[Change], Snapshot]:
    """Changes from ``before`` (``None``: never delivered) to ``current``.

    ``missing`` holds what is now known of trials that were in ``before`` but are no longer
    in the results (``None``: no longer in the registry at all). A trial missing from the
    results but not looked up is carried over unchanged, to be reported on a later run.
    Returns the changes in :data:`KINDS` order and the snapshot to store after delivery.
    """
    before = before or {}
    missing = missing or {}
    changes: list[Change] = []
    for nct_id, now in current.items():
        old = before.get(nct_id)
        if old is None:
            changes.append(Change(nct_id, "new", after=now, new_sites=now.sites))
            continue
        kinds: list[str] = []
        notes: list[str] = []
        if now.status != old.status:
            kinds.append(_status_kind(old.status, now.status))
            notes.append(f"{status_words(old.status)} → {status_words(now.status)}")
        added = tuple(site for site in now.sites if site not in old.sites)
        if added:
            kinds.append("new_site")
            notes.extend(f"new site: {site}" for site in added)
        if now.last_updated != old.last_updated:
            kinds.append("updated")
            notes.append(f"updated on {now.last_updated or 'an unknown date'}")
        if kinds:
            kind = min(kinds, key=KINDS.index)
            changes.append(Change(nct_id, kind, tuple(notes), old, now, added))

    snapshot: Snapshot = dict(current)
    for nct_id, old in before.items():
        if nct_id in current:
            continue
        if nct_id not in missing:
            snapshot[nct_id] = old  # not looked up this time: report it later
            continue
        now = missing[nct_id]
        if now is None:
            changes.append(Change(nct_id, "gone", ("no longer listed in the registry",), old))
        elif now.status != old.status:
            kind = _status_kind(old.status, now.status)
            note = f"{status_words(old.status)} → {status_words(now.status)}"
            changes.append(Change(nct_id, kind, (note,), old, now))
        else:
            changes.append(Change(nct_id, "gone", ("no longer matches this search",), old, now))
    changes.sort(key=lambda change: KINDS.index(change.kind))
    return changes, snapshot


def count_by_kind(changes: list[Change]) -> dict[str, int]:
    counts = {kind: 0 for kind in KINDS}
    for change in changes:
        counts[change.kind] += 1
    return {kind: n for kind, n in counts.items() if n}


def counts_text(changes: list[Change]) -> str:
    """``3 new, 1 now recruiting``; ``no changes`` when empty."""
    counts = count_by_kind(changes)
    if not counts:
        return "no changes"
    return ", ".join(f"{n} {KIND_COUNTS[kind]}" for kind, n in counts.items())
