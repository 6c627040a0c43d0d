"""Results kept between searches: what became of each record, so that a search run again does
not work out again what it already knows.

An export spends nearly all its time on each trial (reading the criteria, tags, summary), and a
navigator runs the same search week after week over records most of which have not changed.
So each record's :class:`~trialfinder.pipeline.Outcome` (its output record, or which check left
it out) is kept in a SQLite file beside the HTTP cache (``results.sqlite``), under a key made of

- the record's JSON text as the registry sent it: any change to the record is another key;
- what was asked of it (the :class:`~trialfinder.pipeline.TrialJob`: the checks, the place,
  whether with a summary);
- this trialfinder (:func:`code_digest`): its code, data files and templates, and the versions
  of Python and of the libraries it runs on, so that another release or an edited data file
  never reads an old result.

Not kept: a search with a patient profile (the prescreen depends on the day it runs) or with the
user's own templates (a file can change under the same name), results as objects (the
digest's), and records that could not be read or whose processing failed. An entry is dropped
:data:`KEEP_DAYS` after it was stored. The store follows the HTTP cache's switches (see
``settings``): without the cache there is no store, and ``--refresh`` works every record out
again and stores it. Like the cache, it never stops a search: a file that is not a database is
replaced, and one that is locked or fails is bypassed, with a warning. Outcomes are stored as
JSON, never pickled: a file in the cache folder is not trusted to run code.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sqlite3
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trialfinder.model import StudyText
from trialfinder.pipeline import FAR, KEPT, LEFT_OUT, UNCONFIRMED, Outcome, TrialJob

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    from trialfinder.settings import Settings

log = logging.getLogger("trialfinder")

STORE_FILE = "results.sqlite"
KEEP_DAYS = 30
STORED_KINDS = (KEPT, FAR, UNCONFIRMED, LEFT_OUT)
# Keys asked for in one query: SQLite allows 32,766 parameters (999 before 3.32).
_QUERY_KEYS = 900


@dataclass(frozen=True)
class StoreSettings:
    """Where the store is and how it is used, from the cache's settings."""

    path: Path
    refresh: bool = False  # work every record out again (and store it)
    lock_timeout: float = 2.0  # seconds to wait for a file another process holds locked

    @classmethod
    def from_settings(cls, settings: Settings) -> StoreSettings | None:
        """``None`` when the HTTP cache is off (``--no-cache``, ``TRIALFINDER_CACHE=0``, a TTL
        of 0): then nothing is kept between searches."""
        if not settings.uses_cache:
            return None
        from trialfinder.httpcache import cache_path

        return cls(
            cache_path(settings).with_name(STORE_FILE),
            settings.cache_refresh,
            settings.cache_lock_timeout,
        )

    def open(self, job: TrialJob) -> ResultStore | None:
        return ResultStore.open(self.path, job, self.refresh, self.lock_timeout)


def storable(job: TrialJob) -> bool:
    """Whether the outcomes of ``job`` can be kept (see the module)."""
    return job.record and job.options.profile is None and job.options.templates is None


@cache
def code_digest() -> bytes:
    """A digest of what makes an outcome: every file of the package and of its templates, and
    the versions of Python and of the libraries trialfinder runs on (a new Jinja2 could word a
    summary otherwise)."""
    return digest_of(
        [resources.files("trialfinder"), resources.files("trialfinder.templates")],
        f"python {sys.version_info[:3]} {_library_versions()}",
    )


def _library_versions() -> str:
    from importlib import metadata

    try:
        required = metadata.requires("trialfinder") or []
    except metadata.PackageNotFoundError:  # run from a source folder: what it imports
        required = ["Jinja2"]
    versions = []
    for requirement in required:
        name = re.split(r"[\s;<>=!~\[(]", requirement, maxsplit=1)[0]
        if "extra ==" in requirement or not name:
            continue
        try:
            versions.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} missing")
    return " ".join(sorted(versions))


def digest_of(folders: Sequence[Traversable], versions: str = "") -> bytes:
    """A digest of the names and contents of every file in ``folders`` and below (compiled
    Python left out), and of ``versions``."""
    digest = hashlib.blake2b(versions.encode(), digest_size=32)
    for number, folder in enumerate(folders):
        for path, data in _files(folder, str(number)):
            digest.update(f"\0{path}\0{len(data)}\0".encode())
            digest.update(data)
    return digest.digest()


def _files(folder: Traversable, prefix: str) -> list[tuple[str, bytes]]:
    found: list[tuple[str, bytes]] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        path = f"{prefix}/{entry.name}"
        if entry.is_dir():
            if entry.name != "__pycache__":
                found += _files(entry, path)
        elif not entry.name.endswith((".pyc", ".pyo")):
            found.append((path, entry.read_bytes()))
    return found


