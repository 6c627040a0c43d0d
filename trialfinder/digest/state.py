"""The digest state store: SQLite, one file, safe against crashes and concurrent runs.

It keeps, for each saved search and recipient, the snapshot of the trials *delivered* to
that recipient (it only moves forward once the SMTP server accepted a message), and an
*outbox* of messages about to be sent. A message is written to the outbox, with its
Message-ID and the snapshot it would deliver, before it goes to the SMTP server; once the
server accepts it, the snapshot is stored and the outbox entry removed in one transaction.
A run that stops in between leaves the entry behind, and the next run sends that same
message again (same Message-ID) instead of building a new one.

A failed try is counted per search and recipient (:class:`Failure`); the run waits longer
before each new try, and after ``max_tries`` the message is moved from the outbox to the
*dead letters*, so that it no longer holds back that recipient's newer changes. Each run is
logged (:class:`RunRecord`). ``digest status`` shows all of it.

Every SQLite error becomes a :class:`StateError` that names the file and the true cause (the
file is damaged, locked by another program, the disk is full); a transaction that fails is
rolled back whole, so what earlier transactions recorded stays recorded.

:class:`RunLock` keeps two runs from working on the same state at once; it is taken on the
real path of the state file, so a path through a symbolic link takes the same lock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
import shutil
import sqlite3
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from trialfinder.digest.changes import Snapshot, TrialState
from trialfinder.errors import ConfigError, ExitCode

# 2: failures, dead_letters and runs; 3: delivered.details (phases and open sites in range).
# An older file gains what it lacks when opened for writing.
SCHEMA_VERSION = 3
MAX_BACKOFF = 7 * 86400.0  # seconds: the longest wait between two tries of a message
KEEP_DEAD_LETTERS = 50  # the newest are kept; each holds its message
KEEP_RUNS = 50
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
    details TEXT NOT NULL DEFAULT '',  -- JSON: phases, open sites in range, fit; '' not recorded
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
CREATE TABLE IF NOT EXISTS failures (
    search TEXT NOT NULL,
    recipient TEXT NOT NULL,
    tries INTEGER NOT NULL,
    first_failed TEXT NOT NULL,
    last_tried TEXT NOT NULL,
    error TEXT NOT NULL,
    PRIMARY KEY (search, recipient)
);
CREATE TABLE IF NOT EXISTS dead_letters (
    set_aside TEXT NOT NULL,
    message_id TEXT NOT NULL,  -- '' when no message could be built
    search TEXT NOT NULL,
    recipient TEXT NOT NULL,
    tries INTEGER NOT NULL,
    error TEXT NOT NULL,
    message BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    started TEXT NOT NULL,
    finished TEXT,  -- NULL: the run stopped before its end (killed, power cut)
    sent INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    deferred INTEGER NOT NULL DEFAULT 0,
    set_aside INTEGER NOT NULL DEFAULT 0,
    search_failures INTEGER NOT NULL DEFAULT 0,
    exit_code INTEGER,
    error TEXT
);
"""


class StateError(ConfigError):
    """The state file cannot be read or written: damaged, on a full disk, not writable."""

    exit_code = ExitCode.CONFIG


class StateBusy(StateError):
    """Another digest run (or another program) holds the state."""

    exit_code = ExitCode.DELIVERY


def _state_error(exc: sqlite3.Error, path: Path | None) -> StateError:
    """The error to report for ``exc``, with its true cause in words."""
    where = f"the digest state file {str(path)!r}" if path else "the digest state"
    text = str(exc)
    code = getattr(exc, "sqlite_errorname", "")  # Python 3.11+
    lowered = text.lower()
    if "locked" in lowered or "busy" in lowered or code.startswith("SQLITE_BUSY"):
        return StateBusy(
            f"{where} is locked by another program ({text}); this run stopped",
            hint="what was already sent is recorded; raise [state] lock_timeout to wait longer",
        )
    if "malformed" in lowered or "not a database" in lowered or code.startswith("SQLITE_CORRUPT"):
        return StateError(
            f"{where} is damaged ({text})",
            hint="restore it from a backup, or move it aside to start afresh "
            "(every recipient is then sent their trials as new)",
        )
    free = _free_space(path)
    if "full" in lowered or code == "SQLITE_FULL" or (free is not None and free < 1 << 20):
        room = f", {free:,} bytes free" if free is not None else ""
        return StateError(
            f"cannot write {where}: the disk is full ({text}{room}); this run stopped",
            hint="free some space; what was already sent is recorded",
        )
    if "readonly" in lowered or "read-only" in lowered:
        return StateError(f"cannot write {where}: it is read-only ({text})")
    return StateError(f"{where} failed: {text}")


