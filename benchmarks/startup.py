"""Start-up time of `trialfinder --help`, as a ratio to `python -c "import click"`.

click is the floor any click CLI pays; the goal is at most 1.3x, which needs the heavy modules
(requests, Jinja2, rich, tenacity, requests-cache, and even pathlib) to be imported only by the
commands that use them, and nothing compiled on import. Both are run in this Python
environment, alternately, and the medians compared.
Run:  python benchmarks/startup.py [RUNS]

Measure an installed trialfinder (``pip install .``, which writes the compiled ``.pyc`` files):
an editable install run with PYTHONDONTWRITEBYTECODE set compiles trialfinder's modules from
source at every start, which is not what users pay; the script says so when it sees it.

On a busy machine, count instructions instead of time (the same ratio, free of the load):
    valgrind --tool=callgrind python -c "import click"
    valgrind --tool=callgrind trialfinder --help
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HEAVY = ("requests", "jinja2", "rich", "tenacity", "requests_cache", "urllib3", "platformdirs")


def command() -> list[str]:
    script = Path(sys.executable).with_name("trialfinder")
    if script.exists():
        return [str(script), "--help"]
    found = shutil.which("trialfinder")
    return [found, "--help"] if found else [sys.executable, "-m", "trialfinder", "--help"]


def seconds(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def compiled_ahead() -> bool:
    """Whether the CLI module's compiled file exists (else every start compiles it)."""
    import importlib.util

    spec = importlib.util.find_spec("trialfinder.cli")
    if spec is None or spec.origin is None:
        return False
    return Path(importlib.util.cache_from_source(spec.origin)).exists()


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 21
    floor = [sys.executable, "-c", "import click"]
    tool = command()
    seconds(floor), seconds(tool)  # warm the file cache
    floor_times, tool_times = [], []
    for _ in range(runs):
        floor_times.append(seconds(floor))
        tool_times.append(seconds(tool))
    floor_median = statistics.median(floor_times)
    tool_median = statistics.median(tool_times)
    probe = (
        "import sys, trialfinder.cli; "
        "print(' '.join(sorted(set(sys.argv[1:]) & {m.split('.')[0] for m in sys.modules})))"
    )
    imported = subprocess.run(
        [sys.executable, "-c", probe, *HEAVY], capture_output=True, text=True, check=True
    ).stdout.split()
    print(f"start-up, median of {runs} runs")
    print(f"  python -c 'import click': {floor_median * 1000:6.1f} ms")
    name = " ".join([Path(tool[0]).name, *tool[1:]])
    print(f"  {name + ':':<26}{tool_median * 1000:6.1f} ms")
    print(f"  ratio:                    {tool_median / floor_median:6.2f}x (goal at most 1.3x)")
    print(f"  heavy modules imported by the CLI module: {', '.join(imported) or 'none'}")
    if not compiled_ahead():
        print("  note: trialfinder has no compiled files here: measure an installed copy")


if __name__ == "__main__":
    main()