class ResultStore:
    """The outcomes kept for one job, in one SQLite file (see the module)."""

    def __init__(self, connection: sqlite3.Connection, path: Path, job: TrialJob, read: bool):
        self._connection: sqlite3.Connection | None = connection
        # Pages are looked up in the thread that fetches them, and stored in the one that
        # writes the output: one at a time.
        self._lock = threading.Lock()
        self.path = path
        self.read = read  # False with --refresh: every record is worked out again
        # Every key starts from the digest of the code and of the job. SHA-256 because it runs
        # in OpenSSL, about three times as fast as BLAKE2 here on a 30 kB record.
        self._salted = hashlib.sha256(code_digest() + repr(job).encode())

    @classmethod
    def open(
        cls, path: Path, job: TrialJob, refresh: bool = False, lock_timeout: float = 2.0
    ) -> ResultStore | None:
        """The store at ``path`` for ``job``; ``None`` when its outcomes are not kept, or when
        the file cannot be used (with a warning; a damaged file is replaced)."""
        if not storable(job):
            return None
        from trialfinder.httpcache import usable_folder

        if not usable_folder(path.parent):
            return None
        for attempt in (1, 2):
            try:
                connection = _connect(path, lock_timeout)
                return cls(connection, path, job, read=not refresh)
            except sqlite3.OperationalError as exc:  # locked, read-only, disk full
                log.warning("the results store %s cannot be used (%s); going without it", path, exc)
                return None
            except sqlite3.DatabaseError as exc:  # "file is not a database", "malformed"
                if attempt == 2:
                    break
                log.warning("the results store %s is damaged (%s); starting a new one", path, exc)
                try:
                    path.unlink()
                except OSError:
                    break
            except OSError as exc:
                log.warning("the results store %s cannot be used (%s); going without it", path, exc)
                return None
        log.warning("the results store %s cannot be replaced; going without it", path)
        return None

    def key(self, raw: Any) -> bytes | None:
        """The key of a record sent as text (:class:`~trialfinder.model.StudyText`); ``None``
        for one already decoded (its text is not at hand)."""
        if not isinstance(raw, StudyText):
            return None
        key = self._salted.copy()
        key.update(raw.text.encode("utf-8", "surrogatepass"))
        return key.digest()

    def get(self, keys: Sequence[bytes | None]) -> dict[int, Outcome]:
        """The outcomes kept for ``keys``, by their index in ``keys``."""
        wanted = {key: index for index, key in enumerate(keys) if key is not None}
        if not self.read or not wanted:
            return {}
        found: dict[int, Outcome] = {}
        listed = list(wanted)
        with self._lock:
            connection = self._connection
            if connection is None:
                return {}
            try:
                rows = self._rows(connection, listed)
            except sqlite3.Error as exc:
                self._failed(exc)
                return {}
        for key, text in rows:
            outcome = _outcome(text)
            if outcome is not None:
                found[wanted[key]] = outcome
        return found

    @staticmethod
    def _rows(connection: sqlite3.Connection, keys: list[bytes]) -> list[tuple[bytes, str]]:
        rows: list[tuple[bytes, str]] = []
        for start in range(0, len(keys), _QUERY_KEYS):
            part = keys[start : start + _QUERY_KEYS]
            rows += connection.execute(
                f"SELECT key, outcome FROM outcomes WHERE key IN ({','.join('?' * len(part))})",
                part,
            ).fetchall()
        return rows

    def put(self, outcomes: Sequence[tuple[bytes, Outcome]]) -> None:
        """Keeps these outcomes (those of the kinds kept, whose value is plain JSON)."""
        now = time.time()
        rows = []
        for key, outcome in outcomes:
            text = _text(outcome)
            if text is not None:
                rows.append((key, text, now))
        with self._lock:
            connection = self._connection
            if connection is None or not rows:
                return
            try:
                with connection:
                    connection.executemany("INSERT OR REPLACE INTO outcomes VALUES (?, ?, ?)", rows)
            except sqlite3.Error as exc:
                self._failed(exc)

    def close(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def _failed(self, exc: sqlite3.Error) -> None:
        """The first failure is said once; the store is left for the rest of the search."""
        log.warning("the results store %s failed (%s); going without it", self.path, exc)
        self._close()


def _connect(path: Path, lock_timeout: float) -> sqlite3.Connection:
    connection = sqlite3.connect(
        path, timeout=lock_timeout, isolation_level=None, check_same_thread=False
    )
    try:
        # No fsync per write: a file damaged by a crash is replaced (see ResultStore.open).
        # Write-ahead logging: a page's outcomes are written about five times faster than with
        # the rollback journal, and a search reading the file never waits for one writing it.
        connection.execute("PRAGMA synchronous = OFF")
        connection.execute("PRAGMA journal_mode = WAL")
        with connection:
            connection.execute(
                "CREATE TABLE IF NOT EXISTS outcomes"
                " (key BLOB PRIMARY KEY, outcome TEXT NOT NULL, stored REAL NOT NULL)"
            )
            connection.execute("CREATE INDEX IF NOT EXISTS outcomes_stored ON outcomes (stored)")
            connection.execute(
                "DELETE FROM outcomes WHERE stored < ?", (time.time() - KEEP_DAYS * 86400,)
            )
    except BaseException:
        connection.close()
        raise
    return connection


def _text(outcome: Outcome) -> str | None:
    """``outcome`` as stored; ``None`` when it is not kept."""
    if outcome.kind not in STORED_KINDS:
        return None
    try:
        return json.dumps(
            [outcome.kind, outcome.nct_id, outcome.value, outcome.distance, outcome.fit],
            allow_nan=False,  # (ASCII: a lone surrogate in a record is escaped, not an error)
        )
    except (TypeError, ValueError):  # a value that is not plain JSON would not come back alike
        return None


def _outcome(text: str) -> Outcome | None:
    """A stored outcome; ``None`` for one this version does not read (it is then worked out)."""
    try:
        kind, nct_id, value, distance, fit = json.loads(text)
    except (ValueError, TypeError, RecursionError):
        return None
    if kind not in STORED_KINDS or not isinstance(nct_id, str):
        return None
    return Outcome(kind, nct_id, value, distance, fit)