def _free_space(path: Path | None) -> int | None:
    if path is None:
        return None
    try:
        return shutil.disk_usage(path.parent).free
    except OSError:
        return None


Result = TypeVar("Result")


def _guarded(method: Callable[..., Result]) -> Callable[..., Result]:
    """Turn the SQLite errors of a :class:`DigestState` method into :class:`StateError`."""

    @functools.wraps(method)
    def guarded(self: DigestState, *args: Any, **kwargs: Any) -> Result:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise _state_error(exc, self.path) from exc

    return guarded


@dataclass(frozen=True)
class Pending:
    """A message in the outbox: built, maybe sent, not known to be accepted."""

    message_id: str
    search: str
    recipient: str
    message: bytes
    snapshot: Snapshot
    created: str = ""


@dataclass(frozen=True)
class Failure:
    """Failed tries to deliver one search's digest to one recipient, since the last success."""

    search: str
    recipient: str
    tries: int
    first_failed: str
    last_tried: str
    error: str

    def next_try(self, wait: float) -> dt.datetime:
        """``wait`` seconds after the last try, doubled for each earlier one, at most a week."""
        seconds = min(wait * 2.0 ** min(self.tries - 1, 64), MAX_BACKOFF)
        return dt.datetime.fromisoformat(self.last_tried) + dt.timedelta(seconds=seconds)


@dataclass(frozen=True)
class DeadLetter:
    """A message set aside after too many failed tries (kept for ``digest status``)."""

    set_aside: str
    message_id: str  # "" when no message could be built
    search: str
    recipient: str
    tries: int
    error: str
    size: int


@dataclass(frozen=True)
class RunRecord:
    started: str
    finished: str | None  # None: the run stopped before its end
    sent: int
    failed: int
    deferred: int
    set_aside: int
    search_failures: int
    exit_code: int | None
    error: str | None


def recipient_key(address: str) -> str:
    return address.strip().lower()


def _encode_details(state: TrialState) -> str:
    """Phases, open sites in range and the prescreen's verdict as JSON; ``""`` when none was
    recorded."""
    details: dict[str, Any] = {}
    if state.phases is not None:
        details["phases"] = list(state.phases)
    if state.open_sites is not None:
        details["open_sites"] = [[label, miles] for label, miles in state.open_sites]
    if state.fit is not None:
        details["fit"] = state.fit
    return json.dumps(details, ensure_ascii=False) if details else ""


def _with_details(state: TrialState, text: str) -> TrialState:
    if not text:
        return state
    details = json.loads(text)
    phases = details.get("phases")
    open_sites = details.get("open_sites")
    return replace(
        state,
        fit=details.get("fit"),
        phases=None if phases is None else tuple(phases),
        open_sites=None
        if open_sites is None
        else tuple((label, float(miles)) for label, miles in open_sites),
    )


def _encode_snapshot(snapshot: Snapshot) -> str:
    return json.dumps(
        {
            nct_id: [s.status, s.last_updated, list(s.sites), s.title, _encode_details(s)]
            for nct_id, s in sorted(snapshot.items())
        },
        ensure_ascii=False,
    )


def _decode_snapshot(text: str) -> Snapshot:
    snapshot = {}
    for nct_id, (status, updated, sites, title, *rest) in json.loads(text).items():
        state = TrialState(status, updated, tuple(sites), title)
        snapshot[nct_id] = _with_details(state, rest[0] if rest else "")
    return snapshot


