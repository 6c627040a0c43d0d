"""Typed errors raised by the library; the CLI turns them into exit codes in one place.

Every error carries a one-line ``message`` and an optional ``hint`` telling the user what to
do next. The exit codes are documented in docs/searching.md ("Exit codes").
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The documented exit codes; each is an int, so it is what the process exits with."""

    OK = 0
    INTERNAL = 1  # a bug: please report it (run with --debug for the traceback)
    USAGE = 2  # bad option, argument, NCT id, date or place (also click's own usage errors)
    NETWORK = 3  # the API could not be reached, refused the request or answered garbage
    NOT_FOUND = 4  # the trial asked for does not exist
    PARTIAL = 5  # results were written but are incomplete
    CONFIG = 6  # a configuration or template file is missing or broken
    DELIVERY = 7  # a digest email could not be delivered
    OUTPUT = 8  # the output could not be written: disk full, no permission, file system error
    HANGUP = 129  # SIGHUP (128 + 1): the terminal closed
    INTERRUPTED = 130  # Ctrl-C (SIGINT, 128 + 2)
    TERMINATED = 143  # SIGTERM (128 + 15): timeout, systemd, cron, kill


class TrialfinderError(Exception):
    """Base class: an expected failure with a message a user understands."""

    exit_code = ExitCode.INTERNAL

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def lines(self) -> list[str]:
        """Everything to tell the user, one line each (several problems, say)."""
        return [self.message]

    def __str__(self) -> str:
        return self.message


class InvalidInput(TrialfinderError):
    """The user's input (criteria, NCT id, date, place, distance) is not valid."""

    exit_code = ExitCode.USAGE


class SourceError(TrialfinderError):
    """The trial registry could not be reached or did not answer usefully."""

    exit_code = ExitCode.NETWORK


class NetworkError(SourceError):
    """No answer at all: DNS failure, refused or reset connection, time-out."""


class ApiError(SourceError):
    """The API answered with an error status (its own text is in the message)."""

    def __init__(self, message: str, hint: str | None = None, status: int | None = None) -> None:
        super().__init__(message, hint)
        self.status = status


class BadResponse(SourceError):
    """The API answered 200 but the body is not the JSON it should be."""


class ResponseTooLarge(BadResponse):
    """An answer went past the size limit (as sent, or once decompressed); it was not read on."""


class NoneOfTheIds(BadResponse):
    """A look-up of trials by their NCT ids was answered with none of them: not believed, as
    the registry keeps every trial it has listed."""


class RedirectRefused(SourceError):
    """The API redirected to another scheme, host or port: trialfinder contacts only its own."""


class PagingStopped(BadResponse):
    """Paging was stopped: the pages went on past what the first page announced, or repeated."""


class TrialNotFound(TrialfinderError):
    exit_code = ExitCode.NOT_FOUND


class PartialResults(TrialfinderError):
    """Some trials were written, then fetching the rest failed."""

    exit_code = ExitCode.PARTIAL

    def __init__(
        self, message: str, hint: str | None = None, *, fetched: int = 0, total: int | None = None
    ) -> None:
        super().__init__(message, hint)
        self.fetched = fetched
        self.total = total


class ConfigError(TrialfinderError):
    """A configuration file, template folder or cache setting is missing or broken."""

    exit_code = ExitCode.CONFIG


class OutputError(TrialfinderError):
    """The output (an -o file or standard output) could not be written."""

    exit_code = ExitCode.OUTPUT


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived: stop as Ctrl-C stops, with that signal's exit code."""

    def __init__(self, signal_name: str, exit_code: int) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name
        self.exit_code = exit_code


def add_note(exc: BaseException, note: str) -> None:
    """Attach ``note`` to ``exc`` for the one-line report (``BaseException.add_note`` of
    Python 3.11, also on 3.10)."""
    exc.__notes__ = [*getattr(exc, "__notes__", ()), note]


def notes_of(exc: BaseException) -> list[str]:
    return list(getattr(exc, "__notes__", ()))


class RecordError(Exception):
    """One study record could not be parsed; the search skips it with a warning."""

    def __init__(self, record_id: str, reason: str) -> None:
        super().__init__(f"{record_id}: {reason}")
        self.record_id = record_id
        self.reason = reason
