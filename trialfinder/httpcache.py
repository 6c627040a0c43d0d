"""The HTTP cache: API answers kept in a SQLite file in the user's cache folder.

A repeated search, or ``show`` of a trial a search just listed, costs no request while the
answers are fresh (one hour by default, ``TRIALFINDER_CACHE_TTL``). For ``show``, a small table
(``listed``) notes which cached search page holds each trial: a search and ``show`` ask for the
same ``fields``, so the trial's record in that page is exactly what ``show`` would be sent.
Only 200 answers with a JSON body are kept. The cache must never stop a search: a file that is
not a database is recreated, and a file another process keeps locked (or that fails later) is
bypassed, each with a warning.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from requests_cache import CachedSession
from requests_cache.backends.base import BaseCache
from requests_cache.backends.sqlite import SQLiteCache, SQLiteDict
from requests_cache.models.response import CachedResponse

from trialfinder.model import nct_id_of
from trialfinder.settings import Settings

log = logging.getLogger("trialfinder")

CACHE_FILE = "http-cache.sqlite"


def cache_path(settings: Settings) -> Path:
    if settings.cache_dir:
        return Path(settings.cache_dir).expanduser() / CACHE_FILE
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("trialfinder", appauthor=False)) / CACHE_FILE


# Cache folders found unusable in this process: each is reported once, although the answers
# and the results kept between searches (``trialfinder.resultstore``) both live there.
_UNUSABLE_FOLDERS: set[Path] = set()


def usable_folder(folder: Path) -> bool:
    """Whether the cache folder ``folder`` is there or could be made (a warning, once, if not)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return True
    except OSError as exc:
        if folder not in _UNUSABLE_FOLDERS:
            _UNUSABLE_FOLDERS.add(folder)
            log.warning("the cache folder %s cannot be used (%s); going without it", folder, exc)
        return False


def open_cached_session(settings: Settings) -> requests.Session | None:
    """A cached session, or ``None`` (with a warning) when the cache file cannot be used."""
    path = cache_path(settings)
    if not usable_folder(path.parent):
        return None
    try:
        return _cached_session(path, settings)
    except sqlite3.OperationalError as exc:  # locked by another process, read-only, ...
        log.warning("the cache %s cannot be used (%s); going without it this time", path, exc)
        return None
    except sqlite3.DatabaseError as exc:  # "file is not a database", "malformed"
        log.warning("the cache %s is damaged (%s); starting a new one", path, exc)
    except OSError as exc:  # a folder where the file should be, no permission
        log.warning("the cache %s cannot be used (%s); going without it", path, exc)
        return None
    try:
        path.unlink()
        return _cached_session(path, settings)
    except (OSError, sqlite3.Error) as exc:
        log.warning("the cache %s cannot be recreated (%s); going without it", path, exc)
        return None


def _cached_session(path: Path, settings: Settings) -> CachedSession:
    backend = SafeSQLiteCache(path, lock_timeout=settings.cache_lock_timeout)
    backend.delete_expired()
    return CachedSession(
        backend=backend,
        expire_after=timedelta(seconds=settings.cache_ttl),
        allowable_codes=(200,),
        allowable_methods=("GET",),
        filter_fn=is_json_answer,
        stale_if_error=False,
    )


def is_json_answer(response: Any) -> bool:
    """Keep only answers that look like the API's JSON (an HTML error page sent as 200 is not)."""
    content_type = response.headers.get("Content-Type", "")
    return response.status_code == 200 and "json" in content_type.lower()


def forget(session: requests.Session, response: requests.Response) -> None:
    """Drop ``response`` from the cache: it said 200 but its body turned out to be unusable."""
    cache = getattr(session, "cache", None)
    key = getattr(response, "cache_key", None)
    if cache is not None and key:
        cache.delete(key)


class _BoundedSQLiteDict(SQLiteDict):
    """requests-cache's SQLite table, except that waiting for a write lock is bounded.

    The stock version retries ``BEGIN IMMEDIATE`` forever while another process holds the file
    locked, and drops failed writes silently; here the wait is SQLite's busy time-out, and a
    failure is raised for :class:`SafeSQLiteCache` to report.
    """

    @contextmanager
    def _acquire_sqlite_lock(self) -> Iterator[None]:
        with self._lock:
            connection = self._connection
            assert connection is not None  # connected by SQLiteDict before any write
            connection.execute("BEGIN IMMEDIATE")
            self._active_transaction = True
            try:
                yield
                connection.commit()
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    connection.rollback()
                raise
            finally:
                self._active_transaction = False


