"""What ``trialfinder digest status`` shows: the outbox, recent failed tries, the dead
letters and the last runs, as lines of text read from the state (which it never changes)."""

from __future__ import annotations

import datetime as dt

from trialfinder.counting import counted
from trialfinder.digest.config import DigestConfig
from trialfinder.digest.smtp import printable
from trialfinder.digest.state import DigestState, Failure, RunRecord


def _tries(count: int) -> str:
    return f"{count} failed tr{'y' if count == 1 else 'ies'}"


def _failure_text(failure: Failure, config: DigestConfig) -> str:
    next_try = failure.next_try(config.retry_wait)
    when = (
        "with the next run"
        if next_try <= dt.datetime.now(dt.timezone.utc)
        else f"from {next_try.isoformat(timespec='minutes')}"
    )
    return (
        f"{_tries(failure.tries)} of {config.max_tries} since {failure.first_failed}, "
        f"the last: {printable(failure.error)}; next try {when}"
    )


def _run_text(run: RunRecord) -> str:
    if run.finished is None:
        return f"{run.started}  did not finish (stopped or killed)"
    counts = (
        f"{run.sent} sent, {run.failed} failed, {run.deferred} not tried yet, "
        f"{run.set_aside} set aside, "
        f"{counted(run.search_failures, 'search', 'searches')} failed"
    )
    error = f"; {printable(run.error)}" if run.error else ""
    return f"{run.started}  exit {run.exit_code}: {counts}{error}"


def status_lines(state: DigestState, config: DigestConfig, run_count: int = 5) -> list[str]:
    lines = [f"state {state.path}"]
    failures = {(f.search, f.recipient): f for f in state.failures()}
    pending = state.pending()
    lines.append(f"outbox: {counted(len(pending), 'message')} not yet confirmed as delivered")
    for message in pending:
        failure = failures.pop((message.search, message.recipient), None)
        why = _failure_text(failure, config) if failure else "not tried since it was built"
        lines.append(
            f"  {printable(message.recipient)} ({printable(message.search)!r}), "
            f"{message.message_id}, built {message.created}: {why}"
        )
    lines.append(f"failing recipients: {len(failures)} (their changes wait in the state)")
    for (search, recipient), failure in failures.items():
        lines.append(
            f"  {printable(recipient)} ({printable(search)!r}): {_failure_text(failure, config)}"
        )
    dead = state.dead_letters()
    lines.append(
        f"dead letters: {len(dead)} (set aside after {config.max_tries} failed tries; "
        "their changes go with the next message)"
    )
    for letter in dead:
        what = f"{letter.message_id} ({letter.size:,} bytes)" if letter.message_id else "no message"
        lines.append(
            f"  {letter.set_aside}  {printable(letter.recipient)} ({printable(letter.search)!r}), "
            f"{what}, after {_tries(letter.tries)}: {printable(letter.error)}"
        )
    runs = state.runs(run_count)
    lines.append(f"last runs: {len(runs)} shown, newest first")
    lines.extend(f"  {_run_text(run)}" for run in runs)
    return lines
