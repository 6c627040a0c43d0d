"""The digest configuration file (TOML): SMTP settings, the state store and saved searches.

:func:`load_config` reads and validates a file in one go and reports *every* problem it
finds, each with the line and the key it concerns (:class:`InvalidConfig`), so that
``trialfinder digest check`` can tell the user exactly what to fix.
"""

from __future__ import annotations

import functools
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trialfinder.counting import counted
from trialfinder.criteria import SearchCriteria
from trialfinder.digest.addresses import Mailbox, ascii_host, forbidden_character, parse_mailbox
from trialfinder.errors import ConfigError, InvalidInput
from trialfinder.profile import Profile, load_profile
from trialfinder.request import InvalidRequest, SearchOptions, SearchRequest, build_request
from trialfinder.validation import (
    Checker,
    InvalidConfig,
    KeyLines,
    KeyPath,
    did_you_mean,
    parse_toml,
)

SECURITY_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
FIRST_RUN = ("send", "record")
DEFAULT_PASSWORD_ENV = "TRIALFINDER_SMTP_PASSWORD"
STATE_FILE = "digest.sqlite3"
SMTP_KEYS = (
    "host",
    "port",
    "security",
    "username",
    "password_env",
    "sender",
    "timeout",
    "ca_file",
)
STATE_KEYS = ("path", "first_run", "lock_timeout")
DIGEST_KEYS = (
    "send_when_empty",
    "list_unsubscribe",
    "templates",
    "max_summaries",
    "retry_wait",
    "max_tries",
)
DEFAULT_MAX_SUMMARIES = 30
DEFAULT_RETRY_WAIT = 3600.0  # seconds before a failed message is tried again; doubles per try
DEFAULT_MAX_TRIES = 5  # failed tries (one per run at most) before a message is set aside
MAX_TIMEOUT = 3600.0  # seconds: smtp.timeout and state.lock_timeout
MAX_RETRY_WAIT = 7 * 86400.0
MAX_MAX_TRIES = 100


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    sender: str  # "Name <address>", as it appears in the From header
    port: int = 587
    security: str = "starttls"  # "starttls", "ssl" or "none"
    username: str | None = None
    password_env: str = DEFAULT_PASSWORD_ENV
    timeout: float = 30.0
    ca_file: Path | None = None  # certificate authorities to trust instead of the system's

    @property
    def mailbox(self) -> Mailbox:
        return parse_mailbox(self.sender)

    @property
    def sender_address(self) -> str:
        """The address of the SMTP envelope (an internationalised domain in ASCII)."""
        return self.mailbox.address

    def password(self) -> str | None:
        """The password, read from the environment variable named in the config."""
        return os.environ.get(self.password_env) or None


@dataclass(frozen=True)
class StateConfig:
    path: Path
    first_run: str = "send"  # "send": first results go out as new; "record": only remember
    lock_timeout: float = 60.0  # seconds a run waits for another run to finish


@dataclass(frozen=True)
class SavedSearch:
    name: str
    request: SearchRequest  # built as `trialfinder search` builds its own
    recipients: tuple[str, ...]
    subject: str = ""  # what the subject line calls these trials; the name by default
    first_run: str = "send"
    send_when_empty: bool = False
    # (recipient's address in lower case, or "" for every recipient) -> a patient's profile
    profiles: tuple[tuple[str, Profile], ...] = ()

    @property
    def topic(self) -> str:
        return self.subject or self.name

    @property
    def criteria(self) -> SearchCriteria:
        """What the registry is asked: conditions, settings, place, ..."""
        return self.request.criteria

    def profile_for(self, recipient: str) -> Profile | None:
        """The profile the digest to ``recipient`` is prescreened with, if any."""
        wanted = parse_mailbox(recipient).address.lower()
        found = dict(self.profiles)
        return found.get(wanted, found.get(""))


@dataclass(frozen=True)
class DigestConfig:
    smtp: SmtpConfig
    state: StateConfig
    searches: tuple[SavedSearch, ...]
    send_when_empty: bool = False
    list_unsubscribe: str | None = None
    max_summaries: int = DEFAULT_MAX_SUMMARIES  # trials per message shown with their summary
    templates: Path | None = None
    retry_wait: float = DEFAULT_RETRY_WAIT
    max_tries: int = DEFAULT_MAX_TRIES
    source_file: Path | None = None


def default_state_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("trialfinder", appauthor=False)) / STATE_FILE


def _single_line(text: str) -> bool:
    return "\r" not in text and "\n" not in text


def _one_line_problem(text: str, what: str) -> str | None:
    """Why ``text`` cannot be a header value (a name, a subject), if it cannot."""
    if not _single_line(text):
        return f"the {what} must be one line of text"
    bad = forbidden_character(text)
    if bad:
        return f"the {what} contains a control or invisible character: {bad}"
    return None


