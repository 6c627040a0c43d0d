"""A real SMTP server on loopback (aiosmtpd) that records what it accepts.

Replies can be queued to test failures:

    server.refuse_data("451 4.3.0 Try again later")      # the next message is refused
    server.refuse_rcpt("550 5.1.1 No such user", "x@example.org")
    hold = server.hold_data("x@example.org")              # DATA for x waits for hold.release()
    server.stop()                                          # the server is down

``SmtpServer(smtputf8=True)`` offers SMTPUTF8 (RFC 6531), as many servers do.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from collections import deque
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=default)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Hold:
    """DATA for one recipient waits until released, then gets ``reply`` (nothing is kept)."""

    def __init__(self, address: str, reply: str) -> None:
        self.address = address
        self.reply = reply
        self.arrived = threading.Event()
        self.released = threading.Event()

    def release(self) -> None:
        self.released.set()


class Handler:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.data_replies: deque[str] = deque()
        self.rcpt_replies: dict[str, str] = {}
        self.holds: dict[str, Hold] = {}
        self.mail_options: list[list[str]] = []

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        self.mail_options.append(list(mail_options))
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        reply = self.rcpt_replies.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        hold = next(
            (self.holds[r.lower()] for r in envelope.rcpt_tos if r.lower() in self.holds), None
        )
        if hold is not None:
            hold.arrived.set()
            await asyncio.get_running_loop().run_in_executor(None, hold.released.wait, 60)
            return hold.reply
        if self.data_replies:
            return self.data_replies.popleft()
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        )
        return "250 2.0.0 Message accepted for delivery"


class SmtpServer:
    def __init__(
        self,
        users: dict[str, str] | None = None,
        starttls: ssl.SSLContext | None = None,
        implicit_tls: ssl.SSLContext | None = None,
        smtputf8: bool = False,
    ) -> None:
        """``starttls``: offer STARTTLS (and require it); ``implicit_tls``: TLS from the start;
        ``smtputf8``: offer SMTPUTF8."""
        self.handler = Handler()
        self.port = free_port()
        self.users = users
        self.logins: list[str] = []
        kwargs: dict = {"enable_SMTPUTF8": smtputf8}
        if users is not None:
            kwargs["authenticator"] = self._authenticate
            kwargs["auth_require_tls"] = starttls is not None or implicit_tls is not None
        if starttls is not None:
            kwargs.update(tls_context=starttls, require_starttls=True)
        if implicit_tls is not None:
            kwargs["ssl_context"] = implicit_tls
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **kwargs)
        self.running = False

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        login = auth_data.login.decode() if isinstance(auth_data.login, bytes) else auth_data.login
        password = auth_data.password
        password = password.decode() if isinstance(password, bytes) else password
        if self.users and self.users.get(login) == password:
            self.logins.append(login)
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def refuse_data(self, reply: str, times: int = 1) -> None:
        self.handler.data_replies.extend([reply] * times)

    def refuse_rcpt(self, reply: str, address: str) -> None:
        self.handler.rcpt_replies[address.lower()] = reply

    def hold_data(self, address: str, reply: str = "451 4.3.0 Not taken") -> Hold:
        hold = self.handler.holds[address.lower()] = Hold(address, reply)
        return hold

    def start(self) -> SmtpServer:
        self.controller.start()
        self.running = True
        return self

    def stop(self) -> None:
        for hold in self.handler.holds.values():
            hold.release()
        if self.running:
            self.controller.stop()
            self.running = False

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