class DigestState:
    """The state store. Use :meth:`open` (read-write) or :meth:`open_readonly` (dry runs)."""

    def __init__(self, connection: sqlite3.Connection, path: Path | None) -> None:
        self.db = connection
        self.path = path
        self.has_logs = True  # False: a version 1 file, read without adding the new tables
        self.has_details = True  # False: a file older than version 3, read as it is

    @classmethod
    def open(cls, path: Path, timeout: float = 10.0) -> DigestState:
        """Read-write; ``timeout``: seconds to wait while another program writes to it."""
        path = real_path(path)
        refuse_another_file(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=timeout, isolation_level=None)
            db.execute("PRAGMA synchronous=FULL")
            # Give the space of sent outbox messages back (takes effect in a new file).
            db.execute("PRAGMA auto_vacuum=FULL")
            db.executescript(SCHEMA)  # idempotent; executescript commits on its own
            if not _has_column(db, "delivered", "details"):  # a file of version 2 or older
                db.execute("ALTER TABLE delivered ADD COLUMN details TEXT NOT NULL DEFAULT ''")
            with _transaction(db):
                db.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)",
                    (str(SCHEMA_VERSION),),
                )
        except sqlite3.Error as exc:
            if str(exc) == "file is not a database":  # another file, not a damaged state
                raise StateError(
                    f"cannot use the digest state file {str(path)!r}: {exc}",
                    hint="check [state] path in the config; the file must be a trialfinder state",
                ) from None
            raise _state_error(exc, path) from None
        except OSError as exc:
            raise ConfigError(f"cannot create the digest state file {str(path)!r}: {exc}") from None
        return cls(db, path)

    @classmethod
    def open_readonly(cls, path: Path) -> DigestState:
        """For dry runs and ``digest status``: reads the state if there is one, never writes."""
        path = real_path(path)
        refuse_another_file(path)
        if not path.exists():
            db = sqlite3.connect(":memory:", isolation_level=None)
            db.executescript(SCHEMA)
            return cls(db, None)
        try:
            db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, isolation_level=None)
            db.execute("SELECT count(*) FROM delivered").fetchone()
        except sqlite3.Error as exc:
            raise _state_error(exc, path) from None
        state = cls(db, path)
        state.has_logs = bool(
            db.execute("SELECT 1 FROM sqlite_master WHERE name = 'runs'").fetchone()
        )
        state.has_details = _has_column(db, "delivered", "details")
        return state

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> DigestState:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- snapshots ----------------------------------------------------------------------------

    @_guarded
    def snapshot(self, search: str, recipient: str) -> Snapshot | None:
        """What was last delivered to ``recipient`` for ``search``; ``None`` if nothing ever."""
        recipient = recipient_key(recipient)
        known = self.db.execute(
            "SELECT 1 FROM subscriptions WHERE search = ? AND recipient = ?", (search, recipient)
        ).fetchone()
        if not known:
            return None
        details = "details" if self.has_details else "''"
        rows = self.db.execute(
            f"SELECT nct_id, status, last_updated, sites, title, {details} FROM delivered "
            "WHERE search = ? AND recipient = ?",
            (search, recipient),
        )
        return {
            nct_id: _with_details(
                TrialState(status, updated, tuple(json.loads(sites)), title), more
            )
            for nct_id, status, updated, sites, title, more in rows
        }

    @_guarded
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
        # Up to date: earlier failed tries no longer count.
        self.db.execute(
            "DELETE FROM failures WHERE search = ? AND recipient = ?", (search, recipient)
        )
        self.db.executemany(
            "INSERT INTO delivered VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    search,
                    recipient,
                    nct_id,
                    s.status,
                    s.last_updated,
                    json.dumps(list(s.sites), ensure_ascii=False),
                    s.title,
                    _encode_details(s),
                )
                for nct_id, s in snapshot.items()
            ],
        )

    # -- the outbox ---------------------------------------------------------------------------

    @_guarded
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

    @_guarded
    def pending(self) -> list[Pending]:
        rows = self.db.execute(
            "SELECT message_id, search, recipient, message, snapshot, created FROM outbox "
            "ORDER BY created, search, recipient"
        )
        return [
            Pending(mid, search, recipient, bytes(message), _decode_snapshot(snapshot), created)
            for mid, search, recipient, message, snapshot, created in rows
        ]

    @_guarded
    def delivered(self, pending: Pending) -> None:
        """The SMTP server accepted ``pending``: store its snapshot and clear it, atomically."""
        with _transaction(self.db):
            self._write_snapshot(pending.search, recipient_key(pending.recipient), pending.snapshot)
            self.db.execute("DELETE FROM outbox WHERE message_id = ?", (pending.message_id,))

    @_guarded
    def discard(self, pending: Pending) -> None:
        """Forget ``pending`` (its recipient left the search); the changes stay undelivered."""
        with _transaction(self.db):
            self.db.execute("DELETE FROM outbox WHERE message_id = ?", (pending.message_id,))

    # -- failed tries and dead letters --------------------------------------------------------

    @_guarded
    def failure(self, search: str, recipient: str) -> Failure | None:
        row = self.db.execute(
            "SELECT search, recipient, tries, first_failed, last_tried, error FROM failures "
            "WHERE search = ? AND recipient = ?",
            (search, recipient_key(recipient)),
        ).fetchone()
        return Failure(*row) if row else None

    @_guarded
    def failures(self) -> list[Failure]:
        if not self.has_logs:
            return []
        rows = self.db.execute(
            "SELECT search, recipient, tries, first_failed, last_tried, error FROM failures "
            "ORDER BY search, recipient"
        )
        return [Failure(*row) for row in rows]

    @_guarded
    def failed(
        self,
        search: str,
        recipient: str,
        error: str,
        now: dt.datetime,
        *,
        pending: Pending | None = None,
        keep: bool = False,
        max_tries: int,
    ) -> Failure:
        """Count a failed try, in one transaction with what becomes of its message.

        ``keep``: ``pending`` stays in the outbox (it may have arrived: it must go again as
        it is); otherwise it is dropped (certainly not delivered: the next message carries its
        changes). At ``max_tries`` the message is set aside as a dead letter and the count
        starts again.
        """
        key = recipient_key(recipient)
        when = now.isoformat(timespec="seconds")
        with _transaction(self.db):
            self.db.execute(
                "INSERT INTO failures VALUES (?, ?, 1, ?, ?, ?) "
                "ON CONFLICT (search, recipient) DO UPDATE SET "
                "tries = tries + 1, last_tried = excluded.last_tried, error = excluded.error",
                (search, key, when, when, error),
            )
            failure = Failure(
                *self.db.execute(
                    "SELECT search, recipient, tries, first_failed, last_tried, error "
                    "FROM failures WHERE search = ? AND recipient = ?",
                    (search, key),
                ).fetchone()
            )
            if pending is not None and not keep:
                self.db.execute("DELETE FROM outbox WHERE message_id = ?", (pending.message_id,))
            if failure.tries >= max_tries:
                self.db.execute(
                    "INSERT INTO dead_letters VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        when,
                        pending.message_id if pending else "",
                        search,
                        key,
                        failure.tries,
                        error,
                        pending.message if pending else b"",
                    ),
                )
                if pending is not None:
                    self.db.execute(
                        "DELETE FROM outbox WHERE message_id = ?", (pending.message_id,)
                    )
                self.db.execute(
                    "DELETE FROM failures WHERE search = ? AND recipient = ?", (search, key)
                )
                self.db.execute(
                    "DELETE FROM dead_letters WHERE rowid NOT IN "
                    "(SELECT rowid FROM dead_letters ORDER BY rowid DESC LIMIT ?)",
                    (KEEP_DEAD_LETTERS,),
                )
        return failure

    @_guarded
    def forget_failures(self, keep: set[tuple[str, str]]) -> None:
        """Forget the failed tries of searches and recipients no longer in the config."""
        rows = self.db.execute("SELECT search, recipient FROM failures").fetchall()
        gone = [pair for pair in rows if pair not in keep]
        if gone:
            with _transaction(self.db):
                self.db.executemany("DELETE FROM failures WHERE search = ? AND recipient = ?", gone)

    @_guarded
    def dead_letters(self) -> list[DeadLetter]:
        if not self.has_logs:
            return []
        rows = self.db.execute(
            "SELECT set_aside, message_id, search, recipient, tries, error, length(message) "
            "FROM dead_letters ORDER BY rowid"
        )
        return [DeadLetter(*row) for row in rows]

    # -- the log of runs ----------------------------------------------------------------------

    @_guarded
    def start_run(self, started: dt.datetime) -> int:
        with _transaction(self.db):
            cursor = self.db.execute(
                "INSERT INTO runs (started) VALUES (?)", (started.isoformat(timespec="seconds"),)
            )
            self.db.execute(
                "DELETE FROM runs WHERE rowid NOT IN "
                "(SELECT rowid FROM runs ORDER BY rowid DESC LIMIT ?)",
                (KEEP_RUNS,),
            )
        return int(cursor.lastrowid or 0)

    @_guarded
    def finish_run(
        self,
        run_id: int,
        *,
        sent: int,
        failed: int,
        deferred: int,
        set_aside: int,
        search_failures: int,
        exit_code: int,
        error: str | None = None,
    ) -> None:
        with _transaction(self.db):
            self.db.execute(
                "UPDATE runs SET finished = ?, sent = ?, failed = ?, deferred = ?, "
                "set_aside = ?, search_failures = ?, exit_code = ?, error = ? WHERE rowid = ?",
                (
                    _now(),
                    sent,
                    failed,
                    deferred,
                    set_aside,
                    search_failures,
                    exit_code,
                    error,
                    run_id,
                ),
            )

    @_guarded
    def runs(self, limit: int = 10) -> list[RunRecord]:
        """The last ``limit`` runs, newest first."""
        if not self.has_logs:
            return []
        rows = self.db.execute(
            "SELECT started, finished, sent, failed, deferred, set_aside, search_failures, "
            "exit_code, error FROM runs ORDER BY rowid DESC LIMIT ?",
            (limit,),
        )
        return [RunRecord(*row) for row in rows]


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
        db.execute("COMMIT")
    except BaseException:
        # SQLite may have rolled back already (a full disk does that): the first error is the
        # one to report, never "no transaction is active".
        with contextlib.suppress(sqlite3.Error):
            db.execute("ROLLBACK")
        raise