def _number(
    c: Checker,
    table: dict[str, Any],
    path: KeyPath,
    key: str,
    default: float,
    high: float,
    zero: bool = False,
) -> float:
    """Seconds: a finite number above 0 (or 0 itself when ``zero``), at most ``high``."""
    value = c.get(table, path, key, (int, float), "seconds", default=default)
    low = "0 or more" if zero else "more than 0"
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero) or value > high:
        c.problem((*path, key), f"{value!r}: write a number of seconds, {low}, at most {high:g}")
        return default
    return float(value)


def _load_ca_file(path: Path) -> None:
    """Load ``path`` as the TLS context will; raises InvalidInput saying why it cannot."""
    import ssl

    if not path.is_file():
        raise InvalidInput(f"{str(path)!r} does not exist")
    try:
        ssl.create_default_context(cafile=str(path))
    except ssl.SSLError as exc:
        raise InvalidInput(
            f"{str(path)!r} holds no certificate in PEM form ({exc.reason or exc})",
            hint="give the CA certificate as a PEM file (-----BEGIN CERTIFICATE-----)",
        ) from None
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"cannot read {str(path)!r}: {exc}") from None


def load_config(path: str | Path) -> DigestConfig:
    """Read and validate ``path``; raises :class:`InvalidConfig` listing every problem."""
    path = Path(path).expanduser()
    try:
        text = path.read_text(encoding="utf-8-sig")  # (a byte-order mark, as Notepad writes)
    except FileNotFoundError:
        raise ConfigError(f"config file {str(path)!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {str(path)!r}: {exc}") from None
    return parse_config(text, path)


def parse_config(text: str, path: str | Path = "<config>") -> DigestConfig:
    hint = f"run `trialfinder digest check --config {path}` to see them all"
    data = parse_toml(text, path, hint)
    checker = Checker(KeyLines(text))
    config = _read(data, checker, Path(path))
    if checker.problems:
        raise InvalidConfig(path, checker.sorted_problems(), hint)
    assert config is not None
    return config


def _read(data: dict[str, Any], c: Checker, source_file: Path) -> DigestConfig | None:
    c.unknown_keys(data, (), ("smtp", "state", "digest", "search"))
    smtp = _read_smtp(c.table(data, "smtp", required=True), c, source_file)
    state = _read_state(c.table(data, "state", required=False), c, source_file)
    digest = c.table(data, "digest", required=False)
    c.unknown_keys(digest, ("digest",), DIGEST_KEYS)
    send_when_empty = c.get(
        digest, ("digest",), "send_when_empty", bool, "true or false", default=False
    )
    unsubscribe = c.get(digest, ("digest",), "list_unsubscribe", str, "a string")
    max_summaries = c.get(
        digest, ("digest",), "max_summaries", int, "a number", default=DEFAULT_MAX_SUMMARIES
    )
    if max_summaries < 0:
        c.problem(("digest", "max_summaries"), "cannot be negative (0: no summaries)")
    retry_wait = _number(
        c, digest, ("digest",), "retry_wait", DEFAULT_RETRY_WAIT, MAX_RETRY_WAIT, zero=True
    )
    max_tries = c.get(digest, ("digest",), "max_tries", int, "a number", default=DEFAULT_MAX_TRIES)
    if not 1 <= max_tries <= MAX_MAX_TRIES:
        c.problem(("digest", "max_tries"), f"{max_tries}: write a number from 1 to {MAX_MAX_TRIES}")
        max_tries = DEFAULT_MAX_TRIES
    if unsubscribe is not None and (
        not unsubscribe.isascii() or not unsubscribe.isprintable() or "<" not in unsubscribe
    ):
        c.problem(
            ("digest", "list_unsubscribe"),
            "write one line of <mailto:...> and/or <https://...> addresses in angle brackets "
            "(ASCII: percent-encode other characters)",
        )
    templates = c.get(digest, ("digest",), "templates", str, "a folder name")
    templates_dir = _relative(templates, source_file) if templates else None
    if templates_dir is not None and not templates_dir.is_dir():
        c.problem(("digest", "templates"), f"template folder {str(templates_dir)!r} does not exist")

    raw_searches = data.get("search", [])
    if not isinstance(raw_searches, list) or not all(isinstance(s, dict) for s in raw_searches):
        c.problem(("search",), "saved searches are written as [[search]] tables")
        raw_searches = []
    if not raw_searches:
        c.problem((), "no saved search: add at least one [[search]] table")
    searches = []
    names: set[str] = set()
    for index, raw in enumerate(raw_searches):
        name = raw.get("name")
        if isinstance(name, str) and name.strip():
            # The name keys the saved state: two searches cannot share it.
            if name.strip().casefold() in names:
                c.problem(("search", index, "name"), f"the name {name!r} is used twice")
            names.add(name.strip().casefold())
        search = _read_search(raw, ("search", index), c, state, send_when_empty, source_file)
        if search is not None:
            searches.append(search)
    if c.problems or smtp is None:
        return None
    return DigestConfig(
        smtp=smtp,
        state=state,
        searches=tuple(searches),
        send_when_empty=send_when_empty,
        list_unsubscribe=unsubscribe,
        max_summaries=max_summaries,
        templates=templates_dir,
        source_file=source_file,
        retry_wait=retry_wait,
        max_tries=max_tries,
    )


