"""Precision, recall and F1 of the category tags against the hand-made labels.

    python benchmarks/tagging_eval.py [--errors dev|held-out]

Reads the real records in ../shared/ctgov/records (or $TRIALFINDER_SHARED_DIR/records) and
the labels in benchmarks/labels/: ``tagging.tsv`` for the categories of the treatments under
test (``Tags.categories``), ``comparators.tsv`` for the categories given only in comparator arms
(``Tags.comparator_categories``). Trials whose sha256(NCT id) is divisible by 3 are the held-out
part (never looked at while writing the rules); the rest are development. Ambiguous labels are
left out of scoring, for comparators too.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from common import shared_dir  # noqa: E402
from evaluation import Counts  # noqa: E402

LABELS = HERE / "labels" / "tagging.tsv"
COMPARATOR_LABELS = HERE / "labels" / "comparators.tsv"
PARTS = ("dev", "held-out")
GOALS = {"targeted-therapy": 0.97, "immunotherapy": 0.97, "car-t": 0.97, "combination": 0.97}
DEFAULT_GOAL = 0.93


def shared_records() -> Path:
    return shared_dir() / "records"


def is_held_out(nct_id: str) -> bool:
    return int(hashlib.sha256(nct_id.encode()).hexdigest(), 16) % 3 == 0


def load_labels(path: Path = LABELS) -> dict[str, dict[str, tuple[str, str]]]:
    """NCT id -> category -> (label, reason)."""
    labels: dict[str, dict[str, tuple[str, str]]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            labels.setdefault(row["nct_id"], {})[row["category"]] = (row["label"], row["reason"])
    return labels


def load_comparator_labels(path: Path = COMPARATOR_LABELS) -> dict[tuple[str, str], str]:
    """(NCT id, category) -> reason, for each category given only in comparator arms."""
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            (row["nct_id"], row["category"]): row["reason"]
            for row in csv.DictReader(handle, delimiter="\t")
        }


@dataclass
class Score(Counts):
    """Counts of one category (or of the comparators) in one part, and what follows."""

    n: int = 0  # labelled yes

    def count(self, got: bool, want: bool) -> str:
        """Count one decision; "FP", "FN" or "" for a right one."""
        self.n += want
        if got and want:
            self.tp += 1
        elif got:
            self.fp += 1
            return "FP"
        elif want:
            self.fn += 1
            return "FN"
        return ""


@dataclass
class Evaluation:
    """Scores per part ("dev", "held-out"): per category, and of the comparator categories."""

    categories: dict[str, dict[str, Score]]
    comparators: dict[str, Score]
    errors: dict[str, list[str]] = field(default_factory=lambda: {p: [] for p in PARTS})


def evaluate(records: Path | None = None) -> Evaluation | None:
    """Score the tagger on the labelled real records; None when the records are not there."""
    from trialfinder.model import parse_study
    from trialfinder.tagging import CATEGORY_NAMES, tag_trial

    records = records or shared_records()
    if not records.is_dir():
        return None
    labels = load_labels()
    comparator_labels = load_comparator_labels()
    result = Evaluation(
        categories={p: {c: Score() for c in CATEGORY_NAMES} for p in PARTS},
        comparators={p: Score() for p in PARTS},
    )
    for nct_id, by_category in sorted(labels.items()):
        path = records / f"{nct_id}.json"
        if not path.is_file():
            continue
        tags = tag_trial(parse_study(json.loads(path.read_text(encoding="utf-8"))))
        part = "held-out" if is_held_out(nct_id) else "dev"
        errors = result.errors[part]
        for category in CATEGORY_NAMES:
            label, reason = by_category.get(category, ("no", ""))
            if label == "ambiguous":
                continue
            why = "; ".join(e.reason for e in tags.evidence_for(category))
            mistake = result.categories[part][category].count(
                category in tags.categories, label == "yes"
            )
            if mistake:
                errors.append(
                    f"{mistake} {nct_id} {category}: {why if mistake == 'FP' else reason}"
                )
            compared = comparator_labels.get((nct_id, category))
            mistake = result.comparators[part].count(
                category in tags.comparator_categories, compared is not None
            )
            if mistake:
                errors.append(
                    f"{mistake} comparator {nct_id} {category}: "
                    f"{why if mistake == 'FP' else compared}"
                )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", choices=PARTS, help="list the mistakes")
    args = parser.parse_args()
    result = evaluate()
    if result is None:
        print(f"skipped: reference records not found at {shared_records()}")
        return 0
    for part, by_category in result.categories.items():
        print(f"\n{part}")
        print(f"  {'category':22} {'n':>4} {'tp':>4} {'fp':>4} {'fn':>4}  precision  recall    F1")
        for category, score in by_category.items():
            goal = GOALS.get(category, DEFAULT_GOAL)
            flag = "" if score.n == 0 or score.f1 >= goal else "  below goal"
            f1 = f"{score.f1:.3f}" if score.n or score.fp else "  n/a"
            print(
                f"  {category:22} {score.n:4} {score.tp:4} {score.fp:4} {score.fn:4}"
                f"  {score.precision:9.3f}  {score.recall:6.3f}  {f1}{flag}"
            )
        c = result.comparators[part]
        print(
            f"  {'comparator categories':22} {c.n:4} {c.tp:4} {c.fp:4} {c.fn:4}"
            f"  {c.precision:9.3f}  {c.recall:6.3f}  {c.f1:.3f}"
        )
    if args.errors:
        print(f"\nmistakes ({args.errors}):")
        for line in result.errors[args.errors]:
            print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
