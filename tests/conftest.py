"""Shared fixtures: a quiet, fast, offline environment for every test."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from fakeapi import FakeApi

TEST_API_URL = "https://ctgov.test/api/v2"


def shared_dir() -> Path:
    """The reference material beside the checkout (``../shared/ctgov``), if it is there."""
    configured = os.environ.get("TRIALFINDER_SHARED_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "shared" / "ctgov"


SHARED = shared_dir()
needs_shared = pytest.mark.skipif(
    not (SHARED / "records").is_dir(),
    reason=f"reference records not found at {SHARED} (set TRIALFINDER_SHARED_DIR)",
)


def as_from_a_terminal() -> None:
    """Run in a child process before it starts (``preexec_fn``): Ctrl-C, SIGTERM and SIGHUP as a
    terminal leaves them to a command. A test run started in the background of a script, or
    under ``nohup``, ignores some of them, and a child would inherit that: a signal a test sends
    would then stop nothing."""
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)


def real_record_paths() -> list[Path]:
    return sorted((SHARED / "records").glob("NCT*.json")) if (SHARED / "records").is_dir() else []


def load_real_record(nct_id: str) -> dict:
    return json.loads((SHARED / "records" / f"{nct_id}.json").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def quiet_environment(monkeypatch, tmp_path):
    """No pacing, no back-off waits, a private cache and data folder, no proxies."""
    for name in list(os.environ):
        if name.startswith("TRIALFINDER_") and name != "TRIALFINDER_SHARED_DIR":
            monkeypatch.delenv(name)
    monkeypatch.setenv("TRIALFINDER_API_URL", TEST_API_URL)
    monkeypatch.setenv("TRIALFINDER_MIN_INTERVAL", "0")
    monkeypatch.setenv("TRIALFINDER_RETRY_WAIT", "0")
    monkeypatch.setenv("TRIALFINDER_RETRY_AFTER_MAX", "0")
    # No HTTP cache unless a test turns it on (TRIALFINDER_CACHE=1): tests change what the fake
    # API serves between two runs a second apart, which a cache would rightly hide for an hour.
    monkeypatch.setenv("TRIALFINDER_CACHE", "0")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(proxy, raising=False)


@pytest.fixture
def fake_api(monkeypatch):
    """A real HTTP server on 127.0.0.1 speaking the API's shape; the tool points at it."""
    with FakeApi() as api:
        monkeypatch.setenv("TRIALFINDER_API_URL", api.url)
        yield api


# Pages of the searches that test worker processes: a few dozen trials make several pages.
SMALL_PAGE = 20


@pytest.fixture
def small_pages(monkeypatch):
    """Pages of SMALL_PAGE trials."""
    monkeypatch.setattr("trialfinder.sources.ctgov.MAX_PAGE_SIZE", SMALL_PAGE)


@pytest.fixture
def small_pool(monkeypatch):
    """A pool even for a few small pages, in chunks of 5; lists the workers of each pool
    started."""
    from trialfinder import workers

    monkeypatch.setattr(workers, "POOL_THRESHOLD", 10)
    monkeypatch.setattr(workers, "MIN_CHUNK", 5)
    started: list[int] = []
    start = workers._start_pool

    def counted(job, count):
        started.append(count)
        return start(job, count)

    monkeypatch.setattr(workers, "_start_pool", counted)
    return started
