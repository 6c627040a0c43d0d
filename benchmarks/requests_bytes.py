"""Requests and bytes for a 5,000-trial search, fields-limited versus full records.

Goal: ceil(5000 / 1000) = 5 requests, and a fields-limited payload no more than a third of the
full records' size. The search measured is an export (`search -o trials.csv`, no place), which
asks for each site's city, state and country only; a search near a place (or a table on a
terminal) also asks for each site's facility, status, ZIP and coordinates, and is reported
beside it.  Run:  python benchmarks/requests_bytes.py [COUNT]
"""

from __future__ import annotations

import math
import sys

from common import FakeApi, studies

from trialfinder.criteria import SearchCriteria
from trialfinder.settings import Settings
from trialfinder.sources.ctgov import ClinicalTrialsGov


def run(api: FakeApi, with_fields: bool, site_details: bool = False) -> tuple[int, int, int]:
    """(requests, bytes, trials) for one complete search."""
    api.requests.clear()
    api.bytes_sent = 0
    settings = Settings.from_env(api_url=api.url, min_interval=0, cache=False)
    source = ClinicalTrialsGov(settings)
    if not with_fields:
        limited = source.page_params
        source.page_params = lambda c: {k: v for k, v in limited(c).items() if k != "fields"}
    trials = sum(1 for _ in source.search(SearchCriteria(site_details=site_details)))
    return len(api.requests), api.bytes_sent, trials


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    with FakeApi(studies(count)) as api:
        requests_limited, bytes_limited, trials = run(api, with_fields=True)
        requests_full, bytes_full, _ = run(api, with_fields=False)
        _, bytes_details, _ = run(api, with_fields=True, site_details=True)
    goal = math.ceil(count / 1000)
    ratio = bytes_limited / bytes_full
    print(f"search of {count:,} trials ({trials:,} parsed)")
    print(f"  requests:              {requests_limited} (goal {goal})")
    print(f"  bytes, fields-limited: {bytes_limited:,} ({bytes_limited / count:,.0f} per trial)")
    print(f"  bytes, full records:   {bytes_full:,} ({requests_full} requests)")
    print(f"  ratio limited / full:  {ratio:.3f} (goal <= 0.333)")
    print(
        f"  with site details (near a place, or a table): {bytes_details:,} bytes, "
        f"ratio {bytes_details / bytes_full:.3f}"
    )
    ok = requests_limited == goal and ratio <= 1 / 3 and trials == count
    print("  goal met" if ok else "  GOAL MISSED")


if __name__ == "__main__":
    main()
