"""Precision, recall and F1 of the category tags against the hand-made labels.

    python benchmarks/tagging_eval.py [--errors dev|held-out]

Reads the real records in ../shared/ctgov/records (or $TRIALFINDER_SHARED_DIR/records) and
the labels in benchmarks/labels/tagging.tsv. Trials whose sha256(NCT id) is divisible by 3
are the held-out part (never looked at while writing the rules); the rest are development.
Ambiguous labels are left out of scoring.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
LABELS = HERE / "labels" / "tagging.tsv"
GOALS = {"targeted-therapy": 0.95, "immunotherapy": 0.95, "car-t": 0.95, "combination": 0.95}
DEFAULT_GOAL = 0.90


def shared_records() -> Path:
    configured = os.environ.get("TRIALFINDER_SHARED_DIR")
    base = Path(configured) if configured else HERE.parents[1] / "shared" / "ctgov"
    return base / "records"


def is_held_out(nct_id: str) -> bool:
    return int(hashlib.sha256(nct_id.encode()).hexdigest(), 16) % 3 == 0


def load_labels(path: Path = LABELS) -> dict[str, dict[str, tuple[str, str]]]:
    labels: dict[str, dict[str, tuple[str, str]]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            labels.setdefault(row["nct_id"], {})[row["category"]] = (row["label"], row["reason"])
    return labels


def evaluate(records: Path | None = None) -> dict[str, dict[str, dict[str, float]]] | None:
    """{"dev"|"held-out": {category: {tp, fp, fn, precision, recall, f1, n}}}; None: no records."""
    from trialfinder.model import parse_study
    from trialfinder.tagging import CATEGORY_NAMES, tag_trial

    records = records or shared_records()
    if not records.is_dir():
        return None
    labels = load_labels()
    counts = {
        part: {c: {"tp": 0, "fp": 0, "fn": 0, "n": 0} for c in CATEGORY_NAMES}
        for part in ("dev", "held-out")
    }
    errors: dict[str, list[str]] = {"dev": [], "held-out": []}
    for nct_id, by_category in sorted(labels.items()):
        path = records / f"{nct_id}.json"
        if not path.is_file():
            continue
        tags = tag_trial(parse_study(json.loads(path.read_text(encoding="utf-8"))))
        part = "held-out" if is_held_out(nct_id) else "dev"
        for category in CATEGORY_NAMES:
            label, reason = by_category.get(category, ("no", ""))
            if label == "ambiguous":
                continue
            got, want = category in tags.categories, label == "yes"
            cell = counts[part][category]
            cell["n"] += want
            if got and want:
                cell["tp"] += 1
            elif got:
                cell["fp"] += 1
                why = "; ".join(e.reason for e in tags.evidence_for(category))
                errors[part].append(f"FP {nct_id} {category}: {why}")
            elif want:
                cell["fn"] += 1
                errors[part].append(f"FN {nct_id} {category}: {reason}")
    for part in counts.values():
        for cell in part.values():
            tp, fp, fn = cell["tp"], cell["fp"], cell["fn"]
            cell["precision"] = tp / (tp + fp) if tp + fp else (1.0 if not fn else 0.0)
            cell["recall"] = tp / (tp + fn) if tp + fn else 1.0
            p, r = cell["precision"], cell["recall"]
            cell["f1"] = 2 * p * r / (p + r) if p + r else 0.0
    evaluate.errors = errors  # type: ignore[attr-defined]
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", choices=["dev", "held-out"], help="list the mistakes")
    args = parser.parse_args()
    results = evaluate()
    if results is None:
        print(f"skipped: reference records not found at {shared_records()}")
        return 0
    for part, by_category in results.items():
        print(f"\n{part}")
        print(f"  {'category':22} {'n':>4} {'tp':>4} {'fp':>4} {'fn':>4}  precision  recall    F1")
        for category, cell in by_category.items():
            goal = GOALS.get(category, DEFAULT_GOAL)
            flag = "" if cell["n"] == 0 or cell["f1"] >= goal else "  below goal"
            f1 = f"{cell['f1']:.3f}" if cell["n"] or cell["fp"] else "  n/a"
            print(
                f"  {category:22} {cell['n']:4} {cell['tp']:4} {cell['fp']:4} {cell['fn']:4}"
                f"  {cell['precision']:9.3f}  {cell['recall']:6.3f}  {f1}{flag}"
            )
    if args.errors:
        print(f"\nmistakes ({args.errors}):")
        for line in evaluate.errors[args.errors]:  # type: ignore[attr-defined]
            print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
