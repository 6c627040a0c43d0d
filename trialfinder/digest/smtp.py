"""Hand one message to the SMTP server: STARTTLS, SSL or plain, with login when configured.

A failure says whether the server certainly did *not* take the message (``definite``:
it could not be reached, refused the login, the sender, the recipient or the message)
or whether it may have (the connection broke while the message was being handed over).
"""

from __future__ import annotations

import smtplib
import ssl

from trialfinder.digest.config import SmtpConfig


class SendFailure(Exception):
    def __init__(self, message: str, definite: bool) -> None:
        super().__init__(message)
        self.message = message
        self.definite = definite


def _reply(exc: smtplib.SMTPResponseException) -> str:
    text = (
        exc.smtp_error.decode("utf-8", "replace")
        if isinstance(exc.smtp_error, bytes)
        else str(exc.smtp_error)
    )
    return f"{exc.smtp_code} {' '.join(text.split())}"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return _reply(exc)
    text = str(exc) or exc.__class__.__name__
    return " ".join(text.split())


def connect(config: SmtpConfig, password: str | None) -> smtplib.SMTP:
    """An open, secured, logged-in connection; raises a definite :class:`SendFailure`."""
    where = f"{config.host}:{config.port}"
    context = ssl.create_default_context(cafile=str(config.ca_file) if config.ca_file else None)
    try:
        if config.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                config.host, config.port, timeout=config.timeout, context=context
            )
        else:
            client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    except (OSError, smtplib.SMTPException) as exc:
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
    except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
        _close(client)
        raise SendFailure(
            f"the SMTP server {where} failed before sending: {_reason(exc)}", True
        ) from exc
    return client


def send_message(
    config: SmtpConfig, password: str | None, sender: str, recipient: str, data: bytes
) -> None:
    """Send ``data`` (a whole RFC 5322 message) to one recipient; raises :class:`SendFailure`."""
    where = f"{config.host}:{config.port}"
    client = connect(config, password)
    try:
        try:
            client.ehlo_or_helo_if_needed()
            code, reply = client.mail(sender)
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, reply, sender)
            code, reply = client.rcpt(recipient)
            if code not in (250, 251):
                raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = exc.recipients[recipient]
            text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
            raise SendFailure(
                f"{where} refused the recipient: {code} {' '.join(text.split())}", True
            ) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise SendFailure(f"{where} refused the message: {_reason(exc)}", True) from exc
        try:
            code, reply = client.data(data)
            if code != 250:  # data() returns the final reply instead of raising
                raise smtplib.SMTPDataError(code, reply)
        except smtplib.SMTPResponseException as exc:
            raise SendFailure(f"{where} refused the message: {_reason(exc)}", True) from exc
        except (OSError, smtplib.SMTPException) as exc:
            # The message may have arrived before the connection broke: not known.
            raise SendFailure(
                f"the connection to {where} broke while sending the message: {_reason(exc)}", False
            ) from exc
    finally:
        _close(client)


def _close(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()
