"""A real HTTP server on loopback that behaves like the ClinicalTrials.gov API v2.

It serves ``/api/v2/studies`` with real paging (``pageSize``, ``pageToken``, ``countTotal``,
``filter.ids``) and ``/api/v2/studies/{nctId}``, from a list of study records. Faults can be
queued per path to test what the tool does when the service misbehaves:

    api.fail("/studies", status=503, times=2)
    api.fail("/studies", action="reset")          # drop the connection
    api.fail("/studies", action="truncate")        # send half a body
    api.fail("/studies", action="slow", delay=2)   # answer after 2 seconds
    api.fail("/studies", status=200, body="<html>maintenance</html>")

Used by the end-to-end tests and by the benchmarks (with a request and byte counter).
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

PREFIX = "/api/v2"


@dataclass
class Fault:
    status: int = 503
    body: str | bytes = "Service Unavailable"
    headers: dict[str, str] = field(default_factory=dict)
    action: str = "respond"  # respond | reset | truncate | slow
    delay: float = 0.0
    after_pages: int = 0  # only once this many /studies pages were served successfully


@dataclass
class Request:
    path: str
    params: dict[str, str]


class FakeApi:
    def __init__(self, studies: list[dict[str, Any]] | None = None) -> None:
        self.studies: list[dict[str, Any]] = list(studies or [])
        self.requests: list[Request] = []
        self.bytes_sent = 0
        self.pages_served = 0
        self.empty_pages_first = 0  # serve this many empty pages (with a token) before data
        self._faults: dict[str, deque[Fault]] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # -- control ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{PREFIX}"

    def start(self) -> FakeApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeApi:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def fail(self, path: str, times: int = 1, **fault: Any) -> None:
        """Queue ``times`` faults for requests to ``path`` ("/studies" or "/studies/NCT...")."""
        with self._lock:
            queue = self._faults.setdefault(path, deque())
            for _ in range(times):
                queue.append(Fault(**fault))

    def studies_requests(self) -> list[Request]:
        return [r for r in self.requests if r.path == "/studies"]

    # -- behaviour -------------------------------------------------------------------------

    def _next_fault(self, path: str) -> Fault | None:
        with self._lock:
            queue = self._faults.get(path)
            if queue and queue[0].after_pages <= self.pages_served:
                return queue.popleft()
        return None

    def _page(self, params: dict[str, str]) -> dict[str, Any]:
        ids = {
            i.strip().upper()
            for i in params.get("filter.ids", "").replace("|", ",").split(",")
            if i.strip()
        }
        matching = [
            s
            for s in self.studies
            if not ids or s["protocolSection"]["identificationModule"]["nctId"] in ids
        ]
        size = int(params.get("pageSize") or 10)
        size = 10 if size == 0 else min(size, 1000)
        token = params.get("pageToken", "")
        if token.startswith("empty"):
            start = 0
            remaining_empty = int(token[5:])
        elif token:
            start = int(token.removeprefix("t"))
            remaining_empty = 0
        else:
            start = 0
            remaining_empty = self.empty_pages_first
        page: dict[str, Any] = {}
        if remaining_empty:
            page["studies"] = []
            page["nextPageToken"] = f"empty{remaining_empty - 1}" if remaining_empty > 1 else "t0"
        else:
            page["studies"] = matching[start : start + size]
            if start + size < len(matching):
                page["nextPageToken"] = f"t{start + size}"
        if params.get("countTotal") == "true" and not token:
            page["totalCount"] = len(matching)
        return page

    def _handler_class(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                parts = urlsplit(self.path)
                path = parts.path.removeprefix(PREFIX) or "/"
                params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                with api._lock:
                    api.requests.append(Request(path, params))
                fault = api._next_fault(path)
                if fault:
                    self._fault(fault)
                    return
                if path == "/studies":
                    self._json(api._page(params))
                    with api._lock:
                        api.pages_served += 1
                    return
                if path.startswith("/studies/"):
                    nct_id = path.rsplit("/", 1)[1].upper()
                    for study in api.studies:
                        if study["protocolSection"]["identificationModule"]["nctId"] == nct_id:
                            self._json(study)
                            return
                    self._send(404, b"Not Found", "text/plain")
                    return
                self._send(404, b"Not Found", "text/plain")

            def _json(self, data: Any) -> None:
                self._send(200, json.dumps(data).encode(), "application/json")

            def _send(
                self,
                status: int,
                body: bytes,
                content_type: str,
                headers: dict[str, str] | None = None,
                length: int | None = None,
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body) if length is None else length))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)
                with api._lock:
                    api.bytes_sent += len(body)

            def _fault(self, fault: Fault) -> None:
                body = fault.body.encode() if isinstance(fault.body, str) else fault.body
                if fault.action == "reset":
                    # SO_LINGER 0: close with RST, as a crashed proxy would.
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.close_connection = True
                    self.connection.close()
                    return
                if fault.action == "slow":
                    time.sleep(fault.delay)
                if fault.action == "truncate":
                    self._send(
                        fault.status,
                        body[: len(body) // 2],
                        "application/json",
                        fault.headers,
                        length=len(body),
                    )
                    self.close_connection = True
                    return
                content_type = fault.headers.pop("Content-Type", "text/plain; charset=UTF-8")
                self._send(fault.status, body, content_type, fault.headers)

        return Handler
