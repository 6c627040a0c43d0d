"""Helpers for the digest tests: a config on loopback, runs, and trials that change."""

from __future__ import annotations

from pathlib import Path

from trialfinder import sources
from trialfinder.digest.config import load_config
from trialfinder.digest.run import run_digest
from trialfinder.settings import Settings

NAVIGATOR = "navigator@example.org"
FAMILY = "family@example.org"


def write_config(
    tmp_path: Path,
    port: int,
    *,
    recipients: tuple[str, ...] = (NAVIGATOR,),
    smtp_extra: str = "",
    state_extra: str = "",
    digest_extra: str = "",
    retry_wait: float = 0,
    search_extra: str = "",
    more_searches: str = "",
) -> Path:
    quoted = ", ".join(f'"{r}"' for r in recipients)
    text = f"""
[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
sender = "Trial digest <digest@example.org>"
timeout = 5
{smtp_extra}

[state]
path = "{tmp_path / "state" / "digest.sqlite3"}"
lock_timeout = 0
{state_extra}

[digest]
retry_wait = {retry_wait}
{digest_extra}

[[search]]
name = "Refractory myeloma near Boston"
subject = "refractory myeloma trials near Boston"
condition = "multiple myeloma"
recipients = [{quoted}]
{search_extra}
{more_searches}
"""
    path = tmp_path / "digest.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run(config_path: Path, **kwargs):
    """One digest run against the API the environment points at (the fake_api fixture)."""
    config = load_config(config_path)
    source = sources.create("clinicaltrials.gov", Settings.from_env())
    return run_digest(config, source, **kwargs)
