"""How long finding the nearest site takes for a trial with more than a thousand sites.

Usage: python benchmarks/nearest_site.py [RECORD.json]

Without an argument it reads NCT04267848 (1,148 sites) from the reference records beside the
checkout (../shared/ctgov/records, or $TRIALFINDER_SHARED_DIR/records), and falls back to a
made-up trial of 1,200 sites when they are absent. It also times geocoding, whose first call
loads the ZIP code data.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

from trialfinder.geo import geocode, nearest_site, sites_by_distance
from trialfinder.model import Site, Trial, parse_study

REPEATS = 200
GOAL_MS = 10.0  # "no visible time": far below what a person notices per trial


def _shared_records() -> Path:
    configured = os.environ.get("TRIALFINDER_SHARED_DIR")
    root = Path(configured) if configured else Path(__file__).resolve().parents[2] / "shared/ctgov"
    return root / "records"


def load_trial(argv: list[str]) -> tuple[Trial, str]:
    path = Path(argv[1]) if len(argv) > 1 else _shared_records() / "NCT04267848.json"
    if path.is_file():
        return parse_study(json.loads(path.read_text(encoding="utf-8"))), path.name
    rng = random.Random(1)
    sites = tuple(
        Site(
            facility=f"Site {n}",
            status=rng.choice(["RECRUITING", "SUSPENDED", "ACTIVE_NOT_RECRUITING"]),
            latitude=rng.uniform(25, 49),
            longitude=rng.uniform(-124, -67),
        )
        for n in range(1200)
    )
    return Trial(nct_id="NCT09999999", sites=sites), "a made-up trial"


def per_call_ms(function, repeats: int = REPEATS) -> tuple[float, float]:
    """Median and worst time of one call, in milliseconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def once_ms(function) -> float:
    start = time.perf_counter()
    function()
    return (time.perf_counter() - start) * 1000


def main(argv: list[str]) -> int:
    trial, name = load_trial(argv)
    located = sum(1 for s in trial.sites if s.has_coordinates)
    print(f"trial: {trial.nct_id} ({name}), {len(trial.sites):,} sites, {located:,} located")

    lat, lon = 42.3427, -71.0922  # ZIP 02115, Boston
    nearest = nearest_site(trial, lat, lon)
    where = f"{nearest.site.facility}, {nearest.distance_mi:.1f} mi" if nearest else "none"
    print(f"nearest open site from 02115: {where}")

    median, worst = per_call_ms(lambda: nearest_site(trial, lat, lon))
    print(f"nearest_site:      median {median:.3f} ms, worst {worst:.3f} ms ({REPEATS} calls)")
    median_sorted, worst_sorted = per_call_ms(lambda: sites_by_distance(trial, lat, lon))
    print(f"sites_by_distance: median {median_sorted:.3f} ms, worst {worst_sorted:.3f} ms")

    for text, why in (
        ("02115", "first call: loads the ZIP code data"),
        ("Houston, TX", "first city in TX"),
        ("St. Louis, MO", "first city in MO"),
        ("New York", "no state: indexes every city once"),
        ("Springfield, IL", "later calls"),
    ):
        print(f"geocode {text!r:18} {once_ms(lambda t=text: geocode(t)):7.1f} ms  ({why})")

    verdict = "OK" if median < GOAL_MS else "TOO SLOW"
    print(f"goal: under {GOAL_MS:g} ms per trial -> {verdict}")
    return 0 if median < GOAL_MS else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
