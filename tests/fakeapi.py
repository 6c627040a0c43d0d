"""A real HTTP server on loopback that behaves like the ClinicalTrials.gov API v2.

It serves ``/api/v2/studies`` with real paging (``pageSize``, ``pageToken``, ``countTotal``,
``filter.ids``) and ``/api/v2/studies/{nctId}``, from a list of study records. Faults can be
queued per path to test what the tool does when the service misbehaves:

    api.fail("/studies", status=503, times=2)
    api.fail("/studies", action="reset")          # drop the connection
    api.fail("/studies", action="truncate")        # send half a body
    api.fail("/studies", action="slow", delay=2)   # answer the fault after 2 seconds
    api.fail("/studies", action="delay", delay=2)  # answer normally after 2 seconds
    api.fail("/studies", status=200, body="<html>maintenance</html>")
    api.fail("/studies", status=400, body="bad token", after_pages=1)   # fail a later page

``latency`` (seconds) delays every answer, as a distant server would; ``reuse_pages`` keeps the
body of each ``/studies`` page by its query and sends it again when asked again, so that a
benchmark asking the same pages many times measures the client, not this server.

``fields`` is honoured for the names trialfinder sends (sections, modules and the piece names
in ``PIECES``); an unknown name is rejected with 400, as the real API does.

``filter.advanced`` is emulated for the Sex area only, with the registry's Essie semantics:
a term AND-ed at the top level that is nothing but ``AREA[Sex]...`` atoms joined by OR, e.g.
``(AREA[Sex]MALE OR AREA[Sex]"ALL" OR AREA[Sex]MISSING)``, keeps the studies it matches
(``totalCount`` counts them too). An enum value, bare or quoted, matches the record's
``eligibilityModule.sex`` (any case); ``MISSING`` matches a record without one; a bare ``ALL``
is the ALL operator and matches every study, as on the real service; any other value is a 400.
Every other part of the expression (and every ``query.*``) is passed through: not applied.
``filter.overallStatus`` is applied when ``api.filter_statuses`` is set (off by default).

Used by the end-to-end tests and by the benchmarks (with a request and byte counter).
"""

from __future__ import annotations

import json
import re
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

PREFIX = "/api/v2"