class SafeSQLiteCache(SQLiteCache):
    """SQLite backend whose failures (locked, damaged, full disk) never fail a request.

    The first failure is logged as a warning and the cache is bypassed for the rest of the run.
    """

    def __init__(self, db_path: Path, lock_timeout: float = 2.0) -> None:
        BaseCache.__init__(self, cache_name=str(db_path))
        busy_ms = max(1, int(lock_timeout * 1000))
        # fast_save: no fsync per write; a cache file damaged by a crash is simply recreated.
        common: dict[str, Any] = {
            "busy_timeout": busy_ms,
            "timeout": lock_timeout,
            "fast_save": True,
        }
        self.responses = _BoundedSQLiteDict(db_path, table_name="responses", **common)
        self.redirects = _BoundedSQLiteDict(
            db_path, table_name="redirects", lock=self.responses._lock, serializer=None, **common
        )
        self.broken = False
        with self.responses.connection(commit=True) as con:
            con.execute(
                "CREATE TABLE IF NOT EXISTS listed ("
                " nct_id TEXT PRIMARY KEY, page_key TEXT, fields TEXT, expires REAL)"
            )

    def delete_expired(self) -> None:
        """Drop answers past their time, so the file does not grow run after run."""
        try:
            with self.responses.connection(commit=True) as con:
                now = time.time()
                con.execute("DELETE FROM responses WHERE expires < ?", (int(now),))
                con.execute("DELETE FROM listed WHERE expires < ?", (now,))
        except sqlite3.Error as exc:
            self._failed(exc)

    def remember_listing(
        self, page_key: str, nct_ids: Iterable[str], fields: str, expires: datetime | None
    ) -> None:
        """Note which cached search page holds each trial, so ``show`` can find it there."""
        if self.broken:
            return
        expires_at = expires.timestamp() if expires else None
        rows = [(nct_id, page_key, fields, expires_at) for nct_id in nct_ids]
        try:
            with self.responses.connection(commit=True) as con:
                con.executemany("INSERT OR REPLACE INTO listed VALUES (?, ?, ?, ?)", rows)
        except sqlite3.Error as exc:
            self._failed(exc)

    def listed_study(self, nct_id: str, fields: str) -> dict[str, Any] | None:
        """The record of ``nct_id`` from a fresh cached search page asked with ``fields``."""
        if self.broken:
            return None
        try:
            with self.responses.connection() as con:
                row = con.execute(
                    "SELECT page_key FROM listed WHERE nct_id = ? AND fields = ?"
                    " AND (expires IS NULL OR expires > ?)",
                    (nct_id, fields, time.time()),
                ).fetchone()
        except sqlite3.Error as exc:
            self._failed(exc)
            return None
        page = self.get_response(row[0]) if row else None
        if page is None or page.is_expired:
            return None
        try:
            studies = json.loads(page.content)["studies"]
        except (ValueError, KeyError, TypeError, RecursionError):
            return None
        for study in studies if isinstance(studies, list) else ():
            if nct_id_of(study) == nct_id:
                found: dict[str, Any] = study
                return found
        return None

    def _failed(self, exc: Exception) -> None:
        if self.broken:
            return
        self.broken = True
        damaged = isinstance(exc, sqlite3.DatabaseError) and not isinstance(
            exc, sqlite3.OperationalError
        )
        if not damaged:  # locked, read-only, disk full: the file itself is fine
            log.warning("the cache %s failed (%s); going without it", self.db_path, exc)
            return
        log.warning(
            "the cache %s is damaged (%s); going without it, a new one starts next time",
            self.db_path,
            exc,
        )
        self.responses.close()
        self.redirects.close()
        with contextlib.suppress(OSError):
            Path(self.db_path).unlink()

    def get_response(
        self, key: str, default: CachedResponse | None = None
    ) -> CachedResponse | None:
        if self.broken:
            return default
        try:
            response: CachedResponse | None = super().get_response(key, default)
            return response
        except sqlite3.Error as exc:
            self._failed(exc)
            return default

    def save_response(
        self,
        response: requests.Response,
        cache_key: str | None = None,
        expires: datetime | None = None,
    ) -> None:
        if self.broken:
            return
        try:
            super().save_response(response, cache_key, expires)
        except sqlite3.Error as exc:
            self._failed(exc)

    def delete(self, *keys: str, **kwargs: Any) -> None:
        if self.broken:
            return
        try:
            super().delete(*keys, **kwargs)
        except sqlite3.Error as exc:
            self._failed(exc)
