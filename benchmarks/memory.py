"""Peak memory of `trialfinder search` for 1,000 versus 50,000 trials, as NDJSON and CSV.

The CLI runs in a child process against the local fake API (recorded-shape studies, a fresh
cache folder each run); its peak resident size comes from the kernel (``os.wait4``). The goal
is flat: the results stream from page to file, so 50x the trials should not need 50x the memory.
Run:  python benchmarks/memory.py [SMALL LARGE]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import FakeApi, search_fields_only, studies


def peak_rss_mb(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(peak RSS in MB, seconds, exit status) of one child process."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    errors = child.stderr.read().decode() if child.stderr else ""
    if child.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed ({child.returncode}): {errors}")
    return usage.ru_maxrss / 1024, time.perf_counter() - started, child.returncode


def main() -> None:
    sizes = [int(n) for n in sys.argv[1:3]] or [1000, 50_000]
    # The server keeps what a search page would hold; it still selects per request.
    base = [search_fields_only(s) for s in studies(max(sizes))]
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
                rss, seconds, _ = peak_rss_mb(argv, env)
                lines = sum(1 for _ in out.open(encoding="utf-8")) - (fmt == "csv")
                results[fmt, size] = rss
                print(
                    f"  {size:>7,} trials {fmt:<7} {rss:7.1f} MB  "
                    f"({lines:,} written, {seconds:.1f} s)"
                )
    small, large = sizes
    for fmt in ("ndjson", "csv"):
        ratio = results[fmt, large] / results[fmt, small]
        print(f"  {fmt}: {large:,} / {small:,} trials = {ratio:.2f}x memory (goal: about 1x)")


if __name__ == "__main__":
    main()
