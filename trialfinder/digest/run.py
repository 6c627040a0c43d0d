"""One digest run: resend what a crashed run left in the outbox, run each saved search,
work out each recipient's changes, and deliver one message per recipient.

The delivery guarantee: a recipient's snapshot advances only in the same transaction that
records the SMTP server's acceptance of their message. A failed send leaves it where it
was, so the next run reports every change not yet delivered; a successful one means the
next run reports only what changed since. A message whose fate is unknown (the run stopped,
or the connection broke, after it was handed over) stays in the outbox and is sent again,
byte for byte with the same Message-ID, so that mail systems see one message, not two.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from trialfinder.digest.changes import Snapshot, TrialState, compare
from trialfinder.digest.config import DigestConfig, SavedSearch
from trialfinder.digest.mail import TEMPLATES, DigestContent, build_message, message_id_for
from trialfinder.digest.searching import Found, look_up, run_search, snapshot_of
from trialfinder.digest.smtp import SendFailure, send_message
from trialfinder.digest.state import DigestState, Pending, RunLock, recipient_key
from trialfinder.errors import ConfigError, ExitCode, SourceError, TrialfinderError

log = logging.getLogger("trialfinder.digest")

Sender = Callable[..., None]  # send_message's signature


@dataclass
class RunReport:
    sent: int = 0
    failed: int = 0
    written: list[Path] = field(default_factory=list)
    recorded: int = 0
    unchanged: int = 0
    search_failures: int = 0

    @property
    def exit_code(self) -> int:
        if self.failed:
            return ExitCode.DELIVERY
        if self.search_failures:
            return ExitCode.NETWORK
        return ExitCode.OK


class DigestRun:
    """Use :func:`run_digest`; this holds what one run shares between its steps."""

    def __init__(
        self,
        config: DigestConfig,
        source,
        state: DigestState,
        out_dir: Path | None,
        now: dt.datetime,
        sender: Sender,
    ) -> None:
        self.config = config
        self.source = source
        self.state = state
        self.out_dir = out_dir  # set: a dry run, messages are written there and nothing is stored
        self.now = now
        self.send = sender
        self.report = RunReport()
        self.blocked: set[tuple[str, str]] = set()
        self._password = None if out_dir else config.smtp.password()

    @property
    def dry_run(self) -> bool:
        return self.out_dir is not None

    # -- the outbox ---------------------------------------------------------------------------

    def flush_outbox(self) -> None:
        subscribed = {
            (search.name, recipient_key(r))
            for search in self.config.searches
            for r in search.recipients
        }
        for pending in self.state.pending():
            pair = (pending.search, recipient_key(pending.recipient))
            if pair not in subscribed:
                log.warning(
                    "dropped message %s to %s: %r no longer sends to them (see the config)",
                    pending.message_id,
                    pending.recipient,
                    pending.search,
                )
                if not self.dry_run:
                    self.state.discard(pending)
                continue
            log.warning(
                "resending message %s to %s (search %r): an earlier run did not record "
                "whether it was delivered",
                pending.message_id,
                pending.recipient,
                pending.search,
            )
            # Kept even when refused: the earlier attempt may have arrived, so a new message
            # with the same changes could be a duplicate. It goes out before anything newer.
            if not self.deliver(pending, resend=True) or self.dry_run:
                self.blocked.add(pair)

    # -- searches -----------------------------------------------------------------------------

    def run_search(self, search: SavedSearch) -> None:
        try:
            found = run_search(self.source, search, self.config.templates)
        except SourceError as exc:
            self.report.search_failures += 1
            log.error(
                "search %r failed: %s; its recipients get these changes with the next run",
                search.name,
                exc.message,
            )
            return
        current = snapshot_of(found)
        previous = {r: self.state.snapshot(search.name, r) for r in search.recipients}
        gone = {nct for snap in previous.values() if snap for nct in snap if nct not in current}
        try:
            looked_up = look_up(self.source, gone)
        except SourceError as exc:
            # Not fatal: those trials stay in the snapshot and are reported on a later run.
            log.warning(
                "could not look up %d trial(s) that left %r: %s",
                len(gone),
                search.name,
                exc.message,
            )
            looked_up = {}
        log.info("search %r: %d trial(s) found", search.name, len(found))
        for recipient in search.recipients:
            self.digest_for(search, recipient, found, previous[recipient], current, looked_up)

    def digest_for(
        self,
        search: SavedSearch,
        recipient: str,
        found: dict[str, Found],
        before: Snapshot | None,
        current: Snapshot,
        looked_up: dict[str, TrialState | None],
    ) -> None:
        """Build and send (or write, in a dry run) one recipient's message for one search."""
        if (search.name, recipient_key(recipient)) in self.blocked:
            log.warning(
                "nothing new sent to %s for %r: the earlier message is still undelivered",
                recipient,
                search.name,
            )
            return
        changes, snapshot = compare(before, current, looked_up)
        if before is None and search.first_run == "record":
            self.report.recorded += 1
            if not self.dry_run:
                self.state.save_snapshot(search.name, recipient, snapshot)
            log.info(
                "first run of %r for %s: %d trial(s) recorded, nothing sent (first_run = record)",
                search.name,
                recipient,
                len(snapshot),
            )
            return
        if not changes and not search.send_when_empty:
            self.report.unchanged += 1
            if not self.dry_run and snapshot != before:
                self.state.save_snapshot(search.name, recipient, snapshot)
            log.info("no changes for %s in %r: nothing sent", recipient, search.name)
            return
        content = DigestContent(search, recipient, changes, found, self.now)
        message_id = message_id_for(
            search.name, recipient, before, snapshot, self.config.smtp.sender, self.now
        )
        message = build_message(
            content,
            sender=self.config.smtp.sender,
            message_id=message_id,
            list_unsubscribe=self.config.list_unsubscribe,
            templates=self.config.templates,
            max_summaries=self.config.max_summaries,
        )
        pending = Pending(message_id, search.name, recipient, message.as_bytes(), snapshot)
        if self.dry_run:
            self.write(pending, str(message["Subject"]))
            return
        self.state.put_pending(pending)
        self.deliver(pending, str(message["Subject"]))

    # -- delivery -----------------------------------------------------------------------------

    def deliver(self, pending: Pending, subject: str = "", resend: bool = False) -> bool:
        if self.dry_run:
            self.write(pending, subject)
            return True
        try:
            self.send(
                self.config.smtp,
                self._password,
                self.config.smtp.sender_address,
                pending.recipient,
                pending.message,
            )
        except SendFailure as failure:
            self.report.failed += 1
            if failure.definite and not resend:
                self.state.discard(pending)
                later = "its changes will be in the next digest"
            else:
                later = "it will be sent again, with the same Message-ID, by the next run"
            log.error(
                "not delivered to %s (%r): %s; %s",
                pending.recipient,
                pending.search,
                failure.message,
                later,
            )
            return False
        self.state.delivered(pending)
        self.report.sent += 1
        what = f'"{subject}"' if subject else pending.message_id
        log.info("sent %s to %s", what, pending.recipient)
        return True

    def write(self, pending: Pending, subject: str) -> None:
        assert self.out_dir is not None
        self.out_dir.mkdir(parents=True, exist_ok=True)
        name = f"{_slug(pending.search)}--{_slug(pending.recipient)}.eml"
        path = self.out_dir / name
        path.write_bytes(pending.message)
        self.report.written.append(path)
        log.info("dry run: wrote %s (%s)", path, subject or pending.message_id)


