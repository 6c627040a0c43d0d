"""Peak memory of `trialfinder search -o FILE` for 1,000, 5,000 and 50,000 trials, NDJSON and CSV.

The CLI runs in a child process against the local fake API (recorded-shape studies, a fresh
cache folder each run); its peak resident size is read by a small launcher. The goal is flat:
the results stream from page to file, so 50x the trials should not need more memory. A search of
one page (1,000 trials) stays below the level that later pages settle at (the allocator does not
reuse every freed block for the next page, and the cache writes each page as it arrives), so
the ratio to 5,000 trials shows the flatness.  Run:  python benchmarks/memory.py [SIZES...]
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import FakeApi, real_records, search_fields_only, studies

# The CLI runs in a grandchild, started by this small launcher: a child forked straight from the
# benchmark (which holds all the studies) would count the benchmark's pages in its own peak.
LAUNCHER = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
if done.returncode:
    sys.exit(f"exit {done.returncode}: {done.stderr.decode()[-2000:]}")
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def peak_rss_mb(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(peak RSS in MB, seconds) of ``argv`` run in a fresh process."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *argv], env=env, capture_output=True, text=True
    )
    if done.returncode:
        sys.exit(f"{' '.join(argv)} failed: {done.stderr}")
    return int(done.stdout) / 1024, time.perf_counter() - started


def main() -> None:
    # 1,000 trials are one page; 5,000 and more reach the level every later page keeps.
    sizes = [int(n) for n in sys.argv[1:]] or [1000, 5000, 50_000]
    # The server keeps what a search page would hold; it still selects per request.
    base = studies(max(sizes), records=[search_fields_only(r) for r in real_records()])
    print("peak memory of `trialfinder search -o FILE` (child process, max RSS)")
    results: dict[tuple[str, int], float] = {}
    for size in sizes:
        with FakeApi(base[:size]) as api, tempfile.TemporaryDirectory() as work:
            for fmt in ("ndjson", "csv"):
                out = Path(work) / f"trials.{fmt}"
                env = {
                    **os.environ,
                    "TRIALFINDER_API_URL": api.url,
                    "TRIALFINDER_MIN_INTERVAL": "0",
                    "XDG_CACHE_HOME": str(Path(work) / f"cache-{fmt}"),
                }
                argv = [sys.executable, "-m", "trialfinder", "search", "-o", str(out)]
                rss, seconds = peak_rss_mb(argv, env)
                with out.open(encoding="utf-8", newline="") as written:
                    rows = csv.reader(written) if fmt == "csv" else written
                    lines = sum(1 for _ in rows) - (fmt == "csv")  # CSV cells span lines
                results[fmt, size] = rss
                print(
                    f"  {size:>7,} trials {fmt:<7} {rss:7.1f} MB  "
                    f"({lines:,} written, {seconds:.1f} s)"
                )
    largest = sizes[-1]
    for fmt in ("ndjson", "csv"):
        for size in sizes[:-1]:
            ratio = results[fmt, largest] / results[fmt, size]
            print(f"  {fmt}: {largest:,} / {size:,} trials = {ratio:.2f}x memory (goal: about 1x)")


if __name__ == "__main__":
    main()
