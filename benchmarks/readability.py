"""Reading level of the plain-language summaries over the real records in ../shared/ctgov.

Each summary is made as `search` and `show` make it: with the trial's tags, without a place.

Prints the Flesch-Kincaid grade distribution (textstat, an independent implementation), the
mean, the share at grade 8 or below, and the hardest summaries. Needs the `test` extra:

    python benchmarks/readability.py [RECORDS_DIR]
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import textstat

from trialfinder.model import parse_study
from trialfinder.summary import summarize
from trialfinder.tagging import tag_trial

DEFAULT_RECORDS = Path(__file__).resolve().parents[2] / "shared" / "ctgov" / "records"


def grades(records: Path, prose_only: bool = False) -> dict[str, float]:
    result = {}
    for path in sorted(records.glob("NCT*.json")):
        trial = parse_study(json.loads(path.read_text(encoding="utf-8")))
        text = summarize(trial, tags=tag_trial(trial))
        if prose_only:
            text = prose(text)
        result[trial.nct_id] = textstat.flesch_kincaid_grade(text)
    return result


def prose(summary: str) -> str:
    """The summary without its question headings, contact lines and link (a stricter check:
    short headings count as easy sentences)."""
    skip = ("Phone:", "Email:", "Trial page:", "Trial NCT")
    return "\n".join(
        line
        for line in summary.splitlines()
        if not line.endswith("?") and not line.startswith(skip)
    )


def main() -> int:
    records = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_RECORDS
    if not records.is_dir():
        print(f"no records at {records}", file=sys.stderr)
        return 2
    by_trial = grades(records)
    values = list(by_trial.values())
    if not values:
        print(f"no NCT*.json records in {records}", file=sys.stderr)
        return 2
    bins = Counter(min(max(int(v), 0), 12) for v in values)
    version = ".".join(map(str, textstat.__version__))
    print(f"summaries: {len(values)}  (Flesch-Kincaid grade, textstat {version})")
    for grade in range(13):
        label = f"{grade:>2}" if grade < 12 else "12+"
        print(f"  grade {label:>3}: {bins.get(grade, 0):4d}  {'#' * bins.get(grade, 0)}")
    at_most_8 = sum(v <= 8 for v in values) / len(values)
    print(
        f"mean {statistics.mean(values):.2f}  median {statistics.median(values):.2f}  "
        f"min {min(values):.2f}  max {max(values):.2f}"
    )
    print(f"grade <= 8: {at_most_8:.1%}")
    strict = list(grades(records, prose_only=True).values())
    print(
        f"prose only (no headings, contact lines or link): mean {statistics.mean(strict):.2f}  "
        f"max {max(strict):.2f}  grade <= 8: {sum(v <= 8 for v in strict) / len(strict):.1%}"
    )
    trials = [
        parse_study(json.loads(p.read_text(encoding="utf-8"))) for p in records.glob("NCT*.json")
    ]
    tags = [tag_trial(t) for t in trials]
    started = time.perf_counter()
    for trial, trial_tags in zip(trials, tags, strict=True):
        summarize(trial, tags=trial_tags)
    per_summary = (time.perf_counter() - started) / len(trials) * 1000
    print(f"speed: {per_summary:.2f} ms per summary (tags made beforehand)")
    hardest = sorted(by_trial.items(), key=lambda item: item[1], reverse=True)[:5]
    print("hardest: " + ", ".join(f"{nct} {grade:.1f}" for nct, grade in hardest))
    return 0


if __name__ == "__main__":
    sys.exit(main())
