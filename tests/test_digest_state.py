"""Change detection over successive snapshots, and the SQLite state store that keeps them."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest

from trialfinder.criteria import SearchCriteria
from trialfinder.digest.changes import TrialState, compare, counts_text
from trialfinder.digest.config import SavedSearch
from trialfinder.digest.searching import Found, snapshot_of
from trialfinder.digest.state import DigestState, Pending, RunLock, StateBusy, check_state_place
from trialfinder.geo import geocode
from trialfinder.model import parse_study
from trialfinder.request import SearchRequest

from factories import make_study

BOSTON = {
    "facility": "Dana-Farber Cancer Institute",
    "status": "RECRUITING",
    "city": "Boston",
    "state": "Massachusetts",
    "country": "United States",
    "geoPoint": {"lat": 42.33765, "lon": -71.10807},
}
WORCESTER = {
    **BOSTON,
    "facility": "UMass Memorial",
    "city": "Worcester",
    "geoPoint": {"lat": 42.26259, "lon": -71.80229},
}
SPRINGFIELD = {
    **BOSTON,
    "facility": "Baystate",
    "city": "Springfield",
    "geoPoint": {"lat": 42.10148, "lon": -72.58981},
}
NEAR_BOSTON = SearchCriteria(near=geocode("02115"), within_mi=100)


def snapshot(*studies, criteria: SearchCriteria = NEAR_BOSTON) -> dict[str, TrialState]:
    """The digest's view of these study records, as one run of a search would see them."""
    from trialfinder.digest.searching import open_in_range, sites_in_range

    search = SavedSearch("s", SearchRequest(criteria), ("a@example.org",))
    found = {}
    for study in studies:
        trial = parse_study(study)
        found[trial.nct_id] = Found(
            trial,
            sites_in_range=sites_in_range(trial, search),
            open_in_range=open_in_range(trial, search),
        )
    return snapshot_of(found)


def kinds(changes) -> dict[str, str]:
    return {c.nct_id: c.kind for c in changes}


def test_successive_snapshots_of_the_same_trials():
    week1 = snapshot(
        make_study("NCT01000001", status="NOT_YET_RECRUITING", locations=[BOSTON]),
        make_study("NCT01000002", locations=[BOSTON]),
        make_study("NCT01000003", locations=[BOSTON], last_updated="2025-06-01"),
    )
    changes, stored = compare(None, week1)
    assert kinds(changes) == dict.fromkeys(week1, "new") and stored == week1
    assert counts_text(changes) == "3 new"

    # Week 2: nothing moved.
    changes, stored = compare(stored, dict(week1))
    assert changes == [] and stored == week1

    # Week 3: 1 starts recruiting, 2 opens a site in Worcester, 3 is updated, 4 is new.
    week3 = snapshot(
        make_study(
            "NCT01000001", status="RECRUITING", locations=[BOSTON], last_updated="2025-07-01"
        ),
        make_study("NCT01000002", locations=[BOSTON, WORCESTER], last_updated="2025-07-02"),
        make_study("NCT01000003", locations=[BOSTON], last_updated="2025-07-03"),
        make_study("NCT01000004"),
    )
    changes, stored = compare(stored, week3)
    assert [(c.nct_id, c.kind) for c in changes] == [
        ("NCT01000004", "new"),
        ("NCT01000001", "recruiting"),
        ("NCT01000002", "new_site"),
        ("NCT01000003", "updated"),
    ]
    by_id = {c.nct_id: c for c in changes}
    # A trial is listed once, under its most important change, with every change noted.
    assert by_id["NCT01000001"].notes == (
        "The status changed from not yet recruiting to recruiting.",
        "Record updated on 2025-07-01.",
    )
    assert by_id["NCT01000002"].new_sites == (
        "UMass Memorial, Worcester, Massachusetts, United States",
    )
    assert by_id["NCT01000002"].notes[0] == (
        "A site opened 37 mi away: UMass Memorial, Worcester, Massachusetts."
    )
    assert counts_text(changes) == "1 new, 1 now recruiting, 1 new site nearby, 1 updated"
    assert stored == week3

    # Week 4: 3 left the results because it closed; 2 left them with its status unchanged;
    # 1 left and is no longer in the registry at all.
    week4 = snapshot(make_study("NCT01000004"))
    looked_up = {
        "NCT01000003": TrialState("COMPLETED", "2025-08-01"),
        "NCT01000002": TrialState("RECRUITING", "2025-08-01"),
        "NCT01000001": None,
    }
    changes, stored = compare(stored, week4, looked_up)
    assert kinds(changes) == {"NCT01000003": "closed", "NCT01000002": "gone", "NCT01000001": "gone"}
    assert "The status changed from recruiting to completed." in {c.notes[0] for c in changes}
    assert stored == week4