def _relative(text: str, source_file: Path) -> Path:
    """``~`` is expanded; a relative path is relative to the config file's folder."""
    path = Path(os.path.expandvars(text)).expanduser()
    return path if path.is_absolute() else source_file.parent / path


def _read_smtp(table: dict[str, Any], c: Checker, source_file: Path) -> SmtpConfig | None:
    p = ("smtp",)
    c.unknown_keys(table, p, SMTP_KEYS)
    if not table:
        return None
    host = c.get(table, p, "host", str, "the SMTP server's host name", required=True)
    if host is not None:
        host = c.check((*p, "host"), lambda: ascii_host(host))
    security = c.get(table, p, "security", str, '"starttls", "ssl" or "none"', default="starttls")
    if security not in SECURITY_PORTS:
        c.problem((*p, "security"), f'{security!r}: choose "starttls", "ssl" or "none"')
        security = "starttls"
    port = c.get(table, p, "port", int, "a port number", default=SECURITY_PORTS[security])
    if not 0 < port < 65536:
        c.problem((*p, "port"), f"{port} is not a port number (1 to 65535)")
    username = c.get(table, p, "username", str, "a user name")
    password_env = c.get(table, p, "password_env", str, "an environment variable name")
    if password_env is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", password_env):
        c.problem((*p, "password_env"), f"{password_env!r} is not an environment variable name")
    sender = c.get(table, p, "sender", str, "the From address", required=True)
    if sender is not None and c.check((*p, "sender"), lambda: parse_mailbox(sender)) is None:
        sender = None
    timeout = _number(c, table, p, "timeout", 30.0, MAX_TIMEOUT)
    raw_ca_file = c.get(table, p, "ca_file", str, "a PEM file name")
    ca_file = _relative(raw_ca_file, source_file) if raw_ca_file else None
    # Loaded now, whatever `security` says: a file that is named must be usable.
    if ca_file is not None:
        c.check((*p, "ca_file"), lambda: _load_ca_file(ca_file))
    if host is None or sender is None:
        return None
    return SmtpConfig(
        ca_file=ca_file,
        host=host,
        sender=sender.strip(),
        port=port,
        security=security,
        username=username or None,
        password_env=password_env or DEFAULT_PASSWORD_ENV,
        timeout=timeout,
    )


def _read_state(table: dict[str, Any], c: Checker, source_file: Path) -> StateConfig:
    p = ("state",)
    c.unknown_keys(table, p, STATE_KEYS)
    raw_path = c.get(table, p, "path", str, "a file name")
    path = _relative(raw_path, source_file) if raw_path else default_state_path()
    first_run = c.get(table, p, "first_run", str, '"send" or "record"', default="send")
    if first_run not in FIRST_RUN:
        c.problem((*p, "first_run"), f'{first_run!r}: choose "send" or "record"')
        first_run = "send"
    lock_timeout = _number(c, table, p, "lock_timeout", 60.0, MAX_TIMEOUT, zero=True)
    return StateConfig(path=path, first_run=first_run, lock_timeout=lock_timeout)


SEARCH_KEYS = (
    "name",
    "subject",
    "recipients",
    "condition",
    "setting",
    "categories",
    "biomarkers",
    "near",
    "within",
    "age",
    "sex",
    "phases",
    "statuses",
    "intervention",
    "first_run",
    "send_when_empty",
    "profile",
)


