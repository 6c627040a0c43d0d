"""One digest run: resend what a crashed run left in the outbox, run each saved search,
work out each recipient's changes, and deliver one message per saved search and recipient.

The delivery guarantee: a recipient's snapshot advances only in the same transaction that
records the SMTP server's acceptance of their message. A failed send leaves it where it
was, so the next run reports every change not yet delivered; a successful one means the
next run reports only what changed since. A message whose fate is unknown (the run stopped,
or the connection broke, after it was handed over) stays in the outbox and is sent again,
byte for byte with the same Message-ID, so that mail systems see one message, not two.

Whatever goes wrong with one message (it cannot be built or encoded, the server refuses it,
the connection breaks) is that recipient's failure: it is recorded and the run goes on with
the others. A recipient whose message failed is tried again at later runs, waiting longer
each time ([digest] retry_wait); after [digest] max_tries failed tries the message is set
aside as a dead letter, so that it never holds back that recipient's newer changes. Only an
error of the state file itself stops the run, since a delivery that cannot be recorded would
be sent again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import re
import secrets
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from trialfinder.counting import counted
from trialfinder.digest.addresses import parse_mailbox
from trialfinder.digest.changes import Snapshot, TrialState, compare
from trialfinder.digest.config import DigestConfig, SavedSearch
from trialfinder.digest.mail import TEMPLATES, DigestContent, build_message, message_id_for
from trialfinder.digest.searching import (
    SearchFound,
    fits_for,
    look_up,
    run_search,
    snapshot_of,
    with_fits,
)
from trialfinder.digest.smtp import SendFailure, printable, send_message
from trialfinder.digest.state import DigestState, Pending, RunLock, real_path, recipient_key
from trialfinder.errors import ConfigError, ExitCode, OutputError, SourceError, TrialfinderError
from trialfinder.templating import check

if TYPE_CHECKING:
    from trialfinder.prescreen import Fit
    from trialfinder.sources.base import Source

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
    deferred: int = 0  # recipients not tried again yet (waiting after failed tries)
    set_aside: int = 0  # messages moved to the dead letters by this run

    @property
    def exit_code(self) -> int:
        if self.failed or self.deferred:
            return ExitCode.DELIVERY
        if self.search_failures:
            return ExitCode.NETWORK
        return ExitCode.OK


class DigestRun:
    """Use :func:`run_digest`; this holds what one run shares between its steps."""

    def __init__(
        self,
        config: DigestConfig,
        source: Source,
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
        if not self.dry_run:
            self.state.forget_failures(keep=subscribed)
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
            if self.deferred(pending.search, pending.recipient):
                self.blocked.add(pair)
                continue
            log.warning(
                "resending message %s to %s (search %r): an earlier run did not record "
                "whether it was delivered",
                pending.message_id,
                pending.recipient,
                pending.search,
            )
            # Kept even when refused: the earlier attempt may have arrived, so a new message
            # with the same changes could be a duplicate. It goes out before anything newer
            # (until it is set aside), and a recipient gets one try a run.
            if not self.deliver(pending, resend=True) or self.dry_run:
                self.blocked.add(pair)

    def deferred(self, search: str, recipient: str) -> bool:
        """True (and logged) when the last try for this recipient failed too recently."""
        if self.dry_run:
            return False
        failure = self.state.failure(search, recipient)
        if failure is None:
            return False
        next_try = failure.next_try(self.config.retry_wait)
        if self.now >= next_try:
            return False
        self.report.deferred += 1
        log.warning(
            "not tried again yet for %s (%r): %d failed tr%s, the last: %s; next try from %s",
            recipient,
            search,
            failure.tries,
            "y" if failure.tries == 1 else "ies",
            failure.error,
            next_try.isoformat(timespec="minutes"),
        )
        return True

    # -- searches -----------------------------------------------------------------------------

    def run_search(self, search: SavedSearch) -> None:
        try:
            outcome = run_search(self.source, search, self.config.templates)
        except SourceError as exc:
            self.report.search_failures += 1
            log.error(
                "search %r failed: %s; its recipients get these changes with the next run",
                search.name,
                exc.message,
            )
            return
        found = outcome.trials
        current = snapshot_of(found)
        previous = {r: self.state.snapshot(search.name, r) for r in search.recipients}
        # (A record that could not be read is still in the results: not looked up, it is
        # carried over and reported once it can be read.)
        gone = {
            nct
            for snap in previous.values()
            if snap
            for nct in snap
            if nct not in current and nct not in outcome.unread
        }
        try:
            looked_up = look_up(self.source, gone)
        except SourceError as exc:
            # Not fatal: those trials stay in the snapshot and are reported on a later run.
            log.warning(
                "could not look up %s that left %r: %s",
                counted(len(gone), "trial"),
                search.name,
                exc.message,
            )
            looked_up = {}
        log.info("search %r: %s found", search.name, counted(len(found), "trial"))
        for recipient in search.recipients:
            fits = fits_for(found, search.profile_for(recipient))
            mine = with_fits(current, fits)
            self.digest_for(search, recipient, outcome, previous[recipient], mine, looked_up, fits)

    def digest_for(
        self,
        search: SavedSearch,
        recipient: str,
        found: SearchFound,
        before: Snapshot | None,
        current: Snapshot,
        looked_up: dict[str, TrialState | None],
        fits: dict[str, Fit] | None = None,
    ) -> None:
        """Build and send (or write, in a dry run) one recipient's message for one search
        (``fits``: the prescreen against the recipient's profile, by NCT id)."""
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
                "first run of %r for %s: %s recorded, nothing sent (first_run = record)",
                search.name,
                recipient,
                counted(len(snapshot), "trial"),
            )
            return
        if not changes and not search.send_when_empty:
            self.report.unchanged += 1
            if not self.dry_run and snapshot != before:
                self.state.save_snapshot(search.name, recipient, snapshot)
            log.info("no changes for %s in %r: nothing sent", recipient, search.name)
            return
        if self.deferred(search.name, recipient):
            return
        try:
            content = DigestContent(
                search,
                recipient,
                changes,
                found.trials,
                self.now,
                fits,
                found.left_out,
                first=before is None,
            )
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
            subject = str(message["Subject"])
        except Exception as exc:  # whatever the email package or a template raises
            reason = printable(exc.message) if isinstance(exc, TrialfinderError) else _describe(exc)
            self.failed(search.name, recipient, f"the message cannot be built: {reason}")
            return
        if self.dry_run:
            self.write(pending, subject)
            return
        self.state.put_pending(pending)
        self.deliver(pending, subject)

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
                parse_mailbox(pending.recipient).address,
                pending.message,
            )
        except Exception as exc:
            # Not a SendFailure: unforeseen, so whether it arrived is not known.
            failure = exc if isinstance(exc, SendFailure) else SendFailure(_describe(exc), False)
            keep = resend or not failure.definite
            self.failed(pending.search, pending.recipient, failure.message, pending, keep)
            return False
        self.state.delivered(pending)
        self.report.sent += 1
        what = f'"{subject}"' if subject else pending.message_id
        log.info("sent %s to %s", what, pending.recipient)
        return True

    def failed(
        self,
        search: str,
        recipient: str,
        error: str,
        pending: Pending | None = None,
        keep: bool = False,
    ) -> None:
        """Record a failed try (``keep``: its message stays in the outbox, to go again)."""
        self.report.failed += 1
        max_tries = self.config.max_tries
        failure = self.state.failed(
            search, recipient, error, self.now, pending=pending, keep=keep, max_tries=max_tries
        )
        if failure.tries >= max_tries:
            self.report.set_aside += 1
            later = (
                f"set aside as a dead letter after {failure.tries} failed tries "
                "(see `trialfinder digest status`); its changes will be in the next digest"
            )
        else:
            when = failure.next_try(self.config.retry_wait)
            when_text = (
                "by the next run"
                if when <= self.now
                else (f"by a run from {when.isoformat(timespec='minutes')}")
            )
            if keep:
                later = f"it will be sent again, with the same Message-ID, {when_text}"
            else:
                later = "its changes will be in the next digest"
            later += f" (failed try {failure.tries} of {max_tries})"
        log.error("not delivered to %s (%r): %s; %s", recipient, search, error, later)

    def write(self, pending: Pending, subject: str) -> None:
        assert self.out_dir is not None
        self.out_dir.mkdir(parents=True, exist_ok=True)
        stem = f"{_slug(pending.search)}--{_slug(pending.recipient)}"
        path, number = self.out_dir / f"{stem}.eml", 1
        while path in self.report.written:  # ("all" and "all!" are one slug: both are kept)
            number += 1
            path = self.out_dir / f"{stem}-{number}.eml"
        _write_preview(path, pending.message)
        self.report.written.append(path)
        log.info("dry run: wrote %s (%s)", path, subject or pending.message_id)