def _has_column(db: sqlite3.Connection, table: str, column: str) -> bool:
    return any(row[1] == column for row in db.execute(f"PRAGMA table_info({table})"))


def check_state_place(state_path: Path) -> None:
    """Raises :class:`ConfigError` when a run could not make or write the state file's folder
    (a file in the way, no permission), without making anything: a check run as another user
    (with sudo, say) leaves no file a scheduled run cannot open."""
    state = real_path(state_path)
    probe = state.parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    hint = "check [state] path in the config: its folder must be writable"
    if not probe.is_dir():
        raise ConfigError(
            f"cannot make the folder {str(state.parent)!r}: {str(probe)!r} is a file", hint=hint
        )
    if not os.access(probe, os.W_OK | os.X_OK):
        raise ConfigError(f"cannot write in {str(probe)!r}: permission denied", hint=hint)
    try:
        # (The permission bits say yes to root, in /proc too: a file made and gone at once.)
        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError as exc:
        raise ConfigError(
            f"cannot write in {str(probe)!r}: {exc.strerror or exc}", hint=hint
        ) from None
    for existing in (state, Path(str(state) + ".lock")):
        if existing.exists() and not os.access(existing, os.R_OK | os.W_OK):
            raise ConfigError(f"{str(existing)!r} cannot be read and written here", hint=hint)
    refuse_another_file(state)