def _read_search(
    table: dict[str, Any],
    p: KeyPath,
    c: Checker,
    state: StateConfig,
    send_when_empty: bool,
    source_file: Path = Path("digest.toml"),
) -> SavedSearch | None:
    c.unknown_keys(table, p, SEARCH_KEYS)
    before = len(c.problems)
    name = c.get(table, p, "name", str, "a name for this search", required=True)
    if name is not None and not name.strip():
        c.problem((*p, "name"), "the name must be one line of text")
    elif name is not None and (problem := _one_line_problem(name, "name")):
        c.problem((*p, "name"), problem)
    subject = c.get(table, p, "subject", str, "text for the subject line", default="")
    if problem := _one_line_problem(subject, "subject"):
        c.problem((*p, "subject"), problem)
    recipients = c.strings(table, p, "recipients", "a list of email addresses")
    if "recipients" not in table:
        c.problem(p, "the key 'recipients' is missing (a list of email addresses)")
    elif not recipients:
        c.problem((*p, "recipients"), "give at least one email address")
    for address in recipients or ():
        c.check((*p, "recipients"), functools.partial(parse_mailbox, address))

    options = SearchOptions(
        conditions=c.strings(table, p, "condition", "a condition, or a list of them") or (),
        settings=c.strings(table, p, "setting", "a list of settings") or (),
        phases=c.strings(table, p, "phases", "a list of phases, e.g. [2, 3]") or (),
        statuses=c.strings(table, p, "statuses", "a list of statuses") or (),
        age=c.get(table, p, "age", int, "an age in years"),
        sex=c.get(table, p, "sex", str, '"female" or "male"'),
        intervention=c.get(table, p, "intervention", str, "a treatment name"),
        categories=c.strings(table, p, "categories", "a list of treatment categories") or (),
        biomarkers=c.strings(table, p, "biomarkers", "a list of biomarkers") or (),
        near=c.get(table, p, "near", str, "a place: a ZIP code, 'City, ST' or lat,lon"),
        within=c.get(table, p, "within", (str, int, float), 'a distance, e.g. "100mi"'),
    )
    request = _request(options, p, c)

    first_run = c.get(table, p, "first_run", str, '"send" or "record"', default=state.first_run)
    if first_run not in FIRST_RUN:
        c.problem((*p, "first_run"), f'{first_run!r}: choose "send" or "record"')
    send_empty = c.get(table, p, "send_when_empty", bool, "true or false", default=send_when_empty)
    profiles = _read_profiles(table, p, c, recipients or (), source_file)
    if len(c.problems) > before or request is None:
        return None
    return SavedSearch(
        name=name.strip(),
        request=request,
        recipients=_unique_addresses(recipients or ()),
        subject=subject.strip(),
        first_run=first_run,
        send_when_empty=send_empty,
        profiles=profiles,
    )


def _read_profiles(
    table: dict[str, Any], p: KeyPath, c: Checker, recipients: tuple[str, ...], source_file: Path
) -> tuple[tuple[str, Profile], ...]:
    """``profile = "ann.toml"`` (for every recipient) or ``profile = { "ann@example.org" =
    "ann.toml" }`` (per recipient); each file read and checked now."""
    value = table.get("profile")
    if value is None:
        return ()
    key = (*p, "profile")
    if isinstance(value, str):
        files = {"": value}
    elif isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        addresses = {parse_mailbox(r).address.lower(): r for r in recipients if _parses(r)}
        files = {}
        for address, file in value.items():
            wanted = address.strip().lower()
            if wanted not in addresses:
                advice = did_you_mean(address, list(addresses) or ["(no recipients)"])
                c.problem(key, f"{address!r} is not a recipient of this search ({advice})")
                continue
            files[wanted] = file
    else:
        c.problem(
            key,
            "write a profile file, or a table of recipients and files: "
            '{ "ann@example.org" = "ann.toml" }',
        )
        return ()
    profiles = []
    for recipient, file in files.items():
        try:
            profile = load_profile(_relative(file, source_file))
        except ConfigError as exc:
            lines = exc.lines()
            more = f" (and {counted(len(lines) - 1, 'more problem')})" if len(lines) > 1 else ""
            c.problem(key, f"profile: {lines[0]}{more}")
            continue
        profiles.append((recipient, profile))
    return tuple(profiles)


def _parses(address: str) -> bool:
    try:
        parse_mailbox(address)
    except InvalidInput:
        return False
    return True


def _unique_addresses(addresses: tuple[str, ...]) -> tuple[str, ...]:
    """One message per address: "A@example.org" and "Ann <a@example.org>" are one recipient."""
    unique: dict[str, str] = {}
    for address in addresses:
        unique.setdefault(parse_mailbox(address).address.lower(), address)
    return tuple(unique.values())


# How a problem of a search's options names its key in the file.
SEARCH_KEY_OF = {"conditions": "condition", "settings": "setting"}


def _request(options: SearchOptions, p: KeyPath, c: Checker) -> SearchRequest | None:
    """The request of a saved search, as ``trialfinder search`` builds it from its options;
    each problem at the key it comes from."""

    def key(option: str) -> str:
        return SEARCH_KEY_OF.get(option, option)

    try:
        return build_request(options, spell=lambda option: repr(key(option)))
    except InvalidRequest as exc:
        for problem in exc.problems:
            hint = f" ({problem.hint})" if problem.hint else ""
            c.problem((*p, key(problem.option)), problem.message + hint)
        return None