def _write_preview(path: Path, message: bytes) -> None:
    """Write one dry run's message as ``path``: a new file, renamed to that name once whole, so
    that nothing is written into what was there (a hard link to a file of the user's was
    written over), nor through a symbolic link, nor into a pipe; a folder, link or pipe at the
    name is :class:`OutputError` (which ends the run)."""
    try:
        there = os.lstat(path)
    except FileNotFoundError:
        there = None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    if there is not None and not stat.S_ISREG(there.st_mode):
        what = (
            "a folder"
            if stat.S_ISDIR(there.st_mode)
            else "a symbolic link"
            if stat.S_ISLNK(there.st_mode)
            else "something that is not a file"
        )
        raise OutputError(
            f"cannot write {path}: {what} is in the way",
            hint="remove it, or give --out another folder",
        )
    temp = ""
    try:
        # (0o666 less the umask, as any new file: mkstemp's 0o600 was not the preview's due)
        temp = str(path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
        with os.fdopen(fd, "wb") as out:
            out.write(message)
        os.replace(temp, path)
    except OSError as exc:
        if temp:
            with contextlib.suppress(OSError):
                os.unlink(temp)
        raise OutputError(
            f"cannot write {path}: {exc.strerror or exc}",
            hint="remove what is in the way, or give --out another folder",
        ) from None


def check_templates(config: DigestConfig) -> None:
    """Compile the templates a digest uses; raises ConfigError naming a broken one."""
    check(TEMPLATES, config.templates)


def _describe(exc: BaseException) -> str:
    return printable(f"{exc.__class__.__name__}: {exc}")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9@._-]+", "-", text).strip("-").lower()[:80] or "digest"