SECTIONS = (
    "protocolSection",
    "resultsSection",
    "annotationSection",
    "documentSection",
    "derivedSection",
)
MODULES = {
    "protocolSection": (
        "identificationModule",
        "statusModule",
        "sponsorCollaboratorsModule",
        "oversightModule",
        "descriptionModule",
        "conditionsModule",
        "designModule",
        "armsInterventionsModule",
        "outcomesModule",
        "eligibilityModule",
        "contactsLocationsModule",
        "referencesModule",
        "ipdSharingStatementModule",
    ),
    "resultsSection": (
        "participantFlowModule",
        "baselineCharacteristicsModule",
        "outcomeMeasuresModule",
        "adverseEventsModule",
        "moreInfoModule",
    ),
    "annotationSection": ("annotationModule",),
    "documentSection": ("largeDocumentModule",),
    "derivedSection": (
        "miscInfoModule",
        "conditionBrowseModule",
        "interventionBrowseModule",
    ),
}
_P = "protocolSection"
_LOCATIONS = (_P, "contactsLocationsModule", "locations")
_CONTACTS = (_P, "contactsLocationsModule", "centralContacts")
_BROWSE = ("derivedSection", "interventionBrowseModule")
# Piece names (the API's leaf names) -> their path in a study record; a path goes through lists
# (locations, contacts, meshes), selecting the piece in every item.
PIECES: dict[str, tuple[str, ...]] = {
    "NCTId": (_P, "identificationModule", "nctId"),
    "BriefTitle": (_P, "identificationModule", "briefTitle"),
    "OfficialTitle": (_P, "identificationModule", "officialTitle"),
    "Acronym": (_P, "identificationModule", "acronym"),
    "OverallStatus": (_P, "statusModule", "overallStatus"),
    "StartDate": (_P, "statusModule", "startDateStruct", "date"),
    "StudyFirstPostDate": (_P, "statusModule", "studyFirstPostDateStruct", "date"),
    "LastUpdatePostDate": (_P, "statusModule", "lastUpdatePostDateStruct", "date"),
    "LeadSponsorName": (_P, "sponsorCollaboratorsModule", "leadSponsor", "name"),
    "BriefSummary": (_P, "descriptionModule", "briefSummary"),
    "Condition": (_P, "conditionsModule", "conditions"),
    "Keyword": (_P, "conditionsModule", "keywords"),
    "Phase": (_P, "designModule", "phases"),
    "StudyType": (_P, "designModule", "studyType"),
    "DesignPrimaryPurpose": (_P, "designModule", "designInfo", "primaryPurpose"),
    "DesignInterventionModel": (_P, "designModule", "designInfo", "interventionModel"),
    "EligibilityCriteria": (_P, "eligibilityModule", "eligibilityCriteria"),
    "CentralContactName": (*_CONTACTS, "name"),
    "CentralContactRole": (*_CONTACTS, "role"),
    "CentralContactPhone": (*_CONTACTS, "phone"),
    "CentralContactPhoneExt": (*_CONTACTS, "phoneExt"),
    "CentralContactEMail": (*_CONTACTS, "email"),
    "LocationFacility": (*_LOCATIONS, "facility"),
    "LocationStatus": (*_LOCATIONS, "status"),
    "LocationCity": (*_LOCATIONS, "city"),
    "LocationState": (*_LOCATIONS, "state"),
    "LocationZip": (*_LOCATIONS, "zip"),
    "LocationCountry": (*_LOCATIONS, "country"),
    "LocationGeoPoint": (*_LOCATIONS, "geoPoint"),
    "LocationContactName": (*_LOCATIONS, "contacts", "name"),
    "LocationContactRole": (*_LOCATIONS, "contacts", "role"),
    "LocationContactPhone": (*_LOCATIONS, "contacts", "phone"),
    "LocationContactPhoneExt": (*_LOCATIONS, "contacts", "phoneExt"),
    "LocationContactEMail": (*_LOCATIONS, "contacts", "email"),
    "InterventionMeshId": (*_BROWSE, "meshes", "id"),
    "InterventionMeshTerm": (*_BROWSE, "meshes", "term"),
    "InterventionAncestorId": (*_BROWSE, "ancestors", "id"),
    "InterventionAncestorTerm": (*_BROWSE, "ancestors", "term"),
    "HasResults": ("hasResults",),
}


SEX_VALUES = ("FEMALE", "MALE", "ALL")
_SEX_ATOM = re.compile(r'AREA\[Sex\](?:"([^"]*)"|([A-Za-z_]+))')


def _top_level(expression: str, operator: str) -> list[str]:
    """``expression`` split at ``operator`` ("AND", "OR") outside parentheses and quotes."""
    parts, depth, quoted, start = [], 0, False, 0
    separator = f" {operator} "
    for position, char in enumerate(expression):
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "()":
            depth += 1 if char == "(" else -1
        elif not quoted and depth == 0 and expression.startswith(separator, position):
            parts.append(expression[start:position])
            start = position + len(separator)
    parts.append(expression[start:])
    return [part.strip() for part in parts]


def _unwrapped(term: str) -> str:
    """``term`` without the parentheses around the whole of it, if it has them."""
    while term.startswith("(") and term.endswith(")"):
        depth, quoted = 0, False
        for position, char in enumerate(term):
            if char == '"':
                quoted = not quoted
            elif not quoted and char in "()":
                depth += 1 if char == "(" else -1
                if depth == 0 and position < len(term) - 1:
                    return term  # "(a) OR (b)": the first pair closes early
        term = term[1:-1].strip()
    return term


