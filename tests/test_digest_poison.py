"""A digest cannot be poisoned: whatever goes wrong with one recipient's message is that
recipient's failure, recorded, retried with back-off and at last set aside, while every other
recipient is served; the state's own errors stop the run with their true cause and lose
nothing already recorded. Real SMTP (aiosmtpd) and the fake API, both on loopback.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from trialfinder.cli import cli
from trialfinder.digest import run as run_module
from trialfinder.digest.changes import TrialState
from trialfinder.digest.smtp import send_message
from trialfinder.digest.state import DigestState, Pending, RunLock, StateBusy, StateError
from trialfinder.errors import ExitCode

from digestkit import FAMILY, NAVIGATOR, run, write_config
from factories import make_study
from smtpserver import SmtpServer

JOSE = "jösé@example.org"  # a non-ASCII name before the @: needs SMTPUTF8
SUBJECT = "2 new: refractory myeloma trials near Boston"


@pytest.fixture
def smtp():
    with SmtpServer() as server:  # no SMTPUTF8, as many relays
        yield server


@pytest.fixture
def two_trials(fake_api):
    fake_api.studies[:] = [make_study("NCT01000001"), make_study("NCT01000002")]
    return fake_api


def state_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "digest.sqlite3"


def by_recipient(server) -> dict[str, list[str]]:
    """Message-IDs each recipient received, in order."""
    received: dict[str, list[str]] = {}
    for message in server.received:
        for recipient in message.rcpt_tos:
            received.setdefault(recipient, []).append(message.message["Message-ID"])
    return received


def poison_the_outbox(tmp_path: Path, recipient: str = JOSE) -> Pending:
    """What an earlier version left: a message to an address the server cannot take."""
    pending = Pending(
        "<digest.poisoned@example.org>",
        "Refractory myeloma near Boston",
        recipient,
        f"From: digest@example.org\r\nTo: {recipient}\r\nMessage-ID: <digest.poisoned@"
        "example.org>\r\nSubject: 1 new\r\n\r\nbody\r\n".encode(),
        {"NCT01000001": TrialState("RECRUITING", "2025-06-01")},
        created="2026-01-01T07:00:00+00:00",
    )
    with DigestState.open(state_path(tmp_path)) as state:
        state.put_pending(pending)
    return pending


def status(config: Path) -> str:
    result = CliRunner().invoke(cli, ["digest", "status", "--config", str(config)])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_poisoned_message_in_the_outbox_never_stops_the_others(two_trials, smtp, tmp_path):
    config = write_config(
        tmp_path, smtp.port, recipients=(JOSE, NAVIGATOR, FAMILY), digest_extra="max_tries = 3"
    )
    poison_the_outbox(tmp_path)

    report = run(config)
    assert (report.sent, report.failed, report.exit_code) == (2, 1, ExitCode.DELIVERY)
    assert by_recipient(smtp).keys() == {NAVIGATOR, FAMILY}
    text = status(config)
    assert "outbox: 1 message not yet confirmed" in text
    assert f"{JOSE} ('Refractory myeloma near Boston'), <digest.poisoned@example.org>" in text
    assert "1 failed try of 3" in text and "does not offer SMTPUTF8" in text

    # Tried again at each run (no wait in the tests), and set aside at the third failure.
    assert run(config).failed == 1
    report = run(config)
    assert (report.failed, report.set_aside, report.sent) == (1, 1, 0)
    text = status(config)
    assert "outbox: 0 messages" in text and "dead letters: 1" in text
    assert f"{JOSE} ('Refractory myeloma near Boston'), <digest.poisoned@example.org>" in text
    assert "after 3 failed tries: 127.0.0.1:" in text

    # No longer held back: the next run builds José a message of their own (refused outright
    # here, so not kept), and a server with SMTPUTF8 delivers it, once.
    report = run(config)
    assert (report.failed, report.sent) == (1, 0)
    with DigestState.open(state_path(tmp_path)) as state:
        assert state.pending() == []
    with SmtpServer(smtputf8=True) as better:
        config = write_config(
            tmp_path,
            better.port,
            recipients=(JOSE, NAVIGATOR, FAMILY),
            digest_extra="max_tries = 3",
        )
        assert run(config).sent == 1
        assert run(config).sent == 0
        (received,) = better.received
        assert received.rcpt_tos == [JOSE] and received.message["Subject"] == SUBJECT
        assert received.message["To"] == JOSE
    # Nobody else ever got anything twice.
    assert {r: len(ids) for r, ids in by_recipient(smtp).items()} == {NAVIGATOR: 1, FAMILY: 1}
    assert "failing recipients: 0" in status(config)


def test_any_error_while_sending_is_that_recipients_failure(two_trials, smtp, tmp_path, caplog):
    config = write_config(tmp_path, smtp.port, recipients=(NAVIGATOR, "x@example.org", FAMILY))

    def sender(smtp_config, password, sender, recipient, data):
        if recipient == "x@example.org":
            raise UnicodeEncodeError("ascii", "ö", 0, 1, "ordinal not in range(128)")
        send_message(smtp_config, password, sender, recipient, data)

    report = run(config, sender=sender)
    assert (report.sent, report.failed, report.exit_code) == (2, 1, ExitCode.DELIVERY)
    (error,) = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert error.startswith("not delivered to x@example.org ('Refractory myeloma near Boston'): ")
    assert "UnicodeEncodeError: 'ascii' codec can't encode character" in error
    # An unforeseen error: whether it arrived is not known, so the same message goes again.
    assert "sent again, with the same Message-ID, by the next run (failed try 1 of 5)" in error
    with DigestState.open(state_path(tmp_path)) as state:
        (pending,) = state.pending()
        assert pending.recipient == "x@example.org"
    assert run(config).sent == 1
    assert {r: len(ids) for r, ids in by_recipient(smtp).items()} == {
        NAVIGATOR: 1,
        FAMILY: 1,
        "x@example.org": 1,
    }
    assert by_recipient(smtp)["x@example.org"] == [pending.message_id]


def test_a_message_that_cannot_be_built_is_that_recipients_failure(
    two_trials, smtp, tmp_path, monkeypatch, caplog
):
    config = write_config(tmp_path, smtp.port, recipients=(NAVIGATOR, FAMILY))
    real_build = run_module.build_message

    def build(content, **kwargs):
        if content.recipient == NAVIGATOR:
            raise ValueError("Header values may not contain linefeed or carriage return")
        return real_build(content, **kwargs)

    monkeypatch.setattr(run_module, "build_message", build)
    report = run(config)
    assert (report.sent, report.failed, report.exit_code) == (1, 1, ExitCode.DELIVERY)
    assert by_recipient(smtp).keys() == {FAMILY}
    (error,) = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert "the message cannot be built: ValueError: Header values may not contain" in error
    monkeypatch.setattr(run_module, "build_message", real_build)
    assert run(config).sent == 1
    assert {r: len(ids) for r, ids in by_recipient(smtp).items()} == {NAVIGATOR: 1, FAMILY: 1}


def test_a_failed_recipient_waits_longer_before_each_new_try(two_trials, smtp, tmp_path, caplog):
    config = write_config(tmp_path, smtp.port, recipients=(NAVIGATOR, FAMILY), retry_wait=3600)
    start = dt.datetime(2026, 11, 30, 7, 0, tzinfo=dt.timezone.utc)
    smtp.refuse_rcpt("452 4.2.2 Mailbox full", FAMILY)
    assert run(config, now=start).failed == 1
    rcpts_before = len(smtp.received)

    # Too soon: FAMILY is not tried, and the run says so (exit 7: not delivered).
    report = run(config, now=start + dt.timedelta(minutes=59))
    assert (report.failed, report.deferred, report.exit_code) == (0, 1, ExitCode.DELIVERY)
    assert any(
        r.getMessage().startswith(f"not tried again yet for {FAMILY}")
        and "1 failed try, the last: " in r.getMessage()
        and "next try from 2026-11-30T08:00+00:00" in r.getMessage()
        for r in caplog.records
    )
    # An hour after: tried, fails again; the next wait is two hours.
    assert run(config, now=start + dt.timedelta(hours=1)).failed == 1
    assert run(config, now=start + dt.timedelta(hours=2, minutes=59)).deferred == 1
    smtp.handler.rcpt_replies.clear()
    report = run(config, now=start + dt.timedelta(hours=3))
    assert (report.sent, report.exit_code) == (1, ExitCode.OK)
    assert len(smtp.received) == rcpts_before + 1
    assert {r: len(ids) for r, ids in by_recipient(smtp).items()} == {NAVIGATOR: 1, FAMILY: 1}
    # Delivered: the count starts again.
    with DigestState.open(state_path(tmp_path)) as state:
        assert state.failures() == []


def test_a_state_reached_through_a_symbolic_link_takes_the_same_lock(two_trials, smtp, tmp_path):
    config = write_config(tmp_path, smtp.port)
    real = state_path(tmp_path)
    real.parent.mkdir(parents=True)
    link = tmp_path / "link.sqlite3"
    link.symlink_to(real)
    linked = tmp_path / "linked.toml"
    linked.write_text(config.read_text().replace(str(real), str(link)))
    with RunLock(real, timeout=0), pytest.raises(StateBusy, match="another digest run is using"):
        run(linked)
    assert smtp.received == []
    # Two runs at once, one by each path: each change is sent once.
    import threading

    for path in (config, linked):
        path.write_text(path.read_text().replace("lock_timeout = 0", "lock_timeout = 30"))
    reports = []
    threads = [
        threading.Thread(target=lambda p=p: reports.append(run(p))) for p in (config, linked)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(r.sent for r in reports) == [0, 1]
    assert len(smtp.received) == 1
    assert not link.with_name("link.sqlite3.lock").exists()


def test_a_state_locked_by_another_program_mid_run_stops_with_the_cause(two_trials, smtp, tmp_path):
    config = write_config(tmp_path, smtp.port, recipients=(NAVIGATOR, FAMILY))
    blocker: list[sqlite3.Connection] = []

    def sender(*args):
        send_message(*args)
        if args[3] == FAMILY:  # the second message is out; now another program writes
            db = sqlite3.connect(state_path(tmp_path), isolation_level=None)
            db.execute("BEGIN EXCLUSIVE")
            blocker.append(db)

    result = CliRunner().invoke(cli, ["digest", "run", "--config", str(config)])
    assert result.exit_code == 0  # (a normal run first, so that FAMILY is the second)
    two_trials.studies.append(make_study("NCT01000003"))
    with pytest.raises(StateBusy) as info:
        run(config, sender=sender)
    assert info.value.exit_code == ExitCode.DELIVERY
    assert f"the digest state file '{state_path(tmp_path)}' is locked by another program" in (
        info.value.message
    )
    assert "(database is locked)" in info.value.message
    blocker[0].execute("ROLLBACK")
    blocker[0].close()
    # NAVIGATOR's delivery was recorded; FAMILY's message, sent but not recorded, goes again
    # with the same Message-ID.
    family_id = by_recipient(smtp)[FAMILY][-1]
    assert run(config).sent == 1
    assert by_recipient(smtp)[FAMILY][-2:] == [family_id, family_id]
    assert len(by_recipient(smtp)[NAVIGATOR]) == 2
    assert run(config).sent == 0


def test_a_full_disk_mid_run_stops_with_the_cause_and_loses_nothing(
    two_trials, smtp, tmp_path, monkeypatch
):
    third = "third@example.org"
    config = write_config(tmp_path, smtp.port, recipients=(NAVIGATOR, FAMILY, third))
    real_delivered = DigestState.delivered

    def delivered_then_full(self, pending):
        real_delivered(self, pending)
        # SQLite's own limit gives the error a full disk gives (SQLITE_FULL).
        pages = self.db.execute("PRAGMA page_count").fetchone()[0]
        self.db.execute(f"PRAGMA max_page_count = {pages}")

    monkeypatch.setattr(DigestState, "delivered", delivered_then_full)
    result = CliRunner().invoke(cli, ["digest", "run", "--config", str(config)])
    assert result.exit_code == ExitCode.CONFIG, result.output
    (line,) = [line for line in result.stderr.splitlines() if "error:" in line]
    assert "cannot write the digest state file" in line
    assert "the disk is full (database or disk is full" in line
    assert by_recipient(smtp).keys() == {NAVIGATOR}

    monkeypatch.setattr(DigestState, "delivered", real_delivered)
    assert run(config).sent == 2
    assert {r: len(ids) for r, ids in by_recipient(smtp).items()} == {
        NAVIGATOR: 1,
        FAMILY: 1,
        third: 1,
    }
    text = status(config)
    assert "exit 6: 1 sent, 0 failed" in text and "the disk is full" in text


def test_a_damaged_state_file_is_a_config_error_naming_the_damage(two_trials, smtp, tmp_path):
    config = write_config(tmp_path, smtp.port)
    assert run(config).sent == 1
    path = state_path(tmp_path)
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[page:] = b"\xa5" * (len(data) - page)  # every page after the first
    path.write_bytes(bytes(data))
    result = CliRunner().invoke(cli, ["digest", "run", "--config", str(config)])
    assert result.exit_code == ExitCode.CONFIG, result.output
    assert f"the digest state file '{path}' is damaged (database disk image is malformed)" in (
        result.stderr
    )
    assert "Traceback" not in result.output and len(smtp.received) == 1


def test_check_notes_addresses_that_need_smtputf8(tmp_path):
    config = write_config(tmp_path, 25, recipients=(JOSE, "jose@exämple.org"))
    result = CliRunner().invoke(cli, ["digest", "check", "--config", str(config)])
    assert result.exit_code == 0, result.output
    (note,) = result.stderr.splitlines()
    assert note.startswith(f"note: {JOSE} has a non-ASCII name before the @: it is sent with")


def test_status_before_any_run(tmp_path):
    config = write_config(tmp_path, 25)
    assert status(config).strip() == f"state {state_path(tmp_path)}: no run has been made yet"


def test_a_killed_run_with_a_poisoned_outbox_is_made_up_for_and_nothing_is_sent_twice(
    two_trials, smtp, tmp_path
):
    """A real `digest run` process is killed while the SMTP server holds FAMILY's message."""
    config = write_config(tmp_path, smtp.port, recipients=(JOSE, NAVIGATOR, FAMILY))
    poison_the_outbox(tmp_path)
    hold = smtp.hold_data(FAMILY)
    process = subprocess.Popen(
        [sys.executable, "-m", "trialfinder", "digest", "run", "--config", str(config)],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert hold.arrived.wait(30), process.communicate(timeout=5)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        hold.release()  # the server never takes the message of the killed run
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL
    assert by_recipient(smtp) == {NAVIGATOR: [by_recipient(smtp)[NAVIGATOR][0]]}
    with DigestState.open(state_path(tmp_path)) as state:
        left = {p.recipient: p.message_id for p in state.pending()}
    assert left.keys() == {JOSE, FAMILY}

    smtp.handler.holds.clear()
    result = CliRunner().invoke(cli, ["digest", "run", "--config", str(config)])
    assert result.exit_code == ExitCode.DELIVERY  # José's message still cannot go
    received = by_recipient(smtp)
    # FAMILY gets the message the killed run built (same Message-ID), NAVIGATOR nothing more.
    assert received == {NAVIGATOR: received[NAVIGATOR][:1], FAMILY: [left[FAMILY]]}
    assert smtp.received[-1].message["Subject"] == SUBJECT
    assert CliRunner().invoke(cli, ["digest", "run", "--config", str(config)]).exit_code == 7
    assert by_recipient(smtp) == received
    text = status(config)
    assert "did not finish (stopped or killed)" in text
    assert "exit 7: 1 sent, 1 failed" in text
    assert f"{JOSE} ('Refractory myeloma near Boston'), <digest.poisoned@example.org>" in text
    assert "3 failed tries of 5" in text


def test_an_old_state_file_gains_the_new_tables(tmp_path):
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "INSERT INTO meta VALUES ('schema_version', '1');"
        "CREATE TABLE subscriptions (search TEXT, recipient TEXT, since TEXT,"
        " PRIMARY KEY (search, recipient));"
        "CREATE TABLE delivered (search TEXT, recipient TEXT, nct_id TEXT, status TEXT,"
        " last_updated TEXT, sites TEXT, title TEXT, PRIMARY KEY (search, recipient, nct_id));"
        "CREATE TABLE outbox (message_id TEXT PRIMARY KEY, search TEXT, recipient TEXT,"
        " created TEXT, message BLOB, snapshot TEXT, UNIQUE (search, recipient));"
        "INSERT INTO subscriptions VALUES ('s', 'a@example.org', '2025-01-01');"
        "INSERT INTO delivered VALUES ('s', 'a@example.org', 'NCT01000001', 'RECRUITING',"
        " '2025-06-01', '[\"Dana-Farber\"]', 'A trial');"
    )
    db.commit()
    db.close()
    old = TrialState("RECRUITING", "2025-06-01", ("Dana-Farber",), "A trial")
    with DigestState.open_readonly(path) as state:  # a dry run or status: read as it is
        assert state.failures() == [] and state.runs() == [] and state.dead_letters() == []
        # Phases and open sites were not recorded then: unknown, not "none".
        assert state.snapshot("s", "a@example.org") == {"NCT01000001": old}
    with DigestState.open(path) as state:
        assert state.snapshot("s", "a@example.org") == {"NCT01000001": old}
        assert state.failures() == [] and state.runs() == []
        version = state.db.execute("SELECT value FROM meta WHERE key = 'schema_version'")
        assert version.fetchone() == ("3",)
        now = replace(old, phases=("PHASE2",), open_sites=(("Dana-Farber", 2.0),))
        state.save_snapshot("s", "a@example.org", {"NCT01000001": now})
        assert state.snapshot("s", "a@example.org") == {"NCT01000001": now}


def test_state_errors_are_typed(tmp_path):
    assert issubclass(StateBusy, StateError)
    assert StateError("x").exit_code == ExitCode.CONFIG
    assert StateBusy("x").exit_code == ExitCode.DELIVERY