def run_digest(
    config: DigestConfig,
    source: Source,
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
    # The real path: a state reached through a symbolic link is the same state, same lock.
    path = real_path(config.state.path)
    if out_dir is not None:
        with DigestState.open_readonly(path) as state:
            return _run(DigestRun(config, source, state, out_dir, now, sender))
    timeout = config.state.lock_timeout
    with RunLock(path, timeout), DigestState.open(path, timeout=timeout) as state:
        run = DigestRun(config, source, state, None, now, sender)
        run_id = state.start_run(now)
        try:
            report = _run(run)
        except TrialfinderError as exc:
            # Logged when the state can still take it; the error itself is what matters.
            with contextlib.suppress(TrialfinderError):
                _finish(state, run_id, run.report, exc.exit_code, exc.message)
            raise
        _finish(state, run_id, report, report.exit_code)
        return report


def _finish(
    state: DigestState, run_id: int, report: RunReport, exit_code: int, error: str | None = None
) -> None:
    state.finish_run(
        run_id,
        sent=report.sent,
        failed=report.failed,
        deferred=report.deferred,
        set_aside=report.set_aside,
        search_failures=report.search_failures,
        exit_code=exit_code,
        error=error,
    )


def _run(run: DigestRun) -> RunReport:
    run.flush_outbox()
    for search in run.config.searches:
        try:
            run.run_search(search)
        except TrialfinderError as exc:
            if isinstance(exc, (ConfigError, OutputError)):  # the state file's, a preview's
                raise
            run.report.search_failures += 1
            log.error("search %r failed: %s", search.name, exc.message)
    report = run.report
    if run.dry_run:
        log.info("dry run: %s written, state unchanged", counted(len(report.written), "message"))
    else:
        log.info(
            "done: %d sent, %d failed, %d not tried yet, %d unchanged, %s recorded",
            report.sent,
            report.failed,
            report.deferred,
            report.unchanged,
            counted(report.recorded, "first run"),
        )
    return report