def check_templates(config: DigestConfig) -> None:
    """Compile the templates a digest uses; raises ConfigError naming a broken one."""
    from trialfinder.templating import check

    check(TEMPLATES, config.templates)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9@._-]+", "-", text).strip("-").lower()[:80] or "digest"


def run_digest(
    config: DigestConfig,
    source,
    *,
    out_dir: Path | None = None,
    now: dt.datetime | None = None,
    sender: Sender = send_message,
) -> RunReport:
    """Run every saved search and deliver the digests; ``out_dir`` makes it a dry run."""
    now = now or dt.datetime.now(dt.timezone.utc)
    check_templates(config)  # a broken template stops the run before anything is sent
    smtp = config.smtp
    if out_dir is None and smtp.username and not smtp.password():
        raise ConfigError(
            f"smtp.username is set but the environment variable {smtp.password_env} is empty",
            hint=f"export {smtp.password_env} with the SMTP password before the run",
        )
    if out_dir is not None:
        with DigestState.open_readonly(config.state.path) as state:
            return _run(DigestRun(config, source, state, out_dir, now, sender))
    with (
        RunLock(config.state.path, config.state.lock_timeout),
        DigestState.open(config.state.path) as state,
    ):
        return _run(DigestRun(config, source, state, None, now, sender))


def _run(run: DigestRun) -> RunReport:
    run.flush_outbox()
    for search in run.config.searches:
        try:
            run.run_search(search)
        except TrialfinderError as exc:
            if isinstance(exc, ConfigError):
                raise
            run.report.search_failures += 1
            log.error("search %r failed: %s", search.name, exc.message)
    report = run.report
    if run.dry_run:
        log.info("dry run: %d message(s) written, state unchanged", len(report.written))
    else:
        log.info(
            "done: %d sent, %d failed, %d unchanged, %d first run(s) recorded",
            report.sent,
            report.failed,
            report.unchanged,
            report.recorded,
        )
    return report
