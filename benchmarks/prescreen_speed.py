"""What the prescreen adds to a search: time per trial, with the tags already read.

    python benchmarks/prescreen_speed.py [COUNT]

A search with --profile tags each trial (as every search does), then prescreens it against
the profile from the tags' requirements: the criteria are read once, by the tagging. So the
figure is the time of ``prescreen(trial, tags, profile)`` alone, over COUNT trials (the real
reference records, repeated; default 10,000) for each of the labelled profiles in turn, best
of a few runs. Two figures:

- first pass: every distinct record seen for the first time (the per-record caches of the
  diseases and drug classes empty);
- steady: a long search, where conditions and drug names repeat.

Goal: at most 0.5 ms per trial.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import sys
import time
from pathlib import Path

from common import shared_dir

HERE = Path(__file__).resolve().parent
RUNS = 3
GOAL_MS = 0.5


def main() -> int:
    from trialfinder import diseases, prescreen
    from trialfinder.model import parse_study
    from trialfinder.profile import load_profile
    from trialfinder.tagging import tag_trial

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    paths = sorted((shared_dir() / "records").glob("NCT*.json"))
    if not paths:
        print(f"skipped: reference records not found at {shared_dir() / 'records'}")
        return 0
    trials = [parse_study(json.loads(p.read_text(encoding="utf-8"))) for p in paths]
    tagged = [(trial, tag_trial(trial)) for trial in trials]
    profiles = [load_profile(p) for p in sorted((HERE / "labels" / "profiles").glob("P*.toml"))]
    today = dt.date(2026, 12, 1)
    prescreen.prescreen(*tagged[0], profiles[0], today=today)  # the data files, read once

    def forget() -> None:
        diseases._trial_diseases.cache_clear()
        prescreen._drug_is.cache_clear()
        prescreen._facts.cache_clear()
        prescreen._washouts.cache_clear()
        prescreen._is_cancer.cache_clear()

    def first_pass() -> float:
        total = 0.0
        for profile in profiles:
            forget()
            start = time.perf_counter()
            for trial, tags in tagged:
                prescreen.prescreen(trial, tags, profile, today=today)
            total += time.perf_counter() - start
        return total / (len(profiles) * len(tagged))

    def steady() -> float:
        batch = list(itertools.islice(itertools.cycle(tagged), count))
        total = 0.0
        for profile in profiles:
            start = time.perf_counter()
            for trial, tags in batch:
                prescreen.prescreen(trial, tags, profile, today=today)
            total += time.perf_counter() - start
        return total / (len(profiles) * len(batch))

    print(
        f"{len(trials)} distinct records, {len(profiles)} profiles; {count:,} trials a profile "
        f"for the steady figure; best of {RUNS} runs:"
    )
    for label, measure in (("first pass", first_pass), ("steady", steady)):
        per_trial = min(measure() for _ in range(RUNS)) * 1e3
        print(f"  {label}: {per_trial:.3f} ms per trial")
    print(f"goal: at most {GOAL_MS} ms per trial")
    return 0


if __name__ == "__main__":
    sys.exit(main())