def test_a_trial_that_left_but_was_not_looked_up_is_kept_for_later():
    before = snapshot(make_study("NCT01000001"), make_study("NCT01000002"))
    now = snapshot(make_study("NCT01000002"))
    changes, stored = compare(before, now, missing={})
    assert changes == [] and stored == before


def test_status_changes_while_still_in_the_results():
    before = snapshot(make_study("NCT01000001", status="RECRUITING"))
    after = snapshot(make_study("NCT01000001", status="SUSPENDED"))
    assert kinds(compare(before, after)[0]) == {"NCT01000001": "closed"}
    after = snapshot(make_study("NCT01000001", status="ENROLLING_BY_INVITATION"))
    assert kinds(compare(before, after)[0]) == {"NCT01000001": "status"}


def test_the_nearest_site_closing_is_said_with_the_nearest_open_site_now():
    before = snapshot(make_study("NCT01000001", locations=[BOSTON, SPRINGFIELD]))
    closed = {**BOSTON, "status": "ACTIVE_NOT_RECRUITING"}
    changes, _ = compare(
        before, snapshot(make_study("NCT01000001", locations=[closed, SPRINGFIELD]))
    )
    assert kinds(changes) == {"NCT01000001": "site_closed"}
    assert changes[0].notes == (
        "The nearest site (Dana-Farber Cancer Institute, Boston, Massachusetts, 1 mi) closed; "
        "the nearest open site is now 78 mi away (Baystate, Springfield, Massachusetts).",
    )
    # The last open site in range closes; and a site that left the record is said so.
    changes, _ = compare(before, snapshot(make_study("NCT01000001", locations=[closed])))
    assert (
        changes[0].notes[0].endswith("closed; no other site within the search's distance is open.")
    )
    changes, _ = compare(before, snapshot(make_study("NCT01000001", locations=[SPRINGFIELD])))
    assert (
        "Boston, Massachusetts, 1 mi) is no longer listed; the nearest open site is now"
        in (changes[0].notes[0])
    )


def test_a_site_that_reopens_nearby_is_news_and_a_site_far_away_is_not():
    paused = {**WORCESTER, "status": "SUSPENDED"}
    before = snapshot(make_study("NCT01000001", locations=[BOSTON, paused]))
    changes, _ = compare(before, snapshot(make_study("NCT01000001", locations=[BOSTON, WORCESTER])))
    assert kinds(changes) == {"NCT01000001": "new_site"}
    seattle = {**BOSTON, "city": "Seattle", "geoPoint": {"lat": 47.6, "lon": -122.3}}
    changes, _ = compare(
        before, snapshot(make_study("NCT01000001", locations=[BOSTON, paused, seattle]))
    )
    assert changes == []


def test_without_a_place_no_site_is_nearby():
    anywhere = SearchCriteria()
    before = snapshot(make_study("NCT01000001", locations=[BOSTON]), criteria=anywhere)
    after = snapshot(make_study("NCT01000001", locations=[BOSTON, WORCESTER]), criteria=anywhere)
    assert compare(before, after)[0] == []
    # A state saved by an older version listed every site: none of them is news either.
    old = {nct: replace(state, sites=("Somewhere",)) for nct, state in before.items()}
    assert compare(old, after)[0] == []


def test_a_phase_change_has_its_own_line_and_an_unrecorded_phase_none():
    before = snapshot(make_study("NCT01000001", phases=["PHASE1"]))
    after = snapshot(make_study("NCT01000001", phases=["PHASE1", "PHASE2"]))
    (change,) = compare(before, after)[0]
    assert change.kind == "phase" and change.notes == (
        "The phase changed from phase 1 to phase 1/2.",
    )
    unrecorded = {nct: replace(state, phases=None) for nct, state in before.items()}
    assert compare(unrecorded, after)[0] == []


# -- the store ---------------------------------------------------------------------------------


def test_snapshots_are_kept_per_search_and_recipient(tmp_path):
    path = tmp_path / "s" / "digest.sqlite3"
    week1 = snapshot(make_study("NCT01000001", locations=[BOSTON, WORCESTER]))
    with DigestState.open(path) as state:
        assert state.snapshot("s", "a@example.org") is None
        state.save_snapshot("s", "A@Example.org", week1)
        state.save_snapshot("s", "b@example.org", {})
    with DigestState.open(path) as state:
        assert state.snapshot("s", "a@example.org") == week1
        assert state.snapshot("s", "b@example.org") == {}  # known, nothing delivered yet
        assert state.snapshot("other", "a@example.org") is None