def refuse_another_file(path: Path) -> None:
    """Raises :class:`ConfigError` unless ``path`` is missing, empty, or a digest state (or an
    SQLite database with no table yet): a file of notes passed the check and the first run
    failed; a folder did the same; a pipe hung both; another program's database had the
    digest's tables written into it."""
    why = _another_file(path)
    if why:
        raise ConfigError(
            f"{str(path)!r} {why}, not a digest state: it is not written to",
            hint="check [state] path in the config: give a new file's name, or the state's",
        )


def _another_file(path: Path) -> str:
    """What ``path`` is, when it is something other than nothing or a digest state; or ""."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return ""
    except OSError:
        return ""  # (what cannot be reached is said by the permission checks, or by the run)
    if stat.S_ISDIR(info.st_mode):
        return "is a folder"
    if not stat.S_ISREG(info.st_mode):
        return "is not a file"
    try:
        with open(path, "rb") as file:
            head = file.read(len(_SQLITE_HEADER))
    except OSError:
        return ""
    if not head:
        return ""
    if head != _SQLITE_HEADER:
        return "is a file"
    try:
        db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        finally:
            db.close()
    except sqlite3.Error:
        return ""  # (a damaged state is said by the run, which knows its words)
    # (Its own tables: a browser's History database has a "meta" table too.)
    return "" if not tables or tables >= _TABLES else "is another program's database"


_SQLITE_HEADER = b"SQLite format 3\x00"
_TABLES = frozenset({"meta", "delivered"})  # (in every version of the state)


def real_path(path: Path) -> Path:
    """The state file's real path: ``~`` expanded and every symbolic link followed."""
    return Path(os.path.realpath(Path(path).expanduser()))


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class RunLock:
    """An exclusive lock on the state for one run (a ``.lock`` file beside it, flock).

    The operating system releases it when the process ends, however it ends, so a crashed
    run never leaves a stale lock behind.
    """

    def __init__(self, state_path: Path, timeout: float, poll: float = 0.05) -> None:
        # The real path: two runs reaching one file by different paths take one lock.
        self.path = Path(str(real_path(state_path)) + ".lock")
        self.timeout = timeout
        self.poll = poll
        self._fd: int | None = None

    def acquire(self) -> None:
        import fcntl

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            # (mkdir says "File exists" of a file in the way of the folder)
            in_the_way = isinstance(exc, (FileExistsError, NotADirectoryError))
            reason = "a file is in the way of its folder" if in_the_way else exc.strerror
            raise ConfigError(
                f"cannot create the lock file {str(self.path)!r}: {reason}",
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
        with contextlib.suppress(OSError):  # the process id is a courtesy (a full disk)
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

    def __exit__(self, *exc_info: object) -> None:
        self.release()
