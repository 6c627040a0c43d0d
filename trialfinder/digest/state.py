"""The digest state store: SQLite, one file, safe against crashes and concurrent runs.

It keeps, for each saved search and recipient, the snapshot of the trials *delivered* to
that recipient (it only moves forward once the SMTP server accepted a message), and an
*outbox* of messages about to be sent. A message is written to the outbox, with its
Message-ID and the snapshot it would deliver, before it goes to the SMTP server; once the
server accepts it, the snapshot is stored and the outbox entry removed in one transaction.
A run that stops in between leaves the entry behind, and the next run sends that same
message again (same Message-ID) instead of building a new one.

:class:`RunLock` keeps two runs from working on the same state at once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from trialfinder.digest.changes import Snapshot, TrialState
from trialfinder.errors import ConfigError, ExitCode, TrialfinderError

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS subscriptions (
    search TEXT NOT NULL,
    recipient TEXT NOT NULL,
    since TEXT NOT NULL,
    PRIMARY KEY (search, recipient)
);
CREATE TABLE IF NOT EXISTS delivered (
    search TEXT NOT NULL,
    recipient TEXT NOT NULL,
    nct_id TEXT NOT NULL,
    status TEXT NOT NULL,
    last_updated TEXT NOT NULL,
    sites TEXT NOT NULL,
    title TEXT NOT NULL,
    PRIMARY KEY (search, recipient, nct_id)
);
CREATE TABLE IF NOT EXISTS outbox (
    message_id TEXT PRIMARY KEY,
    search TEXT NOT NULL,
    recipient TEXT NOT NULL,
    created TEXT NOT NULL,
    message BLOB NOT NULL,
    snapshot TEXT NOT NULL,
    UNIQUE (search, recipient)
);
"""


class StateBusy(TrialfinderError):
    """Another digest run holds the state; this one did nothing."""

    exit_code = ExitCode.DELIVERY


@dataclass(frozen=True)
class Pending:
    """A message in the outbox: built, maybe sent, not known to be accepted."""

    message_id: str
    search: str
    recipient: str
    message: bytes
    snapshot: Snapshot
    created: str = ""


def recipient_key(address: str) -> str:
    return address.strip().lower()


def _encode_snapshot(snapshot: Snapshot) -> str:
    return json.dumps(
        {
            nct_id: [s.status, s.last_updated, list(s.sites), s.title]
            for nct_id, s in sorted(snapshot.items())
        },
        ensure_ascii=False,
    )


def _decode_snapshot(text: str) -> Snapshot:
    return {
        nct_id: TrialState(status, updated, tuple(sites), title)
        for nct_id, (status, updated, sites, title) in json.loads(text).items()
    }


