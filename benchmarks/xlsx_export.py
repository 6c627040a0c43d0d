"""Excel workbook export of 1,000 and 10,000 trials: peak Python memory (tracemalloc) and time.

As benchmarks/csv_export.py, from the test suite's fake API in a process of its own, with a
place (``--near``, in the registry's order), so that every row has a nearest site. The rows go to a
temporary file as they arrive and the workbook is put together at the end: memory grows with
what openpyxl keeps for each row (the NCT id's link), not with the text of the rows.

    python benchmarks/xlsx_export.py [COUNT ...]
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks"), str(ROOT / "tests")]

from csv_export import serve  # noqa: E402


def export(url: str, path: Path) -> None:
    from trialfinder.cli import cli

    # Sorted by relevance: sorting by distance holds every result to sort it, whatever the format.
    args = [
        "--api-url",
        url,
        "search",
        "--near",
        "02115",
        "--within",
        "500mi",
        "--sort",
        "relevance",
    ]
    args += ["--limit", "0", "-o", str(path)]
    with contextlib.redirect_stderr(io.StringIO()):  # the "N trials matched" line
        cli.main(args, standalone_mode=False)


def measure(count: int, folder: Path) -> tuple[float, float, int]:
    """(peak MiB, seconds, bytes written) for exporting ``count`` trials."""
    import openpyxl

    context = multiprocessing.get_context("spawn")
    urls, stop = context.Queue(), context.Event()
    server = context.Process(target=serve, args=(count, urls, stop), daemon=True)
    server.start()
    try:
        url = urls.get(timeout=120)
        path = folder / f"export-{count}.xlsx"
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
    workbook = openpyxl.load_workbook(path, read_only=True)
    rows = sum(1 for _ in workbook["Trials"].iter_rows(min_row=2, values_only=True))
    workbook.close()
    if rows != count:
        raise SystemExit(f"expected {count} rows, found {rows}")
    return peak / 2**20, seconds, path.stat().st_size


def main(counts: list[int]) -> None:
    os.environ["TRIALFINDER_MIN_INTERVAL"] = "0"  # a local server: no pacing needed
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        measure(10, folder)  # warm up: imports and caches are not part of the export
        print(f"{'trials':>8} {'peak memory':>12} {'time':>8} {'xlsx size':>10}")
        for count in counts:
            peak, seconds, size = measure(count, folder)
            print(f"{count:>8,} {peak:>9.1f} MiB {seconds:>7.2f}s {size / 2**20:>7.1f} MiB")


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [1_000, 10_000])
