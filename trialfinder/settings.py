"""Run-time settings: defaults, overridden by environment variables, overridden by options.

Environment variables (all optional; every value is checked once, at start: a value that is not
a finite number in its range is a configuration error naming the variable):

- ``TRIALFINDER_API_URL``: base URL of the ClinicalTrials.gov API v2 (http or https).
- ``TRIALFINDER_MIN_INTERVAL``: seconds between two requests (default 1, the site's crawl delay).
- ``TRIALFINDER_CONNECT_TIMEOUT``: seconds to wait for a connection (default 10).
- ``TRIALFINDER_TIMEOUT``: read time-out in seconds: the longest silence (default 30).
- ``TRIALFINDER_REQUEST_DEADLINE``: seconds one request may take in all, connection, headers and
  body together (default 120).
- ``TRIALFINDER_MAX_RESPONSE_MB``: largest answer, in MiB as sent (default 64).
- ``TRIALFINDER_MAX_DECODED_MB``: largest answer once decompressed, in MiB (default 128).
- ``TRIALFINDER_MAX_ATTEMPTS``: tries per request, the first included (default 5).
- ``TRIALFINDER_MAX_RETRY_SECONDS``: seconds one request may take with all its tries and the
  waits between them (default 180).
- ``TRIALFINDER_RETRY_WAIT``: first back-off wait in seconds before a retry (default 1; 0 in tests).
- ``TRIALFINDER_RETRY_WAIT_MAX``: longest back-off wait in seconds (default 30).
- ``TRIALFINDER_RETRY_AFTER_MAX``: longest ``Retry-After`` honoured, in seconds (default 120).
- ``TRIALFINDER_CACHE``: 0 to go without the HTTP cache (as ``--no-cache``).
- ``TRIALFINDER_CACHE_TTL``: seconds an API answer stays fresh in the HTTP cache (default 3600;
  0 turns the cache off).
- ``TRIALFINDER_CACHE_DIR``: folder of the HTTP cache (default: the user's cache folder, e.g.
  ``~/.cache/trialfinder``).
- ``TRIALFINDER_CACHE_LOCK_TIMEOUT``: seconds to wait for a cache file another process holds
  locked before going without the cache (default 2).
- ``TRIALFINDER_TEMPLATES``: a folder of the user's own templates (e.g. ``summary.txt.j2``),
  used instead of the packaged ones of the same name.
- ``TRIALFINDER_WORKERS``: processes that tag, summarise and prescreen the trials of a large
  search (default: the number of CPU cores; 1 does it all in the main process).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any
from urllib.parse import urlsplit

from trialfinder.errors import ConfigError

DEFAULT_API_URL = "https://clinicaltrials.gov/api/v2"
MIB = 1024 * 1024

HOUR = 3600.0
DAY = 24 * HOUR

# The range of each number: (lowest, highest, whether the lowest itself is allowed).
RANGES: dict[str, tuple[float, float, bool]] = {
    "connect_timeout": (0, HOUR, False),
    "timeout": (0, HOUR, False),
    "request_deadline": (0, DAY, False),
    "max_response_mb": (0, 4096, False),
    "max_decoded_mb": (0, 4096, False),
    "min_interval": (0, HOUR, True),
    "retry_wait": (0, HOUR, True),
    "retry_wait_max": (0, HOUR, True),
    "retry_after_max": (0, DAY, True),
    "max_attempts": (1, 100, True),
    "max_retry_seconds": (0, 7 * DAY, False),
    "cache_ttl": (0, 365 * DAY, True),
    "cache_lock_timeout": (0, HOUR, True),
    "workers": (1, 256, True),
}


def cpu_cores() -> int:
    """The CPU cores this process may run on (the default number of workers)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class Settings:
    api_url: str = DEFAULT_API_URL
    connect_timeout: float = 10.0
    timeout: float = 30.0  # read time-out: the API can take a while on large pages
    request_deadline: float = 120.0  # one try in all: connection, headers and body
    max_response_mb: float = 64.0  # as sent (compressed or not)
    max_decoded_mb: float = 128.0  # once decompressed: a 1,000-trial page is about 25 MiB
    min_interval: float = 1.0
    retry_wait: float = 1.0
    retry_wait_max: float = 30.0
    retry_after_max: float = 120.0
    max_attempts: int = 5
    max_retry_seconds: float = 180.0  # one request in all: its tries and the waits between them
    cache: bool = True  # --no-cache turns it off
    cache_refresh: bool = False  # --refresh: ignore cached answers, but store the new ones
    cache_ttl: float = 3600.0
    cache_dir: str = ""  # empty: platformdirs' user cache folder
    cache_lock_timeout: float = 2.0
    templates: str | None = None  # a folder of the user's own templates
    workers: int = field(default_factory=cpu_cores)  # 1: no worker processes

    def __post_init__(self) -> None:
        problem = api_url_problem(self.api_url)
        if problem:
            raise ConfigError(
                f"{variable('api_url')}={self.api_url!r} is not usable: {problem}",
                hint="give the base URL of the API, e.g. " + DEFAULT_API_URL,
            )
        for name, (low, high, low_allowed) in RANGES.items():
            _check_range(name, getattr(self, name), low, high, low_allowed)

    @property
    def uses_cache(self) -> bool:
        """Whether answers (and results: ``resultstore``) are kept between runs: not with
        ``--no-cache``, ``TRIALFINDER_CACHE=0`` or a TTL of 0."""
        return self.cache and self.cache_ttl > 0

    @property
    def max_response_bytes(self) -> int:
        return int(self.max_response_mb * MIB)

    @property
    def max_decoded_bytes(self) -> int:
        return int(self.max_decoded_mb * MIB)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        # With postponed annotations each field's type is its name: "float", "bool", "str | None".
        types = {f.name: str(f.type) for f in fields(cls)}
        for name in types:
            raw = environ.get(variable(name))
            if raw is None or raw == "":
                continue
            values[name] = _convert(name, raw, types[name])
        settings = cls(**values)
        return replace(settings, **{k: v for k, v in overrides.items() if v is not None})