class DigestState:
    """The state store. Use :meth:`open` (read-write) or :meth:`open_readonly` (dry runs)."""

    def __init__(self, connection: sqlite3.Connection, path: Path | None) -> None:
        self.db = connection
        self.path = path

    @classmethod
    def open(cls, path: Path) -> DigestState:
        path = Path(path).expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=10, isolation_level=None)
            db.execute("PRAGMA synchronous=FULL")
            # Give the space of sent outbox messages back (takes effect in a new file).
            db.execute("PRAGMA auto_vacuum=FULL")
            db.executescript(SCHEMA)  # idempotent; executescript commits on its own
            with _transaction(db):
                db.execute(
                    "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                    (str(SCHEMA_VERSION),),
                )
        except sqlite3.DatabaseError as exc:
            raise ConfigError(
                f"cannot use the digest state file {str(path)!r}: {exc}",
                hint="check [state] path in the config; the file must be a trialfinder state",
            ) from None
        except OSError as exc:
            raise ConfigError(f"cannot create the digest state file {str(path)!r}: {exc}") from None
        return cls(db, path)

    @classmethod
    def open_readonly(cls, path: Path) -> DigestState:
        """For dry runs: reads the state if there is one, never writes a byte."""
        path = Path(path).expanduser()
        if not path.exists():
            db = sqlite3.connect(":memory:", isolation_level=None)
            db.executescript(SCHEMA)
            return cls(db, None)
        try:
            db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, isolation_level=None)
            db.execute("SELECT count(*) FROM delivered").fetchone()
        except sqlite3.DatabaseError as exc:
            raise ConfigError(f"cannot read the digest state file {str(path)!r}: {exc}") from None
        return cls(db, path)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> DigestState:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- snapshots ----------------------------------------------------------------------------

    def snapshot(self, search: str, recipient: str) -> Snapshot | None:
        """What was last delivered to ``recipient`` for ``search``; ``None`` if nothing ever."""
        recipient = recipient_key(recipient)
        known = self.db.execute(
            "SELECT 1 FROM subscriptions WHERE search = ? AND recipient = ?", (search, recipient)
        ).fetchone()
        if not known:
            return None
        rows = self.db.execute(
            "SELECT nct_id, status, last_updated, sites, title FROM delivered "
            "WHERE search = ? AND recipient = ?",
            (search, recipient),
        )
        return {
            nct_id: TrialState(status, updated, tuple(json.loads(sites)), title)
            for nct_id, status, updated, sites, title in rows
        }

    def save_snapshot(self, search: str, recipient: str, snapshot: Snapshot) -> None:
        with _transaction(self.db):
            self._write_snapshot(search, recipient_key(recipient), snapshot)

    def _write_snapshot(self, search: str, recipient: str, snapshot: Snapshot) -> None:
        now = _now()
        self.db.execute(
            "INSERT OR IGNORE INTO subscriptions VALUES (?, ?, ?)", (search, recipient, now)
        )
        self.db.execute(
            "DELETE FROM delivered WHERE search = ? AND recipient = ?", (search, recipient)
        )
        self.db.executemany(
            "INSERT INTO delivered VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    search,
                    recipient,
                    nct_id,
                    s.status,
                    s.last_updated,
                    json.dumps(list(s.sites), ensure_ascii=False),
                    s.title,
                )
                for nct_id, s in snapshot.items()
            ],
        )

    # -- the outbox ---------------------------------------------------------------------------

    def put_pending(self, pending: Pending) -> None:
        """Record a message before it is sent (it replaces any older one for that recipient)."""
        with _transaction(self.db):
            self.db.execute(
                "DELETE FROM outbox WHERE search = ? AND recipient = ?",
                (pending.search, recipient_key(pending.recipient)),
            )
            self.db.execute(
                "INSERT INTO outbox VALUES (?, ?, ?, ?, ?, ?)",
                (
                    pending.message_id,
                    pending.search,
                    recipient_key(pending.recipient),
                    pending.created or _now(),
                    pending.message,
                    _encode_snapshot(pending.snapshot),
                ),
            )

    def pending(self) -> list[Pending]:
        rows = self.db.execute(
            "SELECT message_id, search, recipient, message, snapshot, created FROM outbox "
            "ORDER BY created, search, recipient"
        )
        return [
            Pending(mid, search, recipient, bytes(message), _decode_snapshot(snapshot), created)
            for mid, search, recipient, message, snapshot, created in rows
        ]

    def delivered(self, pending: Pending) -> None:
        """The SMTP server accepted ``pending``: store its snapshot and clear it, atomically."""
        with _transaction(self.db):
            self._write_snapshot(pending.search, recipient_key(pending.recipient), pending.snapshot)
            self.db.execute("DELETE FROM outbox WHERE message_id = ?", (pending.message_id,))

    def discard(self, pending: Pending) -> None:
        """The server refused ``pending`` outright: forget it; the changes stay undelivered."""
        with _transaction(self.db):
            self.db.execute("DELETE FROM outbox WHERE message_id = ?", (pending.message_id,))


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class RunLock:
    """An exclusive lock on the state for one run (a ``.lock`` file beside it, flock).

    The operating system releases it when the process ends, however it ends, so a crashed
    run never leaves a stale lock behind.
    """

    def __init__(self, state_path: Path, timeout: float, poll: float = 0.05) -> None:
        self.path = Path(str(Path(state_path).expanduser()) + ".lock")
        self.timeout = timeout
        self.poll = poll
        self._fd: int | None = None

    def acquire(self) -> None:
        import fcntl

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise ConfigError(
                f"cannot create the lock file {str(self.path)!r}: {exc.strerror}",
                hint="check [state] path in the config: its folder must be writable",
            ) from None
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise StateBusy(
                        f"another digest run is using {self.path.with_suffix('')} "
                        f"(waited {self.timeout:g}s); this run did nothing",
                        hint="let it finish; raise [state] lock_timeout to wait longer",
                    ) from None
                time.sleep(self.poll)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            import fcntl

            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()
