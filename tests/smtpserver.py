"""A real SMTP server on loopback (aiosmtpd) that records what it accepts.

Replies can be queued to test failures:

    server.refuse_data("451 4.3.0 Try again later")      # the next message is refused
    server.refuse_rcpt("550 5.1.1 No such user", "x@example.org")
    server.stop()                                          # the server is down
"""

from __future__ import annotations

import socket
import ssl
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


class Handler:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.data_replies: deque[str] = deque()
        self.rcpt_replies: dict[str, str] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        reply = self.rcpt_replies.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
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
    ) -> None:
        """``starttls``: offer STARTTLS (and require it); ``implicit_tls``: TLS from the start."""
        self.handler = Handler()
        self.port = free_port()
        self.users = users
        self.logins: list[str] = []
        kwargs: dict = {}
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

    def start(self) -> SmtpServer:
        self.controller.start()
        self.running = True
        return self

    def stop(self) -> None:
        if self.running:
            self.controller.stop()
            self.running = False

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
