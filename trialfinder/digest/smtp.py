"""Hand one message to the SMTP server: STARTTLS, SSL or plain, with login when configured.

A failure says whether the server certainly did *not* take the message (``definite``:
it could not be reached, refused the login, the sender, the recipient or the message, or
the addresses cannot travel over it) or whether it may have (the connection broke while the
message was being handed over). Every error of the exchange, whatever its type, is such a
failure of that one message; none escapes to stop the run.

An address with a non-ASCII name before the ``@`` is sent with SMTPUTF8 (RFC 6531), which
the server must offer; otherwise the message is refused here, before anything is sent.
"""

from __future__ import annotations

import contextlib
import smtplib
import socket
import ssl
import threading
from collections.abc import Callable
from typing import Any

from trialfinder.digest.config import SmtpConfig
from trialfinder.wording import one_line


class SendFailure(Exception):
    def __init__(self, message: str, definite: bool) -> None:
        super().__init__(message)
        self.message = message
        self.definite = definite


def _reply(exc: smtplib.SMTPResponseException) -> str:
    return f"{exc.smtp_code} {printable(exc.smtp_error)}"


def printable(reply: bytes | str) -> str:
    """A server's (or an error's) words on one line, without the control characters a
    hostile server may send: what is logged and kept in the state is safe to print."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return one_line("".join(c if c.isprintable() else " " for c in text))


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return _reply(exc)
    text = str(exc) or exc.__class__.__name__
    if not isinstance(exc, (OSError, smtplib.SMTPException)):
        text = f"{exc.__class__.__name__}: {text}"
    return printable(text)


def _answer_within(client: smtplib.SMTP, read: Callable[[], tuple[int, bytes]]) -> Any:
    """One whole answer of the server, within the client's timeout: a server may send it a
    line at a time for ever, each line within the timeout of a read (a greeting of endless
    "220-" lines, one a second, hung a run, and every scheduled run after it on the lock). A
    timer shuts the socket the answer is read from, whatever it is then (plain, or TLS after
    STARTTLS), and marks the client ``cut``."""

    sock = client.sock
    if sock is None or not isinstance(client.timeout, (int, float)):
        return read()
    cut = threading.Event()

    def shut() -> None:
        cut.set()
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(client.timeout, shut)
    timer.daemon = True
    timer.start()
    try:
        return read()
    except Exception:
        if cut.is_set():
            raise AnswerTooSlow(client.timeout) from None
        raise
    finally:
        timer.cancel()


class AnswerTooSlow(smtplib.SMTPServerDisconnected):
    """The server did not send a whole answer within the timeout; the connection was shut."""

    def __init__(self, timeout: float) -> None:
        super().__init__(f"no whole answer within {timeout:g} s")


class _Client(smtplib.SMTP):
    """A client whose every answer from the server comes within its timeout, or none does."""

    def getreply(self) -> Any:
        return _answer_within(self, super().getreply)


class _ClientSSL(smtplib.SMTP_SSL):
    """:class:`_Client` over SSL from the start."""

    def getreply(self) -> Any:
        return _answer_within(self, super().getreply)


def connect(config: SmtpConfig, password: str | None) -> smtplib.SMTP:
    """An open, secured, logged-in connection; raises a definite :class:`SendFailure`."""
    where = f"{config.host}:{config.port}"
    try:
        context = ssl.create_default_context(cafile=str(config.ca_file) if config.ca_file else None)
        if config.security == "ssl":
            client: smtplib.SMTP = _ClientSSL(
                config.host, config.port, timeout=config.timeout, context=context
            )
        else:
            client = _Client(config.host, config.port, timeout=config.timeout)
    except Exception as exc:  # nothing was sent: any error is a refusal
        raise SendFailure(
            f"cannot connect to the SMTP server {where}: {_reason(exc)}", True
        ) from exc
    try:
        client.ehlo()
        if config.security == "starttls":
            client.starttls(context=context)
            client.ehlo()
        if config.username:
            client.login(config.username, password or "")
    except smtplib.SMTPAuthenticationError as exc:
        _close(client)
        raise SendFailure(
            f"the SMTP server {where} refused the login of {config.username!r}: {_reason(exc)}",
            True,
        ) from exc
    except Exception as exc:
        _close(client)
        raise SendFailure(
            f"the SMTP server {where} failed before sending: {_reason(exc)}", True
        ) from exc
    return client


def send_message(
    config: SmtpConfig, password: str | None, sender: str, recipient: str, data: bytes
) -> None:
    """Send ``data`` (a whole RFC 5322 message) to one recipient; raises :class:`SendFailure`.
    Every answer of the server comes within ``[smtp] timeout``, or the exchange ends there."""
    where = f"{config.host}:{config.port}"
    client = connect(config, password)
    try:
        try:
            client.ehlo_or_helo_if_needed()
            options: list[str] = []
            if not (sender + recipient).isascii():
                if not client.has_extn("smtputf8"):
                    unusual = recipient if not recipient.isascii() else sender
                    raise SendFailure(
                        f"{where} does not offer SMTPUTF8, which the address {unusual!r} needs "
                        "(a non-ASCII name before the @)",
                        True,
                    )
                options.append("SMTPUTF8")
            code, reply = client.mail(sender, options)
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, reply, sender)
            code, reply = client.rcpt(recipient)
            if code not in (250, 251):
                raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = exc.recipients[recipient]
            raise SendFailure(
                f"{where} refused the recipient: {code} {printable(reply)}", True
            ) from exc
        except SendFailure:
            raise
        except Exception as exc:  # before DATA: certainly not sent
            what = "refused" if isinstance(exc, smtplib.SMTPResponseException) else "could not send"
            raise SendFailure(f"{where} {what} the message: {_reason(exc)}", True) from exc
        try:
            code, reply = client.data(data)
            if code != 250:  # data() returns the final reply instead of raising
                raise smtplib.SMTPDataError(code, reply)
        except smtplib.SMTPResponseException as exc:
            raise SendFailure(f"{where} refused the message: {_reason(exc)}", True) from exc
        except Exception as exc:
            # The message may have arrived before the connection broke: not known.
            raise SendFailure(
                f"the connection to {where} broke while sending the message: {_reason(exc)}", False
            ) from exc
    finally:
        _close(client)


def _close(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except Exception:  # the message's fate is already decided
        client.close()
