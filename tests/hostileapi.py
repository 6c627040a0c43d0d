"""A hostile HTTP server on loopback: answers made to hang, flood or mislead a client.

Each :class:`HostileApi` serves one behaviour (``mode``) under ``/api/v2``, as a real server on
127.0.0.1. It bounds itself: no answer streams for longer than ``LIMIT_SECONDS`` or beyond
``LIMIT_BYTES``, and every stream stops as soon as the server is stopped (``with`` or ``stop``).

Modes (``/studies`` unless said otherwise):

- ``fresh-tokens``: every page the same studies, with a new ``nextPageToken`` each time
- ``same-token``: every page new studies, always with the same ``nextPageToken``
- ``growing``: every page new studies and a new token, past the ``total`` announced
- ``empty-pages``: every page empty, with a new token
- ``lying-total``: ``totalCount`` of ``total`` (10**9 by default), ``count`` studies, no next page
- ``trickle``: a valid page, one byte every ``interval`` seconds
- ``trickle-headers``: the status line, then the headers one byte every ``interval`` seconds
- ``endless``: a 200 answer whose body never ends (no length, the connection closes at the end)
- ``gzip-bomb``: ``Content-Encoding: gzip``, spaces compressed about 1,000 to 1, endlessly
- ``deep``: a JSON body nested ``depth`` deep
- ``redirect``: 302 to ``location``
- ``wrong-id``: ``/studies/{id}`` answers with the record of ``other`` (another trial)
- ``alias``: ``/studies/{id}`` answers 301 to ``/studies/{other}``, which is served
- ``retry-after``: 429 with ``Retry-After: retry_after`` for the first ``times`` requests, then a
  valid page
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from factories import make_study, many_studies

PREFIX = "/api/v2"
LIMIT_SECONDS = 10.0  # no answer streams longer
LIMIT_BYTES = 512 * 1024 * 1024  # nor sends more (decompressed, for the gzip bomb)
CHUNK = 64 * 1024

MODES = {
    "fresh-tokens",
    "same-token",
    "growing",
    "empty-pages",
    "lying-total",
    "trickle",
    "trickle-headers",
    "endless",
    "gzip-bomb",
    "deep",
    "redirect",
    "wrong-id",
    "alias",
    "retry-after",
}


def _past(started: float) -> bool:
    return time.monotonic() - started > LIMIT_SECONDS


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # a client that gave up and left is the point of these tests


class HostileApi:
    def __init__(self, mode: str, **options: Any) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        self.mode = mode
        self.count: int = options.pop("count", 2)  # studies per page
        self.total: int | None = options.pop("total", None)
        self.interval: float = options.pop("interval", 0.5)
        self.depth: int = options.pop("depth", 1000)
        self.location: str = options.pop("location", "")
        self.other: str = options.pop("other", "NCT09999999")
        self.retry_after: str = options.pop("retry_after", "1")
        self.times: int = options.pop("times", 2)
        if options:
            raise TypeError(f"unknown options: {', '.join(options)}")
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.bytes_sent = 0  # as sent on the wire
        self.gone = 0  # answers cut short because the client closed the connection
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{PREFIX}"

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def start(self) -> HostileApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> HostileApi:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def studies_on_page(self, number: int) -> list[dict[str, Any]]:
        """The studies of page ``number`` (1, 2, ...) in the modes that send new ones."""
        return many_studies(self.count, prefix=number)

    # -- answers ---------------------------------------------------------------------------

    def _page(self, params: dict[str, str], number: int) -> dict[str, Any]:
        mode = self.mode
        first = "pageToken" not in params
        page: dict[str, Any] = {}
        if mode == "fresh-tokens":
            page["studies"] = many_studies(self.count)
            page["nextPageToken"] = f"fresh{number}"
        elif mode == "same-token":
            page["studies"] = self.studies_on_page(number)
            page["nextPageToken"] = "again"
        elif mode == "growing":
            page["studies"] = self.studies_on_page(number)
            page["nextPageToken"] = f"more{number}"
        elif mode == "empty-pages":
            page["studies"] = []
            page["nextPageToken"] = f"empty{number}"
        else:
            page["studies"] = many_studies(self.count)
        if first:
            page["totalCount"] = self.total if self.total is not None else self.count
        return page

    def _handler_class(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                parts = urlsplit(self.path)
                path = parts.path.removeprefix(PREFIX)
                params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                with api._lock:
                    api.requests.append((path, params))
                    number = len([p for p, _ in api.requests if p == "/studies"])
                mode = api.mode
                if mode == "redirect":
                    self._send(302, b"", {"Location": api.location})
                elif mode == "retry-after" and len(api.requests) <= api.times:
                    self._send(429, b"Too Many Requests", {"Retry-After": api.retry_after})
                elif path.startswith("/studies/"):
                    self._one_study(path.rsplit("/", 1)[1].upper())
                elif mode == "trickle":
                    self._trickle(json.dumps(api._page(params, number)).encode())
                elif mode == "trickle-headers":
                    self._trickle_headers()
                elif mode == "endless":
                    self._stream(b'{"studies": [' + b" " * (CHUNK - 13), b" " * CHUNK)
                elif mode == "gzip-bomb":
                    self._gzip_bomb()
                elif mode == "deep":
                    depth = api.depth
                    body = '{"studies": ' + "[" * depth + "]" * depth + "}"
                    self._send(200, body.encode())
                else:
                    self._send(200, json.dumps(api._page(params, number)).encode())

            def _one_study(self, nct_id: str) -> None:
                if api.mode == "alias" and nct_id != api.other:
                    self._send(301, b"", {"Location": f"{PREFIX}/studies/{api.other}"})
                    return
                shown = api.other if api.mode == "wrong-id" else nct_id
                self._send(200, json.dumps(make_study(nct_id=shown)).encode())

            def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self._write(body)

            def _write(self, data: bytes) -> bool:
                """Send ``data``; False once the client has gone."""
                try:
                    self.wfile.write(data)
                    self.wfile.flush()
                except OSError:
                    self.close_connection = True
                    with api._lock:
                        api.gone += 1
                    return False
                with api._lock:
                    api.bytes_sent += len(data)
                return True

            def _trickle(self, body: bytes) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.flush()
                started = time.monotonic()
                for byte in body:
                    if (
                        api.stopping.wait(api.interval)
                        or time.monotonic() - started > LIMIT_SECONDS
                    ):
                        break
                    if not self._write(bytes([byte])):
                        break
                self.close_connection = True

            def _trickle_headers(self) -> None:
                head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                if not self._write(head):
                    return
                started = time.monotonic()
                for byte in itertools.cycle(b"X-Slow: ok\r\n"):
                    if (
                        api.stopping.wait(api.interval)
                        or time.monotonic() - started > LIMIT_SECONDS
                    ):
                        break
                    if not self._write(bytes([byte])):
                        break
                self.close_connection = True

            def _stream(
                self,
                first: bytes,
                rest: bytes,
                headers: dict[str, str] | None = None,
                weight: int | None = None,
            ) -> None:
                """A 200 answer with no length: ``first``, then ``rest`` (``weight`` bytes once
                decoded) until a limit or the client gives up; the connection closes at the end."""
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Connection", "close")
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.close_connection = True
                started = time.monotonic()
                sent = 0
                chunk = first
                while sent < LIMIT_BYTES and time.monotonic() - started < LIMIT_SECONDS:
                    if api.stopping.is_set() or not self._write(chunk):
                        return
                    sent += weight or len(chunk)
                    chunk = rest

            def _gzip_bomb(self) -> None:
                packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing
                spaces = b" " * (1024 * 1024)
                first = packer.compress(b'{"studies": [') + packer.flush(zlib.Z_SYNC_FLUSH)
                # 1 MiB of spaces packs into about 1 KiB; each piece is sent as it is packed.
                piece = packer.compress(spaces) + packer.flush(zlib.Z_SYNC_FLUSH)
                self._stream(first, piece, {"Content-Encoding": "gzip"}, weight=len(spaces))

        return Handler