def variable(name: str) -> str:
    """The environment variable of setting ``name``."""
    return f"TRIALFINDER_{name.upper()}"


def api_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be the API's base URL, or ``None`` when it can."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 (raises ValueError for a port out of range or not a number)
    except ValueError as exc:
        return str(exc)
    if parts.scheme not in ("http", "https"):
        return "it must start with https:// (or http://)"
    if not parts.hostname:
        return "it names no host"
    if parts.query or parts.fragment or url.strip().endswith(("?", "#")):
        # (paths are added after it: "...?x/studies/NCT..." would ask for something else)
        return "it must end with the path, without ? or #"
    return None


def _check_range(name: str, value: float, low: float, high: float, low_allowed: bool) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{variable(name)}={value!r} is not a number")
    if math.isfinite(value) and (low <= value if low_allowed else low < value) and value <= high:
        return
    lowest = f"at least {low:,g}" if low_allowed else f"more than {low:,g}"
    raise ConfigError(
        f"{variable(name)}={value!r} is out of range: it must be {lowest} and at most {high:,.0f}",
        hint="unset it or give a number in that range",
    )


def _convert(name: str, raw: str, kind: str) -> Any:
    try:
        if kind == "bool":
            return _boolean(name, raw)
        if kind == "float":
            return float(raw)
        if kind == "int":
            return int(raw)
        return raw.strip()
    except ValueError:
        number = "a whole number" if kind == "int" else "a number"
        raise ConfigError(
            f"{variable(name)}={raw!r} is not {number}", hint=f"unset it or give {number}"
        ) from None


def _boolean(name: str, raw: str) -> bool:
    word = raw.strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{variable(name)}={raw!r} is not true or false", hint="use 1 or 0")
