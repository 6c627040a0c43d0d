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
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks"), str(ROOT / "tests")]

from csv_export import report, served_export  # noqa: E402


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

    path = folder / f"export-{count}.xlsx"
    peak, seconds = served_export(count, path, export)
    workbook = openpyxl.load_workbook(path, read_only=True)
    rows = sum(1 for _ in workbook["Trials"].iter_rows(min_row=2, values_only=True))
    workbook.close()
    if rows != count:
        raise SystemExit(f"expected {count} rows, found {rows}")
    return peak, seconds, path.stat().st_size


if __name__ == "__main__":
    report([int(arg) for arg in sys.argv[1:]] or [1_000, 10_000], measure, "xlsx")
