"""CSV export of 1,000 and 10,000 trials: peak Python memory (tracemalloc) and time.

The trials come from the test suite's fake API (tests/fakeapi.py), a real HTTP server on
127.0.0.1 running in a separate process, so only the export itself is measured: paging
through the results, building each record and writing the CSV. Flat memory means the peak
for 10,000 trials is about the peak for 1,000 (one page of 1,000 records at a time).

    python benchmarks/csv_export.py [COUNT ...]
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import os
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def serve(count: int, urls, stop) -> None:
    """In a child process: serve ``count`` trials until ``stop`` is set."""
    from factories import many_studies
    from fakeapi import FakeApi

    with FakeApi(many_studies(count)) as api:
        urls.put(api.url)
        stop.wait()


def export(url: str, path: Path) -> None:
    from trialfinder.cli import cli

    args = ["--api-url", url, "search", "--format", "csv", "--limit", "0", "-o", str(path)]
    with contextlib.redirect_stderr(io.StringIO()):  # the "N trials matched" line
        cli.main(args, standalone_mode=False)


def served_export(
    count: int, path: Path, export: Callable[[str, Path], None]
) -> tuple[float, float]:
    """(peak MiB, seconds) of ``export(url, path)`` with ``count`` trials served by a fake API
    in a process of its own: timed first without tracemalloc (which slows Python down), then
    measured with it."""
    context = multiprocessing.get_context("spawn")
    urls, stop = context.Queue(), context.Event()
    server = context.Process(target=serve, args=(count, urls, stop), daemon=True)
    server.start()
    try:
        url = urls.get(timeout=120)
        started = time.perf_counter()
        export(url, path)
        seconds = time.perf_counter() - started
        tracemalloc.start()
        export(url, path)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        stop.set()
        server.join(timeout=10)
    return peak / 2**20, seconds


def measure(count: int, folder: Path) -> tuple[float, float, int]:
    """(peak MiB, seconds, bytes written) for exporting ``count`` trials."""
    path = folder / f"export-{count}.csv"
    peak, seconds = served_export(count, path, export)
    rows = path.read_bytes().count(b'\r\n"NCT')
    if rows != count:
        raise SystemExit(f"expected {count} rows, found {rows}")
    return peak, seconds, path.stat().st_size


def report(
    counts: list[int], measure: Callable[[int, Path], tuple[float, float, int]], kind: str
) -> None:
    """Each count's peak memory, time and file size, after a small warm-up export."""
    os.environ["TRIALFINDER_MIN_INTERVAL"] = "0"  # a local server: no pacing needed
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        measure(10, folder)  # warm up: imports and caches are not part of the export
        print(f"{'trials':>8} {'peak memory':>12} {'time':>8} {kind + ' size':>10}")
        for count in counts:
            peak, seconds, size = measure(count, folder)
            print(f"{count:>8,} {peak:>9.1f} MiB {seconds:>7.2f}s {size / 2**20:>7.1f} MiB")


if __name__ == "__main__":
    report([int(arg) for arg in sys.argv[1:]] or [1_000, 10_000], measure, "CSV")
