"""Processing time per 1,000 trials: decode, parse, tag, summarise, build records, write.

The network is left out: 1,000 fields-limited records (what a search page holds, built from the
real records) are decoded from one page of JSON and processed in memory. Stages whose module
is not there yet are reported as such.  Run:  python benchmarks/processing.py [COUNT]
"""

from __future__ import annotations

import functools
import importlib.util
import io
import json
import sys
import time

from common import search_fields_only, studies

from trialfinder.model import parse_study
from trialfinder.output import render
from trialfinder.pipeline import ResultOptions, build_results, to_record


def best_of(runs: int, work) -> float:
    """The fastest of ``runs`` runs, in seconds (the least disturbed by other processes)."""
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    page = json.dumps({"studies": [search_fields_only(s) for s in studies(count)]})
    records = json.loads(page)["studies"]
    trials = [parse_study(r) for r in records]
    per_1000 = 1000 / count
    rows: list[tuple[str, float | None]] = [
        ("decode JSON", best_of(3, lambda: json.loads(page))),
        ("parse", best_of(3, lambda: [parse_study(r) for r in records])),
    ]
    if importlib.util.find_spec("trialfinder.tagging"):
        from trialfinder.tagging import tag_trial

        rows.append(("tag", best_of(3, lambda: [tag_trial(t) for t in trials])))
    else:
        rows.append(("tag", None))
    if importlib.util.find_spec("trialfinder.summary"):
        from trialfinder.summary import summarize

        rows.append(("summarise", best_of(3, lambda: [summarize(t) for t in trials])))
        if importlib.util.find_spec("trialfinder.tagging"):
            # What a search does: the summary is given the trial's tags.
            rows.append(
                (
                    "tag + summarise",
                    best_of(3, lambda: [summarize(t, tags=tag_trial(t)) for t in trials]),
                )
            )
    else:
        rows.append(("summarise", None))
    options = ResultOptions()
    rows.append(
        ("results + records", best_of(3, lambda: [to_record(r) for r in build_results(trials)]))
    )
    records_out = [to_record(r) for r in build_results(trials, options)]
    for fmt in ("ndjson", "csv", "json"):
        write = functools.partial(render, fmt, records_out)
        rows.append((f"write {fmt}", best_of(3, lambda write=write: write(io.StringIO()))))

    def everything() -> None:
        parsed = (parse_study(r) for r in json.loads(page)["studies"])
        render("ndjson", map(to_record, build_results(parsed, options)), io.StringIO())

    rows.append(("all: decode to NDJSON", best_of(3, everything)))
    print(f"processing time per 1,000 trials ({count:,} fields-limited records, best of 3)")
    for name, seconds in rows:
        figure = (
            "not on this branch yet" if seconds is None else f"{seconds * per_1000 * 1000:8.1f} ms"
        )
        print(f"  {name:<24}{figure}")


if __name__ == "__main__":
    main()