def test_outbox_delivery_stores_the_snapshot_and_clears_the_entry_together(tmp_path):
    path = tmp_path / "digest.sqlite3"
    week1 = snapshot(make_study("NCT01000001"))
    pending = Pending("<id@example.org>", "s", "a@example.org", b"Subject: x\r\n\r\nbody", week1)
    with DigestState.open(path) as state:
        state.put_pending(pending)
    with DigestState.open(path) as state:
        (again,) = state.pending()
        assert (again.message_id, again.message, again.snapshot) == (
            pending.message_id,
            pending.message,
            week1,
        )
        assert state.snapshot("s", "a@example.org") is None
        state.delivered(again)
        assert state.pending() == [] and state.snapshot("s", "a@example.org") == week1
        state.put_pending(pending)
        state.discard(pending)
        assert state.pending() == []


def test_readonly_state_never_creates_or_writes_the_file(tmp_path):
    path = tmp_path / "digest.sqlite3"
    with DigestState.open_readonly(path) as state:
        assert state.snapshot("s", "a@example.org") is None
    assert not path.exists()
    with DigestState.open(path) as state:
        state.save_snapshot("s", "a@example.org", {})
    with DigestState.open_readonly(path) as state:
        assert state.snapshot("s", "a@example.org") == {}
        with pytest.raises(Exception, match="readonly"):
            state.save_snapshot("s", "b@example.org", {})


def test_a_broken_state_file_is_a_clear_config_error(tmp_path):
    from trialfinder.errors import ConfigError

    path = tmp_path / "digest.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ConfigError, match="is a file, not a digest state: it is not written to"):
        DigestState.open(path)


@pytest.mark.parametrize("what", ["folder", "pipe", "another database"])
def test_a_state_path_of_something_else_is_refused_and_left_alone(tmp_path, what):
    # a folder passed `digest check`, then the run failed unclearly; a pipe hung both; another
    # program's database had the digest's tables written into it
    import os
    import sqlite3

    from trialfinder.errors import ConfigError

    path = tmp_path / "state"
    if what == "folder":
        path.mkdir()
    elif what == "pipe":
        os.mkfifo(path)
    else:
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE patients (name TEXT)")
        db.execute("CREATE TABLE meta (key TEXT, value TEXT)")  # (a browser's History has one)
        db.commit()
        db.close()
    before = path.read_bytes() if what == "another database" else None
    for opening in (DigestState.open, DigestState.open_readonly, check_state_place):
        with pytest.raises(ConfigError, match="not a digest state"):
            opening(path)
    if before is not None:
        assert path.read_bytes() == before


def test_a_state_of_the_digest_is_no_other_programs_database(tmp_path):
    path = tmp_path / "digest.sqlite3"
    DigestState.open(path).close()
    check_state_place(path)  # (no error)
    DigestState.open(path).close()


def test_a_second_run_gives_up_after_the_lock_timeout(tmp_path):
    path = tmp_path / "digest.sqlite3"
    with RunLock(path, timeout=0):
        started = time.monotonic()
        with pytest.raises(StateBusy, match="another digest run is using") as info:
            RunLock(path, timeout=0.2).acquire()
        assert time.monotonic() - started >= 0.2
    assert info.value.exit_code == 7
    with RunLock(path, timeout=0):  # released: free again
        pass


def test_a_second_run_waits_for_the_first_to_finish(tmp_path):
    path = tmp_path / "digest.sqlite3"
    first = RunLock(path, timeout=0)
    first.acquire()
    releaser = threading.Timer(0.2, first.release)
    releaser.start()
    started = time.monotonic()
    with RunLock(path, timeout=5):
        assert time.monotonic() - started >= 0.15
    releaser.join()


def test_an_unwritable_state_folder_is_a_config_error(tmp_path):
    from trialfinder.errors import ConfigError

    blocker = tmp_path / "file"
    blocker.write_text("")
    # (not "File exists": no lock file is there, a file is where its folder should be)
    with pytest.raises(ConfigError, match="cannot create the lock file .*: a file is in the way"):
        RunLock(blocker / "digest.sqlite3", timeout=0).acquire()
    with pytest.raises(ConfigError, match="cannot create the digest state file"):
        DigestState.open(blocker / "digest.sqlite3")