def sex_filter(expression: str) -> list[list[tuple[bool, str]]]:
    """The Sex terms of a ``filter.advanced`` expression: for each, its atoms as (quoted, value).

    ``ValueError`` names a value that is not a Sex enum value.
    """
    terms = []
    for term in _top_level(expression, "AND"):
        atoms = [_SEX_ATOM.fullmatch(atom) for atom in _top_level(_unwrapped(term), "OR")]
        if not all(atoms):
            continue  # not (only) about Sex: passed through
        parsed = [(m.group(1) is not None, m.group(1) or m.group(2) or "") for m in atoms]
        for quoted, value in parsed:
            if value.upper() not in SEX_VALUES and (quoted or value != "MISSING"):
                raise ValueError(value)
        terms.append(parsed)
    return terms


def sex_matches(study: dict[str, Any], terms: list[list[tuple[bool, str]]]) -> bool:
    sex = study.get("protocolSection", {}).get("eligibilityModule", {}).get("sex")
    for atoms in terms:
        if not any(
            (not quoted and value == "ALL")  # the ALL operator: every study
            or (not quoted and value == "MISSING" and not sex)
            or (sex is not None and value.upper() == sex.upper())
            for quoted, value in atoms
        ):
            return False
    return True


def field_paths(names: str) -> list[tuple[str, ...]]:
    """The record paths a ``fields`` value selects; ``ValueError`` names an unknown one."""
    paths: list[tuple[str, ...]] = []
    for name in (n.strip() for n in names.replace("|", ",").split(",")):
        if not name:
            continue
        camel = name[0].lower() + name[1:]
        if name in PIECES:
            paths.append(PIECES[name])
        elif camel in SECTIONS:
            paths.append((camel,))
        elif any(camel in modules for modules in MODULES.values()):
            section = next(sec for sec, modules in MODULES.items() if camel in modules)
            paths.append((section, camel))
        else:
            raise ValueError(name)
    return paths


def select_fields(study: dict[str, Any], paths: list[tuple[str, ...]]) -> dict[str, Any]:
    """The part of ``study`` under ``paths``, in the record's own nesting (lists item by item)."""
    tree: dict[str, Any] = {}
    for path in paths:
        node = tree
        for key in path[:-1]:
            child = node.setdefault(key, {})
            if child is True:
                break
            node = child
        else:
            node[path[-1]] = True
    return _prune(study, tree) or {}


def _prune(value: Any, tree: Any) -> Any:
    if tree is True:
        return value
    if isinstance(value, list):
        items = [_prune(item, tree) for item in value]
        return [item for item in items if item is not None] or None
    if not isinstance(value, dict):
        return None
    kept = {key: _prune(value[key], sub) for key, sub in tree.items() if key in value}
    kept = {key: item for key, item in kept.items() if item is not None}
    return kept or None


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        pass  # a client that timed out and left is expected in fault tests


@dataclass
class Fault:
    status: int = 503
    body: str | bytes = "Service Unavailable"
    headers: dict[str, str] = field(default_factory=dict)
    action: str = "respond"  # respond | reset | truncate | slow | delay
    delay: float = 0.0
    after_pages: int = 0  # only once this many /studies pages were served successfully


@dataclass
class Request:
    path: str
    params: dict[str, str]


