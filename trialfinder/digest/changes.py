"""What changed in a saved search's results since a recipient's last delivered digest.

A *snapshot* maps NCT ids to :class:`TrialState`: the few facts a digest reports changes of.
:func:`compare` takes the snapshot last delivered to a recipient and the current one, and
returns the changes plus the snapshot to store once the digest is delivered. Each change that
matters is noted in a plain sentence of its own: a status or phase that changed, a site near
the search's place that opened, the nearest open site that closed (and how far the nearest
open one now is). Sites are followed only for a search with a place: without one, no site is
"nearby".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from trialfinder.model import CLOSED_STATUSES
from trialfinder.wording import miles_text, phase_text, short_label, status_text

# The kinds of change, in the order the email shows them; a trial is listed once, under the
# first kind that applies, with every change noted.
KINDS = (
    "new",
    "now_possible",
    "recruiting",
    "closed",
    "site_closed",
    "status",
    "phase",
    "new_site",
    "updated",
    "now_check",
    "now_not_yet",
    "now_excluded",
    "gone",
)
KIND_TITLES = {
    "new": "New trials",
    "now_possible": "Could fit you now",
    "recruiting": "Now recruiting",
    "closed": "Closed",
    "site_closed": "Nearest site closed",
    "status": "Status changed",
    "phase": "Phase changed",
    "new_site": "New site nearby",
    "updated": "Updated",
    "now_check": "Now to check",
    "now_not_yet": "Not yet for you",
    "now_excluded": "No longer for you",
    "gone": "No longer matching this search",
}
# Short forms for the subject line: "3 new, 1 now recruiting".
KIND_COUNTS = {
    "new": "new",
    "now_possible": "newly possible",
    "recruiting": "now recruiting",
    "closed": "closed",
    "site_closed": "nearest site closed",
    "status": "status changed",
    "phase": "phase changed",
    "new_site": "new site nearby",
    "updated": "updated",
    "now_check": "now to check",
    "now_not_yet": "not yet for you",
    "now_excluded": "newly excluded",
    "gone": "no longer matching",
}
# The kind of change a new verdict of the prescreen makes, and its sentence.
FIT_KINDS = {
    "possible": "now_possible",
    "check": "now_check",
    "not-yet": "now_not_yet",
    "excluded": "now_excluded",
}
FIT_SENTENCES = {
    "possible": "Checked against your profile, it could fit you now (it was {before}).",
    "check": "Checked against your profile, it now needs checking (it was {before}).",
    "not-yet": "Checked against your profile, it could fit you only after a wait since your"
    " last treatment (it was {before}).",
    "excluded": "Checked against your profile, it no longer fits you (it was {before}).",
}
RECRUITING = "RECRUITING"


@dataclass(frozen=True)
class TrialState:
    """What the digest remembers of one trial."""

    status: str = ""
    last_updated: str = ""
    sites: tuple[str, ...] = ()  # labels of the sites within range of the search's place
    title: str = ""
    phases: tuple[str, ...] | None = None  # None: not recorded (a state saved before them)
    # The open (recruiting or not yet) sites within range, (label, miles), nearest first;
    # None without a place, or not recorded.
    open_sites: tuple[tuple[str, float], ...] | None = None
    # The prescreen's verdict against the recipient's profile; None without one.
    fit: str | None = None


Snapshot = dict[str, TrialState]


@dataclass(frozen=True)
class Change:
    nct_id: str
    kind: str
    notes: tuple[str, ...] = ()  # readable sentences, e.g. "Not yet recruiting → Recruiting"
    before: TrialState | None = None
    after: TrialState | None = None
    new_sites: tuple[str, ...] = ()


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
            notes.append(status_sentence(old.status, now.status))
        if old.phases is not None and now.phases is not None and old.phases != now.phases:
            kinds.append("phase")
            notes.append(f"The phase changed from {_phase(old.phases)} to {_phase(now.phases)}.")
        closed = _nearest_closed(old, now)
        if closed:
            kinds.append("site_closed")
            notes.append(closed)
        opened = _opened_sites(old, now, closed)
        if opened:
            kinds.append("new_site")
            notes.extend(
                f"A site opened {miles_text(miles)} away: {short_label(label)}."
                for label, miles in opened
            )
        if now.last_updated != old.last_updated:
            kinds.append("updated")
            notes.append(f"Record updated on {now.last_updated or 'an unknown date'}.")
        if old.fit is not None and now.fit is not None and old.fit != now.fit:
            kinds.append(FIT_KINDS[now.fit])
            notes.append(FIT_SENTENCES[now.fit].format(before=old.fit))
        if kinds:
            kind = min(kinds, key=KINDS.index)
            added = tuple(label for label, _ in opened)
            changes.append(Change(nct_id, kind, tuple(notes), old, now, added))

    snapshot: Snapshot = dict(current)
    for nct_id, old in before.items():
        if nct_id in current:
            continue
        if nct_id not in missing:
            snapshot[nct_id] = old  # not looked up this time: report it later
            continue
        found = missing[nct_id]
        if found is None:
            changes.append(Change(nct_id, "gone", ("No longer listed in the registry.",), old))
        elif found.status != old.status:
            kind = _status_kind(old.status, found.status)
            note = status_sentence(old.status, found.status)
            changes.append(Change(nct_id, kind, (note,), old, found))
        else:
            changes.append(Change(nct_id, "gone", ("No longer matches this search.",), old, found))
    changes.sort(key=lambda change: KINDS.index(change.kind))
    return changes, snapshot


def status_sentence(old: str, new: str) -> str:
    """``The status changed from Not yet recruiting to Recruiting.``"""
    return f"The status changed from {status_text(old).lower()} to {status_text(new).lower()}."


def _phase(phases: tuple[str, ...]) -> str:
    return phase_text(phases).lower()


def _nearest_closed(old: TrialState, now: TrialState) -> str:
    """The sentence for the nearest open site no longer being open, or ``""``."""
    if not old.open_sites or now.open_sites is None:
        return ""
    label, miles = old.open_sites[0]
    if any(other == label for other, _ in now.open_sites):
        return ""
    what = "closed" if label in now.sites else "is no longer listed"
    if now.open_sites:
        nearest, now_miles = now.open_sites[0]
        then = f"the nearest open site is now {miles_text(now_miles)} away ({short_label(nearest)})"
    else:
        then = "no other site within the search's distance is open"
    return f"The nearest site ({short_label(label)}, {miles_text(miles)}) {what}; {then}."


def _opened_sites(old: TrialState, now: TrialState, closed: str) -> list[tuple[str, float]]:
    """Sites within range that are open now and were not (new, or newly open); the one the
    closing sentence already names as the nearest is not repeated."""
    if now.open_sites is None:
        return []
    if old.open_sites is None:  # saved before open sites were: the sites new within range
        opened = [(label, miles) for label, miles in now.open_sites if label not in old.sites]
    else:
        was_open = {label for label, _ in old.open_sites}
        opened = [(label, miles) for label, miles in now.open_sites if label not in was_open]
    if closed and opened and now.open_sites and opened[0] == now.open_sites[0]:
        opened = opened[1:]
    return opened


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
