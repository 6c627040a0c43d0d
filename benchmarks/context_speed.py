"""How fast the context rules answer: ``effects`` on every criterion of the real records.

    python benchmarks/context_speed.py

The eligibility criteria of the reference records (``../shared/ctgov/records``) are split into
inclusion and exclusion criteria as the eligibility reader splits them. Every word of every
criterion is asked about, as if each were a candidate mention (far more than a tagger asks).
Figures, each the best of a few runs:

- ``effects(text, start, end)``, the module function: the first call on a criterion finds its
  cues (remembered for the next calls), the others only look them up; the cache is emptied
  before each run;
- the same, split in two: finding the cues of a criterion (``Context(text)``) and one
  ``Context.effects`` call;
- whole criteria sections at once (as the tagger reads them, one text per record).

Goal: well under 50 µs per call.
"""

from __future__ import annotations

import json
import re
import sys
import time

from common import shared_dir

from trialfinder.tagging.context import Context, rules
from trialfinder.tagging.reader import read_criteria

RUNS = 5
_WORD = re.compile(r"\w+")


def main() -> int:
    folder = shared_dir() / "records"
    paths = sorted(folder.glob("NCT*.json"))
    if not paths:
        print(f"skipped: reference records not found at {folder}")
        return 0
    sections = []
    for path in paths:
        record = json.loads(path.read_text(encoding="utf-8"))
        criteria = record["protocolSection"].get("eligibilityModule", {}).get("eligibilityCriteria")
        if criteria:
            sections.append(criteria)
    items = [item.text for section in sections for item in read_criteria(section).items]
    spans = [[(w.start(), w.end()) for w in _WORD.finditer(text)] for text in items]
    calls = sum(map(len, spans))
    shipped = rules()
    print(f"{len(sections)} records with criteria, {len(items):,} criteria, {calls:,} words")

    def module_calls() -> None:
        shipped.clear_cache()
        for text, words in zip(items, spans, strict=True):
            for start, end in words:
                shipped.effects(text, start, end)

    def contexts() -> list[Context]:
        return [Context(text, shipped) for text in items]

    found = contexts()

    def lookups() -> None:
        for context, words in zip(found, spans, strict=True):
            for start, end in words:
                context.effects(start, end)

    whole_spans = [[(w.start(), w.end()) for w in _WORD.finditer(text)] for text in sections]

    def whole_sections() -> None:
        for text, words in zip(sections, whole_spans, strict=True):
            context = Context(text, shipped)
            for start, end in words:
                context.effects(start, end)

    figures = [
        ("effects(text, start, end)", module_calls, calls, "call"),
        ("  finding the cues, Context(text)", contexts, len(items), "criterion"),
        ("  one Context.effects(start, end)", lookups, calls, "call"),
        ("whole sections: cues + every word", whole_sections, sum(map(len, whole_spans)), "call"),
    ]
    for label, run, count, unit in figures:
        best = min(_timed(run) for _ in range(RUNS))
        print(f"{label:36s} {best * 1e6 / count:7.2f} µs per {unit} ({best:.3f} s in all)")
    print("goal: well under 50 µs per call")
    return 0


def _timed(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


if __name__ == "__main__":
    sys.exit(main())