class FakeApi:
    def __init__(
        self,
        studies: list[dict[str, Any]] | None = None,
        latency: float = 0.0,
        reuse_pages: bool = False,
    ) -> None:
        self.studies: list[dict[str, Any]] = list(studies or [])
        self.latency = latency
        self.reuse_pages = reuse_pages
        self._bodies: dict[str, bytes] = {}
        self.requests: list[Request] = []
        self.bytes_sent = 0
        self.pages_served = 0
        self.in_flight = 0  # requests received and not yet answered
        self.max_in_flight = 0
        self.empty_pages_first = 0  # serve this many empty pages (with a token) before data
        # Whether a search (its parameters) finds the studies at all: a query the registry
        # would answer with nothing, say one with the setting words (`query.term`).
        self.answers: Callable[[dict[str, str]], bool] = lambda params: True
        self.filter_statuses = False  # apply filter.overallStatus (off: every status is served)
        self.max_page_size = 1000  # a mirror may send fewer a page than asked
        self._faults: dict[str, deque[Fault]] = {}
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
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

    def request_urls(self) -> list[str]:
        """Every request received, as a URL (to check against the spec)."""
        return [f"{self.url}{r.path}?{urlencode(r.params)}" for r in self.requests]

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
        sexes = sex_filter(params.get("filter.advanced", ""))
        statuses = params.get("filter.overallStatus", "") if self.filter_statuses else ""
        matching = [
            s
            for s in self.studies
            if (not ids or s["protocolSection"]["identificationModule"]["nctId"] in ids)
            and sex_matches(s, sexes)
            and (
                not statuses
                or s["protocolSection"]["statusModule"]["overallStatus"] in statuses.split("|")
            )
        ]
        if not self.answers(params):
            matching = []
        size = int(params.get("pageSize") or 10)
        size = 10 if size == 0 else min(size, self.max_page_size)
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
            page["studies"] = self._select(matching[start : start + size], params)
            if start + size < len(matching):
                page["nextPageToken"] = f"t{start + size}"
        if params.get("countTotal") == "true" and not token:
            page["totalCount"] = len(matching)
        return page

    @staticmethod
    def _select(studies: list[dict[str, Any]], params: dict[str, str]) -> list[dict[str, Any]]:
        if not params.get("fields"):
            return studies
        paths = field_paths(params["fields"])
        return [select_fields(study, paths) for study in studies]

    def _handler_class(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # no 40 ms delayed-ACK stall per request

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                with api._lock:
                    api.in_flight += 1
                    api.max_in_flight = max(api.max_in_flight, api.in_flight)
                try:
                    self._answer()
                finally:
                    with api._lock:
                        api.in_flight -= 1

            def _answer(self) -> None:
                parts = urlsplit(self.path)
                path = parts.path.removeprefix(PREFIX) or "/"
                params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                with api._lock:
                    api.requests.append(Request(path, params))
                if api.latency:
                    time.sleep(api.latency)
                fault = api._next_fault(path)
                if fault and fault.action == "delay":
                    time.sleep(fault.delay)  # then answer normally
                elif fault:
                    self._fault(fault)
                    return
                try:
                    field_paths(params.get("fields", ""))
                except ValueError as exc:
                    message = f"Parameter 'fields' contains invalid field name: '{exc}'"
                    self._send(400, message.encode(), "text/plain; charset=UTF-8")
                    return
                if path == "/studies" and parts.query in api._bodies:
                    self._send(200, api._bodies[parts.query], "application/json")
                    with api._lock:
                        api.pages_served += 1
                    return
                if path == "/studies":
                    try:
                        page = api._page(params)
                    except ValueError as exc:
                        message = (
                            "Error parsing query in advanced filter:\nAllowed values for enum "
                            "field `protocolSection.eligibilityModule.sex` are "
                            + ", ".join(f"`{v}`" for v in SEX_VALUES)
                            + f" (got `{exc}`)"
                        )
                        self._send(400, message.encode(), "text/plain; charset=UTF-8")
                        return
                    body = self._json(page)
                    if api.reuse_pages:
                        api._bodies[parts.query] = body
                    with api._lock:
                        api.pages_served += 1
                    return
                if path.startswith("/studies/"):
                    nct_id = path.rsplit("/", 1)[1].upper()
                    for study in api.studies:
                        if study["protocolSection"]["identificationModule"]["nctId"] == nct_id:
                            self._json(api._select([study], params)[0])
                            return
                    self._send(404, b"Not Found", "text/plain")
                    return
                self._send(404, b"Not Found", "text/plain")

            def _json(self, data: Any) -> bytes:
                body = json.dumps(data).encode()
                self._send(200, body, "application/json")
                return body

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
                headers = dict(fault.headers)
                content_type = headers.pop("Content-Type", "text/plain; charset=UTF-8")
                self._send(fault.status, body, content_type, headers)

        return Handler
