"""How fast tagging is: tag 10,000 trials (the real reference records, repeated) on one core.

    python benchmarks/tagging_speed.py [COUNT]

Goal: under one second for 10,000 trials. Parsing is done before the clock starts; tagging
keeps no cache between trials, so repeated records cost as much as new ones.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    from trialfinder.model import parse_study
    from trialfinder.tagging import tag_trial

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    configured = os.environ.get("TRIALFINDER_SHARED_DIR")
    records = (Path(configured) if configured else HERE.parents[1] / "shared" / "ctgov") / "records"
    paths = sorted(records.glob("NCT*.json"))
    if not paths:
        print(f"skipped: reference records not found at {records}")
        return 0
    trials = [parse_study(json.loads(p.read_text(encoding="utf-8"))) for p in paths]
    tag_trial(trials[0])  # reads and compiles the data files once, like a real run
    batch = list(itertools.islice(itertools.cycle(trials), count))
    start = time.perf_counter()
    for trial in batch:
        tag_trial(trial)
    elapsed = time.perf_counter() - start
    print(
        f"tagged {count:,} trials ({len(trials)} distinct records) in {elapsed:.3f} s "
        f"({elapsed / count * 1e6:.0f} µs per trial); goal < 1 s for 10,000"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
