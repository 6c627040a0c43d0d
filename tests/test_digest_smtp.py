"""SMTP delivery over STARTTLS, SSL and plain connections, against real servers on loopback."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from dataclasses import replace

import pytest
import trustme

from trialfinder.digest.config import SmtpConfig
from trialfinder.digest.smtp import SendFailure, send_message

from smtpserver import SmtpServer

MESSAGE = b"From: d@example.org\r\nTo: a@example.org\r\nSubject: hi\r\n\r\nhello\r\n"


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


@pytest.fixture
def server_context(ca):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


@pytest.fixture
def ca_file(ca, tmp_path):
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


def config(port: int, security: str, **kwargs) -> SmtpConfig:
    return SmtpConfig(
        host="127.0.0.1", sender="d@example.org", port=port, security=security, timeout=5, **kwargs
    )


def test_starttls_with_login(server_context, ca_file):
    with SmtpServer(users={"digest": "pw"}, starttls=server_context) as server:
        send_message(
            config(server.port, "starttls", username="digest", ca_file=ca_file),
            "pw",
            "d@example.org",
            "a@example.org",
            MESSAGE,
        )
        assert server.logins == ["digest"]
        assert [r.rcpt_tos for r in server.received] == [["a@example.org"]]


def test_ssl_from_the_start(server_context, ca_file):
    with SmtpServer(implicit_tls=server_context) as server:
        send_message(
            config(server.port, "ssl", ca_file=ca_file),
            None,
            "d@example.org",
            "a@example.org",
            MESSAGE,
        )
        assert server.received[0].data.replace(b"\r\n", b"\n").endswith(b"hello\n")


def test_plain_connection_refused_by_a_server_that_requires_starttls(server_context):
    with SmtpServer(starttls=server_context) as server:
        with pytest.raises(SendFailure) as info:
            send_message(
                config(server.port, "none"), None, "d@example.org", "a@example.org", MESSAGE
            )
        assert info.value.definite and "530" in info.value.message
        assert server.received == []


def test_an_untrusted_certificate_is_refused_before_anything_is_sent(server_context):
    with SmtpServer(users={"digest": "pw"}, starttls=server_context) as server:
        with pytest.raises(SendFailure) as info:
            send_message(
                config(server.port, "starttls", username="digest"),
                "pw",
                "d@example.org",
                "a@example.org",
                MESSAGE,
            )
        assert info.value.definite
        assert "CERTIFICATE_VERIFY_FAILED" in info.value.message
        assert server.logins == [] and server.received == []


def test_a_wrong_password_is_a_clear_definite_failure(server_context, ca_file):
    with SmtpServer(users={"digest": "pw"}, starttls=server_context) as server:
        with pytest.raises(SendFailure) as info:
            send_message(
                config(server.port, "starttls", username="digest", ca_file=ca_file),
                "nope",
                "d@example.org",
                "a@example.org",
                MESSAGE,
            )
        assert info.value.definite
        assert f"the SMTP server 127.0.0.1:{server.port} refused the login of 'digest'" in (
            info.value.message
        )


def test_nothing_listening_is_a_definite_failure():
    from smtpserver import free_port

    port = free_port()
    with pytest.raises(SendFailure) as info:
        send_message(config(port, "none"), None, "d@example.org", "a@example.org", MESSAGE)
    assert info.value.definite
    assert info.value.message.startswith(f"cannot connect to the SMTP server 127.0.0.1:{port}:")


UTF8_MESSAGE = "From: d@example.org\r\nTo: jösé@example.org\r\nSubject: hi\r\n\r\nhola\r\n".encode()


def test_a_non_ascii_mailbox_goes_with_smtputf8_when_the_server_offers_it():
    with SmtpServer(smtputf8=True) as server:
        send_message(
            config(server.port, "none"), None, "d@example.org", "jösé@example.org", UTF8_MESSAGE
        )
        assert [r.rcpt_tos for r in server.received] == [["jösé@example.org"]]
        assert server.received[0].data == UTF8_MESSAGE
        assert server.handler.mail_options == [["SMTPUTF8"]]
        # ASCII addresses do not ask for it.
        send_message(config(server.port, "none"), None, "d@example.org", "a@example.org", MESSAGE)
        assert server.handler.mail_options[-1] == []


@pytest.mark.parametrize(
    ("sender", "recipient"),
    [("d@example.org", "jösé@example.org"), ("dö@example.org", "a@example.org")],
)
def test_without_smtputf8_a_non_ascii_mailbox_is_a_clear_definite_failure(sender, recipient):
    with SmtpServer() as server:
        with pytest.raises(SendFailure) as info:
            send_message(config(server.port, "none"), None, sender, recipient, UTF8_MESSAGE)
        assert info.value.definite
        unusual = recipient if not recipient.isascii() else sender
        assert f"does not offer SMTPUTF8, which the address {unusual!r} needs" in info.value.message
        assert server.received == [] and server.handler.mail_options == []


def test_any_error_of_the_exchange_is_a_send_failure_never_an_escape(monkeypatch):
    import smtplib

    with SmtpServer() as server:

        def broken_rcpt(self, recipient, options=()):
            raise ValueError("bad recipient for the client library")

        monkeypatch.setattr(smtplib.SMTP, "rcpt", broken_rcpt)
        with pytest.raises(SendFailure) as info:
            send_message(
                config(server.port, "none"), None, "d@example.org", "a@example.org", MESSAGE
            )
        assert info.value.definite
        assert "could not send the message: ValueError: bad recipient" in info.value.message

        def broken_data(self, message):
            raise UnicodeEncodeError("ascii", "ö", 0, 1, "not ASCII")

        monkeypatch.undo()
        monkeypatch.setattr(smtplib.SMTP, "data", broken_data)
        with pytest.raises(SendFailure) as info:
            send_message(
                config(server.port, "none"), None, "d@example.org", "a@example.org", MESSAGE
            )
        assert not info.value.definite  # during DATA: it may have arrived
        assert "UnicodeEncodeError" in info.value.message


def test_a_ca_file_that_went_bad_after_the_check_is_a_send_failure(tmp_path):
    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate")
    with pytest.raises(SendFailure) as info:
        send_message(
            config(1, "starttls", ca_file=bad), None, "d@example.org", "a@example.org", MESSAGE
        )
    assert info.value.definite and info.value.message.startswith(
        "cannot connect to the SMTP server"
    )


def test_a_hostile_reply_is_kept_on_one_printable_line():
    with SmtpServer() as server:
        server.refuse_rcpt("550 5.1.1 \x1b]0;owned\x07 no\x1b[2J such user", "a@example.org")
        with pytest.raises(SendFailure) as info:
            send_message(
                config(server.port, "none"), None, "d@example.org", "a@example.org", MESSAGE
            )
        assert info.value.message.endswith(
            "refused the recipient: 550 5.1.1 ]0;owned no [2J such user"
        )
        assert info.value.message.isprintable()


class _DrippingServer:
    """A server on loopback whose greeting never ends: a "220-" line every ``every`` seconds."""

    def __init__(self, every: float) -> None:
        self.every = every
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        connection, _ = self.listener.accept()
        with connection:
            while not self.stop.wait(self.every):
                try:
                    connection.sendall(b"220-still here\r\n")
                except OSError:
                    return

    def __enter__(self) -> _DrippingServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.listener.close()
        self.thread.join(5)


def test_a_server_that_answers_a_little_at_a_time_for_ever_fails_by_the_deadline():
    # Each line came within the timeout, so the run waited for ever (and every run after it
    # waited on the lock)
    with _DrippingServer(every=0.05) as server:
        started = time.monotonic()
        with pytest.raises(SendFailure) as info:
            send_message(
                replace(config(server.port, "none"), timeout=0.2),
                None,
                "d@example.org",
                "a@example.org",
                MESSAGE,
            )
        took = time.monotonic() - started
    assert info.value.definite  # nothing was handed over
    said = (
        f"cannot connect to the SMTP server 127.0.0.1:{server.port}: no whole answer within 0.2 s"
    )
    assert info.value.message == said
    assert took < 3


class _SlowServer:
    """A plain SMTP server on loopback that takes ``delay`` seconds over each answer."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        connection, _ = self.listener.accept()
        with connection, connection.makefile("rb") as lines:

            def answer(text: bytes) -> None:
                time.sleep(self.delay)
                connection.sendall(text + b"\r\n")

            answer(b"220 slow but sure")
            for line in lines:
                command = line.strip().upper()
                if command.startswith((b"EHLO", b"HELO")):
                    answer(b"250 slow")
                elif command == b"DATA":
                    answer(b"354 go on")
                    body = b"".join(iter(lines.readline, b".\r\n"))
                    self.accepted = body
                    answer(b"250 taken")
                elif command == b"QUIT":
                    answer(b"221 bye")
                    return
                else:
                    answer(b"250 ok")

    def __enter__(self) -> _SlowServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.listener.close()
        self.thread.join(5)


def test_a_slow_server_that_answers_each_time_within_the_timeout_is_never_cut():
    # a whole-exchange deadline cut a server that had taken the message, which then went again
    # with each run, logged as not delivered
    with _SlowServer(delay=0.3) as server:
        send_message(
            replace(config(server.port, "none"), timeout=0.4),
            None,
            "d@example.org",
            "a@example.org",
            MESSAGE,
        )
    assert b"hello" in server.accepted
