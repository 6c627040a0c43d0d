"""Start-up time of `trialfinder --help`, as a ratio to `python -c "import click"`.

click is the floor any click CLI pays; the goal is under 1.5x, which needs the heavy modules
(requests, Jinja2, rich, tenacity, requests-cache) to be imported only by the commands that use
them. Both are run in this Python environment, alternately, and the medians compared.
Run:  python benchmarks/startup.py [RUNS]
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
    print(f"  ratio:                    {tool_median / floor_median:6.2f}x (goal < 1.5x)")
    print(f"  heavy modules imported by the CLI module: {', '.join(imported) or 'none'}")


if __name__ == "__main__":
    main()
