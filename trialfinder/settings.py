"""Run-time settings: defaults, overridden by environment variables, overridden by options.

Environment variables (all optional):

- ``TRIALFINDER_API_URL``: base URL of the ClinicalTrials.gov API v2.
- ``TRIALFINDER_MIN_INTERVAL``: seconds between two requests (default 1, the site's crawl delay).
- ``TRIALFINDER_RETRY_WAIT``: first back-off wait in seconds before a retry (default 1; 0 in tests).
- ``TRIALFINDER_RETRY_AFTER_MAX``: longest ``Retry-After`` honoured, in seconds (default 120).
- ``TRIALFINDER_MAX_ATTEMPTS``: tries per request, the first included (default 5).
- ``TRIALFINDER_TIMEOUT``: read time-out in seconds (default 30).
- ``TRIALFINDER_CACHE``: 0 to go without the HTTP cache (as ``--no-cache``).
- ``TRIALFINDER_CACHE_TTL``: seconds an API answer stays fresh in the HTTP cache (default 3600;
  0 turns the cache off).
- ``TRIALFINDER_CACHE_DIR``: folder of the HTTP cache (default: the user's cache folder, e.g.
  ``~/.cache/trialfinder``).
- ``TRIALFINDER_CACHE_LOCK_TIMEOUT``: seconds to wait for a cache file another process holds
  locked before going without the cache (default 2).
- ``TRIALFINDER_TEMPLATES``: a folder of the user's own templates (e.g. ``summary.txt.j2``),
  used instead of the packaged ones of the same name.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from trialfinder.errors import ConfigError

DEFAULT_API_URL = "https://clinicaltrials.gov/api/v2"


@dataclass(frozen=True)
class Settings:
    api_url: str = DEFAULT_API_URL
    connect_timeout: float = 10.0
    timeout: float = 30.0  # read time-out: the API can take a while on large pages
    min_interval: float = 1.0
    retry_wait: float = 1.0
    retry_wait_max: float = 30.0
    retry_after_max: float = 120.0
    max_attempts: int = 5
    max_retry_seconds: float = 180.0
    cache: bool = True  # --no-cache turns it off
    cache_refresh: bool = False  # --refresh: ignore cached answers, but store the new ones
    cache_ttl: float = 3600.0
    cache_dir: str = ""  # empty: platformdirs' user cache folder
    cache_lock_timeout: float = 2.0
    templates: str | None = None  # a folder of the user's own templates

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> Settings:
        environ = os.environ if environ is None else environ
        values: dict = {}
        types = {f.name: f.type for f in fields(cls)}
        for name in types:
            raw = environ.get(f"TRIALFINDER_{name.upper()}")
            if raw is None or raw == "":
                continue
            values[name] = _convert(name, raw, types[name])
        settings = cls(**values)
        return replace(settings, **{k: v for k, v in overrides.items() if v is not None})


def _convert(name: str, raw: str, kind: str):
    try:
        if kind == "bool":
            return _boolean(name, raw)
        if kind == "float":
            value = float(raw)
        elif kind == "int":
            value = int(raw)
        else:
            return raw.strip()
    except ValueError:
        raise ConfigError(
            f"TRIALFINDER_{name.upper()}={raw!r} is not a number", hint="unset it or give a number"
        ) from None
    if value < 0:
        raise ConfigError(f"TRIALFINDER_{name.upper()} cannot be negative")
    return value


def _boolean(name: str, raw: str) -> bool:
    word = raw.strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"TRIALFINDER_{name.upper()}={raw!r} is not true or false", hint="use 1 or 0")
