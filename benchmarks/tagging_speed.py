"""How fast tagging is: tag 10,000 trials (the real reference records, repeated) on one core.

    python benchmarks/tagging_speed.py [COUNT] [--stages]

Goal: under one second for 10,000 trials, cold. Parsing is done before the clock starts.
Tagging remembers the names and phrases it has recognised (``clear_caches()`` forgets them), so
two figures are printed:

- cold: the caches are cleared before every pass over the distinct records, so a repeated
  record costs as much as a new one; only names shared by different trials are remembered;
- warm: the caches are kept, as in a long run over many trials.

Each figure is the best of a few runs, so that other work on the machine disturbs it less.
``--stages`` also prints how the cold time divides between the steps of tagging.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS = 3


def main() -> int:
    from trialfinder.model import parse_study
    from trialfinder.tagging import clear_caches, tag_trial

    arguments = [a for a in sys.argv[1:] if a != "--stages"]
    count = int(arguments[0]) if arguments else 10_000
    configured = os.environ.get("TRIALFINDER_SHARED_DIR")
    records = (Path(configured) if configured else HERE.parents[1] / "shared" / "ctgov") / "records"
    paths = sorted(records.glob("NCT*.json"))
    if not paths:
        print(f"skipped: reference records not found at {records}")
        return 0
    trials = [parse_study(json.loads(p.read_text(encoding="utf-8"))) for p in paths]
    tag_trial(trials[0])  # reads and compiles the data files once, like a real run
    batch = list(itertools.islice(itertools.cycle(trials), count))

    def run(cold: bool) -> float:
        clear_caches()
        start = time.perf_counter()
        for position, trial in enumerate(batch):
            if cold and position % len(trials) == 0:
                clear_caches()
            tag_trial(trial)
        return time.perf_counter() - start

    print(f"{count:,} trials ({len(trials)} distinct records), best of {RUNS} runs:")
    for label, cold in (("cold", True), ("warm", False)):
        elapsed = min(run(cold) for _ in range(RUNS))
        print(f"  {label}: {elapsed:.3f} s ({elapsed / count * 1e6:.0f} µs per trial)")
    print("goal: < 1 s for 10,000, cold")
    if "--stages" in sys.argv:
        print_stages(trials, count)
    return 0


def print_stages(trials: list, count: int) -> None:
    """Cold time of each step of tagging, scaled to ``count`` trials (best of a few runs)."""
    from trialfinder import tagging
    from trialfinder.tagging import arms, biomarkers, lexicon, reader, requirements, settings

    k = lexicon.knowledge()
    cancer = [reader.is_cancer_trial(t) for t in trials]
    fields = [reader.text_fields(t) if c else None for t, c in zip(trials, cancer, strict=True)]
    assigned = [t.study_type != "OBSERVATIONAL" for t in trials]
    work = list(zip(trials, cancer, fields, assigned, strict=True))
    stages = {
        "is it about cancer": lambda: [reader.is_cancer_trial(t) for t, *_ in work],
        "treatments and arms": lambda: [
            arms.tag_treatments(t, c, k, set(), [], [], set()) for t, c, _, a in work if a
        ],
        "palliative aim": lambda: [
            arms.tag_palliative(t, c, k, set(), []) for t, c, _, a in work if a
        ],
        "text fields": lambda: [reader.text_fields(t) for t, c, _, _ in work if c],
        "settings": lambda: [settings.tag_settings(f, k, []) for _, c, f, _ in work if c],
        "biomarkers": lambda: [biomarkers.tag_biomarkers(f, k, []) for _, c, f, _ in work if c],
        "requirements": lambda: [
            requirements.extract(reader.read_criteria(t.eligibility.criteria)) for t, *_ in work
        ],
    }
    scale = count / len(trials)
    print(f"cold time of each step, for {count:,} trials:")
    for name, run in stages.items():
        best = float("inf")
        for _ in range(RUNS):
            tagging.clear_caches()
            start = time.perf_counter()
            run()
            best = min(best, time.perf_counter() - start)
        print(f"  {name:20s} {best * scale:.3f} s")


if __name__ == "__main__":
    sys.exit(main())
