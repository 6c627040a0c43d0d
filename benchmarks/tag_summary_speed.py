"""Tags and summary of each distinct real record, as a search makes them, cold.

    python benchmarks/tag_summary_speed.py [PASSES]

Every pass forgets what tagging remembers of the trials it read (``clear_caches``; the glossary
remembers nothing of a text), so no record is cheaper for having been seen; the figure is
processor time (``time.process_time``), the least of PASSES passes (5), per trial: wall time on
a shared machine says more about the other work on it.

For a count that does not depend on the machine's load at all, run the passes under callgrind
twice and subtract (instructions per trial = the difference / passes / records):

    valgrind --tool=callgrind python benchmarks/tag_summary_speed.py 0
    valgrind --tool=callgrind python benchmarks/tag_summary_speed.py 2
"""

from __future__ import annotations

import json
import sys
import time

from common import shared_dir


def main() -> int:
    from trialfinder.model import parse_study
    from trialfinder.summary import summarize
    from trialfinder.tagging import clear_caches, tag_trial

    paths = sorted((shared_dir() / "records").glob("NCT*.json"))
    if not paths:
        print(f"skipped: reference records not found at {shared_dir() / 'records'}")
        return 0
    trials = [parse_study(json.loads(p.read_text(encoding="utf-8"))) for p in paths]

    def one_pass() -> None:
        clear_caches()
        for trial in trials:
            summarize(trial, tags=tag_trial(trial))

    one_pass()  # reads the data files and compiles the patterns, once per process
    passes = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    best = float("inf")
    for _ in range(passes):
        started = time.process_time()
        one_pass()
        best = min(best, time.process_time() - started)
    if passes:
        print(
            f"tags + summary, cold: {best / len(trials) * 1000:.2f} ms of processor time per "
            f"trial ({len(trials)} distinct records, least of {passes} passes)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
