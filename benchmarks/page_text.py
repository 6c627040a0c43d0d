"""What a page costs the main process when its records go to worker processes: decoded into
objects and pickled (as before), or walked study by study and sent as text
(``sources.ctgov.decode_page(..., studies_as_text=True)``), and what the worker then pays.

A page of 1,000 real records (cycled), with the fields an export asks for and with every site's
details (a table, a place); CPU milliseconds, the least of seven runs; memory from tracemalloc:
what the decoded page holds, and the peak while it is decoded. ``--export`` adds the peak of
the main process's Python allocations (tracemalloc) in each quarter of a 4,000-trial search on
two workers against the fake API.

    python benchmarks/page_text.py [--export]
"""

from __future__ import annotations

import json
import pickle
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from common import FakeApi, field_paths, real_records, select_fields, studies

from trialfinder.criteria import SearchCriteria
from trialfinder.pipeline import TagFilter
from trialfinder.request import SearchRequest
from trialfinder.search import SearchRun
from trialfinder.settings import Settings
from trialfinder.sources.ctgov import (
    FIELDS_PARAM,
    FIELDS_PARAM_WITHOUT_SITE_DETAILS,
    ClinicalTrialsGov,
    decode_page,
)
from trialfinder.workers import decoded

CHUNK = 250  # records per chunk, as workers.MAX_CHUNK


def least_ms(work: Callable[..., Any], *args: Any, runs: int = 7) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        work(*args)
        best = min(best, time.process_time() - started)
    return best * 1000


def chunks(studies: list[Any]) -> list[bytes]:
    return [
        pickle.dumps(studies[at : at + CHUNK], pickle.HIGHEST_PROTOCOL)
        for at in range(0, len(studies), CHUNK)
    ]


def in_worker(payloads: list[bytes]) -> None:
    for payload in payloads:
        [decoded(raw) for raw in pickle.loads(payload)]


def memory(content: bytes, as_text: bool) -> tuple[float, float]:
    tracemalloc.start()
    page = decode_page(content, as_text)
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del page
    return held / 2**20, peak / 2**20


def export_peaks(trials: int = 4000) -> None:
    """The main process's peak of Python allocations in each quarter of a search on two
    workers (the records made in the workers, as an export does)."""
    with FakeApi(studies(trials), reuse_pages=True) as api:
        settings = Settings.from_env(api_url=api.url, cache=False, min_interval=0)
        criteria = SearchCriteria(settings=("any",), statuses=("any",))
        run = SearchRun(
            ClinicalTrialsGov(settings), SearchRequest(criteria, TagFilter()), workers=2
        )
        peaks = []
        tracemalloc.start()
        for count, _ in enumerate(run.records(), start=1):
            if count % (trials // 4) == 0:
                peaks.append(tracemalloc.get_traced_memory()[1] / 2**20)
                tracemalloc.reset_peak()
        tracemalloc.stop()
    quarters = ", ".join(f"{peak:.0f}" for peak in peaks)
    print(f"\n{trials:,} trials on two workers: main process peak by quarter {quarters} MiB")


def main() -> None:
    records = real_records()
    for name, fields in (("export", FIELDS_PARAM_WITHOUT_SITE_DETAILS), ("sites", FIELDS_PARAM)):
        paths = field_paths(fields)
        studies = [select_fields(r, paths) for r in (records * 5)[:1000]]
        content = json.dumps({"totalCount": 1000, "studies": studies, "nextPageToken": "x"})
        body = content.encode()
        print(f"\n1,000 records, {name} fields: {len(body) / 2**20:.1f} MiB of JSON")
        print(f"  {'records':<9}{'decode':>8}{'pickle':>8}{'main':>8}{'worker':>8}"
              f"{'held':>9}{'peak':>9}")  # fmt: skip
        for label, as_text in (("objects", False), ("text", True)):
            page = decode_page(body, as_text)["studies"]
            payloads = chunks(page)
            decode = least_ms(decode_page, body, as_text)
            send = least_ms(chunks, page)
            worker = least_ms(in_worker, payloads)
            held, peak = memory(body, as_text)
            print(
                f"  {label:<9}{decode:6.0f}ms{send:6.0f}ms{decode + send:6.0f}ms{worker:6.0f}ms"
                f"{held:6.0f} MiB{peak:5.0f} MiB"
            )


if __name__ == "__main__":
    main()
    if "--export" in sys.argv[1:]:
        export_peaks()
